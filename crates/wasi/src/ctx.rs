//! The per-guest WASI state and its builder.

use std::path::Path;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use crate::layout::{filetype, rights};
use crate::pipe::OutputPipe;
use crate::table::{Descriptor, Dir, Input, Kind, Output, Table};

/// What a preopened directory lets the guest do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DirPerms {
    /// List the directory and open files under it for reading.
    pub read: bool,
    /// Create, modify, rename and remove entries under it.
    pub write: bool,
}

impl DirPerms {
    /// Reading and writing.
    pub const ALL: DirPerms = DirPerms { read: true, write: true };
    /// Reading only.
    pub const READ: DirPerms = DirPerms { read: true, write: false };
}

/// Realtime clock reading of a deterministic context at start:
/// 2024-01-01T00:00:00Z, in nanoseconds.
pub(crate) const DETERMINISTIC_EPOCH_NS: u64 = 1_704_067_200_000_000_000;

/// A small seeded generator (SplitMix64) for deterministic contexts.
#[derive(Debug, Clone)]
pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let bytes = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }
}

/// Time as the guest sees it.
#[derive(Debug)]
pub(crate) enum Clock {
    /// The host's clocks; monotonic time counts from context creation.
    Host { start: Instant },
    /// Virtual time that only moves when the guest sleeps.
    Virtual { elapsed_ns: u64 },
}

impl Clock {
    pub fn monotonic_ns(&self) -> u64 {
        match self {
            Clock::Host { start } => u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX),
            Clock::Virtual { elapsed_ns } => *elapsed_ns,
        }
    }

    pub fn realtime_ns(&self) -> u64 {
        match self {
            Clock::Host { .. } => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)),
            Clock::Virtual { elapsed_ns } => DETERMINISTIC_EPOCH_NS.saturating_add(*elapsed_ns),
        }
    }
}

/// Everything a guest can reach through WASI: arguments, environment,
/// open descriptors (stdio and preopened directories), clocks and
/// randomness. Build one with [`WasiCtxBuilder`].
#[derive(Debug)]
pub struct WasiCtx {
    pub(crate) args: Vec<String>,
    pub(crate) env: Vec<String>,
    pub(crate) table: Table,
    pub(crate) clock: Clock,
    pub(crate) clocks_allowed: bool,
    pub(crate) random_allowed: bool,
    pub(crate) rng: Option<SplitMix64>,
}

impl WasiCtx {
    /// A builder for a context that grants nothing yet.
    pub fn builder() -> WasiCtxBuilder {
        WasiCtxBuilder::new()
    }

    /// An empty stand-in, used while the real context is lent out to a call.
    pub(crate) fn placeholder() -> WasiCtx {
        WasiCtx {
            args: Vec::new(),
            env: Vec::new(),
            table: Table::default(),
            clock: Clock::Virtual { elapsed_ns: 0 },
            clocks_allowed: false,
            random_allowed: false,
            rng: None,
        }
    }
}

/// Configures a [`WasiCtx`].
///
/// By default the guest gets no arguments, no environment, no directories,
/// stdin reads as empty and stdout/stderr are discarded; clocks and
/// randomness are available.
#[derive(Debug)]
pub struct WasiCtxBuilder {
    args: Vec<String>,
    env: Vec<(String, String)>,
    preopens: Vec<(cap_std::fs::Dir, String, DirPerms)>,
    listeners: Vec<std::net::TcpListener>,
    stdin: Input,
    stdout: Output,
    stderr: Output,
    clocks: bool,
    random: bool,
    seed: Option<u64>,
}

impl Default for WasiCtxBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl WasiCtxBuilder {
    /// A builder that grants nothing but clocks and randomness.
    pub fn new() -> Self {
        Self {
            args: Vec::new(),
            env: Vec::new(),
            preopens: Vec::new(),
            listeners: Vec::new(),
            stdin: Input::Bytes { data: Vec::new(), pos: 0 },
            stdout: Output::Sink,
            stderr: Output::Sink,
            clocks: true,
            random: true,
            seed: None,
        }
    }

    /// Appends one argument (the first is conventionally the program name).
    pub fn arg(&mut self, arg: impl Into<String>) -> &mut Self {
        self.args.push(arg.into());
        self
    }

