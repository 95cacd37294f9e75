//! The library half of `events`: what the binary and its tests share.
//!
//! - [`schemas`]: the run-time registry that decodes, validates and upgrades events of any
//!   schema directory by interpreting the code generator's model;
//! - [`catalogue`]: the catalogue of the repository's `schemas/`, compiled by `build.rs`
//!   (the demo's types, and the generated registry the interpreter is tested against).

pub mod catalogue;
pub mod schemas;
