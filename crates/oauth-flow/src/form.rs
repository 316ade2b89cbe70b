//! `application/x-www-form-urlencoded`, strictly (RFC 6749 Appendix B).
//!
//! The `url` crate's decoder is lenient: it passes a malformed escape such as
//! `%ZZ` through as text. For data an attacker may shape (a redirect's query) we
//! want a malformed escape to be an error, so decoding is done here. Encoding is
//! done here too, with the same output as the `url` crate's serializer (space as
//! `+`, everything but `A-Z a-z 0-9 * - . _` escaped as `%XX`), but written once
//! into a buffer of the exact size: the request builders spent most of their time
//! growing strings chunk by chunk.

use std::borrow::Cow;

/// Why a form-encoded string could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FormError {
    /// A `%` not followed by two hexadecimal digits.
    #[error("malformed percent-escape")]
    BadEscape,
    /// The decoded bytes are not UTF-8.
    #[error("decoded value is not UTF-8")]
    NotUtf8,
    /// More pairs than [`MAX_PAIRS`].
    #[error("more than {MAX_PAIRS} parameters")]
    TooManyPairs,
}

/// The most name/value pairs one form may hold. Real callbacks and token
/// responses have about ten; a thousand leaves room for any real server while
/// bounding the work done on hostile input.
pub const MAX_PAIRS: usize = 1000;

/// A decoded name and value.
pub(crate) type Pair<'a> = (Cow<'a, str>, Cow<'a, str>);

/// Decodes `a=1&b=2` into ordered pairs. Empty segments (`a=1&&b=2`) are skipped,
/// a segment without `=` is a name with an empty value. A name or value without
/// `%` or `+` is borrowed from `input`: it decodes to itself.
pub(crate) fn decode(input: &str) -> Result<Vec<Pair<'_>>, FormError> {
    let mut pairs = Vec::new();
    for segment in input.split('&').filter(|s| !s.is_empty()) {
        if pairs.len() == MAX_PAIRS {
            return Err(FormError::TooManyPairs);
        }
        let (name, value) = segment.split_once('=').unwrap_or((segment, ""));
        pairs.push((decode_component(name)?, decode_component(value)?));
    }
    Ok(pairs)
}

fn decode_component(input: &str) -> Result<Cow<'_, str>, FormError> {
    let bytes = input.as_bytes();
    if !bytes.iter().any(|&b| b == b'%' || b == b'+') {
        return Ok(Cow::Borrowed(input));
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hi = bytes.get(i + 1).and_then(|b| hex_value(*b));
                let lo = bytes.get(i + 2).and_then(|b| hex_value(*b));
                let (Some(hi), Some(lo)) = (hi, lo) else {
                    return Err(FormError::BadEscape);
                };
                out.push(hi << 4 | lo);
                i += 2;
            }
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8(out)
        .map(Cow::Owned)
        .map_err(|_| FormError::NotUtf8)
}

