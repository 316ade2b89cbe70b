//! Protected resource metadata (RFC 9728), and where to find it.
//!
//! A client that starts from a resource URL (an MCP server, an API) learns
//! which authorization server protects it from the resource's metadata. The
//! document is looked for at these URLs, in this order, stopping at the first
//! valid one:
//!
//! 1. the `resource_metadata` URL of the resource's `WWW-Authenticate`
//!    challenge, when there is one;
//! 2. the well-known URL with the resource's path:
//!    `https://host/.well-known/oauth-protected-resource/mcp` (RFC 9728 §3.1);
//! 3. the well-known URL at the root: `https://host/.well-known/oauth-protected-resource`.
//!
//! A document is valid when it is a JSON object whose `resource` is the
//! resource asked for (RFC 9728 §3.3), or, as the MCP authorization profile
//! allows, a URL of the same origin whose path is a prefix of it; and which
//! names at least one authorization server.

use http::{Request, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use url::Url;

use crate::endpoint::{Endpoint, is_secure};
use crate::request::get_json;
use crate::response::{MAX_BODY_BYTES, Received, json_object};

/// What a protected resource says about itself (RFC 9728 §2).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ProtectedResourceMetadata {
    /// `resource`: the resource's identifier, exactly as sent. This is the
    /// value to send as the RFC 8707 `resource` parameter, unchanged.
    pub resource: String,
    /// `authorization_servers`: issuer identifiers, in the server's order.
    pub authorization_servers: Vec<String>,
    /// `scopes_supported`.
    pub scopes_supported: Option<Vec<String>>,
    /// `bearer_methods_supported`.
    pub bearer_methods_supported: Option<Vec<String>>,
    /// `resource_name`.
    pub resource_name: Option<String>,
    /// Every other member, as sent.
    pub extra: Map<String, Value>,
}

/// Why one candidate document was not used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResourceMetadataError {
    /// A status other than 200 (a 404 from a server without the document),
    /// or a redirect, which is not followed.
    #[error("HTTP {status}")]
    Status {
        /// The status.
        status: u16,
    },
    /// The body is larger than [`MAX_BODY_BYTES`](crate::MAX_BODY_BYTES).
    #[error("body larger than {limit} bytes")]
    BodyTooLarge {
        /// The limit.
        limit: usize,
    },
    /// Not a JSON object (an HTML page from a catch-all route, say).
    #[error("not a JSON object")]
    NotJson,
    /// A required member is missing, or a member has the wrong type.
    #[error("member `{member}` is missing or invalid")]
    InvalidMember {
        /// The member.
        member: &'static str,
    },
    /// The challenge's `resource_metadata` URL was not fetched: it is not an
    /// absolute `https` URL (plain `http` is only fetched for a loopback
    /// `http` resource). A resource that names its metadata this way is
    /// misconfigured or hostile, and never a reason to guess endpoints.
    #[error(
        "resource_metadata URL {url:?} refused: not https \
         (nor loopback http for a loopback resource)"
    )]
    RefusedUrl {
        /// The URL as the challenge wrote it.
        url: String,
    },
    /// `authorization_servers` is empty: nothing to log in at.
    #[error("no authorization server is named")]
    NoAuthorizationServer,
    /// The document describes another resource (RFC 9728 §3.3): it may be
    /// an attempt to obtain tokens for a different server.
    #[error("the document describes {found:?}, not {expected:?}")]
    ResourceMismatch {
        /// The resource asked for.
        expected: String,
        /// The `resource` in the document.
        found: String,
    },
}

