//! Sockets: listening sockets the host grants (`--tcplisten`), and the
//! connections a guest accepts on them.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};

use crate::WasiCtx;
use crate::errno::Errno;
use crate::layout::{fdflags, rights};
use crate::memory::{GuestBuf, GuestMemory, GuestResult};
use crate::table::{Descriptor, Kind};

/// Reads what is available into the buffers: one blocking read, then only
/// what does not block, so a request never waits for more than it needs.
pub(crate) fn read_stream(
    stream: &mut TcpStream,
    mem: &mut GuestMemory<'_>,
    bufs: &[GuestBuf],
) -> GuestResult<u64> {
    let Some(&first) = bufs.iter().find(|b| b.len > 0) else { return Ok(0) };
    let n = stream.read(mem.buf_mut(first))?;
    Ok(n as u64)
}

/// Writes every buffer.
pub(crate) fn write_stream(
    stream: &mut TcpStream,
    mem: &GuestMemory<'_>,
    bufs: &[GuestBuf],
) -> GuestResult<u64> {
    for &buf in bufs {
        stream.write_all(mem.buf(buf))?;
    }
    Ok(bufs.iter().map(|b| b.len as u64).sum())
}

fn socket(ctx: &mut WasiCtx, fd: u32, needed: u64) -> GuestResult<&mut TcpStream> {
    let d = ctx.table.get_mut(fd)?;
    let base = d.base;
    match &mut d.kind {
        Kind::Socket(_) if base & needed != needed => Err(Errno::NotCapable),
        Kind::Socket(s) => Ok(s),
        _ => Err(Errno::NotSock),
    }
}

pub(crate) fn accept(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    flags: u16,
    out: u32,
) -> GuestResult<()> {
    mem.slice(out, 4)?;
    if flags & !fdflags::NONBLOCK != 0 {
        return Err(Errno::Inval);
    }
    let d = ctx.table.get(fd)?;
    let Kind::Listener(listener) = &d.kind else { return Err(Errno::NotSock) };
    if d.base & rights::SOCK_ACCEPT == 0 {
        return Err(Errno::NotCapable);
    }
    let (stream, _) = listener.accept()?;
    stream.set_nonblocking(flags & fdflags::NONBLOCK != 0)?;
    let new = ctx.table.push(Descriptor {
        kind: Kind::Socket(stream),
        base: rights::SOCKET,
        inheriting: 0,
    })?;
    mem.write_u32(out, new)
}

#[allow(clippy::too_many_arguments)] // the shape of `sock_recv`
pub(crate) fn recv(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    flags: u16,
    out_len: u32,
    out_flags: u32,
) -> GuestResult<()> {
    mem.slice(out_len, 4)?;
    mem.slice(out_flags, 2)?;
    const PEEK: u16 = 1;
    const WAITALL: u16 = 2;
    if flags & !(PEEK | WAITALL) != 0 {
        return Err(Errno::Inval);
    }
    let bufs = mem.iovecs(iovs, iovs_len)?;
    let stream = socket(ctx, fd, rights::FD_READ)?;
    let n = match flags {
        0 => read_stream(stream, mem, &bufs)?,
        PEEK => match bufs.iter().find(|b| b.len > 0) {
            Some(&first) => stream.peek(mem.buf_mut(first))? as u64,
            None => 0,
        },
        _ => {
            // WAITALL: fill every buffer unless the peer closes first.
            let mut total = 0u64;
            for &buf in &bufs {
                let dst = mem.buf_mut(buf);
                let mut filled = 0;
                while filled < dst.len() {
                    match stream.read(&mut dst[filled..])? {
                        0 => break,
                        n => filled += n,
                    }
                }
                total += filled as u64;
                if filled < dst.len() {
                    break;
                }
            }
            total
        }
    };
    mem.write_u32(out_len, n as u32)?;
    mem.write(out_flags, &0u16.to_le_bytes())
}

pub(crate) fn send(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    out_len: u32,
) -> GuestResult<()> {
    mem.slice(out_len, 4)?;
    let bufs = mem.iovecs(iovs, iovs_len)?;
    let stream = socket(ctx, fd, rights::FD_WRITE)?;
    let n = write_stream(stream, mem, &bufs)?;
    mem.write_u32(out_len, n as u32)
}

pub(crate) fn shutdown(ctx: &mut WasiCtx, fd: u32, how: u8) -> GuestResult<()> {
    let how = match how {
        1 => Shutdown::Read,
        2 => Shutdown::Write,
        3 => Shutdown::Both,
        _ => return Err(Errno::Inval),
    };
    socket(ctx, fd, rights::SOCK_SHUTDOWN)?.shutdown(how)?;
    Ok(())
}
