//! The compiled tier's runtime: VM contexts, entering compiled code, and
//! the runtime functions ("libcalls") compiled code calls.

use std::sync::Arc;

use wisp_environ::{Libcall, VMOffsets};

use super::code::LoadedCode;
use super::traps::{self, Caught};
use super::vmcontext::{VMFuncRef, VMStoreContext};
use crate::store::{FuncEntity, InstanceEntity, StoreInner};
use crate::trap::{Backtrace, FrameInfo};
use crate::{Caller, Error, Result, Store, Trap};

/// A store's compiled-tier state. Boxed by its store: compiled code holds
/// the context's address.
#[derive(Debug)]
pub(crate) struct VMStore {
    ctx: VMStoreContext,
    /// One entry per store function.
    func_refs: Vec<VMFuncRef>,
    /// Host functions whose signature no instance's code has provided an
    /// adapter for yet (their references have no code).
    unadapted: Vec<u32>,
}

/// A compiled instance's VM context.
#[derive(Debug)]
pub(crate) struct CompiledInstance {
    vmctx: Box<[u64]>,
    code: Arc<LoadedCode>,
}

// SAFETY: the VM context holds pointers into its own store, which moves
// between threads only as a whole (and is `!Sync` in use).
unsafe impl Send for CompiledInstance {}
// SAFETY: shared references never write through the pointers.
unsafe impl Sync for CompiledInstance {}

/// The libcall table compiled code indexes by [`Libcall`].
struct Libcalls([*const (); Libcall::COUNT]);

// SAFETY: the table is immutable and holds function addresses.
unsafe impl Sync for Libcalls {}

static LIBCALLS: Libcalls = Libcalls([
    memory_grow as *const (),
    memory_fill as *const (),
    memory_copy as *const (),
    memory_init as *const (),
    data_drop as *const (),
    table_grow as *const (),
    table_fill as *const (),
    table_copy as *const (),
    table_init as *const (),
    elem_drop as *const (),
    host_call as *const (),
    out_of_fuel as *const (),
    epoch_reached as *const (),
]);

impl VMStore {
    pub(crate) fn new(epoch: *const u64) -> Box<Self> {
        Box::new(Self {
            ctx: VMStoreContext {
                fuel: 0,
                epoch_deadline: 0,
                epoch_ptr: epoch,
                stack_limit: 0,
                func_refs: std::ptr::null(),
                libcalls: LIBCALLS.0.as_ptr().cast(),
                store: std::ptr::null_mut(),
                inner: std::ptr::null_mut(),
                host_call: None,
            },
            func_refs: Vec::new(),
            unadapted: Vec::new(),
        })
    }
}

/// The host adapter for signature `type_id` in the code of `instances`, or
/// 0 if none has one. Adapters are the same whichever module's they are.
fn host_adapter(instances: &[InstanceEntity], type_id: u32) -> usize {
    instances
        .iter()
        .filter_map(|inst| {
            let code = &inst.compiled.as_ref()?.code;
            let ty = (0..inst.module.info().types.len() as u32)
                .find(|&ty| inst.module.type_id(ty) == type_id)?;
            Some(code.host_adapter(ty))
        })
        .next()
        .unwrap_or(0)
}

impl StoreInner {
    fn vm(&mut self) -> &mut VMStore {
        self.vm.as_mut().expect("compiled engines give their stores a VM context")
    }

    /// Gives the store's new functions their references (after
    /// instantiation or a new host function). Host functions take their
    /// adapter from any instance's code, as soon as one has it.
    pub(crate) fn sync_func_refs(&mut self) {
        let Some(vm) = self.vm.as_mut() else { return };
        for i in vm.func_refs.len()..self.funcs.len() {
            let r = match &self.funcs[i] {
                FuncEntity::Wasm { instance, index, type_id } => {
                    let inst = &self.instances[*instance as usize];
                    let ci = inst.compiled.as_ref().expect("instances of compiled engines");
                    let defined = index - inst.module.info().num_imported_funcs;
                    VMFuncRef {
                        code: ci.code.func(defined),
                        vmctx: ci.vmctx.as_ptr() as usize,
                        type_id: u64::from(*type_id),
                    }
                }
                FuncEntity::Host { type_id, .. } => {
                    let code = host_adapter(&self.instances, *type_id);
                    if code == 0 {
                        vm.unadapted.push(i as u32);
                    }
                    VMFuncRef { code, vmctx: i, type_id: u64::from(*type_id) }
                }
            };
            vm.func_refs.push(r);
        }
        vm.ctx.func_refs = vm.func_refs.as_ptr();
    }

