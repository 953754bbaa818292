//! WAGI: CGI 1.1 over WASI preview1.
//!
//! The guest is a WASI command. It gets the request as CGI environment
//! variables (`REQUEST_METHOD`, `PATH_INFO`, `QUERY_STRING`, `HTTP_*`, …),
//! the query's `&`-separated parts, percent-decoded, as its arguments
//! after its name (the route's `SCRIPT_NAME`), and the body on stdin. It
//! writes header lines, a blank line and the body to stdout: a
//! `Content-Type` or a `Location` is required, and `Status: 404 Not Found`
//! sets the status (a `Location` alone means 302). What it writes to
//! stderr goes to the server's log.

use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue};
use http::{Response, StatusCode};
use wisp::{Engine, InstancePre, Linker, Module, Store, StoreLimits, Trap};
use wisp_launch::Capabilities;
use wisp_wasi::{OutputPipe, WasiCtx};

use crate::config::RouteLimits;
use crate::guest::{Fault, Guest, GuestRequest, Outcome};

/// The most bytes of header lines a guest may write before the blank line.
pub const MAX_HEADER_SECTION: usize = 64 << 10;

/// The most bytes of a request's guest stderr kept for the log.
pub const MAX_STDERR: usize = 16 << 10;

/// A WAGI app: its module linked once with WASI, instantiated afresh for
/// every request.
pub struct Wagi {
    engine: Engine,
    pre: InstancePre<WasiCtx>,
    capabilities: Capabilities,
    limits: RouteLimits,
    /// Epoch ticks a request may run.
    deadline_ticks: u64,
    /// The guest path of each request's scratch directory, if it gets one.
    scratch: Option<String>,
}

impl std::fmt::Debug for Wagi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wagi").field("limits", &self.limits).finish_non_exhaustive()
    }
}

impl Wagi {
    /// Links `module` with WASI; `tick` is how often the engine's epoch
    /// advances. Fails if it is not a WASI command (no `_start`) or
    /// imports something WASI does not provide.
    pub fn new(
        module: &Module,
        capabilities: Capabilities,
        limits: RouteLimits,
        tick: Duration,
    ) -> Result<Self, String> {
        match module.get_export("_start") {
            Some(wisp::ExternType::Func(ty))
                if ty.params().is_empty() && ty.results().is_empty() => {}
            Some(_) => {
                return Err(
                    "its `_start` export is not a function of no parameters and no results".into(),
                );
            }
            None => return Err(
                "it has no `_start` function: WAGI runs WASI commands (a `main`), not libraries"
                    .into(),
            ),
        }
        let engine = module.engine().clone();
        let mut linker = Linker::new(&engine);
        wisp_wasi::add_to_linker_for(&mut linker, module, |ctx| ctx).map_err(|e| e.to_string())?;
        let pre = linker.instantiate_pre(module).map_err(|e| e.to_string())?;
        let deadline_ticks = deadline_ticks(limits.timeout, tick);
        Ok(Self { engine, pre, capabilities, limits, deadline_ticks, scratch: None })
    }

    /// Gives every request a fresh, empty directory under the guest path
    /// `scratch`, removed when the request ends.
    pub fn with_scratch(mut self, scratch: Option<String>) -> Self {
        self.scratch = scratch;
        self
    }

    /// The guest's context for `request`: the route's capabilities, the
    /// CGI variables, the query as arguments, the body as stdin.
    fn context(
        &self,
        request: &GuestRequest,
        scratch: Option<&ScratchDir>,
        stdout: &OutputPipe,
        stderr: &OutputPipe,
    ) -> Result<WasiCtx, Fault> {
        let mut args = vec![if request.script_name.is_empty() {
            "/".to_string()
        } else {
            request.script_name.clone()
        }];
        if let Some(query) = request.uri.query() {
            args.extend(query.split('&').filter(|p| !p.is_empty()).map(percent_decode));
        }
        let mut builder =
            self.capabilities.builder(&args).map_err(|e| Fault::Host(format!("{e:#}")))?;
        for (name, value) in cgi_variables(request) {
            builder.env(name, value);
        }
        if let (Some(dir), Some(guest)) = (scratch, &self.scratch) {
            builder
                .preopened_dir(&dir.0, guest, wisp_wasi::DirPerms::ALL)
                .map_err(|e| Fault::Host(format!("cannot open the scratch directory: {e}")))?;
        }
        builder.stdin(request.body.to_vec()).stdout(stdout.clone()).stderr(stderr.clone());
        Ok(builder.build())
    }
}

