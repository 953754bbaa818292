//! Translation of one function body from Wasm operators to CLIF.
//!
//! The operand stack is mirrored at compile time as a stack of SSA values;
//! locals become frontend variables; every structured construct becomes a
//! frame whose merge points are blocks with parameters. Code after an
//! unconditional branch is skipped until the construct that makes it
//! reachable again.

use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::immediates::Offset32;
use cranelift_codegen::ir::types::{F32, F64, I8, I8X16, I16, I32, I64};
use cranelift_codegen::ir::{
    self, AbiParam, ArgumentPurpose, Block, BlockArg, ExtFuncData, ExternalName, FuncRef,
    GlobalValueData, InstBuilder, MemFlagsData, SigRef, Signature, TrapCode, Type,
    UserExternalName, UserFuncName, Value,
};
use cranelift_codegen::isa::{CallConv, TargetFrontendConfig};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use wasmparser::{BlockType, FunctionBody, MemArg, Operator};
use wisp_environ::vmoffsets::{self, funcref, is_static_memory};
use wisp_environ::{FuncType, Libcall, ModuleInfo, TRAP_PENDING, Trap, VMOffsets, ValType};

use crate::{CompileError, Settings};

/// The CLIF type of a Wasm value type. References are 64-bit cells.
pub(crate) fn clif_type(ty: ValType) -> Type {
    match ty {
        ValType::I32 => I32,
        ValType::I64 => I64,
        ValType::F32 => F32,
        ValType::F64 => F64,
        ValType::V128 => I8X16,
        ValType::Ref(_) => I64,
    }
}

/// The native signature of a Wasm function: callee VM context, caller VM
/// context, then the Wasm parameters.
pub(crate) fn wasm_signature(ty: &FuncType) -> Signature {
    let mut sig = Signature::new(CallConv::Tail);
    sig.params.push(AbiParam::special(I64, ArgumentPurpose::VMContext));
    sig.params.push(AbiParam::new(I64));
    sig.params.extend(ty.params().iter().map(|t| AbiParam::new(clif_type(*t))));
    sig.returns.extend(ty.results().iter().map(|t| AbiParam::new(clif_type(*t))));
    sig
}

/// The Cranelift trap code for a Wasm trap.
pub(crate) fn trap_code(trap: Trap) -> TrapCode {
    TrapCode::unwrap_user(trap.to_code())
}

/// Flags for accesses to runtime structures that never trap.
pub(crate) fn trusted() -> MemFlagsData {
    MemFlagsData::trusted()
}

/// Flags for runtime fields that never change while code runs.
pub(crate) fn readonly() -> MemFlagsData {
    MemFlagsData::trusted().with_readonly().with_can_move()
}

/// Flags for linear-memory accesses: little-endian, possibly unaligned,
/// and trapping (a fault there is an out-of-bounds access).
pub(crate) fn heap() -> MemFlagsData {
    MemFlagsData::new()
        .with_endianness(ir::Endianness::Little)
        .with_trap_code(Some(trap_code(Trap::MemoryOutOfBounds)))
}

/// Little-endian flags for bitcasts between vector types.
pub(crate) fn little() -> MemFlagsData {
    MemFlagsData::new().with_endianness(ir::Endianness::Little)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Block,
    Loop,
    If { else_block: Block, head_reachable: bool },
    Else { head_reachable: bool },
}

#[derive(Debug)]
struct Frame {
    kind: Kind,
    /// Where a branch to this frame goes: the loop header, or `next`.
    dest: Block,
    /// The block after the construct; its parameters are the results.
    next: Block,
    params: Vec<ValType>,
    results: Vec<ValType>,
    /// Operand-stack height below the construct's parameters.
    height: usize,
    /// Whether some branch targets `next`.
    exit_used: bool,
    /// For `if`: the parameters, which the `else` arm starts from.
    if_args: Vec<Value>,
}

impl Frame {
    fn branch_arity(&self) -> usize {
        if self.kind == Kind::Loop { self.params.len() } else { self.results.len() }
    }
}

/// Translates function bodies of one module.
pub(crate) struct FuncTranslator<'a> {
    pub(crate) info: &'a ModuleInfo,
    pub(crate) offsets: VMOffsets,
    pub(crate) settings: &'a Settings,
    pub(crate) signatures: Vec<Signature>,
    pub(crate) frontend: TargetFrontendConfig,
}

/// State while translating one body.
pub(crate) struct Translation<'b, 'f> {
    pub(crate) info: &'b ModuleInfo,
    pub(crate) offsets: VMOffsets,
    pub(crate) settings: &'b Settings,
    signatures: &'b [Signature],
    pub(crate) b: FunctionBuilder<'f>,
    pub(crate) stack: Vec<Value>,
    frames: Vec<Frame>,
    locals: Vec<(Variable, ValType)>,
    pub(crate) vmctx: Value,
    reachable: bool,
    /// Nesting depth of constructs opened in unreachable code.
    skipped: u32,
    sig_refs: Vec<Option<SigRef>>,
    func_refs: Vec<Option<FuncRef>>,
    libcall_sigs: Vec<Option<SigRef>>,
    /// Operators since fuel was last accounted.
    fuel_pending: i64,
}

impl<'a> FuncTranslator<'a> {
    pub(crate) fn new(
        info: &'a ModuleInfo,
        settings: &'a Settings,
        frontend: TargetFrontendConfig,
    ) -> Self {
        let signatures = info.types.iter().map(wasm_signature).collect();
        Self { info, offsets: VMOffsets::new(info), settings, signatures, frontend }
    }

