//! A real OCI registry for the package tests: Debian's `docker-registry`
//! (distribution 2.8), started on 127.0.0.1 with a free port and storage
//! of its own, and stopped when dropped.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::TempDir;

const REGISTRY: &str = "/usr/bin/docker-registry";

/// Whether a tool the tests need is there; without it the test is skipped,
/// except under `CI=true`, where it fails.
pub fn have(tool: &str, purpose: &str) -> bool {
    if Path::new(tool).is_file() {
        return true;
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{tool} is missing under CI (scripts/setup.sh installs it)"
    );
    eprintln!("skipping: {tool} not found ({purpose}; scripts/setup.sh installs it)");
    false
}

/// A running registry.
pub struct Registry {
    child: Child,
    /// `127.0.0.1:PORT`.
    pub host: String,
    /// Its storage and configuration.
    pub dir: TempDir,
}

impl Registry {
    /// An open registry; `None` (the test is skipped) without `docker-registry`.
    pub fn start() -> Option<Self> {
        if !have(REGISTRY, "the package tests run a local registry") {
            return None;
        }
        Some(Self::launch(None))
    }

    /// A registry that asks for `user` and `password` (htpasswd, bcrypt).
    pub fn start_with_auth(user: &str, password: &str) -> Option<Self> {
        if !have(REGISTRY, "the package tests run a local registry")
            || !have("/usr/bin/htpasswd", "the credential tests make an htpasswd file")
        {
            return None;
        }
        let output = Command::new("/usr/bin/htpasswd")
            .args(["-nbB", user, password])
            .output()
            .expect("htpasswd runs");
        assert!(output.status.success(), "htpasswd failed");
        Some(Self::launch(Some(String::from_utf8(output.stdout).unwrap())))
    }

    fn launch(htpasswd: Option<String>) -> Self {
        // A port is free when we look; if someone takes it before the
        // registry binds it, try another.
        for _ in 0..5 {
            let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
            let dir = TempDir::new();
            let storage = Path::new(dir.path()).join("storage");
            let mut config = format!(
                "version: 0.1\n\
                 log:\n  level: error\n  accesslog:\n    disabled: true\n\
                 storage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\n\
                 http:\n  addr: 127.0.0.1:{port}\n",
                storage.display()
            );
            if let Some(line) = &htpasswd {
                let path = dir.file("htpasswd", line);
                config.push_str(&format!(
                    "auth:\n  htpasswd:\n    realm: wisp-test\n    path: {path}\n"
                ));
            }
            let config_path = dir.file("config.yml", config);
            let child = Command::new(REGISTRY)
                .args(["serve", &config_path])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("docker-registry starts");
            let mut registry = Self { child, host: format!("127.0.0.1:{port}"), dir };
            if registry.wait_ready() {
                return registry;
            }
        }
        panic!("docker-registry did not start");
    }

    fn wait_ready(&mut self) -> bool {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return false;
            }
            if let Ok((status, _)) = http(&self.host, "GET", "/v2/", &[], &[])
                && (status == 200 || status == 401)
            {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.host)
    }

    /// The file the registry keeps the blob `digest` (`sha256:…`) in.
    pub fn blob_file(&self, digest: &str) -> PathBuf {
        let hex = digest.strip_prefix("sha256:").unwrap();
        Path::new(self.dir.path())
            .join("storage/docker/registry/v2/blobs/sha256")
            .join(&hex[..2])
            .join(hex)
            .join("data")
    }

    /// Uploads `bytes` as a blob of `repository`; returns its digest.
    pub fn put_blob(&self, repository: &str, bytes: &[u8]) -> String {
        let digest = sha256(bytes);
        let (status, headers) =
            http(&self.host, "POST", &format!("/v2/{repository}/blobs/uploads/"), &[], &[])
                .unwrap();
        assert_eq!(status, 202, "starting an upload");
        let location = header(&headers, "location").expect("an upload location");
        let location = location.strip_prefix(&format!("http://{}", self.host)).unwrap_or(&location);
        let separator = if location.contains('?') { '&' } else { '?' };
        let path = format!("{location}{separator}digest={digest}");
        let (status, _) =
            http(&self.host, "PUT", &path, &[("Content-Type", "application/octet-stream")], bytes)
                .unwrap();
        assert_eq!(status, 201, "finishing the upload of {digest}");
        digest
    }

    /// Stores `manifest` under `repository:tag`; returns its digest.
    pub fn put_manifest(
        &self,
        repository: &str,
        tag: &str,
        media_type: &str,
        manifest: &[u8],
    ) -> String {
        let (status, _) = http(
            &self.host,
            "PUT",
            &format!("/v2/{repository}/manifests/{tag}"),
            &[("Content-Type", media_type)],
            manifest,
        )
        .unwrap();
        assert_eq!(status, 201, "storing the manifest {repository}:{tag}");
        sha256(manifest)
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `sha256:HEX` of `bytes`.
pub fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    let hash = sha2::Sha256::digest(bytes);
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

fn header(headers: &str, name: &str) -> Option<String> {
    headers.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim().eq_ignore_ascii_case(name).then(|| value.trim().to_string())
    })
}

