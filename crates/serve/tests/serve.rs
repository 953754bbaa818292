//! The serve host over real loopback HTTP: routing, the WAGI interface,
//! capabilities per route, fresh state, limits and their statuses,
//! admission, metrics, the access log, reload and graceful shutdown.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use wisp_serve::{FileLoader, ServeConfig, Server};

/// A server for `config` (TOML without `listen`), whose modules are the
/// `(file name, WAT)` pairs, in a directory of its own.
struct Fixture {
    server: Option<Server>,
    dir: TempDir,
}

impl Fixture {
    fn start(modules: &[(&str, String)], config: &str) -> Self {
        let dir = TempDir::new("fixture");
        for (name, wat) in modules {
            dir.file(name, wat);
        }
        let path = dir.file("serve.toml", format!("listen = \"127.0.0.1:0\"\n{config}"));
        let config = ServeConfig::from_file(&path).unwrap_or_else(|e| panic!("{e}"));
        let server = Server::start(config, Arc::new(FileLoader)).unwrap_or_else(|e| panic!("{e}"));
        Self { server: Some(server), dir }
    }

    fn addr(&self) -> SocketAddr {
        self.server().local_addr()
    }

    fn server(&self) -> &Server {
        self.server.as_ref().unwrap()
    }

    fn get(&self, target: &str) -> Reply {
        get(self.addr(), target)
    }

    fn config(&self, text: &str) -> ServeConfig {
        let path = self.dir.file("serve.toml", format!("listen = \"127.0.0.1:0\"\n{text}"));
        ServeConfig::from_file(&path).unwrap()
    }
}

fn route(path: &str, module: &str, extra: &str) -> String {
    format!("[[route]]\npath = \"{path}\"\nmodule = \"{module}\"\n{extra}\n")
}

#[test]
fn hello_over_keep_alive_and_unrouted_paths() {
    let f = Fixture::start(&[("hello.wat", hello())], &route("/hello", "hello.wat", ""));
    let mut conn = Connection::open(f.addr());
    let first = conn.send("GET", "/hello", &[], b"");
    let second = conn.send("GET", "/hello?x=1", &[], b"");
    for reply in [&first, &second] {
        assert_eq!((reply.status, reply.text().as_str()), (200, "hello\n"));
        assert_eq!(reply.header("content-type"), Some("text/plain"));
    }
    assert_ne!(first.header("x-request-id"), second.header("x-request-id"));
    let missing = f.get("/hello/more");
    assert_eq!((missing.status, missing.text().as_str()), (404, "404 Not Found\n"));
}

#[test]
fn cgi_variables_arguments_and_body_reach_the_guest() {
    let f = Fixture::start(&[("echo.wat", echo())], &route("/echo/...", "echo.wat", ""));
    let body = b"the body\x00with a NUL";
    let reply = post(
        f.addr(),
        "/echo/sub/path?x=1&y=a%20b+c",
        &[("X-Custom", "v1"), ("Content-Type", "text/x-test")],
        body,
    );
    assert_eq!(reply.status, 200);
    let text = reply.text();
    for line in [
        "REQUEST_METHOD=POST",
        "SCRIPT_NAME=/echo",
        "PATH_INFO=/sub/path",
        "QUERY_STRING=x=1&y=a%20b+c",
        "CONTENT_LENGTH=19",
        "CONTENT_TYPE=text/x-test",
        "HTTP_X_CUSTOM=v1",
        "HTTP_HOST=test",
        "SERVER_PROTOCOL=HTTP/1.1",
        "GATEWAY_INTERFACE=CGI/1.1",
        "X_MATCHED_ROUTE=/echo/...",
        "REMOTE_ADDR=127.0.0.1",
    ] {
        assert!(text.lines().any(|l| l == line), "no {line} in\n{text}");
    }
    assert!(text.contains("args:\n/echo\nx=1\ny=a b c\n"), "{text}");
    assert!(reply.body.ends_with(body), "{text}");
    // The base path itself is served too, with an empty PATH_INFO.
    let base = f.get("/echo");
    assert!(base.text().lines().any(|l| l == "PATH_INFO="), "{}", base.text());
}

#[test]
fn capabilities_are_per_route_and_off_unless_granted() {
    let f = Fixture::start(
        &[("echo.wat", echo())],
        &format!(
            "{}{}",
            route(
                "/a",
                "echo.wat",
                "env = { SECRET = \"alpha\" }\ndirs = [{ host = \".\", guest = \"/data\", read_only = true }]\nclocks = true\nrandom = true"
            ),
            route("/b", "echo.wat", "")
        ),
    );
    let a = f.get("/a").text();
    assert!(
        a.contains("SECRET=alpha")
            && a.contains("dir:yes")
            && a.contains("clock:yes")
            && a.contains("random:yes"),
        "{a}"
    );
    let b = f.get("/b").text();
    assert!(
        !b.contains("SECRET")
            && b.contains("dir:no")
            && b.contains("clock:no")
            && b.contains("random:no"),
        "{b}"
    );
    // Nothing of the server's own environment.
    assert!(!b.lines().any(|l| l.starts_with("PATH=") || l.starts_with("HOME=")), "{b}");
}

