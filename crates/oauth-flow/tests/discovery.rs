//! State `Discovering` → `Discovered`: RFC 8414 metadata.

mod support;

use http::{Method, header};
use oauth_flow::{
    AuthorizationServerMetadata, ClientAuthMethod, ClientConfig, ClientSecret, ConfigError,
    Discovered, Discovering, DiscoveryError, Endpoint, WellKnown,
};
use serde_json::json;
use support::*;

fn discover(metadata: &serde_json::Value) -> Result<Discovered, DiscoveryError> {
    Scenario::new()
        .discovering()
        .handle_response(&json_response(200, metadata))
}

#[test]
fn metadata_request_is_a_get_for_json_at_the_inserted_well_known_path() {
    let client = ClientConfig::new("cli", REDIRECT).unwrap();
    let discovering = Discovering::new("https://github.com/login/oauth", client).unwrap();
    let request = discovering.request();
    assert_eq!(request.method(), Method::GET);
    assert_eq!(
        request.uri(),
        "https://github.com/.well-known/oauth-authorization-server/login/oauth"
    );
    assert_eq!(request.headers()[header::ACCEPT], "application/json");
}

#[test]
fn openid_configuration_is_an_alternative_source() {
    let client = ClientConfig::new("cli", REDIRECT).unwrap();
    let discovering =
        Discovering::with_well_known(ISSUER, WellKnown::OpenIdConfiguration, client).unwrap();
    assert_eq!(
        discovering.request().uri(),
        "https://as.example.com/.well-known/openid-configuration"
    );
    // An OIDC document without PKCE methods (Azure AD, Cognito) is accepted.
    let oidc = json!({
        "issuer": ISSUER,
        "authorization_endpoint": "https://as.example.com/authorize",
        "token_endpoint": "https://as.example.com/token",
        "response_types_supported": ["code"],
        "jwks_uri": "https://as.example.com/jwks",
    });
    let discovered = discovering
        .handle_response(&json_response(200, &oidc))
        .unwrap();
    assert_eq!(
        discovered.metadata().extra["jwks_uri"],
        "https://as.example.com/jwks"
    );
}

#[test]
fn issuer_in_the_document_must_equal_the_one_asked_for() {
    let mut metadata = metadata(ISSUER);
    metadata["issuer"] = json!("https://evil.example.net");
    let err = discover(&metadata).unwrap_err();
    assert_eq!(
        err,
        DiscoveryError::IssuerMismatch {
            expected: ISSUER.into(),
            found: "https://evil.example.net".into()
        }
    );
}

#[test]
fn root_issuer_with_trailing_slash_matches_the_document_without_it() {
    // Google: "https://accounts.google.com/" in resource metadata, no slash in
    // the server's own document.
    let client = ClientConfig::new("cli", REDIRECT).unwrap();
    let discovering = Discovering::new("https://accounts.google.com/", client).unwrap();
    let discovered = discovering
        .handle_response(&json_response(
            200,
            &metadata("https://accounts.google.com"),
        ))
        .unwrap();
    // From then on the server's own spelling is used (for the `iss` check).
    assert_eq!(discovered.metadata().issuer, "https://accounts.google.com");
}

#[test]
fn path_issuer_differing_by_a_trailing_slash_is_a_mismatch() {
    let client = ClientConfig::new("cli", REDIRECT).unwrap();
    let discovering = Discovering::new("https://as.example.com/tenant", client).unwrap();
    let err = discovering
        .handle_response(&json_response(
            200,
            &metadata("https://as.example.com/tenant/"),
        ))
        .unwrap_err();
    assert!(matches!(err, DiscoveryError::IssuerMismatch { .. }));
}

#[test]
fn redirect_from_the_metadata_url_is_refused() {
    let mut response = respond(302, None, "");
    response.headers_mut().insert(
        header::LOCATION,
        "https://elsewhere.example/".parse().unwrap(),
    );
    let err = Scenario::new()
        .discovering()
        .handle_response(&response)
        .unwrap_err();
    assert_eq!(
        err,
        DiscoveryError::Redirect {
            status: 302,
            location: Some("https://elsewhere.example/".into())
        }
    );
}

