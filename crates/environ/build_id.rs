// Shared by the build scripts of `wisp` and `wisp-cranelift` (with
// `include!`): a hash of source directories, so that a build can tell
// whether code it meets was compiled from the same sources.

/// Folds every file under `dir` (names and contents, in sorted order) into
/// the 64-bit FNV-1a hash `h`, telling Cargo to rerun when it changes.
///
/// A directory or file that cannot be read stops the build, naming it.
/// Hashing what is missing as empty would give every build without those
/// sources (a packaged crate: `cargo package` copies only the crate's own
/// directory) one and the same id, so code of another layout would be
/// taken for current. The id is not derived from `CARGO_PKG_VERSION`
/// instead: builds of one version differ during development, and telling
/// them apart is the point. A packaged crate could hash only its own
/// sources and take the ids of the crates it depends on from them, but
/// that is a different arrangement of the build scripts (which today even
/// include this file from a sibling crate), not a fallback.
fn hash_dir(dir: &std::path::Path, h: &mut u64) {
    println!("cargo::rerun-if-changed={}", dir.display());
    fn unreadable(path: &std::path::Path, e: std::io::Error) -> ! {
        panic!(
            "cannot hash {} for the build id: {e} (build from the Wisp repository, which \
             has every source the id covers)",
            path.display()
        )
    }
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .and_then(Iterator::collect::<std::io::Result<_>>)
        .unwrap_or_else(|e| unreadable(dir, e));
    entries.sort_by_key(|e: &std::fs::DirEntry| e.path());
    for e in entries {
        let path = e.path();
        if path.is_dir() {
            hash_dir(&path, h);
        } else {
            let bytes = std::fs::read(&path).unwrap_or_else(|e| unreadable(&path, e));
            for b in path.file_name().unwrap_or_default().as_encoded_bytes().iter().chain(&bytes) {
                *h = (*h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
            }
        }
    }
}

/// The hash of the directories `dirs`, as 16 hex digits.
fn source_id(dirs: &[&str]) -> String {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for dir in dirs {
        hash_dir(std::path::Path::new(dir), &mut h);
    }
    format!("{h:016x}")
}
