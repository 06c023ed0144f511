//! The record cache: what is stored, how it is read, and how it is removed.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use desk_core::record::{Customer, Ticket, Transaction};
use desk_core::signed::PolicyClaims;
use desk_core::{Policy, RecordKind};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::migrate::{MigrateError, Migrator};
use sqlx::{Row as _, SqlitePool};

use crate::search::fts_query;
use crate::{CacheError, CacheKey, guard};

static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// SQLite's generic error code, which a statement gets for SQL that does not fit the schema.
const SQLITE_ERROR: i32 = 1;

/// The most rows one read returns, whatever limit is asked for.
pub const MAX_PAGE: u32 = 500;

/// Records to store in one call, as the server sent them and [`crate::prepare`] made them fit.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Records {
    /// Customers, each with the accounts and cards it carries.
    pub customers: Vec<Customer>,
    /// Transactions, each with the id of the customer it belongs to (a transaction names only
    /// its account).
    pub transactions: Vec<(i64, Transaction)>,
    /// Tickets, each with the messages it carries.
    pub tickets: Vec<Ticket>,
}

/// A cached value with the time it was fetched from the server and the time it stops being
/// served (seconds since the epoch).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cached<T> {
    /// The record, as the cache holds it.
    pub value: T,
    /// When the server sent it.
    pub fetched_at: i64,
    /// From when on it is no longer read.
    pub expires_at: i64,
}

/// What the cache holds, for `desk status` and the app's status line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CacheStatus {
    /// The size of the database file and its write-ahead log.
    pub file_bytes: u64,
    /// How many records of each stored kind are still served. Accounts and cards are stored
    /// inside their customer and messages inside their ticket, so only customers, transactions
    /// and tickets are counted.
    pub per_kind: BTreeMap<RecordKind, u64>,
    /// Expired records still in the file, until [`Cache::prune`] or [`Cache::purge`].
    pub expired: u64,
    /// When the oldest record still served was fetched.
    pub oldest_fetched_at: Option<i64>,
    /// When the next record stops being served.
    pub next_expiry: Option<i64>,
}

/// A view of a record made offline, waiting to be uploaded to the server's audit trail: what the
/// [`crate::AuditQueue`] holds, and nothing more.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueuedView {
    /// Chosen by the app when the view happened; the server accepts each key once.
    pub idempotency_key: String,
    /// When the view happened (seconds since the epoch).
    pub time: i64,
    /// What was done, as the audit trail names it.
    pub action: String,
    /// What it was done to, as an id only (`customer:17`, `ticket:9`, `customers`).
    pub resource: String,
}

/// The encrypted record cache of one signed-in agent.
#[derive(Debug)]
pub struct Cache {
    pool: SqlitePool,
    path: PathBuf,
}

/// One row to write, after the guard.
struct Row {
    kind: RecordKind,
    id: i64,
    customer_id: i64,
    body: String,
    expires_at: i64,
    /// For customers: name, e-mail and phone as cached, for the search index.
    search: Option<[Option<String>; 3]>,
}

impl Cache {
    /// Opens (creating if missing) the cache at `path` with `key` and brings its schema up to
    /// date. A file that is not a cache, or not one this key reads, is an error
    /// ([`CacheError::Unreadable`]) and is left as it is.
    pub async fn open(path: &Path, key: &CacheKey) -> Result<Self, CacheError> {
        Self::migrated(crate::db::open(path, key).await?, path).await
    }

    /// Opens (creating if missing) an **unencrypted** cache at `path`: the same code as
    /// [`Cache::open`] on the same SQLCipher library, only without the `key` pragma, which makes
    /// it plain SQLite. It exists for one reason: the benchmarks' baseline, to compare the
    /// encrypted cache with plain SQLite doing the very same work.
    ///
    /// Only built with the `bench-plaintext` feature, which is off by default and which no
    /// crate enables: it is named on the command line (`cargo bench -p desk-cache --features
    /// bench-plaintext`; scripts/test also tests and lints desk-cache with it), so it exists in
    /// nothing built for production.
    #[cfg(feature = "bench-plaintext")]
    pub async fn open_plaintext_for_benchmarks(path: &Path) -> Result<Self, CacheError> {
        Self::migrated(crate::db::open_plaintext(path).await?, path).await
    }

