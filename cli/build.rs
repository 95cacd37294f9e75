//! Compiles the catalogue of `schemas/` for the commands that use its types.

fn main() -> Result<(), event_codegen::Error> {
    event_codegen::compile_schemas("../schemas")
}
