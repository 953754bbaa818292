//! `wisp serve` as a process: its configuration errors, serving over real
//! loopback HTTP, SIGHUP reloads and SIGTERM shutdowns.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{TempDir, wisp};

/// A WAGI guest answering `text` (ASCII, no quotes or backslashes).
fn answering(text: &str) -> String {
    answering_with_stderr(text, "")
}

/// A WAGI guest that writes `complaint` to stderr and answers `text`.
fn answering_with_stderr(text: &str, complaint: &str) -> String {
    let out = format!("Content-Type: text/plain\\0a\\0a{text}");
    let len = text.len() + 26;
    let clen = complaint.len();
    format!(
        r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "{out}")
  (data (i32.const 512) "{complaint}")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 512))
    (i32.store (i32.const 4) (i32.const {clen}))
    (drop (call $w (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 8)))
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const {len}))
    (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))"#
    )
}

/// A running `wisp serve`.
struct Served {
    child: Child,
    addr: SocketAddr,
    stderr: BufReader<std::process::ChildStderr>,
}

impl Served {
    fn start(args: &[&str]) -> Self {
        Self::start_with(args, &[])
    }

    fn start_with(args: &[&str], env: &[(&str, &str)]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_wisp"))
            .envs(env.iter().copied())
            .arg("serve")
            .args(["--listen", "127.0.0.1:0", "--no-cache"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut line = String::new();
        stderr.read_line(&mut line).unwrap();
        let addr = line
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("no address in {line:?}"));
        Self { child, addr, stderr }
    }

    fn get(&self, path: &str) -> (u16, String) {
        let mut stream = TcpStream::connect(self.addr).unwrap();
        write!(stream, "GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").unwrap();
        let mut reply = String::new();
        stream.read_to_string(&mut reply).unwrap();
        let status = reply.split(' ').nth(1).unwrap().parse().unwrap();
        let body = reply.split_once("\r\n\r\n").unwrap().1.to_string();
        (status, body)
    }

    fn signal(&self, name: &str) {
        let ok = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
    }

    /// Waits for the process to end; its status and the rest of stderr.
    fn wait(mut self) -> (i32, String) {
        let mut rest = String::new();
        self.stderr.read_to_string(&mut rest).unwrap();
        (self.child.wait().unwrap().code().unwrap_or(-1), rest)
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

#[test]
fn configuration_errors_name_the_file_line_and_key() {
    let dir = TempDir::new();
    let config = dir
        .file("serve.toml", "[[route]]\npath = \"/a\"\ntimeout = \"soon\"\nmodule = \"a.wat\"\n");
    let run = wisp(["serve", "--config", &config]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("serve.toml:3: route[0].timeout: `soon` is not a duration"),
        "{}",
        run.stderr
    );

    let missing = dir.file("missing.toml", "[[route]]\npath = \"/a\"\nmodule = \"nowhere.wat\"\n");
    let run = wisp(["serve", "--config", &missing, "--listen", "127.0.0.1:0"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("route /a: cannot load") && run.stderr.contains("nowhere.wat"),
        "{}",
        run.stderr
    );

    let run = wisp(["serve", "--config", &config, "--env", "A=1"]);
    assert!(run.code != 0 && run.stderr.contains("set them per route"), "{}", run.stderr);
    let run = wisp(["serve"]);
    assert!(run.code != 0, "{run:?}");
}

#[test]
fn serves_one_module_and_stops_cleanly_on_sigterm() {
    let dir = TempDir::new();
    let module = dir.file("hello.wat", answering_with_stderr("hi there", "a note for the log"));
    let served = Served::start(&[&module]);
    assert_eq!(served.get("/"), (200, "hi there".to_string()));
    assert_eq!(served.get("/any/path?q=1"), (200, "hi there".to_string()));
    served.signal("TERM");
    let (code, stderr) = served.wait();
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("shutting down"), "{stderr}");
    // The guest's stderr is in the log, with the route and the request id.
    assert!(stderr.contains("[/... 0000000000000001] a note for the log"), "{stderr}");
    assert!(stderr.contains("[/... 0000000000000002] a note for the log"), "{stderr}");
}

#[test]
fn sighup_reloads_the_configuration() {
    let dir = TempDir::new();
    dir.file("one.wat", answering("one"));
    dir.file("two.wat", answering("two"));
    let config = dir.file("serve.toml", "[[route]]\npath = \"/a\"\nmodule = \"one.wat\"\n");
    let served = Served::start(&["--config", &config]);
    assert_eq!(served.get("/a"), (200, "one".to_string()));
    dir.file("serve.toml", "[[route]]\npath = \"/a\"\nmodule = \"two.wat\"\n[[route]]\npath = \"/b\"\nmodule = \"one.wat\"\n");
    served.signal("HUP");
    let deadline = Instant::now() + Duration::from_secs(20);
    while served.get("/a").1 != "two" {
        assert!(Instant::now() < deadline, "the reload did not happen");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(served.get("/b"), (200, "one".to_string()));
    // A broken configuration is reported and the server keeps going.
    dir.file("serve.toml", "[[route]]\npath = \"/a\"\n");
    served.signal("HUP");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(served.get("/a"), (200, "two".to_string()));
    served.signal("INT");
    let (code, stderr) = served.wait();
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("reload failed, still serving the previous configuration"), "{stderr}");
}

#[test]
fn routes_serve_packages_by_name() {
    let Some(registry) = common::registry::Registry::start() else { return };
    let home = TempDir::new();
    let module = home.file("web.wat", answering("from a package"));
    let pushed = Command::new(env!("CARGO_BIN_EXE_wisp"))
        .env("HOME", home.path())
        .args(["push", "--registry", &registry.url(), &module, "acme/web@1.0.0"])
        .output()
        .unwrap();
    assert!(pushed.status.success(), "{}", String::from_utf8_lossy(&pushed.stderr));
    let config = home.file("serve.toml", "[[route]]\npath = \"/web\"\npackage = \"acme/web@1\"\n");
    let served = Served::start_with(
        &["--registry", &registry.url(), "--config", &config],
        &[("HOME", home.path())],
    );
    assert_eq!(served.get("/web"), (200, "from a package".to_string()));
    served.signal("TERM");
    assert_eq!(served.wait().0, 0);
}

#[test]
fn the_c_examples_answer() {
    let examples = common::workspace_root().join("examples/serve");
    if !examples.join("build/api.wasm").is_file() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "examples/serve/build is missing under CI (scripts/setup.sh builds it)"
        );
        eprintln!("skipping: examples/serve/build.sh has not been run");
        return;
    }
    let config = examples.join("serve.toml");
    let served = Served::start(&["--config", config.to_str().unwrap(), "--metrics", "127.0.0.1:0"]);
    assert_eq!(served.get("/hello"), (200, "Hello from Wisp!\n".to_string()));
    assert_eq!(served.get("/api/add?a=40&b=2"), (200, "{\"sum\":42}\n".to_string()));
    assert_eq!(served.get("/api/nothing-here").0, 404);
    let (status, echo) = served.get("/echo/a/b?x=1");
    assert_eq!(status, 200);
    assert!(echo.contains("/a/b") && echo.contains("x=1"), "{echo}");
    served.signal("TERM");
    assert_eq!(served.wait().0, 0);
}
