//! `WWW-Authenticate` challenges (RFC 9110 §11.6.1), and the bearer challenge
//! a protected resource sends (RFC 6750 §3, RFC 9728 §5.1).
//!
//! ```text
//! WWW-Authenticate = #challenge
//! challenge        = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
//! auth-param       = token BWS "=" BWS ( token / quoted-string )
//! ```
//!
//! Commas separate both challenges and parameters; a list element that is
//! not `name=value` starts the next challenge. Commas inside quoted strings
//! are text. Scheme and parameter names compare case-insensitively; a name
//! repeated within one challenge is an error rather than "first wins", since
//! a resource server that sends two `resource_metadata` values cannot be
//! trusted with either.

use http::HeaderMap;
use http::header::WWW_AUTHENTICATE;

/// The longest `WWW-Authenticate` text read, all fields together: 16 KiB.
pub const MAX_CHALLENGE_BYTES: usize = 16 * 1024;

/// One challenge: a scheme with a token68 or parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Challenge {
    scheme: String,
    token68: Option<String>,
    params: Vec<(String, String)>,
}

impl Challenge {
    /// The scheme as sent (`Bearer`, `DPoP`, `Basic`, ...).
    pub fn scheme(&self) -> &str {
        &self.scheme
    }

    /// Whether the scheme is `scheme`, ignoring case.
    pub fn is(&self, scheme: &str) -> bool {
        self.scheme.eq_ignore_ascii_case(scheme)
    }

    /// A parameter's value, its name compared ignoring case; quoted strings
    /// are unescaped.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The parameters, names in lower case, in the order sent.
    pub fn params(&self) -> &[(String, String)] {
        &self.params
    }

    /// The token68 form (`Basic dXNlcg==`), when the challenge uses it.
    pub fn token68(&self) -> Option<&str> {
        self.token68.as_deref()
    }
}

/// What a protected resource's bearer challenge says (RFC 6750 §3, RFC 9728
/// §5.1). Each member is exactly the parameter of that name, never a
/// substring of another (`error_scope=` is not `scope=`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct BearerChallenge {
    /// The scheme the values came from: `Bearer`, or `DPoP` when no Bearer
    /// challenge was sent.
    pub scheme: String,
    /// `resource_metadata`: where the resource's RFC 9728 metadata is.
    pub resource_metadata: Option<String>,
    /// `scope`: the scopes the resource needs, space-separated.
    pub scope: Option<String>,
    /// `error`: `invalid_token`, `insufficient_scope`, ...
    pub error: Option<String>,
    /// `error_description`.
    pub error_description: Option<String>,
    /// `realm`.
    pub realm: Option<String>,
}

impl BearerChallenge {
    /// Takes the values out of the challenge. Its parameter names are in lower
    /// case, and none is repeated.
    fn from_challenge(challenge: Challenge) -> Self {
        let mut bearer = Self {
            scheme: challenge.scheme,
            ..Self::default()
        };
        for (name, value) in challenge.params {
            let member = match name.as_str() {
                "resource_metadata" => &mut bearer.resource_metadata,
                "scope" => &mut bearer.scope,
                "error" => &mut bearer.error,
                "error_description" => &mut bearer.error_description,
                "realm" => &mut bearer.realm,
                _ => continue,
            };
            *member = Some(value);
        }
        bearer
    }

    /// The bearer challenge among all the `WWW-Authenticate` fields of a
    /// response: the `Bearer` one, else a `DPoP` one; `None` when there is
    /// neither (or no header at all).
    pub fn from_headers(headers: &HeaderMap) -> Result<Option<Self>, ChallengeError> {
        let mut challenges = parse_headers(headers)?;
        let pick = |scheme| challenges.iter().position(|c| c.is(scheme));
        Ok(pick("Bearer")
            .or_else(|| pick("DPoP"))
            .map(|at| Self::from_challenge(challenges.swap_remove(at))))
    }
}

