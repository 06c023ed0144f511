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
        let idp = desk_testkit::TestIdp::start();
        let data = tempfile::tempdir().unwrap();
        let mut roles = Config {
            data_dir: data.path().to_owned(),
            ..Config::default()
        };
        crate::harness::every_role_reads_with(crate::harness::unlimited())(&mut roles);
        let env = vec![
            ("DESK_SERVER_DATABASE_URL", url.to_owned()),
            (
                "DESK_SERVER_ROLES_FILE",
                roles.roles_file.unwrap().display().to_string(),
            ),
            ("RUST_LOG", "desk_server=warn".to_owned()),
        ];
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
        let env: Vec<(&str, &str)> = self.env.iter().map(|(k, v)| (*k, v.as_str())).collect();
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
