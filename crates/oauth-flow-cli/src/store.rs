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

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use oauth_flow::FlowState;
use zeroize::Zeroizing;

use crate::fail::{CliError, Exit};

/// Where profiles live.
#[derive(Debug, Clone)]
pub(crate) struct Store {
    dir: PathBuf,
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
        Ok(Self { dir })
    }

    pub(crate) fn dir(&self) -> &Path {
        &self.dir
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

    /// The profile's stored state, `None` when there is no such profile.
    pub(crate) fn load(&self, profile: &str) -> Result<Option<FlowState>, CliError> {
        let path = self.path(profile);
        let text = match fs::read_to_string(&path) {
            Ok(text) => Zeroizing::new(text),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_error("read", &path, &e)),
        };
        FlowState::from_snapshot(&text).map(Some).map_err(|e| {
            CliError::new(
                Exit::Failure,
                format!("the stored login in {} is unusable: {e}", path.display()),
            )
            .hint("log in again with `oauth-flow login`")
        })
    }

    /// Replaces the profile's state, atomically, with mode 0600.
    pub(crate) fn save(&self, profile: &str, state: &FlowState) -> Result<(), CliError> {
        self.ensure_dir()
            .map_err(|e| io_error("create the store directory", &self.dir, &e))?;
        let text = state
            .to_snapshot()
            .map_err(|e| CliError::new(Exit::Failure, format!("cannot write the login: {e}")))?;
        let path = self.path(profile);
        let temporary = self.profiles().join(format!(".{profile}.json.tmp"));
        let write = || -> io::Result<()> {
            let mut file = private_options()
                .write(true)
                .truncate(true)
                .open(&temporary)?;
            // A leftover temporary file keeps its old mode through `open`.
            restrict_file(&file)?;
            file.write_all(text.as_bytes())?;
            file.sync_all()?;
            fs::rename(&temporary, &path)
        };
        write().map_err(|e| io_error("write", &path, &e))
    }

    /// Forgets the profile. `false` when there was nothing to forget.
    pub(crate) fn remove(&self, profile: &str) -> Result<bool, CliError> {
        let path = self.path(profile);
        match fs::remove_file(&path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(io_error("remove", &path, &e)),
        }
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

fn io_error(action: &str, path: &Path, error: &io::Error) -> CliError {
    CliError::new(
        Exit::Failure,
        format!("cannot {action} {}: {error}", path.display()),
    )
}
