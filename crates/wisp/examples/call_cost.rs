//! Per-call cost of a host-to-guest call of an `(i32, i32) -> i32` export
//! through the Rust API, timed the way `crates/c-api/bench/call.c` times
//! the C API (median of 5 runs of CALLS calls), so that the two sit side
//! by side in `benches/embedding/run.sh`.
//!
//! cargo run --release -p wisp --example call_cost -- [CALLS]

use std::time::Instant;

use wisp::{Config, Engine, Instance, Module, Store, Strategy, Val};

const ADD: &str = r#"(module (func (export "add") (param i32 i32) (result i32)
  (i32.add (local.get 0) (local.get 1))))"#;

/// The median, in nanoseconds per call, of five runs of `calls` calls.
fn median_ns(calls: u32, mut call: impl FnMut()) -> f64 {
    let mut runs: Vec<f64> = (0..5)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..calls {
                call();
            }
            start.elapsed().as_secs_f64() * 1e9 / f64::from(calls)
        })
        .collect();
    runs.sort_by(f64::total_cmp);
    runs[2]
}

fn main() -> wisp::Result<()> {
    let calls = match std::env::args().nth(1) {
        Some(n) => n.parse().expect("CALLS is a number"),
        None => 2_000_000,
    };
    for (tier, strategy) in [("interp", Strategy::Interpreter), ("cranelift", Strategy::Cranelift)]
    {
        let mut config = Config::new();
        config.strategy(strategy);
        let engine = Engine::new(&config)?;
        let module = Module::new(&engine, ADD)?;
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[])?;

        let typed = instance.get_typed_func::<(i32, i32), i32>(&store, "add")?;
        let ns = median_ns(calls, || assert_eq!(typed.call(&mut store, (1, 2)).unwrap(), 3));
        println!(
            "{:<28} {ns:8.1} ns/call (median of 5 x {calls})",
            format!("wisp Rust typed, {tier}")
        );

        let func = instance.get_func(&store, "add").expect("exported");
        let mut out = [Val::I32(0)];
        let ns = median_ns(calls, || {
            func.call(&mut store, &[Val::I32(1), Val::I32(2)], &mut out).unwrap();
        });
        assert_eq!(out[0], Val::I32(3));
        println!(
            "{:<28} {ns:8.1} ns/call (median of 5 x {calls})",
            format!("wisp Rust Val, {tier}")
        );
    }
    Ok(())
}
