//! Every program of the shared benchmark corpus runs under
//! `wisp run --dir .` from its own directory, in both tiers, and prints
//! exactly its expected output.
//!
//! The corpus lives outside the repository: `$WISP_SHARED/bench`, or
//! `../shared/bench` beside the workspace. Without it the test is skipped,
//! except under `CI=true` where it fails. Programs run two at a time.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

fn corpus() -> Option<PathBuf> {
    let shared = std::env::var_os("WISP_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared"));
    let bench = shared.join("bench");
    bench.is_dir().then_some(bench)
}

/// The `.standalone.wasm` programs, whose `bench.start`/`bench.end` are
/// built in, so they run without a benchmark harness.
fn programs(bench: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for dir in std::fs::read_dir(bench).into_iter().flatten().flatten() {
        for file in std::fs::read_dir(dir.path()).into_iter().flatten().flatten() {
            let path = file.path();
            if path.to_string_lossy().ends_with(".standalone.wasm") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// An expected-output file; a missing one means no output.
fn expected(program: &Path, stream: &str) -> String {
    let name = program.file_name().unwrap().to_string_lossy();
    let base = name.trim_end_matches(".standalone.wasm");
    std::fs::read_to_string(program.with_file_name(format!("{base}.{stream}.expected")))
        .unwrap_or_default()
}

/// Compares as the benchmark protocol does: line by line, a missing final
/// newline in the expectation being no difference.
fn same_output(got: &str, want: &str) -> bool {
    got.lines().eq(want.lines())
}

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
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        return Err(format!("exit status {}; stderr: {stderr}", output.status));
    }
    if !same_output(&stdout, &expected(program, "stdout")) {
        return Err(format!("stdout differs: {stdout:.400}"));
    }
    if !same_output(&stderr, &expected(program, "stderr")) {
        return Err(format!("stderr differs: {stderr:.400}"));
    }
    Ok(())
}

#[test]
fn every_benchmark_program_prints_its_expected_output() {
    let Some(bench) = corpus() else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "benchmark corpus not found under CI"
        );
        eprintln!("skipping: benchmark corpus not found (set WISP_SHARED)");
        return;
    };
    let runs: Vec<(PathBuf, &str)> =
        programs(&bench).into_iter().flat_map(|p| TIERS.map(|t| (p.clone(), t))).collect();
    let queue = Mutex::new(runs);
    let total = queue.lock().unwrap().len();
    assert!(total > 0, "no programs found in {}", bench.display());
    let failures = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                while let Some((program, tier)) = queue.lock().unwrap().pop() {
                    if let Err(why) = check(&program, tier) {
                        let name = program.display();
                        failures.lock().unwrap().push(format!("{name} ({tier}): {why}"));
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} of {total} runs failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("{total} runs (programs x tiers) printed their expected output");
}
