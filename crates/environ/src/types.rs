use std::fmt;

/// A reference type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefType {
    /// `funcref`: a nullable reference to a function.
    FuncRef,
    /// `externref`: a nullable reference to a host value.
    ExternRef,
}

/// A WebAssembly value type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValType {
    /// 32-bit integer.
    I32,
    /// 64-bit integer.
    I64,
    /// 32-bit IEEE float.
    F32,
    /// 64-bit IEEE float.
    F64,
    /// 128-bit vector.
    V128,
    /// A reference.
    Ref(RefType),
}

impl ValType {
    /// `funcref`.
    pub const FUNCREF: ValType = ValType::Ref(RefType::FuncRef);
    /// `externref`.
    pub const EXTERNREF: ValType = ValType::Ref(RefType::ExternRef);

    /// How many 64-bit cells a value of this type occupies in a frame.
    pub fn cells(self) -> u32 {
        match self {
            ValType::V128 => 2,
            _ => 1,
        }
    }

    /// Converts a validated wasmparser type. Types beyond those Wisp
    /// executes (typed function references, GC) map to their nearest
    /// nullable abstract reference.
    pub fn from_wasmparser(ty: wasmparser::ValType) -> ValType {
        match ty {
            wasmparser::ValType::I32 => ValType::I32,
            wasmparser::ValType::I64 => ValType::I64,
            wasmparser::ValType::F32 => ValType::F32,
            wasmparser::ValType::F64 => ValType::F64,
            wasmparser::ValType::V128 => ValType::V128,
            wasmparser::ValType::Ref(r) => ValType::Ref(RefType::from_wasmparser(r)),
        }
    }
}

impl RefType {
    /// Converts a validated wasmparser reference type.
    pub fn from_wasmparser(ty: wasmparser::RefType) -> RefType {
        use wasmparser::{AbstractHeapType, HeapType};
        match ty.heap_type() {
            HeapType::Abstract {
                ty: AbstractHeapType::Extern | AbstractHeapType::NoExtern,
                ..
            } => RefType::ExternRef,
            _ => RefType::FuncRef,
        }
    }
}

impl fmt::Display for RefType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RefType::FuncRef => "funcref",
            RefType::ExternRef => "externref",
        })
    }
}

impl fmt::Display for ValType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValType::I32 => f.write_str("i32"),
            ValType::I64 => f.write_str("i64"),
            ValType::F32 => f.write_str("f32"),
            ValType::F64 => f.write_str("f64"),
            ValType::V128 => f.write_str("v128"),
            ValType::Ref(r) => r.fmt(f),
        }
    }
}

/// The signature of a function.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FuncType {
    params: Box<[ValType]>,
    results: Box<[ValType]>,
}

impl FuncType {
    /// A signature from its parameter and result types.
    pub fn new(
        params: impl IntoIterator<Item = ValType>,
        results: impl IntoIterator<Item = ValType>,
    ) -> Self {
        Self { params: params.into_iter().collect(), results: results.into_iter().collect() }
    }

    /// Parameter types.
    pub fn params(&self) -> &[ValType] {
        &self.params
    }

    /// Result types.
    pub fn results(&self) -> &[ValType] {
        &self.results
    }

    /// Frame cells taken by the parameters.
    pub fn param_cells(&self) -> u32 {
        self.params.iter().map(|t| t.cells()).sum()
    }

    /// Frame cells taken by the results.
    pub fn result_cells(&self) -> u32 {
        self.results.iter().map(|t| t.cells()).sum()
    }
}

impl fmt::Display for FuncType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |f: &mut fmt::Formatter<'_>, tys: &[ValType]| -> fmt::Result {
            f.write_str("(")?;
            for (i, t) in tys.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{t}")?;
            }
            f.write_str(")")
        };
        f.write_str("func")?;
        list(f, &self.params)?;
        f.write_str(" -> ")?;
        list(f, &self.results)
    }
}

/// A table's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TableType {
    /// Element type.
    pub element: RefType,
    /// Initial number of elements.
    pub minimum: u64,
    /// Maximum number of elements, if bounded.
    pub maximum: Option<u64>,
    /// Indexed by i64 (memory64 proposal).
    pub table64: bool,
}

/// A linear memory's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MemoryType {
    /// Initial size in pages.
    pub minimum: u64,
    /// Maximum size in pages, if bounded.
    pub maximum: Option<u64>,
    /// Indexed by i64 (memory64 proposal).
    pub memory64: bool,
    /// Shared between threads (threads proposal).
    pub shared: bool,
    /// log2 of the page size (16 unless the custom-page-sizes proposal is used).
    pub page_size_log2: u8,
}

impl MemoryType {
    /// The largest number of pages the index type allows.
    pub fn absolute_max_pages(&self) -> u64 {
        let addr_bits = if self.memory64 { 64 } else { 32 };
        if addr_bits - u32::from(self.page_size_log2) >= 64 {
            u64::MAX
        } else {
            1u64 << (addr_bits - u32::from(self.page_size_log2))
        }
    }
}

/// A global's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GlobalType {
    /// Type of the value.
    pub content: ValType,
    /// Whether `global.set` may change it.
    pub mutable: bool,
}

impl From<wasmparser::TableType> for TableType {
    fn from(t: wasmparser::TableType) -> Self {
        Self {
            element: RefType::from_wasmparser(t.element_type),
            minimum: t.initial,
            maximum: t.maximum,
            table64: t.table64,
        }
    }
}

impl From<wasmparser::MemoryType> for MemoryType {
    fn from(t: wasmparser::MemoryType) -> Self {
        Self {
            minimum: t.initial,
            maximum: t.maximum,
            memory64: t.memory64,
            shared: t.shared,
            page_size_log2: t.page_size_log2() as u8,
        }
    }
}

impl From<wasmparser::GlobalType> for GlobalType {
    fn from(t: wasmparser::GlobalType) -> Self {
        Self { content: ValType::from_wasmparser(t.content_type), mutable: t.mutable }
    }
}
