//! `events listen`: what `events publish` sends, until its count.

use super::*;

#[test]
fn listen_prints_what_publish_sends_until_its_count() {
    let server = RedisServer::start().expect("redis-server");
    let url = server.url();
    let service = service();
    let dir = service.path();
    let (listener, _) = listen(
        &url,
        dir,
        &["listen", "parcel.shipped", "user.created", "--count", "3"],
    );
    let parcels = events(
        &url,
        dir,
        &["publish", "parcel.shipped"],
        &[
            GOOD_V2,
            r#"{"version": "v1", "parcel_id": 7, "weight_grams": 1200, "carrier": "DHL"}"#,
        ]
        .join("\n"),
    );
    assert_eq!(code(&parcels), Some(0), "{}", show(&parcels));
    // Another type, from the built-in catalogue.
    let user = events(
        &url,
        dir,
        &[
            "publish",
            "user.created",
            "--version",
            "v1",
            "--schemas",
            concat!(env!("CARGO_MANIFEST_DIR"), "/../schemas"),
            "--data",
            r#"{"user_id": 42, "telegram_id": 5, "first_name": "Ada", "role": "executor"}"#,
        ],
        "",
    );
    assert_eq!(code(&user), Some(0), "{}", show(&user));
    let heard = wait(listener, Duration::from_secs(30));
    assert_eq!(code(&heard), Some(0), "{}", show(&heard));
    let mut stored: Vec<String> = entries(&url, STREAM)
        .iter()
        .map(|(_, fields)| field(fields, "event_data").to_owned())
        .collect();
    stored.extend(
        entries(&url, "events:user.created")
            .iter()
            .map(|(_, fields)| field(fields, "event_data").to_owned()),
    );
    let lines: Vec<String> = text(&heard.stdout).lines().map(str::to_owned).collect();
    assert_eq!(lines, stored, "each message as published, one line each");
}
