//! Server configuration: the clients the server knows, its issuer, lifetimes and quirks.

use std::fmt;
use std::time::Duration;

use crate::quirks::Quirk;

/// The public client every default configuration registers.
pub const DEMO_CLIENT_ID: &str = "demo-client";

/// The confidential client every default configuration registers.
pub const DEMO_CONFIDENTIAL_CLIENT_ID: &str = "demo-confidential";

/// The secret of [`DEMO_CONFIDENTIAL_CLIENT_ID`]. It contains `+`, `:` and `%` on purpose,
/// so that a client which skips the form-encoding step of HTTP Basic (RFC 6749 §2.3.1)
/// is refused.
pub const DEMO_CLIENT_SECRET: &str = "demo+secret:with%special";

/// The redirect URI of both default clients. It is a loopback URI without a port, so it
/// matches any port on `127.0.0.1` (RFC 8252 §7.3).
pub const DEMO_REDIRECT_URI: &str = "http://127.0.0.1/callback";

/// How a client authenticates at the token and revocation endpoints
/// (RFC 6749 §2.3, names from RFC 7591 §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthMethod {
    /// A public client: only `client_id` in the body.
    None,
    /// `client_id` and `client_secret` in the form body.
    ClientSecretPost,
    /// HTTP Basic with the form-encoded id and secret (RFC 6749 §2.3.1).
    ClientSecretBasic,
}

impl AuthMethod {
    /// The RFC 7591 name of the method, as metadata and registration use it.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMethod::None => "none",
            AuthMethod::ClientSecretPost => "client_secret_post",
            AuthMethod::ClientSecretBasic => "client_secret_basic",
        }
    }

    /// The method with that RFC 7591 name, if the server supports it.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "none" => Some(AuthMethod::None),
            "client_secret_post" => Some(AuthMethod::ClientSecretPost),
            "client_secret_basic" => Some(AuthMethod::ClientSecretBasic),
            _ => None,
        }
    }
}

/// A client registered with the server before it starts.
///
/// `Debug` does not show the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientConfig {
    pub(crate) client_id: String,
    pub(crate) client_secret: Option<String>,
    pub(crate) redirect_uris: Vec<String>,
    pub(crate) auth_methods: Vec<AuthMethod>,
}

impl ClientConfig {
    /// A public client (authentication method `none`) with one redirect URI.
    pub fn public(client_id: impl Into<String>, redirect_uri: impl Into<String>) -> Self {
        ClientConfig {
            client_id: client_id.into(),
            client_secret: None,
            redirect_uris: vec![redirect_uri.into()],
            auth_methods: vec![AuthMethod::None],
        }
    }

    /// A confidential client that may use `client_secret_basic` or `client_secret_post`.
    pub fn confidential(
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        redirect_uri: impl Into<String>,
    ) -> Self {
        ClientConfig {
            client_id: client_id.into(),
            client_secret: Some(client_secret.into()),
            redirect_uris: vec![redirect_uri.into()],
            auth_methods: vec![AuthMethod::ClientSecretBasic, AuthMethod::ClientSecretPost],
        }
    }

    /// Adds another redirect URI.
    #[must_use]
    pub fn with_redirect_uri(mut self, redirect_uri: impl Into<String>) -> Self {
        self.redirect_uris.push(redirect_uri.into());
        self
    }

    /// Replaces the authentication methods this client may use.
    #[must_use]
    pub fn with_auth_methods(mut self, methods: impl IntoIterator<Item = AuthMethod>) -> Self {
        self.auth_methods = methods.into_iter().collect();
        self
    }

    /// The client identifier.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The client secret, for confidential clients.
    pub fn client_secret(&self) -> Option<&str> {
        self.client_secret.as_deref()
    }

    /// The registered redirect URIs.
    pub fn redirect_uris(&self) -> &[String] {
        &self.redirect_uris
    }

    /// The authentication methods this client may use.
    pub fn auth_methods(&self) -> &[AuthMethod] {
        &self.auth_methods
    }
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "[redacted]"),
            )
            .field("redirect_uris", &self.redirect_uris)
            .field("auth_methods", &self.auth_methods)
            .finish()
    }
}

/// What `/authorize` answers to a valid request. Invalid requests always get the error
/// they deserve, whatever this says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum AuthorizeOutcome {
    /// The resource owner consents at once: a redirect with `code`, `state` and `iss`.
    #[default]
    Approve,
    /// The resource owner refuses: an error redirect with `access_denied`.
    AccessDenied,
    /// The server refuses the request: an error redirect with `invalid_request`.
    InvalidRequest,
}

