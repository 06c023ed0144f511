//! The application layer of Support Desk: what the window (`src-tauri`) and the command line
//! (`desk`) both call. Neither front end holds logic of its own; each one turns a user's request
//! into one call here and renders what comes back.
//!
//! Promises of this crate: nothing it returns to a front end carries a token, a key or an
//! unredacted record; every error has a stable [`ErrorCode`] and a message meant for a person.
#![deny(missing_docs)]

mod agents;
mod audit;
pub mod config;
pub mod doctor;
mod error;
#[cfg(test)]
mod fuzz;
pub mod logging;
mod offline;
pub mod policy;
mod queue;
pub mod records;
mod retired;
mod roles;
mod server;
mod sse;
mod update;
mod versions;

pub use audit::{AuditCheck, AuditQuery, ExportFormat, Exported};
pub use config::Config;
/// The wire bodies front ends receive as they are.
pub use desk_api::{
    AgentDevice, AgentSummary, AgentWipes, AuditRecord, ChainCheck, CheckpointCheck, LayoutPreview,
    RoleChange, StoredLayout, StoredRole, WipeOrdered,
};
pub use desk_auth::Identity;
pub use desk_cache::Offline;
/// The policy and layout types front ends render.
pub use desk_core::signed::{Layout, PolicyError};
pub use desk_core::{Page, Policy, Role, Widget};
pub use doctor::{Check, Doctor};
pub use error::{AppError, ErrorCode};
pub use offline::{CacheReport, CacheState};
pub use policy::{EffectivePolicy, parse_layout};
pub use records::{Page as RecordPage, Source, Sourced, TransactionQuery};
pub use roles::{RoleCheck, RoleSet, check_role};
pub use update::shown_url;
pub use versions::FILE_NAME as POLICY_VERSIONS_FILE;

use std::sync::Arc;
use std::time::Duration;

use desk_auth::{Keychain, Opener, Provider, ProviderConfig, Session};
use serde::Serialize;
use tokio::sync::{Mutex, OnceCell};

/// The application: its configuration, the provider once discovered, the signed-in session and
/// the policy in force.
pub struct App {
    config: Config,
    /// The version this app says it is, to the server and to the agent.
    version: String,
    provider: OnceCell<Arc<Provider>>,
    server: OnceCell<Arc<server::ServerApi>>,
    cache: Mutex<Option<offline::OpenCache>>,
    queue: Mutex<Option<queue::OpenQueue>>,
    /// Held while the queue is uploaded, so that reads made at once upload it once.
    uploading: Mutex<()>,
    /// Whether this process has carried out the wipes ordered for its agent.
    wipes_checked: std::sync::atomic::AtomicBool,
    /// Set when this process's session is over (sign-out, a session the provider ended, a wipe)
    /// until the next sign-in or restore: no cache is made or written meanwhile, so a read or a
    /// policy still in flight when the session ended does not leave a cache behind it.
    session_over: std::sync::atomic::AtomicBool,
    session: Mutex<Option<Arc<Session>>>,
    /// Also the lock that makes accepting a policy one at a time.
    policy: std::sync::Mutex<Option<policy::Held>>,
}

/// Opens `url` in the system browser (or the command in `BROWSER`), not waiting for it.
pub fn open_in_browser(url: &str) -> Result<(), AppError> {
    Opener::from_env().open(url)?;
    Ok(())
}

/// What signing out did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignOut {
    /// Whether anyone was signed in (in this process or in the keychain).
    pub was_signed_in: bool,
    /// Whether the provider confirmed it revoked the refresh token.
    pub revoked: bool,
    /// Where the browser can end the provider's own session, when the provider offers that.
    pub end_session_url: Option<String>,
    /// Offline views the server has not acknowledged (it did not answer): they stay queued on
    /// this machine, with their key, and are uploaded when this agent is next connected.
    pub pending_views: usize,
    /// Offline views the server refused for good (now or before): set aside in the queue on
    /// this machine, kept, and never uploaded again on their own. Not on the audit trail.
    pub refused_views: usize,
}

/// What a front end shows before anything else: who would sign in where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Status {
    /// The app's version.
    pub version: String,
    /// The configured identity provider, if any.
    pub issuer: Option<String>,
    /// Whether an agent is signed in.
    pub signed_in: bool,
    /// Offline views of the agent the keychain holds, waiting to be uploaded (0 when nobody is
    /// signed in); `None` when the keychain or the queue could not be read.
    pub pending_views: Option<usize>,
    /// Offline views of that agent the server refused for good, set aside in the queue and kept
    /// there, never uploaded again on their own; `None` as for `pending_views`.
    pub refused_views: Option<usize>,
}

