//! Counters and histograms, rendered in the Prometheus text format.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 16] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
    5.0, 10.0,
];

/// A histogram of durations.
#[derive(Debug, Default)]
pub(crate) struct Histogram {
    /// Per bucket (not cumulative); the last counts what exceeds them all.
    counts: [AtomicU64; BUCKETS.len() + 1],
    sum_ns: AtomicU64,
}

impl Histogram {
    pub(crate) fn observe(&self, d: Duration) {
        let secs = d.as_secs_f64();
        let i = BUCKETS.iter().position(|&b| secs <= b).unwrap_or(BUCKETS.len());
        self.counts[i].fetch_add(1, Ordering::Relaxed);
        self.sum_ns.fetch_add(d.as_nanos() as u64, Ordering::Relaxed);
    }

    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        let mut cumulative = 0;
        for (i, bound) in BUCKETS.iter().enumerate() {
            cumulative += self.counts[i].load(Ordering::Relaxed);
            let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"{bound}\"}} {cumulative}");
        }
        cumulative += self.counts[BUCKETS.len()].load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {cumulative}");
        let sum = self.sum_ns.load(Ordering::Relaxed) as f64 / 1e9;
        let _ = writeln!(out, "{name}_sum{{{labels}}} {sum}");
        let _ = writeln!(out, "{name}_count{{{labels}}} {cumulative}");
    }
}

/// One route's figures.
#[derive(Debug, Default)]
pub(crate) struct RouteMetrics {
    responses: Mutex<BTreeMap<u16, u64>>,
    rejections: Mutex<BTreeMap<&'static str, u64>>,
    faults: Mutex<BTreeMap<&'static str, u64>>,
    latency: Histogram,
    in_flight: AtomicI64,
}

impl RouteMetrics {
    pub(crate) fn responded(&self, status: u16, latency: Duration) {
        *lock(&self.responses).entry(status).or_default() += 1;
        self.latency.observe(latency);
    }

    /// A request turned away before its guest ran: `reason` is
    /// `route_busy`, `server_busy`, `body_too_large`…
    pub(crate) fn rejected(&self, reason: &'static str) {
        *lock(&self.rejections).entry(reason).or_default() += 1;
    }

    pub(crate) fn faulted(&self, kind: &'static str) {
        *lock(&self.faults).entry(kind).or_default() += 1;
    }

    /// Counts a request in flight until the guard is dropped.
    pub(crate) fn enter(self: &Arc<Self>) -> InFlight {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(self.clone())
    }
}

