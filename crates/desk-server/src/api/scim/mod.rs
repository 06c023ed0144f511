//! The SCIM 2.0 service provider at `/scim/v2` (RFC 7643, RFC 7644), through which Entra ID, Okta
//! and other identity providers provision agents and their groups.
//!
//! Its routes sit in the one route list ([`crate::api::routes`]) with their OpenAPI operations
//! (tag `scim`), but answer as SCIM does: every refusal is a SCIM error body in
//! `application/scim+json`, axum's own 404/405/413 included (`http::scim_shaped`). They open
//! only to provisioning clients ([`http::ScimClient`]: a token made by `desk-server scim token
//! create`, looked up by its hash on every request, so one made or revoked while the server runs
//! counts at once; an agent's access token never opens them, nor a SCIM token the agent API),
//! each at a rate of its own (`scim_requests_per_minute`, bursts of `scim_burst`).
//!
//! What changes here reaches agents ([`access`]): a user made inactive, deleted or renamed
//! loses access under that name at once, in the same transaction that records it — the name's
//! withdrawal time is set (the agent's tokens issued until then stay refused), a wipe is ordered
//! for each agent subject that signed in under the name — and then that subject's event streams
//! are ended. With `roles_from = "scim"` a membership change raises the policy version and
//! pushes a new policy to the agents concerned ([`push_roles`]). SCIM reads are not audited (a
//! sync reads every user often); every write is, under the actor `scim:NAME`.

pub(super) mod access;
mod discovery;
pub(super) mod groups;
pub(crate) mod http;
pub(super) mod users;

use std::collections::BTreeSet;

use rand::RngCore;
use serde::Deserialize;
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use self::http::{Refusal, ScimClient, base_url, scim_json};
use crate::api::State;
use crate::api::replicas::Announcement;
use crate::audit::{AuditEvent, Outcome};
use crate::scim::filter::Filter;
use crate::scim::resource;
use crate::scim::resource::{DEFAULT_COUNT, MAX_RESULTS, Projection};
use crate::scim::schema::ResourceKind;
use crate::store::{ScimChange, ScimLookup, ScimWrite};
use desk_core::AuditAction;

/// The largest SCIM body taken (or `max_body_bytes` when larger): a group of some ten thousand
/// members in one request.
pub(super) const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Every SCIM route, with its operation, answering SCIM-shaped errors.
pub(super) fn routes() -> OpenApiRouter<State> {
    OpenApiRouter::new()
        .routes(routes!(users::list, users::create))
        .routes(routes!(
            users::get,
            users::replace,
            users::patch,
            users::delete
        ))
        .routes(routes!(groups::list, groups::create))
        .routes(routes!(
            groups::get,
            groups::replace,
            groups::patch,
            groups::delete
        ))
        .routes(routes!(discovery::service_provider_config))
        .routes(routes!(discovery::resource_types))
        .routes(routes!(discovery::resource_type))
        .routes(routes!(discovery::schemas))
        .routes(routes!(discovery::schema))
        .layer(axum::middleware::map_response(http::scim_shaped))
}

desk_core::schema_type! {
    /// A SCIM resource, list response or discovery document, as RFC 7643 and RFC 7644 define it.
    ScimResource => json!({
        "type": "object",
        "description": "A SCIM 2.0 body (RFC 7643, RFC 7644): a User, a Group, a PatchOp, a \
            ListResponse or a discovery document, each naming its schemas in `schemas`. What the \
            server keeps of each is in `GET /scim/v2/Schemas`.",
        "required": ["schemas"],
        "properties": {"schemas": {"type": "array", "items": {"type": "string"}}},
    })
}

/// `attributes` and `excludedAttributes` of a read.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct ReadParams {
    /// Only these top-level attributes (comma-separated), with `id` and `schemas`.
    attributes: Option<String>,
    /// Not these top-level attributes (comma-separated), e.g. `members`.
    #[serde(rename = "excludedAttributes")]
    #[param(rename = "excludedAttributes")]
    excluded_attributes: Option<String>,
}

impl ReadParams {
    fn projection(&self, kind: ResourceKind) -> Result<Projection, Refusal> {
        Ok(Projection::new(
            self.attributes.as_deref(),
            self.excluded_attributes.as_deref(),
            kind,
        )?)
    }
}