#[test]
fn not_found_is_a_status_error_with_an_excerpt() {
    let response = respond(404, Some("text/plain"), "no such document");
    let err = Scenario::new()
        .discovering()
        .handle_response(&response)
        .unwrap_err();
    assert!(
        matches!(&err, DiscoveryError::Status { status: 404, excerpt }
            if excerpt.as_str() == "no such document")
    );
}

#[test]
fn html_page_from_a_catch_all_route_is_not_metadata() {
    let response = respond(200, Some("text/html"), "<!doctype html><html></html>");
    let err = Scenario::new()
        .discovering()
        .handle_response(&response)
        .unwrap_err();
    assert!(
        matches!(err, DiscoveryError::NotJson { content_type: Some(ref ct), .. }
            if ct == "text/html")
    );
}

#[test]
fn json_metadata_labelled_text_plain_is_accepted() {
    let response = respond(200, Some("text/plain"), metadata(ISSUER).to_string());
    assert!(
        Scenario::new()
            .discovering()
            .handle_response(&response)
            .is_ok()
    );
}

#[test]
fn oversized_metadata_is_refused_before_parsing() {
    let body = vec![b' '; oauth_flow::MAX_BODY_BYTES + 1];
    let err = Scenario::new()
        .discovering()
        .handle_response(&respond(200, None, body))
        .unwrap_err();
    assert!(matches!(err, DiscoveryError::BodyTooLarge { .. }));
}

#[test]
fn missing_required_member_is_named() {
    for member in ["issuer", "authorization_endpoint", "token_endpoint"] {
        let mut metadata = metadata(ISSUER);
        metadata.as_object_mut().unwrap().remove(member);
        let err = discover(&metadata).unwrap_err();
        assert!(
            matches!(err, DiscoveryError::MissingMember { member: m } if m == member),
            "{err}"
        );
    }
}

#[test]
fn member_of_the_wrong_type_is_named() {
    let mut metadata = metadata(ISSUER);
    metadata["scopes_supported"] = json!("read write");
    let err = discover(&metadata).unwrap_err();
    assert!(matches!(
        err,
        DiscoveryError::InvalidMember {
            member: "scopes_supported",
            ..
        }
    ));
}

#[test]
fn null_members_count_as_absent() {
    let mut metadata = metadata(ISSUER);
    metadata["revocation_endpoint"] = json!(null);
    metadata["code_challenge_methods_supported"] = json!(null);
    let discovered = discover(&metadata).unwrap();
    assert!(discovered.metadata().revocation_endpoint.is_none());
    assert!(
        discovered
            .metadata()
            .code_challenge_methods_supported
            .is_none()
    );
}

#[test]
fn every_client_member_is_read_and_unknown_members_are_kept() {
    let mut metadata = metadata(ISSUER);
    metadata["scopes_supported"] = json!(["read", "write"]);
    metadata["grant_types_supported"] = json!(["authorization_code", "refresh_token"]);
    metadata["token_endpoint_auth_methods_supported"] = json!(["none"]);
    metadata["registration_endpoint"] = json!("https://as.example.com/register");
    metadata["x_vendor"] = json!({"nested": true});
    let m = discover(&metadata).unwrap().metadata().clone();
    assert_eq!(m.scopes_supported.unwrap(), ["read", "write"]);
    assert_eq!(
        m.grant_types_supported.unwrap(),
        ["authorization_code", "refresh_token"]
    );
    assert_eq!(m.token_endpoint_auth_methods_supported.unwrap(), ["none"]);
    assert_eq!(m.response_types_supported.unwrap(), ["code"]);
    assert_eq!(m.code_challenge_methods_supported.unwrap(), ["S256"]);
    assert_eq!(
        m.revocation_endpoint.unwrap().url().as_str(),
        "https://as.example.com/revoke"
    );
    assert_eq!(
        m.registration_endpoint.unwrap().url().as_str(),
        "https://as.example.com/register"
    );
    assert!(m.authorization_response_iss_parameter_supported);
    assert_eq!(m.extra["x_vendor"], json!({"nested": true}));
}

