//! Packages against a real registry: `wisp push`, `pull`, `run REF`,
//! `inspect REF` and `cache`, and every way a pull can go wrong.

mod common;

use std::path::Path;
use std::process::Command;

use common::registry::{Registry, have, sha256};
use common::{Run, TempDir, workspace_root};

/// A WASI command that prints `message` and exports `add` for `--invoke`.
fn module(message: &str) -> String {
    format!(
        r#"(module
             (import "wasi_snapshot_preview1" "fd_write"
               (func $fd_write (param i32 i32 i32 i32) (result i32)))
             (memory (export "memory") 1)
             (data (i32.const 64) "{message}\n")
             (func (export "_start")
               (i32.store (i32.const 0) (i32.const 64))
               (i32.store (i32.const 4) (i32.const {len}))
               (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
             (func (export "add") (param i32 i32) (result i32)
               (i32.add (local.get 0) (local.get 1))))"#,
        len = message.len() + 1
    )
}

/// The binary of [`module`].
fn module_binary(message: &str) -> Vec<u8> {
    wat::parse_str(module(message)).unwrap()
}

/// A user of the package commands: a cache, a Docker config and a Wisp
/// config of its own, so that nothing on the machine leaks in.
struct User {
    home: TempDir,
    env: Vec<(String, String)>,
}

impl User {
    fn new() -> Self {
        let home = TempDir::new();
        let env = vec![
            ("HOME".into(), home.path().to_string()),
            ("WISP_CACHE_DIR".into(), format!("{}/cache", home.path())),
            ("DOCKER_CONFIG".into(), format!("{}/docker", home.path())),
            ("WISP_CONFIG".into(), format!("{}/wisp.toml", home.path())),
        ];
        Self { home, env }
    }

    fn with(mut self, name: &str, value: &str) -> Self {
        self.env.push((name.into(), value.into()));
        self
    }

    fn cache(&self) -> std::path::PathBuf {
        Path::new(self.home.path()).join("cache/packages")
    }

    fn file(&self, name: &str, contents: impl AsRef<[u8]>) -> String {
        self.home.file(name, contents)
    }

    fn command<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut command = Command::new(env!("CARGO_BIN_EXE_wisp"));
        command.args(args).current_dir(workspace_root());
        for name in
            ["WISP_REGISTRY", "WISP_REGISTRY_USER", "WISP_REGISTRY_PASSWORD", "WISP_REGISTRY_TOKEN"]
        {
            command.env_remove(name);
        }
        command.envs(self.env.iter().map(|(k, v)| (k, v)));
        command
    }

    fn wisp<I, S>(&self, args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let output = self.command(args).output().expect("wisp runs");
        Run {
            code: output.status.code().expect("wisp exits"),
            stdout: String::from_utf8(output.stdout).unwrap(),
            stderr: String::from_utf8(output.stderr).unwrap(),
        }
    }

    /// Pushes a module printing `message` as `reference`; returns the digest.
    fn push(&self, registry: &Registry, message: &str, reference: &str) -> String {
        let file = self.file(
            &format!("{}.wat", sha256(message.as_bytes())[7..19].to_owned()),
            module(message),
        );
        let run = self.wisp(["push", "--registry", &registry.url(), &file, reference]);
        assert_eq!(run.code, 0, "push {reference}: {}", run.stderr);
        let digest = run.stdout.lines().find_map(|l| l.strip_prefix("digest: ")).unwrap();
        digest.to_string()
    }

    /// Asserts that no download was left half-written and, unless
    /// `records` is set, that no reference was recorded.
    fn assert_cache_clean(&self, records: bool) {
        let cache = self.cache();
        let tmp = std::fs::read_dir(cache.join("tmp")).map_or(0, |d| d.count());
        assert_eq!(tmp, 0, "temporary files left in {}", cache.display());
        if !records {
            let listed = self.wisp(["cache", "packages"]);
            assert!(listed.stdout.starts_with("no packages"), "{}", listed.stdout);
        }
    }
}

