//! The server's configuration: `wisp serve --config serve.toml`, or one
//! built in code (as `wisp serve app.wasm` does).
//!
//! ```toml
//! listen = "127.0.0.1:8080"
//! metrics = "127.0.0.1:9090"    # Prometheus text at /metrics
//! max_in_flight = 1024           # requests at once, all routes
//!
//! [[route]]
//! path = "/api/..."              # a prefix; "/hello" would be exact
//! module = "build/api.wasm"      # relative to this file; or package = "acme/api@1"
//! timeout = "5s"
//! max_memory = "64MiB"
//! env = { GREETING = "hi" }
//! dirs = [{ host = "data", guest = "/data", read_only = true }]
//! clocks = true
//! scratch = "/tmp"               # a fresh empty directory per request
//! ```
//!
//! Every capability is off unless the route grants it: no environment
//! variable but the request's, no directory, no clock, no randomness.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;
use wisp_launch::units::{parse_duration, parse_size};
use wisp_launch::{Capabilities, DirGrant, EnvGrant};

use crate::Error;
use crate::route::RoutePattern;

/// The whole server's configuration.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Where requests are accepted.
    pub listen: SocketAddr,
    /// Where `/metrics` is served, if anywhere: its own address, so that
    /// it can stay private while apps are public.
    pub metrics: Option<SocketAddr>,
    /// The most requests handled at once, over all routes; beyond it
    /// requests get a 503 at once.
    pub max_in_flight: usize,
    /// How long a shutdown waits for requests in flight before
    /// interrupting them.
    pub shutdown_grace: Duration,
    /// Where the access log goes, one JSON object per line: `-` for
    /// stdout, else a file appended to. Off when `None`.
    pub access_log: Option<PathBuf>,
    /// The most header fields a request may have (beyond: 431).
    pub max_header_count: usize,
    /// The most bytes a request's head may take (beyond: 431).
    pub max_header_bytes: usize,
    /// Threads that run guests: requests admitted beyond them wait for
    /// one (bounded by `max_in_flight`). Default: four per CPU, so that
    /// guests waiting on the host (sleeping, reading files) do not idle
    /// the CPUs.
    pub guest_threads: usize,
    /// The routes, in the order written.
    pub routes: Vec<RouteConfig>,
    /// The file this was read from.
    pub file: Option<PathBuf>,
}

impl Default for ServeConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            metrics: None,
            max_in_flight: 1024,
            shutdown_grace: Duration::from_secs(10),
            access_log: None,
            max_header_count: 100,
            max_header_bytes: 16 << 10,
            guest_threads: std::thread::available_parallelism().map_or(2, |n| n.get()) * 4,
            routes: Vec::new(),
            file: None,
        }
    }
}

/// One route: which requests, which module, what it may reach and use.
#[derive(Debug, Clone)]
pub struct RouteConfig {
    /// The paths it serves.
    pub pattern: RoutePattern,
    /// The module that serves them.
    pub module: ModuleSource,
    /// The tier its code runs in.
    pub tier: Tier,
    /// What its guests may reach (beyond the request itself).
    pub capabilities: Capabilities,
    /// What each of its requests may use.
    pub limits: RouteLimits,
    /// Gives every request a fresh, empty, writable directory under this
    /// guest path, removed when the request ends: scratch space that no
    /// other request sees.
    pub scratch: Option<String>,
}

impl RouteConfig {
    /// A route that serves `pattern` with `module`, granting nothing, with
    /// the default limits, compiled with Cranelift.
    pub fn new(pattern: RoutePattern, module: ModuleSource) -> Self {
        Self {
            pattern,
            module,
            tier: Tier::Cranelift,
            capabilities: no_capabilities(),
            limits: RouteLimits::default(),
            scratch: None,
        }
    }
}

/// Capabilities that grant nothing: not even clocks or randomness.
pub fn no_capabilities() -> Capabilities {
    Capabilities { clocks: false, random: false, ..Capabilities::default() }
}

/// Where a route's module comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModuleSource {
    /// A `.wasm` or `.wat` file, or an artifact of `wisp compile`.
    File(PathBuf),
    /// A package reference (`acme/hello@1`, `host/repo:tag`).
    Package(String),
}

