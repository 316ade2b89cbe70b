//! The bodies of oauth-flow's fuzz targets.
//!
//! One function per parser of outside data, and [`flow`] for whole event
//! sequences. Each takes the raw fuzzer input, so the cargo-fuzz crate in
//! `fuzz/` and the corpus replay test (`tests/corpus_replay.rs`, run by a
//! plain `cargo test`) call the very same code. Every body checks invariants
//! with `assert!`, not only that nothing panics by accident.
//!
//! # Input formats
//!
//! The response targets ([`metadata`], [`token`], [`error_body`]) read an
//! HTTP response written as text: a first line `STATUS CONTENT-TYPE`, then
//! the body.
//!
//! ```text
//! 400 text/plain; charset=utf-8
//! {"error":"invalid_request"}
//! ```
//!
//! A status that is not a number from 100 to 999 reads as 200; an empty or
//! invalid content type means no `Content-Type` header. Input without a line
//! break is a whole body, sent as `200 application/json`.
//!
//! [`callback`] reads the redirect URL as text (invalid UTF-8 replaced), with
//! `{state}` standing for the flow's real `state` and `{iss}` for its
//! form-encoded issuer, so a corpus can reach past the `state` check.
//!
//! [`snapshot`] reads the text given to [`FlowState::from_snapshot`].
//!
//! [`www_authenticate`] reads one `WWW-Authenticate` field value per line.
//!
//! [`registration`] reads one response in the format above;
//! [`resource_chain`] reads several, separated by lines holding `---`.

// Every target reports a broken invariant by panicking: that is what a
// fuzzer and the replay test look for.
#![allow(clippy::missing_panics_doc)]

mod checks;
mod fixture;
pub mod flow;
mod mcp;

use http::{HeaderValue, Response, StatusCode, header};
use oauth_flow::{
    Authorized, BearerChallenge, CallbackError, Excerpt, FlowState, MAX_EXCERPT_CHARS,
    RevocationError, TokenError, TokenType, TokenTypeHint,
};

pub use checks::{assert_printable, assert_round_trips};
pub use fixture::{ISSUER, ISSUER_FORM, REDIRECT, at};
pub use mcp::{RESOURCE, registration, resource_chain};

/// A target body: panics when the input breaks an invariant.
pub type Target = fn(&[u8]);

/// Every target, by the name of its directory under `fuzz/corpus/`.
pub const TARGETS: [(&str, Target); 9] = [
    ("metadata", metadata),
    ("callback", callback),
    ("token", token),
    ("error_body", error_body),
    ("snapshot", snapshot),
    ("www_authenticate", www_authenticate),
    ("flow", flow::run),
    ("resource_chain", resource_chain),
    ("registration", registration),
];

/// Reads the `STATUS CONTENT-TYPE\nbody` format described in the crate docs.
pub fn response(data: &[u8]) -> Response<&[u8]> {
    let Some(newline) = data.iter().position(|&b| b == b'\n') else {
        let mut response = Response::new(data);
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        return response;
    };
    let (head, body) = (&data[..newline], &data[newline + 1..]);
    let head = String::from_utf8_lossy(head);
    let (status, content_type) = head.split_once(' ').unwrap_or((&head, ""));
    let status = status
        .parse::<u16>()
        .ok()
        .and_then(|code| StatusCode::from_u16(code).ok())
        .unwrap_or(StatusCode::OK);
    let mut response = Response::new(body);
    *response.status_mut() = status;
    if let Ok(value) = HeaderValue::from_str(content_type.trim()) {
        if !value.is_empty() {
            response.headers_mut().insert(header::CONTENT_TYPE, value);
        }
    }
    response
}

/// Metadata: `Discovering::handle_response` with any status, content type
/// and body.
///
/// Accepted metadata came with a 2xx, names the issuer asked for, round-trips
/// through a snapshot, and starts an authorization whose URL carries an S256
/// challenge and the flow's `state`.
pub fn metadata(data: &[u8]) {
    let response = response(data);
    let result = fixture::discovering().handle_response(&response);
    let discovered = match result {
        Ok(discovered) => discovered,
        Err(error) => {
            assert_printable(&error.to_string());
            return;
        }
    };
    assert!(response.status().is_success());
    let issuer = &discovered.metadata().issuer;
    assert!(
        issuer == ISSUER || *issuer == format!("{ISSUER}/"),
        "{issuer}"
    );
    assert_round_trips(FlowState::from(discovered.clone()));
    if let Ok((awaiting, url)) = discovered.authorize(&mut fixture::rng(1), fixture::params()) {
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        let value = |name: &str| {
            let mut found = pairs.iter().filter(|(n, _)| n == name).map(|(_, v)| v);
            let first = found.next();
            assert!(found.next().is_none(), "{name} twice in {url}");
            first.cloned()
        };
        assert_eq!(value("code_challenge_method").as_deref(), Some("S256"));
        assert!(value("code_challenge").is_some());
        let state = value("state").expect("state in the authorization URL");
        assert!(!format!("{awaiting:?}").contains(&state));
        assert_round_trips(FlowState::from(awaiting));
    }
}

