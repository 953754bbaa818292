#!/usr/bin/env bash
# Whole-process time of the Cranelift tier against the wasmtime CLI on every
# `*.standalone.wasm` of the benchmark corpus, compile included and excluded:
#
#   compile included:  wisp run --no-cache --tier cranelift   vs  wasmtime run -C cache=n
#   compile excluded:  wisp run (warm compile cache)          vs  wasmtime run --allow-precompiled
#                      (of a module `wasmtime compile` made beforehand)
#
# All four commands of a program run in one hyperfine invocation, program by
# program, inside the program's directory with `--dir .`. Prints a Markdown
# table of medians, per-program ratios Wisp/wasmtime and their geometric
# means, also written to target/bench/whole-process-vs-wasmtime.md. (The
# wasmtime CLI keeps its own compile cache, on by default: `-C cache=n`
# makes it compile.)
#
# Usage: benches/whole-process-vs-wasmtime.sh [RUNS]   (default 2)
# Environment: WISP_SHARED (default ../shared), WISP_PEERS (default
# ../peers; wasmtime is taken from PATH or $WISP_PEERS/bin).
runs=${1:-2}
source "$(dirname "$0")/wasmtime-env.sh"
mkdir -p target/bench
out=target/bench/whole-process-vs-wasmtime.md

for wasm in "$shared"/bench/*/*.standalone.wasm; do
    dir=$(dirname "$wasm")
    name=$(basename "$dir")/$(basename "$wasm" .standalone.wasm)
    key=${name//\//_}
    "$wasmtime" compile "$wasm" -o "$work/$key.cwasm"
    (cd "$dir" && "$wisp" run --dir . "$wasm" > /dev/null 2>&1) || true   # fills the cache
    (cd "$dir" && hyperfine -N -i --warmup 0 --runs "$runs" --export-json "$work/$key.json" \
        -n wisp-compile "$wisp run --no-cache --tier cranelift --dir . $wasm" \
        -n wasmtime-compile "$wasmtime run -C cache=n --dir . $wasm" \
        -n wisp-cached "$wisp run --dir . $wasm" \
        -n wasmtime-precompiled "$wasmtime run --dir . --allow-precompiled $work/$key.cwasm" \
        > /dev/null 2>&1)
    echo "$name $work/$key.json" >> "$work/index"
    echo "measured $name" >&2
done

python3 - "$work/index" "$runs" <<'PY' | tee "$out"
import json, math, statistics, sys
rows, inc, exc = [], [], []
for line in open(sys.argv[1]):
    name, path = line.split()
    med = {r["command"]: statistics.median(r["times"]) for r in json.load(open(path))["results"]}
    a = med["wisp-compile"] / med["wasmtime-compile"]
    b = med["wisp-cached"] / med["wasmtime-precompiled"]
    inc.append(a); exc.append(b)
    rows.append(f"| {name} | {med['wisp-compile']*1e3:.1f} | {med['wasmtime-compile']*1e3:.1f} | {a:.2f} "
                f"| {med['wisp-cached']*1e3:.1f} | {med['wasmtime-precompiled']*1e3:.1f} | {b:.2f} |")
geo = lambda xs: math.exp(sum(map(math.log, xs)) / len(xs))
print(f"Medians of {sys.argv[2]} runs, whole process, wall time (ms).\n")
print("| program | wisp (compiling) | wasmtime (compiling) | ratio | wisp (cached) | wasmtime (precompiled) | ratio |")
print("|:--|--:|--:|--:|--:|--:|--:|")
print("\n".join(rows))
print(f"| **geometric mean** ({len(rows)} programs) | | | **{geo(inc):.2f}** | | | **{geo(exc):.2f}** |")
PY
