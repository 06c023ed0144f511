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
//!   every read and policy fetch that reached the server, and first thing at sign-out;
//! - a view the server refuses for good (it named the view, with a final reason) is set aside in
//!   the same file, kept and never uploaded again on its own, and the others are sent again at
//!   once, so that one view the server will never take cannot hold back the rest; a view refused
//!   for a reason that may pass later stays pending for the next upload; any other failure
//!   (network, the server's errors, its rate, the session, an answer that names no view sent)
//!   keeps every view queued.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;

use desk_api::{
    MAX_OFFLINE_VIEWS, OfflineUpload, OfflineUploadResult, OfflineView, RefusedView, ViewRefusal,
};
use desk_auth::{SecretString, Session};
use desk_cache::{AuditQueue, Cache, CacheError, CacheKey, QueuedView};

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
    /// answered that it is recorded. Views the server refused for good are set aside and the
    /// rest of their upload is sent again at once; any other failure keeps every view queued.
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
            let mut sending: Vec<&QueuedView> = chunk.iter().collect();
            // Each refusal takes at least one view out of `sending`, so this ends.
            while !sending.is_empty() {
                let body = OfflineUpload {
                    views: sending.iter().map(|v| wire_view(v)).collect(),
                };
                let answer: Result<OfflineUploadResult, AppError> = self
                    .with_token(session, |token| {
                        let api = api.clone();
                        let body = &body;
                        async move { api.post_json("/v1/audit/offline", token, body).await }
                    })
                    .await;
                match verdict(&sending, &answer) {
                    Verdict::Recorded => {
                        let keys: Vec<&str> =
                            sending.iter().map(|v| v.idempotency_key.as_str()).collect();
                        queue.acknowledge(&keys).await.map_err(cache_error)?;
                        if let Ok(done) = answer {
                            tracing::info!(
                                recorded = done.recorded,
                                duplicates = done.duplicates,
                                "uploaded offline views"
                            );
                        }
                        break;
                    }
                    Verdict::Refused { set_aside, later } => {
                        let refused: Vec<(&str, &str)> = set_aside
                            .iter()
                            .map(|&(i, reason)| {
                                (sending[i].idempotency_key.as_str(), reason.as_str())
                            })
                            .collect();
                        queue
                            .set_aside_views(&refused, now())
                            .await
                            .map_err(cache_error)?;
                        tracing::warn!(
                            set_aside = refused.len(),
                            later = later.len(),
                            rest = sending.len() - refused.len() - later.len(),
                            "the server refused offline views: those refused for good are set \
                             aside in the queue, the others wait for the next upload, and the \
                             rest are sent again now"
                        );
                        let named: BTreeSet<usize> = set_aside
                            .iter()
                            .map(|&(i, _)| i)
                            .chain(later.iter().copied())
                            .collect();
                        sending = sending
                            .into_iter()
                            .enumerate()
                            .filter(|(i, _)| !named.contains(i))
                            .map(|(_, v)| v)
                            .collect();
                    }
                    Verdict::KeepAll => {
                        return match answer {
                            Err(e) => Err(e),
                            Ok(done) => {
                                // An answer that accounts for fewer views than were sent
                                // acknowledges none of them; they are sent again.
                                tracing::warn!(
                                    sent = sending.len(),
                                    recorded = done.recorded,
                                    duplicates = done.duplicates,
                                    "the server did not account for every offline view; they \
                                     stay queued"
                                );
                                Ok(())
                            }
                        };
                    }
                }
            }
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
    /// provider, for a token) answer, and returns how many views are still pending and how
    /// many are set aside.
    pub(crate) async fn upload_before_sign_out(
        &self,
        issuer: &str,
        subject: &str,
    ) -> Result<QueueCounts, AppError> {
        let Some(queue) = self.queue_of(issuer, subject, false).await? else {
            return Ok(QueueCounts::default());
        };
        if queue.pending_count().await.map_err(cache_error)? > 0
            && let Err(e) = self.upload_views_now().await
        {
            tracing::warn!(error = %e, "signing out with offline views not yet uploaded");
        }
        counts(&queue).await
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

    /// How many views of `issuer`/`subject` wait to be uploaded, and how many are set aside.
    pub(crate) async fn queued_views(
        &self,
        issuer: &str,
        subject: &str,
    ) -> Result<QueueCounts, AppError> {
        match self.queue_of(issuer, subject, false).await? {
            Some(queue) => counts(&queue).await,
            None => Ok(QueueCounts::default()),
        }
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

/// How many views a queue holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct QueueCounts {
    /// Waiting to be uploaded.
    pub pending: usize,
    /// Refused by the server for good: set aside, kept, not uploaded again on their own.
    pub refused: usize,
}

async fn counts(queue: &AuditQueue) -> Result<QueueCounts, AppError> {
    let size = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
    Ok(QueueCounts {
        pending: size(queue.pending_count().await.map_err(cache_error)?),
        refused: size(queue.set_aside_count().await.map_err(cache_error)?),
    })
}

/// A queued view as the upload sends it.
fn wire_view(v: &QueuedView) -> OfflineView {
    OfflineView {
        key: v.idempotency_key.clone(),
        time: rfc3339(v.time),
        action: v.action.clone(),
        resource: v.resource.clone(),
    }
}

/// What the server's answer to one upload means for the views it carried.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Verdict {
    /// Every view sent is on the trail (recorded now or before): they leave the queue.
    Recorded,
    /// The server refused the upload, naming views in it (by their position in `sent`): those
    /// in `set_aside` for a final reason, to be set aside; those in `later` for a reason that may
    /// pass later (or one this client does not know), to stay pending and wait for the next
    /// upload. The others broke no rule and are sent again at once.
    Refused {
        set_aside: Vec<(usize, ViewRefusal)>,
        later: Vec<usize>,
    },
    /// Nothing is known of any one view: the network, the server's own failure, its rate, the
    /// session, a refusal of the whole upload, or an answer that does not account for exactly the
    /// views sent. Every view stays queued.
    KeepAll,
}

