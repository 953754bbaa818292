#!/usr/bin/env bash
# Builds the example plugins into OUT (default: target/plugins at the top of
# the repository): one directory per plugin with its plugin.toml and module.
# C plugins need Debian's clang and wasi-libc (scripts/setup.sh installs
# them); AssemblyScript plugins need the `assemblyscript` compiler, which
# is installed with npm under target/assemblyscript. A plugin whose
# toolchain is missing is skipped with a message, unless CI=true.
#
# C files are compiled with -O2 and linked without it: clang 14 runs
# wasm-opt on optimized links, and wasm-opt may not be installed.
#
# Usage: examples/plugins/build.sh [OUT]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${1:-$root/target/plugins}"
cc=${CC:-clang}
asc_dir="$root/target/assemblyscript"
asc="$asc_dir/node_modules/.bin/asc"

missing() {
    if [[ "${CI:-}" == "true" ]]; then
        echo "plugins: $1" >&2
        exit 1
    fi
    echo "plugins: $1; skipping $2" >&2
}

if [[ ! -x "$asc" ]] && command -v npm >/dev/null; then
    mkdir -p "$asc_dir"
    (cd "$asc_dir" && npm install --no-audit --no-fund --silent assemblyscript@0.28) ||
        echo "plugins: npm could not install assemblyscript" >&2
fi

rm -rf "$out"
mkdir -p "$out"
for dir in "$here"/plugins/*/; do
    name="$(basename "$dir")"
    dest="$out/$name"
    mkdir -p "$dest"
    cp "$dir/plugin.toml" "$dest/"
    for source in "$dir"*; do
        case "$source" in
        *.c)
            "$cc" --target=wasm32-wasi --sysroot=/usr -O2 -Wall -Wextra -Werror \
                -c "$source" -o "$dest/$name.o"
            "$cc" --target=wasm32-wasi --sysroot=/usr -mexec-model=reactor \
                -Wl,--strip-debug "$dest/$name.o" -o "$dest/$name.wasm"
            rm "$dest/$name.o"
            ;;
        *.ts)
            if [[ -x "$asc" ]]; then
                "$asc" "$source" -o "$dest/$name.wasm" --runtime stub -O2 --use abort=
            else
                missing "no AssemblyScript compiler" "$name"
                rm -rf "$dest"
            fi
            ;;
        *.wat)
            cp "$source" "$dest/"
            ;;
        esac
    done
done
echo "plugins: built $(ls "$out" | wc -l) plugins in $out"
