//! The HTTP server: accepts connections (HTTP/1.1 with keep-alive),
//! routes, admits or turns away, reads bodies within their limit, runs the
//! route's guest on a thread that may block, and maps what came of it to a
//! status. Shuts down gracefully; reloads its configuration in place.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderValue, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};

use crate::Error;
use crate::app::{App, EPOCH_TICK, Engines, Loader, build_apps};
use crate::config::ServeConfig;
use crate::guest::{Fault, GuestRequest, Outcome};
use crate::log::{Access, AccessLog, guest_stderr, note};
use crate::metrics::{Gauges, Metrics};
use crate::route::Router;

/// The most address-space reservations each engine keeps for reuse.
const MAX_POOLED: usize = 256;

/// A running server. Dropping it stops it at once; [`Server::shutdown`]
/// stops it gracefully.
pub struct Server {
    runtime: Option<tokio::runtime::Runtime>,
    shared: Arc<Shared>,
    local_addr: SocketAddr,
    metrics_addr: Option<SocketAddr>,
    stop: watch::Sender<bool>,
    accepting: Option<tokio::task::JoinHandle<ShutdownReport>>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server").field("local_addr", &self.local_addr).finish_non_exhaustive()
    }
}

/// How a shutdown went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShutdownReport {
    /// Every request in flight finished within the grace period.
    pub drained: bool,
    /// Requests still running when the grace period ended, interrupted.
    pub interrupted: usize,
}

/// What the request handlers share.
struct Shared {
    state: RwLock<Arc<State>>,
    engines: Engines,
    metrics: Metrics,
    access_log: Option<AccessLog>,
    loader: Arc<dyn Loader>,
    next_id: AtomicU64,
    /// Tells the epoch ticker to stop.
    stopped: AtomicBool,
}

/// What a reload replaces.
struct State {
    router: Router<Arc<App>>,
    /// The bound on requests in flight over all routes.
    in_flight: Arc<Semaphore>,
    config: ServeConfig,
}

impl Shared {
    fn state(&self) -> Arc<State> {
        self.state.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn build_state(&self, config: ServeConfig) -> Result<State, Error> {
        let apps = build_apps(&config, &self.engines, &*self.loader, &self.metrics)?;
        let routes = apps.into_iter().map(|app| (app.pattern.clone(), Arc::new(app))).collect();
        let router = Router::new(routes)
            .map_err(|p| Error::config("route", format!("`{p}` is the path of two routes")))?;
        let in_flight = Arc::new(Semaphore::new(config.max_in_flight));
        Ok(State { router, in_flight, config })
    }

    /// The most epoch ticks any route's request may run.
    fn longest_deadline(&self) -> u64 {
        let state = self.state();
        let longest =
            state.router.iter().map(|(_, app)| app.limits.timeout).max().unwrap_or_default();
        crate::wagi::deadline_ticks(longest, EPOCH_TICK) + 1
    }

    fn gauges(&self) -> Gauges {
        let state = self.state();
        let max = state.config.max_in_flight;
        Gauges {
            pooled_memories: self.engines.pooled(),
            pool_capacity: pool_size(max),
            global_in_flight: max - state.in_flight.available_permits(),
            max_in_flight: max,
        }
    }
}

fn pool_size(max_in_flight: usize) -> usize {
    max_in_flight.min(MAX_POOLED)
}

impl Server {
    /// Loads and compiles every route's module with `loader`, binds the
    /// listening (and metrics) addresses and starts serving.
    pub fn start(config: ServeConfig, loader: Arc<dyn Loader>) -> Result<Server, Error> {
        let access_log = config.access_log.as_deref().map(AccessLog::open).transpose()?;
        let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            // Guests run on the blocking pool; requests beyond what it can
            // run wait for a thread, bounded by admission control.
            .max_blocking_threads(config.guest_threads)
            .thread_name("wisp-serve")
            .enable_all()
            .build()
            .map_err(|e| Error::io("cannot start the server's runtime", e))?;
        let shared = Arc::new(Shared {
            state: RwLock::new(Arc::new(State {
                router: Router::new(Vec::new()).unwrap_or_else(|_| unreachable!()),
                in_flight: Arc::new(Semaphore::new(0)),
                config: config.clone(),
            })),
            engines: Engines::new(pool_size(config.max_in_flight)),
            metrics: Metrics::default(),
            access_log,
            loader,
            next_id: AtomicU64::new(1),
            stopped: AtomicBool::new(false),
        });
        let state = shared.build_state(config)?;
        let config = state.config.clone();
        *shared.state.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(state);

        let listener = runtime
            .block_on(TcpListener::bind(config.listen))
            .map_err(|e| Error::io(format!("cannot listen on {}", config.listen), e))?;
        let local_addr =
            listener.local_addr().map_err(|e| Error::io("cannot read the bound address", e))?;
        let (stop, stopping) = watch::channel(false);
        let mut metrics_addr = None;
        if let Some(addr) = config.metrics {
            let metrics = runtime
                .block_on(TcpListener::bind(addr))
                .map_err(|e| Error::io(format!("cannot listen for metrics on {addr}"), e))?;
            metrics_addr = metrics.local_addr().ok();
            runtime.spawn(serve_metrics(metrics, shared.clone(), stopping.clone()));
        }
        start_ticker(shared.clone());
        let mut h1 = http1::Builder::new();
        h1.timer(TokioTimer::new())
            .keep_alive(true)
            .max_headers(config.max_header_count)
            .max_header_size(config.max_header_bytes)
            .header_read_timeout(Duration::from_secs(30));
        let accepting = runtime.spawn(accept(listener, shared.clone(), stopping, h1));
        Ok(Server {
            runtime: Some(runtime),
            shared,
            local_addr,
            metrics_addr,
            stop,
            accepting: Some(accepting),
        })
    }

