//! Chooses how the interpreter dispatches (see `src/interp/dispatch.rs`):
//! threaded, with every handler tail-calling the next, when the crate is
//! optimized (which turns those calls into jumps); otherwise a loop, since
//! unoptimized tail calls would grow the host stack with every instruction.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(wisp_threaded)");
    println!("cargo::rerun-if-env-changed=OPT_LEVEL");
    let opt_level = std::env::var("OPT_LEVEL").unwrap_or_default();
    if matches!(opt_level.as_str(), "2" | "3") {
        println!("cargo::rustc-cfg=wisp_threaded");
    }
}
