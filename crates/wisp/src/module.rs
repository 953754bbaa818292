//! Compiled modules.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use wisp_environ::{ExternKind, FuncType, ImportKind, ModuleInfo};

use crate::error::ErrorKind;
use crate::interp::translate::{TranslatedFunc, translate};
use crate::{Engine, Error, ExternType, Result};

#[cfg(feature = "wat")]
mod text;
#[cfg(not(feature = "wat"))]
#[path = "module/text_disabled.rs"]
mod text;

/// A validated WebAssembly module, ready to instantiate any number of times
/// in any store of its engine.
///
/// Function bodies are translated for the interpreter lazily, on their
/// first call, and the translation is shared by all instances.
/// Cheap to clone; thread-safe.
#[derive(Clone)]
pub struct Module {
    inner: Arc<ModuleInner>,
}

/// A module's shared state.
pub(crate) struct ModuleInner {
    engine: Engine,
    info: ModuleInfo,
    bytes: Box<[u8]>,
    /// Engine-wide signature id of each type index.
    type_ids: Box<[u32]>,
    /// Translated code of each defined function, filled in on first call.
    code: Box<[OnceLock<Arc<TranslatedFunc>>]>,
    /// Machine code, for modules of compiled engines.
    loaded: Option<Arc<crate::vm::code::LoadedCode>>,
    /// Copy-on-write image of memory 0's initial contents, built on the
    /// first instantiation.
    #[cfg(target_os = "linux")]
    image: OnceLock<Option<crate::vm::image::MemoryImage>>,
}

impl std::fmt::Debug for Module {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Module").field("name", &self.name()).finish_non_exhaustive()
    }
}

/// The type of an import or export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportType<'a> {
    /// Module name.
    pub module: &'a str,
    /// Field name.
    pub name: &'a str,
    /// What it must be.
    pub ty: ExternType,
}

/// The type of an export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportType<'a> {
    /// Export name.
    pub name: &'a str,
    /// What it is.
    pub ty: ExternType,
}

impl Module {
    /// Compiles a module from the binary format or the text format. The
    /// text format needs the `wat` feature (on by default); without it,
    /// text is refused with an [`ErrorKind::Unsupported`] error.
    pub fn new(engine: &Engine, bytes: impl AsRef<[u8]>) -> Result<Module> {
        let bytes = bytes.as_ref();
        if bytes.starts_with(b"\0asm") {
            return Self::from_binary(engine, bytes);
        }
        Self::from_binary(engine, &text::to_binary(bytes, None)?)
    }

    /// Compiles a module from a file in the binary or text format (text
    /// needs the `wat` feature, as for [`Module::new`]).
    pub fn from_file(engine: &Engine, path: impl AsRef<Path>) -> Result<Module> {
        let path = path.as_ref();
        let bytes = std::fs::read(path)
            .map_err(|error| Error::new(ErrorKind::Io { path: path.to_path_buf(), error }))?;
        if bytes.starts_with(b"\0asm") {
            return Self::from_binary(engine, &bytes);
        }
        Self::from_binary(engine, &text::to_binary(&bytes, Some(path))?)
    }

    /// Compiles a module from the binary format: decodes and validates it in
    /// one pass.
    pub fn from_binary(engine: &Engine, bytes: &[u8]) -> Result<Module> {
        engine.check_runs_code()?;
        let info = ModuleInfo::parse(bytes, engine.config().features)?;
        let object = if engine.is_compiled() { Some(compile(engine, &info, bytes)?) } else { None };
        Self::assemble(engine, info, bytes, object)
    }

    /// Compiles `bytes` (binary or text) ahead of time into an artifact
    /// that [`Module::deserialize`] loads without compiling. Needs an
    /// engine of the Cranelift tier.
    pub fn precompile(engine: &Engine, bytes: &[u8]) -> Result<Vec<u8>> {
        let binary;
        let bytes = if bytes.starts_with(b"\0asm") {
            bytes
        } else {
            binary = text::to_binary(bytes, None)?;
            &binary[..]
        };
        let header = engine.artifact_header()?;
        let info = ModuleInfo::parse(bytes, engine.config().features)?;
        crate::artifact::write(&header, bytes, &compile(engine, &info, bytes)?)
    }

    /// This module as an artifact (see [`Module::precompile`]).
    pub fn serialize(&self) -> Result<Vec<u8>> {
        let header = self.inner.engine.artifact_header()?;
        let code =
            self.inner.loaded.as_ref().filter(|code| !code.is_linked()).ok_or_else(|| {
                Error::unsupported(
                    "only modules compiled by the Cranelift tier or loaded from artifacts can be \
                 serialized",
                )
            })?;
        crate::artifact::write(&header, &self.inner.bytes, code.object())
    }

