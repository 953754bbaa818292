//! What the serve tests share: WAGI guests written in WAT, a plain HTTP/1.1
//! client over real loopback sockets, and scratch directories.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// WASI imports and helpers every guest has: `$print(ptr, len)` to stdout,
/// `$print_lines(ptr, len)` (NULs become newlines), `$yes_no(errno)`, and
/// at 80 the 26 bytes `Content-Type: text/plain\n\n`. Guests put their own
/// data at 128 and above.
const PRELUDE: &str = r#"
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_seek" (func $fd_seek (param i32 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_get" (func $fd_prestat_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $environ_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $environ_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock_time_get (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll_oneoff (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 4)
  (func $write (param $fd i32) (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8))))
  (func $print (param $ptr i32) (param $len i32)
    (call $write (i32.const 1) (local.get $ptr) (local.get $len)))
  (func $print_lines (param $ptr i32) (param $len i32) (local $i i32)
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
      (if (i32.eqz (i32.load8_u (i32.add (local.get $ptr) (local.get $i))))
        (then (i32.store8 (i32.add (local.get $ptr) (local.get $i)) (i32.const 10))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (call $print (local.get $ptr) (local.get $len)))
  (func $yes_no (param $errno i32)
    (if (i32.eqz (local.get $errno))
      (then (call $print (i32.const 64) (i32.const 4)))
      (else (call $print (i32.const 68) (i32.const 3)))))
  (data (i32.const 64) "yes\nno\n")
  (data (i32.const 80) "Content-Type: text/plain\n\n")
"#;

/// A guest module: the prelude and `body`.
pub fn guest(body: &str) -> String {
    format!("(module {PRELUDE}\n{body})")
}

/// A guest that prints `output` as it is.
pub fn printing(output: &[u8]) -> String {
    guest(&format!(
        r#"(data (i32.const 4096) "{}")
           (func (export "_start") (call $print (i32.const 4096) (i32.const {})))"#,
        wat_bytes(output),
        output.len()
    ))
}

/// `bytes` as the inside of a WAT string.
pub fn wat_bytes(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("\\{b:02x}")).collect()
}

/// Answers `hello`.
pub fn hello() -> String {
    guest(
        r#"(data (i32.const 128) "hello\n")
           (func (export "_start")
             (call $print (i32.const 80) (i32.const 26))
             (call $print (i32.const 128) (i32.const 6)))"#,
    )
}

/// Prints its environment, its arguments, whether it has a directory at
/// descriptor 3, the clocks and randomness, then echoes its stdin.
pub fn echo() -> String {
    guest(
        r#"(data (i32.const 128) "env:\n")
           (data (i32.const 136) "args:\n")
           (data (i32.const 144) "dir:")
           (data (i32.const 152) "clock:")
           (data (i32.const 160) "random:")
           (data (i32.const 168) "body:\n")
           (func (export "_start") (local $n i32)
             (call $print (i32.const 80) (i32.const 26))
             (call $print (i32.const 128) (i32.const 5))
             (drop (call $environ_sizes_get (i32.const 16) (i32.const 20)))
             (drop (call $environ_get (i32.const 8192) (i32.const 16384)))
             (call $print_lines (i32.const 16384) (i32.load (i32.const 20)))
             (call $print (i32.const 136) (i32.const 6))
             (drop (call $args_sizes_get (i32.const 16) (i32.const 20)))
             (drop (call $args_get (i32.const 8192) (i32.const 16384)))
             (call $print_lines (i32.const 16384) (i32.load (i32.const 20)))
             (call $print (i32.const 144) (i32.const 4))
             (call $yes_no (call $fd_prestat_get (i32.const 3) (i32.const 16)))
             (call $print (i32.const 152) (i32.const 6))
             (call $yes_no (call $clock_time_get (i32.const 0) (i64.const 1) (i32.const 16)))
             (call $print (i32.const 160) (i32.const 7))
             (call $yes_no (call $random_get (i32.const 16) (i32.const 8)))
             (call $print (i32.const 168) (i32.const 6))
             (block $eof (loop $more
               (i32.store (i32.const 24) (i32.const 131072))
               (i32.store (i32.const 28) (i32.const 65536))
               (br_if $eof (call $fd_read (i32.const 0) (i32.const 24) (i32.const 1) (i32.const 32)))
               (local.set $n (i32.load (i32.const 32)))
               (br_if $eof (i32.eqz (local.get $n)))
               (call $print (i32.const 131072) (local.get $n))
               (br $more))))"#,
    )
}

/// Counts its runs in a global, in memory and in the file `count` of the
/// directory at descriptor 3: `global=1 memory=1 file=1` on a fresh
/// instance with a fresh directory.
pub fn counter() -> String {
    guest(
        r#"(global $count (mut i32) (i32.const 0))
           (data (i32.const 128) "global=0 memory=0 file=0\n")
           (data (i32.const 160) "count")
           (func (export "_start") (local $fd i32)
             (global.set $count (i32.add (global.get $count) (i32.const 1)))
             (i32.store8 (i32.const 135) (i32.add (i32.const 48) (global.get $count)))
             (i32.store8 (i32.const 2048) (i32.add (i32.load8_u (i32.const 2048)) (i32.const 1)))
             (i32.store8 (i32.const 144) (i32.add (i32.const 48) (i32.load8_u (i32.const 2048))))
             (if (call $path_open (i32.const 3) (i32.const 0) (i32.const 160) (i32.const 5)
                   (i32.const 1) (i64.const 0x46) (i64.const 0) (i32.const 0) (i32.const 16))
               (then (call $proc_exit (i32.const 9))))
             (local.set $fd (i32.load (i32.const 16)))
             (i32.store8 (i32.const 3000) (i32.const 48))
             (i32.store (i32.const 24) (i32.const 3000))
             (i32.store (i32.const 28) (i32.const 1))
             (drop (call $fd_read (local.get $fd) (i32.const 24) (i32.const 1) (i32.const 32)))
             (i32.store8 (i32.const 3000) (i32.add (i32.load8_u (i32.const 3000)) (i32.const 1)))
             (drop (call $fd_seek (local.get $fd) (i64.const 0) (i32.const 0) (i32.const 40)))
             (drop (call $fd_write (local.get $fd) (i32.const 24) (i32.const 1) (i32.const 32)))
             (i32.store8 (i32.const 151) (i32.load8_u (i32.const 3000)))
             (call $print (i32.const 80) (i32.const 26))
             (call $print (i32.const 128) (i32.const 25)))"#,
    )
}

/// Sleeps `ms` milliseconds (needs the clocks), then answers `slept`.
pub fn sleeper(ms: u64) -> String {
    guest(&format!(
        r#"(data (i32.const 128) "slept\n")
           (func (export "_start")
             (i32.store (i32.const 272) (i32.const 1))
             (i64.store (i32.const 280) (i64.const {}))
             (drop (call $poll_oneoff (i32.const 256) (i32.const 512) (i32.const 1) (i32.const 16)))
             (call $print (i32.const 80) (i32.const 26))
             (call $print (i32.const 128) (i32.const 6)))"#,
        ms * 1_000_000
    ))
}

/// Never ends.
pub fn spinner() -> String {
    guest(r#"(func (export "_start") (loop $forever (br $forever)))"#)
}

/// Grows its memory a page at a time until refused, then answers
/// `refused` (or traps, with `trap`).
pub fn hog(trap: bool) -> String {
    let then = if trap {
        "unreachable"
    } else {
        "(call $print (i32.const 80) (i32.const 26)) (call $print (i32.const 128) (i32.const 8))"
    };
    guest(&format!(
        r#"(data (i32.const 128) "refused\n")
           (func (export "_start")
             (block $refused (loop $grow
               (br_if $refused (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))
               (br $grow)))
             {then})"#
    ))
}

/// Traps, with a secret in its data that must not reach the client.
pub fn trapper() -> String {
    guest(
        r#"(data (i32.const 128) "guest-secret-42")
           (func $deep (export "deep") unreachable)
           (func (export "_start") (call $print (i32.const 128) (i32.const 15)) (call $deep))"#,
    )
}

/// Exits with `status`.
pub fn exiter(status: i32) -> String {
    guest(&format!(r#"(func (export "_start") (call $proc_exit (i32.const {status})))"#))
}

/// Writes `count` KiB of body.
pub fn big_output(kib: u32) -> String {
    guest(&format!(
        r#"(func (export "_start") (local $i i32)
             (call $print (i32.const 80) (i32.const 26))
             (loop $more
               (call $print (i32.const 8192) (i32.const 1024))
               (local.set $i (i32.add (local.get $i) (i32.const 1)))
               (br_if $more (i32.lt_u (local.get $i) (i32.const {kib})))))"#
    ))
}

/// A directory removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(name: &str) -> Self {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("wisp-serve-test-{}-{name}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// Writes `contents` to `name` in the directory, returning its path.
    pub fn file(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, contents).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A response as the client saw it.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    /// Lower-cased names.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A keep-alive connection.
pub struct Connection {
    reader: BufReader<TcpStream>,
}

impl Connection {
    pub fn open(addr: SocketAddr) -> Self {
        let stream = TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        Self { reader: BufReader::new(stream) }
    }

    /// Sends `head` (without the final blank line; `Host` and
    /// `Content-Length` are added) and `body`, and reads the reply.
    pub fn send(
        &mut self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Reply {
        let mut head = format!("{method} {target} HTTP/1.1\r\nHost: test\r\n");
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        if !body.is_empty() {
            head.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        head.push_str("\r\n");
        let stream = self.reader.get_mut();
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(body).unwrap();
        self.read_reply()
    }

    /// Writes raw bytes.
    pub fn write_raw(&mut self, bytes: &[u8]) {
        self.reader.get_mut().write_all(bytes).unwrap();
    }

    /// Reads one reply.
    pub fn read_reply(&mut self) -> Reply {
        let mut line = String::new();
        self.reader.read_line(&mut line).unwrap();
        let status = line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("bad status line {line:?}"));
        let mut headers = Vec::new();
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line).unwrap();
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            let (name, value) = line.split_once(':').unwrap();
            headers.push((name.to_ascii_lowercase(), value.trim().to_string()));
        }
        let length: usize = headers
            .iter()
            .find(|(n, _)| n == "content-length")
            .map_or(0, |(_, v)| v.parse().unwrap());
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body).unwrap();
        Reply { status, headers, body }
    }

    /// Whether the server has closed the connection.
    pub fn is_closed(&mut self) -> bool {
        let mut byte = [0];
        matches!(self.reader.read(&mut byte), Ok(0) | Err(_))
    }
}

/// One request on its own connection.
pub fn get(addr: SocketAddr, target: &str) -> Reply {
    Connection::open(addr).send("GET", target, &[], b"")
}

/// One request with a body on its own connection.
pub fn post(addr: SocketAddr, target: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
    Connection::open(addr).send("POST", target, headers, body)
}
