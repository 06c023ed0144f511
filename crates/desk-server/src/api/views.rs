//! Stored rows turned into what a role may receive. This is the only place rows become response
//! values: each field goes through the policy (redacted, scrubbed or dropped) here, before
//! anything is serialized. Free text is scrubbed, and also cleared of the customer's own values
//! the role may not see (`Known`).

use desk_core::Field as F;
use desk_core::record::{Account, Card, Customer, Message, Ticket, Transaction};
use desk_core::{Known, Policy};

use crate::store::{AccountRow, CardRow, CustomerRow, MessageRow, TicketRow, TransactionRow};

/// A customer as a search result: who they are and how to reach them, nothing more.
pub fn customer_summary(p: &Policy, r: &CustomerRow) -> Customer {
    Customer {
        id: r.id,
        name: p.text(F::CustomerName, &r.name),
        email: p.text(F::CustomerEmail, &r.email),
        phone: p.text(F::CustomerPhone, &r.phone),
        tier: p.text(F::CustomerTier, &r.tier),
        status: p.text(F::CustomerStatus, &r.status),
        ..Customer::default()
    }
}

/// A whole customer record; accounts are added by the caller when the role may read them.
pub fn customer(p: &Policy, r: &CustomerRow) -> Customer {
    Customer {
        date_of_birth: p.text(F::CustomerDateOfBirth, &r.date_of_birth),
        address: p.text(F::CustomerAddress, &r.address),
        created_at: p.text(F::CustomerCreatedAt, &r.created_at),
        ..customer_summary(p, r)
    }
}

/// An account; cards are added by the caller when the role may read them.
pub fn account(p: &Policy, r: &AccountRow) -> Account {
    Account {
        id: r.id,
        number: p.text(F::AccountNumber, &r.number),
        currency: p.text(F::AccountCurrency, &r.currency),
        balance: p.value(F::AccountBalance, r.balance),
        status: p.text(F::AccountStatus, &r.status),
        opened_at: p.text(F::AccountOpenedAt, &r.opened_at),
        cards: None,
    }
}

/// A card.
pub fn card(p: &Policy, r: &CardRow) -> Card {
    Card {
        id: r.id,
        number: p.text(F::CardNumber, &r.number),
        brand: p.text(F::CardBrand, &r.brand),
        expiry: p.text(F::CardExpiry, &r.expiry),
        status: p.text(F::CardStatus, &r.status),
    }
}

/// What free text about this customer must not repeat.
pub fn known(r: &CustomerRow) -> Known<'_> {
    Known {
        email: &r.email,
        phone: &r.phone,
        date_of_birth: &r.date_of_birth,
        address: &r.address,
    }
}

/// A transaction of the customer `about`.
pub fn transaction(p: &Policy, r: &TransactionRow, about: &Known<'_>) -> Transaction {
    Transaction {
        id: r.id,
        account_id: r.account_id,
        time: p.text(F::TransactionTime, &r.time),
        amount: p.value(F::TransactionAmount, r.amount),
        currency: p.text(F::TransactionCurrency, &r.currency),
        merchant: p.text(F::TransactionMerchant, &r.merchant),
        status: p.text(F::TransactionStatus, &r.status),
        card_number: r
            .card_number
            .as_deref()
            .and_then(|n| p.text(F::TransactionCardNumber, n)),
        ip_address: r
            .ip_address
            .as_deref()
            .and_then(|ip| p.text(F::TransactionIpAddress, ip)),
        description: p.free_text_about(F::TransactionDescription, &r.description, about),
    }
}

/// A ticket of the customer `about`, without its messages.
pub fn ticket(p: &Policy, r: &TicketRow, about: &Known<'_>) -> Ticket {
    Ticket {
        id: r.id,
        customer_id: r.customer_id,
        subject: p.free_text_about(F::TicketSubject, &r.subject, about),
        status: p.text(F::TicketStatus, &r.status),
        priority: p.text(F::TicketPriority, &r.priority),
        created_at: p.text(F::TicketCreatedAt, &r.created_at),
        updated_at: p.text(F::TicketUpdatedAt, &r.updated_at),
        messages: None,
    }
}

/// A message on a ticket of the customer `about`, or `None` for an internal note the role may
/// not see.
pub fn message(p: &Policy, r: &MessageRow, about: &Known<'_>) -> Option<Message> {
    let body_field = if r.internal {
        F::MessageInternalNotes
    } else {
        F::MessageBody
    };
    if r.internal && !p.shows(F::MessageInternalNotes) {
        return None;
    }
    Some(Message {
        id: r.id,
        internal: r.internal,
        author: p.text(F::MessageAuthor, &r.author),
        time: p.text(F::MessageTime, &r.time),
        body: p.free_text_about(body_field, &r.body, about),
    })
}
