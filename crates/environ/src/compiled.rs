//! Compiled code, as a compiler tier hands it to the runtime and as
//! artifacts store it: one text section with per-function ranges,
//! relocations between functions, and trap sites.

use crate::Trap;

/// Where one compiled function lies in the text section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CompiledFunc {
    /// Offset from the start of the text section.
    pub offset: u32,
    /// Length in bytes.
    pub len: u32,
}

/// How a relocation is patched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelocKind {
    /// x86-64 `call rel32`: 32-bit PC-relative displacement.
    X86CallPcRel4,
    /// AArch64 `bl`: 26-bit word offset.
    Arm64Call26,
}

/// A call from one function to another, patched when the code is loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reloc {
    /// Offset in the text section of the bytes to patch.
    pub offset: u32,
    /// How to patch them.
    pub kind: RelocKind,
    /// The defined function called (index among the defined functions).
    pub target: u32,
    /// Added to the target address.
    pub addend: i64,
}

/// An instruction that traps on purpose (or faults on a guard page).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrapSite {
    /// Offset in the text section.
    pub offset: u32,
    /// The trap's code ([`Trap::to_code`] or [`crate::TRAP_PENDING`]).
    pub code: u8,
}

impl TrapSite {
    /// The trap, unless the code says it is pending in the runtime.
    pub fn trap(&self) -> Option<Trap> {
        Trap::from_code(self.code)
    }
}

/// A module's compiled code.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompiledObject {
    /// Machine code of every function and trampoline.
    pub text: Vec<u8>,
    /// The defined functions, in module order.
    pub funcs: Vec<CompiledFunc>,
    /// Per type index: the host-to-Wasm entry trampoline, which calls a
    /// function of that type with arguments and results in an array of
    /// 64-bit cells.
    pub entry_trampolines: Vec<CompiledFunc>,
    /// Per type index: the adapter through which compiled code calls a
    /// host function of that type.
    pub host_adapters: Vec<CompiledFunc>,
    /// Calls to patch.
    pub relocs: Vec<Reloc>,
    /// Trap sites, sorted by offset.
    pub traps: Vec<TrapSite>,
}

impl CompiledObject {
    /// The trap at `offset` in the text section, if one is recorded there.
    pub fn trap_at(&self, offset: u32) -> Option<&TrapSite> {
        let i = self.traps.binary_search_by_key(&offset, |t| t.offset).ok()?;
        Some(&self.traps[i])
    }

    /// The defined function whose code contains `offset`.
    pub fn func_at(&self, offset: u32) -> Option<u32> {
        let i = self.funcs.partition_point(|f| f.offset <= offset).checked_sub(1)?;
        let f = self.funcs[i];
        (offset < f.offset + f.len).then_some(i as u32)
    }
}
