//! `wisp wast`: runs WebAssembly specification test scripts.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow};
use clap::Args;

use crate::errors::{self, EXIT_CODES, one_line};
use crate::options::EngineOptions;

/// Failures listed per script; the count covers the rest.
const MAX_FAILURES_SHOWN: usize = 10;

/// Runs `.wast` specification test scripts.
///
/// Prints, per script, how many directives passed and failed, then the
/// first failures with their line numbers.
///
/// Example: `wisp wast --wasm tail-call tests/return_call.wast`.
#[derive(Args, Debug)]
#[command(after_help = EXIT_CODES)]
pub struct WastCommand {
    #[command(flatten)]
    engine: EngineOptions,

    /// The scripts to run. Example: `tests/*.wast`.
    #[arg(value_name = "FILE", required = true)]
    files: Vec<PathBuf>,
}

impl WastCommand {
    pub fn execute(self, out: &mut impl Write) -> Result<ExitCode> {
        // Built once up front so a configuration this build cannot run is
        // reported once, not per script.
        let engine = self.engine.engine()?;
        errors::check_each(&self.files, out, |file, out| {
            let name = file.display();
            let script =
                std::fs::read_to_string(file).with_context(|| format!("cannot read {name}"))?;
            let outcome = wisp_wast::run(&script, engine.config())
                .map_err(|e| anyhow!("{name}: cannot run script: {e}"))?;
            writeln!(out, "{name}: {} passed, {} failed", outcome.passed, outcome.failed)?;
            for failure in outcome.failures.iter().take(MAX_FAILURES_SHOWN) {
                writeln!(out, "  line {}: {}", failure.line, one_line(&failure.message))?;
            }
            if outcome.failures.len() > MAX_FAILURES_SHOWN {
                writeln!(out, "  ... and {} more", outcome.failures.len() - MAX_FAILURES_SHOWN)?;
            }
            Ok(outcome.failed == 0)
        })
    }
}
