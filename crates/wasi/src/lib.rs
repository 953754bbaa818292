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
    define!(l, get, "args_get", |ctx, mem, argv: u32, buf: u32| {
        args::get(&ctx.args, mem, argv, buf)
    });
    define!(l, get, "args_sizes_get", |ctx, mem, count: u32, size: u32| {
        args::sizes(&ctx.args, mem, count, size)
    });
    define!(l, get, "environ_get", |ctx, mem, env: u32, buf: u32| {
        args::get(&ctx.env, mem, env, buf)
    });
    define!(l, get, "environ_sizes_get", |ctx, mem, count: u32, size: u32| {
        args::sizes(&ctx.env, mem, count, size)
    });
    define!(l, get, "clock_res_get", |ctx, mem, id: u32, out: u32| {
        clocks::res_get(ctx, mem, id, out)
    });
    define!(l, get, "clock_time_get", |ctx, mem, id: u32, precision: u64, out: u32| {
        clocks::time_get(ctx, mem, id, precision, out)
    });
    define!(l, get, "fd_advise", |ctx, mem, fd: u32, offset: u64, len: u64, advice: u32| {
        fd::advise(ctx, fd, offset, len, advice as u8)
    });
    define!(l, get, "fd_allocate", |ctx, mem, fd: u32, offset: u64, len: u64| {
        fd::allocate(ctx, fd, offset, len)
    });
    define!(l, get, "fd_close", |ctx, mem, fd: u32| fd::close(ctx, fd));
    define!(l, get, "fd_datasync", |ctx, mem, fd: u32| fd::sync(ctx, fd, true));
    define!(l, get, "fd_fdstat_get", |ctx, mem, fd: u32, out: u32| {
        fd::fdstat_get(ctx, mem, fd, out)
    });
    define!(l, get, "fd_fdstat_set_flags", |ctx, mem, fd: u32, flags: u32| {
        fd::fdstat_set_flags(ctx, fd, flags as u16)
    });
    define!(l, get, "fd_fdstat_set_rights", |ctx, mem, fd: u32, base: u64, inheriting: u64| {
        fd::fdstat_set_rights(ctx, fd, base, inheriting)
    });
    define!(l, get, "fd_filestat_get", |ctx, mem, fd: u32, out: u32| {
        fd::filestat_get(ctx, mem, fd, out)
    });
    define!(l, get, "fd_filestat_set_size", |ctx, mem, fd: u32, size: u64| {
        fd::filestat_set_size(ctx, fd, size)
    });
    define!(
        l,
        get,
        "fd_filestat_set_times",
        |ctx, mem, fd: u32, atim: u64, mtim: u64, flags: u32| {
            fd::filestat_set_times(ctx, fd, atim, mtim, flags as u16)
        }
    );
    define!(l, get, "fd_pread", |ctx, mem, fd: u32, iovs: u32, len: u32, offset: u64, out: u32| {
        fd::read(ctx, mem, fd, iovs, len, fd::At::Offset(offset), out)
    });
    define!(l, get, "fd_prestat_get", |ctx, mem, fd: u32, out: u32| {
        fd::prestat_get(ctx, mem, fd, out)
    });
    define!(l, get, "fd_prestat_dir_name", |ctx, mem, fd: u32, path: u32, len: u32| {
        fd::prestat_dir_name(ctx, mem, fd, path, len)
    });
    define!(l, get, "fd_pwrite", |ctx,
                                  mem,
                                  fd: u32,
                                  iovs: u32,
                                  len: u32,
                                  offset: u64,
                                  out: u32| {
        fd::write(ctx, mem, fd, iovs, len, fd::At::Offset(offset), out)
    });
    define!(l, get, "fd_read", |ctx, mem, fd: u32, iovs: u32, len: u32, out: u32| {
        fd::read(ctx, mem, fd, iovs, len, fd::At::Cursor, out)
    });
    define!(l, get, "fd_readdir", |ctx,
                                   mem,
                                   fd: u32,
                                   buf: u32,
                                   len: u32,
                                   cookie: u64,
                                   out: u32| {
        fd::readdir(ctx, mem, fd, buf, len, cookie, out)
    });
    define!(l, get, "fd_renumber", |ctx, mem, from: u32, to: u32| fd::renumber(ctx, from, to));
    define!(l, get, "fd_seek", |ctx, mem, fd: u32, offset: i64, whence: u32, out: u32| {
        fd::seek(ctx, mem, fd, offset, whence as u8, out)
    });
    define!(l, get, "fd_sync", |ctx, mem, fd: u32| fd::sync(ctx, fd, false));
    define!(l, get, "fd_tell", |ctx, mem, fd: u32, out: u32| fd::tell(ctx, mem, fd, out));
    define!(l, get, "fd_write", |ctx, mem, fd: u32, iovs: u32, len: u32, out: u32| {
        fd::write(ctx, mem, fd, iovs, len, fd::At::Cursor, out)
    });
    define!(l, get, "path_create_directory", |ctx, mem, fd: u32, p: u32, pl: u32| {
        path::change(ctx, mem, fd, (p, pl), path::Change::CreateDirectory)
    });
    define!(l, get, "path_filestat_get", |ctx,
                                          mem,
                                          fd: u32,
                                          flags: u32,
                                          p: u32,
                                          pl: u32,
                                          out: u32| {
        path::filestat_get(ctx, mem, fd, flags, (p, pl), out)
    });
    define!(
        l,
        get,
        "path_filestat_set_times",
        |ctx, mem, fd: u32, flags: u32, p: u32, pl: u32, atim: u64, mtim: u64, fst: u32| {
            let path = (p, pl);
            path::filestat_set_times(ctx, mem, fd, flags, path, atim, mtim, fst as u16)
        }
    );
    define!(l, get, "path_link", |ctx,
                                  mem,
                                  old_fd: u32,
                                  flags: u32,
                                  op: u32,
                                  opl: u32,
                                  new_fd: u32,
                                  np: u32,
                                  npl: u32| {
        let (old, new) = ((op, opl), (np, npl));
        path::link(ctx, mem, old_fd, flags, old, new_fd, new)
    });
    define!(l, get, "path_open", |ctx,
                                  mem,
                                  fd: u32,
                                  dirflags: u32,
                                  p: u32,
                                  pl: u32,
                                  oflags: u32,
                                  base: u64,
                                  inheriting: u64,
                                  fdflags: u32,
                                  out: u32| {
        let path = (p, pl);
        path::open(
            ctx,
            mem,
            fd,
            dirflags,
            path,
            oflags as u16,
            base,
            inheriting,
            fdflags as u16,
            out,
        )
    });
    define!(l, get, "path_readlink", |ctx,
                                      mem,
                                      fd: u32,
                                      p: u32,
                                      pl: u32,
                                      buf: u32,
                                      len: u32,
                                      out: u32| {
        path::readlink(ctx, mem, fd, (p, pl), buf, len, out)
    });
    define!(l, get, "path_remove_directory", |ctx, mem, fd: u32, p: u32, pl: u32| {
        path::change(ctx, mem, fd, (p, pl), path::Change::RemoveDirectory)
    });
    define!(l, get, "path_rename", |ctx,
                                    mem,
                                    fd: u32,
                                    op: u32,
                                    opl: u32,
                                    new_fd: u32,
                                    np: u32,
                                    npl: u32| {
        path::rename(ctx, mem, fd, (op, opl), new_fd, (np, npl))
    });
    define!(l, get, "path_symlink", |ctx, mem, op: u32, opl: u32, fd: u32, np: u32, npl: u32| {
        path::symlink(ctx, mem, (op, opl), fd, (np, npl))
    });
    define!(l, get, "path_unlink_file", |ctx, mem, fd: u32, p: u32, pl: u32| {
        path::change(ctx, mem, fd, (p, pl), path::Change::UnlinkFile)
    });
    define!(l, get, "poll_oneoff", |ctx, mem, subs: u32, events: u32, n: u32, out: u32| {
        clocks::poll_oneoff(ctx, mem, subs, events, n, out)
    });
    if l.1("proc_exit") {
        l.0.func_wrap(MODULE, "proc_exit", |code: i32| -> wisp::Result<()> {
            Err(wisp::Error::exit(code))
        })?;
    }
    define!(l, get, "proc_raise", |ctx, mem, _signal: u32| Err(Errno::NoSys));
    if l.1("sched_yield") {
        l.0.func_wrap(MODULE, "sched_yield", || -> i32 {
            std::thread::yield_now();
            0
        })?;
    }
    define!(l, get, "random_get", |ctx, mem, buf: u32, len: u32| {
        random::get(ctx, mem, buf, len)
    });
    define!(l, get, "sock_accept", |ctx, mem, fd: u32, flags: u32, out: u32| {
        sock::accept(ctx, mem, fd, flags as u16, out)
    });
    define!(l, get, "sock_recv", |ctx,
                                  mem,
                                  fd: u32,
                                  iovs: u32,
                                  len: u32,
                                  flags: u32,
                                  out_len: u32,
                                  out_flags: u32| {
        sock::recv(ctx, mem, fd, iovs, len, flags as u16, out_len, out_flags)
    });
    define!(l, get, "sock_send", |ctx,
                                  mem,
                                  fd: u32,
                                  iovs: u32,
                                  len: u32,
                                  _flags: u32,
                                  out: u32| {
        sock::send(ctx, mem, fd, iovs, len, out)
    });
    define!(l, get, "sock_shutdown", |ctx, mem, fd: u32, how: u32| sock::shutdown(
        ctx, fd, how as u8
    ));
    Ok(())
}
