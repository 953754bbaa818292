//! Numeric, memory and SIMD operators.

use super::*;

impl Translator<'_> {
    pub(super) fn mem_prefix(&mut self, memarg: &wasmparser::MemArg) -> u32 {
        let mem = match memarg.target {
            wasmparser::MemArgTarget::Memory(m) => m,
            _ => 0,
        };
        let hi = (memarg.offset >> 32) as u32;
        if mem != 0 || hi != 0 {
            self.emit(Instr::MemArg(mem, hi));
        }
        memarg.offset as u32
    }

    pub(super) fn load(
        &mut self,
        memarg: wasmparser::MemArg,
        ty: ValType,
        make: fn(Reg, Reg, u32) -> Instr,
    ) -> R {
        if self.load_indexed(&memarg, ty, make)? {
            return Ok(());
        }
        let addr = self.pop();
        let a = self.reg(addr);
        let offset = self.mem_prefix(&memarg);
        let dst = self.push_temp(ty)?;
        let at = self.emit(make(dst, a, offset));
        // A load preceded by a memory prefix is not retargetable as "last".
        if at > 0 && matches!(self.code[at - 1], Instr::MemArg(..)) {
            self.last = None;
        } else {
            self.last = Some(at);
        }
        Ok(())
    }

    pub(super) fn store(&mut self, memarg: wasmparser::MemArg, make: fn(Reg, Reg, u32) -> Instr) {
        if self.store_indexed(&memarg, make) {
            return;
        }
        let [a, v] = self.pop_regs::<2>();
        let offset = self.mem_prefix(&memarg);
        self.emit(make(a, v, offset));
    }

    pub(super) fn binary(&mut self, ty: ValType, make: fn(Reg, Reg, Reg) -> Instr) -> R {
        let [a, b] = self.pop_regs::<2>();
        let dst = self.push_temp(ty)?;
        self.emit_result(make(dst, a, b));
        Ok(())
    }

    pub(super) fn unary(&mut self, ty: ValType, make: fn(Reg, Reg) -> Instr) -> R {
        let v = self.pop();
        let r = self.reg(v);
        let dst = self.push_temp(ty)?;
        self.emit_result(make(dst, r));
        Ok(())
    }

    pub(super) fn numeric(&mut self, op: Operator<'_>) -> R {
        use Instr as I;
        use Operator as O;
        use ValType::{F32, F64, I32, I64};
        match op {
            O::I32Add => self.add_i32(),
            O::I32Sub => {
                // x - c  ==  x + (-c)
                if let Some(Operand { src: Src::Const(c), .. }) = self.stack.last().copied() {
                    let top = self.stack.last_mut().expect("operand");
                    top.src = Src::Const((c as u32).wrapping_neg() as u64);
                    self.binary_imm(I32, I32, I::I32Add, I::I32AddImm, false)
                } else {
                    self.binary(I32, I::I32Sub)
                }
            }
            O::I32Mul => self.binary_imm(I32, I32, I::I32Mul, I::I32MulImm, true),
            O::I32DivS => self.binary(I32, I::I32DivS),
            O::I32DivU => self.binary(I32, I::I32DivU),
            O::I32RemS => self.binary(I32, I::I32RemS),
            O::I32RemU => self.binary(I32, I::I32RemU),
            O::I32And => self.binary_imm(I32, I32, I::I32And, I::I32AndImm, true),
            O::I32Or => self.binary_imm(I32, I32, I::I32Or, I::I32OrImm, true),
            O::I32Xor => {
                if self.rotl_xor(false)? {
                    Ok(())
                } else {
                    self.binary_imm(I32, I32, I::I32Xor, I::I32XorImm, true)
                }
            }
            O::I32Shl => self.binary_imm(I32, I32, I::I32Shl, I::I32ShlImm, false),
            O::I32ShrS => self.binary_imm(I32, I32, I::I32ShrS, I::I32ShrSImm, false),
            O::I32ShrU => self.binary_imm(I32, I32, I::I32ShrU, I::I32ShrUImm, false),
            O::I32Rotl => self.rotate(I32, false),
            O::I32Rotr => self.rotate(I32, true),
            O::I32Eq => self.binary_imm(I32, I32, I::I32Eq, I::I32EqImm, true),
            O::I32Ne => self.binary_imm(I32, I32, I::I32Ne, I::I32NeImm, true),
            O::I32LtS => self.binary_imm(I32, I32, I::I32LtS, I::I32LtSImm, false),
            O::I32LtU => self.binary_imm(I32, I32, I::I32LtU, I::I32LtUImm, false),
            O::I32GtS => self.binary_imm(I32, I32, I::I32GtS, I::I32GtSImm, false),
            O::I32GtU => self.binary_imm(I32, I32, I::I32GtU, I::I32GtUImm, false),
            O::I32LeS => self.binary_imm(I32, I32, I::I32LeS, I::I32LeSImm, false),
            O::I32LeU => self.binary_imm(I32, I32, I::I32LeU, I::I32LeUImm, false),
            O::I32GeS => self.binary_imm(I32, I32, I::I32GeS, I::I32GeSImm, false),
            O::I32GeU => self.binary_imm(I32, I32, I::I32GeU, I::I32GeUImm, false),
            O::I64Add => {
                if self.mul_add(true)? {
                    Ok(())
                } else {
                    self.binary_imm(I64, I64, I::I64Add, I::I64AddImm, true)
                }
            }
            O::I64Sub => {
                if let Some(Operand { src: Src::Const(c), .. }) = self.stack.last().copied()
                    && c as i64 != i64::MIN
                {
                    let top = self.stack.last_mut().expect("operand");
                    top.src = Src::Const((c as i64).wrapping_neg() as u64);
                    self.binary_imm(I64, I64, I::I64Add, I::I64AddImm, false)
                } else {
                    self.binary(I64, I::I64Sub)
                }
            }
            O::I64Mul => self.binary_imm(I64, I64, I::I64Mul, I::I64MulImm, true),
            O::I64DivS => self.binary(I64, I::I64DivS),
            O::I64DivU => self.binary(I64, I::I64DivU),
            O::I64RemS => self.binary(I64, I::I64RemS),
            O::I64RemU => self.binary(I64, I::I64RemU),
            O::I64And => self.binary_imm(I64, I64, I::I64And, I::I64AndImm, true),
            O::I64Or => self.binary_imm(I64, I64, I::I64Or, I::I64OrImm, true),
            O::I64Xor => {
                if self.rotl_xor(true)? {
                    Ok(())
                } else {
                    self.binary_imm(I64, I64, I::I64Xor, I::I64XorImm, true)
                }
            }
            O::I64Shl => self.binary_imm(I64, I64, I::I64Shl, I::I64ShlImm, false),
            O::I64ShrS => self.binary_imm(I64, I64, I::I64ShrS, I::I64ShrSImm, false),
            O::I64ShrU => self.binary_imm(I64, I64, I::I64ShrU, I::I64ShrUImm, false),
            O::I64Rotl => self.rotate(I64, false),
            O::I64Rotr => self.rotate(I64, true),
            O::I64Eq => self.binary_imm(I32, I64, I::I64Eq, I::I64EqImm, true),
            O::I64Ne => self.binary_imm(I32, I64, I::I64Ne, I::I64NeImm, true),
            O::I64LtS => self.binary_imm(I32, I64, I::I64LtS, I::I64LtSImm, false),
            O::I64LtU => self.binary_imm(I32, I64, I::I64LtU, I::I64LtUImm, false),
            O::I64GtS => self.binary_imm(I32, I64, I::I64GtS, I::I64GtSImm, false),
            O::I64GtU => self.binary_imm(I32, I64, I::I64GtU, I::I64GtUImm, false),
            O::I64LeS => self.binary_imm(I32, I64, I::I64LeS, I::I64LeSImm, false),
            O::I64LeU => self.binary_imm(I32, I64, I::I64LeU, I::I64LeUImm, false),
            O::I64GeS => self.binary_imm(I32, I64, I::I64GeS, I::I64GeSImm, false),
            O::I64GeU => self.binary_imm(I32, I64, I::I64GeU, I::I64GeUImm, false),
            O::F32Add => self.binary(F32, I::F32Add),
            O::F32Sub => self.binary(F32, I::F32Sub),
            O::F32Mul => self.binary(F32, I::F32Mul),
            O::F32Div => self.binary(F32, I::F32Div),
            O::F32Min => self.binary(F32, I::F32Min),
            O::F32Max => self.binary(F32, I::F32Max),
            O::F32Copysign => self.binary(F32, I::F32Copysign),
            O::F32Eq => self.binary(I32, I::F32Eq),
            O::F32Ne => self.binary(I32, I::F32Ne),
            O::F32Lt => self.binary(I32, I::F32Lt),
            O::F32Gt => self.binary(I32, I::F32Gt),
            O::F32Le => self.binary(I32, I::F32Le),
            O::F32Ge => self.binary(I32, I::F32Ge),
            O::F64Add => self.binary(F64, I::F64Add),
            O::F64Sub => self.binary(F64, I::F64Sub),
            O::F64Mul => self.binary(F64, I::F64Mul),
            O::F64Div => self.binary(F64, I::F64Div),
            O::F64Min => self.binary(F64, I::F64Min),
            O::F64Max => self.binary(F64, I::F64Max),
            O::F64Copysign => self.binary(F64, I::F64Copysign),
            O::F64Eq => self.binary(I32, I::F64Eq),
            O::F64Ne => self.binary(I32, I::F64Ne),
            O::F64Lt => self.binary(I32, I::F64Lt),
            O::F64Gt => self.binary(I32, I::F64Gt),
            O::F64Le => self.binary(I32, I::F64Le),
            O::F64Ge => self.binary(I32, I::F64Ge),
            O::I32Eqz => {
                let operand = match (self.stack.last(), self.just_emitted()) {
                    (Some(op), Some(at)) if op.src == Src::Temp => Some(at),
                    _ => None,
                };
                self.unary(I32, I::I32Eqz)?;
                self.eqz_of = operand.map(|at| (at + 1, at));
                Ok(())
            }
            O::I32Clz => self.unary(I32, I::I32Clz),
            O::I32Ctz => self.unary(I32, I::I32Ctz),
            O::I32Popcnt => self.unary(I32, I::I32Popcnt),
            O::I64Eqz => self.unary(I32, I::I64Eqz),
            O::I64Clz => self.unary(I64, I::I64Clz),
            O::I64Ctz => self.unary(I64, I::I64Ctz),
            O::I64Popcnt => self.unary(I64, I::I64Popcnt),
            O::F32Abs => self.unary(F32, I::F32Abs),
            O::F32Neg => self.unary(F32, I::F32Neg),
            O::F32Ceil => self.unary(F32, I::F32Ceil),
            O::F32Floor => self.unary(F32, I::F32Floor),
            O::F32Trunc => self.unary(F32, I::F32Trunc),
            O::F32Nearest => self.unary(F32, I::F32Nearest),
            O::F32Sqrt => self.unary(F32, I::F32Sqrt),
            O::F64Abs => self.unary(F64, I::F64Abs),
            O::F64Neg => self.unary(F64, I::F64Neg),
            O::F64Ceil => self.unary(F64, I::F64Ceil),
            O::F64Floor => self.unary(F64, I::F64Floor),
            O::F64Trunc => self.unary(F64, I::F64Trunc),
            O::F64Nearest => self.unary(F64, I::F64Nearest),
            O::F64Sqrt => self.unary(F64, I::F64Sqrt),
            O::I32WrapI64 => self.unary(I32, I::I32WrapI64),
            O::I32TruncF32S => self.unary(I32, I::I32TruncF32S),
            O::I32TruncF32U => self.unary(I32, I::I32TruncF32U),
            O::I32TruncF64S => self.unary(I32, I::I32TruncF64S),
            O::I32TruncF64U => self.unary(I32, I::I32TruncF64U),
            O::I64ExtendI32S => self.unary(I64, I::I64ExtendI32S),
            O::I64ExtendI32U => self.unary(I64, I::I64ExtendI32U),
            O::I64TruncF32S => self.unary(I64, I::I64TruncF32S),
            O::I64TruncF32U => self.unary(I64, I::I64TruncF32U),
            O::I64TruncF64S => self.unary(I64, I::I64TruncF64S),
            O::I64TruncF64U => self.unary(I64, I::I64TruncF64U),
            O::F32ConvertI32S => self.unary(F32, I::F32ConvertI32S),
            O::F32ConvertI32U => self.unary(F32, I::F32ConvertI32U),
            O::F32ConvertI64S => self.unary(F32, I::F32ConvertI64S),
            O::F32ConvertI64U => self.unary(F32, I::F32ConvertI64U),
            O::F32DemoteF64 => self.unary(F32, I::F32DemoteF64),
            O::F64ConvertI32S => self.unary(F64, I::F64ConvertI32S),
            O::F64ConvertI32U => self.unary(F64, I::F64ConvertI32U),
            O::F64ConvertI64S => self.unary(F64, I::F64ConvertI64S),
            O::F64ConvertI64U => self.unary(F64, I::F64ConvertI64U),
            O::F64PromoteF32 => self.unary(F64, I::F64PromoteF32),
            O::I32Extend8S => self.unary(I32, I::I32Extend8S),
            O::I32Extend16S => self.unary(I32, I::I32Extend16S),
            O::I64Extend8S => self.unary(I64, I::I64Extend8S),
            O::I64Extend16S => self.unary(I64, I::I64Extend16S),
            O::I64Extend32S => self.unary(I64, I::I64Extend32S),
            O::I32TruncSatF32S => self.unary(I32, I::I32TruncSatF32S),
            O::I32TruncSatF32U => self.unary(I32, I::I32TruncSatF32U),
            O::I32TruncSatF64S => self.unary(I32, I::I32TruncSatF64S),
            O::I32TruncSatF64U => self.unary(I32, I::I32TruncSatF64U),
            O::I64TruncSatF32S => self.unary(I64, I::I64TruncSatF32S),
            O::I64TruncSatF32U => self.unary(I64, I::I64TruncSatF32U),
            O::I64TruncSatF64S => self.unary(I64, I::I64TruncSatF64S),
            O::I64TruncSatF64U => self.unary(I64, I::I64TruncSatF64U),
            other => Err(Error::unsupported(format!(
                "the interpreter does not support the operator {other:?}"
            ))),
        }
    }

    pub(super) fn simd(&mut self, s: SimdInstr) -> R {
        use ValType::{I32, V128};
        match s {
            SimdInstr::Const(v) => {
                self.push(Src::ConstV128(v), V128)?;
            }
            SimdInstr::Unary(op) => {
                let v = self.pop();
                let r = self.reg(v);
                let dst = self.push_temp(V128)?;
                self.emit(Instr::V128Unary(op, dst, r));
            }
            SimdInstr::Binary(op) => {
                let [a, b] = self.pop_regs::<2>();
                let dst = self.push_temp(V128)?;
                self.emit(Instr::V128Binary(op, dst, a, b));
            }
            SimdInstr::Ternary(op) => {
                let [a, b, c] = self.pop_regs::<3>();
                let dst = self.push_temp(V128)?;
                self.emit(Instr::V128Ternary(op, dst, a, b));
                self.emit(Instr::Extra(c, 0, 0));
            }
            SimdInstr::Shift(op) => {
                let [a, b] = self.pop_regs::<2>();
                let dst = self.push_temp(V128)?;
                self.emit(Instr::V128Shift(op, dst, a, b));
            }
            SimdInstr::Splat(op) => {
                let v = self.pop();
                let r = self.reg(v);
                let dst = self.push_temp(V128)?;
                self.emit(Instr::V128Splat(op, dst, r));
            }
            SimdInstr::ExtractLane(op, lane) => {
                let v = self.pop();
                let r = self.reg(v);
                let dst = self.push_temp(scalar(op.result_type()))?;
                self.emit(Instr::V128Extract(op, lane, dst, r));
            }
            SimdInstr::ReplaceLane(op, lane) => {
                let [a, x] = self.pop_regs::<2>();
                let dst = self.push_temp(V128)?;
                self.emit(Instr::V128Replace(op, lane, dst, a, x));
            }
            SimdInstr::Test(op) => {
                let v = self.pop();
                let r = self.reg(v);
                let dst = self.push_temp(I32)?;
                self.emit(Instr::V128Test(op, dst, r));
            }
            SimdInstr::Shuffle(lanes) => {
                let [a, b] = self.pop_regs::<2>();
                let dst = self.push_temp(V128)?;
                let idx = self.add_const(u128::from_le_bytes(lanes));
                self.emit(Instr::V128Shuffle(dst, a, b));
                self.emit(Instr::Extra(idx, 0, 0));
            }
            SimdInstr::Load(op, m) => {
                let addr = self.pop();
                let a = self.reg(addr);
                let offset = self.simd_prefix(m);
                let dst = self.push_temp(V128)?;
                self.emit(Instr::V128Load(op, dst, a, offset));
            }
            SimdInstr::Store(m) => {
                let [a, v] = self.pop_regs::<2>();
                let offset = self.simd_prefix(m);
                self.emit(Instr::V128Store(a, v, offset));
            }
            SimdInstr::LoadLane(w, m, lane) => {
                let [a, v] = self.pop_regs::<2>();
                let offset = self.simd_prefix(m);
                let dst = self.push_temp(V128)?;
                self.emit(Instr::V128LoadLane(w, lane, dst, a, v));
                self.emit(Instr::Extra(offset, 0, 0));
            }
            SimdInstr::StoreLane(w, m, lane) => {
                let [a, v] = self.pop_regs::<2>();
                let offset = self.simd_prefix(m);
                self.emit(Instr::V128StoreLane(w, lane, a, v));
                self.emit(Instr::Extra(offset, 0, 0));
            }
        }
        Ok(())
    }

    pub(super) fn simd_prefix(&mut self, m: simd::MemArg) -> u32 {
        let hi = (m.offset >> 32) as u32;
        if m.memory != 0 || hi != 0 {
            self.emit(Instr::MemArg(m.memory, hi));
        }
        m.offset as u32
    }
}

pub(super) fn scalar(t: simd::ScalarType) -> ValType {
    match t {
        simd::ScalarType::I32 => ValType::I32,
        simd::ScalarType::I64 => ValType::I64,
        simd::ScalarType::F32 => ValType::F32,
        simd::ScalarType::F64 => ValType::F64,
    }
}
