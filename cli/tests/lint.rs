//! `events lock`, `events lint` and `events export` as a user and CI run them: exit codes,
//! formats, the git-ref baseline in a real repository, and a shallow clone.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use support::{run, show, text};

fn arg(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

const CATALOGUE: &str = "catalogue: { name: parcels, version: 1.0.0 }\n";
/// The catalogue's next major release.
const CATALOGUE_2: &str = "catalogue: { name: parcels, version: 2.0.0 }\n";
const V1: &str = "events:
  parcel.shipped:
    description: A parcel left the warehouse.
    versions:
      v1:
        description: First version.
        fields:
          parcel_id: { type: int64, description: Id of the parcel. }
          carrier: { type: string, description: Name of the carrier. }
";

fn schemas(dir: &Path, catalogue: &str, events: &str) {
    std::fs::create_dir_all(dir).expect("dir");
    std::fs::write(dir.join("catalogue.yaml"), catalogue).expect("write");
    std::fs::write(dir.join("parcels.yaml"), events).expect("write");
}

/// v1 without `carrier`: a breaking change.
fn broken() -> String {
    V1.replace(
        "          carrier: { type: string, description: Name of the carrier. }\n",
        "",
    )
}

/// A new optional field in a new version: a minor change.
fn minor() -> String {
    format!(
        "{V1}      v2:
        description: Adds the tracking code.
        fields:
          parcel_id: {{ type: int64, description: Id of the parcel. }}
          carrier: {{ type: string, description: Name of the carrier. }}
          tracking_code: {{ type: string, description: Tracking code., optional: true }}
"
    )
}

#[test]
fn lock_then_lint_is_clean_and_a_breaking_change_fails_with_its_place() {
    let dir = tempfile::tempdir().expect("temp dir");
    let schemas_dir = dir.path().join("schemas");
    schemas(&schemas_dir, CATALOGUE, V1);
    let dir_arg = arg(&schemas_dir);

    let missing = run(&["lint", dir_arg]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        text(&missing.stderr).contains("events lock"),
        "{}",
        text(&missing.stderr)
    );

    let lock = run(&["lock", dir_arg]);
    assert_eq!(lock.status.code(), Some(0), "{}", text(&lock.stderr));
    let lockfile = std::fs::read_to_string(schemas_dir.join("events.lock.json")).expect("lockfile");
    assert!(lockfile.contains("\"parcel.shipped\""));
    assert_eq!(run(&["lock", "--check", dir_arg]).status.code(), Some(0));
    // The loader reads only *.yaml and *.yml: the lockfile is not a schema.
    assert_eq!(run(&["check", dir_arg]).status.code(), Some(0));

    let clean = run(&["lint", dir_arg]);
    assert_eq!(clean.status.code(), Some(0), "{}", text(&clean.stdout));
    assert!(text(&clean.stdout).contains("0 breaking"));

    std::fs::write(schemas_dir.join("parcels.yaml"), broken()).expect("write");
    assert_eq!(run(&["lock", "--check", dir_arg]).status.code(), Some(1));
    let failed = run(&["lint", dir_arg]);
    assert_eq!(failed.status.code(), Some(1));
    let stdout = text(&failed.stdout);
    assert!(
        stdout.contains(
            "parcels.yaml:5:7: FIELD_REMOVED `carrier` was removed from released parcel.shipped v1"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("= help: released versions never change"),
        "{stdout}"
    );

    let json = run(&["lint", "--format", "json", dir_arg]);
    assert_eq!(json.status.code(), Some(1));
    let document: serde_json::Value =
        serde_json::from_slice(&json.stdout).expect("one JSON document");
    assert_eq!(document["failed"], true);
    assert_eq!(document["findings"][0]["rule"], "FIELD_REMOVED");
    assert_eq!(document["findings"][0]["line"], 5);

    let github = text(&run(&["lint", "--format", "github", dir_arg]).stdout);
    assert!(github.starts_with("::error file="), "{github}");
    assert!(
        github.contains(",line=5,col=7,title=FIELD_REMOVED::"),
        "{github}"
    );

    let junit = text(&run(&["lint", "--format", "junit", dir_arg]).stdout);
    assert!(junit.starts_with("<?xml"), "{junit}");
    assert!(junit.contains("<failure type=\"FIELD_REMOVED\""), "{junit}");

    assert_eq!(
        run(&["lint", "--format", "xml", dir_arg]).status.code(),
        Some(2)
    );
}

#[test]
fn a_waiver_with_a_reason_and_a_major_bump_passes_and_is_listed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let schemas_dir = dir.path().join("schemas");
    schemas(&schemas_dir, CATALOGUE, V1);
    assert_eq!(run(&["lock", arg(&schemas_dir)]).status.code(), Some(0));
    let waived = broken().replace(
        "        fields:\n",
        "        waivers:\n          - rule: FIELD_REMOVED\n            field: carrier\n            reason: No consumer reads the carrier; agreed with the billing team.\n        fields:\n",
    );
    schemas(&schemas_dir, CATALOGUE, &waived);
    let output = run(&["lint", arg(&schemas_dir)]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "a waived break still needs a major release"
    );
    assert!(text(&output.stdout).contains("CATALOGUE_VERSION_BUMP"));

    schemas(&schemas_dir, CATALOGUE_2, &waived);
    let output = run(&["lint", arg(&schemas_dir)]);
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("waived (1):"), "{stdout}");
    assert!(stdout.contains("agreed with the billing team"), "{stdout}");

    let no_reason = waived.replace(
        "            reason: No consumer reads the carrier; agreed with the billing team.\n",
        "",
    );
    schemas(&schemas_dir, CATALOGUE_2, &no_reason);
    let output = run(&["lint", arg(&schemas_dir)]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stdout).contains("WAIVER_INVALID waiver of `FIELD_REMOVED` has no reason")
    );
}

