//! What every response handler does first: refuse redirects, bound the body,
//! and read a JSON object (or, where servers force it, a form-encoded one).

use std::borrow::Cow;
use std::fmt;

use http::header::HeaderName;
use http::{HeaderMap, Response, StatusCode, header};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::form;

/// The largest response body the core parses: 1 MiB. Metadata documents and
/// token responses are a few kilobytes; anything larger is refused before
/// parsing. The adapters stop reading at the same size.
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// The longest [`Excerpt`] kept from a body that could not be parsed.
pub const MAX_EXCERPT_CHARS: usize = 256;

/// How much of a body that is not JSON is redacted to make an excerpt.
const TEXT_HEAD_BYTES: usize = MAX_EXCERPT_CHARS * 16;

/// A short, redacted piece of a response body that could not be parsed, kept
/// so an error can show what the server sent.
///
/// At most [`MAX_EXCERPT_CHARS`] characters, with control and
/// direction-changing characters replaced. Credentials are redacted first:
/// in a JSON body, the value of every member named like one (`access_token`,
/// `accessToken`, `Refresh-Token`, `client_secret`, `code`, ...) at any depth
/// becomes `"[redacted]"`; in anything else (HTML, a form, broken JSON) the
/// text after such a name, up to the end of its value, is replaced.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Excerpt(String);

impl Excerpt {
    /// Redacts and cuts `body`.
    pub fn of(body: &[u8]) -> Self {
        let redacted = match serde_json::from_slice::<Value>(body) {
            Ok(mut value) => {
                redact_json(&mut value);
                value.to_string()
            }
            // Text redaction looks at no more than it can show: over a whole
            // body of repeated credential names it takes quadratic time.
            // Cutting first is safe, because a value cut short is still
            // redacted up to the end of the text.
            Err(_) => redact_text(&String::from_utf8_lossy(
                &body[..body.len().min(TEXT_HEAD_BYTES)],
            )),
        };
        let mut out: String = redacted
            .chars()
            .take(MAX_EXCERPT_CHARS)
            .map(|c| if is_unprintable(c) { ' ' } else { c })
            .collect();
        if body.len() > TEXT_HEAD_BYTES || redacted.chars().count() > MAX_EXCERPT_CHARS {
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

/// Control characters, and the ones that reorder text on a terminal.
pub(crate) fn is_unprintable(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Credential names with `_` and `-` removed, in lower case.
const CREDENTIALS: [&str; 9] = [
    "accesstoken",
    "refreshtoken",
    "idtoken",
    "clientsecret",
    "codeverifier",
    "assertion",
    "code",
    "token",
    "password",
];

/// Endings that make any member a credential: `registration_access_token`,
/// `clientAssertion`, `api_key`, `device_secret`, ...
const CREDENTIAL_ENDINGS: [&str; 6] = [
    "token",
    "secret",
    "password",
    "assertion",
    "verifier",
    "apikey",
];

fn is_credential(name: &str) -> bool {
    let folded: String = name
        .chars()
        .filter(|c| !matches!(c, '_' | '-'))
        .collect::<String>()
        .to_ascii_lowercase();
    CREDENTIALS.contains(&folded.as_str())
        || CREDENTIAL_ENDINGS
            .iter()
            .any(|ending| folded.ends_with(ending))
}

fn redact_json(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (name, member) in map.iter_mut() {
                if is_credential(name) {
                    *member = Value::String("[redacted]".into());
                } else {
                    redact_json(member);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_json),
        _ => {}
    }
}

/// The spellings searched for in text that is not JSON, lower case.
const TEXT_NAMES: [&str; 18] = [
    "access_token",
    "accesstoken",
    "refresh_token",
    "refreshtoken",
    "id_token",
    "idtoken",
    "client_secret",
    "clientsecret",
    "code_verifier",
    "codeverifier",
    "assertion",
    "code",
    "token",
    "secret",
    "password",
    "apikey",
    "api_key",
    "api-key",
];

/// Replaces the value after each credential name: a quoted value to its
/// closing quote, a `{…}` or `[…]` value to its closing bracket, anything else
/// to the next delimiter.
fn redact_text(text: &str) -> String {
    // ASCII lower-casing keeps every byte offset.
    let lower = text.to_ascii_lowercase();
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut at = 0;
    while let Some((found, name)) = TEXT_NAMES
        .iter()
        .filter_map(|name| lower[at..].find(name).map(|i| (at + i, *name)))
        .min_by_key(|(i, name)| (*i, usize::MAX - name.len()))
    {
        // A name counts where it ends a key (`device_secret=`, `Access-Token:`),
        // not inside a longer one (`token_type`, `client_secret_jwt`).
        let ends_key = !bytes
            .get(found + name.len())
            .is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !ends_key {
            at = found + 1;
            continue;
        }
        let mut value = found + name.len();
        let mut quoted = false;
        while let Some(&b) = bytes.get(value) {
            // Only a quote right before the value opens a quoted value.
            match b {
                b'"' | b'\'' => quoted = true,
                b':' | b'=' | b' ' | b'\t' | b'\r' | b'\n' => quoted = false,
                _ => break,
            }
            value += 1;
        }
        let end = value_end(bytes, value, quoted);
        if end > value {
            out.push_str(&text[copied..value]);
            out.push_str("[redacted]");
            copied = end;
        }
        at = end.max(found + name.len());
    }
    out.push_str(&text[copied..]);
    out
}

fn value_end(bytes: &[u8], start: usize, quoted: bool) -> usize {
    let mut at = start;
    if quoted {
        while let Some(&b) = bytes.get(at) {
            match b {
                b'\\' => at += 2,
                b'"' | b'\'' => return at,
                _ => at += 1,
            }
        }
        return bytes.len();
    }
    if matches!(bytes.get(at), Some(b'{' | b'[')) {
        let mut depth = 0usize;
        while let Some(&b) = bytes.get(at) {
            match b {
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth -= 1;
                    if depth == 0 {
                        return at + 1;
                    }
                }
                _ => {}
            }
            at += 1;
        }
        return bytes.len();
    }
    while let Some(&b) = bytes.get(at) {
        if matches!(b, b'"' | b'\'' | b'&' | b',' | b'}' | b']' | b'<' | b';')
            || b.is_ascii_whitespace()
        {
            break;
        }
        at += 1;
    }
    at.min(bytes.len())
}

/// The response parts the handlers look at, borrowed. Headers are read only
/// when a handler asks, and copied only by the errors that keep them.
pub(crate) struct Received<'a> {
    pub(crate) status: StatusCode,
    headers: &'a HeaderMap,
    pub(crate) body: &'a [u8],
}

impl<'a> Received<'a> {
    pub(crate) fn of<B: AsRef<[u8]>>(response: &'a Response<B>) -> Self {
        Self {
            status: response.status(),
            headers: response.headers(),
            body: response.body().as_ref(),
        }
    }

    fn header_text(&self, name: HeaderName) -> Option<Cow<'a, str>> {
        self.headers
            .get(name)
            .map(|value| String::from_utf8_lossy(value.as_bytes()))
    }

    /// The `Content-Type`, as text.
    pub(crate) fn content_type(&self) -> Option<Cow<'a, str>> {
        self.header_text(header::CONTENT_TYPE)
    }

