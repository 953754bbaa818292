//! Test cases from fuzz input: modules and arguments.
//!
//! Modules come from [wasm-smith](https://docs.rs/wasm-smith), configured
//! for what Wisp runs by default: WebAssembly 2.0 (multi-value, bulk memory,
//! reference types, sign extension, saturating conversions, SIMD), and
//! nothing later (no GC, exceptions, threads, tail calls, memory64,
//! relaxed SIMD...). Sizes are bounded so one case runs in milliseconds.

use arbitrary::{Arbitrary, Result, Unstructured};
use wasm_smith::Config;
use wisp::ValType;

use crate::values::DiffValue;

/// Most bytes a memory of a module for differential execution may have,
/// also as its declared maximum: memories are compared after every call.
pub const DIFFERENTIAL_MEMORY_BYTES: u64 = 1 << 20;

/// A fixed configuration for WebAssembly 2.0 with SIMD and modest sizes.
pub fn wasm2_config() -> Config {
    let mut config = Config::default();
    restrict_to_wasm2(&mut config);
    config
}

/// Turns on the proposals of WebAssembly 2.0 and off every later one, and
/// bounds the module's size.
fn restrict_to_wasm2(config: &mut Config) {
    config.bulk_memory_enabled = true;
    config.reference_types_enabled = true;
    config.multi_value_enabled = true;
    config.saturating_float_to_int_enabled = true;
    config.sign_extension_ops_enabled = true;
    config.simd_enabled = true;

    config.relaxed_simd_enabled = false;
    config.exceptions_enabled = false;
    config.threads_enabled = false;
    config.shared_everything_threads_enabled = false;
    config.tail_call_enabled = false;
    config.gc_enabled = false;
    config.memory64_enabled = false;
    config.extended_const_enabled = false;
    config.custom_page_sizes_enabled = false;
    config.wide_arithmetic_enabled = false;
    config.compact_imports_enabled = false;
    config.custom_descriptors_enabled = false;
    config.acquire_release_atomics_enabled = false;
    config.multibyte_array_access_enabled = false;
    config.allow_invalid_funcs = false;
    // Multiple memories came after 2.0; multiple tables came with it.
    config.max_memories = config.max_memories.min(1);
    config.max_tables = config.max_tables.min(4);

    config.max_types = config.max_types.min(40);
    config.max_funcs = config.max_funcs.min(40);
    config.max_globals = config.max_globals.min(40);
    config.max_exports = config.max_exports.min(100);
    config.max_imports = config.max_imports.min(20);
    config.max_data_segments = config.max_data_segments.min(10);
    config.max_element_segments = config.max_element_segments.min(10);
    config.max_elements = config.max_elements.min(100);
    config.max_instructions = config.max_instructions.min(500);
    config.max_nesting_depth = config.max_nesting_depth.min(10);
    config.max_table_elements = config.max_table_elements.min(10_000);
}

/// A configuration for differential execution, varied by the input (swarm
/// testing: each case enables a different mix of instruction kinds,
/// counts, and whether traps may be generated).
///
/// Every function, global, memory and table is exported so that the
/// oracle sees all of the state; imports are off (engines would need
/// matching host functions); memories have a declared maximum of at most
/// [`DIFFERENTIAL_MEMORY_BYTES`], so `memory.grow` cannot depend on how
/// much the host can allocate. NaNs are canonicalised after every float
/// operation, as the specification leaves NaN payloads to the engine and
/// they would otherwise differ in memories and globals.
pub fn differential_config(u: &mut Unstructured<'_>) -> Result<Config> {
    let mut config = Config::arbitrary(u)?;
    restrict_to_wasm2(&mut config);
    config.max_imports = 0;
    // A few functions to call (wasm-smith stops adding items when a byte
    // of the input says so; the arbitrary maximum may even be 0).
    config.min_funcs = config.min_funcs.max(3);
    config.max_funcs = config.max_funcs.max(config.min_funcs);
    config.export_everything = true;
    config.canonicalize_nans = true;
    config.max_memory32_bytes = DIFFERENTIAL_MEMORY_BYTES;
    config.memory_max_size_required = true;
    config.table_max_size_required = true;
    Ok(config)
}

