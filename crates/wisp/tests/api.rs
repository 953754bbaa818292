//! Behaviour of the embedding API.

use wisp::*;

fn instance_of(wat: &str) -> (Store<()>, Instance) {
    let engine = Engine::default();
    let module = Module::new(&engine, wat).expect("module compiles");
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).expect("instantiates");
    (store, instance)
}

#[test]
fn trap_carries_code_and_named_backtrace() {
    let (mut store, instance) = instance_of(
        r#"(module
             (func $inner (param i32) (result i32) (i32.div_u (i32.const 1) (local.get 0)))
             (func $outer (export "run") (param i32) (result i32) (call $inner (local.get 0))))"#,
    );
    let run = instance.get_typed_func::<i32, i32>(&store, "run").unwrap();
    assert_eq!(run.call(&mut store, 1).unwrap(), 1);
    let err = run.call(&mut store, 0).unwrap_err();
    assert_eq!(err.trap(), Some(Trap::IntegerDivisionByZero));
    let names: Vec<_> =
        err.backtrace().unwrap().frames().iter().map(|f| f.func_name.clone().unwrap()).collect();
    assert_eq!(names, ["inner", "outer"]);
    assert!(format!("{err:?}").contains("wasm backtrace"));
    // The store stays usable after a trap.
    assert_eq!(run.call(&mut store, 2).unwrap(), 0);
}

const RECURSE: &str = r#"(module
  (func $down (export "down") (param i64) (result i64)
    (if (result i64) (i64.eqz (local.get 0))
      (then (i64.const 0))
      (else (i64.add (i64.const 1) (call $down (i64.sub (local.get 0) (i64.const 1))))))))"#;

fn recurse_on_thread(stack_size: usize, depth: i64, config: Config) -> Result<i64> {
    std::thread::Builder::new()
        .stack_size(stack_size)
        .spawn(move || {
            let engine = Engine::new(&config).unwrap();
            let module = Module::new(&engine, RECURSE).unwrap();
            let mut store = Store::new(&engine, ());
            let instance = Instance::new(&mut store, &module, &[]).unwrap();
            let down = instance.get_typed_func::<i64, i64>(&store, "down").unwrap();
            down.call(&mut store, depth)
        })
        .unwrap()
        .join()
        .unwrap()
}

#[test]
fn deep_recursion_traps_on_small_and_large_host_stacks() {
    for stack in [256 << 10, 8 << 20] {
        let err = recurse_on_thread(stack, i64::MAX, Config::default()).unwrap_err();
        assert_eq!(err.trap(), Some(Trap::StackOverflow), "host stack {stack}");
        assert_eq!(err.to_string(), "wasm trap: call stack exhausted");
        // Deep but bounded recursion completes on the same small stack.
        assert_eq!(recurse_on_thread(stack, 50_000, Config::default()).unwrap(), 50_000);
    }
}

#[test]
fn call_depth_and_stack_size_are_configurable() {
    let mut config = Config::default();
    config.max_call_depth(100);
    assert_eq!(recurse_on_thread(256 << 10, 90, config.clone()).unwrap(), 90);
    let err = recurse_on_thread(256 << 10, 200, config).unwrap_err();
    assert_eq!(err.trap(), Some(Trap::StackOverflow));

    let mut config = Config::default();
    config.max_wasm_stack(4096);
    let err = recurse_on_thread(256 << 10, 10_000, config).unwrap_err();
    assert_eq!(err.trap(), Some(Trap::StackOverflow));
}

#[test]
fn host_functions_see_store_data_and_caller_exports() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
             (import "host" "record" (func $record (param i32)))
             (memory (export "memory") 1)
             (data (i32.const 8) "wisp")
             (func (export "run") (call $record (i32.const 8))))"#,
    )
    .unwrap();
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap("host", "record", |mut caller: Caller<'_, Vec<String>>, ptr: i32| {
            let memory = caller.get_export("memory").and_then(Extern::into_memory).unwrap();
            let mut buf = [0u8; 4];
            memory.read(&caller, ptr as usize, &mut buf).unwrap();
            caller.data_mut().push(String::from_utf8_lossy(&buf).into_owned());
        })
        .unwrap();
    let mut store = Store::new(&engine, Vec::new());
    let instance = linker.instantiate(&mut store, &module).unwrap();
    instance.get_typed_func::<(), ()>(&store, "run").unwrap().call(&mut store, ()).unwrap();
    assert_eq!(store.data(), &["wisp"]);
}

#[test]
fn host_to_guest_reentry_works_and_is_bounded() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
             (import "host" "again" (func $again (param i32) (result i32)))
             (func (export "ping") (param i32) (result i32)
               (if (result i32) (i32.eqz (local.get 0))
                 (then (i32.const 0))
                 (else (i32.add (i32.const 1)
                   (call $again (i32.sub (local.get 0) (i32.const 1))))))))"#,
    )
    .unwrap();
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap("host", "again", |mut caller: Caller<'_, ()>, n: i32| -> Result<i32> {
            let ping = caller.get_export("ping").and_then(Extern::into_func).unwrap();
            ping.typed::<i32, i32>(&caller)?.call(&mut caller, n)
        })
        .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let ping = instance.get_typed_func::<i32, i32>(&store, "ping").unwrap();
    assert_eq!(ping.call(&mut store, 50).unwrap(), 50);
    // Unbounded ping-pong through the host ends in a trap, not a crash,
    // even on a small host stack.
    let result = std::thread::Builder::new()
        .stack_size(256 << 10)
        .spawn(move || ping.call(&mut store, i32::MAX).map_err(|e| e.trap()))
        .unwrap()
        .join()
        .unwrap();
    assert_eq!(result, Err(Some(Trap::StackOverflow)));
}

#[test]
fn host_errors_and_exit_propagate() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module (import "host" "exit" (func $exit (param i32)))
             (func (export "run") (call $exit (i32.const 3)) unreachable))"#,
    )
    .unwrap();
    let mut linker = Linker::new(&engine);
    linker.func_wrap("host", "exit", |code: i32| -> Result<()> { Err(Error::exit(code)) }).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let err = instance.get_typed_func::<(), ()>(&store, "run").unwrap().call(&mut store, ());
    assert_eq!(err.unwrap_err().exit_status(), Some(3));
}

#[test]
fn memory_views_grow_and_bounds() {
    let (mut store, instance) = instance_of(
        r#"(module (memory (export "mem") 1 3)
             (func (export "load") (param i32) (result i32) (i32.load (local.get 0))))"#,
    );
    let memory = instance.get_memory(&store, "mem").unwrap();
    assert_eq!(memory.size(&store), 1);
    memory.write(&mut store, 100, &42u32.to_le_bytes()).unwrap();
    let load = instance.get_typed_func::<i32, i32>(&store, "load").unwrap();
    assert_eq!(load.call(&mut store, 100).unwrap(), 42);
    assert_eq!(memory.data(&store)[100], 42);
    memory.data_mut(&mut store)[200] = 7;
    assert_eq!(load.call(&mut store, 200).unwrap(), 7);
    assert!(memory.write(&mut store, 65535, &[1, 2]).is_err());
    assert_eq!(memory.grow(&mut store, 2).unwrap(), 1);
    assert_eq!(memory.data_size(&store), 3 * 65536);
    assert!(memory.grow(&mut store, 1).is_err());
    assert_eq!(load.call(&mut store, 3 * 65536 - 4).unwrap(), 0);
    let err = load.call(&mut store, 3 * 65536 - 3).unwrap_err();
    assert_eq!(err.trap(), Some(Trap::MemoryOutOfBounds));
}