#[test]
fn push_then_run_by_name_by_tag_and_by_digest() {
    let Some(registry) = Registry::start() else { return };
    let publisher = User::new();
    let digest = publisher.push(&registry, "hello from 1.0.0", "acme/hello@1.0.0");
    assert!(digest.starts_with("sha256:") && digest.len() == 71, "{digest}");

    let user = User::new().with("WISP_REGISTRY", &registry.url());
    user.wisp(["run", "acme/hello"]).assert_success("hello from 1.0.0\n");
    user.wisp(["run", "acme/hello@1", "--invoke", "add", "2", "3"]).assert_success("5\n");
    let full = format!("{}/acme/hello:1.0.0", registry.host);
    user.wisp(["run", &full]).assert_success("hello from 1.0.0\n");
    let pinned = format!("{}/acme/hello@{digest}", registry.host);
    user.wisp(["run", &pinned]).assert_success("hello from 1.0.0\n");
    user.wisp(["pull", "acme/hello@1.0"]).assert_success(&format!("{digest}\n"));

    let listed = user.wisp(["cache", "packages"]);
    assert!(listed.stdout.contains(&format!("{full} {digest}")), "{}", listed.stdout);
    let inspect = user.wisp(["inspect", "acme/hello"]);
    for line in [
        format!("package: {}/acme/hello", registry.host),
        "version: 1.0.0".into(),
        format!("digest: {digest}"),
        "format: Wasm OCI artifact (TAG v0)".into(),
        "capabilities asked for: none".into(),
    ] {
        assert!(inspect.stdout.contains(&line), "`{line}` missing: {}", inspect.stdout);
    }

    // Once cached, a digest never needs the registry.
    drop(registry);
    user.wisp(["run", &pinned]).assert_success("hello from 1.0.0\n");
    user.wisp(["run", "--offline", "acme/hello@1"]).assert_success("hello from 1.0.0\n");

    let removed = user.wisp(["cache", "remove", "acme/hello"]);
    assert_eq!(removed.code, 0, "{}", removed.stderr);
    assert!(removed.stdout.contains("removed"), "{}", removed.stdout);
    user.assert_cache_clean(false);
    let blobs = std::fs::read_dir(user.cache().join("blobs/sha256")).map_or(0, |d| d.count());
    assert_eq!(blobs, 0, "blobs left after removing the only package");
}

#[test]
fn versions_resolve_by_semver_and_tags_are_cached_for_a_while() {
    let Some(registry) = Registry::start() else { return };
    let publisher = User::new();
    for version in ["1.0.0", "1.2.0", "2.0.0-rc.1", "0.9.0"] {
        publisher.push(&registry, &format!("v{version}"), &format!("acme/tool@{version}"));
    }
    let user = User::new().with("WISP_REGISTRY", &registry.url());
    for (reference, expected) in [
        ("acme/tool", "v1.2.0"),
        ("acme/tool@1", "v1.2.0"),
        ("acme/tool@1.0", "v1.2.0"),
        ("acme/tool@=1.0.0", "v1.0.0"),
        ("acme/tool@~1.0", "v1.0.0"),
        ("acme/tool@^0.9", "v0.9.0"),
        ("acme/tool@2.0.0-rc.1", "v2.0.0-rc.1"),
    ] {
        user.wisp(["run", reference]).assert_success(&format!("{expected}\n"));
    }

    // A new release is seen after --refresh (or the TTL), not before.
    publisher.push(&registry, "v1.3.0", "acme/tool@1.3.0");
    user.wisp(["run", "acme/tool@1"]).assert_success("v1.2.0\n");
    user.wisp(["run", "--refresh", "acme/tool@1"]).assert_success("v1.3.0\n");

    // The tag list ages, and warm runs do not make it younger.
    publisher.push(&registry, "v1.4.0", "acme/tool@1.4.0");
    user.wisp(["run", "acme/tool@1"]).assert_success("v1.3.0\n");
    let list = user.cache().join(format!("refs/{}/acme/tool/_tags.json", registry.host));
    let text = std::fs::read_to_string(&list).unwrap();
    let fetched = text.split("\"fetched\":").nth(1).unwrap().trim_end_matches('}');
    std::fs::write(&list, text.replace(fetched, "0")).unwrap();
    user.wisp(["run", "acme/tool@1"]).assert_success("v1.4.0\n");

    // Pushing a version that exists needs --force.
    let file = publisher.file("again.wat", module("again"));
    publisher
        .wisp(["push", "--registry", &registry.url(), &file, "acme/tool@1.0.0"])
        .assert_error(1, &["acme/tool:1.0.0 already exists", "--force"]);
    let forced = publisher.wisp([
        "push",
        "--force",
        "--registry",
        &registry.url(),
        &file,
        "acme/tool@1.0.0",
    ]);
    assert_eq!(forced.code, 0, "{}", forced.stderr);
    user.wisp(["run", "--refresh", "acme/tool@=1.0.0"]).assert_success("again\n");
}

