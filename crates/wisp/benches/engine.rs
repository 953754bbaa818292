//! Engine costs: translating a module, instantiating one, calling an export.
//!
//! `translate` uses the `pulldown-cmark` program from the shared benchmark
//! corpus (`$WISP_SHARED/bench`, default `../shared/bench`) when present,
//! and the bundled interpreter kernels otherwise.

use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use wisp::{Engine, Instance, Module, Store};

fn corpus_module() -> (String, Vec<u8>) {
    let shared = std::env::var_os("WISP_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"));
    let path = shared.join("bench/pulldown-cmark/benchmark.wasm");
    match std::fs::read(&path) {
        Ok(bytes) => ("pulldown-cmark".into(), bytes),
        Err(_) => {
            let kernels = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../benches/kernels");
            let text = std::fs::read_to_string(kernels.join("vm.wat")).expect("bundled kernel");
            ("kernels/vm".into(), wat::parse_str(text).expect("valid kernel"))
        }
    }
}

const SMALL: &str = r#"(module
  (memory (export "memory") 1)
  (table 4 funcref)
  (global $g (mut i32) (i32.const 0))
  (data (i32.const 0) "hello, wisp")
  (elem (i32.const 0) $nop $nop)
  (func $nop (export "nop"))
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))"#;

fn bench(c: &mut Criterion) {
    let engine = Engine::default();
    let (name, bytes) = corpus_module();
    c.bench_function(&format!("compile/{name} (decode+validate)"), |b| {
        b.iter(|| Module::new(&engine, &bytes).unwrap())
    });
    c.bench_function(&format!("translate/{name} (validate+translate all)"), |b| {
        b.iter(|| {
            let module = Module::new(&engine, &bytes).unwrap();
            module.translate_all().unwrap();
        })
    });

    let small = Module::new(&engine, SMALL).unwrap();
    // A fresh store per instance, as a host running one request per
    // instance would do (a store frees its instances when dropped).
    c.bench_function("instantiate/small (memory, table, data, elem; new store)", |b| {
        b.iter(|| {
            let mut store = Store::new(&engine, ());
            Instance::new(&mut store, &small, &[]).unwrap()
        })
    });

    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &small, &[]).unwrap();
    let nop = instance.get_typed_func::<(), ()>(&store, "nop").unwrap();
    let add = instance.get_typed_func::<(i32, i32), i32>(&store, "add").unwrap();
    c.bench_function("call/nop (typed)", |b| b.iter(|| nop.call(&mut store, ()).unwrap()));
    c.bench_function("call/add (typed)", |b| b.iter(|| add.call(&mut store, (1, 2)).unwrap()));
    let add_dyn = instance.get_func(&store, "add").unwrap();
    c.bench_function("call/add (dynamic Val)", |b| {
        let mut out = [wisp::Val::I32(0)];
        b.iter(|| add_dyn.call(&mut store, &[1.into(), 2.into()], &mut out).unwrap())
    });
}

/// The compiled tier: compiling, loading an artifact, instantiating a
/// precompiled module, and calls.
fn bench_compiled(c: &mut Criterion) {
    let mut config = wisp::Config::new();
    config.strategy(wisp::Strategy::Cranelift);
    let engine = Engine::new(&config).unwrap();
    let (name, bytes) = corpus_module();
    let mut group = c.benchmark_group("cranelift");
    group.sample_size(10);
    group.bench_function(format!("compile/{name}"), |b| {
        b.iter(|| Module::precompile(&engine, &bytes).unwrap())
    });
    group.finish();
    let artifact = Module::precompile(&engine, SMALL.as_bytes()).unwrap();
    c.bench_function("cranelift/load artifact/small", |b| {
        // SAFETY: the artifact was produced just above by this engine.
        b.iter(|| unsafe { Module::deserialize(&engine, &artifact) }.unwrap())
    });
    // SAFETY: as above.
    let small = unsafe { Module::deserialize(&engine, &artifact) }.unwrap();
    c.bench_function("cranelift/instantiate/small (precompiled; new store)", |b| {
        b.iter(|| {
            let mut store = Store::new(&engine, ());
            Instance::new(&mut store, &small, &[]).unwrap()
        })
    });
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &small, &[]).unwrap();
    let nop = instance.get_typed_func::<(), ()>(&store, "nop").unwrap();
    let add = instance.get_typed_func::<(i32, i32), i32>(&store, "add").unwrap();
    c.bench_function("cranelift/call/nop (typed)", |b| {
        b.iter(|| nop.call(&mut store, ()).unwrap())
    });
    c.bench_function("cranelift/call/add (typed)", |b| {
        b.iter(|| add.call(&mut store, (1, 2)).unwrap())
    });
}

criterion_group!(benches, bench, bench_compiled);
criterion_main!(benches);