    /// Gives host functions still without an adapter one from the code of
    /// the newest instance, if it has their signature.
    fn adapt_host_funcs(&mut self) {
        let Some(vm) = self.vm.as_mut() else { return };
        let newest = self.instances.len().saturating_sub(1);
        vm.unadapted.retain(|&f| {
            let r = &mut vm.func_refs[f as usize];
            r.code = host_adapter(&self.instances[newest..], r.type_id as u32);
            r.code == 0
        });
    }
}

/// Builds the VM context of instance `instance` (whose entities are all in
/// the store) from its module's loaded `code`.
pub(crate) fn instantiate(inner: &mut StoreInner, instance: u32, code: Arc<LoadedCode>) {
    let inst = &inner.instances[instance as usize];
    let module = inst.module.clone();
    let info = module.info();
    let offsets = VMOffsets::new(info);
    let mut vmctx = vec![0u64; offsets.size() / 8].into_boxed_slice();
    let ctx_ptr = &raw const inner.vm().ctx as u64;
    let set = |v: &mut [u64], off: i32, x: u64| v[off as usize / 8] = x;
    set(&mut vmctx, offsets.store_ctx(), ctx_ptr);
    set(&mut vmctx, offsets.instance(), u64::from(instance));
    let inst = &inner.instances[instance as usize];
    for (i, &m) in inst.memories.iter().enumerate() {
        set(&mut vmctx, offsets.memory(i as u32), inner.memories[m as usize].vm_def() as u64);
    }
    for (i, &t) in inst.tables.iter().enumerate() {
        set(&mut vmctx, offsets.table(i as u32), inner.tables[t as usize].vm_def() as u64);
    }
    for (i, &g) in inst.globals.iter().enumerate() {
        let cell = &raw const inner.globals[g as usize].value;
        set(&mut vmctx, offsets.global(i as u32), cell as u64);
    }
    for (i, &f) in inst.funcs.iter().enumerate() {
        set(&mut vmctx, offsets.func_ref(i as u32), u64::from(f) + 1);
    }
    for ty in 0..info.types.len() as u32 {
        set(&mut vmctx, offsets.type_id(ty), u64::from(module.type_id(ty)));
    }
    inner.instances[instance as usize].compiled = Some(CompiledInstance { vmctx, code });
    inner.adapt_host_funcs();
    inner.sync_func_refs();
    // Imports: copies of the imported functions' references.
    let vm = inner.vm.as_ref().expect("compiled engines give their stores a VM context");
    let inst = &mut inner.instances[instance as usize];
    let ci = inst.compiled.as_mut().expect("just set");
    for (i, &f) in inst.funcs[..info.num_imported_funcs as usize].iter().enumerate() {
        let r = vm.func_refs[f as usize];
        let at = offsets.import(i as u32) as usize / 8;
        ci.vmctx[at] = r.code as u64;
        ci.vmctx[at + 1] = r.vmctx as u64;
        ci.vmctx[at + 2] = r.type_id;
    }
}

/// Host stack that must remain free when entering compiled code.
const HOST_STACK_RESERVE: usize = 128 << 10;

