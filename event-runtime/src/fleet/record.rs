//! The registry's stored records, field by field, both ways: what one instance says about one
//! event type (`events:registry:{events:<type>}`), the index of types
//! (`events:registry:types`) and a version's JSON Schema
//! (`events:registry:{events:<type>}:schemas`). `docs/wire-format.md` documents the same
//! fields for services in other languages; a record this module cannot read is skipped by
//! readers, never an error.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::wire::{EntryId, StreamEntry};

/// What an instance does with an event type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// It publishes the type.
    Producer,
    /// A consumer group reads the type through it.
    Consumer,
}

impl Role {
    /// `producer` or `consumer`, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Producer => "producer",
            Role::Consumer => "consumer",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text {
            "producer" => Some(Role::Producer),
            "consumer" => Some(Role::Consumer),
            _ => None,
        }
    }
}

/// The newest version of a type a consumer can read. In JSON as stored: the version number,
/// or `"any"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Readable {
    /// Versions up to and including this one.
    UpTo(u32),
    /// Every version, also newer ones than it knows: the type's compatibility level promises
    /// that its readers read newer data (`FORWARD_TRANSITIVE`, `FULL_TRANSITIVE`).
    Any,
}

impl Readable {
    /// Whether a reader reads data written at `version`.
    pub fn reads(self, version: u32) -> bool {
        match self {
            Readable::UpTo(newest) => version <= newest,
            Readable::Any => true,
        }
    }

    /// The stored text: the version number, or `any`.
    pub fn as_field(self) -> String {
        match self {
            Readable::UpTo(version) => version.to_string(),
            Readable::Any => "any".to_owned(),
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text {
            "any" => Some(Readable::Any),
            number => number.parse().ok().map(Readable::UpTo),
        }
    }
}

impl serde::Serialize for Readable {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Readable::UpTo(version) => serializer.serialize_u32(*version),
            Readable::Any => serializer.serialize_str("any"),
        }
    }
}

impl std::fmt::Display for Readable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Readable::UpTo(version) => write!(f, "v{version}"),
            Readable::Any => f.write_str("any"),
        }
    }
}

/// Who an instance is: the same for every type it registers.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct InstanceId {
    /// The service's name (`EVENT_SERVICE_NAME`).
    pub service: String,
    /// `<host>-<pid>-<start id>`: unique per publisher or subscriber started.
    pub instance: String,
    /// The host name.
    pub host: String,
    /// The process id.
    pub pid: u32,
    /// When it started, ms since the Unix epoch.
    pub started_ms: u64,
}

/// What one instance registered about one event type, in its newest entry.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TypeRecord {
    /// Who registered it.
    #[serde(flatten)]
    pub id: InstanceId,
    /// Producer or consumer.
    pub role: Role,
    /// The consumer group (consumers only).
    pub group: Option<String>,
    /// The version it publishes (producers only).
    pub produces: Option<u32>,
    /// The version its handler is written for (consumers only).
    pub knows: Option<u32>,
    /// The newest version it can read (consumers only).
    pub reads: Option<Readable>,
    /// The fingerprint of each version's wire shape it was built with.
    pub fingerprints: BTreeMap<u32, String>,
    /// Its heartbeat interval in ms.
    pub heartbeat_ms: u64,
    /// Without a newer entry for this long after one, the instance is stale.
    pub stale_after_ms: u64,
    /// Without a newer entry for this long after one, the instance is gone from the view.
    pub forget_after_ms: u64,
}

/// Field names of a type record, as stored.
pub(crate) mod fields {
    pub(crate) const SERVICE: &str = "service";
    pub(crate) const INSTANCE: &str = "instance";
    pub(crate) const HOST: &str = "host";
    pub(crate) const PID: &str = "pid";
    pub(crate) const STARTED: &str = "started";
    pub(crate) const ROLE: &str = "role";
    pub(crate) const GROUP: &str = "group";
    pub(crate) const PRODUCES: &str = "produces";
    pub(crate) const KNOWS: &str = "knows";
    pub(crate) const READS: &str = "reads";
    pub(crate) const FINGERPRINTS: &str = "fingerprints";
    pub(crate) const HEARTBEAT: &str = "heartbeat_ms";
    pub(crate) const STALE_AFTER: &str = "stale_after_ms";
    pub(crate) const FORGET_AFTER: &str = "forget_after_ms";
    pub(crate) const TYPES: &str = "types";
    pub(crate) const VERSION: &str = "version";
    pub(crate) const FINGERPRINT: &str = "fingerprint";
    pub(crate) const SCHEMA: &str = "schema";
}

