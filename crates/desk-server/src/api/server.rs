//! The server's shared state: role definitions and layouts in force, the signing and audit keys,
//! the policy version, and the channel on which changes reach connected clients.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use desk_core::signed::{Layout, PolicyClaims, PolicyKey};
use desk_core::{Policy, ReadBudget, Role, RoleDefinition};
use tokio::sync::{Mutex, RwLock, broadcast};

use super::ApiError;
use super::role_table::RoleTable;
use crate::audit::AuditEvent;
use crate::audit::checkpoint::CheckpointLine;
use crate::audit::key::AuditKey;
use crate::config::Config;
use crate::store::{OfflineWindow, Store, StoreError, StoredLayout};
use crate::token::Verifier;

/// The role definitions shipped with the server.
pub const DEFAULT_ROLES: &str = include_str!("../../defaults/roles.json");

/// Parses and validates a JSON list of role definitions.
pub fn parse_role_definitions(json: &str) -> Result<Vec<RoleDefinition>, String> {
    let definitions: Vec<RoleDefinition> =
        serde_json::from_str(json).map_err(|e| format!("role definitions: {e}"))?;
    let mut seen = BTreeSet::new();
    for d in &definitions {
        d.validate()
            .map_err(|e| format!("role `{}`: {e}", d.role))?;
        if !seen.insert(d.role) {
            return Err(format!("role `{}` is defined twice", d.role));
        }
    }
    Ok(definitions)
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The configuration cannot be used.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// The database cannot be used.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The initial role definitions are invalid.
    #[error("role definitions: {0}")]
    Roles(String),
    /// The policy signing key cannot be loaded or made.
    #[error(transparent)]
    Key(#[from] crate::policy_key::KeyError),
    /// The audit search key cannot be loaded or made.
    #[error(transparent)]
    AuditKey(#[from] crate::audit::key::KeyError),
    /// A key is not the one the database's trail or policies were made under.
    #[error(
        "the {0} key is not the one this database was first served with: every replica needs \
         copies of the same key files (docs/deployment.md), and a key made anew links or signs \
         nothing the others trust; copy the first replica's key files and start again"
    )]
    KeyMismatch(&'static str),
}

/// Something that changed for connected clients. The events channel turns each into the events
/// of the agents it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The definitions or layouts of these roles changed: their holders get a new policy.
    Policy {
        /// The roles concerned.
        roles: BTreeSet<Role>,
        /// The policy version after the change.
        version: u64,
    },
    /// The roles of these agents may have changed (SCIM membership, with `roles_from = "scim"`):
    /// their streams read them again and send a new policy.
    Agents {
        /// The agents concerned.
        subjects: BTreeSet<String>,
        /// The policy version after the change.
        version: u64,
    },
    /// An administrator ordered every device of this agent to shred its cache.
    Wipe {
        /// The agent concerned.
        subject: String,
        /// The stored order's id.
        wipe_id: i64,
    },
}

