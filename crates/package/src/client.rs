//! The package client: resolves references, pulls packages into the cache
//! and pushes modules, over `oci-client`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use futures_util::StreamExt;
use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::errors::{OciDistributionError, OciErrorCode};
use oci_client::manifest::OciDescriptor;
use oci_client::secrets::RegistryAuth;
use semver::Version;

use crate::cache::{Cache, now};
use crate::config::RegistryConfig;
use crate::credentials::Credentials;
use crate::digest::Digest;
use crate::error::{Error, ErrorKind, Result};
use crate::manifest::{
    Blob, FILES_LAYER_MEDIA_TYPE, Format, Limits, MANIFEST_MEDIA_TYPE, Manifest, NamedLayer,
    PACKAGE_CONFIG_MEDIA_TYPE, PackageConfig, WASM_CONFIG_MEDIA_TYPE, WASM_LAYER_MEDIA_TYPE,
    manifest, rfc3339, wasm_config,
};
use crate::package::{Package, PackageModule};
use crate::progress::{NoProgress, Progress};
use crate::reference::{NamedReference, OciReference, Reference, Target, VersionSelector};
use crate::wisp_toml::Definition;

/// How long a tag's resolution is trusted before the registry is asked
/// again, unless [`Settings::refresh`] or [`Settings::offline`] say otherwise.
pub const DEFAULT_TTL: Duration = Duration::from_secs(10 * 60);

/// How a [`Client`] behaves.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The registries of `NS/NAME` references, and which hosts are plain HTTP.
    pub registries: RegistryConfig,
    /// Never touch the network: everything comes from the cache.
    pub offline: bool,
    /// Ask the registry again even when a cached resolution is fresh.
    pub refresh: bool,
    /// How long cached tag resolutions stay fresh.
    pub ttl: Duration,
    /// Bounds on downloads.
    pub limits: Limits,
}

impl Settings {
    /// Online, with [`DEFAULT_TTL`] and default limits.
    pub fn new(registries: RegistryConfig) -> Self {
        Self {
            registries,
            offline: false,
            refresh: false,
            ttl: DEFAULT_TTL,
            limits: Limits::default(),
        }
    }
}

/// A reference resolved to one manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The repository and the manifest digest.
    pub reference: OciReference,
    /// The tag it was found by, if any (for `NS/NAME@REQ`, the version).
    pub tag: Option<String>,
    /// The registry was asked what the tag names (rather than the cache).
    pub fetched: bool,
}

/// What a push wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pushed {
    /// The tag that now names the package.
    pub reference: OciReference,
    /// The manifest's digest.
    pub digest: Digest,
}

/// Pulls packages into a verified cache and pushes modules to registries.
pub struct Client {
    settings: Settings,
    cache: Cache,
    progress: Box<dyn Progress>,
    remote: std::cell::OnceCell<Remote>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("settings", &self.settings)
            .field("cache", &self.cache)
            .finish()
    }
}

/// The network side, made on first use so that cached runs never pay for it.
struct Remote {
    runtime: tokio::runtime::Runtime,
    oci: oci_client::Client,
}

impl Client {
    /// A client whose cache is `cache` (usually `packages/` under the
    /// compile cache's root).
    pub fn new(settings: Settings, cache: Cache) -> Self {
        Self { settings, cache, progress: Box::new(NoProgress), remote: std::cell::OnceCell::new() }
    }

    /// Reports downloads and uploads to `progress`.
    pub fn with_progress(mut self, progress: Box<dyn Progress>) -> Self {
        self.progress = progress;
        self
    }

    /// The cache.
    pub fn cache(&self) -> &Cache {
        &self.cache
    }

