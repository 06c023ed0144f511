//! The agent's own policy, the audit trail, and role definitions.

use axum::Json;
use axum::extract::State as StateOf;
use axum::extract::rejection::PathRejection;
use desk_core::AuditAction;
use desk_core::signed::Layout;
use desk_core::{Action, Policy, Role, RoleDefinition};
use serde::{Deserialize, Serialize};

use super::error::{ApiJson, ApiQuery};
use super::{Agent, ApiError, Page, State, decode_cursor, encode_cursor, limit};
use crate::audit::{AuditEntry, AuditEvent, Outcome};
use crate::store::{StoredLayout, StoredRole};

/// The body of `GET /v1/me/policy`.
#[derive(Debug, Serialize)]
pub struct MyPolicy {
    /// The agent's effective policy and layout, signed by the server (compact JWS, EdDSA).
    pub signed: String,
}

/// `GET /v1/me/policy`: open to every signed-in agent, roles or not (an agent without roles
/// gets the empty policy).
pub(super) async fn my_policy(
    StateOf(server): StateOf<State>,
    agent: Agent,
) -> Result<Json<MyPolicy>, ApiError> {
    let (signed, version) = server.signed_policy(&agent.subject, &agent.roles).await;
    server
        .audit(
            AuditEvent::new(&agent.subject, AuditAction::PolicyView, "me", Outcome::Ok)
                .with_detail(serde_json::json!({ "version": version })),
        )
        .await?;
    Ok(Json(MyPolicy { signed }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AuditParams {
    limit: Option<u32>,
    cursor: Option<String>,
}

/// `GET /v1/audit`: newest first.
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
    let mut entries = server.store.audit_page(before, limit + 1).await?;
    let more = entries.len() > limit as usize;
    entries.truncate(limit as usize);
    let next_cursor = more
        .then(|| entries.last().map(|e| encode_cursor(e.seq)))
        .flatten();
    server
        .audit(AuditEvent::new(
            &agent.subject,
            AuditAction::AuditRead,
            "audit",
            Outcome::Ok,
        ))
        .await?;
    Ok(Json(Page {
        items: entries,
        next_cursor,
    }))
}

/// `GET /v1/admin/roles`
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

/// `PUT /v1/admin/roles/{role}`: replaces a role's definition after validating it.
pub(super) async fn put_role(
    StateOf(server): StateOf<State>,
    agent: Agent,
    path: Result<axum::extract::Path<String>, PathRejection>,
    body: Result<ApiJson<RoleDefinition>, ApiError>,
) -> Result<Json<StoredRole>, ApiError> {
    let name = path.map(|p| p.0).unwrap_or_default();
    let role: Role = name
        .parse()
        .map_err(|e: desk_core::UnknownName| ApiError::bad("unknown_role", e.to_string()))?;
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
            "invalid_definition",
            format!("The body defines `{}`, not `{role}`.", definition.role),
        ));
    }
    definition
        .validate()
        .map_err(|e| ApiError::bad("invalid_definition", e.to_string()))?;
    let event = AuditEvent::new(
        &agent.subject,
        AuditAction::RoleUpdate,
        &resource,
        Outcome::Ok,
    )
    .with_detail(serde_json::json!({}));
    // Hold the write lock across the store so two edits land in the order they are versioned.
    let mut roles = server.roles.write().await;
    let (stored, _) = server
        .store
        .put_role_definition(&definition, &agent.subject, event)
        .await?;
    roles.insert(role, stored.clone());
    drop(roles);
    server.changed([role].into()).await?;
    Ok(Json(stored))
}

/// `GET /v1/admin/layouts`: every published layout.
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

/// `PUT /v1/admin/layouts/{role}`: publishes a role's layout and pushes the new policy to the
/// role's connected agents.
pub(super) async fn put_layout(
    StateOf(server): StateOf<State>,
    agent: Agent,
    path: Result<axum::extract::Path<String>, PathRejection>,
    body: Result<ApiJson<Layout>, ApiError>,
) -> Result<Json<StoredLayout>, ApiError> {
    let name = path.map(|p| p.0).unwrap_or_default();
    let role: Role = name
        .parse()
        .map_err(|e: desk_core::UnknownName| ApiError::bad("unknown_role", e.to_string()))?;
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
    let granted = {
        let roles = server.roles.read().await;
        let definition = roles
            .get(&role)
            .ok_or_else(|| ApiError::bad("unknown_role", format!("`{role}` has no definition.")))?;
        Policy::of([&definition.definition])
    };
    layout
        .check_granted(&granted)
        .map_err(|e| ApiError::bad("invalid_layout", format!("{e} for `{role}`.")))?;
    let event = AuditEvent::new(
        &agent.subject,
        AuditAction::LayoutPublish,
        &resource,
        Outcome::Ok,
    )
    .with_detail(serde_json::json!({}));
    let mut layouts = server.layouts.write().await;
    let (stored, _) = server
        .store
        .put_layout(role, &layout, &agent.subject, event)
        .await?;
    layouts.insert(role, stored.clone());
    drop(layouts);
    server.changed([role].into()).await?;
    Ok(Json(stored))
}
