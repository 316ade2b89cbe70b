//! From a protected resource's 401 to a token, against the testkit: resource
//! metadata, server metadata, dynamic registration, authorization with the
//! resource indicator, and scope step-up after a 403.

mod support;

use oauth_flow::http::{HeaderValue, Request};
use oauth_flow::{
    BearerChallenge, ClientIdentity, ClientRegistration, LegacyMode, ResourceAnswer, ScopeStepUp,
};
use oauth_flow_testkit::{Quirk, ServerConfig, TestServer};
use oauth_flow_ureq::{Driver, ResourceLogin};
use support::{browser, driver, receiver};

fn call(driver: &Driver, url: &str, bearer: Option<&HeaderValue>) -> ResourceAnswer {
    let mut request = Request::get(url);
    if let Some(bearer) = bearer {
        request = request.header("authorization", bearer);
    }
    let response = driver.send(request.body(Vec::new()).unwrap()).unwrap();
    ResourceAnswer::of(&response).unwrap()
}

fn log_in(
    driver: &mut Driver,
    server: &TestServer,
    challenge: Option<&BearerChallenge>,
    known: Option<oauth_flow::RegisteredClient>,
) -> (ResourceLogin, ClientIdentity) {
    let receiver = receiver();
    let redirect_uri = receiver.redirect_uri();
    let registration = ClientRegistration::new("resource test", &redirect_uri).unwrap();
    let mut identity = ClientIdentity::new(&redirect_uri)
        .unwrap()
        .register_with(registration);
    if let Some(known) = known {
        identity = identity.registered(known);
    }
    let open_url = browser(driver.transport().clone(), |location| location);
    let login = driver
        .login_resource(
            &server.resource_url(),
            challenge,
            LegacyMode::default(),
            &identity,
            open_url,
            receiver,
        )
        .unwrap();
    (login, identity)
}

#[test]
fn a_401_leads_through_registration_to_a_token_the_resource_accepts() {
    let server = TestServer::start(ServerConfig::default());
    let mut driver = driver();
    let resource = server.resource_url();

    let ResourceAnswer::Unauthorized(challenge) = call(&driver, &resource, None) else {
        panic!("no token, no access")
    };
    let (login, _) = log_in(&mut driver, &server, challenge.as_ref(), None);
    let registered = login.registered.expect("the testkit offers registration");
    assert_eq!(registered.issuer(), server.issuer());

    let bearer = login
        .authorized
        .bearer(std::time::SystemTime::now())
        .unwrap();
    assert_eq!(
        call(&driver, &resource, Some(&bearer)),
        ResourceAnswer::Accepted
    );

    // The resource indicator went, unchanged, on the authorization and token
    // requests; the metadata was found where the challenge pointed.
    let requests = server.requests();
    let resource_id = login.located.resource().unwrap().to_owned();
    let authorize = requests
        .iter()
        .find(|r| r.path().ends_with("/authorize"))
        .unwrap();
    assert_eq!(
        authorize.query_param("resource"),
        Some(resource_id.as_str())
    );
    assert_eq!(
        authorize.query_param("client_id"),
        Some(registered.client_id())
    );
    let token = requests
        .iter()
        .find(|r| r.path().ends_with("/token"))
        .unwrap();
    assert_eq!(token.form_param("resource"), Some(resource_id.as_str()));
    assert!(
        requests
            .iter()
            .any(|r| r.method() == "POST" && r.path().ends_with("/register"))
    );
}

#[test]
fn a_stored_registration_is_used_again_without_registering() {
    let server = TestServer::start(ServerConfig::default());
    let mut driver = driver();
    let (first, _) = log_in(&mut driver, &server, None, None);
    let registered = first.registered.unwrap();

    let before = server.requests().len();
    let (second, _) = log_in(&mut driver, &server, None, Some(registered));
    assert!(second.registered.is_none());
    assert!(
        !server.requests()[before..]
            .iter()
            .any(|r| r.path().ends_with("/register"))
    );
}

#[test]
fn a_403_for_more_scope_is_answered_by_authorizing_again_with_the_union() {
    let server = TestServer::start(
        ServerConfig::default()
            .scopes_supported(["read", "write"])
            .required_scope(Some("write")),
    );
    let mut driver = driver();
    let resource = server.resource_url();
    let ResourceAnswer::Unauthorized(Some(mut challenge)) = call(&driver, &resource, None) else {
        panic!()
    };
    // As a resource that names the scope of the call on its 401: the
    // challenge's scope comes before everything the resource supports.
    challenge.scope = Some("read".into());
    let (login, _) = log_in(&mut driver, &server, Some(&challenge), None);
    assert_eq!(login.located.scopes(), ["read"]);
    let registered = login.registered.clone().unwrap();
    let mut step_up = ScopeStepUp::new(login.located.scopes());

    let bearer = login
        .authorized
        .bearer(std::time::SystemTime::now())
        .unwrap();
    let ResourceAnswer::InsufficientScope(challenge) = call(&driver, &resource, Some(&bearer))
    else {
        panic!("the first token lacks `write`")
    };
    let scopes = step_up.next(&challenge).unwrap();
    assert!(scopes.iter().any(|s| s == "write"), "{scopes:?}");

    // Authorize again at the same server, as the same client, with the union.
    let receiver = receiver();
    let client = registered
        .client_config(Some(&receiver.redirect_uri()))
        .unwrap();
    let discovered = login.located.discovered(client).unwrap();
    let mut params = oauth_flow::AuthorizeParams::new();
    for scope in &scopes {
        params = params.scope(scope.clone());
    }
    if let Some(resource_id) = login.located.resource() {
        params = params.resource(resource_id);
    }
    let open_url = browser(driver.transport().clone(), |location| location);
    let authorized = driver
        .login(&discovered, params, open_url, receiver)
        .unwrap();
    let bearer = authorized.bearer(std::time::SystemTime::now()).unwrap();
    assert_eq!(
        call(&driver, &resource, Some(&bearer)),
        ResourceAnswer::Accepted
    );
}

#[test]
fn razorpay_registers_a_post_client_for_a_public_request_and_post_is_used() {
    let server = TestServer::start(ServerConfig::default().quirk(Quirk::Razorpay));
    let mut driver = driver();
    let resource = server.resource_url();
    let ResourceAnswer::Unauthorized(challenge) = call(&driver, &resource, None) else {
        panic!("no token, no access")
    };
    let (login, _) = log_in(&mut driver, &server, challenge.as_ref(), None);
    let registered = login.registered.unwrap();
    assert_eq!(
        registered.token_endpoint_auth_method(),
        Some("client_secret_post")
    );

    let requests = server.requests();
    let token = requests
        .iter()
        .find(|r| r.path().ends_with("/token"))
        .unwrap();
    assert!(token.header("authorization").is_none(), "never Basic here");
    assert_eq!(
        token.form_param("client_secret"),
        registered
            .client_secret()
            .map(oauth_flow::ClientSecret::secret)
    );
    let bearer = login
        .authorized
        .bearer(std::time::SystemTime::now())
        .unwrap();
    assert_eq!(
        call(&driver, &resource, Some(&bearer)),
        ResourceAnswer::Accepted
    );
}
