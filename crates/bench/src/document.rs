//! `docs/benchmarks.md`: a template with `{{name}}` placeholders, filled
//! with the tables of one run. Nothing in the page is written by hand
//! except the template's prose.

use std::fmt::Write;

use crate::machine::Machine;
use crate::report::{Kind, Results};

/// The template, `crates/bench/template.md`.
pub const TEMPLATE: &str = include_str!("../template.md");

/// Fills `template` with `results`, measured on `machine` by `command`.
/// Fails on a placeholder it does not know, so a typo in the template
/// cannot slip into the page.
pub fn render(
    template: &str,
    results: &Results,
    machine: &Machine,
    command: &str,
) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        let close = after.find("}}").ok_or("a `{{` without `}}` in the template")?;
        let name = &after[..close];
        out.push_str(
            &value(name, results, machine, command)
                .ok_or(format!("unknown placeholder {{{{{name}}}}}"))?,
        );
        rest = &after[close + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

fn value(name: &str, results: &Results, machine: &Machine, command: &str) -> Option<String> {
    Some(match name {
        "command" => command.to_string(),
        "runs" => results.runs.to_string(),
        "startup_runs" => results.startup_runs.to_string(),
        "machine" => format!(
            "- CPU: {} ({} logical CPUs)\n- OS: {}\n- compiler: {}\n- date: {} UTC\n\
             - load average (1, 5, 15 min): {} at the start, {} at the end\n",
            machine.cpu,
            machine.cores,
            machine.os,
            machine.rustc,
            machine.date,
            machine.load_before,
            machine.load_after.as_deref().unwrap_or("unknown"),
        ),
        "runtimes" => {
            let mut list = String::new();
            for (name, version) in &results.versions {
                let _ = writeln!(list, "- {name}: `{version}`");
            }
            for (name, why) in &results.unavailable {
                let _ = writeln!(list, "- {name}: unavailable ({why})");
            }
            list
        }
        "in_process" => results.in_process_table(),
        "whole_process" => results.whole_process_table(Kind::WholeProcess),
        "ratios" => results.ratio_table(Kind::WholeProcess),
        "geomeans" => geomeans(results, Kind::WholeProcess),
        "rss" => results.rss_table(),
        "startup" => results.whole_process_table(Kind::Startup),
        "startup_ratios" => results.ratio_table(Kind::Startup),
        "problems" => {
            let problems = results.problems();
            if problems.is_empty() {
                "None: every run printed its expected output.\n".to_string()
            } else {
                problems
            }
        }
        _ => return None,
    })
}

/// One bullet per (Wisp runtime, peer): the geometric mean of the ratios.
fn geomeans(results: &Results, kind: Kind) -> String {
    let means = results.geomeans(kind);
    if means.is_empty() {
        return "- (no peer was measured)\n".to_string();
    }
    let mut out = String::new();
    for (wisp, peer, mean, n) in means {
        let _ = writeln!(out, "- {wisp} / {peer}: **{mean:.2}** over {n} programs");
    }
    out
}
