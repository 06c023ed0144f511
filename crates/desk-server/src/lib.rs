//! desk-server, the gateway between agents and customer data.
//!
//! It decides, on every request, what this agent may see: the bearer token is validated against
//! the provider's keys ([`token`]), the token's groups are mapped to product roles and the roles'
//! definitions to one policy ([`api`]), and every response is built field by field through that
//! policy before it is serialized ([`api`]'s views). Every search, view, action, sign-in and
//! admin change is appended to a keyed chain ([`audit`]) in the same transaction as the change
//! it records, and a failed audit write fails the request. Storage sits behind
//! [`store::Store`]; SQLite is the embedded default.
//!
//! Errors answer with a stable code and a generic reason, while the cause goes to the log.
#![deny(missing_docs)]

pub mod api;
pub mod audit;
pub mod config;
pub mod connections;
pub mod demo;
pub mod lead;
pub mod policy_key;
pub mod private;
pub mod scim;
pub mod store;
pub mod token;

pub use api::{Server, State, router};

use tokio::net::TcpListener;

/// How often, at the longest, the server signs a checkpoint of a growing audit chain.
pub const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// Serves [`router`] on `listener` until `shutdown` completes ([`shutdown_signal`]: ctrl-c or
/// SIGTERM), through [`connections`]' accept
/// loop and its limits, signing a checkpoint of the audit chain every [`CHECKPOINT_EVERY`] in
/// which it grew, and one when it stops.
///
/// On the signal, open event streams are ended first (they would otherwise hold the graceful
/// shutdown open until their tokens expire); requests in flight then finish.
pub async fn serve(
    listener: TcpListener,
    server: State,
    shutdown: impl std::future::Future<Output = ()> + Send,
) -> std::io::Result<()> {
    let stopping = server.clone();
    // The checkpoint at start is signed before the first request is served, not left to the
    // task below: a server stopped at once (the task aborted before its first tick came round,
    // which a database a round trip away made likely) would otherwise never have made it.
    let started = match server.audit_head().await {
        Ok(head) => match server.checkpoint().await {
            Ok(_) => Some(head),
            Err(e) => {
                tracing::error!(error = %e, "could not sign the audit checkpoint at start");
                None
            }
        },
        Err(e) => {
            tracing::error!(error = %e, "could not read the audit chain's head");
            None
        }
    };
    let leader = lead::Leader::new(server.store.clone());
    let checkpoints = tokio::spawn(checkpoint_while_serving(server.clone(), started));
    let archiving = tokio::spawn(archive_while_serving(server.clone(), leader.clone()));
    let sink = server.audit_sink();
    let (stop_sink, sink_stopping) = tokio::sync::watch::channel(false);
    let delivering = sink.clone().map(|sink| {
        tokio::spawn(audit::sink::run(
            sink,
            server.store.clone(),
            leader.clone(),
            sink_stopping,
        ))
    });
    let limits = server.config().connection_limits();
    let served = connections::serve(listener, router(server.clone()), limits, async move {
        shutdown.await;
        stopping.shut_down();
    })
    .await;
    checkpoints.abort();
    archiving.abort();
    if let Err(e) = server.checkpoint().await {
        tracing::error!(error = %e, "could not sign the audit checkpoint on shutdown");
    }
    // What the last requests committed goes out before the process ends; what cannot, in a
    // few seconds, waits in the database for the next start.
    if let (Some(mut task), Some(sink)) = (delivering, sink)
        && leader.lead().await
    {
        // Between deliveries, not inside one (a batch written and not yet in the cursor would go
        // out twice); one stuck in a write is cut off after a few seconds.
        let _ = stop_sink.send(true);
        if tokio::time::timeout(std::time::Duration::from_secs(5), &mut task)
            .await
            .is_err()
        {
            task.abort();
        }
        match tokio::time::timeout(
            std::time::Duration::from_secs(5),
            sink.deliver(server.store.as_ref()),
        )
        .await
        {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::error!(error = %e, "the audit sink failed on shutdown"),
            Err(_) => tracing::warn!("the audit sink did not catch up on shutdown"),
        }
    }
    leader.step_down().await;
    server.leave().await;
    served
}

/// Signs a checkpoint whenever the chain has grown since the last one (`last`: the head the
/// checkpoint at start signed), at most a minute apart.
async fn checkpoint_while_serving(server: State, mut last: Option<Option<(i64, String)>>) {
    let mut every = tokio::time::interval(CHECKPOINT_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        let head = match server.audit_head().await {
            Ok(head) => head,
            Err(e) => {
                tracing::error!(error = %e, "could not read the audit chain's head");
                continue;
            }
        };
        if last.as_ref() == Some(&head) {
            continue;
        }
        match server.checkpoint().await {
            Ok(_) => last = Some(head),
            Err(e) => tracing::error!(error = %e, "could not sign an audit checkpoint"),
        }
    }
}

/// Archives the audit entries older than the retention period at start and every
/// [`audit::retention::EVERY`], when retention is on and this replica leads ([`lead`]).
async fn archive_while_serving(server: State, leader: std::sync::Arc<lead::Leader>) {
    let mut every = tokio::time::interval(audit::retention::EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        if server.config().audit_retention_days.is_none() || !leader.lead().await {
            continue;
        }
        if let Err(e) = server.archive_old_audit().await {
            tracing::error!(error = %e, "could not archive old audit entries; they stay in the database");
        }
    }
}

/// The audit key named by `config` (`audit_key_file`), made on first start (and said so: it must
/// be backed up apart from the database).
pub fn audit_key(config: &config::Config) -> Result<audit::key::AuditKey, audit::key::KeyError> {
    let path = config.audit_key_path();
    let (key, created) = audit::key::AuditKey::load_or_create(&path)?;
    if created {
        tracing::warn!(
            file = %path.display(),
            "made a new audit key; back it up, apart from the database: without it the audit \
             chain cannot be verified and `audit find` cannot name the searches for a value"
        );
    }
    Ok(key)
}

/// Checks the audit chain the database holds under `key`, a page at a time: from its first
/// entry, or after its newest archive ([`audit::retention`]) when there is one.
pub async fn verify_audit(
    store: &dyn store::Store,
    key: &audit::key::AuditKey,
) -> Result<audit::Verification, store::StoreError> {
    Ok(audit::trail::check_database(store, key, &[])
        .await?
        .verification)
}

/// A future that completes on ctrl-c or SIGTERM, listening from the moment it is made: made
/// before the server says it listens, a signal sent as soon as it does is not missed (it would
/// otherwise end the process without its final checkpoint).
pub fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()> + Send> {
    #[cfg(unix)]
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    Ok(async move {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
        #[cfg(not(unix))]
        let _ = ctrl_c.await;
    })
}
