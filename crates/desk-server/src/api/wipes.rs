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
use desk_core::Action;
use desk_core::AuditAction;
use serde::{Deserialize, Serialize};

use super::error::{ApiQuery, check_printable};
use super::{Agent, ApiError, Change, State};
use crate::audit::{AuditEvent, Outcome};
use crate::store::StoredWipe;

/// Longest subject accepted, in characters (providers' subjects are at most 255 ASCII
/// characters, as OpenID Connect Core says).
pub const MAX_SUBJECT_CHARS: usize = 255;

/// Most wipes in one answer of `GET /v1/me/wipes`, and per read when an event stream starts.
pub const WIPES_PAGE: u32 = 100;

/// A wipe as its agent's devices see it: in `GET /v1/me/wipes` and as a `wipe` event's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Wipe {
    /// The order's id; acknowledge it by sending it back (`Desk-Last-Wipe`, `after`).
    pub wipe_id: i64,
    /// When it was ordered (RFC 3339, UTC, milliseconds).
    pub ordered_at: String,
}

impl From<&StoredWipe> for Wipe {
    fn from(w: &StoredWipe) -> Self {
        Self {
            wipe_id: w.id,
            ordered_at: w.ordered_at.clone(),
        }
    }
}

/// The answer of `POST /v1/admin/wipe/{subject}`.
#[derive(Debug, Serialize)]
pub struct WipeOrdered {
    /// The order's id.
    pub wipe_id: i64,
    /// The agent whose devices are to shred their caches.
    pub subject: String,
    /// When it was ordered.
    pub ordered_at: String,
}

/// `POST /v1/admin/wipe/{subject}`: needs `device.wipe`. The subject is the provider's, so an
/// unknown one is accepted: the order waits until that agent connects.
pub(super) async fn order(
    StateOf(server): StateOf<State>,
    agent: Agent,
    path: Result<axum::extract::Path<String>, PathRejection>,
) -> Result<(StatusCode, Json<WipeOrdered>), ApiError> {
    let subject = path.map(|p| p.0).unwrap_or_default();
    if subject.is_empty() || subject.chars().count() > MAX_SUBJECT_CHARS {
        return Err(ApiError::bad(
            "invalid_subject",
            format!("A subject is 1 to {MAX_SUBJECT_CHARS} characters."),
        ));
    }
    check_printable(&subject, false, "invalid_subject")?;
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct MineParams {
    after: Option<i64>,
}

/// The body of `GET /v1/me/wipes`.
#[derive(Debug, Serialize)]
pub struct MyWipes {
    /// Orders after the one asked about, oldest first, at most [`WIPES_PAGE`].
    pub wipes: Vec<Wipe>,
}

/// `GET /v1/me/wipes?after=N`: open to every signed-in agent, for their own devices.
pub(super) async fn mine(
    StateOf(server): StateOf<State>,
    agent: Agent,
    ApiQuery(params): ApiQuery<MineParams>,
) -> Result<Json<MyWipes>, ApiError> {
    let after = params.after.unwrap_or(0);
    if after < 0 {
        return Err(ApiError::bad(
            "invalid_parameters",
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
