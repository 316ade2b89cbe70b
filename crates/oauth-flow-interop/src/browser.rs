//! The person's browser, headless: one request at a time, redirects walked
//! by hand, cookies kept per path, forms read from the HTML and posted.

use oauth_flow::http::{Request, header};
use oauth_flow::url::Url;
use oauth_flow_ureq::{Config, Transport};

/// Most requests a walk from the authorization URL to the callback may take.
const MAX_STEPS: usize = 20;

/// A headless browser for the login and consent pages of a peer.
///
/// It sends through the same transport the driver uses (plain `http` to
/// loopback only), never follows a redirect by itself, keeps cookies with
/// their `path` (peers scope interaction cookies to one path), and reads
/// `<form>`, `<input>` and `<button>` elements well enough for the peers'
/// development pages.
#[derive(Debug)]
pub struct Browser {
    transport: Transport,
    cookies: Vec<Cookie>,
}

#[derive(Clone, Debug)]
struct Cookie {
    name: String,
    value: String,
    path: String,
}

/// One response, as the browser saw it.
#[derive(Clone, Debug)]
pub struct Page {
    /// The URL asked for.
    pub url: Url,
    /// The HTTP status.
    pub status: u16,
    /// The `Location` of a redirect, resolved against [`url`](Self::url).
    pub location: Option<Url>,
    /// The body, as text.
    pub body: String,
}

/// An HTML form of a [`Page`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Form {
    /// Where it posts: its `action` resolved against the page, or the page's
    /// own URL (query included) when it has none.
    pub action: Url,
    /// `get` or `post`, lower case.
    pub method: String,
    /// The named `<input>` elements with their values (hidden ones included).
    pub fields: Vec<(String, String)>,
    /// The named `<button>` elements with their values.
    pub buttons: Vec<(String, String)>,
}

/// What the person does on a page that is not a redirect.
#[derive(Debug)]
pub enum Action {
    /// Submits a form with these fields set (others keep their values) and,
    /// if given, this button pressed.
    Submit {
        /// The form.
        form: Form,
        /// Fields to set.
        fill: Vec<(String, String)>,
        /// The button pressed, when it carries a name and value.
        button: Option<(String, String)>,
    },
    /// Opens another URL.
    Open(Url),
}

impl Default for Browser {
    fn default() -> Self {
        Self::new()
    }
}

impl Browser {
    /// A browser with no cookies.
    pub fn new() -> Self {
        Self {
            transport: Transport::new(Config::new()),
            cookies: Vec::new(),
        }
    }

    /// `GET url`, with the cookies that match it.
    ///
    /// # Panics
    ///
    /// When the request cannot be sent.
    pub fn get(&mut self, url: &Url) -> Page {
        let request = self.with_cookies(Request::get(url.as_str()), url);
        self.send(url, request.body(Vec::new()).expect("a GET request"))
    }

