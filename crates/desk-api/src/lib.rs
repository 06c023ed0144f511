//! The wire contract of desk-server's API v1: every request and response body that desk-server
//! writes and desk-app reads (or the other way round), declared once and used by both sides.
//!
//! Records, policies and layouts are desk-core's own types; what lives here is what only the
//! wire has: pages, the signed policy's envelope, offline uploads, wipes, replies, stored layouts
//! and error bodies, with the stable error codes. With `feature = "openapi"` every body derives
//! its schema, and its doc comments are the descriptions in the server's OpenAPI document.
//!
//! Request bodies refuse unknown members (the server says what it did not understand); response
//! bodies accept them, so that a client keeps reading what a newer server sends.

use desk_core::signed::Layout;
use desk_core::{AuditAction, Role};
use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
pub mod schemas;

/// A page of items and where the next one starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// Opaque cursor for the next page; absent on the last page. Pass it back unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = String, required = false, examples("djE6NDI"))
    )]
    pub next_cursor: Option<String>,
}

/// The body of `GET /v1/me/policy`: the caller's effective policy and layout, signed by the
/// server. `signed` is a compact JWS (RFC 7515): three base64url parts (no padding) joined by
/// dots. The first is the JSON header `{"alg": "EdDSA", "kid": <the signing key's id>, "typ":
/// "desk-policy+jwt"}`; the second, the payload, is base64url JSON of the `PolicyClaims` schema,
/// with its `Policy` and `Layout`; the third is the Ed25519 signature over the first two parts
/// and the dot between them. Clients accept it only after checking it: `alg` EdDSA and that
/// `typ`, a `kid` they pin in their own configuration (never a key offered by the server), the
/// signature, `sub` is the signed-in agent, `aud` is the client, the times (`iat`, `exp`, with
/// some clock skew), `version` is not lower than the last version accepted, and the layout names
/// only widgets the policy grants, each on its own page. A refused policy leaves the previous one
/// in force. Clients refuse signed policies larger than 256 KiB.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MyPolicy {
    /// The signed policy: a compact JWS whose payload, once base64url-decoded, is the JSON of
    /// `PolicyClaims` (the `contentSchema`). Its header is `{"alg": "EdDSA", "kid": …, "typ":
    /// "desk-policy+jwt"}`.
    #[cfg_attr(
        feature = "openapi",
        schema(
            content_media_type = "application/jwt",
            pattern = r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$"
        )
    )]
    pub signed: String,
}

/// A reply to the customer, or an agents' internal note. Unknown members are refused
/// (`invalid_body`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reply {
    /// What to say. Leading and trailing whitespace is trimmed; the rest must be 1 to 10000
    /// characters (`empty_body`, `body_too_long`) with no control characters except newline,
    /// carriage return and tab (`invalid_body`).
    #[cfg_attr(feature = "openapi", schema(examples("We have refunded you.")))]
    pub body: String,
    /// Write an internal note instead of a reply; needs a role that sees
    /// `message.internal_notes`.
    #[serde(default)]
    pub internal: bool,
}

/// The body of `POST /v1/audit/offline`. Unknown members are refused (`invalid_body`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OfflineUpload {
    /// The queued views, at most 500 (more is `too_many_views`); send a longer queue in several
    /// uploads. An empty list is accepted and records nothing but the upload itself.
    #[cfg_attr(feature = "openapi", schema(max_items = 500))]
    pub views: Vec<OfflineView>,
}

/// Most views in one upload.
pub const MAX_OFFLINE_VIEWS: usize = 500;

