//! `--fuel`, `--timeout` and `--max-memory`: bounds on what a guest may
//! use.

use std::time::Duration;

use anyhow::Result;
use clap::Args;
use wisp::{Config, Engine, Store, StoreLimits};
use wisp_launch::units::{parse_duration, parse_size};

/// Limits on a guest's execution.
#[derive(Args, Debug, Clone, Default)]
pub struct LimitOptions {
    /// Stops the guest with a trap ("all fuel consumed") once it has
    /// executed N Wasm operators. Deterministic: the same program and
    /// arguments stop at the same point. Example: `--fuel 1000000`.
    #[arg(long, value_name = "N", help_heading = "Limits")]
    fuel: Option<u64>,

    /// Stops the guest with a trap ("interrupted") after DURATION of wall-
    /// clock time. Units: ms, s, m, h. Example: `--timeout 200ms`.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, help_heading = "Limits")]
    timeout: Option<Duration>,

    /// The most bytes any one linear memory may grow to; `memory.grow`
    /// beyond it returns -1. Units: B, KiB, MiB, GiB (bare numbers are
    /// bytes). Example: `--max-memory 64MiB`.
    #[arg(long, value_name = "SIZE", value_parser = parse_size, help_heading = "Limits")]
    max_memory: Option<u64>,
}

impl LimitOptions {
    /// `--fuel`, if given.
    pub fn fuel(&self) -> Option<u64> {
        self.fuel
    }

    /// `--timeout`, if given.
    pub fn timeout(&self) -> Option<Duration> {
        self.timeout
    }

    /// `--max-memory`, if given.
    pub fn max_memory(&self) -> Option<u64> {
        self.max_memory
    }

    /// Whether any limit was given.
    pub fn any(&self) -> bool {
        self.fuel.is_some() || self.timeout.is_some() || self.max_memory.is_some()
    }

    /// Enables the engine features the limits need.
    pub fn configure(&self, config: &mut Config) {
        config.consume_fuel(self.fuel.is_some());
        config.epoch_interruption(self.timeout.is_some());
    }

    /// Applies the limits to a store about to run, starting the timer.
    pub fn apply<T>(&self, store: &mut Store<T>, engine: &Engine) -> Result<()> {
        if let Some(bytes) = self.max_memory {
            store.set_limits(StoreLimits { memory_bytes: bytes, ..StoreLimits::default() });
        }
        if let Some(fuel) = self.fuel {
            store.set_fuel(fuel)?;
        }
        if let Some(timeout) = self.timeout {
            store.set_epoch_deadline(1);
            let engine = engine.clone();
            // The process ends with the guest; the timer needs no joining.
            std::thread::spawn(move || {
                std::thread::sleep(timeout);
                engine.increment_epoch();
            });
        }
        Ok(())
    }
}
