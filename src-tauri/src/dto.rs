//! What crosses the IPC boundary, and nothing more. The TypeScript types in
//! `ui/src/generated/` are generated from these (`cargo test -p support-desk` writes them).

use serde::Serialize;
use ts_rs::TS;

/// The status the sign-in screen opens with.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "../../ui/src/generated/")]
pub struct AppStatusDto {
    /// This build's version.
    pub version: String,
    /// The configured identity provider, if any.
    pub issuer: Option<String>,
    /// Whether an agent is signed in.
    pub signed_in: bool,
}

impl From<desk_app::Status> for AppStatusDto {
    fn from(s: desk_app::Status) -> Self {
        Self {
            version: s.version.to_owned(),
            issuer: s.issuer,
            signed_in: s.signed_in,
        }
    }
}

/// The signed-in agent, as the window shows them. No token, ever.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export, export_to = "../../ui/src/generated/")]
pub struct AgentDto {
    /// The provider's stable id for the agent.
    pub subject: String,
    /// A display name, when the provider sent one.
    pub name: Option<String>,
    /// The e-mail address, when the provider sent one.
    pub email: Option<String>,
    /// The agent's groups or roles at the provider.
    pub roles: Vec<String>,
}

impl From<desk_app::Identity> for AgentDto {
    fn from(i: desk_app::Identity) -> Self {
        Self {
            subject: i.subject,
            name: i.name,
            email: i.email,
            roles: i.roles,
        }
    }
}

/// An error as the window sees it: a stable code to branch on, a sentence to show.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export, export_to = "../../ui/src/generated/")]
pub struct ErrorDto {
    /// A stable code, such as `config`.
    pub code: String,
    /// A sentence meant for the agent.
    pub message: String,
}

impl From<desk_app::AppError> for ErrorDto {
    fn from(e: desk_app::AppError) -> Self {
        Self::from(&e)
    }
}

impl From<&desk_app::AppError> for ErrorDto {
    fn from(e: &desk_app::AppError) -> Self {
        Self {
            code: e.code().as_str().to_owned(),
            message: e.to_string(),
        }
    }
}