/// The configuration of a [`TestServer`](crate::TestServer), written as a builder.
///
/// The default registers two clients, both with the redirect URI [`DEMO_REDIRECT_URI`]:
/// the public [`DEMO_CLIENT_ID`] and the confidential [`DEMO_CONFIDENTIAL_CLIENT_ID`]
/// with secret [`DEMO_CLIENT_SECRET`]. The issuer has no path, access tokens live one
/// hour, refresh tokens rotate, the scopes are `read` and `write`, and the protected
/// resource requires `read`.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub(crate) clients: Vec<ClientConfig>,
    pub(crate) issuer_path: String,
    pub(crate) access_token_lifetime: Duration,
    pub(crate) refresh_rotation: bool,
    pub(crate) scopes_supported: Vec<String>,
    pub(crate) required_scope: Option<String>,
    pub(crate) quirks: Vec<Quirk>,
    pub(crate) authorize_outcome: AuthorizeOutcome,
    pub(crate) openid_configuration: bool,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            clients: vec![
                ClientConfig::public(DEMO_CLIENT_ID, DEMO_REDIRECT_URI),
                ClientConfig::confidential(
                    DEMO_CONFIDENTIAL_CLIENT_ID,
                    DEMO_CLIENT_SECRET,
                    DEMO_REDIRECT_URI,
                ),
            ],
            issuer_path: String::new(),
            access_token_lifetime: Duration::from_secs(3600),
            refresh_rotation: true,
            scopes_supported: vec!["read".to_owned(), "write".to_owned()],
            required_scope: Some("read".to_owned()),
            quirks: Vec::new(),
            authorize_outcome: AuthorizeOutcome::Approve,
            openid_configuration: false,
        }
    }
}

impl ServerConfig {
    /// The default configuration (see the type's documentation).
    pub fn new() -> Self {
        ServerConfig::default()
    }

    /// Removes every registered client, the default ones included.
    #[must_use]
    pub fn without_clients(mut self) -> Self {
        self.clients.clear();
        self
    }

    /// Registers a client. A client with the same id replaces the earlier one.
    #[must_use]
    pub fn client(mut self, client: ClientConfig) -> Self {
        self.clients
            .retain(|known| known.client_id != client.client_id);
        self.clients.push(client);
        self
    }

    /// Gives the issuer a path, such as `/tenant`: the issuer becomes
    /// `http://127.0.0.1:<port>/tenant`, its endpoints live under `/tenant/…` and its
    /// RFC 8414 metadata at `/.well-known/oauth-authorization-server/tenant` (§3.1).
    /// An empty path or `/` means no path.
    #[must_use]
    pub fn issuer_path(mut self, path: &str) -> Self {
        let trimmed = path.trim_matches('/');
        self.issuer_path = if trimmed.is_empty() {
            String::new()
        } else {
            format!("/{trimmed}")
        };
        self
    }

    /// How long access tokens live (`expires_in`). Whole seconds; the default is one hour.
    #[must_use]
    pub fn access_token_lifetime(mut self, lifetime: Duration) -> Self {
        self.access_token_lifetime = lifetime;
        self
    }

    /// Whether a refresh issues a new refresh token and retires the old one (the
    /// default). Without rotation the same refresh token is returned again and stays
    /// valid.
    #[must_use]
    pub fn refresh_rotation(mut self, rotate: bool) -> Self {
        self.refresh_rotation = rotate;
        self
    }

    /// The scopes the server knows and advertises. A request for another scope gets
    /// `invalid_scope`; a request without `scope` is granted all of them.
    #[must_use]
    pub fn scopes_supported<S: Into<String>>(
        mut self,
        scopes: impl IntoIterator<Item = S>,
    ) -> Self {
        self.scopes_supported = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// The scope the protected resource requires, or `None` for any valid token.
    #[must_use]
    pub fn required_scope(mut self, scope: Option<&str>) -> Self {
        self.required_scope = scope.map(str::to_owned);
        self
    }

    /// Turns one quirk on. Quirks combine; adding one twice changes nothing.
    #[must_use]
    pub fn quirk(mut self, quirk: Quirk) -> Self {
        if !self.quirks.contains(&quirk) {
            self.quirks.push(quirk);
        }
        self
    }

    /// Turns several quirks on.
    #[must_use]
    pub fn quirks(self, quirks: impl IntoIterator<Item = Quirk>) -> Self {
        quirks.into_iter().fold(self, ServerConfig::quirk)
    }

    /// What `/authorize` answers to valid requests. It can also be changed while the
    /// server runs, with [`TestServer::set_authorize_outcome`].
    ///
    /// [`TestServer::set_authorize_outcome`]: crate::TestServer::set_authorize_outcome
    #[must_use]
    pub fn authorize_outcome(mut self, outcome: AuthorizeOutcome) -> Self {
        self.authorize_outcome = outcome;
        self
    }

    /// Also serves the OpenID Connect discovery document at
    /// `<issuer>/.well-known/openid-configuration`. It carries the same members as the
    /// RFC 8414 document; the server issues no ID tokens.
    #[must_use]
    pub fn openid_configuration(mut self, serve: bool) -> Self {
        self.openid_configuration = serve;
        self
    }
}