#[test]
fn store_memory_limit_makes_grow_fail() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module (memory 1)
             (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    store.set_limits(StoreLimits { memory_bytes: 4 * 65536, ..StoreLimits::default() });
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let grow = instance.get_typed_func::<i32, i32>(&store, "grow").unwrap();
    assert_eq!(grow.call(&mut store, 3).unwrap(), 1);
    assert_eq!(grow.call(&mut store, 1).unwrap(), -1);
    assert_eq!(grow.call(&mut store, 0x10000).unwrap(), -1);
}

#[test]
fn globals_and_tables() {
    let (mut store, instance) = instance_of(
        r#"(module
             (global (export "counter") (mut i64) (i64.const 5))
             (global (export "fixed") f32 (f32.const 1.5))
             (table (export "table") 2 funcref)
             (func $f (export "f") (result i32) (i32.const 9))
             (elem (i32.const 1) $f))"#,
    );
    let counter = instance.get_global(&store, "counter").unwrap();
    assert_eq!(counter.get(&store), Val::I64(5));
    counter.set(&mut store, Val::I64(6)).unwrap();
    assert_eq!(counter.get(&store).i64(), Some(6));
    assert!(counter.set(&mut store, Val::I32(1)).is_err());
    let fixed = instance.get_global(&store, "fixed").unwrap();
    assert_eq!(fixed.get(&store).f32(), Some(1.5));
    assert!(fixed.set(&mut store, Val::from(2.0f32)).is_err());

    let table = instance.get_table(&store, "table").unwrap();
    assert_eq!(table.size(&store), 2);
    assert_eq!(table.get(&store, 0), Some(Val::FuncRef(None)));
    let Some(Val::FuncRef(Some(f))) = table.get(&store, 1) else { panic!("element 1 is set") };
    let mut out = [Val::I32(0)];
    f.call(&mut store, &[], &mut out).unwrap();
    assert_eq!(out[0], Val::I32(9));
    assert_eq!(table.grow(&mut store, 3, Val::FuncRef(Some(f))).unwrap(), 2);
    assert!(matches!(table.get(&store, 4), Some(Val::FuncRef(Some(_)))));
    assert_eq!(table.get(&store, 5), None);
}

#[test]
fn linker_reports_missing_and_mismatched_imports() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module (import "env" "f" (func (param i32))) (import "env" "g" (global i32)))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    let err = linker.instantiate(&mut store, &module).unwrap_err();
    assert_eq!(err.to_string(), "link error: unknown import: `env::f` has not been defined");
    linker.func_wrap("env", "f", |_: i64| {}).unwrap();
    let err = linker.instantiate(&mut store, &module).unwrap_err();
    assert!(err.to_string().contains("incompatible import type for `env::f`"), "{err}");
    assert!(linker.func_wrap("env", "f", |_: i32| {}).is_err(), "redefinition is an error");
    linker.allow_shadowing(true).func_wrap("env", "f", |_: i32| {}).unwrap();
    let g = Global::new(&mut store, GlobalType { content: ValType::I32, mutable: false }, 7.into())
        .unwrap();
    linker.define(&store, "env", "g", g).unwrap();
    linker.instantiate(&mut store, &module).unwrap();
}

#[test]
fn instances_link_through_the_linker_and_instance_pre() {
    let engine = Engine::default();
    let lib = Module::new(
        &engine,
        r#"(module (func (export "twice") (param i32) (result i32)
             (i32.mul (local.get 0) (i32.const 2))))"#,
    )
    .unwrap();
    let app = Module::new(
        &engine,
        r#"(module (import "lib" "twice" (func $twice (param i32) (result i32)))
             (func (export "run") (param i32) (result i32) (call $twice (call $twice (local.get 0)))))"#,
    )
    .unwrap();
    for _ in 0..2 {
        let mut store = Store::new(&engine, ());
        let mut linker = Linker::new(&engine);
        let lib_instance = linker.instantiate(&mut store, &lib).unwrap();
        linker.instance(&store, "lib", lib_instance).unwrap();
        let pre = linker.instantiate_pre(&app).unwrap();
        for n in 1..3 {
            let instance = pre.instantiate(&mut store).unwrap();
            let run = instance.get_typed_func::<i32, i32>(&store, "run").unwrap();
            assert_eq!(run.call(&mut store, n).unwrap(), 4 * n);
        }
    }
}

#[test]
fn typed_and_dynamic_calls_check_types() {
    let (mut store, instance) = instance_of(
        r#"(module (func (export "add") (param i32 i64) (result i64)
             (i64.add (i64.extend_i32_s (local.get 0)) (local.get 1))))"#,
    );
    assert!(instance.get_typed_func::<(i32, i32), i64>(&store, "add").is_err());
    assert!(instance.get_typed_func::<(i32, i64), i64>(&store, "nope").is_err());
    let add = instance.get_func(&store, "add").unwrap();
    let mut out = [Val::I64(0)];
    add.call(&mut store, &[Val::I32(-1), Val::I64(10)], &mut out).unwrap();
    assert_eq!(out[0], Val::I64(9));
    assert!(add.call(&mut store, &[Val::I32(1)], &mut out).is_err());
    assert!(add.call(&mut store, &[Val::I64(1), Val::I64(1)], &mut out).is_err());
    assert!(add.call(&mut store, &[Val::I32(1), Val::I64(1)], &mut []).is_err());
}

#[test]
fn bad_modules_are_typed_errors_with_offsets() {
    let engine = Engine::default();
    let err = Module::new(&engine, b"\0asm\x01\0\0\0\x01\x05").unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Wasm(w) if w.offset.is_some()), "{err}");
    let err = Module::new(&engine, "(module (func (result i32) (i64.const 1)))").unwrap_err();
    assert!(err.to_string().contains("type mismatch"), "{err}");
    let err = Module::new(&engine, "(module (func (bogus)))").unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Text(_)), "{err}");
}

#[test]
fn proposals_can_be_switched_off() {
    let mut config = Config::new();
    config.wasm_simd(false);
    let engine = Engine::new(&config).unwrap();
    assert!(Module::new(&engine, "(module (func (drop (v128.const i64x2 0 0))))").is_err());
    let engine = Engine::default();
    assert!(Module::new(&engine, "(module (func (drop (v128.const i64x2 0 0))))").is_ok());
}

#[test]
fn extern_refs_round_trip() {
    let (mut store, instance) = instance_of(
        r#"(module (func (export "id") (param externref) (result externref) (local.get 0)))"#,
    );
    let id = instance.get_typed_func::<Option<ExternRef>, Option<ExternRef>>(&store, "id").unwrap();
    let r = ExternRef::new(&mut store, String::from("host value"));
    let back = id.call(&mut store, Some(r)).unwrap().unwrap();
    assert_eq!(back.data(&store).downcast_ref::<String>().unwrap(), "host value");
    assert_eq!(id.call(&mut store, None).unwrap(), None);
}

