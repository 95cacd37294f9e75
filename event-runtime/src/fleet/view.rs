//! The fleet as readers see it: per event type, the newest record of every instance not yet
//! forgotten, which of them are stale, the consumer groups with the newest version all their
//! live instances read, and the versions whose fingerprints disagree. Pure: built from stored
//! entries and the time, unit-tested without a backend.

use std::collections::{BTreeMap, BTreeSet};

use super::record::{Readable, Role, TypeRecord, written_ms};
use crate::wire::StreamEntry;

/// One instance's newest record of a type, with when it was written.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Member {
    /// What it registered.
    #[serde(flatten)]
    pub record: TypeRecord,
    /// When its newest entry was written, ms since the Unix epoch.
    pub seen_ms: u64,
    /// No entry for longer than its `stale_after_ms`: it missed its heartbeats.
    pub stale: bool,
}

/// A consumer group of a type.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct GroupView {
    /// The group's name.
    pub group: String,
    /// The services its instances belong to.
    pub services: Vec<String>,
    /// The newest version every live instance reads (all instances when none is live):
    /// during a rolling deployment, the oldest code decides.
    pub reads: Readable,
    /// Live instances.
    pub live: usize,
    /// Stale instances.
    pub stale: usize,
    /// Entries of the type's stream not yet delivered to the group, when known.
    pub lag: Option<u64>,
}

/// One fingerprint of a version and who registered it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FingerprintUse {
    /// The fingerprint.
    pub fingerprint: String,
    /// `service/instance` of every instance built with it.
    pub instances: Vec<String>,
}

/// A version registered with more than one fingerprint: someone edited it in place.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Disagreement {
    /// The version.
    pub version: u32,
    /// Each fingerprint and its instances.
    pub fingerprints: Vec<FingerprintUse>,
}

/// What the fleet registered about one event type.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FleetType {
    /// The event type.
    pub event_type: String,
    /// Producer instances, by service and instance.
    pub producers: Vec<Member>,
    /// Consumer instances, by group, service and instance.
    pub consumers: Vec<Member>,
    /// The consumer groups.
    pub groups: Vec<GroupView>,
    /// Versions registered with several fingerprints.
    pub disagreements: Vec<Disagreement>,
}

/// The whole fleet, per event type.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Fleet {
    /// When it was read, ms since the Unix epoch.
    pub read_at_ms: u64,
    /// Every registered type, by name.
    pub types: BTreeMap<String, FleetType>,
}

impl FleetType {
    /// Every member, producers first.
    pub fn members(&self) -> impl Iterator<Item = &Member> {
        self.producers.iter().chain(&self.consumers)
    }

    /// The versions producers publish now (live instances), ascending.
    pub fn produced_versions(&self) -> Vec<u32> {
        let versions: BTreeSet<u32> = self
            .producers
            .iter()
            .filter(|member| !member.stale)
            .filter_map(|member| member.record.produces)
            .collect();
        versions.into_iter().collect()
    }

    /// The instances that registered `version` with another fingerprint than `fingerprint`,
    /// by fingerprint: what an in-place edit of `version` would disagree with.
    pub fn disagreements_with(&self, version: u32, fingerprint: &str) -> Vec<FingerprintUse> {
        let mut uses: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for member in self.members() {
            if let Some(theirs) = member.record.fingerprints.get(&version) {
                if theirs != fingerprint {
                    uses.entry(theirs).or_default().push(format!(
                        "{}/{}",
                        member.record.id.service, member.record.id.instance
                    ));
                }
            }
        }
        uses.into_iter()
            .map(|(fingerprint, instances)| FingerprintUse {
                fingerprint: fingerprint.to_owned(),
                instances,
            })
            .collect()
    }

    /// Builds the view of a type from its stored entries (any order) at `now_ms`: the newest
    /// record per instance, instances older than their `forget_after_ms` left out.
    pub(crate) fn from_entries(event_type: &str, entries: &[StreamEntry], now_ms: u64) -> Self {
        let mut newest: BTreeMap<String, (u64, TypeRecord)> = BTreeMap::new();
        for entry in entries {
            let (Some(seen), Some(record)) = (written_ms(entry), TypeRecord::parse(entry)) else {
                continue;
            };
            let key = format!("{}\u{0}{}", record.id.instance, record.role.as_str());
            if newest.get(&key).is_none_or(|(known, _)| *known <= seen) {
                newest.insert(key, (seen, record));
            }
        }
        let mut producers = Vec::new();
        let mut consumers = Vec::new();
        for (seen_ms, record) in newest.into_values() {
            let age = now_ms.saturating_sub(seen_ms);
            if age > record.forget_after_ms {
                continue;
            }
            let member = Member {
                stale: age > record.stale_after_ms,
                seen_ms,
                record,
            };
            match member.record.role {
                Role::Producer => producers.push(member),
                Role::Consumer => consumers.push(member),
            }
        }
        let order = |member: &Member| {
            (
                member.record.group.clone(),
                member.record.id.service.clone(),
                member.record.id.instance.clone(),
            )
        };
        producers.sort_by_key(order);
        consumers.sort_by_key(order);
        let groups = groups(&consumers);
        let mut view = FleetType {
            event_type: event_type.to_owned(),
            producers,
            consumers,
            groups,
            disagreements: Vec::new(),
        };
        view.disagreements = disagreements(view.members());
        view
    }
}

