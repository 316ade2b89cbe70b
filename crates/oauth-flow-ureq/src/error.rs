//! Transport errors, the driver's error, and the failure that hands a state
//! back.

use std::fmt;

use oauth_flow::{
    AuthorizeError, CallbackError, ChainError, ChallengeError, ConfigError, DiscoveryError,
    FlowState, IdentityError, RefreshError, RegistrationError, RevocationError, StepUpError,
    TokenError,
};

#[cfg(doc)]
use crate::Config;
use crate::receiver::ReceiverError;

/// Whether a request that failed may have reached the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Delivery {
    /// The request never left this process: the URL was refused locally, the
    /// name did not resolve, the connection or the TLS handshake failed.
    /// Sending it again is safe, even for a single-use code.
    NotSent,
    /// The request may have reached the server (a timeout or a broken
    /// connection after sending, or an answer that could not be read). The
    /// server may have acted on it: a code may be spent, a refresh token
    /// rotated. Do not send a code again.
    Unknown,
}

/// A request that could not be sent, or whose answer could not be read.
///
/// Kept apart from the OAuth errors: these say nothing about the server's
/// opinion. [`delivery`](Self::delivery) tells whether the request may have
/// reached the server.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The URL is plain `http` to a host that is not loopback. Use `https`,
    /// or opt in with [`Config::danger_allow_plain_http_to_any_host`].
    #[error("refused to send to {url}: plain http is allowed only to loopback hosts")]
    InsecureUrl {
        /// The URL.
        url: String,
    },
    /// The URL is not an absolute `http` or `https` URL with a host.
    #[error("cannot send to {url:?}: not an absolute http or https URL")]
    UnsupportedUrl {
        /// The URL.
        url: String,
    },
    /// The name did not resolve, the connection was refused or timed out, or
    /// the TLS handshake failed. The request was not sent.
    #[error("could not connect: {0}")]
    Connect(#[source] ureq::Error),
    /// The request was sent, or partly sent, and no answer came before the
    /// timeout. The server may have acted on it.
    #[error("request sent, no answer before the timeout: {0}")]
    Timeout(#[source] ureq::Error),
    /// The response body is larger than the configured limit. It was not
    /// cut short and parsed: the whole response is refused.
    #[error("response body is larger than {limit} bytes")]
    BodyTooLarge {
        /// The limit.
        limit: usize,
    },
    /// The connection failed after the request was sent (reset, closed
    /// early, a malformed answer). The server may have acted on it.
    #[error("request sent, the answer could not be read: {0}")]
    Interrupted(#[source] ureq::Error),
}

impl TransportError {
    /// Whether the request may have reached the server.
    pub fn delivery(&self) -> Delivery {
        match self {
            Self::InsecureUrl { .. } | Self::UnsupportedUrl { .. } | Self::Connect(_) => {
                Delivery::NotSent
            }
            Self::Timeout(_) | Self::BodyTooLarge { .. } | Self::Interrupted(_) => {
                Delivery::Unknown
            }
        }
    }

    /// Whether sending the same request again is safe: it never left.
    pub fn is_safe_to_retry(&self) -> bool {
        self.delivery() == Delivery::NotSent
    }
}

/// Why a driver step failed: the transport, or one of the core's checks.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request could not be sent or its answer not read.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The issuer or the client configuration cannot be used.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The metadata could not be fetched or used.
    #[error(transparent)]
    Discovery(#[from] DiscoveryError),
    /// The authorization request could not be built.
    #[error(transparent)]
    Authorize(#[from] AuthorizeError),
    /// The loopback receiver failed or timed out.
    #[error(transparent)]
    Receiver(#[from] ReceiverError),
    /// The receiver listens at another address than the client's
    /// `redirect_uri`, so the server would redirect elsewhere. Build the
    /// client configuration with the receiver's
    /// [`redirect_uri`](crate::LoopbackReceiver::redirect_uri).
    #[error("the receiver listens at {receiver}, but the client's redirect_uri is {redirect_uri}")]
    RedirectUriMismatch {
        /// The client's `redirect_uri`.
        redirect_uri: String,
        /// The receiver's address.
        receiver: String,
    },
    /// The callback was refused.
    #[error(transparent)]
    Callback(#[from] CallbackError),
    /// The token endpoint refused, or answered something unusable.
    #[error(transparent)]
    Token(#[from] TokenError),
    /// A refresh could not start.
    #[error(transparent)]
    Refresh(#[from] RefreshError),
    /// A revocation could not start, or was refused.
    #[error(transparent)]
    Revocation(#[from] RevocationError),
    /// No well-known URL of the issuer gave a usable metadata document.
    /// Each URL tried comes with why it was not used; a 404 everywhere
    /// usually means the issuer URL is wrong.
    #[error("no usable metadata for the issuer; tried {}", describe_tried(tried))]
    NoMetadata {
        /// Each URL, with why it was not used.
        tried: Vec<(String, DiscoveryError)>,
    },
    /// The protected resource's authorization server could not be found.
    #[error(transparent)]
    Chain(#[from] ChainError),
    /// No client identity fits the authorization server.
    #[error(transparent)]
    Identity(#[from] IdentityError),
    /// Dynamic client registration failed.
    #[error(transparent)]
    Registration(#[from] RegistrationError),
    /// A protected resource's `WWW-Authenticate` field is malformed.
    #[error(transparent)]
    Challenge(#[from] ChallengeError),
    /// The resource keeps asking for more scope.
    #[error(transparent)]
    StepUp(#[from] StepUpError),
    /// The operating system's random number generator failed.
    #[error("the operating system's random number generator failed: {0}")]
    Rng(#[source] rand::rngs::SysError),
}

impl Error {
    /// The transport error, when the failure is one.
    pub fn transport(&self) -> Option<&TransportError> {
        match self {
            Self::Transport(error) => Some(error),
            _ => None,
        }
    }

    /// Whether the same step may be run again at once: only when the request
    /// was never sent.
    pub fn is_safe_to_retry(&self) -> bool {
        self.transport()
            .is_some_and(TransportError::is_safe_to_retry)
    }
}

/// A driver step that failed, with the state to go on from when there is one.
///
/// Each driver method says which state comes back and when. The state may
/// hold secrets; its `Debug` output does not show them.
pub struct Failed {
    error: Error,
    state: Option<Box<FlowState>>,
}

impl Failed {
    pub(crate) fn new(error: impl Into<Error>, state: Option<FlowState>) -> Self {
        Self {
            error: error.into(),
            state: state.map(Box::new),
        }
    }

    pub(crate) fn stateless(error: impl Into<Error>) -> Self {
        Self::new(error, None)
    }

    /// Why the step failed.
    pub fn error(&self) -> &Error {
        &self.error
    }

    /// The state to go on from, if any.
    pub fn state(&self) -> Option<&FlowState> {
        self.state.as_deref()
    }

    /// The error, dropping the state.
    pub fn into_error(self) -> Error {
        self.error
    }

    /// Both parts.
    pub fn into_parts(self) -> (Error, Option<FlowState>) {
        (self.error, self.state.map(|state| *state))
    }

    /// Whether the step may be run again at once from the returned state.
    pub fn is_safe_to_retry(&self) -> bool {
        self.error.is_safe_to_retry()
    }
}

impl fmt::Debug for Failed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Failed")
            .field("error", &self.error)
            .field("state", &self.state.as_ref().map(|state| state.name()))
            .finish()
    }
}

impl fmt::Display for Failed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.error.fmt(f)
    }
}

impl std::error::Error for Failed {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

fn describe_tried(tried: &[(String, DiscoveryError)]) -> String {
    let each: Vec<String> = tried
        .iter()
        .map(|(url, error)| format!("{url} ({error})"))
        .collect();
    each.join("; ")
}