#[test]
fn plain_http_endpoint_off_loopback_is_refused() {
    let mut metadata = metadata(ISSUER);
    metadata["token_endpoint"] = json!("http://as.example.com/token");
    let err = discover(&metadata).unwrap_err();
    assert!(matches!(
        err,
        DiscoveryError::InsecureEndpoint {
            member: "token_endpoint",
            ..
        }
    ));
}

#[test]
fn loopback_http_issuer_and_endpoints_are_allowed() {
    let issuer = "http://127.0.0.1:9000";
    let client = ClientConfig::new("cli", REDIRECT).unwrap();
    let discovering = Discovering::new(issuer, client).unwrap();
    assert!(
        discovering
            .handle_response(&json_response(200, &metadata(issuer)))
            .is_ok()
    );
}

#[test]
fn plain_http_issuer_off_loopback_is_refused() {
    let client = ClientConfig::new("cli", REDIRECT).unwrap();
    let err = Discovering::new("http://as.example.com", client).unwrap_err();
    assert!(matches!(err, ConfigError::Insecure { what: "issuer", .. }));
}

#[test]
fn server_without_the_code_response_type_is_refused() {
    let mut metadata = metadata(ISSUER);
    metadata["response_types_supported"] = json!(["token"]);
    assert!(matches!(
        discover(&metadata).unwrap_err(),
        DiscoveryError::CodeFlowUnsupported { .. }
    ));
}

#[test]
fn metadata_supplied_by_hand_skips_discovery() {
    let metadata = AuthorizationServerMetadata::new(
        "https://legacy.example.com",
        Endpoint::parse("https://legacy.example.com/oauth/authorize").unwrap(),
        Endpoint::parse("https://legacy.example.com/oauth/token").unwrap(),
    );
    let client = ClientConfig::new("cli", REDIRECT).unwrap();
    let discovered = Discovered::from_metadata(metadata, client).unwrap();
    assert_eq!(discovered.auth_method(), ClientAuthMethod::None);
}

#[test]
fn metadata_by_hand_with_an_insecure_issuer_is_refused() {
    let metadata = AuthorizationServerMetadata::new(
        "http://legacy.example.com",
        Endpoint::parse("https://legacy.example.com/a").unwrap(),
        Endpoint::parse("https://legacy.example.com/t").unwrap(),
    );
    let client = ClientConfig::new("cli", REDIRECT).unwrap();
    assert!(matches!(
        Discovered::from_metadata(metadata, client).unwrap_err(),
        DiscoveryError::Config(ConfigError::Insecure { .. })
    ));
}

mod client_authentication_choice {
    use super::*;

    fn with_secret(listed: Option<serde_json::Value>) -> Result<Discovered, DiscoveryError> {
        let scenario = Scenario::new()
            .client(|c| c.client_secret(ClientSecret::new("s")))
            .metadata(|m| match listed {
                Some(list) => m["token_endpoint_auth_methods_supported"] = list,
                None => {
                    m.as_object_mut()
                        .unwrap()
                        .remove("token_endpoint_auth_methods_supported");
                }
            });
        scenario
            .discovering()
            .handle_response(&json_response(200, &scenario.metadata))
    }

    #[test]
    fn public_client_uses_none() {
        assert_eq!(
            discover(&metadata(ISSUER)).unwrap().auth_method(),
            ClientAuthMethod::None
        );
    }

    #[test]
    fn confidential_client_defaults_to_basic_when_the_server_lists_nothing() {
        assert_eq!(
            with_secret(None).unwrap().auth_method(),
            ClientAuthMethod::ClientSecretBasic
        );
    }

