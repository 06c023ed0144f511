//! The whole trail checked as one, as `desk-server audit verify` does: the archive files named
//! (oldest first) and the database's chain after them, under the audit key, and signed
//! checkpoints kept elsewhere against both.
//!
//! Without archive files, the check begins where the database's chain does: after its newest
//! archive ([`super::retention`]), which a keyed `audit.archive` entry must record. A checkpoint
//! of an archived entry cannot be checked against the database, and says so (naming the archive
//! to check it with) instead of passing.

use std::path::PathBuf;

use desk_core::signed::{Checkpoint, PublicKey};

use super::checkpoint::{self, CheckpointLine};
use super::key::AuditKey;
use super::retention::read_archive;
use super::{Verification, Verifier};
use crate::store::{Retained, Store, StoreError};

/// What a check of the trail found.
#[derive(Debug)]
pub struct Report {
    /// The chain's verdict, archives included when named.
    pub verification: Verification,
    /// The last entry archived out of the database (0 when none was).
    pub archived_through: i64,
    /// The newest archive's file name, when there is one.
    pub archive: Option<String>,
    /// Checkpoints checked: those given and those the archive files hold.
    pub checkpoints: usize,
    /// How each checkpoint that the trail does not hold fails (or could not be checked).
    pub not_held: Vec<String>,
}

/// Why the trail could not be checked at all.
#[derive(Debug, thiserror::Error)]
pub enum TrailError {
    /// The store could not be read.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// An archive file could not be read or does not fit the database's chain.
    #[error("{0}")]
    Archive(String),
}

/// Checks the trail: `archives` (oldest first) then the database, under `key`, and
/// `checkpoints` (and those the archives hold, whose signatures are checked against `public`)
/// against it.
pub async fn verify(
    store: &dyn Store,
    key: &AuditKey,
    archives: &[PathBuf],
    public: &[PublicKey],
    mut checkpoints: Vec<Checkpoint>,
) -> Result<Report, TrailError> {
    let retained = store.audit_retained().await?;
    let mut not_held = Vec::new();
    for file in archives {
        let lines = read_archive(file, |_| {}).map_err(TrailError::Archive)?;
        for line in lines.checkpoints {
            match CheckpointLine::verify(&line, public) {
                Ok(c) => checkpoints.push(c),
                Err(e) => not_held.push(format!("a checkpoint in {}: {e}", file.display())),
            }
        }
    }
    let through = retained.as_ref().map_or(0, |r| r.through_seq);
    let mut verifier = if archives.is_empty() {
        Verifier::after(
            key,
            through,
            retained.as_ref().map_or(super::GENESIS, |r| &r.hash),
        )
    } else {
        let retained = retained.as_ref().ok_or_else(|| {
            TrailError::Archive(
                "archive files were named, but nothing in the database was archived".into(),
            )
        })?;
        let mut verifier = None;
        for file in archives {
            read_archive(file, |page| {
                let v = verifier.get_or_insert_with(|| {
                    let mut v = Verifier::after(key, page[0].seq - 1, &page[0].prev_hash);
                    v.remember(checkpoints.iter().map(|c| c.seq).filter(|&s| s <= through));
                    v
                });
                v.check(page);
            })
            .map_err(TrailError::Archive)?;
        }
        let mut verifier = verifier
            .ok_or_else(|| TrailError::Archive("the archive files hold no entries".into()))?;
        let (seq, hash) = verifier.head();
        if (seq, hash) != (retained.through_seq, retained.hash.as_str()) {
            verifier.refuse(format!(
                "the archives end at entry {seq}, but the database's chain goes on after entry \
                 {} (its newest archive is {}): name every archive, oldest first",
                retained.through_seq, retained.archive
            ));
        }
        verifier
    };
    if let Some(r) = &retained {
        verifier.archived_through(r.through_seq, &r.hash);
    }
    check_store(store, &mut verifier, through + 1).await?;
    for c in &checkpoints {
        let why = if c.seq > through || c.seq == 0 || archives.is_empty() {
            in_database(store, retained.as_ref(), c).await?
        } else {
            match verifier.link_at(c.seq) {
                Some(link) if link == c.hash => None,
                Some(_) => Some(format!(
                    "archived entry {} is not the one checkpointed at {} (the archive was \
                     rewritten up to it)",
                    c.seq, c.time
                )),
                None => Some(format!(
                    "entry {}, checkpointed at {}, is in none of the archives named, or lies \
                     after where they break",
                    c.seq, c.time
                )),
            }
        };
        not_held.extend(why);
    }
    Ok(Report {
        verification: verifier.finish(),
        archived_through: through,
        archive: retained.map(|r| r.archive),
        checkpoints: checkpoints.len(),
        not_held,
    })
}

/// How the database's chain, which begins after `retained`, fails to hold `c` (`None`: it holds
/// it). A checkpoint of an archived entry cannot be checked against the database, and says which
/// archive to check it with.
async fn in_database(
    store: &dyn Store,
    retained: Option<&Retained>,
    c: &Checkpoint,
) -> Result<Option<String>, StoreError> {
    let Some(r) = retained.filter(|r| c.seq > 0 && c.seq <= r.through_seq) else {
        return Ok(checkpoint::held(store, c).await?.err());
    };
    Ok((c.seq != r.through_seq || c.hash != r.hash).then(|| {
        format!(
            "entry {} (checkpointed at {}) was archived, with the entries up to {}, in {}: \
             check it with `--archive` naming the archive files",
            c.seq, c.time, r.through_seq, r.archive
        )
    }))
}

/// What a check of the database's chain alone found.
#[derive(Debug)]
pub struct DatabaseCheck {
    /// The chain's verdict, from its first entry or after its newest archive.
    pub verification: Verification,
    /// The newest archive, when entries were archived.
    pub retained: Option<Retained>,
    /// For each checkpoint given, in order, how the chain fails to hold it (`None`: it holds it).
    pub checkpoints: Vec<Option<String>>,
}

/// Checks the chain the database holds under `key`, a page at a time (from its first entry, or
/// after its newest archive, which a keyed `audit.archive` entry must record), and each of
/// `checkpoints` (signatures already checked) against it.
pub async fn check_database(
    store: &dyn Store,
    key: &AuditKey,
    checkpoints: &[Checkpoint],
) -> Result<DatabaseCheck, StoreError> {
    let retained = store.audit_retained().await?;
    let mut verifier = match &retained {
        Some(r) => {
            let mut verifier = Verifier::after(key, r.through_seq, &r.hash);
            verifier.archived_through(r.through_seq, &r.hash);
            verifier
        }
        None => Verifier::new(key),
    };
    let from = verifier.head().0 + 1;
    check_store(store, &mut verifier, from).await?;
    let mut held = Vec::with_capacity(checkpoints.len());
    for c in checkpoints {
        held.push(in_database(store, retained.as_ref(), c).await?);
    }
    Ok(DatabaseCheck {
        verification: verifier.finish(),
        retained,
        checkpoints: held,
    })
}

/// Feeds the database's entries from `from` on to `verifier`, a page at a time, until the end
/// or a break.
pub async fn check_store(
    store: &dyn Store,
    verifier: &mut Verifier<'_>,
    mut from: i64,
) -> Result<(), StoreError> {
    const PAGE: u32 = 10_000;
    loop {
        let entries = store.audit_from(from, PAGE).await?;
        let Some(last) = entries.last() else { break };
        from = last.seq + 1;
        if !verifier.check(&entries) || entries.len() < PAGE as usize {
            break;
        }
    }
    Ok(())
}
