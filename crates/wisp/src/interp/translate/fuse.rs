//! Fusions: sequences of Wasm operators that become one instruction
//! (compare-and-branch, indexed and scaled memory accesses, multiply-add,
//! rotate-xor, operations with an immediate).

use super::*;

impl Translator<'_> {
    /// Takes the condition of a conditional branch: either a fusable
    /// comparison just emitted (removed and returned as a compare-and-branch
    /// builder), or a register.
    pub(super) fn take_condition(&mut self) -> Cond {
        let op = self.pop();
        if op.src == Src::Temp
            && let Some(at) = self.just_emitted()
        {
            // `eqz` of a comparison: the negated comparison.
            if let Instr::I32Eqz(d, a) = self.code[at]
                && d == op.slot
                && let Some((eqz_at, cmp_at)) = self.eqz_of
                && eqz_at == at
                && cmp_at + 1 == at
                && let Some(cond @ (Cond::Cmp(..) | Cond::CmpImm(..))) =
                    fusable(self.code[cmp_at], a)
            {
                self.code.truncate(cmp_at);
                self.last = None;
                return cond.negate();
            }
            if let Some(cond) = fusable(self.code[at], op.slot) {
                self.code.pop();
                self.last = None;
                return cond;
            }
        }
        match op.src {
            Src::Const(bits) => Cond::Const(bits as u32 != 0),
            _ => {
                let r = self.reg(op);
                Cond::Nez(r)
            }
        }
    }

    /// A load whose address is an `i32.add` (of two registers or of an
    /// immediate) just emitted becomes one indexed load in place of the add
    /// (array indexing, fields); `false` if this one does not qualify.
    pub(super) fn load_indexed(
        &mut self,
        memarg: &wasmparser::MemArg,
        ty: ValType,
        make: fn(Reg, Reg, u32) -> Instr,
    ) -> R<bool> {
        // The result lands where the address was, the top of the stack.
        let dst = self.stack[self.stack.len() - 1].slot;
        let Some((at, fused)) = self.indexed_access(memarg, make(0, 0, 0), 1, dst) else {
            return Ok(false);
        };
        self.pop();
        self.push_temp(ty)?;
        self.code[at] = fused;
        self.last = Some(at);
        Ok(true)
    }

    /// A store whose address is an `i32.add` just emitted, and whose value
    /// needed no code (a local or a constant), becomes one indexed store in
    /// place of the add; `false` if this one does not qualify.
    pub(super) fn store_indexed(
        &mut self,
        memarg: &wasmparser::MemArg,
        make: fn(Reg, Reg, u32) -> Instr,
    ) -> bool {
        let value = self.stack[self.stack.len() - 1];
        if !matches!(value.src, Src::Local(_) | Src::Const(_)) {
            return false;
        }
        // No code: a local's cell, or a constant register the plain store
        // would take as well.
        let v = self.reg(value);
        let Some((at, fused)) = self.indexed_access(memarg, make(0, 0, 0), 2, v) else {
            return false;
        };
        self.stack.truncate(self.stack.len() - 2);
        self.code[at] = fused;
        self.last = None;
        true
    }

    /// The indexed form of the load or store `plain` (its opcode; operands
    /// unused), with `x` its destination or value, whose address `depth`
    /// operands below the top of the stack is an add just emitted: the
    /// add's index and the instruction that replaces it.
    pub(super) fn indexed_access(
        &self,
        memarg: &wasmparser::MemArg,
        plain: Instr,
        depth: usize,
        x: Reg,
    ) -> Option<(usize, Instr)> {
        use Instr as I;
        let (sum, sum_imm, scaled): (Indexed, IndexedImm, Option<(u8, Indexed)>) = match plain {
            I::Load32(..) => (I::Load32Idx, I::Load32IdxImm, Some((2, I::Load32Scaled))),
            I::Load64(..) => (I::Load64Idx, I::Load64IdxImm, Some((3, I::Load64Scaled))),
            I::Load8U(..) => (I::Load8UIdx, I::Load8UIdxImm, None),
            I::Load16U(..) => (I::Load16UIdx, I::Load16UIdxImm, None),
            I::Load8S32(..) => (I::Load8S32Idx, I::Load8S32IdxImm, None),
            I::Load16S32(..) => (I::Load16S32Idx, I::Load16S32IdxImm, None),
            I::Store8(..) => (I::Store8Idx, I::Store8IdxImm, None),
            I::Store16(..) => (I::Store16Idx, I::Store16IdxImm, None),
            I::Store32(..) => (I::Store32Idx, I::Store32IdxImm, Some((2, I::Store32Scaled))),
            I::Store64(..) => (I::Store64Idx, I::Store64IdxImm, Some((3, I::Store64Scaled))),
            _ => return None,
        };
        let o = u16::try_from(memarg.offset).ok()?;
        let addr = self.stack[self.stack.len() - depth];
        let memory0 = matches!(memarg.target, wasmparser::MemArgTarget::Memory(0));
        if !memory0 || addr.src != Src::Temp {
            return None;
        }
        let at = self.just_emitted()?;
        let fused = match self.code[at] {
            I::I32Add(d, a, b) if d == addr.slot => sum(o, x, a, b),
            I::I32AddImm(d, a, i) if d == addr.slot => sum_imm(o, x, a, i),
            I::I32AddShl(k, d, a, b) if d == addr.slot => match scaled {
                Some((shift, scaled)) if shift == k => scaled(o, x, a, b),
                _ => return None,
            },
            _ => return None,
        };
        Some((at, fused))
    }

    /// The index of the last instruction emitted if it is a retargetable
    /// result (`last`) and nothing has been emitted after it.
    pub(super) fn just_emitted(&self) -> Option<usize> {
        self.last.filter(|&at| at + 1 == self.code.len())
    }

    /// A binary operator with an immediate form for a constant right-hand side.
    pub(super) fn binary_imm(
        &mut self,
        ty: ValType,
        operand_ty: ValType,
        make: fn(Reg, Reg, Reg) -> Instr,
        imm: fn(Reg, Reg, i32) -> Instr,
        commutative: bool,
    ) -> R {
        let len = self.stack.len();
        let (mut a, mut b) = (self.stack[len - 2], self.stack[len - 1]);
        if commutative && matches!(a.src, Src::Const(_)) && !matches!(b.src, Src::Const(_)) {
            std::mem::swap(&mut a, &mut b);
        }
        let fits = match b.src {
            Src::Const(bits) if operand_ty == ValType::I32 => Some(bits as u32 as i32),
            Src::Const(bits) => i32::try_from(bits as i64).ok(),
            _ => None,
        };
        let Some(c) = fits else {
            return self.binary(ty, make);
        };
        self.stack.truncate(len - 2);
        let ra = self.reg(a);
        let dst = self.push_temp(ty)?;
        self.emit_result(imm(dst, ra, c));
        Ok(())
    }

    /// An xor with a rotation by a constant just emitted, `rotl(x, k) ^ y`
    /// in either operand order, becomes one instruction (the rounds of
    /// SipHash and similar); `false` if this xor does not qualify.
    pub(super) fn rotl_xor(&mut self, wide: bool) -> R<bool> {
        use Instr as I;
        let len = self.stack.len();
        let (a, b) = (self.stack[len - 2], self.stack[len - 1]);
        let Some(at) = self.just_emitted() else {
            return Ok(false);
        };
        let (d, x, k) = match self.code[at] {
            I::I32RotlImm(d, x, k) if !wide => (d, x, k),
            I::I64RotlImm(d, x, k) if wide => (d, x, k),
            _ => return Ok(false),
        };
        // The rotation is the operand it wrote; the other one needs no
        // code of its own (it would come after the rotation otherwise).
        let other = if b.src == Src::Temp && b.slot == d {
            a
        } else if a.src == Src::Temp && a.slot == d && b.src != Src::Temp {
            b
        } else {
            return Ok(false);
        };
        if matches!(other.src, Src::ConstV128(_)) {
            return Ok(false);
        }
        self.stack.truncate(len - 2);
        let y = self.reg(other);
        let dst = self.push_temp(if wide { ValType::I64 } else { ValType::I32 })?;
        let k = k as u8;
        self.code[at] =
            if wide { I::I64RotlXor(k, dst, x, y) } else { I::I32RotlXor(k, dst, x, y) };
        self.last = Some(at);
        Ok(true)
    }

    /// An add of a multiplication just emitted to the temporary below it,
    /// `acc + x * y` with the sum replacing `acc`, becomes one instruction
    /// (dot products, polynomial hashes); `false` if this add does not
    /// qualify.
    pub(super) fn mul_add(&mut self, wide: bool) -> R<bool> {
        use Instr as I;
        let len = self.stack.len();
        let (a, b) = (self.stack[len - 2], self.stack[len - 1]);
        if a.src != Src::Temp || b.src != Src::Temp {
            return Ok(false);
        }
        let Some(at) = self.just_emitted() else {
            return Ok(false);
        };
        let fused = match self.code[at] {
            I::I32Mul(d, x, y) if !wide && d == b.slot => I::I32MulAdd(a.slot, x, y),
            I::I64Mul(d, x, y) if wide && d == b.slot => I::I64MulAdd(a.slot, x, y),
            _ => return Ok(false),
        };
        self.stack.truncate(len - 2);
        // The sum lands where `acc` was, the next free cell.
        let dst = self.push_temp(if wide { ValType::I64 } else { ValType::I32 })?;
        debug_assert_eq!(dst, a.slot);
        self.code[at] = fused;
        self.last = Some(at);
        Ok(true)
    }

    /// `i32.add`, fused with a shift by a constant just emitted into its
    /// second operand: `a + (b << k)` is one instruction (array indexing).
    pub(super) fn add_i32(&mut self) -> R {
        use Instr as I;
        if self.mul_add(false)? {
            return Ok(());
        }
        let len = self.stack.len();
        let (a, b) = (self.stack[len - 2], self.stack[len - 1]);
        if !matches!(a.src, Src::Const(_))
            && b.src == Src::Temp
            && let Some(at) = self.just_emitted()
            && let I::I32ShlImm(d, x, k) = self.code[at]
            && d == b.slot
        {
            self.stack.truncate(len - 2);
            let ra = self.reg(a);
            let dst = self.push_temp(ValType::I32)?;
            self.code[at] = I::I32AddShl((k & 31) as u8, dst, ra, x);
            self.last = Some(at);
            return Ok(());
        }
        self.binary_imm(ValType::I32, ValType::I32, I::I32Add, I::I32AddImm, true)
    }

    /// `rotl`/`rotr`. By a constant it has an immediate form, fused with
    /// an `xor` just emitted into the rotated operand: `rotl(a ^ b, k)` is
    /// one instruction (the rounds of hashes and ciphers chain these).
    pub(super) fn rotate(&mut self, ty: ValType, right: bool) -> R {
        use Instr as I;
        let wide = ty == ValType::I64;
        let len = self.stack.len();
        let Src::Const(c) = self.stack[len - 1].src else {
            return self.binary(
                ty,
                match (wide, right) {
                    (false, false) => I::I32Rotl,
                    (false, true) => I::I32Rotr,
                    (true, false) => I::I64Rotl,
                    (true, true) => I::I64Rotr,
                },
            );
        };
        let bits = if wide { 64 } else { 32 };
        let by = if wide { c % 64 } else { u64::from(c as u32 % 32) };
        // Rotating right by `by` is rotating left by the rest of the width.
        let k = if right { (bits - by) % bits } else { by } as u8;
        let value = self.stack[len - 2];
        if value.src == Src::Temp
            && let Some(at) = self.just_emitted()
        {
            let fused = match self.code[at] {
                I::I32Xor(d, a, b) if !wide && d == value.slot => Some(I::I32XorRotl(k, d, a, b)),
                I::I64Xor(d, a, b) if wide && d == value.slot => Some(I::I64XorRotl(k, d, a, b)),
                _ => None,
            };
            if let Some(fused) = fused {
                // The constant needs no code; the result stays where the
                // `xor` put it, the operand on top, and may be retargeted.
                self.stack.pop();
                self.code[at] = fused;
                return Ok(());
            }
        }
        self.stack.truncate(len - 2);
        let ra = self.reg(value);
        let dst = self.push_temp(ty)?;
        let k = i32::from(k);
        self.emit_result(if wide { I::I64RotlImm(dst, ra, k) } else { I::I32RotlImm(dst, ra, k) });
        Ok(())
    }
}

