//! The console's pages in headless Chromium, as an operator uses them: against a test
//! redis-server, the catalogue shows `user.created` v1 and v2 with the migration between
//! them, the lag chart follows entries the test appends, a dead letter the test writes
//! while the page is open appears and is requeued through the page after its confirmation
//! (a cancelled confirmation does nothing), and the tail shows new events; without Redis and
//! with a token, the page asks for the token, then shows the demo world's dead letter; the
//! fleet page shows who produces and reads a type, a version edited in place and a stale
//! instance, and the demo world's own publisher and groups. A
//! screenshot of each page is kept in `<target>/ui-screenshots/`.

use std::path::PathBuf;

use event_runtime::testing::RedisServer;
use serde_json::json;

use crate::console::{Console, Options};
use crate::fixture::{self, DLQ, STREAM};
use crate::support::connection;
use crate::webdriver::Browser;

/// Where screenshots go: `<target>/ui-screenshots`.
fn screenshots() -> PathBuf {
    let target = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    target
        .parent()
        .map_or(target.clone(), PathBuf::from)
        .join("ui-screenshots")
}

fn keep(browser: &Browser, name: &str) {
    let path = browser.screenshot(&screenshots(), name);
    #[allow(clippy::print_stderr, reason = "where the test artifact is")]
    {
        eprintln!("screenshot: {}", path.display());
    }
}

#[test]
fn an_operator_reads_the_catalogue_watches_lag_and_requeues_a_dead_letter() {
    let server = RedisServer::start().expect("redis-server");
    let url = server.url();
    let mut conn = connection(&url);
    let filled = fixture::fill(&mut conn, DLQ);
    let console = Console::start(Options {
        redis_url: Some(&url),
        args: &["--allow-writes"],
        ..Options::default()
    });
    let browser = Browser::start();

    // Catalogue: user.created, its two versions, the migration v1 -> v2.
    browser.goto(&console.url("/#/catalogue/user.created"));
    browser.wait(
        "the migration table",
        "return !!document.querySelector('.migration[data-from=\"v1\"][data-to=\"v2\"]')",
    );
    let versions = browser.script(
        "return [...document.querySelectorAll('section.version')].map(s => s.dataset.version)",
        json!([]),
    );
    assert_eq!(versions, json!(["v2", "v1"]));
    assert_eq!(browser.text(".event-head h1"), "user.created");
    let full_name = browser.text(".migration tr[data-field=\"full_name\"]");
    assert!(
        full_name.contains("added") && full_name.contains("{first_name} {last_name}"),
        "{full_name}"
    );
    let permissions = browser.text(".migration tr[data-field=\"permissions\"]");
    assert!(permissions.contains("added"), "{permissions}");
    assert!(
        browser
            .text(".migration tr.change-same")
            .contains("telegram_id")
    );
    assert!(
        browser
            .text("section.version[data-version=\"v1\"] tr[data-field=\"first_name\"]")
            .contains("sensitive")
    );
    keep(&browser, "catalogue");
    browser.type_into(".sidebar input[type=search]", "full_name");
    let listed = browser.wait(
        "the search to narrow the list",
        "const links = [...document.querySelectorAll('.event-link')]; return links.length < 22 && links.map(a => a.dataset.event)",
    );
    assert!(
        listed
            .as_array()
            .is_some_and(|l| l.contains(&json!("user.created"))),
        "{listed}"
    );

    // Streams: the lag of `mailer` is 2, and follows entries appended meanwhile.
    browser.goto(&console.url("/#/streams/events:user.created"));
    browser.wait("the lag legend at 2", "const v = document.querySelector('#lag-chart .lag-legend [data-series=\"mailer\"][data-value]'); return v && v.dataset.value === '2'");
    let points_before = browser.script(
        "return Number(document.querySelector('#lag-chart svg.chart').dataset.points)",
        json!([]),
    );
    for n in 6..=9 {
        fixture::add(&mut conn, n);
    }
    browser.wait("the lag legend at 6", "const v = document.querySelector('#lag-chart .lag-legend [data-series=\"mailer\"][data-value]'); return v && v.dataset.value === '6'");
    let points_after = browser.script(
        "return Number(document.querySelector('#lag-chart svg.chart').dataset.points)",
        json!([]),
    );
    assert!(
        points_after.as_u64() > points_before.as_u64(),
        "{points_before} -> {points_after}"
    );
    assert!(
        browser.script(
            "return !!document.querySelector('#lag-chart svg[aria-label^=\"lag of\"] polyline[data-series=\"mailer\"]')",
            json!([])
        ) == true,
        "the lag line is drawn"
    );
    assert_eq!(browser.text("tr[data-group=\"mailer\"] td.lagging"), "6");
    keep(&browser, "streams");

    // Dead letters: one written now appears; a cancelled requeue does nothing; a confirmed
    // one hands it back to its group.
    browser.goto(&console.url("/#/dead-letters/user.created"));
    browser.wait(
        "the fixture's dead letter",
        &format!(
            "return !!document.querySelector('tr[data-id=\"{}\"]')",
            filled.letter
        ),
    );
    let letter = fixture::dead_letter(&mut conn, DLQ, &filled.ids[1], 2);
    fixture::ack(&mut conn, &filled.ids[1]);
    browser.wait(
        "the new dead letter",
        &format!("return !!document.querySelector('tr[data-id=\"{letter}\"]')"),
    );
    browser.click(&format!("tr[data-id=\"{letter}\"]"));
    browser.wait(
        "the dead letter's card",
        &format!("return !!document.querySelector('section.letter[data-id=\"{letter}\"]')"),
    );
    let event = browser.text("section.letter pre.json");
    assert!(
        event.contains("[redacted]") && !event.contains(&fixture::first_name(2)),
        "{event}"
    );
    assert!(
        browser
            .text("section.letter table.provenance")
            .contains("mail server said no")
    );
    keep(&browser, "dead-letters");
    browser.click("#requeue-one");
    browser.wait(
        "the confirmation",
        "return document.getElementById('confirm').open",
    );
    assert!(
        browser
            .text("#confirm-body")
            .contains("pending again for group mailer")
    );
    keep(&browser, "dead-letters-confirm");
    browser.click("#confirm-cancel");
    browser.wait(
        "the confirmation closed",
        "return !document.getElementById('confirm').open",
    );
    assert_eq!(fixture::len(&mut conn, DLQ), 2, "cancelled: nothing done");
    browser.click("#requeue-one");
    browser.wait(
        "the confirmation",
        "return document.getElementById('confirm').open",
    );
    browser.click("#confirm-ok");
    let notice = browser.wait(
        "the requeue's report",
        "const n = document.querySelector('.notice.ok'); return n && n.textContent",
    );
    assert!(
        notice.as_str().unwrap_or("").starts_with("Requeued 1"),
        "{notice}"
    );
    assert_eq!(fixture::len(&mut conn, DLQ), 1);
    assert!(
        fixture::pending(&mut conn)
            .contains(&(filled.ids[1].clone(), "events-redeliver".to_owned())),
        "{:?}",
        fixture::pending(&mut conn)
    );
    browser.wait(
        "the requeued letter gone from the list",
        &format!("return !document.querySelector('tr[data-id=\"{letter}\"]')"),
    );

    // Tail: the newest events, a new one on top.
    browser.goto(&console.url("/#/tail/user.created"));
    browser.wait(
        "the tail",
        "return document.querySelectorAll('#tail .entry').length === 9",
    );
    let newest = fixture::add(&mut conn, 10);
    browser.wait(
        "the new event on top",
        &format!("return document.querySelector('#tail .entry').dataset.id === '{newest}'"),
    );
    assert!(!browser.text("#tail").contains(&fixture::first_name(10)));
    keep(&browser, "tail");

    // Fleet: who produces and reads user.created, the version edited in place, the stale
    // consumer.
    fixture::fleet(&mut conn);
    browser.goto(&console.url("/#/fleet"));
    browser.wait(
        "the fleet of user.created",
        "return !!document.querySelector('section.fleet-type[data-type=\"user.created\"] table.groups')",
    );
    let card = "section.fleet-type[data-type=\"user.created\"]";
    let disagreement = browser.text(&format!("{card} .disagreement"));
    assert!(
        disagreement.contains("v2") && disagreement.contains("users/users-1"),
        "{disagreement}"
    );
    assert!(
        browser
            .text(&format!("{card} table.producers"))
            .contains("signup")
    );
    let mailer = browser.text(&format!("{card} tr[data-group=\"mailer\"]"));
    assert!(mailer.contains("up to v2"), "{mailer}");
    assert!(
        browser
            .text(&format!("{card} tr.stale[data-instance=\"audit-1\"]"))
            .contains("stale")
    );
    assert!(browser.text("table.services").contains("user.created v2"));
    let foreign =
        browser.text("section.fleet-type[data-type=\"request.created\"] table.producers .foreign");
    assert!(foreign.contains("not this catalogue"), "{foreign}");
    keep(&browser, "fleet");
    assert_eq!(fixture::len(&mut conn, STREAM), 10);
}

