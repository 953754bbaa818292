//! Threaded dispatch: one handler function per instruction.
//!
//! Every handler executes its instruction and then continues with the next
//! one by calling that instruction's handler, looked up by opcode in
//! [`HANDLERS`], as its very last action. With optimizations on, those calls
//! compile to plain jumps (sibling calls: every handler has the same
//! signature and returns what its callee returns), so the machine code is
//! threaded: each handler ends in its own indirect jump, which the branch
//! predictor learns per instruction, and the hot state travels in argument
//! registers instead of memory:
//!
//! - `ip`: the instruction being executed,
//! - `regs`: the current frame's first cell,
//! - `mem`: the base of memory 0 (its length is [`Ctx::mem_len`]),
//! - `code`: the current function's first instruction (jump targets are
//!   indices from it),
//! - `cx`: the store and the machine, for calls, returns, globals and traps,
//! - `acc`: the accumulator, the value of the last register written (see
//!   `isa`); every handler that writes a register also sets it.
//!
//! Without optimizations the compiler makes every such call a real one, and
//! the host stack would grow with every instruction executed. The build
//! script therefore enables `wisp_threaded` only when the crate is optimized;
//! otherwise each handler returns [`Exit::Next`] to a loop in [`execute`]
//! that calls the next one.
//!
//! Every instruction has a handler: the table is built from the
//! instruction set's own list (`isa::for_each_instr!`), so an instruction
//! without one does not compile. Instructions with heavy or rare semantics
//! (memory and table bulk operations, SIMD, fuel and epoch checks, ...) are
//! marked `cold` below: their handler is a small stub that runs the body in
//! a function of its own, out of line, so the hot handlers stay small.
//!
//! Accesses through `ip`, `regs` and `mem` are unchecked; what makes them
//! sound is established elsewhere and re-established after anything that
//! may move or change them (calls, returns, stack growth, `memory.grow`,
//! host calls):
//! - the translator only emits register operands below the function's
//!   `frame_cells`, and every frame has that many cells in the stack
//!   (`run`, `enter`, `tail_call` grow the stack first);
//! - every code path of a translated function ends in a jump, return or
//!   trap, and jump targets are inside the function, so `ip` stays within
//!   the code;
//! - loads and stores check `address + size <= mem_len` first.
//!
//! Debug builds (and the test profile) assert the first two on every
//! access, which the spec suites then exercise.

use super::executor::Ctx;
use super::isa::{Instr, for_each_instr};
use super::{ops, simd};
use crate::bulk::{addr, range};
use crate::{Error, Trap};

/// Why a handler returned.
#[must_use]
pub(super) enum Exit {
    /// Continue with the instruction at `m.ip` (only without threading).
    #[cfg(not(wisp_threaded))]
    Next,
    /// The entry function returned.
    Done,
    /// The execution failed; the error is in `m.pending`.
    Trap,
    /// A host function must be called; see `m.pending`.
    Host,
}

