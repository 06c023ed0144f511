//! The audit chain against an insider with the database: links keyed with the audit key, and
//! signed checkpoints kept outside the server, through `desk-server audit verify` and
//! `audit checkpoint` as an administrator runs them.

use desk_server::audit::AuditEntry;
use desk_server::audit::key::AuditKey;

use crate::export::keep_checkpoint;
use crate::harness::Harness;

/// `desk-server audit ARGS` on the harness's data: exit code, stdout, stderr.
pub(crate) fn audit_cli(h: &Harness, args: &[&str]) -> (i32, String, String) {
    let out = h.command(&["audit"]).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Some audited reads, so the chain has entries.
pub(crate) fn reads(h: &Harness, customers: std::ops::RangeInclusive<i64>) {
    h.block_on(async {
        for id in customers {
            h.get_ok("agent2", &format!("/v1/customers/{id}")).await;
        }
    });
}

/// The chain as the database holds it.
pub(crate) fn entries(h: &Harness) -> Vec<AuditEntry> {
    h.rows("SELECT * FROM audit ORDER BY seq")
}

/// Writes `chain` over the table, as an insider would: every row replaced, each linked to the
/// one before it with `link`.
pub(crate) fn rewrite(
    h: &Harness,
    mut chain: Vec<AuditEntry>,
    link: impl Fn(&AuditEntry) -> String,
) {
    let mut prev = desk_server::audit::GENESIS.to_owned();
    for (i, entry) in chain.iter_mut().enumerate() {
        entry.seq = i as i64 + 1;
        entry.prev_hash = prev.clone();
        entry.hash = link(entry);
        prev = entry.hash.clone();
    }
    h.block_on(h.db.replace_audit(&chain));
}

/// A checkpoint of the chain now, from `audit checkpoint`, kept in a file outside the server.
fn checkpoint(h: &Harness, keep: &tempfile::TempDir) -> std::path::PathBuf {
    let (code, out, err) = audit_cli(h, &["checkpoint"]);
    assert_eq!(code, 0, "{out}{err}");
    let line: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert!(
        line["signed"].as_str().unwrap().split('.').count() == 3,
        "{line}"
    );
    let file = keep.path().join("checkpoints.jsonl");
    let mut text = std::fs::read_to_string(&file).unwrap_or_default();
    text.push_str(&out);
    std::fs::write(&file, text).unwrap();
    file
}

fn verify_with(h: &Harness, file: &std::path::Path) -> (i32, String) {
    let (code, out, err) = audit_cli(h, &["verify", "--checkpoint", file.to_str().unwrap()]);
    (code, format!("{out}{err}"))
}

#[test]
fn a_chain_edited_and_relinked_without_the_key_does_not_verify() {
    let h = Harness::start();
    reads(&h, 1..=5);
    let (code, out, _) = audit_cli(&h, &["verify"]);
    assert_eq!(code, 0, "{out}");
    // Hide that agent2 opened customer 3, and link every entry again as the code does, with
    // plain SHA-256 and with a key of the insider's own: neither is the audit key.
    let mut chain = entries(&h);
    let hidden = chain
        .iter()
        .position(|e| e.resource == "customer:3")
        .unwrap();
    chain[hidden].resource = "customer:4".into();
    rewrite(&h, chain.clone(), AuditEntry::legacy_link);
    let (code, out, _) = audit_cli(&h, &["verify"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("BROKEN at entry 1:"), "{out}");
    let own = AuditKey::from_bytes([0x42; 32]);
    rewrite(&h, chain, |e| e.link(&own));
    let (code, out, _) = audit_cli(&h, &["verify"]);
    assert_eq!(code, 1, "{out}");
    // Every link was made again, the first one too: none is the audit key's.
    assert!(out.contains("BROKEN at entry 1:"), "{out}");
}

#[test]
fn verify_needs_the_audit_key_and_never_passes_without_it() {
    let h = Harness::start();
    reads(&h, 1..=2);
    let key = h.dir.path().join(desk_server::audit::key::FILE_NAME);
    let away = h.dir.path().join("elsewhere");
    std::fs::rename(&key, &away).unwrap();
    let (code, out, err) = audit_cli(&h, &["verify"]);
    assert_ne!(code, 0, "{out}");
    assert!(!out.contains("intact"), "{out}");
    assert!(
        err.contains("audit key") && err.contains("no such file"),
        "{err}"
    );
    std::fs::rename(&away, &key).unwrap();
    assert_eq!(audit_cli(&h, &["verify"]).0, 0);
}

#[test]
fn a_checkpoint_is_held_by_a_chain_that_grew_and_by_no_rewritten_or_shortened_one() {
    let h = Harness::start();
    let keep = tempfile::tempdir().unwrap();
    reads(&h, 1..=6);
    let file = checkpoint(&h, &keep);
    // Grown since: still held.
    reads(&h, 7..=8);
    let (code, out) = verify_with(&h, &file);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("all 1 checkpoints held"), "{out}");
    let original = entries(&h);
    let at = serde_json::from_str::<serde_json::Value>(
        std::fs::read_to_string(&file)
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap()["seq"]
        .as_i64()
        .unwrap() as usize;
    let key = h.audit_key();

    // Rewritten by someone who holds the audit key too: the links verify, the checkpoint does not.
    let mut edited = original.clone();
    edited[2].resource = "customer:99".into();
    rewrite(&h, edited, |e| e.link(&key));
    assert_eq!(audit_cli(&h, &["verify"]).0, 0, "relinked with the key");
    let (code, out) = verify_with(&h, &file);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("rewritten"), "{out}");

    // An entry removed before the checkpointed one, and the rest renumbered and relinked.
    let mut removed = original.clone();
    removed.remove(1);
    rewrite(&h, removed, |e| e.link(&key));
    assert_eq!(verify_with(&h, &file).0, 1);

    // An entry inserted.
    let mut inserted = original.clone();
    inserted.insert(1, original[0].clone());
    rewrite(&h, inserted, |e| e.link(&key));
    assert_eq!(verify_with(&h, &file).0, 1);

    // Cut short before the checkpointed entry: what is left verifies, and the checkpoint says no.
    rewrite(&h, original[..at - 2].to_vec(), |e| e.link(&key));
    assert_eq!(audit_cli(&h, &["verify"]).0, 0);
    let (code, out) = verify_with(&h, &file);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("removed"), "{out}");

    // Put back as it was: held again.
    rewrite(&h, original, |e| e.link(&key));
    assert_eq!(verify_with(&h, &file).0, 0);
}

