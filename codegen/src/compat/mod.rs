//! Compatibility: the lockfile of the released state, the lint rules with their stable ids,
//! compatibility levels, findings, waivers and the reports of `events lint`.
//!
//! [`lockfile`] records a catalogue; [`read`] decides whether a reader of one schema reads
//! data written with another; [`lint`] runs every rule against a baseline and applies the
//! waivers; [`hygiene`] and [`bump`] hold the rules that are not about readers; [`report`]
//! renders the findings as text, JSON, GitHub annotations or JUnit.

pub mod bump;
pub mod finding;
pub mod hygiene;
pub mod lint;
pub mod lockfile;
pub mod read;
pub mod report;
pub mod rules;

pub use finding::{Finding, Location};
pub use lint::{Report, lint};
pub use lockfile::{LOCKFILE_NAME, Lockfile};