#[test]
fn memory_contents_survive_growth_past_the_reservation() {
    let (mut store, instance) = instance_of(r#"(module (memory (export "mem") 1))"#);
    let memory = instance.get_memory(&store, "mem").unwrap();
    memory.write(&mut store, 65_000, b"kept").unwrap();
    for _ in 0..6 {
        let pages = memory.size(&store);
        memory.grow(&mut store, pages).unwrap();
    }
    assert_eq!(memory.size(&store), 64);
    let mut buf = [0u8; 4];
    memory.read(&store, 65_000, &mut buf).unwrap();
    assert_eq!(&buf, b"kept");
    assert!(memory.data(&store)[65_004..].iter().all(|&b| b == 0));
}

fn cranelift() -> Config {
    let mut config = Config::new();
    config.strategy(Strategy::Cranelift);
    config
}

#[test]
fn compiled_traps_carry_code_and_named_backtrace() {
    let engine = Engine::new(&cranelift()).unwrap();
    let module = Module::new(
        &engine,
        r#"(module
             (func $inner (param i32) (result i32) (i32.div_u (i32.const 1) (local.get 0)))
             (func $outer (export "run") (param i32) (result i32) (call $inner (local.get 0))))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let run = instance.get_typed_func::<i32, i32>(&store, "run").unwrap();
    let err = run.call(&mut store, 0).unwrap_err();
    assert_eq!(err.trap(), Some(Trap::IntegerDivisionByZero));
    let names: Vec<_> =
        err.backtrace().unwrap().frames().iter().map(|f| f.func_name.clone().unwrap()).collect();
    assert_eq!(names, ["inner", "outer"]);
    assert_eq!(run.call(&mut store, 2).unwrap(), 0, "the store stays usable");
}

#[test]
fn compiled_recursion_traps_on_small_and_large_host_stacks() {
    for stack in [256 << 10, 8 << 20] {
        let err = recurse_on_thread(stack, i64::MAX, cranelift()).unwrap_err();
        assert_eq!(err.trap(), Some(Trap::StackOverflow), "host stack {stack}");
        assert_eq!(recurse_on_thread(stack, 1000, cranelift()).unwrap(), 1000);
    }
    let mut config = cranelift();
    config.max_wasm_stack(4096);
    let err = recurse_on_thread(8 << 20, 10_000, config).unwrap_err();
    assert_eq!(err.trap(), Some(Trap::StackOverflow));
}

#[test]
fn compiled_code_calls_the_host_and_back() {
    let engine = Engine::new(&cranelift()).unwrap();
    let module = Module::new(
        &engine,
        r#"(module (import "host" "again" (func $again (param i32) (result i32)))
             (import "host" "exit" (func $exit (param i32)))
             (func (export "ping") (param i32) (result i32)
               (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))
                 (else (i32.add (i32.const 1) (call $again (i32.sub (local.get 0) (i32.const 1)))))))
             (func (export "quit") (call $exit (i32.const 3)) unreachable))"#,
    )
    .unwrap();
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap("host", "again", |mut caller: Caller<'_, ()>, n: i32| -> Result<i32> {
            let ping = caller.get_export("ping").and_then(Extern::into_func).unwrap();
            ping.typed::<i32, i32>(&caller)?.call(&mut caller, n)
        })
        .unwrap();
    linker.func_wrap("host", "exit", |code: i32| -> Result<()> { Err(Error::exit(code)) }).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let quit = instance.get_typed_func::<(), ()>(&store, "quit").unwrap();
    assert_eq!(quit.call(&mut store, ()).unwrap_err().exit_status(), Some(3));
    let ping = instance.get_typed_func::<i32, i32>(&store, "ping").unwrap();
    assert_eq!(ping.call(&mut store, 50).unwrap(), 50);
    let result = std::thread::Builder::new()
        .stack_size(256 << 10)
        .spawn(move || ping.call(&mut store, i32::MAX).map_err(|e| e.trap()))
        .unwrap()
        .join()
        .unwrap();
    assert_eq!(result, Err(Some(Trap::StackOverflow)));
}

#[test]
fn artifacts_round_trip_and_refuse_other_settings() {
    let engine = Engine::new(&cranelift()).unwrap();
    let wat = r#"(module (func (export "add") (param i32 i32) (result i32)
                   (i32.add (local.get 0) (local.get 1))))"#;
    let artifact = Module::precompile(&engine, wat.as_bytes()).unwrap();
    assert!(Module::is_artifact(&artifact));
    // SAFETY: produced just above by this engine.
    let module = unsafe { Module::deserialize(&engine, &artifact) }.unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let add = instance.get_typed_func::<(i32, i32), i32>(&store, "add").unwrap();
    assert_eq!(add.call(&mut store, (2, 3)).unwrap(), 5);
    assert_eq!(module.serialize().unwrap().len(), artifact.len());

    let mut other = cranelift();
    other.memory_reservation(false);
    let other = Engine::new(&other).unwrap();
    // SAFETY: the artifact is refused before any of its code could run.
    let err = unsafe { Module::deserialize(&other, &artifact) }.unwrap_err();
    assert!(err.to_string().contains("different code-affecting settings"), "{err}");
    // Every truncation is refused cleanly.
    for n in (0..artifact.len()).step_by(97) {
        // SAFETY: as above.
        assert!(unsafe { Module::deserialize(&engine, &artifact[..n]) }.is_err());
    }
    let interp = Engine::default();
    // SAFETY: as above.
    assert!(unsafe { Module::deserialize(&interp, &artifact) }.is_err());
}

#[test]
fn large_data_segments_initialise_each_instance_separately() {
    // 128 KiB of data: large enough to come from a copy-on-write image.
    let chunk: String = (0..65536).map(|i| format!("\\{:02x}", (i * 7 % 251) as u8)).collect();
    let wat = format!(
        r#"(module (memory (export "m") 4)
             (data (i32.const 100) "{chunk}")
             (data (i32.const 70000) "{chunk}")
             (func (export "poke") (param i32 i32) (i32.store8 (local.get 0) (local.get 1))))"#
    );
    for config in [Config::new(), cranelift()] {
        let engine = Engine::new(&config).unwrap();
        let module = Module::new(&engine, &wat).unwrap();
        let mut store = Store::new(&engine, ());
        let a = Instance::new(&mut store, &module, &[]).unwrap();
        let b = Instance::new(&mut store, &module, &[]).unwrap();
        let poke = a.get_typed_func::<(i32, i32), ()>(&store, "poke").unwrap();
        poke.call(&mut store, (100, 0xff)).unwrap();
        let (ma, mb) = (a.get_memory(&store, "m").unwrap(), b.get_memory(&store, "m").unwrap());
        assert_eq!(ma.data(&store)[100], 0xff, "the instance sees its own write");
        assert_eq!(mb.data(&store)[100], 0, "the other instance does not");
        for at in [101, 100 + 65535, 70000, 70000 + 65535] {
            let i = if at >= 70000 { at - 70000 } else { at - 100 };
            assert_eq!(mb.data(&store)[at], (i * 7 % 251) as u8, "byte {at}");
        }
        assert_eq!(mb.data(&store)[99], 0);
        assert_eq!(mb.data(&store)[70000 + 65536], 0);
    }
}

