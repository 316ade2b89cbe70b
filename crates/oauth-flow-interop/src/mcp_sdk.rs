//! The example server of `@modelcontextprotocol/sdk` (npm) with its demo
//! authorization server (`--oauth`): an MCP resource server and its
//! authorization server, each on a port of its own. The program runs
//! unmodified; `peers/loopback-only.cjs`, preloaded, makes both listen on
//! `127.0.0.1` (its own code listens on every interface).
//!
//! The tests of the resource-first chain run against it: the resource's
//! 401, its protected resource metadata, dynamic registration, and the
//! `resource` indicator on the authorization and token requests. The
//! helpers here speak just enough MCP (one `initialize` request) to tell a
//! token the server accepts from one it does not.
use std::process::Command;

use oauth_flow::http::{HeaderValue, Request, Response, header};
use oauth_flow::url::Url;
use oauth_flow_ureq::{Config, Transport};

use crate::browser::Browser;
use crate::cli::text;
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

    /// Where the resource's metadata is, as its 401 says:
    /// `http://localhost:<port>/.well-known/oauth-protected-resource/mcp`.
    pub fn resource_metadata_url(&self) -> String {
        format!(
            "http://localhost:{}/.well-known/oauth-protected-resource/mcp",
            self.process.ports()[0]
        )
    }

    /// What the authorization server knows of an access token, from its
    /// `/introspect` endpoint (which asks no client authentication; the
    /// resource server checks each token there). `aud` is the `resource`
    /// the authorization request carried.
    ///
    /// # Panics
    ///
    /// When the endpoint does not answer with JSON.
    pub fn introspect(&self, access_token: &str) -> serde_json::Value {
        let body = oauth_flow::url::form_urlencoded::Serializer::new(String::new())
            .append_pair("token", access_token)
            .finish();
        let request = Request::post(format!("{}introspect", self.issuer()))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body.into_bytes())
            .expect("a request");
        let response = Transport::new(Config::new())
            .send(request)
            .expect("the introspection endpoint answers");
        crate::json(&response)
    }

    /// The process, for its output and sockets.
    pub fn process(&self) -> &PeerProcess {
        &self.process
    }
}

/// The MCP protocol version the `initialize` request offers.
pub const PROTOCOL_VERSION: &str = "2025-06-18";

/// An MCP `initialize` request (JSON-RPC, id 1) to the endpoint
/// `resource_url`, as a streamable HTTP client sends it: a `POST` that
/// accepts JSON or an event stream, with `authorization` when given.
///
/// # Panics
///
/// When `resource_url` is not a URI.
pub fn initialize(resource_url: &str, authorization: Option<&HeaderValue>) -> Request<Vec<u8>> {
    let body = serde_json::json!({
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": PROTOCOL_VERSION,
            "capabilities": {},
            "clientInfo": {"name": "oauth-flow-interop", "version": env!("CARGO_PKG_VERSION")},
        },
    });
    let mut request = Request::post(resource_url)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "application/json, text/event-stream");
    if let Some(authorization) = authorization {
        request = request.header(header::AUTHORIZATION, authorization);
    }
    request
        .body(body.to_string().into_bytes())
        .expect("a request")
}

/// The JSON-RPC messages of an MCP reply: the `data` of each event of an
/// event stream (`text/event-stream`), or the body itself when it is JSON.
///
/// # Panics
///
/// When a message is not JSON.
pub fn messages(response: &Response<Vec<u8>>) -> Vec<serde_json::Value> {
    let event_stream = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/event-stream"));
    if !event_stream {
        return vec![crate::json(response)];
    }
    let body = text(response.body()).replace("\r\n", "\n");
    let mut messages = Vec::new();
    // An event's data is its `data:` lines joined; events end at a blank line.
    for event in body.split("\n\n") {
        let data: Vec<&str> = event
            .lines()
            .filter_map(|line| line.strip_prefix("data:"))
            .map(|data| data.strip_prefix(' ').unwrap_or(data))
            .collect();
        if !data.is_empty() {
            let data = data.join("\n");
            messages.push(
                serde_json::from_str(&data)
                    .unwrap_or_else(|error| panic!("an event that is not JSON ({error}): {data}")),
            );
        }
    }
    messages
}

/// The "person": the demo authorization server approves at once and
/// redirects with a code.
///
/// # Panics
///
/// When it shows a page instead.
pub fn follow(browser: &mut Browser, authorization_url: &Url) -> Url {
    browser.authorize(authorization_url, |page| {
        panic!(
            "the MCP example's authorization server showed a page at {}",
            page.url
        )
    })
}
