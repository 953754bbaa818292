//! `wasm_trap_t` and `wasm_frame_t`.

use std::cell::RefCell;
use std::mem::MaybeUninit;
use std::rc::Rc;

use crate::refs::{Obj, is_trap, ref_base, ref_conversions, wasm_ref_t};
use crate::store::{HostInfo, ObjKey, StoreRef, wasm_store_t};
use crate::vec::{declare_vec, wasm_byte_vec_t};

/// A trap: why execution stopped, and where.
#[derive(Debug)]
pub(crate) struct TrapData {
    pub(crate) message: String,
    pub(crate) frames: Vec<wasm_frame_t>,
    /// The guest's exit status, if it asked to exit (WASI `proc_exit`).
    pub(crate) exit_status: Option<i32>,
    pub(crate) host_info: RefCell<Option<HostInfo>>,
}

/// The message of a trap a host function returned, carried through the
/// runtime as the host function's error so that it arrives unchanged.
#[derive(Debug)]
pub(crate) struct HostTrap(pub(crate) String);

impl std::fmt::Display for HostTrap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for HostTrap {}

/// `wasm_trap_t`: a reference to a trap.
pub type wasm_trap_t = wasm_ref_t;

impl wasm_ref_t {
    pub(crate) fn trap(&self) -> Option<&TrapData> {
        match &self.obj {
            Obj::Trap(t) => Some(t),
            _ => None,
        }
    }

    pub(crate) fn new_trap(
        message: String,
        frames: Vec<wasm_frame_t>,
        exit_status: Option<i32>,
    ) -> Box<Self> {
        let data = TrapData { message, frames, exit_status, host_info: RefCell::new(None) };
        Box::new(Self { obj: Obj::Trap(Rc::new(data)), store: None })
    }

    /// The trap for a failed call. Its message is the host's own for a
    /// trap a host function returned, else the error's description. Its
    /// frames name their instances in `store`, where the call was made.
    pub(crate) fn from_error(err: &runtime::Error, store: Option<&StoreRef>) -> Box<Self> {
        crate::error::set_last_error(err);
        let message = match err.kind() {
            runtime::ErrorKind::Host(e) => match e.downcast_ref::<HostTrap>() {
                Some(HostTrap(m)) => m.clone(),
                None => err.to_string(),
            },
            _ => err.to_string(),
        };
        let frames = err.backtrace().map_or_else(Vec::new, |bt| {
            bt.frames()
                .iter()
                .map(|f| wasm_frame_t {
                    instance: store.zip(f.instance).map(|(store, instance)| {
                        wasm_ref_t::in_store(store, ObjKey::Instance(instance))
                    }),
                    func_index: f.func_index,
                    func_offset: 0,
                    module_offset: f.body_offset.unwrap_or(0),
                })
                .collect()
        });
        Self::new_trap(message, frames, err.exit_status())
    }
}

ref_base!(
    wasm_trap_t,
    is_trap,
    wasm_trap_delete,
    wasm_trap_copy,
    wasm_trap_same,
    wasm_trap_get_host_info,
    wasm_trap_set_host_info,
    wasm_trap_set_host_info_with_finalizer
);
ref_conversions!(
    wasm_trap_t,
    is_trap,
    wasm_trap_as_ref,
    wasm_trap_as_ref_const,
    wasm_ref_as_trap,
    wasm_ref_as_trap_const
);

#[unsafe(no_mangle)]
pub extern "C" fn wasm_trap_new(
    _store: Option<&wasm_store_t>,
    message: Option<&wasm_byte_vec_t>,
) -> Box<wasm_trap_t> {
    wasm_ref_t::new_trap(message.map(|m| m.to_text()).unwrap_or_default(), Vec::new(), None)
}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_trap_message(
    trap: Option<&wasm_trap_t>,
    out: Option<&mut MaybeUninit<wasm_byte_vec_t>>,
) {
    if let Some(out) = out {
        let text = trap.and_then(|t| t.trap()).map_or("", |t| &t.message);
        out.write(wasm_byte_vec_t::message(text));
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_trap_origin(trap: Option<&wasm_trap_t>) -> Option<Box<wasm_frame_t>> {
    trap?.trap()?.frames.first().map(|f| Box::new(f.clone()))
}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_trap_trace(
    trap: Option<&wasm_trap_t>,
    out: Option<&mut MaybeUninit<wasm_frame_vec_t>>,
) {
    let frames = trap.and_then(|t| t.trap()).map_or_else(Vec::new, |t| t.frames.clone());
    crate::vec::write_out(out, frames.into_iter().map(|f| Some(Box::new(f))).collect());
}

/// The exit status if the trap is a guest's request to exit.
#[unsafe(no_mangle)]
pub extern "C" fn wisp_trap_exit_status(
    trap: Option<&wasm_trap_t>,
    status: Option<&mut i32>,
) -> bool {
    let Some(code) = trap.and_then(|t| t.trap()).and_then(|t| t.exit_status) else { return false };
    if let Some(status) = status {
        *status = code;
    }
    true
}

/// One frame of a trap's trace.
#[derive(Debug, Clone)]
pub struct wasm_frame_t {
    /// The frame's instance, when known; the frame owns this handle.
    pub(crate) instance: Option<Box<wasm_ref_t>>,
    pub(crate) func_index: u32,
    pub(crate) func_offset: usize,
    pub(crate) module_offset: usize,
}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_frame_delete(_: Option<Box<wasm_frame_t>>) {}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_frame_copy(f: Option<&wasm_frame_t>) -> Option<Box<wasm_frame_t>> {
    f.map(|f| Box::new(f.clone()))
}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_frame_instance(f: Option<&wasm_frame_t>) -> Option<&wasm_ref_t> {
    f?.instance.as_deref()
}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_frame_func_index(f: Option<&wasm_frame_t>) -> u32 {
    f.map_or(0, |f| f.func_index)
}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_frame_func_offset(f: Option<&wasm_frame_t>) -> usize {
    f.map_or(0, |f| f.func_offset)
}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_frame_module_offset(f: Option<&wasm_frame_t>) -> usize {
    f.map_or(0, |f| f.module_offset)
}

declare_vec!(
    wasm_frame_vec_t,
    Option<Box<wasm_frame_t>>,
    wasm_frame_vec_new_empty,
    wasm_frame_vec_new_uninitialized,
    wasm_frame_vec_new,
    wasm_frame_vec_copy,
    wasm_frame_vec_delete
);
