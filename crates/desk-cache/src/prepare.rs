//! Making a record as the server sent it fit for the cache.
//!
//! What the server sends an agent is redacted for their eyes; the cache keeps less
//! ([`Policy::cache_redaction`]). These functions apply that second redaction: a value that came
//! whole is masked with [`desk_core::redact::apply`], one already masked is kept as it is, a field
//! the cache may not hold is dropped, and free text is scrubbed with [`Keep::NOTHING`]. Nested
//! records of a kind the policy does not cache (accounts, cards, messages) are dropped, and so are
//! internal notes unless the agent sees them.
//!
//! Free text is also cleared of the customer's own values that the cache may not hold whole (a
//! date of birth or an address written into a note), when the customer is known: pass the
//! customer as the agent received it. The guard cannot check that — it does not know the values
//! — so it is done here, on a best-effort basis; what the guard does check (masks, scrubbing,
//! kinds, fields) is re-checked independently by [`crate::Cache::store`].
//!
//! The output of these functions always passes the guard for the same policy.

use std::collections::BTreeMap;

use desk_core::record::{Account, Card, Customer, Message, Ticket, Transaction};
use desk_core::redact::{self, MASK, is_redacted_as};
use desk_core::scrub::{Keep, contains_sensitive, scrub};
use desk_core::{Field, Known, Policy, RecordKind, Redaction};

use crate::Records;

/// `records` redacted for the cache: records of kinds the policy does not cache are left out,
/// every other one goes through [`customer`], [`transaction`] or [`ticket`], with free text about
/// a customer in the batch cleared of that customer's values.
pub fn records(records: &Records, policy: &Policy) -> Records {
    let view = CacheView::of(policy);
    let about: BTreeMap<i64, &Customer> = records.customers.iter().map(|c| (c.id, c)).collect();
    Records {
        customers: records
            .customers
            .iter()
            .filter_map(|c| view.customer(c))
            .collect(),
        transactions: records
            .transactions
            .iter()
            .filter_map(|(customer_id, t)| {
                let about = about.get(customer_id).copied();
                view.transaction(t, about).map(|t| (*customer_id, t))
            })
            .collect(),
        tickets: records
            .tickets
            .iter()
            .filter_map(|t| view.ticket(t, about.get(&t.customer_id).copied()))
            .collect(),
    }
}

/// `c` redacted for the cache, or `None` when customers may not be cached.
pub fn customer(c: &Customer, policy: &Policy) -> Option<Customer> {
    CacheView::of(policy).customer(c)
}

/// `t` redacted for the cache, or `None` when transactions may not be cached. `about` is the
/// customer the transaction belongs to, as the agent received them, when known.
pub fn transaction(
    t: &Transaction,
    policy: &Policy,
    about: Option<&Customer>,
) -> Option<Transaction> {
    CacheView::of(policy).transaction(t, about)
}

/// `t` redacted for the cache, or `None` when tickets may not be cached. `about` is the customer
/// the ticket is about, as the agent received them, when known.
pub fn ticket(t: &Ticket, policy: &Policy, about: Option<&Customer>) -> Option<Ticket> {
    CacheView::of(policy).ticket(t, about)
}

/// The policy as the cache applies it: every field with its [`Policy::cache_redaction`].
struct CacheView {
    policy: Policy,
}

impl CacheView {
    fn of(policy: &Policy) -> Self {
        let fields = Field::ALL
            .iter()
            .map(|&f| (f, policy.cache_redaction(f)))
            .filter(|&(_, r)| r != Redaction::Hidden)
            .collect();
        let policy = Policy {
            fields,
            ..policy.clone()
        };
        // No field the cache holds is an e-mail or phone number in the clear, so free text
        // keeps none either.
        debug_assert_eq!(policy.keep(), Keep::NOTHING);
        Self { policy }
    }

    fn caches(&self, kind: RecordKind) -> bool {
        self.policy.cacheable(kind).is_some()
    }

    fn text(&self, field: Field, value: &Option<String>) -> Option<String> {
        let value = value.as_deref()?;
        match self.policy.redaction(field) {
            Redaction::Hidden => None,
            // Already in the cached form (a mask the server applied): masking it again could
            // only lose what it shows, such as the last two digits of a phone number.
            r if is_redacted_as(r, value) => Some(value.to_owned()),
            r => redact::apply(r, value),
        }
    }

    fn number(&self, field: Field, value: Option<i64>) -> Option<i64> {
        value.filter(|_| self.policy.shows(field))
    }

    fn free_text(&self, field: Field, value: &Option<String>, about: &Known<'_>) -> Option<String> {
        let value = value.as_deref()?;
        let mut text = self.policy.free_text_about(field, value, about)?;
        // Putting masks in place of the customer's values can join what is left into something
        // that looks like a number again; scrub once more, and give up on the text if even that
        // does not settle it.
        if contains_sensitive(&text) {
            text = scrub(&text, Keep::NOTHING).into_owned();
        }
        if contains_sensitive(&text) {
            text = MASK.to_owned();
        }
        Some(text)
    }

