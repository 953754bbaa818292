//! SIMD operators.

use wasmparser::Operator;

use crate::CompileError;
use crate::func::Translation;

/// Translates `op` if it is a SIMD operator; returns whether it was.
pub(crate) fn translate(
    _t: &mut Translation<'_, '_>,
    _op: &Operator<'_>,
) -> Result<bool, CompileError> {
    Ok(false)
}
