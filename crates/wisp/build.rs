//! Two build-time decisions:
//!
//! * how the interpreter dispatches (see `src/interp/dispatch.rs`):
//!   threaded, with every handler tail-calling the next, when the crate is
//!   optimized (which turns those calls into jumps); otherwise a loop, since
//!   unoptimized tail calls would grow the host stack with every
//!   instruction (the `loop-dispatch` feature picks the loop always);
//! * the small C helper that catches traps in compiled code (`setjmp` and
//!   `longjmp` cannot be written in Rust).
//!
//! It also names what code linked into a program must match: the target,
//! and the layout contract between compiled code and the runtime (a hash
//! of `wisp-environ`'s sources, where that layout is defined).

include!("../environ/build_id.rs");

fn main() {
    println!("cargo::rustc-env=WISP_ABI_ID={}", source_id(&["../environ/src"]));
    println!("cargo::rustc-env=WISP_TARGET={}", std::env::var("TARGET").unwrap_or_default());

    println!("cargo::rustc-check-cfg=cfg(wisp_threaded)");
    println!("cargo::rerun-if-env-changed=OPT_LEVEL");
    let opt_level = std::env::var("OPT_LEVEL").unwrap_or_default();
    // The `loop-dispatch` feature asks for the loop in any build, so that
    // the tests can run it without a second, unoptimized build.
    let loop_wanted = std::env::var_os("CARGO_FEATURE_LOOP_DISPATCH").is_some();
    if matches!(opt_level.as_str(), "2" | "3") && !loop_wanted {
        println!("cargo::rustc-cfg=wisp_threaded");
    }

    println!("cargo::rerun-if-changed=src/vm/unwind.c");
    cc::Build::new().file("src/vm/unwind.c").warnings(true).compile("wisp_unwind");
}
