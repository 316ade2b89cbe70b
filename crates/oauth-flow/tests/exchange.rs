//! State `Exchanging` → `Authorized`: the token request and every shape of
//! token response real servers send.

mod support;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::{Method, header};
use oauth_flow::{
    AuthorizeParams, ClientAuthMethod, ClientConfig, ClientSecret, Deviation, Leniency, OAuthError,
    TokenError, TokenType, TokenTypeHint,
};
use serde_json::json;
use support::*;

#[allow(clippy::needless_pass_by_value)]
fn exchange(response: http::Response<Vec<u8>>) -> Result<oauth_flow::Authorized, TokenError> {
    Scenario::new()
        .exchanging()
        .handle_response(&response, at(0))
}

#[allow(clippy::needless_pass_by_value)]
fn exchange_json(body: serde_json::Value) -> Result<oauth_flow::Authorized, TokenError> {
    exchange(json_response(200, &body))
}

mod request {
    use super::*;

    /// The client's id and redirect URI are encoded once, when the server is
    /// discovered; every body that carries them, and Basic credentials, must
    /// still show them encoded.
    #[test]
    fn client_id_and_redirect_uri_are_form_encoded_in_every_body() {
        const ID: &str = "my client/1+é";
        const ID_ENCODED: &str = "my+client%2F1%2B%C3%A9";
        const REDIRECT_WITH_QUERY: &str = "http://127.0.0.1:8976/cb?a=b c";
        let scenario =
            || Scenario::new().client(|_| ClientConfig::new(ID, REDIRECT_WITH_QUERY).unwrap());
        let public = scenario();

        let exchange = public.exchanging().request();
        let body = String::from_utf8(exchange.body().clone()).unwrap();
        assert!(
            body.starts_with(&format!("client_id={ID_ENCODED}&")),
            "{body}"
        );
        assert!(
            body.contains("&redirect_uri=http%3A%2F%2F127.0.0.1%3A8976%2Fcb%3Fa%3Db%2520c&"),
            "{body}"
        );
        assert_eq!(form_value(&exchange, "client_id").as_deref(), Some(ID));

        let authorized = public.authorized(&bearer("AT", 3600, Some("RT")), at(0));
        let refresh = authorized.refresh().unwrap().request();
        assert_eq!(form_value(&refresh, "client_id").as_deref(), Some(ID));
        assert_eq!(
            form_value(&refresh, "grant_type").as_deref(),
            Some("refresh_token")
        );
        let authorized = public.authorized(&bearer("AT", 3600, Some("RT")), at(0));
        let revoke = authorized
            .revoke(TokenTypeHint::RefreshToken)
            .unwrap()
            .request();
        assert_eq!(form_value(&revoke, "client_id").as_deref(), Some(ID));
        assert_eq!(
            form_value(&revoke, "token_type_hint").as_deref(),
            Some("refresh_token")
        );

        let post = scenario().client(|c| {
            c.client_secret(ClientSecret::new("s"))
                .auth_method(ClientAuthMethod::ClientSecretPost)
        });
        let request = post.exchanging().request();
        assert_eq!(form_value(&request, "client_id").as_deref(), Some(ID));
        assert_eq!(form_value(&request, "client_secret").as_deref(), Some("s"));
        let credentials = post
            .discovered()
            .client_credentials(AuthorizeParams::new())
            .unwrap()
            .request();
        assert_eq!(form_value(&credentials, "client_id").as_deref(), Some(ID));
        assert_eq!(
            form_value(&credentials, "grant_type").as_deref(),
            Some("client_credentials")
        );

        let basic = scenario().client(|c| {
            c.client_secret(ClientSecret::new("s"))
                .auth_method(ClientAuthMethod::ClientSecretBasic)
        });
        let request = basic.exchanging().request();
        let expected = format!("Basic {}", STANDARD.encode(format!("{ID_ENCODED}:s")));
        assert_eq!(request.headers()[header::AUTHORIZATION], expected.as_str());
        assert_eq!(form_value(&request, "client_id"), None);
    }

