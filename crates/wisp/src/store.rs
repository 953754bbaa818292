//! The store: owner of all runtime objects and of the host's data.

use std::any::Any;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use wisp_environ::{FuncType, GlobalType};

use crate::func::HostFn;
use crate::module::Module;
use crate::vm::compiled::VMStore;
use crate::vm::memory::LinearMemory;
use crate::vm::table::TableData;
use crate::{Engine, Error, Func, Result};

static NEXT_STORE_ID: AtomicU64 = AtomicU64::new(1);

/// Holds instances and everything they create — functions, memories,
/// tables, globals — together with host data `T` that host functions can
/// reach through [`Caller`](crate::Caller).
///
/// Handles such as [`Func`] or [`Memory`](crate::Memory) are only valid with
/// the store that created them. Everything is freed when the store drops.
pub struct Store<T> {
    pub(crate) inner: StoreInner,
    pub(crate) host: Vec<Arc<HostFn<T>>>,
    data: T,
}

/// The part of a store that does not depend on the host data type.
///
/// Its object lists are private: both tiers and the API reach objects
/// through the accessors below, by store index (`memory`, `func`, ...) or
/// by an instance's own index (`memory_of`, `func_index_of`, ...). The
/// accessors do no ownership check: handles are checked once, where they
/// enter the API (`Stored::index_in`).
#[doc(hidden)]
pub struct StoreInner {
    id: u64,
    engine: Engine,
    funcs: Vec<FuncEntity>,
    memories: Vec<LinearMemory>,
    tables: Vec<TableData>,
    /// Boxed: compiled code holds pointers to the values, which must not
    /// move when the vector grows.
    #[allow(clippy::vec_box)]
    globals: Vec<Box<GlobalEntity>>,
    instances: Vec<InstanceEntity>,
    externrefs: Vec<Box<dyn Any + Send + Sync>>,
    /// The value stack, lent to the executor while Wasm runs.
    pub(crate) stack: Vec<u64>,
    /// Cells of the value stack used by executions further out (a host
    /// function that calls back into Wasm runs above them).
    pub(crate) stack_top: usize,
    /// Active Wasm frames, across nested executions.
    pub(crate) depth: u32,
    /// Host-to-Wasm re-entries currently active.
    pub(crate) reentry: u32,
    /// Resource limits.
    limits: StoreLimits,
    /// Fuel left, when metering is on.
    fuel: u64,
    /// The epoch at which guests are interrupted, when enabled.
    epoch_deadline: u64,
    /// State of the compiled tier (for stores of compiled engines).
    vm: Option<Box<VMStore<StoreInner>>>,
}

/// Bounds on what a store may hold, so a guest cannot make its host
/// allocate without limit. The default is unlimited (but for the bounds
/// built into each kind of object).
///
/// ```
/// # use wisp::*;
/// let mut store = Store::new(&Engine::default(), ());
/// store.set_limits(StoreLimits { memory_bytes: 64 << 20, instances: 10, ..StoreLimits::default() });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreLimits {
    /// Most bytes any one linear memory may have. `memory.grow` beyond it
    /// returns -1 (or traps, see `trap_on_grow_failure`).
    pub memory_bytes: u64,
    /// Most elements any one table may have.
    pub table_elements: u64,
    /// Most instances the store may hold.
    pub instances: usize,
    /// Most linear memories the store may hold.
    pub memories: usize,
    /// Most tables the store may hold.
    pub tables: usize,
    /// Whether a `memory.grow` or `table.grow` the limits refuse traps with
    /// [`Trap::LimitExceeded`](crate::Trap::LimitExceeded) instead of
    /// returning -1.
    pub trap_on_grow_failure: bool,
}

impl Default for StoreLimits {
    fn default() -> Self {
        Self {
            memory_bytes: u64::MAX,
            table_elements: u64::MAX,
            instances: usize::MAX,
            memories: usize::MAX,
            tables: usize::MAX,
            trap_on_grow_failure: false,
        }
    }
}

/// A function in the store.
#[derive(Debug, Clone)]
pub(crate) enum FuncEntity {
    /// Function `index` of the module of instance `instance`.
    Wasm { instance: u32, index: u32, type_id: u32 },
    /// A host function.
    Host { host: u32, type_id: u32, ty: Arc<FuncType> },
}

impl FuncEntity {
    pub(crate) fn type_id(&self) -> u32 {
        match self {
            FuncEntity::Wasm { type_id, .. } | FuncEntity::Host { type_id, .. } => *type_id,
        }
    }
}

