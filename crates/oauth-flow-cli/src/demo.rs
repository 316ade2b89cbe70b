//! `oauth-flow demo`: the whole flow against the testkit server on
//! 127.0.0.1, with no network, no account and no browser. The demo plays the
//! person: it follows the authorization redirect itself.

use std::fmt::Display;
use std::time::{Duration, Instant, SystemTime};

use oauth_flow::http::{Method, Request, header};
use oauth_flow::url::Url;
use oauth_flow::{AuthorizeParams, Authorized, ClientConfig, Freshness, TokenTypeHint};
use oauth_flow_testkit::{DEMO_CLIENT_ID, ServerConfig, TestServer};
use oauth_flow_ureq::{Config, Driver, LoopbackReceiver};

use crate::fail::{CliError, Exit, driver_error};
use crate::show::duration_in_words;

const LIFETIME: Duration = Duration::from_secs(3600);

/// Form members whose values are secrets.
const SECRET_MEMBERS: [&str; 6] = [
    "code",
    "code_verifier",
    "refresh_token",
    "client_secret",
    "token",
    "state",
];

pub(crate) fn run() -> Result<(), CliError> {
    let total = Instant::now();
    let config = ServerConfig::new().access_token_lifetime(LIFETIME);
    let server = TestServer::try_start(config)
        .map_err(|e| CliError::new(Exit::Failure, format!("cannot start the demo server: {e}")))?;
    outln!(
        "A local authorization server is listening at {}.",
        server.base_url()
    );
    outln!("Secrets are shown as [redacted]; times are per step.\n");

    let mut driver = Driver::new(Config::new())?;
    let receiver = LoopbackReceiver::bind()
        .map_err(driver_error)?
        .timeout(Duration::from_secs(10));
    let client = ClientConfig::new(DEMO_CLIENT_ID, &receiver.redirect_uri())?;

    let step = Step::start("Discovering", format!("GET {}", server.metadata_url()));
    let discovered = driver.discover(server.issuer(), client)?;
    let metadata = discovered.metadata();
    step.done(format!(
        "200: the issuer matches, endpoints are on loopback, PKCE methods {:?}, \
         callbacks will name the issuer (RFC 9207): {}",
        metadata
            .code_challenge_methods_supported
            .clone()
            .unwrap_or_default(),
        if metadata.authorization_response_iss_parameter_supported {
            "yes"
        } else {
            "no"
        },
    ));

    let step = Step::start(
        "Discovered",
        "authorization request with PKCE S256 and a new state",
    );
    let (awaiting, url) = driver.authorize(&discovered, AuthorizeParams::new().scope("read"))?;
    step.done(redacted_url(&url));

    let step = Step::start(
        "AwaitingCallback",
        "the demo browser opens the URL; consent is automatic",
    );
    let filter = awaiting.callback_filter();
    let receiver = receiver.accept_only(move |redirect| filter.accepts(redirect));
    let browser = std::thread::spawn(move || play_browser(url.as_str()));
    let redirect = receiver.wait().map_err(driver_error)?;
    browser
        .join()
        .map_err(|_| CliError::new(Exit::Failure, "the demo browser panicked"))??;
    let exchanging = awaiting
        .handle_callback(&redirect)
        .map_err(|r| driver_error(r.into_error()))?;
    step.done("redirected back to the loopback receiver: state matches, iss matches");

    let step = Step::start("Exchanging", describe(&exchanging.request()));
    let authorized = driver.exchange(exchanging)?;
    let tokens = authorized.tokens();
    step.done(format!(
        "200: access token [redacted], refresh token {}, scopes {:?}, expires in {}",
        if tokens.refresh_token().is_some() {
            "[redacted]"
        } else {
            "none"
        },
        tokens.scopes(),
        tokens
            .expires_at()
            .and_then(|t| t.duration_since(SystemTime::now()).ok())
            .map_or_else(
                || "an unknown time".into(),
                |d| duration_in_words(d.as_secs() + 1)
            ),
    ));

    use_and_refresh(&driver, &server, authorized)?;
    outln!(
        "[{:>16}] done: {} requests reached the server; the whole flow took {} ms",
        "Revoked",
        server.requests().len(),
        total.elapsed().as_millis()
    );
    Ok(())
}