/// Why a `WWW-Authenticate` value could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ChallengeError {
    /// The value breaks the grammar at byte `at`.
    #[error("malformed WWW-Authenticate at byte {at}: {expected}")]
    Malformed {
        /// Where.
        at: usize,
        /// What was expected there.
        expected: &'static str,
    },
    /// A parameter appears twice in one challenge.
    #[error("WWW-Authenticate challenge `{scheme}` repeats parameter `{name}`")]
    DuplicateParameter {
        /// The challenge's scheme.
        scheme: String,
        /// The parameter's name, in lower case.
        name: String,
    },
    /// The fields hold bytes that are not visible ASCII, or are longer than
    /// [`MAX_CHALLENGE_BYTES`] together.
    #[error("WWW-Authenticate is not visible ASCII or is longer than {MAX_CHALLENGE_BYTES} bytes")]
    Unreadable,
}

/// Parses every `WWW-Authenticate` field of a response, in order.
pub fn parse_headers(headers: &HeaderMap) -> Result<Vec<Challenge>, ChallengeError> {
    let mut total = 0;
    let mut challenges = Vec::new();
    for value in headers.get_all(WWW_AUTHENTICATE) {
        total += value.len();
        if total > MAX_CHALLENGE_BYTES {
            return Err(ChallengeError::Unreadable);
        }
        let text = value.to_str().map_err(|_| ChallengeError::Unreadable)?;
        challenges.extend(parse(text)?);
    }
    Ok(challenges)
}

/// Parses one `WWW-Authenticate` field value.
pub fn parse(value: &str) -> Result<Vec<Challenge>, ChallengeError> {
    if value.len() > MAX_CHALLENGE_BYTES {
        return Err(ChallengeError::Unreadable);
    }
    let mut cursor = Cursor {
        text: value.as_bytes(),
        at: 0,
    };
    let mut challenges = Vec::new();
    loop {
        cursor.skip_list_separators();
        if cursor.at_end() {
            return Ok(challenges);
        }
        challenges.push(cursor.challenge()?);
    }
}

struct Cursor<'a> {
    text: &'a [u8],
    at: usize,
}

/// RFC 9110 §5.6.2 `tchar`.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'!' | b'#'
                | b'$'
                | b'%'
                | b'&'
                | b'\''
                | b'*'
                | b'+'
                | b'-'
                | b'.'
                | b'^'
                | b'_'
                | b'`'
                | b'|'
                | b'~'
        )
}

fn is_token68_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
}

