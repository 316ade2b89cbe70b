//! The errors, one type per concern.
//!
//! Three kinds of failure are kept apart:
//! - the caller's misuse (a scope with a space, a refresh without a refresh
//!   token): the state is handed back inside [`Rejected`] where it stays usable;
//! - the server's refusal or violation: typed, with the server's own
//!   [`OAuthError`] unchanged;
//! - transport failures, which never reach the core: they live in the adapters.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::form::FormError;
use crate::response::{Excerpt, is_unprintable};

/// An OAuth error response, exactly as the server sent it (RFC 6749 §4.1.2.1
/// for redirects, §5.2 for token responses, RFC 7009 §2.2.1 for revocation).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OAuthError {
    /// The error code, such as `invalid_grant` or `access_denied`. Kept as a
    /// string: servers send codes the RFCs do not list (GitHub's
    /// `bad_verification_code`, `bad_refresh_token`).
    pub error: String,
    /// `error_description`: text meant for the developer.
    pub error_description: Option<String>,
    /// `error_uri`: a page about the error.
    pub error_uri: Option<String>,
}

impl OAuthError {
    /// Reads the three members from a decoded body; `None` when `error` is not
    /// a string. Non-string descriptions are dropped rather than failing.
    pub(crate) fn from_object(object: &Map<String, Value>) -> Option<Self> {
        let text = |name: &str| object.get(name).and_then(Value::as_str).map(str::to_owned);
        Some(Self {
            error: text("error")?,
            error_description: text("error_description"),
            error_uri: text("error_uri"),
        })
    }

    /// Whether the error says the grant (code or refresh token) is no longer
    /// good, so the person must authorize again (RFC 6749 §5.2 `invalid_grant`,
    /// and GitHub's `bad_refresh_token` / `bad_verification_code`).
    pub fn is_invalid_grant(&self) -> bool {
        matches!(
            self.error.as_str(),
            "invalid_grant" | "bad_refresh_token" | "bad_verification_code"
        )
    }

    /// Whether trying again later may succeed (`temporarily_unavailable`,
    /// `server_error`, `slow_down`).
    pub fn is_temporary(&self) -> bool {
        matches!(
            self.error.as_str(),
            "temporarily_unavailable" | "server_error" | "slow_down"
        )
    }
}

/// Writes server-supplied text with control characters replaced, so a hostile
/// description cannot move a terminal's cursor or forge log lines.
struct Printable<'a>(&'a str);

impl fmt::Display for Printable<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.0.chars() {
            fmt::Write::write_char(f, if is_unprintable(c) { '\u{fffd}' } else { c })?;
        }
        Ok(())
    }
}

