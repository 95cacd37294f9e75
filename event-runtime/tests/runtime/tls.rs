//! `rediss://` end to end (feature `tls`): a `redis-server` that speaks TLS only, with
//! certificates from a throw-away CA made by the `openssl` CLI for each test.
//!
//! ```sh
//! cargo test -p event-runtime --features tls --test tls
//! ```
//!
//! A test target of its own (`required-features = ["tls"]` in Cargo.toml), so the default
//! `cargo test --workspace` neither builds rustls nor needs `openssl`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use event_runtime::testing::{RedisServer, ServerTls};
use event_runtime::{
    Config, Envelope, ErrorKind, Event, HandlerError, LiveSubscription, Publisher, Subscriber,
};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

const WAIT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Event)]
#[event(name = "parcel.shipped", version = 1)]
struct ParcelShippedV1 {
    #[serde(flatten)]
    envelope: Envelope,
    parcel_id: i64,
}

fn parcel(parcel_id: i64) -> ParcelShippedV1 {
    ParcelShippedV1 {
        envelope: Envelope::new(),
        parcel_id,
    }
}

/// PEM files of one throw-away CA, a server certificate for `127.0.0.1` and a client
/// certificate, all signed by that CA. Removed on drop.
struct Pki {
    dir: tempfile::TempDir,
}

impl Pki {
    fn generate() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("event-runtime-tls-")
            .tempdir()
            .expect("temp dir");
        let pki = Self { dir };
        std::fs::write(
            pki.path("ca.cnf"),
            "[req]\ndistinguished_name = dn\nx509_extensions = ca\nprompt = no\n\
             [dn]\nCN = event-runtime test CA\n\
             [ca]\nbasicConstraints = critical, CA:TRUE\n\
             keyUsage = critical, keyCertSign, cRLSign\nsubjectKeyIdentifier = hash\n",
        )
        .expect("ca.cnf");
        pki.openssl(&[
            "req",
            "-x509",
            "-config",
            "ca.cnf",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
        ]);
        pki.leaf(
            "server",
            "subjectAltName = IP:127.0.0.1, DNS:localhost\nextendedKeyUsage = serverAuth\n",
        );
        pki.leaf("client", "extendedKeyUsage = clientAuth\n");
        pki
    }

    /// `<name>.key` and `<name>.pem`, signed by the CA with these extensions.
    fn leaf(&self, name: &str, extensions: &str) {
        let extensions_file = format!("{name}.ext");
        std::fs::write(
            self.path(&extensions_file),
            format!(
                "basicConstraints = CA:FALSE\nkeyUsage = critical, digitalSignature\n{extensions}"
            ),
        )
        .expect("extensions file");
        let (key, csr, pem) = (
            format!("{name}.key"),
            format!("{name}.csr"),
            format!("{name}.pem"),
        );
        let subject = format!("/CN=event-runtime test {name}");
        self.openssl(&[
            "req",
            "-new",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            &key,
            "-out",
            &csr,
            "-subj",
            &subject,
        ]);
        self.openssl(&[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-out",
            &pem,
            "-extfile",
            &extensions_file,
        ]);
    }

    fn openssl(&self, args: &[&str]) {
        let output = match Command::new("openssl")
            .args(args)
            .current_dir(self.dir.path())
            .output()
        {
            Ok(output) => output,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => panic!(
                "openssl not found on PATH: the TLS tests make their certificates with it; \
                 install it with `apt-get install openssl`"
            ),
            Err(error) => panic!("running openssl: {error}"),
        };
        assert!(
            output.status.success(),
            "openssl {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn server_files(&self) -> ServerTls {
        ServerTls {
            cert_file: self.path("server.pem"),
            key_file: self.path("server.key"),
            ca_cert_file: self.path("ca.pem"),
        }
    }
}

fn start(pki: &Pki, extra_args: &[&str]) -> RedisServer {
    RedisServer::start_tls(pki.server_files(), extra_args).unwrap_or_else(|error| panic!("{error}"))
}

/// A config read as `Config::from_env` would read these variables.
fn config_from(vars: &[(&str, &Path)], redis_url: &str) -> Config {
    let mut map: HashMap<String, String> = vars
        .iter()
        .map(|(name, path)| ((*name).to_owned(), path.to_string_lossy().into_owned()))
        .collect();
    map.insert("REDIS_URL".to_owned(), redis_url.to_owned());
    map.insert("EVENT_SERVICE_NAME".to_owned(), "tls-tests".to_owned());
    map.insert(
        "EVENT_PUBLISHER_PUBLISH_TIMEOUT".to_owned(),
        "3000".to_owned(),
    );
    map.insert("EVENT_SUBSCRIBER_BLOCK_TIME".to_owned(), "50".to_owned());
    Config::from_lookup(|name| map.get(name).cloned()).expect("valid settings")
}