/// A global's storage; a v128 uses all 128 bits, other types the low 64.
#[derive(Debug, Clone)]
pub(crate) struct GlobalEntity {
    pub(crate) ty: GlobalType,
    pub(crate) value: u128,
}

/// An instance: its module and where its entities live in the store.
#[derive(Debug)]
pub(crate) struct InstanceEntity {
    pub(crate) module: Module,
    pub(crate) funcs: Box<[u32]>,
    pub(crate) tables: Box<[u32]>,
    pub(crate) memories: Box<[u32]>,
    pub(crate) globals: Box<[u32]>,
    /// Element segments as reference cells; emptied by `elem.drop`.
    pub(crate) elems: Box<[Box<[u64]>]>,
    /// Data segments dropped by `data.drop` (or applied at instantiation).
    pub(crate) dropped_datas: Box<[bool]>,
    /// The VM context, for instances of compiled engines.
    pub(crate) compiled: Option<crate::vm::compiled::CompiledInstance>,
}

impl std::fmt::Debug for StoreInner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreInner").field("id", &self.id).finish_non_exhaustive()
    }
}

/// How many functions, globals, tables and memories a store holds: a point
/// to roll back to.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Mark {
    funcs: usize,
    globals: usize,
    tables: usize,
    memories: usize,
}

impl StoreInner {
    pub(crate) fn mark(&self) -> Mark {
        Mark {
            funcs: self.funcs.len(),
            globals: self.globals.len(),
            tables: self.tables.len(),
            memories: self.memories.len(),
        }
    }

    /// Removes what was added since `mark` (nothing may refer to it).
    pub(crate) fn roll_back(&mut self, mark: Mark) {
        self.funcs.truncate(mark.funcs);
        self.globals.truncate(mark.globals);
        self.tables.truncate(mark.tables);
        self.memories.truncate(mark.memories);
    }

    /// Fails if the store may not hold `instances`, `memories` and `tables`
    /// more objects.
    pub(crate) fn check_counts(
        &self,
        instances: usize,
        memories: usize,
        tables: usize,
    ) -> Result<()> {
        let l = &self.limits;
        let over = |have: usize, more: usize, max: usize| have.saturating_add(more) > max;
        if over(self.instances.len(), instances, l.instances) {
            return Err(Error::resource(format!(
                "the store may hold at most {} instances",
                l.instances
            )));
        }
        if over(self.memories.len(), memories, l.memories) {
            return Err(Error::resource(format!(
                "the store may hold at most {} memories",
                l.memories
            )));
        }
        if over(self.tables.len(), tables, l.tables) {
            return Err(Error::resource(format!("the store may hold at most {} tables", l.tables)));
        }
        Ok(())
    }

    /// The store's id, which its handles carry.
    #[inline]
    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    /// The engine.
    #[inline]
    pub(crate) fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The resource limits.
    #[inline]
    pub(crate) fn limits(&self) -> &StoreLimits {
        &self.limits
    }

    /// Fuel left (when metering is on).
    #[inline]
    pub(crate) fn fuel(&self) -> u64 {
        self.fuel
    }

    /// Fuel left, to spend or refill.
    #[inline]
    pub(crate) fn fuel_mut(&mut self) -> &mut u64 {
        &mut self.fuel
    }

    /// The epoch at which guests are interrupted.
    #[inline]
    pub(crate) fn epoch_deadline(&self) -> u64 {
        self.epoch_deadline
    }

    /// The compiled tier's state (for stores of compiled engines).
    #[inline]
    pub(crate) fn vm(&self) -> Option<&VMStore<StoreInner>> {
        self.vm.as_deref()
    }

    /// The compiled tier's state, mutably.
    #[inline]
    pub(crate) fn vm_mut(&mut self) -> Option<&mut VMStore<StoreInner>> {
        self.vm.as_deref_mut()
    }

    /// The compiled tier's state with the functions and instances its
    /// references are made from (for stores of compiled engines).
    pub(crate) fn vm_parts(
        &mut self,
    ) -> Option<(&mut VMStore<StoreInner>, &[FuncEntity], &[InstanceEntity])> {
        Some((self.vm.as_deref_mut()?, &self.funcs, &self.instances))
    }

    /// Store function `index`.
    #[inline]
    pub(crate) fn func(&self, index: u32) -> &FuncEntity {
        &self.funcs[index as usize]
    }

    /// Store memory `index`.
    #[inline]
    pub(crate) fn memory(&self, index: u32) -> &LinearMemory {
        &self.memories[index as usize]
    }