impl Guest for Wagi {
    fn handle(&self, request: GuestRequest) -> Outcome {
        let stdout = OutputPipe::with_limit(self.limits.max_output);
        let stderr = OutputPipe::with_limit(MAX_STDERR);
        let started = Instant::now();
        let mut instantiate = Duration::ZERO;
        let scratch = match &self.scratch {
            Some(_) => match ScratchDir::new() {
                Ok(dir) => Some(dir),
                Err(e) => {
                    let response =
                        Err(Fault::Host(format!("cannot make a scratch directory: {e}")));
                    return Outcome { response, instantiate: Duration::ZERO, stderr: Vec::new() };
                }
            },
            None => None,
        };
        let ran = self.context(&request, scratch.as_ref(), &stdout, &stderr).and_then(|ctx| {
            let mut store = Store::new(&self.engine, ctx);
            store.set_limits(StoreLimits {
                memory_bytes: self.limits.max_memory,
                ..StoreLimits::default()
            });
            if let Some(fuel) = self.limits.fuel {
                store.set_fuel(fuel).map_err(|e| Fault::Host(e.to_string()))?;
            }
            store.set_epoch_deadline(self.deadline_ticks);
            let result = self.pre.instantiate(&mut store).and_then(|instance| {
                instantiate = started.elapsed();
                match instance.get_func(&store, "_start") {
                    Some(start) => start.call(&mut store, &[], &mut []),
                    None => Ok(()),
                }
            });
            fault_of(result)
        });
        let response = ran.and_then(|()| {
            if stdout.overflowed() {
                return Err(Fault::BadOutput(format!(
                    "more than {} bytes of output",
                    self.limits.max_output
                )));
            }
            parse_response(&stdout.contents())
        });
        Outcome { response, instantiate, stderr: stderr.contents() }
    }
}

/// The epoch ticks of `timeout` when the epoch advances every `tick`,
/// rounded up, plus the tick already under way.
pub fn deadline_ticks(timeout: Duration, tick: Duration) -> u64 {
    timeout.as_nanos().div_ceil(tick.as_nanos().max(1)) as u64 + 1
}

/// A request's scratch directory, removed with everything in it when
/// dropped.
struct ScratchDir(std::path::PathBuf);

