//! Type descriptions: value, function, global, table, memory, extern,
//! import and export types.
//!
//! The four extern types share one representation, [`wasm_externtype_t`],
//! so `wasm_functype_as_externtype` and its inverse are pointer casts
//! checked by kind.

use std::mem::MaybeUninit;

use runtime::{ExternType, FuncType, GlobalType, MemoryType, RefType, TableType, ValType};

use crate::val::{WASM_EXTERNREF, WASM_F32, WASM_F64, WASM_FUNCREF, WASM_I32, WASM_I64, WISP_V128};
use crate::vec::{declare_vec, wasm_byte_vec_t};

/// A value type.
#[derive(Debug, Clone)]
pub struct wasm_valtype_t {
    pub(crate) ty: ValType,
}

impl wasm_valtype_t {
    fn boxed(ty: ValType) -> Option<Box<Self>> {
        Some(Box::new(Self { ty }))
    }
}

/// `min` and `max`, as C sees them.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct wasm_limits_t {
    pub(crate) min: u32,
    pub(crate) max: u32,
}

const NO_MAX: u32 = u32::MAX;

impl wasm_limits_t {
    fn new(min: u64, max: Option<u64>) -> Self {
        let clamp = |v: u64| u32::try_from(v).unwrap_or(u32::MAX);
        Self { min: clamp(min), max: max.map_or(NO_MAX, clamp) }
    }

    fn max(&self) -> Option<u64> {
        (self.max != NO_MAX).then_some(u64::from(self.max))
    }
}

/// The type of an external: a function, global, table or memory type.
#[derive(Debug, Clone)]
pub struct wasm_externtype_t {
    pub(crate) which: Which,
}

#[derive(Debug, Clone)]
pub(crate) enum Which {
    Func { params: wasm_valtype_vec_t, results: wasm_valtype_vec_t },
    Global { content: wasm_valtype_t, mutability: u8 },
    Table { element: wasm_valtype_t, limits: wasm_limits_t },
    Memory { limits: wasm_limits_t },
}

/// `wasm_functype_t`: an extern type of the function kind.
pub type wasm_functype_t = wasm_externtype_t;
/// `wasm_globaltype_t`: an extern type of the global kind.
pub type wasm_globaltype_t = wasm_externtype_t;
/// `wasm_tabletype_t`: an extern type of the table kind.
pub type wasm_tabletype_t = wasm_externtype_t;
/// `wasm_memorytype_t`: an extern type of the memory kind.
pub type wasm_memorytype_t = wasm_externtype_t;

pub(crate) const WASM_EXTERN_FUNC: u8 = 0;
pub(crate) const WASM_EXTERN_GLOBAL: u8 = 1;
pub(crate) const WASM_EXTERN_TABLE: u8 = 2;
pub(crate) const WASM_EXTERN_MEMORY: u8 = 3;

fn valtypes(tys: &[ValType]) -> wasm_valtype_vec_t {
    wasm_valtype_vec_t::from_vec(tys.iter().map(|&ty| wasm_valtype_t::boxed(ty)).collect())
}

impl wasm_externtype_t {
    pub(crate) fn new(ty: &ExternType) -> Option<Self> {
        let which = match ty {
            ExternType::Func(f) => {
                Which::Func { params: valtypes(f.params()), results: valtypes(f.results()) }
            }
            ExternType::Global(g) => Which::Global {
                content: wasm_valtype_t { ty: g.content },
                mutability: u8::from(g.mutable),
            },
            ExternType::Table(t) => Which::Table {
                element: wasm_valtype_t { ty: ValType::Ref(t.element) },
                limits: wasm_limits_t::new(t.minimum, t.maximum),
            },
            ExternType::Memory(m) => {
                Which::Memory { limits: wasm_limits_t::new(m.minimum, m.maximum) }
            }
            ExternType::Tag(_) => return None,
        };
        Some(Self { which })
    }

