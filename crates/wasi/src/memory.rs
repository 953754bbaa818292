//! Bounds-checked access to the guest's linear memory.
//!
//! Every pointer and length the guest passes is checked here before use;
//! a bad one becomes `EFAULT`, never a host panic.

use crate::errno::Errno;
use crate::layout::IOVEC_SIZE;

/// The calling instance's memory, borrowed for one host call.
pub(crate) struct GuestMemory<'a> {
    bytes: &'a mut [u8],
}

/// One guest buffer, already known to lie inside memory.
#[derive(Debug, Clone, Copy)]
pub(crate) struct GuestBuf {
    pub start: usize,
    pub len: usize,
}

pub(crate) type GuestResult<T> = Result<T, Errno>;

impl<'a> GuestMemory<'a> {
    pub fn new(bytes: &'a mut [u8]) -> Self {
        Self { bytes }
    }

    fn range(&self, ptr: u32, len: u32) -> GuestResult<std::ops::Range<usize>> {
        let start = ptr as usize;
        let end = start.checked_add(len as usize).ok_or(Errno::Fault)?;
        if end > self.bytes.len() {
            return Err(Errno::Fault);
        }
        Ok(start..end)
    }

    pub fn slice(&self, ptr: u32, len: u32) -> GuestResult<&[u8]> {
        let r = self.range(ptr, len)?;
        Ok(&self.bytes[r])
    }

    pub fn slice_mut(&mut self, ptr: u32, len: u32) -> GuestResult<&mut [u8]> {
        let r = self.range(ptr, len)?;
        Ok(&mut self.bytes[r])
    }

    pub fn buf(&self, buf: GuestBuf) -> &[u8] {
        &self.bytes[buf.start..buf.start + buf.len]
    }

    pub fn buf_mut(&mut self, buf: GuestBuf) -> &mut [u8] {
        &mut self.bytes[buf.start..buf.start + buf.len]
    }

    pub fn write(&mut self, ptr: u32, data: &[u8]) -> GuestResult<()> {
        let len = u32::try_from(data.len()).map_err(|_| Errno::Fault)?;
        self.slice_mut(ptr, len)?.copy_from_slice(data);
        Ok(())
    }

    pub fn read_array<const N: usize>(&self, ptr: u32) -> GuestResult<[u8; N]> {
        let s = self.slice(ptr, N as u32)?;
        Ok(s.try_into().expect("slice has length N"))
    }

    pub fn write_u32(&mut self, ptr: u32, v: u32) -> GuestResult<()> {
        self.write(ptr, &v.to_le_bytes())
    }

    pub fn write_u64(&mut self, ptr: u32, v: u64) -> GuestResult<()> {
        self.write(ptr, &v.to_le_bytes())
    }

    /// A guest string (UTF-8, no NUL) at `ptr..ptr+len`.
    pub fn str(&self, ptr: u32, len: u32) -> GuestResult<&str> {
        let bytes = self.slice(ptr, len)?;
        let s = std::str::from_utf8(bytes).map_err(|_| Errno::Ilseq)?;
        if s.contains('\0') {
            return Err(Errno::Inval);
        }
        Ok(s)
    }

    /// The buffers of an `iovec` array of `count` entries at `ptr`.
    ///
    /// The array itself must fit in memory, so the result is never longer
    /// than memory / 8 entries; each buffer must fit as well. Buffers whose
    /// lengths together exceed `u32::MAX` are refused with `EINVAL`, as
    /// POSIX does for `readv` past `SSIZE_MAX`.
    pub fn iovecs(&self, ptr: u32, count: u32) -> GuestResult<Vec<GuestBuf>> {
        let bytes_len = count.checked_mul(IOVEC_SIZE as u32).ok_or(Errno::Fault)?;
        let array = self.slice(ptr, bytes_len)?;
        let mut total: u32 = 0;
        let mut bufs = Vec::with_capacity(count as usize);
        for entry in array.chunks_exact(IOVEC_SIZE) {
            let buf_ptr = u32::from_le_bytes(entry[0..4].try_into().unwrap());
            let buf_len = u32::from_le_bytes(entry[4..8].try_into().unwrap());
            let r = self.range(buf_ptr, buf_len)?;
            total = total.checked_add(buf_len).ok_or(Errno::Inval)?;
            bufs.push(GuestBuf { start: r.start, len: buf_len as usize });
        }
        Ok(bufs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_bounds_is_a_fault() {
        let mut mem = vec![0u8; 64];
        let mut m = GuestMemory::new(&mut mem);
        assert!(m.slice(60, 4).is_ok());
        assert_eq!(m.slice(61, 4).unwrap_err(), Errno::Fault);
        assert_eq!(m.slice(u32::MAX, u32::MAX).unwrap_err(), Errno::Fault);
        assert_eq!(m.write_u64(60, 1).unwrap_err(), Errno::Fault);
        assert!(m.write_u32(60, 1).is_ok());
    }

    #[test]
    fn iovecs_are_checked() {
        let mut mem = vec![0u8; 64];
        // Two iovecs at 0: (32, 8) and (40, 24).
        mem[0..4].copy_from_slice(&32u32.to_le_bytes());
        mem[4..8].copy_from_slice(&8u32.to_le_bytes());
        mem[8..12].copy_from_slice(&40u32.to_le_bytes());
        mem[12..16].copy_from_slice(&24u32.to_le_bytes());
        let m = GuestMemory::new(&mut mem);
        let bufs = m.iovecs(0, 2).unwrap();
        assert_eq!((bufs[1].start, bufs[1].len), (40, 24));
        // Too many entries for memory: fault before any allocation.
        assert_eq!(m.iovecs(0, u32::MAX).unwrap_err(), Errno::Fault);
        assert_eq!(m.iovecs(0, 9).unwrap_err(), Errno::Fault);
        let mut mem = vec![0u8; 64];
        mem[4..8].copy_from_slice(&65u32.to_le_bytes());
        assert_eq!(GuestMemory::new(&mut mem).iovecs(0, 1).unwrap_err(), Errno::Fault);
    }

    #[test]
    fn strings_must_be_utf8_without_nul() {
        let mut mem = b"ok\xffa\0".to_vec();
        let m = GuestMemory::new(&mut mem);
        assert_eq!(m.str(0, 2).unwrap(), "ok");
        assert_eq!(m.str(0, 3).unwrap_err(), Errno::Ilseq);
        assert_eq!(m.str(3, 2).unwrap_err(), Errno::Inval);
    }
}
