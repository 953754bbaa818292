//! `random_get`.

use crate::ctx::WasiCtx;
use crate::errno::Errno;
use crate::memory::{GuestMemory, GuestResult};

pub(crate) fn get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    buf: u32,
    len: u32,
) -> GuestResult<()> {
    if !ctx.random_allowed {
        return Err(Errno::NotCapable);
    }
    let dst = mem.slice_mut(buf, len)?;
    match &mut ctx.rng {
        Some(rng) => rng.fill(dst),
        None => getrandom::getrandom(dst).map_err(|_| Errno::Io)?,
    }
    Ok(())
}
