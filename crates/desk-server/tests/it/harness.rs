//! A running desk-server for tests: the real test provider, a demo data set in a temporary
//! SQLite file, and the server on a free loopback port in its own runtime, so tests of any
//! runtime can share it.
//!
//! [`shared`] is one server for read-mostly tests; [`Harness::start`] gives a test its own
//! server and database when it changes role definitions or tampers with the file.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use desk_server::config::Config;
use desk_server::demo::DemoOptions;
use desk_server::store::Store;
use desk_server::store::sqlite::SqliteStore;
use desk_testkit::TestIdp;
use reqwest::Response;

/// The test users and what the provider's groups make of them.
pub const USERS: [&str; 5] = ["agent1", "agent2", "supervisor", "admin", "norole"];

pub struct Harness {
    pub idp: TestIdp,
    pub base: String,
    pub store: Arc<SqliteStore>,
    pub dir: tempfile::TempDir,
    runtime: tokio::runtime::Runtime,
    tokens: Mutex<HashMap<String, String>>,
    pub http: reqwest::Client,
}

impl Harness {
    /// A fresh provider, database (50 demo customers) and server. Without the provider's real
    /// parts the test fails, through desk-testkit.
    pub fn start() -> Self {
        Self::start_with(|_| {})
    }

    /// Like [`Harness::start`], with a chance to change the configuration.
    pub fn start_with(adjust: impl FnOnce(&mut Config)) -> Self {
        let idp = TestIdp::start();
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config {
            issuer: Some(idp.issuer().to_owned()),
            audiences: vec![idp.api_audience().to_owned()],
            data_dir: dir.path().to_owned(),
            listen: "127.0.0.1:0".into(),
            ..Config::default()
        };
        adjust(&mut config);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let (store, base) = runtime.block_on(async {
            let key = desk_server::audit_key(&config).unwrap();
            let store = Arc::new(SqliteStore::open(&config.data_dir, key).await.unwrap());
            let options = DemoOptions {
                customers: 50,
                seed: 7,
            };
            desk_server::demo::generate(&*store, &options, |_| {})
                .await
                .unwrap();
            let server = desk_server::Server::new(config, store.clone() as Arc<dyn Store>)
                .await
                .unwrap();
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let base = format!("http://{}", listener.local_addr().unwrap());
            // Through the server's own accept loop and its limits, as `serve` runs it.
            let limits = server.config().connection_limits();
            tokio::spawn(async move {
                let app = desk_server::router(server);
                desk_server::connections::serve(listener, app, limits, std::future::pending())
                    .await
                    .unwrap()
            });
            (store, base)
        });
        Self {
            idp,
            base,
            store,
            dir,
            runtime,
            tokens: Mutex::new(HashMap::new()),
            http: reqwest::Client::new(),
        }
    }

    /// A real access token for `user`, from a real authorization-code flow (one per user).
    pub fn token(&self, user: &str) -> String {
        let mut tokens = self.tokens.lock().unwrap();
        tokens
            .entry(user.to_owned())
            .or_insert_with(|| self.idp.tokens(user).access_token)
            .clone()
    }

