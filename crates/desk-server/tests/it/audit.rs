//! The audit trail: what is recorded, who may read it, and that tampering with the database is
//! found.

use desk_server::store::sqlite::FILE_NAME;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::harness::{Database, Engine, Harness, error_code, every_role_reads_with, unlimited};

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
    let h = Harness::start();
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
        // What was searched is kept masked and hashed, never as typed.
        let detail: serde_json::Value =
            serde_json::from_str(search["detail"].as_str().unwrap()).unwrap();
        assert_eq!(detail["by"], "name", "{detail}");
        assert_eq!(detail["q_masked"], "a•••", "{detail}");
        assert_eq!(detail["q_hmac"].as_str().unwrap().len(), 64, "{detail}");
        assert!(detail.get("q").is_none(), "{detail}");
    });
    let verdict = h.verify();
    assert_eq!(verdict.broken, None);
    assert!(verdict.entries >= 10, "{verdict:?}");
}

/// `desk-server audit verify` on the harness's data.
fn verify_cli(h: &Harness) -> (i32, String) {
    let out = h.command(&["audit", "verify"]).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn concurrent_reads_are_each_audited_once_in_one_unbroken_chain() {
    // Reads at once, faster than a read budget lets a person: the writer is what is tested.
    let h = Harness::start_with(every_role_reads_with(unlimited()));
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
    // Reads at once, faster than a read budget lets a person: the writer is what is tested.
    let h = Harness::start_with(every_role_reads_with(unlimited()));
    h.block_on(async {
        h.get_ok("agent1", "/v1/me/policy").await;
    });
    // Entries about customer 2 cannot be written; the others waiting with them can.
    h.fail_audit_inserts_where("NEW.resource = 'customer:2'", "refused by a trigger");
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
fn an_insider_reading_the_database_right_after_an_answer_finds_its_read_there() {
    // Reads at once, faster than a read budget lets a person: the writer is what is tested.
    let h = Harness::start_with(every_role_reads_with(unlimited()));
    let h = &h;
    h.block_on(async {
        h.get_ok("agent1", "/v1/me/policy").await;
        // Forty lookups at once, each customer once; the moment each answer is in, a connection
        // other than the one the server's audit writer commits on (the test's pool of the
        // database, on either engine) looks for its entry.
        let checks = (1..=40).map(|id| async move {
            let response = h.get("agent1", &format!("/v1/customers/{id}")).await;
            assert_eq!(response.status(), 200);
            let found = h
                .count_async(&format!(
                    "SELECT COUNT(*) FROM audit WHERE action = 'customer.view' \
                         AND outcome = 'ok' AND resource = 'customer:{id}'"
                ))
                .await;
            assert_eq!(
                found, 1,
                "customer {id}: answered before its entry was committed"
            );
            let body = response.text().await.unwrap();
            assert!(body.contains(&format!("\"id\":{id}")), "{body}");
        });
        futures_util::future::join_all(checks).await;
    });
    let (code, out) = verify_cli(h);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn a_tampered_row_is_named_by_verify() {
    let h = Harness::start();
    h.block_on(async {
        for id in 1..=5 {
            h.get_ok("agent2", &format!("/v1/customers/{id}")).await;
        }
    });
    let (code, out) = verify_cli(&h);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("intact"), "{out}");

    // Someone with the database hides that agent2 opened customer 3.
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
    let h = Harness::start();
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
    let h = Harness::start();
    let ticket = h.count("SELECT MIN(id) FROM tickets WHERE customer_id = 1");
    let messages = || h.count("SELECT COUNT(*) FROM messages");
    h.block_on(async {
        // Sign in first, so that the failure below is the audit of the action itself.
        h.get_ok("agent1", "/v1/me/policy").await;
    });
    let before = messages();
    h.fail_audit_inserts_where("TRUE", "audit volume full");
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

/// What a customer can be found by, as stored.
struct Values {
    email: String,
    phone: String,
    iban: String,
}

impl Values {
    fn of(h: &Harness, customer: i64) -> Self {
        let [(email, phone)]: [(String, String); 1] = h
            .rows(&format!(
                "SELECT email, phone FROM customers WHERE id = {customer}"
            ))
            .try_into()
            .unwrap();
        let [(iban,)]: [(String,); 1] = h
            .rows(&format!(
                "SELECT number FROM accounts WHERE customer_id = {customer} ORDER BY id LIMIT 1"
            ))
            .try_into()
            .unwrap();
        Self { email, phone, iban }
    }

    /// The IBAN in upper case without spaces, as the search compares it.
    fn iban_compact(&self) -> String {
        self.iban
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase()
    }

    fn phone_digits(&self) -> String {
        self.phone.chars().filter(char::is_ascii_digit).collect()
    }

    /// The last nine digits, which are what a phone search compares.
    fn phone_tail(&self) -> String {
        let digits = self.phone_digits();
        digits[digits.len().saturating_sub(9)..].to_owned()
    }

    /// How often `bytes` hold each value in any common spelling: the e-mail address and its
    /// local part in any case; the IBAN in any case, with or without spaces or dashes; the
    /// phone number in any notation (every run of digits and phone punctuation is read as its
    /// digits, and the number's last nine digits looked for in them).
    fn occurrences(&self, bytes: &[u8]) -> Vec<(&'static str, usize)> {
        let lower = bytes.to_ascii_lowercase();
        let email = self.email.to_ascii_lowercase();
        let local = email.split('@').next().unwrap().to_owned();
        let squeezed: Vec<u8> = lower
            .iter()
            .copied()
            .filter(|b| !b.is_ascii_whitespace() && *b != b'-')
            .collect();
        let iban = self.iban_compact().to_ascii_lowercase();
        let tail = self.phone_tail();
        let phone = lower
            .split(|b| !(b.is_ascii_digit() || b" +-().".contains(b)))
            .map(|run| {
                let digits: Vec<u8> = run.iter().copied().filter(u8::is_ascii_digit).collect();
                count(&digits, tail.as_bytes())
            })
            .sum();
        vec![
            ("e-mail address", count(&lower, email.as_bytes())),
            ("e-mail local part", count(&lower, local.as_bytes())),
            ("IBAN", count(&squeezed, iban.as_bytes())),
            ("phone number", phone),
        ]
    }

    /// The values `bytes` show, by name.
    fn shown_in(&self, bytes: &[u8]) -> Vec<&'static str> {
        self.occurrences(bytes)
            .into_iter()
            .filter(|(_, n)| *n > 0)
            .map(|(what, _)| what)
            .collect()
    }
}

fn count(haystack: &[u8], needle: &[u8]) -> usize {
    if needle.is_empty() || haystack.len() < needle.len() {
        return 0;
    }
    haystack
        .windows(needle.len())
        .filter(|w| *w == needle)
        .count()
}

fn query_param(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// HMAC-SHA256 of `message` under the key in the key file, computed here rather than by the
/// server's code.
fn expected_hmac(key_file: &std::path::Path, message: &str) -> String {
    let text = std::fs::read_to_string(key_file).unwrap();
    let key = hex::decode(text.trim_end_matches('\n')).unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(message.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The database file and its write-ahead log, as bytes.
fn database_bytes(h: &Harness) -> (Vec<u8>, Vec<u8>) {
    let db = h.dir.path().join(FILE_NAME);
    let wal = h.dir.path().join(format!("{FILE_NAME}-wal"));
    (
        std::fs::read(db).unwrap(),
        std::fs::read(wal).unwrap_or_default(),
    )
}

fn find_cli(h: &Harness, args: &[&str]) -> (i32, String, String) {
    let out = h
        .command(&["audit", "find"])
        .args(args)
        .env_remove("DESK_SERVER_AUDIT_KEY_FILE")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn searched_values_stay_out_of_the_trail_and_the_file_but_can_be_found_with_the_key() {
    // On SQLite: it reads the database file and its write-ahead log byte by byte.
    let h = Harness::start_sqlite();
    let customer = h.count("SELECT MIN(customer_id) FROM accounts");
    let other = h.count(&format!(
        "SELECT MIN(customer_id) FROM accounts WHERE customer_id > {customer}"
    ));
    let values = Values::of(&h, customer);
    let never_searched = Values::of(&h, other);
    assert!(values.phone_digits().len() >= 9, "{}", values.phone);
    let key_file = h.dir.path().join(desk_server::audit::key::FILE_NAME);

    h.block_on(async {
        // Sign in first, so that what the searches write is only their own entries.
        h.get_ok("supervisor", "/v1/me/policy").await;
    });
    // Everything written so far goes into the database file and the log starts empty: from
    // here on, the log holds exactly what the searches write.
    h.sql("PRAGMA wal_checkpoint(TRUNCATE)");
    let (db_before, wal_before) = database_bytes(&h);
    assert!(wal_before.is_empty(), "the log was not emptied");
    let in_db_before = values.occurrences(&db_before);
    assert!(
        in_db_before.iter().all(|(_, n)| *n > 0),
        "the check finds the customer's own record: {in_db_before:?}"
    );

    let typed = [
        values.iban_compact(),
        values.email.clone(),
        values.phone.clone(),
    ];
    h.block_on(async {
        for q in &typed {
            let (_, page) = h
                .get_ok("supervisor", &format!("/v1/customers?q={}", query_param(q)))
                .await;
            let ids: Vec<i64> = page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_i64().unwrap())
                .collect();
            assert!(ids.contains(&customer), "{q} finds the customer: {page}");
        }
    });

    // (b) The log holds what the searches wrote, and none of it is a searched value; the
    // database file, once the log is in it, holds them no more often than before.
    let (_, wal) = database_bytes(&h);
    assert!(!wal.is_empty(), "the searches were written to the log");
    assert_eq!(
        values.shown_in(&wal),
        Vec::<&str>::new(),
        "in the -wal file"
    );
    h.sql("PRAGMA wal_checkpoint(TRUNCATE)");
    let (db_after, _) = database_bytes(&h);
    assert_eq!(
        values.occurrences(&db_after),
        in_db_before,
        "in the database file"
    );

    // (a) The trail as the admin (who sees only names, tier and status) and the supervisor
    // read it: masked forms and hashes, no values.
    let tail = values.phone_tail();
    let iban_last4 = &values.iban_compact()[values.iban_compact().len() - 4..];
    let email = values.email.to_ascii_lowercase();
    let (local, domain) = email.split_once('@').unwrap();
    let expected = [
        (
            "account",
            format!("•••• {iban_last4}"),
            expected_hmac(&key_file, &format!("account\0{}", values.iban_compact())),
        ),
        (
            "email",
            format!("{}•••@{domain}", local.chars().next().unwrap()),
            expected_hmac(&key_file, &format!("email\0{email}")),
        ),
        (
            "phone",
            format!("•••{}", &tail[tail.len() - 2..]),
            expected_hmac(&key_file, &format!("phone\0{tail}")),
        ),
    ];
    for reader in ["admin", "supervisor"] {
        let (text, page) = h.block_on(h.get_ok(reader, "/v1/audit?limit=1000"));
        assert_eq!(
            values.shown_in(text.as_bytes()),
            Vec::<&str>::new(),
            "{reader}: {text}"
        );
        let searches: Vec<serde_json::Value> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "customer.search" && e["actor"] == "supervisor")
            .map(|e| serde_json::from_str(e["detail"].as_str().unwrap()).unwrap())
            .collect();
        for (by, masked, hmac) in &expected {
            let found = searches.iter().find(|d| d["by"] == *by).unwrap_or_else(|| {
                panic!("{reader}: no search by {by} in {searches:?}");
            });
            assert_eq!(found["q_masked"], *masked, "{reader}: {found}");
            assert_eq!(found["q_hmac"], *hmac, "{reader}: {found}");
            assert!(found["results"].as_u64().unwrap() >= 1, "{found}");
            assert_eq!(found.as_object().unwrap().len(), 4, "{found}");
        }
    }

    // (c) With the key, the value finds the searches, however it is spelled now.
    let iban_spaced = values.iban.to_ascii_lowercase();
    assert!(iban_spaced.contains(' '), "{iban_spaced}");
    let digits = values.phone_digits();
    let phone_other: String = format!("00{digits}")
        .as_bytes()
        .chunks(3)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join("-");
    assert_ne!(phone_other, values.phone);
    let email_upper = values.email.to_ascii_uppercase();
    for (value, by) in [
        (iban_spaced.as_str(), "account"),
        (phone_other.as_str(), "phone"),
        (email_upper.as_str(), "email"),
    ] {
        let (code, out, err) = find_cli(&h, &["--searched", value, "--json"]);
        assert_eq!(code, 0, "{out}{err}");
        let answer: serde_json::Value = serde_json::from_str(&out).unwrap();
        let searches = answer["searches"].as_array().unwrap();
        assert_eq!(searches.len(), 1, "{value}: {answer}");
        assert_eq!(searches[0]["actor"], "supervisor", "{answer}");
        assert_eq!(searches[0]["by"], by, "{answer}");
        assert!(searches[0]["results"].as_u64().unwrap() >= 1, "{answer}");
        let (_, masked, hmac) = expected.iter().find(|e| e.0 == by).unwrap();
        assert_eq!(searches[0]["q_masked"], *masked, "{answer}");
        assert_eq!(answer["q_hmac"], *hmac, "{answer}");
        assert_eq!(values.shown_in(out.as_bytes()), Vec::<&str>::new(), "{out}");

        let (code, out, err) = find_cli(&h, &["--searched", value, "--by", by]);
        assert_eq!(code, 0, "{out}{err}");
        assert!(
            out.contains("supervisor") && out.contains(&format!("by {by}")),
            "{out}"
        );
        assert_eq!(out.lines().count(), 1, "{out}");
    }
    // The value may come on standard input, out of shell history and process listings.
    let mut child = h
        .command(&["audit", "find", "--searched", "-"])
        .env_remove("DESK_SERVER_AUDIT_KEY_FILE")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        writeln!(stdin, "{iban_spaced}").unwrap();
    }
    let out = child.wait_with_output().unwrap();
    let out = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.contains("supervisor") && out.contains("by account"),
        "{out}"
    );
    // A value nobody searched for, and a searched one read as another kind, find nothing.
    for args in [
        vec!["--searched", never_searched.iban.as_str()],
        vec!["--searched", never_searched.email.as_str(), "--json"],
        vec!["--searched", typed[0].as_str(), "--by", "name"],
    ] {
        let (code, out, err) = find_cli(&h, &args);
        assert_eq!(code, 0, "{args:?}: {out}{err}");
        if args.contains(&"--json") {
            let answer: serde_json::Value = serde_json::from_str(&out).unwrap();
            assert_eq!(answer["searches"], serde_json::json!([]), "{answer}");
        } else {
            assert_eq!(out.trim(), "no search for that value", "{args:?}");
        }
    }

    // (d) The key is a file of its own, for its owner only, and the database holds none of it.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let key_text = std::fs::read_to_string(&key_file).unwrap();
    let key_bytes = hex::decode(key_text.trim_end()).unwrap();
    assert_eq!(key_bytes.len(), 32);
    let (db, wal) = database_bytes(&h);
    for file in [&db, &wal] {
        assert_eq!(count(file, key_text.trim_end().as_bytes()), 0);
        assert_eq!(
            count(&file.to_ascii_lowercase(), key_text.trim_end().as_bytes()),
            0
        );
        assert_eq!(count(file, &key_bytes), 0);
    }

    let (code, out) = verify_cli(&h);
    assert_eq!(code, 0, "{out}");
}

/// Writes a key file as its owner keeps it, readable by the owner only (a looser one is refused
/// for that before its contents are read).
fn write_private(path: &std::path::Path, text: &str) {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .unwrap();
    file.write_all(text.as_bytes()).unwrap();
}

#[test]
fn audit_find_needs_the_key_and_refuses_a_damaged_one() {
    let h = Harness::start();
    let run = |key_file: &std::path::Path| {
        let out = h
            .command(&["audit", "find", "--searched", "jane@example.com"])
            .env("DESK_SERVER_AUDIT_KEY_FILE", key_file)
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let missing = h.dir.path().join("elsewhere").join("audit-search-key");
    let (code, err) = run(&missing);
    assert_ne!(code, 0, "{err}");
    assert!(
        err.contains("elsewhere") && err.contains("no such file"),
        "{err}"
    );
    assert!(!missing.exists(), "a tool makes no key of its own");

    let damaged = h.dir.path().join("damaged-key");
    write_private(&damaged, &"0123456789abcdef".repeat(4).to_uppercase());
    let (code, err) = run(&damaged);
    assert_ne!(code, 0, "{err}");
    assert!(err.contains("64 lower-case hex digits"), "{err}");

    // A value that is not what `--by` says is refused as the search refuses it.
    let out = h
        .command(&["audit", "find", "--searched", "jane", "--by", "phone"])
        .env_remove("DESK_SERVER_AUDIT_KEY_FILE")
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("six digits"), "{err}");
}

#[test]
fn the_server_refuses_to_start_with_a_damaged_audit_key() {
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("audit-search-key");
    write_private(&key_file, "not a key\n");
    let config = desk_server::config::Config {
        issuer: Some("http://127.0.0.1:9".into()),
        data_dir: dir.path().to_owned(),
        ..desk_server::config::Config::default()
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let result = runtime.block_on(async {
        // The store opens with a key of its own; the server must still refuse the file's.
        let key = desk_server::audit::key::AuditKey::from_bytes([1; 32]);
        let db = Database::open(Engine::of_run(), dir.path(), key).await;
        desk_server::Server::new(config, db.store()).await
    });
    let err = result.err().expect("refused").to_string();
    assert!(
        err.contains("audit-search-key") && err.contains("64 lower-case hex digits"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(&key_file).unwrap(),
        "not a key\n",
        "kept, not replaced"
    );
}

#[test]
fn entries_of_one_action_are_paged_in_chain_order() {
    let h = Harness::start();
    h.block_on(async {
        for q in ["a", "e", "i"] {
            h.get_ok("agent1", &format!("/v1/customers?q={q}")).await;
            h.get_ok("agent1", "/v1/customers/1").await;
        }
    });
    let mut seqs = Vec::new();
    let mut after = 0;
    loop {
        let page = h
            .block_on(h.store.audit_of_action("customer.search", after, 2))
            .unwrap();
        assert!(page.len() <= 2);
        let Some(last) = page.last() else { break };
        after = last.seq;
        assert!(page.iter().all(|e| e.action == "customer.search"));
        seqs.extend(page.iter().map(|e| e.seq));
    }
    let expected: Vec<i64> = h
        .rows::<(i64,)>("SELECT seq FROM audit WHERE action = 'customer.search' ORDER BY seq")
        .into_iter()
        .map(|(seq,)| seq)
        .collect();
    assert_eq!(seqs.len(), 3);
    assert_eq!(seqs, expected);
}

#[test]
fn the_trail_is_filtered_by_actor_action_and_time_and_bad_filters_are_clear_400s() {
    let h = Harness::start();
    h.block_on(async {
        h.get_ok("agent2", "/v1/customers/1").await;
        h.get_ok("agent1", "/v1/customers/2").await;
        h.get_ok("agent2", "/v1/customers/3").await;
        let (_, page) = h
            .get_ok("admin", "/v1/audit?actor=agent2&action=customer.view")
            .await;
        let resources: Vec<&str> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["resource"].as_str().unwrap())
            .collect();
        assert_eq!(resources, ["customer:3", "customer:1"], "{page}");

        // By resource, exactly, and by outcome.
        let r = h.get("agent1", "/v1/customers/999999").await;
        assert_eq!(r.status(), 404);
        let (_, page) = h.get_ok("admin", "/v1/audit?resource=customer:3").await;
        let actors: Vec<&str> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["actor"].as_str().unwrap())
            .collect();
        assert_eq!(actors, ["agent2"], "{page}");
        let (_, page) = h.get_ok("admin", "/v1/audit?outcome=not_found").await;
        let missing: Vec<(&str, &str)> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["resource"].as_str().unwrap(),
                    e["outcome"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(missing, [("customer:999999", "not_found")], "{page}");
        let (_, none) = h.get_ok("admin", "/v1/audit?resource=customer:").await;
        assert_eq!(none["items"], serde_json::json!([]), "exact, not a prefix");

        // A time range: `since` is kept, `until` is not; a day before any entry holds nothing.
        let (_, all) = h.get_ok("admin", "/v1/audit?action=customer.view").await;
        let two = all["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["resource"] == "customer:2")
            .unwrap()
            .clone();
        let time = chrono::DateTime::parse_from_rfc3339(two["time"].as_str().unwrap()).unwrap();
        let after = (time + chrono::Duration::milliseconds(1)).to_rfc3339();
        let path = format!(
            "/v1/audit?action=customer.view&since={}&until={}",
            query_param(&time.to_rfc3339()),
            query_param(&after)
        );
        let (_, page) = h.get_ok("admin", &path).await;
        let found: Vec<i64> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["seq"].as_i64().unwrap())
            .collect();
        assert!(found.contains(&two["seq"].as_i64().unwrap()), "{page}");
        // A range of one millisecond holds only what was recorded in it.
        assert!(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|e| e["time"] == two["time"]),
            "{page}"
        );
        let (_, none) = h.get_ok("admin", "/v1/audit?until=2000-01-01").await;
        assert_eq!(none["items"], serde_json::json!([]));

        // The filters of a read are in its own entry.
        let (_, reads) = h
            .get_ok("admin", "/v1/audit?action=audit.read&limit=2")
            .await;
        assert_eq!(
            reads["items"][0]["detail"], r#"{"until":"2000-01-01T00:00:00.000Z"}"#,
            "{reads}"
        );

        for (query, code, says) in [
            ("action=customer.veiw", "invalid_parameters", "`action`"),
            ("actor=", "invalid_parameters", "`actor`"),
            ("actor=a%07b", "invalid_parameters", "`actor`"),
            ("outcome=failed", "invalid_parameters", "`outcome`"),
            ("resource=", "invalid_parameters", "`resource`"),
            ("resource=a%0Ab", "invalid_parameters", "`resource`"),
            ("since=yesterday", "invalid_date", "`since`"),
            ("until=2026-13-01", "invalid_date", "`until`"),
            (
                "since=2026-11-30&until=2026-11-29",
                "invalid_parameters",
                "`until`",
            ),
            ("seq=3", "invalid_parameters", "seq"),
        ] {
            let r = h.get("admin", &format!("/v1/audit?{query}")).await;
            assert_eq!(r.status(), 400, "{query}");
            let body: serde_json::Value = r.json().await.unwrap();
            assert_eq!(body["error"]["code"], code, "{query}: {body}");
            assert!(
                body["error"]["message"].as_str().unwrap().contains(says),
                "{query}: {body}"
            );
        }

        // A role without audit.read is refused before any filter is read: the same 403 for a
        // filter that would match, one that would not and one that is malformed.
        for query in [
            "actor=admin",
            "actor=nobody",
            "action=customer.veiw",
            "since=yesterday",
            "outcome=denied",
            "resource=customer:1",
        ] {
            let r = h.get("agent2", &format!("/v1/audit?{query}")).await;
            assert_eq!(
                error_code(r).await,
                (403, "forbidden".to_owned()),
                "{query}"
            );
        }
    });
}
