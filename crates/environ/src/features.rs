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
    pub fn to_wasmparser(self) -> wasmparser::WasmFeatures {
        use wasmparser::WasmFeatures as W;
        let mut f = W::MVP | W::FLOATS | W::GC_TYPES;
        let pairs = [
            (self.mutable_global, W::MUTABLE_GLOBAL),
            (self.sign_extension, W::SIGN_EXTENSION),
            (self.saturating_float_to_int, W::SATURATING_FLOAT_TO_INT),
            (self.multi_value, W::MULTI_VALUE),
            (self.bulk_memory, W::BULK_MEMORY),
            (self.reference_types, W::REFERENCE_TYPES),
            (self.simd, W::SIMD),
            (self.relaxed_simd, W::RELAXED_SIMD),
            (self.tail_call, W::TAIL_CALL),
            (self.extended_const, W::EXTENDED_CONST),
            (self.multi_memory, W::MULTI_MEMORY),
            (self.memory64, W::MEMORY64),
            (self.exceptions, W::EXCEPTIONS),
            (self.function_references, W::FUNCTION_REFERENCES),
            (self.gc, W::GC),
        ];
        for (on, flag) in pairs {
            f.set(flag, on);
        }
        f
    }
}
