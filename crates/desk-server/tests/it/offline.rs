//! Offline views uploaded by the client: recorded once each, for the token's subject, with the
//! time the agent looked, and all or nothing per upload.

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
        (with("key", json!("short")), "invalid_view"),
        (
            with("key", json!("offline-bad-key-with space")),
            "invalid_view",
        ),
        (with("key", json!("k".repeat(65))), "invalid_view"),
        (with("time", json!(future)), "invalid_view"),
        (with("time", json!(old)), "invalid_view"),
        (with("time", json!("yesterday")), "invalid_view"),
        (with("action", json!("customer.delete")), "invalid_view"),
        (with("action", json!("sign_in")), "invalid_view"),
        (with("resource", json!("ticket:1")), "invalid_view"),
        (with("resource", json!("customer:1 OR 1=1")), "invalid_view"),
    ];
    h.block_on(async {
        for (body, code) in &cases {
            let r = h.post_json("agent1", UPLOAD, body).await;
            let status = r.status().as_u16();
            let answer: Value = r.json().await.unwrap();
            assert_eq!(
                (status, answer["error"]["code"].as_str().unwrap()),
                (400, *code),
                "{body}"
            );
            if *code == "invalid_view" {
                let message = answer["error"]["message"].as_str().unwrap();
                assert!(message.starts_with("views[1]: "), "{message}");
            }
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
