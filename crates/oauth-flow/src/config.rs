//! Who the client is and how lenient it may be.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use url::Url;

use crate::endpoint::{is_loopback, is_secure};
use crate::error::ConfigError;
use crate::secret::ClientSecret;

/// How the client authenticates at the token and revocation endpoints
/// (RFC 6749 §2.3, names from RFC 7591 §2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ClientAuthMethod {
    /// A public client: `client_id` in the body, no secret.
    None,
    /// `client_id` and `client_secret` in the form body (RFC 6749 §2.3.1).
    ClientSecretPost,
    /// HTTP Basic with the id and secret each form-encoded first (RFC 6749
    /// §2.3.1). A secret holding `+`, `:` or `%` only works this way.
    ClientSecretBasic,
}

impl ClientAuthMethod {
    /// The RFC 7591 name (`none`, `client_secret_post`, `client_secret_basic`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::ClientSecretPost => "client_secret_post",
            Self::ClientSecretBasic => "client_secret_basic",
        }
    }
}

/// Named relaxations for servers that break a rule. All off by default; each
/// one says which servers need it. Relaxations that cost nothing in safety
/// (a numeric string for `expires_in`, lower-case `bearer`) are always on and
/// are listed in the crate docs instead.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct Leniency {
    /// Treat a token response without `token_type` as a bearer token. VK,
    /// LinkedIn and Foursquare omit the member RFC 6749 §5.1 requires. A
    /// `token_type` that is present and not `bearer` is never treated as one.
    pub missing_token_type_is_bearer: bool,
    /// Authorize with PKCE S256 even though the server's
    /// `code_challenge_methods_supported` lists other methods only. For
    /// servers known to accept S256 regardless. S256 is still the only method
    /// ever sent; `plain` never is. Under
    /// [`ClientConfig::require_advertised_pkce`] (the MCP rule) this also
    /// lets through a server that lists no methods at all, for servers known
    /// to support S256 without saying so.
    pub s256_not_advertised: bool,
    /// Send a refresh token to a token endpoint that was guessed rather than
    /// published: the `/token` default of the 2025-03-26 MCP authorization
    /// profile, used when a server publishes no metadata at all. Off unless
    /// the caller asked for that legacy mode by name; a refresh token is
    /// long-lived and a guessed address deserves no such trust by default.
    pub refresh_at_guessed_endpoint: bool,
}

impl Leniency {
    /// Sets [`missing_token_type_is_bearer`](Self::missing_token_type_is_bearer).
    #[must_use]
    pub fn missing_token_type_is_bearer(mut self) -> Self {
        self.missing_token_type_is_bearer = true;
        self
    }

    /// Sets [`s256_not_advertised`](Self::s256_not_advertised).
    #[must_use]
    pub fn s256_not_advertised(mut self) -> Self {
        self.s256_not_advertised = true;
        self
    }

    /// Sets [`refresh_at_guessed_endpoint`](Self::refresh_at_guessed_endpoint).
    #[must_use]
    pub fn refresh_at_guessed_endpoint(mut self) -> Self {
        self.refresh_at_guessed_endpoint = true;
        self
    }
}

/// The default margin before expiry at which a token counts as expired.
pub const DEFAULT_EXPIRY_SKEW: Duration = Duration::from_secs(30);

/// The client's identity and policy: what it registered at the server, and
/// how it treats time and quirks.
///
/// ```
/// use std::time::Duration;
/// use oauth_flow::{ClientAuthMethod, ClientConfig, ClientSecret};
///
/// let client = ClientConfig::new("my-client", "http://127.0.0.1:8976/callback")?
///     .client_secret(ClientSecret::new("s3cret"))
///     .auth_method(ClientAuthMethod::ClientSecretBasic)
///     .expiry_skew(Duration::from_secs(60));
/// # Ok::<(), oauth_flow::ConfigError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "ClientConfigParts")]
pub struct ClientConfig {
    client_id: String,
    redirect_uri: Url,
    client_secret: Option<ClientSecret>,
    auth_method: Option<ClientAuthMethod>,
    expiry_skew_secs: u64,
    default_lifetime_secs: Option<u64>,
    #[serde(default)]
    leniency: Leniency,
    #[serde(default)]
    require_advertised_pkce: bool,
}

