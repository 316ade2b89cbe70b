//! Sending one request description and reading its answer.

use std::net::IpAddr;

use oauth_flow::http::{Request, Response, Uri};
use reqwest::Client;
use reqwest::redirect::Policy;

use crate::config::Config;
use crate::error::TransportError;

/// Sends the core's request descriptions with the safe defaults of a
/// [`Config`]: no redirects, timeouts, a body limit, `https` off loopback.
#[derive(Clone, Debug)]
pub struct Transport {
    client: Client,
    config: Config,
}

impl Transport {
    /// A transport with its own connection pool. Fails only when the TLS
    /// stack cannot be set up.
    pub fn new(config: Config) -> Result<Self, TransportError> {
        let client = Client::builder()
            .redirect(Policy::none())
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
            .user_agent(config.user_agent.as_str())
            .build()
            .map_err(TransportError::Setup)?;
        Ok(Self { client, config })
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
    pub async fn send(
        &self,
        request: Request<Vec<u8>>,
    ) -> Result<Response<Vec<u8>>, TransportError> {
        check_target(request.uri(), &self.config)?;
        let request = reqwest::Request::try_from(request).map_err(TransportError::Connect)?;

        let mut response = self.client.execute(request).await.map_err(classify)?;
        let limit = self.config.max_body_bytes;
        if response
            .content_length()
            .is_some_and(|length| length > limit as u64)
        {
            return Err(TransportError::BodyTooLarge { limit });
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(classify)? {
            if bytes.len() + chunk.len() > limit {
                return Err(TransportError::BodyTooLarge { limit });
            }
            bytes.extend_from_slice(&chunk);
        }
        let mut answer = Response::new(bytes);
        *answer.status_mut() = response.status();
        *answer.version_mut() = response.version();
        *answer.headers_mut() = std::mem::take(response.headers_mut());
        Ok(answer)
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

/// Sorts reqwest's errors by whether the request may have left. Connect
/// errors (name lookup, TCP, TLS handshake, connect timeout) happen before
/// the request is written; everything else may come after.
fn classify(error: reqwest::Error) -> TransportError {
    if error.is_connect() || error.is_builder() {
        TransportError::Connect(error)
    } else if error.is_timeout() {
        TransportError::Timeout(error)
    } else {
        TransportError::Interrupted(error)
    }
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
