//! Progress on long work: a line on stderr, only when it is a terminal.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Whether progress may be shown (stderr is a terminal).
pub fn enabled() -> bool {
    std::io::stderr().is_terminal()
}

/// Runs `work` (compilation); if it takes more than a second and stderr is
/// a terminal, shows a spinner until it finishes.
pub fn while_compiling<R>(work: impl FnOnce() -> R) -> R {
    if !enabled() {
        return work();
    }
    let done = AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            let mut waited = Duration::ZERO;
            let step = Duration::from_millis(100);
            let frames = ['|', '/', '-', '\\'];
            let mut shown = false;
            while !done.load(Ordering::Relaxed) {
                std::thread::sleep(step);
                waited += step;
                if waited >= Duration::from_secs(1) {
                    let f = frames[(waited.as_millis() / 100) as usize % frames.len()];
                    eprint!("\rwisp: compiling {f} {:.0?}", waited);
                    shown = true;
                }
            }
            if shown {
                eprint!("\r\x1b[2K");
            }
        });
        let r = work();
        done.store(true, Ordering::Relaxed);
        r
    })
}
