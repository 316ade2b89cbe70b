//! A reference model of the state machine, driven by random event sequences
//! (valid and invalid for the current state). After every event the model's
//! prediction of the next state must match the real one, and the invariants
//! hold: the PKCE challenge matches its verifier, a callback carrying
//! another flow's `state` is refused, a snapshot round-trips to an equal
//! value, expiry is monotonic in `now`, and no `Debug` output shows a secret.

mod support;

use oauth_flow::{
    Authorized, AwaitingCallback, Exchanging, Expired, FlowState, Freshness, Refreshing, Revoked,
    Revoking, TokenTypeHint,
};
use proptest::prelude::*;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng as _;
use serde_json::json;
use sha2::{Digest as _, Sha256};
use support::*;

#[derive(Clone, Debug)]
enum Callback {
    Good,
    AnotherFlowsState,
    NoState,
    WrongIss,
    Error,
    NoCode,
}

#[derive(Clone, Debug)]
enum Token {
    Good {
        expires_in: Option<u64>,
        refresh: bool,
    },
    InvalidGrant,
    Unavailable,
    Html,
}

#[derive(Clone, Debug)]
enum Event {
    Authorize,
    Callback(Callback),
    Token(Token),
    Advance(u64),
    Check,
    Reject,
    Refresh,
    Revoke(bool),
    Revocation(u16),
    Persist,
    Bearer,
}

fn event() -> impl Strategy<Value = Event> {
    let callback = prop_oneof![
        4 => Just(Callback::Good),
        1 => Just(Callback::AnotherFlowsState),
        1 => Just(Callback::NoState),
        1 => Just(Callback::WrongIss),
        1 => Just(Callback::Error),
        1 => Just(Callback::NoCode),
    ];
    let token = prop_oneof![
        4 => (proptest::option::of(0u64..5000), any::<bool>())
            .prop_map(|(expires_in, refresh)| Token::Good { expires_in, refresh }),
        1 => Just(Token::InvalidGrant),
        1 => Just(Token::Unavailable),
        1 => Just(Token::Html),
    ];
    prop_oneof![
        Just(Event::Authorize),
        callback.prop_map(Event::Callback),
        token.prop_map(Event::Token),
        (0u64..4000).prop_map(Event::Advance),
        Just(Event::Check),
        Just(Event::Reject),
        Just(Event::Refresh),
        any::<bool>().prop_map(Event::Revoke),
        prop_oneof![Just(200u16), Just(400), Just(503), Just(307)].prop_map(Event::Revocation),
        Just(Event::Persist),
        Just(Event::Bearer),
    ]
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Discovered,
    Awaiting,
    Exchanging,
    Authorized,
    Expired,
    Refreshing,
    Revoking,
    Revoked,
    Ended,
}

/// The model: where the flow is, and what it knows about the tokens.
#[derive(Clone, Debug)]
struct Model {
    phase: Phase,
    now: u64,
    access: Option<String>,
    refresh: Option<String>,
    expires_at: Option<u64>,
    lifetime: Option<u64>,
    issued: u64,
}

impl Model {
    fn fresh(&self) -> bool {
        let Some(lifetime) = self.lifetime else {
            return true;
        };
        self.now < self.issued + lifetime - lifetime.min(60) / 2
    }

    /// The state that follows `event`.
    fn next(&self, event: &Event) -> Phase {
        use Phase::*;
        #[allow(clippy::match_same_arms)] // one arm per transition, as drawn
        match (self.phase, event) {
            (Discovered | Revoked | Ended, Event::Authorize) => Awaiting,
            (Awaiting, Event::Callback(Callback::Good)) => Exchanging,
            (Awaiting, Event::Callback(Callback::AnotherFlowsState | Callback::NoState)) => {
                Awaiting
            }
            (Awaiting, Event::Callback(_)) => Ended,
            (Exchanging, Event::Token(Token::Good { .. })) => Authorized,
            (Exchanging, Event::Token(_)) => Ended,
            (Refreshing, Event::Token(_)) => Authorized,
            (Authorized, Event::Check) if !self.fresh() => Expired,
            (Authorized, Event::Reject) => Expired,
            (Authorized | Expired, Event::Refresh) if self.refresh.is_some() => Refreshing,
            (Authorized | Expired, Event::Revoke(true)) if self.refresh.is_some() => Revoking,
            (Authorized | Expired, Event::Revoke(false)) => Revoking,
            (Revoking, Event::Revocation(200)) => Revoked,
            (phase, _) => phase,
        }
    }
}

