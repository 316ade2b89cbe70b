//! Whole flows driven by a sequence of events, checked against a small model
//! of the state machine.
//!
//! The fuzzer's bytes become a list of [`Event`]s: server responses shaped
//! from a few choices per member, callbacks, clock jumps, refreshes,
//! revocations and persistence round trips. Before each event the model
//! predicts which state comes next, and the real flow must agree. Tokens and
//! codes the harness hands out contain `QQ`, and no string the fuzzer picks
//! does, so "no secret in `Debug` output" is an exact check.

use std::mem;

use arbitrary::{Arbitrary, Unstructured};
use http::{HeaderValue, Response, StatusCode, header};
use oauth_flow::{
    Authorized, AwaitingCallback, Discovered, Discovering, Exchanging, Expired, FlowState,
    Freshness, MAX_LIFETIME_SECS, Refreshing, Revoked, Revoking, TokenType, TokenTypeHint,
};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng as _;
use serde_json::{Map, Value, json};

use crate::checks::{self, assert_printable};
use crate::fixture::{self, ISSUER, REDIRECT};

/// The skew the fixture client uses (the crate default).
const SKEW: u64 = 30;
const MARK: &str = "QQ";

/// One thing that happens to a flow.
#[derive(Arbitrary, Debug)]
pub enum Event {
    /// The metadata response, in `Discovering`.
    Metadata(MetadataSpec),
    /// Start an authorization from the known server.
    Authorize,
    /// The browser comes back, in `AwaitingCallback`.
    Callback(CallbackSpec),
    /// The token endpoint answers, in `Exchanging` or `Refreshing`.
    Token(TokenSpec),
    /// The clock moves on by a few seconds.
    Tick(u8),
    /// The clock jumps.
    Jump(u32),
    /// `Authorized::check`.
    Check,
    /// A resource server refused the token.
    Reject,
    /// Start a refresh.
    Refresh,
    /// Start a revocation; `true` hints the refresh token.
    Revoke(bool),
    /// The revocation endpoint answers, in `Revoking`.
    Revocation(RevocationSpec),
    /// Write the state to a snapshot and read it back.
    Persist,
    /// Ask for the bearer header.
    Bearer,
}

