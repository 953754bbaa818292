//! Precompiled modules ("artifacts").
//!
//! An artifact is a relocatable ELF object: its `.text` section holds the
//! compiled code with one symbol per function and ordinary relocations for
//! the calls between them, so a system linker can link it into an
//! executable; its `.wisp` section holds everything else Wisp needs — a
//! header that says which Wisp, target and code-affecting settings
//! produced it, the module's bytes, and the code's layout (functions,
//! trampolines, trap sites). Loading an artifact means trusting it: the
//! header check catches mismatches and corruption, not malice.

use object::write::{Object, Relocation, StandardSection, Symbol, SymbolSection};
use object::{
    Architecture, BinaryFormat, Endianness, Object as _, ObjectSection as _, RelocationEncoding,
    RelocationFlags, RelocationKind, SymbolFlags, SymbolKind, SymbolScope,
};
use wisp_environ::{CompiledFunc, CompiledObject, Reloc, RelocKind, TrapSite};

use crate::{Error, Result};

/// First bytes of the `.wisp` section.
const MAGIC: &[u8; 8] = b"WISPAOT\0";
/// Bumped whenever the layout below changes.
const FORMAT_VERSION: u32 = 1;
/// Name of the metadata section.
pub(crate) const SECTION: &str = ".wisp";

/// What must match between the producer and the consumer of an artifact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Header {
    pub(crate) wisp_version: String,
    pub(crate) triple: String,
    /// Hash of every code-affecting setting.
    pub(crate) config_hash: u64,
}

impl Header {
    #[cfg(feature = "cranelift")]
    pub(crate) fn current(triple: String, fingerprint: &str) -> Self {
        Self {
            wisp_version: env!("CARGO_PKG_VERSION").to_string(),
            triple,
            config_hash: fnv1a(fingerprint.as_bytes()),
        }
    }
}

/// A 64-bit FNV-1a hash: stable across builds and platforms.
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

pub(crate) fn architecture(triple: &str) -> Result<(Architecture, BinaryFormat)> {
    let arch = match triple.split('-').next() {
        Some("x86_64") => Architecture::X86_64,
        Some("aarch64") => Architecture::Aarch64,
        _ => return Err(Error::unsupported(format!("no object format for target `{triple}`"))),
    };
    let format = if triple.contains("apple") {
        BinaryFormat::MachO
    } else if triple.contains("windows") {
        BinaryFormat::Coff
    } else {
        BinaryFormat::Elf
    };
    Ok((arch, format))
}

/// Symbol of defined function `i` (also what `create-exe` links against).
pub(crate) fn func_symbol(i: usize) -> String {
    format!("wisp_func_{i}")
}

/// Writes an artifact for `wasm`, compiled into `object` for `header`.
pub(crate) fn write(header: &Header, wasm: &[u8], code: &CompiledObject) -> Result<Vec<u8>> {
    let (mut obj, _) = code_object(&header.triple, code)?;
    let meta =
        obj.add_section(Vec::new(), SECTION.as_bytes().to_vec(), object::SectionKind::Metadata);
    obj.append_section_data(meta, &encode(header, wasm, code), 8);
    finish(obj)
}

/// An object for `triple` whose `.text` holds `code`, with a symbol per
/// function and the relocations between them.
pub(crate) fn code_object(
    triple: &str,
    code: &CompiledObject,
) -> Result<(Object<'static>, object::write::SectionId)> {
    let (arch, format) = architecture(triple)?;
    let mut obj = Object::new(format, arch, Endianness::Little);
    let text = obj.section_id(StandardSection::Text);
    obj.append_section_data(text, &code.text, 16);
    let mut symbols = Vec::with_capacity(code.funcs.len());
    for (i, f) in code.funcs.iter().enumerate() {
        symbols.push(obj.add_symbol(Symbol {
            name: func_symbol(i).into_bytes(),
            value: u64::from(f.offset),
            size: u64::from(f.len),
            kind: SymbolKind::Text,
            scope: SymbolScope::Compilation,
            weak: false,
            section: SymbolSection::Section(text),
            flags: SymbolFlags::None,
        }));
    }
    for r in &code.relocs {
        let encoding = match r.kind {
            RelocKind::X86CallPcRel4 => RelocationEncoding::X86Branch,
            RelocKind::Arm64Call26 => RelocationEncoding::AArch64Call,
        };
        let size = if r.kind == RelocKind::X86CallPcRel4 { 32 } else { 26 };
        obj.add_relocation(
            text,
            Relocation {
                offset: u64::from(r.offset),
                symbol: symbols[r.target as usize],
                addend: r.addend,
                flags: RelocationFlags::Generic {
                    kind: RelocationKind::PltRelative,
                    encoding,
                    size,
                },
            },
        )
        .map_err(|e| Error::unsupported(format!("cannot write relocation: {e}")))?;
    }
    Ok((obj, text))
}

