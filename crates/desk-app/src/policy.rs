//! The agent's effective policy: fetched from desk-server, verified against keys pinned in this
//! client's configuration, and kept in force until a newer one is accepted.
//!
//! Promises:
//! - a policy is accepted only after [`desk_core::signed::verify`] passes with the keys of
//!   `policy_keys_file` (never keys the server offers), this agent's subject, this client's id as
//!   audience, the configured clock skew, and the last version accepted as the floor;
//! - a refused policy changes nothing: the previous one stays in force, and the refusal is an
//!   error (when fetched) or a warning in the log (when pushed), with the reason and no token;
//! - the last version accepted for each agent is kept on disk (see `versions`) before the policy
//!   is put in force, so a rollback is refused after a restart too;
//! - pushed policies (server-sent events) are applied as they arrive; the stream is reopened with
//!   backoff (1 s, doubling to 30 s) and a fresh access token, and `Last-Event-ID` is the version
//!   in force, so nothing is missed and nothing older comes back.

use std::convert::Infallible;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use desk_api::{LayoutPreview, MyPolicy, StoredLayout};
use desk_auth::{Identity, SecretString, Session};
use desk_core::signed::{self, Expect, Layout, PolicyClaims, PolicyError, PublicKey};
use desk_core::{Policy, Role};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::server::{ServerApi, is_unauthorized, unreachable};
use crate::versions::Versions;
use crate::{App, AppError, ErrorCode, sse};

/// A pinned-keys file larger than this is not a key list.
const MAX_KEYS_FILE: u64 = 64 * 1024;

/// Longest line and largest event accepted on the event stream: one signed policy and change.
const MAX_SSE_LINE: usize = signed::MAX_BYTES + 1024;
const MAX_SSE_EVENT: usize = signed::MAX_BYTES + 1024;

/// The server sends a keep-alive every 15 s; this long without a byte means the connection is
/// dead even if no error says so.
const READ_IDLE: Duration = Duration::from_secs(45);

/// Waits between reconnections.
const BACKOFF_FIRST: Duration = Duration::from_secs(1);
const BACKOFF_MAX: Duration = Duration::from_secs(30);

/// The policy in force for the signed-in agent, as a front end sees it. No token, no key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EffectivePolicy {
    /// The policy's version; it only grows.
    pub version: u64,
    /// The agent it is for (their subject at the identity provider).
    pub subject: String,
    /// The server that issued it (the policy's `iss`).
    pub issuer: String,
    /// When it was issued, seconds since the epoch.
    pub issued_at: i64,
    /// When it expires, seconds since the epoch.
    pub expires_at: i64,
    /// What the agent may see and do.
    pub policy: Policy,
    /// Which widgets each page shows, in order.
    pub layout: Layout,
}

impl From<PolicyClaims> for EffectivePolicy {
    fn from(c: PolicyClaims) -> Self {
        Self {
            version: c.version,
            subject: c.sub,
            issuer: c.iss,
            issued_at: c.iat,
            expires_at: c.exp,
            policy: c.policy,
            layout: c.layout,
        }
    }
}

