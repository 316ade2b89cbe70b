//! The running server: a background thread with its own tokio runtime serving an axum
//! router on `127.0.0.1`, and the handle tests hold.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tokio::sync::oneshot;

use crate::clock::Clock;
use crate::config::{AuthorizeOutcome, ServerConfig};
use crate::form::{Form, is_form};
use crate::quirks::{Quirk, Quirks};
use crate::record::RecordedRequest;
use crate::store::{Store, random_value};
use crate::{authorize, lock, metadata, register, resource, revoke, token};

/// The largest request body the server reads (1 MiB).
const MAX_REQUEST_BODY: usize = 1024 * 1024;

/// State shared by all handlers and the [`TestServer`] handle.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) config: ServerConfig,
    pub(crate) quirks: Quirks,
    pub(crate) base_url: String,
    pub(crate) issuer: String,
    pub(crate) clock: Clock,
    pub(crate) store: Mutex<Store>,
    pub(crate) requests: Mutex<Vec<RecordedRequest>>,
    pub(crate) authorize_outcome: Mutex<AuthorizeOutcome>,
}

impl Shared {
    /// The absolute URL of an endpoint under the issuer, such as `token`.
    pub(crate) fn endpoint(&self, name: &str) -> String {
        format!("{}/{name}", self.issuer)
    }

    /// The RFC 9728 metadata URL of the protected resource.
    pub(crate) fn resource_metadata_url(&self) -> String {
        format!("{}/.well-known/oauth-protected-resource", self.base_url)
    }

    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        lock(&self.store)
    }
}

/// A running authorization server on `127.0.0.1` with an ephemeral port.
///
/// Dropping it stops the server: the listener closes and open connections are cut.
#[derive(Debug)]
pub struct TestServer {
    shared: Arc<Shared>,
    local_addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl TestServer {
    /// Starts a server. Works from plain `#[test]` functions and from inside an async
    /// runtime alike, because the server runs on its own runtime in its own thread.
    ///
    /// # Panics
    ///
    /// When the server cannot start (no loopback interface, no thread); use
    /// [`TestServer::try_start`] to get the error instead.
    pub fn start(config: ServerConfig) -> Self {
        match TestServer::try_start(config) {
            Ok(server) => server,
            Err(error) => panic!("the oauth-flow testkit server could not start: {error}"),
        }
    }

    /// Starts a server, or says why it could not.
    pub fn try_start(mut config: ServerConfig) -> io::Result<Self> {
        if config.quirks.contains(&Quirk::Razorpay) {
            config.scopes_supported = vec!["read_only".to_owned()];
            config.required_scope = Some("read_only".to_owned());
        }

        let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        listener.set_nonblocking(true)?;
        let local_addr = listener.local_addr()?;
        let base_url = format!("http://{local_addr}");

        let shared = Arc::new(Shared {
            quirks: Quirks::new(&config.quirks),
            issuer: format!("{base_url}{}", config.issuer_path),
            base_url,
            clock: Clock::new(),
            store: Mutex::new(Store::new(&config.clients)),
            requests: Mutex::new(Vec::new()),
            authorize_outcome: Mutex::new(config.authorize_outcome),
            config,
        });
        let router = router(&shared);

        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let listener = {
            let _context = runtime.enter();
            tokio::net::TcpListener::from_std(listener)?
        };
        let (shutdown, stopped) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("oauth-flow-testkit".to_owned())
            .spawn(move || {
                runtime.block_on(async move {
                    tokio::spawn(async move { axum::serve(listener, router).await });
                    // Either a message or a dropped sender means: stop.
                    let _ = stopped.await;
                });
                // Dropping the runtime here cancels the listener and every connection.
                drop(runtime);
            })?;

        Ok(TestServer {
            shared,
            local_addr,
            shutdown: Some(shutdown),
            thread: Some(thread),
        })
    }

    /// Stops the server and waits until its thread has ended. Dropping does the same.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }

    /// The address the server listens on; always `127.0.0.1` with an ephemeral port.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// `http://127.0.0.1:<port>`, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }

    /// The issuer identifier: the base URL plus the configured issuer path.
    pub fn issuer(&self) -> &str {
        &self.shared.issuer
    }

    /// The RFC 8414 metadata URL, with the issuer path inserted after the well-known
    /// prefix (§3.1).
    pub fn metadata_url(&self) -> String {
        format!(
            "{}/.well-known/oauth-authorization-server{}",
            self.shared.base_url, self.shared.config.issuer_path
        )
    }

    /// The OpenID Connect discovery URL (`<issuer>/.well-known/openid-configuration`).
    /// It answers only when [`ServerConfig::openid_configuration`] is on.
    pub fn openid_configuration_url(&self) -> String {
        self.shared.endpoint(".well-known/openid-configuration")
    }

    /// `<issuer>/authorize`.
    pub fn authorization_endpoint(&self) -> String {
        self.shared.endpoint("authorize")
    }

    /// `<issuer>/token`.
    pub fn token_endpoint(&self) -> String {
        self.shared.endpoint("token")
    }

    /// `<issuer>/revoke` (RFC 7009).
    pub fn revocation_endpoint(&self) -> String {
        self.shared.endpoint("revoke")
    }

    /// `<issuer>/register` (RFC 7591).
    pub fn registration_endpoint(&self) -> String {
        self.shared.endpoint("register")
    }

    /// The protected resource, `<base>/resource`.
    pub fn resource_url(&self) -> String {
        format!("{}/resource", self.shared.base_url)
    }

    /// The RFC 9728 protected resource metadata, `<base>/.well-known/oauth-protected-resource`.
    pub fn resource_metadata_url(&self) -> String {
        self.shared.resource_metadata_url()
    }

    /// Every request received so far, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.requests).clone()
    }

