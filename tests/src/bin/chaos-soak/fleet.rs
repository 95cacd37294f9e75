//! The worker processes of one run: publishers and consumers, each this binary started as
//! `publish` or `consume`, its output in a log file of the run's directory.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// What every worker is started with.
#[derive(Debug, Clone)]
pub struct Launch {
    /// This binary.
    pub exe: PathBuf,
    /// The log files' directory.
    pub logs: PathBuf,
    /// The Redis under test, as workers reach it.
    pub url: String,
    pub ledger: String,
    pub seed: u64,
    pub dedup: bool,
    /// Events per second of each publisher.
    pub rate: u64,
}

/// A consumer slot: the process that fills it now (none while it is down), and how many
/// processes it had. Each process has a consumer name of its own (`c1-3`: slot 1, fourth
/// process), so the entries a killed one held must be claimed by the others.
#[derive(Debug)]
struct Slot {
    name: String,
    child: Option<Child>,
    processes: u32,
}

#[derive(Debug)]
pub struct Fleet {
    launch: Launch,
    publishers: Vec<Child>,
    consumers: Vec<Slot>,
    /// Consumer names SIGKILLed, and when (ms since the epoch, as the ledger's times).
    killed: HashMap<String, u64>,
    /// When each consumer process was started (ms since the epoch).
    started: HashMap<String, u64>,
}

impl Fleet {
    /// Starts `publishers` publishers and `consumers` consumers.
    pub fn start(launch: Launch, publishers: u32, consumers: usize) -> std::io::Result<Self> {
        let mut fleet = Self {
            launch,
            publishers: Vec::new(),
            consumers: (0..consumers)
                .map(|_| Slot {
                    name: String::new(),
                    child: None,
                    processes: 0,
                })
                .collect(),
            killed: HashMap::new(),
            started: HashMap::new(),
        };
        for slot in 0..consumers {
            fleet.start_consumer(slot)?;
        }
        for index in 0..publishers {
            let child = fleet.spawn("publish", &index.to_string())?;
            fleet.publishers.push(child);
        }
        Ok(fleet)
    }

    fn spawn(&self, role: &str, name: &str) -> std::io::Result<Child> {
        let launch = &self.launch;
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(launch.logs.join(format!("{role}-{name}.log")))?;
        Command::new(&launch.exe)
            .arg(role)
            .args(["--url", &launch.url, "--ledger", &launch.ledger])
            .args(["--seed", &launch.seed.to_string(), "--name", name])
            .args(["--dedup", if launch.dedup { "on" } else { "off" }])
            .args(["--rate", &launch.rate.to_string()])
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
    }

    /// Starts a new process in `slot` (which must be down), under a new consumer name.
    pub fn start_consumer(&mut self, slot: usize) -> std::io::Result<()> {
        let processes = self.consumers[slot].processes;
        let name = format!("c{slot}-{processes}");
        self.started.insert(name.clone(), crate::worker::now_ms());
        let child = self.spawn("consume", &name)?;
        let entry = &mut self.consumers[slot];
        entry.name = name;
        entry.child = Some(child);
        entry.processes += 1;
        Ok(())
    }

    /// SIGKILLs the process in `slot`; returns its consumer name.
    pub fn kill_consumer(&mut self, slot: usize) -> Option<String> {
        let entry = &mut self.consumers[slot];
        let mut child = entry.child.take()?;
        let _ = child.kill();
        let _ = child.wait();
        self.killed
            .insert(entry.name.clone(), crate::worker::now_ms());
        Some(entry.name.clone())
    }

    /// Starts every consumer slot that is down.
    pub fn start_every_consumer(&mut self) -> std::io::Result<()> {
        for slot in 0..self.consumers.len() {
            if self.consumers[slot].child.is_none() {
                self.start_consumer(slot)?;
            }
        }
        Ok(())
    }

    /// When the consumer `name` was SIGKILLed (ms since the epoch), if it was.
    pub fn killed_at(&self, name: &str) -> Option<u64> {
        self.killed.get(name).copied()
    }

    /// When the consumer `name` was started (ms since the epoch).
    pub fn started_at(&self, name: &str) -> Option<u64> {
        self.started.get(name).copied()
    }

    /// Consumer processes started in all.
    pub fn consumer_processes(&self) -> u32 {
        self.consumers.iter().map(|slot| slot.processes).sum()
    }

    /// `(role, pid)` of every running process, for their memory; a process that exited on
    /// its own is an error the checker reports.
    pub fn processes(&mut self) -> Result<Vec<(&'static str, u32)>, String> {
        let mut out = Vec::new();
        for (index, child) in self.publishers.iter_mut().enumerate() {
            if let Ok(Some(status)) = child.try_wait() {
                return Err(format!("publisher {index} exited: {status}"));
            }
            out.push(("publisher", child.id()));
        }
        for slot in &mut self.consumers {
            if let Some(child) = &mut slot.child {
                if let Ok(Some(status)) = child.try_wait() {
                    return Err(format!("consumer {} exited: {status}", slot.name));
                }
                out.push(("consumer", child.id()));
            }
        }
        Ok(out)
    }

    /// Waits up to `within` for the publishers to exit (after `soak:stop`), killing any that
    /// does not; true when all exited by themselves with success.
    pub fn wait_for_publishers(&mut self, within: Duration) -> bool {
        let deadline = Instant::now() + within;
        let mut clean = true;
        for mut child in self.publishers.drain(..) {
            loop {
                match child.try_wait() {
                    Ok(Some(status)) => {
                        clean &= status.success();
                        break;
                    }
                    Ok(None) if Instant::now() < deadline => {
                        std::thread::sleep(Duration::from_millis(50));
                    }
                    _ => {
                        let _ = child.kill();
                        let _ = child.wait();
                        clean = false;
                        break;
                    }
                }
            }
        }
        clean
    }

    /// Stops every consumer with SIGINT (a graceful shutdown), killing any still running
    /// after `within`; true when all exited with success.
    pub fn stop_consumers(&mut self, within: Duration) -> bool {
        let mut children: Vec<Child> = self
            .consumers
            .iter_mut()
            .filter_map(|slot| slot.child.take())
            .collect();
        for child in &children {
            let _ = Command::new("kill")
                .args(["-INT", &child.id().to_string()])
                .status();
        }
        let deadline = Instant::now() + within;
        let mut clean = true;
        for child in &mut children {
            loop {
                match child.try_wait() {
                    Ok(Some(status)) => {
                        clean &= status.success();
                        break;
                    }
                    Ok(None) if Instant::now() < deadline => {
                        std::thread::sleep(Duration::from_millis(50));
                    }
                    _ => {
                        let _ = child.kill();
                        let _ = child.wait();
                        clean = false;
                        break;
                    }
                }
            }
        }
        clean
    }
}

impl Drop for Fleet {
    fn drop(&mut self) {
        let children = self.publishers.iter_mut().chain(
            self.consumers
                .iter_mut()
                .filter_map(|slot| slot.child.as_mut()),
        );
        for child in children {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The resident memory of process `pid` in KiB (`VmRSS` of `/proc/<pid>/status`).
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
}
