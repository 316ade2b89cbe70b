//! Every future the driver returns is `Send`, so it can run in `tokio::spawn`.
//! This file only has to compile; the futures are never polled.

use std::time::SystemTime;

use oauth_flow::http::Request;
use oauth_flow::{
    AuthorizeParams, Authorized, ClientConfig, Discovered, Discovering, Exchanging, Refreshing,
    Revoking, TokenTypeHint,
};
use oauth_flow_reqwest::{Driver, LoopbackReceiver, Transport, wait_for_callback};

fn assert_send<T: Send>(_: T) {}

#[allow(dead_code, clippy::too_many_arguments, clippy::needless_pass_by_value)]
fn driver_futures_are_send(
    mut driver: Driver,
    transport: Transport,
    discovering: Discovering,
    discovered: Discovered,
    exchanging: Exchanging,
    authorized: Authorized,
    refreshing: Refreshing,
    revoking: Revoking,
    receiver: LoopbackReceiver,
) {
    assert_send(transport.send(Request::new(Vec::new())));
    assert_send(driver.send(Request::new(Vec::new())));
    assert_send(driver.discover("https://as.example.com", client()));
    assert_send(driver.discover_from(discovering));
    assert_send(driver.exchange(exchanging));
    assert_send(driver.ensure_fresh(authorized, SystemTime::now()));
    assert_send(driver.refresh_from(refreshing));
    assert_send(driver.revoke_from(revoking));
    assert_send(wait_for_callback(receiver));
    let receiver = LoopbackReceiver::bind().unwrap();
    assert_send(driver.login(&discovered, AuthorizeParams::new(), |_| {}, receiver));
}

#[allow(dead_code, clippy::needless_pass_by_value)]
fn refresh_and_revoke_futures_are_send(driver: Driver, a: Authorized, b: Authorized) {
    assert_send(driver.refresh(a));
    assert_send(driver.revoke(b, TokenTypeHint::AccessToken));
}

fn client() -> ClientConfig {
    ClientConfig::new("cli", "http://127.0.0.1:8976/callback").unwrap()
}

#[test]
fn the_driver_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Driver>();
    assert_send_sync::<Transport>();
}
