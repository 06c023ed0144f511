//! The agents the server knows, for the administrator's list: those that signed in (table
//! `agents`, kept at each sign-in) with the SCIM user each is provisioned as and the devices the
//! server saw, and the SCIM users provisioned that never signed in. The statements are written
//! once for both engines: numbered parameters and plain SQL read the same in SQLite and
//! PostgreSQL, and each engine runs them on its own pool through the functions here, generic over
//! the engine (each with the same bounds: what sqlx needs to bind text and integers and read
//! these rows).

use sqlx::{Database, Encode, Executor, FromRow, IntoArguments, Type};

use super::StoreError;

/// An agent as the administrator's list shows it: one that signed in (with its subject), or a
/// SCIM user provisioned that never did (without one).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredAgent {
    /// The subject it signed in as; `None` for a SCIM user that never signed in.
    pub subject: Option<String>,
    /// The SCIM user name it is provisioned as, lowercased (the list's order for those that never
    /// signed in); `None` when no SCIM user is linked to it.
    pub user_name_key: Option<String>,
    /// The SCIM user's `userName` as provisioned; the lowercased name when the user was deleted;
    /// `None` when provisioning never made a user of the name its tokens carry.
    pub user_name: Option<String>,
    /// Whether the SCIM user is active; `false` when it was deactivated or deleted; `None` when
    /// provisioning does not know the agent.
    pub scim_active: Option<bool>,
    /// The roles its groups mapped to at its last sign-in, as a JSON list of role names.
    pub roles: Option<String>,
    /// Its first sign-in seen (RFC 3339, UTC, milliseconds).
    pub first_sign_in: Option<String>,
    /// Its last sign-in seen.
    pub last_sign_in: Option<String>,
    /// The devices the server saw it use.
    pub devices: i64,
    /// Those that have not carried out its last wipe meant for them.
    pub pending_devices: i64,
    /// Its last wipe ordered, if any.
    pub last_wipe: Option<i64>,
}

/// One device the server saw an agent use, and the last wipe it carried out.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredDevice {
    /// The device's id, as its `Desk-Device` header named it.
    pub device: String,
    /// When the server first saw it (RFC 3339, UTC, milliseconds).
    pub first_seen: String,
    /// The agent's last wipe ordered before then: none up to it was meant for the device.
    pub wipes_before: i64,
    /// The last wipe it reported carrying out, if it did.
    pub acknowledged: Option<i64>,
    /// When it said so.
    pub acknowledged_at: Option<String>,
}

/// Records a sign-in: `$1` subject, `$2` time, `$3` roles (a JSON list). The first time keeps
/// the time as the first sign-in; a later one moves the last sign-in on (never back) and the
/// roles.
const RECORD_SIGN_IN: &str = "INSERT INTO agents (subject, first_sign_in, last_sign_in, roles)
     VALUES ($1, $2, $2, $3)
     ON CONFLICT (subject) DO UPDATE SET
         last_sign_in = CASE WHEN excluded.last_sign_in > agents.last_sign_in
                             THEN excluded.last_sign_in ELSE agents.last_sign_in END,
         roles = excluded.roles";

/// Agents that signed in, by subject after `$1`, at most `$2`: the page taken first (each with
/// its last wipe), then its SCIM user and devices, a device pending when that wipe is after both
/// the last it acknowledged and the last ordered before it was first seen.
const SIGNED_IN_AFTER: &str = "SELECT a.subject AS subject, l.user_name_key AS user_name_key,
            COALESCE(u.user_name, w.user_name_key) AS user_name,
            CASE WHEN u.user_name_key IS NOT NULL THEN u.active
                 WHEN w.user_name_key IS NOT NULL THEN FALSE END AS scim_active,
            a.roles AS roles, a.first_sign_in AS first_sign_in, a.last_sign_in AS last_sign_in,
            (SELECT COUNT(*) FROM devices d WHERE d.subject = a.subject) AS devices,
            (SELECT COUNT(*) FROM devices d
               LEFT JOIN device_wipes dw ON dw.subject = d.subject AND dw.device = d.device
              WHERE d.subject = a.subject
                AND COALESCE(a.last_wipe, 0) > CASE
                    WHEN COALESCE(dw.acknowledged, 0) > d.wipes_before
                    THEN COALESCE(dw.acknowledged, 0) ELSE d.wipes_before END
            ) AS pending_devices,
            a.last_wipe AS last_wipe
       FROM (SELECT g.subject, g.roles, g.first_sign_in, g.last_sign_in,
                    (SELECT MAX(x.id) FROM wipes x WHERE x.subject = g.subject) AS last_wipe
               FROM agents g
              WHERE g.subject > $1
              ORDER BY g.subject
              LIMIT $2) a
       LEFT JOIN scim_subjects l ON l.subject = a.subject AND l.user_name_key =
            (SELECT MIN(s.user_name_key) FROM scim_subjects s WHERE s.subject = a.subject)
       LEFT JOIN scim_users u ON u.user_name_key = l.user_name_key
       LEFT JOIN scim_withdrawn w ON w.user_name_key = l.user_name_key
      ORDER BY a.subject";

