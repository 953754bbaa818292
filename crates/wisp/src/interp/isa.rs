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
        /// One interpreter instruction.
        #[derive(Debug, Clone, Copy, PartialEq)]
        pub(crate) enum Instr {
            $( $bin(Reg, Reg, Reg), )*
            $( $un(Reg, Reg), )*
            $( $imm(Reg, Reg, i32), )*
            $( $brc(Reg, Reg, u32), )*
            $( $brci(Reg, i32, u32), )*
            $($other)*
        }

        impl Instr {
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
            | RefIsNull(d, _) => Some(d),
            _ => self.arith_dst_mut(),
        }
    }
}
