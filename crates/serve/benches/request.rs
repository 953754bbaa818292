//! The cost of one request's fresh instance: making a store and a WASI
//! context, instantiating the hello app from its template, running it and
//! parsing its CGI output — what `wisp serve` does per request, without
//! the HTTP around it. With the engine's pool of address-space
//! reservations, and without it (every memory reserved and released anew).
//!
//! The app is `examples/serve/build/hello.wasm` (C, wasi-libc) when
//! `examples/serve/build.sh` has built it, else a hello written in WAT.

use std::path::Path;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use wisp::{Config, Engine, Module, Strategy};
use wisp_serve::config::{RouteLimits, no_capabilities};
use wisp_serve::guest::{Guest, GuestRequest};
use wisp_serve::wagi::Wagi;

const WAT_HELLO: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "Content-Type: text/plain\n\nhello\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 32))
    (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))"#;

fn app() -> (&'static str, Vec<u8>) {
    let c = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/serve/build/hello.wasm");
    match std::fs::read(c) {
        Ok(bytes) => ("hello.c", bytes),
        Err(_) => ("hello.wat", wat::parse_str(WAT_HELLO).unwrap()),
    }
}

fn request() -> GuestRequest {
    let addr = "127.0.0.1:8080".parse().unwrap();
    GuestRequest {
        id: "1".into(),
        method: http::Method::GET,
        uri: "/hello?name=x".parse().unwrap(),
        version: http::Version::HTTP_11,
        headers: http::HeaderMap::new(),
        body: bytes::Bytes::new(),
        script_name: "/hello".into(),
        path_info: String::new(),
        route: "/hello".into(),
        remote: addr,
        local: addr,
    }
}

fn bench(c: &mut Criterion) {
    let (name, bytes) = app();
    for (tier, strategy) in [("cranelift", Strategy::Cranelift), ("interp", Strategy::Interpreter)]
    {
        for pooled in [16, 0] {
            let mut config = Config::new();
            config.strategy(strategy).epoch_interruption(true).pooled_memories(pooled);
            let engine = Engine::new(&config).unwrap();
            let module = Module::new(&engine, &bytes).unwrap();
            let wagi = Wagi::new(
                &module,
                no_capabilities(),
                RouteLimits::default(),
                Duration::from_millis(10),
            )
            .unwrap();
            let pool = if pooled > 0 { "pool" } else { "no pool" };
            c.bench_function(&format!("request/{name} ({tier}, {pool})"), |b| {
                b.iter(|| {
                    let outcome = wagi.handle(request());
                    assert_eq!(outcome.response.unwrap().status(), 200);
                })
            });
        }
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
