//! Each quirk profile behaves as its name says.

mod common;

use std::time::{Duration, Instant};

use common::{
    REDIRECT_URI, authorize_url, call_resource, code_for, demo_tokens, exchange_demo_code, get,
    get_with, pkce, post_form, post_form_with, post_json, refresh_demo, string,
};
use oauth_flow_testkit::{DEMO_CLIENT_ID, OVERSIZED_BODY_BYTES, Quirk, ServerConfig, TestServer};
use serde_json::{Value, json};

fn with(quirk: Quirk) -> TestServer {
    TestServer::start(ServerConfig::default().quirk(quirk))
}

/// A token request that fails: an unknown code.
fn failing_token_request(server: &TestServer, headers: &[(&str, &str)]) -> common::Reply {
    post_form_with(
        &server.token_endpoint(),
        &[
            ("grant_type", "authorization_code"),
            ("code", "bogus"),
            ("client_id", DEMO_CLIENT_ID),
        ],
        headers,
    )
}

fn form_value(pairs: &[(String, String)], name: &str) -> Option<String> {
    pairs
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.clone())
}

#[test]
fn quirk_string_expires_in_sends_a_string() {
    let server = with(Quirk::StringExpiresIn);
    assert_eq!(demo_tokens(&server).json()["expires_in"], json!("3600"));
}

#[test]
fn quirk_lowercase_bearer_sends_lowercase_token_type() {
    let server = with(Quirk::LowercaseBearer);
    assert_eq!(demo_tokens(&server).json()["token_type"], json!("bearer"));
}

#[test]
fn quirk_missing_token_type_leaves_it_out() {
    let server = with(Quirk::MissingTokenType);
    let tokens = demo_tokens(&server).json();
    assert!(tokens.get("token_type").is_none());
    assert!(tokens["access_token"].is_string());
}

#[test]
fn quirk_scope_as_array_sends_a_json_array() {
    let server = with(Quirk::ScopeAsArray);
    assert_eq!(
        demo_tokens(&server).json()["scope"],
        json!(["read", "write"])
    );
}

#[test]
fn quirk_comma_separated_scope_joins_with_commas() {
    let server = with(Quirk::CommaSeparatedScope);
    assert_eq!(demo_tokens(&server).json()["scope"], json!("read,write"));
}

#[test]
fn quirk_form_encoded_answers_form_unless_json_is_accepted() {
    let server = with(Quirk::FormEncodedUnlessJsonAccepted);
    let reply = demo_tokens(&server);
    assert_eq!(reply.status, 200);
    assert_eq!(reply.content_type(), "application/x-www-form-urlencoded");
    let form = reply.form();
    assert!(form_value(&form, "access_token").is_some());
    assert_eq!(form_value(&form, "token_type").as_deref(), Some("Bearer"));
    assert_eq!(form_value(&form, "scope").as_deref(), Some("read write"));

    let (code, pkce) = code_for(&server, DEMO_CLIENT_ID);
    let reply = post_form_with(
        &server.token_endpoint(),
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", &pkce.verifier),
            ("client_id", DEMO_CLIENT_ID),
        ],
        &[("accept", "application/json")],
    );
    assert_eq!(reply.content_type(), "application/json");
    assert!(reply.json()["access_token"].is_string());
}

#[test]
fn quirk_form_encoded_errors_are_form_encoded_too() {
    let server = with(Quirk::FormEncodedUnlessJsonAccepted);
    let reply = failing_token_request(&server, &[]);
    assert_eq!(reply.content_type(), "application/x-www-form-urlencoded");
    assert_eq!(
        form_value(&reply.form(), "error").as_deref(),
        Some("invalid_grant")
    );
}

#[test]
fn quirk_error_with_status_200_sends_errors_as_200() {
    let server = with(Quirk::ErrorWithStatus200);
    let reply = failing_token_request(&server, &[]);
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["error"], json!("invalid_grant"));
}

