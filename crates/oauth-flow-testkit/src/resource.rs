//! A protected resource that accepts the server's access tokens (RFC 6750), with its
//! challenges pointing at the RFC 9728 metadata.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::error::REALM;
use crate::quirks::Quirk;
use crate::server::Shared;

/// `GET /resource`: 200 with a small JSON body for a valid token; 401 without a token
/// or with an invalid, revoked or expired one; 403 when the required scope is missing.
pub(crate) async fn resource(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let credentials = headers
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().split_once(' '));
    let Some((scheme, token)) = credentials else {
        return unauthorized(&shared, None);
    };
    if !scheme.eq_ignore_ascii_case("bearer") {
        return unauthorized(&shared, None);
    }
    if shared.quirks.has(Quirk::CaseSensitiveBearerScheme) && scheme != "Bearer" {
        return unauthorized(&shared, Some("the scheme must be written Bearer"));
    }

    let now = shared.clock.now();
    let store = shared.store();
    let Some(found) = store.access_tokens.get(token.trim()) else {
        return unauthorized(&shared, Some("the access token is unknown"));
    };
    if found.revoked {
        return unauthorized(&shared, Some("the access token is revoked"));
    }
    if now >= found.expires_at {
        return unauthorized(&shared, Some("the access token has expired"));
    }
    if let Some(required) = &shared.config.required_scope {
        if !found.scope.split(' ').any(|scope| scope == required) {
            return insufficient_scope(&shared, required);
        }
    }
    let body = json!({
        "message": "hello from the oauth-flow testkit",
        "client_id": found.client_id,
        "scope": found.scope,
    });
    (StatusCode::OK, Json(body)).into_response()
}

/// 401 with a `Bearer` challenge; `error="invalid_token"` only when a token was sent
/// (RFC 6750 §3.1).
fn unauthorized(shared: &Shared, invalid_token: Option<&str>) -> Response {
    let metadata = shared.resource_metadata_url();
    let (challenge, body) = match invalid_token {
        None => (
            format!("Bearer realm=\"{REALM}\", resource_metadata=\"{metadata}\""),
            json!({}),
        ),
        Some(description) => (
            format!(
                "Bearer realm=\"{REALM}\", error=\"invalid_token\", \
                 error_description=\"{description}\", resource_metadata=\"{metadata}\""
            ),
            if shared.quirks.has(Quirk::Razorpay) {
                json!({ "code": "OAUTH_BAD_TOKEN", "message": "Bad token; invalid JSON" })
            } else {
                json!({ "error": "invalid_token", "error_description": description })
            },
        ),
    };
    with_challenge(StatusCode::UNAUTHORIZED, &challenge, Json(body))
}

/// 403 naming the scope that is needed (RFC 6750 §3.1).
fn insufficient_scope(shared: &Shared, required: &str) -> Response {
    let challenge = format!(
        "Bearer realm=\"{REALM}\", error=\"insufficient_scope\", scope=\"{required}\", \
         resource_metadata=\"{}\"",
        shared.resource_metadata_url()
    );
    let body = json!({ "error": "insufficient_scope", "scope": required });
    with_challenge(StatusCode::FORBIDDEN, &challenge, Json(body))
}

fn with_challenge(status: StatusCode, challenge: &str, body: impl IntoResponse) -> Response {
    let mut response = (status, body).into_response();
    if let Ok(value) = HeaderValue::from_str(challenge) {
        response.headers_mut().insert(WWW_AUTHENTICATE, value);
    }
    response
}
