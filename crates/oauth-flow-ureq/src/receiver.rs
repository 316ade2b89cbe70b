//! The loopback redirect receiver for native apps (RFC 8252 §7.3).

use std::io::{self, Read as _, Write as _};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The largest request head the receiver reads: 8 KiB. A longer one is
/// answered 431 and ignored.
pub const MAX_REQUEST_BYTES: usize = 8 * 1024;

/// How long [`LoopbackReceiver::wait`] waits for the callback by default: 5 minutes.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(5 * 60);

/// How long one connection may take to send its request head by default: 5 s.
pub const DEFAULT_CONNECTION_TIMEOUT: Duration = Duration::from_secs(5);

/// Connections read at the same time; more wait in the listen queue.
const MAX_PENDING: usize = 16;

/// How often the listener and the pending connections are polled.
const POLL_INTERVAL: Duration = Duration::from_millis(10);

/// The page shown in the browser after the callback. It reflects nothing
/// from the request: the callback's query holds the code and `state`.
const DONE_PAGE: &str = "<!doctype html><html><head><meta charset=\"utf-8\">\
<title>Sign-in received</title></head><body><p>The sign-in response was received. \
You can close this window and return to the application.</p></body></html>";

/// The page shown for a request to the callback path that the filter refused
/// (another login's callback, or a forged one). It reflects nothing either.
const IGNORED_PAGE: &str = "<!doctype html><html><head><meta charset=\"utf-8\">\
<title>Not this sign-in</title></head><body><p>This response does not belong to the \
sign-in in progress and was ignored.</p></body></html>";

/// Decides whether a redirect to the callback path is the one awaited.
type Filter = Box<dyn Fn(&str) -> bool + Send + Sync>;

/// The loopback receiver failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReceiverError {
    /// The address could not be bound (the chosen port is taken, say).
    #[error("could not listen on 127.0.0.1: {0}")]
    Bind(#[source] io::Error),
    /// Accepting connections failed.
    #[error("the loopback receiver failed: {0}")]
    Io(#[source] io::Error),
    /// No callback arrived in time. The person may have closed the browser;
    /// start a new authorization.
    #[error("no callback arrived within {waited:?}")]
    TimedOut {
        /// How long the receiver waited.
        waited: Duration,
    },
    /// The wait was stopped before a callback arrived.
    #[error("the wait for the callback was stopped")]
    Stopped,
}

/// Catches the authorization server's redirect on `127.0.0.1`, as RFC 8252
/// §7.3 describes for native apps.
///
/// Bind it first, build the client configuration with its
/// [`redirect_uri`](Self::redirect_uri), then [`wait`](Self::wait) after
/// showing the authorization URL. The wait:
/// - answers a `GET` of exactly the callback path with a fixed page and
///   returns the full redirect URL, for
///   [`AwaitingCallback::handle_callback`](oauth_flow::AwaitingCallback::handle_callback)
///   to check (the receiver checks nothing of the query itself);
/// - answers anything else (`/favicon.ico`, other methods) with 404 and keeps
///   waiting;
/// - reads at most [`MAX_REQUEST_BYTES`] per request, and gives each
///   connection [`connection_timeout`](Self::connection_timeout) to send it,
///   so a stalled connection cannot hold the receiver;
/// - ends with [`ReceiverError::TimedOut`] after [`timeout`](Self::timeout).
///
/// It never logs or prints a request: the callback carries the code.
pub struct LoopbackReceiver {
    listener: TcpListener,
    port: u16,
    path: String,
    timeout: Duration,
    connection_timeout: Duration,
    filter: Option<Filter>,
}

impl std::fmt::Debug for LoopbackReceiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoopbackReceiver")
            .field("port", &self.port)
            .field("path", &self.path)
            .field("timeout", &self.timeout)
            .field("connection_timeout", &self.connection_timeout)
            .field("filtered", &self.filter.is_some())
            .finish_non_exhaustive()
    }
}

impl LoopbackReceiver {
    /// Listens on `127.0.0.1` on a port the system chooses, with the path
    /// `/callback`.
    pub fn bind() -> Result<Self, ReceiverError> {
        Self::bind_port(0)
    }