#[test]
fn engines_with_a_target_precompile_but_do_not_run() {
    let wat = r#"(module (func (export "f") (result i32) (i32.const 7)))"#;
    for target in ["aarch64-unknown-linux-gnu", "x86_64-unknown-linux-gnu"] {
        let mut config = cranelift();
        config.target(target);
        let engine = Engine::new(&config).unwrap();
        let artifact = Module::precompile(&engine, wat.as_bytes()).unwrap();
        assert!(Module::is_artifact(&artifact));
        let err = Module::new(&engine, wat).unwrap_err();
        assert!(err.to_string().contains("can precompile modules but not run them"), "{err}");
        // SAFETY: refused before any code could run.
        assert!(unsafe { Module::deserialize(&engine, &artifact) }.is_err());
        let object =
            wisp::linked::write_object(&engine, &wat::parse_str(wat).unwrap(), b"x").unwrap();
        assert_eq!(&object[..4], b"\x7fELF");
    }
    // A host engine refuses the aarch64 artifact by name.
    let mut config = cranelift();
    config.target("aarch64-unknown-linux-gnu");
    let arm = Module::precompile(&Engine::new(&config).unwrap(), wat.as_bytes()).unwrap();
    let host = Engine::new(&cranelift()).unwrap();
    // SAFETY: refused before any code could run.
    let err = unsafe { Module::deserialize(&host, &arm) }.unwrap_err();
    assert!(err.to_string().contains("compiled for aarch64"), "{err}");
    let mut config = cranelift();
    config.target("sparc-unknown-linux-gnu");
    assert!(Engine::new(&config).is_err());
}

/// Rotations by constants, alone and fused with the `xor` before them (the
/// interpreter's immediate and fused forms), in both tiers, against Rust's.
#[test]
fn rotations_by_constants_and_after_xor() {
    let mut wat = String::from("(module\n");
    for k in [0u32, 1, 7, 16, 31, 32, 33, 63, 64, 100] {
        for (ty, rot) in [("i32", "rotl"), ("i32", "rotr"), ("i64", "rotl"), ("i64", "rotr")] {
            wat.push_str(&format!(
                "(func (export \"{ty}_{rot}_{k}\") (param {ty} {ty}) (result {ty} {ty} {ty})
                   (local $t {ty})
                   ({ty}.{rot} (local.get 0) ({ty}.const {k}))
                   ({ty}.{rot} ({ty}.xor (local.get 0) (local.get 1)) ({ty}.const {k}))
                   (local.set $t ({ty}.{rot} ({ty}.xor (local.get 1) (local.get 0)) ({ty}.const {k})))
                   (local.get $t))\n"
            ));
        }
    }
    wat.push(')');
    // Checks `TY_ROT_K` of the module against Rust's rotation of `a`, `b`.
    macro_rules! check {
        ($store:expr, $instance:expr, $ty:literal, $s:ty, $u:ty, $a:expr, $b:expr, $rot:expr, $k:expr) => {{
            let (a, b): ($u, $u) = ($a, $b);
            let name = format!("{}_{}_{}", $ty, $rot, $k);
            let f = $instance.get_typed_func::<($s, $s), ($s, $s, $s)>(&$store, &name).unwrap();
            let r = |x: $u| if $rot == "rotl" { x.rotate_left($k) } else { x.rotate_right($k) };
            let want = (r(a) as $s, r(a ^ b) as $s, r(a ^ b) as $s);
            assert_eq!(f.call(&mut $store, (a as $s, b as $s)).unwrap(), want, "{name}");
        }};
    }
    for config in [Config::new(), cranelift()] {
        let engine = Engine::new(&config).unwrap();
        let module = Module::new(&engine, &wat).unwrap();
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[]).unwrap();
        for k in [0u32, 1, 7, 16, 31, 32, 33, 63, 64, 100] {
            for rot in ["rotl", "rotr"] {
                check!(store, instance, "i32", i32, u32, 0x8765_4321, 0x0f0f_1234, rot, k);
                let (a, b) = (0x8765_4321_dead_beef, 0x0f0f_1234_5678_9abc);
                check!(store, instance, "i64", i64, u64, a, b, rot, k);
            }
        }
    }
}

/// Float comparisons feeding `br_if`, `if` (also through `i32.eqz`), a
/// branch that carries a value, and a loop's exit test (the interpreter's fused compare-and-branch
/// forms, their negations and the inverted test at the loop's back edge),
/// in both tiers, against Rust's comparisons, NaN and signed zeros included.
#[test]
fn float_comparisons_feeding_branches() {
    const OPS: [&str; 6] = ["eq", "ne", "lt", "gt", "le", "ge"];
    let mut wat = String::from("(module\n");
    for ty in ["f32", "f64"] {
        for op in OPS {
            wat.push_str(&format!(
                r#"(func (export "{ty}_{op}") (param {ty} {ty}) (result i32 i32 i32 i32 i32)
                     (local $n i32)
                     (block (result i32)
                       (br_if 0 (i32.const 1) ({ty}.{op} (local.get 0) (local.get 1)))
                       drop (i32.const 0))
                     (if (result i32) ({ty}.{op} (local.get 0) (local.get 1))
                       (then (i32.const 1)) (else (i32.const 0)))
                     (if (result i32) (i32.eqz ({ty}.{op} (local.get 0) (local.get 1)))
                       (then (i32.const 1)) (else (i32.const 0)))
                     (block (result i32)
                       (br_if 0 (local.get $n) ({ty}.{op} (local.get 0) (local.get 1)))
                       drop (i32.const 5))
                     (block $done
                       (loop $l
                         (br_if $done ({ty}.{op} (local.get 0) (local.get 1)))
                         (local.set $n (i32.add (local.get $n) (i32.const 1)))
                         (br_if $done (i32.ge_u (local.get $n) (i32.const 3)))
                         (br $l)))
                     (local.get $n))
                "#
            ));
        }
    }
    wat.push(')');
    let values = [0.0, -0.0, 1.0, -1.5, f64::INFINITY, f64::NEG_INFINITY, f64::NAN];
    let holds = |op: &str, a: f64, b: f64| match op {
        "eq" => a == b,
        "ne" => a != b,
        "lt" => a < b,
        "gt" => a > b,
        "le" => a <= b,
        _ => a >= b,
    };
    for config in [Config::new(), cranelift()] {
        let engine = Engine::new(&config).unwrap();
        let module = Module::new(&engine, &wat).unwrap();
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[]).unwrap();
        for op in OPS {
            let f32s = instance
                .get_typed_func::<(f32, f32), (i32, i32, i32, i32, i32)>(
                    &store,
                    &format!("f32_{op}"),
                )
                .unwrap();
            let f64s = instance
                .get_typed_func::<(f64, f64), (i32, i32, i32, i32, i32)>(
                    &store,
                    &format!("f64_{op}"),
                )
                .unwrap();
            for a in values {
                for b in values {
                    let h = i32::from(holds(op, a, b));
                    let want =
                        (h, h, 1 - h, if h == 1 { 0 } else { 5 }, if h == 1 { 0 } else { 3 });
                    let got = f32s.call(&mut store, (a as f32, b as f32)).unwrap();
                    assert_eq!(got, want, "f32.{op} {a} {b}");
                    let got = f64s.call(&mut store, (a, b)).unwrap();
                    assert_eq!(got, want, "f64.{op} {a} {b}");
                }
            }
        }
    }
}

