//! Dynamic client registration (RFC 7591): a client that has no identity at
//! a server yet asks for one.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::{HeaderValue, Method, Request, Response, header};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::config::{ClientAuthMethod, ClientConfig};
use crate::endpoint::{Endpoint, is_loopback};
use crate::error::{ConfigError, OAuthError};
use crate::metadata::AuthorizationServerMetadata;
use crate::response::{Excerpt, MAX_BODY_BYTES, Received};
use crate::secret::ClientSecret;

/// The client metadata sent to a registration endpoint (RFC 7591 §2).
///
/// By default a public native client: `token_endpoint_auth_method` `none`,
/// `grant_types` `authorization_code` and `refresh_token` (without the latter
/// some servers never issue a refresh token), `response_types` `code`, and
/// `application_type` `native` for a loopback or private-use redirect URI
/// (OpenID Connect Registration §2), `web` otherwise.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClientRegistration {
    client_name: String,
    redirect_uri: String,
    auth_method: ClientAuthMethod,
    grant_types: Vec<String>,
    scope: Option<String>,
    extra: Map<String, Value>,
}

/// Members the registration sets itself.
const SET_BY_REGISTRATION: [&str; 7] = [
    "client_name",
    "redirect_uris",
    "token_endpoint_auth_method",
    "grant_types",
    "response_types",
    "application_type",
    "scope",
];

impl ClientRegistration {
    /// A public client named `client_name` that receives the code at
    /// `redirect_uri`. The redirect URI is checked as
    /// [`ClientConfig::new`] checks it.
    pub fn new(client_name: impl Into<String>, redirect_uri: &str) -> Result<Self, ConfigError> {
        let config = ClientConfig::new("", redirect_uri)?;
        Ok(Self {
            client_name: client_name.into(),
            redirect_uri: config.redirect_uri().to_string(),
            auth_method: ClientAuthMethod::None,
            grant_types: vec!["authorization_code".into(), "refresh_token".into()],
            scope: None,
            extra: Map::new(),
        })
    }

    /// Asks for another way to authenticate at the token endpoint. The
    /// server may still choose its own; [`RegisteredClient::client_config`]
    /// uses the one it returns.
    #[must_use]
    pub fn auth_method(mut self, method: ClientAuthMethod) -> Self {
        self.auth_method = method;
        self
    }

    /// The scopes the client will ask for (`scope`, space-separated).
    #[must_use]
    pub fn scope(mut self, scopes: &[String]) -> Self {
        self.scope = (!scopes.is_empty()).then(|| scopes.join(" "));
        self
    }

    /// Any other member (`client_uri`, `software_id`, ...). Members the
    /// registration sets itself are ignored here.
    #[must_use]
    pub fn metadata(mut self, name: impl Into<String>, value: Value) -> Self {
        let name = name.into();
        if !SET_BY_REGISTRATION.contains(&name.as_str()) {
            self.extra.insert(name, value);
        }
        self
    }

    /// The redirect URI registered.
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    fn document(&self) -> Value {
        let native = url::Url::parse(&self.redirect_uri)
            .is_ok_and(|url| url.scheme().contains('.') || is_loopback(&url));
        let mut document = json!({
            "client_name": self.client_name,
            "redirect_uris": [self.redirect_uri],
            "token_endpoint_auth_method": self.auth_method.as_str(),
            "grant_types": self.grant_types,
            "response_types": ["code"],
            "application_type": if native { "native" } else { "web" },
        });
        if let (Some(scope), Some(object)) = (&self.scope, document.as_object_mut()) {
            object.insert("scope".into(), Value::String(scope.clone()));
        }
        if let Some(object) = document.as_object_mut() {
            for (name, value) in &self.extra {
                object.insert(name.clone(), value.clone());
            }
        }
        document
    }
}

/// A registration request in flight.
///
/// Send [`request`](Self::request) and pass the response to
/// [`handle_response`](Self::handle_response). Each registration creates a
/// new client at the server, so keep the [`RegisteredClient`] it gives (it
/// is `Serialize`) rather than registering on every login.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Registering {
    issuer: String,
    endpoint: Endpoint,
    registration: ClientRegistration,
}

impl Registering {
    /// Registration at the server `metadata` describes. Fails when it has no
    /// `registration_endpoint`.
    pub fn new(
        metadata: &AuthorizationServerMetadata,
        registration: ClientRegistration,
    ) -> Result<Self, RegistrationError> {
        let endpoint = metadata
            .registration_endpoint
            .clone()
            .ok_or(RegistrationError::Unsupported)?;
        tracing::debug!(state = "Registering", "client registration started");
        Ok(Self {
            issuer: metadata.issuer.clone(),
            endpoint,
            registration,
        })
    }

