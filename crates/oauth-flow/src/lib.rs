//! Sans-IO OAuth 2.0 client flows. (The full manual is being written.)
#![forbid(unsafe_code)]
// Library code handles every failure; tests may unwrap.
#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod authorized;
mod awaiting;
mod config;
mod discovered;
mod discovering;
mod endpoint;
mod error;
mod exchanging;
mod form;
mod metadata;
mod persist;
mod pkce;
mod refreshing;
mod request;
mod response;
mod revoking;
mod secret;
mod token;

pub use authorized::{Authorized, Expired, Freshness};
pub use awaiting::{AwaitingCallback, MAX_CALLBACK_BYTES};
pub use config::{ClientAuthMethod, ClientConfig, DEFAULT_EXPIRY_SKEW, Leniency};
pub use discovered::{AuthorizeParams, Discovered};
pub use discovering::Discovering;
pub use endpoint::{Endpoint, EndpointError};
pub use error::{
    AuthorizeError, BearerError, CallbackError, ConfigError, DiscoveryError, OAuthError,
    PersistError, RefreshError, Rejected, RevocationError, TokenError,
};
pub use exchanging::Exchanging;
pub use form::{FormError, MAX_PAIRS};
pub use metadata::{AuthorizationServerMetadata, WellKnown};
pub use persist::{FlowState, MAX_SNAPSHOT_BYTES, SNAPSHOT_VERSION};
pub use refreshing::Refreshing;
pub use response::{Excerpt, MAX_BODY_BYTES, MAX_EXCERPT_CHARS};
pub use revoking::{Revoked, Revoking, TokenTypeHint};
pub use secret::{
    AccessToken, AuthorizationCode, ClientSecret, CodeVerifier, CsrfState, IdToken, RefreshToken,
};
pub use token::{Deviation, TokenSet, TokenType};

/// Re-exported so callers name the same versions the core uses.
pub use http;
pub use rand_core;
pub use url;
