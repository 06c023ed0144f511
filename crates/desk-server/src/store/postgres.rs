//! The PostgreSQL store: every record, role definition, layout (with their versions), wipe,
//! offline-view key, SCIM state and the audit chain in one database that several desk-server
//! processes share as interchangeable replicas. Schema in `migrations-postgres/` (embedded,
//! applied by [`PostgresStore::open`], so any command makes it on an empty database); nothing is
//! written to the file system.
//!
//! Same semantics as [`super::sqlite::SqliteStore`], method by method; where the SQL differs the
//! reason is given beside it. What keeps replicas from contradicting each other:
//!
//! - **The audit chain** (`postgres_audit`). Every transaction that appends entries first takes
//!   the transaction-scoped advisory lock [`CHAIN_LOCK`] (`pg_advisory_xact_lock`), reads the
//!   head, and holds the lock until it commits or rolls back: appends from all replicas take
//!   turns, so the chain never forks (the primary key on `seq` would refuse a fork anyway).
//!   Within a process the chain's mutex (which holds the key) is taken first, as on SQLite, so
//!   a process's own appends wait in memory rather than each holding a connection while it
//!   waits for the lock. Entries of their own (every read is one) go through one writer task
//!   per process that commits what is waiting in one transaction, as on SQLite. A write an
//!   entry records (a reply, a role change) commits in the same transaction as the entry, or
//!   neither does.
//! - **The policy version** (`postgres_roles`, with role definitions and layouts) is raised by one
//!   statement (`GREATEST(version + 1, now in ms)` under the row's lock), so it only grows,
//!   whichever replica raises it.
//! - **Ids never reused** (wipes, role changes, checkpoints) come from identity columns.
//! - **Announcements** ([`Store::announce`]): what one replica changed that the others hold in
//!   memory, as rows whose ids grow in commit order, with a notification (LISTEN/NOTIFY) that
//!   wakes the others' [`Store::listen`].
//! - **Offline windows** of one agent are extended under an advisory lock of that agent's, since
//!   the merge reads the latest window before it writes.
//!
//! Search keeps SQLite's behaviour with PostgreSQL's own means and no extension: names by word
//! prefix through full-text search (the name's words, folded in Rust, as a `tsvector` in a GIN
//! index; prefix `tsquery` terms; see [`super::search::name_words`] for where its folding
//! differs from FTS5's), e-mail exact ignoring ASCII case, phone tail and normalized account
//! number, each through an index. Every text column is `COLLATE "C"`, so orders and cursors are
//! the same as SQLite's whatever the database's default collation.
//!
//! TLS is the URL's: `sslmode=require` encrypts, `verify-ca`/`verify-full` also check the
//! server's certificate against Mozilla's roots and the CA file `sslrootcert=` names (rustls).
//! The pool fails fast: a connection not had within [`ACQUIRE_TIMEOUT`] is an error that
//! [`StoreError::is_unavailable`] recognises.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use desk_core::signed::Layout;
use desk_core::{Role, RoleDefinition};
use sqlx::postgres::{PgConnectOptions, PgListener, PgPoolOptions};
use sqlx::{PgPool, Postgres, QueryBuilder};
use tokio::sync::{Mutex, mpsc, oneshot};

use super::shared::{json_rows, now};
use super::{
    AccountRow, Announced, AuditFilter, Batch, CardRow, CustomerRecord, CustomerRow, MessageRow,
    NewMessage, NewRoleChange, OfflineUploadResult, OfflineView, OfflineWindow, RecordReach,
    Retained, ScimAccess, ScimChange, ScimGroupRow, ScimLookup, ScimUserRow, ScimWritten,
    SearchQuery, Store, StoreError, StoredAcknowledgement, StoredLayout, StoredRole,
    StoredScimToken, StoredWipe, TicketRow, TransactionFilter, TransactionRow, postgres_import,
    postgres_scim, search,
};
use super::{Listener, postgres_audit, postgres_roles};
use crate::audit::checkpoint::CheckpointLine;
use crate::audit::key::AuditKey;
use crate::audit::{AuditEntry, AuditEvent};

