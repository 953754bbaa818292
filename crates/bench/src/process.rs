//! Running a runtime's command line as a child process: wall-clock time,
//! peak resident memory and exit status from `wait4`, output through files
//! (so that a program printing megabytes cannot block on a full pipe).
//!
//! Linux counts a child's peak RSS from before its `exec`, when it still
//! shares or copies its parent's memory, so a child of the harness would
//! never report less than the harness's own peak. Each command is
//! therefore started by a small launcher: this executable again, run as
//! `wisp-bench __spawn RESULT -- COMMAND...`, which does nothing but spawn
//! the command, time it and write what `wait4` says to RESULT. Its own
//! start-up is not in the time.

use std::ffi::OsString;
use std::fs::File;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The argument that makes this executable a launcher.
pub const LAUNCHER: &str = "__spawn";

/// What one run of a command did.
#[derive(Debug)]
pub struct Run {
    /// From just before the spawn to the child being reaped.
    pub wall: Duration,
    /// The child's peak resident set size (`ru_maxrss`), in KiB.
    pub max_rss_kib: u64,
    /// The exit code, or `None` if a signal ended the child.
    pub exit_code: Option<i32>,
    /// Everything the child wrote on stdout.
    pub stdout: Vec<u8>,
    /// Everything the child wrote on stderr.
    pub stderr: Vec<u8>,
}

/// Runs `argv` in `cwd` with no standard input, through the launcher
/// `launcher` (an executable whose `main` calls [`launcher_main`]); the
/// output goes through files in `scratch`.
pub fn run(launcher: &Path, argv: &[OsString], cwd: &Path, scratch: &Path) -> std::io::Result<Run> {
    let out_path = scratch.join("stdout");
    let err_path = scratch.join("stderr");
    let result_path = scratch.join("result");
    let _ = std::fs::remove_file(&result_path);
    let status = Command::new(launcher)
        .arg(LAUNCHER)
        .arg(&result_path)
        .arg("--")
        .args(argv)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(File::create(&out_path)?)
        .stderr(File::create(&err_path)?)
        .status()?;
    let result = std::fs::read_to_string(&result_path).map_err(|e| {
        std::io::Error::other(format!("the launcher ({status}) left no result: {e}"))
    })?;
    let fields: Vec<i64> = result.split_whitespace().filter_map(|f| f.parse().ok()).collect();
    let [wall_ns, max_rss_kib, exited, code] = fields[..] else {
        return Err(std::io::Error::other(format!("unreadable launcher result `{result}`")));
    };
    Ok(Run {
        wall: Duration::from_nanos(wall_ns as u64),
        max_rss_kib: max_rss_kib as u64,
        exit_code: (exited == 1).then_some(code as i32),
        stdout: std::fs::read(&out_path)?,
        stderr: std::fs::read(&err_path)?,
    })
}

/// The launcher: `args` are `RESULT -- COMMAND...` (after [`LAUNCHER`]).
/// Runs COMMAND with this process's stdio and working directory and
/// writes `WALL_NS MAX_RSS_KIB EXITED CODE` to RESULT.
pub fn launcher_main(args: &[OsString]) -> std::io::Result<()> {
    let (result_path, command) = match args {
        [result, dash, program, rest @ ..] if dash == "--" => (result, (program, rest)),
        _ => return Err(std::io::Error::other("usage: __spawn RESULT -- COMMAND...")),
    };
    let started = Instant::now();
    let child = Command::new(command.0).args(command.1).spawn()?;
    let (status, usage) = wait4(child.id())?;
    let wall = started.elapsed();
    let (exited, code) = if libc::WIFEXITED(status) {
        (1, libc::WEXITSTATUS(status))
    } else {
        (0, libc::WTERMSIG(status))
    };
    // Linux reports ru_maxrss in KiB.
    let line = format!("{} {} {exited} {code}\n", wall.as_nanos(), usage.ru_maxrss);
    std::fs::write(result_path, line)
}

/// Waits for the child `pid`, returning its wait status and resource usage.
fn wait4(pid: u32) -> std::io::Result<(i32, libc::rusage)> {
    let pid = libc::pid_t::try_from(pid).map_err(std::io::Error::other)?;
    let mut status = 0;
    // SAFETY: an all-zero `rusage` is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: `status` and `usage` are live, writable and of the types
        // wait4 expects; `pid` is our own unreaped child, which std does not
        // wait for because its `Child` handle is never waited on.
        let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if reaped == pid {
            return Ok((status, usage));
        }
        let error = std::io::Error::last_os_error();
        if error.kind() != std::io::ErrorKind::Interrupted {
            return Err(error);
        }
    }
}
