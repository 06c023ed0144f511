//! Offline views uploaded by the client: recorded once each, for the token's subject, with the
//! time the agent looked, and all or nothing per upload; bounded to agents that may read
//! offline, to their offline windows, to a batch size and to a per-agent rate.

use chrono::{Duration, SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::harness::{Harness, error_code};

const UPLOAD: &str = "/v1/audit/offline";

fn ago(minutes: i64) -> String {
    (Utc::now() - Duration::minutes(minutes)).to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn view(key: &str, time: &str, action: &str, resource: &str) -> Value {
    json!({"key": key, "time": time, "action": action, "resource": resource})
}

/// The `offline.*` entries of the audit trail, oldest first, as an auditor reads them.
async fn offline_entries(h: &Harness) -> Vec<Value> {
    let (_, page) = h.get_ok("supervisor", "/v1/audit?limit=1000").await;
    let mut entries: Vec<Value> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"].as_str().unwrap().starts_with("offline."))
        .cloned()
        .collect();
    entries.reverse();
    entries
}

/// Stands for a policy allowing caching signed for `user` `hours_ago` hours ago, whose window
/// closes `hours_open` hours later: what the server stores when it signs one (the server's clock
/// cannot be moved back in a test, so the row is written as it would have been).
fn window_from(h: &Harness, user: &str, hours_ago: i64, hours_open: i64) {
    let opens = Utc::now().timestamp() - hours_ago * 3600;
    h.sql(&format!(
        "INSERT INTO offline_windows (actor, opens_at, closes_at) VALUES ('{user}', {opens}, {})",
        opens + hours_open * 3600
    ));
}

async fn upload(h: &Harness, user: &str, body: &Value) -> (u16, Value) {
    let r = h.post_json(user, UPLOAD, body).await;
    let status = r.status().as_u16();
    (status, r.json().await.unwrap())
}

#[test]
fn offline_views_are_recorded_once_for_the_uploader_with_their_own_times() {
    let h = Harness::start();
    let ticket = h.count("SELECT MIN(id) FROM tickets");
    // One time in another zone: it is recorded as the same instant, in UTC.
    let local = (Utc::now() - Duration::minutes(90))
        .with_timezone(&chrono::FixedOffset::east_opt(2 * 3600).unwrap())
        .to_rfc3339_opts(SecondsFormat::Millis, false);
    let local_utc = chrono::DateTime::parse_from_rfc3339(&local)
        .unwrap()
        .with_timezone(&Utc)
        .to_rfc3339_opts(SecondsFormat::Millis, true);
    let views = [
        (
            "offline-k-0001-aaaaaaaa",
            ago(120),
            "customer.view",
            "customer:3".to_owned(),
        ),
        (
            "offline-k-0002-bbbbbbbb",
            local,
            "ticket.view",
            format!("ticket:{ticket}"),
        ),
        (
            "offline-k-0003-cccccccc",
            ago(10),
            "customer.search",
            "customers".to_owned(),
        ),
    ];
    let body = json!({
        "views": views
            .iter()
            .map(|(k, t, a, r)| view(k, t, a, r))
            .collect::<Vec<_>>()
    });
    window_from(&h, "agent1", 10, 10);
    window_from(&h, "agent2", 10, 10);
    h.block_on(async {
        let (status, answer) = upload(&h, "agent1", &body).await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer, json!({"recorded": 3, "duplicates": 0}));

        let entries = offline_entries(&h).await;
        assert_eq!(entries.len(), 3, "{entries:?}");
        let expected_times = [views[0].1.clone(), local_utc, views[2].1.clone()];
        for ((entry, (key, _, action, resource)), time) in
            entries.iter().zip(&views).zip(&expected_times)
        {
            assert_eq!(entry["actor"], "agent1");
            assert_eq!(entry["action"], format!("offline.{action}"));
            assert_eq!(entry["resource"], resource.as_str());
            assert_eq!(entry["outcome"], "ok");
            let detail: Value = serde_json::from_str(entry["detail"].as_str().unwrap()).unwrap();
            assert_eq!(detail, json!({"viewed_at": time, "key": key}));
        }

        // The answer was lost and the client sends the same queue again: nothing doubles.
        let (status, answer) = upload(&h, "agent1", &body).await;
        assert_eq!(status, 200);
        assert_eq!(answer, json!({"recorded": 0, "duplicates": 3}));

        // A key repeated inside one upload counts once; a known key is a duplicate.
        let again = json!({"views": [
            view("offline-k-0004-dddddddd", &ago(5), "transactions.view", "customer:3"),
            view("offline-k-0004-dddddddd", &ago(5), "transactions.view", "customer:3"),
            view("offline-k-0001-aaaaaaaa", &ago(120), "customer.view", "customer:3"),
        ]});
        let (_, answer) = upload(&h, "agent1", &again).await;
        assert_eq!(answer, json!({"recorded": 1, "duplicates": 2}));

        // Another agent's upload is recorded under that agent, whoever sends what.
        let theirs = json!({"views": [
            view("offline-k-agent2-0001", &ago(1), "tickets.view", "customer:9"),
        ]});
        let (_, answer) = upload(&h, "agent2", &theirs).await;
        assert_eq!(answer, json!({"recorded": 1, "duplicates": 0}));

        let entries = offline_entries(&h).await;
        let actors: Vec<&str> = entries
            .iter()
            .map(|e| e["actor"].as_str().unwrap())
            .collect();
        assert_eq!(actors, ["agent1", "agent1", "agent1", "agent1", "agent2"]);
        assert_eq!(entries[4]["action"], "offline.tickets.view");

        // Each upload is itself on the trail, with what it did.
        let (_, page) = h.get_ok("supervisor", "/v1/audit?limit=1000").await;
        let uploads: Vec<Value> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "audit.upload")
            .map(|e| serde_json::from_str(e["detail"].as_str().unwrap()).unwrap())
            .collect();
        assert_eq!(uploads.len(), 4);
        assert!(
            uploads.contains(&json!({"recorded": 0, "duplicates": 3})),
            "{uploads:?}"
        );
    });
    assert_eq!(
        h.count("SELECT COUNT(*) FROM offline_views WHERE actor = 'agent1'"),
        4
    );
    assert_eq!(
        h.count("SELECT COUNT(*) FROM offline_views WHERE actor = 'agent2'"),
        1
    );
    assert_eq!(h.verify().broken, None);
}

