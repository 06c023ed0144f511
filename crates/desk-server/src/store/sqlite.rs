//! The embedded store: one SQLite file under the server's data directory.
//!
//! WAL, foreign keys, `synchronous=NORMAL`. Reads run in parallel; writes that touch the audit
//! chain take the chain lock, read the head inside their transaction and commit the new entry with
//! the change it records, so the chain never forks and a failed audit write rolls the change back.
//! Most statements go through the sqlx pool. What every request does runs on connections owned by
//! threads of their own (`sqlite_owned`): the per-request reads (a customer lookup, a ticket view)
//! on a few reader threads, and audit entries of their own (every read is one) on one writer
//! thread that commits what is waiting in one transaction, up to [`AUDIT_BATCH`], under the same
//! chain lock: each caller still waits for its entry to be committed, but a burst of reads costs
//! one transaction instead of one each.

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use desk_core::signed::Layout;
use desk_core::{Role, RoleDefinition};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{QueryBuilder, Sqlite, SqlitePool, Transaction};
use tokio::sync::Mutex;

use super::shared::{RoleChangeRow, now, stored_layouts, stored_roles};
use super::sqlite_owned::{self, Owned, reads};
use super::{
    AuditFilter, Batch, CustomerRecord, CustomerRow, MessageRow, NewMessage, NewRoleChange,
    OfflineUploadResult, OfflineView, OfflineWindow, RecordReach, Retained, ScimAccess, ScimChange,
    ScimGroupRow, ScimLookup, ScimUserRow, ScimWritten, SearchQuery, Store, StoreError,
    StoredAcknowledgement, StoredLayout, StoredRole, StoredScimToken, StoredWipe, TicketRow,
    TransactionFilter, TransactionRow, sqlite_import, sqlite_scim,
};
use crate::audit::key::AuditKey;
use crate::audit::{AuditEntry, AuditEvent};

/// The database file's name inside the data directory.
pub const FILE_NAME: &str = "desk-server.sqlite3";

/// The lock file `serve` holds in the data directory while it serves the SQLite file.
pub const SERVE_LOCK: &str = "desk-server.serve.lock";

/// Holds the data directory's [`SERVE_LOCK`] for as long as it lives: one `serve` process per
/// SQLite file, since a second would keep role definitions, layouts and what provisioning allows
/// in memory without hearing of the first's changes (replicas need PostgreSQL). Tools that open
/// the file beside a running server take no lock. `Err` says who holds it.
pub fn hold_serve_lock(data_dir: &Path) -> Result<nix::fcntl::Flock<std::fs::File>, String> {
    let path = data_dir.join(SERVE_LOCK);
    crate::private::dir(data_dir).map_err(|e| format!("{}: {e}", data_dir.display()))?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    nix::fcntl::Flock::lock(file, nix::fcntl::FlockArg::LockExclusiveNonblock).map_err(|_| {
        format!(
            "another `desk-server serve` serves the SQLite database in {}; one process serves a \
             SQLite file (for several, use PostgreSQL: database_url, docs/deployment.md)",
            data_dir.display()
        )
    })
}

/// [`Store`] on SQLite.
pub struct SqliteStore {
    pub(super) pool: SqlitePool,
    pub(super) chain: Arc<Mutex<AuditKey>>,
    /// The threads that own connections of their own: the per-request reads and the audit
    /// writer (`sqlite_owned`); they end with the store.
    pub(super) owned: Owned,
}

/// Most audit entries one transaction of the writer commits.
pub const AUDIT_BATCH: usize = 256;

/// A write transaction that holds SQLite's write lock from its start (`BEGIN IMMEDIATE`). A
/// deferred one that reads first (the audit head) and writes later cannot wait for another
/// writer: SQLite refuses the upgrade at once with SQLITE_BUSY instead of using the busy
/// timeout. Taken at the start, the lock is waited for like any other.
pub(super) async fn begin_write(
    pool: &SqlitePool,
) -> Result<Transaction<'static, Sqlite>, StoreError> {
    Ok(pool.begin_with("BEGIN IMMEDIATE").await?)
}

/// The database file (made when missing) and, once open, its WAL and shared-memory files,
/// owner-only whatever the umask or an older version left.
fn private_database(path: &Path, open: bool) -> Result<(), StoreError> {
    let private = |file: &Path| {
        crate::private::tighten(file).map_err(|e| {
            StoreError::Corrupt(format!("cannot make {} private: {e}", file.display()))
        })
    };
    if !open {
        match crate::private::create_new(path) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => private(path)?,
            Err(e) => {
                return Err(StoreError::Corrupt(format!(
                    "cannot create {}: {e}",
                    path.display()
                )));
            }
        }
        return Ok(());
    }
    for suffix in ["-wal", "-shm"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        private(Path::new(&name))?;
    }
    Ok(())
}

impl SqliteStore {
    /// Opens (creating when missing) the database in `data_dir` and applies migrations. Entries
    /// it appends to the audit trail are linked under `key` (the audit key, which never goes
    /// into the database).
    pub async fn open(data_dir: &Path, key: AuditKey) -> Result<Self, StoreError> {
        crate::private::dir(data_dir).map_err(|e| {
            StoreError::Corrupt(format!("cannot make {} private: {e}", data_dir.display()))
        })?;
        Self::open_file(&data_dir.join(FILE_NAME), key).await
    }

