//! `application/x-www-form-urlencoded`, strictly (RFC 6749 Appendix B).
//!
//! The `url` crate's decoder is lenient: it passes a malformed escape such as
//! `%ZZ` through as text. For data an attacker may shape (a redirect's query) we
//! want a malformed escape to be an error, so decoding is done here. Encoding
//! uses the `url` crate, whose output is the form encoding OAuth asks for
//! (space as `+`, everything but `A-Z a-z 0-9 * - . _` escaped).

use url::form_urlencoded;

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

/// Decodes `a=1&b=2` into ordered pairs. Empty segments (`a=1&&b=2`) are skipped,
/// a segment without `=` is a name with an empty value.
pub(crate) fn decode(input: &str) -> Result<Vec<(String, String)>, FormError> {
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

fn decode_component(input: &str) -> Result<String, FormError> {
    let bytes = input.as_bytes();
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
    String::from_utf8(out).map_err(|_| FormError::NotUtf8)
}

fn hex_value(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

/// Form-encodes one value (used alone for HTTP Basic credentials).
pub(crate) fn encode_component(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// Builds a form body from pairs.
pub(crate) fn encode<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
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
}
