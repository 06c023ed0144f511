//! Role definitions as the server stores them, and the changes that wait for a second
//! administrator: read, set, approved and rejected through the server (needs the `role.edit`
//! action), never decided here.

use desk_api::{RoleChange, StoredRole};
use desk_core::RoleDefinition;
use reqwest::Method;
use serde::{Deserialize, Serialize};

use crate::{App, AppError};

/// What setting a definition came to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RoleSet {
    /// In force now, with its new version.
    Applied(StoredRole),
    /// It widens what the role sees of personal or restricted data: it waits for another
    /// administrator's approval, and nothing changed yet.
    Proposed(RoleChange),
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
