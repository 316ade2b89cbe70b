//! States `Authorized` and `Expired`: the bearer header and expiry.

mod support;

use std::time::Duration;

use oauth_flow::{BearerError, Freshness};
use serde_json::json;
use support::*;

#[test]
fn bearer_header_is_canonical_and_sensitive() {
    let authorized = Scenario::new().authorized(&bearer("AT", 3600, None), at(0));
    let header = authorized.bearer(at(1)).unwrap();
    assert_eq!(header, "Bearer AT");
    assert!(header.is_sensitive());
}

#[test]
fn token_expires_at_expiry_minus_the_skew() {
    // Default skew: 30 s.
    let authorized = Scenario::new().authorized(&bearer("AT", 3600, None), at(0));
    assert!(authorized.bearer(at(3569)).is_ok());
    assert_eq!(
        authorized.bearer(at(3570)).unwrap_err(),
        BearerError::Expired
    );
}

#[test]
fn skew_is_configurable() {
    let scenario = Scenario::new().client(|c| c.expiry_skew(Duration::from_secs(300)));
    let authorized = scenario.authorized(&bearer("AT", 3600, None), at(0));
    assert!(authorized.bearer(at(3299)).is_ok());
    assert!(authorized.bearer(at(3300)).is_err());
}

#[test]
fn skew_is_capped_at_half_a_short_lifetime() {
    let authorized = Scenario::new().authorized(&bearer("AT", 20, None), at(0));
    assert!(
        authorized.bearer(at(9)).is_ok(),
        "a 20 s token is not born expired"
    );
    assert!(authorized.bearer(at(10)).is_err());
}

#[test]
fn check_moves_to_expired_and_never_back() {
    let authorized = Scenario::new().authorized(&bearer("AT", 100, Some("RT")), at(0));
    let Freshness::Fresh(authorized) = authorized.check(at(10)) else {
        panic!("fresh at 10")
    };
    let Freshness::Expired(expired) = authorized.check(at(100)) else {
        panic!("expired at 100")
    };
    assert_eq!(expired.tokens().access_token().secret(), "AT");
}

#[test]
fn expiry_is_monotonic_in_now() {
    let authorized = Scenario::new().authorized(&bearer("AT", 100, None), at(0));
    let fresh: Vec<bool> = (0..200).map(|s| authorized.bearer(at(s)).is_ok()).collect();
    let first_expired = fresh.iter().position(|f| !f).unwrap();
    assert!(fresh[first_expired..].iter().all(|f| !f));
}

#[test]
fn unknown_expiry_stays_fresh_until_a_resource_rejects_it() {
    let authorized = Scenario::new().authorized(
        &json!({"access_token": "AT", "token_type": "Bearer"}),
        at(0),
    );
    assert!(authorized.bearer(at(10_000_000)).is_ok());
    let expired = authorized.reject();
    assert!(
        expired.refresh().is_err(),
        "no refresh token, so only a new login helps"
    );
}

#[test]
fn time_before_the_epoch_does_not_panic() {
    let authorized = Scenario::new().authorized(&bearer("AT", 100, None), std::time::UNIX_EPOCH);
    let before = std::time::UNIX_EPOCH - Duration::from_secs(5);
    assert!(authorized.bearer(before).is_ok());
}
