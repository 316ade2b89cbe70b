//! `oauth-flow login`: discovery, the browser, the loopback redirect, the code
//! exchange, and a stored login.

use std::io::{BufRead as _, IsTerminal as _, Write as _};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

use oauth_flow::url::Url;
use oauth_flow::{AuthorizeParams, ClientAuthMethod, ClientConfig, ClientSecret, FlowState};
use oauth_flow_ureq::{Config, Driver, LoopbackReceiver};
use zeroize::Zeroizing;

use crate::fail::{CliError, Exit, driver_error};
use crate::show::Summary;
use crate::store::Store;
use crate::{AuthMethod, LoginArgs};

pub(crate) fn run(store: &Store, profile: &str, args: &LoginArgs) -> Result<(), CliError> {
    let secret = read_secret(args)?;
    let receiver = match args.redirect_port {
        Some(port) => LoopbackReceiver::bind_port(port),
        None => LoopbackReceiver::bind(),
    }
    .map_err(driver_error)?
    .timeout(Duration::from_secs(args.timeout));

    let mut client = ClientConfig::new(&args.client_id, &receiver.redirect_uri())?;
    if let Some(secret) = secret {
        client = client.client_secret(secret);
    }
    if let Some(method) = args.auth_method {
        client = client.auth_method(match method {
            AuthMethod::None => ClientAuthMethod::None,
            AuthMethod::ClientSecretPost => ClientAuthMethod::ClientSecretPost,
            AuthMethod::ClientSecretBasic => ClientAuthMethod::ClientSecretBasic,
        });
    }
    // RFC 8414 first, then OpenID Connect, each where the issuer's path asks.
    let mut driver = Driver::new(Config::new())?;
    let discovered = driver
        .discover(&args.issuer, client)
        .map_err(|f| CliError::from(f).context(format_args!("discovery of {}", args.issuer)))?;

    let mut params = AuthorizeParams::new();
    for scope in &args.scopes {
        params = params.scope(scope);
    }
    for resource in &args.resources {
        params = params.resource(resource);
    }

    let mut waiting = None;
    let open = |url: &Url| {
        show_url(url, args.no_browser);
        waiting = Some(Progress::start(args.timeout));
    };
    let result = driver.login(&discovered, params, open, receiver);
    if let Some(waiting) = waiting {
        waiting.stop();
    }
    let token_endpoint = discovered.metadata().token_endpoint.url();
    let authorized =
        result.map_err(|f| CliError::from(f).context(format_args!("login at {token_endpoint}")))?;

    let _lock = store.lock(profile)?;
    let state = FlowState::from(authorized);
    store.save(profile, &state)?;
    if let Some(summary) = Summary::of(profile, &state, SystemTime::now()) {
        if !args.json {
            println!("Logged in. Stored in {}.", store.dir().display());
        }
        summary.print(args.json);
    }
    Ok(())
}

/// The secret from an environment variable or standard input, never from an
/// argument (arguments show in `ps` and in shell history).
fn read_secret(args: &LoginArgs) -> Result<Option<ClientSecret>, CliError> {
    if let Some(var) = &args.client_secret_env {
        let value = std::env::var(var).map_err(|_| {
            CliError::new(
                Exit::Failure,
                format!("environment variable {var} is not set"),
            )
        })?;
        return Ok(Some(ClientSecret::new(value)));
    }
    if args.client_secret_stdin {
        let mut line = Zeroizing::new(String::new());
        std::io::stdin().lock().read_line(&mut line).map_err(|e| {
            CliError::new(
                Exit::Failure,
                format!("cannot read the client secret from stdin: {e}"),
            )
        })?;
        let secret = line.trim_end_matches(['\r', '\n']);
        if secret.is_empty() {
            return Err(CliError::new(
                Exit::Failure,
                "the client secret on stdin is empty",
            ));
        }
        return Ok(Some(ClientSecret::new(secret)));
    }
    Ok(None)
}

/// Prints the URL on stderr, and opens the browser unless told not to.
fn show_url(url: &Url, no_browser: bool) {
    eprintln!("Open this URL in a browser to log in:\n\n  {url}\n");
    if !no_browser && open_browser(url.as_str()).is_err() {
        eprintln!("(could not open a browser; open the URL yourself)");
    }
}

fn open_browser(url: &str) -> std::io::Result<()> {
    let mut command = if cfg!(target_os = "macos") {
        std::process::Command::new("open")
    } else if cfg!(windows) {
        let mut command = std::process::Command::new("rundll32");
        command.arg("url.dll,FileProtocolHandler");
        command
    } else {
        std::process::Command::new("xdg-open")
    };
    command
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map(drop)
}

/// A one-line indicator on stderr while the browser step runs, when stderr
/// is a terminal.
struct Progress {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Progress {
    fn start(timeout: u64) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let thread = std::io::stderr().is_terminal().then(|| {
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                let started = Instant::now();
                let frames = ['|', '/', '-', '\\'];
                let mut frame = 0;
                while !stop.load(Ordering::Relaxed) {
                    let waited = started.elapsed().as_secs();
                    eprint!(
                        "\r{} waiting for the browser… {waited} s (gives up after {timeout} s) ",
                        frames[frame % 4]
                    );
                    let _ = std::io::stderr().flush();
                    frame += 1;
                    std::thread::sleep(Duration::from_millis(250));
                }
                eprint!("\r{:70}\r", "");
            })
        });
        Self { stop, thread }
    }

    fn stop(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
