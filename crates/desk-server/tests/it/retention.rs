//! Retention (`audit_retention_days`, `desk-server audit archive`): old entries archived to a
//! file with a final signed checkpoint and deleted, and the trail still provable afterwards —
//! from the database alone, with the archives, and against checkpoints kept elsewhere — while an
//! insider with the database, who deletes entries and calls it retention, is caught.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use desk_server::audit::checkpoint::CheckpointLine;
use desk_server::audit::key::AuditKey;
use desk_server::audit::{AuditEntry, Verifier};
use serde_json::Value;

use crate::checkpoints::{audit_cli, reads};
use crate::harness::Harness;

/// `desk-server audit ARGS` with extra environment.
fn audit_cli_with(h: &Harness, env: &[(&str, &str)], args: &[&str]) -> (i32, String, String) {
    let out = h
        .command(&["audit"])
        .args(args)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Now, as entries are stamped; the next entry is stamped later.
fn now() -> String {
    let time = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    std::thread::sleep(std::time::Duration::from_millis(5));
    time
}

/// `audit archive --before TIME`: what it archived (`null`: nothing).
fn archive(h: &Harness, before: &str) -> Value {
    let (code, out, err) = audit_cli(h, &["archive", "--before", before]);
    assert_eq!(code, 0, "{out}{err}");
    serde_json::from_str(out.trim()).unwrap()
}

/// `audit checkpoint` into a file of its own.
fn witness(h: &Harness, dir: &Path, name: &str) -> PathBuf {
    let (code, out, err) = audit_cli(h, &["checkpoint"]);
    assert_eq!(code, 0, "{out}{err}");
    let file = dir.join(name);
    std::fs::write(&file, out).unwrap();
    file
}

fn verify(h: &Harness, args: &[&str]) -> (i32, String) {
    let mut all = vec!["verify"];
    all.extend_from_slice(args);
    let (code, out, err) = audit_cli(h, &all);
    (code, format!("{out}{err}"))
}

fn public_keys(h: &Harness) -> Vec<desk_core::signed::PublicKey> {
    let file = h.dir.path().join(desk_server::policy_key::PUBLIC_FILE);
    let jwks: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    serde_json::from_value(jwks["keys"].clone()).unwrap()
}

/// An archive file's lines, each with its `type`.
fn lines(file: &Path) -> Vec<Value> {
    std::fs::read_to_string(file)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn without_type(line: &Value) -> Value {
    let mut line = line.clone();
    line.as_object_mut().unwrap().remove("type");
    line
}

fn first_seq(h: &Harness) -> i64 {
    h.count("SELECT MIN(seq) FROM audit")
}

#[test]
fn archived_entries_leave_the_database_and_the_trail_stays_provable() {
    let h = Harness::start();
    let keep = tempfile::tempdir().unwrap();
    let p = |f: &PathBuf| f.to_str().unwrap().to_owned();
    reads(&h, 1..=2);
    let early = witness(&h, keep.path(), "early.json");
    reads(&h, 3..=4);
    let late = witness(&h, keep.path(), "late.json");
    let before = now();
    reads(&h, 5..=6);
    let head = h.count("SELECT MAX(seq) FROM audit");
    let late_seq = h.count("SELECT MAX(seq) FROM audit WHERE resource = 'customer:4'");

    // Everything recorded before `before` is archived: up to the read of customer 4.
    let archived = archive(&h, &before);
    assert_eq!(archived["first"], 1);
    assert_eq!(archived["through"], late_seq);
    let file = PathBuf::from(archived["file"].as_str().unwrap());
    assert_eq!(
        file,
        h.dir
            .path()
            .join("audit-archive")
            .join(format!("audit-000000000001-{late_seq:012}.jsonl"))
    );
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&file), 0o600);
    assert_eq!(mode(file.parent().unwrap()), 0o700);

    // Gone from the database, recorded by a keyed entry; the rest untouched.
    assert_eq!(first_seq(&h), late_seq + 1);
    let [(recorded,)]: [(String,); 1] = h
        .rows("SELECT detail FROM audit WHERE action = 'audit.archive'")
        .try_into()
        .unwrap();
    let recorded: Value = serde_json::from_str(&recorded).unwrap();
    assert_eq!(recorded["through"], late_seq);
    assert_eq!(recorded["entries"], late_seq);
    assert_eq!(h.count("SELECT MAX(seq) FROM audit"), head + 1);

    // The archive: every archived entry, linked under the key from the first, ending with a
    // checkpoint of the last one signed with the policy key.
    let all = lines(&file);
    let entries: Vec<AuditEntry> = all
        .iter()
        .filter(|l| l["type"] == "entry")
        .map(|l| serde_json::from_value(without_type(l)).unwrap())
        .collect();
    assert_eq!(entries.len() as i64, late_seq);
    let key = h.audit_key();
    let mut verifier = Verifier::new(&key);
    assert!(verifier.check(&entries));
    assert_eq!(verifier.finish().broken, None);
    let last = all.last().unwrap();
    assert_eq!(last["type"], "checkpoint");
    let signed = CheckpointLine::verify(&without_type(last).to_string(), &public_keys(&h)).unwrap();
    assert_eq!(signed.seq, late_seq);
    assert_eq!(signed.hash, entries.last().unwrap().hash);

    // From the database alone: intact, after the archive.
    let (code, out) = verify(&h, &[]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(&format!(
            "after entry {late_seq} (the entries up to it are archived in"
        )),
        "{out}"
    );
    // A witness of the last archived entry is held by the database; an earlier one cannot be
    // checked there and says where to check it, and is held with the archive.
    let (code, out) = verify(&h, &["--checkpoint", &p(&late)]);
    assert_eq!(code, 0, "{out}");
    let (code, out) = verify(&h, &["--checkpoint", &p(&early)]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("was archived") && out.contains("--archive"),
        "{out}"
    );
    let (code, out) = verify(&h, &["--archive", &p(&file), "--checkpoint", &p(&early)]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("all 2 checkpoints held"), "{out}");

    // An export begins with the checkpoint of where the database's chain begins.
    let (code, out, err) = audit_cli(&h, &["export"]);
    assert_eq!(code, 0, "{err}");
    let exported: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(exported[0]["type"], "checkpoint");
    assert_eq!(exported[0]["seq"], late_seq);
    assert_eq!(exported[1]["seq"], late_seq + 1);

    // Nothing older is left: a second run archives nothing.
    assert_eq!(archive(&h, &before), Value::Null);

    // A second archive continues the first; both verify as one chain, oldest first.
    let before = now();
    reads(&h, 7..=7);
    let second = archive(&h, &before);
    assert_eq!(second["first"], late_seq + 1);
    let second = PathBuf::from(second["file"].as_str().unwrap());
    let (code, out) = verify(&h, &["--archive", &p(&file), "--archive", &p(&second)]);
    assert_eq!(code, 0, "{out}");
    // Only the older one: it does not reach where the database begins.
    let (code, out) = verify(&h, &["--archive", &p(&file)]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("name every archive"), "{out}");
    // Only the newer one: checked from where it begins.
    let (code, out) = verify(&h, &["--archive", &p(&second)]);
    assert_eq!(code, 0, "{out}");

    // An archive edited afterwards does not verify.
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replacen("customer:2", "customer:9", 1)).unwrap();
    let (code, out) = verify(&h, &["--archive", &p(&file), "--archive", &p(&second)]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("BROKEN"), "{out}");
}

