//! `/scim/v2/Users`: provisioning clients create, read, list, replace, patch and delete the
//! agents' SCIM users. A user whose `active` goes false, who is deleted, or whose `userName`
//! changes loses access at once under its (old) name ([`super::changed`]).

use axum::extract::{Path, Query, State as StateOf};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use desk_core::AuditAction;
use serde_json::json;

use super::http::{Refusal, ScimBody, ScimClient, base_url};
use super::{
    ListParams, ReadParams, ScimResource, Withdraw, answer, get_one, list_of, new_id, one,
};
use crate::api::State;
use crate::audit::{AuditEvent, Outcome};
use crate::scim::patch::{PatchRequest, apply_to};
use crate::scim::resource;
use crate::scim::schema::ResourceKind;
use crate::store::{ScimUserRow, ScimWrite};

const KIND: ResourceKind = ResourceKind::User;

/// Make a user
///
/// Makes a SCIM user from a full body (RFC 7643 §4.1). Kept and returned: `userName` (required,
/// unique whatever its case: another user's is 409 `uniqueness`), `externalId`, `displayName`,
/// `name` (`formatted`, `familyName`, `givenName`), `emails` (`value`, `type`, `primary`) and
/// `active` (true unless sent; `"True"`/`"False"` strings are read as booleans). `id`, `meta` and
/// `groups` are the server's and ignored when sent; the enterprise extension and the core
/// attributes not kept (`roles`, `locale`, `password`, …) are accepted and ignored; any other
/// attribute is 400 `invalidValue`. Audited as `scim.user.create`.
#[utoipa::path(
    post, path = "/scim/v2/Users", tag = "scim", operation_id = "scimCreateUser",
    security(("scimToken" = [])),
    request_body(content = ScimResource, content_type = "application/scim+json"),
    responses(
        (status = 201, description = "The user as kept, with `Location`.", body = ScimResource, content_type = "application/scim+json"),
        (status = 400, description = "`invalidSyntax` or `invalidValue`: nothing was made."),
        (status = 409, description = "`uniqueness`: another user has this `userName`."),
    )
)]
pub(in crate::api) async fn create(
    StateOf(server): StateOf<State>,
    client: ScimClient,
    headers: HeaderMap,
    ScimBody(body): ScimBody,
) -> Result<Response, Refusal> {
    let fields = resource::read_body(&body, KIND)?;
    let now = crate::scim::now();
    let user = resource::user_row(&new_id(), &now, &now, fields);
    let _writing = server.scim_writing().await?;
    let audit = AuditEvent::new(
        client.actor(),
        AuditAction::ScimUserCreate,
        format!("scim.user:{}", user.id),
        Outcome::Ok,
    )
    .with_detail(json!({"user_name": user.user_name, "active": user.active}));
    super::write(
        &server,
        &client,
        ScimWrite::User(user.clone()),
        Withdraw::Nothing,
        false,
        audit,
    )
    .await?;
    Ok(answer(StatusCode::CREATED, &user, &headers))
}

/// Read a user
///
/// One SCIM user, with the groups it is a member of. `attributes` and `excludedAttributes` cut
/// the answer to (or without) the top-level attributes named; `id` and `schemas` always stay.
#[utoipa::path(
    get, path = "/scim/v2/Users/{id}", tag = "scim", operation_id = "scimGetUser",
    security(("scimToken" = [])),
    params(("id" = String, Path, description = "The user's id, as the server gave it."), ReadParams),
    responses(
        (status = 200, description = "The user.", body = ScimResource, content_type = "application/scim+json"),
        (status = 404, description = "No user has this id."),
    )
)]
pub(in crate::api) async fn get(
    StateOf(server): StateOf<State>,
    _client: ScimClient,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(read): Query<ReadParams>,
) -> Result<Response, Refusal> {
    get_one::<ScimUserRow>(&server, &headers, &id, &read).await
}

