//! Walking a record's fields from the catalogue.
//!
//! [`Fields`] visits every catalogue field a value holds, as a [`Field`] and its [`Value`];
//! [`Record`] adds what rebuilding a record takes: its keys, and [`Record::set`] for one field.
//! The record types are declared through `record!` (in [`super::types`]) and other types that
//! hold a record's fields (the server's stored rows) through [`crate::impl_fields!`], so the
//! server's views, the cache's preparation and its guard are each one loop over the same walk,
//! and a field is named once: in the catalogue, and in the one line that says where a type keeps
//! it. A struct field that no catalogue entry names cannot be declared, and a catalogue entry that
//! a record does not hold fails `every_catalogue_field_is_walked` (below) and the exhaustiveness
//! tests of the server and the cache.

use std::convert::Infallible;

#[cfg(test)]
use serde::Serialize;

use super::{Field, RecordKind, Shape};

/// A field's value, borrowed as `Value<&str>` when walking and owned as `Value<String>` when
/// rebuilding. Numbers are amounts in minor units; everything else is text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value<S> {
    /// Text, `None` when absent.
    Text(Option<S>),
    /// A number, `None` when absent.
    Number(Option<i64>),
}

impl<S> Value<S> {
    /// Whether the value is there.
    pub fn is_present(&self) -> bool {
        match self {
            Self::Text(t) => t.is_some(),
            Self::Number(n) => n.is_some(),
        }
    }

    /// The same kind of value, absent.
    pub fn absent(&self) -> Value<String> {
        match self {
            Self::Text(_) => Value::Text(None),
            Self::Number(_) => Value::Number(None),
        }
    }
}

impl Value<&str> {
    /// An owned copy.
    pub fn to_owned(self) -> Value<String> {
        match self {
            Self::Text(t) => Value::Text(t.map(str::to_owned)),
            Self::Number(n) => Value::Number(n),
        }
    }
}

/// How a struct field holds a catalogue field's value: text or a number, optional or not.
pub trait AsValue {
    /// The value as the walk sees it.
    fn as_value(&self) -> Value<&str>;
}

impl AsValue for String {
    fn as_value(&self) -> Value<&str> {
        Value::Text(Some(self))
    }
}

impl AsValue for Option<String> {
    fn as_value(&self) -> Value<&str> {
        Value::Text(self.as_deref())
    }
}

impl AsValue for i64 {
    fn as_value(&self) -> Value<&str> {
        Value::Number(Some(*self))
    }
}

impl AsValue for Option<i64> {
    fn as_value(&self) -> Value<&str> {
        Value::Number(*self)
    }
}

/// How a record's optional field takes a rebuilt value.
pub trait FromValue: Sized {
    /// The field's new content, or `None` when the value is of the other kind.
    fn from_value(value: Value<String>) -> Option<Self>;
}

impl FromValue for Option<String> {
    fn from_value(value: Value<String>) -> Option<Self> {
        match value {
            Value::Text(t) => Some(t),
            Value::Number(_) => None,
        }
    }
}

impl FromValue for Option<i64> {
    fn from_value(value: Value<String>) -> Option<Self> {
        match value {
            Value::Number(n) => Some(n),
            Value::Text(_) => None,
        }
    }
}

/// A value holding catalogue fields, walked in declaration order.
pub trait Fields {
    /// Calls `f` with every catalogue field this value holds (present or absent), stopping at the
    /// first error.
    fn try_visit<'a, E>(
        &'a self,
        f: impl FnMut(Field, Value<&'a str>) -> Result<(), E>,
    ) -> Result<(), E>;

    /// Calls `f` with every catalogue field this value holds, present or absent.
    fn visit<'a>(&'a self, mut f: impl FnMut(Field, Value<&'a str>)) {
        let _ = self.try_visit(|field, value| {
            f(field, value);
            Ok::<(), Infallible>(())
        });
    }
}

/// Why [`Record::set`] refused a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SetError {
    /// The field belongs to another kind of record.
    #[error("`{0}` is not a field of this record")]
    NotMine(Field),
    /// A number for a text field or text for a number.
    #[error("`{0}` takes a value of the other kind")]
    WrongKind(Field),
}

/// A record as a role receives it: its keys (ids, which are always there), its catalogue fields
/// (each an `Option`), and its nested lists.
pub trait Record: Fields + Default {
    /// The record's kind.
    const KIND: RecordKind;
    /// The names of its keys in JSON.
    const KEYS: &'static [&'static str];
    /// The names of its nested lists in JSON.
    const NESTED: &'static [&'static str];

    /// The record's id.
    fn id(&self) -> i64;

    /// A record with the same keys and nothing else.
    fn keys(&self) -> Self;

    /// Replaces one field's value.
    fn set(&mut self, field: Field, value: Value<String>) -> Result<(), SetError>;
}