#[test]
fn quirk_github_profile_combines_form_errors_with_status_200() {
    let server = TestServer::start(ServerConfig::default().quirks([
        Quirk::FormEncodedUnlessJsonAccepted,
        Quirk::ErrorWithStatus200,
        Quirk::LowercaseBearer,
        Quirk::CommaSeparatedScope,
    ]));
    let reply = failing_token_request(&server, &[]);
    assert_eq!(reply.status, 200);
    assert_eq!(
        form_value(&reply.form(), "error").as_deref(),
        Some("invalid_grant")
    );

    let tokens = demo_tokens(&server).form();
    assert_eq!(form_value(&tokens, "token_type").as_deref(), Some("bearer"));
    assert_eq!(form_value(&tokens, "scope").as_deref(), Some("read,write"));
}

#[test]
fn quirk_json_error_as_text_plain_labels_json_as_text() {
    let server = with(Quirk::JsonErrorAsTextPlain);
    let reply = failing_token_request(&server, &[]);
    assert_eq!(reply.status, 400);
    assert!(reply.content_type().starts_with("text/plain"));
    assert_eq!(reply.json()["error"], json!("invalid_grant"));
}

#[test]
fn quirk_html_error_as_json_labels_html_as_json() {
    let server = with(Quirk::HtmlErrorAsJson);
    let reply = failing_token_request(&server, &[]);
    assert_eq!(reply.status, 400);
    assert_eq!(reply.content_type(), "application/json");
    assert!(reply.text().starts_with("<!DOCTYPE html>"));
    assert!(serde_json::from_slice::<Value>(&reply.body).is_err());
}

#[test]
fn quirk_problem_json_errors_send_rfc_9457_documents() {
    let server = with(Quirk::ProblemJsonErrors);
    let reply = failing_token_request(&server, &[]);
    assert_eq!(reply.status, 400);
    assert_eq!(reply.content_type(), "application/problem+json");
    let problem = reply.json();
    assert_eq!(problem["status"], json!(400));
    assert_eq!(problem["title"], json!("Bad Request"));
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.starts_with("invalid_grant"))
    );
    assert!(problem.get("error").is_none());
}

#[test]
fn quirk_no_refresh_token_on_refresh_keeps_the_old_one_valid() {
    let server = with(Quirk::NoRefreshTokenOnRefresh);
    let refresh_token = string(&demo_tokens(&server).json(), "refresh_token");
    let refreshed = refresh_demo(&server, &refresh_token).json();
    assert!(refreshed.get("refresh_token").is_none());
    assert!(refreshed["access_token"].is_string());
    assert_eq!(
        refresh_demo(&server, &refresh_token).status,
        200,
        "no rotation"
    );
}

#[test]
fn quirk_null_refresh_token_on_refresh_sends_null() {
    let server = with(Quirk::NullRefreshTokenOnRefresh);
    let refresh_token = string(&demo_tokens(&server).json(), "refresh_token");
    let refreshed = refresh_demo(&server, &refresh_token).json();
    assert_eq!(refreshed.get("refresh_token"), Some(&Value::Null));
    assert_eq!(
        refresh_demo(&server, &refresh_token).status,
        200,
        "no rotation"
    );
}

#[test]
fn quirk_no_expires_in_on_refresh_leaves_it_out_only_on_refresh() {
    let server = with(Quirk::NoExpiresInOnRefresh);
    let tokens = demo_tokens(&server).json();
    assert_eq!(tokens["expires_in"], json!(3600));
    let refreshed = refresh_demo(&server, &string(&tokens, "refresh_token")).json();
    assert!(refreshed.get("expires_in").is_none());
}

#[test]
fn quirk_null_expires_in_on_refresh_sends_null() {
    let server = with(Quirk::NullExpiresInOnRefresh);
    let tokens = demo_tokens(&server).json();
    let refreshed = refresh_demo(&server, &string(&tokens, "refresh_token")).json();
    assert_eq!(refreshed.get("expires_in"), Some(&Value::Null));
}

#[test]
fn quirk_trailing_slash_issuer_adds_a_slash_in_metadata() {
    let server = with(Quirk::TrailingSlashIssuer);
    let metadata = get(&server.metadata_url()).json();
    assert_eq!(metadata["issuer"], json!(format!("{}/", server.issuer())));
}

