//! The last policy version accepted for each agent, kept on disk so that a rollback is refused
//! after a restart too; and, beside it, the newest audit checkpoint the server's policies carried
//! (`checkpoint`, a signed JWS) and what the client found wrong with a later one (`behind`): the
//! client as a witness of the server's audit trail (see `policy::App::witness`).
//!
//! One small JSON file in the data folder, `policy-versions.json`:
//! `{"accepted": [{"issuer": …, "subject": …, "version": N}]}`, keyed by the identity provider's
//! issuer and the agent's subject. It holds nothing secret. It is replaced atomically (a temporary
//! file in the same folder, flushed, then renamed over it), so a crash leaves either the old file
//! or the new one. A version is only ever raised. A file that cannot be read is an error, not a
//! fresh start: starting over would let a rolled-back policy through. Every change reads,
//! changes and replaces the file holding `policy-versions.lock` beside it (desk-auth's
//! `ProcessLock`), so two processes (the window and `desk`) accepting policies at once cannot
//! lose each other's entries or lower a version the other raised.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use serde::{Deserialize, Serialize};

use crate::AppError;

/// The file's name inside the data folder.
pub const FILE_NAME: &str = "policy-versions.json";

/// The lock file every change of it is made under, beside it.
const LOCK_NAME: &str = "policy-versions.lock";

/// A state file larger than this is not ours.
const MAX_BYTES: u64 = 1024 * 1024;

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    accepted: Vec<Entry>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    issuer: String,
    subject: String,
    version: u64,
    /// The newest signed audit checkpoint seen in this agent's policies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    checkpoint: Option<String>,
    /// The first time a policy carried a checkpoint behind or unlike it: what was seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    behind: Option<String>,
}

/// What one agent's entry witnessed of the server's audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Witnessed {
    /// The newest signed checkpoint seen.
    pub checkpoint: Option<String>,
    /// What was found wrong with a later one, if anything.
    pub behind: Option<String>,
}

/// The versions file of one data folder.
#[derive(Debug, Clone)]
pub(crate) struct Versions {
    path: PathBuf,
}