/// Compares the audit checkpoint a policy carried with the newest one this client holds for the
/// agent, and keeps the newer: the client as a witness of the server's trail. A checkpoint behind
/// the one held (the trail was cut short or rolled back) or unlike it at the same entry (the trail
/// was rewritten) is logged as an error and recorded, and the one held is kept; the policy itself
/// is accepted all the same, as its own checks passed and agents must go on working. An auditor
/// reads what was recorded with `desk doctor` and checks the held checkpoint against the server
/// with `desk-server audit verify --checkpoint`.
fn witness(
    versions: &Versions,
    identity: &Identity,
    offered: &str,
    keys: &[PublicKey],
) -> Result<(), AppError> {
    let offered_checkpoint = match signed::verify_checkpoint(offered, keys) {
        Ok(checkpoint) => checkpoint,
        Err(e) => {
            tracing::warn!(error = %e, "the policy's audit checkpoint does not verify; ignored");
            return Ok(());
        }
    };
    let held = versions.witnessed(&identity.issuer, &identity.subject)?;
    let held_checkpoint = held
        .checkpoint
        .as_deref()
        .and_then(|jws| signed::verify_checkpoint(jws, keys).ok());
    let behind = held_checkpoint.as_ref().and_then(|h| {
        if offered_checkpoint.seq < h.seq {
            Some(format!(
                "the server's audit trail went back from entry {} (checkpointed {}) to entry {} \
                 (checkpointed {}): entries were removed or the trail restored from an older copy",
                h.seq, h.time, offered_checkpoint.seq, offered_checkpoint.time
            ))
        } else if offered_checkpoint.seq == h.seq && offered_checkpoint.hash != h.hash {
            Some(format!(
                "the server's audit entry {} changed between the checkpoints of {} and {}: the \
                 trail was rewritten",
                h.seq, h.time, offered_checkpoint.time
            ))
        } else {
            None
        }
    });
    match &behind {
        Some(what) => {
            tracing::error!(what = %what, "audit trail witness");
            versions.witness(&identity.issuer, &identity.subject, None, Some(what))
        }
        None => versions.witness(&identity.issuer, &identity.subject, Some(offered), None),
    }
}

/// The policy in force in this process, with the provider issuer of the agent it belongs to.
pub(crate) struct Held {
    provider_issuer: String,
    policy: EffectivePolicy,
}

/// Reads a layout (`{"pages": {"customer": ["customer.summary", …], …}}`) and checks that each
/// widget sits on its own page, once. Whether the role may show them is the server's decision.
pub fn parse_layout(text: &str) -> Result<Layout, AppError> {
    let layout: Layout = serde_json::from_str(text)
        .map_err(|e| AppError::InvalidInput(format!("not a layout: {e}")))?;
    layout
        .validate()
        .map_err(|e| AppError::InvalidInput(format!("not a valid layout: {e}")))?;
    Ok(layout)
}

/// The keys of the pinned-keys file: a JWKS of Ed25519 public keys.
pub(crate) fn pinned_keys(path: Option<&Path>) -> Result<Vec<PublicKey>, AppError> {
    let path = path.ok_or_else(|| {
        AppError::Config(
            "no policy keys are pinned: set DESK_POLICY_KEYS_FILE or `policy_keys_file` to the \
             server's public key file (desk-server prints its path as `policy_keys_file`)"
                .into(),
        )
    })?;
    let bad =
        |why: String| AppError::Config(format!("the policy keys file {}: {why}", path.display()));
    let file = std::fs::File::open(path).map_err(|e| bad(format!("cannot be read: {e}")))?;
    let mut text = String::new();
    std::io::Read::read_to_string(&mut std::io::Read::take(file, MAX_KEYS_FILE + 1), &mut text)
        .map_err(|e| bad(format!("cannot be read: {e}")))?;
    if text.len() as u64 > MAX_KEYS_FILE {
        return Err(bad("is too large for a key list".into()));
    }
    #[derive(Deserialize)]
    struct Jwks {
        keys: Vec<PublicKey>,
    }
    let jwks: Jwks = serde_json::from_str(&text)
        .map_err(|e| bad(format!("is not a JWKS (`{{\"keys\": [...]}}`): {e}")))?;
    if jwks.keys.is_empty() {
        return Err(bad("lists no keys".into()));
    }
    if let Some(k) = jwks
        .keys
        .iter()
        .find(|k| k.kty != "OKP" || k.crv != "Ed25519" || k.kid.is_empty())
    {
        return Err(bad(format!(
            "key `{}` is not an Ed25519 key with a key id",
            k.kid
        )));
    }
    Ok(jwks.keys)
}