    pub(crate) fn boxed(ty: &ExternType) -> Option<Box<Self>> {
        Self::new(ty).map(Box::new)
    }

    pub(crate) fn kind(&self) -> u8 {
        match self.which {
            Which::Func { .. } => WASM_EXTERN_FUNC,
            Which::Global { .. } => WASM_EXTERN_GLOBAL,
            Which::Table { .. } => WASM_EXTERN_TABLE,
            Which::Memory { .. } => WASM_EXTERN_MEMORY,
        }
    }

    /// The runtime's function type, if this is one.
    pub(crate) fn func_type(&self) -> Option<FuncType> {
        match &self.which {
            Which::Func { params, results } => Some(FuncType::new(
                params.as_slice().iter().map(|t| t.as_ref().map_or(ValType::I32, |t| t.ty)),
                results.as_slice().iter().map(|t| t.as_ref().map_or(ValType::I32, |t| t.ty)),
            )),
            _ => None,
        }
    }

    pub(crate) fn global_type(&self) -> Option<GlobalType> {
        match &self.which {
            Which::Global { content, mutability } => {
                Some(GlobalType { content: content.ty, mutable: *mutability == 1 })
            }
            _ => None,
        }
    }

    pub(crate) fn table_type(&self) -> Option<TableType> {
        match &self.which {
            Which::Table { element: wasm_valtype_t { ty: ValType::Ref(element) }, limits } => {
                Some(TableType {
                    element: *element,
                    minimum: u64::from(limits.min),
                    maximum: limits.max(),
                    table64: false,
                })
            }
            _ => None,
        }
    }

    pub(crate) fn memory_type(&self) -> Option<MemoryType> {
        match &self.which {
            Which::Memory { limits } => Some(MemoryType {
                minimum: u64::from(limits.min),
                maximum: limits.max(),
                memory64: false,
                shared: false,
                page_size_log2: 16,
            }),
            _ => None,
        }
    }
}

/// An import's module name, name and type.
#[derive(Debug, Clone)]
pub struct wasm_importtype_t {
    module: wasm_byte_vec_t,
    name: wasm_byte_vec_t,
    ty: Box<wasm_externtype_t>,
}

/// An export's name and type.
#[derive(Debug, Clone)]
pub struct wasm_exporttype_t {
    name: wasm_byte_vec_t,
    ty: Box<wasm_externtype_t>,
}

impl wasm_importtype_t {
    pub(crate) fn new(module: &str, name: &str, ty: Box<wasm_externtype_t>) -> Box<Self> {
        Box::new(Self {
            module: wasm_byte_vec_t::from_str(module),
            name: wasm_byte_vec_t::from_str(name),
            ty,
        })
    }
}

impl wasm_exporttype_t {
    pub(crate) fn new(name: &str, ty: Box<wasm_externtype_t>) -> Box<Self> {
        Box::new(Self { name: wasm_byte_vec_t::from_str(name), ty })
    }
}

