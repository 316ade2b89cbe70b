//! Input bounds: every parser of outside data refuses input past its
//! documented limit, and parsing time grows linearly with input size.

mod support;

use std::time::{Duration, Instant};

use oauth_flow::{
    CallbackError, DiscoveryError, FlowState, FormError, MAX_BODY_BYTES, MAX_CALLBACK_BYTES,
    MAX_EXCERPT_CHARS, MAX_PAIRS, MAX_SNAPSHOT_BYTES, PersistError, TokenError,
};
use support::*;

#[test]
fn a_body_over_max_body_bytes_is_refused_before_parsing() {
    let body = format!("{{\"x\":\"{}\"}}", "a".repeat(MAX_BODY_BYTES));
    let scenario = Scenario::new();
    let metadata = scenario.discovering().handle_response(&respond(
        200,
        Some("application/json"),
        body.clone(),
    ));
    assert!(matches!(metadata, Err(DiscoveryError::BodyTooLarge { .. })));
    let token = scenario
        .exchanging()
        .handle_response(&respond(200, Some("application/json"), body), at(0));
    assert!(matches!(token, Err(TokenError::BodyTooLarge { .. })));
}

#[test]
fn a_callback_over_max_callback_bytes_is_refused() {
    let (awaiting, _) = Scenario::new().awaiting();
    let redirect = format!("?code=c&x={}", "a".repeat(MAX_CALLBACK_BYTES));
    let rejected = awaiting.handle_callback(&redirect).unwrap_err();
    assert_eq!(
        rejected.error(),
        &CallbackError::TooLong {
            limit: MAX_CALLBACK_BYTES
        }
    );
}

#[test]
fn a_callback_with_more_than_max_pairs_is_refused() {
    let (awaiting, _) = Scenario::new().awaiting();
    let redirect = (0..=MAX_PAIRS)
        .map(|i| format!("p{i}&"))
        .collect::<Vec<_>>()
        .concat();
    assert!(redirect.len() <= MAX_CALLBACK_BYTES);
    let rejected = awaiting.handle_callback(&redirect).unwrap_err();
    assert_eq!(
        rejected.error(),
        &CallbackError::Malformed(FormError::TooManyPairs)
    );
}

#[test]
fn a_snapshot_over_max_snapshot_bytes_is_refused() {
    let text = format!("{{\"x\":\"{}\"}}", "a".repeat(MAX_SNAPSHOT_BYTES));
    assert!(matches!(
        FlowState::from_snapshot(&text),
        Err(PersistError::TooLarge { .. })
    ));
}

#[test]
fn an_excerpt_is_at_most_max_excerpt_chars_of_a_large_body() {
    let body = "é".repeat(MAX_BODY_BYTES / 2);
    let error = Scenario::new()
        .discovering()
        .handle_response(&respond(500, Some("text/html"), body))
        .unwrap_err();
    let DiscoveryError::Status { excerpt, .. } = error else {
        panic!("{error:?}")
    };
    // The limit, and one ellipsis saying that more was cut.
    assert_eq!(excerpt.as_str().chars().count(), MAX_EXCERPT_CHARS + 1);
}

/// The fastest of a few runs of `parse` on `input`: the minimum is the
/// measurement least disturbed by other work on the machine.
// The test measures the core; the core itself never reads a clock.
#[allow(clippy::disallowed_methods)]
fn fastest(input: &str, parse: &dyn Fn(&str)) -> Duration {
    (0..5)
        .map(|_| {
            let start = Instant::now();
            parse(input);
            start.elapsed()
        })
        .min()
        .unwrap_or_default()
}

/// Parsing 8 times the input takes less than 32 times as long: linear work
/// gives about 8, quadratic work 64. Timings under a millisecond are too
/// noisy to compare, so the large input is made big enough to exceed it.
fn assert_linear(name: &str, make: impl Fn(usize) -> String, n: usize, parse: &dyn Fn(&str)) {
    let small = make(n);
    let large = make(8 * n);
    let _warm_up = fastest(&small, parse);
    // A quadratic parser fails every attempt; a busy machine rarely spoils
    // five in a row (a session with fuzzers on both cores spoiled three).
    let mut measured = Vec::new();
    for _ in 0..5 {
        let (t_small, t_large) = (fastest(&small, parse), fastest(&large, parse));
        let ratio = t_large.as_secs_f64() / t_small.as_secs_f64().max(1e-6);
        if t_large < Duration::from_millis(1) || ratio < 32.0 {
            return;
        }
        measured.push((t_small, t_large));
    }
    panic!(
        "{name}: (time at {} bytes, time at {} bytes) = {measured:?}",
        small.len(),
        large.len()
    );
}

#[test]
fn error_excerpts_take_linear_time() {
    // Credential names everywhere: each one is a redaction.
    let make = |n: usize| "code=x&".repeat(n / 7);
    let discovering = Scenario::new().discovering();
    assert_linear("excerpt", make, MAX_BODY_BYTES / 16, &|body| {
        let response = respond(502, Some("text/plain"), body.to_owned());
        let _ = discovering.clone().handle_response(&response);
    });
}

#[test]
fn callbacks_take_linear_time() {
    let make = |n: usize| -> String {
        (0..n / 16)
            .map(|i| format!("name{i:06}=value&"))
            .collect::<Vec<_>>()
            .concat()
    };
    let scenario = Scenario::new();
    let (awaiting, _) = scenario.awaiting();
    let snapshot = FlowState::from(awaiting).to_snapshot().unwrap();
    assert_linear("callback", make, MAX_CALLBACK_BYTES / 8, &|redirect| {
        let FlowState::AwaitingCallback(awaiting) = FlowState::from_snapshot(&snapshot).unwrap()
        else {
            unreachable!()
        };
        let _ = awaiting.handle_callback(redirect);
    });
}

#[test]
fn token_responses_take_linear_time() {
    let make = |n: usize| -> String {
        let members = (0..n / 24)
            .map(|i| format!("\"member{i:06}\":\"v\","))
            .collect::<Vec<_>>()
            .concat();
        format!("{{{members}\"access_token\":\"AT\",\"token_type\":\"Bearer\"}}")
    };
    let scenario = Scenario::new();
    let exchanging = FlowState::from(scenario.exchanging())
        .to_snapshot()
        .unwrap();
    assert_linear("token", make, MAX_BODY_BYTES / 16, &|body| {
        let FlowState::Exchanging(state) = FlowState::from_snapshot(&exchanging).unwrap() else {
            unreachable!()
        };
        let response = respond(200, Some("application/json"), body.to_owned());
        let _ = state.handle_response(&response, at(0));
    });
}

#[test]
fn snapshots_take_linear_time() {
    let make = |n: usize| -> String {
        let state = FlowState::from(Scenario::new().discovered());
        let text = state.to_snapshot().unwrap();
        let pad = format!(",\"pad\":\"{}\"}}", "p".repeat(n));
        format!("{}{pad}", &text[..text.len() - 1])
    };
    assert_linear("snapshot", make, MAX_SNAPSHOT_BYTES / 16, &|text| {
        let _ = FlowState::from_snapshot(text);
    });
}
