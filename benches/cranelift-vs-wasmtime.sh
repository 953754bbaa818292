#!/usr/bin/env bash
# Wisp's Cranelift tier against wasmtime on the benchmark corpus, in
# process, phase by phase (compile, instantiate, execute between
# bench.start and bench.end), interleaved program by program so that
# machine drift hits both alike.
#
# Usage: benches/cranelift-vs-wasmtime.sh [RUNS] [REGEX]
#
# Wisp is timed by `wisp-bench` (in-process, tier wisp-cranelift);
# wasmtime by benches/wasmtime_phases.py through wasmtime's Python
# bindings (release 48), from a virtualenv at $WASMTIME_PY (default:
# ~/.cache/wisp/peers/py, created with `pip install wasmtime==48.0.0` when
# missing). Writes target/bench/cranelift-vs-wasmtime.{csv,md}: medians
# and the execution-time ratio Wisp/wasmtime per program, with the
# geometric mean.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}
FILTER=${2:-.}
BENCH=${WISP_SHARED:-../shared}/bench
PY=${WASMTIME_PY:-$HOME/.cache/wisp/peers/py}
if [ ! -x "$PY/bin/python" ]; then
    echo "installing wasmtime 48 (Python bindings) into $PY" >&2
    python3 -m venv "$PY" && "$PY/bin/pip" install -q wasmtime==48.0.0
fi
cargo build --release -q -p wisp-bench
out=target/bench/cranelift-vs-wasmtime
mkdir -p target/bench
echo "program,runtime,phase,median_ns" > "$out.csv"
programs=$("$PY/bin/python" benches/wasmtime_phases.py --list --bench "$BENCH" "$FILTER")
for p in $programs; do
    echo "== $p" >&2
    ./target/release/wisp-bench run --runs "$RUNS" --warmup 0 --no-peers --part in-process \
        --runtime wisp-cranelift --program "^$p\$" >/dev/null 2>&1
    awk -F, -v p="$p" '$1=="in-process" && $2==p {printf "%s,wisp-cranelift,%s,%.0f\n", p, $4, $6*1e9}' \
        target/bench/results.csv >> "$out.csv"
    "$PY/bin/python" benches/wasmtime_phases.py --medians --runs "$RUNS" --bench "$BENCH" "^$p\$" \
        | awk -F, 'NR>1 {printf "%s,wasmtime,%s,%s\n", $1, $2, $3}' >> "$out.csv"
done
awk -F, 'NR>1 { t[$1","$3","$2]=$4; progs[$1]=1 }
  END {
    print "| program | wisp compile | wasmtime compile | wisp execute | wasmtime execute | execute ratio |"
    print "|:--|--:|--:|--:|--:|--:|"
    n=0; s=0; skipped=""
    for (p in progs) {
      we=t[p",execute,wisp-cranelift"]; te=t[p",execute,wasmtime"]
      if (we=="" || te=="" || te==0) continue
      r=we/te
      # Below 1 ms the execution phase is dominated by timer and host-call
      # overhead: shown, but left out of the mean.
      if (te < 1e6) skipped=skipped" "p; else { n++; s+=log(r) }
      printf "| %s | %.1f ms | %.1f ms | %.3f ms | %.3f ms | %.2f |\n", p,
        t[p",compile,wisp-cranelift"]/1e6, t[p",compile,wasmtime"]/1e6, we/1e6, te/1e6, r
    }
    if (n) printf "\ngeometric mean of execute ratios (wisp/wasmtime) over %d programs: %.3f\n", n, exp(s/n)
    if (skipped != "") printf "(left out of the mean, execution under 1 ms:%s)\n", skipped
  }' "$out.csv" | tee "$out.md"