    /// Runs `f` on the server's runtime (for store access from any test).
    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.runtime.block_on(f)
    }

    /// `GET path` as `user`.
    pub async fn get(&self, user: &str, path: &str) -> Response {
        self.get_with_token(&self.token(user), path).await
    }

    /// `GET path` as `user`, expecting 200, as text (so tests can search the whole body).
    pub async fn get_ok(&self, user: &str, path: &str) -> (String, serde_json::Value) {
        let response = self.get(user, path).await;
        let status = response.status();
        let text = response.text().await.unwrap();
        assert_eq!(status, 200, "{user} GET {path}: {text}");
        let json = serde_json::from_str(&text).unwrap();
        (text, json)
    }

    /// The current definition of `role`, as an admin reads it from `GET /v1/admin/roles`.
    pub async fn role_definition(&self, role: &str) -> serde_json::Value {
        let (_, roles) = self.get_ok("admin", "/v1/admin/roles").await;
        roles
            .as_array()
            .expect("the roles are a list")
            .iter()
            .find(|r| r["definition"]["role"] == role)
            .unwrap_or_else(|| panic!("no role {role}"))["definition"]
            .clone()
    }

    /// `GET path` with an arbitrary bearer token.
    pub async fn get_with_token(&self, token: &str, path: &str) -> Response {
        self.http
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    /// `POST path` with a JSON body as `user`.
    pub async fn post_json(&self, user: &str, path: &str, body: &serde_json::Value) -> Response {
        let token = self.token(user);
        self.http
            .post(format!("{}{path}", self.base))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// The policy `user` gets, checked the way a client checks it, with the server's public key.
    pub async fn policy(&self, user: &str) -> desk_core::signed::PolicyClaims {
        let (_, body) = self.get_ok(user, "/v1/me/policy").await;
        self.check_policy(body["signed"].as_str().unwrap(), user)
            .unwrap()
    }

    /// Verifies a signed policy for `user` against the server's public key file.
    pub fn check_policy(
        &self,
        jws: &str,
        user: &str,
    ) -> Result<desk_core::signed::PolicyClaims, desk_core::signed::PolicyError> {
        let file = self.dir.path().join(desk_server::policy_key::PUBLIC_FILE);
        let jwks: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        let keys: Vec<desk_core::signed::PublicKey> =
            serde_json::from_value(jwks["keys"].clone()).unwrap();
        let expect = desk_core::signed::Expect {
            subject: user,
            audience: desk_testkit::CLIENT_ID,
            now: chrono::Utc::now().timestamp(),
            skew: 60,
            last_version: None,
        };
        desk_core::signed::verify(jws, &keys, &expect)
    }

    /// The audit chain's verdict, read straight from the database.
    pub fn verify(&self) -> desk_server::audit::Verification {
        let key = self.audit_key();
        self.block_on(desk_server::verify_audit(&*self.store, &key))
            .unwrap()
    }

    /// The audit key the server made in its data folder.
    pub fn audit_key(&self) -> desk_server::audit::key::AuditKey {
        let file = self.dir.path().join(desk_server::audit::key::FILE_NAME);
        desk_server::audit::key::AuditKey::load(&file).unwrap()
    }

    /// Runs one SQL statement on the database file directly (an attacker with file access).
    pub fn sql(&self, statement: &str) {
        self.block_on(sqlx::query(statement).execute(self.store.pool()))
            .unwrap();
    }

    /// Counts rows with one SQL query.
    pub fn count(&self, query: &str) -> i64 {
        self.block_on(self.count_async(query))
    }

    /// [`Harness::count`] from inside [`Harness::block_on`].
    pub async fn count_async(&self, query: &str) -> i64 {
        sqlx::query_scalar::<_, i64>(query)
            .fetch_one(self.store.pool())
            .await
            .unwrap()
    }
}

/// A change to the configuration: the shipped role definitions with `budget` as every role's
/// read budget, from a roles file in the data folder. For tests that read faster or more widely
/// than a person would and are not about the budget.
pub fn every_role_reads_with(budget: serde_json::Value) -> impl FnOnce(&mut Config) {
    move |config| {
        let mut roles: serde_json::Value =
            serde_json::from_str(desk_server::api::DEFAULT_ROLES).unwrap();
        for role in roles.as_array_mut().unwrap() {
            role["read_budget"] = budget.clone();
        }
        let file = config.data_dir.join("roles.json");
        std::fs::write(&file, roles.to_string()).unwrap();
        config.roles_file = Some(file);
    }
}

/// A read budget no test reaches.
pub fn unlimited() -> serde_json::Value {
    serde_json::json!({
        "reads_per_minute": desk_core::policy::MAX_READS,
        "burst": desk_core::policy::MAX_READS,
        "bulk_customers_per_hour": desk_core::policy::MAX_BULK_CUSTOMERS,
    })
}

/// One server shared by read-mostly tests, started by the first of them. Should its start
/// fail (a missing real part), each test that asks fails the same way, as the cell stays empty.
pub fn shared() -> &'static Harness {
    static SHARED: OnceLock<Harness> = OnceLock::new();
    SHARED.get_or_init(Harness::start)
}

/// The error code of an API error body.
pub async fn error_code(response: Response) -> (u16, String) {
    let status = response.status().as_u16();
    let body: serde_json::Value = response.json().await.unwrap_or_default();
    (
        status,
        body["error"]["code"].as_str().unwrap_or("").to_owned(),
    )
}