/// `a + (b << k)`, which the interpreter fuses into one instruction, with
/// its operands in locals and just computed, in both tiers.
#[test]
fn adds_of_shifted_values() {
    let mut wat = String::from("(module\n");
    for k in [0u32, 1, 3, 31, 32, 35] {
        wat.push_str(&format!(
            r#"(func (export "shl_add_{k}") (param i32 i32) (result i32 i32 i32)
                 (i32.add (local.get 0) (i32.shl (local.get 1) (i32.const {k})))
                 (i32.add (i32.mul (local.get 0) (local.get 0))
                          (i32.shl (i32.add (local.get 1) (i32.const 1)) (i32.const {k})))
                 (i32.add (i32.shl (local.get 1) (i32.const {k})) (local.get 0)))
            "#
        ));
    }
    wat.push(')');
    for config in [Config::new(), cranelift()] {
        let engine = Engine::new(&config).unwrap();
        let module = Module::new(&engine, &wat).unwrap();
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[]).unwrap();
        for k in [0u32, 1, 3, 31, 32, 35] {
            let f = instance
                .get_typed_func::<(i32, i32), (i32, i32, i32)>(&store, &format!("shl_add_{k}"))
                .unwrap();
            for (a, b) in [(0i32, 0i32), (1000, 7), (-5, 0x7fff_ffff), (0x1234_5678, -3)] {
                let shl = |x: i32| x.wrapping_shl(k);
                let want = (
                    a.wrapping_add(shl(b)),
                    a.wrapping_mul(a).wrapping_add(shl(b.wrapping_add(1))),
                    shl(b).wrapping_add(a),
                );
                assert_eq!(f.call(&mut store, (a, b)).unwrap(), want, "k={k} a={a} b={b}");
            }
        }
    }
}

#[test]
fn memories_reusing_address_space_start_fresh() {
    // Stores dropped one after another hand their memories' address space
    // to the next ones: each must still start zeroed, with exactly its own
    // size accessible, whether the last user had grown it, written all
    // over it, or mapped a copy-on-write image into it.
    let chunk: String = (0..65536).map(|i| format!("\\{:02x}", (i % 251 + 1) as u8)).collect();
    let imaged = format!(
        r#"(module (memory (export "m") 4)
             (data (i32.const 0) "{chunk}") (data (i32.const 65536) "{chunk}")
             (func (export "poke") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
             (func (export "peek") (param i32) (result i32) (i32.load8_u (local.get 0)))
             (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))"#
    );
    let plain = r#"(module (memory (export "m") 1)
             (func (export "poke") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
             (func (export "peek") (param i32) (result i32) (i32.load8_u (local.get 0)))
             (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))"#;
    let mut checked = cranelift();
    checked.memory_reservation(false);
    for config in [Config::new(), cranelift(), checked] {
        let engine = Engine::new(&config).unwrap();
        let imaged = Module::new(&engine, &imaged).unwrap();
        let plain = Module::new(&engine, plain).unwrap();
        for (round, with_image) in [true, false, false, true, true, false].into_iter().enumerate() {
            let module = if with_image { &imaged } else { &plain };
            let mut store = Store::new(&engine, ());
            let instance = Instance::new(&mut store, module, &[]).unwrap();
            let memory = instance.get_memory(&store, "m").unwrap();
            let pages = memory.size(&store);
            let data = memory.data(&store);
            if with_image {
                assert_eq!(pages, 4);
                assert!(
                    data[..131072]
                        .iter()
                        .enumerate()
                        .all(|(i, &b)| b == (i % 65536 % 251 + 1) as u8)
                );
                assert!(data[131072..].iter().all(|&b| b == 0), "round {round}");
            } else {
                assert_eq!(pages, 1);
                assert!(data.iter().all(|&b| b == 0), "round {round}");
            }
            let peek = instance.get_typed_func::<i32, i32>(&store, "peek").unwrap();
            let poke = instance.get_typed_func::<(i32, i32), ()>(&store, "poke").unwrap();
            let grow = instance.get_typed_func::<i32, i32>(&store, "grow").unwrap();
            let end = (pages * 65536) as i32;
            assert!(peek.call(&mut store, end).is_err(), "round {round}: beyond the memory");
            assert!(poke.call(&mut store, (end, 1)).is_err(), "round {round}: beyond the memory");
            // Dirty it all, and grow it, for the next store.
            assert_eq!(grow.call(&mut store, 3).unwrap(), pages as i32);
            assert_eq!(peek.call(&mut store, end + 65536).unwrap(), 0);
            for at in (0..end + 3 * 65536).step_by(4093) {
                poke.call(&mut store, (at, 0x5a)).unwrap();
            }
        }
    }
}

#[test]
fn host_functions_in_tables_are_callable_whenever_their_signature_arrives() {
    // Compiled code calls a host function through an adapter taken from
    // some instance's code: host functions made before any module with
    // their signature, and after, must both be callable from a table.
    let caller = r#"(module (type $t (func (param i32) (result i32)))
         (table (export "t") 2 funcref)
         (func (export "call") (param i32 i32) (result i32)
           (call_indirect (type $t) (local.get 1) (local.get 0))))"#;
    for config in [Config::new(), cranelift()] {
        let engine = Engine::new(&config).unwrap();
        let module = Module::new(&engine, caller).unwrap();
        let other = Module::new(&engine, "(module (func (param i64)))").unwrap();
        let mut store = Store::new(&engine, ());
        let early = Func::wrap(&mut store, |x: i32| x + 1);
        Instance::new(&mut store, &other, &[]).unwrap();
        let instance = Instance::new(&mut store, &module, &[]).unwrap();
        let late = Func::wrap(&mut store, |x: i32| x * 10);
        let table = instance.get_table(&store, "t").unwrap();
        table.set(&mut store, 0, Val::FuncRef(Some(early))).unwrap();
        table.set(&mut store, 1, Val::FuncRef(Some(late))).unwrap();
        let call = instance.get_typed_func::<(i32, i32), i32>(&store, "call").unwrap();
        assert_eq!(call.call(&mut store, (0, 4)).unwrap(), 5);
        assert_eq!(call.call(&mut store, (1, 4)).unwrap(), 40);
    }
}

#[test]
fn a_failed_instantiation_leaves_the_store_usable() {
    let big = r#"(module (table 100 funcref) (func) (func) (func) (func) (func))"#;
    let small = r#"(module (func (export "f") (result i32) i32.const 7))"#;
    for config in [Config::new(), cranelift()] {
        let engine = Engine::new(&config).unwrap();
        let (big, small) =
            (Module::new(&engine, big).unwrap(), Module::new(&engine, small).unwrap());
        let mut store = Store::new(&engine, ());
        store.set_limits(StoreLimits { table_elements: 10, ..StoreLimits::default() });
        assert!(Instance::new(&mut store, &big, &[]).is_err());
        let instance = Instance::new(&mut store, &small, &[]).unwrap();
        let f = instance.get_typed_func::<(), i32>(&store, "f").unwrap();
        assert_eq!(f.call(&mut store, ()).unwrap(), 7);
    }
}

