#!/usr/bin/env bash
# Whole-program speed: wisp against wasmi 2.0.0 on the Sightglass programs.
#
# Usage: benches/programs-vs-wasmi.sh [--runs N] BENCH_DIR [PROGRAM...]
#
# BENCH_DIR holds the programs in Sightglass layout (one directory per
# program, each with NAME.standalone.wasm and its inputs). For every
# `*.standalone.wasm` (or the ones whose file name, without
# `.standalone.wasm`, is given) the script times `wasmi --dir . X` and
# `wisp run --dir . X` inside the program's directory with one hyperfine
# invocation (--warmup 1 --runs N) and prints a Markdown table of the
# medians, their ratio and the geometric mean of the ratios, to stdout and
# to target/bench/programs-vs-wasmi.md.
#
# Environment: WISP (default target/release/wisp), WASMI (default
# /work/peers/bin/wasmi), RUNS (default 5), WISP_BASE (optional: a second
# wisp binary, e.g. an earlier build, timed in the same hyperfine run and
# reported in its own column).
#
# A runtime that fails on a program (non-zero exit status) gets no time.

set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs="${RUNS:-5}"
if [[ "${1:-}" == "--runs" ]]; then
    runs="$2"
    shift 2
fi
(($# >= 1)) || { sed -n '2,/^$/{s/^# \{0,1\}//;p}' "$0" >&2; exit 2; }
bench_dir="$(cd "$1" && pwd)"
shift
selected=("$@")

target_dir="${CARGO_TARGET_DIR:-$root/target}"
wisp="$(realpath "${WISP:-$target_dir/release/wisp}")"
wasmi="${WASMI:-/work/peers/bin/wasmi}"
base="${WISP_BASE:+$(realpath "$WISP_BASE")}"
[[ -x "$wisp" ]] || { echo "no wisp binary at $wisp" >&2; exit 1; }
[[ -x "$wasmi" ]] || { echo "no wasmi binary at $wasmi (set WASMI)" >&2; exit 1; }

out_dir="$target_dir/bench/programs-vs-wasmi"
mkdir -p "$out_dir"
rows="$out_dir/rows.tsv"
: >"$rows"

for wasm in "$bench_dir"/*/*.standalone.wasm; do
    name="$(basename "$wasm" .standalone.wasm)"
    dir="$(dirname "$wasm")"
    label="$(basename "$dir")/$name"
    if ((${#selected[@]})) && [[ ! " ${selected[*]} " == *" $name "* && ! " ${selected[*]} " == *" $label "* ]]; then
        continue
    fi
    json="$out_dir/$(basename "$dir")-$name.json"
    echo "programs-vs-wasmi: $label" >&2
    extra=()
    if [[ -n "$base" ]]; then
        extra=(--command-name base "$base run --dir . $(basename "$wasm")")
    fi
    (cd "$dir" && hyperfine --shell=none --warmup 1 --runs "$runs" --export-json "$json" \
        --output=pipe --ignore-failure \
        --command-name wasmi "$wasmi --dir . $(basename "$wasm")" \
        "${extra[@]}" \
        --command-name wisp "$wisp run --dir . $(basename "$wasm")" >&2) \
        && printf '%s\t%s\n' "$label" "$json" >>"$rows" \
        || printf '%s\t!failed\n' "$label" >>"$rows"
done

python3 - "$rows" "$runs" "${base:+1}" <<'PY' | tee "$target_dir/bench/programs-vs-wasmi.md"
import json, math, sys
rows, runs, with_base = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
names = ["wasmi", "base", "wisp"] if with_base else ["wasmi", "wisp"]


def fmt(t):
    return f"{t * 1000:.1f} ms" if t < 1 else f"{t:.3f} s"


def geomean(xs):
    return f"**{math.exp(sum(map(math.log, xs)) / len(xs)):.2f}**" if xs else ""


print(f"hyperfine `--warmup 1 --runs {runs}`: medians of whole-process wall-clock")
print("time, and the ratios of those medians to wasmi's; then the same ratios")
print("for user CPU time (means), which a busy machine disturbs less.")
print()
heads = ["wasmi 2.0"] + (["wisp (base)"] if with_base else []) + ["wisp"]
ratio_heads = [f"{n}/wasmi" for n in names[1:]]
cols = heads + ratio_heads + [f"{h} (user)" for h in ratio_heads]
print("| program | " + " | ".join(cols) + " |")
print("|:--|" + "--:|" * len(cols))
wall = {n: [] for n in names[1:]}
user = {n: [] for n in names[1:]}
for line in open(rows):
    label, src = line.rstrip("\n").split("\t")
    if src.startswith("!"):
        print(f"| {label} | {src[1:]} |")
        continue
    res = {}
    for r in json.load(open(src))["results"]:
        ok = all(code == 0 for code in r.get("exit_codes", [0]))
        res[r["command"]] = (r["median"], r["user"]) if ok else None
    cells = [fmt(res[n][0]) if res[n] else "fails" for n in names]
    wr, ur = [], []
    for n in names[1:]:
        if res["wasmi"] and res[n]:
            w, u = res[n][0] / res["wasmi"][0], res[n][1] / res["wasmi"][1]
            wall[n].append(w)
            user[n].append(u)
            wr.append(f"{w:.2f}")
            ur.append(f"{u:.2f}")
        else:
            wr.append("n/a")
            ur.append("n/a")
    print(f"| {label} | " + " | ".join(cells + wr + ur) + " |")
count = len(wall[names[-1]])
means = [geomean(wall[n]) for n in names[1:]] + [geomean(user[n]) for n in names[1:]]
print(f"| **geometric mean** ({count} programs) | " + " | ".join([""] * len(heads) + means) + " |")
PY
