//! Which sockets a peer's processes hold, read from Linux's `/proc`, so the
//! suite can check that a peer listens on and talks to loopback only.

use std::fmt;
use std::fs;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::Path;

/// One internet socket of a process.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Socket {
    /// `tcp`, `tcp6`, `udp` or `udp6`.
    pub protocol: &'static str,
    /// The local address.
    pub local: SocketAddr,
    /// The remote address (unspecified for a listening or unconnected socket).
    pub remote: SocketAddr,
    /// Whether it is a listening TCP socket.
    pub listening: bool,
}

impl Socket {
    /// Whether both ends are loopback (or the remote end is unset).
    pub fn is_loopback_only(&self) -> bool {
        is_loopback(self.local.ip())
            && (self.remote.ip().is_unspecified() || is_loopback(self.remote.ip()))
    }
}

impl fmt::Display for Socket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.listening {
            write!(f, "{} listening on {}", self.protocol, self.local)
        } else {
            write!(f, "{} {} -> {}", self.protocol, self.local, self.remote)
        }
    }
}

/// `127.0.0.0/8`, `::1`, and `::ffff:127.x.y.z`.
fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

/// Every internet socket held by `pid` and its descendants. `None` where
/// `/proc` cannot tell (not Linux).
pub fn sockets_of(pid: u32) -> Option<Vec<Socket>> {
    if !Path::new("/proc/self/net/tcp").exists() {
        return None;
    }
    let mut pids = vec![pid];
    let mut at = 0;
    while at < pids.len() {
        pids.extend(children_of(pids[at]));
        at += 1;
    }
    let inodes: Vec<u64> = pids.iter().flat_map(|&pid| socket_inodes(pid)).collect();
    let mut sockets = Vec::new();
    for protocol in ["tcp", "tcp6", "udp", "udp6"] {
        let table = fs::read_to_string(format!("/proc/{pid}/net/{protocol}")).unwrap_or_default();
        for line in table.lines().skip(1) {
            if let Some((inode, socket)) = parse_line(protocol, line)
                && inodes.contains(&inode)
            {
                sockets.push(socket);
            }
        }
    }
    Some(sockets)
}

fn children_of(pid: u32) -> Vec<u32> {
    let Ok(tasks) = fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    tasks
        .filter_map(Result::ok)
        .filter_map(|task| fs::read_to_string(task.path().join("children")).ok())
        .flat_map(|children| {
            children
                .split_whitespace()
                .filter_map(|child| child.parse().ok())
                .collect::<Vec<u32>>()
        })
        .collect()
}

fn socket_inodes(pid: u32) -> Vec<u64> {
    let Ok(fds) = fs::read_dir(format!("/proc/{pid}/fd")) else {
        return Vec::new();
    };
    fds.filter_map(Result::ok)
        .filter_map(|fd| fs::read_link(fd.path()).ok())
        .filter_map(|target| {
            let target = target.to_string_lossy().into_owned();
            target
                .strip_prefix("socket:[")?
                .strip_suffix(']')?
                .parse()
                .ok()
        })
        .collect()
}

/// One line of `/proc/net/{tcp,tcp6,udp,udp6}`:
/// `sl local rem st tx:rx tr:when retrnsmt uid timeout inode ...`.
fn parse_line(protocol: &'static str, line: &str) -> Option<(u64, Socket)> {
    let fields: Vec<&str> = line.split_whitespace().collect();
    let local = parse_address(fields.get(1)?)?;
    let remote = parse_address(fields.get(2)?)?;
    let state = u8::from_str_radix(fields.get(3)?, 16).ok()?;
    let inode = fields.get(9)?.parse().ok()?;
    let listening = protocol.starts_with("tcp") && state == 0x0a;
    Some((
        inode,
        Socket {
            protocol,
            local,
            remote,
            listening,
        },
    ))
}

/// `0100007F:1F90` (IPv4) or 32 hex digits and a port (IPv6): each 32-bit
/// word is the address's bytes read as a number in the machine's byte order.
fn parse_address(text: &str) -> Option<SocketAddr> {
    let (ip, port) = text.split_once(':')?;
    let port = u16::from_str_radix(port, 16).ok()?;
    let word = |i: usize| -> Option<[u8; 4]> {
        let value = u32::from_str_radix(ip.get(i * 8..i * 8 + 8)?, 16).ok()?;
        Some(value.to_ne_bytes())
    };
    let ip = match ip.len() {
        8 => IpAddr::V4(Ipv4Addr::from(word(0)?)),
        32 => {
            let mut octets = [0u8; 16];
            for i in 0..4 {
                octets[i * 4..i * 4 + 4].copy_from_slice(&word(i)?);
            }
            IpAddr::V6(Ipv6Addr::from(octets))
        }
        _ => return None,
    };
    Some(SocketAddr::new(ip, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_endian = "little")]
    #[test]
    fn kernel_addresses_are_read_in_host_byte_order() {
        assert_eq!(
            parse_address("0100007F:1F90"),
            Some("127.0.0.1:8080".parse().unwrap())
        );
        assert_eq!(
            parse_address("00000000000000000000000001000000:0050"),
            Some("[::1]:80".parse().unwrap())
        );
        assert_eq!(
            parse_address("0000000000000000FFFF00000100007F:0050"),
            Some("[::ffff:127.0.0.1]:80".parse().unwrap())
        );
    }

    #[test]
    fn wildcard_and_outside_addresses_are_not_loopback() {
        let socket = |local: &str, remote: &str| Socket {
            protocol: "tcp",
            local: local.parse().unwrap(),
            remote: remote.parse().unwrap(),
            listening: false,
        };
        assert!(socket("127.0.0.1:80", "0.0.0.0:0").is_loopback_only());
        assert!(socket("[::1]:80", "[::1]:5000").is_loopback_only());
        assert!(!socket("0.0.0.0:80", "0.0.0.0:0").is_loopback_only());
        assert!(!socket("[::]:80", "[::]:0").is_loopback_only());
        assert!(!socket("127.0.0.1:80", "192.0.2.1:443").is_loopback_only());
    }

    #[test]
    fn this_process_sees_its_own_loopback_listener() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let Some(sockets) = sockets_of(std::process::id()) else {
            return;
        };
        assert!(
            sockets
                .iter()
                .any(|s| s.listening && s.local.port() == port && s.is_loopback_only()),
            "{sockets:?}"
        );
    }
}
