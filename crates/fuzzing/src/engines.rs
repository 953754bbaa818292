//! The engines the differential oracle compares, behind one interface.
//!
//! [`EngineKind::ALL`] lists them; a new Wisp tier is one more variant and
//! one more entry there. An engine this build cannot create (a tier that is
//! not compiled in) is left out of a run, see [`EngineKind::available`].

use wisp::{ErrorKind, Strategy, ValType};

use crate::values::{DiffValue, Exhaustion, Outcome, TrapKind};

/// An engine under comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EngineKind {
    /// Wisp's interpreter with fuel and epoch interruption on.
    WispMetered,
    /// wasmi 2, an independent interpreter, with fuel on.
    Wasmi,
    /// Wisp's Cranelift tier with fuel and epoch interruption on.
    WispCranelift,
    /// Wisp's interpreter as embedders get it by default: no metering.
    WispInterpreter,
}

impl EngineKind {
    /// Every engine, metered ones first: an unmetered engine only runs
    /// code that a metered one has shown to finish.
    pub const ALL: [EngineKind; 4] = [
        EngineKind::WispMetered,
        EngineKind::Wasmi,
        EngineKind::WispCranelift,
        EngineKind::WispInterpreter,
    ];

    /// A short name for reports.
    pub fn name(self) -> &'static str {
        match self {
            EngineKind::WispMetered => "wisp-interp-metered",
            EngineKind::Wasmi => "wasmi",
            EngineKind::WispCranelift => "wisp-cranelift",
            EngineKind::WispInterpreter => "wisp-interp",
        }
    }

    /// Whether execution is bounded by fuel.
    pub fn metered(self) -> bool {
        !matches!(self, EngineKind::WispInterpreter)
    }

    /// Whether this build can create the engine.
    pub fn available(self) -> bool {
        match self.wisp_config() {
            Some(config) => wisp::Engine::new(&config).is_ok(),
            None => true,
        }
    }

    /// The engines of [`EngineKind::ALL`] this build can create.
    pub fn available_engines() -> Vec<EngineKind> {
        EngineKind::ALL.into_iter().filter(|e| e.available()).collect()
    }

    fn wisp_config(self) -> Option<wisp::Config> {
        let mut config = wisp::Config::new();
        match self {
            EngineKind::WispMetered => {
                config.strategy(Strategy::Interpreter).consume_fuel(true).epoch_interruption(true)
            }
            EngineKind::WispCranelift => {
                config.strategy(Strategy::Cranelift).consume_fuel(true).epoch_interruption(true)
            }
            EngineKind::WispInterpreter => config.strategy(Strategy::Interpreter),
            EngineKind::Wasmi => return None,
        };
        Some(config)
    }

    /// Compiles and instantiates `wasm`, running its start function on at
    /// most `fuel` (if metered). `Err` is the outcome when there is no
    /// instance.
    pub fn instantiate(self, wasm: &[u8], fuel: u64) -> Result<Box<dyn DiffInstance>, Outcome> {
        match self.wisp_config() {
            Some(config) => WispInstance::boxed(&config, wasm, fuel),
            None => WasmiInstance::boxed(wasm, fuel),
        }
    }
}

/// An instance in one engine, as the differential oracle drives it.
pub trait DiffInstance {
    /// Calls the exported function `name`, after refilling the fuel to
    /// `fuel` (if metered).
    fn call(&mut self, name: &str, args: &[DiffValue], results: &[ValType], fuel: u64) -> Outcome;
    /// The value of the exported global `name`.
    fn global(&mut self, name: &str) -> Option<DiffValue>;
    /// The bytes of the exported memory `name`.
    fn memory(&mut self, name: &str) -> Option<&[u8]>;
    /// The size of the exported table `name`.
    fn table_size(&mut self, name: &str) -> Option<u64>;
}

// ---------------------------------------------------------------------------
// Wisp

struct WispInstance {
    store: wisp::Store<()>,
    instance: wisp::Instance,
    metered: bool,
}