    /// Opens (creating when missing) the database file at `path` and applies migrations; audit
    /// entries are linked under `key`.
    pub async fn open_file(path: &Path, key: AuditKey) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str("sqlite:")?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        // Made owner-only before SQLite opens it: SQLite gives its WAL and shared-memory files
        // the database file's mode.
        private_database(path, false)?;
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            // A local file does not go stale like a network connection; pinging it on every
            // borrow cost a round trip to the connection's thread per query.
            .test_before_acquire(false)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        private_database(path, true)?;
        // The key lives under the chain's lock: nothing appends without holding both.
        let chain = Arc::new(Mutex::new(key));
        let owned = Owned::start(path, sqlite_owned::READERS, chain.clone())?;
        Ok(Self { pool, chain, owned })
    }

    /// The pool, for tests and tools that inspect the file directly.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Appends `events` in order inside `tx`, continuing the chain from its head as this
    /// transaction sees it: one read of the head and one statement for all of them. The caller
    /// holds the chain lock.
    pub(super) async fn append_all_in(
        key: &AuditKey,
        tx: &mut Transaction<'_, Sqlite>,
        events: &[&AuditEvent],
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let mut head: Option<(i64, String)> =
            sqlx::query_as(AUDIT_HEAD).fetch_optional(&mut **tx).await?;
        let mut entries = Vec::with_capacity(events.len());
        for event in events {
            let prev = head.as_ref().map(|(s, h)| (*s, h.as_str()));
            let entry = AuditEntry::next(key, prev, event, now());
            head = Some((entry.seq, entry.hash.clone()));
            entries.push(entry);
        }
        if entries.is_empty() {
            return Ok(entries);
        }
        let mut insert = QueryBuilder::<Sqlite>::new(AUDIT_INSERT);
        insert.push_values(&entries, |mut row, entry| {
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
        Ok(entries)
    }

    /// Appends `event` inside `tx`, chained to the head as this transaction sees it. The caller
    /// holds the chain lock.
    pub(super) async fn append_in(
        key: &AuditKey,
        tx: &mut Transaction<'_, Sqlite>,
        event: &AuditEvent,
    ) -> Result<AuditEntry, StoreError> {
        let mut entries = Self::append_all_in(key, tx, &[event]).await?;
        Ok(entries.remove(0))
    }
}

/// The per-role documents that change every agent's policy when they change.
#[derive(Clone, Copy)]
enum Versioned {
    RoleDefinition,
    Layout,
}

impl Versioned {
    /// The upsert that stores a role's document with the next version (our own SQL text only).
    fn upsert(self) -> &'static str {
        match self {
            Self::RoleDefinition => {
                "INSERT INTO role_definitions (role, definition, version, updated_at, updated_by)
                 VALUES (?, ?, 1, ?, ?)
                 ON CONFLICT (role) DO UPDATE SET definition = excluded.definition,
                     version = role_definitions.version + 1, updated_at = excluded.updated_at,
                     updated_by = excluded.updated_by
                 RETURNING version"
            }
            Self::Layout => {
                "INSERT INTO layouts (role, layout, version, updated_at, updated_by)
                 VALUES (?, ?, 1, ?, ?)
                 ON CONFLICT (role) DO UPDATE SET layout = excluded.layout,
                     version = layouts.version + 1, updated_at = excluded.updated_at,
                     updated_by = excluded.updated_by
                 RETURNING version"
            }
        }
    }
}

impl SqliteStore {
    /// Stores `role`'s document (`json`) with its next version, bumps the policy version and
    /// appends `audit` (its detail gaining both versions), in one transaction under the chain
    /// lock. Returns the document's version, the time, and the audit entry.
    async fn put_versioned(
        &self,
        kind: Versioned,
        role: Role,
        json: &str,
        by: &str,
        mut audit: AuditEvent,
    ) -> Result<(i64, String, AuditEntry), StoreError> {
        let key = self.chain.lock().await;
        let mut tx = begin_write(&self.pool).await?;
        let time = now();
        let version: i64 = sqlx::query_scalar(kind.upsert())
            .bind(role.as_str())
            .bind(json)
            .bind(&time)
            .bind(by)
            .fetch_one(&mut *tx)
            .await?;
        let policy_version = bump_policy_version(&mut tx).await?;
        if let serde_json::Value::Object(detail) = &mut audit.detail {
            detail.insert("version".into(), version.into());
            detail.insert("policy_version".into(), policy_version.into());
        }
        let entry = Self::append_in(&key, &mut tx, &audit).await?;
        tx.commit().await?;
        Ok((version, time, entry))
    }
}

/// Sets the policy version to the larger of (previous + 1) and the time in milliseconds.
pub(super) async fn bump_policy_version(
    tx: &mut Transaction<'_, Sqlite>,
) -> Result<u64, StoreError> {
    let now = chrono::Utc::now().timestamp_millis();
    let version: i64 = sqlx::query_scalar(
        "INSERT INTO policy_version (id, version) VALUES (1, ?1)
         ON CONFLICT (id) DO UPDATE SET version = MAX(policy_version.version + 1, ?1)
         RETURNING version",
    )
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    Ok(version as u64)
}

/// The audit chain's head, as a statement or transaction sees it.
pub(super) const AUDIT_HEAD: &str = "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1";

/// The start of an insert into the audit trail: the columns in the order every append binds them.
pub(super) const AUDIT_INSERT: &str =
    "INSERT INTO audit (seq, time, actor, action, resource, outcome, detail, prev_hash, hash) ";

/// A customer's accounts as one JSON array (in a statement where `c` is the customer).
pub(super) const ACCOUNTS_JSON: &str = "(SELECT json_group_array(json_object(\
    'id', a.id, 'customer_id', a.customer_id, 'number', a.number, 'currency', a.currency, \
    'balance', a.balance, 'status', a.status, 'opened_at', a.opened_at)) \
    FROM accounts a WHERE a.customer_id = c.id)";

/// The cards on a customer's accounts as one JSON array (where `c` is the customer).
pub(super) const CARDS_JSON: &str = "(SELECT json_group_array(json_object(\
    'id', k.id, 'account_id', k.account_id, 'number', k.number, 'brand', k.brand, \
    'expiry', k.expiry, 'status', k.status)) \
    FROM cards k JOIN accounts a ON a.id = k.account_id WHERE a.customer_id = c.id)";