declare_vec!(
    wasm_valtype_vec_t,
    Option<Box<wasm_valtype_t>>,
    wasm_valtype_vec_new_empty,
    wasm_valtype_vec_new_uninitialized,
    wasm_valtype_vec_new,
    wasm_valtype_vec_copy,
    wasm_valtype_vec_delete
);
declare_vec!(
    wasm_functype_vec_t,
    Option<Box<wasm_functype_t>>,
    wasm_functype_vec_new_empty,
    wasm_functype_vec_new_uninitialized,
    wasm_functype_vec_new,
    wasm_functype_vec_copy,
    wasm_functype_vec_delete
);
declare_vec!(
    wasm_globaltype_vec_t,
    Option<Box<wasm_globaltype_t>>,
    wasm_globaltype_vec_new_empty,
    wasm_globaltype_vec_new_uninitialized,
    wasm_globaltype_vec_new,
    wasm_globaltype_vec_copy,
    wasm_globaltype_vec_delete
);
declare_vec!(
    wasm_tabletype_vec_t,
    Option<Box<wasm_tabletype_t>>,
    wasm_tabletype_vec_new_empty,
    wasm_tabletype_vec_new_uninitialized,
    wasm_tabletype_vec_new,
    wasm_tabletype_vec_copy,
    wasm_tabletype_vec_delete
);
declare_vec!(
    wasm_memorytype_vec_t,
    Option<Box<wasm_memorytype_t>>,
    wasm_memorytype_vec_new_empty,
    wasm_memorytype_vec_new_uninitialized,
    wasm_memorytype_vec_new,
    wasm_memorytype_vec_copy,
    wasm_memorytype_vec_delete
);
declare_vec!(
    wasm_externtype_vec_t,
    Option<Box<wasm_externtype_t>>,
    wasm_externtype_vec_new_empty,
    wasm_externtype_vec_new_uninitialized,
    wasm_externtype_vec_new,
    wasm_externtype_vec_copy,
    wasm_externtype_vec_delete
);
declare_vec!(
    wasm_importtype_vec_t,
    Option<Box<wasm_importtype_t>>,
    wasm_importtype_vec_new_empty,
    wasm_importtype_vec_new_uninitialized,
    wasm_importtype_vec_new,
    wasm_importtype_vec_copy,
    wasm_importtype_vec_delete
);
declare_vec!(
    wasm_exporttype_vec_t,
    Option<Box<wasm_exporttype_t>>,
    wasm_exporttype_vec_new_empty,
    wasm_exporttype_vec_new_uninitialized,
    wasm_exporttype_vec_new,
    wasm_exporttype_vec_copy,
    wasm_exporttype_vec_delete
);

/// Delete and copy of each type.
macro_rules! delete_copy {
    ($($ty:ident: $delete:ident, $copy:ident;)*) => {$(
        #[unsafe(no_mangle)]
        pub extern "C" fn $delete(_: Option<Box<$ty>>) {}

        #[unsafe(no_mangle)]
        pub extern "C" fn $copy(t: Option<&$ty>) -> Option<Box<$ty>> {
            t.map(|t| Box::new(t.clone()))
        }
    )*};
}

delete_copy! {
    wasm_valtype_t: wasm_valtype_delete, wasm_valtype_copy;
    wasm_functype_t: wasm_functype_delete, wasm_functype_copy;
    wasm_globaltype_t: wasm_globaltype_delete, wasm_globaltype_copy;
    wasm_tabletype_t: wasm_tabletype_delete, wasm_tabletype_copy;
    wasm_memorytype_t: wasm_memorytype_delete, wasm_memorytype_copy;
    wasm_externtype_t: wasm_externtype_delete, wasm_externtype_copy;
    wasm_importtype_t: wasm_importtype_delete, wasm_importtype_copy;
    wasm_exporttype_t: wasm_exporttype_delete, wasm_exporttype_copy;
}

