//! `Instance`, and exports as Python objects.

use pyo3::exceptions::PyKeyError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use wisp::Extern;

use crate::externals::{Global, Table};
use crate::func::Func;
use crate::memory::Memory;
use crate::store::StoreRef;

/// The Python object for an external of `store`.
pub(crate) fn extern_to_py(py: Python<'_>, store: &StoreRef, item: Extern) -> PyResult<Py<PyAny>> {
    let store = store.clone();
    Ok(match item {
        Extern::Func(func) => Py::new(py, Func { store, func })?.into_any(),
        Extern::Memory(memory) => Py::new(py, Memory { store, memory })?.into_any(),
        Extern::Global(global) => Py::new(py, Global { store, global })?.into_any(),
        Extern::Table(table) => Py::new(py, Table { store, table })?.into_any(),
    })
}

/// The Rust external of a Python object (a `Func`, `Memory`, `Global` or
/// `Table`).
pub(crate) fn py_to_extern(item: &Bound<'_, PyAny>) -> PyResult<(StoreRef, Extern)> {
    if let Ok(f) = item.cast::<Func>() {
        let f = f.borrow();
        return Ok((f.store.clone(), Extern::Func(f.func)));
    }
    if let Ok(m) = item.cast::<Memory>() {
        let m = m.borrow();
        return Ok((m.store.clone(), Extern::Memory(m.memory)));
    }
    if let Ok(g) = item.cast::<Global>() {
        let g = g.borrow();
        return Ok((g.store.clone(), Extern::Global(g.global)));
    }
    if let Ok(t) = item.cast::<Table>() {
        let t = t.borrow();
        return Ok((t.store.clone(), Extern::Table(t.table)));
    }
    Err(pyo3::exceptions::PyTypeError::new_err("expected a Func, Memory, Global or Table"))
}

/// An instantiated module. Its exports are `instance["name"]`,
/// `instance.get_export("name")` (None if missing) and `instance.exports`
/// (a dict).
#[pyclass(module = "wisp", unsendable)]
#[derive(Debug)]
pub struct Instance {
    pub(crate) store: StoreRef,
    pub(crate) instance: wisp::Instance,
}

#[pymethods]
impl Instance {
    /// The export `name`, or None.
    fn get_export(&self, py: Python<'_>, name: &str) -> PyResult<Option<Py<PyAny>>> {
        match self.store.with(|ctx| self.instance.get_export(&ctx, name))? {
            Some(item) => Ok(Some(extern_to_py(py, &self.store, item)?)),
            None => Ok(None),
        }
    }

    /// Every export, by name.
    #[getter]
    fn exports<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let exports = self.store.with(|ctx| self.instance.exports(&ctx))?;
        let dict = PyDict::new(py);
        for (name, item) in exports {
            dict.set_item(name, extern_to_py(py, &self.store, item)?)?;
        }
        Ok(dict)
    }

    fn __getitem__(&self, py: Python<'_>, name: &str) -> PyResult<Py<PyAny>> {
        self.get_export(py, name)?.ok_or_else(|| PyKeyError::new_err(name.to_string()))
    }
}