#[test]
fn names_that_match_nothing_say_what_was_tried() {
    let Some(registry) = Registry::start() else { return };
    let publisher = User::new();
    publisher.push(&registry, "one", "acme/tool@1.0.0");
    publisher.push(&registry, "two", "acme/tool@1.1.0");
    let user = User::new().with("WISP_REGISTRY", &registry.url());
    let repo = format!("{}/acme/tool", registry.host);

    user.wisp(["run", "acme/tool@3"])
        .assert_error(1, &["no version of `acme/tool@3` matches", &repo, "1.0.0, 1.1.0"]);
    user.wisp(["run", &format!("{repo}:9.9.9")])
        .assert_error(1, &["9.9.9", "versions available: 1.0.0, 1.1.0"]);
    user.wisp(["run", "acme/missing"]).assert_error(
        1,
        &[
            "no file `acme/missing`",
            "no package `acme/missing`",
            &format!("{}/acme/missing", registry.host),
        ],
    );
    User::new()
        .wisp(["run", "acme/tool"])
        .assert_error(1, &["no registry", "--registry", "WISP_REGISTRY"]);
    user.wisp(["run", "acme/Tool"]).assert_error(1, &["is not a file", "not a valid name"]);
    user.wisp(["run", "--offline", "acme/tool"]).assert_error(1, &["--offline"]);
    user.assert_cache_clean(false);
}

#[test]
fn a_registry_that_is_down_is_one_line() {
    // A port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let user = User::new().with("WISP_REGISTRY", &format!("http://127.0.0.1:{port}"));
    user.wisp(["run", "acme/tool"])
        .assert_error(1, &["cannot reach the registry", &port.to_string()]);
    let digest = format!("sha256:{}", "0".repeat(64));
    user.wisp(["pull", &format!("127.0.0.1:{port}/acme/tool@{digest}")])
        .assert_error(1, &["cannot reach the registry"]);
    user.assert_cache_clean(false);
}

