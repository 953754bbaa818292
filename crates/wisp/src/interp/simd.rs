//! Semantics of the WebAssembly 128-bit SIMD operators: the `simd` proposal
//! (part of Wasm 2.0) and the `relaxed-simd` proposal.
//!
//! A `v128` is a `u128` whose lane 0 sits in the lowest bits, i.e. the
//! `u128::from_le_bytes` of its 16 bytes in memory. Scalars travel as raw
//! `u64` bits: an `i32` or `f32` in the low 32 bits (zero-extended), an `i64`
//! or `f64` as all 64 bits.
//!
//! [`classify`] turns a decoded [`Operator`] into a [`SimdInstr`] once, when
//! the interpreter translates a function; [`unary`], [`binary`], [`ternary`]
//! and friends then compute results. Memory accesses stay with the caller: it
//! reads [`LoadOp::bytes`] bytes and hands them to [`load`], and writes what
//! [`store_lane`] returns.
//!
//! Float arithmetic that yields a NaN always yields a quiet one, carrying the
//! payload of a NaN operand when there is one, so a canonical NaN in gives a
//! canonical NaN out, as the spec requires. Bit-level operators (`abs`, `neg`,
//! `pmin`, `pmax`, bitwise ops, lane moves) never touch NaN bits.
//!
//! Lane indices are checked by validation; should an out-of-range one reach
//! these functions anyway it wraps around rather than panicking.
//!
//! Relaxed-simd operators are deterministic here: each behaves like its
//! non-relaxed counterpart where there is one (`relaxed_swizzle` is
//! `swizzle`, `relaxed_trunc*` is `trunc_sat*`, `relaxed_laneselect` is
//! `bitselect`, `relaxed_min/max` is `min/max`, `relaxed_q15mulr_s` is
//! `q15mulr_sat_s`), `relaxed_madd/nmadd` are fused, and the relaxed dot
//! products multiply signed by signed, adding pairs into `i16` with
//! saturation (the spec's deterministic profile).

use std::ops::{Add, Mul};

use wasmparser::{MemArgTarget, Operator};

// ---------------------------------------------------------------------------
// Instruction classification
// ---------------------------------------------------------------------------

/// One SIMD instruction classified by shape, with its immediates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SimdInstr {
    /// `v128.const`: pushes the value.
    Const(u128),
    /// `v128 -> v128`.
    Unary(UnOp),
    /// `v128, v128 -> v128`.
    Binary(BinOp),
    /// `v128, v128, v128 -> v128`.
    Ternary(TernOp),
    /// `v128, i32 -> v128`.
    Shift(ShiftOp),
    /// `scalar -> v128`.
    Splat(SplatOp),
    /// `v128 -> scalar`, with the lane index.
    ExtractLane(ExtractOp, u8),
    /// `v128, scalar -> v128`, with the lane index.
    ReplaceLane(ReplaceOp, u8),
    /// `v128 -> i32`.
    Test(TestOp),
    /// `i8x16.shuffle`: `v128, v128 -> v128`, with the 16 lane indices (0..32).
    Shuffle([u8; 16]),
    /// `i32 address -> v128`.
    Load(LoadOp, MemArg),
    /// `v128.store`: `i32 address, v128 -> ()`.
    Store(MemArg),
    /// `v128.loadN_lane`: `i32 address, v128 -> v128`, with the lane index.
    LoadLane(LaneWidth, MemArg, u8),
    /// `v128.storeN_lane`: `i32 address, v128 -> ()`, with the lane index.
    StoreLane(LaneWidth, MemArg, u8),
}

/// The memory immediate of a SIMD load or store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemArg {
    /// Static byte offset added to the dynamic address.
    pub offset: u64,
    /// Alignment hint, as a power of two exponent.
    pub align: u8,
    /// Index of the linear memory accessed.
    pub memory: u32,
}

/// Width of the lane accessed by `v128.loadN_lane` / `v128.storeN_lane`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LaneWidth {
    /// 8-bit lanes (16 of them).
    B8,
    /// 16-bit lanes (8 of them).
    B16,
    /// 32-bit lanes (4 of them).
    B32,
    /// 64-bit lanes (2 of them).
    B64,
}

impl LaneWidth {
    /// Number of bytes in one lane.
    pub fn bytes(self) -> usize {
        match self {
            LaneWidth::B8 => 1,
            LaneWidth::B16 => 2,
            LaneWidth::B32 => 4,
            LaneWidth::B64 => 8,
        }
    }

    fn bits(self) -> u32 {
        self.bytes() as u32 * 8
    }
}

/// Type of a scalar operand or result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarType {
    /// `i32`, in the low 32 bits of a `u64`.
    I32,
    /// `i64`.
    I64,
    /// `f32` bits, in the low 32 bits of a `u64`.
    F32,
    /// `f64` bits.
    F64,
}

/// Defines an operator enum whose variants are named exactly like the
/// [`Operator`] variants they stand for, with the mapping between them.
macro_rules! simd_ops {
    ($(#[$meta:meta])* $name:ident { $($v:ident),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name {
            $(#[doc = concat!("The `", stringify!($v), "` operator.")] $v,)*
        }

        impl $name {
            /// The operator of this kind that `op` is, if any.
            pub fn from_operator(op: &Operator<'_>) -> Option<Self> {
                match op {
                    $(Operator::$v => Some(Self::$v),)*
                    _ => None,
                }
            }
        }
    };
}

simd_ops! {
    /// Operators of type `v128 -> v128`.
    UnOp {
        V128Not,
        I8x16Abs, I8x16Neg, I8x16Popcnt,
        I16x8ExtAddPairwiseI8x16S, I16x8ExtAddPairwiseI8x16U, I16x8Abs, I16x8Neg,
        I16x8ExtendLowI8x16S, I16x8ExtendHighI8x16S, I16x8ExtendLowI8x16U, I16x8ExtendHighI8x16U,
        I32x4ExtAddPairwiseI16x8S, I32x4ExtAddPairwiseI16x8U, I32x4Abs, I32x4Neg,
        I32x4ExtendLowI16x8S, I32x4ExtendHighI16x8S, I32x4ExtendLowI16x8U, I32x4ExtendHighI16x8U,
        I64x2Abs, I64x2Neg,
        I64x2ExtendLowI32x4S, I64x2ExtendHighI32x4S, I64x2ExtendLowI32x4U, I64x2ExtendHighI32x4U,
        F32x4Ceil, F32x4Floor, F32x4Trunc, F32x4Nearest, F32x4Abs, F32x4Neg, F32x4Sqrt,
        F64x2Ceil, F64x2Floor, F64x2Trunc, F64x2Nearest, F64x2Abs, F64x2Neg, F64x2Sqrt,
        I32x4TruncSatF32x4S, I32x4TruncSatF32x4U, F32x4ConvertI32x4S, F32x4ConvertI32x4U,
        I32x4TruncSatF64x2SZero, I32x4TruncSatF64x2UZero,
        F64x2ConvertLowI32x4S, F64x2ConvertLowI32x4U,
        F32x4DemoteF64x2Zero, F64x2PromoteLowF32x4,
        I32x4RelaxedTruncF32x4S, I32x4RelaxedTruncF32x4U,
        I32x4RelaxedTruncF64x2SZero, I32x4RelaxedTruncF64x2UZero,
    }
}

simd_ops! {
    /// Operators of type `v128, v128 -> v128`.
    BinOp {
        V128And, V128AndNot, V128Or, V128Xor,
        I8x16Eq, I8x16Ne, I8x16LtS, I8x16LtU, I8x16GtS, I8x16GtU,
        I8x16LeS, I8x16LeU, I8x16GeS, I8x16GeU,
        I16x8Eq, I16x8Ne, I16x8LtS, I16x8LtU, I16x8GtS, I16x8GtU,
        I16x8LeS, I16x8LeU, I16x8GeS, I16x8GeU,
        I32x4Eq, I32x4Ne, I32x4LtS, I32x4LtU, I32x4GtS, I32x4GtU,
        I32x4LeS, I32x4LeU, I32x4GeS, I32x4GeU,
        I64x2Eq, I64x2Ne, I64x2LtS, I64x2GtS, I64x2LeS, I64x2GeS,
        F32x4Eq, F32x4Ne, F32x4Lt, F32x4Gt, F32x4Le, F32x4Ge,
        F64x2Eq, F64x2Ne, F64x2Lt, F64x2Gt, F64x2Le, F64x2Ge,
        I8x16Swizzle, I8x16NarrowI16x8S, I8x16NarrowI16x8U,
        I8x16Add, I8x16AddSatS, I8x16AddSatU, I8x16Sub, I8x16SubSatS, I8x16SubSatU,
        I8x16MinS, I8x16MinU, I8x16MaxS, I8x16MaxU, I8x16AvgrU,
        I16x8Q15MulrSatS, I16x8NarrowI32x4S, I16x8NarrowI32x4U,
        I16x8Add, I16x8AddSatS, I16x8AddSatU, I16x8Sub, I16x8SubSatS, I16x8SubSatU, I16x8Mul,
        I16x8MinS, I16x8MinU, I16x8MaxS, I16x8MaxU, I16x8AvgrU,
        I16x8ExtMulLowI8x16S, I16x8ExtMulHighI8x16S, I16x8ExtMulLowI8x16U, I16x8ExtMulHighI8x16U,
        I32x4Add, I32x4Sub, I32x4Mul, I32x4MinS, I32x4MinU, I32x4MaxS, I32x4MaxU,
        I32x4DotI16x8S,
        I32x4ExtMulLowI16x8S, I32x4ExtMulHighI16x8S, I32x4ExtMulLowI16x8U, I32x4ExtMulHighI16x8U,
        I64x2Add, I64x2Sub, I64x2Mul,
        I64x2ExtMulLowI32x4S, I64x2ExtMulHighI32x4S, I64x2ExtMulLowI32x4U, I64x2ExtMulHighI32x4U,
        F32x4Add, F32x4Sub, F32x4Mul, F32x4Div, F32x4Min, F32x4Max, F32x4PMin, F32x4PMax,
        F64x2Add, F64x2Sub, F64x2Mul, F64x2Div, F64x2Min, F64x2Max, F64x2PMin, F64x2PMax,
        I8x16RelaxedSwizzle,
        F32x4RelaxedMin, F32x4RelaxedMax, F64x2RelaxedMin, F64x2RelaxedMax,
        I16x8RelaxedQ15mulrS, I16x8RelaxedDotI8x16I7x16S,
    }
}

simd_ops! {
    /// Operators of type `v128, v128, v128 -> v128`.
    TernOp {
        V128Bitselect,
        F32x4RelaxedMadd, F32x4RelaxedNmadd, F64x2RelaxedMadd, F64x2RelaxedNmadd,
        I8x16RelaxedLaneselect, I16x8RelaxedLaneselect,
        I32x4RelaxedLaneselect, I64x2RelaxedLaneselect,
        I32x4RelaxedDotI8x16I7x16AddS,
    }
}

simd_ops! {
    /// Shifts, of type `v128, i32 -> v128`.
    ShiftOp {
        I8x16Shl, I8x16ShrS, I8x16ShrU,
        I16x8Shl, I16x8ShrS, I16x8ShrU,
        I32x4Shl, I32x4ShrS, I32x4ShrU,
        I64x2Shl, I64x2ShrS, I64x2ShrU,
    }
}

simd_ops! {
    /// Reductions to a boolean or bit mask, of type `v128 -> i32`.
    TestOp {
        V128AnyTrue,
        I8x16AllTrue, I8x16Bitmask, I16x8AllTrue, I16x8Bitmask,
        I32x4AllTrue, I32x4Bitmask, I64x2AllTrue, I64x2Bitmask,
    }
}

/// The `*.splat` operators, named by their result shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SplatOp {
    /// `i8x16.splat` (from `i32`).
    I8x16,
    /// `i16x8.splat` (from `i32`).
    I16x8,
    /// `i32x4.splat`.
    I32x4,
    /// `i64x2.splat`.
    I64x2,
    /// `f32x4.splat`.
    F32x4,
    /// `f64x2.splat`.
    F64x2,
}

