//! `events export jsonschema|asyncapi|markdown [DIR] --out PATH`: documents for other
//! languages and for people.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use event_codegen::export;

use crate::Outcome;

/// Arguments of `events export`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to export.
    #[arg(value_enum)]
    pub kind: Kind,
    /// Schema directory.
    #[arg(default_value = "schemas")]
    pub dir: PathBuf,
    /// Where to write: a directory for `jsonschema` (one file per event version), a file
    /// for `asyncapi` (YAML when the name ends in `.yaml` or `.yml`, JSON otherwise) and
    /// `markdown`.
    #[arg(long)]
    pub out: PathBuf,
}

/// The kinds of export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// One JSON Schema (2020-12) per event version, envelope included.
    Jsonschema,
    /// An AsyncAPI 3.0 document (YAML or JSON, by the file name).
    Asyncapi,
    /// A Markdown catalogue.
    Markdown,
}

/// Runs the command.
pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    let Some(catalogue) = super::schema_dir::catalogue(&args.dir)? else {
        return Ok(Outcome::Findings);
    };
    let written = match args.kind {
        Kind::Jsonschema => {
            std::fs::create_dir_all(&args.out)
                .with_context(|| format!("cannot create {}", args.out.display()))?;
            let files = export::jsonschema::files(&catalogue);
            for (name, text) in &files {
                event_codegen::write_if_changed(&args.out.join(name), text)?;
            }
            format!(
                "{} JSON Schema files in {}",
                files.len(),
                args.out.display()
            )
        }
        Kind::Asyncapi => {
            let yaml = args
                .out
                .extension()
                .and_then(|extension| extension.to_str())
                .is_some_and(|extension| {
                    extension.eq_ignore_ascii_case("yaml") || extension.eq_ignore_ascii_case("yml")
                });
            let (text, format) = if yaml {
                (export::asyncapi::document_yaml(&catalogue), "YAML")
            } else {
                (export::asyncapi::document(&catalogue), "JSON")
            };
            event_codegen::write_if_changed(&args.out, &text)?;
            format!("AsyncAPI 3.0 document ({format}) {}", args.out.display())
        }
        Kind::Markdown => {
            event_codegen::write_if_changed(&args.out, &export::markdown::document(&catalogue))?;
            format!("Markdown catalogue {}", args.out.display())
        }
    };
    writeln!(
        std::io::stdout().lock(),
        "{} {}: {written}",
        catalogue.name,
        catalogue.version
    )
    .context("cannot write to stdout")?;
    Ok(Outcome::Clean)
}
