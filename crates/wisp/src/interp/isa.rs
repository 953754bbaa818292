//! The interpreter's internal bytecode, defined once.
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
//!
//! # One definition
//!
//! The [`isa!`] invocation below is the only list of instructions. Each
//! group names its operands and their *roles*, as types:
//!
//! - [`Dst`]: the one cell the instruction writes, after reading its
//!   inputs, so the translator may retarget it (`local.set` fusion); the
//!   handler leaves the value in the accumulator too;
//! - [`Inout`]: a cell read and then written (a running sum);
//! - [`Out`]: a cell written that may not be retargeted (a v128, or an
//!   instruction that writes before it is done reading);
//! - [`Src`]: a cell read;
//! - [`Target`]: a branch target;
//! - any other type: an immediate.
//!
//! From it come the [`Instr`] enum (whose variants are the encoders the
//! translator calls), the register renaming, destination and branch-target
//! accessors the translator uses, the accumulator rewrite
//! ([`Instr::with_acc`]), the disassembly ([`std::fmt::Display`]), and
//! [`for_each_instr!`], which hands the list of names to the dispatch so
//! that its handler table names a handler for every instruction (a missing
//! one does not compile). `+extra_reg` marks an instruction whose following
//! `Extra` word holds a register in its first field.

use std::fmt;

use super::simd::{
    BinOp, ExtractOp, LaneWidth, LoadOp, ReplaceOp, ShiftOp, SplatOp, TernOp, TestOp, UnOp,
};

/// A cell index relative to the frame base.
pub(crate) type Reg = u32;
/// A register an instruction writes, after reading its inputs: the
/// translator may retarget it.
pub(crate) type Dst = Reg;
/// A register read and then written.
pub(crate) type Inout = Reg;
/// A register written that may not be retargeted.
pub(crate) type Out = Reg;
/// A register read.
pub(crate) type Src = Reg;
/// A branch target: an instruction index in the current function.
pub(crate) type Target = u32;

