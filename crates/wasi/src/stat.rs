//! Host metadata to WASI `filestat` and `filetype`.

use crate::layout::{Filestat, filetype};

fn nanos(secs: i64, nsec: i64) -> u64 {
    let ns = i128::from(secs) * 1_000_000_000 + i128::from(nsec);
    u64::try_from(ns.max(0)).unwrap_or(u64::MAX)
}

// `std` and cap-std spell the same Unix metadata accessors through two
// different traits, so one macro serves both.
macro_rules! convert {
    ($fn_stat:ident, $fn_type:ident, $meta:ty, $ftype:ty, $meta_ext:path, $type_ext:path) => {
        pub(crate) fn $fn_type(t: $ftype) -> u8 {
            use $type_ext as _;
            if t.is_dir() {
                filetype::DIRECTORY
            } else if t.is_file() {
                filetype::REGULAR_FILE
            } else if t.is_symlink() {
                filetype::SYMBOLIC_LINK
            } else if t.is_block_device() {
                filetype::BLOCK_DEVICE
            } else if t.is_char_device() {
                filetype::CHARACTER_DEVICE
            } else if t.is_socket() {
                filetype::SOCKET_STREAM
            } else {
                filetype::UNKNOWN
            }
        }

        pub(crate) fn $fn_stat(m: &$meta) -> Filestat {
            use $meta_ext as _;
            Filestat {
                dev: m.dev(),
                ino: m.ino(),
                filetype: $fn_type(m.file_type()),
                nlink: m.nlink(),
                size: m.len(),
                atim: nanos(m.atime(), m.atime_nsec()),
                mtim: nanos(m.mtime(), m.mtime_nsec()),
                ctim: nanos(m.ctime(), m.ctime_nsec()),
            }
        }
    };
}

convert!(
    from_std,
    filetype_of_std,
    std::fs::Metadata,
    std::fs::FileType,
    std::os::unix::fs::MetadataExt,
    std::os::unix::fs::FileTypeExt
);
convert!(
    from_cap,
    filetype_of_cap,
    cap_std::fs::Metadata,
    cap_std::fs::FileType,
    cap_std::fs::MetadataExt,
    cap_std::fs::FileTypeExt
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_clamp_and_combine() {
        assert_eq!(nanos(1, 5), 1_000_000_005);
        assert_eq!(nanos(-3, 0), 0);
        assert_eq!(nanos(i64::MAX, 0), u64::MAX);
    }
}
