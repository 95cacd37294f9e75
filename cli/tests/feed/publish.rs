//! `events publish`: from `--data` and stdin, bad lines by number, `--dry-run`.

use super::*;

#[test]
fn publish_from_data_and_stdin_writes_what_a_service_writes_and_rejects_bad_lines_by_number() {
    let server = RedisServer::start().expect("redis-server");
    let url = server.url();
    let service = service();
    let dir = service.path();

    let output = events(
        &url,
        dir,
        &[
            "publish",
            "parcel.shipped",
            "--version",
            "v1",
            "--data",
            r#"{"parcel_id": 7, "weight_grams": 1200, "carrier": "DHL"}"#,
        ],
        "",
    );
    assert_eq!(code(&output), Some(0), "{}", show(&output));
    let stderr = text(&output.stderr);
    assert!(
        stderr.starts_with("schemas: catalogue `parcels` 1.0.0 from ./schemas: 1 event types\n"),
        "{stderr}"
    );
    assert!(
        stderr.contains("publish: 1 published (parcel.shipped), 0 rejected"),
        "{stderr}"
    );
    let receipt = &json_lines(&output.stdout)[0];
    assert_eq!(receipt["stream"], STREAM);
    assert_eq!(receipt["version"], "v1");

    let stored = entries(&url, STREAM);
    assert_eq!(stored.len(), 1);
    let (id, fields) = &stored[0];
    assert_eq!(receipt["id"], id.as_str());
    let names: Vec<&str> = fields.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        names,
        [
            "event_id",
            "event_type",
            "version",
            "timestamp",
            "event_data"
        ],
        "the entry fields of the wire format, in order"
    );
    let data: Value = serde_json::from_str(field(fields, "event_data")).expect("event_data");
    assert_eq!(data["event_id"], field(fields, "event_id"));
    assert_eq!(receipt["event_id"], field(fields, "event_id"));
    assert_eq!(data["timestamp"], field(fields, "timestamp"));
    assert_eq!(field(fields, "version"), "v1");
    assert_eq!(
        data["source_service"], "parcel-desk",
        "filled as the Publisher fills it"
    );
    assert_eq!(data["weight_grams"], 1200);
    let event_id = uuid::Uuid::parse_str(field(fields, "event_id")).expect("uuid");
    assert_eq!(event_id.get_version_num(), 7, "a new UUIDv7");

    // JSON lines on stdin: line numbers, reasons, nothing of a bad line written.
    let lines = [
        GOOD_V2,
        r#"{"parcel_id": "nine", "weight": 1, "carrier": "UPS", "label": "x"}"#,
        "",
        r#"{"event_id": "0191d3a4-5b6c-7d8e-9f00-112233445566", "timestamp": "2025-09-26T10:30:00", "correlation_id": "req-789", "source_service": "depot-3", "parcel_id": 10, "weight": 0.4, "carrier": "GLS", "label": "GLS #10"}"#,
        "not json",
        r#"{"version": "v1", "parcel_id": 11, "weight_grams": 0, "carrier": "DHL"}"#,
        r#"{"event_type": "parcel.lost", "parcel_id": 12}"#,
        r#"{"parcel_id": 13, "weight": 1.5, "carrier": "DHL"}"#,
    ];
    let output = events(&url, dir, &["publish", "parcel.shipped"], &lines.join("\n"));
    assert_eq!(
        code(&output),
        Some(1),
        "rejected lines: exit 1\n{}",
        show(&output)
    );
    let stderr = text(&output.stderr);
    for expected in [
        "line 2: rejected, nothing written: parcel.shipped v2: field `parcel_id`: invalid type: string \"nine\", expected i64\n",
        "line 5: rejected, nothing written: not JSON: expected ident at line 1 column 2\n",
        "line 6: rejected, nothing written: parcel.shipped v1 is invalid: `weight_grams` must be at least 1, found 0\n",
        "line 7: rejected, nothing written: its `event_type` is \"parcel.lost\", but this publishes `parcel.shipped`\n",
        "line 8: rejected, nothing written: parcel.shipped v2: field `label`: missing field `label`\n",
        "publish: 2 published (parcel.shipped), 5 rejected\n",
    ] {
        assert!(stderr.contains(expected), "{expected}\nin:\n{stderr}");
    }
    assert!(
        !stderr.contains("line 3"),
        "empty lines are skipped: {stderr}"
    );
    let receipts = json_lines(&output.stdout);
    assert_eq!(receipts.len(), 2);
    let stored = entries(&url, STREAM);
    assert_eq!(stored.len(), 3, "the two good lines only");
    let given: Value = serde_json::from_str(field(&stored[2].1, "event_data")).expect("json");
    assert_eq!(
        given["event_id"], "0191d3a4-5b6c-7d8e-9f00-112233445566",
        "kept"
    );
    assert_eq!(
        given["timestamp"], "2025-09-26T10:30:00Z",
        "kept, naive read as UTC"
    );
    assert_eq!(field(&stored[2].1, "timestamp"), "2025-09-26T10:30:00Z");
    assert_eq!(given["correlation_id"], "req-789");
    assert_eq!(given["source_service"], "depot-3", "given, so not filled");
    assert_eq!(given["express"], false, "the default written out");

    // --version contradicting a line's own version.
    let output = events(
        &url,
        dir,
        &["publish", "parcel.shipped", "--version", "v2"],
        r#"{"version": "v1", "parcel_id": 14, "weight_grams": 5, "carrier": "DHL"}"#,
    );
    assert_eq!(code(&output), Some(1), "{}", show(&output));
    assert!(
        text(&output.stderr).contains(
            "line 1: rejected, nothing written: its `version` is v1, but --version says v2"
        ),
        "{}",
        show(&output)
    );
    assert_eq!(entries(&url, STREAM).len(), 3);
}

