//! Every kind of bad input ends in one `error:` line (plus a backtrace for
//! traps) and the documented exit code, never a panic.

mod common;

use common::{
    EXPORT_SECTION, FUNC_SECTION, HEADER, TYPE_SECTION, TempDir, binary, valid_module, wisp,
};

#[test]
fn truncated_module() {
    let dir = TempDir::new();
    let mut bytes = valid_module();
    bytes.truncate(bytes.len() - 3);
    let file = dir.file("truncated.wasm", bytes);
    wisp(["run", &file]).assert_error(
        1,
        &["truncated.wasm", "invalid module", "unexpected end", "(at offset 0x20)"],
    );
}

#[test]
fn every_truncation_is_rejected_cleanly() {
    let dir = TempDir::new();
    let bytes = valid_module();
    let files: Vec<_> =
        (0..bytes.len()).map(|n| dir.file(&format!("cut{n}.wasm"), &bytes[..n])).collect();
    let run = wisp(std::iter::once("validate").chain(files.iter().map(String::as_str)));
    assert_eq!(run.code, 1);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    // Cuts right after the header or the type section leave valid modules.
    let valid = [HEADER.len(), HEADER.len() + TYPE_SECTION.len()];
    let expected: Vec<String> = valid.iter().map(|&n| format!("{}: valid", files[n])).collect();
    assert_eq!(run.stdout.lines().collect::<Vec<_>>(), expected);
    let errors: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(errors.len(), files.len() - valid.len(), "{}", run.stderr);
    assert!(errors.iter().all(|l| l.starts_with("error: ")), "{}", run.stderr);
}

#[test]
fn bad_leb128() {
    let dir = TempDir::new();
    // A section size whose LEB128 encoding never ends within 32 bits.
    let file = dir.file("leb.wasm", binary(&[&[0x01, 0x80, 0x80, 0x80, 0x80, 0x80]]));
    wisp(["run", &file])
        .assert_error(1, &["invalid module", "var_u32", "too long", "(at offset 0xd)"]);
}

#[test]
fn bad_utf8_in_a_name() {
    let dir = TempDir::new();
    // An import whose module name is the single byte 0xff.
    let import = [0x02, 0x07, 0x01, 0x01, 0xff, 0x01, b'f', 0x00, 0x00];
    let file = dir.file("utf8.wasm", binary(&[&import]));
    wisp(["run", &file]).assert_error(1, &["invalid module", "malformed UTF-8", "(at offset 0xc)"]);
}

#[test]
fn type_error_in_a_function_body() {
    let dir = TempDir::new();
    // The body returns `i64.const 1` where the signature says i32.
    let code = [0x0a, 0x06, 0x01, 0x04, 0x00, 0x42, 0x01, 0x0b];
    let file = dir.file("types.wasm", binary(&[TYPE_SECTION, FUNC_SECTION, EXPORT_SECTION, &code]));
    wisp(["run", "--invoke", "run", &file]).assert_error(
        1,
        &["invalid module", "type mismatch", "expected i32, found i64", "(at offset 0x23)"],
    );
}

#[test]
fn not_a_module_at_all() {
    let dir = TempDir::new();
    let file = dir.file("junk.wasm", "hello, world");
    wisp(["validate", &file]).assert_error(1, &["junk.wasm", "magic header", "(at offset 0x0)"]);
}

#[test]
fn text_syntax_error_has_a_line_and_column() {
    let dir = TempDir::new();
    let file = dir.file("syntax.wat", "(module\n  (func\n    i32.konst 1))");
    wisp(["run", &file])
        .assert_error(1, &["syntax.wat", "invalid text module", "(at line 3, column 5)"]);
}

#[test]
fn unknown_export_for_invoke() {
    wisp(["run", "--invoke", "fob", "examples/fib.wat", "1"])
        .assert_error(1, &["no export named `fob`", "exported functions: fib"]);
}