    fn remote(&self) -> Result<&Remote> {
        if let Some(remote) = self.remote.get() {
            return Ok(remote);
        }
        // Several providers may be compiled in; say which one, once.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .build()
            .map_err(|e| ErrorKind::Registry { registry: "-".into(), reason: e.to_string() })?;
        let plain = self.settings.registries.plain_http_hosts();
        let config = ClientConfig {
            protocol: ClientProtocol::HttpsExcept(plain),
            platform_resolver: None,
            use_monolithic_push: true,
            connect_timeout: Some(Duration::from_secs(10)),
            read_timeout: Some(Duration::from_secs(60)),
            user_agent: concat!("wisp/", env!("CARGO_PKG_VERSION")),
            ..ClientConfig::default()
        };
        let oci = oci_client::Client::new(config);
        Ok(self.remote.get_or_init(|| Remote { runtime, oci }))
    }

    fn online(&self, reference: &dyn std::fmt::Display) -> Result<&Remote> {
        if self.settings.offline {
            return Err(ErrorKind::Offline { reference: reference.to_string() }.into());
        }
        self.remote()
    }

    /// Resolves `reference` to a manifest digest: a tag through the cache
    /// (while fresh) or the registry, `NS/NAME@REQ` by listing the tags.
    pub fn resolve(&self, reference: &Reference) -> Result<Resolved> {
        match reference {
            Reference::Named(named) => self.resolve_named(named),
            Reference::Oci(oci) => match &oci.target {
                Target::Digest(_) => {
                    Ok(Resolved { reference: oci.clone(), tag: None, fetched: false })
                }
                Target::Tag(tag) => {
                    let (digest, fetched) = self.resolve_tag(oci, &oci.to_string())?;
                    Ok(Resolved {
                        reference: oci.with_target(Target::Digest(digest)),
                        tag: Some(tag.clone()),
                        fetched,
                    })
                }
            },
        }
    }

    fn resolve_named(&self, named: &NamedReference) -> Result<Resolved> {
        let located = self.settings.registries.locate(named)?;
        if let VersionSelector::Digest(_) = named.version {
            return Ok(Resolved { reference: located, tag: None, fetched: false });
        }
        let tags = self.tags(&located, &named.to_string())?;
        let Some(tag) = choose_version(&tags, &named.version) else {
            let wanted = match &named.version {
                VersionSelector::Requirement(text, _) => format!("versions matching {text}"),
                _ => "a release version".to_string(),
            };
            return Err(ErrorKind::VersionNotFound {
                reference: named.to_string(),
                tried: format!("{} ({wanted})", located.repository_url()),
                available: sorted_versions(&tags),
            }
            .into());
        };
        let tagged = located.with_target(Target::Tag(tag.clone()));
        let (digest, fetched) = self.resolve_tag(&tagged, &named.to_string())?;
        Ok(Resolved {
            reference: located.with_target(Target::Digest(digest)),
            tag: Some(tag),
            fetched,
        })
    }

    /// The tags of `repository`'s repository, from the cache while fresh.
    fn tags(&self, repository: &OciReference, asked: &str) -> Result<Vec<String>> {
        if let Some(list) = self.cache.tag_list(repository)
            && (self.settings.offline || (!self.settings.refresh && self.is_fresh(list.fetched)))
        {
            return Ok(list.tags);
        }
        let remote = self.online(&asked)?;
        let image = oci_reference(repository);
        let auth = self.auth(&repository.registry)?;
        let registry = &repository.registry;
        let mut tags: Vec<String> = Vec::new();
        // Registries page their tag lists; a bounded number of pages.
        for _ in 0..100 {
            let last = tags.last().cloned();
            let page = remote
                .runtime
                .block_on(remote.oci.list_tags(&image, &auth.0, Some(1000), last.as_deref()))
                .map_err(|e| match classify(e, registry, &auth.1) {
                    Classified::NotFound => ErrorKind::PackageNotFound {
                        reference: asked.to_string(),
                        tried: repository.repository_url(),
                    }
                    .into(),
                    Classified::Other(e) => e,
                })?;
            let count = page.tags.len();
            tags.extend(page.tags);
            if count < 1000 {
                break;
            }
        }
        // A cache that cannot be written only costs another listing.
        let _ = self.cache.set_tag_list(repository, &tags);
        Ok(tags)
    }

