//! `fd_*` functions: reading, writing and inspecting open descriptors.

use std::io::{Read, Write};
use std::os::unix::fs::FileExt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::ctx::{WasiCtx, stream_filetype};
use crate::errno::Errno;
use crate::layout::{
    Fdstat, Filestat, encode_dirent, encode_prestat_dir, fdflags, filetype, fstflags, rights,
    whence,
};
use crate::memory::{GuestBuf, GuestMemory, GuestResult};
use crate::stat;
use crate::table::{Input, Kind, Output};

/// Reads from `file` at `offset` into the guest buffers, stopping at the
/// first short read; returns the byte count.
fn read_at(
    file: &std::fs::File,
    offset: u64,
    mem: &mut GuestMemory<'_>,
    bufs: &[GuestBuf],
) -> GuestResult<u64> {
    let mut total = 0u64;
    for &buf in bufs {
        let dst = mem.buf_mut(buf);
        let at = offset.checked_add(total).ok_or(Errno::Inval)?;
        let n = loop {
            match file.read_at(dst, at) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                r => break r,
            }
        };
        let n = match n {
            Ok(n) => n,
            Err(_) if total > 0 => break,
            Err(e) => return Err(e.into()),
        };
        total += n as u64;
        if n < buf.len {
            break;
        }
    }
    Ok(total)
}

fn write_at(
    file: &std::fs::File,
    offset: u64,
    mem: &GuestMemory<'_>,
    bufs: &[GuestBuf],
) -> GuestResult<u64> {
    let mut total = 0u64;
    for &buf in bufs {
        let at = offset.checked_add(total).ok_or(Errno::Fbig)?;
        match file.write_all_at(mem.buf(buf), at) {
            Ok(()) => total += buf.len as u64,
            Err(_) if total > 0 => break,
            Err(e) => return Err(e.into()),
        }
    }
    Ok(total)
}

fn read_input(input: &mut Input, mem: &mut GuestMemory<'_>, bufs: &[GuestBuf]) -> GuestResult<u64> {
    let mut total = 0u64;
    for &buf in bufs {
        let dst = mem.buf_mut(buf);
        let n = match input {
            Input::Bytes { data, pos } => {
                let rest = &data[*pos..];
                let n = rest.len().min(dst.len());
                dst[..n].copy_from_slice(&rest[..n]);
                *pos += n;
                n
            }
            // One blocking read only: a later iovec must not wait for more
            // input once some has arrived.
            Input::Inherit if total > 0 => break,
            Input::Inherit => std::io::stdin().lock().read(dst)?,
        };
        total += n as u64;
        if n < buf.len {
            break;
        }
    }
    Ok(total)
}

fn write_output(out: &Output, mem: &GuestMemory<'_>, bufs: &[GuestBuf]) -> GuestResult<u64> {
    let mut total = 0u64;
    let host_stream = |w: &mut dyn Write| -> GuestResult<u64> {
        for &buf in bufs {
            w.write_all(mem.buf(buf))?;
        }
        w.flush()?;
        Ok(bufs.iter().map(|b| b.len as u64).sum())
    };
    match out {
        Output::Stdout => return host_stream(&mut std::io::stdout().lock()),
        Output::Stderr => return host_stream(&mut std::io::stderr().lock()),
        Output::File(file) => return host_stream(&mut &*file),
        Output::Sink => return Ok(bufs.iter().map(|b| b.len as u64).sum()),
        Output::Pipe(pipe) => {
            for &buf in bufs {
                let n = pipe.append(mem.buf(buf));
                total += n as u64;
                if n < buf.len {
                    if total == 0 {
                        return Err(Errno::NoSpc);
                    }
                    break;
                }
            }
        }
    }
    Ok(total)
}

/// Checks a result pointer up front so a bad one fails before any effect.
fn check_out(mem: &GuestMemory<'_>, ptr: u32, len: u32) -> GuestResult<()> {
    mem.slice(ptr, len).map(|_| ())
}

/// Where a read or write happens: at the descriptor's cursor (`fd_read`,
/// `fd_write`), or at an offset that leaves the cursor alone (`fd_pread`,
/// `fd_pwrite`).
#[derive(Clone, Copy)]
pub(crate) enum At {
    Cursor,
    Offset(u64),
}