/// A list's filter, page and projection.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct ListParams {
    /// A SCIM filter (RFC 7644 §3.4.2.2), under 1,024 characters, nested at most 8 deep.
    #[param(max_length = 1024, example = "userName eq \"agent1@example.com\"")]
    filter: Option<String>,
    /// The 1-based index of the first result (1 when absent or below 1).
    #[serde(rename = "startIndex")]
    #[param(rename = "startIndex", minimum = 1)]
    start_index: Option<i64>,
    /// Results per page, 0 to 200 (100 when absent; a negative count is 0, above 200 is 200).
    #[param(minimum = 0, maximum = 200)]
    count: Option<i64>,
    /// Only these top-level attributes (comma-separated), with `id` and `schemas`.
    attributes: Option<String>,
    /// Not these top-level attributes (comma-separated).
    #[serde(rename = "excludedAttributes")]
    #[param(rename = "excludedAttributes")]
    excluded_attributes: Option<String>,
}

impl ListParams {
    fn read(
        self,
        kind: ResourceKind,
    ) -> Result<(Option<Filter>, Projection, usize, usize), Refusal> {
        let filter = self
            .filter
            .as_deref()
            .map(|f| Filter::parse(f, kind))
            .transpose()?;
        let projection = Projection::new(
            self.attributes.as_deref(),
            self.excluded_attributes.as_deref(),
            kind,
        )?;
        let start = self.start_index.unwrap_or(1).max(1) as usize;
        let count = self
            .count
            .unwrap_or(DEFAULT_COUNT as i64)
            .clamp(0, MAX_RESULTS as i64) as usize;
        Ok((filter, projection, start, count))
    }
}

/// A kind of resource as the handlers serve it: how its rows are read and written as JSON.
trait Served: Sized + Send {
    /// The kind.
    const KIND: ResourceKind;
    /// What a 404 calls it.
    const NAME: &'static str;
    /// The rows `lookup` names.
    fn rows(
        server: &State,
        lookup: &ScimLookup,
    ) -> impl std::future::Future<Output = Result<Vec<Self>, crate::store::StoreError>> + Send;
    /// The row as clients read it.
    fn json(&self, base: &str) -> serde_json::Value;
}

impl Served for crate::store::ScimUserRow {
    const KIND: ResourceKind = ResourceKind::User;
    const NAME: &'static str = "user";
    async fn rows(
        server: &State,
        lookup: &ScimLookup,
    ) -> Result<Vec<Self>, crate::store::StoreError> {
        server.store.scim_users(lookup).await
    }
    fn json(&self, base: &str) -> serde_json::Value {
        crate::scim::resource::user_json(self, base)
    }
}

impl Served for crate::store::ScimGroupRow {
    const KIND: ResourceKind = ResourceKind::Group;
    const NAME: &'static str = "group";
    async fn rows(
        server: &State,
        lookup: &ScimLookup,
    ) -> Result<Vec<Self>, crate::store::StoreError> {
        server.store.scim_groups(lookup).await
    }
    fn json(&self, base: &str) -> serde_json::Value {
        crate::scim::resource::group_json(self, base)
    }
}

/// The resource with this id, or 404.
async fn one<R: Served>(server: &State, id: &str) -> Result<R, Refusal> {
    R::rows(server, &ScimLookup::Id(id.to_owned()))
        .await?
        .pop()
        .ok_or_else(|| Refusal::not_found(R::NAME, id))
}

/// The answer of a read of one resource, cut as `read` says.
async fn get_one<R: Served>(
    server: &State,
    headers: &HeaderMap,
    id: &str,
    read: &ReadParams,
) -> Result<Response, Refusal> {
    let projection = read.projection(R::KIND)?;
    let row: R = one(server, id).await?;
    Ok(scim_json(&projection.apply(row.json(&base_url(headers)))).into_response())
}

/// The answer of a list: a page read as a page when there is no filter (an import reads every
/// one, a page at a time), else the rows the filter narrows to, filtered and paged here.
async fn list_of<R: Served>(
    server: &State,
    headers: &HeaderMap,
    params: ListParams,
) -> Result<Response, Refusal> {
    let (filter, projection, start, count) = params.read(R::KIND)?;
    let base = base_url(headers);
    let Some(filter) = filter else {
        let page = ScimLookup::Page {
            offset: start as u64 - 1,
            limit: count as u64,
        };
        let rows = R::rows(server, &page).await?;
        let total = server
            .store
            .scim_count(R::KIND == ResourceKind::Group)
            .await? as usize;
        let page = rows
            .iter()
            .map(|r| projection.apply(r.json(&base)))
            .collect();
        return Ok(scim_json(&resource::list_page(page, total, start)).into_response());
    };
    let rows = R::rows(server, &resource::narrowed(Some(&filter))).await?;
    let matching: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| r.json(&base))
        .filter(|r| filter.matches(r))
        .map(|r| projection.apply(r))
        .collect();
    Ok(scim_json(&resource::list(matching, start, count)).into_response())
}