    /// Translates defined function `defined` (index among defined
    /// functions) whose body is `body`.
    pub(crate) fn translate(
        &self,
        defined: u32,
        body: &FunctionBody<'_>,
        ctx: &mut FunctionBuilderContext,
    ) -> Result<ir::Function, CompileError> {
        let index = self.info.num_imported_funcs + defined;
        let ty = self.info.func_type(index);
        let mut func =
            ir::Function::with_name_signature(UserFuncName::user(0, defined), wasm_signature(ty));
        // The stack limit, checked in every prologue.
        let ro = func.dfg.mem_flags.insert(readonly()).expect("few flags");
        let vmctx_gv = func.create_global_value(GlobalValueData::VMContext);
        let store_gv = func.create_global_value(GlobalValueData::Load {
            base: vmctx_gv,
            offset: Offset32::new(self.offsets.store_ctx()),
            global_type: I64,
            flags: ro,
        });
        let limit_gv = func.create_global_value(GlobalValueData::Load {
            base: store_gv,
            offset: Offset32::new(vmoffsets::store::STACK_LIMIT),
            global_type: I64,
            flags: ro,
        });
        func.stack_limit = Some(limit_gv);

        let mut b = FunctionBuilder::new(&mut func, ctx);
        let entry = b.create_block();
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        b.seal_block(entry);
        let params: Vec<Value> = b.block_params(entry).to_vec();
        let vmctx = params[0];

        let mut t = Translation {
            info: self.info,
            offsets: self.offsets,
            settings: self.settings,
            signatures: &self.signatures,
            b,
            stack: Vec::new(),
            frames: Vec::new(),
            locals: Vec::new(),
            vmctx,
            reachable: true,
            skipped: 0,
            sig_refs: vec![None; self.info.types.len()],
            func_refs: vec![None; self.info.funcs.len()],
            libcall_sigs: vec![None; Libcall::COUNT],
            fuel_pending: 0,
        };
        for (i, p) in ty.params().iter().enumerate() {
            let var = t.b.declare_var(clif_type(*p));
            t.b.def_var(var, params[i + 2]);
            t.locals.push((var, *p));
        }
        let mut locals = body.get_locals_reader()?;
        for _ in 0..locals.get_count() {
            let (count, vt) = locals.read()?;
            let vt = ValType::from_wasmparser(vt);
            for _ in 0..count {
                let var = t.b.declare_var(clif_type(vt));
                let zero = t.zero(vt);
                t.b.def_var(var, zero);
                t.locals.push((var, vt));
            }
        }
        let next = t.b.create_block();
        for r in ty.results() {
            t.b.append_block_param(next, clif_type(*r));
        }
        t.frames.push(Frame {
            kind: Kind::Block,
            dest: next,
            next,
            params: Vec::new(),
            results: ty.results().to_vec(),
            height: 0,
            exit_used: false,
            if_args: Vec::new(),
        });
        t.check_interrupts();
        let mut reader = body.get_operators_reader()?;
        while !reader.eof() {
            let op = reader.read()?;
            if t.reachable {
                t.fuel_pending += 1;
                t.operator(op)?;
            } else {
                t.skip(op)?;
            }
        }
        // The final `end` switched to the return block.
        if t.reachable {
            t.flush_fuel();
            let results = std::mem::take(&mut t.stack);
            t.b.ins().return_(&results);
        }
        t.b.finalize(self.frontend);
        Ok(func)
    }
}

/// The memory an access goes to.
pub(crate) fn memory_index(memarg: &MemArg) -> u32 {
    match memarg.target {
        wasmparser::MemArgTarget::Memory(m) => m,
        wasmparser::MemArgTarget::Array(_) => 0,
    }
}

fn block_args(values: &[Value]) -> Vec<BlockArg> {
    values.iter().map(|v| BlockArg::Value(*v)).collect()
}

fn unsupported(op: &Operator<'_>) -> CompileError {
    CompileError(format!("the Cranelift tier does not support `{op:?}` yet"))
}

impl<'b, 'f> Translation<'b, 'f> {
    pub(crate) fn pop(&mut self) -> Value {
        self.stack.pop().expect("validated: operand stack underflow")
    }

    pub(crate) fn pop2(&mut self) -> (Value, Value) {
        let b = self.pop();
        let a = self.pop();
        (a, b)
    }

    pub(crate) fn push(&mut self, v: Value) {
        self.stack.push(v);
    }

    fn zero(&mut self, ty: ValType) -> Value {
        match ty {
            ValType::I32 => self.b.ins().iconst(I32, 0),
            ValType::I64 | ValType::Ref(_) => self.b.ins().iconst(I64, 0),
            ValType::F32 => self.b.ins().f32const(0.0),
            ValType::F64 => self.b.ins().f64const(0.0),
            ValType::V128 => {
                let c = self.b.func.dfg.constants.insert(vec![0u8; 16].into());
                self.b.ins().vconst(I8X16, c)
            }
        }
    }

    fn block_type(&self, bt: BlockType) -> (Vec<ValType>, Vec<ValType>) {
        match bt {
            BlockType::Empty => (Vec::new(), Vec::new()),
            BlockType::Type(t) => (Vec::new(), vec![ValType::from_wasmparser(t)]),
            BlockType::FuncType(i) => {
                let ty = &self.info.types[i as usize];
                (ty.params().to_vec(), ty.results().to_vec())
            }
        }
    }

    fn block_with_params(&mut self, types: &[ValType]) -> Block {
        let block = self.b.create_block();
        for t in types {
            self.b.append_block_param(block, clif_type(*t));
        }
        block
    }

    /// Loads a pointer-sized field of the VM context.
    pub(crate) fn vmctx_load(&mut self, offset: i32) -> Value {
        self.b.ins().load(I64, readonly(), self.vmctx, offset)
    }

    pub(crate) fn store_ctx(&mut self) -> Value {
        self.vmctx_load(self.offsets.store_ctx())
    }

    /// Skips an operator in unreachable code, tracking nesting.
    fn skip(&mut self, op: Operator<'_>) -> Result<(), CompileError> {
        match op {
            Operator::Block { .. }
            | Operator::Loop { .. }
            | Operator::If { .. }
            | Operator::TryTable { .. } => self.skipped += 1,
            Operator::Else if self.skipped == 0 => self.else_()?,
            Operator::End if self.skipped == 0 => self.end(),
            Operator::End => self.skipped -= 1,
            _ => {}
        }
        Ok(())
    }

    /// Ends the current block as unreachable from here on.
    fn mark_unreachable(&mut self) {
        self.reachable = false;
    }

    /// Branches to frame `depth` (0 = innermost) with the top values.
    fn branch_args(&mut self, depth: u32) -> (Block, Vec<Value>) {
        let i = self.frames.len() - 1 - depth as usize;
        let frame = &mut self.frames[i];
        if frame.kind != Kind::Loop {
            frame.exit_used = true;
        }
        let n = frame.branch_arity();
        let dest = frame.dest;
        let args = self.stack[self.stack.len() - n..].to_vec();
        (dest, args)
    }

