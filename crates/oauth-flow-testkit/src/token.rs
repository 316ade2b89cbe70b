//! The token endpoint (RFC 6749 §3.2): the authorization code grant with PKCE (§4.1.3,
//! RFC 7636 §4.6) and the refresh token grant with rotation (§6, RFC 9700 §4.14.2).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION, PRAGMA};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};
use sha2::{Digest as _, Sha256};

use crate::client_auth::authenticate;
use crate::config::ClientConfig;
use crate::error::OAuthError;
use crate::form::{Form, accepts_json, is_form};
use crate::quirks::{OVERSIZED_BODY_BYTES, Quirk};
use crate::server::Shared;
use crate::store::Issued;

/// `POST <issuer>/token`: answers, or redirects first under
/// [`Quirk::TokenEndpointRedirect`].
pub(crate) async fn token_entry(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if shared.quirks.has(Quirk::TokenEndpointRedirect) {
        let mut response = StatusCode::TEMPORARY_REDIRECT.into_response();
        if let Ok(location) = HeaderValue::from_str(&shared.endpoint("token/redirected")) {
            response.headers_mut().insert(LOCATION, location);
        }
        return response;
    }
    token(State(shared), headers, body).await
}

/// `POST <issuer>/token` proper (also served at `<issuer>/token/redirected`).
pub(crate) async fn token(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(delay) = shared.quirks.token_delay() {
        tokio::time::sleep(delay).await;
    }
    match grant(&shared, &headers, &body) {
        Ok((issued, grant)) => success(&shared, &headers, &issued, grant),
        Err(error) => error.render(&shared.quirks, &headers),
    }
}

/// Which grant produced the tokens; some quirks change only refresh responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Grant {
    AuthorizationCode,
    RefreshToken,
}

fn grant(shared: &Shared, headers: &HeaderMap, body: &[u8]) -> Result<(Issued, Grant), OAuthError> {
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
    match form.get("grant_type") {
        Some("authorization_code") => {
            authorization_code(shared, &client, &form).map(|i| (i, Grant::AuthorizationCode))
        }
        Some("refresh_token") => refresh(shared, &client, &form).map(|i| (i, Grant::RefreshToken)),
        Some(other) => Err(OAuthError::unsupported_grant_type(format!(
            "grant_type {other} is not served"
        ))),
        None => Err(OAuthError::invalid_request("grant_type is required")),
    }
}

/// Exchanges a code (RFC 6749 §4.1.3). A code is single-use: the first presentation
/// consumes it whatever the outcome, and a second one revokes what the first issued.
fn authorization_code(
    shared: &Shared,
    client: &ClientConfig,
    form: &Form,
) -> Result<Issued, OAuthError> {
    let code = form
        .get("code")
        .ok_or_else(|| OAuthError::invalid_request("code is required"))?;
    let now = shared.clock.now();
    let mut store = shared.store();

    let Some(grant) = store.codes.get_mut(code) else {
        return Err(OAuthError::invalid_grant("the code is unknown"));
    };
    if grant.client_id != client.client_id {
        return Err(OAuthError::invalid_grant(
            "the code was issued to another client",
        ));
    }
    let reused = std::mem::replace(&mut grant.used, true);
    let earlier_family = grant.family;
    let expired = now >= grant.expires_at;
    let redirect_uri = grant.redirect_uri.clone();
    let code_challenge = grant.code_challenge.clone();
    let scope = grant.scope.clone();

    if reused {
        if let Some(family) = earlier_family {
            store.revoke_family(family);
        }
        return Err(OAuthError::invalid_grant(
            "the code was already used; the tokens issued from it are revoked",
        ));
    }
    if expired {
        return Err(OAuthError::invalid_grant("the code has expired"));
    }
    let redirect_ok = match (redirect_uri.as_deref(), form.get("redirect_uri")) {
        (Some(expected), Some(given)) => expected == given,
        (Some(_), None) => false,
        (None, given) => given.is_none_or(|g| client.redirect_uris.iter().any(|r| r == g)),
    };
    if !redirect_ok {
        return Err(OAuthError::invalid_grant(
            "redirect_uri differs from the one in the authorization request",
        ));
    }
    let Some(verifier) = form.get("code_verifier") else {
        return Err(OAuthError::invalid_grant(
            "code_verifier is required (PKCE)",
        ));
    };
    if !is_code_verifier(verifier) {
        return Err(OAuthError::invalid_grant(
            "code_verifier is not 43 to 128 unreserved characters",
        ));
    }
    if s256(verifier) != code_challenge {
        return Err(OAuthError::invalid_grant(
            "code_verifier does not match the code_challenge",
        ));
    }

    let family = store.new_family();
    if let Some(grant) = store.codes.get_mut(code) {
        grant.family = Some(family);
    }
    let with_refresh_token = !shared.quirks.has(Quirk::Razorpay);
    let lifetime = shared.config.access_token_lifetime;
    Ok(store.issue(
        &client.client_id,
        &scope,
        family,
        lifetime,
        now,
        with_refresh_token,
    ))
}

