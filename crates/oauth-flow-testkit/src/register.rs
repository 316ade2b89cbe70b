//! Dynamic client registration (RFC 7591).

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::CACHE_CONTROL;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use url::Url;

use crate::config::{AuthMethod, ClientConfig};
use crate::quirks::Quirk;
use crate::server::Shared;
use crate::store::random_value;

/// `POST <issuer>/register`: 201 with the new `client_id`, a `client_secret` unless the
/// method is `none`, and the submitted metadata echoed (§3.2.1).
pub(crate) async fn register(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let Ok(Value::Object(mut metadata)) = serde_json::from_slice::<Value>(&body) else {
        return refuse("invalid_client_metadata", "the body must be a JSON object");
    };
    let Some(redirect_uris) = redirect_uris(metadata.get("redirect_uris")) else {
        return refuse(
            "invalid_redirect_uri",
            "redirect_uris must be a non-empty array of absolute URLs without fragment",
        );
    };
    // RFC 7591 §2: the default method is client_secret_basic.
    let asked = match metadata.get("token_endpoint_auth_method") {
        None => AuthMethod::ClientSecretBasic,
        Some(Value::String(name)) => match AuthMethod::from_name(name) {
            Some(method) => method,
            None => {
                return refuse(
                    "invalid_client_metadata",
                    "token_endpoint_auth_method is unknown",
                );
            }
        },
        Some(_) => {
            return refuse(
                "invalid_client_metadata",
                "token_endpoint_auth_method is not a string",
            );
        }
    };
    let razorpay = shared.quirks.has(Quirk::Razorpay);
    let method = if razorpay {
        AuthMethod::ClientSecretPost
    } else {
        asked
    };

    let client_id = random_value();
    let client_secret = (method != AuthMethod::None).then(random_value);
    let mut client = ClientConfig::public(client_id.clone(), String::new());
    client.redirect_uris = redirect_uris;
    client.client_secret.clone_from(&client_secret);
    client.auth_methods = vec![method];
    shared.store().clients.insert(client_id.clone(), client);

    let issued_at = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    metadata.insert("client_id".into(), json!(client_id));
    metadata.insert("client_id_issued_at".into(), json!(issued_at));
    metadata.insert("token_endpoint_auth_method".into(), json!(method.as_str()));
    if let Some(secret) = client_secret {
        metadata.insert("client_secret".into(), json!(secret));
        metadata.insert("client_secret_expires_at".into(), json!(0));
    }
    if razorpay {
        metadata.insert("application_type".into(), json!("public"));
        metadata.insert("application_id".into(), json!(random_value()));
    }

    let mut response = (StatusCode::CREATED, Json(Value::Object(metadata))).into_response();
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn redirect_uris(value: Option<&Value>) -> Option<Vec<String>> {
    let items = value?.as_array()?;
    let uris: Vec<String> = items
        .iter()
        .map(|item| item.as_str().map(str::to_owned))
        .collect::<Option<_>>()?;
    let valid = !uris.is_empty()
        && uris
            .iter()
            .all(|uri| Url::parse(uri).is_ok_and(|url| url.fragment().is_none()));
    valid.then_some(uris)
}

/// A registration error (RFC 7591 §3.2.2): 400 with a JSON body.
fn refuse(error: &str, description: &str) -> Response {
    let body = json!({ "error": error, "error_description": description });
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}
