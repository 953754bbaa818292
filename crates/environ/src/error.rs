use std::fmt;

/// A module failed to decode or validate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WasmError {
    /// What is wrong, in words.
    pub message: String,
    /// Byte offset in the binary where the problem was found, if known.
    pub offset: Option<usize>,
}

impl WasmError {
    /// An error at a byte offset.
    pub fn at(message: impl Into<String>, offset: usize) -> Self {
        Self { message: message.into(), offset: Some(offset) }
    }

    /// An error without a position.
    pub fn new(message: impl Into<String>) -> Self {
        Self { message: message.into(), offset: None }
    }
}

impl fmt::Display for WasmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.offset {
            Some(offset) => write!(f, "{} (at offset {offset:#x})", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for WasmError {}

impl From<wasmparser::BinaryReaderError> for WasmError {
    fn from(e: wasmparser::BinaryReaderError) -> Self {
        // Some decoder messages span lines; errors are reported on one.
        let message = e.message().split_whitespace().collect::<Vec<_>>().join(" ");
        Self::at(message, e.offset() as usize)
    }
}
