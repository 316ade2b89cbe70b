//! Against oidc-provider: a certified OpenID Provider with login and consent
//! pages, RFC 9207 `iss`, PKCE required, and refresh tokens that rotate for
//! public clients and are revoked together with their grant.

use std::time::{Duration, SystemTime};

use oauth_flow::http::{Request, header};
use oauth_flow::{
    AuthorizeParams, Authorized, BearerChallenge, CallbackError, ClientAuthMethod, ClientConfig,
    ClientSecret, Discovered, Exchanging, FlowState, RefreshError, TokenTypeHint,
};
use oauth_flow_interop::oidc_provider::{
    self, BASIC_CLIENT, CLIENT_SECRET, POST_CLIENT, PUBLIC_CLIENT,
};
use oauth_flow_interop::{
    Browser, Cli, OidcProvider, get_resource, inject_into, json, person, server_error, text,
    two_copies,
};
use oauth_flow_ureq::{Config, Driver, Error, Failed, LoopbackReceiver};

/// The person's login name, which becomes `sub`.
const LOGIN: &str = "interop-person";

/// A redirect URI with nothing listening: the browser stops at the redirect
/// and the test reads the callback from it.
const REDIRECT_URI: &str = "http://127.0.0.1:8976/callback";

/// What a refresh token needs here (OpenID Connect Core §11): the scope
/// `offline_access` and `prompt=consent`.
fn offline_params() -> AuthorizeParams {
    AuthorizeParams::new()
        .scope("openid")
        .scope("offline_access")
        .param("prompt", "consent")
}

fn receiver() -> LoopbackReceiver {
    LoopbackReceiver::bind()
        .expect("a loopback port")
        .timeout(Duration::from_secs(30))
}

fn client(client_id: &str, redirect_uri: &str, secret: Option<&str>) -> ClientConfig {
    let mut config = ClientConfig::new(client_id, redirect_uri).unwrap();
    if let Some(secret) = secret {
        config = config.client_secret(ClientSecret::new(secret));
    }
    if client_id == POST_CLIENT {
        config = config.auth_method(ClientAuthMethod::ClientSecretPost);
    }
    config
}

fn userinfo_status(op: &OidcProvider, authorized: &Authorized) -> u16 {
    let bearer = authorized.bearer(SystemTime::now()).expect("a fresh token");
    get_resource(&op.userinfo_endpoint(), &bearer)
        .status()
        .as_u16()
}

/// Logs in through the driver's loopback receiver, the person at the pages.
fn login(
    op: &OidcProvider,
    driver: &mut Driver,
    client_id: &str,
    secret: Option<&str>,
) -> Result<Authorized, Failed> {
    let receiver = receiver();
    let config = client(client_id, &receiver.redirect_uri(), secret);
    let discovered = driver.discover(op.issuer(), config).expect("discovery");
    let mut browsing = None;
    let authorized = driver.login(
        &discovered,
        offline_params(),
        |url| {
            browsing = Some(person(url, |browser, url| {
                oidc_provider::sign_in_and_consent(browser, url, LOGIN)
            }));
        },
        receiver,
    );
    browsing
        .expect("the URL was shown")
        .join()
        .expect("the person got through");
    authorized
}

/// Authorizes without a receiver: the person walks to the callback, and the
/// callback is checked. Returns the state ready to exchange.
fn authorize(driver: &mut Driver, discovered: &Discovered) -> Exchanging {
    let (awaiting, url) = driver.authorize(discovered, offline_params()).unwrap();
    let callback = oidc_provider::sign_in_and_consent(&mut Browser::new(), &url, LOGIN);
    assert!(
        callback.query_pairs().any(|(name, _)| name == "iss"),
        "RFC 9207: {callback}"
    );
    awaiting
        .handle_callback(callback.as_str())
        .expect("state and iss match")
}

