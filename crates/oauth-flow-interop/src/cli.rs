//! The `oauth-flow` command, run as a user runs it, with its own store.

use std::io::{BufRead as _, BufReader, Read as _};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use oauth_flow::url::Url;

use crate::gate;

/// The environment variable that names the `oauth-flow` binary to test.
pub const BINARY_VARIABLE: &str = "OAUTH_FLOW_BIN";

/// The `oauth-flow` binary with a store of its own, removed on drop.
#[derive(Debug)]
pub struct Cli {
    binary: PathBuf,
    store: PathBuf,
}

/// Where cargo puts the binary: beside the `deps` folder of this test.
fn built_binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(BINARY_VARIABLE) {
        return Some(PathBuf::from(path));
    }
    let test = std::env::current_exe().ok()?;
    let profile = test.parent()?.parent()?;
    Some(profile.join(format!("oauth-flow{}", std::env::consts::EXE_SUFFIX)))
}

impl Cli {
    /// The binary that `cargo build -p oauth-flow-cli` (or
    /// `cargo test --workspace`) built in this target folder, or the one
    /// [`OAUTH_FLOW_BIN`](BINARY_VARIABLE) names. `None`, with a `SKIPPED`
    /// line, when there is none (a failure under `OAUTH_FLOW_INTEROP=require`).
    pub fn new() -> Option<Self> {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let binary = built_binary();
        gate::check("the oauth-flow binary", || match &binary {
            Some(path) if path.is_file() => Ok(()),
            Some(path) => Err(format!(
                "is not built at {} (run `cargo build -p oauth-flow-cli` first, or set \
                 {BINARY_VARIABLE})",
                path.display()
            )),
            None => Err("cannot be located".to_owned()),
        })?;
        let store = std::env::temp_dir().join(format!(
            "oauth-flow-interop-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&store);
        Some(Self {
            binary: binary?,
            store,
        })
    }

    /// The command with `args`, using this store.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(&self.binary);
        command
            .args(args)
            .env("OAUTH_FLOW_STORE", &self.store)
            .env_remove("OAUTH_FLOW_LOG")
            .stdin(Stdio::null());
        command
    }

    /// Runs the command with `args` to its end.
    ///
    /// # Panics
    ///
    /// When the binary cannot be run.
    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("the binary runs")
    }

    /// Runs `login --no-browser` with `args` (and `--timeout 30` unless they
    /// set one) and `env`, reads the URL it
    /// prints and hands it to `person` (who plays the browser), then waits
    /// for the command to end. The standard error in the output holds
    /// everything the command printed there.
    ///
    /// # Panics
    ///
    /// When the command ends before printing a URL.
    pub fn login(&self, args: &[&str], env: &[(&str, &str)], person: impl FnOnce(&Url)) -> Output {
        let mut all = vec!["login", "--no-browser"];
        if !args.contains(&"--timeout") {
            all.extend_from_slice(&["--timeout", "30"]);
        }
        all.extend_from_slice(args);
        let mut child = self
            .command(&all)
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary runs");
        let mut stderr = BufReader::new(child.stderr.take().expect("stderr is piped"));
        let mut seen = String::new();
        let url = loop {
            let mut line = String::new();
            let read = stderr.read_line(&mut line).expect("stderr is readable");
            if read == 0 {
                let output = child.wait_with_output().expect("the command ends");
                panic!(
                    "login ended before printing a URL ({}): {seen}{}",
                    output.status,
                    text(&output.stdout)
                );
            }
            seen.push_str(&line);
            if let Ok(url) = Url::parse(line.trim()) {
                break url;
            }
        };
        person(&url);
        let mut rest = String::new();
        stderr
            .read_to_string(&mut rest)
            .expect("stderr is readable");
        seen.push_str(&rest);
        let mut output = child.wait_with_output().expect("the command ends");
        output.stderr = seen.into_bytes();
        output
    }
}

impl Drop for Cli {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.store);
    }
}

/// Bytes as text, for messages.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
