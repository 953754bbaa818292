//! Modules in the text format, parsed by the `wat` crate (the `wat`
//! feature).

use std::path::Path;

use crate::error::ErrorKind;
use crate::{Error, Result};

/// The binary encoding of the text-format module `text`. `path` names the
/// file it was read from, for error messages.
pub(super) fn to_binary(text: &[u8], path: Option<&Path>) -> Result<Vec<u8>> {
    let parsed = wat::Parser::new().parse_bytes(path, text).map_err(|mut e| {
        if let Some(path) = path {
            e.set_path(path);
        }
        Error::new(ErrorKind::Text(e.to_string()))
    })?;
    Ok(parsed.into_owned())
}
