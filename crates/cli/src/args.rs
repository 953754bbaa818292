//! How Wasm values are spelled on the command line: parsing the arguments of
//! `--invoke` by their parameter types.
//!
//! Results are printed with `Val`'s `Display`, which already matches this
//! syntax (integers signed, floats as Rust prints them, v128 as 0x-hex,
//! null references as `null`).

use wisp::{RefType, Val, ValType};

/// Parses `text` as a value of type `ty`.
pub fn parse_val(text: &str, ty: ValType) -> Result<Val, String> {
    let parsed = match ty {
        ValType::I32 => parse_int(text, 32).map(|v| Val::I32(v as u32 as i32)),
        ValType::I64 => parse_int(text, 64).map(|v| Val::I64(v as i64)),
        ValType::F32 => text.parse::<f32>().ok().map(Val::from),
        ValType::F64 => text.parse::<f64>().ok().map(Val::from),
        ValType::V128 => parse_v128(text).map(Val::V128),
        ValType::Ref(RefType::FuncRef) => (text == "null").then_some(Val::FuncRef(None)),
        ValType::Ref(RefType::ExternRef) => (text == "null").then_some(Val::ExternRef(None)),
    };
    parsed.ok_or_else(|| format!("`{text}` is not a valid {ty}: expected {}", syntax(ty)))
}

/// The accepted spelling of each type, for error messages.
fn syntax(ty: ValType) -> &'static str {
    match ty {
        ValType::I32 => "a decimal or 0x-hex integer that fits in 32 bits",
        ValType::I64 => "a decimal or 0x-hex integer that fits in 64 bits",
        ValType::F32 | ValType::F64 => "a decimal number, `inf`, `-inf` or `nan`",
        ValType::V128 => "0x followed by up to 32 hex digits",
        ValType::Ref(_) => "`null` (the only reference the command line can make)",
    }
}

/// An integer of `bits` bits, as its two's-complement bit pattern. Accepts
/// an optional sign, then decimal or `0x` hex digits; both the signed and
/// the unsigned range are allowed, as in the text format.
fn parse_int(text: &str, bits: u32) -> Option<u64> {
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let magnitude = match unsigned.strip_prefix("0x").or_else(|| unsigned.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(digits(hex, 16)?, 16).ok()?,
        None => digits(unsigned, 10)?.parse::<u64>().ok()?,
    };
    let unsigned_max = u64::MAX >> (64 - bits);
    if negative {
        (magnitude <= 1 << (bits - 1)).then(|| magnitude.wrapping_neg() & unsigned_max)
    } else {
        (magnitude <= unsigned_max).then_some(magnitude)
    }
}

fn parse_v128(text: &str) -> Option<u128> {
    let hex = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X"))?;
    u128::from_str_radix(digits(hex, 16)?, 16).ok()
}

/// `s` if it is a non-empty run of digits of `radix` (Rust's own integer
/// parsing would also take a sign, which must not appear here).
fn digits(s: &str, radix: u32) -> Option<&str> {
    (!s.is_empty() && s.chars().all(|c| c.is_digit(radix))).then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(text: &str, ty: ValType) -> String {
        parse_val(text, ty).map(|v| v.to_string()).unwrap_or_else(|e| e)
    }

    #[test]
    fn integers_take_decimal_negative_and_hex() {
        assert_eq!(shown("42", ValType::I32), "42");
        assert_eq!(shown("-7", ValType::I32), "-7");
        assert_eq!(shown("0xff", ValType::I32), "255");
        assert_eq!(shown("0xffffffff", ValType::I32), "-1");
        assert_eq!(shown("4294967295", ValType::I32), "-1");
        assert_eq!(shown("-2147483648", ValType::I32), "-2147483648");
        assert_eq!(shown("-0x8000000000000000", ValType::I64), "-9223372036854775808");
        assert_eq!(shown("18446744073709551615", ValType::I64), "-1");
    }

    #[test]
    fn integers_out_of_range_or_malformed_are_rejected() {
        for text in ["4294967296", "-2147483649", "", "-", "0x", "1.5", "+-1", "0x+1", "ten"] {
            let err = parse_val(text, ValType::I32).unwrap_err();
            assert!(err.contains("is not a valid i32"), "{text}: {err}");
        }
        assert!(parse_val("18446744073709551616", ValType::I64).is_err());
    }

    #[test]
    fn floats_take_decimal_infinities_and_nan() {
        assert_eq!(shown("1.5", ValType::F32), "1.5");
        assert_eq!(shown("-0.25", ValType::F64), "-0.25");
        assert_eq!(shown("inf", ValType::F64), "inf");
        assert_eq!(shown("-inf", ValType::F32), "-inf");
        assert_eq!(shown("nan", ValType::F64), "NaN");
        assert!(parse_val("one", ValType::F64).is_err());
    }

    #[test]
    fn vectors_take_hex() {
        assert_eq!(shown("0x1", ValType::V128), "0x00000000000000000000000000000001");
        let all = format!("0x{}", "f".repeat(32));
        assert_eq!(shown(&all, ValType::V128), all);
        assert!(parse_val(&format!("0x{}", "f".repeat(33)), ValType::V128).is_err());
        assert!(parse_val("1", ValType::V128).is_err());
    }

    #[test]
    fn references_take_only_null() {
        assert_eq!(shown("null", ValType::FUNCREF), "null");
        assert_eq!(shown("null", ValType::EXTERNREF), "null");
        let err = parse_val("0", ValType::FUNCREF).unwrap_err();
        assert!(err.contains("`null`"), "{err}");
    }
}