/// A metadata document, from a few choices.
#[derive(Arbitrary, Debug)]
#[allow(clippy::struct_excessive_bools)]
pub struct MetadataSpec {
    status: Status,
    wrong_issuer: bool,
    issuer_slash: bool,
    iss_supported: bool,
    revocation: bool,
    pkce: Pkce,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Pkce {
    Absent,
    S256,
    PlainFirst,
    PlainOnly,
}

#[derive(Arbitrary, Debug, Clone, Copy, PartialEq)]
enum Status {
    Ok,
    Created,
    BadRequest,
    Unauthorized,
    ServerError,
    TemporaryRedirect,
}

impl Status {
    fn code(self) -> StatusCode {
        match self {
            Self::Ok => StatusCode::OK,
            Self::Created => StatusCode::CREATED,
            Self::BadRequest => StatusCode::BAD_REQUEST,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
            Self::TemporaryRedirect => StatusCode::TEMPORARY_REDIRECT,
        }
    }
}

/// A redirect back from the server, from a few choices.
#[derive(Arbitrary, Debug)]
pub struct CallbackSpec {
    state: StateChoice,
    repeat_state: bool,
    iss: IssChoice,
    error: Option<String>,
    code: CodeChoice,
    bad_escape: bool,
    bare_query: bool,
    fragment: Option<String>,
}

#[derive(Arbitrary, Debug)]
enum StateChoice {
    Correct,
    AnotherFlows,
    Missing,
    Chosen(String),
}

#[derive(Arbitrary, Debug, Clone, Copy, PartialEq)]
enum IssChoice {
    Correct,
    Missing,
    Other,
}

#[derive(Arbitrary, Debug, Clone, Copy, PartialEq)]
enum CodeChoice {
    Present,
    Missing,
    Empty,
}

/// A token endpoint response, from a few choices per member.
#[derive(Arbitrary, Debug)]
pub struct TokenSpec {
    status: Status,
    form_encoded: bool,
    access_token: Member<AccessChoice>,
    token_type: Member<TypeChoice>,
    expires_in: Member<ExpiresChoice>,
    refresh_token: Member<RefreshChoice>,
    scope: Member<ScopeChoice>,
    error: Option<ErrorChoice>,
    extra: Option<(String, String)>,
}

#[derive(Arbitrary, Debug)]
enum Member<T> {
    Absent,
    Null,
    Number(i64),
    Present(T),
}

#[derive(Arbitrary, Debug)]
enum AccessChoice {
    Token,
    Empty,
    WithControl,
}

#[derive(Arbitrary, Debug)]
enum TypeChoice {
    Bearer,
    LowerCase,
    DPoP,
    Chosen(String),
}

#[derive(Arbitrary, Debug)]
enum ExpiresChoice {
    Digits(u32),
    Fraction(u16),
    Chosen(String),
}

#[derive(Arbitrary, Debug)]
enum RefreshChoice {
    New,
    Empty,
}

#[derive(Arbitrary, Debug)]
enum ScopeChoice {
    Text(String),
    List(Vec<String>),
}

#[derive(Arbitrary, Debug)]
enum ErrorChoice {
    InvalidGrant,
    TemporarilyUnavailable,
    Chosen(String),
}

/// A revocation endpoint response.
#[derive(Arbitrary, Debug)]
pub struct RevocationSpec {
    status: Status,
    error: bool,
}

/// Strings the fuzzer picks never contain the secret marker, and stay short.
fn clean(text: &str) -> String {
    text.chars().filter(|&c| c != 'Q').take(40).collect()
}

/// Runs a whole flow from the fuzzer's bytes.
pub fn run(data: &[u8]) {
    let mut input = Unstructured::new(data);
    let Ok(seed) = u8::arbitrary(&mut input) else {
        return;
    };
    let mut harness = Harness::new(seed);
    // Out of data, `arbitrary` yields defaults forever: stop at the end, and
    // after a bounded number of events.
    for _ in 0..256 {
        if input.is_empty() {
            break;
        }
        let Ok(event) = Event::arbitrary(&mut input) else {
            break;
        };
        harness.step(event);
        harness.check_no_secret_in_debug();
    }
}

/// Every state of a flow, one each, for seeding the snapshot corpus.
pub fn every_state() -> Vec<FlowState> {
    let authorized = fixture::authorized;
    vec![
        fixture::discovering().into(),
        fixture::discovered().into(),
        fixture::awaiting(1).0.into(),
        fixture::exchanging(1).into(),
        authorized().into(),
        authorized().reject().into(),
        fixture::refreshing(1).into(),
        fixture::revoking(TokenTypeHint::RefreshToken).into(),
        fixture::revoking(TokenTypeHint::AccessToken)
            .handle_response(&Response::new(Vec::<u8>::new()))
            .expect("200 revokes")
            .into(),
    ]
}

#[derive(Debug)]
enum Current {
    Discovering(Discovering),
    Discovered(Discovered),
    Awaiting(AwaitingCallback),
    Exchanging(Exchanging),
    Authorized(Authorized),
    Expired(Expired),
    Refreshing(Refreshing),
    Revoking(Revoking),
    Revoked(Revoked),
    /// The flow ended without tokens (a refused code, a forged `iss`).
    Ended,
}

impl Current {
    fn phase(&self) -> Phase {
        match self {
            Self::Discovering(_) => Phase::Discovering,
            Self::Discovered(_) => Phase::Discovered,
            Self::Awaiting(_) => Phase::Awaiting,
            Self::Exchanging(_) => Phase::Exchanging,
            Self::Authorized(_) => Phase::Authorized,
            Self::Expired(_) => Phase::Expired,
            Self::Refreshing(_) => Phase::Refreshing,
            Self::Revoking(_) => Phase::Revoking,
            Self::Revoked(_) => Phase::Revoked,
            Self::Ended => Phase::Ended,
        }
    }

