//! Small WAT guests calling preview1 functions through Wisp.

use std::path::PathBuf;

use wisp::{Engine, Instance, Linker, Module, Store};
use wisp_wasi::{DirPerms, Errno, OutputPipe, WasiCtx, WasiCtxBuilder};

/// Instantiates `body` (module fields after a one-page `memory` export)
/// with `ctx`.
fn instantiate(ctx: WasiCtx, body: &str) -> (Store<WasiCtx>, Instance) {
    let engine = Engine::default();
    let wat = format!("(module {body} (memory (export \"memory\") 1))");
    let module = Module::new(&engine, wat).expect("guest compiles");
    let mut linker: Linker<WasiCtx> = Linker::new(&engine);
    wisp_wasi::add_to_linker(&mut linker, |ctx| ctx).unwrap();
    let mut store = Store::new(&engine, ctx);
    let instance = linker.instantiate(&mut store, &module).expect("guest links");
    (store, instance)
}

fn call(store: &mut Store<WasiCtx>, instance: &Instance, name: &str) -> wisp::Result<i32> {
    instance.get_typed_func::<(), i32>(&*store, name)?.call(store, ())
}

fn read_mem(store: &Store<WasiCtx>, instance: &Instance, at: usize, len: usize) -> Vec<u8> {
    instance.get_memory(store, "memory").unwrap().data(store)[at..at + len].to_vec()
}

fn u32_at(store: &Store<WasiCtx>, instance: &Instance, at: usize) -> u32 {
    u32::from_le_bytes(read_mem(store, instance, at, 4).try_into().unwrap())
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wisp-wasi-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const FD_WRITE: &str = r#"(import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))"#;

#[test]
fn fd_write_reaches_an_output_pipe() {
    let out = OutputPipe::new();
    let ctx = WasiCtxBuilder::new().stdout(out.clone()).build();
    let (mut store, instance) = instantiate(
        ctx,
        &format!(
            r#"{FD_WRITE}
            (data (i32.const 0) "\10\00\00\00\03\00\00\00\14\00\00\00\02\00\00\00")
            (data (i32.const 16) "wisp!\n")
            (func (export "run") (result i32)
              (call $fd_write (i32.const 1) (i32.const 0) (i32.const 2) (i32.const 32)))"#
        ),
    );
    assert_eq!(call(&mut store, &instance, "run").unwrap(), 0);
    assert_eq!(out.contents(), b"wis!\n");
    assert_eq!(u32_at(&store, &instance, 32), 5);
}

#[test]
fn bad_pointers_fault_without_harming_the_host() {
    let out = OutputPipe::new();
    let ctx = WasiCtxBuilder::new().stdout(out.clone()).build();
    let (mut store, instance) = instantiate(
        ctx,
        &format!(
            r#"{FD_WRITE}
            ;; One iovec claiming 4 GiB, then one that runs off the end.
            (data (i32.const 0) "\00\00\00\00\ff\ff\ff\ff\f0\ff\00\00\20\00\00\00")
            (func (export "huge_len") (result i32)
              (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 32)))
            (func (export "past_end") (result i32)
              (call $fd_write (i32.const 1) (i32.const 8) (i32.const 1) (i32.const 32)))
            (func (export "huge_count") (result i32)
              (call $fd_write (i32.const 1) (i32.const 0) (i32.const -1) (i32.const 32)))
            (func (export "bad_result") (result i32)
              (call $fd_write (i32.const 1) (i32.const 0) (i32.const 0) (i32.const 65534)))
            (func (export "bad_fd") (result i32)
              (call $fd_write (i32.const 99) (i32.const 0) (i32.const 0) (i32.const 32)))"#
        ),
    );
    let fault = i32::from(Errno::Fault.raw());
    for name in ["huge_len", "past_end", "huge_count", "bad_result"] {
        assert_eq!(call(&mut store, &instance, name).unwrap(), fault, "{name}");
    }
    assert_eq!(call(&mut store, &instance, "bad_fd").unwrap(), i32::from(Errno::Badf.raw()));
    assert!(out.contents().is_empty());
}

