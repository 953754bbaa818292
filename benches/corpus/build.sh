#!/usr/bin/env bash
# Builds the second benchmark corpus: real C libraries, taken from the
# source tarballs that crates.io's -sys crates ship, each driven by a small
# program of ours in benches/corpus/drivers/ that makes its own workload
# in memory, runs the library's real work and prints a checksum.
#
# Usage: benches/corpus/build.sh [PROGRAM...]   (default: every program)
#
# Writes, under $CORPUS_DIR (default target/corpus, or
# $CARGO_TARGET_DIR/corpus):
#   src/CRATE-VERSION/          the unpacked crates (checked against the
#                               sha256 recorded below; never committed)
#   NAME/NAME.standalone.wasm   runnable by any runtime (what
#                               benches/programs-vs-wasmi.sh times)
#   NAME/NAME.wasm              the same, importing Sightglass's
#                               bench.start/bench.end around the timed work
#   NAME/NAME.stdout.expected   the output of the same driver and library
#                               built natively with gcc
#   NAME/NAME.stderr.expected   empty
#   obj/NAME/, native/NAME      objects and the native build
#   wisp-interp                 `wisp` pinned to --tier interp (see run.sh)
#
# The wasm builds use Debian's clang, lld and wasi-libc
# (`clang --target=wasm32-wasi --sysroot=/usr -O2`, plus `-msimd128` for
# the programs named *-simd); missing packages are installed with apt
# (as root, or through sudo). When wasmi is found ($WASMI, default
# /work/peers/bin/wasmi) each new build is also run under it and its output
# compared with the native one.
#
# Safe to run again: crates are downloaded once, and a program is rebuilt
# only when its driver, its flags, its sources or this script change.

set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${CORPUS_DIR:-${CARGO_TARGET_DIR:-$root/target}/corpus}"
src="$out/src"
wasmi="${WASMI:-/work/peers/bin/wasmi}"
jobs="$(nproc)"

say() { echo "corpus: $*" >&2; }

# --- Tools --------------------------------------------------------------------

packages=(clang lld llvm-14 wasi-libc libclang-rt-14-dev-wasm32 gcc binutils libc6-dev curl)

installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

missing=()
for package in "${packages[@]}"; do
    installed "$package" || missing+=("$package")
