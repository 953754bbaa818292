//! Values crossing the host/guest boundary.

use std::any::Any;
use std::fmt;

use wisp_environ::{RefType, ValType};

use crate::store::StoreInner;
use crate::stored::{ExternRefKind, Stored};
use crate::{AsContext, AsContextMut, Func};

/// A WebAssembly value.
///
/// Floats are kept as raw bits so NaN payloads survive the round trip.
#[derive(Clone, Copy, PartialEq)]
pub enum Val {
    /// `i32`.
    I32(i32),
    /// `i64`.
    I64(i64),
    /// `f32`, as its bits.
    F32(u32),
    /// `f64`, as its bits.
    F64(u64),
    /// `v128`.
    V128(u128),
    /// `funcref`; `None` is null.
    FuncRef(Option<Func>),
    /// `externref`; `None` is null.
    ExternRef(Option<ExternRef>),
}

impl Val {
    /// The value's type.
    pub fn ty(&self) -> ValType {
        match self {
            Val::I32(_) => ValType::I32,
            Val::I64(_) => ValType::I64,
            Val::F32(_) => ValType::F32,
            Val::F64(_) => ValType::F64,
            Val::V128(_) => ValType::V128,
            Val::FuncRef(_) => ValType::FUNCREF,
            Val::ExternRef(_) => ValType::EXTERNREF,
        }
    }

    /// The zero value (or null) of a type.
    pub fn default_for(ty: ValType) -> Val {
        match ty {
            ValType::I32 => Val::I32(0),
            ValType::I64 => Val::I64(0),
            ValType::F32 => Val::F32(0),
            ValType::F64 => Val::F64(0),
            ValType::V128 => Val::V128(0),
            ValType::Ref(RefType::FuncRef) => Val::FuncRef(None),
            ValType::Ref(RefType::ExternRef) => Val::ExternRef(None),
        }
    }

    /// The `i32`, if this is one.
    pub fn i32(&self) -> Option<i32> {
        if let Val::I32(v) = self { Some(*v) } else { None }
    }

    /// The `i64`, if this is one.
    pub fn i64(&self) -> Option<i64> {
        if let Val::I64(v) = self { Some(*v) } else { None }
    }

    /// The `f32`, if this is one.
    pub fn f32(&self) -> Option<f32> {
        if let Val::F32(v) = self { Some(f32::from_bits(*v)) } else { None }
    }

    /// The `f64`, if this is one.
    pub fn f64(&self) -> Option<f64> {
        if let Val::F64(v) = self { Some(f64::from_bits(*v)) } else { None }
    }

    /// Writes the value into frame cells (two for v128).
    pub(crate) fn to_cells(self, store: &StoreInner, out: &mut [u64]) -> crate::Result<()> {
        match self {
            Val::I32(v) => out[0] = v as u32 as u64,
            Val::I64(v) => out[0] = v as u64,
            Val::F32(v) => out[0] = u64::from(v),
            Val::F64(v) => out[0] = v,
            Val::V128(v) => {
                out[0] = v as u64;
                out[1] = (v >> 64) as u64;
            }
            Val::FuncRef(f) => {
                out[0] = match f {
                    Some(f) => u64::from(f.0.index_in(store)?) + 1,
                    None => 0,
                }
            }
            Val::ExternRef(e) => {
                out[0] = match e {
                    Some(e) => u64::from(e.0.index_in(store)?) + 1,
                    None => 0,
                }
            }
        }
        Ok(())
    }

    /// Reads a value of type `ty` from frame cells.
    pub(crate) fn from_cells(ty: ValType, store_id: u64, cells: &[u64]) -> Val {
        match ty {
            ValType::I32 => Val::I32(cells[0] as u32 as i32),
            ValType::I64 => Val::I64(cells[0] as i64),
            ValType::F32 => Val::F32(cells[0] as u32),
            ValType::F64 => Val::F64(cells[0]),
            ValType::V128 => Val::V128(u128::from(cells[0]) | (u128::from(cells[1]) << 64)),
            ValType::Ref(RefType::FuncRef) => {
                Val::FuncRef(cells[0].checked_sub(1).map(|i| Func::from_raw(store_id, i as u32)))
            }
            ValType::Ref(RefType::ExternRef) => Val::ExternRef(
                cells[0].checked_sub(1).map(|i| ExternRef(Stored::new(store_id, i as u32))),
            ),
        }
    }
}

impl fmt::Debug for Val {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Val::I32(v) => write!(f, "{v}"),
            Val::I64(v) => write!(f, "{v}"),
            Val::F32(v) => write!(f, "{}", f32::from_bits(*v)),
            Val::F64(v) => write!(f, "{}", f64::from_bits(*v)),
            Val::V128(v) => write!(f, "{v:#034x}"),
            Val::FuncRef(None) | Val::ExternRef(None) => write!(f, "null"),
            Val::FuncRef(Some(func)) => write!(f, "{func:?}"),
            Val::ExternRef(Some(e)) => write!(f, "{e:?}"),
        }
    }
}

impl fmt::Display for Val {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

impl From<i32> for Val {
    fn from(v: i32) -> Self {
        Val::I32(v)
    }
}

impl From<i64> for Val {
    fn from(v: i64) -> Self {
        Val::I64(v)
    }
}

impl From<f32> for Val {
    fn from(v: f32) -> Self {
        Val::F32(v.to_bits())
    }
}

impl From<f64> for Val {
    fn from(v: f64) -> Self {
        Val::F64(v.to_bits())
    }
}

/// A reference to a host value, owned by a store, that Wasm code can hold
/// and pass around but not look into.
///
/// Valid only with the store that created it; see the crate docs for what
/// happens otherwise.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExternRef(pub(crate) Stored<ExternRefKind>);

impl ExternRef {
    /// Moves `value` into the store and returns a reference to it.
    pub fn new(mut store: impl AsContextMut, value: impl Any + Send + Sync) -> ExternRef {
        let mut ctx = store.as_context_mut();
        let inner = ctx.inner_mut();
        let index = inner.push_externref(Box::new(value));
        ExternRef(Stored::new(inner.id(), index))
    }

    /// The host value.
    ///
    /// # Panics
    /// If `store` did not create the reference.
    pub fn data<'a>(&self, store: &'a impl AsContext) -> &'a (dyn Any + Send + Sync) {
        let inner = store.as_context().inner_ref();
        inner.externref(self.0.expect_in(inner))
    }
}
