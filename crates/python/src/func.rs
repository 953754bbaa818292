//! `Func`, `Caller`, host functions written in Python, and the conversion
//! of values between Python and Wasm.

use pyo3::exceptions::{PyOverflowError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use wisp::{ExternRef, RefType, StoreContextMut, Val, ValType};

use crate::instance::extern_to_py;
use crate::store::{AssertSend, Store, StoreData, StoreRef};
use crate::types::{FuncType, val_type_name};

/// A Python value as a Wasm value of type `ty`. Integers may be given
/// signed or unsigned (`0xffffffff` is the i32 -1).
pub(crate) fn py_to_val(
    value: &Bound<'_, PyAny>,
    ty: ValType,
    ctx: &mut StoreContextMut<'_, StoreData>,
) -> PyResult<Val> {
    let range =
        || PyOverflowError::new_err(format!("{value} does not fit in {}", val_type_name(ty)));
    Ok(match ty {
        ValType::I32 => {
            let v: i64 = value.extract()?;
            if !(i64::from(i32::MIN)..=i64::from(u32::MAX)).contains(&v) {
                return Err(range());
            }
            Val::I32(v as i32)
        }
        ValType::I64 => {
            let v: i128 = value.extract()?;
            if !(i128::from(i64::MIN)..=i128::from(u64::MAX)).contains(&v) {
                return Err(range());
            }
            Val::I64(v as i64)
        }
        ValType::F32 => Val::F32((value.extract::<f64>()? as f32).to_bits()),
        ValType::F64 => Val::F64(value.extract::<f64>()?.to_bits()),
        ValType::V128 => Val::V128(value.extract::<u128>()?),
        ValType::Ref(RefType::FuncRef) => {
            if value.is_none() {
                Val::FuncRef(None)
            } else {
                let func = value.cast::<Func>()?;
                Val::FuncRef(Some(func.borrow().func))
            }
        }
        ValType::Ref(RefType::ExternRef) => {
            if value.is_none() {
                Val::ExternRef(None)
            } else {
                Val::ExternRef(Some(ExternRef::new(ctx, value.clone().unbind())))
            }
        }
    })
}

/// A Wasm value as a Python value.
pub(crate) fn val_to_py(
    py: Python<'_>,
    store: &StoreRef,
    ctx: &StoreContextMut<'_, StoreData>,
    value: Val,
) -> PyResult<Py<PyAny>> {
    Ok(match value {
        Val::I32(v) => v.into_pyobject(py)?.into_any().unbind(),
        Val::I64(v) => v.into_pyobject(py)?.into_any().unbind(),
        Val::F32(bits) => f64::from(f32::from_bits(bits)).into_pyobject(py)?.into_any().unbind(),
        Val::F64(bits) => f64::from_bits(bits).into_pyobject(py)?.into_any().unbind(),
        Val::V128(v) => v.into_pyobject(py)?.into_any().unbind(),
        Val::FuncRef(None) | Val::ExternRef(None) => py.None(),
        Val::FuncRef(Some(func)) => Py::new(py, Func { store: store.clone(), func })?.into_any(),
        Val::ExternRef(Some(r)) => match r.data(ctx).downcast_ref::<Py<PyAny>>() {
            Some(object) => object.clone_ref(py),
            None => py.None(),
        },
    })
}

/// Results as Python returns them: None, one value, or a tuple.
fn results_to_py(
    py: Python<'_>,
    store: &StoreRef,
    ctx: &StoreContextMut<'_, StoreData>,
    values: &[Val],
) -> PyResult<Py<PyAny>> {
    match values {
        [] => Ok(py.None()),
        [one] => val_to_py(py, store, ctx, *one),
        many => {
            let items =
                many.iter().map(|v| val_to_py(py, store, ctx, *v)).collect::<PyResult<Vec<_>>>()?;
            Ok(PyTuple::new(py, items)?.into_any().unbind())
        }
    }
}

/// A function: exported by an instance, or defined in Python. Calling it
/// converts the arguments by its signature (ints for integers, floats for
/// floats, `Func` or None for funcref, any object or None for externref)
/// and returns None, one value, or a tuple of the results.
#[pyclass(module = "wisp", unsendable)]
#[derive(Debug)]
pub struct Func {
    pub(crate) store: StoreRef,
    pub(crate) func: wisp::Func,
}

#[pymethods]
impl Func {
    /// A host function of type `ty` in `store` that calls `callable` with
    /// the arguments (preceded by a `Caller` if `access_caller`).
    #[new]
    #[pyo3(signature = (store, ty, callable, access_caller = false))]
    fn new(
        store: &Store,
        ty: &FuncType,
        callable: Py<PyAny>,
        access_caller: bool,
    ) -> PyResult<Self> {
        let host = host_fn(ty.ty.clone(), callable, access_caller);
        let func = store.cell.with(|ctx| wisp::Func::new(ctx, ty.ty.clone(), host))?;
        Ok(Self { store: store.cell.clone(), func })
    }

    /// The function's signature.
    #[getter]
    fn r#type(&self) -> PyResult<FuncType> {
        self.store.with(|ctx| FuncType { ty: self.func.ty(&ctx) })
    }

    #[pyo3(signature = (*args))]
    fn __call__(&self, py: Python<'_>, args: &Bound<'_, PyTuple>) -> PyResult<Py<PyAny>> {
        let func = self.func;
        let params = self.store.with(|mut ctx| {
            let ty = func.ty(&ctx);
            if args.len() != ty.params().len() {
                return Err(PyTypeError::new_err(format!(
                    "the function takes {} argument(s), {} given",
                    ty.params().len(),
                    args.len()
                )));
            }
            let params = args
                .iter()
                .zip(ty.params())
                .map(|(arg, ty)| py_to_val(&arg, *ty, &mut ctx))
                .collect::<PyResult<Vec<Val>>>()?;
            Ok((params, ty.results().len()))
        })??;
        let (params, results) = params;
        let mut results = vec![Val::I32(0); results];
        let cell = &*self.store;
        let lent = AssertSend((cell, &params[..], &mut results[..]));
        let outcome = py.detach(move || {
            let lent = lent;
            let (cell, params, results) = lent.0;
            AssertSend(cell.with(|mut ctx| func.call(&mut ctx, params, results)))
        });
        if let Err(error) = outcome.0? {
            return Err(self.store.take_error(error));
        }
        self.store.with(|ctx| results_to_py(py, &self.store, &ctx, &results))?
    }

    fn __repr__(&self) -> PyResult<String> {
        Ok(format!("<wisp.Func {}>", self.r#type()?.__repr__()))
    }
}

/// What a host function defined with `access_caller=True` receives first:
/// the instance that called it, whose exports (its memory above all) it
/// may use while it runs.
#[pyclass(module = "wisp", unsendable)]
#[derive(Debug)]
pub struct Caller {
    store: StoreRef,
}

#[pymethods]
impl Caller {
    /// The calling instance's export `name`, or None.
    fn get_export(&self, py: Python<'_>, name: &str) -> PyResult<Option<Py<PyAny>>> {
        match self.store.caller_export(name)? {
            Some(export) => Ok(Some(extern_to_py(py, &self.store, export)?)),
            None => Ok(None),
        }
    }

    fn __getitem__(&self, py: Python<'_>, name: &str) -> PyResult<Py<PyAny>> {
        self.get_export(py, name)?
            .ok_or_else(|| pyo3::exceptions::PyKeyError::new_err(name.to_string()))
    }
}

/// The Rust host function that calls a Python callable.
pub(crate) fn host_fn(
    ty: wisp::FuncType,
    callable: Py<PyAny>,
    access_caller: bool,
) -> impl Fn(wisp::Caller<'_, StoreData>, &[Val], &mut [Val]) -> wisp::Result<()> + Send + Sync + 'static
{
    move |mut caller, params, results| {
        let Some(cell) = caller.data().cell.upgrade() else {
            return Err(wisp::Error::host("the store is gone"));
        };
        Python::attach(|py| {
            cell.enter_host(&mut caller, || {
                call_python(py, &cell, &ty, &callable, access_caller, params, results).map_err(
                    |err| {
                        let message = err.to_string();
                        // The call into Wasm re-raises it when it returns.
                        let _ = cell.with(|mut ctx| ctx.data_mut().pending = Some(err));
                        wisp::Error::host(message)
                    },
                )
            })
        })
    }
}

fn call_python(
    py: Python<'_>,
    cell: &StoreRef,
    ty: &wisp::FuncType,
    callable: &Py<PyAny>,
    access_caller: bool,
    params: &[Val],
    results: &mut [Val],
) -> PyResult<()> {
    let mut args = Vec::with_capacity(params.len() + 1);
    if access_caller {
        args.push(Py::new(py, Caller { store: cell.clone() })?.into_any());
    }
    cell.with(|ctx| {
        for p in params {
            args.push(val_to_py(py, cell, &ctx, *p)?);
        }
        Ok::<_, PyErr>(())
    })??;
    let returned = callable.bind(py).call1(PyTuple::new(py, args)?)?;
    let types = ty.results();
    cell.with(|mut ctx| {
        match types.len() {
            0 => {}
            1 => results[0] = py_to_val(&returned, types[0], &mut ctx)?,
            n => {
                let values: Vec<Bound<'_, PyAny>> = returned.extract().map_err(|_| {
                    PyTypeError::new_err(format!(
                        "a host function of {n} results must return a sequence"
                    ))
                })?;
                if values.len() != n {
                    return Err(PyTypeError::new_err(format!(
                        "the host function returned {} value(s), its type has {n}",
                        values.len()
                    )));
                }
                for (slot, (value, ty)) in results.iter_mut().zip(values.iter().zip(types)) {
                    *slot = py_to_val(value, *ty, &mut ctx)?;
                }
            }
        }
        Ok(())
    })?
}
