//! Generators and oracles for fuzzing Wisp.
//!
//! The fuzz targets under `fuzz/` and the seeded tests of this crate share
//! everything here:
//!
//! - [`generators`]: [wasm-smith](https://docs.rs/wasm-smith) configurations
//!   matched to what Wisp runs (WebAssembly 2.0 with SIMD) and arguments for
//!   exported functions, all derived from the fuzz input.
//! - [`engines`]: one interface over the engines compared: Wisp's
//!   interpreter, Wisp's metered interpreter (fuel and epochs on), Wisp's
//!   Cranelift tier when the build has it, and [wasmi](https://docs.rs/wasmi)
//!   as an independent oracle.
//! - [`oracles`]: what must hold of a module: the same results, traps,
//!   globals and memories in every engine ([`oracles::differential`]);
//!   instantiation and calls under fuel and store limits end in a value or a
//!   typed error ([`oracles::instantiate`]); arbitrary bytes validate or are
//!   rejected without panicking ([`oracles::validate`]).
//!
//! ```
//! use arbitrary::Unstructured;
//! use wisp_fuzzing::{generators, oracles};
//!
//! # fn main() -> arbitrary::Result<()> {
//! let input = generators::seeded_input(1, false);
//! let mut u = Unstructured::new(&input);
//! let config = generators::differential_config(&mut u)?;
//! let wasm = generators::module(&mut u, config)?;
//! let report = oracles::differential(&wasm, &mut u, &oracles::Budget::default());
//! assert!(report.divergence.is_none(), "{report:?}");
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod engines;
pub mod generators;
pub mod oracles;
pub mod values;