enum Real {
    Discovered,
    Awaiting(AwaitingCallback, String, String),
    Exchanging(Exchanging),
    Authorized(Authorized),
    Expired(Expired),
    Refreshing(Refreshing),
    Revoking(Revoking),
    Revoked(Revoked),
    Ended,
}

impl Real {
    fn phase(&self) -> Phase {
        match self {
            Self::Discovered => Phase::Discovered,
            Self::Awaiting(..) => Phase::Awaiting,
            Self::Exchanging(_) => Phase::Exchanging,
            Self::Authorized(_) => Phase::Authorized,
            Self::Expired(_) => Phase::Expired,
            Self::Refreshing(_) => Phase::Refreshing,
            Self::Revoking(_) => Phase::Revoking,
            Self::Revoked(_) => Phase::Revoked,
            Self::Ended => Phase::Ended,
        }
    }

    fn debug(&self) -> String {
        match self {
            Self::Discovered | Self::Ended => String::new(),
            Self::Awaiting(a, ..) => format!("{a:?}"),
            Self::Exchanging(s) => format!("{s:?}"),
            Self::Authorized(s) => format!("{s:?}"),
            Self::Expired(s) => format!("{s:?}"),
            Self::Refreshing(s) => format!("{s:?}"),
            Self::Revoking(s) => format!("{s:?}"),
            Self::Revoked(s) => format!("{s:?}"),
        }
    }
}

/// Writes the state to a snapshot and reads it back, equal.
fn round_trip<T>(state: T, back: fn(FlowState) -> Option<T>) -> T
where
    FlowState: From<T>,
{
    let state = FlowState::from(state);
    let text = state.to_snapshot().unwrap();
    let read = FlowState::from_snapshot(&text).unwrap();
    assert_eq!(read, state);
    back(read).unwrap()
}

struct Driver {
    scenario: Scenario,
    rng: ChaCha20Rng,
    model: Model,
    real: Real,
    secrets: Vec<String>,
    counter: u32,
    /// The earliest time the current tokens were seen expired.
    expired_since: Option<u64>,
}

impl Driver {
    fn new(seed: u8) -> Self {
        // Never the key of `support::rng` ([42; 32]), whose flows stand for
        // another person's: with it, "another flow's state" was this one's.
        let mut key = [seed; 32];
        key[31] = !seed;
        Self {
            scenario: Scenario::new(),
            rng: ChaCha20Rng::from_seed(key),
            model: Model {
                phase: Phase::Discovered,
                now: 0,
                access: None,
                refresh: None,
                expires_at: None,
                lifetime: None,
                issued: 0,
            },
            real: Real::Discovered,
            secrets: Vec::new(),
            counter: 0,
            expired_since: None,
        }
    }

    fn secret(&mut self, kind: &str) -> String {
        self.counter += 1;
        let secret = format!("{kind}-SECRET-{}", self.counter);
        self.secrets.push(secret.clone());
        secret
    }

    fn token_body(&mut self, token: &Token) -> (u16, String) {
        match token {
            Token::Good {
                expires_in,
                refresh,
            } => {
                let access = self.secret("at");
                let mut body = json!({"access_token": access, "token_type": "bearer"});
                if let Some(seconds) = expires_in {
                    body["expires_in"] = json!(seconds);
                }
                let new_refresh = refresh.then(|| self.secret("rt"));
                if let Some(rt) = &new_refresh {
                    body["refresh_token"] = json!(rt);
                }
                self.model.access = Some(access);
                if new_refresh.is_some() || self.model.phase == Phase::Exchanging {
                    self.model.refresh = new_refresh;
                }
                self.model.issued = self.model.now;
                self.model.lifetime = *expires_in;
                self.model.expires_at = expires_in.map(|s| self.model.now + s);
                self.expired_since = None;
                (200, body.to_string())
            }
            Token::InvalidGrant => {
                if self.model.phase == Phase::Refreshing {
                    self.model.refresh = None;
                }
                (400, json!({"error": "invalid_grant"}).to_string())
            }
            Token::Unavailable => (503, json!({"error": "temporarily_unavailable"}).to_string()),
            Token::Html => (502, "<html>bad gateway</html>".to_owned()),
        }
    }

