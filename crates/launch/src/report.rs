//! How failures reach the user: one `error:` line on stderr (plus the Wasm
//! backtrace for traps), and an exit status that says what kind of failure
//! it was.

use std::fmt::{Display, Write as _};
use std::io;

use wisp::FrameInfo;

/// The exit status of a guest that trapped.
pub const TRAPPED: u8 = 134;
/// The exit status of an internal error (a bug).
pub const INTERNAL_ERROR: u8 = 101;

/// Lines of backtrace printed before it is cut short. Runs of one function
/// calling itself count once, so deep recursion stays readable.
const MAX_BACKTRACE_LINES: usize = 40;

/// Prints `error` and returns the exit status for it: 134 for a trap, 1
/// otherwise (0 if nobody is left to read it: a closed pipe).
pub fn report(error: &anyhow::Error) -> u8 {
    if is_broken_pipe(error) {
        // Whoever reads our output stopped reading; nobody is left to tell.
        return 0;
    }
    eprintln!("error: {}", message(error));
    let wasm_error = error.chain().find_map(|cause| cause.downcast_ref::<wisp::Error>());
    match wasm_error {
        Some(e) if e.trap().is_some() => {
            if let Some(backtrace) = e.backtrace().filter(|bt| !bt.frames().is_empty()) {
                eprint!("{}", render_backtrace(backtrace.frames()));
            }
            TRAPPED
        }
        _ => 1,
    }
}

/// The causes of `error`, outermost first, joined on one line.
///
/// The walk stops at a `wisp::Error`: its message already includes its
/// source's.
pub fn message(error: &anyhow::Error) -> String {
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
        std::process::exit(i32::from(INTERNAL_ERROR));
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
        FrameInfo {
            module_name: None,
            func_index: index,
            func_name: Some(name.into()),
            instance: None,
            body_offset: None,
        }
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
