//! SIMD operators: the 128-bit SIMD proposal and relaxed SIMD.
//!
//! A `v128` is an `I8X16` on the operand stack, in locals, block parameters
//! and globals. Each operator bitcasts its operands to the lane type it
//! computes in and its result back to `I8X16`.
//!
//! Relaxed operators get the deterministic semantics the interpreter also
//! implements: each behaves like its non-relaxed counterpart where there is
//! one, `relaxed_madd`/`relaxed_nmadd` are fused, and the relaxed dot
//! products multiply signed by signed, adding pairs into `i16` lanes with
//! saturation.

use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::types::{
    F32, F32X4, F64, F64X2, I8, I8X16, I16, I16X8, I32, I32X4, I64X2,
};
use cranelift_codegen::ir::{InstBuilder, Type, Value};
use wasmparser::{MemArg, Operator};

use wisp_environ::Libcall;

use crate::CompileError;
use crate::func::{Translation, heap, little};

/// Translates `op` if it is a SIMD operator; returns whether it was.
pub(crate) fn translate(
    t: &mut Translation<'_, '_>,
    op: &Operator<'_>,
) -> Result<bool, CompileError> {
    Ok(memory(t, op)
        || lanes(t, op)
        || compare(t, op)
        || integer(t, op)
        || float(t, op)
        || relaxed(t, op))
}

/// Reinterprets vector `v` as `ty` (a no-op when it already is one).
fn cast(t: &mut Translation<'_, '_>, v: Value, ty: Type) -> Value {
    if t.b.func.dfg.value_type(v) == ty { v } else { t.b.ins().bitcast(ty, little(), v) }
}

fn pop_as(t: &mut Translation<'_, '_>, ty: Type) -> Value {
    let v = t.pop();
    cast(t, v, ty)
}

fn pop2_as(t: &mut Translation<'_, '_>, ty: Type) -> (Value, Value) {
    let b = pop_as(t, ty);
    let a = pop_as(t, ty);
    (a, b)
}

fn pop3_as(t: &mut Translation<'_, '_>, ty: Type) -> (Value, Value, Value) {
    let c = pop_as(t, ty);
    let (a, b) = pop2_as(t, ty);
    (a, b, c)
}

/// Pushes a vector result as a `v128`.
fn push_vec(t: &mut Translation<'_, '_>, v: Value) {
    let v = cast(t, v, I8X16);
    t.push(v);
}

fn zero(t: &mut Translation<'_, '_>, ty: Type) -> Value {
    let c = t.b.func.dfg.constants.insert(vec![0u8; 16].into());
    t.b.ins().vconst(ty, c)
}

/// The address of a `width`-byte access at the popped index.
fn address(t: &mut Translation<'_, '_>, memarg: &MemArg, width: u32) -> (Value, i32) {
    let index = t.pop();
    t.heap_addr(memarg, index, width)
}

/// Loads one lane of `ty` and splats it.
fn load_splat(t: &mut Translation<'_, '_>, memarg: &MemArg, ty: Type) {
    let lane = ty.lane_type();
    let (addr, off) = address(t, memarg, lane.bytes());
    let x = t.b.ins().load(lane, heap(), addr, off);
    let v = t.b.ins().splat(ty, x);
    push_vec(t, v);
}

/// Loads one lane of `ty` into lane 0, zeroing the others.
fn load_zero(t: &mut Translation<'_, '_>, memarg: &MemArg, ty: Type) {
    let lane = ty.lane_type();
    let (addr, off) = address(t, memarg, lane.bytes());
    let x = t.b.ins().load(lane, heap(), addr, off);
    let v = t.b.ins().scalar_to_vector(ty, x);
    push_vec(t, v);
}

fn load_lane(t: &mut Translation<'_, '_>, memarg: &MemArg, lane: u8, ty: Type) {
    let v = pop_as(t, ty);
    let lane_ty = ty.lane_type();
    let (addr, off) = address(t, memarg, lane_ty.bytes());
    let x = t.b.ins().load(lane_ty, heap(), addr, off);
    let v = t.b.ins().insertlane(v, x, lane);
    push_vec(t, v);
}

fn store_lane(t: &mut Translation<'_, '_>, memarg: &MemArg, lane: u8, ty: Type) {
    let v = pop_as(t, ty);
    let x = t.b.ins().extractlane(v, lane);
    let (addr, off) = address(t, memarg, ty.lane_type().bytes());
    t.b.ins().store(heap(), x, addr, off);
}

