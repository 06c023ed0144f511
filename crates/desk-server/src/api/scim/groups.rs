//! `/scim/v2/Groups`: provisioning clients create, read, list, replace, patch and delete groups
//! of agents. A group's `displayName` maps to roles through `role_map` when `roles_from =
//! "scim"`; then every membership change pushes a new policy to the agents it concerns.

use std::collections::{BTreeSet, HashSet};

use axum::extract::{Path, Query, State as StateOf};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use desk_core::AuditAction;
use serde_json::{Map, Value, json};

use super::http::{Refusal, ScimBody, ScimClient};
use super::{
    ListParams, ReadParams, ScimResource, Withdraw, answer, get_one, list_of, new_id, one,
};
use crate::api::State;
use crate::audit::{AuditEvent, Outcome};
use crate::scim::patch::{PatchRequest, apply_to};
use crate::scim::resource;
use crate::scim::schema::ResourceKind;
use crate::store::{ScimGroupRow, ScimLookup, ScimWrite};

const KIND: ResourceKind = ResourceKind::Group;

/// The group kept for `fields`, every member checked to be a user (`invalidValue` otherwise):
/// those of `members_now` (the group's members as kept, users all) without asking the store, so
/// adding one member to a large group reads one user, not every member.
async fn row_of(
    server: &State,
    id: &str,
    created: &str,
    members_now: &[(String, String)],
    fields: Map<String, Value>,
) -> Result<ScimGroupRow, Refusal> {
    let mut users: HashSet<String> = members_now.iter().map(|(id, _)| id.clone()).collect();
    for member in fields
        .get("members")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(user) = member.get("value").and_then(Value::as_str)
            && !users.contains(user)
            && !server
                .store
                .scim_users(&ScimLookup::Id(user.to_owned()))
                .await?
                .is_empty()
        {
            users.insert(user.to_owned());
        }
    }
    let now = crate::scim::now();
    Ok(resource::group_row(id, created, &now, fields, |u| {
        users.contains(u)
    })?)
}

/// Make a group
///
/// Makes a SCIM group (RFC 7643 §4.2): `displayName` (required), `externalId`, `members` (each a
/// user's `id` in `value`; an id no user has is 400 `invalidValue`). Audited as
/// `scim.group.create`.
#[utoipa::path(
    post, path = "/scim/v2/Groups", tag = "scim", operation_id = "scimCreateGroup",
    security(("scimToken" = [])),
    request_body(content = ScimResource, content_type = "application/scim+json"),
    responses(
        (status = 201, description = "The group as kept, with `Location`.", body = ScimResource, content_type = "application/scim+json"),
        (status = 400, description = "`invalidSyntax` or `invalidValue`: nothing was made."),
    )
)]
pub(in crate::api) async fn create(
    StateOf(server): StateOf<State>,
    client: ScimClient,
    headers: HeaderMap,
    ScimBody(body): ScimBody,
) -> Result<Response, Refusal> {
    let fields = resource::read_body(&body, KIND)?;
    let _writing = server.scim_writing().await?;
    let now = crate::scim::now();
    let group = row_of(&server, &new_id(), &now, &[], fields).await?;
    let audit = AuditEvent::new(
        client.actor(),
        AuditAction::ScimGroupCreate,
        format!("scim.group:{}", group.id),
        Outcome::Ok,
    )
    .with_detail(json!({"display_name": group.display_name, "members": group.members.len()}));
    let members = group.members.iter().map(|(id, _)| id.clone()).collect();
    let affected = roles_affected(&server, members);
    super::write(
        &server,
        &client,
        ScimWrite::Group(group.clone()),
        Withdraw::Nothing,
        !affected.is_empty(),
        audit,
    )
    .await?;
    super::push_roles(&server, affected).await;
    let kept: ScimGroupRow = one(&server, &group.id).await?;
    Ok(answer(StatusCode::CREATED, &kept, &headers))
}

