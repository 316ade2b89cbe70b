//! The single steps of a flow, ours and the `oauth2` crate's side by side, on the same inputs.
//!
//! Each comparison is a criterion group with two functions, `oauth-flow` and `oauth2`, so the
//! report puts them next to each other. Steps `oauth2` has no counterpart for (callback
//! validation, metadata parsing, `WWW-Authenticate` parsing) are measured for ours alone. The
//! steps themselves live in the crate's library, shared with the instruction counter;
//! `docs/benchmarks.md` says what each pair measures and where the work cannot be made equal.
//! A last part times each pair again in alternating batches, which a change of load on a
//! shared machine cannot bias.

#![allow(missing_docs, clippy::missing_panics_doc)]

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use oauth_flow_bench::input::{self, ERROR_BODY, TOKEN_BODY};
use oauth_flow_bench::{ours, theirs};

fn authorization_url(c: &mut Criterion) {
    let discovered = input::discovered();
    let client = input::oauth2_client();
    let mut group = c.benchmark_group("authorization URL with PKCE");

    let mut ours_rng = input::rng();
    group.bench_function("oauth-flow", |b| {
        b.iter(|| ours::authorization_url(&discovered, &mut ours_rng));
    });
    let mut their_rng = input::rng();
    group.bench_function("oauth2", |b| {
        b.iter(|| theirs::authorization_url(&client, &mut their_rng));
    });
    group.bench_function("oauth2 (own RNG)", |b| {
        b.iter(|| theirs::authorization_url_own_rng(&client));
    });
    group.finish();
}

fn token_request(c: &mut Criterion) {
    let discovered = input::discovered();
    let exchanging = input::exchanging(&discovered, &mut input::rng());
    let client = input::oauth2_client();
    let mut group = c.benchmark_group("token request");

    group.bench_function("oauth-flow", |b| {
        b.iter(|| ours::token_request(&exchanging));
    });
    group.bench_function("oauth2", |b| b.iter(|| theirs::token_request(&client)));
    group.finish();
}

fn token_response(c: &mut Criterion) {
    let discovered = input::discovered();
    let response = input::json(200, TOKEN_BODY);
    let mut group = c.benchmark_group("token response");

    let mut setup_rng = input::rng();
    group.bench_function("oauth-flow", |b| {
        b.iter_batched(
            || input::exchanging(&discovered, &mut setup_rng),
            |exchanging| ours::token_response(exchanging, &response),
            BatchSize::SmallInput,
        );
    });
    group.bench_function("oauth2", |b| {
        b.iter(|| theirs::token_response(&response));
    });
    group.finish();
}

fn error_response(c: &mut Criterion) {
    let discovered = input::discovered();
    let response = input::json(400, ERROR_BODY);
    let mut group = c.benchmark_group("error response");

    let mut setup_rng = input::rng();
    group.bench_function("oauth-flow", |b| {
        b.iter_batched(
            || input::exchanging(&discovered, &mut setup_rng),
            |exchanging| ours::token_response(exchanging, &response),
            BatchSize::SmallInput,
        );
    });
    group.bench_function("oauth2", |b| {
        b.iter(|| theirs::error_response(&response));
    });
    group.finish();
}

/// Building the token request and reading its answer through each crate's public API only.
fn code_exchange(c: &mut Criterion) {
    let discovered = input::discovered();
    let response = input::json(200, TOKEN_BODY);
    let client = input::oauth2_client();
    let mut group = c.benchmark_group("code exchange, no IO");

    let mut setup_rng = input::rng();
    group.bench_function("oauth-flow", |b| {
        b.iter_batched(
            || input::exchanging(&discovered, &mut setup_rng),
            |exchanging| ours::code_exchange(exchanging, &response),
            BatchSize::SmallInput,
        );
    });
    group.bench_function("oauth2", |b| {
        b.iter(|| theirs::code_exchange(&client, &response));
    });
    group.finish();
}

fn refresh_request(c: &mut Criterion) {
    let discovered = input::discovered();
    let refreshing = input::refreshing(&discovered, &mut input::rng());
    let client = input::oauth2_client();
    let refresh_token = input::oauth2_refresh_token();
    let mut group = c.benchmark_group("refresh request");

    group.bench_function("oauth-flow", |b| {
        b.iter(|| ours::refresh_request(&refreshing));
    });
    group.bench_function("oauth2", |b| {
        b.iter(|| theirs::refresh_request(&client, &refresh_token));
    });
    group.finish();
}

/// Steps oauth2 has no counterpart for.
fn ours_alone(c: &mut Criterion) {
    let discovered = input::discovered();
    let mut group = c.benchmark_group("oauth-flow alone");

    let mut setup_rng = input::rng();
    group.bench_function("callback validation", |b| {
        b.iter_batched(
            || input::awaiting(&discovered, &mut setup_rng),
            |(awaiting, callback)| ours::callback(awaiting, &callback),
            BatchSize::SmallInput,
        );
    });

    let response = input::json(200, &input::metadata_body());
    let discovering = input::discovering();
    group.bench_function("metadata parsing", |b| {
        b.iter_batched(
            || discovering.clone(),
            |discovering| ours::metadata(discovering, &response),
            BatchSize::SmallInput,
        );
    });

    let headers = input::unauthorized_headers();
    group.bench_function("WWW-Authenticate parsing", |b| {
        b.iter(|| ours::www_authenticate(&headers));
    });
    group.finish();
}

/// Calls in one timed batch, and batches per side after as many again to warm up.
const BATCH: usize = 100;
const BATCHES: usize = 300;

