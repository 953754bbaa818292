//! Engine configuration.

use wisp_environ::Features;

/// Which execution tier runs the code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Strategy {
    /// Pick the best available tier. Today this is the interpreter.
    #[default]
    Auto,
    /// The interpreter: translation is lazy and starts instantly.
    Interpreter,
    /// The optimizing compiler built on Cranelift.
    Cranelift,
}

/// Settings for an [`Engine`](crate::Engine).
///
/// The defaults enable WebAssembly 2.0 exactly: every proposal that is part
/// of the 2.0 specification is on, later ones are off.
#[derive(Debug, Clone)]
pub struct Config {
    pub(crate) features: Features,
    pub(crate) strategy: Strategy,
    pub(crate) max_wasm_stack: usize,
    pub(crate) max_call_depth: u32,
    pub(crate) consume_fuel: bool,
    pub(crate) epoch_interruption: bool,
    pub(crate) memory_reservation: bool,
    pub(crate) pooled_memories: usize,
    pub(crate) target: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            features: Features::default(),
            strategy: Strategy::Auto,
            max_wasm_stack: 16 << 20,
            max_call_depth: 100_000,
            consume_fuel: false,
            epoch_interruption: false,
            memory_reservation: true,
            pooled_memories: 16,
            target: None,
        }
    }
}

