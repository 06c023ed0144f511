//! The encrypted local cache of Support Desk.
//!
//! Promises of this crate: the database file is SQLCipher-encrypted with a random 256-bit key (no
//! SQLite header and no record text on disk), the key is held only in [`CacheKey`] (redacted
//! `Debug`, zeroized on drop), and a file that is not SQLCipher, or not readable with the key, is
//! reported as such rather than read wrong. What is written, the redaction guard, expiry and
//! offline reading arrive with the cache issue.
#![deny(missing_docs)]

mod db;
mod key;

pub use db::{cipher_version, open};
pub use key::CacheKey;

/// What can go wrong with the cache file.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// The SQLite library in use has no SQLCipher: an encrypted cache cannot be had.
    #[error("the linked SQLite has no SQLCipher; refusing to keep an unencrypted cache")]
    NotEncrypted,
    /// The file exists but cannot be read with this key: another key, another program's file,
    /// or damage.
    #[error("the cache file cannot be read with its key (wrong key, foreign file or damage)")]
    Unreadable,
    /// A cache key in the keychain is not 64 hexadecimal digits.
    #[error("the stored cache key is malformed")]
    MalformedKey,
    /// Any other database failure.
    #[error("cache database error: {0}")]
    Database(#[from] sqlx::Error),
}
