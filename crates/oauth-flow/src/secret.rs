//! Secret values: tokens, codes, verifiers and client secrets.
//!
//! Each secret has its own type so that it cannot be passed where another is
//! expected. None of them implements `Display`; `Debug` prints `[redacted]`; the
//! memory is zeroized on drop; equality is constant-time. Reading the value is an
//! explicit call to [`secret`](AccessToken::secret).
//!
//! They serialize as plain strings, because persisting a flow must keep them.
//! Treat a persisted state like a password file.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

macro_rules! secret_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone)]
        pub struct $name(Zeroizing<String>);

        impl $name {
            /// Wraps a value.
            pub fn new(value: impl Into<String>) -> Self {
                Self(Zeroizing::new(value.into()))
            }

            /// The secret value itself. Every call site is a place where the
            /// secret leaves the type: keep them few and never log the result.
            pub fn secret(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "([redacted])"))
            }
        }

        impl PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                self.0.as_bytes().ct_eq(other.0.as_bytes()).into()
            }
        }

        impl Eq for $name {}

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                String::deserialize(deserializer).map(Self::new)
            }
        }
    };
}

secret_type!(
    /// An access token (RFC 6749 §1.4). Send it with
    /// [`Authorized::bearer`](crate::Authorized::bearer), never by hand.
    AccessToken
);
secret_type!(
    /// A refresh token (RFC 6749 §1.5).
    RefreshToken
);
secret_type!(
    /// An OpenID Connect ID token, kept as the server sent it (not validated here).
    IdToken
);
secret_type!(
    /// An authorization code from the callback (RFC 6749 §4.1.2). Single use.
    AuthorizationCode
);
secret_type!(
    /// A PKCE code verifier (RFC 7636 §4.1).
    CodeVerifier
);
secret_type!(
    /// A client secret (RFC 6749 §2.3.1).
    ClientSecret
);
secret_type!(
    /// The `state` value that binds a callback to the request that caused it
    /// (RFC 6749 §10.12). Not a credential, but whoever knows it can forge a
    /// callback, so it is treated like one.
    CsrfState
);

impl CsrfState {
    /// Compares a received `state` with this one in constant time.
    pub(crate) fn matches(&self, received: &str) -> bool {
        self.0.as_bytes().ct_eq(received.as_bytes()).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_contains_the_secret() {
        let token = AccessToken::new("very-secret-value");
        let shown = format!("{token:?} {:?}", ClientSecret::new("very-secret-value"));
        assert!(!shown.contains("very-secret-value"), "{shown}");
        assert!(shown.contains("[redacted]"));
    }

    #[test]
    fn equality_compares_the_values() {
        assert_eq!(RefreshToken::new("a"), RefreshToken::new("a"));
        assert_ne!(RefreshToken::new("a"), RefreshToken::new("ab"));
    }

    #[test]
    fn serde_round_trip_keeps_the_value() {
        let json = serde_json::to_string(&CodeVerifier::new("v")).unwrap();
        assert_eq!(json, "\"v\"");
        let back: CodeVerifier = serde_json::from_str(&json).unwrap();
        assert_eq!(back.secret(), "v");
    }
}