#[test]
fn quirk_no_code_challenge_methods_omits_the_member_but_s256_works() {
    let server = with(Quirk::NoCodeChallengeMethods);
    let metadata = get(&server.metadata_url()).json();
    assert!(metadata.get("code_challenge_methods_supported").is_none());
    assert_eq!(demo_tokens(&server).status, 200);
}

#[test]
fn quirk_plain_only_code_challenge_lists_plain_but_still_demands_s256() {
    let server = with(Quirk::PlainOnlyCodeChallenge);
    let metadata = get(&server.metadata_url()).json();
    assert_eq!(
        metadata["code_challenge_methods_supported"],
        json!(["plain"])
    );
    let url = authorize_url(&server, DEMO_CLIENT_ID, &pkce(), &[])
        .replace("code_challenge_method=S256", "code_challenge_method=plain");
    assert_eq!(
        get(&url).location_param("error").as_deref(),
        Some("invalid_request")
    );
}

#[test]
fn quirk_metadata_as_text_plain_labels_both_documents_as_text() {
    let server = with(Quirk::MetadataAsTextPlain);
    let metadata = get(&server.metadata_url());
    assert!(metadata.content_type().starts_with("text/plain"));
    assert_eq!(metadata.json()["issuer"], json!(server.issuer()));
    let resource = get(&server.resource_metadata_url());
    assert!(resource.content_type().starts_with("text/plain"));
}

#[test]
fn quirk_mismatched_issuer_names_another_issuer_in_metadata() {
    let server = with(Quirk::MismatchedIssuer);
    let issuer = get(&server.metadata_url()).json()["issuer"].clone();
    assert_ne!(issuer, json!(server.issuer()));
    assert!(
        issuer
            .as_str()
            .is_some_and(|i| i.starts_with("http://127.0.0.1:"))
    );
}

#[test]
fn quirk_missing_iss_in_callback_omits_iss_though_advertised() {
    let server = with(Quirk::MissingIssInCallback);
    let metadata = get(&server.metadata_url()).json();
    assert_eq!(
        metadata["authorization_response_iss_parameter_supported"],
        json!(true)
    );
    let reply = get(&authorize_url(&server, DEMO_CLIENT_ID, &pkce(), &[]));
    assert!(reply.location_param("code").is_some());
    assert!(reply.location_param("iss").is_none());
}

#[test]
fn quirk_wrong_iss_in_callback_names_another_issuer() {
    let server = with(Quirk::WrongIssInCallback);
    let reply = get(&authorize_url(&server, DEMO_CLIENT_ID, &pkce(), &[]));
    let iss = reply.location_param("iss").expect("an iss");
    assert_ne!(iss, server.issuer());
}

#[test]
fn quirk_token_endpoint_redirect_answers_307_to_a_loopback_path() {
    let server = with(Quirk::TokenEndpointRedirect);
    let reply = demo_tokens(&server);
    assert_eq!(reply.status, 307);
    let location = reply.header("location").expect("a Location");
    assert_eq!(location, format!("{}/token/redirected", server.issuer()));
    assert!(
        server.requests_to("/token/redirected").is_empty(),
        "nothing followed it"
    );

    let (code, pkce) = code_for(&server, DEMO_CLIENT_ID);
    let followed = post_form(
        location,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", &pkce.verifier),
            ("client_id", DEMO_CLIENT_ID),
        ],
    );
    assert_eq!(
        followed.status, 200,
        "the target serves tokens like the endpoint"
    );
    assert_eq!(server.requests_to("/token/redirected").len(), 1);
}