    /// Submits `form` as a browser would: every field, `fill` replacing or
    /// adding values, and the pressed `button`.
    ///
    /// # Panics
    ///
    /// When the request cannot be sent.
    pub fn submit(
        &mut self,
        form: &Form,
        fill: &[(String, String)],
        button: Option<&(String, String)>,
    ) -> Page {
        let mut fields = form.fields.clone();
        for (name, value) in fill {
            match fields.iter_mut().find(|(field, _)| field == name) {
                Some(field) => field.1.clone_from(value),
                None => fields.push((name.clone(), value.clone())),
            }
        }
        fields.extend(button.cloned());
        let body = oauth_flow::url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&fields)
            .finish();
        if form.method == "get" {
            let mut url = form.action.clone();
            url.set_query(Some(&body));
            return self.get(&url);
        }
        let request = self
            .with_cookies(Request::post(form.action.as_str()), &form.action)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body.into_bytes())
            .expect("a POST request");
        self.send(&form.action, request)
    }

    /// Opens the authorization URL and walks on, following redirects and
    /// letting `act` answer each page, until a redirect points at the
    /// `redirect_uri` of the authorization request. Returns that callback
    /// URL without opening it.
    ///
    /// # Panics
    ///
    /// On an error status, a page after 20 requests, or an
    /// authorization URL without `redirect_uri`.
    pub fn authorize(
        &mut self,
        authorization_url: &Url,
        mut act: impl FnMut(&Page) -> Action,
    ) -> Url {
        let redirect_uri = authorization_url
            .query_pairs()
            .find(|(name, _)| name == "redirect_uri")
            .map(|(_, value)| Url::parse(&value).expect("redirect_uri is a URL"))
            .expect("the authorization URL names its redirect_uri");
        let mut page = self.get(authorization_url);
        for _ in 0..MAX_STEPS {
            if let Some(location) = page.location.clone() {
                if is_same_endpoint(&location, &redirect_uri) {
                    return location;
                }
                page = self.get(&location);
                continue;
            }
            assert_eq!(
                page.status, 200,
                "{} answered {}: {}",
                page.url, page.status, page.body
            );
            page = match act(&page) {
                Action::Submit { form, fill, button } => self.submit(&form, &fill, button.as_ref()),
                Action::Open(url) => self.get(&url),
            };
        }
        panic!("no redirect to {redirect_uri} after {MAX_STEPS} requests; last: {page:?}");
    }

    /// Opens the callback URL, as the browser does when the server redirects
    /// to a loopback receiver. Returns the receiver's status.
    ///
    /// # Panics
    ///
    /// When nothing listens there.
    pub fn deliver(&mut self, callback: &Url) -> u16 {
        self.get(callback).status
    }

    fn with_cookies(
        &self,
        request: oauth_flow::http::request::Builder,
        url: &Url,
    ) -> oauth_flow::http::request::Builder {
        let matching: Vec<String> = self
            .cookies
            .iter()
            .filter(|cookie| path_matches(url.path(), &cookie.path))
            .map(|cookie| format!("{}={}", cookie.name, cookie.value))
            .collect();
        if matching.is_empty() {
            request
        } else {
            request.header(header::COOKIE, matching.join("; "))
        }
    }

    fn send(&mut self, url: &Url, request: Request<Vec<u8>>) -> Page {
        let response = self
            .transport
            .send(request)
            .unwrap_or_else(|error| panic!("the browser could not open {url}: {error}"));
        for value in response.headers().get_all(header::SET_COOKIE) {
            if let Ok(value) = value.to_str() {
                self.store_cookie(url, value);
            }
        }
        let location = response
            .headers()
            .get(header::LOCATION)
            .and_then(|value| value.to_str().ok())
            .map(|value| url.join(value).expect("a Location that resolves"));
        Page {
            url: url.clone(),
            status: response.status().as_u16(),
            location,
            body: String::from_utf8_lossy(response.body()).into_owned(),
        }
    }

    /// Keeps a `Set-Cookie` (RFC 6265 §5.2, the parts the peers use:
    /// `path`, and `expires`/`max-age` in the past to delete).
    fn store_cookie(&mut self, url: &Url, set_cookie: &str) {
        let mut parts = set_cookie.split(';');
        let Some((name, value)) = parts.next().and_then(|pair| pair.split_once('=')) else {
            return;
        };
        let mut path = default_path(url.path());
        let mut deleted = false;
        for attribute in parts {
            let (key, val) = attribute.split_once('=').unwrap_or((attribute, ""));
            match key.trim().to_ascii_lowercase().as_str() {
                "path" if val.trim().starts_with('/') => val.trim().clone_into(&mut path),
                "max-age" => deleted |= val.trim().parse::<i64>().is_ok_and(|age| age <= 0),
                // The peers delete a cookie with the Unix epoch as its expiry.
                "expires" => deleted |= val.contains("1970"),
                _ => {}
            }
        }
        let (name, value) = (name.trim().to_owned(), value.trim().to_owned());
        self.cookies
            .retain(|cookie| !(cookie.name == name && cookie.path == path));
        if !deleted {
            self.cookies.push(Cookie { name, value, path });
        }
    }
}