/// One view the agent made from its cache while offline. Unknown members (an `actor`, say) are
/// refused (`invalid_body`): the actor is always the caller. A view that breaks any rule below
/// refuses the whole upload with `invalid_view`, which names every such view in
/// `error.refused_views` (its index, its key, and why: a `ViewRefusal`); the message starts with
/// the first one's index (`views[3]: …`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OfflineView {
    /// The client's idempotency key for this view, made once when the view is queued and sent
    /// unchanged on every retry. Keys are the caller's own: a key the server has recorded
    /// before for the same agent, or earlier in the same upload, is skipped and counted in
    /// `duplicates`; the same key from another agent is another view. Make it random (at least
    /// 16 random base64url characters, 96 bits).
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 16,
            max_length = 64,
            pattern = "^[A-Za-z0-9_-]{16,64}$",
            examples("q7Zk2c9fYw1xR4bN")
        )
    )]
    pub key: String,
    /// When the agent looked, RFC 3339 with an offset. Not later than the server's clock plus
    /// its allowed clock skew (`clock_skew_secs`, 60 s unless configured), and inside the
    /// agent's offline window as the server knows it: from the issue time of a policy the
    /// server signed for this agent that allowed caching, to that policy's expiry plus its
    /// offline grace (with the clock skew on both ends). Recorded in UTC with milliseconds, like
    /// audit times.
    #[cfg_attr(
        feature = "openapi",
        schema(format = DateTime, examples("2026-11-29T09:14:03.25+01:00"))
    )]
    pub time: String,
    /// What the agent looked at, named as the online request would be audited. Recorded as
    /// `offline.` followed by it.
    ///
    /// Text rather than an [`AuditAction`], so that the server can say which actions a view may
    /// name when a client sends another.
    #[cfg_attr(feature = "openapi", schema(value_type = schemas::OfflineActions, inline))]
    pub action: String,
    /// What it was about, and it must fit the action: `customer:{id}` for `customer.view`,
    /// `transactions.view` and `tickets.view`; `ticket:{id}` for `ticket.view`; `customers` for
    /// `customer.search`. Ids are positive whole numbers without sign or leading zeros. The
    /// record need not exist any more.
    #[cfg_attr(
        feature = "openapi",
        schema(
            pattern = "^(customer:[1-9][0-9]*|ticket:[1-9][0-9]*|customers)$",
            examples("customer:42")
        )
    )]
    pub resource: String,
}

impl OfflineView {
    /// A view of `action` (one of [`AuditAction::OFFLINE_VIEWS`]) about `resource`.
    pub fn new(key: String, time: String, action: AuditAction, resource: String) -> Self {
        Self {
            key,
            time,
            action: action.as_str().to_owned(),
            resource,
        }
    }
}

/// What an upload did. `recorded + duplicates` is the number of views sent. Both mean the view
/// is on the audit trail now, so the client removes every view it sent from its queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OfflineUploadResult {
    /// Views recorded by this request.
    pub recorded: u32,
    /// Views skipped because their key was recorded before, or earlier in this upload.
    pub duplicates: u32,
}

/// A wipe ordered for every device of the caller: in `GET /v1/me/wipes`, and as the `data` of a
/// `wipe` event on `GET /v1/events`. A device that receives one deletes its cache key and cache
/// file, and then remembers `wipe_id` as the last wipe it acted on (sent back as
/// `Desk-Last-Wipe` and `after`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Wipe {
    /// The order's id. Ids grow with every order (for any agent) and are never reused, so
    /// acting on a wipe also covers every earlier one.
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub wipe_id: i64,
    /// When it was ordered: RFC 3339, UTC, milliseconds.
    #[cfg_attr(
        feature = "openapi",
        schema(format = DateTime, examples("2026-11-29T10:00:00.123Z"))
    )]
    pub ordered_at: String,
    /// Whether the organisation's provisioning ordered it (the agent's SCIM user deactivated,
    /// deleted or renamed) rather than an administrator; absent when false. Only such a wipe
    /// can have been carried out already by a client refused with `access_withdrawn`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    #[cfg_attr(feature = "openapi", schema(required = false))]
    pub provisioning: bool,
}

/// Most wipes in one answer of `GET /v1/me/wipes`.
pub const WIPES_PAGE: u32 = 100;

/// The body of `GET /v1/me/wipes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MyWipes {
    /// Wipes ordered for the caller after `after`, oldest first, at most 100: when 100 come
    /// back, ask again with the last `wipe_id`. Empty when there is nothing to do.
    #[cfg_attr(feature = "openapi", schema(max_items = 100))]
    pub wipes: Vec<Wipe>,
}

