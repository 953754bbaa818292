//! The layout of the runtime structures compiled code reads and writes.
//!
//! Compiled code reaches everything through its instance's *VM context*, a
//! block of pointer-sized fields whose layout depends only on the module.
//! The runtime fills it at instantiation; the compiler bakes the offsets
//! below into the code. Both sides take them from here, so they cannot
//! disagree.
//!
//! ```text
//! VM context of an instance            VM store context (one per store)
//!   +0   store context pointer ───────►  +0   fuel left (i64, counts up to 0)
//!   +8   instance index (u64)            +8   epoch deadline (u64)
//!   memories:  *VMMemory   per memory    +16  pointer to the engine's epoch
//!   tables:    *VMTable    per table     +24  stack limit (lowest usable sp)
//!   globals:   *cell       per global    +32  function references of the store
//!   imports:   VMFuncRef   per imported  +40  libcall table
//!              function                  (the runtime keeps more fields
//!   func refs: u64 per function           after these)
//!   type ids:  u64 per type
//! ```

/// Offsets inside the store-wide context.
pub mod store {
    /// Fuel left, stored negated: compiled code adds consumed fuel and
    /// traps when the sum turns positive.
    pub const FUEL: i32 = 0;
    /// The epoch at which the guest is interrupted.
    pub const EPOCH_DEADLINE: i32 = 8;
    /// Pointer to the engine's current epoch (a `u64`).
    pub const EPOCH_PTR: i32 = 16;
    /// The lowest stack pointer compiled code may use.
    pub const STACK_LIMIT: i32 = 24;
    /// Pointer to the store's array of [`VMFuncRef`](super::funcref)s,
    /// indexed by store function index.
    pub const FUNC_REFS: i32 = 32;
    /// Pointer to the table of runtime functions ([`Libcall`](super::Libcall)).
    pub const LIBCALLS: i32 = 40;
}

/// Offsets inside a function reference: what `call_indirect` loads.
pub mod funcref {
    /// Native entry point.
    pub const CODE: i32 = 0;
    /// The callee's VM context (for host functions: its store index).
    pub const VMCTX: i32 = 8;
    /// Engine-wide signature id.
    pub const TYPE_ID: i32 = 16;
    /// Size of one function reference.
    pub const SIZE: u32 = 24;
}

/// Offsets inside a memory descriptor.
pub mod memory {
    /// Base address of the memory's bytes.
    pub const BASE: i32 = 0;
    /// Accessible length in bytes.
    pub const LENGTH: i32 = 8;
}

/// Offsets inside a table descriptor.
pub mod table {
    /// Base address of the elements (one `u64` reference cell each).
    pub const BASE: i32 = 0;
    /// Number of elements.
    pub const LENGTH: i32 = 8;
}

/// Runtime functions compiled code calls through the store context's
/// libcall table, by index. Each returns 0 on success or a trap code
/// (see [`crate::Trap::to_code`]) unless noted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum Libcall {
    /// `(vmctx, memory, delta: u64) -> old size or -1 (as u64)`.
    MemoryGrow,
    /// `(vmctx, memory, dst, val, len) -> trap`.
    MemoryFill,
    /// `(vmctx, dst_mem, src_mem, dst, src, len) -> trap`.
    MemoryCopy,
    /// `(vmctx, memory, segment, dst, src, len) -> trap`.
    MemoryInit,
    /// `(vmctx, segment)`.
    DataDrop,
    /// `(vmctx, table, delta, init) -> old size or -1 (as u64)`.
    TableGrow,
    /// `(vmctx, table, dst, val, len) -> trap`.
    TableFill,
    /// `(vmctx, dst_table, src_table, dst, src, len) -> trap`.
    TableCopy,
    /// `(vmctx, table, segment, dst, src, len) -> trap`.
    TableInit,
    /// `(vmctx, segment)`.
    ElemDrop,
    /// `(caller vmctx, store function index, values) -> trap` — calls a
    /// host function with its arguments and results in `values`.
    HostCall,
    /// `(vmctx) -> trap`: fuel ran out or the epoch deadline passed;
    /// refuels or yields as the store is configured.
    OutOfFuel,
    /// `(vmctx) -> trap`: the epoch deadline was reached.
    EpochReached,
    /// `(vmctx, a: f32, b: f32, c: f32) -> a * b + c` rounded once: a lane
    /// of `relaxed_madd` on a machine without a fused multiply-add.
    FmaF32,
    /// `(vmctx, a: f64, b: f64, c: f64) -> a * b + c` rounded once.
    FmaF64,
}

impl Libcall {
    /// Number of libcalls.
    pub const COUNT: usize = 15;
}

/// Offsets inside the VM context of instances of one module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VMOffsets {
    memories: u32,
    tables: u32,
    globals: u32,
    imports: u32,
    func_refs: u32,
    type_ids: u32,
    size: u32,
}

impl VMOffsets {
    /// The layout for a module with these entity counts.
    pub fn new(info: &crate::ModuleInfo) -> Self {
        let memories = 16;
        let tables = memories + 8 * info.memories.len() as u32;
        let globals = tables + 8 * info.tables.len() as u32;
        let imports = globals + 8 * info.globals.len() as u32;
        let func_refs = imports + funcref::SIZE * info.num_imported_funcs;
        let type_ids = func_refs + 8 * info.funcs.len() as u32;
        let size = type_ids + 8 * info.types.len() as u32;
        Self { memories, tables, globals, imports, func_refs, type_ids, size }
    }

    /// The store context pointer.
    pub const fn store_ctx(&self) -> i32 {
        0
    }

    /// The instance's index in its store.
    pub const fn instance(&self) -> i32 {
        8
    }

    /// Pointer to the descriptor of memory `index`.
    pub fn memory(&self, index: u32) -> i32 {
        (self.memories + 8 * index) as i32
    }

    /// Pointer to the descriptor of table `index`.
    pub fn table(&self, index: u32) -> i32 {
        (self.tables + 8 * index) as i32
    }

    /// Pointer to the value cell of global `index`.
    pub fn global(&self, index: u32) -> i32 {
        (self.globals + 8 * index) as i32
    }

    /// The function reference of imported function `index`.
    pub fn import(&self, index: u32) -> i32 {
        (self.imports + funcref::SIZE * index) as i32
    }

    /// The reference value (`ref.func`) of function `index`.
    pub fn func_ref(&self, index: u32) -> i32 {
        (self.func_refs + 8 * index) as i32
    }

    /// The engine-wide id of type `index`.
    pub fn type_id(&self, index: u32) -> i32 {
        (self.type_ids + 8 * index) as i32
    }

    /// Total size in bytes.
    pub fn size(&self) -> usize {
        self.size as usize
    }
}

/// Address space reserved for a memory that compiled code accesses without
/// bounds checks: the whole 4 GiB a 32-bit index reaches, plus a guard
/// region covering every static offset (up to 4 GiB) and access width.
/// Anything beyond the accessible length faults and becomes a trap.
pub const STATIC_RESERVATION: u64 = (8 << 30) + (64 << 10);

/// Whether compiled code accesses memories of type `ty` without explicit
/// bounds checks, given whether the engine makes reservations.
pub fn is_static_memory(ty: &crate::MemoryType, reservations: bool) -> bool {
    reservations && !ty.memory64 && ty.page_size_log2 == 16
}
