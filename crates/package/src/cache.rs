//! The package cache: content-addressed blobs, verified on the way in and
//! again on the way out, and what tags and pulls resolved to.
//!
//! ```text
//! packages/
//!   blobs/sha256/HEX                    one blob, named by its digest
//!   refs/HOST/REPO/_tags.json           the tags the registry listed, and when
//!   refs/HOST/REPO/_tag/TAG.json        the manifest digest a tag named, and when
//!   refs/HOST/REPO/_digest/HEX.json     a manifest pulled by digest
//!   files/HEX/                          a file layer, unpacked (read-only to guests)
//!   tmp/                                blobs and file trees being written
//! ```
//!
//! Repository components start with a letter or digit (see
//! [`crate::reference`]), so the `_`-names above cannot collide with one.
//! Every file is written to a temporary name and renamed into place, so two
//! processes pulling the same package at once each see either nothing or a
//! whole file; a blob is renamed into place only after its size and digest
//! were checked.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::digest::Digest;
use crate::error::{Error, ErrorKind, Result};
use crate::reference::{OciReference, Target};

/// The package cache under a root directory.
#[derive(Debug, Clone)]
pub struct Cache {
    root: PathBuf,
}

/// What a tag or digest pull recorded.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Record {
    /// The reference that was pulled, `HOST/REPO:TAG` or `HOST/REPO@DIGEST`.
    pub reference: String,
    /// The manifest's digest.
    pub digest: String,
    /// When it was resolved, in seconds since the Unix epoch.
    pub fetched: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct TagList {
    pub tags: Vec<String>,
    pub fetched: u64,
}

/// Seconds since the Unix epoch.
pub(crate) fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

impl Cache {
    /// The cache in `root` (created when first written).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The cache's directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the blob `digest` is kept.
    pub fn blob_path(&self, digest: &Digest) -> PathBuf {
        self.root.join("blobs").join("sha256").join(digest.hex())
    }

    fn repo_dir(&self, reference: &OciReference) -> PathBuf {
        let mut dir = self.root.join("refs").join(&reference.registry);
        dir.extend(reference.repository.split('/'));
        dir
    }

    fn record_path(&self, reference: &OciReference) -> PathBuf {
        let dir = self.repo_dir(reference);
        match &reference.target {
            Target::Tag(tag) => dir.join("_tag").join(format!("{tag}.json")),
            Target::Digest(digest) => dir.join("_digest").join(format!("{}.json", digest.hex())),
        }
    }