/// What every handler shares.
pub struct Server {
    pub(super) config: Config,
    pub(crate) store: Arc<dyn Store>,
    pub(super) verifier: Verifier,
    pub(super) roles: RoleTable,
    /// Token ids seen, with their expiry: the first request of a token is a sign-in.
    pub(super) seen_tokens: Mutex<HashMap<String, i64>>,
    pub(super) policy_key: PolicyKey,
    pub(super) public_keys_file: PathBuf,
    /// Keys the hashes of search text in the audit trail (`audit::searched`).
    pub(super) audit_key: AuditKey,
    pub(super) layouts: RwLock<BTreeMap<Role, StoredLayout>>,
    pub(super) policy_version: AtomicU64,
    pub(super) changes: broadcast::Sender<Change>,
    /// Becomes `true` when the server stops: event streams end at once.
    pub(super) stopping: tokio::sync::watch::Sender<bool>,
    /// How fast each agent may upload offline views.
    pub(super) upload_rate: super::upload_rate::UploadRate,
    /// What each agent has read lately, against its read budget.
    pub(super) budgets: super::budget::Budgets,
    /// The close of each agent's offline window as last stored by this process, so that
    /// policies signed in quick succession (a push to many streams) write nothing more.
    pub(super) windows_stored: Mutex<HashMap<String, i64>>,
    /// The signed checkpoint the last policies carried, and when it was signed: policies signed
    /// within [`CHECKPOINT_REUSE`] of it (a push to many streams) carry the same one.
    pub(super) policy_checkpoint: Mutex<Option<(std::time::Instant, String)>>,
    /// The event streams open, per agent and in all.
    pub(super) streams: Arc<super::streams::Streams>,
    /// How fast each provisioning client may call `/scim/v2`.
    pub(super) scim_rate: super::upload_rate::UploadRate,
    /// Held by each SCIM write from its read to its write, so that two changes of one resource
    /// never lose one another's (with the database's lock, across replicas: `scim_writing`).
    pub(super) scim_writes: Mutex<()>,
    /// Held by each check of the whole audit chain (`GET /v1/audit/verify`): one at a time, so
    /// that administrators asking together do not read the trail many times over at once.
    pub(super) chain_checks: Mutex<()>,
    /// The oldest client version answered (`min_client_version`), read once at start.
    pub(super) min_client_version: Option<desk_api::ClientVersion>,
    /// What agent requests read of provisioning, until the next SCIM write.
    pub(super) provisioning: super::scim::access::Known,
    /// This process's name among the replicas serving the database (`api::replicas`): random,
    /// made at start.
    pub(super) replica_id: String,
    /// How many replicas serve the database, as last heard (`api::replicas::beat`): each holds
    /// agents to its part of their read budgets.
    pub(super) replicas_serving: std::sync::atomic::AtomicU32,
}

/// How much earlier than the truth the stored close of an offline window may be: a policy whose
/// window closes less than this after the stored close writes nothing, and uploads allow it on
/// top of the stored close.
pub(super) const WINDOW_SLACK_SECS: i64 = 60;

/// Bound on remembered window closes; cleared when reached (they are only a shortcut).
const WINDOWS_STORED_MAX: usize = 100_000;

/// Shared state of the router.
pub type State = Arc<Server>;

/// How long the checkpoint in signed policies is reused: a push to many agents signs one, not one
/// per agent. A client witnessing the trail sees a head at most this old.
pub const CHECKPOINT_REUSE: std::time::Duration = std::time::Duration::from_secs(1);

/// Bound on remembered token ids; expired ones are dropped when it is reached.
const SEEN_TOKENS_MAX: usize = 100_000;