impl fmt::Display for OAuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`", Printable(&self.error))?;
        if let Some(description) = &self.error_description {
            write!(f, ": {}", Printable(description))?;
        }
        if let Some(uri) = &self.error_uri {
            write!(f, " (see {})", Printable(uri))?;
        }
        Ok(())
    }
}

/// A transition that did not happen, with the state handed back when it is
/// still usable.
///
/// `S` is the state type, or `Option` of it where some failures end the flow
/// (see [`AwaitingCallback::handle_callback`](crate::AwaitingCallback::handle_callback)).
/// Boxed, so a `Result` carrying it stays small.
pub struct Rejected<S, E>(Box<(S, E)>);

impl<S, E> Rejected<S, E> {
    pub(crate) fn new(state: S, error: E) -> Self {
        Self(Box::new((state, error)))
    }

    /// Why the transition did not happen.
    pub fn error(&self) -> &E {
        &self.0.1
    }

    /// The state the transition started from.
    pub fn state(&self) -> &S {
        &self.0.0
    }

    /// The state, dropping the error.
    pub fn into_state(self) -> S {
        self.0.0
    }

    /// The error, dropping the state.
    pub fn into_error(self) -> E {
        self.0.1
    }

    /// Both parts.
    pub fn into_parts(self) -> (S, E) {
        *self.0
    }

    pub(crate) fn map_state<T>(self, f: impl FnOnce(S) -> T) -> Rejected<T, E> {
        let (state, error) = *self.0;
        Rejected::new(f(state), error)
    }
}

impl<S: fmt::Debug, E: fmt::Debug> fmt::Debug for Rejected<S, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rejected")
            .field("error", self.error())
            .field("state", self.state())
            .finish()
    }
}

impl<S, E: fmt::Display> fmt::Display for Rejected<S, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.error().fmt(f)
    }
}

impl<S: fmt::Debug, E: std::error::Error + 'static> std::error::Error for Rejected<S, E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(self.error())
    }
}

/// A client configuration or issuer that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A URL did not parse.
    #[error("{what} is not a valid URL: {source}")]
    InvalidUrl {
        /// Which URL (`issuer`, `redirect_uri`, ...).
        what: &'static str,
        /// The parser's complaint.
        source: url::ParseError,
    },
    /// A URL uses plain `http` on a host that is not loopback, or another
    /// scheme the member does not allow. Use `https`; plain `http` is accepted
    /// only for `localhost`, `127.0.0.0/8` and `[::1]`.
    #[error("{what} must use https (plain http only on loopback hosts): {url}")]
    Insecure {
        /// Which URL.
        what: &'static str,
        /// The URL as given.
        url: String,
    },
    /// An issuer with a query or fragment (RFC 8414 §2 forbids both).
    #[error("issuer must not have a query or fragment: {url}")]
    IssuerWithQueryOrFragment {
        /// The issuer as given.
        url: String,
    },
    /// A URL that cannot be the target of an HTTP request.
    #[error("{what} cannot be used as an HTTP request target: {url}")]
    NotARequestTarget {
        /// Which URL.
        what: &'static str,
        /// The URL.
        url: String,
    },
    /// An issuer with a user name or password (`https://user:pw@host`).
    #[error("issuer must not hold a user name or password: {url}")]
    IssuerWithCredentials {
        /// The issuer as given.
        url: String,
    },
    /// A redirect URI with a fragment (RFC 6749 §3.1.2 forbids it).
    #[error("redirect_uri must not have a fragment: {url}")]
    RedirectUriWithFragment {
        /// The redirect URI as given.
        url: String,
    },
    /// The chosen client authentication needs a client secret and none was set.
    /// Set one with [`ClientConfig::client_secret`](crate::ClientConfig::client_secret).
    #[error("client authentication `{method}` needs a client secret")]
    SecretRequired {
        /// The method that was chosen.
        method: &'static str,
    },
}

