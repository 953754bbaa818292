//! One benchmark run from start to finish: choose the programs and
//! runtimes, time them, collect [`Results`]. Progress goes to stderr.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use regex::Regex;
use wisp::Engine;

use crate::corpus::{self, Program};
use crate::in_process::{self, TIERS, Tier};
use crate::peers::{self, PEERS, Runtime};
use crate::process;
use crate::report::{Kind, Phase, Results, Series, Status};

/// What to measure, and how often.
#[derive(Args, Debug, Clone)]
pub struct Options {
    /// Timed runs of each program under each runtime.
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub runs: usize,

    /// Untimed runs before the timed ones (their output is checked too).
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub warmup: usize,

    /// Timed runs of each startup program (noop, hello) under each runtime.
    #[arg(long, default_value_t = 30, value_name = "N")]
    pub startup_runs: usize,

    /// Only the programs whose name matches REGEX, e.g. `shootout-(fib2|sieve)`.
    #[arg(long, value_name = "REGEX")]
    pub program: Option<String>,

    /// Only these runtimes: wisp-interp, wisp-cranelift, wasmtime, wasmer,
    /// wasmi. Repeatable; default: all.
    #[arg(long, value_name = "NAME")]
    pub runtime: Vec<String>,

    /// Only these parts (comma-separated); default: all.
    #[arg(long, value_enum, value_delimiter = ',', value_name = "PART")]
    pub part: Vec<Part>,

    /// Leave the peer runtimes out: only Wisp is measured.
    #[arg(long)]
    pub no_peers: bool,

    /// Do not install missing peers; report them as unavailable.
    #[arg(long)]
    pub no_install: bool,

    /// The `wisp` binary to run whole-process (default: build it with
    /// `cargo build --release -p wisp-cli` and use that).
    #[arg(long, value_name = "PATH")]
    pub wisp: Option<PathBuf>,

    /// The benchmark corpus (default: `$WISP_SHARED/bench`, else
    /// `../shared/bench` beside the workspace).
    #[arg(long, value_name = "DIR")]
    pub bench_dir: Option<PathBuf>,

    /// Where peers are looked up (`DIR/bin`) and installed (default:
    /// `$WISP_PEERS`, else `~/.cache/wisp/peers`).
    #[arg(long, value_name = "DIR")]
    pub peers_dir: Option<PathBuf>,
}

/// A part of the benchmark run.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// Every program through the embedding API, per tier, phases apart.
    InProcess,
    /// Every program as a process, under Wisp's CLI and the peers.
    WholeProcess,
    /// The noop and hello programs as processes, many times.
    Startup,
}

impl Options {
    fn wants(&self, part: Part) -> bool {
        self.part.is_empty() || self.part.contains(&part)
    }

    fn wants_runtime(&self, name: &str) -> bool {
        self.runtime.is_empty() || self.runtime.iter().any(|r| r == name)
    }
}

/// The workspace root, where `benches/` and `docs/` are.
pub fn workspace_root() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    std::fs::canonicalize(&root).unwrap_or(root)
}

/// The cargo target directory.
pub fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from)
}

/// Prints a progress line.
pub fn note(message: impl std::fmt::Display) {
    eprintln!("wisp-bench: {message}");
}

