//! What integration tests share: the real test identity provider, and names that keep each test's
//! keychain entries and files apart so tests run in parallel and leave nothing behind.
//!
//! For tests of the API (desk-server), [`TestIdp`] also hands out real tokens for each test user
//! ([`TestIdp::tokens`]: a JWT access token for [`TestIdp::api_audience`] with the user's `groups`;
//! [`TestIdp::tokens_of_client`] the same for another application at the provider), forges
//! tokens with the provider's own signing key ([`TestIdp::sign`]) for attack tests, and has the
//! provider replace its signing keys while it runs ([`TestIdp::rotate_keys`]).
//!
//! Real parts are the rule, and a test that needs one never passes without it. A test that finds
//! a part missing (Node.js, the provider's packages, a Secret Service, `dbus-run-session`: the
//! [`RealPart`]s) ends through [`missing_real_part`], which fails it with the part's name and
//! what to run to get it. That is the only way a test may react to a missing part: libtest
//! cannot mark a test ignored while it runs, and a test that returns early passes, with its
//! reason in captured output nobody reads. [`TestIdp::start`] calls it for its own parts; the
//! tests that probe the Secret Service call it with [`RealPart::SecretService`].
//! `scripts/with-real-parts CMD…` runs a command with every part there, as `scripts/test` does.

pub mod postgres;

use std::fs::OpenOptions;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The client id the test provider registers for the app.
pub const CLIENT_ID: &str = "support-desk";

/// Another application the test provider registers, the same way as the app: its access tokens
/// are for the same API and name it in `client_id`.
pub const OTHER_CLIENT_ID: &str = "another-app";

/// The repository's top folder: found from the package under test, which cargo names at run
/// time, and only then from where this crate was compiled. A build shared by two checkouts (one
/// `CARGO_TARGET_DIR`) would otherwise point tests at the other checkout's files.
pub fn repo_root() -> PathBuf {
    let is_root = |d: &std::path::Path| d.join("tests/idp/server.mjs").is_file();
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .and_then(|dir| dir.ancestors().find(|d| is_root(d)).map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.."))
}

/// A real part that integration tests use and that a machine may lack.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RealPart {
    /// Node.js on `PATH`: it runs the test provider and its scripts.
    Node,
    /// The test provider's npm packages, `tests/idp/node_modules`.
    ProviderPackages,
    /// An unlocked Secret Service (gnome-keyring) on the session's D-Bus.
    SecretService,
    /// `dbus-run-session`, for a test that starts a D-Bus session of its own.
    DbusRunSession,
    /// The second test provider's Python with its packages (tests/idp-py, a venv that
    /// `ensure_python_provider` of scripts/lib.sh makes; `DESK_PYIDP_PYTHON` names its python).
    PythonProvider,
    /// The SCIM check's Python with its packages (tests/scim, scim2-client; a venv that
    /// `ensure_scim_client` of scripts/lib.sh makes; `DESK_SCIM_PYTHON` names its python).
    ScimClient,
    /// A throwaway PostgreSQL cluster (`DESK_TEST_POSTGRES`, which `start_postgres` of
    /// scripts/lib.sh sets) and `psql`.
    Postgres,
}

impl RealPart {
    /// What the part is, for a person.
    fn name(self) -> &'static str {
        match self {
            Self::Node => "Node.js",
            Self::ProviderPackages => "the test provider's packages (tests/idp/node_modules)",
            Self::SecretService => {
                "a Secret Service (an unlocked gnome-keyring on the session's D-Bus)"
            }
            Self::DbusRunSession => "dbus-run-session",
            Self::PythonProvider => "the Python test provider's venv (tests/idp-py, idpyoidc)",
            Self::ScimClient => "the SCIM client's venv (tests/scim, scim2-client)",
            Self::Postgres => "a throwaway PostgreSQL cluster (DESK_TEST_POSTGRES) and psql",
        }
    }

    /// What to run to get the part.
    fn remedy(self) -> &'static str {
        match self {
            Self::Node => "install Node.js 20.19 or newer (DEVELOPERS.md, Prerequisites)",
            Self::ProviderPackages => "run `npm ci` in tests/idp (scripts/with-real-parts does)",
            Self::SecretService => {
                "run the tests through scripts/with-real-parts: it starts a D-Bus session with an \
                 unlocked gnome-keyring whose files live in a temporary folder"
            }
            Self::DbusRunSession => {
                "install the Debian package `dbus` (scripts/with-real-parts installs it)"
            }
            Self::PythonProvider => {
                "run `source scripts/lib.sh && ensure_python_provider` (scripts/with-real-parts \
                 does, and sets DESK_PYIDP_PYTHON)"
            }
            Self::ScimClient => {
                "run `source scripts/lib.sh && ensure_scim_client` (scripts/with-real-parts does, \
                 and sets DESK_SCIM_PYTHON)"
            }
            Self::Postgres => {
                "run the tests through scripts/with-real-parts: it starts a PostgreSQL cluster of \
                 the run's own (Debian's package postgresql) and sets DESK_TEST_POSTGRES"
            }
        }
    }
}

