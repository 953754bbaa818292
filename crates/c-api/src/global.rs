//! `wasm_global_t`.

use std::mem::MaybeUninit;

use runtime::Global;

use crate::error::fail;
use crate::refs::{Obj, is_global, ref_base, ref_conversions, wasm_ref_t};
use crate::store::ObjKey;
use crate::store::{StoreCell, wasm_store_t};
use crate::types::{wasm_externtype_t, wasm_globaltype_t};
use crate::val::wasm_val_t;

/// `wasm_global_t`: a reference to a global.
pub type wasm_global_t = wasm_ref_t;

ref_base!(
    wasm_global_t,
    is_global,
    wasm_global_delete,
    wasm_global_copy,
    wasm_global_same,
    wasm_global_get_host_info,
    wasm_global_set_host_info,
    wasm_global_set_host_info_with_finalizer
);
ref_conversions!(
    wasm_global_t,
    is_global,
    wasm_global_as_ref,
    wasm_global_as_ref_const,
    wasm_ref_as_global,
    wasm_ref_as_global_const
);

impl wasm_ref_t {
    fn global(&self) -> Option<(Global, &StoreCell)> {
        match (&self.obj, self.cell()) {
            (Obj::Store(ObjKey::Global(g)), Some(store)) => Some((*g, store)),
            _ => None,
        }
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_global_new(
    store: Option<&wasm_store_t>,
    ty: Option<&wasm_globaltype_t>,
    val: Option<&wasm_val_t>,
) -> Option<Box<wasm_global_t>> {
    let Some(store) = store else { return fail("no store given") };
    let Some(ty) = ty.and_then(wasm_externtype_t::global_type) else {
        return fail("no global type given");
    };
    let Some(val) = val else { return fail("no value given") };
    let cell = &store.cell;
    let made = cell.with(|mut ctx| {
        let v = val.to_val(&mut ctx, cell, ty.content)?;
        Global::new(&mut ctx, ty, v).map_err(|e| e.to_string())
    });
    match made {
        Some(Ok(g)) => Some(wasm_ref_t::in_store(cell, ObjKey::Global(g))),
        Some(Err(e)) => fail(e),
        None => None,
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_global_type(g: Option<&wasm_global_t>) -> Option<Box<wasm_globaltype_t>> {
    let (g, store) = g?.global()?;
    let ty = store.with(|ctx| g.ty(ctx))?;
    wasm_externtype_t::boxed(&runtime::ExternType::Global(ty))
}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_global_get(
    g: Option<&wasm_global_t>,
    out: Option<&mut MaybeUninit<wasm_val_t>>,
) {
    let Some(out) = out else { return };
    let value = g.and_then(|r| {
        let (g, store) = r.global()?;
        let rc = r.store.as_ref()?;
        store.with(|ctx| {
            let v = g.get(&ctx);
            wasm_val_t::from_val(&ctx, rc, v)
        })
    });
    out.write(value.unwrap_or_else(|| wasm_val_t::i32(0)));
}

/// Sets a mutable global; on a type mismatch or an immutable global it does
/// nothing but set the last error.
#[unsafe(no_mangle)]
pub extern "C" fn wasm_global_set(g: Option<&mut wasm_global_t>, val: Option<&wasm_val_t>) {
    let (Some((g, store)), Some(val)) = (g.as_deref().and_then(wasm_ref_t::global), val) else {
        crate::error::set_last_error("no global or value given");
        return;
    };
    let done = store.with(|mut ctx| {
        let ty = g.ty(&ctx);
        let v = val.to_val(&mut ctx, store, ty.content)?;
        g.set(&mut ctx, v).map_err(|e| e.to_string())
    });
    if let Some(Err(e)) = done {
        crate::error::set_last_error(e);
    }
}

/// `wisp_global_set`: like `wasm_global_set`, returning whether it worked.
#[unsafe(no_mangle)]
pub extern "C" fn wisp_global_set(g: Option<&mut wasm_global_t>, val: Option<&wasm_val_t>) -> bool {
    crate::error::wisp_last_error_clear();
    wasm_global_set(g, val);
    crate::error::wisp_last_error_message().is_null()
}
