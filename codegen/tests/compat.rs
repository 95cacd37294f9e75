//! The compatibility lint, data-driven: `fixtures/compat/<RULE_ID>/<pos|neg>-<case>.yaml`
//! holds a baseline and a changed catalogue, separated by a `# --- after ---` line. A `pos`
//! case must report its rule, a `neg` case must not; every case's report is snapshotted, and
//! every rule has at least one case of each kind.

use std::path::Path;

use event_codegen::compat::report::{Format, render};
use event_codegen::compat::{Lockfile, Report, lint};
use event_codegen::ir::SourceFile;
use event_codegen::rules::{Category, RULES};

const SEPARATOR: &str = "# --- after ---\n";

fn load(path: &str, text: &str) -> event_codegen::Loaded {
    event_codegen::load_sources(vec![SourceFile {
        path: path.to_owned(),
        text: text.to_owned(),
    }])
}

/// Lints `after` against `before`.
fn check(case: &str) -> Report {
    let (before, after) = case
        .split_once(SEPARATOR)
        .expect("a case has an after part");
    let baseline = load("before.yaml", before)
        .into_result()
        .expect("the baseline of a case compiles");
    let baseline = Lockfile::from_catalogue(&baseline);
    let loaded = load("after.yaml", after);
    match loaded
        .catalogue
        .as_ref()
        .filter(|_| !loaded.diagnostics.has_errors())
    {
        Some(catalogue) => lint(&baseline, catalogue),
        None => Report::from_diagnostics(&loaded.diagnostics),
    }
}

