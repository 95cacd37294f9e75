//! The seeded part of a soak: the schedule of faults, and how each event's handler behaves.
//!
//! Everything here is a pure function of the seed (a SplitMix64 generator, written out so
//! that a seed replays the same schedule on every platform and version of the dependencies):
//! the same seed gives the same faults at the same offsets and the same slow and failing
//! events. Only the timing of the processes around them differs between two runs.

use std::fmt;
use std::time::Duration;

/// SplitMix64 (Steele, Lea, Flood 2014): a small generator of good quality, enough for
/// picking faults.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    /// A number in `low..high` (`low` when the range is empty).
    pub fn between(&mut self, low: u64, high: u64) -> u64 {
        if high <= low {
            return low;
        }
        low + self.next_u64() % (high - low)
    }
}

/// SplitMix64's finalizer: a well-mixed 64-bit hash of `value`.
fn mix(value: u64) -> u64 {
    let mut z = value;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Where the events of a soak live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topology {
    /// One `redis-server` (AOF, `appendfsync always`) behind a TCP proxy.
    Single,
    /// A Redis Cluster of 3 masters and 3 replicas, clients connected directly.
    Cluster,
}

/// One fault, or the end of one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// SIGKILL of the consumer process in `slot`.
    KillConsumer { slot: usize },
    /// A new consumer process in `slot`, under a new consumer name.
    StartConsumer { slot: usize },
    /// `redis-server` SIGKILLed and started again from its append-only file.
    RestartRedis,
    /// The proxy drops every connection.
    Cut,
    /// The proxy stops forwarding (connections stay open) ...
    Stall,
    /// ... and forwards again.
    Unstall,
    /// Entries that can never be decoded, written raw into the stream.
    Poison { count: u64 },
    /// The master serving the stream hands over to its replica (`CLUSTER FAILOVER`).
    FailOver,
    /// Copies of recent entries written again (one event as two entries, as a publisher
    /// retrying after a timeout does): the one the `offset`-th newest, and the next `count - 1`.
    Copies { count: u64, offset: u64 },
}

impl Fault {
    /// The name a report counts the fault under; `None` for the end of a fault.
    pub fn kind(&self) -> Option<&'static str> {
        match self {
            Fault::KillConsumer { .. } => Some("consumer SIGKILL"),
            Fault::StartConsumer { .. } | Fault::Unstall => None,
            Fault::RestartRedis => Some("redis restart (AOF)"),
            Fault::Cut => Some("connections cut"),
            Fault::Stall => Some("network stall"),
            Fault::Poison { .. } => Some("poison entries"),
            Fault::FailOver => Some("cluster failover"),
            Fault::Copies { .. } => Some("events written twice"),
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::KillConsumer { slot } => write!(f, "SIGKILL consumer c{slot}"),
            Fault::StartConsumer { slot } => write!(f, "start consumer c{slot}"),
            Fault::RestartRedis => f.write_str("restart redis-server (AOF)"),
            Fault::Cut => f.write_str("cut every connection"),
            Fault::Stall => f.write_str("stall the network"),
            Fault::Unstall => f.write_str("end the stall"),
            Fault::Poison { count } => write!(f, "write {count} poison entries"),
            Fault::FailOver => f.write_str("fail the stream's master over"),
            Fault::Copies { count, offset } => {
                write!(
                    f,
                    "write {count} entries again (from the {offset}th newest)"
                )
            }
        }
    }
}

/// A fault at an offset from the start of the run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub at: Duration,
    pub fault: Fault,
}