    /// Whether `bytes` look like an artifact rather than a Wasm module.
    pub fn is_artifact(bytes: &[u8]) -> bool {
        crate::artifact::is_artifact(bytes)
    }

    /// Loads an artifact written by [`Module::precompile`] or
    /// [`Module::serialize`]. Fails with a clear error if it was made by
    /// another Wisp version, for another target, or with different
    /// code-affecting settings, or if it is damaged.
    ///
    /// # Safety
    /// The artifact's machine code runs as is: only load artifacts from a
    /// trusted source (such as your own cache). The checks above catch
    /// mistakes and corruption, not a deliberately forged file.
    // Loading an artifact trusts its machine code (see `# Safety`).
    #[allow(unsafe_code)]
    pub unsafe fn deserialize(engine: &Engine, bytes: &[u8]) -> Result<Module> {
        engine.check_runs_code()?;
        let header = engine.artifact_header()?;
        let loaded = crate::artifact::read(bytes, &header)?;
        let info = Self::info_for_code(engine, &loaded.wasm, &loaded.code)?;
        Self::assemble(engine, info, &loaded.wasm, Some(loaded.code))
    }

    /// Decodes the module whose compiled code is `code`, checking that the
    /// two belong together. The module was validated when it was compiled,
    /// so its function bodies are not validated again.
    pub(crate) fn info_for_code(
        engine: &Engine,
        wasm: &[u8],
        code: &wisp_environ::CompiledObject,
    ) -> Result<ModuleInfo> {
        let info = ModuleInfo::parse_validated(wasm, engine.config().features)?;
        if code.funcs.len() != info.num_defined_funcs() as usize
            || code.entry_trampolines.len() != info.types.len()
            || code.host_adapters.len() != info.types.len()
        {
            return Err(Error::unsupported(
                "not a valid Wisp artifact: code does not match module",
            ));
        }
        Ok(info)
    }

    fn assemble(
        engine: &Engine,
        info: ModuleInfo,
        bytes: &[u8],
        object: Option<wisp_environ::CompiledObject>,
    ) -> Result<Module> {
        let loaded = match object {
            Some(object) => {
                Some(crate::vm::code::LoadedCode::load(object, &info).map_err(Error::resource)?)
            }
            None => None,
        };
        Ok(Self::with_code(engine, info, bytes, loaded))
    }

    /// A module of `engine` from its decoded form and, for the compiled
    /// tier, its loaded code.
    pub(crate) fn with_code(
        engine: &Engine,
        info: ModuleInfo,
        bytes: &[u8],
        loaded: Option<Arc<crate::vm::code::LoadedCode>>,
    ) -> Module {
        let type_ids = info.types.iter().map(|t| engine.type_id(t)).collect();
        let code = (0..info.num_defined_funcs()).map(|_| OnceLock::new()).collect();
        Module {
            inner: Arc::new(ModuleInner {
                engine: engine.clone(),
                info,
                bytes: bytes.into(),
                type_ids,
                code,
                loaded,
                #[cfg(target_os = "linux")]
                image: OnceLock::new(),
            }),
        }
    }

    /// Checks that `bytes` is a valid binary module for `engine`.
    pub fn validate(engine: &Engine, bytes: &[u8]) -> Result<()> {
        ModuleInfo::parse(bytes, engine.config().features)?;
        Ok(())
    }

    /// The engine the module was compiled for.
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// The module's name from its `name` section.
    pub fn name(&self) -> Option<&str> {
        self.inner.info.name.as_deref()
    }

    /// The imports, in order.
    pub fn imports(&self) -> impl ExactSizeIterator<Item = ImportType<'_>> + '_ {
        self.inner.info.imports.iter().map(|i| ImportType {
            module: &i.module,
            name: &i.name,
            ty: match &i.kind {
                ImportKind::Func(t) => ExternType::Func(self.inner.info.types[*t as usize].clone()),
                ImportKind::Table(t) => ExternType::Table(*t),
                ImportKind::Memory(m) => ExternType::Memory(*m),
                ImportKind::Global(g) => ExternType::Global(*g),
                ImportKind::Tag(t) => ExternType::Tag(self.inner.info.types[*t as usize].clone()),
            },
        })
    }

    /// The exports, in order.
    pub fn exports(&self) -> impl ExactSizeIterator<Item = ExportType<'_>> + '_ {
        self.inner
            .info
            .exports
            .iter()
            .map(|e| ExportType { name: &e.name, ty: self.extern_type(e.kind, e.index) })
    }

    /// The type of the export called `name`.
    pub fn get_export(&self, name: &str) -> Option<ExternType> {
        let e = self.inner.info.export(name)?;
        Some(self.extern_type(e.kind, e.index))
    }

