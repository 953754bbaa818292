//! Copy-on-write images of a module's initial memory contents.
//!
//! A module whose data segments all land at constant offsets in its own
//! first memory gets, once, a memory file holding those bytes. Each
//! instance then maps the file privately over the start of its memory:
//! instantiation costs one `mmap` whatever the amount of data, and pages
//! are copied only when an instance writes to them. Where memory files are
//! not available, segments are copied as before.

use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};

use wisp_environ::{ConstOp, DataKind, ModuleInfo};

use super::memory::LinearMemory;

/// Data smaller than this is copied: a copy is cheaper than a mapping.
const MIN_IMAGE_BYTES: u64 = 64 << 10;

/// The initial contents of a module's memory 0.
#[derive(Debug)]
pub(crate) struct MemoryImage {
    file: OwnedFd,
    /// Bytes mapped (a multiple of the OS page size).
    len: usize,
    /// Indices of the data segments the image holds.
    pub(crate) segments: Vec<usize>,
}

fn page_size() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if size > 0 { size as u64 } else { 4096 }
}

impl MemoryImage {
    /// The image of `info`'s memory 0, if the module defines it and its
    /// data is large enough, at constant offsets, and within the initial
    /// size.
    pub(crate) fn build(info: &ModuleInfo) -> Option<MemoryImage> {
        if info.num_imported_memories != 0 || info.memories.is_empty() {
            return None;
        }
        let ty = info.memories[0];
        let initial = ty.minimum.checked_mul(1 << ty.page_size_log2)?;
        let mut placed = Vec::new();
        let mut end = 0u64;
        for (i, seg) in info.datas.iter().enumerate() {
            let DataKind::Active { memory: 0, offset } = &seg.kind else { continue };
            let at = match offset.ops() {
                [ConstOp::I32(v)] => u64::from(*v as u32),
                [ConstOp::I64(v)] => *v as u64,
                _ => return None,
            };
            let seg_end = at.checked_add(seg.bytes.len() as u64)?;
            if seg_end > initial {
                return None;
            }
            end = end.max(seg_end);
            placed.push((i, at));
        }
        let total: u64 = placed.iter().map(|&(i, _)| info.datas[i].bytes.len() as u64).sum();
        if total < MIN_IMAGE_BYTES {
            return None;
        }
        let len = end.div_ceil(page_size()) * page_size();
        // SAFETY: a fresh anonymous memory file; we own the descriptor.
        let fd = unsafe { libc::memfd_create(c"wisp-memory-image".as_ptr(), libc::MFD_CLOEXEC) };
        if fd < 0 {
            return None;
        }
        // SAFETY: `fd` is a new descriptor nothing else owns.
        let file = unsafe { OwnedFd::from_raw_fd(fd) };
        // SAFETY: resizing our own memory file.
        if unsafe { libc::ftruncate(file.as_raw_fd(), len as libc::off_t) } != 0 {
            return None;
        }
        for &(i, at) in &placed {
            let bytes = &info.datas[i].bytes;
            let mut written = 0;
            while written < bytes.len() {
                // SAFETY: writing from a live slice into our own file.
                let n = unsafe {
                    libc::pwrite(
                        file.as_raw_fd(),
                        bytes[written..].as_ptr().cast(),
                        bytes.len() - written,
                        (at + written as u64) as libc::off_t,
                    )
                };
                if n <= 0 {
                    return None;
                }
                written += n as usize;
            }
        }
        let segments = placed.into_iter().map(|(i, _)| i).collect();
        Some(MemoryImage { file, len: len as usize, segments })
    }

    /// Maps the image over the start of `memory`; false (and the memory
    /// unchanged) if that is not possible.
    pub(crate) fn map_into(&self, memory: &mut LinearMemory) -> bool {
        memory.map_file(self.file.as_fd(), self.len)
    }
}
