//! What crosses the IPC boundary, and nothing more. The TypeScript types in
//! `ui/src/generated/` are generated from these (`cargo test -p support-desk` writes them, into
//! the folder `.cargo/config.toml` names), together with the vocabulary they are typed with:
//! desk-core's pages, widgets, fields, redactions, actions, roles and search keys, and desk-app's
//! error codes and sources. So a name renamed in Rust is a type error in the window.
//!
//! Records cross as desk-core's own types ([`desk_core::record`]: `Customer`, `Account`, `Card`,
//! `Transaction`, `Ticket`, `Message`), inside [`SourcedDto`] and [`PageOf`], with no copy of
//! their own here: what desk-app returns is already the agent's redacted view (the server's
//! answer, or the cache's guarded copy of one), and the window's types of them are derived from
//! the same declaration (desk-core's `ts` feature; [`tests`] writes them).

use std::collections::BTreeMap;

use desk_app::{ErrorCode, Page, Role, Source, Widget};
use desk_core::audit::Outcome;
use desk_core::{Action, AuditAction, Field, FieldClass, RecordKind, Redaction, SearchKey};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The status the sign-in screen opens with.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AppStatusDto {
    /// This build's version.
    pub version: String,
    /// The configured identity provider, if any.
    pub issuer: Option<String>,
    /// Whether an agent is signed in.
    pub signed_in: bool,
    /// Offline views of the agent the keychain holds, not yet uploaded to the audit trail;
    /// `null` when they could not be counted (no keychain).
    #[ts(type = "number | null")]
    pub pending_views: Option<usize>,
    /// Offline views of that agent the server refused for good: kept on this machine, not on
    /// the audit trail, and never sent again on their own; `null` as for `pendingViews`.
    #[ts(type = "number | null")]
    pub refused_views: Option<usize>,
}

impl From<desk_app::Status> for AppStatusDto {
    fn from(s: desk_app::Status) -> Self {
        Self {
            version: s.version.to_owned(),
            issuer: s.issuer,
            signed_in: s.signed_in,
            pending_views: s.pending_views,
            refused_views: s.refused_views,
        }
    }
}

/// What signing out did, as far as the window tells the agent.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SignOutDto {
    /// Offline views the server did not acknowledge (it did not answer): kept on this machine
    /// and uploaded at the agent's next sign-in.
    #[ts(type = "number")]
    pub pending_views: usize,
    /// Offline views the server refused for good: kept on this machine, not on the audit
    /// trail, and never sent again on their own.
    #[ts(type = "number")]
    pub refused_views: usize,
    /// Someone was signed in and the provider did not confirm that it revoked the session's
    /// refresh token (it offers no revocation, or did not answer): signed out on this machine,
    /// and the window says so.
    pub unconfirmed_revocation: bool,
}

impl From<desk_app::SignOut> for SignOutDto {
    fn from(s: desk_app::SignOut) -> Self {
        Self {
            pending_views: s.pending_views,
            refused_views: s.refused_views,
            unconfirmed_revocation: s.was_signed_in && !s.revoked,
        }
    }
}

/// The signed-in agent, as the window shows them. No token, ever.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
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

/// What the window knows of updates: whether it looks for them, and what the feed offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "state", rename_all = "camelCase")]
#[ts(export)]
pub enum UpdateStateDto {
    /// This window does not look for updates; `why` says so in the agent's words (the
    /// organisation delivers them another way).
    Off {
        /// The installed version.
        current: String,
        /// Why not, as a sentence.
        why: String,
    },
    /// The feed offers nothing newer than the installed version.
    Current {
        /// The installed version.
        current: String,
    },
    /// A newer version is offered: installed on the agent's word (or at once when the server
    /// requires it), once its signature is checked.
    Offered {
        /// The installed version.
        current: String,
        /// The version offered.
        version: String,
        /// What the release says of itself, as the feed gave it (text, not markup).
        notes: Option<String>,
        /// When it was published (RFC 3339), as the feed said.
        date: Option<String>,
    },
    /// This window installed `version`: it runs once the app restarts.
    Installed {
        /// The version running.
        current: String,
        /// The version installed.
        version: String,
    },
}

/// How far an installation has come, sent while it runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "stage", rename_all = "camelCase")]
#[ts(export)]
pub enum UpdateProgressDto {
    /// Downloading: `received` bytes of `total` (when the feed's server said).
    Downloading {
        /// Bytes received so far.
        #[ts(type = "number")]
        received: u64,
        /// The package's size, when known.
        #[ts(type = "number | null")]
        total: Option<u64>,
    },
    /// Downloaded and its signature checked: the system's installer runs (it may ask for an
    /// administrator's password).
    Installing,
}

