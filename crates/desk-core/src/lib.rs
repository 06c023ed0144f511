//! The domain of Support Desk, free of I/O.
//!
//! Everything here is a value or a rule over values: the catalogue of customer fields with their
//! classes ([`record`]), the redactions and how they are applied ([`redact`]), free-text
//! scrubbing ([`scrub`]), roles, role definitions and the effective policy the server answers
//! through and the cache checks against ([`policy`]), signed policies and their verification
//! ([`signed`]), and reading a provider's groups claim ([`claims`]). Nothing in this crate reads a
//! file, a socket, a clock or the environment — time and randomness come in as arguments — so
//! every rule in it is tested as a pure function.
#![deny(missing_docs)]

/// Implements `Display` and `FromStr` for a closed set of names with `ALL` and `as_str`.
#[macro_export]
macro_rules! name_conversions {
    ($ty:ty, $kind:literal) => {
        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $ty {
            type Err = $crate::UnknownName;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == s)
                    .ok_or_else(|| $crate::UnknownName::new($kind, s))
            }
        }
    };
}

/// Declares a closed set of names: an enum with `ALL`, `as_str`, serde under those names, and
/// `Display`/`FromStr` through [`name_conversions!`]. Other crates declare their closed sets
/// (desk-app's error codes) with it too; they need `serde` as a dependency.
#[macro_export]
macro_rules! closed_names {
    ($(#[$meta:meta])* $name:ident, $kind:literal { $($variant:ident = $text:tt, $doc:literal;)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, ::serde::Serialize, ::serde::Deserialize)]
        pub enum $name {
            $(
                #[doc = $doc]
                #[serde(rename = $text)]
                $variant,
            )*
        }

        impl $name {
            /// Every value.
            pub const ALL: &'static [$name] = &[$(Self::$variant),*];

            /// The name used in policies and configuration.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),* }
            }

            /// What the value means, in one sentence (its doc comment).
            pub fn doc(self) -> &'static str {
                match self { $(Self::$variant => $doc),* }
            }
        }

        $crate::name_conversions!($name, $kind);
    };
}

pub mod audit;
pub mod claims;
pub mod field;
#[cfg(feature = "openapi")]
pub mod openapi;
pub mod policy;
pub mod record;
pub mod redact;
pub mod role;
pub mod scrub;
pub mod signed;

pub use audit::AuditAction;
pub use field::{FieldClass, Redaction};
pub use policy::{Action, Known, Page, Policy, RoleDefinition, SearchKey, Widget};
pub use record::{Field, RecordKind};
pub use role::Role;

/// A name that does not denote any known value of a closed set (a class, a redaction, a role).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} `{value}`")]
pub struct UnknownName {
    /// What kind of name was expected, such as "role".
    pub kind: &'static str,
    /// The name that was given, cut to a bounded length so hostile input cannot flood a message.
    pub value: String,
}

impl UnknownName {
    /// The error for `value`, not a `kind` name (cut to 64 characters).
    pub fn new(kind: &'static str, value: &str) -> Self {
        let value = value.chars().take(64).collect();
        Self { kind, value }
    }
}
