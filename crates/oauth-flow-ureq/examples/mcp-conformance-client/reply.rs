//! Reading a streamable HTTP reply: either one JSON document or a stream of
//! server-sent events, from which the response to one request is picked.
//!
//! A server may answer a `POST` with `application/json` (the response itself,
//! or a batch holding it) or with `text/event-stream`, whose `message` events
//! may carry notifications and requests of the server's before the response.
//! The event stream is read as the WHATWG HTML standard's "server-sent events"
//! section says: CRLF, LF or CR end a line, a blank line ends an event, the
//! `data` lines of one event are joined with `\n`, and an event left open
//! when the stream ends is dropped.

use serde_json::Value;

/// How many characters of an unreadable body an error shows.
const EXCERPT_CHARS: usize = 200;

/// Why no response could be taken from a reply.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ReplyError {
    /// The reply is neither JSON nor an event stream. The request asked for
    /// one of the two in `Accept`.
    #[error("the reply's content type is {0:?}, not application/json or text/event-stream")]
    ContentType(String),
    /// The `application/json` body is not JSON.
    #[error("the reply is not valid JSON ({error}); it starts with {excerpt:?}")]
    Json {
        /// What the parser said.
        error: serde_json::Error,
        /// The start of the body.
        excerpt: String,
    },
    /// Nothing in the reply answers the request: the server sent something
    /// else, or the stream ended before the response.
    #[error("no response with id {id} in the reply ({seen})")]
    NoResponse {
        /// The request's id.
        id: Value,
        /// What the reply held instead.
        seen: String,
    },
}

/// One event of an event stream, as dispatched.
#[derive(Debug, PartialEq, Eq)]
struct Event {
    /// The `event` field, `message` when absent.
    kind: String,
    /// The `data` lines, joined with `\n`.
    data: String,
}

/// The JSON-RPC response (with `result` or `error`) whose `id` is `id`, from
/// a reply with the given `Content-Type` and body.
pub(crate) fn response_for(
    content_type: Option<&str>,
    body: &[u8],
    id: &Value,
) -> Result<Value, ReplyError> {
    let media_type = content_type
        .and_then(|value| value.split(';').next())
        .map(|value| value.trim().to_ascii_lowercase())
        .unwrap_or_default();
    match media_type.as_str() {
        "application/json" => {
            let message: Value =
                serde_json::from_slice(body).map_err(|error| ReplyError::Json {
                    error,
                    excerpt: excerpt(body),
                })?;
            let mut seen = Seen::default();
            find(message, id, &mut seen).ok_or_else(|| seen.into_error(id))
        }
        "text/event-stream" => from_events(&events(body), id),
        _ => Err(ReplyError::ContentType(
            content_type.unwrap_or("(none)").to_owned(),
        )),
    }
}

/// What a reply held besides the response, for the error that says it was
/// missing.
#[derive(Default)]
struct Seen {
    events: usize,
    other_kinds: usize,
    not_json: usize,
    other_messages: usize,
}

impl Seen {
    fn into_error(self, id: &Value) -> ReplyError {
        let seen = format!(
            "{} events, {} of another type than message, {} not JSON, \
             {} other JSON-RPC messages",
            self.events, self.other_kinds, self.not_json, self.other_messages
        );
        ReplyError::NoResponse {
            id: id.clone(),
            seen,
        }
    }
}

fn from_events(events: &[Event], id: &Value) -> Result<Value, ReplyError> {
    let mut seen = Seen {
        events: events.len(),
        ..Seen::default()
    };
    for event in events {
        if event.kind != "message" {
            seen.other_kinds += 1;
            continue;
        }
        let Ok(message) = serde_json::from_str::<Value>(&event.data) else {
            seen.not_json += 1;
            continue;
        };
        if let Some(response) = find(message, id, &mut seen) {
            return Ok(response);
        }
    }
    Err(seen.into_error(id))
}

