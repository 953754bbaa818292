//! `wasm_memory_t`.

use runtime::Memory;

use crate::error::{fail, refuse};
use crate::refs::{Obj, is_memory, ref_base, ref_conversions, wasm_ref_t};
use crate::store::ObjKey;
use crate::store::{StoreCell, wasm_store_t};
use crate::types::{wasm_externtype_t, wasm_memorytype_t};

/// `wasm_memory_t`: a reference to a linear memory.
pub type wasm_memory_t = wasm_ref_t;

ref_base!(
    wasm_memory_t,
    is_memory,
    wasm_memory_delete,
    wasm_memory_copy,
    wasm_memory_same,
    wasm_memory_get_host_info,
    wasm_memory_set_host_info,
    wasm_memory_set_host_info_with_finalizer
);
ref_conversions!(
    wasm_memory_t,
    is_memory,
    wasm_memory_as_ref,
    wasm_memory_as_ref_const,
    wasm_ref_as_memory,
    wasm_ref_as_memory_const
);

impl wasm_ref_t {
    fn memory(&self) -> Option<(Memory, &StoreCell)> {
        match (&self.obj, self.cell()) {
            (Obj::Store(ObjKey::Memory(m)), Some(store)) => Some((*m, store)),
            _ => None,
        }
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_memory_new(
    store: Option<&wasm_store_t>,
    ty: Option<&wasm_memorytype_t>,
) -> Option<Box<wasm_memory_t>> {
    let Some(store) = store else { return fail("no store given") };
    let Some(ty) = ty.and_then(wasm_externtype_t::memory_type) else {
        return fail("no memory type given");
    };
    match store.cell.with(|ctx| Memory::new(ctx, ty))? {
        Ok(m) => Some(wasm_ref_t::in_store(&store.cell, ObjKey::Memory(m))),
        Err(e) => fail(e),
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_memory_type(m: Option<&wasm_memory_t>) -> Option<Box<wasm_memorytype_t>> {
    let (m, store) = m?.memory()?;
    let ty = store.with(|ctx| m.ty(ctx))?;
    wasm_externtype_t::boxed(&runtime::ExternType::Memory(ty))
}

/// The memory's bytes, valid until it grows (or NULL if it has none).
#[unsafe(no_mangle)]
pub extern "C" fn wasm_memory_data(m: Option<&mut wasm_memory_t>) -> *mut u8 {
    let Some((m, store)) = m.as_deref().and_then(wasm_ref_t::memory) else {
        return std::ptr::null_mut();
    };
    store.with(|ctx| m.data_mut(ctx).as_mut_ptr()).unwrap_or(std::ptr::null_mut())
}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_memory_data_size(m: Option<&wasm_memory_t>) -> usize {
    let Some((m, store)) = m.and_then(wasm_ref_t::memory) else { return 0 };
    store.with(|ctx| m.data_size(ctx)).unwrap_or(0)
}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_memory_size(m: Option<&wasm_memory_t>) -> u32 {
    let Some((m, store)) = m.and_then(wasm_ref_t::memory) else { return 0 };
    store.with(|ctx| m.size(ctx)).map_or(0, |p| u32::try_from(p).unwrap_or(u32::MAX))
}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_memory_grow(m: Option<&mut wasm_memory_t>, delta: u32) -> bool {
    let Some((m, store)) = m.as_deref().and_then(wasm_ref_t::memory) else {
        return refuse("not a memory");
    };
    match store.with(|ctx| m.grow(ctx, u64::from(delta))) {
        Some(Ok(_)) => true,
        Some(Err(e)) => refuse(e),
        None => false,
    }
}
