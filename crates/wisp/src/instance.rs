//! Instances and instantiation.

use wisp_environ::{
    ConstExpr, ConstOp, DataKind, ElemKind, ExternKind, ImportKind, MemoryType, TableType,
};

use crate::store::{FuncEntity, GlobalEntity, InstanceEntity, StoreInner};
use crate::stored::{InstanceKind, Stored};
use crate::vm::table::TableData;
use crate::{
    AsContext, AsContextMut, Error, Extern, Func, Global, Memory, Module, Result, Store, Table,
    Trap, TypedFunc, WasmParams, WasmResults,
};

/// An instantiated module: its functions, memories, tables and globals
/// live in the store that created it.
///
/// Valid only with the store that created it; see the crate docs for what
/// happens otherwise.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Instance(pub(crate) Stored<InstanceKind>);

impl Instance {
    /// Instantiates `module` with `imports` given in the order of the
    /// module's imports, then runs its start function.
    pub fn new<T>(
        mut store: impl AsContextMut<Data = T>,
        module: &Module,
        imports: &[Extern],
    ) -> Result<Instance> {
        instantiate(store.as_context_mut().0, module, imports)
    }

    /// The export called `name`.
    ///
    /// # Panics
    /// If `store` did not create the instance (as every method of
    /// `Instance` that does not return a [`wisp::Error`](crate::Error)).
    pub fn get_export(&self, store: impl AsContext, name: &str) -> Option<Extern> {
        let ctx = store.as_context();
        let inner = ctx.inner_ref();
        export_of(inner, self.0.expect_in(inner), name)
    }

    /// All exports, in order.
    pub fn exports(&self, store: impl AsContext) -> Vec<(String, Extern)> {
        let ctx = store.as_context();
        let inner = ctx.inner_ref();
        let index = self.0.expect_in(inner);
        let module = &inner.instance(index).module;
        module
            .info()
            .exports
            .iter()
            .filter_map(|e| Some((e.name.clone(), export_of(inner, index, &e.name)?)))
            .collect()
    }

    /// The exported function called `name`.
    pub fn get_func(&self, store: impl AsContext, name: &str) -> Option<Func> {
        self.get_export(store, name)?.into_func()
    }

    /// The exported function called `name`, with a static signature.
    pub fn get_typed_func<P: WasmParams, R: WasmResults>(
        &self,
        store: impl AsContext,
        name: &str,
    ) -> Result<TypedFunc<P, R>> {
        self.0.index_in(store.as_context().inner_ref())?;
        let f = self
            .get_func(&store, name)
            .ok_or_else(|| Error::link(format!("no exported function named `{name}`")))?;
        f.typed(&store)
    }

    /// The exported memory called `name`.
    pub fn get_memory(&self, store: impl AsContext, name: &str) -> Option<Memory> {
        self.get_export(store, name)?.into_memory()
    }

    /// The exported table called `name`.
    pub fn get_table(&self, store: impl AsContext, name: &str) -> Option<Table> {
        self.get_export(store, name)?.into_table()
    }

    /// The exported global called `name`.
    pub fn get_global(&self, store: impl AsContext, name: &str) -> Option<Global> {
        self.get_export(store, name)?.into_global()
    }
}

pub(crate) fn export_of(inner: &StoreInner, instance: u32, name: &str) -> Option<Extern> {
    let inst = inner.instance(instance);
    let e = inst.module.info().export(name)?;
    let id = inner.id();
    let i = e.index as usize;
    Some(match e.kind {
        ExternKind::Func => Extern::Func(Func::from_raw(id, inst.funcs[i])),
        ExternKind::Table => Extern::Table(Table(Stored::new(id, inst.tables[i]))),
        ExternKind::Memory => Extern::Memory(Memory(Stored::new(id, inst.memories[i]))),
        ExternKind::Global => Extern::Global(Global(Stored::new(id, inst.globals[i]))),
        ExternKind::Tag => return None,
    })
}