#[test]
fn forged_or_invalid_uploads_are_refused_whole_and_record_nothing() {
    let h = Harness::start();
    let good = view(
        "offline-good-00000001",
        &ago(3),
        "customer.view",
        "customer:1",
    );
    let with = |field: &str, value: Value| {
        let mut v = view(
            "offline-bad-000000001",
            &ago(3),
            "customer.view",
            "customer:1",
        );
        v[field] = value;
        // The bad view comes second: the good one before it must not be kept either.
        json!({"views": [good.clone(), v]})
    };
    let mut forged_view = good.clone();
    forged_view["actor"] = json!("agent2");
    let too_many: Vec<Value> = (0..501)
        .map(|i| {
            view(
                &format!("offline-many-{i:08}"),
                &ago(3),
                "customer.view",
                "customer:1",
            )
        })
        .collect();
    let future = (Utc::now() + Duration::minutes(10)).to_rfc3339();
    let old = (Utc::now() - Duration::days(31)).to_rfc3339();
    let cases = [
        (json!({"views": [forged_view]}), "invalid_body"),
        (
            json!({"views": [good.clone()], "actor": "agent2"}),
            "invalid_body",
        ),
        (
            json!({"views": [{"key": "offline-good-00000002"}]}),
            "invalid_body",
        ),
        (json!({"views": "all"}), "invalid_body"),
        (json!({"views": too_many}), "too_many_views"),
        (with("key", json!("short")), "invalid_key"),
        (
            with("key", json!("offline-bad-key-with space")),
            "invalid_key",
        ),
        (with("key", json!("k".repeat(65))), "invalid_key"),
        (with("time", json!(future)), "future_time"),
        (with("time", json!(old)), "outside_window"),
        (with("time", json!("yesterday")), "invalid_time"),
        (with("time", json!(ago(11 * 60))), "outside_window"),
        (with("action", json!("customer.delete")), "invalid_action"),
        (with("action", json!("sign_in")), "invalid_action"),
        (with("resource", json!("ticket:1")), "invalid_resource"),
        (
            with("resource", json!("customer:1 OR 1=1")),
            "invalid_resource",
        ),
    ];
    window_from(&h, "agent1", 10, 10);
    h.block_on(async {
        for (body, expected) in &cases {
            let r = h.post_json("agent1", UPLOAD, body).await;
            let status = r.status().as_u16();
            let answer: Value = r.json().await.unwrap();
            let error = &answer["error"];
            let code = error["code"].as_str().unwrap();
            if expected.starts_with("invalid_body") || expected.starts_with("too_many") {
                assert_eq!((status, code), (400, *expected), "{body}");
                assert!(error.get("refused_views").is_none(), "{answer}");
                continue;
            }
            // One view refused, named by its index and why; the good one before it is not
            // named, and a malformed key is not sent back.
            assert_eq!((status, code), (400, "invalid_view"), "{body}");
            let message = error["message"].as_str().unwrap();
            assert!(message.starts_with("views[1]: "), "{message}");
            let mut named = json!({"index": 1, "reason": expected});
            if !expected.ends_with("_key") {
                named["key"] = json!("offline-bad-000000001");
            }
            assert_eq!(error["refused_views"], json!([named]), "{body}");
        }
        let r = h
            .http
            .post(format!("{}{UPLOAD}", h.base))
            .bearer_auth(h.token("agent1"))
            .header("content-type", "application/json")
            .body("{\"views\": [")
            .send()
            .await
            .unwrap();
        assert_eq!(error_code(r).await, (400, "malformed_json".into()));
        let r = h
            .http
            .post(format!("{}{UPLOAD}", h.base))
            .json(&json!({"views": [good]}));
        assert_eq!(error_code(r.send().await.unwrap()).await.0, 401);
        assert!(offline_entries(&h).await.is_empty());
    });
    assert_eq!(h.count("SELECT COUNT(*) FROM offline_views"), 0);
    assert_eq!(
        h.count(
            "SELECT COUNT(*) FROM audit WHERE action LIKE 'offline.%' OR action = 'audit.upload'"
        ),
        0
    );
    assert_eq!(h.verify().broken, None);
}

