//! The record of every request the server received, so tests can assert what a client
//! sent.

use std::fmt;

/// Parameter and header names whose values are secrets; `Debug` hides them.
const SECRET_NAMES: &[&str] = &[
    "access_token",
    "authorization",
    "client_secret",
    "code",
    "code_verifier",
    "cookie",
    "refresh_token",
    "token",
];

/// One request as the server received it, before any handler looked at it.
///
/// It holds secrets in clear text (codes, verifiers, client secrets, tokens): it is a
/// test tool, and tests need to see what was sent. Its `Debug` output replaces those
/// values with `[redacted]` and shows only the length of the body.
#[derive(Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) form: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl RecordedRequest {
    /// The method, such as `POST`.
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The path, without the query.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The decoded query parameters, in order, repeats included.
    pub fn query(&self) -> &[(String, String)] {
        &self.query
    }

    /// The first query parameter with that name.
    pub fn query_param(&self, name: &str) -> Option<&str> {
        find(&self.query, name)
    }

    /// The headers, names in lower case, in order.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The first header with that name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        find(&self.headers, &name.to_ascii_lowercase())
    }

    /// The decoded form parameters when the body was `application/x-www-form-urlencoded`,
    /// in order, repeats included; empty otherwise.
    pub fn form(&self) -> &[(String, String)] {
        &self.form
    }

    /// The first form parameter with that name.
    pub fn form_param(&self, name: &str) -> Option<&str> {
        find(&self.form, name)
    }

    /// The raw body.
    pub fn body(&self) -> &[u8] {
        &self.body
    }
}

fn find<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

/// Shows the pairs with secret values replaced.
struct Redacted<'a>(&'a [(String, String)]);

impl fmt::Debug for Redacted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = f.debug_list();
        for (name, value) in self.0 {
            if SECRET_NAMES.contains(&name.to_ascii_lowercase().as_str()) {
                list.entry(&(name, "[redacted]"));
            } else {
                list.entry(&(name, value));
            }
        }
        list.finish()
    }
}

impl fmt::Debug for RecordedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordedRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &Redacted(&self.query))
            .field("headers", &Redacted(&self.headers))
            .field("form", &Redacted(&self.form))
            .field("body_len", &self.body.len())
            .finish()
    }
}
