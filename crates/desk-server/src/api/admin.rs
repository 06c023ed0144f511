//! The agent's own policy, the audit trail, and role definitions.

use axum::Json;
use axum::extract::State as StateOf;
use axum::extract::rejection::PathRejection;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use desk_api::{ApiCode, MyPolicy, Page, RoleChange, StoredLayout};
use desk_core::AuditAction;
use desk_core::signed::Layout;
use desk_core::{Action, Policy, Role, RoleDefinition, changes};
use serde::Deserialize;

use super::error::{ApiJson, ApiQuery, Id};
use super::{Agent, ApiError, State, decode_cursor, limit, page_of};
use crate::audit::{AuditEntry, AuditEvent, Outcome};
use crate::store::{AuditFilter, NewRoleChange, StoredRole};

/// The caller's signed effective policy and layout
///
/// Open to every signed-in agent, with roles or without (an agent whose groups map to no role gets
/// the empty policy). The answer is the caller's effective policy and page layout, signed by the
/// server: a compact JWS whose payload is base64url JSON of `PolicyClaims` (see `MyPolicy`). The
/// client verifies it with keys pinned in its own configuration before laying out its pages and
/// widgets from it. Audited as `policy.view`, with the policy's version.
#[utoipa::path(
    get,
    path = "/v1/me/policy",
    tag = "me",
    operation_id = "getMyPolicy",
    responses(
        (status = 200, description = "The caller's signed policy.", body = MyPolicy,
            examples(
                ("signed" = (summary = "An agent_l1 policy (illustrative: the signature verifies with no real key)", value = json!({"signed": "eyJhbGciOiJFZERTQSIsImtpZCI6InBvbGljeS0zZjlhMWMyYjdkNGUiLCJ0eXAiOiJkZXNrLXBvbGljeStqd3QifQ.eyJpc3MiOiJkZXNrLXNlcnZlciIsInN1YiI6ImFnZW50MSIsImF1ZCI6InN1cHBvcnQtZGVzayIsImlhdCI6MTc5NTk0NjQ2MCwiZXhwIjoxNzk1OTUwMDYwLCJ2ZXJzaW9uIjoxNzk1OTQ2NDAwMTIzLCJwb2xpY3kiOnsicm9sZXMiOlsiYWdlbnRfbDEiXSwicGFnZXMiOlsic2VhcmNoIiwiY3VzdG9tZXIiLCJ0aWNrZXQiXSwid2lkZ2V0cyI6WyJzZWFyY2guYm94Iiwic2VhcmNoLnJlc3VsdHMiLCJjdXN0b21lci5zdW1tYXJ5IiwiY3VzdG9tZXIuY29udGFjdCIsInRpY2tldC5tZXNzYWdlcyIsInRpY2tldC5yZXBseSJdLCJmaWVsZHMiOnsiY3VzdG9tZXIubmFtZSI6ImZ1bGwiLCJjdXN0b21lci5lbWFpbCI6Im1hc2tfZW1haWwiLCJjdXN0b21lci5waG9uZSI6Im1hc2tfcGhvbmUiLCJjdXN0b21lci5zdGF0dXMiOiJmdWxsIiwibWVzc2FnZS5hdXRob3IiOiJmdWxsIiwibWVzc2FnZS50aW1lIjoiZnVsbCIsIm1lc3NhZ2UuYm9keSI6ImZ1bGwifSwiYWN0aW9ucyI6WyJ0aWNrZXQucmVwbHkiXSwiY2FjaGUiOnsidHRsX3NlY3MiOnsiY3VzdG9tZXIiOjI4ODAwLCJtZXNzYWdlIjoyODgwMH0sIm9mZmxpbmVfZ3JhY2Vfc2VjcyI6MTQ0MDB9fSwibGF5b3V0Ijp7InBhZ2VzIjp7InNlYXJjaCI6WyJzZWFyY2guYm94Iiwic2VhcmNoLnJlc3VsdHMiXSwiY3VzdG9tZXIiOlsiY3VzdG9tZXIuc3VtbWFyeSIsImN1c3RvbWVyLmNvbnRhY3QiXSwidGlja2V0IjpbInRpY2tldC5tZXNzYWdlcyIsInRpY2tldC5yZXBseSJdfX19.DF0lBaSDZh3_uEUSMGX91h7fFB4-JVmP9YgSlxXeaR3anbCj4zpfnnHNpU7d6wVKhivp898VDQpQCTLqJBZEuA"}))),
            )),
    )
)]
pub(super) async fn my_policy(
    StateOf(server): StateOf<State>,
    agent: Agent,
) -> Result<Json<MyPolicy>, ApiError> {
    let (signed, version) = server.signed_policy(&agent.subject, &agent.roles).await?;
    server
        .audit(
            AuditEvent::new(&agent.subject, AuditAction::PolicyView, "me", Outcome::Ok)
                .with_detail(serde_json::json!({ "version": version })),
        )
        .await?;
    Ok(Json(MyPolicy { signed }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(super) struct AuditParams {
    /// Page size, 1 to 1000 (default 100). 0 or a number above 1000 is `invalid_limit`; a value
    /// that is not an unsigned whole number is `invalid_parameters`.
    #[param(minimum = 1, maximum = 1000, default = 100)]
    limit: Option<u32>,
    /// Where the page starts: the `next_cursor` of the previous page (`Cursor`).
    cursor: Option<String>,
    /// Only the entries of this actor: an agent's subject at the identity provider, or
    /// `desk-server`. Empty, longer than 255 characters or holding control characters is
    /// `invalid_parameters`.
    #[param(max_length = 255, example = "agent1")]
    actor: Option<String>,
    /// Only the entries of this action (one of `AuditAction`); another name is
    /// `invalid_parameters`.
    #[param(value_type = Option<AuditAction>, example = "customer.view")]
    action: Option<String>,
    /// Only the entries recorded at or after this time: an ISO date (its midnight UTC) or an
    /// RFC 3339 time; anything else is `invalid_date`.
    #[param(value_type = Option<String>, format = DateTime, example = "2026-11-29T10:00:00Z")]
    since: Option<String>,
    /// Only the entries recorded before this time, written as `since` is; not after `since`
    /// is `invalid_parameters`.
    #[param(value_type = Option<String>, format = DateTime, example = "2026-11-30T00:00:00Z")]
    until: Option<String>,
    /// Only the entries that ended so: `ok`, `denied` or `not_found`; another value is
    /// `invalid_parameters`.
    #[param(value_type = Option<Outcome>, example = "denied")]
    outcome: Option<String>,
    /// Only the entries about this resource, exactly (`customer:42`, `role:agent_l1`,
    /// `layout:agent_l1`, …). Empty, longer than 255 characters or holding control characters is
    /// `invalid_parameters`.
    #[param(max_length = 255, example = "customer:42")]
    resource: Option<String>,
}

/// `value`, the query parameter `name`, when it is 1 to 255 characters without a control
/// character; else `invalid_parameters` saying so.
fn bounded_text(name: &str, what: &str, value: Option<&str>) -> Result<Option<String>, ApiError> {
    match value {
        Some(v) if v.is_empty() || v.chars().count() > 255 || v.chars().any(char::is_control) => {
            Err(ApiError::bad(
                ApiCode::InvalidParameters,
                format!(
                    "`{name}` must be {what} of 1 to 255 characters, without control characters."
                ),
            ))
        }
        v => Ok(v.map(str::to_owned)),
    }
}

impl AuditParams {
    /// The filter the parameters ask for, checked.
    fn filter(&self) -> Result<AuditFilter, ApiError> {
        let actor = bounded_text("actor", "a subject", self.actor.as_deref())?;
        let resource = bounded_text("resource", "a resource", self.resource.as_deref())?;
        let outcome = match self.outcome.as_deref() {
            None => None,
            Some(name) => Some(name.parse::<Outcome>().map_err(|_| {
                ApiError::bad(
                    ApiCode::InvalidParameters,
                    "`outcome` must be `ok`, `denied` or `not_found`.",
                )
            })?),
        };
        let action = match self.action.as_deref() {
            Some(action) => Some(action.parse::<AuditAction>().map_err(|_| {
                ApiError::bad(
                    ApiCode::InvalidParameters,
                    "`action` must be an audit action (`customer.view`, `sign_in`, …: see AuditAction).",
                )
            })?),
            None => None,
        };
        let since = self
            .since
            .as_deref()
            .map(|v| audit_time("since", v))
            .transpose()?;
        let until = self
            .until
            .as_deref()
            .map(|v| audit_time("until", v))
            .transpose()?;
        if let (Some(since), Some(until)) = (&since, &until)
            && since >= until
        {
            return Err(ApiError::bad(
                ApiCode::InvalidParameters,
                "`until` must be after `since`.",
            ));
        }
        Ok(AuditFilter {
            actor,
            action,
            since,
            until,
            outcome,
            resource,
        })
    }
}

/// An ISO date (its midnight UTC) or an RFC 3339 time, as the trail's times are stored and
/// compare: `YYYY-MM-DDTHH:MM:SS.mmmZ`, in the years 0000 to 9999 (`STORED_YEARS`).
pub(super) fn audit_time(name: &str, value: &str) -> Result<String, ApiError> {
    let bad = || {
        ApiError::bad(
            ApiCode::InvalidDate,
            format!("`{name}` must be a date (2026-11-29) or an RFC 3339 time."),
        )
    };
    if value.len() > 40 {
        return Err(bad());
    }
    if let Ok(date) = chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        if !super::customers::STORED_YEARS.contains(&chrono::Datelike::year(&date)) {
            return Err(bad());
        }
        return Ok(format!("{date}T00:00:00.000Z"));
    }
    let time = chrono::DateTime::parse_from_rfc3339(value)
        .map_err(|_| bad())?
        .with_timezone(&chrono::Utc);
    if !super::customers::STORED_YEARS.contains(&chrono::Datelike::year(&time)) {
        return Err(bad());
    }
    Ok(time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
}

/// The audit trail
///
/// Needs the `audit.read` action. Entries as recorded, newest first, optionally only those of an
/// actor, of an action, or recorded in a time range (the filters combine). A role without
/// `audit.read` is refused before any filter is read or any entry looked up. Reading the trail is
/// itself audited (`audit.read`, with the filters given in its detail).
#[utoipa::path(
    get,
    path = "/v1/audit",
    tag = "admin",
    operation_id = "listAudit",
    params(AuditParams),
    responses(
        (status = 200, description = "A page of audit entries.", body = Page<AuditEntry>),
        (status = 400, description = "`invalid_parameters` (an unknown parameter, a malformed value, an unknown action, an unusable actor, `until` not after `since`), `invalid_date`, `invalid_limit` or `invalid_cursor`."),
        (status = 403, description = "The role lacks the `audit.read` action."),
    )
)]
pub(super) async fn audit(
    StateOf(server): StateOf<State>,
    agent: Agent,
    ApiQuery(params): ApiQuery<AuditParams>,
) -> Result<Json<Page<AuditEntry>>, ApiError> {
    agent
        .require_action(&server, Action::AuditRead, AuditAction::AuditRead, "audit")
        .await?;
    let limit = limit(params.limit, 100, 1000)?;
    let before = decode_cursor(params.cursor.as_deref())?;
    let filter = params.filter()?;
    let entries = server.store.audit_page(before, &filter, limit + 1).await?;
    let page = page_of(entries, limit, |e| e.seq, Clone::clone);
    server
        .audit(
            AuditEvent::new(&agent.subject, AuditAction::AuditRead, "audit", Outcome::Ok)
                .with_detail(filter.detail()),
        )
        .await?;
    Ok(Json(page))
}

/// Every role's definition
///
/// Needs the `role.edit` action. Every role's stored definition, in the order `agent_l1`,
/// `agent_l2`, `supervisor`, `admin`. Audited as `role.list`.
#[utoipa::path(
    get,
    path = "/v1/admin/roles",
    tag = "admin",
    operation_id = "listRoles",
    responses(
        (status = 200, description = "The stored role definitions.", body = Vec<StoredRole>),
        (status = 403, description = "The role lacks the `role.edit` action."),
    )
)]
pub(super) async fn roles(
    StateOf(server): StateOf<State>,
    agent: Agent,
) -> Result<Json<Vec<StoredRole>>, ApiError> {
    agent
        .require_action(&server, Action::RoleEdit, AuditAction::RoleList, "roles")
        .await?;
    let views = server.roles.read().await.values().cloned().collect();
    server
        .audit(AuditEvent::new(
            &agent.subject,
            AuditAction::RoleList,
            "roles",
            Outcome::Ok,
        ))
        .await?;
    Ok(Json(views))
}