fn table_matches(actual: &TableType, required: &TableType) -> bool {
    actual.element == required.element
        && actual.table64 == required.table64
        && actual.minimum >= required.minimum
        && match required.maximum {
            None => true,
            Some(max) => actual.maximum.is_some_and(|a| a <= max),
        }
}

fn memory_matches(actual: &MemoryType, required: &MemoryType) -> bool {
    actual.memory64 == required.memory64
        && actual.shared == required.shared
        && actual.page_size_log2 == required.page_size_log2
        && actual.minimum >= required.minimum
        && match required.maximum {
            None => true,
            Some(max) => actual.maximum.is_some_and(|a| a <= max),
        }
}

/// Checks one import against what the module requires.
/// `index` is the import's store index (`ext` belongs to `inner`).
fn check_import(
    inner: &StoreInner,
    module: &Module,
    kind: &ImportKind,
    ext: &Extern,
    index: u32,
) -> Result<(), String> {
    match (kind, ext) {
        (ImportKind::Func(t), Extern::Func(_)) => {
            let actual = inner.func(index).type_id();
            if actual != module.type_id(*t) {
                return Err(format!(
                    "expected {}, found {}",
                    module.info().types[*t as usize],
                    inner.func_ty(index)
                ));
            }
        }
        (ImportKind::Table(want), Extern::Table(_)) => {
            let data = inner.table(index);
            let actual = TableType { minimum: data.size(), ..data.ty };
            if !table_matches(&actual, want) {
                return Err(format!("table type {actual:?} does not match {want:?}"));
            }
        }
        (ImportKind::Memory(want), Extern::Memory(_)) => {
            let mem = inner.memory(index);
            let actual = MemoryType { minimum: mem.pages(), ..mem.ty() };
            if !memory_matches(&actual, want) {
                return Err(format!("memory type {actual:?} does not match {want:?}"));
            }
        }
        (ImportKind::Global(want), Extern::Global(_)) => {
            let actual = inner.global(index).ty;
            if actual != *want {
                return Err(format!("global type {actual:?} does not match {want:?}"));
            }
        }
        (ImportKind::Tag(_), _) => return Err("exception tags are not supported".into()),
        (want, _) => {
            return Err(format!("expected a {}, found a different kind", kind_name(want)));
        }
    }
    Ok(())
}

fn kind_name(kind: &ImportKind) -> &'static str {
    match kind {
        ImportKind::Func(_) => "function",
        ImportKind::Table(_) => "table",
        ImportKind::Memory(_) => "memory",
        ImportKind::Global(_) => "global",
        ImportKind::Tag(_) => "tag",
    }
}

/// Evaluates a constant expression to a 128-bit cell pair, for an instance
/// whose globals and functions are `globals` and `funcs` among the store's.
fn eval_const(
    store_globals: &[Box<GlobalEntity>],
    globals: &[u32],
    funcs: &[u32],
    expr: &ConstExpr,
) -> u128 {
    // Nearly every expression is one constant: no stack needed.
    match expr.ops() {
        [ConstOp::I32(v)] => return u128::from(*v as u32),
        [ConstOp::I64(v)] => return u128::from(*v as u64),
        [ConstOp::RefNull(_)] => return 0,
        [ConstOp::RefFunc(f)] => return u128::from(funcs[*f as usize]) + 1,
        _ => {}
    }
    let mut stack: Vec<u128> = Vec::with_capacity(2);
    for op in expr.ops() {
        let v = match *op {
            ConstOp::I32(v) => u128::from(v as u32),
            ConstOp::I64(v) => u128::from(v as u64),
            ConstOp::F32(v) => u128::from(v),
            ConstOp::F64(v) => u128::from(v),
            ConstOp::V128(v) => v,
            ConstOp::RefNull(_) => 0,
            ConstOp::RefFunc(f) => u128::from(funcs[f as usize]) + 1,
            ConstOp::GlobalGet(g) => store_globals[globals[g as usize] as usize].value,
            ConstOp::I32Add | ConstOp::I32Sub | ConstOp::I32Mul => {
                let b = stack.pop().unwrap_or(0) as u32;
                let a = stack.pop().unwrap_or(0) as u32;
                u128::from(match op {
                    ConstOp::I32Add => a.wrapping_add(b),
                    ConstOp::I32Sub => a.wrapping_sub(b),
                    _ => a.wrapping_mul(b),
                })
            }
            ConstOp::I64Add | ConstOp::I64Sub | ConstOp::I64Mul => {
                let b = stack.pop().unwrap_or(0) as u64;
                let a = stack.pop().unwrap_or(0) as u64;
                u128::from(match op {
                    ConstOp::I64Add => a.wrapping_add(b),
                    ConstOp::I64Sub => a.wrapping_sub(b),
                    _ => a.wrapping_mul(b),
                })
            }
        };
        stack.push(v);
    }
    stack.pop().unwrap_or(0)
}

