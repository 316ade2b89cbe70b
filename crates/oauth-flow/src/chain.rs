//! The MCP authorization profile's chain: from a protected resource's URL
//! (and its 401) to a checked authorization server and a client identity.
//!
//! ```text
//!  ResourceChain::new(resource URL, challenge)
//!     | GET protected resource metadata: header URL, path, root (RFC 9728)
//!     v
//!  authorization_servers[0]
//!     | GET server metadata: RFC 8414, OIDC inserted, OIDC appended
//!     v
//!  Located --identify(ClientIdentity)--> Discovered  (pre-registered, stored,
//!     |                                               metadata document)
//!     +--------------------------------> Registering --> RegisteredClient
//! ```
//!
//! With no resource metadata at all, the chain falls back to the 2025-03-26
//! profile: the resource's origin is the authorization server, its RFC 8414
//! document is read there, and when there is none the endpoints are the
//! defaults `/authorize`, `/token` and `/register` at that origin.

use http::{Request, Response, StatusCode};
use serde_json::Value;
use url::Url;

use crate::candidates::metadata_candidates;
use crate::challenge::BearerChallenge;
use crate::config::{ClientConfig, Leniency};
use crate::discovered::{AuthorizeParams, Discovered};
use crate::discovering::read_metadata;
use crate::endpoint::{Endpoint, is_secure};
use crate::error::{ConfigError, DiscoveryError};
use crate::metadata::{AuthorizationServerMetadata, issuer_matches, parse_issuer};
use crate::registration::{ClientRegistration, RegisteredClient, Registering, RegistrationError};
use crate::request::get_json;
use crate::resource::{
    ProtectedResourceMetadata, ResourceDiscovery, ResourceDiscoveryOutcome, ResourceMetadataError,
    usable_metadata_url,
};

/// When the chain may use the 2025-03-26 profile, in which the resource's
/// origin is its own authorization server.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum LegacyMode {
    /// Only when the resource publishes no metadata at all: its challenge
    /// names no `resource_metadata`, and every candidate answered with an
    /// error status or with something that is not JSON. A document that
    /// exists but fails a check (another resource, no authorization server),
    /// or a metadata URL the challenge names but that is refused, is an
    /// error, never a reason to guess. A refresh token is not sent to a
    /// guessed token endpoint.
    #[default]
    WhenNoResourceMetadata,
    /// Skip resource metadata and use the legacy profile at once, for a
    /// server known to be a 2025-03-26 one. This is the caller's opt-in: a
    /// refresh token may then go to a guessed token endpoint.
    Always,
    /// Never: a resource without metadata is an error.
    Never,
}

/// Looking for the authorization server of a protected resource, one
/// request at a time.
///
/// Send [`request`](Self::request), pass the response to
/// [`handle_response`](Self::handle_response), and go on with the
/// [`ChainOutcome`] until it is [`Located`]. Every request is a `GET`, safe
/// to repeat. (A short-lived search: it is not persisted.)
#[derive(Clone, Debug, PartialEq)]
pub struct ResourceChain {
    resource_url: Url,
    challenge_scope: Option<String>,
    legacy: LegacyMode,
    /// The challenge named a metadata URL that was refused.
    refused: Option<(String, ResourceMetadataError)>,
    /// The challenge named a metadata URL at all: the resource speaks the
    /// current profile, so the legacy one never applies by default.
    names_metadata: bool,
    phase: Phase,
}

#[derive(Clone, Debug, PartialEq)]
enum Phase {
    Resource(ResourceDiscovery),
    Server(Box<ServerSearch>),
    Legacy(Endpoint),
}

/// The search for the authorization server's metadata.
#[derive(Clone, Debug, PartialEq)]
struct ServerSearch {
    resource: ProtectedResourceMetadata,
    issuer: String,
    candidates: Vec<Endpoint>,
    tried: Vec<(String, DiscoveryError)>,
    /// A valid document that advertises no PKCE support, kept while the
    /// other candidates are tried: another document of the same server may
    /// list it (an OpenID Connect one, say).
    without_pkce: Option<AuthorizationServerMetadata>,
}

