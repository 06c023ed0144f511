//! The record types as a role receives them, each declared once through `record!`: keys, the
//! catalogue fields it holds, nested lists.

use serde::{Deserialize, Serialize};

use super::visit::{FromValue, Record, SetError, Value};
use super::{Field, RecordKind};

record! {
    /// A customer as the caller's role may see them. Every field but `id` is optional: a field
    /// the role may not see is absent, and every other field is already redacted as the role's
    /// definition says. Search results carry only `id`, `name`, `email`, `phone`, `tier` and
    /// `status`; `GET /v1/customers/{id}` adds `date_of_birth`, `address`, `created_at` and
    /// `accounts`.
    pub struct Customer: Customer {
        keys {
            /// The customer's id; always present (the server's own key, not customer data).
            id: i64,
        }
        fields {
            name: String => CustomerName,
            email: String => CustomerEmail,
            phone: String => CustomerPhone,
            /// Only on `GET /v1/customers/{id}`.
            date_of_birth: String => CustomerDateOfBirth,
            /// Only on `GET /v1/customers/{id}`.
            address: String => CustomerAddress,
            tier: String => CustomerTier,
            status: String => CustomerStatus,
            /// Only on `GET /v1/customers/{id}`.
            created_at: String => CustomerCreatedAt,
        }
        nested {
            /// The customer's accounts, in id order. Only on `GET /v1/customers/{id}`, and only
            /// when the role may see some `account` field; absent otherwise.
            accounts: Account,
        }
    }
}

record! {
    /// A customer's account as the caller's role may see it. Every field but `id` is optional
    /// and absent when the role may not see it.
    pub struct Account: Account {
        keys {
            /// The account's id; always present.
            id: i64,
        }
        fields {
            number: String => AccountNumber,
            currency: String => AccountCurrency,
            balance: i64 => AccountBalance,
            status: String => AccountStatus,
            opened_at: String => AccountOpenedAt,
        }
        nested {
            /// The account's cards, in id order, when the role may see some `card` field; absent
            /// otherwise.
            cards: Card,
        }
    }
}

record! {
    /// A payment card as the caller's role may see it. Every field but `id` is optional and
    /// absent when the role may not see it.
    pub struct Card: Card {
        keys {
            /// The card's id; always present.
            id: i64,
        }
        fields {
            number: String => CardNumber,
            brand: String => CardBrand,
            expiry: String => CardExpiry,
            status: String => CardStatus,
        }
        nested {}
    }
}

record! {
    /// A payment as the caller's role may see it. Every field but `id` and `account_id` is
    /// optional and absent when the role may not see it.
    pub struct Transaction: Transaction {
        keys {
            /// The transaction's id; always present.
            id: i64,
            /// The account it belongs to; always present.
            account_id: i64,
        }
        fields {
            /// RFC 3339 in UTC when whole.
            time: String => TransactionTime,
            /// Negative for money leaving the account.
            amount: i64 => TransactionAmount,
            currency: String => TransactionCurrency,
            merchant: String => TransactionMerchant,
            status: String => TransactionStatus,
            /// Also absent when no card was used.
            card_number: String => TransactionCardNumber,
            /// Also absent when the payment was not made online.
            ip_address: String => TransactionIpAddress,
            description: String => TransactionDescription,
        }
        nested {}
    }
}

record! {
    /// A support ticket as the caller's role may see it. Every field but `id` and `customer_id`
    /// is optional and absent when the role may not see it.
    pub struct Ticket: Ticket {
        keys {
            /// The ticket's id; always present.
            id: i64,
            /// The customer it is about; always present.
            customer_id: i64,
        }
        fields {
            subject: String => TicketSubject,
            status: String => TicketStatus,
            priority: String => TicketPriority,
            created_at: String => TicketCreatedAt,
            updated_at: String => TicketUpdatedAt,
        }
        nested {
            /// The conversation, oldest first. Only on `GET /v1/tickets/{id}`, and only when the
            /// role may see some `message` field; absent otherwise. Internal notes are included
            /// only for roles that see `message.internal_notes`.
            messages: Message,
        }
    }
}

record! {
    /// A message on a ticket: from the customer, a reply by an agent, or an agents' internal
    /// note. `id` and `internal` are always present; the other fields are absent when the role
    /// may not see them. A role that does not see `message.internal_notes` never receives
    /// internal notes at all.
    pub struct Message: Message {
        keys {
            /// The message's id; always present.
            id: i64,
            /// Whether this is an agents' internal note; always present.
            ///
            /// Only roles holding [`Field::MessageInternalNotes`] receive those at all.
            internal: bool,
        }
        fields {
            author: String => MessageAuthor,
            time: String => MessageTime,
            body: String => MessageBody or MessageInternalNotes when internal,
        }
        nested {}
    }
}