impl Page {
    /// The page's forms, in document order.
    ///
    /// # Panics
    ///
    /// When an `action` does not resolve against the page URL.
    pub fn forms(&self) -> Vec<Form> {
        let mut forms = Vec::new();
        let mut rest = self.body.as_str();
        while let Some(start) = find_tag(rest, "form") {
            let (attributes, after) = read_tag(&rest[start..]);
            let end = after.find("</form").unwrap_or(after.len());
            let inner = &after[..end];
            let action = attribute(&attributes, "action")
                .filter(|action| !action.is_empty())
                .map_or_else(
                    || self.url.clone(),
                    |action| self.url.join(&action).expect("a form action that resolves"),
                );
            let method = attribute(&attributes, "method")
                .unwrap_or_else(|| "get".to_owned())
                .to_ascii_lowercase();
            forms.push(Form {
                action,
                method,
                fields: named_elements(inner, "input"),
                buttons: named_elements(inner, "button"),
            });
            rest = &after[end..];
        }
        forms
    }

    /// The targets of the page's links (`<a href>`), resolved against it.
    pub fn links(&self) -> Vec<Url> {
        let mut links = Vec::new();
        let mut rest = self.body.as_str();
        while let Some(start) = find_tag(rest, "a") {
            let (attributes, after) = read_tag(&rest[start..]);
            if let Some(href) = attribute(&attributes, "href") {
                links.extend(self.url.join(&href).ok());
            }
            rest = after;
        }
        links
    }

    /// The first form that has a field or button named `name`.
    pub fn form_with(&self, name: &str) -> Option<Form> {
        self.forms().into_iter().find(|form| {
            form.fields
                .iter()
                .chain(&form.buttons)
                .any(|(field, _)| field == name)
        })
    }
}

impl Form {
    /// The value of the field `name`.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value.as_str())
    }
}

/// `scheme://host:port/path` equal, query ignored.
fn is_same_endpoint(url: &Url, endpoint: &Url) -> bool {
    url.scheme() == endpoint.scheme()
        && url.host_str() == endpoint.host_str()
        && url.port_or_known_default() == endpoint.port_or_known_default()
        && url.path() == endpoint.path()
}

/// RFC 6265 §5.1.4.
fn path_matches(request_path: &str, cookie_path: &str) -> bool {
    request_path == cookie_path
        || (request_path.starts_with(cookie_path)
            && (cookie_path.ends_with('/')
                || request_path.as_bytes().get(cookie_path.len()) == Some(&b'/')))
}

/// RFC 6265 §5.1.4: the request path up to its last `/`.
fn default_path(request_path: &str) -> String {
    match request_path.rfind('/') {
        Some(0) | None => "/".to_owned(),
        Some(at) => request_path[..at].to_owned(),
    }
}

/// Where the next `<name` tag starts (case-insensitive).
fn find_tag(html: &str, name: &str) -> Option<usize> {
    let lower = html.to_ascii_lowercase();
    let needle = format!("<{name}");
    let mut from = 0;
    while let Some(at) = lower[from..].find(&needle) {
        let at = from + at;
        let next = lower.as_bytes().get(at + needle.len()).copied();
        if next.is_none_or(|b| b.is_ascii_whitespace() || b == b'>' || b == b'/') {
            return Some(at);
        }
        from = at + needle.len();
    }
    None
}

/// Reads the tag at the start of `html`: its attributes, and the text after it.
fn read_tag(html: &str) -> (Vec<(String, String)>, &str) {
    let bytes = html.as_bytes();
    let mut at = 1;
    while at < bytes.len() && !bytes[at].is_ascii_whitespace() && !b">/".contains(&bytes[at]) {
        at += 1;
    }
    let mut attributes = Vec::new();
    loop {
        while at < bytes.len() && (bytes[at].is_ascii_whitespace() || bytes[at] == b'/') {
            at += 1;
        }
        if at >= bytes.len() || bytes[at] == b'>' {
            return (attributes, html.get(at + 1..).unwrap_or(""));
        }
        let start = at;
        while at < bytes.len() && !bytes[at].is_ascii_whitespace() && !b"=>/".contains(&bytes[at]) {
            at += 1;
        }
        let name = html[start..at].to_ascii_lowercase();
        let mut value = String::new();
        if bytes.get(at) == Some(&b'=') {
            at += 1;
            if let Some(&quote @ (b'"' | b'\'')) = bytes.get(at) {
                let end = html[at + 1..]
                    .find(quote as char)
                    .map_or(bytes.len(), |end| at + 1 + end);
                value = unescape(&html[at + 1..end]);
                at = end + 1;
            } else {
                let start = at;
                while at < bytes.len() && !bytes[at].is_ascii_whitespace() && bytes[at] != b'>' {
                    at += 1;
                }
                value = unescape(&html[start..at]);
            }
        }
        attributes.push((name, value));
    }
}

