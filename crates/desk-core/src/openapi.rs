//! The catalogue written into desk-server's OpenAPI document: what the schema derives cannot say.
//!
//! With `feature = "openapi"`, the vocabulary, the records and the policy types derive their
//! schemas (their doc comments become the descriptions). [`describe`] then adds, from the same
//! declarations, what a derive does not know: each closed set's values with their meaning (and a
//! widget's page and needs), and for each record member its field, class, redactions and
//! examples. The maps that have no derive of their own (field → redaction, page → widgets, kind →
//! time to live) are schema types here, built from the catalogue.

pub use serde_json;
pub use utoipa;

use serde_json::{Map, Value, json};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::Schema;

use crate::field::Redaction;
use crate::policy::MAX_CACHE_SECS;
use crate::policy::{Action, Needs, Page, SearchKey, Widget};
use crate::record::{Account, Card, Customer, Field, Message, Shape, Ticket, Transaction};
use crate::{AuditAction, Role};

/// A member of a record type that holds a catalogue field (`record!` lists them).
#[derive(Debug, Clone, Copy)]
pub struct Member {
    /// The member's name in JSON.
    pub name: &'static str,
    /// The field it holds.
    pub field: Field,
    /// The field it holds instead when its flag is set (a message's body in an internal note).
    pub alt: Option<Field>,
    /// What the member's doc comment adds to the field's description (its lines).
    pub doc: &'static str,
}

/// The catalogue members of a record type.
pub trait Members {
    /// Every member holding a catalogue field, in declaration order.
    const MEMBERS: &'static [Member];
}

/// The schema a [`schema_type!`] stands for until [`fill`] writes the JSON in: an object titled
/// with `title`.
pub fn placeholder(title: &str) -> RefOr<Schema> {
    utoipa::openapi::ObjectBuilder::new()
        .title(Some(title))
        .build()
        .into()
}

