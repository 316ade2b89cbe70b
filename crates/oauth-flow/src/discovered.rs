//! State `Discovered`: the server is known; an authorization can start.

use std::fmt;
use std::sync::Arc;

use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};
use url::Url;

use crate::awaiting::AwaitingCallback;
use crate::client_credentials::ClientCredentials;
use crate::config::{ClientAuthMethod, ClientConfig};
use crate::error::{AuthorizeError, ConfigError, DiscoveryError};
use crate::form;
use crate::metadata::AuthorizationServerMetadata;
use crate::pkce::{random_value, s256_challenge};
use crate::request::FormPost;
use crate::secret::{CodeVerifier, CsrfState};

/// What the caller adds to an authorization request: scopes, resource
/// indicators (RFC 8707) and extra parameters (`prompt`, `login_hint`, ...).
///
/// Extra parameters cannot replace the ones the flow sets (`state`, the PKCE
/// pair, `redirect_uri`, ...), nor carry a whole request (`request`,
/// `request_uri`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizeParams {
    scopes: Vec<String>,
    resources: Vec<String>,
    extra: Vec<(String, String)>,
}

/// Parameters the flow sets itself, or that could replace them.
const RESERVED: [&str; 10] = [
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
    "resource",
    "request",
    "request_uri",
];

/// Whether `name` is one of the parameters the flow sets itself.
pub(crate) fn is_reserved(name: &str) -> bool {
    RESERVED
        .iter()
        .any(|reserved| reserved.eq_ignore_ascii_case(name))
}

impl AuthorizeParams {
    /// No scopes, no resources, no extras.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks for a scope (RFC 6749 §3.3). Call once per scope.
    #[must_use]
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scopes.push(scope.into());
        self
    }

    /// Names a resource the token is for (RFC 8707). Sent unchanged on the
    /// authorization, token and refresh requests.
    #[must_use]
    pub fn resource(mut self, resource: impl Into<String>) -> Self {
        self.resources.push(resource.into());
        self
    }

    /// Adds any other parameter, such as `prompt=consent`.
    #[must_use]
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra.push((name.into(), value.into()));
        self
    }

    /// The scopes asked for.
    pub fn scopes(&self) -> &[String] {
        &self.scopes
    }

    /// The resource indicators.
    pub fn resources(&self) -> &[String] {
        &self.resources
    }

    fn validate(&self) -> Result<(), AuthorizeError> {
        // scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
        let scope_char =
            |b: u8| b == 0x21 || (0x23..=0x5b).contains(&b) || (0x5d..=0x7e).contains(&b);
        if let Some(bad) = self
            .scopes
            .iter()
            .find(|s| s.is_empty() || !s.bytes().all(scope_char))
        {
            return Err(AuthorizeError::InvalidScope { scope: bad.clone() });
        }
        for resource in &self.resources {
            let usable = Url::parse(resource).is_ok_and(|url| url.fragment().is_none());
            if !usable {
                return Err(AuthorizeError::InvalidResource {
                    resource: resource.clone(),
                });
            }
        }
        if let Some((name, _)) = self
            .extra
            .iter()
            .find(|(name, _)| name.is_empty() || is_reserved(name))
        {
            return Err(AuthorizeError::ReservedParameter { name: name.clone() });
        }
        Ok(())
    }
}

/// The server's metadata is known and checked.
///
/// [`authorize`](Self::authorize) starts an authorization; it borrows the
/// state, so one `Discovered` can start many (a new login after the refresh
/// token was refused, say).
///
/// Cheap to clone: every later state of a flow shares the same checked
/// metadata and configuration.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "DiscoveredParts", into = "DiscoveredParts")]
pub struct Discovered(Arc<Checked>);

#[derive(Debug, PartialEq)]
struct Checked {
    metadata: AuthorizationServerMetadata,
    client: ClientConfig,
    auth_method: ClientAuthMethod,
    guessed: bool,
    /// The start of every authorization request: the endpoint, its own query,
    /// `response_type`, `client_id` and `redirect_uri`, encoded once here
    /// instead of on each [`Discovered::authorize`].
    authorization_request: Url,
    /// `client_id` and `redirect_uri` form-encoded once, for the bodies of
    /// token and revocation requests.
    form_client_id: String,
    form_redirect_uri: String,
}

