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
