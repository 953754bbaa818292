//! The generators and the value comparison on inputs chosen by hand.

use arbitrary::Unstructured;
use wisp_fuzzing::generators;
use wisp_fuzzing::values::DiffValue;

/// Inputs of zeros: every arbitrary choice at its minimum.
#[test]
fn inputs_of_zeros_generate_modules() {
    for len in [0, 1, 16, 100, 1000] {
        let data = vec![0u8; len];
        let mut u = Unstructured::new(&data);
        let config = generators::differential_config(&mut u).unwrap();
        generators::module(&mut u, config).unwrap();
        let mut u = Unstructured::new(&data);
        let config = generators::instantiate_config(&mut u).unwrap();
        generators::module(&mut u, config).unwrap();
        let mut u = Unstructured::new(&data);
        let config = generators::invalid_funcs_config(&mut u).unwrap();
        generators::module(&mut u, config).unwrap();
    }
}

/// A fuzz input whose arbitrary configuration allows no functions: the
/// differential configuration asks for at least one, and must raise the
/// maximum with it (wasm-smith asserts `max >= min`).
#[test]
fn a_configuration_allowing_no_functions_still_generates() {
    let data = include_bytes!("inputs/differential-no-functions-allowed.bin");
    let mut u = Unstructured::new(data);
    let config = generators::differential_config(&mut u).unwrap();
    assert!(config.max_funcs >= config.min_funcs);
    generators::module(&mut u, config).unwrap();
}

#[test]
fn nans_agree_whatever_their_payload() {
    let quiet = DiffValue::F32(0x7fc0_0000);
    let negative_payload = DiffValue::F32(0xffc0_1234);
    assert!(quiet.agrees_with(&negative_payload));
    assert!(!quiet.agrees_with(&DiffValue::F32(0x7f80_0000)), "NaN is not infinity");
    assert!(DiffValue::F64(0x7ff8_0000_0000_0000).agrees_with(&DiffValue::F64(u64::MAX)));
    assert!(!DiffValue::F32(0).agrees_with(&DiffValue::F32(0x8000_0000)), "+0 is not -0");

    // v128: lanes compare as f32x4 or as f64x2.
    let f32_lanes = |l: [u32; 4]| {
        DiffValue::V128(l.iter().rev().fold(0u128, |acc, &x| (acc << 32) | u128::from(x)))
    };
    let a = f32_lanes([0x7fc0_0000, 1, 2, 0xffc0_0001]);
    let b = f32_lanes([0x7fc0_0abc, 1, 2, 0x7fc0_0000]);
    assert!(a.agrees_with(&b));
    assert!(!a.agrees_with(&f32_lanes([0x7fc0_0000, 1, 3, 0xffc0_0001])));
    let f64_lanes = |hi: u64, lo: u64| DiffValue::V128((u128::from(hi) << 64) | u128::from(lo));
    assert!(f64_lanes(0x7ff8_0000_0000_0001, 5).agrees_with(&f64_lanes(0xfff8_0000_0000_0000, 5)));
    assert!(!f64_lanes(0, 5).agrees_with(&f64_lanes(0, 6)));
    assert!(!DiffValue::I32(0).agrees_with(&DiffValue::F32(0)), "types differ");
}
