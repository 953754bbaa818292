//! The operand and control stacks: pushing and popping operands, blocks,
//! branches and their fix-ups, and the return sequence.

use super::*;

impl Translator<'_> {
    pub(super) fn next_slot(&self) -> Reg {
        self.stack.last().map_or(self.local_cells, |o| o.slot + o.ty.cells())
    }

    pub(super) fn push(&mut self, src: Src, ty: ValType) -> R<Reg> {
        let slot = self.next_slot();
        let end =
            slot.checked_add(ty.cells()).filter(|&c| c <= MAX_FRAME_CELLS).ok_or_else(too_large)?;
        self.max_cells = self.max_cells.max(end);
        self.stack.push(Operand { src, ty, slot });
        Ok(slot)
    }

    pub(super) fn push_temp(&mut self, ty: ValType) -> R<Reg> {
        self.push(Src::Temp, ty)
    }

    pub(super) fn pop(&mut self) -> Operand {
        // Validation guarantees the operand exists in reachable code.
        self.stack.pop().expect("validated operand stack")
    }

    /// Writes a lazy operand into its home cell.
    pub(super) fn materialize_operand(&mut self, op: &mut Operand) {
        match op.src {
            Src::Temp => {}
            Src::Local(r) => {
                let instr = if op.ty == ValType::V128 {
                    Instr::Copy2(op.slot, r)
                } else {
                    Instr::Copy(op.slot, r)
                };
                self.emit(instr);
            }
            Src::Const(bits) => {
                self.emit(const_instr(op.slot, bits));
            }
            Src::ConstV128(v) => {
                let idx = self.add_const(v);
                self.emit(Instr::ConstV128(op.slot, idx));
            }
        }
        op.src = Src::Temp;
    }

    /// The register holding an operand: its local, its home cell, or a
    /// constant register. v128 constants are written to their home cell.
    pub(super) fn reg(&mut self, mut op: Operand) -> Reg {
        match op.src {
            Src::Local(r) => r,
            Src::Temp => op.slot,
            Src::Const(bits) => self.const_reg(bits),
            Src::ConstV128(_) => {
                self.materialize_operand(&mut op);
                op.slot
            }
        }
    }

    /// Materializes the top `n` operands into their home cells.
    pub(super) fn materialize_top(&mut self, n: usize) {
        let len = self.stack.len();
        for i in len - n..len {
            let mut op = self.stack[i];
            self.materialize_operand(&mut op);
            self.stack[i] = op;
        }
    }

    pub(super) fn block_sig(&self, ty: BlockType) -> (Box<[ValType]>, Box<[ValType]>) {
        match ty {
            BlockType::Empty => (Box::new([]), Box::new([])),
            BlockType::Type(t) => (Box::new([]), Box::new([ValType::from_wasmparser(t)])),
            BlockType::FuncType(idx) => {
                let f = &self.info.types[idx as usize];
                (f.params().into(), f.results().into())
            }
        }
    }

    // ---- control flow ----

    pub(super) fn begin_block(&mut self, kind: Kind, ty: BlockType) -> R<usize> {
        let (params, results) = self.block_sig(ty);
        self.materialize_locals();
        self.materialize_top(params.len());
        let height = self.stack.len() - params.len();
        let base = self.stack.get(height).map_or_else(|| self.next_slot(), |o| o.slot);
        self.last = None;
        self.ctrl.push(Control {
            kind,
            height,
            base,
            params,
            results,
            start: self.pc(),
            fixups: Vec::new(),
            else_at: None,
            branched: false,
        });
        Ok(self.ctrl.len() - 1)
    }

    /// Moves the top operands carried by a branch into the label's cells;
    /// returns whether any instruction was emitted.
    pub(super) fn branch_moves(&mut self, depth: u32) -> bool {
        let label = &self.ctrl[self.ctrl.len() - 1 - depth as usize];
        if label.kind == Kind::Func {
            return false; // handled by the return sequence
        }
        let n = label.label_types().len();
        let mut dst = label.base;
        let len = self.stack.len();
        let mut moved = false;
        for i in len - n..len {
            let op = self.stack[i];
            let instr = match op.src {
                Src::Temp if op.slot == dst => None,
                Src::Temp | Src::Local(_) => {
                    let src = if let Src::Local(r) = op.src { r } else { op.slot };
                    Some(if op.ty == ValType::V128 {
                        Instr::Copy2(dst, src)
                    } else {
                        Instr::Copy(dst, src)
                    })
                }
                Src::Const(bits) => Some(const_instr(dst, bits)),
                Src::ConstV128(v) => {
                    let idx = self.add_const(v);
                    Some(Instr::ConstV128(dst, idx))
                }
            };
            if let Some(instr) = instr {
                self.emit(instr);
                moved = true;
            }
            dst += op.ty.cells();
        }
        moved
    }

    /// Emits a jump to the label at `depth` (moves already done).
    pub(super) fn jump(&mut self, depth: u32) {
        let idx = self.ctrl.len() - 1 - depth as usize;
        if self.ctrl[idx].kind == Kind::Loop {
            let start = self.ctrl[idx].start;
            // Loops that test their exit condition first: repeat the test
            // here, inverted, so that an iteration costs one branch instead
            // of a jump back plus the test. When the loop exits, the jump to
            // the head re-runs the original test, which then leaves.
            if let Some(inverted) =
                self.code.get(start as usize).and_then(|&head| inverted_branch(head, start + 1))
            {
                self.emit(inverted);
            }
            self.emit(Instr::Br(start));
        } else {
            let at = self.emit(Instr::Br(0));
            self.ctrl[idx].fixups.push(at);
            self.ctrl[idx].branched = true;
        }
    }

    pub(super) fn is_return_label(&self, depth: u32) -> bool {
        self.ctrl.len() - 1 - depth as usize == 0
    }

    /// Emits the sequence that returns the top operands. Results go to the
    /// first cells of the frame; those are absolute positions, hence
    /// `FIXED_TAG` (temporaries may still move when constants are placed,
    /// so no move is skipped as already in place).
    pub(super) fn emit_return(&mut self) {
        let n = self.ctrl[0].results.len();
        let len = self.stack.len();
        if n == 1 {
            let op = self.stack[len - 1];
            match (op.src, op.ty) {
                (Src::Const(bits), ValType::I32) => {
                    self.emit(Instr::ReturnImm(bits as u32 as i32));
                }
                (_, ValType::V128) => {
                    let r = self.reg(op);
                    self.emit(Instr::Copy2(FIXED_TAG, r));
                    self.emit(Instr::Return);
                }
                _ => {
                    let r = self.reg(op);
                    self.emit(Instr::Return1(r));
                }
            }
            return;
        }
        let result_cells: u32 = self.ctrl[0].results.iter().map(|t| t.cells()).sum();
        let clobbers = self.stack[len - n..]
            .iter()
            .any(|o| matches!(o.src, Src::Local(r) if r < result_cells));
        if clobbers {
            self.materialize_top(n);
        }
        let mut dst = 0;
        for i in len - n..len {
            let op = self.stack[i];
            let fixed = dst | FIXED_TAG;
            match op.src {
                Src::Const(bits) => {
                    self.emit(const_instr(fixed, bits));
                }
                Src::ConstV128(v) => {
                    let idx = self.add_const(v);
                    self.emit(Instr::ConstV128(fixed, idx));
                }
                Src::Temp | Src::Local(_) => {
                    let src = if let Src::Local(r) = op.src { r } else { op.slot };
                    self.emit(if op.ty == ValType::V128 {
                        Instr::Copy2(fixed, src)
                    } else {
                        Instr::Copy(fixed, src)
                    });
                }
            }
            dst += op.ty.cells();
        }
        self.emit(Instr::Return);
    }

    pub(super) fn mark_unreachable(&mut self) {
        let height = self.ctrl.last().map_or(0, |c| c.height);
        self.stack.truncate(height);
        self.reachable = false;
        self.last = None;
    }

    pub(super) fn br(&mut self, depth: u32) {
        if self.is_return_label(depth) {
            self.emit_return();
        } else {
            self.branch_moves(depth);
            self.jump(depth);
        }
        self.mark_unreachable();
    }

    pub(super) fn br_if(&mut self, depth: u32) {
        let cond = self.take_condition();
        self.br_if_cond(depth, cond);
    }

    pub(super) fn br_if_cond(&mut self, depth: u32, cond: Cond) {
        let needs_moves = self.is_return_label(depth) || self.branch_would_move(depth);
        match cond {
            Cond::Const(false) => {}
            Cond::Const(true) => self.br(depth),
            _ if !needs_moves => {
                let idx = self.ctrl.len() - 1 - depth as usize;
                if self.ctrl[idx].kind == Kind::Loop {
                    let start = self.ctrl[idx].start;
                    self.emit(cond.branch(start));
                } else {
                    let at = self.emit(cond.branch(0));
                    self.ctrl[idx].fixups.push(at);
                    self.ctrl[idx].branched = true;
                }
            }
            _ => {
                let skip = self.emit(cond.negate().branch(0));
                if self.is_return_label(depth) {
                    self.emit_return();
                } else {
                    self.branch_moves(depth);
                    self.jump(depth);
                }
                let here = self.pc();
                *self.code[skip].target_mut().expect("branch") = here;
                self.last = None;
            }
        }
    }

    /// Whether a branch to `depth` must move values.
    pub(super) fn branch_would_move(&self, depth: u32) -> bool {
        let label = &self.ctrl[self.ctrl.len() - 1 - depth as usize];
        let n = label.label_types().len();
        let len = self.stack.len();
        let mut dst = label.base;
        for op in &self.stack[len - n..] {
            if !(op.src == Src::Temp && op.slot == dst) {
                return true;
            }
            dst += op.ty.cells();
        }
        false
    }

    pub(super) fn br_table(&mut self, targets: Vec<u32>, default: u32) {
        let index = self.pop();
        let index = self.reg(index);
        self.emit(Instr::BrTable(index, targets.len() as u32));
        let all: Vec<u32> = targets.into_iter().chain([default]).collect();
        let entries_at = self.code.len();
        for _ in &all {
            self.emit(Instr::Br(0));
        }
        // Entries that need value moves or a return go through a stub.
        let mut stubs: Vec<(u32, u32)> = Vec::new();
        for (i, &depth) in all.iter().enumerate() {
            let entry = entries_at + i;
            if self.is_return_label(depth) || self.branch_would_move(depth) {
                let stub = match stubs.iter().find(|(d, _)| *d == depth) {
                    Some(&(_, pc)) => pc,
                    None => {
                        let pc = self.pc();
                        if self.is_return_label(depth) {
                            self.emit_return();
                        } else {
                            self.branch_moves(depth);
                            self.jump(depth);
                        }
                        stubs.push((depth, pc));
                        pc
                    }
                };
                self.code[entry] = Instr::Br(stub);
            } else {
                let idx = self.ctrl.len() - 1 - depth as usize;
                if self.ctrl[idx].kind == Kind::Loop {
                    self.code[entry] = Instr::Br(self.ctrl[idx].start);
                } else {
                    self.ctrl[idx].fixups.push(entry);
                    self.ctrl[idx].branched = true;
                }
            }
        }
        self.mark_unreachable();
    }

    /// Places the fallthrough results of the innermost block in its cells.
    pub(super) fn fallthrough_results(&mut self) {
        let n = self.ctrl.last().expect("block").results.len();
        self.materialize_top(n);
    }

    pub(super) fn patch_fixups(&mut self, fixups: &[usize]) {
        let here = self.pc();
        for &at in fixups {
            *self.code[at].target_mut().expect("branch") = here;
        }
    }

    pub(super) fn else_(&mut self) -> R {
        let reachable_then = self.reachable;
        if reachable_then {
            self.fallthrough_results();
            let at = self.emit(Instr::Br(0));
            let c = self.ctrl.last_mut().expect("if");
            c.fixups.push(at);
            c.branched = true;
        }
        let c = self.ctrl.last_mut().expect("if");
        c.kind = Kind::Else;
        let else_at = c.else_at.take();
        let height = c.height;
        let params = c.params.clone();
        if let Some(at) = else_at {
            self.patch_fixups(&[at]);
            self.reachable = true;
            self.check_point(false);
        } else {
            self.reachable = false;
        }
        self.stack.truncate(height);
        for ty in params.iter() {
            self.push_temp(*ty)?;
        }
        self.last = None;
        Ok(())
    }

    pub(super) fn end(&mut self) -> R {
        if self.ctrl.len() == 1 {
            if self.reachable {
                self.emit_return();
            }
            self.ctrl.pop();
            return Ok(());
        }
        if self.reachable {
            self.fallthrough_results();
        }
        let c = self.ctrl.pop().expect("block");
        let mut reachable = self.reachable || c.branched;
        if let Some(at) = c.else_at {
            // `if` without `else`: the false path carries the parameters,
            // which sit in the result cells already.
            self.patch_fixups(&[at]);
            reachable = true;
        }
        if c.kind != Kind::Loop {
            self.patch_fixups(&c.fixups);
        }
        if reachable {
            self.check_point(false);
        }
        self.stack.truncate(c.height);
        for ty in c.results.iter() {
            self.push_temp(*ty)?;
        }
        self.reachable = reachable;
        self.last = None;
        Ok(())
    }

    // ---- operators ----

    pub(super) fn retype(&mut self, ty: ValType) {
        let top = self.stack.last_mut().expect("validated operand");
        top.ty = ty;
    }

    /// Pops `N` operands and returns their registers, bottom first.
    pub(super) fn pop_regs<const N: usize>(&mut self) -> [Reg; N] {
        let mut ops = [self.stack[0]; N];
        for i in (0..N).rev() {
            ops[i] = self.pop();
        }
        ops.map(|op| self.reg(op))
    }

    /// Materializes call arguments and returns the base cell.
    pub(super) fn call_args(&mut self, n: usize) -> Reg {
        self.materialize_top(n);
        let len = self.stack.len();
        let base = if n == 0 { self.next_slot() } else { self.stack[len - n].slot };
        self.stack.truncate(len - n);
        base
    }
}
