//! Sans-IO OAuth 2.0 client flows: authorization code with PKCE, as explicit
//! states that describe HTTP requests and read HTTP responses.
//!
//! This crate opens no socket, reads no clock and draws from no global RNG.
//! Each step of a flow is a value of its own type. A step hands you the
//! [`http::Request`] to send; you hand it the [`http::Response`] you got, the
//! current time and, where a secret is drawn, a CSPRNG. It answers with the
//! next step or a typed error. The same flow therefore runs in a unit test, a
//! blocking script, an async server or a fuzzer, and replays exactly.
//!
//! The adapters `oauth-flow-ureq` (blocking) and `oauth-flow-reqwest` (async)
//! send the requests with safe defaults; this crate is what they drive.
//!
//! # The states
//!
//! ```text
//!  Discovering --metadata response--> Discovered <---------------------------+
//!                                         | authorize(rng, params)           |
//!                                         v                                  |
//!                        AwaitingCallback + authorization URL                |
//!                                         | handle_callback(redirect URL)    |
//!                                         v   (state, iss, error checked)    |
//!                                    Exchanging                              |
//!                                         | handle_response(token, now)      |
//!                                         v                                  |
//!             +--------------------> Authorized --check(now) past expiry--+  |
//!             |                       |      |   or reject()              v  |
//!             | handle_response       |      |                       Expired |
//!             |   (token, now)        |      +-------revoke---+        |  |  |
//!        Refreshing <---refresh()-----+                       v        |  |  |
//!             ^                                           Revoking <---+  |  |
//!             +-----------------------refresh()---------------|-----------+  |
//!                                                             v              |
//!                                                          Revoked ----------+
//! ```
//!
//! Transitions consume the state they leave, so a code cannot be exchanged
//! twice and a rotating refresh token cannot be spent twice by mistake. Where
//! a failure leaves the state usable (a forged callback, a refresh the server
//! could not answer), it comes back inside [`Rejected`].
//!
//! # A whole flow
//!
//! Every response below is canned; in real use each `request()` goes through
//! an HTTP client that does not follow redirects.
//!
//! ```
//! use std::time::{Duration, SystemTime};
//! use http::Response;
//! use oauth_flow::{AuthorizeParams, ClientConfig, Discovering, Freshness, TokenTypeHint};
//! # use rand_core::SeedableRng as _;
//! # fn json(body: &str) -> Response<Vec<u8>> {
//! #     Response::builder().header("content-type", "application/json")
//! #         .body(body.as_bytes().to_vec()).unwrap()
//! # }
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // Any CSPRNG: `rand::rng()` in an application, a seeded one in tests.
//! let mut rng = rand_chacha::ChaCha20Rng::from_seed([7; 32]);
//! let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
//!
//! // Discovering: GET https://as.example.com/.well-known/oauth-authorization-server
//! let client = ClientConfig::new("my-cli", "http://127.0.0.1:8976/callback")?;
//! let discovering = Discovering::new("https://as.example.com", client)?;
//! assert_eq!(discovering.request().uri().path(), "/.well-known/oauth-authorization-server");
//! let discovered = discovering.handle_response(&json(r#"{
//!     "issuer": "https://as.example.com",
//!     "authorization_endpoint": "https://as.example.com/authorize",
//!     "token_endpoint": "https://as.example.com/token",
//!     "revocation_endpoint": "https://as.example.com/revoke",
//!     "code_challenge_methods_supported": ["S256"]
//! }"#))?;
//!
//! // Discovered → AwaitingCallback: show `url` to the person.
//! let params = AuthorizeParams::new().scope("read");
//! let (awaiting, url) = discovered.authorize(&mut rng, params)?;
//! # let state = url.query_pairs().find(|(k, _)| k == "state").unwrap().1.into_owned();
//!
//! // AwaitingCallback → Exchanging: the browser comes back to the redirect URI.
//! let redirect = format!("http://127.0.0.1:8976/callback?code=abc&state={state}");
//! let exchanging = awaiting.handle_callback(&redirect)?;
//!
//! // Exchanging → Authorized: POST the code and the PKCE verifier.
//! let _token_request = exchanging.request();
//! let authorized = exchanging.handle_response(
//!     &json(r#"{"access_token":"at-1","token_type":"bearer","expires_in":3600,
//!              "refresh_token":"rt-1"}"#),
//!     now,
//! )?;
//! assert_eq!(authorized.bearer(now)?, "Bearer at-1");
//!
//! // Authorized → Expired, an hour later.
//! let later = now + Duration::from_secs(3600);
//! let Freshness::Expired(expired) = authorized.check(later) else { unreachable!() };
//!
//! // Expired → Refreshing → Authorized. No new refresh token: the old one stays.
//! let refreshing = expired.refresh()?;
//! let _refresh_request = refreshing.request();
//! let authorized = refreshing.handle_response(
//!     &json(r#"{"access_token":"at-2","token_type":"Bearer","expires_in":3600}"#),
//!     later,
//! )?;
//! assert_eq!(authorized.tokens().refresh_token().map(|t| t.secret()), Some("rt-1"));
//!
//! // Authorized → Revoking → Revoked.
//! let revoking = authorized.revoke(TokenTypeHint::RefreshToken)?;
//! let _revocation_request = revoking.request();
//! let revoked = revoking.handle_response(&Response::new(Vec::<u8>::new()))?;
//! # let _ = revoked;
//! # Ok(()) }
//! ```
//!
//! # Persistence
//!
//! Every state is `Serialize + Deserialize`, and [`FlowState`] wraps any of
//! them in a versioned envelope: [`FlowState::to_snapshot`] writes JSON,
//! [`FlowState::from_snapshot`] reads it back in another process (a CLI that
//! stores the pending login in a file, a web server that keeps it in a
//! session). A snapshot of another format version is refused with
//! [`PersistError::UnsupportedVersion`]; endpoints and configuration are
//! checked again on the way in. Snapshots hold secrets in clear: store them
//! like a password file (the CLI writes them with mode 0600).
//!
//! # Errors
//!
//! One error type per concern, each variant documented with what to do:
//! [`ConfigError`], [`DiscoveryError`], [`AuthorizeError`], [`CallbackError`],
//! [`TokenError`], [`RefreshError`], [`RevocationError`], [`BearerError`],
//! [`PersistError`]. Three kinds of failure are kept apart:
//!
//! - **the caller's misuse** (a scope with a space, a refresh without a
//!   refresh token): the state comes back in [`Rejected`], still usable;
//! - **the server's refusal or violation**: the server's own `error`,
//!   `error_description` and `error_uri` arrive unchanged in an
//!   [`OAuthError`]; [`TokenError::needs_reauthorization`] tells an
//!   `invalid_grant` (log in again) from [`TokenError::is_retryable`] failures;
//! - **transport failures** never reach this crate: the adapters report them,
//!   including whether the request was sent at all.
//!
//! A body that cannot be parsed is reported with its status, content type and
//! an [`Excerpt`]: at most [`MAX_EXCERPT_CHARS`] characters, credentials
//! redacted.
//!
//! # Security checks
//!
//! None of these is relaxed by default.
//!
//! - PKCE S256 on every authorization request; `plain` is never sent. A server
//!   whose `code_challenge_methods_supported` lacks `S256` is refused unless
//!   [`Leniency::s256_not_advertised`] is set.
//! - `state` and the code verifier are 256 bits from the caller's CSPRNG;
//!   `state` is compared in constant time; a missing, different or repeated
//!   `state` is refused before anything else in the callback is believed,
//!   so a forged callback cannot show its own error text.
//! - The metadata's `issuer` must equal the issuer asked for (RFC 8414 §3.3);
//!   the callback's `iss` must equal it whenever present, and must be present
//!   when the server advertises RFC 9207.
//! - Every endpoint is `https`, or plain `http` on a loopback host; redirect
//!   URIs are `https`, loopback `http` or a private-use scheme.
//! - Any 3xx from the metadata, token or revocation endpoint is an error: a
//!   307 would replay the code and secret elsewhere.
//! - Client secrets, tokens, codes, verifiers and `state` have their own types
//!   whose `Debug` prints `[redacted]`, which zeroize on drop and compare in
//!   constant time. Header values carrying them are marked sensitive.
//! - Input is bounded: [`MAX_BODY_BYTES`], [`MAX_CALLBACK_BYTES`],
//!   [`MAX_PAIRS`], [`MAX_SNAPSHOT_BYTES`].
//!
//! # Leniency
//!
//! Real servers break the RFCs in ways that cost nothing to accept. These are
//! accepted by default and recorded as a [`Deviation`] on the [`TokenSet`]:
//!
//! | Server behaviour | Seen at | Handling |
//! |---|---|---|
//! | `expires_in` as a string, or with a fraction | Azure AD v1, PayPal | read as seconds |
//! | `expires_in` negative or garbage | | expiry unknown, token kept |
//! | `expires_in` missing or `null` | many, on refresh | unknown or default, never the old one |
//! | `token_type` `bearer` in lower case | GitHub, Okta, Linear | always sent as `Bearer` |
//! | `scope` as a JSON array | Twitch | read as the scopes |
//! | `scope` as a comma list | GitHub | kept raw in [`TokenSet::scope_as_sent`] |
//! | form-encoded token response | GitHub | read when labelled so |
//! | an error body with HTTP 200 | GitHub | an error |
//! | a token with HTTP 201 | some servers | a success |
//! | JSON labelled `text/plain` | Kanidm, gateways | read as JSON |
//! | refresh response without `refresh_token` | Google, Salesforce, Zoho | the old one is kept |
//! | issuer `https://host/` vs `https://host` | Google | equal; no other difference is |
//! | `null` for an optional member | many | absent |
//!
//! Relaxations that weaken a check are opt-in, by name, in [`Leniency`]:
//! a missing `token_type` read as Bearer (VK, LinkedIn, Foursquare), and
//! S256 sent to a server that does not advertise it.
//!
//! # Resource servers and the MCP authorization profile
//!
//! When a protected resource answers 401 or 403, [`ResourceAnswer::of`] says
//! what it means, and [`BearerChallenge::from_headers`] reads its
//! `WWW-Authenticate` fields (RFC 9110 §11.6.1): the Bearer (or DPoP)
//! challenge's `resource_metadata`, `scope`, `error` and `error_description`,
//! each matched by its exact name. A 401 with `error="invalid_token"` means the
//! token was refused: call [`Authorized::reject`] and refresh.
//! [`www_authenticate::parse`] gives every challenge of a field.
//!
//! A client that starts from nothing but a resource's URL (an MCP client)
//! runs the chain the MCP authorization profile orders, as states:
//!
//! ```text
//!  ResourceChain --resource metadata (RFC 9728), then server metadata--> Located
//!  Located --identify(ClientIdentity)--> Discovered (then authorize as above)
//!          +-> Registering (RFC 7591) --> RegisteredClient --> Located::discovered
//!  403 insufficient_scope --> ScopeStepUp::next --> authorize with the union
//! ```
//!
//! - [`ResourceChain`] tries the challenge's `resource_metadata`, then the
//!   path-suffixed and the root well-known URLs; the document must name this
//!   resource (the same origin and a path prefix). Then the first
//!   authorization server's metadata, RFC 8414 and OpenID Connect in the MCP
//!   order, each document believed for its issuer, not for its URL.
//! - With no resource metadata at all, [`LegacyMode`] decides whether the
//!   2025-03-26 profile applies: the resource's origin is the server, its
//!   RFC 8414 document must name an issuer of that origin, and without one
//!   the endpoints `/authorize`, `/token` and `/register` are guessed. A
//!   refresh token goes to a guessed endpoint only when the caller chose
//!   [`LegacyMode::Always`]. A document that exists but fails a check is an
//!   error, never a reason to guess.
//! - [`Located::discovered`] sets [`ClientConfig::require_advertised_pkce`]:
//!   a server without `code_challenge_methods_supported` is refused unless
//!   [`Leniency::s256_not_advertised`] says it is known to support S256.
//! - [`select_scopes`]: the challenge's `scope`, else every scope the resource
//!   supports, else none; `offline_access` exactly when the authorization
//!   server lists it. [`ScopeStepUp`] bounds re-authorization for more scope.
//! - [`Located::identify`] picks the client identity: credentials kept for
//!   this issuer, a client ID metadata document where supported, dynamic
//!   registration; never credentials of another issuer.
//!   [`RegisteredClient::client_config`] honours the method the server
//!   returned.
//! - The resource identifier is sent as the metadata writes it, on the
//!   authorization, token and refresh requests.
//! - [`Discovered::client_credentials`] runs the client credentials grant
//!   (RFC 6749 §4.4) for clients that act for themselves.
//!
//! # Time and logging
//!
//! Times are whole seconds from the `now` you pass. A token counts as expired
//! [`DEFAULT_EXPIRY_SKEW`] before its expiry (configurable, capped at half its
//! lifetime). The crate logs through `tracing`: one `debug` event per state
//! change, naming the state, and nothing else; no token, code, verifier,
//! secret or callback URL is ever logged.
#![forbid(unsafe_code)]
// Library code handles every failure; tests may unwrap.
#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod authorized;
mod awaiting;
mod candidates;
mod chain;
mod challenge;
mod client_credentials;
mod config;
mod discovered;
mod discovering;
mod endpoint;
mod error;
mod exchanging;
mod form;
mod metadata;
mod persist;
mod pkce;
mod refreshing;
mod registration;
mod request;
mod resource;
mod response;
mod revoking;
mod secret;
mod step_up;
mod token;

