//! What both engines share: the clock's text form, and rows read back into the trait's types
//! (role definitions, role changes and layouts, validated as they are read; the JSON arrays a
//! customer lookup and a SCIM read build in SQL; SCIM users and groups). Pure: no SQL, so each
//! engine keeps its own statements and both read their results the same way.

use desk_core::RoleDefinition;
use desk_core::signed::Layout;

use super::{ScimGroupRow, ScimUserRow, StoreError, StoredLayout, StoredRole};

/// The time as every store writes it: RFC 3339, UTC, milliseconds.
pub(super) fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// A row of `role_changes`.
#[derive(sqlx::FromRow)]
pub(super) struct RoleChangeRow {
    id: i64,
    role: String,
    definition: String,
    changes: String,
    widened: String,
    proposed_by: String,
    proposed_at: String,
    pub(super) status: String,
    decided_by: Option<String>,
    decided_at: Option<String>,
}

impl RoleChangeRow {
    pub(super) fn parse(self) -> Result<desk_api::RoleChange, StoreError> {
        let corrupt = |e: String| StoreError::Corrupt(format!("role change {}: {e}", self.id));
        Ok(desk_api::RoleChange {
            id: self.id,
            role: self
                .role
                .parse()
                .map_err(|e: desk_core::UnknownName| corrupt(e.to_string()))?,
            definition: parse_definition(&self.role, &self.definition)?,
            changes: serde_json::from_str(&self.changes).map_err(|e| corrupt(e.to_string()))?,
            widened: serde_json::from_str(&self.widened).map_err(|e| corrupt(e.to_string()))?,
            proposed_by: self.proposed_by,
            proposed_at: self.proposed_at,
            status: self.status,
            decided_by: self.decided_by,
            decided_at: self.decided_at,
        })
    }
}

/// Stored role rows (role, definition, version, updated_at, updated_by) as [`StoredRole`]s.
pub(super) fn stored_roles(
    rows: Vec<(String, String, i64, String, String)>,
) -> Result<Vec<StoredRole>, StoreError> {
    rows.into_iter()
        .map(|(role, json, version, updated_at, updated_by)| {
            Ok(StoredRole {
                definition: parse_definition(&role, &json)?,
                version,
                updated_at,
                updated_by,
            })
        })
        .collect()
}

pub(super) fn parse_definition(role: &str, json: &str) -> Result<RoleDefinition, StoreError> {
    let definition: RoleDefinition = serde_json::from_str(json)
        .map_err(|e| StoreError::Corrupt(format!("role definition `{role}`: {e}")))?;
    definition
        .validate()
        .map_err(|e| StoreError::Corrupt(format!("role definition `{role}`: {e}")))?;
    Ok(definition)
}

/// Stored layout rows (role, layout, version, updated_at, updated_by) as [`StoredLayout`]s, each
/// validated.
pub(super) fn stored_layouts(
    rows: Vec<(String, String, i64, String, String)>,
) -> Result<Vec<StoredLayout>, StoreError> {
    rows.into_iter()
        .map(|(role, json, version, updated_at, updated_by)| {
            let corrupt = |e: String| StoreError::Corrupt(format!("layout `{role}`: {e}"));
            let layout: Layout = serde_json::from_str(&json).map_err(|e| corrupt(e.to_string()))?;
            layout.validate().map_err(|e| corrupt(e.to_string()))?;
            Ok(StoredLayout {
                role: role
                    .parse()
                    .map_err(|e: desk_core::UnknownName| corrupt(e.to_string()))?,
                layout,
                version,
                updated_at,
                updated_by,
            })
        })
        .collect()
}

/// The rows of a JSON array of a customer's accounts or cards, built in the lookup's statement,
/// ordered by `id`; `None` when it was not asked for.
pub(super) fn json_rows<T: serde::de::DeserializeOwned>(
    json: Option<&str>,
    what: &str,
    id: impl Fn(&T) -> i64,
) -> Result<Option<Vec<T>>, StoreError> {
    let Some(json) = json else { return Ok(None) };
    let mut rows: Vec<T> = serde_json::from_str(json)
        .map_err(|e| StoreError::Corrupt(format!("{what} of a customer: {e}")))?;
    rows.sort_by_key(|r| id(r));
    Ok(Some(rows))
}

/// The `[[id, name], …]` a row's subquery made of its groups or members, as pairs.
fn pairs(json: &str, of: &str) -> Result<Vec<(String, String)>, StoreError> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt(format!("{of}: {e}")))
}

/// A SCIM user's columns as read: id, userName, externalId, active, attributes (JSON), created,
/// lastModified, and its groups as `[[id, displayName], …]`.
pub(super) type UserColumns = (
    String,
    String,
    Option<String>,
    bool,
    String,
    String,
    String,
    String,
);

/// A SCIM group's columns as read: id, displayName, externalId, created, lastModified, and its
/// members as `[[id, userName], …]`.
pub(super) type GroupColumns = (String, String, Option<String>, String, String, String);

/// SCIM users as read ([`UserColumns`]) as rows.
pub(super) fn scim_users(rows: Vec<UserColumns>) -> Result<Vec<ScimUserRow>, StoreError> {
    let mut users = Vec::with_capacity(rows.len());
    for (id, user_name, external_id, active, attributes, created, last_modified, groups) in rows {
        let groups = pairs(&groups, &format!("the groups of SCIM user {id}"))?;
        let attributes = serde_json::from_str(&attributes)
            .map_err(|e| StoreError::Corrupt(format!("SCIM user {id}: {e}")))?;
        users.push(ScimUserRow {
            id,
            user_name,
            external_id,
            active,
            attributes,
            created,
            last_modified,
            groups,
        });
    }
    Ok(users)
}

/// SCIM groups as read ([`GroupColumns`]) as rows.
pub(super) fn scim_groups(rows: Vec<GroupColumns>) -> Result<Vec<ScimGroupRow>, StoreError> {
    let mut groups = Vec::with_capacity(rows.len());
    for (id, display_name, external_id, created, last_modified, members) in rows {
        let members = pairs(&members, &format!("the members of SCIM group {id}"))?;
        groups.push(ScimGroupRow {
            id,
            display_name,
            external_id,
            created,
            last_modified,
            members,
        });
    }
    Ok(groups)
}

/// The displayNames of a user's groups as a JSON array (`None`: no user, so none).
pub(super) fn group_names(json: Option<String>) -> Result<Vec<String>, StoreError> {
    match json {
        Some(json) => serde_json::from_str(&json)
            .map_err(|e| StoreError::Corrupt(format!("SCIM groups of a user: {e}"))),
        None => Ok(Vec::new()),
    }
}