/// What one response led to.
#[derive(Debug)]
#[must_use]
pub enum ChainOutcome {
    /// Send the next request.
    Next(Box<ResourceChain>),
    /// The authorization server is known and checked.
    Located(Box<Located>),
    /// The chain cannot go on.
    Failed(ChainError),
}

impl ResourceChain {
    /// Starts from the resource's URL and, when it answered 401 or 403, its
    /// challenge (whose `resource_metadata` is tried first and whose `scope`
    /// is asked for).
    pub fn new(
        resource_url: &str,
        challenge: Option<&BearerChallenge>,
        legacy: LegacyMode,
    ) -> Result<Self, ChainError> {
        let url = Url::parse(resource_url).map_err(|source| {
            ChainError::Config(ConfigError::InvalidUrl {
                what: "resource URL",
                source,
            })
        })?;
        if !is_secure(&url) || Endpoint::try_from(url.clone()).is_err() {
            return Err(ChainError::Config(ConfigError::Insecure {
                what: "resource URL",
                url: resource_url.into(),
            }));
        }
        let challenge_scope = challenge
            .and_then(|challenge| challenge.scope.clone())
            .filter(|scope| !scope.trim().is_empty());
        let from_challenge = challenge.and_then(|challenge| challenge.resource_metadata.as_deref());
        let refused = from_challenge
            .filter(|text| usable_metadata_url(&url, text).is_none())
            .map(|text| {
                let error = ResourceMetadataError::RefusedUrl { url: text.into() };
                (text.to_owned(), error)
            });
        let phase = if legacy == LegacyMode::Always {
            Phase::Legacy(legacy_metadata_url(&url)?)
        } else {
            // `new` refuses only what was checked above.
            let discovery = ResourceDiscovery::new(&url, from_challenge).ok_or_else(|| {
                ChainError::Config(ConfigError::Insecure {
                    what: "resource URL",
                    url: resource_url.into(),
                })
            })?;
            Phase::Resource(discovery)
        };
        Ok(Self {
            resource_url: url,
            challenge_scope,
            legacy,
            refused,
            names_metadata: from_challenge.is_some(),
            phase,
        })
    }

    /// The URL the next request goes to.
    pub fn candidate(&self) -> Option<&Url> {
        match &self.phase {
            Phase::Resource(discovery) => discovery.candidate(),
            Phase::Server(search) => search.candidates.first().map(Endpoint::url),
            Phase::Legacy(endpoint) => Some(endpoint.url()),
        }
    }

    /// The next `GET`.
    #[must_use]
    pub fn request(&self) -> Option<Request<Vec<u8>>> {
        match &self.phase {
            Phase::Resource(discovery) => discovery.request(),
            Phase::Server(search) => search
                .candidates
                .first()
                .map(|endpoint| get_json(endpoint.uri().clone())),
            Phase::Legacy(endpoint) => Some(get_json(endpoint.uri().clone())),
        }
    }

    /// Reads the response to [`request`](Self::request).
    pub fn handle_response<B: AsRef<[u8]>>(self, response: &Response<B>) -> ChainOutcome {
        let Self {
            resource_url,
            challenge_scope,
            legacy,
            refused,
            names_metadata,
            phase,
        } = self;
        let parts = Parts {
            resource_url,
            challenge_scope,
            legacy,
            refused,
            names_metadata,
        };
        match phase {
            Phase::Resource(discovery) => parts.on_resource(discovery.handle_response(response)),
            Phase::Server(search) => parts.on_server(response, *search),
            Phase::Legacy(endpoint) => parts.on_legacy(response, &endpoint),
        }
    }
}

/// What stays the same from one phase to the next.
struct Parts {
    resource_url: Url,
    challenge_scope: Option<String>,
    legacy: LegacyMode,
    refused: Option<(String, ResourceMetadataError)>,
    names_metadata: bool,
}

