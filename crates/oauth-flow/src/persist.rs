//! Every state as one storable value, in a versioned envelope.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use zeroize::Zeroizing;

use crate::authorized::{Authorized, Expired};
use crate::awaiting::AwaitingCallback;
use crate::discovered::Discovered;
use crate::discovering::Discovering;
use crate::error::PersistError;
use crate::exchanging::Exchanging;
use crate::refreshing::Refreshing;
use crate::revoking::{Revoked, Revoking};

/// The snapshot format this library writes and reads.
pub const SNAPSHOT_VERSION: u64 = 1;

/// The largest snapshot [`FlowState::from_snapshot`] reads: 4 MiB.
pub const MAX_SNAPSHOT_BYTES: usize = 4 << 20;

const FORMAT: &str = "oauth-flow/state";

/// Any state of a flow, for storage, inspection and tests.
///
/// ```
/// # use oauth_flow::{ClientConfig, Discovering, FlowState};
/// let client = ClientConfig::new("cli", "http://127.0.0.1:8976/callback")?;
/// let state = FlowState::from(Discovering::new("https://as.example.com", client)?);
/// let text = state.to_snapshot()?;              // store it (it may hold secrets)
/// let back = FlowState::from_snapshot(&text)?;  // in another process, later
/// assert_eq!(back.name(), "Discovering");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", content = "data", rename_all = "snake_case")]
#[non_exhaustive]
pub enum FlowState {
    /// See [`Discovering`].
    Discovering(Discovering),
    /// See [`Discovered`].
    Discovered(Discovered),
    /// See [`AwaitingCallback`].
    AwaitingCallback(AwaitingCallback),
    /// See [`Exchanging`].
    Exchanging(Exchanging),
    /// See [`Authorized`].
    Authorized(Authorized),
    /// See [`Expired`].
    Expired(Expired),
    /// See [`Refreshing`].
    Refreshing(Refreshing),
    /// See [`Revoking`].
    Revoking(Revoking),
    /// See [`Revoked`].
    Revoked(Revoked),
}

#[derive(Serialize)]
struct EnvelopeOut<'a> {
    format: &'static str,
    version: u64,
    #[serde(flatten)]
    state: &'a FlowState,
}

impl FlowState {
    /// The state's type name, such as `"AwaitingCallback"`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Discovering(_) => "Discovering",
            Self::Discovered(_) => "Discovered",
            Self::AwaitingCallback(_) => "AwaitingCallback",
            Self::Exchanging(_) => "Exchanging",
            Self::Authorized(_) => "Authorized",
            Self::Expired(_) => "Expired",
            Self::Refreshing(_) => "Refreshing",
            Self::Revoking(_) => "Revoking",
            Self::Revoked(_) => "Revoked",
        }
    }

    /// The server and client the state belongs to; `None` while still
    /// discovering.
    pub fn discovered(&self) -> Option<&Discovered> {
        match self {
            Self::Discovering(_) => None,
            Self::Discovered(discovered) => Some(discovered),
            Self::AwaitingCallback(state) => Some(state.discovered()),
            Self::Exchanging(state) => Some(state.discovered()),
            Self::Authorized(state) => Some(state.discovered()),
            Self::Expired(state) => Some(state.discovered()),
            Self::Refreshing(state) => Some(state.discovered()),
            Self::Revoking(state) => Some(state.discovered()),
            Self::Revoked(state) => Some(state.discovered()),
        }
    }

    /// Writes the state as JSON in a versioned envelope. The text holds the
    /// state's secrets (tokens, verifier, client secret) in clear: store it
    /// where only the user can read it. It is zeroized when dropped.
    pub fn to_snapshot(&self) -> Result<Zeroizing<String>, PersistError> {
        let envelope = EnvelopeOut {
            format: FORMAT,
            version: SNAPSHOT_VERSION,
            state: self,
        };
        serde_json::to_string(&envelope)
            .map(Zeroizing::new)
            .map_err(|e| invalid(&e))
    }

    /// Reads a snapshot written by [`to_snapshot`](Self::to_snapshot). A
    /// snapshot of another format version is refused with
    /// [`PersistError::UnsupportedVersion`]; endpoints and configuration are
    /// checked again as they are read.
    pub fn from_snapshot(text: &str) -> Result<Self, PersistError> {
        if text.len() > MAX_SNAPSHOT_BYTES {
            return Err(PersistError::TooLarge {
                limit: MAX_SNAPSHOT_BYTES,
            });
        }
        let Ok(Value::Object(mut envelope)) = serde_json::from_str::<Value>(text) else {
            return Err(PersistError::NotASnapshot);
        };
        if envelope.remove("format").as_ref().and_then(Value::as_str) != Some(FORMAT) {
            return Err(PersistError::NotASnapshot);
        }
        let version = envelope.remove("version").as_ref().and_then(Value::as_u64);
        match version {
            Some(SNAPSHOT_VERSION) => {}
            Some(found) => {
                return Err(PersistError::UnsupportedVersion {
                    found,
                    supported: SNAPSHOT_VERSION,
                });
            }
            None => return Err(PersistError::NotASnapshot),
        }
        serde_json::from_value(Value::Object(envelope)).map_err(|e| invalid(&e))
    }
}

fn invalid(error: &serde_json::Error) -> PersistError {
    let reason = match error.classify() {
        serde_json::error::Category::Data => {
            "a member is missing or has a wrong type or value (a check failed, or a hand edit)"
        }
        serde_json::error::Category::Syntax | serde_json::error::Category::Eof => "not JSON",
        serde_json::error::Category::Io => "unreadable",
    };
    PersistError::Invalid { reason }
}

macro_rules! from_state {
    ($($name:ident),*) => {$(
        impl From<$name> for FlowState {
            fn from(state: $name) -> Self {
                Self::$name(state)
            }
        }
    )*};
}

from_state!(
    Discovering,
    Discovered,
    AwaitingCallback,
    Exchanging,
    Authorized,
    Expired,
    Refreshing,
    Revoking,
    Revoked
);
