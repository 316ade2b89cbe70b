//! URLs the flow sends requests to, checked once when they enter.

use std::fmt;
use std::net::IpAddr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use url::{Host, Url};

/// Whether `url` is `https`, or `http` on a loopback host (`localhost`,
/// `127.0.0.0/8`, `[::1]`): the only places plain HTTP may go (RFC 8252 §8.3
/// for redirects, and local development servers).
pub(crate) fn is_secure(url: &Url) -> bool {
    match url.scheme() {
        "https" => true,
        "http" => is_loopback(url),
        _ => false,
    }
}

pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// A server endpoint the flow may send requests to: an absolute `https` URL
/// (plain `http` only on loopback) that is also a valid `http::Uri`.
///
/// Every endpoint in [`AuthorizationServerMetadata`](crate::AuthorizationServerMetadata)
/// has this type, so an insecure endpoint cannot reach a request, whether it
/// came from discovery, from a caller or from a persisted state.
#[derive(Clone, PartialEq, Eq)]
pub struct Endpoint {
    url: Url,
    uri: http::Uri,
}

/// Why a URL is not a usable [`Endpoint`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EndpointError {
    /// Not a URL.
    #[error("not a valid URL: {0}")]
    Invalid(#[from] url::ParseError),
    /// Not `https` and not loopback `http`.
    #[error("must be https (plain http only on loopback hosts)")]
    Insecure,
    /// Has a user name or password (`https://user:pw@host/`): they would be
    /// sent and shown with every request.
    #[error("must not hold a user name or password")]
    Credentials,
    /// Has a fragment, or is otherwise not an HTTP request target.
    #[error("not usable as an HTTP request target")]
    NotARequestTarget,
}

impl Endpoint {
    /// Parses and checks an endpoint URL.
    pub fn parse(input: &str) -> Result<Self, EndpointError> {
        Self::try_from(Url::parse(input)?)
    }

    /// Whether `url` may carry OAuth traffic: `https`, or plain `http` to a
    /// loopback host (`localhost`, `127.0.0.0/8`, `[::1]`). The rule every
    /// endpoint of this crate follows, for adapters that send other requests.
    pub fn is_secure(url: &Url) -> bool {
        is_secure(url)
    }

    /// The endpoint as a URL.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The endpoint as a request URI.
    pub(crate) fn uri(&self) -> &http::Uri {
        &self.uri
    }
}

impl TryFrom<Url> for Endpoint {
    type Error = EndpointError;

    fn try_from(url: Url) -> Result<Self, Self::Error> {
        if !is_secure(&url) {
            return Err(EndpointError::Insecure);
        }
        if url.fragment().is_some() {
            return Err(EndpointError::NotARequestTarget);
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(EndpointError::Credentials);
        }
        let uri = url
            .as_str()
            .parse()
            .map_err(|_| EndpointError::NotARequestTarget)?;
        Ok(Self { url, uri })
    }
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Endpoint({})", self.url)
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.url.fmt(f)
    }
}

impl Serialize for Endpoint {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.url.as_str())
    }
}

impl<'de> Deserialize<'de> for Endpoint {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_and_loopback_http_are_accepted() {
        for ok in [
            "https://as.example.com/token",
            "http://127.0.0.1:8080/token",
            "http://127.8.9.10/token",
            "http://[::1]:9/token",
            "http://localhost/token",
            "http://LOCALHOST:3000/token",
        ] {
            assert!(Endpoint::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn plain_http_off_loopback_and_other_schemes_are_refused() {
        for bad in [
            "http://as.example.com/token",
            "http://localhost.example.com/token",
            "http://10.0.0.1/token",
            "ftp://as.example.com/token",
            "file:///etc/passwd",
        ] {
            assert_eq!(
                Endpoint::parse(bad).unwrap_err(),
                EndpointError::Insecure,
                "{bad}"
            );
        }
    }

    #[test]
    fn deserializing_an_insecure_endpoint_fails() {
        let result: Result<Endpoint, _> = serde_json::from_str("\"http://as.example.com/t\"");
        assert!(result.is_err());
    }
}
