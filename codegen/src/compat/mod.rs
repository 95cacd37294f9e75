//! Compatibility: the lockfile of the released state, the lint rules with their stable ids,
//! compatibility levels, findings, waivers and the reports of `events lint`.

pub mod rules;
