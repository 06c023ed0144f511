//! `desk-server audit export` against the real server's database, read as a SIEM and an
//! auditor would: every line parses, the hashes check out under the audit key, the checkpoints
//! verify with the public policy key, and the OCSF lines name the class each action maps to.

use desk_server::audit::checkpoint::CheckpointLine;
use desk_server::audit::{AuditEntry, Verifier};
use serde_json::Value;

use crate::checkpoints::{audit_cli, reads};
use crate::harness::Harness;

/// The server's public keys, as a client pins them.
fn public_keys(h: &Harness) -> Vec<desk_core::signed::PublicKey> {
    let file = h.dir.path().join(desk_server::policy_key::PUBLIC_FILE);
    let jwks: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    serde_json::from_value(jwks["keys"].clone()).unwrap()
}

/// Keeps a checkpoint of the head, as `serve` does every minute.
pub(crate) fn keep_checkpoint(h: &Harness) -> CheckpointLine {
    // The key the server made in its data folder (`policy_key_path`'s default).
    let key = desk_server::policy_key::load(&h.dir.path().join("policy-key.jwk")).unwrap();
    h.block_on(async {
        let line = desk_server::audit::checkpoint::current(&*h.store, &key)
            .await
            .unwrap();
        h.store.record_checkpoint(&line).await.unwrap();
        line
    })
}

/// `audit export ARGS`: exit code, the lines, and the summary from stderr.
fn export(h: &Harness, args: &[&str]) -> (i32, Vec<Value>, String) {
    let mut all = vec!["export"];
    all.extend_from_slice(args);
    let (code, out, err) = audit_cli(h, &all);
    let lines = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    (code, lines, err)
}

/// An entry from its exported fields.
fn entry(fields: &Value) -> AuditEntry {
    let mut fields = fields.clone();
    fields.as_object_mut().unwrap().remove("type");
    serde_json::from_value(fields).unwrap()
}

