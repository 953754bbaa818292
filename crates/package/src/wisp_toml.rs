//! `wisp.toml`: a package of several modules, commands and read-only
//! files, as `wisp publish` reads it.
//!
//! ```toml
//! [package]
//! name = "acme/wordcount"        # NAMESPACE/NAME
//! version = "1.2.0"              # semver
//! description = "Counts words"   # optional, as are license, readme, repository
//!
//! [[module]]
//! name = "wc"
//! source = "build/wc.wasm"       # relative to the directory of wisp.toml
//!
//! [[command]]
//! name = "count"                 # the first command is the default
//! module = "wc"
//! args = ["--words"]             # put before the user's arguments
//!
//! [fs]
//! "/data" = "data"               # guest path = directory in the package, read-only
//!
//! [capabilities]                 # asked for, shown, never granted by the package
//! directories = ["/work"]
//! env = ["LANG"]
//! network = false
//! clocks = true
//! random = true
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::config::one_line_toml_error;
use crate::error::{ErrorKind, Result};
use crate::reference::{Reference, VersionSelector};

/// A parsed and checked `wisp.toml` with the bytes of its modules.
#[derive(Debug, Clone)]
pub struct Definition {
    /// The file's contents.
    pub toml: WispToml,
    /// The directory it is in.
    pub dir: PathBuf,
    /// Each module's name and bytes, in file order.
    pub modules: Vec<(String, Vec<u8>)>,
    /// Each `[fs]` entry: guest path and the directory in the package.
    pub files: Vec<(String, PathBuf)>,
}

/// The contents of `wisp.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WispToml {
    /// `[package]`.
    pub package: PackageSection,
    /// `[[module]]`.
    #[serde(default, rename = "module")]
    pub modules: Vec<ModuleSection>,
    /// `[[command]]`.
    #[serde(default, rename = "command")]
    pub commands: Vec<Command>,
    /// `[fs]`: guest path → directory in the package.
    #[serde(default)]
    pub fs: BTreeMap<String, String>,
    /// `[capabilities]`.
    #[serde(default)]
    pub capabilities: Capabilities,
}

/// `[package]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackageSection {
    /// `NAMESPACE/NAME`.
    pub name: String,
    /// A semver version.
    pub version: String,
    /// One line about it.
    pub description: Option<String>,
    /// An SPDX license expression.
    pub license: Option<String>,
    /// A readme file in the package directory.
    pub readme: Option<String>,
    /// Where its source lives.
    pub repository: Option<String>,
}

/// `[[module]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModuleSection {
    /// The module's name within the package.
    pub name: String,
    /// Its `.wasm` file, relative to the package directory.
    pub source: String,
}

/// `[[command]]`: a way to run one of the modules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Command {
    /// The command's name (`--command NAME`).
    pub name: String,
    /// The module it runs.
    pub module: String,
    /// Arguments put before the user's.
    #[serde(default)]
    pub args: Vec<String>,
}

/// What a package asks to be granted. Shown to the user; only the user's
/// own flags grant anything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Capabilities {
    /// Guest directories it wants a host directory mounted at.
    #[serde(default)]
    pub directories: Vec<String>,
    /// Environment variables it reads.
    #[serde(default)]
    pub env: Vec<String>,
    /// Sockets.
    #[serde(default)]
    pub network: bool,
    /// Clocks.
    #[serde(default)]
    pub clocks: bool,
    /// Randomness.
    #[serde(default)]
    pub random: bool,
}

impl Capabilities {
    /// Whether nothing is asked for.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// One line: `directories /work; env LANG; network`, or `none`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.directories.is_empty() {
            parts.push(format!("directories {}", self.directories.join(", ")));
        }
        if !self.env.is_empty() {
            parts.push(format!("env {}", self.env.join(", ")));
        }
        for (asked, name) in
            [(self.network, "network"), (self.clocks, "clocks"), (self.random, "random")]
        {
            if asked {
                parts.push(name.to_string());
            }
        }
        if parts.is_empty() { "none".to_string() } else { parts.join("; ") }
    }
}

