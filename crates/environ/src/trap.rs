use std::fmt;

/// Why WebAssembly execution stopped abnormally.
///
/// Every tier reports runtime faults with these codes; the messages follow
/// the wording of the WebAssembly specification's test suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Trap {
    /// An `unreachable` instruction was executed.
    Unreachable,
    /// A load or store, or a bulk memory operation, went out of bounds.
    MemoryOutOfBounds,
    /// A table access, or a bulk table operation, went out of bounds.
    TableOutOfBounds,
    /// `call_indirect` with an index beyond the table.
    UndefinedElement,
    /// `call_indirect` through a null table entry.
    UninitializedElement,
    /// `call_indirect` to a function of the wrong type.
    BadSignature,
    /// Signed integer division overflowed (`INT_MIN / -1`).
    IntegerOverflow,
    /// Integer division or remainder by zero.
    IntegerDivisionByZero,
    /// A float-to-int conversion of NaN or an out-of-range value.
    BadConversionToInteger,
    /// The call stack exceeded its configured depth or size.
    StackOverflow,
    /// A null reference was dereferenced.
    NullReference,
    /// `call_ref` through a null function reference.
    NullFunctionReference,
    /// The store ran out of fuel.
    OutOfFuel,
    /// The epoch deadline was reached.
    Interrupted,
    /// A host function failed to allocate memory for the guest, or a
    /// table or memory could not be created.
    AllocationFailed,
    /// A store's resource limit refused a `memory.grow` or `table.grow`
    /// (when configured to trap rather than return -1).
    LimitExceeded,
}

impl Trap {
    /// The message for this trap, as the spec test suite spells it.
    pub fn message(self) -> &'static str {
        match self {
            Trap::Unreachable => "unreachable",
            Trap::MemoryOutOfBounds => "out of bounds memory access",
            Trap::TableOutOfBounds => "out of bounds table access",
            Trap::UndefinedElement => "undefined element",
            Trap::UninitializedElement => "uninitialized element",
            Trap::BadSignature => "indirect call type mismatch",
            Trap::IntegerOverflow => "integer overflow",
            Trap::IntegerDivisionByZero => "integer divide by zero",
            Trap::BadConversionToInteger => "invalid conversion to integer",
            Trap::StackOverflow => "call stack exhausted",
            Trap::NullReference => "null reference",
            Trap::NullFunctionReference => "null function reference",
            Trap::OutOfFuel => "all fuel consumed",
            Trap::Interrupted => "interrupted: epoch deadline reached",
            Trap::AllocationFailed => "allocation failed",
            Trap::LimitExceeded => "resource limit exceeded",
        }
    }
}

impl Trap {
    /// Every trap, in code order.
    const ALL: [Trap; 16] = [
        Trap::Unreachable,
        Trap::MemoryOutOfBounds,
        Trap::TableOutOfBounds,
        Trap::UndefinedElement,
        Trap::UninitializedElement,
        Trap::BadSignature,
        Trap::IntegerOverflow,
        Trap::IntegerDivisionByZero,
        Trap::BadConversionToInteger,
        Trap::StackOverflow,
        Trap::NullReference,
        Trap::NullFunctionReference,
        Trap::OutOfFuel,
        Trap::Interrupted,
        Trap::AllocationFailed,
        Trap::LimitExceeded,
    ];

    /// The trap's stable one-byte code (1 and up), as compiled code and
    /// artifacts record it.
    pub fn to_code(self) -> u8 {
        Self::ALL.iter().position(|&t| t == self).map_or(0, |i| i as u8 + 1)
    }

    /// The trap with the given code.
    pub fn from_code(code: u8) -> Option<Trap> {
        Self::ALL.get(usize::from(code).checked_sub(1)?).copied()
    }
}

/// The code compiled code traps with when a runtime function has already
/// recorded why execution must stop (a trap or a host error).
pub const TRAP_PENDING: u8 = 200;

impl fmt::Display for Trap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for Trap {}
