//! A scenario builder that starts a test in any state, with canned responses.

#![allow(dead_code, unreachable_pub, clippy::unused_self)]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::{Request, Response, StatusCode, header};
use oauth_flow::{
    AuthorizeParams, Authorized, AwaitingCallback, ClientConfig, Discovered, Discovering,
    Exchanging, Leniency,
};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use serde_json::{Value, json};

pub const ISSUER: &str = "https://as.example.com";
pub const REDIRECT: &str = "http://127.0.0.1:8976/callback";

/// A fixed instant, so expiry arithmetic is exact.
pub fn at(seconds: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_700_000_000 + seconds)
}

pub fn rng() -> ChaCha20Rng {
    ChaCha20Rng::from_seed([42; 32])
}

pub fn metadata(issuer: &str) -> Value {
    json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "revocation_endpoint": format!("{issuer}/revoke"),
        "response_types_supported": ["code"],
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": true,
    })
}

pub fn respond(
    status: u16,
    content_type: Option<&str>,
    body: impl Into<Vec<u8>>,
) -> Response<Vec<u8>> {
    let mut response = Response::new(body.into());
    *response.status_mut() = StatusCode::from_u16(status).unwrap();
    if let Some(content_type) = content_type {
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, content_type.parse().unwrap());
    }
    response
}

pub fn json_response(status: u16, body: &Value) -> Response<Vec<u8>> {
    respond(status, Some("application/json"), body.to_string())
}

pub fn bearer(access: &str, expires_in: u64, refresh: Option<&str>) -> Value {
    let mut body =
        json!({"access_token": access, "token_type": "Bearer", "expires_in": expires_in});
    if let Some(refresh) = refresh {
        body["refresh_token"] = json!(refresh);
    }
    body
}

/// Pairs of a form body, decoded.
pub fn form(request: &Request<Vec<u8>>) -> Vec<(String, String)> {
    url::form_urlencoded::parse(request.body())
        .into_owned()
        .collect()
}

pub fn form_value(request: &Request<Vec<u8>>, name: &str) -> Option<String> {
    form(request)
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v)
}

pub fn query_value(url: &url::Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.into_owned())
}

/// Builds a flow up to the state a test needs.
pub struct Scenario {
    pub metadata: Value,
    pub client: ClientConfig,
    pub params: AuthorizeParams,
}

impl Scenario {
    pub fn new() -> Self {
        Self {
            metadata: metadata(ISSUER),
            client: ClientConfig::new("cli", REDIRECT).unwrap(),
            params: AuthorizeParams::new().scope("read"),
        }
    }

    pub fn metadata(mut self, edit: impl FnOnce(&mut Value)) -> Self {
        edit(&mut self.metadata);
        self
    }

    pub fn client(mut self, edit: impl FnOnce(ClientConfig) -> ClientConfig) -> Self {
        self.client = edit(self.client);
        self
    }

    pub fn leniency(self, leniency: Leniency) -> Self {
        self.client(|c| c.leniency(leniency))
    }

    pub fn params(mut self, params: AuthorizeParams) -> Self {
        self.params = params;
        self
    }

    pub fn discovering(&self) -> Discovering {
        let issuer = self.metadata["issuer"]
            .as_str()
            .unwrap_or(ISSUER)
            .to_owned();
        Discovering::new(&issuer, self.client.clone()).unwrap()
    }

    pub fn discovered(&self) -> Discovered {
        self.discovering()
            .handle_response(&json_response(200, &self.metadata))
            .unwrap()
    }

    /// The waiting state and the `state` value its URL carries.
    pub fn awaiting(&self) -> (AwaitingCallback, String) {
        let (awaiting, url) = self
            .discovered()
            .authorize(&mut rng(), self.params.clone())
            .unwrap();
        let state = query_value(&url, "state").unwrap();
        (awaiting, state)
    }

    /// A callback URL for `state` with the issuer's `iss` and a code.
    pub fn callback(&self, state: &str) -> String {
        let iss: String = url::form_urlencoded::byte_serialize(ISSUER.as_bytes()).collect();
        format!("{REDIRECT}?code=the-code&state={state}&iss={iss}")
    }

    pub fn exchanging(&self) -> Exchanging {
        let (awaiting, state) = self.awaiting();
        awaiting.handle_callback(&self.callback(&state)).unwrap()
    }

    pub fn authorized(&self, token: &Value, now: SystemTime) -> Authorized {
        self.exchanging()
            .handle_response(&json_response(200, token), now)
            .unwrap()
    }
}