/// List users
///
/// The users matching `filter` (RFC 7644 §3.4.2.2: `eq ne co sw ew pr gt ge lt le`, `and`,
/// `or`, `not`, value filters; on `userName`, `externalId`, `displayName`, `name.*`,
/// `emails.value`, `emails.type`, `active`, `id`, `meta.*`), oldest first, a page at a time
/// (`startIndex` from 1, `count` up to 200, 100 when not given). A filter of 1,024 characters
/// or more, nested deeper than 8, or on an attribute not kept is 400 `invalidFilter`.
#[utoipa::path(
    get, path = "/scim/v2/Users", tag = "scim", operation_id = "scimListUsers",
    security(("scimToken" = [])),
    params(ListParams),
    responses(
        (status = 200, description = "A ListResponse of users.", body = ScimResource, content_type = "application/scim+json"),
        (status = 400, description = "`invalidFilter`, or `invalidValue` for a bad `startIndex`, `count` or attribute name."),
    )
)]
pub(in crate::api) async fn list(
    StateOf(server): StateOf<State>,
    _client: ScimClient,
    headers: HeaderMap,
    Query(params): Query<ListParams>,
) -> Result<Response, Refusal> {
    list_of::<ScimUserRow>(&server, &headers, params).await
}

/// Replace a user
///
/// Replaces every client-writable attribute of the user with the body's (as `scimCreateUser`
/// reads it): what the body leaves out is removed, `active` included (true when left out).
/// `active: false` withdraws the agent's access at once (see `scimPatchUser`). Audited as
/// `scim.user.update`.
#[utoipa::path(
    put, path = "/scim/v2/Users/{id}", tag = "scim", operation_id = "scimReplaceUser",
    security(("scimToken" = [])),
    params(("id" = String, Path, description = "The user's id.")),
    request_body(content = ScimResource, content_type = "application/scim+json"),
    responses(
        (status = 200, description = "The user as kept now.", body = ScimResource, content_type = "application/scim+json"),
        (status = 400, description = "`invalidSyntax` or `invalidValue`: nothing changed."),
        (status = 404, description = "No user has this id."),
        (status = 409, description = "`uniqueness`: another user has this `userName`."),
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
    let old: ScimUserRow = one(&server, &id).await?;
    update(&server, &client, &headers, &old, fields).await
}

/// Patch a user
///
/// A PatchOp (RFC 7644 §3.5.2) as Entra ID and Okta send it: `op` in any case, paths with value
/// filters, path-less `add`/`replace` with a value object (dotted keys too), booleans as
/// strings. All operations apply or none; a result that is no valid user (no `userName`) is 400
/// and changes nothing. `active` going false withdraws the agent's access at once: every request
/// with a token of theirs is refused (401 `access_withdrawn`), their event streams end, and a
/// wipe is ordered for their devices; `active` going true again lets them in with a new sign-in.
/// Audited as `scim.user.update` (and `device.wipe`, `events.end`).
#[utoipa::path(
    patch, path = "/scim/v2/Users/{id}", tag = "scim", operation_id = "scimPatchUser",
    security(("scimToken" = [])),
    params(("id" = String, Path, description = "The user's id.")),
    request_body(content = ScimResource, content_type = "application/scim+json"),
    responses(
        (status = 200, description = "The user as kept now.", body = ScimResource, content_type = "application/scim+json"),
        (status = 400, description = "`invalidSyntax`, `invalidPath`, `noTarget`, `invalidValue` or `mutability`: nothing changed."),
        (status = 404, description = "No user has this id."),
        (status = 409, description = "`uniqueness`: another user has this `userName`."),
    )
)]
pub(in crate::api) async fn patch(
    StateOf(server): StateOf<State>,
    client: ScimClient,
    headers: HeaderMap,
    Path(id): Path<String>,
    ScimBody(body): ScimBody,
) -> Result<Response, Refusal> {
    let request = PatchRequest::parse(&body, KIND)?;
    let base = base_url(&headers);
    let _writing = server.scim_writing().await?;
    let old: ScimUserRow = one(&server, &id).await?;
    let mut patched = resource::user_json(&old, &base);
    apply_to(&mut patched, &request)?;
    let fields = resource::read_body(&patched, KIND)?;
    update(&server, &client, &headers, &old, fields).await
}

