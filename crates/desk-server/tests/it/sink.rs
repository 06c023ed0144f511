//! The live audit sink: `serve` with `audit_sink = file:PATH` delivers every committed entry in
//! chain order, and a restart resumes after the last one delivered.

use std::process::{Child, Stdio};

use desk_server::audit::AuditEntry;
use desk_server::audit::Verifier;
use desk_server::audit::checkpoint::CheckpointLine;
use desk_server::audit::key::AuditKey;

use crate::harness::{Database, serve_process, terminate};

/// `desk-server serve` on `data` and `db` with the sink `sink`; returns the process and its
/// address.
fn serve(
    idp: &desk_testkit::TestIdp,
    data: &std::path::Path,
    db: &Database,
    sink: &str,
) -> (Child, String) {
    serve_process(
        idp,
        data,
        &db.env(&[("DESK_SERVER_AUDIT_SINK", sink)]),
        Stdio::null(),
    )
}

/// The database of the serve processes on `data`, on the run's engine.
fn database(data: &std::path::Path) -> (Database, tokio::runtime::Runtime) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let db = runtime.block_on(Database::for_processes(data));
    (db, runtime)
}

fn stop(mut child: Child) {
    terminate(&child);
    assert!(child.wait().unwrap().success());
}

/// The lines the sink file holds, in the order delivered.
fn lines(file: &std::path::Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The entries the sink file holds, in the order delivered (without the checkpoints among
/// them).
fn delivered(file: &std::path::Path) -> Vec<AuditEntry> {
    lines(file)
        .into_iter()
        .filter(|l| l["type"] != "checkpoint")
        .map(|mut v| {
            assert_eq!(v["type"], "entry", "{v}");
            v.as_object_mut().unwrap().remove("type");
            serde_json::from_value(v).unwrap()
        })
        .collect()
}

/// Waits until the sink file holds at least `n` entries.
fn wait_for(file: &std::path::Path, n: usize) -> Vec<AuditEntry> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let entries = delivered(file);
        if entries.len() >= n || std::time::Instant::now() > deadline {
            return entries;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

fn read(base: &str, token: &str, ids: std::ops::RangeInclusive<i64>) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let http = reqwest::Client::new();
        for id in ids {
            let r = http
                .get(format!("{base}/v1/customers/{id}"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            // No demo data: a miss, audited all the same.
            assert_eq!(r.status(), 404);
        }
    });
}

#[test]
fn a_file_sink_gets_every_entry_in_order_once_across_a_restart() {
    let idp = desk_testkit::TestIdp::start();
    let data = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("audit.jsonl");
    let sink = format!("file:{}", file.display());
    let token = idp.tokens("agent2").access_token;
    let (db, _runtime) = database(data.path());

    let (child, base) = serve(&idp, data.path(), &db, &sink);
    read(&base, &token, 1..=3);
    // A sign-in and three reads, delivered while the server runs.
    let first = wait_for(&file, 4);
    assert!(first.len() >= 4, "{first:?}");
    stop(child);
    let before_restart = delivered(&file);

    // Entries committed while the server is stopped (here: none can be), and after it starts
    // again, follow on from the cursor: nothing twice, nothing skipped.
    let (child, base) = serve(&idp, data.path(), &db, &sink);
    read(&base, &token, 4..=5);
    stop(child);
    let all = delivered(&file);
    assert!(all.len() > before_restart.len());
    assert_eq!(&all[..before_restart.len()], &before_restart[..]);
    let seqs: Vec<i64> = all.iter().map(|e| e.seq).collect();
    assert_eq!(
        seqs,
        (1..=all.len() as i64).collect::<Vec<_>>(),
        "in order, once"
    );
    assert!(all.iter().any(|e| e.resource == "customer:5"));

    // It is the chain as the database holds it: every link verifies under the audit key, and
    // the last delivered is the head.
    let key = AuditKey::load(&data.path().join(desk_server::audit::key::FILE_NAME)).unwrap();
    let mut verifier = Verifier::new(&key);
    assert!(verifier.check(&all));
    assert_eq!(verifier.finish().broken, None);
    let cursor: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(data.path().join(desk_server::audit::sink::CURSOR_FILE)).unwrap(),
    )
    .unwrap();
    assert_eq!(cursor["seq"], all.len() as i64);

    // The checkpoints the server signed went out too, each after the entry it signs and
    // verifying with the public key; the last line is the one it signed as it stopped.
    let jwks: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(data.path().join(desk_server::policy_key::PUBLIC_FILE)).unwrap(),
    )
    .unwrap();
    let keys: Vec<desk_core::signed::PublicKey> =
        serde_json::from_value(jwks["keys"].clone()).unwrap();
    let sent = lines(&file);
    let mut last_entry = 0;
    let mut checkpoints = 0;
    for line in &sent {
        if line["type"] == "entry" {
            last_entry = line["seq"].as_i64().unwrap();
            continue;
        }
        let mut text = line.clone();
        text.as_object_mut().unwrap().remove("type");
        let signed = CheckpointLine::verify(&text.to_string(), &keys).unwrap();
        assert!(signed.seq <= last_entry, "after the entry it signs: {line}");
        checkpoints += 1;
    }
    // One at each start and one at each stop.
    assert!(checkpoints >= 4, "{sent:?}");
    let last = sent.last().unwrap();
    assert_eq!(last["type"], "checkpoint");
    assert_eq!(last["seq"], all.len() as i64);
}

#[test]
fn a_failing_sink_fails_no_request_and_catches_up_once_it_works() {
    let idp = desk_testkit::TestIdp::start();
    let data = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    // The sink's folder does not exist yet: every write fails.
    let file = out.path().join("later").join("audit.jsonl");
    let token = idp.tokens("agent2").access_token;
    let (db, _runtime) = database(data.path());
    let (child, base) = serve(&idp, data.path(), &db, &format!("file:{}", file.display()));
    read(&base, &token, 1..=3);
    std::fs::create_dir(out.path().join("later")).unwrap();
    // The sink's pause grows after failures (up to 30 s); a read now is delivered with the rest.
    let caught_up = wait_for(&file, 4);
    assert!(caught_up.len() >= 4, "{caught_up:?}");
    stop(child);
    let seqs: Vec<i64> = delivered(&file).iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>());
}
