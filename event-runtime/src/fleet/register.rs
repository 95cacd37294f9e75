//! Registering an instance: at start, the checks (publishers) and the first records; then a
//! heartbeat task that appends them again every `heartbeat`, trimming what is older than
//! `forget_after` heartbeats. Registering never fails or blocks publishing because Redis is
//! away: a failed attempt is logged and made again at the next heartbeat. Only a check set to
//! `refuse` fails the registration.

use std::time::Duration;

use tokio::task::JoinHandle;

use super::announce::TypeAnnouncement;
use super::checks::{CheckKind, Finding, check};
use super::read::read_types;
use super::record::{InstanceId, Role, SchemaRecord, TypeRecord, fields, now_ms};
use crate::backend::OutgoingEntry;
use crate::config::{CheckLevel, RegistryConfig, Retention};
use crate::error::{Error, ErrorKind, Result};
use crate::transport::Transport;
use crate::wire::{REGISTRY_TYPES_KEY, registry_key, registry_schemas_key};

/// A live registration: the heartbeat task, stopped when this is dropped.
#[derive(Debug)]
pub(crate) struct Registration {
    heartbeat: JoinHandle<()>,
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.heartbeat.abort();
    }
}

/// One instance's registrar: who it is, what it says, where.
struct Registrar {
    transport: Transport,
    settings: RegistryConfig,
    id: InstanceId,
    role: Role,
    group: Option<String>,
    types: Vec<TypeAnnouncement>,
    /// Whether the schemas are known to be stored (written, or found).
    schemas_stored: bool,
    /// Whether the start-up checks ran (they wait for Redis when it was away at start).
    checked: bool,
}

/// Registers an instance and starts its heartbeat; `None` when the registry is off or there
/// is nothing to register. `timeout` bounds the first attempt (checks and records).
pub(crate) async fn register(
    transport: &Transport,
    settings: &RegistryConfig,
    service: &str,
    role: Role,
    group: Option<String>,
    types: Vec<TypeAnnouncement>,
    timeout: Duration,
) -> Result<Option<Registration>> {
    let settings = settings.clone();
    if !settings.enabled || types.is_empty() {
        return Ok(None);
    }
    let mut registrar = Registrar {
        transport: transport.clone(),
        id: instance_id(service),
        role,
        group,
        types,
        schemas_stored: false,
        checked: false,
        settings,
    };
    let first = tokio::time::timeout(timeout, async {
        registrar.run_checks(true).await?;
        registrar.beat().await
    })
    .await
    .unwrap_or_else(|_| {
        Err(Error::new(
            ErrorKind::Timeout,
            format!("no answer within {} ms", timeout.as_millis()),
        ))
    });
    let mut failing = false;
    if let Err(error) = first {
        if error.kind() == ErrorKind::Refused {
            return Err(error);
        }
        failing = true;
        tracing::warn!(
            %error,
            backend = %registrar.transport.describe(),
            "could not register in the fleet registry; trying again at the next heartbeat"
        );
    }
    let heartbeat = tokio::spawn(async move {
        let period = registrar.settings.heartbeat;
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let outcome = tokio::time::timeout(period, async {
                if !registrar.checked {
                    // Redis was away at start: check now; too late to refuse, so warn.
                    registrar.run_checks(false).await?;
                }
                registrar.beat().await
            })
            .await;
            if !matches!(outcome, Ok(Ok(()))) {
                // Redis may come back empty (restarted without persistence, flushed): look
                // for the schemas again.
                registrar.schemas_stored = false;
            }
            match outcome {
                Ok(Ok(())) if failing => {
                    failing = false;
                    tracing::info!(service = %registrar.id.service, "registered in the fleet registry again");
                }
                Ok(Ok(())) => {}
                Ok(Err(error)) if !failing => {
                    failing = true;
                    tracing::warn!(%error, "fleet registry heartbeat failed; trying again at the next one");
                }
                Err(_) if !failing => {
                    failing = true;
                    tracing::warn!(
                        "fleet registry heartbeat got no answer in time; trying again at the next one"
                    );
                }
                Ok(Err(_)) | Err(_) => {}
            }
        }
    });
    Ok(Some(Registration { heartbeat }))
}