/// A configuration for the instantiation oracle: imports (satisfied with
/// made-up definitions), memories and tables of any size (store limits
/// refuse the large ones), start functions.
pub fn instantiate_config(u: &mut Unstructured<'_>) -> Result<Config> {
    let mut config = Config::arbitrary(u)?;
    restrict_to_wasm2(&mut config);
    config.export_everything = true;
    config.max_table_elements = 1_000_000;
    Ok(config)
}

/// A module generated from the input under `config`.
pub fn module(u: &mut Unstructured<'_>, config: Config) -> Result<Vec<u8>> {
    Ok(wasm_smith::Module::new(config, u)?.to_bytes())
}

/// Arguments for a function with parameters `params`: edge values often,
/// arbitrary bits otherwise. References are null (a host has no others to
/// give that every engine would understand alike).
pub fn args(u: &mut Unstructured<'_>, params: &[ValType]) -> Result<Vec<DiffValue>> {
    params.iter().map(|&ty| arg(u, ty)).collect()
}

/// One argument of type `ty`; see [`args`].
pub fn arg(u: &mut Unstructured<'_>, ty: ValType) -> Result<DiffValue> {
    Ok(match ty {
        ValType::I32 => DiffValue::I32(pick(u, &[0, 1, -1, i32::MIN, i32::MAX, 0x10000, 31])?),
        ValType::I64 => DiffValue::I64(pick(u, &[0, 1, -1, i64::MIN, i64::MAX, 1 << 32, 63])?),
        ValType::F32 => DiffValue::F32(pick(
            u,
            &[
                0,
                0x8000_0000,
                1f32.to_bits(),
                f32::INFINITY.to_bits(),
                f32::NEG_INFINITY.to_bits(),
                f32::NAN.to_bits(),
                2147483648f32.to_bits(),
                f32::MIN_POSITIVE.to_bits(),
            ],
        )?),
        ValType::F64 => DiffValue::F64(pick(
            u,
            &[
                0,
                0x8000_0000_0000_0000,
                1f64.to_bits(),
                f64::INFINITY.to_bits(),
                f64::NEG_INFINITY.to_bits(),
                f64::NAN.to_bits(),
                9223372036854775808f64.to_bits(),
                f64::MIN_POSITIVE.to_bits(),
            ],
        )?),
        ValType::V128 => DiffValue::V128(pick(u, &[0, u128::MAX, 1, 0x8000_0000 << 96])?),
        ValType::Ref(wisp::RefType::FuncRef) => DiffValue::FuncRef { null: true },
        ValType::Ref(wisp::RefType::ExternRef) => DiffValue::ExternRef { null: true },
    })
}

/// One of `edges` half of the time, arbitrary bits otherwise.
fn pick<'a, T: Arbitrary<'a> + Copy>(u: &mut Unstructured<'a>, edges: &[T]) -> Result<T> {
    if u.ratio(1, 2)? { u.choose(edges).copied() } else { T::arbitrary(u) }
}

/// `len` pseudo-random bytes from `seed` (SplitMix64): fuzz input for
/// seeded, reproducible runs outside a fuzzer.
pub fn seeded_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        out.extend_from_slice(&(z ^ (z >> 31)).to_le_bytes());
    }
    out.truncate(len);
    out
}

/// The fuzz input of the seeded tests' case `seed`: 1 to 16 KiB, so that
/// module sizes vary; the instantiation test's inputs differ from the
/// differential test's for the same seed.
pub fn seeded_input(seed: u64, instantiate: bool) -> Vec<u8> {
    let seed = if instantiate { seed ^ 0x1257_a4e0_0000_0000 } else { seed };
    let len = 1024 + (seeded_bytes(!seed, 8)[0] as usize % 16) * 1024;
    seeded_bytes(seed, len)
}

/// A configuration for the validation oracle: WebAssembly 2.0 modules
/// whose function bodies may be raw bytes from the input, so that nearly
/// valid code reaches the validator and translator.
pub fn invalid_funcs_config(u: &mut Unstructured<'_>) -> Result<Config> {
    let mut config = Config::arbitrary(u)?;
    restrict_to_wasm2(&mut config);
    config.allow_invalid_funcs = true;
    Ok(config)
}
