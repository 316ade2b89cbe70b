//! A peer's process: started on free loopback ports, checked to listen on
//! loopback only, its output kept for a failing test, ended on drop.

use std::io::Read as _;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::sockets::{Socket, sockets_of};

/// How long a peer may take to accept connections.
pub const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);

/// How often a peer that failed to bind a port is started again on others.
const ATTEMPTS: usize = 3;

/// A running peer. Dropping it ends the process; when the test is failing,
/// the peer's output is printed first.
#[derive(Debug)]
pub struct PeerProcess {
    name: String,
    child: Child,
    // Held open: the peers written for the suite exit when it closes.
    _stdin: Option<ChildStdin>,
    output: Arc<Mutex<Vec<u8>>>,
    ports: Vec<u16>,
}

/// `count` ports that were free on 127.0.0.1 a moment ago.
fn free_ports(count: usize) -> Vec<u16> {
    let listeners: Vec<TcpListener> = (0..count)
        .map(|_| TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("a free loopback port"))
        .collect();
    listeners
        .iter()
        .map(|listener| listener.local_addr().expect("a bound address").port())
        .collect()
}

impl PeerProcess {
    /// Starts the command `build` makes for `port_count` free loopback ports
    /// and waits until each port accepts connections. Tries other ports when
    /// the peer reports that one was taken in the meantime.
    ///
    /// # Panics
    ///
    /// When the peer exits or does not listen within [`STARTUP_TIMEOUT`], or
    /// when it holds a socket outside loopback: an installed peer that does
    /// not start is a failure, never a skip.
    pub fn start(name: &str, port_count: usize, build: impl Fn(&[u16]) -> Command) -> Self {
        for attempt in 1..=ATTEMPTS {
            let ports = free_ports(port_count);
            match Self::try_start(name, &ports, build(&ports)) {
                Ok(peer) => {
                    peer.assert_loopback_only();
                    return peer;
                }
                Err(output) if attempt < ATTEMPTS && is_port_taken(&output) => {}
                Err(output) => panic!("{name} did not start on 127.0.0.1 {ports:?}:\n{output}"),
            }
        }
        unreachable!("the last attempt returns or panics")
    }

    fn try_start(name: &str, ports: &[u16], mut command: Command) -> Result<Self, String> {
        command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command
            .spawn()
            .map_err(|error| format!("cannot run {command:?}: {error}"))?;
        let output = Arc::new(Mutex::new(Vec::new()));
        for stream in [
            child
                .stdout
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
            child
                .stderr
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
        ]
        .into_iter()
        .flatten()
        {
            let output = Arc::clone(&output);
            std::thread::spawn(move || collect(stream, &output));
        }
        let mut peer = Self {
            name: name.to_owned(),
            _stdin: child.stdin.take(),
            child,
            output,
            ports: ports.to_vec(),
        };

        let started = Instant::now();
        for &port in ports {
            let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
            while TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_err() {
                if let Ok(Some(status)) = peer.child.try_wait() {
                    // Let the readers take the last lines.
                    std::thread::sleep(Duration::from_millis(100));
                    return Err(format!(
                        "{} exited ({status}):\n{}",
                        peer.name,
                        peer.output()
                    ));
                }
                if started.elapsed() > STARTUP_TIMEOUT {
                    let output = peer.output();
                    return Err(format!(
                        "{} did not listen on {address} within {STARTUP_TIMEOUT:?}:\n{output}",
                        peer.name
                    ));
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        Ok(peer)
    }

    /// The loopback ports, in the order the command was given them.
    pub fn ports(&self) -> &[u16] {
        &self.ports
    }

    /// What the peer printed so far, on both streams.
    pub fn output(&self) -> String {
        let bytes = self.output.lock().map(|b| b.clone()).unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// The sockets the peer's processes hold, or `None` where the system
    /// cannot tell (only Linux's `/proc` is read).
    pub fn sockets(&self) -> Option<Vec<Socket>> {
        sockets_of(self.child.id())
    }

    /// Checks that every socket of the peer's processes is on loopback, at
    /// both ends, and that each of its ports listens on loopback.
    ///
    /// # Panics
    ///
    /// On any socket that is not, naming it.
    pub fn assert_loopback_only(&self) {
        if let Some(problem) = self.outside_loopback() {
            panic!("{problem}");
        }
    }

    fn outside_loopback(&self) -> Option<String> {
        let Some(sockets) = self.sockets() else {
            crate::gate::say(&format!(
                "note: cannot list the sockets of {} here (no /proc); its loopback binding is \
                 not checked",
                self.name
            ));
            return None;
        };
        let outside: Vec<String> = sockets
            .iter()
            .filter(|socket| !socket.is_loopback_only())
            .map(ToString::to_string)
            .collect();
        if !outside.is_empty() {
            return Some(format!(
                "{} holds sockets outside loopback: {}",
                self.name,
                outside.join(", ")
            ));
        }
        let missing = self.ports.iter().find(|&&port| {
            !sockets
                .iter()
                .any(|socket| socket.listening && socket.local.port() == port)
        })?;
        Some(format!(
            "{} accepts connections on port {missing} but holds no listening socket on it: \
             {sockets:?}",
            self.name
        ))
    }
}

impl Drop for PeerProcess {
    fn drop(&mut self) {
        let mut problem = None;
        if std::thread::panicking() {
            eprintln!("--- output of {} ---\n{}", self.name, self.output());
        } else if self.child.try_wait().ok().flatten().is_none() {
            // Checked again at the end: nothing the test did may have made the
            // peer reach outside loopback.
            problem = self.outside_loopback();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(problem) = problem {
            panic!("{problem}");
        }
    }
}

fn collect(mut stream: Box<dyn std::io::Read + Send>, output: &Mutex<Vec<u8>>) {
    let mut buffer = [0u8; 4096];
    while let Ok(read) = stream.read(&mut buffer) {
        if read == 0 {
            break;
        }
        if let Ok(mut output) = output.lock() {
            output.extend_from_slice(&buffer[..read]);
        }
    }
}

fn is_port_taken(output: &str) -> bool {
    output
        .to_ascii_lowercase()
        .contains("address already in use")
}