/// The persisted form; the redirect URI is checked again on the way in.
#[derive(Deserialize)]
struct ClientConfigParts {
    client_id: String,
    redirect_uri: Url,
    client_secret: Option<ClientSecret>,
    auth_method: Option<ClientAuthMethod>,
    expiry_skew_secs: u64,
    default_lifetime_secs: Option<u64>,
    #[serde(default)]
    leniency: Leniency,
    #[serde(default)]
    require_advertised_pkce: bool,
}

impl TryFrom<ClientConfigParts> for ClientConfig {
    type Error = ConfigError;

    fn try_from(parts: ClientConfigParts) -> Result<Self, Self::Error> {
        check_redirect_uri(&parts.redirect_uri)?;
        Ok(Self {
            client_id: parts.client_id,
            redirect_uri: parts.redirect_uri,
            client_secret: parts.client_secret,
            auth_method: parts.auth_method,
            expiry_skew_secs: parts.expiry_skew_secs,
            default_lifetime_secs: parts.default_lifetime_secs,
            leniency: parts.leniency,
            require_advertised_pkce: parts.require_advertised_pkce,
        })
    }
}

/// `https`, loopback `http` (RFC 8252 §7.3), or a private-use scheme
/// (RFC 8252 §7.1); never with a fragment (RFC 6749 §3.1.2).
fn check_redirect_uri(redirect: &Url) -> Result<(), ConfigError> {
    // Private-use schemes are reverse domain names, so they hold a period;
    // that also keeps out `javascript:`, `data:` and `file:`.
    let private_use = redirect.scheme().contains('.');
    if !private_use && !is_secure(redirect) {
        return Err(ConfigError::Insecure {
            what: "redirect_uri",
            url: redirect.to_string(),
        });
    }
    if redirect.fragment().is_some() {
        return Err(ConfigError::RedirectUriWithFragment {
            url: redirect.to_string(),
        });
    }
    Ok(())
}

impl ClientConfig {
    /// A public client (no secret) with the redirect URI it registered.
    ///
    /// The redirect URI must be `https`, loopback `http` (RFC 8252 §7.3), or a
    /// private-use scheme such as `com.example.app:/callback` (RFC 8252 §7.1);
    /// never plain `http` to another host, and never with a fragment.
    pub fn new(client_id: impl Into<String>, redirect_uri: &str) -> Result<Self, ConfigError> {
        let redirect = Url::parse(redirect_uri).map_err(|source| ConfigError::InvalidUrl {
            what: "redirect_uri",
            source,
        })?;
        check_redirect_uri(&redirect)?;
        Ok(Self {
            client_id: client_id.into(),
            redirect_uri: redirect,
            client_secret: None,
            auth_method: None,
            expiry_skew_secs: DEFAULT_EXPIRY_SKEW.as_secs(),
            default_lifetime_secs: None,
            leniency: Leniency::default(),
            require_advertised_pkce: false,
        })
    }

    /// Makes the client confidential. Without an explicit
    /// [`auth_method`](Self::auth_method), the method is chosen from the
    /// server's `token_endpoint_auth_methods_supported`: Basic when listed (or
    /// when the list is absent, RFC 8414 §2), else post.
    #[must_use]
    pub fn client_secret(mut self, secret: ClientSecret) -> Self {
        self.client_secret = Some(secret);
        self
    }

    /// Chooses the client authentication method, whatever the server lists.
    #[must_use]
    pub fn auth_method(mut self, method: ClientAuthMethod) -> Self {
        self.auth_method = Some(method);
        self
    }