impl SplatOp {
    fn bits(self) -> u32 {
        match self {
            SplatOp::I8x16 => 8,
            SplatOp::I16x8 => 16,
            SplatOp::I32x4 | SplatOp::F32x4 => 32,
            SplatOp::I64x2 | SplatOp::F64x2 => 64,
        }
    }
}

/// The `*.extract_lane*` operators, named by their shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExtractOp {
    /// `i8x16.extract_lane_s`.
    I8x16S,
    /// `i8x16.extract_lane_u`.
    I8x16U,
    /// `i16x8.extract_lane_s`.
    I16x8S,
    /// `i16x8.extract_lane_u`.
    I16x8U,
    /// `i32x4.extract_lane`.
    I32x4,
    /// `i64x2.extract_lane`.
    I64x2,
    /// `f32x4.extract_lane`.
    F32x4,
    /// `f64x2.extract_lane`.
    F64x2,
}

impl ExtractOp {
    /// Type of the scalar result.
    pub fn result_type(self) -> ScalarType {
        match self {
            ExtractOp::I8x16S | ExtractOp::I8x16U | ExtractOp::I16x8S | ExtractOp::I16x8U => {
                ScalarType::I32
            }
            ExtractOp::I32x4 => ScalarType::I32,
            ExtractOp::I64x2 => ScalarType::I64,
            ExtractOp::F32x4 => ScalarType::F32,
            ExtractOp::F64x2 => ScalarType::F64,
        }
    }

    fn bits(self) -> u32 {
        match self {
            ExtractOp::I8x16S | ExtractOp::I8x16U => 8,
            ExtractOp::I16x8S | ExtractOp::I16x8U => 16,
            ExtractOp::I32x4 | ExtractOp::F32x4 => 32,
            ExtractOp::I64x2 | ExtractOp::F64x2 => 64,
        }
    }
}

/// The `*.replace_lane` operators, named by their shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplaceOp {
    /// `i8x16.replace_lane` (takes an `i32`).
    I8x16,
    /// `i16x8.replace_lane` (takes an `i32`).
    I16x8,
    /// `i32x4.replace_lane`.
    I32x4,
    /// `i64x2.replace_lane`.
    I64x2,
    /// `f32x4.replace_lane`.
    F32x4,
    /// `f64x2.replace_lane`.
    F64x2,
}

impl ReplaceOp {
    fn bits(self) -> u32 {
        match self {
            ReplaceOp::I8x16 => 8,
            ReplaceOp::I16x8 => 16,
            ReplaceOp::I32x4 | ReplaceOp::F32x4 => 32,
            ReplaceOp::I64x2 | ReplaceOp::F64x2 => 64,
        }
    }
}

/// The loads that produce a whole `v128`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadOp {
    /// `v128.load`: 16 bytes.
    V128Load,
    /// `v128.load8x8_s`: 8 bytes, each sign-extended to 16 bits.
    V128Load8x8S,
    /// `v128.load8x8_u`: 8 bytes, each zero-extended to 16 bits.
    V128Load8x8U,
    /// `v128.load16x4_s`: 4 `i16`, sign-extended to 32 bits.
    V128Load16x4S,
    /// `v128.load16x4_u`: 4 `i16`, zero-extended to 32 bits.
    V128Load16x4U,
    /// `v128.load32x2_s`: 2 `i32`, sign-extended to 64 bits.
    V128Load32x2S,
    /// `v128.load32x2_u`: 2 `i32`, zero-extended to 64 bits.
    V128Load32x2U,
    /// `v128.load8_splat`: 1 byte, splatted.
    V128Load8Splat,
    /// `v128.load16_splat`: 2 bytes, splatted.
    V128Load16Splat,
    /// `v128.load32_splat`: 4 bytes, splatted.
    V128Load32Splat,
    /// `v128.load64_splat`: 8 bytes, splatted.
    V128Load64Splat,
    /// `v128.load32_zero`: 4 bytes into lane 0, the rest zero.
    V128Load32Zero,
    /// `v128.load64_zero`: 8 bytes into lane 0, the rest zero.
    V128Load64Zero,
}

impl LoadOp {
    /// How many bytes the load reads from memory.
    pub fn bytes(self) -> usize {
        match self {
            LoadOp::V128Load => 16,
            LoadOp::V128Load8x8S
            | LoadOp::V128Load8x8U
            | LoadOp::V128Load16x4S
            | LoadOp::V128Load16x4U
            | LoadOp::V128Load32x2S
            | LoadOp::V128Load32x2U
            | LoadOp::V128Load64Splat
            | LoadOp::V128Load64Zero => 8,
            LoadOp::V128Load8Splat => 1,
            LoadOp::V128Load16Splat => 2,
            LoadOp::V128Load32Splat | LoadOp::V128Load32Zero => 4,
        }
    }
}

fn mem(m: wasmparser::MemArg) -> Option<MemArg> {
    match m.target {
        MemArgTarget::Memory(memory) => Some(MemArg { offset: m.offset, align: m.align, memory }),
        MemArgTarget::Array(_) => None,
    }
}

/// Classifies a SIMD operator; `None` for every operator that is not one of
/// the `simd` or `relaxed-simd` proposals (and for SIMD memory accesses whose
/// target is a GC array rather than a linear memory, which are unsupported).
pub fn classify(op: &Operator<'_>) -> Option<SimdInstr> {
    use LaneWidth::*;
    use SimdInstr as S;
    let load = |op, m| Some(S::Load(op, mem(m)?));
    match *op {
        Operator::V128Const { value } => Some(S::Const(value.into())),
        Operator::I8x16Shuffle { lanes } => Some(S::Shuffle(lanes)),
        Operator::V128Load { memarg } => load(LoadOp::V128Load, memarg),
        Operator::V128Load8x8S { memarg } => load(LoadOp::V128Load8x8S, memarg),
        Operator::V128Load8x8U { memarg } => load(LoadOp::V128Load8x8U, memarg),
        Operator::V128Load16x4S { memarg } => load(LoadOp::V128Load16x4S, memarg),
        Operator::V128Load16x4U { memarg } => load(LoadOp::V128Load16x4U, memarg),
        Operator::V128Load32x2S { memarg } => load(LoadOp::V128Load32x2S, memarg),
        Operator::V128Load32x2U { memarg } => load(LoadOp::V128Load32x2U, memarg),
        Operator::V128Load8Splat { memarg } => load(LoadOp::V128Load8Splat, memarg),
        Operator::V128Load16Splat { memarg } => load(LoadOp::V128Load16Splat, memarg),
        Operator::V128Load32Splat { memarg } => load(LoadOp::V128Load32Splat, memarg),
        Operator::V128Load64Splat { memarg } => load(LoadOp::V128Load64Splat, memarg),
        Operator::V128Load32Zero { memarg } => load(LoadOp::V128Load32Zero, memarg),
        Operator::V128Load64Zero { memarg } => load(LoadOp::V128Load64Zero, memarg),
        Operator::V128Store { memarg } => Some(S::Store(mem(memarg)?)),
        Operator::V128Load8Lane { memarg, lane } => Some(S::LoadLane(B8, mem(memarg)?, lane)),
        Operator::V128Load16Lane { memarg, lane } => Some(S::LoadLane(B16, mem(memarg)?, lane)),
        Operator::V128Load32Lane { memarg, lane } => Some(S::LoadLane(B32, mem(memarg)?, lane)),
        Operator::V128Load64Lane { memarg, lane } => Some(S::LoadLane(B64, mem(memarg)?, lane)),
        Operator::V128Store8Lane { memarg, lane } => Some(S::StoreLane(B8, mem(memarg)?, lane)),
        Operator::V128Store16Lane { memarg, lane } => Some(S::StoreLane(B16, mem(memarg)?, lane)),
        Operator::V128Store32Lane { memarg, lane } => Some(S::StoreLane(B32, mem(memarg)?, lane)),
        Operator::V128Store64Lane { memarg, lane } => Some(S::StoreLane(B64, mem(memarg)?, lane)),
        Operator::I8x16ExtractLaneS { lane } => Some(S::ExtractLane(ExtractOp::I8x16S, lane)),
        Operator::I8x16ExtractLaneU { lane } => Some(S::ExtractLane(ExtractOp::I8x16U, lane)),
        Operator::I16x8ExtractLaneS { lane } => Some(S::ExtractLane(ExtractOp::I16x8S, lane)),
        Operator::I16x8ExtractLaneU { lane } => Some(S::ExtractLane(ExtractOp::I16x8U, lane)),
        Operator::I32x4ExtractLane { lane } => Some(S::ExtractLane(ExtractOp::I32x4, lane)),
        Operator::I64x2ExtractLane { lane } => Some(S::ExtractLane(ExtractOp::I64x2, lane)),
        Operator::F32x4ExtractLane { lane } => Some(S::ExtractLane(ExtractOp::F32x4, lane)),
        Operator::F64x2ExtractLane { lane } => Some(S::ExtractLane(ExtractOp::F64x2, lane)),
        Operator::I8x16ReplaceLane { lane } => Some(S::ReplaceLane(ReplaceOp::I8x16, lane)),
        Operator::I16x8ReplaceLane { lane } => Some(S::ReplaceLane(ReplaceOp::I16x8, lane)),
        Operator::I32x4ReplaceLane { lane } => Some(S::ReplaceLane(ReplaceOp::I32x4, lane)),
        Operator::I64x2ReplaceLane { lane } => Some(S::ReplaceLane(ReplaceOp::I64x2, lane)),
        Operator::F32x4ReplaceLane { lane } => Some(S::ReplaceLane(ReplaceOp::F32x4, lane)),
        Operator::F64x2ReplaceLane { lane } => Some(S::ReplaceLane(ReplaceOp::F64x2, lane)),
        Operator::I8x16Splat => Some(S::Splat(SplatOp::I8x16)),
        Operator::I16x8Splat => Some(S::Splat(SplatOp::I16x8)),
        Operator::I32x4Splat => Some(S::Splat(SplatOp::I32x4)),
        Operator::I64x2Splat => Some(S::Splat(SplatOp::I64x2)),
        Operator::F32x4Splat => Some(S::Splat(SplatOp::F32x4)),
        Operator::F64x2Splat => Some(S::Splat(SplatOp::F64x2)),
        _ => UnOp::from_operator(op)
            .map(S::Unary)
            .or_else(|| BinOp::from_operator(op).map(S::Binary))
            .or_else(|| TernOp::from_operator(op).map(S::Ternary))
            .or_else(|| ShiftOp::from_operator(op).map(S::Shift))
            .or_else(|| TestOp::from_operator(op).map(S::Test)),
    }
}