/// Fails the test for a missing real part: names the part, why it was found missing (`detail`:
/// the probe's error) and what to run to get it. Never returns, so a test that needs a part
/// cannot go on, or pass, without it.
#[track_caller]
pub fn missing_real_part(part: RealPart, detail: &dyn std::fmt::Display) -> ! {
    // Cargo names the package under test at run time, and libtest names the test's thread after
    // the test (unless it runs tests on the main thread), so the command to repeat is exact.
    let mut command = String::from("scripts/with-real-parts cargo test");
    if let Ok(package) = std::env::var("CARGO_PKG_NAME") {
        command += &format!(" -p {package}");
    }
    if let Some(test) = std::thread::current().name().filter(|name| *name != "main") {
        command += &format!(" -- --exact {test}");
    }
    panic!(
        "real part missing: {} ({detail})\n\
         This test needs it and never passes without it. To get it: {}.\n\
         For example: {command}\n\
         (DEVELOPERS.md, \"Real parts\")",
        part.name(),
        part.remedy(),
    );
}

/// The python of the SCIM check's venv, to run `tests/scim/check.py` with: `DESK_SCIM_PYTHON`, else
/// the venv `ensure_scim_client` makes by default. When neither is an executable file the test
/// fails through [`missing_real_part`] with [`RealPart::ScimClient`].
#[track_caller]
pub fn scim_python() -> PathBuf {
    let python = std::env::var_os("DESK_SCIM_PYTHON")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .map(|home| PathBuf::from(home).join(".cache/support-desk/scim-venv/bin/python"))
        });
    match python {
        Some(python) if is_executable(&python) => python,
        Some(python) => missing_real_part(
            RealPart::ScimClient,
            &format!("{} is not an executable file", python.display()),
        ),
        None => missing_real_part(
            RealPart::ScimClient,
            &"neither DESK_SCIM_PYTHON nor HOME is set",
        ),
    }
}

/// Whether `path` is a file this user may run (through a symlink, as a venv's python is).
fn is_executable(path: &std::path::Path) -> bool {
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.is_file() && meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        meta.is_file()
    }
}

/// A name unique to this test process and call, such as `support-desk-test-4242-1a2b-3`.
pub fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}-{}-{nanos:x}-{n}", std::process::id())
}

/// The password of every test provider user.
pub const PASSWORD: &str = "desk-demo-password";

/// A `BROWSER` command that completes the test provider's login over HTTP as the user named by
/// `DESK_IDP_USER` (default `agent1`), then follows the redirect to the app's callback.
pub fn browser_command() -> String {
    let script = repo_root().join("tests/idp/login.mjs");
    format!("node {}", script.canonicalize().unwrap_or(script).display())
}