impl TypeRecord {
    /// The fields of its stream entry.
    pub(crate) fn to_fields(&self) -> Vec<(&'static str, String)> {
        let mut out = vec![
            (fields::SERVICE, self.id.service.clone()),
            (fields::INSTANCE, self.id.instance.clone()),
            (fields::HOST, self.id.host.clone()),
            (fields::PID, self.id.pid.to_string()),
            (fields::STARTED, self.id.started_ms.to_string()),
            (fields::ROLE, self.role.as_str().to_owned()),
        ];
        if let Some(group) = &self.group {
            out.push((fields::GROUP, group.clone()));
        }
        if let Some(version) = self.produces {
            out.push((fields::PRODUCES, version.to_string()));
        }
        if let Some(version) = self.knows {
            out.push((fields::KNOWS, version.to_string()));
        }
        if let Some(reads) = self.reads {
            out.push((fields::READS, reads.as_field()));
        }
        let fingerprints: BTreeMap<String, &String> = self
            .fingerprints
            .iter()
            .map(|(version, fingerprint)| (version.to_string(), fingerprint))
            .collect();
        out.push((
            fields::FINGERPRINTS,
            serde_json::to_string(&fingerprints).unwrap_or_else(|_| "{}".to_owned()),
        ));
        out.push((fields::HEARTBEAT, self.heartbeat_ms.to_string()));
        out.push((fields::STALE_AFTER, self.stale_after_ms.to_string()));
        out.push((fields::FORGET_AFTER, self.forget_after_ms.to_string()));
        out
    }

    /// Reads a stored entry; `None` when a required field is missing or malformed.
    pub(crate) fn parse(entry: &StreamEntry) -> Option<Self> {
        let text = |name: &str| {
            entry
                .field(name)
                .and_then(|value| std::str::from_utf8(value).ok())
        };
        let number = |name: &str| text(name).and_then(|value| value.parse::<u64>().ok());
        let version = |name: &str| text(name).and_then(|value| value.parse::<u32>().ok());
        let role = Role::parse(text(fields::ROLE)?)?;
        let fingerprints: BTreeMap<String, String> =
            serde_json::from_str(text(fields::FINGERPRINTS).unwrap_or("{}")).ok()?;
        let fingerprints = fingerprints
            .into_iter()
            .map(|(version, fingerprint)| Some((version.parse().ok()?, fingerprint)))
            .collect::<Option<_>>()?;
        let record = TypeRecord {
            id: InstanceId {
                service: text(fields::SERVICE)?.to_owned(),
                instance: text(fields::INSTANCE)?.to_owned(),
                host: text(fields::HOST).unwrap_or_default().to_owned(),
                pid: text(fields::PID)
                    .and_then(|pid| pid.parse().ok())
                    .unwrap_or(0),
                started_ms: number(fields::STARTED).unwrap_or(0),
            },
            role,
            group: text(fields::GROUP).map(str::to_owned),
            produces: version(fields::PRODUCES),
            knows: version(fields::KNOWS),
            reads: text(fields::READS).and_then(Readable::parse),
            fingerprints,
            heartbeat_ms: number(fields::HEARTBEAT)?,
            stale_after_ms: number(fields::STALE_AFTER)?,
            forget_after_ms: number(fields::FORGET_AFTER)?,
        };
        let complete = match role {
            Role::Producer => record.produces.is_some(),
            Role::Consumer => record.group.is_some() && record.reads.is_some(),
        };
        complete.then_some(record)
    }
}

/// A version's JSON Schema as the registry keeps it: once per version and fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SchemaRecord {
    /// The version.
    pub version: u32,
    /// The fingerprint of its wire shape.
    pub fingerprint: String,
    /// The JSON Schema (2020-12) of the version, as text.
    pub schema: String,
    /// The service that stored it first.
    pub service: String,
}

impl SchemaRecord {
    pub(crate) fn to_fields(&self, instance: &str) -> Vec<(&'static str, String)> {
        vec![
            (fields::VERSION, self.version.to_string()),
            (fields::FINGERPRINT, self.fingerprint.clone()),
            (fields::SCHEMA, self.schema.clone()),
            (fields::SERVICE, self.service.clone()),
            (fields::INSTANCE, instance.to_owned()),
        ]
    }

