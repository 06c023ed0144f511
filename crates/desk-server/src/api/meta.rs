//! The public endpoints: health, and the OpenAPI document of this API.

use axum::Json;
use axum::extract::State as StateOf;
use axum::http::header;
use axum::response::IntoResponse;
use desk_api::{ErrorBody, Health};

use super::{ApiError, State};

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

/// Whether the server can answer requests
///
/// Public: needs no token and is not audited. 200 while the database answers within
/// [`READY_WITHIN`] and the provider's signing keys are held or fetched within it (the provider is
/// asked only when its keys are due, so polling this does not poll the provider); 503
/// `database_unavailable` or `provider_unavailable` otherwise. What a load balancer's health check
/// asks of each replica (`/v1/health` says only that the process answers).
#[utoipa::path(
    get,
    path = "/v1/ready",
    tag = "meta",
    operation_id = "getReady",
    security(()),
    responses(
        (status = 200, description = "The server, its database and its identity provider answer.", body = Health),
        (status = 503, description = "The database (`database_unavailable`, with `Retry-After` saying when to ask again) or the identity provider (`provider_unavailable`) cannot be reached.", body = ErrorBody),
    )
)]
pub(super) async fn ready(StateOf(server): StateOf<State>) -> Result<Json<Health>, ApiError> {
    let database = tokio::time::timeout(READY_WITHIN, server.store.ping());
    let provider = server.verifier.ready(READY_WITHIN);
    let (database, provider) = tokio::join!(database, provider);
    match database {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "not ready: the database does not answer");
            return Err(ApiError::DatabaseUnavailable);
        }
        Err(_) => {
            tracing::warn!("not ready: the database did not answer in time");
            return Err(ApiError::DatabaseUnavailable);
        }
    }
    if let Err(e) = provider {
        tracing::warn!(error = %e, "not ready: the provider's signing keys cannot be had");
        return Err(ApiError::ProviderUnavailable);
    }
    Ok(health().await)
}

/// How long `/v1/ready` waits for the database and for the provider's keys.
pub const READY_WITHIN: std::time::Duration = std::time::Duration::from_secs(2);

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