    #[test]
    fn public_client_posts_a_form_asking_for_json() {
        let request = Scenario::new().exchanging().request();
        assert_eq!(request.method(), Method::POST);
        assert_eq!(request.uri(), "https://as.example.com/token");
        assert_eq!(
            request.headers()[header::CONTENT_TYPE],
            "application/x-www-form-urlencoded"
        );
        assert_eq!(request.headers()[header::ACCEPT], "application/json");
        assert!(request.headers().get(header::AUTHORIZATION).is_none());
        let form = form(&request);
        let names: Vec<_> = form.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "client_id",
                "grant_type",
                "code",
                "redirect_uri",
                "code_verifier"
            ]
        );
        assert_eq!(
            form_value(&request, "grant_type").as_deref(),
            Some("authorization_code")
        );
        assert_eq!(
            form_value(&request, "redirect_uri").as_deref(),
            Some(REDIRECT)
        );
        assert_eq!(form_value(&request, "client_id").as_deref(), Some("cli"));
    }

    #[test]
    fn client_secret_basic_encodes_id_and_secret_before_base64() {
        let scenario = Scenario::new().client(|_| {
            oauth_flow::ClientConfig::new("my client/1", REDIRECT)
                .unwrap()
                .client_secret(ClientSecret::new("p+ss:w/rd=%"))
                .auth_method(ClientAuthMethod::ClientSecretBasic)
        });
        let request = scenario.exchanging().request();
        assert_eq!(
            request.headers()[header::AUTHORIZATION],
            "Basic bXkrY2xpZW50JTJGMTpwJTJCc3MlM0F3JTJGcmQlM0QlMjU="
        );
        assert!(request.headers()[header::AUTHORIZATION].is_sensitive());
        assert_eq!(form_value(&request, "client_id"), None);
        assert_eq!(form_value(&request, "client_secret"), None);
    }

    #[test]
    fn client_secret_post_puts_both_in_the_body() {
        let scenario = Scenario::new().client(|c| {
            c.client_secret(ClientSecret::new("p+ss"))
                .auth_method(ClientAuthMethod::ClientSecretPost)
        });
        let request = scenario.exchanging().request();
        assert!(request.headers().get(header::AUTHORIZATION).is_none());
        assert_eq!(form_value(&request, "client_id").as_deref(), Some("cli"));
        assert_eq!(
            form_value(&request, "client_secret").as_deref(),
            Some("p+ss")
        );
    }
}

#[test]
fn standard_response_gives_tokens_and_expiry() {
    let authorized = exchange_json(json!({
        "access_token": "AT", "token_type": "Bearer", "expires_in": 3600,
        "refresh_token": "RT", "scope": "read write", "id_token": "ID",
    }))
    .unwrap();
    let tokens = authorized.tokens();
    assert_eq!(tokens.access_token().secret(), "AT");
    assert_eq!(tokens.refresh_token().unwrap().secret(), "RT");
    assert_eq!(tokens.id_token().unwrap().secret(), "ID");
    assert_eq!(tokens.scopes(), ["read", "write"]);
    assert_eq!(tokens.expires_at(), Some(at(3600)));
    assert!(tokens.deviations().is_empty());
}

mod expires_in {
    use super::*;

    #[test]
    fn numeric_string_is_accepted() {
        // Azure AD v1 and PayPal.
        let authorized = exchange_json(json!({
            "access_token": "AT", "token_type": "Bearer", "expires_in": "600", "refresh_token": "RT"
        }))
        .unwrap();
        assert_eq!(authorized.tokens().expires_at(), Some(at(600)));
        assert_eq!(
            authorized.tokens().deviations(),
            [Deviation::ExpiresInString]
        );
    }

    #[test]
    fn fraction_is_floored() {
        let authorized = exchange_json(
            json!({"access_token": "AT", "token_type": "Bearer", "expires_in": 3599.6}),
        )
        .unwrap();
        assert_eq!(authorized.tokens().expires_at(), Some(at(3599)));
    }

    #[test]
    fn unusable_value_leaves_the_expiry_unknown_and_keeps_the_token() {
        for bad in [
            json!(-5),
            json!("abc"),
            json!("-1"),
            json!(true),
            json!({"s": 1}),
            json!(""),
        ] {
            let authorized = exchange_json(
                json!({"access_token": "AT", "token_type": "Bearer", "expires_in": bad}),
            )
            .unwrap();
            assert_eq!(authorized.tokens().expires_at(), None, "{bad}");
            assert_eq!(
                authorized.tokens().deviations(),
                [Deviation::ExpiresInInvalid],
                "{bad}"
            );
        }
    }

