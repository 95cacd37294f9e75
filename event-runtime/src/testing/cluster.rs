//! A throw-away Redis Cluster on loopback: three masters and three replicas.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::server::{RedisServer, ServerError, free_port_below};

/// Every node also listens on its port + 10000 (the cluster bus), so node ports stay below
/// 45000 and the bus ports below 55000, under the ephemeral range.
const HIGHEST_NODE_PORT: u16 = 45_000;
const BUS_PORT_OFFSET: u16 = 10_000;
/// How long a master may be unreachable before its replica takes over.
const NODE_TIMEOUT_MS: u64 = 3_000;

/// A Redis Cluster of `redis-server` child processes, killed on drop.
///
/// ```no_run
/// use event_runtime::testing::RedisCluster;
///
/// let mut cluster = RedisCluster::start().expect("redis cluster");
/// // `REDIS_URL` as a comma-separated list of node URLs means a cluster.
/// let config = event_runtime::Config::new(cluster.url());
/// let master = cluster.master_for_key("events:user.created").expect("a master");
/// cluster.kill(master);
/// cluster.wait_for_failover(std::time::Duration::from_secs(30)).expect("failover");
/// ```
///
/// Three masters share the 16,384 slots, each with one replica. Nodes run with AOF
/// (`appendfsync everysec` unless the extra arguments say otherwise) and a node timeout of
/// 3 s (long enough that a node starved of CPU on a loaded machine is not failed over), so
/// a killed master is replaced by its replica within about five seconds.
#[derive(Debug)]
pub struct RedisCluster {
    nodes: Vec<RedisServer>,
}

/// One line of `CLUSTER NODES`.
#[derive(Debug, Clone)]
struct NodeLine {
    id: String,
    /// The master's id, for a replica.
    master_id: Option<String>,
    port: u16,
    master: bool,
    failed: bool,
    /// Slot ranges served (masters only), inclusive.
    slots: Vec<(u16, u16)>,
}

impl RedisCluster {
    /// Starts three masters and three replicas and waits until every slot is served and
    /// every replica is in sync.
    pub fn start() -> Result<Self, ServerError> {
        Self::start_with_args(&[])
    }

    /// Like [`start`](RedisCluster::start), with extra `redis-server` arguments for every
    /// node (e.g. `["--appendfsync", "always"]`).
    pub fn start_with_args(extra_args: &[&str]) -> Result<Self, ServerError> {
        Self::start_in(extra_args, None)
    }

    /// A cluster that loses no acknowledged write when a node is killed and started again:
    /// `appendfsync always`, with the nodes' directories on the tmpfs `/dev/shm` where there
    /// is one, so that fsync costs nothing (the data survives the process, which is what a
    /// restart tests).
    pub fn start_durable() -> Result<Self, ServerError> {
        let shm = std::path::Path::new("/dev/shm");
        Self::start_in(&["--appendfsync", "always"], shm.is_dir().then_some(shm))
    }

    fn start_in(
        extra_args: &[&str],
        parent: Option<&std::path::Path>,
    ) -> Result<Self, ServerError> {
        let mut last_error = None;
        for _ in 0..3 {
            match Self::try_start(extra_args, parent) {
                Ok(cluster) => return Ok(cluster),
                Err(error @ ServerError::NotFound) => return Err(error),
                Err(error) => last_error = Some(error),
            }
        }
        Err(last_error.unwrap_or_else(|| cluster_error("could not start")))
    }

