//! Running translated code: the machine state and the driver.
//!
//! One dispatch (`dispatch.rs`) runs all Wasm-to-Wasm calls of an
//! invocation: a call pushes a [`Frame`] on a heap-allocated list instead of
//! recursing on the host stack, so guest recursion depth is bounded by
//! configuration only. The callee's frame starts at the caller's argument
//! cells, so arguments and results are never copied.
//!
//! The dispatch works on the part of the store that does not depend on the
//! host data type ([`StoreInner`]), so it is compiled once. A call to a host
//! function leaves it: [`run`] makes the call with the whole store and
//! resumes the dispatch where it stopped.

use std::ops::Deref;
use std::ptr::NonNull;
use std::sync::Arc;

use super::dispatch::{self, Exit};
use super::translate::{FRAME_INIT_BLOCK, TranslatedFunc};
use crate::bulk::addr;
use crate::module::ModuleInner;
use crate::store::{FuncEntity, StoreInner};
use crate::stored::Stored;
use crate::trap::{Backtrace, FrameInfo};
use crate::{Error, Module, Result, Store, Trap};

/// A translated function, referenced without reference counting so that
/// calls and returns cost no atomic operations.
#[derive(Clone, Copy)]
pub(super) struct CodeRef(NonNull<TranslatedFunc>);

impl CodeRef {
    fn new(code: &Arc<TranslatedFunc>) -> Self {
        CodeRef(NonNull::from(&**code))
    }
}

impl Deref for CodeRef {
    type Target = TranslatedFunc;

