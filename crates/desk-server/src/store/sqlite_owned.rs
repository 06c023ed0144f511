//! SQLite connections owned by threads of their own, for what every request does: a few reader
//! threads answer the per-request reads (a customer lookup, a ticket view), and one writer thread
//! commits the audit entries of their own (every read is one), a batch per transaction.
//!
//! Why not the sqlx pool for these: sqlx runs each SQLite connection on a thread of its own and
//! hands every statement to it and back, and its pool spawns a task for each connection
//! returned, so a pooled statement cost several thread switches, the largest item of a lookup's
//! profile. Here a request hands one job to a thread that holds its connection (one wake-up
//! there, one back), which runs its statements directly, each prepared once per connection
//! (`prepare_cached`). Everything else still goes through the pool.
//!
//! What holds: the writer appends only under the chain's lock and inside `BEGIN IMMEDIATE`,
//! reading the head in that transaction, as the pool's writes that append do (`add_message`,
//! role changes, …), so the chain never forks, whoever appends; each caller gets its entry only
//! once its batch has committed; a batch that fails is tried again entry by entry, so an entry
//! that cannot be written fails only its own request. The connections get the pool's PRAGMAs
//! (WAL, `synchronous=NORMAL`, foreign keys, the busy timeout) and open the file the pool made
//! owner-only, never creating one; readers are `query_only`. The threads end when the store is
//! dropped (their channels close), the writer after committing what was still waiting.

use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::sync::Arc;
#[cfg(test)]
use std::sync::Weak;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};
use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction, TransactionBehavior};
use tokio::sync::{Mutex, oneshot};

use super::StoreError;
use super::shared::now;
use super::sqlite::{AUDIT_BATCH, AUDIT_HEAD, AUDIT_INSERT};
use crate::audit::key::AuditKey;
use crate::audit::{AuditEntry, AuditEvent};

/// Reader threads, each with its connection. Two, as cores run the benchmarks here: with reads
/// run together ([`read_loop`]), two did the customer lookup for 59 µs of the server's CPU
/// against 66 µs with three (median of four alternating rounds each).
pub const READERS: usize = 2;

/// Most jobs one reader runs in one read transaction ([`read_loop`]).
const READ_BATCH: usize = 32;

/// How long a connection waits for SQLite's write lock (the pool's busy timeout).
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Statements kept prepared per connection.
const STATEMENTS: usize = 32;

/// A read run on a reader thread's connection.
type Job = Box<dyn FnOnce(&Connection) + Send>;

/// An audit entry waiting for the writer, and where its outcome goes.
struct PendingAudit {
    event: AuditEvent,
    done: oneshot::Sender<Result<AuditEntry, String>>,
}

/// The store's own threads: the readers' queue and the writer's.
pub(super) struct Owned {
    reads: Sender<Job>,
    audit: Sender<PendingAudit>,
    /// Alive while any of the threads is (each holds the `Arc`).
    #[cfg(test)]
    threads: Weak<()>,
}

/// Opens a connection to the existing database at `path` with the pool's PRAGMAs; a reader's is
/// `query_only`.
fn open(path: &Path, reader: bool) -> Result<Connection, StoreError> {
    // No SQLITE_OPEN_CREATE: the pool made the file (owner-only) and migrated it.
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let connection = Connection::open_with_flags(path, flags)?;
    connection.busy_timeout(BUSY_TIMEOUT)?;
    connection.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get::<_, String>(0))?;
    connection.pragma_update(None, "synchronous", "NORMAL")?;
    connection.pragma_update(None, "foreign_keys", "ON")?;
    if reader {
        connection.pragma_update(None, "query_only", "ON")?;
    }
    connection.set_prepared_statement_cache_capacity(STATEMENTS);
    Ok(connection)
}

fn gone() -> StoreError {
    StoreError::Audit("the store's connection threads have stopped".into())
}

