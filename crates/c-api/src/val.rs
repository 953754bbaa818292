//! `wasm_val_t`: a value of any type, owning its reference if it has one.

use std::mem::MaybeUninit;

use runtime::{RefType, Val, ValType};

use crate::refs::wasm_ref_t;
use crate::store::{StoreData, StoreRef};
use crate::vec::{Blank, declare_vec};

pub(crate) const WASM_I32: u8 = 0;
pub(crate) const WASM_I64: u8 = 1;
pub(crate) const WASM_F32: u8 = 2;
pub(crate) const WASM_F64: u8 = 3;
/// `WISP_V128` in wisp.h: a type `wasm_val_t` cannot hold.
pub(crate) const WISP_V128: u8 = 4;
pub(crate) const WASM_EXTERNREF: u8 = 128;
pub(crate) const WASM_FUNCREF: u8 = 129;

/// The payload of a `wasm_val_t`, chosen by its kind.
#[repr(C)]
#[derive(Clone, Copy)]
pub union wasm_val_union {
    i32: i32,
    i64: i64,
    f32: f32,
    f64: f64,
    ref_: *mut wasm_ref_t,
}

/// A payload by kind (references are read with `as_ref`).
enum Payload {
    I32(i32),
    I64(i64),
    F32(f32),
    F64(f64),
    Ref,
    Other,
}

/// A value: its kind and its payload. A reference payload is owned.
#[repr(C)]
pub struct wasm_val_t {
    pub(crate) kind: u8,
    of: wasm_val_union,
}

impl std::fmt::Debug for wasm_val_t {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "wasm_val_t({})", self.kind)
    }
}

impl wasm_val_t {
    pub(crate) fn i32(v: i32) -> Self {
        Self { kind: WASM_I32, of: wasm_val_union { i32: v } }
    }

    /// The reference payload, if the kind says there is one.
    fn ref_ptr(&self) -> *mut wasm_ref_t {
        if self.kind == WASM_EXTERNREF || self.kind == WASM_FUNCREF {
            // SAFETY: the kind says the payload is a reference pointer.
            unsafe { self.of.ref_ }
        } else {
            std::ptr::null_mut()
        }
    }

    /// The reference this value holds, borrowed.
    pub(crate) fn as_ref(&self) -> Option<&wasm_ref_t> {
        // SAFETY: a non-null reference payload points to a live
        // `wasm_ref_t` the value owns (the API's contract for values).
        unsafe { self.ref_ptr().as_ref() }
    }

    fn reference(kind: u8, r: Option<Box<wasm_ref_t>>) -> Self {
        let ref_ = r.map_or(std::ptr::null_mut(), Box::into_raw);
        Self { kind, of: wasm_val_union { ref_ } }
    }

    /// A C value from a runtime value of store `store`.
    pub(crate) fn from_val(ctx: &impl runtime::AsContext, store: &StoreRef, val: Val) -> Self {
        match val {
            Val::I32(i32) => Self { kind: WASM_I32, of: wasm_val_union { i32 } },
            Val::I64(i64) => Self { kind: WASM_I64, of: wasm_val_union { i64 } },
            Val::F32(bits) => {
                Self { kind: WASM_F32, of: wasm_val_union { f32: f32::from_bits(bits) } }
            }
            Val::F64(bits) => {
                Self { kind: WASM_F64, of: wasm_val_union { f64: f64::from_bits(bits) } }
            }
            // Not representable: the kind tells the caller so.
            Val::V128(_) => Self { kind: WISP_V128, of: wasm_val_union { i64: 0 } },
            Val::FuncRef(_) => Self::reference(WASM_FUNCREF, wasm_ref_t::from_val(ctx, store, val)),
            Val::ExternRef(_) => {
                Self::reference(WASM_EXTERNREF, wasm_ref_t::from_val(ctx, store, val))
            }
        }
    }

