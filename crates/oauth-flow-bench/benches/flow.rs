//! A whole flow against the testkit server on loopback: through the blocking driver, and as
//! the same HTTP exchanges sent raw by the same HTTP client with the same settings.
//!
//! Both sides send the same four requests: the metadata `GET`, the browser's `GET` of the
//! authorization URL (answered with a redirect, not followed), the code exchange and one
//! refresh. The raw side builds each request with `format!` and reads the answers with plain
//! substring searches: the least any client can do. The ratio between the two is what the
//! library adds beyond the round trips.

#![allow(missing_docs, clippy::missing_panics_doc)]

use std::hint::black_box;
use std::time::{Duration, Instant, SystemTime};

use criterion::{Criterion, criterion_group, criterion_main};
use oauth_flow::http::{Request, header};
use oauth_flow::rand_core::SeedableRng as _;
use oauth_flow::{AuthorizeParams, ClientConfig};
use oauth_flow_testkit::{DEMO_CLIENT_ID, DEMO_REDIRECT_URI, ServerConfig, TestServer};
use oauth_flow_ureq::{Config, Driver, Transport};
use rand_chacha::ChaCha20Rng;
use ureq::Agent;

/// The RFC 7636 appendix B verifier and its S256 challenge, for the raw side.
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
const STATE: &str = "af0ifjsldkj-af0ifjsldkj-af0ifjsldkj-af0ifjs";

/// Flows run between two clearings of the server's request record, so it stays small.
const CLEAR_EVERY: u64 = 64;

fn config() -> Config {
    Config::new()
}

/// The agent the transport builds for `config`, with the same settings, written out.
fn raw_agent(config: &Config) -> Agent {
    let agent_config = Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .timeout_connect(Some(oauth_flow_ureq::DEFAULT_CONNECT_TIMEOUT))
        .timeout_global(Some(oauth_flow_ureq::DEFAULT_TIMEOUT))
        .user_agent(oauth_flow_ureq::DEFAULT_USER_AGENT)
        .build();
    assert_eq!(
        config,
        &Config::new(),
        "the raw agent copies the default settings"
    );
    Agent::new_with_config(agent_config)
}

fn library_flow(driver: &mut Driver<ChaCha20Rng>, server: &TestServer) {
    let client = ClientConfig::new(DEMO_CLIENT_ID, DEMO_REDIRECT_URI).expect("a valid client");
    let discovered = driver.discover(server.issuer(), client).expect("discovery");
    let (awaiting, url) = driver
        .authorize(&discovered, AuthorizeParams::new().scope("read"))
        .expect("authorize");

    // The browser's part: the same request on both sides.
    let browser = Request::get(url.as_str())
        .body(Vec::new())
        .expect("a valid request");
    let redirect = driver.send(browser).expect("the authorization redirect");
    let location = redirect.headers()[header::LOCATION]
        .to_str()
        .expect("an ASCII location");

    let exchanging = awaiting.handle_callback(location).expect("callback");
    let authorized = driver.exchange(exchanging).expect("tokens");
    let refreshed = driver.refresh(authorized).expect("refresh");
    black_box(refreshed.bearer(SystemTime::now()).expect("a bearer"));
}

/// The value of `name` in a query string or a flat JSON object, by substring search.
fn find<'a>(text: &'a str, name: &str, end: char) -> &'a str {
    let start = text.find(name).expect("the parameter") + name.len();
    let rest = &text[start..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}

fn read(response: ureq::http::Response<ureq::Body>) -> String {
    let (parts, mut body) = response.into_parts();
    assert!(parts.status.is_success(), "{}", parts.status);
    body.with_config()
        .limit(oauth_flow::MAX_BODY_BYTES as u64)
        .read_to_string()
        .expect("a body")
}

fn post_form(agent: &Agent, url: &str, form: String) -> String {
    let response = agent
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .send(form)
        .expect("a token response");
    read(response)
}

fn raw_flow(agent: &Agent, server: &TestServer) {
    let metadata = read(agent.get(server.metadata_url()).call().expect("metadata"));
    black_box(metadata);

    let url = format!(
        "{}?response_type=code&client_id={DEMO_CLIENT_ID}&\
            redirect_uri=http%3A%2F%2F127.0.0.1%2Fcallback&scope=read&state={STATE}&\
            code_challenge={CHALLENGE}&code_challenge_method=S256",
        server.authorization_endpoint()
    );
    let redirect = agent.get(&url).call().expect("the authorization redirect");
    let location = redirect.headers()["location"]
        .to_str()
        .expect("an ASCII location");
    let code = find(location, "code=", '&').to_owned();
    // Read the body to its end, as the transport does, so the connection goes back to the pool.
    black_box(redirect.into_body().read_to_vec().expect("a body"));

    let token_endpoint = server.token_endpoint();
    let tokens = post_form(
        agent,
        &token_endpoint,
        format!(
            "grant_type=authorization_code&code={code}&\
                redirect_uri=http%3A%2F%2F127.0.0.1%2Fcallback&code_verifier={VERIFIER}&\
                client_id={DEMO_CLIENT_ID}"
        ),
    );
    let refresh_token = find(&tokens, "\"refresh_token\":\"", '"');
    let refreshed = post_form(
        agent,
        &token_endpoint,
        format!(
            "grant_type=refresh_token&refresh_token={refresh_token}&client_id={DEMO_CLIENT_ID}"
        ),
    );
    black_box(find(&refreshed, "\"access_token\":\"", '"'));
}

/// Times `iters` flows, clearing the server's record between batches, outside the timing.
fn timed(iters: u64, server: &TestServer, mut flow: impl FnMut()) -> Duration {
    let mut total = Duration::ZERO;
    for i in 0..iters {
        let start = Instant::now();
        flow();
        total += start.elapsed();
        if i % CLEAR_EVERY == CLEAR_EVERY - 1 {
            server.clear_requests();
        }
    }
    server.clear_requests();
    total
}

/// Each side gets a server of its own: the server keeps every code and token it issued, so
/// sharing one would make the second side run against a fuller store.
fn whole_flow(c: &mut Criterion) {
    let config = config();
    let mut driver = Driver::with_rng(
        Transport::new(config.clone()),
        ChaCha20Rng::from_seed([42; 32]),
    );
    let agent = raw_agent(&config);

    let mut group = c.benchmark_group("whole flow on loopback");
    let server = TestServer::start(ServerConfig::new());
    group.bench_function("oauth-flow-ureq", |b| {
        b.iter_custom(|iters| timed(iters, &server, || library_flow(&mut driver, &server)));
    });
    server.shutdown();

    let server = TestServer::start(ServerConfig::new());
    group.bench_function("raw ureq", |b| {
        b.iter_custom(|iters| timed(iters, &server, || raw_flow(&agent, &server)));
    });
    server.shutdown();
    group.finish();
}

criterion_group! {
    name = flow;
    config = Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    targets = whole_flow
}
criterion_main!(flow);
