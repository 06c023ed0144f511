//! A running desk-server for tests: the real test provider, a demo data set in a database of
//! its own, and the server on a free loopback port in its own runtime, so tests of any runtime
//! can share it.
//!
//! The database is on the engine the run names in `DESK_TEST_ENGINE` ([`Engine::of_run`]):
//! `sqlite` (the default) a SQLite file in the harness's data folder, `postgres` a database of
//! its own in the test cluster (`desk_testkit::postgres::PgDatabase`, dropped with the harness).
//! Any other value is a panic, never a silent default. Tests reach the database only through
//! [`Database`]'s engine-aware helpers (`h.sql`, `h.count`, `h.rows`, `h.fail_audit_inserts_where`,
//! `h.db.put_audit`, …), each stating its intent once for both engines, so every test means the
//! same on either; `desk-server` commands run on the harness's data get its database too
//! ([`Harness::command`]), and so do processes a test serves on a data folder of its own when it
//! passes them [`Database::for_processes`]'s [`Database::env`]. A test that is about the SQLite
//! file itself (its bytes, its write-ahead log) starts with [`Harness::start_sqlite`]: it runs
//! on SQLite whatever the run's engine, so under `DESK_TEST_ENGINE=postgres` it still checks
//! what it says instead of passing vacuously.
//!
//! [`shared`] is one server for read-mostly tests; [`Harness::start`] gives a test its own
//! server and database when it changes role definitions or tampers with the database.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use desk_server::audit::AuditEntry;
use desk_server::audit::key::AuditKey;
use desk_server::config::Config;
use desk_server::demo::DemoOptions;
use desk_server::store::Store;
use desk_server::store::postgres::PostgresStore;
use desk_server::store::sqlite::SqliteStore;
use desk_testkit::TestIdp;
use desk_testkit::postgres::{PgDatabase, PgTemplate};
use reqwest::Response;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;

/// The database engine a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// The embedded SQLite file (SQLCipher) in the data folder.
    Sqlite,
    /// A database of its own in the test cluster (`DESK_TEST_POSTGRES`).
    Postgres,
}

impl Engine {
    /// The variable that chooses the engine of a run.
    pub const ENV: &str = "DESK_TEST_ENGINE";

    /// The engine `DESK_TEST_ENGINE` names: `sqlite` (also when it is unset) or `postgres`.
    /// Anything else panics, naming what was given: a misspelt engine must not quietly test
    /// SQLite twice.
    pub fn of_run() -> Self {
        match std::env::var(Self::ENV) {
            Err(std::env::VarError::NotPresent) => Self::Sqlite,
            Ok(value) => match value.as_str() {
                "sqlite" => Self::Sqlite,
                "postgres" => Self::Postgres,
                other => panic!(
                    "{}={other:?} names no engine: use `sqlite` (the default) or `postgres`",
                    Self::ENV
                ),
            },
            Err(e) => panic!("{} is not usable: {e}", Self::ENV),
        }
    }
}

/// A store on one engine with what keeps its database alive, and the raw access tests need
/// (an insider with the database, or a check of what was stored), each helper doing on the
/// engine in use what it says.
pub enum Database {
    /// The SQLite file in a data folder.
    Sqlite(Arc<SqliteStore>),
    /// A database of the test cluster; it is dropped with this.
    Postgres(Arc<PostgresStore>, PgDatabase),
}

/// The data set of every harness: 50 demo customers with all their records.
pub const DEMO: DemoOptions = DemoOptions {
    customers: 50,
    seed: 7,
};

/// The PostgreSQL template of [`Database::with_demo_data`]: the schema and [`DEMO`], nothing
/// else (no audit entry, no role definition, no key pin: the demo import writes records only),
/// made on a runtime of its own by the first test that needs it.
fn demo_template() -> &'static PgTemplate {
    static TEMPLATE: OnceLock<PgTemplate> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        PgTemplate::make(|url| {
            let url = url.to_owned();
            // On a thread of its own: the first test may ask from inside its runtime.
            let made = std::thread::spawn(move || {
                let runtime = tokio::runtime::Runtime::new().unwrap();
                runtime.block_on(async {
                    // The key links no entry: nothing here appends to the chain.
                    let store = PostgresStore::open(&url, AuditKey::from_bytes([0; 32]))
                        .await
                        .unwrap();
                    desk_server::demo::generate(&store, &DEMO, |_| {})
                        .await
                        .unwrap();
                    // A template in use cannot be copied.
                    store.pool().close().await;
                });
            })
            .join();
            if let Err(panic) = made {
                std::panic::resume_unwind(panic);
            }
        })
    })
}

