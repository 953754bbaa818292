//! `Store`, and how every object of a store reaches it.
//!
//! Python objects of a store (functions, memories, instances, ...) hold a
//! shared reference to its [`StoreCell`], so the store lives as long as
//! any of them. All access goes through [`StoreCell::with`], which lends
//! the store's context one borrow at a time. While a host function runs,
//! the store is lent to the call in progress; the host function's `Caller`
//! is then what `with` lends, so Python code in a host function can read
//! memory and call exports re-entrantly.

use std::cell::{Cell, UnsafeCell};
use std::rc::{Rc, Weak};

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use wisp::{AsContextMut, Caller, Store as RustStore, StoreContextMut, StoreLimits};
use wisp_wasi::{OutputPipe, WasiCtx};

use crate::engine::Engine;
use crate::errors::IntoPyResult;
use crate::wasi::WasiConfig;

/// The host data of every store made from Python.
pub(crate) struct StoreData {
    /// The WASI context, for modules linked with WASI.
    pub(crate) wasi: Option<WasiCtx>,
    /// Captured standard output and error of the WASI guest.
    pub(crate) stdout: Option<OutputPipe>,
    pub(crate) stderr: Option<OutputPipe>,
    /// The exception a Python host function raised, re-raised where the
    /// call into Wasm returns.
    pub(crate) pending: Option<PyErr>,
    /// The cell the store lives in, for host functions to find it.
    pub(crate) cell: Weak<StoreCell>,
}

/// A store, its borrow state, and the caller of the host function running
/// in it, if any.
pub(crate) struct StoreCell {
    store: UnsafeCell<RustStore<StoreData>>,
    /// The `Caller` of the innermost host function running, or null.
    active: Cell<*mut Caller<'static, StoreData>>,
    /// Whether a context is lent (by `with`) right now.
    borrowed: Cell<bool>,
    /// Live buffer views of memories, and the memory limit they replaced.
    views: Cell<usize>,
    unpinned_memory_bytes: Cell<u64>,
}

/// A shared reference to a store.
pub(crate) type StoreRef = Rc<StoreCell>;

const BUSY: &str = "the store is in use by a call that has not returned";

impl StoreCell {
    fn new(engine: &Engine) -> StoreRef {
        Rc::new_cyclic(|cell| {
            let data = StoreData {
                wasi: None,
                stdout: None,
                stderr: None,
                pending: None,
                cell: cell.clone(),
            };
            let mut store = RustStore::new(&engine.engine, data);
            store.set_limits(engine.limits);
            StoreCell {
                store: UnsafeCell::new(store),
                active: Cell::new(std::ptr::null_mut()),
                borrowed: Cell::new(false),
                views: Cell::new(0),
                unpinned_memory_bytes: Cell::new(engine.limits.memory_bytes),
            }
        })
    }

