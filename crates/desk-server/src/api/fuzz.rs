//! Hostile input, fuzzed (proptest): how the API reads what a client sends before a handler
//! acts on it — cursors, search text, times, every query-parameter type and every request body
//! type, through the same extractors the routes use. For every input: a value, or a 4xx with the
//! stable code the documentation names, never a panic or a 5xx; and a round trip where there is
//! one. `tests/it/fuzz.rs` sends the same kinds of input to the running server with real tokens.
//!
//! The default run is short (`config`); `PROPTEST_CASES=N` runs every property N times
//! (docs/fuzzing.md).

use axum::body::Body;
use axum::extract::{FromRequest, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{Request, StatusCode};
use desk_api::{OfflineUpload, Reply};
use desk_core::RoleDefinition;
use desk_core::signed::Layout;
use openidconnect::url::form_urlencoded;
use proptest::prelude::*;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::admin::{AuditParams, audit_time};
use super::customers::{SearchParams, TransactionParams, parse_time};
use super::error::{ApiJson, ApiQuery};
use super::paging::{decode_key_cursor, encode_cursor, encode_key_cursor};
use super::tickets::ListParams;
use super::wipes::MineParams;
use super::{ApiError, SearchBy, decode_cursor, parse_query};
use crate::store::SearchQuery;

/// `cases` cases, unless `PROPTEST_CASES` asks for another number (the long run).
fn config(cases: u32) -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = cases;
    }
    config
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime")
        .block_on(f)
}

/// The status and code of a refusal.
fn refusal(e: &ApiError) -> (u16, &'static str) {
    let (status, code) = e.status_and_code();
    (status.as_u16(), code)
}

// ---------------------------------------------------------------------------------------------
// Generators

fn hostile_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => prop::sample::select(
            "abcXYZ019 -+._~:/?#[]@!$&'()*,;=%\"<>\\^`{|}\t\n".chars().collect::<Vec<_>>()
        ),
        1 => prop::sample::select(vec![
            '\u{0}', '\u{1B}', '\u{7F}', '\u{85}', '\u{202E}', '\u{200B}', '\u{FEFF}', 'é', 'ß',
            'İ', '😀', '٣', '３', '＠',
        ]),
        1 => any::<char>(),
    ]
}

fn hostile_text(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(hostile_char(), 0..max).prop_map(String::from_iter)
}

fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        hostile_text(24).prop_map(Value::from),
        prop::sample::select(vec![
            "agent_l1",
            "admin",
            "customer",
            "search",
            "customer.summary",
            "search.box",
            "customer.email",
            "full",
            "hidden",
            "mask_email",
            "ticket.reply",
            "name",
            "customer.view",
            "customer:1",
            "ticket:1",
            "2026-11-29T10:00:00Z",
            "q7Zk2c9fYw1xR4bNq7Zk",
            "hi",
        ])
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((member_name(), inner), 0..8)
                .prop_map(|members| Value::Object(members.into_iter().collect())),
        ]
    })
}

fn member_name() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec![
            "body", "internal", "views", "key", "time", "action", "resource", "role",
            "description", "pages", "widgets", "fields", "actions", "search_by", "cache",
            "ttl_secs", "offline_grace_secs", "author",
        ])
        .prop_map(str::to_owned),
        1 => hostile_text(8),
    ]
}

/// A query string: parameters the API reads (and others), with values of any kind, written
/// as a form encoder writes them or raw, with stray `%` and `+` left in.
fn query() -> impl Strategy<Value = String> {
    let name = prop_oneof![
        4 => prop::sample::select(vec![
            "q", "by", "limit", "cursor", "from", "to", "status", "actor", "action", "since",
            "until", "after",
        ])
        .prop_map(str::to_owned),
        1 => hostile_text(6),
    ];
    let value = prop_oneof![
        2 => prop::sample::select(vec![
            "", "0", "1", "25", "100", "101", "4294967296", "-1", "1e3", "name", "email",
            "everything", "settled", "all", "2026-03-14", "2026-03-14T10:00:00+02:00",
            "+10000-01-01", "customer.view", "djE6NDI", "djE6KzQy", "agent1",
        ])
        .prop_map(str::to_owned),
        3 => hostile_text(40),
    ];
    (prop::collection::vec((name, value), 0..6), any::<bool>()).prop_map(|(params, raw)| {
        if raw {
            let escape = |s: &str| {
                s.bytes()
                    .map(|b| {
                        if b.is_ascii_alphanumeric() || b"-._~+%".contains(&b) {
                            (b as char).to_string()
                        } else {
                            format!("%{b:02X}")
                        }
                    })
                    .collect::<String>()
            };
            params
                .iter()
                .map(|(k, v)| format!("{}={}", escape(k), escape(v)))
                .collect::<Vec<_>>()
                .join("&")
        } else {
            let mut s = form_urlencoded::Serializer::new(String::new());
            for (k, v) in &params {
                s.append_pair(k, v);
            }
            s.finish()
        }
    })
}