/// Refreshes (RFC 6749 §6). With rotation, the presented token is retired; presenting a
/// retired token again revokes its whole family (RFC 9700 §4.14.2).
fn refresh(shared: &Shared, client: &ClientConfig, form: &Form) -> Result<Issued, OAuthError> {
    let presented = form
        .get("refresh_token")
        .ok_or_else(|| OAuthError::invalid_request("refresh_token is required"))?;
    let now = shared.clock.now();
    let mut store = shared.store();

    let Some(token) = store.refresh_tokens.get(presented) else {
        return Err(OAuthError::invalid_grant("the refresh token is unknown"));
    };
    if token.client_id != client.client_id {
        return Err(OAuthError::invalid_grant(
            "the refresh token was issued to another client",
        ));
    }
    if token.revoked {
        return Err(OAuthError::invalid_grant("the refresh token is revoked"));
    }
    let family = token.family;
    if token.rotated {
        store.revoke_family(family);
        return Err(OAuthError::invalid_grant(
            "the refresh token was already used; every token of its grant is revoked",
        ));
    }
    let scope = match form.get("scope") {
        None => token.scope.clone(),
        Some(asked) => {
            let granted: Vec<&str> = token.scope.split(' ').collect();
            if let Some(extra) = asked
                .split(' ')
                .find(|s| !s.is_empty() && !granted.contains(s))
            {
                return Err(OAuthError::invalid_scope(format!(
                    "scope {extra} was not part of the original grant"
                )));
            }
            asked.to_owned()
        }
    };

    let quirks = &shared.quirks;
    let lifetime = shared.config.access_token_lifetime;
    let keeps_old_token = quirks.has(Quirk::NoRefreshTokenOnRefresh)
        || quirks.has(Quirk::NullRefreshTokenOnRefresh)
        || quirks.has(Quirk::Razorpay);
    if keeps_old_token {
        return Ok(store.issue(&client.client_id, &scope, family, lifetime, now, false));
    }
    if !shared.config.refresh_rotation {
        let mut issued = store.issue(&client.client_id, &scope, family, lifetime, now, false);
        issued.refresh_token = Some(presented.to_owned());
        return Ok(issued);
    }
    if let Some(token) = store.refresh_tokens.get_mut(presented) {
        token.rotated = true;
    }
    Ok(store.issue(&client.client_id, &scope, family, lifetime, now, true))
}

/// A successful token response (RFC 6749 §5.1), shaped by the quirks.
fn success(shared: &Shared, request: &HeaderMap, issued: &Issued, grant: Grant) -> Response {
    let quirks = &shared.quirks;
    let refreshed = grant == Grant::RefreshToken;
    let mut body = Map::new();

    body.insert("access_token".into(), json!(issued.access_token));
    if !quirks.has(Quirk::MissingTokenType) {
        let token_type = if quirks.has(Quirk::LowercaseBearer) {
            "bearer"
        } else {
            "Bearer"
        };
        body.insert("token_type".into(), json!(token_type));
    }
    if refreshed && quirks.has(Quirk::NoExpiresInOnRefresh) {
        // Left out on purpose.
    } else if refreshed && quirks.has(Quirk::NullExpiresInOnRefresh) {
        body.insert("expires_in".into(), Value::Null);
    } else if quirks.has(Quirk::StringExpiresIn) {
        body.insert("expires_in".into(), json!(issued.expires_in.to_string()));
    } else {
        body.insert("expires_in".into(), json!(issued.expires_in));
    }
    if let Some(refresh_token) = &issued.refresh_token {
        body.insert("refresh_token".into(), json!(refresh_token));
    } else if refreshed && quirks.has(Quirk::NullRefreshTokenOnRefresh) {
        body.insert("refresh_token".into(), Value::Null);
    }
    let scopes: Vec<&str> = issued.scope.split(' ').filter(|s| !s.is_empty()).collect();
    if quirks.has(Quirk::ScopeAsArray) {
        body.insert("scope".into(), json!(scopes));
    } else if quirks.has(Quirk::CommaSeparatedScope) {
        body.insert("scope".into(), json!(scopes.join(",")));
    } else {
        body.insert("scope".into(), json!(issued.scope));
    }

    let as_form = quirks.has(Quirk::FormEncodedUnlessJsonAccepted) && !accepts_json(request);
    let (content_type, mut text) = if as_form {
        ("application/x-www-form-urlencoded", form_body(&body))
    } else {
        ("application/json", Value::Object(body.clone()).to_string())
    };
    if quirks.has(Quirk::OversizedTokenResponse) {
        text = pad(&body, as_form, text.len());
    }

    let status = if quirks.has(Quirk::Created201TokenResponse) {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let mut response = (status, text).into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

/// The members as a form body: strings as they are, numbers in decimal, arrays joined
/// by spaces, `null` left out.
fn form_body(body: &Map<String, Value>) -> String {
    let mut form = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in body {
        let text = match value {
            Value::String(text) => text.clone(),
            Value::Array(items) => items
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(" "),
            Value::Null => continue,
            other => other.to_string(),
        };
        form.append_pair(name, &text);
    }
    form.finish()
}

/// The body again with a `padding` member that brings it to [`OVERSIZED_BODY_BYTES`].
fn pad(body: &Map<String, Value>, as_form: bool, current_len: usize) -> String {
    let overhead = if as_form {
        "&padding=".len()
    } else {
        ",\"padding\":\"\"".len()
    };
    let padding = "x".repeat(OVERSIZED_BODY_BYTES.saturating_sub(current_len + overhead));
    let mut padded = body.clone();
    padded.insert("padding".into(), json!(padding));
    if as_form {
        form_body(&padded)
    } else {
        Value::Object(padded).to_string()
    }
}

/// RFC 7636 §4.1: 43 to 128 characters from `[A-Za-z0-9-._~]`.
fn is_code_verifier(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

/// `BASE64URL(SHA256(ASCII(code_verifier)))` without padding (RFC 7636 §4.2).
fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::s256;

    #[test]
    fn s256_matches_the_rfc_7636_example() {
        // RFC 7636 Appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert_eq!(
            s256(verifier),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}
