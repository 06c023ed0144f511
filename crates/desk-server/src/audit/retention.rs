//! Retention: the trail's oldest entries archived to a file, then deleted from the database.
//!
//! With `audit_retention_days` set, `serve` (at start and every [`EVERY`]) and `desk-server audit
//! archive` take the entries older than that which follow the last archive, and
//!
//! 1. verify the whole chain under the audit key, and stop if it is broken (an archive never
//!    launders a tampered chain);
//! 2. write them to `audit-{first}-{last}.jsonl` in the archive folder (`audit_archive_dir`,
//!    mode 0700; the file 0600, written whole under a temporary name, synced, then renamed): the
//!    `jsonl` lines of `audit export`, the kept checkpoints among them, and last a checkpoint of
//!    the last entry archived, signed with the policy key;
//! 3. in one transaction under the chain lock, append an `audit.archive` entry naming the last
//!    entry archived, its link, their number and the file ([`ArchiveDetail`]), keep the same as
//!    the store's [`Retained`], and delete the archived entries and their kept checkpoints.
//!
//! Verification then begins after the archived entries, from the link the archive ended with
//! ([`crate::audit::Verifier::after`]), and holds only if the keyed `audit.archive` entry
//! records it: whoever can write the database but lacks the key cannot delete old entries and
//! call it retention. The archive files verify on their own and together with the database
//! (`audit verify --archive FILE`, [`super::trail`]), and checkpoints of archived entries are
//! checked against them. Entries a live sink has not delivered yet are never archived.

use std::io::BufRead;
use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat, Utc};
use desk_core::AuditAction;
use desk_core::signed::PolicyKey;
use serde::{Deserialize, Serialize};

use super::checkpoint::CheckpointLine;
use super::export::{self, Format, Range};
use super::key::AuditKey;
use super::sink::Position;
use super::{AuditEntry, AuditEvent, Broken, Outcome};
use crate::store::{Retained, Store, StoreError};

/// How often `serve` archives what has grown older than the retention period.
pub const EVERY: std::time::Duration = std::time::Duration::from_secs(6 * 3600);

/// The folder archives go to when `audit_archive_dir` is not set, in the data directory.
pub const DIR_NAME: &str = "audit-archive";

/// What an `audit.archive` entry's detail says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchiveDetail {
    /// The last entry archived.
    pub through: i64,
    /// Its link.
    pub hash: String,
    /// How many entries were archived.
    pub entries: i64,
    /// The archive's file name.
    pub archive: String,
}

/// Whether `entry` (an `audit.archive` entry) records that the entries up to `seq`, the last
/// with link `hash`, were archived.
pub fn records(entry: &AuditEntry, seq: i64, hash: &str) -> bool {
    serde_json::from_str::<ArchiveDetail>(&entry.detail)
        .is_ok_and(|d| d.through == seq && d.hash == hash)
}

/// What one run archived.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Archived {
    /// The first and last entry archived.
    pub first: i64,
    /// The last entry archived.
    pub through: i64,
    /// The archive file.
    pub file: PathBuf,
    /// The `audit.archive` entry that records it.
    pub recorded_as: i64,
}

/// Why nothing was archived.
#[derive(Debug, thiserror::Error)]
pub enum RetentionError {
    /// The store could not be read or written.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The chain does not verify: nothing is archived or deleted until it is looked into.
    #[error("the audit chain is broken at entry {}: {}; nothing archived", .0.seq, .0.reason)]
    Broken(Broken),
    /// Where the live sink stands could not be read, so nothing is archived (it might not
    /// have delivered the entries yet).
    #[error("the audit sink's cursor: {0}")]
    Sink(String),
    /// The archive could not be written.
    #[error("writing the audit archive {}: {error}", .path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What failed.
        error: std::io::Error,
    },
}

/// What archiving needs.
pub struct Retention<'a> {
    /// The trail.
    pub store: &'a dyn Store,
    /// The audit key, to verify the chain first.
    pub key: &'a AuditKey,
    /// The policy key, to sign the archive's final checkpoint.
    pub signer: &'a PolicyKey,
    /// The archive folder.
    pub dir: &'a Path,
}

