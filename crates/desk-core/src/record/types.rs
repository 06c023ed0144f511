//! The record types as a role receives them, each declared once through `record!`: keys, the
//! catalogue fields it holds, nested lists.

use serde::{Deserialize, Serialize};

use super::visit::{FromValue, Record, SetError, Value};
use super::{Field, RecordKind};

record! {
    /// A customer, with the accounts the role may see when the request asked for them.
    pub struct Customer: Customer {
        keys {
            /// The customer's id.
            id: i64,
        }
        fields {
            name: String => CustomerName,
            email: String => CustomerEmail,
            phone: String => CustomerPhone,
            date_of_birth: String => CustomerDateOfBirth,
            address: String => CustomerAddress,
            tier: String => CustomerTier,
            status: String => CustomerStatus,
            created_at: String => CustomerCreatedAt,
        }
        nested {
            /// The customer's accounts, when the role may see accounts and they were asked for.
            accounts: Account,
        }
    }
}

record! {
    /// An account.
    pub struct Account: Account {
        keys {
            /// The account's id.
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
            /// The account's cards, when the role may see cards.
            cards: Card,
        }
    }
}

record! {
    /// A payment card.
    pub struct Card: Card {
        keys {
            /// The card's id.
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
    /// A payment.
    pub struct Transaction: Transaction {
        keys {
            /// The transaction's id.
            id: i64,
            /// The account it belongs to.
            account_id: i64,
        }
        fields {
            time: String => TransactionTime,
            /// Negative for money leaving the account.
            amount: i64 => TransactionAmount,
            currency: String => TransactionCurrency,
            merchant: String => TransactionMerchant,
            status: String => TransactionStatus,
            card_number: String => TransactionCardNumber,
            ip_address: String => TransactionIpAddress,
            description: String => TransactionDescription,
        }
        nested {}
    }
}

record! {
    /// A support ticket.
    pub struct Ticket: Ticket {
        keys {
            /// The ticket's id.
            id: i64,
            /// The customer it is about.
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
            /// The messages, oldest first, when one ticket was asked for and the role may see
            /// messages.
            messages: Message,
        }
    }
}

record! {
    /// A message on a ticket.
    pub struct Message: Message {
        keys {
            /// The message's id.
            id: i64,
            /// Whether this is an agents' internal note (only roles holding
            /// [`Field::MessageInternalNotes`] receive those at all).
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
