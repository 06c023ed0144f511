//! API v1: the routes, each registered once together with its OpenAPI operation.
//!
//! Every handler authorizes on its own and builds its answer through the agent's policy: the
//! [`Agent`] extractor (`agent`) validates the bearer token and computes the agent's policy before
//! a handler runs; a handler then checks what it needs (`require_kind`, `require_action`; the
//! first also spends the agent's read budget, `budget`), reads rows, lets the customers they show
//! pass the budget (`Agent::reveal`), turns each into the role's view with `views`, appends the
//! audit entry, and only then answers. An audit write that fails fails the request.
//!
//! [`routes`] is the one list of handlers: `utoipa-axum` adds each to the router under the path
//! and method its `#[utoipa::path]` declares, and to the OpenAPI document (`openapi`) with its
//! operation, so a route cannot be served undocumented or documented unserved.

mod admin;
mod agent;
mod agents;
mod budget;
mod chain;
mod customers;
pub mod error;
mod events;
#[cfg(test)]
mod fuzz;
mod meta;
mod offline;
pub mod openapi;
mod paging;
mod preview;
mod replicas;
pub mod request_log;
mod role_table;
mod scim;
mod server;
mod streams;
mod tickets;
mod upload_rate;
mod views;
mod wipes;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::header;
use axum::response::IntoResponse;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use agent::Agent;
pub use customers::{SearchBy, parse_query};
pub use error::ApiError;
use paging::{decode_cursor, decode_key_cursor, encode_key_cursor, limit, page_by, page_of};
pub use server::{
    CHECKPOINT_REUSE, Change, DEFAULT_ROLES, Server, StartError, State, parse_role_definitions,
};

/// Every route, with its operation, taking ordinary bodies of at most `max_body` bytes.
pub fn routes(max_body: usize) -> OpenApiRouter<State> {
    let ordinary = OpenApiRouter::new()
        .routes(routes!(meta::health))
        .routes(routes!(meta::ready))
        .routes(routes!(meta::openapi))
        .routes(routes!(admin::my_policy))
        .routes(routes!(wipes::mine))
        .routes(routes!(wipes::acknowledge))
        .routes(routes!(customers::search))
        .routes(routes!(customers::customer))
        .routes(routes!(customers::transactions))
        .routes(routes!(tickets::of_customer))
        .routes(routes!(tickets::ticket))
        .routes(routes!(tickets::reply))
        .routes(routes!(admin::audit))
        .routes(routes!(chain::verify))
        .routes(routes!(admin::roles))
        .routes(routes!(admin::put_role))
        .routes(routes!(admin::role_history))
        .routes(routes!(admin::role_changes))
        .routes(routes!(admin::approve_role_change))
        .routes(routes!(admin::reject_role_change))
        .routes(routes!(admin::layouts))
        .routes(routes!(admin::put_layout))
        .routes(routes!(admin::layout_history))
        .routes(routes!(preview::layout_preview))
        .routes(routes!(wipes::order))
        .routes(routes!(wipes::of_agent))
        .routes(routes!(agents::list))
        .routes(routes!(events::events));
    // A full upload (500 views) is larger than an ordinary body.
    let upload = OpenApiRouter::new().routes(routes!(offline::upload));
    with_body_limit(ordinary, max_body)
        .merge(with_body_limit(
            upload,
            max_body.max(offline::MAX_UPLOAD_BYTES),
        ))
        // A whole group's membership in one PUT (Okta pushes it so) is more than an ordinary body.
        .merge(with_body_limit(
            scim::routes(),
            max_body.max(scim::MAX_BODY_BYTES),
        ))
}

/// Every route the server answers; anything else is a 404 (or a 405 for a method a path does
/// not have).
pub fn router(server: State) -> Router {
    let (routes, _) = routes(server.config.max_body_bytes).split_for_parts();
    let routes = routes
        .fallback(|uri: axum::http::Uri| async move {
            let under_scim = uri.path() == scim::http::PREFIX
                || uri.path().starts_with(&format!("{}/", scim::http::PREFIX));
            if under_scim {
                scim::http::Refusal::status(404, "No such endpoint under /scim/v2.").into_response()
            } else {
                axum::http::StatusCode::NOT_FOUND.into_response()
            }
        })
        .with_state(server);
    request_log::observed(routes)
}

/// `routes` taking bodies of at most `max` bytes: a larger declared length is refused before any
/// of the body is read (the client gets the 413 while it waits; an `Expect: 100-continue` client
/// never sends the body), and a body without one is cut off as it arrives.
fn with_body_limit(routes: OpenApiRouter<State>, max: usize) -> OpenApiRouter<State> {
    routes
        .layer(DefaultBodyLimit::max(max))
        .layer(axum::middleware::from_fn(
            move |request: axum::extract::Request, next: axum::middleware::Next| async move {
                let declared = request
                    .headers()
                    .get(header::CONTENT_LENGTH)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse::<u64>().ok());
                match declared {
                    Some(length) if length > max as u64 => ApiError::TooLarge.into_response(),
                    _ => next.run(request).await,
                }
            },
        ))
}
