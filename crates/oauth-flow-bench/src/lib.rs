//! Benchmarks for oauth-flow, measured side by side with the `oauth2` crate.
//!
//! This library holds what the criterion benches (`benches/`) and the instruction counter
//! (`src/bin/instructions.rs`) share: the inputs, and each step written once per crate, so
//! that a wall-time ratio and an instruction-count ratio measure exactly the same code.
//!
//! A step's function is what one iteration does. Steps that consume a state take it by value;
//! the state is built outside the measurement by [`input`].

#![allow(clippy::missing_panics_doc)]

pub mod input {
    //! The inputs both crates are given: one server, one client, the same bodies.

    use std::time::{Duration, SystemTime};

    use oauth_flow::http::{HeaderMap, HeaderValue, Response, StatusCode, header};
    use oauth_flow::rand_core::SeedableRng as _;
    use oauth_flow::{
        AuthorizeParams, AwaitingCallback, ClientConfig, Discovered, Discovering, Exchanging,
        Refreshing,
    };
    use oauth2::basic::BasicClient;
    use oauth2::{
        AuthUrl, ClientId, EndpointNotSet, EndpointSet, RedirectUrl, RefreshToken, TokenUrl,
    };
    use rand_chacha::ChaCha20Rng;

    /// The issuer.
    pub const ISSUER: &str = "https://as.example.com";
    /// The authorization endpoint.
    pub const AUTHORIZATION_ENDPOINT: &str = "https://as.example.com/authorize";
    /// The token endpoint.
    pub const TOKEN_ENDPOINT: &str = "https://as.example.com/token";
    /// The client's id.
    pub const CLIENT_ID: &str = "bench-client";
    /// The client's loopback redirect URI.
    pub const REDIRECT_URI: &str = "http://127.0.0.1:8976/callback";
    /// The authorization code of RFC 6749's examples.
    pub const CODE: &str = "SplxlOBeZQQYbYS6WxSbIA";
    /// The code verifier of RFC 7636 appendix B.
    pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    /// The refresh token of RFC 6749's examples.
    pub const REFRESH_TOKEN: &str = "tGzv3JOkF0XG5Qx2TlKWIA";
    /// The one scope asked for.
    pub const SCOPE: &str = "read";

    /// A typical token response: an opaque access token, its lifetime, a refresh token, the
    /// scope.
    pub const TOKEN_BODY: &str = concat!(
        r#"{"access_token":"2YotnFZFEjr1zCsicMWpAA.8dWqSvr3rTzJtKcYvLw2Ff","#,
        r#""token_type":"Bearer","expires_in":3600,"refresh_token":"tGzv3JOkF0XG5Qx2TlKWIA","#,
        r#""scope":"read"}"#
    );
    /// A typical error response (RFC 6749 §5.2).
    pub const ERROR_BODY: &str =
        r#"{"error":"invalid_grant","error_description":"the authorization code has expired"}"#;

    /// What a protected resource answers a request without a valid token (RFC 6750 §3,
    /// RFC 9728 §5.1), with a second challenge before it, as servers that accept both send.
    pub const WWW_AUTHENTICATE: &str = concat!(
        r#"Basic realm="api", Bearer realm="api", error="invalid_token", "#,
        r#"error_description="The access token expired", scope="read write", "#,
        r#"resource_metadata="https://api.example.com/.well-known/oauth-protected-resource""#
    );

    /// A metadata document (RFC 8414) with the members a real server publishes.
    pub fn metadata_body() -> String {
        format!(
            concat!(
                r#"{{"issuer":"{ISSUER}","authorization_endpoint":"{AUTHORIZATION_ENDPOINT}","#,
                r#""token_endpoint":"{TOKEN_ENDPOINT}","revocation_endpoint":"{ISSUER}/revoke","#,
                r#""jwks_uri":"{ISSUER}/jwks","scopes_supported":["read","write"],"#,
                r#""response_types_supported":["code"],"#,
                r#""grant_types_supported":["authorization_code","refresh_token"],"#,
                r#""token_endpoint_auth_methods_supported":["none","client_secret_basic","#,
                r#""client_secret_post"],"code_challenge_methods_supported":["S256"],"#,
                r#""authorization_response_iss_parameter_supported":true}}"#
            ),
            ISSUER = ISSUER,
            AUTHORIZATION_ENDPOINT = AUTHORIZATION_ENDPOINT,
            TOKEN_ENDPOINT = TOKEN_ENDPOINT
        )
    }

