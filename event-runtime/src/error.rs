//! The error of the runtime: publishing, consuming, replay, configuration.

use std::error::Error as StdError;
use std::fmt;

/// What kind of failure an [`Error`] is; see [`Error::kind`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A setting is malformed or settings contradict each other.
    Config,
    /// The event breaks its schema's constraints or could not be encoded; nothing was written.
    Invalid,
    /// The event is larger than the size limit; nothing was written.
    TooLarge,
    /// Redis did not answer in time.
    Timeout,
    /// Redis could not be reached, the connection broke, or the server is not ready yet (it is
    /// loading its data after a restart, a failover is in progress).
    Connection,
    /// Redis answered with an error (wrong credentials, a read-only replica, ...).
    Redis,
    /// Data read from Redis could not be decoded.
    Decode,
    /// The subscriber was built wrongly (no handler, two handlers for one type, ...).
    Usage,
    /// A handler failed (replay stops at the first failure).
    Handler,
    /// The event was written, but fewer replicas than asked acknowledged it in time (durable
    /// publish, `WAIT`): a failover now could lose it. Not retried by the publisher, as that
    /// would write it again.
    NotReplicated,
    /// A start-up check of the fleet registry refused: this publisher's schemas disagree with
    /// what the running fleet registered (a released version edited in place, or a version a
    /// live consumer group cannot read). The message names the type, the version, the other
    /// service and what to do.
    Refused,
}

/// An error of the runtime.
///
/// Opaque on purpose: match on [`kind`](Error::kind) or use the predicates
/// ([`is_timeout`](Error::is_timeout), [`is_connection`](Error::is_connection), ...). The
/// message never contains a password from a Redis URL nor the value of a sensitive field.
pub struct Error {
    kind: ErrorKind,
    message: String,
    /// The Redis error code (`NOGROUP`, `BUSYGROUP`, ...) of a server error.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    code: Option<String>,
    source: Option<Box<dyn StdError + Send + Sync>>,
}

/// The result of the runtime's operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            code: None,
            source: None,
        }
    }

    pub(crate) fn with_source(mut self, source: impl StdError + Send + Sync + 'static) -> Self {
        self.source = Some(Box::new(source));
        self
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// Redis did not answer within the configured time.
    pub fn is_timeout(&self) -> bool {
        self.kind == ErrorKind::Timeout
    }

    /// Redis could not be reached or the connection broke.
    pub fn is_connection(&self) -> bool {
        self.kind == ErrorKind::Connection
    }

    /// The write was not confirmed by enough replicas (durable publish).
    pub fn is_not_replicated(&self) -> bool {
        self.kind == ErrorKind::NotReplicated
    }

    /// Trying again later may succeed (timeouts and connection failures).
    pub fn is_retryable(&self) -> bool {
        matches!(self.kind, ErrorKind::Timeout | ErrorKind::Connection)
    }

    /// The event was rejected before anything was written (invalid or too large).
    pub fn is_rejected(&self) -> bool {
        matches!(self.kind, ErrorKind::Invalid | ErrorKind::TooLarge)
    }

    /// The consumer group or its stream does not exist (`NOGROUP`).
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) fn is_no_group(&self) -> bool {
        self.code_is("NOGROUP")
    }

    /// Sets the error code, as the in-memory backend answers `NOGROUP` like Redis does.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) fn with_code(mut self, code: &str) -> Self {
        self.code = Some(code.to_owned());
        self
    }

    /// The Redis error code is `code`.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) fn code_is(&self, code: &str) -> bool {
        self.code.as_deref() == Some(code)
    }

    /// Prefixes the message with what was being done.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) fn context(mut self, context: impl fmt::Display) -> Self {
        self.message = format!("{context}: {}", self.message);
        self
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.kind)
            .field("message", &self.message)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|source| source as &(dyn StdError + 'static))
    }
}

/// A setting made in code that breaks its rule, as a publisher or subscriber built from it
/// reports it: by the setting's field (and variable).
impl From<crate::config::Broken> for Error {
    fn from(broken: crate::config::Broken) -> Self {
        Error::new(ErrorKind::Config, broken.for_code())
    }
}

impl From<crate::config::ConfigError> for Error {
    fn from(error: crate::config::ConfigError) -> Self {
        Error::new(ErrorKind::Config, error.to_string()).with_source(error)
    }
}

impl From<crate::EncodeError> for Error {
    fn from(error: crate::EncodeError) -> Self {
        Error::new(ErrorKind::Invalid, error.to_string()).with_source(error)
    }
}

impl From<crate::DecodeError> for Error {
    fn from(error: crate::DecodeError) -> Self {
        Error::new(ErrorKind::Decode, error.to_string()).with_source(error)
    }
}

#[cfg(feature = "redis")]
impl From<redis::RedisError> for Error {
    fn from(error: redis::RedisError) -> Self {
        let kind = if error.is_timeout() {
            ErrorKind::Timeout
        } else if error.is_io_error()
            || error.is_connection_dropped()
            || error.is_connection_refusal()
            // LOADING after a restart, TRYAGAIN, MASTERDOWN, CLUSTERDOWN: nothing was done,
            // and the same command succeeds a moment later.
            || matches!(error.retry_method(), redis::RetryMethod::WaitAndRetry)
            // MOVED or ASK that reached us (redis-rs follows them, up to its retries), a node
            // of the cluster not reachable (failover in progress): nothing was done, and the
            // cluster client finds the slot's node when asked again.
            || is_cluster_redirect(&error)
            || error.kind() == redis::ErrorKind::ClusterConnectionNotFound
        {
            ErrorKind::Connection
        } else {
            ErrorKind::Redis
        };
        let mut converted = Error::new(kind, format!("redis: {error}"));
        converted.code = error.code().map(str::to_owned);
        converted.with_source(error)
    }
}

/// A cluster redirection or retry (`MOVED`, `ASK`, `TRYAGAIN`, `CLUSTERDOWN`), also as the
/// cause of a failed pipeline or an aborted transaction.
#[cfg(feature = "redis")]
pub(crate) fn is_cluster_redirect(error: &redis::RedisError) -> bool {
    use redis::ServerErrorKind::{Ask, ClusterDown, Moved, TryAgain};
    error.is_cluster_error()
        || error.clone().into_server_errors().is_some_and(|errors| {
            errors.iter().any(|(_, error)| {
                matches!(error.kind(), Some(Moved | Ask | TryAgain | ClusterDown))
            })
        })
}