/// Replace a role's definition
///
/// Needs the `role.edit` action. Validates the definition, stores it with the next version, and
/// applies it to every request from then on. The policy version grows, and agents holding the role
/// are pushed their new signed policy on `GET /v1/events`. The `role.update` audit entry (with the
/// definition's and the policy's new versions, and what changed) is written in the same
/// transaction as the change. A definition that shows the role more of a personal or restricted
/// field (a field newly shown, or a mask lifted) is not applied: it is kept as a proposed change
/// (202, audited as `role.propose`) until another administrator approves it
/// (`POST /v1/admin/role-changes/{id}/approve`), unless the server is configured without
/// approvals (`role_change_approval = false`).
#[utoipa::path(
    put,
    path = "/v1/admin/roles/{role}",
    tag = "admin",
    operation_id = "putRole",
    params(
        ("role" = String, Path),
    ),
    request_body(
        content = RoleDefinition,
    ),
    responses(
        (status = 200, description = "The definition as now stored.", body = StoredRole),
        (status = 202, description = "The definition widens what the role sees of personal or restricted data: it waits for another administrator's approval, and nothing changed yet.", body = RoleChange),
        (status = 400, description = "`unknown_role` (the path names no role), `malformed_json` (not JSON), `invalid_body` (an unknown member, name or type), or `invalid_definition` (the body defines another role, or the definition is incoherent)."),
        (status = 403, description = "The role lacks the `role.edit` action."),
    )
)]
pub(super) async fn put_role(
    StateOf(server): StateOf<State>,
    agent: Agent,
    path: Result<axum::extract::Path<String>, PathRejection>,
    body: Result<ApiJson<RoleDefinition>, ApiError>,
) -> Result<axum::response::Response, ApiError> {
    let role = role_in_path(path)?;
    let resource = format!("role:{role}");
    agent
        .require_action(
            &server,
            Action::RoleEdit,
            AuditAction::RoleUpdate,
            &resource,
        )
        .await?;
    let ApiJson(definition) = body?;
    if definition.role != role {
        return Err(ApiError::bad(
            ApiCode::InvalidDefinition,
            format!("The body defines `{}`, not `{role}`.", definition.role),
        ));
    }
    definition
        .validate()
        .map_err(|e| ApiError::bad(ApiCode::InvalidDefinition, e.to_string()))?;
    // Hold the write lock across the store so two edits land in the order they are versioned.
    let mut roles = server.roles.write().await;
    let before = before_of(&roles, role);
    let changes = changes::definition_changes(&before, &definition);
    let widened = changes::widened_sensitive(&before, &definition);
    if server.config.role_change_approval && !widened.is_empty() {
        drop(roles);
        let event = AuditEvent::new(
            &agent.subject,
            AuditAction::RolePropose,
            &resource,
            Outcome::Ok,
        )
        .with_detail(serde_json::json!({ "changes": changes, "widened": widened }));
        let proposed = NewRoleChange {
            definition,
            changes,
            widened,
            by: agent.subject.clone(),
        };
        let (change, _) = server.store.propose_role_change(&proposed, event).await?;
        return Ok((StatusCode::ACCEPTED, Json(change)).into_response());
    }
    let event = AuditEvent::new(
        &agent.subject,
        AuditAction::RoleUpdate,
        &resource,
        Outcome::Ok,
    )
    .with_detail(serde_json::json!({ "changes": changes }));
    let (stored, _) = server
        .store
        .put_role_definition(&definition, &agent.subject, event)
        .await?;
    roles.insert(role, stored.clone());
    drop(roles);
    server.changed([role].into()).await?;
    Ok(Json(stored).into_response())
}

