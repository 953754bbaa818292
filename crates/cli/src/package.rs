//! Packages on the command line: `wisp push`, `wisp pull`, and the package
//! side of `wisp run`, `wisp inspect` and `wisp cache`.
//!
//! An argument that names an existing path is always that file; otherwise
//! one that parses as a package reference is a package.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use wisp::Module;
use wisp_launch::DirGrant;
use wisp_package::config::RegistryConfig;
use wisp_package::progress::Progress;
use wisp_package::reference::{Target, VersionSelector};
use wisp_package::wisp_toml::Capabilities;
use wisp_package::{Cache, Client, Definition, ErrorKind, Package, Reference, Settings};

use crate::errors::EXIT_CODES;
use crate::input::read_module;
use crate::options::FeatureOptions;

/// Where packages come from: shared by every command that reaches a registry.
#[derive(Args, Debug, Clone, Default)]
pub struct PackageOptions {
    /// The registry of `NAMESPACE/NAME` references, for every namespace;
    /// `http://` makes its host plain HTTP (HTTPS otherwise). Overrides
    /// `WISP_REGISTRY` and `~/.config/wisp/config.toml`.
    /// Example: `--registry http://127.0.0.1:5000`.
    #[arg(long, value_name = "URL", help_heading = "Package options")]
    registry: Option<String>,

    /// Never touches the network: packages come from the cache only.
    #[arg(long, help_heading = "Package options")]
    offline: bool,

    /// Asks the registry again what a tag or version names, even if the
    /// cache resolved it recently.
    #[arg(long, help_heading = "Package options", conflicts_with = "offline")]
    refresh: bool,
}

impl PackageOptions {
    /// A package client with the package cache and these options.
    pub fn client(&self) -> Result<Client> {
        let mut settings = Settings::new(RegistryConfig::load(self.registry.as_deref())?);
        settings.offline = self.offline;
        settings.refresh = self.refresh;
        let client = Client::new(settings, Cache::new(cache_dir()?));
        Ok(if crate::progress::enabled() {
            client.with_progress(Box::new(Bar::default()))
        } else {
            client
        })
    }
}

/// The package cache: `packages/` under the compile cache's directory.
pub fn cache_dir() -> Result<PathBuf> {
    let root = crate::cache::dir().context("no cache directory: set WISP_CACHE_DIR or HOME")?;
    Ok(root.join("packages"))
}

/// What a `wisp run` or `wisp inspect` argument names.
pub enum Source {
    /// A module file.
    File(PathBuf),
    /// A package.
    Package(Reference),
}

impl Source {
    /// `arg` as a file if such a path exists, or if it cannot be a package
    /// (no `/`, or it starts or ends like a file path); else as a package.
    pub fn of(arg: &Path) -> Result<Self> {
        let file = || Ok(Source::File(arg.to_path_buf()));
        let Some(text) = arg.to_str() else { return file() };
        let file_like = !text.contains('/')
            || text.starts_with(['.', '/'])
            || [".wasm", ".wat", ".cwisp"].iter().any(|ext| text.ends_with(ext));
        if file_like || arg.exists() {
            return file();
        }
        match text.parse::<Reference>() {
            Ok(reference) => Ok(Source::Package(reference)),
            Err(e) => bail!("`{text}` is not a file, and {e}"),
        }
    }
}

/// Pulls `reference` (from the cache when it can), saying that no file of
/// that name exists either when nothing is found.
pub fn pull(options: &PackageOptions, reference: &Reference) -> Result<Package> {
    pull_with(&options.client()?, reference)
}

fn pull_with(client: &Client, reference: &Reference) -> Result<Package> {
    client.pull(reference).map_err(|e| {
        let nothing =
            matches!(e.kind(), ErrorKind::PackageNotFound { .. } | ErrorKind::NoRegistry { .. });
        let e = anyhow::Error::from(e);
        if nothing { e.context(format!("no file `{reference}`")) } else { e }
    })
}

/// What `wisp run` needs from a package.
pub struct Launch {
    /// The module's binary.
    pub module: Vec<u8>,
    /// The command's arguments, put before the user's.
    pub args: Vec<String>,
    /// The package's files, granted read-only at their guest paths.
    pub files: Vec<DirGrant>,
    /// What the package asks for (and is not granted by this).
    pub asked: Capabilities,
}

/// Pulls `reference` and picks the module to run: `command`'s, else the
/// first command's, else the first module.
pub fn prepare(
    options: &PackageOptions,
    reference: &Reference,
    command: Option<&str>,
) -> Result<Launch> {
    let client = options.client()?;
    let package = pull_with(&client, reference)?;
    let (module, args) = package.entry(command).map_err(anyhow::Error::msg)?;
    if Module::is_artifact(&module.bytes) {
        // Loading an artifact is trusting it; a registry is not trusted.
        bail!(
            "{}: the package holds a precompiled artifact, which Wisp only loads from files",
            package.reference
        );
    }
    let files = client.files(&package)?;
    Ok(Launch {
        module: module.bytes.clone(),
        args,
        files: files.into_iter().map(|(guest, host)| DirGrant { host, guest }).collect(),
        asked: package.capabilities(),
    })
}

