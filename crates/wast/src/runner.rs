//! The directive interpreter.

use std::collections::HashMap;

use wast::parser::{self, ParseBuffer};
use wast::{QuoteWat, Wast, WastDirective, WastExecute, WastInvoke, Wat};
use wisp::{
    Config, Engine, Extern, Func, Global, GlobalType, Instance, Linker, Memory, MemoryType, Module,
    Store, Table, TableType, Trap, Val, ValType,
};

use crate::values;

/// One failed directive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// 1-based line of the directive in the script.
    pub line: usize,
    /// What went wrong.
    pub message: String,
}

/// The result of running a script.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Directives that behaved as the script expects.
    pub passed: usize,
    /// Directives that did not.
    pub failed: usize,
    /// Details of each failure, in script order.
    pub failures: Vec<Failure>,
}

/// Runs a `.wast` script with an engine built from `config`.
///
/// Returns `Err` only when the script itself cannot be parsed or the engine
/// cannot be created; every directive's outcome is in [`Outcome`].
pub fn run(script: &str, config: &Config) -> Result<Outcome, String> {
    let mut lexer = wast::lexer::Lexer::new(script);
    // The suite tests names made of unusual code points on purpose.
    lexer.allow_confusing_unicode(true);
    let buf = ParseBuffer::new_with_lexer(lexer).map_err(|e| with_text(e, script))?;
    let wast: Wast<'_> = parser::parse(&buf).map_err(|e| with_text(e, script))?;
    let engine = Engine::new(config).map_err(|e| e.to_string())?;
    let mut runner = Runner::new(engine).map_err(|e| e.to_string())?;
    let mut outcome = Outcome::default();
    for directive in wast.directives {
        let (line, _) = directive.span().linecol_in(script);
        match runner.directive(directive) {
            Ok(()) => outcome.passed += 1,
            Err(message) => {
                outcome.failed += 1;
                outcome.failures.push(Failure { line: line + 1, message });
            }
        }
    }
    Ok(outcome)
}

fn with_text(mut e: wast::Error, text: &str) -> String {
    e.set_text(text);
    e.to_string()
}

pub(crate) struct Runner {
    engine: Engine,
    pub(crate) store: Store<()>,
    linker: Linker<()>,
    /// The most recently instantiated module, the default target.
    pub(crate) current: Option<Instance>,
    /// Instances by `$id`.
    named: HashMap<String, Instance>,
    /// `module definition`s by `$id`.
    definitions: HashMap<String, Module>,
}

type R<T = ()> = Result<T, String>;

impl Runner {
    pub(crate) fn new(engine: Engine) -> wisp::Result<Self> {
        let mut store = Store::new(&engine, ());
        // Scripts run unmetered: with fuel or epoch interruption enabled
        // the budget is unlimited (setting fuel fails when it is disabled).
        let _ = store.set_fuel(u64::MAX);
        store.set_epoch_deadline(u64::MAX);
        let mut linker = Linker::new(&engine);
        linker.allow_shadowing(true);
        define_spectest(&mut linker, &mut store)?;
        Ok(Self {
            engine,
            store,
            linker,
            current: None,
            named: HashMap::new(),
            definitions: HashMap::new(),
        })
    }

