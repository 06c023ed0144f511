//! Who is asking: the [`Agent`] extractor checks the bearer token, records a token's first use as
//! a sign-in, and computes the agent's policy; its `require_*` methods refuse (and audit the
//! refusal) what the policy does not allow, and `require_kind`, which every audited read passes,
//! also spends the agent's read budget; [`Agent::reveal`] holds the customers a read shows to it.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use desk_core::{Action, AuditAction, Policy, RecordKind, Role};

use super::budget::{Admit, Alert, Reveal, WINDOW};
use super::{ApiError, Server, State};
use crate::audit::{AuditEvent, Outcome};

/// Whole seconds to wait, at least one.
fn whole_secs(wait: Duration) -> u64 {
    (wait.as_secs_f64().ceil() as u64).max(1)
}

/// The signed-in agent behind a request: who, and what their roles allow.
pub struct Agent {
    /// The subject at the provider.
    pub subject: String,
    /// The product roles the agent's groups map to.
    pub roles: BTreeSet<Role>,
    /// The agent's effective policy (empty when no group maps to a role), shared by every agent
    /// holding the same roles.
    pub policy: Arc<Policy>,
    /// When the agent's access token expires (seconds since the epoch).
    pub expires_at: i64,
    /// When the token was issued, when it says.
    pub issued_at: Option<i64>,
    /// The (lowercased) SCIM user name the token links the agent to, when it has the claim.
    pub user_key: Option<String>,
}

impl Agent {
    /// Refuses (and audits the refusal) unless the agent may read `kind`, after taking the read
    /// from the agent's read budget (a read beyond it is 429 `too_many_reads`, before anything is
    /// read or refused for the policy).
    pub(super) async fn require_kind(
        &self,
        server: &Server,
        kind: RecordKind,
        action: AuditAction,
        resource: &str,
    ) -> Result<(), ApiError> {
        self.spend_read(server, action, resource).await?;
        if self.policy.can_read(kind) {
            return Ok(());
        }
        self.denied(server, action, resource).await
    }

    /// Takes one read from the agent's budget, or refuses with 429; records the first refusal
    /// of each minute, and the refusals not recorded since at the next read admitted after it.
    async fn spend_read(
        &self,
        server: &Server,
        action: AuditAction,
        resource: &str,
    ) -> Result<(), ApiError> {
        let budget = server.budget_for(&self.roles).await;
        match server.budgets.admit(&self.subject, &budget, Instant::now()) {
            Admit::Yes { left_over: None } => Ok(()),
            Admit::Yes {
                left_over: Some(refused),
            } => {
                let detail = serde_json::json!({ "limit": "reads", "refused_since": refused });
                self.record_refusals(server, "reads", detail, false, refused)
                    .await
            }
            Admit::No {
                retry_after,
                record,
            } => {
                let retry_after_secs = whole_secs(retry_after);
                if let Some(refused) = record {
                    let detail = serde_json::json!({
                        "limit": "reads",
                        "read": action,
                        "retry_after_secs": retry_after_secs,
                        "reads_per_minute": budget.reads_per_minute,
                        "burst": budget.burst,
                        "refused_since": refused,
                    });
                    self.record_refusals(server, resource, detail, false, refused + 1)
                        .await?;
                }
                Err(ApiError::TooManyReads { retry_after_secs })
            }
        }
    }

