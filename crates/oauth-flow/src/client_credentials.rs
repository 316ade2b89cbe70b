//! State `ClientCredentials`: a confidential client asking for a token on
//! its own behalf (RFC 6749 §4.4), with no person and no browser.

use std::time::SystemTime;

use http::{Request, Response};
use serde::{Deserialize, Serialize};

use crate::authorized::{Authorized, Grant};
use crate::discovered::{AuthorizeParams, Discovered};
use crate::error::TokenError;

/// A client credentials grant in flight.
///
/// Send [`request`](Self::request) and pass the response to
/// [`handle_response`](Self::handle_response). The request spends nothing
/// single-use, so the state is `Clone` and may be sent again. When the token
/// expires, start a new grant from [`Expired::discovered`](crate::Expired::discovered):
/// servers issue no refresh token for this grant (RFC 6749 §4.4.3).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClientCredentials {
    discovered: Discovered,
    params: AuthorizeParams,
}

impl ClientCredentials {
    pub(crate) fn new(discovered: Discovered, params: AuthorizeParams) -> Self {
        tracing::debug!(
            state = "ClientCredentials",
            "client credentials grant started"
        );
        Self { discovered, params }
    }

    /// The server and client.
    pub fn discovered(&self) -> &Discovered {
        &self.discovered
    }

    /// The token request: a form `POST` with `grant_type=client_credentials`,
    /// the scopes and resource indicators, and client authentication. It
    /// holds the client's secret; the driver must not log it, and must not
    /// follow redirects.
    #[must_use]
    pub fn request(&self) -> Request<Vec<u8>> {
        let scope = self.params.scopes().join(" ");
        let mut post = self.discovered.form_post();
        post.pair_encoded("grant_type", "client_credentials");
        if !scope.is_empty() {
            post.pair("scope", &scope);
        }
        for resource in self.params.resources() {
            post.pair("resource", resource);
        }
        post.into_request(&self.discovered.metadata().token_endpoint)
    }

    /// Reads the token response. `now` is when it arrived.
    pub fn handle_response<B: AsRef<[u8]>>(
        self,
        response: &Response<B>,
        now: SystemTime,
    ) -> Result<Authorized, TokenError> {
        let grant = Grant::from_token_response(self.discovered, &self.params, response, now)?;
        tracing::debug!(state = "Authorized", "client credentials granted");
        Ok(Authorized::from(grant))
    }
}