#[test]
fn credentials_are_required_checked_and_never_shown() {
    let Some(registry) = Registry::start_with_auth("wisp", "open-sesame") else { return };
    let url = registry.url();
    let author = User::new();
    let file = author.file("m.wat", module("secret stuff"));

    let anonymous = User::new();
    anonymous
        .wisp(["push", "--registry", &url, &file, "acme/private@1.0.0"])
        .assert_error(1, &["requires credentials", "WISP_REGISTRY_USER"]);

    let wrong =
        User::new().with("WISP_REGISTRY_USER", "wisp").with("WISP_REGISTRY_PASSWORD", "guess");
    let run = wrong.wisp(["push", "--registry", &url, &file, "acme/private@1.0.0"]);
    run.assert_error(1, &["refused the credentials", "WISP_REGISTRY_USER"]);
    assert!(!run.stderr.contains("guess"));

    let right = User::new()
        .with("WISP_REGISTRY_USER", "wisp")
        .with("WISP_REGISTRY_PASSWORD", "open-sesame");
    let pushed = right.wisp(["push", "--registry", &url, &file, "acme/private@1.0.0"]);
    assert_eq!(pushed.code, 0, "{}", pushed.stderr);
    right.wisp(["run", "--registry", &url, "acme/private"]).assert_success("secret stuff\n");
    anonymous
        .wisp(["run", "--registry", &url, "acme/private"])
        .assert_error(1, &["requires credentials"]);
    anonymous.assert_cache_clean(false);

    // The same through Docker's config file.
    let docker = User::new();
    std::fs::create_dir_all(format!("{}/docker", docker.home.path())).unwrap();
    // base64("wisp:open-sesame")
    docker.file(
        "docker/config.json",
        format!(r#"{{"auths":{{"{}":{{"auth":"d2lzcDpvcGVuLXNlc2FtZQ=="}}}}}}"#, registry.host),
    );
    docker.wisp(["run", "--registry", &url, "acme/private"]).assert_success("secret stuff\n");

    // And through a credential helper named for the host.
    let helper = User::new();
    std::fs::create_dir_all(format!("{}/docker", helper.home.path())).unwrap();
    std::fs::create_dir_all(format!("{}/bin", helper.home.path())).unwrap();
    let script = helper.file(
        "bin/docker-credential-wisptest",
        format!(
            "#!/bin/sh\nread host\n[ \"$host\" = \"{}\" ] || exit 1\n\
             echo '{{\"ServerURL\":\"'$host'\",\"Username\":\"wisp\",\"Secret\":\"open-sesame\"}}'\n",
            registry.host
        ),
    );
    let executable = std::os::unix::fs::PermissionsExt::from_mode(0o755);
    std::fs::set_permissions(&script, executable).unwrap();
    helper.file(
        "docker/config.json",
        format!(r#"{{"credHelpers":{{"{}":"wisptest"}}}}"#, registry.host),
    );
    let path = format!("{}/bin:{}", helper.home.path(), std::env::var("PATH").unwrap_or_default());
    let helper = helper.with("PATH", &path);
    helper.wisp(["run", "--registry", &url, "acme/private"]).assert_success("secret stuff\n");
    // Nothing in the cache holds the secret.
    for file in walk(&docker.cache()) {
        let bytes = std::fs::read(&file).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains("open-sesame") && !text.contains("d2lzcDpvcGVuLXNlc2FtZQ"),
            "{}",
            file.display()
        );
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if entry.file_type().unwrap().is_dir() {
            files.extend(walk(&entry.path()));
        } else {
            files.push(entry.path());
        }
    }
    files
}

#[test]
fn a_tampered_blob_is_refused_and_not_cached() {
    let Some(registry) = Registry::start() else { return };
    let publisher = User::new();
    publisher.push(&registry, "genuine", "acme/tool@1.0.0");
    let layer = sha256(&module_binary("genuine"));
    let data = registry.blob_file(&layer);
    let mut bytes = std::fs::read(&data).unwrap();
    // Same size, other content: only the hash can tell.
    let at = bytes.len() - 3;
    bytes[at] ^= 0x20;
    std::fs::write(&data, bytes).unwrap();

    let user = User::new().with("WISP_REGISTRY", &registry.url());
    user.wisp(["run", "acme/tool"]).assert_error(1, &["failed verification", &layer]);
    user.assert_cache_clean(false);
    assert!(!user.cache().join("blobs/sha256").join(&layer[7..]).exists());
}

#[test]
fn artifacts_written_by_other_tools_run_and_unknown_ones_are_refused() {
    let Some(registry) = Registry::start() else { return };
    // Laid out as wkg and wash write a module: the TAG v0 config, one
    // application/wasm layer with a title, annotations on the manifest.
    let wasm = module_binary("written by hand");
    let layer = registry.put_blob("other/hello", &wasm);
    let config = format!(
        r#"{{"created":"2025-01-01T00:00:00Z","author":"someone","architecture":"wasm","os":"wasip1","layerDigests":["{layer}"]}}"#
    );
    let config_digest = registry.put_blob("other/hello", config.as_bytes());
    let manifest = format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"application/vnd.wasm.config.v0+json","digest":"{config_digest}","size":{}}},"layers":[{{"mediaType":"application/wasm","digest":"{layer}","size":{},"annotations":{{"org.opencontainers.image.title":"hello.wasm"}}}}],"annotations":{{"org.opencontainers.image.created":"2025-01-01T00:00:00Z","org.opencontainers.image.version":"0.1.0"}}}}"#,
        config.len(),
        wasm.len()
    );
    let manifest_type = "application/vnd.oci.image.manifest.v1+json";
    registry.put_manifest("other/hello", "0.1.0", manifest_type, manifest.as_bytes());
    let user = User::new().with("WISP_REGISTRY", &registry.url());
    user.wisp(["run", "other/hello"]).assert_success("written by hand\n");
    assert!(user.wisp(["inspect", "other/hello"]).stdout.contains("  hello ("));

    // A container image is not a Wasm package.
    let image_config =
        registry.put_blob("other/image", br#"{"architecture":"amd64","os":"linux"}"#);
    let tar = registry.put_blob("other/image", b"not really a tarball");
    let manifest = format!(
        r#"{{"schemaVersion":2,"mediaType":"{manifest_type}","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{image_config}","size":37}},"layers":[{{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"{tar}","size":20}}]}}"#
    );
    registry.put_manifest("other/image", "1.0.0", manifest_type, manifest.as_bytes());
    user.wisp(["run", "other/image"]).assert_error(
        1,
        &[
            "not a Wasm package",
            "unknown config media type `application/vnd.oci.image.config.v1+json`",
        ],
    );
    user.assert_cache_clean(true);
    let listed = user.wisp(["cache", "packages"]).stdout;
    assert!(!listed.contains("other/image"), "{listed}");
}

