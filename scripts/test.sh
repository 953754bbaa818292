#!/usr/bin/env bash
# Runs all of Wisp's tests: installs the toolchains they use (see
# setup.sh), then the whole workspace's test suite. Extra arguments go to
# `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."

# Each phase says how long it took, so that a slow run shows where.
phase_start=$SECONDS
phase() {
    echo "test.sh: $1 took $((SECONDS - phase_start)) s (total $SECONDS s)" >&2
    phase_start=$SECONDS
}

bash scripts/setup.sh
phase setup
cargo test --workspace "$@"
phase "cargo test"

# The test profile optimizes the interpreter, which then dispatches by
# threaded tail calls. An unoptimized build dispatches through a loop
# instead (see crates/wisp/build.rs); run a few programs through it too.
# The `loop-dispatch` feature picks the loop in the test profile, so this
# build reuses the dependencies `cargo test` compiled.
shared="${WISP_SHARED:-../shared}"
if [ -d "$shared/bench" ]; then
    cargo build --quiet --profile test -p wisp-cli --features wisp/loop-dispatch
    wisp="$PWD/target/debug/wisp"
    for program in shootout/shootout-gimli shootout/shootout-xchacha20 quicksort/benchmark; do
        dir="$shared/bench/$(dirname "$program")"
        name="$(basename "$program")"
        out="$(cd "$dir" && "$wisp" run --tier interp --dir . "$name.standalone.wasm" </dev/null)"
        if [ "$out" != "$(cat "$dir/$name.stdout.expected")" ]; then
            echo "loop dispatch: $program printed something else than $name.stdout.expected" >&2
            exit 1
        fi
        echo "loop dispatch: $program ok"
    done
else
    echo "loop dispatch: $shared/bench not found, not checked" >&2
fi
phase "loop dispatch"

# The Python package: pip builds it (fetching maturin from PyPI) into a
# virtual environment under target/, then its pytest tests run. The
# extension is built in the dev profile (a release build adds minutes;
# the test profile would make `cargo rustc` build a test harness). Without PyPI the Python
# tests are skipped, unless CI=true.
venv=target/python-venv
python="$venv/bin/python"
[ -x "$python" ] || python3 -m venv "$venv"
if MATURIN_PEP517_ARGS="--profile dev" "$venv/bin/pip" install --quiet ./crates/python pytest; then
    "$python" -m pytest -q crates/python/tests
elif [ "${CI:-}" = "true" ]; then
    echo "python: pip could not install crates/python and pytest" >&2
    exit 1
else
    echo "python: pip could not install crates/python and pytest (no PyPI?): Python tests skipped" >&2
    python=python3
fi
phase python

# The plugin hosts of examples/plugins, in C and in Python.
PYTHON="$python" bash examples/plugins/test.sh
phase plugins
