//! `Config` and `Engine`.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use wisp::{StoreLimits, Strategy};

use crate::errors::IntoPyResult;

/// Settings for an `Engine`. Every argument is also an attribute.
///
/// - `tier`: "auto" (default; the interpreter today), "interp" or
///   "cranelift" (compiles modules to native code).
/// - `consume_fuel`: meter guests with fuel (`Store.set_fuel`).
/// - `epoch_interruption`: let guests be interrupted by the engine's epoch
///   (`Engine.increment_epoch`, `Store.set_epoch_deadline`).
/// - `max_wasm_stack`: most bytes of Wasm value stack one call may use.
/// - `max_memory_bytes`: most bytes any one linear memory of the engine's
///   stores may have (`memory.grow` beyond it returns -1 in the guest).
/// - `memory_reservation`: whether compiled code relies on reserved
///   address space rather than explicit bounds checks.
/// - `wasm_*`: WebAssembly proposals beyond 2.0 (all off by default).
#[pyclass(module = "wisp", get_all, set_all)]
#[derive(Clone, Debug)]
pub struct Config {
    tier: String,
    consume_fuel: bool,
    epoch_interruption: bool,
    max_wasm_stack: Option<usize>,
    max_memory_bytes: Option<u64>,
    memory_reservation: bool,
    wasm_tail_call: bool,
    wasm_multi_memory: bool,
    wasm_memory64: bool,
    wasm_relaxed_simd: bool,
    wasm_extended_const: bool,
}

#[pymethods]
impl Config {
    #[new]
    #[pyo3(signature = (
        *, tier = "auto".to_string(), consume_fuel = false, epoch_interruption = false,
        max_wasm_stack = None, max_memory_bytes = None, memory_reservation = true,
        wasm_tail_call = false, wasm_multi_memory = false, wasm_memory64 = false,
        wasm_relaxed_simd = false, wasm_extended_const = false,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        tier: String,
        consume_fuel: bool,
        epoch_interruption: bool,
        max_wasm_stack: Option<usize>,
        max_memory_bytes: Option<u64>,
        memory_reservation: bool,
        wasm_tail_call: bool,
        wasm_multi_memory: bool,
        wasm_memory64: bool,
        wasm_relaxed_simd: bool,
        wasm_extended_const: bool,
    ) -> Self {
        Self {
            tier,
            consume_fuel,
            epoch_interruption,
            max_wasm_stack,
            max_memory_bytes,
            memory_reservation,
            wasm_tail_call,
            wasm_multi_memory,
            wasm_memory64,
            wasm_relaxed_simd,
            wasm_extended_const,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            tier: "auto".into(),
            consume_fuel: false,
            epoch_interruption: false,
            max_wasm_stack: None,
            max_memory_bytes: None,
            memory_reservation: true,
            wasm_tail_call: false,
            wasm_multi_memory: false,
            wasm_memory64: false,
            wasm_relaxed_simd: false,
            wasm_extended_const: false,
        }
    }
}

impl Config {
    fn to_rust(&self) -> PyResult<wisp::Config> {
        let strategy = match self.tier.as_str() {
            "auto" => Strategy::Auto,
            "interp" | "interpreter" => Strategy::Interpreter,
            "cranelift" => Strategy::Cranelift,
            other => {
                return Err(PyValueError::new_err(format!(
                    "unknown tier {other:?}: expected \"auto\", \"interp\" or \"cranelift\""
                )));
            }
        };
        let mut config = wisp::Config::new();
        config
            .strategy(strategy)
            .consume_fuel(self.consume_fuel)
            .epoch_interruption(self.epoch_interruption)
            .memory_reservation(self.memory_reservation)
            .wasm_tail_call(self.wasm_tail_call)
            .wasm_multi_memory(self.wasm_multi_memory)
            .wasm_memory64(self.wasm_memory64)
            .wasm_relaxed_simd(self.wasm_relaxed_simd)
            .wasm_extended_const(self.wasm_extended_const);
        if let Some(bytes) = self.max_wasm_stack {
            config.max_wasm_stack(bytes);
        }
        Ok(config)
    }
}

/// Compiles modules and runs their code, with the settings of a `Config`.
/// An engine may be shared between threads; `increment_epoch` in
/// particular is meant to be called from another thread (a timer).
#[pyclass(module = "wisp", frozen)]
#[derive(Debug)]
pub struct Engine {
    pub(crate) engine: wisp::Engine,
    /// The limits every store of the engine starts with.
    pub(crate) limits: StoreLimits,
}

#[pymethods]
impl Engine {
    #[new]
    #[pyo3(signature = (config = None))]
    fn new(config: Option<&Config>) -> PyResult<Self> {
        let config = config.cloned().unwrap_or_default();
        let engine = wisp::Engine::new(&config.to_rust()?).py()?;
        let mut limits = StoreLimits::default();
        if let Some(bytes) = config.max_memory_bytes {
            limits.memory_bytes = bytes;
        }
        Ok(Self { engine, limits })
    }

    /// Advances the epoch by one: guests of stores whose deadline it
    /// reaches trap with kind "interrupted". Safe from any thread.
    fn increment_epoch(&self) {
        self.engine.increment_epoch();
    }

    /// The current epoch.
    #[getter]
    fn current_epoch(&self) -> u64 {
        self.engine.current_epoch()
    }
}
