//! `wisp create-exe`: a WASI command becomes one native executable.
//!
//! The module is compiled into an object file (`wisp::linked`) and linked
//! by the system C toolchain with Wisp's headless runtime, the static
//! library `libwisp_exe_runtime.a` (Wisp's runtime and WASI, without a
//! compiler). The capabilities are chosen now, with `wisp run`'s flags, and
//! recorded in the executable.

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Context, Result, bail};
use clap::Args;
use wisp::{Engine, ExternType, Module};

use crate::input::read_module;
use crate::options::CodegenOptions;
use crate::wasi::WasiOptions;

/// The static library every executable is linked with.
const RUNTIME_LIB: &str = "libwisp_exe_runtime.a";
/// The only module a WASI command may import from.
const WASI_MODULE: &str = "wasi_snapshot_preview1";
/// What the runtime library needs from the C library (and libgcc's
/// unwinder, linked statically so that no shared library but the C
/// library is needed).
const SYSTEM_LIBS: &[&str] =
    &["-s", "-Wl,--gc-sections", "-lgcc_eh", "-lpthread", "-ldl", "-lm", "-lrt", "-lutil", "-lc"];

const EXAMPLES: &str = "\
Examples:
  wisp create-exe app.wasm -o app && ./app --version
  wisp create-exe --dir . --env LANG=C tool.wasm -o tool
  wisp create-exe --target aarch64-unknown-linux-gnu app.wasm -o app-arm64";

/// Turns a WASI command into a native executable.
///
/// Compiles FILE with Cranelift and links it with Wisp's headless runtime
/// (a static library with no compiler) using the system C compiler. The
/// executable needs no Wisp installation and no cache; it depends on no
/// shared library beyond the C library (`--static`: none at all).
///
/// The guest's capabilities are chosen now, with the same flags as
/// `wisp run`, and built in; every argument of the executable goes to the
/// guest (so `./app --help` is the program's help, not Wisp's). Exit
/// statuses, trap messages and Wasm backtraces are those of `wisp run`.
///
/// The runtime library is looked for with --runtime-lib, then
/// $WISP_RUNTIME_LIB, then beside the `wisp` binary (and in ../lib/wisp),
/// and for --target under ../TRIPLE/release as Cargo lays it out. Build it
/// with `cargo build --release -p wisp-exe-runtime` (add `--target TRIPLE`
/// for another target).
#[derive(Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct CreateExeCommand {
    #[command(flatten)]
    codegen: CodegenOptions,

    #[command(flatten)]
    wasi: WasiOptions,

    /// Where to write the executable (default: FILE without its
    /// extension). Example: `-o app`.
    #[arg(short, long, value_name = "OUT")]
    output: Option<PathBuf>,

    /// Builds for another target, e.g. `aarch64-unknown-linux-gnu`. The
    /// code uses the target's baseline CPU features (x86-64-v2 for x86_64,
    /// also when no target is given), so the executable runs on any
    /// machine of the target. Without a linker and runtime library for
    /// the target, only the object file is written and the command to
    /// link it is printed.
    #[arg(long, value_name = "TRIPLE")]
    target: Option<String>,

    /// The C compiler that links, with its arguments if any (default:
    /// $CC, cc, gcc or clang for this machine; `zig cc` or TRIPLE-gcc for
    /// other targets). Example: `--linker "zig cc -target aarch64-linux-gnu"`.
    #[arg(long, value_name = "COMMAND")]
    linker: Option<String>,

    /// The runtime library to link with (`libwisp_exe_runtime.a`).
    #[arg(long, value_name = "PATH")]
    runtime_lib: Option<PathBuf>,

    /// Links fully statically: the executable needs no shared library at
    /// all, not even the C library.
    #[arg(long = "static")]
    static_link: bool,

    /// The WASI command, a `.wasm` binary or a `.wat` text file.
    #[arg(value_name = "FILE")]
    file: PathBuf,
}

