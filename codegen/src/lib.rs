//! Compiles YAML event schemas into versioned Rust event structs, migrations and registry
//! entries.
//!
//! The pipeline has one stage per module: [`parse`] (YAML with the place of every node) ->
//! [`validate`] (meaning; every problem as a [`Diagnostic`]) -> [`ir`] (the checked catalogue)
//! -> [`emit`] (Rust source), with [`compat`] (the compatibility lint and the lockfile) and
//! [`export`] (JSON Schema, AsyncAPI, Markdown) beside `emit`, reading the IR. Below every
//! stage: [`source`] (files and spans), [`diagnostic`] and [`rules`] (the lint rule ids).
//! `build.rs`, the `events` CLI and the tests all run it through [`Builder::generate`].
//!
//! # In `build.rs`
//!
//! ```no_run
//! fn main() -> Result<(), event_codegen::Error> {
//!     event_codegen::compile_schemas("schemas")
//! }
//! ```
//!
//! and in the crate, `include!` the output:
//!
//! ```text
//! pub mod events {
//!     include!(concat!(env!("OUT_DIR"), "/events.rs"));
//! }
//! ```
//!
//! A mistake in a schema fails the build with rustc-style diagnostics (file, line, column, a
//! message and a hint), all of them at once. Options (output file name, runtime crate path,
//! extra derives) are set with [`Builder`] (the runtime's settings are
//! `event_runtime::Config`; this is the code generator's builder).

pub mod ast;
pub mod compat;
pub mod diagnostic;
pub mod emit;
pub mod export;
pub mod ir;
pub mod parse;
pub mod rules;
pub mod source;
pub mod validate;

use std::fmt;
use std::path::{Path, PathBuf};

pub use diagnostic::{Diagnostic, Diagnostics, Severity};
pub use emit::EmitOptions;
pub use ir::Catalogue;

/// Why schemas could not be compiled.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file or directory could not be read or written.
    #[error("{path}: {error}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The I/O error (shown in this error's message, so not repeated as its source).
        error: std::io::Error,
    },
    /// The directory holds no schema files.
    #[error("{0}: no schema files (*.yaml, *.yml) found")]
    NoSchemas(PathBuf),
    /// The schemas have errors; the diagnostics say where and why.
    #[error("{0}")]
    Schema(Diagnostics),
    /// An environment variable cargo sets for build scripts is missing.
    #[error("{0} is not set: `compile` runs from a build script; use `generate` elsewhere")]
    NotInBuildScript(&'static str),
}

/// `Debug` shows the rendered diagnostics, so that `fn main() -> Result<(), Error>` in a
/// build script prints them readably.
impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\n{self}")
    }
}

/// The result of reading and checking a schema directory.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The catalogue, when there were no errors.
    pub catalogue: Option<Catalogue>,
    /// Every error and warning, with the files they point into.
    pub diagnostics: Diagnostics,
}

impl Loaded {
    /// The catalogue, or the diagnostics as an error.
    pub fn into_result(self) -> Result<Catalogue, Error> {
        match self.catalogue {
            Some(catalogue) if !self.diagnostics.has_errors() => Ok(catalogue),
            _ => Err(Error::Schema(self.diagnostics)),
        }
    }
}

/// Lists the schema files of a directory: `*.yaml` and `*.yml` at its top level, sorted.
pub fn schema_files(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let entries = std::fs::read_dir(dir).map_err(|source| Error::Io {
        path: dir.to_owned(),
        error: source,
    })?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|source| Error::Io {
                path: dir.to_owned(),
                error: source,
            })?
            .path();
        let is_yaml = path
            .extension()
            .is_some_and(|ext| ext == "yaml" || ext == "yml");
        if is_yaml && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    if files.is_empty() {
        return Err(Error::NoSchemas(dir.to_owned()));
    }
    Ok(files)
}

/// Reads the schema files of `dir`.
pub fn read_dir(dir: &Path) -> Result<Vec<ir::SourceFile>, Error> {
    schema_files(dir)?
        .into_iter()
        .map(|path| {
            let bytes = std::fs::read(&path).map_err(|source| Error::Io {
                path: path.clone(),
                error: source,
            })?;
            let text = String::from_utf8(bytes).map_err(|_| Error::Io {
                path: path.clone(),
                error: std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    "schema files must be UTF-8",
                ),
            })?;
            Ok(ir::SourceFile {
                path: path.display().to_string(),
                text,
            })
        })
        .collect()
}