impl Owned {
    /// Starts `readers` reader threads and the audit writer on the database at `path`; entries
    /// are linked under the key in `chain`.
    pub(super) fn start(
        path: &Path,
        readers: usize,
        chain: Arc<Mutex<AuditKey>>,
    ) -> Result<Self, StoreError> {
        let alive = Arc::new(());
        let spawn = |name: String, run: Box<dyn FnOnce() + Send>| {
            let alive = alive.clone();
            std::thread::Builder::new()
                .name(name)
                .spawn(move || {
                    let _alive = alive;
                    run();
                })
                .map(drop)
                .map_err(|e| StoreError::Corrupt(format!("cannot start a store thread: {e}")))
        };
        let (reads, jobs) = crossbeam_channel::unbounded::<Job>();
        let readers = readers.max(1);
        for n in 0..readers {
            let connection = open(path, true)?;
            let jobs = jobs.clone();
            spawn(
                format!("desk-sqlite-read-{n}"),
                Box::new(move || read_loop(&connection, &jobs, readers)),
            )?;
        }
        let (audit, queue) = crossbeam_channel::unbounded();
        let connection = open(path, false)?;
        spawn(
            "desk-sqlite-audit".into(),
            Box::new(move || audit_writer(&connection, &chain, &queue)),
        )?;
        Ok(Self {
            reads,
            audit,
            #[cfg(test)]
            threads: Arc::downgrade(&alive),
        })
    }

    /// Runs `read` on a reader thread's connection and answers what it returns.
    pub(super) async fn read<T, F>(&self, read: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let (done, answer) = oneshot::channel();
        let job: Job = Box::new(move |connection| {
            // A caller that went away (its request was cancelled) just misses the answer.
            let _ = done.send(read(connection));
        });
        self.reads.send(job).map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }

    /// Appends `event` through the writer; answers once its transaction has committed.
    pub(super) async fn append_audit(&self, event: AuditEvent) -> Result<AuditEntry, StoreError> {
        let (done, outcome) = oneshot::channel();
        self.audit
            .send(PendingAudit { event, done })
            .map_err(|_| gone())?;
        outcome
            .await
            .map_err(|_| gone())?
            .map_err(StoreError::Audit)
    }

    /// Whether any of the threads is still running (they end after the store is dropped).
    #[cfg(test)]
    pub(super) fn threads(&self) -> Weak<()> {
        self.threads.clone()
    }
}

/// Runs jobs until the store is dropped: the first waited for, then its share (one of `readers`)
/// of whatever else is waiting, up to [`READ_BATCH`], together in one read transaction; the
/// other readers take the rest. A job that panics loses its answer (its caller sees the threads
/// as stopped), not the thread.
///
/// Why together: in WAL mode a connection empties its page cache whenever a read transaction
/// begins after another connection has committed, which the audit writer does many times a
/// second, so a read of its own fetched every page again; a batch fetches them once. Each job
/// still sees everything committed before it was queued: the transaction, and with it the
/// snapshot, begins only after the whole batch was taken from the queue.
fn read_loop(connection: &Connection, jobs: &Receiver<Job>, readers: usize) {
    let mut batch = Vec::with_capacity(READ_BATCH);
    while let Ok(first) = jobs.recv() {
        batch.push(first);
        let share = jobs.len().div_ceil(readers).min(READ_BATCH - 1);
        batch.extend(jobs.try_iter().take(share));
        let together = batch.len() > 1 && connection.execute_batch("BEGIN").is_ok();
        for job in batch.drain(..) {
            let _ = std::panic::catch_unwind(AssertUnwindSafe(|| job(connection)));
        }
        if together && connection.execute_batch("COMMIT").is_err() {
            let _ = connection.execute_batch("ROLLBACK");
        }
        // Never keep a snapshot past its batch: a later job would not see later commits.
        debug_assert!(
            connection.is_autocommit(),
            "a read transaction outlived its batch"
        );
    }
}