impl CreateExeCommand {
    /// Compiles, links and reports what was written on `log`.
    pub fn execute(self, log: &mut impl Write) -> Result<ExitCode> {
        let host = wisp::linked::TARGET;
        let target = self.target.clone().unwrap_or_else(|| host.to_string());
        let cross = target != host;
        let wasm = read_module(&self.file)?;
        let mut config = self.codegen.config();
        config.target(&target);
        let engine =
            Engine::new(&config).with_context(|| format!("cannot build for target `{target}`"))?;
        check_wasi_command(&engine, &wasm).with_context(|| self.file.display().to_string())?;

        let capabilities = self.wasi.capabilities().encode()?;
        let object = crate::progress::while_compiling(|| {
            wisp::linked::write_object(&engine, &wasm, &capabilities)
        })
        .with_context(|| self.file.display().to_string())?;

        let output = self.output.clone().unwrap_or_else(|| self.file.with_extension(""));
        if output == self.file {
            bail!("the executable would overwrite {}; name it with -o", self.file.display());
        }
        let object_path = with_suffix(&output, ".o");
        std::fs::write(&object_path, &object)
            .with_context(|| format!("cannot write {}", object_path.display()))?;

        let library = self.runtime_library(&target, cross)?;
        let linker = self.linker(&target, cross);
        let (Some(library), Some(linker)) = (&library, &linker) else {
            let found = (library, linker);
            return self.explain_manual_link(log, &target, cross, found, (&object_path, &output));
        };
        let mut command = Command::new(&linker[0]);
        command.args(&linker[1..]).args(self.link_args(&object_path, library, &output));
        let result = command.output().with_context(|| format!("cannot run {}", linker[0]));
        let _ = std::fs::remove_file(&object_path);
        let result = result?;
        if !result.status.success() {
            let stderr = String::from_utf8_lossy(&result.stderr);
            bail!(
                "linking failed ({}): `{}`\n{}",
                result.status,
                shell_words(&command),
                stderr.trim_end()
            );
        }
        let size = std::fs::metadata(&output).map(|m| m.len()).unwrap_or(0);
        writeln!(log, "wrote {} ({size} bytes, {target})", output.display())?;
        Ok(ExitCode::SUCCESS)
    }

    /// The arguments that link the object with the runtime library.
    fn link_args(&self, object: &Path, library: &Path, output: &Path) -> Vec<OsString> {
        let mut args: Vec<OsString> =
            vec!["-o".into(), output.into(), object.into(), library.into()];
        if self.static_link {
            args.push("-static".into());
        }
        args.extend(SYSTEM_LIBS.iter().map(OsString::from));
        args
    }

    /// The runtime library for `target`, if one is found; one named by
    /// the user must exist.
    fn runtime_library(&self, target: &str, cross: bool) -> Result<Option<PathBuf>> {
        let named = self
            .runtime_lib
            .clone()
            .or_else(|| std::env::var_os("WISP_RUNTIME_LIB").map(PathBuf::from));
        if let Some(path) = named {
            if !path.is_file() {
                bail!("the runtime library {} does not exist", path.display());
            }
            return Ok(Some(path));
        }
        Ok(self.search_runtime_library(target, cross))
    }

    /// Where Cargo would have put the runtime library, relative to this
    /// `wisp` binary.
    fn search_runtime_library(&self, target: &str, cross: bool) -> Option<PathBuf> {
        let exe = std::env::current_exe().ok()?;
        let dir = exe.parent()?;
        let candidates = if cross {
            // `cargo build --target TRIPLE` next to the `target/PROFILE` of
            // this binary.
            let profile = dir.file_name()?;
            vec![
                dir.join("..").join(target).join(profile),
                dir.join("..").join(target).join("release"),
            ]
        } else {
            vec![dir.to_path_buf(), dir.join("../lib/wisp")]
        };
        candidates.into_iter().map(|d| d.join(RUNTIME_LIB)).find(|p| p.is_file())
    }

    /// The linker command, split into words, if one is found.
    fn linker(&self, target: &str, cross: bool) -> Option<Vec<String>> {
        if let Some(linker) = &self.linker {
            return Some(linker.split_whitespace().map(String::from).collect());
        }
        if !cross {
            let cc = std::env::var("CC").ok().filter(|cc| !cc.trim().is_empty());
            if let Some(cc) = cc {
                return Some(cc.split_whitespace().map(String::from).collect());
            }
            return ["cc", "gcc", "clang"]
                .into_iter()
                .find(|c| on_path(c))
                .map(|c| vec![c.to_string()]);
        }
        let arch = target.split('-').next().unwrap_or(target);
        let gcc = format!("{arch}-linux-gnu-gcc");
        if target.contains("linux") && on_path(&gcc) {
            return Some(vec![gcc]);
        }
        if on_path("zig") {
            return Some(vec!["zig".into(), "cc".into(), "-target".into(), zig_target(target)]);
        }
        None
    }

