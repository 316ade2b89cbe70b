//! An MCP session over streamable HTTP (MCP 2025-06-18, "Transports"):
//! each JSON-RPC message is one `POST` to the server's URL, answered with
//! JSON or an event stream.
//!
//! Every request goes through the [`Authorizer`]: its `Authorization` value
//! is sent, and a 401 or 403 is handed to it; when it says it authorized
//! (again), the same message is sent again, at most [`MAX_CHALLENGES`] times
//! per message.
//!
//! The whole reply is read before it is parsed ([`Transport::send`] reads
//! bodies to the end), so a server that keeps an event stream open after the
//! response is not supported; the servers of the conformance suite close it.

use std::error::Error;

use oauth_flow_ureq::oauth_flow::http::header::{
    ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderName, HeaderValue, WWW_AUTHENTICATE,
};
use oauth_flow_ureq::oauth_flow::http::{Method, Request, Response, StatusCode};
use oauth_flow_ureq::oauth_flow::url::Url;
use oauth_flow_ureq::{Transport, TransportError};
use serde_json::{Map, Value, json};

use crate::auth::Authorizer;
use crate::reply::{self, ReplyError};

/// The protocol version this client asks for.
pub(crate) const PROTOCOL_VERSION: &str = "2025-06-18";

/// Versions whose requests used here are the same on the wire; a server may
/// answer `initialize` with any of them.
const COMPATIBLE_VERSIONS: [&str; 3] = ["2025-03-26", "2025-06-18", "2025-11-25"];

/// The `clientInfo.name` sent in `initialize`.
pub(crate) const CLIENT_NAME: &str = "oauth-flow-mcp-conformance-client";

/// How many 401 or 403 answers one message may get before the session gives
/// up, each followed by a new authorization.
pub(crate) const MAX_CHALLENGES: usize = 4;

/// How many `tools/list` pages are read while looking for a tool.
const MAX_TOOL_PAGES: usize = 10;

const MCP_SESSION_ID: HeaderName = HeaderName::from_static("mcp-session-id");
const MCP_PROTOCOL_VERSION: HeaderName = HeaderName::from_static("mcp-protocol-version");

/// Why a step of the session failed. Each variant names the JSON-RPC method
/// (or notification) that was being sent.
#[derive(Debug, thiserror::Error)]
pub(crate) enum McpError {
    /// The request could not be built: the URL or a header value is not
    /// valid in HTTP.
    #[error("{method}: the request cannot be built: {source}")]
    Request {
        method: &'static str,
        #[source]
        source: oauth_flow_ureq::oauth_flow::http::Error,
    },
    /// The authorizer returned an `Authorization` value that is not a valid
    /// header value (the value itself is not shown: it holds a secret).
    #[error("{method}: the authorizer's Authorization value is not a valid header value")]
    InvalidAuthorization { method: &'static str },
    /// The request was not sent, or its answer not read.
    #[error("{method}: {source}")]
    Transport {
        method: &'static str,
        #[source]
        source: TransportError,
    },
    /// The authorizer failed while handling a challenge.
    #[error("{method}: the authorizer failed after a {status} answer: {source}")]
    Authorizer {
        method: &'static str,
        status: StatusCode,
        #[source]
        source: Box<dyn Error>,
    },
    /// The server refused the credentials and the authorizer gave up.
    #[error("{method}: the server answered {status} and the authorizer gave up{}",
        describe_challenge(.www_authenticate.as_deref()))]
    Unauthorized {
        method: &'static str,
        status: StatusCode,
        www_authenticate: Option<String>,
    },
    /// The server kept refusing after [`MAX_CHALLENGES`] authorizations.
    #[error("{method}: still {status} after {MAX_CHALLENGES} authorizations")]
    TooManyChallenges {
        method: &'static str,
        status: StatusCode,
    },
    /// Any other status than the expected one.
    #[error("{method}: the server answered {status}, expected {expected}: {excerpt:?}")]
    Status {
        method: &'static str,
        status: StatusCode,
        expected: &'static str,
        excerpt: String,
    },
    /// The reply could not be read as JSON-RPC.
    #[error("{method}: {source}")]
    Reply {
        method: &'static str,
        #[source]
        source: ReplyError,
    },
    /// The server answered with a JSON-RPC error.
    #[error("{method}: the server answered with JSON-RPC error {code}: {message}")]
    Rpc {
        method: &'static str,
        code: i64,
        message: String,
    },
    /// The result lacks what the method promises.
    #[error("{method}: the result has no valid {member}")]
    Result {
        method: &'static str,
        member: &'static str,
    },
    /// The server chose a protocol version this client does not speak.
    #[error(
        "initialize: the server chose protocol version {0:?}, which this client does not speak"
    )]
    Version(String),
    /// The tool was called and reported an error.
    #[error("tools/call {tool}: the tool reported an error: {content}")]
    ToolFailed { tool: String, content: String },
}

