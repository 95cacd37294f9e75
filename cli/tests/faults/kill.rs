//! (a) A consumer *process* (`events consume`) killed with SIGKILL while it holds a batch:
//! its pending entries are claimed and handled by the surviving processes.
//!
//! The victim's standard output is not read, so once the pipe is full its handlers block in
//! the middle of their batch, holding entries it has read but not acknowledged. That is the
//! moment it is killed. What it printed before (still in the pipe) counts as handled by it.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use event_runtime::Publisher;

use crate::report::Report;
use crate::support::{
    GROUP, STREAM, Tally, config, eventually, group_state, pending_of, probes, server, stream_seqs,
    wait_until_settled,
};

const SENT: u64 = 3_000;

/// `events consume fault.probe --group workers --consumer <name> --raw` with fast claim
/// settings (`fault.probe` is the tests' own type, in no catalogue: its entries are printed
/// unchecked).
fn consumer(url: &str, name: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_events"))
        .args([
            "consume",
            "fault.probe",
            "--group",
            GROUP,
            "--consumer",
            name,
            "--raw",
        ])
        .env("REDIS_URL", url)
        .env("EVENT_SUBSCRIBER_BLOCK_TIME", "100")
        .env("EVENT_SUBSCRIBER_CLAIM_MIN_IDLE", "1000")
        .env("EVENT_SUBSCRIBER_CLAIM_INTERVAL", "100")
        .env("EVENT_SUBSCRIBER_CONCURRENCY", "8")
        .env("EVENT_SUBSCRIBER_BATCH_SIZE", "8")
        .env("EVENT_SUBSCRIBER_SHUTDOWN_TIMEOUT", "3000")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the events binary starts")
}

/// The `seq` of each complete JSON line `events consume` printed.
fn seqs(output: &[u8]) -> Vec<u64> {
    output
        .split(|byte| *byte == b'\n')
        .filter_map(|line| serde_json::from_slice::<serde_json::Value>(line).ok())
        .filter_map(|value| value.get("seq").and_then(serde_json::Value::as_u64))
        .collect()
}

/// Reads a survivor's lines on a thread of its own as they come.
fn follow(child: &mut Child, tally: Tally, count: Arc<Mutex<u64>>) -> std::thread::JoinHandle<()> {
    let stdout = child.stdout.take().expect("piped stdout");
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            for seq in seqs(line.as_bytes()) {
                tally.record(seq);
                *count.lock().expect("count") += 1;
            }
        }
    })
}

fn interrupt(child: &Child) {
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success(), "SIGINT sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consumer_process_killed_mid_batch_its_entries_are_claimed_by_survivors() {
    let mut report = Report::new(
        "consumer_process_sigkill",
        "SIGKILL of one of three `events consume` processes while it holds a batch",
    );
    let server = server();
    let url = server.url();
    let publisher = Publisher::new(&config(&url)).await.expect("publisher");
    let tally = Tally::default();

    // The victim alone first, so that it gets work; it blocks once its stdout pipe is full.
    let mut victim = consumer(&url, "victim");
    publisher
        .publish_batch(&probes(0..SENT / 2))
        .await
        .expect("first half");
    let started = std::time::Instant::now();
    let mut stuck: Vec<String> = Vec::new();
    let mut stable = 0;
    while stable < 10 {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the victim never blocked holding entries"
        );
        tokio::time::sleep(Duration::from_millis(30)).await;
        let now = pending_of(&url, "victim").await;
        stable = if !now.is_empty() && now == stuck {
            stable + 1
        } else {
            0
        };
        stuck = now;
    }

    // Two survivors start; the victim dies while they work and more events arrive.
    let survivor_lines = Arc::new(Mutex::new(0u64));
    let mut survivors = Vec::new();
    let mut readers = Vec::new();
    for name in ["survivor-1", "survivor-2"] {
        let mut child = consumer(&url, name);
        readers.push(follow(&mut child, tally.clone(), survivor_lines.clone()));
        survivors.push(child);
    }
    eventually(
        "the survivors make progress",
        Duration::from_secs(20),
        || {
            let lines = *survivor_lines.lock().expect("count");
            async move { lines >= 100 }
        },
    )
    .await;
    let held = pending_of(&url, "victim").await;
    victim.kill().expect("SIGKILL");
    victim.wait().expect("victim reaped");
    let mut printed = Vec::new();
    victim
        .stdout
        .take()
        .expect("piped stdout")
        .read_to_end(&mut printed)
        .expect("the victim's output");
    for seq in seqs(&printed) {
        tally.record(seq);
    }
    publisher
        .publish_batch(&probes(SENT / 2..SENT))
        .await
        .expect("second half");

    wait_until_settled(&url, &tally, 0..SENT, Duration::from_secs(30)).await;
    for child in &survivors {
        interrupt(child);
    }
    for mut child in survivors {
        let status = child.wait().expect("survivor exits");
        assert!(status.success(), "a survivor failed: {status}");
    }
    for reader in readers {
        reader.join().expect("reader thread");
    }

    // Every entry the victim held when it died was handled by a survivor.
    let by_id: std::collections::HashMap<String, Option<u64>> =
        stream_seqs(&url, STREAM).await.into_iter().collect();
    assert!(!held.is_empty(), "the victim held entries when killed");
    for id in &held {
        let seq = by_id[id].expect("probe entry");
        assert!(tally.contains(seq), "held entry {id} (seq {seq}) handled");
    }
    assert!(pending_of(&url, "victim").await.is_empty());

    let state = group_state(&url, STREAM).await;
    report.count(SENT, &state, &tally);
    report.notes = format!(
        "victim printed {} events, held {} unacknowledged when killed; all claimed by the survivors",
        seqs(&printed).len(),
        held.len()
    );
    assert_eq!(report.acked, SENT);
    report.finish();
}
