//! Without the `wat` feature, modules must be in the binary format: the
//! text parser is left out of programs that never see text, such as the
//! executables `wisp create-exe` links.

use std::path::Path;

use crate::{Error, Result};

/// Fails: this build cannot read the text format.
pub(super) fn to_binary(_text: &[u8], _path: Option<&Path>) -> Result<Vec<u8>> {
    Err(Error::unsupported(
        "text format support not compiled in (the `wat` feature of the `wisp` crate is off); \
         the module must be in the binary format",
    ))
}
