#!/usr/bin/env bash
# The cost of one host-to-guest call of an `(i32, i32) -> i32` export, in
# one run, through every embedding door beside its wasmtime counterpart:
#
#   - Wisp's C API (crates/c-api/bench/call.c against libwisp.a, both tiers)
#   - wasmtime's C API: the same call.c, built against the
#     `wasmtime-c-api-impl` crate (48.0.8, from crates.io, built here into
#     a static library with the Cranelift feature)
#   - Wisp's Rust API (crates/wisp/examples/call_cost.rs: TypedFunc and
#     Func::call with Vals, both tiers), timed the way call.c times
#   - Python: the `wisp` package (release, as pip builds it) beside the
#     `wasmtime` package from PyPI (48.0.0), crates/python/bench/call.py
#
# Every figure is the median of 5 runs of CALLS calls (Python: CALLS / 10).
#
# Usage: benches/embedding/run.sh [CALLS]     (default 2000000)
# Needs: cc, cmake (wasmtime-c-api-impl's build script runs it; installed
# with apt when missing), python3 with venv, network access to crates.io
# and PyPI on the first run. Results: stdout and
# target/bench/embedding/results.md.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
calls="${1:-2000000}"
out="$root/target/bench/embedding"
mkdir -p "$out"

step() { printf '\n== %s\n' "$*" >&2; }

if ! command -v cmake >/dev/null; then
    step "installing cmake (wasmtime-c-api-impl's build script needs it)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends cmake
fi

step "building Wisp's C API and the Rust example (release)"
cargo build --release -p wisp-c-api
cargo build --release -p wisp --example call_cost
cc -O2 -DWISP_TIERS -Icrates/c-api/include crates/c-api/bench/call.c \
    target/release/libwisp.a -lpthread -ldl -lm -o "$out/call-wisp"

step "building wasmtime's C API (wasmtime-c-api-impl 48.0.8; minutes on the first run)"
wt="$out/wasmtime-c-api"
mkdir -p "$wt"
cat >"$wt/Cargo.toml" <<'EOF'
[package]
name = "wasmtime-c-api-bench"
version = "0.0.0"
edition = "2024"
rust-version = "1.95"
publish = false

[lib]
crate-type = ["staticlib"]
path = "lib.rs"

[dependencies]
wasmtime-c-api-impl = { version = "=48.0.8", default-features = false, features = ["cranelift"] }

[profile.release]
codegen-units = 4

[workspace]
EOF
echo 'pub use wasmtime_c_api;' >"$wt/lib.rs"
CARGO_TARGET_DIR="$wt/target" cargo build --release --manifest-path "$wt/Cargo.toml"
impl_dir="$(cargo metadata --manifest-path "$wt/Cargo.toml" --format-version 1 |
    python3 -c 'import json, sys
for p in json.load(sys.stdin)["packages"]:
    if p["name"] == "wasmtime-c-api-impl":
        print(p["manifest_path"].rsplit("/", 1)[0])')"
cc -O2 -I"$impl_dir/include" crates/c-api/bench/call.c \
    "$wt/target/release/libwasmtime_c_api_bench.a" -lpthread -ldl -lm -o "$out/call-wasmtime"

step "installing the wisp and wasmtime Python packages into $out/venv"
[[ -x "$out/venv/bin/python" ]] || python3 -m venv "$out/venv"
"$out/venv/bin/pip" install --quiet ./crates/python "wasmtime==48.0.0"

step "timing ($calls calls per run; load average $(cut -d' ' -f1-3 /proc/loadavg))"
{
    "$out/call-wisp" "$calls"
    "$out/call-wasmtime" "$calls" "wasmtime 48.0.8 C API"
    target/release/examples/call_cost "$calls"
    "$out/venv/bin/python" crates/python/bench/call.py "$((calls / 10))"
} | tee "$out/results.txt"

{
    echo "| path | ns per call |"
    echo "|:--|--:|"
    # "name   123.4 ns/call ..." lines (C and Rust) and "name   123" (Python)
    sed -nE 's/^(.*[^ ]) +([0-9.]+)( ns\/call.*)?$/| \1 | \2 |/p' "$out/results.txt"
    echo
    echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores."
} >"$out/results.md"
echo >&2
echo "results: $out/results.md" >&2
