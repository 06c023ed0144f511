//! The audit chain checked on an administrator's request: the chain the database holds, under
//! the audit key, with the newest checkpoint the server kept and one the caller's client
//! witnessed (kept on the client, out of reach of whoever holds the database).

use axum::Json;
use axum::extract::State as StateOf;
use desk_api::{ApiCode, ChainBreak, ChainCheck, CheckpointCheck};
use desk_core::signed::{Checkpoint, verify_checkpoint};
use desk_core::{Action, AuditAction};
use serde::Deserialize;

use super::error::ApiQuery;
use super::{Agent, ApiError, State};
use crate::audit::trail::check_database;
use crate::audit::{AuditEvent, Outcome};

/// The longest checkpoint the route takes: a compact JWS of a few hundred characters.
const MAX_CHECKPOINT: usize = 2048;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(super) struct VerifyParams {
    /// A signed checkpoint to check too (a compact JWS typed `desk-audit-checkpoint+jwt`, as
    /// policies carry it in `audit_checkpoint`): one the caller's client witnessed. At most 2048
    /// characters.
    #[param(max_length = 2048)]
    checkpoint: Option<String>,
}

/// Checks the audit chain
///
/// Needs the `audit.read` action. Checks every entry the database holds, under the audit key,
/// from the chain's first entry or after its newest archive (which a keyed `audit.archive` entry
/// must record); then the newest signed checkpoint the server kept, and `checkpoint` when given,
/// against the chain. An entry altered, removed or inserted breaks the chain where it happened;
/// a chain rewritten and relinked with the key no longer holds checkpoints made before. One
/// check runs at a time (others wait their turn). Audited as `audit.verify`, with the verdict.
#[utoipa::path(
    get,
    path = "/v1/audit/verify",
    tag = "admin",
    operation_id = "verifyAudit",
    params(VerifyParams),
    responses(
        (status = 200, description = "The verdict: whether the chain holds, where it breaks, and each checkpoint checked.", body = ChainCheck),
        (status = 400, description = "`invalid_parameters` (an unknown parameter; a checkpoint that is too long, is not one, or whose signature does not verify with this server's policy key)."),
        (status = 403, description = "The role lacks the `audit.read` action."),
    )
)]
pub(super) async fn verify(
    StateOf(server): StateOf<State>,
    agent: Agent,
    ApiQuery(params): ApiQuery<VerifyParams>,
) -> Result<Json<ChainCheck>, ApiError> {
    agent
        .require_action(
            &server,
            Action::AuditRead,
            AuditAction::AuditVerify,
            "audit",
        )
        .await?;
    let given = params
        .checkpoint
        .as_deref()
        .map(|jws| given_checkpoint(&server, jws))
        .transpose()?;
    let check = {
        let _one_at_a_time = server.chain_checks.lock().await;
        let kept = server.store.newest_checkpoint().await?;
        let kept = kept.map(|line| {
            let verified = line.check(&[server.policy_key.public()]);
            (line, verified)
        });
        let checkpoints: Vec<Checkpoint> = kept
            .iter()
            .filter_map(|(_, v)| v.as_ref().ok().cloned())
            .chain(given.clone())
            .collect();
        let database =
            check_database(server.store.as_ref(), &server.audit_key, &checkpoints).await?;
        verdict(database, kept, given)
    };
    let detail = serde_json::json!({
        "entries": check.entries,
        "holds": check.holds,
        "broken_at": check.broken.as_ref().map(|b| b.seq),
        "server_checkpoint": check.server_checkpoint.as_ref().map(|c| (c.seq, c.held)),
        "given_checkpoint": check.given_checkpoint.as_ref().map(|c| (c.seq, c.held)),
    });
    server
        .audit(
            AuditEvent::new(
                &agent.subject,
                AuditAction::AuditVerify,
                "audit",
                Outcome::Ok,
            )
            .with_detail(detail),
        )
        .await?;
    Ok(Json(check))
}

/// The checkpoint the caller gave, its signature checked against this server's policy key.
fn given_checkpoint(server: &super::Server, jws: &str) -> Result<Checkpoint, ApiError> {
    if jws.len() > MAX_CHECKPOINT {
        return Err(ApiError::bad(
            ApiCode::InvalidParameters,
            "`checkpoint` is longer than a checkpoint (at most 2048 characters).",
        ));
    }
    verify_checkpoint(jws, &[server.policy_key.public()]).map_err(|e| {
        ApiError::bad(
            ApiCode::InvalidParameters,
            format!(
                "`checkpoint` is not a checkpoint this server signed ({e}); nothing was checked."
            ),
        )
    })
}

/// The answer from what the check found: the database's verdict, the server's newest kept
/// checkpoint (with its signature's verdict) and the given one, in the order they were checked.
fn verdict(
    database: crate::audit::trail::DatabaseCheck,
    kept: Option<(
        crate::audit::checkpoint::CheckpointLine,
        Result<Checkpoint, String>,
    )>,
    given: Option<Checkpoint>,
) -> ChainCheck {
    let mut held = database.checkpoints.into_iter();
    let server_checkpoint = kept.map(|(line, verified)| {
        let problem = match verified {
            Ok(_) => held.next().flatten(),
            Err(e) => Some(format!(
                "its signature does not verify with the server's policy key ({e}): it was \
                 written into the database by something other than this server"
            )),
        };
        checked(line.seq, line.hash, line.time, problem)
    });
    let given_checkpoint = given.map(|c| {
        let problem = held.next().flatten();
        checked(c.seq, c.hash, c.time, problem)
    });
    let v = database.verification;
    let holds = v.broken.is_none()
        && [&server_checkpoint, &given_checkpoint]
            .into_iter()
            .flatten()
            .all(|c| c.held);
    ChainCheck {
        holds,
        after: v.after,
        archive: database.retained.map(|r| r.archive),
        entries: v.entries,
        head_seq: v.after + v.entries,
        head_hash: v.head,
        broken: v.broken.map(|b| ChainBreak {
            seq: b.seq,
            reason: b.reason,
        }),
        server_checkpoint,
        given_checkpoint,
        checked_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
    }
}

fn checked(seq: i64, hash: String, time: String, problem: Option<String>) -> CheckpointCheck {
    CheckpointCheck {
        seq,
        hash,
        time,
        held: problem.is_none(),
        problem,
    }
}