impl Parts {
    fn next(self, phase: Phase) -> ChainOutcome {
        ChainOutcome::Next(Box::new(ResourceChain {
            resource_url: self.resource_url,
            challenge_scope: self.challenge_scope,
            legacy: self.legacy,
            refused: self.refused,
            names_metadata: self.names_metadata,
            phase,
        }))
    }

    fn located(
        self,
        resource: Option<ProtectedResourceMetadata>,
        metadata: AuthorizationServerMetadata,
        legacy: Option<Legacy>,
    ) -> ChainOutcome {
        let scopes = select_scopes(
            self.challenge_scope.as_deref(),
            resource
                .as_ref()
                .and_then(|r| r.scopes_supported.as_deref()),
            &metadata,
        );
        tracing::debug!(state = "Located", issuer = %metadata.issuer, "server located");
        ChainOutcome::Located(Box::new(Located {
            resource_url: self.resource_url,
            resource,
            metadata,
            legacy,
            scopes,
        }))
    }

    fn on_resource(self, outcome: ResourceDiscoveryOutcome) -> ChainOutcome {
        match outcome {
            ResourceDiscoveryOutcome::TryNext(discovery) => self.next(Phase::Resource(discovery)),
            ResourceDiscoveryOutcome::Found(resource) => {
                // The metadata parser refuses an empty list.
                let Some(issuer) = resource.authorization_servers.first().cloned() else {
                    return ChainOutcome::Failed(ChainError::NoResourceMetadata {
                        tried: Vec::new(),
                    });
                };
                let downgrade = self.resource_url.scheme() == "https"
                    && Url::parse(&issuer).is_ok_and(|url| url.scheme() != "https");
                if downgrade {
                    // A remote resource cannot send the client to plain http.
                    let error = ConfigError::Insecure {
                        what: "authorization server of an https resource",
                        url: issuer.clone(),
                    };
                    return ChainOutcome::Failed(ChainError::AuthorizationServer { issuer, error });
                }
                match metadata_candidates(&issuer) {
                    Ok(urls) => self.next(Phase::Server(Box::new(ServerSearch {
                        resource,
                        issuer,
                        candidates: urls
                            .into_iter()
                            .filter_map(|url| Endpoint::try_from(url).ok())
                            .collect(),
                        tried: Vec::new(),
                        without_pkce: None,
                    }))),
                    Err(error) => {
                        ChainOutcome::Failed(ChainError::AuthorizationServer { issuer, error })
                    }
                }
            }
            ResourceDiscoveryOutcome::Exhausted(mut tried) => {
                if let Some(refused) = self.refused.clone() {
                    tried.insert(0, refused);
                }
                let none_published = !self.names_metadata
                    && tried.iter().all(|(_, error)| {
                        matches!(
                            error,
                            ResourceMetadataError::Status { .. } | ResourceMetadataError::NotJson
                        )
                    });
                if self.legacy == LegacyMode::WhenNoResourceMetadata && none_published {
                    match legacy_metadata_url(&self.resource_url) {
                        Ok(endpoint) => self.next(Phase::Legacy(endpoint)),
                        Err(error) => ChainOutcome::Failed(error),
                    }
                } else {
                    ChainOutcome::Failed(ChainError::NoResourceMetadata { tried })
                }
            }
        }
    }

    fn on_server<B: AsRef<[u8]>>(
        self,
        response: &Response<B>,
        mut search: ServerSearch,
    ) -> ChainOutcome {
        if search.candidates.is_empty() {
            return self.server_exhausted(search);
        }
        let url = search.candidates.remove(0).url().to_string();
        // Believed for what it says, never for where it was found.
        let checked = read_metadata(response).and_then(|metadata| {
            metadata.validate()?;
            if issuer_matches(&search.issuer, &metadata.issuer) {
                Ok(metadata)
            } else {
                Err(DiscoveryError::IssuerMismatch {
                    expected: search.issuer.clone(),
                    found: metadata.issuer,
                })
            }
        });
        match checked {
            Ok(metadata) if metadata.code_challenge_methods_supported.is_some() => {
                self.located(Some(search.resource), metadata, None)
            }
            Ok(metadata) => {
                search.without_pkce.get_or_insert(metadata);
                self.server_next(search)
            }
            Err(error) => {
                search.tried.push((url, error));
                self.server_next(search)
            }
        }
    }

