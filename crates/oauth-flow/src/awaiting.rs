//! State `AwaitingCallback`: the person is at the authorization server.

use std::fmt;

use serde::{Deserialize, Serialize};
use url::Url;

use crate::discovered::{AuthorizeParams, Discovered};
use crate::error::{CallbackError, OAuthError, Rejected};
use crate::exchanging::Exchanging;
use crate::form;
use crate::secret::{AuthorizationCode, CodeVerifier, CsrfState};

/// The longest redirect URL [`AwaitingCallback::handle_callback`] reads: 16 KiB.
/// Real callbacks are a few hundred bytes; error descriptions can be longer.
pub const MAX_CALLBACK_BYTES: usize = 16 * 1024;

/// Waiting for the authorization server to redirect back.
///
/// Show [`authorization_url`](Self::authorization_url) to the person, catch
/// the redirect to the `redirect_uri`, and pass its URL to
/// [`handle_callback`](Self::handle_callback). Not `Clone`: one authorization
/// request yields at most one code exchange.
#[derive(PartialEq, Serialize, Deserialize)]
pub struct AwaitingCallback {
    discovered: Discovered,
    state: CsrfState,
    code_verifier: CodeVerifier,
    params: AuthorizeParams,
    authorization_url: Url,
}

impl fmt::Debug for AwaitingCallback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The URL's query holds `state`: show the endpoint only.
        let mut endpoint = self.authorization_url.clone();
        endpoint.set_query(None);
        f.debug_struct("AwaitingCallback")
            .field("discovered", &self.discovered)
            .field("state", &self.state)
            .field("code_verifier", &self.code_verifier)
            .field("params", &self.params)
            .field("authorization_endpoint", &endpoint.as_str())
            .finish()
    }
}

/// Tells, without using the flow, whether a redirect carries this flow's
/// `state`: what a loopback receiver needs to ignore stray or forged
/// requests and keep waiting for the real one. `Send`, `Sync`, `'static`, and
/// its `Debug` shows no secret.
#[derive(Clone, Debug)]
pub struct CallbackFilter {
    state: CsrfState,
}

impl CallbackFilter {
    /// Whether `redirect` decodes, repeats no parameter, and carries this
    /// flow's `state` (compared in constant time). Only such a redirect can
    /// get past the first checks of
    /// [`AwaitingCallback::handle_callback`].
    pub fn accepts(&self, redirect: &str) -> bool {
        read_params(redirect)
            .is_ok_and(|params| params.get("state").is_some_and(|s| self.state.matches(s)))
    }
}

/// The parameters of one callback, each at most once.
struct CallbackParams<'a>(Vec<form::Pair<'a>>);

impl CallbackParams<'_> {
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_ref())
    }
}

impl AwaitingCallback {
    pub(crate) fn new(
        discovered: Discovered,
        state: CsrfState,
        code_verifier: CodeVerifier,
        params: AuthorizeParams,
        authorization_url: Url,
    ) -> Self {
        Self {
            discovered,
            state,
            code_verifier,
            params,
            authorization_url,
        }
    }

    /// A filter that recognises this flow's callback, for a receiver that
    /// must keep waiting through stray requests.
    pub fn callback_filter(&self) -> CallbackFilter {
        CallbackFilter {
            state: self.state.clone(),
        }
    }

    /// The URL to show the person.
    pub fn authorization_url(&self) -> &Url {
        &self.authorization_url
    }

    /// Where the server will redirect back to.
    pub fn redirect_uri(&self) -> &Url {
        self.discovered.client().redirect_uri()
    }

    /// The server and client this flow belongs to.
    pub fn discovered(&self) -> &Discovered {
        &self.discovered
    }

