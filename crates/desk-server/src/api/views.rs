//! Stored rows turned into what a role may receive. This is the only place rows become response
//! values: each field goes through the policy (redacted, scrubbed or dropped) here, before
//! anything is serialized. Free text is scrubbed, and also cleared of the customer's own values
//! the role may not see (`Known`).
//!
//! Every view is one walk over the row's catalogue fields ([`desk_core::record::Fields`], declared
//! with the row in `store`) through [`Policy::view`]; what differs between kinds is only the keys
//! and the real exceptions, which are explicit here: a search result shows a customer's summary
//! fields only, nested lists are added by the callers, and an internal note is left out whole
//! for a role that may not see internal notes.

use desk_core::Field as F;
use desk_core::record::{Account, Card, Customer, Fields, Message, Record, Ticket, Transaction};
use desk_core::{Known, Policy};

use crate::store::{
    AccountRow, CardRow, CustomerRecord, CustomerRow, MessageRow, TicketRow, TransactionRow,
};

/// The fields of a customer that a search result shows: who they are and how to reach them.
pub const CUSTOMER_SUMMARY: [F; 5] = [
    F::CustomerName,
    F::CustomerEmail,
    F::CustomerPhone,
    F::CustomerTier,
    F::CustomerStatus,
];

/// `keys` with every field of `row` for which `wanted` says yes, as `p` shows it.
fn view<R: Record>(
    p: &Policy,
    mut keys: R,
    row: &impl Fields,
    about: &Known<'_>,
    wanted: impl Fn(F) -> bool,
) -> R {
    row.visit(|field, value| {
        if wanted(field) {
            // Rows and records walk the same catalogue fields, so this cannot miss; a test below
            // holds every row to its record.
            let set = keys.set(field, p.view(field, value, about));
            debug_assert_eq!(set, Ok(()), "{field}");
        }
    });
    keys
}

fn all(_: F) -> bool {
    true
}

/// A customer as a search result: who they are and how to reach them, nothing more.
pub fn customer_summary(p: &Policy, r: &CustomerRow) -> Customer {
    let keys = Customer {
        id: r.id,
        ..Customer::default()
    };
    view(p, keys, r, &Known::default(), |f| {
        CUSTOMER_SUMMARY.contains(&f)
    })
}

/// A whole customer record; accounts are added by the caller when the role may read them.
pub fn customer(p: &Policy, r: &CustomerRow) -> Customer {
    let keys = Customer {
        id: r.id,
        ..Customer::default()
    };
    view(p, keys, r, &Known::default(), all)
}

/// An account; cards are added by the caller when the role may read them.
pub fn account(p: &Policy, r: &AccountRow) -> Account {
    let keys = Account {
        id: r.id,
        ..Account::default()
    };
    view(p, keys, r, &Known::default(), all)
}

/// A card.
pub fn card(p: &Policy, r: &CardRow) -> Card {
    let keys = Card {
        id: r.id,
        ..Card::default()
    };
    view(p, keys, r, &Known::default(), all)
}

/// A customer with the accounts and cards `record` holds (its reach, chosen from what the role
/// may read), each as `p` shows it.
pub fn customer_record(p: &Policy, record: &CustomerRecord) -> Customer {
    let mut view = customer(p, &record.customer);
    view.accounts = record.accounts.as_ref().map(|accounts| {
        accounts
            .iter()
            .map(|a| {
                let mut shown = account(p, a);
                shown.cards = record.cards.as_ref().map(|cards| {
                    cards
                        .iter()
                        .filter(|c| c.account_id == a.id)
                        .map(|c| card(p, c))
                        .collect()
                });
                shown
            })
            .collect()
    });
    view
}

/// What free text about this customer must not repeat.
pub fn known(r: &CustomerRow) -> Known<'_> {
    Known::of(r, |_, _| true)
}