/// What a person can do about a refusal.
fn refusal(reason: PolicyError, keys_file: Option<&Path>, versions: &Versions) -> AppError {
    let keys = keys_file.map_or("the policy keys file".to_owned(), |p| {
        p.display().to_string()
    });
    let hint = match &reason {
        PolicyError::UnknownKey(_) | PolicyError::Signature | PolicyError::BadKey(_) => format!(
            "if the server's policy key was rotated, add its new public key to {keys}; \
             otherwise this is not the server you trust"
        ),
        PolicyError::Rollback { .. } => format!(
            "the server offers an older policy than this computer already accepted (recorded \
             in {}); if the server's data was reset on purpose, remove that file",
            versions.path().display()
        ),
        PolicyError::Expired | PolicyError::NotYetValid => {
            "check the clock of this computer and of the server".to_owned()
        }
        PolicyError::Subject | PolicyError::Audience(_) => {
            "the server issued it for someone else; check DESK_SERVER_URL and DESK_CLIENT_ID"
                .to_owned()
        }
        PolicyError::Malformed(_) | PolicyError::Algorithm(_) | PolicyError::Layout(_) => {
            "the server sent a policy this client cannot use; tell its administrator".to_owned()
        }
    };
    AppError::PolicyRefused {
        reason,
        hint: format!("the previous policy stays in force; {hint}"),
    }
}

/// Now by this computer's clock, in seconds since the epoch, shifted by `DESK_CLOCK_OFFSET_SECS`
/// (whole seconds, may be negative; tests set the clock back or forward with it, as an agent
/// could set the computer's). What reads the offline window does not take this alone:
/// [`App::offline_now`] floors it with the newest time seen.
pub(crate) fn now() -> i64 {
    static OFFSET: std::sync::OnceLock<i64> = std::sync::OnceLock::new();
    let offset = *OFFSET.get_or_init(|| {
        std::env::var("DESK_CLOCK_OFFSET_SECS")
            .ok()
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0)
    });
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .saturating_add(offset)
}

impl App {
    /// Fetches this agent's policy from the server, verifies it against the pinned keys and
    /// puts it in force. A refused policy changes nothing.
    pub async fn policy(&self) -> Result<EffectivePolicy, AppError> {
        let keys = pinned_keys(self.config.policy_keys_file.as_deref())?;
        let server = self.server_api().await?;
        let session = self.session().await?;
        let mine: MyPolicy = self
            .with_token(&session, |token| {
                server.get_json::<MyPolicy>("/v1/me/policy", token)
            })
            .await?;
        let (policy, _) = self.accept(&mine.signed, &session.identity(), &keys)?;
        self.cache_policy(&mine.signed, &policy).await;
        // The server answers (the window's first request after a sign-in): queued offline views.
        self.upload_views(&session)
            .await
            .unwrap_or_else(|e| tracing::warn!(error = %e, "the offline views stay queued"));
        Ok(policy)
    }

    /// The policy in force in this process: the last one accepted, if any.
    pub fn current_policy(&self) -> Option<EffectivePolicy> {
        self.held_policy().as_ref().map(|held| held.policy.clone())
    }

    /// Follows the server's pushed policies and puts each one in force as it arrives, calling
    /// `on_change` when the policy in force changed (the first one accepted included).
    ///
    /// Runs until the session ends: returns `session_ended` or `not_signed_in` then, or another
    /// error that retrying cannot cure (configuration, keychain, a server refusal, an unusable
    /// versions file). Lost connections are reopened with backoff, a refused policy is logged
    /// as a warning and the previous one stays in force. The pinned keys are read once, when
    /// watching starts.
    pub async fn watch_policy(
        &self,
        mut on_change: impl FnMut(&EffectivePolicy),
    ) -> Result<Infallible, AppError> {
        let keys = pinned_keys(self.config.policy_keys_file.as_deref())?;
        let server = self.server_api().await?;
        let mut backoff = Backoff::default();
        loop {
            match self
                .watch_once(&server, &keys, &mut on_change, &mut backoff)
                .await
            {
                Ok(()) => tracing::debug!("the event stream ended; reconnecting"),
                Err(e) if retryable(&e) => {
                    tracing::warn!(error = %e, "policy updates interrupted; reconnecting");
                }
                Err(e) => return Err(e),
            }
            tokio::time::sleep(jitter(backoff.next_wait())).await;
        }
    }