impl Retention<'_> {
    /// Archives and deletes the entries recorded before `before` that follow the last archive,
    /// keeping what the live sink has not delivered (`delivered`, its cursor): entries after its
    /// last one, checkpoints after its last one. `None` when there is nothing to archive.
    pub async fn archive(
        &self,
        before: DateTime<Utc>,
        delivered: Option<Position>,
    ) -> Result<Option<Archived>, RetentionError> {
        let verified = crate::verify_audit(self.store, self.key).await?;
        if let Some(broken) = verified.broken {
            return Err(RetentionError::Broken(broken));
        }
        let first = verified.after + 1;
        let head = verified.after + verified.entries;
        let older = last_before(self.store, first, head, &stamp(before)).await?;
        let through = older.min(delivered.map_or(i64::MAX, |d| d.seq));
        if through < first {
            return Ok(None);
        }
        let (file, checkpoint) = self.write(first, through).await?;
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let detail = ArchiveDetail {
            through,
            hash: checkpoint.hash.clone(),
            entries: through - first + 1,
            archive: name.clone(),
        };
        let retained = Retained {
            through_seq: through,
            hash: checkpoint.hash.clone(),
            entries: detail.entries,
            archive: name,
            archived_at: stamp(Utc::now()),
            checkpoint: serde_json::to_string(&checkpoint)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        };
        let event = AuditEvent::new(
            "desk-server",
            AuditAction::AuditArchive,
            "audit",
            Outcome::Ok,
        )
        .with_detail(
            serde_json::to_value(&detail).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        );
        let entry = self
            .store
            .retain_audit(&retained, event, delivered.map(|d| d.checkpoint))
            .await?;
        Ok(Some(Archived {
            first,
            through,
            file,
            recorded_as: entry.seq,
        }))
    }

    /// Writes entries `first` to `through` to their archive file; returns it and its final
    /// checkpoint.
    async fn write(
        &self,
        first: i64,
        through: i64,
    ) -> Result<(PathBuf, CheckpointLine), RetentionError> {
        let io = |path: &Path| {
            let path = path.to_owned();
            move |error| RetentionError::Io { path, error }
        };
        crate::private::dir(self.dir).map_err(io(self.dir))?;
        remove_unrecorded(self.dir, first);
        let file = self.dir.join(file_name(first, through));
        let partial = file.with_extension("jsonl.partial");
        let mut out =
            std::io::BufWriter::new(crate::private::create_new(&partial).map_err(io(&partial))?);
        let range = Range {
            since: first - 1,
            until: Some(through),
        };
        let exported = export::export(
            self.store,
            range,
            Format::Jsonl,
            Some(self.signer),
            &mut out,
        )
        .await
        .map_err(|e| match e {
            export::ExportError::Store(e) => RetentionError::Store(e),
            export::ExportError::Write(error) => RetentionError::Io {
                path: partial.clone(),
                error,
            },
        })?;
        let written = out
            .into_inner()
            .map_err(|e| RetentionError::Io {
                path: partial.clone(),
                error: e.into_error(),
            })?
            .sync_all();
        written.map_err(io(&partial))?;
        let checkpoint = exported
            .final_checkpoint
            .filter(|c| c.seq == through && exported.entries == (through - first + 1) as u64)
            .ok_or_else(|| {
                StoreError::Corrupt(format!(
                    "entries {first} to {through} could not be read whole for the archive"
                ))
            })?;
        std::fs::rename(&partial, &file).map_err(io(&file))?;
        std::fs::File::open(self.dir)
            .and_then(|d| d.sync_all())
            .map_err(io(self.dir))?;
        Ok((file, checkpoint))
    }
}

/// Archives the entries recorded before `before` into `config`'s archive folder, keeping those
/// the configured sink has not delivered, and logs what it archived: what `serve` and `audit
/// archive` both run.
pub async fn archive_configured(
    config: &crate::config::Config,
    store: &dyn Store,
    key: &AuditKey,
    signer: &PolicyKey,
    before: chrono::DateTime<chrono::Utc>,
) -> Result<Option<Archived>, RetentionError> {
    let delivered = match config.audit_sink().ok().flatten() {
        Some(target) => Some(
            super::sink::Sink::new(target, &config.data_dir)
                .cursor()
                .map_err(|e| RetentionError::Sink(e.to_string()))?,
        ),
        None => None,
    };
    let dir = config.audit_archive_path();
    let retention = Retention {
        store,
        key,
        signer,
        dir: &dir,
    };
    let archived = retention.archive(before, delivered).await?;
    if let Some(a) = &archived {
        tracing::info!(
            first = a.first,
            through = a.through,
            file = %a.file.display(),
            recorded_as = a.recorded_as,
            "archived old audit entries and deleted them from the database"
        );
    }
    Ok(archived)
}