/// A request in flight on a route.
#[derive(Debug)]
pub(crate) struct InFlight(Arc<RouteMetrics>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The whole server's figures. Routes keep theirs across reloads.
#[derive(Debug, Default)]
pub(crate) struct Metrics {
    routes: Mutex<BTreeMap<String, Arc<RouteMetrics>>>,
    pub(crate) instantiate: Histogram,
    /// Requests for paths no route serves.
    pub(crate) unrouted: AtomicU64,
    pub(crate) reloads: AtomicU64,
    pub(crate) failed_reloads: AtomicU64,
}

/// Figures read at render time.
pub(crate) struct Gauges {
    pub(crate) pooled_memories: usize,
    pub(crate) pool_capacity: usize,
    pub(crate) global_in_flight: usize,
    pub(crate) max_in_flight: usize,
}

impl Metrics {
    /// The figures of the route `label`.
    pub(crate) fn route(&self, label: &str) -> Arc<RouteMetrics> {
        lock(&self.routes).entry(label.to_string()).or_default().clone()
    }

    /// Everything, in the Prometheus text format.
    pub(crate) fn render(&self, gauges: &Gauges) -> String {
        let mut out = String::new();
        let routes = lock(&self.routes).clone();
        let family = |out: &mut String, name: &str, kind: &str, help: &str| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        };
        family(
            &mut out,
            "wisp_serve_requests_total",
            "counter",
            "Responses sent, by route and status.",
        );
        for (route, m) in &routes {
            for (status, n) in lock(&m.responses).iter() {
                let _ = writeln!(
                    out,
                    "wisp_serve_requests_total{{route=\"{}\",status=\"{status}\"}} {n}",
                    escape(route)
                );
            }
        }
        let unrouted = self.unrouted.load(Ordering::Relaxed);
        let _ = writeln!(out, "wisp_serve_requests_total{{route=\"\",status=\"404\"}} {unrouted}");
        family(
            &mut out,
            "wisp_serve_request_duration_seconds",
            "histogram",
            "Time from a request's head to its response, by route.",
        );
        for (route, m) in &routes {
            m.latency.render(
                &mut out,
                "wisp_serve_request_duration_seconds",
                &format!("route=\"{}\"", escape(route)),
            );
        }
        family(
            &mut out,
            "wisp_serve_instantiate_seconds",
            "histogram",
            "Time to make a request's fresh instance.",
        );
        self.instantiate.render(&mut out, "wisp_serve_instantiate_seconds", "");
        family(&mut out, "wisp_serve_in_flight", "gauge", "Requests being handled, by route.");
        for (route, m) in &routes {
            let _ = writeln!(
                out,
                "wisp_serve_in_flight{{route=\"{}\"}} {}",
                escape(route),
                m.in_flight.load(Ordering::Relaxed)
            );
        }
        family(
            &mut out,
            "wisp_serve_in_flight_total",
            "gauge",
            "Requests being handled by the whole server.",
        );
        let _ = writeln!(out, "wisp_serve_in_flight_total {}", gauges.global_in_flight);
        family(
            &mut out,
            "wisp_serve_max_in_flight",
            "gauge",
            "The server's bound on requests in flight.",
        );
        let _ = writeln!(out, "wisp_serve_max_in_flight {}", gauges.max_in_flight);
        family(
            &mut out,
            "wisp_serve_rejections_total",
            "counter",
            "Requests turned away before their guest ran, by route and reason.",
        );
        for (route, m) in &routes {
            for (reason, n) in lock(&m.rejections).iter() {
                let _ = writeln!(
                    out,
                    "wisp_serve_rejections_total{{route=\"{}\",reason=\"{reason}\"}} {n}",
                    escape(route)
                );
            }
        }
        family(
            &mut out,
            "wisp_serve_guest_faults_total",
            "counter",
            "Guests that did not answer, by route and kind.",
        );
        for (route, m) in &routes {
            for (kind, n) in lock(&m.faults).iter() {
                let _ = writeln!(
                    out,
                    "wisp_serve_guest_faults_total{{route=\"{}\",kind=\"{kind}\"}} {n}",
                    escape(route)
                );
            }
        }
        family(
            &mut out,
            "wisp_serve_memory_pool_idle",
            "gauge",
            "Linear-memory reservations waiting for reuse.",
        );
        let _ = writeln!(out, "wisp_serve_memory_pool_idle {}", gauges.pooled_memories);
        family(
            &mut out,
            "wisp_serve_memory_pool_capacity",
            "gauge",
            "Most reservations each engine keeps for reuse.",
        );
        let _ = writeln!(out, "wisp_serve_memory_pool_capacity {}", gauges.pool_capacity);
        family(
            &mut out,
            "wisp_serve_reloads_total",
            "counter",
            "Configuration reloads, by result.",
        );
        let _ = writeln!(
            out,
            "wisp_serve_reloads_total{{result=\"ok\"}} {}",
            self.reloads.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "wisp_serve_reloads_total{{result=\"failed\"}} {}",
            self.failed_reloads.load(Ordering::Relaxed)
        );
        if let Some(rss) = resident_bytes() {
            family(&mut out, "process_resident_memory_bytes", "gauge", "Resident set size.");
            let _ = writeln!(out, "process_resident_memory_bytes {rss}");
        }
        if let Ok(fds) = std::fs::read_dir("/proc/self/fd") {
            family(&mut out, "process_open_fds", "gauge", "Open file descriptors.");
            let _ = writeln!(out, "process_open_fds {}", fds.count());
        }
        out
    }
}

/// The process's resident set size, from `/proc/self/status`.
fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// A label value with `\`, `"` and newlines escaped.
fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_cumulative_buckets() {
        let metrics = Metrics::default();
        let hello = metrics.route("/hello");
        hello.responded(200, Duration::from_micros(50));
        hello.responded(200, Duration::from_millis(3));
        hello.responded(504, Duration::from_secs(60));
        hello.rejected("route_busy");
        hello.faulted("timeout");
        let guard = hello.enter();
        let text = metrics.render(&Gauges {
            pooled_memories: 3,
            pool_capacity: 16,
            global_in_flight: 1,
            max_in_flight: 9,
        });
        for line in [
            "wisp_serve_requests_total{route=\"/hello\",status=\"200\"} 2",
            "wisp_serve_requests_total{route=\"/hello\",status=\"504\"} 1",
            "wisp_serve_request_duration_seconds_bucket{route=\"/hello\",le=\"0.0001\"} 1",
            "wisp_serve_request_duration_seconds_bucket{route=\"/hello\",le=\"0.005\"} 2",
            "wisp_serve_request_duration_seconds_bucket{route=\"/hello\",le=\"10\"} 2",
            "wisp_serve_request_duration_seconds_bucket{route=\"/hello\",le=\"+Inf\"} 3",
            "wisp_serve_request_duration_seconds_count{route=\"/hello\"} 3",
            "wisp_serve_in_flight{route=\"/hello\"} 1",
            "wisp_serve_rejections_total{route=\"/hello\",reason=\"route_busy\"} 1",
            "wisp_serve_guest_faults_total{route=\"/hello\",kind=\"timeout\"} 1",
            "wisp_serve_memory_pool_idle 3",
            "wisp_serve_max_in_flight 9",
        ] {
            assert!(text.lines().any(|l| l == line), "missing {line} in\n{text}");
        }
        drop(guard);
        assert!(
            metrics
                .render(&Gauges {
                    pooled_memories: 0,
                    pool_capacity: 0,
                    global_in_flight: 0,
                    max_in_flight: 1
                })
                .contains("wisp_serve_in_flight{route=\"/hello\"} 0")
        );
        assert!(text.contains("process_resident_memory_bytes "));
    }
}
