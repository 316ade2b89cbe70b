//! Authorization server metadata (RFC 8414), and where to find it.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use url::Url;

use crate::discovered::is_reserved;
use crate::endpoint::{Endpoint, EndpointError, is_secure};
use crate::error::{ConfigError, DiscoveryError};

/// Which well-known document describes the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum WellKnown {
    /// RFC 8414: `/.well-known/oauth-authorization-server`, inserted between
    /// the issuer's host and path (§3.1).
    OAuthAuthorizationServer,
    /// OpenID Connect Discovery 1.0 §4: `/.well-known/openid-configuration`,
    /// appended to the issuer. Its members are a superset of RFC 8414's.
    OpenIdConfiguration,
    /// `/.well-known/openid-configuration` inserted before the issuer's path,
    /// as RFC 8414 §5 allows; some servers with a path issuer serve only this.
    OpenIdConfigurationInserted,
}

impl WellKnown {
    /// The metadata URL for `issuer`.
    ///
    /// For RFC 8414 a terminating `/` of the issuer's path is removed before
    /// the well-known segment is inserted (§3.1), so `https://as.example.com/t/`
    /// and `https://as.example.com/t` both give
    /// `https://as.example.com/.well-known/oauth-authorization-server/t`.
    pub fn url_for(self, issuer: &Url) -> Url {
        let path = issuer.path().trim_end_matches('/');
        let mut url = issuer.clone();
        match self {
            Self::OAuthAuthorizationServer => {
                url.set_path(&format!("/.well-known/oauth-authorization-server{path}"));
            }
            Self::OpenIdConfiguration => {
                url.set_path(&format!("{path}/.well-known/openid-configuration"));
            }
            Self::OpenIdConfigurationInserted => {
                url.set_path(&format!("/.well-known/openid-configuration{path}"));
            }
        }
        url
    }
}

/// Checks an issuer identifier (RFC 8414 §2): an `https` URL (plain `http` on
/// loopback only) with no query and no fragment.
pub(crate) fn parse_issuer(issuer: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(issuer).map_err(|source| ConfigError::InvalidUrl {
        what: "issuer",
        source,
    })?;
    if !is_secure(&url) {
        return Err(ConfigError::Insecure {
            what: "issuer",
            url: issuer.into(),
        });
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(ConfigError::IssuerWithQueryOrFragment { url: issuer.into() });
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(ConfigError::IssuerWithCredentials { url: issuer.into() });
    }
    Ok(url)
}

/// Whether the issuer in a document is the one asked for (RFC 8414 §3.3):
/// compared as strings, with one allowance. An issuer with an empty path
/// equals the same issuer written with a single `/` (RFC 3986 §6.2.3), which
/// Google's MCP servers need (`https://accounts.google.com/` in the resource
/// metadata, without the slash in the server's own document). Any other
/// difference (scheme, host, port, case, further slashes) is a mismatch.
pub(crate) fn issuer_matches(expected: &str, found: &str) -> bool {
    if expected == found {
        return true;
    }
    let (longer, shorter) = if expected.len() > found.len() {
        (expected, found)
    } else {
        (found, expected)
    };
    longer.strip_suffix('/') == Some(shorter)
        && Url::parse(shorter).is_ok_and(|url| url.path() == "/" && !shorter.ends_with('/'))
}

/// What an authorization server says about itself (RFC 8414 §2): the members
/// a client uses, and every other member kept in [`extra`](Self::extra).
///
/// Parsed from a discovery response, or built by hand for servers that
/// publish no metadata (then pass it to
/// [`Discovered::from_metadata`](crate::Discovered::from_metadata)).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AuthorizationServerMetadata {
    /// `issuer`: the server's identifier, compared exactly.
    pub issuer: String,
    /// `authorization_endpoint`.
    pub authorization_endpoint: Endpoint,
    /// `token_endpoint`.
    pub token_endpoint: Endpoint,
    /// `scopes_supported`.
    pub scopes_supported: Option<Vec<String>>,
    /// `response_types_supported` (required by RFC 8414, absent from some
    /// hand-written documents; when present it must list `code`).
    pub response_types_supported: Option<Vec<String>>,
    /// `grant_types_supported`.
    pub grant_types_supported: Option<Vec<String>>,
    /// `code_challenge_methods_supported` (RFC 7636 §6.2 registry). When
    /// absent, PKCE S256 is still sent (RFC 9700 §2.1.1).
    pub code_challenge_methods_supported: Option<Vec<String>>,
    /// `token_endpoint_auth_methods_supported`; absent means
    /// `client_secret_basic` (RFC 8414 §2).
    pub token_endpoint_auth_methods_supported: Option<Vec<String>>,
    /// `revocation_endpoint` (RFC 7009).
    pub revocation_endpoint: Option<Endpoint>,
    /// `registration_endpoint` (RFC 7591).
    pub registration_endpoint: Option<Endpoint>,
    /// `authorization_response_iss_parameter_supported` (RFC 9207): when true,
    /// every callback must carry `iss`.
    pub authorization_response_iss_parameter_supported: bool,
    /// Every other member, as sent.
    pub extra: Map<String, Value>,
}

