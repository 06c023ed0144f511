//! Customer records as a role receives them, and the catalogue of their fields.
//!
//! Every field a record can carry is a [`Field`], with the class that says how sensitive it is and
//! the shape that says which redactions make sense for it. The record types hold every field as an
//! `Option`: a field the role may not see is `None` and absent from the JSON, so a record built for
//! a role cannot carry what the role may not see. Identifiers (`id`, and the ids that link records)
//! are always present: they are the server's own keys, not customer data.

use serde::{Deserialize, Serialize};

use crate::field::{FieldClass, Redaction};

#[macro_use]
mod visit;
mod types;

pub use types::{Account, Card, Customer, Message, Ticket, Transaction};
pub use visit::{
    AsValue, Fields, FromValue, Record, SetError, Value, filled, fits, sample, walked,
};

/// A kind of record. A role may read a kind when some field of that kind is visible to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum RecordKind {
    /// A person or business the company serves.
    Customer,
    /// A customer's account (an IBAN with a balance).
    Account,
    /// A payment card on an account.
    Card,
    /// A payment on an account.
    Transaction,
    /// A support ticket.
    Ticket,
    /// A message on a ticket, from the customer, an agent, or an internal note.
    Message,
}

impl RecordKind {
    /// Every kind.
    pub const ALL: [RecordKind; 6] = [
        Self::Customer,
        Self::Account,
        Self::Card,
        Self::Transaction,
        Self::Ticket,
        Self::Message,
    ];

    /// The kind's name in policies and URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Customer => "customer",
            Self::Account => "account",
            Self::Card => "card",
            Self::Transaction => "transaction",
            Self::Ticket => "ticket",
            Self::Message => "message",
        }
    }
}

name_conversions!(RecordKind, "record kind");

/// What a field's value looks like, which decides the redactions that apply to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A short text: shown or hidden.
    Text,
    /// An e-mail address: may be masked with `mask_email`.
    Email,
    /// A phone number: may be masked with `mask_phone`.
    Phone,
    /// A card or account number: may be cut to its last four characters.
    Identifier,
    /// A date: may be cut to its year.
    Date,
    /// A number (an amount in minor units): shown or hidden.
    Number,
    /// Text people typed: shown scrubbed of personal data the role may not see, or hidden.
    FreeText,
}

impl Shape {
    /// The one partial redaction this shape supports, if any.
    pub fn partial(self) -> Option<Redaction> {
        match self {
            Self::Email => Some(Redaction::MaskEmail),
            Self::Phone => Some(Redaction::MaskPhone),
            Self::Identifier => Some(Redaction::Last4),
            Self::Date => Some(Redaction::YearOnly),
            Self::Text | Self::Number | Self::FreeText => None,
        }
    }
}

macro_rules! fields {
    ($($variant:ident = $name:tt, $kind:ident, $class:ident, $shape:ident, $doc:literal;)*) => {
        /// A field of a record, named `kind.field`. Each field has a class saying how sensitive it
        /// is: `public` (safe for anyone who may see the record), `internal` (business data that
        /// is not personal), `pii` (personal data: shown to roles that need it, otherwise masked)
        /// or `restricted` (never leaves the server unmasked and is never cached: card numbers,
        /// IBANs).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub enum Field {
            $(
                #[doc = $doc]
                #[serde(rename = $name)]
                $variant,
            )*
        }

        impl Field {
            /// Every field, in catalogue order.
            pub const ALL: &'static [Field] = &[$(Self::$variant),*];

            /// The field's name in policies: `kind.field`.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $name),* }
            }

            /// The kind of record the field belongs to.
            pub fn kind(self) -> RecordKind {
                match self { $(Self::$variant => RecordKind::$kind),* }
            }

            /// How sensitive the field is.
            pub fn class(self) -> FieldClass {
                match self { $(Self::$variant => FieldClass::$class),* }
            }

            /// What the field holds, in one sentence (its doc comment).
            pub fn doc(self) -> &'static str {
                match self { $(Self::$variant => $doc),* }
            }

            /// What the field's values look like.
            pub fn shape(self) -> Shape {
                match self { $(Self::$variant => Shape::$shape),* }
            }
        }
    };
}

