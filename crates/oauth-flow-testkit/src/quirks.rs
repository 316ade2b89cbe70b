//! Quirk profiles: switches that make the server behave like real servers that broke
//! OAuth clients.
//!
//! Each variant reproduces one behaviour and names the servers known for it. Several can
//! be combined with [`ServerConfig::quirks`](crate::ServerConfig::quirks); where two
//! touch the same member, the later variant in the declaration order below wins.

use std::time::Duration;

/// The size of the token response under [`Quirk::OversizedTokenResponse`]: 2 MiB.
pub const OVERSIZED_BODY_BYTES: usize = 2 * 1024 * 1024;

/// One behaviour of a real server, reproduced on demand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Quirk {
    /// `expires_in` is a JSON string (`"3600"`), as Azure AD v1 and PayPal send it.
    StringExpiresIn,
    /// `token_type` is lower-case `bearer`, as GitHub, Okta and Linear's MCP server send it.
    LowercaseBearer,
    /// The token response has no `token_type`, as VK and LinkedIn answer.
    MissingTokenType,
    /// `scope` is a JSON array of strings, as Twitch sends it.
    ScopeAsArray,
    /// `scope` is comma-separated (`read,write`), as GitHub sends it.
    CommaSeparatedScope,
    /// The token endpoint answers `application/x-www-form-urlencoded` unless the request
    /// carries `Accept: application/json`, as GitHub does. Errors follow the same rule.
    FormEncodedUnlessJsonAccepted,
    /// Token and revocation errors come with HTTP 200, as GitHub sends them.
    ErrorWithStatus200,
    /// Token and revocation errors are JSON labelled `text/plain`, as Kanidm sends them.
    JsonErrorAsTextPlain,
    /// Token and revocation errors are an HTML page labelled `application/json`, as a web
    /// application firewall in front of a server answers.
    HtmlErrorAsJson,
    /// Token and revocation errors are RFC 9457 `application/problem+json` documents
    /// without an `error` member, as oauth2-mock-server sends them.
    ProblemJsonErrors,
    /// A refresh response has no `refresh_token` and the old one stays valid (no
    /// rotation), as Google, Salesforce and Zoho answer.
    NoRefreshTokenOnRefresh,
    /// A refresh response has `"refresh_token": null` and the old one stays valid.
    NullRefreshTokenOnRefresh,
    /// A refresh response has no `expires_in`, although the first grant had one.
    NoExpiresInOnRefresh,
    /// A refresh response has `"expires_in": null`.
    NullExpiresInOnRefresh,
    /// The metadata `issuer` has a trailing `/` the issuer the client was given lacks,
    /// as Google's and the MCP SDK's servers differ.
    TrailingSlashIssuer,
    /// The metadata has no `code_challenge_methods_supported`, although S256 works, as
    /// Azure AD and AWS Cognito publish it.
    NoCodeChallengeMethods,
    /// The metadata lists only `plain` in `code_challenge_methods_supported` (a PKCE
    /// downgrade). The endpoint still enforces S256.
    PlainOnlyCodeChallenge,
    /// The metadata documents are served as `text/plain`, as some gateways do.
    MetadataAsTextPlain,
    /// The metadata `issuer` names another issuer than the one it was fetched for.
    MismatchedIssuer,
    /// The callback has no `iss` although the metadata advertises RFC 9207 support.
    MissingIssInCallback,
    /// The callback's `iss` names another issuer (an authorization server mix-up).
    WrongIssInCallback,
    /// `POST <issuer>/token` answers `307 Temporary Redirect` to
    /// `<issuer>/token/redirected` on the same loopback server, which handles the request
    /// normally. A client that follows it shows up there in the request record.
    TokenEndpointRedirect,
    /// The token endpoint waits this long before it answers.
    SlowTokenEndpoint(Duration),
    /// A successful token response is padded with a `padding` member to
    /// [`OVERSIZED_BODY_BYTES`].
    OversizedTokenResponse,
    /// A successful token response has status `201 Created` instead of `200 OK`.
    Created201TokenResponse,
    /// The resource accepts only the exact scheme `Bearer` and answers `bearer` with 401,
    /// as Linear's MCP server does.
    CaseSensitiveBearerScheme,
    /// Razorpay's MCP server as documented: metadata with only `client_secret_post`, no
    /// revocation endpoint and no RFC 9207 support; registration that issues a secret
    /// and answers `client_secret_post` even when `none` was asked, with
    /// `"application_type":"public"` and an `application_id`; token responses with scope
    /// `read_only` and no refresh token; and a bad bearer at the resource answered 401
    /// with the non-OAuth body `{"code":"OAUTH_BAD_TOKEN",…}`. It also sets the scopes
    /// to `read_only` (supported and required).
    Razorpay,
}

/// The quirks of one server, with questions instead of `contains` calls.
#[derive(Debug, Clone, Default)]
pub(crate) struct Quirks(Vec<Quirk>);

impl Quirks {
    pub(crate) fn new(quirks: &[Quirk]) -> Self {
        Quirks(quirks.to_vec())
    }

    pub(crate) fn has(&self, quirk: Quirk) -> bool {
        self.0.contains(&quirk)
    }

    pub(crate) fn token_delay(&self) -> Option<Duration> {
        self.0.iter().find_map(|quirk| match quirk {
            Quirk::SlowTokenEndpoint(delay) => Some(*delay),
            _ => None,
        })
    }
}