    fn server_next(self, search: ServerSearch) -> ChainOutcome {
        if search.candidates.is_empty() {
            self.server_exhausted(search)
        } else {
            self.next(Phase::Server(Box::new(search)))
        }
    }

    /// No candidate left: the first valid document even without PKCE
    /// support (authorizing then fails unless the caller opted out), else
    /// the list of what was tried.
    fn server_exhausted(self, search: ServerSearch) -> ChainOutcome {
        match search.without_pkce {
            Some(metadata) => self.located(Some(search.resource), metadata, None),
            None => ChainOutcome::Failed(ChainError::NoServerMetadata {
                issuer: search.issuer,
                tried: search.tried,
            }),
        }
    }

    fn on_legacy<B: AsRef<[u8]>>(
        self,
        response: &Response<B>,
        endpoint: &Endpoint,
    ) -> ChainOutcome {
        let opted_in = self.legacy == LegacyMode::Always;
        let origin = origin_of(&self.resource_url);
        if response.status() == StatusCode::NOT_FOUND {
            return match guessed_metadata(&origin) {
                Ok(metadata) => {
                    let legacy = Legacy {
                        guessed: true,
                        opted_in,
                    };
                    self.located(None, metadata, Some(legacy))
                }
                Err(error) => ChainOutcome::Failed(error),
            };
        }
        match read_legacy_metadata(response, &origin) {
            Ok(metadata) => {
                let legacy = Legacy {
                    guessed: false,
                    opted_in,
                };
                self.located(None, metadata, Some(legacy))
            }
            Err(error) => ChainOutcome::Failed(ChainError::LegacyMetadata {
                url: endpoint.url().to_string(),
                error,
            }),
        }
    }
}

/// `scheme://host[:port]`, as the 2025-03-26 profile names the server.
fn origin_of(url: &Url) -> String {
    url.origin().ascii_serialization()
}

fn legacy_metadata_url(resource_url: &Url) -> Result<Endpoint, ChainError> {
    let origin = origin_of(resource_url);
    Endpoint::parse(&format!("{origin}/.well-known/oauth-authorization-server")).map_err(|_| {
        ChainError::Config(ConfigError::NotARequestTarget {
            what: "legacy metadata URL",
            url: origin,
        })
    })
}

/// The 2025-03-26 profile's defaults for a server without metadata.
fn guessed_metadata(origin: &str) -> Result<AuthorizationServerMetadata, ChainError> {
    let endpoint = |path: &str| {
        Endpoint::parse(&format!("{origin}{path}")).map_err(|_| {
            ChainError::Config(ConfigError::NotARequestTarget {
                what: "guessed endpoint",
                url: format!("{origin}{path}"),
            })
        })
    };
    let mut metadata =
        AuthorizationServerMetadata::new(origin, endpoint("/authorize")?, endpoint("/token")?);
    metadata.registration_endpoint = Some(endpoint("/register")?);
    Ok(metadata)
}

/// A legacy server's own RFC 8414 document, read at its origin. Its issuer
/// must be of the same origin; its path may differ. In the 2025-03-26
/// profile the origin *is* the authorization server and no issuer is known
/// beforehand, so there is nothing more exact to compare with; a document
/// naming another origin is refused as a mix-up.
fn read_legacy_metadata<B: AsRef<[u8]>>(
    response: &Response<B>,
    origin: &str,
) -> Result<AuthorizationServerMetadata, DiscoveryError> {
    let metadata = read_metadata(response)?;
    metadata.validate()?;
    let same_origin = parse_issuer(&metadata.issuer)
        .is_ok_and(|issuer| issuer.origin().ascii_serialization() == origin);
    if !same_origin {
        return Err(DiscoveryError::IssuerMismatch {
            expected: origin.to_owned(),
            found: metadata.issuer,
        });
    }
    Ok(metadata)
}

