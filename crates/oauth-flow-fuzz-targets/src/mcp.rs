//! Targets for the MCP chain's parsers: protected resource metadata (and
//! the authorization server metadata found through it), and registration
//! responses.

use http::Response;
use oauth_flow::url::Url;
use oauth_flow::{
    ChainOutcome, ClientConfig, ClientRegistration, LegacyMode, Registering, ResourceChain,
};

use crate::checks::assert_printable;
use crate::fixture::{self, REDIRECT};
use crate::response;

/// The resource the chain starts from.
pub const RESOURCE: &str = "https://mcp.example.com/mcp";

/// Responses to the chain's requests, one after another: the input is split
/// at lines that hold only `---`, and each part is a response in the
/// `STATUS CONTENT-TYPE\nbody` format. The first line of the whole input
/// may instead be `legacy` or `never`, which chooses the legacy mode.
///
/// Every request goes to an `https` URL; the chain never asks for more than
/// eight documents; and when it locates a server, the resource identifier
/// is a same-origin prefix of the resource URL (or absent, in legacy mode,
/// where the issuer must share the resource's origin), and an authorization
/// request made from it carries that identifier unchanged.
pub fn resource_chain(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (legacy, rest) = match text.split_once('\n') {
        Some(("legacy", rest)) => (LegacyMode::Always, rest),
        Some(("never", rest)) => (LegacyMode::Never, rest),
        _ => (LegacyMode::WhenNoResourceMetadata, text.as_ref()),
    };
    let mut challenge = oauth_flow::BearerChallenge::default();
    challenge.resource_metadata = Some("https://mcp.example.com/prm".into());
    let mut chain = ResourceChain::new(RESOURCE, Some(&challenge), legacy).expect("a fixed URL");
    let resource_url = Url::parse(RESOURCE).expect("a fixed URL");
    let mut parts = rest.split("\n---\n");
    for _ in 0..8 {
        let request = chain
            .request()
            .expect("the chain always asks for something");
        assert_eq!(
            request.uri().scheme_str(),
            Some("https"),
            "{}",
            request.uri()
        );
        let part = parts.next().unwrap_or("404 text/plain\n");
        let parsed = response(part.as_bytes());
        let owned = Response::from_parts(parsed.into_parts().0, part.as_bytes().to_vec());
        match chain.handle_response(&owned) {
            ChainOutcome::Next(next) => chain = *next,
            ChainOutcome::Failed(error) => {
                assert_printable(&error.to_string());
                return;
            }
            ChainOutcome::Located(located) => {
                if let Some(resource) = located.resource() {
                    assert!(oauth_flow::resource_matches(&resource_url, resource));
                } else {
                    assert!(located.is_legacy());
                    let issuer = Url::parse(located.issuer()).expect("a checked issuer");
                    assert_eq!(issuer.origin(), resource_url.origin());
                }
                let client = ClientConfig::new("c", REDIRECT).expect("a fixed URI");
                let Ok(discovered) = located.discovered(client) else {
                    return;
                };
                let params = located.authorize_params();
                if let Ok((_, url)) = discovered.authorize(&mut fixture::rng(3), params) {
                    let sent: Vec<String> = url
                        .query_pairs()
                        .filter(|(name, _)| name == "resource")
                        .map(|(_, value)| value.into_owned())
                        .collect();
                    let expected: Vec<String> =
                        located.resource().map(str::to_owned).into_iter().collect();
                    assert_eq!(sent, expected);
                }
                return;
            }
        }
    }
    panic!("the chain asked for more than eight documents");
}

/// The words a `RegisteredClient`'s `Debug` output is made of besides the
/// values: a secret that is part of them shows up without leaking.
const DEBUG_WORDS: &str = "RegisteredClient { issuer client_id client_secret \
    client_secret_expires_at token_endpoint_auth_method requested_auth_method \
    registration_access_token redirect_uri extra_members Some(ClientSecret([redacted])) None \
    none client_secret_post client_secret_basic";

/// A registration response: `Registering::handle_response` with any status,
/// content type and body.
///
/// A registered client came with a 2xx and a `client_id`, belongs to the
/// server that registered it, survives a serde round trip, never shows its
/// secret in `Debug`, and becomes a client configuration or a typed error.
pub fn registration(data: &[u8]) {
    let response = response(data);
    let registration = ClientRegistration::new("fuzz", REDIRECT).expect("a fixed URI");
    let mut metadata = fixture::discovered().metadata().clone();
    metadata.registration_endpoint =
        Some(oauth_flow::Endpoint::parse("https://as.example.com/register").expect("a fixed URL"));
    let registering = Registering::new(&metadata, registration).expect("the fixture registers");
    let registered = match registering.handle_response(&response) {
        Ok(registered) => registered,
        Err(error) => {
            assert_printable(&error.to_string());
            return;
        }
    };
    assert!(response.status().is_success());
    assert!(!registered.client_id().is_empty());
    assert_eq!(registered.issuer(), fixture::ISSUER);
    if let Some(secret) = registered.client_secret() {
        let debug = format!("{registered:?}");
        let body = String::from_utf8_lossy(response.body());
        // The `Debug` output's own words (field and type names) may hold a
        // short secret by chance; such a secret says nothing.
        if crate::checks::distinctive(secret.secret(), &body)
            && !DEBUG_WORDS.contains(secret.secret())
        {
            assert!(
                !debug.contains(secret.secret()),
                "the secret shows in {debug}"
            );
        }
    }
    let text = serde_json::to_string(&registered).expect("serializable");
    let back: oauth_flow::RegisteredClient = serde_json::from_str(&text).expect("reads back");
    assert_eq!(back, registered);
    match registered.client_config(None) {
        Ok(config) => assert_eq!(config.client_id(), registered.client_id()),
        Err(error) => assert_printable(&error.to_string()),
    }
}
