//! The authorization endpoint (RFC 6749 §4.1.1) with automatic consent.

use std::sync::Arc;

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::header::{CACHE_CONTROL, LOCATION};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use url::{Host, Url};

use crate::config::AuthorizeOutcome;
use crate::form::Form;
use crate::lock;
use crate::quirks::Quirk;
use crate::server::Shared;
use crate::store::{CODE_LIFETIME, CodeGrant, random_value};

/// `GET <issuer>/authorize`: validates the request, then redirects to the client with a
/// code, or with an error once the redirect URI is known to be the client's own.
pub(crate) async fn authorize(
    State(shared): State<Arc<Shared>>,
    RawQuery(query): RawQuery,
) -> Response {
    let params = Form::parse(query.unwrap_or_default().as_bytes());

    // Without a known client and one of its redirect URIs the server must not redirect
    // (RFC 6749 §4.1.2.1): it answers the browser directly.
    let Some(client_id) = params.get("client_id") else {
        return refuse("client_id is required");
    };
    let Some(client) = shared.store().clients.get(client_id).cloned() else {
        return refuse("client_id is unknown");
    };
    let redirect_uri = match params.get("redirect_uri") {
        Some(uri)
            if client
                .redirect_uris
                .iter()
                .any(|r| redirect_uri_matches(r, uri)) =>
        {
            uri.to_owned()
        }
        Some(_) => return refuse("redirect_uri is not registered for this client"),
        None if client.redirect_uris.len() == 1 => client.redirect_uris[0].clone(),
        None => return refuse("redirect_uri is required when several are registered"),
    };
    let Ok(callback_url) = Url::parse(&redirect_uri) else {
        return refuse("the registered redirect_uri is not an absolute URL");
    };
    let callback = Callback {
        shared: &shared,
        redirect_url: callback_url,
        state: params.get("state"),
    };

    if let Some(name) = params.repeated() {
        return callback.error(
            "invalid_request",
            &format!("{name} was sent more than once"),
        );
    }
    match params.get("response_type") {
        Some("code") => {}
        Some(_) => {
            return callback.error(
                "unsupported_response_type",
                "only response_type=code is served",
            );
        }
        None => return callback.error("invalid_request", "response_type is required"),
    }
    let Some(code_challenge) = params.get("code_challenge") else {
        return callback.error(
            "invalid_request",
            "code_challenge is required (PKCE, RFC 7636)",
        );
    };
    if params.get("code_challenge_method") != Some("S256") {
        return callback.error("invalid_request", "code_challenge_method must be S256");
    }
    if !is_s256_challenge(code_challenge) {
        return callback.error(
            "invalid_request",
            "code_challenge is not a base64url SHA-256",
        );
    }
    let scope = match granted_scope(&shared, params.get("scope")) {
        Ok(scope) => scope,
        Err(unknown) => {
            return callback.error(
                "invalid_scope",
                &format!("scope {unknown} is not supported"),
            );
        }
    };

    match *lock(&shared.authorize_outcome) {
        AuthorizeOutcome::Approve => {}
        AuthorizeOutcome::AccessDenied => {
            return callback.error("access_denied", "the resource owner denied the request");
        }
        AuthorizeOutcome::InvalidRequest => {
            return callback.error(
                "invalid_request",
                "the test configuration refuses this request",
            );
        }
    }

    let code = random_value();
    let expires_at = shared.clock.now() + CODE_LIFETIME;
    shared.store().codes.insert(
        code.clone(),
        CodeGrant {
            client_id: client.client_id,
            redirect_uri: params.get("redirect_uri").map(str::to_owned),
            code_challenge: code_challenge.to_owned(),
            scope,
            expires_at,
            used: false,
            family: None,
        },
    );
    callback.redirect(&[("code", &code)])
}

/// Where the answer goes once the client and its redirect URI are trusted.
struct Callback<'a> {
    shared: &'a Shared,
    redirect_url: Url,
    state: Option<&'a str>,
}

