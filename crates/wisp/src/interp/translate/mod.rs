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

mod fuse;
mod locals;
mod numeric;
mod stack;

use fuse::{Cond, inverted_branch};
use locals::const_instr;

/// A function translated to bytecode.
#[derive(Debug)]
pub(crate) struct TranslatedFunc {
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
) -> Result<TranslatedFunc, Error> {
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
    Ok(TranslatedFunc {
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

    fn mem_index_type(&self, mem: u32) -> ValType {
        if self.info.memories[mem as usize].memory64 { ValType::I64 } else { ValType::I32 }
    }

    fn table_index_type(&self, table: u32) -> ValType {
        if self.info.tables[table as usize].table64 { ValType::I64 } else { ValType::I32 }
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
