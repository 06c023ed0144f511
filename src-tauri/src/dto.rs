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

/// An error as the window sees it: a stable code to branch on, a sentence to show.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export, export_to = "../../ui/src/generated/")]
pub struct ErrorDto {
    /// A stable code, such as `config`.
    pub code: String,
    /// A sentence meant for the agent.
    pub message: String,
}

impl From<&desk_app::AppError> for ErrorDto {
    fn from(e: &desk_app::AppError) -> Self {
        Self {
            code: e.code().as_str().to_owned(),
            message: e.to_string(),
        }
    }
}
