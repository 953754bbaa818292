#!/usr/bin/env bash
# Measures `wisp serve` under HTTP load, in four parts, and writes a Markdown
# report with the raw numbers to target/serve-bench/results.md:
#
#   hello   requests/s and p50/p99 latency of examples/serve/hello.c at each
#           of $CONNECTIONS, served by `wisp serve` (each tier of
#           $HELLO_TIERS) and by `wasmtime serve` (48.0.8) serving the same
#           handler as a wasi:http component (guests/hello_http.c)
#   apps    $APPS distinct modules in one server, one route each: start-up
#           until the first answer (from an empty compile cache and from a
#           filled one), resident memory per idle app, and requests/s with
#           the path chosen uniformly over all of them
#   faults  hello's latency alone, then while one client loops over /loop
#           (timeout 100 ms: 504), /hog (memory.grow past max_memory, then a
#           trap: 500) and /trap (500); hello must not fail, and every fault
#           must get its status
#   leak    resident memory and open descriptors of the server before and
#           after $REQUESTS hello requests
#
# The server runs on CPU $SERVER_CPU and wrk on CPU $CLIENT_CPU (taskset).
# Every load point is preceded by $WARMUP seconds of the same load, not
# counted. The script exits non-zero when a fault gets the wrong status or a
# hello request fails in `faults` or `leak`.
#
# Usage: benches/serve/run.sh
# Environment (defaults are the full run):
#   DURATION=10           seconds per load point
#   WARMUP=2              seconds of warm-up before each point
#   CONNECTIONS="16 64 256"  wrk connections for `hello`
#   HELLO_TIERS="cranelift interp"  the Wisp tiers `hello` measures
#   TIER=cranelift        the Wisp tier of the other parts
#   APPS=1000             modules for `apps`
#   REQUESTS=1000000      requests for `leak`
#   LOAD_CONNECTIONS=64   wrk connections for `apps`, `faults` and `leak`
#   PARTS="hello apps faults leak"  the parts to run
#   SERVER_CPU=0 CLIENT_CPU=1  CPUs for the server and for wrk
#   PORT=18080            first port to listen on (each server takes the next)
#   WISP=target/release/wisp  a `wisp` to measure (else built with cargo)
#   WISP_SHARED=../shared  where peers/ holds the prebuilt peer archives
#   WISP_PEERS=target/peers  where the peers are unpacked (or built with
#                         `cargo install` when the archives are missing)
# Tools: wrk (installed with apt when missing), curl, taskset, and clang with
# wasi-libc for the guests (scripts/setup.sh installs them).
set -euo pipefail
cd "$(dirname "$0")/../.."

DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
CONNECTIONS=${CONNECTIONS:-16 64 256}
HELLO_TIERS=${HELLO_TIERS:-cranelift interp}
TIER=${TIER:-cranelift}
APPS=${APPS:-1000}
REQUESTS=${REQUESTS:-1000000}
LOAD_CONNECTIONS=${LOAD_CONNECTIONS:-64}
PARTS=${PARTS:-hello apps faults leak}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
port=${PORT:-18080}