/// Makes an indexed load or store: (offset, dst or value, base, index).
type Indexed = fn(u16, Reg, Reg, Reg) -> Instr;
/// Makes an indexed load or store with an immediate in place of the index.
type IndexedImm = fn(u16, Reg, Reg, i32) -> Instr;

/// A branch condition.
#[derive(Debug, Clone, Copy)]
pub(super) enum Cond {
    Const(bool),
    Nez(Reg),
    Eqz(Reg),
    Nez64(Reg),
    Eqz64(Reg),
    Cmp(fn(Reg, Reg, u32) -> Instr, fn(Reg, Reg, u32) -> Instr, Reg, Reg),
    CmpImm(fn(Reg, i32, u32) -> Instr, fn(Reg, i32, u32) -> Instr, Reg, i32),
}

impl Cond {
    pub(super) fn branch(self, target: u32) -> Instr {
        match self {
            Cond::Const(_) => Instr::Br(target),
            Cond::Nez(r) => Instr::BrIfNez(r, target),
            Cond::Eqz(r) => Instr::BrIfEqz(r, target),
            Cond::Nez64(r) => Instr::BrIfNez64(r, target),
            Cond::Eqz64(r) => Instr::BrIfEqz64(r, target),
            Cond::Cmp(make, _, a, b) => make(a, b, target),
            Cond::CmpImm(make, _, a, i) => make(a, i, target),
        }
    }