impl Server {
    /// Loads role definitions (storing the shipped or configured ones on first start) and
    /// prepares token validation.
    pub async fn new(config: Config, store: Arc<dyn Store>) -> Result<State, StartError> {
        let verifier = Verifier::new(&config)?;
        let initial = match &config.roles_file {
            Some(path) => std::fs::read_to_string(path)
                .map_err(|e| StartError::Roles(format!("{}: {e}", path.display())))?,
            None => DEFAULT_ROLES.to_owned(),
        };
        let initial = parse_role_definitions(&initial).map_err(StartError::Roles)?;
        // Before the state is read: an announcement made meanwhile is handled again, never
        // missed.
        let announced = store.last_announcement().await?;
        store.seed_role_definitions(&initial).await?;
        let roles = store
            .role_definitions()
            .await?
            .into_iter()
            .map(|r| (r.definition.role, r))
            .collect();
        let layouts = store
            .layouts()
            .await?
            .into_iter()
            .map(|l| (l.role, l))
            .collect();
        let policy_version = store.policy_version().await?;
        let key = crate::policy_key::load_or_create(&config.policy_key_path())?;
        if key.created {
            tracing::warn!(
                file = %config.policy_key_path().display(),
                public = %key.public_file.display(),
                "made a new policy signing key; clients must pin its public key"
            );
        }
        let audit_key = crate::audit_key(&config)?;
        let public = key.key.public();
        for (kind, fingerprint) in [
            ("audit", audit_key.fingerprint()),
            ("policy", format!("{}:{}", public.kid, public.x)),
        ] {
            if store.pin_key(kind, &fingerprint).await? != fingerprint {
                return Err(StartError::KeyMismatch(kind));
            }
        }
        let (changes, _) = broadcast::channel(256);
        let upload_rate = super::upload_rate::UploadRate::new(
            config.offline_upload_views_per_minute,
            config.offline_upload_burst,
        );
        let scim_rate =
            super::upload_rate::UploadRate::new(config.scim_requests_per_minute, config.scim_burst);
        let streams = super::streams::Streams::new(
            config.max_event_streams_per_agent,
            config.max_event_streams,
        );
        let replica_id = hex::encode(rand::random::<[u8; 16]>());
        let min_client_version = config.min_client_version()?;
        let server = Arc::new(Self {
            config,
            store: store.clone(),
            verifier,
            roles: RoleTable::new(roles),
            seen_tokens: Mutex::new(HashMap::new()),
            policy_key: key.key,
            public_keys_file: key.public_file,
            audit_key,
            layouts: RwLock::new(layouts),
            policy_version: AtomicU64::new(policy_version),
            changes,
            stopping: tokio::sync::watch::Sender::new(false),
            upload_rate,
            budgets: Default::default(),
            policy_checkpoint: Mutex::new(None),
            streams,
            windows_stored: Mutex::new(HashMap::new()),
            scim_rate,
            scim_writes: Mutex::new(()),
            chain_checks: Mutex::new(()),
            min_client_version,
            provisioning: Default::default(),
            replica_id,
            replicas_serving: std::sync::atomic::AtomicU32::new(1),
        });
        tokio::spawn(super::replicas::beat(Arc::downgrade(&server)));
        tokio::spawn(super::replicas::follow(
            Arc::downgrade(&server),
            store,
            announced,
        ));
        Ok(server)
    }

    /// The live audit sink the configuration names (checked when it was loaded).
    pub fn audit_sink(&self) -> Option<crate::audit::sink::Sink> {
        let target = self.config.audit_sink().ok().flatten()?;
        Some(crate::audit::sink::Sink::new(target, &self.config.data_dir))
    }

    /// Archives and deletes the audit entries older than `audit_retention_days`
    /// ([`crate::audit::retention`]); nothing when retention is off or nothing is that old.
    /// Entries the live sink has not delivered stay.
    pub async fn archive_old_audit(
        &self,
    ) -> Result<Option<crate::audit::retention::Archived>, crate::audit::retention::RetentionError>
    {
        let Some(before) = self.config.audit_retention_cutoff() else {
            return Ok(None);
        };
        crate::audit::retention::archive_configured(
            &self.config,
            self.store.as_ref(),
            &self.audit_key,
            &self.policy_key,
            before,
        )
        .await
    }

    /// Signs the audit chain's head now, keeps the checkpoint and logs it (the log line leaves
    /// the database with it: see [`crate::audit::checkpoint`]).
    pub async fn checkpoint(&self) -> Result<CheckpointLine, StoreError> {
        let line = crate::audit::checkpoint::current(self.store.as_ref(), &self.policy_key).await?;
        self.store.record_checkpoint(&line).await?;
        tracing::info!(
            checkpoint = %serde_json::to_string(&line).unwrap_or_default(),
            "audit checkpoint"
        );
        Ok(line)
    }

    /// The checkpoint a policy signed now carries: the one signed less than
    /// [`CHECKPOINT_REUSE`] ago, or a new one of the head (`None` when the head cannot be read).
    async fn policy_checkpoint(&self) -> Option<String> {
        let mut held = self.policy_checkpoint.lock().await;
        if let Some((signed_at, jws)) = held.as_ref()
            && signed_at.elapsed() < CHECKPOINT_REUSE
        {
            return Some(jws.clone());
        }
        match crate::audit::checkpoint::current(self.store.as_ref(), &self.policy_key).await {
            Ok(line) => {
                *held = Some((std::time::Instant::now(), line.signed.clone()));
                Some(line.signed)
            }
            Err(e) => {
                tracing::warn!(error = %e, "a policy goes out without the audit checkpoint");
                None
            }
        }
    }