    fn else_(&mut self) -> Result<(), CompileError> {
        let frame = self.frames.last_mut().expect("validated: else inside if");
        let Kind::If { else_block, head_reachable } = frame.kind else {
            return Err(CompileError("`else` outside `if`".into()));
        };
        if self.reachable {
            let n = frame.results.len();
            let results = self.stack[self.stack.len() - n..].to_vec();
            frame.exit_used = true;
            let next = frame.next;
            self.b.ins().jump(next, &block_args(&results));
        }
        let frame = self.frames.last_mut().expect("checked above");
        frame.kind = Kind::Else { head_reachable };
        self.stack.truncate(frame.height);
        if head_reachable {
            let args = std::mem::take(&mut frame.if_args);
            self.stack.extend(args);
            self.b.switch_to_block(else_block);
            self.b.seal_block(else_block);
            self.reachable = true;
        } else {
            self.reachable = false;
        }
        Ok(())
    }

    fn end(&mut self) {
        let frame = self.frames.pop().expect("validated: end matches a construct");
        if self.reachable {
            self.flush_fuel();
            let n = frame.results.len();
            let results = self.stack[self.stack.len() - n..].to_vec();
            self.b.ins().jump(frame.next, &block_args(&results));
        }
        let mut reachable = self.reachable || frame.exit_used;
        match frame.kind {
            Kind::Loop => self.b.seal_block(frame.dest),
            Kind::If { else_block, head_reachable } => {
                // No `else`: the parameters flow through unchanged.
                if head_reachable {
                    self.b.switch_to_block(else_block);
                    self.b.seal_block(else_block);
                    self.b.ins().jump(frame.next, &block_args(&frame.if_args));
                    reachable = true;
                }
            }
            Kind::Block | Kind::Else { .. } => {}
        }
        self.stack.truncate(frame.height);
        if reachable {
            self.b.switch_to_block(frame.next);
            self.b.seal_block(frame.next);
            let params = self.b.block_params(frame.next).to_vec();
            self.stack.extend(params);
            self.reachable = true;
        } else {
            self.reachable = false;
        }
    }

    /// Calls runtime function `lc` with `args` (the VM context is added as
    /// the first argument); returns its single result, if any.
    pub(crate) fn libcall(&mut self, lc: Libcall, args: &[Value], returns: bool) -> Option<Value> {
        self.libcall_returning(lc, args, returns.then_some(I64))
    }

    /// Calls libcall `lc` with `args` after the VM context; its result, of
    /// type `ret`, if it has one.
    pub(crate) fn libcall_returning(
        &mut self,
        lc: Libcall,
        args: &[Value],
        ret: Option<Type>,
    ) -> Option<Value> {
        let sig = match self.libcall_sigs[lc as usize] {
            Some(s) => s,
            None => {
                let mut sig = Signature::new(self.settings.host_call_conv);
                sig.params.push(AbiParam::new(I64));
                for a in args {
                    sig.params.push(AbiParam::new(self.b.func.dfg.value_type(*a)));
                }
                if let Some(ret) = ret {
                    sig.returns.push(AbiParam::new(ret));
                }
                let s = self.b.import_signature(sig);
                self.libcall_sigs[lc as usize] = Some(s);
                s
            }
        };
        let store = self.store_ctx();
        let table = self.b.ins().load(I64, readonly(), store, vmoffsets::store::LIBCALLS);
        let f = self.b.ins().load(I64, readonly(), table, (lc as i32) * 8);
        let mut all = vec![self.vmctx];
        all.extend_from_slice(args);
        let call = self.b.ins().call_indirect(sig, f, &all);
        ret.map(|_| self.b.inst_results(call)[0])
    }

    /// Calls a libcall that returns 0 or "trap pending", trapping on the latter.
    pub(crate) fn libcall_checked(&mut self, lc: Libcall, args: &[Value]) {
        let status = self.libcall(lc, args, true).expect("libcall returns a status");
        self.b.ins().trapnz(status, TrapCode::unwrap_user(TRAP_PENDING));
    }

    fn sig_ref(&mut self, type_index: u32) -> SigRef {
        if let Some(s) = self.sig_refs[type_index as usize] {
            return s;
        }
        let s = self.b.import_signature(self.signatures[type_index as usize].clone());
        self.sig_refs[type_index as usize] = Some(s);
        s
    }

    fn func_ref(&mut self, index: u32) -> FuncRef {
        if let Some(f) = self.func_refs[index as usize] {
            return f;
        }
        let defined = index - self.info.num_imported_funcs;
        let name = self.b.func.declare_imported_user_function(UserExternalName::new(0, defined));
        let signature = self.sig_ref(self.info.funcs[index as usize]);
        let f = self.b.import_function(ExtFuncData {
            name: ExternalName::user(name),
            signature,
            colocated: true,
            patchable: false,
        });
        self.func_refs[index as usize] = Some(f);
        f
    }

    fn call_args(&mut self, ty: u32, callee_vmctx: Value) -> Vec<Value> {
        let n = self.info.types[ty as usize].params().len();
        let mut args = vec![callee_vmctx, self.vmctx];
        args.extend(self.stack.drain(self.stack.len() - n..));
        args
    }

    fn push_results(&mut self, inst: ir::Inst) {
        let results = self.b.inst_results(inst).to_vec();
        self.stack.extend(results);
    }

    fn call(&mut self, index: u32, tail: bool) {
        self.flush_fuel();
        let ty = self.info.funcs[index as usize];
        if index < self.info.num_imported_funcs {
            let at = self.offsets.import(index);
            let code = self.b.ins().load(I64, readonly(), self.vmctx, at + funcref::CODE);
            let callee = self.b.ins().load(I64, readonly(), self.vmctx, at + funcref::VMCTX);
            let args = self.call_args(ty, callee);
            let sig = self.sig_ref(ty);
            self.indirect(sig, code, &args, tail);
        } else {
            let f = self.func_ref(index);
            let args = self.call_args(ty, self.vmctx);
            if tail {
                self.b.ins().return_call(f, &args);
                self.mark_unreachable();
            } else {
                let inst = self.b.ins().call(f, &args);
                self.push_results(inst);
            }
        }
    }

