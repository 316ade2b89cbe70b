//! The driver: the core's states, one request each, over the transport.

use std::time::SystemTime;

use oauth_flow::http::{Request, Response};
use oauth_flow::rand_core::CryptoRng;
use oauth_flow::url::Url;
use oauth_flow::{
    AuthorizeParams, Authorized, AwaitingCallback, BearerChallenge, ChainOutcome, ClientConfig,
    ClientCredentials, ClientIdentity, Discovered, Discovering, Exchanging, FlowState, Freshness,
    Identified, LegacyMode, Located, MetadataDiscovery, MetadataDiscoveryOutcome, Refreshing,
    RegisteredClient, Registering, ResourceChain, Revoked, Revoking, TokenTypeHint,
};
use rand::SeedableRng as _;
use rand::rngs::{StdRng, SysRng};

use crate::config::Config;
use crate::error::{Error, Failed, TransportError};
use crate::receiver::LoopbackReceiver;
use crate::transport::Transport;

/// Runs a whole flow: discovery, the authorization URL, the callback, the
/// code exchange, refresh and revocation.
///
/// Each method sends at most one request. On failure the [`Failed`] says why
/// and, where one is left, hands back the state to go on from. Times come
/// from [`SystemTime::now`] when a response arrives; `state` and the PKCE
/// verifier come from the driver's random number generator.
#[derive(Debug)]
pub struct Driver<R = StdRng> {
    transport: Transport,
    rng: R,
}

impl Driver {
    /// A driver with its own transport and a CSPRNG seeded by the operating
    /// system.
    pub fn new(config: Config) -> Result<Self, Error> {
        let transport = Transport::new(config);
        let rng = StdRng::try_from_rng(&mut SysRng).map_err(Error::Rng)?;
        Ok(Self::with_rng(transport, rng))
    }
}

impl<R: CryptoRng> Driver<R> {
    /// A driver with the caller's transport and random number generator.
    pub fn with_rng(transport: Transport, rng: R) -> Self {
        Self { transport, rng }
    }

    /// The transport, to send other requests with the same settings.
    pub fn transport(&self) -> &Transport {
        &self.transport
    }

