//! `GET /v1/events`: server-sent events for one signed-in agent.
//!
//! Two kinds of event, each named in `event:`:
//!
//! - `policy`: `id:` the policy version, `data:` the signed policy. On connect the agent gets its
//!   current policy, unless `Last-Event-ID` says it already holds that version; after that, a new
//!   signed policy whenever a role it holds changes (definition or layout).
//! - `wipe`: an administrator ordered every device of this agent to shred its cache. `data:` is
//!   `{"wipe_id": n, "ordered_at": "…"}`, and there is no `id:` line.
//!
//! Why wipes carry no id: `Last-Event-ID` is the one cursor the Server-Sent Events format
//! resumes with, and it already means "the policy version I hold". An event without an `id:`
//! leaves the stream's last event id as it was (the format says so, and our client's parser
//! follows it), so a client reconnecting after a wipe still sends its policy version and neither
//! misses nor repeats a policy. Wipes resume on their own cursor instead: the last wipe the
//! device named in `Desk-Device` acknowledged, as the server recorded it, or the last one
//! ordered before the server first saw the device if later (`api::wipes`), and on connect it is
//! sent every wipe ordered for it after that, oldest first and before anything
//! else, so a device that was offline when the order was given shreds its cache before it shows
//! a new policy. `Desk-Last-Wipe`, what the device says it did, is read and no longer used.
//!
//! An agent holds at most `max_event_streams_per_agent` streams (opening one more ends its
//! oldest) and the server at most `max_event_streams` (beyond, 503 `too_many_streams`): see
//! [`super::streams`]. Keep-alive comments flow every 15 s, and the stream ends when the agent's
//! access token expires: the client reconnects with a fresh token, so a revoked agent stops receiving. Each
//! [`Change`] on the server's channel is matched by kind and becomes the events of the agents it
//! concerns; a client ignores kinds it does not know.

use desk_core::AuditAction;
use std::collections::{BTreeSet, VecDeque};
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State as StateOf;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use desk_core::Role;
use futures_util::Stream;
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::time::Instant;

use desk_api::{ApiCode, ErrorBody, Wipe};
use serde_json::json;

use super::wipes::WIPES_PAGE;
use super::{Agent, ApiError, Change, State};
use crate::audit::{AuditEvent, Outcome};
use crate::store::StoreError;

/// How often a keep-alive comment is sent on an idle stream.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// The request header naming the last wipe a client acted on.
pub const LAST_WIPE_HEADER: &str = "desk-last-wipe";

struct Watch {
    server: State,
    subject: String,
    roles: BTreeSet<Role>,
    changes: broadcast::Receiver<Change>,
    /// The version the client holds, as far as we know.
    holds: Option<u64>,
    /// The last wipe the client acted on or has been sent.
    wiped: i64,
    /// Events to send, in order.
    ready: VecDeque<Event>,
    /// When the agent's token expires.
    until: Instant,
    /// Turns `true` when the server stops.
    stopping: tokio::sync::watch::Receiver<bool>,
    /// This stream's place among the agent's; it ends when a newer one takes it.
    slot: super::streams::StreamSlot,
    /// The agent's SCIM user name and token issue time, to read its roles again by.
    user_key: Option<String>,
    issued_at: Option<i64>,
    /// Set when the agent's access was found withdrawn: the stream ends.
    over: bool,
}

impl Watch {
    /// Queues the current policy when it is newer than what the client holds.
    async fn queue_policy(&mut self, at_least: u64) {
        if self.holds.is_some_and(|held| held >= at_least) {
            return;
        }
        let (signed, version) = match self.server.signed_policy(&self.subject, &self.roles).await {
            Ok(signed) => signed,
            Err(e) => {
                // Sent later, with the next change or connection.
                tracing::warn!(error = %e, "a policy could not be issued on the event stream");
                return;
            }
        };
        if self.holds.is_some_and(|held| held >= version) {
            return;
        }
        self.holds = Some(version);
        self.ready.push_back(
            Event::default()
                .event("policy")
                .id(version.to_string())
                .data(signed),
        );
    }