    fn indirect(&mut self, sig: SigRef, code: Value, args: &[Value], tail: bool) {
        if tail {
            self.b.ins().return_call_indirect(sig, code, args);
            self.mark_unreachable();
        } else {
            let inst = self.b.ins().call_indirect(sig, code, args);
            self.push_results(inst);
        }
    }

    /// Loads a table's element `index` (an i32 or i64 operand), trapping
    /// with `oob` beyond its length. Returns the element's address.
    fn table_elem_addr(&mut self, table: u32, index: Value, oob: Trap) -> Value {
        let def = self.vmctx_load(self.offsets.table(table));
        let len = self.b.ins().load(I64, trusted(), def, vmoffsets::table::LENGTH);
        let index = self.widen(index);
        let out = self.b.ins().icmp(IntCC::UnsignedGreaterThanOrEqual, index, len);
        self.b.ins().trapnz(out, trap_code(oob));
        let base = self.b.ins().load(I64, trusted(), def, vmoffsets::table::BASE);
        let scaled = self.b.ins().ishl_imm_u(index, 3);
        self.b.ins().iadd(base, scaled)
    }

    fn widen(&mut self, v: Value) -> Value {
        if self.b.func.dfg.value_type(v) == I64 { v } else { self.b.ins().uextend(I64, v) }
    }

    fn call_indirect(&mut self, ty: u32, table: u32, tail: bool) {
        self.flush_fuel();
        let index = self.pop();
        let slot = self.table_elem_addr(table, index, Trap::UndefinedElement);
        let elem = self.b.ins().load(I64, trusted(), slot, 0);
        self.b.ins().trapz(elem, trap_code(Trap::UninitializedElement));
        self.call_ref_cell(elem, Some(ty), tail);
    }

    /// Calls the function whose reference cell is `elem` (non-zero),
    /// checking its signature against `check` when given.
    fn call_ref_cell(&mut self, elem: Value, check: Option<u32>, tail: bool) {
        let ty = check.expect("typed references carry their type");
        let store = self.store_ctx();
        let refs = self.b.ins().load(I64, trusted(), store, vmoffsets::store::FUNC_REFS);
        let index = self.b.ins().iadd_imm_s(elem, -1);
        let scaled = self.b.ins().imul_imm_s(index, i64::from(funcref::SIZE));
        let fr = self.b.ins().iadd(refs, scaled);
        let actual = self.b.ins().load(I64, trusted(), fr, funcref::TYPE_ID);
        let expected = self.vmctx_load(self.offsets.type_id(ty));
        let bad = self.b.ins().icmp(IntCC::NotEqual, actual, expected);
        self.b.ins().trapnz(bad, trap_code(Trap::BadSignature));
        let code = self.b.ins().load(I64, trusted(), fr, funcref::CODE);
        let callee = self.b.ins().load(I64, trusted(), fr, funcref::VMCTX);
        let args = self.call_args(ty, callee);
        let sig = self.sig_ref(ty);
        self.indirect(sig, code, &args, tail);
    }

    /// Computes the address of an access of `width` bytes to memory
    /// `memarg.memory` at operand `index`; returns the base address and the
    /// static offset to use in the instruction.
    pub(crate) fn heap_addr(&mut self, memarg: &MemArg, index: Value, width: u32) -> (Value, i32) {
        let memory = memory_index(memarg);
        let ty = self.info.memories[memory as usize];
        let def = self.vmctx_load(self.offsets.memory(memory));
        let index = self.widen(index);
        let static_mem = is_static_memory(&ty, self.settings.memory_reservation);
        if !static_mem {
            let len = self.b.ins().load(I64, trusted(), def, vmoffsets::memory::LENGTH);
            let end = memarg.offset.saturating_add(u64::from(width));
            let end = self.b.ins().iconst(I64, end as i64);
            let last =
                self.b.ins().uadd_overflow_trap(index, end, trap_code(Trap::MemoryOutOfBounds));
            let out = self.b.ins().icmp(IntCC::UnsignedGreaterThan, last, len);
            self.b.ins().trapnz(out, trap_code(Trap::MemoryOutOfBounds));
        }
        let base_flags = if static_mem { readonly() } else { trusted() };
        let base = self.b.ins().load(I64, base_flags, def, vmoffsets::memory::BASE);
        let addr = self.b.ins().iadd(base, index);
        match i32::try_from(memarg.offset) {
            Ok(off) => (addr, off),
            Err(_) => (self.b.ins().iadd_imm_s(addr, memarg.offset as i64), 0),
        }
    }

    fn load(&mut self, memarg: &MemArg, ty: Type, width: u32, kind: Ext) {
        let index = self.pop();
        let (addr, off) = self.heap_addr(memarg, index, width);
        let v = match (kind, width) {
            (Ext::None, _) => self.b.ins().load(ty, heap(), addr, off),
            (Ext::Signed, 1) => self.b.ins().sload8(ty, heap(), addr, off),
            (Ext::Unsigned, 1) => self.b.ins().uload8(ty, heap(), addr, off),
            (Ext::Signed, 2) => self.b.ins().sload16(ty, heap(), addr, off),
            (Ext::Unsigned, 2) => self.b.ins().uload16(ty, heap(), addr, off),
            (Ext::Signed, _) => self.b.ins().sload32(heap(), addr, off),
            (Ext::Unsigned, _) => self.b.ins().uload32(heap(), addr, off),
        };
        self.push(v);
    }

    fn store(&mut self, memarg: &MemArg, width: u32) {
        let value = self.pop();
        let index = self.pop();
        let (addr, off) = self.heap_addr(memarg, index, width);
        let vt = self.b.func.dfg.value_type(value);
        match width {
            1 => self.b.ins().istore8(heap(), value, addr, off),
            2 => self.b.ins().istore16(heap(), value, addr, off),
            4 if vt == I64 => self.b.ins().istore32(heap(), value, addr, off),
            _ => self.b.ins().store(heap(), value, addr, off),
        };
    }