pub use authorized::{Authorized, Expired, Freshness};
pub use awaiting::{AwaitingCallback, CallbackFilter, MAX_CALLBACK_BYTES};
pub use candidates::{MetadataDiscovery, MetadataDiscoveryOutcome};
pub use chain::{
    ChainError, ChainOutcome, ClientIdentity, Identified, IdentityError, LegacyMode, Located,
    ResourceChain, select_scopes,
};
pub use challenge::{BearerChallenge, Challenge, ChallengeError, MAX_CHALLENGE_BYTES};
pub use client_credentials::ClientCredentials;
/// `WWW-Authenticate` parsing (RFC 9110 §11.6.1) beyond the bearer challenge.
pub mod www_authenticate {
    pub use crate::challenge::{parse, parse_headers};
}
pub use config::{ClientAuthMethod, ClientConfig, DEFAULT_EXPIRY_SKEW, Leniency};
pub use discovered::{AuthorizeParams, Discovered};
pub use discovering::Discovering;
pub use endpoint::{Endpoint, EndpointError};
pub use error::{
    AuthorizeError, BearerError, CallbackError, ConfigError, DiscoveryError, OAuthError,
    PersistError, RefreshError, Rejected, RevocationError, TokenError,
};
pub use exchanging::Exchanging;
pub use form::{FormError, MAX_PAIRS};
pub use metadata::{AuthorizationServerMetadata, WellKnown};
pub use persist::{FlowState, MAX_SNAPSHOT_BYTES, SNAPSHOT_VERSION};
pub use refreshing::Refreshing;
pub use registration::{ClientRegistration, RegisteredClient, Registering, RegistrationError};
pub use resource::{
    ProtectedResourceMetadata, ResourceDiscovery, ResourceDiscoveryOutcome, ResourceMetadataError,
    resource_matches, resource_metadata_candidates, usable_metadata_url,
};
pub use response::{Excerpt, MAX_BODY_BYTES, MAX_EXCERPT_CHARS};
pub use revoking::{Revoked, Revoking, TokenTypeHint};
pub use secret::{
    AccessToken, AuthorizationCode, ClientSecret, CodeVerifier, CsrfState, IdToken, RefreshToken,
};
pub use step_up::{DEFAULT_MAX_AUTHORIZATIONS, ResourceAnswer, ScopeStepUp, StepUpError};
pub use token::{Deviation, MAX_LIFETIME_SECS, TokenSet, TokenType};

/// Re-exported so callers name the same versions the core uses.
pub use http;
pub use rand_core;
pub use url;