    fn try_start(
        extra_args: &[&str],
        parent: Option<&std::path::Path>,
    ) -> Result<Self, ServerError> {
        let node_timeout = NODE_TIMEOUT_MS.to_string();
        let mut args = vec![
            "--cluster-enabled",
            "yes",
            "--cluster-config-file",
            "nodes.conf",
            "--cluster-node-timeout",
            node_timeout.as_str(),
            // A replica may always take over, however long its link was down.
            "--cluster-replica-validity-factor",
            "0",
        ];
        args.extend_from_slice(extra_args);
        let mut nodes = Vec::with_capacity(6);
        for _ in 0..6 {
            let pick = || {
                free_port_below(HIGHEST_NODE_PORT, |port| {
                    std::net::TcpListener::bind(("127.0.0.1", port + BUS_PORT_OFFSET)).is_ok()
                })
            };
            nodes.push(RedisServer::start_on(
                "redis-server",
                &args,
                None,
                parent,
                pick,
            )?);
        }
        let cluster = Self { nodes };
        let addresses: Vec<String> = cluster
            .ports()
            .iter()
            .map(|port| format!("127.0.0.1:{port}"))
            .collect();
        let output = Command::new("redis-cli")
            .arg("--cluster")
            .arg("create")
            .args(&addresses)
            .args(["--cluster-replicas", "1", "--cluster-yes"])
            .stdin(Stdio::null())
            .output()
            .map_err(|error| match error.kind() {
                std::io::ErrorKind::NotFound => cluster_error(
                    "redis-cli not found on PATH: install it with `apt-get install redis-server` (or redis-tools)",
                ),
                _ => ServerError::Io(error),
            })?;
        if !output.status.success() {
            return Err(cluster_error(&format!(
                "`redis-cli --cluster create` failed: {}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            )));
        }
        cluster.wait_until_ready(Duration::from_secs(60), 6)?;
        Ok(cluster)
    }

    /// The node URLs, comma-separated: `redis://127.0.0.1:<port>,redis://...`, which is what
    /// `REDIS_URL` holds for a cluster.
    pub fn url(&self) -> String {
        self.node_urls().join(",")
    }

    /// One URL per node, killed ones included.
    pub fn node_urls(&self) -> Vec<String> {
        self.ports()
            .iter()
            .map(|port| format!("redis://127.0.0.1:{port}"))
            .collect()
    }

    /// The ports of every node, killed ones included.
    pub fn ports(&self) -> Vec<u16> {
        self.nodes.iter().map(RedisServer::port).collect()
    }

    /// The ports of the masters that serve slots now.
    pub fn masters(&self) -> Result<Vec<u16>, ServerError> {
        Ok(self
            .topology()?
            .into_iter()
            .filter(|node| node.master && !node.failed && !node.slots.is_empty())
            .map(|node| node.port)
            .collect())
    }

    /// The port of the master that serves `key` now.
    pub fn master_for_key(&self, key: &str) -> Result<u16, ServerError> {
        let slot = self.any_live(|conn| {
            redis::cmd("CLUSTER")
                .arg("KEYSLOT")
                .arg(key)
                .query::<u16>(conn)
        })?;
        self.topology()?
            .into_iter()
            .find(|node| {
                node.master
                    && !node.failed
                    && node
                        .slots
                        .iter()
                        .any(|(first, last)| (*first..=*last).contains(&slot))
            })
            .map(|node| node.port)
            .ok_or_else(|| cluster_error(&format!("no master serves slot {slot} of `{key}`")))
    }

    /// Kills the node on `port` (`SIGKILL`), as in a crash.
    pub fn kill(&mut self, port: u16) {
        if let Some(node) = self.nodes.iter_mut().find(|node| node.port() == port) {
            node.stop();
        }
    }

    /// Starts the node on `port` again, from its directory (AOF and `nodes.conf`): it
    /// rejoins the cluster, as a replica if it was replaced meanwhile.
    pub fn restart(&mut self, port: u16) -> Result<(), ServerError> {
        match self.nodes.iter_mut().find(|node| node.port() == port) {
            Some(node) => node.restart(),
            None => Err(cluster_error(&format!("no node on port {port}"))),
        }
    }

    /// A planned failover: the replica of the master on `master_port` takes over
    /// (`CLUSTER FAILOVER` on the replica) and the old master becomes its replica, both
    /// running. Clients that still send the slots' commands to the old master get `MOVED`.
    /// Returns the new master's port.
    pub fn fail_over(&self, master_port: u16) -> Result<u16, ServerError> {
        let topology = self.topology()?;
        let master = topology
            .iter()
            .find(|node| node.port == master_port && node.master)
            .ok_or_else(|| cluster_error(&format!("{master_port} is not a master")))?;
        let replica = topology
            .iter()
            .find(|node| node.master_id.as_deref() == Some(master.id.as_str()) && !node.failed)
            .ok_or_else(|| cluster_error(&format!("master {master_port} has no replica")))?
            .port;
        let mut conn = connect(replica)?;
        redis::cmd("CLUSTER")
            .arg("FAILOVER")
            .query::<String>(&mut conn)
            .map_err(redis_error)?;
        let started = Instant::now();
        loop {
            let promoted = self
                .topology()?
                .iter()
                .any(|node| node.port == replica && node.master && !node.slots.is_empty());
            if promoted {
                break;
            }
            if started.elapsed() > Duration::from_secs(30) {
                return Err(cluster_error(&format!(
                    "replica {replica} did not take over from {master_port} within 30 s"
                )));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let live = self.nodes.iter().filter(|node| node.is_running()).count();
        self.wait_until_ready(Duration::from_secs(60), live)?;
        Ok(replica)
    }

    /// Kills every master at once and starts them again from their AOF files. With all
    /// masters down no replica can win an election, so the masters come back as masters with
    /// what they had written: the cluster's equivalent of restarting a server.
    pub fn restart_masters(&mut self) -> Result<(), ServerError> {
        let masters = self.masters()?;
        for port in &masters {
            self.kill(*port);
        }
        for port in &masters {
            self.restart(*port)?;
        }
        let live = self.nodes.iter().filter(|node| node.is_running()).count();
        self.wait_until_ready(Duration::from_secs(60), live)
    }

    /// Waits until the cluster serves every slot again after a master was killed: its
    /// replica has been promoted and every live node agrees the cluster is up.
    pub fn wait_for_failover(&self, within: Duration) -> Result<(), ServerError> {
        let live = self.nodes.iter().filter(|node| node.is_running()).count();
        self.wait_until_ready(within, live)
    }

    /// Waits until every live node says `cluster_state:ok`, the masters serve all 16,384
    /// slots, `expected_nodes` nodes are known and not failed, and every live replica's link
    /// to its master is up.
    fn wait_until_ready(&self, within: Duration, expected_nodes: usize) -> Result<(), ServerError> {
        let started = Instant::now();
        loop {
            let last = match self.readiness(expected_nodes) {
                Ok(None) => return Ok(()),
                Ok(Some(reason)) => reason,
                Err(error) => error.to_string(),
            };
            if started.elapsed() > within {
                return Err(cluster_error(&format!(
                    "not ready within {} s: {last}",
                    within.as_secs()
                )));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// `None` when ready, else what is still missing.
    fn readiness(&self, expected_nodes: usize) -> Result<Option<String>, ServerError> {
        for node in self.nodes.iter().filter(|node| node.is_running()) {
            let mut conn = connect(node.port())?;
            let info: String = redis::cmd("CLUSTER")
                .arg("INFO")
                .query(&mut conn)
                .map_err(redis_error)?;
            if !info.contains("cluster_state:ok") {
                return Ok(Some(format!("node {} is not ok yet", node.port())));
            }
            let replication: String = redis::cmd("INFO")
                .arg("replication")
                .query(&mut conn)
                .map_err(redis_error)?;
            if replication.contains("role:slave") && !replication.contains("master_link_status:up")
            {
                return Ok(Some(format!("replica {} is not in sync yet", node.port())));
            }
            let topology = parse_nodes(
                &redis::cmd("CLUSTER")
                    .arg("NODES")
                    .query::<String>(&mut conn)
                    .map_err(redis_error)?,
            );
            let healthy = topology.iter().filter(|line| !line.failed).count();
            if healthy != expected_nodes {
                return Ok(Some(format!(
                    "node {} sees {healthy} healthy nodes of {expected_nodes}",
                    node.port()
                )));
            }
            let served: u32 = topology
                .iter()
                .filter(|line| line.master && !line.failed)
                .flat_map(|line| &line.slots)
                .map(|(first, last)| u32::from(last - first) + 1)
                .sum();
            if served != 16_384 {
                return Ok(Some(format!(
                    "node {} sees {served} of 16384 slots served",
                    node.port()
                )));
            }
            let live_masters: Vec<u16> = topology
                .iter()
                .filter(|line| line.master && !line.failed && !line.slots.is_empty())
                .map(|line| line.port)
                .collect();
            if live_masters.iter().any(|port| {
                !self
                    .nodes
                    .iter()
                    .any(|n| n.port() == *port && n.is_running())
            }) {
                return Ok(Some(format!(
                    "node {} still routes slots to a killed master",
                    node.port()
                )));
            }
        }
        Ok(None)
    }

    /// `CLUSTER NODES` as seen by a live node.
    fn topology(&self) -> Result<Vec<NodeLine>, ServerError> {
        let text =
            self.any_live(|conn| redis::cmd("CLUSTER").arg("NODES").query::<String>(conn))?;
        Ok(parse_nodes(&text))
    }

    /// Runs `query` on the first live node that answers.
    fn any_live<T>(
        &self,
        query: impl Fn(&mut redis::Connection) -> redis::RedisResult<T>,
    ) -> Result<T, ServerError> {
        let mut last = cluster_error("no live node");
        for node in self.nodes.iter().filter(|node| node.is_running()) {
            match connect(node.port()).and_then(|mut conn| query(&mut conn).map_err(redis_error)) {
                Ok(value) => return Ok(value),
                Err(error) => last = error,
            }
        }
        Err(last)
    }
}

fn connect(port: u16) -> Result<redis::Connection, ServerError> {
    let client = redis::Client::open(format!("redis://127.0.0.1:{port}")).map_err(redis_error)?;
    let conn = client
        .get_connection_with_timeout(Duration::from_secs(2))
        .map_err(redis_error)?;
    conn.set_read_timeout(Some(Duration::from_secs(5)))
        .map_err(redis_error)?;
    Ok(conn)
}

fn parse_nodes(text: &str) -> Vec<NodeLine> {
    text.lines()
        .filter_map(|line| {
            let parts: Vec<&str> = line.split_whitespace().collect();
            let address = parts.get(1)?;
            let port = address
                .split('@')
                .next()?
                .rsplit_once(':')?
                .1
                .parse()
                .ok()?;
            let flags: Vec<&str> = parts.get(2)?.split(',').collect();
            let slots = parts
                .iter()
                .skip(8)
                .filter(|range| !range.starts_with('['))
                .filter_map(|range| match range.split_once('-') {
                    Some((first, last)) => Some((first.parse().ok()?, last.parse().ok()?)),
                    None => range.parse().ok().map(|slot| (slot, slot)),
                })
                .collect();
            Some(NodeLine {
                id: (*parts.first()?).to_owned(),
                master_id: parts
                    .get(3)
                    .filter(|id| **id != "-")
                    .map(|id| (*id).to_owned()),
                port,
                master: flags.contains(&"master"),
                failed: flags.contains(&"fail")
                    || flags.contains(&"fail?")
                    || flags.contains(&"noaddr")
                    || flags.contains(&"handshake"),
                slots,
            })
        })
        .collect()
}

fn cluster_error(reason: &str) -> ServerError {
    ServerError::Cluster(reason.to_owned())
}

fn redis_error(error: redis::RedisError) -> ServerError {
    cluster_error(&error.to_string())
}

#[cfg(test)]
mod tests {
    use super::parse_nodes;

    #[test]
    fn cluster_nodes_lines_are_parsed() {
        let text = "\
a1 127.0.0.1:30001@40001 myself,master - 0 0 1 connected 0-5460
b2 127.0.0.1:30002@40002 master,fail - 0 0 2 connected 5461-10922 [5462->-c3]
c3 127.0.0.1:30003@40003,host slave a1 0 0 1 connected
";
        let nodes = parse_nodes(text);
        assert_eq!(nodes.len(), 3);
        assert_eq!(nodes[0].port, 30001);
        assert!(nodes[0].master && !nodes[0].failed);
        assert_eq!(nodes[0].slots, [(0, 5460)]);
        assert!(nodes[1].failed);
        assert_eq!(nodes[2].master_id.as_deref(), Some("a1"));
        assert_eq!(nodes[0].master_id, None);
        assert_eq!(nodes[1].slots, [(5461, 10922)]);
        assert!(!nodes[2].master);
        assert!(nodes[2].slots.is_empty());
    }
}
