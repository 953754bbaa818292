//! Registry credentials: from the environment, or from Docker's
//! configuration and its credential helpers.
//!
//! In order: `WISP_REGISTRY_TOKEN` (a bearer token), then
//! `WISP_REGISTRY_USER` with `WISP_REGISTRY_PASSWORD`, then the Docker
//! configuration (`$DOCKER_CONFIG/config.json`, else
//! `~/.docker/config.json`): its `credHelpers` entry for the host, its
//! `auths` entry, then its `credsStore`. Secrets are held in memory only:
//! never printed, logged or written to the cache.

use std::fmt;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use base64::Engine as _;
use serde::Deserialize;

use crate::error::{ErrorKind, Result};

/// Credentials for one registry, and where they came from.
#[derive(Clone, PartialEq, Eq)]
pub enum Credentials {
    /// No credentials: anonymous access.
    Anonymous,
    /// HTTP basic authentication (also used to obtain a bearer token).
    Basic {
        /// The user name.
        user: String,
        /// The password.
        password: String,
        /// Where they came from, for messages.
        origin: String,
    },
    /// A bearer token.
    Token {
        /// The token.
        token: String,
        /// Where it came from, for messages.
        origin: String,
    },
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.origin() {
            None => f.write_str("Credentials::Anonymous"),
            Some(origin) => write!(f, "Credentials(from {origin}, redacted)"),
        }
    }
}

impl Credentials {
    /// Where the credentials came from; `None` when anonymous.
    pub fn origin(&self) -> Option<&str> {
        match self {
            Credentials::Anonymous => None,
            Credentials::Basic { origin, .. } | Credentials::Token { origin, .. } => Some(origin),
        }
    }

    /// The credentials for `host` (`HOST[:PORT]`).
    pub fn for_host(host: &str) -> Result<Self> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        if let Some(token) = var("WISP_REGISTRY_TOKEN") {
            return Ok(Credentials::Token { token, origin: "WISP_REGISTRY_TOKEN".into() });
        }
        if let Some(user) = var("WISP_REGISTRY_USER") {
            let password = var("WISP_REGISTRY_PASSWORD").unwrap_or_default();
            return Ok(Credentials::Basic {
                user,
                password,
                origin: "WISP_REGISTRY_USER/WISP_REGISTRY_PASSWORD".into(),
            });
        }
        match docker_config_path() {
            Some(path) => from_docker_config(&path, host),
            None => Ok(Credentials::Anonymous),
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct DockerConfig {
    #[serde(default)]
    auths: std::collections::BTreeMap<String, DockerAuth>,
    #[serde(default)]
    cred_helpers: std::collections::BTreeMap<String, String>,
    creds_store: Option<String>,
}

#[derive(Deserialize, Default)]
struct DockerAuth {
    auth: Option<String>,
    username: Option<String>,
    password: Option<String>,
    identitytoken: Option<String>,
}

fn docker_config_path() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("DOCKER_CONFIG").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir).join("config.json"));
    }
    let home = std::env::var_os("HOME").filter(|h| !h.is_empty())?;
    Some(PathBuf::from(home).join(".docker").join("config.json"))
}

fn from_docker_config(path: &std::path::Path, host: &str) -> Result<Credentials> {
    let origin = path.display().to_string();
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Credentials::Anonymous),
        Err(e) => return Err(cred_error(&origin, e.to_string())),
    };
    let config: DockerConfig = serde_json::from_str(&text)
        .map_err(|e| cred_error(&origin, format!("invalid JSON ({e})")))?;
    if let Some(helper) = config.cred_helpers.get(host) {
        return run_helper(helper, host);
    }
    let entry = config.auths.iter().find(|(key, _)| auth_key_matches(key, host));
    if let Some((_, auth)) = entry {
        if let Some(token) = auth.identitytoken.clone().filter(|t| !t.is_empty()) {
            return Ok(Credentials::Token { token, origin });
        }
        if let (Some(user), Some(password)) = (&auth.username, &auth.password) {
            return Ok(Credentials::Basic {
                user: user.clone(),
                password: password.clone(),
                origin,
            });
        }
        if let Some(encoded) = &auth.auth {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(encoded.trim())
                .ok()
                .and_then(|d| String::from_utf8(d).ok())
                .ok_or_else(|| {
                    cred_error(&origin, format!("the `auth` of {host} is not base64"))
                })?;
            let Some((user, password)) = decoded.split_once(':') else {
                return Err(cred_error(
                    &origin,
                    format!("the `auth` of {host} is not USER:PASSWORD"),
                ));
            };
            return Ok(Credentials::Basic {
                user: user.to_string(),
                password: password.to_string(),
                origin,
            });
        }
    }
    match &config.creds_store {
        Some(store) if !store.is_empty() => run_helper(store, host),
        _ => Ok(Credentials::Anonymous),
    }
}

/// Docker writes keys as `host`, `host:port` or `https://host/v1/`.
fn auth_key_matches(key: &str, host: &str) -> bool {
    let key = key.strip_prefix("https://").or_else(|| key.strip_prefix("http://")).unwrap_or(key);
    key.split('/').next() == Some(host)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct HelperAnswer {
    username: String,
    secret: String,
}

/// Asks `docker-credential-NAME get` for `host`'s credentials.
fn run_helper(name: &str, host: &str) -> Result<Credentials> {
    let program = format!("docker-credential-{name}");
    let failed = |reason: String| cred_error(&program, reason);
    let mut child = Command::new(&program)
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| failed(format!("cannot run it: {e}")))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(host.as_bytes()).map_err(|e| failed(e.to_string()))?;
    }
    let output = child.wait_with_output().map_err(|e| failed(e.to_string()))?;
    if !output.status.success() {
        // "credentials not found" is the helper's way to say anonymous.
        return Ok(Credentials::Anonymous);
    }
    let answer: HelperAnswer = serde_json::from_slice(&output.stdout)
        .map_err(|_| failed("its answer is not the JSON a credential helper gives".into()))?;
    if answer.username == "<token>" {
        return Ok(Credentials::Token { token: answer.secret, origin: program });
    }
    Ok(Credentials::Basic { user: answer.username, password: answer.secret, origin: program })
}

fn cred_error(source: &str, reason: String) -> crate::Error {
    ErrorKind::Credentials { source: source.to_string(), reason }.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_config_entries_are_found_by_host() {
        let dir = std::env::temp_dir().join(format!("wisp-cred-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("config.json");
        let auth = base64::engine::general_purpose::STANDARD.encode("alice:s3cret");
        std::fs::write(
            &path,
            format!(r#"{{"auths":{{"https://reg.example:5000/v1/":{{"auth":"{auth}"}}}}}}"#),
        )
        .unwrap();
        let c = from_docker_config(&path, "reg.example:5000").unwrap();
        assert!(matches!(&c, Credentials::Basic { user, password, .. }
            if user == "alice" && password == "s3cret"));
        assert!(!format!("{c:?}").contains("s3cret"));
        assert_eq!(from_docker_config(&path, "other.example").unwrap(), Credentials::Anonymous);
        std::fs::write(&path, r#"{"auths":{"reg.example":{"auth":"%%%"}}}"#).unwrap();
        let e = from_docker_config(&path, "reg.example").unwrap_err().to_string();
        assert!(e.contains("not base64"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
