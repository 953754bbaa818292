//! Clocks and `poll_oneoff`.

use std::time::Duration;

use crate::ctx::{Clock, WasiCtx};
use crate::errno::Errno;
use crate::layout::{
    EVENT_SIZE, Event, SUBSCRIPTION_CLOCK_ABSTIME, SUBSCRIPTION_SIZE, Subscription,
    SubscriptionKind, clockid, eventtype,
};
use crate::memory::{GuestMemory, GuestResult};
use crate::table::{Input, Kind};

fn now(ctx: &WasiCtx, id: u32) -> GuestResult<u64> {
    if !ctx.clocks_allowed {
        return Err(Errno::NotCapable);
    }
    match id {
        clockid::REALTIME => Ok(ctx.clock.realtime_ns()),
        clockid::MONOTONIC => Ok(ctx.clock.monotonic_ns()),
        // CPU-time clocks would reveal host scheduling; not offered.
        clockid::PROCESS_CPUTIME | clockid::THREAD_CPUTIME => Err(Errno::NotSup),
        _ => Err(Errno::Inval),
    }
}

pub(crate) fn res_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    id: u32,
    out: u32,
) -> GuestResult<()> {
    now(ctx, id)?;
    mem.write_u64(out, 1)
}

pub(crate) fn time_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    id: u32,
    _precision: u64,
    out: u32,
) -> GuestResult<()> {
    let t = now(ctx, id)?;
    mem.write_u64(out, t)
}

/// Lets `ns` nanoseconds pass: really, or on the virtual clock.
fn sleep(ctx: &mut WasiCtx, ns: u64) {
    match &mut ctx.clock {
        Clock::Host { .. } => std::thread::sleep(Duration::from_nanos(ns)),
        Clock::Virtual { elapsed_ns } => *elapsed_ns = elapsed_ns.saturating_add(ns),
    }
}

pub(crate) fn poll_oneoff(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    subs: u32,
    events: u32,
    count: u32,
    nevents: u32,
) -> GuestResult<()> {
    if count == 0 {
        return Err(Errno::Inval);
    }
    let subs_len = count.checked_mul(SUBSCRIPTION_SIZE as u32).ok_or(Errno::Fault)?;
    let events_len = count.checked_mul(EVENT_SIZE as u32).ok_or(Errno::Fault)?;
    mem.slice(subs, subs_len)?;
    mem.slice(events, events_len)?;
    mem.slice(nevents, 4)?;

    let mut ready = Vec::new();
    // The earliest clock deadline: (nanoseconds from now, userdata).
    let mut timers: Vec<(u64, u64)> = Vec::new();
    for i in 0..count {
        let raw = mem.read_array::<SUBSCRIPTION_SIZE>(subs + i * SUBSCRIPTION_SIZE as u32)?;
        let sub = Subscription::decode(&raw);
        let event = |kind, error: Errno, nbytes| Event {
            userdata: sub.userdata,
            error: error.raw(),
            kind,
            nbytes,
            flags: 0,
        };
        match sub.kind {
            SubscriptionKind::Clock { id, timeout, flags, .. } => match now(ctx, id) {
                Ok(t) => {
                    let wait = if flags & SUBSCRIPTION_CLOCK_ABSTIME != 0 {
                        timeout.saturating_sub(t)
                    } else {
                        timeout
                    };
                    timers.push((wait, sub.userdata));
                }
                Err(e) => ready.push(event(eventtype::CLOCK, e, 0)),
            },
            SubscriptionKind::FdRead(fd) | SubscriptionKind::FdWrite(fd) => {
                let kind = if matches!(sub.kind, SubscriptionKind::FdRead(_)) {
                    eventtype::FD_READ
                } else {
                    eventtype::FD_WRITE
                };
                // Files and the standard streams never block here: files
                // are always ready, and reads of inherited stdin are
                // reported ready with the amount unknown.
                let (error, nbytes) = match ctx.table.get_mut(fd).map(|d| &mut d.kind) {
                    Err(e) => (e, 0),
                    Ok(Kind::File(f)) if kind == eventtype::FD_READ => match f.file.metadata() {
                        Ok(m) => (Errno::Success, m.len().saturating_sub(f.pos)),
                        Err(e) => (e.into(), 0),
                    },
                    Ok(Kind::Stdin(Input::Bytes { data, pos })) if kind == eventtype::FD_READ => {
                        (Errno::Success, (data.len() - *pos) as u64)
                    }
                    Ok(Kind::Stdin(_)) if kind == eventtype::FD_WRITE => (Errno::Badf, 0),
                    Ok(Kind::Output(_)) if kind == eventtype::FD_READ => (Errno::Badf, 0),
                    Ok(Kind::Dir(_)) => (Errno::Badf, 0),
                    Ok(_) => (Errno::Success, 0),
                };
                ready.push(event(kind, error, nbytes));
            }
            SubscriptionKind::Unknown(_) => ready.push(event(0, Errno::Inval, 0)),
        }
    }
    if ready.is_empty() {
        // Nothing is ready: sleep until the earliest timer fires.
        let first = timers.iter().map(|t| t.0).min().unwrap_or(0);
        sleep(ctx, first);
        for &(wait, userdata) in &timers {
            if wait <= first {
                ready.push(Event { userdata, kind: eventtype::CLOCK, ..Event::default() });
            }
        }
    } else {
        for &(wait, userdata) in &timers {
            if wait == 0 {
                ready.push(Event { userdata, kind: eventtype::CLOCK, ..Event::default() });
            }
        }
    }
    for (i, e) in ready.iter().enumerate() {
        mem.write(events + i as u32 * EVENT_SIZE as u32, &e.encode())?;
    }
    mem.write_u32(nevents, ready.len() as u32)
}