    /// Listens on `127.0.0.1:port`, for servers that registered a fixed port.
    /// Port 0 lets the system choose.
    pub fn bind_port(port: u16) -> Result<Self, ReceiverError> {
        let listener =
            TcpListener::bind((Ipv4Addr::LOCALHOST, port)).map_err(ReceiverError::Bind)?;
        let port = listener.local_addr().map_err(ReceiverError::Bind)?.port();
        Ok(Self {
            listener,
            port,
            path: "/callback".to_owned(),
            timeout: DEFAULT_WAIT,
            connection_timeout: DEFAULT_CONNECTION_TIMEOUT,
            filter: None,
        })
    }

    /// Sets the callback path (default `/callback`); a missing leading `/` is
    /// added. Only the path is compared, never the query.
    #[must_use]
    pub fn path(mut self, path: &str) -> Self {
        self.path = if path.starts_with('/') {
            path.to_owned()
        } else {
            format!("/{path}")
        };
        self
    }

    /// How long [`wait`](Self::wait) waits for the callback (default
    /// [`DEFAULT_WAIT`]).
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How long one connection may take to send its request head (default
    /// [`DEFAULT_CONNECTION_TIMEOUT`]).
    #[must_use]
    pub fn connection_timeout(mut self, timeout: Duration) -> Self {
        self.connection_timeout = timeout;
        self
    }

    /// Waits only for a redirect that `accepts` (typically
    /// [`CallbackFilter::accepts`](oauth_flow::CallbackFilter::accepts) of the
    /// flow in progress): any other request to the callback path, such as a
    /// forged one from another page, gets a fixed "ignored" page and the wait
    /// goes on. The drivers' `login` sets it.
    #[must_use]
    pub fn accept_only(mut self, accepts: impl Fn(&str) -> bool + Send + Sync + 'static) -> Self {
        self.filter = Some(Box::new(accepts));
        self
    }

    /// The port listened on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The `redirect_uri` to register and to put in the client configuration:
    /// `http://127.0.0.1:<port><path>`.
    pub fn redirect_uri(&self) -> String {
        format!("http://127.0.0.1:{}{}", self.port, self.path)
    }

    /// Waits for the callback and returns the full redirect URL, query
    /// included. Blocks the thread; see the type's documentation.
    pub fn wait(self) -> Result<String, ReceiverError> {
        self.wait_or_stop(&AtomicBool::new(false))
    }

    /// [`wait`](Self::wait), ending with [`ReceiverError::Stopped`] soon after
    /// `stop` becomes true (for a caller that gave up, such as a cancelled
    /// async task).
    pub fn wait_or_stop(self, stop: &AtomicBool) -> Result<String, ReceiverError> {
        self.listener
            .set_nonblocking(true)
            .map_err(ReceiverError::Io)?;
        let started = Instant::now();
        let mut pending: Vec<Pending> = Vec::new();
        loop {
            if stop.load(Ordering::Relaxed) {
                return Err(ReceiverError::Stopped);
            }
            if started.elapsed() >= self.timeout {
                return Err(ReceiverError::TimedOut {
                    waited: self.timeout,
                });
            }
            self.accept_into(&mut pending)?;

            let mut i = 0;
            while i < pending.len() {
                match pending[i].read() {
                    Progress::Waiting => i += 1,
                    Progress::Gone => {
                        pending.swap_remove(i);
                    }
                    Progress::Head(status) => {
                        let mut connection = pending.swap_remove(i);
                        if let Some(target) = self.callback_target(&connection.head, status) {
                            let redirect = format!("http://127.0.0.1:{}{target}", self.port);
                            if self
                                .filter
                                .as_ref()
                                .is_none_or(|accepts| accepts(&redirect))
                            {
                                connection.answer("200 OK", DONE_PAGE);
                                return Ok(redirect);
                            }
                            connection.answer("400 Bad Request", IGNORED_PAGE);
                            continue;
                        }
                        match status {
                            HeadStatus::Complete => connection.answer("404 Not Found", ""),
                            HeadStatus::TooLarge => {
                                connection.answer("431 Request Header Fields Too Large", "");
                            }
                        }
                    }
                }
            }
            std::thread::sleep(POLL_INTERVAL);
        }
    }

    fn accept_into(&self, pending: &mut Vec<Pending>) -> Result<(), ReceiverError> {
        loop {
            match self.listener.accept() {
                Ok((stream, _)) => {
                    // When full, the connection that has been idle longest
                    // makes room, so a few silent connections cannot keep the
                    // browser's out; failing that, the new one is closed.
                    if pending.len() >= MAX_PENDING {
                        evict_idle(pending);
                    }
                    if pending.len() < MAX_PENDING && stream.set_nonblocking(true).is_ok() {
                        let now = Instant::now();
                        pending.push(Pending {
                            stream,
                            head: Vec::new(),
                            accepted: now,
                            deadline: now + self.connection_timeout,
                        });
                    }
                }
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(error) if is_transient(&error) => {}
                Err(error) => return Err(ReceiverError::Io(error)),
            }
        }
    }

    /// The request target when the head is `GET <callback path>[?query] HTTP/1.x`.
    fn callback_target<'a>(&self, head: &'a [u8], status: HeadStatus) -> Option<&'a str> {
        if status != HeadStatus::Complete {
            return None;
        }
        let line_end = head.windows(2).position(|pair| pair == b"\r\n")?;
        let line = std::str::from_utf8(&head[..line_end]).ok()?;
        let mut parts = line.split(' ');
        let (method, target, version) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || method != "GET" || !version.starts_with("HTTP/1.") {
            return None;
        }
        let path = target.split_once('?').map_or(target, |(path, _)| path);
        (path == self.path).then_some(target)
    }
}

