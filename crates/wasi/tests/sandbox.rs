//! Guests trying to reach past their preopened directories.
//!
//! Every case builds a fresh tree on the host:
//!
//! ```text
//! root/granted/        preopen fd 3, read-write, guest name /sandbox
//!        inner         a file
//!        a/            a directory
//! root/readonly/       preopen fd 4, read-only, guest name /ro
//!        kept          a file
//!        sub/          a directory
//! root/outside/        never granted
//!        canary        a file
//! ```
//!
//! then runs a WAT guest and checks the errno it saw, and that everything
//! but `granted/` is exactly as it was: contents, link counts,
//! modification times, symlink targets, and no new entries.

use std::collections::BTreeMap;
use std::os::unix::fs::{MetadataExt, symlink};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use wisp::{Engine, Instance, Linker, Module, Store};
use wisp_wasi::{DirPerms, Errno, WasiCtx, WasiCtxBuilder};

/// The host tree of one case.
struct Layout {
    root: PathBuf,
}

/// What one host entry looked like.
#[derive(Debug, PartialEq)]
enum Entry {
    File { bytes: Vec<u8>, nlink: u64, mode: u32, mtime: SystemTime },
    Dir { mode: u32, mtime: SystemTime },
    Symlink { target: PathBuf },
}

/// Everything below the root except `granted/`, by relative path.
type Snapshot = BTreeMap<PathBuf, Entry>;

/// A fixed, old modification time, so any touch shows.
fn long_ago() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_000_000_000)
}

fn age(path: &Path) {
    let times = std::fs::FileTimes::new().set_modified(long_ago()).set_accessed(long_ago());
    std::fs::File::open(path).unwrap().set_times(times).unwrap();
}