#[test]
fn deleting_old_entries_and_calling_it_retention_is_caught() {
    let h = Harness::start();
    reads(&h, 1..=3);
    let before = now();
    reads(&h, 4..=6);
    let archived = archive(&h, &before);
    let through = archived["through"].as_i64().unwrap();
    assert_eq!(verify(&h, &[]).0, 0);
    let snapshot: Vec<AuditEntry> = h.rows("SELECT * FROM audit ORDER BY seq");

    // An insider with the database, not the key, deletes two more entries and moves the
    // archive's record to match: no keyed entry records such an archive.
    let cut = through + 2;
    let hash = &snapshot.iter().find(|e| e.seq == cut).unwrap().hash;
    h.sql(&format!("DELETE FROM audit WHERE seq <= {cut}"));
    h.sql(&format!(
        "UPDATE audit_retained SET through_seq = {cut}, hash = '{hash}'"
    ));
    let (code, out) = verify(&h, &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("audit.archive"), "{out}");
    // Nor does retention run on from there: it archives nothing from a chain that does not
    // verify.
    let (code, out, err) = audit_cli(&h, &["archive", "--before", &now()]);
    assert_ne!(code, 0, "{out}");
    assert!(err.contains("broken"), "{err}");

    // Put back, and the record of the archive deleted instead: the chain then lacks its
    // beginning.
    h.sql("DELETE FROM audit");
    h.block_on(h.db.put_audit(&snapshot));
    h.sql(&format!(
        "UPDATE audit_retained SET through_seq = {through}, hash = '{}'",
        archived_hash(&h, through)
    ));
    assert_eq!(verify(&h, &[]).0, 0, "restored");
    h.sql("DELETE FROM audit_retained");
    let (code, out) = verify(&h, &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("expected entry 1"), "{out}");
}

