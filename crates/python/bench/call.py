"""Per-call cost of a host-to-guest call of an (i32, i32) -> i32 export,
from Python: this package against the `wasmtime` package, in one run.

Usage: python call.py [CALLS]   (needs `pip install wasmtime` beside wisp)
"""

import sys
import timeit
from importlib.metadata import version

import wasmtime
import wisp

WAT = '(module (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))'


def wisp_add(tier):
    engine = wisp.Engine(wisp.Config(tier=tier))
    store = wisp.Store(engine)
    instance = wisp.Linker(engine).instantiate(store, wisp.Module(engine, WAT))
    add = instance["add"]
    return lambda: add(1, 2)


def wasmtime_add():
    store = wasmtime.Store()
    module = wasmtime.Module(store.engine, WAT)
    add = wasmtime.Instance(store, module, []).exports(store)["add"]
    return lambda: add(store, 1, 2)


def main():
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    cases = {
        "wisp (interp)": wisp_add("interp"),
        "wisp (cranelift)": wisp_add("cranelift"),
        f"wasmtime {version('wasmtime')}": wasmtime_add(),
    }
    for name, call in cases.items():
        assert call() == 3
        runs = sorted(timeit.repeat(call, number=calls, repeat=5))
        print(f"{'Python, ' + name:<28} {runs[2] / calls * 1e9:8.1f} ns/call (median of 5 x {calls})")


if __name__ == "__main__":
    main()
