#!/usr/bin/env bash
# Side-by-side interpreter speed: wisp against wasmi 2.0.0 on the compute
# kernels in benches/kernels/.
#
# Usage: benches/interp-vs-wasmi.sh [--runs N] [KERNEL...]
#
# Every benches/kernels/NAME.wat exports a function NAME; its header carries
# a line ";; Default argument: ARGS  ->  RESULT" giving the arguments to
# invoke it with and the value it must return. For each kernel (or only the
# ones named on the command line) the script
#
#   1. runs it once under wisp and once under wasmi and checks that both
#      print the expected result,
#   2. times both with one hyperfine invocation (--warmup 1 --runs N),
#
# then prints a Markdown table of the medians and their ratio, with the
# geometric mean of the ratios, to stdout and to target/bench/interp-vs-wasmi.md.
# hyperfine's raw JSON goes to target/bench/interp-vs-wasmi/NAME.json.
#
# Environment:
#   WISP        wisp binary           (default: target/release/wisp)
#   WASMI       wasmi binary          (default: /work/peers/bin/wasmi, then
#                                      $WISP_PEERS/bin/wasmi)
#   WISP_PEERS  where wasmi is installed when it is missing
#                                     (default: ~/.cache/wisp/peers)
#   RUNS        timed runs per command (default: 5; --runs overrides)
#
# Exit status is non-zero if any kernel could not be measured (a runtime
# failed or printed a different result); the table is still written.

set -euo pipefail

WASMI_VERSION=2.0.0

die() {
    echo "interp-vs-wasmi: $*" >&2
    exit 1
}

note() {
    echo "interp-vs-wasmi: $*" >&2
}

usage() {
    sed -n '2,/^$/{s/^# \{0,1\}//;p}' "$0" >&2
    exit "${1:-0}"
}

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

runs="${RUNS:-5}"
selected=()
while (($#)); do
    case "$1" in
        --runs)
            (($# >= 2)) || die "--runs needs a value"
            runs="$2"
            shift 2
            ;;
        --runs=*)
            runs="${1#--runs=}"
            shift
            ;;
        -h | --help)
            usage 0
            ;;
        -*)
            note "unknown option: $1"
            usage 2
            ;;
        *)
            selected+=("$1")
            shift
            ;;
    esac
done
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || die "--runs must be a positive integer, got '$runs'"

# ---------------------------------------------------------------- tools

command -v python3 >/dev/null || die "python3 is required to read hyperfine's JSON output"

if ! command -v hyperfine >/dev/null; then
    die "hyperfine not found; install it with 'apt-get install hyperfine' (or 'cargo install hyperfine')"
fi

target_dir="${CARGO_TARGET_DIR:-$root/target}"
wisp="${WISP:-$target_dir/release/wisp}"
if [[ ! -x "$wisp" ]]; then
    die "wisp binary not found at $wisp; build it with 'cargo build --release' or point WISP at it"
fi

peers="${WISP_PEERS:-$HOME/.cache/wisp/peers}"
if [[ -n "${WASMI:-}" ]]; then
    wasmi="$WASMI"
    [[ -x "$wasmi" ]] || die "WASMI=$wasmi is not an executable"
elif [[ -x /work/peers/bin/wasmi ]]; then
    wasmi=/work/peers/bin/wasmi
elif [[ -x "$peers/bin/wasmi" ]]; then
    wasmi="$peers/bin/wasmi"
else
    command -v cargo >/dev/null || die "wasmi not found and cargo is not available to install it"
    note "wasmi not found; installing wasmi_cli@$WASMI_VERSION into $peers (this takes a few minutes)"
    cargo install --locked --root "$peers" "wasmi_cli@$WASMI_VERSION" >&2
    wasmi="$peers/bin/wasmi"
    [[ -x "$wasmi" ]] || die "cargo install finished but $wasmi is missing"
fi

wasmi_version="$("$wasmi" --version 2>/dev/null || true)"
if [[ "$wasmi_version" != "wasmi $WASMI_VERSION" ]]; then
    note "warning: expected 'wasmi $WASMI_VERSION' but $wasmi reports '${wasmi_version:-nothing}'"
fi
wisp_version="$("$wisp" --version 2>/dev/null | head -n 1 || true)"
hyperfine_version="$(hyperfine --version 2>/dev/null || true)"

# Without a shell in between, hyperfine measures only the runtime itself.
hyperfine_shell=()
if hyperfine --help 2>/dev/null | grep -q -- '--shell'; then
    hyperfine_shell=(--shell=none)
fi

# ---------------------------------------------------------------- kernels

