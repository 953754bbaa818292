//! A pulled package: what the caller runs.

use crate::digest::Digest;
use crate::manifest::Manifest;
use crate::reference::OciReference;

/// A package in the cache, its modules read and verified.
#[derive(Debug, Clone)]
pub struct Package {
    /// Where it came from, with the manifest digest.
    pub reference: OciReference,
    /// The tag it was found by (its version), if any.
    pub version: Option<String>,
    /// The manifest digest.
    pub digest: Digest,
    /// Manifest, config and layers together, in bytes.
    pub size: u64,
    /// The manifest.
    pub manifest: Manifest,
    /// The modules, in manifest order; the first is the one to run.
    pub modules: Vec<PackageModule>,
}

/// One module of a package.
#[derive(Debug, Clone)]
pub struct PackageModule {
    /// Its name (the layer's title without `.wasm`, else `main`).
    pub name: String,
    /// The digest of its bytes.
    pub digest: Digest,
    /// The module's bytes, which hash to `digest`.
    pub bytes: Vec<u8>,
}
