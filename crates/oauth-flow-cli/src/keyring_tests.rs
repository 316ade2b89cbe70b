//! The keyring path of the commands, in this process, against the testkit
//! server and keyring-core's in-memory mock store, so `cargo test --features
//! keyring` needs no D-Bus and no desktop. The mock keeps one credential per
//! service and user for as long as the store lives: several `Store`s on one
//! mock behave like several processes on one OS keyring.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use clap::Parser as _;
use keyring_core::{CredentialStore, Entry};
use oauth_flow_testkit::{DEMO_CLIENT_ID, ServerConfig, TestServer};

use crate::commands;
use crate::fail::Exit;
use crate::keyring::{EntryName, Keyring, SERVICE};
use crate::store::{Place, Store};
use crate::{Cli, Command, LoginArgs, login};

/// A store directory of its own, removed at the end.
struct Dir(PathBuf);

impl Dir {
    fn new() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("oauth-flow-keyring-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        Self(dir)
    }

    /// A store here on `keyring`; a new one stands for a new process.
    fn store(&self, keyring: &Arc<CredentialStore>) -> Store {
        Store::with_keyring(self.0.clone(), Keyring::on(Arc::clone(keyring)))
    }

    fn profile_text(&self, profile: &str) -> String {
        std::fs::read_to_string(self.0.join("profiles").join(format!("{profile}.json"))).unwrap()
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn mock_keyring() -> Arc<CredentialStore> {
    let store: Arc<CredentialStore> = keyring_core::mock::Store::new().unwrap();
    store
}

fn key_in(keyring: &Arc<CredentialStore>, profile: &str, issuer: &str) -> Option<String> {
    let user = format!("{profile}@{issuer}");
    match Entry::new_in_store(keyring, SERVICE, &user)
        .unwrap()
        .get_password()
    {
        Ok(key) => Some(key),
        Err(keyring_core::Error::NoEntry) => None,
        Err(other) => panic!("{other}"),
    }
}

fn login_args(server: &TestServer, extra: &[&str]) -> LoginArgs {
    let issuer = [
        "--issuer",
        server.issuer(),
        "--client-id",
        DEMO_CLIENT_ID,
        "--scope",
        "read",
    ];
    let mut args = vec!["oauth-flow", "login", "--no-browser", "--timeout", "20"];
    if !extra.contains(&"--resource") {
        args.extend_from_slice(&issuer);
    }
    args.extend_from_slice(extra);
    match Cli::try_parse_from(args).unwrap().command {
        Command::Login(args) => *args,
        other => panic!("{other:?}"),
    }
}

/// The person's browser: opens the URL, follows the redirect back.
fn browse(url: &str) {
    let agent = ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .max_redirects(0)
            .http_status_as_error(false)
            .build(),
    );
    let response = agent.get(url).call().unwrap();
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let _ = agent.get(&location).call();
}

fn login(store: &Store, server: &TestServer, extra: &[&str]) {
    login::run_with(store, "default", &login_args(server, extra), |url| {
        let url = url.to_string();
        std::thread::spawn(move || browse(&url));
    })
    .unwrap_or_else(|e| panic!("{e}"));
}

fn refresh_count(server: &TestServer) -> usize {
    server
        .requests_to("/token")
        .iter()
        .filter(|r| r.form_param("grant_type") == Some("refresh_token"))
        .count()
}

fn token(store: &Store) -> String {
    commands::fresh_token(store, "default", 0)
        .unwrap_or_else(|e| panic!("{e}"))
        .to_string()
}

#[test]
fn login_with_keyring_seals_the_file_and_puts_the_key_in_the_keyring() {
    let server = TestServer::start(ServerConfig::new());
    let (dir, keyring) = (Dir::new(), mock_keyring());
    let store = dir.store(&keyring);
    login(&store, &server, &["--keyring"]);

    let key = key_in(&keyring, "default", server.issuer()).expect("a key in the keyring");
    assert_eq!(key.len(), 43, "256 bits in base64url");
    let entry = match store.place("default").unwrap() {
        Some(Place::Keyring(entry)) => entry,
        other => panic!("{other:?}"),
    };
    assert_eq!(entry.user, format!("default@{}", server.issuer()));

    let access_token = token(&store);
    let text = dir.profile_text("default");
    let file: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(file["format"], "oauth-flow/sealed-state");
    assert_eq!(file["issuer"], server.issuer());
    assert_eq!(file["keyring"]["service"], "oauth-flow");
    assert!(!text.contains(&access_token), "the access token is on disk");
    assert!(!text.contains(&key), "the key is on disk");
    assert!(!text.contains("refresh_token") && !text.contains("Bearer"));

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let path = store.file("default");
        let mode = std::fs::metadata(path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn token_reads_and_refreshes_through_the_keyring() {
    let server = TestServer::start(ServerConfig::new());
    let (dir, keyring) = (Dir::new(), mock_keyring());
    login(&dir.store(&keyring), &server, &["--keyring"]);
    let key = key_in(&keyring, "default", server.issuer());

    let first = token(&dir.store(&keyring));
    assert_eq!(refresh_count(&server), 0, "a fresh token needs no refresh");
    // An hour-long token refreshed because it must last two.
    let second = commands::fresh_token(&dir.store(&keyring), "default", 7200)
        .unwrap_or_else(|e| panic!("{e}"))
        .to_string();
    assert_eq!(refresh_count(&server), 1);
    assert_ne!(first, second);

    let spent = server.requests_to("/token")[1]
        .form_param("refresh_token")
        .unwrap()
        .to_owned();
    let text = dir.profile_text("default");
    assert!(!text.contains(&second) && !text.contains(&spent));
    assert_eq!(
        key_in(&keyring, "default", server.issuer()),
        key,
        "a refresh rewrites the file, not the key"
    );
    assert_eq!(
        token(&dir.store(&keyring)),
        second,
        "another process reads the refreshed token"
    );
    assert_eq!(refresh_count(&server), 1);
}

#[test]
fn concurrent_token_calls_with_the_keyring_refresh_once() {
    // Six seconds: the refreshed token stays fresh for three (the skew is
    // at most half the lifetime), time enough for the other calls to find
    // it on a loaded machine instead of refreshing again.
    let server =
        TestServer::start(ServerConfig::new().access_token_lifetime(Duration::from_secs(6)));
    let (dir, keyring) = (Dir::new(), mock_keyring());
    login(&dir.store(&keyring), &server, &["--keyring"]);
    std::thread::sleep(Duration::from_millis(6100));

    // One store each, as separate processes have: each reads the key itself
    // and takes the lock file on its own descriptor.
    let tokens: Vec<String> = std::thread::scope(|scope| {
        let calls: Vec<_> = (0..4)
            .map(|_| {
                let store = dir.store(&keyring);
                scope.spawn(move || token(&store))
            })
            .collect();
        calls.into_iter().map(|c| c.join().unwrap()).collect()
    });
    assert_eq!(
        refresh_count(&server),
        1,
        "exactly one refresh reached the server"
    );
    assert!(tokens.iter().all(|t| *t == tokens[0]), "{}", tokens.len());
}

#[test]
fn logout_deletes_the_key_from_the_keyring() {
    let server = TestServer::start(ServerConfig::new());
    let (dir, keyring) = (Dir::new(), mock_keyring());
    let store = dir.store(&keyring);
    login(&store, &server, &["--keyring"]);
    assert!(key_in(&keyring, "default", server.issuer()).is_some());

    commands::logout(&dir.store(&keyring), "default").unwrap();
    assert!(key_in(&keyring, "default", server.issuer()).is_none());
    assert!(!store.file("default").exists());
    assert!(server.requests_to("/revoke").is_empty());
}

#[test]
fn revoke_ends_the_tokens_and_deletes_the_key() {
    let server = TestServer::start(ServerConfig::new());
    let (dir, keyring) = (Dir::new(), mock_keyring());
    login(&dir.store(&keyring), &server, &["--keyring"]);

    commands::revoke(&dir.store(&keyring), "default").unwrap();
    assert_eq!(server.requests_to("/revoke").len(), 1);
    assert!(key_in(&keyring, "default", server.issuer()).is_none());
    assert!(!dir.store(&keyring).file("default").exists());
}

#[test]
fn a_login_whose_key_is_gone_asks_for_a_new_login() {
    let server = TestServer::start(ServerConfig::new());
    let (dir, keyring) = (Dir::new(), mock_keyring());
    login(&dir.store(&keyring), &server, &["--keyring"]);
    let user = format!("default@{}", server.issuer());
    Entry::new_in_store(&keyring, SERVICE, &user)
        .unwrap()
        .delete_credential()
        .unwrap();

    let error = commands::fresh_token(&dir.store(&keyring), "default", 0).unwrap_err();
    assert_eq!(error.exit(), Exit::LoginNeeded, "{error}");
    assert!(error.to_string().contains("is gone from"), "{error}");
    assert!(error.to_string().contains("--keyring"), "{error}");
}

#[test]
fn a_key_that_does_not_open_the_file_is_refused() {
    let server = TestServer::start(ServerConfig::new());
    let (dir, keyring) = (Dir::new(), mock_keyring());
    login(&dir.store(&keyring), &server, &["--keyring"]);
    let user = format!("default@{}", server.issuer());
    let other = crate::sealed::Key::generate().unwrap().to_text();
    Entry::new_in_store(&keyring, SERVICE, &user)
        .unwrap()
        .set_password(&other)
        .unwrap();

    let error = commands::fresh_token(&dir.store(&keyring), "default", 0).unwrap_err();
    assert!(error.to_string().contains("does not open"), "{error}");
    assert!(error.to_string().contains("log in again"), "{error}");
}

#[test]
fn a_new_login_keeps_the_keyring_with_a_new_key_and_no_keyring_moves_to_a_file() {
    let server = TestServer::start(ServerConfig::new());
    let (dir, keyring) = (Dir::new(), mock_keyring());
    login(&dir.store(&keyring), &server, &["--keyring"]);
    let first_key = key_in(&keyring, "default", server.issuer()).unwrap();

    login(&dir.store(&keyring), &server, &[]);
    let store = dir.store(&keyring);
    assert!(matches!(
        store.place("default").unwrap(),
        Some(Place::Keyring(_))
    ));
    let second_key = key_in(&keyring, "default", server.issuer()).unwrap();
    assert_ne!(first_key, second_key, "each login draws a new key");
    token(&store);

    login(&dir.store(&keyring), &server, &["--no-keyring"]);
    let store = dir.store(&keyring);
    assert_eq!(store.place("default").unwrap(), Some(Place::File));
    assert!(key_in(&keyring, "default", server.issuer()).is_none());
    let access_token = token(&store);
    assert!(dir.profile_text("default").contains(&access_token));
}

#[test]
fn a_keyring_that_cannot_be_reached_stops_the_login_before_the_browser() {
    let server = TestServer::start(ServerConfig::new());
    let dir = Dir::new();
    let store = Store::with_keyring(dir.0.clone(), Keyring::unreachable());
    let shown = AtomicBool::new(false);
    let args = login_args(&server, &["--keyring"]);
    let error = login::run_with(&store, "default", &args, |_| {
        shown.store(true, Ordering::Relaxed);
    })
    .unwrap_err();

    assert_eq!(error.exit(), Exit::Keyring, "{error}");
    assert!(!shown.load(Ordering::Relaxed), "the browser step started");
    assert!(server.requests_to("/token").is_empty());
    let text = error.to_string();
    assert!(text.contains("no keyring daemon in this test"), "{text}");
    assert!(text.contains("--no-keyring"), "a way around it: {text}");
    assert!(store.place("default").unwrap().is_none());
}

#[test]
fn a_keyring_that_refuses_to_write_stops_the_login_before_the_browser() {
    // A Secret Service with no unlocked collection connects, then refuses
    // the first write: the login's check writes before the browser step.
    let server = TestServer::start(ServerConfig::new());
    let (dir, keyring) = (Dir::new(), mock_keyring());
    let check = EntryName::check("default");
    let entry = Entry::new_in_store(&keyring, &check.service, &check.user).unwrap();
    let mock: &keyring_core::mock::Cred = entry.as_any().downcast_ref().unwrap();
    mock.set_error(keyring_core::Error::NoStorageAccess(
        "collection is locked".into(),
    ));

    let shown = AtomicBool::new(false);
    let args = login_args(&server, &["--keyring"]);
    let error = login::run_with(&dir.store(&keyring), "default", &args, |_| {
        shown.store(true, Ordering::Relaxed);
    })
    .unwrap_err();
    assert_eq!(error.exit(), Exit::Keyring, "{error}");
    assert!(!shown.load(Ordering::Relaxed), "the browser step started");
    let text = error.to_string();
    assert!(
        text.contains("refused access: collection is locked"),
        "{text}"
    );
    assert!(text.contains("unlock the keyring"), "{text}");

    login(&dir.store(&keyring), &server, &["--keyring"]);
    assert!(
        key_in(&keyring, "default", "check").is_none(),
        "the check entry is deleted"
    );
}

#[test]
fn a_login_found_from_a_resource_is_sealed_too_and_its_client_reused() {
    let server = TestServer::start(ServerConfig::new());
    let (dir, keyring) = (Dir::new(), mock_keyring());
    let resource = server.resource_url();
    login(
        &dir.store(&keyring),
        &server,
        &["--resource", &resource, "--keyring"],
    );
    let store = dir.store(&keyring);
    assert!(matches!(
        store.place("default").unwrap(),
        Some(Place::Keyring(_))
    ));
    assert!(key_in(&keyring, "default", server.issuer()).is_some());
    let access_token = token(&store);
    assert!(!dir.profile_text("default").contains(&access_token));

    // The second login opens the sealed file to find the registered client.
    login(&dir.store(&keyring), &server, &["--resource", &resource]);
    let registrations = server
        .requests()
        .iter()
        .filter(|r| r.path().ends_with("/register"))
        .count();
    assert_eq!(registrations, 1, "the registered client was used again");
    assert!(matches!(
        dir.store(&keyring).place("default").unwrap(),
        Some(Place::Keyring(_))
    ));
}

#[test]
fn status_shows_the_keyring_entry_and_never_the_key() {
    let server = TestServer::start(ServerConfig::new());
    let (dir, keyring) = (Dir::new(), mock_keyring());
    let store = dir.store(&keyring);
    login(&store, &server, &["--keyring"]);
    let state = store.load("default").unwrap().unwrap();
    let place = store.place("default").unwrap().unwrap();
    let summary = crate::show::Summary::of("default", &state, std::time::SystemTime::now())
        .unwrap()
        .stored(&place, &store.file("default"));

    let json = serde_json::to_value(&summary).unwrap();
    assert_eq!(json["stored_in"], "keyring");
    assert_eq!(json["keyring_entry"]["service"], "oauth-flow");
    assert_eq!(
        json["keyring_entry"]["user"],
        format!("default@{}", server.issuer())
    );
    let key = key_in(&keyring, "default", server.issuer()).unwrap();
    assert!(!json.to_string().contains(&key));
}
