//! `desk policy`, `desk policy --watch` and `desk admin layout push` against the real gateway
//! (in-process, on a free port, with demo data), the test provider and the real keychain.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use desk_testkit::TestIdp;
use serde_json::{Value, json};

use crate::gateway::{Gateway, client_env, failure, run};
use crate::login::{signed_in, start, text};
use crate::{desk, keyring_service};

fn versions_file(dir: &Path) -> PathBuf {
    dir.join("data").join(desk_app::POLICY_VERSIONS_FILE)
}

/// The version recorded for `subject`, read from the client's state file.
fn recorded_version(dir: &Path, subject: &str) -> Option<u64> {
    let text = std::fs::read_to_string(versions_file(dir)).ok()?;
    let file: Value = serde_json::from_str(&text).unwrap();
    file["accepted"]
        .as_array()?
        .iter()
        .find(|e| e["subject"] == subject)
        .map(|e| e["version"].as_u64().unwrap())
}

fn widgets(policy: &Value, page: &str) -> Vec<String> {
    policy["layout"]["pages"][page]
        .as_array()
        .map(|ws| ws.iter().map(|w| w.as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}

/// `desk policy --watch --json` running as a child process; killed when dropped.
pub struct Watcher {
    child: Child,
    lines: Receiver<String>,
    stderr: Arc<Mutex<String>>,
}

impl Watcher {
    pub fn start(dir: &Path, env: &[(&str, String)]) -> Self {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_desk"));
        cmd.args(["policy", "--watch", "--json"])
            .env_remove("DESK_ISSUER")
            .env_remove("DESK_SERVER_URL")
            .env_remove("DESK_LOG")
            .env("DESK_CONFIG", dir.join("config.toml"))
            .env("DESK_DATA_DIR", dir.join("data"))
            .env("DESK_KEYRING_SERVICE", keyring_service(dir))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let sink = stderr.clone();
        let mut pipe = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Self {
            child,
            lines,
            stderr,
        }
    }

    /// The next policy the watcher printed within `wait`; fails the test otherwise.
    pub fn next_policy(&mut self, wait: Duration) -> Value {
        match self.lines.recv_timeout(wait) {
            Ok(line) => serde_json::from_str(&line)
                .unwrap_or_else(|e| panic!("not a policy line ({e}): {line}")),
            Err(RecvTimeoutError::Timeout) => {
                panic!("no policy within {wait:?}; stderr: {}", self.stderr())
            }
            Err(RecvTimeoutError::Disconnected) => {
                let status = self.child.wait().unwrap();
                panic!("the watcher ended ({status}): {}", self.stderr())
            }
        }
    }

    /// Whether stderr says `what` within `wait`.
    fn said(&self, what: &str, wait: Duration) -> bool {
        let deadline = Instant::now() + wait;
        while Instant::now() < deadline {
            if self.stderr().contains(what) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        false
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Waits up to `wait` for the watcher to end: whether it did.
    pub fn ends_within(&mut self, wait: Duration) -> bool {
        let deadline = Instant::now() + wait;
        while Instant::now() < deadline {
            if self.child.try_wait().unwrap().is_some() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    fn assert_running(&mut self) {
        assert!(
            self.child.try_wait().unwrap().is_none(),
            "the watcher ended: {}",
            self.stderr()
        );
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Writes `layout` to a file in `dir` and publishes it for `role` as the agent signed in there.
fn push(dir: &Path, env: &[(&str, String)], role: &str, layout: &Value) -> Output {
    let file = dir.join(format!("layout-{role}.json"));
    std::fs::write(&file, layout.to_string()).unwrap();
    run(
        dir,
        env,
        &["admin", "layout", "push", role, file.to_str().unwrap()],
    )
}

/// `layout` without `widget` on `page`.
fn without(policy: &Value, page: &str, widget: &str) -> Value {
    let mut layout = policy["layout"].clone();
    let list = layout["pages"][page].as_array_mut().unwrap();
    let before = list.len();
    list.retain(|w| w != widget);
    assert_eq!(list.len(), before - 1, "{widget} was on {page}");
    layout
}

/// The test provider, a gateway, and two client folders signed in to it: agent1's and the
/// administrator's.
fn agent_and_admin() -> (TestIdp, Gateway, tempfile::TempDir, tempfile::TempDir) {
    let (idp, agent) = start();
    let gateway = Gateway::start(&idp);
    let admin = tempfile::tempdir().unwrap();
    signed_in(admin.path(), idp.issuer(), "admin");
    signed_in(agent.path(), idp.issuer(), "agent1");
    (idp, gateway, agent, admin)
}

fn sign_out(dir: &Path, idp: &TestIdp) {
    desk(dir, &[("DESK_ISSUER", idp.issuer())], &["logout"]);
}

#[test]
fn an_agent_sees_their_verified_policy_and_a_wrong_pinned_key_is_refused() {
    let (idp, dir) = start();
    let gateway = Gateway::start(&idp);
    let dir = dir.path();

    // Nobody signed in yet: no policy, and no file written.
    let env = client_env(&idp, &gateway, &gateway.keys_file());
    let out = run(dir, &env, &["policy", "--json"]);
    assert!(
        failure(&out).starts_with("desk: not_signed_in:"),
        "{}",
        text(&out)
    );
    signed_in(dir, idp.issuer(), "agent1");

    // Pinned keys that are not the server's: a key of the same id, and a key of another id.
    let impostor = desk_core::signed::PolicyKey::from_seed("x", &[7; 32]).public();
    let server_kid = {
        let jwks: Value =
            serde_json::from_str(&std::fs::read_to_string(gateway.keys_file()).unwrap()).unwrap();
        jwks["keys"][0]["kid"].as_str().unwrap().to_owned()
    };
    let same_kid = desk_core::signed::PublicKey {
        kid: server_kid,
        ..impostor.clone()
    };
    for (name, key, says) in [
        ("same-kid.json", same_kid, "signature does not verify"),
        ("other-kid.json", impostor, "does not trust"),
    ] {
        let keys = dir.join(name);
        std::fs::write(&keys, json!({ "keys": [key] }).to_string()).unwrap();
        let out = run(
            dir,
            &client_env(&idp, &gateway, &keys),
            &["policy", "--json"],
        );
        let line = failure(&out);
        assert!(line.starts_with("desk: policy_refused:"), "{line}");
        assert!(line.contains(says) && line.contains(name), "{line}");
        assert!(out.stdout.is_empty(), "nothing printed as accepted");
        assert!(
            !versions_file(dir).exists(),
            "nothing accepted, nothing recorded"
        );
    }

    // No pinned keys at all is a configuration error (exit 2), before any request.
    let unpinned: Vec<_> = env
        .iter()
        .filter(|(k, _)| *k != "DESK_POLICY_KEYS_FILE")
        .cloned()
        .collect();
    let out = run(dir, &unpinned, &["policy"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("DESK_POLICY_KEYS_FILE"),
        "{}",
        text(&out)
    );

    // The server's own keys: accepted.
    let out = run(dir, &env, &["policy", "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    let policy: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(policy["subject"], "agent1");
    assert_eq!(policy["policy"]["roles"], json!(["agent_l1"]));
    assert_eq!(policy["policy"]["actions"], json!(["ticket.reply"]));
    assert_eq!(
        widgets(&policy, "customer"),
        [
            "customer.summary",
            "customer.contact",
            "customer.accounts",
            "customer.cards",
            "customer.recent_transactions",
            "customer.open_tickets"
        ]
    );
    assert_eq!(widgets(&policy, "search"), ["search.box", "search.results"]);
    assert!(policy["layout"]["pages"].get("audit").is_none(), "{policy}");
    let version = policy["version"].as_u64().unwrap();
    assert_eq!(recorded_version(dir, "agent1"), Some(version));

    // The same as text.
    let out = run(dir, &env, &["policy"]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        said.starts_with(&format!("Policy version {version} for agent1")),
        "{said}"
    );
    assert!(said.contains("\nroles: agent_l1\n"), "{said}");
    assert!(
        said.contains("\nsearch: search.box, search.results\n"),
        "{said}"
    );
    sign_out(dir, &idp);
}

/// `desk admin layout show|history|restore|preview`: the layout in force as a file `push` takes, every
/// one published newest first, and an earlier one published again as a new version.
#[test]
fn an_administrator_lists_a_role_s_layouts_and_publishes_an_earlier_one_again() {
    let (idp, gateway, agent, admin) = agent_and_admin();
    let (agent, admin) = (agent.path(), admin.path());
    let env = client_env(&idp, &gateway, &gateway.keys_file());
    let stdout = |out: &Output| {
        assert!(out.status.success(), "{}", text(out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };

    let said = stdout(&run(admin, &env, &["admin", "layout", "show", "agent_l1"]));
    assert!(
        said.starts_with("No layout published for agent_l1"),
        "{said}"
    );
    let first = json!({"pages": {"search": ["search.box", "search.results"]}});
    let second = json!({"pages": {"search": ["search.results", "search.box"]}});
    for layout in [&first, &second] {
        stdout(&push(admin, &env, "agent_l1", layout));
    }

    let said = stdout(&run(
        admin,
        &env,
        &["admin", "layout", "history", "agent_l1"],
    ));
    assert!(said.starts_with("version 2  by admin at "), "{said}");
    assert!(
        said.contains("  search: search.results, search.box\nversion 1  by admin at "),
        "{said}"
    );
    let restored = crate::gateway::json(&run(
        admin,
        &env,
        &["--json", "admin", "layout", "restore", "agent_l1", "1"],
    ));
    assert_eq!(restored["version"], 3, "{restored}");
    assert_eq!(restored["layout"], first);
    let shown = crate::gateway::json(&run(
        admin,
        &env,
        &["--json", "admin", "layout", "show", "agent_l1"],
    ));
    assert_eq!(shown, first, "what `push` takes");

    // A version the role never had is said, and nothing is published.
    let out = run(
        admin,
        &env,
        &["admin", "layout", "restore", "agent_l1", "9"],
    );
    let line = failure(&out);
    assert!(line.starts_with("desk: invalid_input:"), "{line}");
    assert!(line.contains("version 9"), "{line}");
    let history = crate::gateway::json(&run(
        admin,
        &env,
        &["--json", "admin", "layout", "history", "agent_l1"],
    ));
    assert_eq!(history.as_array().unwrap().len(), 3, "{history}");

    // The preview: the role's grants, its layout now, and the server's demo customer as the
    // role sees them.
    let said = stdout(&run(
        admin,
        &env,
        &["admin", "layout", "preview", "agent_l1"],
    ));
    assert!(said.starts_with("agent_l1: layout version 3\n"), "{said}");
    assert!(said.contains("\n  customer.email: "), "{said}");
    assert!(!said.contains("customer.date_of_birth"), "{said}");
    let preview = crate::gateway::json(&run(
        admin,
        &env,
        &["--json", "admin", "layout", "preview", "agent_l1"],
    ));
    assert_eq!(preview["layout"], first, "{preview}");
    assert!(preview["customer"]["email"].as_str().unwrap().contains('•'));

    // An agent may not read them.
    let line = failure(&run(
        agent,
        &env,
        &["admin", "layout", "history", "agent_l1"],
    ));
    assert!(line.starts_with("desk: forbidden:"), "{line}");
    let line = failure(&run(
        agent,
        &env,
        &["admin", "layout", "preview", "agent_l1"],
    ));
    assert!(line.starts_with("desk: forbidden:"), "{line}");
}

#[test]
fn a_published_layout_reaches_a_connected_agent_at_once() {
    let (idp, gateway, agent, admin) = agent_and_admin();
    let (agent, admin) = (agent.path(), admin.path());
    let env = client_env(&idp, &gateway, &gateway.keys_file());

    let mut watcher = Watcher::start(agent, &env);
    let first = watcher.next_policy(Duration::from_secs(20));
    let first_version = first["version"].as_u64().unwrap();
    assert!(widgets(&first, "customer").contains(&"customer.cards".to_owned()));

    // An agent may not publish.
    let layout = without(&first, "customer", "customer.cards");
    let out = push(agent, &env, "agent_l1", &layout);
    let line = failure(&out);
    assert!(line.starts_with("desk: forbidden:"), "{line}");
    assert!(line.contains("forbidden"), "{line}");

    // A layout showing what the role may not see is refused by the server.
    let out = push(
        admin,
        &env,
        "agent_l1",
        &json!({ "pages": { "audit": ["audit.log"] } }),
    );
    let line = failure(&out);
    assert!(line.starts_with("desk: server_refused:"), "{line}");
    assert!(line.contains("invalid_layout"), "{line}");

    let out = push(admin, &env, "agent_l1", &layout);
    assert!(out.status.success(), "{}", text(&out));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("Published the layout of agent_l1: version "),
        "{said}"
    );

    // The watcher never polls: a new version arriving at all was pushed. The wait is generous
    // for a loaded machine and ends as soon as it arrives.
    let pushed = watcher.next_policy(Duration::from_secs(15));
    let version = pushed["version"].as_u64().unwrap();
    assert!(version > first_version, "{version} after {first_version}");
    assert_eq!(
        widgets(&pushed, "customer"),
        [
            "customer.summary",
            "customer.contact",
            "customer.accounts",
            "customer.recent_transactions",
            "customer.open_tickets"
        ]
    );
    // The policy itself did not change: only what is shown.
    assert_eq!(pushed["policy"], first["policy"]);
    assert_eq!(recorded_version(agent, "agent1"), Some(version));
    watcher.assert_running();

    // Interrupted, it stops cleanly.
    let pid = watcher.child.id().to_string();
    let kill = Command::new("kill").args(["-INT", &pid]).status().unwrap();
    assert!(kill.success());
    let status = watcher.child.wait().unwrap();
    assert!(status.success(), "{status}: {}", watcher.stderr());
    drop(watcher);
    sign_out(agent, &idp);
    sign_out(admin, &idp);
}

#[test]
fn a_watching_agent_reconnects_after_the_server_restarts() {
    let (idp, mut gateway, agent, admin) = agent_and_admin();
    let (agent, admin) = (agent.path(), admin.path());
    let env = client_env(&idp, &gateway, &gateway.keys_file());

    let mut watcher = Watcher::start(agent, &env);
    let first = watcher.next_policy(Duration::from_secs(20));

    gateway.stop();
    assert!(
        watcher.said("reconnecting", Duration::from_secs(10)),
        "the lost connection is reported: {}",
        watcher.stderr()
    );
    watcher.assert_running();
    gateway.restart();

    let out = push(
        admin,
        &env,
        "agent_l1",
        &without(&first, "search", "search.results"),
    );
    assert!(out.status.success(), "{}", text(&out));
    let pushed = watcher.next_policy(Duration::from_secs(20));
    assert!(
        pushed["version"].as_u64() > first["version"].as_u64(),
        "{pushed}"
    );
    assert_eq!(widgets(&pushed, "search"), ["search.box"]);
    // Reconnect attempts while the server was down may say "connection refused"; what must not
    // appear is a pushed policy refused.
    assert!(
        !watcher.stderr().contains("refused a pushed policy"),
        "{}",
        watcher.stderr()
    );
    drop(watcher);
    sign_out(agent, &idp);
    sign_out(admin, &idp);
}

#[test]
fn a_rollback_is_refused_and_the_recorded_version_is_kept() {
    let (idp, dir) = start();
    let gateway = Gateway::start(&idp);
    let dir = dir.path();
    signed_in(dir, idp.issuer(), "agent1");
    let env = client_env(&idp, &gateway, &gateway.keys_file());
    let out = run(dir, &env, &["policy", "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    let version = recorded_version(dir, "agent1").unwrap();

    // This computer once accepted a newer version than the server now offers.
    let file = versions_file(dir);
    let newer = version + 1_000_000;
    let text_before = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        text_before.replace(&version.to_string(), &newer.to_string()),
    )
    .unwrap();
    assert_eq!(recorded_version(dir, "agent1"), Some(newer));

    let out = run(dir, &env, &["policy", "--json"]);
    let line = failure(&out);
    assert!(line.starts_with("desk: policy_refused:"), "{line}");
    assert!(
        line.contains(&format!("version {version}, older than version {newer}")),
        "{line}"
    );
    assert!(
        line.contains(&file.display().to_string()),
        "names the file: {line}"
    );
    assert_eq!(recorded_version(dir, "agent1"), Some(newer), "not lowered");

    // Pushed, the same policy is refused and reported, and the watcher keeps waiting.
    let mut watcher = Watcher::start(dir, &env);
    assert!(
        watcher.said("refused a pushed policy", Duration::from_secs(20)),
        "{}",
        watcher.stderr()
    );
    assert!(
        watcher.said("older than version", Duration::from_secs(5)),
        "{}",
        watcher.stderr()
    );
    assert!(
        !watcher.stderr().contains("eyJ"),
        "no token or policy text in the log: {}",
        watcher.stderr()
    );
    assert!(watcher.lines.try_recv().is_err(), "nothing accepted");
    watcher.assert_running();
    drop(watcher);
    assert_eq!(recorded_version(dir, "agent1"), Some(newer));

    // A damaged record refuses every policy rather than starting over.
    std::fs::write(&file, "{\"accepted\": [").unwrap();
    let out = run(dir, &env, &["policy"]);
    let line = failure(&out);
    assert!(line.starts_with("desk: policy_state:"), "{line}");
    assert!(line.contains(&file.display().to_string()), "{line}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "{\"accepted\": [");
    sign_out(dir, &idp);
}

#[test]
fn a_server_whose_audit_trail_went_back_is_caught_by_the_client_that_saw_it_further() {
    let (idp, dir) = start();
    let gateway = Gateway::start(&idp);
    let dir = dir.path();
    signed_in(dir, idp.issuer(), "agent1");
    let env = client_env(&idp, &gateway, &gateway.keys_file());
    for _ in 0..3 {
        // Apart by more than desk_server::api::CHECKPOINT_REUSE, so each carries the head then.
        std::thread::sleep(Duration::from_millis(1100));
        let out = run(dir, &env, &["policy", "--json"]);
        assert!(out.status.success(), "{}", text(&out));
    }
    let out = run(dir, &env, &["--json", "doctor"]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let witness = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "audit_witness")
        .unwrap()
        .clone();
    assert_eq!(witness["ok"], true, "{witness}");
    let detail = witness["detail"].as_str().unwrap();
    assert!(
        detail.contains("desk-server audit verify --checkpoint"),
        "{detail}"
    );
    assert!(!detail.contains("went back"), "{detail}");

    // The server's trail is put back to an older state (its last entries removed, as restoring
    // an old copy of the database would), and the server goes on signing its head.
    gateway.write("DELETE FROM audit WHERE seq > 2", &[]);
    // Policies signed within a second share one checkpoint (desk_server::api::CHECKPOINT_REUSE).
    std::thread::sleep(Duration::from_millis(1100));
    let out = run(dir, &env, &["policy", "--json"]);
    assert!(
        out.status.success(),
        "the agent goes on working: {}",
        text(&out)
    );
    let out = run(dir, &env, &["--json", "doctor"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let witness = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "audit_witness")
        .unwrap()
        .clone();
    assert_eq!(witness["ok"], false, "{witness}");
    assert!(
        witness["detail"]
            .as_str()
            .unwrap()
            .contains("went back from entry"),
        "{witness}"
    );
    // The newest head seen is kept, not replaced by the older one.
    let file = std::fs::read_to_string(versions_file(dir)).unwrap();
    assert!(file.contains("\"behind\""), "{file}");
    sign_out(dir, &idp);
}
