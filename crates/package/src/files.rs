//! File layers: a directory of a package as a gzip-compressed tar, built
//! reproducibly and unpacked defensively.
//!
//! Only regular files and directories are written or accepted: an entry
//! with `..`, an absolute path, a link or a device refuses the whole layer.

use std::io::Read;
use std::path::{Component, Path, PathBuf};

use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;

use crate::error::{Error, ErrorKind, Result};

/// The most entries a file layer may hold.
const MAX_ENTRIES: usize = 100_000;

/// `dir` as a tar.gz: entries sorted, owners, times and modes normalised,
/// so the same files always give the same digest.
pub(crate) fn pack(dir: &Path) -> Result<Vec<u8>> {
    let bad = |e: std::io::Error| -> Error {
        ErrorKind::Config { source: dir.display().to_string(), reason: e.to_string() }.into()
    };
    let mut entries = Vec::new();
    walk(dir, Path::new(""), &mut entries).map_err(bad)?;
    let mut builder = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::default()));
    for (relative, is_dir) in entries {
        let mut header = tar::Header::new_ustar();
        header.set_mtime(0);
        header.set_uid(0);
        header.set_gid(0);
        if is_dir {
            header.set_entry_type(tar::EntryType::Directory);
            header.set_mode(0o755);
            header.set_size(0);
            builder.append_data(&mut header, &relative, std::io::empty()).map_err(bad)?;
        } else {
            let bytes = std::fs::read(dir.join(&relative)).map_err(bad)?;
            header.set_entry_type(tar::EntryType::Regular);
            header.set_mode(0o644);
            header.set_size(bytes.len() as u64);
            builder.append_data(&mut header, &relative, &bytes[..]).map_err(bad)?;
        }
    }
    let encoder = builder.into_inner().map_err(bad)?;
    encoder.finish().map_err(bad)
}

/// The files under `dir`, as paths relative to the package directory's
/// `prefix`; links and special files are refused.
fn walk(dir: &Path, prefix: &Path, out: &mut Vec<(PathBuf, bool)>) -> std::io::Result<()> {
    let mut children: Vec<_> = std::fs::read_dir(dir)?.collect::<std::io::Result<_>>()?;
    children.sort_by_key(|e| e.file_name());
    for child in children {
        let relative = prefix.join(child.file_name());
        let kind = child.file_type()?;
        if kind.is_dir() {
            out.push((relative.clone(), true));
            walk(&child.path(), &relative, out)?;
        } else if kind.is_file() {
            out.push((relative, false));
        } else {
            return Err(std::io::Error::other(format!(
                "{} is a link or a special file; a package holds only files and directories",
                child.path().display()
            )));
        }
    }
    Ok(())
}

/// Unpacks the tar.gz `layer` into the new directory `dest`, writing no
/// more than `limit` bytes.
pub(crate) fn unpack(layer: &[u8], dest: &Path, limit: u64, name: &str) -> Result<()> {
    let bad = |reason: String| Error::invalid_package(name, format!("a file layer {reason}"));
    let io = |path: &Path, e: std::io::Error| Error::cache(path, e);
    std::fs::create_dir_all(dest).map_err(|e| io(dest, e))?;
    let mut archive = tar::Archive::new(GzDecoder::new(layer));
    let mut written = 0u64;
    let entries = archive.entries().map_err(|e| bad(format!("is not a tar.gz ({e})")))?;
    for (count, entry) in entries.enumerate() {
        if count >= MAX_ENTRIES {
            return Err(bad(format!("has more than {MAX_ENTRIES} entries")));
        }
        let mut entry = entry.map_err(|e| bad(format!("is damaged ({e})")))?;
        let path = entry.path().map_err(|e| bad(format!("has a bad path ({e})")))?.into_owned();
        let shown = path.display().to_string();
        let safe = path.components().all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
        if !safe || path.as_os_str().is_empty() {
            return Err(bad(format!("has the entry `{shown}`, which leaves its directory")));
        }
        let target = dest.join(&path);
        match entry.header().entry_type() {
            tar::EntryType::Directory => {
                std::fs::create_dir_all(&target).map_err(|e| io(&target, e))?;
            }
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                if let Some(parent) = target.parent() {
                    std::fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
                }
                let mut file = std::fs::File::create_new(&target)
                    .map_err(|e| bad(format!("has `{shown}` twice or cannot write it ({e})")))?;
                let allowed = limit.saturating_sub(written);
                let copied = std::io::copy(&mut (&mut entry).take(allowed + 1), &mut file)
                    .map_err(|e| bad(format!("is damaged at `{shown}` ({e})")))?;
                written += copied;
                if copied > allowed {
                    return Err(ErrorKind::TooLarge {
                        what: format!("the files of {name}"),
                        limit,
                    }
                    .into());
                }
            }
            other => {
                return Err(bad(format!(
                    "has `{shown}` of type {other:?}: only files and directories are allowed"
                )));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("wisp-files-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn packing_is_reproducible_and_round_trips() {
        let src = temp("src");
        std::fs::create_dir_all(src.join("sub")).unwrap();
        std::fs::write(src.join("a.txt"), "alpha").unwrap();
        std::fs::write(src.join("sub/b.txt"), "beta").unwrap();
        let one = pack(&src).unwrap();
        assert_eq!(one, pack(&src).unwrap());
        let dest = temp("dest");
        unpack(&one, &dest, 1 << 20, "test").unwrap();
        assert_eq!(std::fs::read_to_string(dest.join("sub/b.txt")).unwrap(), "beta");
        let e = unpack(&one, &temp("small"), 6, "test").unwrap_err().to_string();
        assert!(e.contains("exceeds the limit"), "{e}");
        for dir in [src, dest, temp("small")] {
            let _ = std::fs::remove_dir_all(dir);
        }
    }

    /// A tar.gz with one entry whose header says `path` and `kind`.
    fn hostile(path: &str, kind: tar::EntryType) -> Vec<u8> {
        let mut header = tar::Header::new_gnu();
        // Set the name bytes directly: `set_path` itself refuses `..`.
        let name = &mut header.as_old_mut().name;
        name[..path.len()].copy_from_slice(path.as_bytes());
        header.set_entry_type(kind);
        header.set_size(if kind == tar::EntryType::Regular { 1 } else { 0 });
        header.set_mode(0o644);
        if kind == tar::EntryType::Symlink {
            header.set_link_name("/etc/passwd").unwrap();
        }
        header.set_cksum();
        let mut builder = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::default()));
        let data: &[u8] = if kind == tar::EntryType::Regular { b"x" } else { b"" };
        builder.append(&header, data).unwrap();
        builder.into_inner().unwrap().finish().unwrap()
    }

    #[test]
    fn escaping_entries_links_and_devices_are_refused() {
        for (path, kind, expected) in [
            ("../evil", tar::EntryType::Regular, "leaves its directory"),
            ("a/../../evil", tar::EntryType::Regular, "leaves its directory"),
            ("/etc/evil", tar::EntryType::Regular, "leaves its directory"),
            ("link", tar::EntryType::Symlink, "only files and directories"),
            ("hard", tar::EntryType::Link, "only files and directories"),
            ("dev", tar::EntryType::Char, "only files and directories"),
            ("fifo", tar::EntryType::Fifo, "only files and directories"),
        ] {
            let dest = temp("hostile");
            let e = unpack(&hostile(path, kind), &dest, 1 << 20, "pkg").unwrap_err().to_string();
            assert!(e.contains(expected), "{path}: {e}");
            assert!(!dest.parent().unwrap().join("evil").exists());
            let _ = std::fs::remove_dir_all(dest);
        }
    }
}
