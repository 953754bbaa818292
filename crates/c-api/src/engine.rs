//! `wasm_config_t` and `wasm_engine_t`, with Wisp's engine settings.

use runtime::{Config, Engine, StoreLimits, Strategy};

use crate::error::{fail, set_last_error, wisp_error_t};

/// Engine settings, consumed by `wasm_engine_new_with_config`.
#[derive(Debug, Default)]
pub struct wasm_config_t {
    pub(crate) config: Config,
    /// Limits every store of the engine starts with.
    pub(crate) limits: StoreLimits,
}

/// An engine: thread-safe, shared by the stores and modules made from it.
#[derive(Debug)]
pub struct wasm_engine_t {
    pub(crate) engine: Engine,
    pub(crate) limits: StoreLimits,
}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_config_new() -> Box<wasm_config_t> {
    Box::default()
}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_config_delete(_: Option<Box<wasm_config_t>>) {}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_engine_new() -> Option<Box<wasm_engine_t>> {
    wasm_engine_new_with_config(Some(wasm_config_new()))
}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_engine_new_with_config(
    config: Option<Box<wasm_config_t>>,
) -> Option<Box<wasm_engine_t>> {
    let config = config.unwrap_or_default();
    match Engine::new(&config.config) {
        Ok(engine) => Some(Box::new(wasm_engine_t { engine, limits: config.limits })),
        Err(e) => fail(e),
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_engine_delete(_: Option<Box<wasm_engine_t>>) {}

/// `wisp_engine_new_with_config`: like `wasm_engine_new_with_config`, but
/// saying why it failed.
#[unsafe(no_mangle)]
pub extern "C" fn wisp_engine_new(
    config: Option<Box<wasm_config_t>>,
    out: Option<&mut Option<Box<wasm_engine_t>>>,
) -> Option<Box<wisp_error_t>> {
    let config = config.unwrap_or_default();
    match Engine::new(&config.config) {
        Ok(engine) => {
            if let Some(out) = out {
                *out = Some(Box::new(wasm_engine_t { engine, limits: config.limits }));
            }
            None
        }
        Err(e) => Some(wisp_error_t::new(e)),
    }
}

/// The execution tiers of `wisp_config_strategy_set`.
pub(crate) const WISP_STRATEGY_AUTO: u8 = 0;
pub(crate) const WISP_STRATEGY_INTERPRETER: u8 = 1;
pub(crate) const WISP_STRATEGY_CRANELIFT: u8 = 2;

#[unsafe(no_mangle)]
pub extern "C" fn wisp_config_strategy_set(
    config: Option<&mut wasm_config_t>,
    strategy: u8,
) -> bool {
    let Some(config) = config else { return false };
    let strategy = match strategy {
        WISP_STRATEGY_AUTO => Strategy::Auto,
        WISP_STRATEGY_INTERPRETER => Strategy::Interpreter,
        WISP_STRATEGY_CRANELIFT => Strategy::Cranelift,
        _ => {
            set_last_error(format!("unknown strategy {strategy}"));
            return false;
        }
    };
    config.config.strategy(strategy);
    true
}

#[unsafe(no_mangle)]
pub extern "C" fn wisp_config_consume_fuel_set(config: Option<&mut wasm_config_t>, enable: bool) {
    if let Some(c) = config {
        c.config.consume_fuel(enable);
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn wisp_config_epoch_interruption_set(
    config: Option<&mut wasm_config_t>,
    enable: bool,
) {
    if let Some(c) = config {
        c.config.epoch_interruption(enable);
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn wisp_config_max_wasm_stack_set(config: Option<&mut wasm_config_t>, bytes: usize) {
    if let Some(c) = config {
        c.config.max_wasm_stack(bytes);
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn wisp_config_max_memory_bytes_set(config: Option<&mut wasm_config_t>, bytes: u64) {
    if let Some(c) = config {
        c.limits.memory_bytes = bytes;
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn wisp_config_memory_reservation_set(
    config: Option<&mut wasm_config_t>,
    enable: bool,
) {
    if let Some(c) = config {
        c.config.memory_reservation(enable);
    }
}

/// Turns a WebAssembly proposal on or off by its `wasm_<name>` switch.
macro_rules! feature_switches {
    ($($c:ident => $method:ident,)*) => {$(
        #[unsafe(no_mangle)]
        pub extern "C" fn $c(config: Option<&mut wasm_config_t>, enable: bool) {
            if let Some(c) = config {
                c.config.$method(enable);
            }
        }
    )*};
}

feature_switches! {
    wisp_config_wasm_multi_value_set => wasm_multi_value,
    wisp_config_wasm_bulk_memory_set => wasm_bulk_memory,
    wisp_config_wasm_reference_types_set => wasm_reference_types,
    wisp_config_wasm_simd_set => wasm_simd,
    wisp_config_wasm_relaxed_simd_set => wasm_relaxed_simd,
    wisp_config_wasm_tail_call_set => wasm_tail_call,
    wisp_config_wasm_multi_memory_set => wasm_multi_memory,
    wisp_config_wasm_memory64_set => wasm_memory64,
    wisp_config_wasm_extended_const_set => wasm_extended_const,
}

#[unsafe(no_mangle)]
pub extern "C" fn wisp_engine_increment_epoch(engine: Option<&wasm_engine_t>) {
    if let Some(e) = engine {
        e.engine.increment_epoch();
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn wisp_engine_current_epoch(engine: Option<&wasm_engine_t>) -> u64 {
    engine.map_or(0, |e| e.engine.current_epoch())
}
