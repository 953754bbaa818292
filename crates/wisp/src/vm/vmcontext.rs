//! The structures compiled code reads, laid out as
//! [`wisp_environ::vmoffsets`] describes.

use wisp_environ::vmoffsets;

use super::traps::VMError;

/// What `call_indirect` finds for a store function.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub(crate) struct VMFuncRef {
    /// Native entry point (null until known, for host functions whose
    /// adapter no compiled module has provided yet).
    pub(crate) code: usize,
    /// The callee's VM context, or a host function's store index.
    pub(crate) vmctx: usize,
    /// Engine-wide signature id.
    pub(crate) type_id: u64,
}

/// A linear memory as compiled code sees it.
#[repr(C)]
#[derive(Debug)]
pub(crate) struct VMMemoryDef {
    pub(crate) base: *mut u8,
    pub(crate) length: u64,
}

/// A table as compiled code sees it.
#[repr(C)]
#[derive(Debug)]
pub(crate) struct VMTableDef {
    pub(crate) base: *mut u64,
    pub(crate) length: u64,
}

/// The address of a store, as the runtime's API layer gave it: `vm/` only
/// stores it and hands it back, and the API layer casts it back to the type
/// it was made from.
#[repr(transparent)]
#[derive(Debug, Clone, Copy)]
pub(crate) struct VMStorePtr(*mut ());

impl VMStorePtr {
    /// No store (before the first entry into compiled code).
    pub(crate) const NULL: Self = Self(std::ptr::null_mut());

    /// The opaque form of `store`.
    pub(crate) fn new<S>(store: *mut S) -> Self {
        Self(store.cast())
    }

    /// The address, as a pointer to `S`: valid to dereference only if it
    /// was made from a pointer to a live `S`.
    pub(crate) fn cast<S>(self) -> *mut S {
        self.0.cast()
    }
}

/// Calls host function `func` of the store at `store` with `values` (its
/// arguments, then its results), on behalf of instance `caller`. Unsafe to
/// call: `store` must be the live store the function was made for, with
/// the data type the function was instantiated with, and `values` must
/// hold the function's cells.
pub(crate) type HostCallFn =
    unsafe fn(store: VMStorePtr, func: u32, values: *mut u64, caller: u32) -> Result<(), VMError>;

/// The store-wide context compiled code reaches through every VM context.
#[repr(C)]
#[derive(Debug)]
pub(crate) struct VMStoreContext {
    /// Fuel left, negated.
    pub(crate) fuel: i64,
    pub(crate) epoch_deadline: u64,
    pub(crate) epoch_ptr: *const u64,
    pub(crate) stack_limit: usize,
    pub(crate) func_refs: *const VMFuncRef,
    pub(crate) libcalls: *const usize,
    // Fields below are only read by the runtime.
    /// The store, for `host_call`; set on every entry into Wasm.
    pub(crate) store: VMStorePtr,
    /// The store's untyped part, for the other libcalls; set with `store`.
    pub(crate) inner: VMStorePtr,
    /// Runs a host function of the store's data type.
    pub(crate) host_call: Option<HostCallFn>,
}

const _: () = {
    assert!(std::mem::offset_of!(VMStoreContext, fuel) == vmoffsets::store::FUEL as usize);
    assert!(
        std::mem::offset_of!(VMStoreContext, epoch_deadline)
            == vmoffsets::store::EPOCH_DEADLINE as usize
    );
    assert!(
        std::mem::offset_of!(VMStoreContext, epoch_ptr) == vmoffsets::store::EPOCH_PTR as usize
    );
    assert!(
        std::mem::offset_of!(VMStoreContext, stack_limit) == vmoffsets::store::STACK_LIMIT as usize
    );
    assert!(
        std::mem::offset_of!(VMStoreContext, func_refs) == vmoffsets::store::FUNC_REFS as usize
    );
    assert!(std::mem::offset_of!(VMStoreContext, libcalls) == vmoffsets::store::LIBCALLS as usize);
    assert!(std::mem::offset_of!(VMFuncRef, code) == vmoffsets::funcref::CODE as usize);
    assert!(std::mem::offset_of!(VMFuncRef, vmctx) == vmoffsets::funcref::VMCTX as usize);
    assert!(std::mem::offset_of!(VMFuncRef, type_id) == vmoffsets::funcref::TYPE_ID as usize);
    assert!(std::mem::size_of::<VMFuncRef>() == vmoffsets::funcref::SIZE as usize);
    assert!(std::mem::offset_of!(VMMemoryDef, base) == vmoffsets::memory::BASE as usize);
    assert!(std::mem::offset_of!(VMMemoryDef, length) == vmoffsets::memory::LENGTH as usize);
    assert!(std::mem::offset_of!(VMTableDef, base) == vmoffsets::table::BASE as usize);
    assert!(std::mem::offset_of!(VMTableDef, length) == vmoffsets::table::LENGTH as usize);
};

// SAFETY: the raw pointers are only dereferenced by code running on the
// thread that holds the store exclusively (see `compiled::invoke`).
unsafe impl Send for VMStoreContext {}
// SAFETY: as above.
unsafe impl Sync for VMStoreContext {}
// SAFETY: the descriptor belongs to its memory, which is Send + Sync.
unsafe impl Send for VMMemoryDef {}
// SAFETY: as above.
unsafe impl Sync for VMMemoryDef {}
// SAFETY: the descriptor belongs to its table.
unsafe impl Send for VMTableDef {}
// SAFETY: as above.
unsafe impl Sync for VMTableDef {}