    fn into_flow_state(self) -> Option<FlowState> {
        Some(match self {
            Self::Discovering(s) => s.into(),
            Self::Discovered(s) => s.into(),
            Self::Awaiting(s) => s.into(),
            Self::Exchanging(s) => s.into(),
            Self::Authorized(s) => s.into(),
            Self::Expired(s) => s.into(),
            Self::Refreshing(s) => s.into(),
            Self::Revoking(s) => s.into(),
            Self::Revoked(s) => s.into(),
            Self::Ended => return None,
        })
    }

    fn from_flow_state(state: FlowState) -> Self {
        match state {
            FlowState::Discovering(s) => Self::Discovering(s),
            FlowState::Discovered(s) => Self::Discovered(s),
            FlowState::AwaitingCallback(s) => Self::Awaiting(s),
            FlowState::Exchanging(s) => Self::Exchanging(s),
            FlowState::Authorized(s) => Self::Authorized(s),
            FlowState::Expired(s) => Self::Expired(s),
            FlowState::Refreshing(s) => Self::Refreshing(s),
            FlowState::Revoking(s) => Self::Revoking(s),
            FlowState::Revoked(s) => Self::Revoked(s),
            other => panic!("a state this harness does not know: {}", other.name()),
        }
    }
}

/// The model's view of where the flow is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Discovering,
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

/// What the model expects of the tokens.
#[derive(Clone, Debug)]
struct Tokens {
    access: String,
    bearer: bool,
    refresh: Option<String>,
    issued_at: u64,
    lifetime: Option<u64>,
    scopes: Vec<String>,
}

impl Tokens {
    fn fresh(&self, now: u64) -> bool {
        self.lifetime.is_none_or(|lifetime| {
            let margin = SKEW.min(lifetime / 2);
            now < self
                .issued_at
                .saturating_add(lifetime)
                .saturating_sub(margin)
        })
    }
}

/// What the server said about itself, as far as the model cares.
#[derive(Clone, Debug, Default)]
struct Server {
    /// The issuer as the metadata wrote it: the one `iss` must equal.
    issuer: String,
    iss_supported: bool,
    revocation: bool,
    plain_only: bool,
}

struct Harness {
    current: Current,
    phase: Phase,
    server: Server,
    discovered: Option<Discovered>,
    tokens: Option<Tokens>,
    /// `state` of the pending authorization, and its PKCE challenge.
    pending: Option<(String, String)>,
    code: Option<String>,
    /// Secrets handed out so far: none may show in `Debug` output.
    secrets: Vec<String>,
    now: u64,
    counter: u32,
    rng: ChaCha20Rng,
}

impl Harness {
    fn new(seed: u8) -> Self {
        Self {
            current: Current::Discovering(fixture::discovering()),
            phase: Phase::Discovering,
            server: Server::default(),
            discovered: None,
            tokens: None,
            pending: None,
            code: None,
            secrets: Vec::new(),
            now: 0,
            counter: 0,
            rng: ChaCha20Rng::from_seed([seed; 32]),
        }
    }

    fn fresh_secret(&mut self, kind: &str) -> String {
        self.counter += 1;
        let secret = format!("{kind}{MARK}{}", self.counter);
        self.secrets.push(secret.clone());
        secret
    }

    fn step(&mut self, event: Event) {
        let current = mem::replace(&mut self.current, Current::Ended);
        assert_eq!(
            current.phase(),
            self.phase,
            "the model and the flow disagree"
        );
        self.current = match (current, event) {
            (Current::Discovering(s), Event::Metadata(spec)) => self.metadata(s, &spec),
            (current, Event::Authorize) => self.authorize(current),
            (Current::Awaiting(s), Event::Callback(spec)) => self.callback(s, &spec),
            (Current::Exchanging(s), Event::Token(spec)) => self.exchange(s, &spec),
            (Current::Refreshing(s), Event::Token(spec)) => self.refreshed(s, &spec),
            (current, Event::Tick(seconds)) => {
                self.now += u64::from(seconds);
                current
            }
            (current, Event::Jump(seconds)) => {
                self.now += u64::from(seconds);
                current
            }
            (Current::Authorized(s), Event::Check) => self.check(s),
            (Current::Authorized(s), Event::Reject) => {
                self.phase = Phase::Expired;
                Current::Expired(s.reject())
            }
            (Current::Authorized(s), Event::Refresh) => {
                self.refresh(s.refresh(), Current::Authorized)
            }
            (Current::Expired(s), Event::Refresh) => self.refresh(s.refresh(), Current::Expired),
            (Current::Authorized(s), Event::Revoke(refresh)) => {
                self.revoke(s.revoke(hint(refresh)), refresh, Current::Authorized)
            }
            (Current::Expired(s), Event::Revoke(refresh)) => {
                self.revoke(s.revoke(hint(refresh)), refresh, Current::Expired)
            }
            (Current::Revoking(s), Event::Revocation(spec)) => self.revocation(s, &spec),
            (current, Event::Persist) => persist(current),
            (Current::Authorized(s), Event::Bearer) => {
                self.bearer(&s);
                Current::Authorized(s)
            }
            // Any other event does not apply to the state: nothing happens.
            (current, _) => current,
        };
        assert_eq!(
            self.current.phase(),
            self.phase,
            "the model predicted another state"
        );
    }