impl ProtectedResourceMetadata {
    /// Reads a document. `null` members count as absent.
    pub fn from_json_object(mut object: Map<String, Value>) -> Result<Self, ResourceMetadataError> {
        let mut take = |name: &str| object.remove(name).filter(|value| !value.is_null());
        let invalid = |member| ResourceMetadataError::InvalidMember { member };
        let strings = |value: Option<Value>, member| -> Result<Option<Vec<String>>, _> {
            match value {
                None => Ok(None),
                Some(Value::Array(items)) => items
                    .into_iter()
                    .map(|item| match item {
                        Value::String(text) => Ok(text),
                        _ => Err(invalid(member)),
                    })
                    .collect::<Result<_, _>>()
                    .map(Some),
                Some(_) => Err(invalid(member)),
            }
        };

        let Some(Value::String(resource)) = take("resource") else {
            return Err(invalid("resource"));
        };
        let authorization_servers =
            strings(take("authorization_servers"), "authorization_servers")?.unwrap_or_default();
        if authorization_servers.is_empty() {
            return Err(ResourceMetadataError::NoAuthorizationServer);
        }
        let scopes_supported = strings(take("scopes_supported"), "scopes_supported")?;
        let bearer_methods_supported =
            strings(take("bearer_methods_supported"), "bearer_methods_supported")?;
        let resource_name = match take("resource_name") {
            None => None,
            Some(Value::String(name)) => Some(name),
            Some(_) => return Err(invalid("resource_name")),
        };
        Ok(Self {
            resource,
            authorization_servers,
            scopes_supported,
            bearer_methods_supported,
            resource_name,
            extra: object,
        })
    }
}