    #[test]
    fn missing_or_null_means_unknown() {
        for body in [
            json!({"access_token": "AT", "token_type": "Bearer"}),
            json!({"access_token": "AT", "token_type": "Bearer", "expires_in": null}),
        ] {
            let authorized = exchange_json(body).unwrap();
            assert_eq!(authorized.tokens().expires_at(), None);
            assert!(authorized.tokens().deviations().is_empty());
        }
    }

    #[test]
    fn missing_uses_the_configured_default_lifetime() {
        let scenario =
            Scenario::new().client(|c| c.default_lifetime(std::time::Duration::from_secs(900)));
        let authorized = scenario.authorized(
            &json!({"access_token": "AT", "token_type": "Bearer"}),
            at(0),
        );
        assert_eq!(authorized.tokens().expires_at(), Some(at(900)));
    }

    #[test]
    fn huge_value_saturates_instead_of_overflowing() {
        let authorized = exchange_json(
            json!({"access_token": "AT", "token_type": "Bearer", "expires_in": u64::MAX}),
        )
        .unwrap();
        assert!(authorized.bearer(at(10_000_000)).is_ok());
        let huge_string = json!({
            "access_token": "AT", "token_type": "Bearer", "expires_in": "99999999999999999999999"
        });
        assert!(exchange_json(huge_string).is_ok());
    }
}

mod token_type {
    use super::*;

    #[test]
    fn lower_case_bearer_is_sent_as_canonical_bearer() {
        // GitHub, Okta, Linear's MCP server answer "bearer".
        let authorized = exchange_json(
            json!({"access_token": "AT", "token_type": "bearer", "expires_in": 3600}),
        )
        .unwrap();
        assert_eq!(authorized.tokens().token_type(), &TokenType::Bearer);
        assert_eq!(authorized.bearer(at(1)).unwrap(), "Bearer AT");
    }

    #[test]
    fn missing_is_an_error_by_default() {
        let err =
            exchange_json(json!({"access_token": "AT", "expires_in": 43200, "user_id": 66748}));
        assert_eq!(err.unwrap_err(), TokenError::MissingTokenType);
    }

    #[test]
    fn missing_is_bearer_with_the_named_leniency() {
        // VK: no token_type, a vendor member kept as extra.
        let scenario = Scenario::new().leniency(Leniency::default().missing_token_type_is_bearer());
        let authorized = scenario.authorized(
            &json!({"access_token": "AT", "expires_in": 43200, "user_id": 66748}),
            at(0),
        );
        assert_eq!(authorized.bearer(at(1)).unwrap(), "Bearer AT");
        assert_eq!(
            authorized.tokens().deviations(),
            [Deviation::TokenTypeAssumed]
        );
        assert_eq!(authorized.tokens().extra()["user_id"], 66748);
    }

    #[test]
    fn non_bearer_type_is_never_sent_as_bearer() {
        let authorized =
            exchange_json(json!({"access_token": "AT", "token_type": "DPoP", "expires_in": 60}))
                .unwrap();
        let err = authorized.bearer(at(1)).unwrap_err();
        assert_eq!(
            err,
            oauth_flow::BearerError::NotBearer {
                token_type: "DPoP".into()
            }
        );
    }

    #[test]
    fn non_string_type_is_an_error() {
        let err = exchange_json(json!({"access_token": "AT", "token_type": 1}));
        assert_eq!(err.unwrap_err(), TokenError::InvalidTokenType);
    }
}

mod scope {
    use super::*;

    #[test]
    fn array_is_accepted() {
        // Twitch.
        let authorized = exchange_json(json!({
            "access_token": "AT", "expires_in": 14487, "refresh_token": "RT",
            "scope": ["openid", "user:read:email"], "token_type": "bearer"
        }))
        .unwrap();
        assert_eq!(authorized.tokens().scopes(), ["openid", "user:read:email"]);
        assert_eq!(authorized.tokens().deviations(), [Deviation::ScopeArray]);
    }

    #[test]
    fn comma_list_is_kept_raw_not_guessed() {
        // GitHub separates scopes with commas.
        let authorized = exchange_json(
            json!({"access_token": "AT", "scope": "repo,gist", "token_type": "bearer"}),
        )
        .unwrap();
        assert_eq!(authorized.tokens().scopes(), ["repo,gist"]);
        assert_eq!(authorized.tokens().scope_as_sent(), Some("repo,gist"));
    }

