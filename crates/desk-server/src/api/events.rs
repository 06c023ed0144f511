//! `GET /v1/events`: server-sent events for one signed-in agent.
//!
//! On connect the agent gets its current signed policy, unless `Last-Event-ID` says it already
//! holds that version; after that, a new signed policy whenever a role it holds changes
//! (definition or layout). Event ids are policy versions, so a client that reconnects with the
//! last id it saw misses nothing and receives nothing twice. Keep-alive comments flow every 15 s,
//! and the stream ends when the agent's access token expires: the client reconnects with a fresh
//! token, so a revoked agent stops receiving. Event kinds are named (`policy` today), so other
//! kinds can join the same channel.

use std::collections::BTreeSet;
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State as StateOf;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use desk_core::Role;
use futures_util::Stream;
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::time::Instant;

use super::{Agent, ApiError, Change, State};
use crate::audit::{AuditEvent, Outcome};

/// How often a keep-alive comment is sent on an idle stream.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);

struct Watch {
    server: State,
    subject: String,
    roles: BTreeSet<Role>,
    changes: broadcast::Receiver<Change>,
    /// The version the client holds, as far as we know.
    holds: Option<u64>,
    /// When the agent's token expires.
    until: Instant,
    started: bool,
}

impl Watch {
    /// The current policy as an event, when it is newer than what the client holds.
    async fn policy_if_newer(&mut self, at_least: u64) -> Option<Event> {
        if self.holds.is_some_and(|held| held >= at_least) {
            return None;
        }
        let (signed, version) = self.server.signed_policy(&self.subject, &self.roles).await;
        if self.holds.is_some_and(|held| held >= version) {
            return None;
        }
        self.holds = Some(version);
        Some(
            Event::default()
                .event("policy")
                .id(version.to_string())
                .data(signed),
        )
    }

    async fn next_event(&mut self) -> Option<Event> {
        if !self.started {
            self.started = true;
            let current = self.server.policy_version();
            if let Some(event) = self.policy_if_newer(current).await {
                return Some(event);
            }
        }
        loop {
            let change = tokio::select! {
                _ = tokio::time::sleep_until(self.until) => return None,
                change = self.changes.recv() => change,
            };
            match change {
                Ok(Change::Policy { roles, version }) => {
                    if roles.is_disjoint(&self.roles) {
                        continue;
                    }
                    if let Some(event) = self.policy_if_newer(version).await {
                        return Some(event);
                    }
                }
                // Missed some changes: whatever they were, the current policy covers them.
                Err(RecvError::Lagged(_)) => {
                    let current = self.server.policy_version();
                    if let Some(event) = self.policy_if_newer(current).await {
                        return Some(event);
                    }
                }
                Err(RecvError::Closed) => return None,
            }
        }
    }
}

/// `GET /v1/events`
pub(super) async fn events(
    StateOf(server): StateOf<State>,
    agent: Agent,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let holds = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    server
        .audit(
            AuditEvent::new(&agent.subject, "events.connect", "events", Outcome::Ok)
                .with_detail(serde_json::json!({ "last_event_id": holds })),
        )
        .await?;
    let left = (agent.expires_at - chrono::Utc::now().timestamp()).max(0) as u64;
    let watch = Watch {
        changes: server.changes.subscribe(),
        server,
        subject: agent.subject,
        roles: agent.roles,
        holds,
        until: Instant::now() + Duration::from_secs(left),
        started: false,
    };
    let stream = futures_util::stream::unfold(watch, |mut watch| async move {
        let event = watch.next_event().await?;
        Some((Ok(event), watch))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(KEEP_ALIVE)))
}