    /// The runtime value of this C value, which must have type `want`.
    pub(crate) fn to_val(
        &self,
        ctx: &mut runtime::StoreContextMut<'_, StoreData>,
        store: &crate::store::StoreCell,
        want: ValType,
    ) -> Result<Val, String> {
        let have = kind_name(self.kind);
        let mismatch = || format!("expected a value of type {want}, got {have}");
        Ok(match (want, self.payload()) {
            (ValType::I32, Payload::I32(v)) => Val::I32(v),
            (ValType::I64, Payload::I64(v)) => Val::I64(v),
            (ValType::F32, Payload::F32(v)) => Val::F32(v.to_bits()),
            (ValType::F64, Payload::F64(v)) => Val::F64(v.to_bits()),
            (ValType::Ref(rt), Payload::Ref) => match self.as_ref() {
                None => match rt {
                    RefType::FuncRef => Val::FuncRef(None),
                    RefType::ExternRef => Val::ExternRef(None),
                },
                Some(r) if r.cell().is_some() && !r.is_in(store) => {
                    return Err("reference to an object of another store".into());
                }
                Some(r) => r.to_val(ctx, rt)?,
            },
            _ => return Err(mismatch()),
        })
    }

    /// The payload, read as the field the kind names.
    fn payload(&self) -> Payload {
        // SAFETY: each arm reads the union field its kind stands for,
        // which is the one written (by this library or by C code
        // following the API's contract for values).
        unsafe {
            match self.kind {
                WASM_I32 => Payload::I32(self.of.i32),
                WASM_I64 => Payload::I64(self.of.i64),
                WASM_F32 => Payload::F32(self.of.f32),
                WASM_F64 => Payload::F64(self.of.f64),
                WASM_EXTERNREF | WASM_FUNCREF => Payload::Ref,
                _ => Payload::Other,
            }
        }
    }

    pub(crate) fn blank_of(ty: ValType) -> Self {
        match ty {
            ValType::I64 => Self { kind: WASM_I64, of: wasm_val_union { i64: 0 } },
            ValType::F32 => Self { kind: WASM_F32, of: wasm_val_union { f32: 0.0 } },
            ValType::F64 => Self { kind: WASM_F64, of: wasm_val_union { f64: 0.0 } },
            ValType::V128 => Self { kind: WISP_V128, of: wasm_val_union { i64: 0 } },
            ValType::Ref(RefType::FuncRef) => Self::reference(WASM_FUNCREF, None),
            ValType::Ref(RefType::ExternRef) => Self::reference(WASM_EXTERNREF, None),
            ValType::I32 => Self::i32(0),
        }
    }

    /// Overwrites an out-slot without dropping what it held (C may hand
    /// over uninitialized slots).
    pub(crate) fn write_to(self, slot: &mut wasm_val_t) {
        // SAFETY: `slot` is a valid place; its old contents are forgotten,
        // not read.
        unsafe { std::ptr::write(slot, self) }
    }
}

fn kind_name(kind: u8) -> &'static str {
    match kind {
        WASM_I32 => "i32",
        WASM_I64 => "i64",
        WASM_F32 => "f32",
        WASM_F64 => "f64",
        WISP_V128 => "v128",
        WASM_EXTERNREF => "externref",
        WASM_FUNCREF => "funcref",
        _ => "an unknown kind",
    }
}

impl Clone for wasm_val_t {
    fn clone(&self) -> Self {
        match self.as_ref() {
            Some(r) => Self::reference(self.kind, Some(Box::new(r.clone()))),
            None => Self { kind: self.kind, of: self.of },
        }
    }
}

impl Drop for wasm_val_t {
    fn drop(&mut self) {
        let r = self.ref_ptr();
        if !r.is_null() {
            // SAFETY: a value owns its reference, allocated by this library
            // as a box; the slot is cleared so it is freed once.
            drop(unsafe { Box::from_raw(r) });
            self.of.ref_ = std::ptr::null_mut();
        }
    }
}

impl Blank for wasm_val_t {
    fn blank() -> Self {
        Self::i32(0)
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_val_delete(v: Option<&mut wasm_val_t>) {
    if let Some(v) = v {
        drop(std::mem::replace(v, wasm_val_t::i32(0)));
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_val_copy(
    out: Option<&mut MaybeUninit<wasm_val_t>>,
    src: Option<&wasm_val_t>,
) {
    if let (Some(out), Some(src)) = (out, src) {
        out.write(src.clone());
    }
}

declare_vec!(
    wasm_val_vec_t,
    wasm_val_t,
    wasm_val_vec_new_empty,
    wasm_val_vec_new_uninitialized,
    wasm_val_vec_new,
    wasm_val_vec_copy,
    wasm_val_vec_delete
);
