//! Property tests for the parsers of outside data: form decoding, callbacks
//! and token responses never panic, and agree with a reference where one
//! exists.

mod support;

use oauth_flow::{CallbackError, FormError, OAuthError, TokenError};
use proptest::prelude::*;
use serde_json::{Map, Value};
use support::*;

const ISS: &str = "https%3A%2F%2Fas.example.com";

/// Decodes `raw` as the value of `error_description` in a callback that
/// passes the `state` and `iss` checks: the decoded value comes back in the
/// error, or the decoding error does.
fn decode_through_callback(raw: &str) -> Result<Option<String>, CallbackError> {
    let (awaiting, state) = Scenario::new().awaiting();
    let redirect = format!("?state={state}&iss={ISS}&error=e&error_description={raw}");
    match awaiting
        .handle_callback(&redirect)
        .unwrap_err()
        .into_error()
    {
        CallbackError::Authorization(OAuthError {
            error_description, ..
        }) => Ok(error_description),
        other => Err(other),
    }
}

fn reference_decode(raw: &str) -> String {
    url::form_urlencoded::parse(format!("d={raw}").as_bytes())
        .next()
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default()
}

/// Whether every `%` in `raw` starts a two-digit hexadecimal escape.
fn escapes_are_well_formed(raw: &str) -> bool {
    let bytes = raw.as_bytes();
    bytes.iter().enumerate().all(|(i, &b)| {
        b != b'%'
            || (bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
    })
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,12}".prop_map(Value::String),
        "[0-9]{1,25}".prop_map(Value::String),
        Just(Value::String("Bearer".into())),
        Just(Value::String("bearer".into())),
    ];
    leaf.prop_recursive(2, 8, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map(".{0,6}", inner, 0..3)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

const MEMBERS: [&str; 7] = [
    "access_token",
    "token_type",
    "expires_in",
    "refresh_token",
    "scope",
    "id_token",
    "error",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Any text of form characters decodes as the `url` crate decodes it,
    /// or is refused as a malformed escape or as not UTF-8.
    #[test]
    fn form_decoding_agrees_with_the_url_crate(raw in "[a-zA-Z0-9%+ .~*_-]{0,40}") {
        match decode_through_callback(&raw) {
            Ok(decoded) => {
                prop_assert!(escapes_are_well_formed(&raw));
                prop_assert_eq!(decoded.unwrap_or_default(), reference_decode(&raw));
            }
            Err(CallbackError::Malformed(FormError::BadEscape)) => {
                prop_assert!(!escapes_are_well_formed(&raw));
            }
            Err(CallbackError::Malformed(FormError::NotUtf8)) => {
                prop_assert!(escapes_are_well_formed(&raw));
                prop_assert!(reference_decode(&raw).contains(char::REPLACEMENT_CHARACTER));
            }
            Err(other) => prop_assert!(false, "{other:?}"),
        }
    }

    /// Any string encoded by the `url` crate decodes back to itself.
    #[test]
    fn form_decoding_inverts_form_encoding(text in "\\PC{0,30}") {
        let encoded: String = url::form_urlencoded::byte_serialize(text.as_bytes()).collect();
        let decoded = decode_through_callback(&encoded).unwrap();
        prop_assert_eq!(decoded.unwrap_or_default(), text);
    }

    /// Callbacks made of any bytes never panic, and are never accepted
    /// without this flow's `state`.
    #[test]
    fn arbitrary_callbacks_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let (awaiting, state) = Scenario::new().awaiting();
        let redirect = String::from_utf8_lossy(&bytes);
        if awaiting.handle_callback(&redirect).is_ok() {
            prop_assert!(redirect.contains(&state));
        }
    }

    /// A token response with any JSON value in each member never panics:
    /// either it gives a visible-ASCII access token, or a typed error.
    #[test]
    fn token_responses_with_arbitrary_members_never_panic(
        values in proptest::collection::vec(proptest::option::of(json_value()), MEMBERS.len()),
        status in prop_oneof![Just(200u16), Just(201), Just(400), Just(500)],
    ) {
        let mut body = Map::new();
        for (name, value) in MEMBERS.iter().zip(values) {
            if let Some(value) = value {
                body.insert((*name).to_owned(), value);
            }
        }
        let response = json_response(status, &Value::Object(body));
        match Scenario::new().exchanging().handle_response(&response, at(0)) {
            Ok(authorized) => {
                let token = authorized.tokens().access_token().secret();
                prop_assert!(!token.is_empty());
                prop_assert!(token.bytes().all(|b| (0x20..=0x7e).contains(&b)));
                prop_assert!(status < 300);
            }
            Err(
                TokenError::Server(_)
                | TokenError::UnexpectedResponse { .. }
                | TokenError::MissingAccessToken
                | TokenError::InvalidAccessToken
                | TokenError::MissingTokenType
                | TokenError::InvalidTokenType,
            ) => {}
            Err(other) => prop_assert!(false, "{other:?}"),
        }
    }
}
