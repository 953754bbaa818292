//! `wasm_instance_t`.

use std::mem::MaybeUninit;

use runtime::Instance;

use crate::error::fail;
use crate::extern_::wasm_extern_vec_t;
use crate::func::message_trap;
use crate::refs::{Obj, is_instance, ref_base, ref_conversions, wasm_ref_t};
use crate::store::ObjKey;
use crate::store::wasm_store_t;
use crate::trap::wasm_trap_t;

/// `wasm_instance_t`: a reference to an instance.
pub type wasm_instance_t = wasm_ref_t;

ref_base!(
    wasm_instance_t,
    is_instance,
    wasm_instance_delete,
    wasm_instance_copy,
    wasm_instance_same,
    wasm_instance_get_host_info,
    wasm_instance_set_host_info,
    wasm_instance_set_host_info_with_finalizer
);
ref_conversions!(
    wasm_instance_t,
    is_instance,
    wasm_instance_as_ref,
    wasm_instance_as_ref_const,
    wasm_ref_as_instance,
    wasm_ref_as_instance_const
);

#[unsafe(no_mangle)]
pub extern "C" fn wasm_instance_new(
    store: Option<&wasm_store_t>,
    module: Option<&crate::module::wasm_module_t>,
    imports: Option<&wasm_extern_vec_t>,
    trap: Option<&mut Option<Box<wasm_trap_t>>>,
) -> Option<Box<wasm_instance_t>> {
    let fail_with = |t: Box<wasm_trap_t>, trap: Option<&mut Option<Box<wasm_trap_t>>>| {
        if let Some(out) = trap {
            *out = Some(t);
        }
        None
    };
    let Some(store) = store else { return fail("no store given") };
    let Some(module) = module.and_then(|m| m.module()) else {
        return fail_with(message_trap("no module given"), trap);
    };
    let mut externs = Vec::new();
    for (i, import) in imports.map_or(&[][..], |v| v.as_slice()).iter().enumerate() {
        let e = import.as_deref().and_then(|r| Some((r.as_extern()?, r.is_in(&store.cell))));
        match e {
            Some((e, true)) => externs.push(e),
            Some((_, false)) => {
                return fail_with(
                    message_trap(&format!("import {i} belongs to another store")),
                    trap,
                );
            }
            None => {
                return fail_with(message_trap(&format!("import {i} is not an external")), trap);
            }
        }
    }
    let result = store.cell.with(|ctx| Instance::new(ctx, &module.module, &externs));
    match result {
        Some(Ok(instance)) => Some(wasm_ref_t::in_store(&store.cell, ObjKey::Instance(instance))),
        Some(Err(e)) => fail_with(wasm_ref_t::from_error(&e, Some(&store.cell)), trap),
        None => fail_with(message_trap(crate::store::BUSY), trap),
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_instance_exports(
    i: Option<&wasm_instance_t>,
    out: Option<&mut MaybeUninit<wasm_extern_vec_t>>,
) {
    let exports = match i.map(|i| (&i.obj, i.store.as_ref())) {
        Some((Obj::Store(ObjKey::Instance(inst)), Some(store))) => store
            .with(|ctx| inst.exports(ctx))
            .unwrap_or_default()
            .into_iter()
            .map(|(_, e)| Some(wasm_ref_t::from_extern(store, e)))
            .collect(),
        _ => Vec::new(),
    };
    crate::vec::write_out(out, exports);
}