impl WispInstance {
    fn boxed(
        config: &wisp::Config,
        wasm: &[u8],
        fuel: u64,
    ) -> Result<Box<dyn DiffInstance>, Outcome> {
        let engine = wisp::Engine::new(config).map_err(|e| Outcome::Failed(e.to_string()))?;
        let module = wisp::Module::from_binary(&engine, wasm).map_err(wisp_outcome)?;
        let mut store = wisp::Store::new(&engine, ());
        // Fuel can be set exactly when the engine meters it.
        let metered = store.get_fuel().is_ok();
        if metered {
            store.set_fuel(fuel).map_err(wisp_outcome)?;
            store.set_epoch_deadline(u64::MAX);
        }
        let instance = wisp::Instance::new(&mut store, &module, &[]).map_err(wisp_outcome)?;
        Ok(Box::new(WispInstance { store, instance, metered }))
    }
}

impl DiffInstance for WispInstance {
    fn call(&mut self, name: &str, args: &[DiffValue], results: &[ValType], fuel: u64) -> Outcome {
        let Some(func) = self.instance.get_func(&self.store, name) else {
            return Outcome::Failed(format!("no function export {name}"));
        };
        if self.metered
            && let Err(e) = self.store.set_fuel(fuel)
        {
            return wisp_outcome(e);
        }
        let args: Vec<wisp::Val> = args.iter().map(|&a| to_wisp(a)).collect();
        let mut out: Vec<wisp::Val> = results.iter().map(|&t| wisp::Val::default_for(t)).collect();
        match func.call(&mut self.store, &args, &mut out) {
            Ok(()) => Outcome::Returned(out.iter().map(from_wisp).collect()),
            Err(e) => wisp_outcome(e),
        }
    }

    fn global(&mut self, name: &str) -> Option<DiffValue> {
        let global = self.instance.get_global(&self.store, name)?;
        Some(from_wisp(&global.get(&self.store)))
    }

    fn memory(&mut self, name: &str) -> Option<&[u8]> {
        let memory = self.instance.get_memory(&self.store, name)?;
        Some(memory.data(&self.store))
    }

    fn table_size(&mut self, name: &str) -> Option<u64> {
        let table = self.instance.get_table(&self.store, name)?;
        Some(table.size(&self.store))
    }
}

pub(crate) fn to_wisp(v: DiffValue) -> wisp::Val {
    match v {
        DiffValue::I32(v) => wisp::Val::I32(v),
        DiffValue::I64(v) => wisp::Val::I64(v),
        DiffValue::F32(v) => wisp::Val::F32(v),
        DiffValue::F64(v) => wisp::Val::F64(v),
        DiffValue::V128(v) => wisp::Val::V128(v),
        // Only null references are passed in (see `generators::arg`).
        DiffValue::FuncRef { .. } => wisp::Val::FuncRef(None),
        DiffValue::ExternRef { .. } => wisp::Val::ExternRef(None),
    }
}

fn from_wisp(v: &wisp::Val) -> DiffValue {
    match *v {
        wisp::Val::I32(v) => DiffValue::I32(v),
        wisp::Val::I64(v) => DiffValue::I64(v),
        wisp::Val::F32(v) => DiffValue::F32(v),
        wisp::Val::F64(v) => DiffValue::F64(v),
        wisp::Val::V128(v) => DiffValue::V128(v),
        wisp::Val::FuncRef(f) => DiffValue::FuncRef { null: f.is_none() },
        wisp::Val::ExternRef(e) => DiffValue::ExternRef { null: e.is_none() },
    }
}

/// The outcome a Wisp error stands for.
pub fn wisp_outcome(e: wisp::Error) -> Outcome {
    match e.kind() {
        ErrorKind::Trap { trap, .. } => wisp_trap(*trap),
        ErrorKind::Wasm(_) => Outcome::Invalid(e.to_string()),
        ErrorKind::Resource(_) => Outcome::Exhausted(Exhaustion::Resources),
        _ => Outcome::Failed(e.to_string()),
    }
}

fn wisp_trap(trap: wisp::Trap) -> Outcome {
    use wisp::Trap;
    let kind = match trap {
        Trap::Unreachable => TrapKind::Unreachable,
        Trap::MemoryOutOfBounds => TrapKind::MemoryOutOfBounds,
        Trap::TableOutOfBounds | Trap::UndefinedElement => TrapKind::TableOutOfBounds,
        Trap::UninitializedElement | Trap::NullFunctionReference => TrapKind::IndirectCallToNull,
        Trap::BadSignature => TrapKind::BadSignature,
        Trap::IntegerOverflow => TrapKind::IntegerOverflow,
        Trap::IntegerDivisionByZero => TrapKind::IntegerDivisionByZero,
        Trap::BadConversionToInteger => TrapKind::BadConversionToInteger,
        Trap::NullReference => TrapKind::NullReference,
        Trap::StackOverflow => return Outcome::Exhausted(Exhaustion::Stack),
        Trap::OutOfFuel => return Outcome::Exhausted(Exhaustion::Fuel),
        Trap::Interrupted => return Outcome::Exhausted(Exhaustion::Epoch),
        Trap::AllocationFailed | Trap::LimitExceeded => {
            return Outcome::Exhausted(Exhaustion::Resources);
        }
        other => return Outcome::Failed(format!("unknown trap: {other}")),
    };
    Outcome::Trapped(kind)
}

