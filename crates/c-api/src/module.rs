//! `wasm_module_t` and `wasm_shared_module_t`.

use std::mem::MaybeUninit;
use std::sync::{Arc, Mutex};

use runtime::{Engine, Module, Strategy};

use crate::error::{fail, refuse, wisp_error_t};
use crate::refs::{Obj, is_module, ref_base, ref_conversions, wasm_ref_t};
use crate::store::{HostInfo, wasm_store_t};
use crate::types::{
    wasm_exporttype_t, wasm_exporttype_vec_t, wasm_externtype_t, wasm_importtype_t,
    wasm_importtype_vec_t, write_types,
};
use crate::vec::wasm_byte_vec_t;

/// A compiled module, shared by its handles on every thread.
#[derive(Debug)]
pub(crate) struct ModuleData {
    pub(crate) module: Module,
    /// The binary, kept for `wasm_module_serialize` when the engine does
    /// not compile (an interpreted module serializes as its binary).
    binary: Option<Box<[u8]>>,
    host_info: Mutex<Option<HostInfo>>,
}

impl ModuleData {
    pub(crate) fn new(engine: &Engine, bytes: &[u8]) -> runtime::Result<Arc<Self>> {
        let module = Module::from_binary(engine, bytes)?;
        let binary = (engine.config().get_strategy() != Strategy::Cranelift).then(|| bytes.into());
        Ok(Arc::new(Self { module, binary, host_info: Mutex::new(None) }))
    }

    pub(crate) fn host_info(&self) -> *mut std::ffi::c_void {
        let info = self.host_info.lock().unwrap_or_else(|e| e.into_inner());
        info.as_ref().map_or(std::ptr::null_mut(), |h| h.data)
    }

    pub(crate) fn set_host_info(&self, info: HostInfo) {
        let old = self.host_info.lock().unwrap_or_else(|e| e.into_inner()).replace(info);
        drop(old);
    }

    fn serialize(&self) -> runtime::Result<Vec<u8>> {
        match &self.binary {
            Some(b) => Ok(b.to_vec()),
            None => self.module.serialize(),
        }
    }
}

/// `wasm_module_t`: a reference to a module.
pub type wasm_module_t = wasm_ref_t;

ref_base!(
    wasm_module_t,
    is_module,
    wasm_module_delete,
    wasm_module_copy,
    wasm_module_same,
    wasm_module_get_host_info,
    wasm_module_set_host_info,
    wasm_module_set_host_info_with_finalizer
);
ref_conversions!(
    wasm_module_t,
    is_module,
    wasm_module_as_ref,
    wasm_module_as_ref_const,
    wasm_ref_as_module,
    wasm_ref_as_module_const
);

impl wasm_ref_t {
    pub(crate) fn module(&self) -> Option<&Arc<ModuleData>> {
        match &self.obj {
            Obj::Module(m) => Some(m),
            _ => None,
        }
    }

    pub(crate) fn of_module(data: Arc<ModuleData>) -> Box<Self> {
        Box::new(Self { obj: Obj::Module(data), store: None })
    }
}

fn bytes(v: Option<&wasm_byte_vec_t>) -> &[u8] {
    v.map_or(&[], |v| v.as_slice())
}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_module_new(
    store: Option<&wasm_store_t>,
    binary: Option<&wasm_byte_vec_t>,
) -> Option<Box<wasm_module_t>> {
    let Some(store) = store else { return fail("no store given") };
    match ModuleData::new(&store.cell.engine, bytes(binary)) {
        Ok(m) => Some(wasm_ref_t::of_module(m)),
        Err(e) => fail(e),
    }
}

