//! What each command prints when all goes well.

mod common;

use common::{TempDir, wisp, workspace_root};

/// Every example says how to run it, in a comment line such as
/// `;;   wisp run examples/fib.wat --invoke fib 20   # prints 6765`;
/// each such line must hold.
#[test]
fn examples_print_what_their_comments_promise() {
    let mut checked = 0;
    for entry in std::fs::read_dir(workspace_root().join("examples")).unwrap() {
        let path = entry.unwrap().path();
        // The folders (`serve/`, `plugins/`) hold examples of other kinds.
        if path.extension().is_none_or(|ext| ext != "wat") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let mut promises = 0;
        for line in text.lines() {
            let Some(usage) = line.trim_start_matches(';').trim().strip_prefix("wisp ") else {
                continue;
            };
            let (command, expected) = usage.split_once("# prints").expect("`# prints` follows");
            let expected = expected.split_whitespace().next().unwrap();
            wisp(command.split_whitespace()).assert_success(&format!("{expected}\n"));
            promises += 1;
        }
        assert!(promises > 0, "{} shows no `wisp run ... # prints ...` line", path.display());
        checked += 1;
    }
    assert!(checked >= 3, "examples/ holds fib, factorial and sum at least");
}

#[test]
fn options_may_come_before_or_after_the_file() {
    wisp(["run", "--invoke", "sum", "examples/sum.wat", "0", "3"]).assert_success("6\n");
    wisp(["run", "examples/sum.wat", "--invoke", "sum", "0", "3"]).assert_success("6\n");
}

#[test]
fn arguments_may_be_negative_or_follow_a_double_dash() {
    wisp(["run", "--invoke", "fib", "examples/fib.wat", "-4"]).assert_success("-4\n");
    wisp(["run", "examples/fib.wat", "--invoke", "fib", "--", "-4"]).assert_success("-4\n");
    wisp(["run", "examples/fib.wat", "--invoke", "fib", "0xa"]).assert_success("55\n");
}

#[test]
fn every_value_type_round_trips() {
    let dir = TempDir::new();
    let file = dir.file(
        "echo.wat",
        r#"(module
             (func (export "echo")
               (param i32 i64 f32 f64 v128 funcref externref)
               (result i32 i64 f32 f64 v128 funcref externref)
               (local.get 0) (local.get 1) (local.get 2) (local.get 3)
               (local.get 4) (local.get 5) (local.get 6)))"#,
    );
    let args = ["-1", "0x7fffffffffffffff", "-inf", "2.5", "0xabc", "null", "null"];
    let mut command = vec!["run".to_string(), "--invoke".into(), "echo".into()];
    command.push(file.to_string());
    command.extend(args.iter().map(|a| a.to_string()));
    wisp(&command).assert_success(
        "-1\n9223372036854775807\n-inf\n2.5\n0x00000000000000000000000000000abc\nnull\nnull\n",
    );
    command[4] = "0xffffffff".into();
    command[6] = "nan".into();
    wisp(&command).assert_success(
        "-1\n9223372036854775807\nNaN\n2.5\n0x00000000000000000000000000000abc\nnull\nnull\n",
    );
}

#[test]
fn start_is_called_without_invoke() {
    let dir = TempDir::new();
    let file = dir.file(
        "command.wat",
        r#"(module (func (export "_start") (drop (i32.div_u (i32.const 1) (i32.const 1)))))"#,
    );
    wisp(["run", &file]).assert_success("");
}

#[test]
fn binary_modules_run_too() {
    let dir = TempDir::new();
    let file = dir.file("one.wasm", common::valid_module());
    wisp(["run", "--invoke", "run", &file]).assert_success("1\n");
}

const PASSING_SCRIPT: &str = r#"
(module (func (export "add") (param i32 i32) (result i32)
  (i32.add (local.get 0) (local.get 1))))
(assert_return (invoke "add" (i32.const 1) (i32.const 2)) (i32.const 3))
(assert_trap (invoke "add" (i32.const 1) (i32.const 2)) "unreachable")
"#;

#[test]
fn wast_reports_passes_and_failures() {
    let dir = TempDir::new();
    let passing = dir.file("pass.wast", PASSING_SCRIPT.replace("(assert_trap", ";;"));
    let run = wisp(["wast", &passing]);
    run.assert_success(&format!("{}: 2 passed, 0 failed\n", passing));

    let failing = dir.file("fail.wast", PASSING_SCRIPT);
    let run = wisp(["wast", &passing, &failing]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.stderr, "");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines[1], format!("{}: 2 passed, 1 failed", failing));
    assert!(lines[2].starts_with("  line 5: "), "{}", run.stdout);
    assert_eq!(lines.len(), 3, "{}", run.stdout);
}

