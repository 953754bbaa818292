use std::collections::HashMap;
use std::ops::Range;

use wasmparser::{Parser, Payload, Validator};

use crate::{ConstExpr, ConstOp, Features, FuncType, GlobalType, MemoryType, TableType, WasmError};

/// What kind of entity an import or export refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExternKind {
    /// A function.
    Func,
    /// A table.
    Table,
    /// A linear memory.
    Memory,
    /// A global.
    Global,
    /// An exception tag.
    Tag,
}

impl ExternKind {
    /// Lower-case name, as in the text format.
    pub fn name(self) -> &'static str {
        match self {
            ExternKind::Func => "func",
            ExternKind::Table => "table",
            ExternKind::Memory => "memory",
            ExternKind::Global => "global",
            ExternKind::Tag => "tag",
        }
    }
}

/// The type an import must satisfy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportKind {
    /// A function of the given type index.
    Func(u32),
    /// A table.
    Table(TableType),
    /// A memory.
    Memory(MemoryType),
    /// A global.
    Global(GlobalType),
    /// An exception tag of the given type index.
    Tag(u32),
}

/// One import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    /// Module name.
    pub module: String,
    /// Field name.
    pub name: String,
    /// Required type.
    pub kind: ImportKind,
}

/// One export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    /// Export name.
    pub name: String,
    /// Kind of entity.
    pub kind: ExternKind,
    /// Index in the module's index space for that kind.
    pub index: u32,
}

/// A global defined by the module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlobalDef {
    /// Its type.
    pub ty: GlobalType,
    /// Its initialiser.
    pub init: ConstExpr,
}

/// Where an element segment goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ElemKind {
    /// Copied into a table at instantiation.
    Active {
        /// Table index.
        table: u32,
        /// Offset expression.
        offset: ConstExpr,
    },
    /// Available to `table.init`.
    Passive,
    /// Only declares functions for `ref.func`.
    Declared,
}

/// An element segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElemSegment {
    /// Placement.
    pub kind: ElemKind,
    /// Element type.
    pub ty: crate::RefType,
    /// One constant expression per element.
    pub items: Box<[ConstExpr]>,
}

/// Where a data segment goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataKind {
    /// Copied into a memory at instantiation.
    Active {
        /// Memory index.
        memory: u32,
        /// Offset expression.
        offset: ConstExpr,
    },
    /// Available to `memory.init`.
    Passive,
}

/// A data segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataSegment {
    /// Placement.
    pub kind: DataKind,
    /// The bytes.
    pub bytes: Box<[u8]>,
}

/// A function body: where it lies in the module's bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FuncBody {
    /// Byte range of the body (locals and code) within the module binary.
    pub range: Range<usize>,
}

/// Everything about a module that does not depend on the execution tier.
#[derive(Debug, Clone, Default)]
pub struct ModuleInfo {
    /// Function signatures, by type index. Non-function types (GC) are
    /// recorded as empty signatures so indices stay aligned.
    pub types: Vec<FuncType>,
    /// Imports in order.
    pub imports: Vec<Import>,
    /// Exports in order.
    pub exports: Vec<Export>,
    /// Type index of every function, imported ones first.
    pub funcs: Vec<u32>,
    /// Every table, imported ones first.
    pub tables: Vec<TableType>,
    /// Every memory, imported ones first.
    pub memories: Vec<MemoryType>,
    /// Every global's type, imported ones first.
    pub globals: Vec<GlobalType>,
    /// Initial element values of defined tables that declare one
    /// (typed function references); other tables start out null.
    pub table_inits: Vec<(u32, ConstExpr)>,
    /// Initialisers of the defined globals.
    pub global_inits: Vec<ConstExpr>,
    /// Number of imported functions.
    pub num_imported_funcs: u32,
    /// Number of imported tables.
    pub num_imported_tables: u32,
    /// Number of imported memories.
    pub num_imported_memories: u32,
    /// Number of imported globals.
    pub num_imported_globals: u32,
    /// Start function.
    pub start: Option<u32>,
    /// Element segments.
    pub elems: Vec<ElemSegment>,
    /// Data segments.
    pub datas: Vec<DataSegment>,
    /// Bodies of the defined functions.
    pub bodies: Vec<FuncBody>,
    /// Module name from the `name` section.
    pub name: Option<String>,
    /// Function names from the `name` section.
    pub func_names: HashMap<u32, String>,
    /// Exports by name.
    pub export_index: HashMap<String, usize>,
}

