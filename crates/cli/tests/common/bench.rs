//! The shared benchmark corpus: `$WISP_SHARED/bench`, or `../shared/bench`
//! beside the workspace, and its expected outputs.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The corpus directory; `None` if it is missing, which fails under
/// `CI=true` and is otherwise said on stderr.
pub fn corpus() -> Option<PathBuf> {
    let shared = std::env::var_os("WISP_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared"));
    let bench = shared.join("bench");
    if bench.is_dir() {
        return Some(bench);
    }
    assert!(std::env::var("CI").as_deref() != Ok("true"), "benchmark corpus not found under CI");
    eprintln!("skipping: benchmark corpus not found (set WISP_SHARED)");
    None
}

/// The `.standalone.wasm` programs, whose `bench.start`/`bench.end` are
/// built in, so they run without a benchmark harness.
pub fn programs(bench: &Path) -> Vec<PathBuf> {
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

/// Whether a run of `program` succeeded and printed what it should.
pub fn check_output(program: &Path, output: &std::process::Output) -> Result<(), String> {
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

/// Runs `check` on every item, two at a time, and asserts that none
/// failed; `describe` names an item in the failure list.
pub fn check_all<T: Send>(
    items: Vec<T>,
    describe: impl Fn(&T) -> String + Sync,
    check: impl Fn(&T) -> Result<(), String> + Sync,
) {
    let total = items.len();
    assert!(total > 0, "nothing to check");
    let queue = Mutex::new(items);
    let failures = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                while let Some(item) = queue.lock().unwrap().pop() {
                    if let Err(why) = check(&item) {
                        failures.lock().unwrap().push(format!("{}: {why}", describe(&item)));
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
}
