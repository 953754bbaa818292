//! The C programs in `tests/c/` behave the same under `wisp run`, and as
//! executables from `wisp create-exe`, as when built natively: each is
//! compiled with `cc` and with clang for wasm32-wasi, every build gets the
//! same arguments, environment, standard input and an empty directory to
//! work in, and their standard output, standard error, exit status and
//! what they leave in that directory must match.
//!
//! Building for wasm32-wasi needs clang, lld and wasi-libc, which
//! `scripts/setup.sh` installs. Without them these tests pass after saying
//! they were skipped, except when `CI=true`, where they fail.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::{Run, runtime_lib, workspace_root};

#[test]
fn args() {
    let args = ["one", "two words", "", "--flag", "-x", "ünïcödé", "a=b"];
    check("args", &Invocation { args: &args, ..Invocation::default() });
}

const ENV_VARS: &[(&str, &str)] =
    &[("WISP_GREETING", "hello world"), ("WISP_EMPTY", ""), ("WISP_EQUALS", "a=b=c")];

/// In wisp's own environment unless `--inherit-env` is given: it must not
/// reach the guest.
const ENV_NOT_PASSED: (&str, &str) = ("WISP_NOT_PASSED", "leaked");

const ENV_LOOKUPS: &[&str] = &["WISP_GREETING", "WISP_EMPTY", "WISP_EQUALS", "WISP_NOT_PASSED"];

#[test]
fn env_given_values() {
    check_env(EnvFlags::Values);
}

#[test]
fn env_passed_by_name() {
    check_env(EnvFlags::Names);
}

#[test]
fn env_inherited() {
    check_env(EnvFlags::Inherit);
}

fn check_env(env_flags: EnvFlags) {
    check(
        "env",
        &Invocation { args: ENV_LOOKUPS, env: ENV_VARS, env_flags, ..Invocation::default() },
    );
}

#[test]
fn files() {
    check("files", &Invocation::default());
}

#[test]
fn dirs() {
    check("dirs", &Invocation::default());
}

#[test]
fn clocks() {
    check("clocks", &Invocation::default());
}

#[test]
fn uppercase() {
    let mut stdin = Vec::new();
    for i in 0..500 {
        writeln!(stdin, "line {i}: the quick brown fox jumps over the lazy dog; ä ö ü").unwrap();
    }
    stdin.extend_from_slice(b"no newline at the end");
    check("uppercase", &Invocation { stdin: &stdin, ..Invocation::default() });
}

#[test]
fn uppercase_of_nothing() {
    check("uppercase", &Invocation::default());
}

#[test]
fn exit_code() {
    check("exit_code", &Invocation::default());
}

#[test]
fn sort() {
    check("sort", &Invocation::default());
}

#[test]
fn errno() {
    check("errno", &Invocation::default());
}

#[test]
fn numbers() {
    check("numbers", &Invocation::default());
}

#[test]
fn memory() {
    check("memory", &Invocation::default());
}

/// What both builds of a program are given.
#[derive(Default)]
struct Invocation<'a> {
    args: &'a [&'a str],
    /// The whole environment: the native build sees only these, and `wisp`
    /// passes on exactly these, as `env_flags` says.
    env: &'a [(&'a str, &'a str)],
    env_flags: EnvFlags,
    stdin: &'a [u8],
}

/// How `wisp run` is told to pass the environment on.
#[derive(Default, Clone, Copy)]
enum EnvFlags {
    /// `--env NAME=VALUE` for each.
    #[default]
    Values,
    /// `--env NAME` for each, with wisp's own environment holding them.
    Names,
    /// `--inherit-env`, with wisp's own environment holding only them.
    Inherit,
}

