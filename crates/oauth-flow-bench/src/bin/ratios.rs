//! Prints the wall-time table of `docs/benchmarks.md` from the last `cargo bench` run.
//!
//! ```text
//! cargo run --release -p oauth-flow-bench --bin ratios [-- <target dir>]
//! ```
//!
//! Criterion keeps each benchmark's estimates in `<target dir>/criterion/<group>/<function>/
//! new/estimates.json`; this reads the median of each, with its 95 % confidence interval, and
//! divides ours by theirs; then the steps and the whole flow timed in alternation, which the
//! benches keep in `alternating-steps.json` and `alternating.json` beside criterion's files.
//! The target directory defaults to `CARGO_TARGET_DIR`, else `target`.

#![allow(clippy::missing_panics_doc)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::Value;

/// Each comparison: group, our function, theirs, and the ratio it should stay under.
const PAIRS: [(&str, &str, &str, f64); 8] = [
    ("authorization URL with PKCE", "oauth-flow", "oauth2", STEP),
    (
        "authorization URL with PKCE",
        "oauth-flow",
        "oauth2 (own RNG)",
        STEP,
    ),
    ("token request", "oauth-flow", "oauth2", STEP),
    ("token response", "oauth-flow", "oauth2", STEP),
    ("error response", "oauth-flow", "oauth2", STEP),
    ("code exchange, no IO", "oauth-flow", "oauth2", STEP),
    ("refresh request", "oauth-flow", "oauth2", STEP),
    ("whole flow on loopback", "oauth-flow-ureq", "raw ureq", 1.2),
];

/// Three times faster.
const STEP: f64 = 1.0 / 3.0;

/// Ours alone.
const ALONE: [&str; 3] = [
    "callback validation",
    "metadata parsing",
    "WWW-Authenticate parsing",
];

/// A median and its confidence interval, in nanoseconds.
struct Median {
    point: f64,
    low: f64,
    high: f64,
}

fn median(criterion: &Path, group: &str, function: &str) -> Result<Median, String> {
    let path = criterion
        .join(group)
        .join(function)
        .join("new/estimates.json");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let estimates: Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let number = |pointer: &str| {
        estimates
            .pointer(pointer)
            .and_then(Value::as_f64)
            .ok_or_else(|| format!("{}: no {pointer}", path.display()))
    };
    Ok(Median {
        point: number("/median/point_estimate")?,
        low: number("/median/confidence_interval/lower_bound")?,
        high: number("/median/confidence_interval/upper_bound")?,
    })
}

/// A duration in the unit that suits it.
fn shown(nanos: f64) -> String {
    if nanos >= 1e6 {
        format!("{:.2} ms", nanos / 1e6)
    } else if nanos >= 1e3 {
        format!("{:.2} µs", nanos / 1e3)
    } else {
        format!("{nanos:.0} ns")
    }
}

fn interval(m: &Median) -> String {
    format!("{} [{} – {}]", shown(m.point), shown(m.low), shown(m.high))
}

#[allow(clippy::print_stdout)]
fn run(criterion: &Path) -> Result<(), String> {
    println!(
        "| Benchmark | oauth-flow, median [95 % CI] | other, median [95 % CI] | ratio | target |"
    );
    println!("|---|---|---|---:|---|");
    for (group, ours, theirs, target) in PAIRS {
        let a = median(criterion, group, ours)?;
        let b = median(criterion, group, theirs)?;
        let ratio = a.point / b.point;
        let met = if ratio <= target { "met" } else { "missed" };
        println!(
            "| {group} vs {theirs} | {} | {} | {ratio:.2} | ≤ {target:.2}: {met} |",
            interval(&a),
            interval(&b)
        );
    }
    for name in ALONE {
        let m = median(criterion, "oauth-flow alone", name)?;
        println!("| {name} (ours alone) | {} | | | |", interval(&m));
    }
    alternating_steps(criterion)?;
    alternating(criterion)
}

/// The steps timed in alternating batches by the steps bench.
#[allow(clippy::print_stdout)]
fn alternating_steps(criterion: &Path) -> Result<(), String> {
    let path = criterion.join("alternating-steps.json");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let results: Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    println!();
    println!(
        "| Step, {} batches of {} calls in alternation | oauth-flow, median | oauth2, median | \
         ratio | target |",
        results["batches"], results["batch"]
    );
    println!("|---|---|---|---:|---|");
    for step in results["steps"].as_array().into_iter().flatten() {
        let (Some(name), Some(ours), Some(theirs)) = (
            step["step"].as_str(),
            step["ours_ns"].as_f64(),
            step["oauth2_ns"].as_f64(),
        ) else {
            return Err(format!("{}: a step without its figures", path.display()));
        };
        let ratio = ours / theirs;
        let met = if ratio <= STEP { "met" } else { "missed" };
        println!(
            "| {name} | {} | {} | {ratio:.2} | ≤ 0.33: {met} |",
            shown(ours),
            shown(theirs)
        );
    }
    Ok(())
}

/// The flows timed in alternation by the flow bench, with their quartiles.
#[allow(clippy::print_stdout)]
fn alternating(criterion: &Path) -> Result<(), String> {
    let path = criterion.join("whole flow on loopback/alternating.json");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let results: Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let quartiles = |name: &str| -> Result<String, String> {
        let q: Vec<f64> = results[name]
            .as_array()
            .map(|items| items.iter().filter_map(Value::as_f64).collect())
            .unwrap_or_default();
        match q.as_slice() {
            [low, mid, high] => Ok(format!(
                "{} [{} – {}]",
                shown(*mid),
                shown(*low),
                shown(*high)
            )),
            _ => Err(format!("{}: no {name}", path.display())),
        }
    };
    let ratio = results["ratio_of_medians"]
        .as_f64()
        .ok_or_else(|| format!("{}: no ratio", path.display()))?;
    let met = if ratio <= 1.2 { "met" } else { "missed" };
    println!();
    println!(
        "| Whole flow, {} rounds in alternation | oauth-flow-ureq, median [quartiles] | \
         raw ureq, median [quartiles] | ratio | target |",
        results["rounds"]
    );
    println!("|---|---|---|---:|---|");
    println!(
        "| whole flow on loopback | {} | {} | {ratio:.2} | ≤ 1.20: {met} |",
        quartiles("ours_quartiles_ns")?,
        quartiles("raw_quartiles_ns")?
    );
    Ok(())
}

fn main() -> ExitCode {
    let target = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("target"));
    match run(&target.join("criterion")) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{error}; run `cargo bench -p oauth-flow-bench` first");
            ExitCode::FAILURE
        }
    }
}
