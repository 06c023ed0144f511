//! The agent's audit queue: views read from the cache while offline, kept apart from the cache
//! until the server has acknowledged them.
//!
//! Promises:
//! - one SQLCipher file per agent (`audit-queue/<the cache's hash>.sqlite3` in the data folder),
//!   with its own random key in the keychain (`audit-queue-key@{issuer}#{subject}`), holding only
//!   each view's idempotency key, time, action and record id; without a keychain there is no
//!   queue, and then no offline read either;
//! - nothing that shreds the cache touches it (sign-out, a policy that stops caching, a wipe,
//!   the hard limit, a purge), and sign-out keeps its key, so the next sign-in of the same agent
//!   finds it; a queue file that cannot be read is set aside, never deleted;
//! - a view leaves it only when the server answered that it is recorded (or was before): after
//!   every read and policy fetch that reached the server, and first thing at sign-out.

use std::path::PathBuf;
use std::sync::Arc;

use desk_api::{MAX_OFFLINE_VIEWS, OfflineUpload, OfflineUploadResult, OfflineView};
use desk_auth::{SecretString, Session};
use desk_cache::{AuditQueue, Cache, CacheError, CacheKey};

use crate::offline::{cache_error, rfc3339};
use crate::policy::now;
use crate::{App, AppError};

/// The queue of one agent as this process last found it.
pub(crate) struct OpenQueue {
    owner: (String, String),
    /// `None`: the keychain held no queue key (nothing was ever queued) when last asked.
    queue: Option<Arc<AuditQueue>>,
}

fn key_entry(issuer: &str, subject: &str) -> String {
    format!("audit-queue-key@{issuer}#{subject}")
}

impl App {
    fn queue_path(&self, issuer: &str, subject: &str) -> PathBuf {
        self.agent_file("audit-queue", issuer, subject)
    }

