//! The single steps of a flow, ours and the `oauth2` crate's side by side, on the same inputs.
//!
//! Each comparison is a criterion group with two functions, `oauth-flow` and `oauth2`, so the
//! report puts them next to each other. Steps `oauth2` has no counterpart for (callback
//! validation, metadata parsing) are measured for ours alone. `docs/benchmarks.md` says what
//! each pair measures and where the work cannot be made equal.

#![allow(missing_docs, clippy::missing_panics_doc)]

use std::hint::black_box;
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use oauth_flow::http::{Response, StatusCode, header};
use oauth_flow::rand_core::{Rng as _, SeedableRng as _};
use oauth_flow::{
    AuthorizeParams, AwaitingCallback, ClientConfig, Discovered, Discovering, Exchanging,
    Refreshing,
};
use oauth2::basic::{BasicClient, BasicErrorResponse, BasicTokenResponse};
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, CsrfToken, EndpointNotSet, EndpointSet, HttpRequest,
    HttpResponse, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RefreshToken, Scope, TokenUrl,
};
use rand_chacha::ChaCha20Rng;

const ISSUER: &str = "https://as.example.com";
const AUTHORIZATION_ENDPOINT: &str = "https://as.example.com/authorize";
const TOKEN_ENDPOINT: &str = "https://as.example.com/token";
const CLIENT_ID: &str = "bench-client";
const REDIRECT_URI: &str = "http://127.0.0.1:8976/callback";
const CODE: &str = "SplxlOBeZQQYbYS6WxSbIA";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const REFRESH_TOKEN: &str = "tGzv3JOkF0XG5Qx2TlKWIA";

/// A typical token response: an opaque access token, its lifetime, a refresh token, the scope.
const TOKEN_BODY: &str = concat!(
    r#"{"access_token":"2YotnFZFEjr1zCsicMWpAA.8dWqSvr3rTzJtKcYvLw2Ff","token_type":"Bearer","#,
    r#""expires_in":3600,"refresh_token":"tGzv3JOkF0XG5Qx2TlKWIA","scope":"read"}"#
);
const ERROR_BODY: &str =
    r#"{"error":"invalid_grant","error_description":"the authorization code has expired"}"#;

fn metadata_body() -> String {
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

fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)
}

fn rng() -> ChaCha20Rng {
    ChaCha20Rng::from_seed([42; 32])
}

fn json(status: u16, body: &str) -> Response<Vec<u8>> {
    let mut response = Response::new(body.as_bytes().to_vec());
    *response.status_mut() = StatusCode::from_u16(status).expect("a valid status");
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    response
}

fn params() -> AuthorizeParams {
    AuthorizeParams::new().scope("read")
}

fn discovering() -> Discovering {
    let client = ClientConfig::new(CLIENT_ID, REDIRECT_URI).expect("a valid client");
    Discovering::new(ISSUER, client).expect("a valid issuer")
}

fn discovered() -> Discovered {
    discovering()
        .handle_response(&json(200, &metadata_body()))
        .expect("valid metadata")
}

