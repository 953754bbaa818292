#!/usr/bin/env python3
"""Times wasmtime's compile, instantiate and execute phases on the benchmark
corpus, in process, through wasmtime's Python bindings (which embed the
wasmtime release of the same number).

The execution phase is the span between the program's `bench.start` and
`bench.end` calls, as in Sightglass and `wisp-bench`. Each program runs
from its own directory, preopened as `.`; its stdout must equal the
`.expected` file. Prints one CSV line per run: program, phase, nanoseconds.

Usage: benches/wasmtime_phases.py [--runs N] [--bench DIR] [REGEX]
Needs: pip install wasmtime==48.0.0
"""
import argparse
import os
import re
import sys
import tempfile
import time

import wasmtime


def programs(bench):
    """(name, directory, file stem) of every program: NAME.wasm files that
    are not `.standalone.wasm`; `benchmark.wasm` takes its directory's name."""
    for d in sorted(os.listdir(bench)):
        path = os.path.join(bench, d)
        if not os.path.isdir(path):
            continue
        for f in sorted(os.listdir(path)):
            if f.endswith(".wasm") and not f.endswith(".standalone.wasm"):
                stem = f[: -len(".wasm")]
                yield (d if stem == "benchmark" else stem), path, stem


def expected(path, stem):
    for name in (f"{stem}.stdout.expected", "default.stdout.expected"):
        p = os.path.join(path, name)
        if os.path.exists(p):
            return open(p).read()
    return ""


def run_once(engine, path, stem):
    t0 = time.perf_counter_ns()
    module = wasmtime.Module.from_file(engine, os.path.join(path, stem + ".wasm"))
    t1 = time.perf_counter_ns()
    store = wasmtime.Store(engine)
    out = tempfile.NamedTemporaryFile(delete=False)
    err = tempfile.NamedTemporaryFile(delete=False)
    wasi = wasmtime.WasiConfig()
    wasi.argv = [stem + ".wasm"]
    wasi.preopen_dir(path, ".")
    wasi.stdout_file = out.name
    wasi.stderr_file = err.name
    store.set_wasi(wasi)
    linker = wasmtime.Linker(engine)
    linker.define_wasi()
    marks = {}
    linker.define_func("bench", "start", wasmtime.FuncType([], []),
                       lambda: marks.__setitem__("start", time.perf_counter_ns()))
    linker.define_func("bench", "end", wasmtime.FuncType([], []),
                       lambda: marks.__setitem__("end", time.perf_counter_ns()))
    t2 = time.perf_counter_ns()
    instance = linker.instantiate(store, module)
    t3 = time.perf_counter_ns()
    cwd = os.getcwd()
    os.chdir(path)
    try:
        instance.exports(store)["_start"](store)
    except wasmtime.ExitTrap as e:
        if e.code != 0:
            raise
    finally:
        os.chdir(cwd)
    stdout = open(out.name).read()
    os.unlink(out.name)
    os.unlink(err.name)
    if stdout.splitlines() != expected(path, stem).splitlines():
        raise RuntimeError(f"{path}: wrong output")
    return t1 - t0, t3 - t2, marks["end"] - marks["start"]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--bench", default=os.path.join(os.path.dirname(__file__), "../../shared/bench"))
    p.add_argument("--list", action="store_true", help="only print the program names")
    p.add_argument("--medians", action="store_true", help="print each phase's median only")
    p.add_argument("filter", nargs="?", default=".")
    a = p.parse_args()
    if a.list:
        for name, _, _ in programs(a.bench):
            if re.search(a.filter, name):
                print(name)
        return
    engine = wasmtime.Engine()
    print("program,phase,ns")
    for name, path, stem in programs(a.bench):
        if not re.search(a.filter, name):
            continue
        runs = [run_once(engine, path, stem) for _ in range(a.runs)]
        for k, phase in enumerate(("compile", "instantiate", "execute")):
            times = [r[k] for r in runs]
            if a.medians:
                times = [sorted(times)[(len(times) - 1) // 2]]
            for ns in times:
                print(f"{name},{phase},{ns}")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
