//! State `Exchanging`: trading the authorization code for tokens.

use std::time::SystemTime;

use http::{Request, Response};
use serde::{Deserialize, Serialize};

use crate::authorized::{Authorized, Grant};
use crate::discovered::{AuthorizeParams, Discovered};
use crate::error::TokenError;
use crate::secret::{AuthorizationCode, CodeVerifier};

/// The callback was accepted; the code waits to be exchanged (RFC 6749
/// §4.1.3).
///
/// Send [`request`](Self::request) once and hand the response to
/// [`handle_response`](Self::handle_response), which consumes the state: a
/// code is single-use, and sending it twice can make the server revoke the
/// tokens it issued for it (RFC 6749 §4.1.2). If the request was never sent
/// (the connection failed before it), the state is still here to try again.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub struct Exchanging {
    discovered: Discovered,
    code: AuthorizationCode,
    code_verifier: CodeVerifier,
    params: AuthorizeParams,
}

impl Exchanging {
    pub(crate) fn new(
        discovered: Discovered,
        code: AuthorizationCode,
        code_verifier: CodeVerifier,
        params: AuthorizeParams,
    ) -> Self {
        Self {
            discovered,
            code,
            code_verifier,
            params,
        }
    }

    /// The server and client this flow belongs to, to authorize again if the
    /// exchange fails.
    pub fn discovered(&self) -> &Discovered {
        &self.discovered
    }

    /// The token request: a form `POST` with the code, the `redirect_uri`, the
    /// PKCE verifier, any resource indicators, and client authentication. The
    /// body and the `Authorization` header hold secrets; the driver must not
    /// log them, and must not follow redirects.
    #[must_use]
    pub fn request(&self) -> Request<Vec<u8>> {
        let mut post = self.discovered.form_post();
        post.pair_encoded("grant_type", "authorization_code")
            .pair("code", self.code.secret())
            .pair_encoded("redirect_uri", self.discovered.form_redirect_uri())
            .pair("code_verifier", self.code_verifier.secret());
        for resource in self.params.resources() {
            post.pair("resource", resource);
        }
        post.into_request(&self.discovered.metadata().token_endpoint)
    }

    /// Reads the token response (RFC 6749 §5.1 and §5.2). `now` is when the
    /// response arrived; the expiry counts from it.
    pub fn handle_response<B: AsRef<[u8]>>(
        self,
        response: &Response<B>,
        now: SystemTime,
    ) -> Result<Authorized, TokenError> {
        let grant = Grant::from_token_response(self.discovered, &self.params, response, now)?;
        tracing::debug!(state = "Authorized", "code exchanged");
        Ok(Authorized::from(grant))
    }
}
