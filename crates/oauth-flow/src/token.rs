//! Token responses (RFC 6749 §5) and the tokens they carry.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::Response;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::config::{ClientConfig, Leniency};
use crate::error::{OAuthError, TokenError};
use crate::response::{MAX_BODY_BYTES, Received};
use crate::secret::{AccessToken, IdToken, RefreshToken};

/// The kind of access token (RFC 6749 §7.1), compared case-insensitively.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum TokenType {
    /// `Bearer` (RFC 6750), in whatever case the server wrote it.
    Bearer,
    /// Any other type (`DPoP`, `mac`, ...), as written. Never sent as Bearer.
    Other(String),
}

impl From<String> for TokenType {
    fn from(name: String) -> Self {
        if name.eq_ignore_ascii_case("bearer") {
            Self::Bearer
        } else {
            Self::Other(name)
        }
    }
}

impl From<TokenType> for String {
    fn from(kind: TokenType) -> Self {
        match kind {
            TokenType::Bearer => "Bearer".into(),
            TokenType::Other(name) => name,
        }
    }
}

/// A deviation from RFC 6749 §5.1 that the parser accepted. Recorded on the
/// [`TokenSet`] so a caller can see what the server got wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Deviation {
    /// The body was form-encoded, not JSON (GitHub without `Accept`).
    FormEncodedBody,
    /// `expires_in` was a numeric string (Azure AD v1, PayPal).
    ExpiresInString,
    /// `expires_in` had a fraction, which was dropped.
    ExpiresInFraction,
    /// `expires_in` was negative, not a number, or otherwise unusable, and was
    /// ignored: the expiry is unknown.
    ExpiresInInvalid,
    /// `scope` was an array of strings (Twitch).
    ScopeArray,
    /// `scope` was neither a string nor an array of strings, and was ignored.
    ScopeInvalid,
    /// `refresh_token` was not a string, and was ignored.
    RefreshTokenInvalid,
    /// `token_type` was missing and assumed to be Bearer, as the caller's
    /// [`Leniency::missing_token_type_is_bearer`] allowed.
    TokenTypeAssumed,
}

/// The tokens of an authorized flow, with their expiry.
///
/// Times are whole seconds since the Unix epoch, taken from the `now` the
/// caller passed; nothing here reads a clock.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenSet {
    access_token: AccessToken,
    token_type: TokenType,
    refresh_token: Option<RefreshToken>,
    id_token: Option<IdToken>,
    scopes: Vec<String>,
    scope_as_sent: Option<String>,
    issued_at: u64,
    lifetime: Option<u64>,
    #[serde(default)]
    deviations: Vec<Deviation>,
    #[serde(default)]
    extra: Map<String, Value>,
}