#[test]
fn wast_goes_on_after_a_script_that_does_not_parse() {
    let dir = TempDir::new();
    let broken = dir.file("broken.wast", "(module\n  (func (export \"f\")\n(assert_return");
    let passing = dir.file("pass.wast", "(module)");
    let run = wisp(["wast", &broken, &passing]);
    assert_eq!(run.code, 1);
    assert_eq!(run.stdout, format!("{}: 1 passed, 0 failed\n", passing));
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(run.stderr.starts_with("error: ") && run.stderr.contains("broken.wast"));
}

#[test]
fn validate_reports_each_valid_file() {
    wisp(["validate", "examples/fib.wat", "examples/sum.wat"])
        .assert_success("examples/fib.wat: valid\nexamples/sum.wat: valid\n");
}

#[test]
fn inspect_summarises_the_module() {
    let dir = TempDir::new();
    let file = dir.file(
        "parts.wat",
        r#"(module
             (import "env" "log" (func (param i32)))
             (import "env" "base" (global i32))
             (memory (export "memory") 1 4)
             (table 2 funcref)
             (global $counter (mut i64) (i64.const 0))
             (func (export "tick") (result i64) (global.get $counter)))"#,
    );
    let run = wisp(["inspect", &file]);
    assert_eq!((run.code, &*run.stderr), (0, ""));
    let text = run.stdout;
    for expected in [
        "functions: 2 (1 imported, 1 defined)",
        "imports (2):\n  env::log: func(i32) -> ()\n  env::base: global i32\n",
        "exports (2):\n  memory: memory min 1, max 4 (64 KiB pages)\n  tick: func() -> (i64)\n",
        "memories (1):\n  0: min 1, max 4 (64 KiB pages)\n",
        "tables (1):\n  0: funcref, min 2, no max\n",
        "globals (2):\n  0: i32 (imported as env::base)\n  1: mut i64\n",
    ] {
        assert!(text.contains(expected), "`{expected}` missing from:\n{text}");
    }
}