/// The response to `id` in one message or batch; counts the rest.
fn find(message: Value, id: &Value, seen: &mut Seen) -> Option<Value> {
    let candidates = match message {
        Value::Array(batch) => batch,
        single => vec![single],
    };
    let mut found = None;
    for candidate in candidates {
        if found.is_none() && answers(&candidate, id) {
            found = Some(candidate);
        } else {
            seen.other_messages += 1;
        }
    }
    found
}

/// A response, not a request of the server's that reuses the id.
fn answers(message: &Value, id: &Value) -> bool {
    message.get("id") == Some(id)
        && message.get("method").is_none()
        && (message.get("result").is_some() || message.get("error").is_some())
}

/// The events of a whole stream, in order; events without data are not
/// dispatched, and neither is an event the stream cut short.
fn events(body: &[u8]) -> Vec<Event> {
    let text = String::from_utf8_lossy(body);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);

    let mut lines = Vec::new();
    let mut rest = text;
    while let Some(end) = rest.find(['\r', '\n']) {
        lines.push(&rest[..end]);
        let terminator = if rest[end..].starts_with("\r\n") {
            2
        } else {
            1
        };
        rest = &rest[end + terminator..];
    }
    // Whatever follows the last line ending is an unfinished line: the
    // event it belongs to can no longer be completed.

    let mut dispatched = Vec::new();
    let mut kind = String::new();
    let mut data = String::new();
    for line in lines {
        if line.is_empty() {
            if !data.is_empty() {
                data.pop();
                let kind = if kind.is_empty() { "message" } else { &kind };
                dispatched.push(Event {
                    kind: kind.to_owned(),
                    data: std::mem::take(&mut data),
                });
            }
            kind.clear();
            data.clear();
            continue;
        }
        if line.starts_with(':') {
            continue;
        }
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line, ""),
        };
        match field {
            "event" => value.clone_into(&mut kind),
            "data" => {
                data.push_str(value);
                data.push('\n');
            }
            _ => {}
        }
    }
    dispatched
}

