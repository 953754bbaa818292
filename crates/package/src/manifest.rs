//! Manifests: the CNCF TAG-Runtime Wasm OCI artifact (v0) and Wisp's own
//! package format, checked once where they enter.
//!
//! A v0 artifact is an OCI image manifest whose config has the media type
//! [`WASM_CONFIG_MEDIA_TYPE`] and whose one layer is an
//! [`WASM_LAYER_MEDIA_TYPE`] module. A Wisp package has the config
//! [`PACKAGE_CONFIG_MEDIA_TYPE`] (a [`PackageConfig`]) and module layers and
//! [`FILES_LAYER_MEDIA_TYPE`] file layers. Anything else is refused with the
//! media type that was not understood.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::digest::Digest;
use crate::error::{Error, ErrorKind, Result};

/// The OCI image manifest media type.
pub const MANIFEST_MEDIA_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";
/// The media type of a Wasm artifact's config (TAG-Runtime v0).
pub const WASM_CONFIG_MEDIA_TYPE: &str = "application/vnd.wasm.config.v0+json";
/// The media type of a layer holding one Wasm module or component.
pub const WASM_LAYER_MEDIA_TYPE: &str = "application/wasm";

/// The media type of a Wisp package's config, a [`PackageConfig`].
pub const PACKAGE_CONFIG_MEDIA_TYPE: &str = "application/vnd.wisp.package.config.v1+json";
/// The media type of a layer of read-only files: a gzip-compressed tar.
pub const FILES_LAYER_MEDIA_TYPE: &str = "application/vnd.wisp.package.files.v1.tar+gzip";

/// Which format a manifest is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The TAG-Runtime Wasm OCI artifact, one module.
    WasmV0,
    /// A Wisp package from a `wisp.toml`.
    Package,
}

/// The config of a Wisp package: what its `wisp.toml` said, with layers
/// named by digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageConfig {
    /// `NAMESPACE/NAME`.
    pub name: String,
    /// Its version.
    pub version: String,
    /// One line about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Its license.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license: Option<String>,
    /// Where its source lives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    /// Its modules, by name and layer digest.
    pub modules: Vec<NamedLayer>,
    /// Its commands.
    #[serde(default)]
    pub commands: Vec<crate::wisp_toml::Command>,
    /// Its read-only file trees: guest path and layer digest.
    #[serde(default)]
    pub fs: Vec<NamedLayer>,
    /// What it asks to be granted.
    #[serde(default)]
    pub capabilities: crate::wisp_toml::Capabilities,
}

/// A layer and the name it has in the package (a module's name, or a
/// guest path for files).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedLayer {
    /// The module name or guest path.
    pub name: String,
    /// The layer's digest.
    pub digest: String,
}

impl PackageConfig {
    /// Checks that every name refers to a layer of the right kind in
    /// `manifest`, and that commands run modules that exist.
    pub fn check(&self, manifest: &Manifest, reference: &str) -> Result<()> {
        let has = |digest: &str, media_type: &str| {
            manifest
                .layers
                .iter()
                .any(|l| l.digest.as_str() == digest && l.media_type == media_type)
        };
        for module in &self.modules {
            if !has(&module.digest, WASM_LAYER_MEDIA_TYPE) {
                return Err(Error::invalid_package(
                    reference,
                    format!("module `{}` names no module layer", module.name),
                ));
            }
        }
        for files in &self.fs {
            let absolute = files.name.starts_with('/') && !files.name.split('/').any(|c| c == "..");
            if !absolute || !has(&files.digest, FILES_LAYER_MEDIA_TYPE) {
                return Err(Error::invalid_package(
                    reference,
                    format!("files at `{}` are not an absolute path with a file layer", files.name),
                ));
            }
        }
        for command in &self.commands {
            if !self.modules.iter().any(|m| m.name == command.module) {
                return Err(Error::invalid_package(
                    reference,
                    format!("command `{}` runs a module it does not have", command.name),
                ));
            }
        }
        if self.modules.is_empty() {
            return Err(Error::invalid_package(reference, "it has no module"));
        }
        Ok(())
    }
}

/// Bounds on what a registry may make Wisp download.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The largest manifest, in bytes.
    pub manifest_bytes: u64,
    /// The largest config blob, in bytes.
    pub config_bytes: u64,
    /// The most layers.
    pub layers: usize,
    /// The largest layer, in bytes.
    pub layer_bytes: u64,
}

