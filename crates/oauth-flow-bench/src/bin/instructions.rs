//! Runs one step of one crate many times, for an instruction counter such as callgrind.
//!
//! ```text
//! instructions <step> <side> [iterations]
//! ```
//!
//! Only the calls inside [`measure`] are meant to be counted: run it under
//! `valgrind --tool=callgrind --toggle-collect='instructions::measure'` and divide the total by
//! the iterations. Inputs are built before, and consumed states' results dropped after, as
//! criterion's `iter_batched` does. `instructions.sh` beside this crate's manifest runs every
//! step and prints the table `docs/benchmarks.md` shows.

#![allow(clippy::missing_panics_doc)]

use std::hint::black_box;
use std::process::ExitCode;

use oauth_flow_bench::input::{self, ERROR_BODY, TOKEN_BODY};
use oauth_flow_bench::{ours, shared, theirs};

/// The steps, with the sides each one has: `ours`, `oauth2`, and `shared`, the part of the
/// step both crates must do.
const STEPS: [(&str, &[&str]); 9] = [
    (
        "authorization-url",
        &["ours", "oauth2", "oauth2-own-rng", "shared"],
    ),
    ("token-request", &["ours", "oauth2"]),
    ("token-response", &["ours", "oauth2", "shared"]),
    ("error-response", &["ours", "oauth2", "shared"]),
    ("code-exchange", &["ours", "oauth2"]),
    ("refresh-request", &["ours", "oauth2"]),
    ("callback", &["ours"]),
    ("metadata", &["ours"]),
    ("www-authenticate", &["ours"]),
];

/// Calls made before counting starts, so one-time work (a logging call site's first
/// registration, a thread RNG's seeding) is left out.
const WARM_UP: usize = 16;

/// The only function whose instructions are counted.
#[inline(never)]
fn measure(iterations: usize, step: &mut dyn FnMut()) {
    for _ in 0..iterations {
        step();
    }
}

/// Runs `routine` on inputs built beforehand, keeping its outputs until counting is over.
fn batched<I, O>(iterations: usize, mut setup: impl FnMut() -> I, mut routine: impl FnMut(I) -> O) {
    let mut inputs: Vec<I> = (0..WARM_UP + iterations).map(|_| setup()).collect();
    inputs.reverse();
    let mut outputs = Vec::with_capacity(WARM_UP + iterations);
    let mut step = || {
        let input = inputs.pop().expect("an input per iteration");
        outputs.push(routine(input));
    };
    for _ in 0..WARM_UP {
        step();
    }
    measure(iterations, &mut step);
    black_box(&outputs);
}

/// Runs `routine` over and over on the same borrowed inputs, dropping each output at once,
/// as criterion's `iter` does.
fn repeated<O>(iterations: usize, mut routine: impl FnMut() -> O) {
    let mut step = || {
        black_box(routine());
    };
    for _ in 0..WARM_UP {
        step();
    }
    measure(iterations, &mut step);
}

fn run(step: &str, side: &str, iterations: usize) -> bool {
    let discovered = input::discovered();
    let client = input::oauth2_client();
    let mut rng = input::rng();
    let token = input::json(200, TOKEN_BODY);
    let error = input::json(400, ERROR_BODY);
    match (step, side) {
        ("authorization-url", "ours") => {
            repeated(iterations, || {
                ours::authorization_url(&discovered, &mut rng)
            });
        }
        ("authorization-url", "oauth2") => {
            repeated(iterations, || theirs::authorization_url(&client, &mut rng));
        }
        ("authorization-url", "oauth2-own-rng") => {
            repeated(iterations, || theirs::authorization_url_own_rng(&client));
        }
        ("authorization-url", "shared") => {
            repeated(iterations, || shared::authorization_url(&mut rng));
        }
        ("token-request", "ours") => {
            let exchanging = input::exchanging(&discovered, &mut rng);
            repeated(iterations, || ours::token_request(&exchanging));
        }
        ("token-request", "oauth2") => {
            repeated(iterations, || theirs::token_request(&client));
        }
        ("token-response", "ours") => batched(
            iterations,
            || input::exchanging(&discovered, &mut rng),
            |exchanging| ours::token_response(exchanging, &token),
        ),
        ("token-response", "oauth2") => {
            repeated(iterations, || theirs::token_response(&token));
        }
        ("token-response", "shared") => {
            repeated(iterations, || shared::json(token.body()));
        }
        ("error-response", "ours") => batched(
            iterations,
            || input::exchanging(&discovered, &mut rng),
            |exchanging| ours::token_response(exchanging, &error),
        ),
        ("error-response", "oauth2") => {
            repeated(iterations, || theirs::error_response(&error));
        }
        ("error-response", "shared") => {
            repeated(iterations, || shared::json(error.body()));
        }
        ("code-exchange", "ours") => batched(
            iterations,
            || input::exchanging(&discovered, &mut rng),
            |exchanging| ours::code_exchange(exchanging, &token),
        ),
        ("code-exchange", "oauth2") => {
            repeated(iterations, || theirs::code_exchange(&client, &token));
        }
        ("refresh-request", "ours") => {
            let refreshing = input::refreshing(&discovered, &mut rng);
            repeated(iterations, || ours::refresh_request(&refreshing));
        }
        ("refresh-request", "oauth2") => {
            let refresh_token = input::oauth2_refresh_token();
            repeated(iterations, || {
                theirs::refresh_request(&client, &refresh_token)
            });
        }
        ("callback", "ours") => batched(
            iterations,
            || input::awaiting(&discovered, &mut rng),
            |(awaiting, callback)| ours::callback(awaiting, &callback),
        ),
        ("metadata", "ours") => {
            let discovering = input::discovering();
            let response = input::json(200, &input::metadata_body());
            batched(
                iterations,
                || discovering.clone(),
                |discovering| ours::metadata(discovering, &response),
            );
        }
        ("www-authenticate", "ours") => {
            let headers = input::unauthorized_headers();
            repeated(iterations, || ours::www_authenticate(&headers));
        }
        _ => return false,
    }
    true
}

#[allow(clippy::print_stdout)]
fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [name] = args.as_slice() {
        if name == "--list" {
            for (step, sides) in STEPS {
                for side in sides {
                    println!("{step} {side}");
                }
            }
            return ExitCode::SUCCESS;
        }
    }
    let (step, side, iterations) = match args.as_slice() {
        [step, side] => (step, side, Ok(1000)),
        [step, side, iterations] => (step, side, iterations.parse()),
        _ => (&String::new(), &String::new(), Ok(0)),
    };
    let Ok(iterations) = iterations else {
        eprintln!("iterations must be a whole number");
        return ExitCode::FAILURE;
    };
    if run(step, side, iterations) {
        ExitCode::SUCCESS
    } else {
        eprintln!("usage: instructions <step> <side> [iterations] | instructions --list");
        ExitCode::FAILURE
    }
}
