//! `path_*` functions. Every path is resolved by cap-std beneath the
//! descriptor's directory; nothing here inspects path strings for `..` or
//! leading slashes, so sandboxing cannot be fooled by spelling.

use cap_fs_ext::{
    DirExt, FollowSymlinks, OpenOptionsFollowExt, OpenOptionsMaybeDirExt, SystemTimeSpec,
};
use cap_std::fs::OpenOptions;

use crate::ctx::{WasiCtx, dir_rights};
use crate::errno::Errno;
use crate::fd::times;
use crate::layout::{fdflags, lookupflags, oflags, rights};
use crate::memory::{GuestMemory, GuestResult};
use crate::stat;
use crate::table::{Descriptor, Dir, File, Kind};

/// The directory behind `fd`, checked to allow changes when `write`.
fn dir_at(ctx: &WasiCtx, fd: u32, write: bool) -> GuestResult<&Dir> {
    let dir = ctx.table.get(fd)?.dir()?;
    if write && !dir.perms.write {
        return Err(Errno::NotCapable);
    }
    Ok(dir)
}

fn follow(flags: u32) -> bool {
    flags & lookupflags::SYMLINK_FOLLOW != 0
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn open(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    dirflags: u32,
    path: (u32, u32),
    oflags: u16,
    base: u64,
    inheriting: u64,
    fdflags: u16,
    opened: u32,
) -> GuestResult<()> {
    mem.slice(opened, 4)?;
    let path = mem.str(path.0, path.1)?;
    let parent = ctx.table.get(fd)?;
    let parent_inheriting = parent.inheriting;
    let dir = parent.dir()?;
    let perms = dir.perms;
    let creates = oflags & (oflags::CREAT | oflags::TRUNC) != 0;
    let writes = base & (rights::FD_WRITE | rights::FD_ALLOCATE | rights::FD_FILESTAT_SET_SIZE)
        != 0
        || fdflags & fdflags::APPEND != 0;
    if (creates || writes) && !perms.write {
        return Err(Errno::NotCapable);
    }
    if oflags & !(oflags::CREAT | oflags::DIRECTORY | oflags::EXCL | oflags::TRUNC) != 0 {
        return Err(Errno::Inval);
    }
    let needed = if oflags & oflags::CREAT != 0 { rights::PATH_CREATE_FILE } else { 0 }
        | if oflags & oflags::TRUNC != 0 { rights::PATH_FILESTAT_SET_SIZE } else { 0 };
    if parent.base & needed != needed {
        return Err(Errno::NotCapable);
    }
    let symlinks = if follow(dirflags) { FollowSymlinks::Yes } else { FollowSymlinks::No };

    let descriptor = if oflags & oflags::DIRECTORY != 0 {
        if creates {
            return Err(Errno::Inval);
        }
        if writes {
            return Err(Errno::IsDir);
        }
        let sub = match symlinks {
            FollowSymlinks::Yes => dir.dir.open_dir(path)?,
            FollowSymlinks::No => dir.dir.open_dir_nofollow(path)?,
        };
        directory(sub, perms, base, inheriting & parent_inheriting)
    } else {
        let os_write = creates || writes;
        let mut opts = OpenOptions::new();
        let os_read = !os_write || base & (rights::FD_READ | rights::FD_READDIR) != 0;
        opts.read(os_read)
            .write(os_write)
            .truncate(oflags & oflags::TRUNC != 0)
            .follow(symlinks)
            .maybe_dir(!os_write);
        if oflags & oflags::CREAT != 0 {
            if oflags & oflags::EXCL != 0 {
                opts.create_new(true);
            } else {
                opts.create(true);
            }
        }
        let file = dir.dir.open_with(path, &opts)?.into_std();
        let meta = file.metadata()?;
        if meta.is_dir() {
            let sub = cap_std::fs::Dir::from_std_file(file);
            directory(sub, perms, base, inheriting & parent_inheriting)
        } else {
            let mut granted = base & parent_inheriting & rights::FILE;
            if !os_write {
                granted &= !rights::FILE_WRITE;
            }
            if !os_read {
                granted &= !rights::FD_READ;
            }
            let ftype = stat::filetype_of_std(meta.file_type());
            let f = File { file, pos: 0, flags: fdflags, filetype: ftype };
            Descriptor { kind: Kind::File(f), base: granted, inheriting: 0 }
        }
    };
    let new_fd = ctx.table.push(descriptor)?;
    mem.write_u32(opened, new_fd)
}

fn directory(
    dir: cap_std::fs::Dir,
    perms: crate::DirPerms,
    base: u64,
    inheriting: u64,
) -> Descriptor {
    let (max_base, max_inheriting) = dir_rights(perms);
    // Opening a directory with no rights named grants what its preopen
    // allows: callers commonly pass 0 for directories.
    let base = if base & rights::DIRECTORY == 0 { max_base } else { base & max_base };
    let inheriting = if inheriting == 0 { max_inheriting } else { inheriting & max_inheriting };
    let kind = Kind::Dir(Dir { dir, preopen: None, perms });
    Descriptor { kind, base, inheriting }
}

/// What `path_create_directory`, `path_remove_directory` and
/// `path_unlink_file` do to the path beneath their directory.
#[derive(Clone, Copy)]
pub(crate) enum Change {
    CreateDirectory,
    RemoveDirectory,
    UnlinkFile,
}

pub(crate) fn change(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    path: (u32, u32),
    change: Change,
) -> GuestResult<()> {
    let path = mem.str(path.0, path.1)?;
    let dir = &dir_at(ctx, fd, true)?.dir;
    match change {
        Change::CreateDirectory => dir.create_dir(path)?,
        Change::RemoveDirectory => dir.remove_dir(path)?,
        Change::UnlinkFile => dir.remove_file_or_symlink(path)?,
    }
    Ok(())
}

pub(crate) fn filestat_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    flags: u32,
    path: (u32, u32),
    out: u32,
) -> GuestResult<()> {
    let path = mem.str(path.0, path.1)?;
    let dir = &dir_at(ctx, fd, false)?.dir;
    let meta = if follow(flags) { dir.metadata(path)? } else { dir.symlink_metadata(path)? };
    mem.write(out, &stat::from_cap(&meta).encode())
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn filestat_set_times(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    flags: u32,
    path: (u32, u32),
    atim: u64,
    mtim: u64,
    fst: u16,
) -> GuestResult<()> {
    let path = mem.str(path.0, path.1)?;
    let (a, m) = times(atim, mtim, fst)?;
    let spec = |t: Option<std::time::SystemTime>| {
        t.map(|t| SystemTimeSpec::Absolute(cap_std::time::SystemTime::from_std(t)))
    };
    let dir = &dir_at(ctx, fd, true)?.dir;
    if follow(flags) {
        dir.set_times(path, spec(a), spec(m))?;
    } else {
        dir.set_symlink_times(path, spec(a), spec(m))?;
    }
    Ok(())
}

pub(crate) fn link(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    old_fd: u32,
    flags: u32,
    old: (u32, u32),
    new_fd: u32,
    new: (u32, u32),
) -> GuestResult<()> {
    // Links are made to the named entry itself; following is not offered.
    if follow(flags) {
        return Err(Errno::Inval);
    }
    let old = mem.str(old.0, old.1)?;
    let new = mem.str(new.0, new.1)?;
    let from = dir_at(ctx, old_fd, true)?;
    let to = dir_at(ctx, new_fd, true)?;
    from.dir.hard_link(old, &to.dir, new)?;
    Ok(())
}

pub(crate) fn rename(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    old_fd: u32,
    old: (u32, u32),
    new_fd: u32,
    new: (u32, u32),
) -> GuestResult<()> {
    let old = mem.str(old.0, old.1)?;
    let new = mem.str(new.0, new.1)?;
    let from = dir_at(ctx, old_fd, true)?;
    let to = dir_at(ctx, new_fd, true)?;
    from.dir.rename(old, &to.dir, new)?;
    Ok(())
}

pub(crate) fn symlink(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    target: (u32, u32),
    fd: u32,
    link: (u32, u32),
) -> GuestResult<()> {
    let target = mem.str(target.0, target.1)?;
    let link = mem.str(link.0, link.1)?;
    dir_at(ctx, fd, true)?.dir.symlink(target, link)?;
    Ok(())
}

pub(crate) fn readlink(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory<'_>,
    fd: u32,
    path: (u32, u32),
    buf: u32,
    buf_len: u32,
    bufused: u32,
) -> GuestResult<()> {
    use std::os::unix::ffi::OsStrExt;
    mem.slice(bufused, 4)?;
    let path = mem.str(path.0, path.1)?;
    let target = dir_at(ctx, fd, false)?.dir.read_link_contents(path)?;
    let bytes = target.as_os_str().as_bytes();
    let n = bytes.len().min(buf_len as usize);
    mem.write(buf, &bytes[..n])?;
    mem.write_u32(bufused, n as u32)
}
