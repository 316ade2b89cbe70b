//! The server's own reading of `application/x-www-form-urlencoded` data and of HTTP Basic
//! client credentials. It shares no code with any client on purpose.

use axum::http::HeaderMap;
use axum::http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// Decoded name/value pairs, in order, repeats kept.
#[derive(Debug, Default)]
pub(crate) struct Form(pub(crate) Vec<(String, String)>);

impl Form {
    pub(crate) fn parse(bytes: &[u8]) -> Self {
        Form(url::form_urlencoded::parse(bytes).into_owned().collect())
    }

    /// The value of a parameter; an empty value counts as absent (RFC 6749 §3.1).
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, value)| key == name && !value.is_empty())
            .map(|(_, value)| value.as_str())
    }

    /// The first parameter sent more than once, which RFC 6749 §3.1 forbids.
    pub(crate) fn repeated(&self) -> Option<&str> {
        self.0
            .iter()
            .enumerate()
            .find(|(i, (key, _))| self.0[..*i].iter().any(|(earlier, _)| earlier == key))
            .map(|(_, (key, _))| key.as_str())
    }
}

/// Whether the request body is declared form-urlencoded.
pub(crate) fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|media| {
            media
                .trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

/// Whether the request asked for JSON with its `Accept` header.
pub(crate) fn accepts_json(headers: &HeaderMap) -> bool {
    headers
        .get_all(ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .any(|value| {
            value.split(',').any(|media| {
                let media = media.split(';').next().unwrap_or_default().trim();
                media.eq_ignore_ascii_case("application/json")
            })
        })
}

/// What the `Authorization` header of a token or revocation request said.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum BasicCredentials {
    /// No `Authorization` header.
    Absent,
    /// A header that is not valid Basic credentials.
    Malformed,
    /// The decoded client id and secret.
    Present {
        client_id: String,
        client_secret: String,
    },
}

/// Reads HTTP Basic client credentials: base64 of `id:secret`, where the id and the
/// secret were each form-urlencoded first (RFC 6749 §2.3.1), so they are decoded after
/// the split.
pub(crate) fn basic_credentials(headers: &HeaderMap) -> BasicCredentials {
    let Some(value) = headers.get(AUTHORIZATION) else {
        return BasicCredentials::Absent;
    };
    let Some((scheme, encoded)) = value.to_str().ok().and_then(|v| v.trim().split_once(' ')) else {
        return BasicCredentials::Malformed;
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return BasicCredentials::Malformed;
    }
    let Some(joined) = STANDARD
        .decode(encoded.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
    else {
        return BasicCredentials::Malformed;
    };
    let Some((id, secret)) = joined.split_once(':') else {
        return BasicCredentials::Malformed;
    };
    match (form_decode(id), form_decode(secret)) {
        (Some(client_id), Some(client_secret)) => BasicCredentials::Present {
            client_id,
            client_secret,
        },
        _ => BasicCredentials::Malformed,
    }
}

/// Decodes one form-urlencoded value: `+` is a space, `%XX` a byte (RFC 6749 Appendix B).
fn form_decode(value: &str) -> Option<String> {
    let spaced = value.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8()
        .ok()
        .map(std::borrow::Cow::into_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn basic_credentials_are_form_decoded_after_the_split() {
        let mut headers = HeaderMap::new();
        let value = "Basic bXkrY2xpZW50JTJGMTpwJTJCc3MlM0F3JTJGcmQlM0QlMjU=";
        headers.insert(AUTHORIZATION, HeaderValue::from_static(value));
        assert_eq!(
            basic_credentials(&headers),
            BasicCredentials::Present {
                client_id: "my client/1".to_owned(),
                client_secret: "p+ss:w/rd=%".to_owned(),
            }
        );
    }

    #[test]
    fn repeated_parameter_is_found() {
        let form = Form::parse(b"a=1&b=2&a=3");
        assert_eq!(form.repeated(), Some("a"));
        assert_eq!(Form::parse(b"a=1&b=2").repeated(), None);
    }
}
