//! The benchmark programs: the shared Sightglass corpus, and a hello-world
//! for measuring startup.
//!
//! Each program of the corpus comes twice: `NAME.wasm` imports
//! `bench.start` and `bench.end`, which a harness provides to bracket the
//! execution phase; `NAME.standalone.wasm` has them built in, so any
//! runtime's command line can run it. Both run with their directory as the
//! working directory, preopened as `.`, and must print exactly the
//! `.expected` output.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// One benchmark program.
#[derive(Debug, Clone)]
pub struct Program {
    /// `bz2` for `bz2/benchmark.wasm`, `shootout-fib2` for
    /// `shootout/shootout-fib2.wasm`.
    pub name: String,
    /// The directory it runs in.
    pub dir: PathBuf,
    /// The variant importing `bench.start`/`bench.end`, if there is one.
    pub wasm: Option<PathBuf>,
    /// The variant any runtime can run whole.
    pub standalone: PathBuf,
    /// What it must print on stdout.
    pub expected_stdout: String,
    /// What it must print on stderr.
    pub expected_stderr: String,
}

const STANDALONE: &str = ".standalone.wasm";

/// The corpus directory: `$WISP_SHARED/bench`, or `../shared/bench`
/// beside the workspace root.
pub fn default_dir(root: &Path) -> PathBuf {
    match std::env::var_os("WISP_SHARED") {
        Some(shared) => PathBuf::from(shared).join("bench"),
        None => root.join("../shared/bench"),
    }
}

/// Every program under `dir` (one level of subdirectories), by name.
pub fn discover(dir: &Path) -> Result<Vec<Program>> {
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))?;
    let mut programs = Vec::new();
    for entry in entries {
        let sub = entry?.path();
        if !sub.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&sub)? {
            let path = file?.path();
            let file_name = path.file_name().unwrap_or_default().to_string_lossy().into_owned();
            let Some(base) = file_name.strip_suffix(STANDALONE) else { continue };
            let dir_name = sub.file_name().unwrap_or_default().to_string_lossy();
            let name = if base == "benchmark" { dir_name.into_owned() } else { base.to_string() };
            let wasm = sub.join(format!("{base}.wasm"));
            programs.push(Program {
                name,
                wasm: wasm.is_file().then_some(wasm),
                expected_stdout: expected(&sub, base, "stdout")?,
                expected_stderr: expected(&sub, base, "stderr")?,
                dir: sub.clone(),
                standalone: path,
            });
        }
    }
    if programs.is_empty() {
        bail!("no *{STANDALONE} programs under {}", dir.display());
    }
    programs.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(programs)
}

/// `BASE.STREAM.expected`, else `default.STREAM.expected`; neither means
/// the program prints nothing there.
fn expected(dir: &Path, base: &str, stream: &str) -> Result<String> {
    for candidate in [format!("{base}.{stream}.expected"), format!("default.{stream}.expected")] {
        let path = dir.join(candidate);
        if path.is_file() {
            return std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()));
        }
    }
    Ok(String::new())
}

/// The hello-world module for startup measurements, `benches/hello.wat`,
/// converted to a binary in `scratch/hello/` so that every runtime reads the
/// same bytes.
pub fn hello(root: &Path, scratch: &Path) -> Result<Program> {
    let source = root.join("benches/hello.wat");
    let bytes = wat::parse_file(&source).with_context(|| format!("{}", source.display()))?;
    let dir = scratch.join("hello");
    std::fs::create_dir_all(&dir)?;
    let standalone = dir.join("hello.wasm");
    std::fs::write(&standalone, bytes)?;
    Ok(Program {
        name: "hello".to_string(),
        dir,
        wasm: None,
        standalone,
        expected_stdout: "Hello, world!\n".to_string(),
        expected_stderr: String::new(),
    })
}

/// Compares as Sightglass does: line by line, so a missing final newline in
/// the expectation is no difference.
pub fn same_output(got: &[u8], want: &str) -> bool {
    String::from_utf8_lossy(got).lines().eq(want.lines())
}

/// Checks a run's output against the program's expectations; the error
/// says which stream differs and where.
pub fn check_output(program: &Program, stdout: &[u8], stderr: &[u8]) -> Result<(), String> {
    for (stream, got, want) in
        [("stdout", stdout, &program.expected_stdout), ("stderr", stderr, &program.expected_stderr)]
    {
        if !same_output(got, want) {
            let got = String::from_utf8_lossy(got);
            let line = got.lines().zip(want.lines()).take_while(|(a, b)| a == b).count();
            let printed = got.lines().nth(line).unwrap_or("<end of output>");
            return Err(format!("{stream} differs at line {}: `{printed:.80}`", line + 1));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_compare_by_lines() {
        assert!(same_output(b"a\nb\n", "a\nb"));
        assert!(same_output(b"", ""));
        assert!(!same_output(b"a\nc\n", "a\nb\n"));
        assert!(!same_output(b"a\n", "a\nb\n"));
    }
}