impl Versions {
    pub(crate) fn new(data_dir: &Path) -> Self {
        Self {
            path: data_dir.join(FILE_NAME),
        }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The last version accepted for this agent, `None` if none was.
    pub(crate) fn get(&self, issuer: &str, subject: &str) -> Result<Option<u64>, AppError> {
        Ok(self
            .read()?
            .accepted
            .iter()
            .find(|e| e.issuer == issuer && e.subject == subject)
            .map(|e| e.version))
    }

    /// Records `version` for this agent unless a higher one is already recorded.
    pub(crate) fn raise(&self, issuer: &str, subject: &str, version: u64) -> Result<(), AppError> {
        self.update(|file| {
            match file
                .accepted
                .iter_mut()
                .find(|e| e.issuer == issuer && e.subject == subject)
            {
                Some(entry) if entry.version >= version => return false,
                Some(entry) => entry.version = version,
                None => file.accepted.push(Entry {
                    issuer: issuer.to_owned(),
                    subject: subject.to_owned(),
                    version,
                    checkpoint: None,
                    behind: None,
                }),
            }
            true
        })
    }

    /// Reads the file, lets `change` change it, and replaces it when `change` says it did, all
    /// under the lock, so no other process changes it in between.
    fn update(&self, change: impl FnOnce(&mut File) -> bool) -> Result<(), AppError> {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        let _held = desk_auth::ProcessLock::at(dir.join(LOCK_NAME))
            .hold_blocking()
            .map_err(|e| self.error(format!("its lock {LOCK_NAME}: {e}")))?;
        let mut file = self.read()?;
        if change(&mut file) {
            self.write(&file)?;
        }
        Ok(())
    }

    /// What this agent's entry witnessed; nothing when the agent has none yet.
    pub(crate) fn witnessed(&self, issuer: &str, subject: &str) -> Result<Witnessed, AppError> {
        let file = self.read()?;
        let entry = file
            .accepted
            .iter()
            .find(|e| e.issuer == issuer && e.subject == subject);
        Ok(Witnessed {
            checkpoint: entry.and_then(|e| e.checkpoint.clone()),
            behind: entry.and_then(|e| e.behind.clone()),
        })
    }

    /// Every entry's witness, for `doctor`: (issuer, subject, what it witnessed).
    pub(crate) fn all_witnessed(&self) -> Result<Vec<(String, String, Witnessed)>, AppError> {
        Ok(self
            .read()?
            .accepted
            .into_iter()
            .map(|e| {
                let witnessed = Witnessed {
                    checkpoint: e.checkpoint,
                    behind: e.behind,
                };
                (e.issuer, e.subject, witnessed)
            })
            .collect())
    }

    /// Keeps `checkpoint` as the newest for this agent, or, with `behind`, records (once) what was
    /// wrong with an offered one and keeps the one held. The agent's entry must exist (`raise`
    /// comes first).
    pub(crate) fn witness(
        &self,
        issuer: &str,
        subject: &str,
        checkpoint: Option<&str>,
        behind: Option<&str>,
    ) -> Result<(), AppError> {
        self.update(|file| {
            let Some(entry) = file
                .accepted
                .iter_mut()
                .find(|e| e.issuer == issuer && e.subject == subject)
            else {
                return false;
            };
            if let Some(checkpoint) = checkpoint {
                entry.checkpoint = Some(checkpoint.to_owned());
            }
            if let Some(behind) = behind
                && entry.behind.is_none()
            {
                entry.behind = Some(behind.to_owned());
            }
            true
        })
    }

    fn write(&self, file: &File) -> Result<(), AppError> {
        let mut text = serde_json::to_string_pretty(file).map_err(|e| self.error(e))?;
        text.push('\n');
        self.replace(text.as_bytes())
    }

    fn read(&self) -> Result<File, AppError> {
        let file = match std::fs::File::open(&self.path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(File::default()),
            Err(e) => return Err(self.error(e)),
        };
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::Read::take(file, MAX_BYTES + 1), &mut text)
            .map_err(|e| self.error(e))?;
        if text.len() as u64 > MAX_BYTES {
            return Err(self.error("it is too large"));
        }
        serde_json::from_str(&text).map_err(|e| self.error(e))
    }

    /// Writes `bytes` to a new file beside the target, flushes it, and renames it over the target.
    fn replace(&self, bytes: &[u8]) -> Result<(), AppError> {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let dir = self.path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(|e| self.error(e))?;
        let temp = dir.join(format!(
            ".{FILE_NAME}.{}.{}.tmp",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let written = (|| {
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&temp)?;
            file.write_all(bytes)?;
            file.sync_all()?;
            std::fs::rename(&temp, &self.path)?;
            // The rename itself is durable once the folder is flushed.
            #[cfg(unix)]
            std::fs::File::open(dir)?.sync_all()?;
            Ok::<_, std::io::Error>(())
        })();
        if let Err(e) = written {
            let _ = std::fs::remove_file(&temp);
            return Err(self.error(e));
        }
        Ok(())
    }

    fn error(&self, cause: impl std::fmt::Display) -> AppError {
        AppError::PolicyState {
            path: self.path.clone(),
            cause: cause.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    const ISSUER: &str = "https://login.example.com";

    #[test]
    fn versions_are_kept_per_agent_and_only_raised() {
        let dir = tempfile::tempdir().unwrap();
        let versions = Versions::new(&dir.path().join("data"));
        assert_eq!(versions.get(ISSUER, "agent1").unwrap(), None);
        versions.raise(ISSUER, "agent1", 7).unwrap();
        versions.raise(ISSUER, "agent2", 3).unwrap();
        versions
            .raise("https://other.example.com", "agent1", 1)
            .unwrap();
        versions.raise(ISSUER, "agent1", 5).unwrap();
        assert_eq!(
            versions.get(ISSUER, "agent1").unwrap(),
            Some(7),
            "never lowered"
        );
        versions.raise(ISSUER, "agent1", 9).unwrap();
        // A new reader (a restarted app) sees the same.
        let again = Versions::new(&dir.path().join("data"));
        assert_eq!(again.get(ISSUER, "agent1").unwrap(), Some(9));
        assert_eq!(again.get(ISSUER, "agent2").unwrap(), Some(3));
        assert_eq!(
            again.get("https://other.example.com", "agent1").unwrap(),
            Some(1)
        );
    }

    #[test]
    fn the_file_is_replaced_whole_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let versions = Versions::new(dir.path());
        versions.raise(ISSUER, "agent1", 1).unwrap();
        // Another handle on the old file keeps seeing the old content: the file was replaced by
        // a rename, not rewritten in place, so no reader ever sees it half written.
        let mut old = std::fs::File::open(versions.path()).unwrap();
        versions.raise(ISSUER, "agent1", 2).unwrap();
        let mut seen = String::new();
        std::io::Read::read_to_string(&mut old, &mut seen).unwrap();
        assert!(seen.contains("\"version\": 1"), "{seen}");
        let mut names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, [FILE_NAME, LOCK_NAME], "no temporary file is left");
        let text = std::fs::read_to_string(versions.path()).unwrap();
        let file: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(file["accepted"][0]["version"], 2);
    }

    #[test]
    fn a_write_left_unfinished_by_a_crash_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let versions = Versions::new(dir.path());
        versions.raise(ISSUER, "agent1", 4).unwrap();
        // What a crash between creating and renaming the temporary file leaves behind.
        std::fs::write(
            dir.path().join(format!(".{FILE_NAME}.1.0.tmp")),
            "{\"accepted\": [",
        )
        .unwrap();
        assert_eq!(versions.get(ISSUER, "agent1").unwrap(), Some(4));
        versions.raise(ISSUER, "agent1", 5).unwrap();
        assert_eq!(versions.get(ISSUER, "agent1").unwrap(), Some(5));
    }

