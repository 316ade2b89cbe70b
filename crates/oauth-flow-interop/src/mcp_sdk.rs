//! The example server of `@modelcontextprotocol/sdk` (npm) with its demo
//! authorization server (`--oauth`): an MCP resource server and its
//! authorization server, each on a port of its own. The program runs
//! unmodified; `peers/loopback-only.cjs`, preloaded, makes both listen on
//! `127.0.0.1` (its own code listens on every interface).
//!
//! Only started here: the tests of the resource-first chain (protected
//! resource metadata, registration, `resource` on every request) come with
//! that chain.

use std::process::Command;

use crate::gate;
use crate::process::PeerProcess;

/// The npm package.
pub const PACKAGE: &str = "@modelcontextprotocol/sdk";

/// The example MCP server and its authorization server on `127.0.0.1`.
/// Both name themselves `localhost`, which the program hard-codes.
#[derive(Debug)]
pub struct McpExample {
    process: PeerProcess,
}

impl McpExample {
    /// Starts `simpleStreamableHttp.js --oauth` (plus `extra` arguments,
    /// such as `--oauth-strict`) on two free ports and waits until both
    /// accept connections, or returns `None` after a `SKIPPED` line when the
    /// package is not installed.
    ///
    /// # Panics
    ///
    /// When it is installed and does not start on loopback, or when it is
    /// missing and `OAUTH_FLOW_INTEROP=require` is set.
    pub fn start(extra: &[&str]) -> Option<Self> {
        gate::check(PACKAGE, || gate::npm_package_installed(PACKAGE))?;
        let peers = gate::peers_dir();
        let program = peers
            .join("node_modules")
            .join(PACKAGE)
            .join("dist/esm/examples/server/simpleStreamableHttp.js");
        let process = PeerProcess::start(PACKAGE, 2, |ports| {
            let mut command = Command::new("node");
            command
                .arg("--require")
                .arg(peers.join("loopback-only.cjs"))
                .arg(&program)
                .arg("--oauth")
                .args(extra)
                .env("MCP_PORT", ports[0].to_string())
                .env("MCP_AUTH_PORT", ports[1].to_string())
                .current_dir(&peers);
            command
        });
        Some(Self { process })
    }

    /// The MCP endpoint, the protected resource: `http://localhost:<port>/mcp`.
    pub fn resource_url(&self) -> String {
        format!("http://localhost:{}/mcp", self.process.ports()[0])
    }

    /// The authorization server's issuer, trailing slash included:
    /// `http://localhost:<port>/`.
    pub fn issuer(&self) -> String {
        format!("http://localhost:{}/", self.process.ports()[1])
    }

    /// The process, for its output and sockets.
    pub fn process(&self) -> &PeerProcess {
        &self.process
    }
}