/// Whether a document's `resource` may stand for `resource_url`: the same
/// URL (a root `/` or not), or, as the MCP profile allows, a URL of the same
/// origin whose path is a prefix of `resource_url`'s at a segment boundary.
pub fn resource_matches(resource_url: &Url, found: &str) -> bool {
    let Ok(found_url) = Url::parse(found) else {
        return false;
    };
    if found_url.origin() != resource_url.origin()
        || found_url.query().is_some()
        || found_url.fragment().is_some()
    {
        return false;
    }
    let prefix = found_url.path().trim_end_matches('/');
    let path = resource_url.path();
    prefix.is_empty()
        || path == prefix
        || path
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// The candidate metadata URLs for `resource_url`, in the order to try
/// them: the challenge's `resource_metadata` (when usable, see
/// [`usable_metadata_url`]), the path-suffixed well-known URL, the root one.
/// No URL twice.
pub fn resource_metadata_candidates(resource_url: &Url, from_challenge: Option<&str>) -> Vec<Url> {
    let mut candidates = Vec::new();
    if let Some(url) = from_challenge.and_then(|text| usable_metadata_url(resource_url, text)) {
        candidates.push(url);
    }
    let path = resource_url.path().trim_end_matches('/');
    let mut well_known = resource_url.clone();
    well_known.set_query(None);
    well_known.set_fragment(None);
    for suffix in [path, ""] {
        well_known.set_path(&format!("/.well-known/oauth-protected-resource{suffix}"));
        if !candidates.contains(&well_known) {
            candidates.push(well_known.clone());
        }
    }
    candidates
}

/// The challenge's `resource_metadata` URL when it may be fetched: absolute,
/// without a fragment, and `https`; plain `http` only on loopback and only
/// for a resource that is itself plain `http` on loopback, so that a remote
/// resource cannot aim the client at a service on the user's machine.
pub fn usable_metadata_url(resource_url: &Url, text: &str) -> Option<Url> {
    let url = Url::parse(text).ok()?;
    let downgrade = url.scheme() == "http" && resource_url.scheme() == "https";
    (is_secure(&url) && !downgrade && url.fragment().is_none()).then_some(url)
}

/// Looking for a resource's metadata, one candidate URL at a time.
///
/// Send [`request`](Self::request) and pass the response to
/// [`handle_response`](Self::handle_response); it answers with the metadata,
/// or with the next candidate to try, or with the list of what was tried
/// when none is left.
#[derive(Clone, Debug, PartialEq)]
pub struct ResourceDiscovery {
    resource_url: Url,
    candidates: Vec<Endpoint>,
    tried: Vec<(String, ResourceMetadataError)>,
}

/// What one metadata response led to.
#[derive(Debug)]
#[must_use]
pub enum ResourceDiscoveryOutcome {
    /// A valid document.
    Found(ProtectedResourceMetadata),
    /// This candidate failed; try the next one.
    TryNext(ResourceDiscovery),
    /// Every candidate failed: each URL with why, in the order tried.
    Exhausted(Vec<(String, ResourceMetadataError)>),
}

impl ResourceDiscovery {
    /// Starts from the resource's URL and, when the resource answered with a
    /// challenge, its `resource_metadata`. `None` when the resource URL is not
    /// `https` (or loopback `http`).
    pub fn new(resource_url: &Url, from_challenge: Option<&str>) -> Option<Self> {
        if !is_secure(resource_url) {
            return None;
        }
        let candidates = resource_metadata_candidates(resource_url, from_challenge)
            .into_iter()
            .filter_map(|url| Endpoint::try_from(url).ok())
            .collect();
        Some(Self {
            resource_url: resource_url.clone(),
            candidates,
            tried: Vec::new(),
        })
    }

    /// The URL the next request goes to.
    pub fn candidate(&self) -> Option<&Url> {
        self.candidates.first().map(Endpoint::url)
    }

    /// A `GET` of the current candidate; `None` when none is left.
    #[must_use]
    pub fn request(&self) -> Option<Request<Vec<u8>>> {
        self.candidates
            .first()
            .map(|endpoint| get_json(endpoint.uri().clone()))
    }

    /// Reads the current candidate's response.
    pub fn handle_response<B: AsRef<[u8]>>(
        mut self,
        response: &Response<B>,
    ) -> ResourceDiscoveryOutcome {
        if self.candidates.is_empty() {
            return ResourceDiscoveryOutcome::Exhausted(self.tried);
        }
        let candidate = self.candidates.remove(0);
        match self.check(response) {
            Ok(metadata) => ResourceDiscoveryOutcome::Found(metadata),
            Err(error) => {
                self.tried.push((candidate.url().to_string(), error));
                if self.candidates.is_empty() {
                    ResourceDiscoveryOutcome::Exhausted(self.tried)
                } else {
                    ResourceDiscoveryOutcome::TryNext(self)
                }
            }
        }
    }

    fn check<B: AsRef<[u8]>>(
        &self,
        response: &Response<B>,
    ) -> Result<ProtectedResourceMetadata, ResourceMetadataError> {
        let received = Received::of(response);
        if !received.status.is_success() {
            return Err(ResourceMetadataError::Status {
                status: received.status.as_u16(),
            });
        }
        if received.too_large() {
            return Err(ResourceMetadataError::BodyTooLarge {
                limit: MAX_BODY_BYTES,
            });
        }
        // JSON whatever the content type says: gateways label it text/plain.
        let Some(object) = json_object(received.body) else {
            return Err(ResourceMetadataError::NotJson);
        };
        let metadata = ProtectedResourceMetadata::from_json_object(object)?;
        if !resource_matches(&self.resource_url, &metadata.resource) {
            return Err(ResourceMetadataError::ResourceMismatch {
                expected: self.resource_url.to_string(),
                found: metadata.resource,
            });
        }
        Ok(metadata)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    fn respond(status: u16, content_type: &str, body: &str) -> Response<Vec<u8>> {
        Response::builder()
            .status(status)
            .header("content-type", content_type)
            .body(body.as_bytes().to_vec())
            .unwrap()
    }

    #[test]
    fn candidates_follow_the_header_then_the_path_then_the_root() {
        let mcp = url("https://mcp.example.com/mcp");
        let header = "https://mcp.example.com/.well-known/oauth-protected-resource/mcp/mcp";
        let all: Vec<String> = resource_metadata_candidates(&mcp, Some(header))
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            all,
            [
                header,
                "https://mcp.example.com/.well-known/oauth-protected-resource/mcp",
                "https://mcp.example.com/.well-known/oauth-protected-resource",
            ]
        );
    }

    #[test]
    fn a_root_resource_has_one_well_known_candidate() {
        let all = resource_metadata_candidates(&url("https://mcp.example.com/"), None);
        assert_eq!(all.len(), 1);
        assert_eq!(
            all[0].as_str(),
            "https://mcp.example.com/.well-known/oauth-protected-resource"
        );
    }

    #[test]
    fn an_insecure_or_relative_header_url_is_skipped() {
        let mcp = url("https://mcp.example.com/mcp");
        for header in [
            "http://evil.example.net/prm",
            "http://127.0.0.1:2375/containers/json",
            "/.well-known/oauth-protected-resource",
        ] {
            let all = resource_metadata_candidates(&mcp, Some(header));
            assert_eq!(all.len(), 2, "{header}");
        }
    }

    #[test]
    fn resource_must_be_the_same_origin_and_a_path_prefix() {
        let mcp = url("https://mcp.example.com/mcp");
        for ok in [
            "https://mcp.example.com/mcp",
            "https://mcp.example.com",
            "https://mcp.example.com/",
        ] {
            assert!(resource_matches(&mcp, ok), "{ok}");
        }
        for bad in [
            "https://evil.example.net/mcp",
            "http://mcp.example.com/mcp",
            "https://mcp.example.com:8443/mcp",
            "https://mcp.example.com/mc",
            "https://mcp.example.com/mcp/other",
            "https://mcp.example.com/mcp?x=1",
            "not a url",
        ] {
            assert!(!resource_matches(&mcp, bad), "{bad}");
        }
    }

    #[test]
    fn discovery_falls_through_a_broken_header_url_to_the_path_candidate() {
        let mcp = url("https://mcp.example.com/mcp");
        let header = "https://mcp.example.com/.well-known/oauth-protected-resource/mcp/mcp";
        let discovery = ResourceDiscovery::new(&mcp, Some(header)).unwrap();
        assert_eq!(discovery.candidate().unwrap().as_str(), header);
        let ResourceDiscoveryOutcome::TryNext(next) =
            discovery.handle_response(&respond(404, "text/plain", ""))
        else {
            panic!("a 404 moves on")
        };
        let document = json!({
            "resource": "https://mcp.example.com/mcp",
            "authorization_servers": ["https://as.example.com"],
        });
        let ResourceDiscoveryOutcome::Found(metadata) =
            next.handle_response(&respond(200, "text/plain", &document.to_string()))
        else {
            panic!("the path candidate has the document")
        };
        assert_eq!(metadata.authorization_servers, ["https://as.example.com"]);
    }

    #[test]
    fn html_and_foreign_documents_are_failed_candidates_and_all_are_reported() {
        let mcp = url("https://mcp.example.com/mcp");
        let discovery = ResourceDiscovery::new(&mcp, None).unwrap();
        let ResourceDiscoveryOutcome::TryNext(next) =
            discovery.handle_response(&respond(200, "text/html", "<!doctype html>"))
        else {
            panic!()
        };
        let foreign = json!({
            "resource": "https://evil.example.net/",
            "authorization_servers": ["https://evil.example.net"]
        });
        let ResourceDiscoveryOutcome::Exhausted(tried) =
            next.handle_response(&respond(200, "application/json", &foreign.to_string()))
        else {
            panic!()
        };
        assert_eq!(tried.len(), 2);
        assert_eq!(tried[0].1, ResourceMetadataError::NotJson);
        assert!(tried[1].1.to_string().contains("evil.example.net"));
    }

    #[test]
    fn a_document_without_authorization_servers_is_refused() {
        let err = ProtectedResourceMetadata::from_json_object(
            json!({"resource": "https://mcp.example.com", "authorization_servers": []})
                .as_object()
                .unwrap()
                .clone(),
        )
        .unwrap_err();
        assert_eq!(err, ResourceMetadataError::NoAuthorizationServer);
    }

    #[test]
    fn a_plain_http_resource_off_loopback_is_refused() {
        assert!(ResourceDiscovery::new(&url("http://mcp.example.com/mcp"), None).is_none());
        assert!(ResourceDiscovery::new(&url("http://127.0.0.1:3000/mcp"), None).is_some());
    }
}
