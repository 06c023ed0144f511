//! The encrypted local cache of Support Desk: the records an agent may read offline.
//!
//! What this crate promises:
//!
//! - **Encrypted at rest.** The database is SQLCipher with a random 256-bit key held only in
//!   [`CacheKey`] (redacted `Debug`, zeroized on drop, kept by the caller in the keychain): no
//!   SQLite header and no record text in the file, its write-ahead log or its shared memory.
//!   Temporary tables stay in memory.
//! - **Never read wrong.** A file that is not SQLCipher, not readable with the key, or damaged is
//!   reported ([`CacheError::Unreadable`]) by [`Cache::open`], or deleted and made anew by
//!   [`Cache::open_or_recreate`]; a record whose JSON no longer parses is
//!   [`CacheError::Corrupt`], never a guess.
//! - **Only redacted data.** [`Cache::store`] passes every record through the [`guard`] against
//!   [`desk_core::Policy::cache_redaction`]: kinds the policy does not cache, restricted fields,
//!   addresses and IP addresses, unmasked e-mail addresses and phone numbers, whole dates of birth
//!   and unscrubbed free text are refused, and one refused value refuses the whole call, which
//!   then writes nothing. [`prepare`] makes what the server sent fit, so callers rarely meet a
//!   refusal; the guard checks it all again regardless.
//! - **All or nothing.** Each [`Cache::store`] is one transaction: a crash part-way leaves the
//!   previous state.
//! - **Bounded in time.** Every record carries its fetch time and an expiry from the policy's
//!   cache rules; reads take the time and skip expired records. [`offline_state`] says, from the
//!   kept signed policy, whether the cache may be read offline, is locked, or is to be shredded.
//! - **Safe search.** [`Cache::search`] matches words of the cached (already masked) name, e-mail
//!   and phone; what the agent types is never read as query syntax.
//! - **Audited offline, and not erasable.** Views made offline queue in an [`AuditQueue`]: a
//!   SQLCipher file of its own with its own key, apart from the cache, holding only the
//!   idempotency key, time, action and record id of each view (never record content). Nothing
//!   that shreds or purges the cache touches it; a view leaves it only when the server has
//!   acknowledged it ([`AuditQueue::acknowledge`]); one the server refused for good is set aside
//!   in the same file ([`AuditQueue::set_aside_views`]), kept and no longer pending.
//! - **Shredded key first.** [`shred`] deletes the key before the files, and keeps the files
//!   when the key could not be deleted.
#![deny(missing_docs)]

mod cache;
mod db;
pub mod guard;
mod key;
mod offline;
pub mod prepare;
mod queue;
mod search;
mod shred;

pub use cache::{Cache, CacheStatus, Cached, MAX_PAGE, QueuedView, Records};
pub use db::{cipher_version, open};
pub use guard::{GuardError, GuardReason};
pub use key::CacheKey;
pub use offline::{HARD_LIMIT_SECS, Offline, offline_state};
pub use queue::{AuditQueue, NotAView, SetAsideView};
pub use shred::shred;

/// What can go wrong with the cache.
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
    /// A record or value the cache may not hold; nothing of the call was written.
    #[error("refused by the cache guard: {0}")]
    Guard(#[from] GuardError),
    /// Something read from the file no longer parses (the message says where, never what).
    #[error("the cache holds data that no longer parses: {0}")]
    Corrupt(String),
    /// The schema could not be brought up to date.
    #[error("cache schema migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The keychain did not delete the cache key, so the files were kept.
    #[error("the cache key could not be deleted, so the cache file was kept: {0}")]
    KeyNotDeleted(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A view the audit queue may not hold (it would carry more than a record id); nothing was
    /// written.
    #[error("refused by the audit queue: {0}")]
    NotAView(#[from] NotAView),
    /// A file could not be read or deleted.
    #[error("cache file error: {0}")]
    Io(#[from] std::io::Error),
    /// Any other database failure.
    #[error("cache database error: {0}")]
    Database(#[source] sqlx::Error),
}

impl From<sqlx::Error> for CacheError {
    /// SQLite's word that the file is not a database it can read (a page whose authentication
    /// code does not match, a wrong key) becomes [`CacheError::Unreadable`], wherever it comes
    /// from; everything else stays a database error.
    fn from(err: sqlx::Error) -> Self {
        if db::damaged(&err) {
            Self::Unreadable
        } else {
            Self::Database(err)
        }
    }
}