impl Default for Limits {
    /// 4 MiB manifests, 1 MiB configs, 64 layers of at most 512 MiB.
    fn default() -> Self {
        Self { manifest_bytes: 4 << 20, config_bytes: 1 << 20, layers: 64, layer_bytes: 512 << 20 }
    }
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RawManifest {
    pub schema_version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    pub config: RawDescriptor,
    pub layers: Vec<RawDescriptor>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RawDescriptor {
    pub media_type: String,
    pub digest: String,
    pub size: u64,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

/// A checked content descriptor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Descriptor {
    /// The media type.
    pub media_type: String,
    /// The content's digest.
    pub digest: Digest,
    /// The content's size, in bytes.
    pub size: u64,
    /// Its annotations (`org.opencontainers.image.title`, …).
    pub annotations: BTreeMap<String, String>,
}

/// A checked manifest of a Wasm artifact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// The manifest's own digest.
    pub digest: Digest,
    /// Its size, in bytes.
    pub size: u64,
    /// The config blob.
    pub config: Descriptor,
    /// The layers, in order.
    pub layers: Vec<Descriptor>,
    /// The manifest's annotations.
    pub annotations: BTreeMap<String, String>,
    /// Its format.
    pub format: Format,
}

impl Manifest {
    /// Checks the manifest `bytes` of `reference` against `limits` and
    /// the formats Wisp runs.
    pub fn parse(bytes: &[u8], reference: &str, limits: &Limits) -> Result<Self> {
        if bytes.len() as u64 > limits.manifest_bytes {
            return Err(ErrorKind::TooLarge {
                what: format!("the manifest of {reference} ({} bytes)", bytes.len()),
                limit: limits.manifest_bytes,
            }
            .into());
        }
        let raw: RawManifest = serde_json::from_slice(bytes).map_err(|e| {
            Error::invalid_package(reference, format!("its manifest is not valid JSON ({e})"))
        })?;
        if raw.schema_version != 2 {
            return Err(Error::invalid_package(
                reference,
                format!("manifest schema version {} (expected 2)", raw.schema_version),
            ));
        }
        if let Some(media_type) = raw.media_type.as_deref().filter(|&t| t != MANIFEST_MEDIA_TYPE) {
            return Err(Error::invalid_package(
                reference,
                format!("unknown manifest media type `{media_type}`"),
            ));
        }
        let config = descriptor(reference, raw.config, limits.config_bytes, "config")?;
        let format = match config.media_type.as_str() {
            WASM_CONFIG_MEDIA_TYPE => Format::WasmV0,
            PACKAGE_CONFIG_MEDIA_TYPE => Format::Package,
            other => {
                return Err(Error::invalid_package(
                    reference,
                    format!(
                        "unknown config media type `{other}` (expected `{WASM_CONFIG_MEDIA_TYPE}` \
                         or `{PACKAGE_CONFIG_MEDIA_TYPE}`)"
                    ),
                ));
            }
        };
        if raw.layers.len() > limits.layers {
            return Err(ErrorKind::TooLarge {
                what: format!("the layer count of {reference} ({})", raw.layers.len()),
                limit: limits.layers as u64,
            }
            .into());
        }
        let layers = raw
            .layers
            .into_iter()
            .map(|layer| descriptor(reference, layer, limits.layer_bytes, "layer"))
            .collect::<Result<Vec<_>>>()?;
        let known = |t: &str| {
            t == WASM_LAYER_MEDIA_TYPE || (format == Format::Package && t == FILES_LAYER_MEDIA_TYPE)
        };
        if let Some(layer) = layers.iter().find(|l| !known(&l.media_type)) {
            return Err(Error::invalid_package(
                reference,
                format!("unknown layer media type `{}`", layer.media_type),
            ));
        }
        if format == Format::WasmV0 && layers.len() != 1 {
            return Err(Error::invalid_package(
                reference,
                format!(
                    "a Wasm artifact has one `{WASM_LAYER_MEDIA_TYPE}` layer, not {}",
                    layers.len()
                ),
            ));
        }
        Ok(Self {
            digest: Digest::of(bytes),
            size: bytes.len() as u64,
            config,
            layers,
            annotations: raw.annotations,
            format,
        })
    }
}

fn descriptor(reference: &str, raw: RawDescriptor, limit: u64, what: &str) -> Result<Descriptor> {
    let digest = Digest::parse(&raw.digest).ok_or_else(|| {
        Error::invalid_package(
            reference,
            format!("its {what} digest `{}` is not sha256", raw.digest),
        )
    })?;
    if raw.size > limit {
        return Err(ErrorKind::TooLarge {
            what: format!("the {what} {digest} of {reference} ({} bytes)", raw.size),
            limit,
        }
        .into());
    }
    Ok(Descriptor {
        media_type: raw.media_type,
        digest,
        size: raw.size,
        annotations: raw.annotations,
    })
}

/// The config blob of a v0 artifact holding `layers`.
pub(crate) fn wasm_config(layers: &[&Digest], created: &str) -> Vec<u8> {
    let config = serde_json::json!({
        "created": created,
        "architecture": "wasm",
        "os": "wasip1",
        "layerDigests": layers.iter().map(|d| d.to_string()).collect::<Vec<_>>(),
    });
    serde_json::to_vec(&config).unwrap_or_default()
}

/// A blob to upload and describe in a manifest.
#[derive(Debug, Clone)]
pub(crate) struct Blob {
    pub media_type: &'static str,
    pub bytes: Vec<u8>,
    pub digest: Digest,
    pub title: Option<String>,
}

impl Blob {
    pub fn new(media_type: &'static str, bytes: Vec<u8>, title: Option<String>) -> Self {
        Self { media_type, digest: Digest::of(&bytes), bytes, title }
    }