fn describe_challenge(www_authenticate: Option<&str>) -> String {
    www_authenticate
        .map(|value| format!(" (WWW-Authenticate: {value})"))
        .unwrap_or_default()
}

/// What `initialize` established.
#[derive(Debug)]
pub(crate) struct Initialized {
    /// The protocol version the server chose.
    pub(crate) protocol_version: String,
    /// `serverInfo.name`, when given.
    pub(crate) server_name: Option<String>,
}

/// A tool, as `tools/list` describes it.
#[derive(Debug)]
pub(crate) struct Tool {
    /// Its name.
    pub(crate) name: String,
    /// Its `inputSchema` (JSON Schema of the arguments).
    pub(crate) input_schema: Value,
}

/// One MCP session with one server.
pub(crate) struct Session<'a> {
    transport: &'a Transport,
    url: Url,
    authorizer: &'a mut dyn Authorizer,
    mcp_session_id: Option<HeaderValue>,
    protocol_version: Option<HeaderValue>,
    next_id: u64,
}

impl<'a> Session<'a> {
    /// A session that has sent nothing yet.
    pub(crate) fn new(
        transport: &'a Transport,
        url: Url,
        authorizer: &'a mut dyn Authorizer,
    ) -> Self {
        Self {
            transport,
            url,
            authorizer,
            mcp_session_id: None,
            protocol_version: None,
            next_id: 1,
        }
    }

    /// `initialize`: offers [`PROTOCOL_VERSION`], keeps the server's
    /// `Mcp-Session-Id` and the version it chose.
    pub(crate) fn initialize(&mut self) -> Result<Initialized, McpError> {
        const METHOD: &str = "initialize";
        let params = json!({
            "protocolVersion": PROTOCOL_VERSION,
            "capabilities": {},
            "clientInfo": {"name": CLIENT_NAME, "version": env!("CARGO_PKG_VERSION")},
        });
        let (result, response) = self.request(METHOD, &params)?;

        let version = result
            .get("protocolVersion")
            .and_then(Value::as_str)
            .ok_or(McpError::Result {
                method: METHOD,
                member: "protocolVersion",
            })?;
        if !COMPATIBLE_VERSIONS.contains(&version) {
            return Err(McpError::Version(version.to_owned()));
        }
        self.protocol_version = Some(
            HeaderValue::from_str(version).map_err(|_| McpError::Version(version.to_owned()))?,
        );
        self.mcp_session_id = response.headers().get(MCP_SESSION_ID).cloned();

        Ok(Initialized {
            protocol_version: version.to_owned(),
            server_name: result
                .pointer("/serverInfo/name")
                .and_then(Value::as_str)
                .map(str::to_owned),
        })
    }

    /// `notifications/initialized`. The server should answer 202; any 2xx
    /// is taken, as some servers answer 200.
    pub(crate) fn initialized(&mut self) -> Result<StatusCode, McpError> {
        const METHOD: &str = "notifications/initialized";
        let message = json!({"jsonrpc": "2.0", "method": METHOD});
        let response = self.post(METHOD, &message)?;
        if response.status().is_success() {
            Ok(response.status())
        } else {
            Err(unexpected_status(METHOD, &response, "202"))
        }
    }

    /// `tools/list`, following `nextCursor` until a page lists a tool (at
    /// most [`MAX_TOOL_PAGES`] pages). Empty when the server has no tools.
    pub(crate) fn list_tools(&mut self) -> Result<Vec<Tool>, McpError> {
        const METHOD: &str = "tools/list";
        let mut cursor: Option<String> = None;
        for _ in 0..MAX_TOOL_PAGES {
            let params = match &cursor {
                Some(cursor) => json!({"cursor": cursor}),
                None => json!({}),
            };
            let (result, _) = self.request(METHOD, &params)?;
            let invalid = || McpError::Result {
                method: METHOD,
                member: "tools",
            };
            let listed = result
                .get("tools")
                .and_then(Value::as_array)
                .ok_or_else(invalid)?;
            let tools = listed
                .iter()
                .map(|tool| {
                    Some(Tool {
                        name: tool.get("name")?.as_str()?.to_owned(),
                        input_schema: tool.get("inputSchema").cloned().unwrap_or(Value::Null),
                    })
                })
                .collect::<Option<Vec<_>>>()
                .ok_or_else(invalid)?;
            cursor = result
                .get("nextCursor")
                .and_then(Value::as_str)
                .map(str::to_owned);
            if !tools.is_empty() || cursor.is_none() {
                return Ok(tools);
            }
        }
        Ok(Vec::new())
    }

