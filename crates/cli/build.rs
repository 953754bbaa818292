//! Links `wisp` as a static position-independent executable on Linux with
//! glibc, when the static C library is installed.
//!
//! A dynamically linked `wisp` spends about a third of the start-up of a
//! hello-world in the dynamic loader: mapping libc and libgcc_s, looking
//! up every imported symbol, relocating. A static PIE only applies its own
//! relative relocations, and keeps address-space layout randomization.
//!
//! Rust links against shared libraries unless the whole build uses
//! `-C target-feature=+crt-static`, which cargo cannot apply to one binary
//! without also applying it to proc-macros. So this script passes
//! `-static-pie` to the linker of the `wisp` binary only, with a directory
//! of the static archives for the libraries Rust names.
//!
//! Set `WISP_DYNAMIC_LINK=1` to link dynamically anyway; without the
//! static C library (Debian: `libc6-dev`) the link is dynamic too.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=WISP_DYNAMIC_LINK");
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    let linux_gnu = var("CARGO_CFG_TARGET_OS") == "linux" && var("CARGO_CFG_TARGET_ENV") == "gnu";
    let native = var("TARGET") == var("HOST");
    let crt_static = var("CARGO_CFG_TARGET_FEATURE").split(',').any(|f| f == "crt-static");
    if !linux_gnu || !native || crt_static || !var("WISP_DYNAMIC_LINK").is_empty() {
        return;
    }
    // Rust links with `-Bdynamic -lgcc_s -lutil ... -lc`. Linkers look
    // through the search directories in order, and take `libX.a` from the
    // first directory that has either `libX.so` or `libX.a`; a directory
    // searched first that holds only archives makes every one of these
    // static. `-lgcc_s` becomes libgcc's static unwinder.
    let archives = [
        ("libgcc_s.a", "libgcc_eh.a"),
        ("libutil.a", "libutil.a"),
        ("librt.a", "librt.a"),
        ("libpthread.a", "libpthread.a"),
        ("libm.a", "libm.a"),
        ("libdl.a", "libdl.a"),
        ("libc.a", "libc.a"),
    ];
    let dir = PathBuf::from(var("OUT_DIR")).join("static-libs");
    for (name, source) in archives {
        let Some(path) = library(source) else {
            println!("cargo:warning={source} not found: wisp is linked dynamically");
            return;
        };
        let link = dir.join(name);
        let made = std::fs::create_dir_all(&dir)
            .and_then(|()| match std::fs::remove_file(&link) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
                _ => Ok(()),
            })
            .and_then(|()| std::os::unix::fs::symlink(&path, &link));
        if let Err(e) = made {
            println!(
                "cargo:warning=cannot link {}: {e}; wisp is linked dynamically",
                link.display()
            );
            return;
        }
    }
    println!("cargo:rustc-link-arg-bins=-L{}", dir.display());
    println!("cargo:rustc-link-arg-bins=-static-pie");
    println!("cargo:rustc-link-arg-bins=-lgcc");
}

/// The path of a library the C compiler links, if it has it.
fn library(name: &str) -> Option<PathBuf> {
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".to_string());
    let output = Command::new(cc).arg(format!("-print-file-name={name}")).output().ok()?;
    let path = PathBuf::from(String::from_utf8(output.stdout).ok()?.trim());
    // Without the library, the compiler prints the bare name back.
    (path.is_absolute() && Path::new(&path).is_file()).then_some(path)
}
