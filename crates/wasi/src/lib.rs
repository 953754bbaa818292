//! WASI preview1 (`wasi_snapshot_preview1`) for Wisp.
//!
//! A guest reaches the outside world only through a [`WasiCtx`]: the
//! arguments, environment variables, standard streams and directories it
//! was given, plus clocks and randomness unless turned off. Directories
//! are opened through [cap-std](https://docs.rs/cap-std), so every path a
//! guest names is resolved beneath a granted directory; `..`, absolute
//! paths and symlinks cannot lead out of it.
//!
//! ```
//! use wisp::{Engine, Linker, Module, Store};
//! use wisp_wasi::{OutputPipe, WasiCtx, WasiCtxBuilder};
//!
//! # fn main() -> wisp::Result<()> {
//! let engine = Engine::default();
//! let module = Module::new(&engine, r#"
//!     (module
//!       (import "wasi_snapshot_preview1" "fd_write"
//!         (func $fd_write (param i32 i32 i32 i32) (result i32)))
//!       (memory (export "memory") 1)
//!       (data (i32.const 16) "hello\n")
//!       (func (export "_start")
//!         ;; One iovec at 0 pointing at the 6 bytes at 16.
//!         (i32.store (i32.const 0) (i32.const 16))
//!         (i32.store (i32.const 4) (i32.const 6))
//!         (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
//! "#)?;
//!
//! let stdout = OutputPipe::new();
//! let wasi = WasiCtxBuilder::new().arg("hello.wasm").stdout(stdout.clone()).build();
//!
//! let mut linker: Linker<WasiCtx> = Linker::new(&engine);
//! wisp_wasi::add_to_linker(&mut linker, |ctx| ctx)?;
//! let mut store = Store::new(&engine, wasi);
//! let instance = linker.instantiate(&mut store, &module)?;
//! instance.get_typed_func::<(), ()>(&store, "_start")?.call(&mut store, ())?;
//! assert_eq!(stdout.contents(), b"hello\n");
//! # Ok(()) }
//! ```
//!
//! A guest's `proc_exit(code)` ends the call with an error whose
//! [`exit_status`](wisp::Error::exit_status) is `Some(code)`.
//!
//! This crate supports Unix hosts.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod args;
mod clocks;
mod ctx;
mod errno;
mod fd;
mod layout;
mod memory;
mod path;
mod pipe;
mod random;
mod sock;
mod stat;
mod table;

pub use ctx::{DirPerms, WasiCtx, WasiCtxBuilder};
pub use errno::Errno;
pub use pipe::OutputPipe;

use wisp::{Caller, Extern, Linker};

use memory::{GuestMemory, GuestResult};

/// The module name preview1 functions are imported from.
pub const MODULE: &str = "wasi_snapshot_preview1";

/// Lends the caller's [`WasiCtx`] and memory to `f` and turns its outcome
/// into the errno the guest sees.
fn with_ctx<T>(
    caller: &mut Caller<'_, T>,
    get: impl Fn(&mut T) -> &mut WasiCtx,
    f: impl FnOnce(&mut WasiCtx, &mut GuestMemory<'_>) -> GuestResult<()>,
) -> wisp::Result<i32> {
    let memory = caller.get_export("memory").and_then(Extern::into_memory).ok_or_else(|| {
        wisp::Error::host("WASI functions need an exported memory named `memory`")
    })?;
    // The context lives inside the store, and so does memory: move the
    // context out for the call so both can be borrowed at once.
    let mut ctx = std::mem::replace(get(caller.data_mut()), WasiCtx::placeholder());
    let result = f(&mut ctx, &mut GuestMemory::new(memory.data_mut(&mut *caller)));
    *get(caller.data_mut()) = ctx;
    Ok(match result {
        Ok(()) => 0,
        Err(errno) => i32::from(errno.raw()),
    })
}

/// Defines one preview1 function: guest parameters become `u32`/`u64`.
macro_rules! define {
    ($linker:ident, $get:ident, $name:literal, |$ctx:ident, $mem:ident $(, $p:ident : $t:ty)*| $body:expr) => {
        if $linker.1($name) {
            $linker.0.func_wrap(MODULE, $name, move |mut caller: Caller<'_, T>, $($p: $t),*| -> wisp::Result<i32> {
                with_ctx(&mut caller, $get, |$ctx, $mem| {
                    let _ = (&$ctx, &$mem);
                    $body
                })
            })?;
        }
    };
}

