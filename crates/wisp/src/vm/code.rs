//! Executable memory for compiled code, and the process-wide registry the
//! trap handler uses to recognise Wasm code and its trap sites.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use wisp_environ::{CompiledFunc, CompiledObject, RelocKind, TrapSite};

/// What the registry knows about one module's code.
#[derive(Debug)]
pub(crate) struct CodeInfo {
    pub(crate) start: usize,
    pub(crate) funcs: Vec<CompiledFunc>,
    pub(crate) traps: Vec<TrapSite>,
    /// Index of the module's first defined function.
    pub(crate) num_imported_funcs: u32,
    pub(crate) module_name: Option<String>,
    pub(crate) func_names: std::collections::HashMap<u32, String>,
    /// Byte offset of each defined function's body in the module binary.
    pub(crate) body_offsets: Vec<usize>,
}

static REGISTRY: RwLock<BTreeMap<usize, (usize, Arc<CodeInfo>)>> = RwLock::new(BTreeMap::new());

/// The module code containing `pc`, if any.
pub(crate) fn lookup(pc: usize) -> Option<Arc<CodeInfo>> {
    let reg = REGISTRY.read().unwrap_or_else(|e| e.into_inner());
    let (_, (end, info)) = reg.range(..=pc).next_back()?;
    (pc < *end).then(|| info.clone())
}

impl CodeInfo {
    /// Byte offset, in the module binary, of the body of function `index`
    /// (a module-level index); `None` for imported functions.
    pub(crate) fn body_offset(&self, index: u32) -> Option<usize> {
        let defined = index.checked_sub(self.num_imported_funcs)?;
        self.body_offsets.get(defined as usize).copied()
    }

    /// The trap recorded at `pc`.
    pub(crate) fn trap_at(&self, pc: usize) -> Option<u8> {
        let off = u32::try_from(pc - self.start).ok()?;
        let i = self.traps.binary_search_by_key(&off, |t| t.offset).ok()?;
        Some(self.traps[i].code)
    }

    /// The module-level index of the function containing `pc`, if it is a
    /// Wasm function (not a trampoline).
    pub(crate) fn func_at(&self, pc: usize) -> Option<u32> {
        let off = u32::try_from(pc - self.start).ok()?;
        let i = self.funcs.partition_point(|f| f.offset <= off).checked_sub(1)?;
        let f = self.funcs[i];
        (off < f.offset + f.len).then_some(self.num_imported_funcs + i as u32)
    }
}

/// A module's code, mapped executable and registered.
#[derive(Debug)]
pub(crate) struct LoadedCode {
    base: *mut u8,
    len: usize,
    object: CompiledObject,
    /// The code was linked into the program (by `create-exe`): it is not
    /// ours to unmap.
    linked: bool,
}

// SAFETY: the mapping is immutable (read + execute) once loaded.
unsafe impl Send for LoadedCode {}
// SAFETY: as above.
unsafe impl Sync for LoadedCode {}

fn page_round(n: usize) -> usize {
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) }.max(4096) as usize;
    n.div_ceil(page).max(1) * page
}