#[test]
fn a_crafted_upload_with_bad_views_among_good_ones_records_nothing_and_names_each_bad_one() {
    let h = Harness::start();
    window_from(&h, "agent1", 10, 10);
    let good = |n: u32| {
        view(
            &format!("offline-crafted-good-{n:04}"),
            &ago(30),
            "customer.view",
            "customer:2",
        )
    };
    // What an agent (or a stolen token) might send to learn what the server takes, or to get
    // views recorded that it did not make: a view from before any window, one with a key of
    // 200 KB of markup (which must not come back), one naming a search's text, one from a
    // clock ahead of the server's, among views that break no rule.
    let hostile_key = format!("<script>{}</script>", "x".repeat(200_000));
    let body = json!({"views": [
        good(0),
        view("offline-crafted-old-0001", &ago(24 * 60), "customer.view", "customer:2"),
        good(1),
        view(&hostile_key, &ago(30), "customer.view", "customer:2"),
        view("offline-crafted-text-001", &ago(30), "customer.search", "customers?q=jane@example.com"),
        view(
            "offline-crafted-soon-001",
            &(Utc::now() + Duration::hours(1)).to_rfc3339(),
            "ticket.view",
            "ticket:1",
        ),
        good(2),
    ]});
    // The agent's first request is its sign-in, an entry of its own: made before counting.
    h.block_on(h.policy("agent1"));
    let before = h.count("SELECT COUNT(*) FROM audit");
    h.block_on(async {
        let r = h.post_json("agent1", UPLOAD, &body).await;
        assert_eq!(r.status().as_u16(), 400);
        let text = r.text().await.unwrap();
        assert!(
            text.len() < 2_000,
            "the refusal stays small: {} bytes",
            text.len()
        );
        for echoed in ["script", "xxxx", "jane", "example.com", "customers?q"] {
            assert!(!text.contains(echoed), "{echoed} came back: {text}");
        }
        let answer: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(answer["error"]["code"], "invalid_view");
        assert_eq!(
            answer["error"]["refused_views"],
            json!([
                {"index": 1, "key": "offline-crafted-old-0001", "reason": "outside_window"},
                {"index": 3, "reason": "invalid_key"},
                {"index": 4, "key": "offline-crafted-text-001", "reason": "invalid_resource"},
                {"index": 5, "key": "offline-crafted-soon-001", "reason": "future_time"},
            ])
        );
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(
            message.starts_with("views[1]: time is outside your offline window"),
            "{message}"
        );
        assert!(message.contains("4 views are refused in all"), "{message}");
    });
    assert_eq!(
        h.count("SELECT COUNT(*) FROM audit"),
        before,
        "nothing recorded"
    );
    assert_eq!(h.count("SELECT COUNT(*) FROM offline_views"), 0);

    // Without the views named, the rest is taken at once, each view once.
    h.block_on(async {
        let rest = json!({"views": [good(0), good(1), good(2)]});
        let (status, answer) = upload(&h, "agent1", &rest).await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer, json!({"recorded": 3, "duplicates": 0}));
    });
    assert_eq!(
        offline_entries_of(&h),
        vec![
            (
                "agent1".to_owned(),
                "offline.customer.view".to_owned(),
                "customer:2".to_owned()
            );
            3
        ]
    );
    assert_eq!(h.verify().broken, None);
}

