//! The token store: one file per profile, readable only by the user.
//!
//! A profile file holds one [`FlowState`] snapshot (an `Authorized` or
//! `Expired` state): the server's checked metadata, the client configuration
//! and the tokens. Tokens are therefore only ever sent to the server that
//! issued them: the endpoints come from the same file.
//!
//! Files are written to a temporary file in the same directory with mode 0600,
//! synced, then renamed over the old one, so a crash leaves the old file or
//! the new one, never half of either. A lock file per profile serializes the
//! commands that may spend a refresh token.
//!
//! # Profiles in the OS keyring
//!
//! A profile logged in with `--keyring` keeps the same file, but sealed (see
//! [`crate::sealed`]): the snapshot encrypted with a key that only the OS
//! keyring holds, in the entry named by the profile and its issuer (see
//! [`crate::keyring`]). Nothing else changes: the file is written the same
//! way, under the same lock, so two `token` calls still refresh once. A login
//! writes a new key; a refresh writes only the file, with the key the command
//! read when it opened the profile. Forgetting the profile removes the file
//! and then the entry; an entry that cannot be removed (no keyring here) is
//! reported, and opens nothing once its file is gone.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use oauth_flow::FlowState;
use serde::Deserialize;
use zeroize::Zeroizing;

use crate::fail::{CliError, Exit};
use crate::keyring::{EntryName, Keyring};
use crate::sealed::{self, Key, SealedFile};

/// Where profiles live.
#[derive(Debug)]
pub(crate) struct Store {
    dir: PathBuf,
    keyring: Keyring,
    /// The keys of the keyring profiles this process opened, so that a
    /// save seals with the same key without asking the keyring again.
    keys: Mutex<HashMap<String, Opened>>,
}

/// The key of a keyring profile, and the entry it came from.
#[derive(Debug)]
struct Opened {
    entry: EntryName,
    key: Arc<Key>,
}

/// Where a profile keeps its tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Place {
    /// In its file, as they are.
    File,
    /// In its file, sealed with a key that this OS keyring entry holds.
    Keyring(EntryName),
}

impl Place {
    /// `file` or `keyring`, for JSON and `profiles`.
    pub(crate) fn as_str(&self) -> &'static str {
        match self {
            Self::File => "file",
            Self::Keyring(_) => "keyring",
        }
    }
}

/// A profile file, read.
enum Content {
    Plain(Zeroizing<String>),
    Sealed(SealedFile),
}

/// An exclusive hold on one profile, released when dropped.
#[derive(Debug)]
pub(crate) struct ProfileLock {
    _file: File,
}

impl Store {
    /// The store in `dir`, or in the user's config directory
    /// (`$XDG_CONFIG_HOME/oauth-flow`, `~/Library/Application Support/oauth-flow`,
    /// `%APPDATA%\oauth-flow`).
    pub(crate) fn open(dir: Option<PathBuf>) -> Result<Self, CliError> {
        let dir = match dir {
            Some(dir) => dir,
            None => config_dir()
                .ok_or_else(|| {
                    CliError::new(Exit::Failure, "cannot find the user's config directory")
                        .hint("set --store DIR or OAUTH_FLOW_STORE")
                })?
                .join("oauth-flow"),
        };
        Ok(Self::with_keyring(dir, Keyring::os()))
    }

    /// The store in `dir`, with `keyring` for the profiles that use one.
    pub(crate) fn with_keyring(dir: PathBuf, keyring: Keyring) -> Self {
        Self {
            dir,
            keyring,
            keys: Mutex::new(HashMap::new()),
        }
    }

    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    pub(crate) fn keyring(&self) -> &Keyring {
        &self.keyring
    }

    /// The profile's file.
    pub(crate) fn file(&self, profile: &str) -> PathBuf {
        self.path(profile)
    }

    fn profiles(&self) -> PathBuf {
        self.dir.join("profiles")
    }

    fn path(&self, profile: &str) -> PathBuf {
        self.profiles().join(format!("{profile}.json"))
    }

    /// Takes the profile's lock, waiting for another command that holds it.
    pub(crate) fn lock(&self, profile: &str) -> Result<ProfileLock, CliError> {
        self.ensure_dir()
            .map_err(|e| io_error("create the store directory", &self.dir, &e))?;
        let path = self.profiles().join(format!("{profile}.lock"));
        let file = private_options()
            .write(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| io_error("open the lock file", &path, &e))?;
        file.lock().map_err(|e| io_error("lock", &path, &e))?;
        Ok(ProfileLock { _file: file })
    }

