//! Per-signature glue between the host and compiled code.
//!
//! * The **entry trampoline** lets the runtime call a compiled function of
//!   a given signature: `extern "C" fn(code, callee_vmctx, caller_vmctx,
//!   values)` loads the arguments from an array of 64-bit cells, calls
//!   `code`, and stores the results back into the same array.
//! * The **host adapter** has the signature of a Wasm function, so compiled
//!   code calls host functions exactly as it calls Wasm ones (directly,
//!   through imports or tables). Its "VM context" is the host function's
//!   store index; it spills the arguments to the stack and asks the runtime
//!   to run the function.

use cranelift_codegen::ir::types::{I8X16, I64};
use cranelift_codegen::ir::{
    self, AbiParam, InstBuilder, MemFlagsData, Signature, StackSlotData, StackSlotKind, TrapCode,
    UserFuncName,
};
use cranelift_codegen::isa::TargetFrontendConfig;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use wisp_environ::{FuncType, Libcall, TRAP_PENDING, vmoffsets};

use crate::Settings;
use crate::func::{clif_type, trusted, wasm_signature};

fn cell_flags(ty: ir::Type) -> MemFlagsData {
    let flags = trusted().with_endianness(ir::Endianness::Little);
    if ty == I8X16 { MemFlagsData::new().with_endianness(ir::Endianness::Little) } else { flags }
}

/// Byte offsets of each value in the cell array.
fn cell_offsets(types: &[wisp_environ::ValType]) -> Vec<i32> {
    let mut at = 0;
    types
        .iter()
        .map(|t| {
            let o = at;
            at += 8 * t.cells() as i32;
            o
        })
        .collect()
}

pub(crate) fn entry(
    ty: &FuncType,
    settings: &Settings,
    frontend: TargetFrontendConfig,
    fctx: &mut FunctionBuilderContext,
) -> ir::Function {
    let mut sig = Signature::new(settings.host_call_conv);
    sig.params.extend([AbiParam::new(I64); 4]);
    let mut func = ir::Function::with_name_signature(UserFuncName::user(1, 0), sig);
    let mut b = FunctionBuilder::new(&mut func, fctx);
    let block = b.create_block();
    b.append_block_params_for_function_params(block);
    b.switch_to_block(block);
    b.seal_block(block);
    let p = b.block_params(block).to_vec();
    let (code, callee, caller, values) = (p[0], p[1], p[2], p[3]);
    let mut args = vec![callee, caller];
    for (t, off) in ty.params().iter().zip(cell_offsets(ty.params())) {
        let ct = clif_type(*t);
        args.push(b.ins().load(ct, cell_flags(ct), values, off));
    }
    let wasm_sig = b.import_signature(wasm_signature(ty));
    let call = b.ins().call_indirect(wasm_sig, code, &args);
    let results = b.inst_results(call).to_vec();
    for (v, off) in results.into_iter().zip(cell_offsets(ty.results())) {
        let ct = b.func.dfg.value_type(v);
        b.ins().store(cell_flags(ct), v, values, off);
    }
    b.ins().return_(&[]);
    b.finalize(frontend);
    func
}

pub(crate) fn host_adapter(
    ty: &FuncType,
    settings: &Settings,
    frontend: TargetFrontendConfig,
    fctx: &mut FunctionBuilderContext,
) -> ir::Function {
    let mut func = ir::Function::with_name_signature(UserFuncName::user(2, 0), wasm_signature(ty));
    let mut b = FunctionBuilder::new(&mut func, fctx);
    let block = b.create_block();
    b.append_block_params_for_function_params(block);
    b.switch_to_block(block);
    b.seal_block(block);
    let p = b.block_params(block).to_vec();
    let (func_index, caller) = (p[0], p[1]);
    let cells = ty.param_cells().max(ty.result_cells()).max(1);
    let slot =
        b.create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, cells * 8, 4));
    let values = b.ins().stack_addr(I64, slot, 0);
    for ((v, t), off) in p[2..].iter().zip(ty.params()).zip(cell_offsets(ty.params())) {
        let ct = clif_type(*t);
        b.ins().store(cell_flags(ct), *v, values, off);
    }
    let mut lsig = Signature::new(settings.host_call_conv);
    lsig.params.extend([AbiParam::new(I64); 3]);
    lsig.returns.push(AbiParam::new(I64));
    let lsig = b.import_signature(lsig);
    let store = b.ins().load(I64, trusted(), caller, 0);
    let table = b.ins().load(I64, trusted(), store, vmoffsets::store::LIBCALLS);
    let f = b.ins().load(I64, trusted(), table, Libcall::HostCall as i32 * 8);
    let call = b.ins().call_indirect(lsig, f, &[caller, func_index, values]);
    let status = b.inst_results(call)[0];
    b.ins().trapnz(status, TrapCode::unwrap_user(TRAP_PENDING));
    let mut results = Vec::new();
    for (t, off) in ty.results().iter().zip(cell_offsets(ty.results())) {
        let ct = clif_type(*t);
        results.push(b.ins().load(ct, cell_flags(ct), values, off));
    }
    b.ins().return_(&results);
    b.finalize(frontend);
    func
}
