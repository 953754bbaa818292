#!/usr/bin/env bash
# Whole-process time of executables from `wisp create-exe`, beside
# `wisp run` from a warm compile cache and `wasmtime run` of a module that
# `wasmtime compile` precompiled, on `noop` and two benchmark programs.
# Also prints the size of a stripped hello-world executable.
#
# Usage: benches/create-exe.sh [RUNS]   (default 20)
# Needs: hyperfine, a C compiler, `wasmtime` on PATH or in $WISP_PEERS/bin.
runs=${1:-20}
source "$(dirname "$0")/wasmtime-env.sh"
cargo build --release -q -p wisp-exe-runtime   # on its own: without the compiler

cat > "$work/hello.wat" <<'WAT'
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hello, world\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16)) (i32.store (i32.const 4) (i32.const 13))
    (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
WAT
"$wisp" create-exe "$work/hello.wat" -o "$work/hello"
echo "hello-world executable (stripped): $(stat -c %s "$work/hello") bytes"

for program in noop quicksort pulldown-cmark; do
    dir=$shared/bench/$program
    wasm=$dir/benchmark.standalone.wasm
    "$wisp" create-exe --dir . "$wasm" -o "$work/$program"
    "$wasmtime" compile "$wasm" -o "$work/$program.cwasm"
    (cd "$dir" && "$wisp" run --dir . "$wasm" > /dev/null)   # fills the cache
    (cd "$dir" && hyperfine -N --warmup 3 --runs "$runs" --export-json "$work/$program.json" \
        -n executable "$work/$program" \
        -n "wisp run (warm cache)" "$wisp run --dir . $wasm" \
        -n "wasmtime run (precompiled)" "$wasmtime run --dir . --allow-precompiled $work/$program.cwasm" \
        > /dev/null)
    python3 - "$program" "$work/$program.json" <<'PY'
import json, statistics, sys
name, path = sys.argv[1], sys.argv[2]
results = json.load(open(path))["results"]
med = {r["command"]: statistics.median(r["times"]) for r in results}
exe = med["executable"]
row = " | ".join(f"{c}: {t * 1e3:.2f} ms" for c, t in med.items())
print(f"{name}: {row}")
for c, t in med.items():
    if c != "executable":
        print(f"  executable / {c} = {exe / t:.2f}")
PY
done