/// Whether `value` is of the kind `field`'s shape calls for (a number for [`Shape::Number`],
/// text for every other shape).
pub fn fits(field: Field, value: &Value<impl Sized>) -> bool {
    matches!(value, Value::Number(_)) == (field.shape() == Shape::Number)
}

/// Implements [`Fields`] for a struct that holds catalogue fields: each line names the struct
/// field and the catalogue [`Field`] it holds, and `or ALT when FLAG` names the field it holds
/// instead when the struct's `bool` `FLAG` is set (a message body that is an internal note).
/// Struct fields may be `String`, `Option<String>`, `i64` or `Option<i64>`.
#[macro_export]
macro_rules! impl_fields {
    ($ty:ty { $($member:ident => $field:ident $(or $alt:ident when $flag:ident)?),* $(,)? }) => {
        impl $crate::record::Fields for $ty {
            fn try_visit<'a, E>(
                &'a self,
                mut f: impl FnMut(
                    $crate::record::Field,
                    $crate::record::Value<&'a str>,
                ) -> ::std::result::Result<(), E>,
            ) -> ::std::result::Result<(), E> {
                $(
                    #[allow(unused_mut)]
                    let mut field = $crate::record::Field::$field;
                    $(if self.$flag {
                        field = $crate::record::Field::$alt;
                    })?
                    f(field, $crate::record::AsValue::as_value(&self.$member))?;
                )*
                Ok(())
            }
        }
    };
}

/// `None`, or the field a member holds instead when its flag is set (`record!`'s `or … when`).
#[cfg(feature = "openapi")]
#[doc(hidden)]
#[macro_export]
macro_rules! record_alt {
    () => {
        None
    };
    ($alt:ident) => {
        Some($crate::record::Field::$alt)
    };
}

