//! What must hold of a module, checked for one test case at a time.
//!
//! Each oracle returns what it saw; a violated property is reported as a
//! value (the fuzz targets turn it into a crash, the seeded tests into a
//! failure with a reproduction). A panic inside Wisp is a violation too:
//! the oracles let it propagate.

use std::fmt;

use arbitrary::Unstructured;
use wisp::{
    Config, Engine, ErrorKind, Extern, ExternType, Func, Global, Instance, Memory, Module, Store,
    StoreLimits, Table, Val, ValType,
};

use crate::engines::{DiffInstance, EngineKind, WasmiDefect, to_wisp};
use crate::generators;
use crate::values::{DiffValue, Exhaustion, Outcome};

/// How much work one test case may do.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    /// Fuel for the start function, and for each call, in every metered
    /// engine.
    pub fuel: u64,
    /// Most calls of exported functions per module.
    pub calls: usize,
}

impl Default for Budget {
    fn default() -> Self {
        Budget { fuel: 1_000_000, calls: 20 }
    }
}

// ---------------------------------------------------------------------------
// Differential execution

/// What [`differential`] saw.
#[derive(Debug, Default)]
pub struct DiffReport {
    /// The engines compared.
    pub engines: Vec<EngineKind>,
    /// Whether the module was instantiated (the same way) everywhere.
    pub instantiated: bool,
    /// Calls whose outcomes were compared, and agreed.
    pub calls: usize,
    /// Why comparison stopped early without a verdict, e.g. "wasmi: out of
    /// fuel": a limit of an engine, not a property of the program, was
    /// reached.
    pub inconclusive: Option<String>,
    /// The first disagreement, if any.
    pub divergence: Option<Divergence>,
}

/// Engines disagreed.
#[derive(Debug, Clone)]
pub struct Divergence {
    /// What was being compared, e.g. `call "3"(i32:1)` or `memory "m"
    /// after call "2"`.
    pub what: String,
    /// What each engine said.
    pub seen: Vec<(EngineKind, String)>,
}

impl fmt::Display for Divergence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "engines disagree on {}:", self.what)?;
        for (engine, seen) in &self.seen {
            writeln!(f, "  {:>20}: {seen}", engine.name())?;
        }
        Ok(())
    }
}

/// The exports the oracle compares, from the module's own description.
#[derive(Debug, Default)]
struct Exports {
    funcs: Vec<(String, Vec<ValType>, Vec<ValType>)>,
    globals: Vec<String>,
    memories: Vec<String>,
    tables: Vec<String>,
}

impl Exports {
    fn of(module: &Module) -> Exports {
        let mut exports = Exports::default();
        for export in module.exports() {
            let name = export.name.to_string();
            match export.ty {
                ExternType::Func(ty) => {
                    exports.funcs.push((name, ty.params().to_vec(), ty.results().to_vec()))
                }
                ExternType::Global(_) => exports.globals.push(name),
                ExternType::Memory(_) => exports.memories.push(name),
                ExternType::Table(_) => exports.tables.push(name),
                // Exception tags are beyond the generated modules' features.
                ExternType::Tag(_) => {}
            }
        }
        exports
    }
}

