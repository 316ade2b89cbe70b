//! Discovery documents: RFC 8414 authorization server metadata, the OpenID Connect
//! discovery document, and RFC 9728 protected resource metadata.

use std::sync::Arc;

use axum::extract::State;
use axum::http::HeaderValue;
use axum::http::header::{CONTENT_TYPE, HeaderName};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::config::AuthMethod;
use crate::quirks::Quirk;
use crate::server::Shared;

/// `GET /.well-known/oauth-authorization-server[/<issuer path>]` (RFC 8414 §3).
pub(crate) async fn authorization_server(State(shared): State<Arc<Shared>>) -> Response {
    document(&shared, &authorization_server_metadata(&shared))
}

/// `GET <issuer>/.well-known/openid-configuration`: the same members as RFC 8414.
pub(crate) async fn openid_configuration(State(shared): State<Arc<Shared>>) -> Response {
    document(&shared, &authorization_server_metadata(&shared))
}

/// `GET /.well-known/oauth-protected-resource` (RFC 9728 §3).
pub(crate) async fn protected_resource(State(shared): State<Arc<Shared>>) -> Response {
    let body = json!({
        "resource": shared.base_url,
        "authorization_servers": [shared.issuer],
        "scopes_supported": shared.config.scopes_supported,
        "bearer_methods_supported": ["header"],
    });
    document(&shared, &body)
}

fn authorization_server_metadata(shared: &Shared) -> Value {
    let quirks = &shared.quirks;
    let razorpay = quirks.has(Quirk::Razorpay);

    let issuer = if quirks.has(Quirk::MismatchedIssuer) {
        format!("{}/another-issuer", shared.base_url)
    } else if quirks.has(Quirk::TrailingSlashIssuer) {
        format!("{}/", shared.issuer)
    } else {
        shared.issuer.clone()
    };
    let auth_methods: Vec<&str> = if razorpay {
        vec![AuthMethod::ClientSecretPost.as_str()]
    } else {
        [
            AuthMethod::None,
            AuthMethod::ClientSecretPost,
            AuthMethod::ClientSecretBasic,
        ]
        .map(AuthMethod::as_str)
        .to_vec()
    };
    let grant_types: &[&str] = if razorpay {
        &["authorization_code", "client_credentials", "refresh_token"]
    } else {
        &["authorization_code", "refresh_token"]
    };

    let mut metadata = json!({
        "issuer": issuer,
        "authorization_endpoint": shared.endpoint("authorize"),
        "token_endpoint": shared.endpoint("token"),
        "registration_endpoint": shared.endpoint("register"),
        "scopes_supported": shared.config.scopes_supported,
        "response_types_supported": ["code"],
        "grant_types_supported": grant_types,
        "token_endpoint_auth_methods_supported": auth_methods,
    });
    let Some(members) = metadata.as_object_mut() else {
        return metadata;
    };
    if quirks.has(Quirk::PlainOnlyCodeChallenge) {
        members.insert("code_challenge_methods_supported".into(), json!(["plain"]));
    } else if !quirks.has(Quirk::NoCodeChallengeMethods) {
        members.insert("code_challenge_methods_supported".into(), json!(["S256"]));
    }
    if !razorpay {
        members.insert(
            "revocation_endpoint".into(),
            json!(shared.endpoint("revoke")),
        );
        members.insert(
            "revocation_endpoint_auth_methods_supported".into(),
            json!(auth_methods),
        );
        members.insert(
            "authorization_response_iss_parameter_supported".into(),
            json!(true),
        );
    }
    metadata
}

/// A JSON document, labelled as the quirks say.
fn document(shared: &Shared, body: &Value) -> Response {
    let content_type = if shared.quirks.has(Quirk::MetadataAsTextPlain) {
        "text/plain; charset=utf-8"
    } else {
        "application/json"
    };
    let mut response = body.to_string().into_response();
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response.headers_mut().insert(
        HeaderName::from_static("access-control-allow-origin"),
        HeaderValue::from_static("*"),
    );
    response
}
