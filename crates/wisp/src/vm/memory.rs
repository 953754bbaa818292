//! Linear memory backed by a virtual-memory reservation.
//!
//! Address space is reserved beyond the current size (without backing it),
//! so most growth only makes more pages accessible; growth past the
//! reservation moves the memory to a larger one. Fresh pages come from the
//! kernel zero-filled.

use std::ptr::NonNull;

use wisp_environ::MemoryType;
use wisp_environ::vmoffsets::STATIC_RESERVATION;

use super::vmcontext::VMMemoryDef;

/// The cap on any memory's size: 4 GiB, the whole 32-bit address space.
const MAX_RESERVATION: u64 = 1 << 32;

/// Smallest reservation made for a memory that may grow: small memories
/// then grow in place for a while.
const MIN_RESERVATION: u64 = 1 << 20;

#[derive(Debug)]
pub(crate) struct LinearMemory {
    ty: MemoryType,
    /// Start of the reservation (dangling when `reserved` is 0).
    base: NonNull<u8>,
    reserved: usize,
    /// Accessible bytes.
    len: usize,
    /// Maximum size in pages, after applying store limits.
    max_pages: u64,
    /// Base and length as compiled code reads them; kept up to date.
    def: Box<VMMemoryDef>,
}

/// Reserves `bytes` of inaccessible address space.
fn reserve(bytes: usize) -> Option<NonNull<u8>> {
    if bytes == 0 {
        return Some(NonNull::dangling());
    }
    // SAFETY: an anonymous private mapping with no access; the kernel
    // picks the address. Failure is reported as MAP_FAILED.
    let ptr = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            bytes,
            libc::PROT_NONE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
            -1,
            0,
        )
    };
    if ptr == libc::MAP_FAILED { None } else { NonNull::new(ptr.cast::<u8>()) }
}

/// Releases a reservation made by [`reserve`].
///
/// # Safety
/// `base`/`bytes` must describe a live reservation that nothing references.
unsafe fn release(base: NonNull<u8>, bytes: usize) {
    if bytes != 0 {
        // SAFETY: guaranteed by the caller.
        unsafe {
            libc::munmap(base.as_ptr().cast(), bytes);
        }
    }
}

// SAFETY: the memory exclusively owns its mapping; access goes through
// `&self`/`&mut self`, so the usual borrow rules give thread safety.
unsafe impl Send for LinearMemory {}
// SAFETY: as above; shared references only read.
unsafe impl Sync for LinearMemory {}

fn page_size() -> usize {
    // SAFETY: sysconf has no preconditions.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if size > 0 { size as usize } else { 4096 }
}

impl LinearMemory {
    /// Creates a memory of the type's minimum size. `limit_bytes` is the
    /// store's cap on this memory's size. With `whole`, the reservation
    /// covers everything compiled code can address without bounds checks
    /// ([`STATIC_RESERVATION`]), so the memory never moves.
    pub(crate) fn new(ty: MemoryType, limit_bytes: u64, whole: bool) -> Option<Self> {
        let page = 1u64 << ty.page_size_log2;
        let declared_max = ty.maximum.unwrap_or(u64::MAX).min(ty.absolute_max_pages());
        let max_pages = declared_max.min(limit_bytes.min(MAX_RESERVATION) / page);
        if ty.minimum > max_pages {
            return None;
        }
        let min_bytes = ty.minimum * page;
        let reserved = if whole {
            round_to_os_pages(STATIC_RESERVATION)?
        } else {
            round_to_os_pages((min_bytes * 2).max(MIN_RESERVATION).min(max_pages * page))?
        };
        let base = reserve(reserved)?;
        let def = Box::new(VMMemoryDef { base: base.as_ptr(), length: 0 });
        let mut memory = Self { ty, base, reserved, len: 0, max_pages, def };
        memory.set_len((ty.minimum * page) as usize).then_some(memory)
    }

