//! The test harness itself.

use event_runtime::Publisher;
use event_runtime::testing::{RedisServer, ServerError};

use crate::common::{config, redis, server, user};

#[tokio::test]
async fn restart_keeps_the_data() {
    let mut server = server();
    let publisher = Publisher::new(&config(&server)).await.expect("publisher");
    publisher.publish(&user(1)).await.expect("publish");
    server.restart().expect("restart");
    let mut conn = redis(&server).await;
    let length: usize = redis::cmd("XLEN")
        .arg("events:user.created")
        .query_async(&mut conn)
        .await
        .expect("XLEN");
    assert_eq!(length, 1);
}

#[test]
fn a_missing_binary_says_how_to_install_it() {
    let error =
        RedisServer::start_with("redis-server-that-is-not-installed", &[]).expect_err("missing");
    assert!(matches!(error, ServerError::NotFound));
    assert_eq!(
        error.to_string(),
        "redis-server not found on PATH: install it with `apt-get install redis-server`"
    );
}

#[test]
fn servers_get_distinct_ports_below_55000() {
    let first = server();
    let second = server();
    assert_ne!(first.port(), second.port());
    assert!(first.port() < 55_000 && second.port() < 55_000);
}
