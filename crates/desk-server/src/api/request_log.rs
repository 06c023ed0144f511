//! Each request's id and its line in the log, so that a person holding an error a client showed
//! can find what the server logged about it.
//!
//! Every request gets a fresh UUID (one a client sends is replaced: ids in the log are the
//! server's own), which the answer carries in `x-request-id` and an error answer also in its body
//! (`error.request_id`). Every request runs in a span `request{method, route, id}`: the route is
//! the matched pattern (`/v1/customers/{id}`), never the URI, because a query string holds what
//! an agent searched for; no header is recorded (`Authorization` holds the token). A 4xx answer is
//! logged at `info`, a 5xx at `error`, others at `debug`, each with its status and time taken.

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderName, header};
use axum::middleware::Next;
use axum::response::Response;
use tower_http::request_id::{
    MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::trace::TraceLayer;
use tracing::Span;

use super::error::ErrorDetail;

/// The header that carries a request's id, in the request (as the server set it) and the answer.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// `router` with request ids, the request span and the answer's log line on every route.
pub fn observed<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    // The last layer added runs first.
    router
        .layer(axum::middleware::from_fn(request_id_in_error_bodies))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(span)
                .on_request(())
                .on_response(answered)
                .on_failure(()),
        )
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .layer(axum::middleware::map_request(forget_the_clients_id))
}

async fn forget_the_clients_id(mut request: Request) -> Request {
    request.headers_mut().remove(REQUEST_ID);
    request
}

fn span(request: &Request) -> Span {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(MatchedPath::as_str);
    let id = request
        .extensions()
        .get::<RequestId>()
        .and_then(|id| id.header_value().to_str().ok());
    tracing::info_span!("request", method = %request.method(), route, id)
}

fn answered(response: &Response, latency: Duration, _span: &Span) {
    let status = response.status().as_u16();
    let ms = latency.as_millis() as u64;
    if response.status().is_server_error() {
        tracing::error!(status, ms, "answered");
    } else if response.status().is_client_error() {
        tracing::info!(status, ms, "answered");
    } else {
        tracing::debug!(status, ms, "answered");
    }
}

/// Writes the request's id into an error answer's body ([`ErrorDetail`] is what
/// `ApiError::into_response` left on it).
async fn request_id_in_error_bodies(request: Request, next: Next) -> Response {
    let id = request
        .extensions()
        .get::<RequestId>()
        .and_then(|id| id.header_value().to_str().ok())
        .map(str::to_owned);
    let mut response = next.run(request).await;
    let (Some(id), Some(detail)) = (id, response.extensions_mut().remove::<ErrorDetail>()) else {
        return response;
    };
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(detail.body(Some(&id))))
}