/// Runs `wasm` in every available engine and compares, step by step:
/// instantiation (including the start function), then calls of the
/// exported functions in export order, with arguments from `u`; after each
/// call, every exported global (NaN payloads aside), memory (byte for
/// byte) and table size.
///
/// Metered engines run each step first; if one of them exhausts a limit
/// (fuel, stack, resources), the run stops as inconclusive, since engines
/// count and set limits differently. Otherwise the unmetered engines run
/// the same step, which is then known to finish.
pub fn differential(wasm: &[u8], u: &mut Unstructured<'_>, budget: &Budget) -> DiffReport {
    let defect = crate::engines::wasmi_known_defect(wasm);
    let engines: Vec<EngineKind> = EngineKind::available_engines()
        .into_iter()
        .filter(|&e| e != EngineKind::Wasmi || !matches!(defect, Some(WasmiDefect::Aborts(_))))
        .collect();
    let mut report = DiffReport { engines: engines.clone(), ..DiffReport::default() };

    let mut instances: Vec<Box<dyn DiffInstance>> = Vec::new();
    let mut outcomes = Vec::new();
    for &engine in &engines {
        match engine.instantiate(wasm, budget.fuel) {
            Ok(instance) => {
                instances.push(instance);
                outcomes.push((engine, Outcome::Returned(Vec::new())));
            }
            Err(outcome) => outcomes.push((engine, outcome)),
        }
        if let Some(stop) = exhausted(&outcomes) {
            report.inconclusive = Some(format!("instantiation: {stop}"));
            return report;
        }
    }
    if let Some(d) = disagreement("instantiation", &outcomes) {
        match known_defect(defect, &d) {
            Some(defect) => report.inconclusive = Some(format!("instantiation: {defect}")),
            None => report.divergence = Some(d),
        }
        return report;
    }
    if instances.len() != engines.len() {
        // Rejected alike everywhere: nothing more to compare.
        return report;
    }
    report.instantiated = true;

    // Every engine accepted the module, so Wisp's default engine does too.
    let exports = match Module::from_binary(&Engine::default(), wasm) {
        Ok(module) => Exports::of(&module),
        Err(e) => {
            report.divergence = Some(Divergence {
                what: "compilation with the default configuration".into(),
                seen: vec![(EngineKind::WispInterpreter, e.to_string())],
            });
            return report;
        }
    };

    for (name, params, results) in exports.funcs.iter().take(budget.calls) {
        let Ok(args) = generators::args(u, params) else { break };
        let what = format!("call {name:?}{args:?}");
        let mut outcomes = Vec::new();
        for (&engine, instance) in engines.iter().zip(&mut instances) {
            outcomes.push((engine, instance.call(name, &args, results, budget.fuel)));
            if let Some(stop) = exhausted(&outcomes) {
                report.inconclusive = Some(format!("{what}: {stop}"));
                return report;
            }
        }
        let d = disagreement(&what, &outcomes)
            .or_else(|| compare_state(&engines, &mut instances, &exports, &what));
        if let Some(d) = d {
            match known_defect(defect, &d) {
                Some(defect) => report.inconclusive = Some(format!("{what}: {defect}")),
                None => report.divergence = Some(d),
            }
            return report;
        }
        report.calls += 1;
    }
    report
}

/// Names the engine that ran out of something, if one did. Checked after
/// each engine's step: the engines after it do not run the step at all (an
/// unmetered one might not finish it).
fn exhausted(outcomes: &[(EngineKind, Outcome)]) -> Option<String> {
    let (engine, how) = outcomes.iter().find_map(|(e, o)| match o {
        Outcome::Exhausted(how) => Some((e, how)),
        _ => None,
    })?;
    let how = match how {
        Exhaustion::Fuel => "out of fuel",
        Exhaustion::Stack => "stack exhausted",
        Exhaustion::Epoch => "epoch deadline",
        Exhaustion::Resources => "resources exhausted",
    };
    Some(format!("{}: {how}", engine.name()))
}

/// A known defect of another engine that explains `d`: it applies only when
/// that engine alone disagrees with every Wisp engine, which all agree.
fn known_defect(defect: Option<WasmiDefect>, d: &Divergence) -> Option<&'static str> {
    let (wasmi, wisp): (Vec<_>, Vec<_>) = d.seen.iter().partition(|(e, _)| *e == EngineKind::Wasmi);
    let wisp_agrees = wisp.windows(2).all(|w| w[0].1 == w[1].1);
    let wasmi_dissents = wasmi.iter().all(|(_, s)| wisp.iter().all(|(_, t)| s != t));
    if wasmi.is_empty() || !wisp_agrees || !wasmi_dissents {
        return None;
    }
    match defect? {
        WasmiDefect::WrongResults(why) => Some(why),
        WasmiDefect::Aborts(_) => None,
    }
}

fn disagreement(what: &str, outcomes: &[(EngineKind, Outcome)]) -> Option<Divergence> {
    let (_, first) = &outcomes[0];
    if outcomes.iter().all(|(_, o)| o.agrees_with(first)) {
        return None;
    }
    Some(Divergence {
        what: what.to_string(),
        seen: outcomes.iter().map(|(e, o)| (*e, format!("{o:?}"))).collect(),
    })
}