/// The advisory lock every transaction that appends to the audit chain holds from before it
/// reads the head until it ends (`pg_advisory_xact_lock`, one 64-bit key: "desk-aud" in ASCII).
pub const CHAIN_LOCK: i64 = postgres_audit::CHAIN_LOCK;

/// The class of the two-key advisory locks that serialize one agent's offline-window merges
/// (the second key is the agent's `hashtext`); two-key locks never meet [`CHAIN_LOCK`].
const WINDOW_LOCK: i32 = 0x6465_736b;

/// The advisory lock an announcement holds from drawing its id until it commits, so that ids
/// grow in commit order and a follower reading after the last id it saw misses none.
const ANNOUNCE_LOCK: i64 = 0x6465_736b_2d61_6e6e;

/// The advisory lock SCIM writes hold from reading a resource to writing it back (a session
/// lock on a connection of the write's own: [`Store::lock_scim_writes`]).
const SCIM_LOCK: i64 = 0x6465_736b_2d73_6369;

/// The advisory lock of the replica that leads the audit trail's own duties (the sink, retention):
/// a session lock on a connection kept for it ([`Store::try_lead`]).
const LEAD_LOCK: i64 = 0x6465_736b_2d6c_6561;

/// The channel announcements are notified on.
const ANNOUNCEMENTS: &str = "desk_announcements";

/// How long a request waits for a connection before the database counts as unavailable.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

/// Most connections one process opens.
const MAX_CONNECTIONS: u32 = 16;

/// [`Store`] on PostgreSQL.
pub struct PostgresStore {
    pub(super) pool: PgPool,
    pub(super) chain: Arc<Mutex<AuditKey>>,
    /// To the audit writer task; it ends with the store.
    audit: mpsc::UnboundedSender<postgres_audit::PendingAudit>,
}

/// How long opening the store waits for the database's first answer.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

impl PostgresStore {
    /// Connects to the database at `url` (`postgres://…`, TLS as its `sslmode` says), applies
    /// the migrations (making the schema on an empty database; a no-op when it is current) and
    /// starts the audit writer. Entries it appends are linked under `key` (the audit key, which
    /// never goes into the database).
    pub async fn open(url: &str, key: AuditKey) -> Result<Self, StoreError> {
        let options = PgConnectOptions::from_str(url)?.application_name("desk-server");
        // One connection first, on its own: the pool retries a failed connect until its timeout
        // and then says only that it timed out, where this says why (refused, no such host, a
        // password or database refused, TLS).
        let first = tokio::time::timeout(CONNECT_TIMEOUT, sqlx::Connection::connect_with(&options))
            .await
            .map_err(|_| {
                StoreError::Unavailable(format!("no answer within {} s", CONNECT_TIMEOUT.as_secs()))
            })?;
        let first: sqlx::PgConnection = first?;
        let _ = sqlx::Connection::close(first).await;
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await?;
        // Text is compared by bytes ("C") and folded in Rust, which assumes UTF-8 bytes.
        let encoding: String = sqlx::query_scalar("SELECT current_setting('server_encoding')")
            .fetch_one(&pool)
            .await?;
        if encoding != "UTF8" {
            return Err(StoreError::Corrupt(format!(
                "the database's encoding is {encoding}; desk-server needs a UTF8 database"
            )));
        }
        // sqlx's migrator holds an advisory lock of its own while it migrates, so replicas
        // starting at once on an empty database make the schema once.
        sqlx::migrate!("./migrations-postgres").run(&pool).await?;
        let chain = Arc::new(Mutex::new(key));
        let (audit, queue) = mpsc::unbounded_channel();
        tokio::spawn(postgres_audit::audit_writer(
            pool.clone(),
            chain.clone(),
            queue,
        ));
        Ok(Self { pool, chain, audit })
    }