/// Parses and validates schema files held in memory.
pub fn load_sources(files: Vec<ir::SourceFile>) -> Loaded {
    let mut items = Vec::new();
    let asts: Vec<_> = files
        .iter()
        .enumerate()
        .map(|(index, file)| parse::parse_file(index, file, &mut items))
        .collect();
    let catalogue = validate::validate(&files, &asts, &mut items);
    Loaded {
        catalogue,
        diagnostics: Diagnostics { files, items },
    }
}

/// Reads, parses and validates a schema directory.
pub fn load_dir(dir: impl AsRef<Path>) -> Result<Loaded, Error> {
    Ok(load_sources(read_dir(dir.as_ref())?))
}

/// Compiles `dir` into `$OUT_DIR/events.rs` with default options. For `build.rs`.
pub fn compile_schemas(dir: impl AsRef<Path>) -> Result<(), Error> {
    Builder::new().compile(dir)
}

/// Options of code generation, set builder-style; see the crate docs.
#[derive(Debug, Clone)]
pub struct Builder {
    out_file: String,
    out_dir: Option<PathBuf>,
    emit: EmitOptions,
}

impl Default for Builder {
    fn default() -> Self {
        Self::new()
    }
}

/// The old name of [`Builder`], which `event_runtime::Config` made ambiguous.
#[deprecated(note = "renamed `event_codegen::Builder`")]
pub type Config = Builder;

impl Builder {
    /// Defaults: output `events.rs` in `OUT_DIR`, runtime crate `::event_runtime`.
    pub fn new() -> Self {
        Self {
            out_file: "events.rs".to_owned(),
            out_dir: None,
            emit: EmitOptions::default(),
        }
    }

    /// Name of the generated file (default `events.rs`).
    pub fn out_file(&mut self, name: impl Into<String>) -> &mut Self {
        self.out_file = name.into();
        self
    }

    /// Directory of the generated file (default: cargo's `OUT_DIR`).
    pub fn out_dir(&mut self, dir: impl Into<PathBuf>) -> &mut Self {
        self.out_dir = Some(dir.into());
        self
    }

    /// Path of the runtime crate in generated code (default `::event_runtime`), for crates
    /// that re-export it under another name.
    pub fn runtime_crate(&mut self, path: impl Into<String>) -> &mut Self {
        self.emit.runtime_crate = path.into();
        self
    }

    /// Adds a derive to every generated struct and enum, e.g. `"Eq"` or `"schemars::JsonSchema"`.
    pub fn extra_derive(&mut self, path: impl Into<String>) -> &mut Self {
        self.emit.extra_derives.push(path.into());
        self
    }

    /// Generates the Rust source for a schema directory, in memory.
    pub fn generate(&self, dir: impl AsRef<Path>) -> Result<String, Error> {
        let catalogue = load_dir(dir)?.into_result()?;
        Ok(self.generate_catalogue(&catalogue))
    }

    /// Generates the Rust source for an already checked catalogue.
    pub fn generate_catalogue(&self, catalogue: &Catalogue) -> String {
        emit::emit(catalogue, &self.emit)
    }

    /// For `build.rs`: generates the code for `dir` and writes it to the output file only if
    /// its content changed (so unchanged schemas cause no rebuild), and tells cargo to re-run
    /// when any schema file, or the directory's list of files, changes.
    // Build scripts talk to cargo on standard output.
    #[allow(clippy::print_stdout)]
    pub fn compile(&self, dir: impl AsRef<Path>) -> Result<(), Error> {
        let dir = dir.as_ref();
        println!("cargo:rerun-if-changed={}", dir.display());
        if let Ok(files) = schema_files(dir) {
            for file in files {
                println!("cargo:rerun-if-changed={}", file.display());
            }
        }
        let code = self.generate(dir)?;
        let out_dir = match &self.out_dir {
            Some(dir) => dir.clone(),
            None => std::env::var_os("OUT_DIR")
                .map(PathBuf::from)
                .ok_or(Error::NotInBuildScript("OUT_DIR"))?,
        };
        write_if_changed(&out_dir.join(&self.out_file), &code)?;
        Ok(())
    }
}

/// Writes `content` to `path` unless the file already holds exactly that. Returns whether it
/// wrote.
pub fn write_if_changed(path: &Path, content: &str) -> Result<bool, Error> {
    if std::fs::read(path).is_ok_and(|existing| existing == content.as_bytes()) {
        return Ok(false);
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|source| Error::Io {
            path: parent.to_owned(),
            error: source,
        })?;
    }
    std::fs::write(path, content).map_err(|source| Error::Io {
        path: path.to_owned(),
        error: source,
    })?;
    Ok(true)
}
