//! The commands that work on a stored login: `token`, `status`, `refresh`,
//! `revoke`, `logout`, `profiles`.

use std::time::{Duration, SystemTime};

use oauth_flow::{Authorized, FlowState, Freshness, RevocationError, TokenTypeHint};
use oauth_flow_ureq::{Config, Driver};
use zeroize::Zeroizing;

use crate::fail::{self, CliError, Exit, driver_error};
use crate::keyring::Keyring;
use crate::show::Summary;
use crate::store::{Place, Store};

fn no_login(profile: &str) -> CliError {
    CliError::new(
        Exit::LoginNeeded,
        format!("no login stored for profile `{profile}`"),
    )
    .hint(format!(
        "oauth-flow login --profile {profile} --issuer URL --client-id ID"
    ))
}

/// The stored tokens of `profile`, as `Authorized` (possibly stale) or
/// `Expired`.
enum Stored {
    Authorized(Authorized),
    Expired(oauth_flow::Expired),
}

fn load(store: &Store, profile: &str) -> Result<Stored, CliError> {
    match store.load(profile)? {
        Some(FlowState::Authorized(authorized)) => Ok(Stored::Authorized(authorized)),
        Some(FlowState::Expired(expired)) => Ok(Stored::Expired(expired)),
        Some(other) => Err(CliError::new(
            Exit::LoginNeeded,
            format!(
                "profile `{profile}` holds an unfinished flow ({})",
                other.name()
            ),
        )
        .hint("log in again with `oauth-flow login`")),
        None => Err(no_login(profile)),
    }
}

/// Refreshes and stores the result, whatever it is: the new tokens, or the
/// old ones handed back (without the refresh token when the server refused
/// it, so the next call says "log in" without asking the server again).
fn refresh_and_store(
    store: &Store,
    profile: &str,
    refreshing: Result<oauth_flow::Refreshing, CliError>,
) -> Result<FlowState, CliError> {
    let driver = Driver::new(Config::new())?;
    let refreshing = refreshing?;
    let endpoint = refreshing
        .discovered()
        .metadata()
        .token_endpoint
        .url()
        .clone();
    match driver.refresh_from(refreshing) {
        Ok(authorized) => {
            let state = FlowState::from(authorized);
            store.save(profile, &state)?;
            Ok(state)
        }
        Err(failed) => {
            let (error, state) = failed.into_parts();
            if let Some(state) = state.filter(|s| matches!(s, FlowState::Authorized(_))) {
                store.save(profile, &state)?;
            }
            Err(CliError::from(error).context(format_args!("refresh at {endpoint}")))
        }
    }
}

fn start_refresh(stored: Stored) -> Result<oauth_flow::Refreshing, CliError> {
    // `refresh` may find a token that has not expired: say only what is true.
    let message = match &stored {
        Stored::Authorized(_) => "there is no refresh token to renew the access token with",
        Stored::Expired(_) => "the access token expired and there is no refresh token",
    };
    let no_refresh =
        || CliError::new(Exit::LoginNeeded, message).hint("log in again with `oauth-flow login`");
    // Only a missing refresh token gets the message above; any other reason
    // (a guessed token endpoint) is reported as it is.
    let why = |error: oauth_flow::RefreshError| match error {
        oauth_flow::RefreshError::NoRefreshToken => no_refresh(),
        other => CliError::from(oauth_flow_ureq::Error::from(other)),
    };
    match stored {
        Stored::Authorized(authorized) => authorized.refresh().map_err(|r| why(r.into_error())),
        Stored::Expired(expired) => expired.refresh().map_err(|r| why(r.into_error())),
    }
}

/// Prints the access token alone, refreshing first when it is expired or will
/// be within `min_valid` seconds.
pub(crate) fn token(store: &Store, profile: &str, min_valid: u64) -> Result<(), CliError> {
    let token = fresh_token(store, profile, min_valid)?;
    outln!("{}", token.as_str());
    Ok(())
}

/// The access token, refreshed first when it is expired or will be within
/// `min_valid` seconds. Holds the profile's lock throughout, so two calls at
/// once refresh once: the second finds the first one's fresh token.
pub(crate) fn fresh_token(
    store: &Store,
    profile: &str,
    min_valid: u64,
) -> Result<Zeroizing<String>, CliError> {
    let _lock = store.lock(profile)?;
    let deadline = SystemTime::now() + Duration::from_secs(min_valid);
    let state = match load(store, profile)? {
        Stored::Authorized(authorized) => match authorized.check(deadline) {
            Freshness::Fresh(authorized) => FlowState::from(authorized),
            Freshness::Expired(expired) => {
                refresh_and_store(store, profile, start_refresh(Stored::Expired(expired)))?
            }
        },
        expired @ Stored::Expired(_) => refresh_and_store(store, profile, start_refresh(expired))?,
    };
    let FlowState::Authorized(authorized) = &state else {
        return Err(no_login(profile));
    };
    // Checks the token type and the expiry once more.
    authorized
        .bearer(SystemTime::now())
        .map_err(|e| fail::bearer(&e))?;
    Ok(Zeroizing::new(
        authorized.tokens().access_token().secret().to_owned(),
    ))
}

