//! The authorization endpoint: automatic consent, validation, error redirects.

mod common;

use common::{REDIRECT_URI, authorize_url, get, pkce};
use oauth_flow_testkit::{
    AuthorizeOutcome, ClientConfig, DEMO_CLIENT_ID, ServerConfig, TestServer,
};
use url::Url;

fn error_of(reply: &common::Reply) -> (Option<String>, Option<String>) {
    (reply.location_param("error"), reply.location_param("state"))
}

#[test]
fn authorize_redirects_with_code_state_and_iss() {
    let server = TestServer::start(ServerConfig::default());
    let reply = get(&authorize_url(&server, DEMO_CLIENT_ID, &pkce(), &[]));
    assert_eq!(reply.status, 302);

    let location = Url::parse(reply.header("location").expect("Location")).expect("a URL");
    assert_eq!(location.as_str().split('?').next(), Some(REDIRECT_URI));
    assert!(
        reply
            .location_param("code")
            .is_some_and(|code| code.len() >= 32)
    );
    assert_eq!(reply.location_param("state").as_deref(), Some("xyz"));
    assert_eq!(
        reply.location_param("iss").as_deref(),
        Some(server.issuer())
    );
}

#[test]
fn codes_are_different_each_time() {
    let server = TestServer::start(ServerConfig::default());
    let (first, _) = common::code_for(&server, DEMO_CLIENT_ID);
    let (second, _) = common::code_for(&server, DEMO_CLIENT_ID);
    assert_ne!(first, second);
}

#[test]
fn loopback_redirect_uri_matches_any_port() {
    let server = TestServer::start(ServerConfig::default());
    let pkce = pkce();
    let url = authorize_url(&server, DEMO_CLIENT_ID, &pkce, &[]).replace("8976", "51234");
    let reply = get(&url);
    assert_eq!(reply.status, 302);
    assert!(
        reply
            .header("location")
            .is_some_and(|l| l.starts_with("http://127.0.0.1:51234/callback?"))
    );
}

#[test]
fn unregistered_redirect_uri_is_refused_without_redirect() {
    let server = TestServer::start(ServerConfig::default());
    let url =
        authorize_url(&server, DEMO_CLIENT_ID, &pkce(), &[]).replace("%2Fcallback", "%2Felsewhere");
    let reply = get(&url);
    assert_eq!(reply.status, 400);
    assert!(reply.header("location").is_none());
    assert_eq!(reply.json()["error"], "invalid_request");
}

#[test]
fn unknown_client_is_refused_without_redirect() {
    let server = TestServer::start(ServerConfig::default());
    let reply = get(&authorize_url(
        &server,
        &server.unknown_client_id(),
        &pkce(),
        &[],
    ));
    assert_eq!(reply.status, 400);
    assert!(reply.header("location").is_none());
}

#[test]
fn redirect_uri_may_be_omitted_when_only_one_is_registered() {
    let server = TestServer::start(
        ServerConfig::default().client(ClientConfig::public("solo", "https://app.example/cb")),
    );
    let pkce = pkce();
    let url = authorize_url(&server, "solo", &pkce, &[]);
    let url = url.replace(&format!("&redirect_uri={}", urlencode(REDIRECT_URI)), "");
    let reply = get(&url);
    assert_eq!(reply.status, 302, "{}", reply.text());
    assert!(
        reply
            .header("location")
            .is_some_and(|l| l.starts_with("https://app.example/cb?code="))
    );
}

fn urlencode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

#[test]
fn missing_code_challenge_is_an_invalid_request_redirect() {
    let server = TestServer::start(ServerConfig::default());
    let pkce = pkce();
    let url = authorize_url(&server, DEMO_CLIENT_ID, &pkce, &[])
        .replace(&format!("&code_challenge={}", pkce.challenge), "");
    let reply = get(&url);
    assert_eq!(reply.status, 302);
    assert_eq!(
        error_of(&reply),
        (Some("invalid_request".into()), Some("xyz".into()))
    );
    assert!(reply.location_param("error_description").is_some());
    assert!(reply.location_param("code").is_none());
}

#[test]
fn plain_code_challenge_method_is_an_invalid_request_redirect() {
    let server = TestServer::start(ServerConfig::default());
    let url = authorize_url(&server, DEMO_CLIENT_ID, &pkce(), &[])
        .replace("code_challenge_method=S256", "code_challenge_method=plain");
    let reply = get(&url);
    assert_eq!(
        error_of(&reply),
        (Some("invalid_request".into()), Some("xyz".into()))
    );
}

#[test]
fn missing_code_challenge_method_is_an_invalid_request_redirect() {
    let server = TestServer::start(ServerConfig::default());
    let url = authorize_url(&server, DEMO_CLIENT_ID, &pkce(), &[])
        .replace("&code_challenge_method=S256", "");
    assert_eq!(error_of(&get(&url)).0.as_deref(), Some("invalid_request"));
}

#[test]
fn other_response_type_is_an_unsupported_response_type_redirect() {
    let server = TestServer::start(ServerConfig::default());
    let url = authorize_url(&server, DEMO_CLIENT_ID, &pkce(), &[])
        .replace("response_type=code", "response_type=token");
    assert_eq!(
        error_of(&get(&url)).0.as_deref(),
        Some("unsupported_response_type")
    );
}

#[test]
fn repeated_parameter_is_an_invalid_request_redirect() {
    let server = TestServer::start(ServerConfig::default());
    let url = authorize_url(&server, DEMO_CLIENT_ID, &pkce(), &[("state", "other")]);
    assert_eq!(error_of(&get(&url)).0.as_deref(), Some("invalid_request"));
}

#[test]
fn unknown_scope_is_an_invalid_scope_redirect() {
    let server = TestServer::start(ServerConfig::default());
    let url = authorize_url(&server, DEMO_CLIENT_ID, &pkce(), &[("scope", "read admin")]);
    assert_eq!(error_of(&get(&url)).0.as_deref(), Some("invalid_scope"));
}

#[test]
fn access_denied_on_demand_keeps_state_and_iss() {
    let server = TestServer::start(
        ServerConfig::default().authorize_outcome(AuthorizeOutcome::AccessDenied),
    );
    let reply = get(&authorize_url(&server, DEMO_CLIENT_ID, &pkce(), &[]));
    assert_eq!(reply.status, 302);
    assert_eq!(
        error_of(&reply),
        (Some("access_denied".into()), Some("xyz".into()))
    );
    assert!(reply.location_param("error_description").is_some());
    assert_eq!(
        reply.location_param("iss").as_deref(),
        Some(server.issuer())
    );
}

#[test]
fn invalid_request_on_demand_can_be_switched_while_running() {
    let server = TestServer::start(ServerConfig::default());
    server.set_authorize_outcome(AuthorizeOutcome::InvalidRequest);
    let reply = get(&authorize_url(&server, DEMO_CLIENT_ID, &pkce(), &[]));
    assert_eq!(
        error_of(&reply),
        (Some("invalid_request".into()), Some("xyz".into()))
    );

    server.set_authorize_outcome(AuthorizeOutcome::Approve);
    let reply = get(&authorize_url(&server, DEMO_CLIENT_ID, &pkce(), &[]));
    assert!(reply.location_param("code").is_some());
}
