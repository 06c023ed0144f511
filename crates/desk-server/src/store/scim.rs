//! What the store keeps of SCIM provisioning: users and groups as kept, how the SCIM routes look
//! them up, the one write that changes them (with what it withdraws, and its audit entries), and
//! what an agent's request reads of it (its access, and its groups when roles come from SCIM).

use crate::audit::AuditEvent;

/// A SCIM user as kept.
#[derive(Debug, Clone, PartialEq)]
pub struct ScimUserRow {
    /// The id the server gave it (a UUID).
    pub id: String,
    /// Its `userName`, as written.
    pub user_name: String,
    /// The provisioning client's own id for it.
    pub external_id: Option<String>,
    /// Whether the agent may work.
    pub active: bool,
    /// The other attributes kept and returned (`displayName`, `name`, `emails`), as JSON.
    pub attributes: serde_json::Value,
    /// When it was made (RFC 3339, UTC, milliseconds).
    pub created: String,
    /// When it last changed.
    pub last_modified: String,
    /// The groups it is a member of: id and displayName (filled in on reads; ignored on writes).
    pub groups: Vec<(String, String)>,
}

/// A SCIM group as kept.
#[derive(Debug, Clone, PartialEq)]
pub struct ScimGroupRow {
    /// The id the server gave it (a UUID).
    pub id: String,
    /// Its `displayName`: what `role_map` maps to roles when roles come from SCIM.
    pub display_name: String,
    /// The provisioning client's own id for it.
    pub external_id: Option<String>,
    /// When it was made.
    pub created: String,
    /// When it last changed.
    pub last_modified: String,
    /// Its members: user id and userName.
    pub members: Vec<(String, String)>,
}

/// Which users or groups a read wants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScimLookup {
    /// All of them, oldest first.
    All,
    /// A page of all of them, oldest first: `limit` from the `offset`-th (0-based).
    Page {
        /// How many to skip.
        offset: u64,
        /// How many at most.
        limit: u64,
    },
    /// The one with this id.
    Id(String),
    /// The user whose `userName` is this, whatever its case.
    UserName(String),
    /// The group whose `displayName` is this, whatever its case.
    DisplayName(String),
    /// Those with this `externalId`.
    ExternalId(String),
}

/// What a request of an agent linked to a SCIM user name reads: whether a user of that name
/// exists and is active, when that name last lost access, and (for roles from SCIM) its groups.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ScimAccess {
    /// `Some(active)` when a user of that name exists.
    pub active: Option<bool>,
    /// When the name last lost access (seconds since the epoch).
    pub withdrawn_at: Option<i64>,
    /// The displayNames of the groups the user is a member of.
    pub groups: Vec<String>,
}

/// The change a SCIM write makes.
#[derive(Debug, Clone, PartialEq)]
pub enum ScimWrite {
    /// Makes or replaces the user with this id. A `userName` another user holds (whatever its
    /// case) is `Conflict`, and nothing changes.
    User(ScimUserRow),
    /// Deletes the user with this id (`NotFound` when there is none).
    DeleteUser(String),
    /// Makes or replaces the group with this id, members and all (members that are no user are
    /// left out).
    Group(ScimGroupRow),
    /// Deletes the group with this id (`NotFound` when there is none).
    DeleteGroup(String),
}

/// A SCIM write with what comes with it, all in one transaction.
#[derive(Debug, Clone)]
pub struct ScimChange {
    /// The change.
    pub write: ScimWrite,
    /// A user name (lowercased) whose access ends now: its withdrawal time is set, and (with
    /// `wipe`) a wipe is ordered for each agent subject that signed in under it, each with a
    /// `device.wipe` entry.
    pub withdraw: Option<String>,
    /// Whether the withdrawal orders wipes (not when access had ended already: a deletion of an
    /// inactive user).
    pub wipe: bool,
    /// Who the wipes are ordered by (the provisioning client, `scim:NAME`).
    pub by: String,
    /// Whether the policy version goes up (roles from SCIM, and some agent's groups changed).
    pub bump_policy: bool,
    /// The entry recording the change.
    pub audit: AuditEvent,
}

/// What a SCIM write did beyond its change.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ScimWritten {
    /// The wipes ordered for the withdrawn user name: subject and wipe id.
    pub wipes: Vec<(String, i64)>,
    /// The policy version after the write, when it went up.
    pub policy_version: Option<u64>,
}
