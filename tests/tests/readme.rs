//! The README's five-minute tutorial cannot drift from `examples/parcels/`, the crate CI builds,
//! tests and runs: every Rust, TOML and YAML block of the tutorial names the file it is taken
//! from (`<!-- tutorial: <path> -->` on the line before it) and appears there verbatim. The
//! TOML differs in one respect only, said here: the README's path dependencies point at a
//! checkout beside the service (`../schema-events/`), the example's at the repository
//! (`../../`).

use std::path::Path;

const START: &str = "## Five-minute tutorial for a service team";
const END: &str = "**TLS.**";
const MARKER: &str = "<!-- tutorial: ";

/// A fenced block: its language, its text, the file it names (if any) and its line.
struct Block {
    lang: String,
    text: String,
    source: Option<String>,
    line: usize,
}

fn tutorial_blocks(readme: &str) -> Vec<Block> {
    let start = readme.find(START).expect("the README has the tutorial");
    let end = start + readme[start..].find(END).expect("the tutorial ends at TLS");
    let first_line = readme[..start].lines().count() + 1;
    let lines: Vec<&str> = readme[start..end].lines().collect();
    let mut blocks = Vec::new();
    let mut index = 0;
    while index < lines.len() {
        if let Some(lang) = lines[index]
            .strip_prefix("```")
            .filter(|lang| !lang.is_empty())
        {
            let source = index
                .checked_sub(1)
                .and_then(|before| lines[before].strip_prefix(MARKER))
                .and_then(|rest| rest.strip_suffix(" -->"))
                .map(str::to_owned);
            let close = (index + 1..lines.len())
                .find(|at| lines[*at] == "```")
                .expect("every block is closed");
            blocks.push(Block {
                lang: lang.to_owned(),
                text: lines[index + 1..close].join("\n"),
                source,
                line: first_line + index,
            });
            index = close;
        }
        index += 1;
    }
    blocks
}

#[test]
fn every_tutorial_block_is_taken_from_the_example_crate() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let mut checked = 0;
    for block in tutorial_blocks(&readme) {
        if !matches!(block.lang.as_str(), "rust" | "toml" | "yaml") {
            continue;
        }
        let source = block.source.unwrap_or_else(|| {
            panic!(
                "README.md:{}: a {} block of the tutorial names no file of examples/parcels/ (`{MARKER}<path> -->` on the line before)",
                block.line, block.lang
            )
        });
        assert!(
            source.starts_with("examples/parcels/"),
            "README.md:{}: {source} is not in examples/parcels/",
            block.line
        );
        let file = std::fs::read_to_string(root.join(&source))
            .unwrap_or_else(|error| panic!("README.md:{}: {source}: {error}", block.line));
        let expected = match block.lang.as_str() {
            "toml" => block.text.replace("\"../schema-events/", "\"../../"),
            _ => block.text.clone(),
        };
        assert!(
            file.contains(&expected),
            "README.md:{}: this {} block is not in {source} as written:\n{}",
            block.line,
            block.lang,
            block.text
        );
        checked += 1;
    }
    assert!(checked >= 9, "only {checked} tutorial blocks were checked");
}

#[test]
fn a_changed_block_or_one_without_its_file_is_noticed() {
    let readme = format!(
        "{START}\n\n{MARKER}examples/parcels/build.rs -->\n```rust\nfn main() {{}}\n```\n\n```yaml\na: 1\n```\n{END}\n"
    );
    let blocks = tutorial_blocks(&readme);
    assert_eq!(blocks.len(), 2);
    assert_eq!(
        blocks[0].source.as_deref(),
        Some("examples/parcels/build.rs")
    );
    assert_eq!(blocks[0].text, "fn main() {}");
    assert_eq!(blocks[0].line, 4);
    assert_eq!(blocks[1].source, None);
}