// ---------------------------------------------------------------------------
// Lane plumbing
// ---------------------------------------------------------------------------

/// A lane type: a fixed-width view of some bits of a `u128`.
trait Lane: Copy {
    const BITS: u32;
    /// The lane held in the low `BITS` bits of `v`.
    fn lane(v: u128) -> Self;
    /// The lane's bits, zero-extended.
    fn bits(self) -> u128;
}

macro_rules! int_lanes {
    ($($t:ty => $u:ty),*) => {$(
        impl Lane for $t {
            const BITS: u32 = <$t>::BITS;
            fn lane(v: u128) -> Self {
                v as $u as $t
            }
            fn bits(self) -> u128 {
                self as $u as u128
            }
        }
    )*};
}
int_lanes!(u8 => u8, i8 => u8, u16 => u16, i16 => u16, u32 => u32, i32 => u32, u64 => u64, i64 => u64);

/// Float lanes, with the NaN-aware helpers the float operators share.
trait Float: Lane + PartialOrd {
    fn nan(self) -> bool;
    /// `self` with the quiet bit set if it is a NaN, else `self`.
    fn quiet(self) -> Self;
    /// Bitwise OR of the two values (used for `min(-0, +0) = -0`).
    fn or(self, o: Self) -> Self;
    /// Bitwise AND of the two values (used for `max(-0, +0) = +0`).
    fn and(self, o: Self) -> Self;
}

macro_rules! float_lanes {
    ($($t:ty => $u:ty),*) => {$(
        impl Lane for $t {
            const BITS: u32 = <$u>::BITS;
            fn lane(v: u128) -> Self {
                <$t>::from_bits(v as $u)
            }
            fn bits(self) -> u128 {
                self.to_bits() as u128
            }
        }
        impl Float for $t {
            fn nan(self) -> bool {
                self.is_nan()
            }
            fn quiet(self) -> Self {
                if self.is_nan() {
                    <$t>::from_bits(self.to_bits() | 1 << (<$t>::MANTISSA_DIGITS - 2))
                } else {
                    self
                }
            }
            fn or(self, o: Self) -> Self {
                <$t>::from_bits(self.to_bits() | o.to_bits())
            }
            fn and(self, o: Self) -> Self {
                <$t>::from_bits(self.to_bits() & o.to_bits())
            }
        }
    )*};
}
float_lanes!(f32 => u32, f64 => u64);

/// Lane `i` of `v`, viewed as `T`.
fn at<T: Lane>(v: u128, i: u32) -> T {
    T::lane(v >> (i * T::BITS))
}

/// The vector whose lane `i` is `f(i)`.
fn build<T: Lane>(f: impl Fn(u32) -> T) -> u128 {
    (0..128 / T::BITS).fold(0, |acc, i| acc | f(i).bits() << (i * T::BITS))
}

/// Lane-wise `f` (`A` and `B` of the same width).
fn map<A: Lane, B: Lane>(a: u128, f: impl Fn(A) -> B) -> u128 {
    build(|i| f(at(a, i)))
}

/// Lane-wise `f` over two vectors.
fn zip<A: Lane, B: Lane>(a: u128, b: u128, f: impl Fn(A, A) -> B) -> u128 {
    build(|i| f(at(a, i), at(b, i)))
}

/// Lane-wise comparison: all ones where `f` holds, zeros elsewhere.
fn cmp<T: Lane>(a: u128, b: u128, f: impl Fn(T, T) -> bool) -> u128 {
    let ones = u128::MAX >> (128 - T::BITS);
    (0..128 / T::BITS)
        .fold(0, |acc, i| if f(at(a, i), at(b, i)) { acc | ones << (i * T::BITS) } else { acc })
}

/// Lane-wise float arithmetic, quieting NaN results.
fn fmap<F: Float>(a: u128, f: impl Fn(F) -> F) -> u128 {
    map(a, |x| f(x).quiet())
}

/// Lane-wise binary float arithmetic, quieting NaN results.
fn fzip<F: Float>(a: u128, b: u128, f: impl Fn(F, F) -> F) -> u128 {
    zip(a, b, |x, y| f(x, y).quiet())
}

/// Lane-wise ternary float arithmetic, quieting NaN results.
fn fzip3<F: Float>(a: u128, b: u128, c: u128, f: impl Fn(F, F, F) -> F) -> u128 {
    build(|i| f(at(a, i), at(b, i), at(c, i)).quiet())
}

/// `w`-bit `x` repeated across all lanes.
const fn rep(x: u128, w: u32) -> u128 {
    let x = x & (u128::MAX >> (128 - w));
    let mut r = 0;
    let mut s = 0;
    while s < 128 {
        r |= x << s;
        s += w;
    }
    r
}

const F32_SIGNS: u128 = rep(0x8000_0000, 32);
const F64_SIGNS: u128 = rep(0x8000_0000_0000_0000, 64);

/// Bit offset of lane `lane` (wrapped into range) of `w`-bit lanes.
fn lane_shift(w: u32, lane: u8) -> u32 {
    (lane as u32 & (128 / w - 1)) * w
}

/// The `w`-bit lane `lane` of `v`, zero-extended.
fn get(v: u128, w: u32, lane: u8) -> u128 {
    (v >> lane_shift(w, lane)) & (u128::MAX >> (128 - w))
}

/// `v` with its `w`-bit lane `lane` replaced by the low bits of `x`.
fn set(v: u128, w: u32, lane: u8, x: u128) -> u128 {
    let s = lane_shift(w, lane);
    let m = (u128::MAX >> (128 - w)) << s;
    (v & !m) | ((x << s) & m)
}

/// Up to 16 little-endian bytes as a zero-extended `u128`.
fn le(bytes: &[u8]) -> u128 {
    let mut b = [0u8; 16];
    let n = bytes.len().min(16);
    b[..n].copy_from_slice(&bytes[..n]);
    u128::from_le_bytes(b)
}

/// Offset of the first lane of the low or high half of a vector of `N`.
fn half<N: Lane>(high: bool) -> u32 {
    if high { 64 / N::BITS } else { 0 }
}

/// Widens the low or high half of the `N` lanes to `W`.
fn extend<N: Lane, W: Lane + From<N>>(a: u128, high: bool) -> u128 {
    let o = half::<N>(high);
    build(|i| W::from(at::<N>(a, i + o)))
}

/// Widening multiply of the low or high halves.
fn extmul<N: Lane, W: Lane + From<N> + Mul<Output = W>>(a: u128, b: u128, high: bool) -> u128 {
    let o = half::<N>(high);
    build(|i| W::from(at::<N>(a, i + o)) * W::from(at::<N>(b, i + o)))
}

/// Adds adjacent pairs of `N` lanes into `W` lanes.
fn extadd<N: Lane, W: Lane + From<N> + Add<Output = W>>(a: u128) -> u128 {
    build(|i| W::from(at::<N>(a, 2 * i)) + W::from(at::<N>(a, 2 * i + 1)))
}

/// Narrows the `W` lanes of `a` then of `b` to `N` lanes with `f`.
fn narrow<W: Lane, N: Lane>(a: u128, b: u128, f: impl Fn(W) -> N) -> u128 {
    let h = 128 / W::BITS;
    build(|i| if i < h { f(at(a, i)) } else { f(at(b, i - h)) })
}

/// `f` on the two `f64` lanes, giving lanes 0 and 1 of an `x4` result whose
/// lanes 2 and 3 are zero.
fn from_f64x2<T: Lane + Default>(a: u128, f: impl Fn(f64) -> T) -> u128 {
    build(|i| if i < 2 { f(at(a, i)) } else { T::default() })
}

/// IEEE-754 2019 `minimum` as Wasm defines `fmin`.
fn fmin<F: Float>(a: F, b: F) -> F {
    if a.nan() || b.nan() {
        if a.nan() { a } else { b }
    } else if a == b {
        a.or(b)
    } else if a < b {
        a
    } else {
        b
    }
}

/// IEEE-754 2019 `maximum` as Wasm defines `fmax`.
fn fmax<F: Float>(a: F, b: F) -> F {
    if a.nan() || b.nan() {
        if a.nan() { a } else { b }
    } else if a == b {
        a.and(b)
    } else if a > b {
        a
    } else {
        b
    }
}

fn swizzle(a: u128, b: u128) -> u128 {
    let x = a.to_le_bytes();
    map(b, |j: u8| x.get(j as usize).copied().unwrap_or(0))
}