#[test]
fn every_request_gets_fresh_state_in_both_tiers() {
    let f = Fixture::start(
        &[("counter.wat", counter())],
        &format!(
            "{}{}",
            route("/compiled", "counter.wat", "scratch = \"/tmp\""),
            route("/interpreted", "counter.wat", "scratch = \"/tmp\"\ntier = \"interp\"")
        ),
    );
    let addr = f.addr();
    let threads: Vec<_> = (0..8)
        .map(|i| {
            let path = if i % 2 == 0 { "/compiled" } else { "/interpreted" };
            std::thread::spawn(move || get(addr, path))
        })
        .collect();
    let mut conn = Connection::open(addr);
    for _ in 0..3 {
        for path in ["/compiled", "/interpreted"] {
            let reply = conn.send("GET", path, &[], b"");
            assert_eq!((reply.status, reply.text().as_str()), (200, "global=1 memory=1 file=1\n"));
        }
    }
    for t in threads {
        assert_eq!(t.join().unwrap().text(), "global=1 memory=1 file=1\n");
    }
    // Scratch directories go with their requests.
    let left = std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with(&format!("wisp-serve-{}-", std::process::id()))
        })
        .count();
    assert_eq!(left, 0);
}

#[test]
fn limits_and_faults_map_to_statuses() {
    let bad_outputs: Vec<(String, String)> = [
        &b"no headers at all"[..],
        b"X-Only: 1\n\nbody",
        b"Status: 999\nContent-Type: text/plain\n\n",
        b"Content-Type: text/plain\n",
        b"",
    ]
    .iter()
    .enumerate()
    .map(|(i, out)| (format!("bad{i}.wat"), printing(out)))
    .collect();
    let mut modules = vec![
        ("spin.wat".to_string(), spinner()),
        ("hog.wat".to_string(), hog(false)),
        ("hogtrap.wat".to_string(), hog(true)),
        ("trap.wat".to_string(), trapper()),
        ("exit.wat".to_string(), exiter(3)),
        ("big.wat".to_string(), big_output(64)),
        ("echo.wat".to_string(), echo()),
        ("status.wat".to_string(), printing(b"Status: 418 I'm a teapot\r\nContent-Type: text/plain\r\nX-Extra: yes\r\n\r\nshort and stout")),
        ("redirect.wat".to_string(), printing(b"Location: /elsewhere\n\n")),
    ];
    modules.extend(bad_outputs.iter().cloned());
    let mut config = String::new();
    config += &route("/loop", "spin.wat", "timeout = \"200ms\"");
    config += &route("/fuel", "spin.wat", "fuel = 100000");
    config += &route("/hog", "hog.wat", "max_memory = \"1MiB\"");
    config += &route("/hogtrap", "hogtrap.wat", "max_memory = \"1MiB\"");
    config += &route("/trap", "trap.wat", "");
    config += &route("/exit", "exit.wat", "");
    config += &route("/big", "big.wat", "max_output = \"16KiB\"");
    config += &route("/echo", "echo.wat", "max_body = 1000");
    config += &route("/status", "status.wat", "");
    config += &route("/redirect", "redirect.wat", "");
    for (i, _) in bad_outputs.iter().enumerate() {
        config += &route(&format!("/bad{i}"), &format!("bad{i}.wat"), "");
    }
    config += "max_header_count = 20\n";
    let modules: Vec<(&str, String)> =
        modules.iter().map(|(n, w)| (n.as_str(), w.clone())).collect();
    // Top-level keys must come before the tables.
    let (routes, top) = config.split_at(config.find("max_header_count").unwrap());
    let f = Fixture::start(&modules, &format!("{top}{routes}"));

    let started = Instant::now();
    assert_eq!(f.get("/loop").status, 504);
    assert!(started.elapsed() < Duration::from_secs(5), "the timeout took {:?}", started.elapsed());
    assert_eq!(f.get("/fuel").status, 504);
    let hog = f.get("/hog");
    assert_eq!(
        (hog.status, hog.text().as_str()),
        (200, "refused\n"),
        "memory.grow fails at the cap"
    );
    assert_eq!(f.get("/hogtrap").status, 500);
    let trap = f.get("/trap");
    assert_eq!((trap.status, trap.text().as_str()), (500, "500 Internal Server Error\n"));
    assert_eq!(f.get("/exit").status, 500);
    assert_eq!(f.get("/big").status, 502);
    for i in 0..bad_outputs.len() {
        let reply = f.get(&format!("/bad{i}"));
        assert_eq!((reply.status, reply.text().as_str()), (502, "502 Bad Gateway\n"), "/bad{i}");
    }
    let teapot = f.get("/status");
    assert_eq!((teapot.status, teapot.text().as_str()), (418, "short and stout"));
    assert_eq!(teapot.header("x-extra"), Some("yes"));
    let redirect = f.get("/redirect");
    assert_eq!((redirect.status, redirect.header("location")), (302, Some("/elsewhere")));

    // Bodies: declared too large, or sent chunked beyond the limit.
    assert_eq!(post(f.addr(), "/echo", &[], &[b'x'; 1001]).status, 413);
    assert_eq!(post(f.addr(), "/echo", &[], &[b'x'; 1000]).status, 200);
    let mut conn = Connection::open(f.addr());
    conn.write_raw(b"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n");
    for _ in 0..3 {
        conn.write_raw(format!("{:x}\r\n{}\r\n", 400, "y".repeat(400)).as_bytes());
    }
    conn.write_raw(b"0\r\n\r\n");
    assert_eq!(conn.read_reply().status, 413);

    // Header fields: too many, or too large.
    let many: Vec<(String, String)> =
        (0..30).map(|i| (format!("X-H{i}"), "v".to_string())).collect();
    let many: Vec<(&str, &str)> = many.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    assert_eq!(Connection::open(f.addr()).send("GET", "/echo", &many, b"").status, 431);
    let huge = "z".repeat(20_000);
    assert_eq!(
        Connection::open(f.addr()).send("GET", "/echo", &[("X-Big", &huge)], b"").status,
        431
    );
    // The server still serves after all that.
    assert_eq!(f.get("/status").status, 418);
}