#[async_trait]
impl Store for SqliteStore {
    async fn search_customers(
        &self,
        query: &SearchQuery,
        after: Option<i64>,
        limit: u32,
    ) -> Result<Vec<CustomerRow>, StoreError> {
        let mut q = QueryBuilder::<Sqlite>::new("SELECT c.* FROM customers c WHERE ");
        match query {
            SearchQuery::Name(words) => {
                // Words are alphanumeric (the API made sure), each quoted as an FTS5 string and
                // matched as a prefix: nothing in them is FTS5 syntax.
                let expr = words
                    .iter()
                    .map(|w| format!("\"{w}\"*"))
                    .collect::<Vec<_>>()
                    .join(" AND ");
                q.push("c.id IN (SELECT rowid FROM customers_fts WHERE customers_fts MATCH ")
                    .push_bind(expr)
                    .push(")");
            }
            SearchQuery::Email(email) => {
                q.push("c.email = ")
                    .push_bind(email)
                    .push(" COLLATE NOCASE");
            }
            SearchQuery::PhoneTail(tail) => {
                q.push("c.phone_tail = ").push_bind(tail);
            }
            SearchQuery::Account(number) => {
                q.push("c.id IN (SELECT customer_id FROM accounts WHERE number_norm = ")
                    .push_bind(number)
                    .push(")");
            }
        }
        if let Some(after) = after {
            q.push(" AND (c.name COLLATE NOCASE, c.id) > ((SELECT name FROM customers WHERE id = ")
                .push_bind(after)
                .push(") COLLATE NOCASE, ")
                .push_bind(after)
                .push(")");
        }
        q.push(" ORDER BY c.name COLLATE NOCASE, c.id LIMIT ")
            .push_bind(i64::from(limit));
        Ok(q.build_query_as().fetch_all(&self.pool).await?)
    }

    async fn customer(&self, id: i64) -> Result<Option<CustomerRow>, StoreError> {
        self.owned.read(move |c| reads::customer(c, id)).await
    }

    async fn customer_record(
        &self,
        id: i64,
        reach: RecordReach,
    ) -> Result<Option<CustomerRecord>, StoreError> {
        // One statement on a reader thread's connection: the accounts and cards come back as
        // JSON arrays beside the customer's columns.
        self.owned
            .read(move |c| reads::customer_record(c, id, reach))
            .await
    }

    async fn transactions(
        &self,
        customer_id: i64,
        filter: &TransactionFilter,
        after: Option<i64>,
        limit: u32,
    ) -> Result<Vec<TransactionRow>, StoreError> {
        let mut q = QueryBuilder::<Sqlite>::new("SELECT * FROM transactions WHERE customer_id = ");
        q.push_bind(customer_id);
        if let Some(from) = &filter.from {
            q.push(" AND time >= ").push_bind(from);
        }
        if let Some(to) = &filter.to {
            q.push(" AND time < ").push_bind(to);
        }
        if let Some(status) = &filter.status {
            q.push(" AND status = ").push_bind(status);
        }
        if let Some(after) = after {
            q.push(" AND (time, id) < ((SELECT time FROM transactions WHERE id = ")
                .push_bind(after)
                .push("), ")
                .push_bind(after)
                .push(")");
        }
        q.push(" ORDER BY time DESC, id DESC LIMIT ")
            .push_bind(i64::from(limit));
        Ok(q.build_query_as().fetch_all(&self.pool).await?)
    }

    async fn tickets(
        &self,
        customer_id: i64,
        after: Option<i64>,
        limit: u32,
    ) -> Result<Vec<TicketRow>, StoreError> {
        let mut q = QueryBuilder::<Sqlite>::new("SELECT * FROM tickets WHERE customer_id = ");
        q.push_bind(customer_id);
        if let Some(after) = after {
            q.push(" AND (updated_at, id) < ((SELECT updated_at FROM tickets WHERE id = ")
                .push_bind(after)
                .push("), ")
                .push_bind(after)
                .push(")");
        }
        q.push(" ORDER BY updated_at DESC, id DESC LIMIT ")
            .push_bind(i64::from(limit));
        Ok(q.build_query_as().fetch_all(&self.pool).await?)
    }

    async fn ticket(&self, id: i64) -> Result<Option<TicketRow>, StoreError> {
        self.owned.read(move |c| reads::ticket(c, id)).await
    }

    async fn messages(
        &self,
        ticket_id: i64,
        include_internal: bool,
    ) -> Result<Vec<MessageRow>, StoreError> {
        self.owned
            .read(move |c| reads::messages(c, ticket_id, include_internal))
            .await
    }

