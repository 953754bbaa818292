//! `wisp`, the command-line face of the Wisp WebAssembly runtime.

#![deny(unsafe_code)]

mod args;
// Loads compiled artifacts from Wisp's own cache, trusting them.
#[allow(unsafe_code)]
mod cache;
mod compile;
mod create_exe;
mod errors;
// Loads precompiled artifacts the user names, trusting them.
#[allow(unsafe_code)]
mod input;
mod inspect;
mod limits;
mod options;
mod package;
mod progress;
mod run;
mod serve;
mod validate;
mod wasi;
mod wast;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::{Args, FromArgMatches, Parser, Subcommand};

/// Runs WebAssembly outside the browser, sandboxed by default.
#[derive(Parser, Debug)]
// Without a command, say so in one line rather than print the whole help.
#[command(name = "wisp", version, arg_required_else_help = false, after_help = errors::EXIT_CODES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
#[allow(clippy::large_enum_variant)] // parsed once per process
enum Command {
    Run(run::RunCommand),
    Wast(wast::WastCommand),
    Validate(validate::ValidateCommand),
    Inspect(inspect::InspectCommand),
    Compile(compile::CompileCommand),
    CreateExe(create_exe::CreateExeCommand),
    Cache(cache::CacheCommand),
    Push(package::PushCommand),
    Pull(package::PullCommand),
    Publish(package::PublishCommand),
    Serve(serve::ServeCommand),
}

fn main() -> ExitCode {
    errors::install_panic_hook();
    let command = match parse() {
        Ok(command) => command,
        Err(e) => return errors::report_usage(&e),
    };
    let mut out = std::io::stdout().lock();
    let outcome = match command {
        Command::Run(run) => run.execute(&mut out),
        Command::Wast(wast) => wast.execute(&mut out),
        Command::Validate(validate) => validate.execute(&mut out),
        Command::Inspect(inspect) => inspect.execute(&mut out).map(|()| ExitCode::SUCCESS),
        // What they wrote is reported on stderr: their stdout stays empty
        // for scripts that chain commands.
        Command::Compile(compile) => compile.execute(&mut std::io::stderr()),
        Command::CreateExe(create) => create.execute(&mut std::io::stderr()),
        Command::Cache(cache) => cache.execute(&mut out),
        Command::Push(push) => push.execute(&mut out),
        Command::Pull(pull) => pull.execute(&mut out),
        Command::Publish(publish) => publish.execute(&mut out),
        Command::Serve(serve) => serve.execute(),
    };
    outcome.unwrap_or_else(|e| errors::report(&e))
}

/// Parses the command line.
///
/// `wisp run` is tried first with only its own options defined: building
/// clap's description of every command costs more than instantiating a
/// small module, and start-up time is what `run` is judged by. Whatever
/// that quick parse does not accept (`--help`, a mistake) is parsed again
/// against the whole command tree, so help and error messages are the
/// same either way.
fn parse() -> Result<Command, clap::Error> {
    let args: Vec<OsString> = std::env::args_os().collect();
    if let Some(run) = parse_run(&args) {
        return Ok(Command::Run(run));
    }
    Cli::try_parse_from(args).map(|cli| cli.command)
}

/// `args` as a `wisp run` command line, if it is a valid one.
fn parse_run(args: &[OsString]) -> Option<run::RunCommand> {
    if args.get(1).is_none_or(|first| first != "run") {
        return None;
    }
    let run = run::RunCommand::augment_args(clap::Command::new("run"));
    let matches = clap::Command::new("wisp").subcommand(run).try_get_matches_from(args).ok()?;
    match matches.subcommand() {
        Some(("run", matches)) => run::RunCommand::from_arg_matches(matches).ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<OsString> {
        line.split(' ').map(OsString::from).collect()
    }

    #[test]
    fn quick_run_parse_agrees_with_the_whole_command_tree() {
        let lines = [
            "wisp run app.wasm",
            "wisp run --dir . --tier interp app.wasm -- a b",
            "wisp run --dir /tmp::/data --env A=1 --fuel 100 --timeout 5s app.wasm x",
            "wisp run app.wat --invoke fib 20",
            "wisp run --invoke add math.wasm -- -1 0x10",
            "wisp run --no-cache --max-call-depth 9 --no-memory-reservation --tier cranelift a.wasm -x",
            "wisp run --dir-ro a::b --inherit-env --no-clocks --no-random --deterministic a.wasm",
            "wisp run --tcplisten 127.0.0.1:0 --max-wasm-stack 65536 a.wasm",
            "wisp run --wasm simd=n app.wasm",
            "wisp run --registry http://127.0.0.1:5000 --refresh acme/hello@1 a b",
            "wisp run --offline ghcr.io/acme/hello:1.0.0",
            "wisp run --command count acme/wc@1 -- -l",
            "wisp run --version",
        ];
        for line in lines {
            let quick = parse_run(&args(line)).unwrap_or_else(|| panic!("quick parse of {line}"));
            let Command::Run(whole) = Cli::try_parse_from(args(line)).unwrap().command else {
                panic!("{line} is not a run command");
            };
            assert_eq!(format!("{quick:?}"), format!("{whole:?}"), "{line}");
        }
    }

    #[test]
    fn quick_run_parse_leaves_help_and_mistakes_to_the_whole_tree() {
        for line in ["wisp run", "wisp run --help", "wisp run --tier x a.wasm"] {
            assert!(parse_run(&args(line)).is_none(), "{line}");
            assert!(Cli::try_parse_from(args(line)).is_err(), "{line}");
        }
        assert!(parse_run(&args("wisp validate run")).is_none());
    }
}
