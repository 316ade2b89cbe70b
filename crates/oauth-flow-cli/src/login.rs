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
use crate::store::{Place, Store};
use crate::{AuthMethod, LoginArgs};

pub(crate) fn run(store: &Store, profile: &str, args: &LoginArgs) -> Result<(), CliError> {
    run_with(store, profile, args, |url| show_url(url, args.no_browser))
}

/// [`run`], with `show` in place of the browser: it gets the authorization
/// URL, and the login waits for the redirect once it returns.
pub(crate) fn run_with(
    store: &Store,
    profile: &str,
    args: &LoginArgs,
    show: impl Fn(&Url),
) -> Result<(), CliError> {
    // Where the tokens go is settled first: a keyring that cannot be used
    // stops the login before the browser, not after.
    let keyring = uses_keyring(store, profile, args)?;
    if keyring {
        store.keyring().check(profile)?;
    }
    let secret = read_secret(args)?;
    let receiver = match args.redirect_port {
        Some(port) => LoopbackReceiver::bind_port(port),
        // Without --issuer, a client registered by an earlier login of this
        // profile is used again; its redirect URI names a port.
        None => match previous_port(store, profile).filter(|_| args.issuer.is_none()) {
            Some(port) => LoopbackReceiver::bind_port(port).or_else(|_| LoopbackReceiver::bind()),
            None => LoopbackReceiver::bind(),
        },
    }
    .map_err(driver_error)?
    .timeout(Duration::from_secs(args.timeout));

    let (Some(issuer), Some(client_id)) = (&args.issuer, &args.client_id) else {
        let how = resource::How {
            keyring,
            show: &show,
        };
        return resource::run(store, profile, args, receiver, secret.as_ref(), &how);
    };
    let mut client = ClientConfig::new(client_id, &receiver.redirect_uri())?
        .leniency(crate::leniency(&args.lenient));
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
        .discover(issuer, client)
        .map_err(|f| CliError::from(f).context(format_args!("discovery of {issuer}")))?;

    let mut params = AuthorizeParams::new();
    for scope in &args.scopes {
        params = params.scope(scope);
    }
    for resource in &args.resources {
        params = params.resource(resource);
    }
    for (name, value) in &args.params {
        params = params.param(name, value);
    }

    let mut waiting = None;
    let open = |url: &Url| {
        show(url);
        waiting = Some(Progress::start(args.timeout));
    };
    let result = driver.login(&discovered, params, open, receiver);
    if let Some(waiting) = waiting {
        waiting.stop();
    }
    let token_endpoint = discovered.metadata().token_endpoint.url();
    let authorized =
        result.map_err(|f| CliError::from(f).context(format_args!("login at {token_endpoint}")))?;

    save(store, profile, authorized, keyring, args.json)
}

/// The loopback port of the redirect URI of the profile's stored client.
fn previous_port(store: &Store, profile: &str) -> Option<u16> {
    let state = store.load(profile).ok()??;
    let client = state.discovered()?.client();
    client
        .redirects_to_loopback()
        .then(|| client.redirect_uri().port())
        .flatten()
}

/// Stores the tokens (sealed, with a new key in the OS keyring, when
/// `keyring` is true) and prints the summary.
fn save(
    store: &Store,
    profile: &str,
    authorized: oauth_flow::Authorized,
    keyring: bool,
    json: bool,
) -> Result<(), CliError> {
    let _lock = store.lock(profile)?;
    let state = FlowState::from(authorized);
    let place = store.save_login(profile, &state, keyring)?;
    if let Some(summary) = Summary::of(profile, &state, SystemTime::now()) {
        if !json {
            outln!("Logged in. Stored in {}.", store.dir().display());
        }
        summary.stored(&place, &store.file(profile)).print(json);
    }
    Ok(())
}

/// `login --resource URL` without `--issuer`: the MCP chain.
mod resource {
    use super::{
        CliError, ClientSecret, Config, Driver, Exit, LoginArgs, LoopbackReceiver, Progress, Store,
        Url, save,
    };
    use oauth_flow::http::Request;
    use oauth_flow::{
        BearerChallenge, ClientIdentity, ClientRegistration, LegacyMode, ResourceAnswer,
    };

