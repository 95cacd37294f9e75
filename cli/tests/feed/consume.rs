//! `events consume`: `--count` with dead letters among the entries, checks and upgrades by
//! default, `--raw`.

use super::*;

#[test]
fn consume_count_ends_with_dead_lettered_entries_among_them_and_takes_no_more() {
    let server = RedisServer::start().expect("redis-server");
    let url = server.url();
    let service = service();
    let dir = service.path();
    let publish = |line: &str| {
        let output = events(&url, dir, &["publish", "parcel.shipped"], line);
        assert_eq!(code(&output), Some(0), "{}", show(&output));
    };
    publish(GOOD_V2);
    // Invalid for the schema (weight 0 < 1), written by someone else.
    xadd(
        &url,
        STREAM,
        &[
            ("event_id", "0191d3a4-5b6c-7d8e-9f00-000000000009"),
            (
                "event_data",
                r#"{"event_type":"parcel.shipped","version":"v1","event_id":"0191d3a4-5b6c-7d8e-9f00-000000000009","timestamp":"2025-09-26T10:30:00","parcel_id":9,"weight_grams":0,"carrier":"DHL"}"#,
            ),
            ("timestamp", "2025-09-26T10:30:00"),
        ],
    );
    // Not an event at all: the runtime dead-letters it before any check.
    xadd(&url, STREAM, &[("junk", "no event_data")]);
    publish(r#"{"version": "v1", "parcel_id": 7, "weight_grams": 1200, "carrier": "DHL"}"#);
    publish(r#"{"parcel_id": 99, "weight": 1, "carrier": "GLS", "label": "left for later"}"#);

    let output = events(&url, dir, &consume("parcel.shipped", "ops", "4", &[]), "");
    assert_eq!(code(&output), Some(0), "ends by itself\n{}", show(&output));
    let printed = json_lines(&output.stdout);
    assert_eq!(printed.len(), 2, "{}", show(&output));
    assert_eq!(printed[0]["parcel_id"], 8);
    assert_eq!(printed[1]["parcel_id"], 7);
    assert_eq!(printed[1]["version"], "v1", "each event at its own version");
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("cannot decode as parcel.shipped v1: parcel.shipped v1 is invalid: `weight_grams` must be at least 1, found 0"),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "consume: 2 printed, 1 dead-lettered as invalid, 1 dead-lettered as unreadable"
        ),
        "{stderr}"
    );
    let dead = entries(&url, "events:dlq:parcel.shipped");
    assert_eq!(dead.len(), 2);
    assert!(
        field(&dead[0].1, "error").contains("`weight_grams` must be at least 1, found 0"),
        "the reason, as the runtime writes it: {:?}",
        dead[0].1
    );
    // The fifth entry was not taken: it is still there for the group.
    let groups: redis::streams::StreamInfoGroupsReply = redis::cmd("XINFO")
        .arg("GROUPS")
        .arg(STREAM)
        .query(&mut connection(&url))
        .expect("XINFO");
    assert_eq!(groups.groups[0].lag, Some(1), "one left unread");
    assert_eq!(groups.groups[0].pending, 0, "nothing left pending");
    let rest = events(
        &url,
        dir,
        &consume("parcel.shipped", "ops", "1", &["--version", "v2"]),
        "",
    );
    assert_eq!(code(&rest), Some(0), "{}", show(&rest));
    assert_eq!(json_lines(&rest.stdout)[0]["label"], "left for later");
}

#[test]
fn consume_checks_and_upgrades_by_default_and_raw_prints_as_written() {
    let server = RedisServer::start().expect("redis-server");
    let url = server.url();
    let service = service();
    let dir = service.path();
    let invalid = r#"{"event_type":"parcel.shipped","version":"v1","event_id":"0191d3a4-5b6c-7d8e-9f00-000000000009","timestamp":"2025-09-26T10:30:00","parcel_id":9,"weight_grams":0,"carrier":"DHL"}"#;
    let old = r#"{"event_type":"parcel.shipped","version":"v1","event_id":"0191d3a4-5b6c-7d8e-9f00-000000000007","timestamp":"2025-09-26T10:30:00","parcel_id":7,"weight_grams":1200,"carrier":"DHL"}"#;
    // The original services' format: event_id, event_data, timestamp only.
    for data in [invalid, old] {
        xadd(
            &url,
            STREAM,
            &[
                ("event_id", "x"),
                ("event_data", data),
                ("timestamp", "2025-09-26T10:30:00"),
            ],
        );
    }

    let checked = events(
        &url,
        dir,
        &consume("parcel.shipped", "checked", "2", &["--version", "v2"]),
        "",
    );
    assert_eq!(code(&checked), Some(0), "{}", show(&checked));
    let lines = json_lines(&checked.stdout);
    assert_eq!(
        lines.len(),
        1,
        "the invalid one is dead-lettered\n{}",
        show(&checked)
    );
    assert_eq!(
        lines[0],
        json!({
            "event_type": "parcel.shipped", "version": "v2",
            "event_id": "0191d3a4-5b6c-7d8e-9f00-000000000007", "timestamp": "2025-09-26T10:30:00Z",
            "source_service": "", "correlation_id": null, "user_id": null, "metadata": {},
            "parcel_id": 7, "weight": 1200.0, "carrier": "DHL", "label": "DHL #7", "express": false
        }),
        "upgraded by the service's own migration"
    );
    assert_eq!(entries(&url, "events:dlq:parcel.shipped").len(), 1);

    let raw = events(
        &url,
        dir,
        &consume("parcel.shipped", "raw", "2", &["--raw"]),
        "",
    );
    assert_eq!(code(&raw), Some(0), "{}", show(&raw));
    assert_eq!(
        text(&raw.stdout),
        format!("{invalid}\n{old}\n"),
        "as written, unchecked"
    );
    assert_eq!(
        entries(&url, "events:dlq:parcel.shipped").len(),
        1,
        "raw dead-letters nothing"
    );
}
