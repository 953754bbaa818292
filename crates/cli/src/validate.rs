//! `wisp validate`: checks modules without running them.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use crate::errors::{self, EXIT_CODES};
use crate::input::validate_module;
use crate::options::FeatureOptions;

/// Checks that modules are valid, without running them.
///
/// Prints `FILE: valid` for each valid module and an error line, on
/// stderr, for each invalid one.
///
/// Example: `wisp validate --wasm memory64 a.wasm b.wat`.
#[derive(Args, Debug)]
#[command(after_help = EXIT_CODES)]
pub struct ValidateCommand {
    #[command(flatten)]
    features: FeatureOptions,

    /// The modules to check, `.wasm` or `.wat`. Example: `*.wasm`.
    #[arg(value_name = "FILE", required = true)]
    files: Vec<PathBuf>,
}

impl ValidateCommand {
    pub fn execute(self, out: &mut impl Write) -> Result<ExitCode> {
        let engine = self.features.engine()?;
        errors::check_each(&self.files, out, |file, out| {
            validate_module(&engine, file)?;
            writeln!(out, "{}: valid", file.display())?;
            Ok(true)
        })
    }
}
