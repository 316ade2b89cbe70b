//! The async wait on the loopback receiver. The receiver itself is tested in
//! `oauth-flow-ureq`; these tests cover what the wrapper adds.

mod support;

use std::time::Duration;

use oauth_flow::http::{Request, StatusCode};
use oauth_flow_reqwest::{LoopbackReceiver, ReceiverError, Transport, wait_for_callback};

async fn get(transport: &Transport, url: String) -> StatusCode {
    let request = Request::get(url).body(Vec::new()).unwrap();
    transport.send(request).await.unwrap().status()
}

#[tokio::test]
async fn a_stray_request_is_ignored_and_the_callback_completes() {
    let receiver = support::receiver();
    let base = format!("http://127.0.0.1:{}", receiver.port());
    let transport = Transport::new(support::config()).unwrap();
    let browser = tokio::spawn(async move {
        let favicon = get(&transport, format!("{base}/favicon.ico")).await;
        let callback = get(&transport, format!("{base}/callback?code=real&state=s")).await;
        (favicon, callback)
    });

    let redirect = wait_for_callback(receiver).await.unwrap();

    assert!(
        redirect.ends_with("/callback?code=real&state=s"),
        "{redirect}"
    );
    let (favicon, callback) = browser.await.unwrap();
    assert_eq!(favicon, StatusCode::NOT_FOUND);
    assert_eq!(callback, StatusCode::OK);
}

#[tokio::test]
async fn the_wait_times_out() {
    let receiver = LoopbackReceiver::bind()
        .unwrap()
        .timeout(Duration::from_millis(200));

    let error = wait_for_callback(receiver).await.unwrap_err();

    assert!(matches!(error, ReceiverError::TimedOut { .. }), "{error:?}");
}

#[tokio::test]
async fn dropping_the_wait_closes_the_listener() {
    let receiver = support::receiver();
    let port = receiver.port();

    let waited =
        tokio::time::timeout(Duration::from_millis(100), wait_for_callback(receiver)).await;
    assert!(waited.is_err(), "no callback was sent");

    // The blocking wait notices within a poll interval and drops the listener.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
}
