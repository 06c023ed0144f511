//! Role definitions and the effective policy of a signed-in agent.
//!
//! A [`RoleDefinition`] is data an administrator can change: the pages and widgets a role sees, the
//! redaction of every field, the actions it may take and what it may cache. [`RoleDefinition::validate`]
//! refuses a definition that contradicts itself (a widget whose data the role may not read, a
//! restricted field shown whole). An agent's [`Policy`] is the union of their roles' definitions;
//! the server builds every response through it, and a user without roles gets the empty policy,
//! which permits nothing.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::field::{FieldClass, Redaction};
use crate::record::{Field, Fields, RecordKind, Shape, Value};
use crate::role::Role;
use crate::scrub::{self, Keep, Own, OwnKind};

closed_names! {
    /// A page of the app.
    #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    Page, "page" {
        Search = "search", "Finding a customer.";
        Customer = "customer", "One customer: summary, contact, accounts, recent activity.";
        Transactions = "transactions", "A customer's transactions, filtered and paged.";
        Tickets = "tickets", "A customer's tickets.";
        Ticket = "ticket", "One ticket with its messages.";
        Audit = "audit", "The audit trail.";
        Admin = "admin", "Role layouts and definitions.";
    }
}

closed_names! {
    /// Something a role may do beyond reading.
    #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    Action, "action" {
        TicketReply = "ticket.reply", "Answer a customer on a ticket (`POST /v1/tickets/{id}/messages`).";
        AuditRead = "audit.read", "Read the audit trail (`GET /v1/audit`).";
        LayoutPublish = "layout.publish", "Publish a role's layout (`GET /v1/admin/layouts`, `PUT /v1/admin/layouts/{role}`).";
        RoleEdit = "role.edit", "Change a role's definition (`GET /v1/admin/roles`, `PUT /v1/admin/roles/{role}`).";
        DeviceWipe = "device.wipe", "Order every device of an agent to shred its cache (`POST /v1/admin/wipe/{subject}`).";
    }
}

closed_names! {
    /// What customers may be searched by: `name` (words that start words of the name), `email`
    /// (a whole address), `phone` (any notation, matched on the last nine digits), `account` (an
    /// IBAN). Each key searches a field (`customer.name`, `customer.email`, `customer.phone`,
    /// `account.number`) that a role granting it must see at least masked. A role searches only
    /// by the keys its definition grants, and a search by a value is a way of learning who holds
    /// it.
    #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    SearchKey, "search key" {
        Name = "name", "Words that start words of the customer's name.";
        Email = "email", "A whole e-mail address.";
        Phone = "phone", "A phone number, in any common notation.";
        Account = "account", "An account number (IBAN).";
    }
}

impl SearchKey {
    /// The field whose value the key searches: the role must see it at least masked.
    pub fn field(self) -> Field {
        match self {
            Self::Name => Field::CustomerName,
            Self::Email => Field::CustomerEmail,
            Self::Phone => Field::CustomerPhone,
            Self::Account => Field::AccountNumber,
        }
    }
}

/// What a widget needs the role to hold before it may be shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// Some field of this kind must be visible.
    Kind(RecordKind),
    /// This field must be visible.
    Field(Field),
    /// This action must be held.
    Action(Action),
}

closed_names! {
    /// A widget: one block of a page, rendered only when the policy grants it. A role
    /// definition may grant a widget only together with its page and what it needs.
    #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    Widget, "widget" {
        SearchBox = "search.box", "The search field.";
        SearchResults = "search.results", "The list of matching customers.";
        CustomerSummary = "customer.summary", "Name, status and tier.";
        CustomerContact = "customer.contact", "E-mail, phone and address.";
        CustomerAccounts = "customer.accounts", "Accounts with balances.";
        CustomerCards = "customer.cards", "Payment cards.";
        CustomerRecentTransactions = "customer.recent_transactions", "The latest transactions.";
        CustomerOpenTickets = "customer.open_tickets", "Tickets still open.";
        TransactionsTable = "transactions.table", "All transactions, filtered and paged.";
        TicketsList = "tickets.list", "All tickets.";
        TicketMessages = "ticket.messages", "A ticket's conversation.";
        TicketInternalNotes = "ticket.internal_notes", "Agents' internal notes on a ticket.";
        TicketReply = "ticket.reply", "The reply box.";
        AuditLog = "audit.log", "The audit trail.";
        AdminLayouts = "admin.layouts", "Publishing role layouts.";
        AdminRoles = "admin.roles", "Editing role definitions.";
        AdminAgents = "admin.agents", "The agents the server knows and their devices; wipes ordered and acknowledged.";
    }
}

impl Widget {
    /// The page the widget belongs to.
    pub fn page(self) -> Page {
        match self {
            Self::SearchBox | Self::SearchResults => Page::Search,
            Self::CustomerSummary
            | Self::CustomerContact
            | Self::CustomerAccounts
            | Self::CustomerCards
            | Self::CustomerRecentTransactions
            | Self::CustomerOpenTickets => Page::Customer,
            Self::TransactionsTable => Page::Transactions,
            Self::TicketsList => Page::Tickets,
            Self::TicketMessages | Self::TicketInternalNotes | Self::TicketReply => Page::Ticket,
            Self::AuditLog => Page::Audit,
            Self::AdminLayouts | Self::AdminRoles | Self::AdminAgents => Page::Admin,
        }
    }

