//! The engine: configuration and state shared by modules and stores.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use wisp_environ::FuncType;

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
    types: Mutex<TypeRegistry>,
    epoch: AtomicU64,
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
        if config.strategy == Strategy::Cranelift {
            return Err(Error::unsupported(
                "the Cranelift tier is not available in this build of Wisp; use the interpreter",
            ));
        }
        Ok(Self {
            inner: Arc::new(EngineInner {
                config: config.clone(),
                types: Mutex::default(),
                epoch: AtomicU64::new(0),
            }),
        })
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

impl Default for Engine {
    fn default() -> Self {
        Self::new(&Config::default()).expect("the default configuration is valid")
    }
}