pub(crate) fn read(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    at: At,
    nread: u32,
) -> GuestResult<()> {
    check_out(mem, nread, 4)?;
    let bufs = mem.iovecs(iovs, iovs_len)?;
    let d = ctx.table.get_mut(fd)?;
    let base = d.base;
    let n = match (&mut d.kind, at) {
        (Kind::Stdin(input), At::Cursor) => read_input(input, mem, &bufs)?,
        (Kind::File(f), At::Cursor) => {
            require(base, rights::FD_READ)?;
            let n = read_at(&f.file, f.pos, mem, &bufs)?;
            f.pos += n;
            n
        }
        (Kind::File(f), At::Offset(offset)) => {
            require(base, rights::FD_READ | rights::FD_SEEK)?;
            read_at(&f.file, offset, mem, &bufs)?
        }
        (Kind::Socket(s), At::Cursor) => crate::sock::read_stream(s, mem, &bufs)?,
        (Kind::Dir(_), At::Cursor) => return Err(Errno::IsDir),
        (Kind::Dir(_), At::Offset(_)) => return Err(Errno::Badf),
        (Kind::Output(_), At::Cursor) => return Err(Errno::Badf),
        (Kind::Listener(_), At::Cursor) => return Err(Errno::NotConn),
        (Kind::Stdin(_) | Kind::Output(_) | Kind::Listener(_) | Kind::Socket(_), At::Offset(_)) => {
            return Err(Errno::Spipe);
        }
    };
    mem.write_u32(nread, n as u32)
}

pub(crate) fn write(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    at: At,
    nwritten: u32,
) -> GuestResult<()> {
    check_out(mem, nwritten, 4)?;
    let bufs = mem.iovecs(iovs, iovs_len)?;
    let d = ctx.table.get_mut(fd)?;
    let base = d.base;
    let n = match (&mut d.kind, at) {
        (Kind::Output(out), At::Cursor) => write_output(out, mem, &bufs)?,
        (Kind::File(f), At::Cursor) => {
            require(base, rights::FD_WRITE)?;
            if f.flags & fdflags::APPEND != 0 {
                f.pos = f.file.metadata()?.len();
            }
            let n = write_at(&f.file, f.pos, mem, &bufs)?;
            f.pos += n;
            n
        }
        (Kind::File(f), At::Offset(offset)) => {
            require(base, rights::FD_WRITE | rights::FD_SEEK)?;
            write_at(&f.file, offset, mem, &bufs)?
        }
        (Kind::Socket(s), At::Cursor) => crate::sock::write_stream(s, mem, &bufs)?,
        (Kind::Dir(_), At::Cursor) => return Err(Errno::IsDir),
        (Kind::Dir(_), At::Offset(_)) => return Err(Errno::Badf),
        (Kind::Stdin(_), At::Cursor) => return Err(Errno::Badf),
        (Kind::Listener(_), At::Cursor) => return Err(Errno::NotConn),
        (Kind::Stdin(_) | Kind::Output(_) | Kind::Listener(_) | Kind::Socket(_), At::Offset(_)) => {
            return Err(Errno::Spipe);
        }
    };
    mem.write_u32(nwritten, n as u32)
}

fn require(base: u64, needed: u64) -> GuestResult<()> {
    if base & needed == needed { Ok(()) } else { Err(Errno::NotCapable) }
}

/// Positioned operations on a directory are `EBADF`, on a stream `ESPIPE`.
fn not_file(e: Errno) -> Errno {
    if e == Errno::IsDir { Errno::Badf } else { e }
}

pub(crate) fn seek(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    offset: i64,
    how: u8,
    newoffset: u32,
) -> GuestResult<()> {
    check_out(mem, newoffset, 8)?;
    let d = ctx.table.get_mut(fd)?;
    let needed = if offset == 0 && how == whence::CUR { rights::FD_TELL } else { rights::FD_SEEK };
    let base = d.base;
    let f = d.file().map_err(not_file)?;
    require(base, needed)?;
    let origin = match how {
        whence::SET => 0,
        whence::CUR => f.pos,
        whence::END => f.file.metadata()?.len(),
        _ => return Err(Errno::Inval),
    };
    let pos = origin.checked_add_signed(offset).ok_or(Errno::Inval)?;
    if pos > i64::MAX as u64 {
        return Err(Errno::Inval);
    }
    f.pos = pos;
    mem.write_u64(newoffset, pos)
}

pub(crate) fn tell(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    offset: u32,
) -> GuestResult<()> {
    let d = ctx.table.get_mut(fd)?;
    let f = d.file().map_err(not_file)?;
    let pos = f.pos;
    mem.write_u64(offset, pos)
}

pub(crate) fn fdstat_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    out: u32,
) -> GuestResult<()> {
    let d = ctx.table.get(fd)?;
    let (filetype, flags) = match &d.kind {
        Kind::File(f) => (f.filetype, f.flags),
        Kind::Dir(_) => (filetype::DIRECTORY, 0),
        k @ Kind::Output(Output::Stdout | Output::Stderr) => (stream_filetype(k), fdflags::APPEND),
        k => (stream_filetype(k), 0),
    };
    let stat = Fdstat { filetype, flags, rights_base: d.base, rights_inheriting: d.inheriting };
    mem.write(out, &stat.encode())
}

