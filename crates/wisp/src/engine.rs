//! The engine: configuration and state shared by modules and stores.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use wisp_environ::FuncType;

use crate::vm::memory::{LinearMemory, ReservationPool};
use crate::{Config, Error, Result, Strategy};

/// Compiles modules and owns what stores share: configuration and the
/// registry that gives each distinct function signature one id.
///
/// Cheap to clone; clones share state. Thread-safe.
#[derive(Debug, Clone)]
pub struct Engine {
    inner: Arc<EngineInner>,
}

#[derive(Debug)]
struct EngineInner {
    config: Config,
    /// The optimizing compiler, for engines of the Cranelift tier.
    #[cfg(feature = "cranelift")]
    compiler: Option<wisp_cranelift::Compiler>,
    /// The header of the compiler's artifacts, made on first use (it
    /// describes every code-affecting setting, which takes a while).
    #[cfg(feature = "cranelift")]
    header: std::sync::OnceLock<crate::artifact::Header>,
    types: Mutex<TypeRegistry>,
    epoch: AtomicU64,
    /// Address space of dropped memories, for the next ones.
    reservations: Arc<ReservationPool>,
}

#[derive(Debug, Default)]
struct TypeRegistry {
    ids: HashMap<FuncType, u32>,
    types: Vec<FuncType>,
}

impl Engine {
    /// An engine with the given configuration.
    ///
    /// Fails if the configuration asks for a tier this build does not have.
    pub fn new(config: &Config) -> Result<Self> {
        Ok(Self {
            inner: Arc::new(EngineInner {
                config: config.clone(),
                #[cfg(feature = "cranelift")]
                compiler: new_compiler(config)?,
                #[cfg(feature = "cranelift")]
                header: std::sync::OnceLock::new(),
                types: Mutex::default(),
                epoch: AtomicU64::new(0),
                reservations: Arc::new(ReservationPool::new(config.pooled_memories)),
            }),
        })
    }

    /// Whether this engine runs compiled code (the Cranelift tier), which
    /// it either compiles itself or loads precompiled.
    pub(crate) fn is_compiled(&self) -> bool {
        self.inner.config.strategy == Strategy::Cranelift
    }

    /// The compiler, if this engine compiles.
    #[cfg(feature = "cranelift")]
    pub(crate) fn compiler(&self) -> Option<&wisp_cranelift::Compiler> {
        self.inner.compiler.as_ref()
    }

    /// Fails if this engine cannot run code: it compiles for another
    /// target (see [`Config::target`]).
    pub(crate) fn check_runs_code(&self) -> Result<()> {
        match &self.inner.config.target {
            Some(target) if self.is_compiled() => Err(Error::unsupported(format!(
                "this engine compiles for {target}: it can precompile modules but not run them"
            ))),
            _ => Ok(()),
        }
    }

    /// The artifact header of this engine's code.
    pub(crate) fn artifact_header(&self) -> Result<crate::artifact::Header> {
        #[cfg(feature = "cranelift")]
        if let Some(compiler) = self.compiler() {
            let header = self.inner.header.get_or_init(|| {
                let fingerprint =
                    format!("{}|{:?}", compiler.fingerprint(), self.config().features);
                crate::artifact::Header::current(compiler.triple(), &fingerprint)
            });
            return Ok(header.clone());
        }
        Err(Error::unsupported(if self.is_compiled() {
            "this build of Wisp has no compiler, so it cannot check artifacts"
        } else {
            "artifacts need an engine of the Cranelift tier"
        }))
    }

    /// A hash of everything that makes compiled code of this engine
    /// differ: Wisp's version, the target and CPU features, and the
    /// code-affecting settings. Caches of compiled modules key on it
    /// (together with the module's bytes). `None` for the interpreter.
    pub fn compatibility_hash(&self) -> Option<u64> {
        let h = self.artifact_header().ok()?;
        let key = format!("{}|{}|{:x}", h.wisp_version, h.triple, h.config_hash);
        Some(crate::artifact::fnv1a(key.as_bytes()))
    }

    /// The name a cache of compiled modules should file `wasm` under for
    /// this engine: a hash of the bytes (and their length) and the
    /// [compatibility hash](Engine::compatibility_hash). `None` for the
    /// interpreter.
    pub fn cache_key(&self, wasm: &[u8]) -> Option<String> {
        let compat = self.compatibility_hash()?;
        Some(format!("{:016x}-{compat:016x}-{}", crate::artifact::fnv1a(wasm), wasm.len()))
    }

    /// Where compiled code reads the current epoch.
    pub(crate) fn epoch_ptr(&self) -> *const u64 {
        self.inner.epoch.as_ptr().cast_const()
    }

    /// Whether memories of type `ty` get a whole reservation, so compiled
    /// code accesses them without bounds checks.
    pub(crate) fn reserves_memory(&self, ty: &wisp_environ::MemoryType) -> bool {
        self.is_compiled()
            && wisp_environ::vmoffsets::is_static_memory(ty, self.inner.config.memory_reservation)
    }

    /// A new memory of type `ty`, at most `limit_bytes` large.
    pub(crate) fn new_memory(
        &self,
        ty: wisp_environ::MemoryType,
        limit_bytes: u64,
    ) -> Result<LinearMemory> {
        LinearMemory::new(ty, limit_bytes, self.reserves_memory(&ty), &self.inner.reservations)
            .ok_or_else(|| Error::resource("cannot allocate linear memory of the requested size"))
    }

    /// How many address-space reservations of dropped memories wait for
    /// reuse (at most [`Config::pooled_memories`]).
    pub fn pooled_memories(&self) -> usize {
        self.inner.reservations.idle()
    }

    /// The configuration this engine was built with.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Advances the epoch by one. Guests of stores whose deadline this
    /// reaches trap with [`Trap::Interrupted`](crate::Trap::Interrupted) at
    /// their next function entry or loop iteration, if
    /// [`Config::epoch_interruption`] is on. Safe to call from any thread,
    /// e.g. a timer.
    pub fn increment_epoch(&self) {
        self.inner.epoch.fetch_add(1, Ordering::Release);
    }

    /// The current epoch.
    pub fn current_epoch(&self) -> u64 {
        self.inner.epoch.load(Ordering::Acquire)
    }

    /// Whether two handles refer to the same engine.
    pub fn same(a: &Engine, b: &Engine) -> bool {
        Arc::ptr_eq(&a.inner, &b.inner)
    }

    /// The engine-wide id of a signature; equal signatures get equal ids.
    pub(crate) fn type_id(&self, ty: &FuncType) -> u32 {
        let mut reg = self.inner.types.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(&id) = reg.ids.get(ty) {
            return id;
        }
        let id = reg.types.len() as u32;
        reg.types.push(ty.clone());
        reg.ids.insert(ty.clone(), id);
        id
    }
}

#[cfg(feature = "cranelift")]
fn new_compiler(config: &Config) -> Result<Option<wisp_cranelift::Compiler>> {
    if config.strategy != Strategy::Cranelift {
        return Ok(None);
    }
    let settings = wisp_cranelift::Settings {
        memory_reservation: config.memory_reservation,
        consume_fuel: config.consume_fuel,
        epoch_interruption: config.epoch_interruption,
        ..wisp_cranelift::Settings::default()
    };
    let compiler = match &config.target {
        Some(target) => wisp_cranelift::Compiler::for_target(target, settings),
        None => wisp_cranelift::Compiler::host(settings),
    };
    compiler.map(Some).map_err(|e| Error::unsupported(e.0))
}

impl Default for Engine {
    fn default() -> Self {
        Self::new(&Config::default()).expect("the default configuration is valid")
    }
}