/// Read a group
///
/// One SCIM group with its members (`excludedAttributes=members` leaves them out, as Entra ID
/// asks).
#[utoipa::path(
    get, path = "/scim/v2/Groups/{id}", tag = "scim", operation_id = "scimGetGroup",
    security(("scimToken" = [])),
    params(("id" = String, Path, description = "The group's id, as the server gave it."), ReadParams),
    responses(
        (status = 200, description = "The group.", body = ScimResource, content_type = "application/scim+json"),
        (status = 404, description = "No group has this id."),
    )
)]
pub(in crate::api) async fn get(
    StateOf(server): StateOf<State>,
    _client: ScimClient,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(read): Query<ReadParams>,
) -> Result<Response, Refusal> {
    get_one::<ScimGroupRow>(&server, &headers, &id, &read).await
}

/// List groups
///
/// The groups matching `filter` (on `displayName`, `externalId`, `id`, `members.value`, …),
/// oldest first, a page at a time, as `scimListUsers` pages.
#[utoipa::path(
    get, path = "/scim/v2/Groups", tag = "scim", operation_id = "scimListGroups",
    security(("scimToken" = [])),
    params(ListParams),
    responses(
        (status = 200, description = "A ListResponse of groups.", body = ScimResource, content_type = "application/scim+json"),
        (status = 400, description = "`invalidFilter`, or `invalidValue` for a bad `startIndex`, `count` or attribute name."),
    )
)]
pub(in crate::api) async fn list(
    StateOf(server): StateOf<State>,
    _client: ScimClient,
    headers: HeaderMap,
    Query(params): Query<ListParams>,
) -> Result<Response, Refusal> {
    list_of::<ScimGroupRow>(&server, &headers, params).await
}

/// Replace a group
///
/// Replaces the group's `displayName`, `externalId` and members with the body's. Audited as
/// `scim.group.update`, naming the members added and removed.
#[utoipa::path(
    put, path = "/scim/v2/Groups/{id}", tag = "scim", operation_id = "scimReplaceGroup",
    security(("scimToken" = [])),
    params(("id" = String, Path, description = "The group's id.")),
    request_body(content = ScimResource, content_type = "application/scim+json"),
    responses(
        (status = 200, description = "The group as kept now.", body = ScimResource, content_type = "application/scim+json"),
        (status = 400, description = "`invalidSyntax` or `invalidValue`: nothing changed."),
        (status = 404, description = "No group has this id."),
    )
)]
pub(in crate::api) async fn replace(
    StateOf(server): StateOf<State>,
    client: ScimClient,
    headers: HeaderMap,
    Path(id): Path<String>,
    ScimBody(body): ScimBody,
) -> Result<Response, Refusal> {
    let fields = resource::read_body(&body, KIND)?;
    let _writing = server.scim_writing().await?;
    let old: ScimGroupRow = one(&server, &id).await?;
    let new = row_of(&server, &id, &old.created, &old.members, fields).await?;
    update(&server, &client, &old, new).await?;
    let kept: ScimGroupRow = one(&server, &id).await?;
    Ok(answer(StatusCode::OK, &kept, &headers))
}

