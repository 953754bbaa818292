#!/usr/bin/env bash
# Builds the example WAGI guests: examples/serve/NAME.c into
# examples/serve/build/NAME.wasm, with Debian's clang and wasi-libc (which
# scripts/setup.sh installs). A module newer than its source is left alone,
# so running this again does nothing.
#
# Compiling and linking are separate steps because clang 14 runs wasm-opt on
# an optimized link, and wasm-opt may not be installed; the object is
# optimized, the link is not. The link drops wasi-libc's DWARF (three
# quarters of each module) but keeps function names for backtraces.
#
# Usage: examples/serve/build.sh   (CC overrides clang)
set -euo pipefail
cd "$(dirname "$0")"
cc=${CC:-clang}
target=(--target=wasm32-wasi --sysroot=/usr)
mkdir -p build

built=()
for source in *.c; do
    name=${source%.c}
    wasm=build/$name.wasm
    if [[ -f $wasm && ! $source -nt $wasm ]]; then
        continue
    fi
    "$cc" "${target[@]}" -O2 -Wall -Wextra -Werror -c "$source" -o "build/$name.o"
    "$cc" "${target[@]}" -Wl,--strip-debug "build/$name.o" -o "$wasm"
    built+=("$name")
done

if ((${#built[@]} == 0)); then
    echo "examples/serve: up to date"
else
    echo "examples/serve: built ${built[*]} in examples/serve/build"
fi