/// Callback URL: `AwaitingCallback::handle_callback` with any string.
///
/// A callback is accepted only when its query names `state` once, with this
/// flow's value, and carries a code and no error; the code in the token
/// request is the callback's. Another flow never accepts it. A rejection
/// hands the state back exactly when the callback could be a stray one.
pub fn callback(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (awaiting, state) = fixture::awaiting(1);
    let challenge = checks::url_value(awaiting.authorization_url(), "code_challenge");
    let redirect = text
        .replace("{state}", &state)
        .replace("{iss}", ISSUER_FORM);
    let pairs = checks::query_pairs(&redirect);
    let value = |name: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let states = pairs.iter().filter(|(n, _)| n == "state").count();

    match awaiting.handle_callback(&redirect) {
        Ok(exchanging) => {
            assert_eq!((states, value("state")), (1, Some(state.as_str())));
            assert_eq!(value("iss"), Some(ISSUER));
            assert_eq!(value("error"), None);
            let request = exchanging.request();
            let code = checks::form_value(request.body(), "code");
            assert_eq!(code.as_deref(), value("code"));
            checks::assert_pkce(&request, challenge.as_deref());
        }
        Err(rejected) => {
            let (kept, error) = rejected.into_parts();
            assert_printable(&error.to_string());
            let stray = matches!(
                error,
                CallbackError::TooLong { .. }
                    | CallbackError::Malformed(_)
                    | CallbackError::DuplicateParameter { .. }
                    | CallbackError::StateMissing
                    | CallbackError::StateMismatch
            );
            assert_eq!(kept.is_some(), stray, "{error:?}");
            if !stray {
                // The state was checked and matched before anything else.
                assert_eq!(value("state"), Some(state.as_str()));
            }
        }
    }

    // The same callback, given to another flow, is refused as not its own.
    let (other, other_state) = fixture::awaiting(2);
    if let Ok(exchanging) = other.handle_callback(&redirect) {
        assert!(redirect.contains(&other_state), "{exchanging:?}");
    }
}

/// Token response: `Exchanging::handle_response` and
/// `Refreshing::handle_response` with any status, content type and body.
///
/// Both agree on success. A success has a visible-ASCII access token, a
/// `Bearer <access_token>` header exactly while fresh (and only for bearer
/// tokens), an expiry that never comes back once passed, and round-trips
/// through a snapshot. A refresh keeps the old refresh token unless a new
/// one came or the server refused the grant.
pub fn token(data: &[u8]) {
    let response = response(data);
    let now = at(0);
    let exchanged = fixture::exchanging(1).handle_response(&response, now);
    let refreshed = fixture::refreshing(1).handle_response(&response, now);
    assert_eq!(exchanged.is_ok(), refreshed.is_ok());

    match exchanged {
        Ok(authorized) => {
            assert!(response.status().is_success());
            check_authorized(&authorized, now);
            assert_round_trips(FlowState::from(authorized));
        }
        Err(error) => {
            assert_printable(&error.to_string());
            if response.status().is_redirection() {
                assert!(matches!(error, TokenError::Redirect { .. }), "{error:?}");
            }
        }
    }
    match refreshed {
        Ok(authorized) => {
            check_authorized(&authorized, now);
            let tokens = authorized.tokens();
            assert!(tokens.refresh_token().is_some(), "the old one is kept");
            assert_round_trips(FlowState::from(authorized));
        }
        Err(rejected) => {
            let (previous, error) = rejected.into_parts();
            let kept = previous.tokens().refresh_token().is_some();
            assert_eq!(kept, !error.needs_reauthorization(), "{error:?}");
            assert_eq!(
                previous.tokens().access_token().secret(),
                fixture::OLD_ACCESS_TOKEN
            );
        }
    }
}

fn check_authorized(authorized: &Authorized, now: std::time::SystemTime) {
    let tokens = authorized.tokens();
    let access = tokens.access_token().secret();
    assert!(!access.is_empty() && access.bytes().all(|b| (0x20..=0x7e).contains(&b)));
    assert_eq!(tokens.issued_at(), now);
    if let Some(expires_at) = tokens.expires_at() {
        assert!(expires_at >= now);
    }
    let bearer = authorized.bearer(now);
    let fresh = tokens.expires_at().is_none_or(|at| at > now);
    match tokens.token_type() {
        TokenType::Bearer if fresh => {
            assert_eq!(
                bearer.expect("a fresh bearer token"),
                format!("Bearer {access}")
            );
        }
        TokenType::Bearer | TokenType::Other(_) => assert!(bearer.is_err()),
    }
    checks::assert_expiry_monotonic(authorized, now);
}