fn q15mulr(x: i16, y: i16) -> i16 {
    ((x as i32 * y as i32 + 0x4000) >> 15).clamp(i16::MIN as i32, i16::MAX as i32) as i16
}

/// `i16x8.relaxed_dot_i8x16_i7x16_s`: signed products, pairs added with
/// saturation.
fn dot_i8(a: u128, b: u128) -> u128 {
    let p = |k| at::<i8>(a, k) as i16 * at::<i8>(b, k) as i16;
    build(|i: u32| p(2 * i).saturating_add(p(2 * i + 1)))
}

// ---------------------------------------------------------------------------
// Semantics
// ---------------------------------------------------------------------------

/// Computes a `v128 -> v128` operator.
pub fn unary(op: UnOp, a: u128) -> u128 {
    use UnOp::*;
    match op {
        V128Not => !a,
        I8x16Abs => map(a, i8::wrapping_abs),
        I8x16Neg => map(a, i8::wrapping_neg),
        I8x16Popcnt => map(a, |x: u8| x.count_ones() as u8),
        I16x8ExtAddPairwiseI8x16S => extadd::<i8, i16>(a),
        I16x8ExtAddPairwiseI8x16U => extadd::<u8, u16>(a),
        I16x8Abs => map(a, i16::wrapping_abs),
        I16x8Neg => map(a, i16::wrapping_neg),
        I16x8ExtendLowI8x16S => extend::<i8, i16>(a, false),
        I16x8ExtendHighI8x16S => extend::<i8, i16>(a, true),
        I16x8ExtendLowI8x16U => extend::<u8, u16>(a, false),
        I16x8ExtendHighI8x16U => extend::<u8, u16>(a, true),
        I32x4ExtAddPairwiseI16x8S => extadd::<i16, i32>(a),
        I32x4ExtAddPairwiseI16x8U => extadd::<u16, u32>(a),
        I32x4Abs => map(a, i32::wrapping_abs),
        I32x4Neg => map(a, i32::wrapping_neg),
        I32x4ExtendLowI16x8S => extend::<i16, i32>(a, false),
        I32x4ExtendHighI16x8S => extend::<i16, i32>(a, true),
        I32x4ExtendLowI16x8U => extend::<u16, u32>(a, false),
        I32x4ExtendHighI16x8U => extend::<u16, u32>(a, true),
        I64x2Abs => map(a, i64::wrapping_abs),
        I64x2Neg => map(a, i64::wrapping_neg),
        I64x2ExtendLowI32x4S => extend::<i32, i64>(a, false),
        I64x2ExtendHighI32x4S => extend::<i32, i64>(a, true),
        I64x2ExtendLowI32x4U => extend::<u32, u64>(a, false),
        I64x2ExtendHighI32x4U => extend::<u32, u64>(a, true),
        F32x4Ceil => fmap(a, f32::ceil),
        F32x4Floor => fmap(a, f32::floor),
        F32x4Trunc => fmap(a, f32::trunc),
        F32x4Nearest => fmap(a, f32::round_ties_even),
        F32x4Abs => a & !F32_SIGNS,
        F32x4Neg => a ^ F32_SIGNS,
        F32x4Sqrt => fmap(a, f32::sqrt),
        F64x2Ceil => fmap(a, f64::ceil),
        F64x2Floor => fmap(a, f64::floor),
        F64x2Trunc => fmap(a, f64::trunc),
        F64x2Nearest => fmap(a, f64::round_ties_even),
        F64x2Abs => a & !F64_SIGNS,
        F64x2Neg => a ^ F64_SIGNS,
        F64x2Sqrt => fmap(a, f64::sqrt),
        // Rust's float-to-int `as` is exactly `trunc_sat`: NaN -> 0, saturating.
        I32x4TruncSatF32x4S | I32x4RelaxedTruncF32x4S => map(a, |x: f32| x as i32),
        I32x4TruncSatF32x4U | I32x4RelaxedTruncF32x4U => map(a, |x: f32| x as u32),
        F32x4ConvertI32x4S => map(a, |x: i32| x as f32),
        F32x4ConvertI32x4U => map(a, |x: u32| x as f32),
        I32x4TruncSatF64x2SZero | I32x4RelaxedTruncF64x2SZero => from_f64x2(a, |x| x as i32),
        I32x4TruncSatF64x2UZero | I32x4RelaxedTruncF64x2UZero => from_f64x2(a, |x| x as u32),
        F64x2ConvertLowI32x4S => build(|i| at::<i32>(a, i) as f64),
        F64x2ConvertLowI32x4U => build(|i| at::<u32>(a, i) as f64),
        F32x4DemoteF64x2Zero => from_f64x2(a, |x| (x as f32).quiet()),
        F64x2PromoteLowF32x4 => build(|i| (at::<f32>(a, i) as f64).quiet()),
    }
}

/// Computes a `v128, v128 -> v128` operator.
pub fn binary(op: BinOp, a: u128, b: u128) -> u128 {
    use BinOp::*;
    match op {
        V128And => a & b,
        V128AndNot => a & !b,
        V128Or => a | b,
        V128Xor => a ^ b,
        I8x16Eq => cmp(a, b, |x: u8, y| x == y),
        I8x16Ne => cmp(a, b, |x: u8, y| x != y),
        I8x16LtS => cmp(a, b, |x: i8, y| x < y),
        I8x16LtU => cmp(a, b, |x: u8, y| x < y),
        I8x16GtS => cmp(a, b, |x: i8, y| x > y),
        I8x16GtU => cmp(a, b, |x: u8, y| x > y),
        I8x16LeS => cmp(a, b, |x: i8, y| x <= y),
        I8x16LeU => cmp(a, b, |x: u8, y| x <= y),
        I8x16GeS => cmp(a, b, |x: i8, y| x >= y),
        I8x16GeU => cmp(a, b, |x: u8, y| x >= y),
        I16x8Eq => cmp(a, b, |x: u16, y| x == y),
        I16x8Ne => cmp(a, b, |x: u16, y| x != y),
        I16x8LtS => cmp(a, b, |x: i16, y| x < y),
        I16x8LtU => cmp(a, b, |x: u16, y| x < y),
        I16x8GtS => cmp(a, b, |x: i16, y| x > y),
        I16x8GtU => cmp(a, b, |x: u16, y| x > y),
        I16x8LeS => cmp(a, b, |x: i16, y| x <= y),
        I16x8LeU => cmp(a, b, |x: u16, y| x <= y),
        I16x8GeS => cmp(a, b, |x: i16, y| x >= y),
        I16x8GeU => cmp(a, b, |x: u16, y| x >= y),
        I32x4Eq => cmp(a, b, |x: u32, y| x == y),
        I32x4Ne => cmp(a, b, |x: u32, y| x != y),
        I32x4LtS => cmp(a, b, |x: i32, y| x < y),
        I32x4LtU => cmp(a, b, |x: u32, y| x < y),
        I32x4GtS => cmp(a, b, |x: i32, y| x > y),
        I32x4GtU => cmp(a, b, |x: u32, y| x > y),
        I32x4LeS => cmp(a, b, |x: i32, y| x <= y),
        I32x4LeU => cmp(a, b, |x: u32, y| x <= y),
        I32x4GeS => cmp(a, b, |x: i32, y| x >= y),
        I32x4GeU => cmp(a, b, |x: u32, y| x >= y),
        I64x2Eq => cmp(a, b, |x: u64, y| x == y),
        I64x2Ne => cmp(a, b, |x: u64, y| x != y),
        I64x2LtS => cmp(a, b, |x: i64, y| x < y),
        I64x2GtS => cmp(a, b, |x: i64, y| x > y),
        I64x2LeS => cmp(a, b, |x: i64, y| x <= y),
        I64x2GeS => cmp(a, b, |x: i64, y| x >= y),
        F32x4Eq => cmp(a, b, |x: f32, y| x == y),
        F32x4Ne => cmp(a, b, |x: f32, y| x != y),
        F32x4Lt => cmp(a, b, |x: f32, y| x < y),
        F32x4Gt => cmp(a, b, |x: f32, y| x > y),
        F32x4Le => cmp(a, b, |x: f32, y| x <= y),
        F32x4Ge => cmp(a, b, |x: f32, y| x >= y),
        F64x2Eq => cmp(a, b, |x: f64, y| x == y),
        F64x2Ne => cmp(a, b, |x: f64, y| x != y),
        F64x2Lt => cmp(a, b, |x: f64, y| x < y),
        F64x2Gt => cmp(a, b, |x: f64, y| x > y),
        F64x2Le => cmp(a, b, |x: f64, y| x <= y),
        F64x2Ge => cmp(a, b, |x: f64, y| x >= y),
        I8x16Swizzle | I8x16RelaxedSwizzle => swizzle(a, b),
        I8x16NarrowI16x8S => narrow(a, b, |x: i16| x.clamp(-128, 127) as i8),
        I8x16NarrowI16x8U => narrow(a, b, |x: i16| x.clamp(0, 255) as u8),
        I8x16Add => zip(a, b, u8::wrapping_add),
        I8x16AddSatS => zip(a, b, i8::saturating_add),
        I8x16AddSatU => zip(a, b, u8::saturating_add),
        I8x16Sub => zip(a, b, u8::wrapping_sub),
        I8x16SubSatS => zip(a, b, i8::saturating_sub),
        I8x16SubSatU => zip(a, b, u8::saturating_sub),
        I8x16MinS => zip(a, b, i8::min),
        I8x16MinU => zip(a, b, u8::min),
        I8x16MaxS => zip(a, b, i8::max),
        I8x16MaxU => zip(a, b, u8::max),
        I8x16AvgrU => zip(a, b, |x: u8, y| ((x as u16 + y as u16 + 1) >> 1) as u8),
        I16x8Q15MulrSatS | I16x8RelaxedQ15mulrS => zip(a, b, q15mulr),
        I16x8NarrowI32x4S => narrow(a, b, |x: i32| x.clamp(-32768, 32767) as i16),
        I16x8NarrowI32x4U => narrow(a, b, |x: i32| x.clamp(0, 65535) as u16),
        I16x8Add => zip(a, b, u16::wrapping_add),
        I16x8AddSatS => zip(a, b, i16::saturating_add),
        I16x8AddSatU => zip(a, b, u16::saturating_add),
        I16x8Sub => zip(a, b, u16::wrapping_sub),
        I16x8SubSatS => zip(a, b, i16::saturating_sub),
        I16x8SubSatU => zip(a, b, u16::saturating_sub),
        I16x8Mul => zip(a, b, u16::wrapping_mul),
        I16x8MinS => zip(a, b, i16::min),
        I16x8MinU => zip(a, b, u16::min),
        I16x8MaxS => zip(a, b, i16::max),
        I16x8MaxU => zip(a, b, u16::max),
        I16x8AvgrU => zip(a, b, |x: u16, y| ((x as u32 + y as u32 + 1) >> 1) as u16),
        I16x8ExtMulLowI8x16S => extmul::<i8, i16>(a, b, false),
        I16x8ExtMulHighI8x16S => extmul::<i8, i16>(a, b, true),
        I16x8ExtMulLowI8x16U => extmul::<u8, u16>(a, b, false),
        I16x8ExtMulHighI8x16U => extmul::<u8, u16>(a, b, true),
        I32x4Add => zip(a, b, u32::wrapping_add),
        I32x4Sub => zip(a, b, u32::wrapping_sub),
        I32x4Mul => zip(a, b, u32::wrapping_mul),
        I32x4MinS => zip(a, b, i32::min),
        I32x4MinU => zip(a, b, u32::min),
        I32x4MaxS => zip(a, b, i32::max),
        I32x4MaxU => zip(a, b, u32::max),
        I32x4DotI16x8S => {
            let p = |k| at::<i16>(a, k) as i32 * at::<i16>(b, k) as i32;
            build(|i: u32| p(2 * i).wrapping_add(p(2 * i + 1)))
        }
        I32x4ExtMulLowI16x8S => extmul::<i16, i32>(a, b, false),
        I32x4ExtMulHighI16x8S => extmul::<i16, i32>(a, b, true),
        I32x4ExtMulLowI16x8U => extmul::<u16, u32>(a, b, false),
        I32x4ExtMulHighI16x8U => extmul::<u16, u32>(a, b, true),
        I64x2Add => zip(a, b, u64::wrapping_add),
        I64x2Sub => zip(a, b, u64::wrapping_sub),
        I64x2Mul => zip(a, b, u64::wrapping_mul),
        I64x2ExtMulLowI32x4S => extmul::<i32, i64>(a, b, false),
        I64x2ExtMulHighI32x4S => extmul::<i32, i64>(a, b, true),
        I64x2ExtMulLowI32x4U => extmul::<u32, u64>(a, b, false),
        I64x2ExtMulHighI32x4U => extmul::<u32, u64>(a, b, true),
        F32x4Add => fzip(a, b, |x: f32, y| x + y),
        F32x4Sub => fzip(a, b, |x: f32, y| x - y),
        F32x4Mul => fzip(a, b, |x: f32, y| x * y),
        F32x4Div => fzip(a, b, |x: f32, y| x / y),
        F32x4Min | F32x4RelaxedMin => fzip(a, b, fmin::<f32>),
        F32x4Max | F32x4RelaxedMax => fzip(a, b, fmax::<f32>),
        F32x4PMin => zip(a, b, |x: f32, y| if y < x { y } else { x }),
        F32x4PMax => zip(a, b, |x: f32, y| if x < y { y } else { x }),
        F64x2Add => fzip(a, b, |x: f64, y| x + y),
        F64x2Sub => fzip(a, b, |x: f64, y| x - y),
        F64x2Mul => fzip(a, b, |x: f64, y| x * y),
        F64x2Div => fzip(a, b, |x: f64, y| x / y),
        F64x2Min | F64x2RelaxedMin => fzip(a, b, fmin::<f64>),
        F64x2Max | F64x2RelaxedMax => fzip(a, b, fmax::<f64>),
        F64x2PMin => zip(a, b, |x: f64, y| if y < x { y } else { x }),
        F64x2PMax => zip(a, b, |x: f64, y| if x < y { y } else { x }),
        I16x8RelaxedDotI8x16I7x16S => dot_i8(a, b),
    }
}