impl App {
    /// An application over `config`, of this crate's version (see [`App::with_version`]).
    pub fn new(config: Config) -> Self {
        Self {
            config,
            version: env!("CARGO_PKG_VERSION").to_owned(),
            provider: OnceCell::new(),
            server: OnceCell::new(),
            cache: Mutex::new(None),
            queue: Mutex::new(None),
            uploading: Mutex::new(()),
            wipes_checked: std::sync::atomic::AtomicBool::new(false),
            session_over: std::sync::atomic::AtomicBool::new(false),
            session: Mutex::new(None),
            policy: std::sync::Mutex::new(None),
        }
    }

    /// Loads the configuration (defaults, then file, then `DESK_` variables) and builds the app.
    pub fn load() -> Result<Self, AppError> {
        Ok(Self::new(Config::load()?))
    }

    /// The same application, saying it is `version`: a front end built with a version of its own
    /// (the window's is its package's, which the updater compares) is that version to the server
    /// and in [`Status`], and is retired or not by it.
    pub fn with_version(mut self, version: impl Into<String>) -> Self {
        self.version = version.into();
        self
    }

    /// The configuration in force.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The version this app says it is.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The status a front end opens with: who is signed in in this process, if anyone, how
    /// many offline views wait to be uploaded and how many the server refused.
    pub async fn status(&self) -> Status {
        let counts = async {
            match self.stored_agent().await? {
                Some((issuer, subject)) => self.queued_views(&issuer, &subject).await,
                None => Ok(queue::QueueCounts::default()),
            }
        }
        .await
        .inspect_err(|e| tracing::warn!(error = %e, "the offline views could not be counted"))
        .ok();
        Status {
            version: self.version.clone(),
            issuer: self.config.issuer.clone(),
            signed_in: self.session.lock().await.is_some(),
            pending_views: counts.map(|c| c.pending),
            refused_views: counts.map(|c| c.refused),
        }
    }

    /// Signs in through the system browser (or `BROWSER`) and keeps the session. Any failed
    /// check ends it with nothing stored.
    pub async fn sign_in(&self) -> Result<Identity, AppError> {
        let provider = self.provider().await?;
        let session = Session::sign_in(provider, self.keychain(), &Opener::from_env()).await?;
        let identity = session.identity();
        *self.session.lock().await = Some(Arc::new(session));
        self.set_session_over(false);
        // Whoever signed in before, their policy is not this agent's.
        *self.held_policy() = None;
        Ok(identity)
    }

    /// Marks this process's session over (nothing is cached from now on) or begun again.
    pub(crate) fn set_session_over(&self, over: bool) {
        self.session_over
            .store(over, std::sync::atomic::Ordering::SeqCst);
    }

