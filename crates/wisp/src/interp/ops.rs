//! Scalar semantics that are more than one Rust operator.

use crate::Trap;

pub(crate) fn i32_div_s(a: i32, b: i32) -> Result<i32, Trap> {
    if b == 0 {
        Err(Trap::IntegerDivisionByZero)
    } else if a == i32::MIN && b == -1 {
        Err(Trap::IntegerOverflow)
    } else {
        Ok(a / b)
    }
}

pub(crate) fn i32_div_u(a: u32, b: u32) -> Result<u32, Trap> {
    a.checked_div(b).ok_or(Trap::IntegerDivisionByZero)
}

pub(crate) fn i32_rem_s(a: i32, b: i32) -> Result<i32, Trap> {
    if b == 0 { Err(Trap::IntegerDivisionByZero) } else { Ok(a.wrapping_rem(b)) }
}

pub(crate) fn i32_rem_u(a: u32, b: u32) -> Result<u32, Trap> {
    a.checked_rem(b).ok_or(Trap::IntegerDivisionByZero)
}

pub(crate) fn i64_div_s(a: i64, b: i64) -> Result<i64, Trap> {
    if b == 0 {
        Err(Trap::IntegerDivisionByZero)
    } else if a == i64::MIN && b == -1 {
        Err(Trap::IntegerOverflow)
    } else {
        Ok(a / b)
    }
}

pub(crate) fn i64_div_u(a: u64, b: u64) -> Result<u64, Trap> {
    a.checked_div(b).ok_or(Trap::IntegerDivisionByZero)
}

pub(crate) fn i64_rem_s(a: i64, b: i64) -> Result<i64, Trap> {
    if b == 0 { Err(Trap::IntegerDivisionByZero) } else { Ok(a.wrapping_rem(b)) }
}

pub(crate) fn i64_rem_u(a: u64, b: u64) -> Result<u64, Trap> {
    a.checked_rem(b).ok_or(Trap::IntegerDivisionByZero)
}

/// Rounding operators must return a quiet NaN for a NaN input; the host's
/// rounding may pass a signalling NaN through unchanged.
#[inline(always)]
pub(crate) fn quiet_f32(x: f32) -> f32 {
    if x.is_nan() { f32::from_bits(x.to_bits() | 0x0040_0000) } else { x }
}

/// See [`quiet_f32`].
#[inline(always)]
pub(crate) fn quiet_f64(x: f64) -> f64 {
    if x.is_nan() { f64::from_bits(x.to_bits() | 0x0008_0000_0000_0000) } else { x }
}

macro_rules! float_minmax {
    ($min:ident, $max:ident, $t:ty) => {
        pub(crate) fn $min(a: $t, b: $t) -> $t {
            if a.is_nan() || b.is_nan() {
                a + b
            } else if a == 0.0 && b == 0.0 {
                if a.is_sign_negative() { a } else { b }
            } else {
                a.min(b)
            }
        }

        pub(crate) fn $max(a: $t, b: $t) -> $t {
            if a.is_nan() || b.is_nan() {
                a + b
            } else if a == 0.0 && b == 0.0 {
                if a.is_sign_positive() { a } else { b }
            } else {
                a.max(b)
            }
        }
    };
}

float_minmax!(f32_min, f32_max, f32);
float_minmax!(f64_min, f64_max, f64);

/// Float to integer conversion that traps on NaN and out-of-range values.
/// The bounds are the exclusive limits of the integer type as floats.
macro_rules! trunc {
    ($name:ident, $f:ty, $i:ty, $lo:expr, $hi:expr) => {
        pub(crate) fn $name(x: $f) -> Result<$i, Trap> {
            if x.is_nan() {
                Err(Trap::BadConversionToInteger)
            } else if x > $lo && x < $hi {
                Ok(x as $i)
            } else {
                Err(Trap::IntegerOverflow)
            }
        }
    };
}

trunc!(i32_trunc_f32_s, f32, i32, -2147483904.0f32, 2147483648.0f32);
trunc!(i32_trunc_f32_u, f32, u32, -1.0f32, 4294967296.0f32);
trunc!(i32_trunc_f64_s, f64, i32, -2147483649.0f64, 2147483648.0f64);
trunc!(i32_trunc_f64_u, f64, u32, -1.0f64, 4294967296.0f64);
trunc!(i64_trunc_f32_s, f32, i64, -9223373136366403584.0f32, 9223372036854775808.0f32);
trunc!(i64_trunc_f32_u, f32, u64, -1.0f32, 18446744073709551616.0f32);
trunc!(i64_trunc_f64_s, f64, i64, -9223372036854777856.0f64, 9223372036854775808.0f64);
trunc!(i64_trunc_f64_u, f64, u64, -1.0f64, 18446744073709551616.0f64);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trunc_bounds() {
        assert_eq!(i32_trunc_f32_s(-2147483648.0), Ok(i32::MIN));
        assert_eq!(i32_trunc_f32_s(2147483648.0), Err(Trap::IntegerOverflow));
        assert_eq!(i32_trunc_f64_s(-2147483648.9), Ok(i32::MIN));
        assert_eq!(i32_trunc_f64_u(-0.9), Ok(0));
        assert_eq!(i64_trunc_f64_u(f64::NAN), Err(Trap::BadConversionToInteger));
        assert_eq!(i64_trunc_f32_s(-9223372036854775808.0), Ok(i64::MIN));
    }

    #[test]
    fn min_max_zero_signs() {
        assert!(f32_min(0.0, -0.0).is_sign_negative());
        assert!(f64_max(-0.0, 0.0).is_sign_positive());
        assert!(f64_min(1.0, f64::NAN).is_nan());
    }

    #[test]
    fn division_traps() {
        assert_eq!(i32_div_s(i32::MIN, -1), Err(Trap::IntegerOverflow));
        assert_eq!(i32_rem_s(i32::MIN, -1), Ok(0));
        assert_eq!(i64_div_u(1, 0), Err(Trap::IntegerDivisionByZero));
    }
}
