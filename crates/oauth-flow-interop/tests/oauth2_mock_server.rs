//! Against oauth2-mock-server: no person step, an issuer that names
//! `localhost` while the server listens on 127.0.0.1, only the OpenID
//! Connect discovery document, RFC 9457 problem details for errors, and
//! almost nothing validated (client secrets, reused refresh tokens).

use std::time::{Duration, SystemTime};

use oauth_flow::http::{Request, header};
use oauth_flow::{
    AuthorizeParams, Authorized, ClientAuthMethod, ClientConfig, ClientSecret, DiscoveryError,
    TokenError, TokenTypeHint,
};
use oauth_flow_interop::mock_server::{self, MockServer};
use oauth_flow_interop::{
    Browser, Cli, get_resource, inject_into, json, note, person, text, two_copies,
};
use oauth_flow_ureq::{Config, Driver, Error, Failed, LoopbackReceiver};

/// Any client id works: the mock registers none.
const CLIENT_ID: &str = "interop-client";

/// A redirect URI with nothing listening (the mock accepts any).
const REDIRECT_URI: &str = "http://127.0.0.1:8976/callback";

/// The subject of every token the mock issues.
const MOCK_SUBJECT: &str = "johndoe";

fn params() -> AuthorizeParams {
    AuthorizeParams::new().scope("openid")
}

fn login(mock: &MockServer, driver: &mut Driver) -> Authorized {
    let receiver = LoopbackReceiver::bind()
        .unwrap()
        .timeout(Duration::from_secs(30));
    let client = ClientConfig::new(CLIENT_ID, &receiver.redirect_uri()).unwrap();
    let discovered = driver.discover(mock.issuer(), client).expect("discovery");
    let mut browsing = None;
    let authorized = driver.login(
        &discovered,
        params(),
        |url| browsing = Some(person(url, mock_server::follow)),
        receiver,
    );
    browsing.unwrap().join().expect("the redirect was followed");
    authorized.unwrap_or_else(|failed| panic!("login failed: {failed}"))
}

/// The problem details (RFC 9457) the mock sends instead of an OAuth error.
fn problem(failed: &Failed) -> (u16, String) {
    match failed.error() {
        Error::Token(TokenError::UnexpectedResponse {
            status,
            content_type,
            excerpt,
        }) => {
            let content_type = content_type.as_deref().unwrap_or_default();
            assert!(
                content_type.starts_with("application/problem+json"),
                "{content_type}"
            );
            (*status, excerpt.to_string())
        }
        other => panic!("expected problem details, got {other:?}"),
    }
}

#[test]
fn ureq_driver_logs_in_at_a_localhost_issuer_refreshes_and_revokes() {
    let Some(mock) = MockServer::start() else {
        return;
    };
    let mut driver = Driver::new(Config::new()).unwrap();
    let authorized = login(&mock, &mut driver);

    // Found through the OpenID Connect document: RFC 8414's is 404 here.
    let metadata = authorized.discovered().metadata();
    assert_eq!(metadata.issuer, mock.issuer());
    assert!(metadata.issuer.starts_with("http://localhost:"));
    let tokens = authorized.tokens();
    assert!(tokens.refresh_token().is_some() && tokens.id_token().is_some());
    // The token response's `scope` is what the token request sent, or
    // "dummy": the scope of the authorization request is not carried over.
    assert_eq!(tokens.scope_as_sent(), Some("dummy"));

    let bearer = authorized.bearer(SystemTime::now()).unwrap();
    let me = get_resource(&mock.userinfo_endpoint(), &bearer);
    assert_eq!(me.status(), 200);
    assert_eq!(json(&me)["sub"], MOCK_SUBJECT);

    // Refresh works although `grant_types_supported` omits refresh_token;
    // every refresh hands out a new refresh token.
    let first = tokens.refresh_token().unwrap().secret().to_owned();
    let authorized = driver.refresh(authorized).expect("refresh");
    assert_ne!(authorized.tokens().refresh_token().unwrap().secret(), first);

    driver
        .revoke(authorized, TokenTypeHint::RefreshToken)
        .expect("revocation answers 200");
}

