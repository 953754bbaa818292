//! Memory-bounds matrix: every access width, at the edges of memory, with
//! small and huge static offsets, against a reference model.

use wisp::*;

/// (load instruction, store instruction, value type, width in bytes)
const ACCESSES: &[(&str, &str, &str, u64)] = &[
    ("i32.load8_u", "i32.store8", "i32", 1),
    ("i32.load16_u", "i32.store16", "i32", 2),
    ("i32.load", "i32.store", "i32", 4),
    ("i64.load8_u", "i64.store8", "i64", 1),
    ("i64.load16_u", "i64.store16", "i64", 2),
    ("i64.load32_u", "i64.store32", "i64", 4),
    ("i64.load", "i64.store", "i64", 8),
    ("f32.load", "f32.store", "f32", 4),
    ("f64.load", "f64.store", "f64", 8),
    ("v128.load", "v128.store", "v128", 16),
];

const OFFSETS: &[u64] = &[0, 1, 7, 65535, 65536, 0x7fff_ffff, 0xffff_ffff];

const PAGES: u64 = 2;

fn module_text() -> String {
    let mut funcs = String::new();
    for (i, (load, store, ty, _)) in ACCESSES.iter().enumerate() {
        for (j, offset) in OFFSETS.iter().enumerate() {
            funcs += &format!(
                "(func (export \"load_{i}_{j}\") (param i32) (drop ({load} offset={offset} (local.get 0))))\n\
                 (func (export \"store_{i}_{j}\") (param i32) ({store} offset={offset} (local.get 0) ({ty}.const {zero})))\n",
                zero = if *ty == "v128" { "i64x2 0 0" } else { "0" },
            );
        }
    }
    format!("(module (memory {PAGES}) {funcs})")
}

fn addresses(size: u64) -> Vec<u64> {
    vec![
        0,
        1,
        size - 16,
        size - 8,
        size - 4,
        size - 2,
        size - 1,
        size,
        size + 1,
        0xffff_fff0,
        0xffff_ffff,
    ]
}

/// The interpreter, and compiled code with and without memory
/// reservations (guard-page faults vs explicit checks).
fn engines() -> Vec<(&'static str, Engine)> {
    let mut compiled = Config::new();
    compiled.strategy(Strategy::Cranelift);
    let mut checked = compiled.clone();
    checked.memory_reservation(false);
    vec![
        ("interp", Engine::default()),
        ("cranelift", Engine::new(&compiled).unwrap()),
        ("cranelift-checked", Engine::new(&checked).unwrap()),
    ]
}

#[test]
fn every_width_at_every_edge_matches_the_model() {
    for (tier, engine) in engines() {
        every_width_at_every_edge(tier, &engine);
    }
}

fn every_width_at_every_edge(tier: &str, engine: &Engine) {
    let module = Module::new(engine, module_text()).unwrap();
    let mut store = Store::new(engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let size = PAGES * 65536;
    let mut checked = 0;
    for (i, (load, store_op, _, width)) in ACCESSES.iter().enumerate() {
        for (j, offset) in OFFSETS.iter().enumerate() {
            let ld = instance.get_typed_func::<i32, ()>(&store, &format!("load_{i}_{j}")).unwrap();
            let st = instance.get_typed_func::<i32, ()>(&store, &format!("store_{i}_{j}")).unwrap();
            for addr in addresses(size) {
                let in_bounds = addr + offset + width <= size;
                for (name, f) in [(load, ld), (store_op, st)] {
                    let result = f.call(&mut store, addr as u32 as i32);
                    match (in_bounds, result) {
                        (true, Ok(())) => {}
                        (false, Err(e)) if e.trap() == Some(Trap::MemoryOutOfBounds) => {}
                        (expected, got) => panic!(
                            "{tier}: {name} offset={offset} at {addr:#x}: in bounds = {expected}, got {got:?}"
                        ),
                    }
                    checked += 1;
                }
            }
        }
    }
    assert_eq!(checked, ACCESSES.len() * OFFSETS.len() * addresses(size).len() * 2);
}

#[test]
fn growing_moves_the_edge() {
    for (_, engine) in engines() {
        growing_moves_the_edge_in(&engine);
    }
}

fn growing_moves_the_edge_in(engine: &Engine) {
    let module = Module::new(
        engine,
        r#"(module (memory (export "m") 1)
             (func (export "peek") (param i32) (result i32) (i32.load (local.get 0))))"#,
    )
    .unwrap();
    let mut store = Store::new(engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    let peek = instance.get_typed_func::<i32, i32>(&store, "peek").unwrap();
    let memory = instance.get_memory(&store, "m").unwrap();
    assert!(peek.call(&mut store, 65536).is_err());
    memory.grow(&mut store, 1).unwrap();
    assert_eq!(peek.call(&mut store, 65536).unwrap(), 0);
    assert_eq!(peek.call(&mut store, 2 * 65536 - 4).unwrap(), 0);
    assert!(peek.call(&mut store, 2 * 65536 - 3).is_err());
}