    /// Where the request goes.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The registration request: a JSON `POST` of the client metadata
    /// (RFC 7591 §3.1). It holds no secret. The driver must not follow
    /// redirects.
    #[must_use]
    pub fn request(&self) -> Request<Vec<u8>> {
        let mut request = Request::new(self.registration.document().to_string().into_bytes());
        *request.method_mut() = Method::POST;
        *request.uri_mut() = self.endpoint.uri().clone();
        let headers = request.headers_mut();
        let json = HeaderValue::from_static("application/json");
        headers.insert(header::CONTENT_TYPE, json.clone());
        headers.insert(header::ACCEPT, json);
        request
    }

    /// Reads the registration response (RFC 7591 §3.2): the new client's
    /// identity on 2xx, the server's error otherwise.
    pub fn handle_response<B: AsRef<[u8]>>(
        self,
        response: &Response<B>,
    ) -> Result<RegisteredClient, RegistrationError> {
        let received = Received::of(response);
        let status = received.status.as_u16();
        if received.status.is_redirection() {
            return Err(RegistrationError::Redirect {
                status,
                location: received.location(),
            });
        }
        if received.too_large() {
            return Err(RegistrationError::BodyTooLarge {
                limit: MAX_BODY_BYTES,
            });
        }
        let object = received.object();
        if !received.status.is_success() {
            return Err(match object.as_ref().and_then(OAuthError::from_object) {
                Some(error) => RegistrationError::Server { status, error },
                None => RegistrationError::UnexpectedResponse {
                    status,
                    excerpt: received.excerpt(),
                },
            });
        }
        let Some(mut object) = object else {
            return Err(RegistrationError::UnexpectedResponse {
                status,
                excerpt: received.excerpt(),
            });
        };

        let mut take = |name: &str| object.remove(name).filter(|value| !value.is_null());
        let invalid = |member| RegistrationError::InvalidMember { member };
        let client_id = match take("client_id") {
            Some(Value::String(id)) if !id.is_empty() => id,
            _ => return Err(invalid("client_id")),
        };
        let client_secret = match take("client_secret") {
            None => None,
            Some(Value::String(secret)) => Some(ClientSecret::new(secret)),
            Some(_) => return Err(invalid("client_secret")),
        };
        let client_secret_expires_at = match take("client_secret_expires_at") {
            None => None,
            Some(value) => Some(value.as_u64().ok_or(invalid("client_secret_expires_at"))?),
        };
        // RFC 7592's credential for managing the registration: a secret, kept
        // out of `extra` so that `Debug` never shows it.
        let registration_access_token = match take("registration_access_token") {
            None => None,
            Some(Value::String(token)) => Some(ClientSecret::new(token)),
            Some(_) => return Err(invalid("registration_access_token")),
        };
        let token_endpoint_auth_method = match take("token_endpoint_auth_method") {
            None => None,
            Some(Value::String(method)) => Some(method),
            Some(_) => return Err(invalid("token_endpoint_auth_method")),
        };
        tracing::debug!(state = "Registered", "client registered");
        Ok(RegisteredClient {
            issuer: self.issuer,
            client_id,
            client_secret,
            client_secret_expires_at,
            token_endpoint_auth_method,
            requested_auth_method: self.registration.auth_method,
            registration_access_token,
            redirect_uri: self.registration.redirect_uri,
            extra: object,
        })
    }
}

/// What a server registered (RFC 7591 §3.2.1), and for which server.
///
/// Keep it with the issuer it came from: [`issuer`](Self::issuer) is the
/// key, and these credentials are never good at another server. Its `Debug`
/// shows the secrets as `[redacted]` and only the names of other members.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct RegisteredClient {
    issuer: String,
    client_id: String,
    client_secret: Option<ClientSecret>,
    client_secret_expires_at: Option<u64>,
    token_endpoint_auth_method: Option<String>,
    /// The method asked for, which stands when the response names none.
    #[serde(default = "public")]
    requested_auth_method: ClientAuthMethod,
    #[serde(default)]
    registration_access_token: Option<ClientSecret>,
    redirect_uri: String,
    /// Every other member the server returned.
    #[serde(default)]
    extra: Map<String, Value>,
}

