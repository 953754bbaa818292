//! A pulled package: what the caller runs.

use crate::digest::Digest;
use crate::manifest::{Manifest, PackageConfig};
use crate::reference::OciReference;
use crate::wisp_toml::{Capabilities, Command};

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
    /// The modules, in manifest order.
    pub modules: Vec<PackageModule>,
    /// What a Wisp package's `wisp.toml` said; `None` for a TAG v0 artifact.
    pub config: Option<PackageConfig>,
}

impl Package {
    /// The commands (none for a TAG v0 artifact).
    pub fn commands(&self) -> &[Command] {
        self.config.as_ref().map_or(&[], |c| &c.commands)
    }

    /// What the package asks to be granted.
    pub fn capabilities(&self) -> Capabilities {
        self.config.as_ref().map(|c| c.capabilities.clone()).unwrap_or_default()
    }

    /// The module to run and the arguments to put before the user's: the
    /// command `name`, else the first command, else the first module.
    pub fn entry(&self, name: Option<&str>) -> Result<(&PackageModule, Vec<String>), String> {
        let commands = self.commands();
        let command = match name {
            Some(name) => match commands.iter().find(|c| c.name == name) {
                Some(command) => Some(command),
                None => {
                    let names: Vec<&str> = commands.iter().map(|c| c.name.as_str()).collect();
                    return Err(if names.is_empty() {
                        format!("{} has no commands", self.reference)
                    } else {
                        format!(
                            "{} has no command `{name}`; its commands: {}",
                            self.reference,
                            names.join(", ")
                        )
                    });
                }
            },
            None => commands.first(),
        };
        let (module, args) = match command {
            Some(command) => (command.module.as_str(), command.args.clone()),
            None => match self.modules.first() {
                Some(module) => (module.name.as_str(), Vec::new()),
                None => return Err(format!("{} holds no module", self.reference)),
            },
        };
        match self.modules.iter().find(|m| m.name == module) {
            Some(module) => Ok((module, args)),
            None => Err(format!("{} has no module `{module}`", self.reference)),
        }
    }
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
