//! desk-server, the gateway between agents and customer data.
//!
//! It decides, on every request, what this agent may see: the bearer token is validated against
//! the provider's keys ([`token`]), the token's groups are mapped to product roles and the roles'
//! definitions to one policy ([`api`]), and every response is built field by field through that
//! policy before it is serialized ([`api`]'s views). Every search, view, action, sign-in and
//! admin change is appended to a hash chain ([`audit`]) in the same transaction as the change
//! it records, and a failed audit write fails the request. Storage sits behind
//! [`store::Store`]; SQLite is the embedded default.
//!
//! Errors answer with a stable code and a generic reason, while the cause goes to the log.
#![deny(missing_docs)]

pub mod api;
pub mod audit;
pub mod config;
pub mod demo;
pub mod policy_key;
pub mod store;
pub mod token;

pub use api::{Server, State, router};

use tokio::net::TcpListener;

/// Serves [`router`] on `listener` until ctrl-c or SIGTERM.
///
/// On the signal, open event streams are ended first (they would otherwise hold the graceful
/// shutdown open until their tokens expire); requests in flight then finish.
pub async fn serve(listener: TcpListener, server: State) -> std::io::Result<()> {
    let stopping = server.clone();
    axum::serve(listener, router(server))
        .with_graceful_shutdown(async move {
            shutdown_signal().await;
            stopping.shut_down();
        })
        .await
}

/// Checks the whole audit chain, a page at a time.
pub async fn verify_audit(
    store: &dyn store::Store,
) -> Result<audit::Verification, store::StoreError> {
    const PAGE: u32 = 10_000;
    let mut verifier = audit::Verifier::default();
    let mut from = 1;
    loop {
        let entries = store.audit_from(from, PAGE).await?;
        let Some(last) = entries.last() else { break };
        from = last.seq + 1;
        if !verifier.check(&entries) || entries.len() < PAGE as usize {
            break;
        }
    }
    Ok(verifier.finish())
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