/// Commits the waiting audit entries, a batch per transaction, until the store is dropped: the
/// first entry waited for, then the chain's lock, then whatever else arrived meanwhile (up to
/// [`AUDIT_BATCH`]). When a batch's transaction fails, each of its entries is tried again
/// alone.
fn audit_writer(connection: &Connection, chain: &Mutex<AuditKey>, queue: &Receiver<PendingAudit>) {
    let mut batch = Vec::with_capacity(AUDIT_BATCH);
    while let Ok(first) = queue.recv() {
        batch.push(first);
        // The pool's writes that append hold this lock from before their `BEGIN IMMEDIATE` to
        // their commit: holding it too, the writer never reads a head they are about to move.
        let key = chain.blocking_lock();
        batch.extend(queue.try_iter().take(AUDIT_BATCH - 1));
        let events: Vec<&AuditEvent> = batch.iter().map(|p| &p.event).collect();
        let outcomes: Vec<Result<AuditEntry, String>> = match append_all(connection, &key, &events)
        {
            Ok(entries) => entries.into_iter().map(Ok).collect(),
            Err(e) if batch.len() == 1 => vec![Err(e.to_string())],
            Err(_) => events
                .iter()
                .map(|event| {
                    append_all(connection, &key, &[event])
                        .map(|mut entries| entries.remove(0))
                        .map_err(|e| e.to_string())
                })
                .collect(),
        };
        drop(events);
        drop(key);
        for (pending, outcome) in batch.drain(..).zip(outcomes) {
            // A caller that went away (its request was cancelled) just misses the answer.
            let _ = pending.done.send(outcome);
        }
    }
}

/// One audit row's insert, the columns as every append names them.
static INSERT: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!("{AUDIT_INSERT}VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")
});

/// Appends `events` in order in one `BEGIN IMMEDIATE` transaction, continuing the chain from its
/// head as that transaction reads it. The caller holds the chain's lock. Rolled back (when the
/// transaction is dropped) on any failure.
pub(super) fn append_all(
    connection: &Connection,
    key: &AuditKey,
    events: &[&AuditEvent],
) -> Result<Vec<AuditEntry>, StoreError> {
    let tx = Transaction::new_unchecked(connection, TransactionBehavior::Immediate)?;
    let mut head: Option<(i64, String)> = tx
        .prepare_cached(AUDIT_HEAD)?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let mut entries = Vec::with_capacity(events.len());
    {
        let mut insert = tx.prepare_cached(&INSERT)?;
        for event in events {
            let prev = head.as_ref().map(|(s, h)| (*s, h.as_str()));
            let entry = AuditEntry::next(key, prev, event, now());
            insert.execute(rusqlite::params![
                entry.seq,
                entry.time,
                entry.actor,
                entry.action,
                entry.resource,
                entry.outcome,
                entry.detail,
                entry.prev_hash,
                entry.hash,
            ])?;
            head = Some((entry.seq, entry.hash.clone()));
            entries.push(entry);
        }
    }
    tx.commit()?;
    Ok(entries)
}

/// The reads the reader threads answer, each one statement prepared once per connection.
pub(super) mod reads {
    use std::sync::LazyLock;

    use rusqlite::{Connection, OptionalExtension, Row};

    use super::super::shared::json_rows;
    use super::super::sqlite::{ACCOUNTS_JSON, CARDS_JSON};
    use super::super::{
        AccountRow, CardRow, CustomerRecord, CustomerRow, MessageRow, RecordReach, StoreError,
        TicketRow,
    };

    const CUSTOMER_COLUMNS: &str = "c.id, c.name, c.email, c.phone, c.date_of_birth, c.address, c.tier, c.status, c.created_at";

    fn customer_row(r: &Row<'_>) -> rusqlite::Result<CustomerRow> {
        Ok(CustomerRow {
            id: r.get(0)?,
            name: r.get(1)?,
            email: r.get(2)?,
            phone: r.get(3)?,
            date_of_birth: r.get(4)?,
            address: r.get(5)?,
            tier: r.get(6)?,
            status: r.get(7)?,
            created_at: r.get(8)?,
        })
    }

    /// The statement of [`customer_record`] for each reach: the customer's columns, then the
    /// accounts and the cards as JSON arrays (or NULL when not asked for).
    static RECORD_SQL: LazyLock<[String; 3]> = LazyLock::new(|| {
        [
            ("NULL", "NULL"),
            (ACCOUNTS_JSON, "NULL"),
            (ACCOUNTS_JSON, CARDS_JSON),
        ]
        .map(|(accounts, cards)| {
            format!(
                "SELECT {CUSTOMER_COLUMNS}, {accounts}, {cards} FROM customers c WHERE c.id = ?"
            )
        })
    });

