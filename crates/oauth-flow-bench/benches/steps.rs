//! The single steps of a flow, ours and the `oauth2` crate's side by side, on the same inputs.
//!
//! Each comparison is a criterion group with two functions, `oauth-flow` and `oauth2`, so the
//! report puts them next to each other. Steps `oauth2` has no counterpart for (callback
//! validation, metadata parsing, `WWW-Authenticate` parsing) are measured for ours alone. The
//! steps themselves live in the crate's library, shared with the instruction counter;
//! `docs/benchmarks.md` says what each pair measures and where the work cannot be made equal.

#![allow(missing_docs, clippy::missing_panics_doc)]

use std::time::Duration;

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
