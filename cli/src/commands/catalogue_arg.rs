//! `--schemas DIR` of the commands that decode events (`publish`, `consume`, `tail`,
//! `replay`, `dlq show`): which catalogue they check events against.

use std::path::PathBuf;

use anyhow::{anyhow, bail};
use event_cli::schemas::{LoadError, Schemas, source};

/// The catalogue option.
#[derive(Debug, Clone, clap::Args)]
pub struct CatalogueArg {
    /// Schema directory of the events [default: ./schemas when it holds schema files, else
    /// the catalogue built into `events`]
    #[arg(long, value_name = "DIR")]
    pub schemas: Option<PathBuf>,
}

impl CatalogueArg {
    /// Loads the catalogue and says on stderr which one is used.
    pub fn load(&self) -> anyhow::Result<Schemas> {
        let schemas = source::select(self.schemas.as_deref()).map_err(|error| {
            let place = match &self.schemas {
                Some(dir) => dir.display().to_string(),
                None => format!("./{}", source::DEFAULT_DIR),
            };
            match error {
                LoadError::Schema(event_codegen::Error::Schema(diagnostics)) => anyhow!(
                    "the schemas in {place} have errors (`events check {place}` shows them again):\n{}",
                    diagnostics.render(super::use_color())
                ),
                LoadError::Schema(error) => anyhow!("cannot read the schemas in {place}: {error}"),
                LoadError::Unusable(problems) => {
                    anyhow!("the schemas in {place} cannot be used:\n{problems}")
                }
            }
        })?;
        note(&schemas.describe());
        Ok(schemas)
    }
}

/// A line on stderr, for people (stdout carries the data).
pub fn note(line: &str) {
    use std::io::Write;
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "{line}");
}

/// The event type, known to the catalogue, or an error listing the types it has.
pub fn require_type(schemas: &Schemas, event_type: &str) -> anyhow::Result<()> {
    if schemas.event(event_type).is_some() {
        return Ok(());
    }
    bail!(
        "`{event_type}` is not an event type of catalogue `{}`; it has: {}\n\
         hint: point --schemas at the schema directory that defines it",
        schemas.catalogue().name,
        schemas.event_types().join(", ")
    )
}

/// A version given on the command line (`v2`), known to the catalogue for `event_type`.
pub fn require_version(schemas: &Schemas, event_type: &str, tag: &str) -> anyhow::Result<u32> {
    let number = event_runtime::wire::parse_version(tag)
        .ok_or_else(|| anyhow!("`{tag}` is not a version; write it as `v2`"))?;
    let known = schemas.versions(event_type);
    if !known.contains(&number) {
        let known: Vec<String> = known.iter().map(|v| format!("v{v}")).collect();
        bail!(
            "`{event_type}` has no version {tag} in catalogue `{}`; it has {}",
            schemas.catalogue().name,
            known.join(", ")
        );
    }
    Ok(number)
}