impl ScratchDir {
    fn new() -> std::io::Result<Self> {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("wisp-serve-{}-{n}", std::process::id()));
        std::fs::create_dir(&path)?;
        Ok(Self(path))
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What a guest's run means for the response: `Ok` to read its output.
fn fault_of(result: wisp::Result<()>) -> Result<(), Fault> {
    let Err(e) = result else { return Ok(()) };
    if let Some(status) = e.exit_status() {
        return if status == 0 { Ok(()) } else { Err(Fault::Exited(status)) };
    }
    Err(match e.trap() {
        Some(Trap::Interrupted) => Fault::TimedOut("the time limit was reached".into()),
        Some(Trap::OutOfFuel) => Fault::TimedOut("the fuel limit was reached".into()),
        Some(_) => Fault::Trapped(e.to_string()),
        None => Fault::Host(e.to_string()),
    })
}

/// The CGI 1.1 meta-variables of `request`, and WAGI's `X_*` ones.
pub fn cgi_variables(request: &GuestRequest) -> Vec<(String, String)> {
    let host = request.headers.get(http::header::HOST).and_then(|h| h.to_str().ok());
    let (server_name, server_port) = match host.and_then(|h| h.rsplit_once(':')) {
        Some((name, port)) if port.parse::<u16>().is_ok() => (name.to_string(), port.to_string()),
        _ => (
            host.map_or_else(|| request.local.ip().to_string(), str::to_string),
            request.local.port().to_string(),
        ),
    };
    let query = request.uri.query().unwrap_or("").to_string();
    let mut vars = vec![
        ("GATEWAY_INTERFACE", "CGI/1.1".to_string()),
        ("SERVER_SOFTWARE", concat!("Wisp/", env!("CARGO_PKG_VERSION")).to_string()),
        ("SERVER_PROTOCOL", format!("{:?}", request.version)),
        ("SERVER_NAME", server_name.clone()),
        ("SERVER_PORT", server_port.clone()),
        ("REQUEST_METHOD", request.method.to_string()),
        ("SCRIPT_NAME", request.script_name.clone()),
        ("PATH_INFO", request.path_info.clone()),
        ("PATH_TRANSLATED", request.path_info.clone()),
        ("QUERY_STRING", query.clone()),
        ("REMOTE_ADDR", request.remote.ip().to_string()),
        ("REMOTE_HOST", request.remote.ip().to_string()),
        ("X_MATCHED_ROUTE", request.route.clone()),
        ("X_RAW_PATH_INFO", request.path_info.clone()),
        ("X_REQUEST_ID", request.id.clone()),
        (
            "X_FULL_URL",
            format!(
                "http://{server_name}:{server_port}{}",
                request.uri.path_and_query().map_or("/", |p| p.as_str())
            ),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect::<Vec<_>>();
    if !request.body.is_empty() || request.headers.contains_key(http::header::CONTENT_LENGTH) {
        vars.push(("CONTENT_LENGTH".into(), request.body.len().to_string()));
    }
    if let Some(ty) = request.headers.get(http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok())
    {
        vars.push(("CONTENT_TYPE".into(), ty.to_string()));
    }
    for name in request.headers.keys() {
        // Carried in their own variables; proxy credentials are not the app's.
        if name == http::header::CONTENT_TYPE
            || name == http::header::CONTENT_LENGTH
            || name == http::header::PROXY_AUTHORIZATION
        {
            continue;
        }
        let values: Vec<&str> =
            request.headers.get_all(name).iter().filter_map(|v| v.to_str().ok()).collect();
        if values.is_empty() {
            continue;
        }
        let var = format!("HTTP_{}", name.as_str().to_ascii_uppercase().replace('-', "_"));
        vars.push((var, values.join(", ")));
    }
    vars
}

/// `%XX` escapes and `+` (a space) decoded; invalid escapes kept as they are.
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Hop-by-hop fields and framing, which are the server's to set.
const SERVER_FIELDS: [&str; 8] = [
    "connection",
    "keep-alive",
    "transfer-encoding",
    "content-length",
    "upgrade",
    "te",
    "trailer",
    "proxy-connection",
];

/// The response in a guest's CGI output: header lines, a blank line, the
/// body.
pub fn parse_response(output: &[u8]) -> Result<Response<Bytes>, Fault> {
    let bad = |why: String| Err(Fault::BadOutput(why));
    if output.is_empty() {
        return bad("no output (a WAGI guest prints headers, a blank line, then the body)".into());
    }
    let mut builder = Response::builder();
    let mut status = None;
    let mut has_type = false;
    let mut has_location = false;
    let mut pos = 0;
    loop {
        let Some(end) = output[pos..].iter().position(|&b| b == b'\n') else {
            return bad("the header section does not end with a blank line".into());
        };
        let line = &output[pos..pos + end];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        pos += end + 1;
        if pos > MAX_HEADER_SECTION {
            return bad(format!("the header section is longer than {MAX_HEADER_SECTION} bytes"));
        }
        if line.is_empty() {
            break;
        }
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            return bad(format!(
                "`{}` is not a header line (`Name: value`)",
                String::from_utf8_lossy(line)
            ));
        };
        let name = &line[..colon];
        let value = line[colon + 1..].trim_ascii();
        if name.eq_ignore_ascii_case(b"status") {
            status = Some(parse_status(value)?);
            continue;
        }
        let Ok(name) = HeaderName::from_bytes(name) else {
            return bad(format!("`{}` is not a header name", String::from_utf8_lossy(name)));
        };
        let Ok(value) = HeaderValue::from_bytes(value) else {
            return bad(format!("the value of `{name}` is not a valid header value"));
        };
        has_type |= name == http::header::CONTENT_TYPE;
        has_location |= name == http::header::LOCATION;
        if SERVER_FIELDS.contains(&name.as_str()) {
            continue;
        }
        builder = builder.header(name, value);
    }
    if !has_type && !has_location {
        return bad("no Content-Type or Location header".into());
    }
    let status = status.unwrap_or(if has_location { StatusCode::FOUND } else { StatusCode::OK });
    let body = Bytes::copy_from_slice(&output[pos..]);
    builder.status(status).body(body).map_err(|e| Fault::BadOutput(e.to_string()))
}

/// `404`, `404 Not Found`: a final status (200–599).
fn parse_status(value: &[u8]) -> Result<StatusCode, Fault> {
    let text = String::from_utf8_lossy(value);
    let code = text.split_whitespace().next().unwrap_or("");
    match code.parse::<u16>() {
        Ok(n) if (200..=599).contains(&n) => {
            StatusCode::from_u16(n).map_err(|e| Fault::BadOutput(e.to_string()))
        }
        _ => Err(Fault::BadOutput(format!("`Status: {text}` is not a status from 200 to 599"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(output: &str) -> Response<Bytes> {
        parse_response(output.as_bytes()).unwrap()
    }

    fn bad(output: &[u8]) -> String {
        match parse_response(output) {
            Err(Fault::BadOutput(why)) => why,
            other => panic!("{:?} gave {other:?}", String::from_utf8_lossy(output)),
        }
    }

    #[test]
    fn cgi_responses_parse() {
        let r = ok("Content-Type: text/plain\n\nhello\n");
        assert_eq!((r.status(), r.body().as_ref()), (StatusCode::OK, &b"hello\n"[..]));
        assert_eq!(r.headers()["content-type"], "text/plain");
        let r = ok("Status: 404 Not Found\r\nContent-Type: text/html\r\nX-A: 1\r\n\r\n<p>");
        assert_eq!((r.status(), r.body().as_ref()), (StatusCode::NOT_FOUND, &b"<p>"[..]));
        assert_eq!(r.headers()["x-a"], "1");
        let r = ok("Location: /elsewhere\n\n");
        assert_eq!(r.status(), StatusCode::FOUND);
        let r = ok("Content-Type: text/plain\nContent-Length: 999\nConnection: close\n\nab");
        assert!(
            r.headers().get("content-length").is_none() && r.headers().get("connection").is_none()
        );
    }

    #[test]
    fn malformed_responses_are_refused() {
        assert!(bad(b"").contains("no output"));
        assert!(bad(b"hello world").contains("header section does not end"));
        assert!(bad(b"hello world\n\n").contains("not a header line"));
        assert!(bad(b"Content-Type: text/plain\n").contains("does not end"));
        assert!(bad(b"X-A: 1\n\nbody").contains("no Content-Type or Location"));
        assert!(bad(b"Content-Type text/plain\n\n").contains("not a header line"));
        assert!(bad(b"Status: 99\nContent-Type: a/b\n\n").contains("not a status"));
        assert!(bad(b"Status: 700\nContent-Type: a/b\n\n").contains("not a status"));
        assert!(bad(b"Status: ok\nContent-Type: a/b\n\n").contains("not a status"));
        assert!(bad(b"Bad Name: 1\nContent-Type: a/b\n\n").contains("not a header name"));
        assert!(bad(b"X: a\x01b\nContent-Type: a/b\n\n").contains("not a valid header value"));
        let mut long = b"Content-Type: text/plain\n".to_vec();
        long.extend(
            std::iter::repeat_n(b"X-Pad: 0123456789\n".as_slice(), MAX_HEADER_SECTION / 18 + 1)
                .flatten(),
        );
        long.extend(b"\nbody");
        assert!(bad(&long).contains("longer than"));
    }

    #[test]
    fn query_parts_are_decoded() {
        assert_eq!(percent_decode("a%3Db+c"), "a=b c");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
        assert_eq!(percent_decode("%C3%A9"), "é");
    }
}
