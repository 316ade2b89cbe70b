//! The protected resource, its challenges, and expiry through the server's clock.

mod common;

use std::time::Duration;

use common::{call_resource, demo_tokens, get, get_with, string};
use oauth_flow_testkit::{DEMO_CLIENT_ID, ServerConfig, TestServer};
use serde_json::json;

fn metadata_param(server: &TestServer) -> String {
    format!("resource_metadata=\"{}\"", server.resource_metadata_url())
}

#[test]
fn resource_without_token_is_401_pointing_at_resource_metadata() {
    let server = TestServer::start(ServerConfig::default());
    let reply = get(&server.resource_url());
    assert_eq!(reply.status, 401);
    let challenge = reply.header("www-authenticate").expect("a challenge");
    assert!(challenge.starts_with("Bearer realm="), "{challenge}");
    assert!(challenge.contains(&metadata_param(&server)), "{challenge}");
    assert!(
        !challenge.contains("error="),
        "no token, no error code: {challenge}"
    );
}

#[test]
fn resource_with_unknown_token_is_401_invalid_token() {
    let server = TestServer::start(ServerConfig::default());
    let reply = call_resource(&server, "made-up");
    assert_eq!(reply.status, 401);
    let challenge = reply.header("www-authenticate").expect("a challenge");
    assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
    assert!(challenge.contains(&metadata_param(&server)), "{challenge}");
}

#[test]
fn resource_with_valid_token_is_200_with_json() {
    let server = TestServer::start(ServerConfig::default());
    let access_token = string(&demo_tokens(&server).json(), "access_token");
    let reply = call_resource(&server, &access_token);
    assert_eq!(reply.status, 200);
    let body = reply.json();
    assert_eq!(body["client_id"], json!(DEMO_CLIENT_ID));
    assert_eq!(body["scope"], json!("read write"));
}

#[test]
fn lowercase_bearer_scheme_is_accepted_by_default() {
    let server = TestServer::start(ServerConfig::default());
    let access_token = server.issue_access_token(DEMO_CLIENT_ID, "read");
    let reply = get_with(
        &server.resource_url(),
        &[("authorization", &format!("bearer {access_token}"))],
    );
    assert_eq!(reply.status, 200);
}

#[test]
fn resource_without_required_scope_is_403_insufficient_scope() {
    let server = TestServer::start(ServerConfig::default());
    let access_token = server.issue_access_token(DEMO_CLIENT_ID, "write");
    let reply = call_resource(&server, &access_token);
    assert_eq!(reply.status, 403);
    let challenge = reply.header("www-authenticate").expect("a challenge");
    assert!(
        challenge.contains("error=\"insufficient_scope\""),
        "{challenge}"
    );
    assert!(challenge.contains("scope=\"read\""), "{challenge}");
}

#[test]
fn required_scope_can_be_configured_or_turned_off() {
    let server = TestServer::start(ServerConfig::default().required_scope(Some("write")));
    assert_eq!(
        call_resource(&server, &server.issue_access_token(DEMO_CLIENT_ID, "read")).status,
        403
    );

    let server = TestServer::start(ServerConfig::default().required_scope(None));
    assert_eq!(
        call_resource(&server, &server.issue_access_token(DEMO_CLIENT_ID, "")).status,
        200
    );
}

#[test]
fn advancing_the_clock_expires_access_tokens() {
    let server =
        TestServer::start(ServerConfig::default().access_token_lifetime(Duration::from_secs(60)));
    let access_token = string(&demo_tokens(&server).json(), "access_token");
    server.advance(Duration::from_secs(59));
    assert_eq!(call_resource(&server, &access_token).status, 200);

    server.advance(Duration::from_secs(1));
    let reply = call_resource(&server, &access_token);
    assert_eq!(reply.status, 401);
    let challenge = reply.header("www-authenticate").expect("a challenge");
    assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
}

#[test]
fn expire_all_access_tokens_expires_without_waiting() {
    let server = TestServer::start(ServerConfig::default());
    let tokens = demo_tokens(&server).json();
    let access_token = string(&tokens, "access_token");
    server.expire_all_access_tokens();
    assert_eq!(call_resource(&server, &access_token).status, 401);

    let refreshed = common::refresh_demo(&server, &string(&tokens, "refresh_token")).json();
    let fresh = string(&refreshed, "access_token");
    assert_eq!(
        call_resource(&server, &fresh).status,
        200,
        "refresh still works"
    );
}