    /// The queue of `issuer`/`subject`, opening it (and making its key when `create`).
    /// `Ok(None)`: no key in the keychain and none to be made.
    pub(crate) async fn queue_of(
        &self,
        issuer: &str,
        subject: &str,
        create: bool,
    ) -> Result<Option<Arc<AuditQueue>>, AppError> {
        let mut open = self.queue.lock().await;
        if let Some(o) = open.as_ref()
            && o.owner.0 == issuer
            && o.owner.1 == subject
            && (o.queue.is_some() || !create)
        {
            return Ok(o.queue.clone());
        }
        let entry = key_entry(issuer, subject);
        let stored = self.stored_key(&entry).await?;
        let path = self.queue_path(issuer, subject);
        let owner = (issuer.to_owned(), subject.to_owned());
        let key = match stored {
            Some(hex) => match CacheKey::from_hex(&hex) {
                Ok(key) => key,
                Err(_) => {
                    tracing::warn!("the audit queue's key in the keychain is malformed");
                    self.new_queue_key(&entry, &path).await?
                }
            },
            None if create => self.new_queue_key(&entry, &path).await?,
            None => {
                *open = Some(OpenQueue { owner, queue: None });
                return Ok(None);
            }
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| AppError::Internal(format!("{}: {e}", dir.display())))?;
        }
        let queue = match AuditQueue::open(&path, &key).await {
            Ok(queue) => queue,
            Err(CacheError::Unreadable) => {
                set_aside(&path)?;
                AuditQueue::open(&path, &key).await.map_err(cache_error)?
            }
            Err(e) => return Err(cache_error(e)),
        };
        let queue = Arc::new(queue);
        *open = Some(OpenQueue {
            owner,
            queue: Some(queue.clone()),
        });
        Ok(Some(queue))
    }

    /// A fresh queue key in the keychain; a file left by a lost key is set aside first.
    async fn new_queue_key(
        &self,
        entry: &str,
        path: &std::path::Path,
    ) -> Result<CacheKey, AppError> {
        set_aside(path)?;
        let key = CacheKey::generate();
        let hex: SecretString = key.to_hex();
        let entry = entry.to_owned();
        self.keychain_call(move |kc| kc.set(&entry, &hex)).await?;
        Ok(key)
    }

    /// Uploads the signed-in agent's queued views; each leaves the queue once the server
    /// answered that it is recorded.
    pub(crate) async fn upload_views(&self, session: &Session) -> Result<(), AppError> {
        let issuer = self.issuer()?.to_owned();
        let subject = session.identity().subject;
        let Some(queue) = self.queue_of(&issuer, &subject, false).await? else {
            return Ok(());
        };
        // One upload at a time: the reads of one page finish together, and the ones after the
        // first find the queue already empty.
        let _uploading = self.uploading.lock().await;
        let pending = queue.pending().await.map_err(cache_error)?;
        if pending.is_empty() {
            return Ok(());
        }
        let api = self.server_api().await?;
        for chunk in pending.chunks(MAX_OFFLINE_VIEWS) {
            let body = OfflineUpload {
                views: chunk
                    .iter()
                    .map(|v| OfflineView {
                        key: v.idempotency_key.clone(),
                        time: rfc3339(v.time),
                        action: v.action.clone(),
                        resource: v.resource.clone(),
                    })
                    .collect(),
            };
            let done: OfflineUploadResult = self
                .with_token(session, |token| {
                    let api = api.clone();
                    let body = &body;
                    async move { api.post_json("/v1/audit/offline", token, body).await }
                })
                .await?;
            // Recorded or recorded before: both mean on the trail. An answer that accounts for
            // fewer views than were sent acknowledges none of them; they are sent again.
            let acknowledged = u64::from(done.recorded) + u64::from(done.duplicates);
            if acknowledged != chunk.len() as u64 {
                tracing::warn!(
                    sent = chunk.len(),
                    acknowledged,
                    "the server did not account for every offline view; they stay queued"
                );
                return Ok(());
            }
            let keys: Vec<&str> = chunk.iter().map(|v| v.idempotency_key.as_str()).collect();
            queue.acknowledge(&keys).await.map_err(cache_error)?;
            tracing::info!(
                recorded = done.recorded,
                duplicates = done.duplicates,
                "uploaded offline views"
            );
        }
        Ok(())
    }

    /// Uploads the queue with the signed-in session.
    async fn upload_views_now(&self) -> Result<(), AppError> {
        let session = self.session().await?;
        self.upload_views(&session).await
    }

    /// Uploads the queue after something reached the server; a failure is logged, and the views
    /// wait for the next time.
    pub(crate) async fn upload_views_quietly(&self) {
        if let Err(e) = self.upload_views_now().await {
            tracing::warn!(error = %e, "the offline views were not uploaded; they stay queued");
        }
    }

    /// Before signing `subject` out: uploads what the queue holds when the server (and the
    /// provider, for a token) answer, and returns how many views are still pending.
    pub(crate) async fn upload_before_sign_out(
        &self,
        issuer: &str,
        subject: &str,
    ) -> Result<usize, AppError> {
        let Some(queue) = self.queue_of(issuer, subject, false).await? else {
            return Ok(0);
        };
        if queue.pending_count().await.map_err(cache_error)? > 0
            && let Err(e) = self.upload_views_now().await
        {
            tracing::warn!(error = %e, "signing out with offline views not yet uploaded");
        }
        let pending = queue.pending_count().await.map_err(cache_error)?;
        Ok(usize::try_from(pending).unwrap_or(usize::MAX))
    }

    /// Closes the queue this process holds (at sign-out: the file and its key stay).
    pub(crate) async fn close_queue(&self) {
        if let Some(OpenQueue {
            queue: Some(queue), ..
        }) = self.queue.lock().await.take()
            && let Ok(queue) = Arc::try_unwrap(queue)
        {
            queue.close().await;
        }
    }

    /// How many views of `issuer`/`subject` wait to be uploaded.
    pub(crate) async fn pending_views(
        &self,
        issuer: &str,
        subject: &str,
    ) -> Result<usize, AppError> {
        let Some(queue) = self.queue_of(issuer, subject, false).await? else {
            return Ok(0);
        };
        let pending = queue.pending_count().await.map_err(cache_error)?;
        Ok(usize::try_from(pending).unwrap_or(usize::MAX))
    }

    /// Moves views an earlier version queued inside the cache into the audit queue, then
    /// forgets them in the cache, so that the next shred cannot take them.
    pub(crate) async fn adopt_legacy_views(&self, issuer: &str, subject: &str, cache: &Cache) {
        let result = async {
            let legacy = cache.legacy_views().await.map_err(cache_error)?;
            if legacy.is_empty() {
                return Ok(0);
            }
            let queue = self
                .queue_of(issuer, subject, true)
                .await?
                .ok_or_else(|| AppError::Internal("no audit queue was made".into()))?;
            for view in &legacy {
                queue.queue(view).await.map_err(cache_error)?;
            }
            let keys: Vec<&str> = legacy.iter().map(|v| v.idempotency_key.as_str()).collect();
            cache.forget_legacy_views(&keys).await.map_err(cache_error)
        }
        .await;
        match result {
            Ok(0) => {}
            Ok(moved) => tracing::info!(
                moved,
                "moved offline views from the cache to the audit queue"
            ),
            Err(e) => {
                tracing::warn!(error = %e, "offline views queued in the cache were not moved")
            }
        }
    }
}

/// Sets an unreadable queue file aside (never deleting it), saying so in the log.
fn set_aside(path: &std::path::Path) -> Result<(), AppError> {
    if let Some(aside) = AuditQueue::set_aside(path, now()).map_err(cache_error)? {
        tracing::warn!(
            aside = %aside.display(),
            "the audit queue could not be read with its key; set aside and started anew"
        );
    }
    Ok(())
}
