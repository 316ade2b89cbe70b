//! The MCP chain: from a resource's 401 to an authorization server, a client
//! identity and an authorization request.

mod support;

use http::Response;
use oauth_flow::{
    AuthorizeError, BearerChallenge, ChainError, ChainOutcome, ClientAuthMethod, ClientConfig,
    ClientIdentity, ClientRegistration, ClientSecret, DiscoveryError, Freshness, Identified,
    IdentityError, LegacyMode, Leniency, Located, RefreshError, ResourceChain,
    ResourceMetadataError,
};
use serde_json::{Value, json};
use support::{REDIRECT, at, bearer, json_response, respond, rng};

const MCP: &str = "https://mcp.example.com/mcp";
const PRM_PATH: &str = "https://mcp.example.com/.well-known/oauth-protected-resource/mcp";

fn not_found() -> Response<Vec<u8>> {
    respond(404, Some("text/plain"), "not found")
}

fn prm(resource: &str, issuer: &str) -> Value {
    json!({ "resource": resource, "authorization_servers": [issuer] })
}

fn server(issuer: &str) -> Value {
    json!({
        "issuer": issuer,
        "authorization_endpoint": "https://as.example.com/authorize",
        "token_endpoint": "https://as.example.com/token",
        "registration_endpoint": "https://as.example.com/register",
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": ["files:read", "files:write", "offline_access"],
    })
}

/// Drives the chain with `answer` until it ends, recording each URL asked.
fn run(
    mut chain: ResourceChain,
    mut answer: impl FnMut(&str) -> Response<Vec<u8>>,
) -> (Result<Located, ChainError>, Vec<String>) {
    let mut asked = Vec::new();
    loop {
        let url = chain.candidate().unwrap().to_string();
        let request = chain.request().unwrap();
        assert_eq!(request.uri().to_string(), url);
        asked.push(url.clone());
        match chain.handle_response(&answer(&url)) {
            ChainOutcome::Next(next) => chain = *next,
            ChainOutcome::Located(located) => return (Ok(*located), asked),
            ChainOutcome::Failed(error) => return (Err(error), asked),
        }
    }
}

fn challenge(header: &str) -> BearerChallenge {
    let response = Response::builder()
        .status(401)
        .header("www-authenticate", header)
        .body(())
        .unwrap();
    BearerChallenge::from_headers(response.headers())
        .unwrap()
        .unwrap()
}

#[test]
fn the_whole_chain_follows_the_challenge_to_a_path_issuer_in_the_mcp_order() {
    let issuer = "https://as.example.com/tenant";
    let header_url = "https://mcp.example.com/prm";
    let challenge = challenge(&format!(
        r#"Bearer resource_metadata="{header_url}", scope="files:read""#
    ));
    let chain = ResourceChain::new(MCP, Some(&challenge), LegacyMode::default()).unwrap();
    let (located, asked) = run(chain, |url| match url {
        "https://mcp.example.com/prm" => json_response(200, &prm(MCP, issuer)),
        "https://as.example.com/tenant/.well-known/openid-configuration" => {
            json_response(200, &server(issuer))
        }
        _ => not_found(),
    });
    assert_eq!(
        asked,
        [
            header_url,
            "https://as.example.com/.well-known/oauth-authorization-server/tenant",
            "https://as.example.com/.well-known/openid-configuration/tenant",
            "https://as.example.com/tenant/.well-known/openid-configuration",
        ]
    );
    let located = located.unwrap();
    assert_eq!(located.issuer(), issuer);
    assert_eq!(located.resource(), Some(MCP));
    assert_eq!(located.scopes(), ["files:read", "offline_access"]);
    assert!(!located.is_legacy());
}

