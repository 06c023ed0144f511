//! The audit queue: views made offline, kept apart from the record cache until the server has
//! acknowledged them.
//!
//! A file of its own (SQLCipher, its own key), so that nothing that shreds the cache (sign-out,
//! a wipe, a policy that stops caching, the hard limit, a purge) can take the views with it: an
//! agent who read customers offline cannot erase the trail of it by signing out. It holds only
//! what the audit entry needs (the idempotency key, the time, the view's action and the
//! record's id), never record content, and [`AuditQueue::queue`] refuses anything else. A view
//! leaves the queue only through [`AuditQueue::acknowledge`], once the server has answered that
//! it is recorded, or is set aside ([`AuditQueue::set_aside_views`]) when the server refused it
//! for good: kept in the file with the server's reason, no longer pending, never deleted.

use std::path::{Path, PathBuf};

use desk_core::AuditAction;
use sqlx::SqlitePool;
use sqlx::migrate::Migrator;

use crate::cache::{QueuedView, remove_files};
use crate::{CacheError, CacheKey};

static MIGRATOR: Migrator = sqlx::migrate!("./queue-migrations");

/// Shortest and longest idempotency key (the server's rule, `desk_api::OfflineView::key`).
const KEY_CHARS: std::ops::RangeInclusive<usize> = 16..=64;

/// Longest reason a set-aside view may carry (the server's reasons are short names).
const REASON_CHARS: std::ops::RangeInclusive<usize> = 1..=32;

/// A view the server refused for good, set aside in the queue: kept, no longer pending.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SetAsideView {
    /// The view as it was queued.
    #[serde(flatten)]
    pub view: QueuedView,
    /// Why the server refused it (its short name, such as `outside_window`).
    pub reason: String,
    /// When it was set aside (seconds since the epoch).
    pub set_aside_at: i64,
}

/// The encrypted queue of one agent's offline views.
#[derive(Debug)]
pub struct AuditQueue {
    pool: SqlitePool,
    path: PathBuf,
}

/// Which part of a view [`AuditQueue::queue`] refused (never its value).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NotAView {
    /// The idempotency key is not 16 to 64 base64url characters.
    #[error("the idempotency key is not 16 to 64 base64url characters")]
    Key,
    /// The action is not a view a client may report (`AuditAction::OFFLINE_VIEWS`).
    #[error("the action is not an offline view")]
    Action,
    /// The resource is not `customer:{id}`, `ticket:{id}` or `customers` as the action needs.
    #[error("the resource is not the record id the action names")]
    Resource,
    /// The reason a view is set aside for is not a short name of `a-z` and `_`.
    #[error("the reason is not a short name")]
    Reason,
}

impl AuditQueue {
    /// Opens (creating if missing) the queue at `path` with `key` and brings its schema up to
    /// date. A file this key does not read is [`CacheError::Unreadable`] and is left as it is:
    /// unlike the cache, a queue is never made anew over an old file (see
    /// [`AuditQueue::set_aside`]).
    pub async fn open(path: &Path, key: &CacheKey) -> Result<Self, CacheError> {
        let pool = crate::db::open(path, key).await?;
        if let Err(e) = MIGRATOR.run(&pool).await {
            pool.close().await;
            return Err(e.into());
        }
        Ok(Self {
            pool,
            path: path.to_owned(),
        })
    }

