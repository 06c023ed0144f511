//! The audit trail, read by an administrator (a role with `audit.read`): online only, never
//! cached.

use desk_api::{AuditRecord, Page};

use crate::records::with_query;
use crate::{App, AppError};

/// Which entries of the trail to list; the parts given combine.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    /// Only this actor's (a subject).
    pub actor: Option<String>,
    /// Only this action's (`customer.view`, `sign_in`, …).
    pub action: Option<String>,
    /// Recorded at or after this date or RFC 3339 time.
    pub since: Option<String>,
    /// Recorded before this date or time.
    pub until: Option<String>,
    /// Only the entries that ended so (`ok`, `denied`, `not_found`).
    pub outcome: Option<String>,
    /// Only the entries about this resource, exactly (`customer:42`).
    pub resource: Option<String>,
    /// Page size (the server's default when absent).
    pub limit: Option<u32>,
    /// Where to continue: the previous page's `next_cursor`.
    pub cursor: Option<String>,
}

impl App {
    /// A page of the audit trail, newest first. The server checks the filters (a bad one is
    /// `ServerRefused`, HTTP 400, with the server's reason) and refuses a role without
    /// `audit.read` (`Forbidden`).
    pub async fn audit(&self, query: &AuditQuery) -> Result<Page<AuditRecord>, AppError> {
        let path = with_query(
            "/v1/audit",
            &[
                ("actor", query.actor.clone()),
                ("action", query.action.clone()),
                ("since", query.since.clone()),
                ("until", query.until.clone()),
                ("outcome", query.outcome.clone()),
                ("resource", query.resource.clone()),
                ("limit", query.limit.map(|l| l.to_string())),
                ("cursor", query.cursor.clone()),
            ],
        )?;
        let session = self.session().await?;
        let api = self.server_api().await?;
        self.with_token(&session, |token| {
            let api = api.clone();
            let path = path.clone();
            async move { api.get_json(&path, token).await }
        })
        .await
    }
}