    fn at(&self) -> std::time::SystemTime {
        fixture::at(self.now)
    }

    fn check_no_secret_in_debug(&self) {
        let shown = format!("{:?}", self.current);
        self.assert_hidden(&shown);
    }

    fn assert_hidden(&self, shown: &str) {
        assert!(!shown.contains(MARK), "a secret in {shown}");
        for secret in &self.secrets {
            assert!(!shown.contains(secret.as_str()), "{secret} in {shown}");
        }
    }

    fn metadata(&mut self, discovering: Discovering, spec: &MetadataSpec) -> Current {
        let issuer = match (spec.wrong_issuer, spec.issuer_slash) {
            (true, _) => "https://as.example.com.evil".to_owned(),
            (false, true) => format!("{ISSUER}/"),
            (false, false) => ISSUER.to_owned(),
        };
        let mut document = json!({
            "issuer": issuer,
            "authorization_endpoint": format!("{ISSUER}/authorize"),
            "token_endpoint": format!("{ISSUER}/token"),
            "response_types_supported": ["code"],
            "authorization_response_iss_parameter_supported": spec.iss_supported,
        });
        if spec.revocation {
            document["revocation_endpoint"] = json!(format!("{ISSUER}/revoke"));
        }
        match spec.pkce {
            Pkce::Absent => {}
            Pkce::S256 => document["code_challenge_methods_supported"] = json!(["S256"]),
            Pkce::PlainFirst => {
                document["code_challenge_methods_supported"] = json!(["plain", "S256"]);
            }
            Pkce::PlainOnly => document["code_challenge_methods_supported"] = json!(["plain"]),
        }
        let response = respond(spec.status, "application/json", document.to_string());
        let accepted = spec.status.code().is_success() && !spec.wrong_issuer;
        match discovering.clone().handle_response(&response) {
            Ok(discovered) => {
                assert!(accepted, "metadata accepted: {spec:?}");
                self.server = Server {
                    issuer,
                    iss_supported: spec.iss_supported,
                    revocation: spec.revocation,
                    plain_only: matches!(spec.pkce, Pkce::PlainOnly),
                };
                self.discovered = Some(discovered.clone());
                self.phase = Phase::Discovered;
                Current::Discovered(discovered)
            }
            Err(error) => {
                assert!(!accepted, "metadata refused: {error}");
                assert_printable(&error.to_string());
                Current::Discovering(discovering)
            }
        }
    }

    fn authorize(&mut self, current: Current) -> Current {
        let Some(discovered) = self.discovered.clone() else {
            return current;
        };
        if !matches!(
            self.phase,
            Phase::Discovered | Phase::Revoked | Phase::Ended
        ) {
            return current;
        }
        match discovered.authorize(&mut self.rng, fixture::params()) {
            Ok((awaiting, url)) => {
                assert!(
                    !self.server.plain_only,
                    "authorized without S256 advertised"
                );
                let value = |name| checks::url_value(&url, name).expect(name);
                assert_eq!(value("code_challenge_method"), "S256");
                let state = value("state");
                self.secrets.push(state.clone());
                self.pending = Some((state, value("code_challenge")));
                self.tokens = None;
                self.phase = Phase::Awaiting;
                Current::Awaiting(awaiting)
            }
            Err(error) => {
                assert!(self.server.plain_only, "{error}");
                current
            }
        }
    }

