//! The cases, by theme. Each takes a fresh backend and returns its counts.

pub mod concurrency;
pub mod delivery;
pub mod failures;
pub mod lifecycle;
pub mod retention;
