//! The report of a scenario: lines for people, and a JSON line for
//! `scripts/reliability-report` (appended to the file `RELIABILITY_REPORT` names, as the fault
//! tests do), which renders the "Chaos soak" table of `docs/reliability.md`.

use std::collections::BTreeMap;

use crate::check::BOUNDS;
use crate::plan::Topology;
use crate::run::{CONSUMERS, Outcome, PUBLISHERS, Scenario, Settings};
use crate::worker::{CLAIM_MIN_IDLE, RETENTION};

/// `kind count, kind count`, or `none`.
pub fn counts(counts: &BTreeMap<&str, u64>) -> String {
    let parts: Vec<String> = counts
        .iter()
        .map(|(kind, count)| format!("{kind} {count}"))
        .collect();
    if parts.is_empty() {
        "none".to_owned()
    } else {
        parts.join(", ")
    }
}

/// The report of one scenario.
pub fn text(scenario: &Scenario, settings: &Settings, outcome: &Outcome) -> String {
    let seen = &outcome.seen;
    let mib = |kib: u64| kib as f64 / 1024.0;
    let rss: Vec<String> = seen
        .max_rss_kib
        .iter()
        .map(|(role, kib)| format!("{role} {:.0} MiB", mib(*kib)))
        .collect();
    let lost = match outcome.lost {
        Some(lost) => format!("lost {lost}"),
        None => format!(
            "lost: not judged, the run stopped at a violation ({} not handled by then)",
            outcome.unhandled
        ),
    };
    let dups = seen.duplicates;
    let mut lines = vec![
        format!(
            "chaos soak {}: seed {}, {:.1} s of faults + {:.1} s to settle, {}, dedup {}",
            scenario.name,
            settings.seed,
            outcome.fault_seconds,
            outcome.settle_seconds,
            match scenario.topology {
                Topology::Single => "one redis-server (AOF, appendfsync always) behind a TCP proxy",
                Topology::Cluster => "a Redis Cluster (3 masters, 3 replicas)",
            },
            if scenario.dedup { "on" } else { "off" },
        ),
        format!(
            "  published        {} events with a receipt, {PUBLISHERS} publisher processes; {} poison entries; {} entries written again",
            seen.receipted, seen.poison, seen.copies
        ),
        format!(
            "  handled          {} distinct events; {lost}",
            seen.handled
        ),
        format!(
            "  duplicate runs   {} ({} after a SIGKILL of the first run's process, {} of an event written twice, {} unexplained)",
            dups.total(),
            dups.after_kill,
            dups.published_twice,
            dups.unexplained
        ),
        format!(
            "  dead letters     {} of {} poison entries, each once",
            seen.poison_dead_lettered, seen.poison
        ),
        format!(
            "  faults           {} ({} consumer processes in all{})",
            counts(&outcome.faults),
            outcome.consumer_processes,
            outcome
                .connections
                .map(|n| format!(", {n} connections through the proxy"))
                .unwrap_or_default()
        ),
        format!(
            "  max RSS          {} (bound {:.0} MiB)",
            rss.join(", "),
            mib(BOUNDS.rss_kib)
        ),
        format!(
            "  max pending age  {:.1} s (bound {} s), at most {} entries pending",
            seen.max_pending_idle.as_secs_f64(),
            BOUNDS.pending_idle.as_secs(),
            seen.max_pending
        ),
        format!(
            "  max unhandled    {:.1} s from receipt (bound {} s)",
            seen.max_unhandled_age.as_secs_f64(),
            BOUNDS.unhandled_age.as_secs()
        ),
        format!(
            "  stream length    at most {} (retention budget {RETENTION}, hard cap {}); {} forced trims{}",
            seen.max_stream_length,
            10 * RETENTION,
            seen.forced_trims,
            if seen.max_redis_memory > 0 {
                format!(
                    "; redis used_memory at most {:.1} MiB",
                    mib(seen.max_redis_memory / 1024)
                )
            } else {
                String::new()
            }
        ),
    ];
    if seen.failed_reads > 0 {
        lines.push(format!(
            "  checker          {} rounds could not read the Redis under test (restarting)",
            seen.failed_reads
        ));
    }
    for violation in &seen.violations {
        lines.push(format!("  VIOLATION        {violation}"));
    }
    lines.push(format!(
        "  verdict          {}",
        if outcome.passed() { "PASS" } else { "FAIL" }
    ));
    lines.join("\n")
}

/// The scenario as one JSON object (`suite: soak`).
pub fn json(scenario: &Scenario, settings: &Settings, outcome: &Outcome) -> serde_json::Value {
    let seen = &outcome.seen;
    let dups = seen.duplicates;
    let mib = |kib: &u64| (*kib as f64 / 1024.0).round();
    serde_json::json!({
        "suite": "soak",
        "test": scenario.name,
        "topology": match scenario.topology {
            Topology::Single => "redis-server behind a TCP proxy",
            Topology::Cluster => "Redis Cluster, 3 masters + 3 replicas",
        },
        "dedup": scenario.dedup,
        "seed": settings.seed,
        "fault_seconds": (outcome.fault_seconds * 10.0).round() / 10.0,
        "settle_seconds": (outcome.settle_seconds * 10.0).round() / 10.0,
        "publishers": PUBLISHERS,
        "consumers": CONSUMERS,
        "consumer_processes": outcome.consumer_processes,
        "rate": settings.rate * u64::from(PUBLISHERS),
        "claim_min_idle_ms": CLAIM_MIN_IDLE.as_millis() as u64,
        "published": seen.receipted,
        "handled": seen.handled,
        "lost": outcome.lost,
        "duplicates": dups.total(),
        "duplicates_after_kill": dups.after_kill,
        "duplicates_published_twice": dups.published_twice,
        "duplicates_unexplained": dups.unexplained,
        "poison": seen.poison,
        "copies": seen.copies,
        "poison_dead_lettered": seen.poison_dead_lettered,
        "faults": outcome.faults,
        "max_rss_mib": seen.max_rss_kib.iter().map(|(role, kib)| (*role, mib(kib))).collect::<BTreeMap<_, _>>(),
        "max_pending_idle_seconds": (seen.max_pending_idle.as_secs_f64() * 10.0).round() / 10.0,
        "max_unhandled_seconds": (seen.max_unhandled_age.as_secs_f64() * 10.0).round() / 10.0,
        "max_stream_length": seen.max_stream_length,
        "forced_trims": seen.forced_trims,
        "violations": seen.violations,
        "verdict": if outcome.passed() { "PASS" } else { "FAIL" },
    })
}
