//! Compiles YAML event schemas into Rust. Pipeline: parse -> validate -> IR -> emit.
pub mod emit;
pub mod ir;
