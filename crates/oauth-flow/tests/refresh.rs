//! `Authorized | Expired` → `Refreshing` → `Authorized`.

mod support;

use http::{Method, header};
use oauth_flow::{
    AuthorizeParams, ClientSecret, Freshness, OAuthError, RefreshError, Refreshing, TokenError,
};
use serde_json::json;
use support::*;

fn refreshing(token: &serde_json::Value) -> Refreshing {
    Scenario::new().authorized(token, at(0)).refresh().unwrap()
}

#[test]
fn refresh_request_sends_the_refresh_token_and_resources() {
    let scenario = Scenario::new()
        .params(
            AuthorizeParams::new()
                .scope("read")
                .resource("https://mcp.example.com"),
        )
        .client(|c| c.client_secret(ClientSecret::new("s")));
    let request = scenario
        .authorized(&bearer("AT", 60, Some("RT")), at(0))
        .refresh()
        .unwrap()
        .request();
    assert_eq!(request.method(), Method::POST);
    assert_eq!(request.uri(), "https://as.example.com/token");
    assert_eq!(request.headers()[header::ACCEPT], "application/json");
    assert!(
        request.headers()[header::AUTHORIZATION]
            .to_str()
            .unwrap()
            .starts_with("Basic ")
    );
    assert_eq!(
        form_value(&request, "grant_type").as_deref(),
        Some("refresh_token")
    );
    assert_eq!(form_value(&request, "refresh_token").as_deref(), Some("RT"));
    assert_eq!(
        form_value(&request, "resource").as_deref(),
        Some("https://mcp.example.com")
    );
    assert_eq!(form_value(&request, "scope"), None);
}

#[test]
fn refresh_without_new_refresh_token_keeps_the_old_one() {
    // Google, Salesforce, Zoho: no rotation.
    for body in [
        json!({
            "access_token": "AT2", "api_domain": "https://api.example.com",
            "token_type": "Bearer", "expires_in": 3600
        }),
        json!({"access_token": "AT2", "token_type": "Bearer", "expires_in": 3600,
               "refresh_token": null}),
        json!({"access_token": "AT2", "token_type": "Bearer", "expires_in": 3600,
               "refresh_token": ""}),
    ] {
        let authorized = refreshing(&bearer("AT", 60, Some("RT")))
            .handle_response(&json_response(200, &body), at(100))
            .unwrap();
        assert_eq!(authorized.tokens().access_token().secret(), "AT2");
        assert_eq!(
            authorized.tokens().refresh_token().unwrap().secret(),
            "RT",
            "{body}"
        );
        // And the kept one works for the next refresh.
        let next = authorized.refresh().unwrap().request();
        assert_eq!(form_value(&next, "refresh_token").as_deref(), Some("RT"));
    }
}

#[test]
fn rotated_refresh_token_replaces_the_old_one() {
    let authorized = refreshing(&bearer("AT", 60, Some("RT1")))
        .handle_response(
            &json_response(200, &bearer("AT2", 60, Some("RT2"))),
            at(100),
        )
        .unwrap();
    assert_eq!(authorized.tokens().refresh_token().unwrap().secret(), "RT2");
}

#[test]
fn refresh_without_scope_keeps_the_granted_scopes() {
    let first = json!({
        "access_token": "AT", "token_type": "Bearer", "refresh_token": "RT", "scope": "a b"
    });
    let authorized = refreshing(&first)
        .handle_response(&json_response(200, &bearer("AT2", 60, None)), at(1))
        .unwrap();
    assert_eq!(authorized.tokens().scopes(), ["a", "b"]);
}

#[test]
fn refresh_without_expires_in_does_not_reuse_the_old_expiry() {
    let authorized = refreshing(&bearer("AT", 60, Some("RT")))
        .handle_response(
            &json_response(200, &json!({"access_token": "AT2", "token_type": "Bearer"})),
            at(120),
        )
        .unwrap();
    assert_eq!(authorized.tokens().expires_at(), None);
    assert!(
        authorized.bearer(at(10_000)).is_ok(),
        "not refreshing on every call"
    );
}

