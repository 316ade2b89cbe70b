//! A keyring profile's file: the login, sealed with a key that only the OS
//! keyring holds.
//!
//! The file keeps in clear what `profiles` and the error messages need (the
//! issuer and the name of the keyring entry) and, sealed with
//! ChaCha20-Poly1305, the [`FlowState`](oauth_flow::FlowState) snapshot that
//! a plain profile file holds as it is. The clear part is bound to the sealed
//! one (it is the associated data), so an edit of either is refused.
//!
//! Why not the snapshot itself in the keyring: the Windows Credential Manager
//! takes at most 2560 bytes, and a snapshot with a real server's metadata and
//! JWT tokens is larger. A key always fits; the file is then written exactly
//! as a plain one (atomically, under the profile's lock), a refresh touches
//! only the file, and a login's new key leaves old copies of the file, in a
//! backup for instance, unreadable.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom as _, SystemRandom};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::fail::{CliError, Exit};
use crate::keyring::EntryName;

/// The `format` member of a sealed profile file.
pub(crate) const FORMAT: &str = "oauth-flow/sealed-state";

/// The version of the sealed file this tool writes and reads.
const VERSION: u64 = 1;

const KEY_LEN: usize = 32;

/// A profile's key. Its `Debug` shows nothing of it; it is zeroized on drop.
pub(crate) struct Key(Zeroizing<[u8; KEY_LEN]>);

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key([redacted])")
    }
}

impl Key {
    /// A new key from the operating system's random source.
    pub(crate) fn generate() -> Result<Self, CliError> {
        let mut key = Zeroizing::new([0; KEY_LEN]);
        SystemRandom::new()
            .fill(&mut key[..])
            .map_err(|_| no_randomness())?;
        Ok(Self(key))
    }

    /// The key as the keyring stores it: base64url, no padding.
    pub(crate) fn to_text(&self) -> Zeroizing<String> {
        Zeroizing::new(URL_SAFE_NO_PAD.encode(&self.0[..]))
    }

    /// A key written by [`to_text`](Self::to_text); `None` for anything else.
    pub(crate) fn from_text(text: &str) -> Option<Self> {
        let bytes = Zeroizing::new(URL_SAFE_NO_PAD.decode(text.trim()).ok()?);
        let mut key = Zeroizing::new([0; KEY_LEN]);
        if bytes.len() != KEY_LEN {
            return None;
        }
        key.copy_from_slice(&bytes);
        Some(Self(key))
    }

    fn aead(&self) -> LessSafeKey {
        let key = UnboundKey::new(&CHACHA20_POLY1305, &self.0[..])
            .expect("ChaCha20-Poly1305 takes a 256-bit key");
        LessSafeKey::new(key)
    }
}

/// The content of a sealed profile file.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct SealedFile {
    /// Always [`FORMAT`].
    pub(crate) format: String,
    /// Always [`VERSION`]; another one is refused.
    pub(crate) version: u64,
    /// The issuer the tokens belong to.
    pub(crate) issuer: String,
    /// The entry that holds the key.
    pub(crate) keyring: EntryName,
    /// 96 random bits, new for each write.
    nonce: String,
    /// The snapshot, encrypted, with the 128-bit tag appended.
    sealed: String,
}

impl SealedFile {
    /// Seals `snapshot`, the login of `profile` at `issuer`, with `key`.
    pub(crate) fn seal(
        key: &Key,
        profile: &str,
        issuer: &str,
        keyring: EntryName,
        snapshot: &str,
    ) -> Result<Self, CliError> {
        let mut nonce = [0; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .map_err(|_| no_randomness())?;
        let mut file = Self {
            format: FORMAT.to_owned(),
            version: VERSION,
            issuer: issuer.to_owned(),
            keyring,
            nonce: URL_SAFE_NO_PAD.encode(nonce),
            sealed: String::new(),
        };
        let mut data = Zeroizing::new(snapshot.as_bytes().to_vec());
        key.aead()
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(file.associated_data(profile)),
                &mut *data,
            )
            .map_err(|_| CliError::new(Exit::Failure, "cannot seal the login: it is too large"))?;
        file.sealed = URL_SAFE_NO_PAD.encode(&data[..]);
        Ok(file)
    }

