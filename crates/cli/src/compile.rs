//! `wisp compile`: ahead-of-time compilation to an artifact.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;
use wisp::{Engine, Module};

use crate::input::read_module;
use crate::options::CodegenOptions;

/// Compiles a module ahead of time with Cranelift.
///
/// Writes an artifact (a relocatable object file with Wisp's metadata)
/// that `wisp run` runs without compiling. It only runs on the same Wisp
/// version, target and settings; anything else is refused with a clear
/// error.
#[derive(Args, Debug)]
#[command(after_help = "Examples:\n  wisp compile app.wasm -o app.cwisp\n  wisp run app.cwisp")]
pub struct CompileCommand {
    #[command(flatten)]
    codegen: CodegenOptions,

    /// Where to write the artifact (default: FILE with the extension
    /// `.cwisp`). Example: `-o app.cwisp`.
    #[arg(short, long, value_name = "OUT")]
    output: Option<PathBuf>,

    /// The module, a `.wasm` binary or a `.wat` text file.
    #[arg(value_name = "FILE")]
    file: PathBuf,
}

impl CompileCommand {
    /// Compiles and writes the artifact, saying so on `log`.
    pub fn execute(self, log: &mut impl Write) -> Result<ExitCode> {
        let engine = Engine::new(&self.codegen.config())?;
        let wasm = read_module(&self.file)?;
        let artifact = crate::progress::while_compiling(|| Module::precompile(&engine, &wasm))
            .with_context(|| self.file.display().to_string())?;
        let output = self.output.unwrap_or_else(|| self.file.with_extension("cwisp"));
        std::fs::write(&output, &artifact)
            .with_context(|| format!("cannot write {}", output.display()))?;
        writeln!(log, "wrote {} ({} bytes)", output.display(), artifact.len())?;
        Ok(ExitCode::SUCCESS)
    }
}