/// Builds `tests/c/{name}.c` both ways, runs both builds as `invocation`
/// says, and asserts they behaved the same.
fn check(name: &str, invocation: &Invocation<'_>) {
    if !wasm_toolchain_present() {
        return;
    }
    let scratch = Scratch::new(name);
    let source = workspace_root().join("tests/c").join(format!("{name}.c"));
    let native = scratch.build.join(name);
    let wasm = scratch.build.join(format!("{name}.wasm"));
    compile(Command::new("cc").args(CFLAGS), &source, &native);
    build_wasm(&source, &wasm, &scratch.build);

    let mut command = Command::new(&native);
    command.args(invocation.args).current_dir(&scratch.native);
    command.env_clear().envs(invocation.env.iter().copied());
    let expected = run(command, invocation.stdin);

    let mut command = Command::new(env!("CARGO_BIN_EXE_wisp"));
    command.arg("run").arg("--dir").arg(format!("{}::.", scratch.wisp.display()));
    command.env_clear();
    let host_env = env_grants(&mut command, invocation);
    command.envs(host_env.iter().copied());
    command.arg(&wasm).args(invocation.args).current_dir(workspace_root());
    let actual = run(command, invocation.stdin);
    assert_same(name, "wisp run", (&actual, &scratch.wisp), (&expected, &scratch.native));

    // The same program as an executable, with the same grants built in.
    let exe = scratch.build.join(format!("{name}.exe"));
    let mut command = Command::new(env!("CARGO_BIN_EXE_wisp"));
    command.arg("create-exe").arg("--runtime-lib").arg(runtime_lib());
    // The native build's compiler links it too, whatever `$CC` says.
    command.arg("--linker").arg("cc");
    command.arg("--dir").arg(format!("{}::.", scratch.exe.display()));
    let host_env = env_grants(&mut command, invocation);
    command.arg(&wasm).arg("-o").arg(&exe);
    let built = command.output().unwrap();
    assert!(built.status.success(), "{name}: {}", String::from_utf8_lossy(&built.stderr));
    let mut command = Command::new(&exe);
    command.env_clear().envs(host_env.iter().copied());
    command.args(invocation.args).current_dir(workspace_root());
    let actual = run(command, invocation.stdin);
    assert_same(name, "the executable", (&actual, &scratch.exe), (&expected, &scratch.native));
}

/// Adds the flags that grant `invocation`'s environment to `command` (a
/// `wisp run` or `wisp create-exe`), and returns the environment the
/// process that runs the guest needs.
fn env_grants<'a>(command: &mut Command, invocation: &Invocation<'a>) -> Vec<(&'a str, &'a str)> {
    match invocation.env_flags {
        EnvFlags::Values => {
            for (variable, value) in invocation.env {
                command.arg("--env").arg(format!("{variable}={value}"));
            }
            vec![ENV_NOT_PASSED]
        }
        EnvFlags::Names => {
            for &(variable, _) in invocation.env {
                command.arg("--env").arg(variable);
            }
            std::iter::once(ENV_NOT_PASSED).chain(invocation.env.iter().copied()).collect()
        }
        EnvFlags::Inherit => {
            command.arg("--inherit-env");
            invocation.env.to_vec()
        }
    }
}

/// Asserts that two runs printed the same, exited the same and left the
/// same files in their directories.
fn assert_same(name: &str, what: &str, actual: (&Run, &Path), expected: (&Run, &Path)) {
    let ((actual, actual_dir), (expected, expected_dir)) = (actual, expected);
    assert_eq!(actual.stdout, expected.stdout, "{name}: stdout differs (left: {what})");
    assert_eq!(actual.stderr, expected.stderr, "{name}: stderr differs (left: {what})");
    assert_eq!(actual.code, expected.code, "{name}: exit status differs (left: {what})");
    assert_eq!(
        listing(actual_dir),
        listing(expected_dir),
        "{name}: left different files behind (left: {what})"
    );
}

/// Flags for both compilers: the programs are meant to compile cleanly.
const CFLAGS: &[&str] = &["-O2", "-Wall", "-Wextra", "-Werror"];

/// How clang builds for WASI with Debian's wasi-libc, whose headers and
/// libraries live under `/usr/include/wasm32-wasi` and `/usr/lib/wasm32-wasi`.
const WASM_TARGET: &[&str] = &["--target=wasm32-wasi", "--sysroot=/usr"];