    /// The `Location` of a redirect, as text.
    pub(crate) fn location(&self) -> Option<String> {
        self.header_text(header::LOCATION).map(Cow::into_owned)
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
        self.content_type()
            .as_deref()
            .and_then(|ct| ct.split(';').next())
            .is_some_and(|ct| ct.trim().eq_ignore_ascii_case(essence))
    }

    /// The body as a JSON object, whatever the content type says (servers label
    /// JSON `text/plain`), or as a form when the content type says form (GitHub's
    /// token endpoint answers form-encoded). `None` when it is neither.
    pub(crate) fn object(&self) -> Option<Map<String, Value>> {
        json_object(self.body).or_else(|| self.form_object())
    }

    /// The body as a form, when the content type says form; `None` when it is
    /// not one, is empty, or repeats a name.
    pub(crate) fn form_object(&self) -> Option<Map<String, Value>> {
        if !self.content_type_is("application/x-www-form-urlencoded") {
            return None;
        }
        let text = std::str::from_utf8(self.body).ok()?;
        let mut map = Map::new();
        for (name, value) in form::decode(text.trim()).ok()? {
            // A repeated member makes the body ambiguous: refuse it whole.
            if map
                .insert(name.into_owned(), Value::String(value.into_owned()))
                .is_some()
            {
                return None;
            }
        }
        (!map.is_empty()).then_some(map)
    }
}