    // One arm per (state, event) pair, kept together so the table reads whole.
    #[allow(clippy::too_many_lines)]
    fn step(&mut self, event: &Event) {
        let expected = self.model.next(event);
        let now = at(self.model.now);
        let real = std::mem::replace(&mut self.real, Real::Ended);
        self.real = match (real, event) {
            (Real::Discovered | Real::Revoked(_) | Real::Ended, Event::Authorize) => {
                let (awaiting, url) = self
                    .scenario
                    .discovered()
                    .authorize(&mut self.rng, AuthorizeParams::new().scope("read"))
                    .unwrap();
                let state = query_value(&url, "state").unwrap();
                let challenge = query_value(&url, "code_challenge").unwrap();
                assert_eq!(query_value(&url, "code_challenge_method").unwrap(), "S256");
                self.secrets.push(state.clone());
                Real::Awaiting(awaiting, state, challenge)
            }
            (Real::Awaiting(awaiting, state, challenge), Event::Callback(kind)) => {
                let code = self.secret("code");
                let iss = "https%3A%2F%2Fas.example.com";
                let redirect = match kind {
                    Callback::Good => format!("?code={code}&state={state}&iss={iss}"),
                    Callback::AnotherFlowsState => {
                        let (_, other) = self.scenario.awaiting();
                        assert_ne!(other, state);
                        format!("?code={code}&state={other}&iss={iss}")
                    }
                    Callback::NoState => format!("?code={code}&iss={iss}"),
                    Callback::WrongIss => {
                        format!("?code={code}&state={state}&iss=https%3A%2F%2Fevil.example")
                    }
                    Callback::Error => format!("?error=access_denied&state={state}&iss={iss}"),
                    Callback::NoCode => format!("?state={state}&iss={iss}"),
                };
                match awaiting.handle_callback(&redirect) {
                    Ok(exchanging) => {
                        let request = exchanging.request();
                        let verifier = form_value(&request, "code_verifier").unwrap();
                        let digest = Sha256::digest(verifier.as_bytes());
                        let computed = base64_url(&digest);
                        assert_eq!(computed, challenge, "PKCE challenge matches its verifier");
                        assert_eq!(form_value(&request, "code").unwrap(), code);
                        self.secrets.push(verifier);
                        Real::Exchanging(exchanging)
                    }
                    Err(rejected) => match rejected.into_state() {
                        Some(awaiting) => Real::Awaiting(awaiting, state, challenge),
                        None => Real::Ended,
                    },
                }
            }
            (Real::Exchanging(exchanging), Event::Token(token)) => {
                let (status, body) = self.token_body(token);
                let response = respond(status, Some("application/json"), body);
                match exchanging.handle_response(&response, now) {
                    Ok(authorized) => Real::Authorized(authorized),
                    Err(_) => Real::Ended,
                }
            }
            (Real::Refreshing(refreshing), Event::Token(token)) => {
                let (status, body) = self.token_body(token);
                let response = respond(status, Some("application/json"), body);
                match refreshing.handle_response(&response, now) {
                    Ok(authorized) => Real::Authorized(authorized),
                    Err(rejected) => Real::Authorized(rejected.into_state()),
                }
            }
            (real, Event::Advance(seconds)) => {
                self.model.now += seconds;
                real
            }
            (Real::Authorized(authorized), Event::Check) => match authorized.check(now) {
                Freshness::Fresh(authorized) => Real::Authorized(authorized),
                Freshness::Expired(expired) => {
                    self.expired_since.get_or_insert(self.model.now);
                    Real::Expired(expired)
                }
            },
            (Real::Authorized(authorized), Event::Reject) => Real::Expired(authorized.reject()),
            (Real::Authorized(authorized), Event::Refresh) => match authorized.refresh() {
                Ok(refreshing) => Real::Refreshing(refreshing),
                Err(rejected) => Real::Authorized(rejected.into_state()),
            },
            (Real::Expired(expired), Event::Refresh) => match expired.refresh() {
                Ok(refreshing) => Real::Refreshing(refreshing),
                Err(rejected) => Real::Expired(rejected.into_state()),
            },
            (Real::Authorized(authorized), Event::Revoke(refresh)) => {
                match authorized.revoke(hint(*refresh)) {
                    Ok(revoking) => Real::Revoking(revoking),
                    Err(rejected) => Real::Authorized(rejected.into_state()),
                }
            }
            (Real::Expired(expired), Event::Revoke(refresh)) => {
                match expired.revoke(hint(*refresh)) {
                    Ok(revoking) => Real::Revoking(revoking),
                    Err(rejected) => Real::Expired(rejected.into_state()),
                }
            }
            (Real::Revoking(revoking), Event::Revocation(status)) => {
                let response = respond(*status, None, "");
                match revoking.handle_response(&response) {
                    Ok(revoked) => Real::Revoked(revoked),
                    Err(rejected) => Real::Revoking(rejected.into_state()),
                }
            }
            (Real::Authorized(authorized), Event::Bearer) => {
                let header = authorized.bearer(now);
                if self.model.fresh() {
                    let access = self.model.access.as_deref().unwrap();
                    assert_eq!(header.unwrap(), format!("Bearer {access}"));
                } else {
                    assert!(header.is_err());
                    self.expired_since.get_or_insert(self.model.now);
                }
                if self
                    .expired_since
                    .is_some_and(|since| since <= self.model.now)
                {
                    assert!(authorized.bearer(now).is_err(), "usable again after expiry");
                }
                Real::Authorized(authorized)
            }
            (real, Event::Persist) => persist(real),
            (real, _) => real,
        };
        assert_eq!(self.real.phase(), expected, "after {event:?}");
        self.model.phase = expected;
        let shown = self.real.debug();
        for secret in &self.secrets {
            assert!(!shown.contains(secret.as_str()), "{secret} in {shown}");
        }
    }
}

