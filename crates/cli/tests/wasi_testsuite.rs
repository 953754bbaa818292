//! Runs the upstream wasi-testsuite programs (wasm32-wasip1) through
//! `wisp run`, in both tiers, each as its JSON specification says:
//! arguments, environment, `root` preopened as `/`, expected exit code and
//! output.
//!
//! The suite lives outside the repository: `$WISP_SHARED/wasi-testsuite`,
//! or `../shared/wasi-testsuite` beside the workspace. Without it the test
//! is skipped, except under `CI=true` where it fails.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;

/// Tests expected to fail, with the reason.
const EXPECTED_FAILURES: &[(&str, &str)] = &[];

fn suite_root() -> Option<PathBuf> {
    let shared = std::env::var_os("WISP_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared"));
    let root = shared.join("wasi-testsuite/tests");
    root.is_dir().then_some(root)
}

/// Copies `from` to `to`, leaving every copy writable (the suite's files
/// may be read-only, and tests change them).
fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        let ty = entry.file_type()?;
        if ty.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else if ty.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(entry.path())?, &target)?;
        } else {
            std::fs::write(&target, std::fs::read(entry.path())?)?;
        }
    }
    Ok(())
}

fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wisp-wasi-suite-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Runs one test; `Err` says what did not match.
fn run(wasm: &Path, tier: &str) -> Result<(), String> {
    let spec: Value = match std::fs::read_to_string(wasm.with_extension("json")) {
        Ok(text) => serde_json::from_str(&text).map_err(|e| format!("bad spec: {e}"))?,
        Err(_) => Value::Object(Default::default()),
    };
    let name = wasm.file_name().unwrap().to_string_lossy().into_owned();
    let mut command = Command::new(env!("CARGO_BIN_EXE_wisp"));
    command.args(["run", "--tier", tier]).current_dir(wasm.parent().unwrap()).stdin(Stdio::null());
    command.env("WISP_CACHE_DIR", Path::new(env!("CARGO_TARGET_TMPDIR")).join("wisp-cache"));
    for (k, v) in spec["env"].as_object().into_iter().flatten() {
        command.arg("--env").arg(format!("{k}={}", v.as_str().unwrap_or_default()));
    }
    let mut scratch = None;
    if let Some(root) = spec["root"].as_str() {
        // The shared copy is read-only and tests modify their root.
        let dir = scratch_dir(&name);
        copy_tree(&wasm.parent().unwrap().join(root), &dir).map_err(|e| e.to_string())?;
        command.arg("--dir").arg(format!("{}::/", dir.display()));
        scratch = Some(dir);
    }
    command.arg(&name);
    for arg in spec["args"].as_array().into_iter().flatten() {
        command.arg(arg.as_str().unwrap_or_default());
    }
    let output = command.output().map_err(|e| e.to_string())?;
    if let Some(dir) = scratch {
        let _ = std::fs::remove_dir_all(dir);
    }
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let code = output.status.code().ok_or("wisp died of a signal")?;
    let expected_code = spec["exit_code"].as_i64().unwrap_or(0);
    if i64::from(code) != expected_code {
        return Err(format!("exit code {code}, expected {expected_code}; stderr: {stderr}"));
    }
    if let Some(expected) = spec["stdout"].as_str()
        && stdout != expected
    {
        return Err(format!("stdout {stdout:?}, expected {expected:?}"));
    }
    if let Some(expected) = spec["stderr"].as_str()
        && stderr != expected
    {
        return Err(format!("stderr {stderr:?}, expected {expected:?}"));
    }
    Ok(())
}

#[test]
fn wasi_testsuite_wasm32_wasip1() {
    let Some(root) = suite_root() else {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "wasi-testsuite not found under CI");
        eprintln!("skipping: wasi-testsuite not found (set WISP_SHARED)");
        return;
    };
    let mut tests = Vec::new();
    for lang in ["assemblyscript", "c", "rust"] {
        let dir = root.join(lang).join("testsuite/wasm32-wasip1");
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "wasm") {
                tests.push((
                    format!("{lang}/{}", path.file_stem().unwrap().to_string_lossy()),
                    path,
                ));
            }
        }
    }
    tests.sort();
    let (mut passed, mut unexpected) = (0, Vec::new());
    for ((name, path), tier) in tests.iter().flat_map(|t| ["interp", "cranelift"].map(|x| (t, x))) {
        let name = &format!("{tier}/{name}");
        let (tx, rx) = mpsc::channel();
        let path = path.clone();
        std::thread::spawn(move || tx.send(run(&path, tier)));
        let result = rx.recv_timeout(Duration::from_secs(120)).unwrap_or(Err("timed out".into()));
        let expected = EXPECTED_FAILURES.iter().any(|(n, _)| n == name);
        match result {
            Ok(()) => {
                passed += 1;
                if expected {
                    eprintln!("PASS (listed as failing) {name}");
                }
            }
            Err(why) => {
                eprintln!("FAIL {name}: {why}");
                if !expected {
                    unexpected.push(name.clone());
                }
            }
        }
    }
    eprintln!("wasi-testsuite: {passed}/{} runs (tests x tiers) passed", 2 * tests.len());
    assert!(unexpected.is_empty(), "unexpected failures: {unexpected:?}");
}
