//! `events check [DIR]`: validate schemas and print diagnostics.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;

use crate::Outcome;

/// Arguments of `events check`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Schema directory.
    #[arg(default_value = "schemas")]
    pub dir: PathBuf,
    /// Output format: `text` (rustc-style) or `json` (one object per diagnostic).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// Output formats of `events check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Human-readable, like rustc.
    Text,
    /// JSON lines.
    Json,
}

/// Runs the command.
pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    let loaded = super::schema_dir::load(&args.dir)?;
    let diagnostics = &loaded.diagnostics;
    let mut stdout = std::io::stdout().lock();
    match args.format {
        Format::Text => {
            let rendered = diagnostics.render(super::use_color());
            let mut stderr = std::io::stderr().lock();
            stderr
                .write_all(rendered.as_bytes())
                .context("cannot write to stderr")?;
            if let Some(catalogue) = &loaded.catalogue {
                let versions: usize = catalogue
                    .events
                    .values()
                    .map(|event| event.versions.len())
                    .sum();
                writeln!(
                    stdout,
                    "{} {}: {} events, {} versions, {} named types: ok",
                    catalogue.name,
                    catalogue.version,
                    catalogue.events.len(),
                    versions,
                    catalogue.types.len()
                )
                .context("cannot write to stdout")?;
            }
        }
        Format::Json => {
            for item in &diagnostics.items {
                let line = serde_json::json!({
                    "severity": match item.severity {
                        event_codegen::Severity::Error => "error",
                        event_codegen::Severity::Warning => "warning",
                    },
                    "location": diagnostics.location(item.span),
                    "message": item.message,
                    "label": item.label,
                    "hint": item.hint,
                });
                writeln!(stdout, "{line}").context("cannot write to stdout")?;
            }
        }
    }
    Ok(if diagnostics.has_errors() {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}
