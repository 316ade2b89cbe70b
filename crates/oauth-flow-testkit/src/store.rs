//! What the server remembers: clients, authorization codes and tokens, all in memory.

use std::collections::HashMap;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::Rng as _;

use crate::config::ClientConfig;

/// How long an authorization code may wait for its exchange.
pub(crate) const CODE_LIFETIME: Duration = Duration::from_secs(60);

/// A fresh, unguessable value for a code, token or client id: 256 bits from the thread
/// RNG, base64url without padding.
pub(crate) fn random_value() -> String {
    let mut bytes = [0_u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// An issued authorization code (RFC 6749 §4.1.2).
#[derive(Debug)]
pub(crate) struct CodeGrant {
    pub(crate) client_id: String,
    /// The `redirect_uri` of the authorization request, if it had one (§4.1.3).
    pub(crate) redirect_uri: Option<String>,
    pub(crate) code_challenge: String,
    pub(crate) scope: String,
    pub(crate) expires_at: Duration,
    /// Set at the first exchange attempt; a code is single-use.
    pub(crate) used: bool,
    /// The token family issued from this code, revoked if the code comes back.
    pub(crate) family: Option<u64>,
}

/// An issued access token.
#[derive(Debug)]
pub(crate) struct AccessToken {
    pub(crate) client_id: String,
    pub(crate) scope: String,
    pub(crate) expires_at: Duration,
    pub(crate) revoked: bool,
    pub(crate) family: u64,
}

/// An issued refresh token. All tokens descending from one grant share a family.
#[derive(Debug)]
pub(crate) struct RefreshToken {
    pub(crate) client_id: String,
    pub(crate) scope: String,
    pub(crate) family: u64,
    /// Replaced by a newer token; presenting it again is a reuse.
    pub(crate) rotated: bool,
    pub(crate) revoked: bool,
}

/// Tokens handed out by one grant.
#[derive(Debug)]
pub(crate) struct Issued {
    pub(crate) access_token: String,
    pub(crate) refresh_token: Option<String>,
    pub(crate) scope: String,
    pub(crate) expires_in: u64,
}

#[derive(Debug, Default)]
pub(crate) struct Store {
    pub(crate) clients: HashMap<String, ClientConfig>,
    pub(crate) codes: HashMap<String, CodeGrant>,
    pub(crate) access_tokens: HashMap<String, AccessToken>,
    pub(crate) refresh_tokens: HashMap<String, RefreshToken>,
    next_family: u64,
}

impl Store {
    pub(crate) fn new(clients: &[ClientConfig]) -> Self {
        Store {
            clients: clients
                .iter()
                .map(|c| (c.client_id.clone(), c.clone()))
                .collect(),
            ..Store::default()
        }
    }

    pub(crate) fn new_family(&mut self) -> u64 {
        self.next_family += 1;
        self.next_family
    }

    /// Issues an access token in `family`, and a refresh token when asked.
    pub(crate) fn issue(
        &mut self,
        client_id: &str,
        scope: &str,
        family: u64,
        lifetime: Duration,
        now: Duration,
        with_refresh_token: bool,
    ) -> Issued {
        let access_token = random_value();
        self.access_tokens.insert(
            access_token.clone(),
            AccessToken {
                client_id: client_id.to_owned(),
                scope: scope.to_owned(),
                expires_at: now + lifetime,
                revoked: false,
                family,
            },
        );
        let refresh_token = with_refresh_token.then(|| {
            let value = random_value();
            self.refresh_tokens.insert(
                value.clone(),
                RefreshToken {
                    client_id: client_id.to_owned(),
                    scope: scope.to_owned(),
                    family,
                    rotated: false,
                    revoked: false,
                },
            );
            value
        });
        Issued {
            access_token,
            refresh_token,
            scope: scope.to_owned(),
            expires_in: lifetime.as_secs(),
        }
    }

    /// Revokes every access and refresh token of a family.
    pub(crate) fn revoke_family(&mut self, family: u64) {
        for token in self
            .access_tokens
            .values_mut()
            .filter(|t| t.family == family)
        {
            token.revoked = true;
        }
        for token in self
            .refresh_tokens
            .values_mut()
            .filter(|t| t.family == family)
        {
            token.revoked = true;
        }
    }

    /// Makes every access token expired at `now`.
    pub(crate) fn expire_access_tokens(&mut self, now: Duration) {
        for token in self.access_tokens.values_mut() {
            token.expires_at = token.expires_at.min(now);
        }
    }
}
