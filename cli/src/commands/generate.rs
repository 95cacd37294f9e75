//! `events generate [DIR]`: print the generated Rust.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;

use crate::Outcome;

/// Arguments of `events generate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Schema directory.
    #[arg(default_value = "schemas")]
    pub dir: PathBuf,
    /// Write to this file (only if its content changed) instead of standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Path of the runtime crate in the generated code.
    #[arg(long, default_value = "::event_runtime")]
    pub runtime_crate: String,
}

/// Runs the command.
pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    let Some(catalogue) = super::schema_dir::catalogue(&args.dir)? else {
        return Ok(Outcome::Findings);
    };
    let code = event_codegen::Builder::new()
        .runtime_crate(args.runtime_crate.clone())
        .generate_catalogue(&catalogue);
    match &args.out {
        Some(path) => {
            event_codegen::write_if_changed(path, &code)?;
        }
        None => std::io::stdout()
            .lock()
            .write_all(code.as_bytes())
            .context("cannot write to stdout")?,
    }
    Ok(Outcome::Clean)
}