/// The link the archive ended with, from its file.
fn archived_hash(h: &Harness, through: i64) -> String {
    let dir = h.dir.path().join("audit-archive");
    let file = dir.join(desk_server::audit::retention::file_name(1, through));
    let last = lines(&file).pop().unwrap();
    last["hash"].as_str().unwrap().to_owned()
}

#[test]
fn a_broken_chain_is_never_archived() {
    let h = Harness::start();
    reads(&h, 1..=3);
    h.sql("UPDATE audit SET resource = 'customer:40' WHERE seq = 2");
    let entries = h.count("SELECT COUNT(*) FROM audit");
    let (code, out, err) = audit_cli(&h, &["archive", "--before", &now()]);
    assert_eq!(code, 1, "{out}");
    assert!(err.contains("broken at entry 2"), "{err}");
    assert_eq!(
        h.count("SELECT COUNT(*) FROM audit"),
        entries,
        "nothing deleted"
    );
    let dir = h.dir.path().join("audit-archive");
    let files = std::fs::read_dir(&dir).map(|d| d.count()).unwrap_or(0);
    assert_eq!(files, 0, "no archive written");
}

#[test]
fn retention_needs_a_period_and_keeps_what_the_sink_has_not_delivered() {
    let h = Harness::start();
    let (code, _, err) = audit_cli(&h, &["archive"]);
    assert_eq!(code, 1);
    assert!(err.contains("audit_retention_days is not set"), "{err}");
    let (code, _, err) = audit_cli_with(
        &h,
        &[("DESK_SERVER_AUDIT_RETENTION_DAYS", "0")],
        &["archive"],
    );
    // A setting that cannot be used is refused as configuration: exit status 2.
    assert_eq!(code, 2);
    assert!(err.contains("audit_retention_days is 0"), "{err}");
    // Nothing is a day old yet.
    let (code, out, err) = audit_cli_with(
        &h,
        &[("DESK_SERVER_AUDIT_RETENTION_DAYS", "1")],
        &["archive"],
    );
    assert_eq!((code, out.trim()), (0, "null"), "{err}");

    // A sink that has delivered up to here, and a checkpoint made after it did.
    let out = tempfile::tempdir().unwrap();
    let sink_file = out.path().join("audit.jsonl");
    let sink_setting = format!("file:{}", sink_file.display());
    let sink = desk_server::audit::sink::Sink::new(sink_setting.parse().unwrap(), h.dir.path());
    reads(&h, 1..=3);
    h.block_on(sink.deliver(&*h.store)).unwrap();
    let delivered = h.count("SELECT MAX(seq) FROM audit");
    let key = desk_server::policy_key::load(&h.dir.path().join("policy-key.jwk")).unwrap();
    let kept = h.block_on(async {
        let line = desk_server::audit::checkpoint::current(&*h.store, &key)
            .await
            .unwrap();
        h.store.record_checkpoint(&line).await.unwrap();
        line
    });
    reads(&h, 4..=5);
    let (code, out, err) = audit_cli_with(
        &h,
        &[("DESK_SERVER_AUDIT_SINK", &sink_setting)],
        &["archive", "--before", &now()],
    );
    assert_eq!(code, 0, "{err}");
    let archived: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(
        archived["through"], delivered,
        "only what the sink delivered"
    );
    assert_eq!(first_seq(&h), delivered + 1);

    // The sink goes on from its cursor: the checkpoint made after its last delivery, then the
    // entries it had not delivered, the archive's record among them.
    h.block_on(sink.deliver(&*h.store)).unwrap();
    let sent: Vec<Value> = lines(&sink_file);
    let at = sent
        .iter()
        .position(|l| l["type"] == "checkpoint" && l["signed"] == kept.signed.as_str())
        .expect("the checkpoint went to the sink");
    assert_eq!(sent[at - 1]["seq"], delivered, "after the entry it signs");
    let seqs: Vec<i64> = sent
        .iter()
        .filter(|l| l["type"] == "entry")
        .map(|l| l["seq"].as_i64().unwrap())
        .collect();
    let head = h.count("SELECT MAX(seq) FROM audit");
    assert_eq!(
        seqs,
        (1..=head).collect::<Vec<_>>(),
        "every entry once, in order"
    );
    assert!(sent.iter().any(|l| l["action"] == "audit.archive"));
}

