//! Package references: `NS/NAME[@VERSION]` on a configured registry, or a
//! full OCI reference `HOST[:PORT]/REPO[:TAG|@sha256:HEX]`.
//!
//! Whether an argument names a file or a package is not decided here: an
//! existing path always means the file, and only the caller can look.

use std::fmt;
use std::str::FromStr;

use semver::VersionReq;

use crate::digest::Digest;
use crate::error::{Error, Result};

/// What a command line names as a package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reference {
    /// `NS/NAME[@VERSION]`, resolved against a configured registry.
    Named(NamedReference),
    /// `HOST[:PORT]/REPO[:TAG|@sha256:HEX]`.
    Oci(OciReference),
}

/// `NS/NAME` with what to take of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedReference {
    /// The namespace, which picks the registry.
    pub namespace: String,
    /// The package's name within the namespace.
    pub name: String,
    /// Which version.
    pub version: VersionSelector,
}

/// Which version of a named package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionSelector {
    /// The highest release (no pre-releases).
    Latest,
    /// The highest version that meets a semver requirement, as written.
    Requirement(String, VersionReq),
    /// Exactly this manifest.
    Digest(Digest),
}

/// A full reference: registry, repository and tag or digest.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OciReference {
    /// `HOST[:PORT]`.
    pub registry: String,
    /// The repository path, `a/b/c`.
    pub repository: String,
    /// The tag or the digest.
    pub target: Target,
}

/// A tag or a digest within a repository.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Target {
    /// A tag, which the registry resolves to a digest.
    Tag(String),
    /// A manifest digest, which never changes.
    Digest(Digest),
}

impl FromStr for Reference {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        let first = text.split('/').next().unwrap_or_default();
        if text.contains("://") {
            return Err(Error::invalid_reference(
                text,
                "a reference has no scheme; to use plain HTTP, give the registry as \
                 --registry http://HOST:PORT",
            ));
        }
        if looks_like_host(first) && text.contains('/') {
            return text.parse().map(Reference::Oci);
        }
        parse_named(text).map(Reference::Named)
    }
}

/// Whether the first path component names a registry host, as Docker
/// decides it: it has a dot or a port, or is `localhost`.
fn looks_like_host(component: &str) -> bool {
    component.contains('.') || component.contains(':') || component == "localhost"
}

fn parse_named(text: &str) -> Result<NamedReference> {
    let (path, version) = match text.split_once('@') {
        Some((path, version)) => (path, Some(version)),
        None => (text, None),
    };
    let Some((namespace, name)) = path.split_once('/') else {
        return Err(Error::invalid_reference(
            text,
            "expected NAMESPACE/NAME[@VERSION] or HOST[:PORT]/REPOSITORY[:TAG|@sha256:HEX]",
        ));
    };
    if name.contains(':') {
        return Err(Error::invalid_reference(
            text,
            "a NAMESPACE/NAME reference takes its version after `@` (NAMESPACE/NAME@1.2)",
        ));
    }
    check_component(text, namespace)?;
    check_component(text, name)?;
    let version = match version {
        None => VersionSelector::Latest,
        Some(v) if v.starts_with("sha256:") => VersionSelector::Digest(parse_digest(text, v)?),
        Some(v) => match VersionReq::parse(v) {
            Ok(req) => VersionSelector::Requirement(v.to_string(), req),
            Err(e) => {
                return Err(Error::invalid_reference(
                    text,
                    format!("`{v}` is not a semver requirement ({e})"),
                ));
            }
        },
    };
    Ok(NamedReference { namespace: namespace.to_string(), name: name.to_string(), version })
}

impl FromStr for OciReference {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        let Some((registry, rest)) = text.split_once('/') else {
            return Err(Error::invalid_reference(text, "expected HOST[:PORT]/REPOSITORY"));
        };
        check_host(text, registry)?;
        let (repository, target) = if let Some((repo, digest)) = rest.split_once('@') {
            (repo, Target::Digest(parse_digest(text, digest)?))
        } else {
            // A colon after the last slash starts the tag.
            let last = rest.rfind('/').map_or(0, |i| i + 1);
            match rest[last..].find(':') {
                Some(i) => {
                    let tag = &rest[last + i + 1..];
                    check_tag(text, tag)?;
                    (&rest[..last + i], Target::Tag(tag.to_string()))
                }
                None => (rest, Target::Tag("latest".to_string())),
            }
        };
        check_repository(text, repository)?;
        Ok(Self { registry: registry.to_string(), repository: repository.to_string(), target })
    }
}

fn parse_digest(text: &str, digest: &str) -> Result<Digest> {
    Digest::parse(digest).ok_or_else(|| {
        Error::invalid_reference(text, "a digest is `sha256:` and 64 lowercase hex digits")
    })
}

/// `HOST[:PORT]`: letters, digits, dots and dashes, an optional port.
fn check_host(text: &str, host: &str) -> Result<()> {
    let (name, port) = match host.rsplit_once(':') {
        Some((name, port)) => (name, Some(port)),
        None => (host, None),
    };
    let name_ok = !name.is_empty()
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
        });
    let port_ok = port.is_none_or(|p| p.parse::<u16>().is_ok_and(|p| p > 0));
    if name_ok && port_ok {
        Ok(())
    } else {
        Err(Error::invalid_reference(text, format!("`{host}` is not a registry HOST[:PORT]")))
    }
}

pub(crate) fn check_repository(text: &str, repository: &str) -> Result<()> {
    if repository.is_empty() {
        return Err(Error::invalid_reference(text, "the repository is empty"));
    }
    repository.split('/').try_for_each(|c| check_component(text, c))
}

