//! A whole flow against the testkit server on loopback, with no network:
//! `cargo run -p oauth-flow-reqwest --example login_async`.
//!
//! The "browser" is a task that visits the authorization URL with
//! redirects off and delivers the `Location` to the loopback receiver. Each
//! state is printed; tokens never are.

// An example talks to the person running it.
#![allow(clippy::print_stdout)]

use std::error::Error;
use std::time::{Duration, SystemTime};

use oauth_flow::http::{Request, header};
use oauth_flow::{AuthorizeParams, ClientConfig, TokenTypeHint};
use oauth_flow_reqwest::{Config, Driver, LoopbackReceiver, Transport};
use oauth_flow_testkit::{DEMO_CLIENT_ID, ServerConfig, TestServer};

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let server = TestServer::start(ServerConfig::default());
    println!("testkit server: {}", server.issuer());
    let mut driver = Driver::new(Config::default())?;

    let receiver = LoopbackReceiver::bind()?.timeout(Duration::from_secs(30));
    println!("receiver:       {}", receiver.redirect_uri());
    let client = ClientConfig::new(DEMO_CLIENT_ID, &receiver.redirect_uri())?;
    let discovered = driver.discover(server.issuer(), client).await?;
    println!(
        "Discovered:     token endpoint {}",
        discovered.metadata().token_endpoint
    );

    let browser = driver.transport().clone();
    let params = AuthorizeParams::new().scope("read");
    let authorized = driver
        .login(&discovered, params, |url| open(browser, url), receiver)
        .await?;
    let tokens = authorized.tokens();
    println!(
        "Authorized:     scopes {:?}, refresh token {}",
        tokens.scopes(),
        if tokens.refresh_token().is_some() {
            "present"
        } else {
            "absent"
        }
    );

    server.advance(Duration::from_secs(2 * 3600));
    let later = SystemTime::now() + Duration::from_secs(2 * 3600);
    println!("Expired:        two hours later by the server's and the client's clocks");
    let authorized = driver.ensure_fresh(authorized, later).await?;
    let lifetime = authorized
        .tokens()
        .expires_at()
        .and_then(|at| at.duration_since(SystemTime::now()).ok());
    println!("Authorized:     refreshed, the new access token lives {lifetime:?}");

    driver
        .revoke(authorized, TokenTypeHint::RefreshToken)
        .await?;
    println!("Revoked:        the refresh token and its grant");
    Ok(())
}

/// Plays the browser: the authorization server approves at once with a 302
/// to the receiver, which is then visited.
fn open(browser: Transport, url: &oauth_flow::url::Url) {
    println!("AwaitingCallback: opening the authorization URL (its query is not shown)");
    let url = url.to_string();
    tokio::spawn(async move {
        let redirect = browser.send(Request::get(url).body(Vec::new())?).await?;
        let location = redirect
            .headers()
            .get(header::LOCATION)
            .ok_or("the authorization server did not redirect")?
            .to_str()?;
        browser
            .send(Request::get(location).body(Vec::new())?)
            .await?;
        Ok::<(), Box<dyn Error + Send + Sync>>(())
    });
}