    /// Store memory `index`, mutably.
    #[inline]
    pub(crate) fn memory_mut(&mut self, index: u32) -> &mut LinearMemory {
        &mut self.memories[index as usize]
    }

    /// Store memory `index`, if there is one (`usize::MAX` stands for
    /// none).
    #[inline]
    pub(crate) fn memory_get_mut(&mut self, index: usize) -> Option<&mut LinearMemory> {
        self.memories.get_mut(index)
    }

    /// Store table `index`.
    #[inline]
    pub(crate) fn table(&self, index: u32) -> &TableData {
        &self.tables[index as usize]
    }

    /// Store table `index`, mutably.
    #[inline]
    pub(crate) fn table_mut(&mut self, index: u32) -> &mut TableData {
        &mut self.tables[index as usize]
    }

    /// Store global `index`.
    #[inline]
    pub(crate) fn global(&self, index: u32) -> &GlobalEntity {
        &self.globals[index as usize]
    }

    /// Store global `index`, mutably.
    #[inline]
    pub(crate) fn global_mut(&mut self, index: u32) -> &mut GlobalEntity {
        &mut self.globals[index as usize]
    }

    /// The store's globals, for constant expressions.
    #[inline]
    pub(crate) fn globals(&self) -> &[Box<GlobalEntity>] {
        &self.globals
    }

    /// Instance `index`.
    #[inline]
    pub(crate) fn instance(&self, index: u32) -> &InstanceEntity {
        &self.instances[index as usize]
    }

    /// Instance `index`, mutably.
    #[inline]
    pub(crate) fn instance_mut(&mut self, index: u32) -> &mut InstanceEntity {
        &mut self.instances[index as usize]
    }

    /// The instances, oldest first.
    #[inline]
    pub(crate) fn instances(&self) -> &[InstanceEntity] {
        &self.instances
    }

    /// The store index of function `func` of instance `inst`.
    #[inline]
    pub(crate) fn func_index_of(&self, inst: u32, func: u32) -> u32 {
        self.instances[inst as usize].funcs[func as usize]
    }

    /// The store index of memory `mem` of instance `inst`.
    #[inline]
    pub(crate) fn memory_index_of(&self, inst: u32, mem: u32) -> u32 {
        self.instances[inst as usize].memories[mem as usize]
    }

    /// The store index of table `table` of instance `inst`.
    #[inline]
    pub(crate) fn table_index_of(&self, inst: u32, table: u32) -> u32 {
        self.instances[inst as usize].tables[table as usize]
    }

    /// Memory `mem` of instance `inst`.
    #[inline]
    pub(crate) fn memory_of(&self, inst: u32, mem: u32) -> &LinearMemory {
        self.memory(self.memory_index_of(inst, mem))
    }

    /// Table `table` of instance `inst`.
    #[inline]
    pub(crate) fn table_of(&self, inst: u32, table: u32) -> &TableData {
        self.table(self.table_index_of(inst, table))
    }

    /// Table `table` of instance `inst`, mutably.
    #[inline]
    pub(crate) fn table_of_mut(&mut self, inst: u32, table: u32) -> &mut TableData {
        self.table_mut(self.table_index_of(inst, table))
    }

    /// Global `global` of instance `inst`.
    #[inline]
    pub(crate) fn global_of(&self, inst: u32, global: u32) -> &GlobalEntity {
        self.global(self.instances[inst as usize].globals[global as usize])
    }

    /// Global `global` of instance `inst`, mutably.
    #[inline]
    pub(crate) fn global_of_mut(&mut self, inst: u32, global: u32) -> &mut GlobalEntity {
        self.global_mut(self.instances[inst as usize].globals[global as usize])
    }

    /// Host value `index`.
    #[inline]
    pub(crate) fn externref(&self, index: u32) -> &(dyn Any + Send + Sync) {
        &*self.externrefs[index as usize]
    }

    /// Adds a function; returns its store index.
    pub(crate) fn push_func(&mut self, func: FuncEntity) -> u32 {
        self.funcs.push(func);
        self.funcs.len() as u32 - 1
    }

    /// Adds a memory; returns its store index.
    pub(crate) fn push_memory(&mut self, memory: LinearMemory) -> u32 {
        self.memories.push(memory);
        self.memories.len() as u32 - 1
    }

    /// Adds a table; returns its store index.
    pub(crate) fn push_table(&mut self, table: TableData) -> u32 {
        self.tables.push(table);
        self.tables.len() as u32 - 1
    }

