#!/usr/bin/env bash
# Builds the C API (libwisp.so, libwisp.a) in release mode and installs it
# with its headers under PREFIX, with a pkg-config file:
#
#   PREFIX/lib/libwisp.so, PREFIX/lib/libwisp.a
#   PREFIX/include/wasm.h, PREFIX/include/wisp.h
#   PREFIX/lib/pkgconfig/wisp.pc
#
# Usage: scripts/install-c-api.sh PREFIX
# Then:  cc prog.c $(PKG_CONFIG_PATH=PREFIX/lib/pkgconfig pkg-config --cflags --libs wisp)
set -euo pipefail

if (($# != 1)); then
    echo "usage: $0 PREFIX" >&2
    exit 2
fi
prefix=$(mkdir -p "$1" && cd "$1" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)

cargo build --release -p wisp-c-api --manifest-path "$root/Cargo.toml"
target=${CARGO_TARGET_DIR:-$root/target}/release

install -d "$prefix/lib/pkgconfig" "$prefix/include"
install -m 644 "$target/libwisp.a" "$prefix/lib/"
install -m 755 "$target/libwisp.so" "$prefix/lib/"
install -m 644 "$root/crates/c-api/include/wasm.h" "$root/crates/c-api/include/wisp.h" "$prefix/include/"

version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -n1)
cat >"$prefix/lib/pkgconfig/wisp.pc" <<PC
prefix=$prefix
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: wisp
Description: The Wisp WebAssembly runtime: the standard wasm.h C API and wisp.h
Version: $version
Cflags: -I\${includedir}
Libs: -L\${libdir} -lwisp
Libs.private: -lpthread -ldl -lm
PC
echo "installed libwisp $version under $prefix"