    /// What the role must hold for the widget to be granted.
    pub fn needs(self) -> &'static [Needs] {
        use Needs::*;
        match self {
            Self::SearchBox | Self::SearchResults | Self::CustomerSummary => {
                &[Kind(RecordKind::Customer)]
            }
            Self::CustomerContact => &[Kind(RecordKind::Customer)],
            Self::CustomerAccounts => &[Kind(RecordKind::Account)],
            Self::CustomerCards => &[Kind(RecordKind::Card)],
            Self::CustomerRecentTransactions | Self::TransactionsTable => {
                &[Kind(RecordKind::Transaction)]
            }
            Self::CustomerOpenTickets | Self::TicketsList => &[Kind(RecordKind::Ticket)],
            Self::TicketMessages => &[Kind(RecordKind::Message)],
            Self::TicketInternalNotes => &[Field(crate::record::Field::MessageInternalNotes)],
            Self::TicketReply => &[Action(crate::policy::Action::TicketReply)],
            Self::AuditLog => &[Action(crate::policy::Action::AuditRead)],
            Self::AdminLayouts => &[Action(crate::policy::Action::LayoutPublish)],
            Self::AdminRoles => &[Action(crate::policy::Action::RoleEdit)],
            Self::AdminAgents => &[Action(crate::policy::Action::DeviceWipe)],
        }
    }
}

/// What a role may keep in the client's local encrypted cache, and for how long. Restricted
/// fields are never cached, whatever these say.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CacheRules {
    /// Record kinds that may be cached, each with its time to live in seconds (1 to 604800). A
    /// kind not listed is not cached; a role may cache only kinds it can read.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::TtlSecs))]
    pub ttl_secs: BTreeMap<RecordKind, u64>,
    /// How long after the policy expires cached records may still be read offline, in seconds.
    #[serde(default)]
    pub offline_grace_secs: u64,
}

/// The most a cache rule may allow: a week, for both a record's life and the offline grace.
pub const MAX_CACHE_SECS: u64 = 7 * 24 * 3600;

/// How much an agent holding the role may read, and how fast: the server refuses reads beyond
/// it with 429 and `Retry-After`, and records in the audit trail an agent who reads many
/// customers in a short time. Audited reads are the searches, customers, transactions, ticket
/// lists and tickets. A member not given takes its default (120 reads a minute, a burst of
/// 120, 1500 customers an hour, alert only). An agent with several roles gets the most generous
/// of their budgets, member by member (and blocks only when every role blocks).
///
/// `reads_per_minute` is the average rate of audited reads, `burst` how many may come at once
/// before that rate applies (a token bucket); over it, a read is refused with 429
/// `too_many_reads` and nothing is read. `bulk_customers_per_hour` is how many distinct
/// customers' data (a search's results included) may leave the server to the agent within a
/// sliding hour: an agent who goes beyond it is recorded (`read.bulk`, once an hour), and with
/// `block_bulk`, a read that would show a customer beyond it is refused with 429
/// `too_many_customers` (customers read within the hour can still be read again).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReadBudget {
    /// Audited reads a minute, on average: 1 to 10000000.
    #[cfg_attr(
        feature = "openapi",
        schema(minimum = 1, maximum = 10_000_000, default = 120)
    )]
    pub reads_per_minute: u32,
    /// Audited reads at once before the per-minute rate applies: 1 to 10000000.
    #[cfg_attr(
        feature = "openapi",
        schema(minimum = 1, maximum = 10_000_000, default = 120)
    )]
    pub burst: u32,
    /// Distinct customers whose data may leave the server to one agent within a sliding hour,
    /// search results included: 1 to 100000. The server remembers at most this many customers
    /// per agent.
    #[cfg_attr(
        feature = "openapi",
        schema(minimum = 1, maximum = 100_000, default = 1500)
    )]
    pub bulk_customers_per_hour: u32,
    /// Beyond `bulk_customers_per_hour`, refuse reads that would show further customers
    /// (`true`), or only record the agent (`false`).
    pub block_bulk: bool,
}

/// The most `ReadBudget::reads_per_minute` and `ReadBudget::burst` may be.
pub const MAX_READS: u32 = 10_000_000;

/// The most `ReadBudget::bulk_customers_per_hour` may be: also the most customers the server
/// remembers per agent.
pub const MAX_BULK_CUSTOMERS: u32 = 100_000;

impl Default for ReadBudget {
    /// A budget no person reading at a screen reaches: two reads a second on average, 120 at
    /// once, 1500 customers an hour, alert only.
    fn default() -> Self {
        Self {
            reads_per_minute: 120,
            burst: 120,
            bulk_customers_per_hour: 1500,
            block_bulk: false,
        }
    }
}

impl ReadBudget {
    /// The most generous of `budgets`, member by member: the highest rate, burst and number of
    /// customers, blocking only when every one blocks. The default budget when there is none.
    pub fn most_generous<'a>(budgets: impl IntoIterator<Item = &'a ReadBudget>) -> Self {
        budgets
            .into_iter()
            .copied()
            .reduce(|a, b| Self {
                reads_per_minute: a.reads_per_minute.max(b.reads_per_minute),
                burst: a.burst.max(b.burst),
                bulk_customers_per_hour: a.bulk_customers_per_hour.max(b.bulk_customers_per_hour),
                block_bulk: a.block_bulk && b.block_bulk,
            })
            .unwrap_or_default()
    }

    /// One of `replicas` equal parts of this budget, for a server that counts only the reads it
    /// serves itself: every number divided, rounded down but at least 1, so that the parts
    /// together never allow more than the whole (unless the whole is below one each).
    pub fn part_of(&self, replicas: u32) -> Self {
        let replicas = replicas.max(1);
        let part = |n: u32| (n / replicas).max(1);
        Self {
            reads_per_minute: part(self.reads_per_minute),
            burst: part(self.burst),
            bulk_customers_per_hour: part(self.bulk_customers_per_hour),
            block_bulk: self.block_bulk,
        }
    }

    /// Refuses a member out of its bounds.
    pub fn validate(&self) -> Result<(), DefinitionError> {
        for (name, value, max) in [
            ("reads_per_minute", self.reads_per_minute, MAX_READS),
            ("burst", self.burst, MAX_READS),
            (
                "bulk_customers_per_hour",
                self.bulk_customers_per_hour,
                MAX_BULK_CUSTOMERS,
            ),
        ] {
            if !(1..=max).contains(&value) {
                return Err(DefinitionError::Budget(format!(
                    "`{name}` is {value}; allowed is 1 to {max}"
                )));
            }
        }
        Ok(())
    }
}