#[tokio::test]
async fn reqwest_driver_logs_in_refreshes_twice_and_revokes() {
    use oauth_flow_reqwest::{Config, Driver, LoopbackReceiver};

    let Some(mock) = MockServer::start() else {
        return;
    };
    let mut driver = Driver::new(Config::new()).unwrap();
    let receiver = LoopbackReceiver::bind()
        .unwrap()
        .timeout(Duration::from_secs(30));
    let client = ClientConfig::new(CLIENT_ID, &receiver.redirect_uri()).unwrap();
    let discovered = driver.discover(mock.issuer(), client).await.unwrap();
    let mut browsing = None;
    let authorized = driver
        .login(
            &discovered,
            params(),
            |url| browsing = Some(person(url, mock_server::follow)),
            receiver,
        )
        .await
        .expect("login");
    browsing.unwrap().join().unwrap();

    let authorized = driver.refresh(authorized).await.expect("refresh");
    let authorized = driver.refresh(authorized).await.expect("a second refresh");
    let request = Request::get(mock.userinfo_endpoint().as_str())
        .header(
            header::AUTHORIZATION,
            authorized.bearer(SystemTime::now()).unwrap(),
        )
        .body(Vec::new())
        .unwrap();
    assert_eq!(driver.send(request).await.unwrap().status(), 200);
    driver
        .revoke(authorized, TokenTypeHint::AccessToken)
        .await
        .expect("revocation");
}

#[test]
fn a_replayed_refresh_token_is_still_accepted_by_this_mock() {
    let Some(mock) = MockServer::start() else {
        return;
    };
    let mut driver = Driver::new(Config::new()).unwrap();
    let discovered = driver
        .discover(
            mock.issuer(),
            ClientConfig::new(CLIENT_ID, REDIRECT_URI).unwrap(),
        )
        .unwrap();
    let (awaiting, url) = driver.authorize(&discovered, params()).unwrap();
    let callback = mock_server::follow(&mut Browser::new(), &url);
    let exchanging = awaiting.handle_callback(callback.as_str()).unwrap();
    let authorized = driver.exchange(exchanging).unwrap();

    // The library never sends a refresh token twice; a stale stored copy of
    // the tokens is the only way to. The mock accepts it: it rotates refresh
    // tokens without detecting reuse.
    let snapshot = oauth_flow::FlowState::from(authorized)
        .to_snapshot()
        .unwrap();
    let copy = || match oauth_flow::FlowState::from_snapshot(&snapshot).unwrap() {
        oauth_flow::FlowState::Authorized(authorized) => authorized,
        other => panic!("{}", other.name()),
    };
    driver.refresh(copy()).expect("the first use");
    driver.refresh(copy()).expect("the mock accepts the reuse");
    note("oauth2-mock-server accepts a rotated refresh token again: no reuse detection");
}

#[test]
fn cli_logs_in_prints_a_token_refreshes_and_revokes() {
    let Some(mock) = MockServer::start() else {
        return;
    };
    let Some(cli) = Cli::new() else {
        return;
    };
    let args = [
        "--issuer",
        mock.issuer(),
        "--client-id",
        CLIENT_ID,
        "--scope",
        "openid",
    ];
    let output = cli.login(&args, &[], |url| {
        let mut browser = Browser::new();
        let callback = mock_server::follow(&mut browser, url);
        assert_eq!(browser.deliver(&callback), 200);
    });
    assert!(output.status.success(), "{}", text(&output.stderr));

    let token = cli.run(&["token"]);
    assert!(token.status.success(), "{}", text(&token.stderr));
    let bearer = format!("Bearer {}", text(&token.stdout).trim())
        .parse()
        .unwrap();
    assert_eq!(
        get_resource(&mock.userinfo_endpoint(), &bearer).status(),
        200
    );

    let refreshed = cli.run(&["refresh"]);
    assert!(refreshed.status.success(), "{}", text(&refreshed.stderr));
    let revoked = cli.run(&["revoke"]);
    assert!(revoked.status.success(), "{}", text(&revoked.stderr));
    assert!(text(&revoked.stdout).contains("Revoked the refresh token"));
    assert_eq!(cli.run(&["status"]).status.code(), Some(3));
}

