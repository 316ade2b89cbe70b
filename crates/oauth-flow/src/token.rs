//! Token responses (RFC 6749 §5) and the tokens they carry.

use std::borrow::Cow;
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
        Self::named(Cow::Owned(name))
    }
}

impl TokenType {
    /// The type `name` stands for; copied only when it is not Bearer.
    fn named(name: Cow<'_, str>) -> Self {
        if name.eq_ignore_ascii_case("bearer") {
            Self::Bearer
        } else {
            Self::Other(name.into_owned())
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
            location: received.location(),
        });
    }
    if received.too_large() {
        return Err(TokenError::BodyTooLarge {
            limit: MAX_BODY_BYTES,
        });
    }
    // JSON whatever the content type says, else a form when labelled so.
    let mut members =
        Members::from_json(received.body).or_else(|| received.form_object().map(Members::from_map));
    if let Some(error) = members.as_mut().and_then(Members::take_error) {
        return Err(TokenError::Server(error));
    }
    let (Some(members), true) = (members, received.status.is_success()) else {
        return Err(TokenError::UnexpectedResponse {
            status: received.status.as_u16(),
            content_type: received.content_type().map(Cow::into_owned),
            excerpt: received.excerpt(),
        });
    };

    let mut deviations = Vec::new();
    if !received.body.trim_ascii_start().starts_with(b"{") {
        deviations.push(Deviation::FormEncodedBody);
    }
    let mut tokens = read_members(members, client.lenient(), &mut deviations)?;
    tokens.issued_at = unix_seconds(now);
    tokens.lifetime = tokens.lifetime.or(client.default_lifetime_secs());
    if tokens.scope_as_sent.is_none() && !deviations.contains(&Deviation::ScopeArray) {
        tokens.scopes = requested_scopes.to_vec();
    }
    tokens.deviations = deviations;
    Ok(tokens)
}

/// The members of a token or error response (RFC 6749 §5.1, §5.2), each in its
/// own slot, as sent (`null` included); every other member in `extra`.
///
/// Read straight from the JSON body, without building a map of it first: a
/// token response is read on every exchange and refresh. Like the map it
/// replaces, it refuses a body that names any member twice.
#[derive(Default)]
#[cfg_attr(test, derive(Debug, PartialEq))]
struct Members<'a> {
    access_token: Option<Member<'a>>,
    token_type: Option<Member<'a>>,
    expires_in: Option<Member<'a>>,
    refresh_token: Option<Member<'a>>,
    id_token: Option<Member<'a>>,
    scope: Option<Member<'a>>,
    error: Option<Member<'a>>,
    error_description: Option<Member<'a>>,
    error_uri: Option<Member<'a>>,
    extra: Map<String, Value>,
}

/// A member's value: text borrowed from the body where it holds no escape (a
/// token is copied once, into its own type; a `token_type` of `Bearer` never
/// is), any other JSON value as it is.
#[cfg_attr(test, derive(Debug, PartialEq))]
enum Member<'a> {
    Text(Cow<'a, str>),
    Json(Value),
}

impl Member<'_> {
    fn of(value: Value) -> Self {
        match value {
            Value::String(text) => Self::Text(Cow::Owned(text)),
            other => Self::Json(other),
        }
    }

    fn into_value(self) -> Value {
        match self {
            Self::Text(text) => Value::String(text.into_owned()),
            Self::Json(value) => value,
        }
    }

    fn is_null(&self) -> bool {
        matches!(self, Self::Json(Value::Null))
    }
}

