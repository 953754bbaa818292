#!/usr/bin/env bash
# Builds the example plugins (build.sh) and both hosts, runs each host over
# every plugin, and checks that both print expected.txt: the well-behaved
# plugins transform the text, the misbehaving ones are stopped and reported,
# and the host serves every plugin after them.
#
# The C host links target/debug/libwisp.a, built here by `cargo build -p
# wisp-c-api --profile test` (the profile of the tests, whose build it
# reuses). The Python host runs with PYTHON (default: python3), which
# must have the `wisp` package installed; without it the Python host is
# skipped with a message, unless CI=true.
#
# Usage: examples/plugins/test.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$root/target/plugins"
python="${PYTHON:-python3}"
text="Héllo, wörld"

bash "$here/build.sh" "$out"
# Only the plugins that were built are expected (see build.sh).
expected="$(grep -E "^($(ls "$out" | paste -sd '|')):" "$here/expected.txt")"

check() {
    local host="$1" actual
    shift
    actual="$("$@" "$out" "$text" 2>"$root/target/plugins-$host.log")"
    if [[ "$actual" != "$expected" ]]; then
        echo "plugins: the $host host printed:" >&2
        echo "$actual" >&2
        echo "plugins: expected:" >&2
        echo "$expected" >&2
        exit 1
    fi
    echo "plugins: $host host ok ($(echo "$actual" | wc -l) plugins)"
}

(cd "$root" && cargo build --quiet --profile test -p wisp-c-api)
cc -std=c11 -O2 -Wall -Wextra -Werror -I "$root/crates/c-api/include" "$here/host.c" \
    "$root/target/debug/libwisp.a" -lpthread -ldl -lm -o "$root/target/plugins-host"
check C "$root/target/plugins-host"

if "$python" -c "import wisp" 2>/dev/null; then
    check Python "$python" "$here/host.py"
elif [[ "${CI:-}" == "true" ]]; then
    echo "plugins: $python cannot import wisp" >&2
    exit 1
else
    echo "plugins: $python cannot import wisp; Python host skipped (pip install ./crates/python)" >&2
fi