/// Declares a type that stands for a schema written as JSON (the document's own form, which
/// says things utoipa's model cannot, like `propertyNames`): for members whose Rust type says
/// less than the wire does (`#[schema(value_type = X)]`), and for bodies that are not JSON. The
/// generated document holds a placeholder until [`fill`] replaces it with `X::json()`.
#[macro_export]
macro_rules! schema_type {
    ($(#[$meta:meta])* $name:ident => $json:expr) => {
        $(#[$meta])*
        pub struct $name;

        impl $name {
            /// The title of this schema's placeholder.
            pub const TITLE: &'static str = concat!("x-desk-schema:", stringify!($name));

            /// The schema.
            pub fn json() -> $crate::openapi::serde_json::Value {
                $json
            }
        }

        impl $crate::openapi::utoipa::PartialSchema for $name {
            fn schema() -> $crate::openapi::utoipa::openapi::RefOr<
                $crate::openapi::utoipa::openapi::schema::Schema,
            > {
                $crate::openapi::placeholder(Self::TITLE)
            }
        }

        impl $crate::openapi::utoipa::ToSchema for $name {}
    };
}

/// Replaces each placeholder in `document` by its schema (`(TITLE, json())` pairs). A
/// description the placeholder was given (a member's doc comment) is kept.
pub fn fill(document: &mut Value, schemas: &[(&str, Value)]) {
    match document {
        Value::Object(object) => {
            let title = object.get("title").and_then(Value::as_str);
            if let Some((_, schema)) = schemas.iter().find(|(t, _)| Some(*t) == title) {
                let description = object.remove("description");
                *document = schema.clone();
                if let (Some(d), Some(o)) = (description, document.as_object_mut()) {
                    o.insert("description".into(), d);
                }
                return;
            }
            object.values_mut().for_each(|v| fill(v, schemas));
        }
        Value::Array(items) => items.iter_mut().for_each(|v| fill(v, schemas)),
        _ => {}
    }
}

schema_type! {
    /// The redaction of each field, keyed by field name, each field with the redactions that fit it.
    FieldRedactions => field_redactions()
}

schema_type! {
    /// Record kinds that may be cached, each with its time to live in seconds.
    TtlSecs => json!({
        "type": "object",
        "propertyNames": {"$ref": "#/components/schemas/RecordKind"},
        "additionalProperties": {
            "type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_CACHE_SECS,
        },
        "default": {},
        "examples": [{"customer": 28800, "ticket": 28800}],
    })
}

schema_type! {
    /// Page → its widgets, in display order.
    PageWidgets => json!({
        "type": "object",
        "propertyNames": {"$ref": "#/components/schemas/Page"},
        "additionalProperties": {
            "type": "array", "uniqueItems": true,
            "items": {"$ref": "#/components/schemas/Widget"},
        },
    })
}

fn field_redactions() -> Value {
    let properties: Map<String, Value> = Field::ALL
        .iter()
        .map(|&field| {
            let fitting: Vec<&str> = Redaction::ALL
                .iter()
                .filter(|r| field.allows(**r))
                .map(|r| r.as_str())
                .collect();
            let schema = json!({
                "$ref": "#/components/schemas/Redaction",
                "enum": fitting,
                "description": format!("{} Class `{}`.", field.doc(), field.class()),
            });
            (field.as_str().to_owned(), schema)
        })
        .collect();
    json!({
        "type": "object",
        "description": "The redaction of each field, keyed by field name. Each field lists the \
            redactions that fit it (its class and shape): restricted fields are never `full`, \
            free text is `full` (scrubbed) or `hidden`, and each mask applies only to its kind of \
            value. In a role definition, a field not listed is hidden; a redaction that does not \
            fit its field is refused with `invalid_definition`, an unknown field or redaction \
            name with `invalid_body`.",
        "additionalProperties": false,
        "properties": properties,
        "propertyNames": {"$ref": "#/components/schemas/Field"},
    })
}

/// Writes the catalogue into `document` (an OpenAPI document as JSON): the values of each closed
/// set with their meaning, and each record member's field, redactions and examples.
pub fn describe(document: &mut Value) {
    fill(
        document,
        &[
            (FieldRedactions::TITLE, FieldRedactions::json()),
            (TtlSecs::TITLE, TtlSecs::json()),
            (PageWidgets::TITLE, PageWidgets::json()),
        ],
    );
    let schemas = &mut document["components"]["schemas"];
    let values = |all: &[(&str, String)]| -> String {
        all.iter()
            .map(|(name, doc)| format!("- `{name}`: {doc}"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let lists: [(&str, Vec<(&str, String)>); 7] = [
        ("Role", named(Role::ALL, |r| r.as_str(), |r| r.doc().into())),
        ("Page", named(Page::ALL, |p| p.as_str(), |p| p.doc().into())),
        ("Widget", named(Widget::ALL, |w| w.as_str(), widget_doc)),
        (
            "Action",
            named(Action::ALL, |a| a.as_str(), |a| a.doc().into()),
        ),
        (
            "SearchKey",
            named(SearchKey::ALL, |k| k.as_str(), search_key_doc),
        ),
        (
            "Redaction",
            named(Redaction::ALL, |r| r.as_str(), |r| r.doc().into()),
        ),
        (
            "AuditAction",
            named(AuditAction::ALL, |a| a.as_str(), |a| a.doc().into()),
        ),
    ];
    for (name, all) in lists {
        let schema = schemas
            .get_mut(name)
            .unwrap_or_else(|| panic!("the document has no schema `{name}` to describe"));
        let intro = schema["description"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        schema["description"] = Value::String(format!("{intro}\n\n{}", values(&all)));
    }
    describe_members::<Customer>(schemas, "Customer");
    describe_members::<Account>(schemas, "Account");
    describe_members::<Card>(schemas, "Card");
    describe_members::<Transaction>(schemas, "Transaction");
    describe_members::<Ticket>(schemas, "Ticket");
    describe_members::<Message>(schemas, "Message");
}

fn named<T: Copy>(
    all: &[T],
    name: impl Fn(T) -> &'static str,
    doc: impl Fn(T) -> String,
) -> Vec<(&'static str, String)> {
    all.iter().map(|&v| (name(v), doc(v))).collect()
}

fn widget_doc(widget: Widget) -> String {
    let needs: Vec<String> = widget
        .needs()
        .iter()
        .map(|need| match need {
            Needs::Kind(kind) => format!("a visible `{kind}` field"),
            Needs::Field(field) => format!("field `{field}`"),
            Needs::Action(action) => format!("action `{action}`"),
        })
        .collect();
    format!(
        "{} Page `{}`; needs {}.",
        widget.doc(),
        widget.page(),
        needs.join(" and ")
    )
}

fn search_key_doc(key: SearchKey) -> String {
    format!("{} Searches `{}`.", key.doc(), key.field())
}

/// What a role receives of a field under each redaction that fits it.
fn redactions_note(field: Field) -> String {
    if field.shape() == Shape::FreeText {
        return "Free text: scrubbed of personal data the role cannot see in the structured \
                fields; card numbers, IBANs and national ids are always masked."
            .into();
    }
    let partial = match field.shape() {
        Shape::Email => Some(
            "`j•••@example.com` under `mask_email` (`•••` when the value is not a plausible \
             address)",
        ),
        Shape::Phone => Some(
            "`•••23` under `mask_phone`, only the last two digits (`•••` with fewer than four \
             digits)",
        ),
        Shape::Identifier => Some(
            "`•••• 1234` under `last4`, only the last four letters or digits (`••••` when the \
             value has fewer than eight)",
        ),
        Shape::Date => {
            Some("`1985` under `year_only` (`•••` when the value does not start with a year)")
        }
        Shape::Text | Shape::Number | Shape::FreeText => None,
    };
    match (field.allows(Redaction::Full), partial) {
        (true, Some(partial)) => format!("Shown whole under `full`; {partial}."),
        (false, Some(partial)) => format!("Never shown whole (restricted): {partial}."),
        (true, None) if field.shape() == Shape::Number => "Shown whole or absent.".into(),
        (true, None) => "Shown whole under `full`.".into(),
        (false, None) => "Never shown.".into(),
    }
}

/// The member's description: the field, its class and redactions, then what the member's own doc
/// comment adds.
fn describe_members<R: Members>(schemas: &mut Value, name: &str) {
    let schema = schemas
        .get_mut(name)
        .unwrap_or_else(|| panic!("the document has no schema `{name}` to describe"));
    for member in R::MEMBERS {
        let property = &mut schema["properties"][member.name];
        let extra: Vec<&str> = member.doc.lines().map(str::trim).collect();
        let extra = extra.join(" ");
        let field = member.field;
        let what = match member.alt {
            None => format!("`{field}` ({}): {}", field.class(), field.doc()),
            Some(alt) => format!(
                "{}: `{field}` ({}) for a message, `{alt}` ({}) for an internal note.",
                field.doc().trim_end_matches('.'),
                field.class(),
                alt.class()
            ),
        };
        let mut text = format!(
            "{what} {} Absent when the role may not see it.",
            redactions_note(field)
        );
        if !extra.is_empty() {
            text = format!("{text} {extra}");
        }
        property["description"] = Value::String(text);
        property["examples"] = examples(field);
    }
}

/// What a role may receive of a field: the partial form first, then the whole value when it may
/// be shown whole.
fn examples(field: Field) -> Value {
    let sample = example(field);
    let Value::String(text) = &sample else {
        return json!([sample]);
    };
    let mut shown = Vec::new();
    if let Some(partial) = field.shape().partial() {
        shown.extend(crate::redact::apply(partial, text).map(Value::String));
    }
    if field.allows(Redaction::Full) {
        shown.push(sample.clone());
    }
    Value::Array(shown)
}

/// A value of each field as the server holds it. A new field needs its example here.
fn example(field: Field) -> Value {
    use Field::*;
    match field {
        CustomerName => json!("Jane Doe"),
        CustomerEmail => json!("jane.doe@example.com"),
        CustomerPhone => json!("+44 7700 900123"),
        CustomerDateOfBirth => json!("1985-03-14"),
        CustomerAddress => json!("1 High Street, Springfield"),
        CustomerTier => json!("plus"),
        CustomerStatus => json!("active"),
        CustomerCreatedAt => json!("2019-05-02T10:00:00Z"),
        AccountNumber => json!("GB33BUKB20201555555555"),
        AccountCurrency => json!("GBP"),
        AccountBalance => json!(125050),
        AccountStatus => json!("open"),
        AccountOpenedAt => json!("2019-05-02T10:00:00Z"),
        CardNumber => json!("4111111111111234"),
        CardBrand => json!("Visa"),
        CardExpiry => json!("09/28"),
        CardStatus => json!("active"),
        TransactionTime => json!("2026-03-14T08:00:00Z"),
        TransactionAmount => json!(-1999),
        TransactionCurrency => json!("GBP"),
        TransactionMerchant => json!("Coffee Corner"),
        TransactionStatus => json!("settled"),
        TransactionCardNumber => json!("4111111111111234"),
        TransactionIpAddress => json!("203.0.113.7"),
        TransactionDescription => json!("Refund for order 1182"),
        TicketSubject => json!("Card declined abroad"),
        TicketStatus => json!("open"),
        TicketPriority => json!("normal"),
        TicketCreatedAt => json!("2026-03-14T08:00:00Z"),
        TicketUpdatedAt => json!("2026-03-15T09:30:00.000Z"),
        MessageAuthor => json!("agent1"),
        MessageTime => json!("2026-03-15T09:30:00.000Z"),
        MessageBody => json!("We have refunded you."),
        MessageInternalNotes => json!("Escalated to payments."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_record_member_holding_a_field_is_described_once() {
        let mut described: Vec<Field> = Vec::new();
        for members in [
            Customer::MEMBERS,
            Account::MEMBERS,
            Card::MEMBERS,
            Transaction::MEMBERS,
            Ticket::MEMBERS,
            Message::MEMBERS,
        ] {
            for m in members {
                described.push(m.field);
                described.extend(m.alt);
            }
        }
        described.sort();
        assert_eq!(described, Field::ALL, "each field is one member's");
    }

    #[test]
    fn every_example_fits_its_field_and_every_partial_form_is_redacted() {
        for &field in Field::ALL {
            let shown = examples(field);
            assert!(!shown.as_array().unwrap().is_empty(), "{field}");
            if let (Some(partial), Value::String(text)) = (field.shape().partial(), example(field))
            {
                let masked = crate::redact::apply(partial, &text).unwrap();
                assert!(crate::redact::is_redacted_as(partial, &masked), "{field}");
            }
        }
    }
}
