//! The engine options of every command, in three nested groups so that each
//! command takes the ones that mean something to it: `--wasm` for every
//! command that decodes modules ([`FeatureOptions`]), plus code generation
//! for every command that compiles ([`CodegenOptions`]), plus the tier and
//! stack bounds for the commands that run code ([`EngineOptions`]). Each
//! flag is defined once, and each group builds its `wisp::Config` on the
//! one it contains.

use std::str::FromStr;

use anyhow::Result;
use clap::{Args, ValueEnum};
use wisp::{Config, Engine, Strategy};

/// `--wasm`: the proposal switches, for every command that decodes modules
/// (`validate`, `inspect`, and through the groups below all others).
#[derive(Args, Debug, Clone, Default)]
pub struct FeatureOptions {
    /// Enables (`=y`, the default) or disables (`=n`) a WebAssembly
    /// proposal; repeatable. Names: simd, relaxed-simd, tail-call,
    /// multi-memory, memory64, extended-const, gc, function-references,
    /// exceptions, bulk-memory, reference-types, multi-value,
    /// sign-extension, saturating-float-to-int, mutable-global.
    /// Wasm 2.0 proposals start enabled, later ones disabled.
    /// Example: `--wasm tail-call --wasm simd=n`.
    #[arg(long = "wasm", value_name = "NAME[=y|n]", help_heading = "Engine options")]
    proposals: Vec<ProposalSetting>,
}

impl FeatureOptions {
    /// The configuration these options describe.
    pub fn config(&self) -> Config {
        let mut config = Config::new();
        for setting in &self.proposals {
            (setting.switch)(&mut config, setting.enable);
        }
        config
    }

    /// An engine that decodes modules with these proposals.
    pub fn engine(&self) -> Result<Engine> {
        Ok(Engine::new(&self.config())?)
    }
}

/// How code is compiled: for every command that compiles (`compile`,
/// `create-exe`, and through [`EngineOptions`] `run` and `wast`).
#[derive(Args, Debug, Clone, Default)]
pub struct CodegenOptions {
    #[command(flatten)]
    features: FeatureOptions,

    /// Memories of compiled code get no large address-space reservation;
    /// compiled code checks every access instead (for hosts with little
    /// address space). Code compiled ahead of time this way runs only
    /// under this flag too. Example: `--no-memory-reservation`.
    #[arg(long, help_heading = "Engine options")]
    no_memory_reservation: bool,
}

impl CodegenOptions {
    /// The configuration these options describe, with the Cranelift tier.
    pub fn config(&self) -> Config {
        let mut config = self.features.config();
        config.strategy(Strategy::Cranelift).memory_reservation(!self.no_memory_reservation);
        config
    }
}

/// Everything that configures an engine that runs code (`run`, `wast`).
#[derive(Args, Debug, Clone)]
pub struct EngineOptions {
    #[command(flatten)]
    codegen: CodegenOptions,

    /// The execution tier. `auto` compiles with Cranelift for `wisp run`
    /// (cached, so only the first run pays for compiling) and interprets
    /// for `wisp wast`. Example: `--tier interp`.
    #[arg(long, value_enum, default_value_t = Tier::Auto, help_heading = "Engine options")]
    tier: Tier,

    /// The most bytes of Wasm value stack (locals and operands of all
    /// active frames) a call may use before it traps with "call stack
    /// exhausted". Example: `--max-wasm-stack 1048576`.
    #[arg(long, value_name = "BYTES", help_heading = "Engine options")]
    max_wasm_stack: Option<usize>,

    /// The deepest nesting of Wasm calls before a trap with "call stack
    /// exhausted", in the interpreter (compiled code is bounded by
    /// --max-wasm-stack). Example: `--max-call-depth 1000`.
    #[arg(long, value_name = "N", help_heading = "Engine options")]
    max_call_depth: Option<u32>,
}

