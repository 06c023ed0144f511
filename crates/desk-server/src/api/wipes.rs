//! Remote wipes: an administrator orders every device of an agent to shred its cache.
//!
//! An order is stored (so it waits for devices that are offline or not yet connected), audited
//! in the same transaction, and pushed at once to the agent's connected event streams as a
//! `wipe` event. A device learns of orders it missed when it connects to `GET /v1/events` or
//! asks `GET /v1/me/wipes`. Wipe ids only grow, so a device acknowledges every order up to an id
//! by acknowledging that id: `POST /v1/me/wipes/{wipe_id}/acknowledge`, recorded here per device
//! (`Desk-Device`, table `device_wipes`) and audited. What a device is sent is what it has not
//! acknowledged here, never what it says it did (`after`, `Desk-Last-Wipe`: read, no longer
//! used), so a client whose files were edited still gets every wipe. A wipe ordered before the
//! server first saw a device (table `devices`) is not sent to it: a device asks for its wipes
//! before it caches anything, so such a wipe was not meant for it, and a replacement laptop is
//! not shredded and signed out by the wipe of the one it replaces.

use axum::Json;
use axum::extract::State as StateOf;
use axum::extract::rejection::PathRejection;
use axum::http::{HeaderMap, StatusCode};
use desk_api::{
    AgentDevice, AgentWipes, ApiCode, DeviceAcknowledgement, MyWipes, Wipe, WipeOrdered,
};
use desk_core::Action;
use desk_core::AuditAction;
use serde::Deserialize;

use super::error::{ApiQuery, check_printable};
use super::replicas::Announcement;
use super::{Agent, ApiError, State};
use crate::audit::{AuditEvent, Outcome};
use crate::store::{StoredAcknowledgement, StoredWipe};

impl From<StoredAcknowledgement> for DeviceAcknowledgement {
    fn from(a: StoredAcknowledgement) -> Self {
        Self {
            device: a.device,
            acknowledged: a.acknowledged,
            acknowledged_at: a.acknowledged_at,
        }
    }
}

/// The device the request names in `Desk-Device`; `Ok(None)` without the header. A header that
/// is not a device id is `invalid_header`.
pub(super) fn device_of(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get(desk_api::DEVICE_HEADER) else {
        return Ok(None);
    };
    value
        .to_str()
        .ok()
        .filter(|v| desk_api::is_device_id(v))
        .map(|v| Some(v.to_owned()))
        .ok_or_else(|| {
            ApiError::bad(
                ApiCode::InvalidHeader,
                "Desk-Device must be 16 to 64 characters of base64url.",
            )
        })
}

/// The last wipe of `subject` not to be sent to `device`: the later of the one the server
/// recorded the device acknowledging and the last one ordered before the server first saw the
/// device (recording it as seen now when it is new). 0 for a request naming no device, which
/// gets every wipe.
pub(super) async fn done(
    server: &State,
    subject: &str,
    device: Option<&str>,
) -> Result<i64, ApiError> {
    Ok(match device {
        Some(device) => server.store.wipes_done(subject, device).await?,
        None => 0,
    })
}

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
            provisioning: w
                .ordered_by
                .starts_with(crate::api::scim::http::ACTOR_PREFIX),
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
    let subject = subject_in_path(path)?;
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
    server
        .tell(Announcement::Wipe {
            subject: wipe.subject.clone(),
            wipe_id: wipe.id,
        })
        .await;
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
    /// Read and no longer used: the wipes sent are those after the one the server recorded this
    /// device (`Desk-Device`) acknowledging. A negative or non-numeric value, or any other
    /// parameter, is `invalid_parameters`.
    #[param(minimum = 0, default = 0)]
    after: Option<i64>,
}

