//! Fuel and epoch interruption stop any guest, in both tiers.

use std::time::{Duration, Instant};

use wisp::*;

const LOOPS: &str = r#"(module
  (func $nothing)
  (func (export "spin") (loop $l (br $l)))
  (func (export "spin_calls") (loop $l (call $nothing) (br $l)))
  (func $recurse (export "recurse") (call $recurse))
  (func (export "count") (param i32) (result i32) (local i32)
    (loop $l
      (local.set 1 (i32.add (local.get 1) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get 1) (local.get 0))))
    (local.get 1)))"#;

/// Every tier, as a configuration to build on.
fn tiers() -> [Config; 2] {
    let mut interp = Config::new();
    interp.strategy(Strategy::Interpreter);
    let mut cranelift = Config::new();
    cranelift.strategy(Strategy::Cranelift);
    [interp, cranelift]
}

fn setup(config: &Config) -> (Store<()>, Instance) {
    let engine = Engine::new(config).unwrap();
    let module = Module::new(&engine, LOOPS).unwrap();
    let mut store = Store::new(&engine, ());
    let _ = store.set_fuel(u64::MAX);
    store.set_epoch_deadline(u64::MAX);
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    (store, instance)
}

#[test]
fn fuel_stops_infinite_loops_with_and_without_calls() {
    for mut config in tiers() {
        config.consume_fuel(true);
        let (mut store, instance) = setup(&config);
        for name in ["spin", "spin_calls"] {
            store.set_fuel(1_000_000).unwrap();
            let f = instance.get_typed_func::<(), ()>(&store, name).unwrap();
            let err = f.call(&mut store, ()).unwrap_err();
            assert_eq!(err.trap(), Some(Trap::OutOfFuel), "{name}");
            assert_eq!(err.to_string(), "wasm trap: all fuel consumed");
        }
    }
}

#[test]
fn fuel_is_deterministic_and_proportional() {
    for mut config in tiers() {
        let interp = config.get_strategy() == Strategy::Interpreter;
        config.consume_fuel(true);
        let (mut store, instance) = setup(&config);
        let count = instance.get_typed_func::<i32, i32>(&store, "count").unwrap();
        let mut used = Vec::new();
        for n in [10, 10, 1000] {
            store.set_fuel(1 << 40).unwrap();
            assert_eq!(count.call(&mut store, n).unwrap(), n);
            used.push((1 << 40) - store.get_fuel().unwrap());
        }
        assert_eq!(used[0], used[1], "same run, same fuel");
        assert!(used[2] > 50 * used[0], "fuel grows with work: {used:?}");
        // Exactly enough fuel succeeds.
        store.set_fuel(used[0]).unwrap();
        assert_eq!(count.call(&mut store, 10).unwrap(), 10);
        // The interpreter stops at the first operator too many; compiled
        // code checks at function entry and loop headers.
        let short = if interp { used[0] - 1 } else { used[0] / 2 };
        store.set_fuel(short).unwrap();
        assert_eq!(count.call(&mut store, 10).unwrap_err().trap(), Some(Trap::OutOfFuel));
    }
}

#[test]
fn fuel_needs_to_be_enabled() {
    let mut store = Store::new(&Engine::default(), ());
    assert!(store.set_fuel(10).is_err());
    assert!(store.get_fuel().is_err());
}

#[test]
fn epoch_deadline_stops_infinite_loops_within_100ms() {
    for (mut config, name) in
        tiers().into_iter().flat_map(|c| [(c.clone(), "spin"), (c, "spin_calls")])
    {
        config.epoch_interruption(true);
        let (mut store, instance) = setup(&config);
        store.set_epoch_deadline(1);
        let engine = store.engine().clone();
        let timer = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            engine.increment_epoch();
        });
        let start = Instant::now();
        let f = instance.get_typed_func::<(), ()>(&store, name).unwrap();
        let err = f.call(&mut store, ()).unwrap_err();
        timer.join().unwrap();
        assert_eq!(err.trap(), Some(Trap::Interrupted), "{name}");
        assert!(start.elapsed() >= Duration::from_millis(100), "{name} stopped early");
    }
}

