//! `wisp serve`: the serverless HTTP host, over the `wisp-serve` library.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Result, bail};
use clap::{Args, ValueEnum};
use wisp::Engine;
use wisp_launch::units::{parse_duration, parse_size};
use wisp_package::Reference;
use wisp_serve::route::RoutePattern;
use wisp_serve::{Loaded, Loader, ModuleSource, RouteConfig, ServeConfig, Server, Tier};

use crate::input::{load_module, load_module_bytes};
use crate::limits::LimitOptions;
use crate::package::{PackageOptions, Source};
use crate::wasi::WasiOptions;

const EXAMPLES: &str = "\
Examples:
  wisp serve hello.wasm
  wisp serve --listen 0.0.0.0:8080 --timeout 2s --max-memory 64MiB api.wasm
  wisp serve --config serve.toml --metrics 127.0.0.1:9090
  wisp serve --registry http://127.0.0.1:5000 acme/hello@1

Signals: SIGTERM or SIGINT stop accepting connections, let requests in
flight finish (up to the grace period) and interrupt the rest; SIGHUP
reloads --config without closing connections.

Statuses: 404 no route, 413 body too large, 431 header fields too large,
500 the guest trapped or exited non-zero, 502 its output is not a valid CGI
response, 503 too many requests in flight (with Retry-After), 504 its time
or fuel ran out. Error bodies reveal nothing of the guest; the reason goes
to the log (stderr), with the route and request id.";

/// Serves WebAssembly apps over HTTP: a fresh sandbox for every request.
///
/// Each request runs in a new instance of its route's module, made from a
/// template compiled (with Cranelift, cached) and linked when the server
/// starts, so nothing carries over between requests. Guests speak WAGI
/// (CGI over WASI): the request arrives as CGI variables (REQUEST_METHOD,
/// PATH_INFO, QUERY_STRING, HTTP_*...), the query's parts as arguments and
/// the body on stdin; the guest prints headers (Content-Type or Location,
/// optionally Status), a blank line and the body.
///
/// With FILE, one module serves every path, with the capability and limit
/// flags below. With --config, a TOML file routes paths to many modules,
/// each with its own capabilities and limits (see docs/serve.md); there,
/// nothing is granted unless the route says so.
#[derive(Args, Debug)]
// Requests come through the server, not through sockets granted to guests;
// a request out of time or fuel is answered 504 rather than trapping a run.
#[command(
    after_help = EXAMPLES,
    mut_arg("listen", |arg| arg.hide(true)),
    mut_arg("timeout", |arg| arg.help(
        "Answers 504 and stops the request's guest after DURATION of wall-clock \
         time (default 30s). Units: ms, s, m, h. Example: `--timeout 2s`.",
    )),
    mut_arg("fuel", |arg| arg.help(
        "Answers 504 and stops a request's guest once it has executed N Wasm \
         operators. Example: `--fuel 1000000`.",
    )),
)]
pub struct ServeCommand {
    #[command(flatten)]
    limits: LimitOptions,

    #[command(flatten)]
    wasi: WasiOptions,

    #[command(flatten)]
    package: PackageOptions,

    /// Serves the routes of this TOML file instead of one module; SIGHUP
    /// reloads it. Example: `--config serve.toml`.
    #[arg(long, value_name = "FILE", conflicts_with = "module")]
    config: Option<PathBuf>,

    /// The address to accept requests on (default 127.0.0.1:8080, or the
    /// file's `listen`). Port 0 picks a free port.
    /// Example: `--listen 0.0.0.0:8080`.
    #[arg(long = "listen", value_name = "ADDR", help_heading = "Server")]
    listen_addr: Option<SocketAddr>,

    /// Serves Prometheus metrics at http://ADDR/metrics, on an address of
    /// its own. Example: `--metrics 127.0.0.1:9090`.
    #[arg(long, value_name = "ADDR", help_heading = "Server")]
    metrics: Option<SocketAddr>,

    /// The most requests handled at once; beyond it, 503 with Retry-After
    /// at once (never a queue). Default 1024. Example: `--max-in-flight 256`.
    #[arg(long, value_name = "N", help_heading = "Server")]
    max_in_flight: Option<usize>,

    /// The most bytes of request body accepted (beyond: 413). Default
    /// 10MiB. Example: `--max-body 1MiB`.
    #[arg(long, value_name = "SIZE", value_parser = parse_size, help_heading = "Limits")]
    max_body: Option<u64>,

    /// Writes one JSON line per request to FILE (appended), or to stdout
    /// for `-`. Example: `--access-log access.jsonl`.
    #[arg(long, value_name = "FILE|-", help_heading = "Server")]
    access_log: Option<PathBuf>,

    /// How long a shutdown waits for requests in flight before it
    /// interrupts them. Default 10s. Example: `--shutdown-grace 30s`.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, help_heading = "Server")]
    shutdown_grace: Option<Duration>,