shared=$(realpath -m "${WISP_SHARED:-../shared}")
peers=$(realpath -m "${WISP_PEERS:-target/peers}")
out=target/serve-bench
build=$out/build
raw=$out/raw
logs=$out/logs
bench=benches/serve
mkdir -p "$build" "$raw" "$logs"
rm -f "$raw"/* "$logs"/*

note() { echo "serve-bench: $*" >&2; }
die() { note "$*"; exit 1; }

wants() { [[ " $PARTS " == *" $1 "* ]]; }

# ---- Tools ------------------------------------------------------------------

if ! command -v wrk > /dev/null; then
    note "installing wrk with apt"
    sudo=()
    ((EUID == 0)) || sudo=(sudo)
    apt_install() {
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -qq --no-install-recommends "$@" > /dev/null
    }
    apt_install wrk || { "${sudo[@]}" apt-get update -qq && apt_install wrk; }
fi
for tool in curl taskset clang; do
    command -v "$tool" > /dev/null || die "$tool is missing (scripts/setup.sh installs clang)"
done

# peer NAME CRATE VERSION ARCHIVE: the path of a prebuilt peer tool,
# unpacking ARCHIVE from $shared/peers or else building CRATE@VERSION.
peer() {
    local name=$1 crate=$2 version=$3 archive=$shared/peers/$4
    if ! "$peers/bin/$name" --version > /dev/null 2>&1; then
        mkdir -p "$peers/bin"
        if [[ -f $archive ]]; then
            note "unpacking $(basename "$archive") into $peers/bin"
            tar xJf "$archive" -C "$peers/bin"
        fi
        if ! "$peers/bin/$name" --version > /dev/null 2>&1; then
            note "building $crate@$version into $peers (this takes a while)"
            cargo install --locked --root "$peers" "$crate@$version" >&2
        fi
    fi
    echo "$peers/bin/$name"
}
wasmtime=$(peer wasmtime wasmtime-cli 48.0.8 peers-x86_64-linux-gnu.tar.xz)
wasm_tools=$(peer wasm-tools wasm-tools 1.263.0 peers-x86_64-linux-gnu.tar.xz)
wit_bindgen=$(peer wit-bindgen wit-bindgen-cli 0.63.0 component-tools-x86_64-linux-gnu.tar.xz)

if [[ -n ${WISP:-} ]]; then
    wisp=$(realpath "$WISP")
else
    cargo build --release -q -p wisp-cli
    wisp=$PWD/target/release/wisp
fi
have_wisp_serve=true
if ! "$wisp" serve --help > /dev/null 2>&1; then
    have_wisp_serve=false
    note "WARNING: $wisp has no serve command; only wasmtime is measured"
fi

# The servers' compile cache, apart from the user's.
export WISP_CACHE_DIR=$PWD/$build/cache

if (($(nproc) < 2)); then
    note "WARNING: one CPU only; server and wrk share it"
    SERVER_CPU=0 CLIENT_CPU=0
fi

# ---- Guests -----------------------------------------------------------------

bash examples/serve/build.sh >&2
hello_wasm=$PWD/examples/serve/build/hello.wasm

# The wasi:http WIT files come from the wasmtime-wasi-http crate of the same
# wasmtime release, checked against the crates.io index's checksum.
wit_crate=wasmtime-wasi-http-48.0.8
wit_sha256=1ce402d792df4c6440de3a48b6fb34ebb06309584bd9777832d14ad7a486f762
wit=$build/$wit_crate/wit
if [[ ! -d $wit ]]; then
    note "downloading the wasi:http WIT files ($wit_crate from crates.io)"
    curl -sSfL --retry 3 -o "$build/$wit_crate.crate" \
        "https://static.crates.io/crates/wasmtime-wasi-http/$wit_crate.crate" \
        || curl -sSfL --retry 3 -o "$build/$wit_crate.crate" \
            "https://crates.io/api/v1/crates/wasmtime-wasi-http/48.0.8/download"
    echo "$wit_sha256  $build/$wit_crate.crate" | sha256sum -c --quiet \
        || die "$wit_crate.crate does not have the expected checksum"
    tar xzf "$build/$wit_crate.crate" -C "$build" "$wit_crate/wit"
fi

# The component: bindings from wit-bindgen, a core module that imports
# only what the bindings import (wasi-libc gives malloc and memcpy, nothing
# that calls WASI preview 1), then `component new` without an adapter.
component=$build/hello_http.component.wasm
if [[ ! -f $component || $bench/guests/hello_http.c -nt $component ]]; then
    note "building the wasi:http hello component"
    rm -rf "$build/bindings"
    "$wit_bindgen" c --world wasi:http/proxy --out-dir "$build/bindings" "$wit" > "$logs/wit-bindgen.log" 2>&1 \
        || { cat "$logs/wit-bindgen.log" >&2; die "wit-bindgen failed"; }
    target=(--target=wasm32-wasi --sysroot=/usr)
    clang "${target[@]}" -O2 -I"$build/bindings" -c $bench/guests/hello_http.c -o "$build/hello_http.o"
    clang "${target[@]}" -O2 -w -c "$build/bindings/proxy.c" -o "$build/proxy.o"
    clang "${target[@]}" -mexec-model=reactor -nostartfiles -Wl,--no-entry -Wl,--strip-debug \
        "$build/hello_http.o" "$build/proxy.o" "$build/bindings/proxy_component_type.o" \
        -o "$build/hello_http.core.wasm"
    # grep reads to the end (no -q), so that pipefail sees no SIGPIPE.
    if "$wasm_tools" print "$build/hello_http.core.wasm" | grep '(import "wasi_snapshot_preview1"' > /dev/null; then
        die "hello_http.core.wasm imports WASI preview 1, which needs an adapter"
    fi
    "$wasm_tools" component new "$build/hello_http.core.wasm" -o "$component"
fi

# ---- Servers and load ---------------------------------------------------------

server_pid=
stop_server() {
    if [[ -n $server_pid ]]; then
        kill "$server_pid" 2> /dev/null || true
        wait "$server_pid" 2> /dev/null || true
        server_pid=
    fi
}
trap stop_server EXIT

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# next_addr: a fresh $addr for the next server, so that no server has to
# wait for the previous one's port.
next_addr() {
    port=$((port + 1))
    addr=127.0.0.1:$port
}

# start_server LOG COMMAND...: runs the server on $SERVER_CPU, its output
# going to $logs/LOG, and notes when it started.
start_server() {
    local log=$logs/$1
    shift
    started_ms=$(now_ms)
    taskset -c "$SERVER_CPU" "$@" > "$log" 2>&1 &
    server_pid=$!
}

# wait_ready PATH: waits until the server answers PATH with a 200 and sets
# ready_ms, the milliseconds since start_server.
wait_ready() {
    local deadline=$(($(now_ms) + 300000)) code
    while :; do
        code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://$addr$1" || true)
        [[ $code == 200 ]] && break
        if ! kill -0 "$server_pid" 2> /dev/null; then
            tail -20 "$logs"/* >&2
            die "the server exited before answering http://$addr$1"
        fi
        (($(now_ms) < deadline)) || die "no answer from http://$addr$1 in 300 s"
        sleep 0.01
    done
    ready_ms=$(($(now_ms) - started_ms))
}

rss_kib() { awk '/^VmRSS/ { print $2 }' "/proc/$server_pid/status"; }
fd_count() { ls "/proc/$server_pid/fd" | wc -l; }

# load NAME CONNECTIONS SECONDS PATH [LUA-OPTIONS...]: runs wrk on
# $CLIENT_CPU and keeps its output in $raw/NAME.txt; then read_result.
load() {
    local name=$1 connections=$2 seconds=$3 path=$4
    shift 4
    [[ $name == *-warmup ]] || runs+=("$name")
    taskset -c "$CLIENT_CPU" wrk -t1 -c"$connections" -d"${seconds}s" --timeout 10s \
        -s $bench/load.lua "http://$addr$path" -- "$@" > "$raw/$name.txt"
    read_result "$name"
}

# read_result NAME: sets the fields of the `result` line of $raw/NAME.txt as
# r_requests, r_rps, r_p50_us, ...; r_errors sums the errors.
read_result() {
    local line field
    line=$(grep '^result ' "$raw/$1.txt") || die "wrk printed no result; see $raw/$1.txt"
    for field in ${line#result }; do
        printf -v "r_${field%%=*}" '%s' "${field#*=}"
    done
    r_errors=$((r_connect + r_read + r_write + r_status + r_timeout))
}

warm() { load "$1-warmup" "$2" "$WARMUP" "${@:3}"; }

ms() { awk -v us="$1" 'BEGIN { printf "%.2f", us / 1000 }'; }
mib() { awk -v kib="$1" 'BEGIN { printf "%.1f", kib / 1024 }'; }

# wisp_config FILE [ROUTE-TOML...]: a configuration listening on $addr.
wisp_config() {
    local file=$1
    shift
    {
        echo "listen = \"$addr\""
        echo "max_in_flight = 4096"
        printf '%s\n' "$@"
    } > "$file"
}
route() { # PATH MODULE [KEY = VALUE...]
    printf '\n[[route]]\npath = "%s"\nmodule = "%s"\nmax_in_flight = 4096\n' "$1" "$2"
    shift 2
    printf '%s\n' "$@"
}

report=$out/results.md.part
failed=()
runs=() # the names of the measured wrk runs, in order
{
    echo "# wisp serve benchmark"
    echo
    echo "Run $(date -u '+%Y-%m-%d %H:%M UTC') on $(lscpu | sed -n 's/^Model name: *//p')," \
        "$(nproc) CPUs, Linux $(uname -r); load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)."
    echo "Server on CPU $SERVER_CPU, wrk $(wrk -v 2>&1 | head -1 | awk '{print $2}') (one thread) on CPU $CLIENT_CPU;" \
        "$DURATION s per point after $WARMUP s of warm-up."
    echo "Wisp: $("$wisp" --version 2>&1 | head -1) ($wisp, built $(date -u -r "$wisp" '+%Y-%m-%d %H:%M UTC'))," \
        "checkout at $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- crates || echo ' with uncommitted changes');" \
        "$("$wasmtime" --version)."
    echo
} > "$report"