    fn is_fresh(&self, fetched: u64) -> bool {
        now().saturating_sub(fetched) < self.settings.ttl.as_secs()
    }

    /// The manifest digest `tagged` names, from the cache while fresh.
    /// Also says whether the registry was asked.
    fn resolve_tag(&self, tagged: &OciReference, asked: &str) -> Result<(Digest, bool)> {
        if let Some(record) = self.cache.record(tagged) {
            let fresh = !self.settings.refresh && self.is_fresh(record.fetched);
            if let Some(digest) = Digest::parse(&record.digest)
                && (self.settings.offline || fresh)
            {
                return Ok((digest, false));
            }
        }
        let (bytes, digest) = self.fetch_manifest(tagged, asked)?;
        // The manifest comes with the answer: keep it, it is needed next.
        Manifest::parse(&bytes, &tagged.to_string(), &self.settings.limits)?;
        if !self.cache.has_blob(&digest)? {
            self.cache.write_blob(&digest, &bytes)?;
        }
        Ok((digest, true))
    }

    /// Fetches the manifest `reference` names; its digest is computed here.
    fn fetch_manifest(&self, reference: &OciReference, asked: &str) -> Result<(Vec<u8>, Digest)> {
        let remote = self.online(&asked)?;
        let auth = self.auth(&reference.registry)?;
        let image = oci_reference(reference);
        let answer = remote.runtime.block_on(remote.oci.pull_manifest_raw(
            &image,
            &auth.0,
            &[MANIFEST_MEDIA_TYPE],
        ));
        let (bytes, _) = match answer {
            Ok(answer) => answer,
            Err(e) => {
                return Err(match classify(e, &reference.registry, &auth.1) {
                    Classified::NotFound => self.not_found(reference, asked),
                    Classified::Other(e) => e,
                });
            }
        };
        if bytes.len() as u64 > self.settings.limits.manifest_bytes {
            return Err(ErrorKind::TooLarge {
                what: format!("the manifest of {reference} ({} bytes)", bytes.len()),
                limit: self.settings.limits.manifest_bytes,
            }
            .into());
        }
        let digest = Digest::of(&bytes);
        if let Target::Digest(expected) = &reference.target
            && *expected != digest
        {
            return Err(ErrorKind::Integrity {
                digest: expected.to_string(),
                reason: format!("the registry's manifest hashes to {digest}"),
            }
            .into());
        }
        Ok((bytes.to_vec(), digest))
    }

    /// The error for a tag or digest that the registry does not have:
    /// which versions it does have, if the repository exists.
    fn not_found(&self, reference: &OciReference, asked: &str) -> Error {
        match self.tags(reference, asked) {
            Ok(tags) => ErrorKind::VersionNotFound {
                reference: asked.to_string(),
                tried: reference.to_string(),
                available: sorted_versions(&tags),
            }
            .into(),
            Err(e) => e,
        }
    }

