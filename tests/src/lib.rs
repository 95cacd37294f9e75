//! The catalogue of `schemas/`, compiled by `build.rs` the way a service compiles its own, and
//! the end-to-end tests of the whole system (in `tests/`).
#![deny(warnings)]
#![deny(missing_docs)]

/// Every event of the catalogue: generated from `schemas/` by `event-codegen`.
pub mod events {
    include!(concat!(env!("OUT_DIR"), "/events.rs"));
}
