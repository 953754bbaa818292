//! Turning faults in compiled code into traps.
//!
//! Compiled code is entered through [`catch_traps`], which records a jump
//! buffer for the current thread. A trap instruction (SIGILL), an access
//! beyond a memory's accessible bytes (SIGSEGV/SIGBUS) or a hardware
//! division fault (SIGFPE) at a pc inside registered Wasm code is looked up
//! in that code's trap table; the handler notes the trap and the Wasm
//! frames (walking frame pointers) and jumps back. Faults that are not
//! Wisp's go to the handler installed before ours.

use std::cell::{Cell, RefCell};
use std::sync::Once;

use wisp_environ::{TRAP_PENDING, Trap};

use super::code;

unsafe extern "C" {
    fn wisp_catch(
        body: unsafe extern "C" fn(*mut libc::c_void),
        payload: *mut libc::c_void,
        slot: *mut *mut libc::c_void,
    ) -> libc::c_int;
    fn wisp_unwind(buf: *mut libc::c_void) -> !;
}

/// Most Wasm frames recorded for one trap.
const MAX_FRAMES: usize = 128;

/// Why compiled code stopped early. Filled in by the signal handler, so it
/// lives on the stack of `catch_traps` and never allocates.
pub(crate) struct Unwound {
    /// The trap code, or [`TRAP_PENDING`].
    code: u8,
    /// The faulting pc, then the return addresses of the Wasm frames.
    pcs: [usize; MAX_FRAMES],
    len: usize,
}

impl Unwound {
    fn push(&mut self, pc: usize) -> bool {
        if self.len == MAX_FRAMES {
            return false;
        }
        self.pcs[self.len] = pc;
        self.len += 1;
        true
    }
}

struct CallState {
    jmp: Cell<*mut libc::c_void>,
    unwound: RefCell<Unwound>,
    /// Set by runtime functions before they ask compiled code to trap.
    pending: RefCell<Option<VMError>>,
    /// Panic payload of a host function, resumed after unwinding.
    panic: RefCell<Option<Box<dyn std::any::Any + Send>>>,
}

thread_local! {
    static CURRENT: Cell<*const CallState> = const { Cell::new(std::ptr::null()) };
}

/// Why a runtime function stopped compiled code.
#[derive(Debug)]
pub(crate) enum VMError {
    /// A trap.
    Trap(Trap),
    /// A host function's error, carried through compiled code as it is.
    Host(Box<dyn std::error::Error + Send + Sync>),
}

/// Records the error a runtime function reports before returning the
/// "trap pending" status to compiled code.
pub(crate) fn set_pending(error: VMError) {
    CURRENT.with(|c| {
        let p = c.get();
        if !p.is_null() {
            // SAFETY: CURRENT points at the live CallState of the innermost
            // `catch_traps` on this thread.
            unsafe { *(*p).pending.borrow_mut() = Some(error) };
        }
    });
}

/// Records a host function's panic, resumed once compiled code unwound.
pub(crate) fn set_panic(payload: Box<dyn std::any::Any + Send>) {
    CURRENT.with(|c| {
        let p = c.get();
        if !p.is_null() {
            // SAFETY: as in `set_pending`.
            unsafe { *(*p).panic.borrow_mut() = Some(payload) };
        }
    });
}

/// The outcome of [`catch_traps`] when compiled code did not return.
#[derive(Debug)]
pub(crate) struct Caught {
    /// Why.
    pub(crate) error: VMError,
    /// The faulting pc (for traps compiled code raised itself), then the
    /// return addresses of the Wasm frames, innermost first.
    pub(crate) pcs: Vec<usize>,
}

/// Runs `body`, which calls compiled code; returns how it unwound if it
/// trapped.
pub(crate) fn catch_traps(body: &mut dyn FnMut()) -> Result<(), Caught> {
    install_handlers();
    let state = CallState {
        jmp: Cell::new(std::ptr::null_mut()),
        unwound: RefCell::new(Unwound { code: 0, pcs: [0; MAX_FRAMES], len: 0 }),
        pending: RefCell::new(None),
        panic: RefCell::new(None),
    };
    let prev = CURRENT.with(|c| c.replace(&state));
    /// # Safety
    /// `payload` must point at a live `&mut dyn FnMut()`.
    unsafe extern "C" fn call(payload: *mut libc::c_void) {
        // SAFETY: `payload` is the `&mut &mut dyn FnMut()` passed below,
        // alive for the duration of `wisp_catch`.
        let body = unsafe { &mut *payload.cast::<&mut dyn FnMut()>() };
        body();
    }
    let mut body = body;
    // SAFETY: `call` receives a pointer to `body`, which outlives the call;
    // `state.jmp` is the slot wisp_unwind is given by our handler.
    let ok = unsafe { wisp_catch(call, (&raw mut body).cast(), state.jmp.as_ptr()) };
    CURRENT.with(|c| c.set(prev));
    if let Some(payload) = state.panic.take() {
        std::panic::resume_unwind(payload);
    }
    if ok != 0 {
        return Ok(());
    }
    let unwound = state.unwound.borrow();
    let pcs = unwound.pcs[..unwound.len].to_vec();
    let error = if unwound.code == TRAP_PENDING {
        state.pending.take().unwrap_or(VMError::Trap(Trap::Unreachable))
    } else {
        VMError::Trap(Trap::from_code(unwound.code).unwrap_or(Trap::Unreachable))
    };
    Err(Caught { error, pcs })
}

static INSTALL: Once = Once::new();
static mut PREVIOUS: [std::mem::MaybeUninit<libc::sigaction>; 4] =
    [std::mem::MaybeUninit::uninit(); 4];
