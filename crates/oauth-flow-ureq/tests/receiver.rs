//! The loopback redirect receiver, on its own.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};

use oauth_flow_ureq::{LoopbackReceiver, ReceiverError};

/// Sends raw bytes and returns the whole answer.
fn raw(port: u16, request: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}

fn get(port: u16, target: &str) -> String {
    raw(
        port,
        &format!("GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"),
    )
}

fn receiver() -> LoopbackReceiver {
    LoopbackReceiver::bind()
        .unwrap()
        .timeout(Duration::from_secs(10))
}

#[test]
fn redirect_uri_names_loopback_and_the_port() {
    let receiver = receiver();
    assert_eq!(
        receiver.redirect_uri(),
        format!("http://127.0.0.1:{}/callback", receiver.port())
    );
    let custom = receiver.path("oauth/done");
    assert!(custom.redirect_uri().ends_with("/oauth/done"));
}

#[test]
fn the_callback_comes_back_whole_and_the_page_reflects_nothing() {
    let receiver = receiver();
    let port = receiver.port();
    let browser = thread::spawn(move || get(port, "/callback?code=c0de&state=st4te"));

    let redirect = receiver.wait().unwrap();

    assert_eq!(
        redirect,
        format!("http://127.0.0.1:{port}/callback?code=c0de&state=st4te")
    );
    let page = browser.join().unwrap();
    assert!(page.starts_with("HTTP/1.1 200 OK"), "{page}");
    assert!(!page.contains("c0de") && !page.contains("st4te"), "{page}");
}

#[test]
fn a_stray_request_is_answered_404_and_the_wait_goes_on() {
    let receiver = receiver();
    let port = receiver.port();
    let browser = thread::spawn(move || {
        let favicon = get(port, "/favicon.ico");
        let other_path = get(port, "/callbackx?code=nope");
        let wrong_method = raw(
            port,
            "POST /callback?code=nope HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
        );
        let callback = get(port, "/callback?code=real");
        (favicon, other_path, wrong_method, callback)
    });

    let redirect = receiver.wait().unwrap();

    assert!(redirect.ends_with("/callback?code=real"), "{redirect}");
    let (favicon, other_path, wrong_method, callback) = browser.join().unwrap();
    assert!(favicon.starts_with("HTTP/1.1 404"), "{favicon}");
    assert!(other_path.starts_with("HTTP/1.1 404"), "{other_path}");
    assert!(wrong_method.starts_with("HTTP/1.1 404"), "{wrong_method}");
    assert!(callback.starts_with("HTTP/1.1 200"), "{callback}");
}

#[test]
fn a_silent_connection_does_not_hold_the_receiver() {
    let receiver = receiver().connection_timeout(Duration::from_secs(30));
    let port = receiver.port();
    let browser = thread::spawn(move || {
        // A browser's speculative connection that never sends a request.
        let silent = TcpStream::connect(("127.0.0.1", port)).unwrap();
        let answer = get(port, "/callback?code=real");
        drop(silent);
        answer
    });

    let started = Instant::now();
    let redirect = receiver.wait().unwrap();

    assert!(redirect.ends_with("code=real"));
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(browser.join().unwrap().starts_with("HTTP/1.1 200"));
}

#[test]
fn many_silent_connections_cannot_keep_the_callback_out() {
    let receiver = receiver().connection_timeout(Duration::from_secs(30));
    let port = receiver.port();
    let browser = thread::spawn(move || {
        // More idle connections than the receiver reads at once.
        let silent: Vec<TcpStream> = (0..40)
            .map(|_| TcpStream::connect(("127.0.0.1", port)).unwrap())
            .collect();
        thread::sleep(Duration::from_millis(300));
        let answer = get(port, "/callback?code=real");
        drop(silent);
        answer
    });

    let redirect = receiver.wait().unwrap();

    assert!(redirect.ends_with("code=real"));
    assert!(browser.join().unwrap().starts_with("HTTP/1.1 200"));
}

#[test]
fn a_request_the_filter_refuses_is_answered_and_the_wait_goes_on() {
    let receiver = receiver().accept_only(|redirect| redirect.ends_with("state=ours"));
    let port = receiver.port();
    let browser = thread::spawn(move || {
        let forged = get(port, "/callback?code=x&state=forged");
        (forged, get(port, "/callback?code=y&state=ours"))
    });

    let redirect = receiver.wait().unwrap();

    let (forged, real) = browser.join().unwrap();
    assert!(forged.starts_with("HTTP/1.1 400"), "{forged}");
    assert!(
        !forged.contains("forged"),
        "nothing of the request is reflected"
    );
    assert!(real.starts_with("HTTP/1.1 200"), "{real}");
    assert!(redirect.ends_with("code=y&state=ours"));
}

#[test]
fn an_oversized_request_is_refused_and_the_wait_goes_on() {
    let receiver = receiver();
    let port = receiver.port();
    let browser = thread::spawn(move || {
        let long = format!("/callback?code={}", "x".repeat(9000));
        let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        let _ = stream.write_all(format!("GET {long} HTTP/1.1\r\n\r\n").as_bytes());
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        (answer, get(port, "/callback?code=short"))
    });

    let redirect = receiver.wait().unwrap();

    assert!(redirect.ends_with("code=short"));
    let (refused, accepted) = browser.join().unwrap();
    assert!(refused.starts_with("HTTP/1.1 431"), "{refused}");
    assert!(accepted.starts_with("HTTP/1.1 200"));
}

#[test]
fn the_wait_times_out() {
    let receiver = receiver().timeout(Duration::from_millis(200));

    let error = receiver.wait().unwrap_err();

    assert!(matches!(error, ReceiverError::TimedOut { .. }), "{error:?}");
    assert!(error.to_string().starts_with("no callback arrived"));
}