/// Calls store function `func` of a compiled engine: parameters in `cells`,
/// results written back from cell 0.
pub(crate) fn invoke<T>(store: &mut Store<T>, func: u32, cells: &mut [u64]) -> Result<()> {
    let (instance, index) = match store.inner.funcs[func as usize] {
        FuncEntity::Host { host, .. } => {
            let f = store.host[host as usize].clone();
            return f(Caller { store, instance: None }, cells);
        }
        FuncEntity::Wasm { instance, index, .. } => (instance, index),
    };
    let inst = &store.inner.instances[instance as usize];
    let info = inst.module.info();
    let ci = inst.compiled.as_ref().expect("instances of compiled engines are compiled");
    let ty = info.funcs[index as usize];
    let trampoline = ci.code.entry_trampoline(ty);
    let code = ci.code.func(index - info.num_imported_funcs);
    let vmctx = ci.vmctx.as_ptr() as usize;

    let here = &raw const cells as usize;
    let outermost = store.inner.reentry == 0;
    let room = match super::host_stack::remaining() {
        Some(left) if left < HOST_STACK_RESERVE => {
            return Err(Error::from_trap(Trap::StackOverflow));
        }
        Some(left) => left - HOST_STACK_RESERVE,
        None => 1 << 20,
    };
    let max_stack = store.inner.engine.config().max_wasm_stack.min(room);
    let fuel = store.inner.fuel;
    let deadline = store.inner.epoch_deadline;
    let store_ptr: *mut Store<T> = store;
    {
        // SAFETY: `store_ptr` comes from the exclusive borrow we hold; the
        // context is only read through it while compiled code runs below.
        let inner = unsafe { &mut (*store_ptr).inner };
        let inner_ptr: *mut StoreInner = inner;
        let vm = inner.vm();
        vm.ctx.store = store_ptr.cast();
        vm.ctx.inner = inner_ptr;
        vm.ctx.host_call = Some(call_host::<T>);
        if outermost {
            vm.ctx.stack_limit = here.saturating_sub(max_stack);
            vm.ctx.fuel = -(fuel.min(i64::MAX as u64) as i64);
            vm.ctx.epoch_deadline = deadline;
        }
        inner.reentry += 1;
    }
    // An entry trampoline: (code, callee vmctx, caller vmctx, values).
    type Entry = unsafe extern "C" fn(usize, usize, usize, *mut u64);
    // SAFETY: `trampoline` is the entry trampoline of the callee's type in
    // loaded, executable code with exactly this signature.
    let entry: Entry = unsafe { std::mem::transmute::<usize, Entry>(trampoline) };
    let values = cells.as_mut_ptr();
    // SAFETY: the trampoline reads the parameters from and writes the
    // results to `values`, which has room for both (the caller's contract);
    // `code`/`vmctx` are the callee's, kept alive by its instance, which
    // the store holds until it is dropped.
    let result = traps::catch_traps(&mut || unsafe { entry(code, vmctx, vmctx, values) });
    // SAFETY: compiled code has returned; we own the store again.
    let store = unsafe { &mut *store_ptr };
    store.inner.reentry -= 1;
    if store.inner.reentry == 0 {
        let vm = store.inner.vm();
        let fuel = (-vm.ctx.fuel).max(0) as u64;
        store.inner.fuel = fuel;
    }
    match result {
        Ok(()) => Ok(()),
        Err(Caught::Trap(trap, pcs)) => {
            Err(Error::from_trap(trap).with_backtrace(|| backtrace(&pcs)))
        }
        Err(Caught::Error(error, pcs)) => Err(error.with_backtrace(|| backtrace(&pcs))),
    }
}

fn backtrace(pcs: &[usize]) -> Backtrace {
    let frames = pcs
        .iter()
        .filter_map(|&pc| {
            let info = super::code::lookup(pc)?;
            let func = info.func_at(pc)?;
            Some(FrameInfo {
                module_name: info.module_name.clone(),
                func_index: func,
                func_name: info.func_names.get(&func).cloned(),
            })
        })
        .collect();
    Backtrace::new(frames)
}

/// Runs host function `func` for compiled code.
///
/// # Safety
/// `store` must be the `Store<T>` whose context called, `values` must hold
/// as many cells as the function's parameters and results need.
unsafe fn call_host<T>(store: *mut (), func: u32, values: *mut u64, caller: u32) -> Result<()> {
    // SAFETY: guaranteed by the caller: the store is not otherwise borrowed
    // while compiled code runs.
    let store = unsafe { &mut *store.cast::<Store<T>>() };
    let FuncEntity::Host { host, ty, .. } = &store.inner.funcs[func as usize] else {
        return Err(Error::from_trap(Trap::BadSignature));
    };
    let n = ty.param_cells().max(ty.result_cells()) as usize;
    let f = store.host[*host as usize].clone();
    // SAFETY: guaranteed by the caller.
    let cells = unsafe { std::slice::from_raw_parts_mut(values, n) };
    f(Caller { store, instance: Some(caller) }, cells)
}

/// The store behind a VM context.
///
/// # Safety
/// `vmctx` must be the VM context of a live compiled instance whose store
/// is running compiled code on this thread.
unsafe fn store_of<'a>(vmctx: *mut u64) -> (&'a mut StoreInner, u32) {
    // SAFETY: guaranteed by the caller: word 0 is the store context, word 1
    // the instance index; the context's `inner` was set on entry.
    unsafe {
        let ctx = &*(*vmctx as *const VMStoreContext);
        (&mut *ctx.inner, *vmctx.add(1) as u32)
    }
}

