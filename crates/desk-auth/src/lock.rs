//! Taking turns between the processes of one installation (the window, every `desk`): a lock
//! file in the data folder, empty and owner-only, locked with the operating system's advisory
//! lock (`flock`), which is released when the holder closes it or ends, a crash included.
//!
//! Held around a refresh ([`crate::Session`]), so two processes sharing a session never send a
//! rotating provider the same refresh token (the second would be refused, and a provider that
//! treats reuse as theft would end the session for both); and around rewriting a file they
//! share (desk-app's policy versions, under a lock file of its own, so a refresh in progress
//! never holds up accepting a policy).

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::AuthError;

/// The longest a process waits for another to finish before it gives up: longer than a refresh
/// takes (the provider's timeouts are shorter), short enough to say so while someone waits.
pub const LOCK_WAIT: Duration = Duration::from_secs(45);

/// How often a waiting process tries again.
const POLL: Duration = Duration::from_millis(20);

/// A lock file; [`ProcessLock::hold`] takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessLock {
    path: PathBuf,
}

/// The lock, held until this is dropped.
#[derive(Debug)]
pub struct Held {
    _file: File,
}

impl ProcessLock {
    /// The lock file at `path` (made when first held, with its folder).
    pub fn at(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Takes the lock, waiting for another holder up to [`LOCK_WAIT`]. Blocks the thread: from
    /// async code use [`ProcessLock::hold`].
    pub fn hold_blocking(&self) -> std::io::Result<Held> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(&self.path)?;
        let deadline = Instant::now() + LOCK_WAIT;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(Held { _file: file }),
                Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                    std::thread::sleep(POLL)
                }
                Err(TryLockError::WouldBlock) => {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        format!(
                            "another Support Desk process has held it for {} s",
                            LOCK_WAIT.as_secs()
                        ),
                    ));
                }
                Err(TryLockError::Error(e)) => return Err(e),
            }
        }
    }

    /// [`ProcessLock::hold_blocking`] off the async threads.
    pub async fn hold(&self) -> Result<Held, AuthError> {
        let lock = self.clone();
        tokio::task::spawn_blocking(move || lock.hold_blocking())
            .await
            .map_err(|e| AuthError::Local(format!("lock task failed: {e}")))?
            .map_err(|e| AuthError::Local(format!("the lock {}: {e}", self.path.display())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_holder_at_a_time_and_the_next_once_it_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let lock = ProcessLock::at(dir.path().join("sub/session.lock"));
        let held = lock.hold_blocking().unwrap();
        // A second open file of the same path is what another process holds: refused now.
        let other = OpenOptions::new().write(true).open(lock.path()).unwrap();
        assert!(matches!(other.try_lock(), Err(TryLockError::WouldBlock)));
        let waiter = {
            let lock = lock.clone();
            std::thread::spawn(move || {
                let started = Instant::now();
                let _held = lock.hold_blocking().unwrap();
                started.elapsed()
            })
        };
        std::thread::sleep(Duration::from_millis(300));
        drop(held);
        let waited = waiter.join().unwrap();
        assert!(waited >= Duration::from_millis(250), "{waited:?}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(lock.path()).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