    /// The audit chain's head now: its position and link.
    pub async fn audit_head(&self) -> Result<Option<(i64, String)>, StoreError> {
        self.store.audit_head().await
    }

    /// Ends every open event stream; called when the server stops.
    pub fn shut_down(&self) {
        self.stopping.send_replace(true);
    }

    /// The configuration it serves with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The JWKS file with the public key clients pin.
    pub fn public_keys_file(&self) -> &Path {
        &self.public_keys_file
    }

    /// The public half of the policy signing key, for clients to pin.
    pub fn policy_public_key(&self) -> desk_core::signed::PublicKey {
        self.policy_key.public()
    }

    /// The version of policies issued now.
    pub fn policy_version(&self) -> u64 {
        self.policy_version.load(Ordering::SeqCst)
    }

    /// Raises the version of policies issued now to at least `version` (a change stored it).
    pub(super) fn raise_policy_version(&self, version: u64) {
        self.policy_version.fetch_max(version, Ordering::SeqCst);
    }

    /// Records that these roles' policies changed, and tells connected clients.
    pub(super) async fn changed(&self, roles: BTreeSet<Role>) -> Result<(), ApiError> {
        let version = self.store.policy_version().await?;
        self.tell(super::replicas::Announcement::Policy { roles, version })
            .await;
        Ok(())
    }

    /// The signed effective policy of `subject` holding `roles`, and its version. A policy that
    /// allows caching opens (or extends) the agent's offline window first, so that views the
    /// agent makes under it can be uploaded; when that cannot be stored, no policy is signed.
    pub(super) async fn signed_policy(
        &self,
        subject: &str,
        roles: &BTreeSet<Role>,
    ) -> Result<(String, u64), StoreError> {
        // Read the version first: a change landing meanwhile makes this policy newer than the
        // version it carries, never older, and its own event follows.
        let version = self.policy_version();
        let policy = self.roles.policy(roles).await;
        let layouts = self.layouts.read().await;
        let definitions = self.roles.read().await;
        let per_role: Vec<Layout> = roles
            .iter()
            .map(|role| match layouts.get(role) {
                Some(stored) => stored.layout.clone(),
                None => definitions
                    .get(role)
                    .map(|d| Layout::default_for(&Policy::of([&d.definition])))
                    .unwrap_or_default(),
            })
            .collect();
        let layout = Layout::merged(&per_role, &policy);
        drop((layouts, definitions));
        let audit_checkpoint = self.policy_checkpoint().await;
        let now = chrono::Utc::now().timestamp();
        let claims = PolicyClaims {
            iss: "desk-server".into(),
            sub: subject.to_owned(),
            aud: self.config.policy_audience.clone(),
            iat: now,
            exp: now + self.config.policy_ttl_secs as i64,
            version,
            policy: Policy::clone(&policy),
            layout,
            audit_checkpoint,
        };
        if !claims.policy.cache.ttl_secs.is_empty() {
            let window = OfflineWindow {
                opens_at: claims.iat,
                closes_at: claims.exp + claims.policy.cache.offline_grace_secs as i64,
            };
            self.store_window(subject, window).await?;
        }
        Ok((self.policy_key.sign(&claims), version))
    }

    /// Stores `window` for `subject`, unless this process stored one closing at most
    /// [`WINDOW_SLACK_SECS`] earlier.
    async fn store_window(&self, subject: &str, window: OfflineWindow) -> Result<(), StoreError> {
        let mut stored = self.windows_stored.lock().await;
        if stored
            .get(subject)
            .is_some_and(|&close| close + WINDOW_SLACK_SECS >= window.closes_at)
        {
            return Ok(());
        }
        // Held across the write, so that two policies for one agent store in order.
        self.store.extend_offline_window(subject, window).await?;
        if stored.len() >= WINDOWS_STORED_MAX {
            stored.clear();
        }
        stored.insert(subject.to_owned(), window.closes_at);
        Ok(())
    }

