//! The token endpoint: code exchange with PKCE, client authentication, refresh with
//! rotation and reuse detection, errors.

mod common;

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use common::{
    REDIRECT_URI, basic, call_resource, code_for, demo_tokens, exchange_demo_code, post_form,
    post_form_with, post_raw, refresh_demo, string,
};
use oauth_flow_testkit::{
    DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_CONFIDENTIAL_CLIENT_ID, ServerConfig, TestServer,
};
use serde_json::json;

fn confidential_exchange(
    server: &TestServer,
    extra: &[(&str, &str)],
    headers: &[(&str, &str)],
) -> common::Reply {
    let (code, pkce) = code_for(server, DEMO_CONFIDENTIAL_CLIENT_ID);
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT_URI),
        ("code_verifier", pkce.verifier.as_str()),
    ];
    form.extend_from_slice(extra);
    post_form_with(&server.token_endpoint(), &form, headers)
}

#[test]
fn code_exchange_returns_bearer_tokens_with_no_store() {
    let server = TestServer::start(ServerConfig::default());
    let reply = demo_tokens(&server);
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.content_type(), "application/json");
    assert_eq!(reply.header("cache-control"), Some("no-store"));

    let tokens = reply.json();
    assert_eq!(tokens["token_type"], json!("Bearer"));
    assert_eq!(tokens["expires_in"], json!(3600));
    assert_eq!(tokens["scope"], json!("read write"));
    assert!(
        tokens["access_token"]
            .as_str()
            .is_some_and(|t| t.len() >= 32)
    );
    assert!(tokens["refresh_token"].is_string());
}

#[test]
fn expires_in_follows_the_configured_lifetime() {
    let server =
        TestServer::start(ServerConfig::default().access_token_lifetime(Duration::from_secs(90)));
    assert_eq!(demo_tokens(&server).json()["expires_in"], json!(90));
}

#[test]
fn reused_code_is_invalid_grant() {
    let server = TestServer::start(ServerConfig::default());
    let (code, pkce) = code_for(&server, DEMO_CLIENT_ID);
    assert_eq!(
        exchange_demo_code(&server, &code, &pkce.verifier).status,
        200
    );

    let again = exchange_demo_code(&server, &code, &pkce.verifier);
    assert_eq!(again.status, 400);
    assert_eq!(again.json()["error"], json!("invalid_grant"));
}

#[test]
fn reused_code_revokes_the_tokens_issued_from_it() {
    let server = TestServer::start(ServerConfig::default());
    let (code, pkce) = code_for(&server, DEMO_CLIENT_ID);
    let tokens = exchange_demo_code(&server, &code, &pkce.verifier).json();
    let access_token = string(&tokens, "access_token");
    assert_eq!(call_resource(&server, &access_token).status, 200);

    exchange_demo_code(&server, &code, &pkce.verifier);
    assert_eq!(call_resource(&server, &access_token).status, 401);
    let refresh = refresh_demo(&server, &string(&tokens, "refresh_token"));
    assert_eq!(refresh.json()["error"], json!("invalid_grant"));
}

#[test]
fn wrong_code_verifier_is_invalid_grant() {
    let server = TestServer::start(ServerConfig::default());
    let (code, _) = code_for(&server, DEMO_CLIENT_ID);
    let other = common::pkce();
    let reply = exchange_demo_code(&server, &code, &other.verifier);
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()["error"], json!("invalid_grant"));
}

#[test]
fn missing_code_verifier_is_invalid_grant() {
    let server = TestServer::start(ServerConfig::default());
    let (code, _) = code_for(&server, DEMO_CLIENT_ID);
    let reply = post_form(
        &server.token_endpoint(),
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT_URI),
            ("client_id", DEMO_CLIENT_ID),
        ],
    );
    assert_eq!(reply.json()["error"], json!("invalid_grant"));
}

