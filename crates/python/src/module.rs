//! `Module`.

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::engine::Engine;
use crate::errors::IntoPyResult;
use crate::types::extern_type;

/// A compiled module, ready to be instantiated in any store of its engine.
///
/// `Module(engine, wasm)` takes the binary format (bytes) or the text
/// format (str or bytes); an invalid module raises `WispError` (kind
/// "wasm" or "text").
#[pyclass(module = "wisp", frozen)]
#[derive(Debug)]
pub struct Module {
    pub(crate) module: wisp::Module,
}

/// Module source as bytes: `str` is text, anything else a bytes-like.
fn source(wasm: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    match wasm.extract::<String>() {
        Ok(text) => Ok(text.into_bytes()),
        Err(_) => wasm.extract::<Vec<u8>>(),
    }
}

#[pymethods]
impl Module {
    #[new]
    fn new(py: Python<'_>, engine: &Engine, wasm: &Bound<'_, PyAny>) -> PyResult<Self> {
        let bytes = source(wasm)?;
        let engine = engine.engine.clone();
        let module = py.detach(move || wisp::Module::new(&engine, bytes)).py()?;
        Ok(Self { module })
    }

    /// A module from a `.wasm` or `.wat` file.
    #[staticmethod]
    fn from_file(py: Python<'_>, engine: &Engine, path: PathBuf) -> PyResult<Self> {
        let engine = engine.engine.clone();
        let module = py.detach(move || wisp::Module::from_file(&engine, path)).py()?;
        Ok(Self { module })
    }

    /// Raises `WispError` unless `wasm` (binary) is a valid module for
    /// `engine`.
    #[staticmethod]
    fn validate(engine: &Engine, wasm: &[u8]) -> PyResult<()> {
        wisp::Module::validate(&engine.engine, wasm).py()
    }

    /// The module's name from its `name` section, if any.
    #[getter]
    fn name(&self) -> Option<&str> {
        self.module.name()
    }

    /// `(module, name, type)` of each import, in order.
    #[getter]
    fn imports(&self, py: Python<'_>) -> PyResult<Vec<(String, String, Py<PyAny>)>> {
        self.module
            .imports()
            .map(|i| Ok((i.module.to_string(), i.name.to_string(), extern_type(py, i.ty)?)))
            .collect()
    }

    /// `(name, type)` of each export, in order.
    #[getter]
    fn exports(&self, py: Python<'_>) -> PyResult<Vec<(String, Py<PyAny>)>> {
        self.module.exports().map(|e| Ok((e.name.to_string(), extern_type(py, e.ty)?))).collect()
    }

    /// The module as an artifact of compiled code (Cranelift tier only),
    /// for `Module.deserialize`.
    fn serialize<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        Ok(PyBytes::new(py, &self.module.serialize().py()?))
    }

    /// A module from an artifact written by `serialize`. Its machine code
    /// is trusted: load only artifacts you made (the Wisp version, target
    /// and settings are checked, the code is not).
    #[staticmethod]
    fn deserialize(engine: &Engine, artifact: &[u8]) -> PyResult<Self> {
        // SAFETY: loading machine code is trusting it; the Python API
        // documents that `deserialize` must only be given artifacts the
        // caller made with `serialize`.
        let module = unsafe { wisp::Module::deserialize(&engine.engine, artifact) }.py()?;
        Ok(Self { module })
    }
}
