//! Builds the C programs of `tests/c/` against `libwisp.a` with the
//! system C compiler and runs them: plainly, under AddressSanitizer, and
//! under valgrind when it is installed (required when `CI=true`).
//!
//! The library is built by the test itself, with `cargo build -p
//! wisp-c-api --profile test` (`--release` when the tests run in release
//! mode; the test profile reuses what `cargo test` compiled): the
//! tests of a package whose library is only a `staticlib` and a `cdylib`
//! do not make Cargo rebuild it, so a library found lying in `target/`
//! could be stale. Once up to date the build is a no-op. The library is
//! then `target/<profile>/libwisp.a`, beside the `deps/` directory this
//! test runs from.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

const MANIFEST: &str = env!("CARGO_MANIFEST_DIR");

/// `libwisp.a`, built from the current sources.
fn library() -> &'static Path {
    static LIB: OnceLock<PathBuf> = OnceLock::new();
    LIB.get_or_init(|| {
        let exe = std::env::current_exe().expect("test executable path");
        let profile_dir = exe.parent().and_then(Path::parent).expect("target/<profile>/deps");
        let mut cargo = Command::new(env!("CARGO"));
        cargo.args(["build", "-p", "wisp-c-api"]).current_dir(MANIFEST);
        if profile_dir.ends_with("release") {
            cargo.arg("--release");
        } else {
            cargo.args(["--profile", "test"]);
        }
        let status = cargo.status().expect("run cargo build");
        assert!(status.success(), "cargo build -p wisp-c-api failed");
        let lib = profile_dir.join("libwisp.a");
        assert!(lib.exists(), "{} was not built", lib.display());
        lib
    })
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    Plain,
    Asan,
    Valgrind,
}

fn out_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("c-api");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Compiles `tests/c/<name>.c` for `mode`; returns the executable.
fn compile(name: &str, mode: Mode) -> PathBuf {
    let src = Path::new(MANIFEST).join("tests/c").join(format!("{name}.c"));
    let exe = out_dir().join(format!("{name}-{mode:?}"));
    let mut cc = Command::new("cc");
    cc.args(["-std=c11", "-g", "-Wall", "-Wextra", "-Werror", "-D_GNU_SOURCE"])
        .arg("-I")
        .arg(Path::new(MANIFEST).join("include"))
        .arg(&src)
        .arg(library())
        .args(["-lpthread", "-ldl", "-lm", "-o"])
        .arg(&exe);
    if mode == Mode::Asan {
        cc.args(["-fsanitize=address", "-fno-omit-frame-pointer"]);
    }
    let out = cc.output().expect("run cc");
    assert!(out.status.success(), "cc {name}.c failed:\n{}", String::from_utf8_lossy(&out.stderr));
    exe
}

fn valgrind_available() -> bool {
    let found =
        Command::new("valgrind").arg("--version").output().is_ok_and(|o| o.status.success());
    if !found {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "valgrind is required when CI=true");
        eprintln!("valgrind is not installed: skipping (scripts/setup.sh installs it)");
    }
    found
}

/// Builds and runs program `name` in `mode`, expecting success.
fn run(name: &str, mode: Mode) {
    if mode == Mode::Valgrind && !valgrind_available() {
        return;
    }
    let exe = compile(name, mode);
    let work = out_dir().join(format!("{name}-{mode:?}.work"));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).unwrap();
    let mut cmd = match mode {
        Mode::Valgrind => {
            let mut c = Command::new("valgrind");
            c.args([
                "--error-exitcode=1",
                "--leak-check=full",
                "--errors-for-leak-kinds=definite",
                "--smc-check=all-non-file",
                "--quiet",
            ])
            .arg(&exe);
            c
        }
        _ => Command::new(&exe),
    };
    cmd.current_dir(&work).env("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0");
    let out = cmd.output().expect("run test program");
    assert!(
        out.status.success(),
        "{name} ({mode:?}) failed with {}:\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

macro_rules! programs {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            use super::*;

            #[test]
            fn plain() {
                run(stringify!($name), Mode::Plain);
            }

            #[test]
            fn asan() {
                run(stringify!($name), Mode::Asan);
            }

            #[test]
            fn valgrind() {
                run(stringify!($name), Mode::Valgrind);
            }
        }
    )*};
}

programs!(core, types, refs, finalizers, errors, threads, wasi, extensions);

/// The names of the functions `text` calls or declares whose names start
/// with `wasm_` or `wisp_`.
fn function_names(text: &str) -> std::collections::BTreeSet<String> {
    let bytes = text.as_bytes();
    let mut names = std::collections::BTreeSet::new();
    let mut i = 0;
    while i < bytes.len() {
        let starts = bytes[i].is_ascii_alphabetic() || bytes[i] == b'_';
        if !starts || (i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_')) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
            i += 1;
        }
        let word = &text[start..i];
        let next = text[i..].trim_start().chars().next();
        if (word.starts_with("wasm_") || word.starts_with("wisp_")) && next == Some('(') {
            names.insert(word.to_string());
        }
    }
    names
}

/// Every function the headers declare, after preprocessing (the standard
/// declares most of them through macros).
fn declared_functions() -> std::collections::BTreeSet<String> {
    let include = Path::new(MANIFEST).join("include");
    let out = Command::new("cc")
        .args(["-E", "-P", "-x", "c", "-"])
        .arg("-I")
        .arg(&include)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(b"#include <wisp.h>\n")?;
            child.wait_with_output()
        })
        .expect("run cc -E");
    assert!(out.status.success());
    function_names(&String::from_utf8_lossy(&out.stdout))
}

/// Every function the headers declare is called by some C test program.
#[test]
fn every_declared_function_is_tested() {
    let declared = declared_functions();
    assert!(declared.len() > 250, "only {} functions found", declared.len());
    let mut called = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(Path::new(MANIFEST).join("tests/c")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "c") {
            called.extend(function_names(&std::fs::read_to_string(&path).unwrap()));
        }
    }
    // `wasm__` names are the header's own inline helpers.
    let untested: Vec<_> =
        declared.iter().filter(|f| !f.starts_with("wasm__") && !called.contains(*f)).collect();
    assert!(untested.is_empty(), "functions no C test calls: {untested:?}");
}

/// Every function the headers declare is defined by the library: a
/// program taking the address of each links.
#[test]
fn every_declared_function_links() {
    let mut src = String::from("#include <wisp.h>\nvoid (*const all[])(void) = {\n");
    for f in declared_functions() {
        src.push_str(&format!("  (void (*)(void)){f},\n"));
    }
    src.push_str("};\nint main(void) { return all[0] == 0; }\n");
    let c = out_dir().join("all_functions.c");
    std::fs::write(&c, src).unwrap();
    let exe = out_dir().join("all_functions");
    let out = Command::new("cc")
        .args(["-std=c11", "-Wno-cast-function-type"])
        .arg("-I")
        .arg(Path::new(MANIFEST).join("include"))
        .arg(&c)
        .arg(library())
        .args(["-lpthread", "-ldl", "-lm", "-o"])
        .arg(&exe)
        .output()
        .expect("run cc");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(Command::new(&exe).status().unwrap().success());
}