    /// Moves an unreadable queue file (its key lost, or damaged) out of the way, with its
    /// `-wal` and `-shm` files, to `<file>.unreadable-<now>`, and returns where. It is not
    /// deleted: whoever still holds its key can read the views in it.
    pub fn set_aside(path: &Path, now: i64) -> Result<Option<PathBuf>, CacheError> {
        if !path.exists() {
            remove_files(path)?;
            return Ok(None);
        }
        let mut aside = path.as_os_str().to_owned();
        aside.push(format!(".unreadable-{now}"));
        let aside = PathBuf::from(aside);
        for suffix in ["", "-wal", "-shm"] {
            let from = crate::cache::sibling(path, suffix);
            match std::fs::rename(&from, crate::cache::sibling(&aside, suffix)) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(Some(aside))
    }

    /// Where the file is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Queues `view`. Queueing the same idempotency key again changes nothing; the answer says
    /// whether this call queued it. A view that is not one a client may report (an action
    /// outside `AuditAction::OFFLINE_VIEWS`, a resource that is not the id its action names, a
    /// key that is not base64url) is refused with [`CacheError::NotAView`] and nothing is
    /// written, so no record content can reach the file through this door. A key set aside
    /// before is not queued again.
    pub async fn queue(&self, view: &QueuedView) -> Result<bool, CacheError> {
        check(view)?;
        let queued = sqlx::query(
            "INSERT INTO views (idempotency_key, time, action, resource)
             SELECT ?1, ?2, ?3, ?4
             WHERE NOT EXISTS (SELECT 1 FROM set_aside_views WHERE idempotency_key = ?1)
             ON CONFLICT (idempotency_key) DO NOTHING",
        )
        .bind(&view.idempotency_key)
        .bind(view.time)
        .bind(&view.action)
        .bind(&view.resource)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(queued == 1)
    }

    /// The views not yet acknowledged, oldest first.
    pub async fn pending(&self) -> Result<Vec<QueuedView>, CacheError> {
        let rows: Vec<(String, i64, String, String)> = sqlx::query_as(
            "SELECT idempotency_key, time, action, resource FROM views
             ORDER BY time, idempotency_key",
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

    /// How many views wait.
    pub async fn pending_count(&self) -> Result<u64, CacheError> {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM views")
            .fetch_one(&self.pool)
            .await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Removes the views with these keys, which the server has acknowledged (recorded, or
    /// recorded before), in one transaction, and returns how many there were. Unknown keys are
    /// passed over, so acknowledging twice is harmless.
    pub async fn acknowledge<S: AsRef<str>>(&self, keys: &[S]) -> Result<u64, CacheError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let mut removed = 0;
        for key in keys {
            removed += sqlx::query("DELETE FROM views WHERE idempotency_key = ?1")
                .bind(key.as_ref())
                .execute(&mut *tx)
                .await?
                .rows_affected();
        }
        tx.commit().await?;
        Ok(removed)
    }

    /// Sets aside the pending views with these keys, which the server refused for good, each
    /// with the server's `reason`, in one transaction, and returns how many there were. They
    /// stay in the file, are no longer [`AuditQueue::pending`], and nothing here uploads or
    /// deletes them. Unknown keys are passed over. A reason that is not a short name of `a-z`
    /// and `_` (at most 32) is refused with [`CacheError::NotAView`] and nothing is written.
    pub async fn set_aside_views<K: AsRef<str>, R: AsRef<str>>(
        &self,
        refused: &[(K, R)],
        now: i64,
    ) -> Result<u64, CacheError> {
        for (_, reason) in refused {
            let reason = reason.as_ref();
            let short_name = REASON_CHARS.contains(&reason.len())
                && reason.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
            if !short_name {
                return Err(CacheError::NotAView(NotAView::Reason));
            }
        }
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let mut moved = 0;
        for (key, reason) in refused {
            moved += sqlx::query(
                "INSERT INTO set_aside_views
                     (idempotency_key, time, action, resource, reason, set_aside_at)
                 SELECT idempotency_key, time, action, resource, ?2, ?3
                 FROM views WHERE idempotency_key = ?1
                 ON CONFLICT (idempotency_key) DO UPDATE
                     SET reason = excluded.reason, set_aside_at = excluded.set_aside_at",
            )
            .bind(key.as_ref())
            .bind(reason.as_ref())
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            sqlx::query("DELETE FROM views WHERE idempotency_key = ?1")
                .bind(key.as_ref())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(moved)
    }

    /// The views set aside, oldest first.
    pub async fn set_aside_list(&self) -> Result<Vec<SetAsideView>, CacheError> {
        let rows: Vec<(String, i64, String, String, String, i64)> = sqlx::query_as(
            "SELECT idempotency_key, time, action, resource, reason, set_aside_at
             FROM set_aside_views ORDER BY time, idempotency_key",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(idempotency_key, time, action, resource, reason, set_aside_at)| SetAsideView {
                    view: QueuedView {
                        idempotency_key,
                        time,
                        action,
                        resource,
                    },
                    reason,
                    set_aside_at,
                },
            )
            .collect())
    }

    /// How many views are set aside.
    pub async fn set_aside_count(&self) -> Result<u64, CacheError> {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM set_aside_views")
            .fetch_one(&self.pool)
            .await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Moves the write-ahead log into the file and closes every connection.
    pub async fn close(self) {
        let _ = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&self.pool)
            .await;
        self.pool.close().await;
    }
}

/// Whether `view` is one a client may report, naming the part that is not.
fn check(view: &QueuedView) -> Result<(), CacheError> {
    let key = &view.idempotency_key;
    let key_ok = KEY_CHARS.contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !key_ok {
        return Err(CacheError::NotAView(NotAView::Key));
    }
    let action = view
        .action
        .parse::<AuditAction>()
        .ok()
        .filter(|a| AuditAction::OFFLINE_VIEWS.contains(a))
        .ok_or(CacheError::NotAView(NotAView::Action))?;
    // A positive whole number as the server writes ids: no sign, no leading zeros.
    let id = |prefix: &str| {
        view.resource.strip_prefix(prefix).is_some_and(|n| {
            n.parse::<i64>()
                .is_ok_and(|id| id > 0 && id.to_string() == n)
        })
    };
    let fits = match action {
        AuditAction::CustomerSearch => view.resource == "customers",
        AuditAction::TicketView => id("ticket:"),
        _ => id("customer:"),
    };
    if fits {
        Ok(())
    } else {
        Err(CacheError::NotAView(NotAView::Resource))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(key: &str, action: &str, resource: &str) -> QueuedView {
        QueuedView {
            idempotency_key: key.into(),
            time: 1,
            action: action.into(),
            resource: resource.into(),
        }
    }

    #[test]
    fn only_views_with_record_ids_pass() {
        let key = "q7Zk2c9fYw1xR4bN";
        for (action, resource) in [
            ("customer.view", "customer:1"),
            ("transactions.view", "customer:42"),
            ("tickets.view", "customer:7"),
            ("ticket.view", "ticket:9"),
            ("customer.search", "customers"),
        ] {
            check(&view(key, action, resource)).unwrap();
        }
        for (k, action, resource, part) in [
            ("short", "customer.view", "customer:1", NotAView::Key),
            (
                "q7Zk2c9fYw1xR4b!",
                "customer.view",
                "customer:1",
                NotAView::Key,
            ),
            (key, "reply.send", "ticket:1", NotAView::Action),
            (key, "offline.customer.view", "customer:1", NotAView::Action),
            (
                key,
                "customer.view",
                "customer:Ada Lovelace",
                NotAView::Resource,
            ),
            (key, "customer.view", "customer:01", NotAView::Resource),
            (key, "customer.view", "customer:-1", NotAView::Resource),
            (key, "customer.view", "ticket:1", NotAView::Resource),
            (
                key,
                "customer.search",
                "customers?q=lovelace",
                NotAView::Resource,
            ),
            (
                key,
                "ticket.view",
                "ticket:1 jane.doe@example.com",
                NotAView::Resource,
            ),
        ] {
            match check(&view(k, action, resource)) {
                Err(CacheError::NotAView(got)) => assert_eq!(got, part, "{action} {resource}"),
                other => panic!("{k} {action} {resource}: {other:?}"),
            }
        }
    }
}
