//! Against oidc-provider-mock (Flask and Authlib), with client registration
//! required: one sign-in form, only the OpenID Connect discovery document,
//! no `code_challenge_methods_supported`, no revocation endpoint, no public
//! clients, no PKCE check, and refresh responses without a new refresh
//! token.

use std::net::{Ipv4Addr, TcpListener};
use std::time::{Duration, SystemTime};

use oauth_flow::http::{Request, header};
use oauth_flow::{
    AuthorizeParams, Authorized, CallbackError, ClientAuthMethod, ClientConfig, FlowState,
    RevocationError, TokenTypeHint,
};
use oauth_flow_interop::provider_mock::{self, ProviderMock, Registered};
use oauth_flow_interop::{
    Browser, Cli, get_resource, inject_into, json, note, person, server_error, text, two_copies,
};
use oauth_flow_ureq::{Config, Driver, Error, LoopbackReceiver};

/// The subject the person types in, which the mock also uses as `email`.
const SUB: &str = "person@interop.test";

/// A redirect URI with nothing listening, for the flows read by hand.
const REDIRECT_URI: &str = "http://127.0.0.1:8976/callback";

fn params() -> AuthorizeParams {
    AuthorizeParams::new().scope("openid").scope("email")
}

fn client(registered: &Registered, redirect_uri: &str) -> ClientConfig {
    ClientConfig::new(&registered.client_id, redirect_uri)
        .unwrap()
        .client_secret(registered.client_secret.clone())
}

fn receiver() -> LoopbackReceiver {
    LoopbackReceiver::bind()
        .unwrap()
        .timeout(Duration::from_secs(30))
}

fn code_challenge_method(url: &oauth_flow::url::Url) -> Option<String> {
    url.query_pairs()
        .find(|(name, _)| name == "code_challenge_method")
        .map(|(_, value)| value.into_owned())
}

#[test]
fn ureq_driver_logs_in_calls_userinfo_refreshes_without_rotation_and_finds_no_revocation() {
    let Some(mock) = ProviderMock::start() else {
        return;
    };
    let mut driver = Driver::new(Config::new()).unwrap();
    let receiver = receiver();
    let registered = mock.register(
        &receiver.redirect_uri(),
        ClientAuthMethod::ClientSecretBasic,
    );
    let discovered = driver
        .discover(mock.issuer(), client(&registered, &receiver.redirect_uri()))
        .expect("discovery");
    let metadata = discovered.metadata();
    assert!(metadata.code_challenge_methods_supported.is_none());
    assert!(metadata.token_endpoint_auth_methods_supported.is_none());
    assert_eq!(
        discovered.auth_method(),
        ClientAuthMethod::ClientSecretBasic,
        "RFC 8414's default when none is listed"
    );

    let mut browsing = None;
    let mut method = None;
    let authorized = driver
        .login(
            &discovered,
            params(),
            |url| {
                method = code_challenge_method(url);
                browsing = Some(person(url, |browser, url| {
                    provider_mock::sign_in(browser, url, SUB)
                }));
            },
            receiver,
        )
        .expect("login");
    browsing.unwrap().join().expect("the person got through");
    assert_eq!(
        method.as_deref(),
        Some("S256"),
        "S256 although none is advertised"
    );

    let tokens = authorized.tokens();
    assert!(tokens.refresh_token().is_some() && tokens.id_token().is_some());
    let me = get_resource(
        &mock.userinfo_endpoint(),
        &authorized.bearer(SystemTime::now()).unwrap(),
    );
    assert_eq!(me.status(), 200);
    assert_eq!(json(&me)["sub"], SUB);
    assert_eq!(json(&me)["email"], SUB);

    // The refresh response carries neither a refresh token nor an ID token:
    // both are kept, and the same refresh token works again.
    let refresh_token = tokens.refresh_token().unwrap().secret().to_owned();
    let authorized = driver.refresh(authorized).expect("refresh");
    assert_eq!(
        authorized.tokens().refresh_token().unwrap().secret(),
        refresh_token
    );
    assert!(authorized.tokens().id_token().is_some());
    let authorized = driver.refresh(authorized).expect("a second refresh");
    let me = get_resource(
        &mock.userinfo_endpoint(),
        &authorized.bearer(SystemTime::now()).unwrap(),
    );
    assert_eq!(me.status(), 200);

    // No revocation endpoint: the tokens come back, to be forgotten locally.
    let failed = driver
        .revoke(authorized, TokenTypeHint::RefreshToken)
        .unwrap_err();
    assert!(matches!(
        failed.error(),
        Error::Revocation(RevocationError::Unsupported)
    ));
    assert!(matches!(failed.state(), Some(FlowState::Authorized(_))));
}

