//! The audit trail: what is recorded, who may read it, and that tampering with the file is found.

use std::process::Command;

use crate::harness::{Harness, error_code};

fn actions(entries: &serde_json::Value) -> Vec<(String, String, String)> {
    entries["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["actor"].as_str().unwrap().to_owned(),
                e["action"].as_str().unwrap().to_owned(),
                e["outcome"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn searches_views_denials_and_sign_ins_are_chained_and_verified() {
    let Some(h) = Harness::start() else { return };
    h.block_on(async {
        h.get_ok("agent1", "/v1/customers?q=a").await;
        h.get_ok("agent1", "/v1/customers/1").await;
        h.get_ok("agent1", "/v1/customers/1/transactions").await;
        assert_eq!(h.get("agent1", "/v1/customers/99999").await.status(), 404);
        assert_eq!(h.get("agent1", "/v1/audit").await.status(), 403);
        assert_eq!(
            h.get("admin", "/v1/customers/1/tickets").await.status(),
            403
        );

        let (_, page) = h.get_ok("supervisor", "/v1/audit?limit=100").await;
        let seen = actions(&page);
        for expected in [
            ("agent1", "sign_in", "ok"),
            ("agent1", "customer.search", "ok"),
            ("agent1", "customer.view", "ok"),
            ("agent1", "transactions.view", "ok"),
            ("agent1", "customer.view", "not_found"),
            ("agent1", "audit.read", "denied"),
            ("admin", "tickets.view", "denied"),
            ("supervisor", "sign_in", "ok"),
        ] {
            let expected = (expected.0.into(), expected.1.into(), expected.2.into());
            assert!(
                seen.contains(&expected),
                "{expected:?} missing from {seen:?}"
            );
        }
        let sign_ins = seen
            .iter()
            .filter(|(a, act, _)| a == "agent1" && act == "sign_in");
        assert_eq!(
            sign_ins.count(),
            1,
            "one sign-in per token, not per request"
        );
        let search = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["action"] == "customer.search")
            .unwrap();
        assert!(search["detail"].as_str().unwrap().contains("\"q\":\"a\""));
    });
    let verdict = h.verify();
    assert_eq!(verdict.broken, None);
    assert!(verdict.entries >= 10, "{verdict:?}");
}

fn verify_cli(h: &Harness) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_desk-server"))
        .args(["audit", "verify"])
        .env("DESK_SERVER_DATA_DIR", h.dir.path())
        .env_remove("DESK_SERVER_CONFIG")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn concurrent_reads_are_each_audited_once_in_one_unbroken_chain() {
    let Some(h) = Harness::start() else { return };
    h.block_on(async {
        // Warm the token and sign-in audit, so what follows is only the reads.
        h.get_ok("agent1", "/v1/me/policy").await;
    });
    let views = || h.count("SELECT COUNT(*) FROM audit WHERE action = 'customer.view'");
    let before = views();
    h.block_on(async {
        let paths: Vec<String> = (1..=120)
            .map(|i| format!("/v1/customers/{}", 1 + i % 40))
            .collect();
        let reads = paths.iter().map(|path| h.get("agent1", path));
        for r in futures_util::future::join_all(reads).await {
            assert_eq!(r.status(), 200);
        }
    });
    // The writer commits waiting entries together; each read still has exactly its own entry.
    assert_eq!(views(), before + 120);
    let (code, out) = verify_cli(&h);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn an_entry_that_cannot_be_written_fails_only_its_own_request() {
    let Some(h) = Harness::start() else { return };
    h.block_on(async {
        h.get_ok("agent1", "/v1/me/policy").await;
    });
    // Entries about customer 2 cannot be written; the others waiting with them can.
    h.sql(
        "CREATE TRIGGER refuse_customer_2 BEFORE INSERT ON audit \
         WHEN NEW.resource = 'customer:2' \
         BEGIN SELECT RAISE(ABORT, 'refused by a trigger'); END",
    );
    let views = || h.count("SELECT COUNT(*) FROM audit WHERE action = 'customer.view'");
    let before = views();
    let statuses = h.block_on(async {
        let paths: Vec<String> = (0..60)
            .map(|i| {
                format!(
                    "/v1/customers/{}",
                    if i % 20 == 10 { 2 } else { 3 + i % 30 }
                )
            })
            .collect();
        let reads = paths.iter().map(|path| h.get("agent1", path));
        let answers = futures_util::future::join_all(reads).await;
        paths
            .iter()
            .zip(answers)
            .map(|(p, r)| (p.clone(), r.status().as_u16()))
            .collect::<Vec<_>>()
    });
    let unexpected: Vec<_> = statuses
        .iter()
        .filter(|(path, status)| *status != if path.ends_with("/2") { 500 } else { 200 })
        .collect();
    assert!(unexpected.is_empty(), "{unexpected:?}");
    assert_eq!(views(), before + 57, "every other read has its entry");
    let (code, out) = verify_cli(&h);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn a_tampered_row_is_named_by_verify() {
    let Some(h) = Harness::start() else { return };
    h.block_on(async {
        for id in 1..=5 {
            h.get_ok("agent2", &format!("/v1/customers/{id}")).await;
        }
    });
    let (code, out) = verify_cli(&h);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("intact"), "{out}");

    // Someone with the file hides that agent2 opened customer 3.
    h.sql("UPDATE audit SET resource = 'customer:4' WHERE resource = 'customer:3'");
    let seq = h.count("SELECT seq FROM audit WHERE resource = 'customer:4' ORDER BY seq LIMIT 1");
    let (code, out) = verify_cli(&h);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(&format!("BROKEN at entry {seq}")), "{out}");

    let verdict = h.verify();
    assert_eq!(verdict.broken.unwrap().seq, seq);
}

#[test]
fn a_deleted_row_is_named_by_verify() {
    let Some(h) = Harness::start() else { return };
    h.block_on(async {
        for id in 1..=4 {
            h.get_ok("agent1", &format!("/v1/customers/{id}")).await;
        }
    });
    h.sql("DELETE FROM audit WHERE seq = 3");
    assert_eq!(h.verify().broken.unwrap().seq, 3);
}

#[test]
fn a_failing_audit_write_fails_the_request_and_the_change_it_records() {
    let Some(h) = Harness::start() else { return };
    let ticket = h.count("SELECT MIN(id) FROM tickets WHERE customer_id = 1");
    let messages = || h.count("SELECT COUNT(*) FROM messages");
    h.block_on(async {
        // Sign in first, so that the failure below is the audit of the action itself.
        h.get_ok("agent1", "/v1/me/policy").await;
    });
    let before = messages();
    h.sql(
        "CREATE TRIGGER audit_full BEFORE INSERT ON audit \
         BEGIN SELECT RAISE(ABORT, 'audit volume full'); END",
    );
    h.block_on(async {
        let r = h
            .post_json(
                "agent1",
                &format!("/v1/tickets/{ticket}/messages"),
                &serde_json::json!({"body": "This must not be stored."}),
            )
            .await;
        assert_eq!(r.status(), 500);
        let body = r.text().await.unwrap();
        assert!(
            body.contains("\"internal\"") && !body.contains("audit volume"),
            "{body}"
        );
        let r = h.get("agent1", "/v1/customers/1").await;
        let (status, code) = error_code(r).await;
        assert_eq!(
            (status, code.as_str()),
            (500, "internal"),
            "no unaudited read"
        );
    });
    assert_eq!(
        messages(),
        before,
        "the reply was rolled back with its audit entry"
    );
}