    /// The cache on `pool`, at `path`, once its schema is up to date.
    async fn migrated(pool: SqlitePool, path: &Path) -> Result<Self, CacheError> {
        if let Err(e) = MIGRATOR.run(&pool).await {
            pool.close().await;
            return Err(e.into());
        }
        Ok(Self {
            pool,
            path: path.to_owned(),
        })
    }

    /// Opens the cache at `path`, or, when the file there cannot be used as this key's cache
    /// (another key, a foreign or damaged file, a schema this version does not know), deletes it
    /// with its `-wal`, `-shm` and `-journal` files and makes a new one. The flag says whether
    /// that happened. A file is never read wrong: it is read with its key or not at all.
    ///
    /// Failures that say nothing about the file (the database is busy, the disk is full, no
    /// SQLCipher) are returned as they are, and the file is left alone.
    pub async fn open_or_recreate(path: &Path, key: &CacheKey) -> Result<(Self, bool), CacheError> {
        match Self::open(path, key).await {
            Ok(cache) => Ok((cache, false)),
            Err(e) if e.unusable_file() => {
                remove_files(path)?;
                Ok((Self::open(path, key).await?, true))
            }
            Err(e) => Err(e),
        }
    }

    /// Where the database file is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Stores `records`, fetched from the server at `fetched_at`, each to expire after the time
    /// `policy` gives its kind (for a record carrying others, the shortest of their kinds').
    ///
    /// Every record passes the [guard](crate::guard) first; when any value fails, the whole call
    /// is refused with [`CacheError::Guard`] and nothing is written. The call is one transaction:
    /// a crash part-way leaves the cache as it was. A record already cached from a later fetch is
    /// not replaced by an older one.
    pub async fn store(
        &self,
        records: &Records,
        policy: &Policy,
        fetched_at: i64,
    ) -> Result<(), CacheError> {
        guard::check(records, policy)?;
        let rows = rows(records, policy, fetched_at)?;
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        for row in rows {
            let written = sqlx::query(
                "INSERT INTO records (kind, id, customer_id, body, fetched_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (kind, id) DO UPDATE SET
                     customer_id = excluded.customer_id, body = excluded.body,
                     fetched_at = excluded.fetched_at, expires_at = excluded.expires_at
                 WHERE excluded.fetched_at >= records.fetched_at",
            )
            .bind(row.kind.as_str())
            .bind(row.id)
            .bind(row.customer_id)
            .bind(&row.body)
            .bind(fetched_at)
            .bind(row.expires_at)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if let (Some([name, email, phone]), 1) = (&row.search, written) {
                sqlx::query("DELETE FROM customer_search WHERE rowid = ?1")
                    .bind(row.id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO customer_search (rowid, name, email, phone)
                     VALUES (?1, ?2, ?3, ?4)",
                )
                .bind(row.id)
                .bind(name)
                .bind(email)
                .bind(phone)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// The customer `id`, unless absent or expired at `now`.
    pub async fn customer(
        &self,
        id: i64,
        now: i64,
    ) -> Result<Option<Cached<Customer>>, CacheError> {
        self.one(RecordKind::Customer, id, now).await
    }

    /// The ticket `id` (with its messages when they were cached), unless absent or expired.
    pub async fn ticket(&self, id: i64, now: i64) -> Result<Option<Cached<Ticket>>, CacheError> {
        self.one(RecordKind::Ticket, id, now).await
    }

    /// Up to `limit` (at most [`MAX_PAGE`]) unexpired transactions of customer `customer_id`,
    /// newest (highest id) first, only those with an id below `before_id` when given.
    pub async fn transactions(
        &self,
        customer_id: i64,
        limit: u32,
        before_id: Option<i64>,
        now: i64,
    ) -> Result<Vec<Cached<Transaction>>, CacheError> {
        self.of_customer(RecordKind::Transaction, customer_id, limit, before_id, now)
            .await
    }

    /// The unexpired tickets of customer `customer_id`, newest first (at most [`MAX_PAGE`]).
    pub async fn tickets(
        &self,
        customer_id: i64,
        now: i64,
    ) -> Result<Vec<Cached<Ticket>>, CacheError> {
        self.of_customer(RecordKind::Ticket, customer_id, MAX_PAGE, None, now)
            .await
    }

    /// Unexpired customers whose cached name, masked e-mail or masked phone has words starting
    /// with every word of `text`, in the order they were first cached, at most `limit` (and
    /// [`MAX_PAGE`]). Every result matches every word, so no ranking is computed: ranking all
    /// matches of a common word cost 10× the search at 100,000 customers.
    ///
    /// Only letters and digits of `text` are looked for, each as a quoted prefix: any other input
    /// finds nothing rather than failing, and no input is read as query syntax.
    pub async fn search(
        &self,
        text: &str,
        limit: u32,
        now: i64,
    ) -> Result<Vec<Cached<Customer>>, CacheError> {
        let Some(query) = fts_query(text) else {
            return Ok(Vec::new());
        };
        let rows = sqlx::query(
            "SELECT r.id, r.body, r.fetched_at, r.expires_at
             FROM customer_search
             JOIN records r ON r.kind = 'customer' AND r.id = customer_search.rowid
             WHERE customer_search MATCH ?1 AND r.expires_at > ?2
             ORDER BY customer_search.rowid
             LIMIT ?3",
        )
        .bind(query)
        .bind(now)
        .bind(limit.min(MAX_PAGE))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| decode(RecordKind::Customer, r))
            .collect()
    }

    /// Keeps `jws`, the signed policy the app accepted, and its verified `claims`, replacing the
    /// one kept before. Offline reading is bounded by it ([`crate::offline_state`]).
    pub async fn store_policy(
        &self,
        jws: &str,
        claims: &PolicyClaims,
        stored_at: i64,
    ) -> Result<(), CacheError> {
        let claims = serde_json::to_string(claims)
            .map_err(|e| CacheError::Corrupt(format!("policy claims: {}", describe(&e))))?;
        sqlx::query(
            "INSERT INTO policy (id, jws, claims, stored_at) VALUES (1, ?1, ?2, ?3)
             ON CONFLICT (id) DO UPDATE SET
                 jws = excluded.jws, claims = excluded.claims, stored_at = excluded.stored_at",
        )
        .bind(jws)
        .bind(claims)
        .bind(stored_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The newest time this cache has been read or written at (seconds since the epoch), as
    /// [`Cache::raise_newest_time`] kept it: a floor under the clock for the offline window, so
    /// that a clock set back does not reopen it. Kept in the encrypted file, so changing it
    /// takes the cache's key.
    pub async fn newest_time(&self) -> Result<Option<i64>, CacheError> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT value FROM meta WHERE key = 'newest_time'")
                .fetch_optional(&self.pool)
                .await?;
        row.map(|(v,)| {
            v.parse()
                .map_err(|_| CacheError::Corrupt("newest_time is not a number".into()))
        })
        .transpose()
    }

    /// Raises the time [`Cache::newest_time`] answers to `time`; a smaller one changes nothing.
    pub async fn raise_newest_time(&self, time: i64) -> Result<(), CacheError> {
        sqlx::query(
            "INSERT INTO meta (key, value) VALUES ('newest_time', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value
             WHERE CAST(meta.value AS INTEGER) < CAST(excluded.value AS INTEGER)",
        )
        .bind(time.to_string())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Claims this cache for `device` (the installation's id the server records wipes under):
    /// a cache that names no device yet is given this one. `false` when it was made under
    /// another device id, which the caller treats as a cache it may not keep: a device whose id
    /// changed is a new device to the server, which does not send it the wipes ordered before,
    /// so the cache from before must not outlive the old id. Kept in the encrypted file.
    pub async fn claim_device(&self, device: &str) -> Result<bool, CacheError> {
        sqlx::query("INSERT INTO meta (key, value) VALUES ('device', ?1) ON CONFLICT DO NOTHING")
            .bind(device)
            .execute(&self.pool)
            .await?;
        let (claimed,): (String,) = sqlx::query_as("SELECT value FROM meta WHERE key = 'device'")
            .fetch_one(&self.pool)
            .await?;
        Ok(claimed == device)
    }

    /// The policy kept by [`Cache::store_policy`], if any.
    pub async fn policy(&self) -> Result<Option<(String, PolicyClaims)>, CacheError> {
        let row: Option<(String, String)> =
            sqlx::query_as("SELECT jws, claims FROM policy WHERE id = 1")
                .fetch_optional(&self.pool)
                .await?;
        row.map(|(jws, claims)| {
            serde_json::from_str(&claims)
                .map(|claims| (jws, claims))
                .map_err(|e| CacheError::Corrupt(format!("policy claims: {}", describe(&e))))
        })
        .transpose()
    }

    /// What the cache holds at `now`.
    pub async fn status(&self, now: i64) -> Result<CacheStatus, CacheError> {
        let mut file_bytes = 0;
        for path in [self.path.clone(), sibling(&self.path, "-wal")] {
            match std::fs::metadata(&path) {
                Ok(meta) => file_bytes += meta.len(),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e.into()),
            }
        }
        let counts: Vec<(String, i64)> = sqlx::query_as(
            "SELECT kind, count(*) FROM records WHERE expires_at > ?1 GROUP BY kind",
        )
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        let mut per_kind = BTreeMap::new();
        for (kind, count) in counts {
            let kind = kind
                .parse::<RecordKind>()
                .map_err(|_| CacheError::Corrupt("a record of an unknown kind".to_owned()))?;
            per_kind.insert(kind, u64::try_from(count).unwrap_or(0));
        }
        let (expired, oldest_fetched_at, next_expiry): (i64, Option<i64>, Option<i64>) =
            sqlx::query_as(
                "SELECT
                     (SELECT count(*) FROM records WHERE expires_at <= ?1),
                     (SELECT min(fetched_at) FROM records WHERE expires_at > ?1),
                     (SELECT min(expires_at) FROM records WHERE expires_at > ?1)",
            )
            .bind(now)
            .fetch_one(&self.pool)
            .await?;
        Ok(CacheStatus {
            file_bytes,
            per_kind,
            expired: u64::try_from(expired).unwrap_or(0),
            oldest_fetched_at,
            next_expiry,
        })
    }

    /// Deletes every record and the search index, and returns how many records there were.
    ///
    /// The kept policy stays. (Offline views are not in the cache at all but in the
    /// [`crate::AuditQueue`], which no purge or shred touches.) To remove everything,
    /// [`crate::shred`] the cache instead. Deleted rows are unreachable but, until SQLite reuses their pages, still in
    /// the file, encrypted under the same key; only shredding destroys the key.
    pub async fn purge(&self) -> Result<u64, CacheError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        sqlx::query("DELETE FROM customer_search")
            .execute(&mut *tx)
            .await?;
        let deleted = sqlx::query("DELETE FROM records")
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(deleted)
    }

    /// Deletes the records expired at `now` (reads already skip them) and returns how many.
    pub async fn prune(&self, now: i64) -> Result<u64, CacheError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        sqlx::query(
            "DELETE FROM customer_search WHERE rowid IN
                 (SELECT id FROM records WHERE kind = 'customer' AND expires_at <= ?1)",
        )
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let deleted = sqlx::query("DELETE FROM records WHERE expires_at <= ?1")
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(deleted)
    }

    /// Views queued in the cache itself by versions before the [`crate::AuditQueue`], not yet
    /// uploaded, oldest first: the app moves them into the queue and then forgets them here
    /// ([`Cache::forget_legacy_views`]). Nothing queues in the cache any more.
    pub async fn legacy_views(&self) -> Result<Vec<QueuedView>, CacheError> {
        let rows: Vec<(String, i64, String, String)> = sqlx::query_as(
            "SELECT idempotency_key, time, action, resource FROM audit_queue
             WHERE uploaded_at IS NULL ORDER BY time, idempotency_key",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(idempotency_key, time, action, resource)| QueuedView {
                idempotency_key,
                time,
                action,
                resource,
            })
            .collect())
    }