    /// Pulls `reference` into the cache (what is there already is checked,
    /// not fetched again) and returns the package, its bytes verified.
    pub fn pull(&self, reference: &Reference) -> Result<Package> {
        let resolved = self.resolve(reference)?;
        let Target::Digest(digest) = resolved.reference.target.clone() else {
            return Err(Error::invalid_reference(&reference.to_string(), "it names no digest"));
        };
        let shown = reference.to_string();
        let (manifest_bytes, manifest_cached) = match self.cache.read_blob(&digest)? {
            Some(bytes) => (bytes, true),
            None => (self.fetch_manifest(&resolved.reference, &shown)?.0, false),
        };
        let manifest = Manifest::parse(&manifest_bytes, &shown, &self.settings.limits)?;

        let config = self.blob(&resolved.reference, &manifest.config, &shown)?;
        let config = match manifest.format {
            Format::WasmV0 => {
                let object =
                    serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(&config);
                if object.is_err() {
                    return Err(Error::invalid_package(&shown, "its config is not a JSON object"));
                }
                None
            }
            Format::Package => {
                let config: PackageConfig = serde_json::from_slice(&config).map_err(|e| {
                    Error::invalid_package(&shown, format!("its package config is invalid ({e})"))
                })?;
                config.check(&manifest, &shown)?;
                Some(config)
            }
        };
        let mut modules = Vec::new();
        for layer in &manifest.layers {
            let bytes = self.blob(&resolved.reference, layer, &shown)?;
            if layer.media_type != WASM_LAYER_MEDIA_TYPE {
                continue;
            }
            let named =
                config.iter().flat_map(|c| &c.modules).find(|m| m.digest == layer.digest.as_str());
            let name = match named {
                Some(module) => module.name.clone(),
                None => layer
                    .annotations
                    .get("org.opencontainers.image.title")
                    .map(|t| t.trim_end_matches(".wasm").to_string())
                    .unwrap_or_else(|| "main".to_string()),
            };
            modules.push(PackageModule { name, digest: layer.digest.clone(), bytes });
        }
        // Only now, with every blob in place, do the records name it. A
        // warm run writes nothing (and a cached tag keeps its age).
        if !manifest_cached {
            self.cache.write_blob(&digest, &manifest_bytes)?;
        }
        let named = match &resolved.tag {
            Some(tag) => resolved.reference.with_target(Target::Tag(tag.clone())),
            None => resolved.reference.clone(),
        };
        let recorded = self.cache.record(&named).is_some_and(|r| r.digest == digest.as_str());
        if resolved.fetched || !recorded {
            self.cache.set_record(&named, &digest)?;
        }
        Ok(Package {
            reference: resolved.reference,
            version: resolved.tag,
            digest,
            size: manifest.size
                + manifest.config.size
                + manifest.layers.iter().map(|l| l.size).sum::<u64>(),
            manifest,
            modules,
            config,
        })
    }

    /// The blob `descriptor` of `repository`: from the cache (hashed again)
    /// or streamed from the registry into it.
    fn blob(
        &self,
        repository: &OciReference,
        descriptor: &crate::manifest::Descriptor,
        asked: &str,
    ) -> Result<Vec<u8>> {
        if let Some(bytes) = self.cache.read_blob(&descriptor.digest)?
            && bytes.len() as u64 == descriptor.size
        {
            return Ok(bytes);
        }
        let remote = self.online(&asked)?;
        let auth = self.auth(&repository.registry)?;
        let image = oci_reference(repository);
        // Only digest, size and media type: never `urls`, which could send
        // the request (and credentials) elsewhere.
        let wanted = OciDescriptor {
            media_type: descriptor.media_type.clone(),
            digest: descriptor.digest.to_string(),
            size: descriptor.size as i64,
            ..OciDescriptor::default()
        };
        let mut writer = self.cache.blob_writer(&descriptor.digest, descriptor.size)?;
        let registry = &repository.registry;
        remote
            .runtime
            .block_on(async {
                remote.oci.store_auth_if_needed(image.resolve_registry(), &auth.0).await;
                let mut stream =
                    remote.oci.pull_blob_stream(&image, &wanted).await.map_err(|e| {
                        classify(e, registry, &auth.1).into_error(|| {
                            ErrorKind::Integrity {
                                digest: descriptor.digest.to_string(),
                                reason: "the registry does not have it".into(),
                            }
                            .into()
                        })
                    })?;
                self.progress
                    .start(&format!("{asked} {}", short(&descriptor.digest)), descriptor.size);
                while let Some(chunk) = stream.next().await {
                    match chunk {
                        Ok(bytes) => {
                            writer.write(&bytes)?;
                            self.progress.advance(bytes.len() as u64);
                        }
                        // oci-client checks the digest itself at the end; our
                        // own check below says it better.
                        Err(_) if writer.written() == descriptor.size => break,
                        Err(e) => {
                            return Err(Error::from(ErrorKind::Unreachable {
                                registry: registry.clone(),
                                reason: format!(
                                    "the connection failed after {} of {} bytes of {}: {}",
                                    writer.written(),
                                    descriptor.size,
                                    descriptor.digest,
                                    one_line(&e)
                                ),
                            }));
                        }
                    }
                }
                Ok(())
            })
            .inspect_err(|_| self.progress.finish())?;
        self.progress.finish();
        writer.finish()?;
        self.cache.read_blob(&descriptor.digest)?.ok_or_else(|| {
            Error::cache(
                self.cache.blob_path(&descriptor.digest),
                std::io::ErrorKind::NotFound.into(),
            )
        })
    }