/// Reports a trap from a runtime function: records it and returns the
/// "pending" status.
fn pending(trap: Trap) -> u64 {
    traps::set_pending(Error::from_trap(trap));
    1
}

fn status(r: std::result::Result<(), Trap>) -> u64 {
    r.map_or_else(pending, |()| 0)
}

fn grown(r: std::result::Result<u64, Trap>) -> u64 {
    r.unwrap_or_else(|trap| {
        pending(trap);
        u64::MAX - 1
    })
}

/// Defines libcalls that work on the calling instance's store: each gets
/// `(inner, inst)` from its VM context, then runs its body.
macro_rules! store_libcalls {
    ($(
        fn $name:ident($($arg:ident: $ty:ty),*) $(-> $ret:ty)? = |$inner:ident, $inst:ident| $body:expr;
    )*) => {$(
        /// # Safety
        /// Only compiled code calls it, passing its own live VM context.
        unsafe extern "C" fn $name(vmctx: *mut u64, $($arg: $ty),*) $(-> $ret)? {
            // SAFETY: called by compiled code with its own VM context.
            let ($inner, $inst) = unsafe { store_of(vmctx) };
            $body
        }
    )*};
}

// The libcalls. Each is called by compiled code with its VM context; see
// `Libcall` for the signatures.
store_libcalls! {
    fn memory_grow(mem: u32, delta: u64) -> u64 =
        |inner, inst| grown(inner.memory_grow(inst, mem, delta));
    fn memory_fill(mem: u32, dst: u64, val: u32, len: u64) -> u64 =
        |inner, inst| status(inner.memory_fill(inst, mem, dst, val as u8, len));
    fn memory_copy(dst_mem: u32, src_mem: u32, dst: u64, src: u64, len: u64) -> u64 =
        |inner, inst| status(inner.memory_copy(inst, (dst_mem, src_mem), dst, src, len));
    fn memory_init(mem: u32, seg: u32, dst: u64, src: u32, len: u32) -> u64 =
        |inner, inst| {
            status(inner.memory_init(inst, (mem, seg), dst, u64::from(src), u64::from(len)))
        };
    fn data_drop(seg: u32) = |inner, inst| inner.data_drop(inst, seg);
    fn table_grow(table: u32, delta: u64, init: u64) -> u64 =
        |inner, inst| grown(inner.table_grow(inst, table, delta, init));
    fn table_fill(table: u32, dst: u64, val: u64, len: u64) -> u64 =
        |inner, inst| status(inner.table_fill(inst, table, dst, val, len));
    fn table_copy(dst_table: u32, src_table: u32, dst: u64, src: u64, len: u64) -> u64 =
        |inner, inst| status(inner.table_copy(inst, (dst_table, src_table), dst, src, len));
    fn table_init(table: u32, seg: u32, dst: u64, src: u32, len: u32) -> u64 =
        |inner, inst| {
            status(inner.table_init(inst, (table, seg), dst, u64::from(src), u64::from(len)))
        };
    fn elem_drop(seg: u32) = |inner, inst| inner.elem_drop(inst, seg);
}

/// # Safety
/// Only compiled code (a host adapter) calls it, passing its own live VM
/// context and a spill area sized for the callee's signature.
unsafe extern "C" fn host_call(vmctx: *mut u64, func: u64, values: *mut u64) -> u64 {
    // SAFETY: called by a host adapter with the caller's VM context; the
    // store context's fields were set when compiled code was entered.
    let (ctx, inst) = unsafe { (&*(*vmctx as *const VMStoreContext), *vmctx.add(1) as u32) };
    let (store, call) = (ctx.store, ctx.host_call.expect("set on entry"));
    // SAFETY: the store is the one running this code; `values` is the
    // adapter's spill area sized for the function's signature.
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| unsafe {
        call(store, func as u32, values, inst)
    }));
    match r {
        Ok(Ok(())) => 0,
        Ok(Err(e)) => {
            traps::set_pending(e);
            1
        }
        Err(payload) => {
            traps::set_panic(payload);
            1
        }
    }
}

extern "C" fn out_of_fuel(_vmctx: *mut u64) -> u64 {
    pending(Trap::OutOfFuel)
}

extern "C" fn epoch_reached(_vmctx: *mut u64) -> u64 {
    pending(Trap::Interrupted)
}
