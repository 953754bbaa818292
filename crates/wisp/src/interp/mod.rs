//! The interpreter tier: lazy translation to register bytecode
//! (`translate`), the instruction set (`isa`), the threaded dispatch
//! (`dispatch`) and the machine it runs on (`executor`).

// Threaded handlers over raw instruction and register pointers.
#[allow(unsafe_code)]
mod dispatch;
// Frames pushed without reallocation; code and modules referenced without
// reference counts for the length of an execution.
#[allow(unsafe_code)]
mod executor;
// Only its tests: zeroed operands for the listing of every instruction,
// and the opcodes read back.
#[cfg_attr(test, allow(unsafe_code))]
mod isa;
mod ops;
pub(crate) mod simd;
pub(crate) mod translate;

use crate::{Error, Result, Store, Trap};

/// How many host-to-Wasm re-entries may be active at once, on platforms
/// where the room left on the host stack cannot be measured.
const MAX_REENTRY: u32 = 100;

/// Host stack that must remain free to enter Wasm: room for the dispatch
/// loop, a host function it calls, and that function's own callees.
const HOST_STACK_RESERVE: usize = 64 << 10;

/// Calls defined function `index` of instance `instance`. Parameters are
/// read from `cells` and results written back from cell 0 on; `cells`
/// holds as many cells as the larger of the two.
pub(crate) fn invoke_wasm<T>(
    store: &mut Store<T>,
    instance: u32,
    index: u32,
    cells: &mut [u64],
) -> Result<()> {
    // Only a re-entry (a host function calling back into Wasm) can nest
    // dispatch loops on the host stack, so the outermost call skips the
    // probe: on a main thread it reads /proc/self/maps, a fixed cost of
    // every short-lived `wisp run`.
    let exhausted = store.inner.reentry > 0
        && match crate::vm::host_stack::remaining() {
            Some(left) => left < HOST_STACK_RESERVE,
            None => store.inner.reentry >= MAX_REENTRY,
        };
    if exhausted {
        return Err(Error::from_trap(Trap::StackOverflow));
    }
    store.inner.reentry += 1;
    let mut stack = std::mem::take(&mut store.inner.stack);
    let result = executor::run(store, &mut stack, instance, index, cells);
    store.inner.stack = stack;
    store.inner.reentry -= 1;
    result
}
