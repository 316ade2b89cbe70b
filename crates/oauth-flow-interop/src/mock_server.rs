//! `oauth2-mock-server` (npm), run with its own command-line program: no
//! person step, an issuer that always says `localhost`, and almost nothing
//! validated.

use std::process::Command;

use oauth_flow::url::Url;

use crate::browser::Browser;
use crate::gate;
use crate::process::PeerProcess;

/// The npm package.
pub const PACKAGE: &str = "oauth2-mock-server";

/// oauth2-mock-server listening on `127.0.0.1`. Its issuer is
/// `http://localhost:<port>` whatever address it listens on.
#[derive(Debug)]
pub struct MockServer {
    process: PeerProcess,
    issuer: String,
}

impl MockServer {
    /// Starts it with `-a 127.0.0.1`, or returns `None` after a `SKIPPED`
    /// line when it is not installed.
    ///
    /// # Panics
    ///
    /// When it is installed and does not start, or when it is missing and
    /// `OAUTH_FLOW_INTEROP=require` is set.
    pub fn start() -> Option<Self> {
        gate::check(PACKAGE, || gate::npm_package_installed(PACKAGE))?;
        let program = gate::peers_dir()
            .join("node_modules")
            .join(PACKAGE)
            .join("dist")
            .join("oauth2-mock-server.mjs");
        let process = PeerProcess::start(PACKAGE, 1, |ports| {
            let mut command = Command::new("node");
            command
                .arg(&program)
                .args(["-a", "127.0.0.1", "-p"])
                .arg(ports[0].to_string())
                .current_dir(gate::peers_dir());
            command
        });
        let issuer = format!("http://localhost:{}", process.ports()[0]);
        Some(Self { process, issuer })
    }

    /// The issuer, as the server writes it (`localhost`, not the address it
    /// listens on).
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
}

/// The "person": the authorization endpoint redirects at once, with a code.
///
/// # Panics
///
/// When it shows a page instead.
pub fn follow(browser: &mut Browser, authorization_url: &Url) -> Url {
    browser.authorize(authorization_url, |page| {
        panic!("oauth2-mock-server showed a page at {}", page.url)
    })
}
