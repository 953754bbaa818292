#!/usr/bin/env bash
# Installs the system packages that the test suite uses beyond the Rust
# toolchain: Debian's clang, lld, wasi-libc and the wasm32 compiler runtime,
# so crates/cli/tests/c_programs.rs can build tests/c/*.c for wasm32-wasi;
# docker-registry (distribution 2.8), skopeo and htpasswd (apache2-utils),
# so crates/cli/tests/registry.rs can push to and pull from a real registry;
# valgrind, which crates/c-api/tests/c_programs.rs runs the C API's test
# programs under (required there when CI=true).
# Then builds the example WAGI guests of examples/serve with that clang.
#
# Safe to run again: apt is only touched when a package is missing, and the
# examples are only rebuilt when their sources change.
# Usage: scripts/setup.sh   (as root, or with sudo available)
set -euo pipefail

packages=(clang lld wasi-libc libclang-rt-14-dev-wasm32 docker-registry skopeo apache2-utils valgrind)

installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

missing=()
for package in "${packages[@]}"; do
    if ! installed "$package"; then
        missing+=("$package")
    fi
done

if ((${#missing[@]} == 0)); then
    echo "setup: already installed: ${packages[*]}"
else
    sudo=()
    if ((EUID != 0)); then
        sudo=(sudo)
    fi

    echo "setup: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
    echo "setup: installed ${missing[*]}"
fi

bash "$(dirname "$0")/../examples/serve/build.sh"