/// One plain HTTP/1.1 request; returns the status and the response head.
pub fn http(
    host: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect(host)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes())?;
    stream.write_all(body)?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let text = String::from_utf8_lossy(&response);
    let head = text.split("\r\n\r\n").next().unwrap_or_default().to_string();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other("no HTTP status"))?;
    Ok((status, head))
}

/// What [`FakeRegistry`] answers to one request.
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Close the connection after this many bytes of the body, although
    /// `Content-Length` promised all of it.
    pub cut_after: Option<usize>,
}

impl Answer {
    pub fn ok(content_type: &str, body: Vec<u8>) -> Self {
        let headers = vec![("Content-Type".to_string(), content_type.to_string())];
        Self { status: 200, headers, body, cut_after: None }
    }

    pub fn not_found() -> Self {
        Self { status: 404, headers: Vec::new(), body: Vec::new(), cut_after: None }
    }
}

/// A registry that misbehaves on purpose: it answers every `GET PATH`
/// with what `answer` says, over plain HTTP on 127.0.0.1.
pub struct FakeRegistry {
    pub host: String,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FakeRegistry {
    pub fn start(answer: impl Fn(&str) -> Answer + Send + 'static) -> Self {
        use std::sync::atomic::Ordering;
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let host = listener.local_addr().unwrap().to_string();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopping = stop.clone();
        let thread = std::thread::spawn(move || {
            while !stopping.load(Ordering::Relaxed) {
                let Ok((stream, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(5));
                    continue;
                };
                let _ = serve(stream, &answer);
            }
        });
        Self { host, stop, thread: Some(thread) }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.host)
    }
}

impl Drop for FakeRegistry {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Answers the requests on one connection until the client closes it.
fn serve(mut stream: TcpStream, answer: &dyn Fn(&str) -> Answer) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut pending = Vec::new();
    loop {
        let head_end = loop {
            if let Some(i) = pending.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            let mut buf = [0; 4096];
            let n = stream.read(&mut buf)?;
            if n == 0 {
                return Ok(());
            }
            pending.extend_from_slice(&buf[..n]);
        };
        let head = String::from_utf8_lossy(&pending[..head_end]).to_string();
        pending.drain(..head_end);
        let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
        let reply = if path == "/v2/" {
            Answer::ok("application/json", b"{}".to_vec())
        } else {
            answer(&path)
        };
        let mut out =
            format!("HTTP/1.1 {} X\r\nContent-Length: {}\r\n", reply.status, reply.body.len());
        for (name, value) in &reply.headers {
            out.push_str(&format!("{name}: {value}\r\n"));
        }
        out.push_str("\r\n");
        stream.write_all(out.as_bytes())?;
        if head.starts_with("HEAD ") {
            continue;
        }
        match reply.cut_after {
            Some(n) => {
                stream.write_all(&reply.body[..n.min(reply.body.len())])?;
                stream.flush()?;
                return Ok(());
            }
            None => stream.write_all(&reply.body)?,
        }
    }
}
