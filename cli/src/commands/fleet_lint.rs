//! `events lint DIR --against fleet` (or `--against redis://...`): the local schemas against
//! what the running fleet registered in Redis (`event_runtime::fleet`): each version's
//! fingerprint against the instances' (`FLEET_VERSION_EDITED`), each type's newest version
//! against what live consumer groups read (`FLEET_READER_BEHIND`), and the versions live
//! producers publish against these schemas (`FLEET_VERSION_UNKNOWN`). The findings are the
//! lint's, printed in its formats.

use event_codegen::Catalogue;
use event_codegen::compat::fingerprint::fingerprint;
use event_codegen::compat::lint::{checks_forward, level_of};
use event_codegen::compat::{Finding, Location, Report};
use event_codegen::rules::{FLEET_READER_BEHIND, FLEET_VERSION_EDITED, FLEET_VERSION_UNKNOWN};
use event_runtime::fleet::{Fleet, FleetReader, FleetType};

use crate::connect::{config_from_env, unreachable};

/// Whether `--against` names the fleet: `fleet`, or a Redis URL.
pub fn names_fleet(against: &str) -> bool {
    against == "fleet" || against.starts_with("redis://") || against.starts_with("rediss://")
}

/// Reads the fleet from `against` (`fleet`: `REDIS_URL`), on a runtime of its own.
pub fn read(against: &str) -> anyhow::Result<Fleet> {
    let mut config = config_from_env()?;
    if against != "fleet" {
        config.redis_url = against.to_owned();
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| anyhow::anyhow!("cannot start the async runtime: {error}"))?;
    runtime.block_on(async {
        let reader = FleetReader::connect(&config)
            .await
            .map_err(|error| unreachable(&config, error))?;
        reader
            .read()
            .await
            .map_err(|error| anyhow::anyhow!("cannot read the fleet registry: {error}"))
    })
}

/// What the fleet's rules find in `catalogue`.
pub fn lint(catalogue: &Catalogue, fleet: &Fleet) -> Report {
    let mut findings = Vec::new();
    for (name, event) in &catalogue.events {
        let Some(view) = fleet.types.get(name) else {
            continue;
        };
        edited(catalogue, name, view, &mut findings);
        let Some(newest) = event.latest() else {
            continue;
        };
        let at_newest = Location::of(catalogue, newest.span);
        for group in &view.groups {
            if group.live == 0 || group.reads.reads(newest.number) {
                continue;
            }
            findings.push(
                Finding::new(
                    FLEET_READER_BEHIND,
                    at_newest.clone(),
                    format!(
                        "deploying this would break consumer group `{}` of service {}: it reads {name} up to {}, and these schemas publish v{}",
                        group.group,
                        group.services.join(", "),
                        group.reads,
                        newest.number
                    ),
                    format!(
                        "deploy that group's consumers built with v{} first, or keep producers on {} until they are",
                        newest.number, group.reads
                    ),
                )
                .about(name, Some(newest.number)),
            );
        }
        if checks_forward(level_of(catalogue, name)) {
            continue;
        }
        for produced in view.produced_versions() {
            if produced <= newest.number {
                continue;
            }
            let by: Vec<String> = view
                .producers
                .iter()
                .filter(|member| !member.stale && member.record.produces == Some(produced))
                .map(|member| {
                    format!(
                        "{} (instance {})",
                        member.record.id.service, member.record.id.instance
                    )
                })
                .collect();
            findings.push(
                Finding::new(
                    FLEET_VERSION_UNKNOWN,
                    Location::of(catalogue, event.span),
                    format!(
                        "{} publishes {name} v{produced}, which these schemas lack (newest v{}); consumers built from them would dead-letter it",
                        by.join(", "),
                        newest.number
                    ),
                    format!("add v{produced} as released to these schemas before deploying consumers built from them"),
                )
                .about(name, Some(produced)),
            );
        }
    }
    findings.sort_by(|a, b| a.location.cmp(&b.location).then(a.rule.cmp(b.rule)));
    Report {
        findings,
        baseline_version: None,
        version: Some(catalogue.version.to_string()),
        required_bump: None,
        fleet: true,
    }
}

/// `FLEET_VERSION_EDITED`: one finding per version and fingerprint that differs from ours.
fn edited(catalogue: &Catalogue, name: &str, view: &FleetType, findings: &mut Vec<Finding>) {
    let Some(event) = catalogue.events.get(name) else {
        return;
    };
    for version in &event.versions {
        let ours = fingerprint(catalogue, event, version);
        for disagreement in &view.disagreements_with(version.number, &ours) {
            findings.push(
                Finding::new(
                    FLEET_VERSION_EDITED,
                    Location::of(catalogue, version.span),
                    format!(
                        "{name} v{} differs from what {} registered: fingerprint {} here, {} there; v{} was changed in place after release",
                        version.number,
                        disagreement.instances.join(", "),
                        crate::commands::registry::short(&ours),
                        crate::commands::registry::short(&disagreement.fingerprint),
                        version.number
                    ),
                    format!(
                        "restore v{} as those services have it and put the change in a new version (v{})",
                        version.number,
                        event.versions.len() + 1
                    ),
                )
                .about(name, Some(version.number)),
            );
        }
    }
}