impl ModuleInfo {
    /// Decodes and validates `bytes` in a single pass.
    pub fn parse(bytes: &[u8], features: Features) -> Result<ModuleInfo, WasmError> {
        Self::parse_with(bytes, features, true)
    }

    /// Decodes `bytes`, which were validated before (they come with code
    /// compiled from them), checking the module's structure but not its
    /// function bodies, the costly part of validation.
    pub fn parse_validated(bytes: &[u8], features: Features) -> Result<ModuleInfo, WasmError> {
        Self::parse_with(bytes, features, false)
    }

    fn parse_with(
        bytes: &[u8],
        features: Features,
        validate_bodies: bool,
    ) -> Result<ModuleInfo, WasmError> {
        let mut validator = Validator::new_with_features(features.to_wasmparser());
        let mut info = ModuleInfo::default();
        let mut allocs = wasmparser::FuncValidatorAllocations::default();
        let mut parser = Parser::new(0);
        // Features also decide how some bytes decode (e.g. 64-bit limits).
        parser.set_features(features.to_wasmparser());
        for payload in parser.parse_all(bytes) {
            let payload = payload?;
            if let wasmparser::ValidPayload::Func(func, body) = validator.payload(&payload)? {
                if validate_bodies {
                    let mut v = func.into_validator(std::mem::take(&mut allocs));
                    v.validate(&body)?;
                    allocs = v.into_allocations();
                }
                info.bodies.push(FuncBody {
                    range: body.range().start as usize..body.range().end as usize,
                });
            }
            info.record(payload)?;
        }
        info.export_index =
            info.exports.iter().enumerate().map(|(i, e)| (e.name.clone(), i)).collect();
        Ok(info)
    }

