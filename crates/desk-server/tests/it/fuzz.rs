//! Hostile input, fuzzed, against the running server with real tokens: arbitrary query strings
//! and path ids on every route that reads them, arbitrary bodies on every route that takes one,
//! and arbitrary bearer tokens. For every input the server answers (no panic drops the
//! connection), never with a 5xx, with a documented error code when it refuses, and a refusal
//! changes nothing. `src/api/fuzz.rs` holds the properties of the parsers themselves.
//!
//! One server for each property (its own database: an accepted body may change it). The
//! default run is short (`config`); `PROPTEST_CASES=N` runs every property N times
//! (docs/fuzzing.md).

use desk_api::ApiCode;
use proptest::prelude::*;
use proptest::test_runner::TestRunner;
use serde_json::Value;

use crate::harness::Harness;

/// `cases` cases, unless `PROPTEST_CASES` asks for another number (the long run).
fn config(cases: u32) -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = cases;
    }
    config
}

fn hostile_text(max: usize) -> impl Strategy<Value = String> {
    let c = prop_oneof![
        4 => prop::sample::select(
            "abcXYZ019 -+._~:/?#[]@!$&'()*,;=%\"<>\\^`{|}\t\n".chars().collect::<Vec<_>>()
        ),
        1 => prop::sample::select(vec!['\u{0}', '\u{1B}', '\u{202E}', 'é', '😀', '٣', '＠']),
        1 => any::<char>(),
    ];
    prop::collection::vec(c, 0..max).prop_map(String::from_iter)
}

fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        hostile_text(20).prop_map(Value::from),
        prop::sample::select(vec![
            "agent_l1",
            "supervisor",
            "customer",
            "search",
            "customer.summary",
            "search.box",
            "customer.email",
            "full",
            "hidden",
            "ticket.reply",
            "customer.view",
            "customer:1",
            "2026-11-29T10:00:00Z",
            "q7Zk2c9fYw1xR4bNq7Zk",
            "hi",
        ])
        .prop_map(Value::from),
    ];
    let name = prop_oneof![
        3 => prop::sample::select(vec![
            "body", "internal", "views", "key", "time", "action", "resource", "role", "pages",
            "widgets", "fields", "actions", "search_by", "cache", "description",
        ])
        .prop_map(str::to_owned),
        1 => hostile_text(6),
    ];
    leaf.prop_recursive(3, 32, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((name.clone(), inner), 0..6)
                .prop_map(|members| Value::Object(members.into_iter().collect())),
        ]
    })
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => json().prop_map(|v| v.to_string().into_bytes()),
        1 => prop::collection::vec(any::<u8>(), 0..200),
        1 => (1usize..2000).prop_map(|depth| {
            format!("{}1{}", "[".repeat(depth), "]".repeat(depth)).into_bytes()
        }),
    ]
}

/// A query string of the parameters the routes read (and others), percent-encoded.
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
            "", "0", "1", "25", "101", "-1", "4294967296", "name", "email", "account", "jane",
            "+44 7700 900123", "settled", "2026-03-14", "+10000-01-01", "customer.view",
            "djE6NDI", "djE6KzQy", "agent1", "a@b",
        ])
        .prop_map(str::to_owned),
        3 => hostile_text(40),
    ];
    prop::collection::vec((name, value), 0..5).prop_map(|params| {
        params
            .iter()
            .map(|(k, v)| {
                let escape = |s: &str| {
                    s.bytes()
                        .map(|b| {
                            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                                (b as char).to_string()
                            } else {
                                format!("%{b:02X}")
                            }
                        })
                        .collect::<String>()
                };
                format!("{}={}", escape(k), escape(v))
            })
            .collect::<Vec<_>>()
            .join("&")
    })
}

/// A path id: numbers in and out of range, and anything else percent-encoded; never empty (a
/// path with an empty segment is no route of the API, answered by the router's bare 404).
fn path_id() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        prop::sample::select(vec![
            "1",
            "0",
            "-1",
            "9223372036854775808",
            "1.0",
            "1e3",
            "0x10",
            "%31",
            "1%20OR%201=1",
        ])
        .prop_map(str::to_owned),
        // Not `.` or `..` either, written `%2E`: URL parsers take those as dot segments, and the
        // request goes to another path.
        hostile_text(20)
            .prop_filter("an id", |s| !s.is_empty() && s != "." && s != "..")
            .prop_map(|s| {
                s.bytes()
                    .map(|b| {
                        if b.is_ascii_alphanumeric() {
                            (b as char).to_string()
                        } else {
                            format!("%{b:02X}")
                        }
                    })
                    .collect()
            }),
    ]
}

/// Checks one answer: not a 5xx, and a refusal carries one of the API's codes with the status
/// that code has. Returns the status.
async fn clear_answer(what: &str, response: reqwest::Response) -> Result<u16, TestCaseError> {
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    prop_assert!(status < 500, "{what}: {status} {text}");
    if status >= 400 {
        let body: Value = serde_json::from_str(&text).unwrap_or_default();
        let code = body["error"]["code"].as_str().unwrap_or_default();
        prop_assert!(
            ApiCode::ALL.iter().any(|c| c.as_str() == code),
            "{what}: {status} without an API code: {text}"
        );
        prop_assert!(
            !body["error"]["message"]
                .as_str()
                .unwrap_or_default()
                .is_empty(),
            "{what}: {text}"
        );
    }
    Ok(status)
}

