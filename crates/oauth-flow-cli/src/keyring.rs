//! The OS keyring, where a profile logged in with `--keyring` keeps the key
//! that opens its file.
//!
//! One entry per profile and issuer: service `oauth-flow`, user
//! `PROFILE@ISSUER` (a profile name holds no `@`, so the split is plain). The
//! entry's secret is the profile's 256-bit key, as base64 text, which every
//! backend stores (`KWallet`, behind the Secret Service, takes only text).
//!
//! The backends, with the `keyring` feature: the macOS Keychain, the Windows
//! Credential Manager, and the Secret Service on Linux and the BSDs. Without
//! the feature every call fails with a message that says how to get it.

use std::fmt;

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::fail::CliError;

/// The service of every entry this tool writes.
pub(crate) const SERVICE: &str = "oauth-flow";

/// Names one entry in the OS keyring.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct EntryName {
    pub(crate) service: String,
    pub(crate) user: String,
}

impl EntryName {
    /// The entry of `profile` logged in at `issuer`.
    pub(crate) fn new(profile: &str, issuer: &str) -> Self {
        Self {
            service: SERVICE.to_owned(),
            user: format!("{profile}@{issuer}"),
        }
    }
}

impl EntryName {
    /// The entry a login writes and deletes to check the keyring. Its user,
    /// `PROFILE@check`, names no issuer, so it is no profile's entry.
    pub(crate) fn check(profile: &str) -> Self {
        Self {
            service: SERVICE.to_owned(),
            user: format!("{profile}@check"),
        }
    }
}

impl fmt::Display for EntryName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "service `{}`, user `{}`", self.service, self.user)
    }
}

/// The way around a keyring that cannot be used.
const USE_A_FILE: &str = "log in with --no-keyring to keep the tokens in a file only you can read";

/// The OS keyring of this build: the system's own, or none.
pub(crate) struct Keyring {
    backend: backend::Backend,
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(Self::SYSTEM)
    }
}

impl Keyring {
    /// The keyring's name in messages.
    pub(crate) const SYSTEM: &str = backend::SYSTEM;

    /// The keyring of the system, opened on first use.
    pub(crate) fn os() -> Self {
        Self {
            backend: backend::Backend::os(),
        }
    }

    /// A keyring on `store`, such as keyring-core's in-memory mock store.
    #[cfg(all(test, feature = "keyring"))]
    pub(crate) fn on(store: std::sync::Arc<keyring_core::CredentialStore>) -> Self {
        Self {
            backend: backend::Backend::on(store),
        }
    }

    /// A keyring that cannot be opened, like the Secret Service where no
    /// keyring daemon runs.
    #[cfg(all(test, feature = "keyring"))]
    pub(crate) fn unreachable() -> Self {
        Self {
            backend: backend::Backend::unreachable(),
        }
    }

    /// Fails now, before a login starts, when the keyring cannot be used:
    /// writes and deletes a check entry for `profile`, so that a keyring
    /// that is locked, or has no collection to write to, asks to be
    /// unlocked or is refused here, not after the code has been spent.
    pub(crate) fn check(&self, profile: &str) -> Result<(), CliError> {
        let entry = EntryName::check(profile);
        self.backend.set(
            &entry,
            "written and deleted by `oauth-flow login --keyring`",
        )?;
        self.backend.delete(&entry).map(drop)
    }

    /// The entry's secret; `None` when there is no such entry.
    pub(crate) fn get(&self, entry: &EntryName) -> Result<Option<Zeroizing<String>>, CliError> {
        self.backend.get(entry)
    }

    /// Creates or replaces the entry.
    pub(crate) fn set(&self, entry: &EntryName, secret: &str) -> Result<(), CliError> {
        self.backend.set(entry, secret)
    }

    /// Deletes the entry; `false` when there was none.
    pub(crate) fn delete(&self, entry: &EntryName) -> Result<bool, CliError> {
        self.backend.delete(entry)
    }
}

/// A build without the `keyring` feature: every call says how to get it.
#[cfg(not(feature = "keyring"))]
mod backend {
    use zeroize::Zeroizing;

    use super::{EntryName, USE_A_FILE};
    use crate::fail::{CliError, Exit};

    pub(super) const SYSTEM: &str = "the OS keyring";