impl AuthorizationServerMetadata {
    /// Metadata with the three members every flow needs; the rest empty.
    pub fn new(issuer: impl Into<String>, authorization: Endpoint, token: Endpoint) -> Self {
        Self {
            issuer: issuer.into(),
            authorization_endpoint: authorization,
            token_endpoint: token,
            scopes_supported: None,
            response_types_supported: None,
            grant_types_supported: None,
            code_challenge_methods_supported: None,
            token_endpoint_auth_methods_supported: None,
            revocation_endpoint: None,
            registration_endpoint: None,
            authorization_response_iss_parameter_supported: false,
            extra: Map::new(),
        }
    }

    /// Reads a metadata document. Members that are `null` count as absent;
    /// members of the wrong type are an error naming the member.
    pub fn from_json_object(mut object: Map<String, Value>) -> Result<Self, DiscoveryError> {
        let mut take = |name: &str| object.remove(name).filter(|value| !value.is_null());

        let issuer = match take("issuer") {
            Some(Value::String(issuer)) => issuer,
            Some(_) => return Err(invalid("issuer", "a string")),
            None => return Err(DiscoveryError::MissingMember { member: "issuer" }),
        };
        let authorization_endpoint =
            required_endpoint(take("authorization_endpoint"), "authorization_endpoint")?;
        let token_endpoint = required_endpoint(take("token_endpoint"), "token_endpoint")?;
        let scopes_supported = strings(take("scopes_supported"), "scopes_supported")?;
        let response_types_supported =
            strings(take("response_types_supported"), "response_types_supported")?;
        let grant_types_supported =
            strings(take("grant_types_supported"), "grant_types_supported")?;
        let code_challenge_methods_supported = strings(
            take("code_challenge_methods_supported"),
            "code_challenge_methods_supported",
        )?;
        let token_endpoint_auth_methods_supported = strings(
            take("token_endpoint_auth_methods_supported"),
            "token_endpoint_auth_methods_supported",
        )?;
        let revocation_endpoint = endpoint(take("revocation_endpoint"), "revocation_endpoint")?;
        let registration_endpoint =
            endpoint(take("registration_endpoint"), "registration_endpoint")?;
        let authorization_response_iss_parameter_supported =
            match take("authorization_response_iss_parameter_supported") {
                None => false,
                Some(Value::Bool(flag)) => flag,
                Some(_) => {
                    return Err(invalid(
                        "authorization_response_iss_parameter_supported",
                        "a boolean",
                    ));
                }
            };

        Ok(Self {
            issuer,
            authorization_endpoint,
            token_endpoint,
            scopes_supported,
            response_types_supported,
            grant_types_supported,
            code_challenge_methods_supported,
            token_endpoint_auth_methods_supported,
            revocation_endpoint,
            registration_endpoint,
            authorization_response_iss_parameter_supported,
            extra: object,
        })
    }

    /// The checks that do not depend on how the document was obtained: a
    /// usable issuer, and the code flow among the response types.
    pub(crate) fn validate(&self) -> Result<(), DiscoveryError> {
        let issuer = parse_issuer(&self.issuer)?;
        // An `https` server cannot send the client to plain `http`, not even
        // on loopback: that would let a remote server aim the code, the
        // verifier and the client secret at a service on the user's own
        // machine. Plain `http` endpoints belong to a loopback `http` issuer.
        if issuer.scheme() == "https" {
            let endpoints = [
                ("authorization_endpoint", Some(&self.authorization_endpoint)),
                ("token_endpoint", Some(&self.token_endpoint)),
                ("revocation_endpoint", self.revocation_endpoint.as_ref()),
                ("registration_endpoint", self.registration_endpoint.as_ref()),
            ];
            for (member, endpoint) in endpoints {
                if let Some(endpoint) = endpoint.filter(|e| e.url().scheme() != "https") {
                    return Err(DiscoveryError::InsecureEndpoint {
                        member,
                        url: endpoint.url().to_string(),
                    });
                }
            }
        }
        // Parameters already in the endpoint's query would be sent next to
        // the flow's own: two `state` or `code_challenge_method` values, of
        // which a server may read the wrong one.
        let endpoint = self.authorization_endpoint.url();
        if endpoint.query_pairs().any(|(name, _)| is_reserved(&name)) {
            return Err(invalid(
                "authorization_endpoint",
                "a URL whose query sets none of the flow's parameters",
            ));
        }
        if let Some(types) = &self.response_types_supported {
            // Each entry is a space-separated set (RFC 8414 §2); `code` alone
            // is what this flow needs.
            if !types.iter().any(|t| t == "code") {
                return Err(DiscoveryError::CodeFlowUnsupported {
                    advertised: types.clone(),
                });
            }
        }
        Ok(())
    }
}

