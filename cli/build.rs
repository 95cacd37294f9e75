//! Compiles the catalogue of `schemas/` for the commands that use its types, embeds its YAML
//! for the run-time interpreter (`src/schemas`), and compiles the interpreter's test fixture
//! (`tests/fixtures/interpreter/`) so that its tests can compare against generated code.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() -> Result<(), event_codegen::Error> {
    event_codegen::compile_schemas("../schemas")?;
    embed_schemas(Path::new("../schemas"))?;
    event_codegen::Builder::new()
        .out_file("interpreter_fixture.rs")
        .compile("tests/fixtures/interpreter")?;
    Ok(())
}

/// Writes `builtin_schemas.rs`: `BUILT_IN`, every schema file as `(path, include_str!(..))`.
fn embed_schemas(dir: &Path) -> Result<(), event_codegen::Error> {
    let out_dir = PathBuf::from(
        std::env::var_os("OUT_DIR").ok_or(event_codegen::Error::NotInBuildScript("OUT_DIR"))?,
    );
    let mut code = String::from(
        "/// Every file of the repository's `schemas/`: its path and its text.\n\
         pub const BUILT_IN: &[(&str, &str)] = &[\n",
    );
    for file in event_codegen::schema_files(dir)? {
        let absolute = file
            .canonicalize()
            .map_err(|error| event_codegen::Error::Io {
                path: file.clone(),
                error,
            })?;
        let name = file
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        // `{:?}` writes a Rust string literal.
        let _ = writeln!(
            code,
            "    ({:?}, include_str!({:?})),",
            format!("schemas/{name}"),
            absolute.display().to_string()
        );
    }
    code.push_str("];\n");
    event_codegen::write_if_changed(&out_dir.join("builtin_schemas.rs"), &code)?;
    Ok(())
}
