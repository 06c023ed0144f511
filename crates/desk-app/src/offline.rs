//! The agent's encrypted cache: kept up to date while online, read while offline, shredded when
//! access ends.
//!
//! Promises:
//! - one SQLCipher file per signed-in agent (`cache/<hash of issuer and subject>.sqlite3` in the
//!   data folder), with a random 256-bit key kept only in the keychain
//!   (`cache-key@{issuer}#{subject}`); without a keychain there is no cache, never a plaintext one;
//! - only what the policy marks cacheable is written, in the form `desk_cache::prepare` makes
//!   (redacted, scrubbed), and the cache's guard checks every value again before writing;
//! - offline reads go through the cached policy: permitted records only, while
//!   now < policy expiry + offline grace; then the cache is locked; past the hard limit it is
//!   shredded. Each offline view is queued with an idempotency key and its time in the agent's
//!   audit queue (`queue`), apart from the cache, and uploaded once when the server answers again;
//!   no offline read is shown unless its view could be queued;
//! - shredding (sign-out, a policy that removes access, an administrator's wipe) deletes the key
//!   first, then the files; the audit queue is not touched.

use desk_core::AuditAction;
use std::collections::BTreeMap;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;

use desk_api::{DeviceAcknowledgement, MyWipes};
use desk_auth::{Keychain, KeychainError, SecretString};
use desk_cache::{Cache, CacheError, CacheKey, Cached, Offline, QueuedView, Records};
use desk_core::signed::PolicyClaims;
use rand::RngCore;
use serde::Serialize;
use sha2::Digest;

use crate::policy::EffectivePolicy;
use crate::policy::now;
use crate::records::{Source, Sourced};
use crate::{App, AppError};

/// The cache of one agent, open.
pub(crate) struct OpenCache {
    owner: (String, String),
    cache: Arc<Cache>,
}

/// What `desk cache status` shows: the cache, when there is one, and the offline views waiting
/// in the audit queue, or set aside there, which outlive it.
#[derive(Debug, Clone, Serialize)]
pub struct CacheReport {
    /// The cache; absent when there is none (nothing cached yet, or shredded).
    #[serde(flatten)]
    pub cache: Option<CacheState>,
    /// Offline views not yet uploaded.
    pub pending_views: usize,
    /// Offline views the server refused for good: set aside in the queue, kept, not uploaded
    /// again on their own.
    pub refused_views: usize,
}

/// The cache file and what it holds.
#[derive(Debug, Clone, Serialize)]
pub struct CacheState {
    /// The file.
    pub path: PathBuf,
    /// What it holds.
    #[serde(flatten)]
    pub status: desk_cache::CacheStatus,
    /// Until when it may be read offline, or that it is locked.
    pub offline: Option<Offline>,
}

fn key_entry(issuer: &str, subject: &str) -> String {
    format!("cache-key@{issuer}#{subject}")
}

/// The keychain entry naming the agent whose cache key was made last at `issuer`: kept apart
/// from the session's entries, which desk-auth deletes when the provider ends a session, so that
/// a cache is never left without anyone knowing whose it is (sign-out shreds it).
fn owner_entry(issuer: &str) -> String {
    format!("cache-owner@{issuer}")
}

/// A new idempotency key: 128 random bits, base64url.
fn idempotency_key() -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub(crate) fn cache_error(e: CacheError) -> AppError {
    AppError::Cache(e.to_string())
}