impl std::fmt::Display for ModuleSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ModuleSource::File(path) => write!(f, "{}", path.display()),
            ModuleSource::Package(reference) => f.write_str(reference),
        }
    }
}

/// The tier a route's code runs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Tier {
    /// Compiled ahead of time with Cranelift (and cached): fastest per
    /// request, costs a compile when the server starts.
    #[default]
    Cranelift,
    /// Interpreted: nothing to compile, slower per request; for apps that
    /// are rarely used.
    Interpreter,
}

/// What one request of a route may use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteLimits {
    /// Wall time for the guest to answer (beyond: 504).
    pub timeout: Duration,
    /// Wasm operators the guest may execute (beyond: 504). Unmetered when
    /// `None`.
    pub fuel: Option<u64>,
    /// Bytes a linear memory may grow to; `memory.grow` beyond fails.
    pub max_memory: u64,
    /// Bytes of request body accepted (beyond: 413).
    pub max_body: u64,
    /// Bytes of output (headers and body) accepted from the guest
    /// (beyond: 502).
    pub max_output: usize,
    /// The most of this route's requests handled at once (beyond: 503).
    /// `None`: only the server's bound applies.
    pub max_in_flight: Option<usize>,
}

impl Default for RouteLimits {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(30),
            fuel: None,
            max_memory: 256 << 20,
            max_body: 10 << 20,
            max_output: 16 << 20,
            max_in_flight: None,
        }
    }
}

/// A directory grant in the configuration.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirConfig {
    /// The host directory, relative to the configuration file.
    pub host: PathBuf,
    /// The name the guest sees (default: `host` as written).
    pub guest: Option<String>,
    /// The guest may only read (default: false).
    #[serde(default)]
    pub read_only: bool,
}

impl ServeConfig {
    /// Reads the configuration in `path`; relative paths in it are
    /// relative to its directory.
    pub fn from_file(path: &Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
        Self::parse(&text, path)
    }

    /// Parses `text`, which was read from `path`.
    pub fn parse(text: &str, path: &Path) -> Result<Self, Error> {
        let located = |mut e: Error| {
            if let Error::Config { file, .. } = &mut e {
                *file = Some(path.to_path_buf());
            }
            e
        };
        let raw: Raw = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|span| line_of(text, span.start));
            located(Error::Config {
                file: None,
                line,
                key: String::new(),
                message: e.message().trim_end().to_string(),
            })
        })?;
        let base = path.parent().unwrap_or(Path::new(""));
        let mut config = Lines { text }.config(raw, base).map_err(|(key, line, message)| {
            located(Error::Config { file: None, line, key, message })
        })?;
        config.file = Some(path.to_path_buf());
        Ok(config)
    }
}

/// The 1-based line of byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())].iter().filter(|&&b| b == b'\n').count() + 1
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    listen: Option<Spanned<String>>,
    metrics: Option<Spanned<String>>,
    max_in_flight: Option<Spanned<i64>>,
    shutdown_grace: Option<Spanned<String>>,
    access_log: Option<PathBuf>,
    max_header_count: Option<Spanned<i64>>,
    max_header_bytes: Option<Spanned<Size>>,
    guest_threads: Option<Spanned<i64>>,
    #[serde(default)]
    route: Vec<Spanned<RawRoute>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRoute {
    path: Option<Spanned<String>>,
    module: Option<Spanned<String>>,
    package: Option<Spanned<String>>,
    interface: Option<Spanned<String>>,
    tier: Option<Spanned<String>>,
    timeout: Option<Spanned<String>>,
    fuel: Option<Spanned<i64>>,
    max_memory: Option<Spanned<Size>>,
    max_body: Option<Spanned<Size>>,
    max_output: Option<Spanned<Size>>,
    max_in_flight: Option<Spanned<i64>>,
    #[serde(default)]
    env: BTreeMap<String, String>,
    #[serde(default)]
    dirs: Vec<Spanned<DirConfig>>,
    #[serde(default)]
    clocks: bool,
    #[serde(default)]
    random: bool,
    scratch: Option<Spanned<String>>,
}

