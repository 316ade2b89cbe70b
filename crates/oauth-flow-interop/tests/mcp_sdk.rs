//! Against the example MCP server of `@modelcontextprotocol/sdk` and its demo
//! authorization server: the resource-first chain, from the 401 of
//! `POST /mcp` to an MCP session. An issuer that names `localhost` and ends
//! in `/`, dynamic registration, the `resource` indicator, a lowercase
//! `bearer` token type, no person step, no refresh token, `500` for a
//! reused code and for a refresh, and a limit of 20 registrations an hour:
//! each test starts its own server and registers at most twice.

use std::time::SystemTime;

use oauth_flow::http::{Request, Response, header};
use oauth_flow::url::{Url, form_urlencoded};
use oauth_flow::{
    AuthorizeParams, Authorized, BearerChallenge, ChainError, ChainOutcome, ClientAuthMethod,
    ClientConfig, ClientIdentity, ClientRegistration, ClientSecret, Discovered, Exchanging,
    FlowState, LegacyMode, Located, RefreshError, RegisteredClient, ResourceAnswer, ResourceChain,
    ResourceMetadataError, TokenType,
};
use oauth_flow_interop::mcp_sdk::{self, McpExample};
use oauth_flow_interop::{Browser, Cli, inject_into, note, person, server_error, text, two_copies};
use oauth_flow_ureq::{Config, Driver, Error, LoopbackReceiver};

/// A redirect URI with nothing listening, registered for the flows read by
/// hand: the browser stops at the redirect and the test reads the callback.
const REDIRECT_URI: &str = "http://127.0.0.1:8976/callback";

/// The one scope the example resource lists.
const SCOPE: &str = "mcp:tools";

fn receiver() -> LoopbackReceiver {
    LoopbackReceiver::bind()
        .expect("a loopback port")
        .timeout(std::time::Duration::from_secs(30))
}

fn registration(redirect_uri: &str) -> ClientRegistration {
    ClientRegistration::new("oauth-flow interop", redirect_uri).expect("a registration")
}