#[test]
fn beyond_the_in_flight_bounds_requests_get_503_at_once() {
    let f = Fixture::start(
        &[("slow.wat", sleeper(600)), ("hello.wat", hello())],
        &format!(
            "max_in_flight = 2\n{}{}{}",
            route("/slow", "slow.wat", "clocks = true\nmax_in_flight = 1"),
            route("/slow2", "slow.wat", "clocks = true"),
            route("/hello", "hello.wat", "")
        ),
    );
    let addr = f.addr();
    let first = std::thread::spawn(move || get(addr, "/slow"));
    std::thread::sleep(Duration::from_millis(200));
    let started = Instant::now();
    let busy = f.get("/slow");
    assert_eq!((busy.status, busy.header("retry-after")), (503, Some("1")));
    assert!(started.elapsed() < Duration::from_millis(300), "rejections are immediate");
    // One more fits in the server's bound; then the server is full.
    let second = std::thread::spawn(move || get(addr, "/slow2"));
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(f.get("/hello").status, 503);
    assert_eq!(first.join().unwrap().text(), "slept\n");
    assert_eq!(second.join().unwrap().text(), "slept\n");
    assert_eq!(f.get("/hello").status, 200);
}

#[test]
fn bad_guests_do_not_disturb_the_others() {
    let f = Fixture::start(
        &[
            ("spin.wat", spinner()),
            ("hog.wat", hog(true)),
            ("trap.wat", trapper()),
            ("hello.wat", hello()),
        ],
        &format!(
            "{}{}{}{}",
            route("/loop", "spin.wat", "timeout = \"300ms\""),
            route("/hog", "hog.wat", "max_memory = \"16MiB\""),
            route("/trap", "trap.wat", ""),
            route("/hello", "hello.wat", "")
        ),
    );
    let addr = f.addr();
    let bad: Vec<_> = ["/loop", "/hog", "/trap"]
        .into_iter()
        .map(|path| {
            std::thread::spawn(move || (0..4).map(|_| get(addr, path).status).collect::<Vec<_>>())
        })
        .collect();
    let mut conn = Connection::open(addr);
    for _ in 0..100 {
        let reply = conn.send("GET", "/hello", &[], b"");
        assert_eq!((reply.status, reply.text().as_str()), (200, "hello\n"));
    }
    let statuses: Vec<Vec<u16>> = bad.into_iter().map(|t| t.join().unwrap()).collect();
    assert_eq!(statuses, [vec![504; 4], vec![500; 4], vec![500; 4]]);
}