#[test]
fn loads_at_sums_of_registers() {
    // `i32.load (i32.add base index)` runs as one indexed load in the
    // interpreter. The sum wraps at 32 bits before the offset is added,
    // and the bounds check sees the whole effective address. The operands
    // come from locals and from instructions just before (the
    // accumulator forms); results are widened to i64 for one signature.
    let kinds = [
        ("i32.load", 4u64),
        ("i64.load", 8),
        ("i32.load8_u", 1),
        ("i32.load16_u", 2),
        ("i32.load8_s", 1),
        ("i32.load16_s", 2),
    ];
    let offsets = [0u32, 3, 65535, 65536];
    let mut wat = String::from(
        r#"(module (memory 2)
             (func (export "fill") (local i32)
               (loop (i32.store8 (local.get 0) (i32.mul (local.get 0) (i32.const 151)))
                     (local.set 0 (i32.add (local.get 0) (i32.const 1)))
                     (br_if 0 (i32.lt_u (local.get 0) (i32.const 131072)))))"#,
    );
    for (k, (op, _)) in kinds.iter().enumerate() {
        let widen =
            |e: String| if op.starts_with("i32") { format!("(i64.extend_i32_s {e})") } else { e };
        for o in offsets {
            let load = |addr: &str| widen(format!("({op} offset={o} {addr})"));
            wat.push_str(&format!(
                r#"(func (export "l{k}_{o}") (param i32 i32) (result i64 i64 i64) {} {} {})"#,
                load("(i32.add (local.get 0) (local.get 1))"),
                load("(i32.add (i32.xor (local.get 0) (i32.const 0)) (local.get 1))"),
                load("(i32.add (local.get 0) (i32.xor (local.get 1) (i32.const 0)))"),
            ));
        }
    }
    wat.push(')');
    let byte = |at: u64| (at as u32).wrapping_mul(151) as u8;
    let expect = |k: usize, ea: u64| -> i64 {
        let bytes = |n: u64| (0..n).map(|i| u64::from(byte(ea + i)) << (8 * i)).sum::<u64>();
        match k {
            0 => bytes(4) as u32 as i32 as i64,
            1 => bytes(8) as i64,
            2 => bytes(1) as i64,
            3 => bytes(2) as i64,
            4 => bytes(1) as u8 as i8 as i64,
            _ => bytes(2) as u16 as i16 as i64,
        }
    };
    for config in [Config::new(), cranelift()] {
        let (mut store, instance) = instantiate(&config, &wat);
        instance.get_typed_func::<(), ()>(&store, "fill").unwrap().call(&mut store, ()).unwrap();
        for (k, &(_, width)) in kinds.iter().enumerate() {
            for o in offsets {
                let name = format!("l{k}_{o}");
                let f =
                    instance.get_typed_func::<(i32, i32), (i64, i64, i64)>(&store, &name).unwrap();
                let cases =
                    [(100u32, 20u32), (0xffff_fff0, 0x20), (0x10, 0xffff_fff0), (131068, 0)];
                for (base, index) in cases {
                    let ea = u64::from(base.wrapping_add(index)) + u64::from(o);
                    let got = f.call(&mut store, (base as i32, index as i32));
                    if ea + width > 131072 {
                        let trap = got.unwrap_err().trap();
                        assert_eq!(
                            trap,
                            Some(Trap::MemoryOutOfBounds),
                            "{name} {base:#x}+{index:#x}"
                        );
                    } else {
                        let v = expect(k, ea);
                        assert_eq!(got.unwrap(), (v, v, v), "{name} {base:#x}+{index:#x}");
                    }
                }
            }
        }
    }
    let engine = Engine::new(&Config::new()).unwrap();
    let code = Module::new(&engine, &wat).unwrap().disassemble(1).unwrap();
    for form in ["Load32Idx(0,", "Load32IdxA(0,", "Load32IdxB(0,"] {
        assert!(code.contains(form), "{form} in {code}");
    }
}

#[test]
fn products_added_to_running_sums() {
    // `sum + x * y` with the sum in a temporary runs as one multiply-add
    // in the interpreter; with wrapping products, in both widths.
    let wat = r#"(module
        (func (export "dot32") (param i32 i32 i32 i32 i32 i32) (result i32)
          (i32.add (i32.add (i32.mul (local.get 0) (local.get 1))
                            (i32.mul (local.get 2) (local.get 3)))
                   (i32.mul (i32.xor (local.get 4) (i32.const 0)) (local.get 5))))
        (func (export "dot64") (param i64 i64 i64 i64 i64 i64) (result i64)
          (i64.add (i64.add (i64.mul (local.get 0) (local.get 1))
                            (i64.mul (local.get 2) (local.get 3)))
                   (i64.mul (local.get 4) (i64.xor (local.get 5) (i64.const 0))))))"#;
    let values: [i64; 5] = [0, 3, -7, 0x7fff_ffff_1234, i64::MIN + 5];
    for config in [Config::new(), cranelift()] {
        let (mut store, instance) = instantiate(&config, wat);
        type Six<T> = (T, T, T, T, T, T);
        let dot32 = instance.get_typed_func::<Six<i32>, i32>(&store, "dot32").unwrap();
        let dot64 = instance.get_typed_func::<Six<i64>, i64>(&store, "dot64").unwrap();
        for (i, &a) in values.iter().enumerate() {
            for &b in &values[i..] {
                let (c, d, e, f) = (b ^ 0x55, a.wrapping_add(9), b.wrapping_mul(3), a ^ b);
                let w = |x: i64| x as i32;
                let want32 = w(a)
                    .wrapping_mul(w(b))
                    .wrapping_add(w(c).wrapping_mul(w(d)))
                    .wrapping_add(w(e).wrapping_mul(w(f)));
                let got = dot32.call(&mut store, (w(a), w(b), w(c), w(d), w(e), w(f))).unwrap();
                assert_eq!(got, want32, "{a} {b}");
                let want64 = a
                    .wrapping_mul(b)
                    .wrapping_add(c.wrapping_mul(d))
                    .wrapping_add(e.wrapping_mul(f));
                assert_eq!(dot64.call(&mut store, (a, b, c, d, e, f)).unwrap(), want64, "{a} {b}");
            }
        }
    }
    let engine = Engine::new(&Config::new()).unwrap();
    let module = Module::new(&engine, wat).unwrap();
    let (dot32, dot64) = (module.disassemble(0).unwrap(), module.disassemble(1).unwrap());
    assert!(dot32.contains("I32MulAdd(") && dot32.contains("I32MulAddA("), "{dot32}");
    assert!(dot64.contains("I64MulAdd(") && dot64.contains("I64MulAddB("), "{dot64}");
}

