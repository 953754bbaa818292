//! How much of the current thread's stack is left.
//!
//! Wasm-to-Wasm calls never use the host stack, but a host function that
//! calls back into Wasm does; each such re-entry checks the room left so
//! that deep host/guest ping-pong traps instead of overflowing the stack,
//! whatever size of stack the embedder's thread has.

use std::cell::Cell;

thread_local! {
    /// Lowest usable address of this thread's stack (0: not yet known).
    static STACK_LOW: Cell<usize> = const { Cell::new(0) };
}

/// Bytes left between the current stack position and the end of the
/// thread's stack, or `None` if the platform does not say.
pub(crate) fn remaining() -> Option<usize> {
    let marker = 0u8;
    let here = std::ptr::addr_of!(marker) as usize;
    let low = STACK_LOW.with(|low| {
        if low.get() == 0 {
            low.set(stack_low().unwrap_or(usize::MAX));
        }
        low.get()
    });
    (low != usize::MAX).then(|| here.saturating_sub(low))
}

#[cfg(target_os = "linux")]
fn stack_low() -> Option<usize> {
    // SAFETY: `attr` is initialised by pthread_getattr_np before use and
    // destroyed afterwards; the out-pointers are valid locals.
    unsafe {
        let mut attr: libc::pthread_attr_t = std::mem::zeroed();
        if libc::pthread_getattr_np(libc::pthread_self(), &mut attr) != 0 {
            return None;
        }
        let mut addr: *mut libc::c_void = std::ptr::null_mut();
        let mut size: libc::size_t = 0;
        let rc = libc::pthread_attr_getstack(&attr, &mut addr, &mut size);
        let mut guard: libc::size_t = 0;
        libc::pthread_attr_getguardsize(&attr, &mut guard);
        libc::pthread_attr_destroy(&mut attr);
        (rc == 0).then(|| addr as usize + guard)
    }
}

#[cfg(not(target_os = "linux"))]
fn stack_low() -> Option<usize> {
    None
}
