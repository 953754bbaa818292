//! The interpreter's internal bytecode.
//!
//! Register machine: every operand names a cell of the current frame
//! (`Reg`, an index relative to the frame base). A frame holds the
//! parameters, then the declared locals, then the temporaries that stand for
//! the Wasm operand stack; a value of type `v128` takes two adjacent cells.
//! Branch targets are absolute instruction indices, resolved at translation.
//! Instructions are 16 bytes; the rare ones that need more operands are
//! followed by [`Instr::Extra`] words.

/// A cell index relative to the frame base.
pub(crate) type Reg = u32;

macro_rules! isa {
    (
        binary { $($bin:ident)* }
        unary { $($un:ident)* }
        binary_imm { $($imm:ident)* }
        branch_cmp { $($brc:ident)* }
        branch_cmp_imm { $($brci:ident)* }
        other { $($other:tt)* }
    ) => {
        /// One interpreter instruction. `repr(u16)` puts the opcode in the
        /// first two bytes, where the dispatch reads it.
        #[derive(Debug, Clone, Copy, PartialEq)]
        #[repr(u16)]
        pub(crate) enum Instr {
            $( $bin(Reg, Reg, Reg), )*
            $( $un(Reg, Reg), )*
            $( $imm(Reg, Reg, i32), )*
            $( $brc(Reg, Reg, u32), )*
            $( $brci(Reg, i32, u32), )*
            $($other)*
        }

        impl Instr {
            /// Applies `f` to the registers of a plain arithmetic or
            /// compare-and-branch instruction; `false` for other kinds.
            fn map_arith_regs(&mut self, f: &impl Fn(Reg) -> Reg) -> bool {
                match self {
                    $( Instr::$bin(d, a, b) => { *d = f(*d); *a = f(*a); *b = f(*b); } )*
                    $( Instr::$un(d, a) => { *d = f(*d); *a = f(*a); } )*
                    $( Instr::$imm(d, a, _) => { *d = f(*d); *a = f(*a); } )*
                    $( Instr::$brc(a, b, _) => { *a = f(*a); *b = f(*b); } )*
                    $( Instr::$brci(a, _, _) => { *a = f(*a); } )*
                    _ => return false,
                }
                true
            }

            /// The destination of a plain arithmetic instruction.
            fn arith_dst_mut(&mut self) -> Option<&mut Reg> {
                match self {
                    $( Instr::$bin(d, ..) )|* => Some(d),
                    $( Instr::$un(d, ..) )|* => Some(d),
                    $( Instr::$imm(d, ..) )|* => Some(d),
                    _ => None,
                }
            }
        }
    };
}

