//! The public endpoints: health, and the OpenAPI document of this API.

use axum::Json;
use axum::http::header;
use axum::response::IntoResponse;
use desk_api::Health;

/// Whether the server is up
///
/// Public: needs no token and is not audited.
#[utoipa::path(
    get,
    path = "/v1/health",
    tag = "meta",
    operation_id = "getHealth",
    security(()),
    responses(
        (status = 200, description = "The server answers.", body = Health),
    )
)]
pub(super) async fn health() -> Json<Health> {
    Json(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
    })
}

/// This document
///
/// Public: needs no token and is not audited.
#[utoipa::path(
    get,
    path = "/v1/openapi.json",
    tag = "meta",
    operation_id = "getOpenApi",
    security(()),
    responses(
        (status = 200, description = "The OpenAPI description of API v1.", body = super::openapi::Document),
    )
)]
pub(super) async fn openapi() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        super::openapi::served(),
    )
}
