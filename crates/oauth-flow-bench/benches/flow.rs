//! A whole flow against the testkit server on loopback: through the blocking driver, and as
//! the same HTTP exchanges sent raw by the same HTTP client with the same settings.
//!
//! Both sides send the same four requests: the metadata `GET`, the browser's `GET` of the
//! authorization URL (answered with a redirect, not followed), the code exchange and one
//! refresh. The raw side builds each request with `format!` and reads the answers with plain
//! substring searches: the least any client can do. The ratio between the two is what the
//! library adds beyond the round trips. Criterion times each side on its own; a last part
//! times them in alternation, which a change of load on a shared machine cannot bias.

#![allow(missing_docs, clippy::missing_panics_doc)]

use std::hint::black_box;
use std::path::PathBuf;
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

/// Rounds of the alternating comparison, after as many again to warm up.
const ROUNDS: usize = 400;

/// Ours and raw in alternation, each flow timed alone, so both sides see the same moments of
/// a shared machine. Criterion's two functions above run one after the other, seconds apart,
/// and a change of load between them moves their ratio either way. Prints the medians and
/// their ratio, and keeps them in `<target dir>/criterion/whole flow on loopback/
/// alternating.json` for the `ratios` tool.
#[allow(clippy::print_stdout)]
fn alternating(_: &mut Criterion) {
    let config = config();
    let mut driver = Driver::with_rng(
        Transport::new(config.clone()),
        ChaCha20Rng::from_seed([7; 32]),
    );
    let agent = raw_agent(&config);
    let ours_server = TestServer::start(ServerConfig::new());
    let raw_server = TestServer::start(ServerConfig::new());

    let mut ours = Vec::with_capacity(ROUNDS);
    let mut raw = Vec::with_capacity(ROUNDS);
    for round in 0..2 * ROUNDS {
        let mut time_ours = || {
            let start = Instant::now();
            library_flow(&mut driver, &ours_server);
            start.elapsed()
        };
        let time_raw = || {
            let start = Instant::now();
            raw_flow(&agent, &raw_server);
            start.elapsed()
        };
        // Neither side always goes first.
        let (a, b) = if round % 2 == 0 {
            let a = time_ours();
            (a, time_raw())
        } else {
            let b = time_raw();
            (time_ours(), b)
        };
        if round >= ROUNDS {
            ours.push(a);
            raw.push(b);
        }
        if round % 64 == 63 {
            ours_server.clear_requests();
            raw_server.clear_requests();
        }
    }
    ours_server.shutdown();
    raw_server.shutdown();

    let quartiles = |times: &mut Vec<Duration>| {
        times.sort();
        let at = |q: usize| times[(times.len() - 1) * q / 4].as_nanos();
        [at(1), at(2), at(3)]
    };
    let (ours, raw) = (quartiles(&mut ours), quartiles(&mut raw));
    #[allow(clippy::cast_precision_loss)] // nanoseconds of a flow fit an f64 exactly
    let ratio = ours[1] as f64 / raw[1] as f64;
    println!(
        "whole flow on loopback, alternating: oauth-flow-ureq {} ns, raw ureq {} ns (medians \
         of {ROUNDS}), ratio {ratio:.2}",
        ours[1], raw[1]
    );
    let json = format!(
        "{{\"rounds\":{ROUNDS},\"ours_quartiles_ns\":[{},{},{}],\
         \"raw_quartiles_ns\":[{},{},{}],\"ratio_of_medians\":{ratio}}}",
        ours[0], ours[1], ours[2], raw[0], raw[1], raw[2]
    );
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../target")),
        PathBuf::from,
    );
    let dir = target.join("criterion/whole flow on loopback");
    let written = std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::write(dir.join("alternating.json"), json));
    if let Err(error) = written {
        println!(
            "could not keep the alternating results in {}: {error}",
            dir.display()
        );
    }
}

criterion_group! {
    name = flow;
    config = Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    targets = whole_flow, alternating
}
criterion_main!(flow);
