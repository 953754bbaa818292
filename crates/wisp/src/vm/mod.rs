//! Runtime data structures. All of Wisp's `unsafe` code lives under here.

pub(crate) mod code;
pub(crate) mod compiled;
pub(crate) mod host_stack;
#[cfg(target_os = "linux")]
pub(crate) mod image;
pub(crate) mod memory;
pub(crate) mod table;
pub(crate) mod traps;
pub(crate) mod vmcontext;
