//! oauth-flow's interop suite: the whole flow, through the `oauth-flow`
//! command and both drivers, against authorization servers written by
//! other people, each started on `127.0.0.1` for the test.
//!
//! | peer | from | how it runs here |
//! |---|---|---|
//! | `oidc-provider` 9.13.3 | npm | [`OidcProvider`]: `peers/oidc-provider.mjs` |
//! | `oauth2-mock-server` 9.3.0 | npm | [`MockServer`]: its own program |
//! | `oidc-provider-mock` 0.3.4 | PyPI | [`ProviderMock`]: its own program |
//! | `@modelcontextprotocol/sdk` 1.32.2 | npm | [`McpExample`]: its example MCP server |
//!
//! The last one is an MCP server with its demo authorization server: the
//! tests of the resource-first chain (from the resource's 401 to a token it
//! accepts) run against it.
//!
//! `peers/oidc-provider.mjs` is the suite's configuration of the library
//! (clients, scopes, features); the other three run as their packages ship
//! them, told to listen on `127.0.0.1`, the Python one with client
//! registration required so that secrets are checked.
//!
//! The tests live in `tests/`, one file per peer. Each one starts its own
//! server on free loopback ports, plays the person at the login and consent
//! pages with a headless [`Browser`] (forms posted, cookies kept per path,
//! redirects walked by hand), and checks what the library hands back,
//! including the peer's own error text in the negative cases.
//!
//! # Running it
//!
//! ```text
//! bash crates/oauth-flow-interop/peers/install.sh      # npm ci + a Python venv, pinned
//! cargo build -p oauth-flow-cli                         # the binary the CLI tests run
//! OAUTH_FLOW_INTEROP=require cargo test -p oauth-flow-interop
//! ```
//!
//! The install script puts the peers in `peers/node_modules` and
//! `peers/.venv` (both git-ignored); it needs Node.js 20 or later, Python
//! 3.10 or later and the npm and PyPI registries. [`OAUTH_FLOW_INTEROP`](MODE_VARIABLE)
//! chooses what a test does when its peer is not installed ([`Mode`]):
//! without it, the test prints a `SKIPPED` line that names the reason (past
//! the test harness's output capture, so it shows) and passes; with
//! `require` it fails, as in CI; with `skip` every test skips.
//!
//! The CLI tests run the `oauth-flow` binary that cargo built in the same
//! target folder (`cargo test --workspace` builds it) or the one
//! [`OAUTH_FLOW_BIN`](BINARY_VARIABLE) names.
//!
//! # Loopback only
//!
//! Every peer is told to listen on `127.0.0.1`, and [`PeerProcess`] checks,
//! from `/proc` on Linux, that each socket its processes hold is on loopback
//! at both ends: after the start and again when the test ends. The issuers,
//! and so every URL the library and the browser reach, are `127.0.0.1` or
//! `localhost`; the drivers' transport refuses plain `http` anywhere else.
#![forbid(unsafe_code)]

mod browser;
mod cli;
mod gate;
pub mod mcp_sdk;
pub mod mock_server;
pub mod oidc_provider;
mod process;
pub mod provider_mock;
mod sockets;

use std::thread::JoinHandle;

use oauth_flow::http::{HeaderValue, Request, Response, header};
use oauth_flow::url::Url;
use oauth_flow::{Exchanging, FlowState, OAuthError, TokenError};
use oauth_flow_ureq::{Config, Error, Failed, Transport};

pub use browser::{Action, Browser, Form, Page};
pub use cli::{BINARY_VARIABLE, Cli, text};
pub use gate::{INSTALL, MODE_VARIABLE, Mode, note, peers_dir};
pub use mcp_sdk::McpExample;
pub use mock_server::MockServer;
pub use oidc_provider::OidcProvider;
pub use process::{PeerProcess, STARTUP_TIMEOUT};
pub use provider_mock::ProviderMock;
pub use sockets::{Socket, sockets_of};

/// Plays the person in a thread of its own, for the drivers' `login`, which
/// waits on the loopback receiver meanwhile: `walk` goes from the
/// authorization URL to the callback URL, which the browser then opens (the
/// receiver answers it). Join the handle to see the person's panic, if any.
pub fn person(
    authorization_url: &Url,
    walk: impl FnOnce(&mut Browser, &Url) -> Url + Send + 'static,
) -> JoinHandle<Url> {
    let url = authorization_url.clone();
    std::thread::spawn(move || {
        let mut browser = Browser::new();
        let callback = walk(&mut browser, &url);
        browser.deliver(&callback);
        callback
    })
}

/// `GET url` with `Authorization: <authorization>` (a bearer header from
/// [`oauth_flow::Authorized::bearer`]): a call to a protected resource.
///
/// # Panics
///
/// When the request cannot be sent.
pub fn get_resource(url: &Url, authorization: &HeaderValue) -> Response<Vec<u8>> {
    let request = Request::get(url.as_str())
        .header(header::AUTHORIZATION, authorization)
        .header(header::ACCEPT, "application/json")
        .body(Vec::new())
        .expect("a request");
    Transport::new(Config::new())
        .send(request)
        .unwrap_or_else(|error| panic!("{url} did not answer: {error}"))
}

/// The body of a response as JSON.
///
/// # Panics
///
/// When it is not JSON.
pub fn json(response: &Response<Vec<u8>>) -> serde_json::Value {
    serde_json::from_slice(response.body()).unwrap_or_else(|error| {
        panic!(
            "not JSON ({error}): HTTP {} {}",
            response.status(),
            text(response.body())
        )
    })
}

/// The server's own OAuth error inside a failed token request.
///
/// # Panics
///
/// When the failure is anything else.
pub fn server_error(failed: &Failed) -> &OAuthError {
    match failed.error() {
        Error::Token(TokenError::Server(error)) => error,
        other => panic!("expected the server's OAuth error, got {other:?}"),
    }
}

/// Two copies of a state ready to exchange, as a stale stored snapshot
/// replayed would give: the only way to send one code twice, since the
/// library consumes the state that sends it.
///
/// # Panics
///
/// When the snapshot does not read back.
pub fn two_copies(exchanging: Exchanging) -> (Exchanging, Exchanging) {
    let snapshot = FlowState::from(exchanging)
        .to_snapshot()
        .expect("a snapshot");
    let copy = || match FlowState::from_snapshot(&snapshot).expect("it reads back") {
        FlowState::Exchanging(exchanging) => exchanging,
        other => panic!("read back as {}", other.name()),
    };
    (copy(), copy())
}

/// `callback` with the `state` of another authorization request: the
/// callback of one login delivered to another, so that the second login
/// exchanges the first one's code with its own code verifier (a code
/// injection, which PKCE exists to stop).
///
/// # Panics
///
/// When `other_authorization_url` has no `state`.
pub fn inject_into(callback: &Url, other_authorization_url: &Url) -> Url {
    let state = other_authorization_url
        .query_pairs()
        .find(|(name, _)| name == "state")
        .map(|(_, value)| value.into_owned())
        .expect("the authorization URL has a state");
    let pairs: Vec<(String, String)> = callback
        .query_pairs()
        .map(|(name, value)| {
            let value = if name == "state" {
                state.clone()
            } else {
                value.into_owned()
            };
            (name.into_owned(), value)
        })
        .collect();
    let mut injected = callback.clone();
    injected.query_pairs_mut().clear().extend_pairs(pairs);
    injected
}
