//! `wasm_store_t`, and how every handle reaches its store.
//!
//! Handles keep their store alive (an `Rc`), so deleting a store while
//! handles into it remain is safe: the store goes when the last of them
//! does. All access goes through [`StoreCell::with`], which hands out the
//! store's context one borrow at a time. While a host function runs, the
//! context belongs to the call in progress; the host function's `Caller`
//! is then what `with` hands out, so the host function's C code can use
//! the store's handles (read memory, call functions) re-entrantly.

use std::cell::{Cell, UnsafeCell};
use std::collections::HashMap;
use std::ffi::c_void;
use std::rc::{Rc, Weak};

use runtime::{
    AsContextMut, Caller, ExternRef, Func, Global, Instance, Memory, Store, StoreContextMut, Table,
};

use crate::engine::wasm_engine_t;
use crate::error::set_last_error;

/// The host data of every store made through the C API.
pub(crate) struct StoreData {
    /// Host info of the store's objects, by object.
    host_info: HashMap<ObjKey, HostInfo>,
    /// The WASI context, for modules linked with WASI.
    pub(crate) wasi: Option<wisp_wasi::WasiCtx>,
    /// The cell the store lives in, for host functions to find it.
    pub(crate) cell: Weak<StoreCell>,
}

/// An object of a store that can carry host info.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum ObjKey {
    Func(Func),
    Global(Global),
    Table(Table),
    Memory(Memory),
    Instance(Instance),
    Foreign(ExternRef),
}

/// Host info and its finalizer, which runs once, when the object goes.
#[derive(Debug)]
pub(crate) struct HostInfo {
    pub(crate) data: *mut c_void,
    pub(crate) finalizer: Option<unsafe extern "C" fn(*mut c_void)>,
}

impl Drop for HostInfo {
    fn drop(&mut self) {
        if let Some(finalize) = self.finalizer {
            // SAFETY: the C caller gave this finalizer for this data, to be
            // called once when the object goes; `drop` runs once.
            unsafe { finalize(self.data) }
        }
    }
}

// SAFETY: host info is the C caller's data, which the API only stores and
// hands back; the one use across threads is a module's (modules are
// shareable), whose finalizer then runs on the thread that drops the last
// handle, as documented in wisp.h.
unsafe impl Send for HostInfo {}
// SAFETY: as above; `&HostInfo` only reads the pointer value.
unsafe impl Sync for HostInfo {}

/// A store, its current borrow state, and the caller of the host function
/// running in it, if any.
pub(crate) struct StoreCell {
    store: UnsafeCell<Store<StoreData>>,
    /// The `Caller` of the innermost host function running, or null.
    active: Cell<*mut Caller<'static, StoreData>>,
    /// Whether a context is handed out (by `with`) right now.
    borrowed: Cell<bool>,
    pub(crate) engine: runtime::Engine,
}

impl std::fmt::Debug for StoreCell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreCell").finish_non_exhaustive()
    }
}

/// A shared handle to a store.
pub(crate) type StoreRef = Rc<StoreCell>;

/// The reason `with` refuses a nested borrow.
pub(crate) const BUSY: &str = "the store is in use by a call that has not returned";

impl StoreCell {
    pub(crate) fn new(engine: &wasm_engine_t) -> StoreRef {
        Rc::new_cyclic(|cell| {
            let data = StoreData { host_info: HashMap::new(), wasi: None, cell: cell.clone() };
            let mut store = Store::new(&engine.engine, data);
            store.set_limits(engine.limits);
            StoreCell {
                store: UnsafeCell::new(store),
                active: Cell::new(std::ptr::null_mut()),
                borrowed: Cell::new(false),
                engine: engine.engine.clone(),
            }
        })
    }