/// Whether clang can build a WASI program. When it cannot, says so on
/// standard error (past the test harness's capture, so it shows) and
/// returns false, or under CI panics.
fn wasm_toolchain_present() -> bool {
    static PRESENT: OnceLock<Result<(), String>> = OnceLock::new();
    let result = PRESENT.get_or_init(|| {
        let scratch = Scratch::new("probe");
        let source = scratch.build.join("probe.c");
        std::fs::write(&source, "#include <stdio.h>\nint main(void) { return puts(\"\"); }\n")
            .unwrap();
        let output = Command::new("clang")
            .args(WASM_TARGET)
            .arg(&source)
            .arg("-o")
            .arg(scratch.build.join("probe.wasm"))
            .output();
        match output {
            Ok(output) if output.status.success() => Ok(()),
            Ok(output) => Err(format!(
                "clang cannot build for wasm32-wasi:\n{}",
                String::from_utf8_lossy(&output.stderr)
            )),
            Err(error) => Err(format!("cannot run clang: {error}")),
        }
    });
    let Err(reason) = result else {
        return true;
    };
    if std::env::var_os("CI").is_some_and(|ci| ci == "true") {
        panic!("{reason}\nRun scripts/setup.sh to install clang, lld and wasi-libc.");
    }
    static SAID: OnceLock<()> = OnceLock::new();
    SAID.get_or_init(|| {
        let message = format!(
            "skipping the C program tests: {reason}\n\
             Run scripts/setup.sh to install clang, lld and wasi-libc.\n"
        );
        let _ = std::io::stderr().write_all(message.as_bytes());
    });
    false
}

fn compile(compiler: &mut Command, source: &Path, output: &Path) {
    let result = compiler.arg(source).arg("-o").arg(output).arg("-lm").output().unwrap();
    assert!(
        result.status.success(),
        "{compiler:?} failed:\n{}",
        String::from_utf8_lossy(&result.stderr)
    );
}

/// Builds `source` for wasm32-wasi into `output`, with `dir` for the object
/// file, so that the module is what the compiler made of the source and
/// nothing else.
///
/// Compiling and linking are separate steps because clang's wasm driver
/// runs `wasm-opt` after linking whenever the link command carries an `-O`
/// flag and a `wasm-opt` is on PATH (binaryen's optimizer then rewrites the
/// program: it drops the `f64.abs` of a NaN that `numbers.c` prints). Clang
/// 14 has no option to turn that off (`--no-wasm-opt` came later), and
/// emptying PATH would also hide the linker; a link without `-O` never runs
/// it, and links the same bytes as a machine without binaryen.
fn build_wasm(source: &Path, output: &Path, dir: &Path) {
    build_wasm_with(source, output, dir, |_| {});
}

/// [`build_wasm`], with `adjust` applied to both clang commands.
fn build_wasm_with(source: &Path, output: &Path, dir: &Path, adjust: impl Fn(&mut Command)) {
    let object = dir.join(source.file_stem().unwrap()).with_extension("o");
    let mut compile = Command::new("clang");
    compile.args(WASM_TARGET).args(CFLAGS).arg("-c").arg(source).arg("-o").arg(&object);
    adjust(&mut compile);
    let mut link = Command::new("clang");
    link.args(WASM_TARGET).arg(&object).arg("-o").arg(output).arg("-lm");
    adjust(&mut link);
    for command in [&mut compile, &mut link] {
        let result = command.output().unwrap();
        assert!(
            result.status.success(),
            "{command:?} failed:\n{}",
            String::from_utf8_lossy(&result.stderr)
        );
    }
}

