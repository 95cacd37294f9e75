//! `events registry`: the fleet as it registered itself in Redis (`event_runtime::fleet`),
//! per event type: producers and the versions they publish, consumer groups with the newest
//! version they read and their lag, fingerprints that disagree, stale instances.

use event_runtime::fleet::{Fleet, FleetReader, FleetType, Member, Role};

use crate::Outcome;
use crate::connect::{config_from_env, unreachable};
use crate::table::{Table, human_duration, print, print_json};

/// Arguments of `events registry`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only these event types (default: every registered type).
    #[arg(value_name = "TYPE")]
    pub types: Vec<String>,
    /// Print JSON instead of tables.
    #[arg(long)]
    pub json: bool,
}

/// Reads the fleet from the Redis at `REDIS_URL`: `types`, or every registered type.
pub async fn read_fleet(types: &[String]) -> anyhow::Result<Fleet> {
    for event_type in types {
        if !event_names::is_event_name(event_type) {
            anyhow::bail!(
                "`{event_type}` is not an event type (`domain.action`, e.g. `user.created`)"
            );
        }
    }
    let config = config_from_env()?;
    let reader = FleetReader::connect(&config)
        .await
        .map_err(|error| unreachable(&config, error))?;
    let fleet = if types.is_empty() {
        reader.read().await
    } else {
        let names: Vec<&str> = types.iter().map(String::as_str).collect();
        reader.read_types(&names).await
    };
    fleet.map_err(|error| anyhow::anyhow!("cannot read the fleet registry: {error}"))
}

/// The first 12 characters of a fingerprint: enough to tell them apart in a table.
pub fn short(fingerprint: &str) -> &str {
    fingerprint.get(..12).unwrap_or(fingerprint)
}

fn version_of(member: &Member) -> String {
    let record = &member.record;
    match record.role {
        Role::Producer => record.produces.map(|v| format!("v{v}")),
        Role::Consumer => record.knows.map(|v| format!("v{v}")),
    }
    .unwrap_or_else(|| "-".to_owned())
}

fn fingerprint_of(member: &Member) -> String {
    let record = &member.record;
    let version = match record.role {
        Role::Producer => record.produces,
        Role::Consumer => record.knows,
    };
    version
        .and_then(|version| record.fingerprints.get(&version))
        .map_or_else(|| "-".to_owned(), |fp| short(fp).to_owned())
}

fn state_of(member: &Member, now_ms: u64) -> String {
    let age = human_duration(now_ms.saturating_sub(member.seen_ms));
    if member.stale {
        format!("STALE (seen {age} ago)")
    } else {
        format!("live (seen {age} ago)")
    }
}

/// The instances table, the groups table and the disagreements, as text.
pub fn render(fleet: &Fleet) -> String {
    if fleet.types.is_empty() {
        return "no instance registered in the fleet registry (events:registry:*) of this database\n".to_owned();
    }
    let mut instances = Table::new(&[
        "event type",
        "role",
        "service",
        "instance",
        "version",
        "reads",
        "group",
        "fingerprint",
        "state",
    ]);
    let mut groups = Table::new(&[
        "event type",
        "group",
        "services",
        "reads up to",
        "live",
        "stale",
        "lag",
    ]);
    let mut disagreements = String::new();
    for (event_type, view) in &fleet.types {
        for member in view.members() {
            let record = &member.record;
            instances.row(vec![
                event_type.clone(),
                record.role.as_str().to_owned(),
                record.id.service.clone(),
                record.id.instance.clone(),
                version_of(member),
                record
                    .reads
                    .map_or_else(|| "-".to_owned(), |r| r.to_string()),
                record.group.clone().unwrap_or_else(|| "-".to_owned()),
                fingerprint_of(member),
                state_of(member, fleet.read_at_ms),
            ]);
        }
        for group in &view.groups {
            groups.row(vec![
                event_type.clone(),
                group.group.clone(),
                group.services.join(", "),
                group.reads.to_string(),
                group.live.to_string(),
                group.stale.to_string(),
                group
                    .lag
                    .map_or_else(|| "?".to_owned(), |lag| lag.to_string()),
            ]);
        }
        disagreements.push_str(&render_disagreements(view));
    }
    let mut out = instances.render();
    if !groups.is_empty() {
        out.push_str("\nconsumer groups\n");
        out.push_str(&groups.render());
    }
    if !disagreements.is_empty() {
        out.push_str("\nfingerprints that disagree (a released version edited in place)\n");
        out.push_str(&disagreements);
    }
    out
}

fn render_disagreements(view: &FleetType) -> String {
    let mut out = String::new();
    for disagreement in &view.disagreements {
        let uses: Vec<String> = disagreement
            .fingerprints
            .iter()
            .map(|fp| format!("{} by {}", short(&fp.fingerprint), fp.instances.join(", ")))
            .collect();
        out.push_str(&format!(
            "  {} v{}: {}\n",
            view.event_type,
            disagreement.version,
            uses.join("; ")
        ));
    }
    out
}

/// Runs the command: exit 1 when fingerprints disagree.
pub async fn run(args: &Args) -> anyhow::Result<Outcome> {
    let fleet = read_fleet(&args.types).await?;
    if args.json {
        print_json(&fleet)?;
    } else {
        print(&render(&fleet))?;
    }
    let disagree = fleet
        .types
        .values()
        .any(|view| !view.disagreements.is_empty());
    Ok(if disagree {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}
