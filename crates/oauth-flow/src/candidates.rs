//! Discovery through several well-known documents, in a fixed order.

use http::{Request, Response};
use url::Url;

use crate::config::ClientConfig;
use crate::discovered::Discovered;
use crate::discovering::Discovering;
use crate::error::{ConfigError, DiscoveryError};
use crate::metadata::{WellKnown, parse_issuer};

/// Looks for an authorization server's metadata at each well-known URL in
/// turn, and takes the first valid document.
///
/// The order is the one the MCP authorization profile fixes. For an issuer
/// with a path (`https://as.example.com/tenant`): RFC 8414 inserted
/// (`/.well-known/oauth-authorization-server/tenant`), OpenID Connect inserted
/// (`/.well-known/openid-configuration/tenant`), OpenID Connect appended
/// (`/tenant/.well-known/openid-configuration`). Without a path: RFC 8414,
/// then OpenID Connect. A candidate that answers with an error, a page that
/// is not JSON, or a document that fails a check (the issuer above all) is
/// recorded and the next one is tried: a document is believed for what it
/// says, never for where it was found. (A short-lived search: unlike the
/// states it is not persisted.)
#[derive(Clone, Debug, PartialEq)]
pub struct MetadataDiscovery {
    candidates: Vec<Discovering>,
    tried: Vec<(String, DiscoveryError)>,
}

/// What one metadata response led to.
#[derive(Debug)]
#[must_use]
pub enum MetadataDiscoveryOutcome {
    /// A valid document.
    Found(Box<Discovered>),
    /// This candidate failed; send the next request.
    TryNext(MetadataDiscovery),
    /// Every candidate failed: each URL with why, in the order tried.
    Exhausted(Vec<(String, DiscoveryError)>),
}

impl MetadataDiscovery {
    /// The candidates for `issuer`, in order.
    pub fn new(issuer: &str, client: ClientConfig) -> Result<Self, ConfigError> {
        let order = well_known_order(issuer)?;
        let mut candidates = Vec::with_capacity(order.len());
        let mut client = Some(client);
        for (i, &well_known) in order.iter().enumerate() {
            // The last candidate takes the configuration; the others a copy.
            let config = if i + 1 == order.len() {
                client.take()
            } else {
                client.clone()
            };
            let Some(config) = config else { break };
            candidates.push(Discovering::with_well_known(issuer, well_known, config)?);
        }
        Ok(Self {
            candidates,
            tried: Vec::new(),
        })
    }

    /// The URL the next request goes to.
    pub fn candidate(&self) -> Option<&Url> {
        self.candidates.first().map(Discovering::metadata_url)
    }

    /// The `GET` of the current candidate; `None` when none is left.
    #[must_use]
    pub fn request(&self) -> Option<Request<Vec<u8>>> {
        self.candidates.first().map(Discovering::request)
    }

    /// Reads the current candidate's response.
    pub fn handle_response<B: AsRef<[u8]>>(
        mut self,
        response: &Response<B>,
    ) -> MetadataDiscoveryOutcome {
        if self.candidates.is_empty() {
            return MetadataDiscoveryOutcome::Exhausted(self.tried);
        }
        let candidate = self.candidates.remove(0);
        let url = candidate.metadata_url().to_string();
        match candidate.handle_response(response) {
            Ok(discovered) => MetadataDiscoveryOutcome::Found(Box::new(discovered)),
            Err(error) => {
                self.tried.push((url, error));
                if self.candidates.is_empty() {
                    MetadataDiscoveryOutcome::Exhausted(self.tried)
                } else {
                    MetadataDiscoveryOutcome::TryNext(self)
                }
            }
        }
    }
}

/// The well-known documents to try for `issuer`, in the MCP order.
fn well_known_order(issuer: &str) -> Result<&'static [WellKnown], ConfigError> {
    let has_path = !parse_issuer(issuer)?
        .path()
        .trim_end_matches('/')
        .is_empty();
    Ok(if has_path {
        &[
            WellKnown::OAuthAuthorizationServer,
            WellKnown::OpenIdConfigurationInserted,
            WellKnown::OpenIdConfiguration,
        ]
    } else {
        &[
            WellKnown::OAuthAuthorizationServer,
            WellKnown::OpenIdConfiguration,
        ]
    })
}

/// The metadata URLs for `issuer`, in the order [`MetadataDiscovery`] tries
/// them.
pub(crate) fn metadata_candidates(issuer: &str) -> Result<Vec<Url>, ConfigError> {
    let url = parse_issuer(issuer)?;
    Ok(well_known_order(issuer)?
        .iter()
        .map(|well_known| well_known.url_for(&url))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn client() -> ClientConfig {
        ClientConfig::new("c", "http://127.0.0.1/cb").unwrap()
    }

    fn json(status: u16, body: &serde_json::Value) -> Response<Vec<u8>> {
        Response::builder()
            .status(status)
            .body(body.to_string().into_bytes())
            .unwrap()
    }

    fn urls(mut discovery: MetadataDiscovery) -> Vec<String> {
        let mut seen = Vec::new();
        loop {
            seen.push(discovery.candidate().unwrap().to_string());
            match discovery.handle_response(&json(404, &json!({}))) {
                MetadataDiscoveryOutcome::TryNext(next) => discovery = next,
                MetadataDiscoveryOutcome::Exhausted(tried) => {
                    assert_eq!(tried.len(), seen.len());
                    return seen;
                }
                MetadataDiscoveryOutcome::Found(_) => panic!("a 404 is not a document"),
            }
        }
    }

    #[test]
    fn a_path_issuer_is_looked_up_in_three_places_never_at_the_root() {
        let discovery = MetadataDiscovery::new("https://github.com/login/oauth", client()).unwrap();
        assert_eq!(
            urls(discovery),
            [
                "https://github.com/.well-known/oauth-authorization-server/login/oauth",
                "https://github.com/.well-known/openid-configuration/login/oauth",
                "https://github.com/login/oauth/.well-known/openid-configuration",
            ]
        );
    }

    #[test]
    fn a_root_issuer_is_looked_up_in_two_places() {
        let discovery = MetadataDiscovery::new("https://as.example.com", client()).unwrap();
        assert_eq!(
            urls(discovery),
            [
                "https://as.example.com/.well-known/oauth-authorization-server",
                "https://as.example.com/.well-known/openid-configuration",
            ]
        );
    }

    #[test]
    fn a_document_for_another_issuer_is_skipped_for_the_next_candidate() {
        let issuer = "https://as.example.com/tenant";
        let document = |issuer: &str| {
            json!({
                "issuer": issuer,
                "authorization_endpoint": "https://as.example.com/authorize",
                "token_endpoint": "https://as.example.com/token",
            })
        };
        let discovery = MetadataDiscovery::new(issuer, client()).unwrap();
        let MetadataDiscoveryOutcome::TryNext(next) =
            discovery.handle_response(&json(200, &document("https://as.example.com")))
        else {
            panic!("the root document names another issuer")
        };
        let MetadataDiscoveryOutcome::Found(found) =
            next.handle_response(&json(200, &document(issuer)))
        else {
            panic!("the second candidate is right")
        };
        assert_eq!(found.metadata().issuer, issuer);
    }
}