/// Removes what an earlier run stopped before recording (its process ended between writing and
/// the database's commit): archives beginning at `first`, the entry after the last recorded
/// archive, hold only entries the database still has.
fn remove_unrecorded(dir: &Path, first: i64) {
    let prefix = format!("audit-{first:012}-");
    let Ok(files) = std::fs::read_dir(dir) else {
        return;
    };
    for file in files.flatten() {
        let name = file.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(&prefix) && (name.ends_with(".jsonl") || name.ends_with(".partial")) {
            match std::fs::remove_file(file.path()) {
                Ok(()) => tracing::info!(file = %file.path().display(),
                    "removed an audit archive an earlier run did not record; its entries are still in the database"),
                Err(e) => tracing::warn!(file = %file.path().display(), error = %e,
                    "could not remove an unrecorded audit archive"),
            }
        }
    }
}

/// An archive's file name: the first and last entry it holds, zero-padded so that names sort
/// in chain order.
pub fn file_name(first: i64, through: i64) -> String {
    format!("audit-{first:012}-{through:012}.jsonl")
}

fn stamp(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The last entry from `first` to `head` recorded before `before` (an RFC 3339 time as entries
/// store it), or `first - 1` when there is none. Entries are recorded in time order, so this is
/// a binary search of a few point reads, not a scan.
async fn last_before(
    store: &dyn Store,
    first: i64,
    head: i64,
    before: &str,
) -> Result<i64, StoreError> {
    let (mut low, mut high) = (first, head);
    let mut found = first - 1;
    while low <= high {
        let middle = low + (high - low) / 2;
        let time = store
            .audit_from(middle, 1)
            .await?
            .into_iter()
            .next()
            .filter(|e| e.seq == middle)
            .map(|e| e.time)
            .ok_or_else(|| StoreError::Corrupt(format!("audit entry {middle} is missing")))?;
        if time.as_str() < before {
            found = middle;
            low = middle + 1;
        } else {
            high = middle - 1;
        }
    }
    Ok(found)
}

/// What an archive file holds, read line by line.
#[derive(Debug, Default)]
pub struct ArchiveLines {
    /// Its checkpoint lines, as [`CheckpointLine::verify`] reads them.
    pub checkpoints: Vec<String>,
}

/// Reads an archive file (or an export in `jsonl`), handing its entries to `entries` a page at
/// a time in the order written, and returns its checkpoint lines. Stops at the first line that
/// is neither an entry nor a checkpoint.
pub fn read_archive(
    path: &Path,
    mut entries: impl FnMut(&[AuditEntry]),
) -> Result<ArchiveLines, String> {
    const PAGE: usize = 1000;
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut lines = ArchiveLines::default();
    let mut page = Vec::with_capacity(PAGE);
    for (n, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| format!("{}: {e}", path.display()))?;
        let at = || format!("{} line {}", path.display(), n + 1);
        if line.trim().is_empty() {
            continue;
        }
        if let Some(checkpoint) =
            export::checkpoint_in(&line).map_err(|e| format!("{}: {e}", at()))?
        {
            lines.checkpoints.push(checkpoint);
            continue;
        }
        let mut value: serde_json::Value =
            serde_json::from_str(&line).map_err(|e| format!("{}: {e}", at()))?;
        if let Some(object) = value.as_object_mut() {
            object.remove("type");
        }
        let entry: AuditEntry = serde_json::from_value(value)
            .map_err(|e| format!("{}: not an audit entry ({e}); archives are `jsonl`", at()))?;
        page.push(entry);
        if page.len() == PAGE {
            entries(&page);
            page.clear();
        }
    }
    if !page.is_empty() {
        entries(&page);
    }
    Ok(lines)
}
