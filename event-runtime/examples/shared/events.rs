//! The events the two example services share. Real services generate these from `schemas/`
//! with `event-codegen`; `#[derive(Event)]` is the hand-written equivalent.

use event_runtime::{Envelope, Event};
use serde::{Deserialize, Serialize};

/// A user signed up (version 1: what older publishers still send).
#[derive(Debug, Clone, Serialize, Deserialize, Event)]
#[event(name = "user.created", version = 1)]
pub struct UserCreatedV1 {
    #[serde(flatten)]
    pub envelope: Envelope,
    pub account_id: i64,
    pub first_name: String,
    #[serde(default)]
    pub last_name: Option<String>,
}

/// A user signed up (version 2: adds `full_name` and `permissions`).
#[derive(Debug, Clone, Serialize, Deserialize, Event)]
#[event(name = "user.created", version = 2, previous = UserCreatedV1)]
pub struct UserCreatedV2 {
    #[serde(flatten)]
    pub envelope: Envelope,
    pub account_id: i64,
    pub first_name: String,
    #[serde(default)]
    pub last_name: Option<String>,
    pub full_name: String,
    #[serde(default)]
    pub permissions: Vec<String>,
}

impl From<UserCreatedV1> for UserCreatedV2 {
    fn from(v1: UserCreatedV1) -> Self {
        let full_name = match &v1.last_name {
            Some(last_name) => format!("{} {last_name}", v1.first_name),
            None => v1.first_name.clone(),
        };
        Self {
            envelope: v1.envelope,
            account_id: v1.account_id,
            first_name: v1.first_name,
            last_name: v1.last_name,
            full_name,
            permissions: Vec::new(),
        }
    }
}
