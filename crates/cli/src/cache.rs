//! The compile cache: `wisp run` compiles a module once and reuses the
//! artifact from then on.
//!
//! Entries live in `$WISP_CACHE_DIR`, else `$XDG_CACHE_HOME/wisp`, else
//! `~/.cache/wisp`, named by a hash of the module's bytes and of the
//! engine's compatibility hash (Wisp version, target, CPU features,
//! code-affecting settings). Entries are written to a temporary file and
//! renamed into place, so concurrent runs never see a partial entry; an
//! entry that fails to load (damaged, or from another build) is replaced.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use wisp::{Engine, Module};

/// The cache directory.
pub fn dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("WISP_CACHE_DIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d));
    }
    if let Some(d) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d).join("wisp"));
    }
    let home = std::env::var_os("HOME").filter(|d| !d.is_empty())?;
    Some(PathBuf::from(home).join(".cache").join("wisp"))
}

fn entry_path(dir: &Path, engine: &Engine, wasm: &[u8]) -> Option<PathBuf> {
    Some(dir.join(format!("{}.cwisp", engine.cache_key(wasm)?)))
}

/// The module for `wasm`, from the cache when possible; compiles and
/// stores it otherwise. Without a usable cache directory it just compiles.
pub fn load(engine: &Engine, wasm: &[u8]) -> Result<Module> {
    let Some(path) = dir().and_then(|d| entry_path(&d, engine, wasm)) else {
        return compile(engine, wasm);
    };
    if let Ok(bytes) = std::fs::read(&path) {
        // SAFETY: cache entries are artifacts this program wrote into the
        // user's own cache directory; the header check rejects entries
        // from other builds or settings and damaged ones.
        match unsafe { Module::deserialize(engine, &bytes) } {
            Ok(module) => return Ok(module),
            Err(_) => {
                let _ = std::fs::remove_file(&path);
            }
        }
    }
    let started = Instant::now();
    let artifact = precompile(engine, wasm)?;
    // SAFETY: we produced these bytes just now with this engine.
    let module = unsafe { Module::deserialize(engine, &artifact) }?;
    // A cache that cannot be written only costs speed.
    let _ = store(&path, &artifact);
    if started.elapsed().as_secs() >= 1 && crate::progress::enabled() {
        eprintln!("wisp: compiled in {:.1?}; cached for next time", started.elapsed());
    }
    Ok(module)
}

fn compile(engine: &Engine, wasm: &[u8]) -> Result<Module> {
    let artifact = precompile(engine, wasm)?;
    // SAFETY: we produced these bytes just now with this engine.
    Ok(unsafe { Module::deserialize(engine, &artifact) }?)
}

fn precompile(engine: &Engine, wasm: &[u8]) -> Result<Vec<u8>> {
    Ok(crate::progress::while_compiling(|| Module::precompile(engine, wasm))?)
}

/// Writes `bytes` to `path` atomically.
fn store(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(
        ".tmp-{}-{}",
        std::process::id(),
        path.file_name().and_then(|n| n.to_str()).unwrap_or("entry")
    ));
    let mut file = std::fs::File::create(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// Inspects or clears the compile cache and the package cache.
#[derive(Args, Debug)]
pub struct CacheCommand {
    #[command(subcommand)]
    action: CacheAction,
}

#[derive(Subcommand, Debug)]
enum CacheAction {
    /// Prints the cache directory.
    Dir,
    /// Prints how many entries the cache holds and their total size.
    Stats,
    /// Deletes every cache entry (packages are kept: `remove` them).
    Clean,
    /// Lists the cached packages: reference and manifest digest.
    Packages,
    /// Removes cached packages: every version of `NAMESPACE/NAME` or
    /// `HOST/REPOSITORY`, or those matching `@VERSION`, `:TAG` or
    /// `@sha256:…`, with the blobs nothing else needs.
    Remove {
        #[command(flatten)]
        package: crate::package::PackageOptions,
        /// Example: `acme/hello@1`.
        #[arg(value_name = "REF")]
        reference: String,
    },
}

impl CacheCommand {
    /// Runs the subcommand.
    pub fn execute(self, out: &mut impl Write) -> Result<ExitCode> {
        let dir = dir().context("no cache directory: set WISP_CACHE_DIR or HOME")?;
        let entries = || -> Vec<(PathBuf, u64)> {
            let Ok(rd) = std::fs::read_dir(&dir) else { return Vec::new() };
            rd.filter_map(|e| e.ok())
                .filter(|e| e.path().extension().is_some_and(|x| x == "cwisp"))
                .map(|e| (e.path(), e.metadata().map_or(0, |m| m.len())))
                .collect()
        };
        match self.action {
            CacheAction::Dir => writeln!(out, "{}", dir.display())?,
            CacheAction::Stats => {
                let list = entries();
                let bytes: u64 = list.iter().map(|(_, n)| n).sum();
                writeln!(out, "directory: {}", dir.display())?;
                writeln!(out, "entries:   {}", list.len())?;
                writeln!(out, "size:      {bytes} bytes ({:.1} MiB)", bytes as f64 / 1048576.0)?;
                let packages = wisp_package::Cache::new(crate::package::cache_dir()?);
                let (count, bytes) = (packages.records().len(), packages.size());
                writeln!(
                    out,
                    "packages:  {count} ({bytes} bytes in {})",
                    packages.root().display()
                )?;
            }
            CacheAction::Clean => {
                let list = entries();
                for (path, _) in &list {
                    std::fs::remove_file(path)
                        .with_context(|| format!("cannot remove {}", path.display()))?;
                }
                writeln!(out, "removed {} entries from {}", list.len(), dir.display())?;
            }
            CacheAction::Packages => crate::package::list_cached(out)?,
            CacheAction::Remove { package, reference } => {
                crate::package::remove_cached(&package, &reference, out)?;
            }
        }
        Ok(ExitCode::SUCCESS)
    }
}