impl Callback<'_> {
    /// An error redirect (RFC 6749 §4.1.2.1).
    fn error(self, error: &str, description: &str) -> Response {
        self.redirect(&[("error", error), ("error_description", description)])
    }

    /// A `302 Found` to the redirect URI with `params`, then `state` and `iss` (RFC 9207).
    fn redirect(mut self, params: &[(&str, &str)]) -> Response {
        let quirks = &self.shared.quirks;
        let iss = if quirks.has(Quirk::WrongIssInCallback) {
            Some(format!("{}/another-issuer", self.shared.base_url))
        } else if quirks.has(Quirk::MissingIssInCallback) || quirks.has(Quirk::Razorpay) {
            None
        } else {
            Some(self.shared.issuer.clone())
        };
        {
            let mut query = self.redirect_url.query_pairs_mut();
            query.extend_pairs(params);
            if let Some(state) = self.state {
                query.append_pair("state", state);
            }
            if let Some(iss) = &iss {
                query.append_pair("iss", iss);
            }
        }

        let mut response = StatusCode::FOUND.into_response();
        if let Ok(location) = HeaderValue::from_str(self.redirect_url.as_str()) {
            response.headers_mut().insert(LOCATION, location);
        }
        response
            .headers_mut()
            .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}

/// A 400 page for requests that cannot be redirected.
fn refuse(description: &str) -> Response {
    let body = json!({ "error": "invalid_request", "error_description": description });
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}

/// Exact string match, except that a registered `http` loopback IP literal matches any
/// port (RFC 8252 §7.3).
fn redirect_uri_matches(registered: &str, requested: &str) -> bool {
    if registered == requested {
        return true;
    }
    let (Ok(registered), Ok(mut requested)) = (Url::parse(registered), Url::parse(requested))
    else {
        return false;
    };
    let loopback = match registered.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        _ => false,
    };
    loopback
        && registered.scheme() == "http"
        && requested.set_port(registered.port()).is_ok()
        && requested == registered
}

/// A S256 challenge is the base64url encoding, without padding, of 32 bytes.
fn is_s256_challenge(challenge: &str) -> bool {
    challenge.len() == 43
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The scope to grant: the requested scopes when all are supported, or all supported
/// scopes when none was asked. On failure, the first unsupported scope.
fn granted_scope(shared: &Shared, requested: Option<&str>) -> Result<String, String> {
    let supported = &shared.config.scopes_supported;
    let Some(requested) = requested else {
        return Ok(supported.join(" "));
    };
    let scopes: Vec<&str> = requested.split(' ').filter(|s| !s.is_empty()).collect();
    match scopes
        .iter()
        .find(|scope| !supported.iter().any(|known| known == *scope))
    {
        Some(unknown) => Err((*unknown).to_owned()),
        None => Ok(scopes.join(" ")),
    }
}

#[cfg(test)]
mod tests {
    use super::redirect_uri_matches;

    #[test]
    fn loopback_redirect_uri_matches_any_port() {
        let registered = "http://127.0.0.1/callback";
        assert!(redirect_uri_matches(
            registered,
            "http://127.0.0.1:8976/callback"
        ));
        assert!(redirect_uri_matches(
            registered,
            "http://127.0.0.1/callback"
        ));
        assert!(!redirect_uri_matches(
            registered,
            "http://127.0.0.1:8976/other"
        ));
        assert!(!redirect_uri_matches(
            registered,
            "http://localhost:8976/callback"
        ));
        assert!(!redirect_uri_matches(
            registered,
            "https://127.0.0.1:8976/callback"
        ));
    }

    #[test]
    fn other_redirect_uris_match_exactly() {
        let registered = "https://app.example/callback";
        assert!(redirect_uri_matches(
            registered,
            "https://app.example/callback"
        ));
        assert!(!redirect_uri_matches(
            registered,
            "https://app.example:444/callback"
        ));
        assert!(!redirect_uri_matches(
            registered,
            "https://app.example/callback/"
        ));
    }
}
