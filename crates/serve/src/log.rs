//! The access log (one JSON object per request and line) and the server's
//! own log on stderr, where guests' stderr goes too, each line prefixed
//! with its route and request id.

use std::io::Write;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::Error;

/// Where access lines go.
pub(crate) struct AccessLog {
    out: Mutex<Box<dyn Write + Send>>,
}

/// One request, as the access log records it.
pub(crate) struct Access<'a> {
    pub(crate) id: &'a str,
    pub(crate) route: &'a str,
    pub(crate) method: &'a str,
    pub(crate) path: &'a str,
    pub(crate) status: u16,
    pub(crate) bytes: usize,
    pub(crate) duration: Duration,
    pub(crate) instantiate: Option<Duration>,
    pub(crate) remote: std::net::SocketAddr,
    /// Why the guest did not answer, or why it never ran.
    pub(crate) error: Option<&'a str>,
}

impl AccessLog {
    /// A log to `path`, appended to, or to stdout for `-`.
    pub(crate) fn open(path: &Path) -> Result<Self, Error> {
        let out: Box<dyn Write + Send> = if path.as_os_str() == "-" {
            Box::new(std::io::stdout())
        } else {
            let file =
                std::fs::OpenOptions::new().create(true).append(true).open(path).map_err(|e| {
                    Error::io(format!("cannot open the access log {}", path.display()), e)
                })?;
            Box::new(file)
        };
        Ok(Self { out: Mutex::new(out) })
    }

    pub(crate) fn write(&self, a: &Access<'_>) {
        let time = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        let mut line = serde_json::json!({
            "time": time.as_secs_f64(),
            "id": a.id,
            "route": a.route,
            "method": a.method,
            "path": a.path,
            "status": a.status,
            "bytes": a.bytes,
            "duration_us": a.duration.as_micros() as u64,
            "remote": a.remote.to_string(),
        });
        if let Some(d) = a.instantiate {
            line["instantiate_us"] = (d.as_micros() as u64).into();
        }
        if let Some(error) = a.error {
            line["error"] = error.into();
        }
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        // A full disk must not take requests down with it.
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    }
}

/// A message of the server's own.
pub(crate) fn note(message: impl std::fmt::Display) {
    eprintln!("wisp serve: {message}");
}

/// A guest's stderr, line by line, prefixed with where it came from.
pub(crate) fn guest_stderr(route: &str, id: &str, bytes: &[u8]) {
    if bytes.is_empty() {
        return;
    }
    let text = String::from_utf8_lossy(bytes);
    let mut err = std::io::stderr().lock();
    for line in text.lines() {
        let _ = writeln!(err, "[{route} {id}] {line}");
    }
}
