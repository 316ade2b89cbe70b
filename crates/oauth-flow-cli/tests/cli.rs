//! The `oauth-flow` binary against the testkit server, playing the person at
//! the browser.

use std::io::{BufRead as _, BufReader, Read as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use oauth_flow_testkit::{
    AuthorizeOutcome, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_CONFIDENTIAL_CLIENT_ID, Quirk,
    ServerConfig, TestServer,
};

/// A store directory of its own for each test, removed at the end.
struct Store(PathBuf);

impl Store {
    fn new() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("oauth-flow-cli-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        Self(dir)
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_oauth-flow"));
        command
            .args(args)
            .env("OAUTH_FLOW_STORE", &self.0)
            .env_remove("OAUTH_FLOW_LOG");
        command
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("the binary runs")
    }

    fn profile_file(&self, profile: &str) -> PathBuf {
        self.0.join("profiles").join(format!("{profile}.json"))
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn agent() -> ureq::Agent {
    ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .max_redirects(0)
            .http_status_as_error(false)
            .build(),
    )
}

/// What the person's browser does: opens the URL, follows the redirect.
/// Returns the redirect it followed (the callback URL, with the code).
fn browse(url: &str, tamper: impl FnOnce(&str) -> String) -> String {
    let response = agent()
        .get(url)
        .call()
        .expect("the authorization page answers");
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let callback = tamper(&location);
    let _ = agent().get(&callback).call();
    callback
}

/// Starts `login --no-browser`, reads the URL it prints, lets `browser`
/// act on it, and waits for the command to end.
fn login_with(
    store: &Store,
    extra: &[&str],
    env: &[(&str, &str)],
    browser: impl FnOnce(&str),
) -> (Output, String) {
    let mut args = vec!["login", "--no-browser", "--timeout", "20"];
    args.extend_from_slice(extra);
    if extra.contains(&"--issuer") && !extra.contains(&"--client-id") {
        args.extend_from_slice(&["--client-id", DEMO_CLIENT_ID]);
    }
    let mut child: Child = store
        .command(&args)
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    let url = loop {
        let mut line = String::new();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "login ended early: {seen}"
        );
        seen.push_str(&line);
        if let Some(url) = line.trim().strip_prefix("http") {
            break format!("http{url}");
        }
    };
    browser(&url);
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    seen.push_str(&rest);
    let mut output = child.wait_with_output().unwrap();
    output.stderr = seen.into_bytes();
    (output, url)
}

fn login(store: &Store, server: &TestServer, extra: &[&str]) -> Output {
    let mut args = vec!["--issuer", server.issuer(), "--scope", "read"];
    args.extend_from_slice(extra);
    let (output, _) = login_with(store, &args, &[], |url| {
        browse(url, str::to_owned);
    });
    assert!(
        output.status.success(),
        "login failed: {}",
        text(&output.stderr)
    );
    output
}

fn token(store: &Store) -> String {
    let output = store.run(&["token"]);
    assert!(
        output.status.success(),
        "token failed: {}",
        text(&output.stderr)
    );
    text(&output.stdout)
}

fn refresh_count(server: &TestServer) -> usize {
    server
        .requests_to("/token")
        .iter()
        .filter(|r| r.form_param("grant_type") == Some("refresh_token"))
        .count()
}

fn resource_status(server: &TestServer, token: &str) -> u16 {
    let response = agent()
        .get(&server.resource_url())
        .header("authorization", &format!("Bearer {token}"))
        .call()
        .unwrap();
    response.status().as_u16()
}

#[test]
fn login_stores_tokens_that_token_prints_alone() {
    let server = TestServer::start(ServerConfig::new());
    let store = Store::new();
    let output = login(&store, &server, &[]);
    let summary = text(&output.stdout);
    assert!(
        summary.contains(&format!("issuer:         {}", server.issuer())),
        "{summary}"
    );
    assert!(summary.contains("refresh token:  yes"), "{summary}");

    let printed = token(&store);
    assert!(
        printed.ends_with('\n') && printed.lines().count() == 1,
        "{printed:?}"
    );
    let access_token = printed.trim();
    assert_eq!(resource_status(&server, access_token), 200);
    assert!(!summary.contains(access_token), "login printed the token");
}

#[cfg(unix)]
#[test]
fn token_file_is_readable_by_the_user_only() {
    use std::os::unix::fs::PermissionsExt as _;
    let server = TestServer::start(ServerConfig::new());
    let store = Store::new();
    login(&store, &server, &[]);
    let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&store.profile_file("default")), 0o600);
    assert_eq!(mode(&store.0.join("profiles")), 0o700);
    assert_eq!(mode(&store.0), 0o700);
}