#[test]
fn stores_and_loads_at_a_pointer_plus_a_constant() {
    // A store whose address is an `i32.add` and whose value is a local runs
    // as one indexed store in the interpreter, and an add of a constant
    // feeding a load or store as one instruction with an immediate. The
    // sum wraps at 32 bits before the offset is added.
    let kinds = [("i32.store8", 1u64), ("i32.store16", 2), ("i32.store", 4), ("i64.store", 8)];
    let offsets = [0u32, 5, 65535];
    let mut wat = String::from(r#"(module (memory (export "m") 2)"#);
    for (k, (op, _)) in kinds.iter().enumerate() {
        let ty = if op.starts_with("i64") { "i64" } else { "i32" };
        for o in offsets {
            wat.push_str(&format!(
                r#"(func (export "s{k}_{o}") (param i32 i32 {ty})
                     ({op} offset={o} (i32.add (local.get 0) (local.get 1)) (local.get 2)))
                   (func (export "si{k}_{o}") (param i32 {ty})
                     ({op} offset={o} (i32.add (local.get 0) (i32.const -9)) (local.get 1)))
                   (func (export "li{k}_{o}") (param i32) (result i64)
                     (i64.load8_u offset={o} (i32.add (local.get 0) (i32.const -9))))"#
            ));
        }
    }
    wat.push(')');
    for config in [Config::new(), cranelift()] {
        let (mut store, instance) = instantiate(&config, &wat);
        let memory = instance.get_memory(&store, "m").unwrap();
        for (k, &(op, width)) in kinds.iter().enumerate() {
            for o in offsets {
                let cases = [(100u32, 20u32), (0xffff_fff0, 0x20), (131068, 0), (131060, 9)];
                for (step, (base, index)) in cases.into_iter().enumerate() {
                    let value = 0x0102_0304_0506_0708u64.wrapping_mul(step as u64 + 3);
                    let bytes = &value.to_le_bytes()[..width as usize];
                    // The register sum, then the immediate one, at the same place.
                    let ea = u64::from(base.wrapping_add(index)) + u64::from(o);
                    let base_imm = base.wrapping_add(index).wrapping_add(9);
                    let call = |store: &mut Store<()>, f: &str, args: &[Val]| {
                        let f = instance.get_func(&*store, f).unwrap();
                        f.call(store, args, &mut [])
                    };
                    let v = if op.starts_with("i64") {
                        Val::I64(value as i64)
                    } else {
                        Val::I32(value as i32)
                    };
                    let reg = [Val::I32(base as i32), Val::I32(index as i32), v];
                    let imm = [Val::I32(base_imm as i32), v];
                    for (name, args) in
                        [(format!("s{k}_{o}"), &reg[..]), (format!("si{k}_{o}"), &imm[..])]
                    {
                        memory.data_mut(&mut store).fill(0);
                        let got = call(&mut store, &name, args);
                        if ea + width > 131072 {
                            assert_eq!(
                                got.unwrap_err().trap(),
                                Some(Trap::MemoryOutOfBounds),
                                "{name}"
                            );
                            assert!(memory.data(&store).iter().all(|&b| b == 0), "{name} wrote");
                        } else {
                            got.unwrap();
                            let at = ea as usize;
                            assert_eq!(
                                &memory.data(&store)[at..at + bytes.len()],
                                bytes,
                                "{name} {ea:#x}"
                            );
                            let load = instance
                                .get_typed_func::<i32, i64>(&store, &format!("li{k}_{o}"))
                                .unwrap();
                            assert_eq!(
                                load.call(&mut store, base_imm as i32).unwrap(),
                                i64::from(bytes[0])
                            );
                        }
                    }
                }
            }
        }
    }
    let engine = Engine::new(&Config::new()).unwrap();
    let module = Module::new(&engine, &wat).unwrap();
    let code: String = (0..3).map(|f| module.disassemble(f).unwrap()).collect();
    for form in ["Store8Idx(0,", "Store8IdxImm(0,", "Load8UIdxImm(0,"] {
        assert!(code.contains(form), "{form} in {code}");
    }
}

#[test]
fn rotations_xored_with_values() {
    // `rotl(x, k) ^ y` (and `rotr`, in either operand order) runs as one
    // instruction in the interpreter.
    let mut wat = String::from("(module");
    for (ty, bits) in [("i32", 32u32), ("i64", 64)] {
        for k in [0, 1, 13, bits - 1, bits, bits + 3] {
            wat.push_str(&format!(
                r#"(func (export "{ty}_{k}") (param {ty} {ty}) (result {ty} {ty} {ty} {ty})
                     ({ty}.xor ({ty}.rotl (local.get 0) ({ty}.const {k})) (local.get 1))
                     ({ty}.xor (local.get 1) ({ty}.rotr (local.get 0) ({ty}.const {k})))
                     ({ty}.xor ({ty}.rotl (local.get 0) ({ty}.const {k})) ({ty}.const 0x5a5a))
                     ({ty}.xor ({ty}.add (local.get 1) ({ty}.const 1))
                               ({ty}.rotl (local.get 0) ({ty}.const {k}))))"#
            ));
        }
    }
    wat.push(')');
    let values = [0u64, 1, 0x8000_0001, 0xdead_beef_0bad_f00d, u64::MAX];
    for config in [Config::new(), cranelift()] {
        let (mut store, instance) = instantiate(&config, &wat);
        for (ty, bits) in [("i32", 32u32), ("i64", 64)] {
            let mask = u64::MAX >> (64 - bits);
            let rotl = |x: u64, k: u32| match k % bits {
                0 => x,
                k => ((x << k) | (x >> (bits - k))) & mask,
            };
            let val = |v: u64| if bits == 32 { Val::I32(v as i32) } else { Val::I64(v as i64) };
            let raw = |v: Val| match v {
                Val::I32(v) => u64::from(v as u32),
                Val::I64(v) => v as u64,
                other => panic!("{other:?}"),
            };
            for k in [0, 1, 13, bits - 1, bits, bits + 3] {
                let f = instance.get_func(&store, &format!("{ty}_{k}")).unwrap();
                for (&x, &y) in values.iter().zip(values.iter().rev()) {
                    let (x, y) = (x & mask, y & mask);
                    let mut out = [val(0); 4];
                    f.call(&mut store, &[val(x), val(y)], &mut out).unwrap();
                    let want = [
                        rotl(x, k) ^ y,
                        y ^ rotl(x, bits - k % bits),
                        rotl(x, k) ^ 0x5a5a,
                        (y.wrapping_add(1) & mask) ^ rotl(x, k),
                    ];
                    assert_eq!(out.map(raw), want, "{ty} k={k} x={x:#x} y={y:#x}");
                }
            }
        }
    }
    let engine = Engine::new(&Config::new()).unwrap();
    let code = Module::new(&engine, &wat).unwrap().disassemble(2).unwrap();
    assert_eq!(code.matches("I32RotlXor").count(), 4, "{code}");
}

/// An instance of `wat`, alone in a new store of an engine for `config`.
fn instantiate(config: &Config, wat: &str) -> (Store<()>, Instance) {
    let engine = Engine::new(config).unwrap();
    let module = Module::new(&engine, wat).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    (store, instance)
}