    /// The pool, for tests and tools that inspect the database directly.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

/// A customer's accounts as one JSON array (in a statement where `c` is the customer); `[]`
/// for none, as SQLite's `json_group_array` gives (`json_agg` of no rows is NULL).
const ACCOUNTS_JSON: &str = "(SELECT COALESCE(json_agg(json_build_object(\
    'id', a.id, 'customer_id', a.customer_id, 'number', a.number, 'currency', a.currency, \
    'balance', a.balance, 'status', a.status, 'opened_at', a.opened_at)), '[]')::text \
    FROM accounts a WHERE a.customer_id = c.id)";

/// The cards on a customer's accounts as one JSON array (where `c` is the customer).
const CARDS_JSON: &str = "(SELECT COALESCE(json_agg(json_build_object(\
    'id', k.id, 'account_id', k.account_id, 'number', k.number, 'brand', k.brand, \
    'expiry', k.expiry, 'status', k.status)), '[]')::text \
    FROM cards k JOIN accounts a ON a.id = k.account_id WHERE a.customer_id = c.id)";

/// A customer row with the JSON arrays of [`Store::customer_record`].
#[derive(sqlx::FromRow)]
struct RecordRow {
    #[sqlx(flatten)]
    customer: CustomerRow,
    accounts_json: Option<String>,
    cards_json: Option<String>,
}

/// The columns of a customer row (not `name_words`, which only the search reads).
const CUSTOMER_COLUMNS: &str = "c.id, c.name, c.email, c.phone, c.date_of_birth, c.address, \
    c.tier, c.status, c.created_at";

/// Name words as a `tsquery` of prefix terms, every one required: `'jan':* & 'do':*`. Each word
/// is quoted as a `tsquery` literal (quotes and backslashes doubled), so nothing in it is query
/// syntax; `None` when no word is left after folding (such a search finds nobody, as FTS5's).
fn name_query(words: &[String]) -> Option<String> {
    let terms: Vec<String> = words
        .iter()
        .flat_map(|w| search::name_words(w))
        .map(|w| format!("'{}':*", w.replace('\\', "\\\\").replace('\'', "''")))
        .collect();
    (!terms.is_empty()).then(|| terms.join(" & "))
}

/// Wakes on every notification of [`ANNOUNCEMENTS`], on a connection of its own.
struct AnnouncementListener(PgListener);

#[async_trait]
impl Listener for AnnouncementListener {
    async fn wait(&mut self) -> Result<(), StoreError> {
        match self.0.try_recv().await? {
            Some(_) => Ok(()),
            // The connection was lost (sqlx connects again for the next call): whatever was
            // notified meanwhile is gone, so the holder reads the announcements again.
            None => Err(StoreError::Unavailable(
                "the connection listening for announcements was lost".into(),
            )),
        }
    }
}

/// [`SCIM_LOCK`] as held on a connection taken from the pool for it.
struct HeldLock {
    connection: sqlx::pool::PoolConnection<Postgres>,
    key: i64,
}

#[async_trait]
impl super::Held for HeldLock {
    async fn release(mut self: Box<Self>) {
        let released = sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(self.key)
            .execute(&mut *self.connection)
            .await;
        if released.is_err() {
            // A session lock ends with its session: the connection is closed, not pooled.
            let _ = self.connection.close().await;
        }
    }

    async fn still_held(&mut self) -> bool {
        sqlx::query("SELECT 1")
            .execute(&mut *self.connection)
            .await
            .is_ok()
    }
}

#[async_trait]
impl Store for PostgresStore {
    async fn heartbeat(&self, replica: &str, leaving: bool) -> Result<u32, StoreError> {
        let mut tx = self.pool.begin().await?;
        if leaving {
            sqlx::query("DELETE FROM replicas WHERE id = $1")
                .bind(replica)
                .execute(&mut *tx)
                .await?;
        } else {
            sqlx::query(
                "INSERT INTO replicas (id, seen_at) VALUES ($1, now())
                 ON CONFLICT (id) DO UPDATE SET seen_at = now()",
            )
            .bind(replica)
            .execute(&mut *tx)
            .await?;
        }
        // Replicas gone without a word are forgotten after a while.
        sqlx::query("DELETE FROM replicas WHERE seen_at < now() - interval '1 hour'")
            .execute(&mut *tx)
            .await?;
        let serving: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM replicas WHERE seen_at > now() - make_interval(secs => $1)",
        )
        .bind(super::REPLICA_LIVES.as_secs_f64())
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(u32::try_from(serving).unwrap_or(u32::MAX).max(1))
    }

