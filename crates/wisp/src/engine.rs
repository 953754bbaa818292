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
                types: Mutex::default(),
                epoch: AtomicU64::new(0),
                reservations: Arc::default(),
            }),
        })
    }

    /// The settings of the compiled tier, if this engine compiles.
    pub(crate) fn compiler_settings(&self) -> Option<&wisp_cranelift::Settings> {
        self.compiler().map(|c| c.settings())
    }

    /// The compiler, if this engine compiles.
    pub(crate) fn compiler(&self) -> Option<&wisp_cranelift::Compiler> {
        self.inner.compiler.as_ref()
    }

    /// The compiler and the artifact header of this engine's code.
    pub(crate) fn artifact_header(
        &self,
    ) -> Result<(&wisp_cranelift::Compiler, crate::artifact::Header)> {
        let compiler = self
            .compiler()
            .ok_or_else(|| Error::unsupported("artifacts need an engine of the Cranelift tier"))?;
        let fingerprint = format!("{}|{:?}", compiler.fingerprint(), self.config().features);
        Ok((compiler, crate::artifact::Header::current(compiler.triple(), &fingerprint)))
    }

    /// A hash of everything that makes compiled code of this engine
    /// differ: Wisp's version, the target and CPU features, and the
    /// code-affecting settings. Caches of compiled modules key on it
    /// (together with the module's bytes). `None` for the interpreter.
    pub fn compatibility_hash(&self) -> Option<u64> {
        let (_, h) = self.artifact_header().ok()?;
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
        self.compiler_settings()
            .is_some_and(|s| wisp_environ::vmoffsets::is_static_memory(ty, s.memory_reservation))
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
    wisp_cranelift::Compiler::host(settings).map(Some).map_err(|e| Error::unsupported(e.0))
}

impl Default for Engine {
    fn default() -> Self {
        Self::new(&Config::default()).expect("the default configuration is valid")
    }
}