/// The scopes to ask for, in the MCP profile's order: the challenge's
/// `scope`, else every scope the resource's metadata supports, else none.
/// `offline_access` is asked for exactly when the authorization server lists
/// it (to get a refresh token), and dropped when it does not.
pub fn select_scopes(
    challenge_scope: Option<&str>,
    resource_scopes: Option<&[String]>,
    server: &AuthorizationServerMetadata,
) -> Vec<String> {
    let mut scopes: Vec<String> = match challenge_scope {
        Some(scope) => scope
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        None => resource_scopes.unwrap_or_default().to_vec(),
    };
    let offline = "offline_access";
    let listed = server
        .scopes_supported
        .as_ref()
        .is_some_and(|supported| supported.iter().any(|s| s == offline));
    scopes.retain(|scope| scope != offline);
    dedup(&mut scopes);
    if listed {
        scopes.push(offline.to_owned());
    }
    scopes
}

fn dedup(scopes: &mut Vec<String>) {
    let mut seen = std::collections::HashSet::new();
    scopes.retain(|scope| seen.insert(scope.clone()));
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Legacy {
    guessed: bool,
    opted_in: bool,
}

/// The end of the chain: the resource, its authorization server's checked
/// metadata, and the scopes to ask for. Give it a client identity with
/// [`identify`](Self::identify).
#[derive(Clone, Debug, PartialEq)]
pub struct Located {
    resource_url: Url,
    resource: Option<ProtectedResourceMetadata>,
    metadata: AuthorizationServerMetadata,
    legacy: Option<Legacy>,
    scopes: Vec<String>,
}

impl Located {
    /// The URL the chain started from.
    pub fn resource_url(&self) -> &Url {
        &self.resource_url
    }

    /// The resource identifier to send as the RFC 8707 `resource` parameter:
    /// the metadata's `resource` exactly as written (no slash added or
    /// dropped). `None` in the legacy profile, which has no resource
    /// metadata.
    pub fn resource(&self) -> Option<&str> {
        self.resource
            .as_ref()
            .map(|resource| resource.resource.as_str())
    }

    /// The resource's metadata; `None` in the legacy profile.
    pub fn resource_metadata(&self) -> Option<&ProtectedResourceMetadata> {
        self.resource.as_ref()
    }

    /// The authorization server's metadata.
    pub fn metadata(&self) -> &AuthorizationServerMetadata {
        &self.metadata
    }

    /// The authorization server's issuer: the key under which credentials
    /// for it are kept.
    pub fn issuer(&self) -> &str {
        &self.metadata.issuer
    }

    /// Whether the 2025-03-26 profile was used.
    pub fn is_legacy(&self) -> bool {
        self.legacy.is_some()
    }

    /// Whether the endpoints are the 2025-03-26 defaults rather than
    /// published ones.
    pub fn endpoints_guessed(&self) -> bool {
        self.legacy.is_some_and(|legacy| legacy.guessed)
    }

    /// The scopes to ask for (see [`select_scopes`]).
    pub fn scopes(&self) -> &[String] {
        &self.scopes
    }

    /// Whether the server accepts a URL as `client_id` that points at the
    /// client's metadata document (`client_id_metadata_document_supported`).
    pub fn supports_client_id_metadata_document(&self) -> bool {
        self.metadata
            .extra
            .get("client_id_metadata_document_supported")
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }

    /// The authorization parameters: the selected scopes and, unless in the
    /// legacy profile, the resource indicator.
    pub fn authorize_params(&self) -> AuthorizeParams {
        let mut params = AuthorizeParams::new();
        for scope in &self.scopes {
            params = params.scope(scope.clone());
        }
        if let Some(resource) = self.resource() {
            params = params.resource(resource);
        }
        params
    }

    /// The flow's `Discovered` state for `client`, with the MCP profile's
    /// rules: PKCE support must be advertised
    /// ([`ClientConfig::require_advertised_pkce`]); and guessed endpoints get
    /// a refresh token only when the caller chose [`LegacyMode::Always`].
    pub fn discovered(&self, client: ClientConfig) -> Result<Discovered, DiscoveryError> {
        let mut client = client.require_advertised_pkce();
        if self.legacy.is_some_and(|legacy| legacy.opted_in) {
            let leniency = client.lenient().refresh_at_guessed_endpoint();
            client = client.leniency(leniency);
        }
        Discovered::build(self.metadata.clone(), client, self.endpoints_guessed())
    }

    /// Registers a client at this server (RFC 7591).
    pub fn register(
        &self,
        registration: ClientRegistration,
    ) -> Result<Registering, RegistrationError> {
        Registering::new(&self.metadata, registration)
    }

    /// Chooses the client identity for this server, in the MCP profile's
    /// order: credentials registered beforehand for this issuer; a client
    /// registered dynamically at this issuer before; a client ID metadata
    /// document, when the server supports them; dynamic registration, when
    /// the server offers it. Credentials for another issuer are never used.
    pub fn identify(&self, identity: &ClientIdentity) -> Result<Identified, IdentityError> {
        let issuer = self.issuer();
        let for_here = |other: &str| issuer_matches(other, issuer);
        if let Some((_, client)) = identity.preregistered.iter().find(|(i, _)| for_here(i)) {
            let client = identity.configure(client.clone());
            return Ok(Identified::Ready(self.discovered(client)?));
        }
        if let Some(registered) = identity.registered.iter().find(|r| for_here(r.issuer())) {
            let client = registered.client_config(Some(&identity.redirect_uri))?;
            return Ok(Identified::Ready(
                self.discovered(identity.configure(client))?,
            ));
        }
        if let Some(document) = &identity.metadata_document {
            if self.supports_client_id_metadata_document() {
                let client = ClientConfig::new(document.as_str(), &identity.redirect_uri)?;
                return Ok(Identified::Ready(
                    self.discovered(identity.configure(client))?,
                ));
            }
        }
        if let Some(registration) = &identity.registration {
            if self.metadata.registration_endpoint.is_some() {
                let mut registration = registration.clone();
                if !self.scopes.is_empty() {
                    registration = registration.scope(&self.scopes);
                }
                return Ok(Identified::Register(Box::new(self.register(registration)?)));
            }
        }
        Err(IdentityError::NoIdentity {
            issuer: issuer.to_owned(),
            metadata_document_supported: self.supports_client_id_metadata_document(),
            registration_supported: self.metadata.registration_endpoint.is_some(),
        })
    }
}

/// The ways a client may identify itself, for [`Located::identify`].
#[derive(Clone, Debug, PartialEq)]
pub struct ClientIdentity {
    redirect_uri: String,
    leniency: Option<Leniency>,
    preregistered: Vec<(String, ClientConfig)>,
    registered: Vec<RegisteredClient>,
    metadata_document: Option<Url>,
    registration: Option<ClientRegistration>,
}

impl ClientIdentity {
    /// No identity yet; `redirect_uri` is where the code will come back.
    pub fn new(redirect_uri: &str) -> Result<Self, ConfigError> {
        let checked = ClientConfig::new("", redirect_uri)?;
        Ok(Self {
            redirect_uri: checked.redirect_uri().to_string(),
            leniency: None,
            preregistered: Vec::new(),
            registered: Vec::new(),
            metadata_document: None,
            registration: None,
        })
    }

    /// Where the code will come back.
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// Named relaxations for whichever client is chosen (a registered one,
    /// a metadata document's), as [`ClientConfig::leniency`] sets them.
    #[must_use]
    pub fn leniency(mut self, leniency: Leniency) -> Self {
        self.leniency = Some(leniency);
        self
    }

    /// `client` with this identity's relaxations, when it sets any.
    pub fn configure(&self, client: ClientConfig) -> ClientConfig {
        match self.leniency {
            Some(leniency) => client.leniency(leniency),
            None => client,
        }
    }

    /// Credentials registered by hand at the server `issuer`; used there
    /// only.
    #[must_use]
    pub fn preregistered(mut self, issuer: impl Into<String>, client: ClientConfig) -> Self {
        self.preregistered.push((issuer.into(), client));
        self
    }

    /// A client registered dynamically before (it knows its issuer).
    #[must_use]
    pub fn registered(mut self, client: RegisteredClient) -> Self {
        self.registered.push(client);
        self
    }

    /// The `https` URL of the client's metadata document, used as its
    /// `client_id` where the server supports that. It must have a path.
    pub fn metadata_document(mut self, url: &str) -> Result<Self, ConfigError> {
        let parsed = Url::parse(url).map_err(|source| ConfigError::InvalidUrl {
            what: "client metadata document",
            source,
        })?;
        if parsed.scheme() != "https" || parsed.path() == "/" || parsed.fragment().is_some() {
            return Err(ConfigError::Insecure {
                what: "client metadata document",
                url: url.into(),
            });
        }
        self.metadata_document = Some(parsed);
        Ok(self)
    }

    /// Registers dynamically with this metadata when nothing else applies.
    /// Its redirect URI should be this identity's.
    #[must_use]
    pub fn register_with(mut self, registration: ClientRegistration) -> Self {
        self.registration = Some(registration);
        self
    }
}

/// What [`Located::identify`] chose.
#[derive(Debug)]
#[must_use]
pub enum Identified {
    /// A known identity: authorize with it.
    Ready(Discovered),
    /// Register first; then call [`Located::discovered`] with
    /// [`RegisteredClient::client_config`].
    Register(Box<Registering>),
}

/// Why the chain could not go on.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ChainError {
    /// The resource URL (or a URL made from it) is unusable.
    #[error(transparent)]
    Config(ConfigError),
    /// No usable protected resource metadata, and the legacy profile does
    /// not apply: a document exists but fails a check (it names another
    /// resource, say), or legacy mode is [`LegacyMode::Never`]. Each URL
    /// tried, with why.
    #[error("no usable protected resource metadata (tried {})", describe(tried))]
    NoResourceMetadata {
        /// Each candidate URL and why it failed.
        tried: Vec<(String, ResourceMetadataError)>,
    },
    /// The resource names an authorization server whose identifier is
    /// unusable.
    #[error("authorization server {issuer:?} is unusable: {error}")]
    AuthorizationServer {
        /// The identifier as named.
        issuer: String,
        /// Why.
        error: ConfigError,
    },
    /// None of the authorization server's metadata URLs gave a valid
    /// document for it.
    #[error(
        "no metadata for authorization server {issuer:?} (tried {})",
        describe(tried)
    )]
    NoServerMetadata {
        /// The issuer.
        issuer: String,
        /// Each URL and why it failed.
        tried: Vec<(String, DiscoveryError)>,
    },
    /// In the legacy profile, the origin's metadata is neither absent (404)
    /// nor valid.
    #[error("legacy authorization server metadata at {url} is unusable: {error}")]
    LegacyMetadata {
        /// The URL.
        url: String,
        /// Why.
        error: DiscoveryError,
    },
}

fn describe<E: std::fmt::Display>(tried: &[(String, E)]) -> String {
    tried
        .iter()
        .map(|(url, error)| format!("{url}: {error}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// No client identity could be chosen, or the chosen one is unusable.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum IdentityError {
    /// Nothing applies: no credentials for this issuer, and the server
    /// supports neither client ID metadata documents (or none was given) nor
    /// registration. Register a client by hand and pass its credentials.
    #[error(
        "no client identity for {issuer}: no credentials for it, metadata documents \
         {}, registration {}",
        supported(*metadata_document_supported),
        supported(*registration_supported)
    )]
    NoIdentity {
        /// The issuer.
        issuer: String,
        /// Whether the server supports client ID metadata documents.
        metadata_document_supported: bool,
        /// Whether the server offers dynamic registration.
        registration_supported: bool,
    },
    /// The identity does not fit the server.
    #[error(transparent)]
    Discovery(#[from] DiscoveryError),
    /// A configuration is unusable.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A stored registration is unusable.
    #[error(transparent)]
    Registration(#[from] RegistrationError),
}

fn supported(flag: bool) -> &'static str {
    if flag { "supported" } else { "not supported" }
}