    /// Runs `f` with the store's context: the store itself, or the caller
    /// of the host function running in it. `None` (with the last error
    /// set) if a context is handed out already, which only a host info
    /// finalizer re-entering the API could cause.
    pub(crate) fn with<R>(&self, f: impl FnOnce(StoreContextMut<'_, StoreData>) -> R) -> Option<R> {
        if self.borrowed.replace(true) {
            set_last_error(BUSY);
            return None;
        }
        let _release = Release(&self.borrowed);
        let active = self.active.get();
        let ctx = if active.is_null() {
            // SAFETY: `borrowed` was false, so no other reference into the
            // store is live (each `with` holds the only one while it runs,
            // and host functions clear `borrowed` only while the outer
            // borrow is suspended in the call that invoked them).
            unsafe { &mut *self.store.get() }.as_context_mut()
        } else {
            // SAFETY: `active` is set by a running host function to its
            // `Caller`, which outlives the host function's C code and
            // which that function does not touch until the C code returns;
            // `borrowed` makes this the only reference made from it.
            unsafe { &mut *active }.as_context_mut()
        };
        Some(f(ctx))
    }

    /// Runs C code of a host function with `caller` as the store's context.
    pub(crate) fn enter_host<R>(
        &self,
        caller: &mut Caller<'_, StoreData>,
        f: impl FnOnce() -> R,
    ) -> R {
        let ptr: *mut Caller<'_, StoreData> = caller;
        let prev = self.active.replace(ptr.cast());
        let was = self.borrowed.replace(false);
        let r = f();
        self.active.set(prev);
        self.borrowed.set(was);
        r
    }

    /// Runs `f` with the store itself, for what only the store offers
    /// (fuel, deadlines, limits); `None` while a call into the store runs.
    pub(crate) fn with_store<R>(&self, f: impl FnOnce(&mut Store<StoreData>) -> R) -> Option<R> {
        if !self.active.get().is_null() || self.borrowed.get() {
            set_last_error(BUSY);
            return None;
        }
        self.borrowed.set(true);
        let _release = Release(&self.borrowed);
        // SAFETY: no context is handed out and no host function is running
        // (checked above), so this is the only reference into the store.
        Some(f(unsafe { &mut *self.store.get() }))
    }
}

struct Release<'a>(&'a Cell<bool>);

impl Drop for Release<'_> {
    fn drop(&mut self) {
        self.0.set(false);
    }
}

/// Sets the host info of `key`; the previous one is finalized after the
/// store is released.
pub(crate) fn set_host_info(store: &StoreCell, key: ObjKey, info: HostInfo) {
    let old = store.with(|mut ctx| ctx.data_mut().host_info.insert(key, info));
    drop(old);
}

pub(crate) fn get_host_info(store: &StoreCell, key: ObjKey) -> *mut c_void {
    store
        .with(|ctx| ctx.data().host_info.get(&key).map_or(std::ptr::null_mut(), |h| h.data))
        .unwrap_or(std::ptr::null_mut())
}

/// A store: the objects of one or more instances, used by one thread at a
/// time.
#[derive(Debug)]
pub struct wasm_store_t {
    pub(crate) cell: StoreRef,
}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_store_new(engine: Option<&wasm_engine_t>) -> Option<Box<wasm_store_t>> {
    let Some(engine) = engine else { return crate::error::fail("no engine given") };
    Some(Box::new(wasm_store_t { cell: StoreCell::new(engine) }))
}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_store_delete(_: Option<Box<wasm_store_t>>) {}

#[unsafe(no_mangle)]
pub extern "C" fn wisp_store_fuel_set(
    store: Option<&wasm_store_t>,
    fuel: u64,
) -> Option<Box<crate::error::wisp_error_t>> {
    let store = store?;
    match store.cell.with_store(|store| store.set_fuel(fuel)) {
        Some(Ok(())) => None,
        Some(Err(e)) => Some(crate::error::wisp_error_t::new(e)),
        None => Some(crate::error::wisp_error_t::msg(BUSY)),
    }
}

/// The fuel left, or false (with the last error set) if fuel is off.
#[unsafe(no_mangle)]
pub extern "C" fn wisp_store_fuel_get(
    store: Option<&wasm_store_t>,
    fuel: Option<&mut u64>,
) -> bool {
    let Some(store) = store else { return false };
    match store.cell.with_store(|store| store.get_fuel()) {
        Some(Ok(left)) => {
            if let Some(fuel) = fuel {
                *fuel = left;
            }
            true
        }
        Some(Err(e)) => {
            set_last_error(e);
            false
        }
        None => false,
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn wisp_store_epoch_deadline_set(store: Option<&wasm_store_t>, ticks: u64) {
    if let Some(store) = store {
        store.cell.with_store(|store| store.set_epoch_deadline(ticks));
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn wisp_store_limits_set(
    store: Option<&wasm_store_t>,
    memory_bytes: u64,
    table_elements: u64,
    instances: usize,
    tables: usize,
    memories: usize,
) {
    if let Some(store) = store {
        let limits = runtime::StoreLimits {
            memory_bytes,
            table_elements,
            instances,
            tables,
            memories,
            ..runtime::StoreLimits::default()
        };
        store.cell.with_store(|store| store.set_limits(limits));
    }
}
