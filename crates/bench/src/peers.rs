//! The runtimes timed as whole processes: Wisp's own command line, per
//! tier, and the peers it is compared with, installed on demand with
//! `cargo install` at pinned versions.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

/// A command line that runs a WASI program: `program ARGS... FILE`, in the
/// program's directory, with that directory preopened as `.`.
#[derive(Debug, Clone)]
pub struct Runtime {
    /// The name in tables: `wisp-interp`, `wasmtime`, ...
    pub name: String,
    /// The executable.
    pub program: PathBuf,
    /// The arguments before the module's file name.
    pub args: Vec<String>,
    /// What `--version` printed.
    pub version: String,
}

impl Runtime {
    /// `wisp run --dir . --tier TIER`.
    pub fn wisp(binary: &Path, tier: &str) -> Runtime {
        let args = ["run", "--dir", ".", "--tier", tier].map(String::from).to_vec();
        Runtime {
            name: format!("wisp-{tier}"),
            program: binary.to_path_buf(),
            args,
            version: version_of(binary),
        }
    }

    /// The command running `file` (a name relative to the working directory).
    pub fn command(&self, file: &Path) -> Vec<OsString> {
        let mut argv = vec![self.program.clone().into_os_string()];
        argv.extend(self.args.iter().map(OsString::from));
        argv.push(file.as_os_str().to_owned());
        argv
    }
}

/// A peer runtime at a pinned version.
#[derive(Debug, Clone, Copy)]
pub struct Peer {
    /// The name in tables, and of its executable.
    pub name: &'static str,
    /// The crate `cargo install` builds it from.
    pub krate: &'static str,
    /// The pinned version.
    pub version: &'static str,
    /// Cargo features to build it with.
    pub features: &'static str,
    /// Arguments before the module, preopening `.`.
    pub args: &'static [&'static str],
}

/// The peers, in the order tables list them.
pub const PEERS: [Peer; 3] = [
    Peer {
        name: "wasmtime",
        krate: "wasmtime-cli",
        version: "48.0.8",
        features: "",
        args: &["run", "--dir", "."],
    },
    Peer {
        name: "wasmer",
        krate: "wasmer-cli",
        version: "7.4.2",
        features: "cranelift,singlepass",
        // wasmer 7 starts WASI programs in `/home`, which must exist in the
        // guest's file system (its deprecated `--dir .` does not provide
        // it): the program's directory is mounted there and at `.`, where
        // relative paths resolve.
        args: &["run", "--cranelift", "--volume", ".:/home", "--volume", ".:."],
    },
    Peer {
        name: "wasmi",
        krate: "wasmi_cli",
        version: "2.0.0",
        features: "",
        args: &["--dir", "."],
    },
];

/// Where peers are installed: `$WISP_PEERS`, else `~/.cache/wisp/peers`.
pub fn default_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("WISP_PEERS") {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
    home.join(".cache/wisp/peers")
}

impl Peer {
    /// `DIR/bin/NAME`, if it is there.
    pub fn locate(&self, dir: &Path) -> Option<PathBuf> {
        let path = dir.join("bin").join(self.name);
        path.is_file().then_some(path)
    }

    /// What installing it runs.
    pub fn install_command(&self, dir: &Path) -> Command {
        let mut command = Command::new(std::env::var_os("CARGO").unwrap_or("cargo".into()));
        command.args(["install", "--locked", "--root"]).arg(dir);
        command.arg(format!("{}@{}", self.krate, self.version));
        if !self.features.is_empty() {
            command.args(["--features", self.features]);
        }
        command
    }

    /// Installs it into `dir` with `cargo install`, progress on stderr.
    pub fn install(&self, dir: &Path) -> Result<PathBuf> {
        let status = self
            .install_command(dir)
            .status()
            .with_context(|| format!("cannot run cargo to install {}", self.krate))?;
        if !status.success() {
            bail!("installing {}@{} failed ({status})", self.krate, self.version);
        }
        self.locate(dir)
            .with_context(|| format!("{} is not in {} after installing", self.name, dir.display()))
    }

    /// The runtime for its executable at `path`.
    pub fn runtime(&self, path: &Path) -> Runtime {
        Runtime {
            name: self.name.to_string(),
            program: path.to_path_buf(),
            args: self.args.iter().map(|a| a.to_string()).collect(),
            version: version_of(path),
        }
    }
}

/// The first line `PROGRAM --version` prints, or `unknown version`.
pub fn version_of(program: &Path) -> String {
    let output = Command::new(program).arg("--version").output();
    let text = output.map(|o| String::from_utf8_lossy(&o.stdout).into_owned()).unwrap_or_default();
    match text.lines().next() {
        Some(line) if !line.trim().is_empty() => line.trim().to_string(),
        _ => "unknown version".to_string(),
    }
}
