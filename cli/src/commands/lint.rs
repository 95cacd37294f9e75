//! `events lint [DIR] [--against git:REF | PATH | fleet] [--format ...]`: compatibility lint
//! of the schemas against their released state, or against the running fleet
//! (`fleet_lint.rs`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};
use event_codegen::compat::report::{self, Format as ReportFormat};
use event_codegen::compat::{LOCKFILE_NAME, Lockfile, Report};
use event_codegen::ir::SourceFile;

use super::fleet_lint;
use crate::Outcome;

/// Arguments of `events lint`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Schema directory to lint.
    #[arg(default_value = "schemas")]
    pub dir: PathBuf,
    /// The baseline: `git:REF` (the same directory at a git ref, e.g. `git:origin/main`), a
    /// directory of schemas, or a lockfile. Default: the lockfile `DIR/events.lock.json`.
    /// `fleet` (the Redis at `REDIS_URL`) or a `redis://` URL: the running fleet instead, as
    /// it registered itself there: what deploying these schemas would break.
    #[arg(long, value_name = "git:REF|PATH|fleet|redis://...")]
    pub against: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// Output formats of `events lint`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// `file:line:col: RULE_ID message`, a hint, and a summary.
    Text,
    /// One JSON document.
    Json,
    /// GitHub Actions annotations.
    Github,
    /// JUnit XML, one test case per rule.
    Junit,
}

/// Runs the command.
pub fn run(args: &Args) -> anyhow::Result<Outcome> {
    if let Some(spec) = args
        .against
        .as_deref()
        .filter(|spec| fleet_lint::names_fleet(spec))
    {
        let fleet = fleet_lint::read(spec)?;
        let against = if spec == "fleet" {
            "the running fleet (REDIS_URL)".to_owned()
        } else {
            format!(
                "the running fleet ({})",
                event_runtime::config::redact_url(spec)
            )
        };
        return lint_against(args, &against, |catalogue| {
            fleet_lint::lint(catalogue, &fleet)
        });
    }
    let (baseline, against) = baseline(&args.dir, args.against.as_deref())?;
    lint_against(args, &against, |catalogue| {
        event_codegen::compat::lint(&baseline, catalogue)
    })
}