/// A fresh 2048-bit RSA private key in PKCS#1 PEM, made by Node.js (fast, and already a real
/// part of the suite). Never written to disk.
pub fn rsa_private_pem() -> String {
    let out = node_started(
        Command::new("node")
            .args([
                "-e",
                "const { generateKeyPairSync } = require('node:crypto');\
                 const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });\
                 process.stdout.write(privateKey.export({ type: 'pkcs1', format: 'pem' }));",
            ])
            .output(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("PEM is text")
}

/// What starting `node` gave; a Node.js missing from `PATH` fails the test as a missing real
/// part.
#[track_caller]
fn node_started<T>(started: std::io::Result<T>) -> T {
    match started {
        Ok(started) => started,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            missing_real_part(RealPart::Node, &format!("node: {e}"))
        }
        Err(e) => panic!("starting node: {e}"),
    }
}

/// The test OpenID provider (`tests/idp/server.mjs`) running on a free loopback port. It stops
/// when this value is dropped.
///
/// Its signing keys are made for it by [`TestIdp::start`] and kept in a file readable only by
/// this user (deleted on drop), so that [`TestIdp::sign`] can sign with them too; every token it
/// issues is appended to another such file, read by [`TestIdp::issued`].
pub struct TestIdp {
    child: Child,
    implementation: Implementation,
    issuer: String,
    api_audience: String,
    // The private JWKS the node provider was started with, which `sign` uses too (the Python
    // one makes keys of every kind its algorithms need for itself).
    keys: Option<KeysFile>,
    // Where the provider appends every token response (`DESK_IDP_TOKEN_LOG`), for `issued`.
    token_log: PrivateFile,
}

/// Tokens from a real sign-in at the test provider, see [`TestIdp::tokens`]. No `Debug`, as for
/// any token, although these come from a throwaway provider.
#[derive(Clone)]
pub struct TestTokens {
    /// A JWT access token (RFC 9068, `typ: at+jwt`, RS256) for the API: `aud` is
    /// [`TestIdp::api_audience`], `iss` the issuer, `sub` the user, `groups` the user's groups
    /// (`[]` for `norole`), `preferred_username` the user (as Entra ID's v2 access tokens carry
    /// it); also `client_id`, `jti`, `iat` and `exp` (10 minutes), no `scope`.
    pub access_token: String,
    /// The refresh token; the provider rotates it on use.
    pub refresh_token: String,
    /// The ID token, for the app's client id, with the user's `groups`.
    pub id_token: String,
}

/// A file of its own in the temporary folder (mode 0600 on Unix, made new so never one planted
/// under that name), removed on drop.
struct PrivateFile(PathBuf);

impl PrivateFile {
    /// A new empty file whose name starts with `prefix` and ends with `suffix`.
    fn create(prefix: &str, suffix: &str) -> (Self, std::fs::File) {
        let path = std::env::temp_dir().join(format!("{}{suffix}", unique_name(prefix)));
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options
            .open(&path)
            .unwrap_or_else(|e| panic!("creating {}: {e}", path.display()));
        (Self(path), file)
    }
}

impl Drop for PrivateFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The provider's private JWKS in a file of its own.
struct KeysFile(PrivateFile);

impl KeysFile {
    /// Fresh keys of the shape the provider makes for itself (`node tests/idp/sign.mjs
    /// --new-keys`).
    fn create() -> Self {
        let out = node_started(
            Command::new("node")
                .arg(idp_script("sign.mjs"))
                .arg("--new-keys")
                .stdin(Stdio::null())
                .output(),
        );
        assert!(
            out.status.success(),
            "sign.mjs --new-keys failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let (keys, mut file) = PrivateFile::create("support-desk-test-idp-keys", ".jwks.json");
        file.write_all(&out.stdout)
            .unwrap_or_else(|e| panic!("writing {}: {e}", keys.0.display()));
        Self(keys)
    }

    fn path(&self) -> &std::path::Path {
        &self.0.0
    }
}

/// A script of the test provider's folder, by absolute path.
fn idp_script(name: &str) -> PathBuf {
    let path = repo_root().join("tests/idp").join(name);
    path.canonicalize().unwrap_or(path)
}

/// Runs `node SCRIPT ARGS…` with `stdin` as its input; its stdout, or a panic naming `what` with
/// its stderr.
fn run_node<I, S>(what: &str, script: &str, args: I, stdin: &[u8]) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let mut child = node_started(
        Command::new("node")
            .arg(idp_script(script))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn(),
    );
    let mut input = child.stdin.take().expect("piped stdin");
    input
        .write_all(stdin)
        .unwrap_or_else(|e| panic!("{what}: writing to {script}: {e}"));
    drop(input);
    let out = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("{what}: {script}: {e}"));
    assert!(
        out.status.success(),
        "{what}: {script} failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr).trim()
    );
    String::from_utf8(out.stdout).expect("node prints text")
}

