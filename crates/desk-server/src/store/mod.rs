//! Storage behind a small trait, with two implementations: [`sqlite::SqliteStore`], the embedded
//! default, and [`postgres::PostgresStore`], for several interchangeable replicas on one
//! database. Both keep the same columns with the same meanings, so the rows here read from
//! either; what they share beyond that (pure helpers, row assembly) is in `shared` and `search`.
//!
//! Rows here are the stored, unredacted records: they never leave the server as they are. The
//! API turns each into the role's view (`desk_core::record`) before anything is serialized. Each
//! row says once, through `desk_core::impl_fields!`, which catalogue field each column holds; the
//! views walk that, and `api::views`' exhaustiveness test holds it to the catalogue.
//! The store owns the audit chain: every append goes through it, and writes that an audit entry
//! records happen in the same transaction as that entry.

mod agents;
pub mod postgres;
mod postgres_audit;
mod postgres_import;
mod postgres_roles;
mod postgres_scim;
pub mod scim;
mod search;
mod shared;
pub mod sqlite;
mod sqlite_import;
mod sqlite_owned;
mod sqlite_scim;

pub use agents::{Listed, StoredAgent, StoredDevice};
pub(crate) use search::{normalize_iban, phone_tail};

use async_trait::async_trait;
pub use desk_api::{OfflineUploadResult, StoredLayout, StoredRole};
use desk_core::{Role, RoleDefinition};

use crate::audit::{AuditEntry, AuditEvent};
pub use scim::{
    ScimAccess, ScimChange, ScimGroupRow, ScimLookup, ScimUserRow, ScimWrite, ScimWritten,
};

/// Where `config` keeps everything, for messages: the SQLite file, or the PostgreSQL URL with
/// any password replaced.
pub fn location(config: &crate::config::Config) -> String {
    match &config.database_url {
        Some(url) => url.redacted(),
        None => config
            .data_dir
            .join(sqlite::FILE_NAME)
            .display()
            .to_string(),
    }
}

/// Opens (creating its schema when it is empty or missing) the store `config` names: PostgreSQL
/// at `database_url`, else the SQLite file in `data_dir`. Entries it appends to the audit trail
/// are linked under `key`.
pub async fn open(
    config: &crate::config::Config,
    key: crate::audit::key::AuditKey,
) -> Result<std::sync::Arc<dyn Store>, StoreError> {
    Ok(match &config.database_url {
        Some(url) => std::sync::Arc::new(postgres::PostgresStore::open(url.expose(), key).await?),
        None => std::sync::Arc::new(sqlite::SqliteStore::open(&config.data_dir, key).await?),
    })
}

/// A customer as stored.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct CustomerRow {
    /// Primary key.
    pub id: i64,
    /// Full name.
    pub name: String,
    /// E-mail address.
    pub email: String,
    /// Phone number in international form.
    pub phone: String,
    /// ISO date.
    pub date_of_birth: String,
    /// One-line postal address.
    pub address: String,
    /// standard, plus or premium.
    pub tier: String,
    /// active, suspended or closed.
    pub status: String,
    /// ISO date-time.
    pub created_at: String,
}

desk_core::impl_fields!(CustomerRow {
    name => CustomerName,
    email => CustomerEmail,
    phone => CustomerPhone,
    date_of_birth => CustomerDateOfBirth,
    address => CustomerAddress,
    tier => CustomerTier,
    status => CustomerStatus,
    created_at => CustomerCreatedAt,
});

/// An account as stored.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Deserialize)]
pub struct AccountRow {
    /// Primary key.
    pub id: i64,
    /// Owner.
    pub customer_id: i64,
    /// IBAN, printed in groups of four.
    pub number: String,
    /// ISO 4217.
    pub currency: String,
    /// Minor units.
    pub balance: i64,
    /// open, frozen or closed.
    pub status: String,
    /// ISO date.
    pub opened_at: String,
}

desk_core::impl_fields!(AccountRow {
    number => AccountNumber,
    currency => AccountCurrency,
    balance => AccountBalance,
    status => AccountStatus,
    opened_at => AccountOpenedAt,
});

/// A payment card as stored.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Deserialize)]
pub struct CardRow {
    /// Primary key.
    pub id: i64,
    /// The account it draws on.
    pub account_id: i64,
    /// The full card number, in groups of four.
    pub number: String,
    /// Visa, Mastercard, …
    pub brand: String,
    /// MM/YY.
    pub expiry: String,
    /// active, blocked or expired.
    pub status: String,
}

