//! Hostile input to the SCIM core, fuzzed (proptest): any text read as a filter is a filter or
//! an `invalidFilter` refusal, quickly and without overflowing the stack however deep it nests;
//! a printed filter reads back as itself; any PatchOp body, applied to any JSON, is applied or
//! refused, never a panic, and a refused one leaves the resource as it was.
//!
//! The default run is short; `PROPTEST_CASES=N` runs every property N times (docs/fuzzing.md).

use std::time::{Duration, Instant};

use proptest::prelude::*;
use serde_json::{Value, json};

use super::error::{EXCERPT_CHARS, ScimType};
use super::filter::{Filter, MAX_DEPTH, MAX_LEN};
use super::patch::{PATCH_SCHEMA, PatchRequest, apply_to};
use super::schema::ResourceKind;

/// `cases` cases, unless `PROPTEST_CASES` asks for another number (the long run).
fn config(cases: u32) -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = cases;
    }
    config
}

const KINDS: [ResourceKind; 2] = [ResourceKind::User, ResourceKind::Group];

/// Pieces of filters, right and wrong, and hostile characters, run together.
fn filterish_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => prop::sample::select(vec![
            "userName", "emails", ".value", "members", "name.givenName", "active", "id", "meta.created",
            "urn:ietf:params:scim:schemas:core:2.0:User:", " eq ", " ne ", " co ", " sw ", " pr", " gt ",
            " and ", " or ", "not ", "(", ")", "[", "]", "\"", "\"work\"", "\\", "\\u00e9", "true", "null",
            "1e400", "-0.5", " ", "EQ", "AND",
        ]).prop_map(str::to_owned),
        1 => any::<char>().prop_map(String::from),
        1 => prop::sample::select(vec!['\u{0}', '\u{1B}', '\u{202E}', '\u{FEFF}', 'İ', '😀'])
            .prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..80).prop_map(|pieces| pieces.concat())
}

fn check_read_or_refused(text: &str) -> Result<(), TestCaseError> {
    for kind in KINDS {
        let started = Instant::now();
        let read = Filter::parse(text, kind);
        prop_assert!(started.elapsed() < Duration::from_secs(1), "{text:?}");
        if let Err(e) = read {
            prop_assert_eq!(e.scim_type, Some(ScimType::InvalidFilter), "{:?}", text);
            prop_assert!(
                e.detail.chars().count() < 2 * EXCERPT_CHARS + 80,
                "{}",
                e.detail
            );
            prop_assert!(!e.detail.chars().any(char::is_control), "{}", e.detail);
        }
    }
    Ok(())
}

/// A valid filter's text, built from the grammar, at most `depth` levels deep.
fn filter_text() -> impl Strategy<Value = String> {
    let string = prop::collection::vec(any::<char>(), 0..12)
        .prop_map(|c| serde_json::to_string(&String::from_iter(c)).expect("a string"));
    let number = prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        (-1e6f64..1e6).prop_map(|n| n.to_string())
    ];
    let attrs = prop::sample::select(vec![
        "userName",
        "displayName",
        "name.familyName",
        "emails.value",
        "externalId",
        "meta.lastModified",
    ]);
    let leaf = prop_oneof![
        (
            attrs.clone(),
            prop::sample::select(vec!["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"]),
            string
        )
            .prop_map(|(a, op, v)| format!("{a} {op} {v}")),
        (
            attrs.clone(),
            prop::sample::select(vec!["eq", "gt", "LE"]),
            number
        )
            .prop_map(|(a, op, v)| format!("{a} {op} {v}")),
        (
            prop::sample::select(vec!["active", "emails.primary"]),
            any::<bool>(),
            prop::sample::select(vec!["eq", "ne"])
        )
            .prop_map(|(a, b, op)| format!("{a} {op} {b}")),
        attrs.prop_map(|a| format!("{a} pr")),
        prop::sample::select(vec!["work", "home"])
            .prop_map(|t| format!("emails[type eq \"{t}\" or primary eq true]")),
    ];
    leaf.prop_recursive(3, 16, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} and {b}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} or {b}")),
            inner.clone().prop_map(|a| format!("not ({a})")),
            inner.prop_map(|a| format!("({a})")),
        ]
    })
}