/// Which implementation of OpenID Connect a [`TestIdp`] runs, and how it is to behave where the
/// specifications leave a choice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Implementation {
    /// `tests/idp`: node `oidc-provider`, with test controls ([`TestIdp::rotate_keys`]).
    /// Refresh tokens rotate and every refresh answers with an ID token.
    Node,
    /// `tests/idp-py`: the IdentityPython server `idpyoidc`, by other authors than the first.
    Python(PythonBehaviour),
}

/// The choices [`Implementation::Python`] is started with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PythonBehaviour {
    /// Whether a refresh gives a new refresh token and retires the one used.
    pub rotation: bool,
    /// Whether a refresh response carries an ID token (OpenID Connect Core 12.2 leaves it out as
    /// an option).
    pub id_token_on_refresh: bool,
    /// The ID tokens' signing algorithm: `RS256`, `PS256`, `ES256` or `EdDSA`.
    pub id_token_alg: &'static str,
}

impl PythonBehaviour {
    /// As `tests/idp-py/op.json` configures it: rotating, an ID token on every refresh, RS256.
    pub const DEFAULT: Self = Self {
        rotation: true,
        id_token_on_refresh: true,
        id_token_alg: "RS256",
    };
}

impl Default for PythonBehaviour {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl Implementation {
    /// Both implementations with their defaults: what a test of a flow both must serve runs
    /// against.
    pub const BOTH: [Implementation; 2] = [Implementation::Node, Implementation::PYTHON];

    /// The Python provider as its configuration files have it.
    pub const PYTHON: Implementation = Implementation::Python(PythonBehaviour::DEFAULT);

    /// The command that starts it, in its folder; missing parts end the test.
    fn command(self) -> Command {
        match self {
            Implementation::Node => {
                let dir = repo_root().join("tests/idp");
                let package = dir.join("node_modules/oidc-provider");
                if !package.is_dir() {
                    missing_real_part(
                        RealPart::ProviderPackages,
                        &format!("no folder {}", package.display()),
                    );
                }
                let mut command = Command::new("node");
                command
                    .args(["server.mjs", "--exit-with-stdin", "--test-controls"])
                    .current_dir(dir);
                command
            }
            Implementation::Python(behaviour) => {
                let python = std::env::var_os("DESK_PYIDP_PYTHON")
                    .map(PathBuf::from)
                    .or_else(|| {
                        std::env::var_os("HOME").map(|home| {
                            PathBuf::from(home).join(".cache/support-desk/idp-py-venv/bin/python")
                        })
                    })
                    .filter(|p| p.is_file())
                    .unwrap_or_else(|| {
                        missing_real_part(RealPart::PythonProvider, &"no venv python found")
                    });
                let on_off = |on: bool| if on { "on" } else { "off" };
                let mut command = Command::new(python);
                command
                    .args(["server.py", "--exit-with-stdin"])
                    .args(["--refresh-rotation", on_off(behaviour.rotation)])
                    .args([
                        "--id-token-on-refresh",
                        on_off(behaviour.id_token_on_refresh),
                    ])
                    .args(["--id-token-alg", behaviour.id_token_alg])
                    .current_dir(repo_root().join("tests/idp-py"));
                command
            }
        }
    }
}

impl TestIdp {
    /// Starts a fresh provider: the node one ([`Implementation::Node`]). Without Node.js or the
    /// provider's packages the test fails through [`missing_real_part`].
    pub fn start() -> Self {
        Self::start_of(Implementation::Node)
    }

