//! What crosses the IPC boundary, and nothing more. The TypeScript types in
//! `ui/src/generated/` are generated from these (`cargo test -p support-desk` writes them, into
//! the folder `.cargo/config.toml` names), together with the vocabulary they are typed with:
//! desk-core's pages, widgets, fields, redactions, actions, roles and search keys, and desk-app's
//! error codes and sources. So a name renamed in Rust is a type error in the window.

use std::collections::BTreeMap;

use desk_app::{ErrorCode, Page, Role, Source, Widget};
use desk_core::{Action, Field, Redaction, SearchKey};
use serde::Serialize;
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
}

impl From<desk_app::Status> for AppStatusDto {
    fn from(s: desk_app::Status) -> Self {
        Self {
            version: s.version.to_owned(),
            issuer: s.issuer,
            signed_in: s.signed_in,
            pending_views: s.pending_views,
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
}

impl From<desk_app::SignOut> for SignOutDto {
    fn from(s: desk_app::SignOut) -> Self {
        Self {
            pending_views: s.pending_views,
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

impl<T: TS> SourcedDto<T> {
    /// Converts `sourced`'s value with `into`.
    pub fn from<V>(sourced: desk_app::Sourced<V>, into: impl FnOnce(V) -> T) -> Self {
        Self {
            source: sourced.source,
            as_of: sourced.as_of,
            value: into(sourced.value),
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

impl<T: TS> PageOf<T> {
    /// Converts a page of records.
    pub fn from<V>(page: desk_app::RecordPage<V>, into: impl Fn(V) -> T) -> Self {
        Self {
            items: page.items.into_iter().map(into).collect(),
            next_cursor: page.next_cursor,
        }
    }
}

/// A customer as the agent may see them: a field absent here was never sent by the server.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CustomerDto {
    #[ts(type = "number")]
    pub id: i64,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub date_of_birth: Option<String>,
    pub address: Option<String>,
    pub tier: Option<String>,
    pub status: Option<String>,
    pub created_at: Option<String>,
    /// `null` when the agent may not see accounts.
    pub accounts: Option<Vec<AccountDto>>,
}

/// An account.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AccountDto {
    #[ts(type = "number")]
    pub id: i64,
    pub number: Option<String>,
    pub currency: Option<String>,
    /// Minor units.
    #[ts(type = "number | null")]
    pub balance: Option<i64>,
    pub status: Option<String>,
    pub opened_at: Option<String>,
    /// `null` when the agent may not see cards.
    pub cards: Option<Vec<CardDto>>,
}

/// A payment card.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CardDto {
    #[ts(type = "number")]
    pub id: i64,
    pub number: Option<String>,
    pub brand: Option<String>,
    pub expiry: Option<String>,
    pub status: Option<String>,
}

/// A transaction.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TransactionDto {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub account_id: i64,
    pub time: Option<String>,
    /// Minor units; negative when money left the account.
    #[ts(type = "number | null")]
    pub amount: Option<i64>,
    pub currency: Option<String>,
    pub merchant: Option<String>,
    pub status: Option<String>,
    pub card_number: Option<String>,
    pub ip_address: Option<String>,
    pub description: Option<String>,
}

/// A ticket, with its messages when one ticket was opened.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct TicketDto {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub customer_id: i64,
    pub subject: Option<String>,
    pub status: Option<String>,
    pub priority: Option<String>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub messages: Option<Vec<MessageDto>>,
}

/// A message on a ticket; server text, shown as text only.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct MessageDto {
    #[ts(type = "number")]
    pub id: i64,
    /// An agents' internal note.
    pub internal: bool,
    pub author: Option<String>,
    pub time: Option<String>,
    pub body: Option<String>,
}

impl From<desk_core::record::Customer> for CustomerDto {
    fn from(c: desk_core::record::Customer) -> Self {
        Self {
            id: c.id,
            name: c.name,
            email: c.email,
            phone: c.phone,
            date_of_birth: c.date_of_birth,
            address: c.address,
            tier: c.tier,
            status: c.status,
            created_at: c.created_at,
            accounts: c
                .accounts
                .map(|a| a.into_iter().map(AccountDto::from).collect()),
        }
    }
}

impl From<desk_core::record::Account> for AccountDto {
    fn from(a: desk_core::record::Account) -> Self {
        Self {
            id: a.id,
            number: a.number,
            currency: a.currency,
            balance: a.balance,
            status: a.status,
            opened_at: a.opened_at,
            cards: a.cards.map(|c| c.into_iter().map(CardDto::from).collect()),
        }
    }
}

impl From<desk_core::record::Card> for CardDto {
    fn from(c: desk_core::record::Card) -> Self {
        Self {
            id: c.id,
            number: c.number,
            brand: c.brand,
            expiry: c.expiry,
            status: c.status,
        }
    }
}

impl From<desk_core::record::Transaction> for TransactionDto {
    fn from(t: desk_core::record::Transaction) -> Self {
        Self {
            id: t.id,
            account_id: t.account_id,
            time: t.time,
            amount: t.amount,
            currency: t.currency,
            merchant: t.merchant,
            status: t.status,
            card_number: t.card_number,
            ip_address: t.ip_address,
            description: t.description,
        }
    }
}

impl From<desk_core::record::Ticket> for TicketDto {
    fn from(t: desk_core::record::Ticket) -> Self {
        Self {
            id: t.id,
            customer_id: t.customer_id,
            subject: t.subject,
            status: t.status,
            priority: t.priority,
            created_at: t.created_at,
            updated_at: t.updated_at,
            messages: t
                .messages
                .map(|m| m.into_iter().map(MessageDto::from).collect()),
        }
    }
}

impl From<desk_core::record::Message> for MessageDto {
    fn from(m: desk_core::record::Message) -> Self {
        Self {
            id: m.id,
            internal: m.internal,
            author: m.author,
            time: m.time,
            body: m.body,
        }
    }
}