/// The stored login and where it is kept. A keyring profile is opened with
/// its key, so that what `status` shows is what `token` would use.
pub(crate) fn status(store: &Store, profile: &str, json: bool) -> Result<(), CliError> {
    let state = store.load(profile)?.ok_or_else(|| no_login(profile))?;
    let summary = Summary::of(profile, &state, SystemTime::now()).ok_or_else(|| {
        CliError::new(
            Exit::LoginNeeded,
            format!("profile `{profile}` holds no tokens"),
        )
    })?;
    let place = store.place(profile)?.unwrap_or(Place::File);
    summary.stored(&place, &store.file(profile)).print(json);
    Ok(())
}

pub(crate) fn refresh(store: &Store, profile: &str, json: bool) -> Result<(), CliError> {
    let _lock = store.lock(profile)?;
    let stored = load(store, profile)?;
    let state = refresh_and_store(store, profile, start_refresh(stored))?;
    if let Some(summary) = Summary::of(profile, &state, SystemTime::now()) {
        let place = store.place(profile)?.unwrap_or(Place::File);
        summary.stored(&place, &store.file(profile)).print(json);
    }
    Ok(())
}

/// Revokes the refresh token (or, without one, the access token) at the
/// server, then forgets the login, with its key in the OS keyring if it has
/// one. A server without a revocation endpoint is said so plainly, and the
/// login is forgotten all the same.
pub(crate) fn revoke(store: &Store, profile: &str) -> Result<(), CliError> {
    let _lock = store.lock(profile)?;
    let stored = load(store, profile)?;
    let has_refresh = match &stored {
        Stored::Authorized(a) => a.tokens().refresh_token().is_some(),
        Stored::Expired(e) => e.tokens().refresh_token().is_some(),
    };
    let hint = if has_refresh {
        TokenTypeHint::RefreshToken
    } else {
        TokenTypeHint::AccessToken
    };
    let revoking = match stored {
        Stored::Authorized(a) => a.revoke(hint).map_err(oauth_flow::Rejected::into_error),
        Stored::Expired(e) => e.revoke(hint).map_err(oauth_flow::Rejected::into_error),
    };
    match revoking {
        Ok(revoking) => {
            let driver = Driver::new(Config::new())?;
            let endpoint = revoking.endpoint().clone();
            driver.revoke_from(revoking).map_err(|failed| {
                CliError::from(failed)
                    .context(format_args!("revocation at {endpoint}"))
                    .hint(format!(
                        "try again later, or forget the login locally: \
                     oauth-flow logout --profile {profile}"
                    ))
            })?;
            store.remove(profile)?;
            let what = match hint {
                TokenTypeHint::RefreshToken => "the refresh token (and with it its access tokens)",
                TokenTypeHint::AccessToken => "the access token",
            };
            outln!("Revoked {what} at the server and forgot profile `{profile}`.");
        }
        Err(RevocationError::Unsupported) => {
            store.remove(profile)?;
            outln!(
                "The server offers no revocation endpoint, so the tokens stay valid there until \
                 they expire. Forgot profile `{profile}` locally."
            );
        }
        Err(other) => return Err(driver_error(other)),
    }
    Ok(())
}

/// Forgets the login: the profile's file, and its key in the OS keyring if
/// it has one. Works without the keyring too: the key that stays then opens
/// nothing.
pub(crate) fn logout(store: &Store, profile: &str) -> Result<(), CliError> {
    let _lock = store.lock(profile)?;
    let place = store.place(profile)?;
    if store.remove(profile)? {
        let key = match place {
            Some(Place::Keyring(_)) => format!(" and its key in {}", Keyring::SYSTEM),
            _ => String::new(),
        };
        outln!(
            "Forgot profile `{profile}`{key}. The tokens stay valid at the server until they \
             expire; `oauth-flow revoke` ends them there."
        );
    } else {
        outln!("No login stored for profile `{profile}`.");
    }
    Ok(())
}

/// The profiles and where each keeps its tokens (`file` or `keyring`),
/// read from the files alone: listing asks the keyring nothing.
pub(crate) fn profiles(store: &Store, json: bool) -> Result<(), CliError> {
    #[derive(serde::Serialize)]
    struct Listed {
        profile: String,
        stored_in: &'static str,
    }

    let listed: Vec<Listed> = store
        .list()?
        .into_iter()
        .map(|profile| {
            let stored_in = match store.place(&profile) {
                Ok(Some(place)) => place.as_str(),
                Ok(None) | Err(_) => "unreadable",
            };
            Listed { profile, stored_in }
        })
        .collect();
    if json {
        // A list of names and words always serializes.
        outln!("{}", serde_json::to_string(&listed).unwrap_or_default());
    } else if listed.is_empty() {
        outln!("No profiles in {}.", store.dir().display());
    } else {
        let width = listed.iter().map(|l| l.profile.len()).max().unwrap_or(0);
        for Listed { profile, stored_in } in listed {
            outln!("{profile:width$}  {stored_in}");
        }
    }
    Ok(())
}