fn memory(t: &mut Translation<'_, '_>, op: &Operator<'_>) -> bool {
    use Operator as O;
    macro_rules! extending {
        ($memarg:expr, $m:ident) => {{
            let (addr, off) = address(t, $memarg, 8);
            let v = t.b.ins().$m(heap(), addr, off);
            push_vec(t, v);
        }};
    }
    match op {
        O::V128Load { memarg } => {
            let (addr, off) = address(t, memarg, 16);
            let v = t.b.ins().load(I8X16, heap(), addr, off);
            t.push(v);
        }
        O::V128Store { memarg } => {
            let v = pop_as(t, I8X16);
            let (addr, off) = address(t, memarg, 16);
            t.b.ins().store(heap(), v, addr, off);
        }
        O::V128Load8x8S { memarg } => extending!(memarg, sload8x8),
        O::V128Load8x8U { memarg } => extending!(memarg, uload8x8),
        O::V128Load16x4S { memarg } => extending!(memarg, sload16x4),
        O::V128Load16x4U { memarg } => extending!(memarg, uload16x4),
        O::V128Load32x2S { memarg } => extending!(memarg, sload32x2),
        O::V128Load32x2U { memarg } => extending!(memarg, uload32x2),
        O::V128Load8Splat { memarg } => load_splat(t, memarg, I8X16),
        O::V128Load16Splat { memarg } => load_splat(t, memarg, I16X8),
        O::V128Load32Splat { memarg } => load_splat(t, memarg, I32X4),
        O::V128Load64Splat { memarg } => load_splat(t, memarg, I64X2),
        O::V128Load32Zero { memarg } => load_zero(t, memarg, I32X4),
        O::V128Load64Zero { memarg } => load_zero(t, memarg, I64X2),
        O::V128Load8Lane { memarg, lane } => load_lane(t, memarg, *lane, I8X16),
        O::V128Load16Lane { memarg, lane } => load_lane(t, memarg, *lane, I16X8),
        O::V128Load32Lane { memarg, lane } => load_lane(t, memarg, *lane, I32X4),
        O::V128Load64Lane { memarg, lane } => load_lane(t, memarg, *lane, I64X2),
        O::V128Store8Lane { memarg, lane } => store_lane(t, memarg, *lane, I8X16),
        O::V128Store16Lane { memarg, lane } => store_lane(t, memarg, *lane, I16X8),
        O::V128Store32Lane { memarg, lane } => store_lane(t, memarg, *lane, I32X4),
        O::V128Store64Lane { memarg, lane } => store_lane(t, memarg, *lane, I64X2),
        _ => return false,
    }
    true
}

fn splat(t: &mut Translation<'_, '_>, ty: Type) {
    let x = t.pop();
    let x = if ty.lane_bits() < 32 { t.b.ins().ireduce(ty.lane_type(), x) } else { x };
    let v = t.b.ins().splat(ty, x);
    push_vec(t, v);
}

/// Extracts lane `lane` of `ty`; narrow integer lanes are extended to
/// `i32`, signed or not.
fn extract_lane(t: &mut Translation<'_, '_>, ty: Type, lane: u8, signed: bool) {
    let v = pop_as(t, ty);
    let x = t.b.ins().extractlane(v, lane);
    let x = match ty.lane_type() {
        I8 | I16 if signed => t.b.ins().sextend(I32, x),
        I8 | I16 => t.b.ins().uextend(I32, x),
        _ => x,
    };
    t.push(x);
}

fn replace_lane(t: &mut Translation<'_, '_>, ty: Type, lane: u8) {
    let x = t.pop();
    let v = pop_as(t, ty);
    let x = if ty.lane_bits() < 32 { t.b.ins().ireduce(ty.lane_type(), x) } else { x };
    let v = t.b.ins().insertlane(v, x, lane);
    push_vec(t, v);
}