#[test]
fn args_and_environment_are_laid_out_with_nuls() {
    let ctx = WasiCtxBuilder::new().args(["prog", "-v"]).env("K", "v1").env("EMPTY", "").build();
    let (mut store, instance) = instantiate(
        ctx,
        r#"(import "wasi_snapshot_preview1" "args_sizes_get" (func $asz (param i32 i32) (result i32)))
           (import "wasi_snapshot_preview1" "args_get" (func $args (param i32 i32) (result i32)))
           (import "wasi_snapshot_preview1" "environ_sizes_get" (func $esz (param i32 i32) (result i32)))
           (import "wasi_snapshot_preview1" "environ_get" (func $env (param i32 i32) (result i32)))
           (func (export "run") (result i32)
             (i32.or (i32.or (call $asz (i32.const 0) (i32.const 4)) (call $args (i32.const 8) (i32.const 100)))
                     (i32.or (call $esz (i32.const 200) (i32.const 204)) (call $env (i32.const 208) (i32.const 300)))))"#,
    );
    assert_eq!(call(&mut store, &instance, "run").unwrap(), 0);
    assert_eq!((u32_at(&store, &instance, 0), u32_at(&store, &instance, 4)), (2, 8));
    assert_eq!((u32_at(&store, &instance, 8), u32_at(&store, &instance, 12)), (100, 105));
    assert_eq!(read_mem(&store, &instance, 100, 8), b"prog\0-v\0");
    assert_eq!((u32_at(&store, &instance, 200), u32_at(&store, &instance, 204)), (2, 12));
    assert_eq!(read_mem(&store, &instance, 300, 12), b"K=v1\0EMPTY=\0");
}

const OPEN_READ: &str = r#"
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_get" (func $prestat (param i32 i32) (result i32)))"#;