/// Wipes ordered for the caller's devices
///
/// Open to every signed-in agent. The wipes ordered for the caller after the last one the device
/// named in `Desk-Device` acknowledged (`POST /v1/me/wipes/{wipe_id}/acknowledge`), as the server
/// recorded it, oldest first; never one ordered before the server first saw the device (the
/// first request naming a device records it: a device that asks before it caches anything held
/// nothing those wipes were meant for); every wipe for a request that names no device. A client
/// asks before it shows anything from its cache; when the list is not empty it shreds the cache,
/// acknowledges the last `wipe_id` and ends its session. Audited as `wipes.check`, with the
/// device, the last wipe not sent (`after`) and the number of wipes returned.
#[utoipa::path(
    get,
    path = "/v1/me/wipes",
    tag = "me",
    operation_id = "listMyWipes",
    params(
        MineParams,
        ("Desk-Device" = Option<String>, Header, description = "The calling device's id (16 to 64 characters of base64url), made once per installation."),
    ),
    responses(
        (status = 200, description = "The pending wipes.", body = MyWipes,
            examples(
                ("one" = (value = json!({"wipes": [{"wipe_id": 17, "ordered_at": "2026-11-29T10:00:00.123Z"}]}))),
                ("none" = (value = json!({"wipes": []}))),
            )),
        (status = 400, description = "`invalid_parameters`, or `invalid_header`: `Desk-Device` is not a device id."),
    )
)]
pub(super) async fn mine(
    StateOf(server): StateOf<State>,
    agent: Agent,
    headers: HeaderMap,
    ApiQuery(params): ApiQuery<MineParams>,
) -> Result<Json<MyWipes>, ApiError> {
    let device = device_of(&headers)?;
    if params.after.unwrap_or(0) < 0 {
        return Err(ApiError::bad(
            ApiCode::InvalidParameters,
            "after must be a wipe id (0 or more).",
        ));
    }
    let after = done(&server, &agent.subject, device.as_deref()).await?;
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
                .with_detail(serde_json::json!({
                    "device": device,
                    "after": after,
                    "wipes": wipes.len(),
                })),
        )
        .await?;
    Ok(Json(MyWipes { wipes }))
}

/// Acknowledge the caller's wipes up to one, for this device
///
/// Open to every signed-in agent, for its own wipes. The device named in `Desk-Device`
/// (required) reports that it carried out the wipe `wipe_id` and every earlier one: it shredded
/// its cache and is ending its session. The server records it per device (an acknowledgement
/// never goes down) and sends that device only later wipes from then on. No body. Audited as
/// `wipe.acknowledge` (resource `device:{device}`, detail `wipe_id`), in the same transaction.
/// A wipe that was not ordered for the caller is `not_found`.
#[utoipa::path(
    post,
    path = "/v1/me/wipes/{wipe_id}/acknowledge",
    tag = "me",
    operation_id = "acknowledgeWipe",
    params(
        ("wipe_id" = i64, Path, minimum = 1, description = "The last wipe this device carried out."),
        ("Desk-Device" = String, Header, description = "The calling device's id (16 to 64 characters of base64url)."),
    ),
    responses(
        (status = 200, description = "What is recorded for this device now.", body = DeviceAcknowledgement,
            examples(
                ("recorded" = (value = json!({"device": "Zx3kP0aQ1b2c3d4e5f6g7h", "acknowledged": 17, "acknowledged_at": "2026-11-29T10:05:00.456Z"}))),
            )),
        (status = 400, description = "`invalid_header`: no `Desk-Device`, or not a device id; `invalid_id`: not a wipe id."),
        (status = 404, description = "`not_found`: no such wipe was ordered for the caller."),
    )
)]
pub(super) async fn acknowledge(
    StateOf(server): StateOf<State>,
    agent: Agent,
    headers: HeaderMap,
    path: Result<axum::extract::Path<i64>, PathRejection>,
) -> Result<Json<DeviceAcknowledgement>, ApiError> {
    let wipe_id =
        path.ok().map(|p| p.0).filter(|id| *id > 0).ok_or_else(|| {
            ApiError::bad(ApiCode::InvalidId, "A wipe id is a whole number above 0.")
        })?;
    let device = device_of(&headers)?.ok_or_else(|| {
        ApiError::bad(
            ApiCode::InvalidHeader,
            "Desk-Device names the device that carried out the wipe.",
        )
    })?;
    let ordered = server
        .store
        .wipes(&agent.subject, wipe_id - 1, 1)
        .await?
        .into_iter()
        .any(|w| w.id == wipe_id);
    if !ordered {
        return Err(ApiError::NotFound("wipe ordered for you"));
    }
    // A device that acknowledges is one the server has seen (it is recorded now if it was not).
    done(&server, &agent.subject, Some(&device)).await?;
    let event = AuditEvent::new(
        &agent.subject,
        AuditAction::WipeAcknowledge,
        format!("device:{device}"),
        Outcome::Ok,
    )
    .with_detail(serde_json::json!({ "wipe_id": wipe_id }));
    let (recorded, _) = server
        .store
        .acknowledge_wipe(&agent.subject, &device, wipe_id, event)
        .await?;
    Ok(Json(recorded.into()))
}

