//! States `Authorized` and `Expired`: tokens in hand.

use std::time::SystemTime;

use http::{HeaderValue, Response};
use serde::{Deserialize, Serialize};

use crate::discovered::{AuthorizeParams, Discovered};
use crate::error::{BearerError, RefreshError, Rejected, RevocationError, TokenError};
use crate::refreshing::Refreshing;
use crate::revoking::{Revoking, TokenTypeHint};
use crate::token::{TokenSet, TokenType, parse_token_response};

/// What `Authorized`, `Expired`, `Refreshing` and `Revoking` share: the server,
/// the tokens, and the resources they were asked for.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct Grant {
    pub(crate) discovered: Discovered,
    pub(crate) tokens: TokenSet,
    pub(crate) resources: Vec<String>,
}

/// Tokens in hand, fresh as of the last check.
///
/// Use [`bearer`](Self::bearer) for each request to the resource server; it
/// refuses once the token is past its expiry (minus the skew). Move on with
/// [`check`](Self::check), [`refresh`](Self::refresh), [`revoke`](Self::revoke)
/// or [`reject`](Self::reject).
#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub struct Authorized(Grant);

/// Tokens whose access token is expired, or was rejected by a resource
/// server. Refresh, revoke, or authorize again from
/// [`discovered`](Self::discovered).
#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub struct Expired(Grant);

/// What [`Authorized::check`] found.
#[derive(Debug)]
#[must_use]
pub enum Freshness {
    /// The access token can still be used.
    Fresh(Authorized),
    /// The access token is expired: refresh it.
    Expired(Expired),
}

impl Grant {
    /// The grant a token response makes, for tokens asked for with `params`
    /// (the code exchange and the client credentials grant).
    pub(crate) fn from_token_response<B: AsRef<[u8]>>(
        discovered: Discovered,
        params: &AuthorizeParams,
        response: &Response<B>,
        now: SystemTime,
    ) -> Result<Self, TokenError> {
        let tokens = parse_token_response(response, now, params.scopes(), discovered.client())?;
        Ok(Self {
            discovered,
            tokens,
            resources: params.resources().to_vec(),
        })
    }
}

impl From<Grant> for Authorized {
    fn from(grant: Grant) -> Self {
        Self(grant)
    }
}

impl Authorized {
    /// The tokens.
    pub fn tokens(&self) -> &TokenSet {
        &self.0.tokens
    }

    /// The server and client, to authorize again.
    pub fn discovered(&self) -> &Discovered {
        &self.0.discovered
    }

    /// The resource indicators (RFC 8707) the tokens were asked for.
    pub fn resources(&self) -> &[String] {
        &self.0.resources
    }

    /// The `Authorization` header value for a resource request:
    /// `Bearer <access token>` (RFC 6750 §2.1), always spelled `Bearer`
    /// whatever case the server used in `token_type`. Marked sensitive, so
    /// `http`-aware loggers hide it.
    pub fn bearer(&self, now: SystemTime) -> Result<HeaderValue, BearerError> {
        let tokens = &self.0.tokens;
        if let TokenType::Other(name) = tokens.token_type() {
            return Err(BearerError::NotBearer {
                token_type: name.clone(),
            });
        }
        if !tokens.is_fresh(now, self.0.discovered.client().skew_secs()) {
            return Err(BearerError::Expired);
        }
        let value = zeroize::Zeroizing::new(format!("Bearer {}", tokens.access_token().secret()));
        // The parser admits only visible ASCII; a hand-edited snapshot may not.
        let mut header = HeaderValue::from_str(&value).map_err(|_| BearerError::InvalidToken)?;
        header.set_sensitive(true);
        Ok(header)
    }

    /// Whether the access token is still fresh at `now`; moves to
    /// [`Expired`] once it is not. Never goes back: expiry is monotonic in
    /// `now`.
    pub fn check(self, now: SystemTime) -> Freshness {
        if self
            .0
            .tokens
            .is_fresh(now, self.0.discovered.client().skew_secs())
        {
            Freshness::Fresh(self)
        } else {
            tracing::debug!(state = "Expired", "access token expired");
            Freshness::Expired(Expired(self.0))
        }
    }

    /// The resource server refused the token (`401` with
    /// `error="invalid_token"`, RFC 6750 §3.1) before its known expiry, or its
    /// expiry was unknown. Moves to [`Expired`] so the next step is a refresh.
    pub fn reject(self) -> Expired {
        tracing::debug!(
            state = "Expired",
            "access token rejected by a resource server"
        );
        Expired(self.0)
    }

    /// Starts a refresh now (RFC 6749 §6), before expiry. Hands the state back
    /// when there is no refresh token.
    pub fn refresh(self) -> Result<Refreshing, Rejected<Self, RefreshError>> {
        Refreshing::start(self.0).map_err(|rejected| rejected.map_state(Self))
    }

    /// Starts revoking a token (RFC 7009). Revoking the refresh token usually
    /// ends the access tokens of the same grant too (§2.1). Hands the state
    /// back when the server has no revocation endpoint.
    pub fn revoke(self, hint: TokenTypeHint) -> Result<Revoking, Rejected<Self, RevocationError>> {
        Revoking::start(self.0, hint).map_err(|rejected| rejected.map_state(Self))
    }
}

impl Expired {
    /// The tokens (the access token is no longer usable).
    pub fn tokens(&self) -> &TokenSet {
        &self.0.tokens
    }

    /// The server and client, to authorize again.
    pub fn discovered(&self) -> &Discovered {
        &self.0.discovered
    }

    /// The resource indicators (RFC 8707) the tokens were asked for.
    pub fn resources(&self) -> &[String] {
        &self.0.resources
    }

    /// Starts a refresh (RFC 6749 §6). Hands the state back when there is no
    /// refresh token: then authorize again.
    pub fn refresh(self) -> Result<Refreshing, Rejected<Self, RefreshError>> {
        Refreshing::start(self.0).map_err(|rejected| rejected.map_state(Self))
    }

    /// Starts revoking a token (RFC 7009).
    pub fn revoke(self, hint: TokenTypeHint) -> Result<Revoking, Rejected<Self, RevocationError>> {
        Revoking::start(self.0, hint).map_err(|rejected| rejected.map_state(Self))
    }
}
