//! Tables of references.

use wisp_environ::TableType;

use super::vmcontext::VMTableDef;

/// Upper bound on table size, so a guest cannot make the host allocate
/// without limit.
const MAX_TABLE_ELEMENTS: u64 = 10_000_000;

/// A table: each element is a reference cell (0 is null).
#[derive(Debug)]
pub(crate) struct TableData {
    pub(crate) ty: TableType,
    pub(crate) elems: Vec<u64>,
    max: u64,
    /// Base and length as compiled code reads them; kept up to date.
    def: Box<VMTableDef>,
}

impl TableData {
    pub(crate) fn new(ty: TableType, init: u64, limit: u64) -> Option<Self> {
        let max = ty.maximum.unwrap_or(u64::MAX).min(limit).min(MAX_TABLE_ELEMENTS);
        if ty.minimum > max {
            return None;
        }
        let mut elems = Vec::new();
        elems.try_reserve_exact(ty.minimum as usize).ok()?;
        elems.resize(ty.minimum as usize, init);
        let def = Box::new(VMTableDef { base: elems.as_mut_ptr(), length: ty.minimum });
        Some(Self { ty, elems, max, def })
    }

    /// The descriptor compiled code reads (stable for the table's life).
    pub(crate) fn vm_def(&self) -> *const VMTableDef {
        &raw const *self.def
    }

    pub(crate) fn size(&self) -> u64 {
        self.elems.len() as u64
    }

    /// Grows by `delta` elements set to `init`; returns the old size, or
    /// `None` when the maximum or `limit` would be exceeded.
    pub(crate) fn grow(&mut self, delta: u64, init: u64, limit: u64) -> Option<u64> {
        let old = self.size();
        let new = old.checked_add(delta).filter(|&n| n <= self.max.min(limit))?;
        self.elems.try_reserve_exact(delta as usize).ok()?;
        self.elems.resize(new as usize, init);
        self.def.base = self.elems.as_mut_ptr();
        self.def.length = new;
        Some(old)
    }
}
