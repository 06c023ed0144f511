//! desk-server for the CLI's tests: in-process, on a free port, with demo data, in a runtime of
//! its own so it can be stopped and started again like a process.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Arc;
use std::time::{Duration, Instant};

use desk_server::store::Store;
use desk_server::store::sqlite::SqliteStore;
use desk_testkit::TestIdp;

use crate::desk;
use crate::login::text;

/// desk-server running in a runtime of its own, so stopping it (dropping the runtime) closes
/// every connection at once, event streams included, as a killed process would.
pub struct Gateway {
    issuer: String,
    audience: String,
    data: tempfile::TempDir,
    addr: SocketAddr,
    runtime: Option<tokio::runtime::Runtime>,
    /// The oldest client version the server answers, when it requires one.
    min_client_version: Option<String>,
}

impl Gateway {
    /// A fresh database with demo data, served on a free loopback port.
    pub fn start(idp: &TestIdp) -> Self {
        Self::start_requiring(idp, None)
    }

    /// [`Gateway::start`], the server answering only clients of `min_client_version` or later.
    pub fn start_requiring(idp: &TestIdp, min_client_version: Option<&str>) -> Self {
        let mut gateway = Self {
            issuer: idp.issuer().to_owned(),
            audience: idp.api_audience().to_owned(),
            data: tempfile::tempdir().unwrap(),
            addr: "127.0.0.1:0".parse().unwrap(),
            runtime: None,
            min_client_version: min_client_version.map(str::to_owned),
        };
        gateway.serve(true);
        gateway
    }

    fn serve(&mut self, seed: bool) {
        let config = desk_server::config::Config {
            issuer: Some(self.issuer.clone()),
            audiences: vec![self.audience.clone()],
            data_dir: self.data.path().to_owned(),
            min_client_version: self.min_client_version.clone(),
            ..desk_server::config::Config::default()
        };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let addr = self.addr;
        self.addr = runtime.block_on(async move {
            let key = desk_server::audit_key(&config).unwrap();
            let store = Arc::new(SqliteStore::open(&config.data_dir, key).await.unwrap());
            if seed {
                let options = desk_server::demo::DemoOptions {
                    customers: 10,
                    seed: 7,
                };
                desk_server::demo::generate(&*store, &options, |_| {})
                    .await
                    .unwrap();
            }
            let server = desk_server::Server::new(config, store as Arc<dyn Store>)
                .await
                .unwrap();
            let listener = bind(addr).await;
            let bound = listener.local_addr().unwrap();
            tokio::spawn(async move {
                axum::serve(listener, desk_server::router(server))
                    .await
                    .unwrap()
            });
            bound
        });
        self.runtime = Some(runtime);
    }