#[test]
fn ureq_driver_public_client_logs_in_calls_userinfo_refreshes_with_rotation_and_revokes() {
    let Some(op) = OidcProvider::start() else {
        return;
    };
    let mut driver = Driver::new(Config::new()).unwrap();
    let authorized = login(&op, &mut driver, PUBLIC_CLIENT, None).expect("login");

    let metadata = authorized.discovered().metadata();
    assert_eq!(metadata.issuer, op.issuer());
    assert!(metadata.authorization_response_iss_parameter_supported);
    let tokens = authorized.tokens();
    assert!(
        tokens.refresh_token().is_some(),
        "offline_access with prompt=consent"
    );
    assert!(tokens.id_token().is_some());
    assert!(
        tokens.scopes().iter().any(|s| s == "offline_access"),
        "{:?}",
        tokens.scopes()
    );
    assert!(tokens.deviations().is_empty(), "{:?}", tokens.deviations());

    let bearer = authorized.bearer(SystemTime::now()).unwrap();
    let me = get_resource(&op.userinfo_endpoint(), &bearer);
    assert_eq!(me.status(), 200);
    assert_eq!(json(&me)["sub"], LOGIN);

    // A public client's refresh token is rotated on every use.
    let first = tokens.refresh_token().unwrap().secret().to_owned();
    let authorized = driver.refresh(authorized).expect("refresh");
    let second = authorized
        .tokens()
        .refresh_token()
        .unwrap()
        .secret()
        .to_owned();
    assert_ne!(first, second, "rotated");
    assert_eq!(userinfo_status(&op, &authorized), 200);
    let authorized = driver
        .refresh(authorized)
        .expect("a second refresh, with the new token");
    assert_ne!(
        authorized.tokens().refresh_token().unwrap().secret(),
        second
    );

    // Revoking the refresh token ends the grant, its access tokens included.
    let bearer = authorized.bearer(SystemTime::now()).unwrap();
    driver
        .revoke(authorized, TokenTypeHint::RefreshToken)
        .expect("revocation");
    let me = get_resource(&op.userinfo_endpoint(), &bearer);
    assert_eq!(me.status(), 401, "the access token went with the grant");
}

#[tokio::test]
async fn reqwest_driver_confidential_client_keeps_its_refresh_token_and_revokes_the_access_token() {
    use oauth_flow_reqwest::{Config, Driver, LoopbackReceiver};

    let Some(op) = OidcProvider::start() else {
        return;
    };
    let mut driver = Driver::new(Config::new()).unwrap();
    let receiver = LoopbackReceiver::bind()
        .unwrap()
        .timeout(Duration::from_secs(30));
    let config = client(BASIC_CLIENT, &receiver.redirect_uri(), Some(CLIENT_SECRET));
    let discovered = driver.discover(op.issuer(), config).await.unwrap();
    assert_eq!(
        discovered.auth_method(),
        ClientAuthMethod::ClientSecretBasic,
        "chosen from the metadata"
    );
    let mut browsing = None;
    let authorized = driver
        .login(
            &discovered,
            offline_params(),
            |url| {
                browsing = Some(person(url, |browser, url| {
                    oidc_provider::sign_in_and_consent(browser, url, LOGIN)
                }));
            },
            receiver,
        )
        .await
        .expect("login");
    browsing.unwrap().join().expect("the person got through");

    let userinfo = |authorized: &Authorized| {
        Request::get(op.userinfo_endpoint().as_str())
            .header(
                header::AUTHORIZATION,
                authorized.bearer(SystemTime::now()).unwrap(),
            )
            .body(Vec::new())
            .unwrap()
    };
    let me = driver.send(userinfo(&authorized)).await.unwrap();
    assert_eq!(me.status(), 200);

    // A confidential client's refresh token is not rotated (until 70 % of
    // its lifetime has passed); an ID token comes with each refresh.
    let refresh_token = authorized
        .tokens()
        .refresh_token()
        .unwrap()
        .secret()
        .to_owned();
    let refreshed = driver.refresh(authorized).await.expect("refresh");
    let tokens = refreshed.tokens();
    assert_eq!(tokens.refresh_token().unwrap().secret(), refresh_token);
    assert!(tokens.id_token().is_some());

    // Revoking the access token; the resource then answers 401 with a
    // bearer challenge.
    let request = userinfo(&refreshed);
    driver
        .revoke(refreshed, TokenTypeHint::AccessToken)
        .await
        .expect("revocation");
    let me = driver.send(request).await.unwrap();
    assert_eq!(me.status(), 401);
    let challenge = BearerChallenge::from_headers(me.headers())
        .unwrap()
        .expect("a bearer challenge");
    assert_eq!(challenge.error.as_deref(), Some("invalid_token"));
}

