//! Who is asking: the [`Agent`] extractor checks the bearer token, records a token's first use as
//! a sign-in, and computes the agent's policy; its `require_*` methods refuse (and audit the
//! refusal) what the policy does not allow.

use std::collections::BTreeSet;

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use desk_core::{Action, AuditAction, Policy, RecordKind, Role};

use super::{ApiError, Server, State};
use crate::audit::{AuditEvent, Outcome};

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
    pub(super) async fn require_kind(
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
