//! What the wire bodies' derives cannot say: the actions an offline view may name, and the
//! meaning of each error code, both from the vocabulary itself.

use desk_core::AuditAction;
use serde_json::{Value, json};

use crate::ApiCode;

desk_core::schema_type! {
    /// The online actions an offline view may name ([`AuditAction::OFFLINE_VIEWS`]).
    OfflineActions => json!({
        "type": "string",
        "enum": AuditAction::OFFLINE_VIEWS.iter().map(|a| a.as_str()).collect::<Vec<_>>(),
    })
}

/// Writes the actions an offline view may name and the meaning of each error code into
/// `document`.
pub fn describe(document: &mut Value) {
    desk_core::openapi::fill(document, &[(OfflineActions::TITLE, OfflineActions::json())]);
    let schema = &mut document["components"]["schemas"]["ApiCode"];
    let intro = schema["description"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let values: Vec<String> = ApiCode::ALL
        .iter()
        .map(|code| format!("- `{code}`: {}", code.doc()))
        .collect();
    schema["description"] = Value::String(format!("{intro}\n\n{}", values.join("\n")));
}
