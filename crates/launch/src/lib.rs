//! Starting a WASI program the way `wisp run` does, shared by the `wisp`
//! command line and by the executables `wisp create-exe` writes, so that
//! both grant the same [capabilities](Capabilities), run the program the
//! same way and [report](report::report) its failures with the same
//! messages and exit statuses.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod capabilities;
pub mod report;
pub mod units;

pub use capabilities::{Capabilities, DirGrant, EnvGrant};

use anyhow::Result;
use wisp::{Linker, Module, Store, Val};
use wisp_wasi::WasiCtx;

/// Instantiates `module` in `store` with WASI and calls its export `name`
/// with `params`, writing `results`. Returns the guest's exit status if it
/// ended through `proc_exit` (in its start function or in `name`).
///
/// `name` must be an exported function of `module`.
pub fn call(
    store: &mut Store<WasiCtx>,
    module: &Module,
    name: &str,
    params: &[Val],
    results: &mut [Val],
) -> Result<Option<i32>> {
    let mut linker = Linker::new(store.engine());
    wisp_wasi::add_to_linker_for(&mut linker, module, |ctx| ctx)?;
    let called = match linker.instantiate(&mut *store, module) {
        Ok(instance) => match instance.get_func(&*store, name) {
            Some(func) => func.call(&mut *store, params, results),
            None => anyhow::bail!("there is no exported function `{name}`"),
        },
        Err(e) => Err(e),
    };
    match called {
        Ok(()) => Ok(None),
        Err(e) => match e.exit_status() {
            Some(status) => Ok(Some(status)),
            None => Err(e.into()),
        },
    }
}