/// What a refused request must leave as it was.
fn state(h: &Harness) -> Vec<i64> {
    [
        "SELECT COUNT(*) FROM messages",
        "SELECT COUNT(*) FROM role_definition_history",
        "SELECT COUNT(*) FROM layout_history",
        "SELECT COUNT(*) FROM role_changes",
        "SELECT COUNT(*) FROM offline_views",
        "SELECT COUNT(*) FROM wipes",
    ]
    .iter()
    .map(|q| h.count(q))
    .collect()
}

#[test]
fn hostile_query_strings_and_ids_get_a_clear_answer() {
    let h = Harness::start();
    let customer = h.count("SELECT MIN(id) FROM customers");
    let routes = [
        ("agent2", "/v1/customers".to_owned()),
        ("agent2", format!("/v1/customers/{customer}/transactions")),
        ("agent2", format!("/v1/customers/{customer}/tickets")),
        ("admin", "/v1/audit".to_owned()),
        ("agent1", "/v1/me/wipes".to_owned()),
        ("agent1", "/v1/customers".to_owned()),
    ];
    let before = state(&h);
    let mut runner = TestRunner::new(config(48));
    runner
        .run(&(query(), path_id()), |(query, id)| {
            h.block_on(async {
                for (user, path) in &routes {
                    let url = format!("{path}?{query}");
                    clear_answer(&url, h.get(user, &url).await).await?;
                }
                for path in [
                    format!("/v1/customers/{id}"),
                    format!("/v1/customers/{id}/transactions"),
                    format!("/v1/tickets/{id}"),
                ] {
                    clear_answer(&path, h.get("agent2", &path).await).await?;
                }
                Ok(())
            })
        })
        .unwrap();
    assert_eq!(state(&h), before, "reads changed nothing");
    assert_eq!(h.verify().broken, None);
}

#[test]
fn hostile_bodies_are_refused_with_a_clear_answer_and_change_nothing() {
    let h = Harness::start();
    let ticket = h.count("SELECT MIN(id) FROM tickets");
    let routes = [
        (
            "agent2",
            reqwest::Method::POST,
            format!("/v1/tickets/{ticket}/messages"),
        ),
        (
            "admin",
            reqwest::Method::PUT,
            "/v1/admin/layouts/supervisor".to_owned(),
        ),
        (
            "admin",
            reqwest::Method::PUT,
            "/v1/admin/roles/supervisor".to_owned(),
        ),
        (
            "agent1",
            reqwest::Method::POST,
            "/v1/audit/offline".to_owned(),
        ),
    ];
    let mut runner = TestRunner::new(config(48));
    runner
        .run(
            &(
                body(),
                prop::sample::select(vec!["application/json", "text/plain"]),
            ),
            |(body, content_type)| {
                for (user, method, path) in &routes {
                    let before = state(&h);
                    let status = h.block_on(async {
                        let response = h
                            .http
                            .request(method.clone(), format!("{}{path}", h.base))
                            .bearer_auth(h.token(user))
                            .header("content-type", content_type)
                            .body(body.clone())
                            .send()
                            .await
                            .unwrap_or_else(|e| panic!("{method} {path}: no answer: {e}"));
                        clear_answer(path, response).await
                    })?;
                    if status >= 400 {
                        prop_assert_eq!(
                            state(&h),
                            before,
                            "{} {} refused but changed",
                            method,
                            path
                        );
                    }
                }
                Ok(())
            },
        )
        .unwrap();
    assert_eq!(h.verify().broken, None);
}

#[test]
fn hostile_bearer_tokens_are_unauthorized() {
    let h = crate::harness::shared();
    let b64 = |bytes: &[u8]| {
        base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, bytes)
    };
    // Header values carry visible ASCII, spaces and tabs; anything else is not a header.
    let token = prop_oneof![
        "[ -~\t]{0,200}".prop_map(String::from),
        (json(), json(), prop::collection::vec(any::<u8>(), 0..64)).prop_map(move |(h, c, s)| {
            format!(
                "{}.{}.{}",
                b64(h.to_string().as_bytes()),
                b64(c.to_string().as_bytes()),
                b64(&s)
            )
        }),
    ];
    let mut runner = TestRunner::new(config(64));
    runner
        .run(&token, |token| {
            h.block_on(async {
                let response = h
                    .http
                    .get(format!("{}/v1/customers?q=jane", h.base))
                    .header("authorization", format!("Bearer {token}"))
                    .send()
                    .await
                    .unwrap();
                let status = clear_answer(&token, response).await?;
                prop_assert_eq!(status, 401, "{}", token);
                Ok(())
            })
        })
        .unwrap();
}