fn hex_value(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

/// How form encoding writes each byte: [`KEPT`] for the bytes it leaves as they
/// are (`A-Z a-z 0-9 * - . _`), [`SPACE`] for the space (`+`), [`ESCAPED`] for
/// the others (`%XX`). The value is also what the byte adds to the length.
const CLASS: [u8; 256] = {
    let mut table = [ESCAPED; 256];
    let mut byte = 0;
    while byte < 256 {
        #[allow(clippy::cast_possible_truncation)] // `byte` < 256
        let b = byte as u8;
        if b.is_ascii_alphanumeric() || matches!(b, b'*' | b'-' | b'.' | b'_') {
            table[byte] = KEPT;
        }
        byte += 1;
    }
    table[b' ' as usize] = SPACE;
    table
};
const KEPT: u8 = 0;
const SPACE: u8 = 1;
const ESCAPED: u8 = 2;

fn class(byte: u8) -> u8 {
    CLASS[usize::from(byte)]
}

/// The length of `value` once form-encoded.
pub(crate) fn encoded_len(value: &str) -> usize {
    value.len()
        + value
            .bytes()
            .map(|b| usize::from(class(b) & ESCAPED))
            .sum::<usize>()
}

/// Appends `value`, form-encoded, to `out`.
pub(crate) fn push_encoded(out: &mut Vec<u8>, value: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut rest = value.as_bytes();
    // Copy each run of bytes left as they are at once, then the changed byte.
    while let Some(at) = rest.iter().position(|&b| class(b) != KEPT) {
        let (run, tail) = rest.split_at(at);
        out.extend_from_slice(run);
        let byte = tail[0];
        if byte == b' ' {
            out.push(b'+');
        } else {
            out.extend_from_slice(&[
                b'%',
                HEX[usize::from(byte >> 4)],
                HEX[usize::from(byte & 0xf)],
            ]);
        }
        rest = &tail[1..];
    }
    out.extend_from_slice(rest);
}

/// A value of a form body.
#[derive(Clone, Copy, Debug)]
pub(crate) enum FormValue<'a> {
    /// Text, encoded when the body is built.
    Text(&'a str),
    /// Text already in the form encoding: encoded once and kept (the client's
    /// `client_id` and `redirect_uri`), or a literal that needs no escaping.
    Encoded(&'a str),
}

impl FormValue<'_> {
    fn encoded_len(self) -> usize {
        match self {
            Self::Text(text) => encoded_len(text),
            Self::Encoded(encoded) => encoded.len(),
        }
    }
}

/// Builds a form body whose names are OAuth's own parameter names, which need
/// no escaping, in one allocation of the exact size (a body that grows leaves
/// copies of its secrets in freed memory).
pub(crate) fn encode_values(pairs: &[(&'static str, FormValue<'_>)]) -> Vec<u8> {
    debug_assert!(
        pairs
            .iter()
            .all(|(name, _)| name.bytes().all(|b| class(b) == KEPT)),
        "a parameter name that needs escaping"
    );
    debug_assert!(
        pairs.iter().all(|(_, value)| match value {
            FormValue::Text(_) => true,
            FormValue::Encoded(encoded) => encoded
                .bytes()
                .all(|b| class(b) == KEPT || b == b'%' || b == b'+'),
        }),
        "an encoded value that is not in the form encoding"
    );
    let len = pairs
        .iter()
        .map(|(name, value)| name.len() + 1 + value.encoded_len())
        .sum::<usize>()
        + pairs.len().saturating_sub(1);
    let mut out = Vec::with_capacity(len);
    for (i, (name, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push(b'&');
        }
        out.extend_from_slice(name.as_bytes());
        out.push(b'=');
        match value {
            FormValue::Text(text) => push_encoded(&mut out, text),
            FormValue::Encoded(encoded) => out.extend_from_slice(encoded.as_bytes()),
        }
    }
    out
}

/// Form-encoded output as text. It is ASCII by construction, so the check
/// cannot fail; were it ever to, the result would be empty, not wrong.
pub(crate) fn ascii_text(encoded: Vec<u8>) -> String {
    String::from_utf8(encoded).unwrap_or_default()
}

/// Form-encodes one value (used alone for HTTP Basic credentials).
pub(crate) fn encode_component(value: &str) -> String {
    let mut out = Vec::with_capacity(encoded_len(value));
    push_encoded(&mut out, value);
    ascii_text(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plus_is_a_space_and_escapes_are_decoded_once() {
        let pairs = decode("error_description=The+user%20said+%2Bno%252B").unwrap();
        assert_eq!(
            pairs,
            [("error_description".into(), "The user said +no%2B".into())]
        );
    }

    #[test]
    fn components_without_escapes_are_borrowed_and_the_others_decoded() {
        let pairs = decode("code=SplxlOBeZQQYbYS6WxSbIA&iss=https%3A%2F%2Fas&d=a+b").unwrap();
        assert!(matches!(
            pairs[0],
            (Cow::Borrowed("code"), Cow::Borrowed(_))
        ));
        assert!(matches!(&pairs[1].1, Cow::Owned(iss) if iss == "https://as"));
        assert!(matches!(&pairs[2].1, Cow::Owned(text) if text == "a b"));
    }

    #[test]
    fn malformed_escape_is_an_error_not_a_panic() {
        assert_eq!(decode("a=bad%ZZ"), Err(FormError::BadEscape));
        assert_eq!(decode("a=%4"), Err(FormError::BadEscape));
        assert_eq!(decode("a=%"), Err(FormError::BadEscape));
    }

    #[test]
    fn invalid_utf8_is_an_error() {
        assert_eq!(decode("a=%FF"), Err(FormError::NotUtf8));
    }

    #[test]
    fn too_many_pairs_is_an_error() {
        let input = "a=1&".repeat(MAX_PAIRS + 1);
        assert_eq!(decode(&input), Err(FormError::TooManyPairs));
    }

    #[test]
    fn encoding_matches_rfc6749_appendix_b() {
        assert_eq!(encode_component("my client/1"), "my+client%2F1");
        assert_eq!(encode_component("p+ss:w/rd=%"), "p%2Bss%3Aw%2Frd%3D%25");
    }

    #[test]
    fn encoding_escapes_every_byte_of_a_multibyte_character() {
        assert_eq!(encode_component("é ü"), "%C3%A9+%C3%BC");
        assert_eq!(encode_component("aé"), "a%C3%A9");
        assert_eq!(encode_component("éa"), "%C3%A9a");
        assert_eq!(encode_component(""), "");
    }

    #[test]
    fn a_body_encodes_the_values_and_joins_the_pairs_in_the_exact_length() {
        let pairs = [
            ("client_id", FormValue::Text("my client")),
            ("redirect_uri", FormValue::Text("http://x/cb")),
            ("code", FormValue::Text("c&d=e")),
            ("state", FormValue::Text("")),
            ("grant_type", FormValue::Encoded("refresh_token")),
            ("scope", FormValue::Encoded("a+b%2F")),
        ];
        let body = encode_values(&pairs);
        assert_eq!(
            body,
            b"client_id=my+client&redirect_uri=http%3A%2F%2Fx%2Fcb&code=c%26d%3De&state=\
              &grant_type=refresh_token&scope=a+b%2F"
        );
        assert_eq!(body.capacity(), body.len());
        assert_eq!(encode_values(&[]), b"");
    }

    proptest::proptest! {
        /// The same bytes as the `url` crate's serializer, whose output OAuth
        /// servers have long accepted, in exactly the length computed first.
        #[test]
        fn encoding_matches_the_url_crate(code in "(?s).*", state in "\\PC*") {
            let pairs = [("code", code.as_str()), ("state", state.as_str())];
            let expected = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs)
                .finish();
            let body = encode_values(&pairs.map(|(name, value)| (name, FormValue::Text(value))));
            proptest::prop_assert_eq!(&body, expected.as_bytes());
            proptest::prop_assert_eq!(body.capacity(), body.len());
            let component: String =
                url::form_urlencoded::byte_serialize(code.as_bytes()).collect();
            proptest::prop_assert_eq!(encode_component(&code), component);
            let state = encode_component(&state);
            let encoded = [("code", FormValue::Text(&code)), ("state", FormValue::Encoded(&state))];
            proptest::prop_assert_eq!(encode_values(&encoded), body);
        }
    }
}
