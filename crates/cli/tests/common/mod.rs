//! Running the built `wisp` binary and checking what it prints.

#![allow(dead_code)] // each test binary uses a different part of this

pub mod bench;
pub mod registry;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// What one run of `wisp` did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `wisp` with `args` from the workspace root, so `examples/...`
/// paths work.
pub fn wisp<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let output = Command::new(env!("CARGO_BIN_EXE_wisp"))
        .args(args)
        .current_dir(workspace_root())
        .env("WISP_CACHE_DIR", Path::new(env!("CARGO_TARGET_TMPDIR")).join("wisp-cache"))
        .output()
        .expect("the wisp binary runs");
    Run {
        code: output.status.code().expect("wisp exits rather than dying of a signal"),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    }
}

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

impl Run {
    /// Asserts a failure with `code`, reported as exactly one `error:` line
    /// that contains each of `words`.
    pub fn assert_error(&self, code: i32, words: &[&str]) {
        self.assert_clean_stderr();
        assert_eq!(self.code, code, "exit code; stderr: {}", self.stderr);
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "one line on stderr, got: {}", self.stderr);
        assert!(lines[0].starts_with("error: "), "{}", self.stderr);
        for word in words {
            assert!(lines[0].contains(word), "`{word}` missing from: {}", self.stderr);
        }
    }

    /// Asserts a trap: exit code 134, `error: wasm trap: MESSAGE`, then a
    /// backtrace whose innermost frame is `innermost`.
    pub fn assert_trap(&self, message: &str, innermost: &str) {
        self.assert_clean_stderr();
        assert_eq!(self.code, 134, "exit code; stderr: {}", self.stderr);
        let lines: Vec<&str> = self.stderr.lines().collect();
        let first = format!("error: wasm trap: {message}");
        assert_eq!(lines.first(), Some(&first.as_str()), "{}", self.stderr);
        assert_eq!(lines.get(1), Some(&"wasm backtrace:"), "{}", self.stderr);
        let frame = lines.get(2).map(|l| l.trim_start());
        assert!(
            frame.is_some_and(|f| f.starts_with(&format!("0: {innermost}"))),
            "innermost frame should be `{innermost}`: {}",
            self.stderr
        );
    }

    /// Asserts success with exactly `stdout` and nothing on stderr.
    pub fn assert_success(&self, stdout: &str) {
        assert_eq!((self.code, &*self.stderr), (0, ""), "stdout: {}", self.stdout);
        assert_eq!(self.stdout, stdout);
    }

    /// Asserts success with nothing on stdout and `part` somewhere in
    /// stderr: what commands that write files report.
    pub fn assert_success_reports(&self, part: &str) {
        assert_eq!(self.code, 0, "stderr: {}", self.stderr);
        assert_eq!(self.stdout, "", "stdout should stay empty");
        assert!(self.stderr.contains(part), "`{part}` missing from: {}", self.stderr);
    }

    fn assert_clean_stderr(&self) {
        for leak in ["panicked", "RUST_BACKTRACE", "internal error"] {
            assert!(!self.stderr.contains(leak), "stderr mentions `{leak}`: {}", self.stderr);
        }
    }
}

/// A directory of its own under the system's temporary directory, removed
/// when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let unique = format!(
            "wisp-cli-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let dir = std::env::temp_dir().join(unique);
        std::fs::create_dir_all(&dir).expect("can create a temporary directory");
        Self(dir)
    }

    /// The directory, as a command-line argument.
    pub fn path(&self) -> &str {
        self.0.to_str().expect("temporary paths are UTF-8")
    }

    /// Writes `contents` to the file `name` in this directory and returns
    /// its path, as a command-line argument.
    pub fn file(&self, name: &str, contents: impl AsRef<[u8]>) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, contents).expect("can write a temporary file");
        path.to_str().expect("temporary paths are UTF-8").to_string()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The 8-byte header of every binary module (version 1).
pub const HEADER: &[u8] = b"\0asm\x01\0\0\0";

/// `(func (export "run") (result i32) (i32.const 1))`, section by section.
pub const TYPE_SECTION: &[u8] = &[0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f];
pub const FUNC_SECTION: &[u8] = &[0x03, 0x02, 0x01, 0x00];
pub const EXPORT_SECTION: &[u8] = &[0x07, 0x07, 0x01, 0x03, b'r', b'u', b'n', 0x00, 0x00];
pub const CODE_SECTION: &[u8] = &[0x0a, 0x06, 0x01, 0x04, 0x00, 0x41, 0x01, 0x0b];

/// The module of the sections above: `run` returns 1.
pub fn valid_module() -> Vec<u8> {
    binary(&[TYPE_SECTION, FUNC_SECTION, EXPORT_SECTION, CODE_SECTION])
}

/// A binary module: the header followed by `sections`.
pub fn binary(sections: &[&[u8]]) -> Vec<u8> {
    let mut bytes = HEADER.to_vec();
    for section in sections {
        bytes.extend_from_slice(section);
    }
    bytes
}

/// The runtime library `wisp create-exe` links executables with, built
/// once per test binary (`cargo build --release -p wisp-exe-runtime`; it
/// must be built on its own so that it comes without the compiler).
pub fn runtime_lib() -> PathBuf {
    static LIB: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    LIB.get_or_init(|| {
        // CARGO_TARGET_TMPDIR is TARGET/tmp.
        let target = Path::new(env!("CARGO_TARGET_TMPDIR")).parent().unwrap().to_path_buf();
        let output = Command::new(env!("CARGO"))
            .args(["build", "--release", "--quiet", "-p", "wisp-exe-runtime", "--target-dir"])
            .arg(&target)
            .current_dir(workspace_root())
            .stdin(std::process::Stdio::null())
            .output()
            .expect("cargo runs");
        assert!(
            output.status.success(),
            "building the runtime library failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let lib = target.join("release/libwisp_exe_runtime.a");
        assert!(lib.is_file(), "{} was not built", lib.display());
        lib
    })
    .clone()
}