#[test]
fn a_full_upload_of_five_hundred_views_is_taken_in_one_request() {
    let h = Harness::start();
    let views: Vec<Value> = (0..500)
        .map(|i| {
            let key = format!("{i:04}{}", "k".repeat(60));
            view(
                &key,
                &ago(i),
                "transactions.view",
                &format!("customer:{}", 1 + i % 50),
            )
        })
        .collect();
    let body = json!({ "views": views });
    // Larger than the ordinary body limit (64 KiB): the upload has its own.
    assert!(body.to_string().len() > 64 * 1024);
    window_from(&h, "agent2", 10, 10);
    h.block_on(async {
        let (status, answer) = upload(&h, "agent2", &body).await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer, json!({"recorded": 500, "duplicates": 0}));
    });
    assert_eq!(
        h.count("SELECT COUNT(*) FROM audit WHERE action = 'offline.transactions.view' AND actor = 'agent2'"),
        500
    );
    assert_eq!(h.verify().broken, None);
}

/// The audit entries of `action`, as (actor, resource, outcome), read from the file.
fn entries_of(h: &Harness, action: &str) -> Vec<(String, String, String)> {
    h.rows(&format!(
        "SELECT actor, resource, outcome FROM audit WHERE action = '{action}' ORDER BY seq"
    ))
}

#[test]
fn an_agent_whose_policy_caches_nothing_may_not_upload_and_the_refusal_is_audited() {
    let h = Harness::start();
    // The admin role caches nothing; `norole` holds no role at all; neither was ever given a
    // policy that did.
    let body =
        json!({"views": [view("offline-admin-00000001", &ago(1), "customer.view", "customer:1")]});
    h.block_on(async {
        for user in ["admin", "norole"] {
            let policy = h.policy(user).await;
            assert!(policy.policy.cache.ttl_secs.is_empty(), "{user}");
            let (status, answer) = upload(&h, user, &body).await;
            assert_eq!(
                (status, answer["error"]["code"].as_str().unwrap()),
                (403, "forbidden"),
                "{user}: {answer}"
            );
        }
        // Not even an empty upload, which would still append its own entry.
        let (status, _) = upload(&h, "admin", &json!({"views": []})).await;
        assert_eq!(status, 403);
    });
    assert_eq!(
        entries_of(&h, "audit.upload"),
        [
            ("admin".into(), "offline_views".into(), "denied".into()),
            ("norole".into(), "offline_views".into(), "denied".into()),
            ("admin".into(), "offline_views".into(), "denied".into()),
        ]
    );
    assert_eq!(h.count("SELECT COUNT(*) FROM offline_views"), 0);
    assert_eq!(
        h.count("SELECT COUNT(*) FROM audit WHERE action LIKE 'offline.%'"),
        0
    );
    // A role that caches nothing now but did when the view was made (a policy this server
    // signed opened the window) still reports it: its views are not erased with its caching.
    window_from(&h, "admin", 10, 10);
    h.block_on(async {
        let (status, answer) = upload(&h, "admin", &body).await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer["recorded"], 1, "{answer}");
    });
    // A policy that caches nothing opens no offline window either.
    assert_eq!(
        h.count("SELECT COUNT(*) FROM offline_windows WHERE actor IN ('norole')"),
        0
    );
    assert_eq!(h.verify().broken, None);
}