    /// Pushes the module `wasm` as a Wasm OCI artifact (TAG v0) to
    /// `reference`, which names one version: `NS/NAME@VERSION` or a full
    /// reference with a tag. An existing tag is replaced only with `force`.
    pub fn push(&self, wasm: &[u8], reference: &Reference, force: bool) -> Result<Pushed> {
        let target = self.push_target(reference)?;
        if !wasm.starts_with(b"\0asm") {
            return Err(Error::invalid_package(
                reference,
                "the module is not a WebAssembly binary",
            ));
        }
        let module = Blob::new(WASM_LAYER_MEDIA_TYPE, wasm.to_vec(), None);
        let config = wasm_config(&[&module.digest], &rfc3339(now()));
        let config = Blob::new(WASM_CONFIG_MEDIA_TYPE, config, None);
        self.upload(&target, &reference.to_string(), config, vec![module], force)
    }

    /// Publishes the package `definition` (already checked, its modules
    /// validated by the caller) with its version as the tag: as a TAG v0
    /// artifact when it is one module and nothing else, as a Wisp package
    /// otherwise. An existing version is replaced only with `force`.
    pub fn publish(&self, definition: &Definition, force: bool) -> Result<Pushed> {
        let toml = &definition.toml;
        let text = format!("{}@{}", toml.package.name, toml.package.version);
        let reference: Reference = text.parse()?;
        if definition.is_single_module() {
            return self.push(&definition.modules[0].1, &reference, force);
        }
        let target = self.push_target(&reference)?;
        let mut layers = Vec::new();
        let mut modules = Vec::new();
        for (name, bytes) in &definition.modules {
            let blob =
                Blob::new(WASM_LAYER_MEDIA_TYPE, bytes.clone(), Some(format!("{name}.wasm")));
            modules.push(NamedLayer { name: name.clone(), digest: blob.digest.to_string() });
            layers.push(blob);
        }
        let mut fs = Vec::new();
        for (guest, dir) in &definition.files {
            let blob = Blob::new(FILES_LAYER_MEDIA_TYPE, crate::files::pack(dir)?, None);
            fs.push(NamedLayer { name: guest.clone(), digest: blob.digest.to_string() });
            layers.push(blob);
        }
        let config = PackageConfig {
            name: toml.package.name.clone(),
            version: toml.package.version.clone(),
            description: toml.package.description.clone(),
            license: toml.package.license.clone(),
            repository: toml.package.repository.clone(),
            modules,
            commands: toml.commands.clone(),
            fs,
            capabilities: toml.capabilities.clone(),
        };
        let config = serde_json::to_vec(&config).unwrap_or_default();
        let config = Blob::new(PACKAGE_CONFIG_MEDIA_TYPE, config, None);
        self.upload(&target, &text, config, layers, force)
    }