/// From `Authorized`: a resource call, an hour of expiry, a refresh, another
/// call, and the revocation.
fn use_and_refresh(
    driver: &Driver,
    server: &TestServer,
    authorized: Authorized,
) -> Result<(), CliError> {
    let step = Step::start(
        "Authorized",
        format!("GET {} with the bearer token", server.resource_url()),
    );
    let status = call_resource(driver, server, &authorized, SystemTime::now())?;
    step.done(format!("{status}: the protected resource answered"));

    let step = Step::start(
        "Authorized",
        "an hour passes, on the server's clock and on ours",
    );
    server.advance(LIFETIME);
    let later = SystemTime::now() + LIFETIME;
    let Freshness::Expired(expired) = authorized.check(later) else {
        return Err(CliError::new(
            Exit::Failure,
            "the demo token did not expire as planned",
        ));
    };
    step.done("the access token is past its expiry: a refresh is due");

    let refreshing = expired
        .refresh()
        .map_err(|r| driver_error(r.into_error()))?;
    let step = Step::start("Refreshing", describe(&refreshing.request()));
    let authorized = driver.refresh_from(refreshing)?;
    step.done("200: new access token [redacted], refresh token rotated [redacted]");

    let step = Step::start(
        "Authorized",
        format!("GET {} with the new token", server.resource_url()),
    );
    let status = call_resource(driver, server, &authorized, SystemTime::now())?;
    step.done(format!("{status}: the protected resource answered"));

    let revoking = authorized
        .revoke(TokenTypeHint::RefreshToken)
        .map_err(|r| driver_error(r.into_error()))?;
    let step = Step::start("Revoking", describe(&revoking.request()));
    driver.revoke_from(revoking)?;
    step.done("200: the refresh token and its access tokens are revoked");
    Ok(())
}

/// Plays the person at the browser: asks for the authorization page, whose
/// automatic consent answers with a redirect, and follows that redirect to
/// the loopback receiver.
fn play_browser(url: &str) -> Result<(), CliError> {
    let agent = ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .max_redirects(0)
            .http_status_as_error(false)
            .build(),
    );
    let browser_failed =
        |e: ureq::Error| CliError::new(Exit::Network, format!("the demo browser failed: {e}"));
    let response = agent.get(url).call().map_err(browser_failed)?;
    let location = response
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| CliError::new(Exit::Server, "the authorization page did not redirect"))?;
    agent.get(location).call().map_err(browser_failed)?;
    Ok(())
}

fn call_resource(
    driver: &Driver,
    server: &TestServer,
    authorized: &Authorized,
    now: SystemTime,
) -> Result<u16, CliError> {
    let bearer = authorized
        .bearer(now)
        .map_err(|e| crate::fail::bearer(&e))?;
    let mut request = Request::new(Vec::new());
    *request.method_mut() = Method::GET;
    *request.uri_mut() = server
        .resource_url()
        .parse()
        .map_err(|_| CliError::new(Exit::Failure, "the demo resource URL is not a URI"))?;
    request.headers_mut().insert(header::AUTHORIZATION, bearer);
    let response = driver.send(request).map_err(driver_error)?;
    match response.status().as_u16() {
        200 => Ok(200),
        status => Err(CliError::new(
            Exit::Server,
            format!("the protected resource answered {status}"),
        )),
    }
}

/// `POST <url> name=value …`, with secret values redacted.
fn describe(request: &Request<Vec<u8>>) -> String {
    let pairs: Vec<String> = oauth_flow::url::form_urlencoded::parse(request.body())
        .map(|(name, value)| {
            let value = if SECRET_MEMBERS.contains(&name.as_ref()) {
                "[redacted]".into()
            } else {
                value
            };
            format!("{name}={value}")
        })
        .collect();
    let basic = if request.headers().contains_key(header::AUTHORIZATION) {
        " + Basic [redacted]"
    } else {
        ""
    };
    format!(
        "{} {} {}{basic}",
        request.method(),
        request.uri(),
        pairs.join(" ")
    )
}

fn redacted_url(url: &Url) -> String {
    let mut shown = url.clone();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            let v = if SECRET_MEMBERS.contains(&k.as_ref()) {
                "[redacted]".into()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    shown.query_pairs_mut().clear().extend_pairs(pairs);
    shown.to_string()
}

/// One line when a state is entered, one when its step is done, with the time
/// it took.
struct Step {
    started: Instant,
}

impl Step {
    fn start(state: &str, what: impl Display) -> Self {
        outln!("[{state:>16}] {what}");
        Self {
            started: Instant::now(),
        }
    }

    fn done(self, what: impl Display) {
        outln!(
            "{:>19}→ {what} ({} ms)",
            "",
            self.started.elapsed().as_millis()
        );
    }
}
