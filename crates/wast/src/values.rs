//! Converting script values to Wisp values and matching results.

use wast::core::{NanPattern, V128Pattern, WastArgCore, WastRetCore};
use wast::{WastArg, WastRet};
use wisp::{ExternRef, Store, Val};

/// The value a script argument denotes.
pub(crate) fn arg(store: &mut Store<()>, a: &WastArg<'_>) -> Result<Val, String> {
    let WastArg::Core(a) = a else {
        return Err("component-model values are not supported".into());
    };
    Ok(match a {
        WastArgCore::I32(v) => Val::I32(*v),
        WastArgCore::I64(v) => Val::I64(*v),
        WastArgCore::F32(v) => Val::F32(v.bits),
        WastArgCore::F64(v) => Val::F64(v.bits),
        WastArgCore::V128(v) => Val::V128(u128::from_le_bytes(v.to_le_bytes())),
        WastArgCore::RefNull(h) => match h {
            wast::core::HeapType::Abstract { ty: wast::core::AbstractHeapType::Extern, .. }
            | wast::core::HeapType::Abstract {
                ty: wast::core::AbstractHeapType::NoExtern, ..
            } => Val::ExternRef(None),
            _ => Val::FuncRef(None),
        },
        WastArgCore::RefExtern(n) => Val::ExternRef(Some(ExternRef::new(store, *n))),
        WastArgCore::RefHost(_) => return Err("host references are not supported".into()),
    })
}

fn f32_matches(p: &NanPattern<wast::token::F32>, bits: u32) -> bool {
    match p {
        NanPattern::CanonicalNan => bits & 0x7fff_ffff == 0x7fc0_0000,
        NanPattern::ArithmeticNan => bits & 0x7fc0_0000 == 0x7fc0_0000,
        NanPattern::Value(v) => v.bits == bits,
    }
}

fn f64_matches(p: &NanPattern<wast::token::F64>, bits: u64) -> bool {
    match p {
        NanPattern::CanonicalNan => bits & 0x7fff_ffff_ffff_ffff == 0x7ff8_0000_0000_0000,
        NanPattern::ArithmeticNan => bits & 0x7ff8_0000_0000_0000 == 0x7ff8_0000_0000_0000,
        NanPattern::Value(v) => v.bits == bits,
    }
}

fn lanes<const N: usize>(v: u128) -> [u128; N] {
    let width = 128 / N;
    let mask = if width == 128 { u128::MAX } else { (1u128 << width) - 1 };
    std::array::from_fn(|i| (v >> (i * width)) & mask)
}

fn v128_matches(p: &V128Pattern, v: u128) -> bool {
    match p {
        V128Pattern::I8x16(e) => lanes::<16>(v).iter().zip(e).all(|(a, b)| *a as u8 == *b as u8),
        V128Pattern::I16x8(e) => lanes::<8>(v).iter().zip(e).all(|(a, b)| *a as u16 == *b as u16),
        V128Pattern::I32x4(e) => lanes::<4>(v).iter().zip(e).all(|(a, b)| *a as u32 == *b as u32),
        V128Pattern::I64x2(e) => lanes::<2>(v).iter().zip(e).all(|(a, b)| *a as u64 == *b as u64),
        V128Pattern::F32x4(e) => {
            lanes::<4>(v).iter().zip(e).all(|(a, p)| f32_matches(p, *a as u32))
        }
        V128Pattern::F64x2(e) => {
            lanes::<2>(v).iter().zip(e).all(|(a, p)| f64_matches(p, *a as u64))
        }
    }
}

/// Whether `actual` matches the expected result.
pub(crate) fn matches(store: &Store<()>, expected: &WastRet<'_>, actual: &Val) -> bool {
    let WastRet::Core(expected) = expected else {
        return false;
    };
    ret_matches(store, expected, actual)
}

fn ret_matches(store: &Store<()>, expected: &WastRetCore<'_>, actual: &Val) -> bool {
    match (expected, actual) {
        (WastRetCore::I32(e), Val::I32(a)) => e == a,
        (WastRetCore::I64(e), Val::I64(a)) => e == a,
        (WastRetCore::F32(p), Val::F32(a)) => f32_matches(p, *a),
        (WastRetCore::F64(p), Val::F64(a)) => f64_matches(p, *a),
        (WastRetCore::V128(p), Val::V128(a)) => v128_matches(p, *a),
        (WastRetCore::RefNull(_), Val::FuncRef(None) | Val::ExternRef(None)) => true,
        (WastRetCore::RefFunc(_), Val::FuncRef(Some(_))) => true,
        (WastRetCore::RefExtern(None), Val::ExternRef(Some(_))) => true,
        (WastRetCore::RefExtern(Some(n)), Val::ExternRef(Some(r))) => {
            r.data(store).downcast_ref::<u32>() == Some(n)
        }
        (WastRetCore::Either(alts), a) => alts.iter().any(|e| ret_matches(store, e, a)),
        _ => false,
    }
}

/// The expected result as the script writes it.
pub(crate) fn show(expected: &WastRet<'_>) -> String {
    match expected {
        WastRet::Core(r) => show_core(r),
        _ => "a component value".into(),
    }
}

fn show_core(r: &WastRetCore<'_>) -> String {
    let nan_f32 = |p: &NanPattern<wast::token::F32>| match p {
        NanPattern::CanonicalNan => "nan:canonical".to_string(),
        NanPattern::ArithmeticNan => "nan:arithmetic".to_string(),
        NanPattern::Value(v) => f32::from_bits(v.bits).to_string(),
    };
    let nan_f64 = |p: &NanPattern<wast::token::F64>| match p {
        NanPattern::CanonicalNan => "nan:canonical".to_string(),
        NanPattern::ArithmeticNan => "nan:arithmetic".to_string(),
        NanPattern::Value(v) => f64::from_bits(v.bits).to_string(),
    };
    match r {
        WastRetCore::I32(v) => format!("i32 {v}"),
        WastRetCore::I64(v) => format!("i64 {v}"),
        WastRetCore::F32(p) => format!("f32 {}", nan_f32(p)),
        WastRetCore::F64(p) => format!("f64 {}", nan_f64(p)),
        WastRetCore::V128(p) => match p {
            V128Pattern::F32x4(l) => format!("f32x4 {:?}", l.each_ref().map(nan_f32)),
            V128Pattern::F64x2(l) => format!("f64x2 {:?}", l.each_ref().map(nan_f64)),
            V128Pattern::I8x16(l) => format!("i8x16 {l:?}"),
            V128Pattern::I16x8(l) => format!("i16x8 {l:?}"),
            V128Pattern::I32x4(l) => format!("i32x4 {l:?}"),
            V128Pattern::I64x2(l) => format!("i64x2 {l:?}"),
        },
        WastRetCore::RefNull(_) => "ref.null".into(),
        WastRetCore::RefFunc(_) => "ref.func".into(),
        WastRetCore::RefExtern(Some(n)) => format!("ref.extern {n}"),
        WastRetCore::RefExtern(None) => "ref.extern".into(),
        WastRetCore::Either(alts) => {
            format!("either({})", alts.iter().map(show_core).collect::<Vec<_>>().join(", "))
        }
        other => format!("{other:?}"),
    }
}
