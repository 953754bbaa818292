//! The fuzz oracles over inputs from fixed seeds, as part of the normal
//! test suite: deterministic, and short enough to run on every change.
//!
//! - `differential_from_fixed_seeds`: generated modules run in every
//!   available engine (see `EngineKind::ALL`) and must agree.
//! - `instantiate_from_fixed_seeds`: generated modules with imports are
//!   instantiated and called under fuel and store limits; every failure is
//!   a typed error.
//!
//! A failing case prints its seed and the path of its `.wasm` (under the
//! target directory's `tmp/seeded/`) with the module as text. Knobs for
//! longer local runs: `WISP_SEEDED_MODULES` (cases per test) and
//! `WISP_SEEDED_BASE` (the first seed); `WISP_SEEDED_VERBOSE` prints each
//! seed before running it, to find one that aborts the process.

use std::collections::BTreeMap;
use std::panic::{self, AssertUnwindSafe};
use std::path::PathBuf;
use std::time::Instant;

use arbitrary::Unstructured;
use wisp_fuzzing::engines::EngineKind;
use wisp_fuzzing::generators::{self, seeded_input};
use wisp_fuzzing::oracles::{self, Budget};

const DIFFERENTIAL_MODULES: u64 = 3000;
const INSTANTIATE_MODULES: u64 = 1000;
/// Smaller than a fuzzer's budget: loops that never end are common in
/// generated code, and each one burns the whole budget in every engine.
const BUDGET: Budget = Budget { fuel: 50_000, calls: 20 };

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Saves a failing module and describes how to reproduce it.
fn reproduction(test: &str, seed: u64, wasm: &[u8]) -> String {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("seeded");
    let path = dir.join(format!("{test}-{seed}.wasm"));
    let saved = match std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, wasm)) {
        Ok(()) => path.display().to_string(),
        Err(e) => format!("(not saved: {e})"),
    };
    let text = wasmprinter::print_bytes(wasm).unwrap_or_else(|e| format!("(no text: {e})"));
    format!("seed {seed} (WISP_SEEDED_BASE={seed} WISP_SEEDED_MODULES=1), module {saved}:\n{text}")
}

/// Runs `case` on seeds `base..base + count`; a panic is a failure of its
/// seed.
fn for_seeds(count: u64, mut case: impl FnMut(u64) -> Result<(), String>) -> Vec<String> {
    let base = env_or("WISP_SEEDED_BASE", 0);
    let count = env_or("WISP_SEEDED_MODULES", count);
    let verbose = std::env::var_os("WISP_SEEDED_VERBOSE").is_some();
    let mut failures = Vec::new();
    for seed in base..base + count {
        if verbose {
            eprintln!("seed {seed}");
        }
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| case(seed)));
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(failure)) => failures.push(failure),
            Err(_) => failures.push(format!("seed {seed}: panicked (message above)")),
        }
        if failures.len() >= 3 {
            break;
        }
    }
    failures
}

#[test]
fn differential_from_fixed_seeds() {
    let started = Instant::now();
    let engines = EngineKind::available_engines();
    println!("engines: {:?}", engines.iter().map(|e| e.name()).collect::<Vec<_>>());
    let (mut modules, mut instantiated, mut calls) = (0, 0, 0);
    // Why comparisons stopped early, by reason.
    let mut inconclusive: BTreeMap<String, usize> = BTreeMap::new();
    let failures = for_seeds(DIFFERENTIAL_MODULES, |seed| {
        let data = seeded_input(seed, false);
        let mut u = Unstructured::new(&data);
        let Ok(config) = generators::differential_config(&mut u) else { return Ok(()) };
        let Ok(wasm) = generators::module(&mut u, config) else { return Ok(()) };
        modules += 1;
        let report = oracles::differential(&wasm, &mut u, &BUDGET);
        instantiated += usize::from(report.instantiated);
        calls += report.calls;
        if let Some(why) = &report.inconclusive {
            let reason = why.rsplit(": ").next().unwrap_or(why);
            *inconclusive.entry(reason.to_string()).or_default() += 1;
        }
        match report.divergence {
            None => Ok(()),
            Some(d) => Err(format!("{d}{}", reproduction("differential", seed, &wasm))),
        }
    });
    println!(
        "{modules} modules, {instantiated} instantiated, {calls} calls compared, in {:.1?}",
        started.elapsed()
    );
    for (reason, count) in &inconclusive {
        println!("  stopped early ({reason}): {count}");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(modules > 0 && calls > 0, "the generator produced nothing to compare");
}

#[test]
fn instantiate_from_fixed_seeds() {
    let started = Instant::now();
    let (mut modules, mut instantiated, mut calls) = (0, 0, 0);
    let failures = for_seeds(INSTANTIATE_MODULES, |seed| {
        let data = seeded_input(seed, true);
        let mut u = Unstructured::new(&data);
        let Ok(config) = generators::instantiate_config(&mut u) else { return Ok(()) };
        let Ok(wasm) = generators::module(&mut u, config) else { return Ok(()) };
        modules += 1;
        match oracles::instantiate(&wasm, &mut u, &BUDGET, oracles::fuzz_limits()) {
            Ok(report) => {
                instantiated += usize::from(report.instantiated);
                calls += report.returned + report.trapped + report.limited;
                Ok(())
            }
            Err(e) => Err(format!("{e}\n{}", reproduction("instantiate", seed, &wasm))),
        }
    });
    println!(
        "{modules} modules, {instantiated} instantiated, {calls} calls, in {:.1?}",
        started.elapsed()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
