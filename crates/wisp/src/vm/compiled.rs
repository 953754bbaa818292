//! The compiled tier's runtime: the store context compiled code reads,
//! entering compiled code, and the runtime functions ("libcalls") it calls.
//!
//! Nothing here knows the store's types. The store that entered compiled
//! code is an opaque [`VMStorePtr`] that the API layer sets and casts back;
//! the libcalls reach the store's memories and tables through
//! [`StoreOps`], which the store implements; failures leave as
//! [`VMError`]s, which the API layer turns into its own errors.

use std::marker::PhantomData;
use std::sync::Arc;

use wisp_environ::{Libcall, Trap};

use super::code::LoadedCode;
use super::traps::{self, Caught, VMError};
use super::vmcontext::{HostCallFn, VMFuncRef, VMStoreContext, VMStorePtr};

/// A memory or table instruction compiled code leaves to the runtime, with
/// its operands. Memories, tables and segments are the calling instance's
/// indices; addresses and lengths are raw cells.
#[derive(Debug, Clone, Copy)]
pub(crate) enum StoreOp {
    MemoryGrow {
        mem: u32,
        delta: u64,
    },
    MemoryFill {
        mem: u32,
        dst: u64,
        val: u8,
        len: u64,
    },
    /// Between memories `objects = (dst, src)`.
    MemoryCopy(Transfer),
    /// Into memory `objects.0` from data segment `objects.1`.
    MemoryInit(Transfer),
    DataDrop {
        seg: u32,
    },
    TableGrow {
        table: u32,
        delta: u64,
        init: u64,
    },
    TableFill {
        table: u32,
        dst: u64,
        val: u64,
        len: u64,
    },
    /// Between tables `objects = (dst, src)`.
    TableCopy(Transfer),
    /// Into table `objects.0` from element segment `objects.1`.
    TableInit(Transfer),
    ElemDrop {
        seg: u32,
    },
}

/// The operands of a copy or an init: `len` items from `src` in one object
/// to `dst` in another (or the same).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Transfer {
    pub(crate) objects: (u32, u32),
    pub(crate) dst: u64,
    pub(crate) src: u64,
    pub(crate) len: u64,
}

/// What the libcalls ask of the store that entered compiled code.
pub(crate) trait StoreOps {
    /// Runs `op` for instance `inst`: the old size (or -1) for the grow
    /// operations, 0 for the others.
    fn run(&mut self, inst: u32, op: StoreOp) -> Result<u64, Trap>;
}

/// A store's compiled-tier state, for a store whose untyped part (the
/// target of the libcalls) is `S`. Boxed by its store: compiled code holds
/// the context's address.
#[derive(Debug)]
pub(crate) struct VMStore<S> {
    ctx: VMStoreContext,
    /// One entry per store function.
    pub(crate) func_refs: Vec<VMFuncRef>,
    /// Host functions whose signature no instance's code has provided an
    /// adapter for yet (their references have no code).
    pub(crate) unadapted: Vec<u32>,
    _store: PhantomData<fn(&mut S)>,
}

/// A compiled instance's VM context and its module's code.
#[derive(Debug)]
pub(crate) struct CompiledInstance {
    pub(crate) vmctx: Box<[u64]>,
    pub(crate) code: Arc<LoadedCode>,
}

// SAFETY: the VM context holds pointers into its own store, which moves
// between threads only as a whole (and is `!Sync` in use).
unsafe impl Send for CompiledInstance {}
// SAFETY: shared references never write through the pointers.
unsafe impl Sync for CompiledInstance {}

/// The libcall table compiled code indexes by [`Libcall`].
struct LibcallTable([*const (); Libcall::COUNT]);

/// The libcalls for stores whose untyped part is `S`.
struct Libcalls<S>(PhantomData<S>);

impl<S: StoreOps> Libcalls<S> {
    const TABLE: &'static LibcallTable = &LibcallTable([
        memory_grow::<S> as *const (),
        memory_fill::<S> as *const (),
        memory_copy::<S> as *const (),
        memory_init::<S> as *const (),
        data_drop::<S> as *const (),
        table_grow::<S> as *const (),
        table_fill::<S> as *const (),
        table_copy::<S> as *const (),
        table_init::<S> as *const (),
        elem_drop::<S> as *const (),
        host_call as *const (),
        out_of_fuel as *const (),
        epoch_reached as *const (),
        fma_f32 as *const (),
        fma_f64 as *const (),
    ]);
}