    /// `tools/call` with the given arguments; the result's text content.
    pub(crate) fn call_tool(&mut self, tool: &str, arguments: &Value) -> Result<String, McpError> {
        const METHOD: &str = "tools/call";
        let params = json!({"name": tool, "arguments": arguments});
        let (result, _) = self.request(METHOD, &params)?;

        let text = result
            .get("content")
            .and_then(Value::as_array)
            .map(|content| {
                content
                    .iter()
                    .filter_map(|item| item.get("text").and_then(Value::as_str))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_default();
        if result.get("isError").and_then(Value::as_bool) == Some(true) {
            return Err(McpError::ToolFailed {
                tool: tool.to_owned(),
                content: text,
            });
        }
        Ok(text)
    }

    /// Ends the session on the server with `DELETE` when it gave a session
    /// id. A 405 (the server does not let clients end sessions) is fine.
    pub(crate) fn close(mut self) -> Result<(), McpError> {
        const METHOD: &str = "DELETE";
        if self.mcp_session_id.is_none() {
            return Ok(());
        }
        let response = self.send(METHOD, &Method::DELETE, &[])?;
        let status = response.status();
        if status.is_success() || status == StatusCode::METHOD_NOT_ALLOWED {
            Ok(())
        } else {
            Err(unexpected_status(METHOD, &response, "2xx or 405"))
        }
    }

    /// Sends a request and returns its result (and the HTTP response, for
    /// its headers), or the server's JSON-RPC error.
    fn request(
        &mut self,
        method: &'static str,
        params: &Value,
    ) -> Result<(Value, Response<Vec<u8>>), McpError> {
        let id = json!(self.next_id);
        self.next_id += 1;
        let message = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});

        let response = self.post(method, &message)?;
        if response.status() != StatusCode::OK {
            return Err(unexpected_status(method, &response, "200"));
        }
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok());
        let mut reply = reply::response_for(content_type, response.body(), &id)
            .map_err(|source| McpError::Reply { method, source })?;

        if let Some(error) = reply.get("error") {
            return Err(McpError::Rpc {
                method,
                code: error
                    .get("code")
                    .and_then(Value::as_i64)
                    .unwrap_or_default(),
                message: error
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
            });
        }
        let result = reply.get_mut("result").map(Value::take).unwrap_or_default();
        if !result.is_object() {
            return Err(McpError::Result {
                method,
                member: "result",
            });
        }
        Ok((result, response))
    }

    /// POSTs one JSON-RPC message (see [`Self::send`]).
    fn post(
        &mut self,
        method: &'static str,
        message: &Value,
    ) -> Result<Response<Vec<u8>>, McpError> {
        self.send(method, &Method::POST, message.to_string().as_bytes())
    }

    /// Sends one HTTP request; on 401 or 403 asks the authorizer, and sends
    /// the request again while the authorizer says it authorized.
    fn send(
        &mut self,
        method: &'static str,
        http_method: &Method,
        body: &[u8],
    ) -> Result<Response<Vec<u8>>, McpError> {
        let mut challenges = 0;
        loop {
            let request = self.build(method, http_method, body.to_vec())?;
            let response = self
                .transport
                .send(request)
                .map_err(|source| McpError::Transport { method, source })?;

            let status = response.status();
            if status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN {
                return Ok(response);
            }
            if challenges == MAX_CHALLENGES {
                return Err(McpError::TooManyChallenges { method, status });
            }
            challenges += 1;
            let authorized =
                self.authorizer
                    .challenged(&self.url, &response)
                    .map_err(|source| McpError::Authorizer {
                        method,
                        status,
                        source,
                    })?;
            if !authorized {
                return Err(McpError::Unauthorized {
                    method,
                    status,
                    www_authenticate: response
                        .headers()
                        .get(WWW_AUTHENTICATE)
                        .and_then(|value| value.to_str().ok())
                        .map(str::to_owned),
                });
            }
        }
    }

    /// The request, with the session's headers and the authorizer's
    /// `Authorization` value (marked sensitive, so it is never printed).
    fn build(
        &mut self,
        method: &'static str,
        http_method: &Method,
        body: Vec<u8>,
    ) -> Result<Request<Vec<u8>>, McpError> {
        let mut builder = Request::builder()
            .method(http_method.clone())
            .uri(self.url.as_str())
            .header(ACCEPT, "application/json, text/event-stream");
        if !body.is_empty() {
            builder = builder.header(CONTENT_TYPE, "application/json");
        }
        if let Some(session_id) = &self.mcp_session_id {
            builder = builder.header(MCP_SESSION_ID, session_id);
        }
        if let Some(version) = &self.protocol_version {
            builder = builder.header(MCP_PROTOCOL_VERSION, version);
        }
        if let Some(authorization) = self.authorizer.authorization() {
            let mut value = HeaderValue::from_str(&authorization)
                .map_err(|_| McpError::InvalidAuthorization { method })?;
            value.set_sensitive(true);
            builder = builder.header(AUTHORIZATION, value);
        }
        builder
            .body(body)
            .map_err(|source| McpError::Request { method, source })
    }
}

