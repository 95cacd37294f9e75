//! The schema directory of `check`, `generate`, `lock`, `export` and `lint` (`[DIR]`, default
//! `schemas`): read and checked, with the problems found as diagnostics.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use event_codegen::{Catalogue, Loaded};

/// Reads and checks every schema file in `dir`; problems in them are diagnostics, not errors.
pub fn load(dir: &Path) -> anyhow::Result<Loaded> {
    event_codegen::load_dir(dir)
        .with_context(|| format!("cannot read schemas in {}", dir.display()))
}

/// The catalogue in `dir` when its schemas have no errors. Otherwise the diagnostics are
/// printed on stderr and `None` is returned: the command ends with findings.
pub fn catalogue(dir: &Path) -> anyhow::Result<Option<Catalogue>> {
    let loaded = load(dir)?;
    match loaded.catalogue {
        Some(catalogue) if !loaded.diagnostics.has_errors() => Ok(Some(catalogue)),
        _ => {
            std::io::stderr()
                .lock()
                .write_all(loaded.diagnostics.render(super::use_color()).as_bytes())
                .context("cannot write to stderr")?;
            Ok(None)
        }
    }
}