/// Defines every `wasi_snapshot_preview1` function in `linker`; `get`
/// finds the [`WasiCtx`] in the store's data.
pub fn add_to_linker<T: 'static>(
    linker: &mut Linker<T>,
    get: impl Fn(&mut T) -> &mut WasiCtx + Send + Sync + Copy + 'static,
) -> wisp::Result<()> {
    define_functions(linker, get, &|_| true)
}

/// Defines the `wasi_snapshot_preview1` functions that `module` imports in
/// `linker`, and no others: what instantiating `module` needs, at a
/// fraction of the cost of defining all of them (which is most of the
/// start-up of a small program).
pub fn add_to_linker_for<T: 'static>(
    linker: &mut Linker<T>,
    module: &wisp::Module,
    get: impl Fn(&mut T) -> &mut WasiCtx + Send + Sync + Copy + 'static,
) -> wisp::Result<()> {
    let imported: Vec<&str> =
        module.imports().filter(|i| i.module == MODULE).map(|i| i.name).collect();
    define_functions(linker, get, &|name| imported.contains(&name))
}

/// Defines the functions whose names `wanted` accepts.
fn define_functions<T: 'static>(
    linker: &mut Linker<T>,
    get: impl Fn(&mut T) -> &mut WasiCtx + Send + Sync + Copy + 'static,
    wanted: &dyn Fn(&str) -> bool,
) -> wisp::Result<()> {
    let l = (linker, wanted);
    define!(l, get, "args_get", |ctx, mem, argv: i32, buf: i32| {
        args::get(&ctx.args, mem, argv as u32, buf as u32)
    });
    define!(l, get, "args_sizes_get", |ctx, mem, count: i32, size: i32| {
        args::sizes(&ctx.args, mem, count as u32, size as u32)
    });
    define!(l, get, "environ_get", |ctx, mem, env: i32, buf: i32| {
        args::get(&ctx.env, mem, env as u32, buf as u32)
    });
    define!(l, get, "environ_sizes_get", |ctx, mem, count: i32, size: i32| {
        args::sizes(&ctx.env, mem, count as u32, size as u32)
    });
    define!(l, get, "clock_res_get", |ctx, mem, id: i32, out: i32| {
        clocks::res_get(ctx, mem, id as u32, out as u32)
    });
    define!(l, get, "clock_time_get", |ctx, mem, id: i32, precision: i64, out: i32| {
        clocks::time_get(ctx, mem, id as u32, precision as u64, out as u32)
    });
    define!(l, get, "fd_advise", |ctx, mem, fd: i32, offset: i64, len: i64, advice: i32| {
        fd::advise(ctx, fd as u32, offset as u64, len as u64, advice as u8)
    });
    define!(l, get, "fd_allocate", |ctx, mem, fd: i32, offset: i64, len: i64| {
        fd::allocate(ctx, fd as u32, offset as u64, len as u64)
    });
    define!(l, get, "fd_close", |ctx, mem, fd: i32| fd::close(ctx, fd as u32));
    define!(l, get, "fd_datasync", |ctx, mem, fd: i32| fd::sync(ctx, fd as u32, true));
    define!(l, get, "fd_fdstat_get", |ctx, mem, fd: i32, out: i32| {
        fd::fdstat_get(ctx, mem, fd as u32, out as u32)
    });
    define!(l, get, "fd_fdstat_set_flags", |ctx, mem, fd: i32, flags: i32| {
        fd::fdstat_set_flags(ctx, fd as u32, flags as u16)
    });
    define!(l, get, "fd_fdstat_set_rights", |ctx, mem, fd: i32, base: i64, inheriting: i64| {
        fd::fdstat_set_rights(ctx, fd as u32, base as u64, inheriting as u64)
    });
    define!(l, get, "fd_filestat_get", |ctx, mem, fd: i32, out: i32| {
        fd::filestat_get(ctx, mem, fd as u32, out as u32)
    });
    define!(l, get, "fd_filestat_set_size", |ctx, mem, fd: i32, size: i64| {
        fd::filestat_set_size(ctx, fd as u32, size as u64)
    });
    define!(
        l,
        get,
        "fd_filestat_set_times",
        |ctx, mem, fd: i32, atim: i64, mtim: i64, flags: i32| {
            fd::filestat_set_times(ctx, fd as u32, atim as u64, mtim as u64, flags as u16)
        }
    );
    define!(l, get, "fd_pread", |ctx, mem, fd: i32, iovs: i32, len: i32, offset: i64, out: i32| {
        fd::read(
            ctx,
            mem,
            fd as u32,
            iovs as u32,
            len as u32,
            fd::At::Offset(offset as u64),
            out as u32,
        )
    });
    define!(l, get, "fd_prestat_get", |ctx, mem, fd: i32, out: i32| {
        fd::prestat_get(ctx, mem, fd as u32, out as u32)
    });
    define!(l, get, "fd_prestat_dir_name", |ctx, mem, fd: i32, path: i32, len: i32| {
        fd::prestat_dir_name(ctx, mem, fd as u32, path as u32, len as u32)
    });
    define!(l, get, "fd_pwrite", |ctx,
                                  mem,
                                  fd: i32,
                                  iovs: i32,
                                  len: i32,
                                  offset: i64,
                                  out: i32| {
        fd::write(
            ctx,
            mem,
            fd as u32,
            iovs as u32,
            len as u32,
            fd::At::Offset(offset as u64),
            out as u32,
        )
    });
    define!(l, get, "fd_read", |ctx, mem, fd: i32, iovs: i32, len: i32, out: i32| {
        fd::read(ctx, mem, fd as u32, iovs as u32, len as u32, fd::At::Cursor, out as u32)
    });
    define!(l, get, "fd_readdir", |ctx,
                                   mem,
                                   fd: i32,
                                   buf: i32,
                                   len: i32,
                                   cookie: i64,
                                   out: i32| {
        fd::readdir(ctx, mem, fd as u32, buf as u32, len as u32, cookie as u64, out as u32)
    });
    define!(l, get, "fd_renumber", |ctx, mem, from: i32, to: i32| {
        fd::renumber(ctx, from as u32, to as u32)
    });
    define!(l, get, "fd_seek", |ctx, mem, fd: i32, offset: i64, whence: i32, out: i32| {
        fd::seek(ctx, mem, fd as u32, offset, whence as u8, out as u32)
    });
    define!(l, get, "fd_sync", |ctx, mem, fd: i32| fd::sync(ctx, fd as u32, false));
    define!(l, get, "fd_tell", |ctx, mem, fd: i32, out: i32| fd::tell(
        ctx, mem, fd as u32, out as u32
    ));
    define!(l, get, "fd_write", |ctx, mem, fd: i32, iovs: i32, len: i32, out: i32| {
        fd::write(ctx, mem, fd as u32, iovs as u32, len as u32, fd::At::Cursor, out as u32)
    });
    define!(l, get, "path_create_directory", |ctx, mem, fd: i32, p: i32, pl: i32| {
        path::change(ctx, mem, fd as u32, (p as u32, pl as u32), path::Change::CreateDirectory)
    });
    define!(l, get, "path_filestat_get", |ctx,
                                          mem,
                                          fd: i32,
                                          flags: i32,
                                          p: i32,
                                          pl: i32,
                                          out: i32| {
        path::filestat_get(ctx, mem, fd as u32, flags as u32, (p as u32, pl as u32), out as u32)
    });
    define!(
        l,
        get,
        "path_filestat_set_times",
        |ctx, mem, fd: i32, flags: i32, p: i32, pl: i32, atim: i64, mtim: i64, fst: i32| {
            let path = (p as u32, pl as u32);
            path::filestat_set_times(
                ctx,
                mem,
                fd as u32,
                flags as u32,
                path,
                atim as u64,
                mtim as u64,
                fst as u16,
            )
        }
    );
    define!(l, get, "path_link", |ctx,
                                  mem,
                                  old_fd: i32,
                                  flags: i32,
                                  op: i32,
                                  opl: i32,
                                  new_fd: i32,
                                  np: i32,
                                  npl: i32| {
        let (old, new) = ((op as u32, opl as u32), (np as u32, npl as u32));
        path::link(ctx, mem, old_fd as u32, flags as u32, old, new_fd as u32, new)
    });
    define!(l, get, "path_open", |ctx,
                                  mem,
                                  fd: i32,
                                  dirflags: i32,
                                  p: i32,
                                  pl: i32,
                                  oflags: i32,
                                  base: i64,
                                  inheriting: i64,
                                  fdflags: i32,
                                  out: i32| {
        let path = (p as u32, pl as u32);
        path::open(
            ctx,
            mem,
            fd as u32,
            dirflags as u32,
            path,
            oflags as u16,
            base as u64,
            inheriting as u64,
            fdflags as u16,
            out as u32,
        )
    });
    define!(l, get, "path_readlink", |ctx,
                                      mem,
                                      fd: i32,
                                      p: i32,
                                      pl: i32,
                                      buf: i32,
                                      len: i32,
                                      out: i32| {
        path::readlink(
            ctx,
            mem,
            fd as u32,
            (p as u32, pl as u32),
            buf as u32,
            len as u32,
            out as u32,
        )
    });
    define!(l, get, "path_remove_directory", |ctx, mem, fd: i32, p: i32, pl: i32| {
        path::change(ctx, mem, fd as u32, (p as u32, pl as u32), path::Change::RemoveDirectory)
    });
    define!(l, get, "path_rename", |ctx,
                                    mem,
                                    fd: i32,
                                    op: i32,
                                    opl: i32,
                                    new_fd: i32,
                                    np: i32,
                                    npl: i32| {
        path::rename(
            ctx,
            mem,
            fd as u32,
            (op as u32, opl as u32),
            new_fd as u32,
            (np as u32, npl as u32),
        )
    });
    define!(l, get, "path_symlink", |ctx, mem, op: i32, opl: i32, fd: i32, np: i32, npl: i32| {
        path::symlink(ctx, mem, (op as u32, opl as u32), fd as u32, (np as u32, npl as u32))
    });
    define!(l, get, "path_unlink_file", |ctx, mem, fd: i32, p: i32, pl: i32| {
        path::change(ctx, mem, fd as u32, (p as u32, pl as u32), path::Change::UnlinkFile)
    });
    define!(l, get, "poll_oneoff", |ctx, mem, subs: i32, events: i32, n: i32, out: i32| {
        clocks::poll_oneoff(ctx, mem, subs as u32, events as u32, n as u32, out as u32)
    });
    if l.1("proc_exit") {
        l.0.func_wrap(MODULE, "proc_exit", |code: i32| -> wisp::Result<()> {
            Err(wisp::Error::exit(code))
        })?;
    }
    define!(l, get, "proc_raise", |ctx, mem, _signal: i32| Err(Errno::NoSys));
    if l.1("sched_yield") {
        l.0.func_wrap(MODULE, "sched_yield", || -> i32 {
            std::thread::yield_now();
            0
        })?;
    }
    define!(l, get, "random_get", |ctx, mem, buf: i32, len: i32| {
        random::get(ctx, mem, buf as u32, len as u32)
    });
    define!(l, get, "sock_accept", |ctx, mem, fd: i32, flags: i32, out: i32| {
        sock::accept(ctx, mem, fd as u32, flags as u16, out as u32)
    });
    define!(l, get, "sock_recv", |ctx,
                                  mem,
                                  fd: i32,
                                  iovs: i32,
                                  len: i32,
                                  flags: i32,
                                  out_len: i32,
                                  out_flags: i32| {
        sock::recv(
            ctx,
            mem,
            fd as u32,
            iovs as u32,
            len as u32,
            flags as u16,
            out_len as u32,
            out_flags as u32,
        )
    });
    define!(l, get, "sock_send", |ctx,
                                  mem,
                                  fd: i32,
                                  iovs: i32,
                                  len: i32,
                                  _flags: i32,
                                  out: i32| {
        sock::send(ctx, mem, fd as u32, iovs as u32, len as u32, out as u32)
    });
    define!(l, get, "sock_shutdown", |ctx, mem, fd: i32, how: i32| sock::shutdown(
        ctx, fd as u32, how as u8
    ));
    Ok(())
}