/// The schedule of a run of `length` with `consumers` consumer processes: a fault every 1 to
/// 3 s from the third second on, none in the last 2 s, the first ones one of each kind. A
/// killed consumer is started again 0.3 to 2.5 s later (at least two stay alive); a stall lasts 0.5 to 2 s, and other faults
/// may happen during it. On a cluster: kills, poison, copies and failovers; on one server:
/// kills, restarts, cuts, stalls, poison and copies.
pub fn schedule(seed: u64, length: Duration, topology: Topology, consumers: usize) -> Vec<Step> {
    let mut rng = Rng::new(seed);
    let end = length.saturating_sub(Duration::from_secs(2));
    let mut at = Duration::from_secs(3);
    let mut steps = Vec::new();
    // When each consumer slot is up again, and when the current stall ends.
    let mut up_at = vec![Duration::ZERO; consumers];
    let mut stalled_until = Duration::ZERO;
    let weights: &[(u64, u8)] = match topology {
        Topology::Single => &[(30, 0), (12, 1), (15, 2), (13, 3), (15, 4), (15, 6)],
        Topology::Cluster => &[(40, 0), (20, 5), (20, 4), (20, 6)],
    };
    let total: u64 = weights.iter().map(|(weight, _)| weight).sum();
    let mut first_round: Vec<u8> = weights.iter().map(|(_, kind)| *kind).collect();
    for at in (1..first_round.len()).rev() {
        first_round.swap(at, rng.between(0, at as u64 + 1) as usize);
    }
    loop {
        at += Duration::from_millis(rng.between(1_000, 3_000));
        if at >= end {
            break;
        }
        // The first faults go through every kind once, in a seeded order, so that even a
        // short run has each; then kinds are drawn by their weights.
        let kind = if let Some(kind) = first_round.pop() {
            kind
        } else {
            let mut pick = rng.between(0, total);
            weights
                .iter()
                .find(|(weight, _)| {
                    let found = pick < *weight;
                    pick = pick.saturating_sub(*weight);
                    found
                })
                .map_or(0, |(_, kind)| *kind)
        };
        let alive: Vec<usize> = (0..consumers).filter(|slot| up_at[*slot] <= at).collect();
        let fault = match kind {
            0 if alive.len() > 2 => {
                let slot = alive[rng.between(0, alive.len() as u64) as usize];
                let down = Duration::from_millis(rng.between(300, 2_500));
                up_at[slot] = at + down;
                steps.push(Step {
                    at: at + down,
                    fault: Fault::StartConsumer { slot },
                });
                Fault::KillConsumer { slot }
            }
            1 => Fault::RestartRedis,
            2 => Fault::Cut,
            3 if stalled_until <= at => {
                let length = Duration::from_millis(rng.between(500, 2_000));
                stalled_until = at + length;
                steps.push(Step {
                    at: at + length,
                    fault: Fault::Unstall,
                });
                Fault::Stall
            }
            5 => Fault::FailOver,
            6 => Fault::Copies {
                count: rng.between(1, 6),
                offset: rng.between(0, 150),
            },
            _ => Fault::Poison {
                count: rng.between(1, 4),
            },
        };
        steps.push(Step { at, fault });
    }
    steps.sort_by_key(|step| step.at);
    steps
}

/// What a handler does with one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    /// Records the event and succeeds.
    Normal,
    /// Works this long first (longer than the claim idle time: it must not be claimed away
    /// while it runs).
    Slow(Duration),
    /// Fails its first `n` attempts (across processes and restarts), then succeeds.
    Failing(u64),
}

/// How the handler treats event `seq` of publisher `publisher`: about 1 in 100 is slow (7 s,
/// above the claim idle time of 6 s), 1 in 25 fails twice before it succeeds.
pub fn behaviour(seed: u64, publisher: u32, seq: u64) -> Behaviour {
    let draw = mix(seed ^ mix(u64::from(publisher) << 48 ^ seq)) % 1_000;
    match draw {
        0..10 => Behaviour::Slow(Duration::from_secs(7)),
        10..50 => Behaviour::Failing(2),
        _ => Behaviour::Normal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_replays_the_same_schedule() {
        let length = Duration::from_secs(120);
        let one = schedule(7, length, Topology::Single, 3);
        assert_eq!(one, schedule(7, length, Topology::Single, 3));
        assert_ne!(one, schedule(8, length, Topology::Single, 3));
        assert!(one.len() > 30, "{}", one.len());
        assert!(one.iter().all(|step| step.at < length));
    }

    #[test]
    fn every_kill_is_followed_by_a_start_and_two_consumers_stay_up() {
        for seed in 0..50 {
            let steps = schedule(seed, Duration::from_secs(300), Topology::Single, 3);
            let mut down = [false; 3];
            for step in &steps {
                match step.fault {
                    Fault::KillConsumer { slot } => {
                        assert!(!down[slot]);
                        down[slot] = true;
                        assert!(down.iter().filter(|down| **down).count() <= 1);
                    }
                    Fault::StartConsumer { slot } => down[slot] = false,
                    _ => {}
                }
            }
        }
    }

    #[test]
    fn a_short_run_has_every_kind_of_fault() {
        for seed in 0..20 {
            for (topology, kinds) in [(Topology::Single, 6), (Topology::Cluster, 4)] {
                let steps = schedule(seed, Duration::from_secs(24), topology, 3);
                let seen: std::collections::BTreeSet<&str> =
                    steps.iter().filter_map(|step| step.fault.kind()).collect();
                assert_eq!(seen.len(), kinds, "seed {seed}: {seen:?}");
            }
        }
    }

    #[test]
    fn faults_fit_the_topology() {
        let steps = schedule(3, Duration::from_secs(600), Topology::Cluster, 3);
        assert!(steps.iter().any(|step| step.fault == Fault::FailOver));
        assert!(
            steps
                .iter()
                .all(|step| !matches!(step.fault, Fault::Cut | Fault::Stall | Fault::RestartRedis))
        );
    }

    #[test]
    fn some_events_are_slow_and_some_fail() {
        let all: Vec<Behaviour> = (0..10_000).map(|seq| behaviour(1, 0, seq)).collect();
        let slow = all
            .iter()
            .filter(|b| matches!(b, Behaviour::Slow(_)))
            .count();
        let failing = all
            .iter()
            .filter(|b| matches!(b, Behaviour::Failing(_)))
            .count();
        assert!((50..150).contains(&slow), "{slow}");
        assert!((250..550).contains(&failing), "{failing}");
    }
}
