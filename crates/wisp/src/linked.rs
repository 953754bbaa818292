//! Modules linked into native programs, as `wisp create-exe` does.
//!
//! [`write_object`] compiles a module into a relocatable object file that a
//! system linker links into a program together with Wisp's runtime. The
//! object defines two global symbols:
//!
//! * [`TEXT_SYMBOL`], the start of the compiled code: one `.text` section
//!   with a local symbol per function and ordinary relocations between
//!   them, which the linker applies;
//! * [`IMAGE_SYMBOL`], read-only data with everything else: the module's
//!   bytes, the code's layout (functions, trampolines, trap sites), the
//!   settings the code was compiled with, and bytes of the caller's own
//!   (a program's configuration, say).
//!
//! At run time, [`load`] turns the two symbols back into a [`Module`]
//! whose code runs where the linker put it: nothing is compiled, copied or
//! mapped.

use object::write::{Symbol, SymbolSection};
use object::{SectionKind, SymbolFlags, SymbolKind, SymbolScope};
use wasmparser::WasmFeatures;
use wisp_environ::{Features, ModuleInfo};

use crate::artifact::{self, Header, Reader, corrupt, put_blob, put_u32};
use crate::{Config, Engine, Error, Module, Result, Strategy};

/// The symbol at the start of the compiled code.
pub const TEXT_SYMBOL: &str = "wisp_linked_text";
/// The symbol of the image: the module and the code's layout.
pub const IMAGE_SYMBOL: &str = "wisp_linked_image";

const MAGIC: &[u8; 8] = b"WISPLNK\0";
const FORMAT_VERSION: u32 = 2;
/// Changes whenever the layout the compiled code relies on (the VM context,
/// the libcalls) does, so code and runtime of different builds never meet.
const ABI_ID: &str = env!("WISP_ABI_ID");
/// The target this build of Wisp runs on (and [`load`] accepts code for),
/// e.g. `x86_64-unknown-linux-gnu`.
pub const TARGET: &str = env!("WISP_TARGET");

/// The code-affecting settings, as bits of the image.
const RESERVATION: u32 = 1;
const FUEL: u32 = 2;
const EPOCHS: u32 = 4;

fn settings_bits(engine: &Engine) -> u32 {
    let c = engine.config();
    (if c.memory_reservation { RESERVATION } else { 0 })
        | (if c.consume_fuel { FUEL } else { 0 })
        | (if c.epoch_interruption { EPOCHS } else { 0 })
}

/// Compiles `wasm` (the binary format) with `engine`, which must be of the
/// Cranelift tier (and may have a [`target`](crate::Config::target)), into
/// a relocatable object for the engine's target. `extra` is carried along
/// unchanged and handed back by [`load`].
pub fn write_object(engine: &Engine, wasm: &[u8], extra: &[u8]) -> Result<Vec<u8>> {
    let header = engine.artifact_header()?;
    let info = ModuleInfo::parse(wasm, engine.config().features)?;
    let code = crate::module::compile(engine, &info, wasm)?;
    let (mut obj, text) = artifact::code_object(&header.triple, &code)?;
    obj.add_symbol(Symbol {
        name: TEXT_SYMBOL.as_bytes().to_vec(),
        value: 0,
        size: code.text.len() as u64,
        kind: SymbolKind::Text,
        scope: SymbolScope::Linkage,
        weak: false,
        section: SymbolSection::Section(text),
        flags: SymbolFlags::None,
    });

    let mut body = Vec::new();
    put_u32(&mut body, FORMAT_VERSION);
    put_blob(&mut body, ABI_ID.as_bytes());
    put_u32(&mut body, settings_bits(engine));
    // The proposals, since validating the module again at load time needs
    // those it was compiled with.
    let features = engine.config().features.to_wasmparser().bits();
    body.extend_from_slice(&features.to_le_bytes());
    body.extend_from_slice(&(code.text.len() as u64).to_le_bytes());
    put_blob(&mut body, &artifact::encode(&header, wasm, &code));
    put_blob(&mut body, extra);
    let mut image = MAGIC.to_vec();
    image.extend_from_slice(&(body.len() as u64).to_le_bytes());
    image.extend_from_slice(&body);

    let data = obj.add_section(Vec::new(), b".rodata.wisp".to_vec(), SectionKind::ReadOnlyData);
    let offset = obj.append_section_data(data, &image, 16);
    obj.add_symbol(Symbol {
        name: IMAGE_SYMBOL.as_bytes().to_vec(),
        value: offset,
        size: image.len() as u64,
        kind: SymbolKind::Data,
        scope: SymbolScope::Linkage,
        weak: false,
        section: SymbolSection::Section(data),
        flags: SymbolFlags::None,
    });
    artifact::finish(obj)
}