    pub(super) fn negate(self) -> Cond {
        match self {
            Cond::Const(c) => Cond::Const(!c),
            Cond::Nez(r) => Cond::Eqz(r),
            Cond::Eqz(r) => Cond::Nez(r),
            Cond::Nez64(r) => Cond::Eqz64(r),
            Cond::Eqz64(r) => Cond::Nez64(r),
            Cond::Cmp(m, n, a, b) => Cond::Cmp(n, m, a, b),
            Cond::CmpImm(m, n, a, i) => Cond::CmpImm(n, m, a, i),
        }
    }
}

/// The conditional branch taken exactly when `instr` (a conditional branch)
/// is not, jumping to `target`.
pub(super) fn inverted_branch(instr: Instr, target: u32) -> Option<Instr> {
    use Instr as I;
    let t = target;
    Some(match instr {
        I::BrIfNez(r, _) => I::BrIfEqz(r, t),
        I::BrIfEqz(r, _) => I::BrIfNez(r, t),
        I::BrIfNez64(r, _) => I::BrIfEqz64(r, t),
        I::BrIfEqz64(r, _) => I::BrIfNez64(r, t),
        I::BrI32Eq(a, b, _) => I::BrI32Ne(a, b, t),
        I::BrI32Ne(a, b, _) => I::BrI32Eq(a, b, t),
        I::BrI32LtS(a, b, _) => I::BrI32GeS(a, b, t),
        I::BrI32GeS(a, b, _) => I::BrI32LtS(a, b, t),
        I::BrI32LtU(a, b, _) => I::BrI32GeU(a, b, t),
        I::BrI32GeU(a, b, _) => I::BrI32LtU(a, b, t),
        I::BrI32GtS(a, b, _) => I::BrI32LeS(a, b, t),
        I::BrI32LeS(a, b, _) => I::BrI32GtS(a, b, t),
        I::BrI32GtU(a, b, _) => I::BrI32LeU(a, b, t),
        I::BrI32LeU(a, b, _) => I::BrI32GtU(a, b, t),
        I::BrI64Eq(a, b, _) => I::BrI64Ne(a, b, t),
        I::BrI64Ne(a, b, _) => I::BrI64Eq(a, b, t),
        I::BrI64LtS(a, b, _) => I::BrI64GeS(a, b, t),
        I::BrI64GeS(a, b, _) => I::BrI64LtS(a, b, t),
        I::BrI64LtU(a, b, _) => I::BrI64GeU(a, b, t),
        I::BrI64GeU(a, b, _) => I::BrI64LtU(a, b, t),
        I::BrI64GtS(a, b, _) => I::BrI64LeS(a, b, t),
        I::BrI64LeS(a, b, _) => I::BrI64GtS(a, b, t),
        I::BrI64GtU(a, b, _) => I::BrI64LeU(a, b, t),
        I::BrI64LeU(a, b, _) => I::BrI64GtU(a, b, t),
        I::BrI32EqImm(a, i, _) => I::BrI32NeImm(a, i, t),
        I::BrI32NeImm(a, i, _) => I::BrI32EqImm(a, i, t),
        I::BrI32LtSImm(a, i, _) => I::BrI32GeSImm(a, i, t),
        I::BrI32GeSImm(a, i, _) => I::BrI32LtSImm(a, i, t),
        I::BrI32LtUImm(a, i, _) => I::BrI32GeUImm(a, i, t),
        I::BrI32GeUImm(a, i, _) => I::BrI32LtUImm(a, i, t),
        I::BrI32GtSImm(a, i, _) => I::BrI32LeSImm(a, i, t),
        I::BrI32LeSImm(a, i, _) => I::BrI32GtSImm(a, i, t),
        I::BrI32GtUImm(a, i, _) => I::BrI32LeUImm(a, i, t),
        I::BrI32LeUImm(a, i, _) => I::BrI32GtUImm(a, i, t),
        I::BrF32Eq(x, y, _) => I::BrF32Ne(x, y, t),
        I::BrF32Ne(x, y, _) => I::BrF32Eq(x, y, t),
        I::BrF32Lt(x, y, _) => I::BrF32NotLt(x, y, t),
        I::BrF32NotLt(x, y, _) => I::BrF32Lt(x, y, t),
        I::BrF32Gt(x, y, _) => I::BrF32NotGt(x, y, t),
        I::BrF32NotGt(x, y, _) => I::BrF32Gt(x, y, t),
        I::BrF32Le(x, y, _) => I::BrF32NotLe(x, y, t),
        I::BrF32NotLe(x, y, _) => I::BrF32Le(x, y, t),
        I::BrF32Ge(x, y, _) => I::BrF32NotGe(x, y, t),
        I::BrF32NotGe(x, y, _) => I::BrF32Ge(x, y, t),
        I::BrF64Eq(x, y, _) => I::BrF64Ne(x, y, t),
        I::BrF64Ne(x, y, _) => I::BrF64Eq(x, y, t),
        I::BrF64Lt(x, y, _) => I::BrF64NotLt(x, y, t),
        I::BrF64NotLt(x, y, _) => I::BrF64Lt(x, y, t),
        I::BrF64Gt(x, y, _) => I::BrF64NotGt(x, y, t),
        I::BrF64NotGt(x, y, _) => I::BrF64Gt(x, y, t),
        I::BrF64Le(x, y, _) => I::BrF64NotLe(x, y, t),
        I::BrF64NotLe(x, y, _) => I::BrF64Le(x, y, t),
        I::BrF64Ge(x, y, _) => I::BrF64NotGe(x, y, t),
        I::BrF64NotGe(x, y, _) => I::BrF64Ge(x, y, t),
        _ => return None,
    })
}