/// SCIM users that never signed in, by lowercased user name after `$1`, at most `$2`.
const PROVISIONED_AFTER: &str = "SELECT CAST(NULL AS TEXT) AS subject, u.user_name_key AS user_name_key, u.user_name AS user_name,
            u.active AS scim_active, CAST(NULL AS TEXT) AS roles,
            CAST(NULL AS TEXT) AS first_sign_in, CAST(NULL AS TEXT) AS last_sign_in,
            CAST(0 AS BIGINT) AS devices, CAST(0 AS BIGINT) AS pending_devices,
            CAST(NULL AS BIGINT) AS last_wipe
       FROM scim_users u
      WHERE u.user_name_key > $1
        AND NOT EXISTS (SELECT 1 FROM scim_subjects s WHERE s.user_name_key = u.user_name_key)
      ORDER BY u.user_name_key
      LIMIT $2";

/// The devices of the agent `$1`, the first seen first.
const DEVICES_OF: &str =
    "SELECT d.device AS device, d.first_seen AS first_seen, d.wipes_before AS wipes_before,
            dw.acknowledged AS acknowledged, dw.acknowledged_at AS acknowledged_at
       FROM devices d
       LEFT JOIN device_wipes dw ON dw.subject = d.subject AND dw.device = d.device
      WHERE d.subject = $1
      ORDER BY d.first_seen, d.device";

/// [`RECORD_SIGN_IN`] on `db`.
pub(super) async fn record_sign_in<'e, D, E>(
    db: E,
    subject: &str,
    roles: &str,
    at: &str,
) -> Result<(), StoreError>
where
    D: Database,
    E: Executor<'e, Database = D>,
    for<'q> <D as Database>::Arguments<'q>: IntoArguments<'q, D>,
    for<'r> StoredAgent: FromRow<'r, D::Row>,
    for<'r> StoredDevice: FromRow<'r, D::Row>,
    String: for<'q> Encode<'q, D> + Type<D>,
    i64: for<'q> Encode<'q, D> + Type<D>,
{
    sqlx::query::<D>(RECORD_SIGN_IN)
        .bind(subject.to_owned())
        .bind(at.to_owned())
        .bind(roles.to_owned())
        .execute(db)
        .await?;
    Ok(())
}

/// Which agents a page lists: those that signed in, or the SCIM users who never did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listed {
    /// Agents that signed in, by subject.
    SignedIn,
    /// SCIM users that never signed in, by lowercased user name.
    Provisioned,
}

/// A page of the `listed` agents after the key `after` (a subject, or a lowercased user name),
/// at most `limit`, on `db`.
pub(super) async fn page<'e, D, E>(
    db: E,
    listed: Listed,
    after: &str,
    limit: u32,
) -> Result<Vec<StoredAgent>, StoreError>
where
    D: Database,
    E: Executor<'e, Database = D>,
    for<'q> <D as Database>::Arguments<'q>: IntoArguments<'q, D>,
    for<'r> StoredAgent: FromRow<'r, D::Row>,
    for<'r> StoredDevice: FromRow<'r, D::Row>,
    String: for<'q> Encode<'q, D> + Type<D>,
    i64: for<'q> Encode<'q, D> + Type<D>,
{
    let sql = match listed {
        Listed::SignedIn => SIGNED_IN_AFTER,
        Listed::Provisioned => PROVISIONED_AFTER,
    };
    Ok(sqlx::query_as::<D, StoredAgent>(sql)
        .bind(after.to_owned())
        .bind(i64::from(limit))
        .fetch_all(db)
        .await?)
}

/// The devices of `subject`, the first seen first.
pub(super) async fn devices_of<'e, D, E>(
    db: E,
    subject: &str,
) -> Result<Vec<StoredDevice>, StoreError>
where
    D: Database,
    E: Executor<'e, Database = D>,
    for<'q> <D as Database>::Arguments<'q>: IntoArguments<'q, D>,
    for<'r> StoredAgent: FromRow<'r, D::Row>,
    for<'r> StoredDevice: FromRow<'r, D::Row>,
    String: for<'q> Encode<'q, D> + Type<D>,
    i64: for<'q> Encode<'q, D> + Type<D>,
{
    Ok(sqlx::query_as::<D, StoredDevice>(DEVICES_OF)
        .bind(subject.to_owned())
        .fetch_all(db)
        .await?)
}