/// Proposed role changes
///
/// Needs the `role.edit` action. The role changes waiting for a second administrator, newest
/// first (at most 100). Audited as `role.changes`.
#[utoipa::path(
    get,
    path = "/v1/admin/role-changes",
    tag = "admin",
    operation_id = "listRoleChanges",
    responses(
        (status = 200, description = "The pending changes.", body = Vec<RoleChange>),
        (status = 403, description = "The role lacks the `role.edit` action."),
    )
)]
pub(super) async fn role_changes(
    StateOf(server): StateOf<State>,
    agent: Agent,
) -> Result<Json<Vec<RoleChange>>, ApiError> {
    agent
        .require_action(
            &server,
            Action::RoleEdit,
            AuditAction::RoleChanges,
            "role_changes",
        )
        .await?;
    let pending = server.store.role_changes(true, 100).await?;
    server
        .audit(AuditEvent::new(
            &agent.subject,
            AuditAction::RoleChanges,
            "role_changes",
            Outcome::Ok,
        ))
        .await?;
    Ok(Json(pending))
}

/// Approve a proposed role change
///
/// Needs the `role.edit` action, and another administrator than the one who proposed the change
/// (`own_change`). Applies the proposed definition as `PUT /v1/admin/roles/{role}` would, in the
/// same transaction as the decision and its `role.approve` audit entry (with the change's id, what
/// it changes, and the definition's and the policy's new versions); agents holding the role are
/// pushed their new policy.
#[utoipa::path(
    post,
    path = "/v1/admin/role-changes/{id}/approve",
    tag = "admin",
    operation_id = "approveRoleChange",
    params(
        ("id" = i64, Path),
    ),
    responses(
        (status = 200, description = "The definition as now stored.", body = StoredRole),
        (status = 400, description = "`invalid_id`."),
        (status = 403, description = "The role lacks the `role.edit` action, or `own_change`: the caller proposed it."),
        (status = 404, description = "No role change has this id."),
        (status = 409, description = "`change_decided`: it was approved or rejected already."),
    )
)]
pub(super) async fn approve_role_change(
    StateOf(server): StateOf<State>,
    agent: Agent,
    Id(id): Id,
) -> Result<Json<StoredRole>, ApiError> {
    let resource = format!("role_change:{id}");
    agent
        .require_action(
            &server,
            Action::RoleEdit,
            AuditAction::RoleApprove,
            &resource,
        )
        .await?;
    let Some(proposed) = server.store.role_change(id).await? else {
        return Err(agent
            .not_found(&server, AuditAction::RoleApprove, &resource, "role change")
            .await);
    };
    if proposed.proposed_by == agent.subject {
        // Audited as a denial like any other refusal; answered with why.
        return match agent
            .denied(&server, AuditAction::RoleApprove, &resource)
            .await
        {
            Err(ApiError::Forbidden) | Ok(()) => Err(ApiError::OwnChange),
            Err(e) => Err(e),
        };
    }
    let role = proposed.role;
    let event = AuditEvent::new(
        &agent.subject,
        AuditAction::RoleApprove,
        &resource,
        Outcome::Ok,
    )
    .with_detail(serde_json::json!({ "changes": proposed.changes, "role": role }));
    let mut roles = server.roles.write().await;
    let decided = server
        .store
        .decide_role_change(id, true, &agent.subject, event)
        .await?;
    let Some((_, Some(stored))) = decided else {
        return Err(ApiError::Internal(
            "an approved change stored no definition".into(),
        ));
    };
    roles.insert(role, stored.clone());
    drop(roles);
    server.changed([role].into()).await?;
    Ok(Json(stored))
}