#[test]
fn without_a_header_the_path_document_comes_before_the_root_one() {
    let chain = ResourceChain::new(MCP, None, LegacyMode::default()).unwrap();
    let (located, asked) = run(chain, |url| match url {
        "https://mcp.example.com/.well-known/oauth-protected-resource" => {
            json_response(200, &prm(MCP, "https://as.example.com"))
        }
        "https://as.example.com/.well-known/oauth-authorization-server" => {
            json_response(200, &server("https://as.example.com"))
        }
        _ => not_found(),
    });
    assert_eq!(
        asked[..2],
        [
            PRM_PATH,
            "https://mcp.example.com/.well-known/oauth-protected-resource"
        ]
    );
    // No scope in a challenge: every scope the resource supports, here none.
    assert_eq!(located.unwrap().scopes(), ["offline_access"]);
}

#[test]
fn the_resource_is_sent_exactly_as_its_metadata_writes_it() {
    for resource in ["https://mcp.example.com", "https://mcp.example.com/", MCP] {
        let chain = ResourceChain::new(MCP, None, LegacyMode::default()).unwrap();
        let (located, _) = run(chain, |url| match url {
            PRM_PATH => json_response(200, &prm(resource, "https://as.example.com")),
            "https://as.example.com/.well-known/oauth-authorization-server" => {
                json_response(200, &server("https://as.example.com"))
            }
            _ => not_found(),
        });
        let located = located.unwrap();
        let client = ClientConfig::new("c", REDIRECT).unwrap();
        let discovered = located.discovered(client).unwrap();
        let (_, url) = discovered
            .authorize(&mut rng(), located.authorize_params())
            .unwrap();
        let sent: Vec<String> = url
            .query_pairs()
            .filter(|(name, _)| name == "resource")
            .map(|(_, value)| value.into_owned())
            .collect();
        assert_eq!(sent, [resource]);
    }
}

#[test]
fn a_foreign_resource_ends_the_chain_before_any_authorization_server() {
    let chain = ResourceChain::new(MCP, None, LegacyMode::default()).unwrap();
    let (located, asked) = run(chain, |url| match url {
        PRM_PATH => json_response(
            200,
            &prm("https://evil.example.net/mcp", "https://as.example.com"),
        ),
        _ => not_found(),
    });
    assert!(
        matches!(located, Err(ChainError::NoResourceMetadata { .. })),
        "{located:?}"
    );
    assert!(
        asked
            .iter()
            .all(|url| url.starts_with("https://mcp.example.com/")),
        "{asked:?}"
    );
}

#[test]
fn scopes_come_from_the_resource_and_offline_access_only_when_listed() {
    let mut document = prm(MCP, "https://as.example.com");
    document["scopes_supported"] = json!(["files:read", "offline_access"]);
    let mut as_document = server("https://as.example.com");
    as_document["scopes_supported"] = json!(["files:read"]);
    let chain = ResourceChain::new(MCP, None, LegacyMode::default()).unwrap();
    let (located, _) = run(chain, |url| match url {
        PRM_PATH => json_response(200, &document),
        "https://as.example.com/.well-known/oauth-authorization-server" => {
            json_response(200, &as_document)
        }
        _ => not_found(),
    });
    assert_eq!(located.unwrap().scopes(), ["files:read"]);
}

#[test]
fn no_scope_anywhere_means_no_scope_parameter() {
    let mut as_document = server("https://as.example.com");
    as_document
        .as_object_mut()
        .unwrap()
        .remove("scopes_supported");
    let chain = ResourceChain::new(MCP, None, LegacyMode::default()).unwrap();
    let (located, _) = run(chain, |url| match url {
        PRM_PATH => json_response(200, &prm(MCP, "https://as.example.com")),
        "https://as.example.com/.well-known/oauth-authorization-server" => {
            json_response(200, &as_document)
        }
        _ => not_found(),
    });
    let located = located.unwrap();
    let discovered = located
        .discovered(ClientConfig::new("c", REDIRECT).unwrap())
        .unwrap();
    let (_, url) = discovered
        .authorize(&mut rng(), located.authorize_params())
        .unwrap();
    assert!(!url.query_pairs().any(|(name, _)| name == "scope"), "{url}");
}