fn times() -> impl Strategy<Value = String> {
    prop_oneof![
        // Dates and times as clients write them, with any offset and years far out.
        (
            0i32..10_000,
            1u32..13,
            1u32..29,
            0u32..24,
            0u32..60,
            0u32..60,
            prop::sample::select(vec![
                "Z", "z", "+00:00", "+23:59", "-23:59", "+02:00", "-00:00"
            ]),
            prop::option::of(0u32..1_000_000_000),
            any::<bool>()
        )
            .prop_map(|(y, mo, d, h, mi, s, off, frac, date_only)| {
                if date_only {
                    format!("{y:04}-{mo:02}-{d:02}")
                } else {
                    let frac = frac.map(|f| format!(".{f}")).unwrap_or_default();
                    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{frac}{off}")
                }
            }),
        prop::sample::select(vec![
            "+10000-01-01",
            "-0001-01-01",
            "+2026-03-14",
            "0000-01-01T00:00:00+00:01",
            "9999-12-31T23:59:59-00:01",
            "2026-02-30",
            "2026-3-4",
            "20260314",
            " 2026-03-14",
            "2026-03-14T24:00:00Z",
            "2026-03-14T23:59:60Z",
            "2026-03-14 10:00:00Z",
        ])
        .prop_map(str::to_owned),
        hostile_text(45),
    ]
}

/// Whether `s` has the one shape stored times have, so that comparing texts compares times:
/// `YYYY-MM-DDTHH:MM:SS` and, for audit times, `.mmm`, then `Z`.
fn stored_shape(s: &str, millis: bool) -> bool {
    let digits = |r: std::ops::Range<usize>| {
        s.get(r)
            .is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()))
    };
    let b = s.as_bytes();
    let len = if millis { 24 } else { 20 };
    b.len() == len
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19)
        && (!millis || (b[19] == b'.' && digits(20..23)))
        && b[len - 1] == b'Z'
}

// ---------------------------------------------------------------------------------------------
// Properties