pub(crate) fn fdstat_set_flags(ctx: &mut WasiCtx, fd: u32, flags: u16) -> GuestResult<()> {
    let d = ctx.table.get_mut(fd)?;
    if flags
        & !(fdflags::APPEND | fdflags::DSYNC | fdflags::NONBLOCK | fdflags::RSYNC | fdflags::SYNC)
        != 0
    {
        return Err(Errno::Inval);
    }
    require(d.base, rights::FD_FDSTAT_SET_FLAGS)?;
    match &mut d.kind {
        Kind::File(f) => {
            // Only APPEND changes how this implementation writes; the
            // synchronisation flags cannot be changed on an open file.
            let sync = fdflags::DSYNC | fdflags::RSYNC | fdflags::SYNC;
            if (flags ^ f.flags) & sync != 0 {
                return Err(Errno::NotSup);
            }
            f.flags = flags;
            Ok(())
        }
        Kind::Listener(l) => Ok(l.set_nonblocking(flags & fdflags::NONBLOCK != 0)?),
        Kind::Socket(s) => Ok(s.set_nonblocking(flags & fdflags::NONBLOCK != 0)?),
        _ => Ok(()),
    }
}

pub(crate) fn fdstat_set_rights(
    ctx: &mut WasiCtx,
    fd: u32,
    base: u64,
    inheriting: u64,
) -> GuestResult<()> {
    let d = ctx.table.get_mut(fd)?;
    // Rights can only be dropped, never gained.
    if base & !d.base != 0 || inheriting & !d.inheriting != 0 {
        return Err(Errno::NotCapable);
    }
    d.base = base;
    d.inheriting = inheriting;
    Ok(())
}

pub(crate) fn filestat_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    out: u32,
) -> GuestResult<()> {
    let d = ctx.table.get(fd)?;
    let stat = match &d.kind {
        Kind::File(f) => stat::from_std(&f.file.metadata()?),
        Kind::Dir(dir) => stat::from_cap(&dir.dir.dir_metadata()?),
        k => Filestat { filetype: stream_filetype(k), ..Filestat::default() },
    };
    mem.write(out, &stat.encode())
}

pub(crate) fn filestat_set_size(ctx: &mut WasiCtx, fd: u32, size: u64) -> GuestResult<()> {
    let d = ctx.table.get_mut(fd)?;
    let base = d.base;
    let f = d.file().map_err(not_file)?;
    require(base, rights::FD_FILESTAT_SET_SIZE)?;
    f.file.set_len(size)?;
    Ok(())
}

/// The new access and modification times from `fstflags`, validated.
pub(crate) fn times(
    atim: u64,
    mtim: u64,
    flags: u16,
) -> GuestResult<(Option<SystemTime>, Option<SystemTime>)> {
    use fstflags::*;
    if flags & !(ATIM | ATIM_NOW | MTIM | MTIM_NOW) != 0
        || (flags & ATIM != 0 && flags & ATIM_NOW != 0)
        || (flags & MTIM != 0 && flags & MTIM_NOW != 0)
    {
        return Err(Errno::Inval);
    }
    let pick = |set: u16, now: u16, value: u64| {
        if flags & now != 0 {
            Some(SystemTime::now())
        } else if flags & set != 0 {
            Some(UNIX_EPOCH + Duration::from_nanos(value))
        } else {
            None
        }
    };
    Ok((pick(ATIM, ATIM_NOW, atim), pick(MTIM, MTIM_NOW, mtim)))
}

pub(crate) fn filestat_set_times(
    ctx: &mut WasiCtx,
    fd: u32,
    atim: u64,
    mtim: u64,
    flags: u16,
) -> GuestResult<()> {
    let (a, m) = times(atim, mtim, flags)?;
    let d = ctx.table.get(fd)?;
    require(d.base, rights::FD_FILESTAT_SET_TIMES)?;
    let mut t = std::fs::FileTimes::new();
    if let Some(a) = a {
        t = t.set_accessed(a);
    }
    if let Some(m) = m {
        t = t.set_modified(m);
    }
    match &d.kind {
        Kind::File(f) => f.file.set_times(t)?,
        Kind::Dir(dir) => dir.dir.try_clone()?.into_std_file().set_times(t)?,
        _ => return Err(Errno::Badf),
    }
    Ok(())
}

pub(crate) fn advise(
    ctx: &mut WasiCtx,
    fd: u32,
    _offset: u64,
    _len: u64,
    advice: u8,
) -> GuestResult<()> {
    let d = ctx.table.get_mut(fd)?;
    d.file().map_err(not_file)?;
    // Advice is only a hint; accept every valid one without acting on it.
    if advice > 5 {
        return Err(Errno::Inval);
    }
    Ok(())
}