    /// Publishes `layout` as `role`'s layout; the server pushes the new policy to the role's
    /// connected agents. Needs the `layout.publish` action.
    pub async fn publish_layout(
        &self,
        role: Role,
        layout: &Layout,
    ) -> Result<StoredLayout, AppError> {
        let path = format!("/v1/admin/layouts/{role}");
        self.send_as_agent(reqwest::Method::PUT, &path, layout)
            .await
    }

    /// Every role's published layout (a role with none is absent: its agents get the default
    /// layout). Needs the `layout.publish` action.
    pub async fn layouts(&self) -> Result<Vec<StoredLayout>, AppError> {
        self.get_as_agent("/v1/admin/layouts").await
    }

    /// `role`'s layouts as published, newest first (at most 100). Needs the `layout.publish`
    /// action.
    pub async fn layout_history(&self, role: Role) -> Result<Vec<StoredLayout>, AppError> {
        self.get_as_agent(&format!("/v1/admin/layouts/{role}/history"))
            .await
    }

    /// What the layout editor shows of `role`: what its definition grants, its layout now, and
    /// the server's demo customer as the role sees them (redacted by the server). Needs the
    /// `layout.publish` action.
    pub async fn layout_preview(&self, role: Role) -> Result<LayoutPreview, AppError> {
        self.get_as_agent(&format!("/v1/admin/layouts/{role}/preview"))
            .await
    }

    /// Publishes again the layout `role` had at `version`: a new version, checked against the
    /// role's definition as it is now and pushed like any other. Needs the `layout.publish`
    /// action.
    pub async fn restore_layout(&self, role: Role, version: i64) -> Result<StoredLayout, AppError> {
        let earlier = self
            .layout_history(role)
            .await?
            .into_iter()
            .find(|published| published.version == version)
            .ok_or_else(|| {
                AppError::InvalidInput(format!(
                    "{role} has no published layout of version {version} among its last 100"
                ))
            })?;
        self.publish_layout(role, &earlier.layout).await
    }

    /// One connection of [`App::watch_policy`]: `Ok` when the server ended the stream.
    async fn watch_once(
        &self,
        server: &ServerApi,
        keys: &[PublicKey],
        on_change: &mut impl FnMut(&EffectivePolicy),
        backoff: &mut Backoff,
    ) -> Result<(), AppError> {
        let session = self.session().await?;
        let identity = session.identity();
        // A wipe ordered while this device was away is carried out before anything else.
        self.check_wipes(&identity.subject).await?;
        // `Last-Event-ID`: the version in force, so the server sends only what is newer.
        let in_force = self.held_policy().as_ref().and_then(|h| {
            (h.provider_issuer == identity.issuer && h.policy.subject == identity.subject)
                .then_some(h.policy.version)
        });
        let mut response = self
            .with_token(&session, |token| server.events(token, in_force))
            .await?;
        backoff.reset();
        let url = server.url("/v1/events");
        let mut parser = sse::Parser::new(MAX_SSE_LINE, MAX_SSE_EVENT);
        loop {
            let chunk = match tokio::time::timeout(READ_IDLE, response.chunk()).await {
                Err(_) => {
                    return Err(unreachable(
                        &url,
                        &format!("sent nothing for {} s", READ_IDLE.as_secs()),
                    ));
                }
                Ok(Err(e)) => {
                    return Err(unreachable(
                        &url,
                        &format!(
                            "broke off the event stream: {}",
                            crate::server::transport(e)
                        ),
                    ));
                }
                Ok(Ok(None)) => return Ok(()),
                Ok(Ok(Some(chunk))) => chunk,
            };
            let events = parser
                .feed(&chunk)
                .map_err(|e| unreachable(&url, &format!("sent an unusable event stream: {e}")))?;
            for event in events {
                match event.kind.as_str() {
                    "policy" => {}
                    // The event only says that a wipe was ordered; the list of wipes comes from
                    // the server again, so a forged or repeated event changes nothing.
                    "wipe" => {
                        self.check_wipes(&identity.subject).await?;
                        continue;
                    }
                    other => {
                        tracing::debug!(kind = %other, "ignoring an event this client does not know");
                        continue;
                    }
                }
                match self.accept(&event.data, &identity, keys) {
                    Ok((policy, true)) => {
                        self.cache_policy(&event.data, &policy).await;
                        on_change(&policy)
                    }
                    Ok((_, false)) => {}
                    Err(e) if e.code() == ErrorCode::PolicyRefused => tracing::warn!(
                        error = %e,
                        event_id = event.id.as_deref().unwrap_or(""),
                        "refused a pushed policy"
                    ),
                    Err(e) => return Err(e),
                }
            }
        }
    }

