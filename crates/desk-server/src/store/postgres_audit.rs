//! The audit chain in the PostgreSQL store: the transaction that may append to it (the process's
//! chain lock, then [`CHAIN_LOCK`] inside the transaction), the append itself, the writer task
//! that batches entries of their own, and the trail's reads, retention and checkpoints.

use std::sync::Arc;

use sqlx::{PgPool, Postgres, QueryBuilder, Transaction};
use tokio::sync::{Mutex, MutexGuard, mpsc, oneshot};

use super::postgres::PostgresStore;
use super::shared::now;
use super::{AuditFilter, Retained, StoreError};
use crate::audit::checkpoint::CheckpointLine;
use crate::audit::key::AuditKey;
use crate::audit::{AuditEntry, AuditEvent};

/// The advisory lock every transaction that appends to the audit chain holds from before it
/// reads the head until it ends (`pg_advisory_xact_lock`, one 64-bit key: "desk-aud" in ASCII).
pub const CHAIN_LOCK: i64 = 0x6465_736b_2d61_7564;

/// Most audit entries one transaction of the writer commits (as on SQLite).
pub const AUDIT_BATCH: usize = super::sqlite::AUDIT_BATCH;

/// PostgreSQL's limit of bound parameters in one statement.
const MAX_BOUND_PARAMETERS: usize = 65_535;

/// An audit entry waiting for the writer, and where its outcome goes.
pub(super) struct PendingAudit {
    pub(super) event: AuditEvent,
    pub(super) done: oneshot::Sender<Result<AuditEntry, StoreError>>,
}

/// Commits the waiting audit entries, a batch per transaction, until the store is dropped. When
/// a batch's transaction fails, each of its entries is tried again alone, so one entry that
/// cannot be written fails only its own request; when it failed because the database cannot be
/// reached, every entry of the batch fails at once (trying each again would keep each request
/// waiting for its turn at a database that is not there).
pub(super) async fn audit_writer(
    pool: PgPool,
    chain: Arc<Mutex<AuditKey>>,
    mut queue: mpsc::UnboundedReceiver<PendingAudit>,
) {
    let mut batch = Vec::with_capacity(AUDIT_BATCH);
    while queue.recv_many(&mut batch, AUDIT_BATCH).await > 0 {
        let events: Vec<&AuditEvent> = batch.iter().map(|p| &p.event).collect();
        match write_audit(&pool, &chain, &events).await {
            Ok(entries) => {
                for (pending, entry) in batch.drain(..).zip(entries) {
                    // A caller that went away (its request was cancelled) just misses the answer.
                    let _ = pending.done.send(Ok(entry));
                }
            }
            Err(e) if batch.len() == 1 => {
                let _ = batch.remove(0).done.send(Err(e));
            }
            Err(e) if e.is_unavailable() => {
                let reason = e.to_string();
                for pending in batch.drain(..) {
                    let _ = pending
                        .done
                        .send(Err(StoreError::Unavailable(reason.clone())));
                }
            }
            Err(_) => {
                for pending in batch.drain(..) {
                    let written = write_audit(&pool, &chain, &[&pending.event]).await;
                    let _ = pending
                        .done
                        .send(written.map(|mut entries| entries.remove(0)));
                }
            }
        }
    }
}

/// Appends `events` in one transaction, under the chain's locks.
async fn write_audit(
    pool: &PgPool,
    chain: &Mutex<AuditKey>,
    events: &[&AuditEvent],
) -> Result<Vec<AuditEntry>, StoreError> {
    let (key, mut tx) = begin_chain(pool, chain).await?;
    let entries = PostgresStore::append_all_in(&key, &mut tx, events).await?;
    tx.commit().await?;
    Ok(entries)
}

/// A transaction that may append to the chain: the process's chain lock (which holds the key),
/// then the transaction, then [`CHAIN_LOCK`] in it, first of all, so that no transaction holds
/// a row lock while it waits for the chain (which could deadlock with one holding the chain
/// and waiting for that row). A transaction dropped before its commit is rolled back, and its
/// advisory lock released with it.
async fn begin_chain<'k>(
    pool: &PgPool,
    chain: &'k Mutex<AuditKey>,
) -> Result<(MutexGuard<'k, AuditKey>, Transaction<'static, Postgres>), StoreError> {
    let key = chain.lock().await;
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(CHAIN_LOCK)
        .execute(&mut *tx)
        .await?;
    Ok((key, tx))
}

