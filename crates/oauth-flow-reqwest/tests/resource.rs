//! From a protected resource's 401 to a token, against the testkit, on the
//! async driver: resource metadata, server metadata, registration, and the
//! resource indicator.

mod support;

use std::time::SystemTime;

use oauth_flow::http::Request;
use oauth_flow::{ClientIdentity, ClientRegistration, LegacyMode, ResourceAnswer};
use oauth_flow_testkit::{ServerConfig, TestServer};
use support::{browser, driver, receiver};

#[tokio::test]
async fn a_401_leads_through_registration_to_a_token_the_resource_accepts() {
    let server = TestServer::start(ServerConfig::default());
    let mut driver = driver();
    let resource = server.resource_url();
    let first = driver
        .send(Request::get(&resource).body(Vec::new()).unwrap())
        .await
        .unwrap();
    let ResourceAnswer::Unauthorized(challenge) = ResourceAnswer::of(&first).unwrap() else {
        panic!("no token, no access")
    };

    let receiver = receiver();
    let redirect_uri = receiver.redirect_uri();
    let registration = ClientRegistration::new("resource test", &redirect_uri).unwrap();
    let identity = ClientIdentity::new(&redirect_uri)
        .unwrap()
        .register_with(registration);
    let open_url = browser(driver.transport().clone(), |location| location);
    let login = driver
        .login_resource(
            &resource,
            challenge.as_ref(),
            LegacyMode::default(),
            &identity,
            open_url,
            receiver,
        )
        .await
        .unwrap();
    assert!(login.registered.is_some());

    let bearer = login.authorized.bearer(SystemTime::now()).unwrap();
    let request = Request::get(&resource)
        .header("authorization", bearer)
        .body(Vec::new())
        .unwrap();
    let answer = driver.send(request).await.unwrap();
    assert_eq!(
        ResourceAnswer::of(&answer).unwrap(),
        ResourceAnswer::Accepted
    );
    let token = server
        .requests()
        .into_iter()
        .find(|r| r.path().ends_with("/token"))
        .unwrap();
    assert_eq!(token.form_param("resource"), login.located.resource());
}