    /// Starts a fresh provider of the implementation `provider` names. Without its parts the
    /// test fails through [`missing_real_part`].
    pub fn start_of(implementation: Implementation) -> Self {
        let keys = (implementation == Implementation::Node).then(KeysFile::create);
        let (token_log, _) = PrivateFile::create("support-desk-test-idp-tokens", ".jsonl");
        // Our end of its stdin lives in `self`: when this process ends without dropping us (a
        // provider shared by a whole test binary), the pipe closes and the provider goes too.
        let mut command = implementation.command();
        let program = command.get_program().to_owned();
        if let Some(keys) = &keys {
            command.env("DESK_IDP_KEYS_FILE", keys.path());
        }
        let started = command
            .env("DESK_IDP_TOKEN_LOG", &token_log.0)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn();
        let mut child = match implementation {
            Implementation::Node => node_started(started),
            Implementation::Python(_) => started.unwrap_or_else(|e| {
                missing_real_part(RealPart::PythonProvider, &format!("{program:?}: {e}"))
            }),
        };
        let stdout = child.stdout.take().expect("piped stdout");
        // Drain stderr for the provider's whole life so its warnings never fill the pipe.
        let mut stderr = child.stderr.take().expect("piped stderr");
        let stderr_text = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        });
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx.recv_timeout(Duration::from_secs(30)).unwrap_or_default();
        let started = serde_json::from_str::<serde_json::Value>(&line).ok();
        let field = |name: &str| {
            started
                .as_ref()
                .and_then(|v| v[name].as_str())
                .map(str::to_owned)
        };
        match (field("issuer"), field("api_audience")) {
            (Some(issuer), Some(api_audience)) => Self {
                child,
                implementation,
                issuer,
                api_audience,
                keys,
                token_log,
            },
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                let err = stderr_text.join().unwrap_or_default();
                panic!("the test provider did not start: {line:?} {err}");
            }
        }
    }

    /// The provider's issuer URL, `http://127.0.0.1:PORT`.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// Which implementation this is, and how it behaves.
    pub fn implementation(&self) -> Implementation {
        self.implementation
    }

    /// Its RFC 7009 revocation endpoint, as its discovery document names it.
    pub fn revocation_endpoint(&self) -> String {
        let well_known = format!("{}/.well-known/openid-configuration", self.issuer);
        let answer = http_ok("GET", &well_known);
        assert!(
            !answer.chunked,
            "{well_known}: a chunked answer, which this reader does not undo"
        );
        let document = answer.body;
        let meta: serde_json::Value = serde_json::from_str(&document)
            .unwrap_or_else(|e| panic!("{well_known}: not JSON: {e}"));
        meta["revocation_endpoint"]
            .as_str()
            .unwrap_or_else(|| panic!("{well_known} names no revocation_endpoint"))
            .to_owned()
    }

    /// The API's audience, the `aud` of every access token the provider issues
    /// (`urn:support-desk:api`).
    pub fn api_audience(&self) -> &str {
        &self.api_audience
    }

    /// Real tokens for `user` (`agent1`, `agent2`, `supervisor`, `admin`, `norole`): a complete
    /// authorization code + PKCE sign-in as the app does it, through the provider's login and
    /// consent pages, by `node tests/idp/tokens.mjs`. Each call is a new sign-in, with tokens of
    /// its own. Panics, with the provider's reason, for an unknown user.
    pub fn tokens(&self, user: &str) -> TestTokens {
        self.tokens_of_client(user, CLIENT_ID)
    }

    /// Like [`TestIdp::tokens`], signed in through the client `client_id` ([`CLIENT_ID`] or
    /// [`OTHER_CLIENT_ID`]): the access token names it in `client_id`.
    pub fn tokens_of_client(&self, user: &str, client_id: &str) -> TestTokens {
        let what = format!("tokens for {user} through {client_id}");
        let line = run_node(
            &what,
            "tokens.mjs",
            [
                "--issuer",
                &self.issuer,
                "--user",
                user,
                "--client-id",
                client_id,
            ],
            b"",
        );
        let answer: serde_json::Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("{what}: tokens.mjs printed no JSON: {e}"));
        let field = |name: &str| {
            answer[name]
                .as_str()
                .unwrap_or_else(|| panic!("{what}: no {name}"))
                .to_owned()
        };
        TestTokens {
            access_token: field("access_token"),
            refresh_token: field("refresh_token"),
            id_token: field("id_token"),
        }
    }

    /// Has the provider replace every signing key with fresh ones, at once (`POST
    /// /test-controls/rotate-keys`): the old keys leave its published JWKS, the tokens it issues
    /// from now on are signed with the new ones, and so are those [`TestIdp::sign`] makes.
    /// Sessions and refresh tokens stay. A token signed before keeps the key it names, which the
    /// provider no longer publishes: what a resource server must stop accepting.
    pub fn rotate_keys(&self) {
        assert_eq!(
            self.implementation,
            Implementation::Node,
            "only the node provider has test controls"
        );
        http_ok(
            "POST",
            &format!("{}/test-controls/rotate-keys", self.issuer),
        );
    }

    /// Every token the provider has issued so far, in order: one [`TestTokens`] per token
    /// response, at sign-in and at each refresh, to the app and to [`TestIdp::tokens`] alike.
    /// For tests that look for tokens where none may be (a log, a file).
    pub fn issued(&self) -> Vec<TestTokens> {
        let text = std::fs::read_to_string(&self.token_log.0)
            .unwrap_or_else(|e| panic!("reading {}: {e}", self.token_log.0.display()));
        text.lines()
            .map(|line| {
                let answer: serde_json::Value = serde_json::from_str(line)
                    .unwrap_or_else(|e| panic!("the token log holds no JSON: {e}"));
                let field = |name: &str| {
                    answer[name]
                        .as_str()
                        .unwrap_or_else(|| panic!("a token response without {name}"))
                        .to_owned()
                };
                TestTokens {
                    access_token: field("access_token"),
                    refresh_token: field("refresh_token"),
                    id_token: field("id_token"),
                }
            })
            .collect()
    }

    /// A compact JWS of `claims` (signed as given), made with the provider's own keys, for
    /// attack tests: a token only the signature check cannot tell from the provider's.
    ///
    /// The header starts as the provider's access tokens have it, `{"alg": "RS256", "typ":
    /// "at+jwt", "kid": <its RSA key's>}`; fields of `header` replace those, and a `null` leaves
    /// one out. `alg` says how to sign:
    /// - `RS256` (default), `RS384`, `RS512`, `PS256`, `PS384`, `PS512`: with the RSA key;
    /// - `ES256`: with the provider's EC P-256 key (whose kid is then the default);
    /// - `none`: no signature (the third part is empty);
    /// - `HS256-public-key`: written as `HS256`, an HMAC keyed with the RSA public key as PEM
    ///   (SPKI, `-----BEGIN PUBLIC KEY-----`, final newline included), the classic key-confusion
    ///   forgery.
    ///
    /// ```no_run
    /// # let idp = desk_testkit::TestIdp::start();
    /// use serde_json::json;
    /// let now = std::time::SystemTime::now()
    ///     .duration_since(std::time::UNIX_EPOCH)
    ///     .unwrap()
    ///     .as_secs();
    /// let expired = idp.sign(
    ///     json!({}),
    ///     json!({ "iss": idp.issuer(), "aud": idp.api_audience(), "sub": "admin",
    ///             "groups": ["support-admins"], "iat": now - 1200, "exp": now - 600 }),
    /// );
    /// let confused = idp.sign(json!({ "alg": "HS256-public-key" }), json!({ "sub": "admin" }));
    /// ```
    pub fn sign(&self, header: serde_json::Value, claims: serde_json::Value) -> String {
        let keys = self
            .keys
            .as_ref()
            .expect("only the node provider's keys are at hand to sign with");
        let input = serde_json::json!({ "header": header, "claims": claims }).to_string();
        run_node("sign", "sign.mjs", [keys.path()], input.as_bytes())
            .trim()
            .to_owned()
    }
}

