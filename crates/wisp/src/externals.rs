//! Memories, tables, globals and the `Extern` sum of all importable things.

use wisp_environ::{FuncType, GlobalType, MemoryType, TableType, ValType};

use crate::store::{GlobalEntity, StoreInner};
use crate::stored::{GlobalKind, MemoryKind, Stored, TableKind};
use crate::vm::memory::LinearMemory;
use crate::vm::table::TableData;
use crate::{AsContext, AsContextMut, Error, Func, Result, Val};

/// The type of something importable or exportable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExternType {
    /// A function.
    Func(FuncType),
    /// A table.
    Table(TableType),
    /// A memory.
    Memory(MemoryType),
    /// A global.
    Global(GlobalType),
    /// An exception tag with its signature.
    Tag(FuncType),
}

/// Something an instance can import or export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extern {
    /// A function.
    Func(Func),
    /// A table.
    Table(Table),
    /// A linear memory.
    Memory(Memory),
    /// A global.
    Global(Global),
}

impl Extern {
    /// The function, if this is one.
    pub fn into_func(self) -> Option<Func> {
        if let Extern::Func(f) = self { Some(f) } else { None }
    }

    /// The memory, if this is one.
    pub fn into_memory(self) -> Option<Memory> {
        if let Extern::Memory(m) = self { Some(m) } else { None }
    }

    /// The table, if this is one.
    pub fn into_table(self) -> Option<Table> {
        if let Extern::Table(t) = self { Some(t) } else { None }
    }

    /// The global, if this is one.
    pub fn into_global(self) -> Option<Global> {
        if let Extern::Global(g) = self { Some(g) } else { None }
    }

    /// Its index among the store's objects of its kind, or an error if
    /// `store` did not create it.
    pub(crate) fn index_in(&self, store: &StoreInner) -> Result<u32> {
        match self {
            Extern::Func(f) => f.0.index_in(store),
            Extern::Table(t) => t.0.index_in(store),
            Extern::Memory(m) => m.0.index_in(store),
            Extern::Global(g) => g.0.index_in(store),
        }
    }

    /// Its type.
    pub fn ty(&self, store: impl AsContext) -> ExternType {
        match self {
            Extern::Func(f) => ExternType::Func(f.ty(&store)),
            Extern::Table(t) => ExternType::Table(t.ty(&store)),
            Extern::Memory(m) => ExternType::Memory(m.ty(&store)),
            Extern::Global(g) => ExternType::Global(g.ty(&store)),
        }
    }
}

impl From<Func> for Extern {
    fn from(f: Func) -> Self {
        Extern::Func(f)
    }
}
impl From<Memory> for Extern {
    fn from(m: Memory) -> Self {
        Extern::Memory(m)
    }
}
impl From<Table> for Extern {
    fn from(t: Table) -> Self {
        Extern::Table(t)
    }
}
impl From<Global> for Extern {
    fn from(g: Global) -> Self {
        Extern::Global(g)
    }
}

/// An out-of-bounds host access to a linear memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryAccessError;

impl std::fmt::Display for MemoryAccessError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("out of bounds memory access")
    }
}

impl std::error::Error for MemoryAccessError {}

/// A linear memory.
///
/// Valid only with the store that created it; see the crate docs for what
/// happens otherwise.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Memory(pub(crate) Stored<MemoryKind>);

impl Memory {
    /// Creates a memory in the store.
    pub fn new(mut store: impl AsContextMut, ty: MemoryType) -> Result<Memory> {
        let mut ctx = store.as_context_mut();
        let inner = ctx.inner_mut();
        inner.check_counts(0, 1, 0)?;
        let mem = inner.engine().new_memory(ty, inner.limits().memory_bytes)?;
        let index = inner.push_memory(mem);
        Ok(Memory(Stored::new(inner.id(), index)))
    }

