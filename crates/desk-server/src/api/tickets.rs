//! Tickets: a customer's list, one ticket with its conversation, and replying.

use axum::Json;
use axum::extract::State as StateOf;
use axum::http::StatusCode;
use desk_api::{ApiCode, ErrorBody, Page, Reply};
use desk_core::AuditAction;
use desk_core::record::{Message, Ticket};
use desk_core::{Action, Field, RecordKind};
use serde::Deserialize;

use super::error::{ApiJson, ApiQuery, Id, check_printable};
use super::{Agent, ApiError, State, decode_cursor, limit, page_of, views};
use crate::audit::{AuditEvent, Outcome};
use crate::store::NewMessage;

/// Longest reply accepted, in characters.
pub const MAX_REPLY_CHARS: usize = 10_000;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(super) struct ListParams {
    /// Page size, 1 to 200 (default 50). 0 or a number above 200 is `invalid_limit`; a value
    /// that is not an unsigned whole number is `invalid_parameters`.
    #[param(minimum = 1, maximum = 200, default = 50)]
    limit: Option<u32>,
    /// Where the page starts: the `next_cursor` of the previous page (`Cursor`).
    cursor: Option<String>,
}

/// A customer's tickets
///
/// Needs a role that may read tickets. The customer's tickets without their messages, most recently
/// updated first. Audited as `tickets.view`.
#[utoipa::path(
    get,
    path = "/v1/customers/{id}/tickets",
    tag = "tickets",
    operation_id = "listCustomerTickets",
    params(
        ("id" = i64, Path),
        ListParams,
    ),
    responses(
        (status = 200, description = "A page of tickets.", body = Page<Ticket>),
        (status = 400, description = "`invalid_id`, `invalid_parameters` (an unknown parameter or a malformed value), `invalid_limit` or `invalid_cursor`."),
        (status = 403, description = "The role may not read tickets."),
        (status = 404, description = "No customer has this id."),
        (status = 429, description = "`too_many_reads`, or `too_many_customers`: a customer not read in the last hour, beyond the budget's customers of an hour, and it blocks. Try again after `Retry-After` seconds.", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Whole seconds to wait."))),
    )
)]
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
    agent
        .reveal(&server, AuditAction::TicketsView, &resource, &[id])
        .await?;
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

/// One ticket, with its conversation
///
/// Needs a role that may read tickets. `messages` is present, oldest first, when the role may read
/// messages; internal notes are included only for roles that see `message.internal_notes`. Audited
/// as `ticket.view`.
#[utoipa::path(
    get,
    path = "/v1/tickets/{id}",
    tag = "tickets",
    operation_id = "getTicket",
    params(
        ("id" = i64, Path),
    ),
    responses(
        (status = 200, description = "The ticket.", body = Ticket),
        (status = 400, description = "`invalid_id`."),
        (status = 403, description = "The role may not read tickets."),
        (status = 404, description = "No ticket has this id."),
        (status = 429, description = "`too_many_reads`, or `too_many_customers`: the ticket's customer was not read in the last hour and is beyond the budget's customers of an hour, which blocks. Try again after `Retry-After` seconds.", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Whole seconds to wait."))),
    )
)]
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
    agent
        .reveal(
            &server,
            AuditAction::TicketView,
            &resource,
            &[row.customer_id],
        )
        .await?;
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

/// Reply to the customer, or add an internal note
///
/// Needs the `ticket.reply` action; an internal note (`internal: true`) also needs a role that sees
/// `message.internal_notes`. The message is stored with the caller as author and the trimmed body,
/// the ticket's `updated_at` moves to now, and the `ticket.reply` audit entry is written in the
/// same transaction: if it cannot be written, nothing is stored. The answer is the new message as
/// the caller's role may see it.
#[utoipa::path(
    post,
    path = "/v1/tickets/{id}/messages",
    tag = "tickets",
    operation_id = "replyToTicket",
    params(
        ("id" = i64, Path),
    ),
    request_body(
        content = Reply,
        examples(
            ("reply" = (value = json!({"body": "We have refunded you."}))),
            ("note" = (value = json!({"body": "Escalated to payments.", "internal": true}))),
        ),
    ),
    responses(
        (status = 201, description = "The message was added.", body = Message),
        (status = 400, description = "`invalid_id`, `malformed_json` (not JSON), `invalid_body` (a missing `body`, an unknown member, a wrong type, or control characters in the text), `empty_body` or `body_too_long`."),
        (status = 403, description = "The role lacks the `ticket.reply` action, or asks for an internal note without seeing `message.internal_notes`."),
        (status = 404, description = "No ticket has this id."),
    )
)]
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
        return Err(ApiError::bad(ApiCode::EmptyBody, "The reply is empty."));
    }
    if body.chars().count() > MAX_REPLY_CHARS {
        return Err(ApiError::bad(
            ApiCode::BodyTooLong,
            format!("A reply is limited to {MAX_REPLY_CHARS} characters."),
        ));
    }
    check_printable(body, true, ApiCode::InvalidBody)?;
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
