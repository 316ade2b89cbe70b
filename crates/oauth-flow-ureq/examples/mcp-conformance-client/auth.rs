//! The authorization seam: what the MCP session asks before each request and
//! tells after each 401 or 403. This file knows nothing of MCP: every
//! challenge goes through the library's MCP chain ([`ResourceChain`], the
//! client identity, the grant, [`ScopeStepUp`]).

use std::error::Error;
use std::time::{Duration, SystemTime};

use oauth_flow_ureq::oauth_flow::http::{HeaderValue, Request, Response, header};
use oauth_flow_ureq::oauth_flow::url::Url;
use oauth_flow_ureq::oauth_flow::{
    AuthorizeParams, Authorized, BearerChallenge, ClientConfig, ClientIdentity, ClientRegistration,
    ClientSecret, Discovered, LegacyMode, Located, ResourceAnswer, ResourceChain, ScopeStepUp,
};
use oauth_flow_ureq::{Driver, LoopbackReceiver, Transport};
use rand::SeedableRng as _;
use rand::rngs::{StdRng, SysRng};
use serde_json::Value;

/// Authorizes the requests of one client session.
pub(crate) trait Authorizer {
    /// The `Authorization` header value for the next request, if any.
    fn authorization(&mut self) -> Option<String>;
    /// The server answered 401 or 403 (the whole response, headers included).
    /// Ok(true): authorized (again), resend the request. Ok(false): give up.
    fn challenged(
        &mut self,
        request_url: &Url,
        response: &Response<Vec<u8>>,
    ) -> Result<bool, Box<dyn Error>>;
}

/// The client ID metadata document the suite expects a client to use.
const METADATA_DOCUMENT: &str = "https://conformance-test.local/client-metadata.json";

/// The authorizer for one run of the client.
///
/// `transport` is the one the session sends with; `context` is the JSON of
/// `MCP_CONFORMANCE_CONTEXT` when set: client credentials that the scenario
/// registered beforehand. The scenario's name says which grant to use.
pub(crate) fn authorizer(
    transport: &Transport,
    context: Option<&Value>,
) -> Result<Box<dyn Authorizer>, Box<dyn Error>> {
    let rng = StdRng::try_from_rng(&mut SysRng)?;
    let driver = Driver::with_rng(transport.clone(), rng);
    let scenario = std::env::var("MCP_CONFORMANCE_SCENARIO").unwrap_or_default();
    Ok(Box::new(LibraryAuth {
        driver,
        scenario,
        context: context.cloned(),
        session: None,
    }))
}

/// The library's chain, as an MCP client runs it.
struct LibraryAuth {
    driver: Driver,
    scenario: String,
    context: Option<Value>,
    session: Option<Session>,
}

/// What one authorization left: the server, the client, the tokens, and the
/// step-up bound.
struct Session {
    located: Located,
    discovered: Discovered,
    authorized: Authorized,
    step_up: ScopeStepUp,
}

impl LibraryAuth {
    fn context_str(&self, name: &str) -> Option<String> {
        self.context
            .as_ref()?
            .get(name)?
            .as_str()
            .map(str::to_owned)
    }

    fn client_credentials_grant(&self) -> bool {
        self.scenario.contains("client-credentials")
    }

    /// From the resource's 401 to a token.
    fn authorize_from_scratch(
        &mut self,
        request_url: &Url,
        challenge: Option<&BearerChallenge>,
    ) -> Result<(), Box<dyn Error>> {
        let chain = ResourceChain::new(request_url.as_str(), challenge, LegacyMode::default())?;
        let located = self.driver.locate(chain)?;
        eprintln!(
            "authorization server {} ({})",
            located.issuer(),
            if located.is_legacy() {
                "2025-03-26 profile"
            } else {
                "resource metadata"
            }
        );

        let receiver = LoopbackReceiver::bind()?.timeout(Duration::from_secs(20));
        let redirect_uri = receiver.redirect_uri();
        let mut identity = ClientIdentity::new(&redirect_uri)?
            .metadata_document(METADATA_DOCUMENT)?
            .register_with(ClientRegistration::new(
                "oauth-flow MCP conformance client",
                &redirect_uri,
            )?);
        // The scenario's credentials were registered at the scenario's own
        // authorization server: the one the resource names.
        if let Some(client_id) = self.context_str("client_id") {
            let mut client = ClientConfig::new(client_id, &redirect_uri)?;
            if let Some(secret) = self.context_str("client_secret") {
                client = client.client_secret(ClientSecret::new(secret));
            }
            identity = identity.preregistered(located.issuer(), client);
        }
        let (discovered, registered) = self.driver.identify(&located, &identity)?;
        if let Some(registered) = &registered {
            eprintln!("registered client {}", registered.client_id());
        }

        let params = located.authorize_params();
        let authorized = if self.client_credentials_grant() {
            drop(receiver);
            let grant = discovered.client_credentials(params)?;
            self.driver.client_credentials(grant)?
        } else {
            self.log_in(&discovered, params, receiver)?
        };
        self.session = Some(Session {
            step_up: ScopeStepUp::new(located.scopes()),
            located,
            discovered,
            authorized,
        });
        Ok(())
    }