/// `wisp_module_new`: a module of `engine` from a binary, or the error.
///
/// # Safety
/// `wasm` points to `len` readable bytes (or `len` is 0).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wisp_module_new(
    engine: Option<&crate::engine::wasm_engine_t>,
    wasm: *const u8,
    len: usize,
    out: Option<&mut Option<Box<wasm_module_t>>>,
) -> Option<Box<wisp_error_t>> {
    let bytes: &[u8] = if wasm.is_null() || len == 0 {
        &[]
    } else {
        // SAFETY: the caller's contract: `len` bytes at `wasm`.
        unsafe { std::slice::from_raw_parts(wasm, len) }
    };
    let Some(engine) = engine else {
        return Some(wisp_error_t::msg("no engine given"));
    };
    match ModuleData::new(&engine.engine, bytes) {
        Ok(m) => {
            if let Some(out) = out {
                *out = Some(wasm_ref_t::of_module(m));
            }
            None
        }
        Err(e) => Some(wisp_error_t::new(e)),
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_module_validate(
    store: Option<&wasm_store_t>,
    binary: Option<&wasm_byte_vec_t>,
) -> bool {
    let Some(store) = store else { return refuse("no store given") };
    match Module::validate(&store.cell.engine, bytes(binary)) {
        Ok(()) => true,
        Err(e) => refuse(e),
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_module_imports(
    m: Option<&wasm_module_t>,
    out: Option<&mut MaybeUninit<wasm_importtype_vec_t>>,
) {
    let types = m.and_then(|m| m.module()).map(|m| {
        m.module
            .imports()
            .filter_map(|i| {
                Some(wasm_importtype_t::new(i.module, i.name, wasm_externtype_t::boxed(&i.ty)?))
            })
            .collect()
    });
    write_types(out, types.unwrap_or_default());
}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_module_exports(
    m: Option<&wasm_module_t>,
    out: Option<&mut MaybeUninit<wasm_exporttype_vec_t>>,
) {
    let types = m.and_then(|m| m.module()).map(|m| {
        m.module
            .exports()
            .filter_map(|e| Some(wasm_exporttype_t::new(e.name, wasm_externtype_t::boxed(&e.ty)?)))
            .collect()
    });
    write_types(out, types.unwrap_or_default());
}

/// Writes the module's serialized form, or an empty vector (with the last
/// error set) if it cannot be serialized.
#[unsafe(no_mangle)]
pub extern "C" fn wasm_module_serialize(
    m: Option<&wasm_module_t>,
    out: Option<&mut MaybeUninit<wasm_byte_vec_t>>,
) {
    let bytes = match m.and_then(|m| m.module()).map(|m| m.serialize()) {
        Some(Ok(bytes)) => bytes,
        Some(Err(e)) => fail(e).unwrap_or_default(),
        None => fail("not a module").unwrap_or_default(),
    };
    crate::vec::write_out(out, bytes);
}

/// Loads what `wasm_module_serialize` wrote. Like the runtime's
/// `Module::deserialize`, this trusts compiled code in the bytes: load only
/// what you serialized yourself.
#[unsafe(no_mangle)]
pub extern "C" fn wasm_module_deserialize(
    store: Option<&wasm_store_t>,
    bytes: Option<&wasm_byte_vec_t>,
) -> Option<Box<wasm_module_t>> {
    let Some(store) = store else { return fail("no store given") };
    let engine = &store.cell.engine;
    let bytes = self::bytes(bytes);
    if !Module::is_artifact(bytes) {
        return wasm_module_new(Some(store), Some(&wasm_byte_vec_t::from_vec(bytes.to_vec())));
    }
    // SAFETY: the C API's contract for `wasm_module_deserialize` is that
    // the bytes come from `wasm_module_serialize`, i.e. are trusted (as
    // documented in wasm.h and the README); the runtime still checks the
    // header, version, target and settings.
    match unsafe { Module::deserialize(engine, bytes) } {
        Ok(module) => Some(wasm_ref_t::of_module(Arc::new(ModuleData {
            module,
            binary: None,
            host_info: Mutex::new(None),
        }))),
        Err(e) => fail(e),
    }
}

/// A module that can cross threads.
#[derive(Debug)]
pub struct wasm_shared_module_t {
    data: Arc<ModuleData>,
}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_shared_module_delete(_: Option<Box<wasm_shared_module_t>>) {}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_module_share(
    m: Option<&wasm_module_t>,
) -> Option<Box<wasm_shared_module_t>> {
    let Some(data) = m.and_then(|m| m.module()) else { return fail("not a module") };
    Some(Box::new(wasm_shared_module_t { data: data.clone() }))
}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_module_obtain(
    store: Option<&wasm_store_t>,
    shared: Option<&wasm_shared_module_t>,
) -> Option<Box<wasm_module_t>> {
    let (Some(store), Some(shared)) = (store, shared) else {
        return fail("no store or module given");
    };
    if !Engine::same(&store.cell.engine, shared.data.module.engine()) {
        return fail("the module was compiled by another engine than the store's");
    }
    Some(wasm_ref_t::of_module(shared.data.clone()))
}

/// `wisp_wat2wasm`: the binary of a module in the text format.
///
/// # Safety
/// `wat` points to `len` readable bytes (or `len` is 0).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wisp_wat2wasm(
    wat: *const u8,
    len: usize,
    out: Option<&mut MaybeUninit<wasm_byte_vec_t>>,
) -> Option<Box<wisp_error_t>> {
    let text: &[u8] = if wat.is_null() || len == 0 {
        &[]
    } else {
        // SAFETY: the caller's contract: `len` bytes at `wat`.
        unsafe { std::slice::from_raw_parts(wat, len) }
    };
    match wat::parse_bytes(text) {
        Ok(binary) => {
            crate::vec::write_out(out, binary.into_owned());
            None
        }
        Err(e) => Some(wisp_error_t::msg(format!("invalid text module: {e}"))),
    }
}