#[test]
fn an_export_holds_every_entry_with_hashes_that_verify_and_ends_with_a_signed_checkpoint() {
    let h = Harness::start();
    reads(&h, 1..=3);
    let kept = keep_checkpoint(&h);
    reads(&h, 4..=5);
    let (code, lines, err) = export(&h, &["--format", "jsonl"]);
    assert_eq!(code, 0, "{err}");
    let head = h.count("SELECT MAX(seq) FROM audit");
    let entries: Vec<AuditEntry> = lines
        .iter()
        .filter(|l| l["type"] == "entry")
        .map(entry)
        .collect();
    assert_eq!(entries.len() as i64, head);
    assert!(entries.iter().any(|e| e.resource == "customer:5"));
    // Whoever holds the audit key checks the links of what they received.
    let key = h.audit_key();
    let mut verifier = Verifier::new(&key);
    assert!(verifier.check(&entries));
    assert_eq!(verifier.finish().broken, None);
    // The kept checkpoint comes right after the entry it signs.
    let at = lines
        .iter()
        .position(|l| l["type"] == "checkpoint" && l["signed"] == kept.signed.as_str())
        .expect("the kept checkpoint");
    assert_eq!(lines[at - 1]["seq"], kept.seq);
    // The last line is a checkpoint of the last entry, signed with the policy key.
    let last = lines.last().unwrap();
    assert_eq!(last["type"], "checkpoint");
    let mut text = last.clone();
    text.as_object_mut().unwrap().remove("type");
    let checkpoint = CheckpointLine::verify(&text.to_string(), &public_keys(&h)).unwrap();
    assert_eq!(
        (checkpoint.seq, checkpoint.hash.as_str()),
        (head, entries.last().unwrap().hash.as_str())
    );
    let summary: Value = serde_json::from_str(err.lines().next().unwrap()).unwrap();
    assert_eq!(summary["last_seq"], head);
    assert_eq!(summary["entries"], head);
    assert_eq!(summary["checkpoints"], 2);

    // The export file is a checkpoint file for `audit verify`, and a later chain still holds it.
    let keep = tempfile::tempdir().unwrap();
    let file = keep.path().join("export.jsonl");
    let (_, out, _) = audit_cli(&h, &["export"]);
    std::fs::write(&file, out).unwrap();
    reads(&h, 6..=6);
    let (code, out, err) = audit_cli(&h, &["verify", "--checkpoint", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("all 2 checkpoints held"), "{out}");

    // --since: only what came after, continuing the chain where the first export ended.
    let (code, later, _) = export(&h, &["--since", &head.to_string()]);
    assert_eq!(code, 0);
    let later: Vec<AuditEntry> = later
        .iter()
        .filter(|l| l["type"] == "entry")
        .map(entry)
        .collect();
    assert_eq!(later.first().unwrap().seq, head + 1);
    assert_eq!(later[0].prev_hash, entries.last().unwrap().hash);
    assert!(later.iter().any(|e| e.resource == "customer:6"));
    let (code, _, err) = audit_cli(&h, &["export", "--since", "-1"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn ocsf_lines_name_the_class_of_each_action_and_keep_what_the_links_cover() {
    let h = Harness::start();
    reads(&h, 1..=2);
    h.block_on(async {
        let r = h
            .http
            .post(format!("{}/v1/admin/wipe/agent1", h.base))
            .bearer_auth(h.token("admin"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        // Refused: agent2 may not read the trail.
        assert_eq!(h.get("agent2", "/v1/audit").await.status(), 403);
    });
    let (code, lines, err) = export(&h, &["--format", "ocsf"]);
    assert_eq!(code, 0, "{err}");
    let mut seen = std::collections::BTreeMap::new();
    let mut entries = Vec::new();
    for line in &lines[..lines.len() - 1] {
        let desk = &line["unmapped"]["desk"];
        assert!(desk.is_object(), "{line}");
        let class = line["class_uid"].as_u64().unwrap();
        assert_eq!(
            line["type_uid"].as_u64().unwrap(),
            class * 100 + line["activity_id"].as_u64().unwrap()
        );
        assert_eq!(line["metadata"]["sequence"], desk["seq"]);
        assert!(line["time"].as_i64().unwrap() > 1_700_000_000_000, "{line}");
        seen.insert(
            (
                desk["action"].as_str().unwrap().to_owned(),
                desk["outcome"].as_str().unwrap().to_owned(),
            ),
            (
                class,
                line["activity_name"].as_str().unwrap().to_owned(),
                line["status_id"].clone(),
            ),
        );
        entries.push(entry(desk));
    }
    let class =
        |action: &str, outcome: &str| seen[&(action.to_owned(), outcome.to_owned())].clone();
    assert_eq!(class("sign_in", "ok").0, 3002);
    assert_eq!(
        class("customer.view", "ok"),
        (6003, "Read".into(), 1.into())
    );
    assert_eq!(class("device.wipe", "ok").0, 3001);
    assert_eq!(
        class("audit.read", "denied"),
        (6003, "Read".into(), 2.into())
    );
    // An account change names the account changed.
    let wipe = lines
        .iter()
        .find(|l| l["unmapped"]["desk"]["action"] == "device.wipe")
        .unwrap();
    assert_eq!(wipe["user"]["uid"], "agent1");
    assert_eq!(wipe["actor"]["user"]["uid"], "admin");
    // The links hold over the fields as the OCSF lines carry them.
    let key = h.audit_key();
    let mut verifier = Verifier::new(&key);
    assert!(verifier.check(&entries));
    assert_eq!(verifier.finish().broken, None);
    // The last line is the checkpoint, an Event Log Activity.
    let last = lines.last().unwrap();
    assert_eq!(last["class_uid"], 1008);
    let checkpoint = CheckpointLine::verify(
        &last["unmapped"]["checkpoint"].to_string(),
        &public_keys(&h),
    )
    .unwrap();
    assert_eq!(checkpoint.hash, entries.last().unwrap().hash);
}

#[test]
fn a_broken_chain_is_exported_without_a_final_checkpoint_and_says_so() {
    let h = Harness::start();
    reads(&h, 1..=3);
    h.sql("UPDATE audit SET resource = 'customer:9' WHERE seq = 2");
    let (code, lines, err) = export(&h, &[]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("BROKEN at entry 2"), "{err}");
    assert!(lines.iter().all(|l| l["type"] == "entry"), "{lines:?}");
    assert_eq!(lines.len() as i64, h.count("SELECT COUNT(*) FROM audit"));
}
