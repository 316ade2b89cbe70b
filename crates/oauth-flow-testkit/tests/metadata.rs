//! RFC 8414 metadata, the OpenID Connect discovery document, issuers with a path, and
//! RFC 9728 protected resource metadata.

mod common;

use common::{authorize_url, get, pkce};
use oauth_flow_testkit::{DEMO_CLIENT_ID, ServerConfig, TestServer};
use serde_json::json;

#[test]
fn metadata_advertises_endpoints_s256_and_iss_support() {
    let server = TestServer::start(ServerConfig::default());
    let reply = get(&server.metadata_url());
    assert_eq!(reply.status, 200);
    assert_eq!(reply.content_type(), "application/json");
    assert_eq!(
        server.metadata_url(),
        format!(
            "{}/.well-known/oauth-authorization-server",
            server.base_url()
        )
    );

    let metadata = reply.json();
    assert_eq!(metadata["issuer"], json!(server.issuer()));
    assert_eq!(
        metadata["authorization_endpoint"],
        json!(server.authorization_endpoint())
    );
    assert_eq!(metadata["token_endpoint"], json!(server.token_endpoint()));
    assert_eq!(
        metadata["revocation_endpoint"],
        json!(server.revocation_endpoint())
    );
    assert_eq!(
        metadata["registration_endpoint"],
        json!(server.registration_endpoint())
    );
    assert_eq!(
        metadata["code_challenge_methods_supported"],
        json!(["S256"])
    );
    assert_eq!(
        metadata["authorization_response_iss_parameter_supported"],
        json!(true)
    );
    assert_eq!(metadata["response_types_supported"], json!(["code"]));
    assert_eq!(
        metadata["grant_types_supported"],
        json!(["authorization_code", "refresh_token"])
    );
    assert_eq!(metadata["scopes_supported"], json!(["read", "write"]));
    assert_eq!(
        metadata["token_endpoint_auth_methods_supported"],
        json!(["none", "client_secret_post", "client_secret_basic"])
    );
}

#[test]
fn path_issuer_metadata_lives_at_the_inserted_well_known_url() {
    let server = TestServer::start(ServerConfig::default().issuer_path("/tenant"));
    let base = server.base_url();
    assert_eq!(server.issuer(), format!("{base}/tenant"));
    assert_eq!(
        server.metadata_url(),
        format!("{base}/.well-known/oauth-authorization-server/tenant")
    );

    let metadata = get(&server.metadata_url()).json();
    assert_eq!(metadata["issuer"], json!(format!("{base}/tenant")));
    assert_eq!(
        metadata["token_endpoint"],
        json!(format!("{base}/tenant/token"))
    );
    assert_eq!(
        metadata["authorization_endpoint"],
        json!(format!("{base}/tenant/authorize"))
    );

    let root = get(&format!("{base}/.well-known/oauth-authorization-server"));
    assert_eq!(
        root.status, 404,
        "the root document belongs to another issuer"
    );
    let appended = get(&format!(
        "{base}/tenant/.well-known/oauth-authorization-server"
    ));
    assert_eq!(appended.status, 404, "RFC 8414 inserts, it does not append");
}

#[test]
fn path_issuer_endpoints_serve_a_whole_flow() {
    let server = TestServer::start(ServerConfig::default().issuer_path("tenant/"));
    let (code, pkce) = common::code_for(&server, DEMO_CLIENT_ID);
    let reply = common::exchange_demo_code(&server, &code, &pkce.verifier);
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(server.requests_to("/tenant/token").len(), 1);
}

#[test]
fn path_issuer_callback_iss_names_the_path_issuer() {
    let server = TestServer::start(ServerConfig::default().issuer_path("/tenant"));
    let reply = get(&authorize_url(&server, DEMO_CLIENT_ID, &pkce(), &[]));
    assert_eq!(
        reply.location_param("iss").as_deref(),
        Some(server.issuer())
    );
}

#[test]
fn openid_configuration_is_served_only_when_asked() {
    let plain = TestServer::start(ServerConfig::default());
    assert_eq!(get(&plain.openid_configuration_url()).status, 404);

    let server = TestServer::start(ServerConfig::default().openid_configuration(true));
    let reply = get(&server.openid_configuration_url());
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json(), get(&server.metadata_url()).json());
}

#[test]
fn openid_configuration_of_a_path_issuer_is_appended() {
    let server = TestServer::start(
        ServerConfig::default()
            .issuer_path("/tenant")
            .openid_configuration(true),
    );
    let url = format!(
        "{}/tenant/.well-known/openid-configuration",
        server.base_url()
    );
    assert_eq!(server.openid_configuration_url(), url);
    assert_eq!(get(&url).json()["issuer"], json!(server.issuer()));
}

#[test]
fn protected_resource_metadata_names_the_authorization_server() {
    let server = TestServer::start(ServerConfig::default().issuer_path("/tenant"));
    let reply = get(&server.resource_metadata_url());
    assert_eq!(reply.status, 200);
    assert_eq!(reply.content_type(), "application/json");
    let metadata = reply.json();
    assert_eq!(metadata["resource"], json!(server.base_url()));
    assert_eq!(metadata["authorization_servers"], json!([server.issuer()]));
    assert_eq!(metadata["scopes_supported"], json!(["read", "write"]));
    assert_eq!(metadata["bearer_methods_supported"], json!(["header"]));
}