impl<'de> Deserialize<'de> for Member<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};

        struct Visitor;

        // Each scalar becomes the `Value` serde_json's own visitor makes of it.
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Member<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }

            fn visit_borrowed_str<E>(self, text: &'de str) -> Result<Member<'de>, E> {
                Ok(Member::Text(Cow::Borrowed(text)))
            }

            fn visit_str<E>(self, text: &str) -> Result<Member<'de>, E> {
                Ok(Member::Text(Cow::Owned(text.to_owned())))
            }

            fn visit_string<E>(self, text: String) -> Result<Member<'de>, E> {
                Ok(Member::Text(Cow::Owned(text)))
            }

            fn visit_unit<E>(self) -> Result<Member<'de>, E> {
                Ok(Member::Json(Value::Null))
            }

            fn visit_none<E>(self) -> Result<Member<'de>, E> {
                Ok(Member::Json(Value::Null))
            }

            fn visit_bool<E>(self, flag: bool) -> Result<Member<'de>, E> {
                Ok(Member::Json(Value::Bool(flag)))
            }

            fn visit_i64<E>(self, number: i64) -> Result<Member<'de>, E> {
                Ok(Member::Json(Value::from(number)))
            }

            fn visit_u64<E>(self, number: u64) -> Result<Member<'de>, E> {
                Ok(Member::Json(Value::from(number)))
            }

            fn visit_f64<E>(self, number: f64) -> Result<Member<'de>, E> {
                Ok(Member::Json(Value::from(number)))
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                items: A,
            ) -> Result<Member<'de>, A::Error> {
                Value::deserialize(SeqAccessDeserializer::new(items)).map(Member::Json)
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                members: A,
            ) -> Result<Member<'de>, A::Error> {
                Value::deserialize(MapAccessDeserializer::new(members)).map(Member::Json)
            }
        }

        deserializer.deserialize_any(Visitor)
    }
}

/// The names that have a slot in [`Members`].
#[derive(Clone, Copy)]
enum Known {
    AccessToken,
    TokenType,
    ExpiresIn,
    RefreshToken,
    IdToken,
    Scope,
    Error,
    ErrorDescription,
    ErrorUri,
}

impl Known {
    fn of(name: &str) -> Option<Self> {
        Some(match name {
            "access_token" => Self::AccessToken,
            "token_type" => Self::TokenType,
            "expires_in" => Self::ExpiresIn,
            "refresh_token" => Self::RefreshToken,
            "id_token" => Self::IdToken,
            "scope" => Self::Scope,
            "error" => Self::Error,
            "error_description" => Self::ErrorDescription,
            "error_uri" => Self::ErrorUri,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Self::AccessToken => "access_token",
            Self::TokenType => "token_type",
            Self::ExpiresIn => "expires_in",
            Self::RefreshToken => "refresh_token",
            Self::IdToken => "id_token",
            Self::Scope => "scope",
            Self::Error => "error",
            Self::ErrorDescription => "error_description",
            Self::ErrorUri => "error_uri",
        }
    }
}

/// A member name as read: one with a slot, or any other, kept.
enum Name {
    Known(Known),
    Other(String),
}

impl<'de> Deserialize<'de> for Name {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;

        impl serde::de::Visitor<'_> for Visitor {
            type Value = Name;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a member name")
            }

            // Escapes are decoded before this is called: `access\u005ftoken`
            // is `access_token`.
            fn visit_str<E: serde::de::Error>(self, name: &str) -> Result<Name, E> {
                Ok(Known::of(name).map_or_else(|| Name::Other(name.to_owned()), Name::Known))
            }
        }

        deserializer.deserialize_identifier(Visitor)
    }
}

impl<'de> Deserialize<'de> for Members<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;

        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Members<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object without repeated members")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut access: A,
            ) -> Result<Members<'de>, A::Error> {
                let repeated = || serde::de::Error::custom("a repeated member");
                let mut members = Members::default();
                while let Some(name) = access.next_key::<Name>()? {
                    match name {
                        Name::Known(known) => {
                            let slot = members.slot(known);
                            if slot.is_some() {
                                return Err(repeated());
                            }
                            *slot = Some(access.next_value()?);
                        }
                        Name::Other(name) => {
                            if members.extra.contains_key(&name) {
                                return Err(repeated());
                            }
                            members.extra.insert(name, access.next_value()?);
                        }
                    }
                }
                Ok(members)
            }
        }

        deserializer.deserialize_map(Visitor)
    }
}

impl<'a> Members<'a> {
    /// The body as a JSON object whose members each appear once: two
    /// `access_token`s are ambiguous (two parsers may pick different ones).
    fn from_json(body: &'a [u8]) -> Option<Self> {
        serde_json::from_slice(body).ok()
    }

    /// The members of an already decoded object (a form body).
    fn from_map(object: Map<String, Value>) -> Self {
        let mut members = Self::default();
        for (name, value) in object {
            match Known::of(&name) {
                Some(known) => *members.slot(known) = Some(Member::of(value)),
                None => {
                    members.extra.insert(name, value);
                }
            }
        }
        members
    }

