//! API v1: every handler authorizes on its own and builds its answer through the agent's policy.
//!
//! The [`Agent`] extractor validates the bearer token and computes the agent's policy before a
//! handler runs; a handler then checks what it needs (`require_kind`, `require_action`), reads
//! rows, turns each into the role's view with `views`, appends the audit entry, and only then
//! answers. An audit write that fails fails the request.

mod admin;
mod customers;
pub mod error;
mod events;
mod offline;
pub mod request_log;
mod tickets;
mod views;
mod wipes;

use desk_core::AuditAction;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::{DefaultBodyLimit, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;
use axum::response::IntoResponse;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use desk_core::signed::{Layout, PolicyClaims, PolicyKey};
use desk_core::{Action, Policy, RecordKind, Role, RoleDefinition};
use serde::Serialize;
use tokio::sync::{Mutex, RwLock, broadcast};

use crate::audit::key::AuditKey;
use crate::audit::{AuditEvent, Outcome};
use crate::config::Config;
use crate::store::{Store, StoreError, StoredLayout, StoredRole};
use crate::token::Verifier;
pub use customers::{SearchBy, parse_query};
pub use error::ApiError;

/// The role definitions shipped with the server.
pub const DEFAULT_ROLES: &str = include_str!("../../defaults/roles.json");

/// The OpenAPI description of this API, served at `/v1/openapi.json`.
pub const OPENAPI: &str = include_str!("../../openapi.json");

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
    config: Config,
    store: Arc<dyn Store>,
    verifier: Verifier,
    roles: RwLock<BTreeMap<Role, StoredRole>>,
    /// Token ids seen, with their expiry: the first request of a token is a sign-in.
    seen_tokens: Mutex<HashMap<String, i64>>,
    policy_key: PolicyKey,
    public_keys_file: PathBuf,
    /// Keys the hashes of search text in the audit trail (`audit::searched`).
    audit_key: AuditKey,
    layouts: RwLock<BTreeMap<Role, StoredLayout>>,
    policy_version: AtomicU64,
    changes: broadcast::Sender<Change>,
    /// Becomes `true` when the server stops: event streams end at once.
    stopping: tokio::sync::watch::Sender<bool>,
}