pub(crate) fn rfc3339(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

impl App {
    /// The file of `issuer`/`subject` in `folder` of the data folder, named by a hash of both.
    pub(crate) fn agent_file(&self, folder: &str, issuer: &str, subject: &str) -> PathBuf {
        let digest = sha2::Sha256::digest(format!("{issuer}\n{subject}").as_bytes());
        self.config
            .data_dir
            .join(folder)
            .join(format!("{}.sqlite3", &hex::encode(digest)[..32]))
    }

    fn cache_path(&self, issuer: &str, subject: &str) -> PathBuf {
        self.agent_file("cache", issuer, subject)
    }

    /// The hex key the keychain holds under `entry`, `None` when it holds none.
    pub(crate) async fn stored_key(&self, entry: &str) -> Result<Option<SecretString>, AppError> {
        let entry = entry.to_owned();
        self.keychain_call(move |kc| match kc.get(&entry) {
            Ok(hex) => Ok(Some(hex)),
            Err(KeychainError::Missing(_)) => Ok(None),
            Err(e) => Err(e),
        })
        .await
    }

    pub(crate) async fn keychain_call<T: Send + 'static>(
        &self,
        f: impl FnOnce(Keychain) -> Result<T, KeychainError> + Send + 'static,
    ) -> Result<T, AppError> {
        let keychain = Keychain::new(self.config.keyring_service.clone());
        tokio::task::spawn_blocking(move || f(keychain))
            .await
            .map_err(|e| AppError::Internal(format!("keychain task: {e}")))?
            .map_err(|e| AppError::Auth(e.into()))
    }

    /// The open cache of `issuer`/`subject`, opening it (and making its key when `create`).
    /// `Ok(None)`: no key yet and none to be made.
    async fn cache_of(
        &self,
        issuer: &str,
        subject: &str,
        create: bool,
    ) -> Result<Option<Arc<Cache>>, AppError> {
        let mut open = self.cache.lock().await;
        // Checked under the cache's lock, which shredding takes too: a write that began before the
        // session ended is shredded with the rest, one that begins after it makes nothing.
        if create && self.session_is_over() {
            return Ok(None);
        }
        if let Some(o) = open.as_ref()
            && o.owner.0 == issuer
            && o.owner.1 == subject
        {
            return Ok(Some(o.cache.clone()));
        }
        let entry = key_entry(issuer, subject);
        let stored = self.stored_key(&entry).await?;
        let path = self.cache_path(issuer, subject);
        let key = match stored {
            Some(hex) => match CacheKey::from_hex(&hex) {
                Ok(key) => key,
                Err(_) => {
                    tracing::warn!("the cache key in the keychain is malformed; starting anew");
                    self.new_cache_key(issuer, subject, &path).await?
                }
            },
            None if create => self.new_cache_key(issuer, subject, &path).await?,
            None => return Ok(None),
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| AppError::Internal(format!("{}: {e}", dir.display())))?;
        }
        let (mut cache, recreated) = Cache::open_or_recreate(&path, &key)
            .await
            .map_err(cache_error)?;
        if recreated {
            tracing::warn!(path = %path.display(), "the cache file was unreadable; made anew");
        }
        let device = self.device_id()?;
        if !cache.claim_device(&device).await.map_err(cache_error)? {
            // Made under another device id: the server knows this installation as a new device
            // and sends it no wipe ordered before, so the cache from before goes now.
            tracing::warn!("the cache was made under another device id; starting anew");
            cache.close().await;
            let key = self.new_cache_key(issuer, subject, &path).await?;
            cache = Cache::open(&path, &key).await.map_err(cache_error)?;
            cache.claim_device(&device).await.map_err(cache_error)?;
        }
        self.adopt_legacy_views(issuer, subject, &cache).await;
        let cache = Arc::new(cache);
        *open = Some(OpenCache {
            owner: (issuer.to_owned(), subject.to_owned()),
            cache: cache.clone(),
        });
        Ok(Some(cache))
    }

    /// A fresh key in the keychain, and its owner recorded; a file made with a lost key is
    /// removed first.
    async fn new_cache_key(
        &self,
        issuer: &str,
        subject: &str,
        path: &std::path::Path,
    ) -> Result<CacheKey, AppError> {
        desk_cache::shred(path, async { Ok::<(), std::io::Error>(()) })
            .await
            .map_err(cache_error)?;
        let key = CacheKey::generate();
        let hex: SecretString = key.to_hex();
        let entry = key_entry(issuer, subject);
        let owner = owner_entry(issuer);
        let subject = SecretString::from(subject.to_owned());
        self.keychain_call(move |kc| {
            // The owner first: a key is never in the keychain without it.
            kc.set(&owner, &subject)?;
            kc.set(&entry, &hex)
        })
        .await?;
        Ok(key)
    }

    /// The agent the keychain says the last cache made at `issuer` belongs to, if any.
    pub(crate) async fn cache_owner(&self, issuer: &str) -> Result<Option<String>, AppError> {
        Ok(self
            .stored_key(&owner_entry(issuer))
            .await?
            .map(|s| desk_auth::ExposeSecret::expose_secret(&s).to_owned()))
    }

    /// Deletes the cache of `issuer`/`subject`: its key, then its files.
    pub(crate) async fn shred_cache(&self, issuer: &str, subject: &str) -> Result<(), AppError> {
        let mut open = self.cache.lock().await;
        if let Some(o) = open.take() {
            if o.owner.0 != issuer || o.owner.1 != subject {
                *open = Some(o);
            } else if let Ok(cache) = Arc::try_unwrap(o.cache) {
                cache.close().await;
            }
        }
        let entry = key_entry(issuer, subject);
        let path = self.cache_path(issuer, subject);
        let keychain = Keychain::new(self.config.keyring_service.clone());
        let delete_key = async move {
            tokio::task::spawn_blocking(move || match keychain.delete(&entry) {
                Ok(()) | Err(KeychainError::Missing(_)) => Ok(()),
                Err(e) => Err(e),
            })
            .await
            .map_err(|e| KeychainError::Unavailable(e.to_string()))?
        };
        desk_cache::shred(&path, delete_key)
            .await
            .map_err(cache_error)?;
        if self.cache_owner(issuer).await?.as_deref() == Some(subject) {
            let owner = owner_entry(issuer);
            self.keychain_call(move |kc| match kc.delete(&owner) {
                Ok(()) | Err(KeychainError::Missing(_)) => Ok(()),
                Err(e) => Err(e),
            })
            .await?;
        }
        tracing::info!("shredded the local cache");
        Ok(())
    }

    /// Keeps an accepted policy in the cache for offline reading, or shreds the cache when the
    /// policy no longer lets the agent keep anything.
    pub(crate) async fn cache_policy(&self, jws: &str, policy: &EffectivePolicy) {
        let issuer = match self.config.issuer.as_deref() {
            Some(i) => i.to_owned(),
            None => return,
        };
        let result = async {
            if policy.policy.cache.ttl_secs.is_empty() {
                return self.shred_cache(&issuer, &policy.subject).await;
            }
            let Some(cache) = self.cache_of(&issuer, &policy.subject, true).await? else {
                return Ok(());
            };
            let claims = PolicyClaims {
                iss: policy.issuer.clone(),
                sub: policy.subject.clone(),
                aud: self.config.client_id.clone(),
                iat: policy.issued_at,
                exp: policy.expires_at,
                version: policy.version,
                policy: policy.policy.clone(),
                layout: policy.layout.clone(),
                audit_checkpoint: None,
            };
            cache
                .store_policy(jws, &claims, now())
                .await
                .map_err(cache_error)?;
            cache.raise_newest_time(now()).await.map_err(cache_error)
        }
        .await;
        if let Err(e) = result {
            tracing::warn!(error = %e, "the policy could not be kept for offline use");
        }
    }

    /// Writes what the server just sent into the cache, redacted for it. Failures are logged:
    /// the answer stands without the cache.
    pub(crate) async fn remember(&self, subject: &str, records: Records) {
        let result = async {
            let policy = match self.current_policy() {
                Some(p) if p.subject == subject => p,
                _ => self.policy().await?,
            };
            let issuer = self.config.issuer.clone().unwrap_or_default();
            if policy.policy.cache.ttl_secs.is_empty() {
                return Ok(());
            }
            let Some(cache) = self.cache_of(&issuer, subject, true).await? else {
                return Ok(());
            };
            let prepared = desk_cache::prepare::records(&records, &policy.policy);
            cache
                .store(&prepared, &policy.policy, now())
                .await
                .map_err(cache_error)
        }
        .await;
        if let Err(e) = result {
            tracing::warn!(error = %e, "the answer was not cached");
        }
    }

    /// Reads from the cache because the server cannot be reached: through the cached policy,
    /// inside its offline window, queueing the view in the audit queue (made first, so that
    /// nothing is shown whose view could not be queued).
    pub(crate) async fn offline_read<T, F, Fut>(
        &self,
        action: AuditAction,
        resource: &str,
        read: F,
    ) -> Result<Sourced<T>, AppError>
    where
        F: FnOnce(Arc<Cache>, i64) -> Fut,
        Fut: Future<Output = Result<Option<Cached<T>>, CacheError>>,
    {
        let issuer = self
            .config
            .issuer
            .clone()
            .ok_or_else(|| AppError::Config("no identity provider is configured".into()))?;
        let keychain = Keychain::new(self.config.keyring_service.clone());
        let subject = desk_auth::stored_subject(&keychain, &issuer)
            .await?
            .ok_or(desk_auth::AuthError::NotSignedIn)?;
        let cache = self
            .cache_of(&issuer, &subject, false)
            .await?
            .ok_or(AppError::NotCached)?;
        let (_, claims) = cache
            .policy()
            .await
            .map_err(cache_error)?
            .ok_or(AppError::NotCached)?;
        let queue = self
            .queue_of(&issuer, &subject, true)
            .await?
            .ok_or_else(|| AppError::Internal("no audit queue was made".into()))?;
        let now = self.offline_now(&cache, &claims).await?;
        // The floor rises with every offline read, refused ones too, so a clock set back after
        // one gains nothing.
        cache.raise_newest_time(now).await.map_err(cache_error)?;
        match desk_cache::offline_state(&claims, now) {
            Offline::Allowed { .. } => {}
            Offline::Locked { shred_at } => {
                return Err(AppError::OfflineLocked {
                    shred_at: rfc3339(shred_at),
                });
            }
            Offline::Shred => {
                self.shred_cache(&issuer, &subject).await?;
                return Err(AppError::OfflineLocked {
                    shred_at: "now (done)".into(),
                });
            }
        }
        let cached = read(cache.clone(), now)
            .await
            .map_err(cache_error)?
            .ok_or(AppError::NotCached)?;
        queue
            .queue(&QueuedView {
                idempotency_key: idempotency_key(),
                time: now,
                action: action.as_str().to_owned(),
                resource: resource.to_owned(),
            })
            .await
            .map_err(cache_error)?;
        Ok(Sourced {
            source: Source::Cache,
            as_of: cached.fetched_at,
            value: cached.value,
        })
    }

    /// The time the offline window is measured at: this computer's clock, but never earlier
    /// than the newest time this cache has seen, which is the signed `iat` of the policy it
    /// holds (the server's clock, which a network attacker cannot forge) or the time of the
    /// last offline read or write of it (a floor that only rises, kept in the encrypted cache).
    /// So setting the clock back does not extend the window; setting it forward shortens it.
    pub(crate) async fn offline_now(
        &self,
        cache: &Cache,
        claims: &PolicyClaims,
    ) -> Result<i64, AppError> {
        let seen = cache.newest_time().await.map_err(cache_error)?;
        Ok(now().max(claims.iat).max(seen.unwrap_or(i64::MIN)))
    }

    /// Carries out the wipes ordered for this agent that this device has not acknowledged, as
    /// the server recorded it (the device is named in `Desk-Device` on every request): the cache
    /// is shredded before anything is shown, each wipe acknowledged at the server, the views
    /// queued before uploaded while a token can still be had, and the session ended (the refresh
    /// token revoked, the keychain entries deleted), so the device does not cache again at once.
    /// Then [`AppError::Wiped`]. Called before the first online read and on a `wipe` event.
    pub(crate) async fn check_wipes(&self, subject: &str) -> Result<(), AppError> {
        let issuer = self.config.issuer.clone().unwrap_or_default();
        let session = self.session().await?;
        let api = self.server_api().await?;
        let mut wiped = None;
        // Whether every wipe met was provisioning's: only those can have been carried out
        // already, when the server refused with `access_withdrawn`.
        let mut provisioning_only = true;
        loop {
            let wipes: MyWipes = self
                .with_token(&session, |token| {
                    let api = api.clone();
                    async move { api.get_json("/v1/me/wipes", token).await }
                })
                .await?;
            let Some(last) = wipes.wipes.iter().map(|w| w.wipe_id).max() else {
                break;
            };
            provisioning_only &= wipes.wipes.iter().all(|w| w.provisioning);
            if wiped.is_none() {
                self.shred_cache(&issuer, subject).await?;
                tracing::warn!(wipe = last, "an administrator wiped this device's cache");
            }
            wiped = Some(last);
            let path = format!("/v1/me/wipes/{last}/acknowledge");
            let _: DeviceAcknowledgement = self
                .with_token(&session, |token| {
                    let api = api.clone();
                    let path = path.clone();
                    async move { api.post_json(&path, token, &serde_json::json!({})).await }
                })
                .await?;
        }
        let Some(last) = wiped else {
            return Ok(());
        };
        if provisioning_only && last <= self.carried_out(&issuer, subject) {
            // Carried out already when provisioning withdrew access (the cache shredded, that
            // session ended): this session began after, and goes on. An administrator's wipe
            // always ends the session, whatever the file says.
            self.forget_carried_out(&issuer, subject);
            tracing::info!(
                wipe = last,
                "the wipes were carried out when access was withdrawn"
            );
            return Ok(());
        }
        self.upload_views(&session)
            .await
            .unwrap_or_else(|e| tracing::warn!(error = %e, "the offline views stay queued"));
        drop(session);
        self.end_session(&issuer).await?;
        Err(AppError::Wiped)
    }

    /// The server refused because provisioning withdrew the agent's access: shreds the cache,
    /// ends the session (as after a wipe; the queue stays for the next sign-in) and remembers
    /// that the wipes up to `wipe_id` are carried out, so the first session after access is
    /// given back acknowledges them without ending itself. Returns the error to report.
    pub(crate) async fn access_withdrawn(
        &self,
        session: &desk_auth::Session,
        wipe_id: Option<i64>,
    ) -> AppError {
        let issuer = self.config.issuer.clone().unwrap_or_default();
        let subject = session.identity().subject.clone();
        tracing::warn!("the organisation withdrew this agent's access; shredding the local cache");
        self.set_session_over(true);
        if let Err(e) = self.shred_cache(&issuer, &subject).await {
            tracing::error!(error = %e, "the cache could not be shredded");
        } else if let Some(id) = wipe_id {
            self.remember_carried_out(&issuer, &subject, id);
        }
        if let Err(e) = self.end_session(&issuer).await {
            tracing::error!(error = %e, "the session could not be ended here");
        }
        AppError::AccessWithdrawn { wipe_id }
    }

    /// Where the wipes carried out when access was withdrawn are remembered, per agent.
    fn carried_out_file(&self) -> PathBuf {
        self.config.data_dir.join("wipes-carried-out.json")
    }

    fn carried_out_all(&self) -> BTreeMap<String, i64> {
        std::fs::read(self.carried_out_file())
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    fn write_carried_out(&self, all: &BTreeMap<String, i64>) {
        let written = serde_json::to_vec(all)
            .map_err(std::io::Error::other)
            .and_then(|bytes| std::fs::write(self.carried_out_file(), bytes));
        if let Err(e) = written {
            tracing::warn!(error = %e, "could not record the wipes carried out");
        }
    }

    /// The last wipe of `subject` carried out when its access was withdrawn (0 for none).
    fn carried_out(&self, issuer: &str, subject: &str) -> i64 {
        let all = self.carried_out_all();
        all.get(&format!("{issuer}#{subject}"))
            .copied()
            .unwrap_or(0)
    }

    fn remember_carried_out(&self, issuer: &str, subject: &str, wipe_id: i64) {
        let mut all = self.carried_out_all();
        let held = all.entry(format!("{issuer}#{subject}")).or_default();
        *held = (*held).max(wipe_id);
        self.write_carried_out(&all);
    }

    fn forget_carried_out(&self, issuer: &str, subject: &str) {
        let mut all = self.carried_out_all();
        if all.remove(&format!("{issuer}#{subject}")).is_some() {
            self.write_carried_out(&all);
        }
    }

    /// Ends the session after a wipe: revokes the refresh token where the provider offers it
    /// and deletes the keychain entries whatever it answers; the queue's file and key stay.
    pub(crate) async fn end_session(&self, issuer: &str) -> Result<(), AppError> {
        self.set_session_over(true);
        self.close_queue().await;
        let held = self.session.lock().await.take();
        *self.held_policy() = None;
        if let Some(Ok(session)) = held.map(Arc::try_unwrap) {
            session.sign_out().await?;
            return Ok(());
        }
        let provider = self.provider().await.ok();
        desk_auth::forget_stored(provider.as_deref(), &self.keychain(), issuer).await?;
        Ok(())
    }

    /// This installation's device id: 128 random bits, base64url, made once and kept in the
    /// data folder (`device-id`). Not a secret, so not in the keychain: it is the id the server
    /// records this device under (when it first saw it, which wipes it acknowledged). An id that
    /// is changed or lost makes this installation a new device to the server, which does not
    /// send it the wipes ordered before; so the record cache is bound to the id it was made
    /// under ([`desk_cache::Cache::claim_device`]) and shredded when the id changes.
    pub(crate) fn device_id(&self) -> Result<String, AppError> {
        let file = self.config.data_dir.join("device-id");
        if let Ok(text) = std::fs::read_to_string(&file)
            && desk_api::is_device_id(text.trim())
        {
            return Ok(text.trim().to_owned());
        }
        let id = idempotency_key();
        std::fs::create_dir_all(&self.config.data_dir)
            .and_then(|()| std::fs::write(&file, format!("{id}\n")))
            .map_err(|e| AppError::Internal(format!("{}: {e}", file.display())))?;
        Ok(id)
    }

    /// What the signed-in agent's cache holds, how many offline views wait to be uploaded and
    /// how many the server refused; `None` when nobody is signed in.
    pub async fn cache_status(&self) -> Result<Option<CacheReport>, AppError> {
        let Some((issuer, subject)) = self.stored_agent().await? else {
            return Ok(None);
        };
        let cache = match self.cache_of(&issuer, &subject, false).await? {
            Some(cache) => {
                let status = cache.status(now()).await.map_err(cache_error)?;
                let offline = match cache.policy().await.map_err(cache_error)? {
                    Some((_, claims)) => {
                        let now = self.offline_now(&cache, &claims).await?;
                        Some(desk_cache::offline_state(&claims, now))
                    }
                    None => None,
                };
                Some(CacheState {
                    path: self.cache_path(&issuer, &subject),
                    status,
                    offline,
                })
            }
            None => None,
        };
        let queued = self.queued_views(&issuer, &subject).await?;
        Ok(Some(CacheReport {
            cache,
            pending_views: queued.pending,
            refused_views: queued.refused,
        }))
    }

    /// Deletes every cached record (queued offline views are elsewhere, and stay until
    /// uploaded).
    pub async fn cache_purge(&self) -> Result<u64, AppError> {
        let Some((issuer, subject)) = self.stored_agent().await? else {
            return Ok(0);
        };
        let Some(cache) = self.cache_of(&issuer, &subject, false).await? else {
            return Ok(0);
        };
        cache.purge().await.map_err(cache_error)
    }

    /// The issuer and the subject the keychain says are signed in, if anyone.
    pub(crate) async fn stored_agent(&self) -> Result<Option<(String, String)>, AppError> {
        let Some(issuer) = self.config.issuer.clone() else {
            return Ok(None);
        };
        let keychain = Keychain::new(self.config.keyring_service.clone());
        Ok(desk_auth::stored_subject(&keychain, &issuer)
            .await?
            .map(|subject| (issuer, subject)))
    }
}