fn compare_state(
    engines: &[EngineKind],
    instances: &mut [Box<dyn DiffInstance>],
    exports: &Exports,
    after: &str,
) -> Option<Divergence> {
    let seen = |f: &mut dyn FnMut(&mut dyn DiffInstance) -> String,
                instances: &mut [Box<dyn DiffInstance>]| {
        engines.iter().zip(instances).map(|(&e, i)| (e, f(&mut **i))).collect::<Vec<_>>()
    };
    for name in &exports.globals {
        let values: Vec<Option<DiffValue>> = instances.iter_mut().map(|i| i.global(name)).collect();
        let agree = values.iter().all(|v| match (v, &values[0]) {
            (Some(a), Some(b)) => a.agrees_with(b),
            _ => false,
        });
        if !agree {
            return Some(Divergence {
                what: format!("global {name:?} after {after}"),
                seen: seen(&mut |i| format!("{:?}", i.global(name)), instances),
            });
        }
    }
    for name in &exports.memories {
        let mut first: Option<Vec<u8>> = None;
        let mut differs = false;
        for instance in instances.iter_mut() {
            let bytes = instance.memory(name).unwrap_or_default();
            match &first {
                None => first = Some(bytes.to_vec()),
                Some(f) => differs |= f.as_slice() != bytes,
            }
        }
        if differs {
            let reference = first.unwrap_or_default();
            return Some(Divergence {
                what: format!("memory {name:?} after {after}"),
                seen: seen(&mut |i| describe_memory(i.memory(name), &reference), instances),
            });
        }
    }
    for name in &exports.tables {
        let sizes: Vec<Option<u64>> = instances.iter_mut().map(|i| i.table_size(name)).collect();
        if sizes.iter().any(|s| s.is_none() || *s != sizes[0]) {
            return Some(Divergence {
                what: format!("size of table {name:?} after {after}"),
                seen: seen(&mut |i| format!("{:?}", i.table_size(name)), instances),
            });
        }
    }
    None
}

/// A memory's size and where it first differs from `reference`.
fn describe_memory(bytes: Option<&[u8]>, reference: &[u8]) -> String {
    let Some(bytes) = bytes else { return "no such memory".into() };
    match bytes.iter().zip(reference).position(|(a, b)| a != b) {
        Some(at) => format!("{} bytes; at {at:#x}: {:#04x}", bytes.len(), bytes[at]),
        None => format!("{} bytes; same prefix as the first engine", bytes.len()),
    }
}

// ---------------------------------------------------------------------------
// Instantiation under limits

/// Store limits for the instantiation oracle: modest, so that generated
/// modules asking for large memories and tables meet them.
pub fn fuzz_limits() -> StoreLimits {
    StoreLimits {
        memory_bytes: 64 << 20,
        table_elements: 100_000,
        instances: 4,
        memories: 4,
        tables: 8,
        trap_on_grow_failure: false,
    }
}

/// What [`instantiate`] saw.
#[derive(Debug, Default, Clone, Copy)]
pub struct InstantiateReport {
    /// Whether the module was instantiated.
    pub instantiated: bool,
    /// Calls that returned.
    pub returned: usize,
    /// Calls that trapped (out of fuel included).
    pub trapped: usize,
    /// Calls stopped by a resource limit.
    pub limited: usize,
}

