//! Traps and Wasm backtraces.

use std::fmt;

pub use wisp_environ::Trap;

/// One frame of a Wasm backtrace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameInfo {
    /// Module name from the `name` section, if any.
    pub module_name: Option<String>,
    /// Function index within its module.
    pub func_index: u32,
    /// Function name from the `name` section, if any.
    pub func_name: Option<String>,
    /// The instance whose function this frame runs, when known. The
    /// interpreter always knows it. Compiled frames record code addresses
    /// only, so there it is the instance called if that instance runs the
    /// frame's code, else the store's only instance that does, else
    /// `None`; it can only be wrong when instances of one module call into
    /// each other.
    pub instance: Option<crate::Instance>,
    /// Byte offset, in the module binary, of the function's body. Frames
    /// locate their function, not the instruction within it.
    pub body_offset: Option<usize>,
}

/// The Wasm call stack at the point of a trap, innermost frame first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Backtrace {
    frames: Vec<FrameInfo>,
}

impl Backtrace {
    pub(crate) fn new(frames: Vec<FrameInfo>) -> Self {
        Self { frames }
    }

    /// The frames, innermost first.
    pub fn frames(&self) -> &[FrameInfo] {
        &self.frames
    }
}

impl fmt::Display for Backtrace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "wasm backtrace:")?;
        for (i, frame) in self.frames.iter().enumerate() {
            write!(f, "  {i:>3}: ")?;
            if let Some(m) = &frame.module_name {
                write!(f, "{m}!")?;
            }
            match &frame.func_name {
                Some(name) => writeln!(f, "{name}")?,
                None => writeln!(f, "<wasm function {}>", frame.func_index)?,
            }
        }
        Ok(())
    }
}