/// A plain HTTP/1.1 request `method url` (`http://HOST:PORT/PATH`, loopback, no body), which
/// must answer 200. The test provider is the only server it is for.
fn http_ok(method: &str, url: &str) -> Answer {
    let rest = url
        .strip_prefix("http://")
        .unwrap_or_else(|| panic!("{url}: not plain http"));
    let (address, path) = rest.split_once('/').unwrap_or((rest, ""));
    let mut stream =
        std::net::TcpStream::connect(address).unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("a read timeout");
    write!(
        stream,
        "{method} /{path} HTTP/1.1\r\nHost: {address}\r\nContent-Length: 0\r\n\
         Connection: close\r\n\r\n"
    )
    .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let mut answer = String::new();
    stream
        .read_to_string(&mut answer)
        .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let (head, body) = answer
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("{method} {url}: no HTTP answer"));
    assert!(
        head.starts_with("HTTP/1.1 200") || head.starts_with("HTTP/1.0 200"),
        "{method} {url}: {head}"
    );
    Answer {
        chunked: head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked"),
        body: body.to_owned(),
    }
}

/// What [`http_ok`] read: the body as sent, and whether it came in chunks (not undone here).
struct Answer {
    chunked: bool,
    body: String,
}

impl Drop for TestIdp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