/// A size: a number of bytes, or text with a unit (`"64MiB"`).
#[derive(Deserialize)]
#[serde(untagged)]
enum Size {
    Bytes(i64),
    Text(String),
}

/// A key, its line and what is wrong with it.
type Problem = (String, Option<usize>, String);

/// Turns spans into lines for the problems it reports.
struct Lines<'t> {
    text: &'t str,
}

impl Lines<'_> {
    fn problem<T>(&self, key: &str, at: &Spanned<T>, message: impl Into<String>) -> Problem {
        (key.to_string(), Some(line_of(self.text, at.span().start)), message.into())
    }

    fn count(&self, key: &str, value: &Spanned<i64>) -> Result<usize, Problem> {
        match usize::try_from(*value.get_ref()) {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(self.problem(key, value, "must be a positive number")),
        }
    }

    fn duration(&self, key: &str, value: &Spanned<String>) -> Result<Duration, Problem> {
        match parse_duration(value.get_ref()) {
            Ok(d) if !d.is_zero() => Ok(d),
            Ok(_) => Err(self.problem(key, value, "must be longer than zero")),
            Err(why) => Err(self.problem(key, value, why)),
        }
    }

    fn size(&self, key: &str, value: &Spanned<Size>) -> Result<u64, Problem> {
        match value.get_ref() {
            Size::Bytes(n) => {
                u64::try_from(*n).map_err(|_| self.problem(key, value, "must not be negative"))
            }
            Size::Text(text) => parse_size(text).map_err(|why| self.problem(key, value, why)),
        }
    }

    fn config(&self, raw: Raw, base: &Path) -> Result<ServeConfig, Problem> {
        let mut config = ServeConfig::default();
        if let Some(listen) = &raw.listen {
            config.listen = self.address("listen", listen)?;
        }
        if let Some(metrics) = &raw.metrics {
            config.metrics = Some(self.address("metrics", metrics)?);
        }
        if let Some(n) = &raw.max_in_flight {
            config.max_in_flight = self.count("max_in_flight", n)?;
        }
        if let Some(grace) = &raw.shutdown_grace {
            config.shutdown_grace = self.duration("shutdown_grace", grace)?;
        }
        config.access_log =
            raw.access_log.map(|p| if p.as_os_str() == "-" { p } else { base.join(p) });
        if let Some(n) = &raw.max_header_count {
            config.max_header_count = self.count("max_header_count", n)?;
        }
        if let Some(bytes) = &raw.max_header_bytes {
            let n = self.size("max_header_bytes", bytes)?;
            if n < 8192 {
                return Err(self.problem("max_header_bytes", bytes, "must be at least 8KiB"));
            }
            config.max_header_bytes = usize::try_from(n).unwrap_or(usize::MAX);
        }
        if let Some(n) = &raw.guest_threads {
            config.guest_threads = self.count("guest_threads", n)?;
        }
        let mut seen: Vec<(RoutePattern, usize)> = Vec::new();
        for (i, route) in raw.route.iter().enumerate() {
            let parsed = self.route(&format!("route[{i}]"), route, base)?;
            if let Some((_, line)) = seen.iter().find(|(p, _)| *p == parsed.pattern) {
                let message =
                    format!("`{}` is also the path of the route on line {line}", parsed.pattern);
                return Err(self.problem(&format!("route[{i}].path"), route, message));
            }
            seen.push((parsed.pattern.clone(), line_of(self.text, route.span().start)));
            config.routes.push(parsed);
        }
        if config.routes.is_empty() {
            return Err((
                "route".into(),
                None,
                "no routes: add at least one [[route]] with a path and a module".into(),
            ));
        }
        Ok(config)
    }

    fn address(&self, key: &str, value: &Spanned<String>) -> Result<SocketAddr, Problem> {
        value.get_ref().parse().map_err(|_| {
            self.problem(
                key,
                value,
                format!("`{}` is not an address such as 127.0.0.1:8080", value.get_ref()),
            )
        })
    }

    fn route(
        &self,
        key: &str,
        spanned: &Spanned<RawRoute>,
        base: &Path,
    ) -> Result<RouteConfig, Problem> {
        let raw = spanned.get_ref();
        let at = |field: &str| format!("{key}.{field}");
        let Some(path) = &raw.path else {
            return Err(self.problem(key, spanned, "has no `path` (e.g. path = \"/hello\")"));
        };
        let pattern: RoutePattern =
            path.get_ref().parse().map_err(|why: String| self.problem(&at("path"), path, why))?;
        let module = match (&raw.module, &raw.package) {
            (Some(file), None) => ModuleSource::File(base.join(file.get_ref())),
            (None, Some(reference)) => ModuleSource::Package(reference.get_ref().clone()),
            (Some(_), Some(package)) => {
                return Err(self.problem(
                    &at("package"),
                    package,
                    "give `module` or `package`, not both",
                ));
            }
            (None, None) => {
                return Err(self.problem(
                    key,
                    spanned,
                    "has no `module` (a file) or `package` (a reference)",
                ));
            }
        };
        let mut route = RouteConfig::new(pattern, module);
        if let Some(interface) = &raw.interface
            && interface.get_ref() != "wagi"
        {
            let message =
                format!("unknown interface `{}`: the one supported is `wagi`", interface.get_ref());
            return Err(self.problem(&at("interface"), interface, message));
        }
        if let Some(tier) = &raw.tier {
            route.tier = match tier.get_ref().as_str() {
                "cranelift" => Tier::Cranelift,
                "interp" | "interpreter" => Tier::Interpreter,
                other => {
                    let message = format!("unknown tier `{other}`: use `cranelift` or `interp`");
                    return Err(self.problem(&at("tier"), tier, message));
                }
            };
        }
        let limits = &mut route.limits;
        if let Some(timeout) = &raw.timeout {
            limits.timeout = self.duration(&at("timeout"), timeout)?;
        }
        if let Some(fuel) = &raw.fuel {
            limits.fuel = Some(self.count(&at("fuel"), fuel)? as u64);
        }
        if let Some(size) = &raw.max_memory {
            limits.max_memory = self.size(&at("max_memory"), size)?;
        }
        if let Some(size) = &raw.max_body {
            limits.max_body = self.size(&at("max_body"), size)?;
        }
        if let Some(size) = &raw.max_output {
            limits.max_output =
                usize::try_from(self.size(&at("max_output"), size)?).unwrap_or(usize::MAX);
        }
        if let Some(n) = &raw.max_in_flight {
            limits.max_in_flight = Some(self.count(&at("max_in_flight"), n)?);
        }
        let caps = &mut route.capabilities;
        caps.clocks = raw.clocks;
        caps.random = raw.random;
        caps.env = raw
            .env
            .iter()
            .map(|(name, value)| EnvGrant { name: name.clone(), value: Some(value.clone()) })
            .collect();
        if let Some(name) = raw.env.keys().find(|n| n.is_empty() || n.contains('=')) {
            let message = format!("`{name}` is not a variable name");
            return Err((at("env"), Some(line_of(self.text, spanned.span().start)), message));
        }
        for (i, dir) in raw.dirs.iter().enumerate() {
            let d = dir.get_ref();
            let host = base.join(&d.host);
            if !host.is_dir() {
                let message = format!("{} is not a directory", host.display());
                return Err(self.problem(&format!("{}[{i}].host", at("dirs")), dir, message));
            }
            let guest = d.guest.clone().unwrap_or_else(|| d.host.display().to_string());
            let grant = DirGrant { host, guest };
            if d.read_only { caps.read_only_dirs.push(grant) } else { caps.dirs.push(grant) }
        }
        if let Some(scratch) = &raw.scratch {
            if scratch.get_ref().is_empty() {
                return Err(self.problem(
                    &at("scratch"),
                    scratch,
                    "needs a guest path such as \"/tmp\"",
                ));
            }
            route.scratch = Some(scratch.get_ref().clone());
        }
        Ok(route)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ServeConfig, String> {
        ServeConfig::parse(text, Path::new("conf/serve.toml")).map_err(|e| e.to_string())
    }

    #[test]
    fn a_full_configuration_parses() {
        let config = parse(
            r#"
listen = "127.0.0.1:9000"
metrics = "127.0.0.1:9001"
max_in_flight = 8
shutdown_grace = "2s"
guest_threads = 3

[[route]]
path = "/api/..."
module = "api.wasm"
tier = "interp"
timeout = "250ms"
fuel = 1000
max_memory = "1MiB"
max_body = 100
max_in_flight = 2
env = { A = "1" }
clocks = true

[[route]]
path = "/hello"
package = "acme/hello@1"
"#,
        )
        .unwrap();
        assert_eq!(config.listen, "127.0.0.1:9000".parse().unwrap());
        assert_eq!((config.max_in_flight, config.guest_threads), (8, 3));
        let api = &config.routes[0];
        assert_eq!(api.pattern, RoutePattern::Prefix("/api".into()));
        assert_eq!(api.module, ModuleSource::File(PathBuf::from("conf/api.wasm")));
        assert_eq!(api.tier, Tier::Interpreter);
        assert_eq!(api.limits.timeout, Duration::from_millis(250));
        assert_eq!(
            (api.limits.fuel, api.limits.max_memory, api.limits.max_body),
            (Some(1000), 1 << 20, 100)
        );
        assert_eq!(api.limits.max_in_flight, Some(2));
        assert!(api.capabilities.clocks && !api.capabilities.random);
        assert_eq!(api.capabilities.env[0].name, "A");
        let hello = &config.routes[1];
        assert_eq!(hello.module, ModuleSource::Package("acme/hello@1".into()));
        assert!(!hello.capabilities.clocks && !hello.capabilities.random);
        assert!(hello.capabilities.env.is_empty() && hello.capabilities.dirs.is_empty());
    }

    #[test]
    fn errors_name_the_file_line_and_key() {
        let cases = [
            (
                "[[route]]\npath = \"/a\"\nmodule = \"a.wasm\"\ntimeout = \"5 s\"\n",
                "conf/serve.toml:4: route[0].timeout: ",
            ),
            (
                "listen = \"nowhere\"\n[[route]]\npath = \"/a\"\nmodule = \"a\"\n",
                "conf/serve.toml:1: listen: `nowhere`",
            ),
            (
                "[[route]]\npath = \"/a\"\nmodule = \"a\"\nflavour = 1\n",
                "conf/serve.toml:4: unknown field `flavour`",
            ),
            (
                "[[route]]\npath = \"a\"\nmodule = \"a\"\n",
                "conf/serve.toml:2: route[0].path: `a` must start with `/`",
            ),
            ("[[route]]\npath = \"/a\"\n", "conf/serve.toml:1: route[0]: has no `module`"),
            (
                "[[route]]\npath = \"/a\"\nmodule = \"a\"\n[[route]]\npath = \"/a\"\nmodule = \"b\"\n",
                "conf/serve.toml:4: route[1].path: `/a` is also the path of the route on line 1",
            ),
            (
                "[[route]]\npath = \"/a\"\nmodule = \"a\"\nmax_memory = \"1GB\"\n",
                "conf/serve.toml:4: route[0].max_memory: unknown unit",
            ),
            (
                "[[route]]\npath = \"/a\"\nmodule = \"a\"\nfuel = -1\n",
                "conf/serve.toml:4: route[0].fuel: must be a positive number",
            ),
            (
                "[[route]]\npath = \"/a\"\nmodule = \"a\"\ntier = \"jit\"\n",
                "conf/serve.toml:4: route[0].tier: unknown tier `jit`",
            ),
            (
                "[[route]]\npath = \"/a\"\nmodule = \"a\"\ninterface = \"cgi\"\n",
                "conf/serve.toml:4: route[0].interface: unknown interface",
            ),
            (
                "[[route]]\npath = \"/a\"\nmodule = \"a\"\ndirs = [{ host = \"missing\" }]\n",
                "conf/serve.toml:4: route[0].dirs[0].host: conf/missing is not a directory",
            ),
            ("max_in_flight = 0\n", "conf/serve.toml:1: max_in_flight: must be a positive number"),
            ("", "conf/serve.toml: route: no routes"),
            ("listen = [\n", "conf/serve.toml:1: unclosed array"),
        ];
        for (text, expected) in cases {
            let error = parse(text).unwrap_err();
            assert!(error.starts_with(expected), "{text:?}\n gave: {error}\nwanted: {expected}");
        }
    }
}
