//! The standard WebAssembly C API (`include/wasm.h`) and Wisp's extensions
//! (`include/wisp.h`), built as `libwisp.so` and `libwisp.a`.
//!
//! This crate is a thin layer over the Rust API: every function converts
//! its arguments, calls [`runtime`](https://docs.rs/wisp) and converts the
//! result back. The C types are Rust types with the same layout where C
//! sees inside them (vectors, values, limits) and opaque boxes otherwise.
//!
//! Pointers arrive as references (`Option<&T>` where C may pass NULL), so
//! the compiler checks their use; `unsafe` is left for what C hands over as
//! raw memory (a vector's elements, host data, callbacks), each block with
//! the caller's obligation it relies on.
//!
//! The handles of one store (functions, globals, tables, memories,
//! instances, foreign objects) share one representation, [`wasm_ref_t`],
//! so that viewing one as another (`wasm_func_as_extern`,
//! `wasm_ref_as_func`, ...) hands back the same pointer.
#![deny(missing_docs)]
// The C names are part of the standard.
#![allow(non_camel_case_types)]

mod engine;
mod error;
mod extern_;
mod func;
mod global;
mod instance;
mod linker;

mod memory;
mod module;
mod refs;
mod store;
mod table;
mod trap;
mod types;
mod val;
mod vec;
mod wasi;

pub use refs::wasm_ref_t;
