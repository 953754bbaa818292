//! `wisp create-exe`: executables that run without Wisp, behave as under
//! `wisp run`, and clear errors when one cannot be made.
//!
//! The runtime library is built once per run of this file (see
//! `common::runtime_lib`). The benchmark corpus comes from `$WISP_SHARED`
//! as in `bench_programs.rs`.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::bench::{check_all, check_output, corpus, programs};
use common::{Run, TempDir, runtime_lib, wisp};

/// `wisp create-exe --runtime-lib LIB ARGS...`, linking with `cc` unless
/// ARGS name a linker: not with whatever `$CC` the machine happens to set.
fn create_exe(args: &[&str]) -> Run {
    let lib = runtime_lib();
    let mut all = vec!["create-exe", "--runtime-lib", lib.to_str().unwrap()];
    if !args.contains(&"--linker") {
        all.extend_from_slice(&["--linker", "cc"]);
    }
    all.extend_from_slice(args);
    wisp(all)
}

/// Runs `exe` as a user without Wisp would: an empty environment but for
/// an empty HOME (no PATH, so no `wisp` to find, and no cache).
fn run_clean(exe: &Path, dir: &Path, home: &Path, args: &[&str]) -> Output {
    Command::new(exe)
        .args(args)
        .env_clear()
        .env("HOME", home)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", exe.display()))
}

