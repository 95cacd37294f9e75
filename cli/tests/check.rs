//! `events check` and `events generate` as a user runs them: output and exit codes.

mod support;

use std::path::{Path, PathBuf};

use support::{run, text};

fn schemas() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas")
}

#[test]
fn check_passes_on_the_catalogue() {
    let output = run(&["check", schemas().to_str().expect("utf-8 path")]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(
        text(&output.stdout).contains("22 events"),
        "{}",
        text(&output.stdout)
    );
}

/// A schema directory with three errors in `bad.yaml`.
fn bad_schemas() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("bad.yaml"),
        "catalogue: { name: x, version: 0.1.0 }\nevents:\n  user.created:\n    descripton: x\n    versions:\n      v1:\n        description: y\n        fields:\n          firstName: { type: strin, description: z }\n",
    )
    .expect("write");
    dir
}

#[test]
fn check_reports_every_error_with_its_place_and_exits_1() {
    let dir = bad_schemas();
    let output = run(&["check", dir.path().to_str().expect("utf-8 path")]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("bad.yaml:4:5"), "{stderr}");
    assert!(stderr.contains("did you mean `description`?"), "{stderr}");
    assert!(stderr.contains("bad.yaml:9:11"), "{stderr}");
    assert!(stderr.contains("not snake_case"), "{stderr}");
    assert!(stderr.contains("unknown type `strin`"), "{stderr}");
    assert!(stderr.contains("3 errors"), "{stderr}");

    let json = run(&[
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
fn generate_lock_and_export_stop_at_schema_errors_and_show_them() {
    let dir = bad_schemas();
    let schemas = dir.path().to_str().expect("utf-8 path");
    let out = dir.path().join("catalogue.md");
    let out = out.to_str().expect("utf-8 path");
    for args in [
        vec!["generate", schemas],
        vec!["lock", schemas],
        vec!["export", "markdown", schemas, "--out", out],
    ] {
        let output = run(&args);
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        let stderr = text(&output.stderr);
        assert!(stderr.contains("bad.yaml:4:5"), "{args:?}: {stderr}");
        assert!(stderr.contains("3 errors"), "{args:?}: {stderr}");
        assert!(
            output.stdout.is_empty(),
            "{args:?}: {}",
            text(&output.stdout)
        );
    }
    assert!(!dir.path().join("events.lock.json").exists(), "no lockfile");
    assert!(!dir.path().join("catalogue.md").exists(), "no export");
}

#[test]
fn usage_and_io_problems_exit_2() {
    assert_eq!(
        run(&["check", "/nonexistent/schemas"]).status.code(),
        Some(2)
    );
    assert_eq!(run(&["check", "--format", "xml"]).status.code(), Some(2));
    assert_eq!(run(&["no-such-command"]).status.code(), Some(2));
}

#[test]
fn generate_prints_the_catalogue_code() {
    let output = run(&["generate", schemas().to_str().expect("utf-8 path")]);
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