#[test]
fn redirect_uri_mismatch_is_invalid_grant() {
    let server = TestServer::start(ServerConfig::default());
    let (code, pkce) = code_for(&server, DEMO_CLIENT_ID);
    let reply = post_form(
        &server.token_endpoint(),
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "http://127.0.0.1:8977/callback"),
            ("code_verifier", &pkce.verifier),
            ("client_id", DEMO_CLIENT_ID),
        ],
    );
    assert_eq!(reply.json()["error"], json!("invalid_grant"));
}

#[test]
fn expired_code_is_invalid_grant() {
    let server = TestServer::start(ServerConfig::default());
    let (code, pkce) = code_for(&server, DEMO_CLIENT_ID);
    server.advance(Duration::from_secs(61));
    let reply = exchange_demo_code(&server, &code, &pkce.verifier);
    assert_eq!(reply.json()["error"], json!("invalid_grant"));
}

#[test]
fn code_of_another_client_is_invalid_grant() {
    let server = TestServer::start(ServerConfig::default());
    let (code, pkce) = code_for(&server, DEMO_CONFIDENTIAL_CLIENT_ID);
    let reply = exchange_demo_code(&server, &code, &pkce.verifier);
    assert_eq!(reply.json()["error"], json!("invalid_grant"));
}

#[test]
fn confidential_client_authenticates_with_form_encoded_basic() {
    let server = TestServer::start(ServerConfig::default());
    let authorization = basic(DEMO_CONFIDENTIAL_CLIENT_ID, DEMO_CLIENT_SECRET);
    let reply = confidential_exchange(&server, &[], &[("authorization", &authorization)]);
    assert_eq!(reply.status, 200, "{}", reply.text());
}

#[test]
fn basic_without_form_encoding_is_invalid_client() {
    let server = TestServer::start(ServerConfig::default());
    let naive = format!(
        "Basic {}",
        STANDARD.encode(format!(
            "{DEMO_CONFIDENTIAL_CLIENT_ID}:{DEMO_CLIENT_SECRET}"
        ))
    );
    let reply = confidential_exchange(&server, &[], &[("authorization", &naive)]);
    assert_eq!(reply.status, 401);
    assert_eq!(reply.json()["error"], json!("invalid_client"));
}

#[test]
fn confidential_client_authenticates_with_client_secret_post() {
    let server = TestServer::start(ServerConfig::default());
    let reply = confidential_exchange(
        &server,
        &[
            ("client_id", DEMO_CONFIDENTIAL_CLIENT_ID),
            ("client_secret", DEMO_CLIENT_SECRET),
        ],
        &[],
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
}

#[test]
fn wrong_secret_is_401_invalid_client_with_a_basic_challenge() {
    let server = TestServer::start(ServerConfig::default());
    let authorization = basic(DEMO_CONFIDENTIAL_CLIENT_ID, "wrong");
    let reply = confidential_exchange(&server, &[], &[("authorization", &authorization)]);
    assert_eq!(reply.status, 401);
    assert_eq!(reply.json()["error"], json!("invalid_client"));
    assert!(
        reply
            .header("www-authenticate")
            .is_some_and(|c| c.starts_with("Basic realm="))
    );
}

#[test]
fn confidential_client_without_secret_is_invalid_client() {
    let server = TestServer::start(ServerConfig::default());
    let reply = confidential_exchange(&server, &[("client_id", DEMO_CONFIDENTIAL_CLIENT_ID)], &[]);
    assert_eq!(reply.status, 401);
    assert_eq!(reply.json()["error"], json!("invalid_client"));
}

#[test]
fn two_authentication_methods_at_once_are_invalid_request() {
    let server = TestServer::start(ServerConfig::default());
    let authorization = basic(DEMO_CONFIDENTIAL_CLIENT_ID, DEMO_CLIENT_SECRET);
    let reply = confidential_exchange(
        &server,
        &[("client_secret", DEMO_CLIENT_SECRET)],
        &[("authorization", &authorization)],
    );
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()["error"], json!("invalid_request"));
}

