//! The compiled tier on the store's side: building instances' VM contexts,
//! keeping the store's function references current, entering compiled code
//! with a store, and turning how compiled code stopped into an [`Error`]
//! with a Wasm backtrace. The machinery itself is in `vm::compiled`.

use std::sync::Arc;

use wisp_environ::VMOffsets;

use crate::store::{FuncEntity, InstanceEntity, StoreInner};
use crate::stored::Stored;
use crate::trap::{Backtrace, FrameInfo};
use crate::vm::code::LoadedCode;
use crate::vm::compiled::{self as vm, CompiledInstance, StoreOp, StoreOps, VMStore};
use crate::vm::traps::{Caught, VMError};
use crate::vm::vmcontext::{VMFuncRef, VMStorePtr};
use crate::{Error, Result, Store, Trap};

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
    fn vm_store(&mut self) -> &mut VMStore<StoreInner> {
        self.vm_mut().expect("compiled engines give their stores a VM context")
    }

    /// Gives the store's new functions their references (after
    /// instantiation or a new host function). Host functions take their
    /// adapter from any instance's code, as soon as one has it.
    pub(crate) fn sync_func_refs(&mut self) {
        let Some((vm, funcs, instances)) = self.vm_parts() else { return };
        for (i, func) in funcs.iter().enumerate().skip(vm.func_refs.len()) {
            let r = match func {
                FuncEntity::Wasm { instance, index, type_id } => {
                    let inst = &instances[*instance as usize];
                    let ci = inst.compiled.as_ref().expect("instances of compiled engines");
                    let defined = index - inst.module.info().num_imported_funcs;
                    VMFuncRef {
                        code: ci.code.func(defined),
                        vmctx: ci.vmctx.as_ptr() as usize,
                        type_id: u64::from(*type_id),
                    }
                }
                FuncEntity::Host { type_id, .. } => {
                    let code = host_adapter(instances, *type_id);
                    if code == 0 {
                        vm.unadapted.push(i as u32);
                    }
                    VMFuncRef { code, vmctx: i, type_id: u64::from(*type_id) }
                }
            };
            vm.func_refs.push(r);
        }
        vm.publish_func_refs();
    }

    /// Gives host functions still without an adapter one from the code of
    /// the newest instance, if it has their signature.
    fn adapt_host_funcs(&mut self) {
        let Some((vm, _, instances)) = self.vm_parts() else { return };
        let newest = instances.len().saturating_sub(1);
        vm.unadapted.retain(|&f| {
            let r = &mut vm.func_refs[f as usize];
            r.code = host_adapter(&instances[newest..], r.type_id as u32);
            r.code == 0
        });
    }
}

/// The libcalls of compiled code run the operations the interpreter runs.
impl StoreOps for StoreInner {
    #[inline]
    fn run(&mut self, inst: u32, op: StoreOp) -> Result<u64, Trap> {
        let done = |r: Result<(), Trap>| r.map(|()| 0);
        match op {
            StoreOp::MemoryGrow { mem, delta } => self.memory_grow(inst, mem, delta),
            StoreOp::MemoryFill { mem, dst, val, len } => {
                done(self.memory_fill(inst, mem, dst, val, len))
            }
            StoreOp::MemoryCopy(t) => done(self.memory_copy(inst, t.objects, t.dst, t.src, t.len)),
            StoreOp::MemoryInit(t) => done(self.memory_init(inst, t.objects, t.dst, t.src, t.len)),
            StoreOp::DataDrop { seg } => {
                self.data_drop(inst, seg);
                Ok(0)
            }
            StoreOp::TableGrow { table, delta, init } => self.table_grow(inst, table, delta, init),
            StoreOp::TableFill { table, dst, val, len } => {
                done(self.table_fill(inst, table, dst, val, len))
            }
            StoreOp::TableCopy(t) => done(self.table_copy(inst, t.objects, t.dst, t.src, t.len)),
            StoreOp::TableInit(t) => done(self.table_init(inst, t.objects, t.dst, t.src, t.len)),
            StoreOp::ElemDrop { seg } => {
                self.elem_drop(inst, seg);
                Ok(0)
            }
        }
    }
}