/// What a role may see and do. Only `role` is required in a request; every other member
/// defaults to empty (no pages, widgets, fields, actions or caching), and responses always carry
/// every member. Unknown members are refused (`invalid_body`). A definition must be coherent or it
/// is refused with `invalid_definition`: each field's redaction must fit the field (see
/// `FieldRedactions`); each widget's page must be in `pages` and the role must hold what the
/// widget needs (see `Widget`); each search key's field must be visible to the role (see
/// `SearchKey`); each cacheable kind must be readable by the role, with a time to live of 1 to
/// 604800 s; `offline_grace_secs` may not exceed 604800; and the read budget's members must be
/// within their bounds (see `ReadBudget`).
///
/// Administrators change these; the server validates every change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoleDefinition {
    /// The role this defines.
    pub role: Role,
    /// One line saying who holds the role.
    #[serde(default)]
    pub description: String,
    /// Pages the role may open.
    #[serde(default)]
    pub pages: BTreeSet<Page>,
    /// Widgets the role may see.
    #[serde(default)]
    pub widgets: BTreeSet<Widget>,
    /// The redaction of each field; a field not listed is hidden.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::FieldRedactions))]
    pub fields: BTreeMap<Field, Redaction>,
    /// Actions the role may take.
    #[serde(default)]
    pub actions: BTreeSet<Action>,
    /// What the role may search customers by; each key's field must be visible to the role, at
    /// least masked. Nothing when not listed.
    #[serde(default)]
    pub search_by: BTreeSet<SearchKey>,
    /// What the role may cache; defaults to nothing.
    #[serde(default)]
    pub cache: CacheRules,
    /// How much an agent holding the role may read, and how fast; the default budget when not
    /// given.
    #[serde(default)]
    pub read_budget: ReadBudget,
}

/// Why a role definition was refused. Each names the first problem found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DefinitionError {
    /// A field was given a redaction that does not fit it (restricted shown whole, a date masked
    /// as an e-mail).
    #[error("field `{field}` cannot be shown as `{redaction}`")]
    Redaction {
        /// The field.
        field: Field,
        /// The redaction it was given.
        redaction: Redaction,
    },
    /// A widget is granted on a page the role may not open.
    #[error("widget `{widget}` is on page `{page}`, which the role may not open")]
    WidgetPage {
        /// The widget.
        widget: Widget,
        /// Its page.
        page: Page,
    },
    /// A widget is granted without the data or action it shows.
    #[error("widget `{widget}` needs {needs} that the role does not hold")]
    WidgetNeeds {
        /// The widget.
        widget: Widget,
        /// What is missing, in words.
        needs: String,
    },
    /// A search key is granted whose field the role does not see in any form.
    #[error("search by `{key}` needs field `{field}`, which the role does not see")]
    SearchKey {
        /// The key.
        key: SearchKey,
        /// Its field.
        field: Field,
    },
    /// A restricted kind, or one the role cannot read, is marked cacheable; or a time is too long.
    #[error("cache rule refused: {0}")]
    Cache(String),
    /// A read budget's member is out of its bounds.
    #[error("read budget refused: {0}")]
    Budget(String),
}

impl RoleDefinition {
    /// Checks that the definition is coherent. The server refuses to load or store one that is not.
    pub fn validate(&self) -> Result<(), DefinitionError> {
        for (&field, &redaction) in &self.fields {
            if !field.allows(redaction) {
                return Err(DefinitionError::Redaction { field, redaction });
            }
        }
        let policy = Policy::of([self]);
        for &widget in &self.widgets {
            if !self.pages.contains(&widget.page()) {
                return Err(DefinitionError::WidgetPage {
                    widget,
                    page: widget.page(),
                });
            }
            if let Some(missing) = widget.needs().iter().find(|n| !policy.holds(**n)) {
                let needs = match missing {
                    Needs::Kind(kind) => format!("a visible field of `{kind}`"),
                    Needs::Field(field) => format!("field `{field}`"),
                    Needs::Action(action) => format!("action `{action}`"),
                };
                return Err(DefinitionError::WidgetNeeds { widget, needs });
            }
        }
        if let Some(&key) = self.search_by.iter().find(|k| !policy.shows(k.field())) {
            return Err(DefinitionError::SearchKey {
                key,
                field: key.field(),
            });
        }
        for (&kind, &ttl) in &self.cache.ttl_secs {
            if !policy.can_read(kind) {
                return Err(DefinitionError::Cache(format!(
                    "`{kind}` is cacheable but the role cannot read it"
                )));
            }
            if ttl == 0 || ttl > MAX_CACHE_SECS {
                return Err(DefinitionError::Cache(format!(
                    "`{kind}` lives {ttl} s; allowed is 1 to {MAX_CACHE_SECS}"
                )));
            }
        }
        if self.cache.offline_grace_secs > MAX_CACHE_SECS {
            return Err(DefinitionError::Cache(format!(
                "offline grace of {} s is longer than {MAX_CACHE_SECS}",
                self.cache.offline_grace_secs
            )));
        }
        self.read_budget.validate()
    }
}

/// How much a redaction shows, for combining roles: lower shows more.
fn openness(redaction: Redaction) -> u8 {
    match redaction {
        Redaction::Full => 0,
        Redaction::Hidden => 2,
        _ => 1,
    }
}

/// The values of one customer that free text about them may repeat, so that what the agent may
/// not see in the structured fields is not read in a message either.
#[derive(Debug, Clone, Copy, Default)]
pub struct Known<'a> {
    /// The customer's e-mail address.
    pub email: &'a str,
    /// The customer's phone number.
    pub phone: &'a str,
    /// The customer's date of birth (ISO).
    pub date_of_birth: &'a str,
    /// The customer's postal address.
    pub address: &'a str,
}

