//! Handles used with a store that did not create them: methods returning a
//! `Result` fail with a type error, methods that cannot fail panic (see the
//! crate docs).

use std::panic::{AssertUnwindSafe, catch_unwind};

use wisp::*;

const WAT: &str = r#"(module
  (func (export "id") (param externref) (result externref) (local.get 0))
  (memory (export "memory") 1)
  (table (export "table") 1 funcref)
  (global (export "global") (mut i32) (i32.const 7)))"#;

/// A store with an instance of [`WAT`], and a second store of the same
/// engine.
fn two_stores() -> (Store<()>, Instance, Store<()>) {
    let engine = Engine::default();
    let module = Module::new(&engine, WAT).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    (store, instance, Store::new(&engine, ()))
}

fn assert_wrong_store<T: std::fmt::Debug>(r: Result<T>, kind: &str) {
    let err = r.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Type(_)), "{err}");
    assert_eq!(
        err.to_string(),
        format!("type mismatch: {kind} used with a store that did not create it")
    );
}

fn assert_panics<T>(f: impl FnOnce() -> T, kind: &str) {
    let payload = match catch_unwind(AssertUnwindSafe(f)) {
        Ok(_) => panic!("expected a panic for a {kind} of another store"),
        Err(payload) => payload,
    };
    let msg = payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default();
    assert_eq!(msg, format!("{kind} used with a store that did not create it"));
}

#[test]
fn func_from_another_store() {
    let (store, instance, mut other) = two_stores();
    let id = instance.get_func(&store, "id").unwrap();
    let mut results = [Val::ExternRef(None)];
    assert_wrong_store(id.call(&mut other, &[Val::ExternRef(None)], &mut results), "Func");
    assert_wrong_store(id.typed::<Option<ExternRef>, Option<ExternRef>>(&other), "Func");
    let typed = id.typed::<Option<ExternRef>, Option<ExternRef>>(&store).unwrap();
    assert_wrong_store(typed.call(&mut other, None), "Func");
    assert_panics(|| id.ty(&other), "Func");
    // As a value: an argument, a table element, an import, a definition.
    let host = Func::wrap(&mut other, || {});
    let table = instance.get_table(&store, "table").unwrap();
    let mut store = store;
    assert_wrong_store(table.set(&mut store, 0, Val::FuncRef(Some(host))), "Func");
    let engine = store.engine().clone();
    let importer = Module::new(&engine, r#"(module (import "" "f" (func)))"#).unwrap();
    assert_wrong_store(Instance::new(&mut store, &importer, &[host.into()]), "Func");
    let mut linker = Linker::new(&engine);
    assert_wrong_store(linker.define(&store, "", "f", host).map(|_| ()), "Func");
}

#[test]
fn memory_from_another_store() {
    let (store, instance, mut other) = two_stores();
    let memory = instance.get_memory(&store, "memory").unwrap();
    assert_wrong_store(memory.grow(&mut other, 1), "Memory");
    assert_panics(|| memory.ty(&other), "Memory");
    assert_panics(|| memory.size(&other), "Memory");
    assert_panics(|| memory.data_size(&other), "Memory");
    assert_panics(|| memory.data(&other).len(), "Memory");
    assert_panics(|| memory.data_mut(&mut other).len(), "Memory");
    assert_panics(|| memory.read(&other, 0, &mut [0; 4]), "Memory");
    assert_panics(|| memory.write(&mut other, 0, &[1; 4]), "Memory");
    // The memory is untouched.
    assert_eq!(memory.size(&store), 1);
    assert_eq!(memory.data(&store)[..4], [0; 4]);
}

#[test]
fn table_from_another_store() {
    let (store, instance, mut other) = two_stores();
    let table = instance.get_table(&store, "table").unwrap();
    assert_wrong_store(table.set(&mut other, 0, Val::FuncRef(None)), "Table");
    assert_wrong_store(table.grow(&mut other, 1, Val::FuncRef(None)), "Table");
    assert_panics(|| table.ty(&other), "Table");
    assert_panics(|| table.size(&other), "Table");
    assert_panics(|| table.get(&other, 0), "Table");
    assert_eq!(table.size(&store), 1);
}

#[test]
fn global_from_another_store() {
    let (store, instance, mut other) = two_stores();
    let global = instance.get_global(&store, "global").unwrap();
    assert_wrong_store(global.set(&mut other, Val::I32(1)), "Global");
    assert_panics(|| global.ty(&other), "Global");
    assert_panics(|| global.get(&other), "Global");
    assert_eq!(global.get(&store).i32(), Some(7));
}

#[test]
fn instance_from_another_store() {
    let (_store, instance, other) = two_stores();
    assert_wrong_store(instance.get_typed_func::<(), ()>(&other, "id"), "Instance");
    assert_panics(|| instance.get_export(&other, "memory"), "Instance");
    assert_panics(|| instance.get_func(&other, "id"), "Instance");
    assert_panics(|| instance.exports(&other), "Instance");
}

#[test]
fn extern_ref_from_another_store() {
    let (mut store, instance, mut other) = two_stores();
    let foreign = ExternRef::new(&mut other, 5u32);
    let id = instance.get_func(&store, "id").unwrap();
    let mut results = [Val::ExternRef(None)];
    let args = [Val::ExternRef(Some(foreign))];
    assert_wrong_store(id.call(&mut store, &args, &mut results), "ExternRef");
    let typed = id.typed::<Option<ExternRef>, Option<ExternRef>>(&store).unwrap();
    assert_wrong_store(typed.call(&mut store, Some(foreign)), "ExternRef");
    assert_panics(|| foreign.data(&store).type_id(), "ExternRef");
    assert_eq!(foreign.data(&other).downcast_ref::<u32>(), Some(&5));
}
