//! What the wire bodies' derives cannot say: the actions an offline view may name, and the
//! meaning of each error code and of each reason a view is refused, from the vocabulary itself.

use desk_core::AuditAction;
use serde_json::{Value, json};

use crate::{ApiCode, ViewRefusal};

desk_core::schema_type! {
    /// The online actions an offline view may name ([`AuditAction::OFFLINE_VIEWS`]).
    OfflineActions => json!({
        "type": "string",
        "enum": AuditAction::OFFLINE_VIEWS.iter().map(|a| a.as_str()).collect::<Vec<_>>(),
    })
}

/// Writes the actions an offline view may name, the meaning of each error code and of each
/// reason a view is refused into `document`.
pub fn describe(document: &mut Value) {
    desk_core::openapi::fill(document, &[(OfflineActions::TITLE, OfflineActions::json())]);
    list_values(
        &mut document["components"]["schemas"]["ApiCode"],
        ApiCode::ALL.iter().map(|c| (c.as_str(), c.doc())),
    );
    list_values(
        &mut document["components"]["schemas"]["ViewRefusal"],
        ViewRefusal::ALL.iter().map(|r| (r.as_str(), r.doc())),
    );
}

/// Adds each value of a closed set, with what it means, to its schema's description.
fn list_values<'a>(schema: &mut Value, values: impl Iterator<Item = (&'a str, &'a str)>) {
    let intro = schema["description"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let values: Vec<String> = values
        .map(|(name, doc)| format!("- `{name}`: {doc}"))
        .collect();
    schema["description"] = Value::String(format!("{intro}\n\n{}", values.join("\n")));
}