    #[test]
    fn confidential_client_uses_post_when_only_post_is_listed() {
        // Razorpay's MCP server lists only client_secret_post.
        let discovered = with_secret(Some(json!(["client_secret_post"]))).unwrap();
        assert_eq!(discovered.auth_method(), ClientAuthMethod::ClientSecretPost);
    }

    #[test]
    fn basic_is_preferred_when_both_are_listed() {
        let discovered = with_secret(Some(json!(["client_secret_post", "client_secret_basic"])));
        assert_eq!(
            discovered.unwrap().auth_method(),
            ClientAuthMethod::ClientSecretBasic
        );
    }

    #[test]
    fn no_method_in_common_is_an_error() {
        let err = with_secret(Some(json!(["private_key_jwt"]))).unwrap_err();
        assert!(matches!(err, DiscoveryError::NoSupportedAuthMethod { .. }));
    }

    #[test]
    fn explicit_choice_wins_over_the_list() {
        let scenario = Scenario::new()
            .client(|c| {
                c.client_secret(ClientSecret::new("s"))
                    .auth_method(ClientAuthMethod::ClientSecretPost)
            })
            .metadata(|m| {
                m["token_endpoint_auth_methods_supported"] = json!(["client_secret_basic"]);
            });
        assert_eq!(
            scenario.discovered().auth_method(),
            ClientAuthMethod::ClientSecretPost
        );
    }

    #[test]
    fn secret_method_without_a_secret_is_a_config_error() {
        let scenario =
            Scenario::new().client(|c| c.auth_method(ClientAuthMethod::ClientSecretBasic));
        let err = scenario
            .discovering()
            .handle_response(&json_response(200, &scenario.metadata));
        assert!(matches!(
            err.unwrap_err(),
            DiscoveryError::Config(ConfigError::SecretRequired {
                method: "client_secret_basic"
            })
        ));
    }
}

#[test]
fn authorization_endpoint_that_presets_flow_parameters_is_refused() {
    for query in [
        "state=FIXED",
        "code_challenge_method=plain",
        "redirect_uri=https://evil.example",
    ] {
        let mut metadata = metadata(ISSUER);
        metadata["authorization_endpoint"] = json!(format!("{ISSUER}/authorize?{query}"));
        let err = discover(&metadata).unwrap_err();
        assert!(
            matches!(
                err,
                DiscoveryError::InvalidMember {
                    member: "authorization_endpoint",
                    ..
                }
            ),
            "{query}: {err}"
        );
    }
}

#[test]
fn urls_with_user_names_or_passwords_are_refused() {
    let mut metadata = metadata(ISSUER);
    metadata["token_endpoint"] = json!("https://user:pw@as.example.com/token");
    assert!(matches!(
        discover(&metadata).unwrap_err(),
        DiscoveryError::InvalidMember {
            member: "token_endpoint",
            ..
        }
    ));
    let client = ClientConfig::new("cli", REDIRECT).unwrap();
    let err = Discovering::new("https://user@as.example.com", client).unwrap_err();
    assert!(matches!(err, ConfigError::IssuerWithCredentials { .. }));
}

#[test]
fn an_https_issuer_cannot_name_plain_http_endpoints_even_on_loopback() {
    // Otherwise a remote server could aim the code, the verifier and the
    // client secret at a service on the user's own machine.
    for member in [
        "token_endpoint",
        "authorization_endpoint",
        "revocation_endpoint",
    ] {
        let mut document = support::metadata(support::ISSUER);
        document[member] = serde_json::json!("http://localhost:9000/x");
        let error = Scenario::new()
            .discovering()
            .handle_response(&support::json_response(200, &document))
            .unwrap_err();
        assert!(
            matches!(error, DiscoveryError::InsecureEndpoint { member: m, .. } if m == member),
            "{member}: {error:?}"
        );
    }
}