/// `row` answered with `status`, with its `Location`.
fn answer<R: Served>(status: StatusCode, row: &R, headers: &HeaderMap) -> Response {
    let body = row.json(&base_url(headers));
    let mut response = (status, scim_json(&body)).into_response();
    if let Some(Ok(location)) = body["meta"]["location"].as_str().map(str::parse) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

/// A new resource id: a random (version 4) UUID.
fn new_id() -> String {
    let mut b = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// What a SCIM write withdraws: nothing, access under a (lowercased) user name that had it
/// (its agents' devices wiped), or a name whose access had ended already (recorded, no wipe).
enum Withdraw {
    Nothing,
    Access(String),
    Ended(String),
}

/// Makes `write` with its audit entry and what it withdraws, then ends the streams of the agents
/// it withdrew and tells the others what changed.
async fn write(
    server: &State,
    client: &ScimClient,
    write: ScimWrite,
    withdraw: Withdraw,
    bump_policy: bool,
    audit: AuditEvent,
) -> Result<(), Refusal> {
    let (withdraw, wipe) = match withdraw {
        Withdraw::Nothing => (None, false),
        Withdraw::Access(name) => (Some(name), true),
        Withdraw::Ended(name) => (Some(name), false),
    };
    // Before the commit (no request keeps a read begun earlier) and after it (none keeps a read
    // made in between).
    server.provisioning.forget();
    let written = server
        .store
        .scim_write(ScimChange {
            write,
            withdraw,
            wipe,
            by: client.actor(),
            bump_policy,
            audit,
        })
        .await;
    server.provisioning.forget();
    let written = written?;
    let mut ended = Vec::with_capacity(written.wipes.len());
    for (subject, _) in &written.wipes {
        ended.push(server.streams.end_all(subject));
    }
    // The other replicas forget what they know of provisioning and end the same streams.
    server
        .tell(Announcement::Provisioning {
            ended: written.wipes.iter().map(|(s, _)| s.clone()).collect(),
            version: written.policy_version,
        })
        .await;
    for ((subject, wipe_id), ended) in written.wipes.into_iter().zip(ended) {
        server
            .tell(Announcement::Wipe {
                subject: subject.clone(),
                wipe_id,
            })
            .await;
        let event = AuditEvent::new(
            client.actor(),
            AuditAction::EventsEnd,
            format!("agent:{subject}"),
            Outcome::Ok,
        )
        .with_detail(json!({"reason": "access withdrawn by provisioning", "streams": ended}));
        if let Err(e) = server.audit(event).await {
            tracing::error!(error = ?e, "the end of a withdrawn agent's streams could not be audited");
        }
    }
    Ok(())
}

/// Held by a SCIM write from its read to its write: this process's lock, and the database's
/// (`Store::lock_scim_writes`) when other replicas share it; given back when dropped.
pub(super) struct ScimWriting<'a> {
    _here: tokio::sync::MutexGuard<'a, ()>,
    everywhere: Option<Box<dyn crate::store::Held>>,
}

impl Drop for ScimWriting<'_> {
    fn drop(&mut self) {
        // The write committed or failed already; the next writer waits a moment longer.
        if let Some(held) = self.everywhere.take() {
            tokio::spawn(held.release());
        }
    }
}

impl crate::api::Server {
    /// Waits for the right to write SCIM resources: first among this process's writers, then
    /// among the replicas'.
    pub(super) async fn scim_writing(&self) -> Result<ScimWriting<'_>, Refusal> {
        let here = self.scim_writes.lock().await;
        let everywhere = self.store.lock_scim_writes().await?;
        Ok(ScimWriting {
            _here: here,
            everywhere,
        })
    }
}

/// Pushes a new policy to the agents of the SCIM users `user_ids` (roles from SCIM).
async fn push_roles(server: &State, user_ids: BTreeSet<String>) {
    if user_ids.is_empty() {
        return;
    }
    let mut names = Vec::new();
    for id in user_ids {
        match server.store.scim_users(&ScimLookup::Id(id)).await {
            Ok(users) => names.extend(users.into_iter().map(|u| u.user_name.to_lowercase())),
            Err(e) => {
                tracing::warn!(error = %e, "a SCIM user whose roles changed could not be read")
            }
        }
    }
    match server.store.scim_subjects(&names).await {
        Ok(subjects) if !subjects.is_empty() => {
            server
                .tell(Announcement::Agents {
                    subjects: subjects.into_iter().collect(),
                    version: server.policy_version(),
                })
                .await;
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "the agents whose roles changed could not be read"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_are_version_4_uuids() {
        let id = super::new_id();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert!("89ab".contains(&id[19..20]));
        assert_ne!(id, super::new_id());
    }
}
