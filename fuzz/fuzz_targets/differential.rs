//! Generated modules run in every engine of `EngineKind::ALL` this build
//! has; results, traps, globals and memories must agree.
#![no_main]

use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use wisp_fuzzing::{generators, oracles};

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(config) = generators::differential_config(&mut u) else { return };
    let Ok(wasm) = generators::module(&mut u, config) else { return };
    let report = oracles::differential(&wasm, &mut u, &oracles::Budget::default());
    if let Some(divergence) = report.divergence {
        panic!("{divergence}");
    }
});
