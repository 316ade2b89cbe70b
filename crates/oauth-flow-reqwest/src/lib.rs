//! An async driver for [`oauth_flow`] on [`reqwest`], and an async wait on
//! the loopback redirect receiver for native apps.
//!
//! The core crate decides what to send and checks what comes back; this
//! crate sends it. [`Transport::send`] turns one request description into one
//! call; [`Driver`] runs a whole flow with the core's states; and
//! [`LoopbackReceiver`] catches the browser's redirect on `127.0.0.1`
//! (RFC 8252 §7.3); [`wait_for_callback`] awaits it. Every future is `Send`,
//! so the driver runs inside `tokio::spawn`.
//!
//! ```text
//! driver.discover --> Discovered --driver.login------------------> Authorized
//!                      |  authorize: URL -> open_url(&url)            |   ^
//!                      |  wait_for_callback -> handle_callback        |   | ensure_fresh /
//!                      |  exchange: POST /token, once                 |   | refresh
//!                      +----------------------------------------------+   |
//!                                                     Authorized ---------+
//!                                                     Authorized -driver.revoke-> Revoked
//! ```
//!
//! # A whole flow
//!
//! This runs against the `oauth-flow-testkit` server on loopback; the
//! "browser" is a task that follows the authorization server's redirect to
//! the receiver by hand.
//!
//! ```
//! use std::time::{Duration, SystemTime};
//! use oauth_flow::{AuthorizeParams, ClientConfig, TokenTypeHint};
//! use oauth_flow::http::{Request, header};
//! use oauth_flow_testkit::{DEMO_CLIENT_ID, ServerConfig, TestServer};
//! use oauth_flow_reqwest::{Config, Driver, LoopbackReceiver};
//!
//! # #[tokio::main]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let server = TestServer::start(ServerConfig::default());
//! let mut driver = Driver::new(Config::default())?;
//!
//! // Discovered: bind the receiver first, its address is the redirect_uri.
//! let receiver = LoopbackReceiver::bind()?.timeout(Duration::from_secs(10));
//! let client = ClientConfig::new(DEMO_CLIENT_ID, &receiver.redirect_uri())?;
//! let discovered = driver.discover(server.issuer(), client).await?;
//!
//! // AwaitingCallback → Exchanging → Authorized, in one call.
//! let browser = driver.transport().clone();
//! let params = AuthorizeParams::new().scope("read");
//! let authorized = driver.login(&discovered, params, |url| {
//!     let url = url.to_string();
//!     tokio::spawn(async move {
//!         let to_server = Request::get(url).body(Vec::new()).unwrap();
//!         let redirect = browser.send(to_server).await.unwrap();
//!         let location = redirect.headers()[header::LOCATION].to_str().unwrap();
//!         let to_receiver = Request::get(location).body(Vec::new()).unwrap();
//!         browser.send(to_receiver).await.unwrap();
//!     });
//! }, receiver).await?;
//! assert!(authorized.bearer(SystemTime::now()).is_ok());
//!
//! // Two hours later: the access token has expired, a refresh replaces it.
//! let later = SystemTime::now() + Duration::from_secs(2 * 3600);
//! server.advance(Duration::from_secs(2 * 3600));
//! let authorized = driver.ensure_fresh(authorized, later).await?;
//!
//! // Revoked.
//! driver.revoke(authorized, TokenTypeHint::RefreshToken).await?;
//! # Ok(())
//! # }
//! ```
//!
//! # Safe defaults
//!
//! [`Config`] holds them; none is relaxed unless asked by name.
//! - Redirects are never followed, on any call: the core turns a 3xx from
//!   the metadata, token or revocation endpoint into a typed error, so a 307
//!   cannot replay a code to another address.
//! - Connecting times out after [`DEFAULT_CONNECT_TIMEOUT`], a whole call
//!   after [`DEFAULT_TIMEOUT`].
//! - A response body over [`oauth_flow::MAX_BODY_BYTES`] (1 MiB) is an
//!   error, never silently cut.
//! - Plain `http` goes only to loopback hosts (`127.0.0.0/8`, `[::1]`,
//!   `localhost`), checked before connecting, whatever request is passed to
//!   [`Transport::send`]; [`Config::danger_allow_plain_http_to_any_host`]
//!   is the named opt-in.
//! - TLS is rustls with the `ring` provider and the Mozilla root
//!   certificates; no native-tls, no OpenSSL.
//! - Requests carry `User-Agent: oauth-flow/<version>` unless they name one.
//!
//! # Errors: was the request sent?
//!
//! Every driver method returns [`Failed`]: an [`Error`] and, where one is
//! left, the state to go on from. [`Error::Transport`] holds a
//! [`TransportError`], kept apart from the core's OAuth errors, whose
//! [`delivery`](TransportError::delivery) says whether the request may have
//! reached the server:
//! - [`Delivery::NotSent`]: refused locally, name not resolved, connection
//!   refused, TLS handshake failed (reqwest's connect errors). Safe to send again, even a code.
//! - [`Delivery::Unknown`]: a timeout or broken connection after sending, or
//!   an oversized answer. The server may have acted on it: a code may be
//!   spent, a refresh token rotated.
//!
//! [`Driver::exchange`] hands the `Exchanging` state back only in the first
//! case, so a code is never sent twice by mistake.
//!
//! # The loopback receiver
//!
//! The receiver is the one from `oauth-flow-ureq`, re-exported;
//! [`wait_for_callback`] runs its wait on tokio's blocking pool and stops it
//! when the future is dropped. [`LoopbackReceiver`] listens on `127.0.0.1` (an ephemeral port, or a
//! chosen one), answers the callback path with a fixed page that reflects
//! nothing, answers any other path 404 and keeps waiting, caps each request
//! at [`MAX_REQUEST_BYTES`] and the time each connection may take, and gives
//! up after its timeout. It returns the full redirect URL and checks
//! nothing itself: [`oauth_flow::AwaitingCallback::handle_callback`] does.
//! It never logs a request; the callback holds the code and `state`.
//!
//! # Logging
//!
//! This crate logs nothing. The core logs one `debug` line per state change,
//! without secrets.
#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod config;
mod driver;
mod error;
mod receiver;
mod transport;

pub use config::{Config, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, DEFAULT_USER_AGENT};
pub use driver::{Driver, ResourceLogin};
pub use error::{Delivery, Error, Failed, TransportError};
pub use receiver::{
    DEFAULT_CONNECTION_TIMEOUT, DEFAULT_WAIT, LoopbackReceiver, MAX_REQUEST_BYTES, ReceiverError,
    wait_for_callback,
};
pub use transport::Transport;

/// Re-exported so callers name the same versions this crate uses.
pub use oauth_flow;
pub use reqwest;
