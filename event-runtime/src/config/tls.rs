//! TLS for `rediss://` URLs: the certificates ([`TlsConfig`]), and the files
//! `EVENT_REDIS_TLS_*` name, read and checked once by `Config::from_env`.

use std::fmt;

use super::Config;
use super::error::ConfigError;

/// Certificates for `rediss://` connections (feature `tls`); see [TLS](super#tls).
///
/// Empty by default: the server's certificate must then chain to a public (webpki) root.
/// `Debug` shows sizes only, never the private key.
#[derive(Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TlsConfig {
    /// PEM certificates of the CAs trusted to sign the server's certificate, *instead of* the
    /// public roots (`EVENT_REDIS_TLS_CA_FILE`).
    pub ca_pem: Option<Vec<u8>>,
    /// A client certificate and its key, for servers that require one (mutual TLS).
    pub client_identity: Option<ClientIdentity>,
}

/// A client certificate and its private key, both PEM (`EVENT_REDIS_TLS_CERT_FILE`,
/// `EVENT_REDIS_TLS_KEY_FILE`).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClientIdentity {
    /// The certificate chain, leaf first.
    pub certificate_chain_pem: Vec<u8>,
    /// The private key: PKCS#8, PKCS#1 or SEC1.
    pub private_key_pem: Vec<u8>,
}

impl TlsConfig {
    /// No private CA, no client certificate.
    pub fn new() -> Self {
        Self::default()
    }

    /// Trusts the CA certificates in `pem` (instead of the public roots).
    #[must_use]
    pub fn trust_ca_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.ca_pem = Some(pem.into());
        self
    }

    /// Presents this certificate chain and key to the server (mutual TLS).
    #[must_use]
    pub fn client_identity_pem(
        mut self,
        certificate_chain: impl Into<Vec<u8>>,
        private_key: impl Into<Vec<u8>>,
    ) -> Self {
        self.client_identity = Some(ClientIdentity {
            certificate_chain_pem: certificate_chain.into(),
            private_key_pem: private_key.into(),
        });
        self
    }

    /// Whether nothing is set (public roots, no client certificate).
    pub fn is_empty(&self) -> bool {
        self.ca_pem.is_none() && self.client_identity.is_none()
    }
}

impl fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsConfig")
            .field(
                "ca_pem",
                &self.ca_pem.as_ref().map(|pem| PemSize(pem.len())),
            )
            .field("client_identity", &self.client_identity)
            .finish()
    }
}

impl fmt::Debug for ClientIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientIdentity")
            .field(
                "certificate_chain_pem",
                &PemSize(self.certificate_chain_pem.len()),
            )
            .field("private_key_pem", &format_args!("<hidden>"))
            .finish()
    }
}

/// Shows PEM data as its size.
struct PemSize(usize);

impl fmt::Debug for PemSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{} bytes of PEM>", self.0)
    }
}

/// `EVENT_REDIS_TLS_*`: reads the files they name. Empty values count as unset.
pub(super) fn read_files(
    read: &mut impl FnMut(&str) -> Option<(String, String)>,
    config: &Config,
) -> Result<TlsConfig, ConfigError> {
    let mut read = |name: &str| read(name).filter(|(_, path)| !path.is_empty());
    let ca = read("EVENT_REDIS_TLS_CA_FILE");
    let cert = read("EVENT_REDIS_TLS_CERT_FILE");
    let key = read("EVENT_REDIS_TLS_KEY_FILE");
    let Some((first_name, first_path)) = ca.as_ref().or(cert.as_ref()).or(key.as_ref()) else {
        return Ok(TlsConfig::default());
    };
    let mut tls = TlsConfig::default();
    if let Some(entry) = &ca {
        tls.ca_pem = Some(pem_file(entry, "CERTIFICATE", "a PEM certificate")?);
    }
    match (&cert, &key) {
        (Some(cert), Some(key)) => {
            tls.client_identity = Some(ClientIdentity {
                certificate_chain_pem: pem_file(cert, "CERTIFICATE", "a PEM certificate")?,
                private_key_pem: pem_file(key, "PRIVATE KEY", "a PEM private key")?,
            });
        }
        (Some((name, path)), None) => {
            return Err(ConfigError::new(
                name,
                path,
                "needs EVENT_REDIS_TLS_KEY_FILE too (the certificate's private key)",
            ));
        }
        (None, Some((name, path))) => {
            return Err(ConfigError::new(
                name,
                path,
                "needs EVENT_REDIS_TLS_CERT_FILE too (the certificate of this key)",
            ));
        }
        (None, None) => {}
    }
    if !cfg!(feature = "tls") {
        return Err(ConfigError::new(
            first_name,
            first_path,
            "TLS needs the `tls` feature of event-runtime",
        ));
    }
    let uses_tls = [config.publisher_url(), config.subscriber_url()]
        .iter()
        .any(|url| url.trim_start().starts_with("rediss://"));
    if !uses_tls {
        return Err(ConfigError::new(
            first_name,
            first_path,
            "is set but no Redis URL uses `rediss://` (TLS)",
        ));
    }
    Ok(tls)
}

/// Reads a PEM file and checks that it holds a `-----BEGIN <...label>-----` block (`label`
/// `PRIVATE KEY` matches `RSA PRIVATE KEY` and `EC PRIVATE KEY` too).
fn pem_file(
    (name, path): &(String, String),
    label: &str,
    what: &str,
) -> Result<Vec<u8>, ConfigError> {
    let pem = std::fs::read(path)
        .map_err(|error| ConfigError::new(name, path, format!("cannot be read: {error}")))?;
    let text = String::from_utf8_lossy(&pem);
    let labels: Vec<&str> = text
        .split("-----BEGIN ")
        .skip(1)
        .filter_map(|block| block.split_once("-----").map(|(label, _)| label))
        .collect();
    if labels.contains(&"ENCRYPTED PRIVATE KEY") {
        return Err(ConfigError::new(
            name,
            path,
            "is an encrypted private key; decrypt it first (`openssl pkey -in <file> -out <new file>`)",
        ));
    }
    if !labels.iter().any(|found| found.ends_with(label)) {
        return Err(ConfigError::new(
            name,
            path,
            format!("is not {what} file (no `-----BEGIN {label}-----` block)"),
        ));
    }
    Ok(pem)
}