#[test]
fn lock_keeps_the_waived_breaks_of_a_release_after_the_waivers_are_gone() {
    let dir = tempfile::tempdir().expect("temp dir");
    let schemas_dir = dir.path().join("schemas");
    let lockfile = schemas_dir.join("events.lock.json");
    schemas(&schemas_dir, CATALOGUE, V1);
    assert_eq!(run(&["lock", arg(&schemas_dir)]).status.code(), Some(0));
    let released = std::fs::read_to_string(&lockfile).expect("lockfile");

    // An unwaived break is not recorded: the lockfile stays as it was.
    schemas(&schemas_dir, CATALOGUE_2, &broken());
    let output = run(&["lock", arg(&schemas_dir)]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stdout));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("FIELD_REMOVED"), "{stderr}");
    assert!(stderr.contains("not recorded"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(&lockfile).expect("lockfile"),
        released
    );

    // Waived, it is recorded with its rule, place and reason.
    let waived = broken().replace(
        "        fields:\n",
        "        waivers:\n          - rule: FIELD_REMOVED\n            field: carrier\n            reason: No consumer reads the carrier; agreed with the billing team.\n        fields:\n",
    );
    schemas(&schemas_dir, CATALOGUE_2, &waived);
    let output = run(&["lock", arg(&schemas_dir)]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let recorded = || -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(&lockfile).expect("lockfile")).expect("JSON")
    };
    let expected = serde_json::json!([{
        "version": "2.0.0",
        "previous": "1.0.0",
        "waived": [{
            "rule": "FIELD_REMOVED",
            "event": "parcel.shipped",
            "version": 1,
            "field": "carrier",
            "message": recorded()["releases"][0]["waived"][0]["message"],
            "reason": "No consumer reads the carrier; agreed with the billing team.",
        }],
    }]);
    assert_eq!(recorded()["releases"], expected);
    assert!(
        expected[0]["waived"][0]["message"]
            .as_str()
            .is_some_and(|message| message.contains("carrier")),
        "{expected}"
    );

    // The waiver leaves the schemas once released; the record stays, through later releases.
    schemas(&schemas_dir, CATALOGUE_2, &broken());
    let output = run(&["lint", arg(&schemas_dir)]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stdout));
    assert_eq!(run(&["lock", arg(&schemas_dir)]).status.code(), Some(0));
    assert_eq!(
        run(&["lock", "--check", arg(&schemas_dir)]).status.code(),
        Some(0)
    );
    assert_eq!(recorded()["releases"], expected);
    let later = minor().replace(
        "          carrier: { type: string, description: Name of the carrier. }\n          tracking_code",
        "          tracking_code",
    );
    let later = later.replacen(
        "          carrier: { type: string, description: Name of the carrier. }\n",
        "",
        1,
    );
    schemas(
        &schemas_dir,
        "catalogue: { name: parcels, version: 2.1.0 }\n",
        &later,
    );
    let output = run(&["lock", arg(&schemas_dir)]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(recorded()["version"], "2.1.0");
    assert_eq!(recorded()["releases"], expected);
}

fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .args([
            "-c",
            "user.name=Tests",
            "-c",
            "user.email=tests@example.invalid",
            "-c",
            "init.defaultBranch=main",
            "-c",
            "protocol.file.allow=always",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        text(&output.stderr)
    );
    text(&output.stdout)
}

fn repository() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(&repo).expect("dir");
    git(&repo, &["init", "-q"]);
    schemas(&repo.join("schemas"), CATALOGUE, V1);
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "v1"]);
    (dir, repo)
}

