//! Value, function, memory, table and global types. Value types are the
//! strings of the text format: "i32", "i64", "f32", "f64", "v128",
//! "funcref", "externref".

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use wisp::{ExternType, RefType, ValType};

/// A value type from its name.
pub(crate) fn val_type(name: &str) -> PyResult<ValType> {
    Ok(match name {
        "i32" => ValType::I32,
        "i64" => ValType::I64,
        "f32" => ValType::F32,
        "f64" => ValType::F64,
        "v128" => ValType::V128,
        "funcref" => ValType::Ref(RefType::FuncRef),
        "externref" => ValType::Ref(RefType::ExternRef),
        _ => return Err(PyValueError::new_err(format!("unknown value type {name:?}"))),
    })
}

/// The name of a value type.
pub(crate) fn val_type_name(ty: ValType) -> &'static str {
    match ty {
        ValType::I32 => "i32",
        ValType::I64 => "i64",
        ValType::F32 => "f32",
        ValType::F64 => "f64",
        ValType::V128 => "v128",
        ValType::Ref(RefType::FuncRef) => "funcref",
        ValType::Ref(RefType::ExternRef) => "externref",
    }
}

fn ref_type(name: &str) -> PyResult<RefType> {
    match val_type(name)? {
        ValType::Ref(r) => Ok(r),
        _ => Err(PyValueError::new_err(format!("{name:?} is not a reference type"))),
    }
}

/// A function's signature: parameter and result types.
#[pyclass(module = "wisp", frozen, eq)]
#[derive(Clone, Debug, PartialEq)]
pub struct FuncType {
    pub(crate) ty: wisp::FuncType,
}

#[pymethods]
impl FuncType {
    #[new]
    #[pyo3(signature = (params, results))]
    fn new(params: Vec<String>, results: Vec<String>) -> PyResult<Self> {
        let params = params.iter().map(|p| val_type(p)).collect::<PyResult<Vec<_>>>()?;
        let results = results.iter().map(|r| val_type(r)).collect::<PyResult<Vec<_>>>()?;
        Ok(Self { ty: wisp::FuncType::new(params, results) })
    }

    /// The parameter types.
    #[getter]
    fn params(&self) -> Vec<&'static str> {
        self.ty.params().iter().map(|t| val_type_name(*t)).collect()
    }

    /// The result types.
    #[getter]
    fn results(&self) -> Vec<&'static str> {
        self.ty.results().iter().map(|t| val_type_name(*t)).collect()
    }

    pub(crate) fn __repr__(&self) -> String {
        format!("FuncType({:?}, {:?})", self.params(), self.results())
    }
}

/// A linear memory's type: sizes in pages of 64 KiB.
#[pyclass(module = "wisp", frozen, eq)]
#[derive(Clone, Debug, PartialEq)]
pub struct MemoryType {
    pub(crate) ty: wisp::MemoryType,
}

#[pymethods]
impl MemoryType {
    /// The initial size, in pages.
    #[getter]
    fn minimum(&self) -> u64 {
        self.ty.minimum
    }

    /// The largest size, in pages, if bounded.
    #[getter]
    fn maximum(&self) -> Option<u64> {
        self.ty.maximum
    }

    /// Whether it is a 64-bit memory.
    #[getter]
    fn memory64(&self) -> bool {
        self.ty.memory64
    }

    fn __repr__(&self) -> String {
        format!("MemoryType(minimum={}, maximum={:?})", self.ty.minimum, self.ty.maximum)
    }
}

/// A table's type: element type and sizes.
#[pyclass(module = "wisp", frozen, eq)]
#[derive(Clone, Debug, PartialEq)]
pub struct TableType {
    pub(crate) ty: wisp::TableType,
}

#[pymethods]
impl TableType {
    #[new]
    #[pyo3(signature = (element, minimum, maximum = None))]
    fn new(element: &str, minimum: u64, maximum: Option<u64>) -> PyResult<Self> {
        let element = ref_type(element)?;
        Ok(Self { ty: wisp::TableType { element, minimum, maximum, table64: false } })
    }

    /// The element type, "funcref" or "externref".
    #[getter]
    fn element(&self) -> &'static str {
        val_type_name(ValType::Ref(self.ty.element))
    }

    /// The initial number of elements.
    #[getter]
    fn minimum(&self) -> u64 {
        self.ty.minimum
    }

    /// The largest number of elements, if bounded.
    #[getter]
    fn maximum(&self) -> Option<u64> {
        self.ty.maximum
    }

    fn __repr__(&self) -> String {
        format!(
            "TableType({:?}, minimum={}, maximum={:?})",
            self.element(),
            self.ty.minimum,
            self.ty.maximum
        )
    }
}

/// A global's type: its value type and whether it may change.
#[pyclass(module = "wisp", frozen, eq)]
#[derive(Clone, Debug, PartialEq)]
pub struct GlobalType {
    pub(crate) ty: wisp::GlobalType,
}

#[pymethods]
impl GlobalType {
    #[new]
    #[pyo3(signature = (content, mutable = false))]
    fn new(content: &str, mutable: bool) -> PyResult<Self> {
        Ok(Self { ty: wisp::GlobalType { content: val_type(content)?, mutable } })
    }

    /// The value type.
    #[getter]
    fn content(&self) -> &'static str {
        val_type_name(self.ty.content)
    }

    /// Whether `global.set` may change it.
    #[getter]
    fn mutable(&self) -> bool {
        self.ty.mutable
    }

    fn __repr__(&self) -> String {
        format!("GlobalType({:?}, mutable={})", self.content(), self.ty.mutable)
    }
}

/// The Python object for an import's or export's type.
pub(crate) fn extern_type(py: Python<'_>, ty: ExternType) -> PyResult<Py<PyAny>> {
    Ok(match ty {
        ExternType::Func(ty) | ExternType::Tag(ty) => Py::new(py, FuncType { ty })?.into_any(),
        ExternType::Memory(ty) => Py::new(py, MemoryType { ty })?.into_any(),
        ExternType::Table(ty) => Py::new(py, TableType { ty })?.into_any(),
        ExternType::Global(ty) => Py::new(py, GlobalType { ty })?.into_any(),
    })
}
