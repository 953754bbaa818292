//! Constants and locals: constant registers, declared locals, and
//! `local.set` (which retargets the instruction that computed the value).

use super::*;

impl Translator<'_> {
    /// The (tagged) constant register holding `bits`.
    pub(super) fn const_reg(&mut self, bits: u64) -> Reg {
        let next = self.const_values.len() as u32;
        let index = *self.const_index.entry(bits).or_insert(next);
        if index == next {
            self.const_values.push(bits);
        }
        CONST_TAG | index
    }

    /// Gives constant registers their cells right after the locals and
    /// moves the temporaries up to make room.
    pub(super) fn place_constants(&mut self) -> R {
        let k = self.const_values.len() as u32;
        let locals = self.local_cells;
        self.max_cells = self
            .max_cells
            .checked_add(k)
            .filter(|&c| c <= MAX_FRAME_CELLS)
            .ok_or_else(too_large)?;
        let map = |r: Reg| {
            if r & FIXED_TAG != 0 {
                r & !FIXED_TAG
            } else if r & CONST_TAG != 0 {
                locals + (r & !CONST_TAG)
            } else if r >= locals {
                r + k
            } else {
                r
            }
        };
        let mut extra_reg = false;
        for instr in &mut self.code {
            match instr {
                Instr::Extra(r, ..) if extra_reg => *r = map(*r),
                _ => instr.map_regs(&map),
            }
            extra_reg = instr.extra_has_reg();
        }
        Ok(())
    }

    pub(super) fn declare_local(&mut self, ty: ValType) -> R {
        self.local_regs.push(self.local_cells);
        self.local_types.push(ty);
        self.local_cells = self
            .local_cells
            .checked_add(ty.cells())
            .filter(|&c| c <= MAX_FRAME_CELLS)
            .ok_or_else(too_large)?;
        Ok(())
    }

    // ---- emission helpers ----

    pub(super) fn add_const(&mut self, v: u128) -> u32 {
        self.consts.push(v);
        self.consts.len() as u32 - 1
    }

    /// Materializes every lazy `local.get` on the stack: needed before a
    /// block starts, since code inside may assign the local on some paths.
    pub(super) fn materialize_locals(&mut self) {
        for i in 0..self.stack.len() {
            if let Src::Local(_) = self.stack[i].src {
                let mut op = self.stack[i];
                self.materialize_operand(&mut op);
                self.stack[i] = op;
            }
        }
    }

    /// Before local `r` is written: lazy reads of it must take the old value.
    pub(super) fn preserve_local(&mut self, r: Reg) -> bool {
        let mut any = false;
        for i in 0..self.stack.len() {
            if self.stack[i].src == Src::Local(r) {
                let mut op = self.stack[i];
                self.materialize_operand(&mut op);
                self.stack[i] = op;
                any = true;
            }
        }
        any
    }

    pub(super) fn local_set(&mut self, index: u32, tee: bool) -> R {
        let r = self.local_regs[index as usize];
        let ty = self.local_types[index as usize];
        let v = self.pop();
        let preserved = self.preserve_local(r);
        let retarget = !preserved
            && v.src == Src::Temp
            && self.just_emitted().is_some()
            && self.code.last().and_then(|i| i.clone().dst_mut().copied()) == Some(v.slot);
        if retarget {
            let last = self.code.last_mut().expect("instruction");
            *last.dst_mut().expect("dst") = r;
        } else {
            match v.src {
                Src::Local(src) if src == r => {}
                Src::Local(src) => {
                    self.emit(if ty == ValType::V128 {
                        Instr::Copy2(r, src)
                    } else {
                        Instr::Copy(r, src)
                    });
                }
                Src::Temp => {
                    self.emit(if ty == ValType::V128 {
                        Instr::Copy2(r, v.slot)
                    } else {
                        Instr::Copy(r, v.slot)
                    });
                }
                Src::Const(bits) => {
                    self.emit(const_instr(r, bits));
                }
                Src::ConstV128(c) => {
                    let idx = self.add_const(c);
                    self.emit(Instr::ConstV128(r, idx));
                }
            }
        }
        self.last = None;
        if tee {
            self.push(Src::Local(r), ty)?;
        }
        Ok(())
    }
}

pub(super) fn const_instr(dst: Reg, bits: u64) -> Instr {
    match u32::try_from(bits) {
        Ok(b) => Instr::Const32(dst, b),
        Err(_) => Instr::Const64(dst, bits),
    }
}