    /// Uploads `layers`, then `config`, then the manifest naming them,
    /// tagged `target`.
    fn upload(
        &self,
        target: &OciReference,
        shown: &str,
        config: Blob,
        layers: Vec<Blob>,
        force: bool,
    ) -> Result<Pushed> {
        if !force {
            match self.fetch_manifest(target, shown) {
                Ok(_) => {
                    return Err(ErrorKind::VersionExists { reference: target.to_string() }.into());
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        ErrorKind::VersionNotFound { .. } | ErrorKind::PackageNotFound { .. }
                    ) => {}
                Err(e) => return Err(e),
            }
        }
        let remote = self.online(&shown)?;
        let auth = self.auth(&target.registry)?;
        let image = oci_reference(target);
        let mut annotations = BTreeMap::new();
        annotations.insert("org.opencontainers.image.created".to_string(), rfc3339(now()));
        if let Target::Tag(tag) = &target.target
            && Version::parse(tag).is_ok()
        {
            annotations.insert("org.opencontainers.image.version".to_string(), tag.clone());
        }
        let manifest = manifest(&config, &layers, annotations);
        let digest = Digest::of(&manifest);
        let registry = &target.registry;
        let fail = |e: OciDistributionError| {
            classify(e, registry, &auth.1).into_error(|| {
                ErrorKind::Registry { registry: registry.clone(), reason: "not found".into() }
                    .into()
            })
        };
        remote.runtime.block_on(async {
            // The oci-client authenticates pushes per request; `store_auth`
            // makes the credentials known before the first one.
            remote.oci.store_auth_if_needed(image.resolve_registry(), &auth.0).await;
            for blob in layers.iter().chain([&config]) {
                let exists =
                    remote.oci.blob_exists(&image, blob.digest.as_str()).await.map_err(fail)?;
                if !exists {
                    let size = blob.bytes.len() as u64;
                    self.progress.start(&format!("{shown} {}", short(&blob.digest)), size);
                    let pushed = remote
                        .oci
                        .push_blob(&image, blob.bytes.clone(), blob.digest.as_str())
                        .await;
                    self.progress.advance(size);
                    self.progress.finish();
                    pushed.map_err(fail)?;
                }
            }
            let content_type = http_header(MANIFEST_MEDIA_TYPE);
            remote
                .oci
                .push_manifest_raw(&image, manifest.clone(), content_type)
                .await
                .map_err(fail)?;
            Ok::<(), Error>(())
        })?;
        Ok(Pushed { reference: target.clone(), digest })
    }

    /// The read-only file trees of `package`: each guest path with the
    /// directory its layer is unpacked in (under the cache's `files/`,
    /// unpacked once, renamed into place whole).
    pub fn files(&self, package: &Package) -> Result<Vec<(String, PathBuf)>> {
        let Some(config) = &package.config else { return Ok(Vec::new()) };
        let mut mounts = Vec::new();
        for files in &config.fs {
            let Some(digest) = Digest::parse(&files.digest) else {
                return Err(Error::invalid_package(
                    &package.reference,
                    "a file layer digest is not sha256",
                ));
            };
            let dir = self.cache.root().join("files").join(digest.hex());
            if !dir.is_dir() {
                let bytes = self.cache.read_blob(&digest)?.ok_or_else(|| {
                    Error::cache(self.cache.blob_path(&digest), std::io::ErrorKind::NotFound.into())
                })?;
                let tmp = self.cache.root().join("tmp").join(format!(
                    "{}.{}.files",
                    digest.hex(),
                    std::process::id()
                ));
                let _ = std::fs::remove_dir_all(&tmp);
                let unpacked = crate::files::unpack(
                    &bytes,
                    &tmp,
                    self.settings.limits.layer_bytes,
                    &package.reference.to_string(),
                )
                .and_then(|()| {
                    let parent = self.cache.root().join("files");
                    std::fs::create_dir_all(&parent).map_err(|e| Error::cache(&parent, e))?;
                    std::fs::rename(&tmp, &dir).or_else(|e| {
                        // Another process may have put it in place first.
                        if dir.is_dir() { Ok(()) } else { Err(Error::cache(&dir, e)) }
                    })
                });
                if let Err(e) = unpacked {
                    let _ = std::fs::remove_dir_all(&tmp);
                    return Err(e);
                }
                let _ = std::fs::remove_dir_all(&tmp);
            }
            mounts.push((files.name.clone(), dir));
        }
        Ok(mounts)
    }