    /// Reads the redirect back from the server: the full URL the browser was
    /// sent to, or just its query (with or without the leading `?`).
    ///
    /// The checks run in this order, and the code is used only if all pass:
    /// 1. the query decodes as a form (a malformed `%` escape is an error) and
    ///    names no parameter twice (RFC 6749 §3.1);
    /// 2. `state` is present and equal to this flow's, compared in constant
    ///    time (RFC 6749 §10.12);
    /// 3. `iss` equals the issuer whenever it is present, and is required when
    ///    the server advertises it (RFC 9207 §2.4);
    /// 4. an `error` becomes [`CallbackError::Authorization`], with the
    ///    server's text; so a forged callback can never show its own text;
    /// 5. `code` must be present.
    ///
    /// When the callback fails steps 1 or 2 it did not come from this flow's
    /// request (a stray or forged request), so the rejection hands this state
    /// back, still waiting. After that the `state` has been seen and the flow
    /// ends: the rejection holds `None`.
    pub fn handle_callback(
        self,
        redirect: &str,
    ) -> Result<Exchanging, Rejected<Option<Self>, CallbackError>> {
        let params = match read_params(redirect) {
            Ok(params) => params,
            Err(error) => return Err(Rejected::new(Some(self), error)),
        };
        match params.get("state") {
            None => return Err(Rejected::new(Some(self), CallbackError::StateMissing)),
            Some(state) if !self.state.matches(state) => {
                return Err(Rejected::new(Some(self), CallbackError::StateMismatch));
            }
            Some(_) => {}
        }
        match self.finish(&params) {
            Ok(code) => {
                tracing::debug!(state = "Exchanging", "callback accepted");
                Ok(Exchanging::new(
                    self.discovered,
                    code,
                    self.code_verifier,
                    self.params,
                ))
            }
            Err(error) => Err(Rejected::new(None, error)),
        }
    }

    fn finish(&self, params: &CallbackParams<'_>) -> Result<AuthorizationCode, CallbackError> {
        let metadata = self.discovered.metadata();
        let expected = &metadata.issuer;
        // RFC 9207 §2.4: an exact comparison, against the issuer of the
        // metadata the flow used.
        match params.get("iss") {
            Some(found) if found != expected => {
                return Err(CallbackError::IssuerMismatch {
                    expected: expected.clone(),
                    found: found.into(),
                });
            }
            None if metadata.authorization_response_iss_parameter_supported => {
                return Err(CallbackError::IssuerMissing {
                    expected: expected.clone(),
                });
            }
            _ => {}
        }
        if let Some(error) = params.get("error") {
            return Err(CallbackError::Authorization(OAuthError {
                error: error.into(),
                error_description: params.get("error_description").map(Into::into),
                error_uri: params.get("error_uri").map(Into::into),
            }));
        }
        match params.get("code") {
            Some(code) if !code.is_empty() => Ok(AuthorizationCode::new(code)),
            _ => Err(CallbackError::CodeMissing),
        }
    }
}

fn read_params(redirect: &str) -> Result<CallbackParams<'_>, CallbackError> {
    if redirect.len() > MAX_CALLBACK_BYTES {
        return Err(CallbackError::TooLong {
            limit: MAX_CALLBACK_BYTES,
        });
    }
    let without_fragment = redirect
        .split_once('#')
        .map_or(redirect, |(before, _)| before);
    let query = match without_fragment.split_once('?') {
        Some((_, query)) => query,
        // No `?`: a URL without a query (nothing to read), or a bare query,
        // which may hold an unescaped `://` in a value (`iss=https://...`).
        None if is_url_without_query(without_fragment) => "",
        None => without_fragment,
    };
    let pairs = form::decode(query).map_err(CallbackError::Malformed)?;
    for (i, (name, _)) in pairs.iter().enumerate() {
        if pairs[..i].iter().any(|(earlier, _)| earlier == name) {
            return Err(CallbackError::DuplicateParameter {
                name: name.clone().into_owned(),
            });
        }
    }
    Ok(CallbackParams(pairs))
}

/// `scheme://…` before any `=` or `&`: a URL, not a query.
fn is_url_without_query(text: &str) -> bool {
    text.split_once("://")
        .is_some_and(|(scheme, _)| !scheme.is_empty() && !scheme.contains(['=', '&']))
}