/// An error answer's body with its `request_id` taken out (after checking it is the answer's
/// `x-request-id`), as text: what must read the same for refusals that must not be told apart,
/// since every request has an id of its own.
pub async fn error_body_without_request_id(response: Response) -> String {
    let header = response
        .headers()
        .get("x-request-id")
        .map(|v| v.to_str().unwrap().to_owned());
    let mut body: serde_json::Value = response.json().await.unwrap();
    let id = body["error"]
        .as_object_mut()
        .and_then(|e| e.remove("request_id"));
    assert_eq!(
        id.as_ref().and_then(|v| v.as_str()),
        header.as_deref(),
        "the body names the request of the header: {body}"
    );
    body.to_string()
}

/// One server-sent event.
#[derive(Debug)]
pub struct Sse {
    pub event: String,
    /// The `id:` of this event, empty when it has none.
    pub id: String,
    pub data: String,
}

/// Reads events from a streaming response, skipping keep-alive comments.
pub struct Events {
    response: reqwest::Response,
    buffer: String,
}

impl Events {
    /// `GET /v1/events` as `user`, resuming from `last_event_id` when given.
    pub async fn open(h: &Harness, user: &str, last_event_id: Option<u64>) -> Self {
        let headers: Vec<(&str, String)> = last_event_id
            .map(|id| ("last-event-id", id.to_string()))
            .into_iter()
            .collect();
        Self::open_with(h, user, &headers).await
    }

    /// `GET /v1/events` as `user` with these request headers, expecting a stream.
    pub async fn open_with(h: &Harness, user: &str, headers: &[(&str, String)]) -> Self {
        Self::open_at(&h.http, &h.base, &h.token(user), headers).await
    }

    /// `GET /v1/events` of the server at `base` with `token` and these request headers,
    /// expecting a stream.
    pub async fn open_at(
        http: &reqwest::Client,
        base: &str,
        token: &str,
        headers: &[(&str, String)],
    ) -> Self {
        let mut request = http.get(format!("{base}/v1/events")).bearer_auth(token);
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        Self {
            response,
            buffer: String::new(),
        }
    }

    /// Whether the server ends the stream within `wait` (what it sends meanwhile is dropped).
    pub async fn ends_within(&mut self, wait: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match tokio::time::timeout_at(deadline, self.response.chunk()).await {
                Err(_) => return false,
                Ok(Ok(None)) | Ok(Err(_)) => return true,
                Ok(Ok(Some(_))) => {}
            }
        }
    }

    /// The next event within `wait`, or `None`.
    pub async fn next(&mut self, wait: Duration) -> Option<Sse> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut sse = Sse {
                    event: String::new(),
                    id: String::new(),
                    data: String::new(),
                };
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        sse.event = v.trim().into();
                    } else if let Some(v) = line.strip_prefix("id:") {
                        sse.id = v.trim().into();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        sse.data.push_str(v.trim());
                    }
                }
                if sse.event.is_empty() && sse.data.is_empty() {
                    continue; // a keep-alive comment
                }
                return Some(sse);
            }
            let chunk = tokio::time::timeout_at(deadline, self.response.chunk())
                .await
                .ok()?
                .unwrap()?;
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}

/// `desk-server serve` as a process of its own on a free loopback port, against the test provider
/// and the data folder `data`, with `env` set on top and its log to `stderr`: the child and the
/// address it printed. For tests of what only the binary does (signals, restarts, its log).
pub fn serve_process(
    idp: &TestIdp,
    data: &std::path::Path,
    env: &[(&str, &str)],
    stderr: std::process::Stdio,
) -> (std::process::Child, String) {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_desk-server"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("DESK_SERVER_ISSUER", idp.issuer())
        .env(
            "DESK_SERVER_AUDIENCES",
            format!("[\"{}\"]", idp.api_audience()),
        )
        .env("DESK_SERVER_DATA_DIR", data)
        .env_remove("DESK_SERVER_CONFIG")
        .envs(env.iter().copied())
        .stdout(std::process::Stdio::piped())
        .stderr(stderr)
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    let base = serde_json::from_str::<serde_json::Value>(&line).unwrap()["listening"]
        .as_str()
        .unwrap_or_else(|| panic!("no listening address in {line:?}"))
        .to_owned();
    (child, base)
}

/// Sends the server process SIGTERM, as a service manager stops it.
pub fn terminate(child: &std::process::Child) {
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
}
