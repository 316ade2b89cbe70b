//! State `Revoking`, and the end state `Revoked`.

use http::{Request, Response};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::authorized::Grant;
use crate::discovered::Discovered;
use crate::endpoint::Endpoint;
use crate::error::{OAuthError, Rejected, RevocationError};
use crate::response::Received;
use crate::secret::{AccessToken, RefreshToken};

/// Which token to revoke (RFC 7009 §2.1 `token_type_hint`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenTypeHint {
    /// The access token.
    AccessToken,
    /// The refresh token; servers usually end the grant's access tokens too.
    RefreshToken,
}

impl TokenTypeHint {
    fn as_str(self) -> &'static str {
        match self {
            Self::AccessToken => "access_token",
            Self::RefreshToken => "refresh_token",
        }
    }
}

/// The token being revoked, taken out when the revocation starts.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Target {
    AccessToken(AccessToken),
    RefreshToken(RefreshToken),
}

/// A revocation in progress (RFC 7009 §2).
#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RevokingParts")]
pub struct Revoking {
    grant: Grant,
    endpoint: Endpoint,
    target: Target,
}

/// The persisted form, checked on the way in: the endpoint must be the
/// server's own revocation endpoint.
#[derive(Deserialize)]
struct RevokingParts {
    grant: Grant,
    endpoint: Endpoint,
    target: Target,
}

impl TryFrom<RevokingParts> for Revoking {
    type Error = &'static str;

    fn try_from(parts: RevokingParts) -> Result<Self, Self::Error> {
        let advertised = parts
            .grant
            .discovered
            .metadata()
            .revocation_endpoint
            .as_ref();
        if advertised != Some(&parts.endpoint) {
            return Err("the revocation endpoint is not the server's");
        }
        Ok(Self {
            grant: parts.grant,
            endpoint: parts.endpoint,
            target: parts.target,
        })
    }
}

/// The end of a flow: the token was revoked. Start again from
/// [`discovered`](Self::discovered).
#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub struct Revoked {
    discovered: Discovered,
}

impl Revoked {
    /// The server and client, to authorize again.
    pub fn discovered(&self) -> &Discovered {
        &self.discovered
    }

    /// The server and client, owned.
    pub fn into_discovered(self) -> Discovered {
        self.discovered
    }
}

impl Revoking {
    /// Starts a revocation, unless the server has no revocation endpoint or
    /// the hinted token does not exist.
    pub(crate) fn start(
        grant: Grant,
        hint: TokenTypeHint,
    ) -> Result<Self, Rejected<Grant, RevocationError>> {
        let Some(endpoint) = grant.discovered.metadata().revocation_endpoint.clone() else {
            return Err(Rejected::new(grant, RevocationError::Unsupported));
        };
        let target = match hint {
            TokenTypeHint::AccessToken => Target::AccessToken(grant.tokens.access_token().clone()),
            TokenTypeHint::RefreshToken => match grant.tokens.refresh_token() {
                Some(token) => Target::RefreshToken(token.clone()),
                None => return Err(Rejected::new(grant, RevocationError::NoRefreshToken)),
            },
        };
        tracing::debug!(state = "Revoking", "revocation started");
        Ok(Self {
            grant,
            endpoint,
            target,
        })
    }

    /// Where the revocation goes: the server's `revocation_endpoint`.
    pub fn endpoint(&self) -> &Url {
        self.endpoint.url()
    }

    /// The server and client the tokens belong to.
    pub fn discovered(&self) -> &Discovered {
        &self.grant.discovered
    }

    /// The revocation request: a form `POST` of `token` and
    /// `token_type_hint`, with client authentication.
    #[must_use]
    pub fn request(&self) -> Request<Vec<u8>> {
        let (token, hint) = match &self.target {
            Target::AccessToken(token) => (token.secret(), TokenTypeHint::AccessToken),
            Target::RefreshToken(token) => (token.secret(), TokenTypeHint::RefreshToken),
        };
        let mut post = self.grant.discovered.form_post();
        post.pair("token", token)
            .pair_encoded("token_type_hint", hint.as_str());
        post.into_request(&self.endpoint)
    }

    /// Reads the revocation response: 200 means revoked (an unknown token
    /// counts too, RFC 7009 §2.2). On failure the state comes back, so the
    /// request can be sent again later (a 503 asks for that, §2.2.1).
    pub fn handle_response<B: AsRef<[u8]>>(
        self,
        response: &Response<B>,
    ) -> Result<Revoked, Rejected<Self, RevocationError>> {
        let received = Received::of(response);
        let status = received.status;
        let error = if status.is_redirection() {
            RevocationError::Redirect {
                status: status.as_u16(),
            }
        } else if let Some(error) = received.object().as_ref().and_then(OAuthError::from_object) {
            RevocationError::Server(error)
        } else if status.is_success() {
            tracing::debug!(state = "Revoked", "token revoked");
            return Ok(Revoked {
                discovered: self.grant.discovered,
            });
        } else {
            RevocationError::UnexpectedResponse {
                status: status.as_u16(),
                excerpt: received.excerpt(),
            }
        };
        Err(Rejected::new(self, error))
    }
}
