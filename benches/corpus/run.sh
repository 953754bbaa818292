#!/usr/bin/env bash
# The interpreter against wasmi 2.0.0 on the corpus of C programs that
# benches/corpus/build.sh builds (programs it was not tuned on), and
# optionally, in the same sitting, on the tuned set $WISP_SHARED/bench.
#
# Usage: benches/corpus/run.sh [--runs N] [--tuned] [PROGRAM...]
#
# Builds the corpus (build.sh; already built programs are skipped) and
# the release `wisp` (cargo build --release -p wisp-cli, unless WISP_BIN
# names a binary), then runs benches/programs-vs-wasmi.sh on the corpus
# with `wisp run --tier interp` (through target/corpus/wisp-interp, which
# build.sh compiles from wisp-interp.c) and
# copies its table to target/bench/corpus-vs-wasmi.md. With --tuned it
# runs the same on $WISP_SHARED/bench (default ../shared/bench beside the
# repository) into target/bench/tuned-vs-wasmi.md. RUNS (default 3) and
# WASMI are passed on; the load average is printed before and after.

set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
runs="${RUNS:-3}"
tuned=0
while (($#)); do
    case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --tuned) tuned=1; shift ;;
    *) break ;;
    esac
done

"$here/build.sh" "$@"
if [[ -z "${WISP_BIN:-}" ]]; then
    (cd "$root" && cargo build --release -p wisp-cli)
    export WISP_BIN="$target_dir/release/wisp"
fi
command -v hyperfine >/dev/null || {
    echo "run: installing hyperfine" >&2
    sudo=()
    ((EUID == 0)) || sudo=(sudo)
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends hyperfine
}

corpus="${CORPUS_DIR:-$target_dir/corpus}"
echo "run: load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
WISP="$corpus/wisp-interp" "$root/benches/programs-vs-wasmi.sh" --runs "$runs" "$corpus" "$@"
cp "$target_dir/bench/programs-vs-wasmi.md" "$target_dir/bench/corpus-vs-wasmi.md"
if ((tuned)); then
    shared="${WISP_SHARED:-$root/../shared}"
    WISP="$corpus/wisp-interp" "$root/benches/programs-vs-wasmi.sh" --runs "$runs" "$shared/bench"
    cp "$target_dir/bench/programs-vs-wasmi.md" "$target_dir/bench/tuned-vs-wasmi.md"
fi
echo "run: load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo "run: tables in $target_dir/bench/corpus-vs-wasmi.md$( ((tuned)) && echo " and tuned-vs-wasmi.md")" >&2