    /// What `run_with` settled before: where the tokens go, and how the
    /// authorization URL reaches the person.
    pub(super) struct How<'a> {
        pub(super) keyring: bool,
        pub(super) show: &'a dyn Fn(&Url),
    }

    pub(super) fn run(
        store: &Store,
        profile: &str,
        args: &LoginArgs,
        receiver: LoopbackReceiver,
        secret: Option<&ClientSecret>,
        how: &How<'_>,
    ) -> Result<(), CliError> {
        let [resource_url] = args.resources.as_slice() else {
            return Err(CliError::new(
                Exit::Usage,
                "give --issuer and --client-id, or exactly one --resource to log in for",
            ));
        };
        if secret.is_some() || args.auth_method.is_some() {
            return Err(CliError::new(
                Exit::Failure,
                "a client secret or --auth-method needs --issuer and --client-id",
            )
            .hint("credentials are only sent to the issuer they were registered at"));
        }
        if !args.params.is_empty() {
            return Err(CliError::new(
                Exit::Failure,
                "--param needs --issuer and --client-id; a login for a resource sets its own",
            ));
        }
        let mut driver = Driver::new(Config::new())?;
        let challenge = probe(&driver, resource_url)?;

        let redirect_uri = receiver.redirect_uri();
        let registration = ClientRegistration::new("oauth-flow CLI", &redirect_uri)?;
        let mut identity = ClientIdentity::new(&redirect_uri)?
            .register_with(registration)
            .leniency(crate::leniency(&args.lenient));
        if let Some(document) = &args.client_metadata_document {
            identity = identity.metadata_document(document)?;
        }
        // A client registered by an earlier login of this profile, at the
        // same issuer only.
        if let Ok(Some(previous)) = store.load(profile)
            && let Some(discovered) = previous.discovered()
            && discovered.client().redirect_uri().as_str() == redirect_uri
        {
            let issuer = discovered.metadata().issuer.clone();
            identity = identity.preregistered(issuer, discovered.client().clone());
        }

        let mut waiting = None;
        let open = |url: &Url| {
            (how.show)(url);
            waiting = Some(Progress::start(args.timeout));
        };
        let result = driver.login_resource(
            resource_url,
            challenge.as_ref(),
            LegacyMode::default(),
            &identity,
            open,
            receiver,
        );
        if let Some(waiting) = waiting {
            waiting.stop();
        }
        let login = result
            .map_err(|f| CliError::from(f).context(format_args!("login for {resource_url}")))?;
        if login.registered.is_some() && !args.json {
            outln!("Registered a client at {}.", login.located.issuer());
        }
        save(store, profile, login.authorized, how.keyring, args.json)
    }

    /// Asks the resource once without a token, for its challenge: where its
    /// metadata is and which scope it wants.
    fn probe(driver: &Driver, resource_url: &str) -> Result<Option<BearerChallenge>, CliError> {
        let request = Request::get(resource_url)
            .body(Vec::new())
            .map_err(|e| CliError::new(Exit::Failure, format!("bad resource URL: {e}")))?;
        let response = driver.send(request).map_err(|e| {
            CliError::from(oauth_flow_ureq::Error::from(e))
                .context(format_args!("request to {resource_url}"))
        })?;
        Ok(match ResourceAnswer::of(&response) {
            Ok(ResourceAnswer::Unauthorized(challenge) | ResourceAnswer::Forbidden(challenge)) => {
                challenge
            }
            Ok(ResourceAnswer::InsufficientScope(challenge)) => Some(challenge),
            // Open, or a malformed challenge: look for the metadata anyway.
            Ok(_) | Err(_) => None,
        })
    }
}

/// `--keyring` or `--no-keyring` when given; otherwise where the profile
/// keeps its tokens now, and a plain file for a new profile.
fn uses_keyring(store: &Store, profile: &str, args: &LoginArgs) -> Result<bool, CliError> {
    if args.keyring || args.no_keyring {
        return Ok(args.keyring);
    }
    Ok(matches!(store.place(profile)?, Some(Place::Keyring(_))))
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
