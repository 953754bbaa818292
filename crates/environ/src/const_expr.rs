use crate::{RefType, WasmError};

/// One operator of a constant expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)] // each variant is the operator it names
pub enum ConstOp {
    I32(i32),
    I64(i64),
    F32(u32),
    F64(u64),
    V128(u128),
    RefNull(RefType),
    RefFunc(u32),
    GlobalGet(u32),
    I32Add,
    I32Sub,
    I32Mul,
    I64Add,
    I64Sub,
    I64Mul,
}

/// A validated constant expression (global initialisers, segment offsets
/// and element items), kept as a short stack program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConstExpr {
    ops: Box<[ConstOp]>,
}

impl ConstExpr {
    /// A constant expression made of one operator.
    pub fn single(op: ConstOp) -> Self {
        Self { ops: Box::new([op]) }
    }

    /// The operators in order.
    pub fn ops(&self) -> &[ConstOp] {
        &self.ops
    }

    /// Decodes a constant expression that the validator has accepted.
    pub fn parse(expr: &wasmparser::ConstExpr<'_>) -> Result<Self, WasmError> {
        use wasmparser::Operator as O;
        let mut ops = Vec::new();
        let mut reader = expr.get_operators_reader();
        while !reader.eof() {
            let offset = reader.original_position();
            let op = match reader.read()? {
                O::I32Const { value } => ConstOp::I32(value),
                O::I64Const { value } => ConstOp::I64(value),
                O::F32Const { value } => ConstOp::F32(value.bits()),
                O::F64Const { value } => ConstOp::F64(value.bits()),
                O::V128Const { value } => ConstOp::V128(value.i128() as u128),
                O::RefNull { hty } => ConstOp::RefNull(heap_ref(hty)),
                O::RefFunc { function_index } => ConstOp::RefFunc(function_index),
                O::GlobalGet { global_index } => ConstOp::GlobalGet(global_index),
                O::I32Add => ConstOp::I32Add,
                O::I32Sub => ConstOp::I32Sub,
                O::I32Mul => ConstOp::I32Mul,
                O::I64Add => ConstOp::I64Add,
                O::I64Sub => ConstOp::I64Sub,
                O::I64Mul => ConstOp::I64Mul,
                O::End => continue,
                other => {
                    return Err(WasmError::at(
                        format!("unsupported constant expression operator {other:?}"),
                        offset as usize,
                    ));
                }
            };
            ops.push(op);
        }
        Ok(Self { ops: ops.into() })
    }
}

fn heap_ref(hty: wasmparser::HeapType) -> RefType {
    use wasmparser::{AbstractHeapType, HeapType};
    match hty {
        HeapType::Abstract {
            ty: AbstractHeapType::Extern | AbstractHeapType::NoExtern, ..
        } => RefType::ExternRef,
        _ => RefType::FuncRef,
    }
}