#[tokio::test]
async fn reqwest_driver_client_secret_post_logs_in_but_its_refresh_is_refused() {
    use oauth_flow_reqwest::{Config, Driver, Error, LoopbackReceiver};

    let Some(mock) = ProviderMock::start() else {
        return;
    };
    let mut driver = Driver::new(Config::new()).unwrap();
    let receiver = LoopbackReceiver::bind()
        .unwrap()
        .timeout(Duration::from_secs(30));
    let registered = mock.register(&receiver.redirect_uri(), ClientAuthMethod::ClientSecretPost);
    let config = client(&registered, &receiver.redirect_uri())
        .auth_method(ClientAuthMethod::ClientSecretPost);
    let discovered = driver.discover(mock.issuer(), config).await.unwrap();
    let mut browsing = None;
    let authorized: Authorized = driver
        .login(
            &discovered,
            params(),
            |url| {
                browsing = Some(person(url, |browser, url| {
                    provider_mock::sign_in(browser, url, SUB)
                }));
            },
            receiver,
        )
        .await
        .expect("login");
    browsing.unwrap().join().unwrap();

    let request = Request::get(mock.userinfo_endpoint().as_str())
        .header(
            header::AUTHORIZATION,
            authorized.bearer(SystemTime::now()).unwrap(),
        )
        .body(Vec::new())
        .unwrap();
    let me = driver.send(request).await.unwrap();
    assert_eq!(me.status(), 200);

    // The mock's refresh grant accepts client_secret_basic only, whatever
    // the client registered, and its metadata does not say so.
    let failed = driver.refresh(authorized).await.unwrap_err();
    let Error::Token(oauth_flow::TokenError::Server(error)) = failed.error() else {
        panic!("{failed:?}");
    };
    assert_eq!(error.error, "invalid_client");
    assert_eq!(
        error.error_description.as_deref(),
        Some("The client cannot authenticate with methods: ['client_secret_basic']")
    );
    let Some(FlowState::Authorized(kept)) = failed.into_parts().1 else {
        panic!("the tokens come back");
    };
    assert!(
        kept.tokens().refresh_token().is_some(),
        "not invalid_grant: the refresh token is kept"
    );
    note("oidc-provider-mock refreshes client_secret_basic clients only");
}