    /// Where the profile keeps its tokens, read from its file without
    /// asking the keyring; `None` when there is no such profile. A file
    /// that is not a sealed one counts as a plain one.
    pub(crate) fn place(&self, profile: &str) -> Result<Option<Place>, CliError> {
        Ok(self.read(profile)?.map(|content| match content {
            Content::Plain(_) => Place::File,
            Content::Sealed(file) => Place::Keyring(file.keyring),
        }))
    }

    /// The profile's stored state, `None` when there is no such profile.
    /// A sealed file is opened with its key from the OS keyring.
    pub(crate) fn load(&self, profile: &str) -> Result<Option<FlowState>, CliError> {
        let path = self.path(profile);
        let (text, opened) = match self.read(profile)? {
            None => {
                self.forget_key(profile);
                return Ok(None);
            }
            Some(Content::Plain(text)) => (text, None),
            Some(Content::Sealed(file)) => {
                let key = self.key_of(profile, &file)?;
                let text = file.open(&key, profile).ok_or_else(|| {
                    unusable(
                        &path,
                        format_args!(
                            "it does not open with its key from {}; the file or the key was \
                             changed outside oauth-flow",
                            Keyring::SYSTEM
                        ),
                    )
                })?;
                (text, Some((file, key)))
            }
        };
        let state = FlowState::from_snapshot(&text).map_err(|e| unusable(&path, e))?;
        match opened {
            Some((file, key)) => {
                if token_issuer(&state) != Some(file.issuer.as_str()) {
                    return Err(unusable(
                        &path,
                        "its sealed login belongs to another issuer than the one it names",
                    ));
                }
                self.remember_key(profile, file.keyring, key);
            }
            None => self.forget_key(profile),
        }
        Ok(Some(state))
    }

    /// Replaces the profile's state where the profile keeps it: sealed with
    /// its key when it uses the OS keyring, as it is otherwise.
    pub(crate) fn save(&self, profile: &str, state: &FlowState) -> Result<(), CliError> {
        let keyring = matches!(self.place(profile)?, Some(Place::Keyring(_)));
        self.write(profile, state, keyring, false).map(drop)
    }

    /// Stores a new login: sealed with a new key kept in the OS keyring when
    /// `keyring` is true, as it is otherwise. A key the profile kept before
    /// is deleted from the keyring.
    pub(crate) fn save_login(
        &self,
        profile: &str,
        state: &FlowState,
        keyring: bool,
    ) -> Result<Place, CliError> {
        self.write(profile, state, keyring, true)
    }

    /// Forgets the profile: its file, then its key when it has one in the
    /// OS keyring. `false` when there was nothing to forget.
    pub(crate) fn remove(&self, profile: &str) -> Result<bool, CliError> {
        let place = self.place(profile)?;
        let path = self.path(profile);
        let removed = match fs::remove_file(&path) {
            Ok(()) => true,
            Err(e) if e.kind() == io::ErrorKind::NotFound => false,
            Err(e) => return Err(io_error("remove", &path, &e)),
        };
        self.forget_key(profile);
        if let Some(Place::Keyring(entry)) = place {
            self.delete_key(&entry);
        }
        Ok(removed)
    }