impl Definition {
    /// Reads and checks `DIR/wisp.toml` and everything it names.
    pub fn load(dir: &Path) -> Result<Self> {
        let path = dir.join("wisp.toml");
        let origin = path.display().to_string();
        let bad = |reason: String| -> crate::Error {
            ErrorKind::Config { source: origin.clone(), reason }.into()
        };
        let text = std::fs::read_to_string(&path).map_err(|e| bad(e.to_string()))?;
        let toml: WispToml =
            toml::from_str(&text).map_err(|e| bad(one_line_toml_error(&text, &e)))?;

        match toml.package.name.parse::<Reference>() {
            Ok(Reference::Named(named)) if named.version == VersionSelector::Latest => {}
            _ => {
                return Err(bad(format!(
                    "package name `{}` is not NAMESPACE/NAME (lowercase letters, digits, `.`, `_`, `-`)",
                    toml.package.name
                )));
            }
        }
        if semver::Version::parse(&toml.package.version).is_err() {
            return Err(bad(format!("version `{}` is not semver (1.2.3)", toml.package.version)));
        }
        if toml.modules.is_empty() {
            return Err(bad("a package has at least one [[module]]".into()));
        }
        let mut names = BTreeSet::new();
        let mut modules = Vec::new();
        for module in &toml.modules {
            if !is_simple_name(&module.name) || !names.insert(module.name.as_str()) {
                return Err(bad(format!(
                    "module name `{}` is repeated or not lowercase letters, digits and `-`",
                    module.name
                )));
            }
            let source = inside(dir, &module.source).ok_or_else(|| {
                bad(format!(
                    "module `{}`: `{}` is not a path inside the package",
                    module.name, module.source
                ))
            })?;
            let bytes = std::fs::read(&source).map_err(|e| {
                bad(format!("module `{}`: cannot read {}: {e}", module.name, source.display()))
            })?;
            modules.push((module.name.clone(), bytes));
        }
        let mut commands = BTreeSet::new();
        for command in &toml.commands {
            if !is_simple_name(&command.name) || !commands.insert(command.name.as_str()) {
                return Err(bad(format!(
                    "command name `{}` is repeated or not lowercase letters, digits and `-`",
                    command.name
                )));
            }
            if !names.contains(command.module.as_str()) {
                return Err(bad(format!(
                    "command `{}` runs module `{}`, which no [[module]] defines",
                    command.name, command.module
                )));
            }
        }
        let mut files = Vec::new();
        for (guest, local) in &toml.fs {
            if !guest.starts_with('/') || guest.split('/').any(|c| c == "..") {
                return Err(bad(format!("[fs]: guest path `{guest}` is not absolute")));
            }
            let host = inside(dir, local).filter(|p| p.is_dir()).ok_or_else(|| {
                bad(format!("[fs]: `{local}` is not a directory inside the package"))
            })?;
            files.push((guest.clone(), host));
        }
        if let Some(readme) = &toml.package.readme
            && inside(dir, readme).is_none_or(|p| !p.is_file())
        {
            return Err(bad(format!("readme `{readme}` is not a file inside the package")));
        }
        Ok(Self { toml, dir: dir.to_path_buf(), modules, files })
    }

    /// Whether the package is one module and nothing else, which is
    /// published as a plain Wasm OCI artifact.
    pub fn is_single_module(&self) -> bool {
        self.modules.len() == 1
            && self.toml.commands.is_empty()
            && self.files.is_empty()
            && self.toml.capabilities.is_empty()
    }
}

fn is_simple_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// `relative` under `dir`, if it stays inside it.
fn inside(dir: &Path, relative: &str) -> Option<PathBuf> {
    let path = Path::new(relative);
    path.components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
        .then(|| dir.join(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package(files: &[(&str, &str)]) -> (PathBuf, Result<Definition>) {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("wisp-toml-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for (name, contents) in files {
            let path = dir.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, contents).unwrap();
        }
        let loaded = Definition::load(&dir);
        (dir, loaded)
    }

    const GOOD: &str = r#"
[package]
name = "acme/tool"
version = "1.0.0"
[[module]]
name = "main"
source = "main.wasm"
[[command]]
name = "run"
module = "main"
args = ["-v"]
[fs]
"/data" = "data"
[capabilities]
env = ["LANG"]
"#;

    #[test]
    fn a_good_definition_loads() {
        let (dir, loaded) =
            package(&[("wisp.toml", GOOD), ("main.wasm", "\0asm"), ("data/a.txt", "a")]);
        let d = loaded.unwrap();
        assert_eq!(d.modules[0].0, "main");
        assert_eq!(d.files[0].0, "/data");
        assert!(!d.is_single_module());
        assert_eq!(d.toml.capabilities.describe(), "env LANG");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn mistakes_are_named_with_their_place() {
        for (toml, expected) in [
            ("[package]\nname = \"acme/tool\"\nversion = 1\n", "(at line 3, column 11)"),
            ("[package]\nname = \"Acme\"\nversion = \"1.0.0\"\n", "not NAMESPACE/NAME"),
            ("[package]\nname = \"acme/t\"\nversion = \"one\"\n", "not semver"),
            ("[package]\nname = \"acme/t\"\nversion = \"1.0.0\"\n", "at least one [[module]]"),
            ("[package]\nname = \"acme/t\"\nversion = \"1.0.0\"\nsurprise = 1\n", "unknown field"),
            (
                "[package]\nname = \"acme/t\"\nversion = \"1.0.0\"\n[[module]]\nname = \"m\"\nsource = \"../m.wasm\"\n",
                "not a path inside",
            ),
            (
                "[package]\nname = \"acme/t\"\nversion = \"1.0.0\"\n[[module]]\nname = \"main\"\nsource = \"main.wasm\"\n[[command]]\nname = \"c\"\nmodule = \"nope\"\n",
                "which no [[module]] defines",
            ),
            (
                "[package]\nname = \"acme/t\"\nversion = \"1.0.0\"\n[[module]]\nname = \"main\"\nsource = \"main.wasm\"\n[fs]\n\"/d\" = \"missing\"\n",
                "not a directory inside",
            ),
        ] {
            let (dir, loaded) = package(&[("wisp.toml", toml), ("main.wasm", "\0asm")]);
            let e = loaded.unwrap_err().to_string();
            assert!(e.contains("wisp.toml: ") && e.contains(expected), "{e}");
            assert!(!e.contains('\n'), "{e}");
            std::fs::remove_dir_all(dir).unwrap();
        }
    }
}