    fn record(&mut self, payload: Payload<'_>) -> Result<(), WasmError> {
        match payload {
            Payload::TypeSection(reader) => {
                for group in reader {
                    for sub in group?.types() {
                        let ty = match &sub.composite_type.inner {
                            wasmparser::CompositeInnerType::Func(f) => FuncType::new(
                                f.params().iter().map(|t| crate::ValType::from_wasmparser(*t)),
                                f.results().iter().map(|t| crate::ValType::from_wasmparser(*t)),
                            ),
                            _ => FuncType::new([], []),
                        };
                        self.types.push(ty);
                    }
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    let import = import?;
                    let kind = match import.ty {
                        wasmparser::TypeRef::Func(t) | wasmparser::TypeRef::FuncExact(t) => {
                            self.funcs.push(t);
                            self.num_imported_funcs += 1;
                            ImportKind::Func(t)
                        }
                        wasmparser::TypeRef::Table(t) => {
                            self.tables.push(t.into());
                            self.num_imported_tables += 1;
                            ImportKind::Table(t.into())
                        }
                        wasmparser::TypeRef::Memory(m) => {
                            self.memories.push(m.into());
                            self.num_imported_memories += 1;
                            ImportKind::Memory(m.into())
                        }
                        wasmparser::TypeRef::Global(g) => {
                            self.globals.push(g.into());
                            self.num_imported_globals += 1;
                            ImportKind::Global(g.into())
                        }
                        wasmparser::TypeRef::Tag(t) => ImportKind::Tag(t.func_type_idx),
                    };
                    self.imports.push(Import {
                        module: import.module.to_string(),
                        name: import.name.to_string(),
                        kind,
                    });
                }
            }
            Payload::FunctionSection(reader) => {
                for ty in reader {
                    self.funcs.push(ty?);
                }
            }
            Payload::TableSection(reader) => {
                for table in reader {
                    let table = table?;
                    self.tables.push(table.ty.into());
                    if let wasmparser::TableInit::Expr(expr) = table.init {
                        let index = self.tables.len() as u32 - 1;
                        self.table_inits.push((index, ConstExpr::parse(&expr)?));
                    }
                }
            }
            Payload::MemorySection(reader) => {
                for memory in reader {
                    self.memories.push(memory?.into());
                }
            }
            Payload::GlobalSection(reader) => {
                for global in reader {
                    let global = global?;
                    self.globals.push(global.ty.into());
                    self.global_inits.push(ConstExpr::parse(&global.init_expr)?);
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader {
                    let export = export?;
                    let kind = match export.kind {
                        wasmparser::ExternalKind::Func | wasmparser::ExternalKind::FuncExact => {
                            ExternKind::Func
                        }
                        wasmparser::ExternalKind::Table => ExternKind::Table,
                        wasmparser::ExternalKind::Memory => ExternKind::Memory,
                        wasmparser::ExternalKind::Global => ExternKind::Global,
                        wasmparser::ExternalKind::Tag => ExternKind::Tag,
                    };
                    self.exports.push(Export {
                        name: export.name.to_string(),
                        kind,
                        index: export.index,
                    });
                }
            }
            Payload::StartSection { func, .. } => self.start = Some(func),
            Payload::ElementSection(reader) => {
                for elem in reader {
                    let elem = elem?;
                    let kind = match elem.kind {
                        wasmparser::ElementKind::Active { table_index, offset_expr } => {
                            ElemKind::Active {
                                table: table_index.unwrap_or(0),
                                offset: ConstExpr::parse(&offset_expr)?,
                            }
                        }
                        wasmparser::ElementKind::Passive => ElemKind::Passive,
                        wasmparser::ElementKind::Declared => ElemKind::Declared,
                    };
                    let (ty, items) = match elem.items {
                        wasmparser::ElementItems::Functions(funcs) => {
                            let items = funcs
                                .into_iter()
                                .map(|f| f.map(|f| ConstExpr::single(ConstOp::RefFunc(f))))
                                .collect::<Result<Vec<_>, _>>()?;
                            (crate::RefType::FuncRef, items)
                        }
                        wasmparser::ElementItems::Expressions(ty, exprs) => {
                            let items = exprs
                                .into_iter()
                                .map(|e| ConstExpr::parse(&e?))
                                .collect::<Result<Vec<_>, _>>()?;
                            (crate::RefType::from_wasmparser(ty), items)
                        }
                    };
                    self.elems.push(ElemSegment { kind, ty, items: items.into() });
                }
            }
            Payload::DataSection(reader) => {
                for data in reader {
                    let data = data?;
                    let kind = match data.kind {
                        wasmparser::DataKind::Active { memory_index, offset_expr } => {
                            DataKind::Active {
                                memory: memory_index,
                                offset: ConstExpr::parse(&offset_expr)?,
                            }
                        }
                        wasmparser::DataKind::Passive => DataKind::Passive,
                    };
                    self.datas.push(DataSegment { kind, bytes: data.data.into() });
                }
            }
            Payload::CustomSection(reader) => {
                if let wasmparser::KnownCustom::Name(names) = reader.as_known() {
                    // A malformed name section is ignored, as the spec requires.
                    let _ = self.record_names(names);
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn record_names(&mut self, names: wasmparser::NameSectionReader<'_>) -> Result<(), WasmError> {
        for name in names {
            match name? {
                wasmparser::Name::Module { name, .. } => self.name = Some(name.to_string()),
                wasmparser::Name::Function(map) => {
                    for naming in map {
                        let naming = naming?;
                        self.func_names.insert(naming.index, naming.name.to_string());
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The signature of function `index`.
    pub fn func_type(&self, index: u32) -> &FuncType {
        &self.types[self.funcs[index as usize] as usize]
    }

    /// The export called `name`.
    pub fn export(&self, name: &str) -> Option<&Export> {
        self.export_index.get(name).map(|&i| &self.exports[i])
    }

    /// Number of functions defined (not imported) by the module.
    pub fn num_defined_funcs(&self) -> u32 {
        self.funcs.len() as u32 - self.num_imported_funcs
    }

    /// Byte offset, in the module binary, of the body of function
    /// `index`; `None` for imported functions.
    pub fn body_offset(&self, index: u32) -> Option<usize> {
        let defined = index.checked_sub(self.num_imported_funcs)?;
        self.bodies.get(defined as usize).map(|b| b.range.start)
    }
}
