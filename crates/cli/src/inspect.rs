//! `wisp inspect`: a readable summary of what a module contains.

use std::fmt::{self, Display};
use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use wasmparser::Payload;
use wisp::{ExternType, GlobalType, MemoryType, Module, TableType};

use crate::errors::EXIT_CODES;
use crate::input::read_module;
use crate::options::FeatureOptions;
use crate::package::{PackageOptions, Source};

/// Summarises what a module imports, exports and defines, or a package.
///
/// For a module, prints its size, its imports and exports with their types, its
/// memories, tables and globals, and how many functions it has.
///
/// For a package (`NAMESPACE/NAME[@VERSION]` or a full OCI reference),
/// prints its name, version, digest, size, modules, commands, files and
/// the capabilities it asks for, pulling it into the cache if needed.
///
/// Examples: `wisp inspect examples/sum.wat`, `wisp inspect acme/hello@1`.
#[derive(Args, Debug)]
#[command(after_help = EXIT_CODES)]
pub struct InspectCommand {
    #[command(flatten)]
    features: FeatureOptions,

    #[command(flatten)]
    package: PackageOptions,

    /// The module, `.wasm` or `.wat`, or a package.
    /// Example: `examples/fib.wat`, `acme/hello@1`.
    #[arg(value_name = "FILE|REF")]
    file: PathBuf,
}

impl InspectCommand {
    pub fn execute(self, out: &mut impl Write) -> Result<()> {
        if let Source::Package(reference) = Source::of(&self.file)? {
            return crate::package::inspect(&self.package, &reference, out);
        }
        let engine = self.features.engine()?;
        let binary = read_module(&self.file)?;
        let module = Module::from_binary(&engine, &binary)
            .with_context(|| self.file.display().to_string())?;
        // The embedding API describes imports and exports; what the module
        // defines itself is read from the (already validated) sections.
        let defined = Definitions::decode(&binary)?;

        writeln!(out, "file: {}", self.file.display())?;
        writeln!(out, "binary size: {} bytes", module.binary_size())?;
        if let Some(name) = module.name() {
            writeln!(out, "name: {name}")?;
        }
        let imports: Vec<(String, ExternType)> =
            module.imports().map(|i| (format!("{}::{}", i.module, i.name), i.ty)).collect();
        let imported_funcs =
            imports.iter().filter(|(_, ty)| matches!(ty, ExternType::Func(_))).count();
        writeln!(
            out,
            "functions: {} ({imported_funcs} imported, {} defined)",
            imported_funcs + defined.funcs,
            defined.funcs
        )?;

        let import_lines = imports.iter().map(|(name, ty)| format!("{name}: {}", Kind(ty)));
        list(out, "imports", import_lines.collect())?;
        let export_lines = module.exports().map(|e| format!("{}: {}", e.name, Kind(&e.ty)));
        list(out, "exports", export_lines.collect())?;
        let memories = index_space(&imports, &defined.memories, |ty| match ty {
            ExternType::Memory(m) => Some(*m),
            _ => None,
        });
        list(out, "memories", memories)?;
        let tables = index_space(&imports, &defined.tables, |ty| match ty {
            ExternType::Table(t) => Some(*t),
            _ => None,
        });
        list(out, "tables", tables)?;
        let globals = index_space(&imports, &defined.globals, |ty| match ty {
            ExternType::Global(g) => Some(*g),
            _ => None,
        });
        list(out, "globals", globals)?;
        Ok(())
    }
}

/// `title: none`, or `title (N):` and one indented line per item.
fn list(out: &mut impl Write, title: &str, items: Vec<String>) -> Result<()> {
    if items.is_empty() {
        writeln!(out, "{title}: none")?;
        return Ok(());
    }
    writeln!(out, "{title} ({}):", items.len())?;
    for item in items {
        writeln!(out, "  {item}")?;
    }
    Ok(())
}

/// The items of one index space, numbered as Wasm numbers them: imported
/// ones (picked out of `imports` by `select`) first, then `defined`.
fn index_space<T: Copy>(
    imports: &[(String, ExternType)],
    defined: &[T],
    select: impl Fn(&ExternType) -> Option<T>,
) -> Vec<String>
where
    Described<T>: Display,
{
    let imported = imports.iter().filter_map(|(name, ty)| {
        select(ty).map(|ty| format!("{} (imported as {name})", Described(ty)))
    });
    let defined = defined.iter().map(|&ty| Described(ty).to_string());
    imported.chain(defined).enumerate().map(|(index, item)| format!("{index}: {item}")).collect()
}

/// What a module defines itself (as opposed to imports).
#[derive(Default)]
struct Definitions {
    funcs: usize,
    tables: Vec<TableType>,
    memories: Vec<MemoryType>,
    globals: Vec<GlobalType>,
}

impl Definitions {
    fn decode(binary: &[u8]) -> Result<Self> {
        let mut defined = Self::default();
        for payload in wasmparser::Parser::new(0).parse_all(binary) {
            match payload? {
                Payload::FunctionSection(r) => defined.funcs = r.count() as usize,
                Payload::TableSection(r) => {
                    for table in r {
                        defined.tables.push(table?.ty.into());
                    }
                }
                Payload::MemorySection(r) => {
                    for memory in r {
                        defined.memories.push(memory?.into());
                    }
                }
                Payload::GlobalSection(r) => {
                    for global in r {
                        defined.globals.push(global?.ty.into());
                    }
                }
                _ => {}
            }
        }
        Ok(defined)
    }
}

/// An import's or export's kind and type, as in `global mut i32`.
struct Kind<'a>(&'a ExternType);

impl Display for Kind<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            ExternType::Func(ty) => write!(f, "{ty}"),
            ExternType::Memory(m) => write!(f, "memory {}", Described(*m)),
            ExternType::Table(t) => write!(f, "table {}", Described(*t)),
            ExternType::Global(g) => write!(f, "global {}", Described(*g)),
            ExternType::Tag(ty) => write!(f, "tag {ty}"),
        }
    }
}

/// A memory, table or global type in words.
struct Described<T>(T);

impl Display for Described<MemoryType> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = &self.0;
        write!(f, "{}", Limits(m.minimum, m.maximum))?;
        match 1u64 << m.page_size_log2 {
            65536 => f.write_str(" (64 KiB pages)")?,
            bytes => write!(f, " ({bytes}-byte pages)")?,
        }
        if m.memory64 {
            f.write_str(", 64-bit")?;
        }
        if m.shared {
            f.write_str(", shared")?;
        }
        Ok(())
    }
}

impl Display for Described<TableType> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = &self.0;
        write!(f, "{}, {}", t.element, Limits(t.minimum, t.maximum))?;
        if t.table64 {
            f.write_str(", 64-bit")?;
        }
        Ok(())
    }
}

impl Display for Described<GlobalType> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let g = &self.0;
        if g.mutable { write!(f, "mut {}", g.content) } else { write!(f, "{}", g.content) }
    }
}

/// `min M, max N`, or `min M, no max`.
struct Limits(u64, Option<u64>);

impl Display for Limits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.1 {
            Some(max) => write!(f, "min {}, max {max}", self.0),
            None => write!(f, "min {}, no max", self.0),
        }
    }
}