/// Reject a proposed role change
///
/// Needs the `role.edit` action; its author may withdraw it this way too. Nothing else changes.
/// Audited as `role.reject`, with the change's id.
#[utoipa::path(
    post,
    path = "/v1/admin/role-changes/{id}/reject",
    tag = "admin",
    operation_id = "rejectRoleChange",
    params(
        ("id" = i64, Path),
    ),
    responses(
        (status = 200, description = "The change, rejected.", body = RoleChange),
        (status = 400, description = "`invalid_id`."),
        (status = 403, description = "The role lacks the `role.edit` action."),
        (status = 404, description = "No role change has this id."),
        (status = 409, description = "`change_decided`: it was approved or rejected already."),
    )
)]
pub(super) async fn reject_role_change(
    StateOf(server): StateOf<State>,
    agent: Agent,
    Id(id): Id,
) -> Result<Json<RoleChange>, ApiError> {
    let resource = format!("role_change:{id}");
    agent
        .require_action(
            &server,
            Action::RoleEdit,
            AuditAction::RoleReject,
            &resource,
        )
        .await?;
    let event = AuditEvent::new(
        &agent.subject,
        AuditAction::RoleReject,
        &resource,
        Outcome::Ok,
    )
    .with_detail(serde_json::json!({}));
    match server
        .store
        .decide_role_change(id, false, &agent.subject, event)
        .await?
    {
        Some((change, _)) => Ok(Json(change)),
        None => Err(agent
            .not_found(&server, AuditAction::RoleReject, &resource, "role change")
            .await),
    }
}