    pub(crate) fn directive(&mut self, d: WastDirective<'_>) -> R {
        match d {
            WastDirective::Module(mut m) => {
                let id = quote_id(&m);
                let module = self.compile(&mut m)?;
                let instance = self.instantiate(&module)?;
                self.set_current(id, instance);
                Ok(())
            }
            WastDirective::ModuleDefinition(mut m) => {
                let id = quote_id(&m);
                let module = self.compile(&mut m)?;
                if let Some(id) = id {
                    self.definitions.insert(id, module);
                }
                Ok(())
            }
            WastDirective::ModuleInstance { instance, module, .. } => {
                let def = module.map(|m| m.name().to_string());
                let module = def
                    .and_then(|d| self.definitions.get(&d).cloned())
                    .ok_or("module instance of an unknown definition")?;
                let instance_handle = self.instantiate(&module)?;
                self.set_current(instance.map(|i| i.name().to_string()), instance_handle);
                Ok(())
            }
            WastDirective::Register { name, module, .. } => {
                let instance = self.instance(module.map(|m| m.name()))?;
                self.linker
                    .instance(&self.store, name, instance)
                    .map(drop)
                    .map_err(|e| e.to_string())
            }
            WastDirective::Invoke(invoke) => self.invoke(&invoke).map(drop).map_err(describe),
            WastDirective::AssertReturn { exec, results, .. } => {
                let actual = self.execute(exec).map_err(describe)?;
                if actual.len() != results.len() {
                    return Err(format!(
                        "expected {} result(s), got {}",
                        results.len(),
                        actual.len()
                    ));
                }
                for (i, (want, got)) in results.iter().zip(&actual).enumerate() {
                    if !values::matches(&self.store, want, got) {
                        return Err(format!(
                            "result {i}: expected {}, got {} {got}",
                            values::show(want),
                            got.ty()
                        ));
                    }
                }
                Ok(())
            }
            WastDirective::AssertTrap { exec, message, .. } => match self.execute(exec) {
                Ok(vals) => Err(format!("expected trap `{message}`, got {vals:?}")),
                Err(Exec::Wisp(e)) => match e.trap() {
                    Some(trap) if trap_matches(trap, message) => Ok(()),
                    Some(trap) => Err(format!("expected trap `{message}`, got `{trap}`")),
                    None => Err(format!("expected trap `{message}`, got error: {e}")),
                },
                Err(Exec::Harness(e)) => Err(e),
            },
            WastDirective::AssertExhaustion { call, message, .. } => match self.invoke(&call) {
                Ok(vals) => Err(format!("expected `{message}`, got {vals:?}")),
                Err(Exec::Wisp(e)) if e.trap() == Some(Trap::StackOverflow) => Ok(()),
                Err(e) => Err(format!("expected `{message}`, got {}", describe(e))),
            },
            WastDirective::AssertInvalid { mut module, message, .. }
            | WastDirective::AssertMalformed { mut module, message, .. } => {
                match self.compile(&mut module) {
                    Ok(_) => Err(format!("expected module to be rejected: `{message}`")),
                    Err(_) => Ok(()),
                }
            }
            WastDirective::AssertInvalidCustom { .. }
            | WastDirective::AssertMalformedCustom { .. } => {
                // Custom-section checks of the annotations proposal: Wisp
                // ignores custom sections it does not use, as allowed.
                Ok(())
            }
            WastDirective::AssertUnlinkable { mut module, message, .. } => {
                let module = self.compile_wat(&mut module)?;
                match self.linker.instantiate(&mut self.store, &module) {
                    Ok(_) => Err(format!("expected link failure `{message}`")),
                    Err(e) if e.trap().is_none() => Ok(()),
                    Err(e) => Err(format!("expected link failure `{message}`, got {e}")),
                }
            }
            WastDirective::AssertException { .. } => {
                Err("exception handling is not supported".into())
            }
            WastDirective::AssertSuspension { .. } => {
                Err("stack switching is not supported".into())
            }
            WastDirective::Thread(_) | WastDirective::Wait { .. } => {
                Err("threads are not supported".into())
            }
        }
    }

    fn set_current(&mut self, id: Option<String>, instance: Instance) {
        if let Some(id) = id {
            self.named.insert(id, instance);
        }
        self.current = Some(instance);
    }

    fn compile(&self, m: &mut QuoteWat<'_>) -> R<Module> {
        let bytes = m.encode().map_err(|e| format!("cannot encode module: {e}"))?;
        Module::from_binary(&self.engine, &bytes).map_err(|e| e.to_string())
    }

    fn compile_wat(&self, m: &mut Wat<'_>) -> R<Module> {
        let bytes = m.encode().map_err(|e| format!("cannot encode module: {e}"))?;
        Module::from_binary(&self.engine, &bytes).map_err(|e| e.to_string())
    }

    fn instantiate(&mut self, module: &Module) -> R<Instance> {
        self.linker.instantiate(&mut self.store, module).map_err(|e| e.to_string())
    }

    fn instance(&self, id: Option<&str>) -> R<Instance> {
        match id {
            Some(id) => self.named.get(id).copied().ok_or_else(|| format!("unknown module `{id}`")),
            None => self.current.ok_or_else(|| "no module instantiated".to_string()),
        }
    }

    pub(crate) fn invoke(&mut self, invoke: &WastInvoke<'_>) -> Result<Vec<Val>, Exec> {
        let instance = self.instance(invoke.module.map(|m| m.name())).map_err(Exec::Harness)?;
        let func: Func = instance
            .get_func(&self.store, invoke.name)
            .ok_or_else(|| Exec::Harness(format!("no exported function `{}`", invoke.name)))?;
        let args = invoke
            .args
            .iter()
            .map(|a| values::arg(&mut self.store, a))
            .collect::<Result<Vec<_>, _>>()
            .map_err(Exec::Harness)?;
        let ty = func.ty(&self.store);
        let mut results: Vec<Val> = ty.results().iter().map(|t| Val::default_for(*t)).collect();
        func.call(&mut self.store, &args, &mut results).map_err(Exec::Wisp)?;
        Ok(results)
    }