/// Patch a group
///
/// A PatchOp as Entra ID and Okta send it: `add` of `members`, `remove` of
/// `members[value eq "…"]`, Entra ID's `remove` of `members` with a value list (only those
/// members go), a `replace` of `displayName` (with Okta's own `id` in the value). All or nothing.
/// 204, no body. Audited as `scim.group.update`.
#[utoipa::path(
    patch, path = "/scim/v2/Groups/{id}", tag = "scim", operation_id = "scimPatchGroup",
    security(("scimToken" = [])),
    params(("id" = String, Path, description = "The group's id.")),
    request_body(content = ScimResource, content_type = "application/scim+json"),
    responses(
        (status = 204, description = "Patched."),
        (status = 400, description = "`invalidSyntax`, `invalidPath`, `noTarget` or `invalidValue`: nothing changed."),
        (status = 404, description = "No group has this id."),
    )
)]
pub(in crate::api) async fn patch(
    StateOf(server): StateOf<State>,
    client: ScimClient,
    Path(id): Path<String>,
    ScimBody(body): ScimBody,
) -> Result<StatusCode, Refusal> {
    let request = PatchRequest::parse(&body, KIND)?;
    let _writing = server.scim_writing().await?;
    let old: ScimGroupRow = one(&server, &id).await?;
    let mut patched = resource::group_json(&old, "");
    apply_to(&mut patched, &request)?;
    let fields = resource::read_body(&patched, KIND)?;
    let new = row_of(&server, &id, &old.created, &old.members, fields).await?;
    update(&server, &client, &old, new).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Delete a group
///
/// Deletes the group (its members stay users). 204; a repeated DELETE is 404. Audited as
/// `scim.group.delete`.
#[utoipa::path(
    delete, path = "/scim/v2/Groups/{id}", tag = "scim", operation_id = "scimDeleteGroup",
    security(("scimToken" = [])),
    params(("id" = String, Path, description = "The group's id.")),
    responses(
        (status = 204, description = "Deleted."),
        (status = 404, description = "No group has this id."),
    )
)]
pub(in crate::api) async fn delete(
    StateOf(server): StateOf<State>,
    client: ScimClient,
    Path(id): Path<String>,
) -> Result<StatusCode, Refusal> {
    let _writing = server.scim_writing().await?;
    let old: ScimGroupRow = one(&server, &id).await?;
    let audit = AuditEvent::new(
        client.actor(),
        AuditAction::ScimGroupDelete,
        format!("scim.group:{id}"),
        Outcome::Ok,
    )
    .with_detail(json!({"display_name": old.display_name}));
    let members = old.members.iter().map(|(id, _)| id.clone()).collect();
    let affected = roles_affected(&server, members);
    super::write(
        &server,
        &client,
        ScimWrite::DeleteGroup(id),
        Withdraw::Nothing,
        !affected.is_empty(),
        audit,
    )
    .await?;
    super::push_roles(&server, affected).await;
    Ok(StatusCode::NO_CONTENT)
}

/// Stores `new` in place of `old` and audits the members added and removed.
async fn update(
    server: &State,
    client: &ScimClient,
    old: &ScimGroupRow,
    new: ScimGroupRow,
) -> Result<(), Refusal> {
    let before: BTreeSet<&String> = old.members.iter().map(|(id, _)| id).collect();
    let after: BTreeSet<&String> = new.members.iter().map(|(id, _)| id).collect();
    let name_of = |id: &String| {
        old.members
            .iter()
            .find(|(m, _)| m == id)
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| id.clone())
    };
    let added: Vec<&String> = after.difference(&before).copied().collect();
    let removed: Vec<String> = before.difference(&after).map(|id| name_of(id)).collect();
    // `role_map` matches names exactly: a change of case is a rename.
    let renamed = old.display_name != new.display_name;
    let mut detail = json!({
        "display_name": new.display_name,
        "members_added": added,
        "members_removed": removed,
    });
    if renamed {
        detail["display_name_before"] = json!(old.display_name);
    }
    let audit = AuditEvent::new(
        client.actor(),
        AuditAction::ScimGroupUpdate,
        format!("scim.group:{}", old.id),
        Outcome::Ok,
    )
    .with_detail(detail);
    let mut concerned: BTreeSet<String> = before
        .symmetric_difference(&after)
        .map(|s| (*s).clone())
        .collect();
    if renamed {
        concerned.extend(before.union(&after).map(|s| (*s).clone()));
    }
    let affected = roles_affected(server, concerned);
    super::write(
        server,
        client,
        ScimWrite::Group(new),
        Withdraw::Nothing,
        !affected.is_empty(),
        audit,
    )
    .await?;
    super::push_roles(server, affected).await;
    Ok(())
}

/// The users whose roles may change: nobody's unless roles come from SCIM. The policy version
/// goes up when there is anyone.
fn roles_affected(server: &State, users: BTreeSet<String>) -> BTreeSet<String> {
    if server.config.roles_from != crate::config::RolesFrom::Scim {
        return BTreeSet::new();
    }
    users
}
