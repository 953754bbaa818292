//! The error type of the embedding API.

use std::fmt;

use crate::trap::{Backtrace, Trap};

/// Everything that can go wrong in the embedding API.
///
/// Traps carry their [`Trap`] code and a Wasm [`Backtrace`]; other kinds
/// describe what failed in words.
pub struct Error {
    kind: Box<ErrorKind>,
}

/// What an [`Error`] is about.
#[derive(Debug)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The module failed to decode or validate.
    Wasm(wisp_environ::WasmError),
    /// The text format failed to parse.
    Text(String),
    /// Execution trapped.
    Trap {
        /// Why.
        trap: Trap,
        /// Where, innermost frame first.
        backtrace: Backtrace,
    },
    /// Instantiation failed to resolve or match an import.
    Link(String),
    /// A value or function did not have the expected type.
    Type(String),
    /// A configured limit or the host's resources were exceeded.
    Resource(String),
    /// The module uses something this engine does not support.
    Unsupported(String),
    /// A host function failed.
    Host(Box<dyn std::error::Error + Send + Sync>),
    /// The guest asked to exit with a status code (WASI `proc_exit`).
    Exit(i32),
    /// Reading a module file failed.
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        error: std::io::Error,
    },
}

impl Error {
    pub(crate) fn new(kind: ErrorKind) -> Self {
        Self { kind: Box::new(kind) }
    }

    /// The kind of failure.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// The trap code, if execution trapped.
    pub fn trap(&self) -> Option<Trap> {
        match *self.kind {
            ErrorKind::Trap { trap, .. } => Some(trap),
            _ => None,
        }
    }

    /// The Wasm backtrace, if execution trapped.
    pub fn backtrace(&self) -> Option<&Backtrace> {
        match &*self.kind {
            ErrorKind::Trap { backtrace, .. } => Some(backtrace),
            _ => None,
        }
    }

    /// The exit status, if the guest asked to exit.
    pub fn exit_status(&self) -> Option<i32> {
        match *self.kind {
            ErrorKind::Exit(code) => Some(code),
            _ => None,
        }
    }

    /// An error raised by a host function.
    pub fn host(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::new(ErrorKind::Host(error.into()))
    }

    /// A request from the guest to exit with `code`.
    pub fn exit(code: i32) -> Self {
        Self::new(ErrorKind::Exit(code))
    }

    /// A trap raised by a host function.
    pub fn from_trap(trap: Trap) -> Self {
        Self::new(ErrorKind::Trap { trap, backtrace: Backtrace::default() })
    }

    pub(crate) fn link(msg: impl Into<String>) -> Self {
        Self::new(ErrorKind::Link(msg.into()))
    }

    pub(crate) fn ty(msg: impl Into<String>) -> Self {
        Self::new(ErrorKind::Type(msg.into()))
    }

    pub(crate) fn resource(msg: impl Into<String>) -> Self {
        Self::new(ErrorKind::Resource(msg.into()))
    }

    pub(crate) fn unsupported(msg: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unsupported(msg.into()))
    }

    /// Attaches a backtrace to a trap that has none yet.
    pub(crate) fn with_backtrace(mut self, bt: impl FnOnce() -> Backtrace) -> Self {
        if let ErrorKind::Trap { backtrace, .. } = &mut *self.kind
            && backtrace.frames().is_empty()
        {
            *backtrace = bt();
        }
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &*self.kind {
            ErrorKind::Wasm(e) => write!(f, "invalid module: {e}"),
            ErrorKind::Text(e) => write!(f, "invalid text module: {e}"),
            ErrorKind::Trap { trap, .. } => write!(f, "wasm trap: {trap}"),
            ErrorKind::Link(e) => write!(f, "link error: {e}"),
            ErrorKind::Type(e) => write!(f, "type mismatch: {e}"),
            ErrorKind::Resource(e) => write!(f, "resource limit: {e}"),
            ErrorKind::Unsupported(e) => write!(f, "unsupported: {e}"),
            ErrorKind::Host(e) => write!(f, "host error: {e}"),
            ErrorKind::Exit(code) => write!(f, "guest exited with status {code}"),
            ErrorKind::Io { path, error } => write!(f, "cannot read {}: {error}", path.display()),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")?;
        if let Some(bt) = self.backtrace()
            && !bt.frames().is_empty()
        {
            write!(f, "\n{bt}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &*self.kind {
            // The Display of `Wasm` and `Io` errors already includes the
            // cause, so chained output would repeat it.
            ErrorKind::Host(e) => Some(&**e),
            _ => None,
        }
    }
}

impl From<wisp_environ::WasmError> for Error {
    fn from(e: wisp_environ::WasmError) -> Self {
        Self::new(ErrorKind::Wasm(e))
    }
}

impl From<wasmparser::BinaryReaderError> for Error {
    fn from(e: wasmparser::BinaryReaderError) -> Self {
        Self::new(ErrorKind::Wasm(e.into()))
    }
}

impl From<Trap> for Error {
    fn from(trap: Trap) -> Self {
        Self::from_trap(trap)
    }
}

/// Shorthand for results of the embedding API.
pub type Result<T, E = Error> = std::result::Result<T, E>;