/// What `push` and `publish` share: how modules are validated, where
/// they go, and whether a version may be replaced.
#[derive(Args, Debug)]
struct UploadOptions {
    #[command(flatten)]
    features: FeatureOptions,

    #[command(flatten)]
    package: PackageOptions,

    /// Replaces the version if the registry already has it.
    #[arg(long)]
    force: bool,
}

impl UploadOptions {
    /// Checks `wasm` (called `name` in the error) before anything is uploaded.
    fn validate(&self, name: &str, wasm: &[u8]) -> Result<()> {
        let engine = self.features.engine()?;
        Module::validate(&engine, wasm).with_context(|| name.to_string())
    }
}

/// Pushes a module to a registry as a Wasm OCI artifact.
///
/// The module is validated first; nothing is uploaded if it is invalid.
/// REF names one version: `NAMESPACE/NAME@VERSION` on the default
/// registry, or `HOST[:PORT]/REPOSITORY:TAG`. Prints the reference and
/// the manifest digest.
///
/// Example: `wisp push --registry http://127.0.0.1:5000 hello.wasm acme/hello@1.0.0`.
#[derive(Args, Debug)]
#[command(after_help = EXIT_CODES)]
pub struct PushCommand {
    #[command(flatten)]
    upload: UploadOptions,

    /// The module, `.wasm` or `.wat`. Example: `hello.wasm`.
    #[arg(value_name = "FILE")]
    file: PathBuf,

    /// Where to push. Example: `acme/hello@1.0.0`.
    #[arg(value_name = "REF")]
    reference: String,
}

impl PushCommand {
    pub fn execute(self, out: &mut impl Write) -> Result<ExitCode> {
        let reference: Reference = self.reference.parse()?;
        let wasm = read_module(&self.file)?;
        self.upload.validate(&self.file.display().to_string(), &wasm)?;
        let pushed = self.upload.package.client()?.push(&wasm, &reference, self.upload.force)?;
        writeln!(out, "pushed: {}", pushed.reference)?;
        writeln!(out, "digest: {}", pushed.digest)?;
        Ok(ExitCode::SUCCESS)
    }
}

/// Pulls a package into the cache and prints its digest.
///
/// Example: `wisp pull acme/hello@1`.
#[derive(Args, Debug)]
#[command(after_help = EXIT_CODES)]
pub struct PullCommand {
    #[command(flatten)]
    package: PackageOptions,

    /// The package. Example: `acme/hello@1`.
    #[arg(value_name = "REF")]
    reference: String,
}

impl PullCommand {
    pub fn execute(self, out: &mut impl Write) -> Result<ExitCode> {
        let reference: Reference = self.reference.parse()?;
        let package = pull(&self.package, &reference)?;
        writeln!(out, "{}", package.digest)?;
        Ok(ExitCode::SUCCESS)
    }
}

/// `wisp inspect REF` for a package.
pub fn inspect(
    options: &PackageOptions,
    reference: &Reference,
    out: &mut impl Write,
) -> Result<()> {
    let package = pull(options, reference)?;
    let repository = package.reference.repository_url();
    writeln!(out, "package: {repository}")?;
    writeln!(out, "version: {}", package.version.as_deref().unwrap_or("(by digest)"))?;
    writeln!(out, "digest: {}", package.digest)?;
    writeln!(out, "size: {} bytes", package.size)?;
    match &package.config {
        None => writeln!(out, "format: Wasm OCI artifact (TAG v0)")?,
        Some(config) => {
            writeln!(out, "format: Wisp package")?;
            for (label, value) in [
                ("description", &config.description),
                ("license", &config.license),
                ("repository", &config.repository),
            ] {
                if let Some(value) = value {
                    writeln!(out, "{label}: {value}")?;
                }
            }
        }
    }
    writeln!(out, "modules:")?;
    for module in &package.modules {
        writeln!(out, "  {} ({} bytes, {})", module.name, module.bytes.len(), module.digest)?;
    }
    let commands = package.commands();
    if commands.is_empty() {
        writeln!(out, "commands: none")?;
    } else {
        writeln!(out, "commands:")?;
        for command in commands {
            let args = if command.args.is_empty() {
                String::new()
            } else {
                format!(" {}", command.args.join(" "))
            };
            writeln!(out, "  {}: {}{args}", command.name, command.module)?;
        }
    }
    let fs = package.config.as_ref().map(|c| c.fs.as_slice()).unwrap_or_default();
    if fs.is_empty() {
        writeln!(out, "files: none")?;
    } else {
        writeln!(out, "files:")?;
        for files in fs {
            writeln!(out, "  {} (read-only, {})", files.name, files.digest)?;
        }
    }
    writeln!(out, "capabilities asked for: {}", package.capabilities().describe())?;
    Ok(())
}