fn located_with(as_document: &Value) -> Located {
    let chain = ResourceChain::new(MCP, None, LegacyMode::default()).unwrap();
    let (located, _) = run(chain, |url| match url {
        PRM_PATH => json_response(200, &prm(MCP, "https://as.example.com")),
        "https://as.example.com/.well-known/oauth-authorization-server" => {
            json_response(200, as_document)
        }
        _ => not_found(),
    });
    located.unwrap()
}

#[test]
fn the_mcp_chain_refuses_a_server_that_does_not_advertise_pkce_unless_told() {
    let mut as_document = server("https://as.example.com");
    as_document
        .as_object_mut()
        .unwrap()
        .remove("code_challenge_methods_supported");
    let located = located_with(&as_document);
    let strict = located
        .discovered(ClientConfig::new("c", REDIRECT).unwrap())
        .unwrap();
    assert_eq!(
        strict
            .authorize(&mut rng(), located.authorize_params())
            .unwrap_err(),
        AuthorizeError::PkceNotAdvertised
    );
    let known = ClientConfig::new("c", REDIRECT)
        .unwrap()
        .leniency(Leniency::default().s256_not_advertised());
    let lenient = located.discovered(known).unwrap();
    assert!(
        lenient
            .authorize(&mut rng(), located.authorize_params())
            .is_ok()
    );
}

#[test]
fn identity_prefers_credentials_for_this_issuer_and_ignores_others() {
    let located = located_with(&server("https://as.example.com"));
    let elsewhere = ClientConfig::new("for-another-server", REDIRECT).unwrap();
    let here = ClientConfig::new("for-this-server", REDIRECT).unwrap();
    let registration = ClientRegistration::new("tool", REDIRECT).unwrap();
    let identity = ClientIdentity::new(REDIRECT)
        .unwrap()
        .preregistered("https://other.example.com", elsewhere)
        .register_with(registration);
    let Identified::Register(_) = located.identify(&identity).unwrap() else {
        panic!("credentials for another issuer are not used")
    };
    let identity = identity.preregistered("https://as.example.com", here);
    let Identified::Ready(discovered) = located.identify(&identity).unwrap() else {
        panic!("credentials for this issuer come first")
    };
    assert_eq!(discovered.client().client_id(), "for-this-server");
    assert!(discovered.client().requires_advertised_pkce());
}

#[test]
fn a_metadata_document_is_used_only_where_the_server_supports_it() {
    let document = "https://app.example.com/oauth/client.json";
    let identity = ClientIdentity::new(REDIRECT)
        .unwrap()
        .metadata_document(document)
        .unwrap();
    let without = located_with(&server("https://as.example.com"));
    let error = without.identify(&identity).unwrap_err();
    assert!(matches!(error, IdentityError::NoIdentity { .. }), "{error}");
    let mut as_document = server("https://as.example.com");
    as_document["client_id_metadata_document_supported"] = json!(true);
    let Identified::Ready(discovered) = located_with(&as_document).identify(&identity).unwrap()
    else {
        panic!("the document is the identity")
    };
    assert_eq!(discovered.client().client_id(), document);
    assert_eq!(discovered.auth_method(), ClientAuthMethod::None);
    assert!(
        ClientIdentity::new(REDIRECT)
            .unwrap()
            .metadata_document("http://app.example.com/c")
            .is_err()
    );
}