proptest! {
    #![proptest_config(config(512))]

    /// A cursor the server made reads back as its id, for every id.
    #[test]
    fn every_cursor_round_trips(id in any::<i64>()) {
        prop_assert_eq!(decode_cursor(Some(&encode_cursor(id))).ok(), Some(Some(id)));
    }

    /// A key cursor (the agents list's) reads back as its key; anything else is refused as
    /// `invalid_cursor`, and what is taken is exactly what the server makes for its key.
    #[test]
    fn a_key_cursor_is_only_what_the_server_made(key in hostile_text(40), junk in hostile_text(80)) {
        prop_assert_eq!(
            decode_key_cursor(Some(&encode_key_cursor(&key)), 40).ok(),
            Some(Some(key.clone()))
        );
        match decode_key_cursor(Some(&junk), 40) {
            Ok(Some(key)) => prop_assert_eq!(encode_key_cursor(&key), junk),
            Ok(None) => prop_assert!(false, "a cursor given is never none"),
            Err(e) => prop_assert_eq!(refusal(&e), (400, "invalid_cursor")),
        }
    }

    /// Anything else is refused as `invalid_cursor`: a text reads as an id only when it is the
    /// very cursor the server makes for that id (so `v1:+42`, `v1:042` or a respelled base64
    /// character are not cursors).
    #[test]
    fn a_cursor_is_only_what_the_server_made(
        cursor in prop_oneof![
            hostile_text(80),
            // The server's own prefix with anything after it, encoded as the server would.
            prop_oneof![
                "[-+0-9]{0,22}".prop_map(String::from),
                hostile_text(20),
            ]
            .prop_map(|id| base64::Engine::encode(
                &base64::engine::general_purpose::URL_SAFE_NO_PAD,
                format!("v1:{id}"),
            )),
        ],
    ) {
        match decode_cursor(Some(&cursor)) {
            Ok(Some(id)) => prop_assert_eq!(encode_cursor(id), cursor),
            Ok(None) => prop_assert!(false, "a cursor given is never none"),
            Err(e) => prop_assert_eq!(refusal(&e), (400, "invalid_cursor")),
        }
    }

    /// Search text of any kind, read as any key: a store query, or a 400 whose code says why;
    /// a name search holds one to eight lower-case words of letters and digits, an e-mail
    /// search an address without whitespace.
    #[test]
    fn search_text_is_a_query_or_a_clear_refusal(
        q in prop_oneof![hostile_text(250), "[a-zA-Z0-9 @+().-]{0,40}".prop_map(String::from)],
        by in prop::option::of(prop::sample::select(SearchBy::ALL)),
    ) {
        match parse_query(&q, by) {
            Ok((key, query)) => {
                if let Some(by) = by {
                    prop_assert_eq!(key, by);
                }
                match query {
                    SearchQuery::Name(words) => {
                        prop_assert!((1..=8).contains(&words.len()), "{words:?}");
                        for w in &words {
                            prop_assert!(!w.is_empty() && w.chars().all(char::is_alphanumeric));
                            prop_assert_eq!(&w.to_lowercase(), w);
                        }
                    }
                    SearchQuery::Email(email) => {
                        prop_assert!(email.contains('@') && !email.contains(char::is_whitespace));
                    }
                    SearchQuery::Account(_) | SearchQuery::PhoneTail(_) => {}
                }
            }
            Err(e) => {
                let (status, code) = refusal(&e);
                prop_assert_eq!(status, 400);
                let codes = ["query_too_long", "invalid_query", "empty_query"];
                prop_assert!(codes.contains(&code), "{code}");
            }
        }
    }

    /// A time filter of any text: `invalid_date`, or a time in exactly the shape stored times
    /// have, so that comparing the texts (as the store does) compares the times.
    #[test]
    fn time_filters_are_stored_times_or_invalid_dates(a in times(), b in times()) {
        for (parse, millis) in [
            (parse_time as fn(&str, &str) -> Result<String, ApiError>, false),
            (audit_time, true),
        ] {
            let (x, y) = (parse("from", &a), parse("from", &b));
            for (input, parsed) in [(&a, &x), (&b, &y)] {
                match parsed {
                    Ok(s) => prop_assert!(stored_shape(s, millis), "{input:?} → {s:?}"),
                    Err(e) => prop_assert_eq!(refusal(e), (400, "invalid_date")),
                }
            }
            if let (Ok(x), Ok(y)) = (&x, &y) {
                let instant = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap();
                prop_assert_eq!(x.cmp(y), instant(x).cmp(&instant(y)), "{} vs {}", x, y);
            }
        }
    }

    /// Any query string, for every route's parameters: parsed, or `invalid_parameters`.
    #[test]
    fn query_strings_are_parsed_or_refused_as_invalid_parameters(query in query()) {
        let Ok(request) = Request::builder().uri(format!("/v1/x?{query}")).body(Body::empty())
        else {
            // Not a URI at all: the HTTP layer refuses it before any route sees it.
            return Ok(());
        };
        let (mut parts, _) = request.into_parts();
        fn parsed<T: DeserializeOwned>(parts: &mut Parts) -> Option<(u16, &'static str)> {
            let read = block_on(ApiQuery::<T>::from_request_parts(parts, &()));
            read.err().map(|e| refusal(&e))
        }
        let refusals = [
            parsed::<SearchParams>(&mut parts),
            parsed::<TransactionParams>(&mut parts),
            parsed::<ListParams>(&mut parts),
            parsed::<AuditParams>(&mut parts),
            parsed::<MineParams>(&mut parts),
        ];
        for refused in refusals.into_iter().flatten() {
            prop_assert_eq!(refused, (400, "invalid_parameters"), "{}", query);
        }
    }
}

/// A body of any bytes, JSON or not, under any content type, read as `T`: a value, or the
/// refusal a client can act on.
fn body_refusals<T: DeserializeOwned>(
    body: &[u8],
    content_type: Option<&str>,
) -> Option<(u16, &'static str)> {
    let mut request = Request::builder().method("POST").uri("/v1/x");
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    let request = request.body(Body::from(body.to_vec())).expect("a request");
    block_on(ApiJson::<T>::from_request(request, &()))
        .err()
        .map(|e| refusal(&e))
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => json().prop_map(|v| v.to_string().into_bytes()),
        1 => prop::collection::vec(any::<u8>(), 0..200),
        // Nested past what the JSON reader recurses into.
        1 => (1usize..3000, any::<bool>()).prop_map(|(depth, arrays)| {
            let (open, close) = if arrays { ("[", "]") } else { ("{\"a\":", "}") };
            format!("{}1{}", open.repeat(depth), close.repeat(depth)).into_bytes()
        }),
        1 => json().prop_map(|v| {
            // Valid JSON cut short.
            let text = v.to_string().into_bytes();
            text[..text.len() / 2].to_vec()
        }),
    ]
}