/// The request header naming the calling device: a random id its client made once per
/// installation (16 to 64 characters of base64url). The server sends a device the wipes after
/// the last one it acknowledged (`POST /v1/me/wipes/{wipe_id}/acknowledge`), as the server
/// recorded it; a device it does not know has acknowledged none.
pub const DEVICE_HEADER: &str = "desk-device";

/// Whether `id` is a device id as [`DEVICE_HEADER`] carries it.
pub fn is_device_id(id: &str) -> bool {
    (16..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The answer of `POST /v1/me/wipes/{wipe_id}/acknowledge`, and one device of
/// [`AgentWipes`]: the last wipe a device reported it carried out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceAcknowledgement {
    /// The device, as its `Desk-Device` header named it.
    pub device: String,
    /// The last wipe it acted on; every earlier one is acknowledged with it.
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub acknowledged: i64,
    /// When it said so: RFC 3339, UTC, milliseconds.
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub acknowledged_at: String,
}

/// The body of `GET /v1/admin/wipes/{subject}`: the wipes ordered for an agent, and what each of
/// its devices acknowledged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgentWipes {
    /// The agent.
    pub subject: String,
    /// The last wipes ordered for the agent, oldest first, at most 100.
    #[cfg_attr(feature = "openapi", schema(max_items = 100))]
    pub wipes: Vec<Wipe>,
    /// Each device that acknowledged a wipe, by device id. A device that has not is absent.
    pub devices: Vec<DeviceAcknowledgement>,
    /// Every device the server saw the agent use, the first seen first, with the last wipe it
    /// carried out and whether a wipe is still pending on it. Absent from older servers.
    #[serde(default)]
    pub seen: Vec<AgentDevice>,
}

/// A device the server saw an agent use (it named itself in `Desk-Device`), and where it stands
/// with the agent's wipes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgentDevice {
    /// The device's id.
    pub device: String,
    /// When the server first saw it: RFC 3339, UTC, milliseconds. Wipes ordered before then were
    /// not meant for it.
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub first_seen: String,
    /// The last wipe it reported carrying out; `null` when it never did.
    pub acknowledged: Option<i64>,
    /// When it said so.
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub acknowledged_at: Option<String>,
    /// Whether a wipe meant for it is still to be carried out: one ordered after it was first
    /// seen and after the last it acknowledged.
    pub pending: bool,
}

/// An agent the server knows, as `GET /v1/admin/agents` lists it: one that signed in, or a
/// user the organisation's provisioning (SCIM) made who never did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgentSummary {
    /// The subject it signed in as; `null` for a provisioned user that never signed in.
    pub subject: Option<String>,
    /// The SCIM `userName` it is provisioned as; `null` when provisioning does not know it.
    pub user_name: Option<String>,
    /// Whether it may work: `false` once provisioning deactivated or deleted its user
    /// (deprovisioned: its tokens are refused and its devices were ordered to wipe).
    pub active: bool,
    /// The roles its groups mapped to at its last sign-in (none before it signed in).
    pub roles: Vec<desk_core::Role>,
    /// Its first sign-in the server saw: RFC 3339, UTC, milliseconds.
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub first_sign_in: Option<String>,
    /// Its last sign-in (a new access token's first use): when it was last seen.
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub last_sign_in: Option<String>,
    /// The devices the server saw it use.
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub devices: i64,
    /// How many of them have a wipe still to carry out.
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub pending_devices: i64,
    /// Its last wipe ordered; `null` when none was.
    pub last_wipe: Option<i64>,
}

/// The answer of `POST /v1/admin/wipe/{subject}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WipeOrdered {
    /// The order's id.
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub wipe_id: i64,
    /// The agent whose devices are to shred their caches.
    pub subject: String,
    /// When it was ordered: RFC 3339, UTC, milliseconds.
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub ordered_at: String,
}

