//! desk-server, the gateway between agents and customer data.
//!
//! Today it answers health checks; token validation, role policies, field-level redaction, the
//! audit chain and layout push arrive with the gateway and policy issues. Its promise, already in
//! force for what exists: every endpoint authorizes on its own, and errors answer with a generic
//! reason while the cause goes to the log.

use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use tokio::net::TcpListener;

/// The body of `GET /v1/health`.
#[derive(Debug, Serialize)]
pub struct Health {
    /// Always `ok` when the server answers at all.
    pub status: &'static str,
    /// The server's version.
    pub version: &'static str,
}

/// Every route the server answers.
pub fn router() -> Router {
    Router::new().route("/v1/health", get(health))
}

async fn health() -> Json<Health> {
    Json(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
    })
}

/// Serves [`router`] on `listener` until ctrl-c or SIGTERM.
pub async fn serve(listener: TcpListener) -> std::io::Result<()> {
    axum::serve(listener, router())
        .with_graceful_shutdown(shutdown_signal())
        .await
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM handler");
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
