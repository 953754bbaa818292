//! Wisp's optimizing tier: WebAssembly to native code through Cranelift.
//!
//! [`Compiler::compile`] translates every function of a validated module to
//! CLIF (`func`), adds the per-signature trampolines the runtime needs
//! (`trampolines`), compiles them in parallel and lays the machine code
//! out in one text section with its relocations and trap sites — a
//! [`CompiledObject`] the runtime loads, or an artifact stores.
//!
//! ```
//! use wisp_environ::{Features, ModuleInfo};
//! let wasm = wat::parse_str(r#"(module (func (export "add") (param i32 i32) (result i32)
//!     local.get 0 local.get 1 i32.add))"#).unwrap();
//! let info = ModuleInfo::parse(&wasm, Features::default()).unwrap();
//! let compiler = wisp_cranelift::Compiler::host(wisp_cranelift::Settings::default()).unwrap();
//! let object = compiler.compile(&info, &wasm).unwrap();
//! assert_eq!(object.funcs.len(), 1);
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod func;
mod simd;
mod trampolines;

use std::fmt;
use std::sync::Mutex;

use cranelift_codegen::binemit::Reloc as ClifReloc;
use cranelift_codegen::entity::EntityRef;
use cranelift_codegen::ir::{self, ExternalName};
use cranelift_codegen::isa::{CallConv, OwnedTargetIsa, TargetIsa};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_codegen::{Context, FinalizedRelocTarget};
use cranelift_frontend::FunctionBuilderContext;
use wisp_environ::{CompiledFunc, CompiledObject, ModuleInfo, Reloc, RelocKind, Trap, TrapSite};

/// Settings that change the generated code. Every one of them is part of
/// an artifact's compatibility hash.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Settings {
    /// Memories are large reservations with guard regions, so 32-bit
    /// accesses need no explicit bounds checks.
    pub memory_reservation: bool,
    /// Count executed operators against the store's fuel.
    pub consume_fuel: bool,
    /// Check the engine's epoch at function entry and loop headers.
    pub epoch_interruption: bool,
    /// Cranelift's optimization level: `none`, `speed` or `speed_and_size`.
    pub opt_level: &'static str,
    /// Calling convention of the host functions the code calls.
    pub host_call_conv: CallConv,
    /// The target has a fused multiply-add instruction (set by
    /// [`Compiler::host`] and [`Compiler::for_target`] from its CPU
    /// features); without one, `relaxed_madd` calls the runtime.
    pub native_fma: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            memory_reservation: true,
            consume_fuel: false,
            epoch_interruption: false,
            opt_level: "speed",
            host_call_conv: CallConv::triple_default(&target_lexicon::Triple::host()),
            native_fma: true,
        }
    }
}

/// Why compilation failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileError(pub String);

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CompileError {}

impl From<wasmparser::BinaryReaderError> for CompileError {
    fn from(e: wasmparser::BinaryReaderError) -> Self {
        CompileError(e.to_string())
    }
}

/// A compiler for one target.
pub struct Compiler {
    isa: OwnedTargetIsa,
    settings: Settings,
}

impl fmt::Debug for Compiler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Compiler").field("target", &self.triple()).finish_non_exhaustive()
    }
}

fn shared_flags(settings: &Settings) -> Result<settings::Flags, CompileError> {
    let mut b = settings::builder();
    let set = |b: &mut settings::Builder, k: &str, v: &str| {
        b.set(k, v).map_err(|e| CompileError(format!("cranelift setting {k}={v}: {e}")))
    };
    set(&mut b, "opt_level", settings.opt_level)?;
    set(&mut b, "preserve_frame_pointers", "true")?;
    set(&mut b, "enable_verifier", if cfg!(debug_assertions) { "true" } else { "false" })?;
    set(&mut b, "unwind_info", "false")?;
    set(&mut b, "enable_probestack", "false")?;
    set(&mut b, "enable_multi_ret_implicit_sret", "true")?;
    Ok(settings::Flags::new(b))
}

/// Whether `isa` has a fused multiply-add instruction: x86-64 says so with
/// a CPU feature flag; the other targets Wisp supports always have one.
fn has_fma(isa: &dyn TargetIsa) -> bool {
    let flag = isa.isa_flags().into_iter().find(|f| f.name == "has_fma");
    flag.is_none_or(|f| f.as_bool().unwrap_or(false))
}