    fn read(&self, profile: &str) -> Result<Option<Content>, CliError> {
        /// Only the member that tells the two kinds of file apart.
        #[derive(Deserialize)]
        struct Format {
            format: Option<String>,
        }

        let path = self.path(profile);
        let text = match fs::read_to_string(&path) {
            Ok(text) => Zeroizing::new(text),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_error("read", &path, &e)),
        };
        let format = serde_json::from_str::<Format>(&text)
            .ok()
            .and_then(|f| f.format);
        if format.as_deref() != Some(sealed::FORMAT) {
            return Ok(Some(Content::Plain(text)));
        }
        serde_json::from_str(&text)
            .map(|file| Some(Content::Sealed(file)))
            .map_err(|e| {
                unusable(
                    &path,
                    format_args!("a sealed login that does not read: {e}"),
                )
            })
    }

    /// The key that opens the profile's sealed `file`, read afresh from the
    /// keyring entry of the profile and the issuer the file names (another
    /// process may have logged in again since this one last read it).
    fn key_of(&self, profile: &str, file: &SealedFile) -> Result<Arc<Key>, CliError> {
        let entry = EntryName::new(profile, &file.issuer);
        if file.keyring != entry {
            return Err(unusable(
                &self.path(profile),
                format_args!(
                    "it names the keyring entry {} where this profile's is {entry}",
                    file.keyring
                ),
            ));
        }
        let login_again = || format!("oauth-flow login --profile {profile} --keyring …");
        let Some(text) = self.keyring.get(&entry)? else {
            return Err(CliError::new(
                Exit::LoginNeeded,
                format!(
                    "the key of profile `{profile}` is gone from {} ({entry})",
                    Keyring::SYSTEM
                ),
            )
            .hint(login_again()));
        };
        let key = Key::from_text(&text).ok_or_else(|| {
            CliError::new(
                Exit::LoginNeeded,
                format!(
                    "the entry of profile `{profile}` in {} ({entry}) holds no key that \
                     oauth-flow wrote",
                    Keyring::SYSTEM
                ),
            )
            .hint(login_again())
        })?;
        Ok(Arc::new(key))
    }

    /// Writes the profile's file, plain or sealed, and deletes the key that
    /// the profile no longer uses. With `new_key`, a sealed file gets a new
    /// key; without, the one it has (a new one only if there is none).
    ///
    /// The key goes to the keyring before the file is replaced: a crash in
    /// between leaves the old file and a key that does not open it, which
    /// `token` reports as a login to do again, never as tokens in clear.
    fn write(
        &self,
        profile: &str,
        state: &FlowState,
        keyring: bool,
        new_key: bool,
    ) -> Result<Place, CliError> {
        let previous = self.place(profile)?;
        let snapshot = state
            .to_snapshot()
            .map_err(|e| CliError::new(Exit::Failure, format!("cannot write the login: {e}")))?;
        let place = if keyring {
            let issuer = token_issuer(state).ok_or_else(|| {
                CliError::new(
                    Exit::Failure,
                    "only a finished login can be kept with the OS keyring",
                )
            })?;
            let entry = EntryName::new(profile, issuer);
            let key = if let Some(key) = self.reusable_key(profile, &entry, new_key)? {
                key
            } else {
                let key = Arc::new(Key::generate()?);
                self.keyring.set(&entry, &key.to_text())?;
                key
            };
            let file = SealedFile::seal(&key, profile, issuer, entry.clone(), &snapshot)?;
            // A struct of strings always serializes.
            let text = serde_json::to_string_pretty(&file).unwrap_or_default();
            self.replace(profile, text.as_bytes())?;
            self.remember_key(profile, entry.clone(), key);
            Place::Keyring(entry)
        } else {
            self.replace(profile, snapshot.as_bytes())?;
            self.forget_key(profile);
            Place::File
        };
        if let Some(Place::Keyring(old)) = previous
            && place != Place::Keyring(old.clone())
        {
            self.delete_key(&old);
        }
        Ok(place)
    }

    fn reusable_key(
        &self,
        profile: &str,
        entry: &EntryName,
        new_key: bool,
    ) -> Result<Option<Arc<Key>>, CliError> {
        if new_key {
            return Ok(None);
        }
        if let Some(key) = self.known_key(profile, entry) {
            return Ok(Some(key));
        }
        Ok(self
            .keyring
            .get(entry)?
            .and_then(|text| Key::from_text(&text))
            .map(Arc::new))
    }

    /// Deletes a key that opens nothing any more; says so when it stays.
    fn delete_key(&self, entry: &EntryName) {
        if let Err(error) = self.keyring.delete(entry) {
            eprintln!(
                "note: the key of the forgotten login stays in {} ({entry}): {}. It opens \
                 nothing now; the keyring's own tool can delete it.",
                Keyring::SYSTEM,
                error.message(),
            );
        }
    }

    fn keys(&self) -> std::sync::MutexGuard<'_, HashMap<String, Opened>> {
        self.keys.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn known_key(&self, profile: &str, entry: &EntryName) -> Option<Arc<Key>> {
        self.keys()
            .get(profile)
            .filter(|opened| opened.entry == *entry)
            .map(|opened| Arc::clone(&opened.key))
    }

    fn remember_key(&self, profile: &str, entry: EntryName, key: Arc<Key>) {
        self.keys()
            .insert(profile.to_owned(), Opened { entry, key });
    }

    fn forget_key(&self, profile: &str) {
        self.keys().remove(profile);
    }

    /// Replaces the profile's file, atomically, with mode 0600.
    fn replace(&self, profile: &str, content: &[u8]) -> Result<(), CliError> {
        self.ensure_dir()
            .map_err(|e| io_error("create the store directory", &self.dir, &e))?;
        let path = self.path(profile);
        let temporary = self.profiles().join(format!(".{profile}.json.tmp"));
        let write = || -> io::Result<()> {
            let mut file = private_options()
                .write(true)
                .truncate(true)
                .open(&temporary)?;
            // A leftover temporary file keeps its old mode through `open`.
            restrict_file(&file)?;
            file.write_all(content)?;
            file.sync_all()?;
            fs::rename(&temporary, &path)
        };
        write().map_err(|e| io_error("write", &path, &e))
    }

    /// Profile names, sorted.
    pub(crate) fn list(&self) -> Result<Vec<String>, CliError> {
        let entries = match fs::read_dir(self.profiles()) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_error("list", &self.profiles(), &e)),
        };
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .filter_map(|entry| {
                let name = entry.file_name().into_string().ok()?;
                name.strip_suffix(".json")
                    .filter(|n| !n.starts_with('.'))
                    .map(str::to_owned)
            })
            .collect();
        names.sort();
        Ok(names)
    }

    /// Creates the store with mode 0700 where it does not exist. An existing
    /// directory given with `--store` keeps its mode; the `profiles` folder
    /// inside it is this tool's own and is always made private.
    fn ensure_dir(&self) -> io::Result<()> {
        let profiles = self.profiles();
        private_dir_builder().create(&profiles)?;
        restrict_dir(&profiles)
    }
}