#[test]
fn files_in_a_preopen_can_be_opened_and_read() {
    let dir = scratch("read");
    std::fs::write(dir.join("greeting.txt"), "hello from the host").unwrap();
    let ctx = WasiCtxBuilder::new().preopened_dir(&dir, "/data", DirPerms::READ).unwrap().build();
    let (mut store, instance) = instantiate(
        ctx,
        &format!(
            r#"{OPEN_READ}
            (data (i32.const 0) "greeting.txt")
            (func (export "prestat") (result i32) (call $prestat (i32.const 3) (i32.const 40)))
            (func (export "run") (result i32)
              (local $err i32)
              ;; fd_read right only; the new descriptor lands at 16.
              (local.set $err (call $path_open (i32.const 3) (i32.const 1) (i32.const 0) (i32.const 12)
                (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 16)))
              (if (local.get $err) (then (return (local.get $err))))
              ;; iovec at 20 -> 100 bytes at 100; count at 28.
              (i32.store (i32.const 20) (i32.const 100))
              (i32.store (i32.const 24) (i32.const 100))
              (call $fd_read (i32.load (i32.const 16)) (i32.const 20) (i32.const 1) (i32.const 28)))"#
        ),
    );
    assert_eq!(call(&mut store, &instance, "prestat").unwrap(), 0);
    assert_eq!(u32_at(&store, &instance, 44), 5, "name length of /data");
    assert_eq!(call(&mut store, &instance, "run").unwrap(), 0);
    assert_eq!(u32_at(&store, &instance, 16), 4, "first free descriptor");
    let n = u32_at(&store, &instance, 28) as usize;
    assert_eq!(read_mem(&store, &instance, 100, n), b"hello from the host");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn paths_cannot_escape_a_preopen() {
    let outer = scratch("escape");
    let inner = outer.join("sandbox");
    std::fs::create_dir(&inner).unwrap();
    std::fs::write(outer.join("canary"), "alive").unwrap();
    std::os::unix::fs::symlink("../canary", inner.join("link")).unwrap();
    let ctx = WasiCtxBuilder::new().preopened_dir(&inner, ".", DirPerms::ALL).unwrap().build();
    let (mut store, instance) = instantiate(
        ctx,
        &format!(
            r#"{OPEN_READ}
            (import "wasi_snapshot_preview1" "path_unlink_file" (func $unlink (param i32 i32 i32) (result i32)))
            (data (i32.const 0) "../canary")
            (data (i32.const 16) "link")
            (data (i32.const 32) "/etc/passwd")
            ;; O_CREAT|O_TRUNC with fd_write: would empty the canary.
            (func (export "dotdot") (result i32)
              (call $path_open (i32.const 3) (i32.const 0) (i32.const 0) (i32.const 9)
                (i32.const 9) (i64.const 64) (i64.const 0) (i32.const 0) (i32.const 60)))
            (func (export "symlink") (result i32)
              (call $path_open (i32.const 3) (i32.const 1) (i32.const 16) (i32.const 4)
                (i32.const 8) (i64.const 64) (i64.const 0) (i32.const 0) (i32.const 60)))
            (func (export "absolute") (result i32)
              (call $path_open (i32.const 3) (i32.const 1) (i32.const 32) (i32.const 11)
                (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 60)))
            (func (export "unlink") (result i32)
              (call $unlink (i32.const 3) (i32.const 0) (i32.const 9)))"#
        ),
    );
    let not_capable = i32::from(Errno::NotCapable.raw());
    for name in ["dotdot", "symlink", "absolute", "unlink"] {
        let errno = call(&mut store, &instance, name).unwrap();
        let allowed = [not_capable, i32::from(Errno::Perm.raw())];
        assert!(allowed.contains(&errno), "{name}: errno {errno}");
    }
    assert_eq!(std::fs::read_to_string(outer.join("canary")).unwrap(), "alive");
    std::fs::remove_dir_all(outer).unwrap();
}

#[test]
fn read_only_preopens_refuse_changes() {
    let dir = scratch("readonly");
    std::fs::write(dir.join("keep"), "same").unwrap();
    let ctx = WasiCtxBuilder::new().preopened_dir(&dir, "/", DirPerms::READ).unwrap().build();
    let (mut store, instance) = instantiate(
        ctx,
        &format!(
            r#"{OPEN_READ}
            (import "wasi_snapshot_preview1" "path_create_directory" (func $mkdir (param i32 i32 i32) (result i32)))
            (data (i32.const 0) "keep")
            (data (i32.const 8) "new")
            (func (export "trunc") (result i32)
              (call $path_open (i32.const 3) (i32.const 0) (i32.const 0) (i32.const 4)
                (i32.const 8) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 60)))
            (func (export "create") (result i32)
              (call $path_open (i32.const 3) (i32.const 0) (i32.const 8) (i32.const 3)
                (i32.const 1) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 60)))
            (func (export "write") (result i32)
              (call $path_open (i32.const 3) (i32.const 0) (i32.const 0) (i32.const 4)
                (i32.const 0) (i64.const 64) (i64.const 0) (i32.const 0) (i32.const 60)))
            (func (export "mkdir") (result i32) (call $mkdir (i32.const 3) (i32.const 8) (i32.const 3)))"#
        ),
    );
    for name in ["trunc", "create", "write", "mkdir"] {
        let errno = call(&mut store, &instance, name).unwrap();
        assert_eq!(errno, i32::from(Errno::NotCapable.raw()), "{name}");
    }
    assert_eq!(std::fs::read_to_string(dir.join("keep")).unwrap(), "same");
    assert!(!dir.join("new").exists());
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn proc_exit_ends_the_guest_with_its_status() {
    let (mut store, instance) = instantiate(
        WasiCtxBuilder::new().build(),
        r#"(import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
           (func (export "run") (result i32) (call $exit (i32.const 3)) (i32.const 0))"#,
    );
    let err = call(&mut store, &instance, "run").unwrap_err();
    assert_eq!(err.exit_status(), Some(3));
}