/// A role definition as stored, with its version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StoredRole {
    /// The definition.
    pub definition: desk_core::RoleDefinition,
    /// Grows by one with every change; 1 for the shipped definition.
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub version: i64,
    /// When it last changed: RFC 3339, UTC, milliseconds.
    #[cfg_attr(
        feature = "openapi",
        schema(format = DateTime, examples("2026-11-29T10:00:00.123Z"))
    )]
    pub updated_at: String,
    /// The subject of the administrator who last changed it, or `defaults` for the definition
    /// the server started with.
    #[cfg_attr(feature = "openapi", schema(examples("defaults")))]
    pub updated_by: String,
}

/// A role's layout as published, with its version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StoredLayout {
    /// The role.
    pub role: Role,
    /// The layout.
    pub layout: Layout,
    /// Grows by one with every publication for this role; 1 for the first.
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub version: i64,
    /// When it was published: RFC 3339, UTC, milliseconds.
    #[cfg_attr(
        feature = "openapi",
        schema(format = DateTime, examples("2026-11-29T10:00:00.123Z"))
    )]
    pub updated_at: String,
    /// The subject of the administrator who published it.
    #[cfg_attr(feature = "openapi", schema(examples("admin1")))]
    pub updated_by: String,
}

/// What the layout editor shows of a role: what its definition grants, the layout its agents get
/// now, and the demo set's first customer as the role sees it, redacted by the server through
/// the role's definition alone. The customer is generated by the server, never read from its
/// store, so a preview shows no real customer whatever the administrator's own role may see.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LayoutPreview {
    /// The role.
    pub role: Role,
    /// What the role's definition grants (its pages, widgets, fields and actions): the widgets a
    /// layout for it may show.
    pub policy: desk_core::Policy,
    /// The layout agents holding only this role get now: the published one, or the default.
    pub layout: Layout,
    /// The published layout's version; 0 when the role has the default layout.
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub version: i64,
    /// The demo customer with the accounts and cards the role may see.
    pub customer: desk_core::record::Customer,
    /// The customer's latest ten transactions, newest first (none when the role may not read
    /// transactions).
    pub transactions: Vec<desk_core::record::Transaction>,
    /// The customer's tickets, most recently updated first, without their messages (none when
    /// the role may not read tickets).
    pub tickets: Vec<desk_core::record::Ticket>,
}

/// A change to a role definition that widens what the role sees of personal or restricted data,
/// proposed by one administrator and waiting for another: approved, it is applied as the new
/// definition; rejected (or withdrawn by its author), nothing changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoleChange {
    /// The change's id.
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub id: i64,
    /// The role it changes.
    pub role: Role,
    /// The definition it would put in force.
    pub definition: desk_core::RoleDefinition,
    /// What it changes from the definition in force when it was proposed, member by member.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    #[cfg_attr(feature = "ts", ts(type = "Record<string, unknown>"))]
    pub changes: serde_json::Value,
    /// The personal and restricted fields it shows more of: why it waits for approval.
    pub widened: Vec<desk_core::Field>,
    /// The administrator who proposed it.
    pub proposed_by: String,
    /// When (RFC 3339, UTC, milliseconds).
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub proposed_at: String,
    /// `pending`, `approved` or `rejected`.
    #[cfg_attr(feature = "openapi", schema(examples("pending")))]
    pub status: String,
    /// Who decided it, once decided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = false))]
    pub decided_by: Option<String>,
    /// When it was decided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = false, format = DateTime))]
    pub decided_at: Option<String>,
}

