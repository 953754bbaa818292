//! `wasm_extern_t`: a function, global, table or memory, seen as any of
//! them.

use crate::refs::{
    is_extern, is_func, is_global, is_memory, is_table, ref_base, ref_conversions, wasm_ref_t,
};
use crate::types::{
    WASM_EXTERN_FUNC, WASM_EXTERN_GLOBAL, WASM_EXTERN_MEMORY, WASM_EXTERN_TABLE, wasm_externtype_t,
};
use crate::vec::declare_vec;

/// `wasm_extern_t`: a reference to an external.
pub type wasm_extern_t = wasm_ref_t;

ref_base!(
    wasm_extern_t,
    is_extern,
    wasm_extern_delete,
    wasm_extern_copy,
    wasm_extern_same,
    wasm_extern_get_host_info,
    wasm_extern_set_host_info,
    wasm_extern_set_host_info_with_finalizer
);
ref_conversions!(
    wasm_extern_t,
    is_extern,
    wasm_extern_as_ref,
    wasm_extern_as_ref_const,
    wasm_ref_as_extern,
    wasm_ref_as_extern_const
);

declare_vec!(
    wasm_extern_vec_t,
    Option<Box<wasm_extern_t>>,
    wasm_extern_vec_new_empty,
    wasm_extern_vec_new_uninitialized,
    wasm_extern_vec_new,
    wasm_extern_vec_copy,
    wasm_extern_vec_delete
);

#[unsafe(no_mangle)]
pub extern "C" fn wasm_extern_kind(e: Option<&wasm_extern_t>) -> u8 {
    match e.and_then(|e| e.as_extern()) {
        Some(runtime::Extern::Global(_)) => WASM_EXTERN_GLOBAL,
        Some(runtime::Extern::Table(_)) => WASM_EXTERN_TABLE,
        Some(runtime::Extern::Memory(_)) => WASM_EXTERN_MEMORY,
        _ => WASM_EXTERN_FUNC,
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_extern_type(e: Option<&wasm_extern_t>) -> Option<Box<wasm_externtype_t>> {
    let e = e?;
    let ext = e.as_extern()?;
    let ty = e.cell()?.with(|ctx| ext.ty(ctx))?;
    wasm_externtype_t::boxed(&ty)
}

/// The views between externals and the four kinds: the same pointer,
/// checked by kind where it narrows.
macro_rules! extern_views {
    ($($test:path: $to:ident, $to_const:ident, $from:ident, $from_const:ident;)*) => {$(
        #[unsafe(no_mangle)]
        pub extern "C" fn $to(r: Option<&mut wasm_ref_t>) -> Option<&mut wasm_extern_t> {
            crate::refs::checked(r, $test)
        }

        #[unsafe(no_mangle)]
        pub extern "C" fn $to_const(r: Option<&wasm_ref_t>) -> Option<&wasm_extern_t> {
            crate::refs::checked(r, $test)
        }

        #[unsafe(no_mangle)]
        pub extern "C" fn $from(r: Option<&mut wasm_extern_t>) -> Option<&mut wasm_ref_t> {
            crate::refs::checked(r, $test)
        }

        #[unsafe(no_mangle)]
        pub extern "C" fn $from_const(r: Option<&wasm_extern_t>) -> Option<&wasm_ref_t> {
            crate::refs::checked(r, $test)
        }
    )*};
}

extern_views! {
    is_func: wasm_func_as_extern, wasm_func_as_extern_const, wasm_extern_as_func, wasm_extern_as_func_const;
    is_global: wasm_global_as_extern, wasm_global_as_extern_const, wasm_extern_as_global, wasm_extern_as_global_const;
    is_table: wasm_table_as_extern, wasm_table_as_extern_const, wasm_extern_as_table, wasm_extern_as_table_const;
    is_memory: wasm_memory_as_extern, wasm_memory_as_extern_const, wasm_extern_as_memory, wasm_extern_as_memory_const;
}
