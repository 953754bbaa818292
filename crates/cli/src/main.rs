//! `wisp`, the command-line face of the Wisp WebAssembly runtime.

mod args;
mod cache;
mod compile;
mod create_exe;
mod errors;
mod input;
mod inspect;
mod limits;
mod options;
mod progress;
mod run;
mod validate;
mod wasi;
mod wast;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
}

fn main() -> ExitCode {
    errors::install_panic_hook();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return errors::report_usage(&e),
    };
    let mut out = std::io::stdout().lock();
    let outcome = match cli.command {
        Command::Run(run) => run.execute(&mut out),
        Command::Wast(wast) => wast.execute(&mut out),
        Command::Validate(validate) => validate.execute(&mut out),
        Command::Inspect(inspect) => inspect.execute(&mut out).map(|()| ExitCode::SUCCESS),
        Command::Compile(compile) => compile.execute(&mut out),
        Command::CreateExe(create) => create.execute(&mut out),
        Command::Cache(cache) => cache.execute(&mut out),
    };
    outcome.unwrap_or_else(|e| errors::report(&e))
}