impl Registrar {
    /// The publisher's checks against what the fleet registered; warnings are logged, a
    /// refusal is the error (unless `can_refuse` is false: the publisher runs already, and it
    /// is logged as a warning too). Consumers are not checked: nothing they do harms another.
    async fn run_checks(&mut self, can_refuse: bool) -> Result<()> {
        let level = |kind: CheckKind| match kind {
            CheckKind::Fingerprint => self.settings.check_fingerprints,
            CheckKind::Readers => self.settings.check_readers,
        };
        let enabled = [CheckKind::Fingerprint, CheckKind::Readers]
            .into_iter()
            .any(|kind| level(kind) != CheckLevel::Off);
        if self.role != Role::Producer || !enabled {
            self.checked = true;
            return Ok(());
        }
        let names: Vec<&str> = self.types.iter().map(|t| t.event_type.as_str()).collect();
        let fleet = read_types(&self.transport, &names).await?;
        let findings = check(&self.id.service, &self.id.instance, &self.types, &fleet);
        self.checked = true;
        let mut refused: Vec<Finding> = Vec::new();
        for finding in findings {
            match level(finding.kind) {
                CheckLevel::Off => {}
                CheckLevel::Warn => tracing::warn!("{}", finding.message),
                CheckLevel::Refuse if !can_refuse => tracing::warn!(
                    "{} (refused by the configuration, but Redis was away when this publisher started)",
                    finding.message
                ),
                CheckLevel::Refuse => refused.push(finding),
            }
        }
        if refused.is_empty() {
            return Ok(());
        }
        let messages: Vec<String> = refused.into_iter().map(|f| f.message).collect();
        Err(Error::new(
            ErrorKind::Refused,
            format!(
                "the fleet registry refuses this publisher: {} (set EVENT_REGISTRY_CHECK_FINGERPRINTS or EVENT_REGISTRY_CHECK_READERS to `warn` to start anyway)",
                messages.join("; ")
            ),
        ))
    }

    /// One heartbeat: the schemas unless stored, then a record per type and an index entry.
    async fn beat(&mut self) -> Result<()> {
        if !self.schemas_stored {
            self.store_schemas().await?;
            self.schemas_stored = true;
        }
        let record = |announcement: &TypeAnnouncement| TypeRecord {
            id: self.id.clone(),
            role: self.role,
            group: self.group.clone(),
            produces: announcement.produces,
            knows: announcement.knows,
            reads: announcement.reads,
            fingerprints: announcement.fingerprints.clone(),
            heartbeat_ms: millis(self.settings.heartbeat),
            stale_after_ms: millis(self.settings.stale_after_time()),
            forget_after_ms: millis(self.settings.forget_after_time()),
        };
        let mut entries: Vec<OutgoingEntry> = self
            .types
            .iter()
            .map(|announcement| OutgoingEntry {
                stream: registry_key(&announcement.event_type),
                fields: record(announcement).to_fields(),
                broadcast: None,
            })
            .collect();
        let names: Vec<&str> = self.types.iter().map(|t| t.event_type.as_str()).collect();
        entries.push(OutgoingEntry {
            stream: REGISTRY_TYPES_KEY.to_owned(),
            fields: vec![
                (fields::SERVICE, self.id.service.clone()),
                (fields::INSTANCE, self.id.instance.clone()),
                (fields::TYPES, names.join(",")),
            ],
            broadcast: None,
        });
        let retention = Retention::MaxAge(self.settings.forget_after_time());
        self.transport.append(&entries, retention, None).await?;
        Ok(())
    }

    /// Stores each JSON Schema once per type, version and fingerprint.
    async fn store_schemas(&self) -> Result<()> {
        let mut entries = Vec::new();
        for announcement in &self.types {
            let key = registry_schemas_key(&announcement.event_type);
            let stored = super::read::all_entries(&self.transport, &key).await?;
            let stored: Vec<SchemaRecord> = stored.iter().filter_map(SchemaRecord::parse).collect();
            for (version, schema) in &announcement.schemas {
                let Some(fingerprint) = announcement.fingerprints.get(version) else {
                    continue;
                };
                let known = stored
                    .iter()
                    .any(|s| s.version == *version && &s.fingerprint == fingerprint);
                if known {
                    continue;
                }
                let record = SchemaRecord {
                    version: *version,
                    fingerprint: fingerprint.clone(),
                    schema: schema.clone(),
                    service: self.id.service.clone(),
                };
                entries.push(OutgoingEntry {
                    stream: key.clone(),
                    fields: record.to_fields(&self.id.instance),
                    broadcast: None,
                });
            }
        }
        if !entries.is_empty() {
            self.transport
                .append(&entries, Retention::MaxLen(SCHEMAS_KEPT), None)
                .await?;
        }
        Ok(())
    }
}

/// About how many schema entries a type's schema stream keeps.
const SCHEMAS_KEPT: usize = 1000;

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// `<host>-<pid>-<start id>` and the rest of who this instance is.
fn instance_id(service: &str) -> InstanceId {
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|host| host.trim().to_owned())
        .filter(|host| !host.is_empty())
        .unwrap_or_else(|| "localhost".to_owned());
    let pid = std::process::id();
    let random = uuid::Uuid::now_v7().simple().to_string();
    let start = &random[random.len() - 8..];
    InstanceId {
        service: service.to_owned(),
        instance: format!("{host}-{pid}-{start}"),
        host,
        pid,
        started_ms: now_ms(),
    }
}
