//! Gives the compiler an identity that changes whenever its code does
//! (this crate's sources, or the runtime layout it compiles against), so
//! artifacts and cache entries from another build are never mistaken for
//! current ones, even between releases.

use std::path::Path;

fn hash_dir(dir: &Path, h: &mut u64) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).into_iter().flatten().flatten().collect();
    entries.sort_by_key(|e| e.path());
    for e in entries {
        let path = e.path();
        if path.is_dir() {
            hash_dir(&path, h);
        } else if let Ok(bytes) = std::fs::read(&path) {
            for b in path.file_name().unwrap_or_default().as_encoded_bytes().iter().chain(&bytes) {
                *h = (*h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
            }
        }
    }
}

fn main() {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for dir in ["src", "../environ/src"] {
        println!("cargo:rerun-if-changed={dir}");
        hash_dir(Path::new(dir), &mut h);
    }
    println!("cargo:rustc-env=WISP_CODEGEN_ID={h:016x}");
}
