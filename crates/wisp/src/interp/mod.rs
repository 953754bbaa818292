//! The interpreter tier: lazy translation to register bytecode
//! (`translate`), the instruction set (`isa`), and the dispatch loop
//! (`executor`).

mod executor;
mod isa;
mod ops;
pub(crate) mod simd;
pub(crate) mod translate;

use crate::store::FuncEntity;
use crate::{Caller, Error, Result, Store, Trap};

/// How many host-to-Wasm re-entries may be active at once. Each one uses
/// some host stack, so the bound keeps deep host/guest ping-pong from
/// overflowing a small host thread stack.
const MAX_REENTRY: u32 = 200;

/// Calls store function `func`. Parameters are read from `cells` and
/// results written back from cell 0 on; `cells` holds as many cells as the
/// larger of the two.
pub(crate) fn invoke<T>(store: &mut Store<T>, func: u32, cells: &mut [u64]) -> Result<()> {
    match store.inner.funcs[func as usize].clone() {
        FuncEntity::Host { host, .. } => {
            let f = store.host[host as usize].clone();
            f(Caller { store, instance: None }, cells)
        }
        FuncEntity::Wasm { instance, index, .. } => {
            if store.inner.reentry >= MAX_REENTRY {
                return Err(Error::from_trap(Trap::StackOverflow));
            }
            store.inner.reentry += 1;
            let mut stack = std::mem::take(&mut store.inner.stack);
            let result = executor::run(store, &mut stack, instance, index, cells);
            store.inner.stack = stack;
            store.inner.reentry -= 1;
            result
        }
    }
}