const CLOCK_AND_RANDOM: &str = r#"
  (import "wasi_snapshot_preview1" "random_get" (func $random (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func $time (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (func (export "random") (result i32) (call $random (i32.const 0) (i32.const 16)))
  (func (export "realtime") (result i32) (call $time (i32.const 0) (i64.const 1) (i32.const 32)))
  (func (export "monotonic") (result i32) (call $time (i32.const 1) (i64.const 1) (i32.const 32)))
  ;; One relative monotonic clock subscription of 1 ms at 64, event at 128.
  (func (export "sleep") (result i32)
    (i64.store (i32.const 64) (i64.const 7))
    (i32.store8 (i32.const 72) (i32.const 0))
    (i32.store (i32.const 80) (i32.const 1))
    (i64.store (i32.const 88) (i64.const 1000000))
    (call $poll (i32.const 64) (i32.const 128) (i32.const 1) (i32.const 160)))"#;

#[test]
fn clocks_and_randomness_can_be_denied() {
    let ctx = WasiCtxBuilder::new().allow_random(false).allow_clocks(false).build();
    let (mut store, instance) = instantiate(ctx, CLOCK_AND_RANDOM);
    for name in ["random", "realtime", "monotonic"] {
        assert_eq!(call(&mut store, &instance, name).unwrap(), 76, "{name}");
    }
}

#[test]
fn deterministic_contexts_repeat_themselves() {
    let run = || {
        let ctx = WasiCtxBuilder::new().deterministic(7).build();
        let (mut store, instance) = instantiate(ctx, CLOCK_AND_RANDOM);
        assert_eq!(call(&mut store, &instance, "random").unwrap(), 0);
        let bytes = read_mem(&store, &instance, 0, 16);
        assert_eq!(call(&mut store, &instance, "realtime").unwrap(), 0);
        let start = read_mem(&store, &instance, 32, 8);
        assert_eq!(call(&mut store, &instance, "sleep").unwrap(), 0);
        assert_eq!(u32_at(&store, &instance, 160), 1, "one event");
        assert_eq!(read_mem(&store, &instance, 128, 8), 7u64.to_le_bytes());
        assert_eq!(call(&mut store, &instance, "monotonic").unwrap(), 0);
        let after = u64::from_le_bytes(read_mem(&store, &instance, 32, 8).try_into().unwrap());
        (bytes, start, after)
    };
    let (bytes, start, after) = run();
    assert_eq!(run(), (bytes.clone(), start.clone(), after));
    assert_ne!(bytes, vec![0; 16]);
    assert_eq!(start, 1_704_067_200_000_000_000u64.to_le_bytes());
    assert_eq!(after, 1_000_000, "virtual time advanced by the sleep");
}

#[test]
fn stdin_bytes_are_read_then_eof() {
    let ctx = WasiCtxBuilder::new().stdin("abc").build();
    let (mut store, instance) = instantiate(
        ctx,
        r#"(import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
           (data (i32.const 0) "\10\00\00\00\08\00\00\00")
           (func (export "run") (result i32)
             (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))"#,
    );
    assert_eq!(call(&mut store, &instance, "run").unwrap(), 0);
    assert_eq!(u32_at(&store, &instance, 8), 3);
    assert_eq!(read_mem(&store, &instance, 16, 3), b"abc");
    assert_eq!(call(&mut store, &instance, "run").unwrap(), 0);
    assert_eq!(u32_at(&store, &instance, 8), 0);
}

#[test]
fn a_granted_listener_accepts_and_echoes() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let ctx = WasiCtxBuilder::new().preopened_listener(listener).build();
    let (mut store, instance) = instantiate(
        ctx,
        r#"(import "wasi_snapshot_preview1" "sock_accept" (func $accept (param i32 i32 i32) (result i32)))
           (import "wasi_snapshot_preview1" "sock_recv"
             (func $recv (param i32 i32 i32 i32 i32 i32) (result i32)))
           (import "wasi_snapshot_preview1" "sock_send" (func $send (param i32 i32 i32 i32 i32) (result i32)))
           (import "wasi_snapshot_preview1" "sock_shutdown" (func $shutdown (param i32 i32) (result i32)))
           (import "wasi_snapshot_preview1" "fd_fdstat_get" (func $fdstat (param i32 i32) (result i32)))
           ;; iovec at 8: 16 bytes at 64.
           (data (i32.const 8) "\40\00\00\00\10\00\00\00")
           (func (export "filetype") (result i32)
             (drop (call $fdstat (i32.const 3) (i32.const 96)))
             (i32.load8_u (i32.const 96)))
           (func (export "not_a_socket") (result i32)
             (call $recv (i32.const 1) (i32.const 8) (i32.const 1) (i32.const 0) (i32.const 16) (i32.const 20)))
           (func (export "run") (result i32) (local $fd i32) (local $e i32)
             (local.set $e (call $accept (i32.const 3) (i32.const 0) (i32.const 0)))
             (if (local.get $e) (then (return (local.get $e))))
             (local.set $fd (i32.load (i32.const 0)))
             (local.set $e (call $recv (local.get $fd) (i32.const 8) (i32.const 1) (i32.const 0)
               (i32.const 16) (i32.const 20)))
             (if (local.get $e) (then (return (local.get $e))))
             ;; Send back what came in: the iovec's length becomes the count.
             (i32.store (i32.const 12) (i32.load (i32.const 16)))
             (local.set $e (call $send (local.get $fd) (i32.const 8) (i32.const 1) (i32.const 0) (i32.const 24)))
             (if (local.get $e) (then (return (local.get $e))))
             (call $shutdown (local.get $fd) (i32.const 3)))"#,
    );
    assert_eq!(call(&mut store, &instance, "filetype").unwrap(), 6, "a socket stream");
    assert_eq!(call(&mut store, &instance, "not_a_socket").unwrap(), Errno::NotSock.raw() as i32);
    let client = std::thread::spawn(move || {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        s.write_all(b"ping").unwrap();
        let mut back = Vec::new();
        s.read_to_end(&mut back).unwrap();
        back
    });
    assert_eq!(call(&mut store, &instance, "run").unwrap(), 0);
    assert_eq!(client.join().unwrap(), b"ping");
    assert_eq!(u32_at(&store, &instance, 24), 4);
}

#[test]
fn linking_for_a_module_defines_exactly_its_imports() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
             (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
             (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
             (memory (export "memory") 1))"#,
    )
    .unwrap();
    let mut linker: Linker<WasiCtx> = Linker::new(&engine);
    wisp_wasi::add_to_linker_for(&mut linker, &module, |ctx| ctx).unwrap();
    let mut store = Store::new(&engine, WasiCtx::builder().build());
    let module_name = wisp_wasi::MODULE;
    assert!(linker.get(&mut store, module_name, "fd_write").is_some());
    assert!(linker.get(&mut store, module_name, "proc_exit").is_some());
    assert!(linker.get(&mut store, module_name, "random_get").is_none());
    assert!(linker.get(&mut store, module_name, "sched_yield").is_none());
    linker.instantiate(&mut store, &module).expect("the module links");

    // A module importing something else does not link against it.
    let other = Module::new(
        &engine,
        r#"(module (import "wasi_snapshot_preview1" "random_get" (func (param i32 i32) (result i32))))"#,
    )
    .unwrap();
    let err = linker.instantiate(&mut store, &other).unwrap_err();
    assert!(err.to_string().contains("random_get"), "{err}");

    // Every function the full set defines is found when imported.
    let mut full: Linker<WasiCtx> = Linker::new(&engine);
    wisp_wasi::add_to_linker(&mut full, |ctx| ctx).unwrap();
    assert!(full.get(&mut store, module_name, "random_get").is_some());
    assert!(full.get(&mut store, module_name, "sched_yield").is_some());
}
