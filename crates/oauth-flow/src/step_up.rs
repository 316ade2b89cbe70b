//! What a protected resource's answer means for the client, and scope
//! step-up (RFC 6750 §3.1, the MCP authorization profile).

use http::{Response, StatusCode};

use crate::challenge::{BearerChallenge, ChallengeError};

/// How a protected resource answered a request, read for what to do next.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResourceAnswer {
    /// Anything but 401 or 403: the token was accepted, or the failure has
    /// nothing to do with authorization.
    Accepted,
    /// 401: no token, or one the resource refused. Without a token, start
    /// the chain ([`ResourceChain`](crate::ResourceChain)) with this
    /// challenge; with one, call [`Authorized::reject`](crate::Authorized::reject)
    /// and refresh, or authorize again.
    Unauthorized(Option<BearerChallenge>),
    /// 403 with `error="insufficient_scope"`: authorize again with more
    /// scopes ([`ScopeStepUp`]).
    InsufficientScope(BearerChallenge),
    /// Any other 403: the token is good but not allowed to do this. More
    /// authorization will not help.
    Forbidden(Option<BearerChallenge>),
}

impl ResourceAnswer {
    /// Reads the status and the `WWW-Authenticate` fields of a resource's
    /// response. A malformed challenge is an error: its parameters cannot be
    /// trusted to mean what they seem.
    pub fn of<B>(response: &Response<B>) -> Result<Self, ChallengeError> {
        let status = response.status();
        if status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN {
            return Ok(Self::Accepted);
        }
        let challenge = BearerChallenge::from_headers(response.headers())?;
        if status == StatusCode::UNAUTHORIZED {
            return Ok(Self::Unauthorized(challenge));
        }
        Ok(match challenge {
            Some(challenge) if challenge.error.as_deref() == Some("insufficient_scope") => {
                Self::InsufficientScope(challenge)
            }
            other => Self::Forbidden(other),
        })
    }
}

/// The default bound on authorizations for one resource, the first one
/// included: the MCP profile's step-up gives up after three.
pub const DEFAULT_MAX_AUTHORIZATIONS: u32 = 3;

/// Scope step-up: after a 403 `insufficient_scope`, authorize again with the
/// scopes held so far and those the challenge asks for. Gives up when the
/// challenge asks for nothing new (another authorization would get the same
/// token) or after a bounded number of authorizations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScopeStepUp {
    scopes: Vec<String>,
    authorizations: u32,
    max: u32,
}

impl ScopeStepUp {
    /// After a first authorization with `scopes`.
    pub fn new(scopes: &[String]) -> Self {
        Self {
            scopes: scopes.to_vec(),
            authorizations: 1,
            max: DEFAULT_MAX_AUTHORIZATIONS,
        }
    }

    /// Allows `max` authorizations in all (at least one).
    #[must_use]
    pub fn max_authorizations(mut self, max: u32) -> Self {
        self.max = max.max(1);
        self
    }

    /// The scopes asked for so far.
    pub fn scopes(&self) -> &[String] {
        &self.scopes
    }

    /// The scopes for the next authorization, given the 403's challenge:
    /// the union of those held and those asked for, in that order.
    pub fn next(&mut self, challenge: &BearerChallenge) -> Result<Vec<String>, StepUpError> {
        let asked = challenge.scope.as_deref().unwrap_or_default();
        let mut union = self.scopes.clone();
        for scope in asked.split(' ').filter(|s| !s.is_empty()) {
            if !union.iter().any(|held| held == scope) {
                union.push(scope.to_owned());
            }
        }
        if union.len() == self.scopes.len() {
            return Err(StepUpError::NothingNew {
                scopes: self.scopes.clone(),
            });
        }
        if self.authorizations >= self.max {
            return Err(StepUpError::TooManyAuthorizations {
                authorizations: self.authorizations,
            });
        }
        self.authorizations += 1;
        self.scopes.clone_from(&union);
        Ok(union)
    }
}

/// Why step-up stops.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StepUpError {
    /// The challenge asks for no scope that was not already asked for:
    /// authorizing again would not help. The resource may need a scope the
    /// person declined, or a role the account lacks.
    #[error("the resource asks for no new scope (already asked for {scopes:?})")]
    NothingNew {
        /// The scopes asked for so far.
        scopes: Vec<String>,
    },
    /// The bound on authorizations is reached.
    #[error("gave up after {authorizations} authorizations for more scope")]
    TooManyAuthorizations {
        /// How many were made.
        authorizations: u32,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn challenge(scope: &str) -> BearerChallenge {
        BearerChallenge {
            scheme: "Bearer".into(),
            error: Some("insufficient_scope".into()),
            scope: Some(scope.into()),
            ..BearerChallenge::default()
        }
    }

    fn respond(status: u16, challenge: Option<&str>) -> Response<()> {
        let mut builder = Response::builder().status(status);
        if let Some(value) = challenge {
            builder = builder.header("www-authenticate", value);
        }
        builder.body(()).unwrap()
    }

    #[test]
    fn step_up_asks_for_the_union_of_old_and_new_scopes() {
        let mut step_up = ScopeStepUp::new(&["read".into()]);
        assert_eq!(
            step_up.next(&challenge("write read")).unwrap(),
            ["read", "write"]
        );
        assert_eq!(step_up.scopes(), ["read", "write"]);
    }

    #[test]
    fn step_up_stops_when_nothing_new_is_asked() {
        let mut step_up = ScopeStepUp::new(&["read".into(), "write".into()]);
        assert!(matches!(
            step_up.next(&challenge("write")),
            Err(StepUpError::NothingNew { .. })
        ));
    }

    #[test]
    fn step_up_stops_after_three_authorizations_by_default() {
        let mut step_up = ScopeStepUp::new(&[]);
        assert!(step_up.next(&challenge("a")).is_ok());
        assert!(step_up.next(&challenge("b")).is_ok());
        assert_eq!(
            step_up.next(&challenge("c")),
            Err(StepUpError::TooManyAuthorizations { authorizations: 3 })
        );
    }

    #[test]
    fn answers_are_read_from_status_and_challenge() {
        assert_eq!(
            ResourceAnswer::of(&respond(200, None)),
            Ok(ResourceAnswer::Accepted)
        );
        assert_eq!(
            ResourceAnswer::of(&respond(500, None)),
            Ok(ResourceAnswer::Accepted)
        );
        assert_eq!(
            ResourceAnswer::of(&respond(401, None)),
            Ok(ResourceAnswer::Unauthorized(None))
        );
        let scoped = r#"Bearer error="insufficient_scope", scope="files:write""#;
        let Ok(ResourceAnswer::InsufficientScope(found)) =
            ResourceAnswer::of(&respond(403, Some(scoped)))
        else {
            panic!("a 403 with insufficient_scope is a step-up")
        };
        assert_eq!(found.scope.as_deref(), Some("files:write"));
        assert!(matches!(
            ResourceAnswer::of(&respond(403, Some(r#"Bearer error="forbidden""#))),
            Ok(ResourceAnswer::Forbidden(Some(_)))
        ));
        assert!(ResourceAnswer::of(&respond(401, Some(r#"Bearer scope="a", scope="b""#))).is_err());
    }
}
