//! `wisp run`: instantiates a module and calls its entry point.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Args;
use wisp::{Engine, ExternType, FuncType, Module, Store, Val};

use crate::args::parse_val;
use crate::errors::EXIT_CODES;
use crate::input::{load_module, load_module_bytes};
use crate::limits::LimitOptions;
use crate::options::EngineOptions;
use crate::package::{PackageOptions, Source};
use crate::wasi::WasiOptions;

const EXAMPLES: &str = "\
Examples:
  wisp run examples/fib.wat --invoke fib 20
  wisp run --invoke add math.wasm -- -1 0x10
  wisp run command.wasm
  wisp run --registry http://127.0.0.1:5000 acme/hello@1 --name world
  wisp run --fuel 1000000 --timeout 5s untrusted.wasm";

/// Runs a WebAssembly module.
///
/// Calls the module's `_start` function, or the function named by
/// `--invoke`. FILE may also be a package: `NAMESPACE/NAME[@VERSION]` on
/// the default registry or `HOST[:PORT]/REPOSITORY[:TAG|@sha256:HEX]`,
/// pulled into the cache if needed (an existing path is always a file).
///
/// Options go before FILE; everything after FILE is passed to the program
/// untouched (a leading `--` is dropped). For the familiar
/// `wisp run FILE --invoke NAME ARGS...`, `--invoke` may also come right
/// after FILE. The program gets WASI (`wasi_snapshot_preview1`) with
/// wisp's standard streams and only the capabilities granted below; its
/// exit status becomes wisp's.
#[derive(Args, Debug)]
#[command(after_help = format!("{EXAMPLES}\n\n{EXIT_CODES}"))]
pub struct RunCommand {
    #[command(flatten)]
    engine: EngineOptions,

    #[command(flatten)]
    limits: LimitOptions,

    #[command(flatten)]
    wasi: WasiOptions,

    #[command(flatten)]
    package: PackageOptions,

    /// Runs the package's command NAME instead of its first (or its first
    /// module, if it has no commands). Example: `--command count`.
    #[arg(long = "command", value_name = "NAME", help_heading = "Package options")]
    package_command: Option<String>,

    /// Calls the exported function NAME instead of `_start`, with ARGS as
    /// its arguments, and prints each result on its own line.
    /// Example: `--invoke fib`.
    #[arg(long, value_name = "NAME")]
    invoke: Option<String>,

    /// Compiles without the compile cache (neither reads nor writes it).
    #[arg(long, help_heading = "Engine options")]
    no_cache: bool,

    /// FILE, the module (a `.wasm` binary or a `.wat` text file), then the
    /// program's arguments (it sees FILE as its first). With --invoke, the
    /// arguments are the function's instead, parsed by its parameter
    /// types: i32/i64 as decimal or 0x-hex (`-7`, `0xff`), f32/f64 as
    /// decimal, `inf`, `-inf` or `nan`, v128 as 0x-hex of 128 bits,
    /// funcref/externref only as `null`.
    /// Example: `examples/fib.wat --invoke fib 20`.
    #[arg(
        value_name = "FILE",
        required = true,
        num_args = 1..,
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    command: Vec<String>,

    #[arg(skip)]
    file: PathBuf,

    #[arg(skip)]
    args: Vec<String>,
}

impl RunCommand {
    /// Splits the command line after the options into FILE and ARGS.
    fn split_command(&mut self) -> Result<()> {
        let mut rest = std::mem::take(&mut self.command).into_iter();
        let file = rest.next().unwrap_or_default();
        if file.starts_with('-') {
            // Options come before FILE, so this one is not wisp's. (A file
            // whose name starts with `-` can be given as `./-name`.)
            bail!("unexpected argument '{file}' found; try --help");
        }
        self.file = PathBuf::from(file);
        let mut rest: Vec<String> = rest.collect();
        if self.invoke.is_none() && rest.first().map(String::as_str) == Some("--invoke") {
            if rest.len() < 2 {
                bail!("--invoke needs the name of a function; try --help");
            }
            self.invoke = Some(rest.remove(1));
            rest.remove(0);
        }
        if rest.first().map(String::as_str) == Some("--") {
            rest.remove(0);
        }
        self.args = rest;
        Ok(())
    }

