//! `oidc-provider` (npm), a certified OpenID Provider library, run by
//! `peers/oidc-provider.mjs`: login and consent pages with cookies, `iss` in
//! the callback, PKCE required, refresh tokens rotated for public clients.

use std::process::Command;

use oauth_flow::url::Url;

use crate::browser::{Action, Browser, Page};
use crate::gate;
use crate::process::PeerProcess;

/// The npm package and the version `peers/package.json` pins.
pub const PACKAGE: &str = "oidc-provider";

/// A public client (`token_endpoint_auth_method: none`), native, so any
/// loopback port is accepted in its redirect URI.
pub const PUBLIC_CLIENT: &str = "interop-public";
/// A confidential client using `client_secret_basic`.
pub const BASIC_CLIENT: &str = "interop-basic";
/// A confidential client using `client_secret_post`.
pub const POST_CLIENT: &str = "interop-post";
/// The secret of both confidential clients.
pub const CLIENT_SECRET: &str = "interop-secret";

/// oidc-provider on `127.0.0.1`, issuer `http://127.0.0.1:<port>`.
#[derive(Debug)]
pub struct OidcProvider {
    process: PeerProcess,
    issuer: String,
}

impl OidcProvider {
    /// Starts it, or returns `None` after a `SKIPPED` line when it is not
    /// installed.
    ///
    /// # Panics
    ///
    /// When it is installed and does not start, or when it is missing and
    /// `OAUTH_FLOW_INTEROP=require` is set.
    pub fn start() -> Option<Self> {
        gate::check(PACKAGE, || gate::npm_package_installed(PACKAGE))?;
        let program = gate::peers_dir().join("oidc-provider.mjs");
        let process = PeerProcess::start(PACKAGE, 1, |ports| {
            let mut command = Command::new("node");
            command
                .arg(&program)
                .arg("--port")
                .arg(ports[0].to_string())
                .current_dir(gate::peers_dir());
            command
        });
        let issuer = format!("http://127.0.0.1:{}", process.ports()[0]);
        Some(Self { process, issuer })
    }

    /// The issuer, exactly as the provider writes it.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The UserInfo endpoint: the protected resource the provider has.
    ///
    /// # Panics
    ///
    /// Never: the issuer is a URL.
    pub fn userinfo_endpoint(&self) -> Url {
        Url::parse(&format!("{}/me", self.issuer)).expect("a URL")
    }

    /// The process, for its output and sockets.
    pub fn process(&self) -> &PeerProcess {
        &self.process
    }
}

/// The person signs in as `login` (any password works on the development
/// pages), then grants consent. Returns the callback URL.
///
/// # Panics
///
/// On a page that is neither the login nor the consent form.
pub fn sign_in_and_consent(browser: &mut Browser, authorization_url: &Url, login: &str) -> Url {
    browser.authorize(authorization_url, |page| {
        let form = page
            .form_with("prompt")
            .unwrap_or_else(|| panic!("no interaction form at {}: {}", page.url, page.body));
        let fill = match form.field("prompt") {
            Some("login") => vec![
                ("login".to_owned(), login.to_owned()),
                ("password".to_owned(), "any password".to_owned()),
            ],
            Some("consent") => Vec::new(),
            other => panic!("unexpected prompt {other:?} at {}", page.url),
        };
        Action::Submit {
            form,
            fill,
            button: None,
        }
    })
}

/// The person refuses: on the first interaction page, follows its link to
/// `/interaction/<uid>/abort`. Returns the callback URL, which carries
/// `error=access_denied`.
///
/// # Panics
///
/// On a page without that link.
pub fn abort(browser: &mut Browser, authorization_url: &Url) -> Url {
    browser.authorize(authorization_url, |page: &Page| {
        let abort = page
            .links()
            .into_iter()
            .find(|link| link.path().ends_with("/abort"))
            .unwrap_or_else(|| panic!("no abort link at {}: {}", page.url, page.body));
        Action::Open(abort)
    })
}