    async fn add_message(
        &self,
        message: NewMessage,
        audit: AuditEvent,
    ) -> Result<(MessageRow, AuditEntry), StoreError> {
        let key = self.chain.lock().await;
        let mut tx = begin_write(&self.pool).await?;
        let time = now();
        let updated = sqlx::query("UPDATE tickets SET updated_at = ? WHERE id = ?")
            .bind(&time)
            .bind(message.ticket_id)
            .execute(&mut *tx)
            .await?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::NotFound("ticket"));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO messages (id, ticket_id, internal, author, time, body)
             VALUES ((SELECT COALESCE(MAX(id), 0) + 1 FROM messages), ?, ?, ?, ?, ?)
             RETURNING id",
        )
        .bind(message.ticket_id)
        .bind(message.internal)
        .bind(&message.author)
        .bind(&time)
        .bind(&message.body)
        .fetch_one(&mut *tx)
        .await?;
        let mut audit = audit;
        if let serde_json::Value::Object(detail) = &mut audit.detail {
            detail.insert("message".into(), id.into());
        }
        let entry = Self::append_in(&key, &mut tx, &audit).await?;
        tx.commit().await?;
        let row = MessageRow {
            id,
            ticket_id: message.ticket_id,
            internal: message.internal,
            author: message.author,
            time,
            body: message.body,
        };
        Ok((row, entry))
    }

    async fn append_audit(&self, event: AuditEvent) -> Result<AuditEntry, StoreError> {
        self.owned.append_audit(event).await
    }

    async fn audit_page(
        &self,
        before: Option<i64>,
        filter: &AuditFilter,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        // Our own SQL text; every value is bound.
        let mut query = QueryBuilder::<Sqlite>::new("SELECT * FROM audit WHERE seq < ");
        query.push_bind(before.unwrap_or(i64::MAX));
        filter.push_conditions(&mut query);
        query
            .push(" ORDER BY seq DESC LIMIT ")
            .push_bind(i64::from(limit));
        Ok(query.build_query_as().fetch_all(&self.pool).await?)
    }

    async fn audit_from(&self, from_seq: i64, limit: u32) -> Result<Vec<AuditEntry>, StoreError> {
        Ok(
            sqlx::query_as("SELECT * FROM audit WHERE seq >= ? ORDER BY seq LIMIT ?")
                .bind(from_seq)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?,
        )
    }

    async fn audit_head(&self) -> Result<Option<(i64, String)>, StoreError> {
        Ok(sqlx::query_as(AUDIT_HEAD)
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn audit_retained(&self) -> Result<Option<Retained>, StoreError> {
        Ok(
            sqlx::query_as("SELECT * FROM audit_retained ORDER BY through_seq DESC LIMIT 1")
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    async fn retain_audit(
        &self,
        retained: &Retained,
        audit: AuditEvent,
        checkpoints_through: Option<i64>,
    ) -> Result<AuditEntry, StoreError> {
        let key = self.chain.lock().await;
        let mut tx = begin_write(&self.pool).await?;
        let archived: Option<String> = sqlx::query_scalar("SELECT hash FROM audit WHERE seq = ?")
            .bind(retained.through_seq)
            .fetch_optional(&mut *tx)
            .await?;
        if archived.as_deref() != Some(retained.hash.as_str()) {
            tx.rollback().await?;
            return Err(StoreError::Conflict(
                "the entries to archive changed while they were archived",
            ));
        }
        let entry = Self::append_in(&key, &mut tx, &audit).await?;
        sqlx::query(
            "INSERT INTO audit_retained (through_seq, hash, entries, archive, archived_at, checkpoint)
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(retained.through_seq)
        .bind(&retained.hash)
        .bind(retained.entries)
        .bind(&retained.archive)
        .bind(&retained.archived_at)
        .bind(&retained.checkpoint)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM audit WHERE seq <= ?")
            .bind(retained.through_seq)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM audit_checkpoints WHERE seq <= ? AND id <= ?")
            .bind(retained.through_seq)
            .bind(checkpoints_through.unwrap_or(i64::MAX))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(entry)
    }

    async fn checkpoints_after(
        &self,
        after_id: i64,
        to_seq: i64,
        limit: u32,
    ) -> Result<Vec<(i64, crate::audit::checkpoint::CheckpointLine)>, StoreError> {
        let rows: Vec<(i64, i64, String, String, String)> = sqlx::query_as(
            "SELECT id, seq, hash, time, signed FROM audit_checkpoints
             WHERE id > ? AND seq <= ? ORDER BY id LIMIT ?",
        )
        .bind(after_id)
        .bind(to_seq)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, seq, hash, time, signed)| {
                let line = crate::audit::checkpoint::CheckpointLine {
                    seq,
                    hash,
                    time,
                    signed,
                };
                (id, line)
            })
            .collect())
    }

    async fn record_checkpoint(
        &self,
        checkpoint: &crate::audit::checkpoint::CheckpointLine,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO audit_checkpoints (seq, hash, time, signed) VALUES (?, ?, ?, ?)")
            .bind(checkpoint.seq)
            .bind(&checkpoint.hash)
            .bind(&checkpoint.time)
            .bind(&checkpoint.signed)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn newest_checkpoint(
        &self,
    ) -> Result<Option<crate::audit::checkpoint::CheckpointLine>, StoreError> {
        let row: Option<(i64, String, String, String)> = sqlx::query_as(
            "SELECT seq, hash, time, signed FROM audit_checkpoints ORDER BY id DESC LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(
            |(seq, hash, time, signed)| crate::audit::checkpoint::CheckpointLine {
                seq,
                hash,
                time,
                signed,
            },
        ))
    }

    async fn audit_checkpoints(
        &self,
        from_seq: i64,
        to_seq: i64,
    ) -> Result<Vec<crate::audit::checkpoint::CheckpointLine>, StoreError> {
        let rows: Vec<(i64, String, String, String)> = sqlx::query_as(
            "SELECT seq, hash, time, signed FROM audit_checkpoints
             WHERE seq BETWEEN ? AND ? ORDER BY seq, id",
        )
        .bind(from_seq)
        .bind(to_seq)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(seq, hash, time, signed)| crate::audit::checkpoint::CheckpointLine {
                    seq,
                    hash,
                    time,
                    signed,
                },
            )
            .collect())
    }

    async fn audit_of_action(
        &self,
        action: &str,
        after: i64,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        // Walks the primary key from `after`: each page reads on from where the last one ended.
        Ok(
            sqlx::query_as("SELECT * FROM audit WHERE seq > ? AND action = ? ORDER BY seq LIMIT ?")
                .bind(after)
                .bind(action)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?,
        )
    }

    async fn role_definitions(&self) -> Result<Vec<StoredRole>, StoreError> {
        let rows: Vec<(String, String, i64, String, String)> = sqlx::query_as(
            "SELECT role, definition, version, updated_at, updated_by FROM role_definitions
             ORDER BY role",
        )
        .fetch_all(&self.pool)
        .await?;
        stored_roles(rows)
    }

    async fn propose_role_change(
        &self,
        change: &NewRoleChange,
        mut audit: AuditEvent,
    ) -> Result<(desk_api::RoleChange, AuditEntry), StoreError> {
        let corrupt = |e: serde_json::Error| StoreError::Corrupt(format!("role change: {e}"));
        let definition = serde_json::to_string(&change.definition).map_err(corrupt)?;
        let widened = serde_json::to_string(&change.widened).map_err(corrupt)?;
        let key = self.chain.lock().await;
        let mut tx = begin_write(&self.pool).await?;
        let time = now();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO role_changes (role, definition, changes, widened, proposed_by, proposed_at)
             VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(change.definition.role.as_str())
        .bind(&definition)
        .bind(change.changes.to_string())
        .bind(&widened)
        .bind(&change.by)
        .bind(&time)
        .fetch_one(&mut *tx)
        .await?;
        if let serde_json::Value::Object(detail) = &mut audit.detail {
            detail.insert("change_id".into(), id.into());
        }
        let entry = Self::append_in(&key, &mut tx, &audit).await?;
        tx.commit().await?;
        let stored = desk_api::RoleChange {
            id,
            role: change.definition.role,
            definition: change.definition.clone(),
            changes: change.changes.clone(),
            widened: change.widened.clone(),
            proposed_by: change.by.clone(),
            proposed_at: time,
            status: "pending".into(),
            decided_by: None,
            decided_at: None,
        };
        Ok((stored, entry))
    }

    async fn role_changes(
        &self,
        pending_only: bool,
        limit: u32,
    ) -> Result<Vec<desk_api::RoleChange>, StoreError> {
        let rows: Vec<RoleChangeRow> = sqlx::query_as(
            "SELECT * FROM role_changes WHERE (? = 0 OR status = 'pending') ORDER BY id DESC LIMIT ?",
        )
        .bind(pending_only)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(RoleChangeRow::parse).collect()
    }

    async fn role_change(&self, id: i64) -> Result<Option<desk_api::RoleChange>, StoreError> {
        let row: Option<RoleChangeRow> = sqlx::query_as("SELECT * FROM role_changes WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(RoleChangeRow::parse).transpose()
    }

    async fn decide_role_change(
        &self,
        id: i64,
        approve: bool,
        by: &str,
        mut audit: AuditEvent,
    ) -> Result<Option<(desk_api::RoleChange, Option<StoredRole>)>, StoreError> {
        let key = self.chain.lock().await;
        let mut tx = begin_write(&self.pool).await?;
        let row: Option<RoleChangeRow> = sqlx::query_as("SELECT * FROM role_changes WHERE id = ?")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        if row.status != "pending" {
            return Err(StoreError::Conflict("the role change was decided already"));
        }
        let time = now();
        let status = if approve { "approved" } else { "rejected" };
        sqlx::query(
            "UPDATE role_changes SET status = ?, decided_by = ?, decided_at = ? WHERE id = ?",
        )
        .bind(status)
        .bind(by)
        .bind(&time)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let mut change = row.parse()?;
        change.status = status.into();
        change.decided_by = Some(by.to_owned());
        change.decided_at = Some(time.clone());
        let stored = if approve {
            let json = serde_json::to_string(&change.definition)
                .map_err(|e| StoreError::Corrupt(format!("role definition: {e}")))?;
            let version: i64 = sqlx::query_scalar(Versioned::RoleDefinition.upsert())
                .bind(change.role.as_str())
                .bind(&json)
                .bind(&time)
                .bind(by)
                .fetch_one(&mut *tx)
                .await?;
            let policy_version = bump_policy_version(&mut tx).await?;
            if let serde_json::Value::Object(detail) = &mut audit.detail {
                detail.insert("version".into(), version.into());
                detail.insert("policy_version".into(), policy_version.into());
            }
            Some(StoredRole {
                definition: change.definition.clone(),
                version,
                updated_at: time,
                updated_by: by.to_owned(),
            })
        } else {
            None
        };
        Self::append_in(&key, &mut tx, &audit).await?;
        tx.commit().await?;
        Ok(Some((change, stored)))
    }

    async fn role_history(&self, role: Role, limit: u32) -> Result<Vec<StoredRole>, StoreError> {
        let rows: Vec<(String, String, i64, String, String)> = sqlx::query_as(
            "SELECT role, definition, version, updated_at, updated_by FROM role_definition_history
             WHERE role = ? ORDER BY version DESC LIMIT ?",
        )
        .bind(role.as_str())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        stored_roles(rows)
    }

    async fn put_role_definition(
        &self,
        definition: &RoleDefinition,
        by: &str,
        audit: AuditEvent,
    ) -> Result<(StoredRole, AuditEntry), StoreError> {
        let json = serde_json::to_string(definition)
            .map_err(|e| StoreError::Corrupt(format!("role definition: {e}")))?;
        let (version, updated_at, entry) = self
            .put_versioned(Versioned::RoleDefinition, definition.role, &json, by, audit)
            .await?;
        let stored = StoredRole {
            definition: definition.clone(),
            version,
            updated_at,
            updated_by: by.to_owned(),
        };
        Ok((stored, entry))
    }

    async fn layout_history(
        &self,
        role: Role,
        limit: u32,
    ) -> Result<Vec<StoredLayout>, StoreError> {
        let rows: Vec<(String, String, i64, String, String)> = sqlx::query_as(
            "SELECT role, layout, version, updated_at, updated_by FROM layout_history
             WHERE role = ? ORDER BY version DESC LIMIT ?",
        )
        .bind(role.as_str())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        stored_layouts(rows)
    }

    async fn layouts(&self) -> Result<Vec<StoredLayout>, StoreError> {
        let rows: Vec<(String, String, i64, String, String)> = sqlx::query_as(
            "SELECT role, layout, version, updated_at, updated_by FROM layouts ORDER BY role",
        )
        .fetch_all(&self.pool)
        .await?;
        stored_layouts(rows)
    }

    async fn put_layout(
        &self,
        role: Role,
        layout: &Layout,
        by: &str,
        audit: AuditEvent,
    ) -> Result<(StoredLayout, AuditEntry), StoreError> {
        let json = serde_json::to_string(layout)
            .map_err(|e| StoreError::Corrupt(format!("layout: {e}")))?;
        let (version, updated_at, entry) = self
            .put_versioned(Versioned::Layout, role, &json, by, audit)
            .await?;
        let stored = StoredLayout {
            role,
            layout: layout.clone(),
            version,
            updated_at,
            updated_by: by.to_owned(),
        };
        Ok((stored, entry))
    }

    async fn policy_version(&self) -> Result<u64, StoreError> {
        let version: Option<i64> =
            sqlx::query_scalar("SELECT version FROM policy_version WHERE id = 1")
                .fetch_optional(&self.pool)
                .await?;
        match version {
            Some(v) => Ok(v as u64),
            None => {
                let mut tx = begin_write(&self.pool).await?;
                let v = bump_policy_version(&mut tx).await?;
                tx.commit().await?;
                Ok(v)
            }
        }
    }

    async fn record_offline_views(
        &self,
        views: Vec<OfflineView>,
        summary: AuditEvent,
    ) -> Result<OfflineUploadResult, StoreError> {
        let key = self.chain.lock().await;
        let mut tx = begin_write(&self.pool).await?;
        let mut done = OfflineUploadResult {
            recorded: 0,
            duplicates: 0,
        };
        for view in views {
            // Keys recorded earlier in this transaction are seen here too.
            let known: Option<i64> =
                sqlx::query_scalar("SELECT 1 FROM offline_views WHERE actor = ? AND key = ?")
                    .bind(&view.audit.actor)
                    .bind(&view.key)
                    .fetch_optional(&mut *tx)
                    .await?;
            if known.is_some() {
                done.duplicates += 1;
                continue;
            }
            let entry = Self::append_in(&key, &mut tx, &view.audit).await?;
            sqlx::query("INSERT INTO offline_views (key, actor, recorded_seq) VALUES (?, ?, ?)")
                .bind(&view.key)
                .bind(&view.audit.actor)
                .bind(entry.seq)
                .execute(&mut *tx)
                .await?;
            done.recorded += 1;
        }
        let mut summary = summary;
        if let serde_json::Value::Object(detail) = &mut summary.detail {
            detail.insert("recorded".into(), done.recorded.into());
            detail.insert("duplicates".into(), done.duplicates.into());
        }
        Self::append_in(&key, &mut tx, &summary).await?;
        tx.commit().await?;
        Ok(done)
    }

    async fn extend_offline_window(
        &self,
        actor: &str,
        window: OfflineWindow,
    ) -> Result<(), StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        let latest: Option<OfflineWindow> = sqlx::query_as(
            "SELECT opens_at, closes_at FROM offline_windows WHERE actor = ? \
             ORDER BY opens_at DESC LIMIT 1",
        )
        .bind(actor)
        .fetch_optional(&mut *tx)
        .await?;
        match latest {
            Some(last) if window.opens_at <= last.closes_at && window.opens_at >= last.opens_at => {
                sqlx::query(
                    "UPDATE offline_windows SET closes_at = MAX(closes_at, ?) \
                     WHERE actor = ? AND opens_at = ?",
                )
                .bind(window.closes_at)
                .bind(actor)
                .bind(last.opens_at)
                .execute(&mut *tx)
                .await?;
            }
            _ => {
                // A clock set back can open a window before the latest one: kept as its own.
                sqlx::query(
                    "INSERT INTO offline_windows (actor, opens_at, closes_at) VALUES (?, ?, ?) \
                     ON CONFLICT (actor, opens_at) DO UPDATE \
                     SET closes_at = MAX(closes_at, excluded.closes_at)",
                )
                .bind(actor)
                .bind(window.opens_at)
                .bind(window.closes_at)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    async fn offline_windows(
        &self,
        actor: &str,
        since: i64,
    ) -> Result<Vec<OfflineWindow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT opens_at, closes_at FROM offline_windows WHERE actor = ? AND closes_at >= ? \
             ORDER BY opens_at",
        )
        .bind(actor)
        .bind(since)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn order_wipe(
        &self,
        subject: &str,
        by: &str,
        audit: AuditEvent,
    ) -> Result<(StoredWipe, AuditEntry), StoreError> {
        let key = self.chain.lock().await;
        let mut tx = begin_write(&self.pool).await?;
        let time = now();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO wipes (subject, ordered_by, ordered_at) VALUES (?, ?, ?) RETURNING id",
        )
        .bind(subject)
        .bind(by)
        .bind(&time)
        .fetch_one(&mut *tx)
        .await?;
        let mut audit = audit;
        if let serde_json::Value::Object(detail) = &mut audit.detail {
            detail.insert("wipe_id".into(), id.into());
        }
        let entry = Self::append_in(&key, &mut tx, &audit).await?;
        tx.commit().await?;
        let wipe = StoredWipe {
            id,
            subject: subject.to_owned(),
            ordered_by: by.to_owned(),
            ordered_at: time,
        };
        Ok((wipe, entry))
    }

    async fn wipes(
        &self,
        subject: &str,
        after: i64,
        limit: u32,
    ) -> Result<Vec<StoredWipe>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, subject, ordered_by, ordered_at FROM wipes
             WHERE subject = ? AND id > ? ORDER BY id LIMIT ?",
        )
        .bind(subject)
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?)
    }

    async fn wipes_done(&self, subject: &str, device: &str) -> Result<i64, StoreError> {
        const DONE: &str = "SELECT MAX(d.wipes_before, COALESCE(w.acknowledged, 0))
             FROM devices d LEFT JOIN device_wipes w USING (subject, device)
             WHERE d.subject = ?1 AND d.device = ?2";
        // A device seen before is only read: every session start asks, and most devices are.
        let seen: Option<i64> = sqlx::query_scalar(DONE)
            .bind(subject)
            .bind(device)
            .fetch_optional(&self.pool)
            .await?;
        if let Some(done) = seen {
            return Ok(done);
        }
        let mut tx = begin_write(&self.pool).await?;
        sqlx::query(
            "INSERT INTO devices (subject, device, first_seen, wipes_before)
             VALUES (?1, ?2, ?3, (SELECT COALESCE(MAX(id), 0) FROM wipes WHERE subject = ?1))
             ON CONFLICT (subject, device) DO NOTHING",
        )
        .bind(subject)
        .bind(device)
        .bind(now())
        .execute(&mut *tx)
        .await?;
        let done: i64 = sqlx::query_scalar(DONE)
            .bind(subject)
            .bind(device)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done)
    }

    async fn acknowledge_wipe(
        &self,
        subject: &str,
        device: &str,
        wipe_id: i64,
        audit: AuditEvent,
    ) -> Result<(StoredAcknowledgement, AuditEntry), StoreError> {
        let key = self.chain.lock().await;
        let mut tx = begin_write(&self.pool).await?;
        let time = now();
        sqlx::query(
            "INSERT INTO device_wipes (subject, device, acknowledged, acknowledged_at)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (subject, device) DO UPDATE SET
                 acknowledged = excluded.acknowledged, acknowledged_at = excluded.acknowledged_at
             WHERE device_wipes.acknowledged < excluded.acknowledged",
        )
        .bind(subject)
        .bind(device)
        .bind(wipe_id)
        .bind(&time)
        .execute(&mut *tx)
        .await?;
        let recorded: StoredAcknowledgement = sqlx::query_as(
            "SELECT device, acknowledged, acknowledged_at FROM device_wipes
             WHERE subject = ? AND device = ?",
        )
        .bind(subject)
        .bind(device)
        .fetch_one(&mut *tx)
        .await?;
        let entry = Self::append_in(&key, &mut tx, &audit).await?;
        tx.commit().await?;
        Ok((recorded, entry))
    }

    async fn add_scim_token(
        &self,
        name: &str,
        token_hash: &str,
        audit: AuditEvent,
    ) -> Result<StoredScimToken, StoreError> {
        let key = self.chain.lock().await;
        let mut tx = begin_write(&self.pool).await?;
        let created_at = now();
        let added = sqlx::query(
            "INSERT INTO scim_tokens (name, token_hash, created_at) VALUES (?, ?, ?)
             ON CONFLICT DO NOTHING",
        )
        .bind(name)
        .bind(token_hash)
        .bind(&created_at)
        .execute(&mut *tx)
        .await?;
        if added.rows_affected() == 0 {
            return Err(StoreError::Conflict("a token of that name exists already"));
        }
        Self::append_in(&key, &mut tx, &audit).await?;
        tx.commit().await?;
        Ok(StoredScimToken {
            name: name.to_owned(),
            created_at,
        })
    }

    async fn scim_tokens(&self) -> Result<Vec<StoredScimToken>, StoreError> {
        Ok(
            sqlx::query_as("SELECT name, created_at FROM scim_tokens ORDER BY name")
                .fetch_all(&self.pool)
                .await?,
        )
    }

    async fn revoke_scim_token(&self, name: &str, audit: AuditEvent) -> Result<(), StoreError> {
        let key = self.chain.lock().await;
        let mut tx = begin_write(&self.pool).await?;
        let deleted = sqlx::query("DELETE FROM scim_tokens WHERE name = ?")
            .bind(name)
            .execute(&mut *tx)
            .await?;
        if deleted.rows_affected() == 0 {
            return Err(StoreError::NotFound("token of that name"));
        }
        Self::append_in(&key, &mut tx, &audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn scim_token_named(&self, token_hash: &str) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT name FROM scim_tokens WHERE token_hash = ?")
                .bind(token_hash)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    async fn scim_users(&self, lookup: &ScimLookup) -> Result<Vec<ScimUserRow>, StoreError> {
        sqlite_scim::users(&self.pool, lookup).await
    }

    async fn scim_groups(&self, lookup: &ScimLookup) -> Result<Vec<ScimGroupRow>, StoreError> {
        sqlite_scim::groups(&self.pool, lookup).await
    }

    async fn scim_count(&self, groups: bool) -> Result<u64, StoreError> {
        let table = if groups { "scim_groups" } else { "scim_users" };
        sqlite_scim::count(&self.pool, table).await
    }

    async fn scim_access(&self, user_name_key: &str) -> Result<ScimAccess, StoreError> {
        sqlite_scim::access(&self.pool, user_name_key).await
    }

    async fn link_scim_subject(
        &self,
        user_name_key: &str,
        subject: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO scim_subjects (user_name_key, subject) VALUES (?, ?) ON CONFLICT DO NOTHING",
        )
        .bind(user_name_key)
        .bind(subject)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn scim_subjects(&self, user_name_keys: &[String]) -> Result<Vec<String>, StoreError> {
        sqlite_scim::subjects(&self.pool, user_name_keys).await
    }

    async fn scim_write(&self, change: ScimChange) -> Result<ScimWritten, StoreError> {
        sqlite_scim::write(self, change).await
    }

    async fn record_sign_in(&self, subject: &str, roles: &str, at: &str) -> Result<(), StoreError> {
        super::agents::record_sign_in(&self.pool, subject, roles, at).await
    }

    async fn agents_page(
        &self,
        listed: super::Listed,
        after: &str,
        limit: u32,
    ) -> Result<Vec<super::StoredAgent>, StoreError> {
        super::agents::page(&self.pool, listed, after, limit).await
    }

    async fn devices_of(&self, subject: &str) -> Result<Vec<super::StoredDevice>, StoreError> {
        super::agents::devices_of(&self.pool, subject).await
    }

    async fn device_acknowledgements(
        &self,
        subject: &str,
    ) -> Result<Vec<StoredAcknowledgement>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT device, acknowledged, acknowledged_at FROM device_wipes
             WHERE subject = ? ORDER BY device",
        )
        .bind(subject)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn pin_key(&self, kind: &str, fingerprint: &str) -> Result<String, StoreError> {
        sqlx::query(
            "INSERT INTO key_pins (kind, fingerprint, pinned_at) VALUES (?, ?, ?)
             ON CONFLICT (kind) DO NOTHING",
        )
        .bind(kind)
        .bind(fingerprint)
        .bind(now())
        .execute(&self.pool)
        .await?;
        Ok(
            sqlx::query_scalar("SELECT fingerprint FROM key_pins WHERE kind = ?")
                .bind(kind)
                .fetch_one(&self.pool)
                .await?,
        )
    }

    async fn seed_role_definitions(&self, defaults: &[RoleDefinition]) -> Result<(), StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        let time = now();
        for definition in defaults {
            let json = serde_json::to_string(definition)
                .map_err(|e| StoreError::Corrupt(format!("role definition: {e}")))?;
            sqlx::query(
                "INSERT INTO role_definitions (role, definition, version, updated_at, updated_by)
                 VALUES (?, ?, 1, ?, 'defaults') ON CONFLICT (role) DO NOTHING",
            )
            .bind(definition.role.as_str())
            .bind(json)
            .bind(&time)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn import(&self, batch: &Batch) -> Result<(), StoreError> {
        sqlite_import::import(&self.pool, batch).await
    }

    async fn finish_import(&self) -> Result<(), StoreError> {
        sqlite_import::finish_import(&self.pool).await
    }

    async fn clear_records(&self) -> Result<(), StoreError> {
        sqlite_import::clear_records(&self.pool).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file at the schema before offline views were keyed per agent, holding two agents' keys.
    async fn file_before_per_agent_keys(path: &Path) {
        let pool = SqlitePoolOptions::new()
            .connect_with(
                SqliteConnectOptions::from_str("sqlite:")
                    .unwrap()
                    .filename(path)
                    .create_if_missing(true),
            )
            .await
            .unwrap();
        let mut migrator = sqlx::migrate!("./migrations");
        let before: Vec<_> = migrator
            .migrations
            .iter()
            .filter(|m| m.version < 5)
            .cloned()
            .collect();
        migrator.migrations = before.into();
        migrator.run(&pool).await.unwrap();
        sqlx::query(
            "INSERT INTO offline_views (key, actor, recorded_seq) VALUES \
             ('k-of-agent1-0000001', 'agent1', 3), ('k-of-agent2-0000001', 'agent2', 4)",
        )
        .execute(&pool)
        .await
        .unwrap();
        pool.close().await;
    }

    #[tokio::test]
    async fn keying_offline_views_per_agent_keeps_every_recorded_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        file_before_per_agent_keys(&path).await;
        let store = SqliteStore::open_file(&path, AuditKey::from_bytes([7; 32]))
            .await
            .unwrap();
        let rows: Vec<(String, String, i64)> =
            sqlx::query_as("SELECT actor, key, recorded_seq FROM offline_views ORDER BY actor")
                .fetch_all(store.pool())
                .await
                .unwrap();
        assert_eq!(
            rows,
            [
                ("agent1".into(), "k-of-agent1-0000001".into(), 3),
                ("agent2".into(), "k-of-agent2-0000001".into(), 4),
            ]
        );
        // The same key from another agent is another view now; from its own, a duplicate.
        sqlx::query("INSERT INTO offline_views (actor, key, recorded_seq) VALUES (?, ?, 9)")
            .bind("agent2")
            .bind("k-of-agent1-0000001")
            .execute(store.pool())
            .await
            .unwrap();
        let again =
            sqlx::query("INSERT INTO offline_views (actor, key, recorded_seq) VALUES (?, ?, 9)")
                .bind("agent1")
                .bind("k-of-agent1-0000001")
                .execute(store.pool())
                .await;
        assert!(again.is_err(), "a key is recorded once per agent");
    }

    #[tokio::test]
    async fn offline_windows_that_meet_are_one_and_a_gap_starts_another() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path(), AuditKey::from_bytes([7; 32]))
            .await
            .unwrap();
        let w = |opens_at, closes_at| OfflineWindow {
            opens_at,
            closes_at,
        };
        for window in [
            w(100, 200),
            w(150, 250),
            w(250, 260),
            w(400, 500),
            w(420, 450),
        ] {
            store.extend_offline_window("a", window).await.unwrap();
        }
        store.extend_offline_window("b", w(0, 1000)).await.unwrap();
        assert_eq!(
            store.offline_windows("a", 0).await.unwrap(),
            [w(100, 260), w(400, 500)]
        );
        assert_eq!(
            store.offline_windows("a", 300).await.unwrap(),
            [w(400, 500)]
        );
        assert_eq!(store.offline_windows("c", 0).await.unwrap(), []);
    }
}
