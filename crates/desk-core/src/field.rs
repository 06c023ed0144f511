//! Field classes and the redactions a policy can apply to a field.

use serde::{Deserialize, Serialize};

/// How sensitive a customer field is. Ordered from least to most sensitive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum FieldClass {
    /// Safe to show anyone who may see the record at all (a ticket's status).
    Public,
    /// Business data that is not personal (a customer's tier).
    Internal,
    /// Personal data: shown to roles that need it, otherwise masked.
    Pii,
    /// Data that must never leave the server unmasked and is never cached (card numbers, IBANs).
    Restricted,
}

impl FieldClass {
    /// Every class, least sensitive first.
    pub const ALL: [FieldClass; 4] = [Self::Public, Self::Internal, Self::Pii, Self::Restricted];

    /// The class's name as it appears in policies and configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Internal => "internal",
            Self::Pii => "pii",
            Self::Restricted => "restricted",
        }
    }

    /// Whether a value of this class may be written to the local cache in some redacted form.
    /// Restricted fields are never cached, whatever the role.
    pub fn cacheable(self) -> bool {
        self != Self::Restricted
    }
}

closed_names! {
    /// What happens to a field's value before a role sees it.
    #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    Redaction, "redaction" {
        Full = "full", "The value is shown as it is (never allowed for restricted fields).";
        MaskEmail = "mask_email", "`jane.doe@example.com` becomes `j•••@example.com` (e-mail fields only).";
        MaskPhone = "mask_phone", "Only the last two digits of a phone number stay visible: `•••23` (phone fields only).";
        Last4 = "last4", "Only the last four characters stay visible: `•••• 1234` (card and account numbers only).";
        YearOnly = "year_only", "A date keeps only its year: `1985` (date fields only).";
        Hidden = "hidden", "The field is absent from what the role receives.";
    }
}

name_conversions!(FieldClass, "field class");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_text_and_json() {
        for class in FieldClass::ALL {
            assert_eq!(class.as_str().parse::<FieldClass>(), Ok(class));
            let json = serde_json::to_string(&class).unwrap();
            assert_eq!(json, format!("\"{class}\""));
        }
        for &redaction in Redaction::ALL {
            assert_eq!(redaction.as_str().parse::<Redaction>(), Ok(redaction));
            let json = serde_json::to_string(&redaction).unwrap();
            assert_eq!(serde_json::from_str::<Redaction>(&json).unwrap(), redaction);
        }
    }

    #[test]
    fn unknown_names_are_refused_with_a_bounded_message() {
        let hostile = "x".repeat(10_000);
        let err = hostile.parse::<Redaction>().unwrap_err();
        assert_eq!(err.kind, "redaction");
        assert!(err.to_string().len() < 100, "{err}");
        assert!(
            "Full".parse::<Redaction>().is_err(),
            "names are case-sensitive"
        );
        assert!(serde_json::from_str::<FieldClass>("\"secret\"").is_err());
    }

    #[test]
    fn restricted_is_the_only_class_never_cached() {
        let never: Vec<_> = FieldClass::ALL
            .into_iter()
            .filter(|c| !c.cacheable())
            .collect();
        assert_eq!(never, [FieldClass::Restricted]);
        assert!(FieldClass::Restricted > FieldClass::Pii && FieldClass::Pii > FieldClass::Public);
    }
}
