//! Compatibility: the lockfile of the released state, the lint with its compatibility levels,
//! findings, waivers and the reports of `events lint`. The rule ids are [`crate::rules`]
//! (schema errors use some of them too).
//!
//! [`lockfile`] records a catalogue's wire shape, a view of the IR, and [`fingerprint`]
//! digests one version of it for the generated registry; [`read`] decides whether
//! a reader of one schema reads data written with another; [`mod@lint`] runs every rule
//! against a baseline and applies the waivers; [`hygiene`] and [`bump`] hold the rules that
//! are not about readers; [`report`] renders the findings as text, JSON, GitHub annotations or
//! JUnit.

pub mod bump;
pub mod finding;
pub mod fingerprint;
pub mod hygiene;
pub mod lint;
pub mod lockfile;
pub mod read;
pub mod report;

pub use finding::{Finding, Location};
pub use lint::{Report, lint};
pub use lockfile::{LOCKFILE_NAME, Lockfile};