    /// The time the responses arrive.
    pub fn now() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)
    }

    /// The seeded CSPRNG both crates draw from.
    pub fn rng() -> ChaCha20Rng {
        ChaCha20Rng::from_seed([42; 32])
    }

    /// A JSON response with `status`.
    pub fn json(status: u16, body: &str) -> Response<Vec<u8>> {
        let mut response = Response::new(body.as_bytes().to_vec());
        *response.status_mut() = StatusCode::from_u16(status).expect("a valid status");
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        response
    }

    /// The headers of a 401 from a protected resource.
    pub fn unauthorized_headers() -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static(WWW_AUTHENTICATE),
        );
        headers
    }

    /// One scope, nothing else.
    pub fn params() -> AuthorizeParams {
        AuthorizeParams::new().scope(SCOPE)
    }

    /// The first state.
    pub fn discovering() -> Discovering {
        let client = ClientConfig::new(CLIENT_ID, REDIRECT_URI).expect("a valid client");
        Discovering::new(ISSUER, client).expect("a valid issuer")
    }

    /// The state after discovery.
    pub fn discovered() -> Discovered {
        discovering()
            .handle_response(&json(200, &metadata_body()))
            .expect("valid metadata")
    }

    /// A waiting state and the callback URL the server would send it to.
    pub fn awaiting(discovered: &Discovered, rng: &mut ChaCha20Rng) -> (AwaitingCallback, String) {
        let (awaiting, url) = discovered.authorize(rng, params()).expect("authorize");
        let state = url
            .query_pairs()
            .find(|(name, _)| name == "state")
            .expect("a state")
            .1
            .into_owned();
        let callback =
            format!("{REDIRECT_URI}?code={CODE}&state={state}&iss=https%3A%2F%2Fas.example.com");
        (awaiting, callback)
    }

    /// A state holding a code to exchange.
    pub fn exchanging(discovered: &Discovered, rng: &mut ChaCha20Rng) -> Exchanging {
        let (awaiting, callback) = awaiting(discovered, rng);
        awaiting.handle_callback(&callback).expect("callback")
    }

    /// A state holding a refresh token to use.
    pub fn refreshing(discovered: &Discovered, rng: &mut ChaCha20Rng) -> Refreshing {
        exchanging(discovered, rng)
            .handle_response(&json(200, TOKEN_BODY), now())
            .expect("tokens")
            .refresh()
            .expect("a refresh token")
    }

    /// oauth2's client with the endpoints both steps use.
    pub type Oauth2Client =
        BasicClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

    /// oauth2's client for the same server and client.
    pub fn oauth2_client() -> Oauth2Client {
        BasicClient::new(ClientId::new(CLIENT_ID.to_owned()))
            .set_auth_uri(AuthUrl::new(AUTHORIZATION_ENDPOINT.to_owned()).expect("a valid URL"))
            .set_token_uri(TokenUrl::new(TOKEN_ENDPOINT.to_owned()).expect("a valid URL"))
            .set_redirect_uri(RedirectUrl::new(REDIRECT_URI.to_owned()).expect("a valid URL"))
    }

    /// oauth2's refresh token, the same as ours.
    pub fn oauth2_refresh_token() -> RefreshToken {
        RefreshToken::new(REFRESH_TOKEN.to_owned())
    }
}

pub mod ours {
    //! Each step as oauth-flow does it.

    use std::hint::black_box;

    use oauth_flow::http::{HeaderMap, Request, Response};
    use oauth_flow::url::Url;
    use oauth_flow::{
        AuthorizeError, Authorized, AwaitingCallback, BearerChallenge, CallbackError,
        ChallengeError, Discovered, Discovering, DiscoveryError, Exchanging, Refreshing, Rejected,
        TokenError,
    };
    use rand_chacha::ChaCha20Rng;

    use crate::input;

    /// `Discovered::authorize`: `state`, verifier, S256 challenge, URL, and the waiting state.
    pub fn authorization_url(
        discovered: &Discovered,
        rng: &mut ChaCha20Rng,
    ) -> Result<(AwaitingCallback, Url), AuthorizeError> {
        discovered.authorize(rng, black_box(input::params()))
    }

    /// `Exchanging::request`.
    pub fn token_request(exchanging: &Exchanging) -> Request<Vec<u8>> {
        black_box(exchanging).request()
    }

    /// `Exchanging::handle_response`, on a token or an error body.
    pub fn token_response(
        exchanging: Exchanging,
        response: &Response<Vec<u8>>,
    ) -> Result<Authorized, TokenError> {
        exchanging.handle_response(black_box(response), input::now())
    }