// `scope_as_sent` is left out: `scopes` shows the same.
#[allow(clippy::missing_fields_in_debug)]
impl fmt::Debug for TokenSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSet")
            .field("access_token", &self.access_token)
            .field("token_type", &self.token_type)
            .field("refresh_token", &self.refresh_token)
            .field("id_token", &self.id_token)
            .field("scopes", &self.scopes)
            .field("issued_at", &self.issued_at)
            .field("lifetime", &self.lifetime)
            .field("deviations", &self.deviations)
            // Vendor members may hold secrets too; show their names only.
            .field("extra", &self.extra.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl TokenSet {
    /// The access token.
    pub fn access_token(&self) -> &AccessToken {
        &self.access_token
    }

    /// The token type the server named.
    pub fn token_type(&self) -> &TokenType {
        &self.token_type
    }

    /// The refresh token, if the server issued one (and, after a refresh
    /// without a new one, the one kept from before).
    pub fn refresh_token(&self) -> Option<&RefreshToken> {
        self.refresh_token.as_ref()
    }

    /// The OpenID Connect ID token, unvalidated, if one came.
    pub fn id_token(&self) -> Option<&IdToken> {
        self.id_token.as_ref()
    }

    /// The granted scopes: the response's `scope` split on spaces, or the
    /// requested scopes when the response has none (RFC 6749 §5.1).
    pub fn scopes(&self) -> &[String] {
        &self.scopes
    }

    /// The response's `scope` string exactly as sent, for servers that
    /// separate scopes with commas (GitHub).
    pub fn scope_as_sent(&self) -> Option<&str> {
        self.scope_as_sent.as_deref()
    }

    /// When the access token was received.
    pub fn issued_at(&self) -> SystemTime {
        to_time(self.issued_at)
    }

    /// When the access token expires, if the server said (`expires_in`) or a
    /// default lifetime was configured. `None`: unknown.
    pub fn expires_at(&self) -> Option<SystemTime> {
        self.lifetime.map(|lifetime| {
            to_time(
                self.issued_at
                    .saturating_add(lifetime.min(MAX_LIFETIME_SECS)),
            )
        })
    }

    /// What the server got wrong that the parser let through.
    pub fn deviations(&self) -> &[Deviation] {
        &self.deviations
    }

    /// Members of the response this library does not interpret.
    pub fn extra(&self) -> &Map<String, Value> {
        &self.extra
    }

    /// Whether the token counts as fresh at `now`: its expiry is unknown, or
    /// `now` is before the expiry minus the skew margin. The margin is capped at
    /// half the lifetime, so a short-lived token is not born expired.
    pub(crate) fn is_fresh(&self, now: SystemTime, skew_secs: u64) -> bool {
        let Some(lifetime) = self.lifetime.map(|l| l.min(MAX_LIFETIME_SECS)) else {
            return true;
        };
        let margin = skew_secs.min(lifetime / 2);
        let refresh_at = self
            .issued_at
            .saturating_add(lifetime)
            .saturating_sub(margin);
        unix_seconds(now) < refresh_at
    }

    pub(crate) fn drop_refresh_token(&mut self) {
        self.refresh_token = None;
    }

    /// Folds a refresh response into the previous tokens (RFC 6749 §6): a new
    /// refresh token replaces the old one, an absent one keeps it. (An absent
    /// `scope` already defaulted to the granted scopes, which a refresh asks
    /// for again.) The expiry is never carried over: a response without
    /// `expires_in` has an unknown (or default) lifetime.
    pub(crate) fn merge_refreshed(self, mut new: TokenSet) -> TokenSet {
        if new.refresh_token.is_none() {
            new.refresh_token = self.refresh_token;
        }
        if new.id_token.is_none() {
            new.id_token = self.id_token;
        }
        new
    }
}

pub(crate) fn unix_seconds(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs())
}

/// The longest lifetime believed: 100 years. A server that says more (or
/// `u64::MAX`) means "does not expire"; the cap keeps every expiry a real
/// date instead of an overflow.
pub const MAX_LIFETIME_SECS: u64 = 100 * 365 * 24 * 3600;

fn to_time(seconds: u64) -> SystemTime {
    UNIX_EPOCH
        .checked_add(Duration::from_secs(seconds))
        .unwrap_or(UNIX_EPOCH)
}

/// Reads a token endpoint response.
///
/// The body decides, not the status: an `error` member makes it an error
/// whatever the status (GitHub answers errors with 200), and any 2xx carrying
/// a token is a success (some servers answer 201). JSON is read whatever the
/// content type claims (Kanidm labels it `text/plain`); a form-encoded body is
/// read when labelled as such (GitHub).
pub(crate) fn parse_token_response<B: AsRef<[u8]>>(
    response: &Response<B>,
    now: SystemTime,
    requested_scopes: &[String],
    client: &ClientConfig,
) -> Result<TokenSet, TokenError> {
    let received = Received::of(response);
    if received.status.is_redirection() {
        return Err(TokenError::Redirect {
            status: received.status.as_u16(),
            location: received.location,
        });
    }
    if received.too_large() {
        return Err(TokenError::BodyTooLarge {
            limit: MAX_BODY_BYTES,
        });
    }
    let object = received.object();
    if let Some(error) = object.as_ref().and_then(OAuthError::from_object) {
        return Err(TokenError::Server(error));
    }
    let (Some(object), true) = (object, received.status.is_success()) else {
        return Err(TokenError::UnexpectedResponse {
            status: received.status.as_u16(),
            content_type: received.content_type.clone(),
            excerpt: received.excerpt(),
        });
    };

    let mut deviations = Vec::new();
    if !received.body.trim_ascii_start().starts_with(b"{") {
        deviations.push(Deviation::FormEncodedBody);
    }
    let mut tokens = read_members(object, client.lenient(), &mut deviations)?;
    tokens.issued_at = unix_seconds(now);
    tokens.lifetime = tokens.lifetime.or(client.default_lifetime_secs());
    if tokens.scope_as_sent.is_none() && !deviations.contains(&Deviation::ScopeArray) {
        tokens.scopes = requested_scopes.to_vec();
    }
    tokens.deviations = deviations;
    Ok(tokens)
}