fn attribute(attributes: &[(String, String)], name: &str) -> Option<String> {
    attributes
        .iter()
        .find(|(attribute, _)| attribute == name)
        .map(|(_, value)| value.clone())
}

/// The `name` and `value` of each `<element>` that has a name.
fn named_elements(html: &str, element: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut rest = html;
    while let Some(start) = find_tag(rest, element) {
        let (attributes, after) = read_tag(&rest[start..]);
        if let Some(name) = attribute(&attributes, "name") {
            found.push((name, attribute(&attributes, "value").unwrap_or_default()));
        }
        rest = after;
    }
    found
}

/// The character references the peers' pages use.
fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(body: &str) -> Page {
        Page {
            url: Url::parse("http://127.0.0.1:9/authorize?client_id=c&state=s").unwrap(),
            status: 200,
            location: None,
            body: body.to_owned(),
        }
    }

    #[test]
    fn forms_are_read_with_hidden_fields_buttons_and_actions() {
        let page = page(
            r#"<h1>x</h1><form autocomplete="off" action="/interaction/abc" method="post">
            <input type="hidden" name="prompt" value="login"/>
            <input required type="text" name="login" placeholder="Enter any login" autofocus>
            <button type="submit" class="login">Sign-in</button></form>
            <FORM method=post><button name="action" value='deny'>Deny</button></FORM>
            <a href="/interaction/abc/abort">[ Cancel ]</a>"#,
        );
        let forms = page.forms();
        assert_eq!(forms.len(), 2);
        assert_eq!(
            forms[0].action.as_str(),
            "http://127.0.0.1:9/interaction/abc"
        );
        assert_eq!(forms[0].method, "post");
        assert_eq!(forms[0].field("prompt"), Some("login"));
        assert_eq!(forms[0].field("login"), Some(""));
        assert!(
            forms[0].buttons.is_empty(),
            "an unnamed button sends nothing"
        );
        assert_eq!(
            forms[1].action, page.url,
            "no action posts to the page itself"
        );
        assert_eq!(forms[1].buttons, [("action".to_owned(), "deny".to_owned())]);
        assert_eq!(page.form_with("action"), Some(forms[1].clone()));
        assert_eq!(
            page.links()[0].as_str(),
            "http://127.0.0.1:9/interaction/abc/abort"
        );
    }

    #[test]
    fn cookies_go_only_where_their_path_matches() {
        assert!(path_matches("/interaction/abc", "/interaction/abc"));
        assert!(path_matches("/interaction/abc/login", "/interaction/abc"));
        assert!(!path_matches("/interaction/abcd", "/interaction/abc"));
        assert!(path_matches("/anything", "/"));
        assert_eq!(default_path("/auth"), "/");
        assert_eq!(default_path("/interaction/abc"), "/interaction");
    }

    #[test]
    fn a_cookie_set_to_the_epoch_is_deleted() {
        let mut browser = Browser::new();
        let url = Url::parse("http://127.0.0.1:9/auth/x").unwrap();
        browser.store_cookie(&url, "_session=abc; path=/; httponly");
        browser.store_cookie(&url, "_interaction=1; path=/interaction/x");
        assert_eq!(browser.cookies.len(), 2);
        browser.store_cookie(
            &url,
            "_interaction=; path=/interaction/x; expires=Thu, 01 Jan 1970 00:00:00 GMT",
        );
        assert_eq!(browser.cookies.len(), 1);
        assert_eq!(browser.cookies[0].name, "_session");
    }
}