/// The bytes of `obj`.
pub(crate) fn finish(obj: Object<'_>) -> Result<Vec<u8>> {
    obj.write().map_err(|e| Error::unsupported(format!("cannot write object: {e}")))
}

/// An artifact read back: the module's bytes and its compiled code.
pub(crate) struct Loaded {
    pub(crate) wasm: Vec<u8>,
    pub(crate) code: CompiledObject,
}

pub(crate) fn corrupt(what: &str) -> Error {
    Error::unsupported(format!("not a valid Wisp artifact: {what}"))
}

/// Whether `bytes` look like an artifact (an object file with a `.wisp`
/// section), without checking it further.
pub(crate) fn is_artifact(bytes: &[u8]) -> bool {
    object::File::parse(bytes).is_ok_and(|f| f.section_by_name(SECTION).is_some())
}

/// Reads an artifact, checking its header against `expected`.
pub(crate) fn read(bytes: &[u8], expected: &Header) -> Result<Loaded> {
    let file = object::File::parse(bytes).map_err(|e| corrupt(&e.to_string()))?;
    let meta = file.section_by_name(SECTION).ok_or_else(|| corrupt("no .wisp section"))?;
    let meta = meta.data().map_err(|e| corrupt(&e.to_string()))?;
    let text = file.section_by_name(".text").ok_or_else(|| corrupt("no .text section"))?;
    let text = text.data().map_err(|e| corrupt(&e.to_string()))?;
    let (wasm, mut code) = decode(meta, text.len(), |header| {
        check_version(header, expected)?;
        if header.config_hash != expected.config_hash {
            return Err(Error::unsupported(
                "artifact was compiled with different code-affecting settings (CPU features, \
                 memory reservations, fuel, epochs); recompile it with this configuration",
            ));
        }
        Ok(())
    })?;
    code.text = text.to_vec();
    Ok(Loaded { wasm, code })
}

/// Fails unless `header` names this Wisp and `expected`'s target.
pub(crate) fn check_version(header: &Header, expected: &Header) -> Result<()> {
    if header.wisp_version != expected.wisp_version {
        return Err(Error::unsupported(format!(
            "artifact was compiled by Wisp {}, this is Wisp {}; recompile the module",
            header.wisp_version, expected.wisp_version
        )));
    }
    if header.triple != expected.triple {
        return Err(Error::unsupported(format!(
            "artifact was compiled for {}, this machine is {}",
            header.triple, expected.triple
        )));
    }
    Ok(())
}

/// Decodes metadata written by [`encode`] for a text section of
/// `text_len` bytes: the module's bytes and the code's layout (with an
/// empty `text`). `check` vets the header before anything else is read.
pub(crate) fn decode(
    meta: &[u8],
    text_len: usize,
    check: impl FnOnce(&Header) -> Result<()>,
) -> Result<(Vec<u8>, CompiledObject)> {
    let mut r = Reader { bytes: meta };
    if r.take(8)? != MAGIC {
        return Err(corrupt("bad magic"));
    }
    let version = r.u32()?;
    if version != FORMAT_VERSION {
        return Err(Error::unsupported(format!(
            "artifact format {version} is not supported (this Wisp reads format \
             {FORMAT_VERSION}); recompile the module"
        )));
    }
    let header = Header { wisp_version: r.string()?, triple: r.string()?, config_hash: r.u64()? };
    check(&header)?;
    let checksum = r.u64()?;
    if checksum != fnv1a(r.bytes) {
        return Err(corrupt("checksum mismatch"));
    }
    let wasm = r.blob()?.to_vec();
    let mut code = CompiledObject {
        funcs: r.funcs()?,
        entry_trampolines: r.funcs()?,
        host_adapters: r.funcs()?,
        ..CompiledObject::default()
    };
    for _ in 0..r.count()? {
        let offset = r.u32()?;
        let kind = match r.u32()? {
            0 => RelocKind::X86CallPcRel4,
            1 => RelocKind::Arm64Call26,
            _ => return Err(corrupt("bad relocation kind")),
        };
        let target = r.u32()?;
        let addend = r.u64()? as i64;
        code.relocs.push(Reloc { offset, kind, target, addend });
    }
    for _ in 0..r.count()? {
        let offset = r.u32()?;
        let code_byte = r.take(1)?[0];
        code.traps.push(TrapSite { offset, code: code_byte });
    }
    check_layout(&code, text_len)?;
    Ok((wasm, code))
}