    /// Deletes the legacy views with these keys (once they are safe in the audit queue) and
    /// returns how many there were.
    pub async fn forget_legacy_views<S: AsRef<str>>(&self, keys: &[S]) -> Result<u64, CacheError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let mut removed = 0;
        for key in keys {
            removed += sqlx::query("DELETE FROM audit_queue WHERE idempotency_key = ?1")
                .bind(key.as_ref())
                .execute(&mut *tx)
                .await?
                .rows_affected();
        }
        tx.commit().await?;
        Ok(removed)
    }

    /// Moves what the write-ahead log holds into the database file, then closes every
    /// connection, so the files can be moved or shredded. The checkpoint is a tidy-up: if it
    /// fails (another process is reading), the log stays beside the file, encrypted like it, and
    /// SQLite replays it on the next open.
    pub async fn close(self) {
        let _ = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&self.pool)
            .await;
        self.pool.close().await;
    }

    async fn one<T: DeserializeOwned>(
        &self,
        kind: RecordKind,
        id: i64,
        now: i64,
    ) -> Result<Option<Cached<T>>, CacheError> {
        let row = sqlx::query(
            "SELECT id, body, fetched_at, expires_at FROM records
             WHERE kind = ?1 AND id = ?2 AND expires_at > ?3",
        )
        .bind(kind.as_str())
        .bind(id)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| decode(kind, &r)).transpose()
    }

    async fn of_customer<T: DeserializeOwned>(
        &self,
        kind: RecordKind,
        customer_id: i64,
        limit: u32,
        before_id: Option<i64>,
        now: i64,
    ) -> Result<Vec<Cached<T>>, CacheError> {
        let rows = sqlx::query(
            "SELECT id, body, fetched_at, expires_at FROM records
             WHERE kind = ?1 AND customer_id = ?2 AND id < ?3 AND expires_at > ?4
             ORDER BY id DESC LIMIT ?5",
        )
        .bind(kind.as_str())
        .bind(customer_id)
        .bind(before_id.unwrap_or(i64::MAX))
        .bind(now)
        .bind(limit.min(MAX_PAGE))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| decode(kind, r)).collect()
    }
}

