//! One scenario of a soak: the Redis under test, a ledger, the worker processes, the
//! schedule's faults at their offsets with the checks every second, then the settle phase
//! (publishers stopped, every consumer up) and the report.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use event_runtime::testing::RedisServer;

use crate::check::{Checker, Seen};
use crate::fleet::{Fleet, Launch};
use crate::plan::{self, Fault, Topology};
use crate::report::counts;
use crate::target::{Target, write_copies, write_poison};
use crate::worker::STOP;

pub const PUBLISHERS: u32 = 2;
pub const CONSUMERS: usize = 3;
/// Longest settle phase: publishing stopped, every consumer up, until the work is done.
const SETTLE_WITHIN: Duration = Duration::from_secs(180);
/// Once publishing stops, the work left must shrink within this.
const PROGRESS_WITHIN: Duration = Duration::from_secs(10);

/// A configuration of the soak.
#[derive(Debug, Clone, Copy)]
pub struct Scenario {
    pub name: &'static str,
    pub topology: Topology,
    pub dedup: bool,
    /// Its share of the run's length, in percent.
    pub share: u32,
}

/// Every scenario, in the order a run goes through them.
pub const SCENARIOS: [Scenario; 3] = [
    Scenario {
        name: "server-dedup",
        topology: Topology::Single,
        dedup: true,
        share: 40,
    },
    Scenario {
        name: "server-no-dedup",
        topology: Topology::Single,
        dedup: false,
        share: 20,
    },
    Scenario {
        name: "cluster-dedup",
        topology: Topology::Cluster,
        dedup: true,
        share: 40,
    },
];

/// How a run goes.
#[derive(Debug, Clone)]
pub struct Settings {
    pub seed: u64,
    /// Faults for this long (the settle phase comes after).
    pub length: Duration,
    /// Events per second of each publisher.
    pub rate: u64,
    /// This binary, which the workers run.
    pub exe: PathBuf,
    /// A progress line this often.
    pub progress_every: Duration,
    /// Print each fault as it is injected.
    pub verbose: bool,
}

/// What a scenario measured.
pub struct Outcome {
    pub seen: Seen,
    pub faults: BTreeMap<&'static str, u64>,
    pub fault_seconds: f64,
    pub settle_seconds: f64,
    pub consumer_processes: u32,
    pub connections: Option<u64>,
    /// Receipted events never handled; `None` when the run stopped at a violation before
    /// it settled (what was left then is `unhandled`).
    pub lost: Option<u64>,
    pub unhandled: u64,
}

impl Outcome {
    pub fn passed(&self) -> bool {
        self.seen.violations.is_empty()
    }
}

fn err(context: &str) -> impl Fn(String) -> String + '_ {
    move |error| format!("{context}: {error}")
}