/// Error bodies: a revocation response, and the same response as a non-2xx
/// answer from the token endpoint.
///
/// A revocation succeeds only on a 2xx without an OAuth `error`; otherwise the
/// state comes back unchanged. A non-2xx token response is never a success.
/// Excerpts are bounded, free of control characters and never show an
/// `access_token` or `refresh_token` value of the body.
pub fn error_body(data: &[u8]) {
    let mut response = response(data);
    let object = checks::json_object(response.body());
    let has_error = object
        .as_ref()
        .is_some_and(|o| o.get("error").is_some_and(serde_json::Value::is_string));

    let hint = if data.len() % 2 == 0 {
        TokenTypeHint::RefreshToken
    } else {
        TokenTypeHint::AccessToken
    };
    match fixture::revoking(hint).handle_response(&response) {
        Ok(_) => assert!(response.status().is_success() && !has_error),
        Err(rejected) => {
            let (state, error) = rejected.into_parts();
            assert!(
                state == fixture::revoking(hint),
                "the state comes back unchanged"
            );
            assert_printable(&error.to_string());
            match &error {
                RevocationError::Redirect { .. } => {
                    assert!(response.status().is_redirection());
                }
                RevocationError::UnexpectedResponse { excerpt, .. } => {
                    check_excerpt(excerpt, response.body(), object.as_ref());
                }
                _ => {}
            }
        }
    }

    if response.status().is_success() {
        *response.status_mut() = StatusCode::BAD_REQUEST;
    }
    let error = fixture::exchanging(1)
        .handle_response(&response, at(0))
        .expect_err("a non-2xx token response is never a success");
    assert_printable(&error.to_string());
    if let TokenError::UnexpectedResponse { excerpt, .. } = &error {
        check_excerpt(excerpt, response.body(), object.as_ref());
    }
}

fn check_excerpt(
    excerpt: &Excerpt,
    body: &[u8],
    object: Option<&serde_json::Map<String, serde_json::Value>>,
) {
    let text = excerpt.as_str();
    assert!(text.chars().count() <= MAX_EXCERPT_CHARS + 1);
    assert!(!text.chars().any(char::is_control), "{text:?}");
    let Some(object) = object else { return };
    let body = String::from_utf8_lossy(body);
    for name in ["access_token", "refresh_token"] {
        let Some(value) = object.get(name).and_then(serde_json::Value::as_str) else {
            continue;
        };
        if checks::distinctive(value, &body) {
            assert!(
                !text.contains(value),
                "{name} value {value:?} in excerpt {text:?}"
            );
        }
    }
}

/// Persisted state: `FlowState::from_snapshot` with any text. A snapshot
/// that is read writes back to text that reads to an equal value.
pub fn snapshot(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match FlowState::from_snapshot(text) {
        Ok(state) => {
            let _ = format!("{state:?}");
            assert_round_trips(state);
        }
        Err(error) => assert_printable(&error.to_string()),
    }
}

/// `WWW-Authenticate`: `BearerChallenge::from_headers` with one field per
/// input line.
///
/// The challenge picked is `Bearer` when any field has one, else `DPoP`.
/// Written back as a `Bearer` challenge with quoted, escaped parameters, it
/// reads back to the same values.
pub fn www_authenticate(data: &[u8]) {
    let mut headers = http::HeaderMap::new();
    for line in data.split(|&b| b == b'\n') {
        if let Ok(value) = HeaderValue::from_bytes(line) {
            headers.append(header::WWW_AUTHENTICATE, value);
        }
    }
    let challenge = match BearerChallenge::from_headers(&headers) {
        Ok(Some(challenge)) => challenge,
        Ok(None) => return,
        Err(error) => {
            assert_printable(&error.to_string());
            return;
        }
    };
    let has_bearer = String::from_utf8_lossy(data)
        .to_ascii_lowercase()
        .contains("bearer");
    if challenge.scheme.eq_ignore_ascii_case("bearer") {
        assert!(has_bearer);
    } else {
        assert!(
            challenge.scheme.eq_ignore_ascii_case("dpop"),
            "{challenge:?}"
        );
    }

    let members = [
        ("resource_metadata", &challenge.resource_metadata),
        ("scope", &challenge.scope),
        ("error", &challenge.error),
        ("error_description", &challenge.error_description),
        ("realm", &challenge.realm),
    ];
    let params: Vec<String> = members
        .iter()
        .filter_map(|(name, value)| {
            let value = value.as_ref()?;
            let escaped = value.replace('\\', "\\\\").replace('"', "\\\"");
            Some(format!("{name}=\"{escaped}\""))
        })
        .collect();
    let written = format!("{} {}", challenge.scheme, params.join(", "));
    let mut again = http::HeaderMap::new();
    let Ok(value) = HeaderValue::from_str(written.trim_end()) else {
        panic!("a parsed challenge writes back as a header value: {written:?}");
    };
    again.insert(header::WWW_AUTHENTICATE, value);
    let back = BearerChallenge::from_headers(&again)
        .unwrap_or_else(|e| panic!("{written:?} does not read back: {e}"))
        .expect("a challenge");
    assert_eq!(back, challenge, "{written}");
}