fn read_members(
    mut object: Map<String, Value>,
    leniency: Leniency,
    deviations: &mut Vec<Deviation>,
) -> Result<TokenSet, TokenError> {
    let mut take = |name: &str| object.remove(name).filter(|value| !value.is_null());

    let access_token = match take("access_token") {
        None => return Err(TokenError::MissingAccessToken),
        Some(Value::String(token)) if is_vschar_string(&token) => AccessToken::new(token),
        Some(_) => return Err(TokenError::InvalidAccessToken),
    };
    let token_type = match take("token_type") {
        Some(Value::String(name)) => TokenType::from(name),
        Some(_) => return Err(TokenError::InvalidTokenType),
        None if leniency.missing_token_type_is_bearer => {
            deviations.push(Deviation::TokenTypeAssumed);
            TokenType::Bearer
        }
        None => return Err(TokenError::MissingTokenType),
    };
    let lifetime = take("expires_in").and_then(|value| expires_in(&value, deviations));
    let refresh_token = match take("refresh_token") {
        Some(Value::String(token)) if !token.is_empty() => Some(RefreshToken::new(token)),
        Some(Value::String(_)) | None => None,
        Some(_) => {
            deviations.push(Deviation::RefreshTokenInvalid);
            None
        }
    };
    let id_token = match take("id_token") {
        Some(Value::String(token)) => Some(IdToken::new(token)),
        _ => None,
    };
    let (scopes, scope_as_sent) = match take("scope") {
        None => (Vec::new(), None),
        Some(Value::String(text)) => (split_scope(&text), Some(text)),
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => {
            deviations.push(Deviation::ScopeArray);
            (
                items
                    .iter()
                    .filter_map(Value::as_str)
                    .flat_map(split_scope)
                    .collect(),
                None,
            )
        }
        Some(_) => {
            deviations.push(Deviation::ScopeInvalid);
            (Vec::new(), None)
        }
    };

    Ok(TokenSet {
        access_token,
        token_type,
        refresh_token,
        id_token,
        scopes,
        scope_as_sent,
        issued_at: 0,
        lifetime,
        deviations: Vec::new(),
        extra: object,
    })
}

fn split_scope(text: &str) -> Vec<String> {
    text.split(' ')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// RFC 6749 Appendix A.12 allows `1*VSCHAR`, space included, but a token with
/// a space cannot follow `Bearer ` in a header (RFC 6750 §2.1): visible ASCII
/// without the space. This also makes `Bearer <token>` a valid header value.
fn is_vschar_string(token: &str) -> bool {
    !token.is_empty() && token.bytes().all(|b| (0x21..=0x7e).contains(&b))
}

/// `expires_in` as a number of seconds: an integer, a numeric string, or a
/// finite non-negative fraction (floored). Anything else is recorded and
/// ignored, so one bad optional member does not lose a usable token.
fn expires_in(value: &Value, deviations: &mut Vec<Deviation>) -> Option<u64> {
    let parsed = match value {
        Value::Number(number) => number.as_u64().or_else(|| {
            let float = number.as_f64().filter(|f| f.is_finite() && *f >= 0.0)?;
            deviations.push(Deviation::ExpiresInFraction);
            // Saturating float-to-int conversion; the value is finite and >= 0.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            Some(float.floor() as u64)
        }),
        Value::String(text) if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) => {
            deviations.push(Deviation::ExpiresInString);
            Some(text.parse().unwrap_or(u64::MAX))
        }
        _ => None,
    };
    if parsed.is_none() {
        deviations.push(Deviation::ExpiresInInvalid);
    }
    parsed
}