#[test]
fn export_that_is_not_a_function() {
    wisp(["run", "--invoke", "memory", "examples/sum.wat"])
        .assert_error(1, &["`memory` is not a function", "exported functions: sum"]);
}

#[test]
fn no_start_function_and_no_invoke() {
    wisp(["run", "examples/fib.wat"])
        .assert_error(1, &["no `_start`", "exported functions: fib", "--invoke"]);
}

#[test]
fn wrong_argument_count() {
    wisp(["run", "--invoke", "sum", "examples/sum.wat", "1"])
        .assert_error(1, &["`sum` takes 2 argument(s) (i32, i32) but was given 1"]);
}

#[test]
fn unparsable_argument() {
    wisp(["run", "examples/fib.wat", "--invoke", "fib", "twenty"])
        .assert_error(1, &["argument 1 of `fib`", "`twenty` is not a valid i32"]);
}

#[test]
fn argument_of_the_wrong_type() {
    wisp(["run", "examples/fib.wat", "--invoke", "fib", "1.5"])
        .assert_error(1, &["`1.5` is not a valid i32"]);
}

#[test]
fn missing_import() {
    let dir = TempDir::new();
    let file = dir.file(
        "imports.wat",
        r#"(module (import "env" "log" (func (param i32))) (func (export "_start")))"#,
    );
    wisp(["run", &file]).assert_error(1, &["unknown import", "`env::log`"]);
}

#[test]
fn non_existent_file() {
    wisp(["run", "examples/no-such-file.wasm"])
        .assert_error(1, &["cannot read examples/no-such-file.wasm", "No such file"]);
}

#[test]
fn trap_exits_134_with_a_backtrace() {
    let dir = TempDir::new();
    let file = dir.file(
        "trap.wat",
        r#"(module
             (func $divide (param i32 i32) (result i32)
               (i32.div_s (local.get 0) (local.get 1)))
             (func $main (export "main") (result i32)
               (call $divide (i32.const 1) (i32.const 0))))"#,
    );
    let run = wisp(["run", "--invoke", "main", &file]);
    run.assert_trap("integer divide by zero", "divide");
    assert!(run.stderr.lines().nth(3).is_some_and(|l| l.trim() == "1: main"), "{}", run.stderr);
    assert_eq!(run.stdout, "");
}

#[test]
fn trap_in_the_start_function_exits_134() {
    let dir = TempDir::new();
    let file = dir.file(
        "start.wat",
        r#"(module (func $boom unreachable) (start $boom) (func (export "f")))"#,
    );
    wisp(["run", "--invoke", "f", &file]).assert_trap("unreachable", "boom");
}

#[test]
fn infinite_recursion_exhausts_the_stack() {
    let dir = TempDir::new();
    let file =
        dir.file("recurse.wat", r#"(module (func $forever (export "forever") (call $forever)))"#);
    let run = wisp(["run", "--invoke", "forever", &file]);
    run.assert_trap("call stack exhausted", "forever");
    // Tens of thousands of identical frames fold into one line.
    assert_eq!(run.stderr.lines().count(), 3, "{}", run.stderr);
}

#[test]
fn stack_limits_are_configurable() {
    let dir = TempDir::new();
    let file = dir.file(
        "countdown.wat",
        r#"(module (func $down (export "down") (param i32)
             (if (local.get 0) (then (call $down (i32.sub (local.get 0) (i32.const 1)))))))"#,
    );
    for tier in ["interp", "cranelift"] {
        let run = |limit: &str, value: &str| {
            wisp(["run", "--tier", tier, limit, value, "--invoke", "down", &file, "5000"])
        };
        if tier == "interp" {
            // The compiled tier bounds the stack by bytes only.
            run("--max-call-depth", "10000").assert_success("");
            run("--max-call-depth", "100").assert_trap("call stack exhausted", "down");
        }
        run("--max-wasm-stack", "1048576").assert_success("");
        run("--max-wasm-stack", "1024").assert_trap("call stack exhausted", "down");
    }
}