/// Builds the VM context of instance `instance` (whose entities are all in
/// the store) from its module's loaded `code`.
pub(crate) fn instantiate(inner: &mut StoreInner, instance: u32, code: Arc<LoadedCode>) {
    let module = inner.instance(instance).module.clone();
    let info = module.info();
    let offsets = VMOffsets::new(info);
    let mut vmctx = vec![0u64; offsets.size() / 8].into_boxed_slice();
    let ctx_ptr = inner.vm_store().ctx_ptr() as u64;
    let set = |v: &mut [u64], off: i32, x: u64| v[off as usize / 8] = x;
    set(&mut vmctx, offsets.store_ctx(), ctx_ptr);
    set(&mut vmctx, offsets.instance(), u64::from(instance));
    let inst = inner.instance(instance);
    for (i, &m) in inst.memories.iter().enumerate() {
        set(&mut vmctx, offsets.memory(i as u32), inner.memory(m).vm_def() as u64);
    }
    for (i, &t) in inst.tables.iter().enumerate() {
        set(&mut vmctx, offsets.table(i as u32), inner.table(t).vm_def() as u64);
    }
    for (i, &g) in inst.globals.iter().enumerate() {
        let cell = &raw const inner.global(g).value;
        set(&mut vmctx, offsets.global(i as u32), cell as u64);
    }
    for (i, &f) in inst.funcs.iter().enumerate() {
        set(&mut vmctx, offsets.func_ref(i as u32), u64::from(f) + 1);
    }
    for ty in 0..info.types.len() as u32 {
        set(&mut vmctx, offsets.type_id(ty), u64::from(module.type_id(ty)));
    }
    inner.instance_mut(instance).compiled = Some(CompiledInstance { vmctx, code });
    inner.adapt_host_funcs();
    inner.sync_func_refs();
    // Imports: copies of the imported functions' references.
    for i in 0..info.num_imported_funcs {
        let f = inner.func_index_of(instance, i);
        let r = inner.vm_store().func_refs[f as usize];
        let ci = inner.instance_mut(instance).compiled.as_mut().expect("just set");
        let at = offsets.import(i) as usize / 8;
        ci.vmctx[at] = r.code as u64;
        ci.vmctx[at + 1] = r.vmctx as u64;
        ci.vmctx[at + 2] = r.type_id;
    }
}

/// Host stack that must remain free when entering compiled code.
const HOST_STACK_RESERVE: usize = 128 << 10;

/// Calls defined function `index` of compiled instance `instance`:
/// parameters in `cells`, results written back from cell 0.
pub(crate) fn invoke_wasm<T>(
    store: &mut Store<T>,
    instance: u32,
    index: u32,
    cells: &mut [u64],
) -> Result<()> {
    let inst = store.inner.instance(instance);
    let info = inst.module.info();
    let ci = inst.compiled.as_ref().expect("instances of compiled engines are compiled");
    let ty = info.funcs[index as usize];
    let trampoline = ci.code.entry_trampoline(ty);
    let code = ci.code.func(index - info.num_imported_funcs);
    let vmctx = ci.vmctx.as_ptr() as usize;

    let here = &raw const cells as usize;
    let outermost = store.inner.reentry == 0;
    let room = match crate::vm::host_stack::remaining() {
        Some(left) if left < HOST_STACK_RESERVE => {
            return Err(Error::from_trap(Trap::StackOverflow));
        }
        Some(left) => left - HOST_STACK_RESERVE,
        None => 1 << 20,
    };
    let max_stack = store.inner.engine().config().max_wasm_stack.min(room);
    let fuel = store.inner.fuel();
    let deadline = store.inner.epoch_deadline();
    let store_ptr: *mut Store<T> = store;
    {
        // SAFETY: `store_ptr` comes from the exclusive borrow we hold; the
        // context is only read through it while compiled code runs below.
        let inner = unsafe { &mut (*store_ptr).inner };
        let inner_ptr: *mut StoreInner = inner;
        let vm = inner.vm_store();
        vm.enter(VMStorePtr::new(store_ptr), inner_ptr, host_call::<T>);
        if outermost {
            vm.set_limits(here.saturating_sub(max_stack), fuel, deadline);
        }
        inner.reentry += 1;
    }
    // SAFETY: `trampoline` is the entry trampoline of the callee's type in
    // its module's loaded code; `code`/`vmctx` are the callee's, kept alive
    // by its instance, which the store holds until it is dropped; `cells`
    // has room for the parameters and the results (our caller's contract);
    // the store context was entered just above, and the store is only used
    // through it until the call returns.
    let result = unsafe { vm::call_wasm(trampoline, code, vmctx, cells.as_mut_ptr()) };
    // SAFETY: compiled code has returned; we own the store again.
    let store = unsafe { &mut *store_ptr };
    store.inner.reentry -= 1;
    if store.inner.reentry == 0 {
        let fuel = store.inner.vm_store().fuel_left();
        *store.inner.fuel_mut() = fuel;
    }
    result.map_err(|Caught { error, pcs }| {
        Error::from(error).with_backtrace(|| backtrace(&store.inner, instance, &pcs))
    })
}