    /// What free text about `customer` must not repeat, from the customer as the agent received
    /// them: the values the cache would not hold as they are. A value already in its cached form
    /// (an e-mail the server masked) is not looked for, so its mask is not masked again.
    fn known<'c>(&self, customer: Option<&'c Customer>) -> Known<'c> {
        let Some(c) = customer else {
            return Known::default();
        };
        let whole = |field: Field, value: &'c Option<String>| -> &'c str {
            match value.as_deref() {
                Some(v) if !is_redacted_as(self.policy.redaction(field), v) => v,
                _ => "",
            }
        };
        Known {
            email: whole(Field::CustomerEmail, &c.email),
            phone: whole(Field::CustomerPhone, &c.phone),
            date_of_birth: whole(Field::CustomerDateOfBirth, &c.date_of_birth),
            address: whole(Field::CustomerAddress, &c.address),
        }
    }

    fn customer(&self, c: &Customer) -> Option<Customer> {
        if !self.caches(RecordKind::Customer) {
            return None;
        }
        Some(Customer {
            id: c.id,
            name: self.text(Field::CustomerName, &c.name),
            email: self.text(Field::CustomerEmail, &c.email),
            phone: self.text(Field::CustomerPhone, &c.phone),
            date_of_birth: self.text(Field::CustomerDateOfBirth, &c.date_of_birth),
            address: self.text(Field::CustomerAddress, &c.address),
            tier: self.text(Field::CustomerTier, &c.tier),
            status: self.text(Field::CustomerStatus, &c.status),
            created_at: self.text(Field::CustomerCreatedAt, &c.created_at),
            accounts: c
                .accounts
                .as_ref()
                .filter(|_| self.caches(RecordKind::Account))
                .map(|accounts| accounts.iter().map(|a| self.account(a)).collect()),
        })
    }

    fn account(&self, a: &Account) -> Account {
        Account {
            id: a.id,
            number: self.text(Field::AccountNumber, &a.number),
            currency: self.text(Field::AccountCurrency, &a.currency),
            balance: self.number(Field::AccountBalance, a.balance),
            status: self.text(Field::AccountStatus, &a.status),
            opened_at: self.text(Field::AccountOpenedAt, &a.opened_at),
            cards: a
                .cards
                .as_ref()
                .filter(|_| self.caches(RecordKind::Card))
                .map(|cards| cards.iter().map(|c| self.card(c)).collect()),
        }
    }

    fn card(&self, c: &Card) -> Card {
        Card {
            id: c.id,
            number: self.text(Field::CardNumber, &c.number),
            brand: self.text(Field::CardBrand, &c.brand),
            expiry: self.text(Field::CardExpiry, &c.expiry),
            status: self.text(Field::CardStatus, &c.status),
        }
    }

    fn transaction(&self, t: &Transaction, about: Option<&Customer>) -> Option<Transaction> {
        if !self.caches(RecordKind::Transaction) {
            return None;
        }
        let about = self.known(about);
        Some(Transaction {
            id: t.id,
            account_id: t.account_id,
            time: self.text(Field::TransactionTime, &t.time),
            amount: self.number(Field::TransactionAmount, t.amount),
            currency: self.text(Field::TransactionCurrency, &t.currency),
            merchant: self.text(Field::TransactionMerchant, &t.merchant),
            status: self.text(Field::TransactionStatus, &t.status),
            card_number: self.text(Field::TransactionCardNumber, &t.card_number),
            ip_address: self.text(Field::TransactionIpAddress, &t.ip_address),
            description: self.free_text(Field::TransactionDescription, &t.description, &about),
        })
    }

    fn ticket(&self, t: &Ticket, about: Option<&Customer>) -> Option<Ticket> {
        if !self.caches(RecordKind::Ticket) {
            return None;
        }
        let about = self.known(about);
        Some(Ticket {
            id: t.id,
            customer_id: t.customer_id,
            subject: self.free_text(Field::TicketSubject, &t.subject, &about),
            status: self.text(Field::TicketStatus, &t.status),
            priority: self.text(Field::TicketPriority, &t.priority),
            created_at: self.text(Field::TicketCreatedAt, &t.created_at),
            updated_at: self.text(Field::TicketUpdatedAt, &t.updated_at),
            messages: t
                .messages
                .as_ref()
                .filter(|_| self.caches(RecordKind::Message))
                .map(|messages| {
                    messages
                        .iter()
                        .filter_map(|m| self.message(m, &about))
                        .collect()
                }),
        })
    }

    fn message(&self, m: &Message, about: &Known<'_>) -> Option<Message> {
        let body = if m.internal {
            if !self.policy.shows(Field::MessageInternalNotes) {
                return None;
            }
            Field::MessageInternalNotes
        } else {
            Field::MessageBody
        };
        Some(Message {
            id: m.id,
            internal: m.internal,
            author: self.text(Field::MessageAuthor, &m.author),
            time: self.text(Field::MessageTime, &m.time),
            body: self.free_text(body, &m.body, about),
        })
    }
}
