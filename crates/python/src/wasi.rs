//! `WasiConfig`: what a WASI guest may see and reach.

use std::path::PathBuf;

use pyo3::prelude::*;
use wisp_wasi::{DirPerms, OutputPipe, WasiCtx, WasiCtxBuilder};

use crate::errors::wisp_error;

/// Where a guest's standard output or error goes.
#[derive(Clone, Debug)]
enum Output {
    Discard,
    Inherit,
    Capture(Option<usize>),
    File(PathBuf),
}

/// What a WASI guest may see and reach; give it to `Store(engine,
/// wasi=config)` or `Store.set_wasi`. Nothing is granted by default: no
/// arguments, environment, files, input or output. A configuration may
/// be used for any number of stores.
#[pyclass(module = "wisp", unsendable)]
#[derive(Clone, Debug)]
pub struct WasiConfig {
    /// The guest's arguments, `argv[0]` first.
    #[pyo3(get, set)]
    argv: Vec<String>,
    /// The guest's environment variables.
    #[pyo3(get, set)]
    env: Vec<(String, String)>,
    inherit_env: bool,
    stdin: Option<Vec<u8>>,
    inherit_stdin: bool,
    stdout: Output,
    stderr: Output,
    preopens: Vec<(PathBuf, String, bool)>,
    /// Whether the guest may read clocks (default: True).
    #[pyo3(get, set)]
    clocks: bool,
    /// Whether the guest may read random bytes (default: True).
    #[pyo3(get, set)]
    random: bool,
    seed: Option<u64>,
}

#[pymethods]
impl WasiConfig {
    #[new]
    fn new() -> Self {
        Self {
            argv: Vec::new(),
            env: Vec::new(),
            inherit_env: false,
            stdin: None,
            inherit_stdin: false,
            stdout: Output::Discard,
            stderr: Output::Discard,
            preopens: Vec::new(),
            clocks: true,
            random: true,
            seed: None,
        }
    }

    /// The guest sees this process's environment.
    fn inherit_env(&mut self) {
        self.inherit_env = true;
    }

    /// The guest reads `data`, then end of file, from its standard input.
    fn set_stdin_bytes(&mut self, data: Vec<u8>) {
        self.stdin = Some(data);
        self.inherit_stdin = false;
    }

    /// The guest reads this process's standard input.
    fn inherit_stdin(&mut self) {
        self.inherit_stdin = true;
    }

    /// The guest's standard output goes to this process's.
    fn inherit_stdout(&mut self) {
        self.stdout = Output::Inherit;
    }

    /// The guest's standard error goes to this process's.
    fn inherit_stderr(&mut self) {
        self.stderr = Output::Inherit;
    }

    /// The guest's standard output is kept, up to `limit` bytes, and read
    /// as `Store.stdout`.
    #[pyo3(signature = (limit = None))]
    fn capture_stdout(&mut self, limit: Option<usize>) {
        self.stdout = Output::Capture(limit);
    }

    /// The guest's standard error is kept, up to `limit` bytes, and read
    /// as `Store.stderr`.
    #[pyo3(signature = (limit = None))]
    fn capture_stderr(&mut self, limit: Option<usize>) {
        self.stderr = Output::Capture(limit);
    }

    /// The guest's standard output is appended to the file at `path`.
    fn stdout_file(&mut self, path: PathBuf) {
        self.stdout = Output::File(path);
    }

    /// The guest's standard error is appended to the file at `path`.
    fn stderr_file(&mut self, path: PathBuf) {
        self.stderr = Output::File(path);
    }

    /// Grants the host directory `host_path` as `guest_path`, read-only
    /// unless `writable`. Nothing outside it is reachable through it.
    #[pyo3(signature = (host_path, guest_path, writable = false))]
    fn preopen_dir(&mut self, host_path: PathBuf, guest_path: String, writable: bool) {
        self.preopens.push((host_path, guest_path, writable));
    }

    /// Makes runs reproducible: clocks start at 2024-01-01 and advance
    /// only when the guest sleeps; random bytes come from `seed`.
    fn deterministic(&mut self, seed: u64) {
        self.seed = Some(seed);
    }
}

type Setter<A> = fn(&mut WasiCtxBuilder, A) -> &mut WasiCtxBuilder;

impl Output {
    /// Sends stdout or stderr (by the builder's setters for it) where this
    /// says; returns the pipe when captured.
    fn apply(
        &self,
        b: &mut WasiCtxBuilder,
        inherit: fn(&mut WasiCtxBuilder) -> &mut WasiCtxBuilder,
        to_pipe: Setter<OutputPipe>,
        to_file: Setter<std::fs::File>,
    ) -> PyResult<Option<OutputPipe>> {
        match self {
            Output::Discard => {}
            Output::Inherit => {
                inherit(b);
            }
            Output::Capture(limit) => {
                let pipe = limit.map_or_else(OutputPipe::new, OutputPipe::with_limit);
                to_pipe(b, pipe.clone());
                return Ok(Some(pipe));
            }
            Output::File(path) => {
                to_file(b, open_append(path)?);
            }
        }
        Ok(None)
    }
}

fn open_append(path: &PathBuf) -> PyResult<std::fs::File> {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| wisp_error("io", format!("{}: {e}", path.display())))
}

impl WasiConfig {
    /// A context, and the pipes of captured outputs.
    pub(crate) fn build(&self) -> PyResult<(WasiCtx, Option<OutputPipe>, Option<OutputPipe>)> {
        let mut b = WasiCtx::builder();
        b.args(self.argv.iter().cloned());
        if self.inherit_env {
            b.inherit_env();
        }
        for (k, v) in &self.env {
            b.env(k.clone(), v.clone());
        }
        if self.inherit_stdin {
            b.inherit_stdin();
        } else if let Some(data) = &self.stdin {
            b.stdin(data.clone());
        }
        let stdout = self.stdout.apply(
            &mut b,
            WasiCtxBuilder::inherit_stdout,
            WasiCtxBuilder::stdout,
            WasiCtxBuilder::stdout_file,
        )?;
        let stderr = self.stderr.apply(
            &mut b,
            WasiCtxBuilder::inherit_stderr,
            WasiCtxBuilder::stderr,
            WasiCtxBuilder::stderr_file,
        )?;
        for (host, guest, writable) in &self.preopens {
            let perms = if *writable { DirPerms::ALL } else { DirPerms::READ };
            b.preopened_dir(host, guest.clone(), perms)
                .map_err(|e| wisp_error("io", format!("{}: {e}", host.display())))?;
        }
        b.allow_clocks(self.clocks).allow_random(self.random);
        if let Some(seed) = self.seed {
            b.deterministic(seed);
        }
        Ok((b.build(), stdout, stderr))
    }
}