    #[test]
    fn absent_means_the_requested_scopes() {
        let scenario = Scenario::new().params(AuthorizeParams::new().scope("a").scope("b"));
        let authorized = scenario.authorized(&bearer("AT", 60, None), at(0));
        assert_eq!(authorized.tokens().scopes(), ["a", "b"]);
    }

    #[test]
    fn unusable_scope_does_not_lose_the_token() {
        let authorized =
            exchange_json(json!({"access_token": "AT", "token_type": "Bearer", "scope": 7}))
                .unwrap();
        assert_eq!(authorized.tokens().deviations(), [Deviation::ScopeInvalid]);
    }
}

#[test]
fn form_encoded_response_is_read() {
    // GitHub without Accept: application/json.
    let response = respond(
        200,
        Some("application/x-www-form-urlencoded; charset=utf-8"),
        "access_token=AT&scope=user%2Cgist&token_type=bearer",
    );
    let authorized = exchange(response).unwrap();
    assert_eq!(authorized.bearer(at(1)).unwrap(), "Bearer AT");
    assert_eq!(authorized.tokens().scope_as_sent(), Some("user,gist"));
    assert_eq!(
        authorized.tokens().deviations(),
        [Deviation::FormEncodedBody]
    );
}

#[test]
fn error_with_status_200_is_an_error() {
    // GitHub refresh and code errors.
    let err = exchange_json(json!({
        "error": "bad_refresh_token",
        "error_description": "The refresh token passed is incorrect or expired."
    }))
    .unwrap_err();
    assert_eq!(
        err,
        TokenError::Server(OAuthError {
            error: "bad_refresh_token".into(),
            error_description: Some("The refresh token passed is incorrect or expired.".into()),
            error_uri: None,
        })
    );
    assert!(err.needs_reauthorization());
}

#[test]
fn form_encoded_error_with_status_200_is_decoded() {
    let response = respond(
        200,
        Some("application/x-www-form-urlencoded"),
        "error=incorrect_client_credentials\
         &error_description=The+client_id+and%2For+client_secret+passed+are+incorrect.\
         &error_uri=https%3A%2F%2Fdocs.github.com%2F",
    );
    let TokenError::Server(error) = exchange(response).unwrap_err() else {
        panic!()
    };
    assert_eq!(error.error, "incorrect_client_credentials");
    assert_eq!(
        error.error_description.as_deref(),
        Some("The client_id and/or client_secret passed are incorrect.")
    );
    assert_eq!(error.error_uri.as_deref(), Some("https://docs.github.com/"));
}

#[test]
fn status_201_with_a_token_is_a_success() {
    assert!(exchange(json_response(201, &bearer("AT", 60, None))).is_ok());
}

#[test]
fn json_error_labelled_text_plain_is_read() {
    // Kanidm.
    let response = respond(
        400,
        Some("text/plain; charset=utf-8"),
        r#"{"error":"invalid_request"}"#,
    );
    let err = exchange(response).unwrap_err();
    assert!(matches!(err, TokenError::Server(ref e) if e.error == "invalid_request"));
}

#[test]
fn html_labelled_json_is_an_unexpected_response_with_an_excerpt() {
    // A WAF or proxy in front of the server.
    let response = respond(
        400,
        Some("application/json"),
        "<!DOCTYPE html><html>blocked</html>",
    );
    let err = exchange(response).unwrap_err();
    let TokenError::UnexpectedResponse {
        status,
        content_type,
        excerpt,
    } = &err
    else {
        panic!("{err}")
    };
    assert_eq!(*status, 400);
    assert_eq!(content_type.as_deref(), Some("application/json"));
    assert!(excerpt.as_str().starts_with("<!DOCTYPE html>"));
    assert!(!err.is_retryable());
}

#[test]
fn server_error_page_is_retryable_but_never_a_success() {
    let err = exchange(respond(500, Some("text/html"), "<html>oops</html>")).unwrap_err();
    assert!(matches!(
        err,
        TokenError::UnexpectedResponse { status: 500, .. }
    ));
    assert!(err.is_retryable());
}