    /// Adds a global; returns its store index.
    pub(crate) fn push_global(&mut self, global: GlobalEntity) -> u32 {
        self.globals.push(Box::new(global));
        self.globals.len() as u32 - 1
    }

    /// Adds an instance; returns its index.
    pub(crate) fn push_instance(&mut self, instance: InstanceEntity) -> u32 {
        self.instances.push(instance);
        self.instances.len() as u32 - 1
    }

    /// Moves a host value into the store; returns its index.
    pub(crate) fn push_externref(&mut self, value: Box<dyn Any + Send + Sync>) -> u32 {
        self.externrefs.push(value);
        self.externrefs.len() as u32 - 1
    }

    /// The signature of store function `index`.
    pub(crate) fn func_ty(&self, index: u32) -> &FuncType {
        match &self.funcs[index as usize] {
            FuncEntity::Wasm { instance, index, .. } => {
                self.instance(*instance).module.info().func_type(*index)
            }
            FuncEntity::Host { ty, .. } => ty,
        }
    }
}

impl<T> Store<T> {
    /// A new, empty store using `engine`, holding `data`.
    pub fn new(engine: &Engine, data: T) -> Self {
        Self {
            inner: StoreInner {
                id: NEXT_STORE_ID.fetch_add(1, Ordering::Relaxed),
                engine: engine.clone(),
                funcs: Vec::new(),
                memories: Vec::new(),
                tables: Vec::new(),
                globals: Vec::new(),
                instances: Vec::new(),
                externrefs: Vec::new(),
                stack: Vec::new(),
                stack_top: 0,
                depth: 0,
                reentry: 0,
                limits: StoreLimits::default(),
                fuel: 0,
                epoch_deadline: 0,
                vm: engine.is_compiled().then(|| VMStore::new(engine.epoch_ptr())),
            },
            host: Vec::new(),
            data,
        }
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// The host data.
    pub fn data(&self) -> &T {
        &self.data
    }

    /// The host data, mutably.
    pub fn data_mut(&mut self) -> &mut T {
        &mut self.data
    }

    /// Consumes the store, returning the host data.
    pub fn into_data(self) -> T {
        self.data
    }

    /// Sets the store's resource limits. They apply to everything created
    /// or grown from then on.
    pub fn set_limits(&mut self, limits: StoreLimits) {
        self.inner.limits = limits;
    }

    /// The store's resource limits.
    pub fn limits(&self) -> StoreLimits {
        self.inner.limits
    }

    /// Sets the fuel the guest may use; fails unless
    /// [`Config::consume_fuel`](crate::Config::consume_fuel) is on.
    pub fn set_fuel(&mut self, fuel: u64) -> Result<()> {
        if !self.inner.engine.config().consume_fuel {
            return Err(Error::ty("fuel is not enabled: see Config::consume_fuel"));
        }
        self.inner.fuel = fuel;
        Ok(())
    }

    /// The fuel left; fails unless fuel is enabled.
    pub fn get_fuel(&self) -> Result<u64> {
        if !self.inner.engine.config().consume_fuel {
            return Err(Error::ty("fuel is not enabled: see Config::consume_fuel"));
        }
        Ok(self.inner.fuel)
    }

    /// Interrupts guests once the engine's epoch has advanced `ticks`
    /// beyond its current value (with
    /// [`Config::epoch_interruption`](crate::Config::epoch_interruption)).
    /// Until a deadline is set it is epoch 0, so with interruption on, a
    /// store's guests trap at their first check.
    pub fn set_epoch_deadline(&mut self, ticks: u64) {
        self.inner.epoch_deadline = self.inner.engine.current_epoch().saturating_add(ticks);
    }

    pub(crate) fn add_host_func(&mut self, f: Arc<HostFn<T>>, ty: FuncType) -> Func {
        let type_id = self.inner.engine.type_id(&ty);
        self.add_typed_host_func(f, Arc::new(ty), type_id)
    }

    /// Adds a host function whose signature already has its engine id.
    pub(crate) fn add_typed_host_func(
        &mut self,
        f: Arc<HostFn<T>>,
        ty: Arc<FuncType>,
        type_id: u32,
    ) -> Func {
        self.host.push(f);
        let host = self.host.len() as u32 - 1;
        let index = self.inner.push_func(FuncEntity::Host { host, type_id, ty });
        self.inner.sync_func_refs();
        Func::from_raw(self.inner.id, index)
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Store<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("id", &self.inner.id).field("data", &self.data).finish()
    }
}

/// A shared borrow of a store.
#[derive(Debug)]
pub struct StoreContext<'a, T>(pub(crate) &'a Store<T>);