/// An entry of the audit trail as `GET /v1/audit` answers it, as a client reads it. The server
/// writes its own type (`desk_server::audit::AuditEntry`, which also links and reads rows);
/// `the_clients_audit_entry_reads_every_member_the_server_writes` holds the two together. `action`
/// and `outcome` are text, so an entry written by a newer server still reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AuditRecord {
    /// Position in the chain, from 1.
    pub seq: i64,
    /// When it was recorded: RFC 3339, UTC, milliseconds.
    pub time: String,
    /// The agent's subject at the identity provider, or `desk-server`.
    pub actor: String,
    /// What was done (an `AuditAction` name).
    pub action: String,
    /// What it was done to: `customer:42`, `role:agent_l1`, …
    pub resource: String,
    /// `ok`, `denied` or `not_found`.
    pub outcome: String,
    /// Anything else worth keeping, as JSON text; never a customer value in the clear.
    pub detail: String,
    /// The previous entry's link.
    pub prev_hash: String,
    /// This entry's link.
    pub hash: String,
}

/// The answer of `GET /v1/audit/verify`: the audit chain the server's database holds, checked
/// under the audit key from its first entry (or after its newest archive, which a keyed
/// `audit.archive` entry must record) to its head, and signed checkpoints checked against it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChainCheck {
    /// Whether the chain holds and every checkpoint checked is held by it.
    pub holds: bool,
    /// The entry the check began after: 0 from the chain's first entry, else the last archived.
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub after: i64,
    /// The newest archive's file name, when the oldest entries were archived.
    pub archive: Option<String>,
    /// Entries checked, up to where the chain breaks.
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub entries: i64,
    /// The position of the last good entry.
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub head_seq: i64,
    /// The last good entry's link.
    pub head_hash: String,
    /// Where the chain breaks and why; `null` when it holds.
    pub broken: Option<ChainBreak>,
    /// The newest signed checkpoint the server kept in its database, checked against the chain;
    /// `null` when it kept none.
    pub server_checkpoint: Option<CheckpointCheck>,
    /// The checkpoint the caller gave (one its client witnessed in a signed policy and keeps
    /// outside the server), checked against the chain; `null` when none was given.
    pub given_checkpoint: Option<CheckpointCheck>,
    /// When the check ended: RFC 3339, UTC, milliseconds.
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub checked_at: String,
}

/// Where a chain breaks: the first entry altered, missing or out of place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChainBreak {
    /// The position where the chain breaks.
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub seq: i64,
    /// What is wrong there.
    pub reason: String,
}

/// A signed checkpoint of the audit chain's head, and whether the chain still holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckpointCheck {
    /// The position it signs.
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub seq: i64,
    /// The link it signs at that position.
    pub hash: String,
    /// When it was signed: RFC 3339, UTC, milliseconds.
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub time: String,
    /// Whether its signature verifies with the server's policy key and the chain still holds
    /// that link at that position.
    pub held: bool,
    /// How it fails, when it does; `null` when it is held.
    pub problem: Option<String>,
}

/// One view of an offline upload that the server refused, and why: an item of
/// `error.refused_views` in an `invalid_view` answer. It names the view, never repeats what it
/// held: its position and its key, nothing else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefusedView {
    /// Its position in the upload's `views`, from 0.
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 499))]
    pub index: u32,
    /// Its idempotency key; absent when the key itself is what was refused (`invalid_key`), so
    /// that nothing but a well-formed key is ever sent back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(
            value_type = String,
            required = false,
            pattern = "^[A-Za-z0-9_-]{16,64}$",
            examples("q7Zk2c9fYw1xR4bN")
        )
    )]
    pub key: Option<String>,
    /// Why: one of `ViewRefusal`. A client meets reasons newer than itself as text, so it
    /// reads this as text and treats a reason it does not know as one that may pass later.
    #[cfg_attr(feature = "openapi", schema(value_type = ViewRefusal))]
    pub reason: String,
}

desk_core::closed_names! {
    /// Why the server refused one view of an offline upload (`RefusedView::reason`). Each
    /// reason but `future_time` is final: the same view is refused again whenever it is sent.
    /// A view refused for `future_time` may pass once the server's clock has caught up with
    /// the client's.
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    ViewRefusal, "view refusal" {
        InvalidKey = "invalid_key", "The key is not 16 to 64 characters of A-Z, a-z, 0-9, `-` and `_`. Final.";
        InvalidAction = "invalid_action", "The action is not one an offline view may name. Final.";
        InvalidResource = "invalid_resource", "The resource is not the record id the action names. Final.";
        InvalidTime = "invalid_time", "The time is not an RFC 3339 date-time with an offset. Final.";
        FutureTime = "future_time", "The time is later than the server's clock plus its allowed skew: the client's clock runs ahead. Not final: the same view may be taken later.";
        OutsideWindow = "outside_window", "The time lies in none of the caller's offline windows: no policy this server signed for the caller allowed reading offline then. Final.";
    }
}

