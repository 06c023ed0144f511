//! The operating system's keychain, and nothing else.
//!
//! Every entry lives under one service name (configurable, so tests and a person's own sign-in
//! never share entries). Errors say which of the few things went wrong: there is no keychain
//! service at all, it is locked, or the entry is missing. There is deliberately no fallback store.

use keyring::Entry;
use secrecy::{ExposeSecret, SecretString};

/// Why the keychain could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum KeychainError {
    /// No keychain service answered (on Linux: no Secret Service on the session D-Bus).
    #[error("no keychain is available ({0}); Support Desk stores nothing without one")]
    Unavailable(String),
    /// The keychain exists but refused access, usually because it is locked.
    #[error("the keychain is locked or refused access ({0})")]
    Locked(String),
    /// There is no entry under this name.
    #[error("no keychain entry `{0}`")]
    Missing(String),
    /// The entry exists but its content or name is not what we store.
    #[error("keychain entry `{name}` is unusable: {reason}")]
    Invalid {
        /// The entry's name within our service.
        name: String,
        /// What the keychain said.
        reason: String,
    },
}

/// Entries of one service in the operating system's keychain.
#[derive(Debug, Clone)]
pub struct Keychain {
    service: String,
}

impl Keychain {
    /// A keychain view holding the entries of `service`, such as `support-desk`.
    pub fn new(service: impl Into<String>) -> Self {
        Self {
            service: service.into(),
        }
    }

    /// The service name entries are stored under.
    pub fn service(&self) -> &str {
        &self.service
    }

    /// Stores `secret` under `name`, replacing any earlier value in place.
    pub fn set(&self, name: &str, secret: &SecretString) -> Result<(), KeychainError> {
        self.entry(name)?
            .set_password(secret.expose_secret())
            .map_err(|e| classify(name, e))
    }

    /// Reads the secret stored under `name`.
    pub fn get(&self, name: &str) -> Result<SecretString, KeychainError> {
        self.entry(name)?
            .get_password()
            .map(SecretString::from)
            .map_err(|e| classify(name, e))
    }

    /// Deletes the entry `name`. Deleting an entry that does not exist succeeds: the goal, no
    /// entry, holds either way.
    pub fn delete(&self, name: &str) -> Result<(), KeychainError> {
        match self.entry(name)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(classify(name, e)),
        }
    }

    /// Proves the keychain can store, by writing and deleting a probe entry. A read is not
    /// enough: a locked Secret Service still answers reads of missing entries.
    pub fn probe(&self) -> Result<(), KeychainError> {
        self.set("probe", &SecretString::from("probe"))?;
        self.delete("probe")
    }

    fn entry(&self, name: &str) -> Result<Entry, KeychainError> {
        Entry::new(&self.service, name).map_err(|e| classify(name, e))
    }
}

fn classify(name: &str, err: keyring::Error) -> KeychainError {
    match err {
        keyring::Error::NoEntry => KeychainError::Missing(name.to_owned()),
        keyring::Error::NoStorageAccess(e) => KeychainError::Locked(e.to_string()),
        // keyring reports a locked Secret Service collection as a platform failure; its text is
        // the only way to tell "locked" from "absent" there.
        keyring::Error::PlatformFailure(e) if e.to_string().contains("locked") => {
            KeychainError::Locked(e.to_string())
        }
        keyring::Error::PlatformFailure(e) => KeychainError::Unavailable(e.to_string()),
        other => KeychainError::Invalid {
            name: name.to_owned(),
            reason: other.to_string(),
        },
    }
}