#[test]
fn unknown_client_is_invalid_client() {
    let server = TestServer::start(ServerConfig::default());
    let reply = post_form(
        &server.token_endpoint(),
        &[
            ("grant_type", "authorization_code"),
            ("code", "x"),
            ("client_id", "nobody"),
        ],
    );
    assert_eq!(reply.status, 401);
    assert_eq!(reply.json()["error"], json!("invalid_client"));
}

#[test]
fn unknown_grant_type_is_unsupported_grant_type() {
    let server = TestServer::start(ServerConfig::default());
    let reply = post_form(
        &server.token_endpoint(),
        &[("grant_type", "password"), ("client_id", DEMO_CLIENT_ID)],
    );
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()["error"], json!("unsupported_grant_type"));
}

#[test]
fn json_body_is_invalid_request() {
    let server = TestServer::start(ServerConfig::default());
    let body = json!({ "grant_type": "authorization_code", "client_id": DEMO_CLIENT_ID });
    let reply = post_raw(
        &server.token_endpoint(),
        "application/json",
        body.to_string().as_bytes(),
        &[],
    );
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()["error"], json!("invalid_request"));
    assert_eq!(reply.header("cache-control"), Some("no-store"));
}

#[test]
fn refresh_rotates_the_refresh_token() {
    let server = TestServer::start(ServerConfig::default());
    let tokens = demo_tokens(&server).json();
    let first = string(&tokens, "refresh_token");

    let refreshed = refresh_demo(&server, &first);
    assert_eq!(refreshed.status, 200, "{}", refreshed.text());
    assert_eq!(refreshed.header("cache-control"), Some("no-store"));
    let refreshed = refreshed.json();
    let second = string(&refreshed, "refresh_token");
    assert_ne!(first, second);
    assert_ne!(tokens["access_token"], refreshed["access_token"]);
    assert_eq!(refreshed["scope"], json!("read write"));
    assert_eq!(refresh_demo(&server, &second).status, 200);
}

#[test]
fn reused_refresh_token_is_invalid_grant_and_revokes_the_family() {
    let server = TestServer::start(ServerConfig::default());
    let tokens = demo_tokens(&server).json();
    let first = string(&tokens, "refresh_token");
    let refreshed = refresh_demo(&server, &first).json();
    let second = string(&refreshed, "refresh_token");
    let newest_access = string(&refreshed, "access_token");

    let reuse = refresh_demo(&server, &first);
    assert_eq!(reuse.status, 400);
    assert_eq!(reuse.json()["error"], json!("invalid_grant"));

    assert_eq!(
        refresh_demo(&server, &second).json()["error"],
        json!("invalid_grant")
    );
    assert_eq!(call_resource(&server, &newest_access).status, 401);
}

#[test]
fn without_rotation_the_same_refresh_token_comes_back_and_stays_valid() {
    let server = TestServer::start(ServerConfig::default().refresh_rotation(false));
    let first = string(&demo_tokens(&server).json(), "refresh_token");
    let refreshed = refresh_demo(&server, &first).json();
    assert_eq!(refreshed["refresh_token"], json!(first));
    assert_eq!(refresh_demo(&server, &first).status, 200);
}

#[test]
fn refresh_may_narrow_the_scope_but_not_widen_it() {
    let server = TestServer::start(ServerConfig::default());
    let pkce = common::pkce();
    let url = common::authorize_url(&server, DEMO_CLIENT_ID, &pkce, &[("scope", "read")]);
    let code = common::get(&url).location_param("code").expect("a code");
    let tokens = exchange_demo_code(&server, &code, &pkce.verifier).json();
    assert_eq!(tokens["scope"], json!("read"));

    let refresh_token = string(&tokens, "refresh_token");
    let wider = post_form(
        &server.token_endpoint(),
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh_token),
            ("client_id", DEMO_CLIENT_ID),
            ("scope", "read write"),
        ],
    );
    assert_eq!(wider.json()["error"], json!("invalid_scope"));
}

#[test]
fn unknown_refresh_token_is_invalid_grant() {
    let server = TestServer::start(ServerConfig::default());
    let reply = refresh_demo(&server, "not-a-token");
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()["error"], json!("invalid_grant"));
}
