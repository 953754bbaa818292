//! How failures reach the user: one `error:` line on stderr (plus the Wasm
//! backtrace for traps), and an exit code that says what kind of failure it
//! was.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub use wisp_launch::report::{install_panic_hook, one_line};

/// The exit codes, as `--help` shows them.
pub const EXIT_CODES: &str = "\
Exit codes:
  0    success
  1    usage error; a module failed to load, validate or link; a check of
       `wast` or `validate` failed
  101  internal error (a bug in wisp)
  134  the guest trapped (the trap and the Wasm backtrace are on stderr)";

/// Runs `check` on each file in turn; a file's error is reported and the
/// next file checked. `check` returns whether the file passed (having said
/// why not); the exit code is a failure if any file did not pass.
pub fn check_each<W: Write>(
    files: &[PathBuf],
    out: &mut W,
    mut check: impl FnMut(&Path, &mut W) -> anyhow::Result<bool>,
) -> anyhow::Result<ExitCode> {
    let mut all_passed = true;
    for file in files {
        match check(file, out) {
            Ok(passed) => all_passed &= passed,
            Err(e) => {
                // Keeps the error in order with earlier files' output.
                out.flush()?;
                let _ = report(&e);
                all_passed = false;
            }
        }
    }
    Ok(if all_passed { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// Prints a command-line usage error as one line, or `--help`/`--version`
/// as clap would, and returns the exit code for it.
pub fn report_usage(error: &clap::Error) -> ExitCode {
    if !error.use_stderr() {
        // --help or --version: the output is the point, not an error.
        let _ = error.print();
        return ExitCode::SUCCESS;
    }
    // clap's first paragraph names the problem; the rest is usage and tips.
    let rendered = error.render().to_string();
    let problem: Vec<&str> =
        rendered.lines().map(str::trim).take_while(|line| !line.is_empty()).collect();
    let problem = problem.join(" ");
    eprintln!("error: {}; try --help", problem.trim_start_matches("error: "));
    ExitCode::FAILURE
}

/// Prints `error` and returns the exit code for it (see [`EXIT_CODES`]).
pub fn report(error: &anyhow::Error) -> ExitCode {
    ExitCode::from(wisp_launch::report::report(error))
}
