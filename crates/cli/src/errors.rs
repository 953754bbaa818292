//! How failures reach the user: one `error:` line on stderr (plus the Wasm
//! backtrace for traps), and an exit code that says what kind of failure it
//! was.

use std::fmt::{Display, Write as _};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use wisp::FrameInfo;

/// The exit codes, as `--help` shows them.
pub const EXIT_CODES: &str = "\
Exit codes:
  0    success
  1    usage error; a module failed to load, validate or link; a check of
       `wast` or `validate` failed
  101  internal error (a bug in wisp)
  134  the guest trapped (the trap and the Wasm backtrace are on stderr)";

const TRAPPED: u8 = 134;
const INTERNAL_ERROR: i32 = 101;

/// Lines of backtrace printed before it is cut short. Runs of one function
/// calling itself count once, so deep recursion stays readable.
const MAX_BACKTRACE_LINES: usize = 40;

/// Prints `error` and returns the exit code for it.
pub fn report(error: &anyhow::Error) -> ExitCode {
    if is_broken_pipe(error) {
        // Whoever reads our output stopped reading; nobody is left to tell.
        return ExitCode::SUCCESS;
    }
    eprintln!("error: {}", message(error));
    let wasm_error = error.chain().find_map(|cause| cause.downcast_ref::<wisp::Error>());
    match wasm_error {
        Some(e) if e.trap().is_some() => {
            if let Some(backtrace) = e.backtrace().filter(|bt| !bt.frames().is_empty()) {
                eprint!("{}", render_backtrace(backtrace.frames()));
            }
            ExitCode::from(TRAPPED)
        }
        _ => ExitCode::FAILURE,
    }
}

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

/// The causes of `error`, outermost first, joined on one line.
///
/// The walk stops at a `wisp::Error`: its message already includes its
/// source's.
fn message(error: &anyhow::Error) -> String {
    let mut parts = Vec::new();
    for cause in error.chain() {
        parts.push(one_line(cause));
        if cause.is::<wisp::Error>() {
            break;
        }
    }
    parts.join(": ")
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause.downcast_ref::<io::Error>().is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// Collapses a multi-line message into one line.
///
/// Text-format errors quote the source over several lines
/// (`message`, `--> file:LINE:COLUMN`, then the quoted line); they become
/// `message (at line LINE, column COLUMN)`. Anything else has its lines
/// joined with spaces.
pub fn one_line(message: impl Display) -> String {
    let message = message.to_string();
    let mut lines = message.lines();
    let first = lines.next().unwrap_or_default();
    let position =
        lines.next().and_then(|line| line.trim_start().strip_prefix("--> ")).and_then(|location| {
            let mut parts = location.rsplitn(3, ':');
            Some((parts.next()?, parts.next()?))
        });
    match position {
        Some((column, line)) => format!("{first} (at line {line}, column {column})"),
        None => {
            let lines: Vec<&str> =
                message.lines().map(str::trim).filter(|line| !line.is_empty()).collect();
            lines.join(" ")
        }
    }
}

/// The backtrace with runs of one function calling itself folded into one
/// line, and cut short after [`MAX_BACKTRACE_LINES`] lines.
fn render_backtrace(frames: &[FrameInfo]) -> String {
    let mut out = String::from("wasm backtrace:\n");
    let mut index = 0;
    for _ in 0..MAX_BACKTRACE_LINES {
        let Some(frame) = frames.get(index) else { return out };
        let run = frames[index..].iter().take_while(|f| *f == frame).count();
        let _ = write!(out, "  {index:>3}: {}", FrameName(frame));
        if run > 1 {
            let _ = write!(out, " (and {} more frames of it)", run - 1);
        }
        out.push('\n');
        index += run;
    }
    if index < frames.len() {
        let _ = writeln!(out, "  ... {} more frames", frames.len() - index);
    }
    out
}

struct FrameName<'a>(&'a FrameInfo);

impl Display for FrameName<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(module) = &self.0.module_name {
            write!(f, "{module}!")?;
        }
        match &self.0.func_name {
            Some(name) => f.write_str(name),
            None => write!(f, "<wasm function {}>", self.0.func_index),
        }
    }
}

/// Turns panics into one `error:` line and exit code 101 instead of
/// Rust's message and backtrace advice.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let what = info.payload_as_str().unwrap_or("unknown panic");
        let place = info.location().map(|l| format!(" at {l}")).unwrap_or_default();
        eprintln!(
            "error: internal error: {}{place} (this is a bug in wisp)",
            what.replace('\n', " ")
        );
        std::process::exit(INTERNAL_ERROR);
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_errors_become_one_line_with_a_position() {
        let err = wat::parse_str("(module\n  (func (result i32) i32.konst 1))").unwrap_err();
        let line = one_line(&err);
        assert!(!line.contains('\n'), "{line}");
        assert!(line.ends_with("(at line 2, column 22)"), "{line}");
    }

    #[test]
    fn other_multi_line_messages_are_joined() {
        assert_eq!(one_line("first\n\n  second\n"), "first second");
        assert_eq!(one_line("just one"), "just one");
    }

    fn frame(index: u32, name: &str) -> FrameInfo {
        FrameInfo { module_name: None, func_index: index, func_name: Some(name.into()) }
    }

    #[test]
    fn recursion_folds_in_backtraces() {
        let mut frames = vec![frame(1, "inner")];
        frames.extend((0..5).map(|_| frame(2, "recurse")));
        frames.push(FrameInfo { func_name: None, ..frame(3, "") });
        assert_eq!(
            render_backtrace(&frames),
            "wasm backtrace:\n    0: inner\n    1: recurse (and 4 more frames of it)\n    \
             6: <wasm function 3>\n"
        );
    }

    #[test]
    fn long_backtraces_are_cut_short() {
        let frames: Vec<FrameInfo> =
            (0..100).map(|i| frame(i % 2, if i % 2 == 0 { "ping" } else { "pong" })).collect();
        let text = render_backtrace(&frames);
        assert_eq!(text.lines().count(), 1 + MAX_BACKTRACE_LINES + 1);
        assert!(text.ends_with("  ... 60 more frames\n"), "{text}");
    }
}
