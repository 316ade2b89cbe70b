//! `oidc-provider-mock` (PyPI; Flask and Authlib), run with its own
//! command-line program and client registration required, so client
//! secrets are checked.

use std::process::Command;

use oauth_flow::http::{Request, header};
use oauth_flow::url::Url;
use oauth_flow::{ClientAuthMethod, ClientSecret};
use oauth_flow_ureq::{Config, Transport};

use crate::browser::{Action, Browser};
use crate::gate;
use crate::process::PeerProcess;

/// The PyPI distribution.
pub const DISTRIBUTION: &str = "oidc_provider_mock";
/// The version `peers/requirements.txt` pins.
pub const VERSION: &str = "0.3.4";
const SCRIPT: &str = "oidc-provider-mock";

/// oidc-provider-mock on `127.0.0.1`, issuer `http://127.0.0.1:<port>`
/// (it names itself after the `Host` header it is reached by).
#[derive(Debug)]
pub struct ProviderMock {
    process: PeerProcess,
    issuer: String,
}

/// A client registered at the mock (RFC 7591 style, at `/oauth2/clients`).
#[derive(Debug)]
pub struct Registered {
    /// The `client_id` it was given.
    pub client_id: String,
    /// The `client_secret` it was given.
    pub client_secret: ClientSecret,
}

impl ProviderMock {
    /// Starts it with `--host 127.0.0.1 --require-registration true`, or
    /// returns `None` after a `SKIPPED` line when it is not installed.
    ///
    /// # Panics
    ///
    /// When it is installed and does not start, or when it is missing and
    /// `OAUTH_FLOW_INTEROP=require` is set.
    pub fn start() -> Option<Self> {
        gate::check(SCRIPT, || {
            gate::python_package_installed(DISTRIBUTION, VERSION, SCRIPT)
        })?;
        let script = gate::peers_dir().join(".venv").join("bin").join(SCRIPT);
        let process = PeerProcess::start(SCRIPT, 1, |ports| {
            let mut command = Command::new(&script);
            command
                .args(["--host", "127.0.0.1", "--port"])
                .arg(ports[0].to_string())
                .args(["--require-registration", "true"])
                .current_dir(gate::peers_dir());
            command
        });
        let issuer = format!("http://127.0.0.1:{}", process.ports()[0]);
        Some(Self { process, issuer })
    }

    /// The issuer.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The UserInfo endpoint.
    ///
    /// # Panics
    ///
    /// Never: the issuer is a URL.
    pub fn userinfo_endpoint(&self) -> Url {
        Url::parse(&format!("{}/userinfo", self.issuer)).expect("a URL")
    }

    /// The process, for its output and sockets.
    pub fn process(&self) -> &PeerProcess {
        &self.process
    }

    /// Registers a client for `redirect_uri` that authenticates with
    /// `method` (`client_secret_basic` or `client_secret_post`).
    ///
    /// # Panics
    ///
    /// When the mock does not answer 201 with an id and a secret.
    pub fn register(&self, redirect_uri: &str, method: ClientAuthMethod) -> Registered {
        let body = serde_json::json!({
            "redirect_uris": [redirect_uri],
            "token_endpoint_auth_method": method.as_str(),
        });
        let request = Request::post(format!("{}/oauth2/clients", self.issuer))
            .header(header::CONTENT_TYPE, "application/json")
            .body(body.to_string().into_bytes())
            .expect("a request");
        let response = Transport::new(Config::new())
            .send(request)
            .expect("the mock answers");
        let json: serde_json::Value =
            serde_json::from_slice(response.body()).expect("a JSON registration response");
        assert_eq!(response.status(), 201, "registration refused: {json}");
        Registered {
            client_id: json["client_id"].as_str().expect("a client_id").to_owned(),
            client_secret: ClientSecret::new(
                json["client_secret"].as_str().expect("a client_secret"),
            ),
        }
    }
}

/// The person types `sub` into the one field and presses "Authorize".
/// Returns the callback URL.
///
/// # Panics
///
/// When the page has no `sub` field.
pub fn sign_in(browser: &mut Browser, authorization_url: &Url, sub: &str) -> Url {
    browser.authorize(authorization_url, |page| Action::Submit {
        form: page
            .form_with("sub")
            .unwrap_or_else(|| panic!("no sign-in form at {}: {}", page.url, page.body)),
        fill: vec![("sub".to_owned(), sub.to_owned())],
        button: None,
    })
}

/// The person presses "Deny". Returns the callback URL.
///
/// # Panics
///
/// When the page has no deny button.
pub fn deny(browser: &mut Browser, authorization_url: &Url) -> Url {
    browser.authorize(authorization_url, |page| {
        let form = page
            .form_with("action")
            .unwrap_or_else(|| panic!("no deny button at {}: {}", page.url, page.body));
        let button = form.buttons.first().cloned();
        Action::Submit {
            form,
            fill: Vec::new(),
            button,
        }
    })
}