isa! {
    // (dst, lhs, rhs)
    binary {
        I32Add I32Sub I32Mul I32DivS I32DivU I32RemS I32RemU I32And I32Or I32Xor
        I32Shl I32ShrS I32ShrU I32Rotl I32Rotr
        I32Eq I32Ne I32LtS I32LtU I32GtS I32GtU I32LeS I32LeU I32GeS I32GeU
        I64Add I64Sub I64Mul I64DivS I64DivU I64RemS I64RemU I64And I64Or I64Xor
        I64Shl I64ShrS I64ShrU I64Rotl I64Rotr
        I64Eq I64Ne I64LtS I64LtU I64GtS I64GtU I64LeS I64LeU I64GeS I64GeU
        F32Add F32Sub F32Mul F32Div F32Min F32Max F32Copysign
        F32Eq F32Ne F32Lt F32Gt F32Le F32Ge
        F64Add F64Sub F64Mul F64Div F64Min F64Max F64Copysign
        F64Eq F64Ne F64Lt F64Gt F64Le F64Ge
    }
    // (dst, src)
    unary {
        I32Eqz I32Clz I32Ctz I32Popcnt I64Eqz I64Clz I64Ctz I64Popcnt
        F32Abs F32Neg F32Ceil F32Floor F32Trunc F32Nearest F32Sqrt
        F64Abs F64Neg F64Ceil F64Floor F64Trunc F64Nearest F64Sqrt
        I32WrapI64 I32TruncF32S I32TruncF32U I32TruncF64S I32TruncF64U
        I64ExtendI32S I64ExtendI32U I64TruncF32S I64TruncF32U I64TruncF64S I64TruncF64U
        F32ConvertI32S F32ConvertI32U F32ConvertI64S F32ConvertI64U F32DemoteF64
        F64ConvertI32S F64ConvertI32U F64ConvertI64S F64ConvertI64U F64PromoteF32
        I32Extend8S I32Extend16S I64Extend8S I64Extend16S I64Extend32S
        I32TruncSatF32S I32TruncSatF32U I32TruncSatF64S I32TruncSatF64U
        I64TruncSatF32S I64TruncSatF32U I64TruncSatF64S I64TruncSatF64U
        // Moves one cell; `Copy2` moves a v128.
        Copy Copy2
        // Reinterpretations are free: cells hold raw bits.
    }
    // (dst, lhs, immediate rhs); i64 forms sign-extend the immediate.
    binary_imm {
        I32AddImm I32MulImm I32AndImm I32OrImm I32XorImm I32ShlImm I32ShrSImm I32ShrUImm
        I32RotlImm I64RotlImm
        I32EqImm I32NeImm I32LtSImm I32LtUImm I32GtSImm I32GtUImm I32LeSImm I32LeUImm
        I32GeSImm I32GeUImm
        I64AddImm I64MulImm I64AndImm I64OrImm I64XorImm I64ShlImm I64ShrSImm I64ShrUImm
        I64EqImm I64NeImm I64LtSImm I64LtUImm I64GtSImm I64GtUImm I64LeSImm I64LeUImm
        I64GeSImm I64GeUImm
    }
    // Fused compare-and-branch: (lhs, rhs, target), taken when the comparison holds.
    branch_cmp {
        BrI32Eq BrI32Ne BrI32LtS BrI32LtU BrI32GtS BrI32GtU BrI32LeS BrI32LeU BrI32GeS BrI32GeU
        BrI64Eq BrI64Ne BrI64LtS BrI64LtU BrI64GtS BrI64GtU BrI64LeS BrI64LeU BrI64GeS BrI64GeU
    }
    branch_cmp_imm {
        BrI32EqImm BrI32NeImm BrI32LtSImm BrI32LtUImm BrI32GtSImm BrI32GtUImm BrI32LeSImm
        BrI32LeUImm BrI32GeSImm BrI32GeUImm
    }
    other {
        /// Operand words for the preceding instruction.
        Extra(u32, u32, u32),
        /// `dst = rotl(a ^ b, k)`: (k, dst, a, b), `k` below the width. The
        /// rounds of hashes and ciphers are chains of these.
        I32XorRotl(u8, Reg, Reg, Reg),
        I64XorRotl(u8, Reg, Reg, Reg),
        /// Charge fuel for the straight-line code that follows (fuel metering).
        Fuel(u32),
        /// Trap if the engine's epoch has reached the store's deadline.
        EpochCheck,
        /// Trap with `unreachable`.
        Unreachable,
        /// Unconditional jump.
        Br(u32),
        /// Jump when the i32 in the register is non-zero.
        BrIfNez(Reg, u32),
        /// Jump when the i32 in the register is zero.
        BrIfEqz(Reg, u32),
        /// Jump when the i64 in the register is non-zero.
        BrIfNez64(Reg, u32),
        /// Jump when the i64 in the register is zero.
        BrIfEqz64(Reg, u32),
        /// Jump through a table: followed by `len + 1` `Br` entries, the last the default.
        BrTable(Reg, u32),
        /// Return; results are already in the first cells of the frame.
        Return,
        /// Move one cell into the first cell of the frame and return.
        Return1(Reg),
        /// Return an i32 constant.
        ReturnImm(i32),
        /// Call function `func` of the current instance with arguments starting at `base`.
        Call(u32, Reg),
        /// `call_indirect` of type `ty` with the table index in a register,
        /// arguments at `base`; followed by `Extra(table, 0, 0)`.
        CallIndirect(Reg, Reg, u32),
        /// Tail call: like `Call`, but the callee replaces the current frame.
        ReturnCall(u32, Reg),
        /// Tail `call_indirect`; followed by `Extra(table, 0, 0)`.
        ReturnCallIndirect(Reg, Reg, u32),
        /// Call the function reference in the first register, arguments at `base`.
        CallRef(Reg, Reg),
        /// Tail call through a function reference.
        ReturnCallRef(Reg, Reg),
        /// (dst, src): traps with "null reference" if the reference is null.
        RefAsNonNull(Reg, Reg),
        /// Load 32-bit and 64-bit constants.
        Const32(Reg, u32),
        Const64(Reg, u64),
        /// Load a v128 constant from the function's constant pool.
        ConstV128(Reg, u32),
        /// `dst = cond ? a : b`, followed by `Extra(cond, 0, 0)`; `Select2` for v128.
        Select(Reg, Reg, Reg),
        Select2(Reg, Reg, Reg),
        /// Globals: (register, global index); the `2` forms move a v128.
        GlobalGet(Reg, u32),
        GlobalSet(Reg, u32),
        GlobalGet2(Reg, u32),
        GlobalSet2(Reg, u32),
        /// Loads from memory 0: (dst, address, static offset).
        Load32(Reg, Reg, u32),
        Load64(Reg, Reg, u32),
        Load8U(Reg, Reg, u32),
        Load16U(Reg, Reg, u32),
        Load8S32(Reg, Reg, u32),
        Load16S32(Reg, Reg, u32),
        Load8S64(Reg, Reg, u32),
        Load16S64(Reg, Reg, u32),
        Load32S64(Reg, Reg, u32),
        /// Stores to memory 0: (address, value, static offset).
        Store8(Reg, Reg, u32),
        Store16(Reg, Reg, u32),
        Store32(Reg, Reg, u32),
        Store64(Reg, Reg, u32),
        /// Memory access to another memory or with an offset beyond u32:
        /// the plain instruction is preceded by `MemArg(memory, offset_hi)`,
        /// whose values override memory 0 and extend the offset.
        MemArg(u32, u32),
        /// (dst, memory)
        MemorySize(Reg, u32),
        /// (dst = old size or -1, delta, memory)
        MemoryGrow(Reg, Reg, u32),
        /// (dst, value, len), followed by `Extra(memory, 0, 0)`.
        MemoryFill(Reg, Reg, Reg),
        /// (dst, src, len), followed by `Extra(dst memory, src memory, 0)`.
        MemoryCopy(Reg, Reg, Reg),
        /// (dst, src, len), followed by `Extra(segment, memory, 0)`.
        MemoryInit(Reg, Reg, Reg),
        DataDrop(u32),
        /// (dst, index, table)
        TableGet(Reg, Reg, u32),
        /// (index, value, table)
        TableSet(Reg, Reg, u32),
        /// (dst, table)
        TableSize(Reg, u32),
        /// (dst = old size or -1, init value, delta), followed by `Extra(table, 0, 0)`.
        TableGrow(Reg, Reg, Reg),
        /// (index, value, len), followed by `Extra(table, 0, 0)`.
        TableFill(Reg, Reg, Reg),
        /// (dst, src, len), followed by `Extra(dst table, src table, 0)`.
        TableCopy(Reg, Reg, Reg),
        /// (dst, src, len), followed by `Extra(segment, table, 0)`.
        TableInit(Reg, Reg, Reg),
        ElemDrop(u32),
        /// (dst, function index)
        RefFunc(Reg, u32),
        /// (dst, src): 1 if the reference is null.
        RefIsNull(Reg, Reg),
        /// SIMD, by shape; see `simd.rs` for the operators.
        V128Unary(crate::interp::simd::UnOp, Reg, Reg),
        V128Binary(crate::interp::simd::BinOp, Reg, Reg, Reg),
        /// (op, dst, a, b), followed by `Extra(c, 0, 0)`.
        V128Ternary(crate::interp::simd::TernOp, Reg, Reg, Reg),
        V128Shift(crate::interp::simd::ShiftOp, Reg, Reg, Reg),
        V128Splat(crate::interp::simd::SplatOp, Reg, Reg),
        V128Extract(crate::interp::simd::ExtractOp, u8, Reg, Reg),
        V128Replace(crate::interp::simd::ReplaceOp, u8, Reg, Reg, Reg),
        V128Test(crate::interp::simd::TestOp, Reg, Reg),
        /// (dst, a, b), followed by `Extra(pool index, 0, 0)` naming the lane pattern.
        V128Shuffle(Reg, Reg, Reg),
        /// (op, dst, address, offset)
        V128Load(crate::interp::simd::LoadOp, Reg, Reg, u32),
        /// (address, value, offset)
        V128Store(Reg, Reg, u32),
        /// (width, lane, dst, address, vector), followed by `Extra(offset, 0, 0)`.
        V128LoadLane(crate::interp::simd::LaneWidth, u8, Reg, Reg, Reg),
        /// (width, lane, address, vector), followed by `Extra(offset, 0, 0)`.
        V128StoreLane(crate::interp::simd::LaneWidth, u8, Reg, Reg),
    }
}

