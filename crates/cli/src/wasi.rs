//! The capabilities `wisp run` and `wisp create-exe` grant a WASI guest. Nothing is granted
//! unless asked for: no directory, no environment variable.

use clap::Args;
use wisp_launch::{Capabilities, DirGrant, EnvGrant};

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
    /// The capabilities these options grant.
    pub fn capabilities(&self) -> Capabilities {
        Capabilities {
            dirs: self.dirs.clone(),
            read_only_dirs: self.read_only_dirs.clone(),
            env: self.env.clone(),
            inherit_env: self.inherit_env,
            listen: self.listen.clone(),
            clocks: !self.no_clocks,
            random: !self.no_random,
            deterministic: self.deterministic,
        }
    }
}