    fn descriptor(&self) -> RawDescriptor {
        let mut annotations = BTreeMap::new();
        if let Some(title) = &self.title {
            annotations.insert("org.opencontainers.image.title".to_string(), title.clone());
        }
        RawDescriptor {
            media_type: self.media_type.to_string(),
            digest: self.digest.to_string(),
            size: self.bytes.len() as u64,
            annotations,
        }
    }
}

/// An OCI image manifest of `config` and `layers`.
pub(crate) fn manifest(
    config: &Blob,
    layers: &[Blob],
    annotations: BTreeMap<String, String>,
) -> Vec<u8> {
    let raw = RawManifest {
        schema_version: 2,
        media_type: Some(MANIFEST_MEDIA_TYPE.to_string()),
        config: config.descriptor(),
        layers: layers.iter().map(Blob::descriptor).collect(),
        annotations,
    };
    serde_json::to_vec(&raw).unwrap_or_default()
}

/// `seconds` since the Unix epoch as an RFC 3339 UTC time.
pub(crate) fn rfc3339(seconds: u64) -> String {
    let days = (seconds / 86400) as i64;
    let rest = seconds % 86400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest / 60 % 60,
        rest % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest_with(config_type: &str, layer_type: &str, size: u64) -> Vec<u8> {
        let d = Digest::of(b"x");
        serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2,
            "mediaType": MANIFEST_MEDIA_TYPE,
            "config": {"mediaType": config_type, "digest": d.to_string(), "size": 2},
            "layers": [{"mediaType": layer_type, "digest": d.to_string(), "size": size}],
        }))
        .unwrap()
    }

    #[test]
    fn v0_artifacts_are_accepted_and_others_named() {
        let limits = Limits::default();
        let ok = manifest_with(WASM_CONFIG_MEDIA_TYPE, WASM_LAYER_MEDIA_TYPE, 10);
        let m = Manifest::parse(&ok, "r", &limits).unwrap();
        assert_eq!(m.layers.len(), 1);
        assert_eq!(m.digest, Digest::of(&ok));

        let e = Manifest::parse(
            &manifest_with("application/x-other", WASM_LAYER_MEDIA_TYPE, 1),
            "r",
            &limits,
        );
        assert!(
            e.unwrap_err().to_string().contains("unknown config media type `application/x-other`")
        );
        let e =
            Manifest::parse(&manifest_with(WASM_CONFIG_MEDIA_TYPE, "text/plain", 1), "r", &limits);
        assert!(e.unwrap_err().to_string().contains("unknown layer media type `text/plain`"));
        let e = Manifest::parse(
            &manifest_with(WASM_CONFIG_MEDIA_TYPE, WASM_LAYER_MEDIA_TYPE, 1 << 40),
            "r",
            &limits,
        );
        assert!(e.unwrap_err().to_string().contains("exceeds the limit"));
        let few = Limits { layers: 0, ..Limits::default() };
        let e = Manifest::parse(&ok, "r", &few).unwrap_err().to_string();
        assert!(e.contains("the layer count of r (1) exceeds the limit of 0"), "{e}");
        let e = Manifest::parse(b"{", "r", &limits).unwrap_err().to_string();
        assert!(e.contains("not valid JSON"), "{e}");
    }

    #[test]
    fn what_wisp_writes_it_reads() {
        let module = Blob::new(WASM_LAYER_MEDIA_TYPE, b"\0asm\x01\0\0\0".to_vec(), None);
        let config = wasm_config(&[&module.digest], &rfc3339(0));
        assert!(String::from_utf8_lossy(&config).contains("\"created\":\"1970-01-01T00:00:00Z\""));
        let config = Blob::new(WASM_CONFIG_MEDIA_TYPE, config, None);
        let bytes = manifest(&config, std::slice::from_ref(&module), BTreeMap::new());
        let m = Manifest::parse(&bytes, "r", &Limits::default()).unwrap();
        assert_eq!(m.layers[0].digest, module.digest);
        assert_eq!(m.format, Format::WasmV0);
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
    }
}