    fn callback(&mut self, awaiting: AwaitingCallback, spec: &CallbackSpec) -> Current {
        let (state, challenge) = self.pending.clone().expect("a pending authorization");
        let another = || {
            let mut rng = ChaCha20Rng::from_seed([0xA5; 32]);
            let discovered = fixture::discovered();
            let (_, url) = discovered
                .authorize(&mut rng, fixture::params())
                .expect("starts");
            checks::url_value(&url, "state").expect("state")
        };
        let sent_state = match &spec.state {
            StateChoice::Correct => Some(state.clone()),
            StateChoice::AnotherFlows => Some(another()),
            StateChoice::Missing => None,
            StateChoice::Chosen(text) => Some(clean(text)),
        };
        let code = self.fresh_secret("code");
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        match spec.code {
            CodeChoice::Present => drop(query.append_pair("code", &code)),
            CodeChoice::Empty => drop(query.append_pair("code", "")),
            CodeChoice::Missing => {}
        }
        if let Some(sent) = &sent_state {
            query.append_pair("state", sent);
            if spec.repeat_state {
                query.append_pair("state", sent);
            }
        }
        match spec.iss {
            IssChoice::Correct => drop(query.append_pair("iss", &self.server.issuer)),
            IssChoice::Other => drop(query.append_pair("iss", "https://evil.example.net")),
            IssChoice::Missing => {}
        }
        if let Some(error) = &spec.error {
            query.append_pair("error", &clean(error));
            query.append_pair("error_description", "a description");
        }
        let mut query = query.finish();
        if spec.bad_escape {
            query.push_str("&x=%ZZ");
        }
        let mut redirect = if spec.bare_query {
            query
        } else {
            format!("{REDIRECT}?{query}")
        };
        if let Some(fragment) = &spec.fragment {
            redirect.push('#');
            redirect.push_str(&clean(fragment).replace(['?', '&'], ""));
        }

        // The model: a stray callback leaves the flow waiting; one with this
        // flow's state ends it, with a code only when nothing is wrong.
        let right_state = sent_state.as_deref() == Some(state.as_str());
        let stray = spec.bad_escape || spec.repeat_state && sent_state.is_some() || !right_state;
        let iss_ok = match spec.iss {
            IssChoice::Correct => true,
            IssChoice::Missing => !self.server.iss_supported,
            IssChoice::Other => false,
        };
        let accepted = !stray && iss_ok && spec.error.is_none() && spec.code == CodeChoice::Present;

        match awaiting.handle_callback(&redirect) {
            Ok(exchanging) => {
                assert!(accepted, "accepted {redirect}");
                let request = exchanging.request();
                assert_eq!(
                    checks::form_value(request.body(), "code"),
                    Some(code.clone())
                );
                checks::assert_pkce(&request, Some(&challenge));
                let verifier = checks::form_value(request.body(), "code_verifier");
                self.secrets.extend(verifier);
                self.code = Some(code);
                self.phase = Phase::Exchanging;
                Current::Exchanging(exchanging)
            }
            Err(rejected) => {
                assert!(!accepted, "refused {redirect}: {}", rejected.error());
                assert_printable(&rejected.error().to_string());
                self.assert_hidden(&format!("{rejected:?}"));
                if let Some(awaiting) = rejected.into_state() {
                    assert!(stray, "kept waiting after {redirect}");
                    Current::Awaiting(awaiting)
                } else {
                    assert!(!stray, "ended by a stray callback {redirect}");
                    self.pending = None;
                    self.phase = Phase::Ended;
                    Current::Ended
                }
            }
        }
    }

