fn main() -> Result<(), event_codegen::Error> {
    event_codegen::compile_schemas("schemas")
}
