//! Progress of downloads and uploads, shown by whoever drives the client.

/// Receives the progress of one transfer at a time.
pub trait Progress {
    /// A transfer of `total` bytes, described by `label`, begins.
    fn start(&self, label: &str, total: u64);
    /// `bytes` more were transferred.
    fn advance(&self, bytes: u64);
    /// The transfer ended (completed or not).
    fn finish(&self);
}

/// Shows nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _: &str, _: u64) {}
    fn advance(&self, _: u64) {}
    fn finish(&self) {}
}
