//! The results of a benchmark run and their renderings: Markdown tables
//! and CSV.

use std::fmt::Write;

use crate::stats::{Summary, geomean};

/// How a program was run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Inside the harness through the embedding API, phases timed apart.
    InProcess,
    /// As a child process through a runtime's command line.
    WholeProcess,
    /// As a child process, for the trivial programs measuring startup.
    Startup,
}

impl Kind {
    /// The name in the CSV.
    pub fn name(self) -> &'static str {
        match self {
            Kind::InProcess => "in-process",
            Kind::WholeProcess => "whole-process",
            Kind::Startup => "startup",
        }
    }
}

/// What a series of timings covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Decoding, validating and eager translation.
    Compile,
    /// Creating the store and instantiating.
    Instantiate,
    /// From `bench.start` to `bench.end`.
    Execute,
    /// A whole process, from spawn to exit.
    Total,
}

impl Phase {
    /// The name in tables and the CSV.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Compile => "compile",
            Phase::Instantiate => "instantiate",
            Phase::Execute => "execute",
            Phase::Total => "total",
        }
    }
}

/// Whether a program ran correctly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Every run printed the expected output.
    Ok,
    /// A run printed something else; the series holds no timings.
    Wrong(String),
    /// A run failed to start, trapped or exited with an error.
    Failed(String),
}

impl Status {
    fn short(&self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Wrong(_) => "wrong output",
            Status::Failed(_) => "failed",
        }
    }

    fn detail(&self) -> Option<&str> {
        match self {
            Status::Ok => None,
            Status::Wrong(why) | Status::Failed(why) => Some(why),
        }
    }
}

/// The timings of one phase of one program under one runtime.
#[derive(Debug, Clone)]
pub struct Series {
    /// How it was run.
    pub kind: Kind,
    /// The program's name.
    pub program: String,
    /// The runtime's name.
    pub runtime: String,
    /// What was timed.
    pub phase: Phase,
    /// Seconds, one per timed run (none unless the status is `Ok`).
    pub times: Vec<f64>,
    /// The largest peak RSS over the runs, in KiB (whole processes only).
    pub peak_rss_kib: Option<u64>,
    /// Whether the runs were correct.
    pub status: Status,
}

impl Series {
    /// Median and range, if the runs were correct.
    pub fn summary(&self) -> Option<Summary> {
        match self.status {
            Status::Ok => Summary::of(&self.times),
            _ => None,
        }
    }
}

/// Everything one invocation of the harness measured.
#[derive(Debug, Clone, Default)]
pub struct Results {
    /// Timed runs per program and runtime.
    pub runs: usize,
    /// Timed runs for the startup programs.
    pub startup_runs: usize,
    /// In-process tiers measured, by runtime name, in order.
    pub tiers: Vec<String>,
    /// Whole-process runtimes measured, in order, Wisp's first.
    pub runtimes: Vec<String>,
    /// What each whole-process runtime's `--version` printed.
    pub versions: Vec<(String, String)>,
    /// Runtimes that could not be measured at all, with the reason.
    pub unavailable: Vec<(String, String)>,
    /// All timings.
    pub series: Vec<Series>,
}

impl Results {
    /// The series for one cell, if it was measured.
    pub fn get(&self, kind: Kind, program: &str, runtime: &str, phase: Phase) -> Option<&Series> {
        self.series.iter().find(|s| {
            s.kind == kind && s.program == program && s.runtime == runtime && s.phase == phase
        })
    }