    fn slot(&mut self, known: Known) -> &mut Option<Member<'a>> {
        match known {
            Known::AccessToken => &mut self.access_token,
            Known::TokenType => &mut self.token_type,
            Known::ExpiresIn => &mut self.expires_in,
            Known::RefreshToken => &mut self.refresh_token,
            Known::IdToken => &mut self.id_token,
            Known::Scope => &mut self.scope,
            Known::Error => &mut self.error,
            Known::ErrorDescription => &mut self.error_description,
            Known::ErrorUri => &mut self.error_uri,
        }
    }

    /// The OAuth error (RFC 6749 §5.2) when `error` is a string, taken out of
    /// the members. Descriptions that are not strings are dropped, as in
    /// [`OAuthError::from_object`].
    fn take_error(&mut self) -> Option<OAuthError> {
        let Some(Member::Text(_)) = &self.error else {
            return None;
        };
        let mut text = |known| match self.slot(known).take() {
            Some(Member::Text(text)) => Some(text.into_owned()),
            _ => None,
        };
        Some(OAuthError {
            error: text(Known::Error)?,
            error_description: text(Known::ErrorDescription),
            error_uri: text(Known::ErrorUri),
        })
    }

    /// A slot's value, `null` counting as absent.
    fn take(&mut self, known: Known) -> Option<Member<'a>> {
        self.slot(known).take().filter(|value| !value.is_null())
    }

    /// What is not a token member, as sent: the unknown members, and the
    /// error members of a body whose `error` is not a string.
    fn into_extra(mut self) -> Map<String, Value> {
        for known in [Known::Error, Known::ErrorDescription, Known::ErrorUri] {
            if let Some(value) = self.slot(known).take() {
                self.extra
                    .insert(known.name().to_owned(), value.into_value());
            }
        }
        self.extra
    }
}

