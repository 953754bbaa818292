//! Translation of one validated Wasm function body into register bytecode.
//!
//! The Wasm operand stack is mapped onto frame cells by height: the value at
//! stack position `i` lives in a fixed "home" cell. `local.get` and constants
//! are not copied on push; they stay lazy operands that later instructions
//! read directly, so `local.get a; local.get b; i32.add; local.set c` becomes
//! the single instruction `I32Add(c, a, b)`. Branch targets are patched once
//! known, comparisons feeding a branch fuse into compare-and-branch
//! instructions, and values crossing a label are moved into the label's cells.

use wasmparser::{BlockType, FunctionBody, Operator};
use wisp_environ::{ModuleInfo, ValType};

use super::isa::{Instr, Reg};
use super::simd::{self, SimdInstr};
use crate::Error;

/// A function translated to bytecode.
#[derive(Debug)]
pub(crate) struct CompiledFunc {
    pub code: Box<[Instr]>,
    /// v128 constants and shuffle patterns.
    pub consts: Box<[u128]>,
    /// Cells the frame needs: parameters, locals and temporaries.
    pub frame_cells: u32,
    /// Cells taken by the parameters.
    pub param_cells: u32,
    /// Cells taken by parameters and declared locals.
    pub local_cells: u32,
    /// Initial values of the cells after the parameters: zeros for the
    /// declared locals, then the constant registers; padded with zeros to
    /// at least [`FRAME_INIT_BLOCK`] cells (see `init_cells`).
    pub frame_init: Box<[u64]>,
    /// How many cells of `frame_init` the frame needs.
    pub init_cells: u32,
}

/// Calls prepare frames whose initial cells fit in this many by copying a
/// block of this size, without a call to `memcpy` (the cells past
/// `init_cells` land in the callee's temporaries or above its frame, where
/// nothing lives yet).
pub(crate) const FRAME_INIT_BLOCK: usize = 16;

/// The largest frame a function may use, in cells.
const MAX_FRAME_CELLS: u32 = 1 << 24;

/// Marks a constant register during translation; constants are placed
/// between the locals and the temporaries once their number is known.
const CONST_TAG: Reg = 1 << 31;

/// Marks a register that names an absolute frame cell (a result cell of the
/// return sequence), which must not move when constants are placed.
const FIXED_TAG: Reg = 1 << 30;

/// Translates defined function `func_index`. `type_ids` maps the module's
/// type indices to the engine's signature ids, which `call_indirect`
/// instructions carry.
pub(crate) fn translate(
    info: &ModuleInfo,
    type_ids: &[u32],
    config: &crate::Config,
    bytes: &[u8],
    func_index: u32,
) -> Result<CompiledFunc, Error> {
    let features = config.features;
    let defined = (func_index - info.num_imported_funcs) as usize;
    let range = info.bodies[defined].range.clone();
    let body = FunctionBody::new(wasmparser::BinaryReader::new_features(
        &bytes[range.clone()],
        range.start as u64,
        features.to_wasmparser(),
    ));
    let ty = info.func_type(func_index);
    let mut t = Translator::new(info, type_ids);
    t.fuel = config.consume_fuel;
    t.epoch = config.epoch_interruption;
    for &p in ty.params() {
        t.declare_local(p)?;
    }
    let param_cells = t.local_cells;
    for local in body.get_locals_reader()? {
        let (count, ty) = local?;
        let ty = ValType::from_wasmparser(ty);
        for _ in 0..count {
            t.declare_local(ty)?;
        }
    }
    t.max_cells = t.local_cells;
    t.ctrl.push(Control {
        kind: Kind::Func,
        height: 0,
        base: 0,
        params: Box::new([]),
        results: ty.results().into(),
        start: 0,
        fixups: Vec::new(),
        else_at: None,
        branched: false,
    });
    t.check_point(true);
    let mut reader = body.get_operators_reader()?;
    while !reader.eof() {
        let op = reader.read()?;
        if t.reachable {
            t.fuel_ops += 1;
        }
        t.op(op)?;
    }
    t.close_fuel();
    t.place_constants()?;
    use_accumulator(&mut t.code);
    let mut frame_init: Vec<u64> = std::iter::repeat_n(0, (t.local_cells - param_cells) as usize)
        .chain(t.const_values)
        .collect();
    let init_cells = frame_init.len() as u32;
    frame_init.resize(frame_init.len().max(FRAME_INIT_BLOCK), 0);
    Ok(CompiledFunc {
        code: t.code.into(),
        consts: t.consts.into(),
        frame_cells: t.max_cells,
        param_cells,
        local_cells: t.local_cells,
        frame_init: frame_init.into(),
        init_cells,
    })
}

