//! Regression tests for faults the fuzzers found, each with the server input
//! that showed it.

mod support;

use oauth_flow::FlowState;
use support::*;

/// A metadata document may carry vendor members with any JSON number. A
/// float that the default `serde_json` parser rounds differently on a second
/// read made a persisted `Discovered` come back unequal.
#[test]
fn metadata_with_a_large_float_member_round_trips_through_a_snapshot() {
    let scenario = Scenario::new();
    let mut body = scenario.metadata.to_string();
    body.pop();
    body.push_str(r#","x":4.5e300,"y":[{"z":-0.0}]}"#);
    let discovered = scenario
        .discovering()
        .handle_response(&respond(200, Some("application/json"), body))
        .unwrap();
    let state = FlowState::from(discovered);
    let text = state.to_snapshot().unwrap();
    let back = FlowState::from_snapshot(&text).unwrap();
    assert_eq!(back, state, "{}", *text);
}

/// Error messages are printed to terminals and logs. Text a server or a
/// forged callback chose must not bring control characters into them.
fn assert_printable(text: &str) {
    assert!(!text.chars().any(char::is_control), "{text:?}");
}

#[test]
fn insecure_endpoint_error_escapes_control_characters_in_the_url() {
    let scenario = Scenario::new().metadata(|m| {
        m["token_endpoint"] = "http://as.example.com/\n\u{1b}[2Kforged line".into();
    });
    let error = scenario
        .discovering()
        .handle_response(&json_response(200, &scenario.metadata))
        .unwrap_err();
    assert!(
        matches!(error, oauth_flow::DiscoveryError::InsecureEndpoint { .. }),
        "{error:?}"
    );
    assert_printable(&error.to_string());
}

#[test]
fn repeated_callback_parameter_error_escapes_control_characters_in_the_name() {
    let (awaiting, _) = Scenario::new().awaiting();
    let rejected = awaiting
        .handle_callback("?a%0A%1B%5B2K=1&a%0A%1B%5B2K=2")
        .unwrap_err();
    assert!(matches!(
        rejected.error(),
        oauth_flow::CallbackError::DuplicateParameter { .. }
    ));
    assert_printable(&rejected.error().to_string());
}

#[test]
fn invalid_snapshot_error_escapes_control_characters() {
    let text =
        r#"{"format":"oauth-flow/state","version":1,"state":"disc\novered\u001b","data":{}}"#;
    let error = FlowState::from_snapshot(text).unwrap_err();
    assert!(matches!(error, oauth_flow::PersistError::Invalid { .. }));
    assert_printable(&error.to_string());
}

/// A numeric-string `expires_in` too large for a `u64` saturates. Its
/// expiry was then reported as 1970, while `bearer` still worked, so a
/// caller scheduling refreshes from `expires_at` would refresh at once.
#[test]
fn a_huge_expires_in_gives_an_expiry_in_the_far_future_not_in_1970() {
    let tokens = serde_json::json!({
        "access_token": "AT", "token_type": "Bearer",
        "expires_in": "99999999999999999999999"
    });
    let authorized = Scenario::new().authorized(&tokens, at(0));
    let expires_at = authorized.tokens().expires_at().unwrap();
    assert!(expires_at > at(50 * 365 * 24 * 3600), "{expires_at:?}");
    assert!(authorized.bearer(at(0)).is_ok());
}

/// Excerpts of unparsed bodies hide token values. JSON may put tabs or line
/// breaks around the colon; the value after them was shown.
#[test]
fn excerpt_hides_a_token_after_json_whitespace() {
    for body in [
        "{\"access_token\"\t:\t\"SECRETVALUE1\"}",
        "{\n  \"access_token\":\n    \"SECRETVALUE1\"\n}",
        "{\"refresh_token\"\r\n:\"SECRETVALUE1\"}",
    ] {
        let error = Scenario::new()
            .exchanging()
            .handle_response(&respond(502, Some("application/json"), body), at(0))
            .unwrap_err();
        let shown = format!("{error} {error:?}");
        assert!(!shown.contains("SECRETVALUE1"), "{shown}");
    }
}