/// Shared state of the router.
pub type State = Arc<Server>;

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
        let (audit_key, created) = AuditKey::load_or_create(&config.audit_key_path())?;
        if created {
            tracing::warn!(
                file = %config.audit_key_path().display(),
                "made a new audit search key; back it up, apart from the database: without it, \
                 `audit find` cannot name the searches for a value"
            );
        }
        let (changes, _) = broadcast::channel(256);
        Ok(Arc::new(Self {
            config,
            store,
            verifier,
            roles: RwLock::new(roles),
            seen_tokens: Mutex::new(HashMap::new()),
            policy_key: key.key,
            public_keys_file: key.public_file,
            audit_key,
            layouts: RwLock::new(layouts),
            policy_version: AtomicU64::new(policy_version),
            changes,
            stopping: tokio::sync::watch::Sender::new(false),
        }))
    }

    /// Ends every open event stream; called when the server stops.
    pub fn shut_down(&self) {
        self.stopping.send_replace(true);
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

    /// Records that these roles' policies changed, and tells connected clients.
    async fn changed(&self, roles: BTreeSet<Role>) -> Result<(), ApiError> {
        let version = self.store.policy_version().await?;
        self.policy_version.fetch_max(version, Ordering::SeqCst);
        // Nobody listening is fine.
        let _ = self.changes.send(Change::Policy { roles, version });
        Ok(())
    }

    /// The signed effective policy of `subject` holding `roles`, and its version.
    async fn signed_policy(&self, subject: &str, roles: &BTreeSet<Role>) -> (String, u64) {
        // Read the version first: a change landing meanwhile makes this policy newer than the
        // version it carries, never older, and its own event follows.
        let version = self.policy_version();
        let policy = self.policy_for(roles).await;
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
        let now = chrono::Utc::now().timestamp();
        let claims = PolicyClaims {
            iss: "desk-server".into(),
            sub: subject.to_owned(),
            aud: self.config.policy_audience.clone(),
            iat: now,
            exp: now + self.config.policy_ttl_secs as i64,
            version,
            policy,
            layout,
        };
        (self.policy_key.sign(&claims), version)
    }

    /// The product roles the provider's groups map to.
    fn roles_for(&self, groups: &[String]) -> BTreeSet<Role> {
        groups
            .iter()
            .filter_map(|g| self.config.role_map.get(g))
            .flatten()
            .copied()
            .collect()
    }

    async fn policy_for(&self, roles: &BTreeSet<Role>) -> Policy {
        let definitions = self.roles.read().await;
        Policy::of(
            roles
                .iter()
                .filter_map(|r| definitions.get(r))
                .map(|s| &s.definition),
        )
    }

    /// Records `event`; a failure fails the request.
    async fn audit(&self, event: AuditEvent) -> Result<(), ApiError> {
        self.store.append_audit(event).await?;
        Ok(())
    }

    /// Whether this token id is new; remembers it until it expires.
    async fn first_use(&self, token_id: &str, expires_at: i64) -> bool {
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
    async fn forget_use(&self, token_id: &str) {
        self.seen_tokens.lock().await.remove(token_id);
    }
}

/// The signed-in agent behind a request: who, and what their roles allow.
pub struct Agent {
    /// The subject at the provider.
    pub subject: String,
    /// The product roles the agent's groups map to.
    pub roles: BTreeSet<Role>,
    /// The agent's effective policy (empty when no group maps to a role).
    pub policy: Policy,
    /// When the agent's access token expires (seconds since the epoch).
    pub expires_at: i64,
}

impl Agent {
    /// Refuses (and audits the refusal) unless the agent may read `kind`.
    async fn require_kind(
        &self,
        server: &Server,
        kind: RecordKind,
        action: AuditAction,
        resource: &str,
    ) -> Result<(), ApiError> {
        if self.policy.can_read(kind) {
            return Ok(());
        }
        self.denied(server, action, resource).await
    }

    /// Refuses (and audits the refusal) unless the agent holds `needed`.
    async fn require_action(
        &self,
        server: &Server,
        needed: Action,
        action: AuditAction,
        resource: &str,
    ) -> Result<(), ApiError> {
        if self.policy.may(needed) {
            return Ok(());
        }
        self.denied(server, action, resource).await
    }

    async fn denied(
        &self,
        server: &Server,
        action: AuditAction,
        resource: &str,
    ) -> Result<(), ApiError> {
        server
            .audit(AuditEvent::new(
                &self.subject,
                action,
                resource,
                Outcome::Denied,
            ))
            .await?;
        Err(ApiError::Forbidden)
    }

    /// Audits a read of something that does not exist, and answers 404.
    async fn not_found(
        &self,
        server: &Server,
        action: AuditAction,
        resource: &str,
        what: &'static str,
    ) -> ApiError {
        let event = AuditEvent::new(&self.subject, action, resource, Outcome::NotFound);
        match server.audit(event).await {
            Ok(()) => ApiError::NotFound(what),
            Err(e) => e,
        }
    }
}

fn bearer(parts: &Parts) -> Result<&str, ApiError> {
    let value = parts
        .headers
        .get(header::AUTHORIZATION)
        .ok_or(ApiError::Unauthorized { invalid: false })?;
    let value = value
        .to_str()
        .map_err(|_| ApiError::Unauthorized { invalid: true })?;
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() => {
            Ok(token.trim())
        }
        _ => Err(ApiError::Unauthorized { invalid: true }),
    }
}

impl FromRequestParts<State> for Agent {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        server: &State,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer(parts)?;
        let claims = server.verifier.verify(token).await.map_err(|e| {
            if e.is_unavailable() {
                tracing::warn!(error = %e, "token could not be checked");
                ApiError::ProviderUnavailable
            } else {
                tracing::info!(error = %e, "token refused");
                ApiError::Unauthorized { invalid: true }
            }
        })?;
        let roles = server.roles_for(&claims.groups);
        let policy = server.policy_for(&roles).await;
        if server.first_use(&claims.token_id, claims.expires_at).await {
            let event =
                AuditEvent::new(&claims.subject, AuditAction::SignIn, "session", Outcome::Ok)
                    .with_detail(serde_json::json!({
                        "roles": roles,
                        "groups": claims.groups,
                    }));
            if let Err(e) = server.audit(event).await {
                server.forget_use(&claims.token_id).await;
                return Err(e);
            }
        }
        Ok(Agent {
            subject: claims.subject,
            roles,
            policy,
            expires_at: claims.expires_at,
        })
    }
}

/// A page of items and where the next one starts.
#[derive(Debug, Serialize)]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Encodes the id a page ends with as an opaque cursor.
fn encode_cursor(id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("v1:{id}"))
}

/// Decodes a cursor made by [`encode_cursor`].
fn decode_cursor(cursor: Option<&str>) -> Result<Option<i64>, ApiError> {
    let Some(cursor) = cursor else {
        return Ok(None);
    };
    let bad = || ApiError::bad("invalid_cursor", "The cursor is not one this server made.");
    if cursor.len() > 64 {
        return Err(bad());
    }
    let text = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let text = String::from_utf8(text).map_err(|_| bad())?;
    text.strip_prefix("v1:")
        .and_then(|id| id.parse::<i64>().ok())
        .map(Some)
        .ok_or_else(bad)
}

