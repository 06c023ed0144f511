//! Several servers on one database: what they must share, and what one refuses to start with.

use std::sync::Arc;

use desk_server::config::Config;
use desk_server::store::Store;

use crate::harness::Harness;

/// A second server on the harness's database, with key files from `keys` (and its own data
/// folder otherwise): what `Server::new` says.
fn second_server(h: &Harness, keys: &std::path::Path) -> Result<(), String> {
    let data = tempfile::tempdir().unwrap();
    let config = Config {
        issuer: Some(h.idp.issuer().to_owned()),
        audiences: vec![h.idp.api_audience().to_owned()],
        data_dir: data.path().to_owned(),
        audit_key_file: Some(keys.join(desk_server::audit::key::FILE_NAME)),
        policy_key_file: Some(keys.join("policy-key.jwk")),
        ..Config::default()
    };
    h.block_on(desk_server::Server::new(
        config,
        h.store.clone() as Arc<dyn Store>,
    ))
    .map(|_| ())
    .map_err(|e| e.to_string())
}

#[test]
fn a_replica_with_keys_made_anew_is_refused_and_one_with_copies_starts() {
    let h = Harness::start();
    let ours = h.dir.path();
    // The same key files: a replica like any other.
    second_server(&h, ours).unwrap();

    // A replica whose data folder held no keys made its own: refused before it links or signs
    // anything under them.
    let fresh = tempfile::tempdir().unwrap();
    let err = second_server(&h, fresh.path()).unwrap_err();
    assert!(
        err.contains("the audit key is not the one") && err.contains("copy"),
        "{err}"
    );
    // The right audit key, but a policy key of its own: clients would not trust its policies.
    let mixed = tempfile::tempdir().unwrap();
    let audit = desk_server::audit::key::FILE_NAME;
    std::fs::copy(ours.join(audit), mixed.path().join(audit)).unwrap();
    let err = second_server(&h, mixed.path()).unwrap_err();
    assert!(err.contains("the policy key is not the one"), "{err}");
    // Nothing of theirs was linked into the chain.
    assert!(h.verify().broken.is_none());
}

#[test]
fn a_wrong_or_unreachable_database_url_is_one_line_and_exit_status_2() {
    let cluster = desk_testkit::postgres::PgDatabase::create();
    // postgres://desk:PASSWORD@HOST:PORT/NAME: the cluster's host and port.
    let (_, address) = cluster.url().split_once('@').unwrap();
    let (address, _) = address.split_once('/').unwrap();
    let server = cluster.url().rsplit_once('/').unwrap().0;
    let wrong_password = format!("postgres://desk:not-the-password-s3cret@{address}/postgres");
    let data = tempfile::tempdir().unwrap();
    for (url, says) in [
        (
            "postgres://desk:s3cret@127.0.0.1:1/desk",
            "Connection refused",
        ),
        (wrong_password.as_str(), "password authentication failed"),
        (&format!("{server}/no_such_database"), "does not exist"),
        ("mysql://desk:s3cret@127.0.0.1/desk", "only PostgreSQL"),
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_desk-server"))
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env("DESK_SERVER_ISSUER", "http://127.0.0.1:9")
            .env("DESK_SERVER_DATA_DIR", data.path())
            .env("DESK_SERVER_DATABASE_URL", url)
            .env("RUST_LOG", "off")
            .env_remove("DESK_SERVER_CONFIG")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{url}: {err}");
        assert!(out.stdout.is_empty(), "{url}: it said it listens");
        assert_eq!(err.trim().lines().count(), 1, "{url}: {err}");
        assert!(err.contains(says), "{url}: {err}");
        assert!(
            !err.contains("s3cret") && !err.contains(cluster.url()),
            "{url}: the password is in {err}"
        );
    }
    // Nothing SQLite was made in the data folder.
    assert!(
        !data
            .path()
            .join(desk_server::store::sqlite::FILE_NAME)
            .exists()
    );
}

/// Two `serve` processes on one PostgreSQL database, as replicas behind a load balancer are.
struct Replicas {
    idp: desk_testkit::TestIdp,
    data: tempfile::TempDir,
    env: Vec<(&'static str, String)>,
    http: reqwest::Client,
}

impl Replicas {
    /// Demo data in the database at `url` (made by the command, as an administrator would),
    /// and a roles file no test reaches the read budget of.
    fn new(url: &str) -> Self {
        Self::with(url, &[])
    }

