//! In-memory standard streams for embedders.

use std::sync::{Arc, Mutex, MutexGuard};

/// A cloneable in-memory sink for a guest's stdout or stderr.
///
/// Clones share one buffer: hand one to
/// [`WasiCtxBuilder::stdout`](crate::WasiCtxBuilder::stdout) and keep the
/// other to read what the guest wrote with [`contents`](Self::contents).
#[derive(Debug, Clone, Default)]
pub struct OutputPipe {
    inner: Arc<Mutex<Buffer>>,
}

#[derive(Debug, Default)]
struct Buffer {
    bytes: Vec<u8>,
    limit: Option<usize>,
    /// Some write did not fit under the limit.
    overflowed: bool,
}

impl OutputPipe {
    /// An empty pipe without a size limit.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty pipe that accepts at most `limit` bytes; writes beyond it
    /// fail with `ENOSPC` so a guest cannot grow host memory without bound.
    pub fn with_limit(limit: usize) -> Self {
        let pipe = Self::default();
        pipe.lock().limit = Some(limit);
        pipe
    }

    /// A copy of everything written so far.
    pub fn contents(&self) -> Vec<u8> {
        self.lock().bytes.clone()
    }

    /// Whether the guest tried to write more than the limit, so that the
    /// contents are cut short.
    pub fn overflowed(&self) -> bool {
        self.lock().overflowed
    }

    fn lock(&self) -> MutexGuard<'_, Buffer> {
        // The buffer stays consistent even if a holder panicked.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Appends as much of `data` as the limit allows, returning how much.
    pub(crate) fn append(&self, data: &[u8]) -> usize {
        let mut buf = self.lock();
        let room = buf.limit.map_or(usize::MAX, |l| l.saturating_sub(buf.bytes.len()));
        let n = data.len().min(room);
        buf.overflowed |= n < data.len();
        buf.bytes.extend_from_slice(&data[..n]);
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_and_limits_hold() {
        let pipe = OutputPipe::with_limit(5);
        let other = pipe.clone();
        assert_eq!(other.append(b"abc"), 3);
        assert_eq!(other.append(b"defg"), 2);
        assert_eq!(other.append(b"h"), 0);
        assert_eq!(pipe.contents(), b"abcde");
        assert!(pipe.overflowed());
        let roomy = OutputPipe::with_limit(3);
        assert_eq!(roomy.append(b"abc"), 3);
        assert!(!roomy.overflowed());
    }
}