/// Publishes one event and receives it through a consumer group and through pub/sub.
async fn publish_and_consume(config: &Config) {
    let mut live = LiveSubscription::<ParcelShippedV1>::connect(config)
        .await
        .expect("live subscription over TLS");
    let (handled, mut received) = mpsc::unbounded_channel();
    let subscriber = Subscriber::builder(config)
        .on(move |event: ParcelShippedV1| {
            let handled = handled.clone();
            async move {
                let _ = handled.send(event);
                Ok::<(), HandlerError>(())
            }
        })
        .build()
        .await
        .expect("subscriber over TLS")
        .spawn();
    let publisher = Publisher::new(config).await.expect("publisher over TLS");
    let published = parcel(42);
    publisher.publish(&published).await.expect("publish");
    let consumed = tokio::time::timeout(WAIT, received.recv())
        .await
        .expect("consumed in time")
        .expect("handler ran");
    assert_eq!(consumed.envelope.event_id, published.envelope.event_id);
    assert_eq!(consumed.parcel_id, 42);
    let broadcast = tokio::time::timeout(WAIT, live.next())
        .await
        .expect("broadcast in time")
        .expect("subscription open")
        .expect("decodes");
    assert_eq!(broadcast.envelope.event_id, published.envelope.event_id);
    subscriber.shutdown().await.expect("shutdown");
    let health = publisher.health().await;
    assert!(health.redis_connected, "{health:?}");
}

#[tokio::test]
async fn publish_and_consume_over_tls_trusting_a_private_ca_as_an_acl_user() {
    let pki = Pki::generate();
    // The default user is off: only `app` with its password gets in.
    let server = start(
        &pki,
        &[
            "--user", "default", "off", "--user", "app", "on", ">s3cret", "~*", "&*", "+@all",
        ],
    );
    let url = format!("rediss://app:s3cret@127.0.0.1:{}/0", server.port());
    let config = config_from(&[("EVENT_REDIS_TLS_CA_FILE", &pki.path("ca.pem"))], &url);
    publish_and_consume(&config).await;

    let wrong_password = config_from(
        &[("EVENT_REDIS_TLS_CA_FILE", &pki.path("ca.pem"))],
        &url.replace("s3cret", "guess"),
    );
    let error = Publisher::new(&wrong_password)
        .await
        .expect_err("wrong password");
    let message = error.to_string();
    assert!(!message.contains("guess"), "password shown: {message}");
    assert!(message.contains("rediss://app:***@127.0.0.1"), "{message}");
}

#[tokio::test]
async fn publish_and_consume_over_tls_with_requirepass() {
    let pki = Pki::generate();
    let server = start(&pki, &["--requirepass", "pa55"]);
    assert!(server.url().starts_with("rediss://127.0.0.1:"));
    let url = format!("rediss://:pa55@127.0.0.1:{}/0", server.port());
    let config = config_from(&[("EVENT_REDIS_TLS_CA_FILE", &pki.path("ca.pem"))], &url);
    publish_and_consume(&config).await;
}

#[tokio::test]
async fn mutual_tls_presents_the_client_certificate() {
    let pki = Pki::generate();
    let server = start(&pki, &["--tls-auth-clients", "yes"]);
    let ca_only = config_from(
        &[("EVENT_REDIS_TLS_CA_FILE", &pki.path("ca.pem"))],
        &server.url(),
    );
    let error = Publisher::new(&ca_only)
        .await
        .expect_err("the server wants a client certificate");
    assert_eq!(error.kind(), ErrorKind::Connection, "{error}");
    assert!(
        error.to_string().ends_with(
            "(the server wants a client certificate: set EVENT_REDIS_TLS_CERT_FILE and EVENT_REDIS_TLS_KEY_FILE)"
        ),
        "{error}"
    );

    let config = config_from(
        &[
            ("EVENT_REDIS_TLS_CA_FILE", &pki.path("ca.pem")),
            ("EVENT_REDIS_TLS_CERT_FILE", &pki.path("client.pem")),
            ("EVENT_REDIS_TLS_KEY_FILE", &pki.path("client.key")),
        ],
        &server.url(),
    );
    publish_and_consume(&config).await;
}

#[tokio::test]
async fn a_server_certificate_from_another_ca_is_refused_with_a_clear_error() {
    let pki = Pki::generate();
    let server = start(&pki, &[]);
    let other = Pki::generate();
    let config = config_from(
        &[("EVENT_REDIS_TLS_CA_FILE", &other.path("ca.pem"))],
        &server.url(),
    );
    let error = Publisher::new(&config).await.expect_err("untrusted server");
    assert_eq!(error.kind(), ErrorKind::Connection, "{error}");
    let message = error.to_string();
    let location = format!("could not connect to Redis at {}: ", server.url());
    assert!(message.starts_with(&location), "{message}");
    assert!(message.contains("invalid peer certificate"), "{message}");
    assert!(
        message.ends_with(
            "(the server's certificate is not signed by a CA of EVENT_REDIS_TLS_CA_FILE, or not for this host name)"
        ),
        "{message}"
    );

    // Without a CA setting only the public roots are trusted: the hint says what to set.
    let public_roots = config_from(&[], &server.url());
    let message = Publisher::new(&public_roots)
        .await
        .expect_err("private CA not trusted")
        .to_string();
    assert!(
        message
            .ends_with("(for a server certificate from a private CA, set EVENT_REDIS_TLS_CA_FILE)"),
        "{message}"
    );
}