#[test]
fn skopeo_reads_what_wisp_pushes() {
    let Some(registry) = Registry::start() else { return };
    if !have("/usr/bin/skopeo", "an independent client reads what wisp pushed") {
        return;
    }
    let digest = User::new().push(&registry, "for skopeo", "acme/interop@1.0.0");
    let output = Command::new("/usr/bin/skopeo")
        .args(["inspect", "--raw", "--tls-verify=false"])
        .arg(format!("docker://{}/acme/interop:1.0.0", registry.host))
        .output()
        .expect("skopeo runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(sha256(&output.stdout), digest, "skopeo sees the manifest wisp pushed");
    let manifest: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(manifest["mediaType"], "application/vnd.oci.image.manifest.v1+json");
    assert_eq!(manifest["config"]["mediaType"], "application/vnd.wasm.config.v0+json");
    assert_eq!(manifest["layers"][0]["mediaType"], "application/wasm");
    assert_eq!(manifest["layers"][0]["digest"], sha256(&module_binary("for skopeo")).as_str());
    assert_eq!(manifest["annotations"]["org.opencontainers.image.version"], "1.0.0");
}

#[test]
fn an_unwritable_cache_is_one_line_and_two_pulls_at_once_are_safe() {
    let Some(registry) = Registry::start() else { return };
    User::new().push(&registry, "shared", "acme/tool@1.0.0");

    // Where the package cache should be, a file: not writable, even by root.
    let user = User::new().with("WISP_REGISTRY", &registry.url());
    std::fs::create_dir_all(user.cache().parent().unwrap()).unwrap();
    std::fs::write(user.cache(), "in the way").unwrap();
    user.wisp(["run", "acme/tool"]).assert_error(1, &["package cache"]);

    let user = User::new().with("WISP_REGISTRY", &registry.url());
    let pulls: Vec<_> = (0..4)
        .map(|_| {
            user.command(["pull", "acme/tool"])
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let digests: Vec<String> = pulls
        .into_iter()
        .map(|p| {
            let output = p.wait_with_output().unwrap();
            assert!(output.status.success());
            String::from_utf8(output.stdout).unwrap()
        })
        .collect();
    assert!(digests.windows(2).all(|w| w[0] == w[1]), "{digests:?}");
    user.assert_cache_clean(true);
    user.wisp(["run", "--offline", "acme/tool"]).assert_success("shared\n");
}

#[test]
fn push_refuses_invalid_modules_before_uploading() {
    let Some(registry) = Registry::start() else { return };
    let user = User::new();
    let file = user.file("bad.wasm", b"\0asm\x01\0\0\0\x01\xff");
    user.wisp(["push", "--registry", &registry.url(), &file, "acme/bad@1.0.0"])
        .assert_error(1, &["bad.wasm"]);
    let (status, _) =
        common::registry::http(&registry.host, "GET", "/v2/acme/bad/tags/list", &[], &[]).unwrap();
    assert_eq!(status, 404, "nothing was uploaded");
    user.wisp(["push", "--registry", &registry.url(), &file, "acme/bad"])
        .assert_error(1, &["bad.wasm"]);
    let good = user.file("good.wat", module("x"));
    user.wisp(["push", "--registry", &registry.url(), &good, "acme/good"])
        .assert_error(1, &["one exact version"]);
}

/// A fake registry serving `fake/tool:1.0.0`: a v0 manifest whose layer
/// descriptor says `declared` bytes, and a layer answer from `layer`.
fn fake_package(
    declared: impl Fn(usize) -> u64,
    layer: impl Fn(Vec<u8>) -> common::registry::Answer + Send + 'static,
) -> common::registry::FakeRegistry {
    use common::registry::{Answer, FakeRegistry};
    let wasm = module_binary("from a fake registry");
    let config = br#"{"architecture":"wasm","os":"wasip1"}"#.to_vec();
    let (wasm_digest, config_digest) = (sha256(&wasm), sha256(&config));
    let manifest = format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"application/vnd.wasm.config.v0+json","digest":"{config_digest}","size":{}}},"layers":[{{"mediaType":"application/wasm","digest":"{wasm_digest}","size":{}}}]}}"#,
        config.len(),
        declared(wasm.len())
    );
    FakeRegistry::start(move |path| {
        if path == "/v2/fake/tool/manifests/1.0.0" {
            Answer::ok("application/vnd.oci.image.manifest.v1+json", manifest.clone().into_bytes())
        } else if path == format!("/v2/fake/tool/blobs/{config_digest}") {
            Answer::ok("application/octet-stream", config.clone())
        } else if path == format!("/v2/fake/tool/blobs/{wasm_digest}") {
            layer(wasm.clone())
        } else {
            Answer::not_found()
        }
    })
}

