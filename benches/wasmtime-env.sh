# Sourced by the benchmark scripts that compare with the wasmtime CLI: moves
# to the workspace root, finds the corpus ($WISP_SHARED, default ../shared)
# and wasmtime (on PATH, else $WISP_PEERS/bin, default ../peers/bin), builds
# the release `wisp`, and gives a scratch directory `$work` (removed on exit)
# that also holds the compile cache.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
shared=$(realpath "${WISP_SHARED:-../shared}")
peers=$(realpath -m "${WISP_PEERS:-../peers}")
wasmtime=$(command -v wasmtime || echo "$peers/bin/wasmtime")
[[ -x "$wasmtime" ]] || { echo "no wasmtime on PATH or in $peers/bin" >&2; exit 1; }
cargo build --release -q -p wisp-cli
wisp=$PWD/target/release/wisp
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export WISP_CACHE_DIR=$work/cache