/// Compiles a valid module, instantiates it with made-up definitions of
/// its imports (host functions that return zeros, zeroed globals, fresh
/// memories and tables) under `limits`, fuel and an epoch deadline, and
/// calls every exported function. Every step must end in a value or a
/// typed error of the kinds it allows; `Err` describes one that did not.
pub fn instantiate(
    wasm: &[u8],
    u: &mut Unstructured<'_>,
    budget: &Budget,
    limits: StoreLimits,
) -> Result<InstantiateReport, String> {
    let mut report = InstantiateReport::default();
    let mut config = Config::new();
    config.consume_fuel(true).epoch_interruption(true);
    let engine = Engine::new(&config).map_err(|e| e.to_string())?;
    let module = match Module::from_binary(&engine, wasm) {
        Ok(module) => module,
        Err(e) if matches!(e.kind(), ErrorKind::Resource(_) | ErrorKind::Unsupported(_)) => {
            return Ok(report);
        }
        Err(e) => return Err(format!("a valid module was refused: {e}")),
    };
    let mut store = Store::new(&engine, ());
    store.set_limits(limits);
    store.set_fuel(budget.fuel).map_err(|e| e.to_string())?;
    store.set_epoch_deadline(u64::MAX);

    let mut imports = Vec::new();
    for import in module.imports() {
        let made = match import.ty {
            ExternType::Func(ty) => Ok(Extern::from(Func::new(&mut store, ty, |_, _, results| {
                for r in results.iter_mut() {
                    *r = Val::default_for(r.ty());
                }
                Ok(())
            }))),
            ExternType::Global(ty) => {
                Global::new(&mut store, ty, Val::default_for(ty.content)).map(Extern::from)
            }
            ExternType::Memory(ty) => Memory::new(&mut store, ty).map(Extern::from),
            ExternType::Table(ty) => {
                Table::new(&mut store, ty, Val::default_for(ValType::Ref(ty.element)))
                    .map(Extern::from)
            }
            // Exception tags are beyond the generated modules' features.
            ExternType::Tag(_) => return Ok(report),
        };
        match made {
            Ok(ext) => imports.push(ext),
            Err(e) => return allowed(e, "creating an import").map(|()| report),
        }
    }
    let instance = match Instance::new(&mut store, &module, &imports) {
        Ok(instance) => instance,
        Err(e) => return allowed(e, "instantiation").map(|()| report),
    };
    report.instantiated = true;

    let exports = Exports::of(&module);
    for (name, params, results) in exports.funcs.iter().take(budget.calls) {
        let Ok(args) = generators::args(u, params) else { break };
        let args: Vec<Val> = args.iter().map(|&a| to_wisp(a)).collect();
        let func = instance.get_func(&store, name).ok_or_else(|| format!("no export {name}"))?;
        let mut out: Vec<Val> = results.iter().map(|&t| Val::default_for(t)).collect();
        store.set_fuel(budget.fuel).map_err(|e| e.to_string())?;
        match func.call(&mut store, &args, &mut out) {
            Ok(()) => report.returned += 1,
            Err(e) if e.trap().is_some() => report.trapped += 1,
            Err(e) => {
                allowed(e, &format!("call {name:?}"))?;
                report.limited += 1;
            }
        }
    }
    Ok(report)
}

/// Whether an error may end the step `what` under limits: a trap or a
/// resource limit.
fn allowed(e: wisp::Error, what: &str) -> Result<(), String> {
    match e.kind() {
        ErrorKind::Trap { .. } | ErrorKind::Resource(_) => Ok(()),
        _ => Err(format!("{what} failed with an unexpected kind of error: {e}")),
    }
}

// ---------------------------------------------------------------------------
// Validation

/// What [`validate`] saw.
#[derive(Debug, Default, Clone, Copy)]
pub struct ValidateReport {
    /// Whether the bytes were a valid module.
    pub valid: bool,
    /// Functions translated for the interpreter.
    pub translated: bool,
}

/// Decodes and validates arbitrary bytes with `config`, and if they are
/// valid, translates every function. `Module::validate` and
/// `Module::from_binary` must agree; translation of a valid module may fail
/// only with a resource or support error, never a validation error.
pub fn validate(bytes: &[u8], config: &Config) -> Result<ValidateReport, String> {
    let engine = Engine::new(config).map_err(|e| e.to_string())?;
    let checked = Module::validate(&engine, bytes);
    let module = Module::from_binary(&engine, bytes);
    let module = match (checked, module) {
        (Ok(()), Ok(module)) => module,
        (Err(_), Err(_)) => return Ok(ValidateReport::default()),
        (Ok(()), Err(e))
            if matches!(e.kind(), ErrorKind::Resource(_) | ErrorKind::Unsupported(_)) =>
        {
            return Ok(ValidateReport { valid: true, translated: false });
        }
        (Ok(()), Err(e)) => return Err(format!("validate accepts, from_binary refuses: {e}")),
        (Err(e), Ok(_)) => return Err(format!("from_binary accepts, validate refuses: {e}")),
    };
    match module.translate_all() {
        Ok(()) => Ok(ValidateReport { valid: true, translated: true }),
        Err(e) if matches!(e.kind(), ErrorKind::Wasm(_)) => {
            Err(format!("a validated module fails translation as invalid: {e}"))
        }
        Err(_) => Ok(ValidateReport { valid: true, translated: false }),
    }
}
