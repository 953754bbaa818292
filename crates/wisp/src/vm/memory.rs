//! Linear memory backed by a virtual-memory reservation.
//!
//! Address space is reserved beyond the current size (without backing it),
//! so most growth only makes more pages accessible; growth past the
//! reservation moves the memory to a larger one. Fresh pages come from the
//! kernel zero-filled.
//!
//! Reserving and releasing address space is most of what instantiating a
//! small module costs (tearing down the page tables of an 8 GiB reservation
//! above all), so the engine keeps the reservations of dropped memories in
//! a [`ReservationPool`] and hands them to new memories of the same
//! reservation size, emptied: as fresh as new ones.

use std::ptr::NonNull;
use std::sync::{Arc, Mutex};

use wisp_environ::MemoryType;
use wisp_environ::vmoffsets::STATIC_RESERVATION;

use super::vmcontext::VMMemoryDef;

/// The cap on any memory's size: 4 GiB, the whole 32-bit address space.
const MAX_RESERVATION: u64 = 1 << 32;

/// Smallest reservation made for a memory that may grow: small memories
/// then grow in place for a while.
const MIN_RESERVATION: u64 = 1 << 20;

/// How much of the start of a dropped memory is zeroed in place rather
/// than handed back to the kernel: small modules (and C programs, whose
/// data starts near address 0) touch little else, and clearing a few pages
/// costs less than the page faults that would bring them back.
const KEEP_RESIDENT: usize = 16 << 10;

/// A region of address space: the first `accessible` bytes (a multiple of
/// the OS page size) read-write, the rest inaccessible, all of it private
/// anonymous memory. Unless it is part of a live memory, every byte reads
/// as zero.
#[derive(Debug)]
struct Reservation {
    base: NonNull<u8>,
    bytes: usize,
    accessible: usize,
}

// SAFETY: a reservation is address space owned by whoever holds it; it is
// handed between threads only as a whole.
unsafe impl Send for Reservation {}

/// Reservations of dropped memories, kept for reuse by an engine's stores.
#[derive(Debug)]
pub(crate) struct ReservationPool {
    free: Mutex<Vec<Reservation>>,
    /// The most reservations kept: enough for a host that creates and
    /// drops a store per request on each of its threads, while bounding
    /// the address space (8 GiB each) held by idle ones.
    capacity: usize,
}

impl ReservationPool {
    pub(crate) fn new(capacity: usize) -> Self {
        Self { free: Mutex::default(), capacity }
    }