/// Runs everything `options` asks for.
pub fn run(options: &Options, root: &Path) -> Result<Results> {
    if options.runs == 0 || options.startup_runs == 0 {
        bail!("--runs and --startup-runs must be at least 1");
    }
    for name in &options.runtime {
        let known =
            TIERS.iter().any(|t| t.runtime_name() == *name) || PEERS.iter().any(|p| p.name == name);
        if !known {
            bail!("unknown runtime `{name}`; try --help");
        }
    }
    let filter = match &options.program {
        Some(re) => Some(Regex::new(re).with_context(|| format!("bad --program `{re}`"))?),
        None => None,
    };
    let matches = |name: &str| filter.as_ref().is_none_or(|re| re.is_match(name));
    let bench_dir = options.bench_dir.clone().unwrap_or_else(|| corpus::default_dir(root));
    let corpus = corpus::discover(&bench_dir)?;
    let programs: Vec<&Program> = corpus.iter().filter(|p| matches(&p.name)).collect();
    let scratch = target_dir(root).join("bench");
    std::fs::create_dir_all(&scratch)?;

    let mut results =
        Results { runs: options.runs, startup_runs: options.startup_runs, ..Results::default() };
    let mut tiers: Vec<(Tier, Engine)> = Vec::new();
    for tier in TIERS {
        if !options.wants_runtime(&tier.runtime_name()) {
            continue;
        }
        match tier.engine() {
            Ok(engine) => tiers.push((tier, engine)),
            Err(why) => {
                note(format!("{} is unavailable: {why}", tier.runtime_name()));
                results.unavailable.push((tier.runtime_name(), why));
            }
        }
    }
    results.tiers = tiers.iter().map(|(t, _)| t.runtime_name()).collect();

    let mut runtimes = Vec::new();
    if options.wants(Part::WholeProcess) || options.wants(Part::Startup) {
        if !tiers.is_empty() {
            let wisp = match &options.wisp {
                Some(path) => std::fs::canonicalize(path)
                    .with_context(|| format!("--wisp {}", path.display()))?,
                None => build_wisp(root)?,
            };
            runtimes.extend(tiers.iter().map(|(t, _)| Runtime::wisp(&wisp, t.name)));
        }
        if !options.no_peers {
            runtimes.extend(find_peers(options, &mut results.unavailable));
        }
    }
    results.runtimes = runtimes.iter().map(|r| r.name.clone()).collect();
    for r in &runtimes {
        note(format!("{}: {} ({})", r.name, r.program.display(), r.version));
        results.versions.push((r.name.clone(), r.version.clone()));
    }

    if options.wants(Part::InProcess) {
        let with_hooks: Vec<&Program> =
            programs.iter().copied().filter(|p| p.wasm.is_some()).collect();
        for (i, program) in with_hooks.iter().enumerate() {
            let label = format!("in-process {}/{} {}", i + 1, with_hooks.len(), program.name);
            in_process_series(program, &tiers, options, &label, &mut results.series);
        }
    }
    if options.wants(Part::WholeProcess) && !runtimes.is_empty() {
        for (i, program) in programs.iter().enumerate() {
            let label = format!("whole-process {}/{} {}", i + 1, programs.len(), program.name);
            let (warmup, runs) = (options.warmup, options.runs);
            let series = process_series(
                program,
                &runtimes,
                &scratch,
                warmup,
                runs,
                Kind::WholeProcess,
                &label,
            );
            results.series.extend(series);
        }
    }
    if options.wants(Part::Startup) && !runtimes.is_empty() {
        let noop = corpus.iter().find(|p| p.name == "noop");
        let hello = corpus::hello(root, &scratch)?;
        for program in noop.into_iter().chain([&hello]).filter(|p| matches(&p.name)) {
            let label = format!("startup {}", program.name);
            let warmup = options.warmup.max(3);
            let runs = options.startup_runs;
            let series =
                process_series(program, &runtimes, &scratch, warmup, runs, Kind::Startup, &label);
            results.series.extend(series);
        }
    }
    Ok(results)
}

/// `cargo build --release -p wisp-cli`, returning the binary's path.
fn build_wisp(root: &Path) -> Result<PathBuf> {
    note("building wisp (cargo build --release -p wisp-cli)");
    let cargo = std::env::var_os("CARGO").unwrap_or("cargo".into());
    let status = Command::new(cargo)
        .args(["build", "--release", "-p", "wisp-cli"])
        .current_dir(root)
        .status()
        .context("cannot run cargo")?;
    if !status.success() {
        bail!("building wisp failed ({status})");
    }
    Ok(target_dir(root).join("release/wisp"))
}

/// The selected peers, installing missing ones unless told not to; those
/// that cannot be had are added to `unavailable`.
fn find_peers(options: &Options, unavailable: &mut Vec<(String, String)>) -> Vec<Runtime> {
    let dir = options.peers_dir.clone().unwrap_or_else(peers::default_dir);
    // Runtimes run with each program's directory as the working directory.
    let dir = std::path::absolute(&dir).unwrap_or(dir);
    let wanted: Vec<_> = PEERS.iter().filter(|p| options.wants_runtime(p.name)).collect();
    let missing: Vec<_> = wanted.iter().filter(|p| p.locate(&dir).is_none()).collect();
    if !missing.is_empty() && !options.no_install {
        let names: Vec<String> =
            missing.iter().map(|p| format!("{}@{}", p.krate, p.version)).collect();
        note(format!(
            "not found in {}: installing {} with cargo install before starting (this takes a while)",
            dir.join("bin").display(),
            names.join(", ")
        ));
    }
    let mut found = Vec::new();
    for peer in wanted {
        let path = match peer.locate(&dir) {
            Some(path) => Ok(path),
            None if options.no_install => {
                Err(format!("not installed in {} (--no-install)", dir.join("bin").display()))
            }
            None => {
                note(format!("installing {}@{} into {}", peer.krate, peer.version, dir.display()));
                peer.install(&dir).map_err(|e| format!("{e:#}"))
            }
        };
        match path {
            Ok(path) => {
                let runtime = peer.runtime(&path);
                if !runtime.version.contains(peer.version) {
                    note(format!(
                        "warning: expected {} {} but {} says `{}`",
                        peer.name,
                        peer.version,
                        path.display(),
                        runtime.version
                    ));
                }
                found.push(runtime);
            }
            Err(why) => {
                note(format!("{} is unavailable: {why}", peer.name));
                unavailable.push((peer.name.to_string(), why));
            }
        }
    }
    found
}