/// The endpoint with the parameters that are the same on every authorization
/// request (RFC 6749 §4.1.1). Parameters already in the endpoint's query are
/// kept (§3.1); [`AuthorizationServerMetadata::validate`] made sure they
/// include none of these.
fn authorization_request(metadata: &AuthorizationServerMetadata, client: &ClientConfig) -> Url {
    let mut url = metadata.authorization_endpoint.url().clone();
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", client.client_id())
        .append_pair("redirect_uri", client.redirect_uri().as_str());
    url
}

impl fmt::Debug for Discovered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Discovered")
            .field("metadata", &self.0.metadata)
            .field("client", &self.0.client)
            .field("auth_method", &self.0.auth_method)
            .field("guessed", &self.0.guessed)
            .finish()
    }
}

/// The persisted form: the method is derived again, and the checks run again,
/// when a state is read back.
#[derive(Serialize, Deserialize)]
struct DiscoveredParts {
    metadata: AuthorizationServerMetadata,
    client: ClientConfig,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    guessed: bool,
}

impl TryFrom<DiscoveredParts> for Discovered {
    type Error = DiscoveryError;

    fn try_from(parts: DiscoveredParts) -> Result<Self, Self::Error> {
        Self::build(parts.metadata, parts.client, parts.guessed)
    }
}

impl From<Discovered> for DiscoveredParts {
    fn from(discovered: Discovered) -> Self {
        Self {
            metadata: discovered.0.metadata.clone(),
            client: discovered.0.client.clone(),
            guessed: discovered.0.guessed,
        }
    }
}

impl Discovered {
    /// Starts from metadata the caller supplies, for servers that publish
    /// none. The same checks as discovery apply, except the issuer comparison
    /// (there is nothing to compare with).
    pub fn from_metadata(
        metadata: AuthorizationServerMetadata,
        client: ClientConfig,
    ) -> Result<Self, DiscoveryError> {
        Self::build(metadata, client, false)
    }

    /// `guessed`: the endpoints were not published but assumed (the
    /// 2025-03-26 MCP defaults), which limits what is sent to them.
    pub(crate) fn build(
        metadata: AuthorizationServerMetadata,
        client: ClientConfig,
        guessed: bool,
    ) -> Result<Self, DiscoveryError> {
        metadata.validate()?;
        let auth_method = choose_auth_method(&metadata, &client)?;
        let authorization_request = authorization_request(&metadata, &client);
        let form_client_id = form::encode_component(client.client_id());
        let form_redirect_uri = form::encode_component(client.redirect_uri().as_str());
        Ok(Self(Arc::new(Checked {
            metadata,
            client,
            auth_method,
            guessed,
            authorization_request,
            form_client_id,
            form_redirect_uri,
        })))
    }

    /// The same server with another client configuration: the client that
    /// registered after discovery (RFC 7591), say. The authentication method
    /// is chosen again.
    pub fn with_client(&self, client: ClientConfig) -> Result<Self, DiscoveryError> {
        Self::build(self.0.metadata.clone(), client, self.0.guessed)
    }

    /// Whether the endpoints were guessed rather than published: the
    /// 2025-03-26 MCP defaults (`/authorize`, `/token`, `/register` at the
    /// server's origin) for a server that publishes no metadata. A refresh
    /// token is then only sent with
    /// [`Leniency::refresh_at_guessed_endpoint`](crate::Leniency::refresh_at_guessed_endpoint).
    pub fn endpoints_guessed(&self) -> bool {
        self.0.guessed
    }

    /// The server's metadata.
    pub fn metadata(&self) -> &AuthorizationServerMetadata {
        &self.0.metadata
    }

    /// The client configuration.
    pub fn client(&self) -> &ClientConfig {
        &self.0.client
    }

    /// How the client authenticates at the token endpoint.
    pub fn auth_method(&self) -> ClientAuthMethod {
        self.0.auth_method
    }

