//! Compiles the catalogue exactly as a service's build script would.

fn main() -> Result<(), event_codegen::Error> {
    event_codegen::compile_schemas("../schemas")
}
