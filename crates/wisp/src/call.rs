//! Calls between the host and Wasm, for both tiers: [`invoke`] enters a
//! store function from the host, and [`call_host`] is the one path by which
//! a host function is called, whether by the host, by the interpreter or
//! by compiled code.

use crate::store::FuncEntity;
use crate::{Caller, Result, Store};

/// Calls store function `func` in the store's tier: parameters in `cells`,
/// results written back from cell 0 (`cells` holds as many cells as the
/// larger of the two).
pub(crate) fn invoke<T>(store: &mut Store<T>, func: u32, cells: &mut [u64]) -> Result<()> {
    match *store.inner.func(func) {
        FuncEntity::Host { host, .. } => call_host(store, host, cells, None),
        FuncEntity::Wasm { instance, index, .. } => {
            if store.inner.vm().is_some() {
                crate::compiled::invoke_wasm(store, instance, index, cells)
            } else {
                crate::interp::invoke_wasm(store, instance, index, cells)
            }
        }
    }
}

/// Calls host function `host` (its index among the store's host functions,
/// as `FuncEntity::Host` holds it) with `cells`, its parameters then its
/// results, on behalf of instance `caller` (`None`: the host).
pub(crate) fn call_host<T>(
    store: &mut Store<T>,
    host: u32,
    cells: &mut [u64],
    caller: Option<u32>,
) -> Result<()> {
    let f = store.host[host as usize].clone();
    f(Caller { store, instance: caller }, cells)
}