/// An exclusive borrow of a store.
#[derive(Debug)]
pub struct StoreContextMut<'a, T>(pub(crate) &'a mut Store<T>);

impl<'a, T> StoreContext<'a, T> {
    /// The host data.
    pub fn data(&self) -> &'a T {
        self.0.data()
    }

    pub(crate) fn inner_ref(&self) -> &'a StoreInner {
        &self.0.inner
    }
}

impl<'a, T> StoreContextMut<'a, T> {
    /// The host data.
    pub fn data(&self) -> &T {
        self.0.data()
    }

    /// The host data, mutably.
    pub fn data_mut(&mut self) -> &mut T {
        self.0.data_mut()
    }

    /// The store's resource limits; see [`Store::limits`].
    pub fn limits(&self) -> StoreLimits {
        self.0.limits()
    }

    /// Sets the store's resource limits, also from inside a host function
    /// (through its [`Caller`](crate::Caller)); see [`Store::set_limits`].
    pub fn set_limits(&mut self, limits: StoreLimits) {
        self.0.set_limits(limits);
    }

    pub(crate) fn inner_mut(&mut self) -> &mut StoreInner {
        &mut self.0.inner
    }
}

/// Something that can lend a store for reading: [`Store`], `&Store`,
/// `&mut Store`, [`Caller`](crate::Caller) and the context types.
pub trait AsContext {
    /// The host data type of the store.
    type Data;
    /// Borrows the store.
    fn as_context(&self) -> StoreContext<'_, Self::Data>;
}

/// Something that can lend a store for writing.
pub trait AsContextMut: AsContext {
    /// Borrows the store exclusively.
    fn as_context_mut(&mut self) -> StoreContextMut<'_, Self::Data>;
}

impl<T> AsContext for Store<T> {
    type Data = T;
    fn as_context(&self) -> StoreContext<'_, T> {
        StoreContext(self)
    }
}

impl<T> AsContextMut for Store<T> {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, T> {
        StoreContextMut(self)
    }
}

impl<C: AsContext + ?Sized> AsContext for &C {
    type Data = C::Data;
    fn as_context(&self) -> StoreContext<'_, C::Data> {
        (**self).as_context()
    }
}

impl<C: AsContext + ?Sized> AsContext for &mut C {
    type Data = C::Data;
    fn as_context(&self) -> StoreContext<'_, C::Data> {
        (**self).as_context()
    }
}

impl<C: AsContextMut + ?Sized> AsContextMut for &mut C {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, C::Data> {
        (**self).as_context_mut()
    }
}

impl<T> AsContext for StoreContext<'_, T> {
    type Data = T;
    fn as_context(&self) -> StoreContext<'_, T> {
        StoreContext(self.0)
    }
}

impl<T> AsContext for StoreContextMut<'_, T> {
    type Data = T;
    fn as_context(&self) -> StoreContext<'_, T> {
        StoreContext(self.0)
    }
}

impl<T> AsContextMut for StoreContextMut<'_, T> {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, T> {
        StoreContextMut(self.0)
    }
}

impl<'a, T> From<&'a Store<T>> for StoreContext<'a, T> {
    fn from(s: &'a Store<T>) -> Self {
        StoreContext(s)
    }
}

impl<'a, T> From<&'a mut Store<T>> for StoreContext<'a, T> {
    fn from(s: &'a mut Store<T>) -> Self {
        StoreContext(s)
    }
}

impl<'a, T> From<&'a mut Store<T>> for StoreContextMut<'a, T> {
    fn from(s: &'a mut Store<T>) -> Self {
        StoreContextMut(s)
    }
}

impl<'a, T> From<StoreContextMut<'a, T>> for StoreContext<'a, T> {
    fn from(s: StoreContextMut<'a, T>) -> Self {
        StoreContext(s.0)
    }
}

impl<'a, 'b: 'a, T> From<&'a crate::Caller<'b, T>> for StoreContext<'a, T> {
    fn from(c: &'a crate::Caller<'b, T>) -> Self {
        StoreContext(c.store)
    }
}

impl<'a, 'b: 'a, T> From<&'a mut crate::Caller<'b, T>> for StoreContext<'a, T> {
    fn from(c: &'a mut crate::Caller<'b, T>) -> Self {
        StoreContext(c.store)
    }
}

impl<'a, 'b: 'a, T> From<&'a mut crate::Caller<'b, T>> for StoreContextMut<'a, T> {
    fn from(c: &'a mut crate::Caller<'b, T>) -> Self {
        StoreContextMut(c.store)
    }
}
