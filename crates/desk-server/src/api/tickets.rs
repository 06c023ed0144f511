//! Tickets: a customer's list, one ticket with its conversation, and replying.

use axum::Json;
use axum::extract::State as StateOf;
use axum::http::StatusCode;
use desk_core::AuditAction;
use desk_core::record::{Message, Ticket};
use desk_core::{Action, Field, RecordKind};
use serde::Deserialize;

use super::error::{ApiJson, ApiQuery, Id, check_printable};
use super::{Agent, ApiError, Page, State, decode_cursor, limit, page_of, views};
use crate::audit::{AuditEvent, Outcome};
use crate::store::NewMessage;

/// Longest reply accepted, in characters.
pub const MAX_REPLY_CHARS: usize = 10_000;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ListParams {
    limit: Option<u32>,
    cursor: Option<String>,
}

/// `GET /v1/customers/{id}/tickets`
pub(super) async fn of_customer(
    StateOf(server): StateOf<State>,
    agent: Agent,
    Id(id): Id,
    ApiQuery(params): ApiQuery<ListParams>,
) -> Result<Json<Page<Ticket>>, ApiError> {
    let resource = format!("customer:{id}");
    agent
        .require_kind(
            &server,
            RecordKind::Ticket,
            AuditAction::TicketsView,
            &resource,
        )
        .await?;
    let limit = limit(params.limit, 50, 200)?;
    let after = decode_cursor(params.cursor.as_deref())?;
    let Some(customer) = server.store.customer(id).await? else {
        return Err(agent
            .not_found(&server, AuditAction::TicketsView, &resource, "customer")
            .await);
    };
    let about = views::known(&customer);
    let rows = server.store.tickets(id, after, limit + 1).await?;
    let page = page_of(
        rows,
        limit,
        |r| r.id,
        |r| views::ticket(&agent.policy, r, &about),
    );
    server
        .audit(AuditEvent::new(
            &agent.subject,
            AuditAction::TicketsView,
            resource,
            Outcome::Ok,
        ))
        .await?;
    Ok(Json(page))
}

/// `GET /v1/tickets/{id}`
pub(super) async fn ticket(
    StateOf(server): StateOf<State>,
    agent: Agent,
    Id(id): Id,
) -> Result<Json<Ticket>, ApiError> {
    let resource = format!("ticket:{id}");
    agent
        .require_kind(
            &server,
            RecordKind::Ticket,
            AuditAction::TicketView,
            &resource,
        )
        .await?;
    let Some(row) = server.store.ticket(id).await? else {
        return Err(agent
            .not_found(&server, AuditAction::TicketView, &resource, "ticket")
            .await);
    };
    let policy = &agent.policy;
    let customer = server.store.customer(row.customer_id).await?;
    let about = customer.as_ref().map(views::known).unwrap_or_default();
    let mut view = views::ticket(policy, &row, &about);
    if policy.can_read(RecordKind::Message) {
        let internal = policy.shows(Field::MessageInternalNotes);
        let messages = server.store.messages(id, internal).await?;
        view.messages = Some(
            messages
                .iter()
                .filter_map(|m| views::message(policy, m, &about))
                .collect(),
        );
    }
    server
        .audit(AuditEvent::new(
            &agent.subject,
            AuditAction::TicketView,
            resource,
            Outcome::Ok,
        ))
        .await?;
    Ok(Json(view))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Reply {
    body: String,
    #[serde(default)]
    internal: bool,
}

/// `POST /v1/tickets/{id}/messages`: a reply to the customer, or an internal note.
pub(super) async fn reply(
    StateOf(server): StateOf<State>,
    agent: Agent,
    Id(id): Id,
    body: Result<ApiJson<Reply>, ApiError>,
) -> Result<(StatusCode, Json<Message>), ApiError> {
    let resource = format!("ticket:{id}");
    agent
        .require_action(
            &server,
            Action::TicketReply,
            AuditAction::TicketReply,
            &resource,
        )
        .await?;
    let ApiJson(reply) = body?;
    if reply.internal && !agent.policy.shows(Field::MessageInternalNotes) {
        agent
            .denied(&server, AuditAction::TicketReply, &resource)
            .await?;
    }
    let body = reply.body.trim();
    if body.is_empty() {
        return Err(ApiError::bad("empty_body", "The reply is empty."));
    }
    if body.chars().count() > MAX_REPLY_CHARS {
        return Err(ApiError::bad(
            "body_too_long",
            format!("A reply is limited to {MAX_REPLY_CHARS} characters."),
        ));
    }
    check_printable(body, true, "invalid_body")?;
    let message = NewMessage {
        ticket_id: id,
        internal: reply.internal,
        author: agent.subject.clone(),
        body: body.to_owned(),
    };
    let event = AuditEvent::new(
        &agent.subject,
        AuditAction::TicketReply,
        &resource,
        Outcome::Ok,
    )
    .with_detail(serde_json::json!({ "internal": reply.internal }));
    let (row, _) = match server.store.add_message(message, event).await {
        Ok(done) => done,
        Err(crate::store::StoreError::NotFound(what)) => {
            return Err(agent
                .not_found(&server, AuditAction::TicketReply, &resource, what)
                .await);
        }
        Err(e) => return Err(e.into()),
    };
    // The agent's own words, echoed back to them.
    let view = views::message(&agent.policy, &row, &desk_core::Known::default())
        .ok_or_else(|| ApiError::Internal("a reply the author may not read".into()))?;
    Ok((StatusCode::CREATED, Json(view)))
}
