//! The redaction guard: the last check before anything is written to the cache.
//!
//! The server already redacts what it sends and [`crate::prepare`] redacts it further for the
//! cache; the guard trusts neither. It checks every field of every record, nested accounts, cards
//! and messages included, against [`Policy::cache_redaction`] and refuses the first value that the
//! cache may not hold. Every record's fields are one walk over its catalogue fields
//! ([`desk_core::record::Fields`]), so no field can be left out of the check; the nested lists
//! and internal notes are the explicit exceptions. [`crate::Cache::store`] refuses a whole call when any record fails, so a
//! refused batch writes nothing at all.
//!
//! A refusal names the record and the field and says why, but never carries the value: the value
//! is exactly what must not end up in a log.

use desk_core::record::{Customer, Fields, Record, Ticket, Transaction, Value};
use desk_core::redact::is_redacted_as;
use desk_core::scrub::contains_sensitive;
use desk_core::{Field, Policy, RecordKind, Redaction};

use crate::Records;

/// Why a record may not be cached.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} {id}: {reason}")]
pub struct GuardError {
    /// The kind of the record (or nested record) refused.
    pub kind: RecordKind,
    /// Its id.
    pub id: i64,
    /// The field refused; `None` when the record as a whole may not be cached.
    pub field: Option<Field>,
    /// What is wrong with it.
    pub reason: GuardReason,
}

/// What the guard found wrong. The field, when there is one, is in [`GuardError::field`] and
/// is named again here so that the message reads on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum GuardReason {
    /// The record is, or carries, records of a kind the policy does not let be cached (the
    /// kind is named: a customer carrying accounts when accounts are not cacheable).
    #[error("`{0}` records may not be cached under this policy")]
    KindNotCacheable(RecordKind),
    /// The field is present, but the cache may not hold it in any form (a restricted field, an
    /// address, a field the agent does not see).
    #[error("field `{0}` may not be cached in any form")]
    FieldNotCacheable(Field),
    /// The value is not in the redacted form the cache requires (a full card number, an
    /// unmasked e-mail address, a whole date of birth).
    #[error("field `{0}` is not redacted as `{1}`")]
    NotRedacted(Field, Redaction),
    /// Free text still holds something the scrubber masks (a card number, an IBAN, an e-mail
    /// address, a phone number, a national id).
    #[error("field `{0}` holds personal data that must be scrubbed first")]
    SensitiveText(Field),
}

/// Checks every record of `records` against `policy`; the first value the cache may not hold is
/// the error. Returns nothing else: passing the guard changes nothing.
pub fn check(records: &Records, policy: &Policy) -> Result<(), GuardError> {
    for customer in &records.customers {
        check_customer(customer, policy)?;
    }
    for (_, transaction) in &records.transactions {
        check_transaction(transaction, policy)?;
    }
    for ticket in &records.tickets {
        check_ticket(ticket, policy)?;
    }
    Ok(())
}

/// Checks one customer, with its accounts and their cards.
pub fn check_customer(c: &Customer, policy: &Policy) -> Result<(), GuardError> {
    let g = Guard::record(policy, c)?;
    g.nested(&c.accounts, |a| {
        let g = Guard::record(policy, a)?;
        g.nested(&a.cards, |card| Guard::record(policy, card).map(drop))
    })
}

/// Checks one transaction.
pub fn check_transaction(t: &Transaction, policy: &Policy) -> Result<(), GuardError> {
    Guard::record(policy, t).map(drop)
}

/// Checks one ticket, with its messages.
pub fn check_ticket(t: &Ticket, policy: &Policy) -> Result<(), GuardError> {
    let g = Guard::record(policy, t)?;
    g.nested(&t.messages, |m| {
        let g = Guard::of(policy, RecordKind::Message, m.id)?;
        if m.internal {
            // An internal note may only be cached by an agent who sees internal notes, body or
            // not.
            g.present(Field::MessageInternalNotes)?;
        }
        g.fields(m)
    })
}

/// The checks for one record.
struct Guard<'a> {
    policy: &'a Policy,
    kind: RecordKind,
    id: i64,
}