#[test]
fn against_a_git_ref_compares_with_the_schemas_at_that_commit() {
    let (_dir, repo) = repository();
    let schemas_dir = repo.join("schemas");
    let dir_arg = arg(&schemas_dir);

    std::fs::write(schemas_dir.join("parcels.yaml"), broken()).expect("write");
    let output = run(&["lint", dir_arg, "--against", "git:HEAD"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert!(stdout.contains("FIELD_REMOVED"), "{stdout}");
    assert!(stdout.contains("against git:HEAD"), "{stdout}");

    schemas(
        &schemas_dir,
        "catalogue: { name: parcels, version: 1.1.0 }\n",
        &minor(),
    );
    let output = run(&["lint", dir_arg, "--against", "git:HEAD"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stdout));

    // The same comparison from another working directory, and against a directory.
    let output = run(&["lint", dir_arg, "--against", "git:main"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));

    let unknown = run(&["lint", dir_arg, "--against", "git:no-such-branch"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        text(&unknown.stderr).contains("unknown git ref `no-such-branch`"),
        "{}",
        text(&unknown.stderr)
    );
}

#[test]
fn a_shallow_clone_works_for_what_it_has_and_says_what_to_fetch() {
    let (dir, repo) = repository();
    schemas(
        &repo.join("schemas"),
        "catalogue: { name: parcels, version: 1.1.0 }\n",
        &minor(),
    );
    git(&repo, &["commit", "-q", "-am", "v2"]);
    let url = format!("file://{}", repo.display());
    git(dir.path(), &["clone", "-q", "--depth", "1", &url, "clone"]);
    let clone = dir.path().join("clone/schemas");

    let output = run(&["lint", arg(&clone), "--against", "git:HEAD"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));

    let output = run(&["lint", arg(&clone), "--against", "git:HEAD~1"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("`HEAD~1` is not in this shallow clone"),
        "{stderr}"
    );
    assert!(stderr.contains("git fetch --deepen=1"), "{stderr}");

    // Doing what it says makes it work.
    git(&dir.path().join("clone"), &["fetch", "-q", "--deepen=1"]);
    let output = run(&["lint", arg(&clone), "--against", "git:HEAD~1"]);
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));

    let output = run(&["lint", arg(&clone), "--against", "git:origin/feature"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr)
            .contains("git fetch --no-tags --depth=1 origin feature:refs/remotes/origin/feature"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn against_another_directory_or_lockfile() {
    let dir = tempfile::tempdir().expect("temp dir");
    let before = dir.path().join("before");
    let after = dir.path().join("after");
    schemas(&before, CATALOGUE, V1);
    schemas(&after, CATALOGUE, &broken());
    let output = run(&["lint", arg(&after), "--against", arg(&before)]);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stdout).contains("FIELD_REMOVED"));

    assert_eq!(run(&["lock", arg(&before)]).status.code(), Some(0));
    let lockfile = before.join("events.lock.json");
    let output = run(&["lint", arg(&after), "--against", arg(&lockfile)]);
    assert_eq!(output.status.code(), Some(1));

    let garbage = dir.path().join("garbage.json");
    std::fs::write(&garbage, "{}").expect("write");
    assert_eq!(
        run(&["lint", arg(&after), "--against", arg(&garbage)])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn the_catalogue_lints_clean_against_its_committed_lockfile() {
    let schemas_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
    let output = run(&["lint", arg(&schemas_dir)]);
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
}

#[test]
fn exports_write_their_documents() {
    let schemas_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("jsonschema");
    let output = run(&[
        "export",
        "jsonschema",
        arg(&schemas_dir),
        "--out",
        arg(&out),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let count = std::fs::read_dir(&out).expect("out dir").count();
    assert_eq!(count, 25);
    assert!(out.join("user.created.v2.schema.json").is_file());

    let asyncapi = dir.path().join("asyncapi.json");
    let output = run(&[
        "export",
        "asyncapi",
        arg(&schemas_dir),
        "--out",
        arg(&asyncapi),
    ]);
    assert_eq!(output.status.code(), Some(0));
    let document: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&asyncapi).expect("written")).expect("JSON");
    assert_eq!(document["channels"].as_object().map(|c| c.len()), Some(44));

    let markdown = dir.path().join("catalogue.md");
    let output = run(&[
        "export",
        "markdown",
        arg(&schemas_dir),
        "--out",
        arg(&markdown),
    ]);
    assert_eq!(output.status.code(), Some(0));
    assert!(
        std::fs::read_to_string(&markdown)
            .expect("written")
            .contains("## user.created")
    );

    assert_eq!(run(&["export", "pdf", "--out", "x"]).status.code(), Some(2));
}