/// Lints the schemas of `args.dir` with `lint` and prints the report.
fn lint_against(
    args: &Args,
    against: &str,
    lint: impl FnOnce(&event_codegen::Catalogue) -> Report,
) -> anyhow::Result<Outcome> {
    let loaded = super::schema_dir::load(&args.dir)?;
    let report = match loaded
        .catalogue
        .as_ref()
        .filter(|_| !loaded.diagnostics.has_errors())
    {
        Some(catalogue) => lint(catalogue),
        None => Report::from_diagnostics(&loaded.diagnostics),
    };
    let format = match args.format {
        Format::Text => ReportFormat::Text,
        Format::Json => ReportFormat::Json,
        Format::Github => ReportFormat::Github,
        Format::Junit => ReportFormat::Junit,
    };
    std::io::stdout()
        .lock()
        .write_all(report::render(&report, format, against).as_bytes())
        .context("cannot write to stdout")?;
    Ok(if report.failed() {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}

/// Reads the baseline and says what it is.
fn baseline(dir: &Path, against: Option<&str>) -> anyhow::Result<(Lockfile, String)> {
    match against {
        Some(spec) if spec.starts_with("git:") => {
            let reference = &spec["git:".len()..];
            if reference.is_empty() {
                bail!("`--against git:` needs a ref, e.g. `git:origin/main` or `git:HEAD~1`");
            }
            Ok((git_baseline(dir, reference)?, spec.to_owned()))
        }
        Some(path) => {
            let path = Path::new(path);
            if path.is_dir() {
                let catalogue =
                    compile(event_codegen::read_dir(path)?, &path.display().to_string())?;
                Ok((
                    Lockfile::from_catalogue(&catalogue),
                    path.display().to_string(),
                ))
            } else {
                Ok((read_lockfile(path)?, path.display().to_string()))
            }
        }
        None => {
            let path = dir.join(LOCKFILE_NAME);
            if !path.exists() {
                bail!(
                    "no lockfile {}: record the released state first with `events lock {}`, or lint against another baseline with `--against git:REF` or `--against PATH`",
                    path.display(),
                    dir.display()
                );
            }
            Ok((read_lockfile(&path)?, path.display().to_string()))
        }
    }
}

fn read_lockfile(path: &Path) -> anyhow::Result<Lockfile> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read lockfile {}", path.display()))?;
    Lockfile::from_text(&text).map_err(|error| {
        anyhow::anyhow!(
            "{} is not a lockfile: {error} (regenerate it with `events lock`)",
            path.display()
        )
    })
}

fn compile(files: Vec<SourceFile>, what: &str) -> anyhow::Result<event_codegen::Catalogue> {
    let loaded = event_codegen::load_sources(files);
    match loaded.catalogue {
        Some(catalogue) if !loaded.diagnostics.has_errors() => Ok(catalogue),
        _ => bail!(
            "the baseline schemas in {what} do not compile, so they cannot be compared:\n{}",
            loaded.diagnostics.render(false)
        ),
    }
}

fn git(dir: &Path, args: &[&str]) -> anyhow::Result<std::process::Output> {
    Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .context("cannot run `git`; is it installed?")
}

fn git_text(dir: &Path, args: &[&str]) -> anyhow::Result<String> {
    let output = git(dir, args)?;
    if !output.status.success() {
        bail!(
            "`git {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    String::from_utf8(output.stdout).context("git printed something that is not UTF-8")
}

/// The schemas of `dir` as they are at `reference`, read with `git ls-tree` and `git show`.
fn git_baseline(dir: &Path, reference: &str) -> anyhow::Result<Lockfile> {
    if !dir.is_dir() {
        bail!("{} is not a directory", dir.display());
    }
    git_text(dir, &["rev-parse", "--show-toplevel"])
        .with_context(|| format!("{} is not inside a git repository", dir.display()))?;
    let commit = git(
        dir,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{reference}^{{commit}}"),
        ],
    )?;
    if !commit.status.success() {
        let shallow = git_text(dir, &["rev-parse", "--is-shallow-repository"])
            .is_ok_and(|answer| answer.trim() == "true");
        bail!("{}", missing_ref_message(reference, shallow));
    }
    let listing = git_text(
        dir,
        &[
            "ls-tree",
            "--full-name",
            "--name-only",
            reference,
            "--",
            "./",
        ],
    )?;
    let mut paths: Vec<&str> = listing
        .lines()
        .filter(|path| path.ends_with(".yaml") || path.ends_with(".yml"))
        .collect();
    paths.sort_unstable();
    if paths.is_empty() {
        bail!(
            "{} has no schema files (*.yaml, *.yml) at `{reference}`",
            dir.display()
        );
    }
    let mut files = Vec::new();
    for path in paths {
        let text = git_text(dir, &["show", &format!("{reference}:{path}")])?;
        files.push(SourceFile {
            path: format!("{reference}:{path}"),
            text,
        });
    }
    let catalogue = compile(files, &format!("`{reference}`"))?;
    Ok(Lockfile::from_catalogue(&catalogue))
}

/// What to say, and what to fetch, when a ref is not in the clone.
pub fn missing_ref_message(reference: &str, shallow: bool) -> String {
    let fetch = match reference.split_once('/') {
        Some((remote, branch))
            if !remote.is_empty()
                && !branch.is_empty()
                && !reference.contains('~')
                && !reference.contains('^') =>
        {
            format!(
                "git fetch --no-tags --depth=1 {remote} {branch}:refs/remotes/{remote}/{branch}"
            )
        }
        _ if reference.contains('~') || reference.contains('^') => {
            let base = reference.split(['~', '^']).next().unwrap_or("HEAD");
            let back = reference
                .rsplit('~')
                .next()
                .and_then(|count| count.parse::<u32>().ok())
                .unwrap_or(1);
            format!("git fetch --deepen={back} (so that `{base}` has its parents)")
        }
        _ => format!("git fetch --no-tags --depth=1 origin {reference}"),
    };
    if shallow {
        format!(
            "`{reference}` is not in this shallow clone. Fetch it, then lint again:\n    {fetch}\n(in GitHub Actions, `actions/checkout` with `fetch-depth: 0` fetches everything)"
        )
    } else {
        format!("unknown git ref `{reference}`. If it is on a remote, fetch it first:\n    {fetch}")
    }
}