pub(crate) fn instantiate<T>(
    store: &mut Store<T>,
    module: &Module,
    imports: &[Extern],
) -> Result<Instance> {
    if !crate::Engine::same(store.engine(), module.engine()) {
        return Err(Error::link("module and store belong to different engines"));
    }
    let info = module.info();
    if imports.len() != info.imports.len() {
        return Err(Error::link(format!(
            "module has {} import(s), {} given",
            info.imports.len(),
            imports.len()
        )));
    }
    let inner = &mut store.inner;
    inner.check_counts(
        1,
        info.memories.len() - info.num_imported_memories as usize,
        info.tables.len() - info.num_imported_tables as usize,
    )?;
    let mut funcs = Vec::with_capacity(info.funcs.len());
    let mut tables = Vec::with_capacity(info.tables.len());
    let mut memories = Vec::with_capacity(info.memories.len());
    let mut globals = Vec::with_capacity(info.globals.len());
    for (import, ext) in info.imports.iter().zip(imports) {
        let index = ext.index_in(inner)?;
        check_import(inner, module, &import.kind, ext, index).map_err(|why| {
            Error::link(format!(
                "incompatible import type for `{}::{}`: {why}",
                import.module, import.name
            ))
        })?;
        match ext {
            Extern::Func(_) => funcs.push(index),
            Extern::Table(_) => tables.push(index),
            Extern::Memory(_) => memories.push(index),
            Extern::Global(_) => globals.push(index),
        }
    }
    let instance_index = inner.instances().len() as u32;
    let mark = inner.mark();
    let entities = (&mut funcs, &mut tables, &mut memories, &mut globals);
    if let Err(e) = define_entities(inner, module, instance_index, entities) {
        // Nothing may refer to an instance that does not exist.
        inner.roll_back(mark);
        return Err(e);
    }
    let mut dropped_datas = vec![false; info.datas.len()];
    #[cfg(target_os = "linux")]
    if let Some(image) = module.memory_image()
        && image.map_into(inner.memory_mut(memories[0]))
    {
        // Those segments are in place already.
        for &i in &image.segments {
            dropped_datas[i] = true;
        }
    }
    // Only passive segments are kept: active ones are written straight
    // into their tables, and they and declared ones are then dropped.
    let elems: Box<[Box<[u64]>]> = info
        .elems
        .iter()
        .map(|seg| match seg.kind {
            ElemKind::Passive => seg
                .items
                .iter()
                .map(|e| eval_const(inner.globals(), &globals, &funcs, e) as u64)
                .collect(),
            ElemKind::Active { .. } | ElemKind::Declared => Box::default(),
        })
        .collect();
    inner.push_instance(InstanceEntity {
        module: module.clone(),
        funcs: funcs.into(),
        tables: tables.into(),
        memories: memories.into(),
        globals: globals.into(),
        elems,
        dropped_datas: dropped_datas.into(),
        compiled: None,
    });
    if let Some(code) = module.loaded_code() {
        crate::compiled::instantiate(inner, instance_index, code.clone());
    }
    let instance = Instance(Stored::new(inner.id(), instance_index));
    initialize_segments(inner, instance_index)?;
    if let Some(start) = info.start {
        let func = inner.func_index_of(instance_index, start);
        crate::call::invoke(store, func, &mut [])?;
    }
    Ok(instance)
}