    fn deref(&self) -> &TranslatedFunc {
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
pub(super) struct ModuleRef(NonNull<ModuleInner>);

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

/// Why the dispatch stopped, when the driver has something to do.
pub(super) enum Pending {
    None,
    /// The execution failed.
    Error(Error),
    /// Call host function `func` (a store index) with arguments at `base`;
    /// `tail`: as a tail call.
    Host {
        func: u32,
        base: u32,
        tail: bool,
    },
}

/// The state of one invocation: value stack, suspended callers, and the
/// current function's position. `ip` and the pointers the dispatch derives
/// from these fields are kept in sync at calls, returns and exits only.
pub(super) struct Machine {
    pub(super) stack: Vec<u64>,
    frames: Vec<Frame>,
    pub(super) code: CodeRef,
    /// Index of the next instruction of `code`, when the dispatch is not running.
    pub(super) ip: usize,
    /// Index of the current frame's first cell in `stack`.
    pub(super) fp: usize,
    pub(super) inst: u32,
    func: u32,
    pub(super) module: ModuleRef,
    /// Store index of memory 0 of the current instance.
    pub(super) mem0: usize,
    /// Store index of table 0 of the current instance.
    table0: usize,
    /// Imported functions of the current module (calls below it go to the store).
    pub(super) num_imported: u32,
    max_cells: usize,
    max_depth: u32,
    pub(super) pending: Pending,
}

/// What the dispatch works with: the store's runtime data and the machine.
pub(super) struct Ctx<'a> {
    pub(super) store: &'a mut StoreInner,
    pub(super) m: Machine,
    /// Length in bytes of memory 0, as last read by [`Ctx::mem_view`].
    pub(super) mem_len: usize,
    /// The accumulator between two handlers when the dispatch runs as a
    /// loop (without threading, handlers return to it instead of passing
    /// the accumulator on in a register).
    #[cfg(not(wisp_threaded))]
    pub(super) acc: u64,
}

/// Initial value stack size in cells.
const INITIAL_STACK_CELLS: usize = 1 << 12;

/// Runs defined function `index` of `instance`. `cells` holds the
/// arguments on entry and the results on return.
pub(super) fn run<T>(
    store: &mut Store<T>,
    stack: &mut Vec<u64>,
    instance: u32,
    index: u32,
    cells: &mut [u64],
) -> Result<()> {
    let config = store.inner.engine().config();
    let max_cells = (config.max_wasm_stack / 8).max(64);
    let max_depth = config.max_call_depth;
    let base = store.inner.stack_top;
    let depth0 = store.inner.depth;
    let entry_module = ModuleRef::new(&store.inner.instance(instance).module);
    let code = CodeRef::new(entry_module.code(index)?);
    let need = base + code.frame_cells as usize;
    if need > max_cells || depth0 >= max_depth {
        return Err(Error::from_trap(Trap::StackOverflow));
    }
    if stack.len() < need {
        let cells = need.max(INITIAL_STACK_CELLS).min(max_cells.max(need));
        if stack.is_empty() {
            // Zeroed by the allocator: fresh pages need no clearing and are
            // only touched as the stack grows into them.
            *stack = vec![0; cells];
        } else {
            stack.resize(cells, 0);
        }
    }
    let params = code.param_cells as usize;
    stack[base..base + params].copy_from_slice(&cells[..params]);
    init_frame(stack, base, &code);
    let result_cells = entry_module.info().func_type(index).result_cells() as usize;

    let mut m = Machine {
        stack: std::mem::take(stack),
        frames: Vec::new(),
        code,
        ip: 0,
        fp: base,
        inst: instance,
        func: index,
        module: entry_module,
        mem0: usize::MAX,
        table0: usize::MAX,
        num_imported: 0,
        max_cells,
        max_depth: max_depth - depth0,
        pending: Pending::None,
    };
    m.switch_instance(&store.inner, instance);
    let result = drive(store, &mut m);
    let result = match result {
        Ok(()) => {
            cells[..result_cells].copy_from_slice(&m.stack[base..base + result_cells]);
            Ok(())
        }
        Err(e) => {
            let bt = m.backtrace(&store.inner);
            Err(e.with_backtrace(|| bt))
        }
    };
    *stack = std::mem::take(&mut m.stack);
    result
}

/// Runs the dispatch until the invocation ends, making the host calls it
/// asks for.
fn drive<T>(store: &mut Store<T>, m: &mut Machine) -> Result<()> {
    loop {
        let mut cx = Ctx {
            store: &mut store.inner,
            m: m.take(),
            mem_len: 0,
            #[cfg(not(wisp_threaded))]
            acc: 0,
        };
        let exit = dispatch::execute(&mut cx);
        *m = cx.m;
        match (exit, std::mem::replace(&mut m.pending, Pending::None)) {
            (Exit::Done, _) => return Ok(()),
            (Exit::Trap, Pending::Error(e)) => return Err(e),
            (Exit::Host, Pending::Host { func, base, tail }) => {
                m.call_host(store, func, base)?;
                if tail {
                    let results = store.inner.func_ty(func).result_cells() as usize;
                    let start = m.fp + base as usize;
                    m.stack.copy_within(start..start + results, m.fp);
                    if !m.ret(&store.inner) {
                        return Ok(());
                    }
                }
            }
            _ => unreachable!("the dispatch says why it stopped"),
        }
    }
}

impl Machine {
    /// Enters translated function `index` of the current instance when
    /// that needs no allocation and no call: its initial cells fit in one
    /// [`FRAME_INIT_BLOCK`], the stack has room for the frame and the
    /// block, and the frame list for one more. `false`, changing nothing,
    /// otherwise.
    #[inline(always)]
    fn enter_fast(&mut self, code: &Arc<TranslatedFunc>, index: u32, base: u32) -> bool {
        let fp = self.fp + base as usize;
        let start = fp + code.param_cells as usize;
        let end = (fp + code.frame_cells as usize).max(start + FRAME_INIT_BLOCK);
        let depth = self.frames.len();
        if code.init_cells as usize > FRAME_INIT_BLOCK
            || end > self.stack.len()
            || depth == self.frames.capacity()
            || depth as u32 + 1 >= self.max_depth
        {
            return false;
        }
        debug_assert!(code.frame_init.len() >= FRAME_INIT_BLOCK);
        // SAFETY: `start + FRAME_INIT_BLOCK <= end <= stack.len()`, and
        // `frame_init` has at least `FRAME_INIT_BLOCK` cells (translate).
        // (A copy of constant size compiles to a few vector moves; unlike a
        // read into a temporary it needs no stack space in checked builds,
        // which would keep the `Call` handler's tail call from being a jump.)
        unsafe {
            let dst = self.stack.as_mut_ptr().add(start);
            std::ptr::copy_nonoverlapping(code.frame_init.as_ptr(), dst, FRAME_INIT_BLOCK);
        }
        let caller = std::mem::replace(&mut self.code, CodeRef::new(code));
        let frame =
            Frame { code: caller, ip: self.ip, fp: self.fp, instance: self.inst, func: self.func };
        // SAFETY: `depth < capacity`, so the slot exists; it becomes the
        // last element.
        unsafe {
            self.frames.as_mut_ptr().add(depth).write(frame);
            self.frames.set_len(depth + 1);
        }
        self.fp = fp;
        self.ip = 0;
        self.func = index;
        true
    }