impl ViewRefusal {
    /// Whether the same view is refused for this reason whenever it is sent again: a client
    /// sets such a view aside rather than send it again.
    pub fn is_final(self) -> bool {
        !matches!(self, Self::FutureTime)
    }
}

/// The largest error body the server sends: an `invalid_view` answer that names each of
/// [`MAX_OFFLINE_VIEWS`] views with a key of 64 characters stays below it. Clients read error
/// bodies up to this size.
pub const MAX_ERROR_BYTES: usize = 128 * 1024;

desk_core::closed_names! {
    /// The stable code of an error answer: clients match on it, never on the message.
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    ApiCode, "error code" {
        Unauthorized = "unauthorized", "401: no bearer token, or one that failed a check.";
        UpdateRequired = "update_required", "426: the server requires a newer client than the one asking (its `min_client_version`; `min_version` says which): nothing else is answered until the client is updated.";
        AccessWithdrawn = "access_withdrawn", "401: the organisation's provisioning withdrew the agent's access (deactivated or deleted): the token stays refused, the client shreds its cache and ends the session; access comes back, once given back, only with a new sign-in.";
        Forbidden = "forbidden", "403: the role may not do or see this.";
        SearchKeyNotGranted = "search_key_not_granted", "403: the role may not search customers by this key.";
        NotFound = "not_found", "404: no such record.";
        InvalidParameters = "invalid_parameters", "400: a missing, unknown or malformed query parameter.";
        InvalidId = "invalid_id", "400: an id that is not a whole number fitting in 64 bits.";
        InvalidCursor = "invalid_cursor", "400: a cursor this server did not make.";
        InvalidLimit = "invalid_limit", "400: a page size out of bounds.";
        QueryTooLong = "query_too_long", "400: search text longer than 200 characters.";
        InvalidQuery = "invalid_query", "400: search text with control characters, or not of the kind asked for.";
        EmptyQuery = "empty_query", "400: search text with nothing to search for.";
        InvalidDate = "invalid_date", "400: a time that is neither a date nor an RFC 3339 time.";
        InvalidStatus = "invalid_status", "400: a transaction status that does not exist.";
        InvalidHeader = "invalid_header", "400: a request header the server reads holds something unusable.";
        EmptyBody = "empty_body", "400: an empty reply.";
        BodyTooLong = "body_too_long", "400: a reply longer than 10000 characters.";
        InvalidBody = "invalid_body", "400: a body of the wrong shape (a missing or unknown member, a wrong type, control characters).";
        MalformedJson = "malformed_json", "400: a body that is not JSON.";
        UnknownRole = "unknown_role", "400: a role name that does not exist, or a role with no definition.";
        InvalidDefinition = "invalid_definition", "400: a role definition that contradicts itself.";
        InvalidLayout = "invalid_layout", "400: a layout that shows what its role is not granted.";
        InvalidSubject = "invalid_subject", "400: a subject that is empty, too long or holds control characters.";
        InvalidView = "invalid_view", "400: offline views that break a rule, each named in `refused_views`; nothing was recorded.";
        OwnChange = "own_change", "403: a role change is approved by an administrator other than the one who proposed it.";
        ChangeDecided = "change_decided", "409: the role change was approved or rejected already.";
        TooManyViews = "too_many_views", "400: more offline views than one upload may hold.";
        TooManyUploads = "too_many_uploads", "429: more offline views than the agent may upload in this while; try again after `Retry-After` seconds.";
        TooManyReads = "too_many_reads", "429: more reads than the agent's read budget allows in this while; nothing was read; try again after `Retry-After` seconds.";
        TooManyCustomers = "too_many_customers", "429: the read would show the agent more distinct customers within an hour than its read budget allows, and the budget blocks; customers read within the hour can still be read; try again after `Retry-After` seconds.";
        BodyTooLarge = "body_too_large", "413: a body larger than the server's limit.";
        UnsupportedMediaType = "unsupported_media_type", "415: a body not sent as `application/json`.";
        ProviderUnavailable = "provider_unavailable", "503: the identity provider could not be reached to check the token.";
        TooManyStreams = "too_many_streams", "503: the server holds as many event streams as it may; connect again after `Retry-After` seconds.";
        DatabaseUnavailable = "database_unavailable", "503: the server cannot reach its database just now; nothing was read or changed (a change and its audit entry commit together or not at all); try again after `Retry-After` seconds.";
        Internal = "internal", "500: something failed on the server; the cause is in its log.";
    }
}