/// Delete a user
///
/// Deletes the user, and with it the agent's access, at once, as `active: false` does (their
/// tokens refused, streams ended, a wipe ordered); a user made again with the same `userName`
/// lets the agent in only with a new sign-in. 204; a repeated DELETE is 404. Audited as
/// `scim.user.delete`.
#[utoipa::path(
    delete, path = "/scim/v2/Users/{id}", tag = "scim", operation_id = "scimDeleteUser",
    security(("scimToken" = [])),
    params(("id" = String, Path, description = "The user's id.")),
    responses(
        (status = 204, description = "Deleted."),
        (status = 404, description = "No user has this id."),
    )
)]
pub(in crate::api) async fn delete(
    StateOf(server): StateOf<State>,
    client: ScimClient,
    Path(id): Path<String>,
) -> Result<StatusCode, Refusal> {
    let _writing = server.scim_writing().await?;
    let old: ScimUserRow = one(&server, &id).await?;
    let audit = AuditEvent::new(
        client.actor(),
        AuditAction::ScimUserDelete,
        format!("scim.user:{id}"),
        Outcome::Ok,
    )
    .with_detail(json!({
        "user_name": old.user_name,
        "access": if old.active { "withdrawn" } else { "ended already" },
    }));
    let name = old.user_name.to_lowercase();
    super::write(
        &server,
        &client,
        ScimWrite::DeleteUser(id),
        // An inactive user's access ended already (and its devices were wiped then); a user
        // never active gets the name recorded, so the agent stays refused once it is gone.
        if old.active {
            Withdraw::Access(name)
        } else {
            Withdraw::Ended(name)
        },
        false,
        audit,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Stores `fields` (read as a full body) in place of `old`, withdrawing access under the old
/// name when the user is made inactive or renamed, audits what changed, and answers with the
/// user as kept.
async fn update(
    server: &State,
    client: &ScimClient,
    headers: &HeaderMap,
    old: &ScimUserRow,
    fields: serde_json::Map<String, serde_json::Value>,
) -> Result<Response, Refusal> {
    let mut new = resource::user_row(&old.id, &old.created, &crate::scim::now(), fields);
    let old_key = old.user_name.to_lowercase();
    let renamed = new.user_name.to_lowercase() != old_key;
    let withdrawn = old.active && (!new.active || renamed);
    let changed = changed_attributes(old, &new);
    let mut detail = json!({"user_name": new.user_name, "changed": changed});
    if withdrawn {
        detail["access"] = json!("withdrawn");
    } else if !old.active && new.active {
        detail["access"] = json!("given back");
    }
    if renamed {
        detail["user_name_before"] = json!(old.user_name);
    }
    let audit = AuditEvent::new(
        client.actor(),
        AuditAction::ScimUserUpdate,
        format!("scim.user:{}", old.id),
        Outcome::Ok,
    )
    .with_detail(detail);
    let bump = renamed && server.config.roles_from == crate::config::RolesFrom::Scim;
    let withdraw = if withdrawn {
        Withdraw::Access(old_key)
    } else {
        Withdraw::Nothing
    };
    super::write(
        server,
        client,
        ScimWrite::User(new.clone()),
        withdraw,
        bump,
        audit,
    )
    .await?;
    if bump {
        // The agent under its new name holds the user's groups: its windows learn its roles.
        super::push_roles(server, [old.id.clone()].into()).await;
    }
    new.groups = old.groups.clone();
    Ok(answer(StatusCode::OK, &new, headers))
}

/// The names of the attributes whose values differ between `old` and `new`.
fn changed_attributes(old: &ScimUserRow, new: &ScimUserRow) -> Vec<String> {
    let (a, b) = (resource::user_json(old, ""), resource::user_json(new, ""));
    let mut names: Vec<String> = [
        "userName",
        "externalId",
        "displayName",
        "name",
        "emails",
        "active",
    ]
    .into_iter()
    .filter(|n| a.get(n) != b.get(n))
    .map(str::to_owned)
    .collect();
    names.sort();
    names
}