    /// Moves the state out, leaving an empty stack behind (the dispatch
    /// owns the machine while it runs).
    fn take(&mut self) -> Machine {
        Machine {
            stack: std::mem::take(&mut self.stack),
            frames: std::mem::take(&mut self.frames),
            pending: std::mem::replace(&mut self.pending, Pending::None),
            ..*self
        }
    }

    fn switch_instance(&mut self, store: &StoreInner, instance: u32) {
        let inst = store.instance(instance);
        self.inst = instance;
        self.module = ModuleRef::new(&inst.module);
        self.num_imported = self.module.info().num_imported_funcs;
        self.mem0 = inst.memories.first().map_or(usize::MAX, |&m| m as usize);
        self.table0 = inst.tables.first().map_or(usize::MAX, |&t| t as usize);
    }

    fn backtrace(&self, store: &StoreInner) -> Backtrace {
        let frame = |inst: u32, func: u32| {
            let info = store.instance(inst).module.info();
            FrameInfo {
                module_name: info.name.clone(),
                func_index: func,
                func_name: info.func_names.get(&func).cloned(),
                instance: Some(crate::Instance(Stored::new(store.id(), inst))),
                body_offset: info.body_offset(func),
            }
        };
        let mut frames = vec![frame(self.inst, self.func)];
        frames.extend(self.frames.iter().rev().map(|f| frame(f.instance, f.func)));
        Backtrace::new(frames)
    }

    /// Calls host function `func` with its arguments at `base`.
    fn call_host<T>(&mut self, store: &mut Store<T>, func: u32, base: u32) -> Result<()> {
        let FuncEntity::Host { host, ty, .. } = store.inner.func(func) else {
            unreachable!("the dispatch enters Wasm functions itself")
        };
        let host = *host;
        let n = ty.param_cells().max(ty.result_cells()) as usize;
        let start = self.fp + base as usize;
        let mut buf = self.stack[start..start + n].to_vec();
        store.inner.stack = std::mem::take(&mut self.stack);
        let saved_top = store.inner.stack_top;
        let saved_depth = store.inner.depth;
        store.inner.stack_top = self.fp + self.code.frame_cells as usize;
        store.inner.depth += self.frames.len() as u32 + 1;
        let r = crate::call::call_host(store, host, &mut buf, Some(self.inst));
        self.stack = std::mem::take(&mut store.inner.stack);
        store.inner.stack_top = saved_top;
        store.inner.depth = saved_depth;
        r?;
        self.stack[start..start + n].copy_from_slice(&buf);
        Ok(())
    }

    /// Returns to the caller; `false` when the entry function returned.
    #[inline(always)]
    fn ret(&mut self, store: &StoreInner) -> bool {
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

    /// Grows the stack so that it holds `need` cells.
    #[cold]
    #[inline(never)]
    fn grow_stack(&mut self, need: usize) -> Result<()> {
        if need > self.max_cells {
            return Err(Trap::StackOverflow.into());
        }
        let grown = (self.stack.len() * 2).max(need).min(self.max_cells);
        self.stack.resize(grown, 0);
        Ok(())
    }
}

impl Ctx<'_> {
    /// Memory 0 of the current instance: its base, with its length stored
    /// in `mem_len`.
    #[inline]
    pub(super) fn mem_view(&mut self) -> *mut u8 {
        match self.store.memory_get_mut(self.m.mem0) {
            Some(m) => {
                let data = m.data_mut();
                self.mem_len = data.len();
                data.as_mut_ptr()
            }
            None => {
                self.mem_len = 0;
                std::ptr::null_mut()
            }
        }
    }

    /// Records a failure; the dispatch then stops with [`Exit::Trap`].
    #[cold]
    #[inline(never)]
    pub(super) fn fail(&mut self, e: Error) -> Exit {
        self.m.pending = Pending::Error(e);
        Exit::Trap
    }

    /// Records a trap; see [`Ctx::fail`].
    #[cold]
    #[inline(never)]
    pub(super) fn trap(&mut self, t: Trap) -> Exit {
        self.fail(Error::from_trap(t))
    }

    /// Returns to the caller; `false` when the entry function returned.
    #[inline(always)]
    pub(super) fn ret(&mut self) -> bool {
        self.m.ret(self.store)
    }