#[test]
fn a_registration_asks_for_the_selected_scopes_and_the_result_is_honoured() {
    let located = located_with(&server("https://as.example.com"));
    let identity = ClientIdentity::new(REDIRECT)
        .unwrap()
        .register_with(ClientRegistration::new("tool", REDIRECT).unwrap());
    let Identified::Register(registering) = located.identify(&identity).unwrap() else {
        panic!("nothing else applies")
    };
    let body: Value = serde_json::from_slice(registering.request().body()).unwrap();
    assert_eq!(body["scope"], "offline_access");
    let registered = registering
        .handle_response(&json_response(
            201,
            &json!({"client_id": "dyn-1", "client_secret": "s",
                    "token_endpoint_auth_method": "client_secret_basic"}),
        ))
        .unwrap();
    let discovered = located
        .discovered(registered.client_config(None).unwrap())
        .unwrap();
    assert_eq!(
        discovered.auth_method(),
        ClientAuthMethod::ClientSecretBasic
    );
    // Kept and passed again, it is used without a new registration.
    let again = identity.registered(registered);
    assert!(matches!(
        located.identify(&again).unwrap(),
        Identified::Ready(_)
    ));
}

#[test]
fn without_resource_metadata_the_origin_is_the_legacy_authorization_server() {
    let chain = ResourceChain::new(MCP, None, LegacyMode::default()).unwrap();
    // The document names its issuer with a path while served at the root.
    let mut document = server("https://mcp.example.com/oauth");
    document["authorization_endpoint"] = json!("https://mcp.example.com/oauth/authorize");
    document["token_endpoint"] = json!("https://mcp.example.com/oauth/token");
    let (located, asked) = run(chain, |url| match url {
        "https://mcp.example.com/.well-known/oauth-authorization-server" => {
            json_response(200, &document)
        }
        _ => not_found(),
    });
    assert_eq!(asked.len(), 3, "{asked:?}");
    let located = located.unwrap();
    assert!(located.is_legacy() && !located.endpoints_guessed());
    assert_eq!(located.resource(), None);
}

#[test]
fn a_legacy_document_naming_another_origin_is_refused() {
    let chain = ResourceChain::new(MCP, None, LegacyMode::default()).unwrap();
    let (located, _) = run(chain, |url| match url {
        "https://mcp.example.com/.well-known/oauth-authorization-server" => {
            json_response(200, &server("https://as.example.com"))
        }
        _ => not_found(),
    });
    assert!(
        matches!(located, Err(ChainError::LegacyMetadata { .. })),
        "{located:?}"
    );
}

fn guessed(legacy: LegacyMode) -> Located {
    let chain = ResourceChain::new(MCP, None, legacy).unwrap();
    let (located, _) = run(chain, |_| not_found());
    located.unwrap()
}

#[test]
fn without_any_metadata_the_default_endpoints_are_guessed() {
    let located = guessed(LegacyMode::default());
    assert!(located.endpoints_guessed());
    let metadata = located.metadata();
    assert_eq!(
        metadata.authorization_endpoint.url().as_str(),
        "https://mcp.example.com/authorize"
    );
    assert_eq!(
        metadata.token_endpoint.url().as_str(),
        "https://mcp.example.com/token"
    );
    assert_eq!(
        metadata
            .registration_endpoint
            .as_ref()
            .unwrap()
            .url()
            .as_str(),
        "https://mcp.example.com/register"
    );
    // Nothing advertised, yet authorizing works: the legacy profile requires
    // PKCE of every server.
    let discovered = located
        .discovered(ClientConfig::new("c", REDIRECT).unwrap())
        .unwrap();
    assert!(
        discovered
            .authorize(&mut rng(), located.authorize_params())
            .is_ok()
    );
}

fn refresh_at_guessed(legacy: LegacyMode) -> Result<(), RefreshError> {
    let located = guessed(legacy);
    let client = ClientConfig::new("c", REDIRECT)
        .unwrap()
        .client_secret(ClientSecret::new("s"));
    let discovered = located.discovered(client).unwrap();
    let (awaiting, url) = discovered
        .authorize(&mut rng(), located.authorize_params())
        .unwrap();
    let state = url
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    let exchanging = awaiting
        .handle_callback(&format!("{REDIRECT}?code=c&state={state}"))
        .unwrap();
    let authorized = exchanging
        .handle_response(&json_response(200, &bearer("at", 60, Some("rt"))), at(0))
        .unwrap();
    let Freshness::Expired(expired) = authorized.check(at(3600)) else {
        panic!()
    };
    expired
        .refresh()
        .map(|_| ())
        .map_err(oauth_flow::Rejected::into_error)
}

