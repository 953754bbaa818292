//! `wisp_wasi_config_t`: what a WASI guest may see and reach.

use std::ffi::{CStr, c_char};

use wisp_wasi::{DirPerms, WasiCtxBuilder};

use crate::error::{refuse, wisp_error_t};
use crate::store::wasm_store_t;

/// A WASI context under construction.
#[derive(Debug, Default)]
pub struct wisp_wasi_config_t {
    builder: WasiCtxBuilder,
}

/// The strings of a C array (NULL entries and invalid UTF-8 are skipped).
///
/// # Safety
/// `strings` points to `n` pointers, each NULL or to a NUL-terminated
/// string.
unsafe fn strings(n: usize, strings: *const *const c_char) -> Vec<String> {
    if strings.is_null() {
        return Vec::new();
    }
    // SAFETY: the caller's contract: `n` pointers at `strings`.
    let ptrs = unsafe { std::slice::from_raw_parts(strings, n) };
    // SAFETY: each is NULL or a NUL-terminated string (the contract).
    ptrs.iter().filter_map(|&p| unsafe { text(p) }).map(str::to_string).collect()
}

/// The text of a NUL-terminated C string, if it is one of UTF-8.
///
/// # Safety
/// `p` is NULL or points to a NUL-terminated string that outlives `'a`.
pub(crate) unsafe fn text<'a>(p: *const c_char) -> Option<&'a str> {
    if p.is_null() {
        return None;
    }
    // SAFETY: the caller's contract.
    unsafe { CStr::from_ptr(p) }.to_str().ok()
}

#[unsafe(no_mangle)]
pub extern "C" fn wisp_wasi_config_new() -> Box<wisp_wasi_config_t> {
    Box::default()
}

#[unsafe(no_mangle)]
pub extern "C" fn wisp_wasi_config_delete(_: Option<Box<wisp_wasi_config_t>>) {}

/// # Safety
/// `argv` points to `argc` NUL-terminated strings.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wisp_wasi_config_set_argv(
    config: Option<&mut wisp_wasi_config_t>,
    argc: usize,
    argv: *const *const c_char,
) {
    if let Some(c) = config {
        // SAFETY: the caller's contract.
        c.builder.args(unsafe { strings(argc, argv) });
    }
}

/// # Safety
/// `names` and `values` each point to `n` NUL-terminated strings.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wisp_wasi_config_set_env(
    config: Option<&mut wisp_wasi_config_t>,
    n: usize,
    names: *const *const c_char,
    values: *const *const c_char,
) {
    if let Some(c) = config {
        // SAFETY: the caller's contract, for both arrays.
        let (names, values) = unsafe { (strings(n, names), strings(n, values)) };
        for (k, v) in names.into_iter().zip(values) {
            c.builder.env(k, v);
        }
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn wisp_wasi_config_inherit_env(config: Option<&mut wisp_wasi_config_t>) {
    if let Some(c) = config {
        c.builder.inherit_env();
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn wisp_wasi_config_inherit_stdin(config: Option<&mut wisp_wasi_config_t>) {
    if let Some(c) = config {
        c.builder.inherit_stdin();
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn wisp_wasi_config_inherit_stdout(config: Option<&mut wisp_wasi_config_t>) {
    if let Some(c) = config {
        c.builder.inherit_stdout();
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn wisp_wasi_config_inherit_stderr(config: Option<&mut wisp_wasi_config_t>) {
    if let Some(c) = config {
        c.builder.inherit_stderr();
    }
}

/// The guest's stdin is the contents of the file at `path`.
///
/// # Safety
/// `path` is a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wisp_wasi_config_set_stdin_file(
    config: Option<&mut wisp_wasi_config_t>,
    path: *const c_char,
) -> bool {
    // SAFETY: the caller's contract.
    let (Some(c), Some(path)) = (config, unsafe { text(path) }) else {
        return refuse("no config or path given");
    };
    match std::fs::read(path) {
        Ok(bytes) => {
            c.builder.stdin(bytes);
            true
        }
        Err(e) => refuse(format!("cannot read {path}: {e}")),
    }
}

/// Directs a guest output stream to the file at `path`, opened for
/// appending and created if need be.
///
/// # Safety
/// `path` is NULL or a NUL-terminated string.
unsafe fn output_file(
    config: Option<&mut wisp_wasi_config_t>,
    path: *const c_char,
    direct: fn(&mut WasiCtxBuilder, std::fs::File) -> &mut WasiCtxBuilder,
) -> bool {
    // SAFETY: the caller's contract.
    let (Some(c), Some(path)) = (config, unsafe { text(path) }) else {
        return refuse("no config or path given");
    };
    match std::fs::OpenOptions::new().create(true).append(true).open(path) {
        Ok(f) => {
            direct(&mut c.builder, f);
            true
        }
        Err(e) => refuse(format!("cannot open {path}: {e}")),
    }
}

/// The guest's stdout is appended to the file at `path` (created if need be).
///
/// # Safety
/// `path` is a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wisp_wasi_config_set_stdout_file(
    config: Option<&mut wisp_wasi_config_t>,
    path: *const c_char,
) -> bool {
    // SAFETY: the caller's contract.
    unsafe { output_file(config, path, WasiCtxBuilder::stdout_file) }
}

/// The guest's stderr is appended to the file at `path` (created if need be).
///
/// # Safety
/// `path` is a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wisp_wasi_config_set_stderr_file(
    config: Option<&mut wisp_wasi_config_t>,
    path: *const c_char,
) -> bool {
    // SAFETY: the caller's contract.
    unsafe { output_file(config, path, WasiCtxBuilder::stderr_file) }
}

/// Grants the guest the host directory `host_path` as `guest_path`,
/// read-only unless `writable`.
///
/// # Safety
/// Both paths are NUL-terminated strings.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wisp_wasi_config_preopen_dir(
    config: Option<&mut wisp_wasi_config_t>,
    host_path: *const c_char,
    guest_path: *const c_char,
    writable: bool,
) -> bool {
    // SAFETY: the caller's contract, for both strings.
    let (host, guest) = unsafe { (text(host_path), text(guest_path)) };
    let (Some(c), Some(host), Some(guest)) = (config, host, guest) else {
        return refuse("no config or path given");
    };
    let perms = if writable { DirPerms::ALL } else { DirPerms::READ };
    match c.builder.preopened_dir(host, guest, perms) {
        Ok(_) => true,
        Err(e) => refuse(format!("cannot open {host}: {e}")),
    }
}

/// Gives the store a WASI context built from `config` (consumed), for the
/// WASI functions a linker defines with `wisp_linker_define_wasi`.
#[unsafe(no_mangle)]
pub extern "C" fn wisp_store_set_wasi(
    store: Option<&wasm_store_t>,
    config: Option<Box<wisp_wasi_config_t>>,
) -> Option<Box<wisp_error_t>> {
    let (Some(store), Some(mut config)) = (store, config) else {
        return Some(wisp_error_t::msg("no store or WASI config given"));
    };
    let ctx = config.builder.build();
    match store.cell.with(|mut c| c.data_mut().wasi = Some(ctx)) {
        Some(()) => None,
        None => Some(wisp_error_t::msg(crate::store::BUSY)),
    }
}