#[test]
fn help_and_version_exit_0() {
    for args in [&["--help"][..], &["run", "--help"], &["wast", "--help"], &["help", "inspect"]] {
        let run = wisp(args);
        assert_eq!((run.code, &*run.stderr), (0, ""), "{args:?}");
        assert!(run.stdout.contains("Exit codes:"), "{args:?}: {}", run.stdout);
    }
    let run = wisp(["--version"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.starts_with("wisp "));
}

#[test]
fn a_tcplisten_socket_reaches_the_guest() {
    let dir = TempDir::new();
    // Accepts one connection on descriptor 3, sends "hi", exits 7.
    let file = dir.file(
        "greet.wat",
        r#"(module
             (import "wasi_snapshot_preview1" "sock_accept" (func $accept (param i32 i32 i32) (result i32)))
             (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
             (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
             (memory (export "memory") 1)
             (data (i32.const 8) "\20\00\00\00\02\00\00\00")
             (data (i32.const 32) "hi")
             (func (export "_start")
               (drop (call $accept (i32.const 3) (i32.const 0) (i32.const 0)))
               (drop (call $write (i32.load (i32.const 0)) (i32.const 8) (i32.const 1) (i32.const 16)))
               (call $exit (i32.const 7))))"#,
    );
    // A free port: bind, note it, let go.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let addr = format!("127.0.0.1:{port}");
    let client = std::thread::spawn({
        let addr = addr.clone();
        move || {
            use std::io::Read;
            // Generous: a loaded machine may take seconds to start wisp,
            // and a client that gave up would leave it waiting forever.
            for _ in 0..2400 {
                if let Ok(mut s) = std::net::TcpStream::connect(&addr) {
                    let mut got = String::new();
                    s.read_to_string(&mut got).unwrap();
                    return got;
                }
                std::thread::sleep(std::time::Duration::from_millis(25));
            }
            panic!("wisp never listened on {addr}");
        }
    });
    let run = wisp(["run", "--tcplisten", &addr, &file]);
    assert_eq!(run.code, 7, "stderr: {}", run.stderr);
    assert_eq!(client.join().unwrap(), "hi");
}

#[test]
fn everything_after_the_module_goes_to_the_guest() {
    let dir = TempDir::new();
    // Exits with its argument count.
    let file = dir.file(
        "argc.wat",
        r#"(module
             (import "wasi_snapshot_preview1" "args_sizes_get" (func $sizes (param i32 i32) (result i32)))
             (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
             (memory (export "memory") 1)
             (func (export "_start")
               (drop (call $sizes (i32.const 0) (i32.const 4)))
               (call $exit (i32.load (i32.const 0)))))"#,
    );
    // Even arguments that look like wisp's own options belong to the guest.
    assert_eq!(wisp(["run", &file, "--dir", "/", "--env", "HOME", "-x"]).code, 6);
    assert_eq!(wisp(["run", &file, "--", "--invoke"]).code, 2);
    assert_eq!(wisp(["run", &file]).code, 1);
}

#[test]
fn both_tiers_give_the_same_results() {
    for tier in ["interp", "cranelift"] {
        let run = wisp(["run", "--tier", tier, "examples/fib.wat", "--invoke", "fib", "20"]);
        run.assert_success("6765\n");
    }
    let run = wisp(
        ["run", "--tier", "cranelift", "--no-memory-reservation", "--no-cache"]
            .into_iter()
            .chain(["examples/fib.wat", "--invoke", "fib", "20"]),
    );
    run.assert_success("6765\n");
}

#[test]
fn compiled_traps_report_the_wasm_backtrace() {
    let dir = TempDir::new();
    let file = dir.file(
        "trap.wat",
        r#"(module (func $inner (export "inner") unreachable)
                   (func $outer (export "outer") call $inner))"#,
    );
    let run = wisp(["run", "--tier", "cranelift", &file, "--invoke", "outer"]);
    run.assert_trap("unreachable", "inner");
    assert!(run.stderr.contains("outer"), "{}", run.stderr);
}

#[test]
fn compile_then_run_the_artifact() {
    let dir = TempDir::new();
    let artifact = format!("{}/fib.cwisp", dir.path());
    wisp(["compile", "examples/fib.wat", "-o", &artifact]).assert_success_reports("wrote");
    // The artifact runs without compiling, in the compiled tier.
    wisp(["run", &artifact, "--invoke", "fib", "20"]).assert_success("6765\n");
}

#[test]
fn compile_writes_nothing_on_stdout() {
    let dir = TempDir::new();
    let artifact = format!("{}/fib.cwisp", dir.path());
    let run = wisp(["compile", "examples/fib.wat", "-o", &artifact]);
    assert_eq!((run.code, run.stdout.as_str()), (0, ""), "stderr: {}", run.stderr);
    assert!(run.stderr.starts_with(&format!("wrote {artifact} (")), "{}", run.stderr);
}

#[test]
fn the_cache_is_filled_listed_and_cleaned() {
    let dir = TempDir::new();
    let cache = |args: &[&str]| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_wisp"))
            .args(args)
            .current_dir(workspace_root())
            .env("WISP_CACHE_DIR", dir.path())
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stdout).unwrap()
    };
    assert_eq!(cache(&["cache", "dir"]).trim(), dir.path());
    assert!(cache(&["cache", "stats"]).contains("entries:   0"));
    assert_eq!(cache(&["run", "examples/fib.wat", "--invoke", "fib", "10"]), "55\n");
    assert!(cache(&["cache", "stats"]).contains("entries:   1"));
    // A second run uses the entry; a damaged entry is replaced.
    assert_eq!(cache(&["run", "examples/fib.wat", "--invoke", "fib", "10"]), "55\n");
    let entry = std::fs::read_dir(dir.path()).unwrap().next().unwrap().unwrap().path();
    std::fs::write(&entry, b"not an artifact").unwrap();
    assert_eq!(cache(&["run", "examples/fib.wat", "--invoke", "fib", "10"]), "55\n");
    assert!(std::fs::read(&entry).unwrap().len() > 100, "the damaged entry was replaced");
    assert!(cache(&["cache", "clean"]).contains("removed 1"));
    assert!(cache(&["cache", "stats"]).contains("entries:   0"));
    // --no-cache leaves the cache alone.
    assert_eq!(cache(&["run", "--no-cache", "examples/fib.wat", "--invoke", "fib", "10"]), "55\n");
    assert!(cache(&["cache", "stats"]).contains("entries:   0"));
}
