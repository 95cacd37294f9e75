//! Which catalogue a command uses: `--schemas DIR`; else `./schemas` when it holds schema
//! files; else the catalogue built into `events`.

use std::path::{Path, PathBuf};

use super::{LoadError, Schemas, Source};

// `BUILT_IN: &[(&str, &str)]`: each file of the repository's `schemas/` (its path, its text),
// embedded by `build.rs` with `include_str!`.
include!(concat!(env!("OUT_DIR"), "/builtin_schemas.rs"));

/// The directory looked at when no `--schemas` is given.
pub const DEFAULT_DIR: &str = "schemas";

/// The catalogue for a command: the directory given, else `./schemas` if it holds schema
/// files (`*.yaml`, `*.yml`), else the built-in one. A directory with errors is an error,
/// never silently replaced by another catalogue.
pub fn select(dir: Option<&Path>) -> Result<Schemas, LoadError> {
    if let Some(dir) = dir {
        return Schemas::load_dir(dir, Source::Flag(dir.to_owned()));
    }
    let default = PathBuf::from(DEFAULT_DIR);
    if event_codegen::schema_files(&default).is_ok() {
        return Schemas::load_dir(
            &default,
            Source::WorkingDir(Path::new(".").join(DEFAULT_DIR)),
        );
    }
    Schemas::built_in()
}