// ---------------------------------------------------------------------------
// wasmi

struct WasmiInstance {
    store: wasmi::Store<()>,
    instance: wasmi::Instance,
}

impl WasmiInstance {
    fn boxed(wasm: &[u8], fuel: u64) -> Result<Box<dyn DiffInstance>, Outcome> {
        let mut config = wasmi::Config::default();
        // Translating everything up front keeps fuel for execution alone
        // and reports invalid code at once, as Wisp does.
        config.consume_fuel(true).compilation_mode(wasmi::CompilationMode::Eager);
        let engine = wasmi::Engine::new(&config);
        let module = wasmi::Module::new(&engine, wasm).map_err(wasmi_outcome)?;
        let mut store = wasmi::Store::new(&engine, ());
        store.set_fuel(fuel).map_err(wasmi_outcome)?;
        let linker = wasmi::Linker::<()>::new(&engine);
        let instance = linker.instantiate_and_start(&mut store, &module).map_err(wasmi_outcome)?;
        Ok(Box::new(WasmiInstance { store, instance }))
    }
}

impl DiffInstance for WasmiInstance {
    fn call(&mut self, name: &str, args: &[DiffValue], results: &[ValType], fuel: u64) -> Outcome {
        let Some(func) = self.instance.get_func(&self.store, name) else {
            return Outcome::Failed(format!("no function export {name}"));
        };
        if let Err(e) = self.store.set_fuel(fuel) {
            return wasmi_outcome(e);
        }
        let args: Vec<wasmi::Val> = args.iter().map(|&a| to_wasmi(a)).collect();
        let mut out: Vec<wasmi::Val> =
            results.iter().map(|&t| to_wasmi(DiffValue::zero(t))).collect();
        match func.call(&mut self.store, &args, &mut out) {
            Ok(()) => Outcome::Returned(out.iter().map(from_wasmi).collect()),
            Err(e) => wasmi_outcome(e),
        }
    }

    fn global(&mut self, name: &str) -> Option<DiffValue> {
        let global = self.instance.get_global(&self.store, name)?;
        Some(from_wasmi(&global.get(&self.store)))
    }

    fn memory(&mut self, name: &str) -> Option<&[u8]> {
        let memory = self.instance.get_memory(&self.store, name)?;
        Some(memory.data(&self.store))
    }

    fn table_size(&mut self, name: &str) -> Option<u64> {
        let table = self.instance.get_table(&self.store, name)?;
        Some(table.size(&self.store))
    }
}

fn to_wasmi(v: DiffValue) -> wasmi::Val {
    match v {
        DiffValue::I32(v) => wasmi::Val::I32(v),
        DiffValue::I64(v) => wasmi::Val::I64(v),
        DiffValue::F32(v) => wasmi::Val::F32(wasmi::F32::from_bits(v)),
        DiffValue::F64(v) => wasmi::Val::F64(wasmi::F64::from_bits(v)),
        DiffValue::V128(v) => wasmi::Val::V128(wasmi::V128::from(v)),
        DiffValue::FuncRef { .. } => wasmi::Val::FuncRef(wasmi::Nullable::Null),
        DiffValue::ExternRef { .. } => wasmi::Val::ExternRef(wasmi::Nullable::Null),
    }
}

fn from_wasmi(v: &wasmi::Val) -> DiffValue {
    match v {
        wasmi::Val::I32(v) => DiffValue::I32(*v),
        wasmi::Val::I64(v) => DiffValue::I64(*v),
        wasmi::Val::F32(v) => DiffValue::F32(v.to_bits()),
        wasmi::Val::F64(v) => DiffValue::F64(v.to_bits()),
        wasmi::Val::V128(v) => DiffValue::V128(v.as_u128()),
        wasmi::Val::FuncRef(f) => DiffValue::FuncRef { null: f.is_null() },
        wasmi::Val::ExternRef(e) => DiffValue::ExternRef { null: e.is_null() },
    }
}