/// How the API says no: a stable `code` that clients match on, and a sentence for a person that
/// clients should not parse. Internal failures are logged with their cause and answered with a
/// generic message. `request_id` names the request in the server's log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = Error))]
pub struct ErrorBody {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// An error answer's code, sentence and request id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    /// Stable code: one of `ApiCode`. A client meets codes newer than itself as text, so it
    /// reads this as text and matches on the codes it knows.
    #[cfg_attr(feature = "openapi", schema(value_type = ApiCode))]
    pub code: String,
    /// What went wrong or what to fix, for a person.
    pub message: String,
    /// The request's id, the same as the answer's `x-request-id` header: the server's log line
    /// for this request carries it (`request{… id=…}`), so a person holding the error a client
    /// showed can find what the server logged. The server makes it for every request (a
    /// client's own `x-request-id` is replaced). Present on every error answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(
            value_type = String,
            required = false,
            examples("1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d")
        )
    )]
    pub request_id: Option<String>,
    /// With `invalid_view` only: every view of the upload that the server refused, in the
    /// order of the upload, each with why. The others broke no rule, but none was recorded:
    /// send them again without these. At most 500; absent on every other error.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", schema(required = false, max_items = 500))]
    pub refused_views: Vec<RefusedView>,
    /// With `access_withdrawn` only: the last wipe ordered for the agent when the server
    /// refused. A client that shreds its cache and ends its session on this answer has carried
    /// out every wipe up to it; after a new sign-in it acknowledges them without ending that
    /// session. Absent when no wipe was ordered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(required = false, minimum = 1))]
    pub wipe_id: Option<i64>,
    /// With `update_required` only: the oldest client version the server answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = String, required = false, examples("1.4.0"))
    )]
    pub min_version: Option<String>,
}

/// The request header in which a client says its version (`MAJOR.MINOR.PATCH`): the server
/// refuses, with `update_required`, a client older than its `min_client_version`, or one that
/// does not say, while a minimum is set.
pub const CLIENT_VERSION_HEADER: &str = "desk-client-version";

/// A client's version, `MAJOR.MINOR.PATCH` in whole numbers, ordered as numbers are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ClientVersion(pub u64, pub u64, pub u64);

impl std::str::FromStr for ClientVersion {
    type Err = String;

    /// Reads `1.4.0` (a pre-release or build suffix after `-` or `+` is ignored: `1.4.0-rc.1`
    /// is 1.4.0); anything else is refused.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let core = text.split(['-', '+']).next().unwrap_or("");
        let parts: Vec<&str> = core.split('.').collect();
        let number = |p: &str| {
            (!p.is_empty() && p.len() <= 9 && p.bytes().all(|b| b.is_ascii_digit()))
                .then(|| p.parse::<u64>().ok())
                .flatten()
        };
        match parts.as_slice() {
            [a, b, c] => match (number(a), number(b), number(c)) {
                (Some(a), Some(b), Some(c)) => Ok(Self(a, b, c)),
                _ => Err(format!("`{text}` is not a version (MAJOR.MINOR.PATCH)")),
            },
            _ => Err(format!("`{text}` is not a version (MAJOR.MINOR.PATCH)")),
        }
    }
}

