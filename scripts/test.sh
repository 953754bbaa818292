#!/usr/bin/env bash
# Runs all of Wisp's tests: installs the toolchains they use (see
# setup.sh), then the whole workspace's test suite. Extra arguments go to
# `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo test --workspace "$@"