/// An error as the window sees it: a stable code to branch on, a sentence to show.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ErrorDto {
    /// A stable code, such as `config`.
    pub code: ErrorCode,
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
            code: e.code(),
            message: e.to_string(),
        }
    }
}

/// The agent's verified policy as the window lays it out: roles, and each page with its widgets
/// in the order of the layout. Only what the app verified reaches the window; the signed form
/// itself never crosses IPC.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PolicyDto {
    /// The policy's version; it only grows.
    #[ts(type = "number")]
    pub version: u64,
    /// The agent's product roles.
    pub roles: Vec<Role>,
    /// When the policy expires, seconds since the epoch.
    #[ts(type = "number")]
    pub expires_at: i64,
    /// The pages of the layout, in the app's page order.
    pub pages: Vec<PageDto>,
    /// How each visible field is shown (`full`, `mask_email`, `last4`, …), so the window can say
    /// why a value looks redacted. Fields not listed are hidden.
    pub fields: BTreeMap<Field, Redaction>,
    /// The actions the agent may take, such as `ticket.reply`.
    pub actions: Vec<Action>,
    /// What the agent may search customers by (`name`, `email`, `phone`, `account`), so the
    /// search field can say what it accepts; the server refuses any other.
    pub search_by: Vec<SearchKey>,
}

/// One page of the layout.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct PageDto {
    /// The page's id, such as `customer`.
    pub page: Page,
    /// Its widgets' ids, in order.
    pub widgets: Vec<Widget>,
}

impl From<&desk_app::EffectivePolicy> for PolicyDto {
    fn from(p: &desk_app::EffectivePolicy) -> Self {
        let pages = Page::ALL
            .iter()
            .filter_map(|&page| {
                let widgets = p.layout.pages.get(&page)?.clone();
                Some(PageDto { page, widgets })
            })
            .collect();
        Self {
            version: p.version,
            roles: p.policy.roles.iter().copied().collect(),
            expires_at: p.expires_at,
            pages,
            fields: p.policy.fields.clone(),
            actions: p.policy.actions.iter().copied().collect(),
            search_by: p.policy.search_by.iter().copied().collect(),
        }
    }
}

/// desk-core's vocabulary as the administrator's screens offer it: for the definition editor,
/// every field with its class and the redactions that fit it (`Field::allows`; `hidden` always
/// does), and every page, widget, action, search key and record kind; for the audit table's
/// filters, every audit action and outcome; each in desk-core's order. The screens offer these
/// and no other value.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CatalogueDto {
    /// Each field of the catalogue.
    pub fields: Vec<FieldRuleDto>,
    /// Every page.
    pub pages: Vec<Page>,
    /// Every widget, each named after its page.
    pub widgets: Vec<Widget>,
    /// Every action.
    pub actions: Vec<Action>,
    /// Every search key.
    pub search_keys: Vec<SearchKey>,
    /// Every record kind a cache rule may name.
    pub record_kinds: Vec<RecordKind>,
    /// Every action an audit entry records (the audit table's filter).
    pub audit_actions: Vec<AuditAction>,
    /// Every way an audited attempt ends (the audit table's filter).
    pub outcomes: Vec<Outcome>,
}

/// One field of the catalogue, as the definition editor offers it.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct FieldRuleDto {
    /// The field.
    pub field: Field,
    /// How sensitive it is.
    pub class: FieldClass,
    /// The redactions a definition may give it, `hidden` first.
    pub redactions: Vec<Redaction>,
}

impl CatalogueDto {
    /// desk-core's catalogue.
    pub fn of_core() -> Self {
        let fields = Field::ALL
            .iter()
            .map(|&field| {
                let mut redactions = vec![Redaction::Hidden];
                redactions.extend(
                    Redaction::ALL
                        .iter()
                        .copied()
                        .filter(|&r| r != Redaction::Hidden && field.allows(r)),
                );
                FieldRuleDto {
                    field,
                    class: field.class(),
                    redactions,
                }
            })
            .collect();
        Self {
            fields,
            pages: Page::ALL.to_vec(),
            widgets: Widget::ALL.to_vec(),
            actions: Action::ALL.to_vec(),
            search_keys: SearchKey::ALL.to_vec(),
            record_kinds: RecordKind::ALL.to_vec(),
            audit_actions: AuditAction::ALL.to_vec(),
            outcomes: Outcome::ALL.to_vec(),
        }
    }
}

