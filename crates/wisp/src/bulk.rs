//! Memory and table operations that run in the runtime for both tiers:
//! growth and the bulk instructions. Operands arrive as raw 64-bit cells;
//! indices into 32-bit memories and tables use their low 32 bits.

use std::ops::Range;

use crate::Trap;
use crate::store::StoreInner;

/// An address operand: all 64 bits for 64-bit memories and tables, the low
/// 32 otherwise.
#[inline]
pub(crate) fn addr(v: u64, wide: bool) -> u64 {
    if wide { v } else { u64::from(v as u32) }
}

/// `start..start + len` if it lies within `size`.
#[inline]
pub(crate) fn range(start: u64, len: u64, size: usize) -> Result<Range<usize>, Trap> {
    match start.checked_add(len) {
        Some(end) if end <= size as u64 => Ok(start as usize..end as usize),
        _ => Err(Trap::MemoryOutOfBounds),
    }
}

fn table_range(start: u64, len: u64, size: usize) -> Result<Range<usize>, Trap> {
    range(start, len, size).map_err(|_| Trap::TableOutOfBounds)
}

/// The result of a refused `memory.grow`/`table.grow`: -1 in the index type.
fn grow_failed(inner: &StoreInner, wide: bool) -> Result<u64, Trap> {
    if inner.limits().trap_on_grow_failure {
        Err(Trap::LimitExceeded)
    } else if wide {
        Ok(u64::MAX)
    } else {
        Ok(u64::from(u32::MAX))
    }
}

impl StoreInner {
    /// `memory.grow`: the old size in pages, or -1.
    pub(crate) fn memory_grow(&mut self, inst: u32, mem: u32, delta: u64) -> Result<u64, Trap> {
        let m = self.memory_index_of(inst, mem);
        let limit = self.limits().memory_bytes;
        let memory = self.memory_mut(m);
        let wide = memory.ty().memory64;
        match memory.grow(addr(delta, wide), limit) {
            Some(old) => Ok(old),
            None => grow_failed(self, wide),
        }
    }

    /// `memory.fill`.
    pub(crate) fn memory_fill(
        &mut self,
        inst: u32,
        mem: u32,
        dst: u64,
        val: u8,
        len: u64,
    ) -> Result<(), Trap> {
        let m = self.memory_index_of(inst, mem);
        let memory = self.memory_mut(m);
        let wide = memory.ty().memory64;
        let data = memory.data_mut();
        let r = range(addr(dst, wide), addr(len, wide), data.len())?;
        data[r].fill(val);
        Ok(())
    }

    /// `memory.copy`.
    pub(crate) fn memory_copy(
        &mut self,
        inst: u32,
        (dst_mem, src_mem): (u32, u32),
        dst: u64,
        src: u64,
        len: u64,
    ) -> Result<(), Trap> {
        let (dm, sm) = (self.memory_index_of(inst, dst_mem), self.memory_index_of(inst, src_mem));
        let dwide = self.memory(dm).ty().memory64;
        let swide = self.memory(sm).ty().memory64;
        let (d, s, n) = (addr(dst, dwide), addr(src, swide), addr(len, dwide && swide));
        if dm == sm {
            let data = self.memory_mut(dm).data_mut();
            let sr = range(s, n, data.len())?;
            let dr = range(d, n, data.len())?;
            data.copy_within(sr, dr.start);
        } else {
            let sr = range(s, n, self.memory(sm).data().len())?;
            let bytes = self.memory(sm).data()[sr].to_vec();
            let data = self.memory_mut(dm).data_mut();
            let dr = range(d, n, data.len())?;
            data[dr].copy_from_slice(&bytes);
        }
        Ok(())
    }

    /// `memory.init` from data segment `seg`.
    pub(crate) fn memory_init(
        &mut self,
        inst: u32,
        (mem, seg): (u32, u32),
        dst: u64,
        src: u64,
        len: u64,
    ) -> Result<(), Trap> {
        let m = self.memory_index_of(inst, mem);
        let instance = self.instance(inst);
        let module = instance.module.clone();
        let bytes: &[u8] = if instance.dropped_datas[seg as usize] {
            &[]
        } else {
            &module.info().datas[seg as usize].bytes
        };
        let wide = self.memory(m).ty().memory64;
        let sr = range(addr(src, false), addr(len, false), bytes.len())?;
        let data = self.memory_mut(m).data_mut();
        let dr = range(addr(dst, wide), addr(len, false), data.len())?;
        data[dr].copy_from_slice(&bytes[sr]);
        Ok(())
    }

    /// `data.drop`.
    pub(crate) fn data_drop(&mut self, inst: u32, seg: u32) {
        self.instance_mut(inst).dropped_datas[seg as usize] = true;
    }

    /// `table.grow`: the old size, or -1.
    pub(crate) fn table_grow(
        &mut self,
        inst: u32,
        table: u32,
        delta: u64,
        init: u64,
    ) -> Result<u64, Trap> {
        let t = self.table_index_of(inst, table);
        let limit = self.limits().table_elements;
        let tab = self.table_mut(t);
        let wide = tab.ty.table64;
        match tab.grow(addr(delta, wide), init, limit) {
            Some(old) => Ok(old),
            None => grow_failed(self, wide),
        }
    }

    /// `table.fill`.
    pub(crate) fn table_fill(
        &mut self,
        inst: u32,
        table: u32,
        dst: u64,
        val: u64,
        len: u64,
    ) -> Result<(), Trap> {
        let tab = self.table_of_mut(inst, table);
        let wide = tab.ty.table64;
        let r = table_range(addr(dst, wide), addr(len, wide), tab.elems.len())?;
        tab.elems[r].fill(val);
        Ok(())
    }

    /// `table.copy`.
    pub(crate) fn table_copy(
        &mut self,
        inst: u32,
        (dst_table, src_table): (u32, u32),
        dst: u64,
        src: u64,
        len: u64,
    ) -> Result<(), Trap> {
        let (dt, st) = (self.table_index_of(inst, dst_table), self.table_index_of(inst, src_table));
        let dw = self.table(dt).ty.table64;
        let sw = self.table(st).ty.table64;
        let (d, s, n) = (addr(dst, dw), addr(src, sw), addr(len, dw && sw));
        let sr = table_range(s, n, self.table(st).elems.len())?;
        let dr = table_range(d, n, self.table(dt).elems.len())?;
        if dt == st {
            self.table_mut(dt).elems.copy_within(sr, dr.start);
        } else {
            let items = self.table(st).elems[sr].to_vec();
            self.table_mut(dt).elems[dr].copy_from_slice(&items);
        }
        Ok(())
    }

    /// `table.init` from element segment `seg`.
    pub(crate) fn table_init(
        &mut self,
        inst: u32,
        (table, seg): (u32, u32),
        dst: u64,
        src: u64,
        len: u64,
    ) -> Result<(), Trap> {
        let t = self.table_index_of(inst, table);
        let items = &self.instance(inst).elems[seg as usize];
        let wide = self.table(t).ty.table64;
        let n = addr(len, false);
        let sr = table_range(addr(src, false), n, items.len())?;
        let dr = table_range(addr(dst, wide), n, self.table(t).elems.len())?;
        let items = items[sr].to_vec();
        self.table_mut(t).elems[dr].copy_from_slice(&items);
        Ok(())
    }

    /// `elem.drop`.
    pub(crate) fn elem_drop(&mut self, inst: u32, seg: u32) {
        self.instance_mut(inst).elems[seg as usize] = Box::new([]);
    }
}