impl CacheError {
    /// Whether this error says the file cannot serve as the cache, so that making it anew is the
    /// remedy (and not, say, that another process holds it or the disk is full).
    fn unusable_file(&self) -> bool {
        match self {
            Self::Unreadable | Self::Corrupt(_) => true,
            Self::Migrate(e) => match e {
                MigrateError::VersionMissing(_)
                | MigrateError::VersionMismatch(_)
                | MigrateError::VersionNotPresent(_)
                | MigrateError::VersionTooOld(_, _)
                | MigrateError::VersionTooNew(_, _)
                | MigrateError::Dirty(_) => true,
                MigrateError::Execute(e) => crate::db::damaged(e),
                // Our migrations are known to run on our schema; a plain SQL error (a table that
                // already exists) means the file holds someone else's.
                MigrateError::ExecuteMigration(e, _) => {
                    crate::db::damaged(e) || crate::db::primary_code(e) == Some(SQLITE_ERROR)
                }
                _ => false,
            },
            _ => false,
        }
    }
}

/// The rows for `records`, which passed the guard.
fn rows(records: &Records, policy: &Policy, fetched_at: i64) -> Result<Vec<Row>, CacheError> {
    let ttl = |kinds: &[RecordKind]| -> i64 {
        let shortest = kinds
            .iter()
            .filter_map(|&k| policy.cacheable(k))
            .min()
            .unwrap_or(0);
        fetched_at.saturating_add(i64::try_from(shortest).unwrap_or(i64::MAX))
    };
    let mut rows = Vec::new();
    for c in &records.customers {
        let mut kinds = vec![RecordKind::Customer];
        if let Some(accounts) = &c.accounts {
            kinds.push(RecordKind::Account);
            if accounts.iter().any(|a| a.cards.is_some()) {
                kinds.push(RecordKind::Card);
            }
        }
        rows.push(Row {
            kind: RecordKind::Customer,
            id: c.id,
            customer_id: c.id,
            body: encode(RecordKind::Customer, c.id, c)?,
            expires_at: ttl(&kinds),
            search: Some([c.name.clone(), c.email.clone(), c.phone.clone()]),
        });
    }
    for (customer_id, t) in &records.transactions {
        rows.push(Row {
            kind: RecordKind::Transaction,
            id: t.id,
            customer_id: *customer_id,
            body: encode(RecordKind::Transaction, t.id, t)?,
            expires_at: ttl(&[RecordKind::Transaction]),
            search: None,
        });
    }
    for t in &records.tickets {
        let kinds: &[RecordKind] = match t.messages {
            Some(_) => &[RecordKind::Ticket, RecordKind::Message],
            None => &[RecordKind::Ticket],
        };
        rows.push(Row {
            kind: RecordKind::Ticket,
            id: t.id,
            customer_id: t.customer_id,
            body: encode(RecordKind::Ticket, t.id, t)?,
            expires_at: ttl(kinds),
            search: None,
        });
    }
    Ok(rows)
}

