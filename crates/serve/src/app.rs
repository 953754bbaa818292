//! Apps: a route's module loaded, compiled and linked once — the template
//! every request's fresh instance is made from — with its limits and its
//! bound on requests in flight.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Semaphore;
use wisp::{Config, Engine, Module, Strategy};
use wisp_launch::DirGrant;

use crate::Error;
use crate::config::{ModuleSource, RouteConfig, RouteLimits, ServeConfig, Tier};
use crate::guest::Guest;
use crate::metrics::{Metrics, RouteMetrics};
use crate::route::RoutePattern;
use crate::wagi::Wagi;

/// How often the engines' epoch advances: the granularity of timeouts.
pub(crate) const EPOCH_TICK: Duration = Duration::from_millis(10);

/// A module loaded for a route.
#[derive(Debug)]
pub struct Loaded {
    /// The module, compiled for the engine it was asked for.
    pub module: Module,
    /// Directories that come with it (a package's files), granted
    /// read-only beside the route's own.
    pub read_only_dirs: Vec<DirGrant>,
}

/// Loads routes' modules. The `wisp` command line supplies one that uses
/// its compile cache and resolves packages; [`FileLoader`] reads files.
pub trait Loader: Send + Sync {
    /// Loads the module `source` for `engine`.
    fn load(
        &self,
        engine: &Engine,
        source: &ModuleSource,
    ) -> Result<Loaded, Box<dyn std::error::Error + Send + Sync>>;
}

/// Loads `.wasm` and `.wat` files, compiling them every time; no packages.
#[derive(Debug, Clone, Copy, Default)]
pub struct FileLoader;

impl Loader for FileLoader {
    fn load(
        &self,
        engine: &Engine,
        source: &ModuleSource,
    ) -> Result<Loaded, Box<dyn std::error::Error + Send + Sync>> {
        match source {
            ModuleSource::File(path) => {
                Ok(Loaded { module: Module::from_file(engine, path)?, read_only_dirs: Vec::new() })
            }
            ModuleSource::Package(reference) => {
                Err(format!("{reference}: this loader reads files only, not packages").into())
            }
        }
    }
}

/// The server's engines, one per tier and metering, all with epoch
/// interruption; kept across reloads so compiled modules stay valid.
#[derive(Debug)]
pub(crate) struct Engines {
    engines: Mutex<HashMap<(Tier, bool), Engine>>,
    pooled_memories: usize,
}

impl Engines {
    pub(crate) fn new(pooled_memories: usize) -> Self {
        Self { engines: Mutex::default(), pooled_memories }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(Tier, bool), Engine>> {
        self.engines.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The engine for `tier`, metering fuel if `fuel`.
    pub(crate) fn get(&self, tier: Tier, fuel: bool) -> Result<Engine, wisp::Error> {
        if let Some(engine) = self.lock().get(&(tier, fuel)) {
            return Ok(engine.clone());
        }
        let mut config = Config::new();
        config
            .strategy(match tier {
                Tier::Cranelift => Strategy::Cranelift,
                Tier::Interpreter => Strategy::Interpreter,
            })
            .epoch_interruption(true)
            .consume_fuel(fuel)
            .pooled_memories(self.pooled_memories);
        let engine = Engine::new(&config)?;
        Ok(self.lock().entry((tier, fuel)).or_insert(engine).clone())
    }

    /// Advances every engine's epoch by `ticks`.
    pub(crate) fn advance(&self, ticks: u64) {
        for engine in self.lock().values() {
            for _ in 0..ticks {
                engine.increment_epoch();
            }
        }
    }

    /// Address-space reservations waiting for reuse, over all engines.
    pub(crate) fn pooled(&self) -> usize {
        self.lock().values().map(Engine::pooled_memories).sum()
    }
}

/// A route's app, ready to serve.
pub(crate) struct App {
    pub(crate) pattern: RoutePattern,
    /// The pattern as text, for logs and metric labels.
    pub(crate) label: Arc<str>,
    pub(crate) guest: Arc<dyn Guest>,
    pub(crate) limits: RouteLimits,
    /// The bound on this route's requests in flight, if it has its own.
    pub(crate) in_flight: Option<Arc<Semaphore>>,
    pub(crate) metrics: Arc<RouteMetrics>,
}

/// Loads, compiles and links every route of `config`, on all cores.
pub(crate) fn build_apps(
    config: &ServeConfig,
    engines: &Engines,
    loader: &dyn Loader,
    metrics: &Metrics,
) -> Result<Vec<App>, Error> {
    let routes = &config.routes;
    let workers =
        std::thread::available_parallelism().map_or(1, |n| n.get()).min(routes.len().max(1));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut built: Vec<Option<Result<App, Error>>> = Vec::new();
    built.resize_with(routes.len(), || None);
    let built = Mutex::new(built);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(route) = routes.get(i) else { break };
                    let app = build_app(route, engines, loader, metrics);
                    let failed = app.is_err();
                    built.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(app);
                    if failed {
                        // Stop the others early; the first error is reported.
                        next.store(routes.len(), std::sync::atomic::Ordering::Relaxed);
                    }
                }
            });
        }
    });
    let built = built.into_inner().unwrap_or_else(|e| e.into_inner());
    let mut apps = Vec::with_capacity(routes.len());
    for app in built.into_iter().flatten() {
        apps.push(app?);
    }
    if apps.len() != routes.len() {
        return Err(Error::App {
            route: String::new(),
            message: "not every route was built".into(),
        });
    }
    Ok(apps)
}

fn build_app(
    route: &RouteConfig,
    engines: &Engines,
    loader: &dyn Loader,
    metrics: &Metrics,
) -> Result<App, Error> {
    let label: Arc<str> = route.pattern.to_string().into();
    let failed = |message: String| Error::App { route: label.to_string(), message };
    let engine =
        engines.get(route.tier, route.limits.fuel.is_some()).map_err(|e| failed(e.to_string()))?;
    let loaded = loader
        .load(&engine, &route.module)
        .map_err(|e| failed(format!("cannot load {}: {}", route.module, chain(&*e))))?;
    let mut capabilities = route.capabilities.clone();
    capabilities.read_only_dirs.extend(loaded.read_only_dirs);
    let guest = Wagi::new(&loaded.module, capabilities, route.limits.clone(), EPOCH_TICK)
        .map(|wagi| wagi.with_scratch(route.scratch.clone()))
        .map_err(|why| failed(format!("{} cannot serve requests: {why}", route.module)))?;
    Ok(App {
        pattern: route.pattern.clone(),
        metrics: metrics.route(&label),
        label,
        guest: Arc::new(guest),
        limits: route.limits.clone(),
        in_flight: route.limits.max_in_flight.map(|n| Arc::new(Semaphore::new(n))),
    })
}

/// An error and its causes, on one line.
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