    /// Calls a bulk-operation libcall: the immediates (memory, table and
    /// segment indices) first, then the three operands popped from the
    /// stack, those flagged in `widen` zero-extended to 64 bits.
    fn bulk_call(&mut self, lc: Libcall, imms: &[u32], widen: [bool; 3]) {
        let mut operands = [self.pop(), self.pop(), self.pop()];
        operands.reverse();
        let mut args: Vec<Value> =
            imms.iter().map(|&i| self.b.ins().iconst(I32, i64::from(i))).collect();
        for (v, w) in operands.into_iter().zip(widen) {
            args.push(if w { self.widen(v) } else { v });
        }
        self.libcall_checked(lc, &args);
    }

    fn global_cell(&mut self, index: u32) -> Value {
        self.vmctx_load(self.offsets.global(index))
    }

    fn bool_to_i32(&mut self, c: Value) -> Value {
        self.b.ins().uextend(I32, c)
    }

    fn icmp(&mut self, cc: IntCC) {
        let (a, b) = self.pop2();
        let c = self.b.ins().icmp(cc, a, b);
        let v = self.bool_to_i32(c);
        self.push(v);
    }

    fn fcmp(&mut self, cc: FloatCC) {
        let (a, b) = self.pop2();
        let c = self.b.ins().fcmp(cc, a, b);
        let v = self.bool_to_i32(c);
        self.push(v);
    }

    fn eqz(&mut self) {
        let a = self.pop();
        let c = self.b.ins().icmp_imm_s(IntCC::Equal, a, 0);
        let v = self.bool_to_i32(c);
        self.push(v);
    }

    fn memory_index_type(&self, memory: u32) -> Type {
        if self.info.memories[memory as usize].memory64 { I64 } else { I32 }
    }

    fn table_index_type(&self, table: u32) -> Type {
        if self.info.tables[table as usize].table64 { I64 } else { I32 }
    }

    /// Narrows a 64-bit size result to the index type.
    fn narrow(&mut self, v: Value, ty: Type) -> Value {
        if ty == I64 { v } else { self.b.ins().ireduce(I32, v) }
    }

    /// Fuel and epoch checks at function entry and loop headers.
    fn check_interrupts(&mut self) {
        if self.settings.consume_fuel {
            self.flush_fuel();
            let store = self.store_ctx();
            let fuel = self.b.ins().load(I64, trusted(), store, vmoffsets::store::FUEL);
            let over = self.b.ins().icmp_imm_s(IntCC::SignedGreaterThanOrEqual, fuel, 0);
            self.cold_libcall_if(over, Libcall::OutOfFuel);
        }
        if self.settings.epoch_interruption {
            let store = self.store_ctx();
            let epoch_ptr = self.b.ins().load(I64, readonly(), store, vmoffsets::store::EPOCH_PTR);
            let epoch = self.b.ins().load(I64, trusted(), epoch_ptr, 0);
            let deadline =
                self.b.ins().load(I64, trusted(), store, vmoffsets::store::EPOCH_DEADLINE);
            let due = self.b.ins().icmp(IntCC::UnsignedGreaterThanOrEqual, epoch, deadline);
            self.cold_libcall_if(due, Libcall::EpochReached);
        }
    }

    /// If `cond`, calls `lc` on a cold path and traps if it reports so.
    fn cold_libcall_if(&mut self, cond: Value, lc: Libcall) {
        let cold = self.b.create_block();
        let cont = self.b.create_block();
        self.b.set_cold_block(cold);
        self.b.ins().brif(cond, cold, &[], cont, &[]);
        self.b.switch_to_block(cold);
        self.b.seal_block(cold);
        self.libcall_checked(lc, &[]);
        self.b.ins().jump(cont, &[]);
        self.b.switch_to_block(cont);
        self.b.seal_block(cont);
    }

    /// Adds the fuel of the operators translated since the last flush.
    fn flush_fuel(&mut self) {
        if !self.settings.consume_fuel || self.fuel_pending == 0 {
            self.fuel_pending = 0;
            return;
        }
        let n = std::mem::take(&mut self.fuel_pending);
        let store = self.store_ctx();
        let fuel = self.b.ins().load(I64, trusted(), store, vmoffsets::store::FUEL);
        let fuel = self.b.ins().iadd_imm_s(fuel, n);
        self.b.ins().store(trusted(), fuel, store, vmoffsets::store::FUEL);
    }