/// Times `BATCH` calls of a step: inputs are made before the clock starts, results are
/// dropped after it stops, as criterion's `iter_batched` does.
fn batch<I, O>(mut setup: impl FnMut() -> I, mut step: impl FnMut(I) -> O) -> Duration {
    let inputs: Vec<I> = (0..BATCH).map(|_| setup()).collect();
    let mut outputs = Vec::with_capacity(BATCH);
    let start = Instant::now();
    for input in inputs {
        outputs.push(step(input));
    }
    let elapsed = start.elapsed();
    drop(black_box(outputs));
    elapsed
}

/// Times `BATCH` calls of a step that borrows its input, each result dropped at once, as
/// criterion's `iter` does.
fn repeat<O>(mut step: impl FnMut() -> O) -> Duration {
    let start = Instant::now();
    for _ in 0..BATCH {
        black_box(step());
    }
    start.elapsed()
}

/// Times one batch of a step.
type Timer<'a> = Box<dyn FnMut() -> Duration + 'a>;

/// Median time of one call, in nanoseconds, from batch times.
fn median_per_call(times: &mut [Duration]) -> f64 {
    times.sort();
    #[allow(clippy::cast_precision_loss)] // nanoseconds of a batch fit an f64 exactly
    let nanos = times[times.len() / 2].as_nanos() as f64;
    #[allow(clippy::cast_precision_loss)]
    let calls = BATCH as f64;
    nanos / calls
}

/// Both crates' version of each step, timed in alternating batches, so both see the same
/// moments of a shared machine: criterion's functions run one after the other, seconds
/// apart, and a change of load between them moves their ratio. Prints the medians and their
/// ratio, and keeps them in `<target dir>/criterion/alternating-steps.json` for the `ratios`
/// tool.
#[allow(clippy::print_stdout, clippy::too_many_lines)]
fn alternating(_: &mut Criterion) {
    let discovered = input::discovered();
    let client = input::oauth2_client();
    let token = input::json(200, TOKEN_BODY);
    let error = input::json(400, ERROR_BODY);
    let exchanging = input::exchanging(&discovered, &mut input::rng());
    let refreshing = input::refreshing(&discovered, &mut input::rng());
    let refresh_token = input::oauth2_refresh_token();
    let (mut ours_rng, mut their_rng) = (input::rng(), input::rng());
    // Each consuming step draws its waiting states from an RNG of its own.
    let mut rngs = [input::rng(), input::rng(), input::rng()];
    let [token_rng, error_rng, exchange_rng] = &mut rngs;

    let mut steps: Vec<(&str, Timer<'_>, Timer<'_>)> = vec![
        (
            "authorization URL with PKCE",
            Box::new(|| repeat(|| ours::authorization_url(&discovered, &mut ours_rng))),
            Box::new(|| repeat(|| theirs::authorization_url(&client, &mut their_rng))),
        ),
        (
            "token request",
            Box::new(|| repeat(|| ours::token_request(&exchanging))),
            Box::new(|| repeat(|| theirs::token_request(&client))),
        ),
        (
            "token response",
            Box::new(|| {
                batch(
                    || input::exchanging(&discovered, token_rng),
                    |e| ours::token_response(e, &token),
                )
            }),
            Box::new(|| repeat(|| theirs::token_response(&token))),
        ),
        (
            "error response",
            Box::new(|| {
                batch(
                    || input::exchanging(&discovered, error_rng),
                    |e| ours::token_response(e, &error),
                )
            }),
            Box::new(|| repeat(|| theirs::error_response(&error))),
        ),
        (
            "code exchange, no IO",
            Box::new(|| {
                batch(
                    || input::exchanging(&discovered, exchange_rng),
                    |e| ours::code_exchange(e, &token),
                )
            }),
            Box::new(|| repeat(|| theirs::code_exchange(&client, &token))),
        ),
        (
            "refresh request",
            Box::new(|| repeat(|| ours::refresh_request(&refreshing))),
            Box::new(|| repeat(|| theirs::refresh_request(&client, &refresh_token))),
        ),
    ];

    let mut json = Vec::new();
    for (name, ours, theirs) in &mut steps {
        let (mut ours_times, mut their_times) = (Vec::new(), Vec::new());
        for round in 0..2 * BATCHES {
            // Neither side always goes first.
            let (a, b) = if round % 2 == 0 {
                let a = ours();
                (a, theirs())
            } else {
                let b = theirs();
                (ours(), b)
            };
            if round >= BATCHES {
                ours_times.push(a);
                their_times.push(b);
            }
        }
        let ours_ns = median_per_call(&mut ours_times);
        let theirs_ns = median_per_call(&mut their_times);
        let ratio = ours_ns / theirs_ns;
        println!(
            "{name}, alternating: oauth-flow {ours_ns:.0} ns, oauth2 {theirs_ns:.0} ns, \
             ratio {ratio:.2}"
        );
        json.push(format!(
            "{{\"step\":\"{name}\",\"ours_ns\":{ours_ns},\"oauth2_ns\":{theirs_ns}}}"
        ));
    }

    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../target")),
        PathBuf::from,
    );
    let dir = target.join("criterion");
    let text = format!(
        "{{\"batch\":{BATCH},\"batches\":{BATCHES},\"steps\":[{}]}}",
        json.join(",")
    );
    let written = std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::write(dir.join("alternating-steps.json"), text));
    if let Err(error) = written {
        println!(
            "could not keep the alternating results in {}: {error}",
            dir.display()
        );
    }
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
        refresh_request, ours_alone, alternating
}
criterion_main!(steps);