    /// Runs the program; the exit code is the guest's exit status.
    pub fn execute(mut self, out: &mut impl Write) -> Result<ExitCode> {
        self.split_command()?;
        self.engine.resolve_auto(true);
        let mut config = self.engine.config();
        self.limits.configure(&mut config);
        let engine = Engine::new(&config)?;
        let mut capabilities = self.wasi.capabilities();
        let (module, asked) = match Source::of(&self.file)? {
            Source::File(path) => {
                if self.package_command.is_some() {
                    bail!(
                        "--command names a command of a package, and {} is a file",
                        path.display()
                    );
                }
                (load_module(&engine, &path, !self.no_cache)?, None)
            }
            Source::Package(reference) => {
                let launch = crate::package::prepare(
                    &self.package,
                    &reference,
                    self.package_command.as_deref(),
                )?;
                let name = reference.to_string();
                let module = load_module_bytes(&engine, &name, &launch.module, !self.no_cache)?;
                // The command's own arguments come before the user's.
                self.args.splice(0..0, launch.args);
                capabilities.read_only_dirs.extend(launch.files);
                (module, (!launch.asked.is_empty()).then_some((name, launch.asked)))
            }
        };
        let outcome = self.call(&engine, &module, capabilities, out);
        // A package's failure may be for want of what it asked for.
        match (&outcome, asked) {
            (Ok(code), Some((name, asked))) if *code != ExitCode::SUCCESS => {
                eprintln!(
                    "wisp: note: {name} asks for {} (granted only by your flags)",
                    asked.describe()
                );
                outcome
            }
            (Err(_), Some((name, asked))) => outcome.with_context(|| {
                format!("{name} asks for {} (granted only by your flags)", asked.describe())
            }),
            _ => outcome,
        }
    }

    /// Instantiates `module` with `capabilities` and calls its entry point.
    fn call(
        &self,
        engine: &Engine,
        module: &Module,
        capabilities: wisp_launch::Capabilities,
        out: &mut impl Write,
    ) -> Result<ExitCode> {
        // Everything the command line can get wrong is checked before any
        // guest code (a start function) runs.
        let name = self.entry_point(module)?;
        let ty = function_type(module, name)?;
        let (params, argv) = match self.invoke {
            Some(_) => (self.params(name, &ty)?, vec![self.program_name()]),
            None => (
                Vec::new(),
                std::iter::once(self.program_name()).chain(self.args.clone()).collect(),
            ),
        };
        let mut results: Vec<Val> = ty.results().iter().map(|&t| Val::default_for(t)).collect();

        let mut store = Store::new(engine, capabilities.context(&argv)?);
        self.limits.apply(&mut store, engine)?;
        if let Some(status) = wisp_launch::call(&mut store, module, name, &params, &mut results)? {
            // `proc_exit`. The guest's status is the result even if its
            // last output could not be written (a full disk, a closed pipe).
            let _ = out.flush();
            return Ok(ExitCode::from(status as u8));
        }
        for result in results {
            writeln!(out, "{result}")?;
        }
        Ok(ExitCode::SUCCESS)
    }

    /// The program's own name, its first argument.
    fn program_name(&self) -> String {
        self.file.display().to_string()
    }

    /// The function to call: `--invoke NAME`, or else `_start`.
    fn entry_point<'a>(&'a self, module: &Module) -> Result<&'a str> {
        if let Some(name) = &self.invoke {
            return Ok(name);
        }
        if module.get_export("_start").is_none() {
            bail!(
                "{} has no `_start` function to run; {}; use --invoke NAME to call one",
                self.file.display(),
                exported_functions(module)
            );
        }
        Ok("_start")
    }

    fn params(&self, name: &str, ty: &FuncType) -> Result<Vec<Val>> {
        if self.args.len() != ty.params().len() {
            bail!(
                "`{name}` takes {} argument(s) ({}) but was given {}",
                ty.params().len(),
                type_list(ty),
                self.args.len()
            );
        }
        let parsed = self.args.iter().zip(ty.params()).enumerate().map(|(i, (arg, &ty))| {
            parse_val(arg, ty)
                .map_err(|why| anyhow::anyhow!("argument {} of `{name}`: {why}", i + 1))
        });
        parsed.collect()
    }
}

/// The type of the exported function `name`.
fn function_type(module: &Module, name: &str) -> Result<FuncType> {
    match module.get_export(name) {
        Some(ExternType::Func(ty)) => Ok(ty),
        Some(_) => bail!("the export `{name}` is not a function; {}", exported_functions(module)),
        None => bail!("there is no export named `{name}`; {}", exported_functions(module)),
    }
}

/// "exported functions: a, b", or "the module exports no functions".
fn exported_functions(module: &Module) -> String {
    let names: Vec<&str> =
        module.exports().filter(|e| matches!(e.ty, ExternType::Func(_))).map(|e| e.name).collect();
    if names.is_empty() {
        "the module exports no functions".to_string()
    } else {
        format!("exported functions: {}", names.join(", "))
    }
}

/// The parameter types, as in `i32, i32`.
fn type_list(ty: &FuncType) -> String {
    let names: Vec<String> = ty.params().iter().map(|t| t.to_string()).collect();
    if names.is_empty() { "none".to_string() } else { names.join(", ") }
}
