//! The run-time interpreter of `events` (`event_cli::schemas`) gives the same results as the
//! code `event-codegen` generates from the same schemas.
//!
//! Two catalogues, each compiled by `cli/build.rs` and interpreted from its YAML: the
//! repository's `schemas/` (the catalogue built into `events`), and
//! `tests/fixtures/interpreter/` (every type, constraint, default and migration form). For
//! random events of every version (valid ones, ones that break constraints, hostile ones;
//! `generate.rs`), the decode result at the written version and the upgrade to every later
//! version are compared as the wire JSON of the result or the error message, exactly. A
//! migration that calls a Rust function is the one thing the interpreter cannot do: there it
//! must say so, after everything before that step agreed.

mod generate;

use std::cell::RefCell;
use std::collections::BTreeMap;

use event_cli::schemas::{DecodeError, Schemas, Source};
use event_runtime::Registry;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use proptest::{prop_assert, prop_assert_eq};

/// The code generated from `tests/fixtures/interpreter/`.
#[allow(
    dead_code,
    clippy::all,
    missing_debug_implementations,
    unused_qualifications
)]
mod fixture {
    include!(concat!(env!("OUT_DIR"), "/interpreter_fixture.rs"));
}

/// The Rust functions the fixture's migrations name.
mod fixture_migrations {
    use super::fixture::{OrderPlacedV1, OrderPlacedV2, ProfileChangedV2};

    /// `profile.changed` v3 `initials`: the first letter of each word of the display name.
    pub fn initials(previous: &ProfileChangedV2) -> String {
        previous
            .display_name
            .split_whitespace()
            .filter_map(|word| word.chars().next())
            .collect()
    }

    /// `order.placed` v1 -> v2.
    pub fn order_placed_v1_to_v2(previous: OrderPlacedV1) -> OrderPlacedV2 {
        OrderPlacedV2 {
            envelope: previous.envelope,
            items: i64::from(previous.items),
            total: previous.total,
            currency: "EUR".to_owned(),
        }
    }
}

/// What the random cases came to, to show they exercise every path.
#[derive(Debug, Default)]
struct Tally {
    counts: BTreeMap<&'static str, u32>,
}

impl Tally {
    fn add(&mut self, what: &'static str) {
        *self.counts.entry(what).or_default() += 1;
    }

    fn get(&self, what: &str) -> u32 {
        self.counts.get(what).copied().unwrap_or(0)
    }
}

fn kind(result: &Result<String, DecodeError>) -> &'static str {
    match result {
        Ok(_) => "ok",
        Err(DecodeError::Syntax { .. }) => "syntax",
        Err(DecodeError::Field { message, .. }) if message.contains("sensitive") => "redacted",
        Err(DecodeError::Field { .. }) => "field",
        Err(DecodeError::Invalid { .. }) => "invalid",
        Err(error) if error.is_function_migration() => "function",
        Err(_) => "other",
    }
}

/// Compares one case on every target version; records what happened.
fn compare(
    schemas: &Schemas,
    registry: &Registry,
    case: &generate::Case,
    tally: &RefCell<Tally>,
) -> Result<(), TestCaseError> {
    let event_type = case.event_type.as_str();
    let from = case.version;
    let text = case.text.as_str();
    let generated = |to: u32| {
        registry
            .decode_as(event_type, from, text, to)
            .map(|event| {
                event
                    .to_json()
                    .unwrap_or_else(|error| format!("encode: {error}"))
            })
            .map_err(|error| error.to_string())
    };
    let interpreted = |to: u32| {
        schemas
            .decode_as(event_type, from, text, to)
            .map(|event| event.to_json())
    };

    let own = schemas
        .decode(event_type, &format!("v{from}"), text)
        .map(|event| event.to_json());
    let expected = registry
        .decode(event_type, &format!("v{from}"), text)
        .map(|event| event.to_json().unwrap_or_default())
        .map_err(|error| error.to_string());
    prop_assert_eq!(
        own.clone().map_err(|error| error.to_string()),
        expected,
        "{} v{} decoded at its own version: {}",
        event_type,
        from,
        text
    );
    tally.borrow_mut().add(kind(&own));

    let latest = schemas.latest_version(event_type).unwrap_or(from);
    for to in from.saturating_sub(1)..=latest + 1 {
        let found = interpreted(to);
        if let Err(error) = &found {
            if error.is_function_migration() {
                let previous = match error {
                    DecodeError::VersionFunction { previous, .. }
                    | DecodeError::FieldFunction { previous, .. } => *previous,
                    _ => from,
                };
                // The interpreter stops where the generated code calls the function, after
                // every step before it agreed (what the function makes, and whether that is
                // valid, only the compiled code knows).
                prop_assert!(
                    generated(previous).is_ok(),
                    "{} v{} -> v{}: the interpreter stopped at a function migration ({}), but the generated code failed before it: {:?}",
                    event_type,
                    from,
                    to,
                    error,
                    generated(previous)
                );
                prop_assert_eq!(interpreted(previous).ok(), generated(previous).ok());
                tally.borrow_mut().add("function");
                continue;
            }
        }
        let found = found.map_err(|error| error.to_string());
        prop_assert_eq!(
            &found,
            &generated(to),
            "{} v{} -> v{}: {}",
            event_type,
            from,
            to,
            text
        );
        if to > from && found.is_ok() {
            tally.borrow_mut().add("upgraded");
        }
    }
    Ok(())
}

