//! Which registry serves a namespace, and over which protocol.
//!
//! The default registry comes from `--registry URL`, else `WISP_REGISTRY`,
//! else `registry` in `~/.config/wisp/config.toml`, whose `[namespaces]`
//! table maps namespaces to registries of their own:
//!
//! ```toml
//! registry = "https://registry.example.com"
//!
//! [namespaces]
//! acme = "http://127.0.0.1:5000/mirror"
//! ```
//!
//! `--registry` decides for every namespace. A registry is reached over
//! HTTPS unless its URL says `http://`; such a host is then plain HTTP for
//! full references too.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, ErrorKind, Result};
use crate::reference::{NamedReference, OciReference, Target, VersionSelector};

/// A registry: where `NS/NAME` references are looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registry {
    /// `HOST[:PORT]`.
    pub host: String,
    /// A repository prefix (`org` in `https://ghcr.io/org`), maybe empty.
    pub prefix: String,
    /// Plain HTTP, because the URL said `http://`.
    pub plain_http: bool,
}

impl Registry {
    /// Parses `https://HOST[:PORT][/PREFIX]`, `http://…`, or a bare
    /// `HOST[:PORT][/PREFIX]` (HTTPS). `origin` names where the URL came
    /// from, for the error.
    pub fn parse(url: &str, origin: &str) -> Result<Self> {
        let bad = |reason: &str| -> Error {
            ErrorKind::Config {
                source: origin.to_string(),
                reason: format!("`{url}` is not a registry URL: {reason}"),
            }
            .into()
        };
        let (plain_http, rest) = if let Some(rest) = url.strip_prefix("http://") {
            (true, rest)
        } else if let Some(rest) = url.strip_prefix("https://") {
            (false, rest)
        } else if url.contains("://") {
            return Err(bad("only http:// and https:// are supported"));
        } else {
            (false, url)
        };
        let rest = rest.trim_end_matches('/');
        let (host, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        // Reuse the reference grammar to check the host and the prefix.
        let probe = format!("{host}/{}", if prefix.is_empty() { "x" } else { prefix });
        probe.parse::<OciReference>().map_err(|_| bad("expected SCHEME://HOST[:PORT][/PREFIX]"))?;
        Ok(Self { host: host.to_string(), prefix: prefix.to_string(), plain_http })
    }
}

/// The registries a command may use.
#[derive(Debug, Clone, Default)]
pub struct RegistryConfig {
    /// The registry for namespaces not mapped below.
    pub default: Option<Registry>,
    /// Registries of particular namespaces.
    pub namespaces: BTreeMap<String, Registry>,
    /// `--registry` was given: it serves every namespace.
    pub forced: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    registry: Option<String>,
    #[serde(default)]
    namespaces: BTreeMap<String, String>,
}

impl RegistryConfig {
    /// The configuration from `--registry` (`flag`), `WISP_REGISTRY` and
    /// the configuration file ([`config_file`]).
    pub fn load(flag: Option<&str>) -> Result<Self> {
        let mut config = match config_file() {
            Some(path) => Self::from_file(&path)?,
            None => Self::default(),
        };
        if let Some(url) = std::env::var("WISP_REGISTRY").ok().filter(|u| !u.is_empty()) {
            config.default = Some(Registry::parse(&url, "WISP_REGISTRY")?);
        }
        if let Some(url) = flag {
            config.default = Some(Registry::parse(url, "--registry")?);
            config.forced = true;
        }
        Ok(config)
    }

    /// The configuration in `path`; a missing file is an empty one.
    pub fn from_file(path: &Path) -> Result<Self> {
        let origin = path.display().to_string();
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(e) => {
                return Err(ErrorKind::Config { source: origin, reason: e.to_string() }.into());
            }
        };
        let file: ConfigFile = toml::from_str(&text).map_err(|e| ErrorKind::Config {
            source: origin.clone(),
            reason: one_line_toml_error(&text, &e),
        })?;
        let default = file.registry.map(|url| Registry::parse(&url, &origin)).transpose()?;
        let mut namespaces = BTreeMap::new();
        for (namespace, url) in file.namespaces {
            namespaces.insert(namespace, Registry::parse(&url, &origin)?);
        }
        Ok(Self { default, namespaces, forced: false })
    }