    fn extern_type(&self, kind: ExternKind, index: u32) -> ExternType {
        let info = &self.inner.info;
        match kind {
            ExternKind::Func => ExternType::Func(info.func_type(index).clone()),
            ExternKind::Table => ExternType::Table(info.tables[index as usize]),
            ExternKind::Memory => ExternType::Memory(info.memories[index as usize]),
            ExternKind::Global => ExternType::Global(info.globals[index as usize]),
            ExternKind::Tag => ExternType::Tag(FuncType::new([], [])),
        }
    }

    /// Size of the module's binary in bytes.
    pub fn binary_size(&self) -> usize {
        self.inner.bytes.len()
    }

    /// Translates every function for the interpreter now rather than on its
    /// first call: surfaces per-function resource errors up front and
    /// takes translation off the first calls' latency.
    pub fn translate_all(&self) -> Result<()> {
        let info = &self.inner.info;
        for index in info.num_imported_funcs..info.funcs.len() as u32 {
            self.code(index)?;
        }
        Ok(())
    }

    /// The interpreter bytecode of function `func_index`, one instruction
    /// per line, for debugging the translator and studying performance.
    #[doc(hidden)]
    pub fn disassemble(&self, func_index: u32) -> Result<String> {
        if func_index < self.inner.info.num_imported_funcs
            || func_index as usize >= self.inner.info.funcs.len()
        {
            return Err(Error::ty(format!("function {func_index} has no body in this module")));
        }
        let code = self.code(func_index)?;
        let mut out = format!(
            "frame: {} cells ({} params, {} locals)\n",
            code.frame_cells, code.param_cells, code.local_cells
        );
        for (i, instr) in code.code.iter().enumerate() {
            out.push_str(&format!("{i:4}: {instr}\n"));
        }
        Ok(out)
    }

    /// The copy-on-write image of memory 0, if the module has one.
    #[cfg(target_os = "linux")]
    pub(crate) fn memory_image(&self) -> Option<&crate::vm::image::MemoryImage> {
        self.inner
            .image
            .get_or_init(|| crate::vm::image::MemoryImage::build(&self.inner.info))
            .as_ref()
    }

    /// The module's machine code, for modules of compiled engines.
    pub(crate) fn loaded_code(&self) -> Option<&Arc<crate::vm::code::LoadedCode>> {
        self.inner.loaded.as_ref()
    }

    pub(crate) fn info(&self) -> &ModuleInfo {
        &self.inner.info
    }

    pub(crate) fn type_id(&self, type_index: u32) -> u32 {
        self.inner.type_id(type_index)
    }

    pub(crate) fn code(&self, func_index: u32) -> Result<&Arc<TranslatedFunc>> {
        self.inner.code(func_index)
    }

    /// The shared state, for references that do not count (the executor).
    pub(crate) fn shared(&self) -> &ModuleInner {
        &self.inner
    }
}

impl ModuleInner {
    pub(crate) fn info(&self) -> &ModuleInfo {
        &self.info
    }

    pub(crate) fn type_id(&self, type_index: u32) -> u32 {
        self.type_ids[type_index as usize]
    }

    /// The translated code of defined function `func_index`, if it has
    /// been translated.
    #[inline(always)]
    pub(crate) fn translated(&self, func_index: u32) -> Option<&Arc<TranslatedFunc>> {
        let defined = func_index.wrapping_sub(self.info.num_imported_funcs) as usize;
        self.code.get(defined)?.get()
    }

    /// The translated code of defined function `func_index`, translating it
    /// on first use.
    #[inline]
    pub(crate) fn code(&self, func_index: u32) -> Result<&Arc<TranslatedFunc>> {
        match self.translated(func_index) {
            Some(code) => Ok(code),
            None => self.translate(func_index),
        }
    }

    #[cold]
    #[inline(never)]
    fn translate(&self, func_index: u32) -> Result<&Arc<TranslatedFunc>> {
        let slot = &self.code[(func_index - self.info.num_imported_funcs) as usize];
        let compiled =
            translate(&self.info, &self.type_ids, self.engine.config(), &self.bytes, func_index)?;
        Ok(slot.get_or_init(|| Arc::new(compiled)))
    }
}

/// Compiles `info` (decoded from `bytes`) with `engine`'s compiler.
pub(crate) fn compile(
    engine: &Engine,
    info: &ModuleInfo,
    bytes: &[u8],
) -> Result<wisp_environ::CompiledObject> {
    #[cfg(feature = "cranelift")]
    if let Some(compiler) = engine.compiler() {
        return compiler.compile(info, bytes).map_err(|e| Error::unsupported(e.0));
    }
    let _ = (engine, info, bytes);
    Err(Error::unsupported("this build of Wisp has no compiler: it runs precompiled code only"))
}