    /// Whether this process's session is over: see [`App::set_session_over`].
    pub(crate) fn session_is_over(&self) -> bool {
        self.session_over.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// The signed-in agent: the session of this process, or the one the keychain holds, restored
    /// with no browser and no round trip (the identity last verified is stored with the session;
    /// the first command that needs an access token refreshes, and finds a session the provider
    /// ended).
    pub async fn whoami(&self) -> Result<Identity, AppError> {
        Ok(self.session().await?.identity())
    }

    /// The current session, restoring it from the keychain when this process has none.
    pub async fn session(&self) -> Result<Arc<Session>, AppError> {
        let mut held = self.session.lock().await;
        if let Some(session) = held.as_ref() {
            return Ok(session.clone());
        }
        let provider = self.provider().await?;
        let issuer = self.issuer()?.to_owned();
        let subject = desk_auth::stored_subject(&self.keychain(), &issuer).await?;
        let restored = Session::restore(provider, self.keychain()).await;
        let session = match (restored, subject) {
            (Err(desk_auth::AuthError::SessionEnded), Some(subject)) => {
                drop(held);
                return Err(self.session_ended(&issuer, &subject).await);
            }
            (restored, _) => restored?.ok_or(desk_auth::AuthError::NotSignedIn)?,
        };
        let session = Arc::new(session);
        *held = Some(session.clone());
        self.set_session_over(false);
        Ok(session)
    }

    /// Signs out: uploads the offline views still queued when the server answers, shreds the
    /// cache, revokes the refresh token where the provider offers it and deletes the keychain
    /// entries whatever the provider answers. With an unreachable provider or server the local
    /// sign-out still happens, and [`SignOut::pending_views`] says how many views wait, in the
    /// audit queue that sign-out keeps (with its key) for this agent's next connection;
    /// [`SignOut::refused_views`] how many the server refused, kept in that queue.
    pub async fn sign_out(&self) -> Result<SignOut, AppError> {
        // From here on nothing more is cached; a sign-out that fails leaves the session as it was.
        self.set_session_over(true);
        let out = self.sign_out_here().await;
        if out.is_err() {
            self.set_session_over(false);
        }
        out
    }

    /// [`App::sign_out`]'s work, once nothing more is cached.
    async fn sign_out_here(&self) -> Result<SignOut, AppError> {
        let issuer = self.issuer()?.to_owned();
        let provider = self.provider().await.ok();
        // A session still shared elsewhere is left to its holders; the keychain path below
        // signs out all the same.
        // The queue is uploaded while a token can still be had; then the cache goes: key, then
        // file. Without a keychain to delete the key from, the sign-out stops here rather than
        // leave a readable cache behind a signed-out app.
        let keychain = self.keychain();
        let mut queued = queue::QueueCounts::default();
        if let Some(subject) = desk_auth::stored_subject(&keychain, &issuer).await? {
            queued = self.upload_before_sign_out(&issuer, &subject).await?;
            self.shred_cache(&issuer, &subject).await?;
        }
        // A cache whose session is gone already (ended at the provider, by a wipe, or by an
        // older version that left it behind) goes too.
        if let Some(owner) = self.cache_owner(&issuer).await? {
            self.shred_cache(&issuer, &owner).await?;
        }
        self.close_queue().await;
        let held = self.session.lock().await.take();
        *self.held_policy() = None;
        if let Some(Ok(session)) = held.map(Arc::try_unwrap) {
            let out = session.sign_out().await?;
            return Ok(SignOut {
                was_signed_in: true,
                revoked: out.revoked,
                end_session_url: out.end_session_url,
                pending_views: queued.pending,
                refused_views: queued.refused,
            });
        }
        let forgotten =
            desk_auth::forget_stored(provider.as_deref(), &self.keychain(), &issuer).await?;
        Ok(SignOut {
            was_signed_in: forgotten.is_some(),
            revoked: forgotten.unwrap_or(false),
            end_session_url: provider.and_then(|p| p.end_session_url()),
            pending_views: queued.pending,
            refused_views: queued.refused,
        })
    }

    /// The provider refused `subject`'s session (`invalid_grant`: revoked, expired, or the
    /// agent removed), and desk-auth has deleted its keychain entries: the cache and its key go
    /// as at sign-out, the audit queue stays for the next sign-in, and nothing of the session is
    /// held any longer. The one place a session that ended at the provider is handled, so that
    /// whatever decides that a refusal ends the session decides it for the cache too. A shred
    /// that fails is logged; the cache's owner stays recorded (`cache-owner@{issuer}`), so the
    /// next sign-out shreds it. Returns the error to report, `session_ended`.
    pub(crate) async fn session_ended(&self, issuer: &str, subject: &str) -> AppError {
        self.set_session_over(true);
        tracing::warn!("the provider ended the session; shredding the local cache");
        if let Err(e) = self.shred_cache(issuer, subject).await {
            tracing::error!(error = %e, "the cache of an ended session could not be shredded");
        }
        self.close_queue().await;
        *self.session.lock().await = None;
        *self.held_policy() = None;
        AppError::Auth(desk_auth::AuthError::SessionEnded)
    }

    /// `result` of asking `session` for a token, with a session the provider ended handled
    /// through [`App::session_ended`].
    pub(crate) async fn token_of<T>(
        &self,
        session: &Session,
        result: Result<T, desk_auth::AuthError>,
    ) -> Result<T, AppError> {
        match result {
            Err(desk_auth::AuthError::SessionEnded) => {
                let identity = session.identity();
                Err(self
                    .session_ended(&identity.issuer, &identity.subject)
                    .await)
            }
            other => Ok(other?),
        }
    }

    fn issuer(&self) -> Result<&str, AppError> {
        self.config.issuer.as_deref().ok_or_else(|| {
            AppError::Config(
                "no identity provider: set DESK_ISSUER or `issuer` in the configuration file"
                    .into(),
            )
        })
    }

    fn held_policy(&self) -> std::sync::MutexGuard<'_, Option<policy::Held>> {
        // A panic elsewhere while holding it leaves a whole value: accept replaces it at once.
        self.policy.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn keychain(&self) -> Keychain {
        Keychain::new(self.config.keyring_service.clone())
    }

    async fn provider(&self) -> Result<Arc<Provider>, AppError> {
        let issuer = self.issuer()?.to_owned();
        self.provider
            .get_or_try_init(|| async {
                let config = ProviderConfig {
                    issuer,
                    client_id: self.config.client_id.clone(),
                    scopes: self
                        .config
                        .scopes
                        .split_whitespace()
                        .map(str::to_owned)
                        .collect(),
                    roles_claim: self.config.roles_claim.clone(),
                    clock_skew: Duration::from_secs(self.config.clock_skew_secs),
                    login_timeout: Duration::from_secs(self.config.login_timeout_secs),
                    session_lock: Some(desk_auth::ProcessLock::at(
                        self.config.data_dir.join("session.lock"),
                    )),
                };
                Ok(Arc::new(Provider::connect(config).await?))
            })
            .await
            .cloned()
    }

    /// Checks that the parts Support Desk stands on answer: keychain, encrypted storage, provider.
    pub async fn doctor(&self) -> Doctor {
        doctor::run(&self.config).await
    }
}
