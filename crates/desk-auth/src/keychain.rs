//! The operating system's keychain, and nothing else.
//!
//! Every entry lives under one service name (configurable, so tests and a person's own sign-in
//! never share entries). Errors say which of the few things went wrong: there is no keychain
//! service at all, it is locked, or the entry is missing. There is deliberately no fallback store.
//!
//! A call that failed on D-Bus itself is made once more ([`once_more`]): on Linux that is what a
//! Secret Service daemon ending mid-call looks like (gnome-keyring 42 ends on failed assertions of
//! its own now and then when clients come and go fast), and D-Bus starts a new one for the next
//! call. Every operation here is idempotent, so a second try is safe.

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
        let entry = self.entry(name)?;
        once_more(|| entry.set_password(secret.expose_secret())).map_err(|e| classify(name, e))
    }

    /// Reads the secret stored under `name`.
    pub fn get(&self, name: &str) -> Result<SecretString, KeychainError> {
        let entry = self.entry(name)?;
        once_more(|| entry.get_password())
            .map(SecretString::from)
            .map_err(|e| classify(name, e))
    }

    /// Deletes the entry `name`. Deleting an entry that does not exist succeeds: the goal, no
    /// entry, holds either way.
    pub fn delete(&self, name: &str) -> Result<(), KeychainError> {
        let entry = self.entry(name)?;
        match once_more(|| entry.delete_credential()) {
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

/// Runs `call`, and once more when it failed on D-Bus itself (see the module's doc).
fn once_more<T>(call: impl Fn() -> keyring::Result<T>) -> keyring::Result<T> {
    match call() {
        Err(e) if failed_on_dbus(&e) => {
            tracing::warn!(error = %e, "the keychain's service did not answer; trying once more");
            call()
        }
        done => done,
    }
}

/// Whether the Secret Service call failed on D-Bus (no reply, a session or object the daemon
/// does not know), rather than with an answer of the service (locked, no such entry, …).
#[cfg(target_os = "linux")]
fn failed_on_dbus(e: &keyring::Error) -> bool {
    matches!(
        e,
        keyring::Error::PlatformFailure(inner)
            if matches!(inner.downcast_ref(), Some(dbus_secret_service::Error::Dbus(_)))
    )
}

#[cfg(not(target_os = "linux"))]
fn failed_on_dbus(_: &keyring::Error) -> bool {
    false
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

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use std::cell::Cell;

    use super::*;

    fn dbus_failure() -> keyring::Error {
        keyring::Error::PlatformFailure(Box::new(dbus_secret_service::Error::Dbus(
            dbus::Error::new_custom(
                "org.freedesktop.DBus.Error.NoReply",
                "Message recipient disconnected from message bus without replying",
            ),
        )))
    }

    fn locked() -> keyring::Error {
        keyring::Error::NoStorageAccess(Box::new(dbus_secret_service::Error::Locked))
    }

    /// Runs `once_more` over calls answering `outcomes` in turn; what it returned, and how many
    /// calls it made.
    fn run(outcomes: Vec<keyring::Result<u8>>) -> (keyring::Result<u8>, usize) {
        let outcomes = std::cell::RefCell::new(outcomes.into_iter());
        let calls = Cell::new(0);
        let result = once_more(|| {
            calls.set(calls.get() + 1);
            outcomes.borrow_mut().next().expect("a call too many")
        });
        (result, calls.get())
    }

    #[test]
    fn a_call_that_failed_on_dbus_is_made_once_more_and_only_once() {
        let (result, calls) = run(vec![Err(dbus_failure()), Ok(7)]);
        assert_eq!((result.ok(), calls), (Some(7), 2));
        let (result, calls) = run(vec![Err(dbus_failure()), Err(dbus_failure())]);
        assert!(failed_on_dbus(&result.unwrap_err()));
        assert_eq!(calls, 2);
    }

    #[test]
    fn an_answer_of_the_service_is_taken_as_it_is() {
        for answer in [locked(), keyring::Error::NoEntry] {
            let (result, calls) = run(vec![Err(answer)]);
            assert!(result.is_err());
            assert_eq!(calls, 1);
        }
        let (result, calls) = run(vec![Ok(1)]);
        assert_eq!((result.ok(), calls), (Some(1), 1));
    }
}
