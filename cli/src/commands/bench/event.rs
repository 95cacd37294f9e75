//! The event every scenario sends, a `user.created` v2 of about 400 bytes on the wire, and its
//! stream entry as the raw side writes it: the fields the runtime writes, laid out by the
//! runtime's own `wire::entry_fields`, ready-made.

use event_runtime::{Envelope, Event};

pub(super) use crate::catalogue::events::UserCreatedV2;

use super::STREAM;

/// A user.created v2 of about 400 bytes on the wire.
pub(super) fn sample(n: u64) -> UserCreatedV2 {
    let id = i64::try_from(n % 1_000_000_000).unwrap_or(0) + 1;
    UserCreatedV2 {
        envelope: Envelope::new()
            .with_user_id(id)
            .with_correlation_id(format!("bench-{n}")),
        telegram_id: 500_000_000 + id,
        username: None,
        first_name: "John".to_owned(),
        last_name: Some("Doe".to_owned()),
        full_name: "John Doe".to_owned(),
        phone_number: Some("+44 7700 900123".to_owned()),
        role: "executor".to_owned(),
        specializations: Some(vec!["plumbing".to_owned()]),
        is_verified: false,
        permissions: vec!["requests:read".to_owned()],
    }
}

/// The stream fields the runtime writes for an event, for the raw side.
pub(super) fn raw_fields(event: &UserCreatedV2, event_data: &str) -> Vec<(&'static str, String)> {
    let envelope = event.envelope();
    event_runtime::wire::entry_fields(
        UserCreatedV2::EVENT_TYPE,
        UserCreatedV2::VERSION,
        envelope.event_id.as_str(),
        envelope.timestamp,
        event_data.to_owned(),
    )
}

/// `XADD <stream> * <fields>`.
pub(super) fn xadd(fields: &[(&'static str, String)]) -> redis::Cmd {
    let mut cmd = redis::cmd("XADD");
    cmd.arg(STREAM).arg("*");
    for (name, value) in fields {
        cmd.arg(*name).arg(value);
    }
    cmd
}