/// Computes a `v128, v128, v128 -> v128` operator (operands in stack order).
pub fn ternary(op: TernOp, a: u128, b: u128, c: u128) -> u128 {
    use TernOp::*;
    match op {
        V128Bitselect
        | I8x16RelaxedLaneselect
        | I16x8RelaxedLaneselect
        | I32x4RelaxedLaneselect
        | I64x2RelaxedLaneselect => (a & c) | (b & !c),
        F32x4RelaxedMadd => fzip3(a, b, c, |x: f32, y, z| x.mul_add(y, z)),
        F32x4RelaxedNmadd => fzip3(a, b, c, |x: f32, y, z| (-x).mul_add(y, z)),
        F64x2RelaxedMadd => fzip3(a, b, c, |x: f64, y, z| x.mul_add(y, z)),
        F64x2RelaxedNmadd => fzip3(a, b, c, |x: f64, y, z| (-x).mul_add(y, z)),
        I32x4RelaxedDotI8x16I7x16AddS => {
            let d = dot_i8(a, b);
            build(|i: u32| {
                let pair = at::<i16>(d, 2 * i) as i32 + at::<i16>(d, 2 * i + 1) as i32;
                pair.wrapping_add(at::<i32>(c, i))
            })
        }
    }
}

/// Computes a shift; the amount is taken modulo the lane width.
pub fn shift(op: ShiftOp, a: u128, amount: u32) -> u128 {
    use ShiftOp::*;
    let n = amount;
    // `wrapping_shl/shr` mask the amount by the lane width minus one.
    match op {
        I8x16Shl => map(a, |x: u8| x.wrapping_shl(n)),
        I8x16ShrS => map(a, |x: i8| x.wrapping_shr(n)),
        I8x16ShrU => map(a, |x: u8| x.wrapping_shr(n)),
        I16x8Shl => map(a, |x: u16| x.wrapping_shl(n)),
        I16x8ShrS => map(a, |x: i16| x.wrapping_shr(n)),
        I16x8ShrU => map(a, |x: u16| x.wrapping_shr(n)),
        I32x4Shl => map(a, |x: u32| x.wrapping_shl(n)),
        I32x4ShrS => map(a, |x: i32| x.wrapping_shr(n)),
        I32x4ShrU => map(a, |x: u32| x.wrapping_shr(n)),
        I64x2Shl => map(a, |x: u64| x.wrapping_shl(n)),
        I64x2ShrS => map(a, |x: i64| x.wrapping_shr(n)),
        I64x2ShrU => map(a, |x: u64| x.wrapping_shr(n)),
    }
}

/// Computes a splat of the raw scalar bits `x`.
pub fn splat(op: SplatOp, x: u64) -> u128 {
    rep(x as u128, op.bits())
}

/// Computes a lane extraction, as raw scalar bits (`i32` results zero-extended
/// to 64 bits, after sign- or zero-extending a narrow lane to 32 bits).
pub fn extract_lane(op: ExtractOp, a: u128, lane: u8) -> u64 {
    let v = get(a, op.bits(), lane);
    match op {
        ExtractOp::I8x16S => v as u8 as i8 as i32 as u32 as u64,
        ExtractOp::I16x8S => v as u16 as i16 as i32 as u32 as u64,
        _ => v as u64,
    }
}

/// Computes a lane replacement with the raw scalar bits `x` (only the lane's
/// width of low bits is used).
pub fn replace_lane(op: ReplaceOp, a: u128, x: u64, lane: u8) -> u128 {
    set(a, op.bits(), lane, x as u128)
}

/// Computes a reduction to `i32` (`any_true`, `all_true`, `bitmask`).
pub fn test(op: TestOp, a: u128) -> u32 {
    use TestOp::*;
    let all_true = |w: u32| (0..128 / w).all(|i| (a >> (i * w)) & (u128::MAX >> (128 - w)) != 0);
    let bitmask =
        |w: u32| (0..128 / w).fold(0, |acc, i| acc | (((a >> (i * w + w - 1)) & 1) as u32) << i);
    match op {
        V128AnyTrue => (a != 0) as u32,
        I8x16AllTrue => all_true(8) as u32,
        I16x8AllTrue => all_true(16) as u32,
        I32x4AllTrue => all_true(32) as u32,
        I64x2AllTrue => all_true(64) as u32,
        I8x16Bitmask => bitmask(8),
        I16x8Bitmask => bitmask(16),
        I32x4Bitmask => bitmask(32),
        I64x2Bitmask => bitmask(64),
    }
}

/// Computes `i8x16.shuffle`: lane `i` of the result is byte `lanes[i]` of the
/// 32-byte concatenation `a ++ b` (indices past 31, which validation rejects,
/// give 0).
pub fn shuffle(lanes: &[u8; 16], a: u128, b: u128) -> u128 {
    let (x, y) = (a.to_le_bytes(), b.to_le_bytes());
    u128::from_le_bytes(lanes.map(|l| match l {
        0..16 => x[l as usize],
        16..32 => y[l as usize - 16],
        _ => 0,
    }))
}

/// Builds the result of a load from the `op.bytes()` bytes read from memory.
pub fn load(op: LoadOp, bytes: &[u8]) -> u128 {
    use LoadOp::*;
    let v = le(bytes);
    match op {
        V128Load | V128Load32Zero | V128Load64Zero => v,
        V128Load8x8S => extend::<i8, i16>(v, false),
        V128Load8x8U => extend::<u8, u16>(v, false),
        V128Load16x4S => extend::<i16, i32>(v, false),
        V128Load16x4U => extend::<u16, u32>(v, false),
        V128Load32x2S => extend::<i32, i64>(v, false),
        V128Load32x2U => extend::<u32, u64>(v, false),
        V128Load8Splat => rep(v, 8),
        V128Load16Splat => rep(v, 16),
        V128Load32Splat => rep(v, 32),
        V128Load64Splat => rep(v, 64),
    }
}

/// Computes `v128.loadN_lane`: `a` with lane `lane` replaced by the
/// `width.bytes()` little-endian bytes read from memory.
pub fn load_lane(width: LaneWidth, a: u128, bytes: &[u8], lane: u8) -> u128 {
    set(a, width.bits(), lane, le(bytes))
}