impl Compiler {
    /// A compiler for the machine it runs on, using every CPU feature it
    /// detects.
    pub fn host(mut settings: Settings) -> Result<Self, CompileError> {
        let builder = cranelift_native::builder()
            .map_err(|e| CompileError(format!("this machine is not supported: {e}")))?;
        let isa = builder
            .finish(shared_flags(&settings)?)
            .map_err(|e| CompileError(format!("cannot target this machine: {e}")))?;
        settings.native_fma = has_fma(&*isa);
        Ok(Self { isa, settings })
    }

    /// A compiler for `triple` (e.g. `aarch64-unknown-linux-gnu`), using
    /// the target's baseline CPU features.
    pub fn for_target(triple: &str, mut settings: Settings) -> Result<Self, CompileError> {
        let triple: target_lexicon::Triple =
            triple.parse().map_err(|e| CompileError(format!("bad target `{triple}`: {e}")))?;
        settings.host_call_conv = CallConv::triple_default(&triple);
        let mut builder = cranelift_codegen::isa::lookup(triple.clone())
            .map_err(|e| CompileError(format!("unsupported target `{triple}`: {e}")))?;
        if triple.architecture == target_lexicon::Architecture::X86_64 {
            // The x86-64-v2 baseline (2009 and later CPUs): without SSE4.1,
            // rounding and some vector operations would need libcalls.
            for flag in ["has_sse3", "has_ssse3", "has_sse41", "has_sse42", "has_popcnt"] {
                builder
                    .enable(flag)
                    .map_err(|e| CompileError(format!("cranelift setting {flag}: {e}")))?;
            }
        }
        let isa = builder
            .finish(shared_flags(&settings)?)
            .map_err(|e| CompileError(format!("cannot target `{triple}`: {e}")))?;
        settings.native_fma = has_fma(&*isa);
        Ok(Self { isa, settings })
    }