    pub(super) struct Backend;

    // The same calls as the real backend's, which needs `self`.
    #[allow(clippy::unused_self)]
    impl Backend {
        pub(super) fn os() -> Self {
            Self
        }

        pub(super) fn get(&self, _: &EntryName) -> Result<Option<Zeroizing<String>>, CliError> {
            Err(absent())
        }

        pub(super) fn set(&self, _: &EntryName, _: &str) -> Result<(), CliError> {
            Err(absent())
        }

        pub(super) fn delete(&self, _: &EntryName) -> Result<bool, CliError> {
            Err(absent())
        }
    }

    fn absent() -> CliError {
        CliError::new(
            Exit::Keyring,
            "this oauth-flow was built without OS keyring support",
        )
        .hint(format!(
            "install oauth-flow again with `--features keyring`, or {USE_A_FILE}"
        ))
    }
}

#[cfg(feature = "keyring")]
mod backend {
    use std::sync::{Arc, Mutex, PoisonError};

    use keyring_core::{CredentialStore, Entry, Error};
    use zeroize::Zeroizing;

    use super::{EntryName, USE_A_FILE};
    use crate::fail::{CliError, Exit};

    #[cfg(target_os = "macos")]
    pub(super) const SYSTEM: &str = "the macOS Keychain";
    #[cfg(windows)]
    pub(super) const SYSTEM: &str = "the Windows Credential Manager";
    #[cfg(all(unix, not(any(target_vendor = "apple", target_os = "android"))))]
    pub(super) const SYSTEM: &str = "the Secret Service";
    #[cfg(not(any(
        target_os = "macos",
        windows,
        all(unix, not(any(target_vendor = "apple", target_os = "android")))
    )))]
    pub(super) const SYSTEM: &str = "the OS keyring";

    type Open = fn() -> keyring_core::Result<Arc<CredentialStore>>;

    /// A credential store, opened on first use and kept for the process.
    pub(super) struct Backend {
        open: Open,
        store: Mutex<Option<Arc<CredentialStore>>>,
    }

    impl Backend {
        pub(super) fn os() -> Self {
            Self {
                open: open_system_store,
                store: Mutex::new(None),
            }
        }

        #[cfg(test)]
        pub(super) fn on(store: Arc<CredentialStore>) -> Self {
            Self {
                open: || Err(Error::NoDefaultStore),
                store: Mutex::new(Some(store)),
            }
        }

        #[cfg(test)]
        pub(super) fn unreachable() -> Self {
            Self {
                open: || {
                    Err(Error::PlatformFailure(
                        "no keyring daemon in this test".into(),
                    ))
                },
                store: Mutex::new(None),
            }
        }

        fn store(&self) -> Result<Arc<CredentialStore>, CliError> {
            let mut store = self.store.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(store) = &*store {
                return Ok(Arc::clone(store));
            }
            let opened = (self.open)().map_err(|e| failure(&e, "open"))?;
            *store = Some(Arc::clone(&opened));
            Ok(opened)
        }

        fn entry(&self, name: &EntryName) -> Result<Entry, CliError> {
            Entry::new_in_store(&self.store()?, &name.service, &name.user)
                .map_err(|e| failure(&e, "name an entry in"))
        }

        pub(super) fn get(&self, name: &EntryName) -> Result<Option<Zeroizing<String>>, CliError> {
            match self.entry(name)?.get_password() {
                Ok(secret) => Ok(Some(Zeroizing::new(secret))),
                Err(Error::NoEntry) => Ok(None),
                Err(Error::BadEncoding(mut bytes)) => {
                    zeroize::Zeroize::zeroize(&mut bytes);
                    Err(not_ours(name))
                }
                Err(Error::Ambiguous(entries)) => Err(ambiguous(name, entries.len())),
                Err(e) => Err(failure(&e, "read from")),
            }
        }

        pub(super) fn set(&self, name: &EntryName, secret: &str) -> Result<(), CliError> {
            match self.entry(name)?.set_password(secret) {
                Ok(()) => Ok(()),
                Err(Error::Ambiguous(entries)) => Err(ambiguous(name, entries.len())),
                Err(e) => Err(failure(&e, "write to")),
            }
        }

        pub(super) fn delete(&self, name: &EntryName) -> Result<bool, CliError> {
            match self.entry(name)?.delete_credential() {
                Ok(()) => Ok(true),
                Err(Error::NoEntry) => Ok(false),
                Err(Error::Ambiguous(entries)) => Err(ambiguous(name, entries.len())),
                Err(e) => Err(failure(&e, "delete from")),
            }
        }
    }

    /// The store of this system.
    #[cfg(target_os = "macos")]
    fn open_system_store() -> keyring_core::Result<Arc<CredentialStore>> {
        let store: Arc<CredentialStore> = apple_native_keyring_store::keychain::Store::new()?;
        Ok(store)
    }

    /// The store of this system.
    #[cfg(windows)]
    fn open_system_store() -> keyring_core::Result<Arc<CredentialStore>> {
        let store: Arc<CredentialStore> = windows_native_keyring_store::Store::new()?;
        Ok(store)
    }

    /// The store of this system, reached over the session's D-Bus: opening
    /// it fails where no keyring daemon runs.
    #[cfg(all(unix, not(any(target_vendor = "apple", target_os = "android"))))]
    fn open_system_store() -> keyring_core::Result<Arc<CredentialStore>> {
        let store: Arc<CredentialStore> = zbus_secret_service_keyring_store::Store::new()?;
        Ok(store)
    }

    /// No keyring that this tool knows (iOS, Android, WASM, …).
    #[cfg(not(any(
        target_os = "macos",
        windows,
        all(unix, not(any(target_vendor = "apple", target_os = "android")))
    )))]
    fn open_system_store() -> keyring_core::Result<Arc<CredentialStore>> {
        Err(Error::NotSupportedByStore(
            "this operating system has no keyring that oauth-flow knows".into(),
        ))
    }

    /// Keyring errors carry no secret, except `Ambiguous` (whose entries
    /// may print theirs) and the bad-data variants (which hold the bytes):
    /// those are never formatted.
    fn failure(error: &Error, action: &str) -> CliError {
        let system = SYSTEM;
        match error {
            Error::NoStorageAccess(cause) => {
                CliError::new(Exit::Keyring, format!("{system} refused access: {cause}")).hint(
                    format!(
                        "unlock the keyring (its login collection, or the whole desktop session) \
                 and try again, or {USE_A_FILE}"
                    ),
                )
            }
            Error::PlatformFailure(cause) => {
                CliError::new(Exit::Keyring, format!("cannot {action} {system}: {cause}")).hint(
                    if cfg!(any(target_os = "macos", windows)) {
                        format!("try again, or {USE_A_FILE}")
                    } else {
                        format!(
                            "start a Secret Service in this session (GNOME Keyring, KWallet or \
                             KeePassXC; over SSH, `dbus-run-session` and an unlocked \
                             gnome-keyring-daemon), or {USE_A_FILE}"
                        )
                    },
                )
            }
            Error::TooLong(what, limit) => CliError::new(
                Exit::Keyring,
                format!("{system} takes at most {limit} characters in an entry's {what}"),
            )
            .hint(format!("use a shorter --profile name, or {USE_A_FILE}")),
            Error::BadEncoding(_) | Error::BadDataFormat(..) => CliError::new(
                Exit::Keyring,
                format!("cannot {action} {system}: it answered with unreadable data"),
            ),
            Error::Ambiguous(entries) => CliError::new(
                Exit::Keyring,
                format!("{system} holds {} matching entries", entries.len()),
            ),
            other => CliError::new(Exit::Keyring, format!("cannot {action} {system}: {other}"))
                .hint(USE_A_FILE),
        }
    }

    fn not_ours(name: &EntryName) -> CliError {
        CliError::new(
            Exit::LoginNeeded,
            format!("the entry in {SYSTEM} ({name}) holds no key written by oauth-flow"),
        )
        .hint("log in again with `oauth-flow login --keyring`, which replaces it")
    }

    fn ambiguous(name: &EntryName, count: usize) -> CliError {
        CliError::new(
            Exit::Keyring,
            format!("{SYSTEM} holds {count} entries for {name}, where oauth-flow keeps one"),
        )
        .hint(
            "delete them with the keyring's own tool (Keychain Access, Seahorse, \
             `secret-tool clear`), then log in again",
        )
    }
}