    /// Pushes a frame for function `index` of `instance` with its arguments
    /// at `base`; `m.ip` must hold the caller's return position.
    #[inline(always)]
    pub(super) fn enter(&mut self, instance: u32, index: u32, base: u32) -> Result<()> {
        let module = self.m.module;
        if instance == self.m.inst
            && let Some(code) = module.translated(index)
            && self.m.enter_fast(code, index, base)
        {
            return Ok(());
        }
        self.enter_slow(instance, index, base)
    }

    /// `enter` for every case: another instance, a function not translated
    /// yet, a stack or frame list to grow, a large frame, too deep a call.
    #[inline(never)]
    fn enter_slow(&mut self, instance: u32, index: u32, base: u32) -> Result<()> {
        let m = &mut self.m;
        let code = if instance == m.inst {
            CodeRef::new(m.module.code(index)?)
        } else {
            CodeRef::new(self.store.instance(instance).module.code(index)?)
        };
        if m.frames.len() as u32 + 1 >= m.max_depth {
            return Err(Trap::StackOverflow.into());
        }
        let fp = m.fp + base as usize;
        let need = fp + code.frame_cells as usize;
        if need > m.stack.len() {
            m.grow_stack(need)?;
        }
        init_frame(&mut m.stack, fp, &code);
        let caller = std::mem::replace(&mut m.code, code);
        m.frames.push(Frame { code: caller, ip: m.ip, fp: m.fp, instance: m.inst, func: m.func });
        m.fp = fp;
        m.ip = 0;
        m.func = index;
        if instance != m.inst {
            m.switch_instance(self.store, instance);
        }
        Ok(())
    }

    /// Calls store function `func` with its arguments at `base`: enters it
    /// when it is a Wasm function; `Ok(true)` when it is a host function,
    /// which the driver must call (recorded in `m.pending`).
    #[inline(always)]
    pub(super) fn call(&mut self, func: u32, base: u32) -> Result<bool> {
        match *self.store.func(func) {
            FuncEntity::Wasm { instance, index, .. } => {
                self.enter(instance, index, base)?;
                Ok(false)
            }
            FuncEntity::Host { .. } => {
                self.m.pending = Pending::Host { func, base, tail: false };
                Ok(true)
            }
        }
    }

    /// Replaces the current frame with a call to store function `func`
    /// whose arguments are at `base`. `Ok(true)` when `func` is a host
    /// function, which the driver must call (recorded in `m.pending`).
    pub(super) fn tail_call(&mut self, func: u32, base: u32) -> Result<bool> {
        let m = &mut self.m;
        let start = m.fp + base as usize;
        match *self.store.func(func) {
            FuncEntity::Wasm { instance, index, .. } => {
                let code = CodeRef::new(self.store.instance(instance).module.code(index)?);
                let params = code.param_cells as usize;
                m.stack.copy_within(start..start + params, m.fp);
                let need = m.fp + code.frame_cells as usize;
                if need > m.stack.len() {
                    m.grow_stack(need)?;
                }
                init_frame(&mut m.stack, m.fp, &code);
                m.code = code;
                m.ip = 0;
                m.func = index;
                if instance != m.inst {
                    m.switch_instance(self.store, instance);
                }
                Ok(false)
            }
            FuncEntity::Host { .. } => {
                m.pending = Pending::Host { func, base, tail: true };
                Ok(true)
            }
        }
    }

    /// The function a `call_indirect` through `table` at `index` reaches,
    /// after its check against signature `ty` (an engine id).
    #[inline(always)]
    pub(super) fn indirect_target(&self, table: u32, index: u64, ty: u32) -> Result<u32, Trap> {
        let table = if table == 0 {
            self.m.table0
        } else {
            self.store.table_index_of(self.m.inst, table) as usize
        };
        let table = self.store.table(table as u32);
        let i = addr(index, table.ty.table64);
        let elem = match usize::try_from(i).ok().and_then(|i| table.elems.get(i)) {
            Some(&e) => e,
            None => return Err(Trap::UndefinedElement),
        };
        let Some(func) = elem.checked_sub(1) else {
            return Err(Trap::UninitializedElement);
        };
        if self.store.func(func as u32).type_id() != ty {
            return Err(Trap::BadSignature);
        }
        Ok(func as u32)
    }
}

/// Prepares a frame whose parameters are in place: zeroes the declared
/// locals and writes the constant registers, in one copy.
#[inline(always)]
fn init_frame(stack: &mut [u64], fp: usize, code: &TranslatedFunc) {
    let start = fp + code.param_cells as usize;
    let init = &code.frame_init[..code.init_cells as usize];
    stack[start..start + init.len()].copy_from_slice(init);
}