    #[test]
    fn a_corrupt_file_refuses_reads_and_writes_and_names_itself() {
        let dir = tempfile::tempdir().unwrap();
        let versions = Versions::new(dir.path());
        versions.raise(ISSUER, "agent1", 8).unwrap();
        for corrupt in [
            "",
            "{\"accepted\": [",
            "{\"accepted\": [{\"issuer\": \"x\", \"subject\": \"y\", \"version\": -1}]}",
            "{\"accepted\": [], \"extra\": 1}",
        ] {
            std::fs::write(versions.path(), corrupt).unwrap();
            let err = versions.get(ISSUER, "agent1").unwrap_err();
            assert_eq!(err.code(), ErrorCode::PolicyState, "{corrupt}");
            assert!(
                err.to_string()
                    .contains(&versions.path().display().to_string()),
                "{err}"
            );
            // Not silently reset by the next accept either.
            assert!(versions.raise(ISSUER, "agent1", 1).is_err());
            assert_eq!(std::fs::read_to_string(versions.path()).unwrap(), corrupt);
        }
    }

    #[test]
    fn a_huge_file_is_refused_without_reading_it_all() {
        let dir = tempfile::tempdir().unwrap();
        let versions = Versions::new(dir.path());
        std::fs::write(versions.path(), " ".repeat(MAX_BYTES as usize + 10)).unwrap();
        assert_eq!(
            versions.get(ISSUER, "a").unwrap_err().code(),
            ErrorCode::PolicyState
        );
    }

    #[test]
    fn processes_raising_at_once_lose_nothing_and_lower_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        // Each thread stands for a process of its own: its own `Versions`, the same folder.
        let writers: Vec<_> = (0..6)
            .map(|n| {
                let data = data.clone();
                std::thread::spawn(move || {
                    let versions = Versions::new(&data);
                    for version in 1..=25 {
                        versions
                            .raise(ISSUER, &format!("agent{n}"), version)
                            .unwrap();
                        versions.raise(ISSUER, "shared", version * 10 + n).unwrap();
                    }
                })
            })
            .collect();
        for writer in writers {
            writer.join().unwrap();
        }
        let versions = Versions::new(&data);
        for n in 0..6 {
            assert_eq!(
                versions.get(ISSUER, &format!("agent{n}")).unwrap(),
                Some(25),
                "agent{n}"
            );
        }
        assert_eq!(versions.get(ISSUER, "shared").unwrap(), Some(255));
    }
}
