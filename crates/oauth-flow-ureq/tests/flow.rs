//! The driver against the testkit server: whole flows, quirks, and the
//! transport's refusals.

mod support;

use std::time::{Duration, SystemTime};

use oauth_flow::http::Request;
use oauth_flow::url::Url;
use oauth_flow::{AuthorizeParams, FlowState, TokenError, TokenTypeHint};
use oauth_flow_testkit::{OVERSIZED_BODY_BYTES, Quirk, ServerConfig, TestServer};
use oauth_flow_ureq::{Config, Delivery, Driver, Error, TransportError};
use support::*;

const TWO_HOURS: Duration = Duration::from_secs(2 * 3600);

#[test]
fn full_flow_logs_in_and_the_token_opens_the_resource() {
    let server = TestServer::start(ServerConfig::default());
    let mut driver = driver();

    let authorized = log_in(&mut driver, &server);

    let bearer = bearer_text(&authorized, SystemTime::now());
    assert_eq!(resource_status(driver.transport(), &server, &bearer), 200);
    let token_requests = server.requests_to("/token");
    assert_eq!(token_requests.len(), 1, "the code is sent once");
    let user_agent = token_requests[0].header("user-agent").unwrap();
    assert!(user_agent.starts_with("oauth-flow/"), "{user_agent}");
}

#[test]
fn a_fresh_token_is_kept_without_a_request() {
    let server = TestServer::start(ServerConfig::default());
    let mut driver = driver();
    let authorized = log_in(&mut driver, &server);
    server.clear_requests();

    let authorized = driver.ensure_fresh(authorized, SystemTime::now()).unwrap();

    assert!(server.requests().is_empty());
    assert!(authorized.bearer(SystemTime::now()).is_ok());
}

#[test]
fn an_expired_token_is_refreshed() {
    let server = TestServer::start(ServerConfig::default());
    let mut driver = driver();
    let authorized = log_in(&mut driver, &server);
    let old_bearer = bearer_text(&authorized, SystemTime::now());

    server.advance(TWO_HOURS);
    server.expire_all_access_tokens();
    let later = SystemTime::now() + TWO_HOURS;
    let refreshed = driver.ensure_fresh(authorized, later).unwrap();

    let refresh = server.requests_to("/token").pop().unwrap();
    assert_eq!(refresh.form_param("grant_type"), Some("refresh_token"));
    let new_bearer = bearer_text(&refreshed, SystemTime::now());
    assert_ne!(new_bearer, old_bearer);
    assert_eq!(
        resource_status(driver.transport(), &server, &old_bearer),
        401
    );
    assert_eq!(
        resource_status(driver.transport(), &server, &new_bearer),
        200
    );
}

#[test]
fn revoking_the_refresh_token_ends_the_grant() {
    let server = TestServer::start(ServerConfig::default());
    let mut driver = driver();
    let authorized = log_in(&mut driver, &server);
    let bearer = bearer_text(&authorized, SystemTime::now());

    let revoked = driver
        .revoke(authorized, TokenTypeHint::RefreshToken)
        .unwrap();

    assert_eq!(revoked.discovered().metadata().issuer, server.issuer());
    let revocation = &server.requests_to("/revoke")[0];
    assert_eq!(
        revocation.form_param("token_type_hint"),
        Some("refresh_token")
    );
    assert_eq!(resource_status(driver.transport(), &server, &bearer), 401);
}

#[test]
fn github_quirks_still_give_a_bearer_token() {
    let server = TestServer::start(ServerConfig::default().quirks([
        Quirk::FormEncodedUnlessJsonAccepted,
        Quirk::ErrorWithStatus200,
        Quirk::LowercaseBearer,
        Quirk::CommaSeparatedScope,
    ]));
    let mut driver = driver();

    let authorized = log_in(&mut driver, &server);

    let bearer = bearer_text(&authorized, SystemTime::now());
    assert!(bearer.starts_with("Bearer "));
    assert_eq!(resource_status(driver.transport(), &server, &bearer), 200);
}

/// Logs in up to the code exchange, which is returned unsent.
fn exchanging(driver: &mut Driver, server: &TestServer) -> oauth_flow::Exchanging {
    let receiver = receiver();
    let discovered = discover(driver, server, &receiver);
    let (awaiting, url) = driver
        .authorize(&discovered, AuthorizeParams::new().scope("read"))
        .unwrap();
    let location = authorize_redirect(driver.transport(), url.as_str());
    awaiting.handle_callback(&location).unwrap()
}

#[test]
fn a_307_from_the_token_endpoint_is_refused_and_not_followed() {
    let server = TestServer::start(ServerConfig::default().quirk(Quirk::TokenEndpointRedirect));
    let mut driver = driver();
    let exchanging = exchanging(&mut driver, &server);

    let failed = driver.exchange(exchanging).unwrap_err();

    assert!(
        matches!(
            failed.error(),
            Error::Token(TokenError::Redirect { status: 307, .. })
        ),
        "{failed:?}"
    );
    assert!(failed.state().is_none(), "a sent code is never handed back");
    assert!(server.requests_to("/token/redirected").is_empty());
}

