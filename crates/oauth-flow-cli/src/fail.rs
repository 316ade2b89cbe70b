//! What went wrong, what the server said, what to try, and the exit code.

use std::fmt;
use std::process::ExitCode;

use oauth_flow::{
    AuthorizeError, BearerError, CallbackError, ConfigError, DiscoveryError, OAuthError,
    RefreshError, RevocationError, TokenError,
};
use oauth_flow_ureq::{Error as DriverError, Failed, ReceiverError, TransportError};

/// The exit codes, documented in `--help`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exit {
    /// 1: anything not listed below (a file that cannot be written, bad input).
    Failure = 1,
    /// 2: wrong command-line usage (clap uses the same code).
    Usage = 2,
    /// 3: no usable login; run `oauth-flow login` again.
    LoginNeeded = 3,
    /// 4: the authorization server refused (an OAuth error, an unusable answer).
    Server = 4,
    /// 5: the server could not be reached, or did not answer in time.
    Network = 5,
    /// 6: the browser step failed: a wrong or forged callback, or no callback in time.
    Callback = 6,
    /// 7: the OS keyring cannot be used: not in this build, or it did not answer.
    Keyring = 7,
}

pub(crate) const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  success
  1  failure (bad input, a file that cannot be read or written)
  2  wrong command-line usage
  3  no usable login: run `oauth-flow login` again
  4  the authorization server refused or answered something unusable
  5  the server could not be reached or did not answer in time
  6  the browser step failed: a wrong or forged callback, or none in time
  7  the OS keyring cannot be used: this build has no keyring support, or the
     keyring did not answer or refused (log in with --no-keyring to use a file)";

/// A failure to report on stderr.
#[derive(Debug)]
pub(crate) struct CliError {
    exit: Exit,
    message: String,
    hint: Option<String>,
}

impl CliError {
    pub(crate) fn new(exit: Exit, message: impl Into<String>) -> Self {
        Self {
            exit,
            message: message.into(),
            hint: None,
        }
    }

    /// Says which step and which server the failure belongs to.
    #[must_use]
    pub(crate) fn context(mut self, step: impl fmt::Display) -> Self {
        self.message = format!("{step}: {}", self.message);
        self
    }

    #[must_use]
    pub(crate) fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    #[cfg(all(test, feature = "keyring"))]
    pub(crate) fn exit(&self) -> Exit {
        self.exit
    }

    /// What went wrong, without the hint.
    pub(crate) fn message(&self) -> &str {
        &self.message
    }

    pub(crate) fn exit_code(&self) -> ExitCode {
        ExitCode::from(self.exit as u8)
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error: {}", self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  try: {hint}")?;
        }
        Ok(())
    }
}

fn server_said(error: &OAuthError) -> String {
    format!("the server said {error}")
}

impl From<Failed> for CliError {
    fn from(failed: Failed) -> Self {
        Self::from(failed.into_error())
    }
}

/// For the core's and the receiver's errors, through the driver's error.
pub(crate) fn driver_error(error: impl Into<DriverError>) -> CliError {
    CliError::from(error.into())
}

impl From<ConfigError> for CliError {
    fn from(error: ConfigError) -> Self {
        let insecure = matches!(error, ConfigError::Insecure { .. });
        let failure = Self::new(Exit::Failure, error.to_string());
        if insecure {
            failure
                .hint("use an https URL (plain http is sent only to 127.0.0.1, [::1] or localhost)")
        } else {
            failure
        }
    }
}