/// Names the triggers [`Database::fail_audit_inserts_where`] installs, one of its own each.
static TRIGGERS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

impl Database {
    /// A store on `engine` with the audit key `key`: on SQLite the file in `dir`, on PostgreSQL
    /// an empty database of its own (the schema made by `open`, as on SQLite).
    pub async fn open(engine: Engine, dir: &Path, key: AuditKey) -> Self {
        match engine {
            Engine::Sqlite => Self::Sqlite(Arc::new(SqliteStore::open(dir, key).await.unwrap())),
            Engine::Postgres => {
                let db = PgDatabase::create();
                let store = PostgresStore::open(db.url(), key).await.unwrap();
                Self::Postgres(Arc::new(store), db)
            }
        }
    }

    /// A store on `engine` holding [`DEMO`], the harness's data set: on SQLite made in the file
    /// in `dir`; on PostgreSQL a copy of a template database made once per test process with the
    /// schema and the data set, since making the schema and importing the set took most of a
    /// test's start there (`open` then finds the schema current).
    pub async fn with_demo_data(engine: Engine, dir: &Path, key: AuditKey) -> Self {
        match engine {
            Engine::Sqlite => {
                let db = Self::open(engine, dir, key).await;
                desk_server::demo::generate(&*db.store(), &DEMO, |_| {})
                    .await
                    .unwrap();
                db
            }
            Engine::Postgres => {
                let db = PgDatabase::create_from(demo_template());
                let store = PostgresStore::open(db.url(), key).await.unwrap();
                Self::Postgres(Arc::new(store), db)
            }
        }
    }

    /// The database of `desk-server` processes a test starts on a data folder of its own
    /// (`data`), on the run's engine, opened here too under the audit key in that folder (made
    /// there when missing, as `serve` would): for a test to write rows first or read what the
    /// processes wrote. Give the processes [`Database::env`].
    pub async fn for_processes(data: &Path) -> Self {
        let file = data.join(desk_server::audit::key::FILE_NAME);
        let (key, _) = AuditKey::load_or_create(&file).unwrap();
        Self::open(Engine::of_run(), data, key).await
    }