/// Accept errors that concern one connection, not the listener.
fn is_transient(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::Interrupted
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

/// A connection whose request head is still arriving.
struct Pending {
    stream: TcpStream,
    head: Vec<u8>,
    accepted: Instant,
    deadline: Instant,
}

/// How long a connection must have sent nothing before a new one may take
/// its place.
const IDLE_BEFORE_EVICTION: Duration = Duration::from_millis(100);

/// Drops the oldest connection that has sent nothing for a while.
fn evict_idle(pending: &mut Vec<Pending>) {
    let oldest_idle = pending
        .iter()
        .enumerate()
        .filter(|(_, p)| p.head.is_empty() && p.accepted.elapsed() >= IDLE_BEFORE_EVICTION)
        .min_by_key(|(_, p)| p.accepted)
        .map(|(i, _)| i);
    if let Some(i) = oldest_idle {
        pending.swap_remove(i);
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum HeadStatus {
    Complete,
    TooLarge,
}

enum Progress {
    Waiting,
    Gone,
    Head(HeadStatus),
}

impl Pending {
    fn read(&mut self) -> Progress {
        let mut buffer = [0_u8; 1024];
        loop {
            match self.stream.read(&mut buffer) {
                Ok(0) => return Progress::Gone,
                Ok(n) => {
                    self.head.extend_from_slice(&buffer[..n]);
                    let end = self.head.windows(4).position(|w| w == b"\r\n\r\n");
                    match end {
                        Some(end) if end + 4 <= MAX_REQUEST_BYTES => {
                            return Progress::Head(HeadStatus::Complete);
                        }
                        _ if self.head.len() > MAX_REQUEST_BYTES => {
                            return Progress::Head(HeadStatus::TooLarge);
                        }
                        _ => {}
                    }
                }
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
                    return if Instant::now() >= self.deadline {
                        Progress::Gone
                    } else {
                        Progress::Waiting
                    };
                }
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return Progress::Gone,
            }
        }
    }

    /// Writes a short answer and closes. Failures are ignored: the browser
    /// may already be gone, and the callback has been read either way.
    fn answer(&mut self, status: &str, body: &str) {
        let content_type = if body.is_empty() {
            "text/plain; charset=utf-8"
        } else {
            "text/html; charset=utf-8"
        };
        let response = format!(
            "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
             Cache-Control: no-store\r\nReferrer-Policy: no-referrer\r\n\
             Connection: close\r\n\r\n{body}",
            body.len()
        );
        let _ = self.stream.set_nonblocking(false);
        let _ = self.stream.set_write_timeout(Some(Duration::from_secs(1)));
        let _ = self.stream.write_all(response.as_bytes());
        let _ = self.stream.flush();
        let _ = self.stream.shutdown(std::net::Shutdown::Write);
    }
}
