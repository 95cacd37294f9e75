//! The events the suite sends: numbered, so that every handling can be counted.

use event_runtime::{Envelope, Event};
use serde::{Deserialize, Serialize};

/// An event that carries its number in the test.
pub trait Numbered: Event + Clone {
    /// The `n`th event of a test.
    fn numbered(n: i64) -> Self;
    /// Its number.
    fn number(&self) -> i64;
}

/// The main topic: a number, an ordering key with a sequence, and a body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Event)]
#[event(name = "conformance.message", version = 1)]
pub struct Message {
    #[serde(flatten)]
    pub envelope: Envelope,
    pub n: i64,
    pub key: String,
    pub seq: i64,
    pub body: String,
}

impl Message {
    /// Message `n`, the `seq`th of ordering key `key`.
    pub fn keyed(n: i64, key: &str, seq: i64) -> Self {
        Self {
            envelope: Envelope::new(),
            n,
            key: key.to_owned(),
            seq,
            body: format!("message {n} ✓ (key {key}, seq {seq})"),
        }
    }
}

impl Numbered for Message {
    fn numbered(n: i64) -> Self {
        Self::keyed(n, "all", n)
    }

    fn number(&self) -> i64 {
        self.n
    }
}

macro_rules! numbered_events {
    ($($name:ident = $event_type:tt),* $(,)?) => {$(
        #[doc = concat!("`", $event_type, "`: a number and nothing else.")]
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Event)]
        #[event(name = $event_type, version = 1)]
        pub struct $name {
            #[serde(flatten)]
            pub envelope: Envelope,
            pub n: i64,
        }

        impl Numbered for $name {
            fn numbered(n: i64) -> Self {
                Self { envelope: Envelope::new(), n }
            }

            fn number(&self) -> i64 {
                self.n
            }
        }
    )*};
}

numbered_events! {
    Other = "conformance.other",
    Topic0 = "conformance.topic_0",
    Topic1 = "conformance.topic_1",
    Topic2 = "conformance.topic_2",
    Topic3 = "conformance.topic_3",
    Topic4 = "conformance.topic_4",
    Topic5 = "conformance.topic_5",
    Topic6 = "conformance.topic_6",
    Topic7 = "conformance.topic_7",
    Topic8 = "conformance.topic_8",
    Topic9 = "conformance.topic_9",
    Topic10 = "conformance.topic_10",
    Topic11 = "conformance.topic_11",
    Topic12 = "conformance.topic_12",
    Topic13 = "conformance.topic_13",
    Topic14 = "conformance.topic_14",
    Topic15 = "conformance.topic_15",
    Topic16 = "conformance.topic_16",
    Topic17 = "conformance.topic_17",
    Topic18 = "conformance.topic_18",
    Topic19 = "conformance.topic_19",
}
