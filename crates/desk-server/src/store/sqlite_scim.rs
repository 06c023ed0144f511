//! The SCIM part of the SQLite store: users, groups and members (migration 0013), the access an
//! agent's request reads, and the one write that changes them with its withdrawal and wipes. A
//! read of users or groups is one statement, each row with its groups or members.

use sqlx::{Sqlite, SqlitePool, Transaction};

use super::shared::{GroupColumns, UserColumns, group_names, now, scim_groups, scim_users};
use super::sqlite::{SqliteStore, begin_write, bump_policy_version};
use super::{
    ScimAccess, ScimChange, ScimGroupRow, ScimLookup, ScimUserRow, ScimWrite, ScimWritten,
    StoreError,
};
use crate::audit::{AuditEvent, Outcome};
use desk_core::AuditAction;

/// The `LIMIT` clause of `lookup`.
fn limit(lookup: &ScimLookup) -> String {
    match lookup {
        ScimLookup::Page { offset, limit } => format!("LIMIT {limit} OFFSET {offset}"),
        _ => String::new(),
    }
}

/// How many users (`table` = `scim_users`) or groups there are.
pub(super) async fn count(pool: &SqlitePool, table: &'static str) -> Result<u64, StoreError> {
    let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(pool)
        .await?;
    Ok(n as u64)
}

/// The `WHERE` clause of `lookup` over a table whose key columns are as named, and its value.
fn condition(lookup: &ScimLookup, name_column: &str) -> (String, Option<String>) {
    match lookup {
        ScimLookup::All | ScimLookup::Page { .. } => (String::new(), None),
        ScimLookup::Id(id) => ("WHERE id = ?".into(), Some(id.clone())),
        ScimLookup::UserName(name) | ScimLookup::DisplayName(name) => (
            format!("WHERE {name_column} = ?"),
            Some(name.to_lowercase()),
        ),
        ScimLookup::ExternalId(id) => ("WHERE external_id = ?".into(), Some(id.clone())),
    }
}

pub(super) async fn users(
    pool: &SqlitePool,
    lookup: &ScimLookup,
) -> Result<Vec<ScimUserRow>, StoreError> {
    if matches!(lookup, ScimLookup::DisplayName(_)) {
        return Ok(Vec::new());
    }
    let (clause, value) = condition(lookup, "user_name_key");
    let sql = format!(
        "SELECT id, user_name, external_id, active, attributes, created, last_modified,
                (SELECT json_group_array(json_array(id, name)) FROM
                    (SELECT g.id AS id, g.display_name AS name FROM scim_members m
                     JOIN scim_groups g ON g.id = m.group_id WHERE m.user_id = scim_users.id
                     ORDER BY g.display_name, g.id))
         FROM scim_users {clause} ORDER BY created, id {}",
        limit(lookup)
    );
    let mut query = sqlx::query_as::<_, UserColumns>(&sql);
    if let Some(value) = value {
        query = query.bind(value);
    }
    scim_users(query.fetch_all(pool).await?)
}

pub(super) async fn groups(
    pool: &SqlitePool,
    lookup: &ScimLookup,
) -> Result<Vec<ScimGroupRow>, StoreError> {
    if matches!(lookup, ScimLookup::UserName(_)) {
        return Ok(Vec::new());
    }
    let (clause, value) = condition(lookup, "display_name COLLATE NOCASE");
    let sql = format!(
        "SELECT id, display_name, external_id, created, last_modified,
                (SELECT json_group_array(json_array(id, name)) FROM
                    (SELECT u.id AS id, u.user_name AS name FROM scim_members m
                     JOIN scim_users u ON u.id = m.user_id WHERE m.group_id = scim_groups.id
                     ORDER BY u.created, u.id))
         FROM scim_groups {clause} ORDER BY created, id {}",
        limit(lookup)
    );
    let mut query = sqlx::query_as::<_, GroupColumns>(&sql);
    if let Some(value) = value {
        query = query.bind(value);
    }
    scim_groups(query.fetch_all(pool).await?)
}

pub(super) async fn access(
    pool: &SqlitePool,
    user_name_key: &str,
) -> Result<ScimAccess, StoreError> {
    // One round trip: the user's state, the name's withdrawal and the groups' names.
    let row: Option<(Option<bool>, Option<i64>, Option<String>)> = sqlx::query_as(
        "SELECT u.active, w.withdrawn_at,
                (SELECT json_group_array(g.display_name) FROM scim_members m
                 JOIN scim_groups g ON g.id = m.group_id WHERE m.user_id = u.id)
         FROM (SELECT ?1 AS k) q
         LEFT JOIN scim_users u ON u.user_name_key = q.k
         LEFT JOIN scim_withdrawn w ON w.user_name_key = q.k",
    )
    .bind(user_name_key)
    .fetch_optional(pool)
    .await?;
    let Some((active, withdrawn_at, groups)) = row else {
        return Ok(ScimAccess::default());
    };
    Ok(ScimAccess {
        active,
        withdrawn_at,
        groups: group_names(groups)?,
    })
}

