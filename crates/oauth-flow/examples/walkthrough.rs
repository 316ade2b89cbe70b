//! A whole OAuth 2.0 flow, state by state, against a tiny authorization server
//! that lives in this process. No network, no account, no browser: the point is
//! to show what the sans-IO core asks for and what it does with the answers.
//!
//! Run with `cargo run -p oauth-flow --example walkthrough`.

// Printing each step is what this example is for.
#![allow(clippy::print_stdout)]

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use http::{Request, Response, StatusCode};
use oauth_flow::{AuthorizeParams, ClientConfig, Discovering, Freshness, TokenTypeHint};
use rand_core::SeedableRng as _;
use sha2::{Digest as _, Sha256};

const ISSUER: &str = "https://as.example.com";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // A seeded CSPRNG makes the run replayable; an application passes
    // `rand::rng()` or another OS-seeded one.
    let mut rng = rand_chacha::ChaCha20Rng::from_seed([1; 32]);
    let mut server = Server::default();
    let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);

    let client = ClientConfig::new("walkthrough", "http://127.0.0.1:8976/callback")?;
    let discovering = Discovering::new(ISSUER, client)?;
    step("Discovering", &format!("issuer {ISSUER}"));
    let response = server.send(&discovering.request());
    let discovered = discovering.handle_response(&response)?;

    step(
        "Discovered",
        "metadata checked: issuer matches, endpoints are https, S256 listed",
    );
    let params = AuthorizeParams::new().scope("read").scope("write");
    let (awaiting, url) = discovered.authorize(&mut rng, params)?;

    step(
        "AwaitingCallback",
        "the person would now open this URL (state redacted):",
    );
    detail(&redact_query(url.as_str(), "state"));
    let redirect = server.consent(&url);
    detail("the server redirects back to the loopback redirect_uri with code, state and iss");
    let exchanging = awaiting.handle_callback(&redirect)?;

    step(
        "Exchanging",
        "state and iss matched; POSTing the code with the PKCE verifier",
    );
    let response = server.send(&exchanging.request());
    let authorized = exchanging.handle_response(&response, start)?;

    let tokens = authorized.tokens();
    step(
        "Authorized",
        &format!(
            "scopes {:?}, refresh token: {}",
            tokens.scopes(),
            tokens.refresh_token().is_some()
        ),
    );
    detail(&format!(
        "Authorization header ready ({} characters, value not shown)",
        authorized.bearer(start)?.len()
    ));

    let later = start + Duration::from_secs(3600);
    let Freshness::Expired(expired) = authorized.check(later) else {
        return Err("the token should have expired after an hour".into());
    };
    step(
        "Expired",
        "an hour later the access token is past its expiry (minus 30 s skew)",
    );

    let refreshing = expired.refresh()?;
    step("Refreshing", "POSTing the refresh token");
    let response = server.send(&refreshing.request());
    let authorized = refreshing.handle_response(&response, later)?;
    step(
        "Authorized",
        "new access token; the server did not rotate, so the old refresh token is kept",
    );

    let revoking = authorized.revoke(TokenTypeHint::RefreshToken)?;
    step(
        "Revoking",
        "POSTing the refresh token to the revocation endpoint",
    );
    let response = server.send(&revoking.request());
    let _revoked = revoking.handle_response(&response)?;
    step(
        "Revoked",
        "done; a new login would start again from Discovered",
    );
    Ok(())
}

fn step(state: &str, what: &str) {
    println!("[{state:>16}] {what}");
}

fn detail(what: &str) {
    println!("{:>19}{what}", "");
}

fn redact_query(url: &str, name: &str) -> String {
    let mut parsed = url::Url::parse(url).expect("the core builds valid URLs");
    let pairs: Vec<(String, String)> = parsed
        .query_pairs()
        .map(|(k, v)| {
            (
                k.to_string(),
                if k == name {
                    "[redacted]".into()
                } else {
                    v.to_string()
                },
            )
        })
        .collect();
    parsed.query_pairs_mut().clear().extend_pairs(pairs);
    parsed.to_string()
}

/// Just enough of an authorization server to answer the flow above, checking
/// what a real one checks (the PKCE verifier, single-use codes).
#[derive(Default)]
struct Server {
    challenges: HashMap<String, String>,
}

impl Server {
    /// Automatic consent: remembers the challenge, returns the redirect.
    fn consent(&mut self, url: &url::Url) -> String {
        let query: HashMap<_, _> = url.query_pairs().into_owned().collect();
        let code = format!("code-{}", self.challenges.len());
        self.challenges
            .insert(code.clone(), query["code_challenge"].clone());
        let iss: String = url::form_urlencoded::byte_serialize(ISSUER.as_bytes()).collect();
        format!(
            "{}?code={code}&state={}&iss={iss}",
            query["redirect_uri"], query["state"]
        )
    }

    fn send(&mut self, request: &Request<Vec<u8>>) -> Response<Vec<u8>> {
        detail(&format!("→ {} {}", request.method(), request.uri()));
        let form: HashMap<String, String> = url::form_urlencoded::parse(request.body())
            .into_owned()
            .collect();
        let (status, body) = match request.uri().path() {
            "/.well-known/oauth-authorization-server" => (200, metadata()),
            "/token" => self.token(&form),
            "/revoke" => (200, String::new()),
            _ => (404, String::new()),
        };
        detail(&format!("← {status} ({} bytes)", body.len()));
        let mut response = Response::new(body.into_bytes());
        *response.status_mut() = StatusCode::from_u16(status).expect("valid status");
        response
    }

    fn token(&mut self, form: &HashMap<String, String>) -> (u16, String) {
        match form.get("grant_type").map(String::as_str) {
            Some("authorization_code") => {
                let challenge = self.challenges.remove(&form["code"]);
                let digest = Sha256::digest(form["code_verifier"].as_bytes());
                let computed = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest);
                if challenge.as_deref() != Some(computed.as_str()) {
                    return (400, r#"{"error":"invalid_grant"}"#.into());
                }
                let body = r#"{"access_token":"at-1","token_type":"bearer","expires_in":3600,
                               "refresh_token":"rt-1","scope":"read write"}"#;
                (200, body.into())
            }
            Some("refresh_token") => (
                200,
                r#"{"access_token":"at-2","token_type":"Bearer","expires_in":3600}"#.into(),
            ),
            _ => (400, r#"{"error":"unsupported_grant_type"}"#.into()),
        }
    }
}

fn metadata() -> String {
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