# ---- hello: wisp serve and wasmtime serve -------------------------------------

if wants hello; then
    rows=()
    hello_point() { # SERVER-LABEL NAME
        local c
        for c in $CONNECTIONS; do
            warm "$2-c$c" "$c" /hello
            load "$2-c$c" "$c" "$DURATION" /hello
            note "hello $1, $c connections: $r_rps requests/s, p99 $(ms "$r_p99_us") ms"
            rows+=("| $1 | $c | $r_rps | $(ms "$r_p50_us") | $(ms "$r_p99_us") | $r_errors |")
        done
    }
    if $have_wisp_serve; then
        for tier in $HELLO_TIERS; do
            next_addr
            wisp_config "$build/hello-$tier.toml" "$(route /hello "$hello_wasm" "tier = \"$tier\"")"
            start_server "hello-wisp-$tier.log" "$wisp" serve --config "$build/hello-$tier.toml"
            wait_ready /hello
            hello_point "wisp serve ($tier)" "hello-wisp-$tier"
            stop_server
        done
    fi
    next_addr
    start_server hello-wasmtime.log "$wasmtime" serve --addr "$addr" "$component"
    wait_ready /hello
    hello_point "wasmtime serve" hello-wasmtime
    stop_server
    {
        echo "## hello"
        echo
        echo "\`examples/serve/hello.c\` under \`wisp serve\` (WAGI) and its wasi:http twin" \
            "\`benches/serve/guests/hello_http.c\` under \`wasmtime serve\`; both make a new instance per request."
        echo
        echo "| server | connections | requests/s | p50 ms | p99 ms | errors |"
        echo "|:--|--:|--:|--:|--:|--:|"
        printf '%s\n' "${rows[@]}"
        echo
    } >> "$report"