fn run_of(output: Output) -> Run {
    Run {
        code: output.status.code().expect("exits rather than dying of a signal"),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

#[test]
fn every_benchmark_program_runs_as_an_executable() {
    let Some(bench) = corpus() else { return };
    let out = TempDir::new();
    let home = TempDir::new();
    let check = |program: &PathBuf| -> Result<(), String> {
        let name = program.file_name().unwrap().to_string_lossy().replace('.', "_");
        let group = program.parent().unwrap().file_name().unwrap().to_string_lossy();
        let exe = Path::new(out.path()).join(format!("{group}-{name}"));
        let built =
            create_exe(&["--dir", ".", program.to_str().unwrap(), "-o", exe.to_str().unwrap()]);
        if built.code != 0 {
            return Err(format!("create-exe failed: {}", built.stderr));
        }
        let output = run_clean(&exe, program.parent().unwrap(), Path::new(home.path()), &[]);
        check_output(program, &output)
    };
    let programs = programs(&bench);
    let total = programs.len();
    check_all(programs, |p| p.display().to_string(), check);
    eprintln!("{total} executables printed their expected output");
}

#[test]
fn executables_link_only_the_c_library() {
    let dir = TempDir::new();
    let src = dir.file("hello.wat", HELLO);
    let exe = format!("{}/hello", dir.path());
    create_exe(&[&src, "-o", &exe]).assert_success_reports("wrote");
    let run = run_of(run_clean(Path::new(&exe), Path::new(dir.path()), Path::new(dir.path()), &[]));
    run.assert_success("hello, world\n");
    // The dynamic section names the shared libraries it needs.
    // (readelf comes with the binutils that link.)
    let needed = Command::new("readelf").args(["-d", &exe]).output().expect("readelf runs");
    let text = String::from_utf8_lossy(&needed.stdout);
    let libs: Vec<&str> = text.lines().filter(|l| l.contains("(NEEDED)")).collect();
    assert!(!libs.is_empty(), "{text}");
    // glibc's parts: the C library, its math library, its dynamic loader.
    let glibc = ["[libc.so", "[libm.so", "[ld-linux"];
    assert!(
        libs.iter().all(|l| glibc.iter().any(|g| l.contains(g))),
        "needs more than the C library: {libs:?}"
    );

    let exe = format!("{}/hello-static", dir.path());
    create_exe(&["--static", &src, "-o", &exe]).assert_success_reports("wrote");
    let run = run_of(run_clean(Path::new(&exe), Path::new(dir.path()), Path::new(dir.path()), &[]));
    run.assert_success("hello, world\n");
    let headers = Command::new("readelf").args(["-l", "-d", &exe]).output().unwrap();
    let text = String::from_utf8_lossy(&headers.stdout);
    assert!(!text.contains("INTERP") && !text.contains("NEEDED"), "not static: {text}");
}

/// `relaxed_madd` rounds once in every tier, also in code compiled for a
/// CPU without a fused multiply-add instruction: an executable for the
/// x86-64 baseline (which lacks it) runs on this machine and must agree
/// with `wisp run` in both tiers.
#[cfg(target_arch = "x86_64")]
#[test]
fn relaxed_madd_rounds_once_without_the_fma_instruction() {
    let dir = TempDir::new();
    let src = dir.file("madd.wat", MADD);
    for tier in ["interp", "cranelift"] {
        wisp(["run", "--wasm", "relaxed-simd", "--tier", tier, &src]).assert_success("fused\n");
    }
    let exe = format!("{}/madd", dir.path());
    let target = "x86_64-unknown-linux-gnu";
    create_exe(&["--target", target, "--wasm", "relaxed-simd", &src, "-o", &exe])
        .assert_success_reports("wrote");
    let run = run_of(run_clean(Path::new(&exe), Path::new(dir.path()), Path::new(dir.path()), &[]));
    run.assert_success("fused\n");
}

#[test]
fn arguments_belong_to_the_guest_and_exit_statuses_pass_through() {
    let dir = TempDir::new();
    // Exits with the number of arguments it got (its own name included).
    let src = dir.file("argc.wat", ARGC);
    let exe = format!("{}/argc", dir.path());
    create_exe(&[&src, "-o", &exe]).assert_success_reports("wrote");
    let run = |args: &[&str]| {
        run_of(run_clean(Path::new(&exe), Path::new(dir.path()), Path::new(dir.path()), args))
    };
    assert_eq!(run(&[]).code, 1);
    let got = run(&["--version", "--help", "-o", "x"]);
    assert_eq!((got.code, got.stdout.as_str(), got.stderr.as_str()), (5, "", ""));
}

#[test]
fn traps_read_as_under_wisp_run() {
    let dir = TempDir::new();
    let src = dir.file("trap.wat", TRAP);
    let exe = format!("{}/trap", dir.path());
    create_exe(&[&src, "-o", &exe]).assert_success_reports("wrote");
    let exe_run =
        run_of(run_clean(Path::new(&exe), Path::new(dir.path()), Path::new(dir.path()), &[]));
    exe_run.assert_trap("unreachable", "inner");
    let wisp_run = wisp(["run", &src]);
    assert_eq!(exe_run.stderr, wisp_run.stderr);
    assert_eq!(exe_run.code, wisp_run.code);
    assert!(exe_run.stderr.contains("1: outer"), "{}", exe_run.stderr);
}

#[test]
fn capabilities_are_built_in_and_nothing_else_is_granted() {
    let dir = TempDir::new();
    let data = TempDir::new();
    std::fs::write(Path::new(data.path()).join("greeting.txt"), "from the host\n").unwrap();
    let src = dir.file("cat.wat", CAT);
    // Without a grant, opening fails and the guest exits with 2.
    let exe = format!("{}/cat-denied", dir.path());
    create_exe(&[&src, "-o", &exe]).assert_success_reports("wrote");
    let run = run_of(run_clean(Path::new(&exe), Path::new(dir.path()), Path::new(dir.path()), &[]));
    assert_eq!((run.code, run.stdout.as_str()), (2, ""));
    // With `--dir-ro DATA::/data`, it prints the file.
    let exe = format!("{}/cat", dir.path());
    let grant = format!("{}::/data", data.path());
    create_exe(&["--dir-ro", &grant, &src, "-o", &exe]).assert_success_reports("wrote");
    let run = run_of(run_clean(Path::new(&exe), Path::new(dir.path()), Path::new(dir.path()), &[]));
    run.assert_success("from the host\n");
}

#[test]
fn proposals_are_enabled_with_wasm() {
    let dir = TempDir::new();
    let src = dir.file("countdown.wat", COUNTDOWN);
    let exe = format!("{}/countdown", dir.path());
    // Neither proposal is on by default.
    create_exe(&[&src, "-o", &exe]).assert_error(1, &["countdown.wat", "multiple memories"]);
    create_exe(&["--wasm", "multi-memory", &src, "-o", &exe])
        .assert_error(1, &["countdown.wat", "tail call"]);
    // Both are recorded in the executable, which validates the module
    // again when it starts.
    create_exe(&["--wasm", "multi-memory", "--wasm", "tail-call", &src, "-o", &exe])
        .assert_success_reports("wrote");
    let run = run_of(run_clean(Path::new(&exe), Path::new(dir.path()), Path::new(dir.path()), &[]));
    assert_eq!((run.code, run.stderr.as_str()), (7, ""));
    let help = wisp(["create-exe", "--help"]);
    assert!(help.stdout.contains("--wasm <NAME[=y|n]>"), "{}", help.stdout);
}

#[test]
fn the_runtime_library_has_no_compiler_and_no_text_parser() {
    let lib = std::fs::read(runtime_lib()).unwrap();
    // Mangled symbol names start with the crate's.
    for krate in ["cranelift_codegen", "wat", "wast"] {
        let prefix = format!("_ZN{}{krate}", krate.len());
        assert!(!contains(&lib, prefix.as_bytes()), "the runtime library links {krate}");
    }
    assert!(contains(&lib, b"_ZN10wasmparser"), "symbols are not where this test looks");
}

#[test]
fn what_is_not_a_wasi_command_is_refused() {
    let dir = TempDir::new();
    let out = format!("{}/x", dir.path());
    let no_start = dir.file("lib.wat", r#"(module (func (export "f")))"#);
    create_exe(&[&no_start, "-o", &out]).assert_error(1, &["not a WASI command", "_start"]);
    let host_import =
        dir.file("host.wat", r#"(module (import "env" "log" (func)) (func (export "_start")))"#);
    create_exe(&[&host_import, "-o", &out]).assert_error(1, &["not a WASI command", "env::log"]);
    let bad_start = dir.file("bad.wat", r#"(module (func (export "_start") (param i32)))"#);
    create_exe(&[&bad_start, "-o", &out]).assert_error(1, &["not a WASI command"]);
    let invalid = dir.file("invalid.wasm", b"\0asm\x01\0\0\0\x01\xff");
    create_exe(&[&invalid, "-o", &out]).assert_error(1, &["invalid.wasm"]);
    assert!(!Path::new(&out).exists());
}

#[test]
fn toolchain_problems_are_explained() {
    let dir = TempDir::new();
    let src = dir.file("hello.wat", HELLO);
    let out = format!("{}/hello", dir.path());

    // No C compiler on PATH and no $CC.
    let lib = runtime_lib();
    wisp_alone(&["create-exe", "--runtime-lib", lib.to_str().unwrap(), &src, "-o", &out], &dir)
        .assert_error(1, &["no C compiler found", "apt install gcc"]);

    // A linker that fails: its own output is shown.
    let run = create_exe(&["--linker", "cc -Wl,--no-such-linker-flag", &src, "-o", &out]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.starts_with("error: linking failed"), "{}", run.stderr);
    assert!(run.stderr.contains("no-such-linker-flag"), "{}", run.stderr);

    // A target Wisp cannot compile for.
    create_exe(&["--target", "mips-unknown-linux-gnu", &src, "-o", &out])
        .assert_error(1, &["mips-unknown-linux-gnu"]);

    // A runtime library that is not there.
    wisp(["create-exe", "--runtime-lib", "/nonexistent/libwisp_exe_runtime.a", &src, "-o", &out])
        .assert_error(1, &["runtime library", "does not exist"]);
    assert!(!Path::new(&out).exists());
}

#[test]
fn other_targets_get_an_object_and_the_link_command() {
    let dir = TempDir::new();
    let src = dir.file("hello.wat", HELLO);
    let out = format!("{}/hello-arm64", dir.path());
    // PATH without a cross linker: the object is the result.
    let run = wisp_alone(
        &["create-exe", "--target", "aarch64-unknown-linux-gnu", &src, "-o", &out],
        &dir,
    );
    run.assert_success_reports("hello-arm64.o");
    assert!(
        run.stderr.contains("cargo build --release -p wisp-exe-runtime --target aarch64"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("-o ") && run.stderr.contains("libwisp_exe_runtime.a"));
    let elf = std::fs::read(format!("{out}.o")).unwrap();
    assert_eq!(&elf[..4], b"\x7fELF");
    assert_eq!(elf[4], 2, "64-bit");
    assert_eq!(u16::from_le_bytes([elf[16], elf[17]]), 1, "relocatable");
    assert_eq!(u16::from_le_bytes([elf[18], elf[19]]), 183, "EM_AARCH64");
    assert!(contains(&elf, b"wisp_linked_text") && contains(&elf, b"wisp_linked_image"));
}

/// `wisp ARGS...` with nothing in its environment but a PATH of only `dir`,
/// so that it finds no compiler or linker.
fn wisp_alone(args: &[&str], dir: &TempDir) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_wisp"))
        .args(args)
        .env_clear()
        .env("PATH", dir.path())
        .output()
        .unwrap();
    run_of(output)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

const HELLO: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hello, world\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 13))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))"#;

const ARGC: &str = r#"(module
  (import "wasi_snapshot_preview1" "args_sizes_get"
    (func $sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (drop (call $sizes (i32.const 0) (i32.const 4)))
    (call $exit (i32.load (i32.const 0)))))"#;

/// Counts a million down in tail calls (without them, a million frames),
/// then exits with the status kept in its second memory, 7.
const COUNTDOWN: &str = r#"(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory $unused 1)
  (memory $status 1)
  (func $count (param i32)
    (if (i32.eqz (local.get 0)) (then (call $exit (i32.load $status (i32.const 0)))))
    (return_call $count (i32.sub (local.get 0) (i32.const 1))))
  (func (export "_start")
    (i32.store $status (i32.const 0) (i32.const 7))
    (call $count (i32.const 1000000))))"#;

const TRAP: &str = r#"(module
  (func $inner (unreachable))
  (func $outer (call $inner))
  (func (export "_start") (call $outer)))"#;