#[test]
fn blobs_cut_short_or_longer_than_declared_are_refused() {
    use common::registry::Answer;
    // A well-behaved answer first, to show that the fake is a registry.
    let fake = fake_package(|n| n as u64, |wasm| Answer::ok("application/octet-stream", wasm));
    let user = User::new().with("WISP_REGISTRY", &fake.url());
    user.wisp(["run", &format!("{}/fake/tool:1.0.0", fake.host)])
        .assert_success("from a fake registry\n");

    // The connection drops in the middle of the layer.
    let fake = fake_package(
        |n| n as u64,
        |wasm| Answer {
            cut_after: Some(wasm.len() / 2),
            ..Answer::ok("application/octet-stream", wasm)
        },
    );
    let user = User::new().with("WISP_REGISTRY", &fake.url());
    user.wisp(["run", &format!("{}/fake/tool:1.0.0", fake.host)])
        .assert_error(1, &["the connection failed after", "bytes of sha256:"]);
    user.assert_cache_clean(false);

    // The layer is longer than its descriptor says.
    let fake = fake_package(|n| n as u64 - 10, |wasm| Answer::ok("application/octet-stream", wasm));
    let user = User::new().with("WISP_REGISTRY", &fake.url());
    user.wisp(["run", &format!("{}/fake/tool:1.0.0", fake.host)])
        .assert_error(1, &["failed verification", "larger than the"]);
    user.assert_cache_clean(false);

    // The descriptor claims more than the limit: nothing is downloaded.
    let fake = fake_package(|_| 1 << 40, |_| panic!("the layer must not be asked for"));
    let user = User::new().with("WISP_REGISTRY", &fake.url());
    user.wisp(["run", &format!("{}/fake/tool:1.0.0", fake.host)])
        .assert_error(1, &["exceeds the limit of"]);
    user.assert_cache_clean(false);
}

/// A C program that reads the files its package ships: `count` prints how
/// many lines `/data/words.txt` has, `show FILE` prints a file of `/data`.
const WORDS_C: &str = r#"
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: words count|show FILE\n"); return 2; }
    const char *name = strcmp(argv[1], "count") == 0 ? "words.txt" : (argc > 2 ? argv[2] : "");
    char path[256];
    snprintf(path, sizeof path, "/data/%s", name);
    FILE *f = fopen(path, "r");
    if (!f) { perror(path); return 1; }
    int lines = 0, c;
    while ((c = fgetc(f)) != EOF) {
        if (c == '\n') lines++;
        if (strcmp(argv[1], "show") == 0) putchar(c);
    }
    fclose(f);
    if (strcmp(argv[1], "count") == 0) printf("%d lines\n", lines);
    /* Writing next to the data must fail: the files are read-only. */
    if (fopen("/data/new.txt", "w")) { printf("wrote into /data\n"); return 3; }
    return 0;
}
"#;

/// A package directory: the C program built for WASI, its data files and
/// a `wisp.toml` with two commands. `None` without clang for wasm32-wasi.
fn words_package(user: &User, version: &str) -> Option<String> {
    if !have("/usr/bin/clang", "the package test builds a C program") {
        return None;
    }
    let dir = Path::new(user.home.path()).join("words");
    std::fs::create_dir_all(dir.join("data/more")).unwrap();
    std::fs::write(dir.join("words.c"), WORDS_C).unwrap();
    std::fs::write(dir.join("data/words.txt"), "alpha\nbeta\ngamma\n").unwrap();
    std::fs::write(dir.join("data/more/note.txt"), "a note\n").unwrap();
    let output = Command::new("clang")
        .args(["--target=wasm32-wasi", "--sysroot=/usr", "-O2", "-o"])
        .arg(dir.join("words.wasm"))
        .arg(dir.join("words.c"))
        .output()
        .expect("clang runs");
    assert!(output.status.success(), "clang: {}", String::from_utf8_lossy(&output.stderr));
    let toml = format!(
        r#"[package]
name = "acme/words"
version = "{version}"
description = "Counts and shows words"
license = "Apache-2.0"

[[module]]
name = "words"
source = "words.wasm"

[[command]]
name = "count"
module = "words"
args = ["count"]

[[command]]
name = "show"
module = "words"
args = ["show"]

[fs]
"/data" = "data"

[capabilities]
env = ["LANG"]
"#
    );
    std::fs::write(dir.join("wisp.toml"), toml).unwrap();
    Some(dir.to_str().unwrap().to_string())
}

