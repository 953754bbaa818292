//! The interpreter's internal bytecode.
//!
//! Register machine: every operand names a cell of the current frame
//! (`Reg`, an index relative to the frame base). A frame holds the
//! parameters, then the declared locals, then the temporaries that stand for
//! the Wasm operand stack; a value of type `v128` takes two adjacent cells.
//! Branch targets are absolute instruction indices, resolved at translation.
//! Instructions are 16 bytes; the rare ones that need more operands are
//! followed by [`Instr::Extra`] words.
//!
//! The dispatch also keeps the value of the last register written in an
//! *accumulator*, a machine register. Instructions listed with forms in
//! brackets, `I32Add [a: I32AddA, b: I32AddB]`, have *accumulator forms*
//! that take the named operand from it instead of from the frame; the
//! translator uses them when that operand is the register the instruction
//! before has just written (see `translate::use_accumulator`). A value
//! passed on in a register is not stored and reloaded on the way, so
//! dependent instructions do not wait for memory.

/// A cell index relative to the frame base.
pub(crate) type Reg = u32;

macro_rules! isa {
    (
        $(
            $(#[doc = $gdoc:literal])*
            group $group:ident $fields:tt: $ftys:tt {
                $( $name:ident $( [ $($accf:ident: $accv:ident),* ] )? )*
            }
        )*
        other { $($other:tt)* }
    ) => {
        /// One interpreter instruction. `repr(u16)` puts the opcode in the
        /// first two bytes, where the dispatch reads it.
        #[derive(Debug, Clone, Copy, PartialEq)]
        #[repr(u16)]
        pub(crate) enum Instr {
            $($(
                $name $ftys,
                $($( $accv $ftys, )*)?
            )*)*
            $($other)*
        }

        #[allow(unused_variables)]
        impl Instr {
            /// Applies `f` to the registers of a grouped instruction;
            /// `false` for the others.
            fn map_group_regs(&mut self, f: &impl Fn(Reg) -> Reg) -> bool {
                match self {
                    $($(
                        Instr::$name $fields $($( | Instr::$accv $fields )*)? => {
                            isa!(@map $group f $fields);
                            true
                        }
                    )*)*
                    _ => false,
                }
            }

            /// The destination of a grouped instruction that has one.
            fn group_dst_mut(&mut self) -> Option<&mut Reg> {
                match self {
                    $($(
                        Instr::$name $fields $($( | Instr::$accv $fields )*)? => {
                            isa!(@dst $group $fields)
                        }
                    )*)*
                    _ => None,
                }
            }

            /// The target of a grouped conditional branch.
            fn group_target_mut(&mut self) -> Option<&mut u32> {
                match self {
                    $($(
                        Instr::$name $fields $($( | Instr::$accv $fields )*)? => {
                            isa!(@target $group $fields)
                        }
                    )*)*
                    _ => None,
                }
            }

            /// The same instruction taking its operand register `r` from
            /// the accumulator instead, if it has such a form.
            pub(crate) fn with_acc(self, r: Reg) -> Option<Instr> {
                match self {
                    $($(
                        Instr::$name $fields => {
                            $($( if $accf == r { return Some(Instr::$accv $fields); } )*)?
                            None
                        }
                    )*)*
                    _ => self.other_with_acc(r),
                }
            }

            /// Every instruction that reads an operand from the accumulator.
            #[cfg(test)]
            pub(crate) fn acc_forms() -> Vec<Instr> {
                let mut all = Vec::new();
                $($($($(
                    all.push(isa!(@zeros $accv $fields));
                )*)?)*)*
                all.extend(Instr::other_acc_forms());
                all
            }
        }
    };
    (@zeros $v:ident ($($f:ident),*)) => {
        Instr::$v($(isa!(@zero $f)),*)
    };
    (@zero $f:ident) => {
        // SAFETY: operand fields are plain integers, for which zero is valid.
        unsafe { std::mem::zeroed() }
    };
    (@map binary $f:ident ($d:ident, $a:ident, $b:ident)) => {{
        *$d = $f(*$d);
        *$a = $f(*$a);
        *$b = $f(*$b);
    }};
    (@map load_idx $f:ident ($o:ident, $d:ident, $a:ident, $b:ident)) => {{
        *$d = $f(*$d);
        *$a = $f(*$a);
        *$b = $f(*$b);
    }};
    (@map load_idx_imm $f:ident ($o:ident, $d:ident, $a:ident, $i:ident)) => {{
        *$d = $f(*$d);
        *$a = $f(*$a);
    }};
    (@map store_idx $f:ident ($o:ident, $v:ident, $a:ident, $b:ident)) => {{
        *$v = $f(*$v);
        *$a = $f(*$a);
        *$b = $f(*$b);
    }};
    (@map store_idx_imm $f:ident ($o:ident, $v:ident, $a:ident, $i:ident)) => {{
        *$v = $f(*$v);
        *$a = $f(*$a);
    }};
    (@map $group:ident $f:ident ($d:ident, $a:ident, $i:ident)) => {{
        isa!(@map2 $group $f ($d, $a, $i));
    }};
    (@map unary $f:ident ($d:ident, $a:ident)) => {{
        *$d = $f(*$d);
        *$a = $f(*$a);
    }};
    (@map branch_reg $f:ident ($c:ident, $t:ident)) => {{
        *$c = $f(*$c);
    }};
    (@map2 binary_imm $f:ident ($d:ident, $a:ident, $i:ident)) => {{
        *$d = $f(*$d);
        *$a = $f(*$a);
    }};
    (@map2 load $f:ident ($d:ident, $a:ident, $o:ident)) => {{
        *$d = $f(*$d);
        *$a = $f(*$a);
    }};
    (@map2 store $f:ident ($a:ident, $v:ident, $o:ident)) => {{
        *$a = $f(*$a);
        *$v = $f(*$v);
    }};
    (@map2 branch_cmp $f:ident ($a:ident, $b:ident, $t:ident)) => {{
        *$a = $f(*$a);
        *$b = $f(*$b);
    }};
    (@map2 branch_cmp_imm $f:ident ($a:ident, $i:ident, $t:ident)) => {{
        *$a = $f(*$a);
    }};
    (@dst binary ($d:ident, $($rest:ident),*)) => { Some($d) };
    (@dst unary ($d:ident, $($rest:ident),*)) => { Some($d) };
    (@dst binary_imm ($d:ident, $($rest:ident),*)) => { Some($d) };
    (@dst load ($d:ident, $($rest:ident),*)) => { Some($d) };
    (@dst load_idx ($o:ident, $d:ident, $($rest:ident),*)) => { Some($d) };
    (@dst load_idx_imm ($o:ident, $d:ident, $($rest:ident),*)) => { Some($d) };
    (@dst $group:ident ($($rest:ident),*)) => { None };
    (@target branch_cmp ($a:ident, $b:ident, $t:ident)) => { Some($t) };
    (@target branch_cmp_imm ($a:ident, $i:ident, $t:ident)) => { Some($t) };
    (@target branch_reg ($c:ident, $t:ident)) => { Some($t) };
    (@target $group:ident ($($rest:ident),*)) => { None };
}

isa! {
    /// `dst = lhs op rhs`.
    group binary (d, a, b): (Reg, Reg, Reg) {
        I32Add [a: I32AddA, b: I32AddB]
        I32Sub [a: I32SubA, b: I32SubB]
        I32Mul [a: I32MulA, b: I32MulB]
        I32And [a: I32AndA, b: I32AndB]
        I32Or [a: I32OrA, b: I32OrB]
        I32Xor [a: I32XorA, b: I32XorB]
        I32Shl [a: I32ShlA, b: I32ShlB]
        I32ShrS [a: I32ShrSA, b: I32ShrSB]
        I32ShrU [a: I32ShrUA, b: I32ShrUB]
        I32Rotl [a: I32RotlA, b: I32RotlB]
        I32Rotr [a: I32RotrA, b: I32RotrB]
        I32Eq [a: I32EqA, b: I32EqB]
        I32Ne [a: I32NeA, b: I32NeB]
        I32LtS [a: I32LtSA, b: I32LtSB]
        I32LtU [a: I32LtUA, b: I32LtUB]
        I32GtS [a: I32GtSA, b: I32GtSB]
        I32GtU [a: I32GtUA, b: I32GtUB]
        I32LeS [a: I32LeSA, b: I32LeSB]
        I32LeU [a: I32LeUA, b: I32LeUB]
        I32GeS [a: I32GeSA, b: I32GeSB]
        I32GeU [a: I32GeUA, b: I32GeUB]
        I32DivS [a: I32DivSA, b: I32DivSB]
        I32DivU [a: I32DivUA, b: I32DivUB]
        I32RemS [a: I32RemSA, b: I32RemSB]
        I32RemU [a: I32RemUA, b: I32RemUB]
        I64Add [a: I64AddA, b: I64AddB]
        I64Sub [a: I64SubA, b: I64SubB]
        I64Mul [a: I64MulA, b: I64MulB]
        I64And [a: I64AndA, b: I64AndB]
        I64Or [a: I64OrA, b: I64OrB]
        I64Xor [a: I64XorA, b: I64XorB]
        I64Shl [a: I64ShlA, b: I64ShlB]
        I64ShrS [a: I64ShrSA, b: I64ShrSB]
        I64ShrU [a: I64ShrUA, b: I64ShrUB]
        I64Rotl [a: I64RotlA, b: I64RotlB]
        I64Rotr [a: I64RotrA, b: I64RotrB]
        I64Eq [a: I64EqA, b: I64EqB]
        I64Ne [a: I64NeA, b: I64NeB]
        I64LtS [a: I64LtSA, b: I64LtSB]
        I64LtU [a: I64LtUA, b: I64LtUB]
        I64GtS [a: I64GtSA, b: I64GtSB]
        I64GtU [a: I64GtUA, b: I64GtUB]
        I64LeS [a: I64LeSA, b: I64LeSB]
        I64LeU [a: I64LeUA, b: I64LeUB]
        I64GeS [a: I64GeSA, b: I64GeSB]
        I64GeU [a: I64GeUA, b: I64GeUB]
        I64DivS [a: I64DivSA, b: I64DivSB]
        I64DivU [a: I64DivUA, b: I64DivUB]
        I64RemS [a: I64RemSA, b: I64RemSB]
        I64RemU [a: I64RemUA, b: I64RemUB]
        F32Add [a: F32AddA, b: F32AddB]
        F32Sub [a: F32SubA, b: F32SubB]
        F32Mul [a: F32MulA, b: F32MulB]
        F32Div [a: F32DivA, b: F32DivB]
        F32Min F32Max F32Copysign F32Eq F32Ne F32Lt F32Gt F32Le F32Ge
        F64Add [a: F64AddA, b: F64AddB]
        F64Sub [a: F64SubA, b: F64SubB]
        F64Mul [a: F64MulA, b: F64MulB]
        F64Div [a: F64DivA, b: F64DivB]
        F64Min F64Max F64Copysign F64Eq F64Ne F64Lt F64Gt F64Le F64Ge
    }
    /// `dst = op src`; `Copy` moves one cell, `Copy2` a v128.
    /// Reinterpretations are free: cells hold raw bits.
    group unary (d, a): (Reg, Reg) {
        I32Eqz [a: I32EqzA]
        I64Eqz [a: I64EqzA]
        I32WrapI64 [a: I32WrapI64A]
        I64ExtendI32S [a: I64ExtendI32SA]
        I64ExtendI32U [a: I64ExtendI32UA]
        I32Extend8S [a: I32Extend8SA]
        I32Extend16S [a: I32Extend16SA]
        I64Extend8S [a: I64Extend8SA]
        I64Extend16S [a: I64Extend16SA]
        I64Extend32S [a: I64Extend32SA]
        Copy [a: CopyA]
        I32Clz I32Ctz I32Popcnt I64Clz I64Ctz I64Popcnt F32Abs F32Neg F32Ceil F32Floor F32Trunc
        F32Nearest F32Sqrt F64Abs F64Neg F64Ceil F64Floor F64Trunc F64Nearest F64Sqrt
        I32TruncF32S I32TruncF32U I32TruncF64S I32TruncF64U I64TruncF32S I64TruncF32U
        I64TruncF64S I64TruncF64U F32ConvertI32S F32ConvertI32U F32ConvertI64S F32ConvertI64U
        F32DemoteF64 F64ConvertI32S F64ConvertI32U F64ConvertI64S F64ConvertI64U F64PromoteF32
        I32TruncSatF32S I32TruncSatF32U I32TruncSatF64S I32TruncSatF64U I64TruncSatF32S
        I64TruncSatF32U I64TruncSatF64S I64TruncSatF64U Copy2
    }
    /// `dst = lhs op immediate`; i64 forms sign-extend the immediate.
    group binary_imm (d, a, i): (Reg, Reg, i32) {
        I32AddImm [a: I32AddImmA]
        I32MulImm [a: I32MulImmA]
        I32AndImm [a: I32AndImmA]
        I32OrImm [a: I32OrImmA]
        I32XorImm [a: I32XorImmA]
        I32ShlImm [a: I32ShlImmA]
        I32ShrSImm [a: I32ShrSImmA]
        I32ShrUImm [a: I32ShrUImmA]
        I32RotlImm [a: I32RotlImmA]
        I64RotlImm [a: I64RotlImmA]
        I32EqImm [a: I32EqImmA]
        I32NeImm [a: I32NeImmA]
        I32LtSImm [a: I32LtSImmA]
        I32LtUImm [a: I32LtUImmA]
        I32GtSImm [a: I32GtSImmA]
        I32GtUImm [a: I32GtUImmA]
        I32LeSImm [a: I32LeSImmA]
        I32LeUImm [a: I32LeUImmA]
        I32GeSImm [a: I32GeSImmA]
        I32GeUImm [a: I32GeUImmA]
        I64AddImm [a: I64AddImmA]
        I64MulImm [a: I64MulImmA]
        I64AndImm [a: I64AndImmA]
        I64OrImm [a: I64OrImmA]
        I64XorImm [a: I64XorImmA]
        I64ShlImm [a: I64ShlImmA]
        I64ShrSImm [a: I64ShrSImmA]
        I64ShrUImm [a: I64ShrUImmA]
        I64EqImm [a: I64EqImmA]
        I64NeImm [a: I64NeImmA]
        I64LtSImm [a: I64LtSImmA]
        I64LtUImm [a: I64LtUImmA]
        I64GtSImm [a: I64GtSImmA]
        I64GtUImm [a: I64GtUImmA]
        I64LeSImm [a: I64LeSImmA]
        I64LeUImm [a: I64LeUImmA]
        I64GeSImm [a: I64GeSImmA]
        I64GeUImm [a: I64GeUImmA]
    }
    /// Fused compare-and-branch, taken when the comparison holds (`Not`:
    /// when it does not, which for floats differs from the opposite
    /// comparison if an operand is NaN).
    group branch_cmp (a, b, t): (Reg, Reg, u32) {
        BrI32Eq [a: BrI32EqA, b: BrI32EqB]
        BrI32Ne [a: BrI32NeA, b: BrI32NeB]
        BrI32LtS [a: BrI32LtSA, b: BrI32LtSB]
        BrI32LtU [a: BrI32LtUA, b: BrI32LtUB]
        BrI32GtS [a: BrI32GtSA, b: BrI32GtSB]
        BrI32GtU [a: BrI32GtUA, b: BrI32GtUB]
        BrI32LeS [a: BrI32LeSA, b: BrI32LeSB]
        BrI32LeU [a: BrI32LeUA, b: BrI32LeUB]
        BrI32GeS [a: BrI32GeSA, b: BrI32GeSB]
        BrI32GeU [a: BrI32GeUA, b: BrI32GeUB]
        BrI64Eq [a: BrI64EqA, b: BrI64EqB]
        BrI64Ne [a: BrI64NeA, b: BrI64NeB]
        BrI64LtS [a: BrI64LtSA, b: BrI64LtSB]
        BrI64LtU [a: BrI64LtUA, b: BrI64LtUB]
        BrI64GtS [a: BrI64GtSA, b: BrI64GtSB]
        BrI64GtU [a: BrI64GtUA, b: BrI64GtUB]
        BrI64LeS [a: BrI64LeSA, b: BrI64LeSB]
        BrI64LeU [a: BrI64LeUA, b: BrI64LeUB]
        BrI64GeS [a: BrI64GeSA, b: BrI64GeSB]
        BrI64GeU [a: BrI64GeUA, b: BrI64GeUB]
        BrF32Eq [a: BrF32EqA, b: BrF32EqB]
        BrF32Ne [a: BrF32NeA, b: BrF32NeB]
        BrF32Lt [a: BrF32LtA, b: BrF32LtB]
        BrF32Gt [a: BrF32GtA, b: BrF32GtB]
        BrF32Le [a: BrF32LeA, b: BrF32LeB]
        BrF32Ge [a: BrF32GeA, b: BrF32GeB]
        BrF32NotLt [a: BrF32NotLtA, b: BrF32NotLtB]
        BrF32NotGt [a: BrF32NotGtA, b: BrF32NotGtB]
        BrF32NotLe [a: BrF32NotLeA, b: BrF32NotLeB]
        BrF32NotGe [a: BrF32NotGeA, b: BrF32NotGeB]
        BrF64Eq [a: BrF64EqA, b: BrF64EqB]
        BrF64Ne [a: BrF64NeA, b: BrF64NeB]
        BrF64Lt [a: BrF64LtA, b: BrF64LtB]
        BrF64Gt [a: BrF64GtA, b: BrF64GtB]
        BrF64Le [a: BrF64LeA, b: BrF64LeB]
        BrF64Ge [a: BrF64GeA, b: BrF64GeB]
        BrF64NotLt [a: BrF64NotLtA, b: BrF64NotLtB]
        BrF64NotGt [a: BrF64NotGtA, b: BrF64NotGtB]
        BrF64NotLe [a: BrF64NotLeA, b: BrF64NotLeB]
        BrF64NotGe [a: BrF64NotGeA, b: BrF64NotGeB]
    }
    group branch_cmp_imm (a, i, t): (Reg, i32, u32) {
        BrI32EqImm [a: BrI32EqImmA]
        BrI32NeImm [a: BrI32NeImmA]
        BrI32LtSImm [a: BrI32LtSImmA]
        BrI32LtUImm [a: BrI32LtUImmA]
        BrI32GtSImm [a: BrI32GtSImmA]
        BrI32GtUImm [a: BrI32GtUImmA]
        BrI32LeSImm [a: BrI32LeSImmA]
        BrI32LeUImm [a: BrI32LeUImmA]
        BrI32GeSImm [a: BrI32GeSImmA]
        BrI32GeUImm [a: BrI32GeUImmA]
    }
    /// Jump when the i32 (`64`: i64) in the register is non-zero or zero.
    group branch_reg (c, t): (Reg, u32) {
        BrIfNez [c: BrIfNezA]
        BrIfEqz [c: BrIfEqzA]
        BrIfNez64 [c: BrIfNez64A]
        BrIfEqz64 [c: BrIfEqz64A]
    }
    /// Loads from memory 0: (dst, address, static offset).
    group load (d, a, o): (Reg, Reg, u32) {
        Load32 [a: Load32A]
        Load64 [a: Load64A]
        Load8U [a: Load8UA]
        Load16U [a: Load16UA]
        Load8S32 [a: Load8S32A]
        Load16S32 [a: Load16S32A]
        Load8S64 [a: Load8S64A]
        Load16S64 [a: Load16S64A]
        Load32S64 [a: Load32S64A]
    }
    /// Loads from memory 0 at the i32 sum of two registers (wrapping, as
    /// `i32.add` does) plus a static offset: (offset, dst, base, index).
    /// Indexing an array is an `i32.add` feeding a load.
    /// `Load32Scaled` and `Load64Scaled` shift the index left by 2 and 3
    /// first: an element of an array of 4- or 8-byte values.
    group load_idx (o, d, a, b): (u16, Reg, Reg, Reg) {
        Load32Idx [a: Load32IdxA, b: Load32IdxB]
        Load64Idx [a: Load64IdxA, b: Load64IdxB]
        Load8UIdx [a: Load8UIdxA, b: Load8UIdxB]
        Load16UIdx [a: Load16UIdxA, b: Load16UIdxB]
        Load8S32Idx [a: Load8S32IdxA, b: Load8S32IdxB]
        Load16S32Idx [a: Load16S32IdxA, b: Load16S32IdxB]
        Load32Scaled [a: Load32ScaledA, b: Load32ScaledB]
        Load64Scaled [a: Load64ScaledA, b: Load64ScaledB]
    }
    /// `load_idx` with an immediate in place of the index register:
    /// (offset, dst, base, immediate). A pointer plus a constant (a field,
    /// an array at a fixed address) feeding a load.
    group load_idx_imm (o, d, a, i): (u16, Reg, Reg, i32) {
        Load32IdxImm [a: Load32IdxImmA]
        Load64IdxImm [a: Load64IdxImmA]
        Load8UIdxImm [a: Load8UIdxImmA]
        Load16UIdxImm [a: Load16UIdxImmA]
        Load8S32IdxImm [a: Load8S32IdxImmA]
        Load16S32IdxImm [a: Load16S32IdxImmA]
    }
    /// Stores to memory 0 at the i32 sum of two registers plus a static
    /// offset: (offset, value, base, index), the operands in the order of
    /// `load_idx`. `Store32Scaled` and `Store64Scaled` shift the index left
    /// by 2 and 3 first.
    group store_idx (o, v, a, b): (u16, Reg, Reg, Reg) {
        Store8Idx [a: Store8IdxA, b: Store8IdxB, v: Store8IdxV]
        Store16Idx [a: Store16IdxA, b: Store16IdxB, v: Store16IdxV]
        Store32Idx [a: Store32IdxA, b: Store32IdxB, v: Store32IdxV]
        Store64Idx [a: Store64IdxA, b: Store64IdxB, v: Store64IdxV]
        Store32Scaled [a: Store32ScaledA, b: Store32ScaledB, v: Store32ScaledV]
        Store64Scaled [a: Store64ScaledA, b: Store64ScaledB, v: Store64ScaledV]
    }
    /// `store_idx` with an immediate in place of the index register:
    /// (offset, value, base, immediate).
    group store_idx_imm (o, v, a, i): (u16, Reg, Reg, i32) {
        Store8IdxImm [a: Store8IdxImmA, v: Store8IdxImmV]
        Store16IdxImm [a: Store16IdxImmA, v: Store16IdxImmV]
        Store32IdxImm [a: Store32IdxImmA, v: Store32IdxImmV]
        Store64IdxImm [a: Store64IdxImmA, v: Store64IdxImmV]
    }
    /// Stores to memory 0: (address, value, static offset).
    group store (a, v, o): (Reg, Reg, u32) {
        Store8 [a: Store8A, v: Store8V]
        Store16 [a: Store16A, v: Store16V]
        Store32 [a: Store32A, v: Store32V]
        Store64 [a: Store64A, v: Store64V]
    }
    other {
        /// Operand words for the preceding instruction.
        Extra(u32, u32, u32),
        /// `dst = rotl(a ^ b, k)`: (k, dst, a, b), `k` below the width. The
        /// rounds of hashes and ciphers are chains of these.
        I32XorRotl(u8, Reg, Reg, Reg),
        I64XorRotl(u8, Reg, Reg, Reg),
        /// `dst = rotl(a, k) ^ b`: (k, dst, a, b), `k` below the width; the
        /// other order of the same rounds.
        I32RotlXor(u8, Reg, Reg, Reg),
        I64RotlXor(u8, Reg, Reg, Reg),
        /// `I32RotlXor`/`I64RotlXor` with `a` (`A`) or `b` (`B`) in the accumulator.
        I32RotlXorA(u8, Reg, Reg, Reg),
        I32RotlXorB(u8, Reg, Reg, Reg),
        I64RotlXorA(u8, Reg, Reg, Reg),
        I64RotlXorB(u8, Reg, Reg, Reg),
        /// `dst = a + (b << k)`: (k, dst, a, b), `k` below 32. Indexing an
        /// array of 2^k-byte elements.
        I32AddShl(u8, Reg, Reg, Reg),
        I32AddShlA(u8, Reg, Reg, Reg),
        I32AddShlB(u8, Reg, Reg, Reg),
        /// `dst += a * b`: (dst, a, b), reading `dst` as well; an add of a
        /// product to a running sum.
        I32MulAdd(Reg, Reg, Reg),
        I64MulAdd(Reg, Reg, Reg),
        /// `I32MulAdd`/`I64MulAdd` with `a` (`A`) or `b` (`B`) in the accumulator.
        I32MulAddA(Reg, Reg, Reg),
        I32MulAddB(Reg, Reg, Reg),
        I64MulAddA(Reg, Reg, Reg),
        I64MulAddB(Reg, Reg, Reg),
        /// `I32XorRotl`/`I64XorRotl` with `a` (`A`) or `b` (`B`) in the accumulator.
        I32XorRotlA(u8, Reg, Reg, Reg),
        I32XorRotlB(u8, Reg, Reg, Reg),
        I64XorRotlA(u8, Reg, Reg, Reg),
        I64XorRotlB(u8, Reg, Reg, Reg),
        /// Charge fuel for the straight-line code that follows (fuel metering).
        Fuel(u32),
        /// Trap if the engine's epoch has reached the store's deadline.
        EpochCheck,
        /// Trap with `unreachable`.
        Unreachable,
        /// Unconditional jump.
        Br(u32),
        /// Jump through a table: followed by `len + 1` `Br` entries, the last the default.
        BrTable(Reg, u32),
        /// `BrTable` with the index in the accumulator.
        BrTableA(Reg, u32),
        /// Return; results are already in the first cells of the frame.
        Return,
        /// Move one cell into the first cell of the frame and return.
        Return1(Reg),
        /// `Return1` of the accumulator.
        Return1A(Reg),
        /// Return an i32 constant.
        ReturnImm(i32),
        /// Call function `func` of the current instance with arguments starting at `base`.
        Call(u32, Reg),
        /// `call_indirect` of signature `ty` (the engine's id, not the
        /// module's type index) with the table index in a register,
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
        /// `GlobalSet` of the accumulator.
        GlobalSetA(Reg, u32),
        GlobalGet2(Reg, u32),
        GlobalSet2(Reg, u32),
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
        match self {
            Instr::Br(t) => Some(t),
            _ => self.group_target_mut(),
        }
    }

    /// Applies `f` to every register operand. `Extra` words are left alone:
    /// whether they hold registers depends on the instruction they follow
    /// (see [`Instr::extra_has_reg`]).
    pub(crate) fn map_regs(&mut self, f: &impl Fn(Reg) -> Reg) {
        use Instr::*;
        if self.map_group_regs(f) {
            return;
        }
        match self {
            Extra(..) | Unreachable | Br(_) | Return | ReturnImm(_) | MemArg(..) | DataDrop(_)
            | ElemDrop(_) | Fuel(_) | EpochCheck => {}
            BrTable(r, _)
            | BrTableA(r, _)
            | Return1(r)
            | Return1A(r)
            | Call(_, r)
            | ReturnCall(_, r)
            | Const32(r, _)
            | Const64(r, _)
            | ConstV128(r, _)
            | GlobalGet(r, _)
            | GlobalSet(r, _)
            | GlobalSetA(r, _)
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
            | I32MulAdd(a, b, c)
            | I64MulAdd(a, b, c)
            | I32MulAddA(a, b, c)
            | I32MulAddB(a, b, c)
            | I64MulAddA(a, b, c)
            | I64MulAddB(a, b, c)
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
            | I32XorRotlA(_, a, b, c)
            | I32XorRotlB(_, a, b, c)
            | I64XorRotlA(_, a, b, c)
            | I64XorRotlB(_, a, b, c)
            | I32AddShl(_, a, b, c)
            | I32AddShlA(_, a, b, c)
            | I32AddShlB(_, a, b, c)
            | I32RotlXor(_, a, b, c)
            | I64RotlXor(_, a, b, c)
            | I32RotlXorA(_, a, b, c)
            | I32RotlXorB(_, a, b, c)
            | I64RotlXorA(_, a, b, c)
            | I64RotlXorB(_, a, b, c)
            | V128LoadLane(_, _, a, b, c) => {
                *a = f(*a);
                *b = f(*b);
                *c = f(*c);
            }
            _ => unreachable!("map_group_regs covers the remaining instructions"),
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
            | MemorySize(d, _)
            | TableGet(d, ..)
            | TableSize(d, _)
            | RefFunc(d, _)
            | RefIsNull(d, _)
            | I32XorRotl(_, d, ..)
            | I64XorRotl(_, d, ..)
            | I32XorRotlA(_, d, ..)
            | I32XorRotlB(_, d, ..)
            | I64XorRotlA(_, d, ..)
            | I64XorRotlB(_, d, ..)
            | I32AddShl(_, d, ..)
            | I32AddShlA(_, d, ..)
            | I32AddShlB(_, d, ..)
            | I32RotlXor(_, d, ..)
            | I64RotlXor(_, d, ..)
            | I32RotlXorA(_, d, ..)
            | I32RotlXorB(_, d, ..)
            | I64RotlXorA(_, d, ..)
            | I64RotlXorB(_, d, ..) => Some(d),
            _ => self.group_dst_mut(),
        }
    }

    /// The register whose new value this instruction also leaves in the
    /// accumulator: the destination of every instruction that writes one
    /// 64-bit cell and has its own handler (see `dispatch`).
    pub(crate) fn acc_result(mut self) -> Option<Reg> {
        use Instr::*;
        match self {
            // Run out of line by `rare`, which does not set the accumulator.
            MemorySize(..) | TableGet(..) | TableSize(..) | RefFunc(..) | RefIsNull(..) => None,
            // Not retargetable (they read their destination), but the
            // handlers leave the sum in the accumulator.
            I32MulAdd(d, ..)
            | I32MulAddA(d, ..)
            | I32MulAddB(d, ..)
            | I64MulAdd(d, ..)
            | I64MulAddA(d, ..)
            | I64MulAddB(d, ..) => Some(d),
            _ => self.dst_mut().copied(),
        }
    }

    /// `with_acc` for the instructions outside the groups.
    fn other_with_acc(self, r: Reg) -> Option<Instr> {
        use Instr::*;
        Some(match self {
            I32XorRotl(k, d, a, b) if a == r => I32XorRotlA(k, d, a, b),
            I32XorRotl(k, d, a, b) if b == r => I32XorRotlB(k, d, a, b),
            I64XorRotl(k, d, a, b) if a == r => I64XorRotlA(k, d, a, b),
            I64XorRotl(k, d, a, b) if b == r => I64XorRotlB(k, d, a, b),
            I32AddShl(k, d, a, b) if a == r => I32AddShlA(k, d, a, b),
            I32AddShl(k, d, a, b) if b == r => I32AddShlB(k, d, a, b),
            I32RotlXor(k, d, a, b) if a == r => I32RotlXorA(k, d, a, b),
            I32RotlXor(k, d, a, b) if b == r => I32RotlXorB(k, d, a, b),
            I64RotlXor(k, d, a, b) if a == r => I64RotlXorA(k, d, a, b),
            I64RotlXor(k, d, a, b) if b == r => I64RotlXorB(k, d, a, b),
            I32MulAdd(d, a, b) if a == r && d != r => I32MulAddA(d, a, b),
            I32MulAdd(d, a, b) if b == r && d != r => I32MulAddB(d, a, b),
            I64MulAdd(d, a, b) if a == r && d != r => I64MulAddA(d, a, b),
            I64MulAdd(d, a, b) if b == r && d != r => I64MulAddB(d, a, b),
            BrTable(c, n) if c == r => BrTableA(c, n),
            Return1(c) if c == r => Return1A(c),
            GlobalSet(c, g) if c == r => GlobalSetA(c, g),
            _ => return None,
        })
    }

    /// The forms `other_with_acc` produces.
    #[cfg(test)]
    fn other_acc_forms() -> [Instr; 17] {
        use Instr::*;
        [
            I32RotlXorA(0, 0, 0, 0),
            I32RotlXorB(0, 0, 0, 0),
            I64RotlXorA(0, 0, 0, 0),
            I64RotlXorB(0, 0, 0, 0),
            I32MulAddA(0, 0, 0),
            I32MulAddB(0, 0, 0),
            I64MulAddA(0, 0, 0),
            I64MulAddB(0, 0, 0),
            I32AddShlA(0, 0, 0, 0),
            I32AddShlB(0, 0, 0, 0),
            I32XorRotlA(0, 0, 0, 0),
            I32XorRotlB(0, 0, 0, 0),
            I64XorRotlA(0, 0, 0, 0),
            I64XorRotlB(0, 0, 0, 0),
            BrTableA(0, 0),
            Return1A(0),
            GlobalSetA(0, 0),
        ]
    }
}