const SIGNALS: [libc::c_int; 4] = [libc::SIGSEGV, libc::SIGBUS, libc::SIGILL, libc::SIGFPE];

fn install_handlers() {
    INSTALL.call_once(|| {
        for (i, &sig) in SIGNALS.iter().enumerate() {
            // SAFETY: a zeroed sigaction is valid; we fill handler, flags
            // and mask, and keep the previous action to chain to. This runs
            // once, before any handler can read PREVIOUS.
            unsafe {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = handler as *const () as usize;
                action.sa_flags = libc::SA_SIGINFO | libc::SA_NODEFER | libc::SA_ONSTACK;
                libc::sigemptyset(&mut action.sa_mask);
                let prev = (&raw mut PREVIOUS[i]).cast::<libc::sigaction>();
                libc::sigaction(sig, &action, prev);
            }
        }
    });
}

/// The pc and frame pointer at the fault.
///
/// # Safety
/// `ctx` must be the `ucontext_t` a signal handler received.
#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
unsafe fn registers(ctx: *mut libc::c_void) -> (usize, usize) {
    // SAFETY: guaranteed by the caller.
    let uc = unsafe { &*ctx.cast::<libc::ucontext_t>() };
    (
        uc.uc_mcontext.gregs[libc::REG_RIP as usize] as usize,
        uc.uc_mcontext.gregs[libc::REG_RBP as usize] as usize,
    )
}

/// The pc and frame pointer at the fault.
///
/// # Safety
/// `ctx` must be the `ucontext_t` a signal handler received.
#[cfg(all(target_os = "linux", target_arch = "aarch64"))]
unsafe fn registers(ctx: *mut libc::c_void) -> (usize, usize) {
    // SAFETY: guaranteed by the caller.
    let uc = unsafe { &*ctx.cast::<libc::ucontext_t>() };
    (uc.uc_mcontext.pc as usize, uc.uc_mcontext.regs[29] as usize)
}

unsafe extern "C" fn handler(sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    let state = CURRENT.with(|c| c.get());
    if !state.is_null() {
        // SAFETY: the kernel passes a valid ucontext to SA_SIGINFO handlers.
        let (pc, fp) = unsafe { registers(ctx) };
        // The code's record is released before unwinding: `wisp_unwind`
        // skips destructors, and a reference held across it would keep
        // the record alive for ever.
        let trap = code::lookup(pc).and_then(|info| info.trap_at(pc));
        if let Some(code) = trap {
            // SAFETY: CURRENT is the live CallState of this thread's
            // innermost catch_traps; nothing else borrows it while
            // compiled code runs.
            let state = unsafe { &*state };
            let mut unwound = state.unwound.borrow_mut();
            unwound.code = code;
            unwound.len = 0;
            unwound.push(pc);
            // SAFETY: compiled code keeps frame pointers; each Wasm
            // frame stores the caller's fp at [fp] and the return
            // address at [fp + 8]. We stop at the first return address
            // outside Wasm code (the entry trampoline).
            unsafe { walk_frames(fp, &mut unwound) };
            drop(unwound);
            // SAFETY: jmp is the buffer of the catch_traps below us.
            unsafe { wisp_unwind(state.jmp.get()) };
        }
    }
    // SAFETY: chaining to the previous handler with the same arguments.
    unsafe { chain(sig, info, ctx) }
}

/// Records the return addresses of the Wasm frames above `fp`.
///
/// # Safety
/// `fp` must be a frame pointer of compiled Wasm code (or of its caller).
unsafe fn walk_frames(mut fp: usize, unwound: &mut Unwound) {
    while fp != 0 {
        // SAFETY: guaranteed by the caller for the first frame; each Wasm
        // frame links to its caller's valid frame.
        let (next, ret) = unsafe { (*(fp as *const usize), *((fp + 8) as *const usize)) };
        match code::lookup(ret) {
            Some(info) if info.func_at(ret).is_some() => {
                if !unwound.push(ret) {
                    break;
                }
            }
            _ => break,
        }
        fp = next;
    }
}

/// Passes a signal that is not ours to whoever handled it before.
///
/// # Safety
/// Must be called from our signal handler with its arguments.
unsafe fn chain(sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    let Some(i) = SIGNALS.iter().position(|&s| s == sig) else { return };
    // SAFETY: PREVIOUS was written before our handler was installed.
    let prev = unsafe { &*(&raw const PREVIOUS[i]).cast::<libc::sigaction>() };
    if prev.sa_flags & libc::SA_SIGINFO != 0 {
        let f: unsafe extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
            // SAFETY: SA_SIGINFO says sa_sigaction is a three-argument handler.
            unsafe { std::mem::transmute(prev.sa_sigaction) };
        // SAFETY: forwarding the kernel's arguments.
        unsafe { f(sig, info, ctx) };
    } else if prev.sa_sigaction == libc::SIG_DFL || prev.sa_sigaction == libc::SIG_IGN {
        // Restore the default action; returning re-executes the faulting
        // instruction, which now terminates the process as it would have.
        // SAFETY: resetting a signal to its default disposition.
        unsafe {
            libc::signal(sig, libc::SIG_DFL);
        }
    } else {
        let f: unsafe extern "C" fn(libc::c_int) =
            // SAFETY: without SA_SIGINFO, sa_sigaction is a one-argument handler.
            unsafe { std::mem::transmute(prev.sa_sigaction) };
        // SAFETY: forwarding the signal number.
        unsafe { f(sig) };
    }
}
