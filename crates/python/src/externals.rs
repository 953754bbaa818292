//! `Global` and `Table`.

use pyo3::prelude::*;
use wisp::Val;

use crate::errors::IntoPyResult;
use crate::func::{py_to_val, val_to_py};
use crate::store::{Store, StoreRef};
use crate::types::{GlobalType, TableType};

/// A global variable: exported by an instance or made in Python.
#[pyclass(module = "wisp", unsendable)]
#[derive(Debug)]
pub struct Global {
    pub(crate) store: StoreRef,
    pub(crate) global: wisp::Global,
}

#[pymethods]
impl Global {
    /// A global of type `ty` in `store` with `value`.
    #[new]
    fn new(store: &Store, ty: &GlobalType, value: &Bound<'_, PyAny>) -> PyResult<Self> {
        let global = store.cell.with(|mut ctx| {
            let val = py_to_val(value, ty.ty.content, &mut ctx)?;
            wisp::Global::new(ctx, ty.ty, val).py()
        })??;
        Ok(Self { store: store.cell.clone(), global })
    }

    /// The global's type.
    #[getter]
    fn r#type(&self) -> PyResult<GlobalType> {
        self.store.with(|ctx| GlobalType { ty: self.global.ty(&ctx) })
    }

    /// The global's value; setting it needs a mutable global.
    #[getter]
    fn get_value(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.store.with(|ctx| val_to_py(py, &self.store, &ctx, self.global.get(&ctx)))?
    }

    #[setter]
    fn set_value(&self, value: &Bound<'_, PyAny>) -> PyResult<()> {
        self.store.with(|mut ctx| {
            let ty = self.global.ty(&ctx).content;
            let val = py_to_val(value, ty, &mut ctx)?;
            self.global.set(ctx, val).py()
        })?
    }
}

/// A table of references: exported by an instance or made in Python.
#[pyclass(module = "wisp", unsendable)]
#[derive(Debug)]
pub struct Table {
    pub(crate) store: StoreRef,
    pub(crate) table: wisp::Table,
}

#[pymethods]
impl Table {
    /// A table of type `ty` in `store`, its elements `init`.
    #[new]
    #[pyo3(signature = (store, ty, init = None))]
    fn new(store: &Store, ty: &TableType, init: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let table = store.cell.with(|mut ctx| {
            let init = init_val(init, ty.ty.element, &mut ctx)?;
            wisp::Table::new(ctx, ty.ty, init).py()
        })??;
        Ok(Self { store: store.cell.clone(), table })
    }

    /// The table's type.
    #[getter]
    fn r#type(&self) -> PyResult<TableType> {
        self.store.with(|ctx| TableType { ty: self.table.ty(&ctx) })
    }

    /// The number of elements.
    fn size(&self) -> PyResult<u64> {
        self.store.with(|ctx| self.table.size(&ctx))
    }

    fn __len__(&self) -> PyResult<usize> {
        Ok(self.size()? as usize)
    }

    /// Element `index` (a `Func`, an externref's object, or None).
    fn get(&self, py: Python<'_>, index: u64) -> PyResult<Py<PyAny>> {
        self.store.with(|ctx| match self.table.get(&ctx, index) {
            Some(v) => val_to_py(py, &self.store, &ctx, v),
            None => Err(pyo3::exceptions::PyIndexError::new_err("table index out of bounds")),
        })?
    }

    /// Sets element `index`.
    fn set(&self, index: u64, value: &Bound<'_, PyAny>) -> PyResult<()> {
        self.store.with(|mut ctx| {
            let element = self.table.ty(&ctx).element;
            let val = py_to_val(value, wisp::ValType::Ref(element), &mut ctx)?;
            self.table.set(ctx, index, val).py()
        })?
    }

    /// Adds `delta` elements set to `init`; returns the previous size.
    #[pyo3(signature = (delta, init = None))]
    fn grow(&self, delta: u64, init: Option<&Bound<'_, PyAny>>) -> PyResult<u64> {
        self.store.with(|mut ctx| {
            let element = self.table.ty(&ctx).element;
            let init = init_val(init, element, &mut ctx)?;
            self.table.grow(ctx, delta, init).py()
        })?
    }
}

fn init_val(
    init: Option<&Bound<'_, PyAny>>,
    element: wisp::RefType,
    ctx: &mut wisp::StoreContextMut<'_, crate::store::StoreData>,
) -> PyResult<Val> {
    let ty = wisp::ValType::Ref(element);
    match init {
        Some(v) => py_to_val(v, ty, ctx),
        None => Ok(Val::default_for(ty)),
    }
}