/// Runs `cases` random cases of `schemas` against `registry`.
fn check_catalogue(schemas: &Schemas, registry: &Registry, cases: u32) -> Tally {
    let tally = RefCell::new(Tally::default());
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let strategy = generate::cases(schemas.catalogue());
    if let Err(error) = runner.run(&strategy, |case| compare(schemas, registry, &case, &tally)) {
        panic!("{error}");
    }
    let tally = tally.into_inner();
    // Shown with `--nocapture`: what the random cases came to.
    #[allow(clippy::print_stderr)]
    {
        eprintln!("{}: {:?}", schemas.catalogue().name, tally.counts);
    }
    tally
}

fn fixture_schemas() -> Schemas {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/interpreter");
    Schemas::load_dir(dir, Source::Memory).expect("the fixture loads")
}

#[test]
fn the_built_in_catalogue_decodes_validates_and_upgrades_as_the_generated_code() {
    let schemas = Schemas::built_in().expect("the built-in catalogue loads");
    let registry = event_cli::catalogue::events::registry();
    assert_eq!(
        schemas.event_types(),
        registry.event_types(),
        "the embedded YAML is the compiled catalogue"
    );
    let tally = check_catalogue(&schemas, &registry, 3000);
    for (what, least) in [
        ("ok", 600),
        ("upgraded", 100),
        ("invalid", 50),
        ("field", 100),
    ] {
        assert!(
            tally.get(what) >= least,
            "only {} cases came to `{what}`: {:?}",
            tally.get(what),
            tally.counts
        );
    }
}

#[test]
fn a_catalogue_of_every_form_decodes_validates_and_upgrades_as_the_generated_code() {
    let schemas = fixture_schemas();
    let registry = fixture::registry();
    let tally = check_catalogue(&schemas, &registry, 4000);
    for (what, least) in [
        ("ok", 600),
        ("upgraded", 200),
        ("invalid", 100),
        ("field", 200),
        ("redacted", 10),
        ("syntax", 20),
        ("function", 100),
    ] {
        assert!(
            tally.get(what) >= least,
            "only {} cases came to `{what}`: {:?}",
            tally.get(what),
            tally.counts
        );
    }
}

/// Decodes `text` as `event_type` written at `from`, upgraded to `to`, with the interpreter
/// and with the generated code; both must say `expected` (the JSON's key, or the error).
fn check(event_type: &str, from: u32, to: u32, text: &str, expected: &str) {
    let schemas = fixture_schemas();
    let found = match schemas.decode_as(event_type, from, text, to) {
        Ok(event) => event.to_json(),
        Err(error) => error.to_string(),
    };
    assert!(
        found.contains(expected),
        "{found}\nshould contain: {expected}"
    );
    if !expected.contains("Rust function") {
        let generated = match fixture::registry().decode_as(event_type, from, text, to) {
            Ok(event) => event.to_json().unwrap_or_default(),
            Err(error) => error.to_string(),
        };
        assert_eq!(found, generated);
    }
}

const PROFILE_V1: &str = r#"{"event_id":"0191d3a4-5b6c-7d8e-9f00-112233445566","timestamp":"2025-09-26T10:30:00","first_name":"Ada","last_name":null,"age":36,"height":170,"visits":9007199254740993,"level":"critical","mood":" new ","born":"1815-12-10","joined":"2025-09-26 10:30:00.5","balance":"12.50","rate":1.5,"active":true,"key":"67E55044-10B1-426F-9247-BB680E5FE0C8","title":"Countess","city":"London"}"#;

#[test]
fn upgrades_map_widen_render_and_default_as_generated() {
    check(
        "profile.changed",
        1,
        2,
        PROFILE_V1,
        r#""display_name":"Ada","summary":"critical/ new /: 36 170 9007199254740993 1.5 true 67e55044-10b1-426f-9247-bb680e5fe0c8 1815-12-10 2025-09-26T10:30:00.500Z  12.50 {ok}","mood_text":" new ","last_text":"","joined_text":"2025-09-26T10:30:00.500Z","first_name":"Ada","last_name":null,"nick":"anonymous","age":36,"height":170.0,"visits":9007199254740992.0,"grade":"major","feeling":" new ""#,
    );
}

#[test]
fn function_migrations_are_named_not_run() {
    check(
        "profile.changed",
        1,
        3,
        PROFILE_V1,
        "profile.changed v3: field `initials` is computed from v2 by the Rust function `crate::fixture_migrations::initials`",
    );
    check(
        "order.placed",
        1,
        3,
        r#"{"event_id":"0191d3a4-5b6c-7d8e-9f00-112233445566","timestamp":"2025-09-26T10:30:00Z","items":2,"total":"9.90"}"#,
        "order.placed v2 is built from v1 by the Rust function `crate::fixture_migrations::order_placed_v1_to_v2`",
    );
}

#[test]
fn sensitive_values_stay_out_of_errors() {
    let secrets = r#"{"event_id":"0191d3a4-5b6c-7d8e-9f00-112233445566","timestamp":"2025-09-26T10:30:00Z","secrets":{"k":{"phone":"555-SECRET"}}}"#;
    let schemas = fixture_schemas();
    let error = schemas
        .decode_as("kitchen.sink", 1, secrets, 1)
        .expect_err("kitchen.sink misses most fields");
    assert!(!error.to_string().contains("SECRET"), "{error}");
}
