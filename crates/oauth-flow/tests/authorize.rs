//! State `Discovered` → `AwaitingCallback`: the authorization request.

mod support;

use base64::Engine as _;
use oauth_flow::{AuthorizeError, AuthorizeParams, Leniency};
use serde_json::json;
use sha2::{Digest, Sha256};
use support::*;

#[test]
fn url_carries_every_security_parameter() {
    let scenario = Scenario::new();
    let (awaiting, url) = scenario
        .discovered()
        .authorize(&mut rng(), scenario.params.clone())
        .unwrap();
    assert_eq!(
        url.as_str().split('?').next(),
        Some("https://as.example.com/authorize")
    );
    assert_eq!(query_value(&url, "response_type").as_deref(), Some("code"));
    assert_eq!(query_value(&url, "client_id").as_deref(), Some("cli"));
    assert_eq!(query_value(&url, "redirect_uri").as_deref(), Some(REDIRECT));
    assert_eq!(query_value(&url, "scope").as_deref(), Some("read"));
    assert_eq!(
        query_value(&url, "code_challenge_method").as_deref(),
        Some("S256")
    );
    assert_eq!(query_value(&url, "state").map(|s| s.len()), Some(43));
    assert_eq!(
        query_value(&url, "code_challenge").map(|s| s.len()),
        Some(43)
    );
    assert_eq!(awaiting.authorization_url(), &url);
}

#[test]
fn challenge_is_the_s256_of_the_verifier_sent_at_the_token_endpoint() {
    let scenario = Scenario::new();
    let (awaiting, url) = scenario
        .discovered()
        .authorize(&mut rng(), scenario.params.clone())
        .unwrap();
    let state = query_value(&url, "state").unwrap();
    let exchanging = awaiting
        .handle_callback(&scenario.callback(&state))
        .unwrap();
    let verifier = form_value(&exchanging.request(), "code_verifier").unwrap();
    let expected =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(&verifier));
    assert_eq!(query_value(&url, "code_challenge").unwrap(), expected);
    assert_ne!(verifier, state);
}

#[test]
fn same_seed_gives_the_same_request_and_a_new_draw_gives_another() {
    let discovered = Scenario::new().discovered();
    let (_, first) = discovered
        .authorize(&mut rng(), AuthorizeParams::new())
        .unwrap();
    let (_, again) = discovered
        .authorize(&mut rng(), AuthorizeParams::new())
        .unwrap();
    assert_eq!(first, again);
    let mut shared = rng();
    let (_, one) = discovered
        .authorize(&mut shared, AuthorizeParams::new())
        .unwrap();
    let (_, two) = discovered
        .authorize(&mut shared, AuthorizeParams::new())
        .unwrap();
    assert_ne!(query_value(&one, "state"), query_value(&two, "state"));
    assert_ne!(
        query_value(&one, "code_challenge"),
        query_value(&two, "code_challenge")
    );
}

#[test]
fn s256_is_sent_even_when_the_server_lists_plain_first() {
    let scenario = Scenario::new()
        .metadata(|m| m["code_challenge_methods_supported"] = json!(["plain", "S256"]));
    let (_, url) = scenario
        .discovered()
        .authorize(&mut rng(), AuthorizeParams::new())
        .unwrap();
    assert_eq!(
        query_value(&url, "code_challenge_method").as_deref(),
        Some("S256")
    );
}

#[test]
fn server_listing_methods_without_s256_is_refused() {
    let scenario =
        Scenario::new().metadata(|m| m["code_challenge_methods_supported"] = json!(["plain"]));
    let err = scenario
        .discovered()
        .authorize(&mut rng(), AuthorizeParams::new())
        .unwrap_err();
    assert_eq!(
        err,
        AuthorizeError::S256NotAdvertised {
            advertised: vec!["plain".into()]
        }
    );
}

#[test]
fn named_opt_out_still_sends_s256() {
    let scenario = Scenario::new()
        .metadata(|m| m["code_challenge_methods_supported"] = json!(["plain"]))
        .leniency(Leniency::default().s256_not_advertised());
    let (_, url) = scenario
        .discovered()
        .authorize(&mut rng(), AuthorizeParams::new())
        .unwrap();
    assert_eq!(
        query_value(&url, "code_challenge_method").as_deref(),
        Some("S256")
    );
}

#[test]
fn server_that_lists_no_methods_gets_s256() {
    // Azure AD and Cognito omit the member but accept S256.
    let scenario = Scenario::new().metadata(|m| {
        m.as_object_mut()
            .unwrap()
            .remove("code_challenge_methods_supported");
    });
    let (_, url) = scenario
        .discovered()
        .authorize(&mut rng(), AuthorizeParams::new())
        .unwrap();
    assert_eq!(
        query_value(&url, "code_challenge_method").as_deref(),
        Some("S256")
    );
}

#[test]
fn extra_parameters_cannot_override_the_flow_parameters() {
    let discovered = Scenario::new().discovered();
    for name in [
        "state",
        "STATE",
        "code_challenge",
        "code_challenge_method",
        "redirect_uri",
        "client_id",
        "response_type",
        "scope",
        "resource",
        "request",
        "request_uri",
        "",
    ] {
        let params = AuthorizeParams::new().param(name, "x");
        let err = discovered.authorize(&mut rng(), params).unwrap_err();
        assert_eq!(err, AuthorizeError::ReservedParameter { name: name.into() });
    }
}

#[test]
fn extras_resources_and_scopes_are_appended_and_endpoint_query_is_kept() {
    let scenario = Scenario::new().metadata(|m| {
        m["authorization_endpoint"] = json!("https://as.example.com/authorize?tenant=t1");
    });
    let params = AuthorizeParams::new()
        .scope("read")
        .scope("write")
        .resource("https://mcp.example.com")
        .param("prompt", "consent");
    let (_, url) = scenario.discovered().authorize(&mut rng(), params).unwrap();
    assert_eq!(query_value(&url, "tenant").as_deref(), Some("t1"));
    assert_eq!(query_value(&url, "scope").as_deref(), Some("read write"));
    assert_eq!(query_value(&url, "prompt").as_deref(), Some("consent"));
    // The resource goes out exactly as given: no slash added.
    assert_eq!(
        query_value(&url, "resource").as_deref(),
        Some("https://mcp.example.com")
    );
}

#[test]
fn scope_with_a_space_or_quote_is_refused() {
    let discovered = Scenario::new().discovered();
    for scope in ["read write", "", "a\"b", "a\\b", "tab\t"] {
        let err = discovered
            .authorize(&mut rng(), AuthorizeParams::new().scope(scope))
            .unwrap_err();
        assert_eq!(
            err,
            AuthorizeError::InvalidScope {
                scope: scope.into()
            }
        );
    }
}

#[test]
fn resource_must_be_absolute_without_fragment() {
    let discovered = Scenario::new().discovered();
    for resource in ["/mcp", "https://mcp.example.com/#x"] {
        let params = AuthorizeParams::new().resource(resource);
        let err = discovered.authorize(&mut rng(), params).unwrap_err();
        assert_eq!(
            err,
            AuthorizeError::InvalidResource {
                resource: resource.into()
            }
        );
    }
}
