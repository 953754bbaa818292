//! The machinery of `wisp-bench`: finding the benchmark programs, running
//! them in process under each Wisp tier and as whole processes under Wisp's
//! command line and other runtimes, and turning the timings into Markdown,
//! CSV and an SVG chart.
//!
//! The binary (`src/main.rs`) only parses the command line and strings
//! these steps together; `docs/benchmarks.md` says what each figure means.

#![deny(unsafe_code)]

pub mod chart;
pub mod corpus;
pub mod document;
pub mod harness;
pub mod in_process;
pub mod machine;
pub mod peers;
// Reaps child processes with `wait4` to read their resource usage.
#[allow(unsafe_code)]
pub mod process;
pub mod report;
pub mod stats;
