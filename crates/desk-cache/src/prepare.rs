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

use desk_core::record::{Account, Customer, Record, Shape, Ticket, Transaction, Value};
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

    /// `record`'s keys with every field it holds as the cache may hold it: one walk over its
    /// catalogue fields.
    fn fields<R: Record>(&self, record: &R, about: &Known<'_>) -> R {
        let mut out = record.keys();
        record.visit(|field, value| {
            let value = match value {
                Value::Number(n) => Value::Number(n.filter(|_| self.policy.shows(field))),
                Value::Text(t) => Value::Text(t.and_then(|t| match field.shape() {
                    Shape::FreeText => self.free_text(field, t, about),
                    _ => self.text(field, t),
                })),
            };
            // The record walks its own fields, so `set` takes each of them.
            let set = out.set(field, value);
            debug_assert_eq!(set, Ok(()), "{field}");
        });
        out
    }

    /// A nested list as the cache may hold it: dropped when its kind is not cached.
    fn nested<T: Record>(
        &self,
        list: &Option<Vec<T>>,
        each: impl FnMut(&T) -> Option<T>,
    ) -> Option<Vec<T>> {
        list.as_ref()
            .filter(|_| self.caches(T::KIND))
            .map(|list| list.iter().filter_map(each).collect())
    }

    fn text(&self, field: Field, value: &str) -> Option<String> {
        match self.policy.redaction(field) {
            Redaction::Hidden => None,
            // Already in the cached form (a mask the server applied): masking it again could
            // only lose what it shows, such as the last two digits of a phone number.
            r if is_redacted_as(r, value) => Some(value.to_owned()),
            r => redact::apply(r, value),
        }
    }

    fn free_text(&self, field: Field, value: &str, about: &Known<'_>) -> Option<String> {
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
        // A value already in its cached form (an e-mail the server masked) is not looked for.
        Known::of(c, |field, value| {
            !is_redacted_as(self.policy.redaction(field), value)
        })
    }

    fn customer(&self, c: &Customer) -> Option<Customer> {
        if !self.caches(RecordKind::Customer) {
            return None;
        }
        let none = Known::default();
        Some(Customer {
            accounts: self.nested(&c.accounts, |a| {
                Some(Account {
                    cards: self.nested(&a.cards, |card| Some(self.fields(card, &none))),
                    ..self.fields(a, &none)
                })
            }),
            ..self.fields(c, &none)
        })
    }

    fn transaction(&self, t: &Transaction, about: Option<&Customer>) -> Option<Transaction> {
        if !self.caches(RecordKind::Transaction) {
            return None;
        }
        Some(self.fields(t, &self.known(about)))
    }

    fn ticket(&self, t: &Ticket, about: Option<&Customer>) -> Option<Ticket> {
        if !self.caches(RecordKind::Ticket) {
            return None;
        }
        let about = self.known(about);
        Some(Ticket {
            // Internal notes only for an agent who sees them.
            messages: self.nested(&t.messages, |m| {
                (!m.internal || self.policy.shows(Field::MessageInternalNotes))
                    .then(|| self.fields(m, &about))
            }),
            ..self.fields(t, &about)
        })
    }
}