fn encode<T: Serialize>(kind: RecordKind, id: i64, value: &T) -> Result<String, CacheError> {
    serde_json::to_string(value).map_err(|e| {
        CacheError::Corrupt(format!("{kind} {id} cannot be encoded: {}", describe(&e)))
    })
}

fn decode<T: DeserializeOwned>(
    kind: RecordKind,
    row: &sqlx::sqlite::SqliteRow,
) -> Result<Cached<T>, CacheError> {
    let id: i64 = row.try_get("id")?;
    let body: &str = row.try_get("body")?;
    let value = serde_json::from_str(body)
        .map_err(|e| CacheError::Corrupt(format!("{kind} {id}: {}", describe(&e))))?;
    Ok(Cached {
        value,
        fetched_at: row.try_get("fetched_at")?,
        expires_at: row.try_get("expires_at")?,
    })
}

/// Where a JSON error is, without serde's message: that can quote the value, which is record
/// data and must not end up in a log.
fn describe(e: &serde_json::Error) -> String {
    format!(
        "{:?} error at line {} column {}",
        e.classify(),
        e.line(),
        e.column()
    )
}

/// `path` with `suffix` appended to its file name (`cache.db` → `cache.db-wal`).
pub(crate) fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = OsString::from(path.as_os_str());
    name.push(suffix);
    PathBuf::from(name)
}

/// Deletes the database at `path` and the files SQLite keeps beside it. Missing files are fine.
/// Every file is attempted; the first failure is returned.
pub(crate) fn remove_files(path: &Path) -> Result<(), CacheError> {
    let mut first_error = None;
    for file in [
        path.to_owned(),
        sibling(path, "-wal"),
        sibling(path, "-shm"),
        sibling(path, "-journal"),
    ] {
        match std::fs::remove_file(&file) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    match first_error {
        None => Ok(()),
        Some(e) => Err(e.into()),
    }
}