    /// The response for `spec`, and what the model expects of it: the tokens,
    /// or whether the failure refuses the grant.
    fn token_response(&mut self, spec: &TokenSpec) -> (Response<Vec<u8>>, Result<Tokens, bool>) {
        let access = self.fresh_secret("at");
        let refresh = self.fresh_secret("rt");
        let mut members: Vec<(&str, Value)> = Vec::new();
        let mut put = |name, member: &Member<Value>| match member {
            Member::Absent => {}
            Member::Null => members.push((name, Value::Null)),
            Member::Number(n) => members.push((name, json!(n))),
            Member::Present(value) => members.push((name, value.clone())),
        };
        put(
            "access_token",
            &spec.access_token.map(|c| match c {
                AccessChoice::Token => json!(access),
                AccessChoice::Empty => json!(""),
                AccessChoice::WithControl => json!(format!("{access}\u{1}")),
            }),
        );
        put(
            "token_type",
            &spec.token_type.map(|c| match c {
                TypeChoice::Bearer => json!("Bearer"),
                TypeChoice::LowerCase => json!("bearer"),
                TypeChoice::DPoP => json!("DPoP"),
                TypeChoice::Chosen(text) => json!(clean(text)),
            }),
        );
        put(
            "expires_in",
            &spec.expires_in.map(|c| match c {
                ExpiresChoice::Digits(n) => json!(n.to_string()),
                ExpiresChoice::Fraction(n) => json!(f64::from(*n) + 0.5),
                ExpiresChoice::Chosen(text) => json!(clean(text)),
            }),
        );
        put(
            "refresh_token",
            &spec.refresh_token.map(|c| match c {
                RefreshChoice::New => json!(refresh),
                RefreshChoice::Empty => json!(""),
            }),
        );
        put(
            "scope",
            &spec.scope.map(|c| match c {
                ScopeChoice::Text(text) => json!(clean(text)),
                ScopeChoice::List(items) => {
                    json!(items.iter().take(4).map(|s| clean(s)).collect::<Vec<_>>())
                }
            }),
        );
        match &spec.error {
            Some(ErrorChoice::InvalidGrant) => members.push(("error", json!("invalid_grant"))),
            Some(ErrorChoice::TemporarilyUnavailable) => {
                members.push(("error", json!("temporarily_unavailable")));
            }
            Some(ErrorChoice::Chosen(text)) => members.push(("error", json!(clean(text)))),
            None => {}
        }
        if let Some((name, value)) = &spec.extra {
            let name = clean(name);
            if !members.iter().any(|(n, _)| *n == name) && !name.is_empty() {
                // Leaked so the member list can borrow it; tiny and per event.
                members.push((String::leak(name), json!(clean(value))));
            }
        }

        // What the parser sees: in a form, every value is text and null is
        // absent.
        let seen: Map<String, Value> = members
            .iter()
            .filter(|(_, value)| !(spec.form_encoded && value.is_null()))
            .map(|(name, value)| {
                let value = match (spec.form_encoded, value) {
                    (true, Value::String(_)) | (false, _) => value.clone(),
                    (true, other) => Value::String(other.to_string()),
                };
                ((*name).to_owned(), value)
            })
            .collect();
        let (content_type, body) = if spec.form_encoded {
            let mut form = url::form_urlencoded::Serializer::new(String::new());
            for (name, value) in &seen {
                form.append_pair(name, value.as_str().unwrap_or_default());
            }
            ("application/x-www-form-urlencoded", form.finish())
        } else {
            let object: Map<String, Value> = members
                .iter()
                .map(|(name, value)| ((*name).to_owned(), value.clone()))
                .collect();
            ("application/json", Value::Object(object).to_string())
        };
        let response = respond(spec.status, content_type, body);
        (response, self.predict(spec, &seen))
    }

