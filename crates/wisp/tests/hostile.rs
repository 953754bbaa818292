//! Hostile module shapes at the scale of whole sections: huge counts of
//! imports, parameters and locals, sections claiming 2^32 items, very large
//! data segments. Each must end in a value, a trap or a typed error, in
//! bounded time and memory; where the answer is known it is checked.
//!
//! (`robustness.rs` covers shapes within function bodies and corpus
//! mutations; this file covers what only a binary encoder can produce.)

use std::time::{Duration, Instant};

use wisp::{Config, Engine, ErrorKind, Instance, Linker, Module, Store, Trap, Val};

/// A case slower than this (compile, instantiate and call) fails.
const CASE_LIMIT: Duration = Duration::from_secs(20);
/// The most the process may have resident at its peak, in bytes.
const PEAK_MEMORY: u64 = 3 << 30;

fn leb(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

fn name(out: &mut Vec<u8>, s: &str) {
    leb(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

/// A module from `(section id, payload)` pairs.
fn module(sections: &[(u8, Vec<u8>)]) -> Vec<u8> {
    let mut out = b"\0asm\x01\0\0\0".to_vec();
    for (id, payload) in sections {
        out.push(*id);
        leb(&mut out, payload.len() as u64);
        out.extend_from_slice(payload);
    }
    out
}

/// A section payload: a count, then the items.
fn vec_of(count: u64, items: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    leb(&mut out, count);
    out.extend_from_slice(items);
    out
}

/// A type section with one function type.
fn one_type(params: &[u8], results: &[u8]) -> (u8, Vec<u8>) {
    let mut ty = vec![0x60];
    leb(&mut ty, params.len() as u64);
    ty.extend_from_slice(params);
    leb(&mut ty, results.len() as u64);
    ty.extend_from_slice(results);
    (1, vec_of(1, &ty))
}

/// A code section with one body: local declarations, then code.
fn one_body(locals: &[(u64, u8)], code: &[u8]) -> (u8, Vec<u8>) {
    let mut body = Vec::new();
    leb(&mut body, locals.len() as u64);
    for &(n, t) in locals {
        leb(&mut body, n);
        body.push(t);
    }
    body.extend_from_slice(code);
    body.push(0x0b);
    let mut entry = Vec::new();
    leb(&mut entry, body.len() as u64);
    entry.extend_from_slice(&body);
    (10, vec_of(1, &entry))
}

fn export_func(name_: &str, index: u64) -> (u8, Vec<u8>) {
    let mut e = Vec::new();
    name(&mut e, name_);
    e.push(0);
    leb(&mut e, index);
    (7, vec_of(1, &e))
}

const I32: u8 = 0x7f;
const I64: u8 = 0x7e;

/// What a case must end with.
#[derive(Debug)]
enum Expect {
    /// Decoding or validation refuses the module.
    Invalid,
    /// The module compiles; instantiating it without imports fails to link.
    Unlinkable,
    /// The module compiles and instantiates; nothing is called.
    Instantiates,
    /// The module compiles; instantiation traps.
    TrapsOnInstantiation(Trap),
    /// The module compiles and instantiates; calling `run` returns this.
    Runs(Vec<Val>),
}

fn check(what: &str, wasm: &[u8], expect: Expect) {
    let started = Instant::now();
    let mut config = Config::new();
    config.consume_fuel(true);
    let engine = Engine::new(&config).unwrap();
    let outcome = Module::from_binary(&engine, wasm);
    match (&expect, outcome) {
        (Expect::Invalid, Err(e)) => {
            assert!(matches!(e.kind(), ErrorKind::Wasm(_)), "{what}: not a decoding error: {e}");
        }
        (Expect::Invalid, Ok(_)) => panic!("{what}: accepted"),
        (_, Err(e)) => panic!("{what}: refused: {e}"),
        (_, Ok(module)) => {
            module.translate_all().unwrap_or_else(|e| panic!("{what}: translation: {e}"));
            let mut store = Store::new(&engine, ());
            store.set_fuel(10_000_000).unwrap();
            let instance = Instance::new(&mut store, &module, &[]);
            match (&expect, instance) {
                (Expect::Unlinkable, Err(e)) => {
                    assert!(matches!(e.kind(), ErrorKind::Link(_)), "{what}: {e}")
                }
                (Expect::TrapsOnInstantiation(trap), Err(e)) => {
                    assert_eq!(e.trap(), Some(*trap), "{what}: {e}")
                }
                (Expect::Runs(want), Ok(instance)) => {
                    let run = instance.get_func(&store, "run").expect("export run");
                    let mut got = vec![Val::I32(0); want.len()];
                    run.call(&mut store, &[], &mut got)
                        .unwrap_or_else(|e| panic!("{what}: run: {e}"));
                    assert_eq!(format!("{got:?}"), format!("{want:?}"), "{what}");
                }
                (Expect::Instantiates, Ok(_)) => {}
                (_, Ok(_)) => panic!("{what}: instantiated, expected {expect:?}"),
                (_, Err(e)) => panic!("{what}: {e}, expected {expect:?}"),
            }
        }
    }
    let elapsed = started.elapsed();
    println!("{what}: {elapsed:.1?}");
    assert!(elapsed < CASE_LIMIT, "{what}: took {elapsed:?}");
}

/// The process's peak resident memory, from `/proc` where there is one.
fn peak_resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

fn assert_bounded_memory() {
    if let Some(peak) = peak_resident_bytes() {
        assert!(peak < PEAK_MEMORY, "peak resident memory {} MiB", peak >> 20);
    }
}

/// An import section of `n` functions of type 0 named `env`.`f<i>`.
fn func_imports(n: u64) -> (u8, Vec<u8>) {
    let mut items = Vec::new();
    for i in 0..n {
        name(&mut items, "env");
        name(&mut items, &format!("f{i}"));
        items.extend_from_slice(&[0x00, 0x00]);
    }
    (2, vec_of(n, &items))
}

#[test]
fn huge_import_sections() {
    check(
        "100k function imports",
        &module(&[one_type(&[], &[]), func_imports(100_000)]),
        Expect::Unlinkable,
    );
    // 1 000 000 is the validator's limit on imports.
    check(
        "1M + 1 function imports",
        &module(&[one_type(&[], &[]), func_imports(1_000_001)]),
        Expect::Invalid,
    );
    // An import section claiming 2^32 - 1 imports, holding one.
    let mut one = Vec::new();
    name(&mut one, "env");
    name(&mut one, "f");
    one.extend_from_slice(&[0x00, 0x00]);
    check(
        "an import section claiming u32::MAX imports",
        &module(&[one_type(&[], &[]), (2, vec_of(u64::from(u32::MAX), &one))]),
        Expect::Invalid,
    );

    // All 100k imports defined by a linker: instantiation is linear.
    let engine = Engine::default();
    let wasm = module(&[one_type(&[], &[]), func_imports(100_000)]);
    let started = Instant::now();
    let module = Module::from_binary(&engine, &wasm).unwrap();
    let mut linker = Linker::new(&engine);
    for i in 0..100_000 {
        linker.func_wrap("env", &format!("f{i}"), || {}).unwrap();
    }
    let mut store = Store::new(&engine, ());
    linker.instantiate(&mut store, &module).unwrap();
    let elapsed = started.elapsed();
    println!("100k function imports, linked: {elapsed:.1?}");
    assert!(elapsed < CASE_LIMIT, "100k imports linked: took {elapsed:?}");
    assert_bounded_memory();
}

#[test]
fn huge_parameter_and_local_counts() {
    for n in [100_000usize, 500_000] {
        check(
            &format!("a function type of {n} parameters"),
            &module(&[one_type(&vec![I32; n], &[]), (3, vec_of(1, &[0])), one_body(&[], &[])]),
            Expect::Invalid,
        );
        check(
            &format!("a function type of {n} results"),
            &module(&[one_type(&[], &vec![I64; n])]),
            Expect::Invalid,
        );
    }
    // A type claiming 2^32 - 1 parameters, holding none.
    check(
        "a function type claiming u32::MAX parameters",
        &module(&[(1, vec_of(1, &[0x60, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00]))]),
        Expect::Invalid,
    );
    for n in [300_000u64, 1 << 31, u64::from(u32::MAX)] {
        check(
            &format!("{n} locals in one declaration"),
            &module(&[one_type(&[], &[]), (3, vec_of(1, &[0])), one_body(&[(n, I64)], &[])]),
            Expect::Invalid,
        );
    }
    // 300 000 declarations of one local each.
    let decls = vec![(1, I32); 300_000];
    check(
        "300k local declarations of one local",
        &module(&[one_type(&[], &[]), (3, vec_of(1, &[0])), one_body(&decls, &[])]),
        Expect::Invalid,
    );
    // Parameters count towards the limit of 50 000 locals.
    check(
        "1000 parameters and 49 001 locals",
        &module(&[
            one_type(&[I32; 1000], &[]),
            (3, vec_of(1, &[0])),
            one_body(&[(49_001, I32)], &[]),
        ]),
        Expect::Invalid,
    );
    check(
        "1000 parameters and 49 000 locals",
        &module(&[
            one_type(&[I32; 1000], &[]),
            (3, vec_of(1, &[0])),
            one_body(&[(49_000, I32)], &[]),
        ]),
        Expect::Instantiates,
    );
    assert_bounded_memory();
}

#[test]
fn sections_claiming_2_pow_32_items() {
    // 2^32 does not fit the u32 a count is: five LEB bytes that overflow.
    let two_pow_32 = [0x80, 0x80, 0x80, 0x80, 0x10];
    for (id, what) in [(3u8, "functions"), (10, "bodies"), (1, "types"), (5, "memories")] {
        check(
            &format!("a section claiming 2^32 {what}"),
            &module(&[one_type(&[], &[]), (id, two_pow_32.to_vec())]),
            Expect::Invalid,
        );
    }
    // 2^32 - 1 functions declared, one body present.
    check(
        "a function section claiming u32::MAX functions",
        &module(&[one_type(&[], &[]), (3, vec_of(u64::from(u32::MAX), &[0])), one_body(&[], &[])]),
        Expect::Invalid,
    );
    // One function declared, a code section claiming u32::MAX bodies.
    let entry = [2, 0, 0x0b];
    check(
        "a code section claiming u32::MAX bodies",
        &module(&[
            one_type(&[], &[]),
            (3, vec_of(1, &[0])),
            (10, vec_of(u64::from(u32::MAX), &entry)),
        ]),
        Expect::Invalid,
    );
    // A data count section claiming u32::MAX segments, none present.
    check(
        "a data count of u32::MAX with no data section",
        &module(&[(12, vec_of(u64::from(u32::MAX), &[]))]),
        Expect::Invalid,
    );
    assert_bounded_memory();
}

/// A module with one memory of `pages` pages (maximum `pages`), one active
/// data segment of `bytes` at `offset`, and `run` returning the byte at
/// `probe`.
fn data_module(pages: u64, offset: i32, bytes: &[u8], probe: i32) -> Vec<u8> {
    data_module_claiming(pages, offset, bytes.len() as u64, bytes, probe)
}

/// Like [`data_module`], with the segment's length field saying `claimed`.
fn data_module_claiming(
    pages: u64,
    offset: i32,
    claimed: u64,
    bytes: &[u8],
    probe: i32,
) -> Vec<u8> {
    let mut memory = vec![0x01];
    leb(&mut memory, pages);
    leb(&mut memory, pages);
    let mut segment = vec![0x00, 0x41];
    sleb(&mut segment, i64::from(offset));
    segment.push(0x0b);
    leb(&mut segment, claimed);
    segment.extend_from_slice(bytes);
    let mut code = vec![0x41];
    sleb(&mut code, i64::from(probe));
    code.extend_from_slice(&[0x2d, 0x00, 0x00]); // i32.load8_u
    module(&[
        one_type(&[], &[I32]),
        (3, vec_of(1, &[0])),
        (5, vec_of(1, &memory)),
        export_func("run", 0),
        one_body(&[], &code),
        (11, vec_of(1, &segment)),
    ])
}

fn sleb(out: &mut Vec<u8>, mut v: i64) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if (v == 0 && b & 0x40 == 0) || (v == -1 && b & 0x40 != 0) {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

#[test]
fn very_large_data_segments() {
    const MIB: usize = 1 << 20;
    let mut bytes = vec![0xab; 64 * MIB];
    bytes[64 * MIB - 1] = 0xcd;
    check(
        "a 64 MiB data segment filling a 1024-page memory",
        &data_module(1024, 0, &bytes, (64 * MIB - 1) as i32),
        Expect::Runs(vec![Val::I32(0xcd)]),
    );
    check(
        "a 64 MiB data segment one byte past a 1024-page memory",
        &data_module(1024, 1, &bytes, 0),
        Expect::TrapsOnInstantiation(Trap::MemoryOutOfBounds),
    );
    check(
        "a 64 MiB data segment at offset -1 (4 GiB - 1)",
        &data_module(1024, -1, &bytes, 0),
        Expect::TrapsOnInstantiation(Trap::MemoryOutOfBounds),
    );
    drop(bytes);
    // A segment claiming 4 GiB - 1 bytes, holding a few.
    let wasm = data_module_claiming(1, 0, u64::from(u32::MAX), b"abcd", 0);
    check("a data segment claiming u32::MAX bytes", &wasm, Expect::Invalid);
    let wasm = data_module_claiming(1, 0, 1 << 32, b"abcd", 0);
    check("a data segment claiming 2^32 bytes", &wasm, Expect::Invalid);
    assert_bounded_memory();
}