    #[allow(clippy::too_many_lines)]
    fn operator(&mut self, op: Operator<'_>) -> Result<(), CompileError> {
        use Operator as O;
        macro_rules! bin {
            ($m:ident) => {{
                let (a, b) = self.pop2();
                let v = self.b.ins().$m(a, b);
                self.push(v);
            }};
        }
        macro_rules! un {
            ($m:ident) => {{
                let a = self.pop();
                let v = self.b.ins().$m(a);
                self.push(v);
            }};
            ($m:ident, $ty:expr) => {{
                let a = self.pop();
                let v = self.b.ins().$m($ty, a);
                self.push(v);
            }};
        }
        match op {
            O::Nop => {}
            O::Unreachable => {
                self.b.ins().trap(trap_code(Trap::Unreachable));
                self.mark_unreachable();
            }
            O::Block { blockty } => {
                let (params, results) = self.block_type(blockty);
                let next = self.block_with_params(&results);
                let height = self.stack.len() - params.len();
                self.frames.push(Frame {
                    kind: Kind::Block,
                    dest: next,
                    next,
                    params,
                    results,
                    height,
                    exit_used: false,
                    if_args: Vec::new(),
                });
            }
            O::Loop { blockty } => {
                let (params, results) = self.block_type(blockty);
                let header = self.block_with_params(&params);
                let next = self.block_with_params(&results);
                let height = self.stack.len() - params.len();
                let args = self.stack.split_off(height);
                self.flush_fuel();
                self.b.ins().jump(header, &block_args(&args));
                self.b.switch_to_block(header);
                let header_params = self.b.block_params(header).to_vec();
                self.stack.extend(header_params);
                self.frames.push(Frame {
                    kind: Kind::Loop,
                    dest: header,
                    next,
                    params,
                    results,
                    height,
                    exit_used: false,
                    if_args: Vec::new(),
                });
                self.check_interrupts();
            }
            O::If { blockty } => {
                let cond = self.pop();
                let (params, results) = self.block_type(blockty);
                let then_block = self.b.create_block();
                let else_block = self.block_with_params(&params);
                let next = self.block_with_params(&results);
                let height = self.stack.len() - params.len();
                let if_args = self.stack[height..].to_vec();
                self.flush_fuel();
                self.b.ins().brif(cond, then_block, &[], else_block, &block_args(&if_args));
                self.b.switch_to_block(then_block);
                self.b.seal_block(then_block);
                let else_params = self.b.block_params(else_block).to_vec();
                self.frames.push(Frame {
                    kind: Kind::If { else_block, head_reachable: true },
                    dest: next,
                    next,
                    params,
                    results,
                    height,
                    exit_used: false,
                    if_args: else_params,
                });
            }
            O::Else => {
                self.flush_fuel();
                self.else_()?;
            }
            O::End => self.end(),
            O::Br { relative_depth } => {
                self.flush_fuel();
                let (dest, args) = self.branch_args(relative_depth);
                self.b.ins().jump(dest, &block_args(&args));
                self.mark_unreachable();
            }
            O::BrIf { relative_depth } => {
                self.flush_fuel();
                let cond = self.pop();
                let (dest, args) = self.branch_args(relative_depth);
                let cont = self.b.create_block();
                self.b.ins().brif(cond, dest, &block_args(&args), cont, &[]);
                self.b.switch_to_block(cont);
                self.b.seal_block(cont);
            }
            O::BrTable { targets } => {
                self.flush_fuel();
                let index = self.pop();
                let depths: Vec<u32> = targets.targets().collect::<Result<_, _>>()?;
                let default = targets.default();
                let mut edges: Vec<(u32, Block)> = Vec::new();
                let mut edge_for = |t: &mut Self, depth: u32| -> Block {
                    if let Some(&(_, b)) = edges.iter().find(|(d, _)| *d == depth) {
                        return b;
                    }
                    let b = t.b.create_block();
                    edges.push((depth, b));
                    b
                };
                let default_block = edge_for(self, default);
                let table_blocks: Vec<Block> = depths.iter().map(|&d| edge_for(self, d)).collect();
                let def_call = self.b.func.dfg.block_call(default_block, &[]);
                let calls: Vec<_> =
                    table_blocks.iter().map(|&b| self.b.func.dfg.block_call(b, &[])).collect();
                let jt = self.b.create_jump_table(ir::JumpTableData::new(def_call, &calls));
                self.b.ins().br_table(index, jt);
                for (depth, block) in edges {
                    self.b.switch_to_block(block);
                    self.b.seal_block(block);
                    let (dest, args) = self.branch_args(depth);
                    self.b.ins().jump(dest, &block_args(&args));
                }
                self.mark_unreachable();
            }
            O::Return => {
                self.flush_fuel();
                let (dest, args) = self.branch_args(self.frames.len() as u32 - 1);
                let _ = dest;
                self.b.ins().return_(&args);
                self.mark_unreachable();
            }
            O::Call { function_index } => self.call(function_index, false),
            O::ReturnCall { function_index } => self.call(function_index, true),
            O::CallIndirect { type_index, table_index } => {
                self.call_indirect(type_index, table_index, false);
            }
            O::ReturnCallIndirect { type_index, table_index } => {
                self.call_indirect(type_index, table_index, true);
            }
            O::CallRef { type_index } | O::ReturnCallRef { type_index } => {
                self.flush_fuel();
                let tail = matches!(op, O::ReturnCallRef { .. });
                let r = self.pop();
                self.b.ins().trapz(r, trap_code(Trap::NullFunctionReference));
                self.call_ref_cell(r, Some(type_index), tail);
            }
            O::Drop => {
                self.pop();
            }
            O::Select | O::TypedSelect { .. } => {
                let c = self.pop();
                let (a, b) = self.pop2();
                let v = self.b.ins().select(c, a, b);
                self.push(v);
            }
            O::LocalGet { local_index } => {
                let var = self.locals[local_index as usize].0;
                let v = self.b.use_var(var);
                self.push(v);
            }
            O::LocalSet { local_index } => {
                let v = self.pop();
                self.b.def_var(self.locals[local_index as usize].0, v);
            }
            O::LocalTee { local_index } => {
                let v = *self.stack.last().expect("validated");
                self.b.def_var(self.locals[local_index as usize].0, v);
            }
            O::GlobalGet { global_index } => {
                let ty = clif_type(self.info.globals[global_index as usize].content);
                let cell = self.global_cell(global_index);
                let flags = if ty == I8X16 { little() } else { trusted() };
                let v = self.b.ins().load(ty, flags, cell, 0);
                self.push(v);
            }
            O::GlobalSet { global_index } => {
                let v = self.pop();
                let cell = self.global_cell(global_index);
                self.b.ins().store(little(), v, cell, 0);
            }

            O::I32Load { memarg } => self.load(&memarg, I32, 4, Ext::None),
            O::I64Load { memarg } => self.load(&memarg, I64, 8, Ext::None),
            O::F32Load { memarg } => self.load(&memarg, F32, 4, Ext::None),
            O::F64Load { memarg } => self.load(&memarg, F64, 8, Ext::None),
            O::I32Load8S { memarg } => self.load(&memarg, I32, 1, Ext::Signed),
            O::I32Load8U { memarg } => self.load(&memarg, I32, 1, Ext::Unsigned),
            O::I32Load16S { memarg } => self.load(&memarg, I32, 2, Ext::Signed),
            O::I32Load16U { memarg } => self.load(&memarg, I32, 2, Ext::Unsigned),
            O::I64Load8S { memarg } => self.load(&memarg, I64, 1, Ext::Signed),
            O::I64Load8U { memarg } => self.load(&memarg, I64, 1, Ext::Unsigned),
            O::I64Load16S { memarg } => self.load(&memarg, I64, 2, Ext::Signed),
            O::I64Load16U { memarg } => self.load(&memarg, I64, 2, Ext::Unsigned),
            O::I64Load32S { memarg } => self.load(&memarg, I64, 4, Ext::Signed),
            O::I64Load32U { memarg } => self.load(&memarg, I64, 4, Ext::Unsigned),
            O::I32Store { memarg } | O::F32Store { memarg } => self.store(&memarg, 4),
            O::I64Store { memarg } | O::F64Store { memarg } => self.store(&memarg, 8),
            O::I32Store8 { memarg } | O::I64Store8 { memarg } => self.store(&memarg, 1),
            O::I32Store16 { memarg } | O::I64Store16 { memarg } => self.store(&memarg, 2),
            O::I64Store32 { memarg } => self.store(&memarg, 4),

            O::MemorySize { mem } => {
                let def = self.vmctx_load(self.offsets.memory(mem));
                let len = self.b.ins().load(I64, trusted(), def, vmoffsets::memory::LENGTH);
                let shift = i64::from(self.info.memories[mem as usize].page_size_log2);
                let pages = self.b.ins().ushr_imm_u(len, shift);
                let ty = self.memory_index_type(mem);
                let v = self.narrow(pages, ty);
                self.push(v);
            }
            O::MemoryGrow { mem } => {
                let delta = self.pop();
                let delta = self.widen(delta);
                let m = self.b.ins().iconst(I32, i64::from(mem));
                let old = self.libcall(Libcall::MemoryGrow, &[m, delta], true).expect("result");
                let ty = self.memory_index_type(mem);
                self.push_grow_result(old, ty);
            }
            O::MemoryFill { mem } => {
                self.bulk_call(Libcall::MemoryFill, &[mem], [true, false, true]);
            }
            O::MemoryCopy { dst_mem, src_mem } => {
                self.bulk_call(Libcall::MemoryCopy, &[dst_mem, src_mem], [true; 3]);
            }
            O::MemoryInit { data_index, mem } => {
                self.bulk_call(Libcall::MemoryInit, &[mem, data_index], [true, false, false]);
            }
            O::DataDrop { data_index } => {
                let seg = self.b.ins().iconst(I32, i64::from(data_index));
                self.libcall(Libcall::DataDrop, &[seg], false);
            }
            O::TableGet { table } => {
                let index = self.pop();
                let slot = self.table_elem_addr(table, index, Trap::TableOutOfBounds);
                let v = self.b.ins().load(I64, trusted(), slot, 0);
                self.push(v);
            }
            O::TableSet { table } => {
                let value = self.pop();
                let index = self.pop();
                let slot = self.table_elem_addr(table, index, Trap::TableOutOfBounds);
                self.b.ins().store(trusted(), value, slot, 0);
            }
            O::TableSize { table } => {
                let def = self.vmctx_load(self.offsets.table(table));
                let len = self.b.ins().load(I64, trusted(), def, vmoffsets::table::LENGTH);
                let ty = self.table_index_type(table);
                let v = self.narrow(len, ty);
                self.push(v);
            }
            O::TableGrow { table } => {
                let delta = self.pop();
                let init = self.pop();
                let t = self.b.ins().iconst(I32, i64::from(table));
                let delta = self.widen(delta);
                let old =
                    self.libcall(Libcall::TableGrow, &[t, delta, init], true).expect("result");
                let ty = self.table_index_type(table);
                self.push_grow_result(old, ty);
            }
            O::TableFill { table } => {
                self.bulk_call(Libcall::TableFill, &[table], [true, false, true]);
            }
            O::TableCopy { dst_table, src_table } => {
                self.bulk_call(Libcall::TableCopy, &[dst_table, src_table], [true; 3]);
            }
            O::TableInit { elem_index, table } => {
                self.bulk_call(Libcall::TableInit, &[table, elem_index], [true, false, false]);
            }
            O::ElemDrop { elem_index } => {
                let seg = self.b.ins().iconst(I32, i64::from(elem_index));
                self.libcall(Libcall::ElemDrop, &[seg], false);
            }
            O::RefNull { .. } => {
                let v = self.b.ins().iconst(I64, 0);
                self.push(v);
            }
            O::RefIsNull => self.eqz(),
            O::RefFunc { function_index } => {
                let v = self.vmctx_load(self.offsets.func_ref(function_index));
                self.push(v);
            }
            O::RefAsNonNull => {
                let v = *self.stack.last().expect("validated");
                self.b.ins().trapz(v, trap_code(Trap::NullReference));
            }
            O::BrOnNull { relative_depth } => {
                self.flush_fuel();
                let r = self.pop();
                let is_null = self.b.ins().icmp_imm_s(IntCC::Equal, r, 0);
                let (dest, args) = self.branch_args(relative_depth);
                let cont = self.b.create_block();
                self.b.ins().brif(is_null, dest, &block_args(&args), cont, &[]);
                self.b.switch_to_block(cont);
                self.b.seal_block(cont);
                self.push(r);
            }
            O::BrOnNonNull { relative_depth } => {
                self.flush_fuel();
                let r = *self.stack.last().expect("validated");
                let (dest, args) = self.branch_args(relative_depth);
                self.pop();
                let cont = self.b.create_block();
                self.b.ins().brif(r, dest, &block_args(&args), cont, &[]);
                self.b.switch_to_block(cont);
                self.b.seal_block(cont);
            }

            O::I32Const { value } => {
                let v = self.b.ins().iconst(I32, i64::from(value));
                self.push(v);
            }
            O::I64Const { value } => {
                let v = self.b.ins().iconst(I64, value);
                self.push(v);
            }
            O::F32Const { value } => {
                let v = self.b.ins().f32const(ir::immediates::Ieee32::with_bits(value.bits()));
                self.push(v);
            }
            O::F64Const { value } => {
                let v = self.b.ins().f64const(ir::immediates::Ieee64::with_bits(value.bits()));
                self.push(v);
            }

            O::I32Eqz | O::I64Eqz => self.eqz(),
            O::I32Eq | O::I64Eq => self.icmp(IntCC::Equal),
            O::I32Ne | O::I64Ne => self.icmp(IntCC::NotEqual),
            O::I32LtS | O::I64LtS => self.icmp(IntCC::SignedLessThan),
            O::I32LtU | O::I64LtU => self.icmp(IntCC::UnsignedLessThan),
            O::I32GtS | O::I64GtS => self.icmp(IntCC::SignedGreaterThan),
            O::I32GtU | O::I64GtU => self.icmp(IntCC::UnsignedGreaterThan),
            O::I32LeS | O::I64LeS => self.icmp(IntCC::SignedLessThanOrEqual),
            O::I32LeU | O::I64LeU => self.icmp(IntCC::UnsignedLessThanOrEqual),
            O::I32GeS | O::I64GeS => self.icmp(IntCC::SignedGreaterThanOrEqual),
            O::I32GeU | O::I64GeU => self.icmp(IntCC::UnsignedGreaterThanOrEqual),
            O::F32Eq | O::F64Eq => self.fcmp(FloatCC::Equal),
            O::F32Ne | O::F64Ne => self.fcmp(FloatCC::NotEqual),
            O::F32Lt | O::F64Lt => self.fcmp(FloatCC::LessThan),
            O::F32Gt | O::F64Gt => self.fcmp(FloatCC::GreaterThan),
            O::F32Le | O::F64Le => self.fcmp(FloatCC::LessThanOrEqual),
            O::F32Ge | O::F64Ge => self.fcmp(FloatCC::GreaterThanOrEqual),

            O::I32Clz | O::I64Clz => un!(clz),
            O::I32Ctz | O::I64Ctz => un!(ctz),
            O::I32Popcnt | O::I64Popcnt => un!(popcnt),
            O::I32Add | O::I64Add => bin!(iadd),
            O::I32Sub | O::I64Sub => bin!(isub),
            O::I32Mul | O::I64Mul => bin!(imul),
            O::I32DivS | O::I64DivS => bin!(sdiv),
            O::I32DivU | O::I64DivU => bin!(udiv),
            O::I32RemS | O::I64RemS => bin!(srem),
            O::I32RemU | O::I64RemU => bin!(urem),
            O::I32And | O::I64And => bin!(band),
            O::I32Or | O::I64Or => bin!(bor),
            O::I32Xor | O::I64Xor => bin!(bxor),
            O::I32Shl | O::I64Shl => bin!(ishl),
            O::I32ShrS | O::I64ShrS => bin!(sshr),
            O::I32ShrU | O::I64ShrU => bin!(ushr),
            O::I32Rotl | O::I64Rotl => bin!(rotl),
            O::I32Rotr | O::I64Rotr => bin!(rotr),

            O::F32Abs | O::F64Abs => un!(fabs),
            O::F32Neg | O::F64Neg => un!(fneg),
            O::F32Ceil | O::F64Ceil => un!(ceil),
            O::F32Floor | O::F64Floor => un!(floor),
            O::F32Trunc | O::F64Trunc => un!(trunc),
            O::F32Nearest | O::F64Nearest => un!(nearest),
            O::F32Sqrt | O::F64Sqrt => un!(sqrt),
            O::F32Add | O::F64Add => bin!(fadd),
            O::F32Sub | O::F64Sub => bin!(fsub),
            O::F32Mul | O::F64Mul => bin!(fmul),
            O::F32Div | O::F64Div => bin!(fdiv),
            O::F32Min | O::F64Min => bin!(fmin),
            O::F32Max | O::F64Max => bin!(fmax),
            O::F32Copysign | O::F64Copysign => bin!(fcopysign),

            O::I32WrapI64 => un!(ireduce, I32),
            O::I64ExtendI32S => un!(sextend, I64),
            O::I64ExtendI32U => un!(uextend, I64),
            O::I32Extend8S => self.sign_extend_low(I32, I8),
            O::I32Extend16S => self.sign_extend_low(I32, I16),
            O::I64Extend8S => self.sign_extend_low(I64, I8),
            O::I64Extend16S => self.sign_extend_low(I64, I16),
            O::I64Extend32S => self.sign_extend_low(I64, I32),
            O::I32TruncF32S | O::I32TruncF64S => {
                un!(fcvt_to_sint, I32)
            }
            O::I32TruncF32U | O::I32TruncF64U => {
                un!(fcvt_to_uint, I32)
            }
            O::I64TruncF32S | O::I64TruncF64S => {
                un!(fcvt_to_sint, I64)
            }
            O::I64TruncF32U | O::I64TruncF64U => {
                un!(fcvt_to_uint, I64)
            }
            O::I32TruncSatF32S | O::I32TruncSatF64S => un!(fcvt_to_sint_sat, I32),
            O::I32TruncSatF32U | O::I32TruncSatF64U => un!(fcvt_to_uint_sat, I32),
            O::I64TruncSatF32S | O::I64TruncSatF64S => un!(fcvt_to_sint_sat, I64),
            O::I64TruncSatF32U | O::I64TruncSatF64U => un!(fcvt_to_uint_sat, I64),
            O::F32ConvertI32S | O::F32ConvertI64S => un!(fcvt_from_sint, F32),
            O::F32ConvertI32U | O::F32ConvertI64U => un!(fcvt_from_uint, F32),
            O::F64ConvertI32S | O::F64ConvertI64S => un!(fcvt_from_sint, F64),
            O::F64ConvertI32U | O::F64ConvertI64U => un!(fcvt_from_uint, F64),
            O::F32DemoteF64 => un!(fdemote, F32),
            O::F64PromoteF32 => un!(fpromote, F64),
            O::I32ReinterpretF32 => self.reinterpret(I32),
            O::I64ReinterpretF64 => self.reinterpret(I64),
            O::F32ReinterpretI32 => self.reinterpret(F32),
            O::F64ReinterpretI64 => self.reinterpret(F64),

            op => {
                if !crate::simd::translate(self, &op)? {
                    return Err(unsupported(&op));
                }
            }
        }
        Ok(())
    }

    fn sign_extend_low(&mut self, ty: Type, narrow: Type) {
        let a = self.pop();
        let low = self.b.ins().ireduce(narrow, a);
        let v = self.b.ins().sextend(ty, low);
        self.push(v);
    }

    fn reinterpret(&mut self, ty: Type) {
        let a = self.pop();
        let v = self.b.ins().bitcast(ty, MemFlagsData::new(), a);
        self.push(v);
    }

    /// Pushes a grow libcall's result narrowed to the index type `ty`,
    /// trapping first if it returned its "trap pending" marker (`-2`; `-1`
    /// is the ordinary failure result).
    fn push_grow_result(&mut self, old: Value, ty: Type) {
        let pending = self.b.ins().icmp_imm_s(IntCC::Equal, old, -2);
        self.b.ins().trapnz(pending, TrapCode::unwrap_user(TRAP_PENDING));
        let v = self.narrow(old, ty);
        self.push(v);
    }
}

#[derive(Debug, Clone, Copy)]
enum Ext {
    None,
    Signed,
    Unsigned,
}
