//! The rules of Redis URLs: schemes, hosts, a comma-separated list of nodes for a Redis
//! Cluster (database 0, one scheme), and passwords kept out of every message.

use std::collections::BTreeSet;

use super::error::ConfigError;
use super::redact::redact_url;

/// The node URLs of a Redis Cluster setting (two or more comma-separated URLs); `None` for a
/// single server's URL.
pub fn cluster_nodes(url: &str) -> Option<Vec<&str>> {
    let nodes: Vec<&str> = url
        .split(',')
        .map(str::trim)
        .filter(|node| !node.is_empty())
        .collect();
    (nodes.len() > 1).then_some(nodes)
}

/// One URL, or a comma-separated list of cluster node URLs (returned without the blanks
/// around the commas).
pub(super) fn check_urls(name: &str, value: String) -> Result<String, ConfigError> {
    let Some(nodes) = cluster_nodes(&value) else {
        return check_url(name, value.trim_end_matches(',').trim().to_owned());
    };
    let mut schemes = BTreeSet::new();
    for node in &nodes {
        let checked = check_url(name, (*node).to_owned()).map_err(|error| {
            ConfigError::new(
                name,
                &value,
                format!("node `{}`: {}", redact_url(node), error.message()),
            )
        })?;
        let (scheme, rest) = checked.split_once("://").unwrap_or_default();
        if scheme != "redis" && scheme != "rediss" {
            return Err(ConfigError::new(
                name,
                &value,
                format!(
                    "node `{}`: a Redis Cluster is reached over `redis://` or `rediss://`, not `{scheme}://`",
                    redact_url(node)
                ),
            ));
        }
        schemes.insert(scheme.to_owned());
        let path = rest.split_once('/').map_or("", |(_, path)| path);
        let database = path.split('?').next().unwrap_or_default();
        if !database.is_empty() && database != "0" {
            return Err(ConfigError::new(
                name,
                &value,
                format!(
                    "node `{}`: a Redis Cluster has database 0 only, not `/{database}`",
                    redact_url(node)
                ),
            ));
        }
    }
    if schemes.len() > 1 {
        return Err(ConfigError::new(
            name,
            &value,
            "the cluster's nodes mix `redis://` and `rediss://`; use one scheme for all",
        ));
    }
    Ok(nodes.join(","))
}

fn check_url(name: &str, value: String) -> Result<String, ConfigError> {
    let Some((scheme, rest)) = value.split_once("://") else {
        return Err(ConfigError::new(
            name,
            &value,
            "expected a URL like `redis://host:6379/0`",
        ));
    };
    match scheme {
        "redis" | "redis+unix" | "unix" => {}
        "rediss" if cfg!(feature = "tls") => {}
        "rediss" => {
            return Err(ConfigError::new(
                name,
                &value,
                "`rediss://` (TLS) needs the `tls` feature of event-runtime",
            ));
        }
        _ => {
            return Err(ConfigError::new(
                name,
                &value,
                format!("unknown scheme `{scheme}`; expected `redis`, `rediss` or `redis+unix`"),
            ));
        }
    }
    if rest.is_empty() {
        return Err(ConfigError::new(name, &value, "the URL has no host"));
    }
    Ok(value)
}
