// Shared by the build scripts of `wisp` and `wisp-cranelift` (with
// `include!`): a hash of source directories, so that a build can tell
// whether code it meets was compiled from the same sources.

/// Folds every file under `dir` (names and contents, in sorted order) into
/// the 64-bit FNV-1a hash `h`, telling Cargo to rerun when it changes.
fn hash_dir(dir: &std::path::Path, h: &mut u64) {
    println!("cargo::rerun-if-changed={}", dir.display());
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

/// The hash of the directories `dirs`, as 16 hex digits.
fn source_id(dirs: &[&str]) -> String {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for dir in dirs {
        hash_dir(std::path::Path::new(dir), &mut h);
    }
    format!("{h:016x}")
}