    /// The tagged reference a push writes to.
    fn push_target(&self, reference: &Reference) -> Result<OciReference> {
        let shown = reference.to_string();
        match reference {
            Reference::Named(named) => {
                let version = match &named.version {
                    VersionSelector::Requirement(text, _) => {
                        Version::parse(text.trim_start_matches('=')).ok()
                    }
                    _ => None,
                };
                let Some(version) = version else {
                    return Err(Error::invalid_reference(
                        &shown,
                        "a push names one exact version: NAMESPACE/NAME@1.2.3",
                    ));
                };
                let located = self.settings.registries.locate(named)?;
                Ok(located.with_target(Target::Tag(version.to_string())))
            }
            Reference::Oci(oci) => match oci.target {
                Target::Tag(_) => Ok(oci.clone()),
                Target::Digest(_) => Err(Error::invalid_reference(
                    &shown,
                    "a push names a tag, not a digest (the digest is computed)",
                )),
            },
        }
    }

    fn auth(&self, registry: &str) -> Result<(RegistryAuth, Option<String>)> {
        let credentials = Credentials::for_host(registry)?;
        let origin = credentials.origin().map(str::to_string);
        let auth = match credentials {
            Credentials::Anonymous => RegistryAuth::Anonymous,
            Credentials::Basic { user, password, .. } => RegistryAuth::Basic(user, password),
            Credentials::Token { token, .. } => RegistryAuth::Bearer(token),
        };
        Ok((auth, origin))
    }
}

fn http_header(value: &'static str) -> http::HeaderValue {
    http::HeaderValue::from_static(value)
}

fn short(digest: &Digest) -> String {
    format!("{}…", &digest.hex()[..12])
}

fn oci_reference(reference: &OciReference) -> oci_client::Reference {
    let (registry, repository) = (reference.registry.clone(), reference.repository.clone());
    match &reference.target {
        Target::Tag(tag) => oci_client::Reference::with_tag(registry, repository, tag.clone()),
        Target::Digest(digest) => {
            oci_client::Reference::with_digest(registry, repository, digest.to_string())
        }
    }
}

/// Highest tag (as semver, a leading `v` allowed) that `selector` accepts.
fn choose_version(tags: &[String], selector: &VersionSelector) -> Option<String> {
    let versions = tags.iter().filter_map(|t| Some((parse_version(t)?, t)));
    let accepted = versions.filter(|(v, _)| match selector {
        VersionSelector::Latest => v.pre.is_empty(),
        VersionSelector::Requirement(_, req) => req.matches(v),
        VersionSelector::Digest(_) => false,
    });
    accepted.max_by(|a, b| a.0.cmp(&b.0)).map(|(_, t)| t.clone())
}

fn parse_version(tag: &str) -> Option<Version> {
    Version::parse(tag.strip_prefix('v').unwrap_or(tag)).ok()
}

/// The tags, versions first in semver order, then the others; at most 30.
fn sorted_versions(tags: &[String]) -> Vec<String> {
    let mut versions: Vec<(Version, &String)> =
        tags.iter().filter_map(|t| Some((parse_version(t)?, t))).collect();
    versions.sort();
    let mut others: Vec<&String> = tags.iter().filter(|t| parse_version(t).is_none()).collect();
    others.sort();
    let mut all: Vec<String> =
        versions.into_iter().map(|(_, t)| t.clone()).chain(others.into_iter().cloned()).collect();
    if all.len() > 30 {
        let more = all.len() - 30;
        all.truncate(30);
        all.push(format!("and {more} more"));
    }
    all
}

enum Classified {
    NotFound,
    Other(Error),
}

impl Classified {
    fn into_error(self, not_found: impl FnOnce() -> Error) -> Error {
        match self {
            Classified::NotFound => not_found(),
            Classified::Other(e) => e,
        }
    }
}