/// Everything in the layout must point inside the text section.
fn check_layout(code: &CompiledObject, text_len: usize) -> Result<()> {
    let len = text_len as u64;
    let inside = |f: &CompiledFunc| u64::from(f.offset) + u64::from(f.len) <= len;
    let funcs = code.funcs.iter().chain(&code.entry_trampolines).chain(&code.host_adapters);
    if !funcs.clone().all(inside)
        || !code
            .relocs
            .iter()
            .all(|r| u64::from(r.offset) + 4 <= len && (r.target as usize) < code.funcs.len())
        || !code.traps.iter().all(|t| u64::from(t.offset) < len)
        || !code.traps.is_sorted_by_key(|t| t.offset)
    {
        return Err(corrupt("layout points outside the code"));
    }
    Ok(())
}

pub(crate) fn encode(header: &Header, wasm: &[u8], code: &CompiledObject) -> Vec<u8> {
    let mut body = Vec::new();
    put_blob(&mut body, wasm);
    for list in [&code.funcs, &code.entry_trampolines, &code.host_adapters] {
        put_u32(&mut body, list.len() as u32);
        for f in list {
            put_u32(&mut body, f.offset);
            put_u32(&mut body, f.len);
        }
    }
    put_u32(&mut body, code.relocs.len() as u32);
    for r in &code.relocs {
        put_u32(&mut body, r.offset);
        put_u32(&mut body, if r.kind == RelocKind::X86CallPcRel4 { 0 } else { 1 });
        put_u32(&mut body, r.target);
        body.extend_from_slice(&(r.addend as u64).to_le_bytes());
    }
    put_u32(&mut body, code.traps.len() as u32);
    for t in &code.traps {
        put_u32(&mut body, t.offset);
        body.push(t.code);
    }
    let mut out = MAGIC.to_vec();
    put_u32(&mut out, FORMAT_VERSION);
    put_blob(&mut out, header.wisp_version.as_bytes());
    put_blob(&mut out, header.triple.as_bytes());
    out.extend_from_slice(&header.config_hash.to_le_bytes());
    out.extend_from_slice(&fnv1a(&body).to_le_bytes());
    out.extend_from_slice(&body);
    out
}

pub(crate) fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

pub(crate) fn put_blob(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(&(b.len() as u64).to_le_bytes());
    out.extend_from_slice(b);
}

/// Checked little-endian reads; running out of bytes is an error.
pub(crate) struct Reader<'a> {
    pub(crate) bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.bytes.len() {
            return Err(corrupt("truncated"));
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    pub(crate) fn u32(&mut self) -> Result<u32> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    pub(crate) fn u64(&mut self) -> Result<u64> {
        Ok(u64::from(self.u32()?) | (u64::from(self.u32()?) << 32))
    }

    /// A count of records; each record is at least 4 bytes.
    fn count(&mut self) -> Result<usize> {
        let n = self.u32()? as usize;
        if n > self.bytes.len() / 4 {
            return Err(corrupt("count exceeds the data"));
        }
        Ok(n)
    }

    pub(crate) fn blob(&mut self) -> Result<&'a [u8]> {
        let n = usize::try_from(self.u64()?).map_err(|_| corrupt("length"))?;
        self.take(n)
    }

    fn string(&mut self) -> Result<String> {
        String::from_utf8(self.blob()?.to_vec()).map_err(|_| corrupt("bad string"))
    }

    fn funcs(&mut self) -> Result<Vec<CompiledFunc>> {
        let n = self.count()?;
        (0..n).map(|_| Ok(CompiledFunc { offset: self.u32()?, len: self.u32()? })).collect()
    }
}