    /// The authorization code flow, with a headless browser: the suite's
    /// authorization endpoint answers at once with a redirect to the client.
    fn log_in(
        &mut self,
        discovered: &Discovered,
        params: AuthorizeParams,
        receiver: LoopbackReceiver,
    ) -> Result<Authorized, Box<dyn Error>> {
        let browser = self.driver.transport().clone();
        let authorized = self.driver.login(
            discovered,
            params,
            move |url| {
                let url = url.to_string();
                std::thread::spawn(move || follow(&browser, &url));
            },
            receiver,
        )?;
        Ok(authorized)
    }

    /// After a 403 `insufficient_scope`: the same server and client, the
    /// union of the scopes.
    fn step_up(&mut self, challenge: &BearerChallenge) -> Result<bool, Box<dyn Error>> {
        let Some(session) = self.session.as_mut() else {
            return Ok(false);
        };
        let scopes = match session.step_up.next(challenge) {
            Ok(scopes) => scopes,
            Err(stop) => {
                eprintln!("step-up stops: {stop}");
                return Ok(false);
            }
        };
        eprintln!("stepping up to scopes {scopes:?}");
        let mut params = AuthorizeParams::new();
        for scope in scopes {
            params = params.scope(scope);
        }
        if let Some(resource) = session.located.resource() {
            params = params.resource(resource);
        }
        let discovered = session.discovered.clone();
        let authorized = if self.client_credentials_grant() {
            let grant = discovered.client_credentials(params)?;
            self.driver.client_credentials(grant)?
        } else {
            let receiver = LoopbackReceiver::bind_port(
                discovered.client().redirect_uri().port().unwrap_or(0),
            )?
            .timeout(Duration::from_secs(20));
            self.log_in(&discovered, params, receiver)?
        };
        if let Some(session) = self.session.as_mut() {
            session.authorized = authorized;
        }
        Ok(true)
    }
}

/// What a browser does with the authorization URL: follow the server's
/// redirect to the client's loopback receiver.
fn follow(transport: &Transport, url: &str) {
    let Ok(request) = Request::get(url).body(Vec::new()) else {
        return;
    };
    let Ok(response) = transport.send(request) else {
        return;
    };
    let Some(location) = response.headers().get(header::LOCATION) else {
        eprintln!(
            "the authorization endpoint answered {} without a redirect",
            response.status()
        );
        return;
    };
    let Ok(location) = location.to_str().map(str::to_owned) else {
        return;
    };
    if let Ok(request) = Request::get(location).body(Vec::new()) {
        let _ = transport.send(request);
    }
}

impl Authorizer for LibraryAuth {
    fn authorization(&mut self) -> Option<String> {
        let session = self.session.as_ref()?;
        let value: HeaderValue = session.authorized.bearer(SystemTime::now()).ok()?;
        value.to_str().ok().map(str::to_owned)
    }

    fn challenged(
        &mut self,
        request_url: &Url,
        response: &Response<Vec<u8>>,
    ) -> Result<bool, Box<dyn Error>> {
        match ResourceAnswer::of(response)? {
            ResourceAnswer::Unauthorized(challenge) => {
                // A token that was sent and refused is dropped: the suite's
                // server issues no refresh token, so authorize again.
                if self.session.take().is_some() {
                    eprintln!("token refused; authorizing again");
                }
                self.authorize_from_scratch(request_url, challenge.as_ref())?;
                Ok(true)
            }
            ResourceAnswer::InsufficientScope(challenge) => {
                if self.session.is_none() {
                    self.authorize_from_scratch(request_url, Some(&challenge))?;
                    return Ok(true);
                }
                self.step_up(&challenge)
            }
            _ => Ok(false),
        }
    }
}