fn groups(consumers: &[Member]) -> Vec<GroupView> {
    let mut by_group: BTreeMap<&str, Vec<&Member>> = BTreeMap::new();
    for member in consumers {
        if let Some(group) = &member.record.group {
            by_group.entry(group).or_default().push(member);
        }
    }
    by_group
        .into_iter()
        .map(|(group, members)| {
            let live: Vec<&&Member> = members.iter().filter(|member| !member.stale).collect();
            let deciding: Vec<&&Member> = if live.is_empty() {
                members.iter().collect()
            } else {
                live.clone()
            };
            let reads = deciding
                .iter()
                .filter_map(|member| member.record.reads)
                .min()
                .unwrap_or(Readable::UpTo(0));
            let services: BTreeSet<String> = members
                .iter()
                .map(|member| member.record.id.service.clone())
                .collect();
            GroupView {
                group: group.to_owned(),
                services: services.into_iter().collect(),
                reads,
                live: live.len(),
                stale: members.len() - live.len(),
                lag: None,
            }
        })
        .collect()
}

/// Versions whose members registered different fingerprints.
pub(crate) fn disagreements<'a>(members: impl Iterator<Item = &'a Member>) -> Vec<Disagreement> {
    let mut uses: BTreeMap<u32, BTreeMap<&str, Vec<String>>> = BTreeMap::new();
    for member in members {
        let who = format!("{}/{}", member.record.id.service, member.record.id.instance);
        for (version, fingerprint) in &member.record.fingerprints {
            uses.entry(*version)
                .or_default()
                .entry(fingerprint)
                .or_default()
                .push(who.clone());
        }
    }
    uses.into_iter()
        .filter(|(_, fingerprints)| fingerprints.len() > 1)
        .map(|(version, fingerprints)| Disagreement {
            version,
            fingerprints: fingerprints
                .into_iter()
                .map(|(fingerprint, mut instances)| {
                    instances.sort();
                    instances.dedup();
                    FingerprintUse {
                        fingerprint: fingerprint.to_owned(),
                        instances,
                    }
                })
                .collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::record::InstanceId;

    fn producer(instance: &str, version: u32, fingerprint: &str) -> TypeRecord {
        TypeRecord {
            id: InstanceId {
                service: format!("svc-{instance}"),
                instance: instance.to_owned(),
                host: "h".to_owned(),
                pid: 1,
                started_ms: 0,
            },
            role: Role::Producer,
            group: None,
            produces: Some(version),
            knows: None,
            reads: None,
            fingerprints: BTreeMap::from([(version, fingerprint.to_owned())]),
            heartbeat_ms: 1_000,
            stale_after_ms: 3_000,
            forget_after_ms: 60_000,
        }
    }

    fn consumer(instance: &str, group: &str, reads: Readable) -> TypeRecord {
        TypeRecord {
            role: Role::Consumer,
            group: Some(group.to_owned()),
            produces: None,
            knows: Some(1),
            reads: Some(reads),
            fingerprints: BTreeMap::new(),
            ..producer(instance, 1, "")
        }
    }

    fn at(ms: u64, record: &TypeRecord) -> StreamEntry {
        StreamEntry {
            id: format!("{ms}-0"),
            fields: record
                .to_fields()
                .into_iter()
                .map(|(name, value)| (name.to_owned(), value.into_bytes()))
                .collect(),
        }
    }

    #[test]
    fn newest_record_per_instance_with_staleness_and_forgetting() {
        let entries = [
            at(1_000, &producer("a", 1, "x")),
            at(95_000, &producer("a", 2, "y")),
            at(98_000, &producer("b", 2, "y")),
            at(10_000, &producer("gone", 1, "x")),
        ];
        let view = FleetType::from_entries("user.created", &entries, 100_000);
        let members: Vec<(&str, Option<u32>, bool)> = view
            .producers
            .iter()
            .map(|m| (m.record.id.instance.as_str(), m.record.produces, m.stale))
            .collect();
        assert_eq!(members, [("a", Some(2), true), ("b", Some(2), false)]);
        assert_eq!(view.produced_versions(), [2]);
        assert!(view.disagreements.is_empty());
    }

    #[test]
    fn a_group_reads_what_its_oldest_live_instance_reads() {
        let entries = [
            at(99_000, &consumer("c1", "billing", Readable::UpTo(2))),
            at(99_000, &consumer("c2", "billing", Readable::UpTo(3))),
            at(90_000, &consumer("c3", "billing", Readable::UpTo(1))),
            at(99_000, &consumer("c4", "audit", Readable::Any)),
        ];
        let view = FleetType::from_entries("user.created", &entries, 100_000);
        let groups: Vec<(&str, Readable, usize, usize)> = view
            .groups
            .iter()
            .map(|g| (g.group.as_str(), g.reads, g.live, g.stale))
            .collect();
        assert_eq!(
            groups,
            [
                ("audit", Readable::Any, 1, 0),
                ("billing", Readable::UpTo(2), 2, 1)
            ]
        );
    }

    #[test]
    fn different_fingerprints_of_one_version_disagree() {
        let entries = [
            at(99_000, &producer("a", 2, "x")),
            at(99_000, &producer("b", 2, "y")),
            at(99_000, &producer("c", 2, "x")),
        ];
        let view = FleetType::from_entries("user.created", &entries, 100_000);
        assert_eq!(
            view.disagreements,
            [Disagreement {
                version: 2,
                fingerprints: vec![
                    FingerprintUse {
                        fingerprint: "x".to_owned(),
                        instances: vec!["svc-a/a".to_owned(), "svc-c/c".to_owned()],
                    },
                    FingerprintUse {
                        fingerprint: "y".to_owned(),
                        instances: vec!["svc-b/b".to_owned()],
                    },
                ],
            }]
        );
    }
}