/// Declares a record type: its keys, its catalogue fields (each `member: Type => Field`, held as
/// `Option<Type>` and absent from JSON when `None`), and its nested lists; and implements
/// [`Fields`] and [`Record`] for it.
///
/// With the `ts` feature the type derives `ts_rs::TS`, the window's type of the record: members
/// named as the JSON names them, the keys required and every other member optional (`name?:
/// string`, never `null`: an absent field is left out of the JSON, not sent as `null`), and the
/// docs written here as its comments. Integers are `number` through `TS_RS_LARGE_INT` in
/// `.cargo/config.toml` (a macro cannot pick `#[ts(type = "number")]` by a member's type).
macro_rules! record {
    (
        $(#[$meta:meta])*
        pub struct $name:ident: $kind:ident {
            keys { $($(#[$kmeta:meta])* $key:ident: $kty:ty,)* }
            fields { $($(#[doc = $fdoc:literal])* $member:ident: $fty:ty => $field:ident
                $(or $alt:ident when $flag:ident)?,)* }
            nested { $($(#[$nmeta:meta])* $nested:ident: $nty:ty,)* }
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        pub struct $name {
            $($(#[$kmeta])* pub $key: $kty,)*
            $(
                #[doc = concat!(" See [`Field::", stringify!($field), "`]",
                    $(" (or [`Field::", stringify!($alt), "`] when `", stringify!($flag), "`)",)?
                    ".")]
                $(#[doc = $fdoc])*
                #[serde(default, skip_serializing_if = "Option::is_none")]
                #[cfg_attr(feature = "openapi", schema(value_type = $fty, required = false))]
                #[cfg_attr(feature = "ts", ts(optional))]
                pub $member: Option<$fty>,
            )*
            $(
                $(#[$nmeta])*
                #[serde(default, skip_serializing_if = "Option::is_none")]
                #[cfg_attr(feature = "openapi", schema(value_type = Vec<$nty>, required = false))]
                #[cfg_attr(feature = "ts", ts(optional))]
                pub $nested: Option<Vec<$nty>>,
            )*
        }

        $crate::impl_fields!($name { $($member => $field $(or $alt when $flag)?),* });

        #[cfg(feature = "openapi")]
        impl $crate::openapi::Members for $name {
            const MEMBERS: &'static [$crate::openapi::Member] = &[$(
                $crate::openapi::Member {
                    name: stringify!($member),
                    field: Field::$field,
                    alt: $crate::record_alt!($($alt)?),
                    doc: concat!($($fdoc, "\n"),*),
                },
            )*];
        }

        impl Record for $name {
            const KIND: RecordKind = RecordKind::$kind;
            const KEYS: &'static [&'static str] = &[$(stringify!($key)),*];
            const NESTED: &'static [&'static str] = &[$(stringify!($nested)),*];

            fn id(&self) -> i64 {
                self.id
            }

            fn keys(&self) -> Self {
                Self {
                    $($key: self.$key.clone(),)*
                    ..Self::default()
                }
            }

            fn set(&mut self, field: Field, value: Value<String>) -> Result<(), SetError> {
                match field {
                    $(Field::$field $(| Field::$alt)? => {
                        self.$member = FromValue::from_value(value)
                            .ok_or(SetError::WrongKind(field))?;
                    })*
                    _ => return Err(SetError::NotMine(field)),
                }
                Ok(())
            }
        }
    };
}

/// A record of type `R` holding every catalogue field of its kind, each with `value(field)`:
/// what the exhaustiveness tests feed through views, preparation and the guard.
pub fn filled<R: Record>(mut value: impl FnMut(Field) -> Value<String>) -> Result<R, SetError> {
    let mut record = R::default();
    for &field in Field::ALL.iter().filter(|f| f.kind() == R::KIND) {
        record.set(field, value(field))?;
    }
    Ok(record)
}

/// Every field `record` holds, walked.
pub fn walked(record: &impl Fields) -> Vec<Field> {
    let mut fields = Vec::new();
    record.visit(|field, _| fields.push(field));
    fields
}

/// A value of the right kind for `field`, for tests: a number for numbers, `text` for the rest.
pub fn sample(field: Field, text: &str) -> Value<String> {
    if field.shape() == Shape::Number {
        Value::Number(Some(4200))
    } else {
        Value::Text(Some(text.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::super::{Account, Card, Customer, Message, Ticket, Transaction};
    use super::*;

    fn catalogue(kind: RecordKind) -> BTreeSet<Field> {
        Field::ALL
            .iter()
            .copied()
            .filter(|f| f.kind() == kind)
            .collect()
    }

    /// The walk of a filled record, the JSON of it, and the catalogue agree.
    fn check<R: Record + Serialize>(extra: impl Fn(&mut R)) -> BTreeSet<Field> {
        let mut record: R = filled(|f| sample(f, "x")).expect("every field of the kind");
        extra(&mut record);
        let walked: BTreeSet<Field> = walked(&record).into_iter().collect();
        for &field in &walked {
            assert_eq!(field.kind(), R::KIND, "{field}");
        }
        let mut present = 0;
        record.visit(|field, value| {
            assert!(value.is_present(), "{field} was set but walks as absent");
            assert!(
                fits(field, &value),
                "{field} walks as the wrong kind of value"
            );
            present += 1;
        });
        // Every JSON member is a key or a walked field under its own name (nested lists are
        // not filled).
        let json = serde_json::to_value(&record).unwrap();
        let names: BTreeSet<String> = json.as_object().unwrap().keys().cloned().collect();
        let mut expected: BTreeSet<String> = R::KEYS.iter().map(|k| k.to_string()).collect();
        for &field in &walked {
            // The body of an internal note is the message's `body`.
            let member = match field {
                Field::MessageInternalNotes => "body",
                _ => field.as_str().split_once('.').unwrap().1,
            };
            expected.insert(member.to_owned());
        }
        assert_eq!(names, expected, "{}", R::KIND);
        assert_eq!(present, walked.len());
        // Rebuilt from its walk, through its keys and `set`, it is the same record.
        let mut rebuilt = record.keys();
        record.visit(|field, value| rebuilt.set(field, value.to_owned()).unwrap());
        let rebuilt_json = serde_json::to_value(&rebuilt).unwrap();
        assert_eq!(rebuilt_json, json);
        walked
    }

    #[test]
    fn every_catalogue_field_is_walked() {
        use RecordKind as K;
        assert_eq!(check::<Customer>(|_| ()), catalogue(K::Customer));
        assert_eq!(check::<Account>(|_| ()), catalogue(K::Account));
        assert_eq!(check::<Card>(|_| ()), catalogue(K::Card));
        assert_eq!(check::<Transaction>(|_| ()), catalogue(K::Transaction));
        assert_eq!(check::<Ticket>(|_| ()), catalogue(K::Ticket));
        // A message walks its body as the internal notes when it is an internal note.
        let public = check::<Message>(|m| m.internal = false);
        let internal = check::<Message>(|m| m.internal = true);
        assert!(public.contains(&Field::MessageBody));
        assert!(internal.contains(&Field::MessageInternalNotes));
        assert_eq!(&public | &internal, catalogue(K::Message));
        // Every kind has a record type.
        let kinds = [
            K::Customer,
            K::Account,
            K::Card,
            K::Transaction,
            K::Ticket,
            K::Message,
        ];
        assert_eq!(kinds, RecordKind::ALL);
    }

    #[test]
    fn set_refuses_another_kinds_field_and_the_wrong_kind_of_value() {
        let mut card = Card::default();
        assert_eq!(
            card.set(Field::CustomerName, Value::Text(Some("x".into()))),
            Err(SetError::NotMine(Field::CustomerName))
        );
        let mut account = Account::default();
        assert_eq!(
            account.set(Field::AccountBalance, Value::Text(Some("12".into()))),
            Err(SetError::WrongKind(Field::AccountBalance))
        );
        assert_eq!(
            account,
            Account::default(),
            "a refused value changes nothing"
        );
    }
}