    /// Without a linker or a runtime library: for this machine that is an
    /// error; for another target the object is the result, and the user
    /// gets the command that links it.
    /// `found` is the runtime library and linker that were found, if any;
    /// `paths` the object written and the executable meant.
    fn explain_manual_link(
        &self,
        log: &mut impl Write,
        target: &str,
        cross: bool,
        found: (Option<PathBuf>, Option<Vec<String>>),
        paths: (&Path, &Path),
    ) -> Result<ExitCode> {
        let ((library, linker), (object, output)) = (found, paths);
        if !cross {
            let _ = std::fs::remove_file(object);
            if linker.is_none() {
                bail!(
                    "no C compiler found to link with (looked for $CC, cc, gcc and clang); \
                     install one (Debian/Ubuntu: `apt install gcc`; Fedora: `dnf install gcc`; \
                     macOS: `xcode-select --install`) or name it with --linker"
                );
            }
            bail!(
                "Wisp's runtime library ({RUNTIME_LIB}) was not found beside {} (or in \
                 ../lib/wisp); build it with `cargo build --release -p wisp-exe-runtime` and \
                 name it with --runtime-lib or $WISP_RUNTIME_LIB",
                std::env::current_exe().map(|p| p.display().to_string()).unwrap_or_default()
            );
        }
        let linker = linker.unwrap_or_else(|| {
            vec![format!("{}-linux-gnu-gcc", target.split('-').next().unwrap_or(target))]
        });
        let library = library
            .unwrap_or_else(|| PathBuf::from(format!("target/{target}/release/{RUNTIME_LIB}")));
        let mut command = Command::new(&linker[0]);
        command.args(&linker[1..]).args(self.link_args(object, &library, output));
        writeln!(log, "wrote {} (an object file for {target})", object.display())?;
        writeln!(
            log,
            "to make the executable, build Wisp's runtime library for {target}:\n  cargo build \
             --release -p wisp-exe-runtime --target {target}\nthen link with a C compiler for \
             {target}:\n  {}",
            shell_words(&command)
        )?;
        Ok(ExitCode::SUCCESS)
    }
}

/// Fails unless the module is a WASI command: a `_start` function taking
/// and returning nothing, and imports only from WASI.
fn check_wasi_command(engine: &Engine, wasm: &[u8]) -> Result<()> {
    // Validation only: nothing is compiled here.
    let mut config = engine.config().clone();
    config.strategy(wisp::Strategy::Interpreter);
    let module = Module::from_binary(&Engine::new(&config)?, wasm)?;
    match module.get_export("_start") {
        Some(ExternType::Func(ty)) if ty.params().is_empty() && ty.results().is_empty() => {}
        Some(_) => bail!(
            "not a WASI command: its `_start` export is not a function of no \
                          parameters and no results"
        ),
        None => bail!(
            "not a WASI command: it exports no `_start` function (libraries and \
                       modules that need a host of their own cannot become executables)"
        ),
    }
    if let Some(import) = module.imports().find(|i| i.module != WASI_MODULE) {
        bail!(
            "not a WASI command: it imports `{}::{}`, which only a host of its own can \
             provide (executables provide {WASI_MODULE} only)",
            import.module,
            import.name
        );
    }
    Ok(())
}

/// `zig cc`'s name for `target`: no vendor.
fn zig_target(target: &str) -> String {
    let parts: Vec<&str> = target.split('-').collect();
    match parts.as_slice() {
        [arch, _vendor, os, env] => format!("{arch}-{os}-{env}"),
        _ => target.to_string(),
    }
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}

/// `path` with `suffix` appended to its file name.
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// A command as a user would type it.
fn shell_words(command: &Command) -> String {
    std::iter::once(command.get_program())
        .chain(command.get_args())
        .map(|w| {
            let w = w.to_string_lossy();
            if w.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=,+:@".contains(c)) {
                w.into_owned()
            } else {
                format!("'{}'", w.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}