/// The module linked into this program, the engine that runs it, and the
/// `extra` bytes given to [`write_object`]. The engine is `config` with
/// the settings the code was compiled with (the Cranelift tier, the
/// proposals, memory reservations, fuel, epochs). Code from another Wisp
/// build or for another target is refused.
///
/// # Safety
/// `text` and `image` must be the addresses of [`TEXT_SYMBOL`] and
/// [`IMAGE_SYMBOL`] of one object written by [`write_object`] and linked
/// into this program. Its code runs as is.
pub unsafe fn load(
    config: &Config,
    text: *const u8,
    image: *const u8,
) -> Result<(Engine, Module, &'static [u8])> {
    // SAFETY: the image starts with 16 bytes (magic and length), and the
    // caller guarantees it is one: static data that lives as long as the
    // program.
    let head = unsafe { std::slice::from_raw_parts(image, 16) };
    if head[..8] != MAGIC[..] {
        return Err(corrupt("the linked image has a bad magic number"));
    }
    let len = u64::from_le_bytes(head[8..].try_into().expect("8 bytes"));
    let len = usize::try_from(len).map_err(|_| corrupt("image length"))?;
    // SAFETY: as above; the length is the one `write_object` recorded.
    let body: &'static [u8] = unsafe { std::slice::from_raw_parts(image.add(16), len) };
    let mut r = Reader { bytes: body };
    let version = r.u32()?;
    if version != FORMAT_VERSION {
        return Err(Error::unsupported(format!(
            "linked code of format {version} cannot run on this runtime (format \
             {FORMAT_VERSION}); rebuild the program"
        )));
    }
    if r.blob()? != ABI_ID.as_bytes() {
        return Err(Error::unsupported(
            "the linked code was compiled by a different build of Wisp than the runtime it \
             is linked with; rebuild the program",
        ));
    }
    let bits = r.u32()?;
    let features = WasmFeatures::from_bits_truncate(r.u64()?);
    let mut config = config.clone();
    config.features = Features::from_wasmparser(features);
    config
        .strategy(Strategy::Cranelift)
        .memory_reservation(bits & RESERVATION != 0)
        .consume_fuel(bits & FUEL != 0)
        .epoch_interruption(bits & EPOCHS != 0);
    config.target = None;
    let engine = Engine::new(&config)?;
    let text_len = usize::try_from(r.u64()?).map_err(|_| corrupt("text length"))?;
    let meta = r.blob()?;
    let extra = r.blob()?;
    let expected = Header {
        wisp_version: env!("CARGO_PKG_VERSION").to_string(),
        triple: TARGET.to_string(),
        config_hash: 0,
    };
    let (wasm, code) =
        artifact::decode(meta, text_len, |header| artifact::check_version(header, &expected))?;
    let info = Module::info_for_code(&engine, &wasm, &code)?;
    // SAFETY: the caller guarantees `text` is this image's code, linked
    // into the program; `decode` checked the layout fits `text_len`.
    let loaded = unsafe { crate::vm::code::LoadedCode::linked(text, text_len, code, &info) };
    let module = Module::with_code(&engine, info, &wasm, Some(loaded));
    Ok((engine, module, extra))
}