#[test]
fn without_redis_the_page_asks_for_the_token_and_shows_the_demo_world_and_its_dead_letter() {
    let token = "demo-token-0123456789";
    let console = Console::start(Options {
        token: Some(token),
        ..Options::default()
    });
    let browser = Browser::start();
    browser.goto(&console.url("/#/dead-letters/notification.send"));
    browser.wait(
        "the token form",
        "return !!document.querySelector('.banner .token input')",
    );
    assert!(browser.text(".banner").contains("bearer token"));
    browser.type_into(".banner .token input", token);
    browser.click(".banner .token button");
    browser.wait(
        "the demo's dead letter",
        "return !!document.querySelector('table.letters tbody tr')",
    );
    assert!(browser.text("#status").contains("in-memory demo"));
    assert!(
        browser
            .text("table.letters")
            .contains("no chat for recipient 0")
    );
    assert!(browser.text(".banner").contains("in-memory broker"));
    let disabled = browser.script(
        "return document.getElementById('requeue-selected').disabled",
        json!([]),
    );
    assert_eq!(disabled, true, "read-only, and requeue needs Redis");
    keep(&browser, "demo-dead-letters");
    browser.goto(&console.url("/#/streams"));
    browser.wait(
        "the demo's streams",
        "return document.querySelectorAll('table.streams tbody tr').length >= 4",
    );
    keep(&browser, "demo-streams");
    browser.goto(&console.url("/#/fleet"));
    browser.wait(
        "the demo's fleet",
        "return !!document.querySelector('section.fleet-type[data-type=\"user.created\"] tr[data-group=\"reports\"]')",
    );
    assert!(browser.text("table.services").contains("events-ui-demo"));
    keep(&browser, "demo-fleet");
}