const _: () = assert!(std::mem::size_of::<Instr>() == 16);

impl Instr {
    /// The branch target of a jump, for back-patching.
    pub(crate) fn target_mut(&mut self) -> Option<&mut u32> {
        use Instr::*;
        match self {
            Br(t) | BrIfNez(_, t) | BrIfEqz(_, t) | BrIfNez64(_, t) | BrIfEqz64(_, t) => Some(t),
            BrI32Eq(_, _, t)
            | BrI32Ne(_, _, t)
            | BrI32LtS(_, _, t)
            | BrI32LtU(_, _, t)
            | BrI32GtS(_, _, t)
            | BrI32GtU(_, _, t)
            | BrI32LeS(_, _, t)
            | BrI32LeU(_, _, t)
            | BrI32GeS(_, _, t)
            | BrI32GeU(_, _, t)
            | BrI64Eq(_, _, t)
            | BrI64Ne(_, _, t)
            | BrI64LtS(_, _, t)
            | BrI64LtU(_, _, t)
            | BrI64GtS(_, _, t)
            | BrI64GtU(_, _, t)
            | BrI64LeS(_, _, t)
            | BrI64LeU(_, _, t)
            | BrI64GeS(_, _, t)
            | BrI64GeU(_, _, t) => Some(t),
            BrI32EqImm(_, _, t)
            | BrI32NeImm(_, _, t)
            | BrI32LtSImm(_, _, t)
            | BrI32LtUImm(_, _, t)
            | BrI32GtSImm(_, _, t)
            | BrI32GtUImm(_, _, t)
            | BrI32LeSImm(_, _, t)
            | BrI32LeUImm(_, _, t)
            | BrI32GeSImm(_, _, t)
            | BrI32GeUImm(_, _, t) => Some(t),
            _ => None,
        }
    }

