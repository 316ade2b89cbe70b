//! Whether a test runs, skips or fails when a peer is not installed.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The environment variable that says what to do without a peer.
pub const MODE_VARIABLE: &str = "OAUTH_FLOW_INTEROP";

/// What a test does when its peer is not installed, from
/// [`OAUTH_FLOW_INTEROP`](MODE_VARIABLE).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Unset or `auto`: run against the peers that are installed, and print
    /// a `SKIPPED` line for each test whose peer is not.
    Auto,
    /// `require`: a peer that is not installed fails the test. CI sets it.
    Require,
    /// `skip`: print a `SKIPPED` line for every test and start no peer.
    Skip,
}

impl Mode {
    /// The mode the environment asks for.
    ///
    /// # Panics
    ///
    /// On a value other than `auto`, `require` or `skip`, so a typo in CI
    /// does not turn into a silent skip.
    pub fn from_env() -> Self {
        match std::env::var(MODE_VARIABLE).as_deref() {
            Err(_) | Ok("" | "auto") => Self::Auto,
            Ok("require") => Self::Require,
            Ok("skip") => Self::Skip,
            Ok(other) => panic!("{MODE_VARIABLE}={other:?}: use `auto`, `require` or `skip`"),
        }
    }
}

/// Where the pinned peers are installed: `crates/oauth-flow-interop/peers`.
pub fn peers_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("peers")
}

/// The command that installs the peers, for messages.
pub const INSTALL: &str = "bash crates/oauth-flow-interop/peers/install.sh";

/// Writes a line to the test's standard error past the test harness's
/// capture, so a skip is seen even when the test passes.
pub(crate) fn say(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// Prints `NOTE <test>: <text>` past the test harness's capture: for a case
/// a peer cannot produce, so a passing test still says what it could not
/// check.
pub fn note(text: &str) {
    say(&format!("NOTE {}: {text}", test_name()));
}

fn test_name() -> String {
    std::thread::current()
        .name()
        .unwrap_or("an interop test")
        .to_owned()
}

/// `Some(())` when the test may go on with `peer`; otherwise prints why it
/// skips and returns `None`, or fails when the mode is [`Mode::Require`].
///
/// # Panics
///
/// When the peer is missing and [`Mode::Require`] is set.
pub(crate) fn check(peer: &str, installed: impl FnOnce() -> Result<(), String>) -> Option<()> {
    let mode = Mode::from_env();
    if mode == Mode::Skip {
        say(&format!(
            "SKIPPED {}: {MODE_VARIABLE}=skip (peer: {peer})",
            test_name()
        ));
        return None;
    }
    match installed() {
        Ok(()) => Some(()),
        Err(why) if mode == Mode::Require => panic!(
            "{peer} is required ({MODE_VARIABLE}=require) but {why}; install the peers with \
             `{INSTALL}`"
        ),
        Err(why) => {
            say(&format!(
                "SKIPPED {}: {peer} {why}; install the peers with `{INSTALL}` \
                 ({MODE_VARIABLE}=require makes this a failure)",
                test_name()
            ));
            None
        }
    }
}

/// Node.js on `PATH`, version 20 or later.
pub(crate) fn node_available() -> Result<(), String> {
    static NODE: OnceLock<Result<(), String>> = OnceLock::new();
    NODE.get_or_init(|| {
        let output = Command::new("node")
            .arg("--version")
            .output()
            .map_err(|_| "cannot run: `node` is not on PATH".to_owned())?;
        let version = String::from_utf8_lossy(&output.stdout).trim().to_owned();
        let major: u32 = version
            .trim_start_matches('v')
            .split('.')
            .next()
            .and_then(|major| major.parse().ok())
            .unwrap_or(0);
        if major >= 20 {
            Ok(())
        } else {
            Err(format!(
                "needs Node.js 20 or later, and `node` is {version:?}"
            ))
        }
    })
    .clone()
}

/// The npm package `name` is installed under `peers/node_modules` at the
/// version `peers/package.json` pins.
pub(crate) fn npm_package_installed(name: &str) -> Result<(), String> {
    node_available()?;
    let read = |path: PathBuf| -> Option<serde_json::Value> {
        serde_json::from_slice(&std::fs::read(path).ok()?).ok()
    };
    let pinned = read(peers_dir().join("package.json"))
        .and_then(|manifest| manifest["dependencies"][name].as_str().map(str::to_owned))
        .ok_or_else(|| format!("is not pinned in {}", peers_dir().display()))?;
    let installed = read(
        peers_dir()
            .join("node_modules")
            .join(name)
            .join("package.json"),
    )
    .and_then(|manifest| manifest["version"].as_str().map(str::to_owned));
    match installed {
        Some(version) if version == pinned => Ok(()),
        Some(version) => Err(format!(
            "is installed at {version}, not the pinned {pinned}"
        )),
        None => Err("is not installed".to_owned()),
    }
}

/// The Python package installed in `peers/.venv` with its console script
/// `script`, at `version`.
pub(crate) fn python_package_installed(
    distribution: &str,
    version: &str,
    script: &str,
) -> Result<(), String> {
    let venv = peers_dir().join(".venv");
    if !venv.join("bin").join(script).is_file() {
        return Err("is not installed".to_owned());
    }
    let dist_info = format!("{distribution}-{version}.dist-info");
    let found = std::fs::read_dir(venv.join("lib"))
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .any(|python| {
            python
                .path()
                .join("site-packages")
                .join(&dist_info)
                .is_dir()
        });
    if found {
        Ok(())
    } else {
        Err(format!("is installed, but not at the pinned {version}"))
    }
}