/// The role a path names; any other name (or none) is `unknown_role`.
pub(super) fn role_in_path(
    path: Result<axum::extract::Path<String>, PathRejection>,
) -> Result<Role, ApiError> {
    path.map(|p| p.0)
        .unwrap_or_default()
        .parse()
        .map_err(|e: desk_core::UnknownName| ApiError::bad(ApiCode::UnknownRole, e.to_string()))
}

/// What `role`'s definition alone grants, or `unknown_role` for a role without one.
pub(super) async fn granted_to(server: &State, role: Role) -> Result<Policy, ApiError> {
    let roles = server.roles.read().await;
    let definition = roles.get(&role).ok_or_else(|| {
        ApiError::bad(ApiCode::UnknownRole, format!("`{role}` has no definition."))
    })?;
    Ok(Policy::of([&definition.definition]))
}

/// The definition `role` has now: the stored one, or none at all (every member empty) for a role
/// never defined.
fn before_of(roles: &std::collections::BTreeMap<Role, StoredRole>, role: Role) -> RoleDefinition {
    roles
        .get(&role)
        .map(|stored| stored.definition.clone())
        .unwrap_or_else(|| RoleDefinition {
            role,
            description: String::new(),
            pages: Default::default(),
            widgets: Default::default(),
            fields: Default::default(),
            actions: Default::default(),
            search_by: Default::default(),
            cache: Default::default(),
            read_budget: Default::default(),
        })
}