    /// Stops the server: every connection is cut.
    pub fn stop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_timeout(Duration::from_secs(5));
        }
    }

    /// Starts it again on the same port with the same database and keys.
    pub fn restart(&mut self) {
        self.serve(false);
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Audit entries as (actor, action, resource), oldest first, read from the database file.
    pub fn audit(&self) -> Vec<(String, String, String)> {
        let path = self.data.path().join(desk_server::store::sqlite::FILE_NAME);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let store = SqliteStore::open_file(&path, self.audit_key())
                .await
                .unwrap();
            sqlx::query_as("SELECT actor, action, resource FROM audit ORDER BY seq")
                .fetch_all(store.pool())
                .await
                .unwrap()
        })
    }

    /// Runs `statement`, with `binds` as its parameters, on the server's database beside the
    /// running server: data that reached it some other way than the API (an import from the
    /// mail system, an older version). Asserts it changed something.
    pub fn write(&self, statement: &str, binds: &[&str]) {
        self.with_database(|store| async move {
            let mut query = sqlx::query(statement);
            for bind in binds {
                query = query.bind(*bind);
            }
            let done = query.execute(store.pool()).await.unwrap();
            assert!(done.rows_affected() > 0, "{statement}: no row changed");
        });
    }

    /// The rows `statement`, with `binds` as its parameters, reads from the server's database
    /// beside the running server: what is stored, before any policy is applied.
    pub fn rows<T>(&self, statement: &str, binds: &[&str]) -> Vec<T>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> + Send + Unpin,
    {
        self.with_database(|store| async move {
            let mut query = sqlx::query_as(statement);
            for bind in binds {
                query = query.bind(*bind);
            }
            query.fetch_all(store.pool()).await.unwrap()
        })
    }

    /// Runs `work` on the server's database file, opened beside the running server, on a
    /// runtime of its own (the tests call it from synchronous code).
    fn with_database<F, T>(&self, work: impl FnOnce(SqliteStore) -> F) -> T
    where
        F: std::future::Future<Output = T>,
    {
        let path = self.data.path().join(desk_server::store::sqlite::FILE_NAME);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let store = SqliteStore::open_file(&path, self.audit_key())
                .await
                .unwrap();
            work(store).await
        })
    }

    /// A provisioning (SCIM) token, kept as `desk-server scim token create` keeps one.
    pub fn scim_token(&self) -> String {
        use secrecy::ExposeSecret;
        let token = desk_server::scim::tokens::generate();
        let hash = desk_server::scim::tokens::hash(&token);
        self.write(
            "INSERT INTO scim_tokens (name, token_hash, created_at) VALUES ('test', ?, '2026-12-07T00:00:00.000Z')",
            &[&hash],
        );
        token.expose_secret().to_owned()
    }

    /// A SCIM request to the running server with `token`: its status and body.
    pub fn scim(
        &self,
        token: &str,
        method: reqwest::Method,
        path: &str,
        body: serde_json::Value,
    ) -> (u16, serde_json::Value) {
        let url = format!("{}/scim/v2{path}", self.url());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let r = reqwest::Client::new()
                .request(method, url)
                .bearer_auth(token)
                .header("content-type", "application/scim+json")
                .body(body.to_string())
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            (status, r.json().await.unwrap_or(serde_json::Value::Null))
        })
    }

    /// The audit key the server made in its data folder.
    fn audit_key(&self) -> desk_server::audit::key::AuditKey {
        let file = self.data.path().join(desk_server::audit::key::FILE_NAME);
        desk_server::audit::key::AuditKey::load(&file).unwrap()
    }

    /// The JWKS a client pins: the server's public policy keys.
    pub fn keys_file(&self) -> PathBuf {
        self.data.path().join(desk_server::policy_key::PUBLIC_FILE)
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Listens on `addr`, waiting for a port just freed by [`Gateway::stop`] to be free again.
async fn bind(addr: SocketAddr) -> tokio::net::TcpListener {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_reuseaddr(true).unwrap();
        match socket.bind(addr).and_then(|()| socket.listen(128)) {
            Ok(listener) => return listener,
            Err(e) if Instant::now() < deadline => {
                eprintln!("binding {addr}: {e}; retrying");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("binding {addr}: {e}"),
        }
    }
}

/// The environment of a client of `gateway` that pins `keys`.
pub fn client_env(idp: &TestIdp, gateway: &Gateway, keys: &Path) -> Vec<(&'static str, String)> {
    vec![
        ("DESK_ISSUER", idp.issuer().to_owned()),
        ("DESK_SERVER_URL", gateway.url()),
        ("DESK_POLICY_KEYS_FILE", keys.display().to_string()),
        // No browser: every command must work from the keychain.
        ("BROWSER", "false".to_owned()),
    ]
}

pub fn run(dir: &Path, env: &[(&str, String)], args: &[&str]) -> Output {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    desk(dir, &env, args)
}

/// The JSON a successful command printed.
pub fn json(out: &Output) -> serde_json::Value {
    assert!(out.status.success(), "{}", text(out));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `desk --json search SURNAME` with the last word of `name`, asserting customer `id` is among
/// the results.
pub fn search_by_surname(dir: &Path, env: &[(&str, String)], name: &str, id: i64) {
    let surname = name.split_whitespace().last().unwrap();
    let found = json(&run(dir, env, &["--json", "search", surname]));
    assert!(
        found["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == id),
        "{found}"
    );
}

/// The one error line of a failed command: `desk: CODE: reason`.
pub fn failure(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(1), "{}", text(out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    stderr
        .lines()
        .find(|l| l.starts_with("desk: "))
        .unwrap_or_else(|| panic!("no error line: {stderr}"))
        .to_owned()
}