/// A handler: executes the instruction at `ip` and everything after it
/// until the execution exits.
///
/// # Safety
///
/// `ip` points at an instruction of the current function whose opcode maps
/// to this handler, `code` at that function's first instruction, `regs` at
/// the current frame (with `frame_cells` cells) and `mem` at memory 0 of the
/// current instance, `cx.mem_len` bytes long. If the instruction is an
/// accumulator form, the last argument is the value the instruction before
/// it has just written.
type Handler = unsafe fn(*const Instr, *mut u64, *mut u8, *const Instr, &mut Ctx<'_>, u64) -> Exit;

/// The opcode of an instruction: its discriminant, the first field of its
/// representation (`Instr` is `repr(u16)`).
const fn opcode(instr: &Instr) -> usize {
    // SAFETY: a `repr(u16)` enum starts with its `u16` discriminant.
    (unsafe { *(instr as *const Instr).cast::<u16>() }) as usize
}

/// The handler of the instruction at `ip`.
///
/// # Safety
///
/// `ip` points at an instruction.
#[inline(always)]
unsafe fn handler(ip: *const Instr) -> Handler {
    // SAFETY: `ip` points at an instruction (caller).
    let op = opcode(unsafe { &*ip });
    debug_assert!(op < Instr::COUNT);
    // SAFETY: opcodes are below `Instr::COUNT`.
    unsafe { *HANDLERS.get_unchecked(op) }
}

/// Where a handler finds an instruction its opcode does not map to.
///
/// # Safety
///
/// Never called: [`HANDLERS`] maps each opcode to its own handler.
#[inline(always)]
unsafe fn wrong_handler() -> ! {
    if cfg!(debug_assertions) {
        unreachable!("opcode and handler disagree")
    }
    // SAFETY: unreachable (see above).
    unsafe { std::hint::unreachable_unchecked() }
}

/// The handler table: the handler of each instruction, by opcode.
macro_rules! handler_table {
    ($($name:ident)*) => { [ $( h::$name as Handler, )* ] };
}

/// Handlers by opcode.
static HANDLERS: [Handler; Instr::COUNT] = for_each_instr!(handler_table);

/// Whether `form` takes operand `field` from the accumulator, as the
/// instruction set defines it.
const fn acc_operand_is(form: Instr, field: &str) -> bool {
    let Some(name) = form.acc_operand() else { return false };
    let (a, b) = (name.as_bytes(), field.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Derives the hot state from the machine: the instruction at `m.ip`, the
/// frame, memory 0 and the code.
#[inline(always)]
fn state(cx: &mut Ctx<'_>) -> (*const Instr, *mut u64, *mut u8, *const Instr) {
    let code = cx.m.code.code.as_ptr();
    debug_assert!(cx.m.ip < cx.m.code.code.len());
    // SAFETY: `m.ip` indexes the current function's code.
    let ip = unsafe { code.add(cx.m.ip) };
    debug_assert!(cx.m.fp + cx.m.code.frame_cells as usize <= cx.m.stack.len());
    // SAFETY: the current frame lies within the stack.
    let regs = unsafe { cx.m.stack.as_mut_ptr().add(cx.m.fp) };
    let mem = cx.mem_view();
    (ip, regs, mem, code)
}

/// Runs from `m.ip` until the execution returns, fails, or needs a host call.
#[cfg(wisp_threaded)]
pub(super) fn execute(cx: &mut Ctx<'_>) -> Exit {
    let (ip, regs, mem, code) = state(cx);
    stack_check::set_base(cx);
    // SAFETY: `state` establishes the handler contract. The accumulator
    // starts empty: execution starts or resumes at a function's entry or
    // after a call, where the translator puts no accumulator form.
    unsafe { handler(ip)(ip, regs, mem, code, cx, 0) }
}

/// Runs from `m.ip` until the execution returns, fails, or needs a host call.
#[cfg(not(wisp_threaded))]
pub(super) fn execute(cx: &mut Ctx<'_>) -> Exit {
    loop {
        let (ip, regs, mem, code) = state(cx);
        // Between two handlers the accumulator waits in `cx.acc`.
        let acc = cx.acc;
        // SAFETY: as in the threaded `execute`, with the accumulator the
        // previous handler left (0 on entry and after calls, where the
        // translator puts no accumulator form).
        match unsafe { handler(ip)(ip, regs, mem, code, cx, acc) } {
            Exit::Next => {}
            exit => return exit,
        }
    }
}

/// Continues with the instruction at `ip`: a tail call to its handler.
#[cfg(wisp_threaded)]
macro_rules! next {
    ($ip:expr, $regs:expr, $mem:expr, $code:expr, $cx:expr, $acc:expr) => {{
        let ip: *const Instr = $ip;
        debug_assert!(
            // SAFETY: both point into the current function's code.
            (unsafe { ip.offset_from($code) } as usize) < $cx.m.code.code.len()
        );
        stack_check::check($cx);
        // SAFETY: `ip` is within the code (see the module docs), and the
        // other arguments are passed on unchanged or re-derived.
        return unsafe { handler(ip)(ip, $regs, $mem, $code, $cx, $acc) };
    }};
}

/// Continues with the instruction at `ip`: back to the loop in [`execute`].
#[cfg(not(wisp_threaded))]
macro_rules! next {
    ($ip:expr, $regs:expr, $mem:expr, $code:expr, $cx:expr, $acc:expr) => {{
        let _ = ($regs, $mem);
        $cx.acc = $acc;
        // SAFETY: both point into the current function's code.
        $cx.m.ip = unsafe { $ip.offset_from($code) } as usize;
        return Exit::Next;
    }};
}

/// A check, in debug builds with threading, that handlers really end in
/// jumps: the host stack must not grow as instructions execute.
#[cfg(all(wisp_threaded, debug_assertions, target_arch = "x86_64"))]
mod stack_check {
    use std::cell::Cell;

    use super::Ctx;

    /// Room for the handlers' own frames below the first one.
    const SLACK: usize = 16 << 10;

    thread_local! {
        /// The stack pointer where the current execution started.
        static BASE: Cell<usize> = const { Cell::new(0) };
    }

    fn sp() -> usize {
        let sp: usize;
        // SAFETY: reads the stack pointer; no memory or flags are touched.
        unsafe {
            std::arch::asm!("mov {}, rsp", out(reg) sp, options(nomem, nostack, preserves_flags))
        };
        sp
    }

    pub(super) fn set_base(_: &mut Ctx<'_>) {
        BASE.set(sp());
    }

    #[inline(always)]
    pub(super) fn check(_: &Ctx<'_>) {
        assert!(
            sp() + SLACK >= BASE.get(),
            "a handler's call to the next one was not compiled to a jump"
        );
    }
}

#[cfg(all(wisp_threaded, not(all(debug_assertions, target_arch = "x86_64"))))]
mod stack_check {
    use super::Ctx;

    #[inline(always)]
    pub(super) fn set_base(_: &mut Ctx<'_>) {}

    #[inline(always)]
    pub(super) fn check(_: &Ctx<'_>) {}
}

#[inline(always)]
fn f32_of(c: u64) -> f32 {
    f32::from_bits(c as u32)
}

#[inline(always)]
fn f64_of(c: u64) -> f64 {
    f64::from_bits(c)
}

#[inline(always)]
fn from_f32(v: f32) -> u64 {
    u64::from(v.to_bits())
}

#[inline(always)]
fn from_f64(v: f64) -> u64 {
    v.to_bits()
}

fn i32(c: u64) -> u32 {
    c as u32
}
fn s32(c: u64) -> i32 {
    c as u32 as i32
}
fn s64(c: u64) -> i64 {
    c as i64
}
fn u64_(c: u64) -> u64 {
    c
}

/// Helpers for handler bodies; they expand to `get!`/`set!`, which each
/// handler defines over its own frame.
macro_rules! get128 {
    ($r:expr) => {{
        let r = $r as u32;
        u128::from(get!(r)) | (u128::from(get!(r + 1)) << 64)
    }};
}
macro_rules! set128 {
    ($r:expr, $v:expr) => {{
        let v: u128 = $v;
        let r = $r as u32;
        set!(r, v as u64);
        set!(r + 1, (v >> 64) as u64);
    }};
}
macro_rules! i32bin {
    ($d:tt, $a:tt, $b:tt, |$x:ident, $y:ident| $e:expr) => {{
        let $x = get!($a) as u32;
        let $y = get!($b) as u32;
        set!($d, u64::from($e))
    }};
}
/// The wrapping i32 sum of a register and a register or an immediate: the
/// address an `i32.add` computes for a load or store fused with it.
macro_rules! sum {
    ($a:tt, reg $b:tt) => {
        (get!($a) as u32).wrapping_add(get!($b) as u32)
    };
    ($a:tt, imm $i:expr) => {
        (get!($a) as u32).wrapping_add($i as u32)
    };
    ($a:tt, reg $b:tt << $k:literal) => {
        (get!($a) as u32).wrapping_add((get!($b) as u32) << $k)
    };
}
macro_rules! i64bin {
    ($d:tt, $a:tt, $b:tt, |$x:ident, $y:ident| $e:expr) => {{
        let $x = get!($a);
        let $y = get!($b);
        set!($d, $e)
    }};
}
macro_rules! f32bin {
    ($d:tt, $a:tt, $b:tt, |$x:ident, $y:ident| $e:expr) => {{
        let $x = f32_of(get!($a));
        let $y = f32_of(get!($b));
        set!($d, from_f32($e))
    }};
}
macro_rules! f64bin {
    ($d:tt, $a:tt, $b:tt, |$x:ident, $y:ident| $e:expr) => {{
        let $x = f64_of(get!($a));
        let $y = f64_of(get!($b));
        set!($d, from_f64($e))
    }};
}
macro_rules! cmp {
    ($d:tt, $a:tt, $b:tt, $conv:ident, |$x:ident, $y:ident| $e:expr) => {{
        let $x = $conv(get!($a));
        let $y = $conv(get!($b));
        set!($d, u64::from($e))
    }};
}
macro_rules! un {
    ($d:tt, $a:tt, |$x:ident| $e:expr) => {{
        let $x = get!($a);
        set!($d, $e)
    }};
}
/// A comparison of two float registers.
macro_rules! fcmp {
    ($conv:ident, $a:tt, $b:tt, |$x:ident, $y:ident| $e:expr) => {{
        let $x = $conv(get!($a));
        let $y = $conv(get!($b));
        // `!(x < y)` on purpose: it holds when an operand is NaN.
        #[allow(clippy::neg_cmp_op_on_partial_ord)]
        let holds = $e;
        holds
    }};
}
/// A conditional branch. The taken path is marked cold only so that the
/// compiler keeps a branch: with two equally likely paths it would pick the
/// next instruction's address with a conditional move, and everything after
/// would wait for the comparison instead of running ahead on the branch
/// prediction. Each path then also ends in its own indirect jump.
macro_rules! br_if {
    ($cond:expr, $t:expr) => {{
        if $cond {
            std::hint::cold_path();
            jump!($t);
        }
    }};
}

/// A zero operand, for building an instruction only to read its opcode.
macro_rules! zero {
    ($f:ident) => {
        // SAFETY: handler operands are integers, for which zero is valid.
        unsafe { std::mem::zeroed() }
    };
}

/// Register `r` of the frame at `regs`.
macro_rules! read_reg {
    ($cx:ident, $regs:ident, $r:expr) => {{
        let r = $r as usize;
        debug_assert!(r < $cx.m.code.frame_cells as usize);
        // SAFETY: registers are below `frame_cells` (see the module docs).
        unsafe { *$regs.add(r) }
    }};
}

/// Writes `v` to register `r` of the frame at `regs`. Every register write
/// also leaves the value in the accumulator `acc`, for an accumulator form
/// right after.
macro_rules! write_reg {
    ($cx:ident, $regs:ident, $acc:ident, $r:expr, $v:expr) => {{
        let v: u64 = $v;
        let r = $r as usize;
        debug_assert!(r < $cx.m.code.frame_cells as usize);
        // SAFETY: registers are below `frame_cells` (see the module docs).
        unsafe { *$regs.add(r) = v };
        $acc = v;
    }};
}

/// Defines one handler per listed instruction, in module `h`, where
/// [`HANDLERS`] finds them. In a body, `get!`/`set!` access registers,
/// `extra!` takes the following `Extra` word, `jump!` branches, `tri!`
/// traps on an error, `ld!`/`st!` access memory 0, `sync!` stores the
/// position after this instruction in `m.ip` and `reload!` derives the state
/// anew from the machine after a call or return.
///
/// An entry `Name(fields) [FormA a, FormB b] => { ... }` also defines the
/// handlers of the accumulator forms the instruction set gives it (a
/// compile-time check makes sure the operand each form takes from the
/// accumulator is the one the instruction set says). An entry
/// `Name(fields) => cold { ... }` runs its body out of line, where `get!`,
/// `set!`, `extra!` and `tri!` work alike (`tri!` and `?` fail the
/// execution with the error).
macro_rules! handlers {
    (
        $hdr:tt;
        $(
            $name:ident $( ( $($f:ident),* ) )? $( [ $($var:ident $accf:ident),* ] )?
            => $( $cold:ident )? $body:block
        )*
    ) => {
        /// The handlers, named after their instructions.
        mod h {
            use super::*;

            $(
                handlers!(@item $hdr; $name [$( ( $($f),* ) )?] [$( $($var $accf),* )?] [$($cold)?] $body);
            )*

            /// The out-of-line parts of the `cold` handlers.
            mod cold {
                use super::*;
                $(
                    handlers!(@cold_body $hdr; $name [$( ( $($f),* ) )?] [$($cold)?] $body);
                )*
            }
        }
    };
    // An instruction and its accumulator forms, which differ only in where
    // one operand comes from: the same body, with `get!` of that operand's
    // field reading the accumulator.
    (@item $hdr:tt; $name:ident $fields:tt [$($var:ident $accf:ident),*] [] $body:block) => {
        handlers!(@fn $hdr; $name $fields [] $body);
        $(
            handlers!(@fn $hdr; $var $fields [$accf] $body);
            handlers!(@check_form $var $fields $accf);
        )*
    };
    (@item $hdr:tt; $name:ident $fields:tt [] [cold] $body:block) => {
        handlers!(@stub $hdr; $name);
    };
    (@check_form $var:ident [$( ( $($f:ident),* ) )?] $accf:ident) => {
        const _: () = assert!(
            acc_operand_is(Instr::$var $( ( $(zero!($f)),* ) )?, stringify!($accf)),
            concat!(
                "`", stringify!($var), "` is written to read `", stringify!($accf),
                "` from the accumulator, but the instruction set names another operand"
            ),
        );
    };
    (@cold_body $hdr:tt; $name:ident $fields:tt [] $body:block) => {};
    (
        @cold_body ($ip:ident, $regs:ident, $mem:ident, $code:ident, $cx:ident, $acc:ident);
        $name:ident [$( ( $($f:ident),* ) )?] [cold] $body:block
    ) => {
        /// Executes the instruction at `m.ip` and advances `m.ip` past it
        /// (and its `Extra` words). It neither calls nor returns, so the
        /// frame stays put. Returns the accumulator: the value of the last
        /// register written, or `acc` if none was.
        #[inline(never)]
        #[allow(
            non_snake_case,
            unused_macros,
            unused_variables,
            unused_mut,
            unused_assignments,
            unreachable_code
        )]
        pub(super) fn $name(
            $cx: &mut Ctx<'_>,
            $regs: *mut u64,
            $acc: u64,
        ) -> Result<u64, Error> {
            let mut $acc = $acc;
            let Instr::$name $( ( $($f),* ) )? = $cx.m.code.code[$cx.m.ip] else {
                unreachable!("opcode and handler disagree")
            };
            $cx.m.ip += 1;
            macro_rules! get {
                ($r:expr) => {
                    read_reg!($cx, $regs, $r)
                };
            }
            macro_rules! set {
                ($r:expr, $v:expr) => {
                    write_reg!($cx, $regs, $acc, $r, $v)
                };
            }
            macro_rules! tri {
                ($e:expr) => {
                    $e?
                };
            }
            macro_rules! extra {
                () => {{
                    let Instr::Extra(a, b, c) = $cx.m.code.code[$cx.m.ip] else {
                        unreachable!("translator emits Extra after this instruction")
                    };
                    $cx.m.ip += 1;
                    (a, b, c)
                }};
            }
            $body
            Ok($acc)
        }
    };
    // A cold instruction's handler: runs the out-of-line part, then goes on.
    (@stub ($ip:ident, $regs:ident, $mem:ident, $code:ident, $cx:ident, $acc:ident); $name:ident) => {
        /// # Safety
        /// As for every [`Handler`].
        #[allow(non_snake_case)]
        pub(super) unsafe fn $name(
            $ip: *const Instr,
            $regs: *mut u64,
            _: *mut u8,
            $code: *const Instr,
            $cx: &mut Ctx<'_>,
            $acc: u64,
        ) -> Exit {
            // SAFETY: both point into the current function's code.
            $cx.m.ip = unsafe { $ip.offset_from($code) } as usize;
            // The accumulator goes in and out by value: a pointer to a
            // local here would keep the call to the next handler from
            // compiling to a jump.
            let $acc = match cold::$name($cx, $regs, $acc) {
                Ok(acc) => acc,
                Err(e) => return $cx.fail(e),
            };
            // SAFETY: the out-of-line part leaves `m.ip` at the next
            // instruction of the same function.
            let $ip = unsafe { $code.add($cx.m.ip) };
            // It may have grown or replaced memory 0.
            let $mem = $cx.mem_view();
            next!($ip, $regs, $mem, $code, $cx, $acc)
        }
    };
    (
        @fn ($ip:ident, $regs:ident, $mem:ident, $code:ident, $cx:ident, $acc:ident);
        $name:ident [$( ( $($f:ident),* ) )?] [$($accf:ident)?] $body:block
    ) => {
            /// # Safety
            /// `ip` points at this handler's instruction inside `code`,
            /// `regs` at the current frame's registers, `mem` at the
            /// current memory (the invariants listed in the module docs),
            /// and `acc` holds the value the previous instruction wrote if
            /// this is an accumulator form.
            #[allow(non_snake_case, unused_mut, unused_macros, unused_variables, unused_assignments)]
            pub(super) unsafe fn $name(
                $ip: *const Instr,
                $regs: *mut u64,
                $mem: *mut u8,
                $code: *const Instr,
                $cx: &mut Ctx<'_>,
                $acc: u64,
            ) -> Exit {
                // SAFETY: the table maps this opcode to this handler.
                let Instr::$name $( ( $($f),* ) )? = (unsafe { *$ip }) else {
                    // SAFETY: as above.
                    unsafe { wrong_handler() }
                };
                // SAFETY: every instruction is followed by another or ends
                // the path, so one past it is at most one past the end.
                let mut $ip = unsafe { $ip.add(1) };
                let mut $regs = $regs;
                let mut $mem = $mem;
                let mut $code = $code;
                let mut $acc = $acc;
                macro_rules! get {
                    $( ($accf) => { $acc }; )?
                    ($r:expr) => {
                        read_reg!($cx, $regs, $r)
                    };
                }
                macro_rules! set {
                    ($r:expr, $v:expr) => {
                        write_reg!($cx, $regs, $acc, $r, $v)
                    };
                }
                macro_rules! tri {
                    ($e:expr) => {
                        match $e {
                            Ok(v) => v,
                            Err(t) => return $cx.trap(t),
                        }
                    };
                }
                macro_rules! extra {
                    () => {{
                        // SAFETY: the translator follows this instruction
                        // with an `Extra` word, so `ip` is still within the code.
                        let Instr::Extra(a, b, c) = (unsafe { *$ip }) else {
                            unreachable!("translator emits Extra after this instruction")
                        };
                        // SAFETY: as above; the function continues after the word.
                        $ip = unsafe { $ip.add(1) };
                        (a, b, c)
                    }};
                }
                macro_rules! jump {
                    ($t:expr) => {{
                        let t = $t as usize;
                        debug_assert!(t < $cx.m.code.code.len());
                        // SAFETY: jump targets are inside the function.
                        $ip = unsafe { $code.add(t) };
                    }};
                }
                // Loads and stores at `base + offset`, `base` the i32 the
                // address operand holds, or a sum of registers computed by
                // the handler (see `sum!`).
                macro_rules! ea {
                    ($base:expr, $o:expr, $n:literal) => {{
                        let ea = u64::from($base) + u64::from($o);
                        if ea + $n > $cx.mem_len as u64 {
                            return $cx.trap(Trap::MemoryOutOfBounds);
                        }
                        ea as usize
                    }};
                }
                macro_rules! ldx {
                    ($o:expr, $d:tt, $base:expr, $n:literal, |$x:ident| $e:expr) => {{
                        let ea = ea!($base, $o, $n);
                        // SAFETY: `ea + N <= mem_len`, and `mem`/`mem_len`
                        // describe memory 0 as it is now. (Byte arrays need
                        // no alignment; unlike `read_unaligned`, a plain
                        // read needs no stack temporary, which would keep
                        // checked builds from compiling the tail call to a jump.)
                        let $x: [u8; $n] = unsafe { *$mem.add(ea).cast::<[u8; $n]>() };
                        set!($d, $e)
                    }};
                }
                macro_rules! stx {
                    ($o:expr, $base:expr, $v:tt, $n:literal, |$x:ident| $e:expr) => {{
                        let $x = get!($v);
                        let bytes: [u8; $n] = $e;
                        let ea = ea!($base, $o, $n);
                        // SAFETY: as for loads.
                        unsafe { *$mem.add(ea).cast::<[u8; $n]>() = bytes };
                    }};
                }
                macro_rules! ld {
                    ($d:tt, $a:tt, $o:expr, $n:literal, |$b:ident| $e:expr) => {
                        ldx!($o, $d, get!($a) as u32, $n, |$b| $e)
                    };
                }
                macro_rules! st {
                    ($a:tt, $v:tt, $o:expr, $n:literal, |$x:ident| $e:expr) => {
                        stx!($o, get!($a) as u32, $v, $n, |$x| $e)
                    };
                }
                macro_rules! sync {
                    () => {{
                        // SAFETY: both point into the current function's code.
                        $cx.m.ip = unsafe { $ip.offset_from($code) } as usize;
                    }};
                }
                macro_rules! reload {
                    ($inst:expr) => {{
                        $code = $cx.m.code.code.as_ptr();
                        debug_assert!($cx.m.ip < $cx.m.code.code.len());
                        // SAFETY: `m.ip` indexes the current function's code.
                        $ip = unsafe { $code.add($cx.m.ip) };
                        debug_assert!($cx.m.fp + $cx.m.code.frame_cells as usize <= $cx.m.stack.len());
                        // SAFETY: the current frame lies within the stack.
                        $regs = unsafe { $cx.m.stack.as_mut_ptr().add($cx.m.fp) };
                        // Memory 0 only changes with the instance (or by
                        // `memory.grow`, which updates `mem` itself).
                        if $cx.m.inst != $inst {
                            $mem = $cx.mem_view();
                        }
                    }};
                }
                $body
                next!($ip, $regs, $mem, $code, $cx, $acc)
            }
    };
}

/// Makes a call (`$call`, a `Result<bool>` as from `Ctx::call`), then
/// continues in the callee, or leaves for the driver to call a host
/// function, or fails.
macro_rules! call {
    ($cx:ident, $call:expr) => {{
        sync!();
        let inst = $cx.m.inst;
        match $call {
            Ok(false) => reload!(inst),
            Ok(true) => return Exit::Host,
            Err(e) => return $cx.fail(e),
        }
    }};
}

/// Returns to the caller and continues there.
macro_rules! ret {
    ($cx:ident) => {{
        let inst = $cx.m.inst;
        if !$cx.ret() {
            return Exit::Done;
        }
        reload!(inst);
    }};
}

/// The store function a `call_indirect` reaches (its table in the
/// following `Extra` word).
macro_rules! indirect_target {
    ($cx:ident, $index:expr, $ty:expr) => {{
        let (table, _, _) = extra!();
        tri!($cx.indirect_target(table, get!($index), $ty))
    }};
}

/// The store function a function reference names; traps on null.
macro_rules! func_ref {
    ($cx:ident, $r:expr) => {
        match get!($r).checked_sub(1) {
            Some(func) => func as u32,
            None => return $cx.trap(Trap::NullFunctionReference),
        }
    };
}

handlers! {
    (ip, regs, mem, code, cx, acc);
    I32Add(d, a, b) [I32AddA a, I32AddB b] => { i32bin!(d, a, b, |x, y| x.wrapping_add(y)) }
    I32Sub(d, a, b) [I32SubA a, I32SubB b] => { i32bin!(d, a, b, |x, y| x.wrapping_sub(y)) }
    I32Mul(d, a, b) [I32MulA a, I32MulB b] => { i32bin!(d, a, b, |x, y| x.wrapping_mul(y)) }
    I32DivS(d, a, b) [I32DivSA a, I32DivSB b] => {
        i32bin!(d, a, b, |x, y| tri!(ops::i32_div_s(x as i32, y as i32)) as u32)
    }
    I32DivU(d, a, b) [I32DivUA a, I32DivUB b] => { i32bin!(d, a, b, |x, y| tri!(ops::i32_div_u(x, y))) }
    I32RemS(d, a, b) [I32RemSA a, I32RemSB b] => {
        i32bin!(d, a, b, |x, y| tri!(ops::i32_rem_s(x as i32, y as i32)) as u32)
    }
    I32RemU(d, a, b) [I32RemUA a, I32RemUB b] => { i32bin!(d, a, b, |x, y| tri!(ops::i32_rem_u(x, y))) }
    I32And(d, a, b) [I32AndA a, I32AndB b] => { i32bin!(d, a, b, |x, y| x & y) }
    I32Or(d, a, b) [I32OrA a, I32OrB b] => { i32bin!(d, a, b, |x, y| x | y) }
    I32Xor(d, a, b) [I32XorA a, I32XorB b] => { i32bin!(d, a, b, |x, y| x ^ y) }
    I32Shl(d, a, b) [I32ShlA a, I32ShlB b] => { i32bin!(d, a, b, |x, y| x.wrapping_shl(y)) }
    I32ShrS(d, a, b) [I32ShrSA a, I32ShrSB b] => { i32bin!(d, a, b, |x, y| (x as i32).wrapping_shr(y) as u32) }
    I32ShrU(d, a, b) [I32ShrUA a, I32ShrUB b] => { i32bin!(d, a, b, |x, y| x.wrapping_shr(y)) }
    I32Rotl(d, a, b) [I32RotlA a, I32RotlB b] => { i32bin!(d, a, b, |x, y| x.rotate_left(y % 32)) }
    I32Rotr(d, a, b) [I32RotrA a, I32RotrB b] => { i32bin!(d, a, b, |x, y| x.rotate_right(y % 32)) }
    I32Eq(d, a, b) [I32EqA a, I32EqB b] => { cmp!(d, a, b, i32, |x, y| x == y) }
    I32Ne(d, a, b) [I32NeA a, I32NeB b] => { cmp!(d, a, b, i32, |x, y| x != y) }
    I32LtS(d, a, b) [I32LtSA a, I32LtSB b] => { cmp!(d, a, b, s32, |x, y| x < y) }
    I32LtU(d, a, b) [I32LtUA a, I32LtUB b] => { cmp!(d, a, b, i32, |x, y| x < y) }
    I32GtS(d, a, b) [I32GtSA a, I32GtSB b] => { cmp!(d, a, b, s32, |x, y| x > y) }
    I32GtU(d, a, b) [I32GtUA a, I32GtUB b] => { cmp!(d, a, b, i32, |x, y| x > y) }
    I32LeS(d, a, b) [I32LeSA a, I32LeSB b] => { cmp!(d, a, b, s32, |x, y| x <= y) }
    I32LeU(d, a, b) [I32LeUA a, I32LeUB b] => { cmp!(d, a, b, i32, |x, y| x <= y) }
    I32GeS(d, a, b) [I32GeSA a, I32GeSB b] => { cmp!(d, a, b, s32, |x, y| x >= y) }
    I32GeU(d, a, b) [I32GeUA a, I32GeUB b] => { cmp!(d, a, b, i32, |x, y| x >= y) }
    I64Add(d, a, b) [I64AddA a, I64AddB b] => { i64bin!(d, a, b, |x, y| x.wrapping_add(y)) }
    I64Sub(d, a, b) [I64SubA a, I64SubB b] => { i64bin!(d, a, b, |x, y| x.wrapping_sub(y)) }
    I64Mul(d, a, b) [I64MulA a, I64MulB b] => { i64bin!(d, a, b, |x, y| x.wrapping_mul(y)) }
    I64DivS(d, a, b) [I64DivSA a, I64DivSB b] => {
        i64bin!(d, a, b, |x, y| tri!(ops::i64_div_s(x as i64, y as i64)) as u64)
    }
    I64DivU(d, a, b) [I64DivUA a, I64DivUB b] => { i64bin!(d, a, b, |x, y| tri!(ops::i64_div_u(x, y))) }
    I64RemS(d, a, b) [I64RemSA a, I64RemSB b] => {
        i64bin!(d, a, b, |x, y| tri!(ops::i64_rem_s(x as i64, y as i64)) as u64)
    }
    I64RemU(d, a, b) [I64RemUA a, I64RemUB b] => { i64bin!(d, a, b, |x, y| tri!(ops::i64_rem_u(x, y))) }
    I64And(d, a, b) [I64AndA a, I64AndB b] => { i64bin!(d, a, b, |x, y| x & y) }
    I64Or(d, a, b) [I64OrA a, I64OrB b] => { i64bin!(d, a, b, |x, y| x | y) }
    I64Xor(d, a, b) [I64XorA a, I64XorB b] => { i64bin!(d, a, b, |x, y| x ^ y) }
    I64Shl(d, a, b) [I64ShlA a, I64ShlB b] => { i64bin!(d, a, b, |x, y| x.wrapping_shl(y as u32)) }
    I64ShrS(d, a, b) [I64ShrSA a, I64ShrSB b] => {
        i64bin!(d, a, b, |x, y| (x as i64).wrapping_shr(y as u32) as u64)
    }
    I64ShrU(d, a, b) [I64ShrUA a, I64ShrUB b] => { i64bin!(d, a, b, |x, y| x.wrapping_shr(y as u32)) }
    I64Rotl(d, a, b) [I64RotlA a, I64RotlB b] => { i64bin!(d, a, b, |x, y| x.rotate_left((y % 64) as u32)) }
    I64Rotr(d, a, b) [I64RotrA a, I64RotrB b] => { i64bin!(d, a, b, |x, y| x.rotate_right((y % 64) as u32)) }
    I64Eq(d, a, b) [I64EqA a, I64EqB b] => { cmp!(d, a, b, u64_, |x, y| x == y) }
    I64Ne(d, a, b) [I64NeA a, I64NeB b] => { cmp!(d, a, b, u64_, |x, y| x != y) }
    I64LtS(d, a, b) [I64LtSA a, I64LtSB b] => { cmp!(d, a, b, s64, |x, y| x < y) }
    I64LtU(d, a, b) [I64LtUA a, I64LtUB b] => { cmp!(d, a, b, u64_, |x, y| x < y) }
    I64GtS(d, a, b) [I64GtSA a, I64GtSB b] => { cmp!(d, a, b, s64, |x, y| x > y) }
    I64GtU(d, a, b) [I64GtUA a, I64GtUB b] => { cmp!(d, a, b, u64_, |x, y| x > y) }
    I64LeS(d, a, b) [I64LeSA a, I64LeSB b] => { cmp!(d, a, b, s64, |x, y| x <= y) }
    I64LeU(d, a, b) [I64LeUA a, I64LeUB b] => { cmp!(d, a, b, u64_, |x, y| x <= y) }
    I64GeS(d, a, b) [I64GeSA a, I64GeSB b] => { cmp!(d, a, b, s64, |x, y| x >= y) }
    I64GeU(d, a, b) [I64GeUA a, I64GeUB b] => { cmp!(d, a, b, u64_, |x, y| x >= y) }
    F32Add(d, a, b) [F32AddA a, F32AddB b] => { f32bin!(d, a, b, |x, y| x + y) }
    F32Sub(d, a, b) [F32SubA a, F32SubB b] => { f32bin!(d, a, b, |x, y| x - y) }
    F32Mul(d, a, b) [F32MulA a, F32MulB b] => { f32bin!(d, a, b, |x, y| x * y) }
    F32Div(d, a, b) [F32DivA a, F32DivB b] => { f32bin!(d, a, b, |x, y| x / y) }
    F32Min(d, a, b) => { f32bin!(d, a, b, |x, y| ops::f32_min(x, y)) }
    F32Max(d, a, b) => { f32bin!(d, a, b, |x, y| ops::f32_max(x, y)) }
    F32Copysign(d, a, b) => {
        let x = get!(a) as u32;
        let y = get!(b) as u32;
        set!(d, u64::from((x & 0x7fff_ffff) | (y & 0x8000_0000)))
    }
    F32Eq(d, a, b) => { cmp!(d, a, b, f32_of, |x, y| x == y) }
    F32Ne(d, a, b) => { cmp!(d, a, b, f32_of, |x, y| x != y) }
    F32Lt(d, a, b) => { cmp!(d, a, b, f32_of, |x, y| x < y) }
    F32Gt(d, a, b) => { cmp!(d, a, b, f32_of, |x, y| x > y) }
    F32Le(d, a, b) => { cmp!(d, a, b, f32_of, |x, y| x <= y) }
    F32Ge(d, a, b) => { cmp!(d, a, b, f32_of, |x, y| x >= y) }
    F64Add(d, a, b) [F64AddA a, F64AddB b] => { f64bin!(d, a, b, |x, y| x + y) }
    F64Sub(d, a, b) [F64SubA a, F64SubB b] => { f64bin!(d, a, b, |x, y| x - y) }
    F64Mul(d, a, b) [F64MulA a, F64MulB b] => { f64bin!(d, a, b, |x, y| x * y) }
    F64Div(d, a, b) [F64DivA a, F64DivB b] => { f64bin!(d, a, b, |x, y| x / y) }
    F64Min(d, a, b) => { f64bin!(d, a, b, |x, y| ops::f64_min(x, y)) }
    F64Max(d, a, b) => { f64bin!(d, a, b, |x, y| ops::f64_max(x, y)) }
    F64Copysign(d, a, b) => {
        let x = get!(a);
        let y = get!(b);
        set!(d, (x & !(1 << 63)) | (y & (1 << 63)))
    }
    F64Eq(d, a, b) => { cmp!(d, a, b, f64_of, |x, y| x == y) }
    F64Ne(d, a, b) => { cmp!(d, a, b, f64_of, |x, y| x != y) }
    F64Lt(d, a, b) => { cmp!(d, a, b, f64_of, |x, y| x < y) }
    F64Gt(d, a, b) => { cmp!(d, a, b, f64_of, |x, y| x > y) }
    F64Le(d, a, b) => { cmp!(d, a, b, f64_of, |x, y| x <= y) }
    F64Ge(d, a, b) => { cmp!(d, a, b, f64_of, |x, y| x >= y) }
    I32Eqz(d, a) [I32EqzA a] => { un!(d, a, |x| u64::from(x as u32 == 0)) }
    I32Clz(d, a) => { un!(d, a, |x| u64::from((x as u32).leading_zeros())) }
    I32Ctz(d, a) => { un!(d, a, |x| u64::from((x as u32).trailing_zeros())) }
    I32Popcnt(d, a) => { un!(d, a, |x| u64::from((x as u32).count_ones())) }
    I64Eqz(d, a) [I64EqzA a] => { un!(d, a, |x| u64::from(x == 0)) }
    I64Clz(d, a) => { un!(d, a, |x| u64::from(x.leading_zeros())) }
    I64Ctz(d, a) => { un!(d, a, |x| u64::from(x.trailing_zeros())) }
    I64Popcnt(d, a) => { un!(d, a, |x| u64::from(x.count_ones())) }
    F32Abs(d, a) => { un!(d, a, |x| x & 0x7fff_ffff) }
    F32Neg(d, a) => { un!(d, a, |x| (x as u32 ^ 0x8000_0000) as u64) }
    F32Ceil(d, a) => { un!(d, a, |x| from_f32(ops::quiet_f32(f32_of(x).ceil()))) }
    F32Floor(d, a) => { un!(d, a, |x| from_f32(ops::quiet_f32(f32_of(x).floor()))) }
    F32Trunc(d, a) => { un!(d, a, |x| from_f32(ops::quiet_f32(f32_of(x).trunc()))) }
    F32Nearest(d, a) => {
        un!(d, a, |x| from_f32(ops::quiet_f32(f32_of(x).round_ties_even())))
    }
    F32Sqrt(d, a) => { un!(d, a, |x| from_f32(f32_of(x).sqrt())) }
    F64Abs(d, a) => { un!(d, a, |x| x & !(1 << 63)) }
    F64Neg(d, a) => { un!(d, a, |x| x ^ (1 << 63)) }
    F64Ceil(d, a) => { un!(d, a, |x| from_f64(ops::quiet_f64(f64_of(x).ceil()))) }
    F64Floor(d, a) => { un!(d, a, |x| from_f64(ops::quiet_f64(f64_of(x).floor()))) }
    F64Trunc(d, a) => { un!(d, a, |x| from_f64(ops::quiet_f64(f64_of(x).trunc()))) }
    F64Nearest(d, a) => {
        un!(d, a, |x| from_f64(ops::quiet_f64(f64_of(x).round_ties_even())))
    }
    F64Sqrt(d, a) => { un!(d, a, |x| from_f64(f64_of(x).sqrt())) }
    I32WrapI64(d, a) [I32WrapI64A a] => { un!(d, a, |x| x & 0xffff_ffff) }
    I32TruncF32S(d, a) => {
        un!(d, a, |x| tri!(ops::i32_trunc_f32_s(f32_of(x))) as u32 as u64)
    }
    I32TruncF32U(d, a) => {
        un!(d, a, |x| u64::from(tri!(ops::i32_trunc_f32_u(f32_of(x)))))
    }
    I32TruncF64S(d, a) => {
        un!(d, a, |x| tri!(ops::i32_trunc_f64_s(f64_of(x))) as u32 as u64)
    }
    I32TruncF64U(d, a) => {
        un!(d, a, |x| u64::from(tri!(ops::i32_trunc_f64_u(f64_of(x)))))
    }
    I64ExtendI32S(d, a) [I64ExtendI32SA a] => { un!(d, a, |x| x as u32 as i32 as i64 as u64) }
    I64ExtendI32U(d, a) [I64ExtendI32UA a] => { un!(d, a, |x| x as u32 as u64) }
    I64TruncF32S(d, a) => {
        un!(d, a, |x| tri!(ops::i64_trunc_f32_s(f32_of(x))) as u64)
    }
    I64TruncF32U(d, a) => { un!(d, a, |x| tri!(ops::i64_trunc_f32_u(f32_of(x)))) }
    I64TruncF64S(d, a) => {
        un!(d, a, |x| tri!(ops::i64_trunc_f64_s(f64_of(x))) as u64)
    }
    I64TruncF64U(d, a) => { un!(d, a, |x| tri!(ops::i64_trunc_f64_u(f64_of(x)))) }
    F32ConvertI32S(d, a) => { un!(d, a, |x| from_f32(x as u32 as i32 as f32)) }
    F32ConvertI32U(d, a) => { un!(d, a, |x| from_f32(x as u32 as f32)) }
    F32ConvertI64S(d, a) => { un!(d, a, |x| from_f32(x as i64 as f32)) }
    F32ConvertI64U(d, a) => { un!(d, a, |x| from_f32(x as f32)) }
    F32DemoteF64(d, a) => { un!(d, a, |x| from_f32(f64_of(x) as f32)) }
    F64ConvertI32S(d, a) => { un!(d, a, |x| from_f64(f64::from(x as u32 as i32))) }
    F64ConvertI32U(d, a) => { un!(d, a, |x| from_f64(f64::from(x as u32))) }
    F64ConvertI64S(d, a) => { un!(d, a, |x| from_f64(x as i64 as f64)) }
    F64ConvertI64U(d, a) => { un!(d, a, |x| from_f64(x as f64)) }
    F64PromoteF32(d, a) => { un!(d, a, |x| from_f64(f64::from(f32_of(x)))) }
    I32Extend8S(d, a) [I32Extend8SA a] => { un!(d, a, |x| x as u8 as i8 as i32 as u32 as u64) }
    I32Extend16S(d, a) [I32Extend16SA a] => { un!(d, a, |x| x as u16 as i16 as i32 as u32 as u64) }
    I64Extend8S(d, a) [I64Extend8SA a] => { un!(d, a, |x| x as u8 as i8 as i64 as u64) }
    I64Extend16S(d, a) [I64Extend16SA a] => { un!(d, a, |x| x as u16 as i16 as i64 as u64) }
    I64Extend32S(d, a) [I64Extend32SA a] => { un!(d, a, |x| x as u32 as i32 as i64 as u64) }
    // Rust's float-to-int `as` saturates and maps NaN to 0,
    // which is exactly the `trunc_sat` semantics.
    I32TruncSatF32S(d, a) => { un!(d, a, |x| f32_of(x) as i32 as u32 as u64) }
    I32TruncSatF32U(d, a) => { un!(d, a, |x| u64::from(f32_of(x) as u32)) }
    I32TruncSatF64S(d, a) => { un!(d, a, |x| f64_of(x) as i32 as u32 as u64) }
    I32TruncSatF64U(d, a) => { un!(d, a, |x| u64::from(f64_of(x) as u32)) }
    I64TruncSatF32S(d, a) => { un!(d, a, |x| f32_of(x) as i64 as u64) }
    I64TruncSatF32U(d, a) => { un!(d, a, |x| f32_of(x) as u64) }
    I64TruncSatF64S(d, a) => { un!(d, a, |x| f64_of(x) as i64 as u64) }
    I64TruncSatF64U(d, a) => { un!(d, a, |x| f64_of(x) as u64) }
    Copy(d, a) [CopyA a] => { un!(d, a, |x| x) }
    Copy2(d, a) => { set128!(d, get128!(a)) }
    I32AddImm(d, a, i) [I32AddImmA a] => {
        un!(d, a, |x| u64::from((x as u32).wrapping_add(i as u32)))
    }
    I32MulImm(d, a, i) [I32MulImmA a] => {
        un!(d, a, |x| u64::from((x as u32).wrapping_mul(i as u32)))
    }
    I32AndImm(d, a, i) [I32AndImmA a] => { un!(d, a, |x| u64::from(x as u32 & i as u32)) }
    I32OrImm(d, a, i) [I32OrImmA a] => { un!(d, a, |x| u64::from(x as u32 | i as u32)) }
    I32XorImm(d, a, i) [I32XorImmA a] => { un!(d, a, |x| u64::from(x as u32 ^ i as u32)) }
    I32RotlImm(d, a, i) [I32RotlImmA a] => { un!(d, a, |x| u64::from((x as u32).rotate_left(i as u32))) }
    I64RotlImm(d, a, i) [I64RotlImmA a] => { un!(d, a, |x| x.rotate_left(i as u32)) }
    I32AddShl(k, d, a, b) [I32AddShlA a, I32AddShlB b] => {
        i32bin!(d, a, b, |x, y| x.wrapping_add(y.wrapping_shl(u32::from(k))))
    }
    I32MulAdd(d, a, b) [I32MulAddA a, I32MulAddB b] => {
        i32bin!(d, a, b, |x, y| (get!(d) as u32).wrapping_add(x.wrapping_mul(y)))
    }
    I64MulAdd(d, a, b) [I64MulAddA a, I64MulAddB b] => {
        i64bin!(d, a, b, |x, y| get!(d).wrapping_add(x.wrapping_mul(y)))
    }
    I32RotlXor(k, d, a, b) [I32RotlXorA a, I32RotlXorB b] => {
        i32bin!(d, a, b, |x, y| x.rotate_left(u32::from(k)) ^ y)
    }
    I64RotlXor(k, d, a, b) [I64RotlXorA a, I64RotlXorB b] => {
        i64bin!(d, a, b, |x, y| x.rotate_left(u32::from(k)) ^ y)
    }
    I32XorRotl(k, d, a, b) [I32XorRotlA a, I32XorRotlB b] => { i32bin!(d, a, b, |x, y| (x ^ y).rotate_left(u32::from(k))) }
    I64XorRotl(k, d, a, b) [I64XorRotlA a, I64XorRotlB b] => { i64bin!(d, a, b, |x, y| (x ^ y).rotate_left(u32::from(k))) }
    I32ShlImm(d, a, i) [I32ShlImmA a] => {
        un!(d, a, |x| u64::from((x as u32).wrapping_shl(i as u32)))
    }
    I32ShrSImm(d, a, i) [I32ShrSImmA a] => {
        un!(d, a, |x| u64::from((x as i32).wrapping_shr(i as u32) as u32))
    }
    I32ShrUImm(d, a, i) [I32ShrUImmA a] => {
        un!(d, a, |x| u64::from((x as u32).wrapping_shr(i as u32)))
    }
    I32EqImm(d, a, i) [I32EqImmA a] => { un!(d, a, |x| u64::from(x as u32 == i as u32)) }
    I32NeImm(d, a, i) [I32NeImmA a] => { un!(d, a, |x| u64::from(x as u32 != i as u32)) }
    I32LtSImm(d, a, i) [I32LtSImmA a] => { un!(d, a, |x| u64::from((x as i32) < i)) }
    I32LtUImm(d, a, i) [I32LtUImmA a] => { un!(d, a, |x| u64::from((x as u32) < i as u32)) }
    I32GtSImm(d, a, i) [I32GtSImmA a] => { un!(d, a, |x| u64::from(x as i32 > i)) }
    I32GtUImm(d, a, i) [I32GtUImmA a] => { un!(d, a, |x| u64::from(x as u32 > i as u32)) }
    I32LeSImm(d, a, i) [I32LeSImmA a] => { un!(d, a, |x| u64::from(x as i32 <= i)) }
    I32LeUImm(d, a, i) [I32LeUImmA a] => { un!(d, a, |x| u64::from(x as u32 <= i as u32)) }
    I32GeSImm(d, a, i) [I32GeSImmA a] => { un!(d, a, |x| u64::from(x as i32 >= i)) }
    I32GeUImm(d, a, i) [I32GeUImmA a] => { un!(d, a, |x| u64::from(x as u32 >= i as u32)) }
    I64AddImm(d, a, i) [I64AddImmA a] => { un!(d, a, |x| x.wrapping_add(i as i64 as u64)) }
    I64MulImm(d, a, i) [I64MulImmA a] => { un!(d, a, |x| x.wrapping_mul(i as i64 as u64)) }
    I64AndImm(d, a, i) [I64AndImmA a] => { un!(d, a, |x| x & i as i64 as u64) }
    I64OrImm(d, a, i) [I64OrImmA a] => { un!(d, a, |x| x | i as i64 as u64) }
    I64XorImm(d, a, i) [I64XorImmA a] => { un!(d, a, |x| x ^ i as i64 as u64) }
    I64ShlImm(d, a, i) [I64ShlImmA a] => { un!(d, a, |x| x.wrapping_shl(i as u32)) }
    I64ShrSImm(d, a, i) [I64ShrSImmA a] => { un!(d, a, |x| (x as i64).wrapping_shr(i as u32) as u64) }
    I64ShrUImm(d, a, i) [I64ShrUImmA a] => { un!(d, a, |x| x.wrapping_shr(i as u32)) }
    I64EqImm(d, a, i) [I64EqImmA a] => { un!(d, a, |x| u64::from(x as i64 == i as i64)) }
    I64NeImm(d, a, i) [I64NeImmA a] => { un!(d, a, |x| u64::from(x as i64 != i as i64)) }
    I64LtSImm(d, a, i) [I64LtSImmA a] => { un!(d, a, |x| u64::from((x as i64) < i as i64)) }
    I64LtUImm(d, a, i) [I64LtUImmA a] => { un!(d, a, |x| u64::from(x < i as i64 as u64)) }
    I64GtSImm(d, a, i) [I64GtSImmA a] => { un!(d, a, |x| u64::from(x as i64 > i as i64)) }
    I64GtUImm(d, a, i) [I64GtUImmA a] => { un!(d, a, |x| u64::from(x > i as i64 as u64)) }
    I64LeSImm(d, a, i) [I64LeSImmA a] => { un!(d, a, |x| u64::from(x as i64 <= i as i64)) }
    I64LeUImm(d, a, i) [I64LeUImmA a] => { un!(d, a, |x| u64::from(x <= i as i64 as u64)) }
    I64GeSImm(d, a, i) [I64GeSImmA a] => { un!(d, a, |x| u64::from(x as i64 >= i as i64)) }
    I64GeUImm(d, a, i) [I64GeUImmA a] => { un!(d, a, |x| u64::from(x >= i as i64 as u64)) }
    BrI32Eq(a, b, t) [BrI32EqA a, BrI32EqB b] => { br_if!(get!(a) as u32 == get!(b) as u32, t) }
    BrI32Ne(a, b, t) [BrI32NeA a, BrI32NeB b] => { br_if!(get!(a) as u32 != get!(b) as u32, t) }
    BrI32LtS(a, b, t) [BrI32LtSA a, BrI32LtSB b] => { br_if!((get!(a) as i32) < get!(b) as i32, t) }
    BrI32LtU(a, b, t) [BrI32LtUA a, BrI32LtUB b] => { br_if!((get!(a) as u32) < get!(b) as u32, t) }
    BrI32GtS(a, b, t) [BrI32GtSA a, BrI32GtSB b] => { br_if!(get!(a) as i32 > get!(b) as i32, t) }
    BrI32GtU(a, b, t) [BrI32GtUA a, BrI32GtUB b] => { br_if!(get!(a) as u32 > get!(b) as u32, t) }
    BrI32LeS(a, b, t) [BrI32LeSA a, BrI32LeSB b] => { br_if!(get!(a) as i32 <= get!(b) as i32, t) }
    BrI32LeU(a, b, t) [BrI32LeUA a, BrI32LeUB b] => { br_if!(get!(a) as u32 <= get!(b) as u32, t) }
    BrI32GeS(a, b, t) [BrI32GeSA a, BrI32GeSB b] => { br_if!(get!(a) as i32 >= get!(b) as i32, t) }
    BrI32GeU(a, b, t) [BrI32GeUA a, BrI32GeUB b] => { br_if!(get!(a) as u32 >= get!(b) as u32, t) }
    BrI64Eq(a, b, t) [BrI64EqA a, BrI64EqB b] => { br_if!(get!(a) == get!(b), t) }
    BrI64Ne(a, b, t) [BrI64NeA a, BrI64NeB b] => { br_if!(get!(a) != get!(b), t) }
    BrI64LtS(a, b, t) [BrI64LtSA a, BrI64LtSB b] => { br_if!((get!(a) as i64) < get!(b) as i64, t) }
    BrI64LtU(a, b, t) [BrI64LtUA a, BrI64LtUB b] => { br_if!(get!(a) < get!(b), t) }
    BrI64GtS(a, b, t) [BrI64GtSA a, BrI64GtSB b] => { br_if!(get!(a) as i64 > get!(b) as i64, t) }
    BrI64GtU(a, b, t) [BrI64GtUA a, BrI64GtUB b] => { br_if!(get!(a) > get!(b), t) }
    BrI64LeS(a, b, t) [BrI64LeSA a, BrI64LeSB b] => { br_if!(get!(a) as i64 <= get!(b) as i64, t) }
    BrI64LeU(a, b, t) [BrI64LeUA a, BrI64LeUB b] => { br_if!(get!(a) <= get!(b), t) }
    BrI64GeS(a, b, t) [BrI64GeSA a, BrI64GeSB b] => { br_if!(get!(a) as i64 >= get!(b) as i64, t) }
    BrI64GeU(a, b, t) [BrI64GeUA a, BrI64GeUB b] => { br_if!(get!(a) >= get!(b), t) }
    BrF32Eq(a, b, t) [BrF32EqA a, BrF32EqB b] => { br_if!(fcmp!(f32_of, a, b, |x, y| x == y), t) }
    BrF32Ne(a, b, t) [BrF32NeA a, BrF32NeB b] => { br_if!(fcmp!(f32_of, a, b, |x, y| x != y), t) }
    BrF32Lt(a, b, t) [BrF32LtA a, BrF32LtB b] => { br_if!(fcmp!(f32_of, a, b, |x, y| x < y), t) }
    BrF32Gt(a, b, t) [BrF32GtA a, BrF32GtB b] => { br_if!(fcmp!(f32_of, a, b, |x, y| x > y), t) }
    BrF32Le(a, b, t) [BrF32LeA a, BrF32LeB b] => { br_if!(fcmp!(f32_of, a, b, |x, y| x <= y), t) }
    BrF32Ge(a, b, t) [BrF32GeA a, BrF32GeB b] => { br_if!(fcmp!(f32_of, a, b, |x, y| x >= y), t) }
    BrF32NotLt(a, b, t) [BrF32NotLtA a, BrF32NotLtB b] => { br_if!(fcmp!(f32_of, a, b, |x, y| !(x < y)), t) }
    BrF32NotGt(a, b, t) [BrF32NotGtA a, BrF32NotGtB b] => { br_if!(fcmp!(f32_of, a, b, |x, y| !(x > y)), t) }
    BrF32NotLe(a, b, t) [BrF32NotLeA a, BrF32NotLeB b] => { br_if!(fcmp!(f32_of, a, b, |x, y| !(x <= y)), t) }
    BrF32NotGe(a, b, t) [BrF32NotGeA a, BrF32NotGeB b] => { br_if!(fcmp!(f32_of, a, b, |x, y| !(x >= y)), t) }
    BrF64Eq(a, b, t) [BrF64EqA a, BrF64EqB b] => { br_if!(fcmp!(f64_of, a, b, |x, y| x == y), t) }
    BrF64Ne(a, b, t) [BrF64NeA a, BrF64NeB b] => { br_if!(fcmp!(f64_of, a, b, |x, y| x != y), t) }
    BrF64Lt(a, b, t) [BrF64LtA a, BrF64LtB b] => { br_if!(fcmp!(f64_of, a, b, |x, y| x < y), t) }
    BrF64Gt(a, b, t) [BrF64GtA a, BrF64GtB b] => { br_if!(fcmp!(f64_of, a, b, |x, y| x > y), t) }
    BrF64Le(a, b, t) [BrF64LeA a, BrF64LeB b] => { br_if!(fcmp!(f64_of, a, b, |x, y| x <= y), t) }
    BrF64Ge(a, b, t) [BrF64GeA a, BrF64GeB b] => { br_if!(fcmp!(f64_of, a, b, |x, y| x >= y), t) }
    BrF64NotLt(a, b, t) [BrF64NotLtA a, BrF64NotLtB b] => { br_if!(fcmp!(f64_of, a, b, |x, y| !(x < y)), t) }
    BrF64NotGt(a, b, t) [BrF64NotGtA a, BrF64NotGtB b] => { br_if!(fcmp!(f64_of, a, b, |x, y| !(x > y)), t) }
    BrF64NotLe(a, b, t) [BrF64NotLeA a, BrF64NotLeB b] => { br_if!(fcmp!(f64_of, a, b, |x, y| !(x <= y)), t) }
    BrF64NotGe(a, b, t) [BrF64NotGeA a, BrF64NotGeB b] => { br_if!(fcmp!(f64_of, a, b, |x, y| !(x >= y)), t) }
    BrI32EqImm(a, i, t) [BrI32EqImmA a] => { br_if!(get!(a) as u32 == i as u32, t) }
    BrI32NeImm(a, i, t) [BrI32NeImmA a] => { br_if!(get!(a) as u32 != i as u32, t) }
    BrI32LtSImm(a, i, t) [BrI32LtSImmA a] => { br_if!((get!(a) as i32) < i, t) }
    BrI32LtUImm(a, i, t) [BrI32LtUImmA a] => { br_if!((get!(a) as u32) < i as u32, t) }
    BrI32GtSImm(a, i, t) [BrI32GtSImmA a] => { br_if!(get!(a) as i32 > i, t) }
    BrI32GtUImm(a, i, t) [BrI32GtUImmA a] => { br_if!(get!(a) as u32 > i as u32, t) }
    BrI32LeSImm(a, i, t) [BrI32LeSImmA a] => { br_if!(get!(a) as i32 <= i, t) }
    BrI32LeUImm(a, i, t) [BrI32LeUImmA a] => { br_if!(get!(a) as u32 <= i as u32, t) }
    BrI32GeSImm(a, i, t) [BrI32GeSImmA a] => { br_if!(get!(a) as i32 >= i, t) }
    BrI32GeUImm(a, i, t) [BrI32GeUImmA a] => { br_if!(get!(a) as u32 >= i as u32, t) }
    Br(t) => { jump!(t) }
    BrIfNez(c, t) [BrIfNezA c] => { br_if!(get!(c) as u32 != 0, t) }
    BrIfEqz(c, t) [BrIfEqzA c] => { br_if!(get!(c) as u32 == 0, t) }
    BrIfNez64(c, t) [BrIfNez64A c] => { br_if!(get!(c) != 0, t) }
    BrIfEqz64(c, t) [BrIfEqz64A c] => { br_if!(get!(c) == 0, t) }
    BrTable(c, len) [BrTableA c] => {
        let i = (get!(c) as u32).min(len);
        // SAFETY: the table's `len + 1` entries follow it.
        let entry = unsafe { &*ip.add(i as usize) };
        // Entries are plain jumps: take them directly.
        let Instr::Br(target) = *entry else {
            unreachable!("br_table entries are jumps")
        };
        jump!(target);
    }
    Const32(d, v) => { set!(d, u64::from(v)) }
    Const64(d, v) => { set!(d, v) }
    Select(d, a, b) => {
        let (c, _, _) = extra!();
        let v = if get!(c) as u32 != 0 { get!(a) } else { get!(b) };
        set!(d, v)
    }
    Load32Idx(o, d, a, b) [Load32IdxA a, Load32IdxB b] => {
        ldx!(o, d, sum!(a, reg b), 4, |x| u64::from(u32::from_le_bytes(x)))
    }
    Load64Idx(o, d, a, b) [Load64IdxA a, Load64IdxB b] => {
        ldx!(o, d, sum!(a, reg b), 8, |x| u64::from_le_bytes(x))
    }
    Load8UIdx(o, d, a, b) [Load8UIdxA a, Load8UIdxB b] => {
        ldx!(o, d, sum!(a, reg b), 1, |x| u64::from(x[0]))
    }
    Load16UIdx(o, d, a, b) [Load16UIdxA a, Load16UIdxB b] => {
        ldx!(o, d, sum!(a, reg b), 2, |x| u64::from(u16::from_le_bytes(x)))
    }
    Load8S32Idx(o, d, a, b) [Load8S32IdxA a, Load8S32IdxB b] => {
        ldx!(o, d, sum!(a, reg b), 1, |x| u64::from(x[0] as i8 as i32 as u32))
    }
    Load16S32Idx(o, d, a, b) [Load16S32IdxA a, Load16S32IdxB b] => {
        ldx!(o, d, sum!(a, reg b), 2, |x| u64::from(i16::from_le_bytes(x) as i32 as u32))
    }
    Load32Scaled(o, d, a, b) [Load32ScaledA a, Load32ScaledB b] => {
        ldx!(o, d, sum!(a, reg b << 2), 4, |x| u64::from(u32::from_le_bytes(x)))
    }
    Load64Scaled(o, d, a, b) [Load64ScaledA a, Load64ScaledB b] => {
        ldx!(o, d, sum!(a, reg b << 3), 8, |x| u64::from_le_bytes(x))
    }
    Store32Scaled(o, v, a, b) [Store32ScaledA a, Store32ScaledB b, Store32ScaledV v] => {
        stx!(o, sum!(a, reg b << 2), v, 4, |x| (x as u32).to_le_bytes())
    }
    Store64Scaled(o, v, a, b) [Store64ScaledA a, Store64ScaledB b, Store64ScaledV v] => {
        stx!(o, sum!(a, reg b << 3), v, 8, |x| x.to_le_bytes())
    }
    Load32IdxImm(o, d, a, i) [Load32IdxImmA a] => {
        ldx!(o, d, sum!(a, imm i), 4, |x| u64::from(u32::from_le_bytes(x)))
    }
    Load64IdxImm(o, d, a, i) [Load64IdxImmA a] => {
        ldx!(o, d, sum!(a, imm i), 8, |x| u64::from_le_bytes(x))
    }
    Load8UIdxImm(o, d, a, i) [Load8UIdxImmA a] => {
        ldx!(o, d, sum!(a, imm i), 1, |x| u64::from(x[0]))
    }
    Load16UIdxImm(o, d, a, i) [Load16UIdxImmA a] => {
        ldx!(o, d, sum!(a, imm i), 2, |x| u64::from(u16::from_le_bytes(x)))
    }
    Load8S32IdxImm(o, d, a, i) [Load8S32IdxImmA a] => {
        ldx!(o, d, sum!(a, imm i), 1, |x| u64::from(x[0] as i8 as i32 as u32))
    }
    Load16S32IdxImm(o, d, a, i) [Load16S32IdxImmA a] => {
        ldx!(o, d, sum!(a, imm i), 2, |x| u64::from(i16::from_le_bytes(x) as i32 as u32))
    }
    Store8Idx(o, v, a, b) [Store8IdxA a, Store8IdxB b, Store8IdxV v] => {
        stx!(o, sum!(a, reg b), v, 1, |x| [x as u8])
    }
    Store16Idx(o, v, a, b) [Store16IdxA a, Store16IdxB b, Store16IdxV v] => {
        stx!(o, sum!(a, reg b), v, 2, |x| (x as u16).to_le_bytes())
    }
    Store32Idx(o, v, a, b) [Store32IdxA a, Store32IdxB b, Store32IdxV v] => {
        stx!(o, sum!(a, reg b), v, 4, |x| (x as u32).to_le_bytes())
    }
    Store64Idx(o, v, a, b) [Store64IdxA a, Store64IdxB b, Store64IdxV v] => {
        stx!(o, sum!(a, reg b), v, 8, |x| x.to_le_bytes())
    }
    Store8IdxImm(o, v, a, i) [Store8IdxImmA a, Store8IdxImmV v] => {
        stx!(o, sum!(a, imm i), v, 1, |x| [x as u8])
    }
    Store16IdxImm(o, v, a, i) [Store16IdxImmA a, Store16IdxImmV v] => {
        stx!(o, sum!(a, imm i), v, 2, |x| (x as u16).to_le_bytes())
    }
    Store32IdxImm(o, v, a, i) [Store32IdxImmA a, Store32IdxImmV v] => {
        stx!(o, sum!(a, imm i), v, 4, |x| (x as u32).to_le_bytes())
    }
    Store64IdxImm(o, v, a, i) [Store64IdxImmA a, Store64IdxImmV v] => {
        stx!(o, sum!(a, imm i), v, 8, |x| x.to_le_bytes())
    }
    Load32(d, a, o) [Load32A a] => { ld!(d, a, o, 4, |b| u64::from(u32::from_le_bytes(b))) }
    Load64(d, a, o) [Load64A a] => { ld!(d, a, o, 8, |b| u64::from_le_bytes(b)) }
    Load8U(d, a, o) [Load8UA a] => { ld!(d, a, o, 1, |b| u64::from(b[0])) }
    Load16U(d, a, o) [Load16UA a] => { ld!(d, a, o, 2, |b| u64::from(u16::from_le_bytes(b))) }
    Load8S32(d, a, o) [Load8S32A a] => { ld!(d, a, o, 1, |b| b[0] as i8 as i32 as u32 as u64) }
    Load16S32(d, a, o) [Load16S32A a] => {
        ld!(d, a, o, 2, |b| i16::from_le_bytes(b) as i32 as u32 as u64)
    }
    Load8S64(d, a, o) [Load8S64A a] => { ld!(d, a, o, 1, |b| b[0] as i8 as i64 as u64) }
    Load16S64(d, a, o) [Load16S64A a] => { ld!(d, a, o, 2, |b| i16::from_le_bytes(b) as i64 as u64) }
    Load32S64(d, a, o) [Load32S64A a] => { ld!(d, a, o, 4, |b| i32::from_le_bytes(b) as i64 as u64) }
    Store8(a, v, o) [Store8A a, Store8V v] => { st!(a, v, o, 1, |x| [x as u8]) }
    Store16(a, v, o) [Store16A a, Store16V v] => { st!(a, v, o, 2, |x| (x as u16).to_le_bytes()) }
    Store32(a, v, o) [Store32A a, Store32V v] => { st!(a, v, o, 4, |x| (x as u32).to_le_bytes()) }
    Store64(a, v, o) [Store64A a, Store64V v] => { st!(a, v, o, 8, |x| x.to_le_bytes()) }
    Return => {
        ret!(cx);
    }
    Return1(r) [Return1A r] => {
        let v = get!(r);
        set!(0u32, v);
        ret!(cx);
    }
    ReturnImm(v) => {
        set!(0u32, u64::from(v as u32));
        ret!(cx);
    }
    Call(f, base) => {
        call!(
            cx,
            if f >= cx.m.num_imported {
                cx.enter(cx.m.inst, f, base).map(|()| false)
            } else {
                let func = cx.store.func_index_of(cx.m.inst, f);
                cx.call(func, base)
            }
        );
    }
    CallIndirect(index, base, ty) => {
        let func = indirect_target!(cx, index, ty);
        call!(cx, cx.call(func, base));
    }
    CallRef(r, base) => {
        let func = func_ref!(cx, r);
        call!(cx, cx.call(func, base));
    }
    ReturnCall(f, base) => {
        let func = cx.store.func_index_of(cx.m.inst, f);
        call!(cx, cx.tail_call(func, base));
    }
    ReturnCallIndirect(index, base, ty) => {
        let func = indirect_target!(cx, index, ty);
        call!(cx, cx.tail_call(func, base));
    }
    ReturnCallRef(r, base) => {
        let func = func_ref!(cx, r);
        call!(cx, cx.tail_call(func, base));
    }
    GlobalGet(d, g) => {
        let g = cx.store.global_of(cx.m.inst, g).value;
        set!(d, g as u64)
    }
    GlobalSet(r, g) [GlobalSetA r] => {
        cx.store.global_of_mut(cx.m.inst, g).value = u128::from(get!(r));
    }
    // Out of line.
    Extra(a, b, c) => cold { unreachable!("Extra words are consumed by their instruction") }
    Fuel(cost) => cold {
        match cx.store.fuel().checked_sub(u64::from(cost)) {
            Some(left) => *cx.store.fuel_mut() = left,
            None => return Err(Trap::OutOfFuel.into()),
        }
    }
    EpochCheck => cold {
        let now = cx.store.engine().current_epoch();
        if now >= cx.store.epoch_deadline() {
            return Err(Trap::Interrupted.into());
        }
    }
    Unreachable => cold { return Err(Trap::Unreachable.into()) }
    RefAsNonNull(d, a) => cold {
        let v = get!(a);
        if v == 0 {
            return Err(Trap::NullReference.into());
        }
        set!(d, v)
    }
    ConstV128(d, i) => cold { set128!(d, cx.m.code.consts[i as usize]) }
    Select2(d, a, b) => cold {
        let (c, _, _) = extra!();
        let v = if get!(c) as u32 != 0 { get128!(a) } else { get128!(b) };
        set128!(d, v)
    }
    GlobalGet2(d, g) => cold {
        let g = cx.store.global_of(cx.m.inst, g).value;
        set128!(d, g)
    }
    GlobalSet2(r, g) => cold {
        cx.store.global_of_mut(cx.m.inst, g).value = get128!(r);
    }
    MemArg(mem, hi) => cold {
        // The translator follows a prefix with its access.
        let next = cx.m.code.code[cx.m.ip];
        cx.m.ip += 1;
        let mem = cx.store.memory_index_of(cx.m.inst, mem);
        prefixed_access(cx, next, mem as usize, u64::from(hi) << 32)?;
    }
    MemorySize(d, m) => cold {
        let pages = cx.store.memory_of(cx.m.inst, m).pages();
        set!(d, pages)
    }
    MemoryGrow(d, delta, m) => cold {
        let old = tri!(cx.store.memory_grow(cx.m.inst, m, get!(delta)));
        set!(d, old);
    }
    MemoryFill(dst, val, len) => cold {
        let (m, _, _) = extra!();
        tri!(cx.store.memory_fill(cx.m.inst, m, get!(dst), get!(val) as u8, get!(len)));
    }
    MemoryCopy(dst, src, len) => cold {
        let (dm, sm, _) = extra!();
        let mems = (dm, sm);
        tri!(cx.store.memory_copy(cx.m.inst, mems, get!(dst), get!(src), get!(len)));
    }
    MemoryInit(dst, src, len) => cold {
        let (seg, m, _) = extra!();
        let at = (m, seg);
        tri!(cx.store.memory_init(cx.m.inst, at, get!(dst), get!(src), get!(len)));
    }
    DataDrop(seg) => cold { cx.store.data_drop(cx.m.inst, seg) }
    TableGet(d, i, t) => cold {
        let table = cx.store.table_of(cx.m.inst, t);
        let i = addr(get!(i), table.ty.table64);
        match usize::try_from(i).ok().and_then(|i| table.elems.get(i)) {
            Some(&v) => set!(d, v),
            None => return Err(Trap::TableOutOfBounds.into()),
        }
    }
    TableSet(i, v, t) => cold {
        let table = cx.store.table_of_mut(cx.m.inst, t);
        let i = addr(get!(i), table.ty.table64);
        match usize::try_from(i).ok().and_then(|i| table.elems.get_mut(i)) {
            Some(slot) => *slot = get!(v),
            None => return Err(Trap::TableOutOfBounds.into()),
        }
    }
    TableSize(d, t) => cold {
        let size = cx.store.table_of(cx.m.inst, t).size();
        set!(d, size)
    }
    TableGrow(d, init, delta) => cold {
        let (t, _, _) = extra!();
        let old = tri!(cx.store.table_grow(cx.m.inst, t, get!(delta), get!(init)));
        set!(d, old)
    }
    TableFill(i, v, n) => cold {
        let (t, _, _) = extra!();
        tri!(cx.store.table_fill(cx.m.inst, t, get!(i), get!(v), get!(n)));
    }
    TableCopy(dst, src, n) => cold {
        let (dt, st, _) = extra!();
        let tables = (dt, st);
        tri!(cx.store.table_copy(cx.m.inst, tables, get!(dst), get!(src), get!(n)));
    }
    TableInit(dst, src, n) => cold {
        let (seg, t, _) = extra!();
        let at = (t, seg);
        tri!(cx.store.table_init(cx.m.inst, at, get!(dst), get!(src), get!(n)));
    }
    ElemDrop(seg) => cold { cx.store.elem_drop(cx.m.inst, seg) }
    RefFunc(d, f) => cold {
        let f = cx.store.func_index_of(cx.m.inst, f);
        set!(d, u64::from(f) + 1)
    }
    RefIsNull(d, a) => cold { un!(d, a, |x| u64::from(x == 0)) }
    V128Unary(op, d, a) => cold { set128!(d, simd::unary(op, get128!(a))) }
    V128Binary(op, d, a, b) => cold { set128!(d, simd::binary(op, get128!(a), get128!(b))) }
    V128Ternary(op, d, a, b) => cold {
        let (c, _, _) = extra!();
        set128!(d, simd::ternary(op, get128!(a), get128!(b), get128!(c)))
    }
    V128Shift(op, d, a, b) => cold { set128!(d, simd::shift(op, get128!(a), get!(b) as u32)) }
    V128Splat(op, d, a) => cold { set128!(d, simd::splat(op, get!(a))) }
    V128Extract(op, lane, d, a) => cold { set!(d, simd::extract_lane(op, get128!(a), lane)) }
    V128Replace(op, lane, d, a, x) => cold {
        set128!(d, simd::replace_lane(op, get128!(a), get!(x), lane))
    }
    V128Test(op, d, a) => cold { set!(d, u64::from(simd::test(op, get128!(a)))) }
    V128Shuffle(d, a, b) => cold {
        let (i, _, _) = extra!();
        let lanes = cx.m.code.consts[i as usize].to_le_bytes();
        set128!(d, simd::shuffle(&lanes, get128!(a), get128!(b)))
    }
    V128Load(op, d, a, o) => cold {
        prefixed_access(cx, Instr::V128Load(op, d, a, o), cx.m.mem0, 0)?;
    }
    V128Store(a, v, o) => cold {
        prefixed_access(cx, Instr::V128Store(a, v, o), cx.m.mem0, 0)?;
    }
    V128LoadLane(w, lane, d, a, v) => cold {
        prefixed_access(cx, Instr::V128LoadLane(w, lane, d, a, v), cx.m.mem0, 0)?;
    }
    V128StoreLane(w, lane, a, v) => cold {
        prefixed_access(cx, Instr::V128StoreLane(w, lane, a, v), cx.m.mem0, 0)?;
    }
}

#[inline(always)]
fn load<const N: usize>(data: &[u8], ea: u64) -> Result<[u8; N], Trap> {
    let start = usize::try_from(ea).map_err(|_| Trap::MemoryOutOfBounds)?;
    match data.get(start..start.wrapping_add(N)) {
        Some(bytes) if start.checked_add(N).is_some() => {
            let mut out = [0u8; N];
            out.copy_from_slice(bytes);
            Ok(out)
        }
        _ => Err(Trap::MemoryOutOfBounds),
    }
}

#[inline(always)]
fn store_bytes(data: &mut [u8], ea: u64, bytes: &[u8]) -> Result<(), Trap> {
    let start = usize::try_from(ea).map_err(|_| Trap::MemoryOutOfBounds)?;
    let end = start.checked_add(bytes.len()).ok_or(Trap::MemoryOutOfBounds)?;
    match data.get_mut(start..end) {
        Some(dst) => {
            dst.copy_from_slice(bytes);
            Ok(())
        }
        None => Err(Trap::MemoryOutOfBounds),
    }
}

/// A memory access to memory `mem` (a store index) with `offset_hi`
/// added to the static offset: accesses to memories other than 0, to
/// 64-bit memories, with offsets beyond 32 bits, and all v128 accesses.
#[inline(never)]
fn prefixed_access(cx: &mut Ctx<'_>, instr: Instr, mem: usize, offset_hi: u64) -> Result<(), Trap> {
    let memory = cx.store.memory_mut(mem as u32);
    let wide = memory.ty().memory64;
    let fp = cx.m.fp;
    let stack = &mut cx.m.stack[..];
    let ea = |stack: &[u64], a: u32, o: u32| -> Result<u64, Trap> {
        addr(stack[fp + a as usize], wide)
            .checked_add(u64::from(o) + offset_hi)
            .ok_or(Trap::MemoryOutOfBounds)
    };
    let get128 = |stack: &[u64], r: u32| {
        let at = fp + r as usize;
        u128::from(stack[at]) | (u128::from(stack[at + 1]) << 64)
    };
    let data = memory.data_mut();
    use Instr as I;
    macro_rules! ld {
        ($d:expr, $a:expr, $o:expr, $n:literal, |$b:ident| $e:expr) => {{
            let $b: [u8; $n] = load(data, ea(stack, $a, $o)?)?;
            stack[fp + $d as usize] = $e;
        }};
    }
    macro_rules! st {
        ($a:expr, $v:expr, $o:expr, |$x:ident| $e:expr) => {{
            let $x = stack[fp + $v as usize];
            let bytes = $e;
            store_bytes(data, ea(stack, $a, $o)?, &bytes)?;
        }};
    }
    match instr {
        I::Load32(d, a, o) => ld!(d, a, o, 4, |b| u64::from(u32::from_le_bytes(b))),
        I::Load64(d, a, o) => ld!(d, a, o, 8, |b| u64::from_le_bytes(b)),
        I::Load8U(d, a, o) => ld!(d, a, o, 1, |b| u64::from(b[0])),
        I::Load16U(d, a, o) => ld!(d, a, o, 2, |b| u64::from(u16::from_le_bytes(b))),
        I::Load8S32(d, a, o) => ld!(d, a, o, 1, |b| b[0] as i8 as i32 as u32 as u64),
        I::Load16S32(d, a, o) => {
            ld!(d, a, o, 2, |b| i16::from_le_bytes(b) as i32 as u32 as u64)
        }
        I::Load8S64(d, a, o) => ld!(d, a, o, 1, |b| b[0] as i8 as i64 as u64),
        I::Load16S64(d, a, o) => ld!(d, a, o, 2, |b| i16::from_le_bytes(b) as i64 as u64),
        I::Load32S64(d, a, o) => ld!(d, a, o, 4, |b| i32::from_le_bytes(b) as i64 as u64),
        I::Store8(a, v, o) => st!(a, v, o, |x| [x as u8]),
        I::Store16(a, v, o) => st!(a, v, o, |x| (x as u16).to_le_bytes()),
        I::Store32(a, v, o) => st!(a, v, o, |x| (x as u32).to_le_bytes()),
        I::Store64(a, v, o) => st!(a, v, o, |x| x.to_le_bytes()),
        I::V128Load(op, d, a, o) => {
            let start = ea(stack, a, o)?;
            let n = op.bytes();
            let r = range(start, n as u64, data.len())?;
            let v = simd::load(op, &data[r]);
            let at = fp + d as usize;
            stack[at] = v as u64;
            stack[at + 1] = (v >> 64) as u64;
        }
        I::V128Store(a, v, o) => {
            let bytes = get128(stack, v).to_le_bytes();
            store_bytes(data, ea(stack, a, o)?, &bytes)?;
        }
        I::V128LoadLane(w, lane, d, a, v) => {
            let Instr::Extra(o, _, _) = cx.m.code.code[cx.m.ip] else {
                unreachable!("translator emits Extra after V128LoadLane")
            };
            cx.m.ip += 1;
            let start = ea(stack, a, o)?;
            let r = range(start, w.bytes() as u64, data.len())?;
            let out = simd::load_lane(w, get128(stack, v), &data[r], lane);
            let at = fp + d as usize;
            stack[at] = out as u64;
            stack[at + 1] = (out >> 64) as u64;
        }
        I::V128StoreLane(w, lane, a, v) => {
            let Instr::Extra(o, _, _) = cx.m.code.code[cx.m.ip] else {
                unreachable!("translator emits Extra after V128StoreLane")
            };
            cx.m.ip += 1;
            let (bytes, n) = simd::store_lane(w, get128(stack, v), lane);
            store_bytes(data, ea(stack, a, o)?, &bytes[..n])?;
        }
        _ => unreachable!("translator only prefixes memory accesses"),
    }
    Ok(())
}
