//! State `AwaitingCallback` → `Exchanging`: checking the redirect back.

mod support;

use oauth_flow::{AuthorizeParams, CallbackError, FormError, MAX_CALLBACK_BYTES, OAuthError};
use serde_json::json;
use support::*;

const ISS: &str = "https%3A%2F%2Fas.example.com";

fn refused(scenario: &Scenario, callback: impl FnOnce(&str) -> String) -> (CallbackError, bool) {
    let (awaiting, state) = scenario.awaiting();
    let rejected = awaiting.handle_callback(&callback(&state)).unwrap_err();
    let (kept, error) = rejected.into_parts();
    (error, kept.is_some())
}

#[test]
fn matching_state_and_iss_move_on_to_the_exchange() {
    let scenario = Scenario::new();
    let (awaiting, state) = scenario.awaiting();
    let exchanging = awaiting
        .handle_callback(&scenario.callback(&state))
        .unwrap();
    assert_eq!(
        form_value(&exchanging.request(), "code").as_deref(),
        Some("the-code")
    );
}

#[test]
fn bare_query_with_or_without_question_mark_is_accepted() {
    let scenario = Scenario::new();
    for prefix in ["", "?"] {
        let (awaiting, state) = scenario.awaiting();
        let query = format!("{prefix}code=c&state={state}&iss={ISS}");
        assert!(awaiting.handle_callback(&query).is_ok(), "{query}");
    }
}

#[test]
fn missing_state_is_refused_and_the_flow_keeps_waiting() {
    let (error, kept) = refused(&Scenario::new(), |_| format!("{REDIRECT}?code=c&iss={ISS}"));
    assert_eq!(error, CallbackError::StateMissing);
    assert!(kept);
}

#[test]
fn wrong_state_is_refused_and_the_right_callback_still_works() {
    let scenario = Scenario::new();
    let (awaiting, state) = scenario.awaiting();
    let forged = format!("{REDIRECT}?code=c&state=ATTACKER&iss={ISS}");
    let rejected = awaiting.handle_callback(&forged).unwrap_err();
    assert_eq!(rejected.error(), &CallbackError::StateMismatch);
    let awaiting = rejected
        .into_state()
        .expect("a forged callback leaves the flow waiting");
    assert!(awaiting.handle_callback(&scenario.callback(&state)).is_ok());
}

#[test]
fn state_that_is_a_url_is_just_a_mismatch() {
    let (error, _) = refused(&Scenario::new(), |_| {
        format!("{REDIRECT}?code=c&state=https%3A%2F%2Fevil.example.net%2F&iss={ISS}")
    });
    assert_eq!(error, CallbackError::StateMismatch);
}

#[test]
fn state_that_differs_only_in_length_is_a_mismatch() {
    let (error, _) = refused(&Scenario::new(), |s| {
        format!("?code=c&state={s}x&iss={ISS}")
    });
    assert_eq!(error, CallbackError::StateMismatch);
    let (error, _) = refused(&Scenario::new(), |s| {
        format!("?code=c&state={}&iss={ISS}", &s[..42])
    });
    assert_eq!(error, CallbackError::StateMismatch);
}

#[test]
fn repeated_state_is_refused() {
    let (error, kept) = refused(&Scenario::new(), |s| {
        format!("{REDIRECT}?code=c&state={s}&state=OTHER&iss={ISS}")
    });
    assert_eq!(
        error,
        CallbackError::DuplicateParameter {
            name: "state".into()
        }
    );
    assert!(kept);
}

#[test]
fn repeated_code_is_refused() {
    let (error, _) = refused(&Scenario::new(), |s| {
        format!("?code=a&code=b&state={s}&iss={ISS}")
    });
    assert_eq!(
        error,
        CallbackError::DuplicateParameter {
            name: "code".into()
        }
    );
}

#[test]
fn iss_missing_though_advertised_is_refused_and_ends_the_flow() {
    let (error, kept) = refused(&Scenario::new(), |s| format!("{REDIRECT}?code=c&state={s}"));
    assert_eq!(
        error,
        CallbackError::IssuerMissing {
            expected: ISSUER.into()
        }
    );
    assert!(!kept);
}

#[test]
fn iss_mismatch_is_refused() {
    let (error, kept) = refused(&Scenario::new(), |s| {
        format!("{REDIRECT}?code=c&state={s}&iss=https%3A%2F%2Fevil.example.net")
    });
    assert_eq!(
        error,
        CallbackError::IssuerMismatch {
            expected: ISSUER.into(),
            found: "https://evil.example.net".into()
        }
    );
    assert!(!kept);
}

#[test]
fn iss_is_compared_even_when_not_advertised() {
    let scenario = Scenario::new()
        .metadata(|m| m["authorization_response_iss_parameter_supported"] = json!(false));
    let (error, _) = refused(&scenario, |s| {
        format!("?code=c&state={s}&iss=https%3A%2F%2Fother.example")
    });
    assert!(matches!(error, CallbackError::IssuerMismatch { .. }));
    // Absent and not advertised: fine.
    let (awaiting, state) = scenario.awaiting();
    assert!(
        awaiting
            .handle_callback(&format!("?code=c&state={state}"))
            .is_ok()
    );
}