    /// [`Replicas::new`] with more settings (`DESK_SERVER_…` variables) for every replica.
    fn with(url: &str, settings: &[(&'static str, String)]) -> Self {
        let idp = desk_testkit::TestIdp::start();
        let data = tempfile::tempdir().unwrap();
        let mut roles = Config {
            data_dir: data.path().to_owned(),
            ..Config::default()
        };
        crate::harness::every_role_reads_with(crate::harness::unlimited())(&mut roles);
        let env: Vec<(&'static str, String)> = [
            ("DESK_SERVER_DATABASE_URL", url.to_owned()),
            (
                "DESK_SERVER_ROLES_FILE",
                roles.roles_file.unwrap().display().to_string(),
            ),
            ("RUST_LOG", "desk_server=warn".to_owned()),
        ]
        .into_iter()
        .chain(settings.iter().cloned())
        .collect();
        let replicas = Self {
            idp,
            data,
            env,
            http: reqwest::Client::new(),
        };
        let made = replicas
            .command(&["demo-data", "--customers", "30"])
            .output()
            .unwrap();
        assert!(
            made.status.success(),
            "{}",
            String::from_utf8_lossy(&made.stderr)
        );
        replicas
    }

    /// `desk-server ARGS` with the replicas' configuration.
    fn command(&self, args: &[&str]) -> std::process::Command {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_desk-server"));
        command
            .args(args)
            .env("DESK_SERVER_ISSUER", self.idp.issuer())
            .env("DESK_SERVER_DATA_DIR", self.data.path())
            .env_remove("DESK_SERVER_CONFIG")
            .envs(self.env.iter().map(|(k, v)| (*k, v.as_str())));
        command
    }

    /// A replica serving on a free port: its process and base URL. Every replica shares the
    /// data folder, so the key files too.
    fn start(&self) -> (std::process::Child, String) {
        self.start_with(&[])
    }

    /// [`Replicas::start`] with more settings for this replica only.
    fn start_with(&self, settings: &[(&str, &str)]) -> (std::process::Child, String) {
        let mut env: Vec<(&str, &str)> = self.env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        env.extend_from_slice(settings);
        crate::harness::serve_process(
            &self.idp,
            self.data.path(),
            &env,
            std::process::Stdio::null(),
        )
    }

    fn token(&self, user: &str) -> String {
        self.idp.tokens(user).access_token
    }

    async fn get(&self, base: &str, token: &str, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{base}{path}"))
            .bearer_auth(token)
            .timeout(std::time::Duration::from_secs(10))
            .send()
            .await
            .unwrap()
    }

    /// `audit verify --json` on the database: the entries checked, after asserting the chain
    /// is intact.
    fn verified_entries(&self) -> u64 {
        let out = self
            .command(&["audit", "verify", "--json"])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert!(report["broken"].is_null(), "{report}");
        report["entries"].as_u64().unwrap()
    }
}

/// Waits until `ask` gives `want`, for at most `within`: how long it took, or `None`.
async fn until<F, Fut>(
    within: std::time::Duration,
    want: u16,
    ask: F,
) -> Option<std::time::Duration>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = u16>,
{
    let started = std::time::Instant::now();
    while started.elapsed() < within {
        if ask().await == want {
            return Some(started.elapsed());
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    None
}

#[test]
fn replicas_share_every_change_and_one_chain_and_outlive_each_other_and_the_database() {
    use crate::harness::Events;
    use std::time::Duration;

    let mut cluster = desk_testkit::postgres::PgCluster::start();
    let replicas = Replicas::new(cluster.url());
    let (mut a, base_a) = replicas.start();
    let (b, base_b) = replicas.start();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (agent1, agent2, admin) = (
        replicas.token("agent1"),
        replicas.token("agent2"),
        replicas.token("admin"),
    );
    runtime.block_on(async {
        // A layout published on one replica reaches an agent connected to the other.
        let mut on_b = Events::open_at(&replicas.http, &base_b, &agent1, &[]).await;
        let first = on_b
            .next(Duration::from_secs(10))
            .await
            .expect("the current policy");
        let published = replicas
            .http
            .put(format!("{base_a}/v1/admin/layouts/agent_l1"))
            .bearer_auth(&admin)
            .json(&crate::push::layout_without(
                desk_core::Widget::CustomerCards,
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(
            published.status(),
            200,
            "{}",
            published.text().await.unwrap()
        );
        let pushed = on_b
            .next(Duration::from_secs(5))
            .await
            .expect("the pushed policy");
        assert_eq!(pushed.event, "policy");
        assert!(pushed.id.parse::<u64>().unwrap() > first.id.parse::<u64>().unwrap());
        assert!(!pushed.data.is_empty());

        // A wipe ordered on one replica reaches the agent's stream on the other.
        let mut agent2_on_b = Events::open_at(&replicas.http, &base_b, &agent2, &[]).await;
        agent2_on_b
            .next(Duration::from_secs(10))
            .await
            .expect("agent2's policy");
        let ordered = replicas
            .http
            .post(format!("{base_a}/v1/admin/wipe/agent2"))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap();
        assert_eq!(ordered.status(), 201);
        let wipe = agent2_on_b
            .next(Duration::from_secs(5))
            .await
            .expect("the wipe");
        assert_eq!(wipe.event, "wipe");

        // Audited reads on both at once: one unbroken chain.
        let before = replicas.verified_entries();
        let reads = (0..40).map(|i| {
            let base = if i % 2 == 0 { &base_a } else { &base_b };
            let (replicas, agent1) = (&replicas, &agent1);
            async move {
                replicas
                    .get(base, agent1, &format!("/v1/customers/{}", 1 + i % 20))
                    .await
                    .status()
            }
        });
        let statuses = futures_util::future::join_all(reads).await;
        assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
        assert!(replicas.verified_entries() >= before + 40);
    });

    // One replica stops: the other answers.
    crate::harness::terminate(&a);
    a.wait().unwrap();
    runtime.block_on(async {
        let r = replicas.get(&base_b, &agent1, "/v1/customers/3").await;
        assert_eq!(r.status(), 200);
    });

    // The database goes away: the replica says so promptly, and changes nothing.
    cluster.stop();
    runtime.block_on(async {
        let started = std::time::Instant::now();
        let r = replicas.get(&base_b, &agent1, "/v1/customers/4").await;
        assert_eq!(r.status(), 503);
        assert!(
            started.elapsed() < Duration::from_secs(8),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(r.headers()["retry-after"], "2");
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "database_unavailable");
        let ready = replicas
            .http
            .get(format!("{base_b}/v1/ready"))
            .send()
            .await
            .unwrap();
        assert_eq!(ready.status(), 503);
    });

    // It comes back: the replica recovers by itself, and one started again joins it.
    cluster.restart_after(Some(Duration::from_secs(1)));
    runtime.block_on(async {
        let ready = until(Duration::from_secs(30), 200, || async {
            replicas
                .http
                .get(format!("{base_b}/v1/ready"))
                .send()
                .await
                .map_or(0, |r| r.status().as_u16())
        })
        .await;
        assert!(ready.is_some(), "the replica did not recover");
        let r = replicas.get(&base_b, &agent1, "/v1/customers/5").await;
        assert_eq!(r.status(), 200);
    });
    let (a, base_a) = replicas.start();
    runtime.block_on(async {
        // The replica that lived through the outage follows the others again: a layout
        // published on the new one reaches an agent connected to it.
        let mut on_b = Events::open_at(&replicas.http, &base_b, &agent1, &[]).await;
        let first = on_b
            .next(Duration::from_secs(10))
            .await
            .expect("the current policy");
        let published = replicas
            .http
            .put(format!("{base_a}/v1/admin/layouts/agent_l1"))
            .bearer_auth(&admin)
            .json(&crate::push::layout_without(
                desk_core::Widget::CustomerContact,
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(published.status(), 200);
        let pushed = on_b
            .next(Duration::from_secs(5))
            .await
            .expect("the pushed policy");
        assert!(pushed.id.parse::<u64>().unwrap() > first.id.parse::<u64>().unwrap());
    });
    for child in [&a, &b] {
        crate::harness::terminate(child);
    }
    replicas.verified_entries();
}

#[test]
fn scim_writes_take_turns_across_replicas() {
    let db = desk_testkit::postgres::PgDatabase::create();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let key = || desk_server::audit::key::AuditKey::from_bytes([7; 32]);
        let open = |key| desk_server::store::postgres::PostgresStore::open(db.url(), key);
        let (a, b) = (
            open(key()).await.unwrap(),
            Arc::new(open(key()).await.unwrap()),
        );
        let held = a
            .lock_scim_writes()
            .await
            .unwrap()
            .expect("a lock in the database");
        let other = b.clone();
        let waiting = tokio::spawn(async move { other.lock_scim_writes().await.unwrap() });
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        assert!(!waiting.is_finished(), "two replicas wrote at once");
        held.release().await;
        let second = tokio::time::timeout(std::time::Duration::from_secs(5), waiting)
            .await
            .expect("the lock given back is taken")
            .unwrap()
            .unwrap();
        second.release().await;
        // Given back, it is free again for the first.
        let again = tokio::time::timeout(std::time::Duration::from_secs(5), a.lock_scim_writes())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        again.release().await;
    });
}

#[test]
fn a_deactivation_on_one_replica_refuses_the_agent_on_the_other_at_once() {
    use crate::harness::Events;
    use std::time::Duration;

    let db = desk_testkit::postgres::PgDatabase::create();
    let replicas = Replicas::new(db.url());
    let made = replicas
        .command(&["scim", "token", "create", "--name", "entra"])
        .output()
        .unwrap();
    assert!(made.status.success());
    let made: serde_json::Value = serde_json::from_slice(&made.stdout).unwrap();
    let scim = made["token"].as_str().unwrap().to_owned();
    let (a, base_a) = replicas.start();
    let (b, base_b) = replicas.start();
    let agent1 = replicas.token("agent1");
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let user = replicas
            .http
            .post(format!("{base_a}/scim/v2/Users"))
            .bearer_auth(&scim)
            .header("content-type", "application/scim+json")
            .json(&serde_json::json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": "agent1",
                "active": true,
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(user.status(), 201);
        let id = user.json::<serde_json::Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        // Replica B reads (and keeps) that agent1 is provisioned and active.
        for _ in 0..3 {
            let r = replicas.get(&base_b, &agent1, "/v1/customers/1").await;
            assert_eq!(r.status(), 200);
        }
        let mut on_b = Events::open_at(&replicas.http, &base_b, &agent1, &[]).await;
        on_b.next(Duration::from_secs(10))
            .await
            .expect("the current policy");

        let patched = replicas
            .http
            .patch(format!("{base_a}/scim/v2/Users/{id}"))
            .bearer_auth(&scim)
            .header("content-type", "application/scim+json")
            .json(&serde_json::json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "replace", "path": "active", "value": false}],
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(patched.status(), 200);
        // On the other replica: the agent's stream ends and its token is refused.
        assert!(
            on_b.ends_within(Duration::from_secs(5)).await,
            "the stream went on"
        );
        let refused = until(Duration::from_secs(5), 401, || async {
            replicas
                .get(&base_b, &agent1, "/v1/customers/1")
                .await
                .status()
                .as_u16()
        })
        .await;
        assert!(
            refused.is_some(),
            "replica B still serves a deactivated agent"
        );
        let r = replicas.get(&base_b, &agent1, "/v1/customers/1").await;
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "access_withdrawn");
    });
    for child in [&a, &b] {
        crate::harness::terminate(child);
    }
    replicas.verified_entries();
}

/// The sequence numbers of the entries in a sink file, in the order delivered.
fn delivered(file: &std::path::Path) -> Vec<i64> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|l| l["type"] == "entry")
        .map(|l| l["seq"].as_i64().unwrap())
        .collect()
}

#[test]
fn one_replica_delivers_to_the_audit_sink_and_another_takes_over_when_it_goes() {
    use std::time::Duration;

    let db = desk_testkit::postgres::PgDatabase::create();
    let replicas = Replicas::new(db.url());
    // Each replica names a sink file of its own, so the test sees which one delivers.
    let sinks = tempfile::tempdir().unwrap();
    let (file_a, file_b) = (sinks.path().join("a.jsonl"), sinks.path().join("b.jsonl"));
    let sink = |file: &std::path::Path| format!("file:{}", file.display());
    let (sink_a, sink_b) = (sink(&file_a), sink(&file_b));
    let (mut a, base_a) = replicas.start_with(&[("DESK_SERVER_AUDIT_SINK", &sink_a)]);
    // The first has taken the lead before the second starts.
    std::thread::sleep(Duration::from_secs(1));
    let (b, base_b) = replicas.start_with(&[("DESK_SERVER_AUDIT_SINK", &sink_b)]);
    let agent1 = replicas.token("agent1");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let read_on = |bases: Vec<String>| {
        runtime.block_on(async {
            for (i, base) in bases.iter().enumerate() {
                let r = replicas
                    .get(base, &agent1, &format!("/v1/customers/{}", 1 + i))
                    .await;
                assert_eq!(r.status(), 200);
            }
        })
    };
    // Every entry of the chain in `file`, each once.
    let all_in = |file: &std::path::Path| {
        let head = replicas.verified_entries() as usize;
        let started = std::time::Instant::now();
        loop {
            let seqs = delivered(file);
            let mut once = seqs.clone();
            once.sort();
            once.dedup();
            assert_eq!(once.len(), seqs.len(), "delivered twice: {seqs:?}");
            if seqs.len() >= head {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "{} of {head} delivered to {}",
                seqs.len(),
                file.display()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    };
    read_on([&base_a, &base_b].repeat(10).into_iter().cloned().collect());
    all_in(&file_a);
    assert!(
        delivered(&file_b).is_empty(),
        "both replicas delivered the trail"
    );
    // The leader goes: the other takes over and delivers (from its own cursor: here, as its
    // sink is another, from the beginning).
    crate::harness::terminate(&a);
    a.wait().unwrap();
    read_on(vec![base_b.clone(); 10]);
    all_in(&file_b);
    crate::harness::terminate(&b);
}

#[test]
fn a_second_serve_on_one_sqlite_file_is_refused() {
    let idp = desk_testkit::TestIdp::start();
    let data = tempfile::tempdir().unwrap();
    let (first, _) =
        crate::harness::serve_process(&idp, data.path(), &[], std::process::Stdio::null());
    let second = std::process::Command::new(env!("CARGO_BIN_EXE_desk-server"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("DESK_SERVER_ISSUER", idp.issuer())
        .env("DESK_SERVER_DATA_DIR", data.path())
        .env_remove("DESK_SERVER_DATABASE_URL")
        .env_remove("DESK_SERVER_CONFIG")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(2), "{err}");
    assert!(
        err.contains("one process serves a SQLite file") && err.contains("database_url"),
        "{err}"
    );
    assert!(second.stdout.is_empty());
    // Tools still open the file beside the running server.
    let verify = std::process::Command::new(env!("CARGO_BIN_EXE_desk-server"))
        .args(["audit", "verify"])
        .env("DESK_SERVER_DATA_DIR", data.path())
        .env_remove("DESK_SERVER_DATABASE_URL")
        .env_remove("DESK_SERVER_CONFIG")
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );
    crate::harness::terminate(&first);
}

#[test]
fn replicas_hold_an_agent_to_one_read_budget_between_them() {
    use std::time::Duration;

    let db = desk_testkit::postgres::PgDatabase::create();
    let roles = tempfile::tempdir().unwrap();
    let mut budget = Config {
        data_dir: roles.path().to_owned(),
        ..Config::default()
    };
    // Ten reads at once, and almost nothing more for the rest of the test.
    crate::harness::every_role_reads_with(serde_json::json!({
        "reads_per_minute": 1,
        "burst": 10,
        "bulk_customers_per_hour": 1000,
    }))(&mut budget);
    let roles_file = budget.roles_file.unwrap().display().to_string();
    let replicas = Replicas::with(db.url(), &[("DESK_SERVER_ROLES_FILE", roles_file)]);
    let (a, base_a) = replicas.start();
    let (b, base_b) = replicas.start();
    // Each has heard of the other.
    std::thread::sleep(Duration::from_secs(5));
    let agent1 = replicas.token("agent1");
    let statuses = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let mut statuses = Vec::new();
        for i in 0..16 {
            let base = if i % 2 == 0 { &base_a } else { &base_b };
            let path = format!("/v1/customers/{}", 1 + i % 3);
            statuses.push(replicas.get(base, &agent1, &path).await.status().as_u16());
        }
        statuses
    });
    let admitted = statuses.iter().filter(|s| **s == 200).count();
    assert!(
        (10..=11).contains(&admitted),
        "the agent read {admitted} times over two replicas, on a budget of 10: {statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| [200, 429].contains(s)),
        "{statuses:?}"
    );
    for child in [&a, &b] {
        crate::harness::terminate(child);
    }
}
