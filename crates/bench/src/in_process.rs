//! Running a program inside this process through the embedding API, timing
//! its phases separately.

use std::time::{Duration, Instant};

use wisp::{Caller, Config, Engine, Linker, Module, Store, Strategy};
use wisp_wasi::{DirPerms, OutputPipe, WasiCtx};

use crate::corpus::{self, Program};
use crate::report::Status;

/// One of Wisp's execution tiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tier {
    /// The short name, as `wisp run --tier` spells it.
    pub name: &'static str,
    /// The engine strategy selecting it.
    pub strategy: Strategy,
}

/// Every tier, in the order tables list them.
pub const TIERS: [Tier; 2] = [
    Tier { name: "interp", strategy: Strategy::Interpreter },
    Tier { name: "cranelift", strategy: Strategy::Cranelift },
];

impl Tier {
    /// The runtime's name in tables: `wisp-interp`, `wisp-cranelift`.
    pub fn runtime_name(&self) -> String {
        format!("wisp-{}", self.name)
    }

    /// An engine for this tier, or why this build of Wisp cannot make one
    /// (the tier is then reported as unavailable).
    pub fn engine(&self) -> Result<Engine, String> {
        let mut config = Config::new();
        config.strategy(self.strategy);
        Engine::new(&config).map_err(|e| e.to_string())
    }
}

/// The time each phase of one run took.
#[derive(Debug, Clone, Copy)]
pub struct Phases {
    /// `Module::new`: decoding, validating and whatever the tier translates
    /// eagerly.
    pub compile: Duration,
    /// Creating the store and instantiating the module with WASI linked.
    pub instantiate: Duration,
    /// From the program's `bench.start` to its `bench.end`.
    pub execute: Duration,
}

/// What the store holds: the guest's WASI context and the two timestamps
/// its `bench.start` and `bench.end` record.
struct BenchCtx {
    wasi: WasiCtx,
    start: Option<Instant>,
    end: Option<Instant>,
}

/// Runs `program` (its variant with `bench` imports) once on `engine` and
/// checks its output.
pub fn run(engine: &Engine, program: &Program) -> Result<Phases, Status> {
    let (phases, stdout, stderr) = execute(engine, program).map_err(Status::Failed)?;
    corpus::check_output(program, &stdout.contents(), &stderr.contents()).map_err(Status::Wrong)?;
    Ok(phases)
}

/// Runs `program`, returning the phases' times and its stdout and stderr.
fn execute(engine: &Engine, program: &Program) -> Result<(Phases, OutputPipe, OutputPipe), String> {
    let path = program.wasm.as_ref().ok_or("no variant with `bench` imports")?;
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let stdout = OutputPipe::new();
    let stderr = OutputPipe::new();
    let file_name = path.file_name().unwrap_or_default().to_string_lossy().into_owned();
    let mut wasi = WasiCtx::builder();
    wasi.arg(file_name).stdout(stdout.clone()).stderr(stderr.clone());
    wasi.preopened_dir(&program.dir, ".", DirPerms::ALL)
        .map_err(|e| format!("cannot open {}: {e}", program.dir.display()))?;
    let ctx = BenchCtx { wasi: wasi.build(), start: None, end: None };
    let linker = linker(engine).map_err(|e| e.to_string())?;

    let started = Instant::now();
    let module = Module::new(engine, &bytes).map_err(|e| e.to_string())?;
    let compile = started.elapsed();

    let started = Instant::now();
    let mut store = Store::new(engine, ctx);
    let instance = linker.instantiate(&mut store, &module).map_err(|e| e.to_string())?;
    let instantiate = started.elapsed();

    let entry = instance.get_typed_func::<(), ()>(&store, "_start").map_err(|e| e.to_string())?;
    match entry.call(&mut store, ()) {
        Ok(()) => {}
        Err(e) if e.exit_status() == Some(0) => {}
        Err(e) => return Err(e.to_string()),
    }
    let execute = match (store.data().start, store.data().end) {
        (Some(start), Some(end)) => end.duration_since(start),
        _ => return Err("the program did not call both bench.start and bench.end".into()),
    };
    Ok((Phases { compile, instantiate, execute }, stdout, stderr))
}

/// WASI, plus `bench.start` and `bench.end` recording when they are called.
fn linker(engine: &Engine) -> wisp::Result<Linker<BenchCtx>> {
    let mut linker = Linker::new(engine);
    wisp_wasi::add_to_linker(&mut linker, |ctx: &mut BenchCtx| &mut ctx.wasi)?;
    linker.func_wrap("bench", "start", |mut caller: Caller<'_, BenchCtx>| {
        caller.data_mut().start = Some(Instant::now());
    })?;
    linker.func_wrap("bench", "end", |mut caller: Caller<'_, BenchCtx>| {
        caller.data_mut().end = Some(Instant::now());
    })?;
    Ok(linker)
}
