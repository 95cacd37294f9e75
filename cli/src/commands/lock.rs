//! `events lock [DIR]`: record the released state of the schemas in `DIR/events.lock.json`.
//!
//! Locking over an existing lockfile lints the schemas against it first: a release that breaks
//! it is not recorded, and the breaks its waivers accept are kept in the lockfile's `releases`,
//! so the record outlives the waivers.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use event_codegen::compat::{LOCKFILE_NAME, Lockfile, report};

use crate::Outcome;

/// Arguments of `events lock`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Schema directory; the lockfile is written inside it.
    #[arg(default_value = "schemas")]
    pub dir: PathBuf,
    /// Do not write: exit 1 if the lockfile is missing or differs from the schemas.
    #[arg(long)]
    pub check: bool,
}

/// Runs the command.
pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    let Some(catalogue) = super::schema_dir::catalogue(&args.dir)? else {
        return Ok(Outcome::Findings);
    };
    let path = args.dir.join(LOCKFILE_NAME);
    let previous = match std::fs::read_to_string(&path) {
        Ok(text) => Some(
            Lockfile::from_text(&text)
                .map_err(|error| anyhow::anyhow!("{}: {error}", path.display()))?,
        ),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => None,
        Err(error) => return Err(error).with_context(|| format!("cannot read {}", path.display())),
    };
    let lock = match &previous {
        None => Lockfile::from_catalogue(&catalogue),
        Some(previous) => {
            // A release is recorded only when it passes the lint against the one before it;
            // its waived breaks are kept in the lockfile, so the record outlives the waivers.
            let report = event_codegen::compat::lint(previous, &catalogue);
            if report.failed() {
                std::io::stderr()
                    .lock()
                    .write_all(
                        report::render(&report, report::Format::Text, &path.display().to_string())
                            .as_bytes(),
                    )
                    .context("cannot write to stderr")?;
                writeln!(
                    std::io::stderr().lock(),
                    "not recorded: the schemas break the release in {} (fix or waive the findings above; `events lint {}` shows them)",
                    path.display(),
                    args.dir.display()
                )
                .context("cannot write to stderr")?;
                return Ok(Outcome::Findings);
            }
            Lockfile::release(&catalogue, previous, &report)
        }
    };
    let text = lock.to_text();
    let mut stdout = std::io::stdout().lock();
    if args.check {
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if current == text {
            writeln!(stdout, "{} is up to date", path.display())
                .context("cannot write to stdout")?;
            return Ok(Outcome::Clean);
        }
        writeln!(
            stdout,
            "{} is {}: run `events lock {}` after `events lint` passes",
            path.display(),
            if current.is_empty() {
                "missing"
            } else {
                "out of date"
            },
            args.dir.display()
        )
        .context("cannot write to stdout")?;
        return Ok(Outcome::Findings);
    }
    let wrote = event_codegen::write_if_changed(&path, &text)?;
    let versions: usize = catalogue.events.values().map(|e| e.versions.len()).sum();
    writeln!(
        stdout,
        "{} {}: {} events, {} versions {} {}",
        catalogue.name,
        catalogue.version,
        catalogue.events.len(),
        versions,
        if wrote {
            "recorded in"
        } else {
            "already recorded in"
        },
        path.display()
    )
    .context("cannot write to stdout")?;
    Ok(Outcome::Clean)
}