#[test]
fn quirk_slow_token_endpoint_waits_before_answering() {
    let server = with(Quirk::SlowTokenEndpoint(Duration::from_millis(300)));
    let (code, pkce) = code_for(&server, DEMO_CLIENT_ID);
    let started = Instant::now();
    let reply = exchange_demo_code(&server, &code, &pkce.verifier);
    assert_eq!(reply.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[test]
fn quirk_oversized_token_response_is_two_mib_of_valid_json() {
    let server = with(Quirk::OversizedTokenResponse);
    let reply = demo_tokens(&server);
    assert_eq!(reply.status, 200);
    assert!(
        reply.body.len() >= OVERSIZED_BODY_BYTES - 64,
        "{} bytes",
        reply.body.len()
    );
    assert!(
        reply.body.len() <= OVERSIZED_BODY_BYTES + 64,
        "{} bytes",
        reply.body.len()
    );
    assert!(reply.json()["access_token"].is_string());
}

#[test]
fn quirk_created_201_token_response_uses_status_201() {
    let server = with(Quirk::Created201TokenResponse);
    let reply = demo_tokens(&server);
    assert_eq!(reply.status, 201);
    assert!(reply.json()["access_token"].is_string());
}

#[test]
fn quirk_case_sensitive_bearer_scheme_refuses_lowercase_bearer() {
    let server = with(Quirk::CaseSensitiveBearerScheme);
    let access_token = server.issue_access_token(DEMO_CLIENT_ID, "read");
    let lower = get_with(
        &server.resource_url(),
        &[("authorization", &format!("bearer {access_token}"))],
    );
    assert_eq!(lower.status, 401);
    assert_eq!(call_resource(&server, &access_token).status, 200);
}

#[test]
fn quirk_razorpay_metadata_offers_only_client_secret_post_and_no_revocation() {
    let server = with(Quirk::Razorpay);
    let metadata = get(&server.metadata_url()).json();
    assert_eq!(
        metadata["token_endpoint_auth_methods_supported"],
        json!(["client_secret_post"])
    );
    assert_eq!(metadata["scopes_supported"], json!(["read_only"]));
    assert_eq!(
        metadata["code_challenge_methods_supported"],
        json!(["S256"])
    );
    assert!(metadata.get("revocation_endpoint").is_none());
    assert!(
        metadata
            .get("authorization_response_iss_parameter_supported")
            .is_none()
    );
    let revoke = post_form(&server.revocation_endpoint(), &[("token", "x")]);
    assert_eq!(revoke.status, 404);
}

#[test]
fn quirk_razorpay_registration_overrides_none_with_client_secret_post() {
    let server = with(Quirk::Razorpay);
    let request = json!({ "redirect_uris": [REDIRECT_URI], "token_endpoint_auth_method": "none" });
    let reply = post_json(&server.registration_endpoint(), &request);
    assert_eq!(reply.status, 201);
    let registered = reply.json();
    assert_eq!(
        registered["token_endpoint_auth_method"],
        json!("client_secret_post")
    );
    assert!(registered["client_secret"].is_string());
    assert_eq!(registered["application_type"], json!("public"));
    assert!(registered["application_id"].is_string());
}

#[test]
fn quirk_razorpay_flow_gives_read_only_without_refresh_token() {
    let server = with(Quirk::Razorpay);
    let request = json!({ "redirect_uris": [REDIRECT_URI], "token_endpoint_auth_method": "none" });
    let registered = post_json(&server.registration_endpoint(), &request).json();
    let client_id = string(&registered, "client_id");
    let client_secret = string(&registered, "client_secret");

    let pkce = pkce();
    let callback = get(&authorize_url(&server, &client_id, &pkce, &[]));
    assert!(callback.location_param("iss").is_none());
    let code = callback.location_param("code").expect("a code");
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT_URI),
        ("code_verifier", pkce.verifier.as_str()),
        ("client_id", client_id.as_str()),
        ("client_secret", client_secret.as_str()),
    ];
    let tokens = post_form(&server.token_endpoint(), &form).json();
    assert_eq!(tokens["token_type"], json!("Bearer"));
    assert_eq!(tokens["expires_in"], json!(3600));
    assert_eq!(tokens["scope"], json!("read_only"));
    assert!(tokens.get("refresh_token").is_none());
    assert_eq!(
        call_resource(&server, &string(&tokens, "access_token")).status,
        200
    );
}

#[test]
fn quirk_razorpay_bad_bearer_gets_a_non_oauth_401_body() {
    let server = with(Quirk::Razorpay);
    let reply = call_resource(&server, "bad");
    assert_eq!(reply.status, 401);
    assert_eq!(
        reply.json(),
        json!({ "code": "OAUTH_BAD_TOKEN", "message": "Bad token; invalid JSON" })
    );
}