    /// How many reservations are waiting for reuse.
    pub(crate) fn idle(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Reservation>> {
        self.free.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A pooled reservation of exactly `bytes`, if there is one.
    fn take(&self, bytes: usize) -> Option<Reservation> {
        let mut free = self.lock();
        let i = free.iter().rposition(|r| r.bytes == bytes)?;
        Some(free.swap_remove(i))
    }

    fn has_room(&self) -> bool {
        self.lock().len() < self.capacity
    }

    /// Keeps `r` (which must read as zero) for reuse, or releases it.
    fn put(&self, r: Reservation) {
        let mut free = self.lock();
        if free.len() < self.capacity {
            free.push(r);
        } else {
            drop(free);
            // SAFETY: the reservation was handed to us, so nothing else
            // references it.
            unsafe { release(r.base, r.bytes) }
        }
    }
}

impl Drop for ReservationPool {
    fn drop(&mut self) {
        for r in self.free.get_mut().unwrap_or_else(|e| e.into_inner()).drain(..) {
            // SAFETY: pooled reservations belong to the pool alone.
            unsafe { release(r.base, r.bytes) }
        }
    }
}

#[derive(Debug)]
pub(crate) struct LinearMemory {
    ty: MemoryType,
    /// Start of the reservation (dangling when `reserved` is 0).
    base: NonNull<u8>,
    reserved: usize,
    /// Accessible bytes. The reservation is read-write up to `len` rounded
    /// up to OS pages and inaccessible beyond.
    len: usize,
    /// Maximum size in pages, after applying store limits.
    max_pages: u64,
    /// Base and length as compiled code reads them; kept up to date.
    def: Box<VMMemoryDef>,
    /// Where the reservation goes when the memory is dropped.
    pool: Arc<ReservationPool>,
    /// Whether a file is mapped over part of the memory (a memory image),
    /// so that emptying it takes a fresh mapping.
    file_mapped: bool,
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

/// Gives `[from, to)` of the reservation at `base` protection `prot`.
///
/// # Safety
/// `from..to` must be OS-page aligned and lie within a reservation the
/// caller owns, and no live reference may point into the part whose
/// access is taken away.
unsafe fn protect(base: NonNull<u8>, from: usize, to: usize, prot: libc::c_int) -> bool {
    // SAFETY: guaranteed by the caller.
    unsafe { libc::mprotect(base.as_ptr().add(from).cast(), to - from, prot) == 0 }
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
    /// ([`STATIC_RESERVATION`]), so the memory never moves. The reservation
    /// comes from `pool` if it has one of the right size, and returns there.
    pub(crate) fn new(
        ty: MemoryType,
        limit_bytes: u64,
        whole: bool,
        pool: &Arc<ReservationPool>,
    ) -> Option<Self> {
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
        Self::in_reservation(ty, max_pages, reserved, usize::try_from(min_bytes).ok()?, pool)
    }

    /// A memory of `len` zero bytes in a reservation of `bytes >= len`.
    fn in_reservation(
        ty: MemoryType,
        max_pages: u64,
        bytes: usize,
        len: usize,
        pool: &Arc<ReservationPool>,
    ) -> Option<Self> {
        let r = match pool.take(bytes) {
            Some(r) => r,
            None => Reservation { base: reserve(bytes)?, bytes, accessible: 0 },
        };
        let want = round_to_os_pages(len as u64)?;
        let protected = match r.accessible.cmp(&want) {
            std::cmp::Ordering::Equal => true,
            // SAFETY: the reservation is ours (taken from the pool or just
            // made) and nothing points into it; `want <= bytes`.
            std::cmp::Ordering::Less => unsafe {
                protect(r.base, r.accessible, want, libc::PROT_READ | libc::PROT_WRITE)
            },
            // SAFETY: as above.
            std::cmp::Ordering::Greater => unsafe {
                protect(r.base, want, r.accessible, libc::PROT_NONE)
            },
        };
        if !protected {
            // SAFETY: as above.
            unsafe { release(r.base, r.bytes) };
            return None;
        }
        let def = Box::new(VMMemoryDef { base: r.base.as_ptr(), length: len as u64 });
        Some(Self {
            ty,
            base: r.base,
            reserved: bytes,
            len,
            max_pages,
            def,
            pool: pool.clone(),
            file_mapped: false,
        })
    }

    fn set_len(&mut self, new_len: usize) -> bool {
        if new_len > self.reserved && !self.relocate(new_len) {
            return false;
        }
        if new_len > self.len {
            let os_page = page_size();
            let start = self.len.div_ceil(os_page) * os_page;
            let end = new_len.div_ceil(os_page) * os_page;
            let rw = libc::PROT_READ | libc::PROT_WRITE;
            // SAFETY: [start, end) lies within our reservation (end <=
            // reserved, which is page-aligned) and only gains access.
            if end > start && !unsafe { protect(self.base, start, end, rw) } {
                return false;
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
        let Some(fresh) =
            Self::in_reservation(self.ty, self.max_pages, bytes, self.len, &self.pool)
        else {
            return false;
        };
        let mut old = std::mem::replace(self, fresh);
        // The descriptor's address is what compiled code holds: keep it.
        std::mem::swap(&mut self.def, &mut old.def);
        self.data_mut().copy_from_slice(old.data());
        true
    }

    /// Maps the first `len` bytes of `file` privately (copy-on-write) over
    /// the start of the memory; false (and the memory unchanged) if that
    /// is not possible.
    pub(crate) fn map_file(&mut self, file: std::os::fd::BorrowedFd<'_>, len: usize) -> bool {
        use std::os::fd::AsRawFd;
        if len > self.len || !len.is_multiple_of(page_size()) {
            return false;
        }
        // SAFETY: [base, base+len) lies within the memory's accessible
        // bytes (checked above), which the memory owns exclusively (the
        // exclusive borrow); the private mapping replaces those pages with
        // copy-on-write pages of the file, readable and writable as before.
        let p = unsafe {
            libc::mmap(
                self.base.as_ptr().cast(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_FIXED,
                file.as_raw_fd(),
                0,
            )
        };
        self.file_mapped |= p != libc::MAP_FAILED;
        p != libc::MAP_FAILED
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

    /// Returns the accessible pages to zero-filled anonymous memory, giving
    /// how many bytes stay accessible, or `None` if the kernel refused.
    fn empty(&mut self) -> Option<usize> {
        let accessible = round_to_os_pages(self.len as u64)?;
        let base = self.base.as_ptr().cast();
        let done = if self.file_mapped {
            // A fresh anonymous mapping replaces the file's pages (which
            // `MADV_DONTNEED` would only restore to the file's contents).
            // SAFETY: [base, base+accessible) is our own reservation, which
            // nothing references any more (the memory is being dropped).
            let p = unsafe {
                libc::mmap(
                    base,
                    accessible,
                    libc::PROT_READ | libc::PROT_WRITE,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE | libc::MAP_FIXED,
                    -1,
                    0,
                )
            };
            p != libc::MAP_FAILED
        } else {
            let keep = accessible.min(KEEP_RESIDENT);
            // SAFETY: [base, base+keep) is read-write and, as above, ours.
            unsafe { std::ptr::write_bytes(self.base.as_ptr(), 0, keep) };
            // On private anonymous memory, the pages read as zero again.
            // SAFETY: as above; [keep, accessible) lies within the memory.
            keep == accessible
                || unsafe {
                    libc::madvise(
                        self.base.as_ptr().add(keep).cast(),
                        accessible - keep,
                        libc::MADV_DONTNEED,
                    ) == 0
                }
        };
        done.then_some(accessible)
    }
}

fn round_to_os_pages(bytes: u64) -> Option<usize> {
    let os_page = page_size() as u64;
    usize::try_from(bytes.div_ceil(os_page) * os_page).ok()
}

impl Drop for LinearMemory {
    fn drop(&mut self) {
        if self.reserved == 0 {
            return;
        }
        if self.pool.has_room()
            && let Some(accessible) = self.empty()
        {
            self.pool.put(Reservation { base: self.base, bytes: self.reserved, accessible });
            return;
        }
        // SAFETY: base/reserved describe this memory's own reservation,
        // which nothing references any more.
        unsafe { release(self.base, self.reserved) }
    }
}