    /// Sends one request description (see [`Transport::send`]).
    pub fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        self.transport.send(request)
    }

    /// Fetches and checks the issuer's metadata, trying each well-known URL
    /// in the order [`MetadataDiscovery`] gives (RFC 8414 first, then OpenID
    /// Connect) and taking the first valid document.
    ///
    /// A transport failure ends the search at once (the request is a `GET`,
    /// safe to repeat); a candidate that answers with an error or an invalid
    /// document is skipped, and [`Error::NoMetadata`] lists them all when none
    /// is left.
    pub fn discover(&self, issuer: &str, client: ClientConfig) -> Result<Discovered, Failed> {
        let mut search = MetadataDiscovery::new(issuer, client).map_err(Failed::stateless)?;
        loop {
            let Some(request) = search.request() else {
                return Err(Failed::stateless(Error::NoMetadata { tried: Vec::new() }));
            };
            let response = self.send(request).map_err(Failed::stateless)?;
            match search.handle_response(&response) {
                MetadataDiscoveryOutcome::Found(discovered) => return Ok(*discovered),
                MetadataDiscoveryOutcome::TryNext(next) => search = next,
                MetadataDiscoveryOutcome::Exhausted(tried) => {
                    return Err(Failed::stateless(Error::NoMetadata { tried }));
                }
            }
        }
    }

    /// Fetches and checks the metadata of a `Discovering` state built by the
    /// caller (another well-known document, say).
    pub fn discover_from(&self, discovering: Discovering) -> Result<Discovered, Failed> {
        let response = match self.send(discovering.request()) {
            Ok(response) => response,
            Err(error) => return Err(Failed::new(error, Some(discovering.into()))),
        };
        discovering
            .handle_response(&response)
            .map_err(Failed::stateless)
    }

    /// Builds an authorization request with a fresh `state` and PKCE
    /// verifier. No request is sent.
    pub fn authorize(
        &mut self,
        discovered: &Discovered,
        params: AuthorizeParams,
    ) -> Result<(AwaitingCallback, Url), Failed> {
        discovered
            .authorize(&mut self.rng, params)
            .map_err(Failed::stateless)
    }

    /// Trades the code for tokens. Sends once, never twice: the code is
    /// single-use. Hands back the `Exchanging` state only when the request
    /// was never sent ([`Failed::is_safe_to_retry`]); otherwise the code may
    /// be spent and the person must authorize again.
    pub fn exchange(&self, exchanging: Exchanging) -> Result<Authorized, Failed> {
        let response = match self.send(exchanging.request()) {
            Ok(response) => response,
            Err(error) => {
                let state = error.is_safe_to_retry().then(|| exchanging.into());
                return Err(Failed::new(error, state));
            }
        };
        exchanging
            .handle_response(&response, SystemTime::now())
            .map_err(Failed::stateless)
    }

    /// Refreshes when the access token is expired at `now`; otherwise hands
    /// the tokens back untouched, without a request.
    pub fn ensure_fresh(
        &self,
        authorized: Authorized,
        now: SystemTime,
    ) -> Result<Authorized, Failed> {
        match authorized.check(now) {
            Freshness::Fresh(authorized) => Ok(authorized),
            Freshness::Expired(expired) => match expired.refresh() {
                Ok(refreshing) => self.refresh_from(refreshing),
                Err(rejected) => {
                    let (expired, error) = rejected.into_parts();
                    Err(Failed::new(error, Some(expired.into())))
                }
            },
        }
    }

    /// Refreshes now, expired or not. Without a refresh token the
    /// `Authorized` state comes back.
    pub fn refresh(&self, authorized: Authorized) -> Result<Authorized, Failed> {
        match authorized.refresh() {
            Ok(refreshing) => self.refresh_from(refreshing),
            Err(rejected) => {
                let (authorized, error) = rejected.into_parts();
                Err(Failed::new(error, Some(authorized.into())))
            }
        }
    }

    /// Sends a refresh that has started. When the server refuses, the
    /// previous tokens come back as `Authorized` (without the refresh token
    /// if it was refused). When the transport fails, the `Refreshing` state
    /// comes back: send it again only if [`Failed::is_safe_to_retry`], since
    /// a server that rotates refresh tokens treats a second use as theft.
    pub fn refresh_from(&self, refreshing: Refreshing) -> Result<Authorized, Failed> {
        let response = match self.send(refreshing.request()) {
            Ok(response) => response,
            Err(error) => return Err(Failed::new(error, Some(refreshing.into()))),
        };
        refreshing
            .handle_response(&response, SystemTime::now())
            .map_err(|rejected| {
                let (previous, error) = rejected.into_parts();
                Failed::new(error, Some(previous.into()))
            })
    }

    /// Revokes a token (RFC 7009). Without a revocation endpoint the
    /// `Authorized` state comes back.
    pub fn revoke(&self, authorized: Authorized, hint: TokenTypeHint) -> Result<Revoked, Failed> {
        match authorized.revoke(hint) {
            Ok(revoking) => self.revoke_from(revoking),
            Err(rejected) => {
                let (authorized, error) = rejected.into_parts();
                Err(Failed::new(error, Some(authorized.into())))
            }
        }
    }

    /// Sends a revocation that has started. On any failure the `Revoking`
    /// state comes back: revocation is safe to send again.
    pub fn revoke_from(&self, revoking: Revoking) -> Result<Revoked, Failed> {
        let response = match self.send(revoking.request()) {
            Ok(response) => response,
            Err(error) => return Err(Failed::new(error, Some(revoking.into()))),
        };
        revoking.handle_response(&response).map_err(|rejected| {
            let (revoking, error) = rejected.into_parts();
            Failed::new(error, Some(revoking.into()))
        })
    }

    /// A whole login for a native app: builds the authorization URL, hands it
    /// to `open_url` (open a browser, print it), waits on `receiver` for the
    /// redirect, checks it and exchanges the code.
    ///
    /// The client's `redirect_uri` must be the receiver's. The receiver
    /// ignores requests that do not carry this flow's `state` (a forged or
    /// stale callback) and keeps waiting for the real one; a receiver that
    /// times out hands back the `AwaitingCallback` state.
    pub fn login(
        &mut self,
        discovered: &Discovered,
        params: AuthorizeParams,
        open_url: impl FnOnce(&Url),
        receiver: LoopbackReceiver,
    ) -> Result<Authorized, Failed> {
        let redirect_uri = discovered.client().redirect_uri().as_str();
        if redirect_uri != receiver.redirect_uri() {
            return Err(Failed::stateless(Error::RedirectUriMismatch {
                redirect_uri: redirect_uri.to_owned(),
                receiver: receiver.redirect_uri(),
            }));
        }
        let (awaiting, url) = self.authorize(discovered, params)?;
        let filter = awaiting.callback_filter();
        let receiver = receiver.accept_only(move |redirect| filter.accepts(redirect));
        open_url(&url);

        let redirect = match receiver.wait() {
            Ok(redirect) => redirect,
            Err(error) => return Err(Failed::new(error, Some(awaiting.into()))),
        };
        let exchanging = awaiting.handle_callback(&redirect).map_err(|rejected| {
            let (awaiting, error) = rejected.into_parts();
            Failed::new(error, awaiting.map(FlowState::from))
        })?;
        self.exchange(exchanging)
    }

    /// Finds the authorization server of a protected resource, as the MCP
    /// authorization profile orders it (see [`ResourceChain`]): its
    /// metadata, starting at the challenge's `resource_metadata` when the
    /// resource answered 401, then the server's metadata. Every request is
    /// a `GET`; a transport failure ends the search.
    pub fn locate(&self, mut chain: ResourceChain) -> Result<Located, Failed> {
        loop {
            let Some(request) = chain.request() else {
                // Each phase always has a request; an empty one means a
                // candidate list that was empty from the start.
                return Err(Failed::stateless(Error::NoMetadata { tried: Vec::new() }));
            };
            let response = self.send(request).map_err(Failed::stateless)?;
            match chain.handle_response(&response) {
                ChainOutcome::Next(next) => chain = *next,
                ChainOutcome::Located(located) => return Ok(*located),
                ChainOutcome::Failed(error) => return Err(Failed::stateless(error)),
            }
        }
    }

    /// Registers a client (RFC 7591). Sent once: each request may create a
    /// client at the server, so a failure is not retried here.
    pub fn register(&self, registering: Registering) -> Result<RegisteredClient, Failed> {
        let response = self
            .send(registering.request())
            .map_err(Failed::stateless)?;
        registering
            .handle_response(&response)
            .map_err(Failed::stateless)
    }

    /// Chooses a client identity for the located server (see
    /// [`Located::identify`]), registering one when that is what applies.
    /// A new registration comes back too: keep it, keyed by its issuer, so
    /// the next login does not register again.
    pub fn identify(
        &self,
        located: &Located,
        identity: &ClientIdentity,
    ) -> Result<(Discovered, Option<RegisteredClient>), Failed> {
        match located.identify(identity).map_err(Failed::stateless)? {
            Identified::Ready(discovered) => Ok((discovered, None)),
            Identified::Register(registering) => {
                let registered = self.register(*registering)?;
                let client = registered
                    .client_config(Some(identity.redirect_uri()))
                    .map_err(Failed::stateless)?;
                let discovered = located
                    .discovered(identity.configure(client))
                    .map_err(Failed::stateless)?;
                Ok((discovered, Some(registered)))
            }
        }
    }

    /// A client credentials grant (RFC 6749 §4.4). Nothing single-use is
    /// spent, so a failed grant may simply be started again.
    pub fn client_credentials(&self, grant: ClientCredentials) -> Result<Authorized, Failed> {
        let response = self.send(grant.request()).map_err(Failed::stateless)?;
        grant
            .handle_response(&response, SystemTime::now())
            .map_err(Failed::stateless)
    }

    /// A whole login for a protected resource, starting from its URL (and
    /// from its 401's challenge, when there was one): [`locate`](Self::locate),
    /// [`identify`](Self::identify), then [`login`](Self::login) with the
    /// selected scopes and the resource indicator.
    pub fn login_resource(
        &mut self,
        resource_url: &str,
        challenge: Option<&BearerChallenge>,
        legacy: LegacyMode,
        identity: &ClientIdentity,
        open_url: impl FnOnce(&Url),
        receiver: LoopbackReceiver,
    ) -> Result<ResourceLogin, Failed> {
        let chain =
            ResourceChain::new(resource_url, challenge, legacy).map_err(Failed::stateless)?;
        let located = self.locate(chain)?;
        let (discovered, registered) = self.identify(&located, identity)?;
        let authorized = self.login(&discovered, located.authorize_params(), open_url, receiver)?;
        Ok(ResourceLogin {
            authorized,
            located,
            registered,
        })
    }
}

/// What [`Driver::login_resource`] gives back.
#[derive(Debug)]
#[non_exhaustive]
pub struct ResourceLogin {
    /// The tokens.
    pub authorized: Authorized,
    /// The resource and its authorization server, to authorize again (for
    /// more scope, say).
    pub located: Located,
    /// A client registered on the way; keep it for the next login.
    pub registered: Option<RegisteredClient>,
}
