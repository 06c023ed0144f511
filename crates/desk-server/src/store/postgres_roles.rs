//! Role definitions, their proposed changes and history, layouts, and the policy version in the
//! PostgreSQL store. Every change of a definition or a layout raises the policy version and
//! appends its audit entry in its own transaction, under the chain lock.

use desk_core::signed::Layout;
use desk_core::{Role, RoleDefinition};
use sqlx::{Postgres, Transaction};

use super::postgres::PostgresStore;
use super::shared::{RoleChangeRow, now, stored_layouts, stored_roles};
use super::{NewRoleChange, StoreError, StoredLayout, StoredRole};
use crate::audit::{AuditEntry, AuditEvent};

/// The per-role documents that change every agent's policy when they change.
#[derive(Clone, Copy)]
pub(super) enum Versioned {
    RoleDefinition,
    Layout,
}

impl Versioned {
    /// The upsert that stores a role's document with the next version (our own SQL text only).
    /// The conflicting row is locked by the upsert, so two replicas' changes of one role get
    /// consecutive versions.
    fn upsert(self) -> &'static str {
        match self {
            Self::RoleDefinition => {
                "INSERT INTO role_definitions (role, definition, version, updated_at, updated_by)
                 VALUES ($1, $2, 1, $3, $4)
                 ON CONFLICT (role) DO UPDATE SET definition = excluded.definition,
                     version = role_definitions.version + 1, updated_at = excluded.updated_at,
                     updated_by = excluded.updated_by
                 RETURNING version"
            }
            Self::Layout => {
                "INSERT INTO layouts (role, layout, version, updated_at, updated_by)
                 VALUES ($1, $2, 1, $3, $4)
                 ON CONFLICT (role) DO UPDATE SET layout = excluded.layout,
                     version = layouts.version + 1, updated_at = excluded.updated_at,
                     updated_by = excluded.updated_by
                 RETURNING version"
            }
        }
    }
}

impl PostgresStore {
    /// Stores `role`'s document (`json`) with its next version, bumps the policy version and
    /// appends `audit` (its detail gaining both versions), in one transaction under the chain
    /// locks. Returns the document's version, the time, and the audit entry.
    pub(super) async fn put_versioned(
        &self,
        kind: Versioned,
        role: Role,
        json: &str,
        by: &str,
        mut audit: AuditEvent,
    ) -> Result<(i64, String, AuditEntry), StoreError> {
        let (key, mut tx) = self.begin_chain().await?;
        let time = now();
        let version: i64 = sqlx::query_scalar(kind.upsert())
            .bind(role.as_str())
            .bind(json)
            .bind(&time)
            .bind(by)
            .fetch_one(&mut *tx)
            .await?;
        let policy_version = bump_policy_version(&mut tx).await?;
        if let serde_json::Value::Object(detail) = &mut audit.detail {
            detail.insert("version".into(), version.into());
            detail.insert("policy_version".into(), policy_version.into());
        }
        let entry = Self::append_in(&key, &mut tx, &audit).await?;
        tx.commit().await?;
        Ok((version, time, entry))
    }
}

/// Sets the policy version to the larger of (previous + 1) and the time in milliseconds: one
/// statement, which locks the row, so concurrent bumps from any replica each see the one before.
pub(super) async fn bump_policy_version(
    tx: &mut Transaction<'_, Postgres>,
) -> Result<u64, StoreError> {
    let now = chrono::Utc::now().timestamp_millis();
    let version: i64 = sqlx::query_scalar(
        "INSERT INTO policy_version (id, version) VALUES (1, $1)
         ON CONFLICT (id) DO UPDATE SET version = GREATEST(policy_version.version + 1, $1)
         RETURNING version",
    )
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    Ok(version as u64)
}

pub(super) async fn role_definitions(store: &PostgresStore) -> Result<Vec<StoredRole>, StoreError> {
    let rows: Vec<(String, String, i64, String, String)> = sqlx::query_as(
        "SELECT role, definition, version, updated_at, updated_by FROM role_definitions
         ORDER BY role",
    )
    .fetch_all(&store.pool)
    .await?;
    stored_roles(rows)
}