    /// The requests received so far whose path is `path`.
    pub fn requests_to(&self, path: &str) -> Vec<RecordedRequest> {
        lock(&self.shared.requests)
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }

    /// Forgets the requests recorded so far.
    pub fn clear_requests(&self) {
        lock(&self.shared.requests).clear();
    }

    /// Moves the server's clock forward. Tokens and codes expire by this clock.
    pub fn advance(&self, by: Duration) {
        self.shared.clock.advance(by);
    }

    /// Makes every access token issued so far expired, without moving the clock.
    pub fn expire_all_access_tokens(&self) {
        let now = self.shared.clock.now();
        self.shared.store().expire_access_tokens(now);
    }

    /// Changes what `/authorize` answers to valid requests from now on.
    pub fn set_authorize_outcome(&self, outcome: AuthorizeOutcome) {
        *lock(&self.shared.authorize_outcome) = outcome;
    }

    /// Issues an access token directly, without a flow, for tests of the resource.
    pub fn issue_access_token(&self, client_id: &str, scope: &str) -> String {
        let now = self.shared.clock.now();
        let lifetime = self.shared.config.access_token_lifetime;
        let mut store = self.shared.store();
        let family = store.new_family();
        store
            .issue(client_id, scope, family, lifetime, now, false)
            .access_token
    }

    /// A client id that no one registered, handy for negative tests.
    pub fn unknown_client_id(&self) -> String {
        format!("unknown-{}", random_value())
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// All routes, recorded by the middleware, unknown paths included.
fn router(shared: &Arc<Shared>) -> Router {
    let issuer_path = shared.config.issuer_path.as_str();
    let razorpay = shared.quirks.has(Quirk::Razorpay);

    let mut router = Router::new()
        .route(
            &format!("/.well-known/oauth-authorization-server{issuer_path}"),
            get(metadata::authorization_server),
        )
        .route(
            "/.well-known/oauth-protected-resource",
            get(metadata::protected_resource),
        )
        .route(
            &format!("{issuer_path}/authorize"),
            get(authorize::authorize),
        )
        .route(&format!("{issuer_path}/token"), post(token::token_entry))
        .route(
            &format!("{issuer_path}/token/redirected"),
            post(token::token),
        )
        .route(&format!("{issuer_path}/register"), post(register::register))
        .route("/resource", get(resource::resource));
    if !razorpay {
        router = router.route(&format!("{issuer_path}/revoke"), post(revoke::revoke));
    }
    if shared.config.openid_configuration {
        router = router.route(
            &format!("{issuer_path}/.well-known/openid-configuration"),
            get(metadata::openid_configuration),
        );
    }
    router
        .fallback(|| async { (StatusCode::NOT_FOUND, "not found") })
        .layer(from_fn_with_state(Arc::clone(shared), record))
        .with_state(Arc::clone(shared))
}

/// Middleware that records each request before a handler sees it.
async fn record(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_REQUEST_BODY).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "request body too large").into_response();
    };

    let is_form = is_form(&parts.headers);
    let recorded = RecordedRequest {
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        query: Form::parse(parts.uri.query().unwrap_or_default().as_bytes()).0,
        headers: parts
            .headers
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect(),
        form: if is_form {
            Form::parse(&bytes).0
        } else {
            Vec::new()
        },
        body: bytes.to_vec(),
    };
    lock(&shared.requests).push(recorded);

    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}