/// A path component as OCI allows it: lowercase letters and digits,
/// separated by `.`, `_`, `__` or dashes. (So never `..`, never empty.)
fn check_component(text: &str, component: &str) -> Result<()> {
    let bytes = component.as_bytes();
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let separator = |b: u8| matches!(b, b'.' | b'_' | b'-');
    let mut ok =
        bytes.first().is_some_and(|&b| alnum(b)) && bytes.last().is_some_and(|&b| alnum(b));
    for pair in bytes.windows(2) {
        if separator(pair[0]) && separator(pair[1]) {
            // Only `__` and runs of dashes may stand together.
            ok &= (pair[0] == b'_' && pair[1] == b'_') || (pair[0] == b'-' && pair[1] == b'-');
        }
    }
    ok &= bytes.iter().all(|&b| alnum(b) || separator(b));
    ok &= !component.contains("___") && !component.contains("_-") && !component.contains("-_");
    if ok {
        Ok(())
    } else {
        Err(Error::invalid_reference(
            text,
            format!(
                "`{component}` is not a valid name: use lowercase letters and digits, \
                 separated by `.`, `_` or `-`"
            ),
        ))
    }
}

/// A tag: `[A-Za-z0-9_][A-Za-z0-9._-]{0,127}`.
pub(crate) fn check_tag(text: &str, tag: &str) -> Result<()> {
    let bytes = tag.as_bytes();
    let ok = !bytes.is_empty()
        && bytes.len() <= 128
        && (bytes[0].is_ascii_alphanumeric() || bytes[0] == b'_')
        && bytes.iter().all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid_reference(text, format!("`{tag}` is not a valid tag")))
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reference::Named(named) => named.fmt(f),
            Reference::Oci(oci) => oci.fmt(f),
        }
    }
}

impl fmt::Display for NamedReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.namespace, self.name)?;
        match &self.version {
            VersionSelector::Latest => Ok(()),
            VersionSelector::Requirement(text, _) => write!(f, "@{text}"),
            VersionSelector::Digest(digest) => write!(f, "@{digest}"),
        }
    }
}

impl fmt::Display for OciReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        match &self.target {
            Target::Tag(tag) => write!(f, ":{tag}"),
            Target::Digest(digest) => write!(f, "@{digest}"),
        }
    }
}

impl OciReference {
    /// The same repository at another target.
    pub fn with_target(&self, target: Target) -> Self {
        Self { registry: self.registry.clone(), repository: self.repository.clone(), target }
    }

    /// `HOST[:PORT]/REPO`, without tag or digest.
    pub fn repository_url(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn named(text: &str) -> NamedReference {
        match text.parse::<Reference>().unwrap() {
            Reference::Named(n) => n,
            other => panic!("{text} parsed as {other:?}"),
        }
    }

    fn oci(text: &str) -> OciReference {
        match text.parse::<Reference>().unwrap() {
            Reference::Oci(o) => o,
            other => panic!("{text} parsed as {other:?}"),
        }
    }

    #[test]
    fn named_references_take_semver_requirements() {
        let r = named("acme/hello");
        assert_eq!((r.namespace.as_str(), r.name.as_str()), ("acme", "hello"));
        assert_eq!(r.version, VersionSelector::Latest);
        for (text, matches, not) in [
            ("acme/hello@1", "1.9.0", "2.0.0"),
            ("acme/hello@1.4", "1.4.7", "1.3.0"),
            ("acme/hello@=1.4.2", "1.4.2", "1.4.3"),
            ("acme/hello@^1.2", "1.8.0", "1.1.0"),
        ] {
            let VersionSelector::Requirement(_, req) = named(text).version else { panic!() };
            assert!(req.matches(&matches.parse().unwrap()), "{text} {matches}");
            assert!(!req.matches(&not.parse().unwrap()), "{text} {not}");
        }
        let r = named(&format!("acme/hello@sha256:{HEX}"));
        assert!(matches!(r.version, VersionSelector::Digest(_)));
        assert_eq!(r.to_string(), format!("acme/hello@sha256:{HEX}"));
    }

    #[test]
    fn full_references_have_a_host_and_a_tag_or_digest() {
        let r = oci("127.0.0.1:5000/acme/hello:1.0.0");
        assert_eq!(r.registry, "127.0.0.1:5000");
        assert_eq!(r.repository, "acme/hello");
        assert_eq!(r.target, Target::Tag("1.0.0".into()));
        let r = oci("ghcr.io/a/b/c");
        assert_eq!(r.target, Target::Tag("latest".into()));
        assert_eq!(r.repository, "a/b/c");
        let r = oci(&format!("localhost/x@sha256:{HEX}"));
        assert_eq!(
            r.target.clone(),
            Target::Digest(Digest::parse(&format!("sha256:{HEX}")).unwrap())
        );
        assert_eq!(r.to_string(), format!("localhost/x@sha256:{HEX}"));
    }

    #[test]
    fn bad_references_are_errors_that_say_why() {
        for text in [
            "hello",
            "acme/hello:1.0",
            "acme/Hello",
            "acme/../x",
            "acme/hello@not-a-version",
            "acme/hello@sha256:123",
            "ghcr.io/",
            "ghcr.io/a/b:bad tag",
            "ghcr.io:99999/a",
            "http://127.0.0.1:5000/a/b",
            "acme//hello",
            "acme/-x",
        ] {
            let e = text.parse::<Reference>().unwrap_err().to_string();
            assert!(e.starts_with(&format!("invalid package reference `{text}`")), "{e}");
            assert!(!e.contains('\n'), "{e}");
        }
    }
}
