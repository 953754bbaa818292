//! `Linker`.

use pyo3::prelude::*;

use crate::engine::Engine;
use crate::errors::IntoPyResult;
use crate::func::host_fn;
use crate::instance::{Instance, py_to_extern};
use crate::module::Module;
use crate::store::{Store, StoreData};
use crate::types::FuncType;

/// Definitions by module and name, which resolve a module's imports when
/// it is instantiated. A linker may be used with any store of its engine.
#[pyclass(module = "wisp", unsendable)]
#[derive(Debug)]
pub struct Linker {
    linker: wisp::Linker<StoreData>,
}

#[pymethods]
impl Linker {
    #[new]
    fn new(engine: &Engine) -> Self {
        Self { linker: wisp::Linker::new(&engine.engine) }
    }

    /// Whether a definition may replace an earlier one of the same name
    /// (default: no, that raises `WispError`).
    fn allow_shadowing(&mut self, allow: bool) {
        self.linker.allow_shadowing(allow);
    }

    /// Defines `module.name` as `item`, a `Func`, `Memory`, `Global` or
    /// `Table` of `store`.
    fn define(
        &mut self,
        store: &Store,
        module: &str,
        name: &str,
        item: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let (owner, item) = py_to_extern(item)?;
        if !std::rc::Rc::ptr_eq(&owner, &store.cell) {
            return Err(crate::errors::wisp_error("type", "the item belongs to another store"));
        }
        store.cell.with(|ctx| self.linker.define(ctx, module, name, item).map(|_| ()).py())?
    }

    /// Defines `module.name` as a host function of type `ty` that calls
    /// `callable` with the arguments, preceded by a `Caller` if
    /// `access_caller`. It returns None, a value, or a sequence of values,
    /// as `ty` says; an exception it raises propagates out of the call
    /// into Wasm that led to it.
    #[pyo3(signature = (module, name, ty, callable, access_caller = false))]
    fn define_func(
        &mut self,
        module: &str,
        name: &str,
        ty: &FuncType,
        callable: Py<PyAny>,
        access_caller: bool,
    ) -> PyResult<()> {
        let host = host_fn(ty.ty.clone(), callable, access_caller);
        self.linker.func_new(module, name, ty.ty.clone(), host).map(|_| ()).py()
    }

    /// Defines every `wasi_snapshot_preview1` function over the WASI
    /// context of the store they run in (see `Store.set_wasi`; a store
    /// without one grants nothing).
    fn define_wasi(&mut self) -> PyResult<()> {
        wisp_wasi::add_to_linker(&mut self.linker, |data: &mut StoreData| {
            data.wasi.get_or_insert_with(|| wisp_wasi::WasiCtx::builder().build())
        })
        .py()
    }

    /// Defines every export of `instance` under the module name `module`.
    fn define_instance(
        &mut self,
        store: &Store,
        module: &str,
        instance: &Instance,
    ) -> PyResult<()> {
        let instance = instance.instance;
        store.cell.with(|ctx| self.linker.instance(ctx, module, instance).map(|_| ()).py())?
    }

    /// Instantiates `module` in `store`, running its start function. A
    /// trap there raises `Trap` (`ExitError` for a WASI exit).
    fn instantiate(&self, py: Python<'_>, store: &Store, module: &Module) -> PyResult<Instance> {
        let _ = py;
        let cell = &store.cell;
        match cell.with(|ctx| self.linker.instantiate(ctx, &module.module))? {
            Ok(instance) => Ok(Instance { store: cell.clone(), instance }),
            Err(error) => Err(cell.take_error(error)),
        }
    }
}