macro_rules! proposal_switches {
    ($( $(#[$doc:meta])* $method:ident => $field:ident, )*) => {
        impl Config {
            $(
                $(#[$doc])*
                pub fn $method(&mut self, enable: bool) -> &mut Self {
                    self.features.$field = enable;
                    self
                }
            )*
        }
    };
}

proposal_switches! {
    /// [Mutable globals](https://github.com/WebAssembly/mutable-global) may be
    /// imported and exported. Default: on (Wasm 2.0).
    wasm_mutable_global => mutable_global,
    /// [Sign-extension operators](https://github.com/WebAssembly/sign-extension-ops).
    /// Default: on (Wasm 2.0).
    wasm_sign_extension => sign_extension,
    /// [Non-trapping float-to-int conversions](https://github.com/WebAssembly/nontrapping-float-to-int-conversions).
    /// Default: on (Wasm 2.0).
    wasm_saturating_float_to_int => saturating_float_to_int,
    /// [Multi-value](https://github.com/WebAssembly/multi-value) results and
    /// block parameters. Default: on (Wasm 2.0).
    wasm_multi_value => multi_value,
    /// [Bulk memory operations](https://github.com/WebAssembly/bulk-memory-operations).
    /// Default: on (Wasm 2.0).
    wasm_bulk_memory => bulk_memory,
    /// [Reference types](https://github.com/WebAssembly/reference-types).
    /// Default: on (Wasm 2.0).
    wasm_reference_types => reference_types,
    /// [128-bit SIMD](https://github.com/WebAssembly/simd). Default: on (Wasm 2.0).
    wasm_simd => simd,
    /// [Relaxed SIMD](https://github.com/WebAssembly/relaxed-simd). Default: off.
    wasm_relaxed_simd => relaxed_simd,
    /// [Tail calls](https://github.com/WebAssembly/tail-call). Default: off;
    /// not yet executed by the interpreter.
    wasm_tail_call => tail_call,
    /// [Extended constant expressions](https://github.com/WebAssembly/extended-const).
    /// Default: off.
    wasm_extended_const => extended_const,
    /// [Multiple memories](https://github.com/WebAssembly/multi-memory). Default: off.
    wasm_multi_memory => multi_memory,
    /// [64-bit memories](https://github.com/WebAssembly/memory64). Default: off.
    wasm_memory64 => memory64,
    /// [Exception handling](https://github.com/WebAssembly/exception-handling).
    /// Default: off; not yet executed by the interpreter.
    wasm_exceptions => exceptions,
    /// [Typed function references](https://github.com/WebAssembly/function-references).
    /// Default: off; not yet executed by the interpreter.
    wasm_function_references => function_references,
    /// [Garbage collection](https://github.com/WebAssembly/gc). Default: off;
    /// not yet executed by the interpreter.
    wasm_gc => gc,
}

impl Config {
    /// A configuration with the defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Chooses the execution tier. Default: [`Strategy::Auto`].
    pub fn strategy(&mut self, strategy: Strategy) -> &mut Self {
        self.strategy = strategy;
        self
    }

    /// The most bytes of value stack (locals and operands of all active
    /// Wasm frames) one call may use before trapping with "call stack
    /// exhausted". Default: 16 MiB. Values below 512 bytes count as 512.
    pub fn max_wasm_stack(&mut self, bytes: usize) -> &mut Self {
        self.max_wasm_stack = bytes;
        self
    }

    /// The deepest nesting of Wasm calls before trapping with "call stack
    /// exhausted", in the interpreter. Default: 100 000. Its Wasm-to-Wasm
    /// calls never use the host stack, so this is safe at any host thread
    /// stack size. (The compiled tier bounds recursion by
    /// [`Config::max_wasm_stack`] bytes.)
    pub fn max_call_depth(&mut self, depth: u32) -> &mut Self {
        self.max_call_depth = depth;
        self
    }

    /// Meters execution with fuel: every executed Wasm operator costs one
    /// unit, charged when its straight-line block is entered, and the guest
    /// traps with [`Trap::OutOfFuel`](crate::Trap::OutOfFuel) when the
    /// store's fuel ([`Store::set_fuel`](crate::Store::set_fuel)) runs out.
    /// Deterministic: the same program and inputs use the same fuel.
    /// Default: off (metering costs some speed).
    pub fn consume_fuel(&mut self, enable: bool) -> &mut Self {
        self.consume_fuel = enable;
        self
    }

    /// Lets execution be interrupted by the engine's epoch: at every
    /// function entry and loop iteration the guest checks whether the epoch
    /// ([`Engine::increment_epoch`](crate::Engine::increment_epoch)) has
    /// reached the store's deadline
    /// ([`Store::set_epoch_deadline`](crate::Store::set_epoch_deadline)) and
    /// traps with [`Trap::Interrupted`](crate::Trap::Interrupted) if so.
    /// Cheap wall-clock limits: another thread increments the epoch.
    /// Default: off.
    pub fn epoch_interruption(&mut self, enable: bool) -> &mut Self {
        self.epoch_interruption = enable;
        self
    }

    /// The tier chosen with [`Config::strategy`].
    pub fn get_strategy(&self) -> Strategy {
        self.strategy
    }

    /// Whether each 32-bit linear memory reserves enough address space
    /// (8 GiB) that compiled code needs no bounds checks: accesses beyond
    /// the memory fault on inaccessible pages and become traps. Turn it off
    /// on hosts with little address space; compiled code then checks every
    /// access explicitly. Only the Cranelift tier is affected. Default: on.
    pub fn memory_reservation(&mut self, enable: bool) -> &mut Self {
        self.memory_reservation = enable;
        self
    }

    /// How many address-space reservations of dropped linear memories the
    /// engine keeps, emptied, for the next memories of the same size.
    /// Reserving and releasing address space is most of what instantiating
    /// a small module costs, so a host that creates a store per request
    /// should keep about as many as it runs requests at once. Idle ones
    /// hold address space but no memory. Default: 16.
    pub fn pooled_memories(&mut self, count: usize) -> &mut Self {
        self.pooled_memories = count;
        self
    }

    /// Compiles for another target (a triple such as
    /// `aarch64-unknown-linux-gnu`) with that target's baseline CPU
    /// features, instead of for this machine with every feature it has. An
    /// engine with a target only precompiles ([`Module::precompile`](crate::Module::precompile));
    /// it does not run code, even when the target is this machine's.
    /// Only the Cranelift tier is affected. Default: none (this machine).
    pub fn target(&mut self, triple: &str) -> &mut Self {
        self.target = Some(triple.to_string());
        self
    }

    /// The enabled proposals.
    pub fn features(&self) -> Features {
        self.features
    }
}