    pub(crate) fn parse(entry: &StreamEntry) -> Option<Self> {
        let text = |name: &str| {
            entry
                .field(name)
                .and_then(|value| std::str::from_utf8(value).ok())
        };
        Some(SchemaRecord {
            version: text(fields::VERSION)?.parse().ok()?,
            fingerprint: text(fields::FINGERPRINT)?.to_owned(),
            schema: text(fields::SCHEMA)?.to_owned(),
            service: text(fields::SERVICE).unwrap_or_default().to_owned(),
        })
    }
}

/// The event types of an index entry, `None` when it has none.
pub(crate) fn index_types(entry: &StreamEntry) -> Vec<String> {
    entry
        .field(fields::TYPES)
        .and_then(|value| std::str::from_utf8(value).ok())
        .map(|types| {
            types
                .split(',')
                .filter(|name| event_names::is_event_name(name))
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// When an entry was written, ms since the Unix epoch (from its id).
pub(crate) fn written_ms(entry: &StreamEntry) -> Option<u64> {
    entry.id.parse::<EntryId>().ok().map(|id| id.ms)
}

/// Now, ms since the Unix epoch.
pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(role: Role) -> TypeRecord {
        TypeRecord {
            id: InstanceId {
                service: "billing".to_owned(),
                instance: "host-1-abc".to_owned(),
                host: "host".to_owned(),
                pid: 1,
                started_ms: 42,
            },
            role,
            group: (role == Role::Consumer).then(|| "billing".to_owned()),
            produces: (role == Role::Producer).then_some(2),
            knows: (role == Role::Consumer).then_some(2),
            reads: (role == Role::Consumer).then_some(Readable::Any),
            fingerprints: BTreeMap::from([(1, "a".to_owned()), (2, "b".to_owned())]),
            heartbeat_ms: 10_000,
            stale_after_ms: 30_000,
            forget_after_ms: 600_000,
        }
    }

    fn entry(fields: Vec<(&'static str, String)>) -> StreamEntry {
        StreamEntry {
            id: "1700000000000-0".to_owned(),
            fields: fields
                .into_iter()
                .map(|(name, value)| (name.to_owned(), value.into_bytes()))
                .collect(),
        }
    }

    #[test]
    fn records_read_back_as_written() {
        for role in [Role::Producer, Role::Consumer] {
            let record = record(role);
            let stored = entry(record.to_fields());
            assert_eq!(TypeRecord::parse(&stored), Some(record));
            assert_eq!(written_ms(&stored), Some(1_700_000_000_000));
        }
        let schema = SchemaRecord {
            version: 2,
            fingerprint: "b".to_owned(),
            schema: "{}".to_owned(),
            service: "billing".to_owned(),
        };
        assert_eq!(
            SchemaRecord::parse(&entry(schema.to_fields("i"))),
            Some(schema)
        );
    }

    #[test]
    fn incomplete_or_foreign_records_are_skipped() {
        let mut fields = record(Role::Consumer).to_fields();
        fields.retain(|(name, _)| *name != fields::READS);
        assert_eq!(TypeRecord::parse(&entry(fields)), None);
        let mut fields = record(Role::Producer).to_fields();
        fields.retain(|(name, _)| *name != fields::PRODUCES);
        assert_eq!(TypeRecord::parse(&entry(fields)), None);
        let mut fields = record(Role::Producer).to_fields();
        fields.push((fields::ROLE, "observer".to_owned()));
        fields.swap_remove(5);
        assert_eq!(TypeRecord::parse(&entry(fields)), None);
        let index = entry(vec![(fields::TYPES, "user.created,Bad Name,".to_owned())]);
        assert_eq!(index_types(&index), ["user.created"]);
    }

    #[test]
    fn readable_versions() {
        assert!(Readable::UpTo(2).reads(2));
        assert!(!Readable::UpTo(2).reads(3));
        assert!(Readable::Any.reads(9));
        assert_eq!(Readable::parse("any"), Some(Readable::Any));
        assert_eq!(Readable::parse("3"), Some(Readable::UpTo(3)));
        assert_eq!(Readable::parse("v3"), None);
    }
}