desk_core::impl_fields!(CardRow {
    number => CardNumber,
    brand => CardBrand,
    expiry => CardExpiry,
    status => CardStatus,
});

/// What a customer lookup reads beyond the customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordReach {
    /// The customer only.
    Customer,
    /// The customer and their accounts.
    Accounts,
    /// The customer, their accounts and the cards on them.
    Cards,
}

/// A customer with what [`RecordReach`] asked for, each list ordered by id.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerRecord {
    /// The customer.
    pub customer: CustomerRow,
    /// Their accounts, when asked for.
    pub accounts: Option<Vec<AccountRow>>,
    /// The cards on those accounts, when asked for.
    pub cards: Option<Vec<CardRow>>,
}

/// A transaction as stored.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct TransactionRow {
    /// Primary key.
    pub id: i64,
    /// The account it belongs to.
    pub account_id: i64,
    /// The account's owner (denormalized for per-customer paging).
    pub customer_id: i64,
    /// ISO date-time, UTC.
    pub time: String,
    /// Minor units; negative when money leaves the account.
    pub amount: i64,
    /// ISO 4217.
    pub currency: String,
    /// Who was paid, or who paid.
    pub merchant: String,
    /// pending, settled, declined, refunded or disputed.
    pub status: String,
    /// The card used, for card payments.
    pub card_number: Option<String>,
    /// Where an online payment came from.
    pub ip_address: Option<String>,
    /// Reference text, as typed.
    pub description: String,
}

desk_core::impl_fields!(TransactionRow {
    time => TransactionTime,
    amount => TransactionAmount,
    currency => TransactionCurrency,
    merchant => TransactionMerchant,
    status => TransactionStatus,
    card_number => TransactionCardNumber,
    ip_address => TransactionIpAddress,
    description => TransactionDescription,
});

/// A ticket as stored.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct TicketRow {
    /// Primary key.
    pub id: i64,
    /// The customer it is about.
    pub customer_id: i64,
    /// Subject line, as typed.
    pub subject: String,
    /// open, pending or closed.
    pub status: String,
    /// low, normal, high or urgent.
    pub priority: String,
    /// ISO date-time.
    pub created_at: String,
    /// ISO date-time.
    pub updated_at: String,
}

desk_core::impl_fields!(TicketRow {
    subject => TicketSubject,
    status => TicketStatus,
    priority => TicketPriority,
    created_at => TicketCreatedAt,
    updated_at => TicketUpdatedAt,
});

/// A ticket message as stored.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct MessageRow {
    /// Primary key.
    pub id: i64,
    /// The ticket.
    pub ticket_id: i64,
    /// An agents' internal note rather than a message to or from the customer.
    pub internal: bool,
    /// Who wrote it: the customer's name, or an agent's subject.
    pub author: String,
    /// ISO date-time.
    pub time: String,
    /// What it says, as typed.
    pub body: String,
}

desk_core::impl_fields!(MessageRow {
    author => MessageAuthor,
    time => MessageTime,
    body => MessageBody or MessageInternalNotes when internal,
});

/// A batch of records to import (demo data, or a migration from another system).
#[derive(Debug, Default)]
pub struct Batch {
    /// Customers.
    pub customers: Vec<CustomerRow>,
    /// Accounts of those customers.
    pub accounts: Vec<AccountRow>,
    /// Cards on those accounts.
    pub cards: Vec<CardRow>,
    /// Transactions on those accounts.
    pub transactions: Vec<TransactionRow>,
    /// Tickets of those customers.
    pub tickets: Vec<TicketRow>,
    /// Messages on those tickets.
    pub messages: Vec<MessageRow>,
}

/// What to look for in customers. Built by the API from the agent's text; each variant is
/// already normalized and bounded, so a store only binds it as parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchQuery {
    /// Every word must start a word of the name (`jan do` finds "Jane Doe"). Words are
    /// alphanumeric only.
    Name(Vec<String>),
    /// The whole e-mail address, case-insensitive.
    Email(String),
    /// The last nine (or all, if fewer) digits of the phone number.
    PhoneTail(String),
    /// An account number (IBAN) in upper case without spaces.
    Account(String),
}

/// Which transactions to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TransactionFilter {
    /// Only from this time on (inclusive, ISO).
    pub from: Option<String>,
    /// Only before this time (exclusive, ISO).
    pub to: Option<String>,
    /// Only with this status.
    pub status: Option<String>,
}