/// Constants, lane moves, splats and the bitwise operators.
fn lanes(t: &mut Translation<'_, '_>, op: &Operator<'_>) -> bool {
    use Operator as O;
    match op {
        O::V128Const { value } => {
            let c = t.b.func.dfg.constants.insert(value.bytes().to_vec().into());
            let v = t.b.ins().vconst(I8X16, c);
            t.push(v);
        }
        O::I8x16Shuffle { lanes } => {
            let (a, b) = pop2_as(t, I8X16);
            let mask = t.b.func.dfg.immediates.push(lanes.to_vec().into());
            let v = t.b.ins().shuffle(a, b, mask);
            t.push(v);
        }
        // Out-of-range indices select zero, as Wasm's swizzle requires.
        O::I8x16Swizzle | O::I8x16RelaxedSwizzle => {
            let (a, b) = pop2_as(t, I8X16);
            let v = t.b.ins().swizzle(a, b);
            t.push(v);
        }
        O::I8x16Splat => splat(t, I8X16),
        O::I16x8Splat => splat(t, I16X8),
        O::I32x4Splat => splat(t, I32X4),
        O::I64x2Splat => splat(t, I64X2),
        O::F32x4Splat => splat(t, F32X4),
        O::F64x2Splat => splat(t, F64X2),
        O::I8x16ExtractLaneS { lane } => extract_lane(t, I8X16, *lane, true),
        O::I8x16ExtractLaneU { lane } => extract_lane(t, I8X16, *lane, false),
        O::I16x8ExtractLaneS { lane } => extract_lane(t, I16X8, *lane, true),
        O::I16x8ExtractLaneU { lane } => extract_lane(t, I16X8, *lane, false),
        O::I32x4ExtractLane { lane } => extract_lane(t, I32X4, *lane, false),
        O::I64x2ExtractLane { lane } => extract_lane(t, I64X2, *lane, false),
        O::F32x4ExtractLane { lane } => extract_lane(t, F32X4, *lane, false),
        O::F64x2ExtractLane { lane } => extract_lane(t, F64X2, *lane, false),
        O::I8x16ReplaceLane { lane } => replace_lane(t, I8X16, *lane),
        O::I16x8ReplaceLane { lane } => replace_lane(t, I16X8, *lane),
        O::I32x4ReplaceLane { lane } => replace_lane(t, I32X4, *lane),
        O::I64x2ReplaceLane { lane } => replace_lane(t, I64X2, *lane),
        O::F32x4ReplaceLane { lane } => replace_lane(t, F32X4, *lane),
        O::F64x2ReplaceLane { lane } => replace_lane(t, F64X2, *lane),

        O::V128Not => {
            let a = pop_as(t, I8X16);
            let v = t.b.ins().bnot(a);
            t.push(v);
        }
        O::V128And | O::V128AndNot | O::V128Or | O::V128Xor => {
            let (a, b) = pop2_as(t, I8X16);
            let v = match op {
                O::V128And => t.b.ins().band(a, b),
                O::V128AndNot => t.b.ins().band_not(a, b),
                O::V128Or => t.b.ins().bor(a, b),
                _ => t.b.ins().bxor(a, b),
            };
            t.push(v);
        }
        O::V128Bitselect
        | O::I8x16RelaxedLaneselect
        | O::I16x8RelaxedLaneselect
        | O::I32x4RelaxedLaneselect
        | O::I64x2RelaxedLaneselect => {
            let (a, b, mask) = pop3_as(t, I8X16);
            let v = t.b.ins().bitselect(mask, a, b);
            t.push(v);
        }
        O::V128AnyTrue => {
            let a = pop_as(t, I8X16);
            let c = t.b.ins().vany_true(a);
            let v = t.b.ins().uextend(I32, c);
            t.push(v);
        }
        _ => return false,
    }
    true
}

fn icmp(t: &mut Translation<'_, '_>, ty: Type, cc: IntCC) {
    let (a, b) = pop2_as(t, ty);
    let v = t.b.ins().icmp(cc, a, b);
    push_vec(t, v);
}

fn fcmp(t: &mut Translation<'_, '_>, ty: Type, cc: FloatCC) {
    let (a, b) = pop2_as(t, ty);
    let v = t.b.ins().fcmp(cc, a, b);
    push_vec(t, v);
}