    /// The memory, for methods that cannot fail: panics if `store` did not
    /// create it.
    #[track_caller]
    fn get<'a>(&self, store: &'a StoreInner) -> &'a LinearMemory {
        store.memory(self.0.expect_in(store))
    }

    /// Its type (with the current minimum).
    ///
    /// # Panics
    /// If `store` did not create the memory (as every method of `Memory`
    /// that does not return a [`wisp::Error`](crate::Error)).
    pub fn ty(&self, store: impl AsContext) -> MemoryType {
        let ctx = store.as_context();
        let m = self.get(ctx.inner_ref());
        MemoryType { minimum: m.pages(), ..m.ty() }
    }

    /// Current size in pages.
    pub fn size(&self, store: impl AsContext) -> u64 {
        self.get(store.as_context().inner_ref()).pages()
    }

    /// Current size in bytes.
    pub fn data_size(&self, store: impl AsContext) -> usize {
        self.get(store.as_context().inner_ref()).data().len()
    }

    /// The contents.
    pub fn data<'a, T: 'a>(&self, store: impl Into<crate::StoreContext<'a, T>>) -> &'a [u8] {
        let ctx = store.into();
        self.get(ctx.inner_ref()).data()
    }

    /// The contents, mutably.
    pub fn data_mut<'a, T: 'a>(
        &self,
        store: impl Into<crate::StoreContextMut<'a, T>>,
    ) -> &'a mut [u8] {
        let ctx = store.into();
        let inner = &mut ctx.0.inner;
        let index = self.0.expect_in(inner);
        inner.memory_mut(index).data_mut()
    }

    /// Copies bytes out of the memory starting at `offset`.
    pub fn read(
        &self,
        store: impl AsContext,
        offset: usize,
        buf: &mut [u8],
    ) -> Result<(), MemoryAccessError> {
        let ctx = store.as_context();
        let data = self.get(ctx.inner_ref()).data();
        let src = offset
            .checked_add(buf.len())
            .and_then(|end| data.get(offset..end))
            .ok_or(MemoryAccessError)?;
        buf.copy_from_slice(src);
        Ok(())
    }

    /// Copies bytes into the memory starting at `offset`.
    pub fn write(
        &self,
        mut store: impl AsContextMut,
        offset: usize,
        buf: &[u8],
    ) -> Result<(), MemoryAccessError> {
        let mut ctx = store.as_context_mut();
        let inner = ctx.inner_mut();
        let index = self.0.expect_in(inner);
        let data = inner.memory_mut(index).data_mut();
        let dst = offset
            .checked_add(buf.len())
            .and_then(|end| data.get_mut(offset..end))
            .ok_or(MemoryAccessError)?;
        dst.copy_from_slice(buf);
        Ok(())
    }

    /// Grows by `delta` pages, returning the previous size in pages.
    pub fn grow(&self, mut store: impl AsContextMut, delta: u64) -> Result<u64> {
        let mut ctx = store.as_context_mut();
        let inner = ctx.inner_mut();
        let index = self.0.index_in(inner)?;
        let limit = inner.limits().memory_bytes;
        inner
            .memory_mut(index)
            .grow(delta, limit)
            .ok_or_else(|| Error::resource("memory cannot grow by the requested amount"))
    }
}

/// A table of references.
///
/// Valid only with the store that created it; see the crate docs for what
/// happens otherwise.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Table(pub(crate) Stored<TableKind>);

impl Table {
    /// Creates a table whose elements start as `init`.
    pub fn new(mut store: impl AsContextMut, ty: TableType, init: Val) -> Result<Table> {
        let mut ctx = store.as_context_mut();
        let inner = ctx.inner_mut();
        let cell = ref_cell(inner, init, ValType::Ref(ty.element))?;
        inner.check_counts(0, 0, 1)?;
        let table = TableData::new(ty, cell, inner.limits().table_elements)
            .ok_or_else(|| Error::resource("cannot allocate a table of the requested size"))?;
        let index = inner.push_table(table);
        Ok(Table(Stored::new(inner.id(), index)))
    }