#[test]
fn a_code_injected_into_another_login_fails_pkce_with_the_mocks_problem_details() {
    let Some(mock) = MockServer::start() else {
        return;
    };
    let mut driver = Driver::new(Config::new()).unwrap();
    let discovered = driver
        .discover(
            mock.issuer(),
            ClientConfig::new(CLIENT_ID, REDIRECT_URI).unwrap(),
        )
        .unwrap();
    let (_login_a, url_a) = driver.authorize(&discovered, params()).unwrap();
    let (login_b, url_b) = driver.authorize(&discovered, params()).unwrap();
    let callback = mock_server::follow(&mut Browser::new(), &url_a);
    let exchanging = login_b
        .handle_callback(inject_into(&callback, &url_b).as_str())
        .unwrap();

    let failed = driver.exchange(exchanging).unwrap_err();
    let (status, detail) = problem(&failed);
    assert_eq!(status, 400);
    assert!(
        detail.contains("code_verifier provided does not match code_challenge"),
        "{detail}"
    );
    assert!(failed.state().is_none(), "the code is not kept");
}

#[test]
fn a_reused_code_is_refused_with_the_mocks_problem_details() {
    let Some(mock) = MockServer::start() else {
        return;
    };
    let mut driver = Driver::new(Config::new()).unwrap();
    let discovered = driver
        .discover(
            mock.issuer(),
            ClientConfig::new(CLIENT_ID, REDIRECT_URI).unwrap(),
        )
        .unwrap();
    let (awaiting, url) = driver.authorize(&discovered, params()).unwrap();
    let callback = mock_server::follow(&mut Browser::new(), &url);
    let (exchanging, stale_copy) = two_copies(awaiting.handle_callback(callback.as_str()).unwrap());

    driver.exchange(exchanging).expect("the first exchange");
    let failed = driver.exchange(stale_copy).unwrap_err();
    let (status, detail) = problem(&failed);
    assert_eq!(status, 400);
    assert!(detail.contains("code_challenge required"), "{detail}");
    assert!(failed.state().is_none());
}

#[test]
fn a_client_secret_is_not_sent_unless_chosen_and_a_wrong_one_is_not_checked() {
    let Some(mock) = MockServer::start() else {
        return;
    };
    let mut driver = Driver::new(Config::new()).unwrap();
    let confidential = || {
        ClientConfig::new(CLIENT_ID, REDIRECT_URI)
            .unwrap()
            .client_secret(ClientSecret::new("wrong-secret"))
    };

    // The metadata lists `none` only, so the library will not guess how to
    // send a secret.
    let failed = driver.discover(mock.issuer(), confidential()).unwrap_err();
    let Error::NoMetadata { tried } = failed.error() else {
        panic!("{failed:?}");
    };
    assert!(
        tried.iter().any(|(_, error)| matches!(
            error,
            DiscoveryError::NoSupportedAuthMethod { advertised } if advertised == &["none"]
        )),
        "{tried:?}"
    );

    // Chosen by name, a wrong secret goes through: the mock checks none.
    let client = confidential().auth_method(ClientAuthMethod::ClientSecretBasic);
    let discovered = driver.discover(mock.issuer(), client).unwrap();
    let (awaiting, url) = driver.authorize(&discovered, params()).unwrap();
    let callback = mock_server::follow(&mut Browser::new(), &url);
    let exchanging = awaiting.handle_callback(callback.as_str()).unwrap();
    driver
        .exchange(exchanging)
        .expect("the mock accepts any secret");
    note("oauth2-mock-server checks no client secret: the wrong-secret case cannot be produced");
}

#[test]
fn there_is_no_consent_to_deny_the_code_comes_at_once() {
    let Some(mock) = MockServer::start() else {
        return;
    };
    let mut driver = Driver::new(Config::new()).unwrap();
    let discovered = driver
        .discover(
            mock.issuer(),
            ClientConfig::new(CLIENT_ID, REDIRECT_URI).unwrap(),
        )
        .unwrap();
    let (_awaiting, url) = driver.authorize(&discovered, params()).unwrap();
    let first = Browser::new().get(&url);
    assert_eq!(first.status, 302);
    let callback = first.location.expect("a redirect");
    assert!(callback.as_str().starts_with(REDIRECT_URI));
    assert!(callback.query_pairs().any(|(name, _)| name == "code"));
    note("oauth2-mock-server has no consent step: the denied-consent case cannot be produced");
}
