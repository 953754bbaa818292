//! The dispatch loop.
//!
//! One loop runs all Wasm-to-Wasm calls of an invocation: a call pushes a
//! [`Frame`] on a heap-allocated list instead of recursing on the host
//! stack, so guest recursion depth is bounded by configuration only. The
//! callee's frame starts at the caller's argument cells, so arguments and
//! results are never copied.

use std::ops::Deref;
use std::ptr::NonNull;
use std::sync::Arc;

use super::isa::Instr;
use super::ops;
use super::simd;
use super::translate::CompiledFunc;
use crate::module::ModuleInner;
use crate::store::FuncEntity;
use crate::trap::{Backtrace, FrameInfo};
use crate::{Caller, Error, Module, Result, Store, Trap};

/// A translated function, referenced without reference counting so that
/// calls and returns cost no atomic operations.
#[derive(Clone, Copy)]
struct CodeRef(NonNull<CompiledFunc>);

impl CodeRef {
    fn new(code: &Arc<CompiledFunc>) -> Self {
        CodeRef(NonNull::from(&**code))
    }
}

impl Deref for CodeRef {
    type Target = CompiledFunc;

    fn deref(&self) -> &CompiledFunc {
        // SAFETY: a translation is owned by its module (an `Arc` set once in
        // a `OnceLock`, never cleared). Every module whose code runs belongs
        // to an instance of the store being executed, and a store never drops
        // instances, so the module outlives this execution, which holds the
        // store borrowed.
        unsafe { self.0.as_ref() }
    }
}

/// A module, referenced without reference counting (see [`CodeRef`]).
#[derive(Clone, Copy)]
struct ModuleRef(NonNull<ModuleInner>);

impl ModuleRef {
    fn new(module: &Module) -> Self {
        ModuleRef(NonNull::from(module.shared()))
    }
}

impl Deref for ModuleRef {
    type Target = ModuleInner;

    fn deref(&self) -> &ModuleInner {
        // SAFETY: as for `CodeRef`: the module belongs to an instance of the
        // store under execution, and stores never drop instances.
        unsafe { self.0.as_ref() }
    }
}

/// A suspended caller.
struct Frame {
    code: CodeRef,
    ip: usize,
    fp: usize,
    instance: u32,
    func: u32,
}

/// Initial value stack size in cells.
const INITIAL_STACK_CELLS: usize = 1 << 12;

#[inline(always)]
fn load<const N: usize>(data: &[u8], ea: u64) -> Result<[u8; N], Trap> {
    let start = usize::try_from(ea).map_err(|_| Trap::MemoryOutOfBounds)?;
    match data.get(start..start.wrapping_add(N)) {
        Some(bytes) if start.checked_add(N).is_some() => {
            let mut out = [0u8; N];
            out.copy_from_slice(bytes);
            Ok(out)
        }
        _ => Err(Trap::MemoryOutOfBounds),
    }
}

#[inline(always)]
fn store_bytes(data: &mut [u8], ea: u64, bytes: &[u8]) -> Result<(), Trap> {
    let start = usize::try_from(ea).map_err(|_| Trap::MemoryOutOfBounds)?;
    let end = start.checked_add(bytes.len()).ok_or(Trap::MemoryOutOfBounds)?;
    match data.get_mut(start..end) {
        Some(dst) => {
            dst.copy_from_slice(bytes);
            Ok(())
        }
        None => Err(Trap::MemoryOutOfBounds),
    }
}

/// Checks that `[start, start + len)` lies within `size`.
#[inline]
fn range(start: u64, len: u64, size: usize) -> Result<std::ops::Range<usize>, Trap> {
    let end = start.checked_add(len).filter(|&e| e <= size as u64);
    match end {
        Some(end) => Ok(start as usize..end as usize),
        None => Err(Trap::MemoryOutOfBounds),
    }
}

#[inline(always)]
fn f32_of(c: u64) -> f32 {
    f32::from_bits(c as u32)
}

#[inline(always)]
fn f64_of(c: u64) -> f64 {
    f64::from_bits(c)
}

#[inline(always)]
fn from_f32(v: f32) -> u64 {
    u64::from(v.to_bits())
}

#[inline(always)]
fn from_f64(v: f64) -> u64 {
    v.to_bits()
}

/// Runs defined function `index` of `instance`. `cells` holds the
/// arguments on entry and the results on return.
pub(super) fn run<T>(
    store: &mut Store<T>,
    stack: &mut Vec<u64>,
    instance: u32,
    index: u32,
    cells: &mut [u64],
) -> Result<()> {
    let config = store.inner.engine.config();
    let max_cells = (config.max_wasm_stack / 8).max(64);
    let max_depth = config.max_call_depth;
    let base = store.inner.stack_top;
    let depth0 = store.inner.depth;
    let entry_module = ModuleRef::new(&store.inner.instances[instance as usize].module);
    let code = CodeRef::new(entry_module.code(index)?);
    let need = base + code.frame_cells as usize;
    if need > max_cells || depth0 >= max_depth {
        return Err(Error::from_trap(Trap::StackOverflow));
    }
    if stack.len() < need {
        stack.resize(need.max(INITIAL_STACK_CELLS).min(max_cells.max(need)), 0);
    }
    let params = code.param_cells as usize;
    stack[base..base + params].copy_from_slice(&cells[..params]);
    init_frame(stack, base, &code);
    let result_cells = entry_module.info().func_type(index).result_cells() as usize;

    let mut exec = Exec {
        stack,
        frames: Vec::new(),
        code,
        ip: 0,
        fp: base,
        inst: instance,
        func: index,
        module: entry_module,
        mem0: usize::MAX,
        max_cells,
        max_depth: max_depth - depth0,
    };
    exec.switch_instance(store, instance);
    let result = exec.execute(store);
    match result {
        Ok(()) => {
            cells[..result_cells].copy_from_slice(&exec.stack[base..base + result_cells]);
            Ok(())
        }
        Err(e) => {
            let bt = exec.backtrace(store);
            Err(e.with_backtrace(|| bt))
        }
    }
}

struct Exec<'s> {
    stack: &'s mut Vec<u64>,
    frames: Vec<Frame>,
    code: CodeRef,
    ip: usize,
    fp: usize,
    inst: u32,
    func: u32,
    module: ModuleRef,
    /// Store index of memory 0 of the current instance.
    mem0: usize,
    max_cells: usize,
    max_depth: u32,
}

