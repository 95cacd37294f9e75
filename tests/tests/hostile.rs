//! Hostile input through the two doors it can come in by: schema files (parsed, validated and
//! emitted by `event_codegen`) and stream entries (checked by `event_runtime::wire::parse_entry`,
//! then decoded by the generated catalogue's `Registry`). The same entry points as the fuzz
//! targets in `fuzz/`, on a committed corpus, without nightly.
//!
//! Every file of `tests/hostile/yaml/` and `tests/hostile/entries/` runs, plus giants generated
//! here (too big to commit). `tests/hostile/expected.txt` says, for each case, what its outcome
//! must contain: a piece of the error, or `accepted`. Each case must also end without a panic,
//! within a time bound, with a bounded message and a bounded peak of memory (the process's
//! `VmHWM`, reset before each case). With `RELIABILITY_REPORT=<file>` each case is appended to
//! the file as a JSON line for `scripts/reliability-report`.
//!
//! Entry files: the first line is the event type; every further line a field, `name=value`,
//! the value raw bytes up to the end of the line (the fuzz target's input format).

use std::collections::BTreeMap;
use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use event_runtime::Registry;
use event_runtime::wire::{parse_entry, version_tag};
use event_tests::events;

/// The default `max_event_size` of a subscriber.
const MAX_EVENT_SIZE: usize = 1024 * 1024;
/// Slowest a case may be (a debug build on a busy 2-core machine).
const MAX_TIME: Duration = Duration::from_secs(10);
/// Longest outcome message, in bytes.
const MAX_MESSAGE: usize = 16 * 1024;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("hostile")
}

/// What came of one input.
#[derive(Debug)]
struct Outcome {
    accepted: bool,
    message: String,
}