impl PostgresStore {
    /// A transaction that may append to the chain (see [`begin_chain`]).
    pub(super) async fn begin_chain(
        &self,
    ) -> Result<(MutexGuard<'_, AuditKey>, Transaction<'static, Postgres>), StoreError> {
        begin_chain(&self.pool, &self.chain).await
    }

    /// Appends `events` in order inside `tx`, continuing the chain from its head as this
    /// transaction sees it: one read of the head and one statement for all of them. The caller
    /// holds both chain locks ([`begin_chain`]), so the head read is the latest committed.
    pub(super) async fn append_all_in(
        key: &AuditKey,
        tx: &mut Transaction<'_, Postgres>,
        events: &[&AuditEvent],
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let mut head: Option<(i64, String)> =
            sqlx::query_as("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")
                .fetch_optional(&mut **tx)
                .await?;
        let mut entries = Vec::with_capacity(events.len());
        for event in events {
            let prev = head.as_ref().map(|(s, h)| (*s, h.as_str()));
            let entry = AuditEntry::next(key, prev, event, now());
            head = Some((entry.seq, entry.hash.clone()));
            entries.push(entry);
        }
        for chunk in entries.chunks(MAX_BOUND_PARAMETERS / 9) {
            let mut insert = QueryBuilder::<Postgres>::new(
                "INSERT INTO audit (seq, time, actor, action, resource, outcome, detail, prev_hash, hash) ",
            );
            insert.push_values(chunk, |mut row, entry| {
                row.push_bind(entry.seq)
                    .push_bind(&entry.time)
                    .push_bind(&entry.actor)
                    .push_bind(&entry.action)
                    .push_bind(&entry.resource)
                    .push_bind(&entry.outcome)
                    .push_bind(&entry.detail)
                    .push_bind(&entry.prev_hash)
                    .push_bind(&entry.hash);
            });
            insert.build().execute(&mut **tx).await?;
        }
        Ok(entries)
    }

    /// Appends `event` inside `tx` (see [`Self::append_all_in`]).
    pub(super) async fn append_in(
        key: &AuditKey,
        tx: &mut Transaction<'_, Postgres>,
        event: &AuditEvent,
    ) -> Result<AuditEntry, StoreError> {
        let mut entries = Self::append_all_in(key, tx, &[event]).await?;
        Ok(entries.remove(0))
    }
}

pub(super) async fn audit_page(
    store: &PostgresStore,
    before: Option<i64>,
    filter: &AuditFilter,
    limit: u32,
) -> Result<Vec<AuditEntry>, StoreError> {
    // Our own SQL text; every value is bound.
    let mut query = QueryBuilder::<Postgres>::new("SELECT * FROM audit WHERE seq < ");
    query.push_bind(before.unwrap_or(i64::MAX));
    filter.push_conditions(&mut query);
    query
        .push(" ORDER BY seq DESC LIMIT ")
        .push_bind(i64::from(limit));
    Ok(query.build_query_as().fetch_all(&store.pool).await?)
}

pub(super) async fn audit_from(
    store: &PostgresStore,
    from_seq: i64,
    limit: u32,
) -> Result<Vec<AuditEntry>, StoreError> {
    Ok(
        sqlx::query_as("SELECT * FROM audit WHERE seq >= $1 ORDER BY seq LIMIT $2")
            .bind(from_seq)
            .bind(i64::from(limit))
            .fetch_all(&store.pool)
            .await?,
    )
}