impl Exec<'_> {
    fn switch_instance<T>(&mut self, store: &Store<T>, instance: u32) {
        let inst = &store.inner.instances[instance as usize];
        self.inst = instance;
        self.module = ModuleRef::new(&inst.module);
        self.mem0 = inst.memories.first().map_or(usize::MAX, |&m| m as usize);
    }

    fn backtrace<T>(&self, store: &Store<T>) -> Backtrace {
        let frame = |inst: u32, func: u32| {
            let info = store.inner.instances[inst as usize].module.info();
            FrameInfo {
                module_name: info.name.clone(),
                func_index: func,
                func_name: info.func_names.get(&func).cloned(),
            }
        };
        let mut frames = vec![frame(self.inst, self.func)];
        frames.extend(self.frames.iter().rev().map(|f| frame(f.instance, f.func)));
        Backtrace::new(frames)
    }

    /// Enters store function `func` with its arguments at `base`.
    #[inline]
    fn call_store_func<T>(&mut self, store: &mut Store<T>, func: u32, base: u32) -> Result<()> {
        match &store.inner.funcs[func as usize] {
            &FuncEntity::Wasm { instance, index, .. } => self.enter(store, instance, index, base),
            FuncEntity::Host { host, ty, .. } => {
                let host = *host as usize;
                let n = ty.param_cells().max(ty.result_cells()) as usize;
                let start = self.fp + base as usize;
                let mut buf = self.stack[start..start + n].to_vec();
                let f = store.host[host].clone();
                store.inner.stack = std::mem::take(self.stack);
                let saved_top = store.inner.stack_top;
                let saved_depth = store.inner.depth;
                store.inner.stack_top = self.fp + self.code.frame_cells as usize;
                store.inner.depth += self.frames.len() as u32 + 1;
                let r = f(Caller { store: &mut *store, instance: Some(self.inst) }, &mut buf);
                *self.stack = std::mem::take(&mut store.inner.stack);
                store.inner.stack_top = saved_top;
                store.inner.depth = saved_depth;
                r?;
                self.stack[start..start + n].copy_from_slice(&buf);
                Ok(())
            }
        }
    }

    /// The function a `call_indirect` through `table` at `index` reaches,
    /// after its signature check against type `ty`.
    #[inline]
    fn indirect_target<T>(
        &self,
        store: &Store<T>,
        table: u32,
        index: u64,
        ty: u32,
    ) -> Result<u32, Trap> {
        let inst = &store.inner.instances[self.inst as usize];
        let table = &store.inner.tables[inst.tables[table as usize] as usize];
        let i = addr(index, table.ty.table64);
        let elem = match usize::try_from(i).ok().and_then(|i| table.elems.get(i)) {
            Some(&e) => e,
            None => return Err(Trap::UndefinedElement),
        };
        let Some(func) = elem.checked_sub(1) else {
            return Err(Trap::UninitializedElement);
        };
        if store.inner.funcs[func as usize].type_id() != self.module.type_id(ty) {
            return Err(Trap::BadSignature);
        }
        Ok(func as u32)
    }

    /// Replaces the current frame with a call to store function `func`
    /// whose arguments are at `base`; `false` when that returned from the
    /// entry function.
    fn tail_call<T>(&mut self, store: &mut Store<T>, func: u32, base: u32) -> Result<bool> {
        let start = self.fp + base as usize;
        match store.inner.funcs[func as usize] {
            FuncEntity::Wasm { instance, index, .. } => {
                let code =
                    CodeRef::new(store.inner.instances[instance as usize].module.code(index)?);
                let params = code.param_cells as usize;
                self.stack.copy_within(start..start + params, self.fp);
                let need = self.fp + code.frame_cells as usize;
                if need > self.stack.len() {
                    if need > self.max_cells {
                        return Err(Trap::StackOverflow.into());
                    }
                    let grown = (self.stack.len() * 2).max(need).min(self.max_cells);
                    self.stack.resize(grown, 0);
                }
                let fp = self.fp;
                init_frame(self.stack, fp, &code);
                self.code = code;
                self.ip = 0;
                self.func = index;
                if instance != self.inst {
                    self.switch_instance(store, instance);
                }
                Ok(true)
            }
            FuncEntity::Host { .. } => {
                self.call_store_func(store, func, base)?;
                let results = store.inner.func_ty(func).result_cells() as usize;
                self.stack.copy_within(start..start + results, self.fp);
                Ok(self.ret(store))
            }
        }
    }

    /// Pushes a frame for function `index` of `instance`.
    #[inline(always)]
    fn enter<T>(
        &mut self,
        store: &mut Store<T>,
        instance: u32,
        index: u32,
        base: u32,
    ) -> Result<()> {
        let code = if instance == self.inst {
            CodeRef::new(self.module.code(index)?)
        } else {
            CodeRef::new(store.inner.instances[instance as usize].module.code(index)?)
        };
        if self.frames.len() as u32 + 1 >= self.max_depth {
            return Err(Trap::StackOverflow.into());
        }
        let fp = self.fp + base as usize;
        let need = fp + code.frame_cells as usize;
        if need > self.stack.len() {
            if need > self.max_cells {
                return Err(Trap::StackOverflow.into());
            }
            let grown = (self.stack.len() * 2).max(need).min(self.max_cells);
            self.stack.resize(grown, 0);
        }
        init_frame(self.stack, fp, &code);
        let caller = std::mem::replace(&mut self.code, code);
        self.frames.push(Frame {
            code: caller,
            ip: self.ip,
            fp: self.fp,
            instance: self.inst,
            func: self.func,
        });
        self.fp = fp;
        self.ip = 0;
        self.func = index;
        if instance != self.inst {
            self.switch_instance(store, instance);
        }
        Ok(())
    }

    /// Returns to the caller; `false` when the entry function returned.
    #[inline(always)]
    fn ret<T>(&mut self, store: &Store<T>) -> bool {
        match self.frames.pop() {
            None => false,
            Some(f) => {
                self.code = f.code;
                self.ip = f.ip;
                self.fp = f.fp;
                self.func = f.func;
                if f.instance != self.inst {
                    self.switch_instance(store, f.instance);
                }
                true
            }
        }
    }

    /// The current memory 0 as a raw view: base and length in bytes.
    fn mem_view<T>(&self, store: &mut Store<T>) -> (*mut u8, usize) {
        match store.inner.memories.get_mut(self.mem0) {
            Some(m) => {
                let data = m.data_mut();
                (data.as_mut_ptr(), data.len())
            }
            None => (std::ptr::null_mut(), 0),
        }
    }

    /// The dispatch loop.
    ///
    /// The hot state lives in locals: `ip` points at the next instruction,
    /// `regs` at the current frame's first cell, `mem_base`/`mem_len`
    /// describe memory 0. Accesses through them are unchecked; what makes
    /// them sound is established elsewhere and re-established by `reload!`
    /// after anything that may move or change them (calls, returns, stack
    /// growth, `memory.grow`):
    /// - the translator only emits register operands below the function's
    ///   `frame_cells`, and every frame has that many cells in the stack
    ///   (`run`, `enter`, `tail_call` grow the stack first);
    /// - every code path of a translated function ends in a jump, return or
    ///   trap, and jump targets are inside the function, so `ip` stays
    ///   within the code;
    /// - loads and stores check `address + size <= mem_len` first.
    ///
    /// Debug builds (and the test profile) assert the first two on every
    /// access, which the spec suites then exercise.
    fn execute<T>(&mut self, store: &mut Store<T>) -> Result<()> {
        let mut code_base: *const Instr;
        let mut ip: *const Instr;
        let mut regs: *mut u64;
        let mut mem_base: *mut u8;
        let mut mem_len: usize;
        macro_rules! reload {
            () => {{
                code_base = self.code.code.as_ptr();
                debug_assert!(self.ip < self.code.code.len());
                // SAFETY: `self.ip` indexes the current function's code.
                ip = unsafe { code_base.add(self.ip) };
                debug_assert!(self.fp + self.code.frame_cells as usize <= self.stack.len());
                // SAFETY: the current frame lies within the stack.
                regs = unsafe { self.stack.as_mut_ptr().add(self.fp) };
                (mem_base, mem_len) = self.mem_view(store);
            }};
        }
        macro_rules! sync {
            () => {{
                // SAFETY: `ip` and `code_base` point into the same code.
                self.ip = unsafe { ip.offset_from(code_base) } as usize;
            }};
        }
        reload!();
        macro_rules! get {
            ($r:expr) => {{
                let r = $r as usize;
                debug_assert!(r < self.code.frame_cells as usize);
                // SAFETY: registers are below `frame_cells` (see above).
                unsafe { *regs.add(r) }
            }};
        }
        macro_rules! set {
            ($r:expr, $v:expr) => {{
                let v: u64 = $v;
                let r = $r as usize;
                debug_assert!(r < self.code.frame_cells as usize);
                // SAFETY: registers are below `frame_cells` (see above).
                unsafe { *regs.add(r) = v };
            }};
        }
        macro_rules! get128 {
            ($r:expr) => {{
                let r = $r as u32;
                u128::from(get!(r)) | (u128::from(get!(r + 1)) << 64)
            }};
        }
        macro_rules! set128 {
            ($r:expr, $v:expr) => {{
                let v: u128 = $v;
                let r = $r as u32;
                set!(r, v as u64);
                set!(r + 1, (v >> 64) as u64);
            }};
        }
        macro_rules! tri {
            ($e:expr) => {
                match $e {
                    Ok(v) => v,
                    Err(t) => return Err(Error::from_trap(t)),
                }
            };
        }
        macro_rules! extra {
            () => {{
                // SAFETY: the translator follows this instruction with an
                // `Extra` word, so `ip` is still within the code.
                let Instr::Extra(a, b, c) = (unsafe { *ip }) else {
                    unreachable!("translator emits Extra after this instruction")
                };
                // SAFETY: as above; the function continues after the word.
                ip = unsafe { ip.add(1) };
                (a, b, c)
            }};
        }
        macro_rules! jump {
            ($t:expr) => {{
                let t = $t as usize;
                debug_assert!(t < self.code.code.len());
                // SAFETY: jump targets are inside the function.
                ip = unsafe { code_base.add(t) };
            }};
        }
        macro_rules! i32bin {
            ($d:expr, $a:expr, $b:expr, |$x:ident, $y:ident| $e:expr) => {{
                let $x = get!($a) as u32;
                let $y = get!($b) as u32;
                set!($d, u64::from($e))
            }};
        }
        macro_rules! i64bin {
            ($d:expr, $a:expr, $b:expr, |$x:ident, $y:ident| $e:expr) => {{
                let $x = get!($a);
                let $y = get!($b);
                set!($d, $e)
            }};
        }
        macro_rules! f32bin {
            ($d:expr, $a:expr, $b:expr, |$x:ident, $y:ident| $e:expr) => {{
                let $x = f32_of(get!($a));
                let $y = f32_of(get!($b));
                set!($d, from_f32($e))
            }};
        }
        macro_rules! f64bin {
            ($d:expr, $a:expr, $b:expr, |$x:ident, $y:ident| $e:expr) => {{
                let $x = f64_of(get!($a));
                let $y = f64_of(get!($b));
                set!($d, from_f64($e))
            }};
        }
        macro_rules! cmp {
            ($d:expr, $a:expr, $b:expr, $conv:ident, |$x:ident, $y:ident| $e:expr) => {{
                let $x = $conv(get!($a));
                let $y = $conv(get!($b));
                set!($d, u64::from($e))
            }};
        }
        macro_rules! un {
            ($d:expr, $a:expr, |$x:ident| $e:expr) => {{
                let $x = get!($a);
                set!($d, $e)
            }};
        }
        macro_rules! br_if {
            ($cond:expr, $t:expr) => {{
                if $cond {
                    jump!($t);
                }
            }};
        }
        macro_rules! ea {
            ($a:expr, $o:expr, $n:literal) => {{
                let ea = u64::from(get!($a) as u32) + u64::from($o);
                if ea + $n > mem_len as u64 {
                    return Err(Trap::MemoryOutOfBounds.into());
                }
                ea as usize
            }};
        }
        macro_rules! ld {
            ($d:expr, $a:expr, $o:expr, $n:literal, |$b:ident| $e:expr) => {{
                let ea = ea!($a, $o, $n);
                // SAFETY: `ea + N <= mem_len`, and `mem_base`/`mem_len`
                // describe memory 0 as it is now (see above).
                let $b: [u8; $n] = unsafe { std::ptr::read_unaligned(mem_base.add(ea).cast()) };
                set!($d, $e)
            }};
        }
        macro_rules! st {
            ($a:expr, $v:expr, $o:expr, $n:literal, |$x:ident| $e:expr) => {{
                let $x = get!($v);
                let bytes: [u8; $n] = $e;
                let ea = ea!($a, $o, $n);
                // SAFETY: as for loads.
                unsafe { std::ptr::write_unaligned(mem_base.add(ea).cast(), bytes) };
            }};
        }

        fn i32(c: u64) -> u32 {
            c as u32
        }
        fn s32(c: u64) -> i32 {
            c as u32 as i32
        }
        fn s64(c: u64) -> i64 {
            c as i64
        }
        fn u64_(c: u64) -> u64 {
            c
        }

        loop {
            debug_assert!(
                // SAFETY: both point into the current function's code.
                (unsafe { ip.offset_from(code_base) } as usize) < self.code.code.len()
            );
            // SAFETY: `ip` is within the code (see above). Fields are read
            // in place rather than copying the instruction first.
            let instr: &Instr = unsafe { &*ip };
            // SAFETY: every instruction is followed by another or ends the
            // path, so one past it is at most one past the end.
            ip = unsafe { ip.add(1) };
            use Instr as I;
            match *instr {
                I::I32Add(d, a, b) => i32bin!(d, a, b, |x, y| x.wrapping_add(y)),
                I::I32Sub(d, a, b) => i32bin!(d, a, b, |x, y| x.wrapping_sub(y)),
                I::I32Mul(d, a, b) => i32bin!(d, a, b, |x, y| x.wrapping_mul(y)),
                I::I32DivS(d, a, b) => {
                    i32bin!(d, a, b, |x, y| tri!(ops::i32_div_s(x as i32, y as i32)) as u32)
                }
                I::I32DivU(d, a, b) => i32bin!(d, a, b, |x, y| tri!(ops::i32_div_u(x, y))),
                I::I32RemS(d, a, b) => {
                    i32bin!(d, a, b, |x, y| tri!(ops::i32_rem_s(x as i32, y as i32)) as u32)
                }
                I::I32RemU(d, a, b) => i32bin!(d, a, b, |x, y| tri!(ops::i32_rem_u(x, y))),
                I::I32And(d, a, b) => i32bin!(d, a, b, |x, y| x & y),
                I::I32Or(d, a, b) => i32bin!(d, a, b, |x, y| x | y),
                I::I32Xor(d, a, b) => i32bin!(d, a, b, |x, y| x ^ y),
                I::I32Shl(d, a, b) => i32bin!(d, a, b, |x, y| x.wrapping_shl(y)),
                I::I32ShrS(d, a, b) => i32bin!(d, a, b, |x, y| (x as i32).wrapping_shr(y) as u32),
                I::I32ShrU(d, a, b) => i32bin!(d, a, b, |x, y| x.wrapping_shr(y)),
                I::I32Rotl(d, a, b) => i32bin!(d, a, b, |x, y| x.rotate_left(y % 32)),
                I::I32Rotr(d, a, b) => i32bin!(d, a, b, |x, y| x.rotate_right(y % 32)),
                I::I32Eq(d, a, b) => cmp!(d, a, b, i32, |x, y| x == y),
                I::I32Ne(d, a, b) => cmp!(d, a, b, i32, |x, y| x != y),
                I::I32LtS(d, a, b) => cmp!(d, a, b, s32, |x, y| x < y),
                I::I32LtU(d, a, b) => cmp!(d, a, b, i32, |x, y| x < y),
                I::I32GtS(d, a, b) => cmp!(d, a, b, s32, |x, y| x > y),
                I::I32GtU(d, a, b) => cmp!(d, a, b, i32, |x, y| x > y),
                I::I32LeS(d, a, b) => cmp!(d, a, b, s32, |x, y| x <= y),
                I::I32LeU(d, a, b) => cmp!(d, a, b, i32, |x, y| x <= y),
                I::I32GeS(d, a, b) => cmp!(d, a, b, s32, |x, y| x >= y),
                I::I32GeU(d, a, b) => cmp!(d, a, b, i32, |x, y| x >= y),
                I::I64Add(d, a, b) => i64bin!(d, a, b, |x, y| x.wrapping_add(y)),
                I::I64Sub(d, a, b) => i64bin!(d, a, b, |x, y| x.wrapping_sub(y)),
                I::I64Mul(d, a, b) => i64bin!(d, a, b, |x, y| x.wrapping_mul(y)),
                I::I64DivS(d, a, b) => {
                    i64bin!(d, a, b, |x, y| tri!(ops::i64_div_s(x as i64, y as i64)) as u64)
                }
                I::I64DivU(d, a, b) => i64bin!(d, a, b, |x, y| tri!(ops::i64_div_u(x, y))),
                I::I64RemS(d, a, b) => {
                    i64bin!(d, a, b, |x, y| tri!(ops::i64_rem_s(x as i64, y as i64)) as u64)
                }
                I::I64RemU(d, a, b) => i64bin!(d, a, b, |x, y| tri!(ops::i64_rem_u(x, y))),
                I::I64And(d, a, b) => i64bin!(d, a, b, |x, y| x & y),
                I::I64Or(d, a, b) => i64bin!(d, a, b, |x, y| x | y),
                I::I64Xor(d, a, b) => i64bin!(d, a, b, |x, y| x ^ y),
                I::I64Shl(d, a, b) => i64bin!(d, a, b, |x, y| x.wrapping_shl(y as u32)),
                I::I64ShrS(d, a, b) => {
                    i64bin!(d, a, b, |x, y| (x as i64).wrapping_shr(y as u32) as u64)
                }
                I::I64ShrU(d, a, b) => i64bin!(d, a, b, |x, y| x.wrapping_shr(y as u32)),
                I::I64Rotl(d, a, b) => i64bin!(d, a, b, |x, y| x.rotate_left((y % 64) as u32)),
                I::I64Rotr(d, a, b) => i64bin!(d, a, b, |x, y| x.rotate_right((y % 64) as u32)),
                I::I64Eq(d, a, b) => cmp!(d, a, b, u64_, |x, y| x == y),
                I::I64Ne(d, a, b) => cmp!(d, a, b, u64_, |x, y| x != y),
                I::I64LtS(d, a, b) => cmp!(d, a, b, s64, |x, y| x < y),
                I::I64LtU(d, a, b) => cmp!(d, a, b, u64_, |x, y| x < y),
                I::I64GtS(d, a, b) => cmp!(d, a, b, s64, |x, y| x > y),
                I::I64GtU(d, a, b) => cmp!(d, a, b, u64_, |x, y| x > y),
                I::I64LeS(d, a, b) => cmp!(d, a, b, s64, |x, y| x <= y),
                I::I64LeU(d, a, b) => cmp!(d, a, b, u64_, |x, y| x <= y),
                I::I64GeS(d, a, b) => cmp!(d, a, b, s64, |x, y| x >= y),
                I::I64GeU(d, a, b) => cmp!(d, a, b, u64_, |x, y| x >= y),
                I::F32Add(d, a, b) => f32bin!(d, a, b, |x, y| x + y),
                I::F32Sub(d, a, b) => f32bin!(d, a, b, |x, y| x - y),
                I::F32Mul(d, a, b) => f32bin!(d, a, b, |x, y| x * y),
                I::F32Div(d, a, b) => f32bin!(d, a, b, |x, y| x / y),
                I::F32Min(d, a, b) => f32bin!(d, a, b, |x, y| ops::f32_min(x, y)),
                I::F32Max(d, a, b) => f32bin!(d, a, b, |x, y| ops::f32_max(x, y)),
                I::F32Copysign(d, a, b) => {
                    let x = get!(a) as u32;
                    let y = get!(b) as u32;
                    set!(d, u64::from((x & 0x7fff_ffff) | (y & 0x8000_0000)))
                }
                I::F32Eq(d, a, b) => cmp!(d, a, b, f32_of, |x, y| x == y),
                I::F32Ne(d, a, b) => cmp!(d, a, b, f32_of, |x, y| x != y),
                I::F32Lt(d, a, b) => cmp!(d, a, b, f32_of, |x, y| x < y),
                I::F32Gt(d, a, b) => cmp!(d, a, b, f32_of, |x, y| x > y),
                I::F32Le(d, a, b) => cmp!(d, a, b, f32_of, |x, y| x <= y),
                I::F32Ge(d, a, b) => cmp!(d, a, b, f32_of, |x, y| x >= y),
                I::F64Add(d, a, b) => f64bin!(d, a, b, |x, y| x + y),
                I::F64Sub(d, a, b) => f64bin!(d, a, b, |x, y| x - y),
                I::F64Mul(d, a, b) => f64bin!(d, a, b, |x, y| x * y),
                I::F64Div(d, a, b) => f64bin!(d, a, b, |x, y| x / y),
                I::F64Min(d, a, b) => f64bin!(d, a, b, |x, y| ops::f64_min(x, y)),
                I::F64Max(d, a, b) => f64bin!(d, a, b, |x, y| ops::f64_max(x, y)),
                I::F64Copysign(d, a, b) => {
                    let x = get!(a);
                    let y = get!(b);
                    set!(d, (x & !(1 << 63)) | (y & (1 << 63)))
                }
                I::F64Eq(d, a, b) => cmp!(d, a, b, f64_of, |x, y| x == y),
                I::F64Ne(d, a, b) => cmp!(d, a, b, f64_of, |x, y| x != y),
                I::F64Lt(d, a, b) => cmp!(d, a, b, f64_of, |x, y| x < y),
                I::F64Gt(d, a, b) => cmp!(d, a, b, f64_of, |x, y| x > y),
                I::F64Le(d, a, b) => cmp!(d, a, b, f64_of, |x, y| x <= y),
                I::F64Ge(d, a, b) => cmp!(d, a, b, f64_of, |x, y| x >= y),

                I::I32Eqz(d, a) => un!(d, a, |x| u64::from(x as u32 == 0)),
                I::I32Clz(d, a) => un!(d, a, |x| u64::from((x as u32).leading_zeros())),
                I::I32Ctz(d, a) => un!(d, a, |x| u64::from((x as u32).trailing_zeros())),
                I::I32Popcnt(d, a) => un!(d, a, |x| u64::from((x as u32).count_ones())),
                I::I64Eqz(d, a) => un!(d, a, |x| u64::from(x == 0)),
                I::I64Clz(d, a) => un!(d, a, |x| u64::from(x.leading_zeros())),
                I::I64Ctz(d, a) => un!(d, a, |x| u64::from(x.trailing_zeros())),
                I::I64Popcnt(d, a) => un!(d, a, |x| u64::from(x.count_ones())),
                I::F32Abs(d, a) => un!(d, a, |x| x & 0x7fff_ffff),
                I::F32Neg(d, a) => un!(d, a, |x| (x as u32 ^ 0x8000_0000) as u64),
                I::F32Ceil(d, a) => un!(d, a, |x| from_f32(ops::quiet_f32(f32_of(x).ceil()))),
                I::F32Floor(d, a) => un!(d, a, |x| from_f32(ops::quiet_f32(f32_of(x).floor()))),
                I::F32Trunc(d, a) => un!(d, a, |x| from_f32(ops::quiet_f32(f32_of(x).trunc()))),
                I::F32Nearest(d, a) => {
                    un!(d, a, |x| from_f32(ops::quiet_f32(f32_of(x).round_ties_even())))
                }
                I::F32Sqrt(d, a) => un!(d, a, |x| from_f32(f32_of(x).sqrt())),
                I::F64Abs(d, a) => un!(d, a, |x| x & !(1 << 63)),
                I::F64Neg(d, a) => un!(d, a, |x| x ^ (1 << 63)),
                I::F64Ceil(d, a) => un!(d, a, |x| from_f64(ops::quiet_f64(f64_of(x).ceil()))),
                I::F64Floor(d, a) => un!(d, a, |x| from_f64(ops::quiet_f64(f64_of(x).floor()))),
                I::F64Trunc(d, a) => un!(d, a, |x| from_f64(ops::quiet_f64(f64_of(x).trunc()))),
                I::F64Nearest(d, a) => {
                    un!(d, a, |x| from_f64(ops::quiet_f64(f64_of(x).round_ties_even())))
                }
                I::F64Sqrt(d, a) => un!(d, a, |x| from_f64(f64_of(x).sqrt())),
                I::I32WrapI64(d, a) => un!(d, a, |x| x & 0xffff_ffff),
                I::I32TruncF32S(d, a) => {
                    un!(d, a, |x| tri!(ops::i32_trunc_f32_s(f32_of(x))) as u32 as u64)
                }
                I::I32TruncF32U(d, a) => {
                    un!(d, a, |x| u64::from(tri!(ops::i32_trunc_f32_u(f32_of(x)))))
                }
                I::I32TruncF64S(d, a) => {
                    un!(d, a, |x| tri!(ops::i32_trunc_f64_s(f64_of(x))) as u32 as u64)
                }
                I::I32TruncF64U(d, a) => {
                    un!(d, a, |x| u64::from(tri!(ops::i32_trunc_f64_u(f64_of(x)))))
                }
                I::I64ExtendI32S(d, a) => un!(d, a, |x| x as u32 as i32 as i64 as u64),
                I::I64ExtendI32U(d, a) => un!(d, a, |x| x as u32 as u64),
                I::I64TruncF32S(d, a) => {
                    un!(d, a, |x| tri!(ops::i64_trunc_f32_s(f32_of(x))) as u64)
                }
                I::I64TruncF32U(d, a) => un!(d, a, |x| tri!(ops::i64_trunc_f32_u(f32_of(x)))),
                I::I64TruncF64S(d, a) => {
                    un!(d, a, |x| tri!(ops::i64_trunc_f64_s(f64_of(x))) as u64)
                }
                I::I64TruncF64U(d, a) => un!(d, a, |x| tri!(ops::i64_trunc_f64_u(f64_of(x)))),
                I::F32ConvertI32S(d, a) => un!(d, a, |x| from_f32(x as u32 as i32 as f32)),
                I::F32ConvertI32U(d, a) => un!(d, a, |x| from_f32(x as u32 as f32)),
                I::F32ConvertI64S(d, a) => un!(d, a, |x| from_f32(x as i64 as f32)),
                I::F32ConvertI64U(d, a) => un!(d, a, |x| from_f32(x as f32)),
                I::F32DemoteF64(d, a) => un!(d, a, |x| from_f32(f64_of(x) as f32)),
                I::F64ConvertI32S(d, a) => un!(d, a, |x| from_f64(f64::from(x as u32 as i32))),
                I::F64ConvertI32U(d, a) => un!(d, a, |x| from_f64(f64::from(x as u32))),
                I::F64ConvertI64S(d, a) => un!(d, a, |x| from_f64(x as i64 as f64)),
                I::F64ConvertI64U(d, a) => un!(d, a, |x| from_f64(x as f64)),
                I::F64PromoteF32(d, a) => un!(d, a, |x| from_f64(f64::from(f32_of(x)))),
                I::I32Extend8S(d, a) => un!(d, a, |x| x as u8 as i8 as i32 as u32 as u64),
                I::I32Extend16S(d, a) => un!(d, a, |x| x as u16 as i16 as i32 as u32 as u64),
                I::I64Extend8S(d, a) => un!(d, a, |x| x as u8 as i8 as i64 as u64),
                I::I64Extend16S(d, a) => un!(d, a, |x| x as u16 as i16 as i64 as u64),
                I::I64Extend32S(d, a) => un!(d, a, |x| x as u32 as i32 as i64 as u64),
                // Rust's float-to-int `as` saturates and maps NaN to 0,
                // which is exactly the `trunc_sat` semantics.
                I::I32TruncSatF32S(d, a) => un!(d, a, |x| f32_of(x) as i32 as u32 as u64),
                I::I32TruncSatF32U(d, a) => un!(d, a, |x| u64::from(f32_of(x) as u32)),
                I::I32TruncSatF64S(d, a) => un!(d, a, |x| f64_of(x) as i32 as u32 as u64),
                I::I32TruncSatF64U(d, a) => un!(d, a, |x| u64::from(f64_of(x) as u32)),
                I::I64TruncSatF32S(d, a) => un!(d, a, |x| f32_of(x) as i64 as u64),
                I::I64TruncSatF32U(d, a) => un!(d, a, |x| f32_of(x) as u64),
                I::I64TruncSatF64S(d, a) => un!(d, a, |x| f64_of(x) as i64 as u64),
                I::I64TruncSatF64U(d, a) => un!(d, a, |x| f64_of(x) as u64),
                I::Copy(d, a) => un!(d, a, |x| x),
                I::Copy2(d, a) => set128!(d, get128!(a)),

                I::I32AddImm(d, a, i) => {
                    un!(d, a, |x| u64::from((x as u32).wrapping_add(i as u32)))
                }
                I::I32MulImm(d, a, i) => {
                    un!(d, a, |x| u64::from((x as u32).wrapping_mul(i as u32)))
                }
                I::I32AndImm(d, a, i) => un!(d, a, |x| u64::from(x as u32 & i as u32)),
                I::I32OrImm(d, a, i) => un!(d, a, |x| u64::from(x as u32 | i as u32)),
                I::I32XorImm(d, a, i) => un!(d, a, |x| u64::from(x as u32 ^ i as u32)),
                I::I32ShlImm(d, a, i) => {
                    un!(d, a, |x| u64::from((x as u32).wrapping_shl(i as u32)))
                }
                I::I32ShrSImm(d, a, i) => {
                    un!(d, a, |x| u64::from((x as i32).wrapping_shr(i as u32) as u32))
                }
                I::I32ShrUImm(d, a, i) => {
                    un!(d, a, |x| u64::from((x as u32).wrapping_shr(i as u32)))
                }
                I::I32EqImm(d, a, i) => un!(d, a, |x| u64::from(x as u32 == i as u32)),
                I::I32NeImm(d, a, i) => un!(d, a, |x| u64::from(x as u32 != i as u32)),
                I::I32LtSImm(d, a, i) => un!(d, a, |x| u64::from((x as i32) < i)),
                I::I32LtUImm(d, a, i) => un!(d, a, |x| u64::from((x as u32) < i as u32)),
                I::I32GtSImm(d, a, i) => un!(d, a, |x| u64::from(x as i32 > i)),
                I::I32GtUImm(d, a, i) => un!(d, a, |x| u64::from(x as u32 > i as u32)),
                I::I32LeSImm(d, a, i) => un!(d, a, |x| u64::from(x as i32 <= i)),
                I::I32LeUImm(d, a, i) => un!(d, a, |x| u64::from(x as u32 <= i as u32)),
                I::I32GeSImm(d, a, i) => un!(d, a, |x| u64::from(x as i32 >= i)),
                I::I32GeUImm(d, a, i) => un!(d, a, |x| u64::from(x as u32 >= i as u32)),
                I::I64AddImm(d, a, i) => un!(d, a, |x| x.wrapping_add(i as i64 as u64)),
                I::I64MulImm(d, a, i) => un!(d, a, |x| x.wrapping_mul(i as i64 as u64)),
                I::I64AndImm(d, a, i) => un!(d, a, |x| x & i as i64 as u64),
                I::I64OrImm(d, a, i) => un!(d, a, |x| x | i as i64 as u64),
                I::I64XorImm(d, a, i) => un!(d, a, |x| x ^ i as i64 as u64),
                I::I64ShlImm(d, a, i) => un!(d, a, |x| x.wrapping_shl(i as u32)),
                I::I64ShrSImm(d, a, i) => un!(d, a, |x| (x as i64).wrapping_shr(i as u32) as u64),
                I::I64ShrUImm(d, a, i) => un!(d, a, |x| x.wrapping_shr(i as u32)),
                I::I64EqImm(d, a, i) => un!(d, a, |x| u64::from(x as i64 == i as i64)),
                I::I64NeImm(d, a, i) => un!(d, a, |x| u64::from(x as i64 != i as i64)),
                I::I64LtSImm(d, a, i) => un!(d, a, |x| u64::from((x as i64) < i as i64)),
                I::I64LtUImm(d, a, i) => un!(d, a, |x| u64::from(x < i as i64 as u64)),
                I::I64GtSImm(d, a, i) => un!(d, a, |x| u64::from(x as i64 > i as i64)),
                I::I64GtUImm(d, a, i) => un!(d, a, |x| u64::from(x > i as i64 as u64)),
                I::I64LeSImm(d, a, i) => un!(d, a, |x| u64::from(x as i64 <= i as i64)),
                I::I64LeUImm(d, a, i) => un!(d, a, |x| u64::from(x <= i as i64 as u64)),
                I::I64GeSImm(d, a, i) => un!(d, a, |x| u64::from(x as i64 >= i as i64)),
                I::I64GeUImm(d, a, i) => un!(d, a, |x| u64::from(x >= i as i64 as u64)),

                I::BrI32Eq(a, b, t) => br_if!(get!(a) as u32 == get!(b) as u32, t),
                I::BrI32Ne(a, b, t) => br_if!(get!(a) as u32 != get!(b) as u32, t),
                I::BrI32LtS(a, b, t) => br_if!((get!(a) as i32) < get!(b) as i32, t),
                I::BrI32LtU(a, b, t) => br_if!((get!(a) as u32) < get!(b) as u32, t),
                I::BrI32GtS(a, b, t) => br_if!(get!(a) as i32 > get!(b) as i32, t),
                I::BrI32GtU(a, b, t) => br_if!(get!(a) as u32 > get!(b) as u32, t),
                I::BrI32LeS(a, b, t) => br_if!(get!(a) as i32 <= get!(b) as i32, t),
                I::BrI32LeU(a, b, t) => br_if!(get!(a) as u32 <= get!(b) as u32, t),
                I::BrI32GeS(a, b, t) => br_if!(get!(a) as i32 >= get!(b) as i32, t),
                I::BrI32GeU(a, b, t) => br_if!(get!(a) as u32 >= get!(b) as u32, t),
                I::BrI64Eq(a, b, t) => br_if!(get!(a) == get!(b), t),
                I::BrI64Ne(a, b, t) => br_if!(get!(a) != get!(b), t),
                I::BrI64LtS(a, b, t) => br_if!((get!(a) as i64) < get!(b) as i64, t),
                I::BrI64LtU(a, b, t) => br_if!(get!(a) < get!(b), t),
                I::BrI64GtS(a, b, t) => br_if!(get!(a) as i64 > get!(b) as i64, t),
                I::BrI64GtU(a, b, t) => br_if!(get!(a) > get!(b), t),
                I::BrI64LeS(a, b, t) => br_if!(get!(a) as i64 <= get!(b) as i64, t),
                I::BrI64LeU(a, b, t) => br_if!(get!(a) <= get!(b), t),
                I::BrI64GeS(a, b, t) => br_if!(get!(a) as i64 >= get!(b) as i64, t),
                I::BrI64GeU(a, b, t) => br_if!(get!(a) >= get!(b), t),
                I::BrI32EqImm(a, i, t) => br_if!(get!(a) as u32 == i as u32, t),
                I::BrI32NeImm(a, i, t) => br_if!(get!(a) as u32 != i as u32, t),
                I::BrI32LtSImm(a, i, t) => br_if!((get!(a) as i32) < i, t),
                I::BrI32LtUImm(a, i, t) => br_if!((get!(a) as u32) < i as u32, t),
                I::BrI32GtSImm(a, i, t) => br_if!(get!(a) as i32 > i, t),
                I::BrI32GtUImm(a, i, t) => br_if!(get!(a) as u32 > i as u32, t),
                I::BrI32LeSImm(a, i, t) => br_if!(get!(a) as i32 <= i, t),
                I::BrI32LeUImm(a, i, t) => br_if!(get!(a) as u32 <= i as u32, t),
                I::BrI32GeSImm(a, i, t) => br_if!(get!(a) as i32 >= i, t),
                I::BrI32GeUImm(a, i, t) => br_if!(get!(a) as u32 >= i as u32, t),

                I::Extra(..) => unreachable!("Extra words are consumed by their instruction"),
                I::Fuel(cost) => match store.inner.fuel.checked_sub(u64::from(cost)) {
                    Some(left) => store.inner.fuel = left,
                    None => return Err(Trap::OutOfFuel.into()),
                },
                I::EpochCheck => {
                    let now = store.inner.engine.current_epoch();
                    if now >= store.inner.epoch_deadline {
                        return Err(Trap::Interrupted.into());
                    }
                }
                I::Unreachable => return Err(Trap::Unreachable.into()),
                I::Br(t) => jump!(t),
                I::BrIfNez(c, t) => br_if!(get!(c) as u32 != 0, t),
                I::BrIfEqz(c, t) => br_if!(get!(c) as u32 == 0, t),
                I::BrIfNez64(c, t) => br_if!(get!(c) != 0, t),
                I::BrIfEqz64(c, t) => br_if!(get!(c) == 0, t),
                I::BrTable(c, len) => {
                    let i = (get!(c) as u32).min(len);
                    // SAFETY: the table's `len + 1` entries follow it.
                    let entry = unsafe { &*ip.add(i as usize) };
                    // Entries are plain jumps: take them directly.
                    let Instr::Br(target) = *entry else {
                        unreachable!("br_table entries are jumps")
                    };
                    jump!(target);
                }
                I::Return => {
                    if !self.ret(store) {
                        return Ok(());
                    }
                    reload!();
                }
                I::Return1(r) => {
                    let v = get!(r);
                    set!(0u32, v);
                    if !self.ret(store) {
                        return Ok(());
                    }
                    reload!();
                }
                I::ReturnImm(v) => {
                    set!(0u32, u64::from(v as u32));
                    if !self.ret(store) {
                        return Ok(());
                    }
                    reload!();
                }
                I::Call(f, base) => {
                    sync!();
                    if f >= self.module.info().num_imported_funcs {
                        self.enter(store, self.inst, f, base)?;
                    } else {
                        let func = store.inner.instances[self.inst as usize].funcs[f as usize];
                        self.call_store_func(store, func, base)?;
                    }
                    reload!();
                }
                I::CallIndirect(index, base, ty) => {
                    let (table, _, _) = extra!();
                    let func = tri!(self.indirect_target(store, table, get!(index), ty));
                    sync!();
                    self.call_store_func(store, func, base)?;
                    reload!();
                }
                I::ReturnCall(f, base) => {
                    let func = store.inner.instances[self.inst as usize].funcs[f as usize];
                    if !self.tail_call(store, func, base)? {
                        return Ok(());
                    }
                    reload!();
                }
                I::ReturnCallIndirect(index, base, ty) => {
                    let (table, _, _) = extra!();
                    let func = tri!(self.indirect_target(store, table, get!(index), ty));
                    sync!(); // keeps the frame's position for a host callee's backtrace
                    if !self.tail_call(store, func, base)? {
                        return Ok(());
                    }
                    reload!();
                }
                I::CallRef(r, base) => match get!(r).checked_sub(1) {
                    Some(func) => {
                        sync!();
                        self.call_store_func(store, func as u32, base)?;
                        reload!();
                    }
                    None => return Err(Trap::NullFunctionReference.into()),
                },
                I::ReturnCallRef(r, base) => match get!(r).checked_sub(1) {
                    Some(func) => {
                        if !self.tail_call(store, func as u32, base)? {
                            return Ok(());
                        }
                        reload!();
                    }
                    None => return Err(Trap::NullFunctionReference.into()),
                },
                I::RefAsNonNull(d, a) => {
                    let v = get!(a);
                    if v == 0 {
                        return Err(Trap::NullReference.into());
                    }
                    set!(d, v)
                }
                I::Const32(d, v) => set!(d, u64::from(v)),
                I::Const64(d, v) => set!(d, v),
                I::ConstV128(d, i) => set128!(d, self.code.consts[i as usize]),
                I::Select(d, a, b) => {
                    let (c, _, _) = extra!();
                    let v = if get!(c) as u32 != 0 { get!(a) } else { get!(b) };
                    set!(d, v)
                }
                I::Select2(d, a, b) => {
                    let (c, _, _) = extra!();
                    let v = if get!(c) as u32 != 0 { get128!(a) } else { get128!(b) };
                    set128!(d, v)
                }
                I::GlobalGet(d, g) => {
                    let g = store.inner.instances[self.inst as usize].globals[g as usize];
                    set!(d, store.inner.globals[g as usize].value as u64)
                }
                I::GlobalSet(r, g) => {
                    let g = store.inner.instances[self.inst as usize].globals[g as usize];
                    store.inner.globals[g as usize].value = u128::from(get!(r));
                }
                I::GlobalGet2(d, g) => {
                    let g = store.inner.instances[self.inst as usize].globals[g as usize];
                    set128!(d, store.inner.globals[g as usize].value)
                }
                I::GlobalSet2(r, g) => {
                    let g = store.inner.instances[self.inst as usize].globals[g as usize];
                    store.inner.globals[g as usize].value = get128!(r);
                }
                I::Load32(d, a, o) => ld!(d, a, o, 4, |b| u64::from(u32::from_le_bytes(b))),
                I::Load64(d, a, o) => ld!(d, a, o, 8, |b| u64::from_le_bytes(b)),
                I::Load8U(d, a, o) => ld!(d, a, o, 1, |b| u64::from(b[0])),
                I::Load16U(d, a, o) => ld!(d, a, o, 2, |b| u64::from(u16::from_le_bytes(b))),
                I::Load8S32(d, a, o) => ld!(d, a, o, 1, |b| b[0] as i8 as i32 as u32 as u64),
                I::Load16S32(d, a, o) => {
                    ld!(d, a, o, 2, |b| i16::from_le_bytes(b) as i32 as u32 as u64)
                }
                I::Load8S64(d, a, o) => ld!(d, a, o, 1, |b| b[0] as i8 as i64 as u64),
                I::Load16S64(d, a, o) => ld!(d, a, o, 2, |b| i16::from_le_bytes(b) as i64 as u64),
                I::Load32S64(d, a, o) => ld!(d, a, o, 4, |b| i32::from_le_bytes(b) as i64 as u64),
                I::Store8(a, v, o) => st!(a, v, o, 1, |x| [x as u8]),
                I::Store16(a, v, o) => st!(a, v, o, 2, |x| (x as u16).to_le_bytes()),
                I::Store32(a, v, o) => st!(a, v, o, 4, |x| (x as u32).to_le_bytes()),
                I::Store64(a, v, o) => st!(a, v, o, 8, |x| x.to_le_bytes()),
                I::MemArg(mem, hi) => {
                    // SAFETY: the translator follows a prefix with its access.
                    let next = unsafe { *ip };
                    // SAFETY: as above.
                    ip = unsafe { ip.add(1) };
                    sync!();
                    let mem = store.inner.instances[self.inst as usize].memories[mem as usize];
                    tri!(self.prefixed_access(store, next, mem as usize, u64::from(hi) << 32));
                    reload!();
                }
                I::MemorySize(d, m) => {
                    let m = store.inner.instances[self.inst as usize].memories[m as usize];
                    set!(d, store.inner.memories[m as usize].pages())
                }
                I::MemoryGrow(d, delta, m) => {
                    let m = store.inner.instances[self.inst as usize].memories[m as usize];
                    let mem = &mut store.inner.memories[m as usize];
                    let delta =
                        if mem.ty().memory64 { get!(delta) } else { u64::from(get!(delta) as u32) };
                    let old = match mem.grow(delta, store.inner.limits.memory_bytes) {
                        Some(old) => old,
                        None if store.inner.limits.trap_on_grow_failure => {
                            return Err(Trap::LimitExceeded.into());
                        }
                        None if mem.ty().memory64 => u64::MAX,
                        None => u64::from(u32::MAX),
                    };
                    set!(d, old);
                    (mem_base, mem_len) = self.mem_view(store);
                }
                I::MemoryFill(dst, val, len) => {
                    let (m, _, _) = extra!();
                    let m = store.inner.instances[self.inst as usize].memories[m as usize];
                    let mem = &mut store.inner.memories[m as usize];
                    let wide = mem.ty().memory64;
                    let (dst, len) = (addr(get!(dst), wide), addr(get!(len), wide));
                    let data = mem.data_mut();
                    let r = tri!(range(dst, len, data.len()));
                    data[r].fill(get!(val) as u8);
                }
                I::MemoryCopy(dst, src, len) => {
                    let (dm, sm, _) = extra!();
                    let inst = &store.inner.instances[self.inst as usize];
                    let (dm, sm) =
                        (inst.memories[dm as usize] as usize, inst.memories[sm as usize] as usize);
                    let dwide = store.inner.memories[dm].ty().memory64;
                    let swide = store.inner.memories[sm].ty().memory64;
                    let (d, s) = (addr(get!(dst), dwide), addr(get!(src), swide));
                    let n = addr(get!(len), dwide && swide);
                    if dm == sm {
                        let data = store.inner.memories[dm].data_mut();
                        let sr = tri!(range(s, n, data.len()));
                        let dr = tri!(range(d, n, data.len()));
                        data.copy_within(sr, dr.start);
                    } else {
                        let sr = tri!(range(s, n, store.inner.memories[sm].data().len()));
                        let bytes = store.inner.memories[sm].data()[sr].to_vec();
                        let data = store.inner.memories[dm].data_mut();
                        let dr = tri!(range(d, n, data.len()));
                        data[dr].copy_from_slice(&bytes);
                    }
                }
                I::MemoryInit(dst, src, len) => {
                    let (seg, m, _) = extra!();
                    let inst = &store.inner.instances[self.inst as usize];
                    let bytes: &[u8] = if inst.dropped_datas[seg as usize] {
                        &[]
                    } else {
                        &self.module.info().datas[seg as usize].bytes
                    };
                    let m = inst.memories[m as usize] as usize;
                    let wide = store.inner.memories[m].ty().memory64;
                    let (d, s, n) = (
                        addr(get!(dst), wide),
                        u64::from(get!(src) as u32),
                        u64::from(get!(len) as u32),
                    );
                    let sr = tri!(range(s, n, bytes.len()));
                    let data = store.inner.memories[m].data_mut();
                    let dr = tri!(range(d, n, data.len()));
                    data[dr].copy_from_slice(&bytes[sr]);
                }
                I::DataDrop(seg) => {
                    store.inner.instances[self.inst as usize].dropped_datas[seg as usize] = true;
                }
                I::TableGet(d, i, t) => {
                    let t = store.inner.instances[self.inst as usize].tables[t as usize];
                    let table = &store.inner.tables[t as usize];
                    let i = addr(get!(i), table.ty.table64);
                    match usize::try_from(i).ok().and_then(|i| table.elems.get(i)) {
                        Some(&v) => set!(d, v),
                        None => return Err(Trap::TableOutOfBounds.into()),
                    }
                }
                I::TableSet(i, v, t) => {
                    let t = store.inner.instances[self.inst as usize].tables[t as usize];
                    let table = &mut store.inner.tables[t as usize];
                    let i = addr(get!(i), table.ty.table64);
                    match usize::try_from(i).ok().and_then(|i| table.elems.get_mut(i)) {
                        Some(slot) => *slot = get!(v),
                        None => return Err(Trap::TableOutOfBounds.into()),
                    }
                }
                I::TableSize(d, t) => {
                    let t = store.inner.instances[self.inst as usize].tables[t as usize];
                    set!(d, store.inner.tables[t as usize].size())
                }
                I::TableGrow(d, init, delta) => {
                    let (t, _, _) = extra!();
                    let t = store.inner.instances[self.inst as usize].tables[t as usize];
                    let table = &mut store.inner.tables[t as usize];
                    let wide = table.ty.table64;
                    let limit = store.inner.limits.table_elements;
                    let old = match table.grow(addr(get!(delta), wide), get!(init), limit) {
                        Some(old) => old,
                        None if store.inner.limits.trap_on_grow_failure => {
                            return Err(Trap::LimitExceeded.into());
                        }
                        None if wide => u64::MAX,
                        None => u64::from(u32::MAX),
                    };
                    set!(d, old)
                }
                I::TableFill(i, v, n) => {
                    let (t, _, _) = extra!();
                    let t = store.inner.instances[self.inst as usize].tables[t as usize];
                    let table = &mut store.inner.tables[t as usize];
                    let wide = table.ty.table64;
                    let r = tri!(
                        range(addr(get!(i), wide), addr(get!(n), wide), table.elems.len())
                            .map_err(|_| Trap::TableOutOfBounds)
                    );
                    table.elems[r].fill(get!(v));
                }
                I::TableCopy(dst, src, n) => {
                    let (dt, st, _) = extra!();
                    let inst = &store.inner.instances[self.inst as usize];
                    let (dt, st) =
                        (inst.tables[dt as usize] as usize, inst.tables[st as usize] as usize);
                    let dw = store.inner.tables[dt].ty.table64;
                    let sw = store.inner.tables[st].ty.table64;
                    let (d, s, n) =
                        (addr(get!(dst), dw), addr(get!(src), sw), addr(get!(n), dw && sw));
                    let oob = |_| Trap::TableOutOfBounds;
                    let sr = tri!(range(s, n, store.inner.tables[st].elems.len()).map_err(oob));
                    let dr = tri!(range(d, n, store.inner.tables[dt].elems.len()).map_err(oob));
                    if dt == st {
                        store.inner.tables[dt].elems.copy_within(sr, dr.start);
                    } else {
                        let items = store.inner.tables[st].elems[sr].to_vec();
                        store.inner.tables[dt].elems[dr].copy_from_slice(&items);
                    }
                }
                I::TableInit(dst, src, n) => {
                    let (seg, t, _) = extra!();
                    let inst = &store.inner.instances[self.inst as usize];
                    let t = inst.tables[t as usize] as usize;
                    let items = &inst.elems[seg as usize];
                    let wide = store.inner.tables[t].ty.table64;
                    let (d, s, n) = (
                        addr(get!(dst), wide),
                        u64::from(get!(src) as u32),
                        u64::from(get!(n) as u32),
                    );
                    let oob = |_| Trap::TableOutOfBounds;
                    let sr = tri!(range(s, n, items.len()).map_err(oob));
                    let dr = tri!(range(d, n, store.inner.tables[t].elems.len()).map_err(oob));
                    let items = items[sr].to_vec();
                    store.inner.tables[t].elems[dr].copy_from_slice(&items);
                }
                I::ElemDrop(seg) => {
                    store.inner.instances[self.inst as usize].elems[seg as usize] = Box::new([]);
                }
                I::RefFunc(d, f) => {
                    let f = store.inner.instances[self.inst as usize].funcs[f as usize];
                    set!(d, u64::from(f) + 1)
                }
                I::RefIsNull(d, a) => un!(d, a, |x| u64::from(x == 0)),

                I::V128Unary(op, d, a) => set128!(d, simd::unary(op, get128!(a))),
                I::V128Binary(op, d, a, b) => set128!(d, simd::binary(op, get128!(a), get128!(b))),
                I::V128Ternary(op, d, a, b) => {
                    let (c, _, _) = extra!();
                    set128!(d, simd::ternary(op, get128!(a), get128!(b), get128!(c)))
                }
                I::V128Shift(op, d, a, b) => {
                    set128!(d, simd::shift(op, get128!(a), get!(b) as u32))
                }
                I::V128Splat(op, d, a) => set128!(d, simd::splat(op, get!(a))),
                I::V128Extract(op, lane, d, a) => set!(d, simd::extract_lane(op, get128!(a), lane)),
                I::V128Replace(op, lane, d, a, x) => {
                    set128!(d, simd::replace_lane(op, get128!(a), get!(x), lane))
                }
                I::V128Test(op, d, a) => set!(d, u64::from(simd::test(op, get128!(a)))),
                I::V128Shuffle(d, a, b) => {
                    let (i, _, _) = extra!();
                    let lanes = self.code.consts[i as usize].to_le_bytes();
                    set128!(d, simd::shuffle(&lanes, get128!(a), get128!(b)))
                }
                I::V128Load(..) | I::V128Store(..) | I::V128LoadLane(..) | I::V128StoreLane(..) => {
                    sync!();
                    tri!(self.prefixed_access(store, *instr, self.mem0, 0));
                    reload!();
                }
            }
        }
    }

    /// A memory access to memory `mem` (a store index) with `offset_hi`
    /// added to the static offset: accesses to memories other than 0, to
    /// 64-bit memories, with offsets beyond 32 bits, and all v128 accesses.
    #[inline(never)]
    fn prefixed_access<T>(
        &mut self,
        store: &mut Store<T>,
        instr: Instr,
        mem: usize,
        offset_hi: u64,
    ) -> Result<(), Trap> {
        let memory = &mut store.inner.memories[mem];
        let wide = memory.ty().memory64;
        let fp = self.fp;
        let stack = &mut *self.stack;
        let ea = |stack: &[u64], a: u32, o: u32| -> Result<u64, Trap> {
            addr(stack[fp + a as usize], wide)
                .checked_add(u64::from(o) + offset_hi)
                .ok_or(Trap::MemoryOutOfBounds)
        };
        let get128 = |stack: &[u64], r: u32| {
            let at = fp + r as usize;
            u128::from(stack[at]) | (u128::from(stack[at + 1]) << 64)
        };
        let data = memory.data_mut();
        use Instr as I;
        macro_rules! ld {
            ($d:expr, $a:expr, $o:expr, $n:literal, |$b:ident| $e:expr) => {{
                let $b: [u8; $n] = load(data, ea(stack, $a, $o)?)?;
                stack[fp + $d as usize] = $e;
            }};
        }
        macro_rules! st {
            ($a:expr, $v:expr, $o:expr, |$x:ident| $e:expr) => {{
                let $x = stack[fp + $v as usize];
                let bytes = $e;
                store_bytes(data, ea(stack, $a, $o)?, &bytes)?;
            }};
        }
        match instr {
            I::Load32(d, a, o) => ld!(d, a, o, 4, |b| u64::from(u32::from_le_bytes(b))),
            I::Load64(d, a, o) => ld!(d, a, o, 8, |b| u64::from_le_bytes(b)),
            I::Load8U(d, a, o) => ld!(d, a, o, 1, |b| u64::from(b[0])),
            I::Load16U(d, a, o) => ld!(d, a, o, 2, |b| u64::from(u16::from_le_bytes(b))),
            I::Load8S32(d, a, o) => ld!(d, a, o, 1, |b| b[0] as i8 as i32 as u32 as u64),
            I::Load16S32(d, a, o) => {
                ld!(d, a, o, 2, |b| i16::from_le_bytes(b) as i32 as u32 as u64)
            }
            I::Load8S64(d, a, o) => ld!(d, a, o, 1, |b| b[0] as i8 as i64 as u64),
            I::Load16S64(d, a, o) => ld!(d, a, o, 2, |b| i16::from_le_bytes(b) as i64 as u64),
            I::Load32S64(d, a, o) => ld!(d, a, o, 4, |b| i32::from_le_bytes(b) as i64 as u64),
            I::Store8(a, v, o) => st!(a, v, o, |x| [x as u8]),
            I::Store16(a, v, o) => st!(a, v, o, |x| (x as u16).to_le_bytes()),
            I::Store32(a, v, o) => st!(a, v, o, |x| (x as u32).to_le_bytes()),
            I::Store64(a, v, o) => st!(a, v, o, |x| x.to_le_bytes()),
            I::V128Load(op, d, a, o) => {
                let start = ea(stack, a, o)?;
                let n = op.bytes();
                let r = range(start, n as u64, data.len())?;
                let v = simd::load(op, &data[r]);
                let at = fp + d as usize;
                stack[at] = v as u64;
                stack[at + 1] = (v >> 64) as u64;
            }
            I::V128Store(a, v, o) => {
                let bytes = get128(stack, v).to_le_bytes();
                store_bytes(data, ea(stack, a, o)?, &bytes)?;
            }
            I::V128LoadLane(w, lane, d, a, v) => {
                let Instr::Extra(o, _, _) = self.code.code[self.ip] else {
                    unreachable!("translator emits Extra after V128LoadLane")
                };
                self.ip += 1;
                let start = ea(stack, a, o)?;
                let r = range(start, w.bytes() as u64, data.len())?;
                let out = simd::load_lane(w, get128(stack, v), &data[r], lane);
                let at = fp + d as usize;
                stack[at] = out as u64;
                stack[at + 1] = (out >> 64) as u64;
            }
            I::V128StoreLane(w, lane, a, v) => {
                let Instr::Extra(o, _, _) = self.code.code[self.ip] else {
                    unreachable!("translator emits Extra after V128StoreLane")
                };
                self.ip += 1;
                let (bytes, n) = simd::store_lane(w, get128(stack, v), lane);
                store_bytes(data, ea(stack, a, o)?, &bytes[..n])?;
            }
            _ => unreachable!("translator only prefixes memory accesses"),
        }
        Ok(())
    }
}

/// Prepares a frame whose parameters are in place: zeroes the declared
/// locals and writes the constant registers.
#[inline(always)]
fn init_frame(stack: &mut [u64], fp: usize, code: &CompiledFunc) {
    let params = fp + code.param_cells as usize;
    let locals = fp + code.local_cells as usize;
    // Frames are small: a plain loop beats a call into the C library's
    // vectorised memset (and its start-up cost on every call).
    for cell in &mut stack[params..locals] {
        *cell = 0;
    }
    for (cell, &value) in
        stack[locals..locals + code.const_cells.len()].iter_mut().zip(&code.const_cells[..])
    {
        *cell = value;
    }
}

/// An address or length operand: 64-bit for 64-bit memories and tables.
#[inline(always)]
fn addr(cell: u64, wide: bool) -> u64 {
    if wide { cell } else { u64::from(cell as u32) }
}