    /// Verifies `jws` for `identity` and puts it in force, recording its version first.
    /// Returns the policy and whether it differs from the one in force before.
    fn accept(
        &self,
        jws: &str,
        identity: &Identity,
        keys: &[PublicKey],
    ) -> Result<(EffectivePolicy, bool), AppError> {
        // One accept at a time, so two policies arriving together are checked against each other.
        let mut held = self.held_policy();
        let mine = held
            .as_ref()
            .filter(|h| {
                h.provider_issuer == identity.issuer && h.policy.subject == identity.subject
            })
            .map(|h| &h.policy);
        let versions = Versions::new(&self.config.data_dir);
        let stored = versions.get(&identity.issuer, &identity.subject)?;
        let expect = Expect {
            subject: &identity.subject,
            audience: &self.config.client_id,
            now: now(),
            skew: i64::try_from(self.config.clock_skew_secs).unwrap_or(i64::MAX),
            last_version: stored.max(mine.map(|p| p.version)),
        };
        let claims = signed::verify(jws, keys, &expect).map_err(|reason| {
            refusal(reason, self.config.policy_keys_file.as_deref(), &versions)
        })?;
        versions.raise(&identity.issuer, &identity.subject, claims.version)?;
        if let Some(checkpoint) = &claims.audit_checkpoint {
            witness(&versions, identity, checkpoint, keys)?;
        }
        let policy = EffectivePolicy::from(claims);
        let changed = mine.is_none_or(|p| {
            p.version != policy.version || p.policy != policy.policy || p.layout != policy.layout
        });
        *held = Some(Held {
            provider_issuer: identity.issuer.clone(),
            policy: policy.clone(),
        });
        Ok((policy, changed))
    }

    /// `GET path` as the signed-in agent ([`App::with_token`]), answered as JSON.
    pub(crate) async fn get_as_agent<T: DeserializeOwned>(
        &self,
        path: &str,
    ) -> Result<T, AppError> {
        let server = self.server_api().await?;
        let session = self.session().await?;
        self.with_token(&session, |token| server.get_json(path, token))
            .await
    }

    /// `method path` with the JSON `body` as the signed-in agent, answered as JSON.
    pub(crate) async fn send_as_agent<B: Serialize, T: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: &B,
    ) -> Result<T, AppError> {
        let server = self.server_api().await?;
        let session = self.session().await?;
        self.with_token(&session, |token| {
            server.send_json(method.clone(), path, token, body)
        })
        .await
    }

    /// Calls the server with a current access token; after a 401, refreshes once and retries.
    pub(crate) async fn with_token<T, F, Fut>(
        &self,
        session: &Session,
        call: F,
    ) -> Result<T, AppError>
    where
        F: Fn(SecretString) -> Fut,
        Fut: Future<Output = Result<T, AppError>>,
    {
        let token = self.token_of(session, session.access_token().await).await?;
        let answer = match call(token).await {
            Err(e) if is_unauthorized(&e) => {
                // The token may have expired on the way, or the server's clock runs ahead.
                self.token_of(session, session.refresh().await).await?;
                let token = self.token_of(session, session.access_token().await).await?;
                call(token).await
            }
            other => other,
        };
        match answer {
            Err(AppError::AccessWithdrawn { wipe_id }) => {
                Err(self.access_withdrawn(session, wipe_id).await)
            }
            Err(AppError::UpdateRequired {
                current,
                min_version,
            }) => {
                crate::retired::record(&self.config.data_dir, &min_version);
                Err(AppError::UpdateRequired {
                    current,
                    min_version,
                })
            }
            other => other,
        }
    }

    pub(crate) async fn server_api(&self) -> Result<Arc<ServerApi>, AppError> {
        self.server
            .get_or_try_init(|| async {
                let device = self.device_id()?;
                ServerApi::of_device(
                    self.config.server_url.as_deref(),
                    Some(&device),
                    &self.version,
                )
                .map(Arc::new)
            })
            .await
            .cloned()
    }
}

