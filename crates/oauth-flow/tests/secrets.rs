//! Secrets never show in `Debug` output, and server text cannot forge lines.

mod support;

use oauth_flow::{ClientSecret, FlowState, OAuthError, TokenTypeHint};
use serde_json::json;
use support::*;

const SECRETS: [&str; 6] = [
    "access-SECRET",
    "refresh-SECRET",
    "id-SECRET",
    "client-SECRET",
    "the-code",
    "SECRET-state",
];

#[test]
fn no_state_prints_a_secret_in_debug() {
    let scenario = Scenario::new().client(|c| c.client_secret(ClientSecret::new("client-SECRET")));
    let tokens = json!({
        "access_token": "access-SECRET", "refresh_token": "refresh-SECRET", "id_token": "id-SECRET",
        "token_type": "Bearer", "expires_in": 60, "vendor_secret": "vendor-SECRET"
    });
    let (awaiting, state) = scenario.awaiting();
    let mut printed = vec![
        format!("{awaiting:?}"),
        format!("{:?}", scenario.exchanging()),
    ];
    let authorized = scenario.authorized(&tokens, at(0));
    printed.push(format!("{authorized:?}"));
    printed.push(format!("{:?}", authorized.tokens()));
    let refreshing = authorized.refresh().unwrap();
    printed.push(format!("{refreshing:?}"));
    printed.push(format!("{:?}", FlowState::from(refreshing)));
    let revoking = scenario
        .authorized(&tokens, at(0))
        .revoke(TokenTypeHint::RefreshToken)
        .unwrap();
    printed.push(format!("{revoking:?}"));

    for text in &printed {
        for secret in SECRETS.iter().chain(&["vendor-SECRET", state.as_str()]) {
            assert!(!text.contains(secret), "{secret} leaked in {text}");
        }
    }
    // The verifier is a secret too: take it from the request and look for it.
    let verifier = form_value(&scenario.exchanging().request(), "code_verifier").unwrap();
    assert!(!format!("{:?}", scenario.exchanging()).contains(&verifier));
}

#[test]
fn token_error_excerpt_redacts_tokens() {
    let body = r#"{"access_token":"access-SECRET","refresh_token":"refresh-SECRET"}"#;
    let err = Scenario::new()
        .exchanging()
        .handle_response(&respond(502, Some("application/json"), body), at(0))
        .unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(
        !shown.contains("access-SECRET") && !shown.contains("refresh-SECRET"),
        "{shown}"
    );
}

#[test]
fn server_text_with_control_characters_cannot_forge_lines() {
    let error = OAuthError {
        error: "invalid_grant".into(),
        error_description: Some("fine\n\u{1b}[2KERROR: fake line".into()),
        error_uri: None,
    };
    let shown = error.to_string();
    assert!(
        !shown.contains('\n') && !shown.contains('\u{1b}'),
        "{shown}"
    );
    // The value itself is kept intact for the caller.
    assert!(error.error_description.unwrap().contains('\n'));
}

#[test]
fn server_text_cannot_reorder_a_terminal_line() {
    let error = OAuthError {
        error: "invalid_grant".into(),
        error_description: Some("abc\u{202e}fed".into()),
        error_uri: None,
    };
    assert!(!error.to_string().contains('\u{202e}'));
}