/// A role definition's earlier versions
///
/// Needs the `role.edit` action. Every version the role's definition has had, newest first (at
/// most 100), as stored: what it granted, when, and who changed it. Audited as `role.history`.
#[utoipa::path(
    get,
    path = "/v1/admin/roles/{role}/history",
    tag = "admin",
    operation_id = "listRoleHistory",
    params(
        ("role" = String, Path),
    ),
    responses(
        (status = 200, description = "The definition's versions, newest first.", body = Vec<StoredRole>),
        (status = 400, description = "`unknown_role` (the path names no role)."),
        (status = 403, description = "The role lacks the `role.edit` action."),
    )
)]
pub(super) async fn role_history(
    StateOf(server): StateOf<State>,
    agent: Agent,
    path: Result<axum::extract::Path<String>, PathRejection>,
) -> Result<Json<Vec<StoredRole>>, ApiError> {
    let role = role_in_path(path)?;
    let read = server.store.role_history(role, HISTORY_VERSIONS);
    let versions = Versions {
        resource: format!("role:{role}"),
        needs: Action::RoleEdit,
        audited_as: AuditAction::RoleHistory,
    };
    versions.read(&server, &agent, read).await
}

/// How many earlier versions a history answers with at most.
const HISTORY_VERSIONS: u32 = 100;