/// The authorization server's metadata could not be fetched or used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DiscoveryError {
    /// The metadata URL answered with a redirect. Redirects are not followed:
    /// the issuer must serve its own metadata (RFC 8414 §3).
    #[error("metadata request was redirected ({status}) to {location:?}; redirects are refused")]
    Redirect {
        /// The 3xx status.
        status: u16,
        /// Where it pointed.
        location: Option<String>,
    },
    /// A status other than 2xx. A 404 usually means the server publishes no
    /// RFC 8414 document: try the OpenID Connect one, or supply metadata by hand.
    #[error("metadata request failed with HTTP {status}: {excerpt}")]
    Status {
        /// The status.
        status: u16,
        /// The start of the body.
        excerpt: Excerpt,
    },
    /// The body is larger than [`MAX_BODY_BYTES`](crate::MAX_BODY_BYTES).
    #[error("metadata document is larger than {limit} bytes")]
    BodyTooLarge {
        /// The limit.
        limit: usize,
    },
    /// The body is not a JSON object (an HTML page from a catch-all route, say).
    #[error("metadata is not a JSON object (content type {content_type:?}): {excerpt}")]
    NotJson {
        /// The `Content-Type` the server sent.
        content_type: Option<String>,
        /// The start of the body.
        excerpt: Excerpt,
    },
    /// A required member is missing or null.
    #[error("metadata has no `{member}`")]
    MissingMember {
        /// The member's name.
        member: &'static str,
    },
    /// A member has the wrong type or an unusable value.
    #[error("metadata member `{member}` is invalid: expected {expected}")]
    InvalidMember {
        /// The member's name.
        member: &'static str,
        /// What was expected.
        expected: &'static str,
    },
    /// An endpoint is not `https`. Plain `http` is allowed on loopback only,
    /// and only for a loopback `http` issuer: an `https` server cannot aim
    /// the client at a plain-http service on the user's machine.
    #[error(
        "metadata member `{member}` must be an https URL (http only on loopback, for a loopback \
         issuer): {url:?}"
    )]
    InsecureEndpoint {
        /// The member's name.
        member: &'static str,
        /// The URL the server sent.
        url: String,
    },
    /// The document's `issuer` is not the issuer that was asked for (RFC 8414
    /// §3.3). This can be a mix-up attack; it can also be a configuration
    /// error on either side. Check the issuer URL you configured.
    #[error("metadata issuer {found:?} is not the expected {expected:?}")]
    IssuerMismatch {
        /// The issuer asked for.
        expected: String,
        /// The issuer in the document.
        found: String,
    },
    /// The metadata and the client configuration do not fit together: an
    /// unusable issuer URL, or an authentication method without a secret.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// `response_types_supported` does not list `code`.
    #[error("server does not support response_type=code (it lists {advertised:?})")]
    CodeFlowUnsupported {
        /// What it lists.
        advertised: Vec<String>,
    },
    /// A client secret is configured, but the server lists no client
    /// authentication method this library speaks. Choose one explicitly with
    /// [`ClientConfig::auth_method`](crate::ClientConfig::auth_method).
    #[error(
        "server supports none of client_secret_basic, client_secret_post (it lists {advertised:?})"
    )]
    NoSupportedAuthMethod {
        /// What it lists.
        advertised: Vec<String>,
    },
}

/// An authorization request could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthorizeError {
    /// An extra parameter would override one the flow sets itself
    /// (`state`, `code_challenge`, `redirect_uri`, ...).
    #[error("parameter `{name}` is set by the flow and cannot be overridden")]
    ReservedParameter {
        /// The parameter's name.
        name: String,
    },
    /// A scope is empty or holds a character RFC 6749 §3.3 does not allow
    /// (a space, a quote, a backslash, a control character).
    #[error("scope {scope:?} is not a valid scope token (RFC 6749 §3.3)")]
    InvalidScope {
        /// The scope.
        scope: String,
    },
    /// A resource indicator is not an absolute URI without a fragment
    /// (RFC 8707 §2).
    #[error("resource {resource:?} must be an absolute URI without a fragment")]
    InvalidResource {
        /// The resource as given.
        resource: String,
    },
    /// The server lists `code_challenge_methods_supported` without `S256`.
    /// The flow always uses S256 and never `plain`; if the server is known to
    /// accept S256 anyway, opt in with
    /// [`Leniency::s256_not_advertised`](crate::Leniency::s256_not_advertised).
    #[error("server does not list PKCE method S256 (it lists {advertised:?})")]
    S256NotAdvertised {
        /// What it lists.
        advertised: Vec<String>,
    },
    /// The client requires advertised PKCE support
    /// ([`ClientConfig::require_advertised_pkce`](crate::ClientConfig::require_advertised_pkce),
    /// the MCP rule) and the server's metadata has no
    /// `code_challenge_methods_supported`. If the server is known to support
    /// S256 anyway, opt in with
    /// [`Leniency::s256_not_advertised`](crate::Leniency::s256_not_advertised).
    #[error("server does not advertise PKCE support (no code_challenge_methods_supported)")]
    PkceNotAdvertised,
    /// The client credentials grant needs a confidential client: configure
    /// a secret ([`ClientConfig::client_secret`](crate::ClientConfig::client_secret)).
    #[error("the client credentials grant needs a client secret")]
    ConfidentialClientRequired,
}

