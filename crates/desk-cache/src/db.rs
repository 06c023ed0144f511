//! Opening the SQLCipher database.

use std::path::Path;
use std::str::FromStr as _;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions as _, Connection as _, SqliteConnection, SqlitePool};

use crate::{CacheError, CacheKey};

/// Opens (creating if missing) the encrypted database at `path` with `key`.
///
/// The key is the first statement every connection runs (sqlx orders the `key` pragma first); the
/// connection then proves SQLCipher is linked and the key reads the file before anything else.
/// Its statements are never logged.
pub async fn open(path: &Path, key: &CacheKey) -> Result<SqlitePool, CacheError> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .pragma("key", key.pragma_value())
        // sqlx logs the text of each statement (at debug, and at warn when slow), and the pragmas
        // are one statement: `PRAGMA key = "x'…'"` would put the key in whatever log listens.
        .disable_statement_logging();
    connect(options).await
}

/// Opens (creating if missing) the database at `path` without a key: SQLCipher without its `key`
/// pragma is plain SQLite. Only for the benchmarks' baseline (see
/// [`crate::Cache::open_plaintext_for_benchmarks`]).
#[cfg(feature = "bench-plaintext")]
pub(crate) async fn open_plaintext(path: &Path) -> Result<SqlitePool, CacheError> {
    connect(
        SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true),
    )
    .await
}

/// Connects with `options` (the file, and the key when there is one) and the settings every
/// connection of the cache has.
async fn connect(options: SqliteConnectOptions) -> Result<SqlitePool, CacheError> {
    // OpenSSL (SQLCipher's, vendored) initialized before SQLCipher first uses it, and without
    // its exit-time cleanup (`OPENSSL_INIT_NO_ATEXIT`, which `openssl_sys::init` asks for): with
    // that cleanup, a process exiting while sqlx's worker thread was still closing a connection
    // had OpenSSL free its state under that thread, and it aborted with "double free or
    // corruption" after everything else had succeeded (OpenSSL issue 6214). The first
    // initialization in a process decides, and SQLCipher's is at its first keyed connection,
    // so this comes before every connection; after the first call it does nothing.
    openssl_sys::init();
    let options = options
        // Temporary tables and indices stay in memory, never in an unencrypted temporary file.
        .pragma("temp_store", "MEMORY")
        // Up to 32 MiB of decrypted pages per connection (SQLite's default is 2 MiB): with
        // 100,000 cached customers every search otherwise read and decrypted the same pages
        // again, 2-4x the time plain SQLite took (see `cargo bench -p desk-cache --features
        // bench-plaintext`). Pages are taken only as they are read, so a small cache stays
        // small. They hold decrypted (redacted) records in this process's memory while the
        // connection is open, as any page SQLite reads does.
        .pragma("cache_size", "-32768")
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(4)
        .after_connect(|conn, _| Box::pin(async move { check_connection(conn).await }))
        .connect_with(options)
        .await
        .map_err(unwrap_check_error)?;
    Ok(pool)
}

/// SQLite's primary result code for `err` (the extended code's low byte), if it came from SQLite.
pub(crate) fn primary_code(err: &sqlx::Error) -> Option<i32> {
    match err {
        sqlx::Error::Database(e) => e.code()?.parse::<i32>().ok().map(|code| code & 0xff),
        _ => None,
    }
}

/// Whether SQLite says the file is not a database it can read: `SQLITE_NOTADB`, which is what
/// SQLCipher answers for a wrong key or a foreign file, or `SQLITE_CORRUPT`, which is what it
/// answers for a page whose authentication code does not match. Busy, locked, full or read-only
/// databases are not damaged and must not be taken for it.
pub(crate) fn damaged(err: &sqlx::Error) -> bool {
    const SQLITE_CORRUPT: i32 = 11;
    const SQLITE_NOTADB: i32 = 26;
    matches!(primary_code(err), Some(SQLITE_CORRUPT | SQLITE_NOTADB))
}

/// The SQLCipher version of the linked library, or `None` when plain SQLite is linked.
pub async fn cipher_version() -> Result<Option<String>, CacheError> {
    let mut conn =
        SqliteConnection::connect_with(&SqliteConnectOptions::from_str("sqlite::memory:")?).await?;
    Ok(version_of(&mut conn).await?)
}

async fn version_of(conn: &mut SqliteConnection) -> Result<Option<String>, sqlx::Error> {
    let version: Option<String> = sqlx::query_scalar("PRAGMA cipher_version")
        .fetch_optional(&mut *conn)
        .await?;
    Ok(version.filter(|v| !v.is_empty()))
}

async fn check_connection(conn: &mut SqliteConnection) -> Result<(), sqlx::Error> {
    if version_of(conn).await?.is_none() {
        return Err(sqlx::Error::Configuration(Box::new(
            CacheError::NotEncrypted,
        )));
    }
    // With a wrong key this is the first read of the file, and SQLCipher reports it unreadable.
    sqlx::query("SELECT count(*) FROM sqlite_master")
        .execute(&mut *conn)
        .await?;
    Ok(())
}

fn unwrap_check_error(err: sqlx::Error) -> CacheError {
    match err {
        sqlx::Error::Configuration(inner) => match inner.downcast::<CacheError>() {
            Ok(cache_error) => *cache_error,
            Err(other) => CacheError::Database(sqlx::Error::Configuration(other)),
        },
        other => CacheError::from(other),
    }
}