/// Runs host function `func` for compiled code, on behalf of instance
/// `caller`: the [`HostCallFn`](crate::vm::vmcontext::HostCallFn) of
/// stores of `T`.
///
/// # Safety
/// `store` must have been made from the `Store<T>` that entered compiled
/// code (as [`invoke_wasm`] does), which is not otherwise borrowed while
/// compiled code runs; `values` must hold as many cells as the function's
/// parameters and results need.
unsafe fn host_call<T>(
    store: VMStorePtr,
    func: u32,
    values: *mut u64,
    caller: u32,
) -> Result<(), VMError> {
    // SAFETY: guaranteed by the caller: `store` is a live, otherwise
    // unborrowed `Store<T>`.
    let store = unsafe { &mut *store.cast::<Store<T>>() };
    let FuncEntity::Host { host, ty, .. } = store.inner.func(func) else {
        return Err(VMError::Trap(Trap::BadSignature));
    };
    let (host, n) = (*host, ty.param_cells().max(ty.result_cells()) as usize);
    // SAFETY: guaranteed by the caller: `values` holds `n` cells.
    let cells = unsafe { std::slice::from_raw_parts_mut(values, n) };
    crate::call::call_host(store, host, cells, Some(caller)).map_err(|e| VMError::Host(Box::new(e)))
}

impl From<VMError> for Error {
    fn from(error: VMError) -> Self {
        match error {
            VMError::Trap(trap) => Error::from_trap(trap),
            // Host errors are this crate's errors (see `host_call`).
            VMError::Host(e) => match e.downcast::<Error>() {
                Ok(e) => *e,
                Err(e) => Error::host(e),
            },
        }
    }
}

/// The Wasm frames at `pcs` (as `vm::traps::Caught` records them), in
/// `store`, where compiled code was entered through instance `entered`.
///
/// Frames record code addresses, not VM contexts, so a frame's instance
/// is found from its code: the instance entered if it runs that code,
/// else the one instance of the store that does (none when several do).
fn backtrace(store: &StoreInner, entered: u32, pcs: &[usize]) -> Backtrace {
    let runs = |index: u32, start: usize| {
        let inst = store.instance(index);
        inst.compiled.as_ref().is_some_and(|ci| ci.code.base() == start)
    };
    let instance_of = |start: usize| {
        if runs(entered, start) {
            return Some(entered);
        }
        let mut found = (0..store.instances().len() as u32).filter(|&i| runs(i, start));
        match (found.next(), found.next()) {
            (Some(i), None) => Some(i),
            _ => None,
        }
    };
    // Consecutive frames mostly run the same module's code (a deep
    // recursion has thousands): look its instance up once per run.
    let mut last: Option<(usize, Option<u32>)> = None;
    let frames = pcs
        .iter()
        .filter_map(|&pc| {
            let info = crate::vm::code::lookup(pc)?;
            let func = info.func_at(pc)?;
            let instance = match last {
                Some((start, instance)) if start == info.start => instance,
                _ => {
                    let instance = instance_of(info.start);
                    last = Some((info.start, instance));
                    instance
                }
            };
            Some(FrameInfo {
                module_name: info.module_name.clone(),
                func_index: func,
                func_name: info.func_names.get(&func).cloned(),
                instance: instance.map(|i| crate::Instance(Stored::new(store.id(), i))),
                body_offset: info.body_offset(func),
            })
        })
        .collect();
    Backtrace::new(frames)
}
