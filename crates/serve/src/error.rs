//! The one error type of the serve host.

use std::fmt;
use std::path::PathBuf;

/// Why the server could not start, reload or read its configuration.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The configuration is wrong: `file:line: key: message`.
    Config {
        /// The configuration file, if it came from one.
        file: Option<PathBuf>,
        /// The 1-based line of the offending key, if known.
        line: Option<usize>,
        /// The key, as a path (`route[2].timeout`).
        key: String,
        /// What is wrong with it.
        message: String,
    },
    /// A route's module could not be loaded, compiled or linked.
    App {
        /// The route, as written in the configuration.
        route: String,
        /// Why, with its causes.
        message: String,
    },
    /// An address could not be bound, a file read, a runtime started.
    Io {
        /// What was being done.
        what: String,
        /// The system's reason.
        source: std::io::Error,
    },
}

impl Error {
    pub(crate) fn config(key: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Config { file: None, line: None, key: key.into(), message: message.into() }
    }

    pub(crate) fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io { what: what.into(), source }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Config { file, line, key, message } => {
                match (file, line) {
                    (Some(file), Some(line)) => write!(f, "{}:{line}: ", file.display())?,
                    (Some(file), None) => write!(f, "{}: ", file.display())?,
                    (None, Some(line)) => write!(f, "line {line}: ")?,
                    (None, None) => {}
                }
                if key.is_empty() { write!(f, "{message}") } else { write!(f, "{key}: {message}") }
            }
            Error::App { route, message } => write!(f, "route {route}: {message}"),
            Error::Io { what, source } => write!(f, "{what}: {source}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
