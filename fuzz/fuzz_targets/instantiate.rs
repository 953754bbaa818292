//! Generated modules with imports, start functions and memories and tables
//! of any size, instantiated and called under fuel and store limits: every
//! step ends in a value or a typed error.
#![no_main]

use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use wisp_fuzzing::{generators, oracles};

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(config) = generators::instantiate_config(&mut u) else { return };
    let Ok(wasm) = generators::module(&mut u, config) else { return };
    let budget = oracles::Budget::default();
    if let Err(violation) = oracles::instantiate(&wasm, &mut u, &budget, oracles::fuzz_limits()) {
        panic!("{violation}");
    }
});
