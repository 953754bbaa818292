//! `wisp_linker_t`: imports by name, host functions and WASI.

use std::ffi::{c_char, c_void};

use runtime::{Error, Linker};

use crate::engine::wasm_engine_t;
use crate::error::wisp_error_t;
use crate::func::{Call, CallbackWithEnv, HostCallback};
use crate::refs::wasm_ref_t;
use crate::store::{ObjKey, StoreData, wasm_store_t};
use crate::trap::wasm_trap_t;
use crate::types::{wasm_externtype_t, wasm_functype_t};
use crate::wasi::text;

/// Definitions by module and name, to instantiate modules with.
#[derive(Debug)]
pub struct wisp_linker_t {
    linker: Linker<StoreData>,
}

/// The result of a linker call as C sees it.
fn done(r: runtime::Result<()>) -> Option<Box<wisp_error_t>> {
    r.err().map(wisp_error_t::new)
}

/// The module and field names of a definition.
///
/// # Safety
/// Both are NULL or NUL-terminated strings that outlive `'a`.
unsafe fn names<'a>(
    module: *const c_char,
    name: *const c_char,
) -> Result<(&'a str, &'a str), Box<wisp_error_t>> {
    // SAFETY: the caller's contract, for both strings.
    match unsafe { (text(module), text(name)) } {
        (Some(m), Some(n)) => Ok((m, n)),
        _ => Err(wisp_error_t::msg("module and name must be UTF-8 strings")),
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn wisp_linker_new(engine: Option<&wasm_engine_t>) -> Option<Box<wisp_linker_t>> {
    let Some(engine) = engine else { return crate::error::fail("no engine given") };
    Some(Box::new(wisp_linker_t { linker: Linker::new(&engine.engine) }))
}

#[unsafe(no_mangle)]
pub extern "C" fn wisp_linker_delete(_: Option<Box<wisp_linker_t>>) {}

/// Whether a later definition may replace an earlier one of the same name.
#[unsafe(no_mangle)]
pub extern "C" fn wisp_linker_allow_shadowing(linker: Option<&mut wisp_linker_t>, allow: bool) {
    if let Some(l) = linker {
        l.linker.allow_shadowing(allow);
    }
}

/// Defines `module::name` as `item`, an external of `store`.
///
/// # Safety
/// `module` and `name` are NUL-terminated strings.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wisp_linker_define(
    linker: Option<&mut wisp_linker_t>,
    store: Option<&wasm_store_t>,
    module: *const c_char,
    name: *const c_char,
    item: Option<&wasm_ref_t>,
) -> Option<Box<wisp_error_t>> {
    // SAFETY: the caller's contract.
    let (module, name) = match unsafe { names(module, name) } {
        Ok(n) => n,
        Err(e) => return Some(e),
    };
    let (Some(linker), Some(store), Some(item)) = (linker, store, item) else {
        return Some(wisp_error_t::msg("no linker, store or item given"));
    };
    let Some(ext) = item.as_extern().filter(|_| item.is_in(&store.cell)) else {
        return Some(wisp_error_t::msg("the item is not an external of this store"));
    };
    let r = store.cell.with(|ctx| linker.linker.define(ctx, module, name, ext).map(drop));
    r.map_or_else(|| Some(wisp_error_t::msg(crate::store::BUSY)), done)
}

/// Defines `module::name` as a host function of type `ty` calling
/// `callback` with `env`, in every store the linker instantiates in.
/// `finalizer` runs on `env` once the linker and all those stores are gone.
///
/// # Safety
/// `module` and `name` are NUL-terminated strings.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wisp_linker_define_func(
    linker: Option<&mut wisp_linker_t>,
    module: *const c_char,
    name: *const c_char,
    ty: Option<&wasm_functype_t>,
    callback: Option<CallbackWithEnv>,
    env: *mut c_void,
    finalizer: Option<unsafe extern "C" fn(*mut c_void)>,
) -> Option<Box<wisp_error_t>> {
    let host = callback.map(|cb| HostCallback::new(Call::WithEnv(cb), env, finalizer));
    // SAFETY: the caller's contract.
    let (module, name) = match unsafe { names(module, name) } {
        Ok(n) => n,
        Err(e) => return Some(e),
    };
    let (Some(linker), Some(ty), Some(host)) =
        (linker, ty.and_then(wasm_externtype_t::func_type), host)
    else {
        return Some(wisp_error_t::msg("no linker, function type or callback given"));
    };
    done(linker.linker.func_new(module, name, ty, move |c, p, r| host.invoke(c, p, r)).map(drop))
}

