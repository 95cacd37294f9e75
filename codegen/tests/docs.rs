//! The examples of docs/schema-language.md say what schemas/ says.
//!
//! Every `yaml` code block of the page starts with a comment naming its source:
//!
//! - `# schemas/<file>`: a part of that file, from its top level, `types:` or `events:`;
//! - `# schemas/<file>, <event> <vN>`: fields of that version of the event;
//! - `# illustrative, not in schemas/`: made up; it only has to be YAML.
//!
//! Either source comment may go on with `: a note`. A quoted part holds some of the keys of
//! the file, each with the file's value; a text ending in `...` stands for a text starting so,
//! and a key left without a value (`versions:` followed by `# ...`) for any value.

use std::path::{Path, PathBuf};

use event_codegen::ir::SourceFile;
use marked_yaml::{LoaderOptions, Node};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repo().join(path)).unwrap_or_else(|error| panic!("{path}: {error}"))
}

fn yaml(text: &str) -> Result<Node, String> {
    // As the schema parser reads: duplicate keys are errors, and `key:` (an empty plain
    // scalar) is told apart from `key: ""`.
    let options = LoaderOptions::default()
        .error_on_duplicate_keys(true)
        .prevent_coercion(true);
    marked_yaml::parse_yaml_with_options(0, text, options)
        .map_err(|error| format!("not YAML: {error}"))
}

/// The `yaml` code blocks of a Markdown page, each with the line its text starts on.
fn yaml_blocks(page: &str) -> Vec<(usize, String)> {
    let mut blocks = Vec::new();
    let mut open: Option<(usize, String)> = None;
    for (index, line) in page.lines().enumerate() {
        match (&mut open, line.trim_end()) {
            (None, "```yaml") => open = Some((index + 2, String::new())),
            (Some(_), "```") => blocks.extend(open.take()),
            (Some((_, text)), line) => {
                text.push_str(line);
                text.push('\n');
            }
            (None, _) => {}
        }
    }
    blocks
}

/// Whether `part`, quoted on the page, is `whole`, from the schemas, with pieces left out.
fn within(part: &Node, whole: &Node) -> bool {
    match (part, whole) {
        (Node::Scalar(part), _) if part.is_empty() && part.may_coerce() => true,
        (Node::Scalar(part), Node::Scalar(whole)) => match part.strip_suffix("...") {
            Some(start) => whole.starts_with(start.trim_end()),
            None => part.as_str() == whole.as_str(),
        },
        (Node::Mapping(part), Node::Mapping(whole)) => part.iter().all(|(key, value)| {
            whole
                .get_node(key.as_str())
                .is_some_and(|whole| within(value, whole))
        }),
        (Node::Sequence(part), Node::Sequence(whole)) => {
            part.len() == whole.len() && part.iter().zip(whole.iter()).all(|(p, w)| within(p, w))
        }
        _ => false,
    }
}

/// Checks one block against the source its first line names.
fn check(block: &str) -> Result<(), String> {
    let header = block.lines().next().unwrap_or_default();
    if block
        .lines()
        .skip(1)
        .any(|line| line.starts_with("# schemas/") || line.starts_with("# illustrative"))
    {
        return Err("one quote per block: its source goes on the first line".into());
    }
    let snippet = yaml(block)?;
    if header.starts_with("# illustrative, not in schemas/") {
        return Ok(());
    }
    let Some(source) = header.strip_prefix("# schemas/") else {
        return Err(format!("first line `{header}` names no source"));
    };
    let source = source.split(": ").next().unwrap_or_default();
    let (file, version) = source.split_once(", ").unwrap_or((source, ""));
    let root = yaml(&read(&format!("schemas/{file}")))?;
    let places: Vec<Option<&Node>> = match version.split_once(' ') {
        Some((event, version)) => vec![
            root.as_mapping()
                .and_then(|root| root.get_mapping("events"))
                .and_then(|events| events.get_mapping(event))
                .and_then(|event| event.get_mapping("versions"))
                .and_then(|versions| versions.get_mapping(version))
                .and_then(|version| version.get_node("fields")),
        ],
        None if version.is_empty() => ["types", "events"]
            .map(|section| root.as_mapping().and_then(|root| root.get_node(section)))
            .into_iter()
            .chain([Some(&root)])
            .collect(),
        None => return Err(format!("`{version}` is not `<event> <vN>`")),
    };
    if places.iter().flatten().any(|place| within(&snippet, place)) {
        Ok(())
    } else {
        Err(format!("not what schemas/{source} says"))
    }
}

#[test]
fn the_yaml_examples_are_quoted_from_the_schemas() {
    let blocks = yaml_blocks(&read("docs/schema-language.md"));
    assert!(
        blocks.len() >= 25,
        "found only {} yaml blocks",
        blocks.len()
    );
    let wrong: Vec<String> = blocks
        .iter()
        .filter_map(|(line, block)| {
            let first = block.lines().next().unwrap_or_default();
            check(block)
                .err()
                .map(|why| format!("docs/schema-language.md:{line}: {first}\n  {why}"))
        })
        .collect();
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
}

/// The page shows the error `events check` prints for `shift.transferred` v2 without the
/// `migrate:` of `requested_by`.
#[test]
fn the_migration_error_shown_is_the_one_reported() {
    let page = read("docs/schema-language.md");
    let shown = page
        .split("```text\n")
        .filter_map(|rest| rest.split("```").next())
        .find(|text| text.starts_with("error[MIGRATION_INCOMPLETE]"))
        .expect("the page shows a MIGRATION_INCOMPLETE error");
    let migration = "            migrate:\n              copy: from_executor_id\n";
    let files = event_codegen::schema_files(&repo().join("schemas"))
        .expect("schemas")
        .into_iter()
        .map(|path| {
            let name = path
                .file_name()
                .expect("file")
                .to_string_lossy()
                .into_owned();
            let text = std::fs::read_to_string(&path).expect("readable");
            let text = match name.as_str() {
                "shift.yaml" => {
                    assert_eq!(
                        text.matches(migration).count(),
                        1,
                        "requested_by's migrate:"
                    );
                    text.replace(migration, "")
                }
                _ => text,
            };
            SourceFile {
                path: format!("schemas/{name}"),
                text,
            }
        })
        .collect();
    let reported = event_codegen::load_sources(files).diagnostics.render(false);
    assert!(
        reported.contains(shown),
        "shown:\n{shown}\nreported:\n{reported}"
    );
}