#[test]
fn an_oversized_token_response_is_refused() {
    let server = TestServer::start(ServerConfig::default().quirk(Quirk::OversizedTokenResponse));
    let mut driver = driver();
    let exchanging = exchanging(&mut driver, &server);

    let failed = driver.exchange(exchanging).unwrap_err();

    let transport = failed.error().transport().expect("a transport error");
    assert!(
        matches!(
            transport,
            TransportError::BodyTooLarge { limit } if *limit < OVERSIZED_BODY_BYTES
        ),
        "{transport:?}"
    );
    assert_eq!(transport.delivery(), Delivery::Unknown);
    assert!(failed.state().is_none());
}

#[test]
fn a_slow_token_endpoint_times_out_as_sent_without_an_answer() {
    let slow = Quirk::SlowTokenEndpoint(Duration::from_secs(3));
    let server = TestServer::start(ServerConfig::default().quirk(slow));
    let mut driver = Driver::new(config().timeout(Duration::from_millis(500))).unwrap();
    let exchanging = exchanging(&mut driver, &server);

    let failed = driver.exchange(exchanging).unwrap_err();

    let transport = failed.error().transport().expect("a transport error");
    assert!(
        matches!(transport, TransportError::Timeout(_)),
        "{transport:?}"
    );
    assert_eq!(transport.delivery(), Delivery::Unknown);
    assert!(!failed.is_safe_to_retry());
    assert!(failed.to_string().contains("sent, no answer"), "{failed}");
    assert!(failed.state().is_none(), "the code may be spent");
}

#[test]
fn a_request_never_sent_hands_the_code_back() {
    let server = TestServer::start(ServerConfig::default());
    let mut driver = driver();
    let exchanging = exchanging(&mut driver, &server);
    server.shutdown();
    // A new driver: no pooled connection to the stopped server, so the
    // connection is refused before anything is written.
    let failed = support::driver().exchange(exchanging).unwrap_err();

    let transport = failed.error().transport().expect("a transport error");
    assert!(
        matches!(transport, TransportError::Connect(_)),
        "{transport:?}"
    );
    assert!(failed.is_safe_to_retry());
    assert!(matches!(failed.state(), Some(FlowState::Exchanging(_))));
}

#[test]
fn plain_http_to_another_host_is_refused_before_connecting() {
    let transport = oauth_flow_ureq::Transport::new(Config::new());
    // TEST-NET-1: refused by the check, so nothing is ever sent there.
    let request = oauth_flow::http::Request::post("http://192.0.2.1/token")
        .body(b"code=x".to_vec())
        .unwrap();

    let error = transport.send(request).unwrap_err();

    assert!(
        matches!(error, TransportError::InsecureUrl { .. }),
        "{error:?}"
    );
    assert_eq!(error.delivery(), Delivery::NotSent);
    assert!(error.to_string().starts_with("refused to send"), "{error}");
}

#[test]
fn a_callback_with_the_wrong_state_is_ignored_and_the_real_one_completes() {
    let server = TestServer::start(ServerConfig::default());
    let mut driver = driver();
    let receiver = receiver();
    let discovered = discover(&driver, &server, &receiver);
    let transport = driver.transport().clone();
    let (forged_status, forged) = std::sync::mpsc::channel();
    let open_url = move |url: &Url| {
        let url = url.to_string();
        std::thread::spawn(move || {
            let location = authorize_redirect(&transport, &url);
            let fake = location.replace("state=", "state=forged");
            let response = transport.send(Request::get(fake).body(Vec::new()).unwrap());
            forged_status
                .send(response.map(|r| r.status().as_u16()).ok())
                .unwrap();
            let _ = transport.send(Request::get(location).body(Vec::new()).unwrap());
        });
    };

    let authorized = driver.login(&discovered, AuthorizeParams::new(), open_url, receiver);

    assert!(authorized.is_ok(), "{authorized:?}");
    assert_eq!(
        forged.recv().unwrap(),
        Some(400),
        "the forged callback was answered and ignored"
    );
    assert_eq!(
        server.requests_to("/token").len(),
        1,
        "only the real code was exchanged"
    );
}

#[test]
fn login_refuses_a_receiver_at_another_address() {
    let server = TestServer::start(ServerConfig::default());
    let mut driver = driver();
    let registered = receiver();
    let discovered = discover(&driver, &server, &registered);

    let failed = driver
        .login(&discovered, AuthorizeParams::new(), |_| {}, receiver())
        .unwrap_err();

    assert!(
        matches!(failed.error(), Error::RedirectUriMismatch { .. }),
        "{failed:?}"
    );
}
