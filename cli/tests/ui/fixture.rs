//! What the tests put in Redis, in the documented wire format: `user.created` v2 entries
//! (with the sensitive `first_name`), a consumer group `mailer` whose consumer `c1` read some
//! and acknowledged the first, and a dead letter of that first entry as the subscriber writes
//! it.

use redis::ConnectionLike;
use serde_json::json;

pub const STREAM: &str = "events:user.created";
/// Its dead-letter stream on one server.
pub const DLQ: &str = "events:dlq:user.created";
pub const GROUP: &str = "mailer";

/// The name every test event carries: what must never show unredacted.
pub fn first_name(n: usize) -> String {
    format!("Secretname{n}")
}

pub fn event_data(n: usize) -> String {
    json!({
        "event_type": "user.created",
        "version": "v2",
        "event_id": format!("0190a000-0000-7000-8000-{n:012}"),
        "timestamp": "2025-09-26T10:30:00Z",
        "source_service": "users",
        "correlation_id": null,
        "user_id": n,
        "metadata": {},
        "telegram_id": 1000 + n,
        "first_name": first_name(n),
        "full_name": first_name(n),
        "role": "executor",
    })
    .to_string()
}

fn query<T: redis::FromRedisValue>(conn: &mut impl ConnectionLike, cmd: &redis::Cmd) -> T {
    cmd.query(conn)
        .unwrap_or_else(|error| panic!("{cmd:?}: {error}"))
}

/// Appends event `n` to the stream.
pub fn add(conn: &mut impl ConnectionLike, n: usize) -> String {
    query(
        conn,
        redis::cmd("XADD")
            .arg(STREAM)
            .arg("*")
            .arg("event_id")
            .arg(format!("0190a000-0000-7000-8000-{n:012}"))
            .arg("event_type")
            .arg("user.created")
            .arg("version")
            .arg("v2")
            .arg("timestamp")
            .arg("2025-09-26T10:30:00Z")
            .arg("event_data")
            .arg(event_data(n)),
    )
}

/// A dead letter of entry `original` (event `n`) in `dlq`, as the subscriber writes it.
pub fn dead_letter(conn: &mut impl ConnectionLike, dlq: &str, original: &str, n: usize) -> String {
    query(
        conn,
        redis::cmd("XADD")
            .arg(dlq)
            .arg("*")
            .arg("original_stream")
            .arg(STREAM)
            .arg("original_id")
            .arg(original)
            .arg("group")
            .arg(GROUP)
            .arg("consumer")
            .arg("c1")
            .arg("error")
            .arg("mail server said no")
            .arg("attempts")
            .arg("3")
            .arg("dead_lettered_at")
            .arg("2025-09-26T10:31:00.000Z")
            .arg("event_id")
            .arg(format!("0190a000-0000-7000-8000-{n:012}"))
            .arg("event_type")
            .arg("user.created")
            .arg("version")
            .arg("v2")
            .arg("timestamp")
            .arg("2025-09-26T10:30:00Z")
            .arg("event_data")
            .arg(event_data(n)),
    )
}

/// `XACK` of the group, as the subscriber acknowledges an entry it dead-lettered.
pub fn ack(conn: &mut impl ConnectionLike, id: &str) {
    let _: u64 = query(conn, redis::cmd("XACK").arg(STREAM).arg(GROUP).arg(id));
}

/// What [`fill`] wrote.
#[derive(Debug)]
pub struct Filled {
    /// The five entries of the stream.
    pub ids: Vec<String>,
    /// The dead letter of the first.
    pub letter: String,
}

/// Five events; `mailer`'s `c1` read three and acknowledged the first (pending 2, lag 2);
/// the first is dead-lettered in `dlq`.
pub fn fill(conn: &mut impl ConnectionLike, dlq: &str) -> Filled {
    let ids: Vec<String> = (1..=5).map(|n| add(conn, n)).collect();
    let _: () = query(
        conn,
        redis::cmd("XGROUP")
            .arg("CREATE")
            .arg(STREAM)
            .arg(GROUP)
            .arg("0"),
    );
    let _: redis::Value = query(
        conn,
        redis::cmd("XREADGROUP")
            .arg("GROUP")
            .arg(GROUP)
            .arg("c1")
            .arg("COUNT")
            .arg(3)
            .arg("STREAMS")
            .arg(STREAM)
            .arg(">"),
    );
    ack(conn, &ids[0]);
    let letter = dead_letter(conn, dlq, &ids[0], 1);
    Filled { ids, letter }
}

