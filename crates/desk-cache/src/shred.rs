//! Crypto-shredding: destroying the key, then the file.

use std::future::Future;
use std::path::Path;

use crate::CacheError;
use crate::cache::remove_files;

/// Shreds the cache at `path`: awaits `delete_key` (which deletes the cache's key from the
/// keychain), and only when that succeeded deletes the database file and its `-wal`, `-shm` and
/// `-journal` files. Close the [`crate::Cache`] first.
///
/// The key goes first because it is what makes the data unreadable. A file whose key is gone is
/// random bytes even if deleting it then fails half-way, or a backup or the file system kept a
/// copy; a key left behind by a file deletion that succeeded would be harmless, but a file left
/// behind by a key deletion that failed is the data. So when the key cannot be deleted (keychain
/// locked or unavailable) the files stay, and [`CacheError::KeyNotDeleted`] carries the
/// keychain's error, for the caller to retry. A key that is already missing is for `delete_key`
/// to report as success.
pub async fn shred<E>(
    path: &Path,
    delete_key: impl Future<Output = Result<(), E>>,
) -> Result<(), CacheError>
where
    E: std::error::Error + Send + Sync + 'static,
{
    delete_key
        .await
        .map_err(|e| CacheError::KeyNotDeleted(Box::new(e)))?;
    remove_files(path)
}
