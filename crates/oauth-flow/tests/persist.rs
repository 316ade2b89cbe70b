//! Every state survives a snapshot and resumes in another process.

mod support;

use oauth_flow::{FlowState, PersistError, TokenTypeHint};
use serde_json::{Value, json};
use support::*;

#[allow(clippy::needless_pass_by_value)]
fn round_trip(state: FlowState) -> FlowState {
    let text = state.to_snapshot().unwrap();
    let back = FlowState::from_snapshot(&text).unwrap();
    assert_eq!(back, state, "{}", state.name());
    back
}

fn every_state() -> Vec<FlowState> {
    let s = Scenario::new();
    let tokens = bearer("AT", 60, Some("RT"));
    vec![
        s.discovering().into(),
        s.discovered().into(),
        s.awaiting().0.into(),
        s.exchanging().into(),
        s.authorized(&tokens, at(0)).into(),
        s.authorized(&tokens, at(0)).reject().into(),
        s.authorized(&tokens, at(0)).refresh().unwrap().into(),
        s.authorized(&tokens, at(0))
            .revoke(TokenTypeHint::RefreshToken)
            .unwrap()
            .into(),
        s.authorized(&tokens, at(0))
            .revoke(TokenTypeHint::RefreshToken)
            .unwrap()
            .handle_response(&respond(200, None, ""))
            .unwrap()
            .into(),
    ]
}

#[test]
fn every_state_round_trips_to_an_equal_value() {
    let names: Vec<_> = every_state()
        .into_iter()
        .map(|state| round_trip(state).name())
        .collect();
    assert_eq!(
        names,
        [
            "Discovering",
            "Discovered",
            "AwaitingCallback",
            "Exchanging",
            "Authorized",
            "Expired",
            "Refreshing",
            "Revoking",
            "Revoked"
        ]
    );
}

#[test]
fn a_resumed_flow_accepts_its_callback() {
    let scenario = Scenario::new();
    let (awaiting, state) = scenario.awaiting();
    let stored = FlowState::from(awaiting).to_snapshot().unwrap();

    let FlowState::AwaitingCallback(resumed) = FlowState::from_snapshot(&stored).unwrap() else {
        panic!("wrong state")
    };
    let exchanging = resumed.handle_callback(&scenario.callback(&state)).unwrap();
    let authorized = exchanging
        .handle_response(&json_response(200, &bearer("AT", 60, None)), at(0))
        .unwrap();
    assert_eq!(authorized.bearer(at(1)).unwrap(), "Bearer AT");
}

#[test]
fn snapshot_of_another_version_is_refused() {
    let text = FlowState::from(Scenario::new().discovered())
        .to_snapshot()
        .unwrap();
    let mut value: Value = serde_json::from_str(&text).unwrap();
    value["version"] = json!(99);
    let err = FlowState::from_snapshot(&value.to_string()).unwrap_err();
    assert!(matches!(
        err,
        PersistError::UnsupportedVersion {
            found: 99,
            supported: 1
        }
    ));
}

#[test]
fn text_that_is_not_a_snapshot_is_refused() {
    for text in [
        "",
        "[]",
        "{}",
        r#"{"format":"other","version":1}"#,
        r#"{"format":"oauth-flow/state"}"#,
    ] {
        assert!(
            matches!(
                FlowState::from_snapshot(text),
                Err(PersistError::NotASnapshot)
            ),
            "{text}"
        );
    }
}

#[test]
fn tampered_endpoint_is_refused_when_read_back() {
    let text = FlowState::from(Scenario::new().discovered())
        .to_snapshot()
        .unwrap();
    let tampered = text.replace(
        "https://as.example.com/token",
        "http://evil.example.net/token",
    );
    assert_ne!(tampered, *text);
    assert!(matches!(
        FlowState::from_snapshot(&tampered),
        Err(PersistError::Invalid { .. })
    ));
}

#[test]
fn oversized_snapshot_is_refused() {
    let text = " ".repeat(oauth_flow::MAX_SNAPSHOT_BYTES + 1);
    assert!(matches!(
        FlowState::from_snapshot(&text),
        Err(PersistError::TooLarge { .. })
    ));
}

#[test]
fn hand_edited_access_token_that_cannot_be_a_header_is_refused_not_sent() {
    let authorized = Scenario::new().authorized(&bearer("AT", 60, None), at(0));
    let text = FlowState::from(authorized).to_snapshot().unwrap();
    let edited = text.replace("\"AT\"", "\"A\\nT\"");
    let FlowState::Authorized(authorized) = FlowState::from_snapshot(&edited).unwrap() else {
        panic!("wrong state")
    };
    assert_eq!(
        authorized.bearer(at(1)).unwrap_err(),
        oauth_flow::BearerError::InvalidToken
    );
}

#[test]
fn a_decoding_error_never_quotes_the_stored_values() {
    let authorized =
        Scenario::new().authorized(&bearer("AT", 60, Some("the-refresh-token")), at(0));
    let text = FlowState::from(authorized).to_snapshot().unwrap();
    let value: Value = serde_json::from_str(&text).unwrap();
    let issued_at = value["data"]["tokens"]["issued_at"].to_string();
    let edited = text.replace(
        &format!("\"issued_at\":{issued_at}"),
        "\"issued_at\":\"the-refresh-token\"",
    );
    assert_ne!(edited, *text);
    let err = FlowState::from_snapshot(&edited).unwrap_err();
    assert!(
        !format!("{err} {err:?}").contains("the-refresh-token"),
        "{err}"
    );
}

#[test]
fn a_redirect_uri_edited_to_another_host_is_refused() {
    let text = FlowState::from(Scenario::new().discovered())
        .to_snapshot()
        .unwrap();
    for evil in ["http://evil.example.net/cb", "javascript:alert(1)"] {
        let edited = text.replace("http://127.0.0.1:8976/callback", evil);
        assert_ne!(edited, *text);
        assert!(FlowState::from_snapshot(&edited).is_err(), "{evil}");
    }
}

#[test]
fn a_revocation_endpoint_edited_away_from_the_servers_is_refused() {
    let authorized = Scenario::new().authorized(&bearer("AT", 60, Some("RT")), at(0));
    let revoking = authorized
        .revoke(oauth_flow::TokenTypeHint::RefreshToken)
        .unwrap();
    let text = FlowState::from(revoking).to_snapshot().unwrap();
    let mut value: Value = serde_json::from_str(&text).unwrap();
    value["data"]["endpoint"] = json!("https://evil.example.net/collect");
    assert!(FlowState::from_snapshot(&value.to_string()).is_err());
}