    /// The programs measured with `kind`, in the order they ran.
    pub fn programs(&self, kind: Kind) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for s in self.series.iter().filter(|s| s.kind == kind) {
            if !names.contains(&s.program.as_str()) {
                names.push(&s.program);
            }
        }
        names
    }

    fn median(&self, kind: Kind, program: &str, runtime: &str) -> Option<f64> {
        self.get(kind, program, runtime, Phase::Total)?.summary().map(|s| s.median)
    }

    /// One row per program and tier; one column per phase: median and
    /// range.
    pub fn in_process_table(&self) -> String {
        let phases = [Phase::Compile, Phase::Instantiate, Phase::Execute];
        let mut out = String::from("| program | tier | compile | instantiate | execute |\n");
        out.push_str("|:--|:--|--:|--:|--:|\n");
        for program in self.programs(Kind::InProcess) {
            for tier in &self.tiers {
                let cells: Vec<String> = phases
                    .iter()
                    .map(|&p| cell(self.get(Kind::InProcess, program, tier, p)))
                    .collect();
                let _ = writeln!(out, "| {program} | {tier} | {} |", cells.join(" | "));
            }
        }
        out
    }

    /// One row per program, one column per runtime: median and range of
    /// the whole process's wall-clock time.
    pub fn whole_process_table(&self, kind: Kind) -> String {
        let mut out = header("program", &self.runtimes, "--:");
        for program in self.programs(kind) {
            let cells: Vec<String> = self
                .runtimes
                .iter()
                .map(|r| cell(self.get(kind, program, r, Phase::Total)))
                .collect();
            let _ = writeln!(out, "| {program} | {} |", cells.join(" | "));
        }
        out
    }

    /// The ratio of each Wisp runtime's median to each peer's, per
    /// program, with their geometric mean (above 1: Wisp is slower).
    pub fn ratio_table(&self, kind: Kind) -> String {
        let pairs = self.pairs();
        if pairs.is_empty() {
            return "(no peer was measured, so there are no ratios)\n".to_string();
        }
        let titles: Vec<String> = pairs.iter().map(|(w, p)| format!("{w} / {p}")).collect();
        let mut out = header("program", &titles, "--:");
        let mut ratios = vec![Vec::new(); pairs.len()];
        for program in self.programs(kind) {
            let mut cells = Vec::new();
            for (i, (wisp, peer)) in pairs.iter().enumerate() {
                match (self.median(kind, program, wisp), self.median(kind, program, peer)) {
                    (Some(w), Some(p)) if p > 0.0 => {
                        ratios[i].push(w / p);
                        cells.push(format!("{:.2}", w / p));
                    }
                    _ => cells.push(String::new()),
                }
            }
            let _ = writeln!(out, "| {program} | {} |", cells.join(" | "));
        }
        let means: Vec<String> = ratios
            .iter()
            .map(|r| {
                geomean(r).map_or(String::new(), |g| format!("**{g:.2}** ({} programs)", r.len()))
            })
            .collect();
        let _ = writeln!(out, "| **geometric mean** | {} |", means.join(" | "));
        out
    }

    /// Geometric means of the ratios, as (Wisp runtime, peer, mean,
    /// programs).
    pub fn geomeans(&self, kind: Kind) -> Vec<(String, String, f64, usize)> {
        let mut means = Vec::new();
        for (wisp, peer) in self.pairs() {
            let ratios: Vec<f64> = self
                .programs(kind)
                .into_iter()
                .filter_map(|p| Some(self.median(kind, p, &wisp)? / self.median(kind, p, &peer)?))
                .collect();
            if let Some(g) = geomean(&ratios) {
                means.push((wisp, peer, g, ratios.len()));
            }
        }
        means
    }

    /// (Wisp runtime, peer) pairs compared in ratio tables.
    fn pairs(&self) -> Vec<(String, String)> {
        let (wisp, peers): (Vec<&String>, Vec<&String>) =
            self.runtimes.iter().partition(|r| r.starts_with("wisp-"));
        let mut pairs = Vec::new();
        for w in &wisp {
            for p in &peers {
                pairs.push((w.to_string(), p.to_string()));
            }
        }
        pairs
    }

    /// Peak resident memory per program and runtime, in MiB, for the
    /// whole-process and startup runs.
    pub fn rss_table(&self) -> String {
        let mut out = header("program", &self.runtimes, "--:");
        for kind in [Kind::WholeProcess, Kind::Startup] {
            for program in self.programs(kind) {
                let cells: Vec<String> = self
                    .runtimes
                    .iter()
                    .map(|r| match self.get(kind, program, r, Phase::Total) {
                        Some(s @ Series { status: Status::Ok, .. }) => s
                            .peak_rss_kib
                            .map_or(String::new(), |k| format!("{:.1}", k as f64 / 1024.0)),
                        Some(s) => s.status.short().to_string(),
                        None => String::new(),
                    })
                    .collect();
                let suffix = if kind == Kind::Startup { " (startup)" } else { "" };
                let _ = writeln!(out, "| {program}{suffix} | {} |", cells.join(" | "));
            }
        }
        out
    }

    /// Runtimes that could not run, and programs a runtime got wrong or
    /// failed on, one bullet each; empty if there were none.
    pub fn problems(&self) -> String {
        let mut out = String::new();
        for (runtime, why) in &self.unavailable {
            let _ = writeln!(out, "- {runtime}: unavailable: {}", escape(why));
        }
        for s in &self.series {
            if let Some(why) = s.status.detail() {
                let _ = writeln!(
                    out,
                    "- {} ({}, {}): {}: {}",
                    s.program,
                    s.runtime,
                    s.kind.name(),
                    s.status.short(),
                    escape(why)
                );
            }
        }
        out
    }

    /// Every series as one CSV line, times in seconds.
    pub fn csv(&self) -> String {
        let mut out = String::from(
            "kind,program,runtime,phase,runs,median_s,min_s,max_s,peak_rss_kib,status\n",
        );
        for (runtime, why) in &self.unavailable {
            let _ = writeln!(
                out,
                ",,{},,0,,,,,{}",
                csv_field(runtime),
                csv_field(&format!("unavailable: {why}"))
            );
        }
        for s in &self.series {
            let (median, min, max) = match s.summary() {
                Some(sum) => (sum.median.to_string(), sum.min.to_string(), sum.max.to_string()),
                None => Default::default(),
            };
            let status = match s.status.detail() {
                Some(why) => format!("{}: {why}", s.status.short()),
                None => "ok".to_string(),
            };
            let _ = writeln!(
                out,
                "{},{},{},{},{},{median},{min},{max},{},{}",
                s.kind.name(),
                csv_field(&s.program),
                csv_field(&s.runtime),
                s.phase.name(),
                s.times.len(),
                s.peak_rss_kib.map_or(String::new(), |k| k.to_string()),
                csv_field(&status),
            );
        }
        out
    }
}