    pub(crate) fn execute(&mut self, exec: WastExecute<'_>) -> Result<Vec<Val>, Exec> {
        match exec {
            WastExecute::Invoke(invoke) => self.invoke(&invoke),
            WastExecute::Wat(mut wat) => {
                let module = self.compile_wat(&mut wat).map_err(Exec::Harness)?;
                self.linker.instantiate(&mut self.store, &module).map_err(Exec::Wisp)?;
                Ok(Vec::new())
            }
            WastExecute::Get { module, global, .. } => {
                let instance = self.instance(module.map(|m| m.name())).map_err(Exec::Harness)?;
                let g = instance
                    .get_global(&self.store, global)
                    .ok_or_else(|| Exec::Harness(format!("no exported global `{global}`")))?;
                Ok(vec![g.get(&self.store)])
            }
        }
    }
}

/// Why executing a directive's action failed.
pub(crate) enum Exec {
    /// Wisp returned an error (a trap, a link error...).
    Wisp(wisp::Error),
    /// The script asked for something that does not exist.
    Harness(String),
}

fn describe(e: Exec) -> String {
    match e {
        Exec::Wisp(e) => e.to_string(),
        Exec::Harness(e) => e,
    }
}

fn quote_id(m: &QuoteWat<'_>) -> Option<String> {
    match m {
        QuoteWat::Wat(Wat::Module(m)) => m.id.map(|id| id.name().to_string()),
        _ => None,
    }
}

/// Whether a trap answers the script's expected message. The spec's
/// messages differ slightly between versions of the suite ("undefined
/// element" vs "uninitialized element", "integer overflow" for invalid
/// conversions); the trap kind is what must agree.
fn trap_matches(trap: Trap, expected: &str) -> bool {
    let actual = trap.message();
    if expected.starts_with(actual) || actual.starts_with(expected) {
        return true;
    }
    matches!(
        (trap, expected),
        (Trap::UndefinedElement | Trap::UninitializedElement, e)
            if e.starts_with("undefined element") || e.starts_with("uninitialized element")
    ) || matches!(
        (trap, expected),
        (Trap::TableOutOfBounds, e) if e.starts_with("undefined element") || e.starts_with("uninitialized element")
    )
}

/// The `spectest` module the suite imports from.
fn define_spectest(linker: &mut Linker<()>, store: &mut Store<()>) -> wisp::Result<()> {
    linker.func_wrap("spectest", "print", || {})?;
    linker.func_wrap("spectest", "print_i32", |_: i32| {})?;
    linker.func_wrap("spectest", "print_i64", |_: i64| {})?;
    linker.func_wrap("spectest", "print_f32", |_: f32| {})?;
    linker.func_wrap("spectest", "print_f64", |_: f64| {})?;
    linker.func_wrap("spectest", "print_i32_f32", |_: i32, _: f32| {})?;
    linker.func_wrap("spectest", "print_f64_f64", |_: f64, _: f64| {})?;
    let globals = [
        ("global_i32", ValType::I32, Val::I32(666)),
        ("global_i64", ValType::I64, Val::I64(666)),
        ("global_f32", ValType::F32, Val::from(666.6f32)),
        ("global_f64", ValType::F64, Val::from(666.6f64)),
    ];
    for (name, ty, val) in globals {
        let g = Global::new(&mut *store, GlobalType { content: ty, mutable: false }, val)?;
        linker.define(&*store, "spectest", name, g)?;
    }
    let table = Table::new(
        &mut *store,
        TableType {
            element: wisp::RefType::FuncRef,
            minimum: 10,
            maximum: Some(20),
            table64: false,
        },
        Val::FuncRef(None),
    )?;
    linker.define(&*store, "spectest", "table", table)?;
    let memory = Memory::new(
        &mut *store,
        MemoryType {
            minimum: 1,
            maximum: Some(2),
            memory64: false,
            shared: false,
            page_size_log2: 16,
        },
    )?;
    linker.define(&*store, "spectest", "memory", Extern::Memory(memory))?;
    Ok(())
}