macro_rules! isa {
    // The definition: groups of instructions with the same operands, then
    // those without operands.
    (
        $d:tt;
        $(
            $(#[doc = $gdoc:literal])*
            group $group:ident $fields:tt {
                $(
                    $(#[doc = $doc:literal])*
                    $name:ident $( [ $($accf:ident: $accv:ident),* ] )? $( +$flag:ident )?
                )*
            }
        )*
        nullary {
            $( $(#[doc = $ndoc:literal])* $nullary:ident )*
        }
    ) => {
        // Flattened: one entry per instruction, accumulator forms included,
        // each carrying its operand list twice (as one token tree, and to
        // be taken apart).
        isa!(@flat $d;
            [ $($(
                { $(#[doc = $doc])* } $name $fields $fields [base $($($accf: $accv),*)?] [$($flag)?]
                $($( { } $accv $fields $fields [form $accf] [] )*)?
            )*)* ]
            [ $( { $(#[doc = $ndoc])* } $nullary )* ]
        );
    };
    (@flat $d:tt;
        [ $(
            { $(#[doc = $doc:literal])* } $name:ident $ftt:tt ( $($f:ident : $t:ident),* )
            [ $($kind:tt)* ] [ $($flag:ident)? ]
        )* ]
        [ $( { $(#[doc = $ndoc:literal])* } $nullary:ident )* ]
    ) => {
        /// One interpreter instruction. `repr(u16)` puts the opcode in the
        /// first two bytes, where the dispatch reads it.
        #[derive(Debug, Clone, Copy, PartialEq)]
        #[repr(u16)]
        pub(crate) enum Instr {
            $( $(#[doc = $doc])* $name($($t),*), )*
            $( $(#[doc = $ndoc])* $nullary, )*
        }

        /// Calls macro `m` with the name of every instruction, in opcode
        /// order: `m! { I32Add I32AddA ... Return }`.
        macro_rules! for_each_instr {
            ($d m:ident) => { $d m! { $($name)* $($nullary)* } };
        }
        pub(crate) use for_each_instr;

        #[allow(unused_variables, clippy::double_parens)]
        impl Instr {
            /// How many instructions there are; opcodes are below it.
            pub(crate) const COUNT: usize =
                [$(stringify!($name),)* $(stringify!($nullary),)*].len();

            /// Applies `f` to every register operand. `Extra` words are left
            /// alone: whether they hold registers depends on the instruction
            /// they follow (see [`Instr::extra_has_reg`]).
            pub(crate) fn map_regs(&mut self, f: &impl Fn(Reg) -> Reg) {
                match self {
                    $( Instr::$name($($f),*) => { $( isa!(@map $t $f f); )* } )*
                    $( Instr::$nullary => {} )*
                }
            }

            /// The destination register of an instruction that writes
            /// exactly one register and reads its inputs first, so the
            /// destination may be retargeted (the `local.set` fusion).
            pub(crate) fn dst_mut(&mut self) -> Option<&mut Reg> {
                match self {
                    $( Instr::$name($($f),*) => isa!(@dst $($t $f)*), )*
                    $( Instr::$nullary => None, )*
                }
            }

            /// The branch target of a jump, for back-patching.
            pub(crate) fn target_mut(&mut self) -> Option<&mut u32> {
                match self {
                    $( Instr::$name($($f),*) => isa!(@target $($t $f)*), )*
                    $( Instr::$nullary => None, )*
                }
            }

            /// The register whose new value this instruction also leaves in
            /// the accumulator: the one 64-bit cell it writes, if any.
            pub(crate) fn acc_result(self) -> Option<Reg> {
                match self {
                    $( Instr::$name($($f),*) => isa!(@result $($t $f)*), )*
                    $( Instr::$nullary => None, )*
                }
            }

            /// The same instruction taking its operand register `r` from
            /// the accumulator instead, if it has such a form. (Never a
            /// register the instruction also writes after reading it.)
            pub(crate) fn with_acc(self, r: Reg) -> Option<Instr> {
                match self {
                    $( Instr::$name($($f),*) => isa!(@with_acc r; $ftt; [$($t $f)*]; $($kind)*), )*
                    $( Instr::$nullary => None, )*
                }
            }

            /// For an accumulator form, the name of the operand it takes
            /// from the accumulator (as the definition names it).
            pub(crate) const fn acc_operand(&self) -> Option<&'static str> {
                match self {
                    $( Instr::$name(..) => isa!(@acc_operand $($kind)*), )*
                    $( Instr::$nullary => None, )*
                }
            }

            /// Whether the `Extra` word after this instruction holds a
            /// register in its first field.
            pub(crate) fn extra_has_reg(&self) -> bool {
                match self {
                    $( Instr::$name(..) => isa!(@extra_reg $($flag)?), )*
                    $( Instr::$nullary => false, )*
                }
            }

            /// One instruction of each kind, with zero operands, in opcode
            /// order.
            #[cfg(test)]
            pub(crate) fn all() -> Vec<Instr> {
                vec![ $( isa!(@zeros $name $ftt), )* $( Instr::$nullary, )* ]
            }

            /// Every instruction that reads an operand from the accumulator.
            #[cfg(test)]
            pub(crate) fn acc_forms() -> Vec<Instr> {
                Instr::all().into_iter().filter(|i| i.acc_operand().is_some()).collect()
            }
        }

        /// The disassembly: the instruction's name and operands, registers
        /// as `r5` (`acc:r5` when read from the accumulator), branch
        /// targets as `@12`.
        #[allow(unused_assignments, unused_variables)]
        impl fmt::Display for Instr {
            fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
                let acc = self.acc_operand();
                match *self {
                    $( Instr::$name($($f),*) => {
                        out.write_str(concat!(stringify!($name), "("))?;
                        let mut sep = "";
                        $(
                            out.write_str(sep)?;
                            sep = ", ";
                            isa!(@show out acc $t $f);
                        )*
                        out.write_str(")")
                    } )*
                    $( Instr::$nullary => out.write_str(stringify!($nullary)), )*
                }
            }
        }
    };

    (@map Dst $x:ident $g:ident) => { *$x = $g(*$x) };
    (@map Inout $x:ident $g:ident) => { *$x = $g(*$x) };
    (@map Out $x:ident $g:ident) => { *$x = $g(*$x) };
    (@map Src $x:ident $g:ident) => { *$x = $g(*$x) };
    (@map $t:ident $x:ident $g:ident) => {};

    (@dst) => { None };
    (@dst Dst $x:ident $($rest:tt)*) => { Some($x) };
    (@dst $t:ident $x:ident $($rest:tt)*) => { isa!(@dst $($rest)*) };

    (@target) => { None };
    (@target Target $x:ident $($rest:tt)*) => { Some($x) };
    (@target $t:ident $x:ident $($rest:tt)*) => { isa!(@target $($rest)*) };

    (@result) => { None };
    (@result Dst $x:ident $($rest:tt)*) => { Some($x) };
    (@result Inout $x:ident $($rest:tt)*) => { Some($x) };
    (@result $t:ident $x:ident $($rest:tt)*) => { isa!(@result $($rest)*) };

    (@with_acc $r:ident; $ftt:tt; [$($tf:tt)*]; form $accf:ident) => { None };
    (@with_acc $r:ident; $ftt:tt; [$($tf:tt)*]; base $($accf:ident : $accv:ident),*) => {{
        if isa!(@inout_is $r; $($tf)*) {
            return None;
        }
        $( if $accf == $r {
            return Some(isa!(@make $accv $ftt));
        } )*
        None
    }};
    (@inout_is $r:ident;) => { false };
    (@inout_is $r:ident; Inout $x:ident $($rest:tt)*) => { $x == $r || isa!(@inout_is $r; $($rest)*) };
    (@inout_is $r:ident; $t:ident $x:ident $($rest:tt)*) => { isa!(@inout_is $r; $($rest)*) };
    (@make $v:ident ( $($f:ident : $t:ident),* )) => { Instr::$v($($f),*) };

    (@acc_operand form $f:ident) => { Some(stringify!($f)) };
    (@acc_operand base $($x:tt)*) => { None };

    (@extra_reg extra_reg) => { true };
    (@extra_reg) => { false };

    (@zeros $v:ident ( $($f:ident : $t:ident),* )) => {
        // SAFETY: operands are integers and field-less enums whose first
        // variant is 0, for which zero bits are a valid value.
        Instr::$v($(unsafe { std::mem::zeroed::<$t>() }),*)
    };

    (@show $out:ident $acc:ident Target $x:ident) => { write!($out, "@{}", $x)? };
    (@show $out:ident $acc:ident Dst $x:ident) => { write!($out, "r{}", $x)? };
    (@show $out:ident $acc:ident Inout $x:ident) => { write!($out, "r{}", $x)? };
    (@show $out:ident $acc:ident Out $x:ident) => { write!($out, "r{}", $x)? };
    (@show $out:ident $acc:ident Src $x:ident) => {
        if $acc == Some(stringify!($x)) {
            write!($out, "acc:r{}", $x)?
        } else {
            write!($out, "r{}", $x)?
        }
    };
    (@show $out:ident $acc:ident $t:ident $x:ident) => { write!($out, "{:?}", $x)? };
}

isa! {
    $;
    /// `dst = lhs op rhs`.
    group binary (d: Dst, a: Src, b: Src) {
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
    group unary (d: Dst, a: Src) {
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
        I64TruncSatF32U I64TruncSatF64S I64TruncSatF64U
    }
    /// `dst = lhs op immediate`; i64 forms sign-extend the immediate.
    group binary_imm (d: Dst, a: Src, i: i32) {
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
    group branch_cmp (a: Src, b: Src, t: Target) {
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
    group branch_cmp_imm (a: Src, i: i32, t: Target) {
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
    group branch_reg (c: Src, t: Target) {
        BrIfNez [c: BrIfNezA]
        BrIfEqz [c: BrIfEqzA]
        BrIfNez64 [c: BrIfNez64A]
        BrIfEqz64 [c: BrIfEqz64A]
    }
    /// Loads from memory 0: (dst, address, static offset).
    group load (d: Dst, a: Src, o: u32) {
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
    group load_idx (o: u16, d: Dst, a: Src, b: Src) {
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
    group load_idx_imm (o: u16, d: Dst, a: Src, i: i32) {
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
    group store_idx (o: u16, v: Src, a: Src, b: Src) {
        Store8Idx [a: Store8IdxA, b: Store8IdxB, v: Store8IdxV]
        Store16Idx [a: Store16IdxA, b: Store16IdxB, v: Store16IdxV]
        Store32Idx [a: Store32IdxA, b: Store32IdxB, v: Store32IdxV]
        Store64Idx [a: Store64IdxA, b: Store64IdxB, v: Store64IdxV]
        Store32Scaled [a: Store32ScaledA, b: Store32ScaledB, v: Store32ScaledV]
        Store64Scaled [a: Store64ScaledA, b: Store64ScaledB, v: Store64ScaledV]
    }
    /// `store_idx` with an immediate in place of the index register:
    /// (offset, value, base, immediate).
    group store_idx_imm (o: u16, v: Src, a: Src, i: i32) {
        Store8IdxImm [a: Store8IdxImmA, v: Store8IdxImmV]
        Store16IdxImm [a: Store16IdxImmA, v: Store16IdxImmV]
        Store32IdxImm [a: Store32IdxImmA, v: Store32IdxImmV]
        Store64IdxImm [a: Store64IdxImmA, v: Store64IdxImmV]
    }
    /// Stores to memory 0: (address, value, static offset).
    group store (a: Src, v: Src, o: u32) {
        Store8 [a: Store8A, v: Store8V]
        Store16 [a: Store16A, v: Store16V]
        Store32 [a: Store32A, v: Store32V]
        Store64 [a: Store64A, v: Store64V]
    }
    /// Rotations fused with an xor, by a constant `k` below the width:
    /// `XorRotl` is `dst = rotl(a ^ b, k)`, `RotlXor` is `dst = rotl(a, k) ^ b`
    /// (the rounds of hashes and ciphers are chains of these); `I32AddShl`
    /// is `dst = a + (b << k)`, indexing an array of 2^k-byte elements.
    group shifted (k: u8, d: Dst, a: Src, b: Src) {
        I32XorRotl [a: I32XorRotlA, b: I32XorRotlB]
        I64XorRotl [a: I64XorRotlA, b: I64XorRotlB]
        I32RotlXor [a: I32RotlXorA, b: I32RotlXorB]
        I64RotlXor [a: I64RotlXorA, b: I64RotlXorB]
        I32AddShl [a: I32AddShlA, b: I32AddShlB]
    }
    /// `dst += a * b`, reading `dst` as well: an add of a product to a
    /// running sum.
    group mul_add (d: Inout, a: Src, b: Src) {
        I32MulAdd [a: I32MulAddA, b: I32MulAddB]
        I64MulAdd [a: I64MulAddA, b: I64MulAddB]
    }
    group words (a: u32, b: u32, c: u32) {
        /// Operand words for the preceding instruction.
        Extra
    }
    group control (n: u32) {
        /// Charge fuel for the straight-line code that follows (fuel metering).
        Fuel
        /// Drop data segment `n`.
        DataDrop
        /// Drop element segment `n`.
        ElemDrop
    }
    group jump (t: Target) {
        /// Unconditional jump.
        Br
    }
    group br_table (c: Src, len: u32) {
        /// Jump through a table: followed by `len + 1` `Br` entries, the last the default.
        BrTable [c: BrTableA]
    }
    group return_reg (r: Src) {
        /// Move one cell into the first cell of the frame and return.
        Return1 [r: Return1A]
    }
    group return_imm (v: i32) {
        /// Return an i32 constant.
        ReturnImm
    }
    group call (f: u32, base: Src) {
        /// Call function `f` of the current instance with arguments starting at `base`.
        Call
        /// Tail call: like `Call`, but the callee replaces the current frame.
        ReturnCall
    }
    group call_indirect (index: Src, base: Src, ty: u32) {
        /// `call_indirect` of signature `ty` (the engine's id, not the
        /// module's type index) with the table index in a register,
        /// arguments at `base`; followed by `Extra(table, 0, 0)`.
        CallIndirect
        /// Tail `call_indirect`; followed by `Extra(table, 0, 0)`.
        ReturnCallIndirect
    }
    group call_ref (func: Src, base: Src) {
        /// Call the function reference in `func`, arguments at `base`.
        CallRef
        /// Tail call through a function reference.
        ReturnCallRef
    }
    group ref_unary (d: Dst, a: Src) {
        /// 1 if the reference is null.
        RefIsNull
    }
    group ref_as_non_null (d: Out, a: Src) {
        /// Traps with "null reference" if the reference is null.
        RefAsNonNull
    }
    group const32 (d: Dst, v: u32) {
        /// Load a 32-bit constant.
        Const32
    }
    group const64 (d: Dst, v: u64) {
        /// Load a 64-bit constant.
        Const64
    }
    group const128 (d: Out, i: u32) {
        /// Load a v128 constant from the function's constant pool.
        ConstV128
    }
    group select (d: Out, a: Src, b: Src) {
        /// `dst = cond ? a : b`, followed by `Extra(cond, 0, 0)`.
        Select +extra_reg
        /// `Select` of v128 values.
        Select2 +extra_reg
    }
    group copy2 (d: Out, a: Src) {
        /// Copy a v128 (two cells).
        Copy2
    }
    group global_get (d: Dst, g: u32) {
        /// Read global `g` of the current instance.
        GlobalGet
    }
    group global_set (r: Src, g: u32) {
        /// Write global `g` of the current instance.
        GlobalSet [r: GlobalSetA]
        /// Write a v128 global.
        GlobalSet2
    }
    group global_get2 (d: Out, g: u32) {
        /// Read a v128 global.
        GlobalGet2
    }
    group mem_arg (memory: u32, offset_hi: u32) {
        /// Memory access to another memory or with an offset beyond u32:
        /// the plain instruction is preceded by `MemArg(memory, offset_hi)`,
        /// whose values override memory 0 and extend the offset.
        MemArg
    }
    group size (d: Dst, index: u32) {
        /// The size of memory `index` in pages.
        MemorySize
        /// The size of table `index`.
        TableSize
    }
    group memory_grow (d: Out, delta: Src, memory: u32) {
        /// `d` = old size or -1.
        MemoryGrow
    }
    group bulk (a: Src, b: Src, c: Src) {
        /// (dst, value, len), followed by `Extra(memory, 0, 0)`.
        MemoryFill
        /// (dst, src, len), followed by `Extra(dst memory, src memory, 0)`.
        MemoryCopy
        /// (dst, src, len), followed by `Extra(segment, memory, 0)`.
        MemoryInit
        /// (index, value, len), followed by `Extra(table, 0, 0)`.
        TableFill
        /// (dst, src, len), followed by `Extra(dst table, src table, 0)`.
        TableCopy
        /// (dst, src, len), followed by `Extra(segment, table, 0)`.
        TableInit
    }
    group table_get (d: Dst, i: Src, table: u32) {
        /// Read element `i` of a table.
        TableGet
    }
    group table_set (i: Src, v: Src, table: u32) {
        /// Write element `i` of a table.
        TableSet
    }
    group table_grow (d: Out, init: Src, delta: Src) {
        /// `d` = old size or -1; followed by `Extra(table, 0, 0)`.
        TableGrow
    }
    group ref_func (d: Dst, f: u32) {
        /// A reference to function `f` of the current instance.
        RefFunc
    }
    // SIMD, by shape; see `simd.rs` for the operators.
    group v128_unary (op: UnOp, d: Out, a: Src) {
        V128Unary
    }
    group v128_binary (op: BinOp, d: Out, a: Src, b: Src) {
        V128Binary
    }
    group v128_ternary (op: TernOp, d: Out, a: Src, b: Src) {
        /// Followed by `Extra(c, 0, 0)`, the third operand.
        V128Ternary +extra_reg
    }
    group v128_shift (op: ShiftOp, d: Out, a: Src, b: Src) {
        V128Shift
    }
    group v128_splat (op: SplatOp, d: Out, a: Src) {
        V128Splat
    }
    group v128_extract (op: ExtractOp, lane: u8, d: Out, a: Src) {
        V128Extract
    }
    group v128_replace (op: ReplaceOp, lane: u8, d: Out, a: Src, x: Src) {
        V128Replace
    }
    group v128_test (op: TestOp, d: Out, a: Src) {
        V128Test
    }
    group v128_shuffle (d: Out, a: Src, b: Src) {
        /// Followed by `Extra(pool index, 0, 0)` naming the lane pattern.
        V128Shuffle
    }
    group v128_load (op: LoadOp, d: Out, a: Src, o: u32) {
        V128Load
    }
    group v128_store (a: Src, v: Src, o: u32) {
        V128Store
    }
    group v128_load_lane (w: LaneWidth, lane: u8, d: Out, a: Src, v: Src) {
        /// Followed by `Extra(offset, 0, 0)`.
        V128LoadLane
    }
    group v128_store_lane (w: LaneWidth, lane: u8, a: Src, v: Src) {
        /// Followed by `Extra(offset, 0, 0)`.
        V128StoreLane
    }
    nullary {
        /// Trap if the engine's epoch has reached the store's deadline.
        EpochCheck
        /// Trap with `unreachable`.
        Unreachable
        /// Return; results are already in the first cells of the frame.
        Return
    }
}

const _: () = assert!(std::mem::size_of::<Instr>() == 16);

#[cfg(test)]
mod tests {
    use super::Instr::*;
    use super::*;

    #[test]
    fn opcodes_are_the_order_of_the_definition() {
        let all = Instr::all();
        assert_eq!(all.len(), Instr::COUNT);
        for (index, instr) in all.iter().enumerate() {
            // SAFETY: a `repr(u16)` enum starts with its `u16` discriminant.
            let opcode = unsafe { *(instr as *const Instr).cast::<u16>() };
            assert_eq!(opcode as usize, index, "{instr:?}");
        }
    }

    #[test]
    fn roles_give_destinations_targets_and_registers() {
        assert_eq!(I32Add(5, 0, 1).dst_mut().copied(), Some(5));
        assert_eq!(I32MulAdd(5, 0, 1).dst_mut().copied(), None);
        assert_eq!(I32MulAdd(5, 0, 1).acc_result(), Some(5));
        assert_eq!(Copy2(5, 0).acc_result(), None);
        assert_eq!(BrI32LtSImm(3, 7, 12).target_mut().copied(), Some(12));
        assert_eq!(Br(9).target_mut().copied(), Some(9));
        let mut call = CallIndirect(1, 2, 77);
        call.map_regs(&|r| r + 10);
        assert_eq!(call, CallIndirect(11, 12, 77), "the signature id is no register");
        let mut load = Load32Idx(8, 1, 2, 3);
        load.map_regs(&|r| r * 2);
        assert_eq!(load, Load32Idx(8, 2, 4, 6), "the offset is no register");
        assert!(Select(0, 1, 2).extra_has_reg() && !MemoryFill(0, 1, 2).extra_has_reg());
    }

    #[test]
    fn accumulator_forms_follow_the_definition() {
        assert_eq!(I32Sub(5, 0, 1).with_acc(1), Some(I32SubB(5, 0, 1)));
        assert_eq!(I32Sub(5, 1, 1).with_acc(1), Some(I32SubA(5, 1, 1)));
        assert_eq!(Store32(3, 8, 0).with_acc(8), Some(Store32V(3, 8, 0)));
        assert_eq!(I32SubB(5, 0, 1).with_acc(0), None, "forms are not rewritten again");
        assert_eq!(F32Min(5, 0, 1).with_acc(0), None, "no form");
        // A running sum read from the accumulator would be written twice.
        assert_eq!(I32MulAdd(4, 4, 1).with_acc(4), None);
        assert_eq!(I32MulAdd(4, 0, 1).with_acc(1), Some(I32MulAddB(4, 0, 1)));
        assert_eq!(I32SubB(0, 0, 0).acc_operand(), Some("b"));
        assert!(Instr::acc_forms().len() > 200);
    }

    #[test]
    fn disassembly_names_roles() {
        assert_eq!(I32AddB(5, 0, 1).to_string(), "I32AddB(r5, r0, acc:r1)");
        assert_eq!(Load32Idx(8, 1, 2, 3).to_string(), "Load32Idx(8, r1, r2, r3)");
        assert_eq!(BrIfNez(4, 17).to_string(), "BrIfNez(r4, @17)");
        assert_eq!(Return.to_string(), "Return");
        assert_eq!(V128Unary(UnOp::I8x16Abs, 2, 4).to_string(), "V128Unary(I8x16Abs, r2, r4)");
    }
}
