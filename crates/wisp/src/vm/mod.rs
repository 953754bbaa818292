//! The runtime below the API: linear memories, tables, executable code,
//! trap handling and the compiled code's ABI. It uses nothing from the API
//! layer above it (stores reach it as opaque addresses, see
//! [`vmcontext::VMStorePtr`], and leave it through [`traps::VMError`]).
//!
//! Most of the crate's `unsafe` code lives here. The crate denies unsafe
//! code elsewhere except in the modules `lib.rs` and `interp/mod.rs` allow
//! it in, each with its reason: the compiled-code boundary on the store's
//! side (`compiled`), the interpreter's dispatch and executor (raw
//! register and instruction pointers), and the two public `unsafe fn`s
//! that load machine code (`Module::deserialize`, `linked::load`).

pub(crate) mod code;
pub(crate) mod compiled;
pub(crate) mod host_stack;
#[cfg(target_os = "linux")]
pub(crate) mod image;
pub(crate) mod memory;
pub(crate) mod table;
pub(crate) mod traps;
pub(crate) mod vmcontext;