/// Defines every `wasi_snapshot_preview1` function, over the WASI context
/// of the store they run in (see `wisp_store_set_wasi`).
#[unsafe(no_mangle)]
pub extern "C" fn wisp_linker_define_wasi(
    linker: Option<&mut wisp_linker_t>,
) -> Option<Box<wisp_error_t>> {
    let Some(linker) = linker else { return Some(wisp_error_t::msg("no linker given")) };
    done(wisp_wasi::add_to_linker(&mut linker.linker, wasi_of))
}

/// The store's WASI context. Stores without one get an empty context on
/// first use: a guest sees no arguments, environment, files or output.
fn wasi_of(data: &mut StoreData) -> &mut wisp_wasi::WasiCtx {
    data.wasi.get_or_insert_with(|| wisp_wasi::WasiCtx::builder().build())
}

/// Defines every export of `instance` under the module name `module`.
///
/// # Safety
/// `module` is a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wisp_linker_define_instance(
    linker: Option<&mut wisp_linker_t>,
    store: Option<&wasm_store_t>,
    module: *const c_char,
    instance: Option<&wasm_ref_t>,
) -> Option<Box<wisp_error_t>> {
    // SAFETY: the caller's contract.
    let module = unsafe { text(module) };
    let (Some(linker), Some(store), Some(module), Some(instance)) =
        (linker, store, module, instance)
    else {
        return Some(wisp_error_t::msg("no linker, store, module name or instance given"));
    };
    let crate::refs::Obj::Store(ObjKey::Instance(inst)) = instance.obj else {
        return Some(wisp_error_t::msg("not an instance"));
    };
    if !instance.is_in(&store.cell) {
        return Some(wisp_error_t::msg("the instance belongs to another store"));
    }
    let r = store.cell.with(|ctx| linker.linker.instance(ctx, module, inst).map(drop));
    r.map_or_else(|| Some(wisp_error_t::msg(crate::store::BUSY)), done)
}

/// Instantiates `module` in `store` with the linker's definitions. A trap
/// in the start function is stored in `*trap` (and NULL returned as the
/// error); other failures are the returned error.
#[unsafe(no_mangle)]
pub extern "C" fn wisp_linker_instantiate(
    linker: Option<&wisp_linker_t>,
    store: Option<&wasm_store_t>,
    module: Option<&wasm_ref_t>,
    out: Option<&mut Option<Box<wasm_ref_t>>>,
    trap: Option<&mut Option<Box<wasm_trap_t>>>,
) -> Option<Box<wisp_error_t>> {
    let (Some(linker), Some(store), Some(module)) =
        (linker, store, module.and_then(|m| m.module()))
    else {
        return Some(wisp_error_t::msg("no linker, store or module given"));
    };
    let r = store.cell.with(|ctx| linker.linker.instantiate(ctx, &module.module));
    match r {
        Some(Ok(instance)) => {
            if let Some(out) = out {
                *out = Some(wasm_ref_t::in_store(&store.cell, ObjKey::Instance(instance)));
            }
            None
        }
        Some(Err(e)) if e.trap().is_some() || e.exit_status().is_some() => match trap {
            Some(trap) => {
                *trap = Some(wasm_ref_t::from_error(&e, Some(&store.cell)));
                None
            }
            None => Some(wisp_error_t::new(e)),
        },
        Some(Err(e)) => Some(wisp_error_t::new(e)),
        None => Some(wisp_error_t::new(Error::host(crate::store::BUSY))),
    }
}
