//! The revocation endpoint (RFC 7009).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::CACHE_CONTROL;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::client_auth::authenticate;
use crate::error::OAuthError;
use crate::form::{Form, is_form};
use crate::server::Shared;

/// `POST <issuer>/revoke`: 200 for a revoked token and for an unknown one alike (§2.2).
pub(crate) async fn revoke(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match revoke_token(&shared, &headers, &body) {
        Ok(()) => {
            let mut response = StatusCode::OK.into_response();
            response
                .headers_mut()
                .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(error) => error.render(&shared.quirks, &headers),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Access,
    Refresh,
}

/// Revokes the token if it is known. `token_type_hint` decides which kind is looked up
/// first (§2.1). Revoking a refresh token revokes every token of its grant; revoking an
/// access token revokes only that token.
fn revoke_token(shared: &Shared, headers: &HeaderMap, body: &[u8]) -> Result<(), OAuthError> {
    if !is_form(headers) {
        return Err(OAuthError::invalid_request(
            "the body must be application/x-www-form-urlencoded",
        ));
    }
    let form = Form::parse(body);
    if let Some(name) = form.repeated() {
        return Err(OAuthError::invalid_request(format!(
            "{name} was sent more than once"
        )));
    }
    let client = authenticate(shared, headers, &form)?;
    let token = form
        .get("token")
        .ok_or_else(|| OAuthError::invalid_request("token is required"))?;
    let order = match form.get("token_type_hint") {
        Some("refresh_token") => [Kind::Refresh, Kind::Access],
        _ => [Kind::Access, Kind::Refresh],
    };
    let not_yours = || OAuthError::unauthorized_client("the token was issued to another client");

    let mut store = shared.store();
    for kind in order {
        match kind {
            Kind::Access => {
                if let Some(found) = store.access_tokens.get_mut(token) {
                    if found.client_id != client.client_id {
                        return Err(not_yours());
                    }
                    found.revoked = true;
                    return Ok(());
                }
            }
            Kind::Refresh => {
                if let Some(found) = store.refresh_tokens.get(token) {
                    if found.client_id != client.client_id {
                        return Err(not_yours());
                    }
                    let family = found.family;
                    store.revoke_family(family);
                    return Ok(());
                }
            }
        }
    }
    Ok(())
}