/// Lane-wise comparisons, yielding all-ones or all-zeros lanes.
fn compare(t: &mut Translation<'_, '_>, op: &Operator<'_>) -> bool {
    use IntCC as I;
    use Operator as O;
    let (ty, cc) = match op {
        O::I8x16Eq => (I8X16, I::Equal),
        O::I8x16Ne => (I8X16, I::NotEqual),
        O::I8x16LtS => (I8X16, I::SignedLessThan),
        O::I8x16LtU => (I8X16, I::UnsignedLessThan),
        O::I8x16GtS => (I8X16, I::SignedGreaterThan),
        O::I8x16GtU => (I8X16, I::UnsignedGreaterThan),
        O::I8x16LeS => (I8X16, I::SignedLessThanOrEqual),
        O::I8x16LeU => (I8X16, I::UnsignedLessThanOrEqual),
        O::I8x16GeS => (I8X16, I::SignedGreaterThanOrEqual),
        O::I8x16GeU => (I8X16, I::UnsignedGreaterThanOrEqual),
        O::I16x8Eq => (I16X8, I::Equal),
        O::I16x8Ne => (I16X8, I::NotEqual),
        O::I16x8LtS => (I16X8, I::SignedLessThan),
        O::I16x8LtU => (I16X8, I::UnsignedLessThan),
        O::I16x8GtS => (I16X8, I::SignedGreaterThan),
        O::I16x8GtU => (I16X8, I::UnsignedGreaterThan),
        O::I16x8LeS => (I16X8, I::SignedLessThanOrEqual),
        O::I16x8LeU => (I16X8, I::UnsignedLessThanOrEqual),
        O::I16x8GeS => (I16X8, I::SignedGreaterThanOrEqual),
        O::I16x8GeU => (I16X8, I::UnsignedGreaterThanOrEqual),
        O::I32x4Eq => (I32X4, I::Equal),
        O::I32x4Ne => (I32X4, I::NotEqual),
        O::I32x4LtS => (I32X4, I::SignedLessThan),
        O::I32x4LtU => (I32X4, I::UnsignedLessThan),
        O::I32x4GtS => (I32X4, I::SignedGreaterThan),
        O::I32x4GtU => (I32X4, I::UnsignedGreaterThan),
        O::I32x4LeS => (I32X4, I::SignedLessThanOrEqual),
        O::I32x4LeU => (I32X4, I::UnsignedLessThanOrEqual),
        O::I32x4GeS => (I32X4, I::SignedGreaterThanOrEqual),
        O::I32x4GeU => (I32X4, I::UnsignedGreaterThanOrEqual),
        O::I64x2Eq => (I64X2, I::Equal),
        O::I64x2Ne => (I64X2, I::NotEqual),
        O::I64x2LtS => (I64X2, I::SignedLessThan),
        O::I64x2GtS => (I64X2, I::SignedGreaterThan),
        O::I64x2LeS => (I64X2, I::SignedLessThanOrEqual),
        O::I64x2GeS => (I64X2, I::SignedGreaterThanOrEqual),
        _ => return float_compare(t, op),
    };
    icmp(t, ty, cc);
    true
}

fn float_compare(t: &mut Translation<'_, '_>, op: &Operator<'_>) -> bool {
    use FloatCC as F;
    use Operator as O;
    let (ty, cc) = match op {
        O::F32x4Eq => (F32X4, F::Equal),
        O::F32x4Ne => (F32X4, F::NotEqual),
        O::F32x4Lt => (F32X4, F::LessThan),
        O::F32x4Gt => (F32X4, F::GreaterThan),
        O::F32x4Le => (F32X4, F::LessThanOrEqual),
        O::F32x4Ge => (F32X4, F::GreaterThanOrEqual),
        O::F64x2Eq => (F64X2, F::Equal),
        O::F64x2Ne => (F64X2, F::NotEqual),
        O::F64x2Lt => (F64X2, F::LessThan),
        O::F64x2Gt => (F64X2, F::GreaterThan),
        O::F64x2Le => (F64X2, F::LessThanOrEqual),
        O::F64x2Ge => (F64X2, F::GreaterThanOrEqual),
        _ => return false,
    };
    fcmp(t, ty, cc);
    true
}

/// `extmul`: lanes of one half of `a` and `b` (of type `ty`), widened and
/// multiplied.
fn extmul(t: &mut Translation<'_, '_>, ty: Type, high: bool, signed: bool) {
    let (a, b) = pop2_as(t, ty);
    let a = widen(t, a, high, signed);
    let b = widen(t, b, high, signed);
    let v = t.b.ins().imul(a, b);
    push_vec(t, v);
}

fn widen(t: &mut Translation<'_, '_>, v: Value, high: bool, signed: bool) -> Value {
    match (high, signed) {
        (false, true) => t.b.ins().swiden_low(v),
        (true, true) => t.b.ins().swiden_high(v),
        (false, false) => t.b.ins().uwiden_low(v),
        (true, false) => t.b.ins().uwiden_high(v),
    }
}

/// `extadd_pairwise`: adjacent lanes of `ty` widened and added.
fn extadd_pairwise(t: &mut Translation<'_, '_>, ty: Type, signed: bool) {
    let a = pop_as(t, ty);
    let lo = widen(t, a, false, signed);
    let hi = widen(t, a, true, signed);
    let v = t.b.ins().iadd_pairwise(lo, hi);
    push_vec(t, v);
}

/// A unary operator `$m` on lanes of `$ty`.
macro_rules! un {
    ($t:expr, $ty:expr, $m:ident) => {{
        let a = pop_as($t, $ty);
        let v = $t.b.ins().$m(a);
        push_vec($t, v);
    }};
}

/// A binary operator `$m` on lanes of `$ty`.
macro_rules! bin {
    ($t:expr, $ty:expr, $m:ident) => {{
        let (a, b) = pop2_as($t, $ty);
        let v = $t.b.ins().$m(a, b);
        push_vec($t, v);
    }};
}

/// Shifts by the popped count, which CLIF's shifts (like Wasm's) take
/// modulo the lane width.
macro_rules! shift {
    ($t:expr, $ty:expr, $m:ident) => {{
        let n = $t.pop();
        let a = pop_as($t, $ty);
        let v = $t.b.ins().$m(a, n);
        push_vec($t, v);
    }};
}

