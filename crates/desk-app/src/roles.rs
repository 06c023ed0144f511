//! Role definitions as the server stores them, and the changes that wait for a second
//! administrator: read, set, approved and rejected through the server (needs the `role.edit`
//! action), never decided here. [`check_role`] says beforehand what the server will make of an
//! edited definition, with the server's own rules (desk-core's).

use desk_api::{RoleChange, StoredRole};
use desk_core::{Field, RoleDefinition, changes};
use reqwest::Method;
use serde::{Deserialize, Serialize};

use crate::{App, AppError};

/// What setting a definition came to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(untagged)]
pub enum RoleSet {
    /// In force now, with its new version.
    Applied(StoredRole),
    /// It widens what the role sees of personal or restricted data: it waits for another
    /// administrator's approval, and nothing changed yet.
    Proposed(RoleChange),
}

/// What an edited definition comes to, checked as the server checks it: refused (and why), or
/// taken, at once or after a second administrator's approval.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RoleCheck {
    /// Why the server would refuse it; absent when it would take it.
    pub problem: Option<String>,
    /// The personal and restricted fields it shows more of than the definition in force: when
    /// there are any, it waits for a second administrator's approval.
    pub widened: Vec<Field>,
    /// What it changes from the definition in force, member by member, as its audit entry will
    /// say it (`desk_core::changes::definition_changes`); empty when nothing changes.
    #[cfg_attr(feature = "ts", ts(type = "Record<string, unknown>"))]
    pub changes: serde_json::Value,
}

/// What `edited` comes to against `current`, the definition in force for its role. Pure: the
/// server's own checks, run before anything is sent.
pub fn check_role(current: &RoleDefinition, edited: &RoleDefinition) -> RoleCheck {
    let problem = if edited.role != current.role {
        Some(format!(
            "the definition is of {}, not of {}",
            edited.role, current.role
        ))
    } else {
        edited.validate().err().map(|e| e.to_string())
    };
    RoleCheck {
        problem,
        widened: changes::widened_sensitive(current, edited),
        changes: changes::definition_changes(current, edited),
    }
}

impl App {
    /// Every role definition the server holds, with its version.
    pub async fn roles(&self) -> Result<Vec<StoredRole>, AppError> {
        self.get_as_agent("/v1/admin/roles").await
    }

    /// Sets `definition` for its role: applied at once, or proposed for a second
    /// administrator when it widens what the role sees of personal or restricted data.
    pub async fn set_role(&self, definition: &RoleDefinition) -> Result<RoleSet, AppError> {
        let path = format!("/v1/admin/roles/{}", definition.role);
        self.send_as_agent(Method::PUT, &path, definition).await
    }

    /// The role changes waiting for a second administrator, newest first.
    pub async fn role_changes(&self) -> Result<Vec<RoleChange>, AppError> {
        self.get_as_agent("/v1/admin/role-changes").await
    }

    /// Approves the waiting change `id` (another administrator's): the definition it puts in
    /// force.
    pub async fn approve_role_change(&self, id: i64) -> Result<StoredRole, AppError> {
        let path = format!("/v1/admin/role-changes/{id}/approve");
        self.send_as_agent(Method::POST, &path, &serde_json::json!({}))
            .await
    }

    /// Rejects (or, its proposer, withdraws) the waiting change `id`.
    pub async fn reject_role_change(&self, id: i64) -> Result<RoleChange, AppError> {
        let path = format!("/v1/admin/role-changes/{id}/reject");
        self.send_as_agent(Method::POST, &path, &serde_json::json!({}))
            .await
    }
}

#[cfg(test)]
mod tests {
    use desk_core::{Redaction, Role, Widget};

    use super::*;

    fn agent_l1() -> RoleDefinition {
        serde_json::from_value(serde_json::json!({
            "role": "agent_l1",
            "pages": ["search", "customer"],
            "widgets": ["search.box", "customer.summary"],
            "fields": {"customer.name": "full", "customer.email": "mask_email"},
            "search_by": ["name"],
        }))
        .unwrap()
    }

    #[test]
    fn an_edit_is_checked_as_the_server_checks_it() {
        let current = agent_l1();
        let same = check_role(&current, &current);
        assert_eq!(same.problem, None);
        assert!(same.widened.is_empty());
        assert_eq!(same.changes, serde_json::json!({}));

        // Shown whole, the e-mail widens pii: it waits for a second administrator.
        let mut wider = current.clone();
        wider.fields.insert(Field::CustomerEmail, Redaction::Full);
        let check = check_role(&current, &wider);
        assert_eq!(
            (check.problem, check.widened),
            (None, vec![Field::CustomerEmail])
        );
        assert_eq!(
            check.changes["fields"]["customer.email"],
            serde_json::json!({"before": "mask_email", "after": "full"})
        );

        // A restricted field shown whole, or a widget on a page not granted, is refused.
        let mut whole = current.clone();
        whole.fields.insert(Field::CardNumber, Redaction::Full);
        assert!(
            check_role(&current, &whole)
                .problem
                .unwrap()
                .contains("card.number")
        );
        let mut stray = current.clone();
        stray.widgets.insert(Widget::TicketReply);
        assert!(check_role(&current, &stray).problem.is_some());

        let mut other = current.clone();
        other.role = Role::Supervisor;
        assert!(
            check_role(&current, &other)
                .problem
                .unwrap()
                .contains("supervisor")
        );
    }
}
