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
///
/// The TypeScript derive is not written here but passed in by each caller with its attributes
/// (`#[cfg_attr(feature = "ts", derive(ts_rs::TS))]`): a `cfg` in a macro's output is read
/// against the features of the crate that calls the macro, so a `feature = "ts"` written here
/// would silently follow desk-app's features for its error codes (and be an unknown feature in
/// any crate without one). Passed in, each crate's use names its own feature and dependency.
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
pub mod changes;
pub mod claims;
pub mod field;
#[cfg(test)]
mod fuzz;
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
pub use policy::{Action, Known, Page, Policy, ReadBudget, RoleDefinition, SearchKey, Widget};
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

#[cfg(all(test, feature = "ts"))]
mod ts {
    //! The TypeScript types derived with the `ts` feature are the names the JSON carries: the
    //! window's unions cannot drift from `as_str` and serde's renames.

    use super::*;

    /// The quoted names of a union of string literals, `"a" | "b"`, in order.
    fn union_names<T: ts_rs::TS>() -> Vec<String> {
        let inline = T::inline(&ts_rs::Config::new());
        inline
            .split(" | ")
            .map(|part| {
                let name = part
                    .trim()
                    .strip_prefix('"')
                    .and_then(|p| p.strip_suffix('"'));
                name.unwrap_or_else(|| panic!("`{part}` of `{inline}` is not a string literal"))
                    .to_owned()
            })
            .collect()
    }

    /// `T`'s union lists `all`'s names, in order.
    fn assert_union<T: ts_rs::TS + Copy>(all: &[T], as_str: fn(T) -> &'static str) {
        let names: Vec<_> = all.iter().map(|&v| as_str(v).to_owned()).collect();
        assert_eq!(
            union_names::<T>(),
            names,
            "{}",
            T::name(&ts_rs::Config::new())
        );
    }

    #[test]
    fn each_typescript_union_is_the_names_of_its_closed_set() {
        assert_union(Page::ALL, Page::as_str);
        assert_union(Widget::ALL, Widget::as_str);
        assert_union(Action::ALL, Action::as_str);
        assert_union(SearchKey::ALL, SearchKey::as_str);
        assert_union(AuditAction::ALL, AuditAction::as_str);
        assert_union(Field::ALL, Field::as_str);
        assert_union(&RecordKind::ALL, RecordKind::as_str);
        assert_union(Role::ALL, Role::as_str);
        assert_union(&FieldClass::ALL, FieldClass::as_str);
        assert_union(Redaction::ALL, Redaction::as_str);
    }

    /// The members of a TypeScript object type `{ a: T, b?: U, }`, each with whether it is
    /// optional and its type; doc comments left out.
    fn object_members(inline: &str) -> Vec<(String, bool, String)> {
        let mut text = String::new();
        let mut rest = inline;
        while let Some(start) = rest.find("/**") {
            text.push_str(&rest[..start]);
            let end = rest[start..].find("*/").expect("a closed comment");
            rest = &rest[start + end + 2..];
        }
        text.push_str(rest);
        let body = text
            .trim()
            .strip_prefix('{')
            .and_then(|b| b.strip_suffix('}'));
        let body = body.unwrap_or_else(|| panic!("`{inline}` is not an object type"));
        body.split(',')
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .map(|member| {
                let (name, ty) = member.split_once(':').expect("`name: type`");
                let (name, optional) = match name.trim().strip_suffix('?') {
                    Some(name) => (name, true),
                    None => (name.trim(), false),
                };
                (name.to_owned(), optional, ty.trim().to_owned())
            })
            .collect()
    }

    /// `R`'s TypeScript type has the members its JSON has: the keys required, every catalogue
    /// field and nested list optional and never `null` (absent fields are left out of the JSON),
    /// integers as `number` (what JSON gives the window; `TS_RS_LARGE_INT` in
    /// `.cargo/config.toml`, which cargo sets for the tests too).
    fn assert_record<R: record::Record + ts_rs::TS + serde::Serialize>() {
        let cfg = ts_rs::Config::from_env();
        let members = object_members(&R::inline(&cfg));
        let filled: R = record::filled(|f| record::sample(f, "x")).expect("every field");
        let json = serde_json::to_value(&filled).unwrap();
        let mut expected: Vec<String> = json.as_object().unwrap().keys().cloned().collect();
        expected.extend(R::NESTED.iter().map(|n| n.to_string()));
        let mut names: Vec<String> = members.iter().map(|(n, _, _)| n.clone()).collect();
        expected.sort();
        names.sort();
        assert_eq!(names, expected, "{}", R::KIND);
        for (name, optional, ty) in &members {
            let key = R::KEYS.contains(&name.as_str());
            assert_eq!(*optional, !key, "{}.{name}: `{ty}`", R::KIND);
            assert!(!ty.contains("null"), "{}.{name}: `{ty}`", R::KIND);
            assert!(!ty.contains("bigint"), "{}.{name}: `{ty}`", R::KIND);
        }
    }

    #[test]
    fn each_record_type_has_its_keys_required_and_its_fields_optional() {
        assert_record::<record::Customer>();
        assert_record::<record::Account>();
        assert_record::<record::Card>();
        assert_record::<record::Transaction>();
        assert_record::<record::Ticket>();
        assert_record::<record::Message>();
        let amount = object_members(&<record::Transaction as ts_rs::TS>::inline(
            &ts_rs::Config::from_env(),
        ))
        .into_iter()
        .find(|(name, _, _)| name == "amount");
        assert_eq!(amount, Some(("amount".into(), true, "number".into())));
    }

    #[test]
    fn a_union_that_is_not_of_names_is_refused() {
        let refused = std::panic::catch_unwind(union_names::<u8>);
        assert!(refused.is_err(), "a number is not a union of names");
    }
}
