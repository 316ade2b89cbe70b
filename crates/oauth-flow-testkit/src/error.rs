//! Error responses of the token and revocation endpoints (RFC 6749 §5.2), dressed by the
//! quirks that change how errors look.

use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, PRAGMA, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::form::accepts_json;
use crate::quirks::{Quirk, Quirks};

/// The realm named in `WWW-Authenticate` challenges.
pub(crate) const REALM: &str = "oauth-flow-testkit";

/// An OAuth error code with its description and HTTP status.
#[derive(Debug)]
pub(crate) struct OAuthError {
    pub(crate) status: StatusCode,
    pub(crate) error: &'static str,
    pub(crate) description: String,
}

impl OAuthError {
    fn new(status: StatusCode, error: &'static str, description: impl Into<String>) -> Self {
        OAuthError {
            status,
            error,
            description: description.into(),
        }
    }

    pub(crate) fn invalid_request(description: impl Into<String>) -> Self {
        OAuthError::new(StatusCode::BAD_REQUEST, "invalid_request", description)
    }

    /// Client authentication failed: 401, with a `Basic` challenge (RFC 6749 §5.2).
    pub(crate) fn invalid_client(description: impl Into<String>) -> Self {
        OAuthError::new(StatusCode::UNAUTHORIZED, "invalid_client", description)
    }

    pub(crate) fn invalid_grant(description: impl Into<String>) -> Self {
        OAuthError::new(StatusCode::BAD_REQUEST, "invalid_grant", description)
    }

    pub(crate) fn invalid_scope(description: impl Into<String>) -> Self {
        OAuthError::new(StatusCode::BAD_REQUEST, "invalid_scope", description)
    }

    pub(crate) fn unauthorized_client(description: impl Into<String>) -> Self {
        OAuthError::new(StatusCode::BAD_REQUEST, "unauthorized_client", description)
    }

    pub(crate) fn unsupported_grant_type(description: impl Into<String>) -> Self {
        OAuthError::new(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            description,
        )
    }

    /// The response, shaped by the quirks and by what the request accepted.
    pub(crate) fn render(self, quirks: &Quirks, request: &HeaderMap) -> Response {
        let status = if quirks.has(Quirk::ErrorWithStatus200) {
            StatusCode::OK
        } else {
            self.status
        };
        let (content_type, body) = if quirks.has(Quirk::HtmlErrorAsJson) {
            ("application/json", html_page(status))
        } else if quirks.has(Quirk::ProblemJsonErrors) {
            let problem = json!({
                "type": "about:blank",
                "title": status.canonical_reason().unwrap_or("Error"),
                "status": status.as_u16(),
                "detail": format!("{}: {}", self.error, self.description),
            });
            ("application/problem+json", problem.to_string())
        } else if quirks.has(Quirk::FormEncodedUnlessJsonAccepted) && !accepts_json(request) {
            let body = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("error", self.error)
                .append_pair("error_description", &self.description)
                .finish();
            ("application/x-www-form-urlencoded", body)
        } else {
            let body = json!({ "error": self.error, "error_description": self.description });
            let content_type = if quirks.has(Quirk::JsonErrorAsTextPlain) {
                "text/plain; charset=utf-8"
            } else {
                "application/json"
            };
            (content_type, body.to_string())
        };

        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(PRAGMA, HeaderValue::from_static("no-cache"));
        if self.status == StatusCode::UNAUTHORIZED {
            let challenge = format!("Basic realm=\"{REALM}\", error=\"{}\"", self.error);
            if let Ok(value) = HeaderValue::from_str(&challenge) {
                headers.insert(WWW_AUTHENTICATE, value);
            }
        }
        response
    }
}

fn html_page(status: StatusCode) -> String {
    format!(
        "<!DOCTYPE html><html><head><title>Request blocked</title></head>\
         <body><h1>{status}</h1><p>The request was blocked.</p></body></html>"
    )
}
