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

/// The agent's verified policy as the window lays it out: roles, and each page with its widgets
/// in the order of the layout. Only what the app verified reaches the window; the signed form
/// itself never crosses IPC.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export, export_to = "../../ui/src/generated/")]
pub struct PolicyDto {
    /// The policy's version; it only grows.
    #[ts(type = "number")]
    pub version: u64,
    /// The agent's product roles.
    pub roles: Vec<String>,
    /// When the policy expires, seconds since the epoch.
    #[ts(type = "number")]
    pub expires_at: i64,
    /// The pages of the layout, in the app's page order.
    pub pages: Vec<PageDto>,
}

/// One page of the layout.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export, export_to = "../../ui/src/generated/")]
pub struct PageDto {
    /// The page's id, such as `customer`.
    pub page: String,
    /// Its widgets' ids, in order.
    pub widgets: Vec<String>,
}

impl From<&desk_app::EffectivePolicy> for PolicyDto {
    fn from(p: &desk_app::EffectivePolicy) -> Self {
        let pages = desk_app::Page::ALL
            .iter()
            .filter_map(|page| {
                let widgets = p.layout.pages.get(page)?;
                Some(PageDto {
                    page: page.as_str().to_owned(),
                    widgets: widgets.iter().map(|w| w.as_str().to_owned()).collect(),
                })
            })
            .collect();
        Self {
            version: p.version,
            roles: p
                .policy
                .roles
                .iter()
                .map(|r| r.as_str().to_owned())
                .collect(),
            expires_at: p.expires_at,
            pages,
        }
    }
}
