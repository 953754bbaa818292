//! Calls between the host and Wasm, for both tiers: [`invoke`] enters a
//! store function from the host, and [`call_host`] is the one path by which
//! a host function is called, whether by the host, by the interpreter or
//! by compiled code.

use crate::store::FuncEntity;
use crate::{Caller, Error, Result, Store, Trap};

/// Calls store function `func` in the store's tier: parameters in `cells`,
/// results written back from cell 0 (`cells` holds as many cells as the
/// larger of the two).
pub(crate) fn invoke<T>(store: &mut Store<T>, func: u32, cells: &mut [u64]) -> Result<()> {
    match *store.inner.func(func) {
        FuncEntity::Host { .. } => call_host(store, func, cells, None),
        FuncEntity::Wasm { instance, index, .. } => {
            if store.inner.vm().is_some() {
                crate::compiled::invoke_wasm(store, instance, index, cells)
            } else {
                crate::interp::invoke_wasm(store, instance, index, cells)
            }
        }
    }
}

/// Calls host function `func` (a store index) with `cells`, its parameters
/// then its results, on behalf of instance `caller` (`None`: the host).
/// Fails with [`Trap::BadSignature`] if `func` is not a host function.
pub(crate) fn call_host<T>(
    store: &mut Store<T>,
    func: u32,
    cells: &mut [u64],
    caller: Option<u32>,
) -> Result<()> {
    let FuncEntity::Host { host, .. } = *store.inner.func(func) else {
        return Err(Error::from_trap(Trap::BadSignature));
    };
    let f = store.host[host as usize].clone();
    f(Caller { store, instance: caller }, cells)
}