#[test]
fn a_forged_or_foreign_checkpoint_is_refused() {
    let h = Harness::start();
    let keep = tempfile::tempdir().unwrap();
    reads(&h, 1..=2);
    let file = checkpoint(&h, &keep);
    let text = std::fs::read_to_string(&file).unwrap();
    let mut line: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
    line["seq"] = serde_json::json!(1);
    std::fs::write(&file, format!("{line}\n")).unwrap();
    let (code, out) = verify_with(&h, &file);
    assert_ne!(code, 0, "{out}");
    assert!(out.contains("differ"), "{out}");
    std::fs::write(&file, "not json\n").unwrap();
    assert_ne!(verify_with(&h, &file).0, 0);
}

#[test]
fn the_server_signs_a_checkpoint_when_it_starts_and_when_it_stops() {
    let idp = desk_testkit::TestIdp::start();
    let data = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let db = runtime.block_on(crate::harness::Database::for_processes(data.path()));
    let (child, base) = crate::harness::serve_process(
        &idp,
        data.path(),
        &db.env(&[("RUST_LOG", "desk_server=info")]),
        std::process::Stdio::piped(),
    );
    let token = idp.tokens("agent1").access_token;
    runtime.block_on(async {
        let r = reqwest::Client::new()
            .get(format!("{base}/v1/me/policy"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    });
    crate::harness::terminate(&child);
    let out = child.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    // The log lines carry the checkpoints out of the database; the last one is the head the
    // server stopped with (a sign-in and a policy view: entry 2), and it verifies.
    let lines: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("audit checkpoint"))
        .collect();
    assert!(lines.len() >= 2, "one at start, one at the end: {log}");
    let last = lines.last().unwrap();
    let json = last[last.find("checkpoint=").unwrap() + "checkpoint=".len()..].trim();
    // Checked as anyone holding the public key checks it: the JWKS the server wrote for clients.
    let jwks: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(data.path().join(desk_server::policy_key::PUBLIC_FILE)).unwrap(),
    )
    .unwrap();
    let keys: Vec<desk_core::signed::PublicKey> =
        serde_json::from_value(jwks["keys"].clone()).unwrap();
    let checkpoint = desk_server::audit::checkpoint::CheckpointLine::verify(json, &keys)
        .unwrap_or_else(|e| panic!("{e}: {json}"));
    assert_eq!(checkpoint.seq, 2, "{log}");
}

/// `GET /v1/audit/verify` as `user`, with `checkpoint` when given: status and body.
fn verify_route(h: &Harness, user: &str, checkpoint: Option<&str>) -> (u16, serde_json::Value) {
    let path = match checkpoint {
        Some(jws) => format!("/v1/audit/verify?checkpoint={jws}"),
        None => "/v1/audit/verify".to_owned(),
    };
    h.block_on(async {
        let r = h.get(user, &path).await;
        (r.status().as_u16(), r.json().await.unwrap_or_default())
    })
}

/// The checkpoint the policy `user` gets carries: what the client keeps as a witness.
fn witnessed(h: &Harness, user: &str) -> String {
    h.block_on(h.policy(user)).audit_checkpoint.unwrap()
}