impl EngineOptions {
    /// An engine configured by these options; fails if this build lacks
    /// the requested tier.
    pub fn engine(&self) -> Result<Engine> {
        Ok(Engine::new(&self.config())?)
    }

    /// Picks the tier `auto` stands for.
    pub fn resolve_auto(&mut self, compiled: bool) {
        if self.tier == Tier::Auto {
            self.tier = if compiled { Tier::Cranelift } else { Tier::Interp };
        }
    }

    /// The configuration these options describe.
    pub fn config(&self) -> Config {
        let mut config = self.codegen.config();
        // The tier is chosen here, replacing the compiling default.
        config.strategy(match self.tier {
            Tier::Interp | Tier::Auto => Strategy::Interpreter,
            Tier::Cranelift => Strategy::Cranelift,
        });
        if let Some(bytes) = self.max_wasm_stack {
            config.max_wasm_stack(bytes);
        }
        if let Some(depth) = self.max_call_depth {
            config.max_call_depth(depth);
        }
        config
    }
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
enum Tier {
    /// Wisp picks: Cranelift for `run`, the interpreter for `wast`.
    Auto,
    /// The interpreter: starts instantly.
    Interp,
    /// The optimizing compiler built on Cranelift.
    Cranelift,
}

type Switch = for<'a> fn(&'a mut Config, bool) -> &'a mut Config;

/// Every proposal `--wasm` knows, by its command-line name.
const PROPOSALS: &[(&str, Switch)] = &[
    ("simd", Config::wasm_simd),
    ("relaxed-simd", Config::wasm_relaxed_simd),
    ("tail-call", Config::wasm_tail_call),
    ("multi-memory", Config::wasm_multi_memory),
    ("memory64", Config::wasm_memory64),
    ("extended-const", Config::wasm_extended_const),
    ("gc", Config::wasm_gc),
    ("function-references", Config::wasm_function_references),
    ("exceptions", Config::wasm_exceptions),
    ("bulk-memory", Config::wasm_bulk_memory),
    ("reference-types", Config::wasm_reference_types),
    ("multi-value", Config::wasm_multi_value),
    ("sign-extension", Config::wasm_sign_extension),
    ("saturating-float-to-int", Config::wasm_saturating_float_to_int),
    ("mutable-global", Config::wasm_mutable_global),
];

/// One `--wasm NAME[=y|n]`.
#[derive(Debug, Clone, Copy)]
struct ProposalSetting {
    switch: Switch,
    enable: bool,
}

impl FromStr for ProposalSetting {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let (name, enable) = match s.split_once('=') {
            None => (s, true),
            Some((name, "y")) => (name, true),
            Some((name, "n")) => (name, false),
            Some((_, other)) => {
                return Err(format!("expected `y` or `n` after `=`, found `{other}`"));
            }
        };
        let switch = PROPOSALS
            .iter()
            .find(|(known, _)| *known == name)
            .map(|&(_, switch)| switch)
            .ok_or_else(|| {
                let names: Vec<&str> = PROPOSALS.iter().map(|(n, _)| *n).collect();
                format!("unknown proposal `{name}`; known: {}", names.join(", "))
            })?;
        Ok(Self { switch, enable })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn features(args: &[&str]) -> wisp::Config {
        let mut config = Config::new();
        for arg in args {
            let setting: ProposalSetting = arg.parse().unwrap();
            (setting.switch)(&mut config, setting.enable);
        }
        config
    }

    #[test]
    fn proposal_switches_toggle_the_config() {
        let config = features(&["tail-call", "simd=n", "memory64=y"]);
        let f = config.features();
        assert!(f.tail_call && !f.simd && f.memory64);
    }

    #[test]
    fn bad_proposal_settings_are_explained() {
        let err = "tail-calls".parse::<ProposalSetting>().unwrap_err();
        assert!(err.contains("unknown proposal `tail-calls`") && err.contains("tail-call"));
        let err = "simd=yes".parse::<ProposalSetting>().unwrap_err();
        assert!(err.contains("expected `y` or `n`"));
    }
}