    /// A form `POST` for the token or revocation endpoint, with the client's
    /// authentication applied.
    pub(crate) fn form_post(&self) -> FormPost<'_> {
        FormPost::with_encoded_client_id(
            &self.0.form_client_id,
            self.0.client.secret(),
            self.0.auth_method,
        )
    }

    /// The client's `redirect_uri`, form-encoded.
    pub(crate) fn form_redirect_uri(&self) -> &str {
        &self.0.form_redirect_uri
    }

    /// Builds an authorization request (RFC 6749 §4.1.1 with PKCE, RFC 7636
    /// §4.3) and the state that waits for its callback.
    ///
    /// `state` and the code verifier come from `rng`, which must be a CSPRNG
    /// (the type says so). The challenge method is always `S256`; a server that
    /// lists challenge methods without it is refused unless
    /// [`Leniency::s256_not_advertised`](crate::Leniency::s256_not_advertised)
    /// is set. Show the returned URL to the person (open a browser).
    pub fn authorize<R: CryptoRng + ?Sized>(
        &self,
        rng: &mut R,
        params: AuthorizeParams,
    ) -> Result<(AwaitingCallback, Url), AuthorizeError> {
        let lenient = self.0.client.lenient().s256_not_advertised;
        match &self.0.metadata.code_challenge_methods_supported {
            Some(methods) if !lenient && !methods.iter().any(|m| m == "S256") => {
                return Err(AuthorizeError::S256NotAdvertised {
                    advertised: methods.clone(),
                });
            }
            // Guessed endpoints have no metadata to advertise anything; the
            // profile that defines them requires PKCE of every server.
            None if !lenient && !self.0.guessed && self.0.client.requires_advertised_pkce() => {
                return Err(AuthorizeError::PkceNotAdvertised);
            }
            _ => {}
        }
        params.validate()?;

        let state = CsrfState::new(random_value(rng));
        let verifier = CodeVerifier::new(random_value(rng));
        let challenge = s256_challenge(&verifier);

        // The endpoint's own query and the client's parameters are already
        // in the request's start; the rest follows in the same serializer.
        let mut url = self.0.authorization_request.clone();
        {
            let mut query = url.query_pairs_mut();
            match params.scopes.as_slice() {
                [] => {}
                [scope] => {
                    query.append_pair("scope", scope);
                }
                scopes => {
                    query.append_pair("scope", &scopes.join(" "));
                }
            }
            query
                .append_pair("state", state.secret())
                .append_pair("code_challenge", &challenge)
                .append_pair("code_challenge_method", "S256");
            for resource in &params.resources {
                query.append_pair("resource", resource);
            }
            for (name, value) in &params.extra {
                query.append_pair(name, value);
            }
        }

        tracing::debug!(state = "AwaitingCallback", "authorization request built");
        let awaiting = AwaitingCallback::new(self.clone(), state, verifier, params, url.clone());
        Ok((awaiting, url))
    }
}

impl Discovered {
    /// Starts a client credentials grant (RFC 6749 §4.4): the client asks
    /// for a token on its own behalf, with the scopes and resource
    /// indicators of `params` (its extra parameters are not sent). Only a
    /// confidential client may.
    pub fn client_credentials(
        &self,
        params: AuthorizeParams,
    ) -> Result<ClientCredentials, AuthorizeError> {
        if self.0.auth_method == ClientAuthMethod::None {
            return Err(AuthorizeError::ConfidentialClientRequired);
        }
        params.validate()?;
        Ok(ClientCredentials::new(self.clone(), params))
    }
}

/// The explicit choice wins; otherwise a public client uses `none`, and a
/// confidential one the first of Basic and post that the server lists (Basic
/// when it lists nothing, RFC 8414 §2).
fn choose_auth_method(
    metadata: &AuthorizationServerMetadata,
    client: &ClientConfig,
) -> Result<ClientAuthMethod, DiscoveryError> {
    let method = match (client.chosen_auth_method(), client.secret()) {
        (Some(method), _) => method,
        (None, None) => ClientAuthMethod::None,
        (None, Some(_)) => match &metadata.token_endpoint_auth_methods_supported {
            None => ClientAuthMethod::ClientSecretBasic,
            Some(listed) => [
                ClientAuthMethod::ClientSecretBasic,
                ClientAuthMethod::ClientSecretPost,
            ]
            .into_iter()
            .find(|method| listed.iter().any(|l| l == method.as_str()))
            .ok_or_else(|| DiscoveryError::NoSupportedAuthMethod {
                advertised: listed.clone(),
            })?,
        },
    };
    if method != ClientAuthMethod::None && client.secret().is_none() {
        return Err(ConfigError::SecretRequired {
            method: method.as_str(),
        }
        .into());
    }
    Ok(method)
}