/// Sorts an `oci-client` error into ours; 404s are left to the caller,
/// which knows what was not found.
fn classify(
    error: OciDistributionError,
    registry: &str,
    credentials: &Option<String>,
) -> Classified {
    let unauthorized = || {
        Classified::Other(
            ErrorKind::Unauthorized {
                registry: registry.to_string(),
                credentials: credentials.clone(),
            }
            .into(),
        )
    };
    let other = |reason: String| {
        Classified::Other(ErrorKind::Registry { registry: registry.to_string(), reason }.into())
    };
    match error {
        OciDistributionError::RequestError(e) => {
            let mut reason = one_line(&e);
            if reason.contains("InvalidContentType") || reason.contains("corrupt message") {
                // An HTTPS handshake answered in plain HTTP.
                reason.push_str(" (if it speaks plain HTTP, say so: --registry http://HOST:PORT)");
            }
            Classified::Other(
                ErrorKind::Unreachable { registry: registry.to_string(), reason }.into(),
            )
        }
        OciDistributionError::UnauthorizedError { .. }
        | OciDistributionError::AuthenticationFailure(_) => unauthorized(),
        OciDistributionError::RegistryError { envelope, .. } => {
            let codes: Vec<&OciErrorCode> = envelope.errors.iter().map(|e| &e.code).collect();
            if codes.iter().any(|c| matches!(c, OciErrorCode::Unauthorized | OciErrorCode::Denied))
            {
                unauthorized()
            } else if codes.iter().any(|c| {
                matches!(
                    c,
                    OciErrorCode::NameUnknown
                        | OciErrorCode::ManifestUnknown
                        | OciErrorCode::BlobUnknown
                        | OciErrorCode::NotFound
                )
            }) {
                Classified::NotFound
            } else {
                let messages: Vec<String> =
                    envelope.errors.iter().map(|e| e.message.clone()).collect();
                other(messages.join("; "))
            }
        }
        OciDistributionError::ServerError { code: 404, .. } => Classified::NotFound,
        OciDistributionError::ServerError { code: 401 | 403, .. } => unauthorized(),
        OciDistributionError::ServerError { code, message, .. } => {
            other(format!("HTTP {code}: {}", message.replace('\n', " ")))
        }
        e => other(one_line(&e)),
    }
}

/// An error and its causes on one line, the innermost last, repeats dropped.
fn one_line(error: &dyn std::error::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cause = Some(error);
    while let Some(e) = cause {
        let text = e.to_string().replace('\n', " ");
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        cause = e.source();
    }
    // The last causes say what happened ("Connection refused"); the first
    // ones repeat the URL.
    let keep = parts.len().min(2);
    parts[parts.len() - keep..].join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_highest_matching_release_is_chosen() {
        let all = tags(&["1.0.0", "1.4.2", "1.10.0", "2.0.0-rc.1", "v1.5.0", "latest", "0.9.0"]);
        let req = |r: &str| VersionSelector::Requirement(r.into(), r.parse().unwrap());
        assert_eq!(choose_version(&all, &VersionSelector::Latest).as_deref(), Some("1.10.0"));
        assert_eq!(choose_version(&all, &req("1.4")).as_deref(), Some("1.10.0"));
        assert_eq!(choose_version(&all, &req("~1.4")).as_deref(), Some("1.4.2"));
        assert_eq!(choose_version(&all, &req("=1.4.2")).as_deref(), Some("1.4.2"));
        assert_eq!(choose_version(&all, &req("^1.5")).as_deref(), Some("1.10.0"));
        assert_eq!(choose_version(&all, &req("2")), None);
        assert_eq!(choose_version(&all, &req(">=2.0.0-rc.1")).as_deref(), Some("2.0.0-rc.1"));
        assert_eq!(choose_version(&tags(&["2.0.0-rc.1"]), &VersionSelector::Latest), None);
        assert_eq!(
            sorted_versions(&all),
            tags(&["0.9.0", "1.0.0", "1.4.2", "v1.5.0", "1.10.0", "2.0.0-rc.1", "latest"])
        );
    }
}