fn query(url: &Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// The form fields of a request the library is about to send.
fn form(request: &Request<Vec<u8>>) -> Vec<(String, String)> {
    form_urlencoded::parse(request.body())
        .into_owned()
        .collect()
}

fn field<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

/// `POST /mcp` with `initialize` and no token: the 401's challenge.
fn challenge(driver: &Driver, mcp: &McpExample) -> BearerChallenge {
    let response = driver
        .send(mcp_sdk::initialize(&mcp.resource_url(), None))
        .expect("the resource answers");
    assert_eq!(response.status(), 401, "{}", text(response.body()));
    match ResourceAnswer::of(&response).expect("a well-formed challenge") {
        ResourceAnswer::Unauthorized(Some(challenge)) => challenge,
        other => panic!("expected a bearer challenge, got {other:?}"),
    }
}

/// An MCP session opened with `authorized`'s token: the JSON-RPC result of
/// `initialize`, which comes as an event stream.
fn open_session(driver: &Driver, mcp: &McpExample, authorized: &Authorized) -> serde_json::Value {
    let bearer = authorized.bearer(SystemTime::now()).expect("a fresh token");
    let response = driver
        .send(mcp_sdk::initialize(&mcp.resource_url(), Some(&bearer)))
        .expect("the resource answers");
    initialize_result(&response)
}

fn initialize_result(response: &Response<Vec<u8>>) -> serde_json::Value {
    assert_eq!(response.status(), 200, "{}", text(response.body()));
    let content_type = response.headers()[header::CONTENT_TYPE].to_str().unwrap();
    assert!(
        content_type.starts_with("text/event-stream"),
        "{content_type}"
    );
    assert!(response.headers().contains_key("mcp-session-id"));
    let messages = mcp_sdk::messages(response);
    let [message] = messages.as_slice() else {
        panic!("one reply to one request: {messages:?}");
    };
    assert_eq!(message["jsonrpc"], "2.0");
    assert_eq!(message["id"], 1);
    assert!(message.get("error").is_none(), "{message}");
    let result = message["result"].clone();
    assert!(result["protocolVersion"].is_string(), "{result}");
    assert!(result["serverInfo"]["name"].is_string(), "{result}");
    result
}

/// The chain from the 401, then a client registered with `registration`
/// (its redirect URI is [`REDIRECT_URI`]), for the flows read by hand.
fn located_and_registered(
    driver: &Driver,
    mcp: &McpExample,
    registration: ClientRegistration,
) -> (Located, Discovered, RegisteredClient) {
    let chain = ResourceChain::new(
        &mcp.resource_url(),
        Some(&challenge(driver, mcp)),
        LegacyMode::default(),
    )
    .expect("a chain");
    let located = driver.locate(chain).expect("the server is found");
    let identity = ClientIdentity::new(REDIRECT_URI)
        .unwrap()
        .register_with(registration);
    let (discovered, registered) = driver.identify(&located, &identity).expect("registration");
    (located, discovered, registered.expect("a new registration"))
}

/// Authorizes without a receiver: the server redirects at once, and the
/// callback is checked. Returns the state ready to exchange.
fn authorize(driver: &mut Driver, discovered: &Discovered, params: AuthorizeParams) -> Exchanging {
    let (awaiting, url) = driver.authorize(discovered, params).unwrap();
    let callback = mcp_sdk::follow(&mut Browser::new(), &url);
    awaiting
        .handle_callback(callback.as_str())
        .expect("the state matches")
}

/// The chain run one request at a time: where it ends, and each URL asked
/// with the status of its answer.
fn locate_by_hand(
    driver: &Driver,
    resource: &str,
    challenge: &BearerChallenge,
) -> (Located, Vec<(String, u16)>) {
    let mut chain = ResourceChain::new(resource, Some(challenge), LegacyMode::default()).unwrap();
    let mut asked = Vec::new();
    loop {
        let url = chain.candidate().expect("a candidate").to_string();
        let response = driver.send(chain.request().unwrap()).unwrap();
        asked.push((url, response.status().as_u16()));
        match chain.handle_response(&response) {
            ChainOutcome::Next(next) => chain = *next,
            ChainOutcome::Located(located) => return (*located, asked),
            ChainOutcome::Failed(error) => panic!("{error}; asked {asked:?}"),
        }
    }
}

fn status_of_get(driver: &Driver, url: &str) -> u16 {
    let request = Request::get(url).body(Vec::new()).unwrap();
    driver.send(request).unwrap().status().as_u16()
}

/// How the resource answers a token it does not know.
fn answer_to_an_unknown_token(driver: &Driver, mcp: &McpExample) -> Response<Vec<u8>> {
    let unknown = "Bearer 00000000-0000-0000-0000-000000000000"
        .parse()
        .unwrap();
    driver
        .send(mcp_sdk::initialize(&mcp.resource_url(), Some(&unknown)))
        .unwrap()
}

#[test]
fn ureq_driver_goes_from_the_401_of_mcp_through_registration_to_a_session() {
    let Some(mcp) = McpExample::start(&[]) else {
        return;
    };
    let mut driver = Driver::new(Config::new()).unwrap();
    let resource = mcp.resource_url();

    // No token: 401, a challenge that points at the metadata, and an
    // `invalid_token` although no token was sent.
    let challenge = challenge(&driver, &mcp);
    assert_eq!(challenge.scheme, "Bearer");
    assert_eq!(
        challenge.resource_metadata.as_deref(),
        Some(mcp.resource_metadata_url().as_str())
    );
    assert_eq!(challenge.error.as_deref(), Some("invalid_token"));
    assert_eq!(challenge.scope, None);

    // The chain by hand, to see each URL it asks: the metadata where the
    // challenge points, then RFC 8414 at the issuer, whose trailing slash is
    // not doubled. Two requests, both answered.
    let (located, asked) = locate_by_hand(&driver, &resource, &challenge);
    let rfc8414 = format!("{}.well-known/oauth-authorization-server", mcp.issuer());
    assert_eq!(asked, [(mcp.resource_metadata_url(), 200), (rfc8414, 200)]);
    assert_eq!(located.issuer(), mcp.issuer(), "as written, with its `/`");
    assert_eq!(located.resource(), Some(resource.as_str()));
    assert_eq!(located.scopes(), [SCOPE]);
    assert!(located.metadata().revocation_endpoint.is_none());
    // The issuer with the well-known path appended as a string: `//`, and
    // nothing there.
    let doubled = format!("{}/.well-known/oauth-authorization-server", mcp.issuer());
    assert_eq!(status_of_get(&driver, &doubled), 404, "{doubled}");

    // The whole login from the challenge: registration, then the person.
    let receiver = receiver();
    let redirect_uri = receiver.redirect_uri();
    let identity = ClientIdentity::new(&redirect_uri)
        .unwrap()
        .register_with(registration(&redirect_uri));
    let mut browsing = None;
    let login = driver
        .login_resource(
            &resource,
            Some(&challenge),
            LegacyMode::default(),
            &identity,
            |url| browsing = Some((url.clone(), person(url, mcp_sdk::follow))),
            receiver,
        )
        .expect("login");
    let (url, browsing) = browsing.expect("the URL was shown");
    let callback = browsing.join().expect("the redirect was followed");

    let registered = login.registered.expect("registered on the way");
    assert_eq!(registered.issuer(), mcp.issuer());
    assert!(registered.client_secret().is_none(), "a public client");
    assert_eq!(registered.token_endpoint_auth_method(), Some("none"));

    // What the authorization request carried, as the server got it: the
    // resource exactly as its metadata writes it, S256, the new client.
    assert_eq!(query(&url, "resource").as_deref(), Some(resource.as_str()));
    assert_eq!(
        query(&url, "code_challenge_method").as_deref(),
        Some("S256")
    );
    assert_eq!(
        query(&url, "client_id").as_deref(),
        Some(registered.client_id())
    );
    assert_eq!(query(&url, "scope").as_deref(), Some(SCOPE));
    // No page on the way (`follow` fails on one): nothing to consent to.
    assert_eq!(query(&callback, "iss"), None, "RFC 9207 is not offered");
    note("the MCP example approves at once: the denied-consent case cannot be produced");

    let authorized = login.authorized;
    let tokens = authorized.tokens();
    assert_eq!(
        tokens.token_type(),
        &TokenType::Bearer,
        "`bearer` as the server wrote it"
    );
    assert!(tokens.deviations().is_empty(), "{:?}", tokens.deviations());
    assert!(tokens.refresh_token().is_none(), "the SDK issues none");
    assert_eq!(tokens.scopes(), [SCOPE]);
    let lifetime = tokens
        .expires_at()
        .unwrap()
        .duration_since(tokens.issued_at());
    assert_eq!(lifetime.unwrap().as_secs(), 3600);
    assert_eq!(authorized.resources(), [resource.as_str()]);

    // The server's own record of the token: issued to this client, for this
    // resource (`aud` is the `resource` it received).
    let introspected = mcp.introspect(tokens.access_token().secret());
    assert_eq!(introspected["active"], true);
    assert_eq!(introspected["aud"], resource.as_str());
    assert_eq!(introspected["client_id"], registered.client_id());

    // Sent as `Bearer`, whatever case the token type had: a session opens.
    let bearer = authorized.bearer(SystemTime::now()).unwrap();
    assert!(bearer.to_str().unwrap().starts_with("Bearer "));
    let result = open_session(&driver, &mcp, &authorized);
    assert_eq!(
        result["serverInfo"]["name"],
        "simple-streamable-http-server"
    );

    // A token the resource does not know gets a 500 without a challenge,
    // which says nothing about authorization to the client.
    let response = answer_to_an_unknown_token(&driver, &mcp);
    assert_eq!(response.status(), 500);
    assert!(!response.headers().contains_key(header::WWW_AUTHENTICATE));
    assert_eq!(
        ResourceAnswer::of(&response).unwrap(),
        ResourceAnswer::Accepted
    );
    note(
        "the MCP example answers an unknown or expired token with 500 and no challenge: \
         a client learns of expiry from expires_in only",
    );
}

#[tokio::test]
async fn reqwest_driver_goes_from_the_401_of_mcp_to_a_session_at_a_strict_server() {
    use oauth_flow_reqwest::{Config, Driver, LoopbackReceiver};

    // `--oauth-strict`: the server accepts only tokens issued for this
    // resource, so a wrong or missing `resource` fails here.
    let Some(mcp) = McpExample::start(&["--oauth-strict"]) else {
        return;
    };
    let mut driver = Driver::new(Config::new()).unwrap();
    let resource = mcp.resource_url();
    let response = driver
        .send(mcp_sdk::initialize(&resource, None))
        .await
        .unwrap();
    let ResourceAnswer::Unauthorized(challenge) = ResourceAnswer::of(&response).unwrap() else {
        panic!("HTTP {}: no token, no access", response.status());
    };

    let receiver = LoopbackReceiver::bind()
        .unwrap()
        .timeout(std::time::Duration::from_secs(30));
    let redirect_uri = receiver.redirect_uri();
    let identity = ClientIdentity::new(&redirect_uri)
        .unwrap()
        .register_with(registration(&redirect_uri));
    let mut browsing = None;
    let login = driver
        .login_resource(
            &resource,
            challenge.as_ref(),
            LegacyMode::default(),
            &identity,
            |url| browsing = Some(person(url, mcp_sdk::follow)),
            receiver,
        )
        .await
        .expect("login");
    browsing.unwrap().join().expect("the redirect was followed");

    let registered = login.registered.expect("registered on the way");
    assert_eq!(login.located.issuer(), mcp.issuer());
    assert_eq!(login.located.resource(), Some(resource.as_str()));
    let authorized = login.authorized;
    assert_eq!(authorized.tokens().token_type(), &TokenType::Bearer);
    assert!(authorized.tokens().refresh_token().is_none());
    let introspected = mcp.introspect(authorized.tokens().access_token().secret());
    assert_eq!(introspected["aud"], resource.as_str());
    assert_eq!(introspected["client_id"], registered.client_id());

    let bearer = authorized.bearer(SystemTime::now()).unwrap();
    let response = driver
        .send(mcp_sdk::initialize(&resource, Some(&bearer)))
        .await
        .unwrap();
    initialize_result(&response);
}

#[test]
fn cli_logs_in_for_the_mcp_resource_and_its_token_opens_a_session() {
    let Some(mcp) = McpExample::start(&["--oauth-strict"]) else {
        return;
    };
    let Some(cli) = Cli::new() else {
        return;
    };
    let driver = Driver::new(Config::new()).unwrap();
    let resource = mcp.resource_url();
    let login = |cli: &Cli| {
        let output = cli.login(&["--resource", &resource], &[], |url| {
            assert_eq!(query(url, "resource").as_deref(), Some(resource.as_str()));
            let mut browser = Browser::new();
            let callback = mcp_sdk::follow(&mut browser, url);
            assert_eq!(browser.deliver(&callback), 200);
        });
        assert!(output.status.success(), "{}", text(&output.stderr));
        text(&output.stdout)
    };
    let stdout = login(&cli);
    assert!(
        stdout.contains(&format!("Registered a client at {}.", mcp.issuer())),
        "{stdout}"
    );

    let token = |cli: &Cli| {
        let output = cli.run(&["token"]);
        assert!(output.status.success(), "{}", text(&output.stderr));
        text(&output.stdout).trim().to_owned()
    };
    let session = |token: &str| {
        let bearer = format!("Bearer {token}").parse().unwrap();
        let response = driver
            .send(mcp_sdk::initialize(&resource, Some(&bearer)))
            .unwrap();
        initialize_result(&response)
    };
    let access_token = token(&cli);
    session(&access_token);

    let status = cli.run(&["status", "--json"]);
    assert!(status.status.success(), "{}", text(&status.stderr));
    let shown = text(&status.stdout);
    assert!(!shown.contains(&access_token), "no secret: {shown}");
    let status: serde_json::Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(status["issuer"], mcp.issuer());
    assert_eq!(status["resources"], serde_json::json!([resource]));
    assert_eq!(status["scopes"], serde_json::json!([SCOPE]));
    assert_eq!(status["auth_method"], "none");
    assert_eq!(status["refresh_token"], false);
    assert_eq!(status["state"], "authorized");

    // No refresh token: `refresh` says so, and the login stays usable.
    let refreshed = cli.run(&["refresh"]);
    assert_eq!(
        refreshed.status.code(),
        Some(3),
        "{}",
        text(&refreshed.stderr)
    );
    assert!(
        text(&refreshed.stderr).contains("there is no refresh token to renew the access token"),
        "{}",
        text(&refreshed.stderr)
    );
    assert_eq!(token(&cli), access_token);

    // A second login uses the client the first one registered (the server
    // allows 20 registrations an hour).
    let stdout = login(&cli);
    assert!(!stdout.contains("Registered a client"), "{stdout}");
    let second = token(&cli);
    assert_ne!(second, access_token);
    session(&second);

    // No revocation endpoint: forgotten here, valid there until it expires.
    let revoked = cli.run(&["revoke"]);
    assert!(revoked.status.success(), "{}", text(&revoked.stderr));
    assert!(
        text(&revoked.stdout).contains("offers no revocation endpoint"),
        "{}",
        text(&revoked.stdout)
    );
    assert_eq!(cli.run(&["status"]).status.code(), Some(3));
    session(&second);
}

#[test]
fn the_resource_named_by_its_address_is_refused_because_its_metadata_names_localhost() {
    let Some(mcp) = McpExample::start(&[]) else {
        return;
    };
    let driver = Driver::new(Config::new()).unwrap();
    let port = mcp.process().ports()[0];
    let by_address = format!("http://127.0.0.1:{port}/mcp");

    // The server listens on 127.0.0.1 but its metadata describes
    // `http://localhost:<port>/mcp`: another resource (RFC 9728 section 3.3).
    let chain = ResourceChain::new(&by_address, None, LegacyMode::default()).unwrap();
    let failed = driver.locate(chain).unwrap_err();
    let Error::Chain(ChainError::NoResourceMetadata { tried }) = failed.error() else {
        panic!("{failed:?}");
    };
    let mismatch = ResourceMetadataError::ResourceMismatch {
        expected: by_address.clone(),
        found: mcp.resource_url(),
    };
    assert!(
        tried.iter().any(|(_, error)| error == &mismatch),
        "{tried:?}"
    );

    // The command says so: the server's metadata is unusable for this URL,
    // exit code 4, with a hint to check the resource URL.
    let Some(cli) = Cli::new() else {
        return;
    };
    let output = cli.run(&["login", "--resource", &by_address, "--no-browser"]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(4), "{stderr}");
    assert!(stderr.contains("check the resource URL"), "{stderr}");
    assert!(
        stderr.contains(&format!("describes \"{}\"", mcp.resource_url())),
        "{stderr}"
    );
}

#[test]
fn a_code_injected_into_another_login_fails_pkce_with_the_sdks_error_and_is_not_resent() {
    let Some(mcp) = McpExample::start(&[]) else {
        return;
    };
    let mut driver = Driver::new(Config::new()).unwrap();
    let (located, discovered, registered) =
        located_and_registered(&driver, &mcp, registration(REDIRECT_URI));

    // Login A's code, delivered to login B with B's state: B's verifier does
    // not match A's challenge.
    let params = located.authorize_params();
    let (login_a, url_a) = driver.authorize(&discovered, params.clone()).unwrap();
    let (login_b, url_b) = driver.authorize(&discovered, params).unwrap();
    let callback = mcp_sdk::follow(&mut Browser::new(), &url_a);
    let exchanging = login_b
        .handle_callback(inject_into(&callback, &url_b).as_str())
        .expect("B's state");

    // The token request as it goes: the resource as the metadata writes
    // it, the verifier, a public client's id and no secret.
    let request = exchanging.request();
    let sent = form(&request);
    assert_eq!(field(&sent, "grant_type"), Some("authorization_code"));
    assert_eq!(field(&sent, "resource"), Some(mcp.resource_url().as_str()));
    assert_eq!(field(&sent, "client_id"), Some(registered.client_id()));
    assert_eq!(field(&sent, "redirect_uri"), Some(REDIRECT_URI));
    assert!(field(&sent, "code_verifier").is_some());
    assert!(field(&sent, "client_secret").is_none());
    assert!(!request.headers().contains_key(header::AUTHORIZATION));

    let failed = driver.exchange(exchanging).unwrap_err();
    let error = server_error(&failed);
    assert_eq!(error.error, "invalid_grant");
    assert_eq!(
        error.error_description.as_deref(),
        Some("code_verifier does not match the challenge")
    );
    assert!(
        failed.state().is_none(),
        "no state to send the code again from"
    );
    assert!(!failed.is_safe_to_retry());

    // The server keeps a code after a wrong verifier: A, with its own
    // verifier, still gets tokens for it.
    let exchanging = login_a
        .handle_callback(callback.as_str())
        .expect("A's state");
    let authorized = driver.exchange(exchanging).expect("A's exchange");
    open_session(&driver, &mcp, &authorized);
}

#[test]
fn a_reused_code_gets_the_sdks_500_server_error_and_is_not_resent() {
    let Some(mcp) = McpExample::start(&[]) else {
        return;
    };
    let mut driver = Driver::new(Config::new()).unwrap();
    let (located, discovered, _) =
        located_and_registered(&driver, &mcp, registration(REDIRECT_URI));
    let exchanging = authorize(&mut driver, &discovered, located.authorize_params());

    // A stale copy of the stored state, replayed: the library cannot send a
    // code twice from one state.
    let (exchanging, stale_copy) = two_copies(exchanging);
    let authorized = driver.exchange(exchanging).expect("the first exchange");
    let failed = driver.exchange(stale_copy).unwrap_err();
    let error = server_error(&failed);
    assert_eq!(error.error, "server_error", "HTTP 500, not invalid_grant");
    assert_eq!(
        error.error_description.as_deref(),
        Some("Internal Server Error")
    );
    assert!(failed.state().is_none(), "a code exchange is never retried");
    assert!(!failed.is_safe_to_retry());

    // The tokens of the first exchange are not revoked.
    open_session(&driver, &mcp, &authorized);
}

#[test]
fn a_wrong_client_secret_gets_the_sdks_400_invalid_client_and_the_right_one_logs_in() {
    let Some(mcp) = McpExample::start(&[]) else {
        return;
    };
    let mut driver = Driver::new(Config::new()).unwrap();
    let confidential = registration(REDIRECT_URI).auth_method(ClientAuthMethod::ClientSecretPost);
    let (located, discovered, registered) = located_and_registered(&driver, &mcp, confidential);
    assert_eq!(
        registered.token_endpoint_auth_method(),
        Some("client_secret_post")
    );
    let secret = registered.client_secret().expect("a secret").secret();
    assert!(
        secret.len() == 64 && secret.bytes().all(|b| b.is_ascii_hexdigit()),
        "64 hex digits"
    );
    // The secret expires in 30 days (`client_secret_expires_at`).
    let day = std::time::Duration::from_secs(86_400);
    assert!(!registered.secret_expired(SystemTime::now() + 29 * day));
    assert!(registered.secret_expired(SystemTime::now() + 31 * day));
    assert_eq!(discovered.auth_method(), ClientAuthMethod::ClientSecretPost);

    // The same client with its secret changed.
    let tampered = ClientConfig::new(registered.client_id(), REDIRECT_URI)
        .unwrap()
        .client_secret(ClientSecret::new("wrong-secret"))
        .auth_method(ClientAuthMethod::ClientSecretPost);
    let tampered = located.discovered(tampered).unwrap();
    let exchanging = authorize(&mut driver, &tampered, located.authorize_params());
    let request = exchanging.request();
    assert_eq!(
        field(&form(&request), "client_secret"),
        Some("wrong-secret")
    );
    assert!(
        !request.headers().contains_key(header::AUTHORIZATION),
        "in the body only: the SDK reads no Basic"
    );
    let failed = driver.exchange(exchanging).unwrap_err();
    let error = server_error(&failed);
    assert_eq!(error.error, "invalid_client");
    assert_eq!(
        error.error_description.as_deref(),
        Some("Invalid client_secret")
    );
    assert!(failed.state().is_none(), "the code is not kept");

    // With the secret it was given, the same client logs in.
    let exchanging = authorize(&mut driver, &discovered, located.authorize_params());
    let authorized = driver.exchange(exchanging).expect("the right secret");
    open_session(&driver, &mcp, &authorized);
}

#[test]
fn a_refresh_gets_the_sdks_500_and_the_tokens_stay_usable() {
    let Some(mcp) = McpExample::start(&[]) else {
        return;
    };
    let mut driver = Driver::new(Config::new()).unwrap();
    let (located, discovered, _) =
        located_and_registered(&driver, &mcp, registration(REDIRECT_URI));
    assert!(
        located
            .metadata()
            .grant_types_supported
            .as_ref()
            .is_some_and(|grants| grants.iter().any(|grant| grant == "refresh_token")),
        "the metadata lists the refresh grant"
    );
    let exchanging = authorize(&mut driver, &discovered, located.authorize_params());
    let authorized = driver.exchange(exchanging).unwrap();

    // No refresh token was issued: nothing is sent, the tokens come back.
    let failed = driver.refresh(authorized).unwrap_err();
    assert!(
        matches!(failed.error(), Error::Refresh(RefreshError::NoRefreshToken)),
        "{failed}"
    );
    let Some(FlowState::Authorized(authorized)) = failed.into_parts().1 else {
        panic!("the tokens come back");
    };
    open_session(&driver, &mcp, &authorized);

    // The refresh grant the metadata lists can only be reached with a
    // refresh token the server never issued, written into the stored state
    // by hand. The server answers 500 `server_error` whatever the token.
    let snapshot = FlowState::from(authorized).to_snapshot().unwrap();
    let mut edited: serde_json::Value = serde_json::from_str(&snapshot).unwrap();
    edited["data"]["tokens"]["refresh_token"] = "never-issued-by-the-sdk".into();
    let Ok(FlowState::Authorized(edited)) = FlowState::from_snapshot(&edited.to_string()) else {
        panic!("the edited state reads back");
    };
    let refreshing = edited.refresh().expect("a refresh token to send");
    let sent = form(&refreshing.request());
    assert_eq!(field(&sent, "grant_type"), Some("refresh_token"));
    assert_eq!(field(&sent, "resource"), Some(mcp.resource_url().as_str()));

    let failed = driver.refresh_from(refreshing).unwrap_err();
    let error = server_error(&failed);
    assert_eq!(error.error, "server_error");
    assert_eq!(
        error.error_description.as_deref(),
        Some("Internal Server Error")
    );
    let Error::Token(token_error) = failed.error() else {
        panic!("{failed:?}");
    };
    assert!(!token_error.needs_reauthorization() && token_error.is_retryable());
    let Some(FlowState::Authorized(kept)) = failed.into_parts().1 else {
        panic!("the tokens come back");
    };
    assert!(
        kept.tokens().refresh_token().is_some(),
        "not invalid_grant: the refresh token is not dropped"
    );
    open_session(&driver, &mcp, &kept);
    note("the MCP example issues no refresh token and answers its refresh grant with 500");
}
