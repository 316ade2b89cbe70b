//! State `Refreshing`: trading the refresh token for a new access token.

use std::time::SystemTime;

use http::{Request, Response};
use serde::{Deserialize, Serialize};

use crate::authorized::{Authorized, Grant};
use crate::discovered::Discovered;
use crate::error::{RefreshError, Rejected, TokenError};
use crate::secret::RefreshToken;
use crate::token::parse_token_response;

/// A refresh in progress (RFC 6749 §6).
///
/// Send [`request`](Self::request) once and pass the response to
/// [`handle_response`](Self::handle_response). Servers that rotate refresh
/// tokens treat a second use of the old one as theft and revoke the whole
/// grant, so this state is not `Clone`.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub struct Refreshing {
    grant: Grant,
    refresh_token: RefreshToken,
}

impl Refreshing {
    pub(crate) fn start(grant: Grant) -> Result<Self, Rejected<Grant, RefreshError>> {
        let Some(refresh_token) = grant.tokens.refresh_token().cloned() else {
            return Err(Rejected::new(grant, RefreshError::NoRefreshToken));
        };
        let discovered = &grant.discovered;
        if discovered.endpoints_guessed()
            && !discovered.client().lenient().refresh_at_guessed_endpoint
        {
            let endpoint = discovered.metadata().token_endpoint.url().to_string();
            return Err(Rejected::new(
                grant,
                RefreshError::GuessedEndpoint { endpoint },
            ));
        }
        tracing::debug!(state = "Refreshing", "refresh started");
        Ok(Self {
            grant,
            refresh_token,
        })
    }

    /// The server and client, to authorize again if the refresh fails.
    pub fn discovered(&self) -> &Discovered {
        &self.grant.discovered
    }

    /// Gives the tokens back without a response, for a request that was
    /// never sent (the connection failed first). If it may have been sent, a
    /// server that rotates refresh tokens may already have spent the old one;
    /// sending it again can make the server revoke the whole grant.
    pub fn abandon(self) -> Authorized {
        Authorized::from(self.grant)
    }

    /// The refresh request: a form `POST` with the refresh token, the
    /// resource indicators of the original request, and client
    /// authentication. No `scope`: the same scopes are asked for again.
    #[must_use]
    pub fn request(&self) -> Request<Vec<u8>> {
        let discovered = &self.grant.discovered;
        let mut post = discovered.form_post();
        post.pair_encoded("grant_type", "refresh_token")
            .pair("refresh_token", self.refresh_token.secret());
        for resource in &self.grant.resources {
            post.pair("resource", resource);
        }
        post.into_request(&discovered.metadata().token_endpoint)
    }

    /// Reads the refresh response. On success the new tokens are merged with
    /// the old (RFC 6749 §6): without a new refresh token the old one is kept,
    /// without `scope` the granted scopes are kept, and the expiry comes from
    /// the new `expires_in` only.
    ///
    /// On failure the previous tokens come back in the [`Rejected`]. When the
    /// server refused the refresh token
    /// ([`TokenError::needs_reauthorization`]) it is dropped from them, so the
    /// next step can only be a new authorization; otherwise
    /// ([`TokenError::is_retryable`] and the rest) it is kept.
    pub fn handle_response<B: AsRef<[u8]>>(
        self,
        response: &Response<B>,
        now: SystemTime,
    ) -> Result<Authorized, Rejected<Authorized, TokenError>> {
        let Grant {
            discovered,
            tokens,
            resources,
        } = self.grant;
        match parse_token_response(response, now, tokens.scopes(), discovered.client()) {
            Ok(new) => {
                tracing::debug!(state = "Authorized", "tokens refreshed");
                let tokens = tokens.merge_refreshed(new);
                Ok(Authorized::from(Grant {
                    discovered,
                    tokens,
                    resources,
                }))
            }
            Err(error) => {
                let mut tokens = tokens;
                if error.needs_reauthorization() {
                    tokens.drop_refresh_token();
                }
                let previous = Authorized::from(Grant {
                    discovered,
                    tokens,
                    resources,
                });
                Err(Rejected::new(previous, error))
            }
        }
    }
}