impl LoadedCode {
    /// Copies `object`'s text into fresh memory, applies its relocations,
    /// makes it executable and registers it.
    pub(crate) fn load(
        object: CompiledObject,
        info: &wisp_environ::ModuleInfo,
    ) -> Result<Arc<Self>, String> {
        let len = page_round(object.text.len());
        // SAFETY: a fresh anonymous private mapping; failure is MAP_FAILED.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err("cannot map memory for compiled code".into());
        }
        let base = ptr.cast::<u8>();
        // SAFETY: the mapping is `len >= text.len()` writable bytes we own.
        let text = unsafe { std::slice::from_raw_parts_mut(base, len) };
        text[..object.text.len()].copy_from_slice(&object.text);
        let code = LoadedCode { base, len, object, linked: false };
        for r in &code.object.relocs {
            let target = code.object.funcs.get(r.target as usize).ok_or("bad relocation")?;
            let site = r.offset as usize;
            let target = i64::from(target.offset) + r.addend;
            let delta = target - site as i64;
            match r.kind {
                RelocKind::X86CallPcRel4 => {
                    let v = i32::try_from(delta).map_err(|_| "relocation out of range")?;
                    text.get_mut(site..site + 4)
                        .ok_or("bad relocation")?
                        .copy_from_slice(&v.to_le_bytes());
                }
                RelocKind::Arm64Call26 => {
                    let bytes = text.get_mut(site..site + 4).ok_or("bad relocation")?;
                    let insn = u32::from_le_bytes(bytes.try_into().map_err(|_| "bad relocation")?);
                    let imm = ((delta >> 2) as u32) & 0x03ff_ffff;
                    bytes.copy_from_slice(&((insn & 0xfc00_0000) | imm).to_le_bytes());
                }
            }
        }
        // SAFETY: the range is our own mapping; from now on it is only read
        // and executed.
        let rc = unsafe { libc::mprotect(ptr, len, libc::PROT_READ | libc::PROT_EXEC) };
        if rc != 0 {
            return Err("cannot make compiled code executable".into());
        }
        Ok(code.register(info))
    }

    /// Code that the system linker placed in this program at `text`
    /// (`len` bytes, relocations applied), laid out as `object` says;
    /// `object.text` is unused.
    ///
    /// # Safety
    /// `text..text + len` must be executable code of this program, compiled
    /// by Wisp with the layout `object` describes, and stay mapped for the
    /// life of the process.
    pub(crate) unsafe fn linked(
        text: *const u8,
        len: usize,
        object: CompiledObject,
        info: &wisp_environ::ModuleInfo,
    ) -> Arc<Self> {
        LoadedCode { base: text.cast_mut(), len, object, linked: true }.register(info)
    }

    /// Enters the code in the registry the trap handler consults.
    fn register(self, info: &wisp_environ::ModuleInfo) -> Arc<Self> {
        let meta = Arc::new(CodeInfo {
            start: self.base as usize,
            funcs: self.object.funcs.clone(),
            traps: self.object.traps.clone(),
            num_imported_funcs: info.num_imported_funcs,
            module_name: info.name.clone(),
            func_names: info.func_names.clone(),
            body_offsets: info.bodies.iter().map(|b| b.range.start).collect(),
        });
        let start = self.base as usize;
        let mut reg = REGISTRY.write().unwrap_or_else(|e| e.into_inner());
        reg.insert(start, (start + self.len, meta));
        Arc::new(self)
    }

    /// The address the code starts at (its [`CodeInfo::start`]).
    pub(crate) fn base(&self) -> usize {
        self.base as usize
    }

    /// Whether the code was linked into the program rather than loaded.
    pub(crate) fn is_linked(&self) -> bool {
        self.linked
    }

    /// The address of defined function `defined`.
    pub(crate) fn func(&self, defined: u32) -> usize {
        self.base as usize + self.object.funcs[defined as usize].offset as usize
    }

    /// The entry trampoline for type `ty`.
    pub(crate) fn entry_trampoline(&self, ty: u32) -> usize {
        self.base as usize + self.object.entry_trampolines[ty as usize].offset as usize
    }

    /// The host adapter for type `ty`.
    pub(crate) fn host_adapter(&self, ty: u32) -> usize {
        self.base as usize + self.object.host_adapters[ty as usize].offset as usize
    }

    /// The compiled object this code was loaded from.
    pub(crate) fn object(&self) -> &CompiledObject {
        &self.object
    }
}

impl Drop for LoadedCode {
    fn drop(&mut self) {
        REGISTRY.write().unwrap_or_else(|e| e.into_inner()).remove(&(self.base as usize));
        if self.linked {
            return;
        }
        // SAFETY: our own mapping; no instance uses it any more (instances
        // hold the module, which holds this code).
        unsafe {
            libc::munmap(self.base.cast(), self.len);
        }
    }
}