pub(crate) fn allocate(ctx: &mut WasiCtx, fd: u32, offset: u64, len: u64) -> GuestResult<()> {
    let d = ctx.table.get_mut(fd)?;
    let base = d.base;
    let f = d.file().map_err(not_file)?;
    require(base, rights::FD_ALLOCATE)?;
    let end = offset.checked_add(len).filter(|&e| e <= i64::MAX as u64).ok_or(Errno::Inval)?;
    if len == 0 {
        return Err(Errno::Inval);
    }
    if end > f.file.metadata()?.len() {
        f.file.set_len(end)?;
    }
    Ok(())
}

pub(crate) fn close(ctx: &mut WasiCtx, fd: u32) -> GuestResult<()> {
    ctx.table.remove(fd).map(drop)
}

pub(crate) fn sync(ctx: &mut WasiCtx, fd: u32, data_only: bool) -> GuestResult<()> {
    let d = ctx.table.get(fd)?;
    match &d.kind {
        Kind::File(f) if data_only => f.file.sync_data()?,
        Kind::File(f) => f.file.sync_all()?,
        Kind::Dir(dir) => dir.dir.try_clone()?.into_std_file().sync_all()?,
        _ => return Err(Errno::Inval),
    }
    Ok(())
}

pub(crate) fn prestat_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    out: u32,
) -> GuestResult<()> {
    let name = preopen_name(ctx, fd)?;
    let len = u32::try_from(name.len()).map_err(|_| Errno::NameTooLong)?;
    mem.write(out, &encode_prestat_dir(len))
}

pub(crate) fn prestat_dir_name(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    path: u32,
    len: u32,
) -> GuestResult<()> {
    let name = preopen_name(ctx, fd)?;
    if (len as usize) < name.len() {
        return Err(Errno::NameTooLong);
    }
    mem.write(path, name.as_bytes())
}

fn preopen_name(ctx: &WasiCtx, fd: u32) -> GuestResult<&str> {
    match &ctx.table.get(fd)?.kind {
        Kind::Dir(dir) => dir.preopen.as_deref().ok_or(Errno::Badf),
        _ => Err(Errno::Badf),
    }
}

pub(crate) fn renumber(ctx: &mut WasiCtx, from: u32, to: u32) -> GuestResult<()> {
    if !ctx.table.contains(from) || !ctx.table.contains(to) {
        return Err(Errno::Badf);
    }
    if from != to {
        let d = ctx.table.remove(from)?;
        ctx.table.insert_at(to, d);
    }
    Ok(())
}

pub(crate) fn readdir(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    buf: u32,
    buf_len: u32,
    cookie: u64,
    bufused: u32,
) -> GuestResult<()> {
    check_out(mem, bufused, 4)?;
    mem.slice(buf, buf_len)?;
    let d = ctx.table.get(fd)?;
    let dir = match &d.kind {
        Kind::Dir(dir) => dir,
        Kind::File(_) => return Err(Errno::NotDir),
        _ => return Err(Errno::Badf),
    };
    if !dir.perms.read {
        return Err(Errno::NotCapable);
    }
    let entries = list_dir(&dir.dir)?;
    let cap = buf_len as usize;
    let mut used = 0usize;
    let skip = usize::try_from(cookie).unwrap_or(usize::MAX);
    for (i, (name, ino, ftype)) in entries.iter().enumerate().skip(skip) {
        let name_len = u32::try_from(name.len()).map_err(|_| Errno::NameTooLong)?;
        let mut record = encode_dirent(i as u64 + 1, *ino, name_len, *ftype).to_vec();
        record.extend_from_slice(name);
        // A record that does not fit is truncated; the guest sees a full
        // buffer and asks again with a larger one.
        let n = record.len().min(cap - used);
        mem.write(buf + used as u32, &record[..n])?;
        used += n;
        if used == cap {
            break;
        }
    }
    mem.write_u32(bufused, used as u32)
}

/// Every entry of `dir` as (name, inode, filetype), `.` and `..` first.
fn list_dir(dir: &cap_std::fs::Dir) -> GuestResult<Vec<(Vec<u8>, u64, u8)>> {
    use cap_std::fs::MetadataExt;
    use std::os::unix::ffi::OsStringExt;
    let here = dir.dir_metadata()?.ino();
    // The parent of a preopen lies outside the sandbox; its inode is not
    // the guest's to know.
    let parent = dir.metadata("..").map(|m| m.ino()).unwrap_or(0);
    let mut entries = vec![
        (b".".to_vec(), here, filetype::DIRECTORY),
        (b"..".to_vec(), parent, filetype::DIRECTORY),
    ];
    for entry in dir.entries()? {
        let entry = entry?;
        let ftype = entry.file_type().map_or(filetype::UNKNOWN, stat::filetype_of_cap);
        let ino = std::os::unix::fs::DirEntryExt::ino(&entry);
        entries.push((entry.file_name().into_vec(), ino, ftype));
    }
    Ok(entries)
}
