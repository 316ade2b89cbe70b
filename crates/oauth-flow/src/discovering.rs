//! State `Discovering`: fetching the authorization server's metadata.

use std::borrow::Cow;

use http::{Request, Response};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::config::ClientConfig;
use crate::discovered::Discovered;
use crate::endpoint::Endpoint;
use crate::error::{ConfigError, DiscoveryError};
use crate::metadata::{AuthorizationServerMetadata, WellKnown, issuer_matches, parse_issuer};
use crate::request::get_json;
use crate::response::{MAX_BODY_BYTES, Received};

/// The first state: the issuer is known, its metadata is not.
///
/// Send [`request`](Self::request), hand the response to
/// [`handle_response`](Self::handle_response). The request is a plain `GET`,
/// safe to repeat: the state is `Clone` so a caller can keep a copy to retry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Discovering {
    issuer: String,
    well_known: WellKnown,
    metadata_url: Endpoint,
    client: ClientConfig,
}

impl Discovering {
    /// Discovery through RFC 8414's `/.well-known/oauth-authorization-server`.
    ///
    /// `issuer` is compared byte for byte with the one in the document, so
    /// write it exactly as the server does.
    pub fn new(issuer: &str, client: ClientConfig) -> Result<Self, ConfigError> {
        Self::with_well_known(issuer, WellKnown::OAuthAuthorizationServer, client)
    }

    /// Discovery through a chosen well-known document, such as OpenID
    /// Connect's `openid-configuration` for servers that publish only that.
    pub fn with_well_known(
        issuer: &str,
        well_known: WellKnown,
        client: ClientConfig,
    ) -> Result<Self, ConfigError> {
        let issuer_url = parse_issuer(issuer)?;
        let url = well_known.url_for(&issuer_url);
        let metadata_url =
            Endpoint::try_from(url.clone()).map_err(|_| ConfigError::NotARequestTarget {
                what: "metadata URL",
                url: url.into(),
            })?;
        Ok(Self {
            issuer: issuer.into(),
            well_known,
            metadata_url,
            client,
        })
    }

    /// The issuer asked for.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// Where the metadata is fetched from.
    pub fn metadata_url(&self) -> &Url {
        self.metadata_url.url()
    }

    /// The metadata request: `GET` with `Accept: application/json`. The
    /// driver must not follow redirects.
    #[must_use]
    pub fn request(&self) -> Request<Vec<u8>> {
        get_json(self.metadata_url.uri().clone())
    }

    /// Reads the metadata response and checks it: a 2xx status, a JSON object
    /// (whatever the content type says; gateways label JSON `text/plain`), the
    /// issuer equal to the one asked for (RFC 8414 §3.3), secure endpoints.
    pub fn handle_response<B: AsRef<[u8]>>(
        self,
        response: &Response<B>,
    ) -> Result<Discovered, DiscoveryError> {
        let metadata = read_metadata(response)?;
        if !issuer_matches(&self.issuer, &metadata.issuer) {
            return Err(DiscoveryError::IssuerMismatch {
                expected: self.issuer,
                found: metadata.issuer,
            });
        }
        tracing::debug!(state = "Discovered", issuer = %metadata.issuer, "metadata accepted");
        Discovered::from_metadata(metadata, self.client)
    }
}

/// Reads a metadata response: a 2xx status, a JSON object (whatever the
/// content type says), and a valid document. The issuer is left for the
/// caller to compare.
pub(crate) fn read_metadata<B: AsRef<[u8]>>(
    response: &Response<B>,
) -> Result<AuthorizationServerMetadata, DiscoveryError> {
    let received = Received::of(response);
    if received.status.is_redirection() {
        return Err(DiscoveryError::Redirect {
            status: received.status.as_u16(),
            location: received.location(),
        });
    }
    if !received.status.is_success() {
        return Err(DiscoveryError::Status {
            status: received.status.as_u16(),
            excerpt: received.excerpt(),
        });
    }
    if received.too_large() {
        return Err(DiscoveryError::BodyTooLarge {
            limit: MAX_BODY_BYTES,
        });
    }
    let Some(object) = received.object() else {
        return Err(DiscoveryError::NotJson {
            excerpt: received.excerpt(),
            content_type: received.content_type().map(Cow::into_owned),
        });
    };
    AuthorizationServerMetadata::from_json_object(object)
}