    fn predict(&self, spec: &TokenSpec, seen: &Map<String, Value>) -> Result<Tokens, bool> {
        let status = spec.status.code();
        if status.is_redirection() {
            return Err(false);
        }
        if let Some(error) = seen.get("error").and_then(Value::as_str) {
            return Err(error == "invalid_grant");
        }
        if !status.is_success() || (spec.form_encoded && seen.is_empty()) {
            return Err(false);
        }
        let get = |name| seen.get(name).filter(|v| !v.is_null());
        let access = match get("access_token") {
            Some(Value::String(token))
                if !token.is_empty() && token.bytes().all(|b| (0x20..=0x7e).contains(&b)) =>
            {
                token.clone()
            }
            _ => return Err(false),
        };
        let bearer = match get("token_type") {
            Some(Value::String(name)) => name.eq_ignore_ascii_case("bearer"),
            _ => return Err(false),
        };
        let lifetime = get("expires_in")
            .and_then(|value| match value {
                Value::Number(n) => n.as_u64().or_else(|| {
                    let float = n.as_f64().filter(|f| f.is_finite() && *f >= 0.0)?;
                    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                    Some(float.floor() as u64)
                }),
                Value::String(text)
                    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) =>
                {
                    Some(text.parse().unwrap_or(u64::MAX))
                }
                _ => None,
            })
            // The core believes no lifetime longer than a century.
            .map(|lifetime| lifetime.min(MAX_LIFETIME_SECS));
        let refresh = match get("refresh_token") {
            Some(Value::String(token)) if !token.is_empty() => Some(token.clone()),
            _ => None,
        };
        let split = |text: &str| -> Vec<String> {
            text.split(' ')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        };
        let scopes = match get("scope") {
            Some(Value::String(text)) => Some(split(text)),
            Some(Value::Array(items)) if items.iter().all(Value::is_string) => Some(
                items
                    .iter()
                    .filter_map(Value::as_str)
                    .flat_map(split)
                    .collect(),
            ),
            _ => None,
        };
        let previous = self.tokens.as_ref();
        Ok(Tokens {
            access,
            bearer,
            refresh: refresh.or_else(|| previous.and_then(|t| t.refresh.clone())),
            issued_at: self.now,
            lifetime,
            scopes: scopes.unwrap_or_else(|| {
                previous.map_or_else(|| vec!["read".to_owned()], |t| t.scopes.clone())
            }),
        })
    }

    fn exchange(&mut self, exchanging: Exchanging, spec: &TokenSpec) -> Current {
        let (response, expected) = self.token_response(spec);
        let result = exchanging.handle_response(&response, self.at());
        match (result, expected) {
            (Ok(authorized), Ok(tokens)) => self.authorized(authorized, tokens),
            (Err(error), Err(_)) => {
                assert_printable(&error.to_string());
                self.assert_hidden(&format!("{error:?} {error}"));
                self.phase = Phase::Ended;
                Current::Ended
            }
            (result, expected) => panic!("exchange gave {result:?}, the model {expected:?}"),
        }
    }

    fn refreshed(&mut self, refreshing: Refreshing, spec: &TokenSpec) -> Current {
        let request = refreshing.request();
        let previous = self.tokens.clone().expect("tokens while refreshing");
        assert_eq!(
            checks::form_value(request.body(), "refresh_token"),
            previous.refresh.clone()
        );
        let (response, expected) = self.token_response(spec);
        match (refreshing.handle_response(&response, self.at()), expected) {
            (Ok(authorized), Ok(tokens)) => self.authorized(authorized, tokens),
            (Err(rejected), Err(refused)) => {
                assert_printable(&rejected.error().to_string());
                assert_eq!(rejected.error().needs_reauthorization(), refused);
                let mut tokens = previous;
                if refused {
                    tokens.refresh = None;
                }
                self.authorized(rejected.into_state(), tokens)
            }
            (result, expected) => panic!("refresh gave {result:?}, the model {expected:?}"),
        }
    }

    fn authorized(&mut self, authorized: Authorized, expected: Tokens) -> Current {
        let tokens = authorized.tokens();
        assert_eq!(tokens.access_token().secret(), expected.access);
        assert_eq!(tokens.token_type() == &TokenType::Bearer, expected.bearer);
        assert_eq!(
            tokens.refresh_token().map(|t| t.secret().to_owned()),
            expected.refresh
        );
        assert_eq!(tokens.scopes(), expected.scopes);
        let expires_at = expected
            .lifetime
            .map(|lifetime| fixture::at(expected.issued_at.saturating_add(lifetime)));
        assert_eq!(tokens.expires_at(), expires_at);
        checks::assert_expiry_monotonic(&authorized, self.at());
        self.tokens = Some(expected);
        self.phase = Phase::Authorized;
        Current::Authorized(authorized)
    }