pub(crate) fn valkind(ty: ValType) -> u8 {
    match ty {
        ValType::I32 => WASM_I32,
        ValType::I64 => WASM_I64,
        ValType::F32 => WASM_F32,
        ValType::F64 => WASM_F64,
        ValType::V128 => WISP_V128,
        ValType::Ref(RefType::ExternRef) => WASM_EXTERNREF,
        ValType::Ref(RefType::FuncRef) => WASM_FUNCREF,
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_valtype_new(kind: u8) -> Option<Box<wasm_valtype_t>> {
    let ty = match kind {
        WASM_I32 => ValType::I32,
        WASM_I64 => ValType::I64,
        WASM_F32 => ValType::F32,
        WASM_F64 => ValType::F64,
        WISP_V128 => ValType::V128,
        WASM_EXTERNREF => ValType::EXTERNREF,
        WASM_FUNCREF => ValType::FUNCREF,
        _ => return crate::error::fail(format!("unknown value kind {kind}")),
    };
    wasm_valtype_t::boxed(ty)
}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_valtype_kind(t: Option<&wasm_valtype_t>) -> u8 {
    t.map_or(WASM_I32, |t| valkind(t.ty))
}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_functype_new(
    params: Option<&mut wasm_valtype_vec_t>,
    results: Option<&mut wasm_valtype_vec_t>,
) -> Option<Box<wasm_functype_t>> {
    let take = |v: Option<&mut wasm_valtype_vec_t>| {
        wasm_valtype_vec_t::from_vec(v.map(|v| v.take()).unwrap_or_default())
    };
    let (params, results) = (take(params), take(results));
    if params.as_slice().iter().chain(results.as_slice()).any(Option::is_none) {
        return crate::error::fail("a function type's value types must not be NULL");
    }
    Some(Box::new(wasm_externtype_t { which: Which::Func { params, results } }))
}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_functype_params(t: Option<&wasm_functype_t>) -> Option<&wasm_valtype_vec_t> {
    match &t?.which {
        Which::Func { params, .. } => Some(params),
        _ => None,
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_functype_results(
    t: Option<&wasm_functype_t>,
) -> Option<&wasm_valtype_vec_t> {
    match &t?.which {
        Which::Func { results, .. } => Some(results),
        _ => None,
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_globaltype_new(
    content: Option<Box<wasm_valtype_t>>,
    mutability: u8,
) -> Option<Box<wasm_globaltype_t>> {
    let Some(content) = content else { return crate::error::fail("no value type given") };
    if mutability > 1 {
        return crate::error::fail(format!("unknown mutability {mutability}"));
    }
    Some(Box::new(wasm_externtype_t { which: Which::Global { content: *content, mutability } }))
}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_globaltype_content(
    t: Option<&wasm_globaltype_t>,
) -> Option<&wasm_valtype_t> {
    match &t?.which {
        Which::Global { content, .. } => Some(content),
        _ => None,
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_globaltype_mutability(t: Option<&wasm_globaltype_t>) -> u8 {
    match t.map(|t| &t.which) {
        Some(Which::Global { mutability, .. }) => *mutability,
        _ => 0,
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_tabletype_new(
    element: Option<Box<wasm_valtype_t>>,
    limits: Option<&wasm_limits_t>,
) -> Option<Box<wasm_tabletype_t>> {
    let (Some(element), Some(limits)) = (element, limits) else {
        return crate::error::fail("a table type needs an element type and limits");
    };
    if !matches!(element.ty, ValType::Ref(_)) {
        return crate::error::fail("a table's element type must be a reference type");
    }
    Some(Box::new(wasm_externtype_t { which: Which::Table { element: *element, limits: *limits } }))
}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_tabletype_element(t: Option<&wasm_tabletype_t>) -> Option<&wasm_valtype_t> {
    match &t?.which {
        Which::Table { element, .. } => Some(element),
        _ => None,
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_tabletype_limits(t: Option<&wasm_tabletype_t>) -> Option<&wasm_limits_t> {
    match &t?.which {
        Which::Table { limits, .. } => Some(limits),
        _ => None,
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_memorytype_new(
    limits: Option<&wasm_limits_t>,
) -> Option<Box<wasm_memorytype_t>> {
    let Some(limits) = limits else { return crate::error::fail("no limits given") };
    Some(Box::new(wasm_externtype_t { which: Which::Memory { limits: *limits } }))
}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_memorytype_limits(t: Option<&wasm_memorytype_t>) -> Option<&wasm_limits_t> {
    match &t?.which {
        Which::Memory { limits } => Some(limits),
        _ => None,
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_externtype_kind(t: Option<&wasm_externtype_t>) -> u8 {
    t.map_or(WASM_EXTERN_FUNC, |t| t.kind())
}

/// The views between the four extern types and `wasm_externtype_t`: the
/// same pointer, checked by kind where it narrows.
macro_rules! type_views {
    ($($kind:ident: $to:ident, $to_const:ident, $from:ident, $from_const:ident;)*) => {$(
        #[unsafe(no_mangle)]
        pub extern "C" fn $to(t: Option<&mut wasm_externtype_t>) -> Option<&mut wasm_externtype_t> {
            t.filter(|t| t.kind() == $kind)
        }

        #[unsafe(no_mangle)]
        pub extern "C" fn $to_const(t: Option<&wasm_externtype_t>) -> Option<&wasm_externtype_t> {
            t.filter(|t| t.kind() == $kind)
        }

        #[unsafe(no_mangle)]
        pub extern "C" fn $from(t: Option<&mut wasm_externtype_t>) -> Option<&mut wasm_externtype_t> {
            t.filter(|t| t.kind() == $kind)
        }

        #[unsafe(no_mangle)]
        pub extern "C" fn $from_const(t: Option<&wasm_externtype_t>) -> Option<&wasm_externtype_t> {
            t.filter(|t| t.kind() == $kind)
        }
    )*};
}

type_views! {
    WASM_EXTERN_FUNC: wasm_functype_as_externtype, wasm_functype_as_externtype_const,
        wasm_externtype_as_functype, wasm_externtype_as_functype_const;
    WASM_EXTERN_GLOBAL: wasm_globaltype_as_externtype, wasm_globaltype_as_externtype_const,
        wasm_externtype_as_globaltype, wasm_externtype_as_globaltype_const;
    WASM_EXTERN_TABLE: wasm_tabletype_as_externtype, wasm_tabletype_as_externtype_const,
        wasm_externtype_as_tabletype, wasm_externtype_as_tabletype_const;
    WASM_EXTERN_MEMORY: wasm_memorytype_as_externtype, wasm_memorytype_as_externtype_const,
        wasm_externtype_as_memorytype, wasm_externtype_as_memorytype_const;
}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_importtype_new(
    module: Option<&mut wasm_byte_vec_t>,
    name: Option<&mut wasm_byte_vec_t>,
    ty: Option<Box<wasm_externtype_t>>,
) -> Option<Box<wasm_importtype_t>> {
    let (Some(module), Some(name), Some(ty)) = (module, name, ty) else {
        return crate::error::fail("an import type needs a module name, a name and a type");
    };
    Some(Box::new(wasm_importtype_t {
        module: wasm_byte_vec_t::from_vec(module.take()),
        name: wasm_byte_vec_t::from_vec(name.take()),
        ty,
    }))
}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_importtype_module(
    t: Option<&wasm_importtype_t>,
) -> Option<&wasm_byte_vec_t> {
    Some(&t?.module)
}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_importtype_name(t: Option<&wasm_importtype_t>) -> Option<&wasm_byte_vec_t> {
    Some(&t?.name)
}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_importtype_type(
    t: Option<&wasm_importtype_t>,
) -> Option<&wasm_externtype_t> {
    Some(&t?.ty)
}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_exporttype_new(
    name: Option<&mut wasm_byte_vec_t>,
    ty: Option<Box<wasm_externtype_t>>,
) -> Option<Box<wasm_exporttype_t>> {
    let (Some(name), Some(ty)) = (name, ty) else {
        return crate::error::fail("an export type needs a name and a type");
    };
    Some(Box::new(wasm_exporttype_t { name: wasm_byte_vec_t::from_vec(name.take()), ty }))
}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_exporttype_name(t: Option<&wasm_exporttype_t>) -> Option<&wasm_byte_vec_t> {
    Some(&t?.name)
}

#[unsafe(no_mangle)]
pub extern "C" fn wasm_exporttype_type(
    t: Option<&wasm_exporttype_t>,
) -> Option<&wasm_externtype_t> {
    Some(&t?.ty)
}

/// Writes the type of each import and export of a module.
pub(crate) fn write_types<T>(
    out: Option<&mut MaybeUninit<crate::vec::Vector<Option<Box<T>>>>>,
    v: Vec<Box<T>>,
) {
    crate::vec::write_out(out, v.into_iter().map(Some).collect());
}