    /// The target triple.
    pub fn triple(&self) -> String {
        self.isa.triple().to_string()
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// A description of every code-affecting setting (target, CPU
    /// features, Cranelift flags, [`Settings`]), for compatibility hashes.
    pub fn fingerprint(&self) -> String {
        let codegen = env!("WISP_CODEGEN_ID");
        let mut s = format!("{codegen}|{}|{:?}", self.triple(), self.settings);
        for v in self.isa.flags().iter().chain(self.isa.isa_flags()) {
            s.push_str(&format!("|{}={}", v.name, v));
        }
        s
    }

    /// Compiles every function of `info` (decoded from `wasm`), using up to
    /// `threads` threads; `progress` is called with the number of
    /// functions done so far.
    pub fn compile_with(
        &self,
        info: &ModuleInfo,
        wasm: &[u8],
        threads: usize,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<CompiledObject, CompileError> {
        let translator =
            func::FuncTranslator::new(info, &self.settings, self.isa.frontend_config());
        let n = info.bodies.len();
        let results: Vec<Mutex<Option<Result<Compiled, CompileError>>>> =
            (0..n).map(|_| Mutex::new(None)).collect();
        let next = std::sync::atomic::AtomicUsize::new(0);
        let done = std::sync::atomic::AtomicUsize::new(0);
        let work = || {
            let mut fctx = FunctionBuilderContext::new();
            let mut ctx = Context::new();
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= n {
                    break;
                }
                let range = info.bodies[i].range.clone();
                let body = wasmparser::FunctionBody::new(wasmparser::BinaryReader::new(
                    &wasm[range.clone()],
                    range.start as u64,
                ));
                let r = translator
                    .translate(i as u32, &body, &mut fctx)
                    .and_then(|f| self.compile_one(&mut ctx, f));
                *results[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(r);
                let d = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                progress(d, n);
            }
        };
        let threads = threads.clamp(1, n.max(1));
        if threads == 1 {
            work();
        } else {
            std::thread::scope(|s| {
                for _ in 0..threads {
                    s.spawn(work);
                }
            });
        }
        let mut object = CompiledObject::default();
        for (i, r) in results.into_iter().enumerate() {
            let c = r.into_inner().unwrap_or_else(|e| e.into_inner());
            let c = c.ok_or_else(|| CompileError(format!("function {i} was not compiled")))??;
            let loc = append(&mut object, &c, true)?;
            object.funcs.push(loc);
        }
        let mut ctx = Context::new();
        let mut fctx = FunctionBuilderContext::new();
        for ty in &info.types {
            let f = trampolines::entry(ty, &self.settings, self.isa.frontend_config(), &mut fctx);
            let c = self.compile_one(&mut ctx, f)?;
            let loc = append(&mut object, &c, false)?;
            object.entry_trampolines.push(loc);
            let f = trampolines::host_adapter(
                ty,
                &self.settings,
                self.isa.frontend_config(),
                &mut fctx,
            );
            let c = self.compile_one(&mut ctx, f)?;
            // Its trap reports a host function's error.
            let loc = append(&mut object, &c, true)?;
            object.host_adapters.push(loc);
        }
        object.traps.sort_by_key(|t| t.offset);
        Ok(object)
    }

    /// Compiles every function of `info` (decoded from `wasm`), on as many
    /// threads as the machine has.
    pub fn compile(&self, info: &ModuleInfo, wasm: &[u8]) -> Result<CompiledObject, CompileError> {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        self.compile_with(info, wasm, threads, &|_, _| {})
    }

    fn compile_one(&self, ctx: &mut Context, func: ir::Function) -> Result<Compiled, CompileError> {
        ctx.clear();
        ctx.func = func;
        let callees: Vec<u32> =
            ctx.func.params.user_named_funcs().values().map(|n| n.index).collect();
        let mut plane = Default::default();
        let code = ctx
            .compile(&*self.isa, &mut plane)
            .map_err(|e| CompileError(format!("code generation failed: {:?}", e.inner)))?;
        let bytes = code.code_buffer().to_vec();
        let relocs = code
            .buffer
            .relocs()
            .iter()
            .map(|r| {
                let target = match &r.target {
                    FinalizedRelocTarget::ExternalName(ExternalName::User(name)) => {
                        callees[name.index()]
                    }
                    other => {
                        return Err(CompileError(format!("unexpected relocation to {other:?}")));
                    }
                };
                let kind = match r.kind {
                    ClifReloc::X86CallPCRel4 | ClifReloc::X86PCRel4 => RelocKind::X86CallPcRel4,
                    ClifReloc::Arm64Call => RelocKind::Arm64Call26,
                    k => return Err(CompileError(format!("unexpected relocation kind {k:?}"))),
                };
                Ok(Reloc { offset: r.offset, kind, target, addend: r.addend })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let traps = code
            .buffer
            .traps()
            .iter()
            .map(|t| TrapSite { offset: t.offset, code: trap_byte(t.code) })
            .collect();
        Ok(Compiled { bytes, relocs, traps })
    }
}

struct Compiled {
    bytes: Vec<u8>,
    relocs: Vec<Reloc>,
    traps: Vec<TrapSite>,
}

/// Appends a function's code to the text section, aligned to 16 bytes.
fn append(
    object: &mut CompiledObject,
    c: &Compiled,
    keep_traps: bool,
) -> Result<CompiledFunc, CompileError> {
    while !object.text.len().is_multiple_of(16) {
        object.text.push(0);
    }
    let offset = u32::try_from(object.text.len())
        .map_err(|_| CompileError("the module's code exceeds 4 GiB".into()))?;
    object.text.extend_from_slice(&c.bytes);
    object.relocs.extend(c.relocs.iter().map(|r| Reloc { offset: r.offset + offset, ..*r }));
    // Entry trampolines have no traps of their own.
    if keep_traps {
        object.traps.extend(c.traps.iter().map(|t| TrapSite { offset: t.offset + offset, ..*t }));
    }
    Ok(CompiledFunc { offset, len: c.bytes.len() as u32 })
}

/// Maps a Cranelift trap code to Wisp's one-byte trap code.
fn trap_byte(code: ir::TrapCode) -> u8 {
    use ir::TrapCode as C;
    let trap = match code {
        C::STACK_OVERFLOW => Trap::StackOverflow,
        C::INTEGER_OVERFLOW => Trap::IntegerOverflow,
        C::HEAP_OUT_OF_BOUNDS => Trap::MemoryOutOfBounds,
        C::INTEGER_DIVISION_BY_ZERO => Trap::IntegerDivisionByZero,
        C::BAD_CONVERSION_TO_INTEGER => Trap::BadConversionToInteger,
        other => return other.as_raw().get(),
    };
    trap.to_code()
}