fn header(first: &str, columns: &[String], align: &str) -> String {
    let mut out = format!("| {first} |");
    for c in columns {
        let _ = write!(out, " {c} |");
    }
    out.push_str("\n|:--|");
    for _ in columns {
        let _ = write!(out, "{align}|");
    }
    out.push('\n');
    out
}

/// `median (min–max)`, or why there is no timing.
fn cell(series: Option<&Series>) -> String {
    match series {
        None => String::new(),
        Some(s) => match s.summary() {
            Some(sum) => format_summary(sum),
            None => s.status.short().to_string(),
        },
    }
}

/// `1.23 ms (1.20–1.31)`: the range in the median's unit.
pub fn format_summary(s: Summary) -> String {
    let (scale, unit) = unit_for(s.median);
    let n = |v: f64| precise(v * scale);
    format!("{} {unit} ({}–{})", n(s.median), n(s.min), n(s.max))
}

/// A duration in seconds with a readable unit: `812 µs`, `1.23 ms`, `4.5 s`.
pub fn format_seconds(secs: f64) -> String {
    let (scale, unit) = unit_for(secs);
    format!("{} {unit}", precise(secs * scale))
}

fn unit_for(secs: f64) -> (f64, &'static str) {
    if secs < 1e-3 {
        (1e6, "µs")
    } else if secs < 1.0 {
        (1e3, "ms")
    } else {
        (1.0, "s")
    }
}

/// Three significant digits for small numbers, none after the point for
/// large ones.
fn precise(v: f64) -> String {
    if v < 10.0 {
        format!("{v:.2}")
    } else if v < 100.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.0}")
    }
}

fn escape(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\"").replace('\n', " "))
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(format_seconds(0.000_812), "812 µs");
        assert_eq!(format_seconds(0.001_234), "1.23 ms");
        assert_eq!(format_seconds(4.5), "4.50 s");
        let s = Summary { median: 0.0123, min: 0.012, max: 0.0131 };
        assert_eq!(format_summary(s), "12.3 ms (12.0–13.1)");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
    }
}
