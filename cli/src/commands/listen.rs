//! `events listen <type>...`: print the live pub/sub messages of event types (channels
//! `events.<type>`), one JSON line each, until Ctrl-C or `--count`.
//!
//! Pub/sub is at most once: only messages published while listening are seen, and nothing is
//! acknowledged or stored (`consume` reads the durable stream instead). Subscribed through the
//! runtime's `RawLiveSubscription`, one connection per type; "listening" is said on stderr once
//! every channel is subscribed.

use anyhow::bail;
use event_runtime::RawLiveSubscription;

use super::catalogue_arg::note;
use crate::Outcome;
use crate::table::print;

/// Arguments of `events listen`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Event types, e.g. `user.created request.created`.
    #[arg(required = true)]
    pub event_types: Vec<String>,
    /// Exit after this many messages; without it, listen until Ctrl-C.
    #[arg(long)]
    pub count: Option<usize>,
}

/// One message as a line: JSON as published (keys in their order), whitespace outside its
/// strings removed; a message that is not JSON as a JSON string.
fn line(message: &str) -> String {
    if serde_json::from_str::<serde::de::IgnoredAny>(message).is_err() {
        return serde_json::Value::String(message.to_owned()).to_string();
    }
    let mut out = String::with_capacity(message.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in message.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !c.is_ascii_whitespace() {
            out.push(c);
        }
    }
    out
}

/// Runs the command.
pub async fn run(args: &Args) -> anyhow::Result<Outcome> {
    if args.count == Some(0) {
        bail!("--count must be at least 1");
    }
    let config = crate::connect::config_from_env()?;
    let (sender, mut messages) = tokio::sync::mpsc::channel::<(String, String)>(1024);
    let mut channels = Vec::new();
    let mut tasks = Vec::new();
    for event_type in &args.event_types {
        let mut live = RawLiveSubscription::connect(&config, event_type)
            .await
            .map_err(|error| crate::connect::unreachable(&config, error))?;
        let channel = live.channel().to_owned();
        channels.push(channel.clone());
        let sender = sender.clone();
        tasks.push(tokio::spawn(async move {
            while let Some(message) = live.next().await {
                let message = match message {
                    Ok(message) => message,
                    Err(error) => {
                        note(&format!("listen: {error}"));
                        continue;
                    }
                };
                if sender.send((channel.clone(), message)).await.is_err() {
                    break;
                }
            }
            note(&format!("listen: {channel} closed"));
        }));
    }
    drop(sender);
    note(&format!(
        "listen: subscribed to {} (Ctrl-C to stop)",
        channels.join(", ")
    ));
    let mut printed = 0usize;
    loop {
        if args.count.is_some_and(|count| printed >= count) {
            break;
        }
        let next = tokio::select! {
            next = messages.recv() => next,
            _ = tokio::signal::ctrl_c() => break,
        };
        let Some((_, message)) = next else {
            bail!("every subscription closed: the connection to Redis was lost");
        };
        print(&format!("{}\n", line(&message)))?;
        printed += 1;
    }
    for task in tasks {
        task.abort();
    }
    Ok(Outcome::Clean)
}

#[cfg(test)]
mod tests {
    use super::line;

    #[test]
    fn messages_become_one_line_in_their_own_key_order() {
        assert_eq!(line(r#"{"b":1,"a":"x y"}"#), r#"{"b":1,"a":"x y"}"#);
        assert_eq!(
            line("{\n  \"b\": [1, 2],\n  \"a\": \"q\\\" \\n\"\n}"),
            r#"{"b":[1,2],"a":"q\" \n"}"#
        );
        assert_eq!(line("not json"), r#""not json""#);
    }
}
