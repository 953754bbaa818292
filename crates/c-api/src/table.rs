//! `wasm_table_t`.

use runtime::{Table, Val};

use crate::error::{fail, refuse};
use crate::refs::{Obj, is_table, ref_base, ref_conversions, wasm_ref_t};
use crate::store::ObjKey;
use crate::store::{StoreCell, StoreData, wasm_store_t};
use crate::types::{wasm_externtype_t, wasm_tabletype_t};
use runtime::StoreContextMut;

/// `wasm_table_t`: a reference to a table.
pub type wasm_table_t = wasm_ref_t;

ref_base!(
    wasm_table_t,
    is_table,
    wasm_table_delete,
    wasm_table_copy,
    wasm_table_same,
    wasm_table_get_host_info,
    wasm_table_set_host_info,
    wasm_table_set_host_info_with_finalizer
);
ref_conversions!(
    wasm_table_t,
    is_table,
    wasm_table_as_ref,
    wasm_table_as_ref_const,
    wasm_ref_as_table,
    wasm_ref_as_table_const
);

impl wasm_ref_t {
    fn table(&self) -> Option<(Table, &StoreCell)> {
        match (&self.obj, self.cell()) {
            (Obj::Store(ObjKey::Table(t)), Some(store)) => Some((*t, store)),
            _ => None,
        }
    }
}

/// The value of a table element: `r`, or null.
fn element(
    ctx: &mut runtime::StoreContextMut<'_, StoreData>,
    store: &StoreCell,
    ty: runtime::RefType,
    r: Option<&wasm_ref_t>,
) -> Result<Val, String> {
    match r {
        None => Ok(Val::default_for(runtime::ValType::Ref(ty))),
        Some(r) if r.cell().is_some() && !r.is_in(store) => {
            Err("reference to an object of another store".into())
        }
        Some(r) => r.to_val(ctx, ty),
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_table_new(
    store: Option<&wasm_store_t>,
    ty: Option<&wasm_tabletype_t>,
    init: Option<&wasm_ref_t>,
) -> Option<Box<wasm_table_t>> {
    let Some(store) = store else { return fail("no store given") };
    let Some(ty) = ty.and_then(wasm_externtype_t::table_type) else {
        return fail("no table type given");
    };
    let cell = &store.cell;
    let made = cell.with(|mut ctx| {
        let v = element(&mut ctx, cell, ty.element, init)?;
        Table::new(&mut ctx, ty, v).map_err(|e| e.to_string())
    })?;
    match made {
        Ok(t) => Some(wasm_ref_t::in_store(cell, ObjKey::Table(t))),
        Err(e) => fail(e),
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_table_type(t: Option<&wasm_table_t>) -> Option<Box<wasm_tabletype_t>> {
    let (t, store) = t?.table()?;
    let ty = store.with(|ctx| t.ty(ctx))?;
    wasm_externtype_t::boxed(&runtime::ExternType::Table(ty))
}

/// The element at `index` (NULL if it is null or out of bounds).
#[unsafe(no_mangle)]
pub extern "C" fn wasm_table_get(t: Option<&wasm_table_t>, index: u32) -> Option<Box<wasm_ref_t>> {
    let r = t?;
    let (t, store) = r.table()?;
    let rc = r.store.as_ref()?;
    store.with(|ctx| {
        let v = t.get(&ctx, u64::from(index))?;
        wasm_ref_t::from_val(&ctx, rc, v)
    })?
}

/// Stores `r` into table `t` with `write` (a set or a grow): true if done,
/// else false with the last error saying why.
fn write_element(
    t: Option<&wasm_table_t>,
    r: Option<&wasm_ref_t>,
    write: impl FnOnce(&mut StoreContextMut<'_, StoreData>, Table, Val) -> runtime::Result<()>,
) -> bool {
    let Some((t, store)) = t.and_then(wasm_ref_t::table) else { return refuse("not a table") };
    let done = store.with(|mut ctx| {
        let ty = t.ty(&ctx);
        let v = element(&mut ctx, store, ty.element, r)?;
        write(&mut ctx, t, v).map_err(|e| e.to_string())
    });
    match done {
        Some(Ok(())) => true,
        Some(Err(e)) => refuse(e),
        None => false,
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_table_set(
    t: Option<&mut wasm_table_t>,
    index: u32,
    r: Option<&wasm_ref_t>,
) -> bool {
    write_element(t.as_deref(), r, |ctx, t, v| t.set(ctx, u64::from(index), v))
}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_table_size(t: Option<&wasm_table_t>) -> u32 {
    let Some((t, store)) = t.and_then(wasm_ref_t::table) else { return 0 };
    store.with(|ctx| t.size(ctx)).map_or(0, |n| u32::try_from(n).unwrap_or(u32::MAX))
}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_table_grow(
    t: Option<&mut wasm_table_t>,
    delta: u32,
    init: Option<&wasm_ref_t>,
) -> bool {
    write_element(t.as_deref(), init, |ctx, t, v| t.grow(ctx, u64::from(delta), v).map(drop))
}