    async fn try_lead(&self) -> Result<super::Lead, StoreError> {
        let mut connection = self.pool.acquire().await?;
        let taken: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
            .bind(LEAD_LOCK)
            .fetch_one(&mut *connection)
            .await?;
        Ok(if taken {
            super::Lead::Held(Box::new(HeldLock {
                connection,
                key: LEAD_LOCK,
            }))
        } else {
            super::Lead::Taken
        })
    }

    async fn lock_scim_writes(&self) -> Result<Option<Box<dyn super::Held>>, StoreError> {
        let mut connection = self.pool.acquire().await?;
        sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(SCIM_LOCK)
            .execute(&mut *connection)
            .await?;
        Ok(Some(Box::new(HeldLock {
            connection,
            key: SCIM_LOCK,
        })))
    }

    async fn announce(&self, origin: &str, body: &str) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(ANNOUNCE_LOCK)
            .execute(&mut *tx)
            .await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO announcements (origin, body) VALUES ($1, $2) RETURNING id",
        )
        .bind(origin)
        .bind(body)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "DELETE FROM announcements WHERE announced_at < now() - interval '1 day' AND id < $1",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
        // Delivered at the commit, to every listener (this process's own too, which skips it).
        sqlx::query("SELECT pg_notify($1, '')")
            .bind(ANNOUNCEMENTS)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn announcements(&self, after: i64, limit: u32) -> Result<Vec<Announced>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, origin, body FROM announcements WHERE id > $1 ORDER BY id LIMIT $2",
        )
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?)
    }

    async fn last_announcement(&self) -> Result<i64, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM announcements")
                .fetch_one(&self.pool)
                .await?,
        )
    }

    async fn listen(&self) -> Result<Option<Box<dyn Listener>>, StoreError> {
        let mut listener = PgListener::connect_with(&self.pool).await?;
        listener.listen(ANNOUNCEMENTS).await?;
        Ok(Some(Box::new(AnnouncementListener(listener))))
    }

    async fn search_customers(
        &self,
        query: &SearchQuery,
        after: Option<i64>,
        limit: u32,
    ) -> Result<Vec<CustomerRow>, StoreError> {
        let mut q = QueryBuilder::<Postgres>::new(format!(
            "SELECT {CUSTOMER_COLUMNS} FROM customers c WHERE "
        ));
        match query {
            SearchQuery::Name(words) => {
                let Some(terms) = name_query(words) else {
                    return Ok(Vec::new());
                };
                // The indexed expression itself, so the GIN index answers it.
                q.push("array_to_tsvector(c.name_words) @@ ")
                    .push_bind(terms)
                    .push("::tsquery");
            }
            SearchQuery::Email(email) => {
                // lower() of "C" text folds ASCII only, on both sides: SQLite's NOCASE.
                q.push("lower(c.email) = lower(")
                    .push_bind(email)
                    .push("::text COLLATE \"C\")");
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
            q.push(" AND (lower(c.name), c.id) > ((SELECT lower(name) FROM customers WHERE id = ")
                .push_bind(after)
                .push("), ")
                .push_bind(after)
                .push(")");
        }
        q.push(" ORDER BY lower(c.name), c.id LIMIT ")
            .push_bind(i64::from(limit));
        Ok(q.build_query_as().fetch_all(&self.pool).await?)
    }

    async fn customer(&self, id: i64) -> Result<Option<CustomerRow>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "SELECT {CUSTOMER_COLUMNS} FROM customers c WHERE c.id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn customer_record(
        &self,
        id: i64,
        reach: RecordReach,
    ) -> Result<Option<CustomerRecord>, StoreError> {
        // One statement: the accounts and cards come back as JSON arrays beside the customer's
        // columns, as on SQLite.
        let (accounts, cards) = match reach {
            RecordReach::Customer => ("NULL::text", "NULL::text"),
            RecordReach::Accounts => (ACCOUNTS_JSON, "NULL::text"),
            RecordReach::Cards => (ACCOUNTS_JSON, CARDS_JSON),
        };
        let sql = format!(
            "SELECT {CUSTOMER_COLUMNS}, {accounts} AS accounts_json, {cards} AS cards_json \
             FROM customers c WHERE c.id = $1"
        );
        let Some(row) = sqlx::query_as::<_, RecordRow>(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        Ok(Some(CustomerRecord {
            customer: row.customer,
            accounts: json_rows(
                row.accounts_json.as_deref(),
                "accounts",
                |a: &AccountRow| a.id,
            )?,
            cards: json_rows(row.cards_json.as_deref(), "cards", |c: &CardRow| c.id)?,
        }))
    }

    async fn transactions(
        &self,
        customer_id: i64,
        filter: &TransactionFilter,
        after: Option<i64>,
        limit: u32,
    ) -> Result<Vec<TransactionRow>, StoreError> {
        let mut q =
            QueryBuilder::<Postgres>::new("SELECT * FROM transactions WHERE customer_id = ");
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
        let mut q = QueryBuilder::<Postgres>::new("SELECT * FROM tickets WHERE customer_id = ");
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
        Ok(sqlx::query_as("SELECT * FROM tickets WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn messages(
        &self,
        ticket_id: i64,
        include_internal: bool,
    ) -> Result<Vec<MessageRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT * FROM messages WHERE ticket_id = $1 AND (NOT internal OR $2) ORDER BY id",
        )
        .bind(ticket_id)
        .bind(include_internal)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn add_message(
        &self,
        message: NewMessage,
        audit: AuditEvent,
    ) -> Result<(MessageRow, AuditEntry), StoreError> {
        let (key, mut tx) = self.begin_chain().await?;
        let time = now();
        let updated = sqlx::query("UPDATE tickets SET updated_at = $1 WHERE id = $2")
            .bind(&time)
            .bind(message.ticket_id)
            .execute(&mut *tx)
            .await?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::NotFound("ticket"));
        }
        // The next id after the largest, as on SQLite (imported messages bring their own ids);
        // every reply is added under the chain lock, so no two replicas draw the same one.
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO messages (id, ticket_id, internal, author, time, body)
             VALUES ((SELECT COALESCE(MAX(id), 0) + 1 FROM messages), $1, $2, $3, $4, $5)
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
        let (done, outcome) = oneshot::channel();
        let gone = || StoreError::Audit("the audit writer has stopped".into());
        self.audit
            .send(postgres_audit::PendingAudit { event, done })
            .map_err(|_| gone())?;
        outcome.await.map_err(|_| gone())?
    }

    async fn audit_page(
        &self,
        before: Option<i64>,
        filter: &AuditFilter,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        postgres_audit::audit_page(self, before, filter, limit).await
    }

    async fn audit_from(&self, from_seq: i64, limit: u32) -> Result<Vec<AuditEntry>, StoreError> {
        postgres_audit::audit_from(self, from_seq, limit).await
    }

    async fn audit_head(&self) -> Result<Option<(i64, String)>, StoreError> {
        postgres_audit::audit_head(self).await
    }

    async fn audit_retained(&self) -> Result<Option<Retained>, StoreError> {
        postgres_audit::audit_retained(self).await
    }

    async fn retain_audit(
        &self,
        retained: &Retained,
        audit: AuditEvent,
        checkpoints_through: Option<i64>,
    ) -> Result<AuditEntry, StoreError> {
        postgres_audit::retain_audit(self, retained, audit, checkpoints_through).await
    }

    async fn checkpoints_after(
        &self,
        after_id: i64,
        to_seq: i64,
        limit: u32,
    ) -> Result<Vec<(i64, CheckpointLine)>, StoreError> {
        postgres_audit::checkpoints_after(self, after_id, to_seq, limit).await
    }

    async fn record_checkpoint(&self, checkpoint: &CheckpointLine) -> Result<(), StoreError> {
        postgres_audit::record_checkpoint(self, checkpoint).await
    }

    async fn newest_checkpoint(&self) -> Result<Option<CheckpointLine>, StoreError> {
        postgres_audit::newest_checkpoint(self).await
    }

    async fn audit_checkpoints(
        &self,
        from_seq: i64,
        to_seq: i64,
    ) -> Result<Vec<CheckpointLine>, StoreError> {
        postgres_audit::audit_checkpoints(self, from_seq, to_seq).await
    }

    async fn audit_of_action(
        &self,
        action: &str,
        after: i64,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        postgres_audit::audit_of_action(self, action, after, limit).await
    }

    async fn role_definitions(&self) -> Result<Vec<StoredRole>, StoreError> {
        postgres_roles::role_definitions(self).await
    }

    async fn propose_role_change(
        &self,
        change: &NewRoleChange,
        audit: AuditEvent,
    ) -> Result<(desk_api::RoleChange, AuditEntry), StoreError> {
        postgres_roles::propose_role_change(self, change, audit).await
    }

    async fn role_changes(
        &self,
        pending_only: bool,
        limit: u32,
    ) -> Result<Vec<desk_api::RoleChange>, StoreError> {
        postgres_roles::role_changes(self, pending_only, limit).await
    }

    async fn role_change(&self, id: i64) -> Result<Option<desk_api::RoleChange>, StoreError> {
        postgres_roles::role_change(self, id).await
    }

    async fn decide_role_change(
        &self,
        id: i64,
        approve: bool,
        by: &str,
        audit: AuditEvent,
    ) -> Result<Option<(desk_api::RoleChange, Option<StoredRole>)>, StoreError> {
        postgres_roles::decide_role_change(self, id, approve, by, audit).await
    }

    async fn role_history(&self, role: Role, limit: u32) -> Result<Vec<StoredRole>, StoreError> {
        postgres_roles::role_history(self, role, limit).await
    }

    async fn put_role_definition(
        &self,
        definition: &RoleDefinition,
        by: &str,
        audit: AuditEvent,
    ) -> Result<(StoredRole, AuditEntry), StoreError> {
        postgres_roles::put_role_definition(self, definition, by, audit).await
    }

    async fn layout_history(
        &self,
        role: Role,
        limit: u32,
    ) -> Result<Vec<StoredLayout>, StoreError> {
        postgres_roles::layout_history(self, role, limit).await
    }

    async fn layouts(&self) -> Result<Vec<StoredLayout>, StoreError> {
        postgres_roles::layouts(self).await
    }

    async fn put_layout(
        &self,
        role: Role,
        layout: &Layout,
        by: &str,
        audit: AuditEvent,
    ) -> Result<(StoredLayout, AuditEntry), StoreError> {
        postgres_roles::put_layout(self, role, layout, by, audit).await
    }

    async fn policy_version(&self) -> Result<u64, StoreError> {
        postgres_roles::policy_version(self).await
    }

    async fn record_offline_views(
        &self,
        views: Vec<OfflineView>,
        summary: AuditEvent,
    ) -> Result<OfflineUploadResult, StoreError> {
        let (key, mut tx) = self.begin_chain().await?;
        // The views whose keys are recorded already for their actors (under the chain lock, so
        // no other replica records one meanwhile), then the fresh ones' entries and the summary
        // in one append: the same entries, in the same order, as SQLite's view-by-view loop.
        let actors: Vec<&str> = views.iter().map(|v| v.audit.actor.as_str()).collect();
        let keys: Vec<&str> = views.iter().map(|v| v.key.as_str()).collect();
        let known: Vec<(String, String)> = sqlx::query_as(
            "SELECT o.actor, o.key FROM offline_views o
             JOIN UNNEST($1::text[], $2::text[]) AS v(actor, key)
               ON o.actor = v.actor AND o.key = v.key",
        )
        .bind(&actors)
        .bind(&keys)
        .fetch_all(&mut *tx)
        .await?;
        let mut seen: std::collections::HashSet<(String, String)> = known.into_iter().collect();
        let mut done = OfflineUploadResult {
            recorded: 0,
            duplicates: 0,
        };
        let mut fresh = Vec::new();
        for view in &views {
            if seen.insert((view.audit.actor.clone(), view.key.clone())) {
                fresh.push(view);
                done.recorded += 1;
            } else {
                done.duplicates += 1;
            }
        }
        let mut summary = summary;
        if let serde_json::Value::Object(detail) = &mut summary.detail {
            detail.insert("recorded".into(), done.recorded.into());
            detail.insert("duplicates".into(), done.duplicates.into());
        }
        let mut events: Vec<&AuditEvent> = fresh.iter().map(|v| &v.audit).collect();
        events.push(&summary);
        let entries = Self::append_all_in(&key, &mut tx, &events).await?;
        let seqs: Vec<i64> = entries.iter().map(|e| e.seq).collect();
        let fresh_actors: Vec<&str> = fresh.iter().map(|v| v.audit.actor.as_str()).collect();
        let fresh_keys: Vec<&str> = fresh.iter().map(|v| v.key.as_str()).collect();
        sqlx::query(
            "INSERT INTO offline_views (actor, key, recorded_seq)
             SELECT * FROM UNNEST($1::text[], $2::text[], $3::bigint[])",
        )
        .bind(&fresh_actors)
        .bind(&fresh_keys)
        .bind(&seqs[..fresh.len()])
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(done)
    }

    async fn extend_offline_window(
        &self,
        actor: &str,
        window: OfflineWindow,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        // The merge reads the latest window and then writes: one agent's merges take turns
        // across replicas (SQLite's BEGIN IMMEDIATE does that for the whole file).
        sqlx::query("SELECT pg_advisory_xact_lock($1, hashtext($2))")
            .bind(WINDOW_LOCK)
            .bind(actor)
            .execute(&mut *tx)
            .await?;
        let latest: Option<OfflineWindow> = sqlx::query_as(
            "SELECT opens_at, closes_at FROM offline_windows WHERE actor = $1 \
             ORDER BY opens_at DESC LIMIT 1",
        )
        .bind(actor)
        .fetch_optional(&mut *tx)
        .await?;
        match latest {
            Some(last) if window.opens_at <= last.closes_at && window.opens_at >= last.opens_at => {
                sqlx::query(
                    "UPDATE offline_windows SET closes_at = GREATEST(closes_at, $1) \
                     WHERE actor = $2 AND opens_at = $3",
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
                    "INSERT INTO offline_windows (actor, opens_at, closes_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (actor, opens_at) DO UPDATE \
                     SET closes_at = GREATEST(offline_windows.closes_at, excluded.closes_at)",
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
            "SELECT opens_at, closes_at FROM offline_windows WHERE actor = $1 AND closes_at >= $2 \
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
        let (key, mut tx) = self.begin_chain().await?;
        let time = now();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO wipes (subject, ordered_by, ordered_at) VALUES ($1, $2, $3) RETURNING id",
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
             WHERE subject = $1 AND id > $2 ORDER BY id LIMIT $3",
        )
        .bind(subject)
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?)
    }

    async fn wipes_done(&self, subject: &str, device: &str) -> Result<i64, StoreError> {
        const DONE: &str = "SELECT GREATEST(d.wipes_before, COALESCE(w.acknowledged, 0))
             FROM devices d LEFT JOIN device_wipes w USING (subject, device)
             WHERE d.subject = $1 AND d.device = $2";
        // A device seen before is only read: every session start asks, and most devices are.
        let seen: Option<i64> = sqlx::query_scalar(DONE)
            .bind(subject)
            .bind(device)
            .fetch_optional(&self.pool)
            .await?;
        if let Some(done) = seen {
            return Ok(done);
        }
        // A replica that records the device first wins; the other reads what it recorded.
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO devices (subject, device, first_seen, wipes_before)
             VALUES ($1, $2, $3, (SELECT COALESCE(MAX(id), 0) FROM wipes WHERE subject = $1))
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
        let (key, mut tx) = self.begin_chain().await?;
        let time = now();
        sqlx::query(
            "INSERT INTO device_wipes (subject, device, acknowledged, acknowledged_at)
             VALUES ($1, $2, $3, $4)
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
             WHERE subject = $1 AND device = $2",
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
        let (key, mut tx) = self.begin_chain().await?;
        let created_at = now();
        let added = sqlx::query(
            "INSERT INTO scim_tokens (name, token_hash, created_at) VALUES ($1, $2, $3)
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
        let (key, mut tx) = self.begin_chain().await?;
        let deleted = sqlx::query("DELETE FROM scim_tokens WHERE name = $1")
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
            sqlx::query_scalar("SELECT name FROM scim_tokens WHERE token_hash = $1")
                .bind(token_hash)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    async fn scim_users(&self, lookup: &ScimLookup) -> Result<Vec<ScimUserRow>, StoreError> {
        postgres_scim::users(&self.pool, lookup).await
    }

    async fn scim_groups(&self, lookup: &ScimLookup) -> Result<Vec<ScimGroupRow>, StoreError> {
        postgres_scim::groups(&self.pool, lookup).await
    }

    async fn scim_count(&self, groups: bool) -> Result<u64, StoreError> {
        let table = if groups { "scim_groups" } else { "scim_users" };
        postgres_scim::count(&self.pool, table).await
    }

    async fn scim_access(&self, user_name_key: &str) -> Result<ScimAccess, StoreError> {
        postgres_scim::access(&self.pool, user_name_key).await
    }

    async fn link_scim_subject(
        &self,
        user_name_key: &str,
        subject: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO scim_subjects (user_name_key, subject) VALUES ($1, $2)
             ON CONFLICT DO NOTHING",
        )
        .bind(user_name_key)
        .bind(subject)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn scim_subjects(&self, user_name_keys: &[String]) -> Result<Vec<String>, StoreError> {
        postgres_scim::subjects(&self.pool, user_name_keys).await
    }

    async fn scim_write(&self, change: ScimChange) -> Result<ScimWritten, StoreError> {
        postgres_scim::write(self, change).await
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
             WHERE subject = $1 ORDER BY device",
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
        // Two statements, as on SQLite: of replicas starting at once, the first insert pins its
        // key, and the read, with a snapshot of its own, sees whichever insert won (one
        // statement with the insert as a CTE would read with the snapshot from before it).
        sqlx::query(
            "INSERT INTO key_pins (kind, fingerprint, pinned_at) VALUES ($1, $2, $3)
             ON CONFLICT (kind) DO NOTHING",
        )
        .bind(kind)
        .bind(fingerprint)
        .bind(now())
        .execute(&self.pool)
        .await?;
        Ok(
            sqlx::query_scalar("SELECT fingerprint FROM key_pins WHERE kind = $1")
                .bind(kind)
                .fetch_one(&self.pool)
                .await?,
        )
    }

    async fn seed_role_definitions(&self, defaults: &[RoleDefinition]) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let time = now();
        for definition in defaults {
            let json = serde_json::to_string(definition)
                .map_err(|e| StoreError::Corrupt(format!("role definition: {e}")))?;
            // Replicas starting at once: the first one's row stays, the others change nothing.
            sqlx::query(
                "INSERT INTO role_definitions (role, definition, version, updated_at, updated_by)
                 VALUES ($1, $2, 1, $3, 'defaults') ON CONFLICT (role) DO NOTHING",
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
        postgres_import::import(&self.pool, batch).await
    }

    async fn finish_import(&self) -> Result<(), StoreError> {
        postgres_import::finish_import(&self.pool).await
    }

    async fn clear_records(&self) -> Result<(), StoreError> {
        postgres_import::clear_records(&self.pool).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_query_is_prefix_terms_of_folded_words() {
        let words = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            name_query(&words(&["jan", "do"])).as_deref(),
            Some("'jan':* & 'do':*")
        );
        assert_eq!(name_query(&words(&["ölçer"])).as_deref(), Some("'olcer':*"));
        // Quotes cannot end a term early (the API lets none through; the store does not rely
        // on it).
        assert_eq!(
            name_query(&words(&["o'brien"])).as_deref(),
            Some("'o':* & 'brien':*")
        );
        assert_eq!(name_query(&words(&["\u{301}"])), None);
    }
}
