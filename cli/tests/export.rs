//! `events export` as a user runs it: the format of a file follows its name.

mod support;

use std::path::Path;

use support::run;

fn export_asyncapi(out: &Path) -> String {
    let schemas = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
    let output = run(&[
        "export",
        "asyncapi",
        schemas.to_str().expect("utf-8 path"),
        "--out",
        out.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::read_to_string(out).expect("written")
}

#[test]
fn asyncapi_is_yaml_when_the_file_name_says_so_and_json_otherwise() {
    let dir = tempfile::tempdir().expect("temp dir");
    let json = export_asyncapi(&dir.path().join("asyncapi.json"));
    let document: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    for name in ["asyncapi.yaml", "asyncapi.YML"] {
        let yaml = export_asyncapi(&dir.path().join(name));
        assert!(
            yaml.starts_with("asyncapi: 3.0.0\n"),
            "{name}: {}",
            &yaml[..yaml.len().min(200)]
        );
        assert!(serde_json::from_str::<serde_json::Value>(&yaml).is_err());
        assert!(
            yaml.contains("address: \"events:user.created\""),
            "{name} names the stream"
        );
        assert!(
            yaml.lines().count() > json.lines().count() / 2,
            "{name} is block YAML, not one line"
        );
    }
    assert_eq!(document["asyncapi"], "3.0.0");
}