fn unexpected_status(
    method: &'static str,
    response: &Response<Vec<u8>>,
    expected: &'static str,
) -> McpError {
    McpError::Status {
        method,
        status: response.status(),
        expected,
        excerpt: String::from_utf8_lossy(response.body())
            .chars()
            .take(200)
            .collect(),
    }
}

/// Arguments for a tool: each property its input schema requires, with the
/// simplest value of its type (or its `const`, `default` or first `enum`
/// value); nothing else.
pub(crate) fn minimal_arguments(input_schema: &Value) -> Value {
    let mut arguments = Map::new();
    let required = input_schema.get("required").and_then(Value::as_array);
    let properties = input_schema.get("properties");
    for name in required.into_iter().flatten().filter_map(Value::as_str) {
        let property = properties
            .and_then(|all| all.get(name))
            .unwrap_or(&Value::Null);
        arguments.insert(name.to_owned(), minimal_value(property));
    }
    Value::Object(arguments)
}

fn minimal_value(schema: &Value) -> Value {
    if let Some(value) = schema.get("const").or_else(|| schema.get("default")) {
        return value.clone();
    }
    if let Some(first) = schema
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|all| all.first())
    {
        return first.clone();
    }
    let kind = match schema.get("type") {
        Some(Value::String(kind)) => kind.as_str(),
        Some(Value::Array(kinds)) => kinds
            .iter()
            .filter_map(Value::as_str)
            .find(|kind| *kind != "null")
            .unwrap_or("null"),
        _ => "null",
    };
    match kind {
        "string" => json!(""),
        "number" | "integer" => json!(0),
        "boolean" => json!(false),
        "array" => json!([]),
        "object" => minimal_arguments(schema),
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal_arguments_fill_only_required_properties_by_type() {
        let schema = json!({
            "type": "object",
            "properties": {
                "a": {"type": "number"},
                "b": {"type": "integer"},
                "s": {"type": "string"},
                "flag": {"type": "boolean"},
                "list": {"type": "array"},
                "nested": {"type": "object", "required": ["x"],
                    "properties": {"x": {"type": ["null", "string"]}}},
                "optional": {"type": "string"},
            },
            "required": ["a", "b", "s", "flag", "list", "nested", "untyped"],
        });

        let arguments = minimal_arguments(&schema);

        assert_eq!(
            arguments,
            json!({"a": 0, "b": 0, "s": "", "flag": false, "list": [],
                "nested": {"x": ""}, "untyped": null})
        );
    }

    #[test]
    fn minimal_arguments_prefer_const_default_and_enum() {
        let schema = json!({
            "properties": {
                "c": {"const": "fixed", "type": "string"},
                "d": {"type": "number", "default": 5},
                "e": {"enum": ["first", "second"]},
            },
            "required": ["c", "d", "e"],
        });

        assert_eq!(
            minimal_arguments(&schema),
            json!({"c": "fixed", "d": 5, "e": "first"})
        );
    }

    #[test]
    fn minimal_arguments_of_a_schema_without_requirements_are_empty() {
        for schema in [
            json!({}),
            Value::Null,
            json!({"type": "object", "properties": {}}),
        ] {
            assert_eq!(minimal_arguments(&schema), json!({}));
        }
    }
}