#[test]
fn elements_of_arrays_of_4_and_8_byte_values() {
    // `base + (index << 2)` feeding a 4-byte access and `<< 3` an 8-byte
    // one run as scaled loads and stores in the interpreter; the shift and
    // the sum wrap at 32 bits. Other shifts keep the general path.
    let wat = r#"(module (memory (export "m") 1)
        (func (export "get32") (param i32 i32) (result i32)
          (i32.load offset=4 (i32.add (local.get 0) (i32.shl (local.get 1) (i32.const 2)))))
        (func (export "get64") (param i32 i32) (result i64)
          (i64.load (i32.add (local.get 0) (i32.shl (local.get 1) (i32.const 3)))))
        (func (export "getf64") (param i32 i32) (result f64)
          (f64.load (i32.add (local.get 0) (i32.shl (local.get 1) (i32.const 3)))))
        (func (export "get32x8") (param i32 i32) (result i32)
          (i32.load (i32.add (local.get 0) (i32.shl (local.get 1) (i32.const 3)))))
        (func (export "set32") (param i32 i32 i32)
          (i32.store offset=4 (i32.add (local.get 0) (i32.shl (local.get 1) (i32.const 2)))
                     (local.get 2)))
        (func (export "set64") (param i32 i32 i64)
          (i64.store (i32.add (local.get 0) (i32.shl (local.get 1) (i32.const 3))) (local.get 2))))"#;
    for config in [Config::new(), cranelift()] {
        let (mut store, instance) = instantiate(&config, wat);
        let memory = instance.get_memory(&store, "m").unwrap();
        let get32 = instance.get_typed_func::<(i32, i32), i32>(&store, "get32").unwrap();
        let get64 = instance.get_typed_func::<(i32, i32), i64>(&store, "get64").unwrap();
        let getf64 = instance.get_typed_func::<(i32, i32), f64>(&store, "getf64").unwrap();
        let get32x8 = instance.get_typed_func::<(i32, i32), i32>(&store, "get32x8").unwrap();
        let set32 = instance.get_typed_func::<(i32, i32, i32), ()>(&store, "set32").unwrap();
        let set64 = instance.get_typed_func::<(i32, i32, i64), ()>(&store, "set64").unwrap();
        for (i, b) in memory.data_mut(&mut store).iter_mut().enumerate() {
            *b = (i * 7 + i / 256) as u8;
        }
        let word = |m: &[u8], at: u32, n: usize| {
            m[at as usize..at as usize + n].iter().rev().fold(0u64, |v, &b| v << 8 | u64::from(b))
        };
        // (base, index): plain, an index whose shift wraps, a base that wraps.
        for (base, index) in
            [(64u32, 5u32), (8, 0x4000_0003), (0xffff_fff0, 6), (65528, 1), (65532, 0)]
        {
            let ea32 = base.wrapping_add(index << 2);
            let ea64 = base.wrapping_add(index << 3);
            let (b, x) = (base as i32, index as i32);
            let m = memory.data(&store).to_vec();
            let fits = |ea: u32, n: u64| u64::from(ea) + n <= 65536;
            match get32.call(&mut store, (b, x)) {
                Ok(v) => assert_eq!(v as u32 as u64, word(&m, ea32 + 4, 4), "{base} {index}"),
                Err(e) => assert!(!fits(ea32, 8) && e.trap() == Some(Trap::MemoryOutOfBounds)),
            }
            match get64.call(&mut store, (b, x)) {
                Ok(v) => assert_eq!(v as u64, word(&m, ea64, 8), "{base} {index}"),
                Err(e) => assert!(!fits(ea64, 8) && e.trap() == Some(Trap::MemoryOutOfBounds)),
            }
            match getf64.call(&mut store, (b, x)) {
                Ok(v) => assert_eq!(v.to_bits(), word(&m, ea64, 8), "{base} {index}"),
                Err(e) => assert!(!fits(ea64, 8) && e.trap() == Some(Trap::MemoryOutOfBounds)),
            }
            match get32x8.call(&mut store, (b, x)) {
                Ok(v) => assert_eq!(v as u32 as u64, word(&m, ea64, 4), "{base} {index}"),
                Err(e) => assert!(!fits(ea64, 4) && e.trap() == Some(Trap::MemoryOutOfBounds)),
            }
            match set32.call(&mut store, (b, x, 0x1122_3344)) {
                Ok(()) => assert_eq!(word(memory.data(&store), ea32 + 4, 4), 0x1122_3344),
                Err(e) => assert!(!fits(ea32, 8) && e.trap() == Some(Trap::MemoryOutOfBounds)),
            }
            match set64.call(&mut store, (b, x, -2)) {
                Ok(()) => assert_eq!(word(memory.data(&store), ea64, 8), u64::MAX - 1),
                Err(e) => assert!(!fits(ea64, 8) && e.trap() == Some(Trap::MemoryOutOfBounds)),
            }
        }
    }
    let engine = Engine::new(&Config::new()).unwrap();
    let module = Module::new(&engine, wat).unwrap();
    let code: Vec<String> = (0..6).map(|f| module.disassemble(f).unwrap()).collect();
    let fused = [
        "Load32Scaled(4,",
        "Load64Scaled(0,",
        "Load64Scaled(0,",
        "I32AddShl(3,",
        "Store32Scaled(4,",
        "Store64Scaled(0,",
    ];
    for (code, form) in code.iter().zip(fused) {
        assert!(code.contains(form), "{form} in {code}");
    }
}

#[test]
fn backtrace_frames_name_their_instance_and_body_in_both_tiers() {
    let wat = r#"(module
      (func $inner (export "inner") unreachable)
      (func $outer (export "outer") (call $inner)))"#;
    for strategy in [Strategy::Interpreter, Strategy::Cranelift] {
        let mut config = Config::new();
        config.strategy(strategy);
        let engine = Engine::new(&config).unwrap();
        let lib = Module::new(&engine, wat).unwrap();
        let mut store = Store::new(&engine, ());
        let first = Instance::new(&mut store, &lib, &[]).unwrap();
        let second = Instance::new(&mut store, &lib, &[]).unwrap();
        let outer = second.get_typed_func::<(), ()>(&store, "outer").unwrap();
        let err = outer.call(&mut store, ()).unwrap_err();
        let frames = err.backtrace().unwrap().frames();
        assert_eq!(frames.len(), 2, "{strategy:?}");
        assert!(frames.iter().all(|f| f.instance == Some(second)), "{strategy:?}: {frames:?}");
        assert_ne!(frames[0].instance, Some(first));
        let (inner_at, outer_at) = (frames[0].body_offset.unwrap(), frames[1].body_offset.unwrap());
        assert!(8 < inner_at && inner_at < outer_at, "{strategy:?}: {inner_at} {outer_at}");

        // A second module calling into `second`: the interpreter names each
        // frame's own instance; compiled code cannot tell `first` from
        // `second` when `user` is the instance called, and says so.
        let app = Module::new(
            &engine,
            r#"(module (import "lib" "inner" (func $inner)) (func (export "main") (call $inner)))"#,
        )
        .unwrap();
        let call_main = |store: &mut Store<()>, lib: Instance| {
            let inner = lib.get_export(&*store, "inner").unwrap();
            let user = Instance::new(&mut *store, &app, &[inner]).unwrap();
            let main = user.get_typed_func::<(), ()>(&*store, "main").unwrap();
            let err = main.call(&mut *store, ()).unwrap_err();
            let frames = err.backtrace().unwrap().frames().to_vec();
            (user, frames)
        };
        let (user, frames) = call_main(&mut store, second);
        let instances: Vec<_> = frames.iter().map(|f| f.instance).collect();
        let inner_instance = match strategy {
            Strategy::Cranelift => None,
            _ => Some(second),
        };
        assert_eq!(instances, [inner_instance, Some(user)], "{strategy:?}");
        assert_eq!(frames[0].body_offset, Some(inner_at));

        // With one instance of `lib` in the store, both tiers name it.
        let mut store = Store::new(&engine, ());
        let only = Instance::new(&mut store, &lib, &[]).unwrap();
        let (user, frames) = call_main(&mut store, only);
        let instances: Vec<_> = frames.iter().map(|f| f.instance).collect();
        assert_eq!(instances, [Some(only), Some(user)], "{strategy:?}");
        assert_eq!(frames[0].body_offset, Some(inner_at));
    }
}