impl<'a> Known<'a> {
    /// The customer's values among the fields of `customer` (a record or a stored row), those for
    /// which `wanted` says yes; the others stay empty.
    pub fn of(customer: &'a impl Fields, mut wanted: impl FnMut(Field, &str) -> bool) -> Self {
        let mut known = Self::default();
        customer.visit(|field, value| {
            let Value::Text(Some(value)) = value else {
                return;
            };
            if !wanted(field, value) {
                return;
            }
            match field {
                Field::CustomerEmail => known.email = value,
                Field::CustomerPhone => known.phone = value,
                Field::CustomerDateOfBirth => known.date_of_birth = value,
                Field::CustomerAddress => known.address = value,
                _ => {}
            }
        });
        known
    }

    fn values(&self) -> [(Field, OwnKind, &'a str); 4] {
        [
            (Field::CustomerEmail, OwnKind::Email, self.email),
            (Field::CustomerPhone, OwnKind::Phone, self.phone),
            (
                Field::CustomerDateOfBirth,
                OwnKind::DateOfBirth,
                self.date_of_birth,
            ),
            (Field::CustomerAddress, OwnKind::Address, self.address),
        ]
    }
}

/// What stands in free text for a customer value the reader may not see in any form.
fn placeholder(field: Field) -> &'static str {
    match field {
        Field::CustomerEmail => "[e-mail]",
        Field::CustomerPhone => "[phone]",
        Field::CustomerDateOfBirth => "[date of birth]",
        Field::CustomerAddress => "[address]",
        _ => crate::redact::MASK,
    }
}

/// What one agent may see and do: the union of the definitions of every role their groups map
/// to. It shows the most any of the roles shows, every page, widget and action any of them
/// grants, and the longest cache times any of them allows. An agent with no mapped role gets the
/// empty policy (every member empty), which permits nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Policy {
    /// The roles this policy combines; empty for an agent with no mapped role.
    pub roles: BTreeSet<Role>,
    /// Pages the agent may open.
    pub pages: BTreeSet<Page>,
    /// Widgets the agent may see.
    pub widgets: BTreeSet<Widget>,
    /// The fields the agent may see, with their redaction; only visible fields are listed (never
    /// `hidden`), and every field not listed is hidden.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::FieldRedactions))]
    pub fields: BTreeMap<Field, Redaction>,
    /// Actions the agent may take.
    pub actions: BTreeSet<Action>,
    /// What the agent may search customers by.
    #[serde(default)]
    pub search_by: BTreeSet<SearchKey>,
    /// What the agent may cache.
    pub cache: CacheRules,
}

