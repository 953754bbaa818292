//! The capabilities `wisp run` grants a WASI guest. Nothing is granted
//! unless asked for: no directory, no environment variable.

use std::path::PathBuf;
use std::str::FromStr;

use anyhow::{Context, Result};
use clap::Args;
use wisp_wasi::{DirPerms, WasiCtx, WasiCtxBuilder};

/// What the guest may reach.
#[derive(Args, Debug, Clone, Default)]
pub struct WasiOptions {
    /// Grants the guest a host directory, read-write, under the name GUEST
    /// (default: the same path as on the host). Paths the guest opens
    /// cannot lead outside it: not with `..`, absolute paths or symlinks.
    /// Repeatable. Examples: `--dir .`, `--dir ./data::/data`.
    #[arg(long = "dir", value_name = "HOST[::GUEST]", help_heading = "Capabilities")]
    dirs: Vec<DirGrant>,

    /// Like --dir, but the guest may only read: creating, writing,
    /// truncating, renaming or removing fails. Example: `--dir-ro ./assets::/assets`.
    #[arg(long = "dir-ro", value_name = "HOST[::GUEST]", help_heading = "Capabilities")]
    read_only_dirs: Vec<DirGrant>,

    /// Sets an environment variable for the guest (`NAME=VALUE`), or passes
    /// one of wisp's own (`NAME`). Repeatable. Examples: `--env LANG=C`,
    /// `--env HOME`.
    #[arg(long = "env", value_name = "NAME[=VALUE]", help_heading = "Capabilities")]
    env: Vec<EnvGrant>,

    /// Listens on a TCP address and grants the guest the listening socket,
    /// on which it can accept connections (`sock_accept`). Repeatable.
    /// Example: `--tcplisten 127.0.0.1:8080`.
    #[arg(long = "tcplisten", value_name = "ADDR", help_heading = "Capabilities")]
    listen: Vec<std::net::SocketAddr>,

    /// Passes all of wisp's environment variables to the guest.
    #[arg(long, help_heading = "Capabilities")]
    inherit_env: bool,

    /// Denies the guest the clocks: `clock_time_get` and `clock_res_get`
    /// fail with ENOTCAPABLE.
    #[arg(long, help_heading = "Capabilities")]
    no_clocks: bool,

    /// Denies the guest randomness: `random_get` fails with ENOTCAPABLE.
    #[arg(long, help_heading = "Capabilities")]
    no_random: bool,

    /// Makes runs reproducible: the clocks start at a fixed time and only
    /// advance when the guest sleeps, and randomness comes from a fixed seed.
    #[arg(long, help_heading = "Capabilities")]
    deterministic: bool,
}

impl WasiOptions {
    /// The guest's context: `args` as its argv (the first is the program
    /// name), the granted capabilities, and wisp's own stdio.
    pub fn context(&self, args: &[String]) -> Result<WasiCtx> {
        let mut builder = WasiCtxBuilder::new();
        builder.args(args.iter().cloned()).inherit_stdio();
        if self.inherit_env {
            builder.inherit_env();
        }
        for grant in &self.env {
            match &grant.value {
                Some(value) => builder.env(&grant.name, value),
                None => match std::env::var(&grant.name) {
                    Ok(value) => builder.env(&grant.name, value),
                    // Passing on a variable wisp does not have passes nothing.
                    Err(_) => &mut builder,
                },
            };
        }
        let grants = self.dirs.iter().map(|d| (d, DirPerms::ALL));
        for (grant, perms) in grants.chain(self.read_only_dirs.iter().map(|d| (d, DirPerms::READ)))
        {
            builder
                .preopened_dir(&grant.host, &grant.guest, perms)
                .with_context(|| format!("cannot open directory {}", grant.host.display()))?;
        }
        for addr in &self.listen {
            let listener = std::net::TcpListener::bind(addr)
                .with_context(|| format!("cannot listen on {addr}"))?;
            builder.preopened_listener(listener);
        }
        builder.allow_clocks(!self.no_clocks).allow_random(!self.no_random);
        if self.deterministic {
            builder.deterministic(0);
        }
        Ok(builder.build())
    }
}

/// `HOST[::GUEST]`.
#[derive(Debug, Clone)]
pub struct DirGrant {
    host: PathBuf,
    guest: String,
}

impl FromStr for DirGrant {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let (host, guest) = s.split_once("::").unwrap_or((s, s));
        if host.is_empty() || guest.is_empty() {
            return Err(format!("`{s}` is not HOST[::GUEST]"));
        }
        Ok(DirGrant { host: PathBuf::from(host), guest: guest.to_string() })
    }
}

/// `NAME=VALUE` or `NAME`.
#[derive(Debug, Clone)]
pub struct EnvGrant {
    name: String,
    value: Option<String>,
}

impl FromStr for EnvGrant {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let (name, value) = match s.split_once('=') {
            Some((name, value)) => (name, Some(value.to_string())),
            None => (s, None),
        };
        if name.is_empty() {
            return Err(format!("`{s}` has no variable name"));
        }
        Ok(EnvGrant { name: name.to_string(), value })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grants_parse() {
        let d: DirGrant = ".".parse().unwrap();
        assert_eq!((d.host, d.guest.as_str()), (PathBuf::from("."), "."));
        let d: DirGrant = "./data::/data".parse().unwrap();
        assert_eq!((d.host, d.guest.as_str()), (PathBuf::from("./data"), "/data"));
        assert!("::/x".parse::<DirGrant>().is_err());
        let e: EnvGrant = "A=b=c".parse().unwrap();
        assert_eq!((e.name.as_str(), e.value.as_deref()), ("A", Some("b=c")));
        let e: EnvGrant = "HOME".parse().unwrap();
        assert_eq!(e.value, None);
        assert!("=x".parse::<EnvGrant>().is_err());
    }
}