#[test]
fn cli_logs_in_on_a_registered_port_refreshes_and_says_there_is_no_revocation() {
    let Some(mock) = ProviderMock::start() else {
        return;
    };
    let Some(cli) = Cli::new() else {
        return;
    };
    // The mock compares redirect URIs exactly: register a port, log in on it.
    let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let redirect_uri = format!("http://127.0.0.1:{port}/callback");
    let registered = mock.register(&redirect_uri, ClientAuthMethod::ClientSecretBasic);
    let port = port.to_string();
    let args = [
        "--issuer",
        mock.issuer(),
        "--client-id",
        &registered.client_id,
        "--client-secret-env",
        "INTEROP_SECRET",
        "--redirect-port",
        &port,
        "--scope",
        "openid",
    ];
    let env = [("INTEROP_SECRET", registered.client_secret.secret())];
    let output = cli.login(&args, &env, |url| {
        let mut browser = Browser::new();
        let callback = provider_mock::sign_in(&mut browser, url, SUB);
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
    let refreshed = cli.run(&["refresh", "--json"]);
    assert!(refreshed.status.success(), "{}", text(&refreshed.stderr));
    let status: serde_json::Value = serde_json::from_slice(&refreshed.stdout).unwrap();
    assert_eq!(status["refresh_token"], true, "the old one is kept");

    let revoked = cli.run(&["revoke"]);
    assert!(revoked.status.success(), "{}", text(&revoked.stderr));
    assert!(
        text(&revoked.stdout).contains("offers no revocation endpoint"),
        "{}",
        text(&revoked.stdout)
    );
    assert_eq!(cli.run(&["status"]).status.code(), Some(3));
}

/// Registers a client, authorizes it and returns the callback's state,
/// ready to exchange, with the client configured by `configure`.
fn authorized_code(
    mock: &ProviderMock,
    configure: impl FnOnce(ClientConfig) -> ClientConfig,
) -> (Driver, oauth_flow::Exchanging) {
    let mut driver = Driver::new(Config::new()).unwrap();
    let registered = mock.register(REDIRECT_URI, ClientAuthMethod::ClientSecretBasic);
    let config = configure(client(&registered, REDIRECT_URI));
    let discovered = driver.discover(mock.issuer(), config).unwrap();
    let (awaiting, url) = driver.authorize(&discovered, params()).unwrap();
    let callback = provider_mock::sign_in(&mut Browser::new(), &url, SUB);
    let exchanging = awaiting.handle_callback(callback.as_str()).unwrap();
    (driver, exchanging)
}

#[test]
fn a_wrong_client_secret_is_refused_with_the_servers_error() {
    let Some(mock) = ProviderMock::start() else {
        return;
    };
    let (driver, exchanging) = authorized_code(&mock, |config| {
        config.client_secret(oauth_flow::ClientSecret::new("wrong-secret"))
    });
    let failed = driver.exchange(exchanging).unwrap_err();
    let error = server_error(&failed);
    assert_eq!(error.error, "invalid_client");
    // Authlib says which methods it tried, not that the secret was wrong.
    assert_eq!(
        error.error_description.as_deref(),
        Some(
            "The client cannot authenticate with methods: \
             ['client_secret_basic', 'client_secret_post']"
        )
    );
    assert!(failed.state().is_none());
}

#[test]
fn a_client_without_its_secret_is_refused_with_the_servers_error() {
    let Some(mock) = ProviderMock::start() else {
        return;
    };
    let (driver, exchanging) = authorized_code(&mock, |config| {
        ClientConfig::new(config.client_id(), REDIRECT_URI).unwrap()
    });
    let failed = driver.exchange(exchanging).unwrap_err();
    let error = server_error(&failed);
    assert_eq!(error.error, "invalid_client");
    assert_eq!(
        error.error_description.as_deref(),
        Some(
            "The client cannot authenticate with methods: \
             ['client_secret_basic', 'client_secret_post']"
        )
    );
    assert!(failed.state().is_none());
}

#[test]
fn a_reused_code_is_refused_with_the_servers_error() {
    let Some(mock) = ProviderMock::start() else {
        return;
    };
    let (driver, exchanging) = authorized_code(&mock, |config| config);
    let (exchanging, stale_copy) = two_copies(exchanging);
    driver.exchange(exchanging).expect("the first exchange");
    let failed = driver.exchange(stale_copy).unwrap_err();
    let error = server_error(&failed);
    assert_eq!(error.error, "invalid_grant");
    assert_eq!(
        error.error_description.as_deref(),
        Some("Invalid 'code' in request.")
    );
    assert!(failed.state().is_none());
}

#[test]
fn a_code_injected_into_another_login_is_accepted_because_pkce_is_not_checked() {
    let Some(mock) = ProviderMock::start() else {
        return;
    };
    let mut driver = Driver::new(Config::new()).unwrap();
    let registered = mock.register(REDIRECT_URI, ClientAuthMethod::ClientSecretBasic);
    let discovered = driver
        .discover(mock.issuer(), client(&registered, REDIRECT_URI))
        .unwrap();
    let (_login_a, url_a) = driver.authorize(&discovered, params()).unwrap();
    let (login_b, url_b) = driver.authorize(&discovered, params()).unwrap();
    let callback = provider_mock::sign_in(&mut Browser::new(), &url_a, SUB);
    let exchanging = login_b
        .handle_callback(inject_into(&callback, &url_b).as_str())
        .unwrap();
    driver
        .exchange(exchanging)
        .expect("the mock ignores the code verifier");
    note(
        "oidc-provider-mock does not check PKCE: the wrong-verifier case cannot be produced, \
         and an injected code is exchanged",
    );
}

#[test]
fn a_denial_without_state_cannot_be_told_from_a_forged_callback_and_is_ignored() {
    let Some(mock) = ProviderMock::start() else {
        return;
    };
    let mut driver = Driver::new(Config::new()).unwrap();
    let registered = mock.register(REDIRECT_URI, ClientAuthMethod::ClientSecretBasic);
    let discovered = driver
        .discover(mock.issuer(), client(&registered, REDIRECT_URI))
        .unwrap();
    let (awaiting, url) = driver.authorize(&discovered, params()).unwrap();
    let callback = provider_mock::deny(&mut Browser::new(), &url);
    let pairs: Vec<(String, String)> = callback.query_pairs().into_owned().collect();
    assert!(
        pairs
            .iter()
            .any(|(name, value)| name == "error" && value == "access_denied")
    );
    assert!(
        !pairs.iter().any(|(name, _)| name == "state"),
        "the mock drops state"
    );

    // RFC 6749 §4.1.2.1 requires the state back. Without it the callback is
    // refused before its error is read, and the login goes on waiting.
    let rejected = awaiting.handle_callback(callback.as_str()).unwrap_err();
    assert_eq!(rejected.error(), &CallbackError::StateMissing);
    assert!(rejected.state().is_some(), "still waiting for the real one");
    note(
        "oidc-provider-mock redirects a denial without state: the caller cannot be shown \
         its access_denied",
    );
}

#[test]
fn cli_waits_through_a_denial_without_state_until_its_timeout() {
    let Some(mock) = ProviderMock::start() else {
        return;
    };
    let Some(cli) = Cli::new() else {
        return;
    };
    let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let registered = mock.register(
        &format!("http://127.0.0.1:{port}/callback"),
        ClientAuthMethod::ClientSecretBasic,
    );
    let port = port.to_string();
    let args = [
        "--issuer",
        mock.issuer(),
        "--client-id",
        &registered.client_id,
        "--client-secret-env",
        "INTEROP_SECRET",
        "--redirect-port",
        &port,
        "--scope",
        "openid",
        "--timeout",
        "2",
    ];
    let env = [("INTEROP_SECRET", registered.client_secret.secret())];
    let output = cli.login(&args, &env, |url| {
        let mut browser = Browser::new();
        let callback = provider_mock::deny(&mut browser, url);
        assert_eq!(
            browser.deliver(&callback),
            400,
            "the receiver's page: not this sign-in"
        );
    });
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(6), "{stderr}");
    assert!(stderr.contains("no callback arrived"), "{stderr}");
}
