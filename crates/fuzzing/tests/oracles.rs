//! The differential oracle on modules written by hand: it agrees where the
//! engines must agree, maps traps between them, and gives up on limits.

use arbitrary::Unstructured;
use wisp_fuzzing::engines::{EngineKind, WasmiDefect, wasmi_known_defect};
use wisp_fuzzing::oracles::{self, Budget};
use wisp_fuzzing::values::{Exhaustion, Outcome};

fn run(wat: &str, input: &[u8]) -> oracles::DiffReport {
    let wasm = wat::parse_str(wat).unwrap();
    let mut u = Unstructured::new(input);
    oracles::differential(&wasm, &mut u, &Budget { fuel: 100_000, calls: 20 })
}

#[test]
fn engines_include_the_interpreter_and_wasmi() {
    let engines = EngineKind::available_engines();
    assert!(engines.contains(&EngineKind::WispInterpreter));
    assert!(engines.contains(&EngineKind::WispMetered));
    assert!(engines.contains(&EngineKind::Wasmi));
    // Metered engines run each step first.
    let first_unmetered = engines.iter().position(|e| !e.metered()).unwrap();
    assert!(engines[first_unmetered..].iter().all(|e| !e.metered()));
}

#[test]
fn traps_map_across_engines() {
    let report = run(
        r#"(module
             (type $t (func))
             (table 2 funcref)
             (memory 1 1)
             (global (export "g") (mut i32) (i32.const 0))
             (func (export "div") (param i32) (result i32)
               (global.set 0 (i32.add (global.get 0) (i32.const 1)))
               (i32.div_s (i32.const 7) (local.get 0)))
             (func (export "beyond_table") (call_indirect (type $t) (i32.const 9)))
             (func (export "null_entry") (call_indirect (type $t) (i32.const 1)))
             (func (export "oob") (result i32) (i32.load (i32.const 65535)))
             (func (export "unreachable") unreachable)
             (func (export "store") (i64.store (i32.const 8) (i64.const -1)))
             (func (export "nan") (result f32 v128)
               (f32.div (f32.const 0) (f32.const 0))
               (f32x4.div (v128.const f32x4 0 1 0 1) (v128.const f32x4 0 1 0 1))))"#,
        &[0; 64],
    );
    assert!(report.divergence.is_none(), "{report:?}");
    assert!(report.inconclusive.is_none(), "{report:?}");
    assert_eq!(report.calls, 7, "{report:?}");
}

#[test]
fn running_out_of_fuel_is_inconclusive() {
    let report = run(r#"(module (func (export "spin") (loop (br 0))))"#, &[]);
    assert!(report.divergence.is_none(), "{report:?}");
    let why = report.inconclusive.expect("inconclusive");
    assert!(why.contains("out of fuel"), "{why}");
}

#[test]
fn deep_recursion_is_inconclusive() {
    let report = run(
        r#"(module (func $f (export "f") (param i32) (result i32)
             (if (result i32) (local.get 0)
               (then (i32.add (i32.const 1) (call $f (i32.sub (local.get 0) (i32.const 1)))))
               (else (i32.const 0)))))"#,
        &[0, 0xff, 0xff, 0xff, 0x0f],
    );
    assert!(report.divergence.is_none(), "{report:?}");
}

#[test]
fn known_wasmi_defects_are_recognised() {
    let eqz_select = wat::parse_str(
        r#"(module (func (export "f") (param i32) (result i32)
             (select (i32.const 1) (i32.const 7) (i32.eqz (local.get 0)))))"#,
    )
    .unwrap();
    assert!(matches!(wasmi_known_defect(&eqz_select), Some(WasmiDefect::WrongResults(_))));
    // With a nonzero argument wasmi 2.0.0 returns 1; Wisp returns 7. The
    // oracle must not blame Wisp.
    let mut u = Unstructured::new(&[0, 5, 0, 0, 0]);
    let report = oracles::differential(&eqz_select, &mut u, &Budget::default());
    assert!(report.divergence.is_none(), "{report:?}");

    let store_lane = wat::parse_str(
        r#"(module (memory 1) (func (v128.store16_lane 0 (i32.const 0) (v128.const i64x2 0 0))))"#,
    )
    .unwrap();
    assert!(matches!(wasmi_known_defect(&store_lane), Some(WasmiDefect::Aborts(_))));
    let plain =
        wat::parse_str(r#"(module (func (export "f") (result i32) (i32.const 1)))"#).unwrap();
    assert_eq!(wasmi_known_defect(&plain), None);
}

/// Each engine alone runs a guest that never stops to the end of its fuel,
/// on a test thread's small stack (wasmi's default dispatch overflowed it
/// in test builds).
#[test]
fn every_metered_engine_runs_out_of_fuel_on_its_own() {
    let wasm = wat::parse_str(r#"(module (func (export "spin") (loop (br 0))))"#).unwrap();
    for engine in EngineKind::available_engines().into_iter().filter(|e| e.metered()) {
        let mut instance = engine.instantiate(&wasm, 100_000).unwrap_or_else(|o| panic!("{o:?}"));
        let outcome = instance.call("spin", &[], &[], 100_000);
        assert!(
            matches!(outcome, Outcome::Exhausted(Exhaustion::Fuel)),
            "{}: {outcome:?}",
            engine.name()
        );
    }
}