impl Layout {
    fn new(name: &str) -> Layout {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let root =
            std::env::temp_dir().join(format!("wisp-sandbox-{}-{name}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        for dir in ["granted/a", "readonly/sub", "outside"] {
            std::fs::create_dir_all(root.join(dir)).unwrap();
        }
        std::fs::write(root.join("granted/inner"), "inside").unwrap();
        std::fs::write(root.join("readonly/kept"), "kept contents").unwrap();
        std::fs::write(root.join("outside/canary"), "canary contents").unwrap();
        for path in ["readonly/kept", "outside/canary", "readonly/sub", "readonly", "outside"] {
            age(&root.join(path));
        }
        Layout { root }
    }

    /// Adds host-made symlinks to `granted/`, and one in `outside/`.
    fn with_links(self) -> Layout {
        let g = self.root.join("granted");
        let out = self.root.join("outside");
        symlink(out.join("canary"), g.join("abs")).unwrap();
        symlink("../outside/canary", g.join("rel")).unwrap();
        symlink("../outside", g.join("outdir")).unwrap();
        symlink("canary", out.join("hop")).unwrap();
        symlink("../outside/hop", g.join("hop")).unwrap();
        symlink("rel", g.join("via")).unwrap();
        symlink("../outside/missing", g.join("dangling")).unwrap();
        symlink(out.join("missing"), g.join("dangling_abs")).unwrap();
        symlink("nothing", g.join("gone")).unwrap();
        symlink("loop_b", g.join("loop_a")).unwrap();
        symlink("loop_a", g.join("loop_b")).unwrap();
        symlink("self", g.join("self")).unwrap();
        age(&out);
        self
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    fn snapshot(&self) -> Snapshot {
        let mut entries = Snapshot::new();
        self.walk(&self.root, &mut entries);
        entries
    }

    fn walk(&self, dir: &Path, entries: &mut Snapshot) {
        for item in std::fs::read_dir(dir).unwrap() {
            let path = item.unwrap().path();
            let rel = path.strip_prefix(&self.root).unwrap().to_path_buf();
            if rel == Path::new("granted") {
                continue;
            }
            let meta = std::fs::symlink_metadata(&path).unwrap();
            let entry = if meta.is_symlink() {
                Entry::Symlink { target: std::fs::read_link(&path).unwrap() }
            } else if meta.is_dir() {
                self.walk(&path, entries);
                Entry::Dir { mode: meta.mode(), mtime: meta.modified().unwrap() }
            } else {
                let bytes = std::fs::read(&path).unwrap();
                let (nlink, mode, mtime) = (meta.nlink(), meta.mode(), meta.modified().unwrap());
                Entry::File { bytes, nlink, mode, mtime }
            };
            entries.insert(rel, entry);
        }
    }

    /// Fails unless everything outside `granted/` matches `before`.
    fn assert_untouched(&self, before: &Snapshot, case: &str) {
        assert_eq!(&self.snapshot(), before, "{case}: the host outside the grant changed");
    }
}

impl Drop for Layout {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// Every preview1 function the guests below call.
const IMPORTS: &str = r#"
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_filestat_get"
    (func $path_filestat_get (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_filestat_set_times"
    (func $path_filestat_set_times (param i32 i32 i32 i32 i64 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_create_directory"
    (func $path_create_directory (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_remove_directory"
    (func $path_remove_directory (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_unlink_file"
    (func $path_unlink_file (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_rename"
    (func $path_rename (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_link"
    (func $path_link (param i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_symlink"
    (func $path_symlink (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_readlink"
    (func $path_readlink (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_pwrite"
    (func $fd_pwrite (param i32 i32 i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_readdir"
    (func $fd_readdir (param i32 i32 i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_filestat_set_size"
    (func $fd_filestat_set_size (param i32 i64) (result i32)))
  (import "wasi_snapshot_preview1" "fd_filestat_set_times"
    (func $fd_filestat_set_times (param i32 i64 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_allocate" (func $fd_allocate (param i32 i64 i64) (result i32)))
  (import "wasi_snapshot_preview1" "fd_fdstat_set_rights"
    (func $fd_fdstat_set_rights (param i32 i64 i64) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_dir_name"
    (func $fd_prestat_dir_name (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))"#;

/// Where guest strings go: the i-th at `STRINGS + i * STRING_SLOT`.
const STRINGS: usize = 1024;
const STRING_SLOT: usize = 1024;

/// Where `path_open` stores the new descriptor in every guest below; see
/// [`LAST_OPENED`].
const OPENED: u32 = 0;

/// An instantiated guest over a fresh [`Layout`]'s two preopens.
struct Guest {
    store: Store<WasiCtx>,
    instance: Instance,
}

impl Guest {
    /// Instantiates `funcs` after [`IMPORTS`]. In `funcs`, `#i` stands for
    /// the pointer and length of `strings[i]`.
    fn new(layout: &Layout, strings: &[&[u8]], funcs: &str) -> Guest {
        let mut funcs = funcs.to_string();
        let mut data = String::new();
        for (i, s) in strings.iter().enumerate().rev() {
            assert!(s.len() < STRING_SLOT, "string {i} is too long");
            let at = STRINGS + i * STRING_SLOT;
            let bytes: String = s.iter().map(|b| format!("\\{b:02x}")).collect();
            data.push_str(&format!("(data (i32.const {at}) \"{bytes}\")\n"));
            funcs = funcs
                .replace(&format!("#{i}"), &format!("(i32.const {at}) (i32.const {})", s.len()));
        }
        let wat = format!("(module {IMPORTS}\n(memory (export \"memory\") 1)\n{data}{funcs})");
        let ctx = WasiCtxBuilder::new()
            .args(["guest"])
            .preopened_dir(layout.path("granted"), "/sandbox", DirPerms::ALL)
            .unwrap()
            .preopened_dir(layout.path("readonly"), "/ro", DirPerms::READ)
            .unwrap()
            .build();
        let engine = Engine::default();
        let module = Module::new(&engine, &wat).unwrap_or_else(|e| panic!("{e}\n{wat}"));
        let mut linker: Linker<WasiCtx> = Linker::new(&engine);
        wisp_wasi::add_to_linker(&mut linker, |ctx| ctx).unwrap();
        let mut store = Store::new(&engine, ctx);
        let instance = linker.instantiate(&mut store, &module).expect("guest links");
        Guest { store, instance }
    }

    /// Calls the export `name`; a trap or host error fails the case.
    fn call(&mut self, name: &str) -> i32 {
        let func = self.instance.get_typed_func::<(), i32>(&self.store, name).unwrap();
        func.call(&mut self.store, ()).unwrap_or_else(|e| panic!("{name}: host error {e}"))
    }

    fn memory(&self, at: usize, len: usize) -> Vec<u8> {
        let memory = self.instance.get_memory(&self.store, "memory").unwrap();
        memory.data(&self.store)[at..at + len].to_vec()
    }

    fn u32_at(&self, at: usize) -> u32 {
        u32::from_le_bytes(self.memory(at, 4).try_into().unwrap())
    }
}

fn raw(errno: Errno) -> i32 {
    i32::from(errno.raw())
}

/// Asserts that `got` is one of `allowed`, naming the errnos in the message.
fn assert_errno(got: i32, allowed: &[Errno], case: &str) {
    let seen = u16::try_from(got).ok().and_then(Errno::from_raw);
    assert!(
        allowed.iter().any(|&e| raw(e) == got),
        "{case}: errno {got} ({seen:?}), expected one of {allowed:?}"
    );
}

/// How preview1 says "that is outside your grant". cap-std refuses some
/// escapes before the kernel is asked (`ENOTCAPABLE`); `EPERM` is what
/// other runtimes report for the same refusal.
const ESCAPE: &[Errno] = &[Errno::NotCapable, Errno::Perm];

/// What a read-only grant may answer to a change: the capability is
/// missing, or the host refused.
const DENIED: &[Errno] = &[Errno::NotCapable, Errno::Perm, Errno::Acces, Errno::Badf];

/// What a link or rename between two grants may answer.
const CROSSING: &[Errno] = &[Errno::Xdev, Errno::NotCapable, Errno::Perm, Errno::Acces];

const FAULT: &[Errno] = &[Errno::Fault];
const FAULT_OR_INVAL: &[Errno] = &[Errno::Fault, Errno::Inval];
const SUCCESS: &[Errno] = &[Errno::Success];

/// `rights` bits used by the guests.
const FD_READ: u64 = 1 << 1;
const FD_WRITE: u64 = 1 << 6;
const FD_SEEK: u64 = 1 << 2;
const FD_FILESTAT_SET_TIMES: u64 = 1 << 23;

/// `oflags` and `fstflags` bits used by the guests.
const O_CREAT: u32 = 1;
const O_DIRECTORY: u32 = 2;
const O_TRUNC: u32 = 8;
const TIMES_NOW: u32 = 2 | 8;

/// `path_open` of `path` (a `#i` token) under `dir`.
fn open(dir: u32, follow: bool, path: &str, oflags: u32, rights: u64) -> String {
    format!(
        "(call $path_open (i32.const {dir}) (i32.const {}) {path} (i32.const {oflags}) \
         (i64.const {rights}) (i64.const 0) (i32.const 0) (i32.const {OPENED}))",
        u32::from(follow)
    )
}

/// `path_filestat_get` of `path` under `dir`, following symlinks.
fn stat(dir: u32, path: &str) -> String {
    format!("(call $path_filestat_get (i32.const {dir}) (i32.const 1) {path} (i32.const 512))")
}

/// `path_filestat_set_times` of `path` under `dir` to now, following symlinks.
fn touch(dir: u32, path: &str) -> String {
    format!(
        "(call $path_filestat_set_times (i32.const {dir}) (i32.const 1) {path} \
         (i64.const 0) (i64.const 0) (i32.const {TIMES_NOW}))"
    )
}

/// Runs `first`; if it fails, returns 1000 plus its errno (which no
/// `allowed` set contains), else runs `rest`.
fn then(first: &str, rest: &str) -> String {
    format!(
        "(local $e i32) (local.set $e {first}) \
         (if (local.get $e) (then (return (i32.add (i32.const 1000) (local.get $e))))) {rest}"
    )
}

/// The descriptor the last `path_open` stored.
const LAST_OPENED: &str = "(i32.load (i32.const 0))";

/// One guest export: its name, its body, and the errnos it may return.
struct Attempt {
    name: String,
    body: String,
    allowed: &'static [Errno],
}

fn attempt(name: impl Into<String>, allowed: &'static [Errno], body: impl Into<String>) -> Attempt {
    Attempt { name: name.into(), body: body.into(), allowed }
}

/// One exported function per attempt.
fn exports(attempts: &[Attempt]) -> String {
    attempts
        .iter()
        .map(|a| format!("(func (export \"{}\") (result i32) {})\n", a.name, a.body))
        .collect()
}

/// Runs `attempts` in order in one guest over `layout`, checking after
/// each its errno and that nothing outside the grant changed. `what`
/// prefixes failure messages. Returns the guest and the errnos.
fn check(
    layout: &Layout,
    what: &str,
    strings: &[&[u8]],
    attempts: &[Attempt],
) -> (Guest, Vec<i32>) {
    let before = layout.snapshot();
    let mut guest = Guest::new(layout, strings, &exports(attempts));
    let mut errnos = Vec::new();
    for a in attempts {
        let case = format!("{what}{}", a.name);
        let got = guest.call(&a.name);
        assert_errno(got, a.allowed, &case);
        layout.assert_untouched(&before, &case);
        errnos.push(got);
    }
    (guest, errnos)
}

/// The operations tried against a path that leads out of the grant.
/// Strings: `#0` names the canary, `#1` a fresh name beside it, `#2` the
/// outside directory itself, `#3` the file `inner`, `#4` a fresh name in
/// the grant.
fn escape_attempts() -> Vec<Attempt> {
    let call = |name: &str, body: &str| attempt(name, ESCAPE, body);
    vec![
        call("read", &open(3, true, "#0", 0, FD_READ)),
        call("read_nofollow", &open(3, false, "#0", 0, FD_READ)),
        call("trunc", &open(3, true, "#0", O_TRUNC, FD_WRITE)),
        call("creat", &open(3, true, "#1", O_CREAT, FD_WRITE)),
        call("opendir", &open(3, true, "#2", O_DIRECTORY, 0)),
        call("stat", &stat(3, "#0")),
        call("touch", &touch(3, "#0")),
        call("mkdir", "(call $path_create_directory (i32.const 3) #1)"),
        call("rmdir", "(call $path_remove_directory (i32.const 3) #2)"),
        call("unlink", "(call $path_unlink_file (i32.const 3) #0)"),
        call("rename_out", "(call $path_rename (i32.const 3) #3 (i32.const 3) #1)"),
        call("rename_in", "(call $path_rename (i32.const 3) #0 (i32.const 3) #4)"),
        call("rename_over", "(call $path_rename (i32.const 3) #3 (i32.const 3) #0)"),
        call("link_out", "(call $path_link (i32.const 3) (i32.const 0) #3 (i32.const 3) #1)"),
        call("link_in", "(call $path_link (i32.const 3) (i32.const 0) #0 (i32.const 3) #4)"),
        call("symlink_out", "(call $path_symlink #3 (i32.const 3) #1)"),
        call(
            "readlink",
            "(call $path_readlink (i32.const 3) #0 (i32.const 512) (i32.const 64) (i32.const 600))",
        ),
    ]
}

/// Runs every [`escape_attempts`] case against the outside directory as
/// `spell` writes it (with a trailing `/`) from inside the grant.
fn assert_escapes_refused(name: &str, spell: impl Fn(&Layout) -> String) {
    let layout = Layout::new(name);
    let outside = spell(&layout);
    let canary = format!("{outside}canary");
    let fresh = format!("{outside}fresh");
    let dir = outside.trim_end_matches('/');
    let strings: [&[u8]; 5] =
        [canary.as_bytes(), fresh.as_bytes(), dir.as_bytes(), b"inner", b"stolen"];
    check(&layout, &format!("{outside:?}: "), &strings, &escape_attempts());
    assert!(!layout.path("granted/stolen").exists(), "{name}: the canary was brought in");
    assert_eq!(std::fs::read(layout.path("granted/inner")).unwrap(), b"inside");
}

#[test]
fn dot_dot_cannot_climb_out() {
    let spellings = [
        "../outside/",
        "./../outside/",
        "a/../../outside/",
        "a/./../../outside/",
        "a/../a/../../outside/",
        "../granted/../outside/",
        "a//..//..//outside/",
    ];
    for (i, outside) in spellings.iter().enumerate() {
        assert_escapes_refused(&format!("dotdot{i}"), |_| outside.to_string());
    }
    // Far more `..` than the host tree is deep, then the real host path.
    assert_escapes_refused("deep", |layout| {
        let host = layout.path("outside");
        format!("{}{}/", "../".repeat(40), host.to_str().unwrap().trim_start_matches('/'))
    });
}

#[test]
fn absolute_paths_are_refused() {
    assert_escapes_refused("absolute", |layout| {
        format!("{}/", layout.path("outside").to_str().unwrap())
    });
    let strings: [&[u8]; 3] = [b"/etc/passwd", b"/", b"//etc/passwd"];
    let attempts = [
        attempt("passwd", ESCAPE, open(3, true, "#0", 0, FD_READ)),
        attempt("root", ESCAPE, open(3, true, "#1", O_DIRECTORY, 0)),
        attempt("doubled", ESCAPE, open(3, true, "#2", 0, FD_READ)),
        attempt("stat", ESCAPE, stat(3, "#0")),
        attempt("ro_passwd", ESCAPE, open(4, true, "#0", 0, FD_READ)),
    ];
    check(&Layout::new("etc"), "", &strings, &attempts);
}

/// Symlinks made by the host that lead out; every following operation on
/// them must be refused.
#[test]
fn host_symlinks_do_not_lead_out() {
    // Each link, named by itself and by a path through it.
    let links = [
        "abs",
        "rel",
        "hop",
        "via",
        "outdir/canary",
        "a/../rel",
        "outdir/../outside/canary",
        "./via",
    ];
    for (i, link) in links.iter().enumerate() {
        let layout = Layout::new(&format!("links{i}")).with_links();
        let strings: [&[u8]; 3] = [link.as_bytes(), b"outdir/fresh", b"stolen"];
        // Linking names the entry itself, so a new name for the symlink
        // is harmless; the canary must not gain one.
        let link_allowed = &[Errno::Success, Errno::NotCapable, Errno::Perm];
        let attempts = [
            attempt("read", ESCAPE, open(3, true, "#0", 0, FD_READ)),
            attempt("trunc", ESCAPE, open(3, true, "#0", O_TRUNC, FD_WRITE)),
            attempt("creat", ESCAPE, open(3, true, "#0", O_CREAT, FD_WRITE)),
            attempt("stat", ESCAPE, stat(3, "#0")),
            attempt("touch", ESCAPE, touch(3, "#0")),
            attempt("mkdir", ESCAPE, "(call $path_create_directory (i32.const 3) #1)"),
            attempt("creat_in_dir", ESCAPE, open(3, true, "#1", O_CREAT, FD_WRITE)),
            attempt(
                "link_in",
                link_allowed,
                "(call $path_link (i32.const 3) (i32.const 0) #0 (i32.const 3) #2)",
            ),
        ];
        check(&layout, &format!("{link}: "), &strings, &attempts);
        if let Ok(meta) = std::fs::symlink_metadata(layout.path("granted/stolen")) {
            assert!(meta.is_symlink(), "{link}: the canary gained a name in the grant");
        }
    }
}

#[test]
fn dangling_and_looping_symlinks() {
    let layout = Layout::new("dangling").with_links();
    let strings: [&[u8]; 6] = [b"dangling", b"dangling_abs", b"gone", b"loop_a", b"self", b"rel"];
    let out_or_missing = &[Errno::NotCapable, Errno::Perm, Errno::NoEnt];
    let attempts = [
        attempt("read_dangling", out_or_missing, open(3, true, "#0", 0, FD_READ)),
        attempt("create_dangling", out_or_missing, open(3, true, "#0", O_CREAT, FD_WRITE)),
        attempt("read_dangling_abs", out_or_missing, open(3, true, "#1", 0, FD_READ)),
        attempt("create_dangling_abs", out_or_missing, open(3, true, "#1", O_CREAT, FD_WRITE)),
        attempt("read_gone", &[Errno::NoEnt], open(3, true, "#2", 0, FD_READ)),
        attempt("loop", &[Errno::Loop], open(3, true, "#3", 0, FD_READ)),
        attempt("loop_stat", &[Errno::Loop], stat(3, "#3")),
        attempt("self", &[Errno::Loop], open(3, true, "#4", O_CREAT, FD_WRITE)),
        // Opening a symlink without following it: Linux answers ELOOP.
        attempt("nofollow", &[Errno::Loop, Errno::NotCapable, Errno::Perm], {
            open(3, false, "#5", 0, FD_READ)
        }),
        // Removing a link inside the grant is allowed and leaves its target.
        attempt("unlink_link", SUCCESS, "(call $path_unlink_file (i32.const 3) #5)"),
    ];
    check(&layout, "", &strings, &attempts);
    assert!(!layout.path("granted/nothing").exists());
    assert!(!layout.path("granted/rel").exists());
}

/// Symlinks the guest makes itself during the run.
#[test]
fn guest_made_symlinks_do_not_lead_out() {
    let layout = Layout::new("planted");
    let abs_canary = layout.path("outside/canary");
    let strings: [&[u8]; 8] = [
        b"../outside/canary",
        abs_canary.to_str().unwrap().as_bytes(),
        b"../outside",
        b"../outside/missing",
        b"ln",
        b"ln_abs",
        b"ln_dir",
        b"ln_gone",
    ];
    // Making a symlink whose text points out is not itself an escape.
    let may_plant = &[Errno::Success, Errno::NotCapable, Errno::Perm];
    let plant = |name: &str, target: usize, link: usize| {
        attempt(name, may_plant, format!("(call $path_symlink #{target} (i32.const 3) #{link})"))
    };
    let attempts = [
        plant("plant", 0, 4),
        plant("plant_abs", 1, 5),
        plant("plant_dir", 2, 6),
        plant("plant_gone", 3, 7),
    ];
    let (_, errnos) = check(&layout, "", &strings, &attempts);
    // Following a planted link is an escape; one never made is missing.
    let follow = |i: usize| if errnos[i] == 0 { ESCAPE } else { &[Errno::NoEnt] };
    let strings: [&[u8]; 6] =
        [b"ln", b"ln_abs", b"ln_dir/canary", b"ln_dir/fresh", b"ln_gone", b"ln_dir"];
    let attempts = [
        attempt("read", follow(0), open(3, true, "#0", 0, FD_READ)),
        attempt("trunc", follow(0), open(3, true, "#0", O_TRUNC, FD_WRITE)),
        attempt("stat", follow(0), stat(3, "#0")),
        attempt("read_abs", follow(1), open(3, true, "#1", 0, FD_READ)),
        attempt("trunc_abs", follow(1), open(3, true, "#1", O_TRUNC, FD_WRITE)),
        attempt("through_dir", follow(2), open(3, true, "#2", 0, FD_READ)),
        attempt("create_in_dir", follow(2), open(3, true, "#3", O_CREAT, FD_WRITE)),
        attempt("mkdir_in_dir", follow(2), "(call $path_create_directory (i32.const 3) #3)"),
        attempt("opendir", follow(2), open(3, true, "#5", O_DIRECTORY, 0)),
        attempt("create_gone", follow(3), open(3, true, "#4", O_CREAT, FD_WRITE)),
    ];
    check(&layout, "", &strings, &attempts);
    assert!(!layout.path("outside/missing").exists());
}

#[test]
fn trailing_slashes() {
    let layout = Layout::new("slashes").with_links();
    let strings: [&[u8]; 5] = [b"inner/", b"a/", b"rel/", b"fresh/", b"inner/."];
    let not_dir = &[Errno::NotDir];
    let attempts = [
        attempt("open_file", not_dir, open(3, true, "#0", 0, FD_READ)),
        attempt("stat_file", not_dir, stat(3, "#0")),
        attempt("unlink_file", not_dir, "(call $path_unlink_file (i32.const 3) #0)"),
        attempt("file_dot", not_dir, open(3, true, "#4", 0, FD_READ)),
        attempt("open_dir", SUCCESS, open(3, true, "#1", O_DIRECTORY, 0)),
        attempt(
            "mkdir_existing",
            &[Errno::Exist],
            "(call $path_create_directory (i32.const 3) #1)",
        ),
        // A trailing slash forces the link to be followed, and it leads out.
        attempt("through_link", &[Errno::NotDir, Errno::NotCapable, Errno::Perm], {
            open(3, false, "#2", 0, FD_READ)
        }),
        attempt("create_fresh", &[Errno::IsDir, Errno::NotDir, Errno::Inval, Errno::NoEnt], {
            open(3, true, "#3", O_CREAT, FD_WRITE)
        }),
    ];
    check(&layout, "", &strings, &attempts);
    assert_eq!(std::fs::read(layout.path("granted/inner")).unwrap(), b"inside");
    assert!(!layout.path("granted/fresh").exists());
}

/// Links and renames between the read-write grant (3) and the read-only
/// one (4), in both directions.
#[test]
fn links_and_renames_across_grants() {
    let layout = Layout::new("across");
    let strings: [&[u8]; 4] = [b"inner", b"kept", b"moved", b"sub"];
    let link = |name: &str, from: u32, old: &str, to: u32| {
        let body =
            format!("(call $path_link (i32.const {from}) (i32.const 0) {old} (i32.const {to}) #2)");
        attempt(name, CROSSING, body)
    };
    let rename = |name: &str, from: u32, old: &str, to: u32, new: &str| {
        let body = format!("(call $path_rename (i32.const {from}) {old} (i32.const {to}) {new})");
        attempt(name, CROSSING, body)
    };
    let attempts = [
        link("link_rw_to_ro", 3, "#0", 4),
        link("link_ro_to_rw", 4, "#1", 3),
        link("link_within_ro", 4, "#1", 4),
        rename("rename_rw_to_ro", 3, "#0", 4, "#2"),
        rename("rename_ro_to_rw", 4, "#1", 3, "#2"),
        rename("rename_dir_ro_to_rw", 4, "#3", 3, "#2"),
        rename("rename_over_ro", 3, "#0", 4, "#1"),
        rename("rename_within_ro", 4, "#1", 4, "#2"),
        attempt("symlink_in_ro", CROSSING, "(call $path_symlink #0 (i32.const 4) #2)"),
    ];
    check(&layout, "", &strings, &attempts);
    assert_eq!(std::fs::read(layout.path("granted/inner")).unwrap(), b"inside");
    assert!(!layout.path("granted/moved").exists());
}

/// Changes attempted through the read-only grant, by path and through
/// descriptors opened under it.
#[test]
fn read_only_grant_refuses_changes() {
    let layout = Layout::new("readonly");
    let strings: [&[u8]; 4] = [b"kept", b"new", b"sub", b"x"];
    // Opens `kept` with `rights`, then runs `rest` on it.
    let on_kept = |rights: u64, rest: &str| then(&open(4, true, "#0", 0, rights), rest);
    let in_sub = |rest: &str| then(&open(4, true, "#2", O_DIRECTORY, 0), rest);
    let iovec =
        "(i32.store (i32.const 100) (i32.const 200)) (i32.store (i32.const 104) (i32.const 4))";
    let fd = LAST_OPENED;
    let append = format!(
        "(call $path_open (i32.const 4) (i32.const 1) #0 (i32.const 0) (i64.const {FD_READ}) \
         (i64.const 0) (i32.const 1) (i32.const {OPENED}))"
    );
    let attempts = [
        attempt("trunc", DENIED, open(4, true, "#0", O_TRUNC, FD_READ)),
        attempt("trunc_write", DENIED, open(4, true, "#0", O_TRUNC, FD_WRITE)),
        attempt("create", DENIED, open(4, true, "#1", O_CREAT, FD_READ)),
        attempt("open_all_rights", DENIED, open(4, true, "#0", 0, u64::MAX >> 35)),
        attempt("append", DENIED, append),
        attempt(
            "fd_write",
            DENIED,
            on_kept(
                FD_READ,
                &format!(
                    "{iovec} (call $fd_write {fd} (i32.const 100) (i32.const 1) (i32.const 120))"
                ),
            ),
        ),
        attempt(
            "fd_pwrite",
            DENIED,
            on_kept(
                FD_READ | FD_SEEK,
                &format!(
                    "{iovec} (call $fd_pwrite {fd} (i32.const 100) (i32.const 1) (i64.const 0) (i32.const 120))"
                ),
            ),
        ),
        attempt("set_size", DENIED, {
            on_kept(FD_READ, &format!("(call $fd_filestat_set_size {fd} (i64.const 0))"))
        }),
        attempt("allocate", DENIED, {
            on_kept(FD_READ, &format!("(call $fd_allocate {fd} (i64.const 0) (i64.const 4096))"))
        }),
        attempt(
            "regain_write",
            DENIED,
            on_kept(
                FD_READ,
                &format!(
                    "(call $fd_fdstat_set_rights {fd} (i64.const {}) (i64.const 0))",
                    FD_READ | FD_WRITE
                ),
            ),
        ),
        attempt(
            "fd_set_times",
            DENIED,
            on_kept(
                FD_READ | FD_FILESTAT_SET_TIMES,
                &format!(
                    "(call $fd_filestat_set_times {fd} (i64.const 0) (i64.const 0) (i32.const {TIMES_NOW}))"
                ),
            ),
        ),
        attempt("path_set_times", DENIED, touch(4, "#0")),
        attempt(
            "preopen_set_times",
            DENIED,
            format!(
                "(call $fd_filestat_set_times (i32.const 4) (i64.const 0) (i64.const 0) (i32.const {TIMES_NOW}))"
            ),
        ),
        attempt("mkdir", DENIED, "(call $path_create_directory (i32.const 4) #1)"),
        attempt("rmdir", DENIED, "(call $path_remove_directory (i32.const 4) #2)"),
        attempt("unlink", DENIED, "(call $path_unlink_file (i32.const 4) #0)"),
        attempt("subdir_mkdir", DENIED, in_sub(&format!("(call $path_create_directory {fd} #3)"))),
        attempt(
            "subdir_create",
            DENIED,
            in_sub(&format!(
                "(call $path_open {fd} (i32.const 0) #3 (i32.const {O_CREAT}) (i64.const {FD_WRITE}) \
             (i64.const 0) (i32.const 0) (i32.const 4))"
            )),
        ),
    ];
    check(&layout, "", &strings, &attempts);
}

/// The guest's pointers and lengths are checked against its memory:
/// a bad one is an errno, never a host panic or a write elsewhere.
#[test]
fn bad_pointers_and_lengths_fault() {
    let layout = Layout::new("pointers").with_links();
    let strings: [&[u8]; 3] = [b"inner", b"made", b"rel"];
    let open_inner = open(3, false, "#0", 0, FD_READ | FD_WRITE | FD_SEEK);
    // Opens `inner` read-write, stores one iovec (`ptr`, `len`) at 100 and
    // runs `op` on the descriptor with `count` iovecs at `iovs`.
    let with_iovec = |name: &str, allowed, ptr: u32, len: u32, op: &str, iovs: u32, count: u32| {
        let (ptr, len, iovs, count) = (ptr as i32, len as i32, iovs as i32, count as i32);
        let body = then(
            &open_inner,
            &format!(
                "(i32.store (i32.const 100) (i32.const {ptr})) (i32.store (i32.const 104) (i32.const {len})) \
             (call ${op} {LAST_OPENED} (i32.const {iovs}) (i32.const {count}) (i32.const 120))"
            ),
        );
        attempt(name, allowed, body)
    };
    let open_at = |name: &str, path: &str, result: i32| {
        let body = format!(
            "(call $path_open (i32.const 3) (i32.const 0) {path} (i32.const {O_CREAT}) \
             (i64.const {FD_WRITE}) (i64.const 0) (i32.const 0) (i32.const {result}))"
        );
        attempt(name, FAULT, body)
    };
    let attempts = [
        with_iovec("write_huge_len", FAULT_OR_INVAL, 200, u32::MAX, "fd_write", 100, 1),
        with_iovec("read_huge_len", FAULT_OR_INVAL, 200, u32::MAX, "fd_read", 100, 1),
        with_iovec("write_wrapping_buf", FAULT, 0xffff_fff0, 0x20, "fd_write", 100, 1),
        with_iovec("read_buf_past_end", FAULT, 65530, 16, "fd_read", 100, 1),
        with_iovec("iovs_past_end", FAULT, 200, 4, "fd_write", 65532, 1),
        with_iovec("iovs_wrapping", FAULT, 200, 4, "fd_write", 0xffff_fffc, 2),
        with_iovec("iovs_count_overflow", FAULT_OR_INVAL, 200, 4, "fd_write", 100, 0x2000_0000),
        with_iovec("iovs_count_huge", FAULT_OR_INVAL, 200, 4, "fd_read", 100, u32::MAX),
        open_at("path_past_end", "(i32.const 65530) (i32.const 10)", 0),
        open_at("path_wrapping", "(i32.const -1) (i32.const 2)", 0),
        open_at("result_past_end", "#1", 65534),
        open_at("result_wrapping", "#1", -2),
        attempt(
            "path_huge_len",
            FAULT,
            "(call $path_create_directory (i32.const 3) (i32.const 1024) (i32.const -1))",
        ),
        attempt(
            "stat_past_end",
            FAULT,
            "(call $path_filestat_get (i32.const 3) (i32.const 0) #0 (i32.const 65500))",
        ),
        attempt(
            "readlink_buf_past_end",
            FAULT,
            "(call $path_readlink (i32.const 3) #2 (i32.const 65530) (i32.const 100) (i32.const 0))",
        ),
        attempt(
            "readlink_used_past_end",
            FAULT,
            "(call $path_readlink (i32.const 3) #2 (i32.const 200) (i32.const 100) (i32.const 65534))",
        ),
        attempt(
            "readdir_buf_past_end",
            FAULT,
            "(call $fd_readdir (i32.const 3) (i32.const 65500) (i32.const 100) (i64.const 0) (i32.const 0))",
        ),
        attempt(
            "readdir_buf_wrapping",
            FAULT,
            "(call $fd_readdir (i32.const 3) (i32.const -8) (i32.const 16) (i64.const 0) (i32.const 0))",
        ),
        attempt(
            "readdir_used_past_end",
            FAULT,
            "(call $fd_readdir (i32.const 3) (i32.const 200) (i32.const 100) (i64.const 0) (i32.const 65533))",
        ),
        attempt(
            "prestat_name_past_end",
            FAULT,
            "(call $fd_prestat_dir_name (i32.const 3) (i32.const 65534) (i32.const 100))",
        ),
        attempt("random_past_end", FAULT, "(call $random_get (i32.const 65000) (i32.const 1000))"),
        attempt("random_huge", FAULT, "(call $random_get (i32.const 0) (i32.const -1))"),
        attempt("args_past_end", FAULT, "(call $args_get (i32.const 65534) (i32.const 0))"),
        attempt("args_buf_past_end", FAULT, "(call $args_get (i32.const 0) (i32.const 65534))"),
    ];
    check(&layout, "", &strings, &attempts);
    assert_eq!(std::fs::read(layout.path("granted/inner")).unwrap(), b"inside");
    assert!(!layout.path("granted/made").exists(), "a faulting path_open still created its file");
}

#[test]
fn overlapping_iovecs_are_harmless() {
    let layout = Layout::new("overlap");
    let strings: [&[u8]; 1] = [b"inner"];
    // Three iovecs over the same bytes: (200, 6), (202, 4), (200, 6); the
    // count goes to `out`.
    let body = |op: &str, out: u32| {
        let iovecs = "(i64.store (i32.const 100) (i64.const 0x00000006000000c8)) \
                      (i64.store (i32.const 108) (i64.const 0x00000004000000ca)) \
                      (i64.store (i32.const 116) (i64.const 0x00000006000000c8))";
        let call =
            format!("(call ${op} {LAST_OPENED} (i32.const 100) (i32.const 3) (i32.const {out}))");
        then(&open(3, false, "#0", 0, FD_READ | FD_WRITE | FD_SEEK), &format!("{iovecs} {call}"))
    };
    let attempts = [
        attempt("read", SUCCESS, body("fd_read", 160)),
        attempt("write", SUCCESS, body("fd_write", 164)),
    ];
    let (guest, _) = check(&layout, "", &strings, &attempts);
    assert_eq!(guest.u32_at(160), 6, "the file holds six bytes; the first iovec takes them all");
    assert_eq!(guest.memory(200, 6), b"inside");
    assert_eq!(guest.u32_at(164), 16);
    assert_eq!(std::fs::read(layout.path("granted/inner")).unwrap(), b"insidesideinside");
}

#[test]
fn readdir_into_tiny_buffers() {
    let layout = Layout::new("readdir");
    let lens = [0u32, 1, 7, 23, 24, 25];
    // Each call fills a guard over 64 bytes at 300 first; bufused lands at 0.
    let attempts: Vec<Attempt> = lens
        .iter()
        .map(|&len| {
            let body = format!(
                "(memory.fill (i32.const 300) (i32.const 0xaa) (i32.const 64)) \
                 (call $fd_readdir (i32.const 3) (i32.const 300) (i32.const {len}) (i64.const 0) (i32.const 0))"
            );
            attempt(format!("len{len}"), SUCCESS, body)
        })
        .collect();
    let mut guest = Guest::new(&layout, &[], &exports(&attempts));
    for len in lens {
        assert_eq!(guest.call(&format!("len{len}")), 0, "buffer of {len}");
        assert_eq!(guest.u32_at(0), len, "a small buffer is filled to the brim");
        let len = len as usize;
        assert!(guest.memory(300 + len, 64 - len).iter().all(|&b| b == 0xaa), "written past {len}");
    }
}

#[test]
fn malformed_path_names_are_refused() {
    let layout = Layout::new("names");
    let strings: [&[u8]; 5] =
        [b"inner\0../../outside/canary", b"\0", b"made\xff", b"\xc0\xaf..", b"a/\xed\xa0\x80"];
    let malformed = &[Errno::Inval, Errno::Ilseq];
    let attempts = [
        attempt("nul_open", malformed, open(3, true, "#0", 0, FD_READ)),
        attempt("nul_only", malformed, "(call $path_create_directory (i32.const 3) #1)"),
        attempt("bad_utf8_create", malformed, open(3, true, "#2", O_CREAT, FD_WRITE)),
        attempt("overlong_dot", malformed, "(call $path_create_directory (i32.const 3) #3)"),
        attempt("surrogate", malformed, "(call $path_create_directory (i32.const 3) #4)"),
        attempt("nul_unlink", malformed, "(call $path_unlink_file (i32.const 3) #0)"),
    ];
    check(&layout, "", &strings, &attempts);
    let names: Vec<_> = std::fs::read_dir(layout.path("granted"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "nothing new in the grant: {names:?}");
    assert_eq!(std::fs::read(layout.path("granted/inner")).unwrap(), b"inside");
}