pub(super) async fn propose_role_change(
    store: &PostgresStore,
    change: &NewRoleChange,
    mut audit: AuditEvent,
) -> Result<(desk_api::RoleChange, AuditEntry), StoreError> {
    let corrupt = |e: serde_json::Error| StoreError::Corrupt(format!("role change: {e}"));
    let definition = serde_json::to_string(&change.definition).map_err(corrupt)?;
    let widened = serde_json::to_string(&change.widened).map_err(corrupt)?;
    let (key, mut tx) = store.begin_chain().await?;
    let time = now();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO role_changes (role, definition, changes, widened, proposed_by, proposed_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(change.definition.role.as_str())
    .bind(&definition)
    .bind(change.changes.to_string())
    .bind(&widened)
    .bind(&change.by)
    .bind(&time)
    .fetch_one(&mut *tx)
    .await?;
    if let serde_json::Value::Object(detail) = &mut audit.detail {
        detail.insert("change_id".into(), id.into());
    }
    let entry = PostgresStore::append_in(&key, &mut tx, &audit).await?;
    tx.commit().await?;
    let stored = desk_api::RoleChange {
        id,
        role: change.definition.role,
        definition: change.definition.clone(),
        changes: change.changes.clone(),
        widened: change.widened.clone(),
        proposed_by: change.by.clone(),
        proposed_at: time,
        status: "pending".into(),
        decided_by: None,
        decided_at: None,
    };
    Ok((stored, entry))
}

pub(super) async fn role_changes(
    store: &PostgresStore,
    pending_only: bool,
    limit: u32,
) -> Result<Vec<desk_api::RoleChange>, StoreError> {
    let rows: Vec<RoleChangeRow> = sqlx::query_as(
        "SELECT * FROM role_changes WHERE (NOT $1 OR status = 'pending')
         ORDER BY id DESC LIMIT $2",
    )
    .bind(pending_only)
    .bind(i64::from(limit))
    .fetch_all(&store.pool)
    .await?;
    rows.into_iter().map(RoleChangeRow::parse).collect()
}

pub(super) async fn role_change(
    store: &PostgresStore,
    id: i64,
) -> Result<Option<desk_api::RoleChange>, StoreError> {
    let row: Option<RoleChangeRow> = sqlx::query_as("SELECT * FROM role_changes WHERE id = $1")
        .bind(id)
        .fetch_optional(&store.pool)
        .await?;
    row.map(RoleChangeRow::parse).transpose()
}

pub(super) async fn decide_role_change(
    store: &PostgresStore,
    id: i64,
    approve: bool,
    by: &str,
    mut audit: AuditEvent,
) -> Result<Option<(desk_api::RoleChange, Option<StoredRole>)>, StoreError> {
    // Under the chain lock, so two replicas deciding one change take turns: the second
    // reads it decided.
    let (key, mut tx) = store.begin_chain().await?;
    let row: Option<RoleChangeRow> = sqlx::query_as("SELECT * FROM role_changes WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    if row.status != "pending" {
        return Err(StoreError::Conflict("the role change was decided already"));
    }
    let time = now();
    let status = if approve { "approved" } else { "rejected" };
    sqlx::query(
        "UPDATE role_changes SET status = $1, decided_by = $2, decided_at = $3 WHERE id = $4",
    )
    .bind(status)
    .bind(by)
    .bind(&time)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    let mut change = row.parse()?;
    change.status = status.into();
    change.decided_by = Some(by.to_owned());
    change.decided_at = Some(time.clone());
    let stored = if approve {
        let json = serde_json::to_string(&change.definition)
            .map_err(|e| StoreError::Corrupt(format!("role definition: {e}")))?;
        let version: i64 = sqlx::query_scalar(Versioned::RoleDefinition.upsert())
            .bind(change.role.as_str())
            .bind(&json)
            .bind(&time)
            .bind(by)
            .fetch_one(&mut *tx)
            .await?;
        let policy_version = bump_policy_version(&mut tx).await?;
        if let serde_json::Value::Object(detail) = &mut audit.detail {
            detail.insert("version".into(), version.into());
            detail.insert("policy_version".into(), policy_version.into());
        }
        Some(StoredRole {
            definition: change.definition.clone(),
            version,
            updated_at: time,
            updated_by: by.to_owned(),
        })
    } else {
        None
    };
    PostgresStore::append_in(&key, &mut tx, &audit).await?;
    tx.commit().await?;
    Ok(Some((change, stored)))
}

pub(super) async fn role_history(
    store: &PostgresStore,
    role: Role,
    limit: u32,
) -> Result<Vec<StoredRole>, StoreError> {
    let rows: Vec<(String, String, i64, String, String)> = sqlx::query_as(
        "SELECT role, definition, version, updated_at, updated_by FROM role_definition_history
         WHERE role = $1 ORDER BY version DESC LIMIT $2",
    )
    .bind(role.as_str())
    .bind(i64::from(limit))
    .fetch_all(&store.pool)
    .await?;
    stored_roles(rows)
}

pub(super) async fn put_role_definition(
    store: &PostgresStore,
    definition: &RoleDefinition,
    by: &str,
    audit: AuditEvent,
) -> Result<(StoredRole, AuditEntry), StoreError> {
    let json = serde_json::to_string(definition)
        .map_err(|e| StoreError::Corrupt(format!("role definition: {e}")))?;
    let (version, updated_at, entry) = store
        .put_versioned(Versioned::RoleDefinition, definition.role, &json, by, audit)
        .await?;
    let stored = StoredRole {
        definition: definition.clone(),
        version,
        updated_at,
        updated_by: by.to_owned(),
    };
    Ok((stored, entry))
}

pub(super) async fn layout_history(
    store: &PostgresStore,
    role: Role,
    limit: u32,
) -> Result<Vec<StoredLayout>, StoreError> {
    let rows: Vec<(String, String, i64, String, String)> = sqlx::query_as(
        "SELECT role, layout, version, updated_at, updated_by FROM layout_history
         WHERE role = $1 ORDER BY version DESC LIMIT $2",
    )
    .bind(role.as_str())
    .bind(i64::from(limit))
    .fetch_all(&store.pool)
    .await?;
    stored_layouts(rows)
}

pub(super) async fn layouts(store: &PostgresStore) -> Result<Vec<StoredLayout>, StoreError> {
    let rows: Vec<(String, String, i64, String, String)> = sqlx::query_as(
        "SELECT role, layout, version, updated_at, updated_by FROM layouts ORDER BY role",
    )
    .fetch_all(&store.pool)
    .await?;
    stored_layouts(rows)
}

pub(super) async fn put_layout(
    store: &PostgresStore,
    role: Role,
    layout: &Layout,
    by: &str,
    audit: AuditEvent,
) -> Result<(StoredLayout, AuditEntry), StoreError> {
    let json =
        serde_json::to_string(layout).map_err(|e| StoreError::Corrupt(format!("layout: {e}")))?;
    let (version, updated_at, entry) = store
        .put_versioned(Versioned::Layout, role, &json, by, audit)
        .await?;
    let stored = StoredLayout {
        role,
        layout: layout.clone(),
        version,
        updated_at,
        updated_by: by.to_owned(),
    };
    Ok((stored, entry))
}

pub(super) async fn policy_version(store: &PostgresStore) -> Result<u64, StoreError> {
    let version: Option<i64> =
        sqlx::query_scalar("SELECT version FROM policy_version WHERE id = 1")
            .fetch_optional(&store.pool)
            .await?;
    match version {
        Some(v) => Ok(v as u64),
        None => {
            // Two replicas starting at once both bump: each gets a version, the second a
            // larger one, and both read the larger one from then on.
            let mut tx = store.pool.begin().await?;
            let v = bump_policy_version(&mut tx).await?;
            tx.commit().await?;
            Ok(v)
        }
    }
}
