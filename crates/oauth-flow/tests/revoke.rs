//! `Authorized | Expired` → `Revoking` → `Revoked` (RFC 7009).

mod support;

use http::Method;
use oauth_flow::{OAuthError, RevocationError, TokenTypeHint};
use serde_json::json;
use support::*;

#[test]
fn revocation_request_names_the_token_and_its_type() {
    let authorized = Scenario::new().authorized(&bearer("AT", 60, Some("RT")), at(0));
    let request = authorized
        .revoke(TokenTypeHint::RefreshToken)
        .unwrap()
        .request();
    assert_eq!(request.method(), Method::POST);
    assert_eq!(request.uri(), "https://as.example.com/revoke");
    assert_eq!(form_value(&request, "token").as_deref(), Some("RT"));
    assert_eq!(
        form_value(&request, "token_type_hint").as_deref(),
        Some("refresh_token")
    );
    assert_eq!(form_value(&request, "client_id").as_deref(), Some("cli"));

    let authorized = Scenario::new().authorized(&bearer("AT", 60, Some("RT")), at(0));
    let request = authorized
        .revoke(TokenTypeHint::AccessToken)
        .unwrap()
        .request();
    assert_eq!(form_value(&request, "token").as_deref(), Some("AT"));
    assert_eq!(
        form_value(&request, "token_type_hint").as_deref(),
        Some("access_token")
    );
}

#[test]
fn status_200_ends_the_flow() {
    let authorized = Scenario::new().authorized(&bearer("AT", 60, Some("RT")), at(0));
    let revoked = authorized
        .revoke(TokenTypeHint::RefreshToken)
        .unwrap()
        .handle_response(&respond(200, None, ""))
        .unwrap();
    assert_eq!(revoked.discovered().metadata().issuer, ISSUER);
}

#[test]
fn server_refusal_hands_the_state_back_with_the_error() {
    let authorized = Scenario::new().authorized(&bearer("AT", 60, Some("RT")), at(0));
    let revoking = authorized.revoke(TokenTypeHint::AccessToken).unwrap();
    let rejected = revoking
        .handle_response(&json_response(
            400,
            &json!({"error": "unsupported_token_type"}),
        ))
        .unwrap_err();
    assert_eq!(
        rejected.error(),
        &RevocationError::Server(OAuthError {
            error: "unsupported_token_type".into(),
            error_description: None,
            error_uri: None,
        })
    );
    // Try again later: the same request.
    assert_eq!(
        form_value(&rejected.into_state().request(), "token").as_deref(),
        Some("AT")
    );
}

#[test]
fn unavailable_server_hands_the_state_back() {
    let authorized = Scenario::new().authorized(&bearer("AT", 60, None), at(0));
    let rejected = authorized
        .revoke(TokenTypeHint::AccessToken)
        .unwrap()
        .handle_response(&respond(503, None, "busy"))
        .unwrap_err();
    assert!(matches!(
        rejected.error(),
        RevocationError::UnexpectedResponse { status: 503, .. }
    ));
}

#[test]
fn redirect_is_refused() {
    let authorized = Scenario::new().authorized(&bearer("AT", 60, None), at(0));
    let rejected = authorized
        .revoke(TokenTypeHint::AccessToken)
        .unwrap()
        .handle_response(&respond(307, None, ""))
        .unwrap_err();
    assert_eq!(rejected.error(), &RevocationError::Redirect { status: 307 });
}

#[test]
fn server_without_revocation_endpoint_says_so_and_keeps_the_tokens() {
    // Razorpay's MCP server publishes no revocation endpoint.
    let scenario = Scenario::new().metadata(|m| {
        m.as_object_mut().unwrap().remove("revocation_endpoint");
    });
    let rejected = scenario
        .authorized(&bearer("AT", 60, None), at(0))
        .revoke(TokenTypeHint::AccessToken)
        .unwrap_err();
    assert_eq!(rejected.error(), &RevocationError::Unsupported);
    assert!(rejected.into_state().bearer(at(1)).is_ok());
}

#[test]
fn revoking_a_missing_refresh_token_is_refused() {
    let authorized = Scenario::new().authorized(&bearer("AT", 60, None), at(0));
    let rejected = authorized.revoke(TokenTypeHint::RefreshToken).unwrap_err();
    assert_eq!(rejected.error(), &RevocationError::NoRefreshToken);
}

#[test]
fn expired_tokens_can_be_revoked() {
    let authorized = Scenario::new().authorized(&bearer("AT", 60, Some("RT")), at(0));
    let expired = authorized.reject();
    assert!(expired.revoke(TokenTypeHint::RefreshToken).is_ok());
}