    /// The snapshot, when `key` opens the file of `profile` and nothing was
    /// changed; `None` otherwise.
    pub(crate) fn open(&self, key: &Key, profile: &str) -> Option<Zeroizing<String>> {
        if self.format != FORMAT || self.version != VERSION {
            return None;
        }
        let nonce: [u8; NONCE_LEN] = URL_SAFE_NO_PAD.decode(&self.nonce).ok()?.try_into().ok()?;
        let mut data = Zeroizing::new(URL_SAFE_NO_PAD.decode(&self.sealed).ok()?);
        let plain = key
            .aead()
            .open_in_place(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(self.associated_data(profile)),
                &mut data,
            )
            .ok()?;
        let text = std::str::from_utf8(plain).ok()?;
        Some(Zeroizing::new(text.to_owned()))
    }

    /// Everything in clear, and the profile's name: a file opens only as
    /// the profile it was written for, with the issuer and entry it names.
    fn associated_data(&self, profile: &str) -> Vec<u8> {
        let version = self.version.to_string();
        let parts = [
            self.format.as_str(),
            version.as_str(),
            profile,
            self.issuer.as_str(),
            self.keyring.service.as_str(),
            self.keyring.user.as_str(),
        ];
        // An array of strings always serializes; JSON keeps the parts apart.
        serde_json::to_vec(&parts).unwrap_or_default()
    }
}

fn no_randomness() -> CliError {
    CliError::new(Exit::Failure, "the operating system's random source failed")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealed(key: &Key) -> SealedFile {
        let entry = EntryName::new("work", "https://as.example.com");
        SealedFile::seal(key, "work", "https://as.example.com", entry, "{\"a\":1}").unwrap()
    }

    #[test]
    fn a_sealed_file_opens_with_its_key_and_profile() {
        let key = Key::generate().unwrap();
        let file = sealed(&key);
        assert!(!file.sealed.contains("\"a\""));
        assert_eq!(file.open(&key, "work").unwrap().as_str(), "{\"a\":1}");
    }

    #[test]
    fn a_sealed_file_opens_with_no_other_key() {
        let file = sealed(&Key::generate().unwrap());
        assert!(file.open(&Key::generate().unwrap(), "work").is_none());
    }

    #[test]
    fn a_sealed_file_does_not_open_as_another_profile_or_after_an_edit() {
        let key = Key::generate().unwrap();
        assert!(sealed(&key).open(&key, "home").is_none());

        let mut file = sealed(&key);
        file.issuer = "https://evil.example".into();
        assert!(file.open(&key, "work").is_none(), "issuer edited");

        let mut file = sealed(&key);
        file.keyring.user = "home@https://as.example.com".into();
        assert!(file.open(&key, "work").is_none(), "entry edited");

        let mut file = sealed(&key);
        let mut bytes = URL_SAFE_NO_PAD.decode(&file.sealed).unwrap();
        bytes[0] ^= 1;
        file.sealed = URL_SAFE_NO_PAD.encode(bytes);
        assert!(file.open(&key, "work").is_none(), "ciphertext edited");
    }

    #[test]
    fn each_write_draws_a_new_nonce() {
        let key = Key::generate().unwrap();
        assert_ne!(sealed(&key).nonce, sealed(&key).nonce);
    }

    #[test]
    fn a_key_round_trips_as_text_and_nothing_else_is_a_key() {
        let key = Key::generate().unwrap();
        let back = Key::from_text(&key.to_text()).unwrap();
        assert_eq!(back.0, key.0);
        assert!(Key::from_text("hunter2").is_none());
        assert!(Key::from_text(&URL_SAFE_NO_PAD.encode([0; 16])).is_none());
        assert_eq!(format!("{key:?}"), "Key([redacted])");
    }
}