impl std::fmt::Debug for RegisteredClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let members: Vec<&String> = self.extra.keys().collect();
        f.debug_struct("RegisteredClient")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("client_secret_expires_at", &self.client_secret_expires_at)
            .field(
                "token_endpoint_auth_method",
                &self.token_endpoint_auth_method,
            )
            .field(
                "requested_auth_method",
                &self.requested_auth_method.as_str(),
            )
            .field("registration_access_token", &self.registration_access_token)
            .field("redirect_uri", &self.redirect_uri)
            .field("extra_members", &members)
            .finish()
    }
}

impl RegisteredClient {
    /// The issuer of the server that registered the client.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The new `client_id`.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The `client_secret`, when the server issued one.
    pub fn client_secret(&self) -> Option<&ClientSecret> {
        self.client_secret.as_ref()
    }

    /// The `token_endpoint_auth_method` the server returned.
    pub fn token_endpoint_auth_method(&self) -> Option<&str> {
        self.token_endpoint_auth_method.as_deref()
    }

    /// RFC 7592's `registration_access_token`, for reading or changing the
    /// registration later, when the server issued one. A secret.
    pub fn registration_access_token(&self) -> Option<&ClientSecret> {
        self.registration_access_token.as_ref()
    }

    /// The redirect URI that was registered.
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// The other members the server returned.
    pub fn extra(&self) -> &Map<String, Value> {
        &self.extra
    }

    /// Whether the secret has expired at `now` (`client_secret_expires_at`;
    /// 0 means never). Register again when it has.
    pub fn secret_expired(&self, now: SystemTime) -> bool {
        match self.client_secret_expires_at {
            None | Some(0) => false,
            Some(at) => now >= UNIX_EPOCH + Duration::from_secs(at),
        }
    }

    /// The client configuration to authorize with, honouring the
    /// authentication method the server returned: `none` is a public
    /// client, `client_secret_basic` and `client_secret_post` use the issued
    /// secret. A response that names no method registered the one asked for
    /// (RFC 7591 §3.2.1 returns what was registered), so that one is used,
    /// even when the server issued a secret anyway. `redirect_uri` may
    /// differ from the registered one in its loopback port only
    /// (RFC 8252 §7.3); pass `None` to use the registered one.
    pub fn client_config(
        &self,
        redirect_uri: Option<&str>,
    ) -> Result<ClientConfig, RegistrationError> {
        let redirect_uri = redirect_uri.unwrap_or(&self.redirect_uri);
        let mut config = ClientConfig::new(self.client_id.clone(), redirect_uri)
            .map_err(RegistrationError::Config)?;
        let method = match self.token_endpoint_auth_method.as_deref() {
            None => self.requested_auth_method,
            Some("none") => ClientAuthMethod::None,
            Some("client_secret_basic") => ClientAuthMethod::ClientSecretBasic,
            Some("client_secret_post") => ClientAuthMethod::ClientSecretPost,
            Some(other) => {
                return Err(RegistrationError::UnsupportedAuthMethod {
                    method: other.to_owned(),
                });
            }
        };
        config = config.auth_method(method);
        match (&self.client_secret, method) {
            (_, ClientAuthMethod::None) => {}
            (Some(secret), _) => config = config.client_secret(secret.clone()),
            (None, method) => {
                return Err(RegistrationError::Config(ConfigError::SecretRequired {
                    method: method.as_str(),
                }));
            }
        }
        Ok(config)
    }
}

fn public() -> ClientAuthMethod {
    ClientAuthMethod::None
}