    /// The tier FILE runs in: `cranelift` (compiled when the server starts,
    /// cached; fastest per request) or `interp` (nothing to compile; for
    /// rarely used apps).
    #[arg(long, value_enum, default_value_t = ServeTier::Cranelift, help_heading = "Engine options")]
    tier: ServeTier,

    /// Compiles without the compile cache (neither reads nor writes it).
    #[arg(long, help_heading = "Engine options")]
    no_cache: bool,

    /// The module that serves every path: a `.wasm` or `.wat` file, or a
    /// package reference (`NAMESPACE/NAME[@VERSION]`).
    #[arg(value_name = "FILE", required_unless_present = "config")]
    module: Option<PathBuf>,
}

/// `--tier` of `wisp serve`.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
enum ServeTier {
    Cranelift,
    Interp,
}

impl ServeCommand {
    /// Serves until a signal stops the server.
    pub fn execute(self) -> Result<ExitCode> {
        let config = self.config()?;
        let loader = CliLoader { package: self.package.clone(), cache: !self.no_cache };
        let routes = config.routes.len();
        let started = std::time::Instant::now();
        let server = Server::start(config, Arc::new(loader))?;
        eprintln!(
            "wisp serve: listening on http://{} ({routes} route(s), ready in {} ms)",
            server.local_addr(),
            started.elapsed().as_millis()
        );
        if let Some(addr) = server.metrics_addr() {
            eprintln!("wisp serve: metrics at http://{addr}/metrics");
        }
        server.run_until_signalled(self.config.clone())?;
        Ok(ExitCode::SUCCESS)
    }

    /// The server's configuration: the file's, or one route for FILE, with
    /// the server flags applied over it.
    fn config(&self) -> Result<ServeConfig> {
        let mut config = match (&self.config, &self.module) {
            (Some(path), _) => {
                let capabilities = self.wasi.capabilities();
                if self.limits.any()
                    || self.max_body.is_some()
                    || capabilities != WasiOptions::default().capabilities()
                {
                    bail!(
                        "capability and limit flags apply to FILE; with --config, set them per route in {}",
                        path.display()
                    );
                }
                ServeConfig::from_file(path)?
            }
            (None, Some(module)) => self.single_route(module)?,
            (None, None) => bail!("give a module to serve, or --config FILE; try --help"),
        };
        if let Some(listen) = self.listen_addr {
            config.listen = listen;
        }
        if self.metrics.is_some() {
            config.metrics = self.metrics;
        }
        if let Some(n) = self.max_in_flight {
            if n == 0 {
                bail!("--max-in-flight must be at least 1");
            }
            config.max_in_flight = n;
        }
        if let Some(path) = &self.access_log {
            config.access_log = Some(path.clone());
        }
        if let Some(grace) = self.shutdown_grace {
            config.shutdown_grace = grace;
        }
        Ok(config)
    }

    /// One route, `/...`, serving `module` with the flags' capabilities
    /// and limits.
    fn single_route(&self, module: &std::path::Path) -> Result<ServeConfig> {
        let capabilities = self.wasi.capabilities();
        if !capabilities.listen.is_empty() {
            bail!("--tcplisten does not apply to `wisp serve`: requests come through the server");
        }
        let source = match Source::of(module)? {
            Source::File(path) => ModuleSource::File(path),
            Source::Package(reference) => ModuleSource::Package(reference.to_string()),
        };
        let mut route = RouteConfig::new(RoutePattern::Prefix(String::new()), source);
        route.capabilities = capabilities;
        route.tier = match self.tier {
            ServeTier::Cranelift => Tier::Cranelift,
            ServeTier::Interp => Tier::Interpreter,
        };
        if let Some(timeout) = self.limits.timeout() {
            route.limits.timeout = timeout;
        }
        route.limits.fuel = self.limits.fuel();
        if let Some(bytes) = self.limits.max_memory() {
            route.limits.max_memory = bytes;
        }
        if let Some(bytes) = self.max_body {
            route.limits.max_body = bytes;
        }
        Ok(ServeConfig { routes: vec![route], ..ServeConfig::default() })
    }
}

/// Loads routes' modules as `wisp run` does: files through the compile
/// cache, packages from the registry and the package cache.
struct CliLoader {
    package: PackageOptions,
    cache: bool,
}

impl Loader for CliLoader {
    fn load(
        &self,
        engine: &Engine,
        source: &ModuleSource,
    ) -> Result<Loaded, Box<dyn std::error::Error + Send + Sync>> {
        match source {
            ModuleSource::File(path) => Ok(Loaded {
                module: load_module(engine, path, self.cache)?,
                read_only_dirs: Vec::new(),
            }),
            ModuleSource::Package(text) => {
                let reference: Reference = text.parse().map_err(|e| format!("`{text}`: {e}"))?;
                let launch = crate::package::prepare(&self.package, &reference, None)?;
                let module = load_module_bytes(engine, text, &launch.module, self.cache)?;
                Ok(Loaded { module, read_only_dirs: launch.files })
            }
        }
    }
}