#[test]
fn damaged_or_mismatched_artifacts_are_refused() {
    let dir = TempDir::new();
    let artifact = format!("{}/fib.cwisp", dir.path());
    wisp(["compile", "examples/fib.wat", "-o", &artifact]).assert_success_reports("wrote");
    let bytes = std::fs::read(&artifact).unwrap();
    // Settings that change the code: refused with a clear error.
    let run = wisp(["run", "--no-memory-reservation", &artifact, "--invoke", "fib", "10"]);
    run.assert_error(1, &["different code-affecting settings", "recompile"]);
    // A damaged payload: refused, never run.
    let mut damaged = bytes.clone();
    // A byte of the embedded module, which the checksum covers.
    let magic = damaged.windows(8).position(|w| w == b"WISPAOT\0").unwrap();
    let at = magic + damaged[magic..].windows(4).position(|w| w == b"\0asm").unwrap() + 10;
    damaged[at] ^= 0xff;
    let file = dir.file("damaged.cwisp", damaged);
    wisp(["run", &file, "--invoke", "fib", "10"]).assert_error(1, &["not a valid Wisp artifact"]);
    // Artifacts need the compiled tier.
    let run = wisp(["run", "--tier", "interp", &artifact, "--invoke", "fib", "10"]);
    run.assert_error(1, &["precompiled artifact", "--tier cranelift"]);
}

#[test]
fn unknown_proposal() {
    wisp(["run", "--wasm", "tail-calls", "examples/fib.wat"])
        .assert_error(1, &["unknown proposal `tail-calls`", "tail-call"]);
}

#[test]
fn proposal_disabled_by_flag_is_rejected() {
    let dir = TempDir::new();
    let file = dir
        .file("simd.wat", r#"(module (func (export "v") (result v128) (v128.const i64x2 1 2)))"#);
    wisp(["validate", &file]).assert_success(&format!("{}: valid\n", file));
    wisp(["validate", "--wasm", "simd=n", &file])
        .assert_error(1, &["invalid module", "SIMD", "(at offset 0x"]);
}

#[test]
fn usage_errors_exit_1_on_one_line() {
    wisp(["run", "--bogus", "examples/fib.wat"]).assert_error(1, &["--bogus", "--help"]);
    wisp(["run"]).assert_error(1, &["<FILE>"]);
    wisp(["frobnicate"]).assert_error(1, &["frobnicate"]);
    wisp(Vec::<&str>::new()).assert_error(1, &["subcommand"]);
    wisp(["run", "--tier", "jit", "examples/fib.wat"]).assert_error(1, &["jit", "interp"]);
}

#[test]
fn fuel_and_timeout_stop_an_infinite_loop() {
    let dir = TempDir::new();
    let file = dir.file("spin.wat", r#"(module (func $spin (export "_start") (loop $l (br $l))))"#);
    wisp(["run", "--fuel", "100000", &file]).assert_trap("all fuel consumed", "spin");
    let start = std::time::Instant::now();
    wisp(["run", "--timeout", "100ms", &file])
        .assert_trap("interrupted: epoch deadline reached", "spin");
    assert!(start.elapsed() >= std::time::Duration::from_millis(100));
    wisp(["run", "--timeout", "5", &file]).assert_error(1, &["needs a unit"]);
}

#[test]
fn max_memory_makes_memory_grow_fail() {
    let dir = TempDir::new();
    let file = dir.file(
        "grow.wat",
        r#"(module (memory 1) (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))"#,
    );
    wisp(["run", "--max-memory", "1MiB", "--invoke", "grow", &file, "15"]).assert_success("1\n");
    wisp(["run", "--max-memory", "1MiB", "--invoke", "grow", &file, "16"]).assert_success("-1\n");
    wisp(["run", "--max-memory", "1MB", "--invoke", "grow", &file, "1"])
        .assert_error(1, &["unknown unit"]);
}