    /// How long before its expiry a token already counts as expired (default
    /// [`DEFAULT_EXPIRY_SKEW`]), so it is not sent just as it runs out. For a
    /// token whose whole lifetime is short the margin is capped at half of it.
    #[must_use]
    pub fn expiry_skew(mut self, skew: Duration) -> Self {
        self.expiry_skew_secs = skew.as_secs();
        self
    }

    /// A lifetime to assume when a token response has no `expires_in`. By
    /// default the expiry is unknown and the token counts as fresh until a
    /// resource server rejects it (see [`Authorized::reject`](crate::Authorized::reject)).
    #[must_use]
    pub fn default_lifetime(mut self, lifetime: Duration) -> Self {
        self.default_lifetime_secs = Some(lifetime.as_secs());
        self
    }

    /// Sets the named relaxations.
    #[must_use]
    pub fn leniency(mut self, leniency: Leniency) -> Self {
        self.leniency = leniency;
        self
    }

    /// Refuses to authorize at a server whose metadata has no
    /// `code_challenge_methods_supported`, as the MCP authorization profile
    /// requires: a server that does not say it supports PKCE may ignore the
    /// challenge and leave the code unprotected. (By default an absent list
    /// is read as RFC 9700 §2.1.1 allows, and S256 is sent anyway.)
    /// [`Leniency::s256_not_advertised`] is the named way out for servers
    /// known to support S256 without listing it.
    #[must_use]
    pub fn require_advertised_pkce(mut self) -> Self {
        self.require_advertised_pkce = true;
        self
    }

    /// Whether [`require_advertised_pkce`](Self::require_advertised_pkce) is set.
    pub fn requires_advertised_pkce(&self) -> bool {
        self.require_advertised_pkce
    }

    /// The client identifier.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The redirect URI sent in the authorization and token requests.
    pub fn redirect_uri(&self) -> &Url {
        &self.redirect_uri
    }

    /// Whether the redirect URI is a loopback one (RFC 8252 §7.3).
    pub fn redirects_to_loopback(&self) -> bool {
        self.redirect_uri.scheme() == "http" && is_loopback(&self.redirect_uri)
    }

    pub(crate) fn secret(&self) -> Option<&ClientSecret> {
        self.client_secret.as_ref()
    }

    pub(crate) fn chosen_auth_method(&self) -> Option<ClientAuthMethod> {
        self.auth_method
    }

    pub(crate) fn skew_secs(&self) -> u64 {
        self.expiry_skew_secs
    }

    pub(crate) fn default_lifetime_secs(&self) -> Option<u64> {
        self.default_lifetime_secs
    }

    pub(crate) fn lenient(&self) -> Leniency {
        self.leniency
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_redirect_uri_is_refused_off_loopback() {
        let err = ClientConfig::new("c", "http://app.example.com/cb").unwrap_err();
        assert!(matches!(
            err,
            ConfigError::Insecure {
                what: "redirect_uri",
                ..
            }
        ));
    }

    #[test]
    fn loopback_https_and_private_use_redirect_uris_are_accepted() {
        for ok in [
            "http://127.0.0.1:8976/callback",
            "http://[::1]/cb",
            "https://app.example.com/cb",
            "com.example.app:/oauth2redirect",
        ] {
            assert!(ClientConfig::new("c", ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn redirect_uri_with_fragment_is_refused() {
        let err = ClientConfig::new("c", "https://app.example.com/cb#x").unwrap_err();
        assert!(matches!(err, ConfigError::RedirectUriWithFragment { .. }));
    }

    #[test]
    fn file_data_and_javascript_redirect_uris_are_refused() {
        assert!(ClientConfig::new("c", "file:///tmp/cb").is_err());
        assert!(ClientConfig::new("c", "data:text/plain,x").is_err());
        assert!(ClientConfig::new("c", "javascript:alert(1)").is_err());
    }
}