    /// `env` with what names this database to a `desk-server` process put first: on
    /// PostgreSQL its URL as `DESK_SERVER_DATABASE_URL`; on SQLite nothing, the data folder
    /// naming the file.
    pub fn env<'a>(&'a self, env: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
        let named = self.url().map(|url| ("DESK_SERVER_DATABASE_URL", url));
        named.into_iter().chain(env.iter().copied()).collect()
    }

    /// The engine it is on.
    pub fn engine(&self) -> Engine {
        match self {
            Self::Sqlite(_) => Engine::Sqlite,
            Self::Postgres(..) => Engine::Postgres,
        }
    }

    /// The store.
    pub fn store(&self) -> Arc<dyn Store> {
        match self {
            Self::Sqlite(store) => store.clone(),
            Self::Postgres(store, _) => store.clone(),
        }
    }

    /// The PostgreSQL URL a `desk-server` process is given (`DESK_SERVER_DATABASE_URL`); `None`
    /// on SQLite, where the data folder names the file.
    pub fn url(&self) -> Option<&str> {
        match self {
            Self::Sqlite(_) => None,
            Self::Postgres(_, db) => Some(db.url()),
        }
    }

    /// Runs SQL (one statement or several) on the database directly.
    pub async fn execute(&self, sql: &str) {
        match self {
            Self::Sqlite(s) => sqlx::raw_sql(sql).execute(s.pool()).await.map(|_| ()),
            Self::Postgres(s, _) => sqlx::raw_sql(sql).execute(s.pool()).await.map(|_| ()),
        }
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    /// The one integer a query answers (a count, a smallest id).
    pub async fn count(&self, query: &str) -> i64 {
        match self {
            Self::Sqlite(s) => sqlx::query_scalar(query).fetch_one(s.pool()).await,
            Self::Postgres(s, _) => sqlx::query_scalar(query).fetch_one(s.pool()).await,
        }
        .unwrap_or_else(|e| panic!("{query}: {e}"))
    }

    /// The rows a query answers, as `T` (a tuple, or a row type of the store).
    pub async fn rows<T>(&self, query: &str) -> Vec<T>
    where
        T: Send + Unpin + for<'r> sqlx::FromRow<'r, SqliteRow> + for<'r> sqlx::FromRow<'r, PgRow>,
    {
        match self {
            Self::Sqlite(s) => sqlx::query_as(query).fetch_all(s.pool()).await,
            Self::Postgres(s, _) => sqlx::query_as(query).fetch_all(s.pool()).await,
        }
        .unwrap_or_else(|e| panic!("{query}: {e}"))
    }

    /// From now on, every insert into `audit` of a row for which `condition` holds fails with
    /// `message`, as a constraint or a full disk would make it fail. `condition` is an SQL
    /// expression over `NEW` (`NEW.resource = 'customer:2'`, `TRUE`), which both engines read
    /// alike; it becomes a SQLite trigger's `WHEN` or a PL/pgSQL trigger's `IF`.
    pub async fn fail_audit_inserts_where(&self, condition: &str, message: &str) {
        let name = format!(
            "fail_audit_{}",
            TRIGGERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        );
        let message = message.replace('\'', "''");
        let sql = match self.engine() {
            Engine::Sqlite => format!(
                "CREATE TRIGGER {name} BEFORE INSERT ON audit WHEN {condition} \
                 BEGIN SELECT RAISE(ABORT, '{message}'); END"
            ),
            Engine::Postgres => format!(
                "CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ \
                 BEGIN IF {condition} THEN RAISE EXCEPTION '{message}'; END IF; RETURN NEW; \
                 END $$; \
                 CREATE TRIGGER {name} BEFORE INSERT ON audit \
                 FOR EACH ROW EXECUTE FUNCTION {name}()"
            ),
        };
        self.execute(&sql).await;
    }

    /// Inserts `entries` into `audit` as they are (an insider writing rows), in one transaction.
    pub async fn put_audit(&self, entries: &[AuditEntry]) {
        self.write_audit(false, entries).await;
    }

    /// Replaces every row of `audit` with `entries`, in one transaction.
    pub async fn replace_audit(&self, entries: &[AuditEntry]) {
        self.write_audit(true, entries).await;
    }

    async fn write_audit(&self, replace: bool, entries: &[AuditEntry]) {
        const COLUMNS: &str =
            "seq, time, actor, action, resource, outcome, detail, prev_hash, hash";
        macro_rules! write {
            ($pool:expr, $insert:expr) => {{
                let mut tx = $pool.begin().await.unwrap();
                if replace {
                    sqlx::query("DELETE FROM audit")
                        .execute(&mut *tx)
                        .await
                        .unwrap();
                }
                for e in entries {
                    sqlx::query($insert)
                        .bind(e.seq)
                        .bind(&e.time)
                        .bind(&e.actor)
                        .bind(&e.action)
                        .bind(&e.resource)
                        .bind(&e.outcome)
                        .bind(&e.detail)
                        .bind(&e.prev_hash)
                        .bind(&e.hash)
                        .execute(&mut *tx)
                        .await
                        .unwrap();
                }
                tx.commit().await.unwrap();
            }};
        }
        match self {
            Self::Sqlite(s) => write!(
                s.pool(),
                &format!("INSERT INTO audit ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
            ),
            Self::Postgres(s, _) => write!(
                s.pool(),
                &format!(
                    "INSERT INTO audit ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
                )
            ),
        }
    }
}

/// The test users and what the provider's groups make of them.
pub const USERS: [&str; 5] = ["agent1", "agent2", "supervisor", "admin", "norole"];

pub struct Harness {
    pub idp: TestIdp,
    pub base: String,
    /// The store the server uses.
    pub store: Arc<dyn Store>,
    /// The same store with the raw access of its engine (and the database it lives in).
    pub db: Database,
    pub dir: tempfile::TempDir,
    runtime: tokio::runtime::Runtime,
    tokens: Mutex<HashMap<String, String>>,
    pub http: reqwest::Client,
}

impl Harness {
    /// A fresh provider, database (50 demo customers, on the run's engine) and server. Without
    /// the provider's real parts (or, on PostgreSQL, the test cluster) the test fails, through
    /// desk-testkit.
    pub fn start() -> Self {
        Self::start_with(|_| {})
    }

    /// Like [`Harness::start`], with a chance to change the configuration.
    pub fn start_with(adjust: impl FnOnce(&mut Config)) -> Self {
        Self::start_on(Engine::of_run(), adjust)
    }

    /// Like [`Harness::start`], always on SQLite whatever `DESK_TEST_ENGINE` says: for tests of
    /// the SQLite file itself (its bytes, its write-ahead log). Under `DESK_TEST_ENGINE=postgres`
    /// they still test SQLite, rather than pass without testing anything.
    pub fn start_sqlite() -> Self {
        Self::start_sqlite_with(|_| {})
    }

    /// [`Harness::start_sqlite`] with a chance to change the configuration.
    pub fn start_sqlite_with(adjust: impl FnOnce(&mut Config)) -> Self {
        Self::start_on(Engine::Sqlite, adjust)
    }

    /// A harness on `engine`.
    pub fn start_on(engine: Engine, adjust: impl FnOnce(&mut Config)) -> Self {
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
        let (db, base) = runtime.block_on(async {
            let key = desk_server::audit_key(&config).unwrap();
            let db = Database::with_demo_data(engine, &config.data_dir, key).await;
            if let Some(url) = db.url() {
                config.database_url = Some(url.to_owned().into());
            }
            let store = db.store();
            let server = desk_server::Server::new(config, store).await.unwrap();
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
            (db, base)
        });
        Self {
            idp,
            base,
            store: db.store(),
            db,
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

    /// Runs SQL on the database directly (an attacker with access to the database).
    pub fn sql(&self, statement: &str) {
        self.block_on(self.db.execute(statement));
    }

    /// The one integer a query answers (a count, a smallest id).
    pub fn count(&self, query: &str) -> i64 {
        self.block_on(self.count_async(query))
    }

    /// [`Harness::count`] from inside [`Harness::block_on`].
    pub async fn count_async(&self, query: &str) -> i64 {
        self.db.count(query).await
    }

    /// The rows a query answers, as `T` ([`Database::rows`]).
    pub fn rows<T>(&self, query: &str) -> Vec<T>
    where
        T: Send + Unpin + for<'r> sqlx::FromRow<'r, SqliteRow> + for<'r> sqlx::FromRow<'r, PgRow>,
    {
        self.block_on(self.db.rows(query))
    }

    /// [`Database::fail_audit_inserts_where`].
    pub fn fail_audit_inserts_where(&self, condition: &str, message: &str) {
        self.block_on(self.db.fail_audit_inserts_where(condition, message));
    }

    /// `desk-server ARGS` on the harness's data folder and database (`DESK_SERVER_DATABASE_URL`
    /// on PostgreSQL), with no configuration file: for a test to add arguments and environment
    /// and run.
    pub fn command(&self, args: &[&str]) -> std::process::Command {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_desk-server"));
        command
            .args(args)
            .env("DESK_SERVER_DATA_DIR", self.dir.path())
            .env_remove("DESK_SERVER_CONFIG")
            .env_remove("DESK_SERVER_DATABASE_URL");
        if let Some(url) = self.db.url() {
            command.env("DESK_SERVER_DATABASE_URL", url);
        }
        command
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
        .env_remove("DESK_SERVER_DATABASE_URL")
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
