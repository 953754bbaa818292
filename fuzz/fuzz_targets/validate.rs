//! Arbitrary bytes, or generated modules with arbitrary function bodies,
//! through decoding, validation and translation of every function: an
//! answer either way, never a panic or a hang.
#![no_main]

use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use wisp::Config;
use wisp_fuzzing::{generators, oracles};

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let mut config = Config::new();
    let bytes = match mode % 3 {
        // The bytes as they are, with Wisp's default features.
        0 => rest.to_vec(),
        // The bytes as they are, with every proposal Wisp knows.
        1 => {
            config
                .wasm_tail_call(true)
                .wasm_extended_const(true)
                .wasm_multi_memory(true)
                .wasm_memory64(true)
                .wasm_exceptions(true)
                .wasm_function_references(true)
                .wasm_gc(true)
                .wasm_relaxed_simd(true);
            rest.to_vec()
        }
        // A well-formed module whose function bodies may be any bytes.
        _ => {
            let mut u = Unstructured::new(rest);
            let Ok(smith) = generators::invalid_funcs_config(&mut u) else { return };
            let Ok(wasm) = generators::module(&mut u, smith) else { return };
            wasm
        }
    };
    if let Err(violation) = oracles::validate(&bytes, &config) {
        panic!("{violation}");
    }
});