    /// Appends arguments.
    pub fn args<I: IntoIterator<Item = S>, S: Into<String>>(&mut self, args: I) -> &mut Self {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Sets an environment variable (later settings of a key win).
    pub fn env(&mut self, key: impl Into<String>, value: impl Into<String>) -> &mut Self {
        let key = key.into();
        self.env.retain(|(k, _)| *k != key);
        self.env.push((key, value.into()));
        self
    }

    /// Copies the host process's environment (variables that are not
    /// valid UTF-8 are skipped).
    pub fn inherit_env(&mut self) -> &mut Self {
        for (k, v) in std::env::vars_os() {
            if let (Ok(k), Ok(v)) = (k.into_string(), v.into_string()) {
                self.env(k, v);
            }
        }
        self
    }

    /// Grants the guest the host directory `host_path` under the name
    /// `guest_path`. Paths the guest opens under it are resolved by
    /// cap-std, so nothing outside `host_path` is reachable.
    pub fn preopened_dir(
        &mut self,
        host_path: impl AsRef<Path>,
        guest_path: impl Into<String>,
        perms: DirPerms,
    ) -> std::io::Result<&mut Self> {
        let dir =
            cap_std::fs::Dir::open_ambient_dir(host_path.as_ref(), cap_std::ambient_authority())?;
        self.preopens.push((dir, guest_path.into(), perms));
        Ok(self)
    }

    /// Grants the guest a listening TCP socket, on which it can
    /// `sock_accept` connections. Listeners take the descriptors after the
    /// preopened directories, in the order they were added.
    pub fn preopened_listener(&mut self, listener: std::net::TcpListener) -> &mut Self {
        self.listeners.push(listener);
        self
    }

    /// The guest reads the host process's stdin.
    pub fn inherit_stdin(&mut self) -> &mut Self {
        self.stdin = Input::Inherit;
        self
    }

    /// The guest writes to the host process's stdout.
    pub fn inherit_stdout(&mut self) -> &mut Self {
        self.stdout = Output::Stdout;
        self
    }

    /// The guest writes to the host process's stderr.
    pub fn inherit_stderr(&mut self) -> &mut Self {
        self.stderr = Output::Stderr;
        self
    }

    /// All three of the host process's standard streams.
    pub fn inherit_stdio(&mut self) -> &mut Self {
        self.inherit_stdin().inherit_stdout().inherit_stderr()
    }

    /// The guest's stdin yields `bytes`, then end of file.
    pub fn stdin(&mut self, bytes: impl Into<Vec<u8>>) -> &mut Self {
        self.stdin = Input::Bytes { data: bytes.into(), pos: 0 };
        self
    }

    /// The guest's stdout goes into `pipe`.
    pub fn stdout(&mut self, pipe: OutputPipe) -> &mut Self {
        self.stdout = Output::Pipe(pipe);
        self
    }

    /// The guest's stderr goes into `pipe`.
    pub fn stderr(&mut self, pipe: OutputPipe) -> &mut Self {
        self.stderr = Output::Pipe(pipe);
        self
    }

    /// The guest's stdout is appended to `file`.
    pub fn stdout_file(&mut self, file: std::fs::File) -> &mut Self {
        self.stdout = Output::File(file);
        self
    }

    /// The guest's stderr is appended to `file`.
    pub fn stderr_file(&mut self, file: std::fs::File) -> &mut Self {
        self.stderr = Output::File(file);
        self
    }

    /// Whether `clock_time_get`, `clock_res_get` and clock subscriptions
    /// work (default: yes). When off they fail with `ENOTCAPABLE`.
    pub fn allow_clocks(&mut self, allow: bool) -> &mut Self {
        self.clocks = allow;
        self
    }

    /// Whether `random_get` works (default: yes). When off it fails with
    /// `ENOTCAPABLE`.
    pub fn allow_random(&mut self, allow: bool) -> &mut Self {
        self.random = allow;
        self
    }

    /// Makes runs reproducible: clocks start at 2024-01-01T00:00:00Z (and
    /// monotonic zero) and advance only when the guest sleeps, and
    /// `random_get` yields a stream determined by `seed`.
    pub fn deterministic(&mut self, seed: u64) -> &mut Self {
        self.seed = Some(seed);
        self
    }

    /// The context. Preopened directories take descriptors 3, 4, … in the
    /// order they were added, then the listening sockets.
    pub fn build(&mut self) -> WasiCtx {
        let mut table = Table::default();
        let stream = |kind| Descriptor { kind, base: rights::STREAM, inheriting: 0 };
        let stdin = std::mem::replace(&mut self.stdin, Input::Bytes { data: Vec::new(), pos: 0 });
        table.insert_at(0, stream(Kind::Stdin(stdin)));
        table.insert_at(1, stream(Kind::Output(std::mem::replace(&mut self.stdout, Output::Sink))));
        table.insert_at(2, stream(Kind::Output(std::mem::replace(&mut self.stderr, Output::Sink))));
        let mut fd = 3;
        for (dir, guest, perms) in self.preopens.drain(..) {
            let (base, inheriting) = dir_rights(perms);
            let kind = Kind::Dir(Dir { dir, preopen: Some(guest), perms });
            table.insert_at(fd, Descriptor { kind, base, inheriting });
            fd += 1;
        }
        for listener in self.listeners.drain(..) {
            let kind = Kind::Listener(listener);
            table.insert_at(
                fd,
                Descriptor { kind, base: rights::LISTENER, inheriting: rights::SOCKET },
            );
            fd += 1;
        }
        let (clock, rng) = match self.seed {
            Some(seed) => (Clock::Virtual { elapsed_ns: 0 }, Some(SplitMix64(seed))),
            None => (Clock::Host { start: Instant::now() }, None),
        };
        WasiCtx {
            args: std::mem::take(&mut self.args),
            env: self.env.drain(..).map(|(k, v)| format!("{k}={v}")).collect(),
            table,
            clock,
            clocks_allowed: self.clocks,
            random_allowed: self.random,
            rng,
        }
    }
}

/// The rights of a directory opened under `perms`, and what it passes on.
pub(crate) fn dir_rights(perms: DirPerms) -> (u64, u64) {
    let mut base = rights::DIRECTORY;
    let mut inheriting = rights::DIRECTORY | rights::FILE;
    if !perms.write {
        base &= !rights::DIRECTORY_WRITE;
        inheriting &= !(rights::DIRECTORY_WRITE | rights::FILE_WRITE);
    }
    if !perms.read {
        base &= !rights::FD_READDIR;
        inheriting &= !(rights::FD_READDIR | rights::FD_READ);
    }
    (base, inheriting)
}

/// The filetype of a standard stream: a character device when it is a
/// terminal, otherwise unknown (a pipe or file of the host).
pub(crate) fn stream_filetype(kind: &Kind) -> u8 {
    use std::io::IsTerminal;
    let tty = match kind {
        Kind::Stdin(Input::Inherit) => std::io::stdin().is_terminal(),
        Kind::Output(Output::Stdout) => std::io::stdout().is_terminal(),
        Kind::Output(Output::Stderr) => std::io::stderr().is_terminal(),
        Kind::Listener(_) | Kind::Socket(_) => return filetype::SOCKET_STREAM,
        _ => false,
    };
    if tty { filetype::CHARACTER_DEVICE } else { filetype::UNKNOWN }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_is_reproducible() {
        let mut a = SplitMix64(42);
        let mut b = SplitMix64(42);
        let mut x = [0u8; 13];
        let mut y = [0u8; 13];
        a.fill(&mut x);
        b.fill(&mut y);
        assert_eq!(x, y);
        assert_ne!(x, [0u8; 13]);
        assert_ne!(SplitMix64(1).next_u64(), SplitMix64(2).next_u64());
    }

    #[test]
    fn read_only_dirs_pass_on_no_write_rights() {
        let (base, inheriting) = dir_rights(DirPerms::READ);
        assert_eq!(base & rights::PATH_CREATE_FILE, 0);
        assert_eq!(inheriting & rights::FD_WRITE, 0);
        assert_ne!(inheriting & rights::FD_READ, 0);
    }
}