    /// Runs `f` with the store's context: the store itself, or the caller
    /// of the host function running in it.
    pub(crate) fn with<R>(
        &self,
        f: impl FnOnce(StoreContextMut<'_, StoreData>) -> R,
    ) -> PyResult<R> {
        if self.borrowed.replace(true) {
            return Err(PyRuntimeError::new_err(BUSY));
        }
        let _release = Release(&self.borrowed);
        let active = self.active.get();
        let ctx = if active.is_null() {
            // SAFETY: `borrowed` was false, so no other reference into the
            // store is live: each `with` holds the only one while it runs,
            // and host functions clear `borrowed` only while the borrow of
            // the call that invoked them is suspended inside the runtime.
            unsafe { &mut *self.store.get() }.as_context_mut()
        } else {
            // SAFETY: `active` is set by a running host function to its
            // `Caller`, which outlives the Python code of the host function
            // and which the host function does not touch until that code
            // returns; `borrowed` makes this the only reference made from it.
            unsafe { &mut *active }.as_context_mut()
        };
        Ok(f(ctx))
    }

    /// Runs the Python code of a host function with `caller` as the
    /// store's context.
    pub(crate) fn enter_host<R>(
        &self,
        caller: &mut Caller<'_, StoreData>,
        f: impl FnOnce() -> R,
    ) -> R {
        let ptr: *mut Caller<'_, StoreData> = caller;
        let prev = self.active.replace(ptr.cast());
        let was = self.borrowed.replace(false);
        let _restore = Restore { cell: self, prev, was };
        f()
    }

    /// Runs `f` with the store itself, for what only the store offers
    /// (fuel, deadlines); fails while a call into the store runs.
    fn with_store<R>(&self, f: impl FnOnce(&mut RustStore<StoreData>) -> R) -> PyResult<R> {
        if !self.active.get().is_null() || self.borrowed.get() {
            return Err(PyRuntimeError::new_err(BUSY));
        }
        self.borrowed.set(true);
        let _release = Release(&self.borrowed);
        // SAFETY: no context is lent and no host function is running
        // (checked above), so this is the only reference into the store.
        Ok(f(unsafe { &mut *self.store.get() }))
    }

    /// Takes the exception a host function raised during the last call,
    /// if any, in place of `error`.
    pub(crate) fn take_error(&self, error: wisp::Error) -> PyErr {
        match self.with(|mut ctx| ctx.data_mut().pending.take()) {
            Ok(Some(err)) => err,
            _ => crate::errors::to_py(error),
        }
    }

    /// Whether a buffer view of a memory is alive.
    pub(crate) fn has_views(&self) -> bool {
        self.views.get() > 0
    }

    /// Registers a buffer view of `bytes` bytes of memory. Until it is
    /// released, no memory of the store grows beyond `bytes`: growing
    /// could move the memory and leave the view dangling.
    pub(crate) fn pin(&self, bytes: usize) -> PyResult<()> {
        self.with(|mut ctx| {
            let mut limits = ctx.limits();
            if self.views.get() == 0 {
                self.unpinned_memory_bytes.set(limits.memory_bytes);
            }
            limits.memory_bytes = limits.memory_bytes.min(bytes as u64);
            ctx.set_limits(limits);
        })?;
        self.views.set(self.views.get() + 1);
        Ok(())
    }

    /// Releases a view registered by `pin`.
    pub(crate) fn unpin(&self) {
        let views = self.views.get().saturating_sub(1);
        self.views.set(views);
        if views == 0 {
            let bytes = self.unpinned_memory_bytes.get();
            let _ = self.with(|mut ctx| {
                let limits = StoreLimits { memory_bytes: bytes, ..ctx.limits() };
                ctx.set_limits(limits);
            });
        }
    }
}

struct Release<'a>(&'a Cell<bool>);

impl Drop for Release<'_> {
    fn drop(&mut self) {
        self.0.set(false);
    }
}

struct Restore<'a> {
    cell: &'a StoreCell,
    prev: *mut Caller<'static, StoreData>,
    was: bool,
}

impl Drop for Restore<'_> {
    fn drop(&mut self) {
        self.cell.active.set(self.prev);
        self.cell.borrowed.set(self.was);
    }
}

/// Holds values that stay on this thread while the GIL is released.
pub(crate) struct AssertSend<T>(pub(crate) T);

// SAFETY: `Python::detach` runs its closure on the calling thread, so the
// wrapped values never leave it; the bound only keeps Python references
// from being used without the GIL, which code inside re-acquires
// (`Python::attach`) before touching any. The store's objects are
// `unsendable` classes, so no other thread can reach the store meanwhile.
unsafe impl<T> Send for AssertSend<T> {}

/// Objects of one store (instances, functions, memories, ...) and the host
/// data of their guests, such as WASI state. A store belongs to the thread
/// that made it.
///
/// `Store(engine, wasi=None)`: with a `WasiConfig`, modules linked with
/// `Linker.define_wasi` see what it grants.
#[pyclass(module = "wisp", unsendable)]
#[derive(Debug)]
pub struct Store {
    pub(crate) cell: StoreRef,
}

#[pymethods]
impl Store {
    #[new]
    #[pyo3(signature = (engine, wasi = None))]
    fn new(engine: &Engine, wasi: Option<&WasiConfig>) -> PyResult<Self> {
        let store = Self { cell: StoreCell::new(engine) };
        if let Some(wasi) = wasi {
            store.set_wasi(wasi)?;
        }
        Ok(store)
    }

