//! A TCP proxy between the runtime and `redis-server`, inside the test, that can cut every
//! connection at once or stop forwarding for a while (a network partition that keeps the
//! sockets open).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// A running proxy; stops on drop.
#[derive(Debug)]
pub struct Proxy {
    port: u16,
    control: Arc<Control>,
    task: JoinHandle<()>,
}

#[derive(Debug)]
struct Control {
    /// While true, no byte is forwarded in either direction.
    stalled: watch::Sender<bool>,
    /// Bumped to drop every open connection.
    cuts: watch::Sender<u64>,
    accepted: AtomicU64,
}

impl Proxy {
    /// Listens on a free loopback port and forwards to `127.0.0.1:<upstream>`.
    pub async fn start(upstream: u16) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("proxy listens");
        let port = listener.local_addr().expect("proxy address").port();
        let control = Arc::new(Control {
            stalled: watch::Sender::new(false),
            cuts: watch::Sender::new(0),
            accepted: AtomicU64::new(0),
        });
        let accept_control = control.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                accept_control.accepted.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(connection(client, upstream, accept_control.clone()));
            }
        });
        Self {
            port,
            control,
            task,
        }
    }

    /// `redis://127.0.0.1:<proxy port>/0`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// Drops every open connection (both sides see the socket close); new ones are accepted.
    pub fn cut(&self) {
        self.control.cuts.send_modify(|cuts| *cuts += 1);
    }

    /// Stops (`true`) or resumes (`false`) forwarding; connections stay open meanwhile.
    pub fn stall(&self, stalled: bool) {
        self.control.stalled.send_replace(stalled);
    }

    /// Connections accepted so far (reconnections included).
    pub fn connections(&self) -> u64 {
        self.control.accepted.load(Ordering::SeqCst)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
        self.cut();
    }
}

async fn connection(client: TcpStream, upstream: u16, control: Arc<Control>) {
    let mut cuts = control.cuts.subscribe();
    cuts.mark_unchanged();
    let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)).await else {
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (client_read, client_write) = client.into_split();
    let (server_read, server_write) = server.into_split();
    let up = pump(client_read, server_write, control.stalled.subscribe());
    let down = pump(server_read, client_write, control.stalled.subscribe());
    tokio::select! {
        _ = async { tokio::join!(up, down) } => {}
        _ = cuts.changed() => {}
    }
}

/// Copies bytes one way, holding them while the proxy is stalled.
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    mut stalled: watch::Receiver<bool>,
) {
    let mut buffer = vec![0u8; 16 * 1024];
    loop {
        let read = match from.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(read) => read,
        };
        if stalled.wait_for(|stalled| !*stalled).await.is_err() {
            break;
        }
        if to.write_all(&buffer[..read]).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}