/// A history read: what it is of, the action it needs and how it is audited.
struct Versions {
    resource: String,
    needs: Action,
    audited_as: AuditAction,
}

impl Versions {
    /// Refuses (and audits) unless the agent's role holds the action; else answers what `read`
    /// finds (a future, so nothing is read before the check), its reading audited with how many
    /// versions it holds.
    async fn read<T>(
        self,
        server: &State,
        agent: &Agent,
        read: impl std::future::Future<Output = Result<Vec<T>, crate::store::StoreError>>,
    ) -> Result<Json<Vec<T>>, ApiError> {
        agent
            .require_action(server, self.needs, self.audited_as, &self.resource)
            .await?;
        let history = read.await?;
        let event = AuditEvent::new(&agent.subject, self.audited_as, &self.resource, Outcome::Ok)
            .with_detail(serde_json::json!({ "versions": history.len() }));
        server.audit(event).await?;
        Ok(Json(history))
    }
}

/// Every published layout
///
/// Needs the `layout.publish` action. Every layout an administrator has published, one per role,
/// ordered by role name. A role with no published layout is absent: its agents get the default
/// layout (the widgets its definition grants, page by page, in the order `Widget` lists them).
/// Audited as `layout.list`.
#[utoipa::path(
    get,
    path = "/v1/admin/layouts",
    tag = "admin",
    operation_id = "listLayouts",
    responses(
        (status = 200, description = "The published layouts.", body = Vec<StoredLayout>),
        (status = 403, description = "The role lacks the `layout.publish` action."),
    )
)]
pub(super) async fn layouts(
    StateOf(server): StateOf<State>,
    agent: Agent,
) -> Result<Json<Vec<StoredLayout>>, ApiError> {
    agent
        .require_action(
            &server,
            Action::LayoutPublish,
            AuditAction::LayoutList,
            "layouts",
        )
        .await?;
    let layouts = server.layouts.read().await.values().cloned().collect();
    server
        .audit(AuditEvent::new(
            &agent.subject,
            AuditAction::LayoutList,
            "layouts",
            Outcome::Ok,
        ))
        .await?;
    Ok(Json(layouts))
}

/// A role's earlier layouts
///
/// Needs the `layout.publish` action. Every layout published for the role, newest first (at most
/// 100), as stored: its widgets page by page, its version, when, and who published it; empty for
/// a role whose agents have only ever had the default layout. To restore one, publish it again
/// (`PUT /v1/admin/layouts/{role}`): it is checked against the role's definition as it is now.
/// Audited as `layout.history`.
#[utoipa::path(
    get,
    path = "/v1/admin/layouts/{role}/history",
    tag = "admin",
    operation_id = "listLayoutHistory",
    params(
        ("role" = String, Path),
    ),
    responses(
        (status = 200, description = "The role's layouts, newest first.", body = Vec<StoredLayout>),
        (status = 400, description = "`unknown_role` (the path names no role)."),
        (status = 403, description = "The role lacks the `layout.publish` action."),
    )
)]
pub(super) async fn layout_history(
    StateOf(server): StateOf<State>,
    agent: Agent,
    path: Result<axum::extract::Path<String>, PathRejection>,
) -> Result<Json<Vec<StoredLayout>>, ApiError> {
    let role = role_in_path(path)?;
    let read = server.store.layout_history(role, HISTORY_VERSIONS);
    let versions = Versions {
        resource: format!("layout:{role}"),
        needs: Action::LayoutPublish,
        audited_as: AuditAction::LayoutHistory,
    };
    versions.read(&server, &agent, read).await
}

