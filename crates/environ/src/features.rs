/// The WebAssembly proposals a module may use.
///
/// The defaults enable exactly WebAssembly 2.0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)] // each field is named after its proposal
pub struct Features {
    pub mutable_global: bool,
    pub sign_extension: bool,
    pub saturating_float_to_int: bool,
    pub multi_value: bool,
    pub bulk_memory: bool,
    pub reference_types: bool,
    pub simd: bool,
    pub relaxed_simd: bool,
    pub tail_call: bool,
    pub extended_const: bool,
    pub multi_memory: bool,
    pub memory64: bool,
    pub exceptions: bool,
    pub function_references: bool,
    pub gc: bool,
}

impl Default for Features {
    fn default() -> Self {
        Self {
            mutable_global: true,
            sign_extension: true,
            saturating_float_to_int: true,
            multi_value: true,
            bulk_memory: true,
            reference_types: true,
            simd: true,
            relaxed_simd: false,
            tail_call: false,
            extended_const: false,
            multi_memory: false,
            memory64: false,
            exceptions: false,
            function_references: false,
            gc: false,
        }
    }
}

impl Features {
    /// The feature set understood by the validator.
    pub fn to_wasmparser(mut self) -> wasmparser::WasmFeatures {
        use wasmparser::WasmFeatures as W;
        let mut f = W::MVP | W::FLOATS | W::GC_TYPES;
        for (on, flag) in self.switches() {
            f.set(flag, *on);
        }
        f
    }

    /// The features whose proposals are set in `flags`: the inverse of
    /// [`Features::to_wasmparser`], for settings stored as its bits.
    pub fn from_wasmparser(flags: wasmparser::WasmFeatures) -> Self {
        let mut features = Self::default();
        for (on, flag) in features.switches() {
            *on = flags.contains(flag);
        }
        features
    }

    /// Each proposal's switch with the validator's flag for it: the one
    /// list both conversions are made from.
    fn switches(&mut self) -> [(&mut bool, wasmparser::WasmFeatures); 15] {
        use wasmparser::WasmFeatures as W;
        [
            (&mut self.mutable_global, W::MUTABLE_GLOBAL),
            (&mut self.sign_extension, W::SIGN_EXTENSION),
            (&mut self.saturating_float_to_int, W::SATURATING_FLOAT_TO_INT),
            (&mut self.multi_value, W::MULTI_VALUE),
            (&mut self.bulk_memory, W::BULK_MEMORY),
            (&mut self.reference_types, W::REFERENCE_TYPES),
            (&mut self.simd, W::SIMD),
            (&mut self.relaxed_simd, W::RELAXED_SIMD),
            (&mut self.tail_call, W::TAIL_CALL),
            (&mut self.extended_const, W::EXTENDED_CONST),
            (&mut self.multi_memory, W::MULTI_MEMORY),
            (&mut self.memory64, W::MEMORY64),
            (&mut self.exceptions, W::EXCEPTIONS),
            (&mut self.function_references, W::FUNCTION_REFERENCES),
            (&mut self.gc, W::GC),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_survive_the_validator_flags() {
        let mut all = Features::default();
        for (on, _) in all.switches() {
            *on = true;
        }
        let tail_calls_only_beyond_2_0 = Features { tail_call: true, ..Features::default() };
        for features in [Features::default(), all, tail_calls_only_beyond_2_0] {
            assert_eq!(Features::from_wasmparser(features.to_wasmparser()), features);
        }
    }
}