#[test]
fn a_passed_deadline_traps_at_the_first_check() {
    for mut config in tiers() {
        config.epoch_interruption(true);
        let (mut store, instance) = setup(&config);
        store.set_epoch_deadline(0);
        let count = instance.get_typed_func::<i32, i32>(&store, "count").unwrap();
        assert_eq!(count.call(&mut store, 5).unwrap_err().trap(), Some(Trap::Interrupted));
        store.set_epoch_deadline(1);
        assert_eq!(count.call(&mut store, 5).unwrap(), 5);
    }
}

#[test]
fn recursion_under_metering_still_exhausts_the_stack() {
    for mut config in tiers() {
        config.consume_fuel(true).epoch_interruption(true);
        let (mut store, instance) = setup(&config);
        let f = instance.get_typed_func::<(), ()>(&store, "recurse").unwrap();
        assert_eq!(f.call(&mut store, ()).unwrap_err().trap(), Some(Trap::StackOverflow));
    }
}

const GROWER: &str = r#"(module (memory 1) (table 1 funcref)
  (func (export "grow_memory") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "grow_table") (param i32) (result i32) (table.grow (ref.null func) (local.get 0))))"#;

fn grower(config: &Config, limits: StoreLimits) -> (Store<()>, Instance) {
    let engine = Engine::new(config).unwrap();
    let module = Module::new(&engine, GROWER).unwrap();
    let mut store = Store::new(&engine, ());
    store.set_limits(limits);
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    (store, instance)
}

#[test]
fn store_limits_bound_growth_with_minus_one_or_a_trap() {
    for config in tiers() {
        store_limits_bound_growth(&config);
    }
}

fn store_limits_bound_growth(config: &Config) {
    let limits =
        StoreLimits { memory_bytes: 64 << 20, table_elements: 1000, ..StoreLimits::default() };
    let (mut store, instance) = grower(config, limits);
    let grow_memory = instance.get_typed_func::<i32, i32>(&store, "grow_memory").unwrap();
    let grow_table = instance.get_typed_func::<i32, i32>(&store, "grow_table").unwrap();
    assert_eq!(grow_memory.call(&mut store, 1023).unwrap(), 1, "64 MiB is allowed");
    assert_eq!(grow_memory.call(&mut store, 1).unwrap(), -1, "a page more is not");
    assert_eq!(grow_table.call(&mut store, 999).unwrap(), 1);
    assert_eq!(grow_table.call(&mut store, 1).unwrap(), -1);

    let (mut store, instance) =
        grower(config, StoreLimits { trap_on_grow_failure: true, ..limits });
    let grow_memory = instance.get_typed_func::<i32, i32>(&store, "grow_memory").unwrap();
    let err = grow_memory.call(&mut store, 2000).unwrap_err();
    assert_eq!(err.trap(), Some(Trap::LimitExceeded));
}

#[test]
fn store_limits_bound_instances_memories_and_tables() {
    let engine = Engine::default();
    let module = Module::new(&engine, GROWER).unwrap();
    let mut store = Store::new(&engine, ());
    store.set_limits(StoreLimits { instances: 2, ..StoreLimits::default() });
    Instance::new(&mut store, &module, &[]).unwrap();
    Instance::new(&mut store, &module, &[]).unwrap();
    let err = Instance::new(&mut store, &module, &[]).unwrap_err();
    assert!(err.to_string().contains("at most 2 instances"), "{err}");

    let mut store = Store::new(&engine, ());
    store.set_limits(StoreLimits { memories: 0, ..StoreLimits::default() });
    assert!(Instance::new(&mut store, &module, &[]).unwrap_err().to_string().contains("memories"));
    let mut store = Store::new(&engine, ());
    store.set_limits(StoreLimits { tables: 0, ..StoreLimits::default() });
    assert!(Instance::new(&mut store, &module, &[]).unwrap_err().to_string().contains("tables"));
}