    /// [`Store::customer_record`](super::super::Store::customer_record).
    pub fn customer_record(
        c: &Connection,
        id: i64,
        reach: RecordReach,
    ) -> Result<Option<CustomerRecord>, StoreError> {
        let sql = &RECORD_SQL[match reach {
            RecordReach::Customer => 0,
            RecordReach::Accounts => 1,
            RecordReach::Cards => 2,
        }];
        let row = c
            .prepare_cached(sql)?
            .query_row([id], |r| {
                Ok((
                    customer_row(r)?,
                    r.get::<_, Option<String>>(9)?,
                    r.get::<_, Option<String>>(10)?,
                ))
            })
            .optional()?;
        let Some((customer, accounts, cards)) = row else {
            return Ok(None);
        };
        Ok(Some(CustomerRecord {
            customer,
            accounts: json_rows(accounts.as_deref(), "accounts", |a: &AccountRow| a.id)?,
            cards: json_rows(cards.as_deref(), "cards", |k: &CardRow| k.id)?,
        }))
    }

    const CUSTOMER_SQL: &str = "SELECT c.id, c.name, c.email, c.phone, c.date_of_birth, \
         c.address, c.tier, c.status, c.created_at FROM customers c WHERE c.id = ?";
    const TICKET_SQL: &str = "SELECT id, customer_id, subject, status, priority, created_at, \
         updated_at FROM tickets WHERE id = ?";
    const MESSAGES_SQL: &str = "SELECT id, ticket_id, internal, author, time, body FROM messages \
         WHERE ticket_id = ? AND (internal = 0 OR ?) ORDER BY id";