proptest! {
    #![proptest_config(config(256))]

    /// Every request body type, from any bytes under any content type: a value, or 400
    /// `malformed_json` / `invalid_body`, or 415 when the body is not declared JSON.
    #[test]
    fn request_bodies_are_read_or_refused_with_a_stable_code(
        body in body(),
        content_type in prop::option::weighted(0.9, prop::sample::select(vec![
            "application/json", "application/json; charset=utf-8", "application/problem+json",
            "text/plain", "application/x-www-form-urlencoded", "APPLICATION/JSON", "",
        ])),
    ) {
        let json_declared = content_type.is_some_and(|c| {
            let c = c.to_ascii_lowercase();
            c.starts_with("application/json") || c.starts_with("application/problem+json")
        });
        for refused in [
            body_refusals::<Reply>(&body, content_type),
            body_refusals::<OfflineUpload>(&body, content_type),
            body_refusals::<RoleDefinition>(&body, content_type),
            body_refusals::<Layout>(&body, content_type),
        ] {
            match refused {
                None => prop_assert!(json_declared),
                Some(refused) if json_declared => prop_assert!(
                    [(400, "malformed_json"), (400, "invalid_body")].contains(&refused),
                    "{refused:?}"
                ),
                Some(refused) => prop_assert_eq!(refused, (415, "unsupported_media_type")),
            }
        }
    }

    /// A reply a client writes is read as it was written, whatever its text.
    #[test]
    fn replies_round_trip(text in hostile_text(200), internal in any::<bool>()) {
        let reply = Reply { body: text, internal };
        let bytes = serde_json::to_vec(&reply).unwrap();
        let request = Request::builder()
            .method("POST")
            .uri("/")
            .header("content-type", "application/json")
            .body(Body::from(bytes))
            .unwrap();
        let read = block_on(ApiJson::<Reply>::from_request(request, &())).map(|ApiJson(r)| r);
        prop_assert_eq!(read.ok(), Some(reply));
    }
}

#[test]
fn the_status_codes_named_here_are_the_apis() {
    // The refusals the properties accept are the documented ones, not some other 4xx.
    assert_eq!(
        refusal(&ApiError::UnsupportedMediaType),
        (
            StatusCode::UNSUPPORTED_MEDIA_TYPE.as_u16(),
            "unsupported_media_type"
        )
    );
}

/// Found by `time_filters_are_stored_times_or_invalid_dates`: a year written with a sign or a
/// fifth digit, or one that leaves 0000–9999 in UTC, was taken and compared as text with the
/// stored times (`+10000-01-01` sorts before every stored time, so "from the year 10000"
/// matched everything). Kept as its cases.
#[test]
fn years_outside_what_stored_times_can_hold_are_invalid_dates() {
    for parse in [parse_time, audit_time] {
        for bad in ["+10000-01-01", "-0001-01-01", "0000-01-01T00:00:00+00:01"] {
            let refused = parse("from", bad).map_err(|e| refusal(&e));
            assert_eq!(refused, Err((400, "invalid_date")), "{bad}");
        }
        for good in [
            "0000-01-01",
            "9999-12-31T23:59:59Z",
            "9999-12-31T23:59:59+01:00",
        ] {
            assert!(parse("from", good).is_ok(), "{good}");
        }
    }
}

/// Found by `search_text_is_a_query_or_a_clear_refusal` (in a long run): `İ` lower-cases to `i`
/// and a combining dot, which is not a letter or digit, and the store quotes name words for FTS5
/// on the promise that they hold only those. Kept as its case.
#[test]
fn name_words_hold_only_letters_and_digits_after_lower_casing() {
    match parse_query("İlkay Ölçer", None) {
        Ok((SearchBy::Name, SearchQuery::Name(words))) => assert_eq!(words, ["ilkay", "ölçer"]),
        other => panic!("{:?}", other.map(|(by, _)| by).map_err(|e| refusal(&e))),
    }
}