/// Computes `v128.storeN_lane`: the bytes to write (the first `len` of the
/// array) and `len`, which is `width.bytes()`.
pub fn store_lane(width: LaneWidth, a: u128, lane: u8) -> ([u8; 8], usize) {
    ((get(a, width.bits(), lane) as u64).to_le_bytes(), width.bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn i8x16(l: [i8; 16]) -> u128 {
        build(|i| l[i as usize])
    }
    fn i16x8(l: [i16; 8]) -> u128 {
        build(|i| l[i as usize])
    }
    fn i32x4(l: [i32; 4]) -> u128 {
        build(|i| l[i as usize])
    }
    fn i64x2(l: [i64; 2]) -> u128 {
        build(|i| l[i as usize])
    }
    fn f32x4(l: [f32; 4]) -> u128 {
        build(|i| l[i as usize])
    }
    fn f64x2(l: [f64; 2]) -> u128 {
        build(|i| l[i as usize])
    }
    fn lanes<T: Lane + Default, const N: usize>(v: u128) -> [T; N] {
        std::array::from_fn(|i| at(v, i as u32))
    }
    fn f32_bits(v: u128) -> [u32; 4] {
        lanes(v)
    }
    fn f64_bits(v: u128) -> [u64; 2] {
        lanes(v)
    }

    const NAN32: u32 = 0x7fc0_0000;
    const NAN64: u64 = 0x7ff8_0000_0000_0000;

    /// Builds every SIMD operator wasmparser knows, with some immediates.
    fn all_simd_operators() -> Vec<Operator<'static>> {
        trait Dummy {
            fn dummy() -> Self;
        }
        impl Dummy for wasmparser::MemArg {
            fn dummy() -> Self {
                wasmparser::MemArg {
                    align: 0,
                    max_align: 4,
                    offset: 7,
                    target: MemArgTarget::Memory(1),
                    ordering: None,
                }
            }
        }
        impl Dummy for u8 {
            fn dummy() -> Self {
                1
            }
        }
        impl Dummy for [u8; 16] {
            fn dummy() -> Self {
                [3; 16]
            }
        }
        impl Dummy for wasmparser::V128 {
            fn dummy() -> Self {
                5u128.into()
            }
        }
        macro_rules! list {
            ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*))*) => {
                vec![$(Operator::$op $({ $($arg: <$argty as Dummy>::dummy()),* })?),*]
            };
        }
        wasmparser::for_each_visit_simd_operator!(list)
    }

    #[test]
    fn classify_covers_every_simd_operator() {
        let ops = all_simd_operators();
        assert_eq!(ops.len(), 256);
        let mut seen = Vec::new();
        for op in &ops {
            let c = classify(op).unwrap_or_else(|| panic!("{op:?} not classified"));
            assert!(!seen.contains(&c), "{op:?} classified like another operator");
            seen.push(c);
        }
        let m = MemArg { offset: 7, align: 0, memory: 1 };
        assert!(seen.contains(&SimdInstr::Load(LoadOp::V128Load64Zero, m)));
        assert!(seen.contains(&SimdInstr::StoreLane(LaneWidth::B16, m, 1)));
        assert!(seen.contains(&SimdInstr::Const(5)));
        assert!(seen.contains(&SimdInstr::Shuffle([3; 16])));
        assert!(seen.contains(&SimdInstr::ExtractLane(ExtractOp::I16x8U, 1)));
        assert!(seen.contains(&SimdInstr::Binary(BinOp::I16x8RelaxedDotI8x16I7x16S)));
    }

    #[test]
    fn classify_rejects_other_operators() {
        let memarg = wasmparser::MemArg {
            align: 2,
            max_align: 2,
            offset: 0,
            target: MemArgTarget::Memory(0),
            ordering: None,
        };
        for op in [
            Operator::Nop,
            Operator::I32Add,
            Operator::F64Min,
            Operator::I32Load { memarg },
            Operator::LocalGet { local_index: 0 },
        ] {
            assert_eq!(classify(&op), None);
        }
        let on_array = wasmparser::MemArg { target: MemArgTarget::Array(0), ..memarg };
        assert_eq!(classify(&Operator::V128Load { memarg: on_array }), None);
    }

    #[test]
    fn scalar_types() {
        assert_eq!(ExtractOp::I16x8U.result_type(), ScalarType::I32);
        assert_eq!(ExtractOp::F64x2.result_type(), ScalarType::F64);
        assert_eq!(LoadOp::V128Load16Splat.bytes(), 2);
        assert_eq!(LoadOp::V128Load32x2U.bytes(), 8);
        assert_eq!(LaneWidth::B64.bytes(), 8);
    }

    #[test]
    fn integer_arith_saturation_and_wrapping() {
        let a = i8x16([127, -128, 100, -100, 0, 1, -1, 5, 0, 0, 0, 0, 0, 0, 0, -128]);
        let b = i8x16([1, -1, 100, -100, 0, -1, 1, -5, 0, 0, 0, 0, 0, 0, 0, 0]);
        let r: [i8; 16] = lanes(binary(BinOp::I8x16AddSatS, a, b));
        assert_eq!(r[..8], [127, -128, 127, -128, 0, 0, 0, 0]);
        let r: [i8; 16] = lanes(binary(BinOp::I8x16Add, a, b));
        assert_eq!(r[..4], [-128, 127, -56, 56]);
        let r: [u8; 16] = lanes(binary(BinOp::I8x16SubSatU, b, a));
        assert_eq!(r[..3], [0, 127, 0]);
        let r: [u8; 16] = lanes(binary(BinOp::I8x16AddSatU, a, b));
        assert_eq!(r[..3], [128, 255, 200]);
        let r: [i8; 16] = lanes(unary(UnOp::I8x16Abs, a));
        assert_eq!((r[0], r[1], r[3], r[15]), (127, -128, 100, -128));
        let r: [u8; 16] = lanes(binary(BinOp::I8x16AvgrU, a, b));
        assert_eq!(r[..2], [64, 192]); // (127+1+1)/2, (128+255+1)/2
        assert_eq!(lanes::<u8, 16>(unary(UnOp::I8x16Popcnt, a))[..3], [7, 1, 3]);
        let r: [i16; 8] = lanes(binary(
            BinOp::I16x8SubSatS,
            i16x8([-32768, 32767, 0, 0, 0, 0, 0, 0]),
            i16x8([1, -1, -32768, 0, 0, 0, 0, 0]),
        ));
        assert_eq!(r[..3], [-32768, 32767, 32767]);
        let r: [i32; 4] =
            lanes(binary(BinOp::I32x4MinU, i32x4([-1, 0, 5, 3]), i32x4([1, 9, -5, 3])));
        assert_eq!(r, [1, 0, 5, 3]);
        let r: [i64; 2] = lanes(binary(BinOp::I64x2Mul, i64x2([i64::MAX, -3]), i64x2([2, 7])));
        assert_eq!(r, [-2, -21]);
        let r: [i64; 2] = lanes(unary(UnOp::I64x2Neg, i64x2([i64::MIN, 4])));
        assert_eq!(r, [i64::MIN, -4]);
    }

    #[test]
    fn q15mulr_dot_extmul_extadd() {
        let a = i16x8([-32768, -32768, 16384, -1, 32767, 1, 0, 0]);
        let b = i16x8([-32768, 32767, 16384, 1, 32767, 16384, 0, 0]);
        let r: [i16; 8] = lanes(binary(BinOp::I16x8Q15MulrSatS, a, b));
        assert_eq!(r, [32767, -32767, 8192, 0, 32766, 1, 0, 0]);
        assert_eq!(
            binary(BinOp::I16x8RelaxedQ15mulrS, a, b),
            binary(BinOp::I16x8Q15MulrSatS, a, b)
        );
        let r: [i32; 4] = lanes(binary(BinOp::I32x4DotI16x8S, a, a));
        assert_eq!(r, [i32::MIN, 16384 * 16384 + 1, 32767 * 32767 + 1, 0]);
        let r: [i16; 8] =
            lanes(binary(BinOp::I16x8ExtMulHighI8x16U, i8x16([-1; 16]), i8x16([-1; 16])));
        assert_eq!(r, [-511; 8]); // 255 * 255 = 65025 = -511 as i16
        let r: [i16; 8] =
            lanes(binary(BinOp::I16x8ExtMulLowI8x16S, i8x16([-128; 16]), i8x16([-128; 16])));
        assert_eq!(r, [16384; 8]);
        let x = i32x4([-1, 2, i32::MIN, 3]);
        let r: [u64; 2] = lanes(binary(BinOp::I64x2ExtMulHighI32x4U, x, x));
        assert_eq!(r, [(1u64 << 62), 9]);
        let r: [i64; 2] = lanes(binary(BinOp::I64x2ExtMulLowI32x4S, x, i32x4([5, 5, 0, 0])));
        assert_eq!(r, [-5, 10]);
        let r: [i16; 8] = lanes(unary(UnOp::I16x8ExtAddPairwiseI8x16S, i8x16([-128; 16])));
        assert_eq!(r, [-256; 8]);
        let r: [u16; 8] = lanes(unary(UnOp::I16x8ExtAddPairwiseI8x16U, i8x16([-1; 16])));
        assert_eq!(r, [510; 8]);
        let r: [u32; 4] = lanes(unary(UnOp::I32x4ExtAddPairwiseI16x8U, i16x8([-1; 8])));
        assert_eq!(r, [131070; 4]);
    }

    #[test]
    fn relaxed_dot_products() {
        let a = i8x16([-128, -128, 127, 127, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
        let b = i8x16([127, 127, 127, 127, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
        let r: [i16; 8] = lanes(binary(BinOp::I16x8RelaxedDotI8x16I7x16S, a, b));
        assert_eq!(r, [-32512, 32258, 1, 13, 41, 85, 145, 221]);
        let c = i32x4([1, 2, 3, 4]);
        let r: [i32; 4] = lanes(ternary(TernOp::I32x4RelaxedDotI8x16I7x16AddS, a, b, c));
        assert_eq!(r, [-32512 + 32258 + 1, 1 + 13 + 2, 41 + 85 + 3, 145 + 221 + 4]);
        // One of the spec's allowed results when b has its top bit set.
        let a = i8x16([-128, -128, -128, -128, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        let b = i8x16([-127, -127, -127, -127, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        let r: [i32; 4] = lanes(ternary(TernOp::I32x4RelaxedDotI8x16I7x16AddS, a, b, c));
        assert_eq!(r, [65025, 2, 3, 4]);
    }

    #[test]
    fn narrow_and_extend() {
        let a = i16x8([-129, -128, 127, 128, 255, 256, -1, 0]);
        let b = i16x8([1, 2, 3, 4, 5, 6, 7, i16::MIN]);
        let r: [i8; 16] = lanes(binary(BinOp::I8x16NarrowI16x8S, a, b));
        assert_eq!(r, [-128, -128, 127, 127, 127, 127, -1, 0, 1, 2, 3, 4, 5, 6, 7, -128]);
        let r: [u8; 16] = lanes(binary(BinOp::I8x16NarrowI16x8U, a, b));
        assert_eq!(r, [0, 0, 127, 128, 255, 255, 0, 0, 1, 2, 3, 4, 5, 6, 7, 0]);
        let a = i32x4([65536, -1, 32768, -32769]);
        let r: [u16; 8] = lanes(binary(BinOp::I16x8NarrowI32x4U, a, a));
        assert_eq!(r[..4], [65535, 0, 32768, 0]);
        let r: [i16; 8] = lanes(binary(BinOp::I16x8NarrowI32x4S, a, a));
        assert_eq!(r[..4], [32767, -1, 32767, -32768]);
        let v = i8x16([-1, 2, 0, 0, 0, 0, 0, 0, -128, 127, 0, 0, 0, 0, 0, 0]);
        let r: [i16; 8] = lanes(unary(UnOp::I16x8ExtendHighI8x16S, v));
        assert_eq!(r[..2], [-128, 127]);
        let r: [u16; 8] = lanes(unary(UnOp::I16x8ExtendLowI8x16U, v));
        assert_eq!(r[..2], [255, 2]);
        let r: [i64; 2] = lanes(unary(UnOp::I64x2ExtendHighI32x4U, i32x4([0, 0, -1, 7])));
        assert_eq!(r, [0xffff_ffff, 7]);
        let r: [i64; 2] = lanes(unary(UnOp::I64x2ExtendLowI32x4S, i32x4([-1, 7, 0, 0])));
        assert_eq!(r, [-1, 7]);
    }

    #[test]
    fn comparisons() {
        let a = i8x16([-1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        let b = i8x16([1, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(lanes::<i8, 16>(binary(BinOp::I8x16LtS, a, b))[..3], [-1, 0, 0]);
        assert_eq!(lanes::<i8, 16>(binary(BinOp::I8x16LtU, a, b))[..3], [0, -1, 0]);
        assert_eq!(lanes::<i8, 16>(binary(BinOp::I8x16GeU, a, b))[..3], [-1, 0, -1]);
        let r: [i64; 2] = lanes(binary(BinOp::I64x2LtS, i64x2([i64::MIN, 3]), i64x2([0, 3])));
        assert_eq!(r, [-1, 0]);
        let nan = f32::NAN;
        let x = f32x4([nan, 0.0, -0.0, 1.0]);
        let y = f32x4([nan, -0.0, 0.0, 2.0]);
        assert_eq!(lanes::<i32, 4>(binary(BinOp::F32x4Eq, x, y)), [0, -1, -1, 0]);
        assert_eq!(lanes::<i32, 4>(binary(BinOp::F32x4Ne, x, y)), [-1, 0, 0, -1]);
        assert_eq!(lanes::<i32, 4>(binary(BinOp::F32x4Le, x, y)), [0, -1, -1, -1]);
        let r: [i64; 2] = lanes(binary(BinOp::F64x2Gt, f64x2([1.0, f64::NAN]), f64x2([0.5, 0.0])));
        assert_eq!(r, [-1, 0]);
    }

    #[test]
    fn float_min_max() {
        let a = f32x4([-0.0, 0.0, f32::NAN, 1.0]);
        let b = f32x4([0.0, -0.0, 1.0, f32::from_bits(0x7f80_0001)]);
        let min = f32_bits(binary(BinOp::F32x4Min, a, b));
        assert_eq!(min[..3], [0x8000_0000, 0x8000_0000, NAN32]);
        assert_eq!(min[3], 0x7fc0_0001); // quieted, payload kept
        let max = f32_bits(binary(BinOp::F32x4Max, a, b));
        assert_eq!(max[..3], [0, 0, NAN32]);
        assert_eq!(binary(BinOp::F32x4RelaxedMin, a, b), binary(BinOp::F32x4Min, a, b));
        // pmin/pmax are selects: -0/+0 keep the first operand, NaN bits kept.
        let pmin = f32_bits(binary(BinOp::F32x4PMin, a, b));
        assert_eq!(pmin, [0x8000_0000, 0, 0x7fc0_0000, 0x3f80_0000]);
        let pmax = f32_bits(binary(BinOp::F32x4PMax, b, a));
        assert_eq!(pmax, [0, 0x8000_0000, 0x3f80_0000, 0x7f80_0001]);
        let r = f64_bits(binary(BinOp::F64x2Min, f64x2([-0.0, 2.0]), f64x2([0.0, -3.0])));
        assert_eq!(r, [0x8000_0000_0000_0000, (-3.0f64).to_bits()]);
        let r = f64_bits(binary(
            BinOp::F64x2Max,
            f64x2([f64::NEG_INFINITY, 2.0]),
            f64x2([f64::NAN, -3.0]),
        ));
        assert_eq!(r, [NAN64, 2.0f64.to_bits()]);
        let r = f64_bits(binary(BinOp::F64x2PMax, f64x2([f64::NAN, -0.0]), f64x2([1.0, 0.0])));
        assert_eq!(r, [NAN64, 0x8000_0000_0000_0000]);
    }

    #[test]
    fn float_arith_rounding_and_sign_ops() {
        let r = f32_bits(unary(UnOp::F32x4Nearest, f32x4([0.5, 1.5, 2.5, -0.5])));
        assert_eq!(r, [0, 2.0f32.to_bits(), 2.0f32.to_bits(), 0x8000_0000]);
        let r: [f64; 2] = lanes(unary(UnOp::F64x2Nearest, f64x2([-3.5, 4503599627370497.0])));
        assert_eq!(r, [-4.0, 4503599627370497.0]);
        let r = f32_bits(unary(UnOp::F32x4Ceil, f32x4([-0.5, 1.1, -1.5, 0.0])));
        assert_eq!(r, [0x8000_0000, 2.0f32.to_bits(), (-1.0f32).to_bits(), 0]);
        let r: [f64; 2] = lanes(unary(UnOp::F64x2Floor, f64x2([-0.5, 1.9])));
        assert_eq!(r, [-1.0, 1.0]);
        let r = f32_bits(unary(UnOp::F32x4Trunc, f32x4([-0.7, 2.9, f32::INFINITY, -1e30])));
        assert_eq!(r[..3], [0x8000_0000, 2.0f32.to_bits(), f32::INFINITY.to_bits()]);
        // abs/neg leave NaN payloads alone.
        let s = f32x4([f32::from_bits(0xffa0_0001), -1.0, 0.0, -0.0]);
        assert_eq!(f32_bits(unary(UnOp::F32x4Abs, s)), [0x7fa0_0001, 0x3f80_0000, 0, 0]);
        assert_eq!(f32_bits(unary(UnOp::F32x4Neg, s)), [0x7fa0_0001, 0x3f80_0000, 0x8000_0000, 0]);
        let s = f64x2([f64::from_bits(0x7ff0_0000_0000_0001), 2.0]);
        assert_eq!(
            f64_bits(unary(UnOp::F64x2Neg, s)),
            [0xfff0_0000_0000_0001, (-2.0f64).to_bits()]
        );
        // Arithmetic NaNs are quiet; infinity minus infinity gives a NaN.
        let r = f32_bits(binary(
            BinOp::F32x4Add,
            f32x4([f32::INFINITY, f32::from_bits(0x7f80_0001), 1.0, 1e8]),
            f32x4([f32::NEG_INFINITY, 1.0, 2.0, 1.0]),
        ));
        assert!(r[0] & 0x7fc0_0000 == 0x7fc0_0000 && r[1] == 0x7fc0_0001);
        assert_eq!(r[2..], [3.0f32.to_bits(), 1e8f32.to_bits()]);
        let r: [f64; 2] = lanes(binary(BinOp::F64x2Div, f64x2([1.0, -1.0]), f64x2([0.0, 0.0])));
        assert_eq!(r, [f64::INFINITY, f64::NEG_INFINITY]);
        let r: [f32; 4] = lanes(unary(UnOp::F32x4Sqrt, f32x4([4.0, 2.0, -0.0, 0.0])));
        assert_eq!(r[..2], [2.0, std::f32::consts::SQRT_2]);
        assert!(f32_bits(unary(UnOp::F32x4Sqrt, f32x4([-1.0; 4])))[0] & 0x7fc0_0000 == 0x7fc0_0000);
    }

    #[test]
    fn relaxed_madd_is_fused() {
        // (1 + 2^-22) * (1 + 2^-15) - (1 + 2^-15 + 2^-22) is 2^-37 only if fused.
        let r: [f32; 4] = lanes(ternary(
            TernOp::F32x4RelaxedMadd,
            f32x4([f32::from_bits(0x3f80_0002); 4]),
            f32x4([f32::from_bits(0x3f80_0100); 4]),
            f32x4([-f32::from_bits(0x3f80_0102); 4]),
        ));
        assert_eq!(r, [2f32.powi(-37); 4]);
        let r: [f64; 2] = lanes(ternary(
            TernOp::F64x2RelaxedNmadd,
            f64x2([2.0, f64::MAX]),
            f64x2([3.0, 2.0]),
            f64x2([1.0, f64::MAX]),
        ));
        assert_eq!(r, [-5.0, -f64::MAX]);
    }

    #[test]
    fn conversions() {
        let f = f32x4([f32::NAN, -1.5, 3e9, -3e9]);
        let r: [i32; 4] = lanes(unary(UnOp::I32x4TruncSatF32x4S, f));
        assert_eq!(r, [0, -1, i32::MAX, i32::MIN]);
        let r: [u32; 4] = lanes(unary(UnOp::I32x4TruncSatF32x4U, f));
        assert_eq!(r, [0, 0, 3_000_000_000, 0]);
        assert_eq!(unary(UnOp::I32x4RelaxedTruncF32x4U, f), unary(UnOp::I32x4TruncSatF32x4U, f));
        let d = f64x2([-1e10, 4294967295.9]);
        let r: [i32; 4] = lanes(unary(UnOp::I32x4TruncSatF64x2SZero, d));
        assert_eq!(r, [i32::MIN, i32::MAX, 0, 0]);
        let r: [u32; 4] = lanes(unary(UnOp::I32x4TruncSatF64x2UZero, d));
        assert_eq!(r, [0, u32::MAX, 0, 0]);
        let r: [f32; 4] = lanes(unary(UnOp::F32x4ConvertI32x4U, i32x4([-1, 16777217, 0, 1])));
        assert_eq!(r, [4294967296.0, 16777216.0, 0.0, 1.0]);
        let r: [f32; 4] =
            lanes(unary(UnOp::F32x4ConvertI32x4S, i32x4([-1, 16777219, 0, i32::MIN])));
        assert_eq!(r, [-1.0, 16777220.0, 0.0, -2147483648.0]);
        let r: [f64; 2] = lanes(unary(UnOp::F64x2ConvertLowI32x4U, i32x4([-1, 2, 9, 9])));
        assert_eq!(r, [4294967295.0, 2.0]);
        let r: [f64; 2] = lanes(unary(UnOp::F64x2ConvertLowI32x4S, i32x4([-1, 2, 9, 9])));
        assert_eq!(r, [-1.0, 2.0]);
        let r = f32_bits(unary(UnOp::F32x4DemoteF64x2Zero, f64x2([1e300, 1.0000000596046448])));
        assert_eq!(r, [f32::INFINITY.to_bits(), 1.0f32.to_bits(), 0, 0]); // tie to even
        let r = f32_bits(unary(UnOp::F32x4DemoteF64x2Zero, f64x2([f64::NAN, -0.0])));
        assert_eq!(r, [NAN32, 0x8000_0000, 0, 0]);
        let r = f64_bits(unary(UnOp::F64x2PromoteLowF32x4, f32x4([-0.0, f32::NAN, 9.0, 9.0])));
        assert_eq!(r, [0x8000_0000_0000_0000, NAN64]);
    }

    #[test]
    fn shifts_mod_width() {
        let v = i8x16([-128, 64, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        let r: [i8; 16] = lanes(shift(ShiftOp::I8x16ShrS, v, 9)); // 9 mod 8 = 1
        assert_eq!(r[..3], [-64, 32, 0]);
        let r: [u8; 16] = lanes(shift(ShiftOp::I8x16ShrU, v, 7));
        assert_eq!(r[..3], [1, 0, 0]);
        let r: [i8; 16] = lanes(shift(ShiftOp::I8x16Shl, v, 8));
        assert_eq!(r, lanes::<i8, 16>(v));
        let r: [i16; 8] = lanes(shift(ShiftOp::I16x8Shl, i16x8([1, -1, 0, 0, 0, 0, 0, 0]), 15));
        assert_eq!(r[..2], [i16::MIN, i16::MIN]);
        let r: [i32; 4] = lanes(shift(ShiftOp::I32x4ShrS, i32x4([i32::MIN, 8, -1, 1]), 33));
        assert_eq!(r, [i32::MIN / 2, 4, -1, 0]);
        let r: [i64; 2] = lanes(shift(ShiftOp::I64x2ShrU, i64x2([-1, 8]), 0xffff_ffff));
        assert_eq!(r, [1, 0]); // 63
    }

    #[test]
    fn splat_extract_replace() {
        assert_eq!(splat(SplatOp::I8x16, 0x1_23ff), u128::MAX);
        assert_eq!(splat(SplatOp::I16x8, 0xabcd_1234), rep(0x1234, 16));
        assert_eq!(lanes::<f32, 4>(splat(SplatOp::F32x4, 1.5f32.to_bits() as u64)), [1.5; 4]);
        assert_eq!(lanes::<i64, 2>(splat(SplatOp::I64x2, u64::MAX)), [-1, -1]);
        let v = i8x16([0, -2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x7f]);
        assert_eq!(extract_lane(ExtractOp::I8x16S, v, 1), 0xffff_fffe);
        assert_eq!(extract_lane(ExtractOp::I8x16U, v, 1), 0xfe);
        assert_eq!(extract_lane(ExtractOp::I8x16S, v, 15), 0x7f);
        let w = i16x8([0, 0, 0, -3, 0, 0, 0, 0]);
        assert_eq!(extract_lane(ExtractOp::I16x8S, w, 3), 0xffff_fffd);
        assert_eq!(extract_lane(ExtractOp::I16x8U, w, 3), 0xfffd);
        let d = f64x2([1.0, -2.5]);
        assert_eq!(extract_lane(ExtractOp::F64x2, d, 1), (-2.5f64).to_bits());
        assert_eq!(extract_lane(ExtractOp::I32x4, i32x4([0, 0, -1, 0]), 2), 0xffff_ffff);
        let r = replace_lane(ReplaceOp::I8x16, v, 0x1_0203, 15);
        assert_eq!(lanes::<u8, 16>(r)[14..], [0, 3]);
        assert_eq!(r & !(0xffu128 << 120), v & !(0xffu128 << 120));
        let r = replace_lane(ReplaceOp::F32x4, f32x4([1.0; 4]), f32::NAN.to_bits() as u64, 2);
        assert_eq!(f32_bits(r), [0x3f80_0000, 0x3f80_0000, NAN32, 0x3f80_0000]);
        let r = replace_lane(ReplaceOp::I64x2, 0, u64::MAX, 1);
        assert_eq!(r, (u64::MAX as u128) << 64);
    }

    #[test]
    fn tests_and_bitmask() {
        assert_eq!(test(TestOp::V128AnyTrue, 0), 0);
        assert_eq!(test(TestOp::V128AnyTrue, 1 << 127), 1);
        let v = i8x16([1, -1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, -128]);
        assert_eq!(test(TestOp::I8x16AllTrue, v), 1);
        assert_eq!(test(TestOp::I8x16AllTrue, v & !(0xff << 64)), 0);
        assert_eq!(test(TestOp::I16x8AllTrue, i16x8([256, 1, 1, 1, 1, 1, 1, 1])), 1);
        assert_eq!(test(TestOp::I64x2AllTrue, i64x2([1, 0])), 0);
        assert_eq!(test(TestOp::I8x16Bitmask, v), 0x8002);
        assert_eq!(test(TestOp::I16x8Bitmask, i16x8([-1, 0, 0, i16::MIN, 0, 0, 0, 1])), 0b1001);
        assert_eq!(test(TestOp::I32x4Bitmask, i32x4([0, -1, 0, -5])), 0b1010);
        assert_eq!(test(TestOp::I64x2Bitmask, i64x2([-1, 1])), 1);
    }

    #[test]
    fn shuffle_swizzle_bitselect() {
        let a = u128::from_le_bytes(std::array::from_fn(|i| i as u8));
        let b = u128::from_le_bytes(std::array::from_fn(|i| 0x80 | i as u8));
        let idx = [0, 31, 16, 15, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22];
        let r = shuffle(&idx, a, b).to_le_bytes();
        assert_eq!(r[..4], [0, 0x8f, 0x80, 15]);
        assert_eq!(r[15], 0x86);
        let sel = u128::from_le_bytes([15, 16, 255, 0x80, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
        let r = binary(BinOp::I8x16Swizzle, b, sel).to_le_bytes();
        assert_eq!(r[..6], [0x8f, 0, 0, 0, 0x80, 0x81]);
        assert_eq!(binary(BinOp::I8x16RelaxedSwizzle, b, sel), binary(BinOp::I8x16Swizzle, b, sel));
        let m = 0xff00_ff00_u128 | (1 << 127);
        assert_eq!(ternary(TernOp::V128Bitselect, a, b, m), (a & m) | (b & !m));
        assert_eq!(ternary(TernOp::I32x4RelaxedLaneselect, a, b, m), (a & m) | (b & !m));
        assert_eq!(binary(BinOp::V128AndNot, 0b1100, 0b1010), 0b0100);
        assert_eq!(unary(UnOp::V128Not, 0), u128::MAX);
    }

    #[test]
    fn loads_and_lanes() {
        let mem: Vec<u8> = (0..16).map(|i| 0xf0 | i).collect();
        assert_eq!(
            load(LoadOp::V128Load, &mem),
            u128::from_le_bytes(mem.clone().try_into().unwrap())
        );
        let r: [i16; 8] = lanes(load(LoadOp::V128Load8x8S, &mem[..8]));
        assert_eq!(r[..2], [-16, -15]);
        let r: [u16; 8] = lanes(load(LoadOp::V128Load8x8U, &mem[..8]));
        assert_eq!(r[..2], [0xf0, 0xf1]);
        let r: [i32; 4] = lanes(load(LoadOp::V128Load16x4S, &mem[..8]));
        assert_eq!(r[0], 0xfffff1f0u32 as i32);
        let r: [u64; 2] = lanes(load(LoadOp::V128Load32x2U, &mem[..8]));
        assert_eq!(r, [0xf3f2_f1f0, 0xf7f6_f5f4]);
        let r: [i64; 2] = lanes(load(LoadOp::V128Load32x2S, &mem[..8]));
        assert_eq!(r[1], 0xf7f6_f5f4u32 as i32 as i64);
        assert_eq!(load(LoadOp::V128Load8Splat, &mem[..1]), rep(0xf0, 8));
        assert_eq!(load(LoadOp::V128Load16Splat, &mem[..2]), rep(0xf1f0, 16));
        assert_eq!(load(LoadOp::V128Load64Splat, &mem[..8]), rep(0xf7f6_f5f4_f3f2_f1f0, 64));
        assert_eq!(load(LoadOp::V128Load32Zero, &mem[..4]), 0xf3f2_f1f0);
        assert_eq!(load(LoadOp::V128Load64Zero, &mem[..8]), 0xf7f6_f5f4_f3f2_f1f0);
        let v = load_lane(LaneWidth::B16, u128::MAX, &[0x34, 0x12], 7);
        assert_eq!(v, (u128::MAX >> 16) | (0x1234 << 112));
        let v = load_lane(LaneWidth::B64, 0, &mem[..8], 0);
        assert_eq!(v, 0xf7f6_f5f4_f3f2_f1f0);
        let (bytes, n) = store_lane(LaneWidth::B32, i32x4([0, 0, 0x0403_0201, 0]), 2);
        assert_eq!((&bytes[..n], n), (&[1u8, 2, 3, 4][..], 4));
        let (bytes, n) = store_lane(LaneWidth::B8, i8x16([9; 16]), 15);
        assert_eq!((bytes[0], n), (9, 1));
        let (bytes, n) = store_lane(LaneWidth::B64, i64x2([0, -2]), 1);
        assert_eq!((bytes, n), ((-2i64).to_le_bytes(), 8));
    }
}