/// A transaction of the customer `about`.
pub fn transaction(p: &Policy, r: &TransactionRow, about: &Known<'_>) -> Transaction {
    let keys = Transaction {
        id: r.id,
        account_id: r.account_id,
        ..Transaction::default()
    };
    view(p, keys, r, about, all)
}

/// A ticket of the customer `about`, without its messages.
pub fn ticket(p: &Policy, r: &TicketRow, about: &Known<'_>) -> Ticket {
    let keys = Ticket {
        id: r.id,
        customer_id: r.customer_id,
        ..Ticket::default()
    };
    view(p, keys, r, about, all)
}

/// A message on a ticket of the customer `about`, or `None` for an internal note the role may
/// not see.
pub fn message(p: &Policy, r: &MessageRow, about: &Known<'_>) -> Option<Message> {
    if r.internal && !p.shows(F::MessageInternalNotes) {
        return None;
    }
    let keys = Message {
        id: r.id,
        internal: r.internal,
        ..Message::default()
    };
    Some(view(p, keys, r, about, all))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use desk_core::Role;
    use desk_core::record::{RecordKind, Shape, walked};

    use super::*;

    fn text(shape: Shape) -> String {
        match shape {
            Shape::Email => "ada@example.org",
            Shape::Phone => "+44 20 7946 0958",
            Shape::Identifier => "4111 1111 1111 1111",
            Shape::Date => "1990-04-02",
            Shape::FreeText => "Please call me back about the refund.",
            Shape::Text | Shape::Number => "standard",
        }
        .to_owned()
    }

    /// A row of every kind with every column filled (a struct literal: a column added to a row
    /// must be filled here too).
    fn rows(internal: bool) -> Rows {
        let t = |f: F| text(f.shape());
        Rows {
            customer: CustomerRow {
                id: 1,
                name: t(F::CustomerName),
                email: t(F::CustomerEmail),
                phone: t(F::CustomerPhone),
                date_of_birth: t(F::CustomerDateOfBirth),
                address: t(F::CustomerAddress),
                tier: t(F::CustomerTier),
                status: t(F::CustomerStatus),
                created_at: t(F::CustomerCreatedAt),
            },
            account: AccountRow {
                id: 2,
                customer_id: 1,
                number: "GB82WEST12345698765432".into(),
                currency: "GBP".into(),
                balance: 4200,
                status: "open".into(),
                opened_at: t(F::AccountOpenedAt),
            },
            card: CardRow {
                id: 3,
                account_id: 2,
                number: t(F::CardNumber),
                brand: "Visa".into(),
                expiry: "04/29".into(),
                status: "active".into(),
            },
            transaction: TransactionRow {
                id: 4,
                account_id: 2,
                customer_id: 1,
                time: t(F::TransactionTime),
                amount: -1250,
                currency: "GBP".into(),
                merchant: "Corner Shop".into(),
                status: "settled".into(),
                card_number: Some(t(F::TransactionCardNumber)),
                ip_address: Some("203.0.113.9".into()),
                description: t(F::TransactionDescription),
            },
            ticket: TicketRow {
                id: 5,
                customer_id: 1,
                subject: t(F::TicketSubject),
                status: "open".into(),
                priority: "high".into(),
                created_at: t(F::TicketCreatedAt),
                updated_at: t(F::TicketUpdatedAt),
            },
            message: MessageRow {
                id: 6,
                ticket_id: 5,
                internal,
                author: "agent1".into(),
                time: t(F::MessageTime),
                body: t(F::MessageBody),
            },
        }
    }

    struct Rows {
        customer: CustomerRow,
        account: AccountRow,
        card: CardRow,
        transaction: TransactionRow,
        ticket: TicketRow,
        message: MessageRow,
    }

    fn present(record: &impl Fields) -> BTreeSet<F> {
        let mut fields = BTreeSet::new();
        record.visit(|field, value| {
            if value.is_present() {
                fields.insert(field);
            }
        });
        fields
    }

    /// Every role's policy, and one that shows every field as openly as the field allows.
    fn policies() -> Vec<(String, Policy)> {
        let definitions =
            super::super::parse_role_definitions(super::super::DEFAULT_ROLES).unwrap();
        let mut policies: Vec<(String, Policy)> = Role::ALL
            .iter()
            .map(|&role| {
                let policy = Policy::of(definitions.iter().filter(|d| d.role == role));
                (role.as_str().to_owned(), policy)
            })
            .collect();
        let mut everything = Policy::of(&definitions);
        everything.fields = F::ALL.iter().map(|&f| (f, f.widest_redaction())).collect();
        policies.push(("every field".into(), everything));
        policies
    }

    /// The exhaustiveness test of the views: every row walks exactly its kind's catalogue
    /// fields, and for every role each view holds exactly the fields the role sees, so a field no
    /// view walks, or one a view lets through unseen, fails here.
    #[test]
    fn every_view_walks_every_catalogue_field_through_the_policy() {
        let catalogue = |kind: RecordKind| -> BTreeSet<F> {
            F::ALL
                .iter()
                .copied()
                .filter(|f| f.kind() == kind)
                .collect()
        };
        let (public, internal) = (rows(false), rows(true));
        let walk = |r: &dyn Fn(&Rows) -> Vec<F>| -> BTreeSet<F> {
            r(&public).into_iter().chain(r(&internal)).collect()
        };
        assert_eq!(
            walk(&|r| walked(&r.customer)),
            catalogue(RecordKind::Customer)
        );
        assert_eq!(
            walk(&|r| walked(&r.account)),
            catalogue(RecordKind::Account)
        );
        assert_eq!(walk(&|r| walked(&r.card)), catalogue(RecordKind::Card));
        assert_eq!(
            walk(&|r| walked(&r.transaction)),
            catalogue(RecordKind::Transaction)
        );
        assert_eq!(walk(&|r| walked(&r.ticket)), catalogue(RecordKind::Ticket));
        assert_eq!(
            walk(&|r| walked(&r.message)),
            catalogue(RecordKind::Message)
        );

        let mut shown_somewhere = BTreeSet::new();
        for (name, p) in policies() {
            let sees = |kind: RecordKind| -> BTreeSet<F> {
                catalogue(kind)
                    .into_iter()
                    .filter(|&f| p.shows(f))
                    .collect()
            };
            for rows in [&public, &internal] {
                let about = known(&rows.customer);
                let mut views: Vec<(RecordKind, BTreeSet<F>)> = vec![
                    (RecordKind::Customer, present(&customer(&p, &rows.customer))),
                    (RecordKind::Account, present(&account(&p, &rows.account))),
                    (RecordKind::Card, present(&card(&p, &rows.card))),
                    (
                        RecordKind::Transaction,
                        present(&transaction(&p, &rows.transaction, &about)),
                    ),
                    (
                        RecordKind::Ticket,
                        present(&ticket(&p, &rows.ticket, &about)),
                    ),
                ];
                match message(&p, &rows.message, &about) {
                    Some(m) => views.push((RecordKind::Message, present(&m))),
                    None => assert!(rows.message.internal && !p.shows(F::MessageInternalNotes)),
                }
                for (kind, fields) in views {
                    let mut expected = sees(kind);
                    if kind == RecordKind::Message {
                        // The body is one field or the other, by what the message is.
                        let not_this = if rows.message.internal {
                            F::MessageBody
                        } else {
                            F::MessageInternalNotes
                        };
                        expected.remove(&not_this);
                    }
                    assert_eq!(fields, expected, "{name}: {kind}");
                    shown_somewhere.extend(fields);
                }
            }
            let summary = present(&customer_summary(&p, &public.customer));
            let expected: BTreeSet<F> = CUSTOMER_SUMMARY
                .into_iter()
                .filter(|&f| p.shows(f))
                .collect();
            assert_eq!(summary, expected, "{name}: customer summary");
        }
        assert_eq!(shown_somewhere, F::ALL.iter().copied().collect());
    }
}