impl Policy {
    /// The union of the given role definitions: the most any of them shows, every page, widget and
    /// action any of them grants, and the longest cache times any of them allows.
    pub fn of<'a>(definitions: impl IntoIterator<Item = &'a RoleDefinition>) -> Self {
        let mut policy = Policy::default();
        for def in definitions {
            policy.roles.insert(def.role);
            policy.pages.extend(&def.pages);
            policy.widgets.extend(&def.widgets);
            policy.actions.extend(&def.actions);
            policy.search_by.extend(&def.search_by);
            for (&field, &redaction) in &def.fields {
                if redaction == Redaction::Hidden {
                    continue;
                }
                let entry = policy.fields.entry(field).or_insert(redaction);
                if openness(redaction) < openness(*entry) {
                    *entry = redaction;
                }
            }
            for (&kind, &ttl) in &def.cache.ttl_secs {
                let entry = policy.cache.ttl_secs.entry(kind).or_insert(ttl);
                *entry = (*entry).max(ttl);
            }
            policy.cache.offline_grace_secs = policy
                .cache
                .offline_grace_secs
                .max(def.cache.offline_grace_secs);
        }
        policy
    }

    /// Whether the agent holds no role at all.
    pub fn is_empty(&self) -> bool {
        self.roles.is_empty()
    }

    /// The redaction that applies to `field`.
    pub fn redaction(&self, field: Field) -> Redaction {
        self.fields
            .get(&field)
            .copied()
            .unwrap_or(Redaction::Hidden)
    }

    /// Whether `field` is visible in some form.
    pub fn shows(&self, field: Field) -> bool {
        self.redaction(field) != Redaction::Hidden
    }

    /// Whether some field of `kind` is visible: the agent may read records of that kind.
    pub fn can_read(&self, kind: RecordKind) -> bool {
        self.fields
            .iter()
            .any(|(f, r)| f.kind() == kind && *r != Redaction::Hidden)
    }

    /// Whether the agent may search customers by `key`.
    pub fn may_search_by(&self, key: SearchKey) -> bool {
        self.search_by.contains(&key)
    }

    /// Whether the agent may take `action`.
    pub fn may(&self, action: Action) -> bool {
        self.actions.contains(&action)
    }

    /// Whether the agent holds what a widget needs.
    pub fn holds(&self, needs: Needs) -> bool {
        match needs {
            Needs::Kind(kind) => self.can_read(kind),
            Needs::Field(field) => self.shows(field),
            Needs::Action(action) => self.may(action),
        }
    }

    /// `value` as the agent may see it, or `None` when the field is hidden.
    pub fn text(&self, field: Field, value: &str) -> Option<String> {
        crate::redact::apply(self.redaction(field), value)
    }

    /// A field's value as the agent may see it: text through [`Policy::text`], free text through
    /// [`Policy::free_text_about`] the customer `about`, numbers through [`Policy::value`]. This
    /// is what the server's views apply to every field.
    pub fn view(&self, field: Field, value: Value<&str>, about: &Known<'_>) -> Value<String> {
        match value {
            Value::Number(n) => Value::Number(n.and_then(|n| self.value(field, n))),
            Value::Text(t) => Value::Text(t.and_then(|t| match field.shape() {
                Shape::FreeText => self.free_text_about(field, t, about),
                _ => self.text(field, t),
            })),
        }
    }

    /// `value` when the field is visible (for numbers, which are shown or hidden).
    pub fn value<T>(&self, field: Field, value: T) -> Option<T> {
        self.shows(field).then_some(value)
    }

    /// Free text as the agent may see it: hidden, or scrubbed of the personal data the agent could
    /// not see in the structured fields. Card numbers, IBANs and national ids are always masked.
    pub fn free_text(&self, field: Field, text: &str) -> Option<String> {
        self.shows(field)
            .then(|| scrub::scrub(text, self.keep()).into_owned())
    }

    /// Free text about one customer: [`Policy::free_text`], and also every value of that
    /// customer's that free text may not repeat as it is ([`Policy::own_value_in_free_text`]),
    /// in any notation, replaced by its redacted form (a date of birth by its year) or by a
    /// placeholder such as `[address]` where nothing of it may show.
    pub fn free_text_about(&self, field: Field, text: &str, about: &Known<'_>) -> Option<String> {
        if !self.shows(field) {
            return None;
        }
        let own: Vec<Own<'_>> = about
            .values()
            .into_iter()
            .filter(|(_, _, value)| value.chars().count() >= 4)
            .filter_map(|(field, kind, value)| {
                let redaction = self.own_value_in_free_text(field);
                (redaction != Redaction::Full).then(|| Own {
                    kind,
                    value,
                    with: crate::redact::apply(redaction, value)
                        .unwrap_or_else(|| placeholder(field).to_owned()),
                })
            })
            .collect();
        Some(scrub::scrub_about(text, self.keep(), &own).into_owned())
    }

    /// How much of a customer's own value (`field`) free text about them may show: what the
    /// field shows, and for the values the scrubber cannot recognise on its own (the date of
    /// birth, the address) no more than the local cache may hold
    /// ([`Policy::cache_redaction`]). So a ticket or a transaction is fit for the cache as the
    /// server sends it, whether or not its customer was read first; the value itself is in the
    /// customer's record, under its own redaction.
    pub fn own_value_in_free_text(&self, field: Field) -> Redaction {
        let shown = self.redaction(field);
        if !matches!(field, Field::CustomerDateOfBirth | Field::CustomerAddress) {
            return shown;
        }
        let cached = self.cache_redaction(field);
        if openness(cached) > openness(shown) {
            cached
        } else {
            shown
        }
    }

    /// What free text may keep: e-mail addresses and phone numbers only for agents who see the
    /// customer's own e-mail address or phone number whole.
    pub fn keep(&self) -> Keep {
        Keep {
            emails: self.redaction(Field::CustomerEmail) == Redaction::Full,
            phones: self.redaction(Field::CustomerPhone) == Redaction::Full,
        }
    }

    /// The form `field` may take in the local cache, which holds only redacted data: never more
    /// than the agent sees, and often less.
    ///
    /// - Restricted fields: never cached ([`Redaction::Hidden`]), whatever the role.
    /// - Personal data with a partial form (e-mail, phone, date of birth): that partial form, when
    ///   the agent sees the field at all, even if they see it whole.
    /// - The customer's name: as the agent sees it, so that an agent working offline still knows
    ///   whom they are reading about. Other personal data without a partial form (the address, a
    ///   payment's IP address): never cached.
    /// - Free text: [`Redaction::Full`] when shown, but the text must have been scrubbed with
    ///   [`Keep::NOTHING`] first (the cache's guard refuses text that
    ///   [`scrub::contains_sensitive`] flags).
    /// - Everything else: as the agent sees it.
    pub fn cache_redaction(&self, field: Field) -> Redaction {
        let shown = self.redaction(field);
        if shown == Redaction::Hidden {
            return Redaction::Hidden;
        }
        match field.class() {
            FieldClass::Restricted => Redaction::Hidden,
            FieldClass::Pii => match field.shape().partial() {
                Some(partial) => partial,
                None if field == Field::CustomerName => shown,
                None => Redaction::Hidden,
            },
            FieldClass::Public | FieldClass::Internal if field.shape() == Shape::FreeText => {
                Redaction::Full
            }
            FieldClass::Public | FieldClass::Internal => shown,
        }
    }

    /// How long records of `kind` may live in the local cache, in seconds, or `None` when they
    /// may not be cached: the kind has no cache rule, a zero time, or the agent cannot read it.
    /// A time above [`MAX_CACHE_SECS`] (which validation already refuses) is cut to it.
    pub fn cacheable(&self, kind: RecordKind) -> Option<u64> {
        self.cache
            .ttl_secs
            .get(&kind)
            .copied()
            .filter(|&ttl| ttl > 0 && self.can_read(kind))
            .map(|ttl| ttl.min(MAX_CACHE_SECS))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn definition(role: Role) -> RoleDefinition {
        RoleDefinition {
            role,
            description: String::new(),
            pages: [Page::Search, Page::Customer].into(),
            widgets: [Widget::SearchBox, Widget::CustomerSummary].into(),
            fields: [
                (Field::CustomerName, Redaction::Full),
                (Field::CustomerEmail, Redaction::MaskEmail),
            ]
            .into(),
            actions: BTreeSet::new(),
            search_by: [SearchKey::Name].into(),
            cache: CacheRules {
                ttl_secs: [(RecordKind::Customer, 3600)].into(),
                offline_grace_secs: 600,
            },
            read_budget: ReadBudget::default(),
        }
    }

    #[test]
    fn names_round_trip() {
        for &w in Widget::ALL {
            assert_eq!(w.as_str().parse::<Widget>(), Ok(w));
            // A widget is named `page.widget` after its page: the window's types find a page's
            // widgets by that prefix (`WidgetOf<'ticket'>` in ui/src/layout.ts).
            let prefix = format!("{}.", w.page());
            assert!(
                w.as_str().starts_with(&prefix),
                "{w} is not named after its page"
            );
        }
        for &a in Action::ALL {
            assert_eq!(a.as_str().parse::<Action>(), Ok(a));
        }
        for &p in Page::ALL {
            assert_eq!(
                serde_json::to_string(&p).unwrap(),
                format!("\"{}\"", p.as_str())
            );
        }
        assert!("admin.everything".parse::<Widget>().is_err());
    }

    #[test]
    fn a_coherent_definition_validates() {
        assert_eq!(definition(Role::AgentL1).validate(), Ok(()));
    }

    #[test]
    fn incoherent_definitions_are_refused_for_their_first_problem() {
        let mut d = definition(Role::AgentL1);
        d.fields.insert(Field::CardNumber, Redaction::Full);
        assert!(matches!(
            d.validate(),
            Err(DefinitionError::Redaction {
                field: Field::CardNumber,
                ..
            })
        ));

        let mut d = definition(Role::AgentL1);
        d.fields
            .insert(Field::CustomerDateOfBirth, Redaction::MaskEmail);
        assert!(d.validate().is_err());

        let mut d = definition(Role::AgentL1);
        d.widgets.insert(Widget::AuditLog);
        d.pages.insert(Page::Audit);
        assert!(matches!(
            d.validate(),
            Err(DefinitionError::WidgetNeeds {
                widget: Widget::AuditLog,
                ..
            })
        ));

        let mut d = definition(Role::AgentL1);
        d.widgets.insert(Widget::TransactionsTable);
        assert!(matches!(
            d.validate(),
            Err(DefinitionError::WidgetPage { .. })
        ));

        let mut d = definition(Role::AgentL1);
        d.cache.ttl_secs.insert(RecordKind::Transaction, 60);
        assert!(matches!(d.validate(), Err(DefinitionError::Cache(_))));

        let mut d = definition(Role::AgentL1);
        d.cache
            .ttl_secs
            .insert(RecordKind::Customer, MAX_CACHE_SECS + 1);
        assert!(matches!(d.validate(), Err(DefinitionError::Cache(_))));

        for budget in [
            ReadBudget {
                reads_per_minute: 0,
                ..ReadBudget::default()
            },
            ReadBudget {
                burst: MAX_READS + 1,
                ..ReadBudget::default()
            },
            ReadBudget {
                bulk_customers_per_hour: 0,
                ..ReadBudget::default()
            },
            ReadBudget {
                bulk_customers_per_hour: MAX_BULK_CUSTOMERS + 1,
                ..ReadBudget::default()
            },
        ] {
            let mut d = definition(Role::AgentL1);
            d.read_budget = budget;
            assert!(
                matches!(d.validate(), Err(DefinitionError::Budget(_))),
                "{budget:?}"
            );
        }
        let mut d = definition(Role::AgentL1);
        d.read_budget = ReadBudget {
            reads_per_minute: MAX_READS,
            burst: 1,
            bulk_customers_per_hour: MAX_BULK_CUSTOMERS,
            block_bulk: true,
        };
        assert_eq!(d.validate(), Ok(()));
    }

    #[test]
    fn a_read_budget_not_given_is_the_default_and_one_given_in_part_is_completed() {
        let d: RoleDefinition = serde_json::from_str(r#"{"role": "agent_l1"}"#).unwrap();
        assert_eq!(d.read_budget, ReadBudget::default());
        let d: RoleDefinition = serde_json::from_str(
            r#"{"role": "agent_l1", "read_budget": {"burst": 5, "block_bulk": true}}"#,
        )
        .unwrap();
        assert_eq!(
            d.read_budget,
            ReadBudget {
                burst: 5,
                block_bulk: true,
                ..ReadBudget::default()
            }
        );
        // Responses always carry every member.
        let json = serde_json::to_value(&d).unwrap();
        assert_eq!(json["read_budget"]["reads_per_minute"], 120);
        let unknown = r#"{"role": "agent_l1", "read_budget": {"reads_per_hour": 5}}"#;
        assert!(serde_json::from_str::<RoleDefinition>(unknown).is_err());
    }

    #[test]
    fn several_roles_read_with_the_most_generous_budget_and_block_only_if_all_block() {
        let low = ReadBudget {
            reads_per_minute: 10,
            burst: 50,
            bulk_customers_per_hour: 100,
            block_bulk: true,
        };
        let high = ReadBudget {
            reads_per_minute: 60,
            burst: 5,
            bulk_customers_per_hour: 1000,
            block_bulk: false,
        };
        assert_eq!(
            ReadBudget::most_generous([&low, &high]),
            ReadBudget {
                reads_per_minute: 60,
                burst: 50,
                bulk_customers_per_hour: 1000,
                block_bulk: false,
            }
        );
        assert_eq!(ReadBudget::most_generous([&low, &low]), low);
        assert_eq!(ReadBudget::most_generous([]), ReadBudget::default());
    }

    #[test]
    fn replicas_share_a_budget_without_their_parts_adding_up_to_more() {
        let whole = ReadBudget {
            reads_per_minute: 120,
            burst: 5,
            bulk_customers_per_hour: 1500,
            block_bulk: true,
        };
        assert_eq!(whole.part_of(1), whole);
        assert_eq!(whole.part_of(0), whole, "no replica counted is one");
        let part = whole.part_of(3);
        assert_eq!(
            (
                part.reads_per_minute,
                part.burst,
                part.bulk_customers_per_hour
            ),
            (40, 1, 500)
        );
        assert!(part.block_bulk);
        for n in 1..=7 {
            let part = whole.part_of(n);
            assert!(part.burst * n <= whole.burst.max(n));
            assert!(part.reads_per_minute * n <= whole.reads_per_minute);
            assert!(part.bulk_customers_per_hour * n <= whole.bulk_customers_per_hour);
        }
    }

    #[test]
    fn a_role_searches_only_by_keys_whose_field_it_sees() {
        let mut d = definition(Role::AgentL1);
        d.search_by.insert(SearchKey::Email);
        assert_eq!(d.validate(), Ok(()), "the e-mail address is shown masked");
        d.search_by.insert(SearchKey::Account);
        assert_eq!(
            d.validate(),
            Err(DefinitionError::SearchKey {
                key: SearchKey::Account,
                field: Field::AccountNumber
            })
        );
        d.fields.insert(Field::AccountNumber, Redaction::Last4);
        assert_eq!(d.validate(), Ok(()));
        let policy = Policy::of([&d]);
        assert!(policy.may_search_by(SearchKey::Account));
        assert!(!policy.may_search_by(SearchKey::Phone));
        assert!(!Policy::of([]).may_search_by(SearchKey::Name));
        for &key in SearchKey::ALL {
            assert!(matches!(
                key.field().kind(),
                RecordKind::Customer | RecordKind::Account
            ));
            assert_eq!(key.as_str().parse::<SearchKey>(), Ok(key));
        }
    }

    #[test]
    fn combined_roles_show_the_most_any_of_them_shows() {
        let l1 = definition(Role::AgentL1);
        let mut l2 = definition(Role::AgentL2);
        l2.fields.insert(Field::CustomerEmail, Redaction::Full);
        l2.fields.insert(Field::CustomerPhone, Redaction::Hidden);
        l2.actions.insert(Action::TicketReply);
        l2.cache.ttl_secs.insert(RecordKind::Customer, 7200);
        let policy = Policy::of([&l1, &l2]);
        assert_eq!(policy.roles, [Role::AgentL1, Role::AgentL2].into());
        assert_eq!(policy.redaction(Field::CustomerEmail), Redaction::Full);
        assert!(
            !policy.fields.contains_key(&Field::CustomerPhone),
            "hidden is not listed"
        );
        assert!(policy.may(Action::TicketReply));
        assert_eq!(policy.cache.ttl_secs[&RecordKind::Customer], 7200);
        // The order of roles does not matter.
        assert_eq!(Policy::of([&l2, &l1]), policy);
    }

    #[test]
    fn free_text_about_a_customer_hides_what_their_fields_hide() {
        let mut def = definition(Role::AgentL2);
        def.fields.insert(Field::MessageBody, Redaction::Full);
        def.fields
            .insert(Field::CustomerDateOfBirth, Redaction::YearOnly);
        def.fields.insert(Field::CustomerPhone, Redaction::Full);
        let policy = Policy::of([&def]);
        let known = Known {
            email: "ada@example.com",
            phone: "+44 7700 900123",
            date_of_birth: "1985-03-14",
            address: "1 Main Street, Leeds",
        };
        let text = "Verified by DOB 1985-03-14 (14/03/1985), lives at 1 Main Street, Leeds, \
                    call +44 7700 900123";
        let out = policy
            .free_text_about(Field::MessageBody, text, &known)
            .unwrap();
        assert!(!out.contains("03-14") && !out.contains("14/03"), "{out}");
        assert!(out.contains("DOB 1985 (1985)"), "{out}");
        assert!(!out.contains("Main Street"), "hidden address: {out}");
        assert!(
            out.contains("+44 7700 900123"),
            "the phone is shown whole: {out}"
        );
        assert_eq!(
            policy.free_text_about(Field::MessageInternalNotes, text, &known),
            None
        );
    }

    #[test]
    fn a_customers_own_values_are_found_in_any_notation() {
        let known = Known {
            email: "ada.lovelace@example.com",
            phone: "+44 7700 900123",
            date_of_birth: "1985-03-14",
            address: "12 Oak Lane, Leeds LS6 4AB",
        };
        // A first-line agent sees none of them whole (e-mail and phone masked, the date of
        // birth and the address not at all).
        let mut l1 = definition(Role::AgentL1);
        l1.fields.insert(Field::MessageBody, Redaction::Full);
        l1.fields.insert(Field::CustomerPhone, Redaction::MaskPhone);
        let l1 = Policy::of([&l1]);
        for (text, expected) in [
            ("born 14-03-1985", "born [date of birth]"),
            ("born 14 March 1985", "born [date of birth]"),
            ("born 19850314", "born [date of birth]"),
            ("DOB: March 14th, 1985.", "DOB: [date of birth]."),
            ("né le 14/03/85", "né le [date of birth]"),
            ("ship to 12 oak lane please", "ship to [address] please"),
            ("12 Oak Lane,\nLeeds  LS6 4AB", "[address]"),
            (
                "write to ADA.LOVELACE@EXAMPLE.COM",
                "write to a•••@example.com",
            ),
            (
                "write to ada.lovelace\u{200B}@example.com",
                "write to a•••@example.com",
            ),
            ("call 07700/900123", "call •••23"),
            (
                "born 1985-03-15, lives at 14 Oak Lane",
                "born 1985-03-15, lives at 14 Oak Lane",
            ),
        ] {
            assert_eq!(
                l1.free_text_about(Field::MessageBody, text, &known)
                    .as_deref(),
                Some(expected),
                "{text:?}"
            );
        }
        // A supervisor sees the date of birth and the address in the customer's record, but
        // free text holds no more of them than the cache may: the year, and no address.
        let mut sup = definition(Role::Supervisor);
        sup.fields
            .insert(Field::MessageInternalNotes, Redaction::Full);
        sup.fields
            .insert(Field::CustomerDateOfBirth, Redaction::Full);
        sup.fields.insert(Field::CustomerAddress, Redaction::Full);
        sup.fields.insert(Field::CustomerEmail, Redaction::Full);
        let sup = Policy::of([&sup]);
        assert_eq!(
            sup.free_text_about(
                Field::MessageInternalNotes,
                "Customer verified by DOB 1985-03-14, at 12 Oak Lane, ada.lovelace@example.com",
                &known
            )
            .as_deref(),
            Some("Customer verified by DOB 1985, at [address], ada.lovelace@example.com")
        );
        assert_eq!(
            sup.own_value_in_free_text(Field::CustomerDateOfBirth),
            Redaction::YearOnly
        );
        assert_eq!(
            sup.own_value_in_free_text(Field::CustomerEmail),
            Redaction::Full
        );
    }

    #[test]
    fn the_empty_policy_permits_nothing() {
        let policy = Policy::of([]);
        assert!(policy.is_empty());
        for &field in Field::ALL {
            assert!(!policy.shows(field));
            assert_eq!(policy.text(field, "jane@example.com"), None);
        }
        for kind in RecordKind::ALL {
            assert!(!policy.can_read(kind));
        }
        for &action in Action::ALL {
            assert!(!policy.may(action));
        }
    }

    fn policy_showing(fields: &[(Field, Redaction)]) -> Policy {
        let mut def = definition(Role::AgentL2);
        def.fields = fields.iter().copied().collect();
        Policy::of([&def])
    }

    #[test]
    fn restricted_fields_are_never_cached_whatever_the_role_sees() {
        for &field in Field::ALL {
            if field.class() != FieldClass::Restricted {
                continue;
            }
            for &redaction in Redaction::ALL {
                let policy = policy_showing(&[(field, redaction)]);
                assert_eq!(
                    policy.cache_redaction(field),
                    Redaction::Hidden,
                    "{field} shown as {redaction}"
                );
            }
        }
    }

    #[test]
    fn personal_data_is_cached_in_its_partial_form_or_not_at_all() {
        let cases = [
            (Field::CustomerEmail, Redaction::MaskEmail),
            (Field::CustomerPhone, Redaction::MaskPhone),
            (Field::CustomerDateOfBirth, Redaction::YearOnly),
        ];
        for (field, partial) in cases {
            for shown in [Redaction::Full, partial] {
                let policy = policy_showing(&[(field, shown)]);
                assert_eq!(policy.cache_redaction(field), partial, "{field} as {shown}");
            }
            assert_eq!(
                policy_showing(&[]).cache_redaction(field),
                Redaction::Hidden,
                "{field} not shown"
            );
        }
        for field in [Field::CustomerAddress, Field::TransactionIpAddress] {
            let policy = policy_showing(&[(field, Redaction::Full)]);
            assert_eq!(policy.cache_redaction(field), Redaction::Hidden, "{field}");
        }
        let policy = policy_showing(&[(Field::CustomerName, Redaction::Full)]);
        assert_eq!(policy.cache_redaction(Field::CustomerName), Redaction::Full);
        assert_eq!(
            policy_showing(&[]).cache_redaction(Field::CustomerName),
            Redaction::Hidden
        );
    }

    #[test]
    fn free_text_numbers_and_plain_fields_are_cached_as_shown() {
        let policy = policy_showing(&[
            (Field::MessageBody, Redaction::Full),
            (Field::TransactionAmount, Redaction::Full),
            (Field::CustomerCreatedAt, Redaction::YearOnly),
            (Field::TicketStatus, Redaction::Full),
        ]);
        assert_eq!(policy.cache_redaction(Field::MessageBody), Redaction::Full);
        assert_eq!(
            policy.cache_redaction(Field::MessageInternalNotes),
            Redaction::Hidden
        );
        assert_eq!(
            policy.cache_redaction(Field::TransactionAmount),
            Redaction::Full
        );
        assert_eq!(
            policy.cache_redaction(Field::AccountBalance),
            Redaction::Hidden
        );
        assert_eq!(
            policy.cache_redaction(Field::CustomerCreatedAt),
            Redaction::YearOnly
        );
        assert_eq!(policy.cache_redaction(Field::TicketStatus), Redaction::Full);
    }

    #[test]
    fn the_cache_never_holds_more_than_the_agent_sees() {
        // For every field and every redaction a definition may give it, the cached form is the
        // shown form, a stricter one, or nothing.
        for &field in Field::ALL {
            for shown in Redaction::ALL.iter().copied().filter(|r| field.allows(*r)) {
                let cached = policy_showing(&[(field, shown)]).cache_redaction(field);
                assert!(
                    cached == shown || cached == Redaction::Hidden || shown == Redaction::Full,
                    "{field}: shown {shown}, cached {cached}"
                );
                assert!(field.allows(cached), "{field}: cached {cached}");
            }
        }
    }

    #[test]
    fn only_kinds_with_a_rule_that_the_agent_can_read_are_cacheable() {
        let mut def = definition(Role::AgentL1);
        def.cache.ttl_secs.insert(RecordKind::Ticket, 600);
        def.cache.ttl_secs.insert(RecordKind::Message, 0);
        def.fields.insert(Field::MessageBody, Redaction::Full);
        let policy = Policy::of([&def]);
        assert_eq!(policy.cacheable(RecordKind::Customer), Some(3600));
        assert_eq!(policy.cacheable(RecordKind::Ticket), None, "not readable");
        assert_eq!(policy.cacheable(RecordKind::Message), None, "zero time");
        assert_eq!(policy.cacheable(RecordKind::Transaction), None, "no rule");

        let mut policy = Policy::of([&definition(Role::AgentL1)]);
        policy
            .cache
            .ttl_secs
            .insert(RecordKind::Customer, MAX_CACHE_SECS * 10);
        assert_eq!(policy.cacheable(RecordKind::Customer), Some(MAX_CACHE_SECS));
        assert_eq!(Policy::of([]).cacheable(RecordKind::Customer), None);
    }

    #[test]
    fn values_are_redacted_as_the_policy_says() {
        let policy = Policy::of([&definition(Role::AgentL1)]);
        assert_eq!(
            policy.text(Field::CustomerName, "Ada Lovelace").as_deref(),
            Some("Ada Lovelace")
        );
        let email = policy
            .text(Field::CustomerEmail, "ada@example.com")
            .unwrap();
        assert!(!email.contains("ada@"), "{email}");
        assert_eq!(policy.text(Field::CustomerPhone, "+44 7700 900123"), None);
        assert_eq!(policy.value(Field::AccountBalance, 100), None);
        // Free text the agent may not see whole is scrubbed of what the structured fields hide.
        assert_eq!(policy.free_text(Field::MessageBody, "hi"), None);
    }
}
