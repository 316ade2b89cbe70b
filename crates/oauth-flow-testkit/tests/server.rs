//! Starting and stopping the server, where it listens, and the request record.

mod common;

use std::net::{IpAddr, Ipv4Addr, TcpStream};

use common::{REDIRECT_URI, code_for, demo_tokens, get, post_form, string};
use oauth_flow_testkit::{DEMO_CLIENT_ID, ServerConfig, TestServer};

#[test]
fn server_binds_only_the_ipv4_loopback_address() {
    let server = TestServer::start(ServerConfig::default());
    assert_eq!(server.local_addr().ip(), IpAddr::V4(Ipv4Addr::LOCALHOST));
    assert_ne!(server.local_addr().port(), 0);
    assert_eq!(
        server.base_url(),
        format!("http://127.0.0.1:{}", server.local_addr().port())
    );
    assert_eq!(server.issuer(), server.base_url());
}

#[test]
fn server_starts_from_a_plain_test_and_answers() {
    let server = TestServer::start(ServerConfig::default());
    assert_eq!(get(&server.metadata_url()).status, 200);
}

#[tokio::test]
async fn server_starts_and_stops_inside_an_async_runtime() {
    let server = TestServer::start(ServerConfig::default());
    let url = server.metadata_url();
    let status = tokio::task::spawn_blocking(move || get(&url).status)
        .await
        .expect("joined");
    assert_eq!(status, 200);
    drop(server);
}

#[test]
fn dropping_the_server_closes_its_port() {
    let server = TestServer::start(ServerConfig::default());
    let addr = server.local_addr();
    assert!(TcpStream::connect(addr).is_ok());
    drop(server);
    assert!(
        TcpStream::connect(addr).is_err(),
        "the listener is closed after drop"
    );
}

#[test]
fn shutdown_stops_a_server_with_an_open_connection() {
    let server = TestServer::start(ServerConfig::default());
    let _idle = TcpStream::connect(server.local_addr()).expect("connected");
    server.shutdown();
}

#[test]
fn two_servers_run_side_by_side_with_separate_state() {
    let first = TestServer::start(ServerConfig::default());
    let second = TestServer::start(ServerConfig::default());
    assert_ne!(first.local_addr(), second.local_addr());
    demo_tokens(&first);
    assert!(second.requests().is_empty());
}

#[test]
fn record_shows_the_token_request_form_including_resource() {
    let server = TestServer::start(ServerConfig::default());
    let (code, pkce) = code_for(&server, DEMO_CLIENT_ID);
    let reply = post_form(
        &server.token_endpoint(),
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", &pkce.verifier),
            ("client_id", DEMO_CLIENT_ID),
            ("resource", "http://127.0.0.1/api"),
        ],
    );
    assert_eq!(reply.status, 200);

    let token_requests = server.requests_to("/token");
    assert_eq!(token_requests.len(), 1, "the token POST was sent once");
    let request = &token_requests[0];
    assert_eq!(request.method(), "POST");
    assert_eq!(request.form_param("resource"), Some("http://127.0.0.1/api"));
    assert_eq!(
        request.form_param("code_verifier"),
        Some(pkce.verifier.as_str())
    );
    assert_eq!(
        request.header("Content-Type"),
        Some("application/x-www-form-urlencoded")
    );

    let authorize = &server.requests_to("/authorize")[0];
    assert_eq!(
        authorize.query_param("code_challenge"),
        Some(pkce.challenge.as_str())
    );
}

#[test]
fn record_debug_hides_codes_verifiers_and_tokens() {
    let server = TestServer::start(ServerConfig::default());
    let (code, pkce) = code_for(&server, DEMO_CLIENT_ID);
    let tokens = common::exchange_demo_code(&server, &code, &pkce.verifier).json();
    let access_token = string(&tokens, "access_token");
    common::call_resource(&server, &access_token);

    let printed = format!("{:?}", server.requests());
    assert!(!printed.contains(&code));
    assert!(!printed.contains(&pkce.verifier));
    assert!(!printed.contains(&access_token));
    assert!(printed.contains("[redacted]"));
    assert!(printed.contains("/token"));
}

#[test]
fn unknown_paths_are_404_and_recorded() {
    let server = TestServer::start(ServerConfig::default());
    let reply = get(&format!(
        "{}/.well-known/openid-configuration",
        server.base_url()
    ));
    assert_eq!(reply.status, 404);
    assert_eq!(
        server
            .requests_to("/.well-known/openid-configuration")
            .len(),
        1
    );
}

#[test]
fn clear_requests_forgets_the_record() {
    let server = TestServer::start(ServerConfig::default());
    get(&server.metadata_url());
    assert_eq!(server.requests().len(), 1);
    server.clear_requests();
    assert!(server.requests().is_empty());
}
