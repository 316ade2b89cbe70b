//! Building request descriptions: what the adapters send.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::{HeaderValue, Method, Request, header};

use crate::config::ClientAuthMethod;
use crate::endpoint::Endpoint;
use crate::form::{self, FormValue};
use crate::secret::ClientSecret;

const FORM: &str = "application/x-www-form-urlencoded";
const JSON: &str = "application/json";

/// A `GET` asking for JSON.
pub(crate) fn get_json(uri: http::Uri) -> Request<Vec<u8>> {
    let mut request = Request::new(Vec::new());
    *request.uri_mut() = uri;
    request
        .headers_mut()
        .insert(header::ACCEPT, HeaderValue::from_static(JSON));
    request
}

/// The body of a token or revocation request, with client authentication
/// applied (RFC 6749 §2.3.1).
pub(crate) struct FormPost<'a> {
    pairs: Vec<(&'static str, FormValue<'a>)>,
    basic: Option<HeaderValue>,
}

impl<'a> FormPost<'a> {
    /// `client_id` comes form-encoded: it is encoded once per client, not on
    /// every request.
    pub(crate) fn with_encoded_client_id(
        encoded_client_id: &'a str,
        secret: Option<&'a ClientSecret>,
        method: ClientAuthMethod,
    ) -> Self {
        let mut post = Self {
            // Room for every pair a token request has, so the list never grows.
            pairs: Vec::with_capacity(8),
            basic: None,
        };
        match (method, secret) {
            (ClientAuthMethod::ClientSecretBasic, Some(secret)) => {
                post.basic = Some(basic_authorization(encoded_client_id, secret));
            }
            (ClientAuthMethod::ClientSecretPost, Some(secret)) => {
                post.pairs
                    .push(("client_id", FormValue::Encoded(encoded_client_id)));
                post.pairs
                    .push(("client_secret", FormValue::Text(secret.secret())));
            }
            // A public client names itself in the body (RFC 6749 §4.1.3). The
            // configuration check makes sure a secret method has a secret.
            _ => post
                .pairs
                .push(("client_id", FormValue::Encoded(encoded_client_id))),
        }
        post
    }

    /// Adds a parameter; its name is one of OAuth's, which need no escaping.
    pub(crate) fn pair(&mut self, name: &'static str, value: &'a str) -> &mut Self {
        self.pairs.push((name, FormValue::Text(value)));
        self
    }

    /// Adds a parameter whose value is already form-encoded, or a literal
    /// that needs no escaping.
    pub(crate) fn pair_encoded(&mut self, name: &'static str, value: &'a str) -> &mut Self {
        self.pairs.push((name, FormValue::Encoded(value)));
        self
    }

    /// A `POST` of the form to `endpoint`, asking for JSON: GitHub answers
    /// form-encoded otherwise. The body holds secrets; adapters must not log it.
    pub(crate) fn into_request(self, endpoint: &Endpoint) -> Request<Vec<u8>> {
        let mut request = Request::new(form::encode_values(&self.pairs));
        *request.method_mut() = Method::POST;
        *request.uri_mut() = endpoint.uri().clone();
        let headers = request.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(FORM));
        headers.insert(header::ACCEPT, HeaderValue::from_static(JSON));
        if let Some(basic) = self.basic {
            headers.insert(header::AUTHORIZATION, basic);
        }
        request
    }
}

/// `Basic base64(form(id) ":" form(secret))`: RFC 6749 §2.3.1 form-encodes each
/// part before joining, so a `:` or `+` in either survives. The id comes
/// encoded already.
fn basic_authorization(encoded_client_id: &str, secret: &ClientSecret) -> HeaderValue {
    let credentials = zeroize::Zeroizing::new(format!(
        "{}:{}",
        encoded_client_id,
        form::encode_component(secret.secret())
    ));
    let encoded =
        zeroize::Zeroizing::new(format!("Basic {}", STANDARD.encode(credentials.as_bytes())));
    // Base64 output is always a valid header value.
    let mut value =
        HeaderValue::from_str(&encoded).unwrap_or_else(|_| HeaderValue::from_static(""));
    value.set_sensitive(true);
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_are_form_encoded_before_base64() {
        let client_id = form::encode_component("my client/1");
        let value = basic_authorization(&client_id, &ClientSecret::new("p+ss:w/rd=%"));
        assert_eq!(
            value,
            "Basic bXkrY2xpZW50JTJGMTpwJTJCc3MlM0F3JTJGcmQlM0QlMjU="
        );
        assert!(value.is_sensitive());
    }
}