#[test]
fn serve_archives_what_is_older_than_the_retention_period_when_it_starts() {
    let idp = desk_testkit::TestIdp::start();
    let data = tempfile::tempdir().unwrap();
    // A trail begun three days ago: entries linked under the server's own key, with their times.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (db, old) = runtime.block_on(async {
        let db = crate::harness::Database::for_processes(data.path()).await;
        let key = AuditKey::load(&data.path().join(desk_server::audit::key::FILE_NAME)).unwrap();
        let mut entries: Vec<AuditEntry> = Vec::new();
        for day in [3, 2] {
            let event = desk_server::audit::AuditEvent::new(
                "agent1",
                desk_core::AuditAction::CustomerView,
                format!("customer:{day}"),
                desk_server::audit::Outcome::Ok,
            );
            let time = (chrono::Utc::now() - chrono::Duration::days(day))
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            let prev = entries.last().map(|e| (e.seq, e.hash.as_str()));
            let entry = AuditEntry::next(&key, prev, &event, time);
            entries.push(entry);
        }
        db.put_audit(&entries).await;
        (db, entries.pop().unwrap())
    });

    let (child, _) = crate::harness::serve_process(
        &idp,
        data.path(),
        &db.env(&[("DESK_SERVER_AUDIT_RETENTION_DAYS", "1")]),
        std::process::Stdio::null(),
    );
    let file = data
        .path()
        .join("audit-archive")
        .join(desk_server::audit::retention::file_name(1, old.seq));
    // Archived means the file written and then its record committed: wait for both, as the
    // server may be stopped between the two (the archive is then made again at the next start).
    let recorded = || runtime.block_on(db.count("SELECT COUNT(*) FROM audit_retained")) > 0;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !(file.exists() && recorded()) && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    crate::harness::terminate(&child);
    assert!(child.wait_with_output().unwrap().status.success());
    assert!(file.exists(), "serve archived the two old entries at start");
    let archived: Vec<AuditEntry> = lines(&file)
        .iter()
        .filter(|l| l["type"] == "entry")
        .map(|l| serde_json::from_value(without_type(l)).unwrap())
        .collect();
    assert_eq!(archived.last(), Some(&old));
    let (code, out, err) = Command::new(env!("CARGO_BIN_EXE_desk-server"))
        .args(["audit", "verify", "--archive"])
        .arg(&file)
        .env("DESK_SERVER_DATA_DIR", data.path())
        .env_remove("DESK_SERVER_CONFIG")
        .env_remove("DESK_SERVER_DATABASE_URL")
        .envs(db.env(&[]))
        .output()
        .map(|o| {
            (
                o.status.code(),
                String::from_utf8_lossy(&o.stdout).into_owned(),
                String::from_utf8_lossy(&o.stderr).into_owned(),
            )
        })
        .unwrap();
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("intact"), "{out}");
}