pub(super) async fn audit_head(store: &PostgresStore) -> Result<Option<(i64, String)>, StoreError> {
    Ok(
        sqlx::query_as("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&store.pool)
            .await?,
    )
}

pub(super) async fn audit_retained(store: &PostgresStore) -> Result<Option<Retained>, StoreError> {
    Ok(
        sqlx::query_as("SELECT * FROM audit_retained ORDER BY through_seq DESC LIMIT 1")
            .fetch_optional(&store.pool)
            .await?,
    )
}

pub(super) async fn retain_audit(
    store: &PostgresStore,
    retained: &Retained,
    audit: AuditEvent,
    checkpoints_through: Option<i64>,
) -> Result<AuditEntry, StoreError> {
    let (key, mut tx) = store.begin_chain().await?;
    let archived: Option<String> = sqlx::query_scalar("SELECT hash FROM audit WHERE seq = $1")
        .bind(retained.through_seq)
        .fetch_optional(&mut *tx)
        .await?;
    if archived.as_deref() != Some(retained.hash.as_str()) {
        tx.rollback().await?;
        return Err(StoreError::Conflict(
            "the entries to archive changed while they were archived",
        ));
    }
    let entry = PostgresStore::append_in(&key, &mut tx, &audit).await?;
    sqlx::query(
        "INSERT INTO audit_retained (through_seq, hash, entries, archive, archived_at, checkpoint)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(retained.through_seq)
    .bind(&retained.hash)
    .bind(retained.entries)
    .bind(&retained.archive)
    .bind(&retained.archived_at)
    .bind(&retained.checkpoint)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM audit WHERE seq <= $1")
        .bind(retained.through_seq)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM audit_checkpoints WHERE seq <= $1 AND id <= $2")
        .bind(retained.through_seq)
        .bind(checkpoints_through.unwrap_or(i64::MAX))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(entry)
}

pub(super) async fn checkpoints_after(
    store: &PostgresStore,
    after_id: i64,
    to_seq: i64,
    limit: u32,
) -> Result<Vec<(i64, CheckpointLine)>, StoreError> {
    let rows: Vec<(i64, i64, String, String, String)> = sqlx::query_as(
        "SELECT id, seq, hash, time, signed FROM audit_checkpoints
         WHERE id > $1 AND seq <= $2 ORDER BY id LIMIT $3",
    )
    .bind(after_id)
    .bind(to_seq)
    .bind(i64::from(limit))
    .fetch_all(&store.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, seq, hash, time, signed)| {
            let line = CheckpointLine {
                seq,
                hash,
                time,
                signed,
            };
            (id, line)
        })
        .collect())
}

pub(super) async fn record_checkpoint(
    store: &PostgresStore,
    checkpoint: &CheckpointLine,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO audit_checkpoints (seq, hash, time, signed) VALUES ($1, $2, $3, $4)")
        .bind(checkpoint.seq)
        .bind(&checkpoint.hash)
        .bind(&checkpoint.time)
        .bind(&checkpoint.signed)
        .execute(&store.pool)
        .await?;
    Ok(())
}

pub(super) async fn newest_checkpoint(
    store: &PostgresStore,
) -> Result<Option<CheckpointLine>, StoreError> {
    let row: Option<(i64, String, String, String)> = sqlx::query_as(
        "SELECT seq, hash, time, signed FROM audit_checkpoints ORDER BY id DESC LIMIT 1",
    )
    .fetch_optional(&store.pool)
    .await?;
    Ok(row.map(|(seq, hash, time, signed)| CheckpointLine {
        seq,
        hash,
        time,
        signed,
    }))
}

pub(super) async fn audit_checkpoints(
    store: &PostgresStore,
    from_seq: i64,
    to_seq: i64,
) -> Result<Vec<CheckpointLine>, StoreError> {
    let rows: Vec<(i64, String, String, String)> = sqlx::query_as(
        "SELECT seq, hash, time, signed FROM audit_checkpoints
         WHERE seq BETWEEN $1 AND $2 ORDER BY seq, id",
    )
    .bind(from_seq)
    .bind(to_seq)
    .fetch_all(&store.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(seq, hash, time, signed)| CheckpointLine {
            seq,
            hash,
            time,
            signed,
        })
        .collect())
}

pub(super) async fn audit_of_action(
    store: &PostgresStore,
    action: &str,
    after: i64,
    limit: u32,
) -> Result<Vec<AuditEntry>, StoreError> {
    Ok(
        sqlx::query_as("SELECT * FROM audit WHERE seq > $1 AND action = $2 ORDER BY seq LIMIT $3")
            .bind(after)
            .bind(action)
            .bind(i64::from(limit))
            .fetch_all(&store.pool)
            .await?,
    )
}