    /// Applies `f` to every register operand. `Extra` words are left alone:
    /// whether they hold registers depends on the instruction they follow
    /// (see [`Instr::extra_has_reg`]).
    pub(crate) fn map_regs(&mut self, f: &impl Fn(Reg) -> Reg) {
        use Instr::*;
        if self.map_arith_regs(f) {
            return;
        }
        match self {
            Extra(..) | Unreachable | Br(_) | Return | ReturnImm(_) | MemArg(..) | DataDrop(_)
            | ElemDrop(_) | Fuel(_) | EpochCheck => {}
            BrIfNez(r, _)
            | BrIfEqz(r, _)
            | BrIfNez64(r, _)
            | BrIfEqz64(r, _)
            | BrTable(r, _)
            | Return1(r)
            | Call(_, r)
            | ReturnCall(_, r)
            | Const32(r, _)
            | Const64(r, _)
            | ConstV128(r, _)
            | GlobalGet(r, _)
            | GlobalSet(r, _)
            | GlobalGet2(r, _)
            | GlobalSet2(r, _)
            | MemorySize(r, _)
            | TableSize(r, _)
            | RefFunc(r, _) => *r = f(*r),
            CallIndirect(a, b, _)
            | ReturnCallIndirect(a, b, _)
            | CallRef(a, b)
            | ReturnCallRef(a, b)
            | RefAsNonNull(a, b)
            | RefIsNull(a, b)
            | Load32(a, b, _)
            | Load64(a, b, _)
            | Load8U(a, b, _)
            | Load16U(a, b, _)
            | Load8S32(a, b, _)
            | Load16S32(a, b, _)
            | Load8S64(a, b, _)
            | Load16S64(a, b, _)
            | Load32S64(a, b, _)
            | Store8(a, b, _)
            | Store16(a, b, _)
            | Store32(a, b, _)
            | Store64(a, b, _)
            | MemoryGrow(a, b, _)
            | TableGet(a, b, _)
            | TableSet(a, b, _)
            | V128Unary(_, a, b)
            | V128Splat(_, a, b)
            | V128Extract(_, _, a, b)
            | V128Test(_, a, b)
            | V128Load(_, a, b, _)
            | V128Store(a, b, _)
            | V128StoreLane(_, _, a, b) => {
                *a = f(*a);
                *b = f(*b);
            }
            Select(a, b, c)
            | Select2(a, b, c)
            | MemoryFill(a, b, c)
            | MemoryCopy(a, b, c)
            | MemoryInit(a, b, c)
            | TableGrow(a, b, c)
            | TableFill(a, b, c)
            | TableCopy(a, b, c)
            | TableInit(a, b, c)
            | V128Binary(_, a, b, c)
            | V128Ternary(_, a, b, c)
            | V128Shift(_, a, b, c)
            | V128Replace(_, _, a, b, c)
            | V128Shuffle(a, b, c)
            | I32XorRotl(_, a, b, c)
            | I64XorRotl(_, a, b, c)
            | V128LoadLane(_, _, a, b, c) => {
                *a = f(*a);
                *b = f(*b);
                *c = f(*c);
            }
            _ => unreachable!("map_arith_regs covers the remaining instructions"),
        }
    }

    /// Whether the `Extra` word after this instruction holds a register in
    /// its first field.
    pub(crate) fn extra_has_reg(&self) -> bool {
        matches!(self, Instr::Select(..) | Instr::Select2(..) | Instr::V128Ternary(..))
    }

    /// The destination register of an instruction that writes exactly one
    /// register and reads its inputs first, so the destination may be
    /// retargeted (the `local.set` fusion).
    pub(crate) fn dst_mut(&mut self) -> Option<&mut Reg> {
        use Instr::*;
        match self {
            Copy2(..) => None,
            Const32(d, _)
            | Const64(d, _)
            | GlobalGet(d, _)
            | Load32(d, ..)
            | Load64(d, ..)
            | Load8U(d, ..)
            | Load16U(d, ..)
            | Load8S32(d, ..)
            | Load16S32(d, ..)
            | Load8S64(d, ..)
            | Load16S64(d, ..)
            | Load32S64(d, ..)
            | MemorySize(d, _)
            | TableGet(d, ..)
            | TableSize(d, _)
            | RefFunc(d, _)
            | RefIsNull(d, _)
            | I32XorRotl(_, d, ..)
            | I64XorRotl(_, d, ..) => Some(d),
            _ => self.arith_dst_mut(),
        }
    }
}
