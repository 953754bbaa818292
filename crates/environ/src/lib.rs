//! Tier-independent description of a WebAssembly module for the Wisp runtime.
//!
//! [`ModuleInfo::parse`] decodes and validates a binary in one pass and records
//! everything the execution tiers need: types, imports, exports, segments and
//! the byte ranges of function bodies. It contains no `unsafe` code.
//!
//! ```
//! use wisp_environ::{ModuleInfo, Features};
//! let bytes = [0, b'a', b's', b'm', 1, 0, 0, 0];
//! let info = ModuleInfo::parse(&bytes, Features::default()).unwrap();
//! assert!(info.exports.is_empty());
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod compiled;
mod const_expr;
mod error;
mod features;
mod module;
mod trap;
mod types;
pub mod vmoffsets;

pub use compiled::{CompiledFunc, CompiledObject, Reloc, RelocKind, TrapSite};
pub use const_expr::{ConstExpr, ConstOp};
pub use error::WasmError;
pub use features::Features;
pub use module::{
    DataKind, DataSegment, ElemKind, ElemSegment, Export, ExternKind, FuncBody, GlobalDef, Import,
    ImportKind, ModuleInfo,
};
pub use trap::{TRAP_PENDING, Trap};
pub use types::{FuncType, GlobalType, MemoryType, RefType, TableType, ValType};
pub use vmoffsets::{Libcall, VMOffsets};
pub use wasmparser;