fn read_members(
    mut members: Members<'_>,
    leniency: Leniency,
    deviations: &mut Vec<Deviation>,
) -> Result<TokenSet, TokenError> {
    let access_token = match members.take(Known::AccessToken) {
        None => return Err(TokenError::MissingAccessToken),
        Some(Member::Text(token)) if is_vschar_string(&token) => AccessToken::new(token),
        Some(_) => return Err(TokenError::InvalidAccessToken),
    };
    let token_type = match members.take(Known::TokenType) {
        Some(Member::Text(name)) => TokenType::named(name),
        Some(_) => return Err(TokenError::InvalidTokenType),
        None if leniency.missing_token_type_is_bearer => {
            deviations.push(Deviation::TokenTypeAssumed);
            TokenType::Bearer
        }
        None => return Err(TokenError::MissingTokenType),
    };
    let lifetime = members
        .take(Known::ExpiresIn)
        .and_then(|value| expires_in(&value, deviations));
    let refresh_token = match members.take(Known::RefreshToken) {
        Some(Member::Text(token)) if !token.is_empty() => Some(RefreshToken::new(token)),
        Some(Member::Text(_)) | None => None,
        Some(_) => {
            deviations.push(Deviation::RefreshTokenInvalid);
            None
        }
    };
    let id_token = match members.take(Known::IdToken) {
        Some(Member::Text(token)) => Some(IdToken::new(token)),
        _ => None,
    };
    let (scopes, scope_as_sent) = match members.take(Known::Scope) {
        None => (Vec::new(), None),
        Some(Member::Text(text)) => (split_scope(&text), Some(text.into_owned())),
        Some(Member::Json(Value::Array(items))) if items.iter().all(Value::is_string) => {
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
        extra: members.into_extra(),
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
fn expires_in(value: &Member<'_>, deviations: &mut Vec<Deviation>) -> Option<u64> {
    let parsed = match value {
        Member::Json(Value::Number(number)) => number.as_u64().or_else(|| {
            let float = number.as_f64().filter(|f| f.is_finite() && *f >= 0.0)?;
            deviations.push(Deviation::ExpiresInFraction);
            // Saturating float-to-int conversion; the value is finite and >= 0.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            Some(float.floor() as u64)
        }),
        Member::Text(text) if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) => {
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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::response::json_object;

    /// The reader this module had before it read members straight from the
    /// JSON: the body as a map, then each member taken out of it. Kept as the
    /// reference the new reader must agree with.
    fn reference(body: &[u8], leniency: Leniency) -> Option<Result<TokenSet, TokenError>> {
        let mut object = json_object(body)?;
        if let Some(error) = OAuthError::from_object(&object) {
            return Some(Err(TokenError::Server(error)));
        }
        let mut deviations = Vec::new();
        let mut take = |name: &str| object.remove(name).filter(|value| !value.is_null());
        let access_token = match take("access_token") {
            None => return Some(Err(TokenError::MissingAccessToken)),
            Some(Value::String(token)) if is_vschar_string(&token) => AccessToken::new(token),
            Some(_) => return Some(Err(TokenError::InvalidAccessToken)),
        };
        let token_type = match take("token_type") {
            Some(Value::String(name)) => TokenType::from(name),
            Some(_) => return Some(Err(TokenError::InvalidTokenType)),
            None if leniency.missing_token_type_is_bearer => {
                deviations.push(Deviation::TokenTypeAssumed);
                TokenType::Bearer
            }
            None => return Some(Err(TokenError::MissingTokenType)),
        };
        let lifetime =
            take("expires_in").and_then(|value| expires_in(&Member::of(value), &mut deviations));
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
                let scopes = items
                    .iter()
                    .filter_map(Value::as_str)
                    .flat_map(split_scope)
                    .collect();
                (scopes, None)
            }
            Some(_) => {
                deviations.push(Deviation::ScopeInvalid);
                (Vec::new(), None)
            }
        };
        Some(Ok(TokenSet {
            access_token,
            token_type,
            refresh_token,
            id_token,
            scopes,
            scope_as_sent,
            issued_at: 0,
            lifetime,
            deviations,
            extra: object,
        }))
    }

    /// The same steps through [`Members`].
    fn typed(body: &[u8], leniency: Leniency) -> Option<Result<TokenSet, TokenError>> {
        let mut members = Members::from_json(body)?;
        if let Some(error) = members.take_error() {
            return Some(Err(TokenError::Server(error)));
        }
        let mut deviations = Vec::new();
        Some(
            read_members(members, leniency, &mut deviations).map(|mut tokens| {
                tokens.deviations = deviations;
                tokens
            }),
        )
    }

    /// Names with a slot, one of them escaped, and others.
    const NAMES: [&str; 13] = [
        "access_token",
        "token_type",
        "expires_in",
        "refresh_token",
        "id_token",
        "scope",
        "error",
        "error_description",
        "error_uri",
        "access\\u005ftoken",
        "error\\u005furi",
        "ext",
        "x",
    ];

    fn value() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("null".to_owned()),
            Just("true".to_owned()),
            Just("3600".to_owned()),
            Just("-1".to_owned()),
            Just("2.5".to_owned()),
            Just(r#""3600""#.to_owned()),
            Just(r#""Bearer""#.to_owned()),
            Just(r#""AT-1""#.to_owned()),
            Just(r#""a b""#.to_owned()),
            Just(r#""""#.to_owned()),
            Just(r#""A\u0054-2""#.to_owned()),
            Just(r#""be\u0061rer""#.to_owned()),
            Just(r#""\u0033600""#.to_owned()),
            Just(r#"["a","b c"]"#.to_owned()),
            Just("[1]".to_owned()),
            Just(r#"{"k":"v","k":1}"#.to_owned()),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Any object made of these members, repeated or not, reads the same
        /// through the members as through the map: the same tokens, the same
        /// deviations and extra members, the same errors, the same refusals.
        #[test]
        fn typed_reader_agrees_with_the_map_reader(
            members in proptest::collection::vec((0..NAMES.len(), value()), 0..7),
            lenient in any::<bool>(),
        ) {
            let body = format!(
                "{{{}}}",
                members
                    .iter()
                    .map(|(name, value)| format!("\"{}\":{value}", NAMES[*name]))
                    .collect::<Vec<_>>()
                    .join(",")
            );
            let leniency = Leniency {
                missing_token_type_is_bearer: lenient,
                ..Leniency::default()
            };
            prop_assert_eq!(
                typed(body.as_bytes(), leniency),
                reference(body.as_bytes(), leniency),
                "{}",
                body
            );
            prop_assert_eq!(
                Members::from_json(body.as_bytes()),
                json_object(body.as_bytes()).map(Members::from_map),
                "{}",
                body
            );
        }
    }

    #[test]
    fn a_body_that_is_not_one_json_object_has_no_members() {
        for body in ["", "[]", "\"x\"", "{", "{} {}", r#"{"a":1}x"#, "null"] {
            assert_eq!(Members::from_json(body.as_bytes()), None, "{body}");
        }
    }
}