/// Which audit entries the audit table lists or exports; the parts given combine, as the
/// server combines them.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct AuditFiltersDto {
    /// Only this agent's (a subject).
    #[ts(optional)]
    pub actor: Option<String>,
    /// Only this action's.
    #[ts(optional)]
    pub action: Option<AuditAction>,
    /// Only the entries that ended so.
    #[ts(optional)]
    pub outcome: Option<Outcome>,
    /// Only the entries about this resource, exactly.
    #[ts(optional)]
    pub resource: Option<String>,
    /// Recorded at or after this date or RFC 3339 time.
    #[ts(optional)]
    pub since: Option<String>,
    /// Recorded before this date or time.
    #[ts(optional)]
    pub until: Option<String>,
}

impl AuditFiltersDto {
    /// desk-app's query for these filters: pages of `limit`, from `cursor`.
    pub fn query(self, limit: u32, cursor: Option<String>) -> desk_app::AuditQuery {
        desk_app::AuditQuery {
            actor: self.actor,
            action: self.action.map(|a| a.as_str().to_owned()),
            since: self.since,
            until: self.until,
            outcome: self.outcome.map(|o| o.as_str().to_owned()),
            resource: self.resource,
            limit: Some(limit),
            cursor,
        }
    }
}

/// Where a record shown in the window came from, and as of when.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SourcedDto<T: TS> {
    /// `server` (just now) or `cache` (offline: the server could not be reached).
    pub source: Source,
    /// When the server gave it, seconds since the epoch.
    #[ts(type = "number")]
    pub as_of: i64,
    /// The record or page.
    pub value: T,
}

impl<T: TS, V: Into<T>> From<desk_app::Sourced<V>> for SourcedDto<T> {
    fn from(sourced: desk_app::Sourced<V>) -> Self {
        Self {
            source: sourced.source,
            as_of: sourced.as_of,
            value: sourced.value.into(),
        }
    }
}

/// A page of items and where the next one starts.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PageOf<T: TS> {
    /// The items.
    pub items: Vec<T>,
    /// Pass back for the next page; `null` on the last.
    pub next_cursor: Option<String>,
}

impl<T: TS> From<desk_app::RecordPage<T>> for PageOf<T> {
    fn from(page: desk_app::RecordPage<T>) -> Self {
        Self {
            items: page.items,
            next_cursor: page.next_cursor,
        }
    }
}

#[cfg(test)]
mod tests {
    //! The window's types of the records, written beside the DTOs' when `cargo test -p
    //! support-desk` runs (the DTOs' own are written by `#[ts(export)]`).

    use desk_core::record::{Customer, Message, Ticket, Transaction};
    use ts_rs::{Config, TS};

    /// Writes `Customer.ts`, `Transaction.ts`, `Ticket.ts`, `Message.ts` and the records they
    /// hold (`Account.ts`, `Card.ts`) into `TS_RS_EXPORT_DIR`, as `#[ts(export)]` would: the
    /// records are declared in desk-core, which exports nothing itself.
    #[test]
    fn export_bindings_records() {
        let cfg = Config::from_env();
        Customer::export_all(&cfg).expect("Customer.ts");
        Transaction::export_all(&cfg).expect("Transaction.ts");
        Ticket::export_all(&cfg).expect("Ticket.ts");
        Message::export_all(&cfg).expect("Message.ts");
    }

    /// Writes the administrator's bodies, as the server sends them (desk-api's types, with the
    /// desk-core types they hold: `Policy`, `Layout`, `RoleDefinition`, …).
    #[test]
    fn export_bindings_admin() {
        let cfg = Config::from_env();
        desk_app::LayoutPreview::export_all(&cfg).expect("LayoutPreview.ts");
        desk_app::StoredLayout::export_all(&cfg).expect("StoredLayout.ts");
        desk_app::StoredRole::export_all(&cfg).expect("StoredRole.ts");
        desk_app::RoleChange::export_all(&cfg).expect("RoleChange.ts");
        desk_app::RoleCheck::export_all(&cfg).expect("RoleCheck.ts");
        desk_app::RoleSet::export_all(&cfg).expect("RoleSet.ts");
        desk_app::AuditRecord::export_all(&cfg).expect("AuditRecord.ts");
        desk_app::Exported::export_all(&cfg).expect("Exported.ts");
        desk_app::ExportFormat::export_all(&cfg).expect("ExportFormat.ts");
        desk_app::AuditCheck::export_all(&cfg).expect("AuditCheck.ts");
        desk_app::AgentSummary::export_all(&cfg).expect("AgentSummary.ts");
        desk_app::AgentWipes::export_all(&cfg).expect("AgentWipes.ts");
        desk_app::WipeOrdered::export_all(&cfg).expect("WipeOrdered.ts");
    }
}