/// A message an agent adds to a ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    /// The ticket.
    pub ticket_id: i64,
    /// An internal note rather than a reply to the customer.
    pub internal: bool,
    /// The agent's subject.
    pub author: String,
    /// What it says.
    pub body: String,
}

/// A role change to propose: the definition it would put in force, what it changes and which
/// sensitive fields it widens, and who proposes it.
#[derive(Debug, Clone)]
pub struct NewRoleChange {
    /// The definition.
    pub definition: RoleDefinition,
    /// What it changes (`desk_core::changes::definition_changes`).
    pub changes: serde_json::Value,
    /// The personal and restricted fields it shows more of.
    pub widened: Vec<desk_core::Field>,
    /// The proposing administrator's subject.
    pub by: String,
}

/// A view a client made offline from its cache, to be recorded once.
#[derive(Debug, Clone, PartialEq)]
pub struct OfflineView {
    /// The client's idempotency key: a view whose key is already recorded is skipped.
    pub key: String,
    /// The entry that records the view (its actor is the uploading agent).
    pub audit: AuditEvent,
}

/// A stretch of time in which an agent could read offline, as the server knows it: from the
/// issue time of a policy it signed for the agent that allowed caching to the expiry plus offline
/// grace of the last policy of that stretch. Seconds since the epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct OfflineWindow {
    /// When the first policy of the stretch was issued.
    pub opens_at: i64,
    /// When the offline reading that the stretch's policies allow ends.
    pub closes_at: i64,
}

/// One archive of the trail's oldest entries (`audit_retention_days`, see
/// [`crate::audit::retention`]): the entries up to `through_seq` were written to `archive` and
/// deleted, and the chain in the store goes on after them.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Retained {
    /// The last entry archived.
    pub through_seq: i64,
    /// Its link: the next entry's `prev_hash`.
    pub hash: String,
    /// How many entries this archive holds.
    pub entries: i64,
    /// The archive's file name, in the archive folder.
    pub archive: String,
    /// When it was made (RFC 3339, UTC, milliseconds).
    pub archived_at: String,
    /// The archive's final checkpoint line (of `through_seq`), as JSON text.
    pub checkpoint: String,
}

/// Which audit entries a page of the trail holds; every part given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Only this actor's.
    pub actor: Option<String>,
    /// Only this action's.
    pub action: Option<desk_core::AuditAction>,
    /// Recorded at or after this time (as stored: RFC 3339, UTC, milliseconds).
    pub since: Option<String>,
    /// Recorded before this time (as stored).
    pub until: Option<String>,
    /// Only the entries that ended so.
    pub outcome: Option<crate::audit::Outcome>,
    /// Only the entries about this resource (`customer:42`, `role:agent_l1`, …), exactly.
    pub resource: Option<String>,
}

impl AuditFilter {
    /// Appends the filter's conditions to `query`, a `SELECT … FROM audit WHERE …` of either
    /// engine: each part given as ` AND column op value`, every value bound.
    pub fn push_conditions<'a, DB>(&'a self, query: &mut sqlx::QueryBuilder<'a, DB>)
    where
        DB: sqlx::Database,
        &'a str: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    {
        let text = [
            (" AND actor = ", self.actor.as_deref()),
            (" AND action = ", self.action.map(|a| a.as_str())),
            (" AND outcome = ", self.outcome.map(|o| o.as_str())),
            (" AND resource = ", self.resource.as_deref()),
            (" AND time >= ", self.since.as_deref()),
            (" AND time < ", self.until.as_deref()),
        ];
        for (condition, value) in text {
            if let Some(value) = value {
                query.push(condition).push_bind(value);
            }
        }
    }

    /// The filter as an audit detail: the parts given (`null` for none).
    pub fn detail(&self) -> serde_json::Value {
        let mut detail = serde_json::Map::new();
        if let Some(actor) = &self.actor {
            detail.insert("actor".into(), actor.as_str().into());
        }
        if let Some(action) = self.action {
            detail.insert("action".into(), action.as_str().into());
        }
        if let Some(since) = &self.since {
            detail.insert("since".into(), since.as_str().into());
        }
        if let Some(until) = &self.until {
            detail.insert("until".into(), until.as_str().into());
        }
        if let Some(outcome) = self.outcome {
            detail.insert("outcome".into(), outcome.as_str().into());
        }
        if let Some(resource) = &self.resource {
            detail.insert("resource".into(), resource.as_str().into());
        }
        if detail.is_empty() {
            serde_json::Value::Null
        } else {
            detail.into()
        }
    }
}