/// Times `program` in process under every tier, the tiers taking turns
/// run by run.
fn in_process_series(
    program: &Program,
    tiers: &[(Tier, Engine)],
    options: &Options,
    label: &str,
    out: &mut Vec<Series>,
) {
    let phases = [Phase::Compile, Phase::Instantiate, Phase::Execute];
    let first = out.len();
    for (tier, _) in tiers {
        for phase in phases {
            out.push(Series {
                kind: Kind::InProcess,
                program: program.name.clone(),
                runtime: tier.runtime_name(),
                phase,
                times: Vec::new(),
                peak_rss_kib: None,
                status: Status::Ok,
            });
        }
    }
    let rounds = options.warmup + options.runs;
    for round in 0..rounds {
        let mut progress = Vec::new();
        for (t, (tier, engine)) in tiers.iter().enumerate() {
            let mine = &mut out[first + 3 * t..first + 3 * t + 3];
            if mine[0].status != Status::Ok {
                continue;
            }
            match in_process::run(engine, program) {
                Ok(p) => {
                    progress.push(format!(
                        "{} {}",
                        tier.name,
                        crate::report::format_seconds(p.execute.as_secs_f64(),)
                    ));
                    if round >= options.warmup {
                        let times = [p.compile, p.instantiate, p.execute];
                        for (series, time) in mine.iter_mut().zip(times) {
                            series.times.push(time.as_secs_f64());
                        }
                    }
                }
                Err(status) => {
                    progress.push(format!("{}: {status:?}", tier.name));
                    for series in mine.iter_mut() {
                        series.times.clear();
                        series.status = status.clone();
                    }
                }
            }
        }
        note(format!("[{label}] run {}/{rounds}: execute {}", round + 1, progress.join(", ")));
    }
}

/// Times `program` as a process under every runtime, the runtimes taking
/// turns run by run (A B C A B C ...) so that drift in the machine's speed
/// hits them alike. A runtime that prints a wrong answer or fails is not
/// run on this program again.
fn process_series(
    program: &Program,
    runtimes: &[Runtime],
    scratch: &Path,
    warmup: usize,
    runs: usize,
    kind: Kind,
    label: &str,
) -> Vec<Series> {
    let mut series: Vec<Series> = runtimes
        .iter()
        .map(|r| Series {
            kind,
            program: program.name.clone(),
            runtime: r.name.clone(),
            phase: Phase::Total,
            times: Vec::new(),
            peak_rss_kib: None,
            status: Status::Ok,
        })
        .collect();
    let file = PathBuf::from(program.standalone.file_name().unwrap_or_default());
    let launcher = std::env::current_exe().unwrap_or_else(|_| "wisp-bench".into());
    for round in 0..warmup + runs {
        let mut progress = Vec::new();
        for (runtime, s) in runtimes.iter().zip(series.iter_mut()) {
            if s.status != Status::Ok {
                continue;
            }
            let outcome = process::run(&launcher, &runtime.command(&file), &program.dir, scratch);
            let status = match &outcome {
                Err(e) => Status::Failed(format!("cannot run {}: {e}", runtime.program.display())),
                Ok(run) if run.exit_code != Some(0) => {
                    let stderr = String::from_utf8_lossy(&run.stderr);
                    // The line naming the error, not a backtrace's last frame.
                    let mut lines = stderr.lines().filter(|l| !l.trim().is_empty());
                    let last = lines
                        .clone()
                        .find(|l| l.to_lowercase().contains("error"))
                        .or_else(|| lines.next_back())
                        .unwrap_or("")
                        .trim();
                    let how = run
                        .exit_code
                        .map_or("killed by a signal".into(), |c| format!("exit code {c}"));
                    Status::Failed(format!("{how}: {last:.200}"))
                }
                Ok(run) => match corpus::check_output(program, &run.stdout, &run.stderr) {
                    Ok(()) => Status::Ok,
                    Err(why) => Status::Wrong(why),
                },
            };
            match (status, outcome) {
                (Status::Ok, Ok(run)) => {
                    let secs = run.wall.as_secs_f64();
                    progress.push(format!(
                        "{} {}",
                        runtime.name,
                        crate::report::format_seconds(secs)
                    ));
                    s.peak_rss_kib = s.peak_rss_kib.max(Some(run.max_rss_kib));
                    if round >= warmup {
                        s.times.push(secs);
                    }
                }
                (status, _) => {
                    progress.push(format!("{}: {status:?}", runtime.name));
                    s.times.clear();
                    s.status = status;
                }
            }
        }
        if kind == Kind::WholeProcess || round + 1 == warmup + runs {
            note(format!("[{label}] run {}/{}: {}", round + 1, warmup + runs, progress.join(", ")));
        }
    }
    series
}