/// Any JSON, a little deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        prop::sample::select(vec!["", "True", "false", "x", "a2c7f6e2", "work"])
            .prop_map(Value::from),
        any::<String>().prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 4, |inner| {
        let key = prop::sample::select(vec![
            "value",
            "type",
            "givenName",
            "active",
            "$ref",
            "x",
            "VALUE",
            "members",
        ]);
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(key, inner, 0..4).prop_map(|m| Value::Object(
                m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
            )),
        ]
    })
}

/// A resource of any shape, often with the attributes patches name.
fn resource() -> impl Strategy<Value = Value> {
    let key = prop::sample::select(vec![
        "userName",
        "USERNAME",
        "emails",
        "members",
        "name",
        "active",
        "id",
        "meta",
        "displayName",
    ]);
    prop_oneof![
        1 => json_value(),
        3 => prop::collection::btree_map(key, json_value(), 0..6)
            .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())),
    ]
}

fn operation() -> impl Strategy<Value = Value> {
    let op = prop::sample::select(vec!["add", "Replace", "remove", "REMOVE", "move", ""]);
    let path = prop::option::of(prop_oneof![
        3 => prop::sample::select(vec![
            "userName", "active", "name", "name.givenName", "emails", "emails[type eq \"work\"].value",
            "emails[type eq \"work\"]", "members", "members[value eq \"a2c7f6e2\"]", "members[value eq \"a2c7f6e2\"].display",
            "id", "meta.created", "groups", "displayName", "nickName",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
        ]).prop_map(str::to_owned),
        1 => filterish_text(),
    ]);
    (op, path, prop::option::of(json_value())).prop_map(|(op, path, value)| {
        let mut o = json!({"op": op});
        if let Some(path) = path {
            o["path"] = path.into();
        }
        if let Some(value) = value {
            o["value"] = value;
        }
        o
    })
}

proptest! {
    #![proptest_config(config(512))]

    /// Any text: a filter, or `invalidFilter` with a short printable detail, in bounded time.
    #[test]
    fn any_text_is_a_filter_or_invalid_filter(text in filterish_text()) {
        check_read_or_refused(&text)?;
    }

    /// Nesting of any depth, far past what a stack holds: read up to the limit, refused past it.
    #[test]
    fn nesting_is_read_to_its_limit_and_refused_past_it(
        openers in prop::collection::vec(prop::sample::select(vec!["(", "not (", "NOT("]), 0..1500),
    ) {
        let text = format!("{}active pr{}", openers.concat(), ")".repeat(openers.len()));
        check_read_or_refused(&text)?;
        let fits = openers.len() <= MAX_DEPTH && text.chars().count() <= MAX_LEN;
        prop_assert_eq!(Filter::parse(&text, ResourceKind::User).is_ok(), fits, "{}", text);
    }

    /// A filter, printed, reads back as the same filter.
    #[test]
    fn a_printed_filter_reads_back_as_itself(text in filter_text()) {
        let filter = Filter::parse(&text, ResourceKind::User);
        prop_assume!(text.chars().count() <= MAX_LEN);
        let filter = filter.map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        let printed = filter.to_string();
        prop_assume!(printed.chars().count() <= MAX_LEN);
        prop_assert_eq!(Filter::parse(&printed, ResourceKind::User), Ok(filter.clone()), "{} printed {}", text, printed);
        // Evaluating it over any resource does not panic either.
        let _ = filter.matches(&json!({"userName": "a", "emails": [{"value": 1}, "x", null]}));
    }

    /// Any PatchOp body applied to any JSON: applied, or refused with the resource unchanged.
    #[test]
    fn patches_apply_or_leave_the_resource_unchanged(
        resource in resource(),
        operations in prop::collection::vec(operation(), 1..5),
        kind in prop::sample::select(KINDS.to_vec()),
    ) {
        let body = json!({"schemas": [PATCH_SCHEMA], "Operations": operations});
        let Ok(request) = PatchRequest::parse(&body, kind) else { return Ok(()) };
        let mut patched = resource.clone();
        match apply_to(&mut patched, &request) {
            Ok(()) => prop_assert!(patched.is_object()),
            Err(e) => {
                prop_assert_eq!(e.status, 400);
                prop_assert_eq!(patched, resource);
            }
        }
    }

    /// Any JSON as a PatchOp body: read, or refused with a SCIM type.
    #[test]
    fn any_body_is_read_or_refused(body in json_value()) {
        for kind in KINDS {
            if let Err(e) = PatchRequest::parse(&body, kind) {
                prop_assert!(e.scim_type.is_some());
            }
        }
    }
}