#[test]
fn a_view_must_lie_in_an_offline_window_of_a_policy_the_server_signed_for_the_agent() {
    let h = Harness::start();
    let one =
        |key: &str, time: &str| json!({"views": [view(key, time, "customer.view", "customer:2")]});
    let at = |t: chrono::DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Millis, true);
    h.block_on(async {
        // No policy signed yet: the agent cannot have read anything offline.
        let (status, answer) = upload(&h, "agent1", &one("offline-win-000000001", &ago(0))).await;
        assert_eq!(
            (status, answer["error"]["code"].as_str().unwrap()),
            (400, "invalid_view")
        );
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(
            message.starts_with("views[0]: time is outside your offline window"),
            "{message}"
        );
    });
    assert_eq!(h.count("SELECT COUNT(*) FROM offline_windows"), 0);

    // The agent fetches its policy: its window opens at the policy's issue time and closes at
    // its expiry plus the role's grace (agent_l1: 3600 s and 14400 s).
    let claims = h.block_on(h.policy("agent1"));
    let [(opens, closes)]: [(i64, i64); 1] = h
        .rows("SELECT opens_at, closes_at FROM offline_windows WHERE actor = 'agent1'")
        .try_into()
        .unwrap();
    assert_eq!(opens, claims.iat);
    assert_eq!(
        closes,
        claims.exp + claims.policy.cache.offline_grace_secs as i64
    );
    assert_eq!(closes - opens, 3600 + 14400);
    // Fetching again at once extends the same window; it opens no second one.
    h.block_on(h.policy("agent1"));
    assert_eq!(
        h.count("SELECT COUNT(*) FROM offline_windows WHERE actor = 'agent1'"),
        1
    );

    // An earlier stretch of policies, ten to twenty hours ago (the agent then went offline).
    window_from(&h, "agent1", 20, 10);
    let issued = chrono::DateTime::from_timestamp(claims.iat, 0).unwrap();
    let hours = |n: i64| Utc::now() - Duration::hours(n);
    // agent2's first request is its sign-in, an entry of its own: made before counting.
    h.block_on(h.policy("agent2"));
    let before = h.count("SELECT COUNT(*) FROM audit");
    h.block_on(async {
        let refused = [
            // Backdated before any policy the agent was given.
            ("offline-win-000000002", at(hours(21))),
            // Between the two windows: the earlier one had closed (its grace ended).
            ("offline-win-000000003", at(hours(9))),
            ("offline-win-000000004", at(issued - Duration::minutes(5))),
            // In the future, though inside the open window.
            (
                "offline-win-000000005",
                at(Utc::now() + Duration::minutes(10)),
            ),
            // Thirty days back, which was once allowed.
            ("offline-win-000000006", at(Utc::now() - Duration::days(29))),
        ];
        for (key, time) in &refused {
            let (status, answer) = upload(&h, "agent1", &one(key, time)).await;
            assert_eq!(
                (status, answer["error"]["code"].as_str().unwrap()),
                (400, "invalid_view"),
                "{time}: {answer}"
            );
        }
        // Another agent's window is not this one's.
        let (status, _) = upload(&h, "agent2", &one("offline-win-000000007", &at(hours(15)))).await;
        assert_eq!(status, 400);
    });
    assert_eq!(
        h.count("SELECT COUNT(*) FROM audit"),
        before,
        "refusals record nothing"
    );
    assert_eq!(h.count("SELECT COUNT(*) FROM offline_views"), 0);

    h.block_on(async {
        // Inside either window, including one uploaded long after it closed.
        let body = json!({"views": [
            view("offline-win-000000010", &at(hours(15)), "customer.view", "customer:2"),
            view("offline-win-000000011", &at(issued), "customer.view", "customer:2"),
            view("offline-win-000000012", &ago(0), "ticket.view", "ticket:3"),
        ]});
        let (status, answer) = upload(&h, "agent1", &body).await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer, json!({"recorded": 3, "duplicates": 0}));
    });
    assert_eq!(h.verify().broken, None);
}