    /// Lets a read show `customers` to the agent, or refuses it with 429 `too_many_customers`
    /// when that takes the agent beyond its budget's customers of an hour and the budget
    /// blocks. Going beyond raises a `read.bulk` alert (at most once an hour); refusals are
    /// recorded as `spend_read` records them. Called after the lookup, before the answer.
    pub(super) async fn reveal(
        &self,
        server: &Server,
        action: AuditAction,
        resource: &str,
        customers: &[i64],
    ) -> Result<(), ApiError> {
        let budget = server.budget_for(&self.roles).await;
        let verdict = server
            .budgets
            .reveal(&self.subject, &budget, customers, Instant::now());
        let (alert, left_over, refused) = match verdict {
            Reveal::Yes { alert, left_over } => (alert, left_over, None),
            Reveal::No {
                retry_after,
                alert,
                record,
            } => (alert, None, Some((whole_secs(retry_after), record))),
        };
        if let Some(Alert { distinct }) = alert {
            let event = AuditEvent::new(
                &self.subject,
                AuditAction::ReadBulk,
                "customers",
                Outcome::Ok,
            )
            .with_detail(serde_json::json!({
                "distinct_customers": distinct,
                "bulk_customers_per_hour": budget.bulk_customers_per_hour,
                "window_secs": WINDOW.as_secs(),
                "blocking": budget.block_bulk,
                "read": action,
            }));
            if let Err(e) = server.audit(event).await {
                server.budgets.alert_unrecorded(&self.subject);
                return Err(e);
            }
        }
        if let Some(refused) = left_over {
            let detail = serde_json::json!({ "limit": "customers", "refused_since": refused });
            self.record_refusals(server, "reads", detail, true, refused)
                .await?;
        }
        let Some((retry_after_secs, record)) = refused else {
            return Ok(());
        };
        if let Some(refused) = record {
            let detail = serde_json::json!({
                "limit": "customers",
                "read": action,
                "retry_after_secs": retry_after_secs,
                "bulk_customers_per_hour": budget.bulk_customers_per_hour,
                "refused_since": refused,
            });
            self.record_refusals(server, resource, detail, true, refused + 1)
                .await?;
        }
        Err(ApiError::TooManyCustomers { retry_after_secs })
    }

    /// Appends a `read.limit` entry for `resource` with `detail`; when it cannot be written, the
    /// `count` refusals it would have recorded go back to the budget's count (of customers when
    /// `customers`), to be recorded with the next.
    async fn record_refusals(
        &self,
        server: &Server,
        resource: &str,
        detail: serde_json::Value,
        customers: bool,
        count: u64,
    ) -> Result<(), ApiError> {
        let event = AuditEvent::new(
            &self.subject,
            AuditAction::ReadLimit,
            resource,
            Outcome::Denied,
        )
        .with_detail(detail);
        server.audit(event).await.inspect_err(|_| {
            server.budgets.unrecorded(&self.subject, customers, count);
        })
    }

    /// Refuses (and audits the refusal) unless the agent holds `needed`.
    pub(super) async fn require_action(
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

    pub(super) async fn denied(
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
    pub(super) async fn not_found(
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

/// Refuses a client older than the server's `min_client_version`, or one that does not say
/// its version, while a minimum is set: before the token is looked at, so a retired client
/// learns nothing else.
fn check_client_version(server: &Server, parts: &Parts) -> Result<(), ApiError> {
    let Some(min_version) = server.min_client_version else {
        return Ok(());
    };
    let said = parts
        .headers
        .get(desk_api::CLIENT_VERSION_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<desk_api::ClientVersion>().ok());
    match said {
        Some(version) if version >= min_version => Ok(()),
        _ => Err(ApiError::UpdateRequired { min_version }),
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

/// Records a token's first use: the SCIM user it links to, the agent's sign-in (for the
/// administrator's list of agents) and its `sign_in` entry.
async fn signed_in(
    server: &Server,
    claims: &crate::token::Claims,
    roles: &BTreeSet<Role>,
) -> Result<(), ApiError> {
    if let Some(key) = &claims.user_key {
        server.store.link_scim_subject(key, &claims.subject).await?;
    }
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let listed = serde_json::to_string(roles).map_err(|e| ApiError::Internal(e.to_string()))?;
    server
        .store
        .record_sign_in(&claims.subject, &listed, &now)
        .await?;
    let event = AuditEvent::new(&claims.subject, AuditAction::SignIn, "session", Outcome::Ok)
        .with_detail(serde_json::json!({
            "roles": roles,
            "groups": claims.groups,
        }));
    server.audit(event).await
}

impl FromRequestParts<State> for Agent {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        server: &State,
    ) -> Result<Self, Self::Rejection> {
        check_client_version(server, parts)?;
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
        let roles = server.roles_of(&claims).await?;
        let policy = server.roles.policy(&roles).await;
        if server.first_use(&claims.token_id, claims.expires_at).await
            && let Err(e) = signed_in(server, &claims, &roles).await
        {
            server.forget_use(&claims.token_id).await;
            return Err(e);
        }
        Ok(Agent {
            subject: claims.subject,
            roles,
            policy,
            expires_at: claims.expires_at,
            issued_at: claims.issued_at,
            user_key: claims.user_key,
        })
    }
}
