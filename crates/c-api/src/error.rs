//! Errors: `wisp_error_t`, and the reason for the last failure on this
//! thread, for the standard functions that can only return NULL or false.

use std::cell::RefCell;
use std::ffi::{CString, c_char};
use std::mem::MaybeUninit;

use crate::vec::wasm_byte_vec_t;

thread_local! {
    static LAST_ERROR: RefCell<Option<CString>> = const { RefCell::new(None) };
}

/// Records why the current call failed.
pub(crate) fn set_last_error(message: impl std::fmt::Display) {
    let text = message.to_string().replace('\0', " ");
    let text = CString::new(text).unwrap_or_default();
    LAST_ERROR.with(|e| *e.borrow_mut() = Some(text));
}

/// Records `err` as the last error and returns `None`: the tail of every
/// constructor that fails with NULL.
pub(crate) fn fail<T>(err: impl std::fmt::Display) -> Option<T> {
    set_last_error(err);
    None
}

/// An error of the Wisp API, owned by the caller.
#[derive(Debug)]
pub struct wisp_error_t {
    message: String,
    exit_status: Option<i32>,
}

impl wisp_error_t {
    /// The error, boxed for C; it is also recorded as the last error.
    pub(crate) fn new(error: runtime::Error) -> Box<Self> {
        set_last_error(&error);
        Box::new(Self { message: error.to_string(), exit_status: error.exit_status() })
    }

    /// An error described by `message`, also recorded as the last error.
    pub(crate) fn msg(message: impl std::fmt::Display) -> Box<Self> {
        set_last_error(&message);
        Box::new(Self { message: message.to_string(), exit_status: None })
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn wisp_error_delete(_: Option<Box<wisp_error_t>>) {}

#[unsafe(no_mangle)]
pub extern "C" fn wisp_error_message(
    error: Option<&wisp_error_t>,
    out: Option<&mut MaybeUninit<wasm_byte_vec_t>>,
) {
    if let Some(out) = out {
        let text = error.map_or("", |e| &e.message);
        out.write(wasm_byte_vec_t::message(text));
    }
}

/// The exit status if the error is a guest's request to exit (WASI
/// `proc_exit`).
#[unsafe(no_mangle)]
pub extern "C" fn wisp_error_exit_status(
    error: Option<&wisp_error_t>,
    status: Option<&mut i32>,
) -> bool {
    match (error.and_then(|e| e.exit_status), status) {
        (Some(code), Some(status)) => {
            *status = code;
            true
        }
        (Some(_), None) => true,
        _ => false,
    }
}

/// The message of the last failure on this thread, or NULL if none; valid
/// until the next failure on this thread.
#[unsafe(no_mangle)]
pub extern "C" fn wisp_last_error_message() -> *const c_char {
    LAST_ERROR.with(|e| e.borrow().as_ref().map_or(std::ptr::null(), |s| s.as_ptr()))
}

/// Forgets the last failure on this thread.
#[unsafe(no_mangle)]
pub extern "C" fn wisp_last_error_clear() {
    LAST_ERROR.with(|e| *e.borrow_mut() = None);
}

/// Records `err` as the last error and returns false: the tail of every
/// predicate that fails.
pub(crate) fn refuse(err: impl std::fmt::Display) -> bool {
    set_last_error(err);
    false
}