/// If `instr` is a comparison writing `slot`, the equivalent branch
/// condition.
pub(super) fn fusable(instr: Instr, slot: Reg) -> Option<Cond> {
    use Instr as I;
    type Pair = (fn(Reg, Reg, u32) -> Instr, fn(Reg, Reg, u32) -> Instr);
    type PairImm = (fn(Reg, i32, u32) -> Instr, fn(Reg, i32, u32) -> Instr);
    let cmp = |d: Reg, a, b, (m, n): Pair| (d == slot).then_some(Cond::Cmp(m, n, a, b));
    let imm = |d: Reg, a, i, (m, n): PairImm| (d == slot).then_some(Cond::CmpImm(m, n, a, i));
    match instr {
        I::I32Eqz(d, a) => (d == slot).then_some(Cond::Eqz(a)),
        I::I64Eqz(d, a) => (d == slot).then_some(Cond::Eqz64(a)),
        I::I32Eq(d, a, b) => cmp(d, a, b, (I::BrI32Eq, I::BrI32Ne)),
        I::I32Ne(d, a, b) => cmp(d, a, b, (I::BrI32Ne, I::BrI32Eq)),
        I::I32LtS(d, a, b) => cmp(d, a, b, (I::BrI32LtS, I::BrI32GeS)),
        I::I32LtU(d, a, b) => cmp(d, a, b, (I::BrI32LtU, I::BrI32GeU)),
        I::I32GtS(d, a, b) => cmp(d, a, b, (I::BrI32GtS, I::BrI32LeS)),
        I::I32GtU(d, a, b) => cmp(d, a, b, (I::BrI32GtU, I::BrI32LeU)),
        I::I32LeS(d, a, b) => cmp(d, a, b, (I::BrI32LeS, I::BrI32GtS)),
        I::I32LeU(d, a, b) => cmp(d, a, b, (I::BrI32LeU, I::BrI32GtU)),
        I::I32GeS(d, a, b) => cmp(d, a, b, (I::BrI32GeS, I::BrI32LtS)),
        I::I32GeU(d, a, b) => cmp(d, a, b, (I::BrI32GeU, I::BrI32LtU)),
        I::I64Eq(d, a, b) => cmp(d, a, b, (I::BrI64Eq, I::BrI64Ne)),
        I::I64Ne(d, a, b) => cmp(d, a, b, (I::BrI64Ne, I::BrI64Eq)),
        I::I64LtS(d, a, b) => cmp(d, a, b, (I::BrI64LtS, I::BrI64GeS)),
        I::I64LtU(d, a, b) => cmp(d, a, b, (I::BrI64LtU, I::BrI64GeU)),
        I::I64GtS(d, a, b) => cmp(d, a, b, (I::BrI64GtS, I::BrI64LeS)),
        I::I64GtU(d, a, b) => cmp(d, a, b, (I::BrI64GtU, I::BrI64LeU)),
        I::I64LeS(d, a, b) => cmp(d, a, b, (I::BrI64LeS, I::BrI64GtS)),
        I::I64LeU(d, a, b) => cmp(d, a, b, (I::BrI64LeU, I::BrI64GtU)),
        I::I64GeS(d, a, b) => cmp(d, a, b, (I::BrI64GeS, I::BrI64LtS)),
        I::I64GeU(d, a, b) => cmp(d, a, b, (I::BrI64GeU, I::BrI64LtU)),
        I::I32EqImm(d, a, i) => imm(d, a, i, (I::BrI32EqImm, I::BrI32NeImm)),
        I::I32NeImm(d, a, i) => imm(d, a, i, (I::BrI32NeImm, I::BrI32EqImm)),
        I::I32LtSImm(d, a, i) => imm(d, a, i, (I::BrI32LtSImm, I::BrI32GeSImm)),
        I::I32LtUImm(d, a, i) => imm(d, a, i, (I::BrI32LtUImm, I::BrI32GeUImm)),
        I::I32GtSImm(d, a, i) => imm(d, a, i, (I::BrI32GtSImm, I::BrI32LeSImm)),
        I::I32GtUImm(d, a, i) => imm(d, a, i, (I::BrI32GtUImm, I::BrI32LeUImm)),
        I::I32LeSImm(d, a, i) => imm(d, a, i, (I::BrI32LeSImm, I::BrI32GtSImm)),
        I::I32LeUImm(d, a, i) => imm(d, a, i, (I::BrI32LeUImm, I::BrI32GtUImm)),
        I::I32GeSImm(d, a, i) => imm(d, a, i, (I::BrI32GeSImm, I::BrI32LtSImm)),
        I::I32GeUImm(d, a, i) => imm(d, a, i, (I::BrI32GeUImm, I::BrI32LtUImm)),
        I::F32Lt(d, a, b) => cmp(d, a, b, (I::BrF32Lt, I::BrF32NotLt)),
        I::F32Gt(d, a, b) => cmp(d, a, b, (I::BrF32Gt, I::BrF32NotGt)),
        I::F32Le(d, a, b) => cmp(d, a, b, (I::BrF32Le, I::BrF32NotLe)),
        I::F32Ge(d, a, b) => cmp(d, a, b, (I::BrF32Ge, I::BrF32NotGe)),
        I::F64Lt(d, a, b) => cmp(d, a, b, (I::BrF64Lt, I::BrF64NotLt)),
        I::F64Gt(d, a, b) => cmp(d, a, b, (I::BrF64Gt, I::BrF64NotGt)),
        I::F64Le(d, a, b) => cmp(d, a, b, (I::BrF64Le, I::BrF64NotLe)),
        I::F64Ge(d, a, b) => cmp(d, a, b, (I::BrF64Ge, I::BrF64NotGe)),
        I::F32Eq(d, a, b) => cmp(d, a, b, (I::BrF32Eq, I::BrF32Ne)),
        I::F32Ne(d, a, b) => cmp(d, a, b, (I::BrF32Ne, I::BrF32Eq)),
        I::F64Eq(d, a, b) => cmp(d, a, b, (I::BrF64Eq, I::BrF64Ne)),
        I::F64Ne(d, a, b) => cmp(d, a, b, (I::BrF64Ne, I::BrF64Eq)),
        _ => None,
    }
}
