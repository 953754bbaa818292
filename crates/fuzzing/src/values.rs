//! Engine-neutral values and outcomes, and how they compare.
//!
//! Every engine's results are converted to these types before comparison,
//! so that one engine's handles, float wrappers or trap codes never meet
//! another's.

use std::fmt;

/// A value as the oracles compare it.
///
/// References compare by null-ness only: a function or extern reference is
/// a handle into one engine's store and means nothing in another.
#[derive(Clone, Copy)]
pub enum DiffValue {
    /// `i32`.
    I32(i32),
    /// `i64`.
    I64(i64),
    /// `f32`, as its bits.
    F32(u32),
    /// `f64`, as its bits.
    F64(u64),
    /// `v128`, as its bits.
    V128(u128),
    /// `funcref`: whether it is null.
    FuncRef {
        /// Whether the reference is null.
        null: bool,
    },
    /// `externref`: whether it is null.
    ExternRef {
        /// Whether the reference is null.
        null: bool,
    },
}

impl DiffValue {
    /// The zero value (or null) of a type.
    pub fn zero(ty: wisp::ValType) -> DiffValue {
        use wisp::{RefType, ValType};
        match ty {
            ValType::I32 => DiffValue::I32(0),
            ValType::I64 => DiffValue::I64(0),
            ValType::F32 => DiffValue::F32(0),
            ValType::F64 => DiffValue::F64(0),
            ValType::V128 => DiffValue::V128(0),
            ValType::Ref(RefType::FuncRef) => DiffValue::FuncRef { null: true },
            ValType::Ref(RefType::ExternRef) => DiffValue::ExternRef { null: true },
        }
    }

    /// Whether two results agree, up to what the specification leaves to
    /// the engine: the payload (and sign) of a NaN produced by arithmetic,
    /// in scalars and in the lanes of vectors.
    ///
    /// A `v128` agrees if its bits are equal or if it agrees lane by lane
    /// read as `f32x4` or as `f64x2`: the vector does not say which shape
    /// its producer used.
    pub fn agrees_with(&self, other: &DiffValue) -> bool {
        match (*self, *other) {
            (DiffValue::I32(a), DiffValue::I32(b)) => a == b,
            (DiffValue::I64(a), DiffValue::I64(b)) => a == b,
            (DiffValue::F32(a), DiffValue::F32(b)) => f32_agrees(a, b),
            (DiffValue::F64(a), DiffValue::F64(b)) => f64_agrees(a, b),
            (DiffValue::V128(a), DiffValue::V128(b)) => {
                a == b
                    || (0..4).all(|i| f32_agrees((a >> (32 * i)) as u32, (b >> (32 * i)) as u32))
                    || (0..2).all(|i| f64_agrees((a >> (64 * i)) as u64, (b >> (64 * i)) as u64))
            }
            (DiffValue::FuncRef { null: a }, DiffValue::FuncRef { null: b })
            | (DiffValue::ExternRef { null: a }, DiffValue::ExternRef { null: b }) => a == b,
            _ => false,
        }
    }
}

fn f32_agrees(a: u32, b: u32) -> bool {
    a == b || (f32::from_bits(a).is_nan() && f32::from_bits(b).is_nan())
}

fn f64_agrees(a: u64, b: u64) -> bool {
    a == b || (f64::from_bits(a).is_nan() && f64::from_bits(b).is_nan())
}

impl fmt::Debug for DiffValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            DiffValue::I32(v) => write!(f, "i32:{v}"),
            DiffValue::I64(v) => write!(f, "i64:{v}"),
            DiffValue::F32(v) => write!(f, "f32:{}({v:#010x})", f32::from_bits(v)),
            DiffValue::F64(v) => write!(f, "f64:{}({v:#018x})", f64::from_bits(v)),
            DiffValue::V128(v) => write!(f, "v128:{v:#034x}"),
            DiffValue::FuncRef { null } => {
                write!(f, "funcref:{}", if null { "null" } else { "func" })
            }
            DiffValue::ExternRef { null } => {
                write!(f, "externref:{}", if null { "null" } else { "extern" })
            }
        }
    }
}

/// Whether two lists of values agree element by element.
pub fn all_agree(a: &[DiffValue], b: &[DiffValue]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.agrees_with(y))
}

/// Why execution trapped, in terms every engine can be mapped to.
///
/// Engines split some traps differently: Wisp tells a `call_indirect`
/// beyond the table (`UndefinedElement`) from other out-of-bounds table
/// accesses, wasmi does not; both land on [`TrapKind::TableOutOfBounds`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TrapKind {
    /// `unreachable` was executed.
    Unreachable,
    /// A memory access or bulk memory operation was out of bounds.
    MemoryOutOfBounds,
    /// A table access, bulk table operation or `call_indirect` index was
    /// out of bounds.
    TableOutOfBounds,
    /// `call_indirect` through a null entry.
    IndirectCallToNull,
    /// `call_indirect` to a function of the wrong type.
    BadSignature,
    /// Signed division overflowed.
    IntegerOverflow,
    /// Integer division or remainder by zero.
    IntegerDivisionByZero,
    /// Float-to-int conversion of NaN or an out-of-range value.
    BadConversionToInteger,
    /// A null reference was dereferenced.
    NullReference,
}

/// A limit of the engine rather than of the program was reached: the
/// outcome says nothing about the program's semantics, since engines
/// measure (and may legitimately set) these limits differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Exhaustion {
    /// The fuel budget ran out.
    Fuel,
    /// The call stack's depth or size limit was reached.
    Stack,
    /// An epoch deadline was reached.
    Epoch,
    /// Memory for the guest could not be had, or a resource limit refused
    /// it.
    Resources,
}

/// How an instantiation or a call ended.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// The call returned these values (nothing, for an instantiation).
    Returned(Vec<DiffValue>),
    /// Execution trapped.
    Trapped(TrapKind),
    /// A limit of the engine was reached; see [`Exhaustion`].
    Exhausted(Exhaustion),
    /// The module was rejected as invalid.
    Invalid(String),
    /// The engine refused the module or call for another reason (a feature
    /// it does not support, a failure to link, a type error).
    Failed(String),
}

impl Outcome {
    /// Whether two outcomes agree. Error messages are not compared, only
    /// kinds: engines word them differently.
    pub fn agrees_with(&self, other: &Outcome) -> bool {
        match (self, other) {
            (Outcome::Returned(a), Outcome::Returned(b)) => all_agree(a, b),
            (Outcome::Trapped(a), Outcome::Trapped(b)) => a == b,
            (Outcome::Exhausted(a), Outcome::Exhausted(b)) => a == b,
            (Outcome::Invalid(_), Outcome::Invalid(_)) => true,
            (Outcome::Failed(_), Outcome::Failed(_)) => true,
            _ => false,
        }
    }
}