    /// Gives the store a WASI context made from `config`, replacing any
    /// earlier one.
    fn set_wasi(&self, config: &WasiConfig) -> PyResult<()> {
        let (ctx, stdout, stderr) = config.build()?;
        self.cell.with(|mut store| {
            let data = store.data_mut();
            data.wasi = Some(ctx);
            data.stdout = stdout;
            data.stderr = stderr;
        })
    }

    /// What the WASI guest wrote to its standard output, when the
    /// `WasiConfig` captured it (else None).
    #[getter]
    fn stdout(&self) -> PyResult<Option<Vec<u8>>> {
        self.cell.with(|store| store.data().stdout.as_ref().map(OutputPipe::contents))
    }

    /// What the WASI guest wrote to its standard error, when captured.
    #[getter]
    fn stderr(&self) -> PyResult<Option<Vec<u8>>> {
        self.cell.with(|store| store.data().stderr.as_ref().map(OutputPipe::contents))
    }

    /// Sets the fuel guests may use (needs `Config(consume_fuel=True)`);
    /// running out traps with kind "out_of_fuel".
    fn set_fuel(&self, fuel: u64) -> PyResult<()> {
        self.cell.with_store(|s| s.set_fuel(fuel))?.py()
    }

    /// The fuel left (needs `Config(consume_fuel=True)`).
    fn get_fuel(&self) -> PyResult<u64> {
        self.cell.with_store(|s| s.get_fuel())?.py()
    }

    /// Guests trap with kind "interrupted" once the engine's epoch has
    /// advanced `ticks` from now (needs `Config(epoch_interruption=True)`).
    fn set_epoch_deadline(&self, ticks: u64) -> PyResult<()> {
        self.cell.with_store(|s| s.set_epoch_deadline(ticks))
    }

    /// Limits what the store may allocate from now on; None leaves a
    /// limit unbounded. `memory_bytes` applies to each linear memory,
    /// `table_elements` to each table; `memory.grow` beyond a limit
    /// returns -1 in the guest, or traps with kind "limit_exceeded" when
    /// `trap_on_grow_failure`.
    #[pyo3(signature = (
        *, memory_bytes = None, table_elements = None, instances = None,
        tables = None, memories = None, trap_on_grow_failure = false,
    ))]
    fn set_limits(
        &self,
        memory_bytes: Option<u64>,
        table_elements: Option<u64>,
        instances: Option<usize>,
        tables: Option<usize>,
        memories: Option<usize>,
        trap_on_grow_failure: bool,
    ) -> PyResult<()> {
        let unbounded = StoreLimits::default();
        let mut limits = StoreLimits {
            memory_bytes: memory_bytes.unwrap_or(unbounded.memory_bytes),
            table_elements: table_elements.unwrap_or(unbounded.table_elements),
            instances: instances.unwrap_or(unbounded.instances),
            tables: tables.unwrap_or(unbounded.tables),
            memories: memories.unwrap_or(unbounded.memories),
            trap_on_grow_failure,
        };
        if self.cell.has_views() {
            // Views keep memories from growing; the new limit applies once
            // the last is released.
            self.cell.unpinned_memory_bytes.set(limits.memory_bytes);
            let pinned = self.cell.with(|ctx| ctx.limits().memory_bytes)?;
            limits.memory_bytes = limits.memory_bytes.min(pinned);
        }
        self.cell.with(|mut ctx| ctx.set_limits(limits))
    }
}

impl StoreCell {
    /// The export `name` of the instance whose host function is running.
    pub(crate) fn caller_export(&self, name: &str) -> PyResult<Option<wisp::Extern>> {
        let active = self.active.get();
        if active.is_null() || self.borrowed.get() {
            return Err(PyRuntimeError::new_err(
                "a Caller may only be used while its host function runs",
            ));
        }
        // SAFETY: `active` is the running host function's `Caller` (see
        // `with`); no context is lent (`borrowed` is false), and this
        // shared borrow ends before the function returns.
        Ok(unsafe { &*active }.get_export(name))
    }
}

impl std::fmt::Debug for StoreCell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreCell").field("views", &self.views.get()).finish_non_exhaustive()
    }
}

impl std::fmt::Debug for StoreData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreData").field("wasi", &self.wasi.is_some()).finish_non_exhaustive()
    }
}
