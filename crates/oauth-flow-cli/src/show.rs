//! What the commands print: summaries without secrets, in words or JSON.

use std::path::Path;
use std::time::SystemTime;

use oauth_flow::{FlowState, TokenSet};
use serde::Serialize;

use crate::keyring::{EntryName, Keyring};
use crate::store::Place;

/// A stored login as `status`, `login` and `refresh` show it. No secret.
#[derive(Debug, Serialize)]
pub(crate) struct Summary {
    profile: String,
    issuer: String,
    client_id: String,
    /// `authorized` or `expired`.
    state: &'static str,
    scopes: Vec<String>,
    resources: Vec<String>,
    /// RFC 3339, UTC; `null` when the server gave no lifetime.
    expires_at: Option<String>,
    /// Seconds from now; negative once expired.
    expires_in: Option<i64>,
    refresh_token: bool,
    auth_method: &'static str,
    /// Where the tokens are kept: `file` or `keyring`.
    #[serde(skip_serializing_if = "Option::is_none")]
    stored_in: Option<&'static str>,
    /// The profile's file: the tokens, or for `keyring` the tokens sealed.
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<String>,
    /// For `keyring`, the OS keyring entry that holds the file's key.
    #[serde(skip_serializing_if = "Option::is_none")]
    keyring_entry: Option<EntryName>,
}

impl Summary {
    /// `None` for states that hold no tokens.
    pub(crate) fn of(profile: &str, state: &FlowState, now: SystemTime) -> Option<Self> {
        let (tokens, discovered, resources, fresh) = match state {
            FlowState::Authorized(a) => (
                a.tokens(),
                a.discovered(),
                a.resources(),
                a.bearer(now).is_ok(),
            ),
            FlowState::Expired(e) => (e.tokens(), e.discovered(), e.resources(), false),
            _ => return None,
        };
        Some(Self {
            profile: profile.to_owned(),
            issuer: discovered.metadata().issuer.clone(),
            client_id: discovered.client().client_id().to_owned(),
            state: if fresh { "authorized" } else { "expired" },
            scopes: tokens.scopes().to_vec(),
            resources: resources.to_vec(),
            expires_at: tokens
                .expires_at()
                .and_then(|t| jiff::Timestamp::try_from(t).ok())
                .map(|t| t.to_string()),
            expires_in: expires_in(tokens, now),
            refresh_token: tokens.refresh_token().is_some(),
            auth_method: discovered.auth_method().as_str(),
            stored_in: None,
            file: None,
            keyring_entry: None,
        })
    }

    /// Adds where the profile keeps its tokens.
    #[must_use]
    pub(crate) fn stored(mut self, place: &Place, file: &Path) -> Self {
        self.stored_in = Some(place.as_str());
        self.file = Some(file.display().to_string());
        self.keyring_entry = match place {
            Place::File => None,
            Place::Keyring(entry) => Some(entry.clone()),
        };
        self
    }

    pub(crate) fn print(&self, json: bool) {
        if json {
            // A struct of strings and numbers always serializes.
            outln!("{}", serde_json::to_string_pretty(self).unwrap_or_default());
            return;
        }
        outln!("profile:        {}", self.profile);
        outln!("issuer:         {}", self.issuer);
        let authentication = match self.auth_method {
            "none" => "public client, no secret",
            "client_secret_basic" => "secret sent with HTTP Basic",
            "client_secret_post" => "secret sent in the form",
            other => other,
        };
        outln!("client:         {} ({authentication})", self.client_id);
        outln!("state:          {}", self.state);
        outln!(
            "scopes:         {}",
            or_none(&printable(&self.scopes.join(" ")))
        );
        if !self.resources.is_empty() {
            outln!("resources:      {}", printable(&self.resources.join(" ")));
        }
        outln!("expires:        {}", self.expiry_in_words());
        outln!(
            "refresh token:  {}",
            if self.refresh_token { "yes" } else { "no" }
        );
        if let Some(file) = &self.file {
            match &self.keyring_entry {
                None => outln!("stored:         in {file}"),
                Some(entry) => outln!(
                    "stored:         in {file}, sealed with a key in {} ({})",
                    Keyring::SYSTEM,
                    printable(&entry.to_string())
                ),
            }
        }
    }

    fn expiry_in_words(&self) -> String {
        let (Some(at), Some(seconds)) = (&self.expires_at, self.expires_in) else {
            return "unknown (the server gave no lifetime)".into();
        };
        let local = match at.parse::<jiff::Timestamp>() {
            Ok(t) => {
                let zoned = t.to_zoned(jiff::tz::TimeZone::system());
                zoned.strftime("%Y-%m-%d %H:%M:%S %Z").to_string()
            }
            Err(_) => at.clone(),
        };
        if seconds >= 0 {
            format!("{local} (in {})", duration_in_words(seconds.unsigned_abs()))
        } else {
            format!(
                "{local} ({} ago)",
                duration_in_words(seconds.unsigned_abs())
            )
        }
    }
}

fn expires_in(tokens: &TokenSet, now: SystemTime) -> Option<i64> {
    let at = tokens.expires_at()?;
    let seconds = |d: std::time::Duration| i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
    Some(match at.duration_since(now) {
        Ok(ahead) => seconds(ahead),
        Err(behind) => -seconds(behind.duration()),
    })
}

pub(crate) fn duration_in_words(seconds: u64) -> String {
    match seconds {
        0..60 => format!("{seconds} s"),
        60..3600 => format!("{} min", seconds / 60),
        3600..86_400 => format!("{} h {} min", seconds / 3600, seconds % 3600 / 60),
        _ => format!("{} days", seconds / 86_400),
    }
}

fn or_none(text: &str) -> &str {
    if text.is_empty() { "(none)" } else { text }
}

/// Server-supplied text with control and direction-changing characters
/// replaced, so it cannot rewrite the terminal.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| {
            let bidi = matches!(
                c,
                '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
            );
            if c.is_control() || bidi {
                '\u{fffd}'
            } else {
                c
            }
        })
        .collect()
}
