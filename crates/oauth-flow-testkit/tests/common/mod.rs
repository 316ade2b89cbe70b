//! A small HTTP client for the testkit's own tests: ureq with redirects disabled,
//! aimed only at the testkit's loopback address.

#![allow(dead_code, unreachable_pub)]

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use oauth_flow_testkit::{DEMO_CLIENT_ID, TestServer};
use rand::Rng as _;
use serde_json::Value;
use sha2::{Digest as _, Sha256};
use url::Url;

/// The redirect URI the tests send: the demo client's loopback URI with a port.
pub const REDIRECT_URI: &str = "http://127.0.0.1:8976/callback";

/// A response, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    pub fn content_type(&self) -> &str {
        self.header("content-type").unwrap_or_default()
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    pub fn form(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(&self.body)
            .into_owned()
            .collect()
    }

    /// The query parameters of the `Location` header.
    pub fn location_params(&self) -> Vec<(String, String)> {
        let location = self.header("location").expect("a Location header");
        let url = Url::parse(location).expect("an absolute Location");
        url.query_pairs().into_owned().collect()
    }

    pub fn location_param(&self, name: &str) -> Option<String> {
        self.location_params()
            .into_iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value)
    }
}

fn agent() -> ureq::Agent {
    let config = ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(20)))
        .build();
    ureq::Agent::new_with_config(config)
}

fn read(response: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Reply {
    let mut response = response.expect("the testkit answers");
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                value.to_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let body = response.body_mut().read_to_vec().expect("a readable body");
    Reply {
        status,
        headers,
        body,
    }
}

pub fn get(url: &str) -> Reply {
    get_with(url, &[])
}

pub fn get_with(url: &str, headers: &[(&str, &str)]) -> Reply {
    let mut request = agent().get(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    read(request.call())
}

pub fn post_form(url: &str, pairs: &[(&str, &str)]) -> Reply {
    post_form_with(url, pairs, &[])
}

pub fn post_form_with(url: &str, pairs: &[(&str, &str)], headers: &[(&str, &str)]) -> Reply {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    post_raw(
        url,
        "application/x-www-form-urlencoded",
        body.as_bytes(),
        headers,
    )
}

pub fn post_raw(url: &str, content_type: &str, body: &[u8], headers: &[(&str, &str)]) -> Reply {
    let mut request = agent().post(url).header("content-type", content_type);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    read(request.send(body))
}

pub fn post_json(url: &str, body: &Value) -> Reply {
    post_raw(url, "application/json", body.to_string().as_bytes(), &[])
}

/// `Authorization: Basic …` with the id and secret form-encoded first (RFC 6749 §2.3.1).
pub fn basic(client_id: &str, client_secret: &str) -> String {
    let encode =
        |value: &str| url::form_urlencoded::byte_serialize(value.as_bytes()).collect::<String>();
    let joined = format!("{}:{}", encode(client_id), encode(client_secret));
    format!("Basic {}", STANDARD.encode(joined))
}

/// A PKCE pair: a random verifier and its S256 challenge.
pub struct Pkce {
    pub verifier: String,
    pub challenge: String,
}

pub fn pkce() -> Pkce {
    let mut bytes = [0_u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let verifier = URL_SAFE_NO_PAD.encode(bytes);
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    Pkce {
        verifier,
        challenge,
    }
}

/// The authorization URL for `client_id` with the test redirect URI, `state=xyz`,
/// S256 and any extra parameters.
pub fn authorize_url(
    server: &TestServer,
    client_id: &str,
    pkce: &Pkce,
    extra: &[(&str, &str)],
) -> String {
    let mut url = Url::parse(&server.authorization_endpoint()).expect("a URL");
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", REDIRECT_URI)
        .append_pair("state", "xyz")
        .append_pair("code_challenge", &pkce.challenge)
        .append_pair("code_challenge_method", "S256")
        .extend_pairs(extra);
    url.into()
}

/// Runs `/authorize` for `client_id` and returns the code and the PKCE pair.
pub fn code_for(server: &TestServer, client_id: &str) -> (String, Pkce) {
    let pkce = pkce();
    let reply = get(&authorize_url(server, client_id, &pkce, &[]));
    assert_eq!(reply.status, 302, "{}", reply.text());
    let code = reply
        .location_param("code")
        .expect("a code in the callback");
    (code, pkce)
}

/// The form of a code exchange for the public demo client.
pub fn exchange_demo_code(server: &TestServer, code: &str, verifier: &str) -> Reply {
    post_form(
        &server.token_endpoint(),
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", verifier),
            ("client_id", DEMO_CLIENT_ID),
        ],
    )
}

/// A whole flow for the public demo client; the token response.
pub fn demo_tokens(server: &TestServer) -> Reply {
    let (code, pkce) = code_for(server, DEMO_CLIENT_ID);
    exchange_demo_code(server, &code, &pkce.verifier)
}

/// A refresh for the public demo client.
pub fn refresh_demo(server: &TestServer, refresh_token: &str) -> Reply {
    post_form(
        &server.token_endpoint(),
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", DEMO_CLIENT_ID),
        ],
    )
}

/// `GET /resource` with `Authorization: Bearer <token>`.
pub fn call_resource(server: &TestServer, access_token: &str) -> Reply {
    get_with(
        &server.resource_url(),
        &[("authorization", &format!("Bearer {access_token}"))],
    )
}

pub fn string(value: &Value, member: &str) -> String {
    value[member]
        .as_str()
        .unwrap_or_else(|| panic!("{member} is a string in {value}"))
        .to_owned()
}