#[test]
fn client_secret_post_client_logs_in_and_refreshes() {
    let Some(op) = OidcProvider::start() else {
        return;
    };
    let mut driver = Driver::new(Config::new()).unwrap();
    let authorized = login(&op, &mut driver, POST_CLIENT, Some(CLIENT_SECRET)).expect("login");
    assert_eq!(
        authorized.discovered().auth_method(),
        ClientAuthMethod::ClientSecretPost
    );
    let authorized = driver.refresh(authorized).expect("refresh");
    assert_eq!(userinfo_status(&op, &authorized), 200);
    driver
        .revoke(authorized, TokenTypeHint::RefreshToken)
        .expect("revocation");
}

#[test]
fn a_code_injected_into_another_login_fails_pkce_with_the_servers_error_and_is_not_resent() {
    let Some(op) = OidcProvider::start() else {
        return;
    };
    let mut driver = Driver::new(Config::new()).unwrap();
    let discovered = driver
        .discover(op.issuer(), client(PUBLIC_CLIENT, REDIRECT_URI, None))
        .unwrap();

    // The person completes login A; its code is then delivered to login B,
    // with B's state: B's code verifier does not match A's challenge.
    let (_login_a, url_a) = driver.authorize(&discovered, offline_params()).unwrap();
    let (login_b, url_b) = driver.authorize(&discovered, offline_params()).unwrap();
    let callback = oidc_provider::sign_in_and_consent(&mut Browser::new(), &url_a, LOGIN);
    let callback = inject_into(&callback, &url_b);
    let exchanging = login_b
        .handle_callback(callback.as_str())
        .expect("B's state and the right iss");

    let failed = driver.exchange(exchanging).unwrap_err();
    let error = server_error(&failed);
    assert_eq!(error.error, "invalid_grant");
    assert_eq!(
        error.error_description.as_deref(),
        Some("grant request is invalid")
    );
    assert!(
        failed.state().is_none(),
        "no state to send the code again from"
    );
    assert!(!failed.is_safe_to_retry());
}

#[test]
fn a_reused_code_is_refused_and_the_refresh_token_it_issued_is_dropped_not_resent() {
    let Some(op) = OidcProvider::start() else {
        return;
    };
    let mut driver = Driver::new(Config::new()).unwrap();
    let discovered = driver
        .discover(op.issuer(), client(PUBLIC_CLIENT, REDIRECT_URI, None))
        .unwrap();
    let exchanging = authorize(&mut driver, &discovered);

    // A stale copy of the stored state, replayed: the library cannot send a
    // code twice from one state.
    let (exchanging, stale_copy) = two_copies(exchanging);
    let authorized = driver.exchange(exchanging).expect("the first exchange");
    let failed = driver.exchange(stale_copy).unwrap_err();
    let error = server_error(&failed);
    assert_eq!(error.error, "invalid_grant");
    assert_eq!(
        error.error_description.as_deref(),
        Some("grant request is invalid")
    );
    assert!(failed.state().is_none());

    // The provider revokes what the reused code issued (RFC 6749 §4.1.2).
    assert_eq!(userinfo_status(&op, &authorized), 401);
    let failed = driver.refresh(authorized).unwrap_err();
    let error = server_error(&failed);
    assert_eq!(error.error, "invalid_grant");
    let Some(FlowState::Authorized(kept)) = failed.into_parts().1 else {
        panic!("the previous tokens come back");
    };
    assert!(
        kept.tokens().refresh_token().is_none(),
        "the refused refresh token is dropped"
    );
    let failed = driver.refresh(kept).unwrap_err();
    assert!(
        matches!(failed.error(), Error::Refresh(RefreshError::NoRefreshToken)),
        "nothing is sent: {failed}"
    );
}

#[test]
fn a_wrong_client_secret_is_refused_with_the_servers_error_for_basic_and_post() {
    let Some(op) = OidcProvider::start() else {
        return;
    };
    let mut driver = Driver::new(Config::new()).unwrap();
    for client_id in [BASIC_CLIENT, POST_CLIENT] {
        let failed = login(&op, &mut driver, client_id, Some("wrong-secret")).unwrap_err();
        let error = server_error(&failed);
        assert_eq!(error.error, "invalid_client", "{client_id}");
        assert_eq!(
            error.error_description.as_deref(),
            Some("client authentication failed"),
            "{client_id}"
        );
        assert!(
            failed.state().is_none(),
            "{client_id}: the code is not kept"
        );
    }
}