done
if ((${#missing[@]})); then
    sudo=()
    ((EUID == 0)) || sudo=(sudo)
    say "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# --- Sources: crates from crates.io, pinned ---------------------------------------

# name version sha256 (of the .crate, as the crates.io index records it)
crates=(
    "zstd-sys 2.1.3+zstd.1.5.7 f729a06d0257428fd9d997ac8db7e1407bd0262ab016b085b36bc52957c0052d"
    "libz-sys 1.1.33 fee3f59f4321dab0c78d828942e7aa09d0bd8ad6e78a501977e6bf3d02938045"
    "lz4-sys 1.11.1+lz4-1.10.0 6bd8c0d6c6ed0cd30b3652886bb8711dc4bb01d637a68105a3d5158039b418e6"
    "brotli-sys 0.3.2 4445dea95f4c2b41cde57cc9fee236ae4dbae88d8fcbdb4750fc1bb5d86aaecd"
    "lzma-sys 0.1.20 5fda04ab3764e6cde78b9974eec4f779acaba7c4e84b36eca3cf77c581b85d27"
    "libsqlite3-sys 0.40.0 b06e69070b7e12262b0cd90832f0a7396f142a2b330181255562decf9f0c6215"
    "lua-src 551.1.0 41d22b201501a536c0f5a96c7589b268b559172b20fb029064434e38ddcecb1f"
    "pcre2-sys 0.2.10 18b9073c1a2549bd409bf4a32c94d903bb1a09bf845bc306ae148897fa0760a4"
    "yyjson-sys 0.1.0 4ed7a5810c650d227cae9d2cb1c73cf0d6d5901181cb2a53dc07007dfcead82c"
    "mbedtls-sys-auto 2.28.15 2fdbd15978db1dec7592cf8864094bcf6f7a101d7f84af15c2423967079982c1"
    "libdeflate-sys 1.26.1 d7870e5fbd2766179a937c725fb11f4ca0ef025d982beb61bd3ce755425bd19c"
    "blake3 1.8.7 6d9e454fc11f76977dc803893aff6304ed33d6a26efae8696573bea74baa27ae"
    "xxhash-c-sys 0.8.7 4d4a8210e2c9209f553817636cc6054d3b22424cc879c31b616e4cb4027be705"
)

fetch() {
    local name="$1" version="$2" sha="$3"
    local dir="$src/$name-$version" crate="$src/$name-$version.crate"
    [[ -f "$dir/.unpacked" ]] && return
    mkdir -p "$src"
    say "downloading $name $version"
    curl -sSfL --retry 3 -o "$crate.part" "https://static.crates.io/crates/$name/$name-$version.crate"
    echo "$sha  $crate.part" | sha256sum -c --quiet - || {
        say "sha256 mismatch for $name $version"
        exit 1
    }
    mv "$crate.part" "$crate"
    rm -rf "$dir"
    tar xzf "$crate" -C "$src"
    touch "$dir/.unpacked"
}

# Sets `crate` to the unpacked directory of crate $1.
use_crate() {
    local entry c v sha
    for entry in "${crates[@]}"; do
        read -r c v sha <<<"$entry"
        if [[ "$c" == "$1" ]]; then
            fetch "$c" "$v" "$sha"
            crate="$src/$c-$v"
            # The programs' source globs and include paths are relative to it.
            cd "$crate"
            return
        fi
    done
    say "no crate $1 in the list"
    exit 1
}

# --- Programs -------------------------------------------------------------------
#
# prog_NAME sets: crate (through use_crate), sources (paths or globs
# relative to the crate), cflags (both builds), and optionally wasm_cflags,
# native_cflags, wasm_libs, driver (default NAME) and simd=1.

prog_zstd() {
    use_crate zstd-sys
    sources=(zstd/lib/common/*.c zstd/lib/compress/*.c zstd/lib/decompress/*.c)
    cflags=(-Izstd/lib -DZSTD_DISABLE_ASM -DXXH_NAMESPACE=ZSTD_)
}
prog_zstd_simd() { prog_zstd; driver=zstd; simd=1; }

prog_zlib() {
    use_crate libz-sys
    sources=(src/zlib/{adler32,compress,crc32,deflate,infback,inffast,inflate,inftrees,trees,uncompr,zutil}.c)
    cflags=(-Isrc/zlib -DHAVE_UNISTD_H -DHAVE_STDARG_H)
}

prog_lz4() {
    use_crate lz4-sys
    sources=(liblz4/lib/lz4.c liblz4/lib/lz4hc.c)
    cflags=(-Iliblz4/lib)
}

prog_brotli() {
    use_crate brotli-sys
    sources=(brotli/common/*.c brotli/dec/*.c brotli/enc/*.c)
    cflags=(-Ibrotli/include)
}

prog_xz() {
    use_crate lzma-sys
    local d=xz-5.2/src/liblzma
    sources=("$d"/{common,lzma,lz,check,delta,rangecoder,simple}/*.c)
    # Not the small-table CRCs (as the crate's build), nor the
    # multi-threaded encoder, which needs threads.
    local skip
    for skip in crc32_small crc64_small stream_encoder_mt outqueue; do
        sources=("${sources[@]/*\/$skip.c/}")
    done
    cflags=(-std=gnu99 -DHAVE_CONFIG_H -I"$here/config/xz" -I"$d"/api -I"$d"/common
        -I"$d"/lzma -I"$d"/lz -I"$d"/check -I"$d"/simple -I"$d"/delta -I"$d"/rangecoder
        -Ixz-5.2/src/common)
    # Without threads, mythread.h still wraps sigprocmask(), which WASI lacks.
    wasm_cflags=(-D_WASI_EMULATED_SIGNAL -include "$here/config/xz/wasi-signal.h")
    wasm_libs=(-lwasi-emulated-signal)
}

prog_sqlite() {
    use_crate libsqlite3-sys
    sources=(sqlite3/sqlite3.c)
    cflags=(-Isqlite3 -DSQLITE_THREADSAFE=0 -DSQLITE_OMIT_LOAD_EXTENSION -DSQLITE_TEMP_STORE=3
        -DLONGDOUBLE_TYPE=double)
    # As libsqlite3-sys builds it for wasm32-wasi.
    wasm_cflags=(-D_WASI_EMULATED_MMAN -D_WASI_EMULATED_GETPID -D_WASI_EMULATED_SIGNAL
        -D_WASI_EMULATED_PROCESS_CLOCKS)
    wasm_libs=(-lwasi-emulated-mman -lwasi-emulated-getpid -lwasi-emulated-signal
        -lwasi-emulated-process-clocks)
}

prog_lua() {
    use_crate lua-src
    local d=lua-5.4.9
    sources=("$d"/*.c)
    # Not the two programs, nor the libraries the driver leaves out (io, os,
    # package), which need a process and a file system.
    local skip
    for skip in lua luac liolib loslib loadlib linit; do
        sources=("${sources[@]/*\/$skip.c/}")
    done
    cflags=(-I"$d")
    # No signal.h on WASI: Lua only needs an atomic type for its hook flag.
    wasm_cflags=(-I"$here/config/lua-wasi" -Dl_signalT=int)
}

prog_pcre2() {
    use_crate pcre2-sys
    sources=(upstream/src/*.c)
    # As pcre2-sys: the JIT parts and the Unicode tables are included by
    # other files, not compiled alone; the JIT is off.
    local skip
    for skip in pcre2_jit_match pcre2_jit_misc pcre2_ucptables; do
        sources=("${sources[@]/*\/$skip.c/}")
    done
    cflags=(-Iupstream/src -Iupstream/deps -Iupstream/include -DPCRE2_CODE_UNIT_WIDTH=8 -DHAVE_CONFIG_H
        -DPCRE2_STATIC -DSUPPORT_PCRE2_8 -DSUPPORT_UNICODE -DHAVE_STDLIB_H -DHAVE_MEMMOVE -DSTDC_HEADERS)
}

prog_yyjson() {
    use_crate yyjson-sys
    sources=(yyjson/src/yyjson.c)
    cflags=(-Iyyjson/src)
}

prog_mbedtls() {
    use_crate mbedtls-sys-auto
    sources=(vendor/library/*.c)
    # The default configuration; not the modules for sockets, timers and OS
    # entropy, which the driver does not use and WASI does not have.
    local skip
    for skip in net_sockets timing entropy_poll; do
        sources=("${sources[@]/*\/$skip.c/}")
    done
    cflags=(-Ivendor/include)
}

prog_libdeflate() {
    use_crate libdeflate-sys
    sources=(libdeflate/lib/*.c libdeflate/lib/x86/*.c libdeflate/lib/arm/*.c)
    cflags=(-Ilibdeflate)
}
prog_libdeflate_simd() { prog_libdeflate; driver=libdeflate; simd=1; }

# xxHash 0.8.3, header-only (the driver includes it with XXH_INLINE_ALL).
# Its wasm SIMD path needs SIMDe's arm_neon.h, so it is built with its
# scalar code (XXH_VECTOR=XXH_SCALAR), which -msimd128 lets clang vectorize.
prog_xxhash() {
    use_crate xxhash-c-sys
    sources=()
    cflags=(-Isrc/c -DXXH_VECTOR=0)
    # Not even the header of that path (clang's own arm_neon.h is found).
    wasm_cflags=("-DXXH_HAS_INCLUDE(x)=0")
}
prog_xxhash_simd() { prog_xxhash; driver=xxhash; simd=1; }

# BLAKE3's C code: its portable implementation (the SIMD ones are x86 and
# Arm only), also natively so that both builds run the same code.
prog_blake3() {
    use_crate blake3
    sources=(c/blake3.c c/blake3_dispatch.c c/blake3_portable.c)
    cflags=(-Ic -DBLAKE3_NO_SSE2 -DBLAKE3_NO_SSE41 -DBLAKE3_NO_AVX2 -DBLAKE3_NO_AVX512 -DBLAKE3_USE_NEON=0)
}
prog_blake3_simd() { prog_blake3; driver=blake3; simd=1; }

# Every program the corpus holds, in the order they are built and run.
all_programs=(zstd zstd-simd zlib lz4 brotli xz sqlite lua pcre2 yyjson mbedtls libdeflate libdeflate-simd
    xxhash xxhash-simd blake3 blake3-simd)

# --- Building ---------------------------------------------------------------------

wasm_cc=(clang --target=wasm32-wasi --sysroot=/usr -O2)
native_cc=(gcc -O2)

# compile OBJDIR RSP CC... : compiles `sources` (absolute) into OBJDIR with
# the flags in response file RSP, one per core at a time. (No paths with
# spaces: the compiler's command goes through sh.)
compile() {
    local objdir="$1" rsp="$2"
    shift 2
    mkdir -p "$objdir"
    local s
    for s in "${sources[@]}"; do
        printf '%s\n%s\n' "$s" "$objdir/$(echo "${s#"$crate"/}" | tr / _).o"
    done | xargs -d '\n' -P "$jobs" -n 2 sh -c "exec $* @$rsp -c \"\$0\" -o \"\$1\"" >/dev/null 2>&1 ||
        true
    # Again serially, so a failure prints its error and stops the script.
    for s in "${sources[@]}"; do
        local obj
        obj="$objdir/$(echo "${s#"$crate"/}" | tr / _).o"
        [[ -f "$obj" ]] || "$@" "@$rsp" -c "$s" -o "$obj"
    done
}

build() {
    local name="$1" crate="" driver="$1" simd=0
    local sources=() cflags=() wasm_cflags=() native_cflags=() wasm_libs=()
    local fn="prog_${name//-/_}"
    declare -F "$fn" >/dev/null || { say "unknown program $name"; exit 1; }
    "$fn"

    local dir="$out/$name" obj="$out/obj/$name" native="$out/native/$name"
    local driver_c="$here/drivers/$driver.c"
    local simd_flags=()
    ((simd)) && simd_flags=(-msimd128)

    # Absolute paths, with globs expanded in the crate and empty entries dropped.
    local s abs=()
    for s in "${sources[@]}"; do
        if [[ -n "$s" ]]; then
            abs+=("$crate/$s")
        fi
    done
    sources=("${abs[@]}")

    # Two stamps: the library's objects depend on its sources and flags;
    # the programs also on the driver and this script.
    local lib_stamp stamp
    lib_stamp="$( {
        clang --version | head -1
        gcc --version | head -1
        printf '%s\n' "$crate" "$simd" "${sources[@]}" -- "${cflags[@]}" -- "${wasm_cflags[@]}" \
            -- "${native_cflags[@]}"
        # The files of ours the flags name (configuration headers, shims).
        local f
        for f in "${cflags[@]}" "${wasm_cflags[@]}" "${native_cflags[@]}"; do
            f="${f#-I}"
            if [[ "$f" == "$here"/* && -e "$f" ]]; then
                find "$f" -type f | sort | xargs cat
            fi
        done
    } | sha256sum | cut -d' ' -f1)"
    stamp="$( {
        echo "$lib_stamp"
        printf '%s\n' "${wasm_libs[@]}"
        cat "$driver_c" "$here/drivers/common.h" "$here/build.sh"
    } | sha256sum | cut -d' ' -f1)"
    if [[ -f "$dir/.stamp" && "$(cat "$dir/.stamp")" == "$stamp" ]]; then
        say "$name: up to date"
        return
    fi

    rm -rf "$dir" "$native"
    mkdir -p "$dir" "$obj" "$(dirname "$native")"
    # Flags go through response files: the include paths are relative to
    # the crate, so the compilers run there.
    local wasm_rsp="$obj/wasm.rsp" native_rsp="$obj/native.rsp"
    if [[ -f "$obj/.stamp" && "$(cat "$obj/.stamp")" == "$lib_stamp" ]]; then
        say "$name: library objects up to date"
    else
        say "$name: compiling ${#sources[@]} sources of $(basename "$crate")$( ((simd)) && echo ' with -msimd128')"
        rm -rf "$obj"
        mkdir -p "$obj"
        printf '%s\n' -w "${cflags[@]}" "${wasm_cflags[@]}" "${simd_flags[@]}" >"$wasm_rsp"
        printf '%s\n' -w "${cflags[@]}" "${native_cflags[@]}" >"$native_rsp"
        compile "$obj/wasm" "$wasm_rsp" "${wasm_cc[@]}"
        compile "$obj/native" "$native_rsp" "${native_cc[@]}"
        # Archives, so only the objects the driver needs are linked.
        if ((${#sources[@]})); then
            llvm-ar-14 rcs "$obj/wasm.a" "$obj"/wasm/*.o
            ar rcs "$obj/native.a" "$obj"/native/*.o
        fi
        echo "$lib_stamp" >"$obj/.stamp"
    fi

    say "$name: linking with drivers/$driver.c"
    local wasm_lib=() native_lib=()
    if ((${#sources[@]})); then
        wasm_lib=("$obj/wasm.a")
        native_lib=("$obj/native.a")
    fi
    local link=(-Wl,-z,stack-size=1048576 "${wasm_libs[@]}")
    (cd "$crate" &&
        "${wasm_cc[@]}" "@$wasm_rsp" -I"$here/drivers" "$driver_c" "${wasm_lib[@]}" "${link[@]}" \
            -o "$dir/$name.wasm" &&
        "${wasm_cc[@]}" "@$wasm_rsp" -DCORPUS_STANDALONE -I"$here/drivers" "$driver_c" "${wasm_lib[@]}" \
            "${link[@]}" -o "$dir/$name.standalone.wasm" &&
        "${native_cc[@]}" "@$native_rsp" -I"$here/drivers" "$driver_c" "${native_lib[@]}" -lm -o "$native")

    say "$name: running the native build"
    "$native" >"$dir/$name.stdout.expected"
    : >"$dir/$name.stderr.expected"

    if [[ -x "$wasmi" ]]; then
        local start end
        start="$(date +%s%N)"
        (cd "$dir" && "$wasmi" --dir . "$name.standalone.wasm") >"$obj/wasmi.stdout"
        end="$(date +%s%N)"
        if ! cmp -s "$obj/wasmi.stdout" "$dir/$name.stdout.expected"; then
            say "$name: wasmi's output differs from the native build's:"
            diff "$dir/$name.stdout.expected" "$obj/wasmi.stdout" >&2 || true
            exit 1
        fi
        say "$name: same output under wasmi ($(((end - start) / 1000000)) ms)"
    else
        say "$name: no wasmi at $wasmi, output not checked under wasm"
    fi
    echo "$stamp" >"$dir/.stamp"
}

# The `wisp --tier interp` wrapper that run.sh hands to programs-vs-wasmi.sh.
wrapper="$out/wisp-interp"
if [[ ! -x "$wrapper" || "$here/wisp-interp.c" -nt "$wrapper" ]]; then
    say "building $wrapper"
    mkdir -p "$out"
    gcc -O2 -DDEFAULT_WISP="\"${CARGO_TARGET_DIR:-$root/target}/release/wisp\"" "$here/wisp-interp.c" -o "$wrapper"
fi

programs=("$@")
((${#programs[@]})) || programs=("${all_programs[@]}")
for program in "${programs[@]}"; do
    build "$program"
done
say "done: ${#programs[@]} programs in $out"