    /// The request, then the response. oauth2's client hands the response over by value, so
    /// it is copied here too.
    pub fn code_exchange(
        exchanging: Exchanging,
        response: &Response<Vec<u8>>,
    ) -> Result<Authorized, TokenError> {
        black_box(exchanging.request());
        exchanging.handle_response(&black_box(response).clone(), input::now())
    }

    /// `Refreshing::request`.
    pub fn refresh_request(refreshing: &Refreshing) -> Request<Vec<u8>> {
        black_box(refreshing).request()
    }

    /// `AwaitingCallback::handle_callback`.
    pub fn callback(
        awaiting: AwaitingCallback,
        callback: &str,
    ) -> Result<Exchanging, Rejected<Option<AwaitingCallback>, CallbackError>> {
        awaiting.handle_callback(black_box(callback))
    }

    /// `Discovering::handle_response`.
    pub fn metadata(
        discovering: Discovering,
        response: &Response<Vec<u8>>,
    ) -> Result<Discovered, DiscoveryError> {
        discovering.handle_response(black_box(response))
    }

    /// `BearerChallenge::from_headers`: every challenge of the field, then the Bearer one.
    pub fn www_authenticate(
        headers: &HeaderMap,
    ) -> Result<Option<BearerChallenge>, ChallengeError> {
        BearerChallenge::from_headers(black_box(headers))
    }
}

pub mod theirs {
    //! Each step as the `oauth2` crate (5.x) does it.

    use std::hint::black_box;

    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use oauth_flow::http::{StatusCode, header};
    use oauth_flow::rand_core::Rng as _;
    use oauth_flow::url::Url;
    use oauth2::basic::{BasicErrorResponse, BasicTokenResponse};
    use oauth2::{
        AuthorizationCode, CsrfToken, HttpRequest, HttpResponse, PkceCodeChallenge,
        PkceCodeVerifier, RefreshToken, Scope,
    };
    use rand_chacha::ChaCha20Rng;

    use crate::input::{self, Oauth2Client};

    /// What oauth2's request builders are handed instead of an HTTP client, to measure building
    /// alone: it takes the finished request and answers that nothing was sent.
    #[derive(Debug)]
    pub struct NotSent;

