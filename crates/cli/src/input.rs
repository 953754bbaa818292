//! Reading module files, in the binary or the text format.

use std::path::Path;

use anyhow::{Context, Result, anyhow};
use wisp::{Engine, Module};

use crate::errors::one_line;

/// The binary encoding of the module in `path`.
///
/// The format is decided by the content, so a text module in a `.wasm`
/// file works; content that looks like neither is treated as text only if
/// the file is named `.wat`, so that the error speaks of the format meant.
pub fn read_module(path: &Path) -> Result<Vec<u8>> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let is_text = match wat::Detect::from_bytes(&bytes) {
        wat::Detect::WasmText => true,
        wat::Detect::WasmBinary => false,
        wat::Detect::Unknown => path.extension().is_some_and(|ext| ext == "wat"),
    };
    if !is_text {
        return Ok(bytes);
    }
    match wat::parse_bytes(&bytes) {
        Ok(binary) => Ok(binary.into_owned()),
        Err(e) => Err(anyhow!("{}: invalid text module: {}", path.display(), one_line(&e))),
    }
}

/// The module in `path`, decoded and validated for `engine`.
pub fn load_module(engine: &Engine, path: &Path) -> Result<Module> {
    let binary = read_module(path)?;
    Module::from_binary(engine, &binary).with_context(|| path.display().to_string())
}

/// Checks that the module in `path` is valid for `engine`.
pub fn validate_module(engine: &Engine, path: &Path) -> Result<()> {
    let binary = read_module(path)?;
    Module::validate(engine, &binary).with_context(|| path.display().to_string())
}
