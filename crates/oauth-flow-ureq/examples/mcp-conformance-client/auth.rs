//! The authorization seam: what the MCP session asks before each request and
//! tells after each 401 or 403.
//!
//! This file knows nothing of MCP. [`authorizer`] builds the authorizer the
//! client uses; for now that is [`NoAuth`], a placeholder that never
//! authorizes, so every scenario that needs OAuth fails at its first 401.
//! The library's MCP authorization chain (resource metadata, authorization
//! server metadata, client identity, the grant, step-up) plugs in here by
//! replacing this file's body, keeping [`Authorizer`] and [`authorizer`].

use std::error::Error;

use oauth_flow_ureq::Transport;
use oauth_flow_ureq::oauth_flow::http::Response;
use oauth_flow_ureq::oauth_flow::url::Url;
use serde_json::Value;

/// Authorizes the requests of one client session.
pub(crate) trait Authorizer {
    /// The `Authorization` header value for the next request, if any.
    fn authorization(&mut self) -> Option<String>;

    /// The server answered 401 or 403 (the whole response, headers included).
    /// `Ok(true)`: authorized (again), resend the request. `Ok(false)`: give up.
    fn challenged(
        &mut self,
        request_url: &Url,
        response: &Response<Vec<u8>>,
    ) -> Result<bool, Box<dyn Error>>;
}

/// The authorizer for one run of the client.
///
/// `transport` is the one the session sends with (clone it to keep it);
/// `context` is the JSON of `MCP_CONFORMANCE_CONTEXT` when set: client
/// credentials that the scenario registered beforehand.
#[allow(
    clippy::unnecessary_wraps,
    reason = "the library's chain can fail to start; the placeholder cannot"
)]
pub(crate) fn authorizer(
    transport: &Transport,
    context: Option<&Value>,
) -> Result<Box<dyn Authorizer>, Box<dyn Error>> {
    let _ = (transport, context);
    Ok(Box::new(NoAuth))
}

/// Sends no credentials and gives up at the first challenge.
#[derive(Debug)]
pub(crate) struct NoAuth;

impl Authorizer for NoAuth {
    fn authorization(&mut self) -> Option<String> {
        None
    }

    fn challenged(
        &mut self,
        _request_url: &Url,
        _response: &Response<Vec<u8>>,
    ) -> Result<bool, Box<dyn Error>> {
        Ok(false)
    }
}