/// Integer lane arithmetic, narrowing and widening.
fn integer(t: &mut Translation<'_, '_>, op: &Operator<'_>) -> bool {
    use Operator as O;
    macro_rules! all_true {
        ($ty:expr) => {{
            let a = pop_as(t, $ty);
            let c = t.b.ins().vall_true(a);
            let v = t.b.ins().uextend(I32, c);
            t.push(v);
        }};
    }
    // Bit `i` of the mask is the sign of lane `i`.
    macro_rules! bitmask {
        ($ty:expr) => {{
            let a = pop_as(t, $ty);
            let v = t.b.ins().vhigh_bits(I32, a);
            t.push(v);
        }};
    }
    match op {
        O::I8x16Add => bin!(t, I8X16, iadd),
        O::I16x8Add => bin!(t, I16X8, iadd),
        O::I32x4Add => bin!(t, I32X4, iadd),
        O::I64x2Add => bin!(t, I64X2, iadd),
        O::I8x16Sub => bin!(t, I8X16, isub),
        O::I16x8Sub => bin!(t, I16X8, isub),
        O::I32x4Sub => bin!(t, I32X4, isub),
        O::I64x2Sub => bin!(t, I64X2, isub),
        O::I16x8Mul => bin!(t, I16X8, imul),
        O::I32x4Mul => bin!(t, I32X4, imul),
        O::I64x2Mul => bin!(t, I64X2, imul),
        O::I8x16AddSatS => bin!(t, I8X16, sadd_sat),
        O::I16x8AddSatS => bin!(t, I16X8, sadd_sat),
        O::I8x16AddSatU => bin!(t, I8X16, uadd_sat),
        O::I16x8AddSatU => bin!(t, I16X8, uadd_sat),
        O::I8x16SubSatS => bin!(t, I8X16, ssub_sat),
        O::I16x8SubSatS => bin!(t, I16X8, ssub_sat),
        O::I8x16SubSatU => bin!(t, I8X16, usub_sat),
        O::I16x8SubSatU => bin!(t, I16X8, usub_sat),
        O::I8x16MinS => bin!(t, I8X16, smin),
        O::I16x8MinS => bin!(t, I16X8, smin),
        O::I32x4MinS => bin!(t, I32X4, smin),
        O::I8x16MinU => bin!(t, I8X16, umin),
        O::I16x8MinU => bin!(t, I16X8, umin),
        O::I32x4MinU => bin!(t, I32X4, umin),
        O::I8x16MaxS => bin!(t, I8X16, smax),
        O::I16x8MaxS => bin!(t, I16X8, smax),
        O::I32x4MaxS => bin!(t, I32X4, smax),
        O::I8x16MaxU => bin!(t, I8X16, umax),
        O::I16x8MaxU => bin!(t, I16X8, umax),
        O::I32x4MaxU => bin!(t, I32X4, umax),
        O::I8x16AvgrU => bin!(t, I8X16, avg_round),
        O::I16x8AvgrU => bin!(t, I16X8, avg_round),
        // Saturates the one overflow, `-32768 * -32768`.
        O::I16x8Q15MulrSatS | O::I16x8RelaxedQ15mulrS => bin!(t, I16X8, sqmul_round_sat),
        O::I8x16Abs => un!(t, I8X16, iabs),
        O::I16x8Abs => un!(t, I16X8, iabs),
        O::I32x4Abs => un!(t, I32X4, iabs),
        O::I64x2Abs => un!(t, I64X2, iabs),
        O::I8x16Neg => un!(t, I8X16, ineg),
        O::I16x8Neg => un!(t, I16X8, ineg),
        O::I32x4Neg => un!(t, I32X4, ineg),
        O::I64x2Neg => un!(t, I64X2, ineg),
        O::I8x16Popcnt => un!(t, I8X16, popcnt),
        O::I8x16AllTrue => all_true!(I8X16),
        O::I16x8AllTrue => all_true!(I16X8),
        O::I32x4AllTrue => all_true!(I32X4),
        O::I64x2AllTrue => all_true!(I64X2),
        O::I8x16Bitmask => bitmask!(I8X16),
        O::I16x8Bitmask => bitmask!(I16X8),
        O::I32x4Bitmask => bitmask!(I32X4),
        O::I64x2Bitmask => bitmask!(I64X2),
        O::I8x16Shl => shift!(t, I8X16, ishl),
        O::I16x8Shl => shift!(t, I16X8, ishl),
        O::I32x4Shl => shift!(t, I32X4, ishl),
        O::I64x2Shl => shift!(t, I64X2, ishl),
        O::I8x16ShrS => shift!(t, I8X16, sshr),
        O::I16x8ShrS => shift!(t, I16X8, sshr),
        O::I32x4ShrS => shift!(t, I32X4, sshr),
        O::I64x2ShrS => shift!(t, I64X2, sshr),
        O::I8x16ShrU => shift!(t, I8X16, ushr),
        O::I16x8ShrU => shift!(t, I16X8, ushr),
        O::I32x4ShrU => shift!(t, I32X4, ushr),
        O::I64x2ShrU => shift!(t, I64X2, ushr),

        // Narrowing saturates signed inputs to the signed or unsigned range.
        O::I8x16NarrowI16x8S => narrow(t, I16X8, true),
        O::I8x16NarrowI16x8U => narrow(t, I16X8, false),
        O::I16x8NarrowI32x4S => narrow(t, I32X4, true),
        O::I16x8NarrowI32x4U => narrow(t, I32X4, false),
        O::I16x8ExtendLowI8x16S => extend(t, I8X16, false, true),
        O::I16x8ExtendHighI8x16S => extend(t, I8X16, true, true),
        O::I16x8ExtendLowI8x16U => extend(t, I8X16, false, false),
        O::I16x8ExtendHighI8x16U => extend(t, I8X16, true, false),
        O::I32x4ExtendLowI16x8S => extend(t, I16X8, false, true),
        O::I32x4ExtendHighI16x8S => extend(t, I16X8, true, true),
        O::I32x4ExtendLowI16x8U => extend(t, I16X8, false, false),
        O::I32x4ExtendHighI16x8U => extend(t, I16X8, true, false),
        O::I64x2ExtendLowI32x4S => extend(t, I32X4, false, true),
        O::I64x2ExtendHighI32x4S => extend(t, I32X4, true, true),
        O::I64x2ExtendLowI32x4U => extend(t, I32X4, false, false),
        O::I64x2ExtendHighI32x4U => extend(t, I32X4, true, false),
        O::I16x8ExtMulLowI8x16S => extmul(t, I8X16, false, true),
        O::I16x8ExtMulHighI8x16S => extmul(t, I8X16, true, true),
        O::I16x8ExtMulLowI8x16U => extmul(t, I8X16, false, false),
        O::I16x8ExtMulHighI8x16U => extmul(t, I8X16, true, false),
        O::I32x4ExtMulLowI16x8S => extmul(t, I16X8, false, true),
        O::I32x4ExtMulHighI16x8S => extmul(t, I16X8, true, true),
        O::I32x4ExtMulLowI16x8U => extmul(t, I16X8, false, false),
        O::I32x4ExtMulHighI16x8U => extmul(t, I16X8, true, false),
        O::I64x2ExtMulLowI32x4S => extmul(t, I32X4, false, true),
        O::I64x2ExtMulHighI32x4S => extmul(t, I32X4, true, true),
        O::I64x2ExtMulLowI32x4U => extmul(t, I32X4, false, false),
        O::I64x2ExtMulHighI32x4U => extmul(t, I32X4, true, false),
        O::I16x8ExtAddPairwiseI8x16S => extadd_pairwise(t, I8X16, true),
        O::I16x8ExtAddPairwiseI8x16U => extadd_pairwise(t, I8X16, false),
        O::I32x4ExtAddPairwiseI16x8S => extadd_pairwise(t, I16X8, true),
        O::I32x4ExtAddPairwiseI16x8U => extadd_pairwise(t, I16X8, false),
        // Products of `i16` lanes fit in `i32`; only their sum can wrap.
        O::I32x4DotI16x8S => {
            let (a, b) = pop2_as(t, I16X8);
            let lo = mul_widened(t, a, b, false);
            let hi = mul_widened(t, a, b, true);
            let v = t.b.ins().iadd_pairwise(lo, hi);
            push_vec(t, v);
        }
        _ => return false,
    }
    true
}

