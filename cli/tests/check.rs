//! `events check` and `events generate` as a user runs them: output and exit codes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn events(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_events"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("the events binary runs")
}

fn schemas() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn check_passes_on_the_catalogue() {
    let output = events(&["check", schemas().to_str().expect("utf-8 path")]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(
        text(&output.stdout).contains("22 events"),
        "{}",
        text(&output.stdout)
    );
}

#[test]
fn check_reports_every_error_with_its_place_and_exits_1() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("bad.yaml"),
        "catalogue: { name: x, version: 0.1.0 }\nevents:\n  user.created:\n    descripton: x\n    versions:\n      v1:\n        description: y\n        fields:\n          firstName: { type: strin, description: z }\n",
    )
    .expect("write");
    let output = events(&["check", dir.path().to_str().expect("utf-8 path")]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("bad.yaml:4:5"), "{stderr}");
    assert!(stderr.contains("did you mean `description`?"), "{stderr}");
    assert!(stderr.contains("bad.yaml:9:11"), "{stderr}");
    assert!(stderr.contains("not snake_case"), "{stderr}");
    assert!(stderr.contains("unknown type `strin`"), "{stderr}");
    assert!(stderr.contains("3 errors"), "{stderr}");

    let json = events(&[
        "check",
        "--format",
        "json",
        dir.path().to_str().expect("utf-8 path"),
    ]);
    assert_eq!(json.status.code(), Some(1));
    let lines: Vec<serde_json::Value> = text(&json.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("json line"))
        .collect();
    assert_eq!(lines.len(), 3);
    assert!(lines.iter().all(|line| line["severity"] == "error"));
}

#[test]
fn usage_and_io_problems_exit_2() {
    assert_eq!(
        events(&["check", "/nonexistent/schemas"]).status.code(),
        Some(2)
    );
    assert_eq!(events(&["check", "--format", "xml"]).status.code(), Some(2));
    assert_eq!(events(&["no-such-command"]).status.code(), Some(2));
}

#[test]
fn generate_prints_the_catalogue_code() {
    let output = events(&["generate", schemas().to_str().expect("utf-8 path")]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let code = text(&output.stdout);
    assert!(
        code.starts_with("// @generated"),
        "{}",
        &code[..80.min(code.len())]
    );
    assert!(code.contains("pub struct UserCreatedV2"));
    assert!(code.contains("pub type UserCreated = UserCreatedV2;"));
}