fn persist(real: Real) -> Real {
    match real {
        Real::Awaiting(a, state, challenge) => Real::Awaiting(
            round_trip(a, |s| match s {
                FlowState::AwaitingCallback(a) => Some(a),
                _ => None,
            }),
            state,
            challenge,
        ),
        Real::Exchanging(s) => Real::Exchanging(round_trip(s, |s| match s {
            FlowState::Exchanging(s) => Some(s),
            _ => None,
        })),
        Real::Authorized(s) => Real::Authorized(round_trip(s, |s| match s {
            FlowState::Authorized(s) => Some(s),
            _ => None,
        })),
        Real::Expired(s) => Real::Expired(round_trip(s, |s| match s {
            FlowState::Expired(s) => Some(s),
            _ => None,
        })),
        Real::Refreshing(s) => Real::Refreshing(round_trip(s, |s| match s {
            FlowState::Refreshing(s) => Some(s),
            _ => None,
        })),
        Real::Revoking(s) => Real::Revoking(round_trip(s, |s| match s {
            FlowState::Revoking(s) => Some(s),
            _ => None,
        })),
        Real::Revoked(s) => Real::Revoked(round_trip(s, |s| match s {
            FlowState::Revoked(s) => Some(s),
            _ => None,
        })),
        other @ (Real::Discovered | Real::Ended) => other,
    }
}

fn hint(refresh: bool) -> TokenTypeHint {
    if refresh {
        TokenTypeHint::RefreshToken
    } else {
        TokenTypeHint::AccessToken
    }
}

fn base64_url(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

use oauth_flow::AuthorizeParams;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn the_flow_follows_the_model(
        seed in any::<u8>(),
        events in proptest::collection::vec(event(), 1..60),
    ) {
        let mut driver = Driver::new(seed);
        for event in &events {
            driver.step(event);
        }
    }
}