/// A registration could not start, or the server refused it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RegistrationError {
    /// The server's metadata has no `registration_endpoint`. Register the
    /// client by hand and configure its `client_id`.
    #[error("server offers no dynamic client registration (no registration_endpoint)")]
    Unsupported,
    /// The server refused the registration (RFC 7591 §3.2.2), with its own
    /// error: `invalid_redirect_uri`, `invalid_client_metadata`, ...
    #[error("registration refused (HTTP {status}): {error}")]
    Server {
        /// The HTTP status.
        status: u16,
        /// The server's error, as sent.
        error: OAuthError,
    },
    /// The registration endpoint answered with a redirect, which is not
    /// followed.
    #[error(
        "registration request was redirected ({status}) to {location:?}; redirects are refused"
    )]
    Redirect {
        /// The 3xx status.
        status: u16,
        /// Where it pointed.
        location: Option<String>,
    },
    /// Neither a registered client nor an OAuth error.
    #[error("unexpected registration response (HTTP {status}): {excerpt}")]
    UnexpectedResponse {
        /// The status.
        status: u16,
        /// The start of the body, credentials redacted.
        excerpt: Excerpt,
    },
    /// The body is larger than [`MAX_BODY_BYTES`](crate::MAX_BODY_BYTES).
    #[error("registration response is larger than {limit} bytes")]
    BodyTooLarge {
        /// The limit.
        limit: usize,
    },
    /// A member is missing (`client_id`) or has the wrong type.
    #[error("registration response member `{member}` is missing or invalid")]
    InvalidMember {
        /// The member.
        member: &'static str,
    },
    /// The server registered an authentication method this library does not
    /// speak (`private_key_jwt`, say). Register again asking for another, or
    /// register by hand.
    #[error("server registered token_endpoint_auth_method {method:?}, which is not supported")]
    UnsupportedAuthMethod {
        /// The method.
        method: String,
    },
    /// The registered client cannot be configured: a secret method without
    /// a secret, or an unusable redirect URI.
    #[error(transparent)]
    Config(ConfigError),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metadata() -> AuthorizationServerMetadata {
        let mut metadata = AuthorizationServerMetadata::new(
            "https://as.example.com",
            Endpoint::parse("https://as.example.com/authorize").unwrap(),
            Endpoint::parse("https://as.example.com/token").unwrap(),
        );
        metadata.registration_endpoint =
            Some(Endpoint::parse("https://as.example.com/register").unwrap());
        metadata
    }

    fn respond(status: u16, body: &Value) -> Response<Vec<u8>> {
        Response::builder()
            .status(status)
            .header("content-type", "application/json")
            .body(body.to_string().into_bytes())
            .unwrap()
    }

    fn registering() -> Registering {
        let registration = ClientRegistration::new("my tool", "http://127.0.0.1:8976/cb").unwrap();
        Registering::new(&metadata(), registration).unwrap()
    }

    #[test]
    fn the_request_asks_for_a_public_native_client_that_can_refresh() {
        let request = registering().request();
        assert_eq!(request.method(), Method::POST);
        assert_eq!(request.uri(), "https://as.example.com/register");
        let body: Value = serde_json::from_slice(request.body()).unwrap();
        assert_eq!(body["token_endpoint_auth_method"], "none");
        assert_eq!(body["application_type"], "native");
        assert_eq!(body["redirect_uris"], json!(["http://127.0.0.1:8976/cb"]));
        assert_eq!(
            body["grant_types"],
            json!(["authorization_code", "refresh_token"])
        );
        assert_eq!(body["response_types"], json!(["code"]));
        assert!(body.get("scope").is_none());
    }

    #[test]
    fn extra_metadata_cannot_replace_what_the_registration_sets() {
        let registration = ClientRegistration::new("t", "https://app.example.com/cb")
            .unwrap()
            .metadata("redirect_uris", json!(["https://evil.example.net/"]))
            .metadata("software_id", json!("abc"));
        let body: Value = serde_json::from_slice(
            Registering::new(&metadata(), registration)
                .unwrap()
                .request()
                .body(),
        )
        .unwrap();
        assert_eq!(body["redirect_uris"], json!(["https://app.example.com/cb"]));
        assert_eq!(body["software_id"], "abc");
        assert_eq!(body["application_type"], "web");
    }

    #[test]
    fn the_returned_auth_method_is_honoured_over_the_one_asked_for() {
        let registered = registering()
            .handle_response(&respond(
                201,
                &json!({"client_id": "c1", "client_secret": "s1",
                        "token_endpoint_auth_method": "client_secret_post"}),
            ))
            .unwrap();
        assert_eq!(registered.issuer(), "https://as.example.com");
        let config = registered.client_config(None).unwrap();
        let discovered = crate::Discovered::from_metadata(metadata(), config).unwrap();
        assert_eq!(discovered.auth_method(), ClientAuthMethod::ClientSecretPost);
    }

    #[test]
    fn a_response_naming_no_method_registered_the_one_asked_for() {
        // The conformance suite's server: a secret, no method, and only
        // `none` in its metadata.
        let registered = registering()
            .handle_response(&respond(
                201,
                &json!({"client_id": "c1", "client_secret": "issued anyway"}),
            ))
            .unwrap();
        let mut metadata = metadata();
        metadata.token_endpoint_auth_methods_supported = Some(vec!["none".into()]);
        let config = registered.client_config(None).unwrap();
        let discovered = crate::Discovered::from_metadata(metadata, config).unwrap();
        assert_eq!(discovered.auth_method(), ClientAuthMethod::None);
    }

    #[test]
    fn a_public_registration_without_a_method_is_a_public_client() {
        let registered = registering()
            .handle_response(&respond(201, &json!({"client_id": "c1"})))
            .unwrap();
        let config = registered
            .client_config(Some("http://127.0.0.1:9000/cb"))
            .unwrap();
        assert_eq!(config.redirect_uri().as_str(), "http://127.0.0.1:9000/cb");
        let discovered = crate::Discovered::from_metadata(metadata(), config).unwrap();
        assert_eq!(discovered.auth_method(), ClientAuthMethod::None);
    }

    #[test]
    fn a_secret_method_without_a_secret_and_unknown_methods_are_refused() {
        for (body, expected) in [
            (
                json!({"client_id": "c", "token_endpoint_auth_method": "client_secret_basic"}),
                "secret",
            ),
            (
                json!({"client_id": "c", "token_endpoint_auth_method": "private_key_jwt"}),
                "private_key_jwt",
            ),
        ] {
            let registered = registering().handle_response(&respond(201, &body)).unwrap();
            let error = registered.client_config(None).unwrap_err();
            assert!(error.to_string().contains(expected), "{error}");
        }
    }

    #[test]
    fn the_servers_error_reaches_the_caller_intact() {
        let error = registering()
            .handle_response(&respond(
                400,
                &json!({"error": "invalid_redirect_uri", "error_description": "not allowed"}),
            ))
            .unwrap_err();
        let RegistrationError::Server { status: 400, error } = error else {
            panic!("{error:?}")
        };
        assert_eq!(error.error, "invalid_redirect_uri");
        assert_eq!(error.error_description.as_deref(), Some("not allowed"));
    }

    #[test]
    fn a_response_without_client_id_or_a_redirect_is_refused() {
        let missing = registering().handle_response(&respond(201, &json!({"client_secret": "s"})));
        assert_eq!(
            missing.unwrap_err(),
            RegistrationError::InvalidMember {
                member: "client_id"
            }
        );
        let redirect = Response::builder()
            .status(307)
            .header("location", "https://evil.example.net/register")
            .body(Vec::new())
            .unwrap();
        assert!(matches!(
            registering().handle_response(&redirect),
            Err(RegistrationError::Redirect { status: 307, .. })
        ));
    }

    #[test]
    fn a_server_without_a_registration_endpoint_is_reported() {
        let mut without = metadata();
        without.registration_endpoint = None;
        let registration = ClientRegistration::new("t", "http://127.0.0.1/cb").unwrap();
        assert_eq!(
            Registering::new(&without, registration).unwrap_err(),
            RegistrationError::Unsupported
        );
    }

    #[test]
    fn secret_expiry_zero_means_never() {
        let registered = registering()
            .handle_response(&respond(
                201,
                &json!({"client_id": "c", "client_secret": "s", "client_secret_expires_at": 0}),
            ))
            .unwrap();
        assert!(!registered.secret_expired(UNIX_EPOCH + Duration::from_secs(u32::MAX.into())));
        let expiring = registering()
            .handle_response(&respond(
                201,
                &json!({"client_id": "c", "client_secret": "s", "client_secret_expires_at": 100}),
            ))
            .unwrap();
        assert!(expiring.secret_expired(UNIX_EPOCH + Duration::from_secs(100)));
        assert!(!format!("{expiring:?}").contains("\"s\""));
    }

    #[test]
    fn debug_shows_neither_the_secret_nor_the_registration_access_token() {
        let registered = registering()
            .handle_response(&respond(
                201,
                &json!({"client_id": "c", "client_secret": "secret-value-1",
                        "registration_access_token": "management-token-2",
                        "api_key": "vendor-key-3",
                        "registration_client_uri": "https://as.example.com/register/c"}),
            ))
            .unwrap();
        let debug = format!("{registered:?}");
        assert!(!debug.contains("secret-value-1"), "{debug}");
        assert!(!debug.contains("management-token-2"), "{debug}");
        assert!(
            !debug.contains("vendor-key-3") && debug.contains("api_key"),
            "{debug}"
        );
        assert_eq!(
            registered
                .registration_access_token()
                .map(ClientSecret::secret),
            Some("management-token-2")
        );
    }
}