/// Runs `scenario`; `Err` when it could not be set up (no violation found).
pub async fn run(scenario: &Scenario, settings: &Settings) -> Result<Outcome, String> {
    let dir = tempfile::Builder::new()
        .prefix("chaos-soak-")
        .tempdir()
        .map_err(|error| format!("a directory for the logs: {error}"))?;
    let ledger_server =
        tokio::task::block_in_place(RedisServer::start).map_err(|e| format!("ledger: {e}"))?;
    let ledger = redis::Client::open(ledger_server.url())
        .map_err(|e| e.to_string())?
        .get_connection_manager()
        .await
        .map_err(|e| format!("ledger: {e}"))?;
    let mut target = Target::start(scenario.topology)
        .await
        .map_err(err("the Redis under test"))?;
    let mut store = target.connect().await.map_err(err("checker"))?;
    let steps = plan::schedule(settings.seed, settings.length, scenario.topology, CONSUMERS);
    let mut planned: BTreeMap<&str, u64> = BTreeMap::new();
    for step in &steps {
        if let Some(kind) = step.fault.kind() {
            *planned.entry(kind).or_default() += 1;
        }
    }
    println!(
        "== {}: seed {}, {:.0} s of faults, {} publishers x {} events/s, {} consumers, dedup {}; planned: {}",
        scenario.name,
        settings.seed,
        settings.length.as_secs_f64(),
        PUBLISHERS,
        settings.rate,
        CONSUMERS,
        if scenario.dedup { "on" } else { "off" },
        counts(&planned)
    );
    let launch = Launch {
        exe: settings.exe.clone(),
        logs: dir.path().to_owned(),
        url: target.worker_url(),
        ledger: ledger_server.url(),
        seed: settings.seed,
        dedup: scenario.dedup,
        rate: settings.rate,
    };
    let fleet = Arc::new(Mutex::new(
        Fleet::start(launch, PUBLISHERS, CONSUMERS).map_err(|e| format!("workers: {e}"))?,
    ));
    let mut checker = Checker::new(
        ledger.clone(),
        PUBLISHERS,
        scenario.dedup,
        target.dead_letter_key(),
        target.trimmed_key(),
    );

    let start = Instant::now();
    let mut faults: BTreeMap<&'static str, u64> = BTreeMap::new();
    let mut next_step = 0;
    let mut next_tick = start + Duration::from_secs(1);
    let mut next_progress = start + settings.progress_every;
    while next_step < steps.len() || start.elapsed() < settings.length {
        while next_step < steps.len() && start + steps[next_step].at <= Instant::now() {
            let fault = &steps[next_step].fault;
            // A fault the test machinery could not inject (a failover that did not complete
            // in time) is said and not counted; the run goes on.
            match apply(fault, &fleet, &mut target, &mut store, &mut checker).await {
                Ok(()) => {
                    if let Some(kind) = fault.kind() {
                        *faults.entry(kind).or_default() += 1;
                    }
                }
                Err(error) => println!(
                    "  {:>7.1} s  could not {fault}: {error}",
                    start.elapsed().as_secs_f64()
                ),
            }
            if settings.verbose {
                println!("  {:>7.1} s  {fault}", start.elapsed().as_secs_f64());
            }
            next_step += 1;
        }
        if Instant::now() >= next_tick {
            let injected = faults.values().sum();
            checker.tick(&mut store, &fleet, injected).await?;
            next_tick = Instant::now() + Duration::from_secs(1);
            if !checker.seen.violations.is_empty() {
                break;
            }
        }
        if Instant::now() >= next_progress {
            progress(start, &checker, &faults);
            next_progress += settings.progress_every;
        }
        let next = steps
            .get(next_step)
            .map_or(next_tick, |step| (start + step.at).min(next_tick));
        tokio::time::sleep(
            next.saturating_duration_since(Instant::now())
                .min(Duration::from_millis(200)),
        )
        .await;
    }
    let fault_seconds = start.elapsed().as_secs_f64();

    // Settle: publishers stop, every consumer runs, the work left shrinks to nothing.
    let settle = Instant::now();
    // Whether settling ran its course (settled, or gave up waiting): what is left then is lost.
    let mut judged = false;
    if checker.seen.violations.is_empty() {
        let _: () = redis::cmd("SET")
            .arg(STOP)
            .arg(1)
            .query_async(&mut ledger.clone())
            .await
            .map_err(|e| format!("ledger: {e}"))?;
        let publishers_clean = tokio::task::block_in_place(|| {
            lock(&fleet).wait_for_publishers(Duration::from_secs(20))
        });
        if !publishers_clean {
            checker
                .seen
                .violations
                .push("a publisher did not stop cleanly within 20 s".to_owned());
        }
        lock(&fleet)
            .start_every_consumer()
            .map_err(|e| format!("workers: {e}"))?;
        let mut last = (u64::MAX, Instant::now());
        loop {
            let injected = faults.values().sum();
            checker.tick(&mut store, &fleet, injected).await?;
            if checker.settled() || !checker.seen.violations.is_empty() {
                judged = checker.settled();
                break;
            }
            let left = checker.left().await?;
            if left < last.0 {
                last = (left, Instant::now());
            } else if last.1.elapsed() > PROGRESS_WITHIN {
                checker.seen.violations.push(format!(
                    "publishing stopped and the work left ({left}: events with a receipt not handled, poison not dead-lettered, entries pending) did not shrink for {} s",
                    PROGRESS_WITHIN.as_secs()
                ));
                judged = true;
                break;
            }
            if settle.elapsed() > SETTLE_WITHIN {
                checker.seen.violations.push(format!(
                    "not settled within {} s: {left} left",
                    SETTLE_WITHIN.as_secs()
                ));
                judged = true;
                break;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
    let settle_seconds = settle.elapsed().as_secs_f64();
    let consumers_clean =
        tokio::task::block_in_place(|| lock(&fleet).stop_consumers(Duration::from_secs(15)));
    if !consumers_clean && checker.seen.violations.is_empty() {
        checker
            .seen
            .violations
            .push("a consumer did not shut down cleanly within 15 s of SIGINT".to_owned());
    }
    if !checker.seen.violations.is_empty() {
        // Keep the workers' logs for a look.
        let kept = dir.keep();
        println!("  workers' logs kept in {}", kept.display());
    }
    let consumer_processes = lock(&fleet).consumer_processes();
    let unhandled = checker.unhandled().await?;
    let lost = judged.then_some(unhandled);
    Ok(Outcome {
        seen: checker.seen,
        faults,
        fault_seconds,
        settle_seconds,
        consumer_processes,
        connections: target.connections(),
        lost,
        unhandled,
    })
}

fn lock(fleet: &Mutex<Fleet>) -> std::sync::MutexGuard<'_, Fleet> {
    fleet
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Injects one fault.
async fn apply(
    fault: &Fault,
    fleet: &Mutex<Fleet>,
    target: &mut Target,
    store: &mut crate::target::Store,
    checker: &mut Checker,
) -> Result<(), String> {
    match fault {
        Fault::KillConsumer { slot } => {
            lock(fleet).kill_consumer(*slot);
            Ok(())
        }
        Fault::StartConsumer { slot } => lock(fleet)
            .start_consumer(*slot)
            .map_err(|e| format!("workers: {e}")),
        Fault::Poison { count } => {
            for _ in 0..*count {
                let id = loop {
                    match write_poison(store).await {
                        Ok(id) => break id,
                        Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
                    }
                };
                checker.poison_written(id);
            }
            Ok(())
        }
        Fault::Copies { count, offset } => {
            checker.seen.copies += write_copies(store, *count, *offset).await?;
            Ok(())
        }
        fault => target.apply(fault),
    }
}

fn progress(start: Instant, checker: &Checker, faults: &BTreeMap<&'static str, u64>) {
    let seen = &checker.seen;
    println!(
        "  {:>7.1} s  receipted {}  handled {}  pending {}  duplicates {}  faults {}",
        start.elapsed().as_secs_f64(),
        seen.receipted,
        seen.handled,
        checker.pending(),
        seen.duplicates.total(),
        faults.values().sum::<u64>()
    );
}