kernel_dir=benches/kernels
if ((${#selected[@]} == 0)); then
    for f in "$kernel_dir"/*.wat; do
        [[ -e "$f" ]] || die "no kernels in $kernel_dir"
        name="$(basename "$f" .wat)"
        selected+=("$name")
    done
fi

out_dir="$target_dir/bench"
json_dir="$out_dir/interp-vs-wasmi"
mkdir -p "$json_dir"
report="$out_dir/interp-vs-wasmi.md"

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

# One line per kernel: name <TAB> arguments <TAB> json-path-or-"!"reason
rows="$scratch/rows.tsv"
: >"$rows"
failures=0

# Results as printed, without blank lines or trailing whitespace.
normalise() {
    sed -e 's/[[:space:]]*$//' -e '/^$/d'
}

# Quote an argument vector as one command line for hyperfine.
as_command() {
    local q
    printf -v q '%q ' "$@"
    printf '%s' "${q% }"
}

for name in "${selected[@]}"; do
    [[ -f "$kernel_dir/$name.wat" ]] || die "unknown kernel '$name' (no $kernel_dir/$name.wat)"
done

for name in "${selected[@]}"; do
    file="$kernel_dir/$name.wat"

    header="$(grep -m 1 -E '^;;[[:space:]]*Default argument:' "$file" || true)"
    [[ -n "$header" ]] || die "$file lacks a ';; Default argument: ARGS  ->  RESULT' line"
    spec="${header#*Default argument:}"
    [[ "$spec" == *"->"* ]] || die "$file: cannot read '$header'"
    read -r -a args <<<"${spec%%->*}"
    expected="$(printf '%s\n' "${spec#*->}" | sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//')"

    wisp_cmd=("$wisp" run "$file" --invoke "$name" "${args[@]}")
    wasmi_cmd=("$wasmi" --invoke "$name" "$file" "${args[@]}")

    note "$name(${args[*]}): checking results (expecting $expected)"

    if ! wasmi_out="$("${wasmi_cmd[@]}" 2>"$scratch/wasmi.err" | normalise)" \
        || [[ "$wasmi_out" != "$expected" ]]; then
        cat "$scratch/wasmi.err" >&2
        die "$file: wasmi printed '${wasmi_out:-}' instead of '$expected'; the kernel or its header is wrong"
    fi

    if ! wisp_out="$("${wisp_cmd[@]}" 2>"$scratch/wisp.err" | normalise)"; then
        cat "$scratch/wisp.err" >&2
        note "$name: wisp failed; skipping"
        printf '%s\t%s\t!wisp failed\n' "$name" "${args[*]}" >>"$rows"
        failures=$((failures + 1))
        continue
    fi
    if [[ "$wisp_out" != "$wasmi_out" ]]; then
        note "$name: wisp printed '$wisp_out', wasmi printed '$wasmi_out'; skipping"
        printf '%s\t%s\t!wrong result\n' "$name" "${args[*]}" >>"$rows"
        failures=$((failures + 1))
        continue
    fi

    json="$json_dir/$name.json"
    note "$name(${args[*]}): timing ($runs runs each)"
    if ! hyperfine "${hyperfine_shell[@]}" --warmup 1 --runs "$runs" \
        --export-json "$json" \
        --command-name "wisp $name" "$(as_command "${wisp_cmd[@]}")" \
        --command-name "wasmi $name" "$(as_command "${wasmi_cmd[@]}")" >&2; then
        note "$name: hyperfine failed; skipping"
        printf '%s\t%s\t!timing failed\n' "$name" "${args[*]}" >>"$rows"
        failures=$((failures + 1))
        continue
    fi
    printf '%s\t%s\t%s\n' "$name" "${args[*]}" "$json" >>"$rows"
done

# ---------------------------------------------------------------- report

cpu="$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo 2>/dev/null | head -n 1 || true)"
host="$(uname -sm), ${cpu:-unknown CPU}, $(getconf _NPROCESSORS_ONLN 2>/dev/null || echo '?') CPUs"

python3 - "$rows" "$runs" "$host" "${wisp_version:-wisp (no --version)}" \
    "${wasmi_version:-wasmi}" "${hyperfine_version:-hyperfine}" <<'PY' | tee "$report"
import datetime
import json
import math
import sys

rows_path, runs, host, wisp_version, wasmi_version, hyperfine_version = sys.argv[1:]


def seconds(t):
    return f"{t * 1000:.1f} ms" if t < 1 else f"{t:.3f} s"


print("# Interpreter speed: wisp vs wasmi")
print()
print(f"- date: {datetime.date.today().isoformat()}")
print(f"- host: {host}")
print(f"- runtimes: {wisp_version}; {wasmi_version}")
print(f"- {hyperfine_version}, `--warmup 1 --runs {runs}`; medians of wall-clock time per process")
print()
print("| kernel | wisp median | wasmi median | wisp/wasmi |")
print("|:--|--:|--:|--:|")

ratios = []
with open(rows_path) as rows:
    for line in rows:
        name, args, source = line.rstrip("\n").split("\t")
        label = f"{name}({', '.join(args.split())})"
        if source.startswith("!"):
            print(f"| {label} | {source[1:]} | | |")
            continue
        with open(source) as f:
            results = json.load(f)["results"]
        median = {r["command"].split()[0]: r["median"] for r in results}
        wisp, wasmi = median["wisp"], median["wasmi"]
        ratio = wisp / wasmi
        ratios.append(ratio)
        print(f"| {label} | {seconds(wisp)} | {seconds(wasmi)} | {ratio:.2f} |")

if ratios:
    geomean = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
    kernels = f"{len(ratios)} kernel" + ("" if len(ratios) == 1 else "s")
    print(f"| **geometric mean** ({kernels}) | | | **{geomean:.2f}** |")
PY

note "report written to $report"
if ((failures > 0)); then
    note "$failures kernel(s) could not be measured"
    exit 1
fi