/// A page of `limit` from `rows` fetched with `limit + 1`: the extra row says there is more.
fn page_of<R, T>(
    mut rows: Vec<R>,
    limit: u32,
    id: impl Fn(&R) -> i64,
    view: impl Fn(&R) -> T,
) -> Page<T> {
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    Page {
        next_cursor: more
            .then(|| rows.last().map(|r| encode_cursor(id(r))))
            .flatten(),
        items: rows.iter().map(view).collect(),
    }
}

/// Checks a page size: 1 to `max`, `default` when absent.
fn limit(value: Option<u32>, default: u32, max: u32) -> Result<u32, ApiError> {
    match value {
        None => Ok(default),
        Some(n) if (1..=max).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::bad(
            "invalid_limit",
            format!("limit must be between 1 and {max}."),
        )),
    }
}

/// The body of `GET /v1/health`.
#[derive(Debug, Serialize)]
pub struct Health {
    /// Always `ok` when the server answers at all.
    pub status: &'static str,
    /// The server's version.
    pub version: &'static str,
}

async fn health() -> Json<Health> {
    Json(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
    })
}

async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
}

/// Every route the server answers.
pub fn router(server: State) -> Router {
    let max_body = server.config.max_body_bytes;
    let ordinary = Router::new()
        .route("/v1/health", get(health))
        .route("/v1/openapi.json", get(openapi))
        .route("/v1/me/policy", get(admin::my_policy))
        .route("/v1/customers", get(customers::search))
        .route("/v1/customers/{id}", get(customers::customer))
        .route(
            "/v1/customers/{id}/transactions",
            get(customers::transactions),
        )
        .route("/v1/customers/{id}/tickets", get(tickets::of_customer))
        .route("/v1/tickets/{id}", get(tickets::ticket))
        .route("/v1/tickets/{id}/messages", post(tickets::reply))
        .route("/v1/audit", get(admin::audit))
        .route("/v1/admin/roles", get(admin::roles))
        .route("/v1/admin/roles/{role}", put(admin::put_role))
        .route("/v1/admin/layouts", get(admin::layouts))
        .route("/v1/admin/layouts/{role}", put(admin::put_layout))
        .route("/v1/events", get(events::events))
        .route("/v1/me/wipes", get(wipes::mine))
        .route("/v1/admin/wipe/{subject}", post(wipes::order));
    // A full upload (500 views) is larger than an ordinary body.
    let upload = Router::new().route("/v1/audit/offline", post(offline::upload));
    let routes = with_body_limit(ordinary, max_body)
        .merge(with_body_limit(
            upload,
            max_body.max(offline::MAX_UPLOAD_BYTES),
        ))
        .fallback(|| async { axum::http::StatusCode::NOT_FOUND })
        .with_state(server);
    request_log::observed(routes)
}

/// `router`'s routes taking bodies of at most `max` bytes: a larger declared length is refused
/// before any of the body is read (the client gets the 413 while it waits; an `Expect:
/// 100-continue` client never sends the body), and a body without one is cut off as it arrives.
fn with_body_limit(router: Router<State>, max: usize) -> Router<State> {
    router
        .layer(DefaultBodyLimit::max(max))
        .layer(axum::middleware::from_fn(
            move |request: axum::extract::Request, next: axum::middleware::Next| async move {
                let declared = request
                    .headers()
                    .get(header::CONTENT_LENGTH)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse::<u64>().ok());
                match declared {
                    Some(length) if length > max as u64 => ApiError::TooLarge.into_response(),
                    _ => next.run(request).await,
                }
            },
        ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use desk_core::Field;

    #[test]
    fn shipped_role_definitions_are_valid_and_cover_every_role() {
        let definitions = parse_role_definitions(DEFAULT_ROLES).unwrap();
        let roles: BTreeSet<Role> = definitions.iter().map(|d| d.role).collect();
        assert_eq!(roles, Role::ALL.into_iter().collect());
        let of = |role: Role| Policy::of(definitions.iter().filter(|d| d.role == role));
        // The promises the defaults make, in brief.
        assert!(!of(Role::AgentL1).shows(Field::MessageInternalNotes));
        assert!(of(Role::Supervisor).may(Action::AuditRead));
        assert!(!of(Role::Admin).can_read(RecordKind::Transaction));
        for role in Role::ALL {
            assert!(
                !of(role).shows(Field::CardNumber)
                    || of(role).redaction(Field::CardNumber) == desk_core::Redaction::Last4
            );
        }
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

    #[test]
    fn cursors_round_trip_and_forgeries_are_refused() {
        assert_eq!(decode_cursor(Some(&encode_cursor(42))).unwrap(), Some(42));
        assert_eq!(decode_cursor(None).unwrap(), None);
        for forged in ["42", "djE6", "v1:42", "' OR 1=1 --", &"A".repeat(100)] {
            assert!(decode_cursor(Some(forged)).is_err(), "{forged}");
        }
    }
}