impl<'a> Guard<'a> {
    /// The guard of a record of `kind`, or the refusal when the kind may not be cached.
    fn of(policy: &'a Policy, kind: RecordKind, id: i64) -> Result<Self, GuardError> {
        let g = Self { policy, kind, id };
        g.kind(kind)?;
        Ok(g)
    }

    /// The guard of `record`, after checking every catalogue field it holds.
    fn record<R: Record>(policy: &'a Policy, record: &R) -> Result<Self, GuardError> {
        let g = Self::of(policy, R::KIND, record.id())?;
        g.fields(record)?;
        Ok(g)
    }

    /// Checks every catalogue field of `record` (one walk: a field the record holds cannot be
    /// missed).
    fn fields(&self, record: &impl Fields) -> Result<(), GuardError> {
        record.try_visit(|field, value| match value {
            Value::Text(text) => self.text(field, text),
            Value::Number(number) => self.number(field, number),
        })
    }

    /// Checks a nested list with `each`; even an empty list says something about the record
    /// (that it has no accounts), so the list's kind must be cacheable.
    fn nested<T: Record>(
        &self,
        list: &Option<Vec<T>>,
        each: impl Fn(&T) -> Result<(), GuardError>,
    ) -> Result<(), GuardError> {
        let Some(list) = list else {
            return Ok(());
        };
        self.kind(T::KIND)?;
        list.iter().try_for_each(each)
    }

    fn refuse(&self, field: Option<Field>, reason: GuardReason) -> GuardError {
        GuardError {
            kind: self.kind,
            id: self.id,
            field,
            reason,
        }
    }

    /// Refuses this record, or records of `kind` inside it, when `kind` may not be cached.
    fn kind(&self, kind: RecordKind) -> Result<(), GuardError> {
        match self.policy.cacheable(kind) {
            Some(_) => Ok(()),
            None => Err(self.refuse(None, GuardReason::KindNotCacheable(kind))),
        }
    }

    /// Refuses `field` being present at all when the cache may not hold it.
    fn present(&self, field: Field) -> Result<Redaction, GuardError> {
        match self.policy.cache_redaction(field) {
            Redaction::Hidden => {
                Err(self.refuse(Some(field), GuardReason::FieldNotCacheable(field)))
            }
            redaction => Ok(redaction),
        }
    }

    fn text(&self, field: Field, value: Option<&str>) -> Result<(), GuardError> {
        let Some(value) = value else {
            return Ok(());
        };
        let redaction = self.present(field)?;
        if !is_redacted_as(redaction, value) {
            return Err(self.refuse(Some(field), GuardReason::NotRedacted(field, redaction)));
        }
        if field.shape() == desk_core::record::Shape::FreeText && contains_sensitive(value) {
            return Err(self.refuse(Some(field), GuardReason::SensitiveText(field)));
        }
        Ok(())
    }

    fn number(&self, field: Field, value: Option<i64>) -> Result<(), GuardError> {
        match value {
            Some(_) => self.present(field).map(drop),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_names_the_record_and_the_field() {
        let err = GuardError {
            kind: RecordKind::Card,
            id: 7,
            field: Some(Field::CardNumber),
            reason: GuardReason::FieldNotCacheable(Field::CardNumber),
        };
        assert_eq!(
            err.to_string(),
            "card 7: field `card.number` may not be cached in any form"
        );
        let err = GuardError {
            kind: RecordKind::Ticket,
            id: 3,
            field: None,
            reason: GuardReason::KindNotCacheable(RecordKind::Message),
        };
        assert_eq!(
            err.to_string(),
            "ticket 3: `message` records may not be cached under this policy"
        );
    }

    #[test]
    fn nothing_passes_the_empty_policy() {
        let policy = Policy::default();
        let customer = Customer {
            id: 1,
            ..Customer::default()
        };
        let err = check_customer(&customer, &policy).unwrap_err();
        assert_eq!(
            err.reason,
            GuardReason::KindNotCacheable(RecordKind::Customer)
        );
        assert_eq!(err.field, None);
    }
}