/// A waiting state and the callback URL the server would send it to.
fn awaiting(discovered: &Discovered, rng: &mut ChaCha20Rng) -> (AwaitingCallback, String) {
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

fn exchanging(discovered: &Discovered, rng: &mut ChaCha20Rng) -> Exchanging {
    let (awaiting, callback) = awaiting(discovered, rng);
    awaiting.handle_callback(&callback).expect("callback")
}

fn refreshing(discovered: &Discovered, rng: &mut ChaCha20Rng) -> Refreshing {
    exchanging(discovered, rng)
        .handle_response(&json(200, TOKEN_BODY), now())
        .expect("tokens")
        .refresh()
        .expect("a refresh token")
}

type Oauth2Client =
    BasicClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

fn oauth2_client() -> Oauth2Client {
    BasicClient::new(ClientId::new(CLIENT_ID.to_owned()))
        .set_auth_uri(AuthUrl::new(AUTHORIZATION_ENDPOINT.to_owned()).expect("a valid URL"))
        .set_token_uri(TokenUrl::new(TOKEN_ENDPOINT.to_owned()).expect("a valid URL"))
        .set_redirect_uri(RedirectUrl::new(REDIRECT_URI.to_owned()).expect("a valid URL"))
}

/// What oauth2's request builders are handed instead of an HTTP client, to measure building
/// alone: it takes the finished request and answers that nothing was sent.
#[derive(Debug)]
struct NotSent;

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

/// The same checks oauth2's endpoint code makes before it deserializes: status and media type.
fn oauth2_checks(response: &HttpResponse) -> bool {
    response.status() == StatusCode::OK
        && response
            .headers()
            .get(header::CONTENT_TYPE)
            .is_some_and(|value| value.as_bytes().starts_with(b"application/json"))
}

fn authorization_url(c: &mut Criterion) {
    let discovered = discovered();
    let client = oauth2_client();
    let mut group = c.benchmark_group("authorization URL with PKCE");

    let mut ours_rng = rng();
    group.bench_function("oauth-flow", |b| {
        b.iter(|| discovered.authorize(&mut ours_rng, black_box(params())));
    });

    // Same seeded RNG, same 256-bit `state` and verifier, same parameters in the URL.
    let mut their_rng = rng();
    group.bench_function("oauth2", |b| {
        b.iter(|| {
            let state = CsrfToken::new(random_value(&mut their_rng));
            let verifier = PkceCodeVerifier::new(random_value(&mut their_rng));
            let challenge = PkceCodeChallenge::from_code_verifier_sha256(&verifier);
            let (url, state) = client
                .authorize_url(move || state)
                .add_scope(Scope::new(black_box("read").to_owned()))
                .set_pkce_challenge(challenge)
                .url();
            (url, state, verifier)
        });
    });

    // oauth2's own generators: `thread_rng`, one call per byte, and a 128-bit `state`.
    group.bench_function("oauth2 (own RNG)", |b| {
        b.iter(|| {
            let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
            let (url, state) = client
                .authorize_url(CsrfToken::new_random)
                .add_scope(Scope::new(black_box("read").to_owned()))
                .set_pkce_challenge(challenge)
                .url();
            (url, state, verifier)
        });
    });
    group.finish();
}

fn token_request(c: &mut Criterion) {
    let discovered = discovered();
    let exchanging = exchanging(&discovered, &mut rng());
    let client = oauth2_client();
    let mut group = c.benchmark_group("token request");

    group.bench_function("oauth-flow", |b| {
        b.iter(|| black_box(&exchanging).request());
    });

    // oauth2 takes the code and the verifier by value, so each request gets fresh copies.
    group.bench_function("oauth2", |b| {
        b.iter(|| {
            client
                .exchange_code(AuthorizationCode::new(black_box(CODE).to_owned()))
                .set_pkce_verifier(PkceCodeVerifier::new(black_box(VERIFIER).to_owned()))
                .request(&keep_request)
        });
    });
    group.finish();
}

fn token_response(c: &mut Criterion) {
    let discovered = discovered();
    let response = json(200, TOKEN_BODY);
    let mut group = c.benchmark_group("token response");

    let mut setup_rng = rng();
    group.bench_function("oauth-flow", |b| {
        b.iter_batched(
            || exchanging(&discovered, &mut setup_rng),
            |exchanging| exchanging.handle_response(black_box(&response), now()),
            BatchSize::SmallInput,
        );
    });

    group.bench_function("oauth2", |b| {
        b.iter(|| {
            let response = black_box(&response);
            assert!(oauth2_checks(response));
            serde_path_to_error::deserialize::<_, BasicTokenResponse>(
                &mut serde_json::Deserializer::from_slice(response.body()),
            )
        });
    });
    group.finish();
}

fn error_response(c: &mut Criterion) {
    let discovered = discovered();
    let response = json(400, ERROR_BODY);
    let mut group = c.benchmark_group("error response");

    let mut setup_rng = rng();
    group.bench_function("oauth-flow", |b| {
        b.iter_batched(
            || exchanging(&discovered, &mut setup_rng),
            |exchanging| exchanging.handle_response(black_box(&response), now()),
            BatchSize::SmallInput,
        );
    });

    group.bench_function("oauth2", |b| {
        b.iter(|| {
            let response = black_box(&response);
            assert!(response.status() != StatusCode::OK);
            serde_path_to_error::deserialize::<_, BasicErrorResponse>(
                &mut serde_json::Deserializer::from_slice(response.body()),
            )
        });
    });
    group.finish();
}

/// Building the token request and reading its answer through each crate's public API only:
/// oauth2 gets a closure as its HTTP client that answers with the canned response.
fn code_exchange(c: &mut Criterion) {
    let discovered = discovered();
    let response = json(200, TOKEN_BODY);
    let client = oauth2_client();
    let mut group = c.benchmark_group("code exchange, no IO");

    let mut setup_rng = rng();
    group.bench_function("oauth-flow", |b| {
        b.iter_batched(
            || exchanging(&discovered, &mut setup_rng),
            |exchanging| {
                black_box(exchanging.request());
                // oauth2's client hands the response over by value: the same copy here.
                exchanging.handle_response(&black_box(&response).clone(), now())
            },
            BatchSize::SmallInput,
        );
    });

    let answer = |request: HttpRequest| -> Result<HttpResponse, NotSent> {
        black_box(&request);
        Ok(black_box(&response).clone())
    };
    group.bench_function("oauth2", |b| {
        b.iter(|| {
            client
                .exchange_code(AuthorizationCode::new(black_box(CODE).to_owned()))
                .set_pkce_verifier(PkceCodeVerifier::new(black_box(VERIFIER).to_owned()))
                .request(&answer)
        });
    });
    group.finish();
}

fn refresh_request(c: &mut Criterion) {
    let discovered = discovered();
    let refreshing = refreshing(&discovered, &mut rng());
    let client = oauth2_client();
    let refresh_token = RefreshToken::new(REFRESH_TOKEN.to_owned());
    let mut group = c.benchmark_group("refresh request");

    group.bench_function("oauth-flow", |b| {
        b.iter(|| black_box(&refreshing).request());
    });
    group.bench_function("oauth2", |b| {
        b.iter(|| {
            client
                .exchange_refresh_token(black_box(&refresh_token))
                .request(&keep_request)
        });
    });
    group.finish();
}

/// Steps oauth2 has no counterpart for.
fn ours_alone(c: &mut Criterion) {
    let discovered = discovered();
    let mut group = c.benchmark_group("oauth-flow alone");

    let mut setup_rng = rng();
    group.bench_function("callback validation", |b| {
        b.iter_batched(
            || awaiting(&discovered, &mut setup_rng),
            |(awaiting, callback)| awaiting.handle_callback(black_box(&callback)),
            BatchSize::SmallInput,
        );
    });

    let response = json(200, &metadata_body());
    let discovering = discovering();
    group.bench_function("metadata parsing", |b| {
        b.iter_batched(
            || discovering.clone(),
            |discovering| discovering.handle_response(black_box(&response)),
            BatchSize::SmallInput,
        );
    });
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(40)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
}

criterion_group! {
    name = steps;
    config = config();
    targets = authorization_url, token_request, token_response, error_response, code_exchange,
        refresh_request, ours_alone
}
criterion_main!(steps);