    fn check(&mut self, authorized: Authorized) -> Current {
        let fresh = self.tokens.as_ref().expect("tokens").fresh(self.now);
        match authorized.check(self.at()) {
            Freshness::Fresh(authorized) => {
                assert!(fresh, "fresh past its expiry");
                Current::Authorized(authorized)
            }
            Freshness::Expired(expired) => {
                assert!(!fresh, "expired before its time");
                self.phase = Phase::Expired;
                Current::Expired(expired)
            }
        }
    }

    fn bearer(&self, authorized: &Authorized) {
        let tokens = self.tokens.as_ref().expect("tokens");
        let header = authorized.bearer(self.at());
        if tokens.bearer && tokens.fresh(self.now) {
            let header = header.expect("a fresh bearer token gives a header");
            assert_eq!(header, format!("Bearer {}", tokens.access));
            assert!(header.is_sensitive());
        } else {
            assert!(header.is_err());
        }
    }

    fn refresh<S>(
        &mut self,
        started: Result<Refreshing, oauth_flow::Rejected<S, oauth_flow::RefreshError>>,
        back: fn(S) -> Current,
    ) -> Current {
        let has_refresh = self.tokens.as_ref().is_some_and(|t| t.refresh.is_some());
        match started {
            Ok(refreshing) => {
                assert!(has_refresh);
                self.phase = Phase::Refreshing;
                Current::Refreshing(refreshing)
            }
            Err(rejected) => {
                assert!(!has_refresh);
                back(rejected.into_state())
            }
        }
    }

    fn revoke<S>(
        &mut self,
        started: Result<Revoking, oauth_flow::Rejected<S, oauth_flow::RevocationError>>,
        refresh: bool,
        back: fn(S) -> Current,
    ) -> Current {
        let tokens = self.tokens.as_ref().expect("tokens");
        let target = if refresh {
            tokens.refresh.clone()
        } else {
            Some(tokens.access.clone())
        };
        match started {
            Ok(revoking) => {
                assert!(self.server.revocation && target.is_some());
                let request = revoking.request();
                assert_eq!(checks::form_value(request.body(), "token"), target);
                self.phase = Phase::Revoking;
                Current::Revoking(revoking)
            }
            Err(rejected) => {
                assert!(!self.server.revocation || target.is_none());
                back(rejected.into_state())
            }
        }
    }

    fn revocation(&mut self, revoking: Revoking, spec: &RevocationSpec) -> Current {
        let body = if spec.error {
            r#"{"error":"unsupported_token_type"}"#
        } else {
            ""
        };
        let response = respond(spec.status, "application/json", body.to_owned());
        let revoked = spec.status.code().is_success() && !spec.error;
        match revoking.handle_response(&response) {
            Ok(done) => {
                assert!(revoked);
                self.tokens = None;
                self.phase = Phase::Revoked;
                Current::Revoked(done)
            }
            Err(rejected) => {
                assert!(!revoked);
                Current::Revoking(rejected.into_state())
            }
        }
    }
}

fn hint(refresh: bool) -> TokenTypeHint {
    if refresh {
        TokenTypeHint::RefreshToken
    } else {
        TokenTypeHint::AccessToken
    }
}

impl<T> Member<T> {
    fn map(&self, f: impl FnOnce(&T) -> Value) -> Member<Value> {
        match self {
            Self::Absent => Member::Absent,
            Self::Null => Member::Null,
            Self::Number(n) => Member::Number(*n),
            Self::Present(value) => Member::Present(f(value)),
        }
    }
}

/// Writes the state to a snapshot and reads it back: the value is equal.
fn persist(current: Current) -> Current {
    let Some(state) = current.into_flow_state() else {
        return Current::Ended;
    };
    let text = state.to_snapshot().expect("every state can be written");
    let back = FlowState::from_snapshot(&text).expect("a written snapshot reads back");
    assert!(back == state, "{} changed in a round trip", state.name());
    Current::from_flow_state(back)
}

fn respond(status: Status, content_type: &'static str, body: String) -> Response<Vec<u8>> {
    let mut response = Response::new(body.into_bytes());
    *response.status_mut() = status.code();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if status.code().is_redirection() {
        response.headers_mut().insert(
            header::LOCATION,
            HeaderValue::from_static("https://evil.example.net/"),
        );
    }
    response
}