/// The start of a body, for an error message.
fn excerpt(body: &[u8]) -> String {
    String::from_utf8_lossy(body)
        .chars()
        .take(EXCERPT_CHARS)
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const SSE: Option<&str> = Some("text/event-stream");
    const JSON: Option<&str> = Some("application/json");

    fn response(id: u64) -> Value {
        json!({"jsonrpc": "2.0", "id": id, "result": {"tools": []}})
    }

    #[test]
    fn json_reply_is_the_response() {
        let body = serde_json::to_vec(&response(1)).unwrap();

        let found = response_for(JSON, &body, &json!(1)).unwrap();

        assert_eq!(found, response(1));
    }

    #[test]
    fn json_batch_yields_the_matching_response() {
        let body = serde_json::to_vec(&json!([response(7), response(2)])).unwrap();

        let found = response_for(JSON, &body, &json!(2)).unwrap();

        assert_eq!(found, response(2));
    }

    #[test]
    fn content_type_parameters_and_case_are_ignored() {
        let body = format!("event: message\ndata: {}\n\n", response(1));

        let found = response_for(
            Some("Text/Event-Stream; charset=utf-8"),
            body.as_bytes(),
            &json!(1),
        );

        assert_eq!(found.unwrap(), response(1));
    }

    #[test]
    fn single_event_stream_yields_its_response() {
        let body = format!("event: message\ndata: {}\n\n", response(1));

        let found = response_for(SSE, body.as_bytes(), &json!(1)).unwrap();

        assert_eq!(found, response(1));
    }

    #[test]
    fn multi_event_stream_skips_notifications_requests_and_other_ids() {
        let notification = json!({"jsonrpc": "2.0", "method": "notifications/message",
            "params": {"level": "info", "data": "working"}});
        let server_request = json!({"jsonrpc": "2.0", "id": 3, "method": "roots/list"});
        let body = format!(
            "id: 1\nretry: 500\ndata: \n\n\
             event: message\ndata: {notification}\n\n\
             : a comment line\n\n\
             event: message\ndata: {server_request}\n\n\
             data: {}\n\n\
             event: message\nid: 5\ndata: {}\n\n",
            response(2),
            response(3),
        );

        let found = response_for(SSE, body.as_bytes(), &json!(3)).unwrap();

        assert_eq!(found, response(3));
    }

    #[test]
    fn crlf_and_bare_cr_line_endings_are_lines() {
        for ending in ["\r\n", "\r"] {
            let body = format!(
                "event: message{ending}data: {}{ending}{ending}",
                response(1)
            );

            let found = response_for(SSE, body.as_bytes(), &json!(1));

            assert_eq!(found.unwrap(), response(1), "{ending:?}");
        }
    }

    #[test]
    fn data_lines_of_one_event_are_joined() {
        let body = "event: message\n\
                    data: {\"jsonrpc\": \"2.0\",\n\
                    data:  \"id\": 4,\r\n\
                    data:\"result\": {}}\n\n";

        let found = response_for(SSE, body.as_bytes(), &json!(4)).unwrap();

        assert_eq!(found, json!({"jsonrpc": "2.0", "id": 4, "result": {}}));
    }

    #[test]
    fn json_rpc_error_response_is_returned_as_is() {
        let error = json!({"jsonrpc": "2.0", "id": 1,
            "error": {"code": -32601, "message": "method not found"}});
        let body = format!("event: message\ndata: {error}\n\n");

        let found = response_for(SSE, body.as_bytes(), &json!(1)).unwrap();

        assert_eq!(found, error);
    }

    #[test]
    fn events_of_other_types_are_not_responses() {
        let body = format!("event: ping\ndata: {}\n\n", response(1));

        let error = response_for(SSE, body.as_bytes(), &json!(1)).unwrap_err();

        assert!(matches!(error, ReplyError::NoResponse { .. }), "{error}");
        assert!(error.to_string().contains("1 of another type"), "{error}");
    }

    #[test]
    fn event_cut_short_by_the_end_of_the_stream_is_dropped() {
        for body in [
            format!("event: message\ndata: {}\n", response(1)),
            format!("event: message\ndata: {}", response(1)),
        ] {
            let error = response_for(SSE, body.as_bytes(), &json!(1)).unwrap_err();

            assert!(matches!(error, ReplyError::NoResponse { .. }), "{body:?}");
        }
    }

    #[test]
    fn junk_event_stream_yields_no_response() {
        for body in [
            &b""[..],
            b"\n\n\n",
            b"data: not json\n\n",
            b"data: {\"jsonrpc\": \"2.0\", \"id\": 1}\n\n",
            b"\xff\xfe\x00garbage\r\r\n\n",
            b"event\ndata\n\n:::\n\n",
        ] {
            let error = response_for(SSE, body, &json!(1)).unwrap_err();

            assert!(matches!(error, ReplyError::NoResponse { .. }), "{body:?}");
        }
    }

    #[test]
    fn junk_json_body_is_an_error_with_an_excerpt() {
        let body = format!("<html>{}</html>", "x".repeat(1000));

        let error = response_for(JSON, body.as_bytes(), &json!(1)).unwrap_err();

        let ReplyError::Json { excerpt, .. } = &error else {
            panic!("{error}");
        };
        assert!(excerpt.starts_with("<html>"));
        assert_eq!(excerpt.chars().count(), EXCERPT_CHARS);
    }

    #[test]
    fn other_or_missing_content_type_is_refused() {
        let body = serde_json::to_vec(&response(1)).unwrap();
        for content_type in [Some("text/html"), None] {
            let error = response_for(content_type, &body, &json!(1)).unwrap_err();

            assert!(matches!(error, ReplyError::ContentType(_)), "{error}");
        }
    }

    #[test]
    fn string_and_number_ids_do_not_match() {
        let body = format!("data: {}\n\n", response(1));

        let error = response_for(SSE, body.as_bytes(), &json!("1")).unwrap_err();

        assert!(matches!(error, ReplyError::NoResponse { .. }));
    }
}
