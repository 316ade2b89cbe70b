//! The client that the MCP conformance suite drives
//! (`tests/conformance/run.sh` runs it; see the README).
//!
//! ```text
//! mcp-conformance-client [ANY ARGUMENTS ...] SERVER_URL
//! ```
//!
//! The server URL is the last argument. The suite also sets
//! `MCP_CONFORMANCE_SCENARIO` (the scenario's name, only shown here) and, for
//! scenarios with credentials registered beforehand,
//! `MCP_CONFORMANCE_CONTEXT` (a JSON object), which goes to the authorizer.
//!
//! It connects over streamable HTTP ([`mcp`]), with every request authorized
//! through [`auth`]: `initialize`, `notifications/initialized`, `tools/list`,
//! then `tools/call` on the first tool listed, with the minimal arguments its
//! input schema requires. Progress goes to standard error; the exit code is
//! 0 when every step succeeded, 1 when one failed and 2 for a usage error.
//! Tokens and other credentials are never printed.

mod auth;
mod mcp;
mod reply;

use std::error::Error;
use std::process::ExitCode;
use std::time::Duration;

use oauth_flow_ureq::oauth_flow::url::Url;
use oauth_flow_ureq::{Config, Transport};
use serde_json::Value;

/// Each HTTP call must end within this time, so that a hanging server fails
/// the client before the suite's own 30 s limit kills it without a word.
const CALL_TIMEOUT: Duration = Duration::from_secs(10);

const NAME: &str = "mcp-conformance-client";

fn main() -> ExitCode {
    let Some(url) = std::env::args().skip(1).last() else {
        eprintln!("usage: {NAME} [ARGUMENTS ...] SERVER_URL");
        return ExitCode::from(2);
    };
    let url = match Url::parse(&url) {
        Ok(url) => url,
        Err(error) => {
            eprintln!("{NAME}: the server URL {url:?} is not a URL: {error}");
            return ExitCode::from(2);
        }
    };

    match run(url) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // Each error's text already ends with its cause's.
            eprintln!("{NAME}: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(url: Url) -> Result<(), Box<dyn Error>> {
    let scenario = std::env::var("MCP_CONFORMANCE_SCENARIO").ok();
    let context = match std::env::var("MCP_CONFORMANCE_CONTEXT") {
        Ok(text) => Some(
            serde_json::from_str::<Value>(&text)
                .map_err(|error| format!("MCP_CONFORMANCE_CONTEXT is not JSON: {error}"))?,
        ),
        Err(_) => None,
    };
    eprintln!(
        "{NAME}: scenario {}, server {url}",
        scenario.as_deref().unwrap_or("(none)")
    );

    let transport = Transport::new(Config::new().timeout(CALL_TIMEOUT));
    let mut authorizer = auth::authorizer(&transport, context.as_ref())?;
    let mut session = mcp::Session::new(&transport, url, authorizer.as_mut());

    let initialized = session.initialize()?;
    eprintln!(
        "initialize: protocol {}, server {}",
        initialized.protocol_version,
        initialized.server_name.as_deref().unwrap_or("(unnamed)")
    );
    let status = session.initialized()?;
    eprintln!("notifications/initialized: {status}");

    let tools = session.list_tools()?;
    let names: Vec<&str> = tools.iter().map(|tool| tool.name.as_str()).collect();
    eprintln!("tools/list: {names:?}");
    if let Some(tool) = tools.first() {
        let arguments = mcp::minimal_arguments(&tool.input_schema);
        let text = session.call_tool(&tool.name, &arguments)?;
        eprintln!("tools/call {}: {text:?}", tool.name);
    } else {
        eprintln!("tools/call: skipped, the server lists no tool");
    }

    session.close()?;
    Ok(())
}