impl From<DriverError> for CliError {
    fn from(error: DriverError) -> Self {
        match error {
            DriverError::Transport(
                transport @ (TransportError::InsecureUrl { .. }
                | TransportError::UnsupportedUrl { .. }),
            ) => Self::new(Exit::Failure, transport.to_string()).hint(
                "use an https URL (plain http is sent only to 127.0.0.1, [::1] or localhost)",
            ),
            DriverError::Transport(transport) => {
                let sent = if transport.is_safe_to_retry() {
                    "the request was not sent; it is safe to try again"
                } else {
                    "the request may have reached the server"
                };
                Self::new(Exit::Network, format!("{transport} ({sent})"))
                    .hint("check the URL and your connection; a proxy or VPN may block it")
            }
            DriverError::Config(error) => Self::from(error),
            DriverError::Discovery(error) => discovery(&error),
            DriverError::Callback(error) => callback(&error),
            DriverError::Token(error) => token(&error),
            DriverError::Refresh(RefreshError::NoRefreshToken) => Self::new(
                Exit::LoginNeeded,
                "the access token expired and there is no refresh token",
            )
            .hint("log in again with `oauth-flow login`"),
            DriverError::NoMetadata { .. } => Self::new(Exit::Server, error.to_string()).hint(
                "check --issuer: it must be the authorization server's issuer URL, \
                 exactly as the server writes it",
            ),
            DriverError::Refresh(error @ RefreshError::GuessedEndpoint { .. }) => {
                Self::new(Exit::LoginNeeded, error.to_string())
                    .hint("the server publishes no metadata; log in again with `oauth-flow login`")
            }
            DriverError::Chain(error) => Self::new(Exit::Server, error.to_string()).hint(
                "check the resource URL; the resource or its authorization server publishes \
                 no usable metadata for it",
            ),
            DriverError::Identity(error) => Self::new(Exit::Server, error.to_string()).hint(
                "register a client at that server by hand and log in with --issuer and --client-id",
            ),
            DriverError::Registration(error) => {
                Self::new(Exit::Server, format!("client registration failed: {error}"))
            }
            DriverError::Authorize(error @ AuthorizeError::PkceNotAdvertised) => {
                Self::new(Exit::Server, error.to_string()).hint(
                    "if this server is known to support PKCE S256 anyway, add \
                     --lenient s256-not-advertised",
                )
            }
            DriverError::Revocation(error) => revocation(&error),
            DriverError::Receiver(error) => receiver(&error),
            other => Self::new(Exit::Failure, other.to_string()),
        }
    }
}

fn discovery(error: &DiscoveryError) -> CliError {
    let hint = match error {
        DiscoveryError::IssuerMismatch { .. } => {
            "write --issuer exactly as the server names itself (scheme, host, path)"
        }
        _ => "check --issuer; it must be the authorization server's issuer URL",
    };
    CliError::new(Exit::Server, format!("discovery failed: {error}")).hint(hint)
}

fn callback(error: &CallbackError) -> CliError {
    match error {
        CallbackError::Authorization(server) => {
            let hint = if server.error == "access_denied" {
                "the authorization was declined in the browser; run login again to retry"
            } else {
                "check --client-id, --scope and the client's registered redirect URI"
            };
            CliError::new(
                Exit::Server,
                format!("authorization refused: {}", server_said(server)),
            )
            .hint(hint)
        }
        other => CliError::new(
            Exit::Callback,
            format!("the redirect back was refused: {other}"),
        )
        .hint("start the login again; use only the URL this login printed"),
    }
}

pub(crate) fn token(error: &TokenError) -> CliError {
    match error {
        TokenError::Server(server) if error.needs_reauthorization() => CliError::new(
            Exit::LoginNeeded,
            format!(
                "the server no longer accepts this login: {}",
                server_said(server)
            ),
        )
        .hint("log in again with `oauth-flow login`"),
        TokenError::Server(server) => {
            let hint = if server.error == "invalid_client" || server.error == "unauthorized_client"
            {
                "check --client-id, the client secret and --auth-method"
            } else {
                "see the server's description above"
            };
            CliError::new(
                Exit::Server,
                format!("token request refused: {}", server_said(server)),
            )
            .hint(hint)
        }
        other => CliError::new(Exit::Server, format!("token request failed: {other}"))
            .hint("the server or a proxy in front of it answered something that is not OAuth"),
    }
}

fn revocation(error: &RevocationError) -> CliError {
    match error {
        RevocationError::Server(server) => CliError::new(
            Exit::Server,
            format!("revocation refused: {}", server_said(server)),
        ),
        other => CliError::new(Exit::Server, format!("revocation failed: {other}")),
    }
}

fn receiver(error: &ReceiverError) -> CliError {
    match error {
        ReceiverError::TimedOut { .. } => CliError::new(Exit::Callback, error.to_string())
            .hint("finish the login in the browser sooner, or raise --timeout"),
        _ => CliError::new(Exit::Callback, error.to_string())
            .hint("another program may use the port: pick one with --redirect-port"),
    }
}

pub(crate) fn bearer(error: &BearerError) -> CliError {
    match error {
        BearerError::NotBearer { token_type } => CliError::new(
            Exit::Server,
            format!("the server issued a `{token_type}` token, which this tool cannot send"),
        ),
        other => CliError::new(Exit::LoginNeeded, other.to_string())
            .hint("log in again with `oauth-flow login`"),
    }
}
