//! The agents the server knows and their devices, for an administrator who orders wipes (a role
//! with `device.wipe`): the list, one agent's wipes and devices, and the order itself. Online
//! only; nothing of it is cached.

use desk_api::{AgentSummary, AgentWipes, Page, WipeOrdered};

use crate::records::with_query;
use crate::{App, AppError};

/// `subject` as one segment of a path: every byte but the unreserved ones percent-encoded.
fn segment(subject: &str) -> String {
    subject
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl App {
    /// A page of the agents the server knows (those that signed in by subject, then those only
    /// provisioned), `limit` at most (the server's default when absent), from `cursor`.
    /// Refused without `device.wipe` (`Forbidden`).
    pub async fn agents(
        &self,
        limit: Option<u32>,
        cursor: Option<String>,
    ) -> Result<Page<AgentSummary>, AppError> {
        let path = with_query(
            "/v1/admin/agents",
            &[("limit", limit.map(|l| l.to_string())), ("cursor", cursor)],
        )?;
        self.get_as_agent(&path).await
    }

    /// The wipes ordered for `subject` and where each of its devices stands with them.
    pub async fn agent_wipes(&self, subject: &str) -> Result<AgentWipes, AppError> {
        self.get_as_agent(&format!("/v1/admin/wipes/{}", segment(subject)))
            .await
    }

    /// Orders every device of `subject` to shred its cache (an administrator's action).
    pub async fn wipe(&self, subject: &str) -> Result<WipeOrdered, AppError> {
        self.send_as_agent(
            reqwest::Method::POST,
            &format!("/v1/admin/wipe/{}", segment(subject)),
            &serde_json::json!({}),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_subject_is_one_path_segment_whatever_it_holds() {
        assert_eq!(super::segment("agent1"), "agent1");
        assert_eq!(super::segment("a/b?c#d e"), "a%2Fb%3Fc%23d%20e");
        assert_eq!(super::segment("../admin"), "..%2Fadmin");
        assert_eq!(super::segment("é"), "%C3%A9");
    }
}
