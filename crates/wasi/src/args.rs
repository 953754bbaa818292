//! `args_*` and `environ_*`: NUL-terminated strings plus a pointer array.

use crate::errno::Errno;
use crate::memory::{GuestMemory, GuestResult};

/// The count and total size (with NULs) of `strings`.
pub(crate) fn sizes(
    strings: &[String],
    mem: &mut GuestMemory<'_>,
    count: u32,
    size: u32,
) -> GuestResult<()> {
    let total: usize = strings.iter().map(|s| s.len() + 1).sum();
    let total = u32::try_from(total).map_err(|_| Errno::Overflow)?;
    mem.write_u32(count, strings.len() as u32)?;
    mem.write_u32(size, total)
}

/// Writes `strings` into `buf` and a pointer to each into `ptrs`.
pub(crate) fn get(
    strings: &[String],
    mem: &mut GuestMemory<'_>,
    ptrs: u32,
    buf: u32,
) -> GuestResult<()> {
    let mut at = buf;
    for (i, s) in strings.iter().enumerate() {
        let slot = ptrs.checked_add(i as u32 * 4).ok_or(Errno::Fault)?;
        mem.write_u32(slot, at)?;
        mem.write(at, s.as_bytes())?;
        let nul = at.checked_add(s.len() as u32).ok_or(Errno::Fault)?;
        mem.write(nul, &[0])?;
        at = nul.checked_add(1).ok_or(Errno::Fault)?;
    }
    Ok(())
}
