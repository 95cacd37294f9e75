//! Replay by time window.

use chrono::{TimeZone, Utc};
use event_runtime::{HandlerError, Replayer};

use crate::common::{Recorder, UserCreatedV2, config, redis, server};

#[tokio::test]
async fn replay_window_includes_both_bounds_and_the_whole_last_millisecond() {
    let server = server();
    let mut conn = redis(&server).await;
    let ids = [
        "1000-0", "1999-9", "2000-0", "2000-1", "2500-3", "2600-0", "3000-0", "3000-1", "3000-7",
        "3001-0",
    ];
    for (index, id) in ids.iter().enumerate() {
        let mut data = format!(
            r#"{{"event_type":"user.created","version":"v1","event_id":"0190a6a0-0000-7000-8000-00000000000{index}","timestamp":"2025-09-26T10:30:00Z","account_id":{index},"first_name":"N","last_name":"{id}"}}"#
        );
        if *id == "2600-0" {
            data = "not json".to_owned();
        }
        let _: String = redis::cmd("XADD")
            .arg("events:user.created")
            .arg(*id)
            .arg("version")
            .arg("v1")
            .arg("event_data")
            .arg(data)
            .query_async(&mut conn)
            .await
            .expect("XADD");
    }
    let replayer = Replayer::connect(&config(&server))
        .await
        .expect("replayer")
        .page_size(2);
    let from = Utc.timestamp_millis_opt(2000).single().expect("time");
    let to = Utc.timestamp_millis_opt(3000).single().expect("time");
    let seen: Recorder<String> = Recorder::new();
    let report = replayer
        .replay(from, to, |event: UserCreatedV2| {
            let seen = seen.clone();
            async move {
                seen.push(event.full_name);
                Ok::<(), HandlerError>(())
            }
        })
        .await
        .expect("replay");
    let names: Vec<String> = ["2000-0", "2000-1", "2500-3", "3000-0", "3000-1", "3000-7"]
        .iter()
        .map(|id| format!("N {id}"))
        .collect();
    assert_eq!(
        seen.all(),
        names,
        "upgraded to v2, in order, both bounds inclusive"
    );
    assert_eq!((report.handled, report.skipped), (6, 1));

    let groups: Vec<redis::Value> = redis::cmd("XINFO")
        .arg("GROUPS")
        .arg("events:user.created")
        .query_async(&mut conn)
        .await
        .expect("XINFO");
    assert!(groups.is_empty(), "replay leaves consumer groups alone");

    let error = replayer
        .replay(from, to, |_: UserCreatedV2| async {
            Err::<(), _>(HandlerError::new("stop"))
        })
        .await
        .expect_err("handler error stops the replay");
    assert!(
        error
            .to_string()
            .contains("stopped at entry 2000-0 after 0 events: stop"),
        "{error}"
    );
    let error = replayer
        .replay(to, from, |_: UserCreatedV2| async {
            Ok::<(), HandlerError>(())
        })
        .await
        .expect_err("reversed");
    assert!(error.to_string().contains("starts"), "{error}");
}