/// Publish a role's layout
///
/// Needs the `layout.publish` action. Checks the layout against the role's stored definition: every
/// widget must be listed under its own page (see `Widget`), at most once on that page, and be
/// granted by the definition, and a page listing widgets must be granted too; otherwise
/// `invalid_layout`. Stores it with the next version for the role, the policy version grows, and
/// the `layout.publish` audit entry (with the layout's and the policy's new versions) is written in
/// the same transaction. Agents holding the role are pushed their new signed policy on `GET
/// /v1/events`. An agent with several roles gets their layouts merged in role order (`agent_l1`,
/// `agent_l2`, `supervisor`, `admin`): each page lists the first role's widgets, then the next
/// role's not yet listed, and only what the agent's policy grants is kept, also when a definition
/// changes after its layout was published.
#[utoipa::path(
    put,
    path = "/v1/admin/layouts/{role}",
    tag = "admin",
    operation_id = "putLayout",
    params(
        ("role" = String, Path),
    ),
    request_body(
        content = Layout,
        examples(
            ("agent_l1" = (value = json!({"pages": {"search": ["search.box", "search.results"], "customer": ["customer.contact", "customer.summary"], "ticket": ["ticket.reply", "ticket.messages"]}}))),
        ),
    ),
    responses(
        (status = 200, description = "The layout as now published.", body = StoredLayout),
        (status = 400, description = "`unknown_role` (the path names no role, or the role has no definition), `malformed_json` (not JSON), `invalid_body` (a missing `pages`, an unknown member, page or widget name, or a wrong type), or `invalid_layout` (a widget on another page than its own, listed twice, or not granted by the role's definition, or widgets on a page the definition does not grant)."),
        (status = 403, description = "The role lacks the `layout.publish` action."),
    )
)]
pub(super) async fn put_layout(
    StateOf(server): StateOf<State>,
    agent: Agent,
    path: Result<axum::extract::Path<String>, PathRejection>,
    body: Result<ApiJson<Layout>, ApiError>,
) -> Result<Json<StoredLayout>, ApiError> {
    let role = role_in_path(path)?;
    let resource = format!("layout:{role}");
    agent
        .require_action(
            &server,
            Action::LayoutPublish,
            AuditAction::LayoutPublish,
            &resource,
        )
        .await?;
    let ApiJson(layout) = body?;
    let granted = granted_to(&server, role).await?;
    layout
        .check_granted(&granted)
        .map_err(|e| ApiError::bad(ApiCode::InvalidLayout, format!("{e} for `{role}`.")))?;
    let mut layouts = server.layouts.write().await;
    let before = layouts
        .get(&role)
        .map(|stored| stored.layout.clone())
        .unwrap_or_else(|| Layout::default_for(&granted));
    let event = AuditEvent::new(
        &agent.subject,
        AuditAction::LayoutPublish,
        &resource,
        Outcome::Ok,
    )
    .with_detail(serde_json::json!({ "changes": changes::layout_changes(&before, &layout) }));
    let (stored, _) = server
        .store
        .put_layout(role, &layout, &agent.subject, event)
        .await?;
    layouts.insert(role, stored.clone());
    drop(layouts);
    server.changed([role].into()).await?;
    Ok(Json(stored))
}