    /// Queues every wipe ordered for the agent after the last one sent.
    async fn queue_wipes(&mut self) -> Result<(), StoreError> {
        loop {
            let page = self
                .server
                .store
                .wipes(&self.subject, self.wiped, WIPES_PAGE)
                .await?;
            for wipe in &page {
                self.wiped = wipe.id;
                let data = serde_json::to_string(&Wipe::from(wipe))
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                // No id: see the module's documentation.
                self.ready
                    .push_back(Event::default().event("wipe").data(data));
            }
            if page.len() < WIPES_PAGE as usize {
                return Ok(());
            }
        }
    }

    /// Queues what `change` means for this agent.
    async fn on_change(&mut self, change: Change) -> Result<(), StoreError> {
        match change {
            Change::Policy { roles, version } => {
                if !roles.is_disjoint(&self.roles) {
                    self.queue_policy(version).await;
                }
            }
            Change::Agents { subjects, version } => {
                if subjects.contains(&self.subject) {
                    match self
                        .server
                        .provisioned(self.user_key.as_deref(), self.issued_at)
                        .await?
                    {
                        Ok(access) => {
                            self.roles = self.server.roles_for(&access.groups);
                            self.queue_policy(version).await;
                        }
                        Err(_) => self.over = true,
                    }
                }
            }
            Change::Wipe { subject, wipe_id } => {
                // Read from the store rather than trusting the order of the channel: every wipe
                // after the last one sent goes out, each once.
                if subject == self.subject && wipe_id > self.wiped {
                    self.queue_wipes().await?;
                }
            }
        }
        Ok(())
    }

    async fn next_event(&mut self) -> Option<Event> {
        loop {
            if let Some(event) = self.ready.pop_front() {
                return Some(event);
            }
            if self.over || *self.stopping.borrow() || *self.slot.ended.borrow() {
                return None;
            }
            let change = tokio::select! {
                _ = tokio::time::sleep_until(self.until) => return None,
                _ = self.stopping.changed() => return None,
                _ = self.slot.ended.changed() => return None,
                change = self.changes.recv() => change,
            };
            let done = match change {
                Ok(change) => self.on_change(change).await,
                // Missed some changes: whatever they were, the stored wipes and the current
                // policy cover them.
                Err(RecvError::Lagged(_)) => {
                    let wiped = self.queue_wipes().await;
                    let current = self.server.policy_version();
                    self.queue_policy(current).await;
                    wiped
                }
                Err(RecvError::Closed) => return None,
            };
            if let Err(e) = done {
                // End the stream rather than skip a wipe: the client reconnects and gets it then.
                tracing::error!(cause = %e, "events stream ended: cannot read wipes");
                return None;
            }
        }
    }
}

desk_core::schema_type! {
    /// The body of an event stream.
    EventStream => json!({
        "type": "string",
        "description": "Events as the Server-Sent Events format defines them, each ended by a blank \
            line. A `policy` event is `event: policy`, `id: <policy version>` and `data: <compact \
            JWS>`; a `wipe` event is `event: wipe` and `data: <JSON of Wipe>`, without an `id` \
            line; lines starting with `:` are keep-alive comments.",
    })
}

