//! Runtime data structures. All of Wisp's `unsafe` code lives under here.

pub(crate) mod memory;
pub(crate) mod table;
