//! Invariants shared by the targets.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use oauth_flow::{Authorized, FlowState};
use serde_json::{Map, Value};
use sha2::{Digest as _, Sha256};

/// Text shown to people (error messages) holds no control character, so
/// server-supplied text cannot forge log lines or move a terminal's cursor.
pub fn assert_printable(text: &str) {
    assert!(
        !text.chars().any(char::is_control),
        "control character in {text:?}"
    );
}

/// A state writes to a snapshot that reads back to an equal value, and
/// writing that value again gives the same text.
#[allow(clippy::needless_pass_by_value)]
pub fn assert_round_trips(state: FlowState) {
    let text = state.to_snapshot().expect("every state can be written");
    let back = FlowState::from_snapshot(&text).expect("a written snapshot reads back");
    assert!(
        back == state,
        "{} changed in a round trip: {}",
        state.name(),
        *text
    );
    let again = back.to_snapshot().expect("every state can be written");
    assert_eq!(*again, *text);
}

/// The query of a callback as the crate documents it is read: after the
/// first `?` and before any `#`; without a `?`, nothing when the text is a
/// URL (a scheme with neither `=` nor `&`, then `://`), else the whole text.
/// Decoded with the `url` crate, independently of the core's decoder.
pub(crate) fn query_pairs(redirect: &str) -> Vec<(String, String)> {
    let without_fragment = redirect.split('#').next().unwrap_or_default();
    let is_url = |text: &str| {
        text.split_once("://")
            .is_some_and(|(scheme, _)| !scheme.is_empty() && !scheme.contains(['=', '&']))
    };
    let query = match without_fragment.split_once('?') {
        Some((_, query)) => query,
        None if is_url(without_fragment) => "",
        None => without_fragment,
    };
    url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

pub(crate) fn form_value(body: &[u8], name: &str) -> Option<String> {
    url::form_urlencoded::parse(body)
        .find(|(n, _)| n == name)
        .map(|(_, value)| value.into_owned())
}

pub(crate) fn url_value(url: &url::Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(n, _)| n == name)
        .map(|(_, value)| value.into_owned())
}

/// The token request's `code_verifier` hashes to the authorization URL's
/// `code_challenge` (RFC 7636 §4.6, S256).
pub(crate) fn assert_pkce(request: &http::Request<Vec<u8>>, challenge: Option<&str>) {
    let verifier = form_value(request.body(), "code_verifier").expect("a code_verifier");
    assert!((43..=128).contains(&verifier.len()), "{verifier}");
    let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    assert_eq!(Some(computed.as_str()), challenge);
}

/// Once the bearer header is refused as expired it stays refused at every
/// later time.
pub(crate) fn assert_expiry_monotonic(authorized: &Authorized, now: std::time::SystemTime) {
    let lifetime = authorized
        .tokens()
        .expires_at()
        .and_then(|at| at.duration_since(now).ok())
        .map_or(3600, |d| d.as_secs());
    let mut offsets = vec![
        0,
        1,
        29,
        30,
        31,
        lifetime / 2,
        lifetime.saturating_sub(1),
        lifetime,
        lifetime.saturating_add(1),
        1 << 32,
        1 << 40,
    ];
    offsets.sort_unstable();
    let mut was_usable = true;
    for offset in offsets {
        let time = now + std::time::Duration::from_secs(offset);
        let usable = authorized.bearer(time).is_ok();
        assert!(was_usable || !usable, "usable again at +{offset}s");
        was_usable = usable;
    }
}

pub(crate) fn json_object(body: &[u8]) -> Option<Map<String, Value>> {
    match serde_json::from_slice(body) {
        Ok(Value::Object(map)) => Some(map),
        _ => None,
    }
}

/// Whether `value` is a token-like string that can only show up in an
/// excerpt by being copied from its one place in the body: long enough, made
/// of token characters, not part of the `[redacted]` marker, and present in
/// the body exactly once.
pub(crate) fn distinctive(value: &str, body: &str) -> bool {
    value.len() >= 8
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
        && !"redacted".contains(value)
        && body.matches(value).count() == 1
}