/// A wipe ordered for every device of an agent.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredWipe {
    /// Grows with every order and is never reused; clients acknowledge wipes by it.
    pub id: i64,
    /// The agent whose devices are to shred their caches.
    pub subject: String,
    /// The administrator who ordered it.
    pub ordered_by: String,
    /// When (RFC 3339, UTC, milliseconds).
    pub ordered_at: String,
}

/// The last wipe one device of an agent reported it carried out.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredAcknowledgement {
    /// The device's id (random, made once per installation by the client).
    pub device: String,
    /// The last wipe it acted on (every earlier one with it).
    pub acknowledged: i64,
    /// When it said so (RFC 3339, UTC, milliseconds).
    pub acknowledged_at: String,
}

/// A provisioning client's bearer token as kept: its name and when it was made (the token itself
/// only as a hash, never read back).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct StoredScimToken {
    /// The name it was made with.
    pub name: String,
    /// When it was made (RFC 3339, UTC, milliseconds).
    pub created_at: String,
}

/// A storage failure. Handlers log it and answer with a generic reason.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database refused or failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// The database refused or failed, on one of the SQLite store's own connections (the
    /// threads of `sqlite_owned`, not the pool).
    #[error("database: {0}")]
    Connection(#[from] rusqlite::Error),
    /// Migrations could not be applied.
    #[error("migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Stored data could not be read back (a row edited by hand, a definition that no longer
    /// validates).
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    /// A record a write refers to does not exist.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The write conflicts with the row's state (a role change decided already).
    #[error("{0}")]
    Conflict(&'static str),
    /// The transaction that was to append this audit entry (with others) failed.
    #[error("the audit entry could not be written: {0}")]
    Audit(String),
    /// The database could not be reached (see [`StoreError::is_unavailable`]) for a batch of
    /// audit entries that this entry was part of: nothing of the batch was written. (The
    /// request's own failures keep their `sqlx::Error` in [`StoreError::Database`].)
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
}

impl StoreError {
    /// Whether the database could not be reached, rather than refusing or failing: a connection
    /// lost or refused, none free in time, the pool closed, or PostgreSQL saying it cannot take
    /// connections (SQLSTATE class 08, connection exception; 57P01–57P03, shutting down or not
    /// yet up). The request is answered 503 and may be tried again; nothing was committed.
    pub fn is_unavailable(&self) -> bool {
        match self {
            Self::Unavailable(_) => true,
            Self::Database(e)
            | Self::Migrate(
                sqlx::migrate::MigrateError::Execute(e)
                | sqlx::migrate::MigrateError::ExecuteMigration(e, _),
            ) => database_unreachable(e),
            _ => false,
        }
    }
}

/// See [`StoreError::is_unavailable`].
fn database_unreachable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::Tls(_) => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            code.starts_with("08") || matches!(&*code, "57P01" | "57P02" | "57P03")
        }),
        _ => false,
    }
}

/// A change one process serving the database told the others about ([`Store::announce`]).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Announced {
    /// Grows with every announcement, in the order they committed.
    pub id: i64,
    /// The announcing process (`api::replicas`' id of it).
    pub origin: String,
    /// What changed, as `api::replicas` wrote it (JSON).
    pub body: String,
}

/// Wakes its holder when another process may have announced a change ([`Store::listen`]).
#[async_trait]
pub trait Listener: Send {
    /// Returns when an announcement may have been made since the last return. An error means the
    /// listening connection was lost: what was announced meanwhile is read with
    /// [`Store::announcements`] once a new listener is had.
    async fn wait(&mut self) -> Result<(), StoreError>;
}

/// A lock held in the database for as long as its holder needs it ([`Store::lock_scim_writes`],
/// [`Store::try_lead`]).
#[async_trait]
pub trait Held: Send {
    /// Gives the lock back.
    async fn release(self: Box<Self>);

    /// Whether it is held still: the connection that holds it answers (a lock of a session
    /// ends with it).
    async fn still_held(&mut self) -> bool;
}

/// Whether this process is the one to do what one process does for all of them (deliver to
/// the audit sink, archive old entries): see [`Store::try_lead`].
pub enum Lead {
    /// Only this process serves the store.
    Alone,
    /// This process leads until it gives the lock back or loses its connection.
    Held(Box<dyn Held>),
    /// Another process leads.
    Taken,
}