#[test]
fn iss_mismatch_hides_the_error_text_of_a_mixed_up_server() {
    let (error, _) = refused(&Scenario::new(), |s| {
        format!(
            "?error=access_denied&error_description=Call+evil&state={s}\
             &iss=https%3A%2F%2Fevil.example"
        )
    });
    assert!(matches!(error, CallbackError::IssuerMismatch { .. }));
}

#[test]
fn error_redirect_without_iss_is_refused_when_iss_is_advertised() {
    let (error, _) = refused(&Scenario::new(), |s| {
        format!("?error=access_denied&state={s}")
    });
    assert!(matches!(error, CallbackError::IssuerMissing { .. }));
}

#[test]
fn error_redirect_is_decoded_into_the_servers_error() {
    let (error, kept) = refused(&Scenario::new(), |s| {
        format!(
            "{REDIRECT}?error=access_denied\
             &error_description=The+user+has+denied+your+application+access.\
             &error_uri=https%3A%2F%2Fas.example.com%2Fdocs%23access-denied&state={s}&iss={ISS}"
        )
    });
    assert_eq!(
        error,
        CallbackError::Authorization(OAuthError {
            error: "access_denied".into(),
            error_description: Some("The user has denied your application access.".into()),
            error_uri: Some("https://as.example.com/docs#access-denied".into()),
        })
    );
    assert!(!kept);
}

#[test]
fn percent_twenty_in_the_description_is_decoded() {
    let (error, _) = refused(&Scenario::new(), |s| {
        format!(
            "?error=invalid_request&error_description=code%20challenge%20required\
             &state={s}&iss={ISS}"
        )
    });
    let CallbackError::Authorization(error) = error else {
        panic!("{error:?}")
    };
    assert_eq!(
        error.error_description.as_deref(),
        Some("code challenge required")
    );
}

#[test]
fn malformed_escape_is_a_parse_error() {
    let (error, kept) = refused(&Scenario::new(), |s| {
        format!("?error=server_error&error_description=bad%ZZ&state={s}")
    });
    assert_eq!(error, CallbackError::Malformed(FormError::BadEscape));
    assert!(kept);
}

#[test]
fn error_with_wrong_state_shows_no_server_text() {
    let (error, kept) = refused(&Scenario::new(), |_| {
        format!("?error=access_denied&error_description=Visit+evil.example&state=WRONG&iss={ISS}")
    });
    assert_eq!(error, CallbackError::StateMismatch);
    assert!(kept);
}

#[test]
fn callback_without_code_or_error_is_refused() {
    let (error, kept) = refused(&Scenario::new(), |s| format!("?state={s}&iss={ISS}"));
    assert_eq!(error, CallbackError::CodeMissing);
    assert!(!kept);
    let (error, _) = refused(&Scenario::new(), |s| format!("?code=&state={s}&iss={ISS}"));
    assert_eq!(error, CallbackError::CodeMissing);
}

#[test]
fn url_without_query_has_no_state() {
    let (error, _) = refused(&Scenario::new(), |_| REDIRECT.to_owned());
    assert_eq!(error, CallbackError::StateMissing);
}

#[test]
fn fragment_is_ignored() {
    let scenario = Scenario::new();
    let (awaiting, state) = scenario.awaiting();
    let url = format!("{}#state=evil", scenario.callback(&state));
    assert!(awaiting.handle_callback(&url).is_ok());
}

#[test]
fn overlong_callback_is_refused() {
    let (error, kept) = refused(&Scenario::new(), |s| {
        format!("?state={s}&code=c&pad={}", "x".repeat(MAX_CALLBACK_BYTES))
    });
    assert_eq!(
        error,
        CallbackError::TooLong {
            limit: MAX_CALLBACK_BYTES
        }
    );
    assert!(kept);
}

#[test]
fn resources_from_the_authorization_request_reach_the_token_request() {
    let scenario =
        Scenario::new().params(AuthorizeParams::new().resource("https://mcp.example.com"));
    let request = scenario.exchanging().request();
    assert_eq!(
        form_value(&request, "resource").as_deref(),
        Some("https://mcp.example.com")
    );
}

#[test]
fn callback_filter_recognises_only_this_flows_callback() {
    let scenario = Scenario::new();
    let (awaiting, state) = scenario.awaiting();
    let filter = awaiting.callback_filter();
    assert!(filter.accepts(&scenario.callback(&state)));
    assert!(!filter.accepts(&scenario.callback("forged")));
    assert!(!filter.accepts(&format!("?code=c&state={state}&state={state}")));
    assert!(!filter.accepts("?code=c"));
    assert!(!format!("{filter:?}").contains(&state));
    // The filter does not use the flow up.
    assert!(awaiting.handle_callback(&scenario.callback(&state)).is_ok());
}

#[test]
fn bare_query_with_an_unescaped_url_in_a_value_is_read_as_a_query() {
    let scenario = Scenario::new();
    let (awaiting, state) = scenario.awaiting();
    let query = format!("code=c&state={state}&iss=https://as.example.com");
    assert!(awaiting.handle_callback(&query).is_ok());
}