    /// The address requests are accepted on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The address `/metrics` is served on, if any.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_addr
    }

    /// Replaces the routes with those of `config`, without closing any
    /// connection: requests in flight finish with the apps they started
    /// with, the next ones get the new. On an error nothing changes. The
    /// listening addresses and the access log stay as they were.
    pub fn reload(&self, config: ServeConfig) -> Result<(), Error> {
        let current = self.shared.state();
        if config.listen != current.config.listen || config.metrics != current.config.metrics {
            note("a reload does not move the listening addresses; restart the server for that");
        }
        match self.shared.build_state(config) {
            Ok(state) => {
                let routes = state.config.routes.len();
                *self.shared.state.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(state);
                self.shared.metrics.reloads.fetch_add(1, Ordering::Relaxed);
                note(format_args!("reloaded: {routes} route(s)"));
                Ok(())
            }
            Err(e) => {
                self.shared.metrics.failed_reloads.fetch_add(1, Ordering::Relaxed);
                Err(e)
            }
        }
    }

    /// Stops accepting connections, lets requests in flight finish within
    /// the configured grace period, then interrupts the rest.
    pub fn shutdown(mut self) -> ShutdownReport {
        let _ = self.stop.send(true);
        let report = match (self.runtime.as_ref(), self.accepting.take()) {
            (Some(runtime), Some(task)) => {
                runtime.block_on(task).unwrap_or(ShutdownReport { drained: false, interrupted: 0 })
            }
            _ => ShutdownReport { drained: true, interrupted: 0 },
        };
        self.shared.stopped.store(true, Ordering::Relaxed);
        report
    }