#[cfg(unix)]
#[test]
fn an_existing_store_directory_keeps_its_mode() {
    use std::os::unix::fs::PermissionsExt as _;
    let store = Store::new();
    std::fs::create_dir_all(&store.0).unwrap();
    std::fs::set_permissions(&store.0, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert!(store.run(&["logout"]).status.success());
    let mode = std::fs::metadata(&store.0).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o755, "a directory the user chose is not changed");
}

#[test]
fn expired_token_is_refreshed_before_it_is_printed() {
    // Fresh for three seconds (the skew is half of a short lifetime): time
    // enough for the first `token` on a loaded machine.
    let server =
        TestServer::start(ServerConfig::new().access_token_lifetime(Duration::from_secs(6)));
    let store = Store::new();
    login(&store, &server, &[]);
    let first = token(&store);
    assert_eq!(refresh_count(&server), 0, "a fresh token needs no refresh");

    std::thread::sleep(Duration::from_millis(6100));
    let second = token(&store);
    assert_eq!(refresh_count(&server), 1);
    assert_ne!(first, second);
    assert_eq!(resource_status(&server, second.trim()), 200);
}

#[test]
fn min_valid_refreshes_a_token_that_would_expire_too_soon() {
    let server = TestServer::start(ServerConfig::new());
    let store = Store::new();
    login(&store, &server, &[]);
    let output = store.run(&["token", "--min-valid", "7200"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(refresh_count(&server), 1);
}

#[test]
fn concurrent_token_calls_spend_the_refresh_token_once() {
    // Six seconds: the refreshed token then stays fresh for three (the skew
    // is capped at half the lifetime), time enough for the other calls to
    // start on a loaded machine and find it instead of refreshing again.
    let server =
        TestServer::start(ServerConfig::new().access_token_lifetime(Duration::from_secs(6)));
    let store = Store::new();
    login(&store, &server, &[]);
    std::thread::sleep(Duration::from_millis(6100));

    let children: Vec<Child> = (0..4)
        .map(|_| {
            store
                .command(&["token"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs: Vec<Output> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    for output in &outputs {
        assert!(output.status.success(), "{}", text(&output.stderr));
    }
    assert_eq!(
        refresh_count(&server),
        1,
        "exactly one refresh reached the server"
    );
    let tokens: Vec<String> = outputs.iter().map(|o| text(&o.stdout)).collect();
    assert!(tokens.iter().all(|t| *t == tokens[0]), "{tokens:?}");
}

#[test]
fn revoke_ends_the_tokens_at_the_server_and_forgets_them() {
    let server = TestServer::start(ServerConfig::new());
    let store = Store::new();
    login(&store, &server, &[]);
    let access_token = token(&store);

    let output = store.run(&["revoke"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(server.requests_to("/revoke").len(), 1);
    assert_eq!(resource_status(&server, access_token.trim()), 401);
    assert!(!store.profile_file("default").exists());

    let after = store.run(&["token"]);
    assert_eq!(after.status.code(), Some(3), "login needed");
    assert!(
        text(&after.stderr).contains("oauth-flow login"),
        "{}",
        text(&after.stderr)
    );
}

#[test]
fn forged_callback_is_ignored_and_the_login_completes() {
    let server = TestServer::start(ServerConfig::new());
    let store = Store::new();
    let issuer = ["--issuer", server.issuer()];
    let (output, _) = login_with(&store, &issuer, &[], |url| {
        let response = agent().get(url).call().unwrap();
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        let forged = location.replace("state=", "state=forged");
        let answer = agent().get(&forged).call().unwrap();
        assert_eq!(
            answer.status(),
            400,
            "the receiver refuses the forged callback"
        );
        assert_eq!(
            server.requests_to("/token").len(),
            0,
            "and exchanges nothing"
        );
        agent().get(&location).call().unwrap();
    });
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(
        server.requests_to("/token").len(),
        1,
        "only the real code was exchanged"
    );
}

#[test]
fn extra_parameters_reach_the_authorization_request() {
    let server = TestServer::start(ServerConfig::new());
    let store = Store::new();
    login(
        &store,
        &server,
        &["--param", "prompt=consent", "--param", "login_hint=a b"],
    );
    let authorize = &server.requests_to("/authorize")[0];
    assert_eq!(authorize.query_param("prompt"), Some("consent"));
    assert_eq!(authorize.query_param("login_hint"), Some("a b"));
}

#[test]
fn a_parameter_the_flow_sets_itself_cannot_be_replaced() {
    let server = TestServer::start(ServerConfig::new());
    let store = Store::new();
    let output = store.run(&[
        "login",
        "--no-browser",
        "--issuer",
        server.issuer(),
        "--client-id",
        DEMO_CLIENT_ID,
        "--param",
        "state=chosen",
    ]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("`state`"), "{stderr}");
    assert!(server.requests_to("/authorize").is_empty());

    let without_issuer = store.run(&[
        "login",
        "--no-browser",
        "--resource",
        &server.resource_url(),
        "--param",
        "prompt=consent",
    ]);
    assert_eq!(without_issuer.status.code(), Some(1));
    assert!(text(&without_issuer.stderr).contains("--param needs --issuer"));

    let malformed = store.run(&["login", "--issuer", server.issuer(), "--param", "prompt"]);
    assert_eq!(malformed.status.code(), Some(2), "a usage error");
    assert!(text(&malformed.stderr).contains("NAME=VALUE"));
}

#[test]
fn server_error_reaches_the_user_intact() {
    let server =
        TestServer::start(ServerConfig::new().authorize_outcome(AuthorizeOutcome::AccessDenied));
    let store = Store::new();
    let (output, _) = login_with(&store, &["--issuer", server.issuer()], &[], |url| {
        browse(url, str::to_owned);
    });
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(4), "{stderr}");
    assert!(stderr.contains("access_denied"), "{stderr}");
}

#[test]
fn wrong_client_secret_shows_the_servers_own_error() {
    let server = TestServer::start(ServerConfig::new());
    let store = Store::new();
    let args = [
        "--issuer",
        server.issuer(),
        "--client-id",
        DEMO_CONFIDENTIAL_CLIENT_ID,
        "--client-secret-env",
        "TEST_CLIENT_SECRET",
    ];
    let (output, _) = login_with(&store, &args, &[("TEST_CLIENT_SECRET", "wrong")], |url| {
        browse(url, str::to_owned);
    });
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(4), "{stderr}");
    assert_eq!(server.requests_to("/token").len(), 1);
    assert!(stderr.contains("invalid_client"), "{stderr}");
    assert!(
        stderr.contains("--client-id, the client secret"),
        "a hint follows: {stderr}"
    );
}

#[test]
fn client_secret_from_stdin_logs_in_a_confidential_client() {
    let server = TestServer::start(ServerConfig::new());
    let store = Store::new();
    let mut child = store
        .command(&[
            "login",
            "--no-browser",
            "--issuer",
            server.issuer(),
            "--client-id",
            DEMO_CONFIDENTIAL_CLIENT_ID,
            "--client-secret-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write as _;
        let mut stdin = child.stdin.take().unwrap();
        writeln!(stdin, "{DEMO_CLIENT_SECRET}").unwrap();
    }
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let url = loop {
        let mut line = String::new();
        assert!(stderr.read_line(&mut line).unwrap() > 0);
        if let Some(rest) = line.trim().strip_prefix("http") {
            break format!("http{rest}");
        }
    };
    browse(&url, str::to_owned);
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    let token_request = &server.requests_to("/token")[0];
    assert!(
        token_request
            .header("authorization")
            .is_some_and(|h| h.starts_with("Basic "))
    );
    assert!(!text(&output.stdout).contains(DEMO_CLIENT_SECRET));
}

#[test]
fn status_and_profiles_print_no_secret() {
    let server = TestServer::start(ServerConfig::new());
    let store = Store::new();
    login(&store, &server, &["--profile", "work"]);
    let access_token = text(&store.run(&["token", "--profile", "work"]).stdout);
    let status = store.run(&["status", "--profile", "work", "--json"]);
    assert!(status.status.success(), "{}", text(&status.stderr));
    let json: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(json["issuer"], server.issuer());
    assert_eq!(json["refresh_token"], true);
    assert_eq!(json["state"], "authorized");
    assert!(!text(&status.stdout).contains(access_token.trim()));
    let profiles = store.run(&["profiles", "--json"]);
    assert_eq!(
        text(&profiles.stdout).trim(),
        r#"[{"profile":"work","stored_in":"file"}]"#
    );
    assert_eq!(json["stored_in"], "file");
    assert!(json.get("keyring_entry").is_none());
}

#[test]
fn logout_forgets_without_calling_the_server() {
    let server = TestServer::start(ServerConfig::new());
    let store = Store::new();
    login(&store, &server, &[]);
    let output = store.run(&["logout"]);
    assert!(output.status.success());
    assert!(server.requests_to("/revoke").is_empty());
    assert_eq!(store.run(&["status"]).status.code(), Some(3));
}

#[test]
fn a_trace_log_of_a_whole_flow_holds_no_secret() {
    let server =
        TestServer::start(ServerConfig::new().access_token_lifetime(Duration::from_secs(2)));
    let store = Store::new();
    let mut callback = String::new();
    let (output, _) = login_with(&store, &["--issuer", server.issuer(), "-vv"], &[], |url| {
        callback = browse(url, str::to_owned);
    });
    assert!(output.status.success(), "{}", text(&output.stderr));
    std::thread::sleep(Duration::from_millis(2100));
    let refreshed = store
        .command(&["token", "-vv"])
        .env("OAUTH_FLOW_LOG", "trace")
        .output()
        .unwrap();
    assert!(refreshed.status.success());

    let logs = format!("{}{}", text(&output.stderr), text(&refreshed.stderr));
    let callback = url::Url::parse(&callback).unwrap();
    let code = callback
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let tokens = server.requests_to("/token");
    let verifier = tokens[0].form_param("code_verifier").unwrap().to_owned();
    let refresh_token = tokens[1].form_param("refresh_token").unwrap().to_owned();
    let access_token = text(&refreshed.stdout).trim().to_owned();
    for secret in [&code, &verifier, &refresh_token, &access_token] {
        assert!(
            !logs.contains(secret.as_str()),
            "a secret reached the log:\n{logs}"
        );
    }
}

#[test]
fn demo_runs_the_whole_flow_offline() {
    let output = Store::new().run(&["demo"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    for state in [
        "Discovering",
        "Discovered",
        "AwaitingCallback",
        "Exchanging",
        "Authorized",
        "Refreshing",
        "Revoking",
        "Revoked",
    ] {
        assert!(
            stdout.contains(&format!("{state}]")),
            "{state} missing:\n{stdout}"
        );
    }
}

#[test]
fn help_documents_the_exit_codes() {
    let output = Store::new().run(&["--help"]);
    let help = text(&output.stdout);
    assert!(
        help.contains("Exit codes:") && help.contains("3  no usable login"),
        "{help}"
    );
    assert!(help.contains("7  the OS keyring cannot be used"), "{help}");
}

#[test]
fn a_wrong_issuer_lists_every_metadata_url_tried() {
    let server = TestServer::start(ServerConfig::new());
    let store = Store::new();
    let wrong = format!("{}/nope", server.issuer());
    let output = store.run(&[
        "login",
        "--no-browser",
        "--issuer",
        &wrong,
        "--client-id",
        DEMO_CLIENT_ID,
    ]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(4), "{stderr}");
    assert!(
        stderr.contains("/.well-known/oauth-authorization-server/nope"),
        "{stderr}"
    );
    assert!(
        stderr.contains("/.well-known/openid-configuration/nope"),
        "{stderr}"
    );
    assert!(
        stderr.contains("/nope/.well-known/openid-configuration"),
        "{stderr}"
    );
    assert!(stderr.contains("try: check --issuer"), "{stderr}");
}

#[test]
fn login_from_a_resource_url_registers_and_gets_a_token_the_resource_accepts() {
    let server = TestServer::start(ServerConfig::default());
    let store = Store::new();
    let resource = server.resource_url();
    let (output, url) = login_with(&store, &["--resource", &resource], &[], |url| {
        browse(url, str::to_owned);
    });
    assert!(
        output.status.success(),
        "login failed: {}",
        text(&output.stderr)
    );
    assert!(
        text(&output.stdout).contains("Registered a client"),
        "{}",
        text(&output.stdout)
    );
    assert!(url.contains("resource="), "{url}");

    let access = token(&store);
    let response = agent()
        .get(&resource)
        .header("authorization", &format!("Bearer {}", access.trim()))
        .call()
        .unwrap();
    assert_eq!(response.status(), 200);

    // A second login of the profile uses the same client, without registering.
    let registrations = || {
        server
            .requests()
            .iter()
            .filter(|r| r.path().ends_with("/register"))
            .count()
    };
    assert_eq!(registrations(), 1);
    let (output, _) = login_with(&store, &["--resource", &resource], &[], |url| {
        browse(url, str::to_owned);
    });
    assert!(
        output.status.success(),
        "second login failed: {}",
        text(&output.stderr)
    );
    assert_eq!(registrations(), 1);
}

#[test]
fn refresh_without_a_refresh_token_says_so_without_claiming_the_token_expired() {
    // Razorpay's profile issues no refresh token.
    let server = TestServer::start(ServerConfig::default().quirk(Quirk::Razorpay));
    let store = Store::new();
    let resource = server.resource_url();
    let (output, _) = login_with(&store, &["--resource", &resource], &[], |url| {
        browse(url, str::to_owned);
    });
    assert!(output.status.success(), "{}", text(&output.stderr));
    let access = token(&store);

    let refreshed = store.run(&["refresh"]);
    let stderr = text(&refreshed.stderr);
    assert_eq!(refreshed.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("there is no refresh token to renew the access token with"),
        "{stderr}"
    );
    assert!(!stderr.contains("expired"), "{stderr}");
    assert_eq!(token(&store), access, "the login is left as it was");
}

#[test]
fn a_client_secret_is_never_sent_to_a_server_found_from_a_resource() {
    let server = TestServer::start(ServerConfig::default());
    let store = Store::new();
    let output = store
        .command(&[
            "login",
            "--resource",
            &server.resource_url(),
            "--client-secret-env",
            "SOME_SECRET",
        ])
        .env("SOME_SECRET", "s3cret")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(
        text(&output.stderr).contains("--issuer"),
        "{}",
        text(&output.stderr)
    );
    assert!(server.requests().is_empty());
}

/// A store whose OS keyring cannot be used: this build has none, or (with the
/// `keyring` feature, on Linux) the session bus it is told to use does not
/// exist, as on a server without a desktop.
fn without_keyring(store: &Store, args: &[&str]) -> Output {
    store
        .command(args)
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            format!("unix:path={}", store.0.join("no-bus").display()),
        )
        .output()
        .unwrap()
}

/// What the two kinds of build say when the keyring cannot be used.
const NO_KEYRING: &str = if cfg!(feature = "keyring") {
    "cannot open the Secret Service"
} else {
    "built without OS keyring support"
};

#[cfg(any(not(feature = "keyring"), target_os = "linux"))]
#[test]
fn login_with_an_unusable_keyring_fails_before_the_browser_and_says_what_to_try() {
    let server = TestServer::start(ServerConfig::new());
    let store = Store::new();
    let output = without_keyring(
        &store,
        &[
            "login",
            "--keyring",
            "--no-browser",
            "--issuer",
            server.issuer(),
            "--client-id",
            DEMO_CLIENT_ID,
        ],
    );
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(7), "{stderr}");
    assert!(stderr.contains(NO_KEYRING), "{stderr}");
    assert!(
        stderr.contains("try: ") && stderr.contains("--no-keyring"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("/authorize"),
        "the browser step started: {stderr}"
    );
    assert!(server.requests_to("/token").is_empty());
    assert!(!store.profile_file("default").exists());
}

#[test]
fn keyring_and_no_keyring_cannot_be_given_together() {
    let output = Store::new().run(&[
        "login",
        "--keyring",
        "--no-keyring",
        "--issuer",
        "https://as.example.com",
        "--client-id",
        "x",
    ]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
}

/// A profile as `login --keyring` leaves it: its file sealed, its key in the
/// keyring (which, here, holds none).
fn sealed_profile(store: &Store, profile: &str) {
    let issuer = "https://as.example.com";
    let file = serde_json::json!({
        "format": "oauth-flow/sealed-state",
        "version": 1,
        "issuer": issuer,
        "keyring": { "service": "oauth-flow", "user": format!("{profile}@{issuer}") },
        "nonce": "AAAAAAAAAAAAAAAA",
        "sealed": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    });
    let path = store.profile_file(profile);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, file.to_string()).unwrap();
}

#[cfg(any(not(feature = "keyring"), target_os = "linux"))]
#[test]
fn a_keyring_profile_is_listed_as_such_and_its_tokens_need_the_keyring() {
    let store = Store::new();
    sealed_profile(&store, "work");

    let profiles = without_keyring(&store, &["profiles", "--json"]);
    assert_eq!(
        text(&profiles.stdout).trim(),
        r#"[{"profile":"work","stored_in":"keyring"}]"#
    );
    let listed = without_keyring(&store, &["profiles"]);
    assert_eq!(text(&listed.stdout).trim(), "work  keyring");

    let output = without_keyring(&store, &["token", "--profile", "work"]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(7), "{stderr}");
    assert!(stderr.contains(NO_KEYRING), "{stderr}");
    assert!(output.stdout.is_empty());
}

#[test]
fn logout_forgets_a_keyring_profile_even_where_the_keyring_cannot_be_used() {
    let store = Store::new();
    sealed_profile(&store, "work");
    let output = without_keyring(&store, &["logout", "--profile", "work"]);
    let stderr = text(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(!store.profile_file("work").exists());
    if cfg!(any(not(feature = "keyring"), target_os = "linux")) {
        assert!(
            stderr.contains("stays in") && stderr.contains("opens nothing now"),
            "{stderr}"
        );
    }
}

#[test]
fn a_server_that_does_not_advertise_pkce_needs_the_named_opt_in() {
    let server = TestServer::start(ServerConfig::new().quirk(Quirk::NoCodeChallengeMethods));
    let store = Store::new();
    let resource = server.resource_url();
    let refused = store.run(&["login", "--resource", &resource, "--no-browser"]);
    assert_eq!(refused.status.code(), Some(4), "{}", text(&refused.stderr));
    assert!(
        text(&refused.stderr).contains("--lenient s256-not-advertised"),
        "{}",
        text(&refused.stderr)
    );

    let (output, _) = login_with(
        &store,
        &["--resource", &resource, "--lenient", "s256-not-advertised"],
        &[],
        |url| {
            browse(url, str::to_owned);
        },
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
}

#[test]
fn login_without_an_issuer_or_a_resource_is_a_usage_error() {
    let store = Store::new();
    let output = store.run(&["login", "--no-browser"]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
}
