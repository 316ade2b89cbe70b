//! Sending one request description and reading its answer.

use std::io;
use std::net::IpAddr;

use oauth_flow::http::{Request, Response, Uri, header};
use ureq::Agent;

use crate::config::Config;
use crate::error::TransportError;

/// Sends the core's request descriptions with the safe defaults of a
/// [`Config`]: no redirects, timeouts, a body limit, `https` off loopback.
#[derive(Clone, Debug)]
pub struct Transport {
    agent: Agent,
    config: Config,
}

impl Transport {
    /// A transport with its own connection pool.
    pub fn new(config: Config) -> Self {
        let agent_config = Agent::config_builder()
            .max_redirects(0)
            .http_status_as_error(false)
            .timeout_connect(Some(config.connect_timeout))
            .timeout_global(Some(config.timeout))
            .user_agent(config.user_agent.as_str())
            .build();
        Self {
            agent: Agent::new_with_config(agent_config),
            config,
        }
    }

    /// The settings.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Sends one request and reads the whole answer, whatever its status.
    ///
    /// Refuses, before connecting, a URL that is not absolute `http` or
    /// `https`, and plain `http` to a host that is not loopback (unless the
    /// [`Config`] opts in). A 3xx comes back as a response, never followed.
    pub fn send(&self, request: Request<Vec<u8>>) -> Result<Response<Vec<u8>>, TransportError> {
        check_target(request.uri(), &self.config)?;
        let method = request.method().clone();

        let response = self.agent.run(request).map_err(classify)?;
        let (parts, mut body) = response.into_parts();
        let limit = self.config.max_body_bytes;
        let declared = parts
            .headers
            .get(header::CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok()?.parse::<u64>().ok());
        if declared.is_some_and(|length| length > limit as u64) {
            return Err(TransportError::BodyTooLarge { limit });
        }
        let bytes = if method == oauth_flow::http::Method::HEAD {
            Vec::new()
        } else {
            body.with_config()
                .limit(limit as u64)
                .read_to_vec()
                .map_err(|error| match error {
                    ureq::Error::BodyExceedsLimit(_) => TransportError::BodyTooLarge { limit },
                    other => classify(other),
                })?
        };
        Ok(Response::from_parts(parts, bytes))
    }
}

/// Refuses targets the transport must not reach, before any connection.
pub(crate) fn check_target(uri: &Uri, config: &Config) -> Result<(), TransportError> {
    let unsupported = || TransportError::UnsupportedUrl {
        url: uri.to_string(),
    };
    let host = uri
        .host()
        .filter(|host| !host.is_empty())
        .ok_or_else(unsupported)?;
    match uri.scheme_str() {
        Some("https") => Ok(()),
        Some("http") if config.plain_http_to_any_host || is_loopback(host) => Ok(()),
        Some("http") => Err(TransportError::InsecureUrl {
            url: uri.to_string(),
        }),
        _ => Err(unsupported()),
    }
}

/// `localhost`, `127.0.0.0/8` and `[::1]`: the only hosts plain `http` may reach.
fn is_loopback(host: &str) -> bool {
    let bare = host
        .strip_prefix('[')
        .and_then(|inner| inner.strip_suffix(']'))
        .unwrap_or(host);
    match bare.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => bare.eq_ignore_ascii_case("localhost"),
    }
}

/// Sorts ureq's errors by whether the request may have left.
fn classify(error: ureq::Error) -> TransportError {
    use ureq::Timeout;
    match &error {
        ureq::Error::Timeout(Timeout::Resolve | Timeout::Connect)
        | ureq::Error::HostNotFound
        | ureq::Error::ConnectionFailed
        | ureq::Error::BadUri(_)
        | ureq::Error::Http(_)
        | ureq::Error::InvalidProxyUrl
        | ureq::Error::ConnectProxyFailed(_)
        | ureq::Error::RequireHttpsOnly(_)
        | ureq::Error::Tls(_)
        | ureq::Error::Pem(_)
        | ureq::Error::Rustls(_)
        | ureq::Error::TlsRequired => TransportError::Connect(error),
        ureq::Error::Io(io) if never_connected(io.kind()) => TransportError::Connect(error),
        ureq::Error::Timeout(_) => TransportError::Timeout(error),
        _ => TransportError::Interrupted(error),
    }
}

/// I/O failures that can only happen before a connection exists.
fn never_connected(kind: io::ErrorKind) -> bool {
    matches!(
        kind,
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::AddrNotAvailable
            | io::ErrorKind::NetworkUnreachable
            | io::ErrorKind::HostUnreachable
            | io::ErrorKind::NotFound
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(url: &str, config: &Config) -> Result<(), TransportError> {
        check_target(&url.parse().unwrap(), config)
    }

    #[test]
    fn loopback_http_and_any_https_are_allowed() {
        let config = Config::new();
        for url in [
            "https://as.example.com/token",
            "http://127.0.0.1:9/token",
            "http://127.1.2.3/token",
            "http://[::1]:9/token",
            "http://localhost/token",
            "http://LocalHost:8080/token",
        ] {
            assert!(check(url, &config).is_ok(), "{url}");
        }
    }

    #[test]
    fn plain_http_elsewhere_is_refused_unless_opted_in() {
        let config = Config::new();
        for url in [
            "http://as.example.com/token",
            "http://localhost.example.com/token",
            "http://10.0.0.1/token",
            "http://[::2]/token",
        ] {
            let error = check(url, &config).unwrap_err();
            assert!(matches!(error, TransportError::InsecureUrl { .. }), "{url}");
            assert!(error.is_safe_to_retry());
        }
        let relaxed = Config::new().danger_allow_plain_http_to_any_host();
        assert!(check("http://as.example.com/token", &relaxed).is_ok());
    }

    #[test]
    fn relative_and_other_scheme_targets_are_refused() {
        for url in ["/token", "ftp://as.example.com/x"] {
            let error = check(url, &Config::new()).unwrap_err();
            assert!(
                matches!(error, TransportError::UnsupportedUrl { .. }),
                "{url}"
            );
        }
    }
}