/// `XLEN`.
pub fn len(conn: &mut impl ConnectionLike, key: &str) -> u64 {
    query(conn, redis::cmd("XLEN").arg(key))
}

/// The pending entries of the group: (id, consumer).
pub fn pending(conn: &mut impl ConnectionLike) -> Vec<(String, String)> {
    let reply: Vec<(String, String, u64, u64)> = query(
        conn,
        redis::cmd("XPENDING")
            .arg(STREAM)
            .arg(GROUP)
            .arg("-")
            .arg("+")
            .arg(100),
    );
    reply
        .into_iter()
        .map(|(id, consumer, _, _)| (id, consumer))
        .collect()
}

/// Registers an instance in the fleet registry as the wire format page documents it, now:
/// `fields` (service, instance, role, ...) over a 10 s heartbeat, stale after 30 s.
pub fn register(conn: &mut impl ConnectionLike, event_type: &str, fields: &[(&str, &str)]) {
    let mut cmd = redis::cmd("XADD");
    cmd.arg(format!("events:registry:{{events:{event_type}}}"))
        .arg("*");
    let defaults = [
        ("heartbeat_ms", "10000"),
        ("stale_after_ms", "30000"),
        ("forget_after_ms", "600000"),
        ("fingerprints", "{}"),
    ];
    for (name, value) in fields.iter().chain(
        defaults
            .iter()
            .filter(|(name, _)| !fields.iter().any(|(given, _)| given == name)),
    ) {
        cmd.arg(*name).arg(*value);
    }
    let _: String = query(conn, &cmd);
    let _: String = query(
        conn,
        redis::cmd("XADD")
            .arg("events:registry:types")
            .arg("*")
            .arg("service")
            .arg("test")
            .arg("instance")
            .arg("test")
            .arg("types")
            .arg(event_type),
    );
}

/// A small fleet of `user.created`: `users` and `signup` publish v2 with different
/// fingerprints, the `mailer` group of `mailer` reads it, and an `audit` consumer is stale;
/// and `desk` publishes `request.created` v1 built from other schemas than `schemas/`.
pub fn fleet(conn: &mut impl ConnectionLike) {
    let (a, b) = ("a".repeat(64), "b".repeat(64));
    let users = format!(r#"{{"1":"{a}","2":"{a}"}}"#);
    let signup = format!(r#"{{"2":"{b}"}}"#);
    let producer = [("role", "producer"), ("produces", "2")];
    register(
        conn,
        "user.created",
        &[
            &[
                ("service", "users"),
                ("instance", "users-1"),
                ("fingerprints", users.as_str()),
            ][..],
            &producer[..],
        ]
        .concat(),
    );
    register(
        conn,
        "user.created",
        &[
            &[
                ("service", "signup"),
                ("instance", "signup-1"),
                ("fingerprints", signup.as_str()),
            ][..],
            &producer[..],
        ]
        .concat(),
    );
    register(
        conn,
        "user.created",
        &[
            ("service", "mailer"),
            ("instance", "mailer-1"),
            ("role", "consumer"),
            ("group", GROUP),
            ("knows", "2"),
            ("reads", "2"),
        ],
    );
    register(
        conn,
        "user.created",
        &[
            ("service", "audit"),
            ("instance", "audit-1"),
            ("role", "consumer"),
            ("group", "audit"),
            ("knows", "1"),
            ("reads", "1"),
            ("stale_after_ms", "1"),
        ],
    );
    let other = format!(r#"{{"1":"{}"}}"#, "c".repeat(64));
    register(
        conn,
        "request.created",
        &[
            ("service", "desk"),
            ("instance", "desk-1"),
            ("role", "producer"),
            ("produces", "1"),
            ("fingerprints", other.as_str()),
        ],
    );
}