impl Cursor<'_> {
    fn at_end(&self) -> bool {
        self.at >= self.text.len()
    }

    fn peek(&self) -> Option<u8> {
        self.text.get(self.at).copied()
    }

    fn malformed(&self, expected: &'static str) -> ChallengeError {
        ChallengeError::Malformed {
            at: self.at,
            expected,
        }
    }

    fn skip_spaces(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.at += 1;
        }
    }

    /// Empty list elements are allowed (RFC 9110 §5.6.1).
    fn skip_list_separators(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b',')) {
            self.at += 1;
        }
    }

    fn token(&mut self) -> &str {
        let start = self.at;
        while self.peek().is_some_and(is_tchar) {
            self.at += 1;
        }
        // tchar is ASCII, so the slice is UTF-8.
        std::str::from_utf8(&self.text[start..self.at]).unwrap_or_default()
    }

    fn challenge(&mut self) -> Result<Challenge, ChallengeError> {
        let scheme = self.token().to_owned();
        if scheme.is_empty() {
            return Err(self.malformed("an auth-scheme"));
        }
        let mut challenge = Challenge {
            scheme,
            token68: None,
            params: Vec::new(),
        };
        let before_space = self.at;
        self.skip_spaces();
        if self.peek() == Some(b',') && self.at > before_space {
            // Empty list elements before the first parameter (RFC 9110
            // §5.6.1): `Bearer ,, scope="a"`. A parameter after them is this
            // challenge's; anything else starts the next challenge.
            let resume = self.at;
            self.skip_list_separators();
            if self.at_end() || !self.starts_auth_param() {
                self.at = resume;
                return Ok(challenge);
            }
        }
        if self.at_end() || self.peek() == Some(b',') {
            return Ok(challenge);
        }
        if self.at == before_space {
            return Err(self.malformed("a space after the auth-scheme"));
        }
        if let Some(token68) = self.token68() {
            challenge.token68 = Some(token68);
            return Ok(challenge);
        }
        loop {
            let (name, value) = self.auth_param()?;
            if challenge.params.iter().any(|(n, _)| *n == name) {
                return Err(ChallengeError::DuplicateParameter {
                    scheme: challenge.scheme,
                    name,
                });
            }
            challenge.params.push((name, value));
            // Another parameter of this challenge, or the next challenge.
            self.skip_spaces();
            if self.at_end() {
                return Ok(challenge);
            }
            if self.peek() != Some(b',') {
                return Err(self.malformed("a comma"));
            }
            let resume = self.at;
            self.skip_list_separators();
            if self.at_end() || !self.starts_auth_param() {
                self.at = resume;
                return Ok(challenge);
            }
        }
    }

    /// A token68 ends the challenge: it is followed by the end or a comma.
    /// `realm=x` is not one, since a value follows its `=`.
    fn token68(&mut self) -> Option<String> {
        let start = self.at;
        let mut end = start;
        while self.text.get(end).copied().is_some_and(is_token68_char) {
            end += 1;
        }
        if end == start {
            return None;
        }
        while self.text.get(end) == Some(&b'=') {
            end += 1;
        }
        let mut after = end;
        while matches!(self.text.get(after), Some(b' ' | b'\t')) {
            after += 1;
        }
        if after < self.text.len() && self.text[after] != b',' {
            return None;
        }
        self.at = after;
        Some(String::from_utf8_lossy(&self.text[start..end]).into_owned())
    }

    /// Whether `token BWS "="` starts here (a parameter, not a new challenge).
    fn starts_auth_param(&self) -> bool {
        let mut at = self.at;
        while self.text.get(at).copied().is_some_and(is_tchar) {
            at += 1;
        }
        if at == self.at {
            return false;
        }
        while matches!(self.text.get(at), Some(b' ' | b'\t')) {
            at += 1;
        }
        self.text.get(at) == Some(&b'=')
    }

    fn auth_param(&mut self) -> Result<(String, String), ChallengeError> {
        let name = self.token().to_ascii_lowercase();
        if name.is_empty() {
            return Err(self.malformed("a parameter name"));
        }
        self.skip_spaces();
        if self.peek() != Some(b'=') {
            return Err(self.malformed("`=` after the parameter name"));
        }
        self.at += 1;
        self.skip_spaces();
        let value = if self.peek() == Some(b'"') {
            self.quoted_string()?
        } else {
            let value = self.token().to_owned();
            if value.is_empty() {
                return Err(self.malformed("a token or a quoted string"));
            }
            value
        };
        Ok((name, value))
    }

    /// RFC 9110 §5.6.4: `"` *( qdtext / quoted-pair ) `"`. Text between
    /// escapes is copied a run at a time.
    fn quoted_string(&mut self) -> Result<String, ChallengeError> {
        let visible = |b: u8| b == b'\t' || (0x20..=0x7e).contains(&b);
        self.at += 1;
        let mut value = Vec::new();
        let mut run = self.at;
        loop {
            match self.peek() {
                None => return Err(self.malformed("a closing quote")),
                Some(b'"') => {
                    value.extend_from_slice(&self.text[run..self.at]);
                    self.at += 1;
                    // Only tabs and visible ASCII were kept: always UTF-8.
                    return Ok(String::from_utf8(value)
                        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()));
                }
                Some(b'\\') => {
                    value.extend_from_slice(&self.text[run..self.at]);
                    self.at += 1;
                    match self.peek() {
                        Some(b) if visible(b) => value.push(b),
                        _ => return Err(self.malformed("a character after `\\`")),
                    }
                    run = self.at + 1;
                }
                Some(b) if visible(b) => {}
                Some(_) => return Err(self.malformed("visible text in the quoted string")),
            }
            self.at += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bearer(value: &str) -> BearerChallenge {
        let mut headers = HeaderMap::new();
        headers.append(WWW_AUTHENTICATE, value.parse().unwrap());
        BearerChallenge::from_headers(&headers)
            .unwrap()
            .expect("a bearer challenge")
    }

    #[test]
    fn exact_parameter_names_not_substrings() {
        assert_eq!(
            bearer(r#"Bearer error_scope="decoy", scope="read write""#)
                .scope
                .as_deref(),
            Some("read write")
        );
        assert_eq!(bearer(r#"Bearer custom_scope="leaked""#).scope, None);
        assert_eq!(
            bearer(r#"Bearer x_resource_metadata="https://decoy.example.net""#).resource_metadata,
            None
        );
        let c = bearer(
            r#"Bearer error_uri="https://as.example.com/docs?scope=admin", scope="files:read""#,
        );
        assert_eq!(c.scope.as_deref(), Some("files:read"));
    }

    #[test]
    fn commas_and_escapes_inside_quotes_are_text() {
        assert_eq!(
            bearer(r#"Bearer realm="api, scope=decoy", scope="files:read""#)
                .scope
                .as_deref(),
            Some("files:read")
        );
        assert_eq!(bearer(r#"Bearer scope=",""#).scope.as_deref(), Some(","));
        assert_eq!(
            bearer(r#"Bearer scope="say \"hi, there""#).scope.as_deref(),
            Some("say \"hi, there")
        );
    }

    #[test]
    fn spaces_around_equals_are_allowed() {
        let url = "https://mcp.example.com/.well-known/oauth-protected-resource";
        let c = bearer(&format!(r#"Bearer resource_metadata = "{url}""#));
        assert_eq!(c.resource_metadata.as_deref(), Some(url));
    }

    #[test]
    fn several_challenges_in_one_field() {
        let c = bearer(r#"Basic realm="r", Bearer scope="files""#);
        assert_eq!(
            (c.scheme.as_str(), c.scope.as_deref()),
            ("Bearer", Some("files"))
        );
        let url = "https://mcp.example.com/.well-known/oauth-protected-resource/mcp";
        let c = bearer(&format!(
            r#"DPoP algs="ES256", Bearer scope="files", resource_metadata="{url}""#
        ));
        assert_eq!(c.scheme, "Bearer");
        assert_eq!(
            c.resource_metadata.as_deref(),
            Some("https://mcp.example.com/.well-known/oauth-protected-resource/mcp")
        );
    }

    #[test]
    fn scheme_and_parameter_names_ignore_case() {
        let c = bearer(r#"bearer Resource_Metadata="https://mcp.example.com/x""#);
        assert_eq!(
            c.resource_metadata.as_deref(),
            Some("https://mcp.example.com/x")
        );
    }

    #[test]
    fn dpop_is_used_when_there_is_no_bearer() {
        assert_eq!(
            bearer(r#"DPoP algs="ES256", error="invalid_token""#).scheme,
            "DPoP"
        );
    }

    #[test]
    fn several_fields_are_read_in_order() {
        let mut headers = HeaderMap::new();
        headers.append(WWW_AUTHENTICATE, r#"Basic realm="x""#.parse().unwrap());
        headers.append(
            WWW_AUTHENTICATE,
            r#"Bearer error="invalid_token""#.parse().unwrap(),
        );
        let c = BearerChallenge::from_headers(&headers).unwrap().unwrap();
        assert_eq!(c.error.as_deref(), Some("invalid_token"));
    }

    #[test]
    fn token68_and_bare_schemes() {
        let all = parse("Basic dXNlcjpwYXNz==, Negotiate, Bearer").unwrap();
        assert_eq!(all.len(), 3);
        assert_eq!(all[0].token68(), Some("dXNlcjpwYXNz=="));
        assert!(all[1].is("negotiate") && all[1].params().is_empty());
        assert!(all[2].is("Bearer"));
    }

    #[test]
    fn empty_list_elements_before_the_first_parameter_are_allowed() {
        let challenges = parse(r#"Bearer ,,, scope="a", , realm="r""#).unwrap();
        assert_eq!(challenges.len(), 1, "{challenges:?}");
        assert_eq!(challenges[0].param("scope"), Some("a"));
        assert_eq!(challenges[0].param("realm"), Some("r"));
        let two = parse(r#"Basic , Bearer scope="a""#).unwrap();
        assert_eq!(two.len(), 2, "{two:?}");
        assert_eq!(two[1].param("scope"), Some("a"));
    }

    #[test]
    fn duplicate_parameter_is_an_error() {
        let err = parse(r#"Bearer scope="a", SCOPE="b""#).unwrap_err();
        assert_eq!(
            err,
            ChallengeError::DuplicateParameter {
                scheme: "Bearer".into(),
                name: "scope".into()
            }
        );
    }

    #[test]
    fn malformed_values_are_errors_not_panics() {
        for bad in [
            r#"Bearer scope="open"#,
            r#"Bearer "x""#,
            "=x",
            "Bearer a=b c",
            r#"Bearer a="\"#,
        ] {
            assert!(
                matches!(parse(bad), Err(ChallengeError::Malformed { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_bare_name_with_equals_is_a_token68() {
        // `scope=` has no value, so the grammar reads it as a token68.
        assert_eq!(parse("Bearer scope=").unwrap()[0].token68(), Some("scope="));
    }

    #[test]
    fn no_header_means_no_challenge() {
        assert_eq!(
            BearerChallenge::from_headers(&HeaderMap::new()).unwrap(),
            None
        );
    }

    #[test]
    fn unquoted_token_values_are_read() {
        assert_eq!(
            bearer("Bearer error=invalid_token, scope=read")
                .error
                .as_deref(),
            Some("invalid_token")
        );
    }

    /// The byte-by-byte reader of quoted strings this module had before it
    /// copied runs; the reference the faster one must agree with.
    fn reference_quoted_string(cursor: &mut Cursor<'_>) -> Result<String, ChallengeError> {
        cursor.at += 1;
        let mut value = Vec::new();
        loop {
            match cursor.peek() {
                None => return Err(cursor.malformed("a closing quote")),
                Some(b'"') => {
                    cursor.at += 1;
                    return Ok(String::from_utf8_lossy(&value).into_owned());
                }
                Some(b'\\') => {
                    cursor.at += 1;
                    match cursor.peek() {
                        Some(b) if b == b'\t' || (0x20..=0x7e).contains(&b) => value.push(b),
                        _ => return Err(cursor.malformed("a character after `\\`")),
                    }
                }
                Some(b) if b == b'\t' || (0x20..=0x7e).contains(&b) => value.push(b),
                Some(_) => return Err(cursor.malformed("visible text in the quoted string")),
            }
            cursor.at += 1;
        }
    }

    proptest::proptest! {
        /// Same value, same error, same position after it, on any text.
        #[test]
        fn quoted_strings_read_as_the_byte_by_byte_reader_did(
            text in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::strategy::Just(b'"'),
                    proptest::strategy::Just(b'\\'),
                    proptest::strategy::Just(b'\t'),
                    proptest::strategy::Just(0x7f_u8),
                    proptest::strategy::Just(0xc3_u8),
                    0x20_u8..0x7f,
                    proptest::num::u8::ANY,
                ],
                0..24,
            )
        ) {
            let mut input = vec![b'"'];
            input.extend(text);
            let mut fast = Cursor { text: &input, at: 0 };
            let mut reference = Cursor { text: &input, at: 0 };
            proptest::prop_assert_eq!(
                fast.quoted_string(),
                reference_quoted_string(&mut reference)
            );
            proptest::prop_assert_eq!(fast.at, reference.at);
        }
    }
}
