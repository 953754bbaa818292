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
    decode(path, read(path)?)
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

/// [`read_module`] of the contents `bytes` of `path`.
fn decode(path: &Path, bytes: Vec<u8>) -> Result<Vec<u8>> {
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

/// The module in `path`, decoded and validated for `engine`. With a
/// compiling engine, `path` may also be an artifact from `wisp compile`,
/// and with `cache` modules come from the compile cache.
pub fn load_module(engine: &Engine, path: &Path, cache: bool) -> Result<Module> {
    let context = || path.display().to_string();
    let compiling = engine.compatibility_hash().is_some();
    let bytes = read(path)?;
    if Module::is_artifact(&bytes) {
        if !compiling {
            anyhow::bail!(
                "{} is a precompiled artifact: run it with `--tier cranelift` (or the default tier)",
                path.display()
            );
        }
        // SAFETY: the user named this artifact to run it; loading checks
        // that it was made by this Wisp for this machine and settings.
        return unsafe { Module::deserialize(engine, &bytes) }.with_context(context);
    }
    let binary = decode(path, bytes)?;
    if compiling && cache {
        return crate::cache::load(engine, &binary).with_context(context);
    }
    Module::from_binary(engine, &binary).with_context(context)
}

/// The module `binary` (a package's, named `name`), loaded as a file's
/// would be: through the compile cache, which keys entries by content.
pub fn load_module_bytes(
    engine: &Engine,
    name: &str,
    binary: &[u8],
    cache: bool,
) -> Result<Module> {
    if engine.compatibility_hash().is_some() && cache {
        return crate::cache::load(engine, binary).with_context(|| name.to_string());
    }
    Module::from_binary(engine, binary).with_context(|| name.to_string())
}

/// Checks that the module in `path` is valid for `engine`.
pub fn validate_module(engine: &Engine, path: &Path) -> Result<()> {
    let binary = read_module(path)?;
    Module::validate(engine, &binary).with_context(|| path.display().to_string())
}