impl std::fmt::Display for ClientVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

/// The body of `GET /v1/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    /// Always `ok` when the server answers at all.
    pub status: String,
    /// The server's version.
    #[cfg_attr(feature = "openapi", schema(examples("0.1.0")))]
    pub version: String,
}

#[cfg(test)]
mod version_tests {
    use super::ClientVersion;

    #[test]
    fn versions_read_and_order_as_numbers() {
        let v = |t: &str| t.parse::<ClientVersion>();
        assert_eq!(v("1.4.0"), Ok(ClientVersion(1, 4, 0)));
        assert_eq!(v("1.4.0-rc.1"), Ok(ClientVersion(1, 4, 0)));
        assert!(v("1.10.0").unwrap() > v("1.9.9").unwrap());
        for bad in [
            "",
            "1",
            "1.4",
            "1.4.0.1",
            "v1.4.0",
            "1.x.0",
            "1..0",
            " 1.4.0",
            "1.4.+0",
            "9999999999.0.0",
        ] {
            assert!(v(bad).is_err(), "{bad}");
        }
        assert_eq!(ClientVersion(1, 4, 0).to_string(), "1.4.0");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_offline_view_names_its_action_as_the_audit_vocabulary_does() {
        let view = OfflineView::new(
            "k".repeat(16),
            "2026-11-29T10:00:00Z".into(),
            AuditAction::TicketView,
            "ticket:1".into(),
        );
        let json = serde_json::to_value(&view).unwrap();
        assert_eq!(json["action"], "ticket.view");
    }

    #[test]
    fn error_bodies_round_trip_and_a_missing_request_id_is_absent() {
        let body = ErrorBody {
            error: ErrorDetail {
                code: ApiCode::Forbidden.as_str().into(),
                message: "Your role does not allow this.".into(),
                request_id: None,
                refused_views: vec![],
                wipe_id: None,
                min_version: None,
            },
        };
        let text = serde_json::to_string(&body).unwrap();
        assert_eq!(
            text,
            r#"{"error":{"code":"forbidden","message":"Your role does not allow this."}}"#
        );
        assert_eq!(serde_json::from_str::<ErrorBody>(&text).unwrap(), body);
    }

    #[test]
    fn a_refusal_naming_every_view_of_a_full_upload_fits_the_error_limit() {
        let longest_reason = ViewRefusal::ALL
            .iter()
            .map(|r| r.as_str())
            .max_by_key(|r| r.len())
            .unwrap();
        let body = ErrorBody {
            error: ErrorDetail {
                code: ApiCode::InvalidView.as_str().into(),
                message: "m".repeat(300),
                request_id: Some("1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d".into()),
                refused_views: (0..MAX_OFFLINE_VIEWS as u32)
                    .map(|index| RefusedView {
                        index,
                        key: Some("k".repeat(64)),
                        reason: longest_reason.into(),
                    })
                    .collect(),
                wipe_id: None,
                min_version: None,
            },
        };
        let size = serde_json::to_vec(&body).unwrap().len();
        assert!(size < MAX_ERROR_BYTES, "{size}");
        let text = serde_json::to_string(&body.error.refused_views[3]).unwrap();
        assert_eq!(
            text,
            format!(
                r#"{{"index":3,"key":"{}","reason":"{longest_reason}"}}"#,
                "k".repeat(64)
            )
        );
    }

    #[test]
    fn only_a_time_ahead_of_the_servers_clock_may_pass_later() {
        let later: Vec<ViewRefusal> = ViewRefusal::ALL
            .iter()
            .copied()
            .filter(|r| !r.is_final())
            .collect();
        assert_eq!(later, [ViewRefusal::FutureTime]);
        for &reason in ViewRefusal::ALL {
            assert_eq!(
                reason.doc().ends_with("Final."),
                reason.is_final(),
                "{reason}"
            );
        }
    }
}
