//! The descriptor table: what each guest file descriptor refers to.

use std::collections::BTreeMap;

use crate::DirPerms;
use crate::errno::Errno;
use crate::pipe::OutputPipe;

/// Most descriptors one guest may hold open at once.
const MAX_DESCRIPTORS: usize = 1 << 14;

/// Where a guest's stdin comes from.
#[derive(Debug)]
pub(crate) enum Input {
    /// The host process's stdin.
    Inherit,
    /// Fixed bytes, consumed as the guest reads.
    Bytes { data: Vec<u8>, pos: usize },
}

/// Where a guest's stdout or stderr goes.
#[derive(Debug)]
pub(crate) enum Output {
    Stdout,
    Stderr,
    Pipe(OutputPipe),
    /// A host file, appended to.
    File(std::fs::File),
    /// Discards everything (the default: nothing is granted unless asked).
    Sink,
}

/// An open regular file (or other non-directory).
#[derive(Debug)]
pub(crate) struct File {
    pub file: std::fs::File,
    /// The guest's position; reads and writes go through `pread`/`pwrite`
    /// so the host descriptor's own offset never matters.
    pub pos: u64,
    /// `fdflags` as the guest set them; only `APPEND` changes behaviour.
    pub flags: u16,
    pub filetype: u8,
}

/// An open directory.
#[derive(Debug)]
pub(crate) struct Dir {
    pub dir: cap_std::fs::Dir,
    /// The guest path, for preopened directories.
    pub preopen: Option<String>,
    /// What the preopen this directory came from allows.
    pub perms: DirPerms,
}

#[derive(Debug)]
pub(crate) enum Kind {
    Stdin(Input),
    Output(Output),
    File(File),
    Dir(Dir),
    /// A listening TCP socket granted by the host.
    Listener(std::net::TcpListener),
    /// A connection accepted from a listener.
    Socket(std::net::TcpStream),
}

/// A descriptor and the rights the guest holds on it.
#[derive(Debug)]
pub(crate) struct Descriptor {
    pub kind: Kind,
    pub base: u64,
    pub inheriting: u64,
}

impl Descriptor {
    pub fn file(&mut self) -> Result<&mut File, Errno> {
        match &mut self.kind {
            Kind::File(f) => Ok(f),
            Kind::Dir(_) => Err(Errno::IsDir),
            _ => Err(Errno::Spipe),
        }
    }

    pub fn dir(&self) -> Result<&Dir, Errno> {
        match &self.kind {
            Kind::Dir(d) => Ok(d),
            _ => Err(Errno::NotDir),
        }
    }
}

#[derive(Debug, Default)]
pub(crate) struct Table {
    entries: BTreeMap<u32, Descriptor>,
}

impl Table {
    pub fn get(&self, fd: u32) -> Result<&Descriptor, Errno> {
        self.entries.get(&fd).ok_or(Errno::Badf)
    }

    pub fn get_mut(&mut self, fd: u32) -> Result<&mut Descriptor, Errno> {
        self.entries.get_mut(&fd).ok_or(Errno::Badf)
    }

    pub fn insert_at(&mut self, fd: u32, d: Descriptor) {
        self.entries.insert(fd, d);
    }

    /// Adds `d` at the lowest free descriptor number.
    pub fn push(&mut self, d: Descriptor) -> Result<u32, Errno> {
        if self.entries.len() >= MAX_DESCRIPTORS {
            return Err(Errno::Mfile);
        }
        let mut fd = 0;
        for &used in self.entries.keys() {
            if used != fd {
                break;
            }
            fd += 1;
        }
        self.entries.insert(fd, d);
        Ok(fd)
    }

    pub fn remove(&mut self, fd: u32) -> Result<Descriptor, Errno> {
        self.entries.remove(&fd).ok_or(Errno::Badf)
    }

    pub fn contains(&self, fd: u32) -> bool {
        self.entries.contains_key(&fd)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sink() -> Descriptor {
        Descriptor { kind: Kind::Output(Output::Sink), base: 0, inheriting: 0 }
    }

    #[test]
    fn lowest_free_number_is_reused() {
        let mut t = Table::default();
        assert_eq!(t.push(sink()).unwrap(), 0);
        assert_eq!(t.push(sink()).unwrap(), 1);
        assert_eq!(t.push(sink()).unwrap(), 2);
        t.remove(1).unwrap();
        assert_eq!(t.push(sink()).unwrap(), 1);
        assert_eq!(t.push(sink()).unwrap(), 3);
        assert_eq!(t.remove(9).unwrap_err(), Errno::Badf);
    }
}