#[test]
fn dry_run_prints_exactly_what_publish_stores_and_writes_nothing() {
    let server = RedisServer::start().expect("redis-server");
    let url = server.url();
    let service = service();
    let dir = service.path();
    let input = r#"{"event_id": "0191d3a4-5b6c-7d8e-9f00-aabbccddeeff", "timestamp": "2025-09-26 10:30:00.25", "metadata": {"desk": 3}, "parcel_id": 8, "weight": 2, "carrier": "UPS", "label": "  UPS #8 "}"#;
    let dry = events(
        &url,
        dir,
        &["publish", "parcel.shipped", "--dry-run"],
        input,
    );
    assert_eq!(code(&dry), Some(0), "{}", show(&dry));
    assert!(
        text(&dry.stderr).contains("publish --dry-run: 1 valid, 0 rejected; nothing was written")
    );
    assert!(entries(&url, STREAM).is_empty(), "a dry run writes nothing");
    let wire = text(&dry.stdout);
    assert_eq!(
        wire,
        "{\"event_type\":\"parcel.shipped\",\"version\":\"v2\",\"event_id\":\"0191d3a4-5b6c-7d8e-9f00-aabbccddeeff\",\"timestamp\":\"2025-09-26T10:30:00.250Z\",\"source_service\":\"parcel-desk\",\"correlation_id\":null,\"user_id\":null,\"metadata\":{\"desk\":3},\"parcel_id\":8,\"weight\":2.0,\"carrier\":\"UPS\",\"label\":\"  UPS #8 \",\"express\":false}\n"
    );

    let output = events(&url, dir, &["publish", "parcel.shipped"], input);
    assert_eq!(code(&output), Some(0), "{}", show(&output));
    let stored = entries(&url, STREAM);
    assert_eq!(
        field(&stored[0].1, "event_data"),
        wire.trim_end(),
        "byte for byte"
    );

    // The dry run's output is publish input again: the same event, once more.
    let again = events(&url, dir, &["publish", "parcel.shipped"], &wire);
    assert_eq!(code(&again), Some(0), "{}", show(&again));
    let stored = entries(&url, STREAM);
    assert_eq!(field(&stored[1].1, "event_data"), wire.trim_end());
}
