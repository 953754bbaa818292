//! `wisp-bench`: times Wisp on the benchmark corpus, in process per tier
//! and as whole processes beside other runtimes. See `docs/benchmarks.md`.

#![forbid(unsafe_code)]

use std::path::Path;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use wisp_bench::harness::{self, Options, note};
use wisp_bench::machine::{self, Machine};
use wisp_bench::report::{Kind, Results};
use wisp_bench::{chart, document, process};

/// Times Wisp on the benchmark corpus: in process (compile, instantiate and
/// execute apart, per tier) and as whole processes side by side with
/// wasmtime, wasmer and wasmi; plus startup and peak memory.
#[derive(Parser, Debug)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Measures, prints the Markdown tables on stdout and writes
    /// results.md, results.csv and results.svg to target/bench/.
    Run(Options),
    /// Measures and regenerates docs/benchmarks.md (from
    /// crates/bench/template.md), docs/benchmarks.csv and docs/benchmarks.svg.
    Report(Options),
}

fn main() -> Result<()> {
    // As a launcher (see `process`), do nothing else: its memory is the
    // floor of every peak RSS measured through it.
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.get(1).is_some_and(|a| a == process::LAUNCHER) {
        return process::launcher_main(&args[2..]).context("launcher");
    }
    let cli = Cli::parse();
    let root = harness::workspace_root();
    let (options, report) = match cli.command {
        Command::Run(options) => (options, false),
        Command::Report(options) => (options, true),
    };
    let mut machine = Machine::describe();
    let results = harness::run(&options, &root)?;
    machine.load_after = Some(machine::load_average());
    let command = format!("cargo run --release -p wisp-bench -- {}", shell_words());
    if report {
        let docs = root.join("docs");
        write(&docs.join("benchmarks.svg"), &chart_or_note(&results))?;
        write(&docs.join("benchmarks.csv"), &results.csv())?;
        let page = document::render(document::TEMPLATE, &results, &machine, &command)
            .map_err(anyhow::Error::msg)?;
        write(&docs.join("benchmarks.md"), &page)?;
    } else {
        let out = harness::target_dir(&root).join("bench");
        write(&out.join("results.svg"), &chart_or_note(&results))?;
        write(&out.join("results.csv"), &results.csv())?;
        let page =
            document::render(SUMMARY, &results, &machine, &command).map_err(anyhow::Error::msg)?;
        write(&out.join("results.md"), &page)?;
        print!("{page}");
    }
    Ok(())
}

/// What `run` prints: the tables without the prose.
const SUMMARY: &str = "\
{{machine}}
Runtimes:

{{runtimes}}
## In process ({{runs}} runs)

{{in_process}}
## Whole process ({{runs}} runs)

{{whole_process}}
{{ratios}}
{{geomeans}}
## Peak RSS (MiB)

{{rss}}
## Startup ({{startup_runs}} runs)

{{startup}}
{{startup_ratios}}
## Problems

{{problems}}";

/// The chart, or an SVG saying why there is none.
fn chart_or_note(results: &Results) -> String {
    chart::svg(results, Kind::WholeProcess, "Whole-process time per benchmark program")
        .unwrap_or_else(|why| {
            format!(
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"600\" height=\"40\">\
                 <text x=\"10\" y=\"25\">{why}</text></svg>\n"
            )
        })
}

fn write(path: &Path, contents: &str) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, contents).with_context(|| format!("cannot write {}", path.display()))?;
    note(format!("wrote {}", path.display()));
    Ok(())
}

/// This invocation's arguments, for the page to say how it was made.
fn shell_words() -> String {
    let args: Vec<String> = std::env::args().skip(1).collect();
    args.join(" ")
}