    /// The registry that serves `namespace`.
    pub fn registry_for(&self, namespace: &str) -> Result<&Registry> {
        let mapped = if self.forced { None } else { self.namespaces.get(namespace) };
        mapped
            .or(self.default.as_ref())
            .ok_or_else(|| ErrorKind::NoRegistry { namespace: namespace.to_string() }.into())
    }

    /// Hosts to be reached over plain HTTP.
    pub fn plain_http_hosts(&self) -> Vec<String> {
        let all = self.default.iter().chain(self.namespaces.values());
        let mut hosts: Vec<String> = all.filter(|r| r.plain_http).map(|r| r.host.clone()).collect();
        hosts.sort();
        hosts.dedup();
        hosts
    }

    /// The repository that `named` lives in, with a tag or digest still to
    /// choose for a version requirement (the returned target is then
    /// `latest`, a placeholder).
    pub fn locate(&self, named: &NamedReference) -> Result<OciReference> {
        let registry = self.registry_for(&named.namespace)?;
        let mut repository = String::new();
        if !registry.prefix.is_empty() {
            repository.push_str(&registry.prefix);
            repository.push('/');
        }
        repository.push_str(&named.namespace);
        repository.push('/');
        repository.push_str(&named.name);
        let target = match &named.version {
            VersionSelector::Digest(digest) => Target::Digest(digest.clone()),
            _ => Target::Tag("latest".to_string()),
        };
        Ok(OciReference { registry: registry.host.clone(), repository, target })
    }
}

/// `$WISP_CONFIG`, else `$XDG_CONFIG_HOME/wisp/config.toml`, else
/// `~/.config/wisp/config.toml`.
pub fn config_file() -> Option<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(path) = var("WISP_CONFIG") {
        return Some(path);
    }
    let base = var("XDG_CONFIG_HOME").or_else(|| var("HOME").map(|h| h.join(".config")))?;
    Some(base.join("wisp").join("config.toml"))
}

/// A TOML error as `message (at line L, column C)`.
pub(crate) fn one_line_toml_error(text: &str, error: &toml::de::Error) -> String {
    let message = error.message().trim().replace('\n', " ");
    match error.span() {
        Some(span) => {
            let before = text.get(..span.start).unwrap_or(text);
            let line = before.matches('\n').count() + 1;
            let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
            format!("{message} (at line {line}, column {column})")
        }
        None => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_urls_say_their_protocol() {
        let r = Registry::parse("http://127.0.0.1:5000", "test").unwrap();
        assert_eq!(
            (r.host.as_str(), r.prefix.as_str(), r.plain_http),
            ("127.0.0.1:5000", "", true)
        );
        let r = Registry::parse("https://ghcr.io/org/", "test").unwrap();
        assert_eq!((r.host.as_str(), r.prefix.as_str(), r.plain_http), ("ghcr.io", "org", false));
        let r = Registry::parse("registry.example.com", "test").unwrap();
        assert!(!r.plain_http);
        for bad in ["ftp://x.org", "http://", "https://Bad Host", "http://h:0"] {
            let e = Registry::parse(bad, "--registry").unwrap_err().to_string();
            assert!(e.starts_with("--registry: "), "{e}");
        }
    }

    #[test]
    fn namespaces_map_to_registries_unless_one_is_forced() {
        let dir = std::env::temp_dir().join(format!("wisp-config-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("config.toml");
        std::fs::write(
            &path,
            "registry = \"https://main.example\"\n[namespaces]\nacme = \"http://127.0.0.1:5000/m\"\n",
        )
        .unwrap();
        let mut config = RegistryConfig::from_file(&path).unwrap();
        let named = |s: &str| match s.parse().unwrap() {
            crate::Reference::Named(n) => n,
            _ => unreachable!(),
        };
        let at = config.locate(&named("acme/tool@1")).unwrap();
        assert_eq!(at.to_string(), "127.0.0.1:5000/m/acme/tool:latest");
        assert_eq!(config.plain_http_hosts(), vec!["127.0.0.1:5000".to_string()]);
        let at = config.locate(&named("other/tool")).unwrap();
        assert_eq!(at.repository_url(), "main.example/other/tool");
        config.forced = true;
        assert_eq!(config.locate(&named("acme/tool")).unwrap().registry, "main.example");

        std::fs::write(&path, "registry = 5\n").unwrap();
        let e = RegistryConfig::from_file(&path).unwrap_err().to_string();
        assert!(e.contains("(at line 1, column 12)"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(RegistryConfig::default().registry_for("x").is_err());
    }
}