/// Prints `/data/greeting.txt` (preopen fd 3), or exits with 2 if it
/// cannot open it.
const CAT: &str = r#"(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read"
    (func $read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write"
    (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "greeting.txt")
  (func (export "_start")
    (if (call $open (i32.const 3) (i32.const 0) (i32.const 100) (i32.const 12) (i32.const 0)
          (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 200))
      (then (call $exit (i32.const 2))))
    ;; iovec at 0: buffer 1024, length 512
    (i32.store (i32.const 0) (i32.const 1024))
    (i32.store (i32.const 4) (i32.const 512))
    (drop (call $read (i32.load (i32.const 200)) (i32.const 0) (i32.const 1) (i32.const 8)))
    (i32.store (i32.const 4) (i32.load (i32.const 8)))
    (drop (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))"#;

/// Prints `fused` if `relaxed_madd` rounds once in every lane of both
/// shapes: with a = b = 1 + 2^-12 (2^-27 for f64) and c = -(a * b rounded),
/// a * b + c is 2^-24 (2^-54) rounded once, and 0 rounded twice.
const MADD: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "fused\n")
  (data (i32.const 32) "rounded twice\n")
  (func $print (param $at i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $at))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
  (func (export "_start")
    (if (i32.and
          (i32x4.all_true
            (f32x4.relaxed_madd
              (v128.const f32x4 0x1.001p+0 0x1.001p+0 0x1.001p+0 0x1.001p+0)
              (v128.const f32x4 0x1.001p+0 0x1.001p+0 0x1.001p+0 0x1.001p+0)
              (v128.const f32x4 -0x1.002p+0 -0x1.002p+0 -0x1.002p+0 -0x1.002p+0)))
          (i64x2.all_true
            (f64x2.relaxed_madd
              (v128.const f64x2 0x1.0000002p+0 0x1.0000002p+0)
              (v128.const f64x2 0x1.0000002p+0 0x1.0000002p+0)
              (v128.const f64x2 -0x1.0000004p+0 -0x1.0000004p+0))))
      (then (call $print (i32.const 16) (i32.const 6)))
      (else (call $print (i32.const 32) (i32.const 14))))))"#;