    /// Every statement the readers prepare.
    #[cfg(test)]
    pub(in crate::store) fn statements() -> Vec<&'static str> {
        let mut all: Vec<&str> = RECORD_SQL.iter().map(String::as_str).collect();
        all.extend([CUSTOMER_SQL, TICKET_SQL, MESSAGES_SQL]);
        all
    }

    /// [`Store::customer`](super::super::Store::customer).
    pub fn customer(c: &Connection, id: i64) -> Result<Option<CustomerRow>, StoreError> {
        Ok(c.prepare_cached(CUSTOMER_SQL)?
            .query_row([id], customer_row)
            .optional()?)
    }

    /// [`Store::ticket`](super::super::Store::ticket).
    pub fn ticket(c: &Connection, id: i64) -> Result<Option<TicketRow>, StoreError> {
        Ok(c.prepare_cached(TICKET_SQL)?
            .query_row([id], |r| {
                Ok(TicketRow {
                    id: r.get(0)?,
                    customer_id: r.get(1)?,
                    subject: r.get(2)?,
                    status: r.get(3)?,
                    priority: r.get(4)?,
                    created_at: r.get(5)?,
                    updated_at: r.get(6)?,
                })
            })
            .optional()?)
    }

    /// [`Store::messages`](super::super::Store::messages).
    pub fn messages(
        c: &Connection,
        ticket_id: i64,
        include_internal: bool,
    ) -> Result<Vec<MessageRow>, StoreError> {
        let mut statement = c.prepare_cached(MESSAGES_SQL)?;
        let rows = statement.query_map(rusqlite::params![ticket_id, include_internal], |r| {
            Ok(MessageRow {
                id: r.get(0)?,
                ticket_id: r.get(1)?,
                internal: r.get(2)?,
                author: r.get(3)?,
                time: r.get(4)?,
                body: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use desk_core::AuditAction;

    use crate::audit::key::AuditKey;
    use crate::audit::{AuditEvent, Outcome};
    use crate::store::sqlite::SqliteStore;
    use crate::store::{RecordReach, Store, StoreError};

    const KEY: [u8; 32] = [7; 32];

    async fn store(dir: &tempfile::TempDir) -> Arc<SqliteStore> {
        Arc::new(
            SqliteStore::open(dir.path(), AuditKey::from_bytes(KEY))
                .await
                .unwrap(),
        )
    }

    fn view(actor: &str, customer: i64) -> AuditEvent {
        AuditEvent::new(
            actor,
            AuditAction::CustomerView,
            format!("customer:{customer}"),
            Outcome::Ok,
        )
    }

    async fn verified(store: &SqliteStore) -> crate::audit::Verification {
        crate::verify_audit(store, &AuditKey::from_bytes(KEY))
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn an_entry_that_fails_its_batch_fails_alone_and_the_others_are_written() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(&dir).await;
        sqlx::query(
            "CREATE TRIGGER refuse_mallory BEFORE INSERT ON audit WHEN NEW.actor = 'mallory'
             BEGIN SELECT RAISE(ABORT, 'refused'); END",
        )
        .execute(store.pool())
        .await
        .unwrap();
        // With the chain's lock held, the writer waits with the first entry it took, and the
        // rest arrive meanwhile: all of them are one batch once the lock is let go.
        let held = store.chain.lock().await;
        let appends: Vec<_> = ["agent1", "mallory", "agent2", "agent3"]
            .into_iter()
            .enumerate()
            .map(|(n, actor)| {
                let store = store.clone();
                tokio::spawn(async move { store.append_audit(view(actor, n as i64)).await })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(200)).await;
        drop(held);
        let mut outcomes = Vec::new();
        for append in appends {
            outcomes.push(append.await.unwrap());
        }
        let refused = outcomes[1].as_ref().unwrap_err();
        assert!(refused.to_string().contains("refused"), "{refused}");
        let seqs: Vec<i64> = [0, 2, 3]
            .iter()
            .map(|&n| outcomes[n].as_ref().unwrap().seq)
            .collect();
        assert_eq!(
            seqs,
            [1, 2, 3],
            "written in order, with no gap where the refused one was"
        );
        let actors: Vec<String> = sqlx::query_scalar("SELECT actor FROM audit ORDER BY seq")
            .fetch_all(store.pool())
            .await
            .unwrap();
        assert_eq!(actors, ["agent1", "agent2", "agent3"]);
        let verification = verified(&store).await;
        assert_eq!((verification.entries, verification.broken), (3, None));
    }

    /// Reads queued together run in one read transaction; each still sees every commit made
    /// before it was queued, and no snapshot outlives its batch.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn reads_run_together_see_everything_committed_before_they_were_queued() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(&dir).await;
        let count = |c: &rusqlite::Connection| -> Result<(i64, bool), StoreError> {
            let n = c.query_row("SELECT COUNT(*) FROM audit", [], |r| r.get(0))?;
            Ok((n, !c.is_autocommit()))
        };
        // Readers that keep the queue full, so that reads are taken several at a time.
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flood: Vec<_> = (0..16)
            .map(|_| {
                let (store, stop) = (store.clone(), stop.clone());
                tokio::spawn(async move {
                    let mut together = 0;
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        together += usize::from(store.owned.read(count).await.unwrap().1);
                    }
                    together
                })
            })
            .collect();
        for written in 1..=300 {
            store.append_audit(view("agent1", written)).await.unwrap();
            let (seen, _) = store.owned.read(count).await.unwrap();
            assert_eq!(seen, written, "a read queued after commit {written}");
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let mut together = 0;
        for reader in flood {
            together += reader.await.unwrap();
        }
        assert!(
            together > 0,
            "no reads ran together: the test proved nothing"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn reads_and_both_kinds_of_appends_at_once_keep_one_unbroken_chain() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(&dir).await;
        let mut tasks = Vec::new();
        for n in 0..8 {
            // Entries of their own, through the writer thread, with reads between them.
            let views = store.clone();
            tasks.push(tokio::spawn(async move {
                for i in 0..50 {
                    views
                        .append_audit(view("agent1", n * 100 + i))
                        .await
                        .unwrap();
                    let read = views.customer_record(i, RecordReach::Cards).await;
                    assert_eq!(read.unwrap(), None);
                }
            }));
        }
        for n in 0..2 {
            // Writes through the pool that append in their own transactions, under the chain's
            // lock.
            let writes = store.clone();
            tasks.push(tokio::spawn(async move {
                for i in 0..25 {
                    let audit = AuditEvent::new(
                        "admin",
                        AuditAction::DeviceWipe,
                        format!("subject:agent{n}"),
                        Outcome::Ok,
                    );
                    writes
                        .order_wipe(&format!("agent{n}-{i}"), "admin", audit)
                        .await
                        .unwrap();
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        let verification = verified(&store).await;
        assert_eq!(verification.broken, None);
        assert_eq!(verification.entries, 8 * 50 + 2 * 25);
        let (count, max): (i64, i64) = sqlx::query_as("SELECT COUNT(*), MAX(seq) FROM audit")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(
            (count, max),
            (450, 450),
            "one entry per position: the chain never forked"
        );
    }

    #[tokio::test]
    async fn the_store_dropped_ends_its_threads_after_what_was_waiting() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(&dir).await;
        store.append_audit(view("agent1", 1)).await.unwrap();
        assert_eq!(
            store.customer(1).await.unwrap(),
            None,
            "a reader answers while the store lives"
        );
        let threads = store.owned.threads();
        assert!(threads.upgrade().is_some());
        drop(store);
        let deadline = Instant::now() + Duration::from_secs(5);
        while threads.upgrade().is_some() {
            assert!(Instant::now() < deadline, "the store's threads still run");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let again = SqliteStore::open(dir.path(), AuditKey::from_bytes(KEY))
            .await
            .unwrap();
        assert_eq!(verified(&again).await.entries, 1);
    }

    #[tokio::test]
    async fn the_readers_connections_have_the_pools_pragmas_and_cannot_write() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(&dir).await;
        let pragmas = store
            .owned
            .read(|c| {
                let value = |name: &str| {
                    c.pragma_query_value(None, name, |r| r.get::<_, rusqlite::types::Value>(0))
                };
                Ok([
                    "journal_mode",
                    "synchronous",
                    "foreign_keys",
                    "busy_timeout",
                    "query_only",
                ]
                .map(|name| value(name).unwrap()))
            })
            .await
            .unwrap();
        use rusqlite::types::Value::{Integer, Text};
        assert_eq!(
            pragmas,
            [
                Text("wal".into()),
                Integer(1), // NORMAL
                Integer(1),
                Integer(10_000),
                Integer(1),
            ]
        );
        let written = store
            .owned
            .read(|c| {
                c.execute("DELETE FROM audit", [])?;
                Ok(())
            })
            .await;
        assert!(written.is_err(), "a reader is query_only");
    }

    /// The readers' statements stay compiled whatever ids they are given: with the planner's
    /// samples (`sqlite_stat4`) a lookup by an indexed column is compiled again on every new id,
    /// the cost that `finish_import` removes.
    #[tokio::test]
    async fn lookups_after_an_import_are_never_compiled_again() {
        let dir = tempfile::tempdir().unwrap();
        let options = crate::demo::DemoOptions {
            customers: 30,
            seed: 5,
        };
        crate::demo::generate(store(&dir).await.as_ref(), &options, |_| {})
            .await
            .unwrap();
        // A fresh store: its connections load the statistics the import left.
        let store = store(&dir).await;
        let samples: i64 = sqlx::query_scalar("SELECT count(*) FROM sqlite_stat4")
            .fetch_one(&store.pool)
            .await
            .unwrap();
        assert_eq!(samples, 0);
        let recompiled = store
            .owned
            .read(|c| {
                for id in 1..=30 {
                    for reach in [
                        RecordReach::Customer,
                        RecordReach::Accounts,
                        RecordReach::Cards,
                    ] {
                        super::reads::customer_record(c, id, reach)?;
                    }
                    super::reads::customer(c, id)?;
                    super::reads::ticket(c, id)?;
                    super::reads::messages(c, id, id % 2 == 0)?;
                }
                super::reads::statements()
                    .into_iter()
                    .map(|sql| {
                        let statement = c.prepare_cached(sql)?;
                        let runs = statement.get_status(rusqlite::StatementStatus::Run);
                        let again = statement.get_status(rusqlite::StatementStatus::RePrepare);
                        Ok((runs, again))
                    })
                    .collect::<Result<Vec<_>, StoreError>>()
            })
            .await
            .unwrap();
        for (sql, (runs, again)) in super::reads::statements().iter().zip(recompiled) {
            assert!(runs >= 30, "{sql} ran {runs} times");
            assert_eq!(again, 0, "{sql} was compiled again {again} times");
        }
    }
}
