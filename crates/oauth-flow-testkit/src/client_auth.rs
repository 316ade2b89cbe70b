//! Client authentication at the token and revocation endpoints (RFC 6749 §2.3).

use axum::http::HeaderMap;

use crate::config::{AuthMethod, ClientConfig};
use crate::error::OAuthError;
use crate::form::{BasicCredentials, Form, basic_credentials};
use crate::server::Shared;

/// The registered client that made the request, once its credentials check out.
///
/// A client uses exactly one method (§2.3): HTTP Basic, `client_secret` in the body, or
/// only `client_id` for public clients. The method must be one the client may use.
pub(crate) fn authenticate(
    shared: &Shared,
    headers: &HeaderMap,
    form: &Form,
) -> Result<ClientConfig, OAuthError> {
    let body_id = form.get("client_id");
    let body_secret = form.get("client_secret");
    let (client_id, secret, method) = match basic_credentials(headers) {
        BasicCredentials::Malformed => {
            return Err(OAuthError::invalid_client(
                "the Authorization header is not Basic",
            ));
        }
        BasicCredentials::Present {
            client_id,
            client_secret,
        } => {
            if body_secret.is_some() {
                return Err(OAuthError::invalid_request(
                    "client credentials were sent both in the body and with HTTP Basic",
                ));
            }
            if body_id.is_some_and(|id| id != client_id) {
                return Err(OAuthError::invalid_request(
                    "client_id in the body differs from the HTTP Basic credentials",
                ));
            }
            (
                client_id,
                Some(client_secret),
                AuthMethod::ClientSecretBasic,
            )
        }
        BasicCredentials::Absent => {
            let Some(client_id) = body_id else {
                return Err(OAuthError::invalid_client("the request names no client"));
            };
            match body_secret {
                Some(secret) => (
                    client_id.to_owned(),
                    Some(secret.to_owned()),
                    AuthMethod::ClientSecretPost,
                ),
                None => (client_id.to_owned(), None, AuthMethod::None),
            }
        }
    };

    let Some(client) = shared.store().clients.get(&client_id).cloned() else {
        return Err(OAuthError::invalid_client("client_id is unknown"));
    };
    if !client.auth_methods.contains(&method) {
        return Err(OAuthError::invalid_client(format!(
            "this client may not authenticate with {}",
            method.as_str()
        )));
    }
    if method != AuthMethod::None && secret.as_deref() != client.client_secret.as_deref() {
        return Err(OAuthError::invalid_client("client authentication failed"));
    }
    Ok(client)
}