/// How long a replica counts as serving after its last heartbeat ([`Store::heartbeat`]).
pub const REPLICA_LIVES: std::time::Duration = std::time::Duration::from_secs(6);

/// Everything the server keeps. One implementation per database.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Tells the other processes serving this database (replicas) about a change that
    /// committed: `body` (JSON that `api::replicas` writes and reads) from `origin`.
    /// Announcements are read back in the order they committed. A store only one process
    /// serves (SQLite's file) has nobody to tell and keeps nothing.
    async fn announce(&self, origin: &str, body: &str) -> Result<(), StoreError> {
        let _ = (origin, body);
        Ok(())
    }

    /// The announcements after the one numbered `after`, oldest first, at most `limit` (kept a
    /// day at least).
    async fn announcements(&self, after: i64, limit: u32) -> Result<Vec<Announced>, StoreError> {
        let _ = (after, limit);
        Ok(Vec::new())
    }

    /// The number of the newest announcement (0 when there is none).
    async fn last_announcement(&self) -> Result<i64, StoreError> {
        Ok(0)
    }

    /// A listener for announcements of other processes, on a connection of its own; `None` for
    /// a store only one process serves.
    async fn listen(&self) -> Result<Option<Box<dyn Listener>>, StoreError> {
        Ok(None)
    }

    /// Takes the lock that SCIM writes of every process hold from reading a resource to writing
    /// it back, so that two changes of one resource on two replicas never lose one another's;
    /// waits for it. `None` for a store only one process serves (a lock in memory does).
    async fn lock_scim_writes(&self) -> Result<Option<Box<dyn Held>>, StoreError> {
        Ok(None)
    }

    /// Records that the replica `replica` serves now and answers how many replicas serve the
    /// store (those heard from within the last [`REPLICA_LIVES`]); `leaving`: it stops, and is
    /// counted no more. A store only one process serves: 1.
    async fn heartbeat(&self, replica: &str, leaving: bool) -> Result<u32, StoreError> {
        let _ = (replica, leaving);
        Ok(1)
    }

    /// Takes the lead of the audit trail's own duties (delivering to the audit sink, archiving
    /// old entries) if no other process serving the store holds it; never waits.
    async fn try_lead(&self) -> Result<Lead, StoreError> {
        Ok(Lead::Alone)
    }

    /// Customers matching `query`, by name then id, after the customer with id `after`, at most
    /// `limit`. Cursors are ids, so they carry no customer data.
    async fn search_customers(
        &self,
        query: &SearchQuery,
        after: Option<i64>,
        limit: u32,
    ) -> Result<Vec<CustomerRow>, StoreError>;

    /// One customer.
    async fn customer(&self, id: i64) -> Result<Option<CustomerRow>, StoreError>;

    /// One customer with their accounts (when `reach` says so) and the cards on those accounts
    /// (when it says so too), in one read: the customer page's lookup. Nothing is read that
    /// `reach` leaves out.
    async fn customer_record(
        &self,
        id: i64,
        reach: RecordReach,
    ) -> Result<Option<CustomerRecord>, StoreError>;

    /// A customer's transactions, newest first, after the one with id `after`, at most `limit`.
    async fn transactions(
        &self,
        customer_id: i64,
        filter: &TransactionFilter,
        after: Option<i64>,
        limit: u32,
    ) -> Result<Vec<TransactionRow>, StoreError>;

    /// A customer's tickets, most recently updated first, after the one with id `after`, at
    /// most `limit`.
    async fn tickets(
        &self,
        customer_id: i64,
        after: Option<i64>,
        limit: u32,
    ) -> Result<Vec<TicketRow>, StoreError>;

    /// One ticket.
    async fn ticket(&self, id: i64) -> Result<Option<TicketRow>, StoreError>;

    /// A ticket's messages, oldest first; internal notes only when `include_internal`.
    async fn messages(
        &self,
        ticket_id: i64,
        include_internal: bool,
    ) -> Result<Vec<MessageRow>, StoreError>;

    /// Adds a message to a ticket and appends `audit`, in one transaction.
    async fn add_message(
        &self,
        message: NewMessage,
        audit: AuditEvent,
    ) -> Result<(MessageRow, AuditEntry), StoreError>;

    /// Appends one audit entry to the chain.
    async fn append_audit(&self, event: AuditEvent) -> Result<AuditEntry, StoreError>;

    /// Audit entries that pass `filter`, newest first, with `seq` below `before`, at most
    /// `limit`.
    async fn audit_page(
        &self,
        before: Option<i64>,
        filter: &AuditFilter,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, StoreError>;

    /// Audit entries in chain order from `from_seq` on, at most `limit`, for verification.
    async fn audit_from(&self, from_seq: i64, limit: u32) -> Result<Vec<AuditEntry>, StoreError>;

    /// The chain's last entry: its position and link; `None` for an empty chain.
    async fn audit_head(&self) -> Result<Option<(i64, String)>, StoreError>;

    /// The newest archive of the trail's oldest entries: the chain in the store begins after its
    /// `through_seq`. `None` when nothing was ever archived.
    async fn audit_retained(&self) -> Result<Option<Retained>, StoreError>;

    /// Appends `audit` (the `audit.archive` entry that records `retained`), keeps `retained`,
    /// and deletes the entries up to its `through_seq` and their kept checkpoints (only those
    /// numbered up to `checkpoints_through`, when given: the live sink's, so that none it has
    /// not delivered goes), in one transaction under the chain lock. Refused with
    /// [`StoreError::Conflict`], changing nothing, when the entry at `through_seq` is no longer
    /// the one archived.
    async fn retain_audit(
        &self,
        retained: &Retained,
        audit: AuditEvent,
        checkpoints_through: Option<i64>,
    ) -> Result<AuditEntry, StoreError>;

    /// Kept checkpoints made after the one numbered `after_id`, of entries up to `to_seq`, with
    /// their numbers, in the order they were made; at most `limit`. The live sink delivers them.
    async fn checkpoints_after(
        &self,
        after_id: i64,
        to_seq: i64,
        limit: u32,
    ) -> Result<Vec<(i64, crate::audit::checkpoint::CheckpointLine)>, StoreError>;

    /// Keeps a signed checkpoint the server made.
    async fn record_checkpoint(
        &self,
        checkpoint: &crate::audit::checkpoint::CheckpointLine,
    ) -> Result<(), StoreError>;

    /// The checkpoint the server kept last (the one made most recently), if any.
    async fn newest_checkpoint(
        &self,
    ) -> Result<Option<crate::audit::checkpoint::CheckpointLine>, StoreError>;

    /// The kept checkpoints of the entries `from_seq` to `to_seq`, by position and then in the
    /// order they were made.
    async fn audit_checkpoints(
        &self,
        from_seq: i64,
        to_seq: i64,
    ) -> Result<Vec<crate::audit::checkpoint::CheckpointLine>, StoreError>;

    /// Audit entries of `action`, in chain order, with `seq` above `after`, at most `limit`: a
    /// page at a time, so a tool can go through a long trail without holding all of it.
    async fn audit_of_action(
        &self,
        action: &str,
        after: i64,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, StoreError>;

    /// Every stored role definition.
    async fn role_definitions(&self) -> Result<Vec<StoredRole>, StoreError>;

    /// Stores a proposed role change (pending) and appends `audit` (its detail gains the
    /// change's `change_id`), in one transaction.
    async fn propose_role_change(
        &self,
        change: &NewRoleChange,
        audit: AuditEvent,
    ) -> Result<(desk_api::RoleChange, AuditEntry), StoreError>;

    /// Proposed role changes, newest first: the pending ones only, or all, at most `limit`.
    async fn role_changes(
        &self,
        pending_only: bool,
        limit: u32,
    ) -> Result<Vec<desk_api::RoleChange>, StoreError>;

    /// The proposed role change `id`, whatever its status.
    async fn role_change(&self, id: i64) -> Result<Option<desk_api::RoleChange>, StoreError>;

    /// Decides the pending change `id` as `by`: approved, its definition is stored with the next
    /// version and the policy version bumped; rejected, nothing else changes. `audit` is appended
    /// (its detail gains `version` and `policy_version` when approved), all in one transaction.
    /// `Ok(None)` when no change has this id; a change decided already is
    /// [`StoreError::Conflict`].
    async fn decide_role_change(
        &self,
        id: i64,
        approve: bool,
        by: &str,
        audit: AuditEvent,
    ) -> Result<Option<(desk_api::RoleChange, Option<StoredRole>)>, StoreError>;

    /// Every version `role`'s definition has had, newest first, at most `limit`.
    async fn role_history(&self, role: Role, limit: u32) -> Result<Vec<StoredRole>, StoreError>;

    /// Stores a role definition with the next version, bumps the policy version and appends
    /// `audit`, in one transaction.
    async fn put_role_definition(
        &self,
        definition: &RoleDefinition,
        by: &str,
        audit: AuditEvent,
    ) -> Result<(StoredRole, AuditEntry), StoreError>;

    /// A role's layouts as published, newest first, at most `limit`.
    async fn layout_history(&self, role: Role, limit: u32)
    -> Result<Vec<StoredLayout>, StoreError>;

    /// Every published layout.
    async fn layouts(&self) -> Result<Vec<StoredLayout>, StoreError>;

    /// Publishes a role's layout with the next version, bumps the policy version and appends
    /// `audit`, in one transaction.
    async fn put_layout(
        &self,
        role: desk_core::Role,
        layout: &desk_core::signed::Layout,
        by: &str,
        audit: AuditEvent,
    ) -> Result<(StoredLayout, AuditEntry), StoreError>;

    /// The version of every policy issued now: it grows with every change to role definitions
    /// or layouts, and is set at first start from the clock, so it never goes back even for a
    /// database created anew.
    async fn policy_version(&self) -> Result<u64, StoreError>;

    /// Records offline views in one transaction: each view whose key is not recorded yet for
    /// its actor (nor earlier in `views`) gets its audit entry and its key remembered; the
    /// others are counted as duplicates. Keys are per actor: another actor's key never makes a
    /// view a duplicate. `summary` is appended last, with the counts added to its detail.
    async fn record_offline_views(
        &self,
        views: Vec<OfflineView>,
        summary: AuditEvent,
    ) -> Result<OfflineUploadResult, StoreError>;

    /// Remembers that a policy allowing offline reading was signed for `actor`: the window from
    /// `opens_at` to `closes_at` joins the agent's latest window when the two meet or overlap
    /// (extending it), and is a window of its own otherwise.
    async fn extend_offline_window(
        &self,
        actor: &str,
        window: OfflineWindow,
    ) -> Result<(), StoreError>;

    /// `actor`'s offline windows that close at or after `since`, oldest first.
    async fn offline_windows(
        &self,
        actor: &str,
        since: i64,
    ) -> Result<Vec<OfflineWindow>, StoreError>;

    /// Stores a wipe of every device of `subject`, ordered by `by`, and appends `audit` (with
    /// the wipe's id added to its detail), in one transaction.
    async fn order_wipe(
        &self,
        subject: &str,
        by: &str,
        audit: AuditEvent,
    ) -> Result<(StoredWipe, AuditEntry), StoreError>;

    /// Wipes ordered for `subject` with an id above `after`, oldest first, at most `limit`.
    async fn wipes(
        &self,
        subject: &str,
        after: i64,
        limit: u32,
    ) -> Result<Vec<StoredWipe>, StoreError>;

    /// The last wipe of `subject` that is not to be sent to `device`: the later of the one it
    /// acknowledged and the last one ordered before the server first saw the device (a device
    /// holds nothing before it is first seen, so those wipes were not meant for it). The first
    /// call for a device records it as seen now.
    async fn wipes_done(&self, subject: &str, device: &str) -> Result<i64, StoreError>;

    /// Records that `device` of `subject` carried out every wipe up to `wipe_id` (an
    /// acknowledgement never goes down) and appends `audit`, in one transaction. Returns what is
    /// recorded now.
    async fn acknowledge_wipe(
        &self,
        subject: &str,
        device: &str,
        wipe_id: i64,
        audit: AuditEvent,
    ) -> Result<(StoredAcknowledgement, AuditEntry), StoreError>;

    /// Keeps a provisioning client's token, named `name`, as its hash `token_hash`, and appends
    /// `audit`, in one transaction. A name already taken is `Conflict`, and nothing is kept.
    async fn add_scim_token(
        &self,
        name: &str,
        token_hash: &str,
        audit: AuditEvent,
    ) -> Result<StoredScimToken, StoreError>;

    /// The provisioning clients' tokens, by name.
    async fn scim_tokens(&self) -> Result<Vec<StoredScimToken>, StoreError>;

    /// Deletes the token named `name` and appends `audit`, in one transaction. `NotFound` when
    /// there is none, and nothing is appended.
    async fn revoke_scim_token(&self, name: &str, audit: AuditEvent) -> Result<(), StoreError>;

    /// The name of the provisioning client whose token hashes to `token_hash`, if any.
    async fn scim_token_named(&self, token_hash: &str) -> Result<Option<String>, StoreError>;

    /// The SCIM users `lookup` names, oldest first, each with its groups.
    async fn scim_users(&self, lookup: &ScimLookup) -> Result<Vec<ScimUserRow>, StoreError>;

    /// The SCIM groups `lookup` names, oldest first, each with its members.
    async fn scim_groups(&self, lookup: &ScimLookup) -> Result<Vec<ScimGroupRow>, StoreError>;

    /// How many SCIM users (`groups` false) or groups there are.
    async fn scim_count(&self, groups: bool) -> Result<u64, StoreError>;

    /// What an agent request linked to the (lowercased) user name `user_name_key` reads.
    async fn scim_access(&self, user_name_key: &str) -> Result<ScimAccess, StoreError>;

    /// Records that `subject` signed in under the (lowercased) user name `user_name_key`.
    async fn link_scim_subject(&self, user_name_key: &str, subject: &str)
    -> Result<(), StoreError>;

    /// The subjects that signed in under any of these (lowercased) user names.
    async fn scim_subjects(&self, user_name_keys: &[String]) -> Result<Vec<String>, StoreError>;

    /// Makes `change` with its withdrawal, wipes, policy version and audit entry, in one
    /// transaction.
    async fn scim_write(&self, change: ScimChange) -> Result<ScimWritten, StoreError>;

    /// Records that `subject` signed in at `at` holding `roles` (a JSON list of role names): the
    /// administrator's list of agents reads it.
    async fn record_sign_in(&self, subject: &str, roles: &str, at: &str) -> Result<(), StoreError>;

    /// A page of the `listed` agents after the key `after`, at most `limit`: those that signed
    /// in, by subject, each with the SCIM user it is provisioned as and its devices; or the SCIM
    /// users provisioned that never signed in, by lowercased user name.
    async fn agents_page(
        &self,
        listed: Listed,
        after: &str,
        limit: u32,
    ) -> Result<Vec<StoredAgent>, StoreError>;

    /// The devices the server saw `subject` use, the first seen first, with what each
    /// acknowledged.
    async fn devices_of(&self, subject: &str) -> Result<Vec<StoredDevice>, StoreError>;

    /// What each device of `subject` acknowledged, by device id.
    async fn device_acknowledgements(
        &self,
        subject: &str,
    ) -> Result<Vec<StoredAcknowledgement>, StoreError>;

    /// One round trip to the database: `Ok` when it answers.
    async fn ping(&self) -> Result<(), StoreError>;

    /// The fingerprint pinned for the key `kind` (`audit` or `policy`): `fingerprint`, pinned
    /// now, when none was; else the one pinned first, whatever `fingerprint` says.
    async fn pin_key(&self, kind: &str, fingerprint: &str) -> Result<String, StoreError>;

    /// Stores the shipped definitions of roles that have none yet (first start).
    async fn seed_role_definitions(&self, defaults: &[RoleDefinition]) -> Result<(), StoreError>;

    /// Imports a batch of records in one transaction.
    async fn import(&self, batch: &Batch) -> Result<(), StoreError>;

    /// Makes imported records searchable; call once after the last [`Store::import`].
    async fn finish_import(&self) -> Result<(), StoreError>;

    /// Removes every customer record (not the audit trail, not role definitions).
    async fn clear_records(&self) -> Result<(), StoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_out_of_reach_is_told_apart_from_one_that_refuses() {
        let lost = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset");
        for unreachable in [
            StoreError::Database(sqlx::Error::Io(lost)),
            StoreError::Database(sqlx::Error::PoolTimedOut),
            StoreError::Database(sqlx::Error::PoolClosed),
            StoreError::Migrate(sqlx::migrate::MigrateError::Execute(
                sqlx::Error::PoolTimedOut,
            )),
            StoreError::Unavailable("a batch's connection was lost".into()),
        ] {
            assert!(unreachable.is_unavailable(), "{unreachable}");
        }
        for refused in [
            StoreError::Database(sqlx::Error::RowNotFound),
            StoreError::Corrupt("edited".into()),
            StoreError::NotFound("ticket"),
            StoreError::Conflict("decided"),
            StoreError::Audit("trigger".into()),
        ] {
            assert!(!refused.is_unavailable(), "{refused}");
        }
    }
}