#[test]
fn the_chain_checked_over_the_api_holds_with_both_checkpoints_and_is_audited() {
    let h = Harness::start();
    reads(&h, 1..=4);
    let kept = keep_checkpoint(&h);
    let witness = witnessed(&h, "admin");
    let (status, body) = verify_route(&h, "admin", Some(&witness));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["holds"], true, "{body}");
    assert_eq!(body["broken"], serde_json::Value::Null, "{body}");
    assert_eq!(body["after"], 0);
    let entries = body["entries"].as_i64().unwrap();
    assert_eq!(body["head_seq"].as_i64().unwrap(), entries);
    assert!(entries >= 5, "{body}");
    assert_eq!(body["server_checkpoint"]["seq"], kept.seq);
    assert_eq!(body["server_checkpoint"]["held"], true, "{body}");
    assert_eq!(body["given_checkpoint"]["held"], true, "{body}");
    // Without a checkpoint of its own, the server's is still checked.
    let (_, body) = verify_route(&h, "admin", None);
    assert_eq!(body["given_checkpoint"], serde_json::Value::Null);
    assert_eq!(body["holds"], true, "{body}");
    // Each check is audited with its verdict; a role without `audit.read` is refused, audited.
    let detail: Vec<(String, String)> =
        h.rows("SELECT outcome, detail FROM audit WHERE action = 'audit.verify' ORDER BY seq");
    assert_eq!(detail.len(), 2, "{detail:?}");
    assert!(detail[0].1.contains("\"holds\":true"), "{detail:?}");
    let (status, body) = verify_route(&h, "agent2", Some(&witness));
    assert_eq!(status, 403, "{body}");
    assert_eq!(
        h.count("SELECT COUNT(*) FROM audit WHERE action = 'audit.verify' AND outcome = 'denied'"),
        1
    );
}

#[test]
fn an_insider_edit_shows_in_the_check_over_the_api_and_relinking_with_the_key_does_not_hide_it() {
    let h = Harness::start();
    reads(&h, 1..=5);
    keep_checkpoint(&h);
    let witness = witnessed(&h, "admin");
    let original = entries(&h);
    // Edited in place: the chain breaks at that entry.
    let at = original
        .iter()
        .position(|e| e.resource == "customer:3")
        .unwrap();
    let seq = original[at].seq;
    h.sql(&format!(
        "UPDATE audit SET resource = 'customer:4' WHERE seq = {seq}"
    ));
    let (status, body) = verify_route(&h, "admin", Some(&witness));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["holds"], false, "{body}");
    assert_eq!(body["broken"]["seq"], seq, "{body}");
    assert!(
        body["broken"]["reason"]
            .as_str()
            .unwrap()
            .contains("altered"),
        "{body}"
    );
    // Relinked with the audit key itself: the chain verifies, but neither checkpoint made
    // before is held, so the check still fails.
    let mut edited = original.clone();
    edited[at].resource = "customer:4".into();
    let key = h.audit_key();
    rewrite(&h, edited, |e| e.link(&key));
    let (_, body) = verify_route(&h, "admin", Some(&witness));
    assert_eq!(body["broken"], serde_json::Value::Null, "{body}");
    assert_eq!(body["holds"], false, "{body}");
    for which in ["server_checkpoint", "given_checkpoint"] {
        assert_eq!(body[which]["held"], false, "{which}: {body}");
        assert!(
            body[which]["problem"]
                .as_str()
                .unwrap()
                .contains("rewritten"),
            "{which}: {body}"
        );
    }
}

#[test]
fn the_check_over_the_api_refuses_a_foreign_checkpoint_and_flags_a_forged_kept_one() {
    let h = Harness::start();
    reads(&h, 1..=2);
    let other = desk_core::signed::PolicyKey::from_seed("insider", &[9; 32]);
    let (seq, hash) = h.block_on(h.store.audit_head()).unwrap().unwrap();
    let foreign = desk_server::audit::checkpoint::CheckpointLine::sign(
        &other,
        seq,
        &hash,
        "2026-12-07T10:00:00.000Z".into(),
    );
    let long = "a".repeat(3000);
    for bad in [foreign.signed.as_str(), "not-a-jws", long.as_str()] {
        let (status, body) = verify_route(&h, "admin", Some(bad));
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["error"]["code"], "invalid_parameters", "{body}");
    }
    let (status, _) = h.block_on(async {
        crate::harness::error_code(h.get("admin", "/v1/audit/verify?limit=5").await).await
    });
    assert_eq!(status, 400);
    // Nothing was checked or audited as checked for any of them.
    assert_eq!(
        h.count("SELECT COUNT(*) FROM audit WHERE action = 'audit.verify'"),
        0
    );
    // An insider writes a checkpoint of their own into the server's table: it is not taken.
    h.block_on(h.store.record_checkpoint(&foreign)).unwrap();
    let (_, body) = verify_route(&h, "admin", None);
    assert_eq!(body["holds"], false, "{body}");
    assert_eq!(body["server_checkpoint"]["held"], false, "{body}");
    assert!(
        body["server_checkpoint"]["problem"]
            .as_str()
            .unwrap()
            .contains("signature"),
        "{body}"
    );
}