fn narrow(t: &mut Translation<'_, '_>, ty: Type, signed: bool) {
    let (a, b) = pop2_as(t, ty);
    let v = if signed { t.b.ins().snarrow(a, b) } else { t.b.ins().unarrow(a, b) };
    push_vec(t, v);
}

fn extend(t: &mut Translation<'_, '_>, ty: Type, high: bool, signed: bool) {
    let a = pop_as(t, ty);
    let v = widen(t, a, high, signed);
    push_vec(t, v);
}

/// Signed products of the low or high lanes of `a` and `b`, in lanes twice
/// as wide.
fn mul_widened(t: &mut Translation<'_, '_>, a: Value, b: Value, high: bool) -> Value {
    let a = widen(t, a, high, true);
    let b = widen(t, b, high, true);
    t.b.ins().imul(a, b)
}

/// Float lane arithmetic and the conversions.
fn float(t: &mut Translation<'_, '_>, op: &Operator<'_>) -> bool {
    use Operator as O;
    macro_rules! convert {
        ($from:expr, $m:ident, $to:expr) => {{
            let a = pop_as(t, $from);
            let v = t.b.ins().$m($to, a);
            push_vec(t, v);
        }};
    }
    match op {
        O::F32x4Add => bin!(t, F32X4, fadd),
        O::F64x2Add => bin!(t, F64X2, fadd),
        O::F32x4Sub => bin!(t, F32X4, fsub),
        O::F64x2Sub => bin!(t, F64X2, fsub),
        O::F32x4Mul => bin!(t, F32X4, fmul),
        O::F64x2Mul => bin!(t, F64X2, fmul),
        O::F32x4Div => bin!(t, F32X4, fdiv),
        O::F64x2Div => bin!(t, F64X2, fdiv),
        // NaN-propagating, with -0 below +0, as Wasm's `min`/`max`.
        O::F32x4Min | O::F32x4RelaxedMin => bin!(t, F32X4, fmin),
        O::F64x2Min | O::F64x2RelaxedMin => bin!(t, F64X2, fmin),
        O::F32x4Max | O::F32x4RelaxedMax => bin!(t, F32X4, fmax),
        O::F64x2Max | O::F64x2RelaxedMax => bin!(t, F64X2, fmax),
        O::F32x4PMin => pseudo_min_max(t, F32X4, false),
        O::F64x2PMin => pseudo_min_max(t, F64X2, false),
        O::F32x4PMax => pseudo_min_max(t, F32X4, true),
        O::F64x2PMax => pseudo_min_max(t, F64X2, true),
        O::F32x4Abs => un!(t, F32X4, fabs),
        O::F64x2Abs => un!(t, F64X2, fabs),
        O::F32x4Neg => un!(t, F32X4, fneg),
        O::F64x2Neg => un!(t, F64X2, fneg),
        O::F32x4Sqrt => un!(t, F32X4, sqrt),
        O::F64x2Sqrt => un!(t, F64X2, sqrt),
        O::F32x4Ceil => un!(t, F32X4, ceil),
        O::F64x2Ceil => un!(t, F64X2, ceil),
        O::F32x4Floor => un!(t, F32X4, floor),
        O::F64x2Floor => un!(t, F64X2, floor),
        O::F32x4Trunc => un!(t, F32X4, trunc),
        O::F64x2Trunc => un!(t, F64X2, trunc),
        O::F32x4Nearest => un!(t, F32X4, nearest),
        O::F64x2Nearest => un!(t, F64X2, nearest),

        O::F32x4ConvertI32x4S => convert!(I32X4, fcvt_from_sint, F32X4),
        O::F32x4ConvertI32x4U => convert!(I32X4, fcvt_from_uint, F32X4),
        O::I32x4TruncSatF32x4S | O::I32x4RelaxedTruncF32x4S => {
            convert!(F32X4, fcvt_to_sint_sat, I32X4)
        }
        O::I32x4TruncSatF32x4U | O::I32x4RelaxedTruncF32x4U => {
            convert!(F32X4, fcvt_to_uint_sat, I32X4)
        }
        O::F64x2ConvertLowI32x4S | O::F64x2ConvertLowI32x4U => {
            let signed = matches!(op, O::F64x2ConvertLowI32x4S);
            let a = pop_as(t, I32X4);
            let a = widen(t, a, false, signed);
            let v = if signed {
                t.b.ins().fcvt_from_sint(F64X2, a)
            } else {
                t.b.ins().fcvt_from_uint(F64X2, a)
            };
            push_vec(t, v);
        }
        // Converted to `i64` lanes, then narrowed with saturation into the
        // low half of an `i32x4` whose high half is zero.
        O::I32x4TruncSatF64x2SZero | O::I32x4RelaxedTruncF64x2SZero => {
            let a = pop_as(t, F64X2);
            let wide = t.b.ins().fcvt_to_sint_sat(I64X2, a);
            let z = zero(t, I64X2);
            let v = t.b.ins().snarrow(wide, z);
            push_vec(t, v);
        }
        O::I32x4TruncSatF64x2UZero | O::I32x4RelaxedTruncF64x2UZero => {
            let a = pop_as(t, F64X2);
            let wide = t.b.ins().fcvt_to_uint_sat(I64X2, a);
            let z = zero(t, I64X2);
            let v = t.b.ins().uunarrow(wide, z);
            push_vec(t, v);
        }
        O::F32x4DemoteF64x2Zero => {
            let a = pop_as(t, F64X2);
            let v = t.b.ins().fvdemote(a);
            push_vec(t, v);
        }
        O::F64x2PromoteLowF32x4 => {
            let a = pop_as(t, F32X4);
            let v = t.b.ins().fvpromote_low(a);
            push_vec(t, v);
        }
        _ => return false,
    }
    true
}