#[test]
fn a_denied_consent_reaches_the_caller_as_the_servers_access_denied() {
    let Some(op) = OidcProvider::start() else {
        return;
    };
    let mut driver = Driver::new(Config::new()).unwrap();
    let receiver = receiver();
    let discovered = driver
        .discover(
            op.issuer(),
            client(PUBLIC_CLIENT, &receiver.redirect_uri(), None),
        )
        .unwrap();
    let mut browsing = None;
    let failed = driver
        .login(
            &discovered,
            offline_params(),
            |url| browsing = Some(person(url, oidc_provider::abort)),
            receiver,
        )
        .unwrap_err();
    browsing.unwrap().join().expect("the person got through");
    let Error::Callback(CallbackError::Authorization(error)) = failed.error() else {
        panic!("expected the server's refusal, got {failed:?}");
    };
    assert_eq!(error.error, "access_denied");
    assert_eq!(
        error.error_description.as_deref(),
        Some("End-User aborted interaction")
    );
    assert!(
        failed.state().is_none(),
        "the flow ends; nothing is exchanged"
    );
}

#[test]
fn cli_logs_in_prints_a_token_refreshes_and_revokes() {
    let Some(op) = OidcProvider::start() else {
        return;
    };
    let Some(cli) = Cli::new() else {
        return;
    };
    let args = [
        "--issuer",
        op.issuer(),
        "--client-id",
        PUBLIC_CLIENT,
        "--scope",
        "openid",
        "--scope",
        "offline_access",
        "--param",
        "prompt=consent",
    ];
    let output = cli.login(&args, &[], |url| {
        let mut browser = Browser::new();
        let callback = oidc_provider::sign_in_and_consent(&mut browser, url, LOGIN);
        assert_eq!(browser.deliver(&callback), 200);
    });
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        text(&output.stdout).contains("refresh token:  yes"),
        "{}",
        text(&output.stdout)
    );

    let token = |cli: &Cli| {
        let output = cli.run(&["token"]);
        assert!(output.status.success(), "{}", text(&output.stderr));
        text(&output.stdout).trim().to_owned()
    };
    let bearer = |token: &str| format!("Bearer {token}").parse().unwrap();
    let first = token(&cli);
    let me = get_resource(&op.userinfo_endpoint(), &bearer(&first));
    assert_eq!(json(&me)["sub"], LOGIN);

    let refreshed = cli.run(&["refresh", "--json"]);
    assert!(refreshed.status.success(), "{}", text(&refreshed.stderr));
    let status: serde_json::Value = serde_json::from_slice(&refreshed.stdout).unwrap();
    assert_eq!(status["refresh_token"], true, "the rotated one is stored");
    let second = token(&cli);
    assert_ne!(first, second);
    assert_eq!(
        get_resource(&op.userinfo_endpoint(), &bearer(&second)).status(),
        200
    );

    let revoked = cli.run(&["revoke"]);
    assert!(revoked.status.success(), "{}", text(&revoked.stderr));
    assert_eq!(
        get_resource(&op.userinfo_endpoint(), &bearer(&second)).status(),
        401
    );
    assert_eq!(cli.run(&["token"]).status.code(), Some(3), "log in again");
}

#[test]
fn cli_shows_the_servers_error_for_a_wrong_secret_and_for_a_denial() {
    let Some(op) = OidcProvider::start() else {
        return;
    };
    let Some(cli) = Cli::new() else {
        return;
    };
    // Without a scope the provider refuses after the consent, with a bare
    // `access_denied`: every login here asks for `openid`.
    let args = [
        "--issuer",
        op.issuer(),
        "--client-id",
        BASIC_CLIENT,
        "--client-secret-env",
        "INTEROP_SECRET",
        "--scope",
        "openid",
    ];
    let output = cli.login(&args, &[("INTEROP_SECRET", "wrong-secret")], |url| {
        let mut browser = Browser::new();
        let callback = oidc_provider::sign_in_and_consent(&mut browser, url, LOGIN);
        browser.deliver(&callback);
    });
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(4), "{stderr}");
    assert!(
        stderr.contains("`invalid_client`: client authentication failed"),
        "{stderr}"
    );

    let args = [
        "--issuer",
        op.issuer(),
        "--client-id",
        PUBLIC_CLIENT,
        "--scope",
        "openid",
    ];
    let output = cli.login(&args, &[], |url| {
        let mut browser = Browser::new();
        let callback = oidc_provider::abort(&mut browser, url);
        browser.deliver(&callback);
    });
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(4), "{stderr}");
    assert!(
        stderr.contains("`access_denied`: End-User aborted interaction"),
        "{stderr}"
    );
    assert_eq!(
        cli.run(&["status"]).status.code(),
        Some(3),
        "nothing stored"
    );
}