#[test]
fn refresh_expiry_counts_from_the_new_now() {
    let authorized = refreshing(&bearer("AT", 60, Some("RT")))
        .handle_response(&json_response(200, &bearer("AT2", 60, None)), at(500))
        .unwrap();
    assert_eq!(authorized.tokens().expires_at(), Some(at(560)));
}

#[test]
fn invalid_grant_means_reauthorization_and_drops_the_refresh_token() {
    let body = json!({"error": "invalid_grant", "error_description": "token revoked"});
    let rejected = refreshing(&bearer("AT", 60, Some("RT")))
        .handle_response(&json_response(400, &body), at(10))
        .unwrap_err();
    assert!(rejected.error().needs_reauthorization());
    assert!(!rejected.error().is_retryable());
    let previous = rejected.into_state();
    assert!(previous.tokens().refresh_token().is_none());
    // The access token may still be good until it expires.
    assert!(previous.bearer(at(11)).is_ok());
    let again = previous.refresh().unwrap_err();
    assert_eq!(again.error(), &RefreshError::NoRefreshToken);
}

#[test]
fn server_failure_is_retryable_and_keeps_the_refresh_token() {
    for response in [
        respond(503, Some("text/html"), "<html>down</html>"),
        json_response(400, &json!({"error": "temporarily_unavailable"})),
        respond(429, None, ""),
    ] {
        let rejected = refreshing(&bearer("AT", 60, Some("RT")))
            .handle_response(&response, at(10))
            .unwrap_err();
        assert!(rejected.error().is_retryable(), "{}", rejected.error());
        assert!(!rejected.error().needs_reauthorization());
        let retry = rejected.into_state().refresh().unwrap().request();
        assert_eq!(form_value(&retry, "refresh_token").as_deref(), Some("RT"));
    }
}

#[test]
fn server_error_reaches_the_caller_intact() {
    let body = json!({
        "error": "invalid_client",
        "error_description": "bad secret",
        "error_uri": "https://as.example.com/e"
    });
    let rejected = refreshing(&bearer("AT", 60, Some("RT")))
        .handle_response(&json_response(401, &body), at(10))
        .unwrap_err();
    assert_eq!(
        rejected.error(),
        &TokenError::Server(OAuthError {
            error: "invalid_client".into(),
            error_description: Some("bad secret".into()),
            error_uri: Some("https://as.example.com/e".into()),
        })
    );
}

#[test]
fn refresh_without_a_refresh_token_hands_the_state_back() {
    let authorized = Scenario::new().authorized(&bearer("AT", 60, None), at(0));
    let rejected = authorized.refresh().unwrap_err();
    assert_eq!(rejected.error(), &RefreshError::NoRefreshToken);
    assert!(rejected.into_state().bearer(at(1)).is_ok());
}

#[test]
fn expired_tokens_refresh_back_to_authorized() {
    let authorized = Scenario::new().authorized(&bearer("AT", 60, Some("RT")), at(0));
    let Freshness::Expired(expired) = authorized.check(at(60)) else {
        panic!()
    };
    let authorized = expired
        .refresh()
        .unwrap()
        .handle_response(&json_response(200, &bearer("AT2", 60, None)), at(61))
        .unwrap();
    assert_eq!(authorized.bearer(at(62)).unwrap(), "Bearer AT2");
}

#[test]
fn redirect_on_refresh_is_refused() {
    let rejected = refreshing(&bearer("AT", 60, Some("RT")))
        .handle_response(&respond(308, None, ""), at(10))
        .unwrap_err();
    assert!(matches!(
        rejected.error(),
        TokenError::Redirect { status: 308, .. }
    ));
}

#[test]
fn abandoned_refresh_gives_the_same_tokens_back() {
    let refreshing = refreshing(&bearer("AT", 60, Some("RT")));
    assert_eq!(refreshing.discovered().metadata().issuer, ISSUER);
    let authorized = refreshing.abandon();
    assert_eq!(authorized.tokens().refresh_token().unwrap().secret(), "RT");
    assert!(authorized.bearer(at(1)).is_ok());
}