    fn set_len(&mut self, new_len: usize) -> bool {
        if new_len > self.reserved && !self.relocate(new_len) {
            return false;
        }
        if new_len > self.len {
            let os_page = page_size();
            let start = self.len.div_ceil(os_page) * os_page;
            let end = new_len.div_ceil(os_page) * os_page;
            if end > start {
                // SAFETY: [start, end) lies within our reservation
                // (end <= reserved, which is page-aligned).
                let rc = unsafe {
                    libc::mprotect(
                        self.base.as_ptr().add(start).cast(),
                        end - start,
                        libc::PROT_READ | libc::PROT_WRITE,
                    )
                };
                if rc != 0 {
                    return false;
                }
            }
        }
        self.len = new_len;
        self.def.base = self.base.as_ptr();
        self.def.length = new_len as u64;
        true
    }

    /// Moves the contents to a reservation of at least `needed` bytes.
    fn relocate(&mut self, needed: usize) -> bool {
        let cap = self.max_pages * self.page_bytes();
        let wanted = (needed as u64).max(self.reserved as u64 * 2).min(cap);
        let Some(bytes) = round_to_os_pages(wanted) else { return false };
        let Some(base) = reserve(bytes) else { return false };
        let def = Box::new(VMMemoryDef { base: base.as_ptr(), length: 0 });
        let fresh =
            Self { base, reserved: bytes, len: 0, ty: self.ty, max_pages: self.max_pages, def };
        let mut old = std::mem::replace(self, fresh);
        // The descriptor's address is what compiled code holds: keep it.
        std::mem::swap(&mut self.def, &mut old.def);
        if !self.set_len(old.len) {
            // Keep the old memory; the fresh reservation is released.
            std::mem::swap(&mut self.def, &mut old.def);
            *self = old;
            return false;
        }
        self.data_mut().copy_from_slice(old.data());
        true
    }

    /// The descriptor compiled code reads (stable for the memory's life).
    pub(crate) fn vm_def(&self) -> *const VMMemoryDef {
        &raw const *self.def
    }

    pub(crate) fn ty(&self) -> MemoryType {
        self.ty
    }

    fn page_bytes(&self) -> u64 {
        1u64 << self.ty.page_size_log2
    }

    /// Current size in pages.
    pub(crate) fn pages(&self) -> u64 {
        self.len as u64 / self.page_bytes()
    }

    /// Grows by `delta` pages; returns the old size, or `None` (and leaves
    /// the memory unchanged) when the maximum or `limit_bytes` would be
    /// exceeded.
    pub(crate) fn grow(&mut self, delta: u64, limit_bytes: u64) -> Option<u64> {
        let old = self.pages();
        let new = old.checked_add(delta).filter(|&n| n <= self.max_pages)?;
        let bytes = new.checked_mul(self.page_bytes()).filter(|&b| b <= limit_bytes)?;
        self.set_len(usize::try_from(bytes).ok()?).then_some(old)
    }

    /// The accessible bytes.
    pub(crate) fn data(&self) -> &[u8] {
        // SAFETY: [base, base+len) is mapped read-write (set_len) and owned
        // by self; the shared borrow of self prevents concurrent mutation.
        unsafe { std::slice::from_raw_parts(self.base.as_ptr(), self.len) }
    }

    /// The accessible bytes, mutably.
    pub(crate) fn data_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `data`; the exclusive borrow of self makes this the
        // only view of the bytes.
        unsafe { std::slice::from_raw_parts_mut(self.base.as_ptr(), self.len) }
    }
}

fn round_to_os_pages(bytes: u64) -> Option<usize> {
    let os_page = page_size() as u64;
    usize::try_from(bytes.div_ceil(os_page) * os_page).ok()
}

impl Drop for LinearMemory {
    fn drop(&mut self) {
        // SAFETY: base/reserved describe this memory's own reservation,
        // which nothing references any more.
        unsafe { release(self.base, self.reserved) }
    }
}