/// Publishes the package in a directory, described by its `wisp.toml`.
///
/// Checks the file and validates every module before anything is
/// uploaded; the version is the tag, and an existing version is replaced
/// only with `--force`. One module with no commands, files or
/// capabilities is published as a plain Wasm OCI artifact (TAG v0).
///
/// Example: `wisp publish --registry http://127.0.0.1:5000 ./wordcount`.
#[derive(Args, Debug)]
#[command(after_help = EXIT_CODES)]
pub struct PublishCommand {
    #[command(flatten)]
    upload: UploadOptions,

    /// The directory holding `wisp.toml`. Example: `./wordcount`.
    #[arg(value_name = "DIR", default_value = ".")]
    dir: PathBuf,
}

impl PublishCommand {
    pub fn execute(self, out: &mut impl Write) -> Result<ExitCode> {
        let definition = Definition::load(&self.dir)?;
        for (name, bytes) in &definition.modules {
            self.upload.validate(&format!("module `{name}`"), bytes)?;
        }
        let published = self.upload.package.client()?.publish(&definition, self.upload.force)?;
        writeln!(out, "published: {}", published.reference)?;
        writeln!(out, "digest: {}", published.digest)?;
        Ok(ExitCode::SUCCESS)
    }
}

/// `wisp cache packages`: one line per cached reference.
pub fn list_cached(out: &mut impl Write) -> Result<()> {
    let cache = Cache::new(cache_dir()?);
    let records = cache.records();
    if records.is_empty() {
        writeln!(out, "no packages in {}", cache.root().display())?;
    }
    for record in records {
        writeln!(out, "{} {}", record.reference, record.digest)?;
    }
    Ok(())
}

/// `wisp cache remove REF`: forgets the matching references and deletes
/// the blobs no other reference needs. `NAMESPACE/NAME` or `HOST/REPO`
/// alone means every version.
pub fn remove_cached(options: &PackageOptions, text: &str, out: &mut impl Write) -> Result<()> {
    let cache = Cache::new(cache_dir()?);
    let reference: Reference = text.parse()?;
    let (repository, wanted) = match &reference {
        Reference::Named(named) => {
            let config = RegistryConfig::load(options.registry.as_deref())?;
            let wanted = match &named.version {
                VersionSelector::Latest => Wanted::All,
                VersionSelector::Requirement(_, req) => Wanted::Matching(req.clone()),
                VersionSelector::Digest(digest) => Wanted::Digest(digest.to_string()),
            };
            (config.locate(named)?.repository_url(), wanted)
        }
        Reference::Oci(oci) => {
            let named_target = text[oci.registry.len()..].contains([':', '@']);
            let wanted = match &oci.target {
                _ if !named_target => Wanted::All,
                Target::Tag(tag) => Wanted::Tag(tag.clone()),
                Target::Digest(digest) => Wanted::Digest(digest.to_string()),
            };
            (oci.repository_url(), wanted)
        }
    };
    let removed = cache.remove(|record| {
        let Some(rest) = record.reference.strip_prefix(&repository) else { return false };
        let Some(target) = rest.strip_prefix(':').or_else(|| rest.strip_prefix('@')) else {
            return false;
        };
        match &wanted {
            Wanted::All => true,
            Wanted::Tag(tag) => target == tag,
            Wanted::Digest(digest) => &record.digest == digest,
            Wanted::Matching(req) => semver::Version::parse(target.trim_start_matches('v'))
                .is_ok_and(|v| req.matches(&v)),
        }
    })?;
    if removed.is_empty() {
        bail!("no cached package matches `{text}`; `wisp cache packages` lists them");
    }
    for record in &removed {
        writeln!(out, "removed {}", record.reference)?;
    }
    Ok(())
}

/// Which cached references of a repository `wisp cache remove` takes.
enum Wanted {
    All,
    Tag(String),
    Digest(String),
    Matching(semver::VersionReq),
}

/// A progress bar on stderr.
#[derive(Default)]
struct Bar {
    bar: std::cell::RefCell<Option<ProgressBar>>,
}

impl Progress for Bar {
    fn start(&self, label: &str, total: u64) {
        let bar = ProgressBar::new(total);
        if let Ok(style) = ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes}") {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(label.to_string());
        *self.bar.borrow_mut() = Some(bar);
    }

    fn advance(&self, bytes: u64) {
        if let Some(bar) = &*self.bar.borrow() {
            bar.inc(bytes);
        }
    }

    fn finish(&self) {
        if let Some(bar) = self.bar.borrow_mut().take() {
            bar.finish_and_clear();
        }
    }
}
