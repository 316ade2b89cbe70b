//! What every response handler does first: refuse redirects, bound the body,
//! and read a JSON object (or, where servers force it, a form-encoded one).

use std::fmt;

use http::{Response, StatusCode, header};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::form;

/// The largest response body the core parses: 1 MiB. Metadata documents and
/// token responses are a few kilobytes; anything larger is refused before
/// parsing. The adapters stop reading at the same size.
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// The longest [`Excerpt`] kept from a body that could not be parsed.
pub const MAX_EXCERPT_CHARS: usize = 256;

/// A short, redacted piece of a response body that could not be parsed, kept
/// so an error can show what the server sent.
///
/// At most [`MAX_EXCERPT_CHARS`] characters, control characters replaced, and
/// the value after any member named like a credential (`access_token`,
/// `refresh_token`, `id_token`, `code`, `client_secret`, ...) replaced with
/// `[redacted]`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Excerpt(String);

impl Excerpt {
    /// Cuts and redacts `body`.
    pub fn of(body: &[u8]) -> Self {
        let text = String::from_utf8_lossy(body);
        let redacted = redact_credentials(&text);
        let mut out: String = redacted
            .chars()
            .take(MAX_EXCERPT_CHARS)
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        if redacted.chars().count() > MAX_EXCERPT_CHARS {
            out.push('…');
        }
        Self(out)
    }

    /// The excerpt's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Excerpt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Excerpt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

const CREDENTIAL_NAMES: [&str; 7] = [
    "access_token",
    "refresh_token",
    "id_token",
    "client_secret",
    "code_verifier",
    "assertion",
    "code",
];

/// Replaces what follows a credential's name (in JSON or form syntax) up to
/// the next delimiter with `[redacted]`.
fn redact_credentials(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some((before, name, after)) = next_credential(rest) {
        out.push_str(before);
        out.push_str(name);
        // Skip the separator: `":"`, `" : "`, `=`.
        let value_start = after
            .find(|c: char| !matches!(c, '"' | ':' | '=' | ' '))
            .unwrap_or(after.len());
        out.push_str(&after[..value_start]);
        let value = &after[value_start..];
        let value_len = value
            .find(['"', '&', ',', '}', ' ', '\n'])
            .unwrap_or(value.len());
        if value_len > 0 {
            out.push_str("[redacted]");
        }
        rest = &value[value_len..];
    }
    out.push_str(rest);
    out
}

fn next_credential(text: &str) -> Option<(&str, &str, &str)> {
    CREDENTIAL_NAMES
        .iter()
        .filter_map(|name| text.find(name).map(|at| (at, *name)))
        .min_by_key(|(at, name)| (*at, usize::MAX - name.len()))
        .map(|(at, name)| {
            (
                &text[..at],
                &text[at..at + name.len()],
                &text[at + name.len()..],
            )
        })
}

/// The response parts the handlers look at, borrowed.
pub(crate) struct Received<'a> {
    pub(crate) status: StatusCode,
    pub(crate) content_type: Option<String>,
    pub(crate) location: Option<String>,
    pub(crate) body: &'a [u8],
}

impl<'a> Received<'a> {
    pub(crate) fn of<B: AsRef<[u8]>>(response: &'a Response<B>) -> Self {
        let header_text = |name| {
            response
                .headers()
                .get(name)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        };
        Self {
            status: response.status(),
            content_type: header_text(header::CONTENT_TYPE),
            location: header_text(header::LOCATION),
            body: response.body().as_ref(),
        }
    }

    pub(crate) fn too_large(&self) -> bool {
        self.body.len() > MAX_BODY_BYTES
    }

    pub(crate) fn excerpt(&self) -> Excerpt {
        Excerpt::of(self.body)
    }

    /// Whether the content type's media type is `essence` (parameters and case
    /// ignored).
    pub(crate) fn content_type_is(&self, essence: &str) -> bool {
        self.content_type
            .as_deref()
            .and_then(|ct| ct.split(';').next())
            .is_some_and(|ct| ct.trim().eq_ignore_ascii_case(essence))
    }

    /// The body as a JSON object, whatever the content type says (servers label
    /// JSON `text/plain`), or as a form when the content type says form (GitHub's
    /// token endpoint answers form-encoded). `None` when it is neither.
    pub(crate) fn object(&self) -> Option<Map<String, Value>> {
        if let Ok(Value::Object(map)) = serde_json::from_slice(self.body) {
            return Some(map);
        }
        if !self.content_type_is("application/x-www-form-urlencoded") {
            return None;
        }
        let text = std::str::from_utf8(self.body).ok()?;
        let mut map = Map::new();
        for (name, value) in form::decode(text.trim()).ok()? {
            // A repeated member makes the body ambiguous: refuse it whole.
            if map.insert(name, Value::String(value)).is_some() {
                return None;
            }
        }
        (!map.is_empty()).then_some(map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_redacts_tokens_in_json_and_form() {
        let json = Excerpt::of(br#"{"access_token":"AT-123","x":1,"refresh_token" : "RT"}"#);
        assert!(!json.as_str().contains("AT-123"), "{json}");
        assert!(!json.as_str().contains("\"RT\""), "{json}");
        let form = Excerpt::of(b"access_token=AT-123&scope=a");
        assert_eq!(form.as_str(), "access_token=[redacted]&scope=a");
    }

    #[test]
    fn excerpt_is_bounded_and_has_no_control_characters() {
        let long = format!("\u{1b}[31m{}", "x".repeat(10_000));
        let excerpt = Excerpt::of(long.as_bytes());
        assert!(excerpt.as_str().chars().count() <= MAX_EXCERPT_CHARS + 1);
        assert!(!excerpt.as_str().contains('\u{1b}'));
    }
}
