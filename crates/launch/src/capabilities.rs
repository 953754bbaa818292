//! What a WASI guest may reach. Nothing is granted unless asked for: no
//! directory, no environment variable, no socket.

use std::path::PathBuf;
use std::str::FromStr;

use anyhow::{Context, Result, bail};
use wisp_wasi::{DirPerms, WasiCtx, WasiCtxBuilder};

/// The capabilities granted to a guest: `wisp run`'s `--dir`, `--env`, …
/// flags, or the ones `wisp create-exe` builds into an executable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capabilities {
    /// Host directories the guest may read and write.
    pub dirs: Vec<DirGrant>,
    /// Host directories the guest may only read.
    pub read_only_dirs: Vec<DirGrant>,
    /// Environment variables, set or passed on from the host.
    pub env: Vec<EnvGrant>,
    /// Every host environment variable is passed on.
    pub inherit_env: bool,
    /// TCP addresses to listen on, each granted as a listening socket.
    pub listen: Vec<std::net::SocketAddr>,
    /// The clocks may be read.
    pub clocks: bool,
    /// Random bytes may be drawn.
    pub random: bool,
    /// Clocks and randomness are reproducible instead.
    pub deterministic: bool,
}

impl Default for Capabilities {
    /// Nothing but the clocks and randomness.
    fn default() -> Self {
        Self {
            dirs: Vec::new(),
            read_only_dirs: Vec::new(),
            env: Vec::new(),
            inherit_env: false,
            listen: Vec::new(),
            clocks: true,
            random: true,
            deterministic: false,
        }
    }
}

impl Capabilities {
    /// The guest's context: `args` as its argv (the first is the program
    /// name), these capabilities, and the process's own stdio.
    pub fn context(&self, args: &[String]) -> Result<WasiCtx> {
        let mut builder = self.builder(args)?;
        builder.inherit_stdio();
        Ok(builder.build())
    }

    /// A builder for the guest's context with `args` as its argv and these
    /// capabilities, leaving its stdio (empty by default) to the caller.
    pub fn builder(&self, args: &[String]) -> Result<WasiCtxBuilder> {
        let mut builder = WasiCtxBuilder::new();
        builder.args(args.iter().cloned());
        if self.inherit_env {
            builder.inherit_env();
        }
        for grant in &self.env {
            match &grant.value {
                Some(value) => builder.env(&grant.name, value),
                None => match std::env::var(&grant.name) {
                    Ok(value) => builder.env(&grant.name, value),
                    // Passing on a variable the host does not have passes nothing.
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
        builder.allow_clocks(self.clocks).allow_random(self.random);
        if self.deterministic {
            builder.deterministic(0);
        }
        Ok(builder)
    }

    /// These capabilities as bytes, for [`Capabilities::decode`]. Fails on
    /// a host path that is not UTF-8.
    pub fn encode(&self) -> Result<Vec<u8>> {
        let mut out = vec![FORMAT];
        out.push(
            u8::from(self.inherit_env)
                | u8::from(self.clocks) << 1
                | u8::from(self.random) << 2
                | u8::from(self.deterministic) << 3,
        );
        for dirs in [&self.dirs, &self.read_only_dirs] {
            put_count(&mut out, dirs.len());
            for d in dirs {
                let Some(host) = d.host.to_str() else {
                    bail!("directory {} is not valid UTF-8", d.host.display());
                };
                put_str(&mut out, host);
                put_str(&mut out, &d.guest);
            }
        }
        put_count(&mut out, self.env.len());
        for e in &self.env {
            put_str(&mut out, &e.name);
            match &e.value {
                Some(value) => {
                    out.push(1);
                    put_str(&mut out, value);
                }
                None => out.push(0),
            }
        }
        put_count(&mut out, self.listen.len());
        for addr in &self.listen {
            put_str(&mut out, &addr.to_string());
        }
        Ok(out)
    }

    /// Capabilities written by [`Capabilities::encode`].
    pub fn decode(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader(bytes);
        if r.byte()? != FORMAT {
            bail!("unknown capability format");
        }
        let flags = r.byte()?;
        let mut dirs = [Vec::new(), Vec::new()];
        for list in &mut dirs {
            for _ in 0..r.count()? {
                list.push(DirGrant { host: PathBuf::from(r.str()?), guest: r.str()?.to_string() });
            }
        }
        let [dirs, read_only_dirs] = dirs;
        let mut env = Vec::new();
        for _ in 0..r.count()? {
            let name = r.str()?.to_string();
            let value = if r.byte()? == 1 { Some(r.str()?.to_string()) } else { None };
            env.push(EnvGrant { name, value });
        }
        let mut listen = Vec::new();
        for _ in 0..r.count()? {
            listen.push(r.str()?.parse().context("bad socket address")?);
        }
        if !r.0.is_empty() {
            bail!("trailing bytes after the capabilities");
        }
        Ok(Self {
            dirs,
            read_only_dirs,
            env,
            inherit_env: flags & 1 != 0,
            listen,
            clocks: flags & 2 != 0,
            random: flags & 4 != 0,
            deterministic: flags & 8 != 0,
        })
    }
}

const FORMAT: u8 = 1;

fn put_count(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&(n as u32).to_le_bytes());
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_count(out, s.len());
    out.extend_from_slice(s.as_bytes());
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.0.len() {
            bail!("truncated capabilities");
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn byte(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }

    fn count(&mut self) -> Result<usize> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    }

    fn str(&mut self) -> Result<&'a str> {
        let n = self.count()?;
        std::str::from_utf8(self.take(n)?).context("bad string in capabilities")
    }
}

/// A directory grant, `HOST[::GUEST]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirGrant {
    /// The directory on the host.
    pub host: PathBuf,
    /// The name the guest sees it under.
    pub guest: String,
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

/// An environment grant, `NAME=VALUE` (set) or `NAME` (passed on from the
/// host, if it has it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvGrant {
    /// The variable's name.
    pub name: String,
    /// Its value, or `None` to take the host's.
    pub value: Option<String>,
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

    #[test]
    fn capabilities_round_trip() {
        let caps = Capabilities {
            dirs: vec![".".parse().unwrap(), "./data::/data".parse().unwrap()],
            read_only_dirs: vec!["/etc::/config".parse().unwrap()],
            env: vec!["LANG=C".parse().unwrap(), "HOME".parse().unwrap()],
            inherit_env: true,
            listen: vec!["127.0.0.1:8080".parse().unwrap()],
            clocks: false,
            random: true,
            deterministic: true,
        };
        let bytes = caps.encode().unwrap();
        assert_eq!(Capabilities::decode(&bytes).unwrap(), caps);
        assert_eq!(
            Capabilities::decode(&Capabilities::default().encode().unwrap()).unwrap(),
            Capabilities::default()
        );
        for cut in 0..bytes.len() {
            assert!(Capabilities::decode(&bytes[..cut]).is_err(), "cut at {cut}");
        }
    }
}