/// An agent's wipes and what each of its devices acknowledged
///
/// Needs the `device.wipe` action. The last 100 wipes ordered for the subject, oldest first,
/// and, per device that acknowledged one, the last wipe it reported carrying out and when: a
/// wipe ordered after a device's acknowledgement is still pending on that device. A device that
/// never acknowledged a wipe is not in `devices`; `seen` lists every device the server saw the
/// agent use, each with whether a wipe is pending on it. Audited as `wipes.check` (resource
/// `subject:{subject}`); a refusal is audited too (outcome `denied`).
#[utoipa::path(
    get,
    path = "/v1/admin/wipes/{subject}",
    tag = "admin",
    operation_id = "listAgentWipes",
    params(
        ("subject" = String, Path),
    ),
    responses(
        (status = 200, description = "The agent's wipes and devices.", body = AgentWipes,
            examples(
                ("one device" = (value = json!({"subject": "agent1", "wipes": [{"wipe_id": 17, "ordered_at": "2026-11-29T10:00:00.123Z"}], "devices": [{"device": "Zx3kP0aQ1b2c3d4e5f6g7h", "acknowledged": 17, "acknowledged_at": "2026-11-29T10:05:00.456Z"}], "seen": [{"device": "Zx3kP0aQ1b2c3d4e5f6g7h", "first_seen": "2026-11-28T09:00:00.000Z", "acknowledged": 17, "acknowledged_at": "2026-11-29T10:05:00.456Z", "pending": false}]}))),
            )),
        (status = 400, description = "`invalid_subject`."),
        (status = 403, description = "The role lacks the `device.wipe` action."),
    )
)]
pub(super) async fn of_agent(
    StateOf(server): StateOf<State>,
    agent: Agent,
    path: Result<axum::extract::Path<String>, PathRejection>,
) -> Result<Json<AgentWipes>, ApiError> {
    let subject = subject_in_path(path)?;
    let resource = format!("subject:{subject}");
    agent
        .require_action(
            &server,
            Action::DeviceWipe,
            AuditAction::WipesCheck,
            &resource,
        )
        .await?;
    let mut wipes = Vec::new();
    let mut after = 0;
    loop {
        let page = server.store.wipes(&subject, after, WIPES_PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        let full = page.len() == WIPES_PAGE as usize;
        wipes.extend(page.iter().map(Wipe::from));
        if !full {
            break;
        }
    }
    let keep = wipes.len().saturating_sub(WIPES_PAGE as usize);
    let wipes = wipes.split_off(keep);
    let devices = server
        .store
        .device_acknowledgements(&subject)
        .await?
        .into_iter()
        .map(DeviceAcknowledgement::from)
        .collect();
    server
        .audit(
            AuditEvent::new(
                &agent.subject,
                AuditAction::WipesCheck,
                &resource,
                Outcome::Ok,
            )
            .with_detail(serde_json::json!({ "wipes": wipes.len() })),
        )
        .await?;
    let last_wipe = wipes.last().map_or(0, |w| w.wipe_id);
    let seen = server
        .store
        .devices_of(&subject)
        .await?
        .into_iter()
        .map(|d| AgentDevice {
            pending: last_wipe > d.wipes_before.max(d.acknowledged.unwrap_or(0)),
            device: d.device,
            first_seen: d.first_seen,
            acknowledged: d.acknowledged,
            acknowledged_at: d.acknowledged_at,
        })
        .collect();
    Ok(Json(AgentWipes {
        subject,
        wipes,
        devices,
        seen,
    }))
}

/// The agent an administrator's wipe route names: 1 to [`MAX_SUBJECT_CHARS`] printable
/// characters, else `invalid_subject`.
fn subject_in_path(
    path: Result<axum::extract::Path<String>, PathRejection>,
) -> Result<String, ApiError> {
    let subject = path.map(|p| p.0).unwrap_or_default();
    if subject.is_empty() || subject.chars().count() > MAX_SUBJECT_CHARS {
        return Err(ApiError::bad(
            ApiCode::InvalidSubject,
            format!("A subject is 1 to {MAX_SUBJECT_CHARS} characters."),
        ));
    }
    check_printable(&subject, false, ApiCode::InvalidSubject)?;
    Ok(subject)
}