/// Whether waiting and reconnecting can cure `e`.
fn retryable(e: &AppError) -> bool {
    matches!(
        e.code(),
        ErrorCode::ServerUnreachable | ErrorCode::ProviderUnreachable
    )
}

/// The wait before each reconnection: 1 s, doubling to 30 s; back to 1 s once connected.
#[derive(Debug)]
struct Backoff {
    next: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            next: BACKOFF_FIRST,
        }
    }
}

impl Backoff {
    fn next_wait(&mut self) -> Duration {
        let wait = self.next;
        self.next = (self.next * 2).min(BACKOFF_MAX);
        wait
    }

    fn reset(&mut self) {
        self.next = BACKOFF_FIRST;
    }
}

/// `wait` plus up to a quarter more, so clients cut off together do not all return together.
fn jitter(wait: Duration) -> Duration {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    wait + wait.mul_f64(f64::from(nanos % 1000) / 4000.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::versions;
    use desk_core::{Page, Widget};

    /// The window runs these on its async runtime's threads, which needs `Send` futures.
    #[test]
    fn the_policy_futures_can_move_between_threads() {
        fn send<T: Send>(_: T) {}
        let app = App::new(crate::Config::default());
        send(app.policy());
        send(app.watch_policy(|_| {}));
        send(app.publish_layout(Role::AgentL1, &Layout::default()));
    }

    #[test]
    fn backoff_doubles_to_thirty_seconds_and_resets() {
        let mut b = Backoff::default();
        let waits: Vec<_> = (0..7).map(|_| b.next_wait().as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 30, 30]);
        b.reset();
        assert_eq!(b.next_wait(), Duration::from_secs(1));
        for _ in 0..100 {
            let w = jitter(Duration::from_secs(4));
            assert!(
                w >= Duration::from_secs(4) && w <= Duration::from_secs(5),
                "{w:?}"
            );
        }
    }

    fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn pinned_keys_come_from_the_configured_file_only() {
        let dir = tempfile::tempdir().unwrap();
        let k1 = signed::PolicyKey::from_seed("k1", &[1; 32]).public();
        let k2 = signed::PolicyKey::from_seed("k2", &[2; 32]).public();
        let jwks = serde_json::json!({ "keys": [k1, k2] }).to_string();
        let path = write(dir.path(), "keys.json", &jwks);
        assert_eq!(pinned_keys(Some(&path)).unwrap(), [k1.clone(), k2]);

        let err = pinned_keys(None).unwrap_err();
        assert_eq!(err.code(), ErrorCode::Config);
        assert!(err.to_string().contains("DESK_POLICY_KEYS_FILE"), "{err}");

        let missing = dir.path().join("missing.json");
        let mut rsa = serde_json::to_value(&k1).unwrap();
        rsa["kty"] = "RSA".into();
        for (path, says) in [
            (missing, "cannot be read"),
            (
                write(dir.path(), "a.json", "{\"keys\": []}"),
                "lists no keys",
            ),
            (write(dir.path(), "b.json", "[1, 2]"), "not a JWKS"),
            (
                write(
                    dir.path(),
                    "c.json",
                    &serde_json::json!({ "keys": [rsa] }).to_string(),
                ),
                "not an Ed25519 key",
            ),
            (
                write(
                    dir.path(),
                    "d.json",
                    &" ".repeat(MAX_KEYS_FILE as usize + 1),
                ),
                "too large",
            ),
        ] {
            let err = pinned_keys(Some(&path)).unwrap_err();
            assert_eq!(err.code(), ErrorCode::Config, "{path:?}");
            let text = err.to_string();
            assert!(
                text.contains(says) && text.contains(&path.display().to_string()),
                "{text}"
            );
        }
    }

    #[test]
    fn layouts_are_read_strictly() {
        let layout =
            parse_layout(r#"{"pages": {"customer": ["customer.contact", "customer.summary"]}}"#)
                .unwrap();
        assert_eq!(
            layout.pages[&Page::Customer],
            [Widget::CustomerContact, Widget::CustomerSummary]
        );
        for bad in [
            r#"{"pages": {"customer": ["search.box"]}}"#,
            r#"{"pages": {"customer": ["customer.summary", "customer.summary"]}}"#,
            r#"{"pages": {"customer": ["customer.nothing"]}}"#,
            r#"{"pages": {}, "extra": 1}"#,
            "not json",
        ] {
            assert_eq!(
                parse_layout(bad).unwrap_err().code(),
                ErrorCode::InvalidInput,
                "{bad}"
            );
        }
    }

    mod accepting {
        use super::*;
        use crate::Config;
        use desk_core::policy::{Action, RoleDefinition};
        use desk_core::signed::PolicyKey;
        use desk_core::{Field, Redaction};

        const ISSUER: &str = "https://login.example.com";

        struct Setup {
            app: App,
            keys: Vec<PublicKey>,
            signer: PolicyKey,
            dir: tempfile::TempDir,
        }

        fn setup() -> Setup {
            let dir = tempfile::tempdir().unwrap();
            let signer = PolicyKey::from_seed("k1", &[1; 32]);
            let keys_file = write(
                dir.path(),
                "keys.json",
                &serde_json::json!({ "keys": [signer.public()] }).to_string(),
            );
            let config = Config {
                data_dir: dir.path().join("data"),
                policy_keys_file: Some(keys_file.clone()),
                ..Config::default()
            };
            Setup {
                app: App::new(config),
                keys: pinned_keys(Some(&keys_file)).unwrap(),
                signer,
                dir,
            }
        }

        fn identity(subject: &str) -> Identity {
            Identity {
                issuer: ISSUER.into(),
                subject: subject.into(),
                name: None,
                email: None,
                roles: Vec::new(),
            }
        }

        fn claims(version: u64, widgets: &[Widget]) -> PolicyClaims {
            let def = RoleDefinition {
                role: Role::AgentL1,
                description: String::new(),
                pages: [Page::Customer].into(),
                widgets: [Widget::CustomerSummary, Widget::CustomerContact].into(),
                fields: [
                    (Field::CustomerName, Redaction::Full),
                    (Field::CustomerEmail, Redaction::MaskEmail),
                ]
                .into(),
                actions: [Action::TicketReply].into(),
                search_by: Default::default(),
                cache: Default::default(),
                read_budget: Default::default(),
            };
            let policy = Policy::of([&def]);
            PolicyClaims {
                iss: "desk-server".into(),
                sub: "agent1".into(),
                aud: "support-desk".into(),
                iat: now() - 10,
                exp: now() + 3600,
                version,
                policy,
                layout: Layout {
                    pages: [(Page::Customer, widgets.to_vec())].into(),
                },
                audit_checkpoint: None,
            }
        }

        fn stored(s: &Setup) -> Option<u64> {
            Versions::new(&s.dir.path().join("data"))
                .get(ISSUER, "agent1")
                .unwrap()
        }

        #[test]
        fn an_accepted_policy_is_in_force_and_its_version_recorded() {
            let s = setup();
            assert_eq!(s.app.current_policy(), None);
            let jws = s.signer.sign(&claims(7, &[Widget::CustomerSummary]));
            let (policy, changed) = s.app.accept(&jws, &identity("agent1"), &s.keys).unwrap();
            assert!(changed);
            assert_eq!(policy.version, 7);
            assert_eq!(
                policy.layout.pages[&Page::Customer],
                [Widget::CustomerSummary]
            );
            assert_eq!(s.app.current_policy(), Some(policy));
            assert_eq!(stored(&s), Some(7));
            // The same policy again (a reconnection) is no change; a new layout is.
            let (_, changed) = s.app.accept(&jws, &identity("agent1"), &s.keys).unwrap();
            assert!(!changed);
            let next = s.signer.sign(&claims(7, &[Widget::CustomerContact]));
            let (_, changed) = s.app.accept(&next, &identity("agent1"), &s.keys).unwrap();
            assert!(changed);
        }

        #[test]
        fn a_refused_policy_leaves_the_previous_one_in_force() {
            let s = setup();
            let good = s.signer.sign(&claims(7, &[Widget::CustomerSummary]));
            s.app.accept(&good, &identity("agent1"), &s.keys).unwrap();
            let before = s.app.current_policy();
            let impostor = PolicyKey::from_seed("k1", &[9; 32]);
            for (jws, who) in [
                (impostor.sign(&claims(8, &[])), "agent1"),
                (
                    PolicyKey::from_seed("k3", &[3; 32]).sign(&claims(8, &[])),
                    "agent1",
                ),
                (s.signer.sign(&claims(8, &[])), "agent2"),
                ("garbage".to_owned(), "agent1"),
            ] {
                let err = s.app.accept(&jws, &identity(who), &s.keys).unwrap_err();
                assert_eq!(err.code(), ErrorCode::PolicyRefused, "{err}");
                assert!(err.to_string().contains("stays in force"), "{err}");
                assert_eq!(s.app.current_policy(), before);
                assert_eq!(stored(&s), Some(7));
            }
            let err = s
                .app
                .accept(
                    &impostor.sign(&claims(8, &[])),
                    &identity("agent1"),
                    &s.keys,
                )
                .unwrap_err();
            assert!(
                err.to_string().contains("keys.json"),
                "names the keys file: {err}"
            );
        }

        #[test]
        fn a_rollback_is_refused_against_memory_and_against_the_file() {
            let s = setup();
            let v7 = s.signer.sign(&claims(7, &[Widget::CustomerSummary]));
            s.app.accept(&v7, &identity("agent1"), &s.keys).unwrap();
            let v6 = s.signer.sign(&claims(6, &[Widget::CustomerSummary]));
            let err = s.app.accept(&v6, &identity("agent1"), &s.keys).unwrap_err();
            assert!(matches!(
                err,
                AppError::PolicyRefused {
                    reason: PolicyError::Rollback { got: 6, have: 7 },
                    ..
                }
            ));

            // A restarted app knows only the file.
            let restarted = App::new(s.app.config().clone());
            Versions::new(&s.dir.path().join("data"))
                .raise(ISSUER, "agent1", 9)
                .unwrap();
            let err = restarted
                .accept(&v7, &identity("agent1"), &s.keys)
                .unwrap_err();
            assert!(matches!(
                err,
                AppError::PolicyRefused {
                    reason: PolicyError::Rollback { got: 7, have: 9 },
                    ..
                }
            ));
            assert!(err.to_string().contains(versions::FILE_NAME), "{err}");
            assert_eq!(restarted.current_policy(), None);
            assert_eq!(stored(&s), Some(9), "never lowered");
        }

        #[test]
        fn a_corrupt_versions_file_refuses_every_policy() {
            let s = setup();
            let path = s.dir.path().join("data").join(versions::FILE_NAME);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, "{\"accepted\": [").unwrap();
            let jws = s.signer.sign(&claims(7, &[Widget::CustomerSummary]));
            let err = s
                .app
                .accept(&jws, &identity("agent1"), &s.keys)
                .unwrap_err();
            assert_eq!(err.code(), ErrorCode::PolicyState);
            assert!(
                err.to_string().contains(&path.display().to_string()),
                "{err}"
            );
            assert_eq!(s.app.current_policy(), None);
            assert_eq!(std::fs::read_to_string(&path).unwrap(), "{\"accepted\": [");
        }
    }
}
