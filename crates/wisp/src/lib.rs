//! Wisp: a WebAssembly runtime for running Wasm outside the browser.
//!
//! This crate is the embedding API. Its vocabulary is the one Rust embedders
//! already know: an [`Engine`] compiles [`Module`]s; a [`Store`] owns
//! instances and host data; a [`Linker`] resolves imports by name; exports
//! are reached as [`Func`]/[`TypedFunc`], [`Memory`], [`Table`] and [`Global`].
//!
//! ```
//! use wisp::{Engine, Linker, Module, Store};
//!
//! # fn main() -> wisp::Result<()> {
//! let engine = Engine::default();
//! let module = Module::new(&engine, r#"
//!     (module
//!       (import "host" "log" (func $log (param i32)))
//!       (func (export "run") (param i32) (result i32)
//!         (call $log (local.get 0))
//!         (i32.mul (local.get 0) (i32.const 2))))
//! "#)?;
//!
//! // Host data: every value the guest logs.
//! let mut store = Store::new(&engine, Vec::<i32>::new());
//! let mut linker = Linker::new(&engine);
//! linker.func_wrap("host", "log", |mut caller: wisp::Caller<'_, Vec<i32>>, x: i32| {
//!     caller.data_mut().push(x);
//! })?;
//!
//! let instance = linker.instantiate(&mut store, &module)?;
//! let run = instance.get_typed_func::<i32, i32>(&store, "run")?;
//! assert_eq!(run.call(&mut store, 21)?, 42);
//! assert_eq!(store.data(), &[21]);
//! # Ok(())
//! # }
//! ```
//!
//! # Tiers
//!
//! Code runs in one of two tiers, chosen for each [`Engine`] by
//! [`Config::strategy`]:
//!
//! - [`Strategy::Interpreter`] translates each function, on its first call,
//!   into a register-based bytecode and interprets it. A module is ready as
//!   soon as it is validated, so start-up is near instant.
//!   [`Strategy::Auto`], the default, picks the interpreter today.
//! - [`Strategy::Cranelift`] compiles the whole module to native code with
//!   Cranelift when the [`Module`] is created. Memory accesses are checked
//!   by guard pages (or explicitly, see [`Config::memory_reservation`]) and
//!   faults become traps. Compiled code can be kept as an artifact
//!   ([`Module::precompile`], [`Module::serialize`]) and loaded later
//!   without compiling ([`Module::deserialize`]).
//!
//! The rest of the API is the same for both tiers:
//!
//! ```
//! use wisp::{Config, Engine, Instance, Module, Store, Strategy};
//!
//! # fn main() -> wisp::Result<()> {
//! let mut config = Config::new();
//! config.strategy(Strategy::Cranelift);
//! let engine = Engine::new(&config)?;
//! let module = Module::new(&engine, r#"
//!     (module
//!       (func (export "double") (param i32) (result i32)
//!         (i32.mul (local.get 0) (i32.const 2))))
//! "#)?;
//! let mut store = Store::new(&engine, ());
//! let instance = Instance::new(&mut store, &module, &[])?;
//! let double = instance.get_typed_func::<i32, i32>(&store, "double")?;
//! assert_eq!(double.call(&mut store, 21)?, 42);
//! # Ok(())
//! # }
//! ```
//!
//! In either tier, runtime faults surface as [`Error`]s carrying a
//! [`Trap`] and a Wasm [`Backtrace`].
//!
//! # Features
//!
//! - `cranelift` (default): the Cranelift tier's compiler. Without it an
//!   engine of that tier runs only code compiled ahead of time and linked
//!   into the program (see [`linked`], which `wisp create-exe` uses).
//! - `wat` (default): the text format in [`Module::new`],
//!   [`Module::from_file`] and [`Module::precompile`]. Without it they
//!   accept only the binary format.
//!
//! # Handles and stores
//!
//! [`Func`], [`Memory`], [`Table`], [`Global`], [`Instance`] and
//! [`ExternRef`] are handles: small `Copy` values naming an object in the
//! [`Store`] that created them, and valid only with that store. Using one
//! with another store is a mistake of the embedder's (a guest cannot cause
//! it), and is caught:
//!
//! - methods that return a [`Result`] (calls, `set`, `grow`, `typed`,
//!   instantiation and [`Linker::define`] with imports, values passed as
//!   arguments or stored into tables and globals) fail with an error of
//!   kind [`ErrorKind::Type`];
//! - methods that cannot fail (types, sizes, contents, `get`, export
//!   look-ups, and [`Memory::read`]/[`Memory::write`], whose error only
//!   means "out of bounds") panic.
//!
//! ```
//! # use wisp::*;
//! # fn main() -> wisp::Result<()> {
//! let engine = Engine::default();
//! let module = Module::new(&engine, r#"(module (memory (export "memory") 1))"#)?;
//! let mut store = Store::new(&engine, ());
//! let mut other = Store::new(&engine, ());
//! let instance = Instance::new(&mut store, &module, &[])?;
//! let memory = instance.get_memory(&store, "memory").unwrap();
//! let err = memory.grow(&mut other, 1).unwrap_err();
//! assert!(err.to_string().contains("Memory used with a store that did not create it"));
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]
// Unsafe code is allowed only in the modules marked below, each saying why.
#![deny(unsafe_code)]

mod artifact;
mod bulk;
mod call;
// Enters compiled code and casts the store's opaque address back.
#[allow(unsafe_code)]
mod compiled;
mod config;
mod engine;
mod error;
mod externals;
mod func;
mod instance;
mod interp;
// `load` runs machine code linked into the program, trusting it.
#[allow(unsafe_code)]
pub mod linked;
mod linker;
mod module;
mod store;
mod stored;
mod trap;
mod values;
// Memories, tables, executable code, signal handlers and the compiled
// code's ABI: the runtime below the API.
#[allow(unsafe_code)]
mod vm;

pub use config::{Config, Strategy};
pub use engine::Engine;
pub use error::{Error, ErrorKind, Result};
pub use externals::{Extern, ExternType, Global, Memory, MemoryAccessError, Table};
pub use func::{Caller, Func, IntoFunc, TypedFunc, WasmParams, WasmResults, WasmRet, WasmTy};
pub use instance::Instance;
pub use linker::{InstancePre, Linker};
pub use module::{ExportType, ImportType, Module};
pub use store::{AsContext, AsContextMut, Store, StoreContext, StoreContextMut, StoreLimits};
pub use trap::{Backtrace, FrameInfo, Trap};
pub use values::{ExternRef, Val};
pub use wisp_environ::{Features, FuncType, GlobalType, MemoryType, RefType, TableType, ValType};