impl<S: StoreOps> VMStore<S> {
    /// A context whose epoch counter is at `epoch`.
    pub(crate) fn new(epoch: *const u64) -> Box<Self> {
        Box::new(Self {
            ctx: VMStoreContext {
                fuel: 0,
                epoch_deadline: 0,
                epoch_ptr: epoch,
                stack_limit: 0,
                func_refs: std::ptr::null(),
                libcalls: Libcalls::<S>::TABLE.0.as_ptr().cast(),
                store: VMStorePtr::NULL,
                inner: VMStorePtr::NULL,
                host_call: None,
            },
            func_refs: Vec::new(),
            unadapted: Vec::new(),
            _store: PhantomData,
        })
    }

    /// The context's address, which every VM context of the store holds.
    pub(crate) fn ctx_ptr(&self) -> *const VMStoreContext {
        &raw const self.ctx
    }

    /// Lets compiled code see `func_refs` (after they changed).
    pub(crate) fn publish_func_refs(&mut self) {
        self.ctx.func_refs = self.func_refs.as_ptr();
    }

    /// Records who is entering compiled code: the store `store` (for
    /// `host_call`, which runs its host functions) and its untyped part
    /// `inner` (for the libcalls, which were made for an `S`).
    pub(crate) fn enter(&mut self, store: VMStorePtr, inner: *mut S, host_call: HostCallFn) {
        self.ctx.store = store;
        self.ctx.inner = VMStorePtr::new(inner);
        self.ctx.host_call = Some(host_call);
    }

    /// Sets the limits of an outermost entry: the lowest stack address
    /// compiled code may use, the fuel it may burn and the epoch deadline.
    pub(crate) fn set_limits(&mut self, stack_limit: usize, fuel: u64, epoch_deadline: u64) {
        self.ctx.stack_limit = stack_limit;
        self.ctx.fuel = -(fuel.min(i64::MAX as u64) as i64);
        self.ctx.epoch_deadline = epoch_deadline;
    }

    /// The fuel compiled code left.
    pub(crate) fn fuel_left(&self) -> u64 {
        (-self.ctx.fuel).max(0) as u64
    }
}

/// Calls compiled function `code` with VM context `vmctx` through an entry
/// trampoline, with the parameters in `values`, where the results are
/// written. Returns how it unwound if it did not return.
///
/// # Safety
/// `trampoline` must be the entry trampoline of the callee's signature, in
/// loaded code; `code` and `vmctx` the callee's, alive for the call;
/// `values` must hold as many cells as the callee's parameters and results
/// need; the callee's store context must have been prepared with
/// [`VMStore::enter`] by a store that is not otherwise used until this
/// returns.
pub(crate) unsafe fn call_wasm(
    trampoline: usize,
    code: usize,
    vmctx: usize,
    values: *mut u64,
) -> Result<(), Caught> {
    // An entry trampoline: (code, callee vmctx, caller vmctx, values).
    type Entry = unsafe extern "C" fn(usize, usize, usize, *mut u64);
    // SAFETY: `trampoline` is an entry trampoline in loaded, executable
    // code with exactly this signature (the caller's contract).
    let entry: Entry = unsafe { std::mem::transmute::<usize, Entry>(trampoline) };
    // SAFETY: the trampoline reads the parameters from and writes the
    // results to `values`, which has room for both; `code`/`vmctx` are
    // the callee's and alive (the caller's contract).
    traps::catch_traps(&mut || unsafe { entry(code, vmctx, vmctx, values) })
}

/// The store context behind a VM context, and the calling instance.
///
/// # Safety
/// `vmctx` must be the VM context of a live compiled instance whose store
/// is running compiled code on this thread.
unsafe fn context_of<'a>(vmctx: *mut u64) -> (&'a VMStoreContext, u32) {
    // SAFETY: guaranteed by the caller: word 0 is the store context, word 1
    // the instance index.
    unsafe { (&*(*vmctx as *const VMStoreContext), *vmctx.add(1) as u32) }
}

/// Reports a trap from a runtime function: records it and returns the
/// "pending" status.
fn pending(trap: Trap) -> u64 {
    traps::set_pending(VMError::Trap(trap));
    1
}

fn status(r: Result<u64, Trap>) -> u64 {
    r.map_or_else(pending, |_| 0)
}