/// Reads the server's `answer` to the upload of `sent`. Only a refusal that names views of this
/// very upload (each by a position it has, with the key it holds there) sets anything aside.
fn verdict(sent: &[&QueuedView], answer: &Result<OfflineUploadResult, AppError>) -> Verdict {
    match answer {
        Ok(done) => {
            let acknowledged = u64::from(done.recorded) + u64::from(done.duplicates);
            if acknowledged == sent.len() as u64 {
                Verdict::Recorded
            } else {
                Verdict::KeepAll
            }
        }
        Err(AppError::ServerRefused {
            status: 400,
            code,
            refused_views,
            ..
        }) if code == desk_api::ApiCode::InvalidView.as_str() => {
            named_views(sent, refused_views).unwrap_or(Verdict::KeepAll)
        }
        Err(_) => Verdict::KeepAll,
    }
}

/// The refusal of `sent` naming `refused`, or `None` when it names nothing, a position twice,
/// a position past the upload or a key unlike the one sent there.
fn named_views(sent: &[&QueuedView], refused: &[RefusedView]) -> Option<Verdict> {
    if refused.is_empty() {
        return None;
    }
    let mut seen = BTreeSet::new();
    let mut set_aside = Vec::new();
    let mut later = Vec::new();
    for named in refused {
        let i = usize::try_from(named.index).ok()?;
        let view = sent.get(i)?;
        if !seen.insert(i) {
            return None;
        }
        if named
            .key
            .as_deref()
            .is_some_and(|key| key != view.idempotency_key)
        {
            return None;
        }
        match named.reason.parse::<ViewRefusal>() {
            Ok(reason) if reason.is_final() => set_aside.push((i, reason)),
            // Not final, or newer than this client: it may pass later, so it is not set aside.
            _ => later.push(i),
        }
    }
    Some(Verdict::Refused { set_aside, later })
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

#[cfg(test)]
mod tests {
    use super::*;

    fn queued(n: usize) -> Vec<QueuedView> {
        (0..n)
            .map(|i| QueuedView {
                idempotency_key: format!("queued-view-key-{i:04}"),
                time: 1_800_000_000 + i as i64,
                action: "customer.view".into(),
                resource: "customer:1".into(),
            })
            .collect()
    }

    fn refused(status: u16, code: &str, named: Vec<RefusedView>) -> AppError {
        AppError::ServerRefused {
            status,
            code: code.into(),
            message: "No.".into(),
            request_id: None,
            refused_views: named,
        }
    }

    fn named(index: u32, key: Option<&str>, reason: &str) -> RefusedView {
        RefusedView {
            index,
            key: key.map(str::to_owned),
            reason: reason.into(),
        }
    }

    fn recorded(recorded: u32, duplicates: u32) -> Result<OfflineUploadResult, AppError> {
        Ok(OfflineUploadResult {
            recorded,
            duplicates,
        })
    }

    #[test]
    fn an_answer_accounting_for_every_view_sent_acknowledges_them_and_any_other_keeps_them() {
        let views = queued(3);
        let sent: Vec<&QueuedView> = views.iter().collect();
        assert_eq!(verdict(&sent, &recorded(3, 0)), Verdict::Recorded);
        assert_eq!(verdict(&sent, &recorded(1, 2)), Verdict::Recorded);
        for (r, d) in [(2, 0), (0, 0), (3, 1), (u32::MAX, u32::MAX)] {
            assert_eq!(verdict(&sent, &recorded(r, d)), Verdict::KeepAll, "{r} {d}");
        }
    }

    #[test]
    fn transient_failures_and_refusals_of_the_whole_upload_keep_every_view() {
        let views = queued(2);
        let sent: Vec<&QueuedView> = views.iter().collect();
        let outside = || vec![named(0, Some("queued-view-key-0000"), "outside_window")];
        let transient = [
            // Network, timeouts, the server's own failures (5xx are reported as unreachable).
            AppError::ServerUnreachable {
                url: "http://127.0.0.1:1/v1/audit/offline".into(),
                cause: "could not answer (503 internal): down".into(),
            },
            // Over the rate: the same upload is taken after Retry-After.
            refused(429, "too_many_uploads", vec![]),
            // The session: not accepted even after a refresh.
            refused(401, "unauthorized", vec![]),
            AppError::Auth(desk_auth::AuthError::SessionEnded),
            // The agent may not upload (now): nothing says the views are wrong.
            refused(403, "forbidden", vec![]),
            // Refusals of the whole upload, naming no view.
            refused(400, "invalid_view", vec![]),
            refused(400, "invalid_body", vec![]),
            refused(400, "too_many_views", vec![]),
            refused(413, "body_too_large", vec![]),
            // Views named, but not by a refusal of views: not to be trusted.
            refused(400, "invalid_body", outside()),
            refused(429, "too_many_uploads", outside()),
            refused(409, "invalid_view", outside()),
            AppError::Cache("the local cache: disk full".into()),
        ];
        for answer in transient {
            let text = format!("{answer:?}");
            assert_eq!(verdict(&sent, &Err(answer)), Verdict::KeepAll, "{text}");
        }
    }

    #[test]
    fn views_refused_for_good_are_set_aside_and_those_that_may_pass_wait() {
        let views = queued(5);
        let sent: Vec<&QueuedView> = views.iter().collect();
        let answer = Err(refused(
            400,
            "invalid_view",
            vec![
                named(1, Some("queued-view-key-0001"), "outside_window"),
                // The key itself refused: named by its index alone.
                named(2, None, "invalid_key"),
                named(3, Some("queued-view-key-0003"), "future_time"),
                // A reason newer than this client: not known to be final.
                named(4, Some("queued-view-key-0004"), "policy_revoked"),
            ],
        ));
        assert_eq!(
            verdict(&sent, &answer),
            Verdict::Refused {
                set_aside: vec![
                    (1, ViewRefusal::OutsideWindow),
                    (2, ViewRefusal::InvalidKey)
                ],
                later: vec![3, 4],
            }
        );
        for &reason in ViewRefusal::ALL {
            let answer = Err(refused(
                400,
                "invalid_view",
                vec![named(0, None, reason.as_str())],
            ));
            let expected = if reason.is_final() {
                Verdict::Refused {
                    set_aside: vec![(0, reason)],
                    later: vec![],
                }
            } else {
                Verdict::Refused {
                    set_aside: vec![],
                    later: vec![0],
                }
            };
            assert_eq!(verdict(&sent, &answer), expected, "{reason}");
        }
    }

    #[test]
    fn a_refusal_naming_views_this_upload_does_not_hold_sets_nothing_aside() {
        let views = queued(3);
        let sent: Vec<&QueuedView> = views.iter().collect();
        let good = named(0, Some("queued-view-key-0000"), "outside_window");
        for names in [
            // Past the end of the upload.
            vec![good.clone(), named(3, None, "outside_window")],
            vec![named(u32::MAX, None, "invalid_key")],
            // A key unlike the one sent at that position.
            vec![
                good.clone(),
                named(1, Some("queued-view-key-0002"), "outside_window"),
            ],
            // The same position twice.
            vec![good.clone(), good.clone()],
        ] {
            let answer = Err(refused(400, "invalid_view", names.clone()));
            assert_eq!(verdict(&sent, &answer), Verdict::KeepAll, "{names:?}");
        }
    }
}