/// A redirect back from the authorization server was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CallbackError {
    /// The redirect URL is longer than [`MAX_CALLBACK_BYTES`](crate::MAX_CALLBACK_BYTES).
    #[error("callback URL is longer than {limit} bytes")]
    TooLong {
        /// The limit.
        limit: usize,
    },
    /// The query could not be decoded.
    #[error("callback query is malformed: {0}")]
    Malformed(#[source] FormError),
    /// A parameter appears more than once (RFC 6749 §3.1).
    #[error("callback repeats parameter {name:?}")]
    DuplicateParameter {
        /// The parameter's name.
        name: String,
    },
    /// The callback has no `state`. It did not come from this flow's request.
    #[error("callback has no `state`; it does not belong to this login")]
    StateMissing,
    /// The callback's `state` is not this flow's. It belongs to another
    /// login, or it was forged.
    #[error("callback `state` does not match this login")]
    StateMismatch,
    /// The server advertises RFC 9207 `iss` but the callback has none.
    #[error("callback has no `iss` although the server advertises it (expected {expected:?})")]
    IssuerMissing {
        /// The issuer expected.
        expected: String,
    },
    /// The callback's `iss` is not the issuer the flow started with (RFC 9207
    /// §2.4): a possible mix-up attack. The code is not used.
    #[error("callback `iss` {found:?} is not the expected {expected:?}")]
    IssuerMismatch {
        /// The issuer expected.
        expected: String,
        /// The issuer received.
        found: String,
    },
    /// The server redirected back with an error (RFC 6749 §4.1.2.1), after the
    /// `state` and `iss` checks passed.
    #[error("authorization server refused: {0}")]
    Authorization(OAuthError),
    /// The callback carries neither `code` nor `error`.
    #[error("callback has neither `code` nor `error`")]
    CodeMissing,
}

/// A token response (code exchange or refresh) could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// The server answered with an OAuth error (RFC 6749 §5.2), whatever the
    /// HTTP status was (GitHub sends errors with 200).
    #[error("token endpoint refused: {0}")]
    Server(OAuthError),
    /// The token endpoint answered with a redirect. A 307 or 308 would replay
    /// the code and credentials to another address, so none is followed.
    #[error("token endpoint redirected ({status}) to {location:?}; redirects are refused")]
    Redirect {
        /// The 3xx status.
        status: u16,
        /// Where it pointed.
        location: Option<String>,
    },
    /// The response is neither a token nor an OAuth error (an HTML error
    /// page, a proxy's message, a 5xx).
    #[error("unexpected token endpoint response: HTTP {status}, {content_type:?}: {excerpt}")]
    UnexpectedResponse {
        /// The status.
        status: u16,
        /// The `Content-Type` the server sent.
        content_type: Option<String>,
        /// The start of the body, credentials redacted.
        excerpt: Excerpt,
    },
    /// The body is larger than [`MAX_BODY_BYTES`](crate::MAX_BODY_BYTES).
    #[error("token response is larger than {limit} bytes")]
    BodyTooLarge {
        /// The limit.
        limit: usize,
    },
    /// The response has no `access_token`.
    #[error("token response has no `access_token`")]
    MissingAccessToken,
    /// `access_token` is not a string of visible ASCII (RFC 6749 Appendix A.12).
    #[error("token response `access_token` is not a string of visible ASCII characters")]
    InvalidAccessToken,
    /// The response has no `token_type` (RFC 6749 §5.1 requires it). VK,
    /// LinkedIn and Foursquare omit it; opt in with
    /// [`Leniency::missing_token_type_is_bearer`](crate::Leniency::missing_token_type_is_bearer).
    #[error("token response has no `token_type`")]
    MissingTokenType,
    /// `token_type` is not a string.
    #[error("token response `token_type` is not a string")]
    InvalidTokenType,
}

impl TokenError {
    /// Whether the person must authorize again: the code or refresh token was
    /// refused as invalid, expired, revoked or already used.
    pub fn needs_reauthorization(&self) -> bool {
        matches!(self, Self::Server(error) if error.is_invalid_grant())
    }

