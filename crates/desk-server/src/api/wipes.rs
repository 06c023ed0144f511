//! Remote wipes: an administrator orders every device of an agent to shred its cache.
//!
//! An order is stored (so it waits for devices that are offline or not yet connected), audited
//! in the same transaction, and pushed at once to the agent's connected event streams as a
//! `wipe` event. A device learns of orders it missed when it connects to `GET /v1/events`
//! (`Desk-Last-Wipe`) or asks `GET /v1/me/wipes`. Wipe ids only grow, so a device acknowledges
//! every order up to an id by remembering that id.

use axum::Json;
use axum::extract::State as StateOf;
use axum::extract::rejection::PathRejection;
use axum::http::StatusCode;
use desk_api::{ApiCode, MyWipes, Wipe, WipeOrdered};
use desk_core::Action;
use desk_core::AuditAction;
use serde::Deserialize;

use super::error::{ApiQuery, check_printable};
use super::{Agent, ApiError, Change, State};
use crate::audit::{AuditEvent, Outcome};
use crate::store::StoredWipe;

/// Longest subject accepted, in characters (providers' subjects are at most 255 ASCII
/// characters, as OpenID Connect Core says).
pub const MAX_SUBJECT_CHARS: usize = 255;

/// Most wipes in one answer of `GET /v1/me/wipes`, and per read when an event stream starts.
pub use desk_api::WIPES_PAGE;

impl From<&StoredWipe> for Wipe {
    fn from(w: &StoredWipe) -> Self {
        Self {
            wipe_id: w.id,
            ordered_at: w.ordered_at.clone(),
        }
    }
}

/// Order every device of an agent to shred its cache
///
/// Needs the `device.wipe` action. No body. Stores a wipe for the subject and writes the
/// `device.wipe` audit entry (resource `subject:{subject}`, detail `wipe_id`) in the same
/// transaction; a refusal is audited too (outcome `denied`). The agent's open event streams get a
/// `wipe` event at once; devices not connected get it first thing on their next connection to `GET
/// /v1/events`, or from `GET /v1/me/wipes`. Each call is a new order with a new id. It does not
/// revoke the agent's tokens or sign them out at the provider.
#[utoipa::path(
    post,
    path = "/v1/admin/wipe/{subject}",
    tag = "admin",
    operation_id = "orderWipe",
    params(
        ("subject" = String, Path),
    ),
    responses(
        (status = 201, description = "The wipe is ordered.", body = WipeOrdered,
            examples(
                ("ordered" = (value = json!({"wipe_id": 17, "subject": "agent1", "ordered_at": "2026-11-29T10:00:00.123Z"}))),
            )),
        (status = 400, description = "`invalid_subject`: empty, longer than 255 characters, or with control characters."),
        (status = 403, description = "The role lacks the `device.wipe` action."),
    )
)]
pub(super) async fn order(
    StateOf(server): StateOf<State>,
    agent: Agent,
    path: Result<axum::extract::Path<String>, PathRejection>,
) -> Result<(StatusCode, Json<WipeOrdered>), ApiError> {
    let subject = path.map(|p| p.0).unwrap_or_default();
    if subject.is_empty() || subject.chars().count() > MAX_SUBJECT_CHARS {
        return Err(ApiError::bad(
            ApiCode::InvalidSubject,
            format!("A subject is 1 to {MAX_SUBJECT_CHARS} characters."),
        ));
    }
    check_printable(&subject, false, ApiCode::InvalidSubject)?;
    let resource = format!("subject:{subject}");
    agent
        .require_action(
            &server,
            Action::DeviceWipe,
            AuditAction::DeviceWipe,
            &resource,
        )
        .await?;
    let event = AuditEvent::new(
        &agent.subject,
        AuditAction::DeviceWipe,
        &resource,
        Outcome::Ok,
    )
    .with_detail(serde_json::json!({}));
    let (wipe, _) = server
        .store
        .order_wipe(&subject, &agent.subject, event)
        .await?;
    // Nobody listening is fine: the order is stored and waits for the next connection.
    let _ = server.changes.send(Change::Wipe {
        subject: wipe.subject.clone(),
        wipe_id: wipe.id,
    });
    Ok((
        StatusCode::CREATED,
        Json(WipeOrdered {
            wipe_id: wipe.id,
            subject: wipe.subject,
            ordered_at: wipe.ordered_at,
        }),
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(super) struct MineParams {
    /// The `wipe_id` of the last wipe this device acted on (default 0: every wipe). A negative
    /// or non-numeric value, or any other parameter, is `invalid_parameters`.
    #[param(minimum = 0, default = 0)]
    after: Option<i64>,
}

/// Wipes ordered for the caller's devices
///
/// Open to every signed-in agent. The wipes ordered for the caller after the one named by `after`,
/// oldest first: a client that does not hold an event stream (the CLI) asks before it shows
/// anything from its cache, shreds the cache when the list is not empty, and remembers the last
/// `wipe_id`. Audited as `wipes.check`, with `after` and the number of wipes returned.
#[utoipa::path(
    get,
    path = "/v1/me/wipes",
    tag = "me",
    operation_id = "listMyWipes",
    params(MineParams),
    responses(
        (status = 200, description = "The pending wipes.", body = MyWipes,
            examples(
                ("one" = (value = json!({"wipes": [{"wipe_id": 17, "ordered_at": "2026-11-29T10:00:00.123Z"}]}))),
                ("none" = (value = json!({"wipes": []}))),
            )),
        (status = 400, description = "`invalid_parameters`."),
    )
)]
pub(super) async fn mine(
    StateOf(server): StateOf<State>,
    agent: Agent,
    ApiQuery(params): ApiQuery<MineParams>,
) -> Result<Json<MyWipes>, ApiError> {
    let after = params.after.unwrap_or(0);
    if after < 0 {
        return Err(ApiError::bad(
            ApiCode::InvalidParameters,
            "after must be a wipe id (0 or more).",
        ));
    }
    let wipes: Vec<Wipe> = server
        .store
        .wipes(&agent.subject, after, WIPES_PAGE)
        .await?
        .iter()
        .map(Wipe::from)
        .collect();
    server
        .audit(
            AuditEvent::new(&agent.subject, AuditAction::WipesCheck, "me", Outcome::Ok)
                .with_detail(serde_json::json!({ "after": after, "wipes": wipes.len() })),
        )
        .await?;
    Ok(Json(MyWipes { wipes }))
}