fn invalid(member: &'static str, expected: &'static str) -> DiscoveryError {
    DiscoveryError::InvalidMember { member, expected }
}

fn required_endpoint(
    value: Option<Value>,
    member: &'static str,
) -> Result<Endpoint, DiscoveryError> {
    endpoint(value, member)?.ok_or(DiscoveryError::MissingMember { member })
}

fn endpoint(
    value: Option<Value>,
    member: &'static str,
) -> Result<Option<Endpoint>, DiscoveryError> {
    let Some(value) = value else { return Ok(None) };
    let Value::String(text) = value else {
        return Err(invalid(member, "a URL string"));
    };
    let url = Url::parse(&text).map_err(|_| invalid(member, "an absolute URL"))?;
    if !is_secure(&url) {
        return Err(DiscoveryError::InsecureEndpoint { member, url: text });
    }
    Endpoint::try_from(url)
        .map(Some)
        .map_err(|error| match error {
            EndpointError::Credentials => invalid(member, "a URL without a user name or password"),
            _ => invalid(member, "an HTTP request target"),
        })
}

fn strings(
    value: Option<Value>,
    member: &'static str,
) -> Result<Option<Vec<String>>, DiscoveryError> {
    let Some(value) = value else { return Ok(None) };
    let Value::Array(items) = value else {
        return Err(invalid(member, "an array of strings"));
    };
    items
        .into_iter()
        .map(|item| match item {
            Value::String(text) => Ok(text),
            _ => Err(invalid(member, "an array of strings")),
        })
        .collect::<Result<_, _>>()
        .map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issuer(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[test]
    fn rfc8414_url_inserts_the_well_known_segment_before_the_issuer_path() {
        let url =
            WellKnown::OAuthAuthorizationServer.url_for(&issuer("https://github.com/login/oauth"));
        assert_eq!(
            url.as_str(),
            "https://github.com/.well-known/oauth-authorization-server/login/oauth"
        );
    }

    #[test]
    fn rfc8414_url_drops_a_terminating_slash_of_the_issuer_path() {
        let with =
            WellKnown::OAuthAuthorizationServer.url_for(&issuer("https://as.example.com/t/"));
        let without =
            WellKnown::OAuthAuthorizationServer.url_for(&issuer("https://as.example.com/t"));
        assert_eq!(with, without);
        assert_eq!(
            with.as_str(),
            "https://as.example.com/.well-known/oauth-authorization-server/t"
        );
    }

    #[test]
    fn rfc8414_url_for_an_issuer_without_path() {
        for text in ["https://as.example.com", "https://as.example.com/"] {
            let url = WellKnown::OAuthAuthorizationServer.url_for(&issuer(text));
            assert_eq!(
                url.as_str(),
                "https://as.example.com/.well-known/oauth-authorization-server"
            );
        }
    }

    #[test]
    fn openid_configuration_url_is_appended_to_the_issuer() {
        let url = WellKnown::OpenIdConfiguration.url_for(&issuer("https://as.example.com/tenant/"));
        assert_eq!(
            url.as_str(),
            "https://as.example.com/tenant/.well-known/openid-configuration"
        );
        let root = WellKnown::OpenIdConfiguration.url_for(&issuer("https://as.example.com"));
        assert_eq!(
            root.as_str(),
            "https://as.example.com/.well-known/openid-configuration"
        );
    }

    #[test]
    fn inserted_openid_configuration_url_goes_before_the_issuer_path() {
        let url = WellKnown::OpenIdConfigurationInserted
            .url_for(&issuer("https://github.com/login/oauth"));
        assert_eq!(
            url.as_str(),
            "https://github.com/.well-known/openid-configuration/login/oauth"
        );
    }

    #[test]
    fn issuer_with_empty_path_matches_the_same_issuer_with_one_slash() {
        assert!(issuer_matches(
            "https://accounts.google.com/",
            "https://accounts.google.com"
        ));
        assert!(issuer_matches(
            "https://accounts.google.com",
            "https://accounts.google.com/"
        ));
    }

    #[test]
    fn issuer_differences_beyond_the_root_slash_are_mismatches() {
        for (a, b) in [
            ("https://as.example.com/t", "https://as.example.com/t/"),
            ("https://as.example.com", "https://as.example.com//"),
            ("https://as.example.com", "https://AS.example.com"),
            ("https://as.example.com", "http://as.example.com"),
            ("https://as.example.com", "https://as.example.com:443"),
            ("https://as.example.com", "https://as.example.com.evil"),
        ] {
            assert!(!issuer_matches(a, b), "{a} vs {b}");
        }
    }

    #[test]
    fn issuer_with_query_or_fragment_is_refused() {
        assert!(parse_issuer("https://as.example.com/?x=1").is_err());
        assert!(parse_issuer("https://as.example.com/#x").is_err());
        assert!(parse_issuer("http://as.example.com").is_err());
        assert!(parse_issuer("http://127.0.0.1:9000").is_ok());
    }
}