/// A schema file: written alone into a directory and loaded the way `build.rs` loads one.
fn schema_file(bytes: &[u8]) -> Outcome {
    let dir = std::env::temp_dir().join(format!(
        "hostile-{}-{}",
        std::process::id(),
        uuid::Uuid::now_v7().simple()
    ));
    std::fs::create_dir_all(&dir).expect("temporary directory");
    std::fs::write(dir.join("hostile.yaml"), bytes).expect("schema file written");
    let loaded = event_codegen::load_dir(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    match loaded {
        Err(error) => Outcome {
            accepted: false,
            message: error.to_string(),
        },
        Ok(loaded) => {
            let rendered = loaded.diagnostics.render(false);
            match loaded.catalogue {
                Some(catalogue) if !loaded.diagnostics.has_errors() => {
                    let code = event_codegen::Builder::new().generate_catalogue(&catalogue);
                    Outcome {
                        accepted: true,
                        message: format!("accepted: {} bytes of Rust", code.len()),
                    }
                }
                _ => Outcome {
                    accepted: false,
                    message: rendered,
                },
            }
        }
    }
}

/// Splits an entry file (or fuzz input) into the event type and the fields.
fn split_entry(data: &[u8]) -> (String, Vec<(String, Vec<u8>)>) {
    let mut lines = data.split(|byte| *byte == b'\n');
    let event_type = String::from_utf8_lossy(lines.next().unwrap_or_default())
        .trim()
        .to_owned();
    let fields = lines
        .filter(|line| !line.is_empty())
        .map(|line| {
            let at = line
                .iter()
                .position(|byte| *byte == b'=')
                .unwrap_or(line.len());
            let value = line.get(at + 1..).unwrap_or_default();
            (
                String::from_utf8_lossy(&line[..at]).into_owned(),
                value.to_vec(),
            )
        })
        .collect();
    (event_type, fields)
}

/// A stream entry: checked, then decoded as written and upgraded to the newest version.
fn stream_entry(registry: &Registry, data: &[u8]) -> Outcome {
    let (event_type, fields) = split_entry(data);
    let stream = format!("events:{event_type}");
    let head = match parse_entry(&event_type, &stream, &fields, MAX_EVENT_SIZE) {
        Ok(head) => head,
        Err(error) => {
            return Outcome {
                accepted: false,
                message: format!("dead letter: {error}"),
            };
        }
    };
    decoded(registry, &event_type, head.version, head.event_data)
}

fn decoded(registry: &Registry, event_type: &str, version: u32, event_data: &str) -> Outcome {
    let latest = registry.latest_version(event_type).unwrap_or(version);
    let result = registry
        .decode(event_type, &version_tag(version), event_data)
        .and_then(|_| registry.decode_as(event_type, version, event_data, latest));
    match result {
        Ok(event) => {
            let json = event.to_json().expect("a decoded event encodes");
            registry
                .decode_as(event_type, latest, &json, latest)
                .expect("an encoded event decodes again");
            let _ = format!("{event:?}");
            Outcome {
                accepted: true,
                message: format!("accepted: {event_type} v{version} -> v{latest}"),
            }
        }
        Err(error) => Outcome {
            accepted: false,
            message: format!("dead letter: {error}"),
        },
    }
}

/// A case: a name, its input, and how to run it.
struct Case {
    name: String,
    input: Vec<u8>,
    run: fn(&Registry, &[u8]) -> Outcome,
}

fn yaml_case(name: String, input: Vec<u8>) -> Case {
    Case {
        name,
        input,
        run: |_, input| schema_file(input),
    }
}

fn entry_case(name: String, input: Vec<u8>) -> Case {
    Case {
        name,
        input,
        run: stream_entry,
    }
}

const HEAD: &str = "catalogue:\n  name: hostile\n  version: 0.1.0\n";

/// One event version with the given field lines (already indented by 10 spaces).
fn schema_with_fields(fields: &str) -> String {
    format!(
        "{HEAD}events:\n  parcel.shipped:\n    description: Generated.\n    versions:\n      v1:\n        description: First.\n        fields:\n{fields}"
    )
}

/// A `user.created` v1 entry, valid but for the member `key`, set to the raw JSON `value`.
fn user_entry(key: &str, value: &str) -> Vec<u8> {
    let mut members = vec![
        (
            "event_id",
            r#""0191d3a4-5b6c-7d8e-9f00-aabbccddeeff""#.to_owned(),
        ),
        ("event_type", r#""user.created""#.to_owned()),
        ("version", r#""v1""#.to_owned()),
        ("timestamp", r#""2025-09-26T10:30:00Z""#.to_owned()),
        ("user_id", "7".to_owned()),
        ("telegram_id", "1".to_owned()),
        ("first_name", r#""Ada""#.to_owned()),
        ("role", r#""executor""#.to_owned()),
    ];
    match members.iter_mut().find(|(name, _)| *name == key) {
        Some(member) => member.1 = value.to_owned(),
        None => members.push((key, value.to_owned())),
    }
    let data: Vec<String> = members
        .iter()
        .map(|(name, value)| format!("\"{name}\":{value}"))
        .collect();
    format!(
        "user.created\nversion=v1\nevent_data={{{}}}\n",
        data.join(",")
    )
    .into_bytes()
}

/// Inputs too big to commit, made here.
fn generated() -> Vec<Case> {
    let deep = 1_000_000;
    let mut cases = vec![
        yaml_case(
            "generated/yaml_flow_nesting_1000000".to_owned(),
            format!("events: {}{}\n", "[".repeat(deep), "]".repeat(deep)).into_bytes(),
        ),
        yaml_case(
            "generated/yaml_type_nesting_100000".to_owned(),
            schema_with_fields(&format!(
                "          nested: {{ type: \"{}string{}\", description: Deep. }}\n",
                "list<".repeat(100_000),
                ">".repeat(100_000)
            ))
            .into_bytes(),
        ),
        yaml_case(
            "generated/yaml_string_3mb".to_owned(),
            schema_with_fields(&format!(
                "          note: {{ type: string, description: \"{}\" }}\n",
                "x".repeat(3_000_000)
            ))
            .into_bytes(),
        ),
        yaml_case(
            "generated/yaml_file_5mb".to_owned(),
            format!("{HEAD}# {}\n", "x".repeat(5_000_000)).into_bytes(),
        ),
        yaml_case(
            "generated/yaml_one_line_2mb_error".to_owned(),
            format!("events: [{}, oops: ]\n", "1, ".repeat(700_000)).into_bytes(),
        ),
    ];
    let fields: String = (0..5_000)
        .map(|i| format!("          f{i}: {{ type: string, description: Field {i}. }}\n"))
        .collect();
    cases.push(yaml_case(
        "generated/yaml_5000_fields".to_owned(),
        schema_with_fields(&fields).into_bytes(),
    ));
    let many: String = (0..1_000)
        .map(|i| format!("  e{i}.x:\n    description: Event {i}.\n    versions: {{ v1: {{ description: First., fields: {{ f: {{ type: int64, description: F. }} }} }} }}\n"))
        .collect();
    cases.push(yaml_case(
        "generated/yaml_1000_events".to_owned(),
        format!("{HEAD}events:\n{many}").into_bytes(),
    ));

    let ten_mb = format!("\"{}\"", "x".repeat(10 * 1024 * 1024));
    cases.push(entry_case(
        "generated/entry_event_data_10mb".to_owned(),
        user_entry("first_name", &ten_mb),
    ));
    cases.push(Case {
        name: "generated/decode_event_data_10mb_without_size_limit".to_owned(),
        input: user_entry("first_name", &ten_mb),
        run: |registry, input| {
            let (_, fields) = split_entry(input);
            let data = String::from_utf8_lossy(&fields[1].1).into_owned();
            decoded(registry, "user.created", 1, &data)
        },
    });
    cases.push(entry_case(
        "generated/entry_string_900kb".to_owned(),
        user_entry("role", &format!("\"{}\"", "r".repeat(900 * 1024))),
    ));
    cases.push(entry_case(
        "generated/entry_json_nesting_1000000".to_owned(),
        user_entry(
            "metadata",
            &format!("{}{}", "[".repeat(deep / 2), "]".repeat(deep / 2)),
        ),
    ));
    let keys: Vec<String> = (1..50_000).map(|i| format!("\"k{i}\":{i}")).collect();
    cases.push(entry_case(
        "generated/entry_50000_unknown_keys".to_owned(),
        user_entry("k0", &format!("0,{}", keys.join(","))),
    ));
    let mut long_version = b"user.created\nversion=v".to_vec();
    long_version.extend(std::iter::repeat_n(b'9', 1_000_000));
    long_version.extend(b"\nevent_data={}\n");
    cases.push(entry_case(
        "generated/entry_version_1mb".to_owned(),
        long_version,
    ));
    cases
}

fn committed(dir: &str, make: fn(String, Vec<u8>) -> Case) -> Vec<Case> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(corpus().join(dir))
        .expect("corpus directory")
        .map(|entry| entry.expect("corpus entry").path())
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let name = format!(
                "{dir}/{}",
                path.file_name().expect("file name").to_string_lossy()
            );
            make(name, std::fs::read(&path).expect("corpus file"))
        })
        .collect()
}

/// `expected.txt`: `<case><TAB><piece of the outcome, or "accepted">`; `#` starts a comment.
fn expectations() -> BTreeMap<String, String> {
    let text =
        std::fs::read_to_string(corpus().join("expected.txt")).expect("tests/hostile/expected.txt");
    text.lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .map(|line| {
            let (name, expected) = line
                .split_once('\t')
                .unwrap_or_else(|| panic!("expected.txt: no tab in `{line}`"));
            (name.trim().to_owned(), expected.trim().to_owned())
        })
        .collect()
}

/// Peak resident memory of the process (kB), and a way to reset it.
fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn current_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn reset_peak_rss() {
    // Writing 5 to clear_refs resets VmHWM to the current RSS (Linux 4.0+).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn record(case: &Case, outcome: &Outcome, elapsed: Duration, peak_growth_kb: Option<u64>) {
    let Some(path) = std::env::var_os("RELIABILITY_REPORT") else {
        return;
    };
    let first_line = outcome
        .message
        .lines()
        .find(|line| !line.trim().is_empty())
        .unwrap_or_default();
    let line = serde_json::json!({
        "suite": "hostile",
        "test": case.name,
        "input_bytes": case.input.len(),
        "accepted": outcome.accepted,
        "outcome": first_line.chars().take(200).collect::<String>(),
        "message_bytes": outcome.message.len(),
        "ms": elapsed.as_millis() as u64,
        "peak_rss_growth_kb": peak_growth_kb,
    });
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .expect("RELIABILITY_REPORT opens");
    writeln!(file, "{line}").expect("RELIABILITY_REPORT is written");
}

#[test]
fn hostile_inputs_get_clear_errors_in_bounded_time_and_memory() {
    let registry = events::registry();
    let expected = expectations();
    let mut cases = committed("yaml", yaml_case);
    cases.extend(committed("entries", entry_case));
    cases.extend(generated());

    let mut failures = Vec::new();
    let mut seen = Vec::new();
    for case in &cases {
        seen.push(case.name.clone());
        let Some(expectation) = expected.get(&case.name) else {
            failures.push(format!(
                "{}: no line in tests/hostile/expected.txt",
                case.name
            ));
            continue;
        };
        reset_peak_rss();
        let before = current_rss_kb();
        let started = Instant::now();
        let outcome = catch_unwind(AssertUnwindSafe(|| (case.run)(&registry, &case.input)));
        let elapsed = started.elapsed();
        let growth = peak_rss_kb()
            .zip(before)
            .map(|(peak, before)| peak.saturating_sub(before));
        let Ok(outcome) = outcome else {
            failures.push(format!("{}: panicked", case.name));
            continue;
        };
        record(case, &outcome, elapsed, growth);
        let matches = if expectation == "accepted" {
            outcome.accepted
        } else {
            !outcome.accepted && outcome.message.contains(expectation.as_str())
        };
        if !matches {
            failures.push(format!(
                "{}: expected `{expectation}`, got: {}",
                case.name,
                outcome.message.chars().take(600).collect::<String>()
            ));
        }
        if elapsed > MAX_TIME {
            failures.push(format!("{}: took {elapsed:?}", case.name));
        }
        if outcome.message.len() > MAX_MESSAGE {
            failures.push(format!(
                "{}: a {}-byte message",
                case.name,
                outcome.message.len()
            ));
        }
        // Memory: 64 MiB plus a multiple of the input (a YAML node per item costs ~50 bytes;
        // schema files are at most 4 MiB, entries 1 MiB).
        let bound_kb = 64 * 1024 + 64 * case.input.len() as u64 / 1024;
        if let Some(growth) = growth.filter(|growth| *growth > bound_kb) {
            failures.push(format!(
                "{}: peak memory grew {growth} kB for {} input bytes (bound {bound_kb} kB)",
                case.name,
                case.input.len()
            ));
        }
    }
    for name in expected.keys() {
        if !seen.contains(name) {
            failures.push(format!("expected.txt names `{name}`, which is no case"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} hostile cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