    /// Whether the same request may succeed later: a 5xx or 429 without an
    /// OAuth body, or `temporarily_unavailable` / `server_error`. A code
    /// exchange is never retried (the code may be spent); this is for refresh.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Server(error) => error.is_temporary(),
            Self::UnexpectedResponse { status, .. } => *status >= 500 || *status == 429,
            _ => false,
        }
    }
}

/// A refresh could not start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RefreshError {
    /// The server issued no refresh token (or refused the last one). Authorize
    /// again, starting from [`Authorized::discovered`](crate::Authorized::discovered).
    #[error("no refresh token; authorize again")]
    NoRefreshToken,
    /// The token endpoint was guessed (the 2025-03-26 MCP defaults for a
    /// server without metadata), and the caller did not opt in to sending a
    /// refresh token there with
    /// [`Leniency::refresh_at_guessed_endpoint`](crate::Leniency::refresh_at_guessed_endpoint).
    /// Authorize again, or opt in if the server is known.
    #[error("token endpoint {endpoint} was guessed, not published; no refresh token is sent there")]
    GuessedEndpoint {
        /// The guessed token endpoint.
        endpoint: String,
    },
}

/// A revocation could not start, or the server refused it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RevocationError {
    /// The server's metadata names no `revocation_endpoint`. Tokens can only
    /// be dropped locally.
    #[error("server offers no revocation endpoint; the tokens can only be forgotten locally")]
    Unsupported,
    /// A refresh token was to be revoked but there is none.
    #[error("there is no refresh token to revoke")]
    NoRefreshToken,
    /// The server answered with an OAuth error (RFC 7009 §2.2.1), such as
    /// `unsupported_token_type`.
    #[error("revocation endpoint refused: {0}")]
    Server(OAuthError),
    /// The revocation endpoint answered with a redirect; it is not followed.
    #[error("revocation endpoint redirected ({status}); redirects are refused")]
    Redirect {
        /// The 3xx status.
        status: u16,
    },
    /// Neither success nor an OAuth error (a 503 asks to try again later,
    /// RFC 7009 §2.2.1).
    #[error("unexpected revocation response: HTTP {status}: {excerpt}")]
    UnexpectedResponse {
        /// The status.
        status: u16,
        /// The start of the body.
        excerpt: Excerpt,
    },
}

/// No `Authorization` header can be made from the tokens.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BearerError {
    /// The access token is expired (or within the skew margin of it). Refresh.
    #[error("access token expired; refresh it")]
    Expired,
    /// The stored access token holds characters a header cannot carry (only
    /// possible with a hand-edited snapshot). Authorize again.
    #[error("access token cannot be sent in a header")]
    InvalidToken,
    /// The server issued a token that is not a bearer token (`DPoP`, `mac`):
    /// sending it as `Bearer` would be wrong.
    #[error("token type {token_type:?} is not Bearer")]
    NotBearer {
        /// The type the server named.
        token_type: String,
    },
}

/// A persisted state could not be read back.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PersistError {
    /// The text is not an oauth-flow snapshot.
    #[error("not an oauth-flow state snapshot")]
    NotASnapshot,
    /// The snapshot was written by a version of this library whose format this
    /// one does not read. Start the flow again.
    #[error("snapshot format version {found} is not supported (this library reads {supported})")]
    UnsupportedVersion {
        /// The version found.
        found: u64,
        /// The version this library reads.
        supported: u64,
    },
    /// The snapshot is larger than [`MAX_SNAPSHOT_BYTES`](crate::MAX_SNAPSHOT_BYTES).
    #[error("snapshot is larger than {limit} bytes")]
    TooLarge {
        /// The limit.
        limit: usize,
    },
    /// The snapshot's state does not decode (a damaged or hand-edited file).
    /// Only the kind of problem is kept: the decoder's own message can quote
    /// the stored values, which are secrets.
    #[error("snapshot state is invalid: {reason}")]
    Invalid {
        /// What is wrong, in general terms.
        reason: &'static str,
    },
}