#[test]
fn over_its_rate_an_agent_is_told_to_retry_later_and_nothing_is_recorded_until_then() {
    // Ten views a second, 500 at once: the smallest burst, so the test need not send more.
    let h = Harness::start_with(|config| {
        config.offline_upload_views_per_minute = 600;
        config.offline_upload_burst = 500;
    });
    window_from(&h, "agent1", 10, 10);
    window_from(&h, "agent2", 10, 10);
    let batch = |tag: &str, n: usize| {
        json!({"views": (0..n)
            .map(|i| view(&format!("offline-rate-{tag}-{i:06}"), &ago(5), "customer.view", "customer:4"))
            .collect::<Vec<_>>()})
    };
    let full = batch("full", 500);
    let more = batch("more", 30);
    let recorded = |h: &Harness| {
        h.count(
            "SELECT COUNT(*) FROM audit WHERE action LIKE 'offline.%' OR action = 'audit.upload'",
        )
    };
    let (first, _) = h.block_on(upload(&h, "agent1", &full));
    assert_eq!(first, 200);
    let before = recorded(&h);
    let wait = h.block_on(async {
        let r = h.post_json("agent1", UPLOAD, &more).await;
        assert_eq!(r.status().as_u16(), 429);
        let retry: u64 = r.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        let answer: Value = r.json().await.unwrap();
        assert_eq!(answer["error"]["code"], "too_many_uploads", "{answer}");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(message.contains(&format!("{retry} s")), "{message}");
        // Thirty views at ten a second: about three seconds.
        assert!((1..=4).contains(&retry), "{retry}");
        // Another agent has its own rate.
        let (status, _) = upload(&h, "agent2", &batch("other", 500)).await;
        assert_eq!(status, 200);
        retry
    });
    assert_eq!(
        recorded(&h),
        before + 501,
        "only agent2's upload was recorded"
    );
    assert_eq!(
        h.count("SELECT COUNT(*) FROM offline_views WHERE actor = 'agent1'"),
        500
    );

    // After the wait the same upload is taken whole.
    std::thread::sleep(std::time::Duration::from_secs(wait));
    let (status, answer) = h.block_on(upload(&h, "agent1", &more));
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer, json!({"recorded": 30, "duplicates": 0}));
    assert_eq!(
        h.count("SELECT COUNT(*) FROM offline_views WHERE actor = 'agent1'"),
        530
    );
    assert_eq!(h.verify().broken, None);
}

#[test]
fn keys_are_per_agent_so_nobody_can_make_another_agents_pending_view_be_skipped() {
    let h = Harness::start();
    window_from(&h, "agent1", 10, 10);
    window_from(&h, "agent2", 10, 10);
    // agent1's queue holds a view under this key; agent2 learns the key (a shared laptop, a
    // log) and uploads it first, hoping the real view is then skipped as a duplicate.
    let key = "victim-key-0000000001";
    let real = json!({"views": [view(key, &ago(30), "customer.view", "customer:5")]});
    let decoy = json!({"views": [view(key, &ago(30), "customer.search", "customers")]});
    h.block_on(async {
        let (_, answer) = upload(&h, "agent2", &decoy).await;
        assert_eq!(answer, json!({"recorded": 1, "duplicates": 0}));
        let (_, answer) = upload(&h, "agent1", &real).await;
        assert_eq!(
            answer,
            json!({"recorded": 1, "duplicates": 0}),
            "agent1's view is recorded"
        );
        // agent1's own retry is still a duplicate.
        let (_, answer) = upload(&h, "agent1", &real).await;
        assert_eq!(answer, json!({"recorded": 0, "duplicates": 1}));
    });
    let entries = offline_entries_of(&h);
    assert_eq!(
        entries,
        [
            (
                "agent2".into(),
                "offline.customer.search".into(),
                "customers".into()
            ),
            (
                "agent1".into(),
                "offline.customer.view".into(),
                "customer:5".into()
            ),
        ]
    );
    assert_eq!(h.count("SELECT COUNT(*) FROM offline_views"), 2);
    assert_eq!(h.verify().broken, None);
}

fn offline_entries_of(h: &Harness) -> Vec<(String, String, String)> {
    h.rows("SELECT actor, action, resource FROM audit WHERE action LIKE 'offline.%' ORDER BY seq")
}
