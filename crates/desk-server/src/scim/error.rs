//! How the SCIM core says no (RFC 7644 §3.12): an HTTP status, a `scimType` from the RFC's set and
//! a detail for a person, written as the SCIM error body. A detail quotes the client's input only
//! through [`excerpt`]: a bounded, printable part of it.

use serde_json::{Value, json};

/// The schema URN of a SCIM error body.
pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// The most characters of client input a detail quotes.
pub const EXCERPT_CHARS: usize = 40;

/// The `scimType` values of RFC 7644 §3.12, spelled there as here ([`ScimType::as_str`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScimType {
    /// The filter syntax was invalid, or an attribute or operator is not supported.
    InvalidFilter,
    /// The filter yields more results than the server will return.
    TooMany,
    /// One or more attribute values are already in use.
    Uniqueness,
    /// The change is not compatible with the attribute's mutability.
    Mutability,
    /// The request body was invalid or did not follow the request schema.
    InvalidSyntax,
    /// The `path` was invalid or malformed.
    InvalidPath,
    /// The `path` did not yield an attribute or value that could be operated on.
    NoTarget,
    /// A required value was missing or a value is not compatible with the attribute's type.
    InvalidValue,
    /// The protocol version is not supported.
    InvalidVers,
    /// The request cannot be completed because of sensitive information in its URI.
    Sensitive,
}

impl ScimType {
    /// Every `scimType` of the RFC.
    pub const ALL: [ScimType; 10] = [
        Self::InvalidFilter,
        Self::TooMany,
        Self::Uniqueness,
        Self::Mutability,
        Self::InvalidSyntax,
        Self::InvalidPath,
        Self::NoTarget,
        Self::InvalidValue,
        Self::InvalidVers,
        Self::Sensitive,
    ];

    /// The RFC's spelling, as sent in `scimType`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidFilter => "invalidFilter",
            Self::TooMany => "tooMany",
            Self::Uniqueness => "uniqueness",
            Self::Mutability => "mutability",
            Self::InvalidSyntax => "invalidSyntax",
            Self::InvalidPath => "invalidPath",
            Self::NoTarget => "noTarget",
            Self::InvalidValue => "invalidValue",
            Self::InvalidVers => "invalidVers",
            Self::Sensitive => "sensitive",
        }
    }
}

/// A SCIM refusal: the status, the `scimType` when there is one, and a detail for a person.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("SCIM {status}: {detail}")]
pub struct ScimError {
    /// The HTTP status.
    pub status: u16,
    /// What kind of refusal, when the RFC names one.
    pub scim_type: Option<ScimType>,
    /// What is wrong, for a person.
    pub detail: String,
}

impl ScimError {
    /// A 400 of `scim_type` with `detail`.
    pub fn bad_request(scim_type: ScimType, detail: impl Into<String>) -> Self {
        Self {
            status: 400,
            scim_type: Some(scim_type),
            detail: detail.into(),
        }
    }

    /// The SCIM error body (RFC 7644 §3.12); `status` is a string there.
    pub fn body(&self) -> Value {
        let mut body = json!({
            "schemas": [ERROR_SCHEMA],
            "status": self.status.to_string(),
            "detail": self.detail,
        });
        if let (Some(t), Some(map)) = (self.scim_type, body.as_object_mut()) {
            map.insert("scimType".into(), t.as_str().into());
        }
        body
    }
}

/// At most [`EXCERPT_CHARS`] characters of `input`, control and format characters replaced by
/// `?`, with `…` when cut: what a detail may quote of what a client sent.
pub fn excerpt(input: &str) -> String {
    let mut out: String = input
        .chars()
        .take(EXCERPT_CHARS)
        .map(|c| {
            let format = matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}');
            if c.is_control() || format { '?' } else { c }
        })
        .collect();
    if input.chars().nth(EXCERPT_CHARS).is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_is_the_rfcs_with_status_as_a_string() {
        let e = ScimError::bad_request(ScimType::InvalidFilter, "Bad filter.");
        assert_eq!(
            e.body(),
            json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                "status": "400",
                "scimType": "invalidFilter",
                "detail": "Bad filter.",
            })
        );
        let plain = ScimError {
            status: 404,
            scim_type: None,
            detail: "No such user.".into(),
        };
        assert_eq!(plain.body().get("scimType"), None);
        assert_eq!(plain.body()["status"], "404");
    }

    #[test]
    fn every_scim_type_is_spelled_as_the_rfc_spells_it() {
        let all = [
            (ScimType::InvalidFilter, "invalidFilter"),
            (ScimType::TooMany, "tooMany"),
            (ScimType::Uniqueness, "uniqueness"),
            (ScimType::Mutability, "mutability"),
            (ScimType::InvalidSyntax, "invalidSyntax"),
            (ScimType::InvalidPath, "invalidPath"),
            (ScimType::NoTarget, "noTarget"),
            (ScimType::InvalidValue, "invalidValue"),
            (ScimType::InvalidVers, "invalidVers"),
            (ScimType::Sensitive, "sensitive"),
        ];
        for (t, spelled) in all {
            assert_eq!(t.as_str(), spelled);
        }
        assert_eq!(ScimType::ALL.to_vec(), all.map(|(t, _)| t).to_vec());
    }

    #[test]
    fn excerpts_are_short_and_printable() {
        assert_eq!(excerpt("userName"), "userName");
        assert_eq!(excerpt("a\u{1B}[31m\u{202E}b"), "a?[31m?b");
        let long = excerpt(&"x".repeat(5000));
        assert_eq!(long.chars().count(), EXCERPT_CHARS + 1);
        assert!(long.ends_with('…'));
    }
}