    impl std::fmt::Display for NotSent {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("not sent")
        }
    }

    impl std::error::Error for NotSent {}

    #[allow(clippy::unnecessary_wraps, clippy::needless_pass_by_value)]
    fn keep_request(request: HttpRequest) -> Result<HttpResponse, NotSent> {
        black_box(&request);
        Err(NotSent)
    }

    /// 32 bytes from the caller's RNG as base64url, the way both crates turn randomness into a
    /// `state` or a verifier; used to give oauth2 the same seeded input as ours.
    fn random_value(rng: &mut ChaCha20Rng) -> String {
        let mut bytes = [0u8; 32];
        rng.fill_bytes(&mut bytes);
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// The same 256-bit `state` and verifier from the same seeded RNG as ours, the S256
    /// challenge, and the URL.
    pub fn authorization_url(
        client: &Oauth2Client,
        rng: &mut ChaCha20Rng,
    ) -> (Url, CsrfToken, PkceCodeVerifier) {
        let state = CsrfToken::new(random_value(rng));
        let verifier = PkceCodeVerifier::new(random_value(rng));
        let challenge = PkceCodeChallenge::from_code_verifier_sha256(&verifier);
        let (url, state) = client
            .authorize_url(move || state)
            .add_scope(Scope::new(black_box(input::SCOPE).to_owned()))
            .set_pkce_challenge(challenge)
            .url();
        (url, state, verifier)
    }

    /// oauth2's own generators: `thread_rng`, one call per byte, and a 128-bit `state`.
    pub fn authorization_url_own_rng(client: &Oauth2Client) -> (Url, CsrfToken, PkceCodeVerifier) {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state) = client
            .authorize_url(CsrfToken::new_random)
            .add_scope(Scope::new(black_box(input::SCOPE).to_owned()))
            .set_pkce_challenge(challenge)
            .url();
        (url, state, verifier)
    }

    /// `exchange_code(..).set_pkce_verifier(..).request(..)` with a client that sends nothing.
    /// oauth2 takes the code and the verifier by value, so each request gets fresh copies.
    pub fn token_request(client: &Oauth2Client) -> Result<BasicTokenResponse, impl Sized> {
        client
            .exchange_code(AuthorizationCode::new(black_box(input::CODE).to_owned()))
            .set_pkce_verifier(PkceCodeVerifier::new(black_box(input::VERIFIER).to_owned()))
            .request(&keep_request)
    }

    /// The checks oauth2's endpoint code makes before it deserializes (status and media
    /// type), then `serde_path_to_error` into `BasicTokenResponse`, as that private code does.
    pub fn token_response(response: &HttpResponse) -> Result<BasicTokenResponse, impl Sized> {
        let response = black_box(response);
        assert!(
            response.status() == StatusCode::OK
                && response
                    .headers()
                    .get(header::CONTENT_TYPE)
                    .is_some_and(|value| value.as_bytes().starts_with(b"application/json"))
        );
        serde_path_to_error::deserialize::<_, BasicTokenResponse>(
            &mut serde_json::Deserializer::from_slice(response.body()),
        )
    }

    /// `serde_path_to_error` into `BasicErrorResponse`, as oauth2 does for a status other
    /// than 200.
    pub fn error_response(response: &HttpResponse) -> Result<BasicErrorResponse, impl Sized> {
        let response = black_box(response);
        assert!(response.status() != StatusCode::OK);
        serde_path_to_error::deserialize::<_, BasicErrorResponse>(
            &mut serde_json::Deserializer::from_slice(response.body()),
        )
    }

    /// The request and the response through the public API: the client is a closure that
    /// answers with a copy of the canned response.
    pub fn code_exchange(
        client: &Oauth2Client,
        response: &HttpResponse,
    ) -> Result<BasicTokenResponse, impl Sized> {
        let answer = |request: HttpRequest| -> Result<HttpResponse, NotSent> {
            black_box(&request);
            Ok(black_box(response).clone())
        };
        client
            .exchange_code(AuthorizationCode::new(black_box(input::CODE).to_owned()))
            .set_pkce_verifier(PkceCodeVerifier::new(black_box(input::VERIFIER).to_owned()))
            .request(&answer)
    }

    /// `exchange_refresh_token(..).request(..)` with a client that sends nothing.
    pub fn refresh_request(
        client: &Oauth2Client,
        refresh_token: &RefreshToken,
    ) -> Result<BasicTokenResponse, impl Sized> {
        client
            .exchange_refresh_token(black_box(refresh_token))
            .request(&keep_request)
    }
}

pub mod shared {
    //! The part of a step that both crates must do, whatever their design: what no
    //! implementation of the step can be faster than. Measured for the steps where it is
    //! a large share.

    use std::hint::black_box;

    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use oauth_flow::rand_core::Rng as _;
    use rand_chacha::ChaCha20Rng;
    use serde::Deserialize;
    use sha2::{Digest as _, Sha256};

    /// Two 32-byte draws from the RNG as base64url (`state`, verifier), SHA-256 of the
    /// verifier, and the challenge as base64url, into buffers on the stack: no allocation.
    pub fn authorization_url(rng: &mut ChaCha20Rng) -> [[u8; 43]; 3] {
        let mut encoded = [[0u8; 43]; 3];
        let mut bytes = [0u8; 32];
        for value in &mut encoded[..2] {
            rng.fill_bytes(&mut bytes);
            URL_SAFE_NO_PAD
                .encode_slice(bytes, value)
                .expect("43 bytes hold 32 in base64url");
        }
        let digest = Sha256::digest(black_box(&encoded[1]));
        URL_SAFE_NO_PAD
            .encode_slice(digest, &mut encoded[2])
            .expect("43 bytes hold 32 in base64url");
        encoded
    }

    /// The members of a token or error response (RFC 6749 §5.1, §5.2) as any reader must
    /// at least see them: every name matched, every string checked (escapes, UTF-8) and
    /// borrowed from the body, nothing allocated, nothing else checked.
    #[derive(Deserialize)]
    pub struct Members<'a> {
        /// `access_token`.
        pub access_token: Option<&'a str>,
        /// `token_type`.
        pub token_type: Option<&'a str>,
        /// `expires_in`.
        pub expires_in: Option<u64>,
        /// `refresh_token`.
        pub refresh_token: Option<&'a str>,
        /// `scope`.
        pub scope: Option<&'a str>,
        /// `error`.
        pub error: Option<&'a str>,
        /// `error_description`.
        pub error_description: Option<&'a str>,
    }

    /// The JSON body read by `serde_json` into [`Members`].
    pub fn json(body: &[u8]) -> Result<Members<'_>, serde_json::Error> {
        serde_json::from_slice(black_box(body))
    }
}