fn wasmi_outcome(e: wasmi::Error) -> Outcome {
    use wasmi::TrapCode;
    use wasmi::errors::ErrorKind as Kind;
    if let Some(code) = e.as_trap_code() {
        let kind = match code {
            TrapCode::UnreachableCodeReached => TrapKind::Unreachable,
            TrapCode::MemoryOutOfBounds => TrapKind::MemoryOutOfBounds,
            TrapCode::TableOutOfBounds => TrapKind::TableOutOfBounds,
            TrapCode::IndirectCallToNull => TrapKind::IndirectCallToNull,
            TrapCode::IntegerDivisionByZero => TrapKind::IntegerDivisionByZero,
            TrapCode::IntegerOverflow => TrapKind::IntegerOverflow,
            TrapCode::BadConversionToInteger => TrapKind::BadConversionToInteger,
            TrapCode::BadSignature => TrapKind::BadSignature,
            TrapCode::StackOverflow => return Outcome::Exhausted(Exhaustion::Stack),
            TrapCode::OutOfFuel => return Outcome::Exhausted(Exhaustion::Fuel),
            TrapCode::GrowthOperationLimited | TrapCode::OutOfSystemMemory => {
                return Outcome::Exhausted(Exhaustion::Resources);
            }
        };
        return Outcome::Trapped(kind);
    }
    use wasmi::errors::InstantiationError as Inst;
    match e.kind() {
        Kind::Wasm(_) | Kind::Read(_) | Kind::Translation(_) => Outcome::Invalid(e.to_string()),
        // An active element segment beyond its table traps (Wasm 2.0).
        Kind::Instantiation(Inst::ElementSegmentDoesNotFit { .. }) => {
            Outcome::Trapped(TrapKind::TableOutOfBounds)
        }
        Kind::Instantiation(
            Inst::FailedToInstantiateMemory(_)
            | Inst::FailedToInstantiateTable(_)
            | Inst::TooManyInstances
            | Inst::TooManyTables
            | Inst::TooManyMemories,
        ) => Outcome::Exhausted(Exhaustion::Resources),
        _ => Outcome::Failed(e.to_string()),
    }
}

/// What a known defect of wasmi 2.0.0 does to a module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WasmiDefect {
    /// Results may be wrong: a divergence where wasmi alone disagrees is no
    /// evidence against Wisp.
    WrongResults(&'static str),
    /// wasmi may abort the process: it must not run the module.
    Aborts(&'static str),
}

/// The known defect of wasmi 2.0.0 that `module` may trigger, if it has
/// one of their shapes:
///
/// - `select` whose condition is computed by an `i32.eqz` or `i64.eqz`
///   right before it returns its first operand whatever the condition
///   (`(select (i32.const 1) (i32.const 7) (i32.eqz (i32.const 5)))` gives
///   1). wasm-smith emits this shape to guard every division when traps
///   are disallowed.
/// - Some functions with `v128.store*_lane` stop wasmi with "failed to
///   decode `OpCode`", a panic in code that cannot unwind, which aborts
///   the process.
pub fn wasmi_known_defect(module: &[u8]) -> Option<WasmiDefect> {
    use wasmparser::{Operator, Parser, Payload};
    let mut found = None;
    for payload in Parser::new(0).parse_all(module) {
        let Ok(Payload::CodeSectionEntry(body)) = payload else { continue };
        let Ok(mut ops) = body.get_operators_reader() else { continue };
        let mut after_eqz = false;
        while !ops.eof() {
            let Ok(op) = ops.read() else { break };
            match op {
                Operator::V128Store8Lane { .. }
                | Operator::V128Store16Lane { .. }
                | Operator::V128Store32Lane { .. }
                | Operator::V128Store64Lane { .. } => {
                    return Some(WasmiDefect::Aborts(
                        "wasmi 2.0.0 may abort on functions with `v128.store*_lane`",
                    ));
                }
                Operator::Select | Operator::TypedSelect { .. } if after_eqz => {
                    found = Some(WasmiDefect::WrongResults(
                        "wasmi 2.0.0 ignores an `i32.eqz`/`i64.eqz` condition of `select`",
                    ));
                }
                _ => {}
            }
            after_eqz = matches!(op, Operator::I32Eqz | Operator::I64Eqz);
        }
    }
    found
}