#[test]
fn a_refresh_token_goes_to_a_guessed_endpoint_only_by_the_callers_choice() {
    assert!(matches!(
        refresh_at_guessed(LegacyMode::default()),
        Err(RefreshError::GuessedEndpoint { .. })
    ));
    assert_eq!(refresh_at_guessed(LegacyMode::Always), Ok(()));
}

#[test]
fn legacy_mode_never_makes_missing_metadata_an_error() {
    let chain = ResourceChain::new(MCP, None, LegacyMode::Never).unwrap();
    let (located, _) = run(chain, |_| not_found());
    assert!(matches!(
        located,
        Err(ChainError::NoResourceMetadata { .. })
    ));
}

#[test]
fn client_credentials_need_a_secret_and_send_scope_and_resource() {
    let located = located_with(&server("https://as.example.com"));
    let public = located
        .discovered(ClientConfig::new("c", REDIRECT).unwrap())
        .unwrap();
    assert_eq!(
        public
            .client_credentials(located.authorize_params())
            .unwrap_err(),
        AuthorizeError::ConfidentialClientRequired
    );
    let client = ClientConfig::new("svc", REDIRECT)
        .unwrap()
        .client_secret(ClientSecret::new("s"));
    let discovered = located.discovered(client).unwrap();
    let grant = discovered
        .client_credentials(located.authorize_params())
        .unwrap();
    let request = grant.request();
    assert!(
        request.headers()["authorization"]
            .to_str()
            .unwrap()
            .starts_with("Basic ")
    );
    let body = String::from_utf8(request.body().clone()).unwrap();
    assert!(body.contains("grant_type=client_credentials"), "{body}");
    assert!(body.contains("scope=offline_access"), "{body}");
    assert!(
        body.contains("resource=https%3A%2F%2Fmcp.example.com%2Fmcp"),
        "{body}"
    );
    let authorized = grant
        .handle_response(&json_response(200, &bearer("at", 3600, None)), at(0))
        .unwrap();
    assert_eq!(authorized.resources(), [MCP]);
}

#[test]
fn a_document_without_pkce_support_gives_way_to_one_that_lists_it() {
    let issuer = "https://as.example.com";
    let mut bare = server(issuer);
    bare.as_object_mut()
        .unwrap()
        .remove("code_challenge_methods_supported");
    let chain = ResourceChain::new(MCP, None, LegacyMode::default()).unwrap();
    let (located, asked) = run(chain, |url| match url {
        PRM_PATH => json_response(200, &prm(MCP, issuer)),
        "https://as.example.com/.well-known/oauth-authorization-server" => {
            json_response(200, &bare)
        }
        "https://as.example.com/.well-known/openid-configuration" => {
            json_response(200, &server(issuer))
        }
        _ => not_found(),
    });
    assert_eq!(asked.len(), 3, "{asked:?}");
    let located = located.unwrap();
    assert!(
        located
            .metadata()
            .code_challenge_methods_supported
            .is_some()
    );
}

#[test]
fn an_issuer_with_a_root_slash_in_the_resource_metadata_matches_the_server() {
    // Google's MCP servers: `https://accounts.google.com/` in the resource
    // metadata, no slash in the server's own document.
    let resource = "https://logging.googleapis.com/mcp";
    let chain = ResourceChain::new(resource, None, LegacyMode::default()).unwrap();
    let (located, _) = run(chain, |url| match url {
        "https://logging.googleapis.com/.well-known/oauth-protected-resource/mcp" => {
            json_response(200, &prm(resource, "https://accounts.google.com/"))
        }
        "https://accounts.google.com/.well-known/oauth-authorization-server" => {
            json_response(200, &server("https://accounts.google.com"))
        }
        _ => not_found(),
    });
    assert_eq!(located.unwrap().issuer(), "https://accounts.google.com");
}

