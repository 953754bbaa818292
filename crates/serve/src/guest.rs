//! A guest interface: how a request reaches a guest and how its answer
//! comes back. WAGI ([`crate::wagi`]) is one; `wasi:http` components will
//! be another, beside it. The server only sees this trait: it routes,
//! admits, reads the body, and hands the request to the route's guest on a
//! thread that may block; the guest makes a fresh instance, runs it within
//! the route's limits and returns a response or the fault that prevented
//! one.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode, Uri, Version};

/// A request, its body read in full, as handed to a guest.
#[derive(Debug)]
pub struct GuestRequest {
    /// The server's id of the request (also in the log and the
    /// `x-request-id` response header).
    pub id: String,
    /// The method.
    pub method: Method,
    /// The target as sent.
    pub uri: Uri,
    /// The HTTP version.
    pub version: Version,
    /// The header fields.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
    /// The part of the path the route names (CGI's `SCRIPT_NAME`).
    pub script_name: String,
    /// The rest of the path (CGI's `PATH_INFO`): empty or starting with `/`.
    pub path_info: String,
    /// The route's pattern, as written (`/api/...`).
    pub route: String,
    /// The client's address.
    pub remote: SocketAddr,
    /// The address the request came in on.
    pub local: SocketAddr,
}

/// What kept a guest from answering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// It ran out of time or fuel: 504.
    TimedOut(String),
    /// It trapped: 500.
    Trapped(String),
    /// It exited with a status other than 0: 500.
    Exited(i32),
    /// Its output is not a valid response: 502.
    BadOutput(String),
    /// The host could not run it (e.g. a granted directory is gone): 500.
    Host(String),
}

impl Fault {
    /// The status the client gets.
    pub fn status(&self) -> StatusCode {
        match self {
            Fault::TimedOut(_) => StatusCode::GATEWAY_TIMEOUT,
            Fault::BadOutput(_) => StatusCode::BAD_GATEWAY,
            Fault::Trapped(_) | Fault::Exited(_) | Fault::Host(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    /// A short name for metrics and logs.
    pub fn kind(&self) -> &'static str {
        match self {
            Fault::TimedOut(_) => "timeout",
            Fault::Trapped(_) => "trap",
            Fault::Exited(_) => "exit",
            Fault::BadOutput(_) => "bad_output",
            Fault::Host(_) => "host",
        }
    }
}

impl std::fmt::Display for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Fault::TimedOut(why) => write!(f, "stopped: {why}"),
            Fault::Trapped(why) => write!(f, "trapped: {why}"),
            Fault::Exited(status) => write!(f, "exited with status {status}"),
            Fault::BadOutput(why) => write!(f, "invalid response: {why}"),
            Fault::Host(why) => write!(f, "could not run: {why}"),
        }
    }
}

/// What came of handing a request to a guest.
#[derive(Debug)]
pub struct Outcome {
    /// The response, or why there is none.
    pub response: Result<http::Response<Bytes>, Fault>,
    /// How long making the fresh instance took.
    pub instantiate: Duration,
    /// What the guest wrote to its error stream (capped).
    pub stderr: Vec<u8>,
}

/// A guest interface bound to one app: turns requests into fresh
/// instances' responses. Called on a thread that may block; never shares
/// an instance between requests.
pub trait Guest: Send + Sync + 'static {
    /// Serves `request` in a fresh instance.
    fn handle(&self, request: GuestRequest) -> Outcome;
}