    /// The blob `digest`, read and hashed again; `None` if it is absent. A
    /// blob whose bytes no longer match its name is deleted and reported
    /// absent, so that it is fetched again.
    pub fn read_blob(&self, digest: &Digest) -> Result<Option<Vec<u8>>> {
        let path = self.blob_path(digest);
        let mut bytes = Vec::new();
        match File::open(&path).and_then(|mut f| f.read_to_end(&mut bytes)) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::cache(path, e)),
        }
        if Digest::of(&bytes) != *digest {
            let _ = std::fs::remove_file(&path);
            return Ok(None);
        }
        Ok(Some(bytes))
    }

    /// Whether the blob `digest` is present and whole (it is hashed).
    pub fn has_blob(&self, digest: &Digest) -> Result<bool> {
        let path = self.blob_path(digest);
        let mut file = match File::open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(Error::cache(path, e)),
        };
        let mut hasher = Sha256::new();
        let mut buf = vec![0; 64 * 1024];
        loop {
            match file.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => hasher.update(&buf[..n]),
                Err(e) => return Err(Error::cache(path, e)),
            }
        }
        if Digest::from_hasher(hasher) == *digest {
            Ok(true)
        } else {
            let _ = std::fs::remove_file(&path);
            Ok(false)
        }
    }

    /// Starts writing the blob `digest` of `size` bytes.
    pub fn blob_writer(&self, digest: &Digest, size: u64) -> Result<BlobWriter> {
        let (tmp, file) = self.temp_file(digest.hex())?;
        Ok(BlobWriter {
            tmp: Some(tmp),
            file: Some(file),
            hasher: Sha256::new(),
            written: 0,
            size,
            digest: digest.clone(),
            dest: self.blob_path(digest),
        })
    }

    /// Writes the whole blob `bytes`, whose digest must be `digest`.
    pub fn write_blob(&self, digest: &Digest, bytes: &[u8]) -> Result<()> {
        let mut writer = self.blob_writer(digest, bytes.len() as u64)?;
        writer.write(bytes)?;
        writer.finish()
    }

    fn temp_file(&self, stem: &str) -> Result<(PathBuf, File)> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let dir = self.root.join("tmp");
        std::fs::create_dir_all(&dir).map_err(|e| Error::cache(&dir, e))?;
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = dir.join(format!("{stem}.{}.{n}.part", std::process::id()));
        let file = File::create(&path).map_err(|e| Error::cache(&path, e))?;
        Ok((path, file))
    }

    /// Writes `bytes` to `dest` through a temporary file and a rename.
    fn write_atomic(&self, dest: &Path, bytes: &[u8]) -> Result<()> {
        let (tmp, mut file) = self.temp_file("record")?;
        let result = file
            .write_all(bytes)
            .and_then(|()| {
                let parent = dest.parent().unwrap_or(&self.root);
                std::fs::create_dir_all(parent)
            })
            .and_then(|()| std::fs::rename(&tmp, dest));
        result.map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            Error::cache(dest, e)
        })
    }

    /// The record of `reference` (a tag or a digest pull), if any.
    pub fn record(&self, reference: &OciReference) -> Option<Record> {
        let text = std::fs::read(self.record_path(reference)).ok()?;
        let record: Record = serde_json::from_slice(&text).ok()?;
        Digest::parse(&record.digest).map(|_| record)
    }

    /// Records that `reference` resolved to `digest` now.
    pub fn set_record(&self, reference: &OciReference, digest: &Digest) -> Result<()> {
        let record =
            Record { reference: reference.to_string(), digest: digest.to_string(), fetched: now() };
        let json = serde_json::to_vec(&record).unwrap_or_default();
        self.write_atomic(&self.record_path(reference), &json)
    }

    pub(crate) fn tag_list(&self, repository: &OciReference) -> Option<TagList> {
        let text = std::fs::read(self.repo_dir(repository).join("_tags.json")).ok()?;
        serde_json::from_slice(&text).ok()
    }

    pub(crate) fn set_tag_list(&self, repository: &OciReference, tags: &[String]) -> Result<()> {
        let list = TagList { tags: tags.to_vec(), fetched: now() };
        let json = serde_json::to_vec(&list).unwrap_or_default();
        self.write_atomic(&self.repo_dir(repository).join("_tags.json"), &json)
    }

    /// Every record in the cache, sorted by reference.
    pub fn records(&self) -> Vec<Record> {
        let mut found = Vec::new();
        collect_records(&self.root.join("refs"), &mut found);
        found.sort_by(|a, b| a.reference.cmp(&b.reference));
        found
    }

    /// Deletes the records whose reference `matches`, then every blob no
    /// remaining record needs. Returns the records removed.
    pub fn remove(&self, matches: impl Fn(&Record) -> bool) -> Result<Vec<Record>> {
        let mut removed = Vec::new();
        let mut paths = Vec::new();
        collect_record_paths(&self.root.join("refs"), &mut paths);
        for path in paths {
            let Some(record) =
                std::fs::read(&path).ok().and_then(|t| serde_json::from_slice::<Record>(&t).ok())
            else {
                continue;
            };
            if matches(&record) {
                std::fs::remove_file(&path).map_err(|e| Error::cache(&path, e))?;
                removed.push(record);
            }
        }
        self.collect_garbage()?;
        removed.sort_by(|a, b| a.reference.cmp(&b.reference));
        Ok(removed)
    }

    /// Deletes the blobs that no record needs (and leftover temporary files).
    fn collect_garbage(&self) -> Result<()> {
        let mut needed = std::collections::BTreeSet::new();
        for record in self.records() {
            let Some(digest) = Digest::parse(&record.digest) else { continue };
            if let Ok(Some(bytes)) = self.read_blob(&digest)
                && let Ok(manifest) = serde_json::from_slice::<crate::manifest::RawManifest>(&bytes)
            {
                needed.insert(manifest.config.digest);
                needed.extend(manifest.layers.into_iter().map(|l| l.digest));
            }
            needed.insert(digest.to_string());
        }
        let dir = self.root.join("blobs").join("sha256");
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !needed.contains(&format!("sha256:{name}")) {
                let path = entry.path();
                std::fs::remove_file(&path).map_err(|e| Error::cache(&path, e))?;
            }
        }
        // File layers unpacked from blobs that are gone.
        let dir = self.root.join("files");
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !needed.contains(&format!("sha256:{name}")) {
                let path = entry.path();
                std::fs::remove_dir_all(&path).map_err(|e| Error::cache(&path, e))?;
            }
        }
        Ok(())
    }

    /// The total size of the blobs, in bytes.
    pub fn size(&self) -> u64 {
        let dir = self.root.join("blobs").join("sha256");
        let entries = std::fs::read_dir(dir).into_iter().flatten().flatten();
        entries.filter_map(|e| e.metadata().ok()).map(|m| m.len()).sum()
    }
}

fn collect_record_paths(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if name == "_tag" || name == "_digest" {
            for record in std::fs::read_dir(&path).into_iter().flatten().flatten() {
                found.push(record.path());
            }
        } else if entry.file_type().is_ok_and(|t| t.is_dir()) {
            collect_record_paths(&path, found);
        }
    }
}

fn collect_records(dir: &Path, found: &mut Vec<Record>) {
    let mut paths = Vec::new();
    collect_record_paths(dir, &mut paths);
    for path in paths {
        if let Some(record) =
            std::fs::read(&path).ok().and_then(|t| serde_json::from_slice::<Record>(&t).ok())
        {
            found.push(record);
        }
    }
}