/// The user's configuration directory: `%APPDATA%` on Windows,
/// `~/Library/Application Support` on macOS, `$XDG_CONFIG_HOME` (when
/// absolute) or `~/.config` elsewhere.
fn config_dir() -> Option<PathBuf> {
    let var = |name| {
        std::env::var_os(name)
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
    };
    if cfg!(windows) {
        var("APPDATA")
    } else if cfg!(target_os = "macos") {
        var("HOME").map(|home| home.join("Library/Application Support"))
    } else {
        var("XDG_CONFIG_HOME").or_else(|| var("HOME").map(|home| home.join(".config")))
    }
}

/// A profile name is a file name: letters, digits, `-`, `_` and `.`, not
/// starting with a dot.
pub(crate) fn check_profile_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if ok {
        Ok(())
    } else {
        Err("use 1 to 64 of A-Z a-z 0-9 - _ . (not starting with .)".into())
    }
}

#[cfg(unix)]
fn private_options() -> OpenOptions {
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut options = OpenOptions::new();
    options.create(true).mode(0o600);
    options
}

#[cfg(not(unix))]
fn private_options() -> OpenOptions {
    let mut options = OpenOptions::new();
    options.create(true);
    options
}

#[cfg(unix)]
fn private_dir_builder() -> fs::DirBuilder {
    use std::os::unix::fs::DirBuilderExt as _;
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true).mode(0o700);
    builder
}

#[cfg(not(unix))]
fn private_dir_builder() -> fs::DirBuilder {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    builder
}

#[cfg(unix)]
fn restrict_file(file: &File) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    file.set_permissions(fs::Permissions::from_mode(0o600))
}

#[cfg(not(unix))]
fn restrict_file(_file: &File) -> io::Result<()> {
    Ok(())
}

#[cfg(unix)]
fn restrict_dir(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
}

#[cfg(not(unix))]
fn restrict_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

/// The issuer of a state that holds tokens.
fn token_issuer(state: &FlowState) -> Option<&str> {
    match state {
        FlowState::Authorized(a) => Some(&a.discovered().metadata().issuer),
        FlowState::Expired(e) => Some(&e.discovered().metadata().issuer),
        _ => None,
    }
}

fn unusable(path: &Path, why: impl std::fmt::Display) -> CliError {
    CliError::new(
        Exit::Failure,
        format!("the stored login in {} is unusable: {why}", path.display()),
    )
    .hint("log in again with `oauth-flow login`")
}

fn io_error(action: &str, path: &Path, error: &io::Error) -> CliError {
    CliError::new(
        Exit::Failure,
        format!("cannot {action} {}: {error}", path.display()),
    )
}
