//! WASI error numbers and the mapping from host I/O errors.

use std::io;

macro_rules! errnos {
    ($($(#[$doc:meta])* $name:ident = $value:literal, $text:literal;)*) => {
        /// A WASI preview1 `errno` value, as returned to the guest.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[repr(u16)]
        #[non_exhaustive]
        pub enum Errno {
            $($(#[$doc])* #[doc = $text] $name = $value,)*
        }

        impl Errno {
            /// The errno for a raw WASI value, if it names one.
            pub fn from_raw(raw: u16) -> Option<Errno> {
                match raw {
                    $($value => Some(Errno::$name),)*
                    _ => None,
                }
            }

            /// A short description, as in the WASI specification.
            pub fn description(self) -> &'static str {
                match self {
                    $(Errno::$name => $text,)*
                }
            }
        }
    };
}

errnos! {
    Success = 0, "No error occurred.";
    TooBig = 1, "Argument list too long.";
    Acces = 2, "Permission denied.";
    AddrInUse = 3, "Address in use.";
    AddrNotAvail = 4, "Address not available.";
    AfNoSupport = 5, "Address family not supported.";
    Again = 6, "Resource unavailable, or operation would block.";
    Already = 7, "Connection already in progress.";
    Badf = 8, "Bad file descriptor.";
    BadMsg = 9, "Bad message.";
    Busy = 10, "Device or resource busy.";
    Canceled = 11, "Operation canceled.";
    Child = 12, "No child processes.";
    ConnAborted = 13, "Connection aborted.";
    ConnRefused = 14, "Connection refused.";
    ConnReset = 15, "Connection reset.";
    Deadlk = 16, "Resource deadlock would occur.";
    DestAddrReq = 17, "Destination address required.";
    Dom = 18, "Mathematics argument out of domain of function.";
    Dquot = 19, "Reserved.";
    Exist = 20, "File exists.";
    Fault = 21, "Bad address.";
    Fbig = 22, "File too large.";
    HostUnreach = 23, "Host is unreachable.";
    Idrm = 24, "Identifier removed.";
    Ilseq = 25, "Illegal byte sequence.";
    InProgress = 26, "Operation in progress.";
    Intr = 27, "Interrupted function.";
    Inval = 28, "Invalid argument.";
    Io = 29, "I/O error.";
    IsConn = 30, "Socket is connected.";
    IsDir = 31, "Is a directory.";
    Loop = 32, "Too many levels of symbolic links.";
    Mfile = 33, "File descriptor value too large.";
    Mlink = 34, "Too many links.";
    MsgSize = 35, "Message too large.";
    Multihop = 36, "Reserved.";
    NameTooLong = 37, "Filename too long.";
    NetDown = 38, "Network is down.";
    NetReset = 39, "Connection aborted by network.";
    NetUnreach = 40, "Network unreachable.";
    Nfile = 41, "Too many files open in system.";
    NoBufs = 42, "No buffer space available.";
    NoDev = 43, "No such device.";
    NoEnt = 44, "No such file or directory.";
    NoExec = 45, "Executable file format error.";
    NoLck = 46, "No locks available.";
    NoLink = 47, "Reserved.";
    NoMem = 48, "Not enough space.";
    NoMsg = 49, "No message of the desired type.";
    NoProtoOpt = 50, "Protocol not available.";
    NoSpc = 51, "No space left on device.";
    NoSys = 52, "Function not supported.";
    NotConn = 53, "The socket is not connected.";
    NotDir = 54, "Not a directory or a symbolic link to a directory.";
    NotEmpty = 55, "Directory not empty.";
    NotRecoverable = 56, "State not recoverable.";
    NotSock = 57, "Not a socket.";
    NotSup = 58, "Not supported, or operation not supported on socket.";
    NoTty = 59, "Inappropriate I/O control operation.";
    Nxio = 60, "No such device or address.";
    Overflow = 61, "Value too large to be stored in data type.";
    OwnerDead = 62, "Previous owner died.";
    Perm = 63, "Operation not permitted.";
    Pipe = 64, "Broken pipe.";
    Proto = 65, "Protocol error.";
    ProtoNoSupport = 66, "Protocol not supported.";
    ProtoType = 67, "Protocol wrong type for socket.";
    Range = 68, "Result too large.";
    Rofs = 69, "Read-only file system.";
    Spipe = 70, "Invalid seek.";
    Srch = 71, "No such process.";
    Stale = 72, "Reserved.";
    TimedOut = 73, "Connection timed out.";
    TxtBsy = 74, "Text file busy.";
    Xdev = 75, "Cross-device link.";
    NotCapable = 76, "Extension: Capabilities insufficient.";
}

impl Errno {
    /// The raw value handed to the guest.
    pub fn raw(self) -> u16 {
        self as u16
    }
}

impl std::fmt::Display for Errno {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (errno {})", self.description(), self.raw())
    }
}

impl std::error::Error for Errno {}

impl From<io::Error> for Errno {
    fn from(e: io::Error) -> Errno {
        match e.raw_os_error() {
            Some(code) => from_os(code),
            // cap-std reports a path that would leave its directory as a
            // permission error without an OS code: the guest lacks the
            // capability, the host did not refuse it.
            None if e.kind() == io::ErrorKind::PermissionDenied => Errno::NotCapable,
            None => from_kind(e.kind()),
        }
    }
}

fn from_kind(kind: io::ErrorKind) -> Errno {
    use io::ErrorKind as K;
    match kind {
        K::NotFound => Errno::NoEnt,
        K::AlreadyExists => Errno::Exist,
        K::InvalidInput => Errno::Inval,
        K::InvalidData => Errno::Ilseq,
        K::WouldBlock => Errno::Again,
        K::Interrupted => Errno::Intr,
        K::Unsupported => Errno::NotSup,
        K::OutOfMemory => Errno::NoMem,
        K::BrokenPipe => Errno::Pipe,
        K::NotADirectory => Errno::NotDir,
        K::IsADirectory => Errno::IsDir,
        K::DirectoryNotEmpty => Errno::NotEmpty,
        K::ReadOnlyFilesystem => Errno::Rofs,
        K::StorageFull => Errno::NoSpc,
        K::FileTooLarge => Errno::Fbig,
        K::InvalidFilename => Errno::Inval,
        K::CrossesDevices => Errno::Xdev,
        K::TooManyLinks => Errno::Mlink,
        K::NotSeekable => Errno::Spipe,
        K::ResourceBusy => Errno::Busy,
        K::Deadlock => Errno::Deadlk,
        K::TimedOut => Errno::TimedOut,
        _ => Errno::Io,
    }
}

#[cfg(unix)]
fn from_os(code: i32) -> Errno {
    match code {
        libc::EPERM => Errno::Perm,
        libc::ENOENT => Errno::NoEnt,
        libc::EINTR => Errno::Intr,
        libc::EIO => Errno::Io,
        libc::ENXIO => Errno::Nxio,
        libc::E2BIG => Errno::TooBig,
        libc::EBADF => Errno::Badf,
        libc::EAGAIN => Errno::Again,
        libc::ENOMEM => Errno::NoMem,
        libc::EACCES => Errno::Acces,
        libc::EFAULT => Errno::Fault,
        libc::EBUSY => Errno::Busy,
        libc::EEXIST => Errno::Exist,
        libc::EXDEV => Errno::Xdev,
        libc::ENODEV => Errno::NoDev,
        libc::ENOTDIR => Errno::NotDir,
        libc::EISDIR => Errno::IsDir,
        libc::EINVAL => Errno::Inval,
        libc::ENFILE => Errno::Nfile,
        libc::EMFILE => Errno::Mfile,
        libc::ENOTTY => Errno::NoTty,
        libc::ETXTBSY => Errno::TxtBsy,
        libc::EFBIG => Errno::Fbig,
        libc::ENOSPC => Errno::NoSpc,
        libc::ESPIPE => Errno::Spipe,
        libc::EROFS => Errno::Rofs,
        libc::EMLINK => Errno::Mlink,
        libc::EPIPE => Errno::Pipe,
        libc::ERANGE => Errno::Range,
        libc::EDEADLK => Errno::Deadlk,
        libc::ENAMETOOLONG => Errno::NameTooLong,
        libc::ENOSYS => Errno::NoSys,
        libc::ENOTEMPTY => Errno::NotEmpty,
        libc::ELOOP => Errno::Loop,
        libc::EOVERFLOW => Errno::Overflow,
        libc::EILSEQ => Errno::Ilseq,
        libc::ENOTSOCK => Errno::NotSock,
        libc::EOPNOTSUPP => Errno::NotSup,
        libc::ETIMEDOUT => Errno::TimedOut,
        libc::EDQUOT => Errno::Dquot,
        libc::ESTALE => Errno::Stale,
        _ => Errno::Io,
    }
}

#[cfg(not(unix))]
fn from_os(code: i32) -> Errno {
    from_kind(io::Error::from_raw_os_error(code).kind())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_match_the_specification() {
        assert_eq!(Errno::Success.raw(), 0);
        assert_eq!(Errno::Badf.raw(), 8);
        assert_eq!(Errno::Fault.raw(), 21);
        assert_eq!(Errno::Inval.raw(), 28);
        assert_eq!(Errno::NoEnt.raw(), 44);
        assert_eq!(Errno::NotSup.raw(), 58);
        assert_eq!(Errno::NotCapable.raw(), 76);
        for raw in 0..=76 {
            assert_eq!(Errno::from_raw(raw).map(Errno::raw), Some(raw));
        }
        assert_eq!(Errno::from_raw(77), None);
    }

    #[test]
    fn host_errors_map_to_wasi() {
        assert_eq!(Errno::from(io::Error::from_raw_os_error(libc::ENOENT)), Errno::NoEnt);
        assert_eq!(Errno::from(io::Error::from_raw_os_error(libc::ELOOP)), Errno::Loop);
        assert_eq!(Errno::from(io::Error::from_raw_os_error(libc::ENOTEMPTY)), Errno::NotEmpty);
        assert_eq!(Errno::from(io::Error::from_raw_os_error(libc::EACCES)), Errno::Acces);
        let escape = io::Error::new(io::ErrorKind::PermissionDenied, "outside");
        assert_eq!(Errno::from(escape), Errno::NotCapable);
        assert_eq!(Errno::from(io::Error::from(io::ErrorKind::NotFound)), Errno::NoEnt);
    }
}
