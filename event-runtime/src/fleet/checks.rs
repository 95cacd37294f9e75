//! The start-up checks of a publisher against the fleet: a `(type, version)` whose fingerprint
//! differs from the one another live or recent instance registered (a released version edited
//! in place), and a version published while a live consumer group cannot read it. Pure: the
//! announcement and the fleet's views in, the findings out, each worded with the type, the
//! version, the other service and what to do.

use super::announce::TypeAnnouncement;
use super::view::FleetType;

/// Which check found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CheckKind {
    /// A fingerprint differs from another instance's.
    Fingerprint,
    /// A live consumer group cannot read the version published.
    Readers,
}

/// One problem a check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Finding {
    pub(crate) kind: CheckKind,
    pub(crate) message: String,
}

/// The findings of `announced` (this instance's types) against `fleet` (their views).
/// `instance` is this instance, whose own earlier records never count.
pub(crate) fn check(
    service: &str,
    instance: &str,
    announced: &[TypeAnnouncement],
    fleet: &[FleetType],
) -> Vec<Finding> {
    let mut findings = Vec::new();
    for announcement in announced {
        let Some(view) = fleet
            .iter()
            .find(|view| view.event_type == announcement.event_type)
        else {
            continue;
        };
        let event_type = &announcement.event_type;
        for (version, fingerprint) in &announcement.fingerprints {
            let other = view.members().find(|member| {
                member.record.id.instance != instance
                    && member
                        .record
                        .fingerprints
                        .get(version)
                        .is_some_and(|theirs| theirs != fingerprint)
            });
            if let Some(other) = other {
                let theirs = &other.record.fingerprints[version];
                let state = if other.stale { "recently" } else { "now" };
                findings.push(Finding {
                    kind: CheckKind::Fingerprint,
                    message: format!(
                        "{event_type} v{version}: this service ({service}) has wire-shape fingerprint {fingerprint}, but service {} (instance {}, running {state}) registered {theirs}: v{version} was changed in place after release; released versions must not change: put the change in a new version (v{}) and deploy the same schemas everywhere",
                        other.record.id.service,
                        other.record.id.instance,
                        announcement
                            .fingerprints
                            .keys()
                            .max()
                            .map_or(version + 1, |newest| newest + 1)
                    ),
                });
            }
        }
        let Some(produced) = announcement.produces else {
            continue;
        };
        for group in &view.groups {
            if group.live == 0 || group.reads.reads(produced) {
                continue;
            }
            let members: Vec<String> = view
                .consumers
                .iter()
                .filter(|member| {
                    !member.stale
                        && member.record.group.as_deref() == Some(group.group.as_str())
                        && member
                            .record
                            .reads
                            .is_some_and(|reads| !reads.reads(produced))
                })
                .map(|member| {
                    format!(
                        "{} (instance {})",
                        member.record.id.service, member.record.id.instance
                    )
                })
                .collect();
            findings.push(Finding {
                kind: CheckKind::Readers,
                message: format!(
                    "{event_type} v{produced}: consumer group {} of {} reads at most {}, so every v{produced} event would be dead-lettered there: deploy that group's consumers with v{produced} first, or publish {} until they are",
                    group.group,
                    members.join(", "),
                    group.reads,
                    group.reads,
                ),
            });
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::fleet::record::{InstanceId, Readable, Role, TypeRecord};
    use crate::wire::StreamEntry;

    fn record(instance: &str, role: Role, version: u32, fingerprint: &str) -> TypeRecord {
        TypeRecord {
            id: InstanceId {
                service: format!("svc-{instance}"),
                instance: instance.to_owned(),
                host: "h".to_owned(),
                pid: 1,
                started_ms: 0,
            },
            role,
            group: (role == Role::Consumer).then(|| "billing".to_owned()),
            produces: (role == Role::Producer).then_some(version),
            knows: (role == Role::Consumer).then_some(version),
            reads: (role == Role::Consumer).then_some(Readable::UpTo(version)),
            fingerprints: BTreeMap::from([(version, fingerprint.to_owned())]),
            heartbeat_ms: 1_000,
            stale_after_ms: 3_000,
            forget_after_ms: 60_000,
        }
    }

    fn view(records: &[(u64, TypeRecord)]) -> FleetType {
        let entries: Vec<StreamEntry> = records
            .iter()
            .map(|(ms, record)| StreamEntry {
                id: format!("{ms}-0"),
                fields: record
                    .to_fields()
                    .into_iter()
                    .map(|(name, value)| (name.to_owned(), value.into_bytes()))
                    .collect(),
            })
            .collect();
        FleetType::from_entries("user.created", &entries, 100_000)
    }

    fn producing(version: u32, fingerprints: &[(u32, &str)]) -> TypeAnnouncement {
        TypeAnnouncement {
            event_type: "user.created".to_owned(),
            produces: Some(version),
            knows: None,
            reads: None,
            fingerprints: fingerprints
                .iter()
                .map(|(version, fingerprint)| (*version, (*fingerprint).to_owned()))
                .collect(),
            schemas: BTreeMap::new(),
        }
    }

    #[test]
    fn an_edited_version_is_found_and_named() {
        let fleet = [view(&[(99_000, record("a", Role::Producer, 2, "old"))])];
        let findings = check("me", "mine", &[producing(2, &[(2, "new")])], &fleet);
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert_eq!(findings[0].kind, CheckKind::Fingerprint);
        let message = &findings[0].message;
        for part in ["user.created v2", "svc-a", "instance a", "old", "new", "v3"] {
            assert!(message.contains(part), "{part}: {message}");
        }
        assert!(check("me", "mine", &[producing(2, &[(2, "old")])], &fleet).is_empty());
        // Its own earlier records do not count.
        assert!(check("me", "a", &[producing(2, &[(2, "new")])], &fleet).is_empty());
    }

    #[test]
    fn a_version_a_live_group_cannot_read_is_found() {
        let fleet = [view(&[
            (99_000, record("c1", Role::Consumer, 1, "f1")),
            (50_000, record("old", Role::Consumer, 1, "f1")),
        ])];
        let findings = check("me", "mine", &[producing(2, &[(1, "f1")])], &fleet);
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert_eq!(findings[0].kind, CheckKind::Readers);
        let message = &findings[0].message;
        for part in ["user.created v2", "consumer group billing", "svc-c1", "v1"] {
            assert!(message.contains(part), "{part}: {message}");
        }
        assert!(check("me", "mine", &[producing(1, &[(1, "f1")])], &fleet).is_empty());
        // Stale members only: nobody is harmed now.
        let stale = [view(&[(90_000, record("c1", Role::Consumer, 1, "f1"))])];
        assert!(check("me", "mine", &[producing(2, &[])], &stale).is_empty());
    }
}