/// Guest builds are hermetic: a `wasm-opt` on PATH is never run, and the
/// module keeps the `f64.abs` that `numbers.c` needs to print `nan` for
/// `fabs(0.0 / 0.0)` (an optimizer that folds it away makes the program
/// print `-nan`, which is then no test of Wisp).
#[test]
fn guest_builds_run_no_post_processing() {
    if !wasm_toolchain_present() {
        return;
    }
    let scratch = Scratch::new("hermetic");
    let source = workspace_root().join("tests/c/numbers.c");
    let plain = scratch.build.join("plain.wasm");
    build_wasm(&source, &plain, &scratch.build);

    // A `wasm-opt` first on PATH that leaves a mark and breaks the build.
    let tools = scratch.build.join("tools");
    std::fs::create_dir_all(&tools).unwrap();
    let mark = scratch.build.join("wasm-opt-ran");
    let fake = tools.join("wasm-opt");
    std::fs::write(&fake, format!("#!/bin/sh\ntouch '{}'\nexit 1\n", mark.display())).unwrap();
    let mut permissions = std::fs::metadata(&fake).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    std::fs::set_permissions(&fake, permissions).unwrap();
    let path = std::env::join_paths(
        std::iter::once(tools.clone())
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )
    .unwrap();
    let shadowed = scratch.build.join("shadowed.wasm");
    build_wasm_with(&source, &shadowed, &scratch.build, |command| {
        command.env("PATH", &path);
    });
    assert!(!mark.exists(), "clang ran the wasm-opt it found on PATH");
    assert!(
        std::fs::read(&plain).unwrap() == std::fs::read(&shadowed).unwrap(),
        "the build depends on what is on PATH"
    );

    let bytes = std::fs::read(&plain).unwrap();
    assert!(
        uses_operator(&bytes, |op| matches!(op, wasmparser::Operator::F64Abs)),
        "numbers.wasm lost its f64.abs"
    );
}

/// Whether any function body of `module` contains an operator `wanted` accepts.
fn uses_operator(module: &[u8], wanted: impl Fn(&wasmparser::Operator<'_>) -> bool) -> bool {
    for payload in wasmparser::Parser::new(0).parse_all(module) {
        if let wasmparser::Payload::CodeSectionEntry(body) = payload.unwrap() {
            let mut reader = body.get_operators_reader().unwrap();
            while !reader.eof() {
                if wanted(&reader.read().unwrap()) {
                    return true;
                }
            }
        }
    }
    false
}

/// Runs `command` with `stdin` on its standard input and collects what it
/// printed.
fn run(mut command: Command, stdin: &[u8]) -> Run {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| panic!("cannot run {command:?}: {error}"));
    let output = std::thread::scope(|scope| {
        let mut pipe = child.stdin.take().unwrap();
        // Written from a thread so a program that prints before reading
        // everything cannot fill its stdout pipe while we wait on stdin. A
        // program may also exit without reading it all, so errors are fine.
        scope.spawn(move || pipe.write_all(stdin));
        child.wait_with_output().unwrap()
    });
    Run {
        code: output.status.code().unwrap_or_else(|| panic!("{command:?} died: {}", output.status)),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// The paths of everything under `dir`, sorted.
fn listing(dir: &Path) -> Vec<PathBuf> {
    let mut paths = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        for entry in std::fs::read_dir(&next).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path.clone());
            }
            paths.push(path.strip_prefix(dir).unwrap().to_path_buf());
        }
    }
    paths.sort();
    paths
}

/// The directories one test uses, under Cargo's scratch directory for
/// integration tests: `build` for the two builds, and an empty `native` and
/// `wisp` and `exe` for each run to work in. Removed when the test passes, kept to
/// look into when it fails.
struct Scratch {
    root: PathBuf,
    build: PathBuf,
    native: PathBuf,
    wisp: PathBuf,
    exe: PathBuf,
}

impl Scratch {
    fn new(name: &str) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let unique = NEXT.fetch_add(1, Ordering::Relaxed);
        let root = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("c_programs-{name}-{}-{unique}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let [build, native, wisp, exe] =
            ["build", "native", "wisp", "exe"].map(|sub| root.join(sub));
        for dir in [&build, &native, &wisp, &exe] {
            std::fs::create_dir_all(dir).unwrap();
        }
        Self { root, build, native, wisp, exe }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.root);
        }
    }
}