/// Rewrites each instruction that reads the cell the instruction before it
/// has just written into its accumulator form, which takes that value from
/// the accumulator (a register of the dispatch) instead of the frame.
///
/// The accumulator holds that value only if the previous instruction ran
/// right before and set it. So the rewritten instruction must not be a
/// jump target, and neither it nor its predecessor may be a memory access
/// under a `MemArg` prefix (the prefix's out-of-line handler runs those
/// accesses, and they neither read nor set the accumulator). Execution also resumes after calls, but a call is never
/// an instruction `Instr::acc_result` names, so what follows it is not
/// rewritten.
fn use_accumulator(code: &mut [Instr]) {
    let mut target = vec![false; code.len() + 1];
    for &instr in code.iter() {
        let mut instr = instr;
        if let Some(&mut t) = instr.target_mut() {
            target[t as usize] = true;
        }
    }
    let mut acc: Option<Reg> = None;
    let mut prefixed = false;
    for at in 0..code.len() {
        if target[at] {
            acc = None;
        }
        if std::mem::take(&mut prefixed) {
            acc = None;
            continue;
        }
        if let Instr::MemArg(..) = code[at] {
            prefixed = true;
            acc = None;
            continue;
        }
        if let Some(r) = acc
            && let Some(form) = code[at].with_acc(r)
        {
            code[at] = form;
        }
        acc = code[at].acc_result();
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Src {
    /// The value is in a local's cell (a lazy `local.get`).
    Local(Reg),
    /// The value is in its home cell.
    Temp,
    /// A constant not yet written anywhere (raw bits).
    Const(u64),
    /// A v128 constant not yet written anywhere.
    ConstV128(u128),
}

#[derive(Debug, Clone, Copy)]
struct Operand {
    src: Src,
    ty: ValType,
    /// The home cell of this stack position.
    slot: Reg,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Func,
    Block,
    Loop,
    If,
    Else,
}

#[derive(Debug)]
struct Control {
    kind: Kind,
    /// Operand stack length below the block's parameters.
    height: usize,
    /// Home cell of the first parameter/result.
    base: Reg,
    params: Box<[ValType]>,
    results: Box<[ValType]>,
    /// Loop: the instruction index of its head.
    start: u32,
    /// Jumps to the end of the block, to patch when it is reached.
    fixups: Vec<usize>,
    /// `if`: the jump to the else branch, to patch at `else` or `end`.
    else_at: Option<usize>,
    /// Whether any branch targets the end of this block.
    branched: bool,
}

impl Control {
    /// Types carried by a branch to this label.
    fn label_types(&self) -> &[ValType] {
        if self.kind == Kind::Loop { &self.params } else { &self.results }
    }
}

struct Translator<'a> {
    info: &'a ModuleInfo,
    type_ids: &'a [u32],
    code: Vec<Instr>,
    consts: Vec<u128>,
    stack: Vec<Operand>,
    ctrl: Vec<Control>,
    /// Cell of each local.
    local_regs: Vec<Reg>,
    local_types: Vec<ValType>,
    local_cells: u32,
    max_cells: u32,
    /// Whether the current position can execute.
    reachable: bool,
    /// Nesting depth of blocks opened inside unreachable code.
    dead_depth: u32,
    /// The last instruction wrote the top operand's home cell and nothing
    /// else, and no label has been bound since: its destination may be
    /// retargeted.
    last: Option<usize>,
    /// An `i32.eqz` at the first position whose operand the instruction
    /// right before it (the second position) wrote, with no label between:
    /// a branch on it can test the negated comparison instead.
    eqz_of: Option<(usize, usize)>,
    /// Fuel metering: on, the pending `Fuel` instruction, and the operators
    /// translated since it.
    fuel: bool,
    fuel_at: Option<usize>,
    fuel_ops: u32,
    /// Epoch interruption checks at function entry and loop heads.
    epoch: bool,
    /// Constant registers: their values, and index by value.
    const_values: Vec<u64>,
    const_index: std::collections::HashMap<u64, u32>,
}

type R<T = ()> = Result<T, Error>;
/// Makes an indexed load or store: (offset, dst or value, base, index).
type Indexed = fn(u16, Reg, Reg, Reg) -> Instr;
/// Makes an indexed load or store with an immediate in place of the index.
type IndexedImm = fn(u16, Reg, Reg, i32) -> Instr;

fn too_large() -> Error {
    Error::resource("function too large: its frame exceeds the interpreter's limit")
}

impl<'a> Translator<'a> {
    fn new(info: &'a ModuleInfo, type_ids: &'a [u32]) -> Self {
        Self {
            info,
            type_ids,
            code: Vec::new(),
            consts: Vec::new(),
            stack: Vec::new(),
            ctrl: Vec::new(),
            local_regs: Vec::new(),
            local_types: Vec::new(),
            local_cells: 0,
            max_cells: 0,
            reachable: true,
            dead_depth: 0,
            last: None,
            eqz_of: None,
            fuel: false,
            fuel_at: None,
            fuel_ops: 0,
            epoch: false,
            const_values: Vec::new(),
            const_index: std::collections::HashMap::new(),
        }
    }

    /// Starts a new straight-line block for metering: charges the previous
    /// one's operators and opens a charge for the next; at function entry
    /// and loop heads (`epoch`) also checks the epoch deadline.
    fn check_point(&mut self, epoch: bool) {
        if epoch && self.epoch {
            self.emit(Instr::EpochCheck);
        }
        if self.fuel {
            self.close_fuel();
            self.fuel_at = Some(self.emit(Instr::Fuel(0)));
        }
    }

    /// Writes the cost of the block metered by the pending `Fuel`.
    fn close_fuel(&mut self) {
        if let Some(at) = self.fuel_at.take() {
            self.code[at] = Instr::Fuel(self.fuel_ops);
        }
        self.fuel_ops = 0;
    }

    /// The (tagged) constant register holding `bits`.
    fn const_reg(&mut self, bits: u64) -> Reg {
        let next = self.const_values.len() as u32;
        let index = *self.const_index.entry(bits).or_insert(next);
        if index == next {
            self.const_values.push(bits);
        }
        CONST_TAG | index
    }

    /// Gives constant registers their cells right after the locals and
    /// moves the temporaries up to make room.
    fn place_constants(&mut self) -> R {
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

    fn declare_local(&mut self, ty: ValType) -> R {
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

    fn pc(&self) -> u32 {
        self.code.len() as u32
    }

    fn emit(&mut self, instr: Instr) -> usize {
        self.last = None;
        self.code.push(instr);
        self.code.len() - 1
    }

    /// Emits an instruction whose only output is the operand just pushed.
    fn emit_result(&mut self, instr: Instr) {
        let at = self.emit(instr);
        self.last = Some(at);
    }

    fn next_slot(&self) -> Reg {
        self.stack.last().map_or(self.local_cells, |o| o.slot + o.ty.cells())
    }

    fn push(&mut self, src: Src, ty: ValType) -> R<Reg> {
        let slot = self.next_slot();
        let end =
            slot.checked_add(ty.cells()).filter(|&c| c <= MAX_FRAME_CELLS).ok_or_else(too_large)?;
        self.max_cells = self.max_cells.max(end);
        self.stack.push(Operand { src, ty, slot });
        Ok(slot)
    }

    fn push_temp(&mut self, ty: ValType) -> R<Reg> {
        self.push(Src::Temp, ty)
    }

    fn pop(&mut self) -> Operand {
        // Validation guarantees the operand exists in reachable code.
        self.stack.pop().expect("validated operand stack")
    }

    /// Writes a lazy operand into its home cell.
    fn materialize_operand(&mut self, op: &mut Operand) {
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
    fn reg(&mut self, mut op: Operand) -> Reg {
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

    fn add_const(&mut self, v: u128) -> u32 {
        self.consts.push(v);
        self.consts.len() as u32 - 1
    }

    /// Materializes the top `n` operands into their home cells.
    fn materialize_top(&mut self, n: usize) {
        let len = self.stack.len();
        for i in len - n..len {
            let mut op = self.stack[i];
            self.materialize_operand(&mut op);
            self.stack[i] = op;
        }
    }

    /// Materializes every lazy `local.get` on the stack: needed before a
    /// block starts, since code inside may assign the local on some paths.
    fn materialize_locals(&mut self) {
        for i in 0..self.stack.len() {
            if let Src::Local(_) = self.stack[i].src {
                let mut op = self.stack[i];
                self.materialize_operand(&mut op);
                self.stack[i] = op;
            }
        }
    }

    /// Before local `r` is written: lazy reads of it must take the old value.
    fn preserve_local(&mut self, r: Reg) -> bool {
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

    fn block_sig(&self, ty: BlockType) -> (Box<[ValType]>, Box<[ValType]>) {
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

    fn begin_block(&mut self, kind: Kind, ty: BlockType) -> R<usize> {
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
    fn branch_moves(&mut self, depth: u32) -> bool {
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
    fn jump(&mut self, depth: u32) {
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

    fn is_return_label(&self, depth: u32) -> bool {
        self.ctrl.len() - 1 - depth as usize == 0
    }

    /// Emits the sequence that returns the top operands. Results go to the
    /// first cells of the frame; those are absolute positions, hence
    /// `FIXED_TAG` (temporaries may still move when constants are placed,
    /// so no move is skipped as already in place).
    fn emit_return(&mut self) {
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

    fn mark_unreachable(&mut self) {
        let height = self.ctrl.last().map_or(0, |c| c.height);
        self.stack.truncate(height);
        self.reachable = false;
        self.last = None;
    }

    fn br(&mut self, depth: u32) {
        if self.is_return_label(depth) {
            self.emit_return();
        } else {
            self.branch_moves(depth);
            self.jump(depth);
        }
        self.mark_unreachable();
    }

    /// Takes the condition of a conditional branch: either a fusable
    /// comparison just emitted (removed and returned as a compare-and-branch
    /// builder), or a register.
    fn take_condition(&mut self) -> Cond {
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

    fn br_if(&mut self, depth: u32) {
        let cond = self.take_condition();
        self.br_if_cond(depth, cond);
    }

    fn br_if_cond(&mut self, depth: u32, cond: Cond) {
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
    fn branch_would_move(&self, depth: u32) -> bool {
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

    fn br_table(&mut self, targets: Vec<u32>, default: u32) {
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
    fn fallthrough_results(&mut self) {
        let n = self.ctrl.last().expect("block").results.len();
        self.materialize_top(n);
    }

    fn patch_fixups(&mut self, fixups: &[usize]) {
        let here = self.pc();
        for &at in fixups {
            *self.code[at].target_mut().expect("branch") = here;
        }
    }

    fn else_(&mut self) -> R {
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

    fn end(&mut self) -> R {
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

    fn op(&mut self, op: Operator<'_>) -> R {
        if !self.reachable {
            match op {
                Operator::Block { .. }
                | Operator::Loop { .. }
                | Operator::If { .. }
                | Operator::TryTable { .. }
                | Operator::Try { .. } => {
                    self.dead_depth += 1;
                    return Ok(());
                }
                Operator::Else if self.dead_depth == 0 => return self.else_(),
                Operator::End if self.dead_depth == 0 => return self.end(),
                Operator::End => {
                    self.dead_depth -= 1;
                    return Ok(());
                }
                _ => return Ok(()),
            }
        }
        use Operator as O;
        use ValType::{F32, F64, I32, I64};
        match op {
            O::Unreachable => {
                self.emit(Instr::Unreachable);
                self.mark_unreachable();
            }
            O::Nop => {}
            O::Block { blockty } => {
                self.begin_block(Kind::Block, blockty)?;
            }
            O::Loop { blockty } => {
                self.begin_block(Kind::Loop, blockty)?;
                self.check_point(true);
            }
            O::If { blockty } => {
                let cond = self.take_condition();
                let idx = self.begin_block(Kind::If, blockty)?;
                match cond {
                    Cond::Const(true) => {}
                    Cond::Const(false) => {
                        let at = self.emit(Instr::Br(0));
                        self.ctrl[idx].else_at = Some(at);
                    }
                    cond => {
                        let at = self.emit(cond.negate().branch(0));
                        self.ctrl[idx].else_at = Some(at);
                    }
                }
            }
            O::Else => self.else_()?,
            O::End => self.end()?,
            O::Br { relative_depth } => self.br(relative_depth),
            O::BrIf { relative_depth } => self.br_if(relative_depth),
            O::BrTable { targets } => {
                let list = targets.targets().collect::<Result<Vec<_>, _>>()?;
                self.br_table(list, targets.default());
            }
            O::Return => {
                self.emit_return();
                self.mark_unreachable();
            }
            O::Call { function_index } => self.call(function_index)?,
            O::CallIndirect { type_index, table_index } => {
                let index = self.pop();
                let index = self.reg(index);
                let ty = &self.info.types[type_index as usize];
                let (np, results) = (ty.params().len(), ty.results().to_vec());
                let base = self.call_args(np);
                self.emit(Instr::CallIndirect(index, base, self.type_ids[type_index as usize]));
                self.emit(Instr::Extra(table_index, 0, 0));
                for t in results {
                    self.push_temp(t)?;
                }
            }
            O::ReturnCall { function_index } => {
                let np = self.info.func_type(function_index).params().len();
                let base = self.call_args(np);
                self.emit(Instr::ReturnCall(function_index, base));
                self.mark_unreachable();
            }
            O::ReturnCallIndirect { type_index, table_index } => {
                let index = self.pop();
                let index = self.reg(index);
                let np = self.info.types[type_index as usize].params().len();
                let base = self.call_args(np);
                let ty = self.type_ids[type_index as usize];
                self.emit(Instr::ReturnCallIndirect(index, base, ty));
                self.emit(Instr::Extra(table_index, 0, 0));
                self.mark_unreachable();
            }
            O::CallRef { type_index } | O::ReturnCallRef { type_index } => {
                let func = self.pop();
                let func = self.reg(func);
                let ty = &self.info.types[type_index as usize];
                let (np, results) = (ty.params().len(), ty.results().to_vec());
                let base = self.call_args(np);
                if matches!(op, O::CallRef { .. }) {
                    self.emit(Instr::CallRef(func, base));
                    for t in results {
                        self.push_temp(t)?;
                    }
                } else {
                    self.emit(Instr::ReturnCallRef(func, base));
                    self.mark_unreachable();
                }
            }
            O::RefAsNonNull => {
                let v = self.pop();
                let r = self.reg(v);
                let dst = self.push_temp(v.ty)?;
                self.emit_result(Instr::RefAsNonNull(dst, r));
            }
            O::BrOnNull { relative_depth } => {
                let v = self.pop();
                let r = self.reg(v);
                self.br_if_cond(relative_depth, Cond::Eqz64(r));
                self.stack.push(v);
            }
            O::BrOnNonNull { relative_depth } => {
                let v = self.pop();
                let r = self.reg(v);
                self.stack.push(v);
                self.br_if_cond(relative_depth, Cond::Nez64(r));
                self.pop();
            }
            O::Drop => {
                self.pop();
                self.last = None;
            }
            O::Select | O::TypedSelect { .. } | O::TypedSelectMulti { .. } => {
                let cond = self.pop();
                let b = self.pop();
                let a = self.pop();
                let c = self.reg(cond);
                let ra = self.reg(a);
                let rb = self.reg(b);
                let dst = self.push_temp(a.ty)?;
                let instr = if a.ty == ValType::V128 {
                    Instr::Select2(dst, ra, rb)
                } else {
                    Instr::Select(dst, ra, rb)
                };
                self.emit(instr);
                self.emit(Instr::Extra(c, 0, 0));
            }
            O::LocalGet { local_index } => {
                let r = self.local_regs[local_index as usize];
                let ty = self.local_types[local_index as usize];
                self.push(Src::Local(r), ty)?;
            }
            O::LocalSet { local_index } => self.local_set(local_index, false)?,
            O::LocalTee { local_index } => self.local_set(local_index, true)?,
            O::GlobalGet { global_index } => {
                let ty = self.info.globals[global_index as usize].content;
                let dst = self.push_temp(ty)?;
                if ty == ValType::V128 {
                    self.emit_result(Instr::GlobalGet2(dst, global_index));
                } else {
                    self.emit_result(Instr::GlobalGet(dst, global_index));
                }
            }
            O::GlobalSet { global_index } => {
                let v = self.pop();
                let r = self.reg(v);
                if v.ty == ValType::V128 {
                    self.emit(Instr::GlobalSet2(r, global_index));
                } else {
                    self.emit(Instr::GlobalSet(r, global_index));
                }
            }
            O::I32Load { memarg } | O::F32Load { memarg } | O::I64Load32U { memarg } => {
                let ty = match op {
                    O::I32Load { .. } => I32,
                    O::F32Load { .. } => F32,
                    _ => I64,
                };
                self.load(memarg, ty, Instr::Load32)?
            }
            O::I64Load { memarg } => self.load(memarg, I64, Instr::Load64)?,
            O::F64Load { memarg } => self.load(memarg, F64, Instr::Load64)?,
            O::I32Load8U { memarg } => self.load(memarg, I32, Instr::Load8U)?,
            O::I64Load8U { memarg } => self.load(memarg, I64, Instr::Load8U)?,
            O::I32Load16U { memarg } => self.load(memarg, I32, Instr::Load16U)?,
            O::I64Load16U { memarg } => self.load(memarg, I64, Instr::Load16U)?,
            O::I32Load8S { memarg } => self.load(memarg, I32, Instr::Load8S32)?,
            O::I32Load16S { memarg } => self.load(memarg, I32, Instr::Load16S32)?,
            O::I64Load8S { memarg } => self.load(memarg, I64, Instr::Load8S64)?,
            O::I64Load16S { memarg } => self.load(memarg, I64, Instr::Load16S64)?,
            O::I64Load32S { memarg } => self.load(memarg, I64, Instr::Load32S64)?,
            O::I32Store { memarg } | O::F32Store { memarg } | O::I64Store32 { memarg } => {
                self.store(memarg, Instr::Store32)
            }
            O::I64Store { memarg } | O::F64Store { memarg } => self.store(memarg, Instr::Store64),
            O::I32Store8 { memarg } | O::I64Store8 { memarg } => self.store(memarg, Instr::Store8),
            O::I32Store16 { memarg } | O::I64Store16 { memarg } => {
                self.store(memarg, Instr::Store16)
            }
            O::MemorySize { mem } => {
                let ty = self.mem_index_type(mem);
                let dst = self.push_temp(ty)?;
                self.emit_result(Instr::MemorySize(dst, mem));
            }
            O::MemoryGrow { mem } => {
                let delta = self.pop();
                let r = self.reg(delta);
                let dst = self.push_temp(delta.ty)?;
                self.emit(Instr::MemoryGrow(dst, r, mem));
            }
            O::MemoryFill { mem } => {
                let [d, v, n] = self.pop_regs::<3>();
                self.emit(Instr::MemoryFill(d, v, n));
                self.emit(Instr::Extra(mem, 0, 0));
            }
            O::MemoryCopy { dst_mem, src_mem } => {
                let [d, s, n] = self.pop_regs::<3>();
                self.emit(Instr::MemoryCopy(d, s, n));
                self.emit(Instr::Extra(dst_mem, src_mem, 0));
            }
            O::MemoryInit { data_index, mem } => {
                let [d, s, n] = self.pop_regs::<3>();
                self.emit(Instr::MemoryInit(d, s, n));
                self.emit(Instr::Extra(data_index, mem, 0));
            }
            O::DataDrop { data_index } => {
                self.emit(Instr::DataDrop(data_index));
            }
            O::TableGet { table } => {
                let i = self.pop();
                let r = self.reg(i);
                let ty = ValType::Ref(self.info.tables[table as usize].element);
                let dst = self.push_temp(ty)?;
                self.emit_result(Instr::TableGet(dst, r, table));
            }
            O::TableSet { table } => {
                let [i, v] = self.pop_regs::<2>();
                self.emit(Instr::TableSet(i, v, table));
            }
            O::TableSize { table } => {
                let ty = self.table_index_type(table);
                let dst = self.push_temp(ty)?;
                self.emit_result(Instr::TableSize(dst, table));
            }
            O::TableGrow { table } => {
                let [init, delta] = self.pop_regs::<2>();
                let ty = self.table_index_type(table);
                let dst = self.push_temp(ty)?;
                self.emit(Instr::TableGrow(dst, init, delta));
                self.emit(Instr::Extra(table, 0, 0));
            }
            O::TableFill { table } => {
                let [i, v, n] = self.pop_regs::<3>();
                self.emit(Instr::TableFill(i, v, n));
                self.emit(Instr::Extra(table, 0, 0));
            }
            O::TableCopy { dst_table, src_table } => {
                let [d, s, n] = self.pop_regs::<3>();
                self.emit(Instr::TableCopy(d, s, n));
                self.emit(Instr::Extra(dst_table, src_table, 0));
            }
            O::TableInit { elem_index, table } => {
                let [d, s, n] = self.pop_regs::<3>();
                self.emit(Instr::TableInit(d, s, n));
                self.emit(Instr::Extra(elem_index, table, 0));
            }
            O::ElemDrop { elem_index } => {
                self.emit(Instr::ElemDrop(elem_index));
            }
            O::RefNull { hty } => {
                let ty = ValType::Ref(wisp_environ::RefType::from_wasmparser(
                    wasmparser::RefType::new(true, hty).unwrap_or(wasmparser::RefType::FUNCREF),
                ));
                self.push(Src::Const(0), ty)?;
            }
            O::RefIsNull => {
                let v = self.pop();
                let r = self.reg(v);
                let dst = self.push_temp(I32)?;
                self.emit_result(Instr::RefIsNull(dst, r));
            }
            O::RefFunc { function_index } => {
                let dst = self.push_temp(ValType::FUNCREF)?;
                self.emit_result(Instr::RefFunc(dst, function_index));
            }
            O::I32Const { value } => {
                self.push(Src::Const(value as u32 as u64), I32)?;
            }
            O::I64Const { value } => {
                self.push(Src::Const(value as u64), I64)?;
            }
            O::F32Const { value } => {
                self.push(Src::Const(u64::from(value.bits())), F32)?;
            }
            O::F64Const { value } => {
                self.push(Src::Const(value.bits()), F64)?;
            }
            O::V128Const { value } => {
                self.push(Src::ConstV128(value.i128() as u128), ValType::V128)?;
            }
            // Reinterpretations only change the static type.
            O::I32ReinterpretF32 => self.retype(I32),
            O::I64ReinterpretF64 => self.retype(I64),
            O::F32ReinterpretI32 => self.retype(F32),
            O::F64ReinterpretI64 => self.retype(F64),
            _ => {
                if let Some(s) = simd::classify(&op) {
                    return self.simd(s);
                }
                self.numeric(op)?;
            }
        }
        Ok(())
    }

    fn retype(&mut self, ty: ValType) {
        let top = self.stack.last_mut().expect("validated operand");
        top.ty = ty;
    }

    fn mem_index_type(&self, mem: u32) -> ValType {
        if self.info.memories[mem as usize].memory64 { ValType::I64 } else { ValType::I32 }
    }

    fn table_index_type(&self, table: u32) -> ValType {
        if self.info.tables[table as usize].table64 { ValType::I64 } else { ValType::I32 }
    }

    /// Pops `N` operands and returns their registers, bottom first.
    fn pop_regs<const N: usize>(&mut self) -> [Reg; N] {
        let mut ops = [self.stack[0]; N];
        for i in (0..N).rev() {
            ops[i] = self.pop();
        }
        ops.map(|op| self.reg(op))
    }

    /// Materializes call arguments and returns the base cell.
    fn call_args(&mut self, n: usize) -> Reg {
        self.materialize_top(n);
        let len = self.stack.len();
        let base = if n == 0 { self.next_slot() } else { self.stack[len - n].slot };
        self.stack.truncate(len - n);
        base
    }

    fn call(&mut self, func: u32) -> R {
        let ty = self.info.func_type(func);
        let (np, results) = (ty.params().len(), ty.results().to_vec());
        let base = self.call_args(np);
        self.emit(Instr::Call(func, base));
        for t in results {
            self.push_temp(t)?;
        }
        // The callee's frame starts at `base`: make sure the caller's frame
        // accounts for the argument cells even when there are no results.
        Ok(())
    }

    fn local_set(&mut self, index: u32, tee: bool) -> R {
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

    fn mem_prefix(&mut self, memarg: &wasmparser::MemArg) -> u32 {
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

    fn load(
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

    /// A load whose address is an `i32.add` (of two registers or of an
    /// immediate) just emitted becomes one indexed load in place of the add
    /// (array indexing, fields); `false` if this one does not qualify.
    fn load_indexed(
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
    fn store_indexed(
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
    fn indexed_access(
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
    fn just_emitted(&self) -> Option<usize> {
        self.last.filter(|&at| at + 1 == self.code.len())
    }

    fn store(&mut self, memarg: wasmparser::MemArg, make: fn(Reg, Reg, u32) -> Instr) {
        if self.store_indexed(&memarg, make) {
            return;
        }
        let [a, v] = self.pop_regs::<2>();
        let offset = self.mem_prefix(&memarg);
        self.emit(make(a, v, offset));
    }

    fn binary(&mut self, ty: ValType, make: fn(Reg, Reg, Reg) -> Instr) -> R {
        let [a, b] = self.pop_regs::<2>();
        let dst = self.push_temp(ty)?;
        self.emit_result(make(dst, a, b));
        Ok(())
    }

    /// A binary operator with an immediate form for a constant right-hand side.
    fn binary_imm(
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
    fn rotl_xor(&mut self, wide: bool) -> R<bool> {
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
    fn mul_add(&mut self, wide: bool) -> R<bool> {
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
    fn add_i32(&mut self) -> R {
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
    fn rotate(&mut self, ty: ValType, right: bool) -> R {
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

    fn unary(&mut self, ty: ValType, make: fn(Reg, Reg) -> Instr) -> R {
        let v = self.pop();
        let r = self.reg(v);
        let dst = self.push_temp(ty)?;
        self.emit_result(make(dst, r));
        Ok(())
    }

    fn numeric(&mut self, op: Operator<'_>) -> R {
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

    fn simd(&mut self, s: SimdInstr) -> R {
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

    fn simd_prefix(&mut self, m: simd::MemArg) -> u32 {
        let hi = (m.offset >> 32) as u32;
        if m.memory != 0 || hi != 0 {
            self.emit(Instr::MemArg(m.memory, hi));
        }
        m.offset as u32
    }
}

fn scalar(t: simd::ScalarType) -> ValType {
    match t {
        simd::ScalarType::I32 => ValType::I32,
        simd::ScalarType::I64 => ValType::I64,
        simd::ScalarType::F32 => ValType::F32,
        simd::ScalarType::F64 => ValType::F64,
    }
}

fn const_instr(dst: Reg, bits: u64) -> Instr {
    match u32::try_from(bits) {
        Ok(b) => Instr::Const32(dst, b),
        Err(_) => Instr::Const64(dst, bits),
    }
}

/// A branch condition.
#[derive(Debug, Clone, Copy)]
enum Cond {
    Const(bool),
    Nez(Reg),
    Eqz(Reg),
    Nez64(Reg),
    Eqz64(Reg),
    Cmp(fn(Reg, Reg, u32) -> Instr, fn(Reg, Reg, u32) -> Instr, Reg, Reg),
    CmpImm(fn(Reg, i32, u32) -> Instr, fn(Reg, i32, u32) -> Instr, Reg, i32),
}

impl Cond {
    fn branch(self, target: u32) -> Instr {
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

    fn negate(self) -> Cond {
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
fn inverted_branch(instr: Instr, target: u32) -> Option<Instr> {
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
fn fusable(instr: Instr, slot: Reg) -> Option<Cond> {
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

#[cfg(test)]
mod tests {
    use super::Instr::*;
    use super::*;

    fn rewritten(mut code: Vec<Instr>) -> Vec<Instr> {
        use_accumulator(&mut code);
        code
    }

    #[test]
    fn operands_just_written_come_from_the_accumulator() {
        let code = rewritten(vec![
            I32Add(5, 0, 1),
            I32AddImm(6, 5, 1),
            I32Sub(7, 2, 6),
            Load32(8, 7, 4),
            Store32(3, 8, 0),
            I32AddImm(9, 8, 1),
        ]);
        assert_eq!(
            code,
            [
                I32Add(5, 0, 1),
                I32AddImmA(6, 5, 1),
                I32SubB(7, 2, 6),
                Load32A(8, 7, 4),
                Store32V(3, 8, 0),
                // A store writes no register: the accumulator is stale.
                I32AddImm(9, 8, 1),
            ]
        );
    }

    #[test]
    fn instructions_that_write_one_cell_set_the_accumulator() {
        assert_eq!(Const32(3, 7).acc_result(), Some(3));
        assert_eq!(I32AddShlB(2, 4, 0, 1).acc_result(), Some(4));
        assert_eq!(Load8U(5, 0, 0).acc_result(), Some(5));
        // Out of line too: their `set!` also writes the accumulator.
        assert_eq!(MemorySize(3, 0).acc_result(), Some(3));
        assert_eq!(RefIsNull(3, 0).acc_result(), Some(3));
        // More than one cell, or none.
        assert_eq!(Copy2(3, 0).acc_result(), None);
        assert_eq!(Store32(0, 1, 0).acc_result(), None);
    }

    #[test]
    fn the_accumulator_does_not_cross_jump_targets_calls_or_prefixed_accesses() {
        let code = vec![
            I32Add(5, 0, 1),
            // Reached by the jump below as well as from the add.
            I32AddImm(6, 5, 1),
            BrIfNez(6, 1),
            Call(0, 7),
            I32AddImm(8, 7, 1),
            I32AddImm(9, 0, 1),
            MemArg(1, 0),
            // Runs out of line, which neither reads nor sets the accumulator.
            Load32(10, 9, 0),
            I32AddImm(11, 10, 1),
            Return,
        ];
        let mut expected = code.clone();
        expected[2] = BrIfNezA(6, 1);
        assert_eq!(rewritten(code), expected);
    }
}
