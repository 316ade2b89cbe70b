//! Shared helpers: a driver with short timeouts, a browser that follows the
//! authorization server's redirect by hand, and a logged-in flow.

#![allow(dead_code, unreachable_pub)]

use std::time::Duration;

use oauth_flow::http::{Request, Response, header};
use oauth_flow::url::Url;
use oauth_flow::{AuthorizeParams, Authorized, ClientConfig, Discovered};
use oauth_flow_reqwest::{Config, Driver, LoopbackReceiver, Transport};
use oauth_flow_testkit::{DEMO_CLIENT_ID, TestServer};

pub fn config() -> Config {
    Config::new()
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(10))
}

pub fn driver() -> Driver {
    Driver::new(config()).unwrap()
}

pub async fn get(transport: &Transport, url: &str) -> Response<Vec<u8>> {
    transport
        .send(Request::get(url).body(Vec::new()).unwrap())
        .await
        .unwrap()
}

/// What a browser does with the authorization URL: one `GET`, whose answer is
/// a redirect to the client's `redirect_uri`. Returns the `Location`.
pub async fn authorize_redirect(transport: &Transport, url: &str) -> String {
    let response = get(transport, url).await;
    assert_eq!(response.status(), 302, "the testkit approves at once");
    response.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_owned()
}

/// An `open_url` for [`Driver::login`]: a task that visits the URL and
/// delivers the redirect (changed by `edit`) to the receiver.
pub fn browser(
    transport: Transport,
    edit: impl FnOnce(String) -> String + Send + 'static,
) -> impl FnOnce(&Url) {
    move |url: &Url| {
        let url = url.to_string();
        tokio::spawn(async move {
            let location = authorize_redirect(&transport, &url).await;
            let request = Request::get(edit(location)).body(Vec::new()).unwrap();
            let _ = transport.send(request).await;
        });
    }
}

pub fn receiver() -> LoopbackReceiver {
    LoopbackReceiver::bind()
        .unwrap()
        .timeout(Duration::from_secs(10))
}

/// Discovery with the demo public client and `receiver`'s redirect URI.
pub async fn discover(
    driver: &Driver,
    server: &TestServer,
    receiver: &LoopbackReceiver,
) -> Discovered {
    let client = ClientConfig::new(DEMO_CLIENT_ID, &receiver.redirect_uri()).unwrap();
    driver.discover(server.issuer(), client).await.unwrap()
}

/// A whole login through the loopback receiver.
pub async fn log_in(driver: &mut Driver, server: &TestServer) -> Authorized {
    let receiver = receiver();
    let discovered = discover(driver, server, &receiver).await;
    let open_url = browser(driver.transport().clone(), |location| location);
    let params = AuthorizeParams::new().scope("read");
    driver
        .login(&discovered, params, open_url, receiver)
        .await
        .unwrap()
}

/// The status of the testkit's protected resource for an `Authorization` value.
pub async fn resource_status(transport: &Transport, server: &TestServer, bearer: &str) -> u16 {
    let request = Request::get(server.resource_url())
        .header(header::AUTHORIZATION, bearer)
        .body(Vec::new())
        .unwrap();
    transport.send(request).await.unwrap().status().as_u16()
}

pub fn bearer_text(authorized: &Authorized, now: std::time::SystemTime) -> String {
    authorized.bearer(now).unwrap().to_str().unwrap().to_owned()
}
