//! The `wisp` Python package's extension module, `wisp._wisp`: Wisp's
//! embedding API for Python, over the Rust API.
//!
//! Objects that live in a store (`Store`, `Instance`, `Func`, `Memory`,
//! `Table`, `Global`, `Caller`) belong to the thread that made their
//! store; engines, configurations, modules and types may be shared.
// The buffer protocol, the calls that release the GIL and the store's
// re-entrant borrow need `unsafe`; the modules that have it say why.
#![deny(unsafe_code)]

mod engine;
mod errors;
mod externals;
mod func;
mod instance;
mod linker;
#[allow(unsafe_code)]
mod memory;
#[allow(unsafe_code)]
mod module;
#[allow(unsafe_code)]
mod store;
mod types;
mod wasi;

use pyo3::prelude::*;

/// The extension module.
#[pymodule]
fn _wisp(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("WispError", py.get_type::<errors::WispError>())?;
    m.add("Trap", py.get_type::<errors::Trap>())?;
    m.add("ExitError", py.get_type::<errors::ExitError>())?;
    m.add_class::<engine::Config>()?;
    m.add_class::<engine::Engine>()?;
    m.add_class::<store::Store>()?;
    m.add_class::<module::Module>()?;
    m.add_class::<types::FuncType>()?;
    m.add_class::<types::MemoryType>()?;
    m.add_class::<types::TableType>()?;
    m.add_class::<types::GlobalType>()?;
    m.add_class::<linker::Linker>()?;
    m.add_class::<instance::Instance>()?;
    m.add_class::<func::Func>()?;
    m.add_class::<func::Caller>()?;
    m.add_class::<memory::Memory>()?;
    m.add_class::<externals::Global>()?;
    m.add_class::<externals::Table>()?;
    m.add_class::<wasi::WasiConfig>()?;
    Ok(())
}
