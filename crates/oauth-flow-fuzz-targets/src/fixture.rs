//! The flow every target starts from: one server, one public client, fixed
//! seeds and a fixed clock.

use std::sync::LazyLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::Response;
use oauth_flow::{
    AuthorizeParams, Authorized, AwaitingCallback, ClientConfig, Discovered, Discovering,
    Exchanging, Refreshing, Revoking, TokenTypeHint,
};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng as _;

/// The issuer of the fixture server.
pub const ISSUER: &str = "https://as.example.com";
/// [`ISSUER`] form-encoded, as a callback's `iss` carries it.
pub const ISSUER_FORM: &str = "https%3A%2F%2Fas.example.com";
/// The client's redirect URI.
pub const REDIRECT: &str = "http://127.0.0.1:8976/callback";
pub(crate) const OLD_ACCESS_TOKEN: &str = "old-access-token";
pub(crate) const OLD_REFRESH_TOKEN: &str = "old-refresh-token";

/// A fixed instant plus `seconds`, so expiry arithmetic is exact.
pub fn at(seconds: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_700_000_000 + seconds)
}

pub(crate) fn rng(seed: u8) -> ChaCha20Rng {
    ChaCha20Rng::from_seed([seed; 32])
}

pub(crate) fn client() -> ClientConfig {
    ClientConfig::new("cli", REDIRECT).expect("a valid client")
}

pub(crate) fn metadata_json() -> String {
    serde_json::json!({
        "issuer": ISSUER,
        "authorization_endpoint": format!("{ISSUER}/authorize"),
        "token_endpoint": format!("{ISSUER}/token"),
        "revocation_endpoint": format!("{ISSUER}/revoke"),
        "response_types_supported": ["code"],
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": true,
    })
    .to_string()
}

pub(crate) fn discovering() -> Discovering {
    Discovering::new(ISSUER, client()).expect("a valid issuer")
}

static DISCOVERED: LazyLock<Discovered> = LazyLock::new(|| {
    discovering()
        .handle_response(&Response::new(metadata_json()))
        .expect("valid metadata")
});

pub(crate) fn discovered() -> Discovered {
    DISCOVERED.clone()
}

pub(crate) fn params() -> AuthorizeParams {
    AuthorizeParams::new().scope("read")
}

/// A flow waiting for its callback, and the `state` its URL carries.
pub(crate) fn awaiting(seed: u8) -> (AwaitingCallback, String) {
    let (awaiting, url) = discovered()
        .authorize(&mut rng(seed), params())
        .expect("authorization starts");
    let state = url
        .query_pairs()
        .find(|(name, _)| name == "state")
        .map(|(_, value)| value.into_owned())
        .expect("state in the URL");
    (awaiting, state)
}

pub(crate) fn exchanging(seed: u8) -> Exchanging {
    let (awaiting, state) = awaiting(seed);
    awaiting
        .handle_callback(&format!("?code=the-code&state={state}&iss={ISSUER_FORM}"))
        .expect("the callback is accepted")
}

pub(crate) fn authorized() -> Authorized {
    let body = format!(
        r#"{{"access_token":"{OLD_ACCESS_TOKEN}","token_type":"Bearer","expires_in":3600,
            "refresh_token":"{OLD_REFRESH_TOKEN}","scope":"read"}}"#
    );
    exchanging(1)
        .handle_response(&Response::new(body), at(0))
        .expect("the token response is accepted")
}

pub(crate) fn refreshing(_seed: u8) -> Refreshing {
    authorized().refresh().expect("a refresh token is there")
}

pub(crate) fn revoking(hint: TokenTypeHint) -> Revoking {
    authorized()
        .revoke(hint)
        .expect("a revocation endpoint is there")
}
