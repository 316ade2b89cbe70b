//! What the transport may do: timeouts, body size, user agent, and the one
//! named relaxation.

use std::time::Duration;

/// The `User-Agent` sent unless the request already names one.
pub const DEFAULT_USER_AGENT: &str = concat!("oauth-flow/", env!("CARGO_PKG_VERSION"));

/// How long connecting (name lookup and TLS handshake included) may take: 10 s.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a whole call may take, connecting included: 30 s.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The transport's settings, written as a builder.
///
/// The defaults are the safe ones: redirects are never followed (the core
/// turns a 3xx into a typed error), connecting times out after
/// [`DEFAULT_CONNECT_TIMEOUT`], a whole call after [`DEFAULT_TIMEOUT`], a
/// response body larger than [`oauth_flow::MAX_BODY_BYTES`] is an error, and
/// plain `http` goes to loopback hosts only. Nothing here follows redirects;
/// there is no switch for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    pub(crate) connect_timeout: Duration,
    pub(crate) timeout: Duration,
    pub(crate) max_body_bytes: usize,
    pub(crate) user_agent: String,
    pub(crate) plain_http_to_any_host: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            max_body_bytes: oauth_flow::MAX_BODY_BYTES,
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            plain_http_to_any_host: false,
        }
    }
}

impl Config {
    /// The defaults (see the type's documentation).
    pub fn new() -> Self {
        Self::default()
    }

    /// How long connecting may take: name lookup, TCP and the TLS handshake.
    /// A call that fails here was never sent.
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long a whole call may take, from connecting to the last byte of
    /// the body. A call that fails here after connecting may have reached the
    /// server.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The largest response body read. A larger body is an error, never cut
    /// short. Values above [`oauth_flow::MAX_BODY_BYTES`] only help callers
    /// that send their own requests: the core refuses larger bodies anyway.
    #[must_use]
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body_bytes = limit;
        self
    }

    /// The `User-Agent` for requests that do not carry one.
    #[must_use]
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Lets plain `http` go to any host, not only to loopback ones. Tokens,
    /// codes and client secrets then cross the network unencrypted: use it
    /// only for a test network you control. The core's own endpoint checks
    /// still apply to the URLs it builds.
    #[must_use]
    pub fn danger_allow_plain_http_to_any_host(mut self) -> Self {
        self.plain_http_to_any_host = true;
        self
    }
}