pub(super) async fn subjects(
    pool: &SqlitePool,
    user_name_keys: &[String],
) -> Result<Vec<String>, StoreError> {
    let mut subjects = Vec::new();
    for key in user_name_keys {
        let mut these: Vec<String> =
            sqlx::query_scalar("SELECT subject FROM scim_subjects WHERE user_name_key = ?")
                .bind(key)
                .fetch_all(pool)
                .await?;
        subjects.append(&mut these);
    }
    subjects.sort();
    subjects.dedup();
    Ok(subjects)
}

pub(super) async fn write(
    store: &SqliteStore,
    change: ScimChange,
) -> Result<ScimWritten, StoreError> {
    let key = store.chain.lock().await;
    let mut tx = begin_write(&store.pool).await?;
    match &change.write {
        ScimWrite::User(user) => put_user(&mut tx, user).await?,
        ScimWrite::Group(group) => put_group(&mut tx, group).await?,
        ScimWrite::DeleteUser(id) => delete(&mut tx, "scim_users", id, "user").await?,
        ScimWrite::DeleteGroup(id) => delete(&mut tx, "scim_groups", id, "group").await?,
    }
    let mut written = ScimWritten::default();
    let mut events = vec![change.audit.clone()];
    if let Some(name) = &change.withdraw {
        let at = chrono::Utc::now().timestamp();
        sqlx::query(
            "INSERT INTO scim_withdrawn (user_name_key, withdrawn_at) VALUES (?1, ?2)
             ON CONFLICT (user_name_key) DO UPDATE SET withdrawn_at = MAX(withdrawn_at, ?2)",
        )
        .bind(name)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        let subjects: Vec<String> = if change.wipe {
            sqlx::query_scalar("SELECT subject FROM scim_subjects WHERE user_name_key = ?")
                .bind(name)
                .fetch_all(&mut *tx)
                .await?
        } else {
            Vec::new()
        };
        let time = now();
        for subject in subjects {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO wipes (subject, ordered_by, ordered_at) VALUES (?, ?, ?) RETURNING id",
            )
            .bind(&subject)
            .bind(&change.by)
            .bind(&time)
            .fetch_one(&mut *tx)
            .await?;
            events.push(
                AuditEvent::new(
                    &change.by,
                    AuditAction::DeviceWipe,
                    format!("agent:{subject}"),
                    Outcome::Ok,
                )
                .with_detail(serde_json::json!({
                    "wipe_id": id,
                    "reason": "access withdrawn by provisioning",
                    "user_name": name,
                })),
            );
            written.wipes.push((subject, id));
        }
    }
    if change.bump_policy {
        written.policy_version = Some(bump_policy_version(&mut tx).await?);
    }
    let events: Vec<&AuditEvent> = events.iter().collect();
    SqliteStore::append_all_in(&key, &mut tx, &events).await?;
    tx.commit().await?;
    Ok(written)
}

async fn put_user(tx: &mut Transaction<'_, Sqlite>, user: &ScimUserRow) -> Result<(), StoreError> {
    let key = user.user_name.to_lowercase();
    let taken: Option<String> =
        sqlx::query_scalar("SELECT id FROM scim_users WHERE user_name_key = ? AND id <> ?")
            .bind(&key)
            .bind(&user.id)
            .fetch_optional(&mut **tx)
            .await?;
    if taken.is_some() {
        return Err(StoreError::Conflict("userName"));
    }
    let attributes = user.attributes.to_string();
    sqlx::query(
        "INSERT INTO scim_users
            (id, user_name, user_name_key, external_id, active, attributes, created, last_modified)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET user_name = excluded.user_name,
            user_name_key = excluded.user_name_key, external_id = excluded.external_id,
            active = excluded.active, attributes = excluded.attributes,
            last_modified = excluded.last_modified",
    )
    .bind(&user.id)
    .bind(&user.user_name)
    .bind(&key)
    .bind(&user.external_id)
    .bind(user.active)
    .bind(&attributes)
    .bind(&user.created)
    .bind(&user.last_modified)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn put_group(
    tx: &mut Transaction<'_, Sqlite>,
    group: &ScimGroupRow,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO scim_groups (id, display_name, external_id, created, last_modified)
         VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET display_name = excluded.display_name,
            external_id = excluded.external_id, last_modified = excluded.last_modified",
    )
    .bind(&group.id)
    .bind(&group.display_name)
    .bind(&group.external_id)
    .bind(&group.created)
    .bind(&group.last_modified)
    .execute(&mut **tx)
    .await?;
    sqlx::query("DELETE FROM scim_members WHERE group_id = ?")
        .bind(&group.id)
        .execute(&mut **tx)
        .await?;
    for (user_id, _) in &group.members {
        // A member that is no user (deleted meanwhile) is left out.
        sqlx::query(
            "INSERT INTO scim_members (group_id, user_id)
             SELECT ?1, id FROM scim_users WHERE id = ?2 ON CONFLICT DO NOTHING",
        )
        .bind(&group.id)
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

async fn delete(
    tx: &mut Transaction<'_, Sqlite>,
    table: &'static str,
    id: &str,
    what: &'static str,
) -> Result<(), StoreError> {
    let deleted = sqlx::query(&format!("DELETE FROM {table} WHERE id = ?"))
        .bind(id)
        .execute(&mut **tx)
        .await?;
    if deleted.rows_affected() == 0 {
        return Err(StoreError::NotFound(what));
    }
    Ok(())
}