#[test]
fn a_published_c_program_runs_by_name_with_its_files_and_commands() {
    let Some(registry) = Registry::start() else { return };
    let author = User::new().with("WISP_REGISTRY", &registry.url());
    let Some(dir) = words_package(&author, "1.0.0") else { return };
    let published = author.wisp(["publish", &dir]);
    assert_eq!(published.code, 0, "{}", published.stderr);
    assert!(published.stdout.contains("published: "), "{}", published.stdout);
    author.wisp(["publish", &dir]).assert_error(1, &["acme/words:1.0.0 already exists", "--force"]);

    let user = User::new().with("WISP_REGISTRY", &registry.url());
    user.wisp(["run", "acme/words"]).assert_success("3 lines\n");
    user.wisp(["run", "--command", "show", "acme/words@1", "more/note.txt"])
        .assert_success("a note\n");
    user.wisp(["run", "--command", "nope", "acme/words"])
        .assert_error(1, &["no command `nope`", "count, show"]);
    let inspect = user.wisp(["inspect", "acme/words"]).stdout;
    for line in [
        "format: Wisp package",
        "description: Counts and shows words",
        "  count: words count",
        "  show: words show",
        "  /data (read-only, sha256:",
        "capabilities asked for: env LANG",
    ] {
        assert!(inspect.contains(line), "`{line}` missing: {inspect}");
    }
    // A failing run names what the package asked for.
    let run = user.wisp(["run", "--command", "show", "acme/words", "missing.txt"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("asks for env LANG (granted only by your flags)"),
        "{}",
        run.stderr
    );
}

#[test]
fn publish_checks_everything_before_uploading() {
    let Some(registry) = Registry::start() else { return };
    let author = User::new().with("WISP_REGISTRY", &registry.url());
    let dir = Path::new(author.home.path()).join("bad");
    std::fs::create_dir_all(&dir).unwrap();
    let dir_arg = dir.to_str().unwrap();
    let nothing_uploaded = || {
        let (status, _) =
            common::registry::http(&registry.host, "GET", "/v2/acme/bad/tags/list", &[], &[])
                .unwrap();
        assert_eq!(status, 404, "nothing was uploaded");
    };

    std::fs::write(dir.join("wisp.toml"), "[package]\nname = \"acme/bad\"\nversion = 1\n").unwrap();
    author.wisp(["publish", dir_arg]).assert_error(1, &["wisp.toml", "(at line 3, column 11)"]);

    std::fs::write(dir.join("good.wasm"), module_binary("good")).unwrap();
    std::fs::write(dir.join("bad.wasm"), b"\0asm\x01\0\0\0\x01\xff").unwrap();
    std::fs::write(
        dir.join("wisp.toml"),
        "[package]\nname = \"acme/bad\"\nversion = \"1.0.0\"\n\
         [[module]]\nname = \"good\"\nsource = \"good.wasm\"\n\
         [[module]]\nname = \"bad\"\nsource = \"bad.wasm\"\n",
    )
    .unwrap();
    author.wisp(["publish", dir_arg]).assert_error(1, &["module `bad`"]);
    nothing_uploaded();

    // One module and nothing else: a plain TAG v0 artifact.
    std::fs::write(
        dir.join("wisp.toml"),
        "[package]\nname = \"acme/bad\"\nversion = \"1.0.0\"\n[[module]]\nname = \"good\"\nsource = \"good.wasm\"\n",
    )
    .unwrap();
    assert_eq!(author.wisp(["publish", dir_arg]).code, 0);
    let inspect = author.wisp(["inspect", "acme/bad"]).stdout;
    assert!(inspect.contains("format: Wasm OCI artifact (TAG v0)"), "{inspect}");
    author.wisp(["run", "acme/bad"]).assert_success("good\n");
}

#[test]
fn file_layers_that_escape_are_refused() {
    let Some(registry) = Registry::start() else { return };
    // Packages whose file layer holds one entry that must not be unpacked,
    // written by hand: (repository, entry, tar type flag, link target,
    // words of the error).
    let cases: [(&str, &str, u8, &str, &[&str]); 3] = [
        ("evil/dots", "../escape", b'0', "", &["`../escape`", "leaves its directory"]),
        ("evil/absolute", "/tmp/escape", b'0', "", &["`/tmp/escape`", "leaves its directory"]),
        ("evil/link", "data", b'2', "/etc/passwd", &["`data`", "only files and directories"]),
    ];
    for (repository, entry, kind, link, words) in cases {
        let wasm = module_binary("never runs");
        let layer = registry.put_blob(repository, &wasm);
        let gz = gzip(&tar_of_one(entry, kind, link));
        let files = registry.put_blob(repository, &gz);
        let config = format!(
            r#"{{"name":"{repository}","version":"1.0.0","modules":[{{"name":"main","digest":"{layer}"}}],"fs":[{{"name":"/data","digest":"{files}"}}]}}"#
        );
        let config_digest = registry.put_blob(repository, config.as_bytes());
        let manifest_type = "application/vnd.oci.image.manifest.v1+json";
        let manifest = format!(
            r#"{{"schemaVersion":2,"mediaType":"{manifest_type}","config":{{"mediaType":"application/vnd.wisp.package.config.v1+json","digest":"{config_digest}","size":{}}},"layers":[{{"mediaType":"application/wasm","digest":"{layer}","size":{}}},{{"mediaType":"application/vnd.wisp.package.files.v1.tar+gzip","digest":"{files}","size":{}}}]}}"#,
            config.len(),
            wasm.len(),
            gz.len()
        );
        registry.put_manifest(repository, "1.0.0", manifest_type, manifest.as_bytes());
        let user = User::new().with("WISP_REGISTRY", &registry.url());
        user.wisp(["run", repository]).assert_error(1, words);
        assert!(
            !user.cache().join("escape").exists() && !user.cache().join("files/escape").exists()
        );
        assert!(!Path::new("/tmp/escape").exists(), "{repository}: written outside the cache");
        assert_eq!(std::fs::read_dir(user.cache().join("files")).map_or(0, |d| d.count()), 0);
        user.assert_cache_clean(true);
    }
}

/// A ustar archive of one entry: `name` of type `kind` (`0` a file holding
/// one byte, `2` a symbolic link to `link`).
fn tar_of_one(name: &str, kind: u8, link: &str) -> Vec<u8> {
    let mut header = [0u8; 512];
    header[..name.len()].copy_from_slice(name.as_bytes());
    header[100..108].copy_from_slice(b"0000644\0");
    header[108..116].copy_from_slice(b"0000000\0");
    header[116..124].copy_from_slice(b"0000000\0");
    let size: &[u8] = if kind == b'0' { b"00000000001\0" } else { b"00000000000\0" };
    header[124..136].copy_from_slice(size);
    header[136..148].copy_from_slice(b"00000000000\0");
    header[156] = kind;
    header[157..157 + link.len()].copy_from_slice(link.as_bytes());
    header[257..263].copy_from_slice(b"ustar\0");
    header[263..265].copy_from_slice(b"00");
    header[148..156].copy_from_slice(b"        ");
    let sum: u32 = header.iter().map(|&b| u32::from(b)).sum();
    header[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    let mut tar = header.to_vec();
    if kind == b'0' {
        tar.push(b'x');
    }
    tar.resize(512 * 4, 0);
    tar
}

/// `bytes` gzip-compressed, by the system's gzip.
fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut child = Command::new("gzip")
        .arg("-c")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("gzip runs");
    child.stdin.take().unwrap().write_all(bytes).unwrap();
    child.wait_with_output().unwrap().stdout
}

/// A tiny tmpfs, unmounted when dropped; `None` where mounting is not
/// allowed (it needs root).
struct SmallDisk {
    dir: TempDir,
}

impl SmallDisk {
    fn mount(bytes: usize) -> Option<Self> {
        let dir = TempDir::new();
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={bytes}"), "tmpfs", dir.path()])
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !mounted {
            eprintln!("skipping: cannot mount a small tmpfs (needs root) to fill the cache");
            return None;
        }
        Some(Self { dir })
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

#[test]
fn a_full_cache_disk_is_one_line_and_leaves_nothing_behind() {
    let Some(registry) = Registry::start() else { return };
    let Some(disk) = SmallDisk::mount(64 * 1024) else { return };
    // A module larger than the disk: a 100 KiB data segment.
    let big = format!(
        "(module (memory 2) (data (i32.const 0) \"{}\") (func (export \"_start\")))",
        "\\00".repeat(100 * 1024)
    );
    let publisher = User::new();
    let file = publisher.file("big.wat", big);
    let pushed = publisher.wisp(["push", "--registry", &registry.url(), &file, "acme/big@1.0.0"]);
    assert_eq!(pushed.code, 0, "{}", pushed.stderr);

    let user =
        User::new().with("WISP_REGISTRY", &registry.url()).with("WISP_CACHE_DIR", disk.dir.path());
    user.wisp(["run", "acme/big"]).assert_error(1, &["package cache", "No space left on device"]);
    let packages = Path::new(disk.dir.path()).join("packages");
    let tmp = std::fs::read_dir(packages.join("tmp")).map_or(0, |d| d.count());
    assert_eq!(tmp, 0, "temporary files left on the full disk");
    let listed = user.wisp(["cache", "packages"]).stdout;
    assert!(listed.starts_with("no packages"), "{listed}");
}
