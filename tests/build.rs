//! Compiles the catalogue exactly as a service's build script would, and extracts the code
//! generator's fixture snapshot so that the reviewed snapshot is also compiled and exercised.
//! Also compiles the two copies of `rolling/`'s catalogue, an older and a newer one, as two
//! services built from different schema directories would be.

use std::path::{Path, PathBuf};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    event_codegen::compile_schemas("../schemas")?;
    event_codegen::Builder::new()
        .out_file("rolling_older.rs")
        .compile("rolling/older")?;
    event_codegen::Builder::new()
        .out_file("rolling_newer.rs")
        .compile("rolling/newer")?;

    let snapshot = "../codegen/tests/snapshots/emit__fixture.snap";
    println!("cargo:rerun-if-changed={snapshot}");
    let text = std::fs::read_to_string(snapshot)?;
    // insta's header is `---\n<metadata>\n---\n`; the code follows it.
    let code = text
        .splitn(3, "---\n")
        .nth(2)
        .ok_or("the fixture snapshot has no insta header")?;
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    event_codegen::write_if_changed(&Path::new(&out_dir).join("emit_fixture.rs"), code)?;
    Ok(())
}