/// `pmin`/`pmax`: `b < a ? b : a` and `a < b ? b : a`, which never look at
/// NaN payloads or the sign of zeros beyond that comparison.
fn pseudo_min_max(t: &mut Translation<'_, '_>, ty: Type, max: bool) {
    let (a, b) = pop2_as(t, ty);
    let take_b = if max {
        t.b.ins().fcmp(FloatCC::LessThan, a, b)
    } else {
        t.b.ins().fcmp(FloatCC::LessThan, b, a)
    };
    let take_b = cast(t, take_b, ty);
    let v = t.b.ins().bitselect(take_b, b, a);
    push_vec(t, v);
}

/// The relaxed operators without a non-relaxed counterpart.
fn relaxed(t: &mut Translation<'_, '_>, op: &Operator<'_>) -> bool {
    use Operator as O;
    match op {
        O::F32x4RelaxedMadd => fused_multiply_add(t, F32X4, false),
        O::F64x2RelaxedMadd => fused_multiply_add(t, F64X2, false),
        O::F32x4RelaxedNmadd => fused_multiply_add(t, F32X4, true),
        O::F64x2RelaxedNmadd => fused_multiply_add(t, F64X2, true),
        O::I16x8RelaxedDotI8x16I7x16S => {
            let (a, b) = pop2_as(t, I8X16);
            let v = dot_i8x16(t, a, b);
            push_vec(t, v);
        }
        O::I32x4RelaxedDotI8x16I7x16AddS => {
            let c = pop_as(t, I32X4);
            let (a, b) = pop2_as(t, I8X16);
            let d = dot_i8x16(t, a, b);
            let lo = t.b.ins().swiden_low(d);
            let hi = t.b.ins().swiden_high(d);
            let sums = t.b.ins().iadd_pairwise(lo, hi);
            let v = t.b.ins().iadd(sums, c);
            push_vec(t, v);
        }
        _ => return false,
    }
    true
}