#[test]
fn a_remote_resource_cannot_aim_the_client_at_plain_http_on_this_machine() {
    // The challenge names a local service: it is never fetched, it is
    // reported, and it rules out guessing legacy endpoints.
    let local = "http://127.0.0.1:2375/containers/json?all=1";
    let challenge = challenge(&format!(r#"Bearer resource_metadata="{local}""#));
    let chain = ResourceChain::new(MCP, Some(&challenge), LegacyMode::default()).unwrap();
    let (located, asked) = run(chain, |_| not_found());
    assert!(
        asked.iter().all(|url| url.starts_with("https://")),
        "{asked:?}"
    );
    let Err(ChainError::NoResourceMetadata { tried }) = located else {
        panic!("{located:?}")
    };
    assert_eq!(tried[0].0, local);
    assert!(matches!(
        tried[0].1,
        ResourceMetadataError::RefusedUrl { .. }
    ));

    // Resource metadata naming a plain-http authorization server.
    let chain = ResourceChain::new(MCP, None, LegacyMode::default()).unwrap();
    let (located, asked) = run(chain, |url| match url {
        PRM_PATH => json_response(200, &prm(MCP, "http://127.0.0.1:9000")),
        _ => not_found(),
    });
    assert!(
        matches!(located, Err(ChainError::AuthorizationServer { .. })),
        "{located:?}"
    );
    assert!(
        asked.iter().all(|url| url.starts_with("https://")),
        "{asked:?}"
    );

    // Server metadata of an https issuer naming a plain-http token endpoint.
    let mut document = server("https://as.example.com");
    document["token_endpoint"] = json!("http://localhost:9000/token");
    let chain = ResourceChain::new(MCP, None, LegacyMode::default()).unwrap();
    let (located, _) = run(chain, |url| match url {
        PRM_PATH => json_response(200, &prm(MCP, "https://as.example.com")),
        "https://as.example.com/.well-known/oauth-authorization-server"
        | "https://as.example.com/.well-known/openid-configuration" => {
            json_response(200, &document)
        }
        _ => not_found(),
    });
    let Err(ChainError::NoServerMetadata { tried, .. }) = located else {
        panic!("{located:?}")
    };
    assert!(
        tried
            .iter()
            .all(|(_, e)| matches!(e, DiscoveryError::InsecureEndpoint { .. })),
        "{tried:?}"
    );
}

#[test]
fn a_loopback_resource_may_use_loopback_http_throughout() {
    let resource = "http://127.0.0.1:3000/mcp";
    let header = "http://127.0.0.1:3000/.well-known/oauth-protected-resource/mcp";
    let challenge = challenge(&format!(r#"Bearer resource_metadata="{header}""#));
    let chain = ResourceChain::new(resource, Some(&challenge), LegacyMode::default()).unwrap();
    let mut document = server("http://127.0.0.1:3001");
    for (member, path) in [
        ("authorization_endpoint", "authorize"),
        ("token_endpoint", "token"),
    ] {
        document[member] = json!(format!("http://127.0.0.1:3001/{path}"));
    }
    document
        .as_object_mut()
        .unwrap()
        .remove("registration_endpoint");
    let (located, _) = run(chain, |url| match url {
        _ if url == header => json_response(200, &prm(resource, "http://127.0.0.1:3001")),
        "http://127.0.0.1:3001/.well-known/oauth-authorization-server" => {
            json_response(200, &document)
        }
        _ => not_found(),
    });
    assert_eq!(located.unwrap().issuer(), "http://127.0.0.1:3001");
}