    /// The product roles the provider's groups map to.
    pub(super) fn roles_for(&self, groups: &[String]) -> BTreeSet<Role> {
        groups
            .iter()
            .filter_map(|g| self.config.role_map.get(g))
            .flatten()
            .copied()
            .collect()
    }

    /// The read budget this replica holds an agent holding `roles` to: its part (one of the
    /// replicas serving) of the most generous of theirs (the default budget for an agent with
    /// none). Each replica counts only the reads it serves, so their parts add up to the budget.
    pub(super) async fn budget_for(&self, roles: &BTreeSet<Role>) -> ReadBudget {
        let definitions = self.roles.read().await;
        ReadBudget::most_generous(
            roles
                .iter()
                .filter_map(|r| definitions.get(r))
                .map(|s| &s.definition.read_budget),
        )
        .part_of(self.replicas_serving())
    }

    /// Records `event`; a failure fails the request.
    pub(super) async fn audit(&self, event: AuditEvent) -> Result<(), ApiError> {
        self.store.append_audit(event).await?;
        Ok(())
    }

    /// Whether this token id is new; remembers it until it expires.
    pub(super) async fn first_use(&self, token_id: &str, expires_at: i64) -> bool {
        let mut seen = self.seen_tokens.lock().await;
        if seen.contains_key(token_id) {
            return false;
        }
        if seen.len() >= SEEN_TOKENS_MAX {
            let now = chrono::Utc::now().timestamp();
            seen.retain(|_, exp| *exp > now);
        }
        seen.insert(token_id.to_owned(), expires_at);
        true
    }

    /// Forgets that a token was seen (its sign-in could not be recorded).
    pub(super) async fn forget_use(&self, token_id: &str) {
        self.seen_tokens.lock().await.remove(token_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use desk_core::Field;
    use desk_core::{Action, RecordKind};

    #[test]
    fn shipped_role_definitions_are_valid_and_cover_every_role() {
        let definitions = parse_role_definitions(DEFAULT_ROLES).unwrap();
        let roles: BTreeSet<Role> = definitions.iter().map(|d| d.role).collect();
        assert_eq!(roles, Role::ALL.iter().copied().collect());
        let of = |role: Role| Policy::of(definitions.iter().filter(|d| d.role == role));
        // The promises the defaults make, in brief.
        assert!(!of(Role::AgentL1).shows(Field::MessageInternalNotes));
        assert!(of(Role::Supervisor).may(Action::AuditRead));
        assert!(!of(Role::Admin).can_read(RecordKind::Transaction));
        for &role in Role::ALL {
            assert!(
                !of(role).shows(Field::CardNumber)
                    || of(role).redaction(Field::CardNumber) == desk_core::Redaction::Last4
            );
        } // Every role names its read budget, and first line reads less than supervisors.
        let json: serde_json::Value = serde_json::from_str(DEFAULT_ROLES).unwrap();
        for role in json.as_array().unwrap() {
            assert!(role["read_budget"].is_object(), "{}", role["role"]);
        }
        let budget = |role: Role| {
            definitions
                .iter()
                .find(|d| d.role == role)
                .unwrap()
                .read_budget
        };
        let (l1, supervisor) = (budget(Role::AgentL1), budget(Role::Supervisor));
        assert!(l1.reads_per_minute < supervisor.reads_per_minute);
        assert!(l1.bulk_customers_per_hour < supervisor.bulk_customers_per_hour);
    }

    #[test]
    fn duplicate_or_invalid_definitions_are_refused() {
        let one = r#"{"role": "agent_l1"}"#;
        assert!(parse_role_definitions(&format!("[{one}, {one}]")).is_err());
        let bad = r#"[{"role": "agent_l1", "fields": {"card.number": "full"}}]"#;
        assert!(
            parse_role_definitions(bad)
                .unwrap_err()
                .contains("card.number")
        );
        assert!(parse_role_definitions(r#"[{"role": "root"}]"#).is_err());
    }
}
