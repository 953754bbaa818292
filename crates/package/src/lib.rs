//! Wasm packages from OCI registries: references, version resolution,
//! credentials, a verified content-addressed cache, push and pull.
//!
//! A package is named `NS/NAME[@VERSION]` (resolved against a configured
//! registry by listing its tags) or by a full OCI reference. Pulled
//! packages land in a [`Cache`] whose blobs are checked against their
//! digests and sizes when written and hashed again when read. This crate
//! does not run anything: it hands the caller the module bytes.
//!
//! ```no_run
//! use wisp_package::{Cache, Client, Reference, Settings, config::RegistryConfig};
//!
//! let settings = Settings::new(RegistryConfig::load(Some("http://127.0.0.1:5000"))?);
//! let client = Client::new(settings, Cache::new("/tmp/wisp-packages"));
//! let reference: Reference = "acme/hello@1".parse()?;
//! let package = client.pull(&reference)?;
//! println!("{} {} bytes", package.digest, package.modules[0].bytes.len());
//! # Ok::<(), wisp_package::Error>(())
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod cache;
mod client;
pub mod config;
pub mod credentials;
mod digest;
mod error;
mod files;
pub mod manifest;
mod package;
pub mod progress;
pub mod reference;
pub mod wisp_toml;

pub use cache::Cache;
pub use client::{Client, DEFAULT_TTL, Pushed, Resolved, Settings};
pub use digest::Digest;
pub use error::{Error, ErrorKind, Result};
pub use package::{Package, PackageModule};
pub use reference::Reference;
pub use wisp_toml::Definition;