    /// The table, for methods that cannot fail: panics if `store` did not
    /// create it.
    #[track_caller]
    fn get_data<'a>(&self, store: &'a StoreInner) -> &'a TableData {
        store.table(self.0.expect_in(store))
    }

    /// Its type (with the current minimum).
    ///
    /// # Panics
    /// If `store` did not create the table (as every method of `Table`
    /// that does not return a [`wisp::Error`](crate::Error)).
    pub fn ty(&self, store: impl AsContext) -> TableType {
        let ctx = store.as_context();
        let t = self.get_data(ctx.inner_ref());
        TableType { minimum: t.size(), ..t.ty }
    }

    /// Current number of elements.
    pub fn size(&self, store: impl AsContext) -> u64 {
        self.get_data(store.as_context().inner_ref()).size()
    }

    /// Element `index`, or `None` if out of bounds.
    pub fn get(&self, store: impl AsContext, index: u64) -> Option<Val> {
        let ctx = store.as_context();
        let inner = ctx.inner_ref();
        let t = self.get_data(inner);
        let cell = *t.elems.get(usize::try_from(index).ok()?)?;
        Some(Val::from_cells(ValType::Ref(t.ty.element), inner.id(), &[cell]))
    }

    /// Sets element `index`.
    pub fn set(&self, mut store: impl AsContextMut, index: u64, val: Val) -> Result<()> {
        let mut ctx = store.as_context_mut();
        let inner = ctx.inner_mut();
        let table = self.0.index_in(inner)?;
        let ty = ValType::Ref(inner.table(table).ty.element);
        let cell = ref_cell(inner, val, ty)?;
        let slot = usize::try_from(index)
            .ok()
            .and_then(|i| inner.table_mut(table).elems.get_mut(i))
            .ok_or_else(|| Error::from_trap(crate::Trap::TableOutOfBounds))?;
        *slot = cell;
        Ok(())
    }

    /// Grows by `delta` elements set to `init`, returning the previous size.
    pub fn grow(&self, mut store: impl AsContextMut, delta: u64, init: Val) -> Result<u64> {
        let mut ctx = store.as_context_mut();
        let inner = ctx.inner_mut();
        let table = self.0.index_in(inner)?;
        let ty = ValType::Ref(inner.table(table).ty.element);
        let cell = ref_cell(inner, init, ty)?;
        let limit = inner.limits().table_elements;
        inner
            .table_mut(table)
            .grow(delta, cell, limit)
            .ok_or_else(|| Error::resource("table cannot grow by the requested amount"))
    }
}

fn ref_cell(inner: &StoreInner, val: Val, ty: ValType) -> Result<u64> {
    if val.ty() != ty {
        return Err(Error::ty(format!("expected a {ty} value, got {}", val.ty())));
    }
    let mut cell = [0u64; 2];
    val.to_cells(inner, &mut cell)?;
    Ok(cell[0])
}

/// A global variable.
///
/// Valid only with the store that created it; see the crate docs for what
/// happens otherwise.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Global(pub(crate) Stored<GlobalKind>);

impl Global {
    /// Creates a global holding `val`.
    pub fn new(mut store: impl AsContextMut, ty: GlobalType, val: Val) -> Result<Global> {
        let mut ctx = store.as_context_mut();
        let inner = ctx.inner_mut();
        if val.ty() != ty.content {
            return Err(Error::ty(format!(
                "global of type {} cannot hold a {} value",
                ty.content,
                val.ty()
            )));
        }
        let value = cells_to_u128(inner, val)?;
        let index = inner.push_global(GlobalEntity { ty, value });
        Ok(Global(Stored::new(inner.id(), index)))
    }

    /// Its type.
    ///
    /// # Panics
    /// If `store` did not create the global (as every method of `Global`
    /// that does not return a [`wisp::Error`](crate::Error)).
    pub fn ty(&self, store: impl AsContext) -> GlobalType {
        let ctx = store.as_context();
        let inner = ctx.inner_ref();
        inner.global(self.0.expect_in(inner)).ty
    }

    /// Its current value.
    pub fn get(&self, store: impl AsContext) -> Val {
        let ctx = store.as_context();
        let inner = ctx.inner_ref();
        let g = inner.global(self.0.expect_in(inner));
        Val::from_cells(g.ty.content, inner.id(), &[g.value as u64, (g.value >> 64) as u64])
    }

    /// Sets its value; fails for an immutable global or a value of the
    /// wrong type.
    pub fn set(&self, mut store: impl AsContextMut, val: Val) -> Result<()> {
        let mut ctx = store.as_context_mut();
        let inner = ctx.inner_mut();
        let index = self.0.index_in(inner)?;
        let ty = inner.global(index).ty;
        if !ty.mutable {
            return Err(Error::ty("cannot set an immutable global"));
        }
        if val.ty() != ty.content {
            return Err(Error::ty(format!(
                "global of type {} cannot hold a {} value",
                ty.content,
                val.ty()
            )));
        }
        let value = cells_to_u128(inner, val)?;
        inner.global_mut(index).value = value;
        Ok(())
    }
}

fn cells_to_u128(inner: &StoreInner, val: Val) -> Result<u128> {
    let mut cells = [0u64; 2];
    val.to_cells(inner, &mut cells)?;
    Ok(u128::from(cells[0]) | (u128::from(cells[1]) << 64))
}