/// Server-sent events for the caller
///
/// Open to every signed-in agent. A `text/event-stream` (Server-Sent Events) for the caller. Each
/// event names its kind in `event`; clients ignore kinds they do not know. Two kinds today:
///
/// - `policy`: `id` is the policy version and `data` is the signed policy (a compact JWS, as
/// `signed` in `GET /v1/me/policy`), to be verified like it.
/// - `wipe`: an administrator ordered every device of the caller to shred its cache. `data` is the
/// JSON of `Wipe`, `{"wipe_id": 17, "ordered_at": "2026-11-29T10:00:00.123Z"}`. It has no `id`
/// line, so it leaves the stream's last event id (and so the `Last-Event-ID` of the next
/// connection) at the policy version: that id always means the policy the client holds. Wipes
/// resume on their own cursor: the last wipe the device (`Desk-Device`) acknowledged, as the
/// server recorded it, or the last one ordered before the server first saw the device if later.
///
/// On connect the caller first gets every wipe ordered for it after that (all of them when
/// the request names no device), oldest first, then its current signed policy unless `Last-Event-ID`
/// is at least the current policy version. After that: a `wipe` event at once whenever one is
/// ordered for the caller, and a new signed policy whenever the definition or published layout of a
/// role the caller held at connect changes (an agent with no role gets none). Since policy event
/// ids are policy versions, a client that reconnects with the last id it saw misses no policy and
/// receives none twice; a device misses no wipe it has not acknowledged. An
/// agent holds at most `max_event_streams_per_agent` streams (10 unless configured): opening one
/// more ends its oldest. A
/// comment line (`:`) is sent every 15 s to keep an idle connection open. The stream ends when the
/// caller's access token expires (the client reconnects with a fresh token, so an agent whose
/// access was revoked stops receiving), or if stored wipes cannot be read (rather than skip one).
/// Audited as `events.connect`, with the `Last-Event-ID`, the device, the last wipe not sent to it
/// (`acknowledged`) and the `Desk-Last-Wipe` received.
#[utoipa::path(
    get,
    path = "/v1/events",
    tag = "events",
    operation_id = "streamEvents",
    params(
        (
            "Last-Event-ID" = Option<i64>, Header, minimum = 0, example = 1795946400123_i64,
            description = "The id of the last event received, which `EventSource` sends by itself \
                on reconnecting. When it is at least the current policy version, the current \
                policy is not sent again on connect. A value that is not a whole number is \
                ignored, as if absent."
        ),
        (
            "Desk-Last-Wipe" = Option<i64>, Header, minimum = 0, example = 17,
            description = "Read and no longer used: the wipes sent follow the acknowledgement \
                the server recorded for `Desk-Device`. A value that is not a whole number of 0 or \
                more is `invalid_header` (400)."
        ),
        (
            "Desk-Device" = Option<String>, Header,
            description = "The calling device's id (16 to 64 characters of base64url), made once \
                per installation. On connect, every wipe ordered for the caller after the last one \
                this device acknowledged (and after the server first saw it) is sent first, oldest \
                first, before the policy."
        ),
    ),
    responses(
        (status = 200, description = "The event stream, sent with `Cache-Control: no-cache`; it stays open until the access token expires.", body = EventStream, content_type = "text/event-stream",
            examples(
                ("policy" = (summary = "The current policy on connect, then a keep-alive comment (illustrative signature)", value = json!("event: policy\nid: 1795946400123\ndata: eyJhbGciOiJFZERTQSIsImtpZCI6InBvbGljeS0zZjlhMWMyYjdkNGUiLCJ0eXAiOiJkZXNrLXBvbGljeStqd3QifQ.eyJpc3MiOiJkZXNrLXNlcnZlciIsInN1YiI6ImFnZW50MSIsImF1ZCI6InN1cHBvcnQtZGVzayIsImlhdCI6MTc5NTk0NjQ2MCwiZXhwIjoxNzk1OTUwMDYwLCJ2ZXJzaW9uIjoxNzk1OTQ2NDAwMTIzLCJwb2xpY3kiOnsicm9sZXMiOlsiYWdlbnRfbDEiXSwicGFnZXMiOlsic2VhcmNoIiwiY3VzdG9tZXIiLCJ0aWNrZXQiXSwid2lkZ2V0cyI6WyJzZWFyY2guYm94Iiwic2VhcmNoLnJlc3VsdHMiLCJjdXN0b21lci5zdW1tYXJ5IiwiY3VzdG9tZXIuY29udGFjdCIsInRpY2tldC5tZXNzYWdlcyIsInRpY2tldC5yZXBseSJdLCJmaWVsZHMiOnsiY3VzdG9tZXIubmFtZSI6ImZ1bGwiLCJjdXN0b21lci5lbWFpbCI6Im1hc2tfZW1haWwiLCJjdXN0b21lci5waG9uZSI6Im1hc2tfcGhvbmUiLCJjdXN0b21lci5zdGF0dXMiOiJmdWxsIiwibWVzc2FnZS5hdXRob3IiOiJmdWxsIiwibWVzc2FnZS50aW1lIjoiZnVsbCIsIm1lc3NhZ2UuYm9keSI6ImZ1bGwifSwiYWN0aW9ucyI6WyJ0aWNrZXQucmVwbHkiXSwiY2FjaGUiOnsidHRsX3NlY3MiOnsiY3VzdG9tZXIiOjI4ODAwLCJtZXNzYWdlIjoyODgwMH0sIm9mZmxpbmVfZ3JhY2Vfc2VjcyI6MTQ0MDB9fSwibGF5b3V0Ijp7InBhZ2VzIjp7InNlYXJjaCI6WyJzZWFyY2guYm94Iiwic2VhcmNoLnJlc3VsdHMiXSwiY3VzdG9tZXIiOlsiY3VzdG9tZXIuc3VtbWFyeSIsImN1c3RvbWVyLmNvbnRhY3QiXSwidGlja2V0IjpbInRpY2tldC5tZXNzYWdlcyIsInRpY2tldC5yZXBseSJdfX19.DF0lBaSDZh3_uEUSMGX91h7fFB4-JVmP9YgSlxXeaR3anbCj4zpfnnHNpU7d6wVKhivp898VDQpQCTLqJBZEuA\n\n:\n\n"))),
                ("wipe" = (summary = "A device that missed a wipe connects with `Desk-Last-Wipe: 16`: the wipe comes before the policy (signature shortened)", value = json!("event: wipe\ndata: {\"wipe_id\":17,\"ordered_at\":\"2026-11-29T10:00:00.123Z\"}\n\nevent: policy\nid: 1795946400123\ndata: eyJhbGciOiJFZERTQSIsImtpZCI6InBvbGljeS0zZjlhMWMyYjdkNGUiLCJ0eXAiOiJkZXNrLXBvbGljeStqd3QifQ.eyJzdWIiOiJhZ2VudDEifQ.DF0lBaSDZh3_uEUSMGX91h7fFB4\n\n"))),
            )),
        (status = 400, description = "`invalid_header`: `Desk-Last-Wipe` is not a whole number of 0 or more, or `Desk-Device` not a device id."),
        (status = 503, description = "`too_many_streams`: the server holds as many event streams as it may (`max_event_streams`). Audited as `events.connect` with outcome `denied`. Connect again after `Retry-After` seconds.", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Whole seconds after which to connect again."))),
    )
)]
pub(super) async fn events(
    StateOf(server): StateOf<State>,
    agent: Agent,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let holds = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    // Read so that a malformed one is still refused; what is sent follows the device's
    // acknowledgement as recorded here, not this.
    let claimed = match headers.get(LAST_WIPE_HEADER) {
        None => 0,
        Some(value) => value
            .to_str()
            .ok()
            .and_then(|v| v.trim().parse::<i64>().ok())
            .filter(|n| *n >= 0)
            .ok_or_else(|| {
                ApiError::bad(
                    ApiCode::InvalidHeader,
                    "Desk-Last-Wipe must be a wipe id (0 or more).",
                )
            })?,
    };
    let device = super::wipes::device_of(&headers)?;
    let wiped = super::wipes::done(&server, &agent.subject, device.as_deref()).await?;
    let connect = |outcome| {
        AuditEvent::new(
            &agent.subject,
            AuditAction::EventsConnect,
            "events",
            outcome,
        )
        .with_detail(serde_json::json!({
            "last_event_id": holds,
            "device": device,
            "acknowledged": wiped,
            "last_wipe": claimed,
        }))
    };
    let Some(slot) = server.streams.open(&agent.subject) else {
        server.audit(connect(Outcome::Denied)).await?;
        return Err(ApiError::TooManyStreams);
    };
    server.audit(connect(Outcome::Ok)).await?;
    let left = (agent.expires_at - chrono::Utc::now().timestamp()).max(0) as u64;
    // Subscribe before reading what is stored, so nothing ordered in between is missed.
    let mut watch = Watch {
        changes: server.changes.subscribe(),
        stopping: server.stopping.subscribe(),
        server,
        subject: agent.subject,
        roles: agent.roles,
        holds,
        wiped,
        ready: VecDeque::new(),
        until: Instant::now() + Duration::from_secs(left),
        slot,
        user_key: agent.user_key,
        issued_at: agent.issued_at,
        over: false,
    };
    // Pending wipes first, before the policy: a device that missed an order shreds its cache
    // before it shows anything new.
    watch.queue_wipes().await?;
    let current = watch.server.policy_version();
    watch.queue_policy(current).await;
    let stream = futures_util::stream::unfold(watch, |mut watch| async move {
        let event = watch.next_event().await?;
        Some((Ok(event), watch))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(KEEP_ALIVE)))
}
