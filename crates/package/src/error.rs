//! The one error type of this crate.

use std::fmt;
use std::path::PathBuf;

/// Why a package operation failed.
///
/// Every message is one line and names what was asked for; none contains a
/// credential.
#[derive(Debug)]
pub struct Error {
    kind: Box<ErrorKind>,
}

/// What went wrong, for callers that act on the kind of failure.
#[derive(Debug)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A reference could not be parsed.
    InvalidReference {
        /// The text given.
        reference: String,
        /// What is wrong with it.
        reason: String,
    },
    /// No registry is configured for a `NS/NAME` reference.
    NoRegistry {
        /// The namespace that has no registry.
        namespace: String,
    },
    /// A registry URL or the configuration file is invalid.
    Config {
        /// Where the setting came from (a flag, a variable, a file).
        source: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The registry could not be reached.
    Unreachable {
        /// The registry's host and port.
        registry: String,
        /// The transport's reason, on one line.
        reason: String,
    },
    /// The registry refused access (401 or 403).
    Unauthorized {
        /// The registry's host and port.
        registry: String,
        /// Where the credentials came from, or `None` if none were sent.
        credentials: Option<String>,
    },
    /// The repository does not exist.
    PackageNotFound {
        /// The reference that was looked up.
        reference: String,
        /// Where it was looked for.
        tried: String,
    },
    /// The repository exists but has no such tag or digest.
    VersionNotFound {
        /// The reference that was looked up.
        reference: String,
        /// Where it was looked for.
        tried: String,
        /// The versions (tags) that do exist.
        available: Vec<String>,
    },
    /// The version to push already exists and replacing it was not allowed.
    VersionExists {
        /// The reference that exists.
        reference: String,
    },
    /// The manifest or a blob does not have the form a Wasm package has.
    InvalidPackage {
        /// The package.
        reference: String,
        /// What is wrong.
        reason: String,
    },
    /// A blob's bytes do not match the digest or size that names them.
    Integrity {
        /// The expected digest.
        digest: String,
        /// What did not match.
        reason: String,
    },
    /// A limit on manifest size, layer count or layer size was exceeded.
    TooLarge {
        /// What was too large.
        what: String,
        /// The limit, in bytes or items.
        limit: u64,
    },
    /// `--offline` was asked for and the cache does not hold what is needed.
    Offline {
        /// The reference that would need the network.
        reference: String,
    },
    /// The cache directory could not be read or written.
    Cache {
        /// The path involved.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The registry answered something unexpected.
    Registry {
        /// The registry's host and port.
        registry: String,
        /// Its answer, on one line.
        reason: String,
    },
    /// A credential helper failed.
    Credentials {
        /// The helper or file involved.
        source: String,
        /// What went wrong (never the secret).
        reason: String,
    },
}

impl Error {
    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    pub(crate) fn cache(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        ErrorKind::Cache { path: path.into(), source }.into()
    }

    pub(crate) fn invalid_reference(reference: &str, reason: impl Into<String>) -> Self {
        ErrorKind::InvalidReference { reference: reference.to_string(), reason: reason.into() }
            .into()
    }

    pub(crate) fn invalid_package(reference: impl fmt::Display, reason: impl Into<String>) -> Self {
        ErrorKind::InvalidPackage { reference: reference.to_string(), reason: reason.into() }.into()
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        Self { kind: Box::new(kind) }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &*self.kind {
            ErrorKind::InvalidReference { reference, reason } => {
                write!(f, "invalid package reference `{reference}`: {reason}")
            }
            ErrorKind::NoRegistry { namespace } => write!(
                f,
                "no registry for the namespace `{namespace}`: pass --registry URL, set \
                 WISP_REGISTRY, or map it in ~/.config/wisp/config.toml"
            ),
            ErrorKind::Config { source, reason } => write!(f, "{source}: {reason}"),
            ErrorKind::Unreachable { registry, reason } => {
                write!(f, "cannot reach the registry {registry}: {reason}")
            }
            ErrorKind::Unauthorized { registry, credentials: Some(source) } => write!(
                f,
                "the registry {registry} refused the credentials from {source} (unauthorized)"
            ),
            ErrorKind::Unauthorized { registry, credentials: None } => write!(
                f,
                "the registry {registry} requires credentials: set WISP_REGISTRY_USER and \
                 WISP_REGISTRY_PASSWORD (or WISP_REGISTRY_TOKEN), or log in with docker"
            ),
            ErrorKind::PackageNotFound { reference, tried } => {
                write!(f, "no package `{reference}`: tried {tried}, which does not exist")
            }
            ErrorKind::VersionNotFound { reference, tried, available } => {
                write!(f, "no version of `{reference}` matches: tried {tried}; ")?;
                if available.is_empty() {
                    write!(f, "it has no versions")
                } else {
                    write!(f, "versions available: {}", available.join(", "))
                }
            }
            ErrorKind::VersionExists { reference } => {
                write!(f, "{reference} already exists; pass --force to replace it")
            }
            ErrorKind::InvalidPackage { reference, reason } => {
                write!(f, "{reference} is not a Wasm package Wisp can run: {reason}")
            }
            ErrorKind::Integrity { digest, reason } => {
                write!(f, "blob {digest} failed verification: {reason}")
            }
            ErrorKind::TooLarge { what, limit } => {
                write!(f, "{what} exceeds the limit of {limit}")
            }
            ErrorKind::Offline { reference } => write!(
                f,
                "{reference} is not in the package cache and --offline forbids the network"
            ),
            ErrorKind::Cache { path, source } => {
                write!(f, "package cache {}: {source}", path.display())
            }
            ErrorKind::Registry { registry, reason } => write!(f, "registry {registry}: {reason}"),
            ErrorKind::Credentials { source, reason } => {
                write!(f, "credentials from {source}: {reason}")
            }
        }
    }
}

// The messages already include their causes, so no `source()`: a chain
// printed on one line would say them twice.
impl std::error::Error for Error {}

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
