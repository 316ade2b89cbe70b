//! A local OAuth 2.0 authorization server for tests.
//!
//! `oauth-flow-testkit` starts a real HTTP server (axum on tokio) on `127.0.0.1` with an
//! ephemeral port and plays the authorization server and a protected resource, well
//! enough to drive a whole client flow with no network and no account. It can be told
//! to behave like real servers that broke OAuth clients ([`Quirk`]), so a client's
//! tests can show how it copes with them.
//!
//! It shares no code with the `oauth-flow` client on purpose: a test server that parses
//! requests with the client's own code shares the client's bugs.
//!
//! # Starting it in a test
//!
//! [`TestServer::start`] returns once the server listens; dropping the handle stops it.
//! The server runs on its own tokio runtime in its own thread, so the same call works in
//! a plain `#[test]` and inside `#[tokio::test]`:
//!
//! ```no_run
//! use oauth_flow_testkit::{ServerConfig, TestServer};
//!
//! #[test]
//! fn blocking_client_logs_in() {
//!     let server = TestServer::start(ServerConfig::default());
//!     // point the client at server.issuer() or server.metadata_url() ...
//! }
//!
//! #[tokio::test]
//! async fn async_client_logs_in() {
//!     let server = TestServer::start(ServerConfig::default());
//!     // await the client against server.issuer() ...
//! }
//! ```
//!
//! # A whole flow, step by step
//!
//! Any HTTP client will do; this one is `ureq` with redirects turned off (a client must
//! not follow redirects from `/authorize` or `/token` by itself).
//!
//! ```
//! use base64::Engine as _;
//! use base64::engine::general_purpose::URL_SAFE_NO_PAD;
//! use oauth_flow_testkit::{DEMO_CLIENT_ID, ServerConfig, TestServer};
//! use sha2::{Digest as _, Sha256};
//! use url::Url;
//!
//! let server = TestServer::start(ServerConfig::default());
//! let config = ureq::Agent::config_builder()
//!     .max_redirects(0)
//!     .http_status_as_error(false)
//!     .build();
//! let http = ureq::Agent::new_with_config(config);
//!
//! // Discovery: RFC 8414 metadata.
//! let body = http.get(&server.metadata_url()).call()?.body_mut().read_to_string()?;
//! let metadata: serde_json::Value = serde_json::from_str(&body)?;
//! assert_eq!(metadata["issuer"], server.issuer());
//!
//! // Authorization request with PKCE S256. Consent is automatic: the answer is a 302 to
//! // the redirect URI. The demo client's loopback redirect URI matches any port.
//! let verifier = "a-verifier-of-at-least-43-characters-from-the-unreserved-set";
//! let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
//! let redirect_uri = "http://127.0.0.1:8976/callback";
//! let mut authorize = Url::parse(&server.authorization_endpoint())?;
//! authorize
//!     .query_pairs_mut()
//!     .append_pair("response_type", "code")
//!     .append_pair("client_id", DEMO_CLIENT_ID)
//!     .append_pair("redirect_uri", redirect_uri)
//!     .append_pair("state", "s1")
//!     .append_pair("code_challenge", &challenge)
//!     .append_pair("code_challenge_method", "S256");
//! let response = http.get(authorize.as_str()).call()?;
//! assert_eq!(response.status(), 302);
//! let callback = Url::parse(response.headers()["location"].to_str()?)?;
//! let param = |name: &str| {
//!     callback.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
//! };
//! assert_eq!(param("state").as_deref(), Some("s1"));
//! assert_eq!(param("iss").as_deref(), Some(server.issuer()));
//! let code = param("code").expect("a code");
//!
//! // Token request: the code, the verifier, the same redirect URI.
//! let mut response = http.post(&server.token_endpoint()).send_form([
//!     ("grant_type", "authorization_code"),
//!     ("code", code.as_str()),
//!     ("redirect_uri", redirect_uri),
//!     ("code_verifier", verifier),
//!     ("client_id", DEMO_CLIENT_ID),
//! ])?;
//! assert_eq!(response.status(), 200);
//! let tokens: serde_json::Value = serde_json::from_str(&response.body_mut().read_to_string()?)?;
//! let access_token = tokens["access_token"].as_str().expect("an access token");
//!
//! // The protected resource accepts it ...
//! let response = http
//!     .get(&server.resource_url())
//!     .header("authorization", format!("Bearer {access_token}"))
//!     .call()?;
//! assert_eq!(response.status(), 200);
//!
//! // ... until the server's clock says it has expired.
//! server.expire_all_access_tokens();
//! let response = http
//!     .get(&server.resource_url())
//!     .header("authorization", format!("Bearer {access_token}"))
//!     .call()?;
//! assert_eq!(response.status(), 401);
//!
//! // The record shows what the client sent, for instance that the code was sent once.
//! assert_eq!(server.requests_to("/token").len(), 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! With `oauth-flow`, hand `server.issuer()` to discovery and let the driver do the
//! rest; the default clients ([`DEMO_CLIENT_ID`], [`DEMO_CONFIDENTIAL_CLIENT_ID`]) are
//! registered with the redirect URI [`DEMO_REDIRECT_URI`].
//!
//! # What it serves
//!
//! - `/.well-known/oauth-authorization-server[/<issuer path>]`: RFC 8414 metadata, with
//!   the issuer path inserted after the well-known prefix (§3.1).
//! - `<issuer>/.well-known/openid-configuration`: the same document, when
//!   [`ServerConfig::openid_configuration`] is on.
//! - `<issuer>/authorize`: automatic consent, a 302 with `code`, `state` and `iss`
//!   (RFC 9207); PKCE S256 is required.
//! - `<issuer>/token`: `authorization_code` with PKCE, and `refresh_token` with rotation
//!   and reuse detection.
//! - `<issuer>/revoke`: RFC 7009 revocation.
//! - `<issuer>/register`: RFC 7591 dynamic client registration.
//! - `/resource`: a protected resource answering 401 or 403 with
//!   `WWW-Authenticate: Bearer …, resource_metadata="…"`.
//! - `/.well-known/oauth-protected-resource`: RFC 9728 metadata of that resource.
//!
//! Errors follow RFC 6749 §5.2: JSON with status 400, or 401 with a `Basic` challenge for
//! `invalid_client`. Token responses carry `Cache-Control: no-store`. Codes are
//! single-use (a second exchange fails and revokes what the first one issued) and live
//! 60 seconds; a rotated refresh token presented again revokes its whole grant. Client
//! authentication accepts `none`, `client_secret_post` and `client_secret_basic` with the
//! id and secret form-encoded before base64 (RFC 6749 §2.3.1).
//!
//! # Time
//!
//! Expiry follows the server's own clock, real time since start plus an offset that
//! [`TestServer::advance`] moves forward; [`TestServer::expire_all_access_tokens`]
//! expires what was issued so far. Neither needs a sleep.
//!
//! # Quirks
//!
//! [`ServerConfig::quirk`] turns on a [`Quirk`]; several combine. GitHub's token
//! endpoint, for example, is
//! `[FormEncodedUnlessJsonAccepted, ErrorWithStatus200, LowercaseBearer,
//! CommaSeparatedScope]`, and [`Quirk::Razorpay`] is a whole documented MCP server.
//!
//! # Safety of the tool itself
//!
//! The server binds `127.0.0.1` only, never another interface, and every URL it hands
//! out, redirects included, points at itself or at the client's registered redirect
//! URI. The request record ([`RecordedRequest`]) keeps secrets in clear text so tests
//! can check them; its `Debug` output redacts them. Tokens and codes come from the
//! thread RNG of the `rand` crate.

mod authorize;
mod client_auth;
mod clock;
mod config;
mod error;
mod form;
mod metadata;
mod quirks;
mod record;
mod register;
mod resource;
mod revoke;
mod server;
mod store;
mod token;

use std::sync::{Mutex, MutexGuard, PoisonError};

pub use config::{
    AuthMethod, AuthorizeOutcome, ClientConfig, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET,
    DEMO_CONFIDENTIAL_CLIENT_ID, DEMO_REDIRECT_URI, ServerConfig,
};
pub use quirks::{OVERSIZED_BODY_BYTES, Quirk};
pub use record::RecordedRequest;
pub use server::TestServer;

/// Locks a mutex, going on after a panic elsewhere: the data is test state, and a
/// panicking test must not hide its own message behind a poisoned lock.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