    /// Serves until SIGTERM or SIGINT, then shuts down gracefully. On
    /// SIGHUP, reloads the configuration from `reload_from` (if given),
    /// logging the outcome.
    pub fn run_until_signalled(
        self,
        reload_from: Option<PathBuf>,
    ) -> Result<ShutdownReport, Error> {
        use tokio::signal::unix::{SignalKind, signal};
        let Some(runtime) = self.runtime.as_ref() else {
            return Ok(self.shutdown());
        };
        let signals = runtime.block_on(async {
            Ok::<_, std::io::Error>((
                signal(SignalKind::terminate())?,
                signal(SignalKind::interrupt())?,
                signal(SignalKind::hangup())?,
            ))
        });
        let (mut term, mut int, mut hup) =
            signals.map_err(|e| Error::io("cannot handle signals", e))?;
        loop {
            let reload = runtime.block_on(async {
                tokio::select! {
                    _ = term.recv() => false,
                    _ = int.recv() => false,
                    _ = hup.recv() => true,
                }
            });
            if !reload {
                break;
            }
            match &reload_from {
                Some(path) => match ServeConfig::from_file(path).and_then(|c| self.reload(c)) {
                    Ok(()) => {}
                    Err(e) => note(format_args!(
                        "reload failed, still serving the previous configuration: {e}"
                    )),
                },
                None => note("SIGHUP: there is no configuration file to reload"),
            }
        }
        note("shutting down: no new connections; finishing the requests in flight");
        let report = self.shutdown();
        if !report.drained {
            note(format_args!(
                "interrupted {} request(s) still running after the grace period",
                report.interrupted
            ));
        }
        Ok(report)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shared.stopped.store(true, Ordering::Relaxed);
        // Interrupt guests still running so the blocking pool can wind down.
        self.shared.engines.advance(self.shared.longest_deadline());
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// Advances the engines' epochs every tick until the server stops.
fn start_ticker(shared: Arc<Shared>) {
    let weak = Arc::downgrade(&shared);
    drop(shared);
    std::thread::Builder::new()
        .name("wisp-serve-epoch".into())
        .spawn(move || {
            loop {
                std::thread::sleep(EPOCH_TICK);
                let Some(shared) = weak.upgrade() else { break };
                if shared.stopped.load(Ordering::Relaxed) {
                    break;
                }
                shared.engines.advance(1);
            }
        })
        .map(drop)
        .unwrap_or_else(|e| note(format_args!("cannot start the timeout timer: {e}")));
}

/// Accepts connections until told to stop, then drains them.
async fn accept(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut stopping: watch::Receiver<bool>,
    h1: http1::Builder,
) -> ShutdownReport {
    let graceful = GracefulShutdown::new();
    loop {
        tokio::select! {
            biased;
            _ = stopping.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, remote)) => {
                    let _ = stream.set_nodelay(true);
                    let local = stream.local_addr().unwrap_or(remote);
                    let shared = shared.clone();
                    let service = service_fn(move |request| {
                        let shared = shared.clone();
                        async move { Ok::<_, Infallible>(handle(shared, request, remote, local).await) }
                    });
                    let connection = graceful.watch(h1.serve_connection(TokioIo::new(stream), service));
                    tokio::spawn(async move {
                        let _ = connection.await;
                    });
                }
                Err(e) => {
                    // Out of descriptors, say: back off instead of spinning.
                    note(format_args!("cannot accept a connection: {e}"));
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
        }
    }
    drop(listener);
    let grace = shared.state().config.shutdown_grace;
    let drained = graceful.shutdown();
    tokio::pin!(drained);
    if tokio::time::timeout(grace, &mut drained).await.is_ok() {
        return ShutdownReport { drained: true, interrupted: 0 };
    }
    let state = shared.state();
    let interrupted = state.config.max_in_flight - state.in_flight.available_permits();
    shared.engines.advance(shared.longest_deadline());
    // Interrupted guests stop at their next check; let their 504s go out.
    let _ = tokio::time::timeout(INTERRUPTED_GRACE, &mut drained).await;
    ShutdownReport { drained: false, interrupted }
}

/// How long interrupted requests get to send their answers.
const INTERRUPTED_GRACE: Duration = Duration::from_secs(2);

/// Serves `/metrics` until told to stop.
async fn serve_metrics(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut stopping: watch::Receiver<bool>,
) {
    loop {
        let stream = tokio::select! {
            _ = stopping.changed() => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let shared = shared.clone();
        let service = service_fn(move |request: Request<Incoming>| {
            let shared = shared.clone();
            async move {
                let response = if request.uri().path() == "/metrics" {
                    let mut r = text(StatusCode::OK, shared.metrics.render(&shared.gauges()));
                    r.headers_mut().insert(
                        http::header::CONTENT_TYPE,
                        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
                    );
                    r
                } else {
                    text(StatusCode::NOT_FOUND, "metrics are at /metrics\n")
                };
                Ok::<_, Infallible>(response)
            }
        });
        tokio::spawn(async move {
            let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
        });
    }
}

/// A plain-text response.
fn text(status: StatusCode, body: impl Into<Bytes>) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(http::header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    response
}

/// The body of an error status: its reason, and nothing of the guest.
fn error_page(status: StatusCode) -> Response<Full<Bytes>> {
    let reason = status.canonical_reason().unwrap_or("Error");
    text(status, format!("{} {reason}\n", status.as_u16()))
}

/// Serves one request.
async fn handle(
    shared: Arc<Shared>,
    request: Request<Incoming>,
    remote: SocketAddr,
    local: SocketAddr,
) -> Response<Full<Bytes>> {
    let started = Instant::now();
    let id = format!("{:016x}", shared.next_id.fetch_add(1, Ordering::Relaxed));
    let state = shared.state();
    let path = request.uri().path().to_string();
    let method = request.method().to_string();
    let finish = |route: &str,
                  mut response: Response<Full<Bytes>>,
                  instantiate: Option<Duration>,
                  error: Option<&str>| {
        if let Ok(value) = HeaderValue::from_str(&id) {
            response.headers_mut().insert("x-request-id", value);
        }
        if let Some(log) = &shared.access_log {
            let bytes = hyper::body::Body::size_hint(response.body()).exact().unwrap_or(0) as usize;
            log.write(&Access {
                id: &id,
                route,
                method: &method,
                path: &path,
                status: response.status().as_u16(),
                bytes,
                duration: started.elapsed(),
                instantiate,
                remote,
                error,
            });
        }
        response
    };

    let Some((_, app, script, info)) = state.router.find(&path) else {
        shared.metrics.unrouted.fetch_add(1, Ordering::Relaxed);
        return finish("", error_page(StatusCode::NOT_FOUND), None, Some("no route"));
    };
    let app = app.clone();
    let (script, info) = (script.to_string(), info.to_string());
    let label = app.label.clone();
    let reject = |status: StatusCode, reason: &'static str| {
        app.metrics.rejected(reason);
        app.metrics.responded(status.as_u16(), started.elapsed());
        let mut response = error_page(status);
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(http::header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        finish(&label, response, None, Some(reason))
    };

    // Admission: a bounded number in flight, never a queue.
    let Ok(server_permit) = state.in_flight.clone().try_acquire_owned() else {
        return reject(StatusCode::SERVICE_UNAVAILABLE, "server_busy");
    };
    let route_permit = match &app.in_flight {
        Some(bound) => match bound.clone().try_acquire_owned() {
            Ok(permit) => Some(permit),
            Err(_) => return reject(StatusCode::SERVICE_UNAVAILABLE, "route_busy"),
        },
        None => None,
    };
    let in_flight = app.metrics.enter();

    // The body, within its limit and the route's time.
    let declared = request
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > app.limits.max_body) {
        return reject(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large");
    }
    let (parts, body) = request.into_parts();
    let limit = usize::try_from(app.limits.max_body).unwrap_or(usize::MAX);
    let body =
        match tokio::time::timeout(app.limits.timeout, Limited::new(body, limit).collect()).await {
            Ok(Ok(collected)) => collected.to_bytes(),
            Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => {
                return reject(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large");
            }
            Ok(Err(_)) => return reject(StatusCode::BAD_REQUEST, "bad_body"),
            Err(_) => return reject(StatusCode::REQUEST_TIMEOUT, "body_timeout"),
        };

    let guest_request = GuestRequest {
        id: id.clone(),
        method: parts.method,
        uri: parts.uri,
        version: parts.version,
        headers: parts.headers,
        body,
        script_name: script,
        path_info: info,
        route: label.to_string(),
        remote,
        local,
    };
    let guest = app.guest.clone();
    // The permits go with the guest: a request that outlives its answer
    // (see the backstop below) still counts until its guest has stopped.
    let running = tokio::task::spawn_blocking(move || {
        let outcome = guest.handle(guest_request);
        drop((server_permit, route_permit, in_flight));
        outcome
    });
    // The epoch deadline stops guests; this backstop covers a guest stuck
    // in the host or waiting for a thread.
    let backstop = app.limits.timeout * 2 + Duration::from_secs(1);
    let outcome = match tokio::time::timeout(backstop, running).await {
        Ok(Ok(outcome)) => outcome,
        Ok(Err(_)) => Outcome {
            response: Err(Fault::Host("the guest's thread failed".into())),
            instantiate: Duration::ZERO,
            stderr: Vec::new(),
        },
        Err(_) => Outcome {
            response: Err(Fault::TimedOut("no answer in time".into())),
            instantiate: Duration::ZERO,
            stderr: Vec::new(),
        },
    };
    guest_stderr(&label, &id, &outcome.stderr);
    if !outcome.instantiate.is_zero() {
        shared.metrics.instantiate.observe(outcome.instantiate);
    }
    let instantiate = (!outcome.instantiate.is_zero()).then_some(outcome.instantiate);
    match outcome.response {
        Ok(response) => {
            let response = response.map(Full::new);
            app.metrics.responded(response.status().as_u16(), started.elapsed());
            finish(&label, response, instantiate, None)
        }
        Err(fault) => {
            let status = fault.status();
            app.metrics.faulted(fault.kind());
            app.metrics.responded(status.as_u16(), started.elapsed());
            let why = fault.to_string();
            note(format_args!("[{label} {id}] {why}"));
            finish(&label, error_page(status), instantiate, Some(&why))
        }
    }
}