fields! {
    CustomerName = "customer.name", Customer, Pii, Text, "The customer's full name.";
    CustomerEmail = "customer.email", Customer, Pii, Email, "The customer's e-mail address.";
    CustomerPhone = "customer.phone", Customer, Pii, Phone, "The customer's phone number.";
    CustomerDateOfBirth = "customer.date_of_birth", Customer, Pii, Date, "The customer's date of birth.";
    CustomerAddress = "customer.address", Customer, Pii, Text, "The customer's postal address.";
    CustomerTier = "customer.tier", Customer, Internal, Text, "The service tier (standard, plus, premium).";
    CustomerStatus = "customer.status", Customer, Public, Text, "Active, suspended or closed.";
    CustomerCreatedAt = "customer.created_at", Customer, Internal, Date, "When the customer joined.";
    AccountNumber = "account.number", Account, Restricted, Identifier, "The account's IBAN.";
    AccountCurrency = "account.currency", Account, Public, Text, "The account's currency (ISO 4217).";
    AccountBalance = "account.balance", Account, Internal, Number, "The balance in minor units.";
    AccountStatus = "account.status", Account, Public, Text, "Open, frozen or closed.";
    AccountOpenedAt = "account.opened_at", Account, Internal, Date, "When the account was opened.";
    CardNumber = "card.number", Card, Restricted, Identifier, "The card's number (PAN).";
    CardBrand = "card.brand", Card, Public, Text, "Visa, Mastercard, …";
    CardExpiry = "card.expiry", Card, Internal, Text, "Expiry as MM/YY.";
    CardStatus = "card.status", Card, Public, Text, "Active, blocked or expired.";
    TransactionTime = "transaction.time", Transaction, Public, Date, "When the payment happened.";
    TransactionAmount = "transaction.amount", Transaction, Internal, Number, "The amount in minor units.";
    TransactionCurrency = "transaction.currency", Transaction, Public, Text, "The payment's currency.";
    TransactionMerchant = "transaction.merchant", Transaction, Internal, Text, "Who was paid.";
    TransactionStatus = "transaction.status", Transaction, Public, Text, "Pending, settled, declined, refunded or disputed.";
    TransactionCardNumber = "transaction.card_number", Transaction, Restricted, Identifier, "The card used.";
    TransactionIpAddress = "transaction.ip_address", Transaction, Pii, Text, "Where an online payment came from.";
    TransactionDescription = "transaction.description", Transaction, Internal, FreeText, "The payment's reference text.";
    TicketSubject = "ticket.subject", Ticket, Internal, FreeText, "The ticket's subject line.";
    TicketStatus = "ticket.status", Ticket, Public, Text, "Open, pending or closed.";
    TicketPriority = "ticket.priority", Ticket, Public, Text, "Low, normal, high or urgent.";
    TicketCreatedAt = "ticket.created_at", Ticket, Public, Date, "When the ticket was opened.";
    TicketUpdatedAt = "ticket.updated_at", Ticket, Public, Date, "When the ticket last changed.";
    MessageAuthor = "message.author", Message, Internal, Text, "Who wrote the message.";
    MessageTime = "message.time", Message, Public, Date, "When the message was written.";
    MessageBody = "message.body", Message, Internal, FreeText, "What the message says.";
    MessageInternalNotes = "message.internal_notes", Message, Internal, FreeText, "Agents' internal notes on a ticket; the customer never sees them.";
}

name_conversions!(Field, "field");

impl Field {
    /// The redaction that shows most of this field: `full`, or for a restricted field its
    /// partial form (or `hidden` when it has none).
    pub fn widest_redaction(self) -> Redaction {
        if self.allows(Redaction::Full) {
            Redaction::Full
        } else {
            self.shape().partial().unwrap_or(Redaction::Hidden)
        }
    }

    /// Whether `redaction` makes sense for this field. Restricted fields never leave the server
    /// whole, so `full` is not allowed for them; free text is shown scrubbed or not at all.
    pub fn allows(self, redaction: Redaction) -> bool {
        match redaction {
            Redaction::Hidden => true,
            Redaction::Full => self.class() != FieldClass::Restricted,
            partial => self.shape().partial() == Some(partial),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_are_kind_dot_name_and_round_trip() {
        for &field in Field::ALL {
            let name = field.as_str();
            let (kind, rest) = name.split_once('.').expect("kind.field");
            assert_eq!(kind, field.kind().as_str(), "{name}");
            assert!(!rest.is_empty());
            assert_eq!(name.parse::<Field>(), Ok(field));
            assert_eq!(
                serde_json::to_string(&field).unwrap(),
                format!("\"{name}\"")
            );
        }
        assert!("customer.ssn".parse::<Field>().is_err());
    }

    #[test]
    fn restricted_fields_never_allow_full_and_free_text_has_no_partial_form() {
        for &field in Field::ALL {
            assert!(field.allows(Redaction::Hidden));
            if field.class() == FieldClass::Restricted {
                assert!(!field.allows(Redaction::Full), "{field}");
            }
            if field.shape() == Shape::FreeText {
                let allowed: Vec<_> = Redaction::ALL
                    .iter()
                    .copied()
                    .filter(|r| field.allows(*r))
                    .collect();
                assert_eq!(allowed, [Redaction::Full, Redaction::Hidden], "{field}");
            }
        }
        assert!(Field::CustomerEmail.allows(Redaction::MaskEmail));
        assert!(!Field::CustomerEmail.allows(Redaction::Last4));
        assert!(Field::CardNumber.allows(Redaction::Last4));
        assert!(!Field::CustomerDateOfBirth.allows(Redaction::MaskPhone));
    }

    #[test]
    fn absent_fields_are_absent_from_json_and_unknown_fields_are_refused() {
        let customer = Customer {
            id: 7,
            name: Some("Ada".into()),
            ..Customer::default()
        };
        let json = serde_json::to_value(&customer).unwrap();
        assert_eq!(json, serde_json::json!({"id": 7, "name": "Ada"}));
        let err = serde_json::from_str::<Customer>(r#"{"id":1,"ssn":"x"}"#).unwrap_err();
        assert!(err.to_string().contains("ssn"), "{err}");
    }
}
