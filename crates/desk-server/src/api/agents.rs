//! The agents the server knows, for the administrator who orders wipes: those that signed in
//! (by subject, with the SCIM user each is provisioned as, its roles at its last sign-in and its
//! devices), then the users provisioning made who never signed in (by user name).

use axum::Json;
use axum::extract::State as StateOf;
use desk_api::{AgentSummary, Page};
use desk_core::{Action, AuditAction, Role};
use serde::Deserialize;

use super::error::ApiQuery;
use super::wipes::MAX_SUBJECT_CHARS;
use super::{Agent, ApiError, State, decode_key_cursor, encode_key_cursor, limit, page_by};
use crate::audit::{AuditEvent, Outcome};
use crate::store::{Listed, StoredAgent};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(super) struct AgentsParams {
    /// Page size, 1 to 500 (default 100).
    #[param(minimum = 1, maximum = 500, default = 100)]
    limit: Option<u32>,
    /// Where the page starts: the `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// Where a page of the list begins: after an agent that signed in, or after a user that never
/// did (every agent that signed in comes first).
enum After {
    SignedIn(String),
    Provisioned(String),
}

impl After {
    fn of_cursor(cursor: Option<&str>) -> Result<Self, ApiError> {
        // A key is `a:` or `p:` and a subject or user name.
        let key = decode_key_cursor(cursor, MAX_SUBJECT_CHARS + 2)?;
        Ok(match key {
            None => Self::SignedIn(String::new()),
            Some(key) => match key.split_at_checked(2) {
                Some(("a:", subject)) => Self::SignedIn(subject.to_owned()),
                Some(("p:", user)) => Self::Provisioned(user.to_owned()),
                _ => return Err(super::paging::not_ours()),
            },
        })
    }

    /// The cursor of a page that ends with `row`.
    fn cursor_after(row: &StoredAgent) -> String {
        match (&row.subject, &row.user_name_key) {
            (Some(subject), _) => encode_key_cursor(&format!("a:{subject}")),
            (None, key) => encode_key_cursor(&format!("p:{}", key.as_deref().unwrap_or(""))),
        }
    }
}

/// The agents the server knows
///
/// Needs the `device.wipe` action. Every agent that signed in, by subject, with the SCIM user it
/// is provisioned as (and whether that user is active: an agent whose user was deactivated or
/// deleted is deprovisioned), the roles its groups mapped to at its last sign-in, when it first
/// and last signed in (a new access token's first use), its devices and how many of them have a
/// wipe still to carry out; then the users provisioning made who never signed in, by user name.
/// Audited as `agent.list`.
#[utoipa::path(
    get,
    path = "/v1/admin/agents",
    tag = "admin",
    operation_id = "listAgents",
    params(AgentsParams),
    responses(
        (status = 200, description = "A page of agents.", body = Page<AgentSummary>),
        (status = 400, description = "`invalid_parameters`, `invalid_limit` or `invalid_cursor`."),
        (status = 403, description = "The role lacks the `device.wipe` action."),
    )
)]
pub(super) async fn list(
    StateOf(server): StateOf<State>,
    agent: Agent,
    ApiQuery(params): ApiQuery<AgentsParams>,
) -> Result<Json<Page<AgentSummary>>, ApiError> {
    agent
        .require_action(
            &server,
            Action::DeviceWipe,
            AuditAction::AgentList,
            "agents",
        )
        .await?;
    let limit = limit(params.limit, 100, 500)?;
    let store = &server.store;
    let rows = match After::of_cursor(params.cursor.as_deref())? {
        After::SignedIn(after) => {
            let mut rows = store
                .agents_page(Listed::SignedIn, &after, limit + 1)
                .await?;
            if rows.len() <= limit as usize {
                let left = limit + 1 - rows.len() as u32;
                rows.extend(store.agents_page(Listed::Provisioned, "", left).await?);
            }
            rows
        }
        After::Provisioned(after) => {
            store
                .agents_page(Listed::Provisioned, &after, limit + 1)
                .await?
        }
    };
    let page = page_by(rows, limit, After::cursor_after, summary);
    server
        .audit(
            AuditEvent::new(
                &agent.subject,
                AuditAction::AgentList,
                "agents",
                Outcome::Ok,
            )
            .with_detail(serde_json::json!({ "agents": page.items.len() })),
        )
        .await?;
    Ok(Json(page))
}

/// A row as the list shows it. Roles are read leniently: a name this server does not know (one
/// written by a newer version) is left out rather than failing the list.
fn summary(row: &StoredAgent) -> AgentSummary {
    let roles = row
        .roles
        .as_deref()
        .and_then(|text| serde_json::from_str::<Vec<String>>(text).ok())
        .unwrap_or_default()
        .iter()
        .filter_map(|name| name.parse::<Role>().ok())
        .collect();
    AgentSummary {
        subject: row.subject.clone(),
        user_name: row.user_name.clone(),
        active: row.scim_active.unwrap_or(true),
        roles,
        first_sign_in: row.first_sign_in.clone(),
        last_sign_in: row.last_sign_in.clone(),
        devices: row.devices,
        pending_devices: row.pending_devices,
        last_wipe: row.last_wipe,
    }
}