fi

# ---- apps: many modules in one server -----------------------------------------

# app_modules N: writes $build/apps/app-0.wat ... app-(N-1).wat (kept between
# runs) and prints the routes for them.
app_modules() {
    local i text len
    mkdir -p "$build/apps"
    for ((i = 0; i < $1; i++)); do
        if [[ ! -f $build/apps/app-$i.wat ]]; then
            text="Content-Type: text/plain\n\napp $i\n"
            len=$((${#text} - 3)) # each \n is one byte
            printf '%s\n' \
                ";; App $i of the many-apps benchmark: prints its own number." \
                "(module" \
                "  (import \"wasi_snapshot_preview1\" \"fd_write\"" \
                "    (func \$fd_write (param i32 i32 i32 i32) (result i32)))" \
                "  (memory (export \"memory\") 1)" \
                "  (data (i32.const 0) \"\\10\\00\\00\\00\\$(printf '%02x' "$len")\\00\\00\\00\")" \
                "  (data (i32.const 16) \"$text\")" \
                "  (func (export \"_start\")" \
                "    (drop (call \$fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))" \
                > "$build/apps/app-$i.wat"
        fi
        route "/app/$i" "apps/app-$i.wat" "tier = \"$TIER\""
    done
}

if wants apps && $have_wisp_serve; then
    note "apps: writing $APPS modules"
    # Start-up from an empty compile cache, then from the filled one.
    rm -rf "$WISP_CACHE_DIR"
    next_addr
    wisp_config "$build/apps-$APPS.toml" "$(app_modules "$APPS")"
    start_server "apps-$APPS-cold.log" "$wisp" serve --config "$build/apps-$APPS.toml"
    wait_ready /app/0
    apps_cold_ms=$ready_ms
    stop_server
    next_addr
    wisp_config "$build/apps-$APPS.toml" "$(app_modules "$APPS")"
    start_server "apps-$APPS.log" "$wisp" serve --config "$build/apps-$APPS.toml"
    wait_ready /app/0
    apps_warm_ms=$ready_ms
    sleep 1
    rss_idle=$(rss_kib)
    # One request to every app, in order, over one connection.
    curl_args=()
    for ((i = 0; i < APPS; i++)); do curl_args+=(-o /dev/null "http://$addr/app/$i"); done
    t0=$(now_ms)
    codes=$(taskset -c "$CLIENT_CPU" curl -s -w '%{http_code}\n' "${curl_args[@]}" | sort | uniq -c \
        | awk '{ printf "%s%s×%s", s, $1, $2; s = ", " }' || true)
    first_round_ms=$(($(now_ms) - t0))
    rss_touched=$(rss_kib)
    warm apps "$LOAD_CONNECTIONS" / "apps=$APPS"
    load apps "$LOAD_CONNECTIONS" "$DURATION" / "apps=$APPS"
    rss_loaded=$(rss_kib)
    stop_server

    next_addr
    wisp_config "$build/apps-1.toml" "$(app_modules 1)"
    start_server apps-1.log "$wisp" serve --config "$build/apps-1.toml"
    wait_ready /app/0
    sleep 1
    rss_one=$(rss_kib)
    stop_server
    per_app=$(awk -v n="$rss_idle" -v one="$rss_one" -v apps="$APPS" \
        'BEGIN { printf "%.1f", (n - one) / (apps > 1 ? apps - 1 : 1) }')
    note "apps: ready in $apps_cold_ms ms (cold cache), $apps_warm_ms ms (warm), $per_app KiB per idle app, $r_rps requests/s"
    {
        echo "## apps"
        echo
        echo "$APPS distinct modules (generated \`.wat\`, tier $TIER), one route each, in one server;" \
            "wrk picks \`/app/K\` uniformly at random."
        echo
        echo "| measure | value |"
        echo "|:--|--:|"
        echo "| start-up until /app/0 answers, empty compile cache | $apps_cold_ms ms |"
        echo "| start-up until /app/0 answers, cache filled | $apps_warm_ms ms |"
        echo "| RSS, $APPS-app server, idle | $(mib "$rss_idle") MiB |"
        echo "| RSS, 1-app server, idle | $(mib "$rss_one") MiB |"
        echo "| RSS per idle app, (RSS $APPS − RSS 1) / ($APPS − 1) | $per_app KiB |"
        echo "| first request to each app, one after another | $first_round_ms ms |"
        echo "| RSS after every app served once | $(mib "$rss_touched") MiB |"
        echo "| requests/s, $LOAD_CONNECTIONS connections, random app | $r_rps |"
        echo "| p50 / p99 latency | $(ms "$r_p50_us") / $(ms "$r_p99_us") ms |"
        echo "| errors | $r_errors |"
        echo "| RSS after the load | $(mib "$rss_loaded") MiB |"
        echo
        echo "Status codes of the first round: $codes."
        echo
    } >> "$report"
fi

# ---- faults: hello beside misbehaving guests ----------------------------------

if wants faults && $have_wisp_serve; then
    next_addr
    wisp_config "$build/faults.toml" \
        "$(route /hello "$hello_wasm" "tier = \"$TIER\"")" \
        "$(route /loop "$PWD/$bench/guests/loop.wat" "tier = \"$TIER\"" 'timeout = "100ms"')" \
        "$(route /hog "$PWD/$bench/guests/hog.wat" "tier = \"$TIER\"" 'max_memory = "64MiB"')" \
        "$(route /trap "$PWD/$bench/guests/trap.wat" "tier = \"$TIER\"")"
    start_server faults.log "$wisp" serve --config "$build/faults.toml"
    wait_ready /hello

    warm faults-alone "$LOAD_CONNECTIONS" /hello
    load faults-alone "$LOAD_CONNECTIONS" "$DURATION" /hello
    alone=("$r_rps" "$r_p50_us" "$r_p99_us" "$r_errors")

    # The fault loop runs a second longer so that it covers the whole point.
    taskset -c "$CLIENT_CPU" wrk -t1 -c1 -d"$((DURATION + 1))s" --timeout 10s -s $bench/load.lua \
        "http://$addr/" -- cycle=/loop,/hog,/trap > "$raw/faults-loop.txt" &
    fault_pid=$!
    sleep 0.5
    load faults-with "$LOAD_CONNECTIONS" "$DURATION" /hello
    with=("$r_rps" "$r_p50_us" "$r_p99_us" "$r_errors")
    wait "$fault_pid"
    runs+=(faults-loop)
    rss_faults=$(rss_kib)
    stop_server

    [[ ${with[3]} == 0 && ${alone[3]} == 0 ]] || failed+=("faults: hello failed ${alone[3]} times alone, ${with[3]} with faults")
    read_result faults-loop
    fault_requests=$r_requests
    fault_socket_errors=$((r_connect + r_read + r_write + r_timeout))
    ((fault_socket_errors == 0)) || failed+=("faults: $fault_socket_errors fault requests got no answer")
    fault_rows=()
    for fault in /loop:504 /hog:500 /trap:500; do
        path=${fault%%:*} expected=${fault#*:}
        right=$(awk -v p="$path" -v c="$expected" '$1 == "status" && $2 == p && $3 == c { print $4 }' "$raw/faults-loop.txt")
        other=$(awk -v p="$path" -v c="$expected" '$1 == "status" && $2 == p && $3 != c { printf "%s%s×%s", s, $4, $3; s = ", " }' "$raw/faults-loop.txt")
        fault_rows+=("| $path | $expected | ${right:-0} | ${other:-none} |")
        if [[ -n $other || -z $right ]]; then
            failed+=("faults: $path expected $expected, got it ${right:-0} times, others: ${other:-none}")
        fi
    done
    note "faults: hello p99 $(ms "${alone[2]}") ms alone, $(ms "${with[2]}") ms with faults"
    {
        echo "## faults"
        echo
        echo "hello at $LOAD_CONNECTIONS connections, alone and while one more connection loops over the faulty guests" \
            "in [\`guests/\`](../../benches/serve/guests) (tier $TIER)."
        echo
        echo "| hello | requests/s | p50 ms | p99 ms | failures |"
        echo "|:--|--:|--:|--:|--:|"
        echo "| alone | ${alone[0]} | $(ms "${alone[1]}") | $(ms "${alone[2]}") | ${alone[3]} |"
        echo "| with faults | ${with[0]} | $(ms "${with[1]}") | $(ms "${with[2]}") | ${with[3]} |"
        echo
        echo "| fault | expected | answered so | answered otherwise |"
        echo "|:--|--:|--:|:--|"
        printf '%s\n' "${fault_rows[@]}"
        echo
        echo "$fault_requests fault requests answered, $fault_socket_errors lost (connection errors and timeouts)."
        echo
        echo "Server RSS after the faults: $(mib "$rss_faults") MiB."
        echo
    } >> "$report"
fi

# ---- leak: memory and descriptors over many requests --------------------------

if wants leak && $have_wisp_serve; then
    next_addr
    wisp_config "$build/leak.toml" "$(route /hello "$hello_wasm" "tier = \"$TIER\"")"
    start_server leak.log "$wisp" serve --config "$build/leak.toml"
    wait_ready /hello
    sleep 1
    rss_start=$(rss_kib) fds_start=$(fd_count)
    warm leak "$LOAD_CONNECTIONS" /hello
    rate=${r_rps%.*}
    sleep 1
    rss_before=$(rss_kib) fds_before=$(fd_count)

    # wrk runs for a time, not a count: run it in rounds sized by the rate
    # seen so far until $REQUESTS responses have come back.
    done_requests=0 leak_errors=0 round=0
    while ((done_requests < REQUESTS)); do
        seconds=$(((REQUESTS - done_requests) / (rate > 0 ? rate : 1)))
        ((seconds >= 1)) || seconds=1
        ((seconds <= 60)) || seconds=60
        load "leak-$round" "$LOAD_CONNECTIONS" "$seconds" /hello
        ((r_requests > 0)) || die "leak: no request succeeded in round $round"
        done_requests=$((done_requests + r_requests))
        leak_errors=$((leak_errors + r_errors))
        rate=${r_rps%.*}
        round=$((round + 1))
        note "leak: $done_requests of $REQUESTS requests"
    done
    rss_after=$(rss_kib) fds_after=$(fd_count)
    sleep 2
    rss_idle_after=$(rss_kib) fds_idle_after=$(fd_count)
    stop_server
    [[ $leak_errors == 0 ]] || failed+=("leak: $leak_errors failed requests")
    {
        echo "## leak"
        echo
        echo "One \`wisp serve\` (tier $TIER) serving hello; $done_requests requests at $LOAD_CONNECTIONS connections" \
            "(wrk runs: $round), $leak_errors failed."
        echo
        echo "| when | RSS MiB | open fds |"
        echo "|:--|--:|--:|"
        echo "| started, idle | $(mib "$rss_start") | $fds_start |"
        echo "| after $WARMUP s warm-up | $(mib "$rss_before") | $fds_before |"
        echo "| after $done_requests requests | $(mib "$rss_after") | $fds_after |"
        echo "| 2 s later, idle | $(mib "$rss_idle_after") | $fds_idle_after |"
        echo
    } >> "$report"
fi

# ---- Report -------------------------------------------------------------------

{
    if ! $have_wisp_serve; then
        echo "**$wisp has no \`serve\` command: only wasmtime was measured.**"
        echo
    fi
    if ((${#failed[@]})); then
        echo "## Failed checks"
        echo
        printf -- '- %s\n' "${failed[@]}"
        echo
    fi
    echo "## Raw numbers"
    echo
    echo "Settings: DURATION=$DURATION WARMUP=$WARMUP CONNECTIONS=\"$CONNECTIONS\" HELLO_TIERS=\"$HELLO_TIERS\"" \
        "TIER=$TIER APPS=$APPS REQUESTS=$REQUESTS LOAD_CONNECTIONS=$LOAD_CONNECTIONS PARTS=\"$PARTS\"." \
        "Latencies in µs; one block per wrk run (warm-ups left out), its \`result\` line and any status counts."
    echo
    echo '```'
    for name in "${runs[@]}"; do
        echo "$name: $(grep -E '^(result|status) ' "$raw/$name.txt" | sed 's/^result //' | paste -sd ';' | sed 's/;/; /g')"
    done
    echo '```'
} >> "$report"

mv "$report" "$out/results.md"
cat "$out/results.md"
note "written to $out/results.md"
if ((${#failed[@]})); then
    note "FAILED: ${failed[*]}"
    exit 1
fi