fn grown(r: Result<u64, Trap>) -> u64 {
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
        /// Only compiled code calls it, passing its own live VM context,
        /// whose store context was entered by an `S` (the libcall table
        /// holding this function is the one of `VMStore<S>`).
        unsafe extern "C" fn $name<S: StoreOps>(vmctx: *mut u64, $($arg: $ty),*) $(-> $ret)? {
            // SAFETY: called by compiled code with its own VM context; its
            // store context belongs to a `VMStore<S>` (the only owner of
            // this table), whose `enter` set `inner` to an `S` that is not
            // otherwise borrowed while compiled code runs.
            let ($inner, $inst) = unsafe {
                let (ctx, inst) = context_of(vmctx);
                (&mut *ctx.inner.cast::<S>(), inst)
            };
            $body
        }
    )*};
}

// The libcalls. Each is called by compiled code with its VM context; see
// `Libcall` for the signatures.
store_libcalls! {
    fn memory_grow(mem: u32, delta: u64) -> u64 =
        |inner, inst| grown(inner.run(inst, StoreOp::MemoryGrow { mem, delta }));
    fn memory_fill(mem: u32, dst: u64, val: u32, len: u64) -> u64 =
        |inner, inst| status(inner.run(inst, StoreOp::MemoryFill { mem, dst, val: val as u8, len }));
    fn memory_copy(dst_mem: u32, src_mem: u32, dst: u64, src: u64, len: u64) -> u64 =
        |inner, inst| {
            let t = Transfer { objects: (dst_mem, src_mem), dst, src, len };
            status(inner.run(inst, StoreOp::MemoryCopy(t)))
        };
    fn memory_init(mem: u32, seg: u32, dst: u64, src: u32, len: u32) -> u64 =
        |inner, inst| {
            let t = Transfer { objects: (mem, seg), dst, src: src.into(), len: len.into() };
            status(inner.run(inst, StoreOp::MemoryInit(t)))
        };
    fn data_drop(seg: u32) = |inner, inst| {
        let _ = inner.run(inst, StoreOp::DataDrop { seg });
    };
    fn table_grow(table: u32, delta: u64, init: u64) -> u64 =
        |inner, inst| grown(inner.run(inst, StoreOp::TableGrow { table, delta, init }));
    fn table_fill(table: u32, dst: u64, val: u64, len: u64) -> u64 =
        |inner, inst| status(inner.run(inst, StoreOp::TableFill { table, dst, val, len }));
    fn table_copy(dst_table: u32, src_table: u32, dst: u64, src: u64, len: u64) -> u64 =
        |inner, inst| {
            let t = Transfer { objects: (dst_table, src_table), dst, src, len };
            status(inner.run(inst, StoreOp::TableCopy(t)))
        };
    fn table_init(table: u32, seg: u32, dst: u64, src: u32, len: u32) -> u64 =
        |inner, inst| {
            let t = Transfer { objects: (table, seg), dst, src: src.into(), len: len.into() };
            status(inner.run(inst, StoreOp::TableInit(t)))
        };
    fn elem_drop(seg: u32) = |inner, inst| {
        let _ = inner.run(inst, StoreOp::ElemDrop { seg });
    };
}

/// # Safety
/// Only compiled code (a host adapter) calls it, passing its own live VM
/// context and a spill area sized for the callee's signature.
unsafe extern "C" fn host_call(vmctx: *mut u64, func: u64, values: *mut u64) -> u64 {
    // SAFETY: called by a host adapter with the caller's VM context.
    let (ctx, inst) = unsafe { context_of(vmctx) };
    // The store context's fields were set when compiled code was entered.
    let (store, call) = (ctx.store, ctx.host_call.expect("set on entry"));
    // SAFETY: `store` and `call` were set together by the store running
    // this code; `values` is the adapter's spill area sized for the
    // function's signature.
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

/// A lane of `relaxed_madd` where the machine has no fused multiply-add:
/// `mul_add` rounds once (in software if it must).
extern "C" fn fma_f32(_vmctx: *mut u64, a: f32, b: f32, c: f32) -> f32 {
    a.mul_add(b, c)
}

/// The `f64` lane of [`fma_f32`].
extern "C" fn fma_f64(_vmctx: *mut u64, a: f64, b: f64, c: f64) -> f64 {
    a.mul_add(b, c)
}