/// A blob being written: hashed and counted as it comes, renamed into
/// place by [`finish`](Self::finish) only if whole. Dropped unfinished, it
/// leaves nothing behind.
#[derive(Debug)]
pub struct BlobWriter {
    tmp: Option<PathBuf>,
    file: Option<File>,
    hasher: Sha256,
    written: u64,
    size: u64,
    digest: Digest,
    dest: PathBuf,
}

impl BlobWriter {
    /// Appends `bytes`; more than the expected size is an error at once.
    pub fn write(&mut self, bytes: &[u8]) -> Result<()> {
        self.written += bytes.len() as u64;
        if self.written > self.size {
            return Err(ErrorKind::Integrity {
                digest: self.digest.to_string(),
                reason: format!("it is larger than the {} bytes its descriptor says", self.size),
            }
            .into());
        }
        self.hasher.update(bytes);
        let (Some(file), Some(tmp)) = (self.file.as_mut(), self.tmp.as_ref()) else {
            return Ok(());
        };
        file.write_all(bytes).map_err(|e| Error::cache(tmp, e))
    }

    /// Bytes written so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Checks the size and the digest, then moves the blob into place.
    pub fn finish(mut self) -> Result<()> {
        if self.written != self.size {
            return Err(ErrorKind::Integrity {
                digest: self.digest.to_string(),
                reason: format!(
                    "it has {} bytes where its descriptor says {}",
                    self.written, self.size
                ),
            }
            .into());
        }
        let hasher = std::mem::take(&mut self.hasher);
        let actual = Digest::from_hasher(hasher);
        if actual != self.digest {
            return Err(ErrorKind::Integrity {
                digest: self.digest.to_string(),
                reason: format!("its content hashes to {actual}"),
            }
            .into());
        }
        let (Some(file), Some(tmp)) = (self.file.take(), self.tmp.take()) else {
            return Ok(());
        };
        let result = file.sync_all().and_then(|()| {
            drop(file);
            let parent = self.dest.parent().unwrap_or(Path::new("."));
            std::fs::create_dir_all(parent)?;
            std::fs::rename(&tmp, &self.dest)
        });
        result.map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            Error::cache(&self.dest, e)
        })
    }
}

impl Drop for BlobWriter {
    fn drop(&mut self) {
        if let Some(tmp) = self.tmp.take() {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_cache(name: &str) -> Cache {
        let dir = std::env::temp_dir().join(format!("wisp-cache-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        Cache::new(dir)
    }

    fn leftovers(cache: &Cache) -> usize {
        std::fs::read_dir(cache.root().join("tmp")).map_or(0, |d| d.count())
    }

    #[test]
    fn blobs_are_checked_on_the_way_in_and_out() {
        let cache = temp_cache("blobs");
        let digest = Digest::of(b"hello");
        cache.write_blob(&digest, b"hello").unwrap();
        assert_eq!(cache.read_blob(&digest).unwrap().as_deref(), Some(&b"hello"[..]));
        assert!(cache.has_blob(&digest).unwrap());

        // Wrong content, too long, too short: refused, nothing left behind.
        let other = Digest::of(b"other");
        let mut w = cache.blob_writer(&other, 5).unwrap();
        let e = w.write(b"other!").unwrap_err().to_string();
        assert!(e.contains("larger than the 5 bytes"), "{e}");
        drop(w);
        let mut w = cache.blob_writer(&other, 5).unwrap();
        w.write(b"othe").unwrap();
        assert!(w.finish().unwrap_err().to_string().contains("4 bytes where"));
        let e = cache.write_blob(&other, b"OTHER").unwrap_err().to_string();
        assert!(e.contains("hashes to sha256:"), "{e}");
        assert!(!cache.blob_path(&other).exists());
        assert_eq!(leftovers(&cache), 0);

        // Damaged on disk: reported absent and deleted.
        std::fs::write(cache.blob_path(&digest), b"jello").unwrap();
        assert_eq!(cache.read_blob(&digest).unwrap(), None);
        assert!(!cache.blob_path(&digest).exists());
        std::fs::remove_dir_all(cache.root()).unwrap();
    }

    #[test]
    fn records_are_listed_and_removed_with_their_blobs() {
        let cache = temp_cache("records");
        let reference: OciReference = "example.org/acme/tool:1.0.0".parse().unwrap();
        let digest = Digest::of(b"{}");
        cache.write_blob(&digest, b"{}").unwrap();
        cache.set_record(&reference, &digest).unwrap();
        let records = cache.records();
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].reference, "example.org/acme/tool:1.0.0");
        assert_eq!(cache.record(&reference).unwrap().digest, digest.to_string());
        let removed = cache.remove(|r| r.reference.contains("acme/tool")).unwrap();
        assert_eq!(removed.len(), 1);
        assert!(cache.records().is_empty());
        assert!(!cache.blob_path(&digest).exists());
        std::fs::remove_dir_all(cache.root()).unwrap();
    }
}