/// The store indices of an instance's functions, tables, memories and
/// globals, imported ones first.
type EntityLists<'a> = (&'a mut Vec<u32>, &'a mut Vec<u32>, &'a mut Vec<u32>, &'a mut Vec<u32>);

/// Adds the functions, globals, tables and memories `module` defines to the
/// store, for instance `instance`, appending their indices to `lists`.
fn define_entities(
    inner: &mut StoreInner,
    module: &Module,
    instance: u32,
    (funcs, tables, memories, globals): EntityLists<'_>,
) -> Result<()> {
    let info = module.info();
    for index in info.num_imported_funcs..info.funcs.len() as u32 {
        let type_id = module.type_id(info.funcs[index as usize]);
        funcs.push(inner.push_func(FuncEntity::Wasm { instance, index, type_id }));
    }
    for (i, init) in info.global_inits.iter().enumerate() {
        let ty = info.globals[info.num_imported_globals as usize + i];
        let value = eval_const(inner.globals(), globals, funcs, init);
        globals.push(inner.push_global(GlobalEntity { ty, value }));
    }
    for (i, ty) in info.tables.iter().enumerate().skip(info.num_imported_tables as usize) {
        let init = info
            .table_inits
            .iter()
            .find(|(t, _)| *t as usize == i)
            .map_or(0, |(_, e)| eval_const(inner.globals(), globals, funcs, e) as u64);
        let table = TableData::new(*ty, init, inner.limits().table_elements)
            .ok_or_else(|| Error::resource("cannot allocate a table of the requested size"))?;
        tables.push(inner.push_table(table));
    }
    for ty in info.memories.iter().skip(info.num_imported_memories as usize) {
        let mem = inner.engine().new_memory(*ty, inner.limits().memory_bytes)?;
        memories.push(inner.push_memory(mem));
    }
    Ok(())
}

/// Applies active element and data segments, in order, and drops the data
/// segments (the instance keeps only passive element segments).
fn initialize_segments(inner: &mut StoreInner, instance: u32) -> Result<()> {
    let module = inner.instance(instance).module.clone();
    let info = module.info();
    for seg in &info.elems {
        let ElemKind::Active { table, offset } = &seg.kind else { continue };
        let inst = inner.instance(instance);
        let offset = eval_const(inner.globals(), &inst.globals, &inst.funcs, offset) as u64;
        let t = inst.tables[*table as usize];
        let len = inner.table(t).elems.len() as u64;
        let end = offset.checked_add(seg.items.len() as u64).filter(|&e| e <= len);
        let Some(end) = end else {
            return Err(Trap::TableOutOfBounds.into());
        };
        for (at, item) in (offset as usize..end as usize).zip(&seg.items) {
            let inst = inner.instance(instance);
            let cell = eval_const(inner.globals(), &inst.globals, &inst.funcs, item) as u64;
            inner.table_mut(t).elems[at] = cell;
        }
    }
    for (i, seg) in info.datas.iter().enumerate() {
        if let DataKind::Active { memory, offset } = &seg.kind {
            let inst = inner.instance(instance);
            if inst.dropped_datas[i] {
                // Mapped from the module's memory image.
                continue;
            }
            let offset = eval_const(inner.globals(), &inst.globals, &inst.funcs, offset) as u64;
            let mem = inst.memories[*memory as usize];
            let data = inner.memory_mut(mem).data_mut();
            let end =
                offset.checked_add(seg.bytes.len() as u64).filter(|&e| e <= data.len() as u64);
            let Some(end) = end else {
                return Err(Trap::MemoryOutOfBounds.into());
            };
            data[offset as usize..end as usize].copy_from_slice(&seg.bytes);
            inner.instance_mut(instance).dropped_datas[i] = true;
        }
    }
    Ok(())
}