#[test]
fn every_rule_has_positive_and_negative_cases_that_hold() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/compat");
    let mut failures = Vec::new();
    // The fleet's rules compare schemas with a running fleet, not with a baseline: their
    // cases are in the CLI's tests (`cli/tests/registry.rs`), against a redis-server.
    for rule in RULES.iter().filter(|rule| rule.category != Category::Fleet) {
        let dir = root.join(rule.id);
        let mut cases: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|_| panic!("no fixtures for {}", rule.id))
            .map(|entry| entry.expect("entry").path())
            .collect();
        cases.sort();
        let stems: Vec<String> = cases
            .iter()
            .map(|path| {
                path.file_stem()
                    .expect("stem")
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        assert!(
            stems.iter().any(|s| s.starts_with("pos-")),
            "{}: no positive case",
            rule.id
        );
        assert!(
            stems.iter().any(|s| s.starts_with("neg-")),
            "{}: no negative case",
            rule.id
        );
        for (path, stem) in cases.iter().zip(&stems) {
            let text = std::fs::read_to_string(path).expect("fixture is readable");
            let report = check(&text);
            let found = report
                .findings
                .iter()
                .any(|finding| finding.rule == rule.id && finding.waiver.is_none());
            let expected = stem.starts_with("pos-");
            if found != expected {
                failures.push(format!(
                    "{}/{stem}: expected {}the rule, got:\n{}",
                    rule.id,
                    if expected { "" } else { "no finding of " },
                    render(&report, Format::Text, "before.yaml")
                ));
            }
            insta::assert_snapshot!(
                format!("{}__{stem}", rule.id),
                render(&report, Format::Text, "before.yaml")
            );
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The release each change needs, whatever the version in the fixture says: edits with no
/// effect on the wire are a patch, changes compatible both ways a minor release, and a change
/// that breaks a released version a major one, even at level `NONE` where it is not reported.
#[test]
fn the_required_bump_follows_the_wire() {
    use event_codegen::compat::bump::Bump;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/compat");
    let cases = [
        (
            "CATALOGUE_VERSION_BUMP/neg-descriptions-only-patch",
            Bump::Patch,
        ),
        (
            "CATALOGUE_VERSION_BUMP/neg-field-reorder-patch",
            Bump::Patch,
        ),
        ("ENVELOPE_USER_ID_OPTIONAL/neg-still-required", Bump::Patch),
        ("SENSITIVE_NOT_MARKED/neg-marked-in-place", Bump::Patch),
        ("FIELD_ADDED_REQUIRED/neg-optional-field-added", Bump::Minor),
        ("FIELD_ADDED_REQUIRED/neg-added-with-default", Bump::Minor),
        ("FIELD_REMOVED/neg-optional-field-removed", Bump::Minor),
        ("FIELD_MADE_REQUIRED/neg-default-given", Bump::Minor),
        ("ENUM_VALUE_ADDED/neg-open-enum-value-added", Bump::Minor),
        ("FIELD_TYPE_WIDENED/neg-open-enum-to-string", Bump::Minor),
        ("FIELD_TYPE_CHANGED/neg-string-to-open-enum", Bump::Minor),
        (
            "CATALOGUE_VERSION_BUMP/pos-new-version-without-minor",
            Bump::Minor,
        ),
        (
            "CONSTRAINT_LOOSENED/pos-loosened-under-backward",
            Bump::Major,
        ),
        ("FIELD_TYPE_WIDENED/pos-widened-under-backward", Bump::Major),
        (
            "CATALOGUE_VERSION_BUMP/pos-breaking-under-none-without-major",
            Bump::Major,
        ),
        (
            "CATALOGUE_VERSION_BUMP/neg-breaking-under-none-with-major",
            Bump::Major,
        ),
    ];
    let mut failures = Vec::new();
    for (case, expected) in cases {
        let text = std::fs::read_to_string(root.join(format!("{case}.yaml")))
            .unwrap_or_else(|_| panic!("no fixture {case}"));
        let report = check(&text);
        if report.required_bump != Some(expected) {
            failures.push(format!(
                "{case}: needs {:?}, expected {expected:?}",
                report.required_bump
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_catalogue_is_clean_against_its_own_lockfile() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
    let catalogue = event_codegen::load_dir(&dir)
        .expect("schemas are readable")
        .into_result()
        .expect("schemas are valid");
    let text = std::fs::read_to_string(dir.join(event_codegen::compat::LOCKFILE_NAME))
        .expect("the lockfile is committed");
    let lock = Lockfile::from_text(&text).expect("the lockfile reads");
    let report = lint(&lock, &catalogue);
    assert!(report.findings.is_empty(), "{:?}", report.findings);
    assert_eq!(
        lock.to_text(),
        Lockfile::release(&catalogue, &lock, &report).to_text(),
        "schemas/events.lock.json is out of date: run `events lock schemas`"
    );
    // Catalogue 2.0.0 corrected v1 of the original types under waivers: the record stays.
    let corrections = lock
        .releases
        .iter()
        .find(|release| release.version == "2.0.0")
        .expect("the 2.0.0 release is on record");
    assert_eq!(corrections.previous, "1.0.0");
    assert!(corrections.waived.iter().any(|waived| {
        waived.rule == "FIELD_TYPE_CHANGED"
            && waived.event.as_deref() == Some("shift.created")
            && waived.field.as_deref() == Some("date")
    }));
}

#[test]
fn a_lockfile_round_trips_byte_for_byte() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
    let catalogue = event_codegen::load_dir(&dir)
        .expect("readable")
        .into_result()
        .expect("valid");
    let text = Lockfile::from_catalogue(&catalogue).to_text();
    assert_eq!(Lockfile::from_text(&text).expect("reads").to_text(), text);
    assert!(Lockfile::from_text("{}").is_err());
}

#[test]
fn every_format_renders_findings_and_waivers() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/compat");
    let failing =
        std::fs::read_to_string(root.join("FIELD_REMOVED/pos-released-field-removed.yaml"))
            .expect("fixture");
    let waived =
        std::fs::read_to_string(root.join("WAIVER_UNUSED/neg-waiver-used.yaml")).expect("fixture");
    for (name, case) in [("failing", failing), ("waived", waived)] {
        let report = check(&case);
        for (format, suffix) in [
            (Format::Json, "json"),
            (Format::Github, "github"),
            (Format::Junit, "junit"),
        ] {
            insta::assert_snapshot!(
                format!("format_{name}_{suffix}"),
                render(&report, format, "before.yaml")
            );
        }
    }
}

#[test]
fn every_rule_is_documented() {
    let page = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/lint-rules.md"),
    )
    .expect("docs/lint-rules.md exists");
    for rule in RULES {
        assert!(
            page.contains(&format!("#### {}\n", rule.id)),
            "{} has no section in docs/lint-rules.md",
            rule.id
        );
    }
}