#[test]
fn token_body_with_an_error_status_is_not_a_success() {
    let err = exchange(json_response(500, &bearer("AT", 60, None))).unwrap_err();
    assert!(
        matches!(&err, TokenError::UnexpectedResponse { excerpt, .. }
            if !excerpt.as_str().contains("AT\""))
    );
}

#[test]
fn redirect_from_the_token_endpoint_is_refused() {
    let mut response = respond(307, None, "");
    response.headers_mut().insert(
        header::LOCATION,
        "http://169.254.169.254/latest/meta-data/".parse().unwrap(),
    );
    let err = exchange(response).unwrap_err();
    assert_eq!(
        err,
        TokenError::Redirect {
            status: 307,
            location: Some("http://169.254.169.254/latest/meta-data/".into())
        }
    );
}

#[test]
fn oversized_body_is_refused() {
    let body = format!(
        r#"{{"access_token":"AT","token_type":"Bearer","pad":"{}"}}"#,
        "x".repeat(1 << 20)
    );
    let err = exchange(respond(200, Some("application/json"), body)).unwrap_err();
    assert!(matches!(err, TokenError::BodyTooLarge { .. }));
}

#[test]
fn missing_or_unusable_access_token_is_an_error() {
    assert_eq!(
        exchange_json(json!({"token_type": "Bearer"})).unwrap_err(),
        TokenError::MissingAccessToken
    );
    assert_eq!(
        exchange_json(json!({"access_token": null, "token_type": "Bearer"})).unwrap_err(),
        TokenError::MissingAccessToken
    );
    for bad in [json!(""), json!("a\nb"), json!("é"), json!(12)] {
        let err = exchange_json(json!({"access_token": bad, "token_type": "Bearer"})).unwrap_err();
        assert_eq!(err, TokenError::InvalidAccessToken);
    }
}

#[test]
fn resource_indicators_go_to_the_token_endpoint_unchanged() {
    let params = AuthorizeParams::new()
        .resource("https://mcp.example.com")
        .resource("urn:x");
    let request = Scenario::new().params(params).exchanging().request();
    let resources: Vec<_> = form(&request)
        .into_iter()
        .filter(|(n, _)| n == "resource")
        .map(|(_, v)| v)
        .collect();
    assert_eq!(resources, ["https://mcp.example.com", "urn:x"]);
}

#[test]
fn access_token_with_a_space_cannot_be_a_bearer_header_and_is_refused() {
    for bad in ["A B", " ", "AT "] {
        let err = exchange_json(json!({"access_token": bad, "token_type": "Bearer"})).unwrap_err();
        assert_eq!(err, TokenError::InvalidAccessToken, "{bad:?}");
    }
}

#[test]
fn repeated_members_make_the_response_ambiguous_and_it_is_refused() {
    let body = r#"{"access_token":"A","access_token":"B","token_type":"Bearer"}"#;
    let err = exchange(respond(200, Some("application/json"), body)).unwrap_err();
    assert!(
        matches!(err, TokenError::UnexpectedResponse { status: 200, .. }),
        "{err}"
    );
}

#[test]
fn expiry_of_a_never_ending_token_is_a_real_date_far_ahead() {
    for huge in [
        json!(u64::MAX),
        json!("99999999999999999999999"),
        json!(1e300),
    ] {
        let authorized = exchange_json(
            json!({"access_token": "AT", "token_type": "Bearer", "expires_in": huge}),
        )
        .unwrap();
        let expires = authorized.tokens().expires_at().unwrap();
        let ahead = expires.duration_since(at(0)).unwrap().as_secs();
        assert_eq!(ahead, oauth_flow::MAX_LIFETIME_SECS, "{huge}");
        assert!(authorized.bearer(at(10_000_000)).is_ok());
    }
}

#[test]
fn problem_json_error_is_an_unexpected_response_showing_title_and_detail() {
    let body =
        r#"{"type":"about:blank","title":"Bad Request","status":400,"detail":"grant expired"}"#;
    let err = exchange(respond(400, Some("application/problem+json"), body)).unwrap_err();
    let TokenError::UnexpectedResponse { excerpt, .. } = &err else {
        panic!("{err}")
    };
    assert!(excerpt.as_str().contains("Bad Request") && excerpt.as_str().contains("grant expired"));
}