/// `a * b + c`, or `-(a * b) + c` when `negate`, rounded once.
fn fused_multiply_add(t: &mut Translation<'_, '_>, ty: Type, negate: bool) {
    let (a, b, c) = pop3_as(t, ty);
    let a = if negate { t.b.ins().fneg(a) } else { a };
    let v = if t.settings.native_fma {
        t.b.ins().fma(a, b, c)
    } else {
        // Without the instruction (x86-64 before Haswell, and the x86-64
        // baseline create-exe targets), Cranelift would call the C
        // library's `fma`, which compiled code cannot reach: each lane goes
        // through a libcall instead, so the result is still rounded once.
        let (lane, lc, lanes) =
            if ty == F32X4 { (F32, Libcall::FmaF32, 4) } else { (F64, Libcall::FmaF64, 2) };
        let mut v = c;
        for i in 0..lanes {
            let x = t.b.ins().extractlane(a, i);
            let y = t.b.ins().extractlane(b, i);
            let z = t.b.ins().extractlane(c, i);
            let r = t.libcall_returning(lc, &[x, y, z], Some(lane)).expect("a result");
            v = t.b.ins().insertlane(v, r, i);
        }
        v
    };
    push_vec(t, v);
}

/// Signed products of the `i8` lanes of `a` and `b`, adjacent pairs added
/// into `i16` lanes with saturation (the only overflow is
/// `-128 * -128 * 2`).
fn dot_i8x16(t: &mut Translation<'_, '_>, a: Value, b: Value) -> Value {
    let lo = mul_widened(t, a, b, false);
    let hi = mul_widened(t, a, b, true);
    let lo = cast(t, lo, I8X16);
    let hi = cast(t, hi, I8X16);
    // Product `k` is bytes `2k` and `2k + 1` of `lo` then `hi`: gather the
    // even and the odd products.
    let pick = |first: u8| -> [u8; 16] {
        std::array::from_fn(|i| {
            let i = i as u8;
            i / 2 * 4 + first + i % 2
        })
    };
    let even = t.b.func.dfg.immediates.push(pick(0).to_vec().into());
    let odd = t.b.func.dfg.immediates.push(pick(2).to_vec().into());
    let even = t.b.ins().shuffle(lo, hi, even);
    let odd = t.b.ins().shuffle(lo, hi, odd);
    let even = cast(t, even, I16X8);
    let odd = cast(t, odd, I16X8);
    t.b.ins().sadd_sat(even, odd)
}
