//! Every program of the shared benchmark corpus runs under
//! `wisp run --dir .` from its own directory, in both tiers, and prints
//! exactly its expected output.
//!
//! The corpus lives outside the repository: `$WISP_SHARED/bench`, or
//! `../shared/bench` beside the workspace. Without it the test is skipped,
//! except under `CI=true` where it fails. Programs run two at a time.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::bench::{check_all, check_output, corpus, programs};

/// The tiers every program runs in.
const TIERS: [&str; 2] = ["interp", "cranelift"];

fn check(program: &Path, tier: &str) -> Result<(), String> {
    let output = Command::new(env!("CARGO_BIN_EXE_wisp"))
        .args(["run", "--tier", tier, "--dir", "."])
        .env("WISP_CACHE_DIR", Path::new(env!("CARGO_TARGET_TMPDIR")).join("wisp-cache"))
        .arg(program.file_name().unwrap())
        .current_dir(program.parent().unwrap())
        .stdin(Stdio::null())
        .output()
        .map_err(|e| e.to_string())?;
    check_output(program, &output)
}

#[test]
fn every_benchmark_program_prints_its_expected_output() {
    let Some(bench) = corpus() else { return };
    let runs: Vec<(PathBuf, &str)> =
        programs(&bench).into_iter().flat_map(|p| TIERS.map(|t| (p.clone(), t))).collect();
    let total = runs.len();
    check_all(
        runs,
        |(program, tier)| format!("{} ({tier})", program.display()),
        |(p, t)| check(p, t),
    );
    eprintln!("{total} runs (programs x tiers) printed their expected output");
}
