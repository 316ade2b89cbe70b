//! Token revocation (RFC 7009) and dynamic client registration (RFC 7591).

mod common;

use common::{
    REDIRECT_URI, call_resource, demo_tokens, get, post_form, post_json, post_raw, refresh_demo,
    string,
};
use oauth_flow_testkit::{DEMO_CLIENT_ID, ServerConfig, TestServer};
use serde_json::json;

fn revoke(server: &TestServer, token: &str, hint: Option<&str>) -> common::Reply {
    let mut form = vec![("token", token), ("client_id", DEMO_CLIENT_ID)];
    if let Some(hint) = hint {
        form.push(("token_type_hint", hint));
    }
    post_form(&server.revocation_endpoint(), &form)
}

#[test]
fn revoking_an_access_token_makes_the_resource_refuse_it() {
    let server = TestServer::start(ServerConfig::default());
    let tokens = demo_tokens(&server).json();
    let access_token = string(&tokens, "access_token");
    let reply = revoke(&server, &access_token, Some("access_token"));
    assert_eq!(reply.status, 200);
    assert_eq!(call_resource(&server, &access_token).status, 401);
    assert_eq!(
        refresh_demo(&server, &string(&tokens, "refresh_token")).status,
        200
    );
}

#[test]
fn revoking_a_refresh_token_revokes_its_whole_grant() {
    let server = TestServer::start(ServerConfig::default());
    let tokens = demo_tokens(&server).json();
    let refresh_token = string(&tokens, "refresh_token");
    assert_eq!(
        revoke(&server, &refresh_token, Some("refresh_token")).status,
        200
    );
    assert_eq!(
        refresh_demo(&server, &refresh_token).json()["error"],
        json!("invalid_grant")
    );
    assert_eq!(
        call_resource(&server, &string(&tokens, "access_token")).status,
        401
    );
}

#[test]
fn a_misleading_token_type_hint_still_revokes() {
    let server = TestServer::start(ServerConfig::default());
    let refresh_token = string(&demo_tokens(&server).json(), "refresh_token");
    assert_eq!(
        revoke(&server, &refresh_token, Some("access_token")).status,
        200
    );
    assert_eq!(refresh_demo(&server, &refresh_token).status, 400);
}

#[test]
fn revoking_an_unknown_token_is_200() {
    let server = TestServer::start(ServerConfig::default());
    assert_eq!(revoke(&server, "never-issued", None).status, 200);
}

#[test]
fn revocation_without_token_is_invalid_request() {
    let server = TestServer::start(ServerConfig::default());
    let reply = post_form(
        &server.revocation_endpoint(),
        &[("client_id", DEMO_CLIENT_ID)],
    );
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()["error"], json!("invalid_request"));
}

#[test]
fn registration_returns_201_with_client_id_and_echoed_metadata() {
    let server = TestServer::start(ServerConfig::default());
    let request = json!({
        "redirect_uris": [REDIRECT_URI],
        "client_name": "a test client",
        "grant_types": ["authorization_code", "refresh_token"],
        "token_endpoint_auth_method": "none",
    });
    let reply = post_json(&server.registration_endpoint(), &request);
    assert_eq!(reply.status, 201, "{}", reply.text());
    let registered = reply.json();
    assert!(registered["client_id"].is_string());
    assert!(
        registered.get("client_secret").is_none(),
        "public clients get no secret"
    );
    assert_eq!(registered["client_name"], json!("a test client"));
    assert_eq!(registered["redirect_uris"], json!([REDIRECT_URI]));
    assert_eq!(registered["token_endpoint_auth_method"], json!("none"));
}

#[test]
fn registered_public_client_can_run_a_whole_flow() {
    let server = TestServer::start(ServerConfig::default());
    let request = json!({ "redirect_uris": [REDIRECT_URI], "token_endpoint_auth_method": "none" });
    let client_id = string(
        &post_json(&server.registration_endpoint(), &request).json(),
        "client_id",
    );

    let pkce = common::pkce();
    let callback = get(&common::authorize_url(&server, &client_id, &pkce, &[]));
    let code = callback.location_param("code").expect("a code");
    let reply = post_form(
        &server.token_endpoint(),
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", &pkce.verifier),
            ("client_id", &client_id),
        ],
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
}

#[test]
fn registration_defaults_to_client_secret_basic_with_a_secret() {
    let server = TestServer::start(ServerConfig::default());
    let registered = post_json(
        &server.registration_endpoint(),
        &json!({ "redirect_uris": [REDIRECT_URI] }),
    )
    .json();
    assert_eq!(
        registered["token_endpoint_auth_method"],
        json!("client_secret_basic")
    );
    assert!(registered["client_secret"].is_string());
    assert_eq!(registered["client_secret_expires_at"], json!(0));
}

#[test]
fn registration_without_redirect_uris_is_invalid_redirect_uri() {
    let server = TestServer::start(ServerConfig::default());
    let reply = post_json(
        &server.registration_endpoint(),
        &json!({ "client_name": "x" }),
    );
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()["error"], json!("invalid_redirect_uri"));
}

#[test]
fn registration_with_a_non_json_body_is_invalid_client_metadata() {
    let server = TestServer::start(ServerConfig::default());
    let reply = post_raw(
        &server.registration_endpoint(),
        "application/json",
        b"[1]",
        &[],
    );
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()["error"], json!("invalid_client_metadata"));
}