#[test]
fn metrics_and_the_access_log() {
    let dir = TempDir::new("log");
    let log = dir.path().join("access.jsonl");
    let f = Fixture::start(
        &[("hello.wat", hello()), ("trap.wat", trapper())],
        &format!(
            "metrics = \"127.0.0.1:0\"\naccess_log = \"{}\"\n{}{}",
            log.display(),
            route("/hello", "hello.wat", ""),
            route("/trap", "trap.wat", "")
        ),
    );
    for _ in 0..3 {
        assert_eq!(f.get("/hello").status, 200);
    }
    assert_eq!(f.get("/trap").status, 500);
    assert_eq!(f.get("/nowhere").status, 404);
    let metrics = get(f.server().metrics_addr().unwrap(), "/metrics");
    assert_eq!(metrics.status, 200);
    let text = metrics.text();
    for line in [
        "wisp_serve_requests_total{route=\"/hello\",status=\"200\"} 3",
        "wisp_serve_requests_total{route=\"/trap\",status=\"500\"} 1",
        "wisp_serve_requests_total{route=\"\",status=\"404\"} 1",
        "wisp_serve_request_duration_seconds_count{route=\"/hello\"} 3",
        "wisp_serve_guest_faults_total{route=\"/trap\",kind=\"trap\"} 1",
        "wisp_serve_instantiate_seconds_count{} 4",
        "wisp_serve_in_flight{route=\"/hello\"} 0",
    ] {
        assert!(text.lines().any(|l| l == line), "no {line} in\n{text}");
    }
    assert!(
        text.contains("process_resident_memory_bytes ") && text.contains("process_open_fds "),
        "{text}"
    );
    assert!(text.contains("wisp_serve_memory_pool_idle "), "{text}");

    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 5);
    assert_eq!(
        (lines[0]["route"].as_str(), lines[0]["status"].as_u64()),
        (Some("/hello"), Some(200))
    );
    assert!(lines[0]["instantiate_us"].is_u64() && lines[0]["duration_us"].is_u64());
    assert_eq!(lines[0]["bytes"].as_u64(), Some(6));
    assert_eq!(
        (
            lines[3]["status"].as_u64(),
            lines[3]["error"].as_str().map(|e| e.contains("unreachable"))
        ),
        (Some(500), Some(true))
    );
    assert_eq!(lines[4]["error"].as_str(), Some("no route"));
}

#[test]
fn reload_replaces_routes_without_closing_connections() {
    let f = Fixture::start(
        &[("hello.wat", hello()), ("echo.wat", echo())],
        &route("/a", "hello.wat", ""),
    );
    let mut conn = Connection::open(f.addr());
    assert_eq!(conn.send("GET", "/a", &[], b"").text(), "hello\n");
    f.server()
        .reload(f.config(&format!(
            "{}{}",
            route("/a", "echo.wat", ""),
            route("/b", "hello.wat", "")
        )))
        .unwrap();
    let a = conn.send("GET", "/a", &[], b"");
    assert!(a.text().contains("REQUEST_METHOD=GET"), "{}", a.text());
    assert_eq!(conn.send("GET", "/b", &[], b"").text(), "hello\n");
    // A configuration that does not load changes nothing.
    f.dir.file("broken.wat", "(module");
    let error =
        f.server().reload(f.config(&route("/a", "broken.wat", ""))).unwrap_err().to_string();
    assert!(error.starts_with("route /a: cannot load"), "{error}");
    assert_eq!(conn.send("GET", "/b", &[], b"").text(), "hello\n");
}

#[test]
fn graceful_shutdown_finishes_every_accepted_request() {
    let mut f =
        Fixture::start(&[("slow.wat", sleeper(400))], &route("/slow", "slow.wat", "clocks = true"));
    let addr = f.addr();
    let clients: Vec<_> = (0..4).map(|_| std::thread::spawn(move || get(addr, "/slow"))).collect();
    std::thread::sleep(Duration::from_millis(150));
    let report = f.server.take().unwrap().shutdown();
    assert!(report.drained, "{report:?}");
    for client in clients {
        let reply = client.join().unwrap();
        assert_eq!((reply.status, reply.text().as_str()), (200, "slept\n"));
    }
    assert!(std::net::TcpStream::connect(addr).is_err(), "still accepting after shutdown");
}

#[test]
fn shutdown_interrupts_what_outlives_the_grace_period() {
    let mut f = Fixture::start(
        &[("spin.wat", spinner())],
        &format!("shutdown_grace = \"200ms\"\n{}", route("/loop", "spin.wat", "timeout = \"60s\"")),
    );
    let addr = f.addr();
    let client = std::thread::spawn(move || get(addr, "/loop"));
    std::thread::sleep(Duration::from_millis(150));
    let started = Instant::now();
    let report = f.server.take().unwrap().shutdown();
    assert_eq!((report.drained, report.interrupted), (false, 1));
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    assert_eq!(client.join().unwrap().status, 504);
}