/// A JSON object whose members each appear once. `serde_json` keeps the last
/// of two equal keys; a body that names `access_token` twice is ambiguous
/// (two parsers may pick different ones), so it is refused whole.
pub(crate) fn json_object(body: &[u8]) -> Option<Map<String, Value>> {
    serde_json::from_slice::<UniqueObject>(body)
        .ok()
        .map(|object| object.0)
}

struct UniqueObject(Map<String, Value>);

impl<'de> serde::Deserialize<'de> for UniqueObject {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;

        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = UniqueObject;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object without repeated members")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut access: A,
            ) -> Result<Self::Value, A::Error> {
                let mut map = Map::new();
                while let Some((name, value)) = access.next_entry::<String, Value>()? {
                    if map.contains_key(&name) {
                        return Err(serde::de::Error::custom("a repeated member"));
                    }
                    map.insert(name, value);
                }
                Ok(UniqueObject(map))
            }
        }

        deserializer.deserialize_map(Visitor)
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
        let more = Excerpt::of(
            concat!(
                r#"{"registration_access_token":"RAT-1","clientAssertion":"AS-2","#,
                r#""api_key":"K-3","token_type":"Bearer"}"#
            )
            .as_bytes(),
        );
        for secret in ["RAT-1", "AS-2", "K-3"] {
            assert!(!more.as_str().contains(secret), "{more}");
        }
        assert!(more.as_str().contains("Bearer"), "{more}");
        for text in [
            "password=hunter2&x=1",
            "x_api_key=SEKRIT1",
            "apiKey: SEKRIT1",
            "device_secret=SEKRIT1",
            "sessionToken:SEKRIT1",
            "client-secret: SEKRIT1",
            "Access-Token: SEKRIT1",
            "registration-access-token=SEKRIT1",
            r#"{"password":"SEKRIT1", broken"#,
        ] {
            let excerpt = Excerpt::of(text.as_bytes());
            assert!(!excerpt.as_str().contains("SEKRIT1"), "{text} -> {excerpt}");
        }
        let kept = Excerpt::of(b"token_type=bearer&client_secret_jwt=allowed");
        assert_eq!(kept.as_str(), "token_type=bearer&client_secret_jwt=allowed");
        let form = Excerpt::of(b"access_token=AT-123&scope=a");
        assert_eq!(form.as_str(), "access_token=[redacted]&scope=a");
    }

    #[test]
    fn excerpt_redacts_every_shape_of_credential_value() {
        for body in [
            r#"{"access_token":{"v":"SECRET"}}"#,
            r#"{"access_token":["SECRET"]}"#,
            "{\"access_token\" :\t\"SECRET\"}",
            "{\"access_token\":\n\"SECRET\"}",
            r#"{"Access_Token":"SECRET"}"#,
            r#"{"accessToken":"SECRET","refreshToken":"SECRET"}"#,
            r#"{"access\u005ftoken":"SECRET"}"#,
            r#"{"access_token":"SEC RET"}"#,
            r#"{"data":{"tokens":[{"refresh-token":"SECRET"}]}}"#,
            r#"<html>access_token: "SEC RET" and Refresh_Token='SECRET'</html>"#,
            r#"{"access_token":{"v":"SECRET"}, broken"#,
            "ACCESS_TOKEN=SECRET&x=1",
        ] {
            let shown = Excerpt::of(body.as_bytes()).to_string();
            assert!(!shown.contains("SEC"), "{body} gave {shown}");
            assert!(!shown.contains("RET"), "{body} gave {shown}");
        }
    }

    #[test]
    fn excerpt_keeps_what_is_not_a_credential() {
        let shown = Excerpt::of(br#"{"error":"invalid_grant","error_description":"expired"}"#);
        assert!(shown.as_str().contains("invalid_grant") && shown.as_str().contains("expired"));
        let html = Excerpt::of(b"<html><h1>502 Bad Gateway</h1></html>");
        assert_eq!(html.as_str(), "<html><h1>502 Bad Gateway</h1></html>");
    }

    #[test]
    fn excerpt_is_bounded_and_has_no_control_characters() {
        let long = format!("\u{1b}[31m{}", "x".repeat(10_000));
        let excerpt = Excerpt::of(long.as_bytes());
        assert!(excerpt.as_str().chars().count() <= MAX_EXCERPT_CHARS + 1);
        assert!(!excerpt.as_str().contains('\u{1b}'));
    }
}
